-- Orders, their lines, payments and history; checkout idempotency; the transactional outbox.
-- Amounts are integer minor units (cents) in the order's currency, never floating point.

-- Human order numbers (#100001, #100002, ...). A rolled-back checkout leaves a gap: numbers are
-- unique and increasing, not contiguous.
CREATE SEQUENCE order_number_seq START WITH 100001;

CREATE TABLE orders (
  -- Unguessable (random UUID v4): for a guest order the id is what grants access to it.
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number                bigint NOT NULL UNIQUE DEFAULT nextval('order_number_seq'),
  -- The Cognito sub of the shopper who placed it signed in; null for a guest order.
  owner_sub             text,
  email                 text NOT NULL,
  status                text NOT NULL CHECK (status IN ('PAID', 'FULFILLED', 'CANCELLED', 'REFUNDED')),
  currency              char(3) NOT NULL,
  subtotal              bigint NOT NULL CHECK (subtotal >= 0),
  shipping              bigint NOT NULL CHECK (shipping >= 0),
  tax                   bigint NOT NULL CHECK (tax >= 0),
  total                 bigint NOT NULL,
  -- The address as given at checkout: a copy, so later changes to saved addresses leave it alone.
  ship_name             text NOT NULL,
  ship_line1            text NOT NULL,
  ship_line2            text,
  ship_city             text NOT NULL,
  ship_region           text,
  ship_postal_code      text NOT NULL,
  ship_country_code     char(2) NOT NULL,
  tracking_number       text,
  -- The cart the order was placed from (the cart service empties it through the outbox).
  cart_id               text NOT NULL,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  CHECK (total = subtotal + shipping + tax)
);

-- `me.orders`: a shopper's orders, newest first, walked by (created_at, id).
CREATE INDEX orders_owner_created_idx ON orders (owner_sub, created_at DESC, id DESC)
  WHERE owner_sub IS NOT NULL;
-- The back office's `orders(status:)`, newest first; and all orders, newest first.
CREATE INDEX orders_status_created_idx ON orders (status, created_at DESC, id DESC);
CREATE INDEX orders_created_idx ON orders (created_at DESC, id DESC);

CREATE TABLE order_lines (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id      uuid NOT NULL REFERENCES orders (id),
  position      integer NOT NULL,
  variant_id    text NOT NULL,
  product_id    text NOT NULL,
  -- Copied from the catalog at checkout: what was bought, at the price it was bought for.
  sku           text NOT NULL,
  title         text NOT NULL,
  variant_title text NOT NULL,
  quantity      integer NOT NULL CHECK (quantity > 0),
  unit_price    bigint NOT NULL CHECK (unit_price >= 0),
  total_price   bigint NOT NULL,
  UNIQUE (order_id, position),
  CHECK (total_price = unit_price * quantity)
);

-- One payment per order: captured at checkout, refunded in part or in full afterwards.
CREATE TABLE payments (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id         uuid NOT NULL UNIQUE REFERENCES orders (id),
  provider         text NOT NULL,
  provider_ref     text NOT NULL,
  status           text NOT NULL CHECK (status IN ('CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED')),
  last4            char(4),
  currency         char(3) NOT NULL,
  amount_captured  bigint NOT NULL CHECK (amount_captured >= 0),
  amount_refunded  bigint NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (amount_refunded <= amount_captured),
  UNIQUE (provider, provider_ref)
);

-- Every refund given through the provider (a cancellation's included), for the record.
CREATE TABLE payment_refunds (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  payment_id    uuid NOT NULL REFERENCES payments (id),
  provider_ref  text NOT NULL,
  amount        bigint NOT NULL CHECK (amount > 0),
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_refunds_payment_idx ON payment_refunds (payment_id);

-- Every status an order has had, in order (id), the first being PAID.
CREATE TABLE order_status_history (
  id        bigserial PRIMARY KEY,
  order_id  uuid NOT NULL REFERENCES orders (id),
  status    text NOT NULL CHECK (status IN ('PAID', 'FULFILLED', 'CANCELLED', 'REFUNDED')),
  at        timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX order_status_history_order_idx ON order_status_history (order_id, id);

-- Checkout idempotency. A key belongs to the caller (`scope`: the shopper's sub, or
-- 'guest:<cart id>' for a guest) and remembers the input it was first used with (a SHA-256 of the
-- normalised input) and the order it placed. A checkout inserts its row first, in its own
-- transaction, so a second request with the same key waits on the row until the first commits
-- or rolls back. Only placed orders are remembered: an attempt that fails (declined card, stock,
-- cart) rolls back its row with everything else, and the key stays free for the next attempt.
CREATE TABLE checkout_idempotency (
  scope       text NOT NULL,
  key         text NOT NULL,
  input_hash  text NOT NULL,
  order_id    uuid REFERENCES orders (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);

-- The transactional outbox: events written in the same transaction as the change they report,
-- delivered afterwards, at least once, by the dispatcher (src/notifications).
CREATE TABLE outbox (
  id            bigserial PRIMARY KEY,
  event_id      uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  type          text NOT NULL,
  payload       jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  available_at  timestamptz NOT NULL DEFAULT now(),
  attempts      integer NOT NULL DEFAULT 0,
  last_error    text,
  delivered_at  timestamptz
);
CREATE INDEX outbox_pending_idx ON outbox (available_at) WHERE delivered_at IS NULL;

-- The ledger of the built-in test payment provider (src/payments.ts), which stands in for an
-- external one (Stripe, Adyen): what it captured, declined and refunded. A real provider keeps
-- this on its side; the table is unused with one.
CREATE TABLE test_provider_charges (
  ref              text PRIMARY KEY,
  kind             text NOT NULL CHECK (kind IN ('capture', 'decline', 'refund')),
  idempotency_key  text NOT NULL UNIQUE,
  -- For captures and declines: what the charge was for, as the merchant described it.
  reference        text,
  token            text,
  amount           bigint NOT NULL CHECK (amount >= 0),
  currency         char(3) NOT NULL,
  last4            char(4),
  -- For refunds: the capture refunded.
  charge_ref       text REFERENCES test_provider_charges (ref),
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX test_provider_charges_charge_idx ON test_provider_charges (charge_ref)
  WHERE charge_ref IS NOT NULL;
