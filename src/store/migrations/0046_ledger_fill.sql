-- postgres only
-- 0046: ledger_fill()'s first version, which repeated the statements of item_figs_recompute (0054) and of
-- 0051's recount of the counters; migration 0047 defines it now, with the two it shares them with. This
-- number stays taken (databases have recorded it), and a new database has nothing to do here.
SELECT 1;
