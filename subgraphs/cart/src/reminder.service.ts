/**
 * Abandoned-cart reminders. Every few minutes the job looks for shoppers' carts with lines that
 * nobody changed for ABANDONED_CART_AFTER_MINUTES and that were not reminded since their last
 * change, and emails the shopper once per such cart state.
 *
 * Finding them is one Query per shard of the sparse `byReminderDue` index (see cart.table.ts): only
 * owned, non-empty, not-yet-reminded carts are in it, ordered by `updatedAt`. Nothing scans.
 *
 * Sending is at least once, guarded against doubles:
 *   1. claim: a conditional write (cart unchanged, still due, nobody else holding it) takes the
 *      cart's reminder for `claimSeconds`, so two replicas running the job never both send;
 *   2. send through the Mailer (resolves once the mail server accepted the message);
 *   3. mark: `remindedAt` set and the cart out of the index, conditional on the version read.
 * A crash between 2 and 3 sends the reminder again once the claim has lapsed: a rare duplicate,
 * with the same Message-ID (`cart-reminder-<cartId>-<updatedAt>`) so mail systems can fold it.
 * Marking before sending would instead lose the reminder on such a crash; for a reminder
 * the shopper would otherwise never get, a rare duplicate is the better failure. A failed send
 * gives the claim back, so the next run tries again. A change to the cart meanwhile makes the
 * mark fail (the cart is due again from its new `updatedAt`, a new reminder later).
 */
import {
  domainEvent,
  eventIdFor,
  type DomainEvent,
  type DomainEventPublisher,
} from '../../../common/domain-events';
import { escapeHtml } from '../../../common/email';
import type { Logger } from '../../../common/logger';
import type { Mailer, MailMessage } from '../../../common/mail';
import { formatMinorUnits } from '../../../common/money';
import type { Catalog } from './product.client';
import type { Cart, CatalogVariant } from './domain';
import {
  claimReminder,
  dropExpiredFromReminders,
  getCarts,
  markReminded,
  queryReminderDue,
  releaseReminder,
} from './cart.repository';
import type { ShopperContact, ShopperDirectory } from './user.client';
import { REMINDER_SHARDS, isDueForReminder, key, type CartTable } from './cart.table';

export interface ReminderSettings {
  /** A cart is abandoned this long after its last change (ABANDONED_CART_AFTER_MINUTES). */
  afterMinutes: number;
  /** Most carts per shard and run; the rest wait for the next run. */
  batchSize?: number;
  /** How long a sender holds a cart's reminder before another may try it. */
  claimSeconds?: number;
  /** The store's name in the email. */
  storeName?: string;
}

export interface ReminderDependencies {
  db: CartTable;
  shoppers: ShopperDirectory;
  catalog: Catalog;
  mailer: Mailer;
  logger: Logger;
  settings: ReminderSettings;
  /**
   * The store's SNS topic: a cart claimed for its reminder is published as `cart.abandoned`
   * first, with an id made from the cart and its last change (the same on a retry).
   */
  topic?: DomainEventPublisher;
}

export interface ReminderReport {
  /** Reminders the mail server accepted. */
  sent: number;
  /** Due carts left alone: taken by another sender, changed meanwhile, or without an email. */
  skipped: number;
  /** Sends that failed; tried again on the next run. */
  failed: number;
}

type OwnedCart = Cart & { ownerSub: string };

export class AbandonedCartReminders {
  constructor(private readonly deps: ReminderDependencies) {}

  /** One pass over the due carts, as of `now`. */
  async runOnce(now: Date = new Date()): Promise<ReminderReport> {
    const { db, settings, logger } = this.deps;
    const report: ReminderReport = { sent: 0, skipped: 0, failed: 0 };
    const before = new Date(now.getTime() - settings.afterMinutes * 60_000).toISOString();
    const shards = Array.from({ length: REMINDER_SHARDS }, (_, n) => key.reminderShard(n));
    const ids = (
      await Promise.all(
        shards.map((shard) => queryReminderDue(db, shard, before, settings.batchSize ?? 100)),
      )
    ).flat();
    if (ids.length === 0) return report;

    const carts = await getCarts(db, ids, now);
    // Expired carts stay in the index until DynamoDB deletes them (never, on a local stand-in).
    await Promise.all(
      ids.filter((id) => !carts.has(id)).map((id) => dropExpiredFromReminders(db, id, now)),
    );
    const due = [...carts.values()].filter(
      (cart): cart is OwnedCart => isDueForReminder(cart) && cart.updatedAt < before,
    );
    if (due.length === 0) return report;

    let contacts: Map<string, ShopperContact>;
    try {
      contacts = await this.deps.shoppers.contacts([...new Set(due.map((c) => c.ownerSub))]);
    } catch (error) {
      logger.warn('cannot look up shoppers for cart reminders; trying again next run', {
        error: error instanceof Error ? error.message : String(error),
      });
      report.failed += due.length;
      return report;
    }
    const variants = await this.variantsOf(due);

    for (const cart of due) {
      const contact = contacts.get(cart.ownerSub);
      if (!contact) {
        // No profile or no email: nobody to remind. Out of the index, so it is not asked again.
        await markReminded(db, cart.id, cart.version, now);
        report.skipped++;
        continue;
      }
      const until = new Date(now.getTime() + (settings.claimSeconds ?? 600) * 1000);
      if (!(await claimReminder(db, cart.id, cart.version, now, until))) {
        report.skipped++;
        continue;
      }
      try {
        await this.deps.topic?.publish(cartAbandonedEvent(cart, contact));
        await this.deps.mailer.send(reminderEmail(cart, contact, variants, settings.storeName));
      } catch (error) {
        await releaseReminder(db, cart.id, cart.version);
        logger.warn('cart reminder not published or not accepted; trying again next run', {
          cartId: cart.id,
          error: error instanceof Error ? error.message : String(error),
        });
        report.failed++;
        continue;
      }
      if (!(await markReminded(db, cart.id, cart.version, now))) {
        logger.info('cart changed while its reminder was sent; it is due again later', {
          cartId: cart.id,
        });
      }
      report.sent++;
    }
    return report;
  }

