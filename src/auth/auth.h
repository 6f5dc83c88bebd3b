/*
 * auth.h: signing in and out, sessions stored in the database (so several server processes share
 * them), API tokens, the lockout after repeated failures, and loading the principal of a request.
 * Tokens and session keys are stored only as digests.
 */
#ifndef DUCHA_AUTH_H
#define DUCHA_AUTH_H

#include "core/ctx.h"

#include <jansson.h>

struct login_result {
    char token[64]; /* the cookie value: give it to the client, never log it */
    char csrf[64];
    int64_t user_id;
    int64_t session_id;
};

/*
 * Checks the password (argon2id, outside any transaction), counts failures (lock after
 * cfg->lockout_attempts for cfg->lockout_minutes), creates a session. Errors: ERR_UNAUTHORIZED
 * (wrong name or password: one message for both), ERR_LOCKED, ERR_FORBIDDEN (disabled).
 */
enum err auth_login(struct ctx *c, const char *username, const char *password, struct login_result *out);
/* Deletes the session. */
enum err auth_logout(struct ctx *c, int64_t session_id);
/* Resolves a session cookie; ERR_UNAUTHORIZED if unknown or idle for too long. Principal in arena. */
enum err auth_session(struct ctx *c, const char *token, struct principal **out);
/* Resolves a bearer API token. */
enum err auth_bearer(struct ctx *c, const char *token, struct principal **out);
/* Loads a user's grants and portfolio into an arena principal. */
enum err auth_load_principal(struct ctx *c, int64_t user_id, struct principal **out);
/* Creates an API token for username; token receives the secret. */
enum err auth_token_create(struct ctx *c, const char *username, const char *name, char token[64]);
/* The signed-in user changes their own password. */
enum err auth_change_password(struct ctx *c, const char *old_pw, const char *new_pw);
/* {id, username, name, must_change_password, roles:[{role, role_label, unit_id, unit_code, unit_name}],
 *  portfolio:[unit ids]} */
json_t *principal_json(const struct principal *p);

#endif
