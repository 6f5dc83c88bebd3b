/*
 * audit.h: the audit trail (留痕). Every state-changing operation calls audit_record inside its
 * own transaction, so the record exists if and only if the change does. Records form a chain: each
 * stores the SM3 hash of its predecessor and its own hash over its fields; audit_head keeps the tip.
 * Writers serialize on the audit_head row, which keeps the chain linear across processes.
 */
#ifndef DUCHA_AUDIT_H
#define DUCHA_AUDIT_H

#include "core/ctx.h"

#include <jansson.h>

/*
 * Appends one record: action (e.g. "unit.create"), the object's type and id, and a summary object
 * (before/after or the fields that matter; borrowed, not stolen). Must run inside a transaction.
 * Returns ERR_OK or a store failure.
 */
enum err audit_record(struct ctx *c, const char *action, const char *object_type, int64_t object_id, json_t *summary);

/* The SM3 hash of one record from its stored fields (NULL counts as ""), after prev: what the chain
 * stores in audit_log.hash. Exposed so that archive files can be checked offline. */
void audit_hash(int64_t seq, const char *at, const char *actor_id, const char *actor, const char *role,
                const char *unit_id, const char *action, const char *otype, const char *oid, const char *summary,
                const char *client, const char *scope, const char *prev, char out[65]);

struct audit_check {
    bool ok;
    int64_t records;
    int64_t bad_seq;     /* first record that does not verify (0 if ok) */
    const char *problem; /* what is wrong there, in words */
};

/* Walks the whole chain in order and recomputes every hash. */
enum err audit_verify(struct ctx *c, struct audit_check *out);

/* Lists records newest first, filtered by the query object's optional members (actor, action,
 * object_type, object_id, from, to, before_seq, limit). Returns a JSON array (caller owns). */
enum err audit_list(struct ctx *c, const char *actor, const char *action, const char *object_type,
                    const char *object_id, const char *from, const char *to, int64_t before_seq, int limit,
                    json_t **out);

#endif
