/* audit.c: writing records to the queue, the key material and hashes, reading the trail, and
 * re-keying a trail written before the chain was keyed. See audit.h. */
#include "audit/audit_internal.h"

#include "base/timeu.h"
#include "core/perm.h"
#include "crypto/hash.h"
#include "crypto/sm2.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

atomic_bool audit_waiting;

/* ---- canonical bytes and hashes ---- */

void audit_canon(struct buf *b, int64_t seq, const char *const f[AUDIT_NFIELDS])
{
    buf_printf(b, "%" PRId64 ":", seq);
    for (int i = 0; i < AUDIT_NFIELDS; i++) {
        const char *v = f[i] ? f[i] : "";
        size_t n = strlen(v);
        buf_printf(b, "%zu:", n);
        buf_append(b, v, n);
    }
}

bool audit_key_get(struct ctx *c, struct audit_key *k)
{
    const char *key = c->cfg ? c->cfg->audit_key : NULL;
    if (!key || strlen(key) < 16) {
        ctx_fail(c, ERR_INTERNAL, "未配置审计密钥（audit_key 或 DATA_DIR/audit.key），不能写入或校验审计记录");
        return false;
    }
    k->bytes = key;
    k->n = strlen(key);
    char full[65];
    audit_mac(k, "key-id", full, NULL);
    memcpy(k->id, full, 16);
    k->id[16] = 0;
    return true;
}

void audit_mac(const struct audit_key *k, const char *label, char out[65], ...)
{
    struct hmac_ctx *h = hmac_sm3_begin(k->bytes, k->n);
    hmac_update(h, label, strlen(label) + 1);
    va_list ap;
    va_start(ap, out);
    for (const char *p; (p = va_arg(ap, const char *));)
        hmac_update(h, p, strlen(p) + 1);
    va_end(ap);
    unsigned char d[32];
    hmac_end_raw(h, d);
    hex_encode(d, 32, out);
}

/* HMAC-SM3(key, label NUL, first NUL, canon) as hex: the chain hash and the queue MAC. */
static void canon_mac(const struct audit_key *k, const char *label, const char *first, const struct buf *canon,
                      char out[65])
{
    struct hmac_ctx *h = hmac_sm3_begin(k->bytes, k->n);
    hmac_update(h, label, strlen(label) + 1);
    hmac_update(h, first, strlen(first) + 1);
    hmac_update(h, canon->data ? canon->data : "", canon->len);
    unsigned char d[32];
    hmac_end_raw(h, d);
    hex_encode(d, 32, out);
}

void audit_chain_hash(const struct audit_key *k, const char *prev, const struct buf *canon, char out[65])
{
    canon_mac(k, "chain", prev, canon, out);
}

void audit_queue_mac(const struct audit_key *k, const char *nonce, const struct buf *canon, char out[65])
{
    canon_mac(k, "queue", nonce, canon, out);
}

void audit_leaf(const struct buf *canon, merkle_hash out)
{
    merkle_leaf(canon->data ? canon->data : "", canon->len, out);
}

bool audit_sign_key(const struct audit_key *k, char **public_pem, unsigned char **private_der, size_t *len)
{
    char seed_hex[65];
    unsigned char seed[32];
    audit_mac(k, "checkpoint-sm2", seed_hex, NULL);
    hex_decode(seed_hex, seed, 32);
    return sm2_derive(seed, public_pem, private_der, len);
}

#define HEAD_FORMAT "ducha-audit-checkpoint/1"

const char *audit_head_statement(struct arena *a, int64_t size, const char *root, const char *at)
{
    return arena_printf(a, HEAD_FORMAT "\n%" PRId64 "\n%s\n%s\n", size, root, at);
}

json_t *audit_sign_head(struct ctx *c, const struct audit_key *k, int64_t size, const char *root, const char *at)
{
    char *pub = NULL, *sig = NULL;
    unsigned char *priv = NULL;
    size_t plen = 0;
    char fp[65];
    const char *stmt = audit_head_statement(c->arena, size, root, at);
    json_t *out = NULL;
    if (audit_sign_key(k, &pub, &priv, &plen) && sm2_fingerprint(pub, fp) &&
        sm2_sign(priv, plen, stmt, strlen(stmt), &sig))
        out = json_pack("{ss sI ss ss ss ss ss}", "format", HEAD_FORMAT, "size", (json_int_t)size, "root", root, "time",
                        at, "fingerprint", fp, "public_key", pub, "signature", sig);
    free(pub);
    free(sig);
    free(priv);
    return out;
}

