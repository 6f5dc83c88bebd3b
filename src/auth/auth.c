#include "auth/auth.h"

#include "audit/audit.h"
#include "base/jsonv.h"
#include "base/log.h"
#include "base/timeu.h"
#include "crypto/hash.h"
#include "crypto/password.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/*
 * A session's last activity. Reads must not write on every request: the row's last_seen is written at
 * most once a minute (SESSION_TOUCH_S), and only when no writer of this process holds SQLite's write
 * lock (db_exec_unless_busy: a read never queues behind a write transaction). The instant of every
 * request is kept in memory, in this process: a table of SEEN_SLOTS sessions indexed by id (with the
 * token digest's start, so a reused id never inherits another session's activity). Idle expiry takes
 * the later of the row and the table, so it is exact to the second in the process that served the
 * session; another process (several servers on one PostgreSQL) sees the row, at most a minute behind.
 * A session pushed out of its slot by another has its last activity written then.
 */
#define SESSION_TOUCH_S 60
#define SEEN_SLOTS 4096
struct seen {
    int64_t sid;    /* 0: empty */
    int64_t at;     /* the last request's instant */
    int64_t stored; /* the row's last_seen as this process last read or wrote it */
    char key[17];   /* the start of the token's digest */
};
static struct seen seen_tab[SEEN_SLOTS];
static pthread_mutex_t seen_mu = PTHREAD_MUTEX_INITIALIZER;

/* The later of *last (the row's) and the remembered activity of session sid. */
static void seen_get(int64_t sid, const char *digest, int64_t *last)
{
    pthread_mutex_lock(&seen_mu);
    const struct seen *e = &seen_tab[sid % SEEN_SLOTS];
    if (e->sid == sid && !strncmp(e->key, digest, 16) && e->at > *last)
        *last = e->at;
    pthread_mutex_unlock(&seen_mu);
}

/* Remembers a request of session sid at now (the row holding stored); *evicted receives the session it
 * pushed out when that one's activity is later than its row (evicted->sid 0 otherwise). */
static void seen_put(int64_t sid, const char *digest, int64_t now, int64_t stored, struct seen *evicted)
{
    pthread_mutex_lock(&seen_mu);
    struct seen *e = &seen_tab[sid % SEEN_SLOTS];
    bool same = e->sid == sid && !strncmp(e->key, digest, 16);
    *evicted = (!same && e->sid && e->at > e->stored) ? *e : (struct seen){0};
    if (!same) {
        e->sid = sid;
        snprintf(e->key, sizeof e->key, "%.16s", digest);
        e->stored = stored;
    } else if (stored > e->stored)
        e->stored = stored;
    e->at = now;
    pthread_mutex_unlock(&seen_mu);
}

static void seen_stored(int64_t sid, const char *digest, int64_t stored)
{
    pthread_mutex_lock(&seen_mu);
    struct seen *e = &seen_tab[sid % SEEN_SLOTS];
    if (e->sid == sid && !strncmp(e->key, digest, 16) && stored > e->stored)
        e->stored = stored;
    pthread_mutex_unlock(&seen_mu);
}

static void seen_forget(int64_t sid)
{
    pthread_mutex_lock(&seen_mu);
    struct seen *e = &seen_tab[sid % SEEN_SLOTS];
    if (e->sid == sid)
        *e = (struct seen){0};
    pthread_mutex_unlock(&seen_mu);
}

/*
 * A principal is one row of the view user_principals (migration 0044): the user with their roles and
 * portfolio as JSON arrays. A request reads it only when the principals' cache (below) lacks it.
 */
#define PRINCIPAL_COLS "p.user_id, p.username, p.name, p.must_change_password, p.disabled, p.roles, p.portfolio"

