#include "crypto/password.h"

#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

bool password_hash(const char *pw, char out[128])
{
    return crypto_pwhash_str_alg(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                 crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) == 0;
}

static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
    password_hash("dummy-password-1", dummy_hash);
}

bool password_verify(const char *hash, const char *pw)
{
    if (!hash) {
        pthread_once(&dummy_once, make_dummy);
        if (crypto_pwhash_str_verify(dummy_hash, pw, strlen(pw)) == 0)
            return false;
        return false;
    }
    return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

const char *password_policy(const char *pw, size_t min_len)
{
    size_t n = strlen(pw);
    bool letter = false, digit = false;
    for (const char *p = pw; *p; p++) {
        if (isalpha((unsigned char)*p))
            letter = true;
        if (isdigit((unsigned char)*p))
            digit = true;
    }
    if (n < min_len)
        return "密码长度不足（不少于规定位数）";
    if (n > 128)
        return "密码过长（最多 128 位）";
    if (!letter || !digit)
        return "密码必须同时包含字母和数字";
    return NULL;
}
