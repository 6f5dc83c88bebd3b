/* seal.c: moving committed records from the queue into the chain and the tree, signed checkpoints, and
 * the sealer thread of `ducha serve`. See audit.h. */
#include "audit/audit_internal.h"

#include "base/log.h"
#include "base/timeu.h"
#include "core/clock.h"
#include "crypto/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BATCH 500
#define IN_LIST 64 /* ids or macs per IN (…) list; short lists are padded with their first value */

static const char SQL_BATCH[] = "SELECT id, " AUDIT_FIELD_COLS ", nonce, mac FROM audit_queue ORDER BY id LIMIT ?";
static const char SQL_SEALED[] = "INSERT INTO audit_log (seq, " AUDIT_FIELD_COLS ", prev_hash, hash, mac, leaf) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/* "col IN (?, ?, … IN_LIST times)", written in one pass (a printf per placeholder, each copying what was
 * written before, cost half a million instructions per sealing round) */
static const char *in_list(struct arena *a, const char *head)
{
    size_t h = strlen(head);
    char *s = arena_alloc(a, h + 3 + (IN_LIST - 1) * 3 + 2), *w = s + h;
    memcpy(s, head, h);
    memcpy(w, " (?", 3);
    w += 3;
    for (int i = 1; i < IN_LIST; i++, w += 3)
        memcpy(w, ", ?", 3);
    memcpy(w, ")", 2);
    return s;
}

struct queued {
    int64_t id;
    const char *f[AUDIT_NFIELDS];
    const char *nonce, *mac;
    const char *why; /* not sealed as written: why */
};

struct seal_state {
    struct ctx *c;
    struct audit_key k;
    int64_t seq;
    char hash[65];
    struct merkle_frontier tree;
    enum err e;
};

static void keep_node(void *arg, int level, uint64_t index, const merkle_hash h)
{
    struct seal_state *s = arg;
    if (s->e)
        return;
    char hex[65];
    hex_encode(h, MERKLE_HASH, hex);
    if ((s->e = db_exec_later(s->c->db, "INSERT INTO audit_tree (level, idx, hash) VALUES (?, ?, ?)", DB_INT(level),
                              DB_INT((int64_t)index), DB_TEXT(hex))))
        ctx_db_fail(s->c, s->e, "封存审计记录");
}

/* Appends one record at the next position: chain hash, leaf, tree. */
static enum err append(struct seal_state *s, const char *const f[AUDIT_NFIELDS], const char *mac)
{
    int64_t seq = s->seq + 1;
    struct buf canon = {0};
    audit_canon(&canon, seq, f);
    char h[65], leaf_hex[65];
    merkle_hash leaf;
    audit_chain_hash(&s->k, s->hash, &canon, h);
    audit_leaf(&canon, leaf);
    buf_free(&canon);
    hex_encode(leaf, MERKLE_HASH, leaf_hex);
    /* sent ahead (db_exec_later): a batch's rows travel together, not one round trip each */
    enum err e =
        db_exec_later(s->c->db, SQL_SEALED, DB_INT(seq), DB_TEXT(f[0]), DB_TEXT(f[1]), DB_TEXT(f[2]), DB_TEXT(f[3]),
                      DB_TEXT(f[4]), DB_TEXT(f[5]), DB_TEXT(f[6]), DB_TEXT(f[7]), DB_TEXT(f[8]), DB_TEXT(f[9]),
                      DB_TEXT(f[10]), DB_TEXT(s->hash), DB_TEXT(h), DB_TEXT(mac), DB_TEXT(leaf_hex));
    if (e)
        return ctx_db_fail(s->c, e, "封存审计记录");
    s->seq = seq;
    snprintf(s->hash, sizeof s->hash, "%s", h);
    merkle_frontier_push(&s->tree, leaf, keep_node, s);
    return s->e;
}

