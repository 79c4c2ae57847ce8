/**
 * Prices and names for checkout, from the product service: its federation `_entities` entry point,
 * called directly with an anonymous identity (prices are public).
 */
import { anonymous } from '../../../common/identity';
import { parseMinorUnits } from '../../../common/money';
import {
  callSubgraph,
  SubgraphCallError,
  type SubgraphEndpoint,
} from '../../../common/subgraph-client';

/** A variant's current price and names, from the catalog. */
export interface PricedVariant {
  id: string;
  sku: string;
  title: string;
  productId: string;
  productTitle: string;
  /** Minor units of `currency`. */
  price: number;
  currency: string;
}

export interface PriceSource {
  /** The variants the catalog has, by id; ids it does not know are left out. */
  variants(ids: readonly string[]): Promise<Map<string, PricedVariant>>;
}

const variantsQuery = `query CheckoutPrices($r: [_Any!]!) {
  _entities(representations: $r) {
    ... on ProductVariant { id sku title price { amount currencyCode } product { id slug title } }
  }
}`;

interface VariantEntity {
  id: string;
  sku: string;
  title: string;
  price: { amount: string; currencyCode: string };
  product: { id: string; slug: string; title: string } | null;
}

export function productServicePrices(endpoint: SubgraphEndpoint): PriceSource {
  return {
    async variants(ids) {
      const found = new Map<string, PricedVariant>();
      if (ids.length === 0) return found;
      const data = await callSubgraph<{ _entities: (VariantEntity | null)[] }>(
        'product',
        endpoint,
        anonymous,
        variantsQuery,
        { r: ids.map((id) => ({ __typename: 'ProductVariant', id })) },
      );
      for (const entity of data._entities) {
        if (!entity?.product) continue;
        const price = parseMinorUnits(entity.price.amount);
        if (price === null) throw new SubgraphCallError('product', `a price of ${entity.id}`);
        found.set(entity.id, {
          id: entity.id,
          sku: entity.sku,
          title: entity.title,
          productId: entity.product.id,
          productTitle: entity.product.title,
          price,
          currency: entity.price.currencyCode,
        });
      }
      return found;
    },
  };
}
