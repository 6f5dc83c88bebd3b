#include "audit/audit.h"

#include "base/buf.h"
#include "base/timeu.h"
#include "core/perm.h"
#include "crypto/hash.h"

#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* The bytes a record's hash covers: every field, separated by 0x1f, after the previous hash. */
void audit_hash(int64_t seq, const char *at, const char *actor_id, const char *actor, const char *role,
                const char *unit_id, const char *action, const char *otype, const char *oid, const char *summary,
                const char *client, const char *scope, const char *prev, char out[65])
{
    struct sm3_ctx *h = sm3_begin();
    char num[32];
    snprintf(num, sizeof num, "%" PRId64, seq);
    const char *fields[] = {prev, num, at, actor_id, actor, role, unit_id, action, otype, oid, summary, client, scope};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        sm3_update(h, fields[i] ? fields[i] : "", fields[i] ? strlen(fields[i]) : 0);
        sm3_update(h, "\x1f", 1);
    }
    sm3_end(h, out);
}

static const char SQL_HEAD[] = "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE";
static const char SQL_HEAD_SQLITE[] = "SELECT seq, hash FROM audit_head WHERE id = 1";
static const char SQL_INSERT[] =
    "INSERT INTO audit_log (seq, at, actor_id, actor, role, unit_id, action, object_type, object_id, summary, "
    "client, scope, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_SET_HEAD[] = "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1";

enum err audit_record(struct ctx *c, const char *action, const char *object_type, int64_t object_id, json_t *summary)
{
    const char *what = "写入审计记录";
    struct stmt *st = db_prepare(c->db, strcmp(db_kind(c->db), "postgres") == 0 ? SQL_HEAD : SQL_HEAD_SQLITE);
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, what);
    int rc = stmt_step(st);
    if (rc != STORE_ROW) {
        stmt_done(st);
        return ctx_store_fail(c, rc == STORE_DONE ? STORE_E_OTHER : rc, what);
    }
    int64_t seq = stmt_int(st, 0) + 1;
    char prev[65];
    snprintf(prev, sizeof prev, "%s", stmt_text(st, 1));
    stmt_done(st);

    char at[21], hash[65], oid[32], uid[32] = "", aid[32] = "";
    time_format_iso(c->now, at);
    snprintf(oid, sizeof oid, "%" PRId64, object_id);
    if (c->user)
        snprintf(aid, sizeof aid, "%" PRId64, c->user->id);
    const char *role = c->acting ? role_name(c->acting->role) : "";
    if (c->acting)
        snprintf(uid, sizeof uid, "%" PRId64, c->acting->unit_id);
    char *sum = summary ? json_dumps(summary, JSON_COMPACT | JSON_SORT_KEYS) : xstrdup("{}");
    const char *client = c->client ? c->client : "";
    /* who may read it: the acting grant's subtree, else the actor's first unit, else system-wide */
    const char *scope = c->audit_scope ? c->audit_scope
                        : c->acting    ? c->acting->unit_path
                                       : (c->user && c->user->ngrants ? c->user->grants[0].unit_path : "/");
    audit_hash(seq, at, aid, ctx_actor(c), role, uid, action, object_type, oid, sum, client, scope, prev, hash);

    st = db_prepare(c->db, SQL_INSERT);
    if (!st) {
        free(sum);
        return ctx_store_fail(c, STORE_E_OTHER, what);
    }
    stmt_bind_int(st, 1, seq);
    stmt_bind_text(st, 2, at);
    if (c->user)
        stmt_bind_int(st, 3, c->user->id);
    else
        stmt_bind_null(st, 3);
    stmt_bind_text(st, 4, ctx_actor(c));
    stmt_bind_text(st, 5, role);
    if (c->acting)
        stmt_bind_int(st, 6, c->acting->unit_id);
    else
        stmt_bind_null(st, 6);
    stmt_bind_text(st, 7, action);
    stmt_bind_text(st, 8, object_type);
    stmt_bind_text(st, 9, oid);
    stmt_bind_text(st, 10, sum);
    stmt_bind_text(st, 11, client);
    stmt_bind_text(st, 12, scope);
    stmt_bind_text(st, 13, prev);
    stmt_bind_text(st, 14, hash);
    rc = stmt_step(st);
    stmt_done(st);
    free(sum);
    if (rc < 0)
        return ctx_store_fail(c, rc, what);
    st = db_prepare(c->db, SQL_SET_HEAD);
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, what);
    stmt_bind_int(st, 1, seq);
    stmt_bind_text(st, 2, hash);
    rc = stmt_step(st);
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, what) : ERR_OK;
}

