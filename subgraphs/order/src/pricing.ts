/**
 * What an order costs, in integer minor units (cents): exact, never floating point.
 *
 * - subtotal: the sum of unit price × quantity over the lines;
 * - shipping: a flat rate, or nothing when the subtotal reaches the free-shipping threshold;
 * - tax: the tax rate applied to the subtotal only (shipping is not taxed), rounded half up to
 *   the cent (0.5 cent and more rounds up);
 * - total: subtotal + shipping + tax.
 */

/** A rate as an exact fraction: "0.0725" is 725 / 10000. */
export interface TaxRate {
  numerator: bigint;
  denominator: bigint;
  /** As configured, for messages. */
  text: string;
}

export interface PricingRules {
  shippingFlatRate: number;
  freeShippingThreshold: number;
  taxRate: TaxRate;
}

export interface OrderTotals {
  subtotal: number;
  shipping: number;
  tax: number;
  total: number;
}

/** amount × rate, rounded half up; `amount` is non-negative. */
export function applyRate(amount: number, rate: TaxRate): number {
  const scaled = BigInt(amount) * rate.numerator;
  // floor((2·a·n + d) / (2·d)) is a·n/d rounded half up, for non-negative values.
  const rounded = (2n * scaled + rate.denominator) / (2n * rate.denominator);
  return Number(rounded);
}

export function lineTotal(unitPrice: number, quantity: number): number {
  const total = unitPrice * quantity;
  if (!Number.isSafeInteger(total)) throw new Error('a line total is out of range');
  return total;
}

export function orderTotals(lineTotals: readonly number[], rules: PricingRules): OrderTotals {
  const subtotal = lineTotals.reduce((sum, amount) => sum + amount, 0);
  if (!Number.isSafeInteger(subtotal)) throw new Error('the subtotal is out of range');
  const shipping = subtotal >= rules.freeShippingThreshold ? 0 : rules.shippingFlatRate;
  const tax = applyRate(subtotal, rules.taxRate);
  return { subtotal, shipping, tax, total: subtotal + shipping + tax };
}
