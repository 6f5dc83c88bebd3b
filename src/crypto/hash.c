#include "crypto/hash.h"

#include "base/arena.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

struct sm3_ctx {
    EVP_MD_CTX *md;
};

void hex_encode(const unsigned char *d, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[2 * n] = 0;
}

struct sm3_ctx *sm3_begin(void)
{
    struct sm3_ctx *c = xcalloc(1, sizeof *c);
    c->md = EVP_MD_CTX_new();
    if (!c->md || !EVP_DigestInit_ex(c->md, EVP_sm3(), NULL))
        die_oom();
    return c;
}

void sm3_update(struct sm3_ctx *c, const void *data, size_t n)
{
    EVP_DigestUpdate(c->md, data, n);
}

void sm3_end(struct sm3_ctx *c, char out[65])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(c->md, d, &len);
    hex_encode(d, len, out);
    EVP_MD_CTX_free(c->md);
    free(c);
}

void sm3_end_raw(struct sm3_ctx *c, unsigned char out[32])
{
    unsigned len = 0;
    EVP_DigestFinal_ex(c->md, out, &len);
    EVP_MD_CTX_free(c->md);
    free(c);
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

bool hex_decode(const char *s, unsigned char *out, size_t n)
{
    if (!s || strlen(s) != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

struct hmac_ctx {
    EVP_MAC_CTX *mac;
};

static EVP_MAC *hmac_alg;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

static void hmac_fetch(void)
{
    hmac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

/* The last key's context once keyed, copied for each HMAC of that key: keying one (OpenSSL fetching SM3 by
 * name, then hashing the key's pads) cost more than the few bytes most HMACs here cover (the audit record's
 * key id and queue MAC on every write). One key is used over and over (audit_key); another replaces it. */
static pthread_mutex_t hmac_mu = PTHREAD_MUTEX_INITIALIZER;
static EVP_MAC_CTX *hmac_keyed;
static unsigned char *hmac_key;
static size_t hmac_keylen;

struct hmac_ctx *hmac_sm3_begin(const void *key, size_t keylen)
{
    pthread_once(&hmac_once, hmac_fetch);
    struct hmac_ctx *c = xcalloc(1, sizeof *c);
    pthread_mutex_lock(&hmac_mu);
    if (hmac_keyed && keylen == hmac_keylen && (!keylen || !memcmp(key, hmac_key, keylen)))
        c->mac = EVP_MAC_CTX_dup(hmac_keyed);
    pthread_mutex_unlock(&hmac_mu);
    if (c->mac)
        return c;
    char digest[] = "SM3";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_END};
    c->mac = hmac_alg ? EVP_MAC_CTX_new(hmac_alg) : NULL;
    if (!c->mac || !EVP_MAC_init(c->mac, key, keylen, params))
        die_oom();
    EVP_MAC_CTX *keyed = EVP_MAC_CTX_dup(c->mac);
    unsigned char *copy = keyed ? xmalloc(keylen ? keylen : 1) : NULL;
    if (copy)
        memcpy(copy, key, keylen);
    pthread_mutex_lock(&hmac_mu);
    EVP_MAC_CTX *old = hmac_keyed;
    unsigned char *old_key = hmac_key;
    size_t old_len = hmac_keylen;
    hmac_keyed = keyed;
    hmac_key = copy;
    hmac_keylen = keylen;
    pthread_mutex_unlock(&hmac_mu);
    EVP_MAC_CTX_free(old);
    if (old_key) {
        OPENSSL_cleanse(old_key, old_len);
        free(old_key);
    }
    return c;
}

void hmac_update(struct hmac_ctx *c, const void *data, size_t n)
{
    EVP_MAC_update(c->mac, data, n);
}

void hmac_end_raw(struct hmac_ctx *c, unsigned char out[32])
{
    size_t len = 0;
    EVP_MAC_final(c->mac, out, &len, 32);
    EVP_MAC_CTX_free(c->mac);
    free(c);
}

bool sm3_hex(const void *data, size_t n, char out[65])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (!EVP_Digest(data, n, d, &len, EVP_sm3(), NULL) || len != 32)
        return false;
    hex_encode(d, len, out);
    return true;
}

bool hmac_sm3_hex(const void *key, size_t keylen, const void *data, size_t n, char out[65])
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *mc = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SM3", 0),
                           OSSL_PARAM_construct_end()};
    unsigned char d[EVP_MAX_MD_SIZE];
    size_t len = 0;
    bool ok = mc && EVP_MAC_init(mc, key, keylen, params) && EVP_MAC_update(mc, data, n) &&
              EVP_MAC_final(mc, d, &len, sizeof d) && len == 32;
    EVP_MAC_CTX_free(mc);
    EVP_MAC_free(mac);
    if (ok)
        hex_encode(d, len, out);
    return ok;
}

void token_random(char *out, size_t outlen, size_t nbytes)
{
    unsigned char raw[64];
    if (nbytes > sizeof raw)
        nbytes = sizeof raw;
    randombytes_buf(raw, nbytes);
    sodium_bin2base64(out, outlen, raw, nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

void token_digest(const char *token, char out[65])
{
    unsigned char d[32];
    crypto_generichash(d, sizeof d, (const unsigned char *)token, strlen(token), NULL, 0);
    hex_encode(d, sizeof d, out);
}
