-- 0218: a photo of the public form waits for the photo worker as a file (data_dir/clues/raw/<name>, written and
-- fsynced before the clue's transaction, outside its write lock) instead of base64 in the database: 1.9 MB of
-- base64 written, read and deleted in SQLite cost ~30 ms of CPU per photo and held the writer lock while the
-- request wrote it. clue_photo_raw keeps the file's name.

ALTER TABLE clue_photo_raw RENAME COLUMN data TO file;
