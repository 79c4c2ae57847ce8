/**
 * The relevance test set: queries a shopper types (exact titles, parts of titles, misspellings,
 * brand plus category, and queries the catalog has nothing for) over the first 2,000 products of
 * the demo catalog, each with a judgement of which products are relevant. The judgements come
 * from the catalog data (titles, brands, categories), not from what the engine returns.
 *
 * Precision at 5 for a query is the relevant products in the top 5 divided by
 * min(5, relevant products in the index); a query with no relevant product scores 1 when nothing
 * comes back and 0 otherwise. The table of every query and the mean per kind are printed.
 */
import { contextOf } from '../../../common/context';
import { anonymous } from '../../../common/identity';
import { SearchService } from '../src/search.service';
import { createTestIndex, type TestIndex } from './support';

type Doc = TestIndex['documents'][number];
type Judgement = (doc: Doc) => boolean;
type Kind = 'exact' | 'partial' | 'misspelt' | 'brand + category' | 'no result';

interface RelevanceCase {
  kind: Kind;
  query: string;
  /** Which products a shopper typing the query wants. */
  relevant: Judgement;
  /** Exact queries: the one product that must be in the top 5. */
  title?: string;
  /** Misspelt queries: what the engine should say it searched for instead. */
  corrected?: string;
}

/** The default test seed size: the judgements below are about these products. */
const PRODUCTS = 2_000;
const TOP = 5;
/**
 * What every query's precision at 5, and so the mean, must reach. Each judgement asks for the
 * query's words where the index weighs them most (title words in the title, a brand and a
 * category in the brand and category), and a product that matches without being relevant holds
 * some word only in a lighter field (a category name, a description). So 1 is reachable on every
 * query, and less means a relevant product was outranked or missed.
 */
const PRECISION_FLOOR = 1;

const cases: RelevanceCase[] = [
  // Whole titles, each unique among the products: that product must be in the top 5.
  exact('Bassline Studio Earbuds I4'),
  // Other products carry every word of these titles and more ("… Speaker 620", "… Jacket 760").
  exact('Boomcraft Portable Smart Speaker'),
  exact('Alpenglow Lightweight Jacket'),
  exact('Meridian Books Illustrated Field Guide'),
  exact('Velocita Waterproof Trainers'),
  exact('Halide Works Full-Frame Mirrorless Camera 305'),
  exact('Roastery Nine Light Roast Espresso Blend H9'),
  exact('Bean & Bloom Dark Roast Cold Brew Coffee'),
  exact('Kaldi Co. Cast Iron Dutch Oven U8'),
  // PostgreSQL reads "2-in-1" as 2 and -1; the query as typed goes through the same parser.
  exact('Vertex Slim 2-in-1 Laptop'),
  exact('Quietwave Hi-Fi Over-Ear Headphones M2'),
  exact('Tempo GPS Dive Watch F5'),
  exact('Packwright Packable Rain Shell'),
  exact('Northwind Computing Slim Chromebook E3'),
  exact('Pixelon Max Smartphone', 'pixelon max smartphone'),

  // Some of a title's words: every product whose title has them is relevant.
  partial('studio earbuds', titleHas('studio earbuds')),
  partial('dutch oven', titleHas('dutch oven')),
  partial('cold brew', titleHas('cold brew')),
  partial('trail runners', titleHas('trail runners')),
  partial('foldable phone', titleHas('foldable phone')),
  partial('pour-over kit', titleHas('pour over kit')),
  partial('rain shell', titleHas('rain shell')),
  partial('dive watch', titleHas('dive watch')),
  partial('halide works 4k', allOf(madeBy('Halide Works'), titleHas('4k'))),
  partial('roll-top laptop bag', titleHas('roll top laptop bag')),
  partial('2-in-1 laptop', titleHas('2 in 1 laptop')),
  // Word prefixes, as typed before the word is finished.
  partial('headph', titleWordStarts('headph')),
  partial('chromeb', titleWordStarts('chromeb')),
  partial('lumenhaus desk', allOf(madeBy('Lumenhaus'), titleHas('desk'))),

  // One or two letters wrong: dropped, doubled, swapped or replaced.
  misspelt(
    'wirless hedphones',
    'wireless headphones',
    allOf(inCategory('headphones'), titleHas('wireless')),
  ),
  misspelt('espreso', 'espresso', titleHas('espresso')),
  misspelt('runing shoes', 'running shoes', inCategory('running-shoes')),
  misspelt('Sonroa', 'sonora', madeBy('Sonora')),
  misspelt('corebite laptop', 'corebyte laptop', madeBy('Corebyte', 'laptops')),
  misspelt('backpak', 'backpack', inCategory('backpacks')),
  misspelt('chronograf', 'chronograph', titleHas('chronograph')),
  misspelt('mirorless camera', 'mirrorless camera', titleHas('mirrorless camera')),
  misspelt(
    'stridewel runing shoes',
    'stridewell running shoes',
    madeBy('Stridewell', 'running-shoes'),
  ),
  misspelt(
    'lumanhaus desk lamp',
    'lumenhaus desk lamp',
    allOf(madeBy('Lumenhaus'), titleHas('desk lamp')),
  ),
  misspelt('kettel', 'kettle', titleHas('kettle')),
  misspelt('quitewave headphones', 'quietwave headphones', madeBy('Quietwave', 'headphones')),
  misspelt('smartwach', 'smartwatch', titleHas('smartwatch')),
  misspelt(
    'velocitta trainers',
    'velocita trainers',
    allOf(madeBy('Velocita'), titleHas('trainers')),
  ),

  // A brand and a category (or product noun): that brand's products in that category.
  brandAndCategory('sonora speakers', 'Sonora', 'speakers'),
  brandAndCategory('corebyte laptop', 'Corebyte', 'laptops'),
  brandAndCategory('trailhead jacket', 'Trailhead', 'jackets'),
  // Pixelon also makes phones, whose descriptions mention cameras.
  brandAndCategory('pixelon camera', 'Pixelon', 'cameras'),
  brandAndCategory('vertex smartphone', 'Vertex', 'smartphones'),
  brandAndCategory('hearthline lighting', 'Hearthline', 'lighting'),
  brandAndCategory('kaldi co coffee', 'Kaldi Co.', 'coffee'),
  brandAndCategory('northwind watch', 'Northwind', 'watches'),
  brandAndCategory('trailhead running shoes', 'Trailhead', 'running-shoes'),
  brandAndCategory('aurelis headphones', 'Aurelis', 'headphones'),
  brandAndCategory('packwright backpack', 'Packwright', 'backpacks'),

  // Nothing relevant: the engine must answer with nothing at all, not with look-alikes.
  noResult('xyzzy qwerty'),
  noResult('zzzzzz'),
  noResult('quantum flux capacitor'),
  // Known brands and categories that never meet.
  noResult('sonora laptop', madeBy('Sonora', 'laptops')),
  noResult('corebyte coffee', madeBy('Corebyte', 'coffee')),
  noResult('tempo headphones', madeBy('Tempo', 'headphones')),
  noResult('trailhead smartphone', madeBy('Trailhead', 'smartphones')),
  noResult('pixelon kettle', allOf(madeBy('Pixelon'), titleHas('kettle'))),
];

