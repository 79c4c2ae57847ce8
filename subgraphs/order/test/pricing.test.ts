import { ConfigError } from '../../../common/config';
import { loadOrderConfig } from '../src/config';
import { applyRate, orderTotals, type PricingRules } from '../src/pricing';

const required = {
  INTERNAL_IDENTITY_SECRET: 'x'.repeat(32),
  DATABASE_URL: 'postgres://store@db:5432/store',
};

const rules = (taxRate = '0.08'): PricingRules => {
  const config = loadOrderConfig({ ...required, TAX_RATE: taxRate });
  return {
    shippingFlatRate: config.shippingFlatRate,
    freeShippingThreshold: config.freeShippingThreshold,
    taxRate: config.taxRate,
  };
};

describe('order totals', () => {
  it('charges flat shipping below the threshold and none from it on', () => {
    expect(orderTotals([4999], rules())).toEqual({
      subtotal: 4999,
      shipping: 499,
      tax: 400,
      total: 5898,
    });
    expect(orderTotals([2500, 2500], rules())).toEqual({
      subtotal: 5000,
      shipping: 0,
      tax: 400,
      total: 5400,
    });
  });

  it('taxes the subtotal only, rounding half a cent up', () => {
    // 7.25% of 2.00 is 14.5 cents: half up gives 15 (banker's rounding would give 14).
    expect(applyRate(200, rules('0.0725').taxRate)).toBe(15);
    // 7.25% of 2.06 is 14.935 cents.
    expect(applyRate(206, rules('0.0725').taxRate)).toBe(15);
    // 7.25% of 1.99 is 14.4275 cents.
    expect(applyRate(199, rules('0.0725').taxRate)).toBe(14);
    expect(orderTotals([200], rules('0.0725'))).toEqual({
      subtotal: 200,
      shipping: 499,
      tax: 15,
      total: 714,
    });
  });

  it('is exact where floating point is not', () => {
    // 0.1 + 0.2 in floating point is 0.30000000000000004.
    expect(orderTotals([10, 20], rules('0')).subtotal).toBe(30);
    // 8% of 1,234,567,890.12: exact in minor units.
    expect(applyRate(123_456_789_012, rules().taxRate)).toBe(9_876_543_121);
    expect(applyRate(0, rules().taxRate)).toBe(0);
    expect(applyRate(12_345, rules('1').taxRate)).toBe(12_345);
  });
});

describe('checkout settings', () => {
  it('default to 4.99 shipping, free from 50.00, 8% tax, in USD', () => {
    const config = loadOrderConfig(required);
    expect({
      shipping: config.shippingFlatRate,
      threshold: config.freeShippingThreshold,
      tax: config.taxRate.text,
      currency: config.currency,
      cart: config.cartSubgraphUrl,
      search: config.searchSubgraphUrl,
    }).toEqual({
      shipping: 499,
      threshold: 5000,
      tax: '0.08',
      currency: 'USD',
      cart: 'http://localhost:4004/graphql',
      search: 'http://localhost:4005/graphql',
    });
  });

  it.each([
    [
      { SHIPPING_FLAT_RATE: '4,99' },
      'SHIPPING_FLAT_RATE must be an amount like "4.99" (got "4,99")',
    ],
    [
      { FREE_SHIPPING_THRESHOLD: '-1' },
      'FREE_SHIPPING_THRESHOLD must be an amount like "4.99" (got "-1")',
    ],
    [
      { TAX_RATE: '8%' },
      'TAX_RATE must be a decimal from 0 to 1 with at most 6 places, like "0.08" (got "8%")',
    ],
    [
      { TAX_RATE: '1.5' },
      'TAX_RATE must be a decimal from 0 to 1 with at most 6 places, like "0.08" (got "1.5")',
    ],
    [{ CURRENCY: 'usd' }, 'CURRENCY must be an ISO 4217 code like "USD" (got "usd")'],
    [
      { CART_SUBGRAPH_URL: 'cart:4004' },
      'CART_SUBGRAPH_URL must be a http or https URL (got "cart://…")',
    ],
    [
      { SEARCH_SUBGRAPH_URL: 'search:4005' },
      'SEARCH_SUBGRAPH_URL must be a http or https URL (got "search://…")',
    ],
  ])('stop on %j with one line naming the variable', (source, message) => {
    let problem = 'no error';
    try {
      loadOrderConfig({ ...required, ...source });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problem = error.message;
    }
    expect(problem).toBe(message);
  });
});
