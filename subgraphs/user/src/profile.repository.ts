/** Profile rows: every function takes the pool or a transaction's client. */
import type { Queryable } from '../../../common/postgres';
import type { User } from './domain';

/** The table's row shape, as PostgreSQL returns it. */
interface ProfileRow {
  sub: string;
  email: string;
  name: string | null;
  created_at: Date;
  updated_at: Date;
}

const columns = 'sub, email, name, created_at, updated_at';

const rowToUser = (row: ProfileRow): User => ({
  id: row.sub,
  email: row.email,
  name: row.name,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export async function profilesBySubs(
  db: Queryable,
  subs: readonly string[],
): Promise<Map<string, User>> {
  const { rows } = await db.query<ProfileRow>(
    `SELECT ${columns} FROM users.profiles WHERE sub = ANY($1)`,
    [subs],
  );
  return new Map(rows.map((row) => [row.sub, rowToUser(row)]));
}

/**
 * Creates the profile unless it exists (two first requests may race: one inserts, the other
 * does nothing). Returns the profile as stored either way.
 */
export async function insertProfileIfMissing(
  db: Queryable,
  profile: { sub: string; email: string; name: string | null },
): Promise<User> {
  const inserted = await db.query<ProfileRow>(
    `INSERT INTO users.profiles (sub, email, name) VALUES ($1, $2, $3)
     ON CONFLICT (sub) DO NOTHING
     RETURNING ${columns}`,
    [profile.sub, profile.email, profile.name],
  );
  if (inserted.rows[0]) return rowToUser(inserted.rows[0]);
  const existing = await db.query<ProfileRow>(
    `SELECT ${columns} FROM users.profiles WHERE sub = $1`,
    [profile.sub],
  );
  if (!existing.rows[0]) throw new Error(`profile ${profile.sub} vanished while being created`);
  return rowToUser(existing.rows[0]);
}

export async function updateProfileName(
  db: Queryable,
  sub: string,
  name: string,
): Promise<User | null> {
  const { rows } = await db.query<ProfileRow>(
    `UPDATE users.profiles SET name = $2, updated_at = now() WHERE sub = $1 RETURNING ${columns}`,
    [sub, name],
  );
  return rows[0] ? rowToUser(rows[0]) : null;
}

/**
 * Locks the profile row until the transaction ends: serialises changes to one user's addresses
 * (which one is the default) without blocking other users.
 */
export async function lockProfile(db: Queryable, sub: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM users.profiles WHERE sub = $1 FOR UPDATE', [sub]);
  return rows.length > 0;
}
