/**
 * A deterministic demo catalog: the same seed gives the same products, ids and stock every time,
 * and the first N products are the same whatever the total, so tests and demos agree.
 */
import { Faker, en } from '@faker-js/faker';
import type { Category, Product, Review, Variant } from '../../subgraphs/product/src/domain';
import { categories as categorySpecs, reviewPhrases, type CategorySpec } from './catalog-data';

export interface GeneratedProduct {
  product: Product;
  variants: Variant[];
  reviews: Review[];
  /** Units in stock per variant id. */
  stock: Map<string, number>;
}

export interface GenerateOptions {
  products: number;
  seed?: number;
}

/** Catalog dates are relative to a fixed instant, never to "now". */
const EPOCH = Date.parse('2026-01-01T00:00:00.000Z');
const DAY = 86_400_000;

export const seedCategories = (counts: Map<string, number>): Category[] =>
  categorySpecs.map((spec, position) => ({
    slug: spec.slug,
    name: spec.name,
    description: spec.description,
    productCount: counts.get(spec.slug) ?? 0,
    position,
  }));

export const seedBrands = (): string[] =>
  [...new Set(categorySpecs.flatMap((c) => c.brands))].sort();

function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/&/g, 'and')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function combinations(options: Record<string, string[]>): { name: string; value: string }[][] {
  return Object.entries(options).reduce<{ name: string; value: string }[][]>(
    (acc, [name, values]) =>
      acc.flatMap((combo) => values.map((value) => [...combo, { name, value }])),
    [[]],
  );
}

/** Yields products one at a time, so 100,000 of them never sit in memory together. */
export function* generateCatalog(options: GenerateOptions): Generator<GeneratedProduct> {
  const faker = new Faker({ locale: [en] });
  faker.seed(options.seed ?? 20_260_101);
  const usedSlugs = new Map<string, number>();
  // A fixed permutation-free featured order: rank drawn from a wide range, ties broken by id.
  for (let index = 0; index < options.products; index++) {
    const spec: CategorySpec = categorySpecs[index % categorySpecs.length];
    const brand = faker.helpers.arrayElement(spec.brands);
    const noun = faker.helpers.arrayElement(spec.nouns);
    const adjective = faker.helpers.arrayElement(spec.adjectives);
    const model = faker.helpers.arrayElement([
      '',
      ` ${faker.string.alpha({ length: 1, casing: 'upper' })}${faker.number.int({ min: 1, max: 9 })}`,
      ` ${faker.number.int({ min: 100, max: 990 })}`,
    ]);
    const title = `${brand} ${adjective} ${noun}${model}`;
    const base = slugify(title);
    const seen = usedSlugs.get(base) ?? 0;
    usedSlugs.set(base, seen + 1);
    const slug = seen === 0 ? base : `${base}-${seen + 1}`;
    const id = faker.string.uuid();
    const createdAt = new Date(
      EPOCH -
        faker.number.int({ min: 0, max: 720 }) * DAY -
        faker.number.int({ min: 0, max: DAY - 1 }),
    ).toISOString();

    const all = combinations(spec.options);
    const variantCount = faker.number.int({ min: 1, max: Math.min(6, all.length) });
    const chosen = faker.helpers.arrayElements(all, variantCount);
    const basePrice =
      Math.round(faker.number.int({ min: spec.price[0], max: spec.price[1] }) / 100) * 100 - 1;
    const variants: Variant[] = chosen.map((selectedOptions, position) => {
      const variantId = faker.string.uuid();
      const uplift = faker.helpers.arrayElement([0, 0, 0, 500, 1_000, 2_500]);
      return {
        id: variantId,
        productId: id,
        sku: `${spec.slug.slice(0, 3).toUpperCase()}-${slugify(brand).slice(0, 4).toUpperCase()}-${String(index + 1).padStart(6, '0')}-${position + 1}`,
        title: selectedOptions.map((o) => o.value).join(' / '),
        price: basePrice + uplift,
        currencyCode: 'USD',
        selectedOptions,
        position,
      };
    });
    const stock = new Map(
      variants.map((v) => [
        v.id,
        faker.number.float() < 0.08 ? 0 : faker.number.int({ min: 1, max: 120 }),
      ]),
    );

    const reviews: Review[] = Array.from({ length: faker.number.int({ min: 0, max: 8 }) }, () => {
      const rating = faker.helpers.weightedArrayElement([
        { weight: 40, value: 5 },
        { weight: 30, value: 4 },
        { weight: 15, value: 3 },
        { weight: 8, value: 2 },
        { weight: 7, value: 1 },
      ]);
      return {
        id: faker.string.uuid(),
        productId: id,
        rating,
        title: faker.helpers.arrayElement(reviewPhrases[rating].titles),
        body: faker.helpers.arrayElement(reviewPhrases[rating].bodies),
        authorName: `${faker.person.firstName()} ${faker.person.lastName().charAt(0)}.`,
        createdAt: new Date(
          Date.parse(createdAt) + faker.number.int({ min: 1, max: 300 }) * DAY,
        ).toISOString(),
      };
    });

    const imageCount = faker.number.int({ min: 1, max: 4 });
    const optionNames = Object.keys(spec.options);
    const prices = variants.map((v) => v.price);
    const product: Product = {
      id,
      slug,
      title,
      description: `${title}. ${faker.helpers.arrayElement([
        'Designed for everyday use and built to last.',
        'A favourite of our customers, now in more options.',
        'Thoughtful details, honest materials and a two-year warranty.',
        'Made to perform, priced to be used every day.',
      ])} ${spec.description}`,
      brand,
      categorySlug: spec.slug,
      images: Array.from({ length: imageCount }, (_, n) => ({
        key: `products/${slug}/${n + 1}.jpg`,
        altText: n === 0 ? title : `${title}, view ${n + 1}`,
      })),
      documents:
        spec.documents && faker.number.float() < 0.6
          ? [
              {
                title: 'User manual',
                key: `documents/${slug}/manual.pdf`,
                contentType: 'application/pdf',
              },
              ...(faker.number.float() < 0.5
                ? [
                    {
                      title: 'Specification sheet',
                      key: `documents/${slug}/specifications.pdf`,
                      contentType: 'application/pdf',
                    },
                  ]
                : []),
            ]
          : [],
      options: optionNames
        .map((name) => ({
          name,
          values: [
            ...new Set(
              variants.flatMap((v) =>
                v.selectedOptions.filter((o) => o.name === name).map((o) => o.value),
              ),
            ),
          ],
        }))
        .filter((o) => o.values.length > 0),
      variantIds: variants.map((v) => v.id),
      minPrice: Math.min(...prices),
      maxPrice: Math.max(...prices),
      currencyCode: 'USD',
      featuredRank: faker.number.int({ min: 1, max: 1_000_000 }),
      ratingCount: reviews.length,
      ratingSum: reviews.reduce((sum, r) => sum + r.rating, 0),
      createdAt,
      updatedAt: createdAt,
    };
    yield { product, variants, reviews, stock };
  }
}
