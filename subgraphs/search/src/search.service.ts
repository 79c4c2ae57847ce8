/**
 * Search and predictive search: turns what the shopper typed into a match, applies filters,
 * sorts and pages, counts facets, and corrects misspellings when nothing matched as typed.
 */
import type { RequestContext } from '../../../common/context';
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { errors } from '../../../common/errors';
import { isService, type Viewer } from '../../../common/identity';
import { formatMinorUnits, parseMinorUnits } from '../../../common/money';
import { checkFirst, connection, decodeCursor, encodeCursor } from '../../../common/pagination';
import type { Affinity, FacetCount, Match, SearchFilters, SearchSortKey } from './domain';
import type { PageRequest } from './search.repository';
import {
  anySimilarTitle,
  completions,
  PRICE_BUCKET_EDGES,
  queriesWithHits,
  searchResults,
  spellingCandidates,
  topMatches,
} from './search.repository';
import { affinityOf } from './signals.repository';
import { allWordsQuery, prefixQuery, wordsOf } from './text';

export interface SearchArgs {
  query: string;
  first: number;
  after?: string | null;
  filter?: {
    categorySlugs?: string[] | null;
    brands?: string[] | null;
    priceMin?: string | null;
    priceMax?: string | null;
    inStock?: boolean | null;
  } | null;
  sort?: SearchSortKey | null;
}

export interface FacetView {
  name: string;
  values: { value: string; label: string; count: number }[];
}

export interface SearchResult {
  edges: { cursor: string; node: { id: string } }[];
  nodes: { id: string }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  totalCount: number;
  correctedQuery: string | null;
  facets: FacetView[];
}

export interface PredictiveResult {
  queries: { text: string }[];
  products: { id: string }[];
}

const MAX_QUERY_LENGTH = 200;
const MAX_WORDS = 12;
const MAX_FILTER_VALUES = 50;
const MAX_PREDICTIVE = 20;

/** The signed-in shopper's Cognito sub; null for anonymous callers and services. */
export function shopperSub(viewer: Viewer): string | null {
  return viewer.kind === 'user' && !isService(viewer) ? viewer.sub : null;
}

export class SearchService {
  constructor(
    private readonly db: Pool,
    private readonly currencyCode: string,
  ) {}

  async search(ctx: RequestContext, args: SearchArgs): Promise<SearchResult> {
    const first = checkFirst(args.first);
    const words = queryWords(args.query);
    const filters = parseFilters(args.filter ?? null);
    const requestedSort = args.sort ?? 'RELEVANCE';
    const fingerprint = fingerprintOf(words, filters, requestedSort);
    const after = args.after ? decodeSearchCursor(args.after, fingerprint) : null;

    const sub = shopperSub(ctx.identity.viewer);
    const affinity: Affinity | null =
      sub && requestedSort === 'RELEVANCE' ? await affinityOf(this.db, sub) : null;
    const resolved = await this.resolve(args.query.trim(), words, (match) => ({
      match,
      filters,
      sort: match.kind === 'all' && requestedSort === 'RELEVANCE' ? 'NEWEST' : requestedSort,
      after,
      limit: first + 1,
      affinity,
    }));
    const hits = first === 0 ? [] : resolved.hits;
    const page = hits.slice(0, first);
    const result = connection(
      page.map((hit) => ({
        cursor: encodeCursor({ f: fingerprint, k: hit.key, i: hit.productId }),
        node: { id: hit.productId },
      })),
      {
        hasNextPage: first === 0 ? resolved.total > 0 : hits.length > first,
        hasPreviousPage: after !== null,
        totalCount: resolved.total,
      },
    );
    return {
      ...result,
      correctedQuery: resolved.corrected,
      facets: this.facetViews(resolved.facets),
    };
  }

  async predictive(
    _ctx: RequestContext,
    query: string,
    first: number | null | undefined,
  ): Promise<PredictiveResult> {
    const limit = checkFirst(first ?? 5, MAX_PREDICTIVE);
    const words = queryWords(query).slice(0, 8);
    if (words.length === 0 || limit === 0) return { queries: [], products: [] };
    const head = words.slice(0, -1);
    const last = words[words.length - 1];

    const candidates = await completions(this.db, last, limit * 2);
    const phrases = candidates.map((word) => [...head, word]);
    if (phrases.length === 0) phrases.push(words);
    const withHits = await queriesWithHits(
      this.db,
      phrases.map((phrase) => ({ tsquery: allWordsQuery(phrase), headlineOnly: true })),
    );
    const queries = withHits.slice(0, limit).map((i) => ({ text: phrases[i].join(' ') }));

    // Products as the shopper types: matched by what they are named (title, brand, category).
    let match: Match = { kind: 'text', tsquery: allWordsQuery(words, true), headlineOnly: true };
    if (!(await this.hasHits(match))) {
      const { corrected } = await this.spelling(head);
      match = corrected
        ? { kind: 'text', tsquery: allWordsQuery([...corrected, last], true), headlineOnly: true }
        : { kind: 'similar', text: words.join(' ') };
    }
    const products = await topMatches(this.db, match, limit);
    return { queries, products: products.map((id) => ({ id })) };
  }

