/**
 * The domain events of the other services, through the gateway: a product created and then
 * changed in the back office (from the catalog's change feed) and a shopper signing up (from the
 * user service) reach the audit queue, once each by id.
 */
import { randomBytes } from 'node:crypto';
import {
  AdminProductCreateDocument,
  AdminProductUpdateDocument,
  SignUpDocument,
} from '../schema/generated/operations';
import type { DomainEvent } from '../common/domain-events';
import { receiveEvents } from './support/domain-events';
import { execute, startStack, type Stack } from './support/stack';
import { createUser } from './support/tokens';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ cache: 'memory', domainEvents: true, privateCatalog: true });
});
afterAll(() => stack.stop());

const audit = (done: (events: DomainEvent[]) => boolean) => {
  const domain = stack.domainEvents;
  if (!domain) throw new Error('no domain events');
  return receiveEvents(domain.sqs, domain.resources.queues.audit.url, done, { quietSeconds: 2 });
};

it('publishes product.created and product.changed from the catalog feed, once each', async () => {
  const admin = await createUser({ admin: true });
  const auth = { authorization: `Bearer ${admin.accessToken}` };
  const t = randomBytes(4).toString('hex');
  const created = await execute(
    stack.gatewayUrl,
    AdminProductCreateDocument,
    {
      input: {
        title: `Event Lamp ${t}`,
        description: 'A lamp for the event tests.',
        brand: 'Lumen',
        categorySlug: 'lighting',
        slug: `event-lamp-${t}`,
        variants: [{ sku: `EV-${t}`, title: 'White', price: '49.90', quantity: 3 }],
      },
    },
    auth,
  );
  const product = created.data?.productCreate.product;
  if (!product) throw new Error(`not created: ${JSON.stringify(created)}`);
  const ofProduct = (events: DomainEvent[]) => events.filter((e) => e.entityId === product.id);
  const first = ofProduct(await audit((got) => ofProduct(got).length >= 1));
  expect(first).toEqual([
    expect.objectContaining({
      type: 'product.created',
      version: 1,
      source: 'product',
      data: expect.objectContaining({
        productId: product.id,
        slug: `event-lamp-${t}`,
        categorySlug: 'lighting',
        variantIds: [product.variants[0].id],
        priceRange: {
          min: { amount: '49.90', currencyCode: 'USD' },
          max: { amount: '49.90', currencyCode: 'USD' },
        },
      }),
    }),
  ]);

  const updated = await execute(
    stack.gatewayUrl,
    AdminProductUpdateDocument,
    { id: product.id, input: { title: `Event Lamp ${t} II` } },
    auth,
  );
  expect(updated.data?.productUpdate.userErrors).toEqual([]);
  const second = ofProduct(await audit((got) => ofProduct(got).length >= 1));
  expect(second.map((e) => [e.type, (e.data as { title: string }).title])).toEqual([
    ['product.changed', `Event Lamp ${t} II`],
  ]);
  expect(second[0].id).not.toBe(first[0].id);
});

it('publishes shopper.signed_up once for a sign-up through the gateway', async () => {
  const email = `signup-${randomBytes(4).toString('hex')}@example.com`;
  const signUp = await execute(stack.gatewayUrl, SignUpDocument, {
    input: { email, password: 'Correct-horse-7', name: 'Ada Events' },
  });
  expect(signUp.data?.signUp.userErrors).toEqual([]);
  const mine = (events: DomainEvent[]) =>
    events.filter(
      (e) => e.type === 'shopper.signed_up' && (e.data as { email: string }).email === email,
    );
  const events = mine(await audit((got) => mine(got).length >= 1));
  expect(events).toEqual([
    expect.objectContaining({
      source: 'user',
      entityId: expect.any(String),
      data: { shopperId: events[0].entityId, email, name: 'Ada Events', confirmed: true },
    }),
  ]);
});
