-- 0290: a unit's rows of item_figs by their month, so that the burden check before an item is sent (减负,
-- src/inspections/burden_check.c) counts the items the unit received this year as an index range instead of
-- joining every track the unit ever had with its item (a write's cost grew with the unit's history).
CREATE INDEX item_figs_unit ON item_figs (unit_id, own, reg_m);
