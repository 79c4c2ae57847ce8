/**
 * The subgraphs the gateway routes to. Adding a subgraph: add it here, give it an entry point
 * and a schema builder (scripts/schema.ts), then run `npm run schema`.
 */
import { env, type Setting } from '../common/config';

export interface SubgraphInfo {
  /** The name in the supergraph (`join__Graph`). */
  name: string;
  /** Default port when run locally. */
  port: number;
  /** Compiled entry point, relative to the project root. */
  entry: string;
}

export const subgraphRegistry: readonly SubgraphInfo[] = [
  { name: 'product', port: 4001, entry: 'dist/subgraphs/product/src/main.js' },
  { name: 'order', port: 4002, entry: 'dist/subgraphs/order/src/main.js' },
  { name: 'user', port: 4003, entry: 'dist/subgraphs/user/src/main.js' },
  { name: 'cart', port: 4004, entry: 'dist/subgraphs/cart/src/main.js' },
  { name: 'search', port: 4005, entry: 'dist/subgraphs/search/src/main.js' },
];

/** `PRODUCT_SUBGRAPH_URL` for `product`. */
export const subgraphUrlVariable = (name: string) => `${name.toUpperCase()}_SUBGRAPH_URL`;

/**
 * The setting for another subgraph's URL: `<NAME>_SUBGRAPH_URL`, by default the subgraph's local
 * port from this registry.
 */
export function subgraphUrlSetting(name: string): Setting<string> {
  const info = subgraphRegistry.find((s) => s.name === name);
  if (!info) throw new Error(`unknown subgraph ${name}`);
  return env.url(subgraphUrlVariable(name), `http://localhost:${info.port}/graphql`);
}
