/**
 * Order notifications: the outbox dispatcher with the order service's handlers, as main.ts
 * starts it. See README.md in this folder.
 */
import type { Pool } from 'pg';
import { env, loadConfig } from '../../../../common/config';
import type { Logger } from '../../../../common/logger';
import { createSmtpMailer, type Mailer } from '../../../../common/mail';
import type { StoreEventPublisher } from '../../../../common/store-events';
import type { DomainEventPublisher } from '../../../../common/domain-events';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { startOutboxDispatcher, type OutboxDispatcher } from './dispatcher';
import { createNotificationHandlers, orderEmailHandler } from './handlers';
import { startNotificationsConsumer } from './domain';

export {
  backoffDelay,
  PermanentDeliveryError,
  startOutboxDispatcher,
  type DeliveryResources,
  type OutboxDispatcher,
  type OutboxDispatcherOptions,
  type OutboxHandler,
  type OutboxHandlers,
} from './dispatcher';
export { createNotificationHandlers, notificationMessageId } from './handlers';
export * from './events';
export type { OutboxEvent } from './outbox.repository';

/** The environment the notifications read (merged into the order service's settings). */
export const notificationSettings = {
  /** smtp://user:pass@host:port or smtps://…; Amazon SES in production (see common/mail.ts). */
  smtpUrl: env.url('SMTP_URL', undefined, ['smtp', 'smtps']),
  mailFrom: env.string('MAIL_FROM', 'Storefront <orders@example.com>'),
  outboxPollMs: env.int('OUTBOX_POLL_MS', 1_000, { min: 10, max: 600_000 }),
};

export const loadNotificationConfig = (source: Record<string, string | undefined> = process.env) =>
  loadConfig(notificationSettings, source);

export interface StartNotificationsOptions {
  pool: Pool;
  logger: Logger;
  /** INTERNAL_IDENTITY_SECRET. */
  identitySecret: string;
  smtpUrl: string;
  mailFrom: string;
  outboxPollMs: number;
  cartSubgraphUrl: string;
  /**
   * The search subgraph's GraphQL endpoint (SEARCH_SUBGRAPH_URL), where `search.*` events go.
   * Read at every delivery, so a getter can supply a URL known only later.
   */
  readonly searchSubgraphUrl: string;
  /** Instead of the SMTP mailer built from smtpUrl and mailFrom (the caller closes it). */
  mailer?: Mailer;
  /** The store's event bus, for `store.event` (the caller closes it). */
  events?: StoreEventPublisher;
  /**
   * The store's SNS topic (the caller closes it): order events and stock changes are published
   * there, and the emails are sent from `notificationsQueue` (see ./domain.ts).
   */
  domainEvents?: DomainEventPublisher;
  /** The queue of the order events the emails are sent from (NOTIFICATIONS_QUEUE_URL). */
  notificationsQueue?: { sqs: SQSClient; queueUrl: string };
  batchSize?: number;
  maxBackoffMs?: number;
}

/**
 * Starts delivering the outbox: every replica of the order service may run one. `stop()` waits
 * for the batch in progress and closes the mail connections; call it before ending the pool.
 */
export function startNotifications(options: StartNotificationsOptions): OutboxDispatcher {
  const ownMailer = options.mailer === undefined;
  const mailer =
    options.mailer ?? createSmtpMailer({ url: options.smtpUrl, from: options.mailFrom });
  const handlerOptions = {
    mailer,
    cartUrl: options.cartSubgraphUrl,
    get searchUrl() {
      return options.searchSubgraphUrl;
    },
    identitySecret: options.identitySecret,
    logger: options.logger,
    storeName: displayName(options.mailFrom),
    events: options.events,
    domainEvents: options.domainEvents,
  };
  const handlers = createNotificationHandlers(handlerOptions);
  const dispatcher = startOutboxDispatcher({
    pool: options.pool,
    handlers,
    logger: options.logger,
    batchSize: options.batchSize ?? 20,
    pollIntervalMs: options.outboxPollMs,
    maxBackoffMs: options.maxBackoffMs ?? 15 * 60_000,
  });
  const queue = options.notificationsQueue;
  const consumer = queue
    ? startNotificationsConsumer({
        ...queue,
        pool: options.pool,
        logger: options.logger,
        emailHandler: (type) => orderEmailHandler(type, handlerOptions),
      })
    : null;
  return {
    drain: () => dispatcher.drain(),
    async stop() {
      await Promise.all([dispatcher.stop(), consumer?.stop()]);
      if (ownMailer) await mailer.close();
    },
  };
}

/** "Storefront" for `Storefront <orders@example.com>`. */
function displayName(from: string): string {
  const match = /^\s*"?([^"<]+?)"?\s*</.exec(from);
  return match ? match[1].trim() : 'Storefront';
}
