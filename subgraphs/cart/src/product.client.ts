/**
 * What the cart needs from the rest of the store: a variant's current price and title (the
 * product service owns them, asked here) and what can still be sold of it (the order service
 * keeps stock; see order.client.ts). Both through their federation `_entities` entry point, as
 * the gateway would, with an anonymous identity: prices and stock are public.
 */
import { anonymous } from '../../../common/identity';
import { parseMinorUnits } from '../../../common/money';
import type { CatalogVariant } from './domain';
import { callSubgraph, type SubgraphEndpoint } from '../../../common/subgraph-client';
import { orderServiceStock } from './order.client';

export interface Catalog {
  /** The variants the catalog has, by id; ids it does not know are left out. */
  variants(ids: readonly string[]): Promise<Map<string, CatalogVariant>>;
  /** Units that can still be sold, by id (0 for a variant without stock). */
  stock(ids: readonly string[]): Promise<Map<string, number>>;
}

const variantsQuery = `query CartVariants($r: [_Any!]!) {
  _entities(representations: $r) {
    ... on ProductVariant { id sku title price { amount currencyCode } product { id title } }
  }
}`;

interface VariantEntity {
  id: string;
  sku: string;
  title: string;
  price: { amount: string; currencyCode: string };
  product: { id: string; title: string } | null;
}

const representations = (ids: readonly string[]) =>
  ids.map((id) => ({ __typename: 'ProductVariant', id }));

export function subgraphCatalog(options: {
  product: SubgraphEndpoint;
  order: SubgraphEndpoint;
}): Catalog {
  return {
    async variants(ids) {
      const found = new Map<string, CatalogVariant>();
      if (ids.length === 0) return found;
      const data = await callSubgraph<{ _entities: (VariantEntity | null)[] }>(
        'product',
        options.product,
        anonymous,
        variantsQuery,
        { r: representations(ids) },
      );
      for (const entity of data._entities) {
        const price = entity ? parseMinorUnits(entity.price.amount) : null;
        if (!entity || price === null) continue;
        found.set(entity.id, {
          id: entity.id,
          sku: entity.sku,
          title: entity.title,
          price,
          currencyCode: entity.price.currencyCode,
          productTitle: entity.product?.title ?? entity.title,
        });
      }
      return found;
    },
    stock: orderServiceStock(options.order),
  };
}
