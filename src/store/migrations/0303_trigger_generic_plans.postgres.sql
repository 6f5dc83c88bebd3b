-- 0303 (PostgreSQL; 0303_trigger_generic_plans.sqlite.sql is empty): the triggers that keep the ledger's derived
-- tables (item_scope, item_counts, item_figs, figure_counts, item_search, the tracks' lights) plan their statements
-- once per connection. Their statements take PL/pgSQL variables as parameters (NEW.state, an array of ids, the
-- figure zone), and for such a statement PostgreSQL weighs a custom plan (planned for the values of the call) against
-- the generic one after five calls; with `= ANY (ids)` the generic plan's estimate is always the worse, so every call
-- was planned again: under 8 writers on two nodes a quarter of the server's CPU went to planning these statements
-- (pg_stat_statements with track_planning: the item_figs INSERT planned 10,364 times in 10,364 calls, 0.34 ms each).
-- Set on the trigger functions, the mode holds for everything they call (item_figs_recompute, item_scope_add_part,
-- item_search_scope …); bulk paths that call those functions directly (ledger rebuild, migrate-data's refresh) keep
-- the default. A function replaced later (CREATE OR REPLACE) loses the setting: tests/api/test_ops.py checks it.
ALTER FUNCTION figure_counts_trg() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION item_figs_refresh_trg() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION item_counts_trg() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION item_scope_light_trg() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION item_scope_refresh_trg() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION item_figs_tracks_del() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION item_figs_tracks_ins() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION item_figs_tracks_upd() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION item_scope_queue_run() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION item_scope_tracks_ins() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION item_scope_tracks_trg() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION item_tracks_light_trg() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION item_figs_items_del() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION item_figs_items_ins() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION item_figs_items_upd() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION item_scope_items_ins() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION item_scope_items_trg() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION item_tracks_light_item_trg() SET plan_cache_mode = force_generic_plan;
