/**
 * Input rules for catalog writes. Pure functions: they normalise what a client sent and list
 * every problem with the path of the field at fault, so one round trip reports them all.
 * Checks that need the store (does the category exist, is the slug free) are the services'.
 */
import type { UserError } from '../../../common/user-error';
import { parseMinorUnits } from '../../../common/money';
import type {
  AssetRef,
  ProductChanges,
  ProductDraft,
  ProductOption,
  ReviewDraft,
  SelectedOption,
} from './domain';

export const limits = {
  title: 200,
  description: 10_000,
  brand: 100,
  slug: 120,
  sku: 64,
  variants: 100,
  images: 20,
  altText: 500,
  options: 10,
  optionName: 50,
  optionValue: 100,
  /** Units of one variant; stock is a PostgreSQL integer. */
  quantity: 1_000_000_000,
  /** 99,999,999.99: listing sort keys hold 12 digits of minor units. */
  priceMinor: 9_999_999_999,
  reviewTitle: 120,
  reviewBody: 5_000,
  authorName: 60,
};

const slugPattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const skuPattern = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const assetKeyPattern = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

type Path = (string | number)[];
type Problem = UserError<'INVALID_INPUT'>;

const problem = (field: Path, message: string): Problem => ({
  code: 'INVALID_INPUT',
  field: field.map(String),
  message,
});

/** "Acme Pro Headphones & Case" -> "acme-pro-headphones-and-case", at most 120 characters. */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, limits.slug)
    .replace(/^-+|-+$/g, '');
}

/** Collapses surrounding whitespace; `null` for text that is empty once trimmed. */
function clean(text: string | null | undefined): string | null {
  const trimmed = (text ?? '').trim();
  return trimmed === '' ? null : trimmed;
}

function requiredText(
  problems: Problem[],
  field: Path,
  label: string,
  text: string | null | undefined,
  max: number,
): string {
  const value = clean(text);
  if (value === null) problems.push(problem(field, `${label} must not be empty.`));
  else if (value.length > max)
    problems.push(problem(field, `${label} must be at most ${max} characters.`));
  return value ?? '';
}

function optionalText(
  problems: Problem[],
  field: Path,
  label: string,
  text: string | null | undefined,
  max: number,
): string | null {
  const value = clean(text);
  if (value !== null && value.length > max)
    problems.push(problem(field, `${label} must be at most ${max} characters.`));
  return value;
}

/**
 * Where an image lives: a key under the asset CDN (given as a key or as a URL on the CDN), or
 * an absolute https URL elsewhere. Null when it is neither.
 */
export function imageKey(url: string, assetBaseUrl: string): string | null {
  const text = url.trim();
  const base = `${assetBaseUrl.replace(/\/+$/, '')}/`;
  if (text.startsWith(base)) {
    const key = text.slice(base.length);
    return assetKeyPattern.test(key) && !key.includes('..') ? key : null;
  }
  if (/^https:\/\//i.test(text)) {
    try {
      return new URL(text).protocol === 'https:' && !/\s/.test(text) ? text : null;
    } catch {
      return null;
    }
  }
  return assetKeyPattern.test(text) && !text.includes('..') ? text : null;
}

/** A product draft checked and normalised, ready to become catalog items. */
export interface CheckedProduct {
  title: string;
  description: string;
  brand: string | null;
  categorySlug: string;
  slug: string;
  images: AssetRef[];
  options: ProductOption[];
  variants: {
    sku: string;
    title: string;
    price: number;
    quantity: number;
    selectedOptions: SelectedOption[];
  }[];
}

export function checkProductDraft(
  draft: ProductDraft,
  assetBaseUrl: string,
): { product: CheckedProduct; problems: Problem[] } {
  const problems: Problem[] = [];
  const at = (...path: Path) => ['input', ...path];
  const title = requiredText(problems, at('title'), 'The title', draft.title, limits.title);
  const description =
    optionalText(
      problems,
      at('description'),
      'The description',
      draft.description,
      limits.description,
    ) ?? '';
  const brand = optionalText(problems, at('brand'), 'The brand', draft.brand, limits.brand);
  const categorySlug = clean(draft.categorySlug) ?? '';
  if (categorySlug === '') problems.push(problem(at('categorySlug'), 'Choose a category.'));
  const slug = checkSlug(problems, at('slug'), draft.slug, title);
  const images = checkImages(problems, at('images'), draft.images ?? [], assetBaseUrl);
  const variants = checkVariants(problems, at('variants'), draft.variants);
  return {
    product: {
      title,
      description,
      brand,
      categorySlug,
      slug,
      images,
      options: optionsOf(variants.map((v) => v.selectedOptions)),
      variants,
    },
    problems,
  };
}