  /**
   * The match for the words as typed; when that finds nothing at all: the words as prefixes,
   * then the words with misspellings corrected (reported as `corrected`), then titles similar
   * to the whole query.
   */
  private async resolve(text: string, words: string[], request: (match: Match) => PageRequest) {
    const run = (match: Match) => searchResults(this.db, request(match));
    if (words.length === 0) return { corrected: null, ...(await run({ kind: 'all' })) };
    const typed: Match = { kind: 'text', tsquery: text, plain: true };
    const typedRequest = request(typed);
    const results = await searchResults(this.db, typedRequest);
    // Matches as typed (perhaps not under these filters): never corrected. Without filters the
    // total already says whether anything matches.
    const filtered = Object.values(typedRequest.filters).some((value) => value !== null);
    if (results.total > 0 || (filtered && (await this.hasHits(typed)))) {
      return { corrected: null, ...results };
    }
    const fallbacks: { match: Match; corrected: string | null }[] = [];
    if (words.every((word) => word.length >= 3)) {
      fallbacks.push({ match: { kind: 'text', tsquery: prefixQuery(words) }, corrected: null });
    }
    const { corrected, allKnown } = await this.spelling(words);
    if (corrected) {
      fallbacks.push({
        match: { kind: 'text', tsquery: allWordsQuery(corrected) },
        corrected: corrected.join(' '),
      });
    }
    // Similar titles stand in for what the lexicon cannot correct, in phrases typed loosely. Not
    // when every word is a catalog word (they just never meet in one product: "sonora laptop",
    // and a look-alike title would be noise), and not for a single word (the correction above
    // is better, and a short word's common trigrams make the check slow).
    if (words.length >= 2 && !allKnown) {
      fallbacks.push({ match: { kind: 'similar', text: words.join(' ') }, corrected: null });
    }
    // The first fallback with hits wins. The full-text ones (listed first) are checked in one
    // statement, then the similar titles.
    const textual = fallbacks.flatMap((f) =>
      f.match.kind === 'text' ? [{ ...f, match: f.match }] : [],
    );
    const withHits = await queriesWithHits(
      this.db,
      textual.map((f) => f.match),
    );
    if (withHits.length > 0) {
      const fallback = textual[withHits[0]];
      return { corrected: fallback.corrected, ...(await run(fallback.match)) };
    }
    for (const fallback of fallbacks.filter((f) => f.match.kind !== 'text')) {
      if (await this.hasHits(fallback.match)) {
        return { corrected: fallback.corrected, ...(await run(fallback.match)) };
      }
    }
    return { corrected: null, ...results };
  }

  /**
   * The words with each unknown one replaced by the closest known word (`corrected`, null when
   * none changed), and whether the lexicon knows every word. Only words of three letters or more
   * that are not numbers are looked up: a query with another word is never all known.
   */
  private async spelling(
    words: string[],
  ): Promise<{ corrected: string[] | null; allKnown: boolean }> {
    const checked = words.filter((word) => word.length >= 3 && !/^\d+$/.test(word));
    if (checked.length === 0) return { corrected: null, allKnown: false };
    const candidates = await spellingCandidates(this.db, checked);
    let changed = false;
    const result = words.map((word) => {
      const candidate = candidates.get(word);
      if (!candidate || candidate.known || !candidate.suggestion) return word;
      changed = true;
      return candidate.suggestion;
    });
    const allKnown =
      checked.length === words.length &&
      checked.every((word) => candidates.get(word)?.known === true);
    return { corrected: changed ? result : null, allKnown };
  }

  private async hasHits(match: Match): Promise<boolean> {
    switch (match.kind) {
      case 'text':
        return (await queriesWithHits(this.db, [match])).length > 0;
      case 'similar':
        return anySimilarTitle(this.db, match.text);
      case 'all':
        return true;
    }
  }

