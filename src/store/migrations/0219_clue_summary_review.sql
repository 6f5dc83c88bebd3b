-- 0219: what the unit verifying a clue reads of it, and what an item or inspection made of it copies, is its
-- summary; it used to start as the public's description word for word. A new clue's summary (and its title and
-- place) now has the reporter's own name, phone and e-mail and any phone number, e-mail address or ID card number
-- masked (src/base/textmask.c): summary_masked counts the parts masked. summary_reviewed: the office confirmed the
-- summary (edited it, or sent it with assign or a conversion); until then a clue can be neither sent for
-- verification nor converted. A clue recorded by the office's staff is reviewed from the start (the office wrote it).
-- Clues already past triage, recorded by staff or whose summary the office edited count as reviewed; the others
-- wait for the office.

ALTER TABLE clues ADD COLUMN summary_masked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clues ADD COLUMN summary_reviewed INTEGER NOT NULL DEFAULT 0;
UPDATE clues SET summary_reviewed = 1 WHERE state <> 'received' OR source = 'staff' OR summary <> description;