/* Reads the principal in the PRINCIPAL_COLS starting at column col of the current row of st. */
static enum err principal_from_row(struct ctx *c, struct stmt *st, int col, struct principal **out)
{
    const char *what = "读取用户";
    if (stmt_is_null(st, col))
        return ctx_fail(c, ERR_UNAUTHORIZED, "用户不存在");
    if (stmt_int(st, col + 4) != 0)
        return ctx_fail(c, ERR_UNAUTHORIZED, "账号已停用");
    json_t *roles = jv_array_parse(stmt_text(st, col + 5)), *portfolio = jv_array_parse(stmt_text(st, col + 6));
    if (!roles || !portfolio) {
        json_decref(roles);
        json_decref(portfolio);
        return ctx_store_fail(c, STORE_E_OTHER, what);
    }
    struct principal *p = arena_alloc(c->arena, sizeof *p);
    p->id = stmt_int(st, col);
    p->username = arena_strdup(c->arena, stmt_text(st, col + 1));
    p->name = arena_strdup(c->arena, stmt_text(st, col + 2));
    p->must_change_password = stmt_int(st, col + 3) != 0;
    p->grants = arena_alloc(c->arena, sizeof *p->grants * (json_array_size(roles) + 1));
    size_t i;
    json_t *r;
    json_array_foreach(roles, i, r)
    {
        enum role role;
        if (!role_parse(json_string_value(json_array_get(r, 0)), &role))
            continue;
        struct grant *g = &p->grants[p->ngrants++];
        g->role = role;
        g->unit_id = json_integer_value(json_array_get(r, 1));
        g->unit_path = arena_strdup(c->arena, json_string_value(json_array_get(r, 2)));
        g->unit_code = arena_strdup(c->arena, json_string_value(json_array_get(r, 3)));
        g->unit_name = arena_strdup(c->arena, json_string_value(json_array_get(r, 4)));
    }
    size_t n = json_array_size(portfolio);
    p->portfolio = arena_alloc(c->arena, sizeof *p->portfolio * (n + 1));
    p->portfolio_paths = arena_alloc(c->arena, sizeof *p->portfolio_paths * (n + 1));
    json_array_foreach(portfolio, i, r)
    {
        p->portfolio[p->nportfolio] = json_integer_value(json_array_get(r, 0));
        p->portfolio_paths[p->nportfolio++] = arena_strdup(c->arena, json_string_value(json_array_get(r, 1)));
    }
    json_decref(roles);
    json_decref(portfolio);
    *out = p;
    return ERR_OK;
}

/*
 * The principals' cache. A request reads its session's or token's row with name_generation.principals
 * (migration 0057), which triggers set to a new random value in the transaction of every change of what
 * user_principals shows (a user's names and flags, roles, portfolio, a unit's path, code or
 * name, a deletion). The cache holds principals read under one value; a request that read another value
 * empties it. A principal read after the value is at least as new as it, so it is stored only under the value
 * its request read. A hit is copied into the request's arena (the caller sets the session's fields).
 */
#define PCACHE_SLOTS 1024
struct pslot {
    int64_t user_id; /* 0: empty */
    struct arena a;
    struct principal *p;
};
static struct pslot pcache[PCACHE_SLOTS];
static int64_t pcache_gen;
static bool pcache_valid;
static pthread_mutex_t pcache_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *nz(const char *s)
{
    return s ? s : "";
}

static struct principal *principal_copy(struct arena *a, const struct principal *from)
{
    struct principal *p = arena_alloc(a, sizeof *p);
    p->id = from->id;
    p->username = arena_strdup(a, nz(from->username));
    p->name = arena_strdup(a, nz(from->name));
    p->must_change_password = from->must_change_password;
    p->grants = arena_alloc(a, sizeof *p->grants * (size_t)(from->ngrants + 1));
    for (p->ngrants = 0; p->ngrants < from->ngrants; p->ngrants++) {
        const struct grant *f = &from->grants[p->ngrants];
        p->grants[p->ngrants] = (struct grant){f->role, f->unit_id, arena_strdup(a, nz(f->unit_path)),
                                               arena_strdup(a, nz(f->unit_code)), arena_strdup(a, nz(f->unit_name))};
    }
    p->portfolio = arena_alloc(a, sizeof *p->portfolio * (size_t)(from->nportfolio + 1));
    p->portfolio_paths = arena_alloc(a, sizeof *p->portfolio_paths * (size_t)(from->nportfolio + 1));
    for (p->nportfolio = 0; p->nportfolio < from->nportfolio; p->nportfolio++) {
        p->portfolio[p->nportfolio] = from->portfolio[p->nportfolio];
        p->portfolio_paths[p->nportfolio] = arena_strdup(a, nz(from->portfolio_paths[p->nportfolio]));
    }
    return p;
}

