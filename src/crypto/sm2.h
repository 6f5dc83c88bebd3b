/*
 * sm2.h: the cryptography of digital seals (电子印章), through OpenSSL 3 EVP:
 *   - SM2 key pairs (GB/T 32918), signatures over SM3 with the default SM2 ID "1234567812345678"
 *     (GM/T 0009-2012), signatures as DER, carried as base64;
 *   - sealing a private key at rest: AES-256-GCM under a key derived from the server's secret
 *     (HKDF-SHA256 with a random salt), stored as one base64 text "v1.<salt>.<nonce>.<ct+tag>".
 * Nothing here touches the database or a ctx; every returned string is malloc'd (caller frees).
 */
#ifndef DUCHA_SM2_H
#define DUCHA_SM2_H

#include <stdbool.h>
#include <stddef.h>

/* A new key pair: the public key as PEM (SubjectPublicKeyInfo) and the private key as PKCS#8 DER. */
bool sm2_generate(char **public_pem, unsigned char **private_der, size_t *private_len);

/* The key pair derived from a 32-byte seed: private scalar 1 + (seed mod (n - 2)) on the SM2 curve,
 * so the same seed always gives the same pair (the audit checkpoints' key, derived from the audit
 * key kept outside the database). */
bool sm2_derive(const unsigned char seed[32], char **public_pem, unsigned char **private_der, size_t *private_len);

/* Signs data with the PKCS#8 DER private key; *sig_b64 is the DER signature in base64. */
bool sm2_sign(const unsigned char *private_der, size_t private_len, const void *data, size_t n, char **sig_b64);

/* True if sig_b64 is a valid SM2/SM3 signature of data under the PEM public key. */
bool sm2_verify(const char *public_pem, const void *data, size_t n, const char *sig_b64);

/* The fingerprint of a PEM public key: SM3 over its DER encoding, 64 hex digits. False if not a key. */
bool sm2_fingerprint(const char *public_pem, char out[65]);

/* Encrypts a private key with a key derived from secret (non-empty); returns the sealed text. */
char *sm2_seal_private(const char *secret, const unsigned char *der, size_t len);
/* Reverses sm2_seal_private; false if the secret is wrong or the text was altered. */
bool sm2_open_private(const char *secret, const char *sealed, unsigned char **der, size_t *len);

/* Standard base64 (with padding). b64_decode returns false on malformed input; *out is malloc'd. */
char *b64_encode(const void *data, size_t n);
bool b64_decode(const char *s, unsigned char **out, size_t *n);

#endif
