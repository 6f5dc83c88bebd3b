-- 0296: policy advice (政策建议, kind 'advice': 辅政建言) joins the kinds of results.
ALTER TABLE results DROP CONSTRAINT results_kind_check;
ALTER TABLE results ADD CONSTRAINT results_kind_check
    CHECK (kind IN ('praise', 'criticism', 'talk', 'accountability', 'referral', 'tolerance', 'advice'));
