-- The search index of the catalog and the purchase signals behind recommendations. Everything
-- here is derived: the catalog (product service) and orders (order service) are the source of
-- truth, and `npm run reindex` rebuilds the documents from the catalog.

-- Trigram similarity (typo tolerance) and edit distance (choosing a correction). Both ship with
-- PostgreSQL and are supported on Aurora PostgreSQL and RDS.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch WITH SCHEMA public;

-- One row per product: what search matches, filters, facets and sorts on. Prices are in minor
-- units. `in_stock` follows the order service's stock ("some variant can be sold").
CREATE TABLE documents (
  product_id         text PRIMARY KEY,
  slug               text NOT NULL,
  title              text NOT NULL,
  description        text NOT NULL,
  brand              text,
  category_slug      text NOT NULL,
  category_name      text NOT NULL,
  min_price          bigint NOT NULL CHECK (min_price >= 0),
  max_price          bigint NOT NULL CHECK (max_price >= min_price),
  currency           char(3) NOT NULL,
  in_stock           boolean NOT NULL DEFAULT false,
  created_at         timestamptz NOT NULL,
  -- The catalog's `updatedAt` of the version indexed: an older version never overwrites a newer.
  source_updated_at  timestamptz NOT NULL,
  indexed_at         timestamptz NOT NULL DEFAULT now(),
  -- The distinct lower-case words of title, brand and category: what the lexicon counts.
  words              text[] NOT NULL,
  -- Weighted full text: title (A) over brand and category (B) over description (C).
  document           tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, title), 'A') ||
    setweight(to_tsvector('english'::regconfig, coalesce(brand, '') || ' ' || category_name), 'B') ||
    setweight(to_tsvector('english'::regconfig, description), 'C')
  ) STORED
);
CREATE INDEX documents_document_idx ON documents USING gin (document);
-- Last resort for queries no word matches: trigram similarity of the whole query to titles.
CREATE INDEX documents_title_trgm_idx ON documents USING gin (lower(title) gin_trgm_ops);
-- Sorts (keyset pagination ends every key with product_id) and "similar" by price band.
CREATE INDEX documents_price_idx ON documents (min_price, product_id);
CREATE INDEX documents_newest_idx ON documents (created_at DESC, product_id);
CREATE INDEX documents_category_price_idx ON documents (category_slug, min_price) WHERE in_stock;

-- Every word of the catalog's titles, brands and categories, with the number of products that
-- use it: the dictionary for spelling correction (trigram index) and completions (prefix index).
CREATE TABLE lexicon (
  word       text PRIMARY KEY,
  -- Kept above zero: a word whose count drops to zero is deleted in the same transaction.
  documents  integer NOT NULL
);
CREATE INDEX lexicon_word_trgm_idx ON lexicon USING gin (word gin_trgm_ops);
CREATE INDEX lexicon_word_prefix_idx ON lexicon (word text_pattern_ops);

-- Where the indexer is in the catalog's change feed.
CREATE TABLE feed_state (
  feed        text PRIMARY KEY,
  position    text,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Orders already counted: recording an order is idempotent, so redeliveries count once.
CREATE TABLE orders_seen (
  order_id     text PRIMARY KEY,
  owner_sub    text,
  placed_at    timestamptz NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);

-- What each order bought, per product.
CREATE TABLE purchases (
  order_id    text NOT NULL REFERENCES orders_seen (order_id),
  product_id  text NOT NULL,
  owner_sub   text,
  quantity    integer NOT NULL CHECK (quantity > 0),
  placed_at   timestamptz NOT NULL,
  PRIMARY KEY (order_id, product_id)
);
CREATE INDEX purchases_owner_idx ON purchases (owner_sub, product_id) WHERE owner_sub IS NOT NULL;

-- Bought together: for each product, the orders that also held `other_id` (both directions).
CREATE TABLE co_purchases (
  product_id  text NOT NULL,
  other_id    text NOT NULL,
  orders      integer NOT NULL CHECK (orders > 0),
  PRIMARY KEY (product_id, other_id)
);
CREATE INDEX co_purchases_rank_idx ON co_purchases (product_id, orders DESC, other_id);

-- Best sellers.
CREATE TABLE sales (
  product_id  text PRIMARY KEY,
  units       bigint NOT NULL CHECK (units > 0),
  orders      bigint NOT NULL CHECK (orders > 0)
);
CREATE INDEX sales_units_idx ON sales (units DESC, product_id);
