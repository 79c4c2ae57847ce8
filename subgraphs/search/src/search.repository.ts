/**
 * Reading the index: a page of hits, the facet counts, spelling candidates and completions.
 * Every query is one statement; words reach SQL only as bound parameters.
 */
import type { Queryable } from '../../../common/postgres';
import type {
  Affinity,
  FacetCount,
  Match,
  SearchFilters,
  SearchHit,
  SearchSortKey,
} from './domain';

/** Lower edges of the price facet's buckets, in minor units: under 25, 25–50, … 1,000 and up. */
export const PRICE_BUCKET_EDGES = [2_500, 5_000, 10_000, 25_000, 50_000, 100_000] as const;

/** Relevance weights for {D, C, B, A}: title (A) over brand and category (B) over description (C). */
const WEIGHTS = `'{0.05, 0.2, 0.4, 1.0}'`;

/** How much a category or brand the shopper buys lifts a hit's relevance. */
export const AFFINITY_BOOST = 0.3;

class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function matchSql(match: Match, p: Params): { where: string; score: string } {
  switch (match.kind) {
    case 'text': {
      const query = `${match.plain ? 'plainto_tsquery' : 'to_tsquery'}('english', ${p.add(match.tsquery)})`;
      // Cover density, not ts_rank: ts_rank reaches exactly 1 as soon as two query words stand
      // next to each other in a title, so for a query of two or more words every title holding
      // them ties and the product id decides ("Boomcraft Portable Smart Speaker" fell behind
      // other Boomcraft smart speakers). ts_rank_cd scores the shortest spans holding all the
      // words, so a title holding them together ranks above titles that hold them apart.
      const rank = `ts_rank_cd(${WEIGHTS}, document, ${query})::float8`;
      if (match.headlineOnly) return { where: `headline @@ ${query}`, score: rank };
      // Ranking is the costly part, so only strong matches (title, brand, category) are ranked;
      // description-only matches follow them.
      return {
        where: `document @@ ${query}`,
        score: `CASE WHEN headline @@ ${query} THEN ${rank} ELSE 0::float8 END`,
      };
    }
    case 'similar': {
      const text = p.add(match.text);
      return {
        where: `lower(title) % ${text}`,
        score: `similarity(lower(title), ${text})::float8`,
      };
    }
    case 'all':
      return { where: 'true', score: '0::float8' };
  }
}

type FilterName = 'category' | 'brand' | 'price' | 'stock';

/** Each active filter as a condition, by name (facets leave their own out). */
function filterSql(filters: SearchFilters, p: Params): Map<FilterName, string> {
  const conditions = new Map<FilterName, string>();
  if (filters.categorySlugs)
    conditions.set('category', `category_slug = ANY(${p.add(filters.categorySlugs)}::text[])`);
  if (filters.brands) conditions.set('brand', `brand = ANY(${p.add(filters.brands)}::text[])`);
  const price: string[] = [];
  if (filters.priceMin !== null) price.push(`min_price >= ${p.add(filters.priceMin)}`);
  if (filters.priceMax !== null) price.push(`min_price <= ${p.add(filters.priceMax)}`);
  if (price.length > 0) conditions.set('price', price.join(' AND '));
  if (filters.inStock === true) conditions.set('stock', 'in_stock');
  if (filters.inStock === false) conditions.set('stock', 'NOT in_stock');
  return conditions;
}

const all = (conditions: Map<FilterName, string>, except?: FilterName) =>
  [...conditions]
    .filter(([name]) => name !== except)
    .map(([, sql]) => `(${sql})`)
    .join(' AND ') || 'true';

interface SortSpec {
  key: (score: string) => string;
  descending: boolean;
  cast: string;
  /** The key as text that casts back to exactly the same value (for cursors). */
  text: (key: string) => string;
}

