/**
 * Purchase signals (what was bought, together, by whom) and the recommendation queries over
 * them. Recommendations only ever return indexed products that are in stock.
 */
import type { PoolClient } from 'pg';
import type { Queryable } from '../../../common/postgres';
import type { Affinity, PlacedOrder } from './domain';

/**
 * Counts a placed order once: its products, best-seller units and bought-together pairs. Returns
 * false when the order was already counted (the order service delivers at least once).
 */
export async function recordOrder(tx: PoolClient, order: PlacedOrder): Promise<boolean> {
  const inserted = await tx.query(
    `INSERT INTO orders_seen (order_id, owner_sub, placed_at) VALUES ($1, $2, $3)
     ON CONFLICT (order_id) DO NOTHING`,
    [order.orderId, order.ownerSub, order.placedAt],
  );
  if (inserted.rowCount === 0) return false;
  const units = new Map<string, number>();
  for (const line of order.lines)
    units.set(line.productId, (units.get(line.productId) ?? 0) + line.quantity);
  const products = [...units.keys()].sort();
  const quantities = products.map((id) => units.get(id) ?? 0);
  await tx.query(
    `INSERT INTO purchases (order_id, product_id, owner_sub, quantity, placed_at)
     SELECT $1, id, $2, q, $3 FROM unnest($4::text[], $5::int[]) AS t(id, q)`,
    [order.orderId, order.ownerSub, order.placedAt, products, quantities],
  );
  await tx.query(
    `INSERT INTO sales AS s (product_id, units, orders)
     SELECT id, q, 1 FROM unnest($1::text[], $2::int[]) AS t(id, q)
     ON CONFLICT (product_id) DO UPDATE SET units = s.units + excluded.units,
                                            orders = s.orders + 1`,
    [products, quantities],
  );
  const pairs = products.flatMap((a) => products.filter((b) => b !== a).map((b) => [a, b]));
  if (pairs.length > 0) {
    await tx.query(
      `INSERT INTO co_purchases AS c (product_id, other_id, orders)
       SELECT a, b, 1 FROM unnest($1::text[], $2::text[]) AS t(a, b)
       ON CONFLICT (product_id, other_id) DO UPDATE SET orders = c.orders + 1`,
      [pairs.map(([a]) => a), pairs.map(([, b]) => b)],
    );
  }
  return true;
}

/**
 * Products similar to each of `productIds`: those bought together with it most often, then, to
 * fill up, products of the same category nearest in price, the same brand first. In stock only,
 * never the product itself. One statement for a whole batch.
 */
export async function similarProducts(
  db: Queryable,
  productIds: readonly string[],
  limit: number,
): Promise<Map<string, string[]>> {
  const { rows } = await db.query<{ source: string; product_id: string }>(
    `SELECT src.product_id AS source, pick.product_id
       FROM documents src
       CROSS JOIN LATERAL (
         SELECT c.product_id FROM (
           (SELECT cp.other_id AS product_id, 0 AS tier, cp.orders::float8 AS score
              FROM co_purchases cp JOIN documents d ON d.product_id = cp.other_id AND d.in_stock
             WHERE cp.product_id = src.product_id
             ORDER BY cp.orders DESC, cp.other_id LIMIT $2)
           UNION ALL
           (SELECT d.product_id, 1,
                   -abs(ln(greatest(d.min_price, 1)::float8 / greatest(src.min_price, 1)))
                   + CASE WHEN d.brand IS NOT DISTINCT FROM src.brand THEN 1 ELSE 0 END
              FROM (
                (SELECT * FROM documents
                  WHERE category_slug = src.category_slug AND in_stock
                    AND min_price >= src.min_price AND product_id <> src.product_id
                  ORDER BY min_price ASC LIMIT $2 * 4)
                UNION ALL
                (SELECT * FROM documents
                  WHERE category_slug = src.category_slug AND in_stock
                    AND min_price < src.min_price AND product_id <> src.product_id
                  ORDER BY min_price DESC LIMIT $2 * 4)
              ) d)
         ) c
         GROUP BY c.product_id
         ORDER BY min(c.tier), max(c.score) DESC, c.product_id
         LIMIT $2
       ) pick
      WHERE src.product_id = ANY($1::text[])`,
    [productIds, limit],
  );
  const result = new Map<string, string[]>(productIds.map((id) => [id, []]));
  for (const row of rows) result.get(row.source)?.push(row.product_id);
  return result;
}