static const char *jstr(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *audit_head_check(struct arena *a, const json_t *head)
{
    const char *root = jstr(head, "root"), *at = jstr(head, "time"), *pub = jstr(head, "public_key"),
               *sig = jstr(head, "signature"), *fp = jstr(head, "fingerprint");
    json_t *size = json_object_get(head, "size");
    char want[65];
    if (!json_is_object(head) || !root || !at || !pub || !sig || !fp || !json_is_integer(size) ||
        strcmp(jstr(head, "format") ? jstr(head, "format") : "", HEAD_FORMAT))
        return "不是 ducha 审计树头（字段不全或格式不符）";
    if (!sm2_fingerprint(pub, want) || strcmp(want, fp))
        return "公钥与其指纹不符";
    const char *stmt = audit_head_statement(a, (int64_t)json_integer_value(size), root, at);
    if (!sm2_verify(pub, stmt, strlen(stmt), sig))
        return "SM2 签名不符（树头被改动，或不是该密钥签署）";
    return NULL;
}

bool audit_tree_get(void *dbp, int level, uint64_t index, merkle_hash out)
{
    struct db *db = dbp;
    struct arena a = ARENA_INIT;
    const char *h = NULL;
    enum err e = level == 0 ? db_one_text(db, &a, &h, "SELECT leaf FROM audit_log WHERE seq = ?", DB_INT(index + 1))
                            : db_one_text(db, &a, &h, "SELECT hash FROM audit_tree WHERE level = ? AND idx = ?",
                                          DB_INT(level), DB_INT(index));
    bool ok = !e && h && hex_decode(h, out, MERKLE_HASH);
    arena_free(&a);
    return ok;
}

enum err audit_head_lock(struct ctx *c, int64_t *seq, const char **hash, const char **frontier, const char **key_id)
{
    bool pg = strcmp(db_kind(c->db), "postgres") == 0;
    struct stmt *st =
        db_query(c->db, pg ? "SELECT seq, hash, frontier, key_id FROM audit_head WHERE id = 1 FOR NO KEY UPDATE"
                           : "SELECT seq, hash, frontier, key_id FROM audit_head WHERE id = 1");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取审计链头");
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        *seq = stmt_int(st, 0);
        *hash = arena_strdup(c->arena, stmt_text(st, 1));
        *frontier = arena_strdup(c->arena, stmt_text(st, 2));
        *key_id = arena_strdup(c->arena, stmt_text(st, 3));
    }
    stmt_done(st);
    return rc == STORE_ROW ? ERR_OK : ctx_store_fail(c, rc == STORE_DONE ? STORE_E_OTHER : rc, "读取审计链头");
}

/* ---- writing ---- */

static const char SQL_QUEUE[] = "INSERT INTO audit_queue (" AUDIT_FIELD_COLS ", nonce, mac) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/* One record for the queue: its fields as the MAC covers them, and the ids of its actor and unit. */
struct queued {
    struct audit_key k;
    const char *f[AUDIT_NFIELDS];
    int64_t user_id, unit_id; /* 0: NULL */
};

static enum err queue_write(struct db *db, const struct queued *q)
{
    char nonce[40], mac[65];
    token_random(nonce, sizeof nonce, 16);
    struct buf canon = {0};
    audit_canon(&canon, 0, q->f);
    audit_queue_mac(&q->k, nonce, &canon, mac);
    buf_free(&canon);
    const char *const *f = q->f;
    return db_exec_later(db, SQL_QUEUE, DB_TEXT(f[0]), DB_INT_IF(q->user_id, q->user_id), DB_TEXT(f[2]), DB_TEXT(f[3]),
                         DB_INT_IF(q->unit_id, q->unit_id), DB_TEXT(f[5]), DB_TEXT(f[6]), DB_TEXT(f[7]), DB_TEXT(f[8]),
                         DB_TEXT(f[9]), DB_TEXT(f[10]), DB_TEXT(nonce), DB_TEXT(mac));
}

/* A record whose summary names a value taken at the commit (an item's number, counter_next_late): its
 * MAC covers the value, so it is written once the value is known (db_late_call). */
static int queue_late(struct db *db, void *arg)
{
    struct queued *q = arg;
    char *sum = db_late_subst(db, q->f[8]);
    q->f[8] = sum;
    enum err e = queue_write(db, q);
    free(sum);
    q->f[8] = NULL;
    return e ? STORE_E_OTHER : 0;
}

