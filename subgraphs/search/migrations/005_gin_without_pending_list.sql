-- The GIN indexes take writes straight into the index (no pending list). With a pending list
-- (the default, up to 4 MB) every search scans all of it, matching or not: after the catalog's
-- first fill about 470 pages per index, 4 to 9 ms for each look-up of a word, even one no
-- document has. This index is read far more than written, so the writes pay instead.
ALTER INDEX documents_document_idx SET (fastupdate = off);
ALTER INDEX documents_headline_idx SET (fastupdate = off);
ALTER INDEX documents_title_trgm_idx SET (fastupdate = off);
ALTER INDEX lexicon_word_trgm_idx SET (fastupdate = off);
-- What is already pending goes into the index now.
SELECT gin_clean_pending_list('documents_document_idx'::regclass);
SELECT gin_clean_pending_list('documents_headline_idx'::regclass);
SELECT gin_clean_pending_list('documents_title_trgm_idx'::regclass);
SELECT gin_clean_pending_list('lexicon_word_trgm_idx'::regclass);