/** The products a shopper has bought. */
export async function purchasedBy(db: Queryable, ownerSub: string): Promise<string[]> {
  const { rows } = await db.query<{ product_id: string }>(
    'SELECT DISTINCT product_id FROM purchases WHERE owner_sub = $1',
    [ownerSub],
  );
  return rows.map((r) => r.product_id);
}

/**
 * For a shopper: products bought together with what they bought, then best sellers of the
 * categories they buy from. Never what they bought, never out of stock.
 */
export async function recommendedFor(db: Queryable, ownerSub: string, limit: number) {
  const { rows } = await db.query<{ product_id: string }>(
    `WITH bought AS (SELECT DISTINCT product_id FROM purchases WHERE owner_sub = $1),
     categories AS (
       SELECT d.category_slug, sum(p.quantity) AS units
         FROM purchases p JOIN documents d USING (product_id)
        WHERE p.owner_sub = $1 GROUP BY d.category_slug
     ),
     candidates AS (
       SELECT cp.other_id AS product_id, 0 AS tier, sum(cp.orders)::float8 AS score
         FROM co_purchases cp WHERE cp.product_id IN (SELECT product_id FROM bought)
        GROUP BY cp.other_id
       UNION ALL
       SELECT s.product_id, 1, c.units * s.units::float8
         FROM categories c
         JOIN documents d ON d.category_slug = c.category_slug
         JOIN sales s ON s.product_id = d.product_id
     )
     SELECT c.product_id FROM candidates c
       JOIN documents d ON d.product_id = c.product_id AND d.in_stock
      WHERE c.product_id NOT IN (SELECT product_id FROM bought)
      GROUP BY c.product_id
      ORDER BY min(c.tier), max(c.score) DESC, c.product_id
      LIMIT $2`,
    [ownerSub, limit],
  );
  return rows.map((r) => r.product_id);
}

/**
 * Best sellers in stock, then (while there are few sales) the newest products in stock, leaving
 * out `exclude`.
 */
export async function bestSellers(db: Queryable, limit: number, exclude: readonly string[]) {
  const { rows } = await db.query<{ product_id: string }>(
    `(SELECT s.product_id, 0 AS tier, s.units::float8 AS score, NULL::timestamptz AS created_at
        FROM sales s JOIN documents d ON d.product_id = s.product_id AND d.in_stock
       WHERE s.product_id <> ALL($2::text[])
       ORDER BY s.units DESC, s.product_id LIMIT $1)
     UNION ALL
     (SELECT product_id, 1, 0, created_at FROM documents
       WHERE in_stock AND product_id <> ALL($2::text[])
         AND product_id NOT IN (SELECT product_id FROM sales)
       ORDER BY created_at DESC, product_id LIMIT $1)
     ORDER BY tier, score DESC, created_at DESC, product_id
     LIMIT $1`,
    [limit, exclude],
  );
  return rows.map((r) => r.product_id);
}

/** The categories and brands a shopper buys most (up to three of each). */
export async function affinityOf(db: Queryable, ownerSub: string): Promise<Affinity | null> {
  const { rows } = await db.query<{ kind: string; value: string }>(
    `WITH bought AS (
       SELECT d.category_slug, d.brand, p.quantity
         FROM purchases p JOIN documents d USING (product_id) WHERE p.owner_sub = $1
     )
     (SELECT 'category' AS kind, category_slug AS value FROM bought
       GROUP BY category_slug ORDER BY sum(quantity) DESC, category_slug LIMIT 3)
     UNION ALL
     (SELECT 'brand', brand FROM bought WHERE brand IS NOT NULL
       GROUP BY brand ORDER BY sum(quantity) DESC, brand LIMIT 3)`,
    [ownerSub],
  );
  if (rows.length === 0) return null;
  return {
    categories: rows.filter((r) => r.kind === 'category').map((r) => r.value),
    brands: rows.filter((r) => r.kind === 'brand').map((r) => r.value),
  };
}
