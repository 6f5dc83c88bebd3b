/* audit_internal.h: what the files of src/audit share: the record's canonical bytes, the key material,
 * the hashes, reading the stored tree. Not for other modules. */
#ifndef DUCHA_AUDIT_INTERNAL_H
#define DUCHA_AUDIT_INTERNAL_H

#include "audit/audit.h"
#include "base/buf.h"
#include "crypto/merkle.h"

#include <stdatomic.h>

/* The fields of a record as text, in the order the hashes cover them (NULL counts as ""). */
enum { AUDIT_NFIELDS = 11 };
#define AUDIT_FIELD_COLS "at, actor_id, actor, role, unit_id, action, object_type, object_id, summary, client, scope"

/* The canonical bytes of a record at position seq (0 for a queued record): each of seq and the fields
 * as "<length>:<bytes>", so no two different records share them. Appended to b. */
void audit_canon(struct buf *b, int64_t seq, const char *const f[AUDIT_NFIELDS]);

/* The audit key (cfg->audit_key as bytes) and its id: 16 hex digits of HMAC-SM3(key, "key-id"). */
struct audit_key {
    const char *bytes;
    size_t n;
    char id[17];
};
/* False (and ctx_fail ERR_INTERNAL) when no key is configured. */
bool audit_key_get(struct ctx *c, struct audit_key *k);

/* The id of the key the trail is sealed with ("" before its first keyed use), arena memory. */
enum err audit_key_id(struct ctx *c, const char **key_id);
/* HMAC-SM3(key, label || parts…) as hex; parts end with NULL. */
void audit_mac(const struct audit_key *k, const char *label, char out[65], ...) __attribute__((sentinel));
/* The chain hash of a record after prev (hex): HMAC-SM3(key, "chain" || prev || canon). */
void audit_chain_hash(const struct audit_key *k, const char *prev, const struct buf *canon, char out[65]);
/* The queue MAC of a record (canon at seq 0): HMAC-SM3(key, "queue" || nonce || canon). */
void audit_queue_mac(const struct audit_key *k, const char *nonce, const struct buf *canon, char out[65]);
/* The Merkle leaf of a record: SM3(0x00 || canon). */
void audit_leaf(const struct buf *canon, merkle_hash out);

/* The SM2 key pair of checkpoints, derived from the audit key (malloc'd; caller frees). */
bool audit_sign_key(const struct audit_key *k, char **public_pem, unsigned char **private_der, size_t *len);
/* The text a tree head's signature covers. Arena memory. */
const char *audit_head_statement(struct arena *a, int64_t size, const char *root, const char *at);
/* A signed tree head {format, size, root, time, fingerprint, public_key, signature}; NULL on failure. */
json_t *audit_sign_head(struct ctx *c, const struct audit_key *k, int64_t size, const char *root, const char *at);
/* Checks a signed tree head's signature; NULL if good, else why (static text). */
const char *audit_head_check(struct arena *a, const json_t *head);

/* merkle_get_fn over the stored tree: level 0 from audit_log.leaf, higher levels from audit_tree. */
bool audit_tree_get(void *db, int level, uint64_t index, merkle_hash out);
/* The head row, locked for the transaction on PostgreSQL (SQLite's write transaction is exclusive). */
enum err audit_head_lock(struct ctx *c, int64_t *seq, const char **hash, const char **frontier, const char **key_id);

/* The first keyed use of a trail (head locked by the caller's transaction, key_id empty): re-keys the
 * seq records sealed before and records the key's id. */
enum err audit_adopt_key(struct ctx *c, const struct audit_key *k, int64_t seq, const char *hash);

/* Set by audit_record: records are waiting; the sealer thread looks at it every few milliseconds. */
extern atomic_bool audit_waiting;

#endif
