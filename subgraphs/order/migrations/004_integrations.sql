-- Integrations: the signed webhooks of the warehouse and the payment provider, and the refunds of
-- orphan charges (captured for a checkout that never committed).

-- Every signed webhook delivery taken, by its signature: the same signed request again is a
-- replay and is refused. Deliveries older than the 5-minute window are refused by their
-- timestamp anyway, so rows older than that are deleted as new ones come in.
CREATE TABLE webhook_deliveries (
  signature    text PRIMARY KEY,
  source       text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_received_idx ON webhook_deliveries (received_at);

-- Shipments the warehouse reported, by its own shipment id: one marks its order shipped once.
CREATE TABLE fulfillment_shipments (
  shipment_id      text PRIMARY KEY,
  order_id         uuid NOT NULL REFERENCES orders (id),
  tracking_number  text,
  carrier          text,
  applied_at       timestamptz NOT NULL DEFAULT now()
);

-- What the payment provider reported asynchronously, by its event id (taken once). Applied at
-- once when the payment is known; a report about a charge whose checkout has not committed yet
-- waits (applied_at null) and the reconciler applies it once the payment exists.
CREATE TABLE payment_provider_events (
  event_id     text PRIMARY KEY,
  type         text NOT NULL CHECK (type IN ('charge.captured', 'charge.disputed', 'charge.refunded')),
  charge_ref   text NOT NULL,
  payload      jsonb NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  applied_at   timestamptz
);
CREATE INDEX payment_provider_events_pending_idx ON payment_provider_events (received_at)
  WHERE applied_at IS NULL;

ALTER TABLE payments
  ADD COLUMN capture_confirmed_at timestamptz,
  ADD COLUMN disputed_at timestamptz;

-- Charges the provider captured for checkouts that never committed, refunded by the reconciler.
CREATE TABLE orphan_charge_refunds (
  charge_ref   text PRIMARY KEY,
  refund_ref   text NOT NULL,
  amount       bigint NOT NULL CHECK (amount > 0),
  currency     char(3) NOT NULL,
  reference    text,
  refunded_at  timestamptz NOT NULL DEFAULT now()
);
