/**
 * Bulk writes straight into the LevelDB of a dynalite store that no server has open, laid out
 * exactly as dynalite's own PutItem lays them out: dynalite's key encoding (`createKey`) and its
 * index maintenance (`getIndexActions`, which also drops the index entries of an item being
 * replaced). For seeding a large catalog into the embedded DynamoDB without an HTTP round trip,
 * request signing and validation, and a LevelDB get and put per item and index: each slice of
 * items is one `getMany` (the items they replace) and one atomic `batch`.
 */
import { dirname, join } from 'node:path';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

type Item = Record<string, AttributeValue>;

interface TableDefinition {
  TableName: string;
  KeySchema: { AttributeName: string; KeyType: string }[];
  AttributeDefinitions: { AttributeName: string; AttributeType: string }[];
  GlobalSecondaryIndexes?: { IndexName: string }[];
  LocalSecondaryIndexes?: { IndexName: string }[];
}

interface IndexAction {
  index: string;
  key: string;
  item?: Item;
}

interface DynaliteDb {
  createKey(item: Item, table: TableDefinition): string;
  getIndexActions(
    indexes: unknown[],
    existingItem: Item | undefined,
    item: Item,
    table: TableDefinition,
  ): { puts: IndexAction[]; deletes: IndexAction[] };
}

type BatchOperation =
  { type: 'put'; key: string; value: unknown } | { type: 'del'; key: string; value?: undefined };

interface Level {
  open(): Promise<void>;
  close(): Promise<void>;
  get(key: string): Promise<unknown>;
  getMany(keys: string[]): Promise<(unknown | undefined)[]>;
  batch(operations: BatchOperation[]): Promise<void>;
}

export interface DynaliteStore {
  /** Puts items into `table` (created through the API beforehand), replacing same-key items. */
  putItems(table: string, items: readonly Item[]): Promise<void>;
  /** The item under `key` (the table's key attributes), or undefined. */
  getItem(table: string, key: Item): Promise<Item | undefined>;
  close(): Promise<void>;
}

/** Items per LevelDB batch: large enough to amortise a write, small enough to stay in memory. */
const SLICE = 2_000;

/** dynalite's own modules (its key encoding, its copy of `level`), resolved next to it. */
function dynaliteModules(): {
  db: DynaliteDb;
  Level: new (path: string, options: object) => Level;
} {
  const root = dirname(require.resolve('dynalite'));
  const levelEntry = require.resolve('level', { paths: [root] });
  return {
    db: require(join(root, 'db')) as DynaliteDb,
    Level: (require(levelEntry) as { Level: new (path: string, options: object) => Level }).Level,
  };
}

/** Opens the store at `path`; fails if a server (or anything else) holds it. */
export async function openDynaliteStore(path: string): Promise<DynaliteStore> {
  const { db, Level } = dynaliteModules();
  const level = new Level(path, { valueEncoding: 'json' });
  await level.open();
  const tables = new Map<string, TableDefinition>();
  const tableOf = async (name: string) => {
    let table = tables.get(name);
    if (!table) {
      table = (await level.get(`table~${name}`)) as TableDefinition | undefined;
      if (!table) throw new Error(`the DynamoDB store at ${path} has no table ${name}`);
      tables.set(name, table);
    }
    return table;
  };
  return {
    async putItems(name, items) {
      const table = await tableOf(name);
      const itemPrefix = `item-${name}~`;
      const indexes: [string, unknown[]][] = [
        ['local', table.LocalSecondaryIndexes ?? []],
        ['global', table.GlobalSecondaryIndexes ?? []],
      ];
      for (let start = 0; start < items.length; start += SLICE) {
        const slice = items.slice(start, start + SLICE);
        const keys = slice.map((item) => itemPrefix + db.createKey(item, table));
        if (new Set(keys).size !== keys.length) throw new Error('duplicate item keys in one write');
        const existing = (await level.getMany(keys)) as (Item | undefined)[];
        const deletes: BatchOperation[] = [];
        const puts: BatchOperation[] = [];
        slice.forEach((item, i) => {
          for (const [type, list] of indexes) {
            if (list.length === 0) continue;
            const actions = db.getIndexActions(list, existing[i] ?? undefined, item, table);
            const prefix = (index: string) => `index-${type}~${name}~${index}~`;
            for (const a of actions.deletes)
              deletes.push({ type: 'del', key: prefix(a.index) + a.key });
            for (const a of actions.puts)
              puts.push({ type: 'put', key: prefix(a.index) + a.key, value: a.item });
          }
          puts.push({ type: 'put', key: keys[i], value: item });
        });
        // As dynalite does: an item's stale index entries go before the new ones are written.
        await level.batch([...deletes, ...puts]);
      }
    },
    async getItem(name, key) {
      const table = await tableOf(name);
      const found = (await level.getMany([`item-${name}~${db.createKey(key, table)}`]))[0];
      return (found ?? undefined) as Item | undefined;
    },
    close: () => level.close(),
  };
}
