#include "crypto/hash.h"

#include "base/arena.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <string.h>

struct sm3_ctx {
    EVP_MD_CTX *md;
};

static void to_hex(const unsigned char *d, size_t n, char *out)
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
    to_hex(d, len, out);
    EVP_MD_CTX_free(c->md);
    free(c);
}

bool sm3_hex(const void *data, size_t n, char out[65])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (!EVP_Digest(data, n, d, &len, EVP_sm3(), NULL) || len != 32)
        return false;
    to_hex(d, len, out);
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
        to_hex(d, len, out);
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
    to_hex(d, sizeof d, out);
}
