/*
 * hash.h: digests and random tokens. SM3 (GB/T 32905, through OpenSSL 3) for the audit chain and
 * archives; random tokens from libsodium.
 */
#ifndef DUCHA_HASH_H
#define DUCHA_HASH_H

#include <stdbool.h>
#include <stddef.h>

/* SM3 of data as 64 lowercase hex characters plus NUL. False only if OpenSSL lacks SM3. */
bool sm3_hex(const void *data, size_t n, char out[65]);

/* HMAC-SM3 (RFC 2104 over SM3, GB/T 15852.2) of data under key, as 64 lowercase hex characters
 * plus NUL. False only if OpenSSL lacks SM3 or HMAC. Used to sign webhook deliveries. */
bool hmac_sm3_hex(const void *key, size_t keylen, const void *data, size_t n, char out[65]);

/* Incremental SM3 for large inputs. */
struct sm3_ctx;
struct sm3_ctx *sm3_begin(void);
void sm3_update(struct sm3_ctx *c, const void *data, size_t n);
/* Writes the hex digest and frees c. */
void sm3_end(struct sm3_ctx *c, char out[65]);

/* A random token: nbytes of randomness as URL-safe base64 (no padding) into out (size >= 2*nbytes). */
void token_random(char *out, size_t outlen, size_t nbytes);
/* The hex digest under which a token is stored (never the token itself). */
void token_digest(const char *token, char out[65]);

#endif
