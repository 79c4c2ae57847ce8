/**
 * Abandoned-cart reminders, end to end: carts written through the cart subgraph, the shopper's
 * email looked up from the user subgraph (real Cognito users with profiles), and the reminder
 * sent over SMTP to the in-process mail server, which is what the assertions read. The job runs
 * "a day later" by being handed a later `now`.
 */
import { randomUUID } from 'node:crypto';
import { startEmbeddedSmtp, type EmbeddedSmtp, type ReceivedMail } from '../dev/embedded/smtp';
import type { Viewer } from '../common/identity';
import { createSmtpMailer, type Mailer } from '../common/mail';
import { subgraphCatalog, type Catalog } from '../subgraphs/cart/src/product.client';
import { AbandonedCartReminders } from '../subgraphs/cart/src/reminder.service';
import type { DomainEvent, DomainEventPublisher } from '../common/domain-events';
import { receiveEvents } from './support/domain-events';
import { userSubgraphDirectory } from '../subgraphs/cart/src/user.client';
import {
  call,
  ops,
  seededVariants,
  serveCart,
  shopper,
  silentLogger,
  type CartUnderTest,
  type PayloadData,
  type SeededVariant,
} from '../subgraphs/cart/test/support';
import { identitySecret, startStack, type Stack } from './support/stack';
import { createUser } from './support/tokens';

let stack: Stack;
let cart: CartUnderTest;
let smtp: EmbeddedSmtp;
let mailer: Mailer;
let catalog: Catalog;
let plenty: SeededVariant[];

const local = (url: string) => url.replace('localhost', '127.0.0.1');
const HOUR = 3_600_000;
const later = (hours: number) => new Date(Date.now() + hours * HOUR);

beforeAll(async () => {
  stack = await startStack({ cache: 'memory', domainEvents: true });
  cart = await serveCart({
    dynamo: stack.dynamo,
    identitySecret,
    productUrl: local(stack.product.url),
    orderUrl: local(stack.order.url),
    tablePrefix: 'cart-reminders',
  });
  smtp = await startEmbeddedSmtp();
  mailer = createSmtpMailer({ url: smtp.url, from: 'Storefront <shop@example.com>' });
  catalog = subgraphCatalog({
    product: { url: local(stack.product.url), identitySecret },
    order: { url: local(stack.order.url), identitySecret },
  });
  ({ plenty } = await seededVariants(catalog));
});

afterAll(async () => {
  await mailer?.close();
  await smtp?.stop();
  await cart?.close();
  await stack?.stop();
});

/** A reminder job over the test's cart table; `send` can stand in front of the SMTP mailer. */
function reminders(options: { mailer?: Mailer; topic?: DomainEventPublisher } = {}) {
  return new AbandonedCartReminders({
    topic: options.topic,
    db: { client: stack.dynamo, name: cart.table },
    shoppers: userSubgraphDirectory({ url: local(stack.user.url), identitySecret }),
    catalog,
    mailer: options.mailer ?? mailer,
    logger: silentLogger,
    settings: { afterMinutes: 24 * 60, storeName: 'Storefront' },
  });
}

/** A Cognito user with a store profile (made by their first request to the user service). */
async function registeredShopper(): Promise<{ viewer: Viewer; email: string }> {
  const user = await createUser({ name: 'Robin Tester' });
  const viewer = shopper({ sub: user.sub, accessToken: user.accessToken });
  const me = await call<{ me: { email: string } }>(
    local(stack.user.url),
    identitySecret,
    '{ me { email } }',
    {},
    viewer,
  );
  expect(me.data?.me.email).toBe(user.email);
  return { viewer, email: user.email };
}

async function mutate(query: string, variables: Record<string, unknown>, viewer: Viewer) {
  const reply = await call<Record<string, PayloadData>>(
    cart.url,
    identitySecret,
    query,
    variables,
    viewer,
  );
  expect(reply.errors).toBeUndefined();
  const payload = Object.values(reply.data ?? {})[0];
  if (!payload?.cart) throw new Error('no cart');
  return payload.cart;
}

const fill = (viewer: Viewer, variants: SeededVariant[], quantity = 1) =>
  mutate(
    ops.create,
    { input: { lines: variants.map((v) => ({ variantId: v.id, quantity })) } },
    viewer,
  );

const mailTo = (email: string): ReceivedMail[] =>
  smtp.messages().filter((m) => m.to.includes(email));

