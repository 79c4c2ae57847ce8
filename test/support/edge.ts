/** Gateways with edge settings of their own, over the subgraphs of a running test stack. */
import { loadGatewayConfig } from '../../gateway/src/config';
import { startGateway } from '../../gateway/src/server';
import { createLogger } from '../../common/logger';
import { readFileSync } from 'node:fs';
import { projectPath } from '../../common/paths';
import type { PersistedQueryManifest } from '../../gateway/src/trusted-documents';
import { cognito } from './services';
import { identitySecret, type Stack } from './stack';

export interface EdgeGateway {
  url: string;
  base: string;
  gateway: Awaited<ReturnType<typeof startGateway>>;
  close(): Promise<void>;
}

export async function startEdgeGateway(
  stack: Stack,
  settings: Record<string, string> = {},
): Promise<EdgeGateway> {
  const subgraph = (port: number) => `http://127.0.0.1:${port}/graphql`;
  const config = loadGatewayConfig({
    PORT: '0',
    PRODUCT_SUBGRAPH_URL: subgraph(stack.product.port),
    ORDER_SUBGRAPH_URL: subgraph(stack.order.port),
    USER_SUBGRAPH_URL: subgraph(stack.user.port),
    CART_SUBGRAPH_URL: subgraph(stack.cart.port),
    SEARCH_SUBGRAPH_URL: subgraph(stack.search.port),
    SUBGRAPH_TIMEOUT_MS: '3000',
    INTERNAL_IDENTITY_SECRET: identitySecret,
    COGNITO_USER_POOL_ID: cognito().userPoolId,
    COGNITO_CLIENT_ID: cognito().clientId,
    COGNITO_JWKS_URL: cognito().jwksUrl,
    RESPONSE_CACHE: 'false',
    ...settings,
  });
  const gateway = await startGateway(config, createLogger('test', { silent: true }), {
    host: '127.0.0.1',
  });
  const base = `http://127.0.0.1:${gateway.port}`;
  return { url: `${base}/graphql`, base, gateway, close: () => gateway.close() };
}

export const manifest = JSON.parse(
  readFileSync(projectPath('schema', 'persisted-operations.json'), 'utf8'),
) as PersistedQueryManifest;

export function registered(name: string) {
  const entry = manifest.operations.find((o) => o.name === name);
  if (!entry) throw new Error(`${name} is not in the manifest`);
  return entry;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
}

export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Answer['body'],
  };
}

export async function get(
  url: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${url}?${new URLSearchParams(params).toString()}`, {
    headers: { 'apollo-require-preflight': 'true', ...headers },
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Answer['body'],
  };
}

export const codes = (answer: Answer) => (answer.body.errors ?? []).map((e) => e.extensions?.code);
