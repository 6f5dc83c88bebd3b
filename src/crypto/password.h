/* password.h: argon2id password hashing (libsodium) and the password policy. */
#ifndef DUCHA_PASSWORD_H
#define DUCHA_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

/* Hashes pw into out (crypto_pwhash_STRBYTES = 128 bytes). False only when out of memory. */
bool password_hash(const char *pw, char out[128]);
/* True if pw matches the stored hash. Takes the same time whether or not the user exists when
 * called with hash == NULL (a dummy hash is verified). */
bool password_verify(const char *hash, const char *pw);
/* NULL if pw satisfies the policy (length >= min_len, letters and digits), else a Chinese message. */
const char *password_policy(const char *pw, size_t min_len);

#endif
