/**
 * One query per event and selection: the gateway resolves a committed change once for every
 * subscriber with the same selection and visibility, whatever their number or transport, so
 * what a change costs the subgraphs does not grow with the audience.
 */
import { AdminInventorySetDocument, ProductStockDocument } from '../schema/generated/operations';
import { subgraphRequests } from './support/cache';
import { createWatchedProduct, subscribe, type LiveClient } from './support/live';
import { execute, startStack, type Stack } from './support/stack';
import { createUser, type TestUser } from './support/tokens';

let stack: Stack;
let admin: TestUser;
const open: LiveClient[] = [];

beforeAll(async () => {
  [stack, admin] = await Promise.all([
    // No search feed and no response cache: nothing but the change and its event asks the subgraphs.
    startStack({
      cache: 'memory',
      privateCatalog: true,
      events: 'http',
      searchFeed: false,
      responseCache: false,
    }),
    createUser({ admin: true }),
  ]);
});
afterEach(async () => {
  const clients = open.splice(0);
  for (const client of clients) client.close();
  await Promise.all(clients.map((client) => client.ended));
});
afterAll(async () => {
  await stack?.stop();
});

const authorization = () => `Bearer ${admin.accessToken}`;

/** The subgraph requests one stock change makes, until they stop coming. */
async function requestsFor(variantId: string, quantity: number, delivered: () => Promise<void>) {
  const requests = subgraphRequests(stack);
  try {
    const reply = await execute(
      stack.gatewayUrl,
      AdminInventorySetDocument,
      { variantId, quantity },
      { authorization: authorization() },
    );
    expect(reply.data?.inventorySet.userErrors).toEqual([]);
    await delivered();
    // Whatever the outbox does after the event (the search signal) has its moment too.
    let seen = -1;
    while (seen !== requests.count()) {
      seen = requests.count();
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    return seen;
  } finally {
    requests.stop();
  }
}

const quantityOf = (event: LiveClient['events'][number]) =>
  (event.data?.productStockChanged as { variants: { quantityAvailable: number }[] }).variants[0]
    .quantityAvailable;

it('resolves a change once for all the subscribers of one selection, over both transports', async () => {
  const { productId, variantId } = await createWatchedProduct(stack, admin.accessToken, 5);
  const first = subscribe('websocket', stack.gatewayUrl, ProductStockDocument, {
    variables: { productId },
  });
  open.push(first);
  await first.event(1);
  const alone = await requestsFor(variantId, 6, async () => void (await first.event(2)));

  const more = Array.from({ length: 8 }, (_, i) =>
    subscribe(i % 2 ? 'multipart' : 'websocket', stack.gatewayUrl, ProductStockDocument, {
      variables: { productId },
    }),
  );
  open.push(...more);
  await Promise.all(more.map((client) => client.event(1)));
  const shared = await requestsFor(variantId, 7, async () => {
    await Promise.all([first.event(3), ...more.map((client) => client.event(2))]);
  });

  // Nine subscribers cost the subgraphs what one did: the event's query ran once. (A query per
  // subscriber would add at least one request for each of the eight; the outbox's own calls
  // after an event may differ by one between two changes.)
  expect(alone).toBeGreaterThan(0);
  expect(shared).toBeLessThanOrEqual(alone + 1);
  expect(quantityOf(first.events[2])).toBe(7);
  expect(more.map((client) => quantityOf(client.events[1]))).toEqual(Array(8).fill(7));
});