describe('abandoned-cart reminders', () => {
  it('publish cart.abandoned once, before the reminder, for a cart nobody touched for a day', async () => {
    const domain = stack.domainEvents;
    if (!domain) throw new Error('no domain events');
    const { viewer, email } = await registeredShopper();
    const created = await fill(viewer, [plenty[60]], 2);
    await reminders({ topic: domain.topic }).runOnce(later(25));
    await reminders({ topic: domain.topic }).runOnce(later(26)); // reminded: nothing again
    const mine = (events: DomainEvent[]) => events.filter((e) => e.entityId === created.id);
    const events = mine(
      await receiveEvents(
        domain.sqs,
        domain.resources.queues.audit.url,
        (got) => mine(got).length > 0,
        {
          quietSeconds: 2,
        },
      ),
    );
    expect(events).toEqual([
      expect.objectContaining({
        type: 'cart.abandoned',
        source: 'cart',
        data: {
          cartId: created.id,
          ownerSub: expect.any(String),
          email,
          lines: [{ variantId: plenty[60].id, quantity: 2 }],
          lastChangedAt: expect.any(String),
        },
      }),
    ]);
    expect(mailTo(email)).toHaveLength(1);
  });

  it('email the shopper once about a cart nobody touched for a day', async () => {
    const { viewer, email } = await registeredShopper();
    const [a, b] = [plenty[50], plenty[51]];
    const created = await mutate(
      ops.create,
      {
        input: {
          lines: [
            { variantId: a.id, quantity: 2 },
            { variantId: b.id, quantity: 1 },
          ],
        },
      },
      viewer,
    );

    const versionBefore = (await cart.rawCart(created.id))?.version;
    await reminders().runOnce(later(23));
    expect(mailTo(email)).toEqual([]);

    const report = await reminders().runOnce(later(25));
    expect(report.sent).toBeGreaterThanOrEqual(1);
    const [mail, ...more] = mailTo(email);
    expect(more).toEqual([]);
    expect(mail.subject).toBe('You left something in your cart');
    expect(mail.from).toBe('Storefront <shop@example.com>');
    expect(mail.messageId).toMatch(
      new RegExp(`^<cart-reminder-${created.id}-[0-9T.Z-]+@example\\.com>$`),
    );
    expect(mail.text).toContain('Hello Robin Tester,');
    expect(mail.text).toContain(`2 × ${a.productTitle}`);
    expect(mail.text).toContain(`1 × ${b.productTitle}`);
    expect(mail.html).toContain('<li>2 × ');

    await reminders().runOnce(later(26));
    await reminders().runOnce(later(24 * 7));
    expect(mailTo(email)).toHaveLength(1);
    const item = await cart.rawCart(created.id);
    expect(item?.remindedAt).toEqual(expect.any(String));
    expect(item?.reminderShard).toBeUndefined();
    expect(item?.version).toBe(versionBefore); // being reminded is not a change to the cart
  });

  it('remind again after the cart changes, a day after that change', async () => {
    const { viewer, email } = await registeredShopper();
    const created = await fill(viewer, [plenty[52]]);
    await reminders().runOnce(later(25));
    expect(mailTo(email)).toHaveLength(1);

    cart.clock.offsetMs = 2 * HOUR;
    await mutate(
      ops.add,
      { cartId: created.id, lines: [{ variantId: plenty[53].id, quantity: 1 }] },
      viewer,
    );
    cart.clock.offsetMs = 0;
    await reminders().runOnce(later(25)); // only 23 hours after the change
    expect(mailTo(email)).toHaveLength(1);
    await reminders().runOnce(later(27));
    const mails = mailTo(email);
    expect(mails).toHaveLength(2);
    expect(mails[1].messageId).not.toBe(mails[0].messageId);
    expect(mails[1].text).toContain(plenty[53].productTitle);
  });

  it('leave guest carts and empty carts alone', async () => {
    const { viewer, email } = await registeredShopper();
    const emptied = await fill(viewer, [plenty[54]]);
    await mutate(ops.remove, { cartId: emptied.id, lineIds: [emptied.lines[0].id] }, viewer);
    const guestCart = await fill({ kind: 'anonymous' }, [plenty[55]]);
    const other = await registeredShopper();
    const neverFilled = await mutate(ops.create, { input: {} }, other.viewer);

    await reminders().runOnce(later(25));
    expect(mailTo(email)).toEqual([]);
    expect(mailTo(other.email)).toEqual([]);
    // None of them is even in the reminder index.
    for (const id of [emptied.id, guestCart.id, neverFilled.id]) {
      expect((await cart.rawCart(id))?.reminderShard).toBeUndefined();
    }
  });

  it('send one reminder when two runs overlap', async () => {
    const { viewer, email } = await registeredShopper();
    await fill(viewer, [plenty[56]]);
    const at = later(25);
    const reports = await Promise.all([reminders().runOnce(at), reminders().runOnce(at)]);
    expect(mailTo(email)).toHaveLength(1);
    expect(reports.reduce((n, r) => n + r.sent, 0)).toBe(1);
  });

  it('try again on the next run when the mail server does not accept the reminder', async () => {
    const { viewer, email } = await registeredShopper();
    await fill(viewer, [plenty[57]]);
    let refused = 0;
    const flaky: Mailer = {
      async send(message) {
        if (message.to === email && refused++ === 0) throw new Error('421 try again later');
        return mailer.send(message);
      },
      close: async () => undefined,
    };
    const first = await reminders({ mailer: flaky }).runOnce(later(25));
    expect(first.failed).toBe(1);
    expect(mailTo(email)).toEqual([]);
    await reminders({ mailer: flaky }).runOnce(later(25));
    expect(mailTo(email)).toHaveLength(1);
  });

  it('stop asking about a shopper the user service does not know', async () => {
    const ghost = shopper({ sub: randomUUID() });
    const created = await fill(ghost, [plenty[58]]);
    const report = await reminders().runOnce(later(25));
    expect(report.skipped).toBeGreaterThanOrEqual(1);
    const item = await cart.rawCart(created.id);
    expect(item?.reminderShard).toBeUndefined();
    expect(item?.remindedAt).toEqual(expect.any(String));
  });

  it('forget expired carts', async () => {
    const { viewer, email } = await registeredShopper();
    const created = await fill(viewer, [plenty[59]]);
    await reminders().runOnce(later(31 * 24));
    expect(mailTo(email)).toEqual([]);
    expect((await cart.rawCart(created.id))?.reminderShard).toBeUndefined();
  });
});
