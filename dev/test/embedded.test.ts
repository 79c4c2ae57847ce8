import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { Client } from 'pg';
import { startEmbeddedDynamo } from '../embedded/dynamodb';
import { startEmbeddedPostgres } from '../embedded/postgres';

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let base: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'embedded-stores-'));
  // When run as root, PostgreSQL runs as the `postgres` OS user, which must be able to enter it.
  await chmod(base, 0o755);
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

function dynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

describe('startEmbeddedDynamo', () => {
  it('keeps tables and items in its data directory across restarts', async () => {
    const path = join(base, 'dynamo');
    const first = await startEmbeddedDynamo({ port: 0, path });
    expect(first.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = dynamoClient(first.endpoint);
    try {
      await client.send(
        new CreateTableCommand({
          TableName: 'products',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'id', AttributeType: 'S' },
            { AttributeName: 'category', AttributeType: 'S' },
            { AttributeName: 'price', AttributeType: 'N' },
          ],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          GlobalSecondaryIndexes: [
            {
              IndexName: 'byCategory',
              KeySchema: [
                { AttributeName: 'category', KeyType: 'HASH' },
                { AttributeName: 'price', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
          ],
        }),
      );
      // Creation completes asynchronously, even with dynalite's delays at zero.
      await waitUntil(async () => {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: 'products' }));
        return Table?.TableStatus === 'ACTIVE';
      });
      for (const [id, price] of [
        ['p1', '10'],
        ['p2', '30'],
        ['p3', '20'],
      ]) {
        await client.send(
          new PutItemCommand({
            TableName: 'products',
            Item: { id: { S: id }, category: { S: 'mugs' }, price: { N: price } },
          }),
        );
      }
    } finally {
      client.destroy();
    }

    // The directory is locked while the first instance runs.
    await expect(startEmbeddedDynamo({ path })).rejects.toThrow(/cannot open the DynamoDB data/);
    await first.stop();
    await first.stop(); // idempotent

    const second = await startEmbeddedDynamo({ path });
    const again = dynamoClient(second.endpoint);
    try {
      const item = await again.send(
        new GetItemCommand({ TableName: 'products', Key: { id: { S: 'p2' } } }),
      );
      expect(item.Item?.price).toEqual({ N: '30' });
      const page = await again.send(
        new QueryCommand({
          TableName: 'products',
          IndexName: 'byCategory',
          KeyConditionExpression: 'category = :c',
          ExpressionAttributeValues: { ':c': { S: 'mugs' } },
          ScanIndexForward: false,
        }),
      );
      expect(page.Items?.map((i) => i.id?.S)).toEqual(['p2', 'p3', 'p1']);
    } finally {
      again.destroy();
      await second.stop();
    }
  });

  it('keeps nothing without a path', async () => {
    const tablesOf = async (endpoint: string) => {
      const client = dynamoClient(endpoint);
      try {
        return (await client.send(new ListTablesCommand({}))).TableNames;
      } finally {
        client.destroy();
      }
    };
    const first = await startEmbeddedDynamo();
    const client = dynamoClient(first.endpoint);
    await client.send(
      new CreateTableCommand({
        TableName: 'carts',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    client.destroy();
    expect(await tablesOf(first.endpoint)).toEqual(['carts']);
    await first.stop();

    const second = await startEmbeddedDynamo();
    expect(await tablesOf(second.endpoint)).toEqual([]);
    await second.stop();
  });
});

async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

describe('startEmbeddedPostgres', () => {
  it('initialises once, then keeps its data across restarts; pg_trgm is available', async () => {
    const dataDir = join(base, 'pg', 'cluster');
    const first = await startEmbeddedPostgres({ dataDir, port: 0 });
    expect(first.url).toMatch(/^postgres:\/\/postgres:postgres@127\.0\.0\.1:\d+\/store$/);
    await withClient(first.url, async (client) => {
      await client.query('create table notes (id int primary key, body text not null)');
      await client.query(`insert into notes values (1, 'Crème brûlée'), (2, 'kettle')`);
      await client.query('create extension if not exists pg_trgm');
    });
    await first.stop();
    await first.stop(); // idempotent

    const second = await startEmbeddedPostgres({ dataDir, port: 0 });
    try {
      await withClient(second.url, async (client) => {
        const notes = await client.query<{ body: string }>('select body from notes order by id');
        expect(notes.rows.map((r) => r.body)).toEqual(['Crème brûlée', 'kettle']);
        await client.query('create extension if not exists pg_trgm');
        // Typo-tolerant matching, with accented letters kept as word characters.
        const match = async (text: string) =>
          (await client.query<{ id: number }>('select id from notes where body % $1', [text])).rows;
        expect(await match('crème brule')).toEqual([{ id: 1 }]);
        expect(await match('kettel')).toEqual([{ id: 2 }]);
      });
    } finally {
      await second.stop();
    }
  });

  it('creates the requested database; refuses a second server on the directory', async () => {
    const dataDir = join(base, 'pg', 'other');
    const server = await startEmbeddedPostgres({ dataDir, port: 0, database: 'catalog' });
    try {
      expect(server.url).toMatch(/\/catalog$/);
      const name = await withClient(server.url, (c) => c.query('select current_database() d'));
      expect(name.rows[0]).toEqual({ d: 'catalog' });
      await expect(startEmbeddedPostgres({ dataDir, port: 0 })).rejects.toThrow(/already running/);
    } finally {
      await server.stop();
    }
  });

  it('stops a server left running by a parent that was killed, then starts', async () => {
    const dataDir = join(base, 'pg', 'orphan');
    const script =
      `require(${JSON.stringify(resolve(__dirname, '..', 'embedded', 'postgres.ts'))})` +
      `.startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, port: 0 })` +
      '.then((pg) => process.stdout.write(pg.url + "\\n"));';
    const parent = spawn(process.execPath, ['-r', 'ts-node/register', '-e', script], {
      cwd: resolve(__dirname, '..', '..'),
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', TS_NODE_PROJECT: 'tsconfig.json' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const orphanUrl = await new Promise<string>((resolveUrl, rejectUrl) => {
      let output = '';
      parent.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('\n')) resolveUrl(output.trim());
      });
      parent.once('exit', (code) => rejectUrl(new Error(`parent exited early (${code})`)));
    });
    const killed = new Promise((resolveExit) => parent.once('exit', resolveExit));
    parent.kill('SIGKILL');
    await killed;

    // The orphan still serves its port ...
    await withClient(orphanUrl, (c) => c.query('create table left_behind (id int)'));

    // ... until the next start shuts it down and takes over the directory.
    const server = await startEmbeddedPostgres({ dataDir, port: 0 });
    try {
      const found = await withClient(server.url, (c) =>
        c.query(`select to_regclass('left_behind') is not null as found`),
      );
      expect(found.rows[0]).toEqual({ found: true });
      await expect(withClient(orphanUrl, (c) => c.query('select 1'))).rejects.toThrow();
    } finally {
      await server.stop();
    }
  });
});
