/**
 * Identity end to end, through the gateway with real Cognito tokens: a shopper's account from
 * sign-up to sign-out, the back office for admins only, and no way to claim an identity with
 * headers.
 */
import { parse } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { signIdentity } from '../common/identity';
import {
  AddressAddDocument,
  AddressRemoveDocument,
  AdminInventorySetDocument,
  AdminProductCreateDocument,
  AdminProductUpdateDocument,
  ProductDetailDocument,
  ProfileUpdateDocument,
  RefreshSessionDocument,
  ReviewAddDocument,
  SignInDocument,
  SignOutDocument,
  SignUpDocument,
} from '../schema/generated/operations';
import { execute, identitySecret, startStack, type Stack } from './support/stack';
import { createUser, type TestUser } from './support/tokens';

/** `me` without `cart` and `orders`, which arrive with the cart and order work. */
const MeDocument = parse(
  '{ me { id email name isAdmin addresses { id name countryCode isDefault } } }',
) as TypedDocumentNode<{
  me: {
    id: string;
    email: string;
    name: string | null;
    isAdmin: boolean;
    addresses: { id: string; isDefault: boolean }[];
  } | null;
}>;

let stack: Stack;
let admin: TestUser;
let shopper: TestUser;

beforeAll(async () => {
  [stack, admin, shopper] = await Promise.all([
    startStack({ cache: 'memory', privateCatalog: true }),
    createUser({ admin: true, name: 'Back Office' }),
    createUser({ name: 'Regular Shopper' }),
  ]);
});
afterAll(() => stack.stop());

