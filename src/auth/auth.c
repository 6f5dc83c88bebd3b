#include "auth/auth.h"

#include "audit/audit.h"
#include "base/log.h"
#include "base/timeu.h"
#include "crypto/hash.h"
#include "crypto/password.h"

#include <inttypes.h>
#include <string.h>

#define SESSION_TOUCH_S 60 /* last_seen is refreshed at most once a minute */

enum err auth_load_principal(struct ctx *c, int64_t user_id, struct principal **out)
{
    const char *what = "读取用户";
    struct stmt *st =
        db_prepare(c->db, "SELECT username, name, must_change_password, disabled FROM users WHERE id = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, what);
    stmt_bind_int(st, 1, user_id);
    int rc = stmt_step(st);
    if (rc != STORE_ROW) {
        stmt_done(st);
        return rc == STORE_DONE ? ctx_fail(c, ERR_UNAUTHORIZED, "用户不存在") : ctx_store_fail(c, rc, what);
    }
    struct principal *p = arena_alloc(c->arena, sizeof *p);
    p->id = user_id;
    p->username = arena_strdup(c->arena, stmt_text(st, 0));
    p->name = arena_strdup(c->arena, stmt_text(st, 1));
    p->must_change_password = stmt_int(st, 2) != 0;
    bool disabled = stmt_int(st, 3) != 0;
    stmt_done(st);
    if (disabled)
        return ctx_fail(c, ERR_UNAUTHORIZED, "账号已停用");

    st = db_prepare(c->db, "SELECT r.role, r.unit_id, u.path, u.code, u.name FROM user_roles r "
                           "JOIN units u ON u.id = r.unit_id WHERE r.user_id = ? ORDER BY r.id");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, what);
    stmt_bind_int(st, 1, user_id);
    int cap = 4;
    p->grants = arena_alloc(c->arena, sizeof *p->grants * (size_t)cap);
    while ((rc = stmt_step(st)) == STORE_ROW) {
        enum role r;
        if (!role_parse(stmt_text(st, 0), &r))
            continue;
        if (p->ngrants == cap) {
            struct grant *g = arena_alloc(c->arena, sizeof *g * (size_t)cap * 2);
            memcpy(g, p->grants, sizeof *g * (size_t)cap);
            p->grants = g;
            cap *= 2;
        }
        struct grant *g = &p->grants[p->ngrants++];
        g->role = r;
        g->unit_id = stmt_int(st, 1);
        g->unit_path = arena_strdup(c->arena, stmt_text(st, 2));
        g->unit_code = arena_strdup(c->arena, stmt_text(st, 3));
        g->unit_name = arena_strdup(c->arena, stmt_text(st, 4));
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, what);

    st = db_prepare(c->db, "SELECT p.unit_id, u.path FROM leader_portfolio p JOIN units u ON u.id = p.unit_id "
                           "WHERE p.user_id = ? ORDER BY u.path");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, what);
    stmt_bind_int(st, 1, user_id);
    int pcap = 0;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        if (p->nportfolio == pcap) {
            int ncap = pcap ? pcap * 2 : 8;
            int64_t *ids = arena_alloc(c->arena, sizeof *ids * (size_t)ncap);
            const char **paths = arena_alloc(c->arena, sizeof *paths * (size_t)ncap);
            if (pcap) {
                memcpy(ids, p->portfolio, sizeof *ids * (size_t)pcap);
                memcpy(paths, p->portfolio_paths, sizeof *paths * (size_t)pcap);
            }
            p->portfolio = ids;
            p->portfolio_paths = paths;
            pcap = ncap;
        }
        p->portfolio[p->nportfolio] = stmt_int(st, 0);
        p->portfolio_paths[p->nportfolio++] = arena_strdup(c->arena, stmt_text(st, 1));
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, what);
    *out = p;
    return ERR_OK;
}

/* Records a failed attempt (and the lock when the limit is reached) in its own transaction. */
static enum err auth_count_failure(struct ctx *c, int64_t user_id, const char *username)
{
    struct stmt *st =
        db_prepare(c->db, "SELECT un.path FROM users u JOIN units un ON un.id = u.unit_id WHERE u.id = ?");
    if (st) {
        stmt_bind_int(st, 1, user_id);
        if (stmt_step(st) == STORE_ROW)
            c->audit_scope = arena_strdup(c->arena, stmt_text(st, 0));
        stmt_done(st);
    }
    int rc = db_begin(c->db);
    if (rc < 0)
        return ctx_store_fail(c, rc, "记录登录失败");
    st = db_prepare(c->db, "UPDATE users SET failed_logins = failed_logins + 1, locked_until = "
                           "CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END "
                           "WHERE id = ? RETURNING failed_logins");
    int64_t failures = 0;
    if (st) {
        stmt_bind_int(st, 1, c->cfg->lockout_attempts);
        stmt_bind_int(st, 2, c->now + c->cfg->lockout_minutes * 60);
        stmt_bind_int(st, 3, user_id);
    }
    rc = stmt_one_int(st, &failures);
    json_t *sum = json_pack("{ss sI}", "username", username, "failed_logins", (json_int_t)failures);
    enum err e = rc == STORE_ROW
                     ? audit_record(c, failures >= c->cfg->lockout_attempts ? "session.locked" : "session.login_failed",
                                    "user", user_id, sum)
                     : ctx_store_fail(c, rc, "记录登录失败");
    json_decref(sum);
    if (e) {
        db_rollback(c->db);
        return e;
    }
    rc = db_commit(c->db);
    return rc < 0 ? ctx_store_fail(c, rc, "记录登录失败") : ERR_OK;
}