/* Empties the cache and holds it for gen (under pcache_mu). */
static void pcache_reset(int64_t gen)
{
    for (int i = 0; i < PCACHE_SLOTS; i++) {
        arena_free(&pcache[i].a);
        pcache[i] = (struct pslot){0};
    }
    pcache_gen = gen;
    pcache_valid = true;
}

/* The principal of user_id as of generation gen: from the cache, else from user_principals (then kept). */
static enum err principal_of(struct ctx *c, int64_t user_id, int64_t gen, struct principal **out)
{
    struct pslot *slot = &pcache[(uint64_t)user_id % PCACHE_SLOTS];
    pthread_mutex_lock(&pcache_mu);
    bool hit = pcache_valid && pcache_gen == gen && slot->user_id == user_id;
    if (hit)
        *out = principal_copy(c->arena, slot->p);
    pthread_mutex_unlock(&pcache_mu);
    if (hit)
        return ERR_OK;
    enum err e = auth_load_principal(c, user_id, out);
    if (e)
        return e;
    pthread_mutex_lock(&pcache_mu);
    if (!pcache_valid || pcache_gen != gen)
        pcache_reset(gen);
    arena_free(&slot->a);
    slot->user_id = user_id;
    slot->p = principal_copy(&slot->a, *out);
    pthread_mutex_unlock(&pcache_mu);
    return ERR_OK;
}

enum err auth_load_principal(struct ctx *c, int64_t user_id, struct principal **out)
{
    struct stmt *st =
        db_query(c->db, "SELECT " PRINCIPAL_COLS " FROM user_principals p WHERE p.user_id = ?", DB_INT(user_id));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取用户");
    int rc = stmt_step(st);
    enum err e = rc == STORE_ROW    ? principal_from_row(c, st, 0, out)
                 : rc == STORE_DONE ? ctx_fail(c, ERR_UNAUTHORIZED, "用户不存在")
                                    : ctx_store_fail(c, rc, "读取用户");
    stmt_done(st);
    return e;
}

/*
 * Sign-in throttling. A failed attempt counts against three keys; once a key has more failures than
 * its free attempts, every further attempt on it waits 1, 2, 4 … seconds (up to its longest wait)
 * after the last failure, the right password included. A quiet hour forgets the failures.
 *   pair  this name from this address: login_free_attempts (f, default 3), then up to login_max_delay_s
 *   addr  any name from this address (guessing many accounts): 6f + 2 (20), then up to login_max_delay_s
 *   acct  this name from anywhere (a distributed guess): 3f + 1 (10), then up to login_max_delay_s; not for a
 *         browser that signed in as this user before (its device cookie), so that failures from
 *         elsewhere cannot keep the user out
 * Unknown names are counted like known ones: the answers (401, 429) and their timing do not tell
 * which accounts exist.
 */
enum { THROTTLE_PAIR, THROTTLE_ADDR, THROTTLE_ACCT, THROTTLE__N };
#define THROTTLE_FORGET_S 3600

static void throttle_keys(struct ctx *c, const char *username, const char *keys[THROTTLE__N])
{
    const char *addr = c->client ? c->client : "";
    keys[THROTTLE_PAIR] = arena_printf(c->arena, "pair:%.64s|%s", username, addr);
    keys[THROTTLE_ADDR] = arena_printf(c->arena, "addr:%s", addr);
    keys[THROTTLE_ACCT] = arena_printf(c->arena, "acct:%.64s", username);
}

static void throttle_rule(const struct config *cfg, int k, int64_t *free_attempts, int64_t *max_delay)
{
    int64_t f = cfg->login_free_attempts;
    *free_attempts = k == THROTTLE_PAIR ? f : k == THROTTLE_ADDR ? 6 * f + 2 : 3 * f + 1;
    *max_delay = cfg->login_max_delay_s;
}

