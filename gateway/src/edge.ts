/**
 * The edge's request pipeline, run by the HTTP front after the caller is authenticated and
 * before Apollo Server sees the request: resolve a document id to a trusted document (or refuse
 * an unregistered operation in `require` mode), parse an ad-hoc document within the token limit,
 * take the request's rate-limit points, check the limits and the input. Every refusal is an
 * HttpError: HTTP 400 (429 for the rate limit) with a code from the error registry.
 */
import {
  GraphQLError,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { LRUCache } from 'lru-cache';
import type { ErrorCode } from '../../common/errors';
import { HttpError, type GraphQLHttpRequest } from '../../common/http';
import type { RequestIdentity } from '../../common/identity';
import type { Logger } from '../../common/logger';
import { checkLiterals, checkVariables } from './input-guard';
import { LimitChecker, selectOperation, type Refusal } from './limits';
import type { RateLimits } from './rate-limit';
import { documentIdOf, type PersistedQueryCache, type TrustedDocuments } from './trusted-documents';

export type TrustedDocumentsMode = 'off' | 'allow' | 'require';

export interface EdgeOptions {
  mode: TrustedDocumentsMode;
  /** Whether admins may send operations that are not registered in `require` mode. */
  adminAdHoc: boolean;
  trusted: TrustedDocuments;
  /** Apollo's persisted-query cache (for ids registered by clients in `off` mode). */
  persistedQueries: PersistedQueryCache;
  checker: LimitChecker;
  rateLimits: RateLimits | null;
  logger: Logger;
}

/** What a client sent, from a POST body or a GET query string. */
interface Params {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
  documentId?: unknown;
}

/** Refusals the edge has answered, by code (for metrics and tests). */
export type RefusalCounts = Record<string, number>;

/** A refusal: HTTP 400 with a code from the error registry. */
const bad = (code: ErrorCode, message: string) => new HttpError(400, code, message);

function readParams(request: GraphQLHttpRequest): Params | null {
  if (request.method === 'POST') {
    const body = request.body;
    return typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Params)
      : null;
  }
  if (request.method !== 'GET') return null;
  const search = new URLSearchParams(request.search);
  const json = (name: string): unknown => {
    const raw = search.get(name);
    if (raw === null || raw === '') return undefined;
    return JSON.parse(raw) as unknown;
  };
  try {
    return {
      query: search.get('query') ?? undefined,
      operationName: search.get('operationName') ?? undefined,
      documentId: search.get('documentId') ?? undefined,
      variables: json('variables'),
      extensions: json('extensions'),
    };
  } catch {
    return null; // Apollo Server answers malformed JSON in the query string.
  }
}

/** The request with the document named by Apollo's persisted-query extension, not `documentId`. */
function withPersistedQuery(request: GraphQLHttpRequest, params: Params, id: string) {
  const extensions = {
    ...(typeof params.extensions === 'object' && params.extensions !== null
      ? params.extensions
      : {}),
    persistedQuery: { version: 1, sha256Hash: id },
  };
  if (request.method === 'POST') {
    const { documentId: _documentId, ...body } = params;
    return { ...request, body: { ...body, extensions } };
  }
  const search = new URLSearchParams(request.search);
  search.delete('documentId');
  search.set('extensions', JSON.stringify(extensions));
  return { ...request, search: `?${search.toString()}` };
}

export class Edge {
  private schema: GraphQLSchema | null = null;
  /** Trusted documents whose worst case (every `first` at the largest page) passes the limits. */
  private withinLimits = new Set<string>();
  /** Recently seen ad-hoc documents, parsed. */
  private readonly parsed = new LRUCache<string, DocumentNode | Refusal>({ max: 500 });
  /** What the literals of an ad-hoc document hold (they do not change between requests). */
  private readonly literals = new WeakMap<DocumentNode, string | null>();
  readonly refusals: RefusalCounts = {};

  constructor(private readonly options: EdgeOptions) {}

  /** Called when the gateway's schema loads: the cost follows its lists, the input its types. */
  schemaLoaded(schema: GraphQLSchema): void {
    this.schema = schema;
    this.options.checker.setSchema(schema);
    this.withinLimits = new Set();
    for (const entry of this.options.trusted.all()) {
      const refused = this.options.checker.checkLimits(entry.document);
      if (!refused) this.withinLimits.add(entry.id);
      else
        this.options.logger.warn('a trusted document exceeds the limits at its largest page', {
          operation: entry.name,
          limit: refused.code,
        });
    }
  }

