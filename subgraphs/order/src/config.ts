import { ConfigError, env, loadConfig, type Setting } from '../../../common/config';
import { storeEventSettings } from '../../../common/store-events';
import { domainEventSettings } from '../../../common/domain-events';
import { parseMinorUnits } from '../../../common/money';
import { subgraphUrlSetting } from '../../registry';
import type { PricingRules, TaxRate } from './pricing';

/** An amount of money as a decimal string ("4.99"), read as integer minor units. */
function amountSetting(variable: string, fallback: string): Setting<number> {
  return {
    variable,
    read(source) {
      const raw = source[variable]?.trim() || fallback;
      const minor = parseMinorUnits(raw);
      if (minor === null) {
        throw new ConfigError(
          variable,
          `must be an amount like "4.99" (got "${raw.slice(0, 20)}")`,
        );
      }
      return minor;
    },
  };
}

/** A rate as a decimal string from 0 to 1 ("0.08" or "0.0725"), kept as an exact fraction. */
function rateSetting(variable: string, fallback: string): Setting<TaxRate> {
  return {
    variable,
    read(source) {
      const raw = source[variable]?.trim() || fallback;
      const match = /^(\d)(?:\.(\d{1,6}))?$/.exec(raw);
      const decimals = match?.[2] ?? '';
      const numerator = match ? BigInt(`${match[1]}${decimals}`) : -1n;
      const denominator = 10n ** BigInt(decimals.length);
      if (!match || numerator > denominator) {
        throw new ConfigError(
          variable,
          `must be a decimal from 0 to 1 with at most 6 places, like "0.08" (got "${raw.slice(0, 20)}")`,
        );
      }
      return { numerator, denominator, text: raw };
    },
  };
}

function currencySetting(variable: string, fallback: string): Setting<string> {
  return {
    variable,
    read(source) {
      const raw = source[variable]?.trim() || fallback;
      if (!/^[A-Z]{3}$/.test(raw)) {
        throw new ConfigError(
          variable,
          `must be an ISO 4217 code like "USD" (got "${raw.slice(0, 20)}")`,
        );
      }
      return raw;
    },
  };
}

/** What an order costs on top of its lines (see pricing.ts). */
export const pricingSettings = {
  /** Flat shipping charge per order below the free-shipping threshold. */
  shippingFlatRate: amountSetting('SHIPPING_FLAT_RATE', '4.99'),
  /** Orders whose subtotal is at least this ship free. */
  freeShippingThreshold: amountSetting('FREE_SHIPPING_THRESHOLD', '50.00'),
  /** Sales tax on the subtotal (not on shipping), rounded half up to the cent. */
  taxRate: rateSetting('TAX_RATE', '0.08'),
};

/** The pricing rules from `source`; `loadPricingRules({})` gives the defaults. */
export const loadPricingRules = (
  source: Record<string, string | undefined> = process.env,
): PricingRules => loadConfig(pricingSettings, source);

export const orderSettings = {
  identitySecret: env.secret('INTERNAL_IDENTITY_SECRET'),
  port: env.port('PORT', 4002),
  databaseUrl: env.url('DATABASE_URL', undefined, ['postgres', 'postgresql']),
  databasePoolSize: env.int('DATABASE_POOL_SIZE', 10, { min: 1, max: 200 }),
  ...pricingSettings,
  /** The store's currency: every price and order is in it. */
  currency: currencySetting('CURRENCY', 'USD'),
  /** Where checkout reads the cart (its internal `cartForCheckout`). */
  cartSubgraphUrl: subgraphUrlSetting('cart'),
  /** Where checkout reads prices (the product subgraph's `_entities`). */
  productSubgraphUrl: subgraphUrlSetting('product'),
  /** Where checkout reads the shopper's email and saved addresses (`me`). */
  userSubgraphUrl: subgraphUrlSetting('user'),
  /** Where the outbox sends placed orders and stock changes (the search subgraph). */
  searchSubgraphUrl: subgraphUrlSetting('search'),
  /** How long checkout waits for each of those services. */
  subgraphTimeoutMs: env.int('CHECKOUT_SUBGRAPH_TIMEOUT_MS', 5_000, { min: 100, max: 60_000 }),
  /** REDIS_URL, GATEWAY_EVENTS_URL, STORE_EVENTS_CHANNEL: where the outbox publishes store events. */
  ...storeEventSettings,
  /** EVENTS_TOPIC_ARN, EVENTS_ENDPOINT, AWS_REGION: where the outbox publishes domain events. */
  ...domainEventSettings,
  /** The queue the order emails are sent from (required with EVENTS_TOPIC_ARN). */
  notificationsQueueUrl: env.optionalUrl('NOTIFICATIONS_QUEUE_URL'),
  /** The analytics sink runs here when both are set: its queue, and the bucket it writes. */
  analyticsQueueUrl: env.optionalUrl('ANALYTICS_QUEUE_URL'),
  analyticsBucket: env.optionalString('ANALYTICS_BUCKET'),
  /** The warehouse's and the payment provider's webhook secrets; unset: that webhook is off. */
  fulfillmentWebhookSecret: env.optionalSecret('FULFILLMENT_WEBHOOK_SECRET'),
  paymentsWebhookSecret: env.optionalSecret('PAYMENTS_WEBHOOK_SECRET'),
  /** A capture younger than this may still be a committing checkout's. */
  orphanChargeGraceSeconds: env.int('ORPHAN_CHARGE_GRACE_SECONDS', 120, { min: 0, max: 86_400 }),
  orphanChargeScanSeconds: env.int('ORPHAN_CHARGE_SCAN_SECONDS', 60, { min: 1, max: 3_600 }),
};

export function loadOrderConfig(source: Record<string, string | undefined> = process.env) {
  const config = loadConfig(orderSettings, source);
  if (config.eventsTopicArn && !config.notificationsQueueUrl) {
    throw new ConfigError(
      'NOTIFICATIONS_QUEUE_URL',
      'is required with EVENTS_TOPIC_ARN (the order emails are sent from that queue)',
    );
  }
  return config;
}
