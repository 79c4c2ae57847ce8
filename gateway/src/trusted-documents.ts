/**
 * Trusted documents: the operations the apps ship with, registered by document id. The manifest
 * (`schema/persisted-operations.json`, Apollo's persisted query manifest format, version 1) is
 * written by `npm run schema` from the client contract; the gateway loads it once at start into
 * a look-up from id to { name, type, body, parsed document }.
 *
 * Two caches handed to Apollo Server make a registered id cost no parse or validation:
 * - `persistedQueryCache` answers Apollo's persisted-query look-up from the manifest (and, in
 *   `off` mode only, lets Apollo's automatic persisted queries register other documents);
 * - `documentStore` keeps the parsed and validated document of every registered operation for
 *   good (the others share a bounded LRU), pre-validated when the schema loads.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ApolloServerOptions, BaseContext } from '@apollo/server';
import { LRUCache } from 'lru-cache';
import {
  Kind,
  parse,
  print,
  printSchema,
  specifiedRules,
  validate,
  visit,
  NoSchemaIntrospectionCustomRule,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';

type Options = ApolloServerOptions<BaseContext>;
/** The cache type Apollo Server takes for `persistedQueries.cache`. */
export type PersistedQueryCache = NonNullable<
  NonNullable<Exclude<Options['persistedQueries'], false>>['cache']
>;
/** The cache type Apollo Server takes for `documentStore`. */
export type DocumentStore = NonNullable<Options['documentStore']>;

export type OperationType = 'query' | 'mutation' | 'subscription';

export interface ManifestOperation {
  /** Lowercase hex SHA-256 of `body`. */
  id: string;
  name: string;
  type: OperationType;
  body: string;
}

export interface PersistedQueryManifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: ManifestOperation[];
}

export interface TrustedDocument extends ManifestOperation {
  /** Parsed once at start; the one operation plus the fragments it uses. */
  document: DocumentNode;
}

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** The fragments an operation uses, directly or through other fragments. */
function fragmentsUsed(
  root: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): FragmentDefinitionNode[] {
  const found = new Map<string, FragmentDefinitionNode>();
  const pending: (OperationDefinitionNode | FragmentDefinitionNode)[] = [root];
  while (pending.length > 0) {
    const node = pending.pop();
    if (!node) break;
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        const fragment = fragments.get(name);
        if (!fragment) throw new Error(`fragment ${name} is used but not defined`);
        if (!found.has(name)) {
          found.set(name, fragment);
          pending.push(fragment);
        }
      },
    });
  }
  return [...found.values()].sort((a, b) => a.name.value.localeCompare(b.name.value));
}

/**
 * The manifest of every operation in `dir` (*.graphql), one entry per operation: its body is the
 * operation followed by the fragments it uses (sorted by name), printed by graphql-js.
 */
export function buildManifest(dir: string): PersistedQueryManifest {
  const operations: OperationDefinitionNode[] = [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()) {
    for (const definition of parse(readFileSync(join(dir, file), 'utf8')).definitions) {
      if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
      if (definition.kind === Kind.FRAGMENT_DEFINITION)
        fragments.set(definition.name.value, definition);
    }
  }
  const entries = operations.map((operation): ManifestOperation => {
    const name = operation.name?.value;
    if (!name) throw new Error('every operation of the contract must be named');
    const body = print({
      kind: Kind.DOCUMENT,
      definitions: [operation, ...fragmentsUsed(operation, fragments)],
    });
    return { id: sha256Hex(body), name, type: operation.operation, body };
  });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  return { format: 'apollo-persisted-query-manifest', version: 1, operations: entries };
}

function readManifest(path: string): ManifestOperation[] {
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as Partial<PersistedQueryManifest>;
  if (manifest.format !== 'apollo-persisted-query-manifest' || manifest.version !== 1)
    throw new Error(`${path} is not an Apollo persisted query manifest, version 1`);
  return manifest.operations ?? [];
}

/** The registered operations, by id. Built once at start. */
export class TrustedDocuments {
  private readonly byId = new Map<string, TrustedDocument>();

  /** Reads and checks each manifest: every body must parse, hold one operation and match its id. */
  static load(paths: readonly string[]): TrustedDocuments {
    const trusted = new TrustedDocuments();
    for (const path of paths) {
      for (const entry of readManifest(path)) trusted.add(entry, path);
    }
    return trusted;
  }

