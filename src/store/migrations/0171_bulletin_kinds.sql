-- 0171: special reports (督查专报, to the government's principal leaders) and briefings (督查简报, the office's
-- periodic newsletter, 第N期) are bulletins of their own kind: the same data-drafted, edited, approved, sealed
-- document, with their own number series (one counter per office, kind and year), so the number's key
-- carries the kind.
ALTER TABLE bulletins ADD COLUMN kind TEXT NOT NULL DEFAULT 'bulletin';
DROP INDEX bulletins_number;
CREATE UNIQUE INDEX bulletins_number ON bulletins (office_unit_id, kind, num_year, num_seq);
CREATE INDEX bulletins_kind ON bulletins (home_path, kind, id);
