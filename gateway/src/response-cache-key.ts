/** What the response cache reads from a request to key it, without parsing any GraphQL. */
import type { HeaderMap } from '@apollo/server';
import type { GraphQLHttpRequest } from '../../common/http';

const SIMPLE_CONTENT_TYPES = [
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'text/plain',
];

/** JSON with object keys sorted, so that equal variables make equal keys. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface Params {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
  documentId?: unknown;
}

export function paramsOf(request: GraphQLHttpRequest): Params | null {
  if (request.method === 'POST') {
    const body = request.body;
    return typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Params)
      : null;
  }
  const search = new URLSearchParams(request.search);
  try {
    const json = (name: string) => {
      const raw = search.get(name);
      return raw === null || raw === '' ? undefined : (JSON.parse(raw) as unknown);
    };
    return {
      query: search.get('query') ?? undefined,
      operationName: search.get('operationName') ?? undefined,
      documentId: search.get('documentId') ?? undefined,
      variables: json('variables'),
      extensions: json('extensions'),
    };
  } catch {
    return null;
  }
}

/** Apollo Server's CSRF rule: a simple request (no preflight) is never run, hit or miss. */
export function preflighted(headers: HeaderMap): boolean {
  const type = headers.get('content-type')?.split(';')[0].trim().toLowerCase();
  if (type && !SIMPLE_CONTENT_TYPES.includes(type)) return true;
  return Boolean(headers.get('apollo-require-preflight') || headers.get('x-apollo-operation-name'));
}