enum err audit_verify(struct ctx *c, struct audit_check *out)
{
    memset(out, 0, sizeof *out);
    out->ok = true;
    /* in pages: a PostgreSQL result is held in memory whole, and the chain grows without bound */
    static const char sql[] =
        "SELECT seq, at, actor_id, actor, role, unit_id, action, object_type, object_id, "
        "summary, client, scope, prev_hash, hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?";
    enum { PAGE = 5000 };
    char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
    int64_t expect = 1, last = INT64_MIN;
    int rc = STORE_DONE, rows = PAGE;
    struct stmt *st = NULL;
    while (out->ok && rows == PAGE && rc >= 0) {
        st = db_prepare(c->db, sql);
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "读取审计记录");
        stmt_bind_int(st, 1, last);
        stmt_bind_int(st, 2, PAGE);
        rows = 0;
        while ((rc = stmt_step(st)) == STORE_ROW) {
            int64_t seq = last = stmt_int(st, 0);
            rows++;
            out->records++;
            char hash[65];
            audit_hash(seq, stmt_text(st, 1), stmt_text(st, 2), stmt_text(st, 3), stmt_text(st, 4), stmt_text(st, 5),
                       stmt_text(st, 6), stmt_text(st, 7), stmt_text(st, 8), stmt_text(st, 9), stmt_text(st, 10),
                       stmt_text(st, 11), stmt_text(st, 12), hash);
            const char *problem = NULL;
            if (seq != expect)
                problem = seq > expect ? "记录缺失（序号不连续，可能被删除）" : "序号重复或顺序错误（可能被插入）";
            else if (strcmp(stmt_text(st, 12), prev) != 0)
                problem = "前序哈希不符（记录被删除、插入或重排）";
            else if (strcmp(stmt_text(st, 13), hash) != 0)
                problem = "内容与哈希不符（记录被篡改）";
            if (problem) {
                out->ok = false;
                out->bad_seq = seq > expect && !strcmp(problem, "记录缺失（序号不连续，可能被删除）") ? expect : seq;
                out->problem = arena_strdup(c->arena, problem);
                break;
            }
            snprintf(prev, sizeof prev, "%s", stmt_text(st, 13));
            expect++;
        }
        stmt_done(st);
    }
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取审计记录");
    if (out->ok) {
        /* the tip must match: otherwise records at the end were deleted */
        st = db_prepare(c->db, "SELECT seq, hash FROM audit_head WHERE id = 1");
        if (st && stmt_step(st) == STORE_ROW) {
            if (stmt_int(st, 0) != expect - 1 || strcmp(stmt_text(st, 1), prev) != 0) {
                out->ok = false;
                out->bad_seq = expect;
                out->problem = arena_printf(
                    c->arena, "链尾不符：应有 %" PRId64 " 条记录，实有 %" PRId64 " 条（末尾记录被删除或链头被改动）",
                    stmt_int(st, 0), expect - 1);
            }
        }
        stmt_done(st);
    }
    return ERR_OK;
}

enum err audit_list(struct ctx *c, const char *actor, const char *action, const char *object_type,
                    const char *object_id, const char *from, const char *to, int64_t before_seq, int limit,
                    json_t **out)
{
    /* optional filters as (? IS NULL OR col = ?); the reader's scope as one range per scope root,
     * plus system-wide records for readers who hold a role at a root unit */
    int n;
    const char **scope = perm_scope(c, &n);
    bool root = !c->user;
    char *sql = arena_strdup(c->arena,
                             "SELECT seq, at, actor_id, actor, role, unit_id, action, object_type, object_id, summary, "
                             "client, hash FROM audit_log WHERE (? IS NULL OR actor = ?) AND (? IS NULL OR action = ?) "
                             "AND (? IS NULL OR object_type = ?) AND (? IS NULL OR object_id = ?) AND (? IS NULL OR at "
                             ">= ?) AND (? IS NULL OR at < ?) AND seq < ? AND (? = 1");
    for (int i = 0; i < n; i++) {
        sql = arena_printf(c->arena, "%s OR (scope >= ? AND scope < ?)", sql);
        if (strchr(scope[i] + 1, '/') == scope[i] + strlen(scope[i]) - 1)
            root = true; /* "/N/": a root unit */
    }
    sql = arena_printf(c->arena, "%s OR (? = 1 AND scope = '/')) ORDER BY seq DESC LIMIT ?", sql);
    struct stmt *st = db_prepare(c->db, sql);
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取审计记录");
    const char *f[] = {actor, action, object_type, object_id, from, to};
    for (int i = 0; i < 6; i++) {
        stmt_bind_text(st, 2 * i + 1, f[i]);
        stmt_bind_text(st, 2 * i + 2, f[i]);
    }
    stmt_bind_int(st, 13, before_seq > 0 ? before_seq : INT64_MAX);
    stmt_bind_int(st, 14, c->user == NULL);
    int k = 15;
    for (int i = 0; i < n; i++) {
        stmt_bind_text(st, k++, scope[i]);
        stmt_bind_text(st, k++, perm_path_upper(c->arena, scope[i]));
    }
    stmt_bind_int(st, k++, root);
    stmt_bind_int(st, k, limit);
    json_t *arr = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        json_t *summary = json_loads(stmt_text(st, 9), 0, NULL);
        json_array_append_new(arr, json_pack("{sI ss so ss ss so ss ss ss so ss ss}", "seq",
                                             (json_int_t)stmt_int(st, 0), "at", stmt_text(st, 1), "actor_id",
                                             stmt_is_null(st, 2) ? json_null() : json_integer(stmt_int(st, 2)), "actor",
                                             stmt_text(st, 3), "role", stmt_text(st, 4), "unit_id",
                                             stmt_is_null(st, 5) ? json_null() : json_integer(stmt_int(st, 5)),
                                             "action", stmt_text(st, 6), "object_type", stmt_text(st, 7), "object_id",
                                             stmt_text(st, 8), "summary", summary ? summary : json_object(), "client",
                                             stmt_text(st, 10), "hash", stmt_text(st, 11)));
    }
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "读取审计记录");
    }
    *out = arr;
    return ERR_OK;
}