// ---------------------------------------------------------------------------------------------
// Writing the cases.

/** A whole title (unique among the products), typed as given. */
function exact(title: string, query = title): RelevanceCase {
  return { kind: 'exact', query, title, relevant: (doc) => doc.title === title };
}

function partial(query: string, relevant: Judgement): RelevanceCase {
  return { kind: 'partial', query, relevant };
}

function misspelt(query: string, corrected: string, relevant: Judgement): RelevanceCase {
  return { kind: 'misspelt', query, corrected, relevant };
}

function brandAndCategory(query: string, brand: string, categorySlug: string): RelevanceCase {
  return { kind: 'brand + category', query, relevant: madeBy(brand, categorySlug) };
}

/** The judgement says why nothing is relevant; the test checks the catalog agrees. */
function noResult(query: string, relevant: Judgement = nothing): RelevanceCase {
  return { kind: 'no result', query, relevant };
}

// Judgements over a product's title, brand and category.

function lowerWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** Every one of `words` is a word of the title, in any order. */
function titleHas(words: string): Judgement {
  const wanted = lowerWords(words);
  return (doc) => {
    const title = new Set(lowerWords(doc.title));
    return wanted.every((word) => title.has(word));
  };
}

/** Some word of the title starts with `prefix`. */
function titleWordStarts(prefix: string): Judgement {
  return (doc) => lowerWords(doc.title).some((word) => word.startsWith(prefix));
}

function madeBy(brand: string, categorySlug?: string): Judgement {
  return (doc) =>
    doc.brand === brand && (categorySlug === undefined || doc.categorySlug === categorySlug);
}

function inCategory(categorySlug: string): Judgement {
  return (doc) => doc.categorySlug === categorySlug;
}

function allOf(...judgements: Judgement[]): Judgement {
  return (doc) => judgements.every((judgement) => judgement(doc));
}

function nothing(): boolean {
  return false;
}

// ---------------------------------------------------------------------------------------------
// Running them.

interface Outcome {
  top: Doc[];
  totalCount: number;
  correctedQuery: string | null;
  /** Relevant products in the whole index. */
  relevantInIndex: number;
  relevantInTop: number;
  precision: number;
}

let index: TestIndex;
let service: SearchService;
let byId: Map<string, Doc>;
const outcomes = new Map<RelevanceCase, Promise<Outcome>>();

beforeAll(async () => {
  index = await createTestIndex(PRODUCTS);
  service = new SearchService(index.pool, 'USD');
  byId = new Map(index.documents.map((doc) => [doc.id, doc]));
}, 120_000);

afterAll(async () => {
  await index?.drop();
});

