/** Address rows: every function takes the pool or a transaction's client. */
import type { Queryable } from '../../../common/postgres';
import type { Address, NewAddress } from './domain';

/** The table's row shape, as PostgreSQL returns it. */
interface AddressRow {
  id: string;
  user_sub: string;
  name: string;
  line1: string;
  line2: string | null;
  city: string;
  region: string | null;
  postal_code: string;
  country_code: string;
  is_default: boolean;
  created_at: Date;
}

const columns =
  'id, user_sub, name, line1, line2, city, region, postal_code, country_code, is_default, created_at';

const rowToAddress = (row: AddressRow): Address => ({
  id: row.id,
  userId: row.user_sub,
  name: row.name,
  line1: row.line1,
  line2: row.line2,
  city: row.city,
  region: row.region,
  postalCode: row.postal_code,
  countryCode: row.country_code,
  isDefault: row.is_default,
  createdAt: row.created_at,
});

/** Every address of each user, the default first, then newest first. */
export async function addressesByUserSubs(
  db: Queryable,
  subs: readonly string[],
): Promise<Map<string, Address[]>> {
  const { rows } = await db.query<AddressRow>(
    `SELECT ${columns} FROM users.addresses WHERE user_sub = ANY($1)
     ORDER BY user_sub, is_default DESC, created_at DESC, id`,
    [subs],
  );
  const byUser = new Map<string, Address[]>();
  for (const row of rows) {
    const list = byUser.get(row.user_sub) ?? [];
    list.push(rowToAddress(row));
    byUser.set(row.user_sub, list);
  }
  return byUser;
}

export async function countAddresses(db: Queryable, sub: string): Promise<number> {
  const { rows } = await db.query<{ count: number }>(
    'SELECT count(*)::int AS count FROM users.addresses WHERE user_sub = $1',
    [sub],
  );
  return rows[0]?.count ?? 0;
}

export async function clearDefaultAddress(db: Queryable, sub: string): Promise<void> {
  await db.query(
    'UPDATE users.addresses SET is_default = false WHERE user_sub = $1 AND is_default',
    [sub],
  );
}

export async function insertAddress(
  db: Queryable,
  sub: string,
  address: NewAddress,
): Promise<Address> {
  const { rows } = await db.query<AddressRow>(
    `INSERT INTO users.addresses
       (user_sub, name, line1, line2, city, region, postal_code, country_code, is_default)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     RETURNING ${columns}`,
    [
      sub,
      address.name,
      address.line1,
      address.line2,
      address.city,
      address.region,
      address.postalCode,
      address.countryCode,
      address.isDefault,
    ],
  );
  return rowToAddress(rows[0]);
}

/** Deletes the user's address `id`; null when the user has no such address. */
export async function deleteAddress(
  db: Queryable,
  sub: string,
  id: string,
): Promise<Address | null> {
  const { rows } = await db.query<AddressRow>(
    `DELETE FROM users.addresses WHERE id = $1 AND user_sub = $2 RETURNING ${columns}`,
    [id, sub],
  );
  return rows[0] ? rowToAddress(rows[0]) : null;
}

/** Makes the user's newest address the default when none is. */
export async function promoteNewestAddress(db: Queryable, sub: string): Promise<void> {
  await db.query(
    `UPDATE users.addresses SET is_default = true
     WHERE id = (
       SELECT id FROM users.addresses WHERE user_sub = $1 ORDER BY created_at DESC, id LIMIT 1
     )
     AND NOT EXISTS (SELECT 1 FROM users.addresses WHERE user_sub = $1 AND is_default)`,
    [sub],
  );
}