/** The slug given, or one made from the title. */
function checkSlug(
  problems: Problem[],
  field: Path,
  given: string | null | undefined,
  title: string,
): string {
  if (given != null) {
    const slug = given.trim();
    if (!slugPattern.test(slug) || slug.length > limits.slug)
      problems.push(
        problem(
          field,
          `The slug must be lower-case letters, digits and single hyphens, at most ${limits.slug} characters.`,
        ),
      );
    return slug;
  }
  const slug = slugify(title);
  if (slug === '' && title !== '')
    problems.push(problem(field, 'The title gives no usable slug; give a slug.'));
  return slug;
}

/** Images as asset keys (or https URLs elsewhere), with their alt texts. */
function checkImages(
  problems: Problem[],
  field: Path,
  inputs: NonNullable<ProductDraft['images']>,
  assetBaseUrl: string,
): AssetRef[] {
  if (inputs.length > limits.images)
    problems.push(problem(field, `A product has at most ${limits.images} images.`));
  return inputs.slice(0, limits.images).map((image, i) => {
    const key = imageKey(image.url, assetBaseUrl);
    if (key === null)
      problems.push(
        problem([...field, i, 'url'], 'An image URL must be https or a key on the asset CDN.'),
      );
    const altText = optionalText(
      problems,
      [...field, i, 'altText'],
      'The alt text',
      image.altText,
      limits.altText,
    );
    return { key: key ?? '', altText };
  });
}

type CheckedVariant = CheckedProduct['variants'][number];

/**
 * The variants, each checked on its own, then against the others: SKUs unique within the
 * product, the same option names on every variant, and no two with the same option values.
 */
function checkVariants(
  problems: Problem[],
  field: Path,
  inputs: ProductDraft['variants'],
): CheckedVariant[] {
  if (inputs.length === 0) problems.push(problem(field, 'A product needs at least one variant.'));
  if (inputs.length > limits.variants)
    problems.push(problem(field, `A product has at most ${limits.variants} variants.`));
  const skus = new Set<string>();
  const combinations = new Set<string>();
  let optionNames: string | null = null;
  return inputs.slice(0, limits.variants).map((input, i) => {
    const at = (...path: Path) => [...field, i, ...path];
    const variant = checkVariant(problems, at, input, skus);
    const { names, combination } = optionKeys(variant.selectedOptions);
    if (optionNames === null) optionNames = names;
    else if (optionNames !== names)
      problems.push(
        problem(at('selectedOptions'), 'Every variant must have the same option names.'),
      );
    if (combinations.has(combination))
      problems.push(
        problem(
          at('selectedOptions'),
          'Two variants have the same option values; give each variant its own.',
        ),
      );
    combinations.add(combination);
    return variant;
  });
}

/** One variant: SKU (not already in `skus`, which it joins), title, price, quantity, options. */
function checkVariant(
  problems: Problem[],
  at: (...path: Path) => Path,
  input: ProductDraft['variants'][number],
  skus: Set<string>,
): CheckedVariant {
  const sku = (input.sku ?? '').trim();
  if (sku === '' || sku.length > limits.sku || !skuPattern.test(sku)) {
    problems.push(
      problem(
        at('sku'),
        `A SKU is 1 to ${limits.sku} letters, digits, dots, slashes, hyphens or underscores.`,
      ),
    );
  } else if (skus.has(sku)) {
    problems.push(problem(at('sku'), `SKU ${sku} is given to more than one variant.`));
  }
  skus.add(sku);
  const title = requiredText(problems, at('title'), 'The variant title', input.title, limits.title);
  const price = parseMinorUnits(input.price ?? '');
  if (price === null || price > limits.priceMinor)
    problems.push(
      problem(
        at('price'),
        'The price must be a decimal amount with at most two places, such as "19.99", up to 99999999.99.',
      ),
    );
  if (!Number.isInteger(input.quantity) || input.quantity < 0 || input.quantity > limits.quantity)
    problems.push(
      problem(at('quantity'), `The quantity must be a whole number from 0 to ${limits.quantity}.`),
    );
  const selectedOptions = checkSelectedOptions(
    problems,
    at('selectedOptions'),
    input.selectedOptions ?? [],
  );
  return { sku, title, price: price ?? 0, quantity: input.quantity, selectedOptions };
}

