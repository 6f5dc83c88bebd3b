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

/* The raw 32-byte digest instead of hex (frees c). */
void sm3_end_raw(struct sm3_ctx *c, unsigned char out[32]);

/* HMAC-SM3 (RFC 2104 over SM3), incremental: begin with a key, update, end (frees the context). */
struct hmac_ctx;
struct hmac_ctx *hmac_sm3_begin(const void *key, size_t keylen);
void hmac_update(struct hmac_ctx *c, const void *data, size_t n);
void hmac_end_raw(struct hmac_ctx *c, unsigned char out[32]);

/* Lowercase hex of n bytes into out (2n + 1 bytes). */
void hex_encode(const unsigned char *d, size_t n, char *out);
/* Exactly 2n hex digits into n bytes; false if s is anything else. */
bool hex_decode(const char *s, unsigned char *out, size_t n);

/* A random token: nbytes of randomness as URL-safe base64 (no padding) into out (size >= 2*nbytes). */
void token_random(char *out, size_t outlen, size_t nbytes);
/* The hex digest under which a token is stored (never the token itself). */
void token_digest(const char *token, char out[65]);

#endif
