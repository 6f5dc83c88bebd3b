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
    int64_t retry_after; /* ERR_TOO_MANY: seconds to wait (for Retry-After) */
    char device[64];     /* a new device token for the device cookie ("" when the browser had one) */
};

/*
 * Checks the password (argon2id, outside any transaction) and creates a session. Failures are counted
 * per name and address, per address and per name, and make further attempts wait a growing delay
 * (auth.c) instead of locking the account; device is the browser's device cookie (NULL if none): a
 * browser that signed in as this user before is not held back by failures from elsewhere. Errors: ERR_UNAUTHORIZED (wrong name or password: one
 * answer for known and unknown names), ERR_TOO_MANY (wait out->retry_after seconds), ERR_FORBIDDEN
 * (disabled, told only with the right password).
 */
enum err auth_login(struct ctx *c, const char *username, const char *password, const char *device,
                    struct login_result *out);
/* Deletes the session. */
enum err auth_logout(struct ctx *c, int64_t session_id);
/* Resolves a session cookie; ERR_UNAUTHORIZED if unknown or idle for too long. Principal in arena. */
enum err auth_session(struct ctx *c, const char *token, struct principal **out);
/* Resolves a bearer API token. */
enum err auth_bearer(struct ctx *c, const char *token, struct principal **out);
/* Loads a user's grants and portfolio into an arena principal. */
enum err auth_load_principal(struct ctx *c, int64_t user_id, struct principal **out);
/* Creates an API token for username (audited "token.create"); token receives the secret, *id (may be NULL)
 * the token's id. Listing and revoking: tokens.h. */
enum err auth_token_create(struct ctx *c, const char *username, const char *name, char token[64], int64_t *id);
/* Forgets the sign-in failures of a name (an administrator's unlock). */
enum err auth_unthrottle(struct ctx *c, const char *username);
/* The signed-in user changes their own password; the user's other sessions end. */
enum err auth_change_password(struct ctx *c, const char *old_pw, const char *new_pw);
/* {id, username, name, must_change_password, roles:[{role, role_label, unit_id, unit_code, unit_name}],
 *  portfolio:[unit ids]} */
json_t *principal_json(const struct principal *p);

#endif
