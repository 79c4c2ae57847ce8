/**
 * `npm run bench:search`: the search index on its own, against what a team would otherwise
 * write: every word matched with ILIKE over title, brand and category, backed by a pg_trgm GIN
 * index, with the same page, count and facets. Both run in the same PostgreSQL over the same
 * 100,000 demo products, one query at a time; the script prints p50/p99 per engine, the ratio,
 * and how many queries found anything. Ours also ranks by relevance and corrects misspellings.
 *
 *   BENCH_PRODUCTS (100000)  BENCH_ROUNDS (20)  DATABASE_URL (default: embedded, in DATA_DIR)
 */
import { contextOf } from '../common/context';
import { anonymous } from '../common/identity';
import 'reflect-metadata';
import { join, resolve } from 'node:path';
import type { Pool } from 'pg';
import { env, loadConfig, runMain } from '../common/config';
import { startEmbeddedPostgres } from '../dev/embedded/postgres';
import { createLogger } from '../common/logger';
import { demoDocuments, indexDocuments } from '../dev/seed/search-index';
import { SearchService } from '../subgraphs/search/src/search.service';
import { createSearchPool, migrateSearchDatabase } from '../subgraphs/search/src/server';
import { wordsOf } from '../subgraphs/search/src/text';

const SCHEMA = 'search_bench';

const queries = [
  'wireless headphones',
  'sonora speaker',
  'espresso',
  'corebyte gaming laptop',
  'black',
  'noise cancelling',
  'trail running shoes',
  'wirless hedphones',
  'espreso machine',
  'headph',
  'qzxv wqpt',
  'Halide Works Full-Frame Mirrorless Camera 305',
];

async function fill(pool: Pool, products: number, logger: ReturnType<typeof createLogger>) {
  const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM documents');
  if (Number(rows[0].n) >= products) return;
  const started = Date.now();
  await indexDocuments(pool, demoDocuments(products));
  // The baseline's index: trigrams over the same text ILIKE searches.
  await pool.query(
    `CREATE INDEX IF NOT EXISTS bench_ilike_idx ON documents
       USING gin ((lower(title || ' ' || coalesce(brand, '') || ' ' || category_name)) gin_trgm_ops)`,
  );
  await pool.query('ANALYZE documents');
  logger.info('bench index filled', { products, ms: Date.now() - started });
}

/**
 * The usual first search, doing the same job: every word somewhere in title, brand or category
 * (ILIKE, trigram-indexed), a page of 20, the count, and the same three facets.
 */
async function ilikeSearch(pool: Pool, query: string) {
  const words = wordsOf(query);
  const where =
    words
      .map(
        (_, i) =>
          `lower(title || ' ' || coalesce(brand, '') || ' ' || category_name) LIKE $${i + 1}`,
      )
      .join(' AND ') || 'true';
  const { rows } = await pool.query<{ facet: string; n: string }>(
    `WITH m AS MATERIALIZED (
       SELECT product_id, title, category_slug, brand, min_price FROM documents WHERE ${where}
     )
     (SELECT 'hit' AS facet, product_id AS value, 0::bigint AS n FROM m ORDER BY title, product_id LIMIT 20)
     UNION ALL SELECT 'total', '', count(*) FROM m
     UNION ALL SELECT 'category', category_slug, count(*) FROM m GROUP BY category_slug
     UNION ALL SELECT 'brand', brand, count(*) FROM m GROUP BY brand
     UNION ALL SELECT 'price', width_bucket(min_price, '{2500,5000,10000,25000,50000,100000}'::bigint[])::text, count(*)
       FROM m GROUP BY 2`,
    words.map((w) => `%${w}%`),
  );
  return { hits: Number(rows.find((r) => r.facet === 'total')?.n ?? 0) };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

runMain(async () => {
  const settings = loadConfig({
    products: env.int('BENCH_PRODUCTS', 100_000, { min: 1, max: 1_000_000 }),
    rounds: env.int('BENCH_ROUNDS', 20, { min: 1, max: 10_000 }),
    databaseUrl: env.optionalUrl('DATABASE_URL', ['postgres', 'postgresql']),
    dataDir: env.string('DATA_DIR', '.data/bench'),
    port: env.port('EMBEDDED_POSTGRES_PORT', 54329),
  });
  const logger = createLogger('bench-search');
  const embedded = settings.databaseUrl
    ? null
    : await startEmbeddedPostgres({
        dataDir: join(resolve(settings.dataDir), 'postgres'),
        port: settings.port,
      });
  const pool = createSearchPool(settings.databaseUrl ?? embedded?.url ?? '', SCHEMA, 4);
  try {
    await migrateSearchDatabase(pool, SCHEMA);
    await fill(pool, settings.products, logger);
    const search = new SearchService(pool, 'USD');
    const engines = [
      {
        name: 'ours (full text, facets, corrections)',
        run: async (q: string) =>
          (await search.search(contextOf(anonymous), { query: q, first: 20 })).totalCount,
      },
      {
        name: 'ILIKE + pg_trgm index, same facets',
        run: async (q: string) => (await ilikeSearch(pool, q)).hits,
      },
    ];
    const results = [];
    for (const engine of engines) {
      for (const q of queries) await engine.run(q); // warm up
      const times: number[] = [];
      let found = 0;
      for (let round = 0; round < settings.rounds; round++) {
        for (const q of queries) {
          const started = process.hrtime.bigint();
          const hits = await engine.run(q);
          times.push(Number(process.hrtime.bigint() - started) / 1e6);
          if (round === 0 && hits > 0) found++;
        }
      }
      times.sort((a, b) => a - b);
      results.push({
        name: engine.name,
        p50: percentile(times, 50),
        p99: percentile(times, 99),
        found,
      });
    }
    const [ours, baseline] = results;
    const lines = [
      '',
      `search engine alone: ${settings.products} products, ${queries.length} queries × ${settings.rounds} rounds, one at a time`,
      '',
      'engine                                     p50 ms   p99 ms   queries with results',
      ...results.map(
        (r) =>
          `${r.name.padEnd(42)}${r.p50.toFixed(2).padStart(7)}${r.p99.toFixed(2).padStart(9)}${`${r.found}/${queries.length}`.padStart(12)}`,
      ),
      '',
      `ratio ours/ILIKE   p50 ${(ours.p50 / baseline.p50).toFixed(2)}   p99 ${(ours.p99 / baseline.p99).toFixed(2)}`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
  } finally {
    await pool.end();
    await embedded?.stop();
  }
});
