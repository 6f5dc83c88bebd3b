-- each to-do names its object's kind within the workflow (src/workflow/todos.c, workflow.varieties): a result's
-- to-do says 约谈 or 通报批评, a bulletin's 督查专报, where it said the workflow's word (结果运用记录, 督查通报)
ALTER TABLE todos ADD COLUMN variety TEXT NOT NULL DEFAULT '';
UPDATE todos SET variety = COALESCE((SELECT r.kind FROM results r WHERE r.id = todos.object_id), '')
 WHERE kind = 'result';
UPDATE todos SET variety = COALESCE((SELECT b.kind FROM bulletins b WHERE b.id = todos.object_id), '')
 WHERE kind = 'bulletin';