enum err audit_record(struct ctx *c, const char *action, const char *object_type, int64_t object_id, json_t *summary)
{
    struct queued *q = arena_alloc(c->arena, sizeof *q);
    memset(q, 0, sizeof *q);
    if (!audit_key_get(c, &q->k))
        return ERR_INTERNAL;
    char at[21];
    time_format_iso(c->now, at);
    char *sum = summary ? json_dumps(summary, JSON_COMPACT | JSON_SORT_KEYS) : xstrdup("{}");
    /* who may read it: the acting grant's subtree, else the actor's first unit, else system-wide */
    const struct grant *g = c->acting ? c->acting : c->user && c->user->ngrants ? &c->user->grants[0] : NULL;
    const char *scope = c->audit_scope ? c->audit_scope : g ? g->unit_path : "/";
    /* the role acted in: the acting grant, else (signing in, nothing decided by a role) the user's first role,
     * whose unit scopes the record */
    q->user_id = c->user ? c->user->id : 0;
    q->unit_id = g ? g->unit_id : 0;
    const char *f[AUDIT_NFIELDS] = {at,
                                    c->user ? arena_printf(c->arena, "%" PRId64, c->user->id) : NULL,
                                    ctx_actor(c),
                                    g ? role_name(g->role) : "",
                                    g ? arena_printf(c->arena, "%" PRId64, g->unit_id) : NULL,
                                    action,
                                    object_type,
                                    arena_printf(c->arena, "%" PRId64, object_id),
                                    sum,
                                    c->client ? c->client : "",
                                    scope};
    enum err e;
    if (db_late_in(c->db, sum)) {
        for (int i = 0; i < AUDIT_NFIELDS; i++)
            q->f[i] = f[i] ? arena_strdup(c->arena, f[i]) : NULL;
        db_late_call(c->db, queue_late, q);
        e = ERR_OK;
    } else {
        memcpy(q->f, f, sizeof f);
        e = queue_write(c->db, q);
    }
    free(sum);
    if (e)
        return ctx_db_fail(c, e, "写入审计记录");
    atomic_store(&audit_waiting, true);
    return ERR_OK;
}

/* ---- reading ---- */

enum err audit_list(struct ctx *c, const char *actor, const char *action, const char *object_type,
                    const char *object_id, const char *from, const char *to, int64_t before_seq, int limit,
                    json_t **out)
{
    /* a reader sees every committed record: seal what waits (nothing to do most of the time) */
    if (!db_in_transaction(c->db)) {
        enum err e = audit_seal(c, 0, NULL);
        if (e)
            return e;
    }
    /* optional filters as (? IS NULL OR col = ?); the reader's scope as one range per scope root,
     * plus system-wide records for readers who hold a role at a root unit */
    int n;
    const char **scope = perm_scope(c, &n);
    bool root = !c->user;
    char *sql = arena_strdup(c->arena,
                             "SELECT seq, at, actor_id, actor, role, unit_id, action, object_type, object_id, summary, "
                             "client, hash, (SELECT name FROM users WHERE id = actor_id) FROM audit_log WHERE (? IS "
                             "NULL OR actor = ?) AND (? IS NULL OR action = ?) "
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
        json_array_append_new(
            arr,
            json_pack("{sI ss so ss so ss so ss ss ss so ss ss}", "seq", (json_int_t)stmt_int(st, 0), "at",
                      stmt_text(st, 1), "actor_id", stmt_is_null(st, 2) ? json_null() : json_integer(stmt_int(st, 2)),
                      "actor", stmt_text(st, 3), "actor_name",
                      stmt_is_null(st, 12) ? json_null() : json_string(stmt_text(st, 12)), "role", stmt_text(st, 4),
                      "unit_id", stmt_is_null(st, 5) ? json_null() : json_integer(stmt_int(st, 5)), "action",
                      stmt_text(st, 6), "object_type", stmt_text(st, 7), "object_id", stmt_text(st, 8), "summary",
                      summary ? summary : json_object(), "client", stmt_text(st, 10), "hash", stmt_text(st, 11)));
    }
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "读取审计记录");
    }
    *out = arr;
    return ERR_OK;
}

