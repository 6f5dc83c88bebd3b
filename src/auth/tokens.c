/* tokens.c: listing, creating and revoking a user's API tokens; see tokens.h. */
#include "auth/tokens.h"

#include "audit/audit.h"
#include "auth/auth.h"
#include "base/timeu.h"
#include "core/perm.h"

#include <string.h>

const struct jv_field tokens_create_spec[] = {
    {"name", JV_STRING, JV_REQUIRED, 1, 100},
    {NULL, 0, 0, 0, 0},
};

#define TOKEN_COLS "t.id, t.user_id, t.name, t.created_at, t.last_used_at, t.revoked, t.revoked_at"

static json_t *token_json(struct stmt *st)
{
    const char *used = stmt_text(st, 4), *revoked_at = stmt_text(st, 6);
    return json_pack("{sI sI ss ss so sb so}", "id", (json_int_t)stmt_int(st, 0), "user_id",
                     (json_int_t)stmt_int(st, 1), "name", stmt_text(st, 2), "created_at", stmt_text(st, 3),
                     "last_used_at", used ? json_string(used) : json_null(), "revoked", stmt_int(st, 5) != 0,
                     "revoked_at", revoked_at ? json_string(revoked_at) : json_null());
}

/* The user must exist and the caller administer the user's unit: 404 (unknown, or outside the caller's
 * subtree: the same sentence), 403. *username (arena) may be NULL. */
static enum err user_check(struct ctx *c, int64_t user_id, const char **username, bool *disabled)
{
    struct stmt *st = db_query(c->db,
                               "SELECT un.path, u.username, u.disabled FROM users u JOIN units un ON un.id = u.unit_id "
                               "WHERE u.id = ?",
                               DB_INT(user_id));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取用户");
    int rc = stmt_step(st);
    const char *path = NULL;
    if (rc == STORE_ROW) {
        path = arena_strdup(c->arena, stmt_text(st, 0));
        if (username)
            *username = arena_strdup(c->arena, stmt_text(st, 1));
        if (disabled)
            *disabled = stmt_int(st, 2) != 0;
    }
    stmt_done(st);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "用户不存在");
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取用户");
    return perm_require(c, CAP_USER_ADMIN, path, "用户");
}

static enum err token_get(struct ctx *c, int64_t token_id, json_t **out)
{
    struct stmt *st = db_query(c->db, "SELECT " TOKEN_COLS " FROM api_tokens t WHERE t.id = ?", DB_INT(token_id));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取令牌");
    int rc = stmt_step(st);
    if (rc == STORE_ROW)
        *out = token_json(st);
    stmt_done(st);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "令牌不存在");
    return rc < 0 ? ctx_store_fail(c, rc, "读取令牌") : ERR_OK;
}

enum err tokens_list(struct ctx *c, int64_t user_id, json_t **out)
{
    enum err e = user_check(c, user_id, NULL, NULL);
    if (e)
        return e;
    struct stmt *st = db_query(c->db, "SELECT " TOKEN_COLS " FROM api_tokens t WHERE t.user_id = ? ORDER BY t.id DESC",
                               DB_INT(user_id));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取令牌");
    json_t *arr = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        json_array_append_new(arr, token_json(st));
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "读取令牌");
    }
    *out = json_pack("{so}", "tokens", arr);
    return ERR_OK;
}

enum err tokens_create(struct ctx *c, int64_t user_id, const json_t *body, json_t **out)
{
    const char *username;
    bool disabled = false;
    enum err e = user_check(c, user_id, &username, &disabled);
    if (e)
        return e;
    if (disabled)
        return ctx_fail(c, ERR_CONFLICT, "用户 %s 已停用，不能为其创建令牌", username);
    char token[64];
    int64_t id = 0;
    if ((e = auth_token_create(c, username, jv_str(body, "name"), token, &id)))
        return e;
    if ((e = token_get(c, id, out)))
        return e;
    json_object_set_new(*out, "token", json_string(token));
    return ERR_OK;
}

struct revoke_args {
    int64_t user_id, token_id;
};

static enum err revoke_tx(struct ctx *c, void *arg)
{
    struct revoke_args *a = arg;
    struct stmt *st =
        db_query(c->db, "SELECT user_id, revoked, name FROM api_tokens WHERE id = ?", DB_INT(a->token_id));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取令牌");
    int rc = stmt_step(st);
    int64_t owner = 0;
    bool revoked = false;
    const char *name = "";
    if (rc == STORE_ROW) {
        owner = stmt_int(st, 0);
        revoked = stmt_int(st, 1) != 0;
        name = arena_strdup(c->arena, stmt_text(st, 2));
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取令牌");
    if (rc == STORE_DONE || (a->user_id && owner != a->user_id))
        return ctx_fail(c, ERR_NOT_FOUND, "令牌不存在");
    enum err e = user_check(c, owner, NULL, NULL);
    if (e)
        return e;
    if (revoked)
        return ctx_fail(c, ERR_CONFLICT, "该令牌已吊销");
    char at[21];
    time_format_iso(c->now, at);
    if ((e = db_exec(c->db, "UPDATE api_tokens SET revoked = 1, revoked_at = ? WHERE id = ? AND revoked = 0",
                     DB_TEXT(at), DB_INT(a->token_id))))
        return ctx_db_fail(c, e, "吊销令牌");
    json_t *sum = json_pack("{sI ss}", "token", (json_int_t)a->token_id, "name", name);
    e = audit_record(c, "token.revoke", "user", owner, sum);
    json_decref(sum);
    return e;
}

enum err tokens_revoke(struct ctx *c, int64_t user_id, int64_t token_id, json_t **out)
{
    struct revoke_args a = {user_id, token_id};
    enum err e = ctx_tx(c, "吊销令牌", revoke_tx, &a);
    if (!e && out)
        e = token_get(c, token_id, out);
    return e;
}
