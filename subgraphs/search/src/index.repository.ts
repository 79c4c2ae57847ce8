/**
 * Writing the index: documents, the lexicon that follows them, stock flags, and the feed
 * position. Functions take the client or transaction they run on.
 */
import type { PoolClient } from 'pg';
import type { Queryable } from '../../../common/postgres';
import type { FeedDocument } from './domain';
import { documentWords } from './text';

/**
 * Serialises every writer of the given products (feed, stock refresh) for the rest of the
 * transaction. Ids are locked in sorted order, so two writers never deadlock.
 */
export async function lockProducts(tx: PoolClient, productIds: readonly string[]): Promise<void> {
  const ids = [...new Set(productIds)].sort();
  if (ids.length === 0) return;
  await tx.query(
    `SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || ':product:' || id, 0))
       FROM unnest($1::text[]) WITH ORDINALITY AS t(id, n) ORDER BY n`,
    [ids],
  );
}

/** Of these products, the ones already in the index. */
export async function indexedProducts(db: Queryable, productIds: readonly string[]) {
  const { rows } = await db.query<{ product_id: string }>(
    'SELECT product_id FROM documents WHERE product_id = ANY($1)',
    [productIds],
  );
  return new Set(rows.map((r) => r.product_id));
}

/**
 * Inserts or updates documents. A document whose indexed version is newer than the one given is
 * left alone (feeds redeliver and overlap). `inStock` is used for new documents only; known ones
 * keep theirs, which stock refreshes maintain. With `force`, every given document is written and
 * stamped (a full reindex uses the stamp to drop what the catalog no longer has). The lexicon
 * follows in the same transaction. Returns the number of documents written.
 */
export async function upsertDocuments(
  tx: PoolClient,
  documents: readonly FeedDocument[],
  inStock: ReadonlyMap<string, boolean>,
  options: { force?: boolean } = {},
): Promise<number> {
  if (documents.length === 0) return 0;
  const byId = new Map(documents.map((d) => [d.id, d]));
  const unique = [...byId.values()];
  const previous = await tx.query<{ product_id: string; words: string[]; updated: Date }>(
    `SELECT product_id, words, source_updated_at AS updated FROM documents
      WHERE product_id = ANY($1) ORDER BY product_id FOR UPDATE`,
    [unique.map((d) => d.id)],
  );
  const before = new Map(previous.rows.map((r) => [r.product_id, r]));
  const changed = unique.filter((d) => {
    const old = before.get(d.id);
    if (!old) return true;
    const incoming = Date.parse(d.updatedAt);
    return options.force ? incoming >= old.updated.getTime() : incoming > old.updated.getTime();
  });
  if (options.force) {
    // Seen by a full reindex even where a newer version is already indexed.
    const written = new Set(changed);
    const skipped = unique.filter((d) => !written.has(d)).map((d) => d.id);
    if (skipped.length > 0) {
      await tx.query('UPDATE documents SET indexed_at = now() WHERE product_id = ANY($1)', [
        skipped,
      ]);
    }
  }
  if (changed.length === 0) return 0;

  const delta = new Map<string, number>();
  const words = changed.map((d) => documentWords([d.title, d.brand, d.categoryName]));
  changed.forEach((d, i) => {
    for (const word of before.get(d.id)?.words ?? []) delta.set(word, (delta.get(word) ?? 0) - 1);
    for (const word of words[i]) delta.set(word, (delta.get(word) ?? 0) + 1);
  });

  await tx.query(
    `INSERT INTO documents (product_id, slug, title, description, brand, category_slug,
                            category_name, min_price, max_price, currency, in_stock, created_at,
                            source_updated_at, words, indexed_at)
     SELECT d.id, d.slug, d.title, d.description, d.brand, d.category_slug, d.category_name,
            d.min_price, d.max_price, d.currency, d.in_stock, d.created_at, d.updated_at,
            ARRAY(SELECT jsonb_array_elements_text(d.words)), now()
       FROM jsonb_to_recordset($1::jsonb) AS d(
              id text, slug text, title text, description text, brand text, category_slug text,
              category_name text, min_price bigint, max_price bigint, currency text,
              in_stock boolean, created_at timestamptz, updated_at timestamptz, words jsonb)
     ON CONFLICT (product_id) DO UPDATE SET
       slug = excluded.slug, title = excluded.title, description = excluded.description,
       brand = excluded.brand, category_slug = excluded.category_slug,
       category_name = excluded.category_name, min_price = excluded.min_price,
       max_price = excluded.max_price, currency = excluded.currency,
       created_at = excluded.created_at, source_updated_at = excluded.source_updated_at,
       words = excluded.words, indexed_at = excluded.indexed_at`,
    [
      JSON.stringify(
        changed.map((d, i) => ({
          id: d.id,
          slug: d.slug,
          title: d.title,
          description: d.description,
          brand: d.brand,
          category_slug: d.categorySlug,
          category_name: d.categoryName,
          min_price: d.minPrice,
          max_price: Math.max(d.maxPrice, d.minPrice),
          currency: d.currencyCode,
          in_stock: inStock.get(d.id) ?? false,
          created_at: d.createdAt,
          updated_at: d.updatedAt,
          words: words[i],
        })),
      ),
    ],
  );
  await applyLexiconDelta(tx, delta);
  return changed.length;
}

