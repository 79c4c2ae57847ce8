import { generateCatalog, seedBrands } from '../seed/generate';

describe('the demo catalog generator', () => {
  const catalog = [...generateCatalog({ products: 2_000 })];

  it('makes at least 12 categories, 30 brands and 1 to 6 variants a product', () => {
    expect(new Set(catalog.map((p) => p.product.categorySlug)).size).toBeGreaterThanOrEqual(12);
    expect(seedBrands().length).toBeGreaterThanOrEqual(30);
    for (const { variants, product } of catalog) {
      expect(variants.length).toBeGreaterThanOrEqual(1);
      expect(variants.length).toBeLessThanOrEqual(6);
      expect(product.minPrice).toBe(Math.min(...variants.map((v) => v.price)));
    }
    expect(catalog.some((p) => p.product.documents.length > 0)).toBe(true);
    expect(catalog.some((p) => p.reviews.length > 0)).toBe(true);
  });

  it('is deterministic, and the first products do not depend on the total', () => {
    const small = [...generateCatalog({ products: 300 })];
    expect(small).toEqual(catalog.slice(0, 300));
  });

  it('gives every product a unique slug and every variant a unique SKU', () => {
    expect(new Set(catalog.map((p) => p.product.slug)).size).toBe(catalog.length);
    const skus = catalog.flatMap((p) => p.variants.map((v) => v.sku));
    expect(new Set(skus).size).toBe(skus.length);
  });
});
