/** Stock rows: every function takes the pool or a transaction's client. */
import type { Queryable } from '../../../common/postgres';
import type { StockLevel } from './domain';

/** The table's row shape, as PostgreSQL returns it. */
interface StockRow {
  variant_id: string;
  product_id: string;
  quantity: number;
}

const rowToStockLevel = (row: StockRow): StockLevel => ({
  variantId: row.variant_id,
  productId: row.product_id,
  quantity: row.quantity,
});

export async function stockByVariantIds(
  db: Queryable,
  variantIds: readonly string[],
): Promise<Map<string, StockLevel>> {
  const { rows } = await db.query<StockRow>(
    'SELECT variant_id, product_id, quantity FROM orders.stock WHERE variant_id = ANY($1)',
    [variantIds],
  );
  return new Map(rows.map((row) => [row.variant_id, rowToStockLevel(row)]));
}

/** Product ids (of those asked) that have at least one variant in stock. */
export async function productsInStock(
  db: Queryable,
  productIds: readonly string[],
): Promise<Set<string>> {
  const { rows } = await db.query<{ product_id: string }>(
    'SELECT DISTINCT product_id FROM orders.stock WHERE product_id = ANY($1) AND quantity > 0',
    [productIds],
  );
  return new Set(rows.map((row) => row.product_id));
}

/** Sets stock levels (inserting missing rows); used by the seed and the back office. */
export async function upsertStock(db: Queryable, levels: readonly StockLevel[]): Promise<void> {
  if (levels.length === 0) return;
  await db.query(
    `INSERT INTO orders.stock (variant_id, product_id, quantity)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[])
     ON CONFLICT (variant_id) DO UPDATE
       SET quantity = EXCLUDED.quantity, product_id = EXCLUDED.product_id, updated_at = now()`,
    [levels.map((l) => l.variantId), levels.map((l) => l.productId), levels.map((l) => l.quantity)],
  );
}

/** Sets the stock of a variant that has a stock row; null when it has none. */
export async function setStockQuantity(
  db: Queryable,
  variantId: string,
  quantity: number,
): Promise<StockLevel | null> {
  const { rows } = await db.query<StockRow>(
    `UPDATE orders.stock SET quantity = $2, updated_at = now()
     WHERE variant_id = $1
     RETURNING variant_id, product_id, quantity`,
    [variantId, quantity],
  );
  return rows[0] ? rowToStockLevel(rows[0]) : null;
}

/**
 * Creates stock rows for variants that have none (a new product's); rows that exist are left
 * alone, so a repeated call never resets stock that has been sold from. Returns rows created.
 */
export async function insertMissingStock(
  db: Queryable,
  levels: readonly StockLevel[],
): Promise<number> {
  if (levels.length === 0) return 0;
  const { rowCount } = await db.query(
    `INSERT INTO orders.stock (variant_id, product_id, quantity)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[])
     ON CONFLICT (variant_id) DO NOTHING`,
    [levels.map((l) => l.variantId), levels.map((l) => l.productId), levels.map((l) => l.quantity)],
  );
  return rowCount ?? 0;
}

/**
 * Takes `quantity` units of a variant if that many are there (a guarded decrement: concurrent
 * takers queue on the row and none can take it below zero). Returns false, changing nothing,
 * when there are fewer or the variant has no stock row.
 */
export async function takeStock(
  tx: Queryable,
  variantId: string,
  quantity: number,
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE orders.stock SET quantity = quantity - $2, updated_at = now()
      WHERE variant_id = $1 AND quantity >= $2`,
    [variantId, quantity],
  );
  return rowCount === 1;
}

/** Gives units back (a cancelled order's); a variant whose stock row is gone gets one again. */
export async function returnStock(tx: Queryable, levels: readonly StockLevel[]): Promise<void> {
  if (levels.length === 0) return;
  await tx.query(
    `INSERT INTO orders.stock AS s (variant_id, product_id, quantity)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[]) ORDER BY 1
     ON CONFLICT (variant_id) DO UPDATE
       SET quantity = s.quantity + EXCLUDED.quantity, updated_at = now()`,
    [levels.map((l) => l.variantId), levels.map((l) => l.productId), levels.map((l) => l.quantity)],
  );
}
