/*
 * seal.h: digital seals (电子印章, DOMAIN.md §3 "核签并加盖公章"). Each unit may hold one active
 * SM2 key pair; its private key is stored sealed under the configured secret_key and used only
 * here. A signature binds canonical bytes (UTF-8 text, e.g. the canonical JSON of a completion
 * reply) to the unit, the signer and the time; the bytes are kept with it so that anyone can
 * re-verify later (`ducha verify`, archive files).
 */
#ifndef DUCHA_SEAL_H
#define DUCHA_SEAL_H

#include "core/ctx.h"

#include <jansson.h>

/* A recorded signature; strings in the ctx arena. */
struct seal_signature {
    int64_t id;
    int64_t unit_id;
    const char *object_type; /* input (optional): what was signed, e.g. "item" */
    int64_t object_id;       /* input (optional) */
    const char *unit_name;
    const char *signer;      /* display name of the person who signed */
    const char *signed_at;   /* ISO instant */
    const char *fingerprint; /* SM3 of the public key, hex */
    const char *content_sm3;
    const char *signature; /* base64 DER */
};

/*
 * Creates the unit's seal (a new SM2 key pair). Needs CAP_UNIT_WRITE at the unit. With rotate, an
 * existing seal is retired first (its signatures still verify with its key). Errors: 404 unit,
 * 409 a seal exists already (without rotate) or secret_key is not configured. *out: the public seal.
 */
enum err seal_create(struct ctx *c, int64_t unit_id, bool rotate, json_t **out);
/* The unit's active seal (public part): {unit_id, unit_name, fingerprint, public_key, created_at}. */
enum err seal_get(struct ctx *c, int64_t unit_id, json_t **out);

/*
 * Signs canonical bytes (UTF-8 text without NUL) with the unit's seal, creating the seal on first
 * use, and records the signature with the acting user as signer, inside the caller's transaction
 * if one is open (audit "seal.sign"). The user must hold CAP_ITEM_SIGN at the unit (the system may
 * always sign). out->object_type/object_id, if set by the caller, link the signature to an object.
 * Errors: 403/404, 409 no secret_key, 422 bytes not text.
 */
enum err seal_sign(struct ctx *c, int64_t unit_id, const void *canonical, size_t len, struct seal_signature *out);

/* Like seal_sign without the signer check: for what the system seals on a unit's behalf after the
 * caller checked its own permission (an archive manifest sealed with the archiving office's seal). */
enum err seal_sign_for_unit(struct ctx *c, int64_t unit_id, const void *canonical, size_t len,
                            struct seal_signature *out);
/* True if secret_key is configured (seals can be made and used). */
bool seal_available(const struct ctx *c);

/* One signature with everything needed to verify it offline: unit, signer, time, content,
 * content_sm3, signature, fingerprint, public_key. Visible if the unit is in scope. */
enum err seal_signature_get(struct ctx *c, int64_t id, json_t **out);
/* The signatures linked to an object, oldest first (JSON array as above). No scope check. */
enum err seal_signatures_of(struct ctx *c, const char *object_type, int64_t object_id, json_t **out);

/*
 * Checks a signature record (as produced by seal_signature_get) by itself: the content's SM3,
 * the fingerprint of the public key and the SM2 signature. Returns NULL if it verifies, otherwise
 * a sentence naming what does not match (static or arena memory).
 */
const char *seal_check_record(struct arena *a, const json_t *rec);

#endif
