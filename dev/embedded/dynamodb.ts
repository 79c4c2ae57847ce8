/**
 * In-process DynamoDB stand-in (dynalite, LevelDB on disk) used when DYNAMODB_ENDPOINT is unset.
 * What dynalite does not support (transactions, PartiQL, TTL, adding a GSI to an existing
 * table, ...) is listed in docs/embedded-stores.md.
 */
import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import dynalite from 'dynalite';

export interface EmbeddedDynamoOptions {
  /** TCP port; 0 (the default) lets the OS pick a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** LevelDB directory, created if missing; undefined keeps the data in memory only. */
  path?: string;
  /** Told the operation (e.g. `Query`) of every request, for counting store round trips. */
  onRequest?: (operation: string) => void;
}

export interface EmbeddedDynamo {
  /** Endpoint for `new DynamoDBClient({ endpoint })`, e.g. http://127.0.0.1:41234. */
  endpoint: string;
  /** The LevelDB directory, when the data is kept on disk. */
  path?: string;
  /**
   * Stops serving and closes the store, runs `work` (which may open the store itself, see
   * dynamodb-store.ts), then serves again on the same endpoint.
   */
  offline<T>(work: () => Promise<T>): Promise<T>;
  /** Stops accepting requests, waits for pending writes and closes the store. Idempotent. */
  stop(): Promise<void>;
  /** When it runs in a process of its own (dynamodb-process.ts): that process. */
  pid?: number;
  /** When it counts: requests served so far, by operation (`GetItem`, `Query`, ...). */
  counts?(): Promise<Record<string, number>>;
}

/** Forces connections still open this long after stop() to close. */
const CLOSE_GRACE_MS = 2_000;

export async function startEmbeddedDynamo(
  options: EmbeddedDynamoOptions = {},
): Promise<EmbeddedDynamo> {
  const host = options.host ?? '127.0.0.1';
  const path = options.path === undefined ? undefined : resolve(options.path);
  if (path !== undefined) {
    await mkdir(path, { recursive: true });
    // dynalite opens LevelDB lazily and throws failures (e.g. a LOCK held by another process)
    // from inside request handlers, which crashes the process; fail here with a clear message.
    await assertStoreOpens(path);
  }

  const onRequest = options.onRequest;
  const create = () => {
    const created = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    if (onRequest) {
      created.prependListener('request', (request: IncomingMessage) => {
        const target = request.headers['x-amz-target'];
        onRequest(typeof target === 'string' ? target.slice(target.indexOf('.') + 1) : 'other');
      });
    }
    return created;
  };
  let server = create();
  let address: AddressInfo;
  try {
    address = await listen(server, options.port ?? 0, host);
  } catch (error) {
    await releaseStore(server);
    throw new Error(
      `embedded DynamoDB cannot listen on ${host}:${options.port ?? 0}: ${message(error)}`,
    );
  }

  let stopping: Promise<void> | undefined;
  let working: Promise<unknown> | undefined;
  const runOffline = async <T>(work: () => Promise<T>): Promise<T> => {
    await close(server);
    try {
      return await work();
    } finally {
      server = create();
      await listen(server, address.port, host);
    }
  };
  return {
    endpoint: `http://${endpointHost(host)}:${address.port}`,
    path,
    offline(work) {
      if (stopping || working)
        throw new Error('the embedded DynamoDB is stopped or already offline');
      const run = runOffline(work);
      working = run.finally(() => (working = undefined)).catch(() => undefined);
      return run;
    },
    stop: () => (stopping ??= (working ?? Promise.resolve()).then(() => close(server))),
  };
}

interface LevelStore {
  open(): Promise<void>;
  close(): Promise<void>;
}

/** Opens and closes the directory with dynalite's own copy of `level`. */
async function assertStoreOpens(path: string): Promise<void> {
  const levelEntry = require.resolve('level', { paths: [dirname(require.resolve('dynalite'))] });
  const { Level } = require(levelEntry) as { Level: new (location: string) => LevelStore };
  const store = new Level(path);
  try {
    await store.open();
  } catch (error) {
    const cause = error instanceof Error && error.cause !== undefined ? message(error.cause) : '';
    const hint = /lock/i.test(cause) ? ' (is another process using it?)' : '';
    throw new Error(
      `cannot open the DynamoDB data directory ${path}: ${cause || message(error)}${hint}`,
    );
  }
  await store.close();
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolvePromise, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error('the server is not listening on a TCP port'));
      } else {
        resolvePromise(address);
      }
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    force.unref();
    server.close((error) => {
      clearTimeout(force);
      if (error) reject(error);
      else resolvePromise();
    });
  });
}

/**
 * dynalite's close() only closes the store of a server that is listening, and the store is
 * opened as soon as it is created: after a failed listen, listen briefly elsewhere to close it.
 */
async function releaseStore(server: Server): Promise<void> {
  try {
    await listen(server, 0, '127.0.0.1');
    await close(server);
  } catch {
    // Best effort: the process is about to report the original error.
  }
}

function endpointHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
