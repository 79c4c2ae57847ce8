/**
 * The demo catalog (the generator the product service seeds from) as search documents, and a way
 * to write them straight into an index, as if the indexer had read the seeded catalog's feed:
 * for the tests' shared index and the search benchmark, which need a full index without running
 * the product and order services.
 */
import type { Pool } from 'pg';
import { inTransaction } from '../../common/postgres';
import { categories } from './catalog-data';
import { generateCatalog } from './generate';
import type { FeedDocument } from '../../subgraphs/search/src/domain';
import { saveFeedPosition, upsertDocuments } from '../../subgraphs/search/src/index.repository';
import { CATALOG_FEED } from '../../subgraphs/search/src/indexer';

/** A document with the stock flag the seed gives it. */
export type DemoDocument = FeedDocument & { inStock: boolean };

/** The first `products` products of the demo catalog, one at a time. */
export function* demoDocuments(products: number): Generator<DemoDocument> {
  const names = new Map(categories.map((c) => [c.slug, c.name]));
  for (const { product, stock } of generateCatalog({ products })) {
    yield {
      id: product.id,
      slug: product.slug,
      title: product.title,
      description: product.description,
      brand: product.brand,
      categorySlug: product.categorySlug,
      categoryName: names.get(product.categorySlug) ?? product.categorySlug,
      minPrice: product.minPrice,
      maxPrice: product.maxPrice,
      currencyCode: product.currencyCode,
      createdAt: product.createdAt,
      updatedAt: product.updatedAt,
      position: `${product.updatedAt}#${product.id}`,
      inStock: [...stock.values()].some((units) => units > 0),
    };
  }
}

/** Writes documents into the index behind `pool`, 500 a transaction, and sets the feed position. */
export async function indexDocuments(pool: Pool, documents: Iterable<DemoDocument>) {
  let last = '';
  let batch: DemoDocument[] = [];
  const flush = async () => {
    const written = batch;
    batch = [];
    await inTransaction(pool, (tx) =>
      upsertDocuments(tx, written, new Map(written.map((d) => [d.id, d.inStock]))),
    );
  };
  for (const document of documents) {
    batch.push(document);
    if (document.position > last) last = document.position;
    if (batch.length === 500) await flush();
  }
  if (batch.length > 0) await flush();
  if (last) await saveFeedPosition(pool, CATALOG_FEED, last);
}