enum err auth_login(struct ctx *c, const char *username, const char *password, struct login_result *out)
{
    const char *what = "登录";
    struct stmt *st =
        db_prepare(c->db, "SELECT id, password_hash, locked_until, disabled FROM users WHERE username = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, what);
    stmt_bind_text(st, 1, username);
    int rc = stmt_step(st);
    if (rc < 0) {
        stmt_done(st);
        return ctx_store_fail(c, rc, what);
    }
    if (rc == STORE_DONE) {
        stmt_done(st);
        password_verify(NULL, password); /* same cost as a real check */
        return ctx_fail(c, ERR_UNAUTHORIZED, "用户名或密码错误");
    }
    int64_t uid = stmt_int(st, 0);
    char *hash = arena_strdup(c->arena, stmt_text(st, 1));
    int64_t locked_until = stmt_int(st, 2);
    bool disabled = stmt_int(st, 3) != 0;
    stmt_done(st);
    if (locked_until > c->now) {
        int64_t mins = (locked_until - c->now + 59) / 60;
        return ctx_fail(c, ERR_LOCKED, "连续登录失败次数过多，账号已锁定，请 %" PRId64 " 分钟后再试", mins);
    }
    if (!password_verify(hash, password)) {
        enum err e = auth_count_failure(c, uid, username);
        if (e)
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
    enum err e = ERR_OK;
    st = db_prepare(c->db, "UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = ?");
    if (st) {
        stmt_bind_int(st, 1, uid);
        rc = stmt_step(st);
        stmt_done(st);
    }
    if (!st || rc < 0)
        e = ctx_store_fail(c, st ? rc : STORE_E_OTHER, what);
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
    return rc < 0 ? ctx_store_fail(c, rc, "退出登录") : ERR_OK;
}

enum err auth_session(struct ctx *c, const char *token, struct principal **out)
{
    char digest[65];
    token_digest(token, digest);
    struct stmt *st = db_prepare(c->db, "SELECT id, user_id, csrf, last_seen FROM sessions WHERE token_hash = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "验证会话");
    stmt_bind_text(st, 1, digest);
    int rc = stmt_step(st);
    if (rc != STORE_ROW) {
        stmt_done(st);
        return rc == STORE_DONE ? ctx_fail(c, ERR_UNAUTHORIZED, "登录已失效，请重新登录")
                                : ctx_store_fail(c, rc, "验证会话");
    }
    int64_t sid = stmt_int(st, 0), uid = stmt_int(st, 1), last = stmt_int(st, 3);
    char *csrf = arena_strdup(c->arena, stmt_text(st, 2));
    stmt_done(st);
    if (c->now - last > c->cfg->session_idle_minutes * 60) {
        st = db_prepare(c->db, "DELETE FROM sessions WHERE id = ?");
        if (st) {
            stmt_bind_int(st, 1, sid);
            stmt_step(st);
            stmt_done(st);
        }
        return ctx_fail(c, ERR_UNAUTHORIZED, "长时间未操作，登录已超时，请重新登录");
    }
    if (c->now - last >= SESSION_TOUCH_S) {
        st = db_prepare(c->db, "UPDATE sessions SET last_seen = ? WHERE id = ?");
        if (st) {
            stmt_bind_int(st, 1, c->now);
            stmt_bind_int(st, 2, sid);
            stmt_step(st); /* best effort: a failed touch only shortens the session */
            stmt_done(st);
        }
    }
    struct principal *p;
    enum err e = auth_load_principal(c, uid, &p);
    if (e)
        return e;
    p->session_id = sid;
    p->csrf = csrf;
    *out = p;
    return ERR_OK;
}

enum err auth_bearer(struct ctx *c, const char *token, struct principal **out)
{
    char digest[65];
    token_digest(token, digest);
    struct stmt *st = db_prepare(c->db, "SELECT user_id FROM api_tokens WHERE token_hash = ? AND revoked = 0");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "验证令牌");
    stmt_bind_text(st, 1, digest);
    int64_t uid;
    int rc = stmt_one_int(st, &uid);
    if (rc != STORE_ROW)
        return rc == STORE_DONE ? ctx_fail(c, ERR_UNAUTHORIZED, "API 令牌无效或已吊销")
                                : ctx_store_fail(c, rc, "验证令牌");
    return auth_load_principal(c, uid, out);
}

enum err auth_token_create(struct ctx *c, const char *username, const char *name, char token[64])
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
    return rc < 0 ? ctx_store_fail(c, rc, "创建令牌") : ERR_OK;
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
    if (!e)
        e = audit_record(c, "user.password", "user", c->user->id, NULL);
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