/* In place of a queue row that is not chained as written: a record of the refusal holding its content. */
static enum err append_rejected(struct seal_state *s, const struct queued *q)
{
    static const char *const names[AUDIT_NFIELDS] = {"at",      "actor_id", "actor",       "role",
                                                     "unit_id", "action",   "object_type", "object_id",
                                                     "summary", "client",   "scope"};
    json_t *row = json_object();
    for (int i = 0; i < AUDIT_NFIELDS; i++)
        json_object_set_new(row, names[i], q->f[i] ? json_string(q->f[i]) : json_null());
    json_object_set_new(row, "nonce", json_string(q->nonce ? q->nonce : ""));
    json_object_set_new(row, "mac", json_string(q->mac ? q->mac : ""));
    json_t *sum = json_pack("{sI ss so}", "queue_id", (json_int_t)q->id, "reason", q->why, "row", row);
    char *text = json_dumps(sum, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(sum);
    char at[21], oid[32], nonce[40], mac[65];
    time_format_iso(time(NULL), at);
    snprintf(oid, sizeof oid, "%" PRId64, q->id);
    const char *f[AUDIT_NFIELDS] = {at,  NULL, "system", "", NULL, "audit.rejected", "audit_queue",
                                    oid, text, "sealer", "/"};
    token_random(nonce, sizeof nonce, 16);
    struct buf canon = {0};
    audit_canon(&canon, 0, f);
    audit_queue_mac(&s->k, nonce, &canon, mac);
    buf_free(&canon);
    log_error("audit: queue row %" PRId64 " refused (%s); recorded as audit.rejected", q->id, q->why);
    enum err e = append(s, f, mac);
    free(text);
    return e;
}

/* One batch in one transaction; *n = rows taken from the queue. */
static enum err seal_batch(struct ctx *c, int max, int *n)
{
    struct seal_state s = {.c = c};
    *n = 0;
    if (!audit_key_get(c, &s.k))
        return ERR_INTERNAL;
    const char *hash, *frontier, *key_id;
    enum err e = audit_head_lock(c, &s.seq, &hash, &frontier, &key_id);
    if (!e && !*key_id && !(e = audit_adopt_key(c, &s.k, s.seq, hash)))
        e = audit_head_lock(c, &s.seq, &hash, &frontier, &key_id);
    if (e)
        return e;
    if (strcmp(key_id, s.k.id))
        return ctx_fail(c, ERR_CONFLICT, "审计密钥与审计链不符（审计链 %s，本机 %s），不能封存审计记录", key_id,
                        s.k.id);
    snprintf(s.hash, sizeof s.hash, "%s", hash);
    if (!merkle_frontier_parse(&s.tree, (uint64_t)s.seq, frontier))
        return ctx_fail(c, ERR_INTERNAL, "审计链头的默克尔树边缘已损坏（audit_head.frontier）");

