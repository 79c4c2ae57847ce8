/** Inventory as the order service sees it. */

export interface StockLevel {
  variantId: string;
  productId: string;
  /** Units that can still be sold. */
  quantity: number;
}

/** What the back office can get wrong; the GraphQL enum AdminUserErrorCode has the same values. */
export const adminErrorCodes = [
  'INVALID_INPUT',
  'NOT_FOUND',
  'SLUG_TAKEN',
  'SKU_TAKEN',
  'REFUND_EXCEEDS_PAYMENT',
] as const;
export type AdminErrorCode = (typeof adminErrorCodes)[number];

/** An expected business outcome, returned in a payload's `userErrors`. */
export interface UserError<C extends string> {
  code: C;
  /** Path to the argument or input field at fault, for example ["quantity"]. */
  field: string[] | null;
  message: string;
}