enum err audit_checkpoints(struct ctx *c, int limit, json_t **out)
{
    struct stmt *st = db_query(c->db,
                               "SELECT size, root, at, fingerprint, public_key, signature FROM audit_checkpoints "
                               "ORDER BY size DESC LIMIT ?",
                               DB_INT(limit));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取审计检查点");
    json_t *arr = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        json_array_append_new(arr, json_pack("{ss sI ss ss ss ss ss}", "format", HEAD_FORMAT, "size",
                                             (json_int_t)stmt_int(st, 0), "root", stmt_text(st, 1), "time",
                                             stmt_text(st, 2), "fingerprint", stmt_text(st, 3), "public_key",
                                             stmt_text(st, 4), "signature", stmt_text(st, 5)));
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "读取审计检查点");
    }
    *out = arr;
    return ERR_OK;
}

/* ---- the first keyed use ---- */

/* The chain as written before it was keyed: SM3 over prev and the fields, each followed by 0x1f. */
static void legacy_hash(int64_t seq, const char *const f[AUDIT_NFIELDS], const char *prev, char out[65])
{
    struct sm3_ctx *h = sm3_begin();
    char num[32];
    snprintf(num, sizeof num, "%" PRId64, seq);
    sm3_update(h, prev, strlen(prev));
    sm3_update(h, "\x1f", 1);
    sm3_update(h, num, strlen(num));
    sm3_update(h, "\x1f", 1);
    for (int i = 0; i < AUDIT_NFIELDS; i++) {
        sm3_update(h, f[i] ? f[i] : "", f[i] ? strlen(f[i]) : 0);
        sm3_update(h, "\x1f", 1);
    }
    sm3_end(h, out);
}

struct tree_sink {
    struct ctx *c;
    enum err e;
};

static void keep_node(void *arg, int level, uint64_t index, const merkle_hash h)
{
    struct tree_sink *s = arg;
    if (s->e)
        return;
    char hex[65];
    hex_encode(h, MERKLE_HASH, hex);
    s->e = db_exec(s->c->db, "INSERT INTO audit_tree (level, idx, hash) VALUES (?, ?, ?)", DB_INT(level),
                   DB_INT((int64_t)index), DB_TEXT(hex));
}

/* Re-keys every record of a trail sealed before keys existed, in the caller's transaction: checks the
 * old chain, then writes each record's keyed hash and leaf and the tree. *legacy_ok / *problem say how
 * the old chain stood. */
static enum err rekey(struct ctx *c, const struct audit_key *k, int64_t head_seq, const char *head_hash,
                      bool *legacy_ok, const char **problem, char hash[65], struct merkle_frontier *f)
{
    static const char sql[] = "SELECT seq, " AUDIT_FIELD_COLS ", prev_hash, hash FROM audit_log WHERE seq > ? "
                              "ORDER BY seq LIMIT 2000";
    char legacy_prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
    snprintf(hash, 65, "%s", legacy_prev);
    *legacy_ok = true;
    int64_t last = 0, expect = 1;
    struct tree_sink sink = {c, ERR_OK};
    for (;;) {
        struct stmt *st = db_query(c->db, sql, DB_INT(last));
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "重新计算审计链");
        struct arena a = ARENA_INIT;
        int rows = 0, rc;
        struct upd {
            int64_t seq;
            char *prev, *hash, *leaf;
        } *u = arena_alloc(&a, sizeof *u * 2000);
        while ((rc = stmt_step(st)) == STORE_ROW) {
            int64_t seq = stmt_int(st, 0);
            const char *fld[AUDIT_NFIELDS];
            for (int i = 0; i < AUDIT_NFIELDS; i++)
                fld[i] = stmt_text(st, i + 1);
            char lh[65];
            legacy_hash(seq, fld, legacy_prev, lh);
            if (seq != expect) { /* positions must stay those of the tree: a gap cannot be keyed over */
                stmt_done(st);
                arena_free(&a);
                return ctx_fail(c, ERR_CONFLICT,
                                "旧审计链在第 %" PRId64 " 号记录处不连续（记录被删除或插入），无法启用审计密钥；"
                                "请从备份恢复，或用 ducha audit verify 查明",
                                expect);
            }
            if (*legacy_ok && (strcmp(stmt_text(st, 12), legacy_prev) || strcmp(stmt_text(st, 13), lh))) {
                *legacy_ok = false;
                *problem = arena_printf(c->arena, "第 %" PRId64 " 号记录与未加密钥的旧审计链不符", seq);
            }
            snprintf(legacy_prev, sizeof legacy_prev, "%s", stmt_text(st, 13));
            struct buf canon = {0};
            audit_canon(&canon, seq, fld);
            char nh[65], leaf_hex[65];
            merkle_hash leaf;
            audit_chain_hash(k, hash, &canon, nh);
            audit_leaf(&canon, leaf);
            buf_free(&canon);
            hex_encode(leaf, MERKLE_HASH, leaf_hex);
            u[rows] = (struct upd){seq, arena_strdup(&a, hash), arena_strdup(&a, nh), arena_strdup(&a, leaf_hex)};
            snprintf(hash, 65, "%s", nh);
            merkle_frontier_push(f, leaf, keep_node, &sink);
            last = seq;
            expect = seq + 1;
            rows++;
        }
        stmt_done(st);
        enum err e = rc < 0   ? ctx_store_fail(c, rc, "重新计算审计链")
                     : sink.e ? ctx_db_fail(c, sink.e, "重新计算审计链")
                              : ERR_OK;
        for (int i = 0; i < rows && !e; i++)
            if ((e = db_exec(c->db, "UPDATE audit_log SET prev_hash = ?, hash = ?, leaf = ? WHERE seq = ?",
                             DB_TEXT(u[i].prev), DB_TEXT(u[i].hash), DB_TEXT(u[i].leaf), DB_INT(u[i].seq))))
                e = ctx_db_fail(c, e, "重新计算审计链");
        arena_free(&a);
        if (e)
            return e;
        if (rows < 2000)
            break;
    }
    if (*legacy_ok && (last != head_seq || strcmp(legacy_prev, head_hash))) {
        *legacy_ok = false;
        *problem =
            arena_printf(c->arena, "旧审计链的链尾不符（链头记 %" PRId64 " 条，实有 %" PRId64 " 条）", head_seq, last);
    }
    return ERR_OK;
}

