-- 0048: the mark of a `ducha migrate-data` whose copy committed and whose fill of the ledger's derived tables
-- (src/cli/cli_migrate.c) has not finished. The copy's transaction writes the row; the run deletes it once the
-- fill's parts (each its own transaction on its own connection) have committed and their end state is checked.
-- A run that finds the row fills the derived tables again instead of copying.
CREATE TABLE migrate_data_fill (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    started_at TEXT NOT NULL
);