/** Runs a query once (the per-query tests and the report share the answer). */
function outcomeOf(c: RelevanceCase): Promise<Outcome> {
  let outcome = outcomes.get(c);
  if (!outcome) {
    outcome = (async () => {
      const result = await service.search(contextOf(anonymous), { query: c.query, first: TOP });
      const top = result.edges.map(({ node }) => {
        const doc = byId.get(node.id);
        if (!doc) throw new Error(`"${c.query}" returned ${node.id}, which is not in the index`);
        return doc;
      });
      const relevantInIndex = index.documents.filter(c.relevant).length;
      const relevantInTop = top.filter(c.relevant).length;
      const precision =
        relevantInIndex === 0
          ? top.length === 0
            ? 1
            : 0
          : relevantInTop / Math.min(TOP, relevantInIndex);
      return {
        top,
        totalCount: result.totalCount,
        correctedQuery: result.correctedQuery,
        relevantInIndex,
        relevantInTop,
        precision,
      };
    })();
    outcomes.set(c, outcome);
  }
  return outcome;
}

const ofKind = (kind: Kind) => cases.filter((c) => c.kind === kind);

describe('an exact title', () => {
  it.each(ofKind('exact'))('finds "$query" in the top 5', async (c) => {
    const outcome = await outcomeOf(c);
    expect(outcome.relevantInIndex).toBe(1);
    expect(outcome.top.map((doc) => doc.title)).toContain(c.title);
  });
});

describe('part of a title', () => {
  it.each(ofKind('partial'))('fills the top 5 for "$query" with products it names', async (c) => {
    const outcome = await outcomeOf(c);
    expect(outcome.relevantInIndex).toBeGreaterThan(0);
    expect(outcome.top.filter((doc) => !c.relevant(doc)).map((doc) => doc.title)).toEqual([]);
    expect(outcome.precision).toBeGreaterThanOrEqual(PRECISION_FLOOR);
  });
});

describe('a misspelt query', () => {
  it.each(ofKind('misspelt'))(
    'corrects "$query" to "$corrected" and fills the top 5 with what was meant',
    async (c) => {
      const outcome = await outcomeOf(c);
      expect(outcome.correctedQuery).toBe(c.corrected);
      expect(outcome.relevantInIndex).toBeGreaterThan(0);
      expect(outcome.top.filter((doc) => !c.relevant(doc)).map((doc) => doc.title)).toEqual([]);
      expect(outcome.precision).toBeGreaterThanOrEqual(PRECISION_FLOOR);
    },
  );
});

describe('a brand and a category', () => {
  it.each(ofKind('brand + category'))(
    'fills the top 5 for "$query" with that brand in that category',
    async (c) => {
      const outcome = await outcomeOf(c);
      expect(outcome.relevantInIndex).toBeGreaterThan(0);
      expect(outcome.top.filter((doc) => !c.relevant(doc)).map((doc) => doc.title)).toEqual([]);
      expect(outcome.precision).toBeGreaterThanOrEqual(PRECISION_FLOOR);
    },
  );
});

describe('a query the catalog has nothing for', () => {
  it.each(ofKind('no result'))('finds nothing for "$query"', async (c) => {
    const outcome = await outcomeOf(c);
    expect(outcome.relevantInIndex).toBe(0);
    expect(outcome.top.map((doc) => doc.title)).toEqual([]);
    expect(outcome.totalCount).toBe(0);
  });
});

it('reports precision at 5 per query and per kind, and reaches the floor on average', async () => {
  const kinds: Kind[] = ['exact', 'partial', 'misspelt', 'brand + category', 'no result'];
  expect(kinds.map((kind) => ofKind(kind).length).reduce((a, b) => a + b)).toBe(cases.length);
  expect(cases.length).toBeGreaterThanOrEqual(40);

  const rows: { c: RelevanceCase; outcome: Outcome }[] = [];
  for (const c of cases) rows.push({ c, outcome: await outcomeOf(c) });
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const fixed = (n: number) => n.toFixed(2);

  const width = Math.max(...cases.map((c) => c.query.length)) + 4;
  const lines = [
    `Relevance over the first ${PRODUCTS} products of the demo catalog (precision at ${TOP})`,
    'hits: relevant products in the top 5 / products returned; total: every product matched',
    '',
    `${'query'.padEnd(width)}${'kind'.padEnd(18)}${'P@5'.padStart(5)}  ${'hits'.padStart(6)}  ${'total'.padStart(6)}  corrected`,
    ...rows.map(
      ({ c, outcome }) =>
        `${`"${c.query}"`.padEnd(width)}${c.kind.padEnd(18)}${fixed(outcome.precision).padStart(5)}  ` +
        `${`${outcome.relevantInTop}/${outcome.top.length}`.padStart(6)}  ` +
        `${String(outcome.totalCount).padStart(6)}  ${outcome.correctedQuery ?? ''}`,
    ),
    '',
    ...kinds.map((kind) => {
      const of = rows.filter(({ c }) => c.kind === kind);
      return `mean P@5  ${kind.padEnd(18)}${fixed(mean(of.map(({ outcome }) => outcome.precision)))}  (${of.length} queries)`;
    }),
    `mean P@5  ${'overall'.padEnd(18)}${fixed(mean(rows.map(({ outcome }) => outcome.precision)))}  (${rows.length} queries)`,
    '',
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);

  expect(mean(rows.map(({ outcome }) => outcome.precision))).toBeGreaterThanOrEqual(
    PRECISION_FLOOR,
  );
});
