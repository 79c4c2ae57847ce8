-- The words a product is named by (title, brand, category) as a vector of their own. A match
-- there is a strong match: relevance is computed for those and description-only matches rank
-- after them, so a broad word that every description of a category carries costs no ranking
-- work. As-you-type suggestions match only here.
ALTER TABLE documents ADD COLUMN headline tsvector GENERATED ALWAYS AS (
  to_tsvector('english'::regconfig, title || ' ' || coalesce(brand, '') || ' ' || category_name)
) STORED;
CREATE INDEX documents_headline_idx ON documents USING gin (headline);