  private refuse(error: HttpError): never {
    this.refusals[error.code] = (this.refusals[error.code] ?? 0) + 1;
    throw error;
  }

  private parse(source: string): DocumentNode | Refusal | null {
    const known = this.parsed.get(source);
    if (known) return known;
    const result = this.options.checker.parse(source);
    if (result instanceof GraphQLError) return null; // a syntax error: Apollo Server answers it
    this.parsed.set(source, result);
    return result;
  }

  prepare = async (
    incoming: GraphQLHttpRequest,
    context: { identity: RequestIdentity },
  ): Promise<GraphQLHttpRequest> => {
    const { mode, trusted, adminAdHoc } = this.options;
    const params = readParams(incoming);
    if (!params) return incoming;
    let request = incoming;
    const id = documentIdOf(params);
    if (id === undefined)
      this.refuse(
        params.documentId !== undefined
          ? bad('BAD_REQUEST', 'documentId must be "sha256:" followed by 64 hex digits.')
          : bad('PERSISTED_QUERY_NOT_FOUND', 'The persisted query hash is not a SHA-256.'),
      );
    const sent = typeof params.query === 'string' && params.query !== '' ? params.query : null;
    const entry = id ? trusted.get(id) : undefined;
    const viewer = context.identity.viewer;
    const adHocAllowed =
      mode !== 'require' || (adminAdHoc && viewer.kind === 'user' && viewer.isAdmin);
    if (sent === null && !id) return request; // Apollo Server answers a request with no document.
    if (id && params.documentId !== undefined) request = withPersistedQuery(request, params, id);

    let document: DocumentNode;
    let trustedId: string | null = null;
    if (entry && (sent === null || sent === entry.body)) {
      document = entry.document;
      trustedId = entry.id;
    } else {
      // A document registered by a client (automatic persisted queries, `off` mode only) is
      // checked like the text it was registered with.
      const registered =
        sent === null && id && mode === 'off'
          ? await this.options.persistedQueries.get(`apq:${id}`)
          : undefined;
      const query = sent ?? registered;
      if (!query)
        this.refuse(bad('PERSISTED_QUERY_NOT_FOUND', 'No operation is registered with this id.'));
      if (!adHocAllowed)
        this.refuse(
          id
            ? bad('PERSISTED_QUERY_NOT_IN_LIST', 'This operation is not registered.')
            : bad(
                'PERSISTED_QUERY_ID_REQUIRED',
                'Send a registered operation by its documentId; operation text is not accepted.',
              ),
        );
      const parsed = this.parse(query);
      if (!parsed) {
        // A syntax error, which Apollo Server answers; it still counts against the rate limit.
        await this.options.rateLimits?.consume(context.identity, 'query');
        return request;
      }
      if ('code' in parsed) this.refuse(bad(parsed.code, parsed.message));
      document = parsed;
    }

    const operationName = typeof params.operationName === 'string' ? params.operationName : null;
    const operation = selectOperation(document, operationName);
    if (operation === 'not found' || operation === 'ambiguous')
      this.refuse(
        bad(
          'OPERATION_RESOLUTION_FAILURE',
          operation === 'ambiguous'
            ? 'The document holds several operations; say which one to run with operationName.'
            : operationName
              ? `The document has no operation named "${operationName}".`
              : 'The document holds no operation.',
        ),
      );
    await this.options.rateLimits?.consume(context.identity, operation.operation);
    this.check(document, operation, params.variables, trustedId);
    return request;
  };

  private check(
    document: DocumentNode,
    operation: OperationDefinitionNode,
    rawVariables: unknown,
    trustedId: string | null,
  ): void {
    const variables =
      typeof rawVariables === 'object' && rawVariables !== null && !Array.isArray(rawVariables)
        ? (rawVariables as Record<string, unknown>)
        : null;
    if (!trustedId || !this.withinLimits.has(trustedId)) {
      const refused = this.options.checker.checkLimits(document, { operation, variables });
      if (refused) this.refuse(bad(refused.code, refused.message));
    }
    let literals: string | null = null;
    if (!trustedId) {
      const known = this.literals.get(document);
      literals = known === undefined ? checkLiterals(this.schema, document) : known;
      if (known === undefined) this.literals.set(document, literals);
    }
    const input = checkVariables(this.schema, operation, variables) ?? literals;
    if (input) this.refuse(bad('BAD_USER_INPUT', input));
  }
}
