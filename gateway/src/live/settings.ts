/** The settings of live updates (subscriptions), read with the gateway's. */
import { env } from '../../../common/config';

export const liveSettings = {
  /** Subscriptions one WebSocket connection may hold at once. */
  maxPerConnection: env.int('LIVE_MAX_PER_CONNECTION', 25, { min: 1, max: 10_000 }),
  /** Subscriptions one client address may hold at once, over both transports. */
  maxPerAddress: env.int('LIVE_MAX_PER_ADDRESS', 500, { min: 1, max: 10_000_000 }),
  /** A WebSocket connection holding no subscription is closed after this long. */
  idleTimeoutSeconds: env.int('LIVE_IDLE_TIMEOUT_SECONDS', 120, { min: 1, max: 86_400 }),
  /** Heartbeats: a WebSocket ping (and a `{}` part over multipart HTTP) this often. */
  heartbeatSeconds: env.int('LIVE_HEARTBEAT_SECONDS', 10, { min: 1, max: 600 }),
  /** Events one subscriber may have waiting; beyond it the slow consumer is disconnected. */
  bufferEvents: env.int('LIVE_BUFFER_EVENTS', 64, { min: 1, max: 100_000 }),
  /** Bytes one connection may have unsent; beyond it the slow consumer is disconnected. */
  bufferBytes: env.int('LIVE_BUFFER_BYTES', 1_048_576, { min: 1_024, max: 1_073_741_824 }),
};

export interface LiveSettings {
  maxPerConnection: number;
  maxPerAddress: number;
  idleTimeoutSeconds: number;
  heartbeatSeconds: number;
  bufferEvents: number;
  bufferBytes: number;
}