enum err audit_adopt_key(struct ctx *c, const struct audit_key *k, int64_t seq, const char *hash)
{
    struct merkle_frontier f = {0};
    char head[65];
    bool legacy_ok = true;
    const char *problem = NULL;
    enum err e = rekey(c, k, seq, hash, &legacy_ok, &problem, head, &f);
    if (e)
        return e;
    char ftext[64 * 64 + 1];
    merkle_frontier_format(&f, ftext);
    if ((e = db_exec(c->db, "UPDATE audit_head SET seq = ?, hash = ?, frontier = ?, key_id = ? WHERE id = 1",
                     DB_INT((int64_t)f.size), DB_TEXT(head), DB_TEXT(ftext), DB_TEXT(k->id))))
        return ctx_db_fail(c, e, "重新计算审计链");
    if (seq == 0)
        return ERR_OK;
    json_t *sum = json_pack("{sI ss sb ss ss}", "records", (json_int_t)seq, "legacy_head", hash, "legacy_chain_ok",
                            legacy_ok, "problem", problem ? problem : "", "key_id", k->id);
    e = audit_record(c, "audit.rekey", "audit", 0, sum);
    json_decref(sum);
    return e;
}

static enum err open_tx(struct ctx *c, void *arg)
{
    const struct audit_key *k = arg;
    int64_t seq;
    const char *hash, *frontier, *key_id;
    enum err e = audit_head_lock(c, &seq, &hash, &frontier, &key_id);
    if (e)
        return e;
    if (!*key_id)
        return audit_adopt_key(c, k, seq, hash);
    if (strcmp(key_id, k->id))
        return ctx_fail(c, ERR_CONFLICT,
                        "审计密钥与审计链不符：审计链由密钥 %s 封存，本机配置的密钥为 %s；请使用原密钥（audit_key "
                        "或各节点共用的 DATA_DIR/audit.key）",
                        key_id, k->id);
    return ERR_OK;
}

enum err audit_key_id(struct ctx *c, const char **key_id)
{
    *key_id = NULL;
    enum err e = db_one_text(c->db, c->arena, key_id, "SELECT key_id FROM audit_head WHERE id = 1");
    if (!*key_id)
        *key_id = "";
    return e ? ctx_db_fail(c, e, "读取审计链头") : ERR_OK;
}

enum err audit_open(struct ctx *c)
{
    struct audit_key k;
    if (!audit_key_get(c, &k))
        return ERR_INTERNAL;
    const char *key_id;
    enum err e = audit_key_id(c, &key_id);
    if (e)
        return e;
    if (*key_id && !strcmp(key_id, k.id))
        return ERR_OK; /* the usual case: nothing to write */
    return ctx_tx(c, "启用审计密钥", open_tx, &k);
}
