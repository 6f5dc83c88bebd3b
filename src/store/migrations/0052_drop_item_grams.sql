-- 0052: the ledger searches the full-text index that migration 0050's triggers keep (FTS5 with the
-- tokenizer 'ducha' on SQLite, a tsvector over the same bigrams on PostgreSQL); the old bigram table
-- item_grams is no longer read, so it goes, and nothing writes it any more.
DROP TABLE item_grams;
