/*
 * pow.h: the public pages' challenge, a small proof of work (hashcash). Nobody signs in on the public
 * pages and no outside captcha service is called, so each submission must carry a challenge the
 * server issued: the browser searches for a number whose SHA-256 together with the challenge starts
 * with `bits` zero bits (cfg public_pow_bits: 16 takes a phone a fraction of a second, a bot a
 * second of CPU per submission), and the server checks it with one hash.
 *
 * A challenge is stateless until it is spent: "v1.<purpose>.<expires>.<bits>.<nonce>.<mac>", an
 * HMAC-SHA-256 under a key derived from secret_key (every node of a cluster shares it; without one a
 * process draws its own), so issuing one costs no database write and a forged, altered, expired or
 * other-purpose token is refused by arithmetic alone. Spending writes its nonce into
 * public_challenges inside the submission's transaction: a second use is refused, on every node.
 */
#ifndef DUCHA_POW_H
#define DUCHA_POW_H

#include "core/ctx.h"

#include <jansson.h>

#define POW_TTL_S 900 /* a challenge is good for 15 minutes */
#define POW_TOKEN_MAX 160

/* A new challenge for purpose (letters, digits, '-' and '_', at most 40, e.g. "clue"):
 * {"token","bits","expires_at","algorithm":"sha256"} (caller owns). */
json_t *pow_issue(struct ctx *c, const char *purpose);

/*
 * Checks a solved challenge without the database: 422 (ERR_INVALID) naming the field "challenge"
 * or "solution" when missing, malformed, forged, expired, issued for another purpose, or not solved.
 */
enum err pow_check(struct ctx *c, const char *purpose, const char *token, const char *solution);

/* Spends a checked token inside the caller's transaction: 409 (ERR_CONFLICT) when it was spent before. */
enum err pow_spend(struct ctx *c, const char *token);

/* Forgets spent tokens that have expired (they can no longer be replayed anyway); *n deleted. */
enum err pow_purge(struct ctx *c, int64_t *n);

/* A 32-byte key of its own for label, derived from secret_key (SHA-256 over the label and the key, the same
 * on every node), or random for this process when cfg has no secret_key. Calls sodium_init. */
void pow_derive_key(const struct config *cfg, const char *label, unsigned char out[32]);

/* Pure: the number of leading zero bits of SHA-256(token ":" solution) (for tests and the bench). */
int pow_zero_bits(const char *token, const char *solution);

#endif
