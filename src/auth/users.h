/*
 * users.h: accounts and their role grants (admin only, within the admin's subtree). A user
 * belongs to one unit (unit_id) and holds any number of (role, unit) grants; a leader in charge
 * also has a portfolio of units. Deleting a user disables it (audit records keep naming it).
 */
#ifndef DUCHA_USERS_H
#define DUCHA_USERS_H

#include "base/jsonv.h"
#include "core/ctx.h"
#include "core/perm.h"

#include <jansson.h>

extern const struct jv_field users_create_spec[];
extern const struct jv_field users_update_spec[];
extern const struct jv_field users_grant_spec[];

/* Creates a user: {username, name, unit_id, password, email?, phone?, roles?: [{role, unit_id}],
 * portfolio?: [unit ids], must_change_password?}. */
enum err users_create(struct ctx *c, const json_t *body, json_t **out);
/* The same, the user holding cap (instead of user_admin) at the new user's unit and at the units of its
 * roles: an office opening accounts for an evaluator organisation (src/evaluations/eval_orgs.c, which
 * fixes the unit and the role). */
enum err users_create_as(struct ctx *c, const json_t *body, enum cap cap, json_t **out);
/* The same with a ready argon2id hash instead of body.password (bulk creation: demo, gen). */
enum err users_create_hashed(struct ctx *c, const json_t *body, const char *hash, json_t **out);
enum err users_get(struct ctx *c, int64_t id, json_t **out);
/* Users whose unit is in the caller's scope; q matches username or name; unit_id limits to a
 * subtree. Newest first, at most limit, after offset. */
enum err users_list(struct ctx *c, const char *q, int64_t unit_id, int limit, int offset, json_t **out);
/* {name?, email?, phone?, disabled?, password? (reset: user must change it), unlock?, portfolio?, version?} */
enum err users_update(struct ctx *c, int64_t id, const json_t *body, json_t **out);
/* The same, the user holding cap (instead of user_admin) at the user's unit: an office disabling or resetting
 * an evaluator organisation's account (src/evaluations/eval_orgs.c, which checks that the account is the
 * organisation's own and passes only disabled and password). */
enum err users_update_as(struct ctx *c, int64_t id, const json_t *body, enum cap cap, json_t **out);
/* Disables the account and ends its sessions. */
enum err users_disable(struct ctx *c, int64_t id);
/* Grants {role, unit_id}; revokes a grant by its id. */
enum err users_grant(struct ctx *c, int64_t id, const json_t *body, json_t **out);
enum err users_revoke(struct ctx *c, int64_t id, int64_t grant_id, json_t **out);
/* Sets a password by username (CLI `user passwd`); no old password needed. */
enum err users_set_password(struct ctx *c, const char *username, const char *password);

#endif
