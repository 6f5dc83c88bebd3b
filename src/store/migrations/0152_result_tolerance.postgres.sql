-- 0152: error tolerance (容错认定, kind 'tolerance') joins the kinds of results.
ALTER TABLE results DROP CONSTRAINT results_kind_check;
ALTER TABLE results ADD CONSTRAINT results_kind_check
    CHECK (kind IN ('praise', 'criticism', 'talk', 'accountability', 'referral', 'tolerance'));
