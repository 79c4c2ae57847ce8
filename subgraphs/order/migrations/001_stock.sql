-- Stock on hand per product variant. `quantity` is what can still be sold: orders take from it,
-- cancellations give back, the back office sets it. It never goes below zero.
CREATE TABLE stock (
  variant_id  text PRIMARY KEY,
  product_id  text NOT NULL,
  quantity    integer NOT NULL CHECK (quantity >= 0),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Product availability is "some variant of the product has stock": one index scan per product.
CREATE INDEX stock_product_id_idx ON stock (product_id) INCLUDE (quantity);