  private facetViews(counts: FacetCount[]): FacetView[] {
    const byCount = (a: FacetCount, b: FacetCount) =>
      b.count - a.count || a.label.localeCompare(b.label);
    const of = (facet: FacetCount['facet']) => counts.filter((c) => c.facet === facet);
    const price = of('price')
      .map((c) => ({ bucket: Number(c.value), count: c.count }))
      .sort((a, b) => a.bucket - b.bucket)
      .map(({ bucket, count }) => ({ ...this.priceBucket(bucket), count }));
    const values = (facet: FacetCount['facet']) =>
      of(facet)
        .sort(byCount)
        .map(({ value, label, count }) => ({ value, label, count }));
    return [
      { name: 'category', values: values('category') },
      { name: 'brand', values: values('brand') },
      { name: 'price', values: price },
    ];
  }

  /**
   * Bucket `b` of the price facet: its value is what the filter takes ("25.00-49.99", both
   * inclusive; "1000.00-" is open-ended), its label what a shopper reads.
   */
  private priceBucket(bucket: number): { value: string; label: string } {
    const low = bucket === 0 ? 0 : PRICE_BUCKET_EDGES[bucket - 1];
    const high = bucket < PRICE_BUCKET_EDGES.length ? PRICE_BUCKET_EDGES[bucket] - 1 : null;
    const money = (minor: number) =>
      new Intl.NumberFormat('en-US', { style: 'currency', currency: this.currencyCode }).format(
        minor / 100,
      );
    return {
      value: `${formatMinorUnits(low)}-${high === null ? '' : formatMinorUnits(high)}`,
      label:
        high === null
          ? `${money(low)} and up`
          : low === 0
            ? `Under ${money(high + 1)}`
            : `${money(low)} – ${money(high)}`,
    };
  }
}

function queryWords(query: string): string[] {
  if (query.length > MAX_QUERY_LENGTH) {
    throw errors.badUserInput(
      `"query" must be at most ${MAX_QUERY_LENGTH} characters (got ${query.length}).`,
      'query',
    );
  }
  return wordsOf(query).slice(0, MAX_WORDS);
}

function parseFilters(filter: SearchArgs['filter']): SearchFilters {
  const list = (values: string[] | null | undefined, name: string) => {
    if (values === null || values === undefined) return null;
    if (values.length > MAX_FILTER_VALUES) {
      throw errors.badUserInput(
        `"filter.${name}" takes at most ${MAX_FILTER_VALUES} values.`,
        `filter.${name}`,
      );
    }
    return values.length === 0 ? null : [...new Set(values)];
  };
  const price = (text: string | null | undefined, name: string) => {
    if (text === null || text === undefined || text.trim() === '') return null;
    const minor = parseMinorUnits(text);
    if (minor === null) {
      throw errors.badUserInput(
        `"filter.${name}" must be an amount like "19.99" (got "${text.slice(0, 20)}").`,
        `filter.${name}`,
      );
    }
    return minor;
  };
  const filters: SearchFilters = {
    categorySlugs: list(filter?.categorySlugs, 'categorySlugs'),
    brands: list(filter?.brands, 'brands'),
    priceMin: price(filter?.priceMin, 'priceMin'),
    priceMax: price(filter?.priceMax, 'priceMax'),
    inStock: filter?.inStock ?? null,
  };
  if (
    filters.priceMin !== null &&
    filters.priceMax !== null &&
    filters.priceMin > filters.priceMax
  ) {
    throw errors.badUserInput('"filter.priceMin" must not be above "filter.priceMax".', 'filter');
  }
  return filters;
}

/** Ties a cursor to the search it came from, so it cannot be replayed against another. */
function fingerprintOf(words: string[], filters: SearchFilters, sort: SearchSortKey): string {
  return createHash('sha256')
    .update(JSON.stringify([words, filters, sort]))
    .digest('base64url')
    .slice(0, 12);
}

function decodeSearchCursor(cursor: string, fingerprint: string) {
  const value = decodeCursor(
    cursor,
    (v): v is { f: string; k: number | string; i: string } =>
      typeof v.f === 'string' &&
      (typeof v.k === 'number' || typeof v.k === 'string') &&
      typeof v.i === 'string',
  );
  if (value.f !== fingerprint) {
    throw errors.badUserInput(
      '"after" belongs to another search; pass the same query, filter and sort.',
      'after',
    );
  }
  return { key: value.k, productId: value.i };
}
