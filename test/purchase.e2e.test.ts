/**
 * The whole purchase through the gateway: a guest fills a cart, checks out, and gets the order
 * confirmation by email; the cart is emptied by the outbox after the order commits.
 */
import { CartCreateDocument, CartDocument, CheckoutDocument } from '../schema/generated/operations';
import { generateCatalog } from '../dev/seed/generate';
import { testServices } from './support/services';
import { execute, startStack, type Stack } from './support/stack';
import { eventually } from './support/eventually';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ cache: 'memory', notifications: true });
});
afterAll(() => stack.stop());

it('takes a guest from cart to order to confirmation email', async () => {
  // A seeded variant with plenty of stock (stock is shared with other tests; plenty is safe).
  const variant = [...generateCatalog({ products: testServices.seedProducts })]
    .flatMap((p) => p.variants.map((v) => ({ id: v.id, stock: p.stock.get(v.id) ?? 0 })))
    .reverse()
    .find((v) => v.stock >= 50);
  if (!variant) throw new Error('no variant with stock');

  const created = await execute(stack.gatewayUrl, CartCreateDocument, {
    input: { lines: [{ variantId: variant.id, quantity: 2 }] },
  });
  const cart = created.data?.cartCreate.cart;
  expect(created.data?.cartCreate.userErrors).toEqual([]);
  if (!cart) throw new Error('no cart');
  expect(cart.totalQuantity).toBe(2);

  const email = `guest-${Date.now()}@example.com`;
  const checkout = await execute(stack.gatewayUrl, CheckoutDocument, {
    input: {
      cartId: cart.id,
      idempotencyKey: `purchase-${Date.now()}`,
      paymentToken: 'tok_visa',
      email,
      shippingAddress: {
        name: 'Guest Buyer',
        line1: '1 Main St',
        city: 'Springfield',
        postalCode: '12345',
        countryCode: 'US',
      },
    },
  });
  expect(checkout.data?.checkout.userErrors).toEqual([]);
  const order = checkout.data?.checkout.order;
  if (!order) throw new Error('no order');
  expect(order).toMatchObject({
    status: 'PAID',
    email,
    payment: { status: 'CAPTURED', last4: '4242' },
  });
  expect(order.lines).toEqual([expect.objectContaining({ quantity: 2 })]);
  expect(order.subtotal.amount).toBe(cart.cost.subtotalAmount?.amount);

  const mail = await eventually(async () =>
    stack.mail?.messages().find((m) => m.to.includes(email)),
  );
  expect(mail.subject).toContain(String(order.number));
  expect(mail.text).toContain(order.total.amount);

  const emptied = await eventually(async () => {
    const read = await execute(stack.gatewayUrl, CartDocument, { id: cart.id });
    return read.data?.cart?.totalQuantity === 0 ? read.data.cart : undefined;
  });
  expect(emptied.lines).toEqual([]);
  // Exactly one email for the order.
  expect(stack.mail?.messages().filter((m) => m.to.includes(email))).toHaveLength(1);
});