    struct stmt *st = db_query(c->db, SQL_BATCH, DB_INT(max));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取待封存的审计记录");
    struct queued *q = arena_alloc(c->arena, sizeof *q * (size_t)max);
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW && *n < max) {
        struct queued *r = &q[(*n)++];
        r->id = stmt_int(st, 0);
        for (int i = 0; i < AUDIT_NFIELDS; i++)
            r->f[i] = arena_strdup(c->arena, stmt_text(st, i + 1));
        r->nonce = arena_strdup(c->arena, stmt_text(st, 12));
        r->mac = arena_strdup(c->arena, stmt_text(st, 13));
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取待封存的审计记录");
    if (*n == 0)
        return ERR_OK;

    /* a row must carry the MAC of its content under the key, and must not repeat a sealed one (looked up with a
     * plan of the moment: the month's partition grows from empty, and a plan cached while it was small scans it) */
    const char *mac_sql = in_list(c->arena, "SELECT mac FROM audit_log WHERE mac IN");
    for (int i = 0; i < *n; i++) {
        struct buf canon = {0};
        audit_canon(&canon, 0, q[i].f);
        char want[65];
        audit_queue_mac(&s.k, q[i].nonce ? q[i].nonce : "", &canon, want);
        buf_free(&canon);
        if (!q[i].mac || strcmp(want, q[i].mac))
            q[i].why = "MAC 不符：不是持有审计密钥的程序写入的记录（直接写入数据库）";
        for (int j = 0; j < i && !q[i].why; j++)
            if (!q[j].why && q[j].mac && q[i].mac && !strcmp(q[j].mac, q[i].mac))
                q[i].why = "与另一条待封存记录重复（复制的记录）";
    }
    for (int i = 0; i < *n; i += IN_LIST) {
        struct stmt *m = db_prepare_planned(c->db, mac_sql);
        if (!m)
            return ctx_store_fail(c, STORE_E_OTHER, "封存审计记录");
        for (int j = 0; j < IN_LIST; j++)
            stmt_bind_text(m, j + 1, q[i + j < *n ? i + j : i].mac);
        while ((rc = stmt_step(m)) == STORE_ROW)
            for (int j = i; j < *n && j < i + IN_LIST; j++)
                if (!q[j].why && q[j].mac && !strcmp(q[j].mac, stmt_text(m, 0)))
                    q[j].why = "与已封存的记录重复（复制的记录）";
        stmt_done(m);
        if (rc < 0)
            return ctx_store_fail(c, rc, "封存审计记录");
    }

    for (int i = 0; i < *n && !e; i++)
        e = q[i].why ? append_rejected(&s, &q[i]) : append(&s, q[i].f, q[i].mac);
    if (e)
        return e;
    const char *del_sql = in_list(c->arena, "DELETE FROM audit_queue WHERE id IN");
    for (int i = 0; i < *n; i += IN_LIST) {
        struct stmt *d = db_prepare(c->db, del_sql);
        if (!d)
            return ctx_store_fail(c, STORE_E_OTHER, "封存审计记录");
        for (int j = 0; j < IN_LIST; j++)
            stmt_bind_int(d, j + 1, q[i + j < *n ? i + j : i].id);
        rc = stmt_step(d);
        stmt_done(d);
        if (rc < 0)
            return ctx_store_fail(c, rc, "封存审计记录");
    }
    char ftext[64 * 64 + 1];
    merkle_frontier_format(&s.tree, ftext);
    if ((e = db_exec(c->db, "UPDATE audit_head SET seq = ?, hash = ?, frontier = ? WHERE id = 1", DB_INT(s.seq),
                     DB_TEXT(s.hash), DB_TEXT(ftext))))
        return ctx_db_fail(c, e, "封存审计记录");
    return ERR_OK;
}

struct batch_args {
    int max, n;
};

static enum err batch_tx(struct ctx *c, void *arg)
{
    struct batch_args *b = arg;
    return seal_batch(c, b->max, &b->n);
}

enum err audit_seal(struct ctx *c, int max, int *sealed)
{
    int total = 0;
    for (;;) {
        /* nothing waiting is the common case: one index probe, no transaction */
        int64_t waiting = 0;
        enum err e = db_one_int(c->db, &waiting, "SELECT id FROM audit_queue ORDER BY id LIMIT 1");
        if (e == ERR_NOT_FOUND)
            break;
        if (e)
            return ctx_db_fail(c, e, "读取待封存的审计记录");
        int want = max > 0 && max - total < BATCH ? max - total : BATCH;
        struct batch_args b = {want, 0};
        struct arena a = ARENA_INIT, *saved = c->arena;
        c->arena = &a; /* a long drain must not grow the caller's arena */
        e = ctx_tx(c, "封存审计记录", batch_tx, &b);
        c->arena = saved;
        if (e && c->msg)
            c->msg = arena_strdup(saved, c->msg);
        arena_free(&a);
        if (e)
            return e;
        total += b.n;
        if (b.n < want || (max > 0 && total >= max))
            break;
    }
    if (sealed)
        *sealed = total;
    return ERR_OK;
}

/* ---- checkpoints ---- */

struct cp_args {
    struct audit_key k;
    json_t *head;
};

/* Signs the head and keeps it in a->head (released here when run again: ctx_tx after a conflict). */
static enum err checkpoint_tx(struct ctx *c, void *arg)
{
    struct cp_args *a = arg;
    json_decref(a->head);
    a->head = NULL;
    int64_t seq, last = 0;
    const char *hash, *frontier, *key_id;
    enum err e = audit_head_lock(c, &seq, &hash, &frontier, &key_id);
    if (e)
        return e;
    if (strcmp(key_id, a->k.id))
        return ctx_fail(c, ERR_CONFLICT, "审计密钥与审计链不符，不能签署检查点");
    if ((e = db_one_int(c->db, &last, "SELECT MAX(size) FROM audit_checkpoints")) && e != ERR_NOT_FOUND)
        return ctx_db_fail(c, e, "读取审计检查点");
    if (seq == 0 || seq <= last)
        return ERR_OK;
    struct merkle_frontier f;
    if (!merkle_frontier_parse(&f, (uint64_t)seq, frontier))
        return ctx_fail(c, ERR_INTERNAL, "审计链头的默克尔树边缘已损坏（audit_head.frontier）");
    merkle_hash root;
    char root_hex[65], at[21];
    merkle_frontier_root(&f, root);
    hex_encode(root, MERKLE_HASH, root_hex);
    time_format_iso(time(NULL), at); /* wall time, not the test clock: checkpoint times only grow */
    a->head = audit_sign_head(c, &a->k, seq, root_hex, at);
    if (!a->head)
        return ctx_fail(c, ERR_INTERNAL, "无法签署审计检查点（SM2）");
    const json_t *h = a->head;
    if ((e = db_exec(c->db,
                     "INSERT INTO audit_checkpoints (size, root, at, fingerprint, public_key, signature) "
                     "VALUES (?, ?, ?, ?, ?, ?)",
                     DB_INT(seq), DB_TEXT(root_hex), DB_TEXT(at),
                     DB_TEXT(json_string_value(json_object_get(h, "fingerprint"))),
                     DB_TEXT(json_string_value(json_object_get(h, "public_key"))),
                     DB_TEXT(json_string_value(json_object_get(h, "signature"))))))
        return ctx_db_fail(c, e, "保存审计检查点");
    return ERR_OK;
}

/* The checkpoint file: audit_checkpoint_file, or DATA_DIR/audit-checkpoints.jsonl. Arena memory. */
static const char *checkpoint_path(struct ctx *c)
{
    if (c->cfg->audit_checkpoint_file && *c->cfg->audit_checkpoint_file)
        return c->cfg->audit_checkpoint_file;
    return arena_printf(c->arena, "%s/audit-checkpoints.jsonl", c->cfg->data_dir);
}

/* Appends one line (O_APPEND, then fsync). */
static bool append_line(const char *path, const char *line)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return false;
    size_t n = strlen(line);
    bool ok = write(fd, line, n) == (ssize_t)n && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
    return close(fd) == 0 && ok;
}