/* The wait after `failures` failures on a key with these rules (0: none). */
static int64_t throttle_delay(int64_t failures, int64_t free_attempts, int64_t max_delay)
{
    if (failures <= free_attempts)
        return 0;
    int64_t d = 1;
    for (int64_t i = free_attempts + 1; i < failures && d < max_delay; i++)
        d *= 2;
    return d < max_delay ? d : max_delay;
}

/* Seconds until any of the keys may try again (0: now); the name's key not for a known device. */
static enum err throttle_wait(struct ctx *c, const char *keys[THROTTLE__N], bool known_device, int64_t *wait)
{
    *wait = 0;
    struct stmt *st =
        db_query(c->db, "SELECT blocked_until FROM login_throttle WHERE key IN (?, ?, ?)", DB_TEXT(keys[THROTTLE_PAIR]),
                 DB_TEXT(keys[THROTTLE_ADDR]), DB_TEXT(known_device ? keys[THROTTLE_PAIR] : keys[THROTTLE_ACCT]));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "登录");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        if (stmt_int(st, 0) - c->now > *wait)
            *wait = stmt_int(st, 0) - c->now;
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "登录") : ERR_OK;
}

struct failure_args {
    const char *username;
    const char **keys;
    int64_t user_id; /* 0: no such account */
    const char *user_path;
    bool known_device;
};

/* Counts a failed attempt on every key and records it in the audit trail, in one transaction. */
static enum err failure_tx(struct ctx *c, void *arg)
{
    struct failure_args *a = arg;
    json_t *counts = json_object();
    enum err e = ERR_OK;
    for (int k = 0; k < THROTTLE__N && !e; k++) {
        if (k == THROTTLE_ACCT && a->known_device)
            continue;
        int64_t failures = 0, last = 0;
        struct stmt *st =
            db_query(c->db, "SELECT failures, last_failure FROM login_throttle WHERE key = ?", DB_TEXT(a->keys[k]));
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "记录登录失败");
        int rc = stmt_step(st);
        if (rc == STORE_ROW) {
            failures = stmt_int(st, 0);
            last = stmt_int(st, 1);
        }
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "记录登录失败");
        failures = c->now - last > THROTTLE_FORGET_S ? 1 : failures + 1;
        int64_t free_attempts, max_delay;
        throttle_rule(c->cfg, k, &free_attempts, &max_delay);
        int64_t delay = throttle_delay(failures, free_attempts, max_delay);
        if ((e = db_exec(c->db,
                         "INSERT INTO login_throttle (key, failures, last_failure, blocked_until) VALUES (?, ?, ?, ?) "
                         "ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, "
                         "last_failure = excluded.last_failure, blocked_until = excluded.blocked_until",
                         DB_TEXT(a->keys[k]), DB_INT(failures), DB_INT(c->now), DB_INT(c->now + delay))))
            e = ctx_db_fail(c, e, "记录登录失败");
        json_object_set_new(counts, (const char *[]){"pair", "address", "account"}[k],
                            json_pack("{sI sI}", "failures", (json_int_t)failures, "delay_s", (json_int_t)delay));
    }
    if (!e) {
        /* readable in the account's unit; attempts on unknown names only system-wide */
        c->audit_scope = a->user_id ? a->user_path : "/";
        json_t *sum = json_pack("{ss sb so}", "username", a->username, "known", a->user_id != 0, "throttle", counts);
        counts = NULL;
        e = audit_record(c, "session.login_failed", a->user_id ? "user" : "session", a->user_id, sum);
        json_decref(sum);
        c->audit_scope = NULL;
    }
    json_decref(counts);
    return e;
}

/* Forgets the failures of this name (from this address and from anywhere) after a good sign-in. */
static enum err throttle_clear(struct ctx *c, const char *keys[THROTTLE__N])
{
    enum err e = db_exec(c->db, "DELETE FROM login_throttle WHERE key IN (?, ?)", DB_TEXT(keys[THROTTLE_PAIR]),
                         DB_TEXT(keys[THROTTLE_ACCT]));
    return e ? ctx_db_fail(c, e, "登录") : ERR_OK;
}