/** A variant's option values, each name at most once. */
function checkSelectedOptions(
  problems: Problem[],
  field: Path,
  options: SelectedOption[],
): SelectedOption[] {
  if (options.length > limits.options)
    problems.push(problem(field, `A variant has at most ${limits.options} options.`));
  const names = new Set<string>();
  return options.slice(0, limits.options).map((option, j) => {
    const name = requiredText(
      problems,
      [...field, j, 'name'],
      'The option name',
      option.name,
      limits.optionName,
    );
    const value = requiredText(
      problems,
      [...field, j, 'value'],
      'The option value',
      option.value,
      limits.optionValue,
    );
    if (names.has(name.toLowerCase()))
      problems.push(problem([...field, j, 'name'], `Option ${name} is given twice.`));
    names.add(name.toLowerCase());
    return { name, value };
  });
}

/** What variants are compared by: their option names, and their names with values. */
function optionKeys(selected: SelectedOption[]): { names: string; combination: string } {
  const names = [...new Set(selected.map((o) => o.name.toLowerCase()))].sort().join('\u0000');
  const combination = selected
    .map((o) => `${o.name.toLowerCase()}=${o.value.toLowerCase()}`)
    .sort()
    .join('\u0000');
  return { names, combination };
}

/** The product's options: names in first-seen order, each with its values in first-seen order. */
export function optionsOf(selections: SelectedOption[][]): ProductOption[] {
  const options = new Map<string, string[]>();
  for (const selected of selections) {
    for (const { name, value } of selected) {
      const values = options.get(name) ?? [];
      if (!values.includes(value)) values.push(value);
      options.set(name, values);
    }
  }
  return [...options].map(([name, values]) => ({ name, values }));
}

/** Changes checked and normalised; fields left out stay as they are. */
export interface CheckedChanges {
  title?: string;
  description?: string;
  /** null removes the brand. */
  brand?: string | null;
  categorySlug?: string;
}

export function checkProductChanges(changes: ProductChanges): {
  changes: CheckedChanges;
  problems: Problem[];
} {
  const problems: Problem[] = [];
  const checked: CheckedChanges = {};
  const at = (name: string) => ['input', name];
  if (changes.title != null)
    checked.title = requiredText(problems, at('title'), 'The title', changes.title, limits.title);
  if (changes.description != null)
    checked.description =
      optionalText(
        problems,
        at('description'),
        'The description',
        changes.description,
        limits.description,
      ) ?? '';
  if (changes.brand != null)
    checked.brand = optionalText(problems, at('brand'), 'The brand', changes.brand, limits.brand);
  if (changes.categorySlug != null) {
    checked.categorySlug = changes.categorySlug.trim();
    if (checked.categorySlug === '')
      problems.push(problem(at('categorySlug'), 'Choose a category.'));
  }
  return { changes: checked, problems };
}

export interface CheckedReview {
  productId: string;
  rating: number;
  title: string;
  body: string;
  authorName: string | null;
}

export function checkReviewDraft(draft: ReviewDraft): {
  review: CheckedReview;
  problems: Problem[];
} {
  const problems: Problem[] = [];
  const at = (name: string) => ['input', name];
  if (!Number.isInteger(draft.rating) || draft.rating < 1 || draft.rating > 5)
    problems.push(problem(at('rating'), 'The rating must be a whole number from 1 to 5.'));
  const title = requiredText(problems, at('title'), 'The title', draft.title, limits.reviewTitle);
  const body = requiredText(problems, at('body'), 'The review', draft.body, limits.reviewBody);
  const authorName = optionalText(
    problems,
    at('authorName'),
    'The name',
    draft.authorName,
    limits.authorName,
  );
  return {
    review: { productId: draft.productId.trim(), rating: draft.rating, title, body, authorName },
    problems,
  };
}
