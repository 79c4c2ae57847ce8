/**
 * The warehouse's shipments (the fulfillment webhook, see webhook.server.ts): a shipment marks
 * its order shipped with the same effect as `orderFulfill` (status, history, the email, the
 * `order.fulfilled` event), once per shipment id: the shipment's row and the fulfilment commit
 * together, and a second delivery of the same shipment (the warehouse retrying, two deliveries
 * racing) waits on the first's row and is then answered as a duplicate.
 */
import type { PoolClient } from 'pg';
import { fulfilOrder } from './order.service';
import { isUuid } from './validation';

export interface Shipment {
  shipmentId: string;
  orderId: string;
  trackingNumber: string | null;
  carrier: string | null;
}

export type ShipmentOutcome =
  { kind: 'applied' } | { kind: 'duplicate' } | { kind: 'refused'; message: string };

const text = (value: unknown, max: number): string | null =>
  typeof value === 'string' && value.trim() !== '' && value.trim().length <= max
    ? value.trim()
    : null;

/** The shipment in a webhook body, or what is wrong with it. */
export function parseShipment(body: unknown): Shipment | string {
  if (typeof body !== 'object' || body === null) return 'The body must be a JSON object.';
  const b = body as Record<string, unknown>;
  const shipmentId = text(b.shipmentId, 200);
  const orderId = text(b.orderId, 36);
  if (!shipmentId) return '"shipmentId" must be a string of 1 to 200 characters.';
  if (!orderId || !isUuid(orderId)) return '"orderId" must be the id of an order.';
  if (b.trackingNumber !== undefined && b.trackingNumber !== null && !text(b.trackingNumber, 100)) {
    return '"trackingNumber" must be a string of 1 to 100 characters.';
  }
  return {
    shipmentId,
    orderId,
    trackingNumber: text(b.trackingNumber, 100),
    carrier: text(b.carrier, 100),
  };
}

/** In the delivery's transaction: records the shipment and fulfils its order, or refuses. */
export async function applyShipment(tx: PoolClient, shipment: Shipment): Promise<ShipmentOutcome> {
  const { rowCount } = await tx.query(
    `INSERT INTO orders.fulfillment_shipments (shipment_id, order_id, tracking_number, carrier)
     SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM orders.orders WHERE id = $2)
     ON CONFLICT (shipment_id) DO NOTHING`,
    [shipment.shipmentId, shipment.orderId, shipment.trackingNumber, shipment.carrier],
  );
  if (rowCount === 0) {
    const seen = await tx.query(
      'SELECT 1 FROM orders.fulfillment_shipments WHERE shipment_id = $1',
      [shipment.shipmentId],
    );
    return seen.rowCount === 1
      ? { kind: 'duplicate' }
      : { kind: 'refused', message: 'There is no order with this id.' };
  }
  const change = await fulfilOrder(tx, shipment.orderId, shipment.trackingNumber);
  if (!change) return { kind: 'refused', message: 'There is no order with this id.' };
  if (change.kind === 'refused') return { kind: 'refused', message: change.error.message };
  return { kind: 'applied' };
}