static enum err too_many(struct ctx *c, int64_t wait, struct login_result *out)
{
    out->retry_after = wait;
    return ctx_fail(c, ERR_TOO_MANY, "登录尝试过于频繁，请 %" PRId64 " 秒后再试", wait);
}

/* True if device (a device cookie's token, may be NULL) signed in as username before. */
static enum err known_device(struct ctx *c, const char *device, const char *username, bool *known)
{
    *known = false;
    if (!device || !*device)
        return ERR_OK;
    char digest[65];
    token_digest(device, digest);
    int64_t n = 0;
    enum err e = db_one_int(c->db, &n,
                            "SELECT COUNT(*) FROM login_devices d JOIN users u ON u.id = d.user_id "
                            "WHERE d.token_hash = ? AND u.username = ?",
                            DB_TEXT(digest), DB_TEXT(username));
    *known = n > 0;
    return e ? ctx_db_fail(c, e, "登录") : ERR_OK;
}

enum err auth_login(struct ctx *c, const char *username, const char *password, const char *device,
                    struct login_result *out)
{
    const char *what = "登录";
    const char *keys[THROTTLE__N];
    throttle_keys(c, username, keys);
    out->retry_after = 0;
    out->device[0] = 0;
    int64_t wait;
    bool known;
    enum err e = known_device(c, device, username, &known);
    if (!e)
        e = throttle_wait(c, keys, known, &wait);
    if (e)
        return e;
    if (wait > 0)
        return too_many(c, wait, out);

    struct stmt *st = db_query(c->db,
                               "SELECT u.id, u.password_hash, u.disabled, un.path FROM users u "
                               "JOIN units un ON un.id = u.unit_id WHERE u.username = ?",
                               DB_TEXT(username));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, what);
    int rc = stmt_step(st);
    int64_t uid = 0;
    const char *hash = NULL, *path = NULL;
    bool disabled = false;
    if (rc == STORE_ROW) {
        uid = stmt_int(st, 0);
        hash = arena_strdup(c->arena, stmt_text(st, 1));
        disabled = stmt_int(st, 2) != 0;
        path = arena_strdup(c->arena, stmt_text(st, 3));
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, what);
    /* an unknown name costs the same check as a known one */
    if (!password_verify(hash, password) || !uid) {
        struct failure_args fa = {username, keys, uid, path, known};
        if ((e = ctx_tx(c, "记录登录失败", failure_tx, &fa)))
            return e;
        return ctx_fail(c, ERR_UNAUTHORIZED, "用户名或密码错误");
    }
    if (disabled)
        return ctx_fail(c, ERR_FORBIDDEN, "账号已停用，请联系管理员");

    token_random(out->token, sizeof out->token, 32);
    token_random(out->csrf, sizeof out->csrf, 24);
    char digest[65], at[21];
    token_digest(out->token, digest);
    time_format_iso(c->now, at);
    if ((rc = db_begin(c->db)) < 0)
        return ctx_store_fail(c, rc, what);
    e = throttle_clear(c, keys);
    if (!e && !known) { /* this browser is now a device of the user's */
        token_random(out->device, sizeof out->device, 32);
        char dd[65];
        token_digest(out->device, dd);
        if ((e = db_exec(c->db, "INSERT INTO login_devices (token_hash, user_id, created_at) VALUES (?, ?, ?)",
                         DB_TEXT(dd), DB_INT(uid), DB_TEXT(at))))
            e = ctx_db_fail(c, e, what);
    }
    if (!e) {
        st = db_prepare(c->db, "INSERT INTO sessions (token_hash, user_id, csrf, created_at, last_seen, client) "
                               "VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
        if (st) {
            stmt_bind_text(st, 1, digest);
            stmt_bind_int(st, 2, uid);
            stmt_bind_text(st, 3, out->csrf);
            stmt_bind_text(st, 4, at);
            stmt_bind_int(st, 5, c->now);
            stmt_bind_text(st, 6, c->client ? c->client : "");
        }
        rc = stmt_one_int(st, &out->session_id);
        if (rc != STORE_ROW)
            e = ctx_store_fail(c, rc == STORE_DONE ? STORE_E_OTHER : rc, what);
    }
    if (!e) {
        struct principal *p;
        if ((e = auth_load_principal(c, uid, &p)) == ERR_OK) {
            c->user = p;
            json_t *sum = json_pack("{sI}", "session", (json_int_t)out->session_id);
            e = audit_record(c, "session.login", "user", uid, sum);
            json_decref(sum);
        }
    }
    if (e) {
        db_rollback(c->db);
        return e;
    }
    if ((rc = db_commit(c->db)) < 0)
        return ctx_store_fail(c, rc, what);
    out->user_id = uid;
    return ERR_OK;
}

