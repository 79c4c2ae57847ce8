import { domainEventSettings } from '../../../common/domain-events';
import { env, loadConfig } from '../../../common/config';
import { subgraphUrlSetting } from '../../registry';

export const cartSettings = {
  identitySecret: env.secret('INTERNAL_IDENTITY_SECRET'),
  port: env.port('PORT', 4004),
  dynamoEndpoint: env.optionalUrl('DYNAMODB_ENDPOINT'),
  region: env.string('AWS_REGION', 'us-east-1'),
  table: env.string('CART_TABLE', 'store-carts'),
  createTables: env.bool('DYNAMODB_CREATE_TABLES', true),
  /** Prices and titles of variants. */
  productSubgraphUrl: subgraphUrlSetting('product'),
  /** Stock, for capping quantities. */
  orderSubgraphUrl: subgraphUrlSetting('order'),
  /** Shoppers' emails, for reminders. */
  userSubgraphUrl: subgraphUrlSetting('user'),
  /** A cart expires this many days after its last change. */
  cartTtlDays: env.int('CART_TTL_DAYS', 30, { min: 1, max: 365 }),
  /** The currency of an empty cart's subtotal; the catalog prices every variant in it. */
  currencyCode: env.string('STORE_CURRENCY', 'USD'),
  /** How often the abandoned-cart job runs; 0 turns it off. */
  abandonedCartCheckSeconds: env.int('ABANDONED_CART_CHECK_SECONDS', 300, {
    min: 0,
    max: 86_400,
  }),
  /** A shopper's cart untouched this long gets one reminder. */
  abandonedCartAfterMinutes: env.int('ABANDONED_CART_AFTER_MINUTES', 1440, {
    min: 1,
    max: 525_600,
  }),
  /** Where reminders are sent through (see common/mail.ts); unset: no reminders. */
  smtpUrl: env.optionalUrl('SMTP_URL', ['smtp', 'smtps']),
  mailFrom: env.string('MAIL_FROM', 'Storefront <orders@example.com>'),
  /** EVENTS_TOPIC_ARN, EVENTS_ENDPOINT, AWS_REGION: the store's domain events (docs/events.md). */
  ...domainEventSettings,
};

export const loadCartConfig = (source: Record<string, string | undefined> = process.env) =>
  loadConfig(cartSettings, source);
