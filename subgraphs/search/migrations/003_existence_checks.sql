-- Existence checks ("does any document match?") with sequential scans ruled out, one statement
-- each. Asked whether there is any row, the planner reckons a rare word's matches are spread
-- through the table and reads it front to back (70 ms on 100,000 products when nothing matches),
-- where the GIN index answers in well under a millisecond. A function's SET applies to its own
-- statements only, so no transaction and SET LOCAL (four round trips) is needed around them.
-- Tables resolve through the caller's search_path, as the service's own statements do.

-- Of these full-text queries, the (1-based) positions of those that match a document, in order.
CREATE FUNCTION queries_with_hits(text[], boolean[], boolean[])
RETURNS SETOF integer LANGUAGE sql STABLE SET enable_seqscan = off AS $$
  SELECT n::int FROM unnest($1, $2, $3) WITH ORDINALITY AS t(q, plain, headline_only, n)
   WHERE CASE WHEN t.headline_only THEN EXISTS (
           SELECT 1 FROM documents WHERE headline @@ to_tsquery('english', t.q))
         ELSE EXISTS (
           SELECT 1 FROM documents
            WHERE document @@ CASE WHEN t.plain THEN plainto_tsquery('english', t.q)
                                   ELSE to_tsquery('english', t.q) END)
         END
   ORDER BY n
$$;

-- Whether any title is similar (trigrams) to the text.
CREATE FUNCTION any_similar_title(text)
RETURNS boolean LANGUAGE sql STABLE SET enable_seqscan = off AS $$
  SELECT EXISTS (SELECT 1 FROM documents WHERE lower(title) % $1)
$$;