enum err auth_unthrottle(struct ctx *c, const char *username)
{
    enum err e = db_exec(c->db, "DELETE FROM login_throttle WHERE key = ? OR (key >= ? AND key < ?)",
                         DB_TEXT(arena_printf(c->arena, "acct:%s", username)),
                         DB_TEXT(arena_printf(c->arena, "pair:%s|", username)),
                         DB_TEXT(arena_printf(c->arena, "pair:%s}", username)));
    return e ? ctx_db_fail(c, e, "解除登录限制") : ERR_OK;
}

enum err auth_logout(struct ctx *c, int64_t session_id)
{
    int rc = db_begin(c->db);
    if (rc < 0)
        return ctx_store_fail(c, rc, "退出登录");
    struct stmt *st = db_prepare(c->db, "DELETE FROM sessions WHERE id = ?");
    if (st) {
        stmt_bind_int(st, 1, session_id);
        rc = stmt_step(st);
        stmt_done(st);
    }
    enum err e = (!st || rc < 0) ? ctx_store_fail(c, st ? rc : STORE_E_OTHER, "退出登录") : ERR_OK;
    if (!e)
        e = audit_record(c, "session.logout", "user", c->user ? c->user->id : 0, NULL);
    if (e) {
        db_rollback(c->db);
        return e;
    }
    rc = db_commit(c->db);
    if (rc < 0)
        return ctx_store_fail(c, rc, "退出登录");
    seen_forget(session_id);
    return ERR_OK;
}

enum err auth_session(struct ctx *c, const char *token, struct principal **out)
{
    char digest[65];
    token_digest(token, digest);
    /* the session with the principals' generation: one statement (the user from the cache, principal_of) */
    struct stmt *st = db_query(c->db,
                               "SELECT s.id, s.csrf, s.last_seen, s.user_id, g.principals FROM sessions s, "
                               "name_generation g WHERE s.token_hash = ? AND g.id = 1",
                               DB_TEXT(digest));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "验证会话");
    stmt_send(st);
    ctx_send_ahead(c); /* the page's first read travels with it (one round trip) */
    int rc = stmt_step(st);
    if (rc != STORE_ROW) {
        stmt_done(st);
        return rc == STORE_DONE ? ctx_fail(c, ERR_UNAUTHORIZED, "登录已失效，请重新登录")
                                : ctx_store_fail(c, rc, "验证会话");
    }
    int64_t sid = stmt_int(st, 0), stored = stmt_int(st, 2), last = stored, uid = stmt_int(st, 3),
            gen = stmt_int(st, 4);
    char *csrf = arena_strdup(c->arena, stmt_text(st, 1));
    stmt_done(st);
    seen_get(sid, digest, &last);
    if (c->now - last > c->cfg->session_idle_minutes * 60) {
        seen_forget(sid);
        (void)db_exec(c->db, "DELETE FROM sessions WHERE id = ?", DB_INT(sid));
        return ctx_fail(c, ERR_UNAUTHORIZED, "长时间未操作，登录已超时，请重新登录");
    }
    struct principal *p;
    enum err e = principal_of(c, uid, gen, &p);
    if (e)
        return e;
    struct seen evicted;
    seen_put(sid, digest, c->now, stored, &evicted);
    /* best effort: a skipped or failed write leaves the row behind, the table in memory keeps the instant */
    if (evicted.sid)
        (void)db_exec_unless_busy(c->db, "UPDATE sessions SET last_seen = ? WHERE id = ? AND last_seen < ?",
                                  DB_INT(evicted.at), DB_INT(evicted.sid), DB_INT(evicted.at));
    if (c->now - stored >= SESSION_TOUCH_S &&
        db_exec_unless_busy(c->db, "UPDATE sessions SET last_seen = ? WHERE id = ?", DB_INT(c->now), DB_INT(sid)) ==
            ERR_OK)
        seen_stored(sid, digest, c->now);
    p->session_id = sid;
    p->csrf = csrf;
    *out = p;
    return ERR_OK;
}

