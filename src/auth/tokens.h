/*
 * tokens.h: the API tokens of a user, one by one — listed (never the secret: only its digest is
 * stored), created by an administrator for an integrating system's account (the secret shown once), and
 * revoked on its own: a revoked token is refused (401) by the next request on every node, since each
 * request reads api_tokens on the primary (auth_bearer), nothing caches it. Administrators of the
 * user's unit only (CAP_USER_ADMIN there: 404 outside their subtree, 403 without the capability); the
 * system (CLI, ctx->user NULL) may do all. Every change is audited in its own transaction. JSON
 * results are owned by the caller.
 */
#ifndef DUCHA_TOKENS_H
#define DUCHA_TOKENS_H

#include "base/jsonv.h"
#include "core/ctx.h"

#include <jansson.h>

extern const struct jv_field tokens_create_spec[];

/* {"tokens":[ApiToken…]} of user_id, newest first (revoked ones included, marked). */
enum err tokens_list(struct ctx *c, int64_t user_id, json_t **out);
/* A new token {name} for user_id (not a disabled one); *out is the ApiToken with "token" (the secret,
 * shown this once). Audited "token.create". */
enum err tokens_create(struct ctx *c, int64_t user_id, const json_t *body, json_t **out);
/* Revokes token token_id of user_id (user_id 0: whoever owns it — the CLI); 404 when unknown (or not
 * that user's), 409 when revoked already. Audited "token.revoke"; *out the revoked ApiToken (may be
 * NULL). */
enum err tokens_revoke(struct ctx *c, int64_t user_id, int64_t token_id, json_t **out);

#endif
