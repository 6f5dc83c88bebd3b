-- 0217: a photo of the public form is stored without its location by the photo worker after the answer, not in
-- the request (src/clues/clue_photos.c). The photo's row is there from the clue's transaction on, 'pending'
-- until the worker has stored the copy without metadata ('ready') or found it is no image it can keep
-- ('rejected', with the reason the office reads); the bytes as sent wait in clue_photo_raw, read by the worker
-- alone and deleted in the transaction that records the outcome. A claim is a lease (claimed_by, lease_until:
-- Unix seconds of the real clock) so that a node that dies leaves the photo to the next pass of any node.

ALTER TABLE clue_photos ADD COLUMN state TEXT NOT NULL DEFAULT 'ready';
ALTER TABLE clue_photos ADD COLUMN reason TEXT;

CREATE TABLE clue_photo_raw (
    photo_id BIGINT PRIMARY KEY REFERENCES clue_photos (id),
    data TEXT NOT NULL,                       -- base64 of the bytes as sent
    claimed_by TEXT NOT NULL DEFAULT '',
    lease_until BIGINT NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0
);
