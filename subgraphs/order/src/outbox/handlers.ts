/**
 * What the order service does with its outbox events: emails the customer about order events,
 * tells the cart service to empty a cart that was checked out, tells the search service about
 * placed orders and stock changes, and publishes store events (orders and stock changed) on the
 * store's event bus for the gateways.
 *
 * Emails are sent at most once per event in all but one narrow case. Before sending, the handler
 * looks for the event in `notifications_sent`; right after the mail server accepts the message
 * (250), it records the event there, in its own statement, committed at once and independent of
 * the dispatcher's batch. So a batch that rolls back, a dispatcher restarted mid-way or a replica
 * taking over never sends an accepted email again. The one window left: the process dies (or
 * PostgreSQL fails) between the server's 250 and that insert; the event is then delivered again
 * and the email sent twice. Never sending twice would mean recording before sending, which loses
 * the email when the process dies before the send; at-least-once is the better failure. The
 * duplicate carries the same Message-ID (`<type.eventId@sender-domain>`) so mail systems that
 * de-duplicate on it can; Amazon SES replaces Message-ID, so there the id travels in the
 * `X-Storefront-Message-Id` header.
 */
import { MailRejectedError, type Mailer } from '../../../../common/mail';
import type { DomainEventPublisher } from '../../../../common/domain-events';
import type { Logger } from '../../../../common/logger';
import { parseStoreEvent, type StoreEventPublisher } from '../../../../common/store-events';
import { cartServiceNotifier, type CartNotifier } from '../cart.client';
import {
  describeError,
  PermanentDeliveryError,
  type OutboxHandler,
  type OutboxHandlers,
} from './dispatcher';
import { renderOrderEmail } from './emails';
import {
  InvalidPayloadError,
  OutboxEventType,
  orderEventTypes,
  parseCartCheckedOut,
  parseOrderEvent,
  parseSearchOrderPlaced,
  parseSearchStockChanged,
  type OrderEventType,
} from './events';
import { searchServiceNotifier, type SearchNotifier } from '../search.client';
import { notificationSent, recordNotificationSent } from './sent.repository';
import { domainEventHandler, domainEventOfStoreEvent, orderDomainEventHandler } from './domain';

export interface NotificationHandlerOptions {
  mailer: Mailer;
  /** The cart subgraph's GraphQL endpoint (CART_SUBGRAPH_URL). */
  cartUrl: string;
  /**
   * The search subgraph's GraphQL endpoint (SEARCH_SUBGRAPH_URL). Read at every delivery, so a
   * getter can supply a URL known only later.
   */
  readonly searchUrl: string;
  /** INTERNAL_IDENTITY_SECRET, to sign the order service's identity for the other services. */
  identitySecret: string;
  logger: Logger;
  /** Signs the emails; default "Storefront". */
  storeName?: string;
  /** Where `store.event` goes: the store's event bus. Without it they are delivered to nobody. */
  events?: StoreEventPublisher;
  /**
   * The store's SNS topic. With it, the order events and stock changes are published there as
   * domain events, and the emails and the search signals come from the consumers of their queues
   * (./domain.ts) instead of these handlers.
   */
  domainEvents?: DomainEventPublisher;
}

/** The Message-ID of the email for an event: stable across redeliveries. */
export const notificationMessageId = (type: string, eventId: string) => `${type}.${eventId}`;

export function orderEmailHandler(
  type: OrderEventType,
  options: NotificationHandlerOptions,
): OutboxHandler {
  const { mailer, logger } = options;
  return async (event, { db, schema }) => {
    const order = parseOrderEvent(event.type, event.payload);
    if (await notificationSent(db, schema, event.eventId)) {
      logger.info('order email already sent; not sending it again', {
        eventId: event.eventId,
        type,
      });
      return;
    }
    const email = renderOrderEmail(type, order, options.storeName);
    try {
      await mailer.send({
        to: order.email,
        subject: email.subject,
        text: email.text,
        html: email.html,
        messageId: notificationMessageId(type, event.eventId),
      });
    } catch (error) {
      if (error instanceof MailRejectedError && error.permanent) {
        throw new PermanentDeliveryError(error.message);
      }
      throw error;
    }
    try {
      await recordNotificationSent(db, schema, event.eventId);
    } catch (error) {
      // The email is out. Failing here would send it again; the outbox row is still marked
      // delivered when the batch commits, which is the second guard.
      logger.error('order email sent but not recorded; a redelivery would send it again', {
        eventId: event.eventId,
        type,
        error: describeError(error),
      });
    }
    logger.info('order email sent', { eventId: event.eventId, type, orderId: order.orderId });
  };
}

function cartCheckedOutHandler(cart: CartNotifier): OutboxHandler {
  return async (event) => {
    const { cartId, orderId } = parseCartCheckedOut(event.type, event.payload);
    await cart.checkedOut(cartId, orderId);
  };
}

function searchOrderPlacedHandler(search: SearchNotifier): OutboxHandler {
  return async (event) => {
    await search.orderPlaced(parseSearchOrderPlaced(event.type, event.payload));
  };
}

function searchStockChangedHandler(search: SearchNotifier): OutboxHandler {
  return async (event) => {
    const { productIds } = parseSearchStockChanged(event.type, event.payload);
    if (productIds.length > 0) await search.stockChanged(productIds);
  };
}

function storeEventHandler(
  events: StoreEventPublisher | undefined,
  domainEvents: DomainEventPublisher | undefined,
): OutboxHandler {
  return async (event) => {
    const storeEvent = parseStoreEvent(event.payload);
    if (!storeEvent) throw new InvalidPayloadError(event.type, 'the payload is not a store event');
    // The topic first: a retry after a bus failure publishes the same event id again, which
    // consumers de-duplicate; the bus is at most once anyway.
    const domain = domainEvents ? domainEventOfStoreEvent(event, storeEvent) : null;
    if (domain) await domainEvents?.publish(domain);
    await events?.publish(storeEvent);
  };
}

/** The handlers for every event type the order service writes to its outbox. */
export function createNotificationHandlers(options: NotificationHandlerOptions): OutboxHandlers {
  // The URLs are read at every call: a test stack knows them only once its services listen.
  const cart = cartServiceNotifier({
    get url() {
      return options.cartUrl;
    },
    identitySecret: options.identitySecret,
    timeoutMs: 10_000,
  });
  const search = searchServiceNotifier({
    get url() {
      return options.searchUrl;
    },
    identitySecret: options.identitySecret,
    timeoutMs: 10_000,
  });
  const handlers: Record<string, OutboxHandler> = {
    [OutboxEventType.CartCheckedOut]: cartCheckedOutHandler(cart),
    [OutboxEventType.SearchOrderPlaced]: searchOrderPlacedHandler(search),
    [OutboxEventType.SearchStockChanged]: searchStockChangedHandler(search),
    [OutboxEventType.StoreEvent]: storeEventHandler(options.events, options.domainEvents),
    [OutboxEventType.DomainEvent]: domainEventHandler(options.domainEvents),
  };
  for (const type of orderEventTypes) handlers[type] = orderEmailHandler(type, options);
  const topic = options.domainEvents;
  if (topic) {
    // The topic carries the order events; the notifications queue's consumer sends the emails,
    // the search service reads its own queue (orders placed, stock changed).
    for (const type of orderEventTypes) handlers[type] = orderDomainEventHandler(topic);
    handlers[OutboxEventType.SearchOrderPlaced] = async () => undefined;
    handlers[OutboxEventType.SearchStockChanged] = async () => undefined;
  }
  return handlers;
}
