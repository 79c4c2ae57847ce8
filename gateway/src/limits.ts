/**
 * The limits every operation is held to before it is validated, planned or executed: tokens,
 * depth, aliases, root fields, directives and an estimated cost in which list sizes come from
 * `first`. `checkLimits(source or document) -> refusal | null` is the whole interface.
 *
 * Tokens are counted by graphql-js's lexer, which stops at the limit, before anything is parsed
 * (and the parse itself runs with `maxTokens` too). The rest is one walk over the selected operation
 * that visits each fragment once (its figures are memoized and added per spread), so it runs in
 * time linear in the document's size, whatever the document holds: a fragment spread three times
 * in each of twenty nested fragments costs twenty visits, not 3^20. The cost is ours for that
 * reason and because it prices lists by `first`: graphql-query-complexity expands every spread
 * (124 ms on a 578-byte fragment-nesting document, measured) and GraphQL Armor's cost limit does
 * not read `first`.
 */
import {
  GraphQLError,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  getNamedType,
  Kind,
  Lexer,
  parse,
  Source,
  TokenKind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

export interface Limits {
  /** Nesting of fields, root fields being at depth 1. */
  maxDepth: number;
  /** Aliased fields, counted once per fragment spread. */
  maxAliases: number;
  /** Fields selected at the operation's root. */
  maxRootFields: number;
  /** GraphQL tokens in the document (names, punctuation, values). */
  maxTokens: number;
  /** Directive uses, counted once per fragment spread. */
  maxDirectives: number;
  /** Estimated cost; see `estimate`. */
  maxCost: number;
  /** Size assumed for a list that takes no `first` argument (variants, images, lines…). */
  assumedListSize: number;
  /** Size assumed for `first` when it is a variable the request does not set. */
  assumedPageSize: number;
}

export type LimitCode =
  | 'MAX_DEPTH_LIMIT'
  | 'MAX_ALIASES_LIMIT'
  | 'MAX_ROOT_FIELDS_LIMIT'
  | 'MAX_TOKENS_LIMIT'
  | 'MAX_DIRECTIVES_LIMIT'
  | 'COST_ESTIMATED_TOO_EXPENSIVE';

export interface Refusal {
  code: LimitCode;
  /** The limit that was exceeded and the figure that exceeded it (at least; counting stops). */
  limit: number;
  found: number;
  message: string;
}

/** What an operation measures, for the checks and for deriving the defaults. */
export interface Measures {
  depth: number;
  aliases: number;
  rootFields: number;
  directives: number;
  cost: number;
}

interface Figures {
  depth: number;
  aliases: number;
  directives: number;
  cost: number;
  rootFields: number;
}

/** Calls nested deeper than this are refused whatever the depth limit (no stack overflow). */
const MAX_NESTING = 1_000;

class NestingTooDeep extends Error {}

function describe(code: LimitCode, limit: number, found: number): string {
  const what: Record<LimitCode, string> = {
    MAX_DEPTH_LIMIT: `The operation nests fields ${found} deep; the limit is ${limit}.`,
    MAX_ALIASES_LIMIT: `The operation uses ${found} aliases; the limit is ${limit}.`,
    MAX_ROOT_FIELDS_LIMIT: `The operation selects ${found} root fields; the limit is ${limit}.`,
    MAX_TOKENS_LIMIT: `The document has more than ${limit} tokens; the limit is ${limit}.`,
    MAX_DIRECTIVES_LIMIT: `The operation uses ${found} directives; the limit is ${limit}.`,
    COST_ESTIMATED_TOO_EXPENSIVE: `The operation's estimated cost is ${found}; the limit is ${limit}. Ask for fewer items per page.`,
  };
  return what[code];
}

export function refusal(code: LimitCode, limit: number, found: number): Refusal {
  return { code, limit, found, message: describe(code, limit, found) };
}

/** The operation a request runs: the named one, or the only one. */
export function selectOperation(
  document: DocumentNode,
  operationName: string | null | undefined,
): OperationDefinitionNode | 'not found' | 'ambiguous' {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  if (operationName) {
    return operations.find((o) => o.name?.value === operationName) ?? 'not found';
  }
  if (operations.length === 1) return operations[0];
  return operations.length === 0 ? 'not found' : 'ambiguous';
}

export class LimitChecker {
  constructor(
    readonly limits: Limits,
    private schema: GraphQLSchema | null = null,
  ) {}

  /** The schema whose list fields the cost follows (set again when the gateway's schema loads). */
  setSchema(schema: GraphQLSchema): void {
    this.schema = schema;
  }

  /**
   * Parses within the token limit. A document over it is a refusal; any other syntax error is
   * returned as is (Apollo Server answers it as GRAPHQL_PARSE_FAILED).
   */
  parse(source: string): DocumentNode | Refusal | GraphQLError {
    try {
      // Counted with graphql-js's own lexer first: a document over the limit costs the lexing of
      // `maxTokens` tokens and nothing else (an aborted parse of a deeply nested one costs
      // several times more, measured), and the parser is only handed documents within it.
      const lexer = new Lexer(new Source(source));
      let tokens = 0;
      for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
        if (++tokens > this.limits.maxTokens)
          return refusal('MAX_TOKENS_LIMIT', this.limits.maxTokens, tokens);
      }
      return parse(source, { maxTokens: this.limits.maxTokens });
    } catch (error) {
      if (error instanceof GraphQLError) return error;
      throw error;
    }
  }

  /**
   * Checks a source text or a parsed document; `operation` is the one that runs (see
   * `selectOperation`), the document's only one by default.
   */
  checkLimits(
    input: string | DocumentNode,
    request: {
      operation?: OperationDefinitionNode;
      variables?: Readonly<Record<string, unknown>> | null;
    } = {},
  ): Refusal | null {
    const document = typeof input === 'string' ? this.parse(input) : input;
    if (document instanceof GraphQLError) return null;
    if ('code' in document) return document;
    const selected = request.operation ?? selectOperation(document, null);
    if (typeof selected === 'string') return null;
    let measures: Measures;
    try {
      measures = this.measure(document, selected, request.variables ?? {});
    } catch (error) {
      if (error instanceof NestingTooDeep)
        return refusal('MAX_DEPTH_LIMIT', this.limits.maxDepth, MAX_NESTING);
      throw error;
    }
    const { limits } = this;
    const checks: [LimitCode, number, number][] = [
      ['MAX_DEPTH_LIMIT', limits.maxDepth, measures.depth],
      ['MAX_ROOT_FIELDS_LIMIT', limits.maxRootFields, measures.rootFields],
      ['MAX_ALIASES_LIMIT', limits.maxAliases, measures.aliases],
      ['MAX_DIRECTIVES_LIMIT', limits.maxDirectives, measures.directives],
      ['COST_ESTIMATED_TOO_EXPENSIVE', limits.maxCost, measures.cost],
    ];
    for (const [code, limit, found] of checks)
      if (found > limit) return refusal(code, limit, found);
    return null;
  }

  /**
   * Measures one operation. The cost of a field is 0 for a leaf (scalars and enums) and
   * `size × (1 + cost of its selections)` for an object, where `size` is `first` for a list
   * field that takes it (`similarProducts(first: 8)`), the page size of the enclosing
   * connection for the lists inside one (`products(first: 100) { edges nodes }`), and
   * `assumedListSize` for any other list. So `products(first: 100) { nodes { similarProducts(
   * first: 20) { variants { id } } } }` costs about 100 × 20 × assumedListSize.
   */
  measure(
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Readonly<Record<string, unknown>>,
  ): Measures {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of document.definitions)
      if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    const memo = new Map<string, Figures>();
    const inProgress = new Set<string>();
    const { assumedListSize, assumedPageSize } = this.limits;
    const schema = this.schema;

    const sizeFrom = (value: ValueNode | undefined): number | undefined => {
      if (!value) return undefined;
      if (value.kind === Kind.INT) return Math.max(0, Number(value.value));
      if (value.kind === Kind.VARIABLE) {
        const given = variables[value.name.value];
        return typeof given === 'number' && Number.isFinite(given)
          ? Math.max(0, Math.floor(given))
          : assumedPageSize;
      }
      return assumedPageSize;
    };

    const walk = (
      selectionSet: SelectionSetNode,
      parent: GraphQLCompositeType | undefined,
      pageSize: number | undefined,
      nesting: number,
    ): Figures => {
      if (nesting > MAX_NESTING) throw new NestingTooDeep();
      const total: Figures = { depth: 0, aliases: 0, directives: 0, cost: 0, rootFields: 0 };
      const add = (f: Figures, depthOffset: number) => {
        total.depth = Math.max(total.depth, f.depth + depthOffset);
        total.aliases += f.aliases;
        total.directives += f.directives;
        total.cost += f.cost;
        total.rootFields += f.rootFields;
      };
      for (const selection of selectionSet.selections) {
        total.directives += selection.directives?.length ?? 0;
        if (selection.kind === Kind.FIELD) {
          add(field(selection, parent, pageSize, nesting), 0);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const condition = selection.typeCondition
            ? schema?.getType(selection.typeCondition.name.value)
            : parent;
          const type = condition && isCompositeType(condition) ? condition : undefined;
          add(walk(selection.selectionSet, type, pageSize, nesting + 1), 0);
        } else {
          add(spread(selection.name.value, pageSize, nesting), 0);
        }
      }
      return total;
    };

    const spread = (name: string, pageSize: number | undefined, nesting: number): Figures => {
      const key = `${name}:${pageSize ?? ''}`;
      const known = memo.get(key);
      if (known) return known;
      const fragment = fragments.get(name);
      // Unknown or cyclic fragments fail validation later; they add nothing here.
      if (!fragment || inProgress.has(key))
        return { depth: 0, aliases: 0, directives: 0, cost: 0, rootFields: 0 };
      inProgress.add(key);
      const condition = schema?.getType(fragment.typeCondition.name.value);
      const figures = walk(
        fragment.selectionSet,
        condition && isCompositeType(condition) ? condition : undefined,
        pageSize,
        nesting + 1,
      );
      figures.directives += fragment.directives?.length ?? 0;
      inProgress.delete(key);
      memo.set(key, figures);
      return figures;
    };

    const field = (
      node: FieldNode,
      parent: GraphQLCompositeType | undefined,
      pageSize: number | undefined,
      nesting: number,
    ): Figures => {
      const definition = fieldOf(parent, node.name.value);
      const first = node.arguments?.find((a) => a.name.value === 'first')?.value;
      const own = { aliases: node.alias ? 1 : 0, rootFields: 1 };
      if (!node.selectionSet) return { depth: 1, directives: 0, cost: 0, ...own };
      const type = definition?.type;
      const list = type ? isListType(isNonNullType(type) ? type.ofType : type) : false;
      const named = type ? getNamedType(type) : undefined;
      const child = named && isCompositeType(named) ? named : undefined;
      const firstSize = first ? sizeFrom(first) : undefined;
      // A list sized by its own `first`, by the connection it is in, or by the assumption;
      // a connection (an object taking `first`) passes its page size to the lists inside it.
      const size = list ? (firstSize ?? pageSize ?? assumedListSize) : 1;
      const inner = walk(node.selectionSet, child, list ? undefined : firstSize, nesting + 1);
      return {
        depth: inner.depth + 1,
        aliases: own.aliases + inner.aliases,
        directives: inner.directives,
        cost: size * (1 + inner.cost),
        rootFields: 1,
      };
    };

    const root = walk(operation.selectionSet, rootType(schema, operation), undefined, 0);
    return {
      depth: root.depth,
      aliases: root.aliases,
      rootFields: root.rootFields,
      directives: root.directives + (operation.directives?.length ?? 0),
      cost: root.cost,
    };
  }
}

function rootType(
  schema: GraphQLSchema | null,
  operation: OperationDefinitionNode,
): GraphQLCompositeType | undefined {
  if (!schema) return undefined;
  const type = schema.getRootType(operation.operation);
  return type ?? undefined;
}

function fieldOf(
  parent: GraphQLCompositeType | undefined,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  if (!parent || !(isObjectType(parent) || isInterfaceType(parent))) return undefined;
  return parent.getFields()[name];
}
