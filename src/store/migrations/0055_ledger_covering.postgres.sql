-- SQLite's half of this version makes the ledger's page reads covering (item_scope's indexes carry vis and
-- assigned, item_tracks an index of the page's track columns). PostgreSQL keeps its indexes: its planner
-- chooses from statistics, an index-only scan needs the visibility map that busy tables lag behind, and an
-- index over item_tracks' state and progress would stop their updates from being HOT (every report and
-- transition updates them).
SELECT 1;
