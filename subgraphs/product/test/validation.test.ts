/** The back office's input rules for a new product: every problem, with the field at fault. */
import type { ProductDraft } from '../src/domain';
import { checkProductDraft } from '../src/validation';

const cdn = 'https://assets.example.com';

const draft = (over: Partial<ProductDraft> = {}): ProductDraft => ({
  title: 'Trail Jacket',
  description: 'Light and warm.',
  brand: 'Alpenglow',
  categorySlug: 'jackets',
  images: [{ url: `${cdn}/products/jacket.jpg`, altText: 'The jacket' }],
  variants: [
    {
      sku: 'TJ-S',
      title: 'Small',
      price: '129.00',
      quantity: 3,
      selectedOptions: [{ name: 'Size', value: 'S' }],
    },
    {
      sku: 'TJ-M',
      title: 'Medium',
      price: '129.00',
      quantity: 0,
      selectedOptions: [{ name: 'Size', value: 'M' }],
    },
  ],
  ...over,
});

const fields = (d: ProductDraft) =>
  checkProductDraft(d, cdn).problems.map((p) => (p.field ?? []).join('.'));

describe('checking a new product', () => {
  it('normalises a good draft: a slug from the title, image keys, options of the variants', () => {
    const { product, problems } = checkProductDraft(
      draft({ title: '  Trail Jacket & Hood ' }),
      cdn,
    );
    expect(problems).toEqual([]);
    expect(product.slug).toBe('trail-jacket-and-hood');
    expect(product.images).toEqual([{ key: 'products/jacket.jpg', altText: 'The jacket' }]);
    expect(product.options).toEqual([{ name: 'Size', values: ['S', 'M'] }]);
    expect(product.variants.map((v) => v.price)).toEqual([12900, 12900]);
  });

  it('reports every problem in one pass, in the order of the fields', () => {
    expect(
      fields(
        draft({
          title: ' ',
          categorySlug: '',
          slug: 'Not A Slug',
          images: [{ url: 'http://elsewhere.example.com/x.jpg' }],
          variants: [
            {
              sku: 'bad sku',
              title: '',
              price: '1.999',
              quantity: -1,
              selectedOptions: [{ name: 'Size', value: 'S' }],
            },
            {
              sku: 'OK-1',
              title: 'Fine',
              price: '1.00',
              quantity: 1,
              selectedOptions: [{ name: 'Size', value: 'M' }],
            },
          ],
        }),
      ),
    ).toEqual([
      'input.title',
      'input.categorySlug',
      'input.slug',
      'input.images.0.url',
      'input.variants.0.sku',
      'input.variants.0.title',
      'input.variants.0.price',
      'input.variants.0.quantity',
    ]);
  });

  it('compares variants: unique SKUs, the same option names, different option values', () => {
    const problems = checkProductDraft(
      draft({
        variants: [
          {
            sku: 'A',
            title: 'A',
            price: '1.00',
            quantity: 1,
            selectedOptions: [{ name: 'Size', value: 'S' }],
          },
          {
            sku: 'A',
            title: 'B',
            price: '1.00',
            quantity: 1,
            selectedOptions: [{ name: 'size', value: 's' }],
          },
          {
            sku: 'C',
            title: 'C',
            price: '1.00',
            quantity: 1,
            selectedOptions: [{ name: 'Colour', value: 'Red' }],
          },
        ],
      }),
      cdn,
    ).problems;
    expect(problems.map((p) => [(p.field ?? []).join('.'), p.message])).toEqual([
      ['input.variants.1.sku', 'SKU A is given to more than one variant.'],
      [
        'input.variants.1.selectedOptions',
        'Two variants have the same option values; give each variant its own.',
      ],
      ['input.variants.2.selectedOptions', 'Every variant must have the same option names.'],
    ]);
  });

  it('refuses an option named twice on one variant, and a product without variants', () => {
    expect(
      fields(
        draft({
          variants: [
            {
              sku: 'A',
              title: 'A',
              price: '1.00',
              quantity: 1,
              selectedOptions: [
                { name: 'Size', value: 'S' },
                { name: 'SIZE', value: 'M' },
              ],
            },
          ],
        }),
      ),
    ).toEqual(['input.variants.0.selectedOptions.1.name']);
    expect(fields(draft({ variants: [] }))).toEqual(['input.variants']);
  });
});
