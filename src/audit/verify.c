/* verify.c: checking the trail against its key and its checkpoints, and the records of an archive with
 * their inclusion proofs (offline). See audit.h. */
#include "audit/audit_internal.h"

#include "base/timeu.h"
#include "crypto/hash.h"
#include "crypto/sm2.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- checkpoints ---- */

struct cp {
    int64_t size;
    const char *root, *at, *fingerprint;
    int line;
};

/* The restores the chain records ("audit.restored", written by `ducha audit restored`): at seq, the
 * restored chain held size records. Each may explain one break in the checkpoint file. */
struct restore {
    int64_t seq, size;
    bool used;
};

struct cps {
    struct cp *v;
    int n, cap; /* grown by arena_grow */
    struct restore *r;
    int nr, rcap;
};

static const char *jstr(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Records the first problem (later ones are dropped: the first names where to look). */
static void fail(struct ctx *c, struct audit_check *out, int64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail(struct ctx *c, struct audit_check *out, int64_t seq, const char *fmt, ...)
{
    if (!out->ok)
        return;
    out->ok = false;
    out->bad_seq = seq;
    va_list ap;
    va_start(ap, fmt);
    out->problem = arena_vprintf(c->arena, fmt, ap);
    va_end(ap);
}

/* Takes one signed tree head into the list after checking its signature, key and order. */
static void take_checkpoint(struct ctx *c, struct audit_check *out, struct cps *cps, const json_t *h, int line,
                            const char *want_fp)
{
    const char *why = audit_head_check(c->arena, h);
    if (why) {
        fail(c, out, 0, "检查点第 %d 条无效：%s", line, why);
        return;
    }
    const char *fp = jstr(h, "fingerprint");
    if (want_fp && strcmp(fp, want_fp)) {
        fail(c, out, 0, "检查点第 %d 条不是本审计密钥签署的（指纹 %.16s…，应为 %.16s…）", line, fp, want_fp);
        return;
    }
    struct cp p = {(int64_t)json_integer_value(json_object_get(h, "size")), arena_strdup(c->arena, jstr(h, "root")),
                   arena_strdup(c->arena, jstr(h, "time")), arena_strdup(c->arena, fp), line};
    if (cps->n && (p.size < cps->v[cps->n - 1].size ||
                   (p.size == cps->v[cps->n - 1].size && strcmp(p.root, cps->v[cps->n - 1].root)))) {
        /* the log shrank or forked: only a recorded restore explains it, the restore record lying within
         * this checkpoint (so its signature covers it); the checkpoints of the lost tail are superseded */
        struct restore *r = NULL;
        for (int i = 0; i < cps->nr; i++)
            if (!cps->r[i].used && cps->r[i].seq <= p.size && cps->r[i].size < p.size)
                r = &cps->r[i];
        if (r && (!out->restores || r->seq > out->restored_seq)) {
            r->used = true;
            out->restores++;
            out->restored_seq = r->seq;
            out->restored_size = r->size;
            while (cps->n && cps->v[cps->n - 1].size > r->size) {
                const struct cp *gone = &cps->v[--cps->n];
                out->superseded++;
                if (gone->size > out->superseded_size) {
                    out->superseded_size = gone->size;
                    out->superseded_at = gone->at;
                }
            }
        }
    }
    if (cps->n) {
        const struct cp *prev = &cps->v[cps->n - 1];
        if (p.size < prev->size) {
            fail(c, out, p.size + 1,
                 "检查点第 %d 条（%s，%" PRId64 " 条记录）小于前一条（%" PRId64
                 " 条）：审计日志只能增长（自备份恢复的数据库须先运行 ducha audit restored）",
                 line, p.at, p.size, prev->size);
            return;
        }
        if (strcmp(p.at, prev->at) < 0) {
            fail(c, out, 0, "检查点第 %d 条的时间 %s 早于前一条的 %s", line, p.at, prev->at);
            return;
        }
        if (p.size == prev->size) {
            if (strcmp(p.root, prev->root))
                fail(c, out, 0,
                     "检查点第 %d 条与前一条记录数相同而根哈希不同：同一日志不会有两种历史（自备份恢复的数据库须先运行 "
                     "ducha audit restored）",
                     line);
            return; /* nothing new */
        }
    }
    cps->v = arena_grow(c->arena, cps->v, cps->n, &cps->cap, sizeof *cps->v);
    cps->v[cps->n++] = p;
}

/* The checkpoints of path (one JSON object per line), or of the database when path is NULL. */
static enum err load_checkpoints(struct ctx *c, const char *path, const char *want_fp, struct audit_check *out,
                                 struct cps *cps)
{
    *cps = (struct cps){0};
    struct stmt *st =
        db_query(c->db, "SELECT seq, object_id FROM audit_log WHERE action = 'audit.restored' ORDER BY seq");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取审计记录");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        cps->r = arena_grow(c->arena, cps->r, cps->nr, &cps->rcap, sizeof *cps->r);
        const char *size = stmt_text(st, 1);
        cps->r[cps->nr++] = (struct restore){stmt_int(st, 0), size ? strtoll(size, NULL, 10) : 0, false};
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取审计记录");
    if (path) {
        FILE *f = fopen(path, "r");
        if (!f)
            return ctx_fail(c, ERR_NOT_FOUND, "无法读取检查点文件 %s", path);
        out->source = arena_strdup(c->arena, path);
        char *line = NULL;
        size_t lcap = 0;
        int lineno = 0;
        while (getline(&line, &lcap, f) > 0) {
            lineno++;
            if (line[strspn(line, " \t\r\n")] == 0)
                continue;
            json_error_t jerr;
            json_t *h = json_loads(line, 0, &jerr);
            if (!h)
                fail(c, out, 0, "检查点文件第 %d 行不是 JSON（%s）", lineno, jerr.text);
            else
                take_checkpoint(c, out, cps, h, lineno, want_fp);
            json_decref(h);
        }
        free(line);
        fclose(f);
        return ERR_OK;
    }
    out->source = "database";
    json_t *all = NULL;
    enum err e = audit_checkpoints(c, 1000000, &all);
    if (e)
        return e;
    size_t n = json_array_size(all);
    for (size_t i = n; i-- > 0;) /* oldest first */
        take_checkpoint(c, out, cps, json_array_get(all, i), (int)(n - i), want_fp);
    json_decref(all);
    return ERR_OK;
}

/* ---- the walk ---- */

enum err audit_verify(struct ctx *c, const char *checkpoints_file, struct audit_check *out)
{
    memset(out, 0, sizeof *out);
    out->ok = true;
    struct audit_key k;
    if (!audit_key_get(c, &k))
        return ERR_INTERNAL;
    const char *key_id;
    enum err e = audit_key_id(c, &key_id);
    if (e)
        return e;
    if (*key_id && strcmp(key_id, k.id))
        fail(c, out, 0, "审计密钥与审计链不符（审计链 %s，本机 %s）：无法校验，请使用封存审计链的密钥", key_id, k.id);
    if (!out->ok)
        return ERR_OK;

    /* the checkpoint key, derived from the audit key */
    char *pub = NULL, fp[65] = "";
    unsigned char *priv = NULL;
    size_t plen = 0;
    if (audit_sign_key(&k, &pub, &priv, &plen))
        sm2_fingerprint(pub, fp);
    free(pub);
    free(priv);
    out->fingerprint = arena_strdup(c->arena, fp);

    const char *path = checkpoints_file;
    if (!path) {
        const char *conf = c->cfg->audit_checkpoint_file && *c->cfg->audit_checkpoint_file
                               ? c->cfg->audit_checkpoint_file
                               : arena_printf(c->arena, "%s/audit-checkpoints.jsonl", c->cfg->data_dir);
        FILE *f = fopen(conf, "r");
        if (f) {
            fclose(f);
            path = conf;
        }
    }
    struct cps cps;
    if ((e = load_checkpoints(c, path, fp, out, &cps)))
        return e;

    /* the head as it stands now (after the checkpoints were read: none can be newer — a checkpoint's line is
     * written after its records' COMMIT); a request reads one snapshot, taken at its first statement, before the
     * file was read: taken again here (under a sealer that committed and signed meanwhile, the old snapshot's head
     * lay behind the file's last checkpoint, reported as a removed tail). Records sealed while the walk runs come
     * after it and are left for the next verification */
    db_read_again(c->db);
    int64_t head_seq = 0;
    const char *head_hash = NULL, *frontier = NULL;
    struct stmt *st = db_query(c->db, "SELECT seq, hash, frontier FROM audit_head WHERE id = 1");
    if (st && stmt_step(st) == STORE_ROW) {
        head_seq = stmt_int(st, 0);
        head_hash = arena_strdup(c->arena, stmt_text(st, 1));
        frontier = arena_strdup(c->arena, stmt_text(st, 2));
    }
    if (st)
        stmt_done(st);

    /* every record in order: position, chain hash, leaf; the tree's root at each checkpoint's size */
    static const char sql[] = "SELECT seq, " AUDIT_FIELD_COLS ", prev_hash, hash, leaf FROM audit_log "
                              "WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?";
    enum { PAGE = 5000 };
    char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
    int64_t expect = 1, last = INT64_MIN, good_size = 0;
    int next_cp = 0, rows = PAGE, rc = STORE_DONE;
    struct merkle_frontier tree = {0};
    while (rows == PAGE && rc >= 0 && out->ok) {
        st = db_query(c->db, sql, DB_INT(last), DB_INT(head_seq), DB_INT(PAGE));
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "读取审计记录");
        rows = 0;
        while (out->ok && (rc = stmt_step(st)) == STORE_ROW) {
            int64_t seq = last = stmt_int(st, 0);
            rows++;
            const char *f[AUDIT_NFIELDS];
            for (int i = 0; i < AUDIT_NFIELDS; i++)
                f[i] = stmt_text(st, i + 1);
            struct buf canon = {0};
            audit_canon(&canon, seq, f);
            char h[65], leaf_hex[65];
            merkle_hash leaf;
            audit_chain_hash(&k, prev, &canon, h);
            audit_leaf(&canon, leaf);
            buf_free(&canon);
            hex_encode(leaf, MERKLE_HASH, leaf_hex);
            const char *stored_prev = stmt_text(st, 12), *stored = stmt_text(st, 13), *stored_leaf = stmt_text(st, 14);
            if (seq != expect)
                fail(c, out, seq > expect ? expect : seq, "%s",
                     seq > expect ? "记录缺失（序号不连续，可能被删除）" : "序号重复或顺序错误（可能被插入）");
            else if (!stored_prev || strcmp(stored_prev, prev))
                fail(c, out, seq, "前序哈希不符（记录被删除、插入或重排）");
            else if (!stored || strcmp(stored, h))
                fail(c, out, seq, "内容与链哈希（HMAC-SM3）不符（记录被篡改）");
            else if (!stored_leaf || strcmp(stored_leaf, leaf_hex))
                fail(c, out, seq, "默克尔叶哈希与内容不符（记录被篡改）");
            if (!out->ok)
                break;
            out->records++;
            snprintf(prev, sizeof prev, "%s", h);
            expect++;
            merkle_frontier_push(&tree, leaf, NULL, NULL);
            for (; next_cp < cps.n && cps.v[next_cp].size == (int64_t)tree.size; next_cp++) {
                merkle_hash root;
                char root_hex[65];
                merkle_frontier_root(&tree, root);
                hex_encode(root, MERKLE_HASH, root_hex);
                const struct cp *p = &cps.v[next_cp];
                if (strcmp(root_hex, p->root)) {
                    fail(c, out, good_size + 1,
                         "第 %" PRId64 "–%" PRId64 " 号记录与 %s 的签名检查点不符：其间有记录被改动、删除或插入",
                         good_size + 1, p->size, p->at);
                    break;
                }
                good_size = p->size;
                out->checkpoints++;
                out->checkpoint_size = p->size;
                out->checkpoint_at = p->at;
            }
        }
        stmt_done(st);
    }
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取审计记录");
    if (!out->ok)
        return ERR_OK;

    /* the head: the tip of the chain and the tree's edge */
    char ftext[64 * 64 + 1];
    merkle_frontier_format(&tree, ftext);
    if (head_seq != expect - 1 || !head_hash || strcmp(head_hash, prev))
        fail(c, out, expect, "链尾不符：链头记 %" PRId64 " 条记录，实有 %" PRId64 " 条（末尾记录被删除或链头被改动）",
             head_seq, expect - 1);
    else if (!frontier || strcmp(frontier, ftext))
        fail(c, out, 0, "链头保存的默克尔树边缘与记录不符（audit_head 被改动）");
    /* records past the head that the sealer did not put there: inserted */
    int64_t beyond = 0, head_now = head_seq;
    if (out->ok && !db_one_int(c->db, &beyond, "SELECT COUNT(*) FROM audit_log WHERE seq > ?", DB_INT(head_seq)) &&
        beyond && !db_one_int(c->db, &head_now, "SELECT seq FROM audit_head WHERE id = 1") && head_now == head_seq)
        fail(c, out, head_seq + 1, "链头之后有 %" PRId64 " 条记录（记录被插入，或链头被改动）", beyond);
    /* the log only grew: a consistency proof from each checkpoint to the next, out of the stored tree */
    for (int i = 1; out->ok && i < next_cp; i++) {
        merkle_hash proof[MERKLE_MAX_PROOF], r1, r2;
        int np = merkle_consistency(audit_tree_get, c->db, (uint64_t)cps.v[i - 1].size, (uint64_t)cps.v[i].size, proof);
        if (np < 0 || !hex_decode(cps.v[i - 1].root, r1, MERKLE_HASH) || !hex_decode(cps.v[i].root, r2, MERKLE_HASH) ||
            !merkle_verify_consistency((uint64_t)cps.v[i - 1].size, (uint64_t)cps.v[i].size, r1, r2, proof, np))
            fail(c, out, cps.v[i - 1].size + 1,
                 "检查点第 %d 条与第 %d 条之间的一致性证明不成立（保存的默克尔树 audit_tree 被改动）",
                 cps.v[i - 1].line, cps.v[i].line);
        else
            out->proofs++;
    }

    /* checkpoints beyond the log: records after them were removed (or the database was restored from a
     * backup older than them: `ducha audit restored` records that, see cmd_audit_restored) */
    if (out->ok && next_cp < cps.n) {
        out->beyond_size = cps.v[cps.n - 1].size;
        out->beyond_at = cps.v[cps.n - 1].at;
        fail(c, out, expect,
             "签名检查点（%s）证明日志曾有 %" PRId64 " 条记录，现仅有 %" PRId64
             " 条：末尾的记录被删除（若数据库是自备份恢复的，核对后运行 ducha audit restored 记录此次恢复）",
             cps.v[next_cp].at, cps.v[next_cp].size, expect - 1);
    }

    /* records this pass did not cover, not a fault but counted: those still waiting in the queue, and
     * those sealed since the head was read (queue first: a record moves from there to the chain) */
    int64_t queued = 0, head_after = head_seq;
    if ((e = db_one_int(c->db, &queued, "SELECT COUNT(*) FROM audit_queue")) ||
        (e = db_one_int(c->db, &head_after, "SELECT seq FROM audit_head WHERE id = 1")))
        return ctx_db_fail(c, e, "读取待封存的审计记录");
    out->pending = queued + (head_after > head_seq ? head_after - head_seq : 0);
    return ERR_OK;
}

/* ---- archives ---- */

static const char *const field_names[AUDIT_NFIELDS] = {
    "at", "actor_id", "actor", "role", "unit_id", "action", "object_type", "object_id", "summary", "client", "scope"};

enum err audit_object_records(struct ctx *c, const char *object_type, int64_t object_id, json_t **records,
                              json_t **tree_head)
{
    struct audit_key k;
    if (!audit_key_get(c, &k))
        return ERR_INTERNAL;
    char oid[32];
    snprintf(oid, sizeof oid, "%" PRId64, object_id);

    /* The chained records and the ones still queued in one statement, so in one snapshot: the chainer
     * moves records from audit_queue to audit_log, and two reads could miss a record moved between
     * them (on PostgreSQL each statement outside a transaction sees its own snapshot). */
    json_t *arr = json_array();
    struct stmt *st = db_query(c->db,
                               "SELECT seq, " AUDIT_FIELD_COLS ", prev_hash, hash, leaf, 0 AS pending, seq AS ord "
                               "FROM audit_log WHERE object_type = ? AND object_id = ? "
                               "UNION ALL SELECT 0, " AUDIT_FIELD_COLS ", '', '', '', 1, id FROM audit_queue "
                               "WHERE object_type = ? AND object_id = ? ORDER BY 16, 17",
                               DB_TEXT(object_type), DB_TEXT(oid), DB_TEXT(object_type), DB_TEXT(oid));
    if (!st) {
        json_decref(arr);
        return ctx_store_fail(c, STORE_E_OTHER, "读取审计记录");
    }
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        bool pending = stmt_int(st, 15) != 0;
        json_t *rec = pending ? json_pack("{sb}", "pending", 1) : json_pack("{sI}", "seq", (json_int_t)stmt_int(st, 0));
        for (int i = 0; i < AUDIT_NFIELDS; i++)
            json_object_set_new(rec, field_names[i], json_string(stmt_text(st, i + 1) ? stmt_text(st, i + 1) : ""));
        if (!pending) {
            json_object_set_new(rec, "prev_hash", json_string(stmt_text(st, 12)));
            json_object_set_new(rec, "hash", json_string(stmt_text(st, 13)));
            json_object_set_new(rec, "leaf", json_string(stmt_text(st, 14) ? stmt_text(st, 14) : ""));
        }
        json_array_append_new(arr, rec);
    }
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "读取审计记录");
    }

    /* The tree head after the records: the chainer writes a record and moves the head in one
     * transaction, so the head read now covers every chained record read above. */
    int64_t size = 0;
    const char *frontier = NULL;
    st = db_query(c->db, "SELECT seq, frontier FROM audit_head WHERE id = 1");
    if (st && stmt_step(st) == STORE_ROW) {
        size = stmt_int(st, 0);
        frontier = arena_strdup(c->arena, stmt_text(st, 1));
    }
    if (st)
        stmt_done(st);
    struct merkle_frontier f;
    if (!frontier || !merkle_frontier_parse(&f, (uint64_t)size, frontier)) {
        json_decref(arr);
        return ctx_fail(c, ERR_INTERNAL, "审计链头的默克尔树边缘已损坏（audit_head.frontier）");
    }
    merkle_hash root;
    char root_hex[65], at[21];
    merkle_frontier_root(&f, root);
    hex_encode(root, MERKLE_HASH, root_hex);
    time_format_iso(time(NULL), at);
    /* the proofs, after the reads above are finished (a proof reads the tree) */
    size_t i;
    json_t *rec;
    json_array_foreach(arr, i, rec)
    {
        if (!json_object_get(rec, "seq"))
            continue;
        merkle_hash proof[MERKLE_MAX_PROOF];
        int64_t seq = (int64_t)json_integer_value(json_object_get(rec, "seq"));
        int np = merkle_inclusion(audit_tree_get, c->db, (uint64_t)(seq - 1), (uint64_t)size, proof);
        if (np < 0) {
            json_decref(arr);
            return ctx_fail(c, ERR_INTERNAL, "无法生成第 %" PRId64 " 号审计记录的包含证明（默克尔树不完整）", seq);
        }
        json_t *p = json_array();
        for (int j = 0; j < np; j++) {
            char hex[65];
            hex_encode(proof[j], MERKLE_HASH, hex);
            json_array_append_new(p, json_string(hex));
        }
        json_object_set_new(rec, "proof", p);
    }
    json_t *head = audit_sign_head(c, &k, size, root_hex, at);
    if (!head) {
        json_decref(arr);
        return ctx_fail(c, ERR_INTERNAL, "无法签署审计树头（SM2）");
    }
    *records = arr;
    *tree_head = head;
    return ERR_OK;
}