  private add(entry: ManifestOperation, source: string): void {
    if (sha256Hex(entry.body) !== entry.id)
      throw new Error(`${source}: the id of ${entry.name} is not the SHA-256 of its body`);
    const document = parse(entry.body);
    const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    if (operations.length !== 1)
      throw new Error(`${source}: ${entry.name} must hold exactly one operation`);
    this.byId.set(entry.id, { ...entry, document });
  }

  get size(): number {
    return this.byId.size;
  }

  /** A registered operation by its bare hex id. */
  get(id: string): TrustedDocument | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  all(): IterableIterator<TrustedDocument> {
    return this.byId.values();
  }
}

/**
 * `documentId: "sha256:<hex>"` (GraphQL over HTTP) or Apollo's persisted-query hash, as a bare
 * lowercase hex id; null when the request names no document; undefined when the id is malformed.
 */
export function documentIdOf(params: {
  documentId?: unknown;
  extensions?: unknown;
}): string | null | undefined {
  if (params.documentId !== undefined && params.documentId !== null) {
    const match =
      typeof params.documentId === 'string' && /^sha256:([0-9a-f]{64})$/i.exec(params.documentId);
    return match ? match[1].toLowerCase() : undefined;
  }
  const extensions = params.extensions;
  if (typeof extensions !== 'object' || extensions === null) return null;
  const persisted = (extensions as { persistedQuery?: unknown }).persistedQuery;
  if (typeof persisted !== 'object' || persisted === null) return null;
  const hash = (persisted as { sha256Hash?: unknown }).sha256Hash;
  return typeof hash === 'string' && /^[0-9a-f]{64}$/i.test(hash) ? hash.toLowerCase() : undefined;
}

const APQ_PREFIX = 'apq:';

/**
 * Apollo's persisted-query cache: registered ids resolve to their manifest body; documents
 * registered by clients (automatic persisted queries) are kept only when `allowRegistration`.
 */
export function persistedQueryCache(
  trusted: TrustedDocuments,
  allowRegistration: boolean,
): PersistedQueryCache {
  const registered = new LRUCache<string, string>({
    maxSize: 8 * 1024 * 1024,
    sizeCalculation: (value) => value.length || 1,
  });
  // Apollo prefixes the keys of the cache it is given with `apq:`.
  const idOf = (key: string) => (key.startsWith(APQ_PREFIX) ? key.slice(APQ_PREFIX.length) : key);
  return {
    get: async (key) => trusted.get(idOf(key))?.body ?? registered.get(key),
    set: async (key, value) => {
      if (allowRegistration && !trusted.has(idOf(key))) registered.set(key, value);
    },
    delete: async (key) => registered.delete(key),
  };
}

/** Apollo's document store: `<schema hash>:<query hash>` -> parsed and validated document. */
export class TrustedDocumentStore implements DocumentStore {
  private readonly pinned = new Map<string, DocumentNode>();
  /** Other documents: the most recently used ones, as Apollo's default store keeps them. */
  private readonly others = new LRUCache<string, DocumentNode>({ max: 2_000 });

  constructor(private readonly trusted: TrustedDocuments) {}

  private isTrusted(key: string): boolean {
    return this.trusted.has(key.slice(key.lastIndexOf(':') + 1));
  }

  async get(key: string): Promise<DocumentNode | undefined> {
    return this.pinned.get(key) ?? this.others.get(key);
  }

  async set(key: string, value: DocumentNode): Promise<void> {
    if (this.isTrusted(key)) this.pinned.set(key, value);
    else this.others.set(key, value);
  }

  async delete(key: string): Promise<boolean | void> {
    this.pinned.delete(key);
    return this.others.delete(key);
  }

  /**
   * Validates every registered document against the schema Apollo serves, with Apollo's rules,
   * and stores it under the key Apollo will look it up by, so that no registered id is ever
   * parsed or validated per request. Returns the names of documents that do not validate (they
   * are left to Apollo, which answers their validation errors).
   */
  warm(schema: GraphQLSchema, options: { introspection: boolean }): string[] {
    const prefix = `${sha256Hex(printSchema(schema))}:`;
    const rules = options.introspection
      ? specifiedRules
      : [...specifiedRules, NoSchemaIntrospectionCustomRule];
    const invalid: string[] = [];
    this.pinned.clear();
    for (const entry of this.trusted.all()) {
      if (validate(schema, entry.document, rules).length > 0) invalid.push(entry.name);
      else this.pinned.set(prefix + entry.id, entry.document);
    }
    return invalid;
  }
}
