/**
 * For tests of the order service's outbox dispatcher: an outbox of their own in a fresh schema,
 * a mailer for tests that send no email, and a recording stand-in for the service an event is
 * delivered to.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import { IDENTITY_HEADER, verifyIdentity } from '../../common/identity';
import type { Mailer } from '../../common/mail';
import { projectPath } from '../../common/paths';
import { inTransaction } from '../../common/postgres';

/**
 * Creates `schema` with the orders schema's outbox table (as in 002_orders.sql) and the
 * notifications migration run as migrate() runs it: unqualified names in the target schema.
 */
export async function createOutboxSchema(pool: Pool, schema: string): Promise<void> {
  await pool.query(`CREATE SCHEMA ${schema}`);
  await pool.query(
    `CREATE TABLE ${schema}.outbox (id bigserial PRIMARY KEY, event_id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(), type text NOT NULL, payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), available_at timestamptz NOT NULL DEFAULT now(), attempts integer NOT NULL DEFAULT 0, last_error text, delivered_at timestamptz)`,
  );
  await pool.query(
    `CREATE INDEX outbox_pending_idx ON ${schema}.outbox (available_at) WHERE delivered_at IS NULL`,
  );
  const migration = readFileSync(
    projectPath('subgraphs', 'order', 'migrations', '003_notifications.sql'),
    'utf8',
  );
  await inTransaction(pool, async (tx) => {
    await tx.query(`SET LOCAL search_path TO ${schema}, public`);
    await tx.query(migration);
  });
}

/** For dispatchers whose events send no email. */
export const noMail: Mailer = {
  send: () => Promise.reject(new Error('no email is expected here')),
  close: () => Promise.resolve(),
};

export interface RecordedCall {
  at: number;
  /** The identity assertion as the called subgraph would verify it; null if it does not verify. */
  identity: ReturnType<typeof verifyIdentity>;
  query: string;
  variables: Record<string, unknown>;
}

export interface RecordingService {
  url: string;
  calls: RecordedCall[];
  close(): Promise<void>;
}

/**
 * A stand-in for a subgraph an event is delivered to: answers each call with the next reply (the
 * last one repeats) and records every call, verifying its identity with `secret`.
 */
export async function recordingService(
  secret: string,
  replies: { status: number; body: unknown }[],
): Promise<RecordingService> {
  const calls: RecordedCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        query: string;
        variables: Record<string, unknown>;
      };
      const header = req.headers[IDENTITY_HEADER];
      calls.push({
        at: Date.now(),
        identity: verifyIdentity(Array.isArray(header) ? header[0] : header, secret),
        query: body.query,
        variables: body.variables,
      });
      const reply = replies[Math.min(calls.length - 1, replies.length - 1)];
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