/** Adds and subtracts word counts; words no document uses any more leave the lexicon. */
async function applyLexiconDelta(tx: Queryable, delta: ReadonlyMap<string, number>) {
  const entries = [...delta].filter(([, n]) => n !== 0).sort(([a], [b]) => (a < b ? -1 : 1));
  if (entries.length === 0) return;
  await tx.query(
    `INSERT INTO lexicon AS l (word, documents)
     SELECT word, n FROM unnest($1::text[], $2::int[]) AS t(word, n)
     ON CONFLICT (word) DO UPDATE SET documents = l.documents + excluded.documents`,
    [entries.map(([word]) => word), entries.map(([, n]) => n)],
  );
  await tx.query('DELETE FROM lexicon WHERE word = ANY($1) AND documents <= 0', [
    entries.map(([w]) => w),
  ]);
}

/** Sets the stock flag of indexed products; returns how many changed. */
export async function setInStock(tx: Queryable, inStock: ReadonlyMap<string, boolean>) {
  if (inStock.size === 0) return 0;
  const result = await tx.query(
    `UPDATE documents d SET in_stock = t.in_stock
       FROM unnest($1::text[], $2::boolean[]) AS t(id, in_stock)
      WHERE d.product_id = t.id AND d.in_stock IS DISTINCT FROM t.in_stock`,
    [[...inStock.keys()], [...inStock.values()]],
  );
  return result.rowCount ?? 0;
}

/** Removes documents a full reindex did not see (indexed before it started). */
export async function removeUnseen(tx: Queryable, since: Date): Promise<number> {
  const removed = await tx.query<{ words: string[] }>(
    'DELETE FROM documents WHERE indexed_at < $1 RETURNING words',
    [since],
  );
  const delta = new Map<string, number>();
  for (const row of removed.rows)
    for (const word of row.words) delta.set(word, (delta.get(word) ?? 0) - 1);
  await applyLexiconDelta(tx, delta);
  return removed.rowCount ?? 0;
}

/** Rebuilds the lexicon from the documents (after a full reindex, to heal any drift). */
export async function rebuildLexicon(tx: Queryable): Promise<void> {
  await tx.query('DELETE FROM lexicon');
  await tx.query(
    `INSERT INTO lexicon (word, documents)
     SELECT word, count(*) FROM documents, unnest(words) AS word GROUP BY word`,
  );
}

export async function feedPosition(db: Queryable, feed: string): Promise<string | null> {
  const { rows } = await db.query<{ position: string | null }>(
    'SELECT position FROM feed_state WHERE feed = $1',
    [feed],
  );
  return rows[0]?.position ?? null;
}

/** Moves the feed position forward (never back: two indexers may race). */
export async function saveFeedPosition(db: Queryable, feed: string, position: string) {
  await db.query(
    `INSERT INTO feed_state AS f (feed, position, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (feed) DO UPDATE SET position = greatest(f.position, excluded.position),
                                      updated_at = now()`,
    [feed, position],
  );
}

/**
 * Rewrites the documents in category order (migration 004) and refreshes the planner's
 * statistics. Takes an exclusive lock on the table while it runs (seconds for 100,000 products),
 * so it follows a full fill or reindex only; later writes land wherever there is room until the
 * next one.
 */
export async function layOutByCategory(db: Queryable): Promise<void> {
  await db.query('CLUSTER documents USING documents_category_idx');
  await db.query('ANALYZE documents');
}
