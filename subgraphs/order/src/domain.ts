/** Inventory as the order service sees it. */

export interface StockLevel {
  variantId: string;
  productId: string;
  /** Units that can still be sold. */
  quantity: number;
}
