-- 0079: a milestone's reason names the rule's day in words, as every other date a user reads
-- ("按立项注明的办理期限；规则时限为交办后10日内（2026年3月12日）", deadlines_stated_reason); rows written before
-- ended in the ISO form "（2026-03-12）". Rewritten here, the rest of the sentence kept.
UPDATE milestones
   SET reason = substr(reason, 1, length(reason) - 12) || '（'
       || CAST(substr(reason, length(reason) - 10, 4) AS INTEGER) || '年'
       || CAST(substr(reason, length(reason) - 5, 2) AS INTEGER) || '月'
       || CAST(substr(reason, length(reason) - 2, 2) AS INTEGER) || '日）'
 WHERE reason LIKE '%规则时限为%（____-__-__）';
