#include "crypto/password.h"

#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

/* The cost of new hashes (password_set_cost), set once at start-up before any thread hashes. */
static unsigned long long opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
static size_t memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;

bool password_set_cost(const char *name)
{
    static const struct {
        const char *name;
        unsigned long long ops;
        size_t mem;
    } costs[] = {
        {"interactive", crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE},
        {"moderate", crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE},
        {"sensitive", crypto_pwhash_OPSLIMIT_SENSITIVE, crypto_pwhash_MEMLIMIT_SENSITIVE},
        {"minimal", crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN},
    };
    for (size_t i = 0; i < sizeof costs / sizeof *costs; i++)
        if (name && !strcmp(name, costs[i].name)) {
            opslimit = costs[i].ops;
            memlimit = costs[i].mem;
            return true;
        }
    return false;
}

bool password_hash(const char *pw, char out[128])
{
    return crypto_pwhash_str_alg(out, pw, strlen(pw), opslimit, memlimit, crypto_pwhash_ALG_ARGON2ID13) == 0;
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
