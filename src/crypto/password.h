/* password.h: argon2id password hashing (libsodium) and the password policy. */
#ifndef DUCHA_PASSWORD_H
#define DUCHA_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

/* Chooses the argon2id cost of new hashes by name: interactive (the default: 64 MiB, 2 passes),
 * moderate (256 MiB, 3), sensitive (1 GiB, 4) or minimal (8 KiB, 1: for test suites, never in
 * production). False for another name (the cost is then unchanged). Call before any thread hashes; a
 * stored hash is verified with the cost it records, whatever is chosen now. */
bool password_set_cost(const char *name);
/* Hashes pw into out (crypto_pwhash_STRBYTES = 128 bytes). False only when out of memory. */
bool password_hash(const char *pw, char out[128]);
/* True if pw matches the stored hash. Takes the same time whether or not the user exists when
 * called with hash == NULL (a dummy hash is verified). */
bool password_verify(const char *hash, const char *pw);
/* NULL if pw satisfies the policy (length >= min_len, letters and digits), else a Chinese message. */
const char *password_policy(const char *pw, size_t min_len);

#endif