  /** Titles and prices for the emails; without them the email just lists quantities. */
  private async variantsOf(carts: Cart[]): Promise<Map<string, CatalogVariant>> {
    const ids = [...new Set(carts.flatMap((c) => c.lines.map((l) => l.variantId)))];
    try {
      return await this.deps.catalog.variants(ids);
    } catch (error) {
      this.deps.logger.warn('cannot read variant titles for cart reminders', {
        error: error instanceof Error ? error.message : String(error),
      });
      return new Map();
    }
  }
}

// ---- the email -----------------------------------------------------------------------------------

/** The stable Message-ID of the reminder for one state of a cart. */
export const reminderMessageId = (cart: Pick<Cart, 'id' | 'updatedAt'>) =>
  `cart-reminder-${cart.id}-${cart.updatedAt}`;

export function reminderEmail(
  cart: Cart,
  contact: ShopperContact,
  variants: Map<string, CatalogVariant>,
  storeName = 'Storefront',
): MailMessage {
  const items = cart.lines
    .filter((line) => variants.size === 0 || variants.has(line.variantId))
    .map((line) => {
      const variant = variants.get(line.variantId);
      const name = variant ? `${variant.productTitle} (${variant.title})` : 'An item';
      const price = variant
        ? `${formatMinorUnits(variant.price)} ${variant.currencyCode} each`
        : '';
      return { quantity: line.quantity, name, price };
    });
  const expires = cart.expiresAt.slice(0, 10);
  const greeting = contact.name ? `Hello ${contact.name},` : 'Hello,';
  const subject = 'You left something in your cart';
  const intro = `You left ${items.length === 1 ? 'an item' : 'some items'} in your cart at ${storeName}:`;
  const outro = `Your cart is saved until ${expires}. Sign in to pick up where you left off.`;
  const text = [
    greeting,
    '',
    intro,
    ...items.map((i) => `  ${i.quantity} × ${i.name}${i.price ? `, ${i.price}` : ''}`),
    '',
    outro,
    '',
  ].join('\n');
  const html = [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>`,
    `<p>${escapeHtml(greeting)}</p>`,
    `<p>${escapeHtml(intro)}</p>`,
    '<ul>',
    ...items.map(
      (i) =>
        `<li>${i.quantity} × ${escapeHtml(i.name)}${i.price ? `, ${escapeHtml(i.price)}` : ''}</li>`,
    ),
    '</ul>',
    `<p>${escapeHtml(outro)}</p>`,
    '</body></html>',
  ].join('\n');
  return { to: contact.email, subject, text, html, messageId: reminderMessageId(cart) };
}

// ---- the schedule --------------------------------------------------------------------------------

export interface ReminderJob {
  /** Stops scheduling and waits for a run in progress. */
  stop(): Promise<void>;
}

/** Runs the reminders every `intervalSeconds`, never two runs at once in this process. */
export function startReminderJob(
  reminders: AbandonedCartReminders,
  intervalSeconds: number,
  logger: Logger,
): ReminderJob {
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = reminders
      .runOnce()
      .then((report) => {
        if (report.sent + report.failed > 0) logger.info('cart reminders', { ...report });
      })
      .catch((error: unknown) =>
        logger.error('cart reminder run failed', {
          error: error instanceof Error ? error.message : String(error),
        }),
      )
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, intervalSeconds * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** `cart.abandoned` for a shopper's cart left unchanged (docs/events.md). */
export function cartAbandonedEvent(cart: OwnedCart, contact: ShopperContact): DomainEvent<object> {
  return domainEvent(
    'cart.abandoned',
    'cart',
    cart.id,
    {
      cartId: cart.id,
      ownerSub: cart.ownerSub,
      email: contact.email,
      lines: cart.lines.map((line) => ({ variantId: line.variantId, quantity: line.quantity })),
      lastChangedAt: cart.updatedAt,
    },
    { id: eventIdFor(`cart.abandoned:${cart.id}:${cart.updatedAt}`) },
  );
}
