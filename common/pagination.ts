/** Relay connections: argument checks and opaque cursors. */
import { inheritsHint } from './cache-hints';
import { Directive, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { errors } from './errors';

export const MAX_PAGE_SIZE = 100;

/** `first` must be within 0..100; anything else is BAD_USER_INPUT. */
export function checkFirst(first: number, max = MAX_PAGE_SIZE): number {
  if (!Number.isInteger(first) || first < 0 || first > max) {
    throw errors.badUserInput(`"first" must be between 0 and ${max} (got ${first}).`, 'first');
  }
  return first;
}

/** Cursors are base64url JSON: opaque to clients, checked on the way back in. */
export function encodeCursor(payload: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

export function decodeCursor<T extends Record<string, string | number>>(
  cursor: string,
  isValid: (value: Record<string, unknown>) => value is T,
): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    !isValid(value as Record<string, unknown>)
  ) {
    throw errors.badUserInput('"after" is not a cursor this connection returned.', 'after');
  }
  return value as T;
}

@Directive('@shareable')
@inheritsHint()
@ObjectType({ description: 'Where a page sits in a connection (Relay cursor pagination).' })
export class PageInfo {
  @Field({ description: 'True when more items follow this page.' })
  hasNextPage!: boolean;

  @Field({
    description: 'True when items precede this page (this page was asked for with `after`).',
  })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first item of this page.' })
  startCursor!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Cursor of the last item; pass it as `after` for the next page.',
  })
  endCursor!: string | null;
}

/** The shape every connection type resolves from. */
export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: PageInfo;
  totalCount: number;
}

export function connection<T>(
  edges: { cursor: string; node: T }[],
  page: { hasNextPage: boolean; hasPreviousPage: boolean; totalCount: number },
): Connection<T> {
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount: page.totalCount,
  };
}

/** How a connection's GraphQL types describe their nodes. */
export interface ConnectionWords {
  /** The node with its article, capitalised: "An order". */
  one: string;
  /** The nodes: "orders". */
  many: string;
  /** Of the connection type: "A page of orders, newest first (Relay cursor connection)." */
  description: string;
  /** Of `totalCount`: "Number of orders across all pages." */
  totalCount: string;
}

/**
 * The `<Node>Edge` and `<Node>Connection` object types of a Relay connection of `node`, described
 * in the same words as every other connection of the store.
 */
export function connectionTypes<T extends object>(node: ClassType<T>, words: ConnectionWords) {
  const thing = words.one.replace(/^(An?|The) /, '');
  @inheritsHint()
  @ObjectType(`${node.name}Edge`, { description: `${words.one} in a connection, with its cursor.` })
  class Edge {
    @Field({ description: `Opaque cursor of this ${thing}; pass it as \`after\` to continue.` })
    cursor!: string;

    @Field(() => node, { description: `The ${thing}.` })
    node!: T;
  }

  @inheritsHint()
  @ObjectType(`${node.name}Connection`, { description: words.description })
  class NodeConnection {
    @Field(() => [Edge], { description: `The ${words.many} of this page with their cursors.` })
    edges!: Edge[];

    @Field(() => [node], { description: `The ${words.many} of this page.` })
    nodes!: T[];

    @Field(() => PageInfo, { description: 'Where this page sits.' })
    pageInfo!: PageInfo;

    @Field(() => Int, { description: words.totalCount })
    totalCount!: number;
  }

  return { Edge, Connection: NodeConnection };
}