enum err audit_checkpoint(struct ctx *c, json_t **out)
{
    struct cp_args a = {0};
    if (out)
        *out = NULL;
    if (!audit_key_get(c, &a.k))
        return ERR_INTERNAL;
    enum err e = ctx_tx(c, "签署审计检查点", checkpoint_tx, &a);
    if (e || !a.head) { /* a head signed in a transaction that failed (at its INSERT or its COMMIT) is not kept */
        json_decref(a.head);
        return e;
    }
    char *line = json_dumps(a.head, JSON_COMPACT | JSON_SORT_KEYS);
    const char *path = checkpoint_path(c);
    mkdir(c->cfg->data_dir, 0750);
    if (!append_line(path, line))
        log_error("audit: cannot append the checkpoint of %" PRId64 " records to %s: %s",
                  (int64_t)json_integer_value(json_object_get(a.head, "size")), path, strerror(errno));
    free(line);
    if (out)
        *out = a.head;
    else
        json_decref(a.head);
    return ERR_OK;
}

/* ---- the sealer thread ---- */

struct audit_sealer {
    struct store *store;
    const struct config *cfg;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
};

/* One round: seal what waits; then, when asked, a checkpoint if the tree grew. */
static void sealer_round(struct audit_sealer *s, bool checkpoint)
{
    struct arena arena = ARENA_INIT;
    struct ctx c = {.arena = &arena, .cfg = s->cfg, .client = "sealer"};
    c.db = store_acquire(s->store);
    c.now = clock_now(c.db, c.cfg);
    int n = 0;
    enum err e = audit_seal(&c, 0, &n);
    if (e)
        log_warn("audit sealer: %s", c.msg ? c.msg : err_default_message(e));
    if (!e && checkpoint && (e = audit_checkpoint(&c, NULL)))
        log_warn("audit checkpoint: %s", c.msg ? c.msg : err_default_message(e));
    store_release(c.db);
    arena_free(&arena);
}

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void *sealer_main(void *arg)
{
    struct audit_sealer *s = arg;
    int64_t interval = (s->cfg->audit_checkpoint_s > 0 ? s->cfg->audit_checkpoint_s : 60) * 1000;
    int64_t last_look = 0, last_cp = 0;
    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 20 * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->cv, &s->mu, &until);
        if (s->stop)
            break;
        int64_t now = now_ms();
        /* this process wrote records (the flag), or another process may have (once a second) */
        bool look = atomic_exchange(&audit_waiting, false) || now - last_look >= 1000;
        bool checkpoint = now - last_cp >= interval; /* publishes only if the tree grew */
        if (!look && !checkpoint)
            continue;
        pthread_mutex_unlock(&s->mu);
        sealer_round(s, checkpoint);
        last_look = now;
        if (checkpoint)
            last_cp = now;
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    sealer_round(s, true); /* what was written until the end, and its checkpoint */
    return NULL;
}

struct audit_sealer *audit_sealer_start(struct store *store, const struct config *cfg)
{
    struct audit_sealer *s = xcalloc(1, sizeof *s);
    s->store = store;
    s->cfg = cfg;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (pthread_create(&s->thread, NULL, sealer_main, s) != 0) {
        log_error("cannot start the audit sealer thread");
        free(s);
        return NULL;
    }
    return s;
}

void audit_sealer_stop(struct audit_sealer *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}