enum err auth_bearer(struct ctx *c, const char *token, struct principal **out)
{
    char digest[65];
    token_digest(token, digest);
    /* the token's row read on every request, on the primary, never cached: a revoked token is refused at once
     * everywhere; with the principals' generation: one statement (the user from the cache, principal_of) */
    struct stmt *st = db_query(c->db,
                               "SELECT t.id, t.last_used_at, t.user_id, g.principals FROM api_tokens t, "
                               "name_generation g WHERE t.token_hash = ? AND t.revoked = 0 AND g.id = 1",
                               DB_TEXT(digest));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "验证令牌");
    stmt_send(st);
    ctx_send_ahead(c); /* the page's first read travels with it (one round trip) */
    int rc = stmt_step(st);
    if (rc != STORE_ROW) {
        stmt_done(st);
        return rc == STORE_DONE ? ctx_fail(c, ERR_UNAUTHORIZED, "API 令牌无效或已吊销")
                                : ctx_store_fail(c, rc, "验证令牌");
    }
    int64_t tid = stmt_int(st, 0), uid = stmt_int(st, 2), gen = stmt_int(st, 3);
    char used[21], at[21], stale[21];
    snprintf(used, sizeof used, "%s", stmt_text(st, 1) ? stmt_text(st, 1) : "");
    stmt_done(st);
    enum err e = principal_of(c, uid, gen, out);
    if (e)
        return e;
    /* the last use, for the administrator's list: written at most every ten minutes (best effort) */
    time_format_iso(c->now, at);
    time_format_iso(c->now - 600, stale);
    if (strcmp(used, stale) < 0)
        (void)db_exec_unless_busy(c->db, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", DB_TEXT(at),
                                  DB_INT(tid));
    return ERR_OK;
}

enum err auth_token_create(struct ctx *c, const char *username, const char *name, char token[64], int64_t *id)
{
    struct stmt *st = db_prepare(c->db, "SELECT id FROM users WHERE username = ? AND disabled = 0");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "创建令牌");
    stmt_bind_text(st, 1, username);
    int64_t uid;
    int rc = stmt_one_int(st, &uid);
    if (rc != STORE_ROW)
        return rc == STORE_DONE ? ctx_fail(c, ERR_NOT_FOUND, "用户 %s 不存在或已停用", username)
                                : ctx_store_fail(c, rc, "创建令牌");
    token_random(token, 64, 32);
    char digest[65], at[21];
    token_digest(token, digest);
    time_format_iso(c->now, at);
    if ((rc = db_begin(c->db)) < 0)
        return ctx_store_fail(c, rc, "创建令牌");
    int64_t tid = 0;
    st = db_prepare(c->db,
                    "INSERT INTO api_tokens (user_id, token_hash, name, created_at) VALUES (?, ?, ?, ?) RETURNING id");
    if (st) {
        stmt_bind_int(st, 1, uid);
        stmt_bind_text(st, 2, digest);
        stmt_bind_text(st, 3, name ? name : "");
        stmt_bind_text(st, 4, at);
    }
    rc = stmt_one_int(st, &tid);
    enum err e = rc == STORE_ROW ? ERR_OK : ctx_store_fail(c, rc == STORE_DONE ? STORE_E_OTHER : rc, "创建令牌");
    if (!e) {
        json_t *sum = json_pack("{sI ss}", "token", (json_int_t)tid, "name", name ? name : "");
        e = audit_record(c, "token.create", "user", uid, sum);
        json_decref(sum);
    }
    if (e) {
        db_rollback(c->db);
        return e;
    }
    rc = db_commit(c->db);
    if (rc < 0)
        return ctx_store_fail(c, rc, "创建令牌");
    if (id)
        *id = tid;
    return ERR_OK;
}

