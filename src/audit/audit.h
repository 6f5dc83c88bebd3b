/*
 * audit.h: the audit trail (留痕), which a database writer cannot rewrite unseen.
 *
 * Writing: every state-changing operation calls audit_record inside its own transaction, so the record
 * exists if and only if the change does. The record goes to a queue (audit_queue) under a MAC made with
 * the audit key; writers share no row, so a slow or stuck transaction holds up nobody.
 *
 * Sealing: one sealer at a time (the server's sealer thread, or any process calling audit_seal) takes
 * committed records from the queue in order and appends them to audit_log: each gets its position
 * (seq, 1, 2, … without gaps), a chain hash HMAC-SM3(key, previous hash, record) and a Merkle leaf.
 * The key lives outside the database (audit_key, or DATA_DIR/audit.key), so whoever can only write the
 * database cannot recompute the chain after changing a record.
 *
 * Checkpoints: audit_checkpoint signs the Merkle tree head (size, root; RFC 6962 with SM3) with an SM2
 * key derived from the audit key and appends it to an append-only file outside the database
 * (audit_checkpoint_file) as well as to audit_checkpoints. A checkpoint commits to every record before
 * it: audit_verify proves against the checkpoint file that no such record was changed, removed or
 * inserted, and (consistency proofs) that the log only grew from one checkpoint to the next. Item
 * archives carry a signed tree head and an inclusion proof for each of their records, checkable offline.
 * What each kind of attacker can and cannot hide: docs/security.md.
 */
#ifndef DUCHA_AUDIT_H
#define DUCHA_AUDIT_H

#include "core/ctx.h"

#include <jansson.h>

/*
 * Appends one record: action (e.g. "unit.create"), the object's type and id, and a summary object
 * (before/after or the fields that matter; borrowed, not stolen). Must run inside a transaction.
 * Returns ERR_OK or a store failure (ERR_INTERNAL when no audit key is configured).
 */
enum err audit_record(struct ctx *c, const char *action, const char *object_type, int64_t object_id, json_t *summary);

/*
 * Makes the trail ready for the configured key before a process writes: the first keyed use records
 * the key's id and re-keys the records written before (their unkeyed chain is checked first and the
 * outcome recorded as "audit.rekey"); a database sealed with another key is refused (ERR_CONFLICT,
 * naming both key ids), so a node with the wrong key never seals.
 */
enum err audit_open(struct ctx *c);

/* Seals up to max (0: every) committed records waiting in the queue, in their own transactions;
 * *sealed (may be NULL) counts them. A queue row whose MAC is wrong or that was sealed before is not
 * chained as written: an "audit.rejected" record holding its content takes its place. */
enum err audit_seal(struct ctx *c, int max, int *sealed);

/* Publishes a signed checkpoint of the sealed tree if it grew since the last one: into
 * audit_checkpoints and, after the commit, appended to the checkpoint file. *out (may be NULL): the
 * checkpoint as JSON (NULL if nothing was published). */
enum err audit_checkpoint(struct ctx *c, json_t **out);

struct audit_check {
    bool ok;
    int64_t records;
    int64_t bad_seq;         /* first record that does not verify (0 if ok) */
    const char *problem;     /* what is wrong there, in words */
    int checkpoints;         /* checkpoints whose signature and root were checked */
    int proofs;              /* consistency proofs between consecutive checkpoints verified */
    int64_t checkpoint_size; /* the last checkpoint's size (0: none) */
    const char *checkpoint_at;
    const char *source;      /* where the checkpoints came from: the file's path or "database" */
    const char *fingerprint; /* of the checkpoint key */
    int64_t pending;         /* records written, not yet sealed */
    /* restores recorded in the chain ("audit.restored") that explain a break in the checkpoints: the
     * last one at record restored_seq, when the chain held restored_size records; the superseded
     * checkpoints (of the tail the restore lost), the largest of superseded_size records at superseded_at */
    int restores, superseded;
    int64_t restored_seq, restored_size, superseded_size;
    const char *superseded_at;
    /* set when the only finding is checkpoints beyond the log: the largest of them */
    int64_t beyond_size;
    const char *beyond_at;
};

/*
 * Walks the whole chain in order: every record's chain hash (needs the key), its leaf, the head, and
 * every checkpoint of checkpoints_file (NULL: audit_checkpoint_file when it exists, else the
 * checkpoints kept in the database): its signature, that the records before it give its root, and a
 * consistency proof from each checkpoint to the next. Problems go to out; the return value is only for
 * failures to read.
 */
enum err audit_verify(struct ctx *c, const char *checkpoints_file, struct audit_check *out);

/*
 * The audit records of one object for an archive, oldest first, every field as the text the hashes
 * cover, each with its Merkle inclusion proof in *tree_head's tree: a tree head of the sealed records
 * signed now with the checkpoint key. Records of the current transaction (not sealed yet) come last,
 * marked "pending". No permission check: the caller checked the object.
 */
enum err audit_object_records(struct ctx *c, const char *object_type, int64_t object_id, json_t **records,
                              json_t **tree_head);

/*
 * Checks archived records offline (no database, no key): the tree head's SM2 signature, each record's
 * leaf against its fields and its inclusion proof against the head's root. Calls problem(arg, text)
 * for each finding (Chinese); returns the number of records proved. *fingerprint (arena) names the key.
 */
int audit_check_records(struct arena *a, const json_t *records, const json_t *tree_head, const char **fingerprint,
                        void (*problem)(void *arg, const char *text), void *arg);

/* Lists records newest first, filtered by the query object's optional members (actor, action,
 * object_type, object_id, from, to, before_seq, limit). Seals what is waiting first, so a reader sees
 * every committed record. Returns a JSON array (caller owns). */
enum err audit_list(struct ctx *c, const char *actor, const char *action, const char *object_type,
                    const char *object_id, const char *from, const char *to, int64_t before_seq, int limit,
                    json_t **out);

/* The latest checkpoints, newest first (for monitors and the web page). */
enum err audit_checkpoints(struct ctx *c, int limit, json_t **out);

/* The sealer thread of `ducha serve`: seals within a moment of each commit, checkpoints every
 * audit_checkpoint_s while the log grows, and once more when stopped. */
struct audit_sealer;
struct audit_sealer *audit_sealer_start(struct store *store, const struct config *cfg);
void audit_sealer_stop(struct audit_sealer *s);

#endif
