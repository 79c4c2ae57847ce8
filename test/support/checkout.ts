/** A guest order placed through the gateway, and signed webhook deliveries, for tests. */
import { CartCreateDocument, CheckoutDocument } from '../../schema/generated/operations';
import { generateCatalog } from '../../dev/seed/generate';
import { signWebhook } from '../../common/webhook-signature';
import { testServices } from './services';
import { execute } from './stack';

/** A seeded variant with plenty of stock (stock is shared with other tests; plenty is safe). */
export const stockedVariant = (() => {
  const found = [...generateCatalog({ products: testServices.seedProducts })]
    .flatMap((p) =>
      p.variants.map((v) => ({ id: v.id, productId: p.product.id, stock: p.stock.get(v.id) ?? 0 })),
    )
    .reverse()
    .find((v) => v.stock >= 50);
  if (!found) throw new Error('no variant with stock');
  return found;
})();

let counter = 0;

/** Places a guest order of one unit through the gateway. */
export async function placeGuestOrder(
  gatewayUrl: string,
  email: string,
  paymentToken = 'tok_visa',
) {
  const created = await execute(gatewayUrl, CartCreateDocument, {
    input: { lines: [{ variantId: stockedVariant.id, quantity: 1 }] },
  });
  const cart = created.data?.cartCreate.cart;
  if (!cart) throw new Error('no cart');
  const checkout = await execute(gatewayUrl, CheckoutDocument, {
    input: {
      cartId: cart.id,
      idempotencyKey: `key-${Date.now()}-${counter++}`,
      paymentToken,
      email,
      shippingAddress: {
        name: 'Test Buyer',
        line1: '1 Main St',
        city: 'Springfield',
        postalCode: '12345',
        countryCode: 'US',
      },
    },
  });
  return { cartId: cart.id, checkout };
}

/** POSTs `body` to `<gateway origin><path>`, signed with `secret` at `timestamp` (seconds). */
export async function sendWebhook(
  gatewayUrl: string,
  path: string,
  secret: string,
  body: unknown,
  options: { timestamp?: number; signature?: string; raw?: string } = {},
) {
  const raw = options.raw ?? JSON.stringify(body);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1_000);
  const response = await fetch(new URL(path, gatewayUrl), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-webhook-timestamp': String(timestamp),
      'x-webhook-signature': options.signature ?? signWebhook(secret, timestamp, raw),
    },
    body: raw,
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      ok?: boolean;
      outcome?: string;
      error?: { code: string; message: string };
    },
  };
}
