/** Carts as the cart service sees them (storage-neutral). */
import type { UserError } from '../../../common/user-error';

export interface CartLine {
  /** Unique within its cart; clients send it back to change or remove the line. */
  id: string;
  variantId: string;
  quantity: number;
  /** ISO 8601. */
  addedAt: string;
}

export interface Cart {
  /** Unguessable: 144 random bits, URL-safe. Holding it is what gives access to a guest cart. */
  id: string;
  /** Incremented by every write; writes are conditional on the version they read. */
  version: number;
  /** Cognito `sub` of the shopper the cart belongs to; null for a guest cart. */
  ownerSub: string | null;
  /** In the order they were added. */
  lines: CartLine[];
  createdAt: string;
  /** The last change to the lines (ISO 8601). */
  updatedAt: string;
  /** `updatedAt` plus the cart lifetime (ISO 8601); the cart is gone from then on. */
  expiresAt: string;
  /** Set when the abandoned-cart reminder for the current contents went out. */
  remindedAt: string | null;
  /** While a reminder is being sent: until when the sender holds it (ISO 8601). */
  reminderClaimedUntil: string | null;
  /**
   * Set on a guest cart while it is being merged into this shopper's cart (cartAssignToViewer):
   * the cart is frozen, nobody else can see or change it, and it is deleted once merged.
   */
  mergingInto: string | null;
  /** Guest carts already merged into this one (the latest few), so a merge is applied once. */
  absorbed: string[];
  /** Orders whose checkout emptied this cart (the latest few), so cartCheckedOut is applied once. */
  checkedOutOrders: string[];
}

/** The most units of one variant a cart holds. */
export const MAX_LINE_QUANTITY = 999;
/** The most different variants a cart holds, and the most lines one mutation takes. */
export const MAX_LINES = 100;

/** Expected outcomes of the cart mutations; the GraphQL enum CartUserErrorCode has the same values. */
export const cartErrorCodes = [
  'CART_NOT_FOUND',
  'LINE_NOT_FOUND',
  'VARIANT_NOT_FOUND',
  'INVALID_QUANTITY',
  'INSUFFICIENT_STOCK',
] as const;
export type CartErrorCode = (typeof cartErrorCodes)[number];

/** A cart mutation's result: the cart (null when there is none to show) and what went wrong. */
export interface CartResult {
  cart: Cart | null;
  userErrors: UserError<CartErrorCode>[];
}

/** A variant as the catalog (the product service) describes it now. */
export interface CatalogVariant {
  id: string;
  sku: string;
  title: string;
  /** Price of one unit, in minor units. */
  price: number;
  currencyCode: string;
  productTitle: string;
}

/** What checkout needs of a cart (the internal `cartForCheckout` query). */
export interface CheckoutCart {
  id: string;
  ownerSub: string | null;
  version: number;
  lines: { variantId: string; quantity: number }[];
}