const bearer = (user: TestUser | string) => ({
  authorization: `Bearer ${typeof user === 'string' ? user : user.accessToken}`,
});
const unique = () => `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

describe('a shopper account through the gateway', () => {
  it('signs up, signs in, keeps a profile and addresses, refreshes and signs out', async () => {
    const email = `journey-${unique()}@example.com`;
    const password = 'Journey-pass-9';
    const signUp = await execute(stack.gatewayUrl, SignUpDocument, {
      input: { email, password, name: 'Jo Journey' },
    });
    expect(signUp.data?.signUp).toEqual({ userConfirmed: true, userErrors: [] });

    const signIn = await execute(stack.gatewayUrl, SignInDocument, { input: { email, password } });
    const session = signIn.data?.signIn.session;
    expect(signIn.data?.signIn.userErrors).toEqual([]);
    if (!session) throw new Error('no session');

    const me = await execute(stack.gatewayUrl, MeDocument, undefined, bearer(session.accessToken));
    expect(me.data?.me).toMatchObject({ email, name: 'Jo Journey', isAdmin: false, addresses: [] });

    const renamed = await execute(
      stack.gatewayUrl,
      ProfileUpdateDocument,
      { input: { name: 'Jo J.' } },
      bearer(session.accessToken),
    );
    expect(renamed.data?.profileUpdate).toMatchObject({ user: { name: 'Jo J.' }, userErrors: [] });

    const address = {
      name: 'Jo J.',
      line1: '1 Main St',
      city: 'Springfield',
      postalCode: '12345',
      countryCode: 'US',
    };
    const added = await execute(
      stack.gatewayUrl,
      AddressAddDocument,
      { input: address },
      bearer(session.accessToken),
    );
    const addressId = added.data?.addressAdd.address?.id;
    expect(added.data?.addressAdd).toMatchObject({ address: { isDefault: true }, userErrors: [] });
    if (!addressId) throw new Error('no address');
    // Another shopper cannot remove it.
    const foreign = await execute(
      stack.gatewayUrl,
      AddressRemoveDocument,
      { id: addressId },
      bearer(shopper),
    );
    expect(foreign.data?.addressRemove.userErrors[0]?.code).toBe('NOT_FOUND');
    const removed = await execute(
      stack.gatewayUrl,
      AddressRemoveDocument,
      { id: addressId },
      bearer(session.accessToken),
    );
    expect(removed.data?.addressRemove).toEqual({ removedId: addressId, userErrors: [] });

    const refreshed = await execute(stack.gatewayUrl, RefreshSessionDocument, {
      refreshToken: session.refreshToken ?? '',
    });
    const newToken = refreshed.data?.refreshSession.session?.accessToken;
    expect(newToken).toEqual(expect.any(String));
    expect(
      (await execute(stack.gatewayUrl, MeDocument, undefined, bearer(newToken ?? ''))).data?.me
        ?.email,
    ).toBe(email);

    const signedOut = await execute(
      stack.gatewayUrl,
      SignOutDocument,
      undefined,
      bearer(session.accessToken),
    );
    expect(signedOut.data?.signOut).toEqual({ signedOut: true });
    const afterSignOut = await execute(stack.gatewayUrl, RefreshSessionDocument, {
      refreshToken: session.refreshToken ?? '',
    });
    expect(afterSignOut.data?.refreshSession).toMatchObject({
      session: null,
      userErrors: [{ code: 'NOT_AUTHORIZED' }],
    });
  });

  it('gives an anonymous caller a null me and UNAUTHENTICATED for account changes', async () => {
    expect((await execute(stack.gatewayUrl, MeDocument)).data).toEqual({ me: null });
    const update = await execute(stack.gatewayUrl, ProfileUpdateDocument, { input: { name: 'x' } });
    expect(update.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const signOut = await execute(stack.gatewayUrl, SignOutDocument);
    expect(signOut.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('reports an admin as an admin', async () => {
    const me = await execute(stack.gatewayUrl, MeDocument, undefined, bearer(admin));
    expect(me.data?.me).toMatchObject({ email: admin.email, isAdmin: true });
  });

  it('stops answering sign-ins for an email after five failures, without asking Cognito', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const result = await execute(stack.gatewayUrl, SignInDocument, {
        input: { email: shopper.email, password: 'Wrong-pass-1' },
      });
      codes.push(result.data?.signIn.userErrors[0]?.code ?? 'none');
    }
    expect(codes).toEqual([...Array(5).fill('NOT_AUTHORIZED'), 'RATE_LIMITED']);
    // Even the right password is refused while the limit holds.
    const right = await execute(stack.gatewayUrl, SignInDocument, {
      input: { email: shopper.email, password: shopper.password },
    });
    expect(right.data?.signIn).toMatchObject({
      session: null,
      userErrors: [{ code: 'RATE_LIMITED' }],
    });
  });
});

describe('the back office through the gateway', () => {
  const newProduct = () => {
    const tag = unique();
    return {
      title: `Gateway Test Lamp ${tag}`,
      description: 'Made in a test.',
      brand: 'Lumenhaus',
      categorySlug: 'lighting',
      slug: `gateway-test-lamp-${tag}`,
      variants: [{ sku: `GW-${tag}`, title: 'White', price: '24.50', quantity: 3 }],
    };
  };

  it('lets an admin create, update and restock a product, visible at once', async () => {
    const input = newProduct();
    const created = await execute(
      stack.gatewayUrl,
      AdminProductCreateDocument,
      { input },
      bearer(admin),
    );
    expect(created.data?.productCreate.userErrors).toEqual([]);
    const product = created.data?.productCreate.product;
    if (!product) throw new Error('not created');
    const variantId = product.variants[0].id;

    const updated = await execute(
      stack.gatewayUrl,
      AdminProductUpdateDocument,
      { id: product.id, input: { title: `${input.title} II` } },
      bearer(admin),
    );
    expect(updated.data?.productUpdate).toMatchObject({
      product: { title: `${input.title} II` },
      userErrors: [],
    });

    const restocked = await execute(
      stack.gatewayUrl,
      AdminInventorySetDocument,
      { variantId, quantity: 9 },
      bearer(admin),
    );
    expect(restocked.data?.inventorySet).toEqual({
      variant: { id: variantId, quantityAvailable: 9 },
      userErrors: [],
    });

    const detail = await execute(stack.gatewayUrl, ProductDetailDocument, { slug: input.slug });
    expect(detail.data?.product).toMatchObject({
      title: `${input.title} II`,
      availableForSale: true,
      variants: [{ sku: input.variants[0].sku, price: { amount: '24.50' }, quantityAvailable: 9 }],
    });
  });

  it('refuses shoppers (FORBIDDEN) and anonymous callers (UNAUTHENTICATED) on every back-office mutation', async () => {
    const operations = [
      () => [AdminProductCreateDocument, { input: newProduct() }] as const,
      () => [AdminProductUpdateDocument, { id: 'any', input: { title: 'Nope' } }] as const,
      () => [AdminInventorySetDocument, { variantId: 'any', quantity: 1 }] as const,
    ];
    for (const operation of operations) {
      const [document, variables] = operation();
      const asShopper = await execute(
        stack.gatewayUrl,
        document as TypedDocumentNode<unknown, typeof variables>,
        variables,
        bearer(shopper),
      );
      expect(asShopper.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const asAnonymous = await execute(
        stack.gatewayUrl,
        document as TypedDocumentNode<unknown, typeof variables>,
        variables,
      );
      expect(asAnonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('ignores an identity assertion a client sends itself, even a validly signed admin one', async () => {
    const forged = signIdentity(
      {
        viewer: {
          kind: 'user',
          sub: 'someone',
          username: 'someone',
          groups: ['admin'],
          isAdmin: true,
          accessToken: 'x',
        },
        clientIp: null,
      },
      identitySecret,
    );
    const result = await execute(
      stack.gatewayUrl,
      AdminProductCreateDocument,
      { input: newProduct() },
      {
        'x-store-identity': forged,
        'x-user-id': 'someone',
      },
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('takes reviews from signed-in shoppers only', async () => {
    const created = await execute(
      stack.gatewayUrl,
      AdminProductCreateDocument,
      { input: newProduct() },
      bearer(admin),
    );
    const productId = created.data?.productCreate.product?.id ?? '';
    const input = { productId, rating: 4, title: 'Bright', body: 'Lights the desk well.' };
    const anonymous = await execute(stack.gatewayUrl, ReviewAddDocument, { input });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const review = await execute(stack.gatewayUrl, ReviewAddDocument, { input }, bearer(shopper));
    expect(review.data?.reviewAdd).toMatchObject({
      review: { rating: 4, title: 'Bright' },
      userErrors: [],
    });
  });
});