const asText = (key: string) => `${key}::text`;
const isoText = (key: string) =>
  `to_char(${key} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const sorts: Record<SearchSortKey, SortSpec> = {
  RELEVANCE: { key: (score) => score, descending: true, cast: 'float8', text: asText },
  PRICE_ASC: { key: () => 'min_price', descending: false, cast: 'bigint', text: asText },
  PRICE_DESC: { key: () => 'min_price', descending: true, cast: 'bigint', text: asText },
  NEWEST: { key: () => 'created_at', descending: true, cast: 'timestamptz', text: isoText },
};

export interface PageRequest {
  match: Match;
  filters: SearchFilters;
  sort: SearchSortKey;
  /** The last hit of the previous page. */
  after: { key: number | string; productId: string } | null;
  limit: number;
  affinity: Affinity | null;
}

/** The `limit` best-ranked products for a match (no filters, no paging): suggestions. */
export async function topMatches(db: Queryable, match: Match, limit: number): Promise<string[]> {
  const p = new Params();
  const { where, score } = matchSql(match, p);
  const { rows } = await db.query<{ product_id: string }>(
    `SELECT product_id FROM documents WHERE ${where}
      ORDER BY ${score} DESC, product_id LIMIT ${p.add(limit)}`,
    p.values,
  );
  return rows.map((row) => row.product_id);
}

/**
 * A page of hits, the number of hits and the facet counts, in one statement: the matching
 * documents are read once (a materialised CTE) and the page and every count come from them.
 * Each facet counts with every active filter except its own, so a shopper sees what choosing
 * another value would give.
 */
export async function searchResults(
  db: Queryable,
  request: PageRequest,
): Promise<{ hits: SearchHit[]; total: number; facets: FacetCount[] }> {
  const p = new Params();
  const { where, score } = matchSql(request.match, p);
  const conditions = filterSql(request.filters, p);
  const sort = sorts[request.sort];
  let ranked = request.sort === 'RELEVANCE' ? score : '0::float8';
  if (request.affinity && request.sort === 'RELEVANCE') {
    const categories = p.add(request.affinity.categories);
    const brands = p.add(request.affinity.brands);
    ranked =
      `${score} * (1 + CASE WHEN category_slug = ANY(${categories}::text[]) THEN ${AFFINITY_BOOST} ELSE 0 END` +
      ` + CASE WHEN brand = ANY(${brands}::text[]) THEN ${AFFINITY_BOOST} ELSE 0 END)`;
  }
  let keyset = 'true';
  if (request.after) {
    const key = `${p.add(request.after.key)}::${sort.cast}`;
    const id = p.add(request.after.productId);
    keyset = `(key ${sort.descending ? '<' : '>'} ${key} OR (key = ${key} AND product_id > ${id}))`;
  }
  const direction = sort.descending ? 'DESC' : 'ASC';
  const limit = p.add(request.limit);
  const edges = p.add(PRICE_BUCKET_EDGES);
  const { rows } = await db.query<{ facet: string; value: string; label: string; n: string }>(
    `WITH m AS MATERIALIZED (
       SELECT product_id, category_slug, category_name, brand, min_price, in_stock, created_at,
              ${ranked} AS score
         FROM documents WHERE ${where}
     ),
     page AS (
       SELECT product_id, key FROM (
         SELECT product_id, ${sort.key('score')} AS key FROM m WHERE ${all(conditions)}
       ) hits
       WHERE ${keyset}
       ORDER BY key ${direction}, product_id
       LIMIT ${limit}
     )
     SELECT 'hit' AS facet, product_id AS value, ${sort.text('key')} AS label,
            row_number() OVER (ORDER BY key ${direction}, product_id) AS n
       FROM page
     UNION ALL
     SELECT 'total', '', '', count(*) FROM m WHERE ${all(conditions)}
     UNION ALL
     SELECT 'category', category_slug, min(category_name), count(*) FROM m
      WHERE ${all(conditions, 'category')} GROUP BY category_slug
     UNION ALL
     SELECT 'brand', brand, brand, count(*) FROM m
      WHERE brand IS NOT NULL AND ${all(conditions, 'brand')} GROUP BY brand
     UNION ALL
     SELECT 'price', width_bucket(min_price, ${edges}::bigint[])::text, '', count(*) FROM m
      WHERE ${all(conditions, 'price')} GROUP BY 2`,
    p.values,
  );
  const hits: { hit: SearchHit; n: number }[] = [];
  let total = 0;
  const facets: FacetCount[] = [];
  for (const row of rows) {
    if (row.facet === 'hit') {
      hits.push({
        hit: {
          productId: row.value,
          key: sort.cast === 'timestamptz' ? row.label : Number(row.label),
        },
        n: Number(row.n),
      });
    } else if (row.facet === 'total') {
      total = Number(row.n);
    } else {
      facets.push({
        facet: row.facet as FacetCount['facet'],
        value: row.value,
        label: row.label,
        count: Number(row.n),
      });
    }
  }
  hits.sort((a, b) => a.n - b.n);
  return { hits: hits.map((h) => h.hit), total, facets };
}

/**
 * For each word, whether the lexicon knows it, and its closest known word (edit distance at most
 * 1 for words of up to 4 letters, else 2). Trigram similarity finds most near misses, but a swap
 * in a short word falls below its threshold ("sonroa" is 0.27 from "sonora"), so words that
 * begin with the same two letters are candidates too. The lexicon holds only the words of titles,
 * brands and categories, and this runs only for queries that found nothing as typed.
 */
export async function spellingCandidates(
  db: Queryable,
  words: readonly string[],
): Promise<Map<string, { known: boolean; suggestion: string | null }>> {
  const { rows } = await db.query<{ word: string; known: boolean; suggestion: string | null }>(
    `SELECT t.word,
            EXISTS (SELECT 1 FROM lexicon WHERE lexicon.word = t.word) AS known,
            c.word AS suggestion
       FROM unnest($1::text[]) AS t(word)
       LEFT JOIN LATERAL (
         SELECT l.word FROM lexicon l
          WHERE (l.word % t.word OR left(l.word, 2) = left(t.word, 2))
            AND levenshtein(l.word, t.word) <= CASE WHEN length(t.word) <= 4 THEN 1 ELSE 2 END
          ORDER BY levenshtein(l.word, t.word), l.documents DESC, l.word
          LIMIT 1
       ) c ON true`,
    [words],
  );
  return new Map(rows.map((r) => [r.word, { known: r.known, suggestion: r.suggestion }]));
}

/** Known words starting with `prefix`, most used first. */
export async function completions(db: Queryable, prefix: string, limit: number) {
  const { rows } = await db.query<{ word: string }>(
    `SELECT word FROM lexicon WHERE word LIKE $1 || '%' AND word <> $1
      ORDER BY documents DESC, word LIMIT $2`,
    [prefix, limit],
  );
  return rows.map((r) => r.word);
}

/**
 * Of these full-text queries, in order, the indexes of those that match a document. One
 * statement: the check runs with sequential scans ruled out (migration 003), since asked "is
 * there any row?" the planner would read the table front to back for a rare word.
 */
export async function queriesWithHits(
  db: Queryable,
  queries: readonly { tsquery: string; plain?: boolean; headlineOnly?: boolean }[],
): Promise<number[]> {
  if (queries.length === 0) return [];
  const { rows } = await db.query<{ n: number }>(
    'SELECT n FROM queries_with_hits($1::text[], $2::boolean[], $3::boolean[]) AS n',
    [
      queries.map((q) => q.tsquery),
      queries.map((q) => q.plain === true),
      queries.map((q) => q.headlineOnly === true),
    ],
  );
  return rows.map((r) => r.n - 1);
}

/** Whether any title is similar (trigrams) to `text`. */
export async function anySimilarTitle(db: Queryable, text: string): Promise<boolean> {
  const { rows } = await db.query<{ found: boolean }>('SELECT any_similar_title($1) AS found', [
    text,
  ]);
  return rows[0].found;
}
