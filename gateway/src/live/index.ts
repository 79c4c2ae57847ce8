/**
 * Live updates: GraphQL subscriptions served by the gateway itself (@apollo/gateway executes none),
 * over WebSocket (graphql-ws) and multipart HTTP at /graphql. See the README, "Live updates".
 */
import type { Server } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import type { Route } from '../../../common/http';
import type { StoreEventSubscriber } from '../../../common/store-events';
import type { Authenticator } from '../auth';
import type { GatewayContext } from '../datasource';
import { multipartRoute } from './multipart';
import { LiveService, type LiveServiceOptions } from './service';
import { serveWebSocket, type WebSocketTransport } from './websocket';

export { liveSubscriptionCount } from './service';
export { liveSettings, type LiveSettings } from './settings';
export { CLOSE as LIVE_CLOSE_CODES } from './websocket';

export interface Live {
  service: LiveService;
  /** Add to Apollo Server's plugins (the schema, and plain-HTTP subscriptions answered). */
  plugin: LiveService['plugin'];
  /** Add to the HTTP front's routes (multipart subscriptions). */
  route: Route;
  /** Once Apollo Server has started: queries run through it, events come from the bus. */
  start(apollo: ApolloServer<GatewayContext>, events: StoreEventSubscriber): void;
  /** Once the HTTP server listens: WebSocket upgrades at /graphql. */
  attach(server: Server): void;
  /** Live subscriptions of this gateway. */
  count(): number;
  /** Completes every subscription and closes their connections (call before the server closes). */
  close(): Promise<void>;
}

export function createLive(
  options: LiveServiceOptions & { authenticator: Authenticator; trustedProxyHops: number },
): Live {
  const service = new LiveService(options);
  const multipart = multipartRoute(service, options.authenticator);
  let websocket: WebSocketTransport | null = null;
  return {
    service,
    plugin: service.plugin,
    route: multipart.route,
    start: (apollo, events) => service.start(apollo, events),
    attach(server) {
      websocket = serveWebSocket(server, service, options.authenticator, options.trustedProxyHops);
    },
    count: () => service.hub.size,
    async close() {
      service.close();
      await websocket?.close();
    },
  };
}