enum err auth_change_password(struct ctx *c, const char *old_pw, const char *new_pw)
{
    struct stmt *st = db_prepare(c->db, "SELECT password_hash FROM users WHERE id = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "修改密码");
    stmt_bind_int(st, 1, c->user->id);
    char *hash = NULL;
    if (stmt_step(st) == STORE_ROW)
        hash = arena_strdup(c->arena, stmt_text(st, 0));
    stmt_done(st);
    if (!hash || !password_verify(hash, old_pw))
        return ctx_fail(c, ERR_INVALID, "原密码不正确");
    const char *bad = password_policy(new_pw, (size_t)c->cfg->password_min_length);
    if (bad)
        return ctx_fail(c, ERR_INVALID, "%s", bad);
    char nh[128];
    if (!password_hash(new_pw, nh))
        die_oom();
    char at[21];
    time_format_iso(c->now, at);
    int rc = db_begin(c->db);
    if (rc < 0)
        return ctx_store_fail(c, rc, "修改密码");
    st = db_prepare(c->db, "UPDATE users SET password_hash = ?, must_change_password = 0, updated_at = ?, "
                           "version = version + 1 WHERE id = ?");
    if (st) {
        stmt_bind_text(st, 1, nh);
        stmt_bind_text(st, 2, at);
        stmt_bind_int(st, 3, c->user->id);
        rc = stmt_step(st);
        stmt_done(st);
    }
    enum err e = (!st || rc < 0) ? ctx_store_fail(c, st ? rc : STORE_E_OTHER, "修改密码") : ERR_OK;
    /* whoever else is signed in as this user (another browser, a stolen cookie) is signed out */
    int64_t ended = 0;
    if (!e && (e = db_one_int(c->db, &ended, "SELECT COUNT(*) FROM sessions WHERE user_id = ? AND id <> ?",
                              DB_INT(c->user->id), DB_INT(c->user->session_id))))
        e = ctx_db_fail(c, e, "修改密码");
    if (!e && (e = db_exec(c->db, "DELETE FROM sessions WHERE user_id = ? AND id <> ?", DB_INT(c->user->id),
                           DB_INT(c->user->session_id))))
        e = ctx_db_fail(c, e, "修改密码");
    if (!e) {
        json_t *sum = json_pack("{sI}", "sessions_ended", (json_int_t)ended);
        e = audit_record(c, "user.password", "user", c->user->id, sum);
        json_decref(sum);
    }
    if (e) {
        db_rollback(c->db);
        return e;
    }
    rc = db_commit(c->db);
    return rc < 0 ? ctx_store_fail(c, rc, "修改密码") : ERR_OK;
}

json_t *principal_json(const struct principal *p)
{
    json_t *roles = json_array();
    for (int i = 0; i < p->ngrants; i++) {
        const struct grant *g = &p->grants[i];
        json_array_append_new(roles, json_pack("{ss ss sI ss ss}", "role", role_name(g->role), "role_label",
                                               role_label(g->role), "unit_id", (json_int_t)g->unit_id, "unit_code",
                                               g->unit_code, "unit_name", g->unit_name));
    }
    json_t *portfolio = json_array();
    for (int i = 0; i < p->nportfolio; i++)
        json_array_append_new(portfolio, json_integer(p->portfolio[i]));
    return json_pack("{sI ss ss sb so so}", "id", (json_int_t)p->id, "username", p->username, "name", p->name,
                     "must_change_password", p->must_change_password, "roles", roles, "portfolio", portfolio);
}