int audit_check_records(struct arena *a, const json_t *records, const json_t *tree_head, const char **fingerprint,
                        void (*problem)(void *arg, const char *text), void *arg)
{
    const char *why = audit_head_check(a, tree_head);
    if (why) {
        problem(arg, arena_printf(a, "审计树头：%s", why));
        return 0;
    }
    *fingerprint = arena_strdup(a, jstr(tree_head, "fingerprint"));
    int64_t size = (int64_t)json_integer_value(json_object_get(tree_head, "size"));
    merkle_hash root;
    hex_decode(jstr(tree_head, "root"), root, MERKLE_HASH);
    if (!json_is_array(records)) {
        problem(arg, "audit.json：不是审计记录数组");
        return 0;
    }
    int proved = 0;
    int64_t prev = 0;
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec)
    {
        if (json_is_true(json_object_get(rec, "pending")))
            continue; /* written in the archiving transaction itself: not in the tree yet */
        int64_t seq = (int64_t)json_integer_value(json_object_get(rec, "seq"));
        const char *f[AUDIT_NFIELDS];
        for (int k = 0; k < AUDIT_NFIELDS; k++)
            f[k] = jstr(rec, field_names[k]);
        struct buf canon = {0};
        audit_canon(&canon, seq, f);
        merkle_hash leaf, proof[MERKLE_MAX_PROOF];
        audit_leaf(&canon, leaf);
        buf_free(&canon);
        json_t *p = json_object_get(rec, "proof");
        int np = (int)json_array_size(p);
        bool ok = seq >= 1 && seq <= size && seq > prev && np <= MERKLE_MAX_PROOF;
        for (int k = 0; ok && k < np; k++)
            ok = hex_decode(json_string_value(json_array_get(p, (size_t)k)), proof[k], MERKLE_HASH);
        if (ok && merkle_verify_inclusion(leaf, (uint64_t)(seq - 1), (uint64_t)size, proof, np, root))
            proved++;
        else
            problem(arg, arena_printf(
                             a, "audit.json：第 %lld 号审计记录不在签名的审计树中（记录被改动、顺序错误或证明无效）",
                             (long long)seq));
        prev = seq;
    }
    return proved;
}
