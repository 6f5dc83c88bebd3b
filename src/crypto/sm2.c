#include "crypto/sm2.h"

#include "base/arena.h"
#include "crypto/hash.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* GM/T 0009-2012 default user ID */
static const char SM2_ID[] = "1234567812345678";

char *b64_encode(const void *data, size_t n)
{
    size_t len = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
    char *out = xmalloc(len);
    sodium_bin2base64(out, len, data, n, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

bool b64_decode(const char *s, unsigned char **out, size_t *n)
{
    size_t sl = strlen(s);
    unsigned char *buf = xmalloc(sl / 4 * 3 + 3);
    size_t bin_len = 0;
    const char *end = NULL;
    if (sodium_base642bin(buf, sl / 4 * 3 + 3, s, sl, NULL, &bin_len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        (end && *end)) {
        free(buf);
        return false;
    }
    *out = buf;
    *n = bin_len;
    return true;
}

static char *bio_take(BIO *b)
{
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *s = xmalloc((size_t)n + 1);
    memcpy(s, p, (size_t)n);
    s[n] = 0;
    return s;
}

/* Writes pkey as PEM public key and PKCS#8 DER private key; frees pkey. */
static bool export_pair(EVP_PKEY *pkey, char **public_pem, unsigned char **private_der, size_t *private_len)
{
    bool ok;
    BIO *pub = BIO_new(BIO_s_mem()), *priv = BIO_new(BIO_s_mem());
    ok = pub && priv && PEM_write_bio_PUBKEY(pub, pkey) &&
         i2d_PKCS8PrivateKey_bio(priv, pkey, NULL, NULL, 0, NULL, NULL);
    if (ok) {
        *public_pem = bio_take(pub);
        char *p;
        long n = BIO_get_mem_data(priv, &p);
        *private_der = xmalloc((size_t)n);
        memcpy(*private_der, p, (size_t)n);
        *private_len = (size_t)n;
    }
    BIO_free(pub);
    BIO_free(priv);
    EVP_PKEY_free(pkey);
    return ok;
}

bool sm2_generate(char **public_pem, unsigned char **private_der, size_t *private_len)
{
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
    bool ok = pc && EVP_PKEY_keygen_init(pc) > 0 && EVP_PKEY_generate(pc, &pkey) > 0;
    EVP_PKEY_CTX_free(pc);
    return ok && export_pair(pkey, public_pem, private_der, private_len);
}

bool sm2_derive(const unsigned char seed[32], char **public_pem, unsigned char **private_der, size_t *private_len)
{
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_sm2);
    BN_CTX *bn = BN_CTX_new();
    BIGNUM *d = BN_bin2bn(seed, 32, NULL), *m = g ? BN_dup(EC_GROUP_get0_order(g)) : NULL;
    EC_POINT *p = g ? EC_POINT_new(g) : NULL;
    unsigned char pub[133];
    size_t publen = 0;
    bool ok = g && bn && d && m && p && BN_sub_word(m, 2) && BN_mod(d, d, m, bn) && BN_add_word(d, 1) &&
              EC_POINT_mul(g, p, d, NULL, NULL, bn) &&
              (publen = EC_POINT_point2oct(g, p, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof pub, bn)) > 0;
    EVP_PKEY *pkey = NULL;
    if (ok) {
        OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
        OSSL_PARAM *params = NULL;
        EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
        ok = b && pc && OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0) &&
             OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, d) &&
             OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub, publen) &&
             (params = OSSL_PARAM_BLD_to_param(b)) && EVP_PKEY_fromdata_init(pc) > 0 &&
             EVP_PKEY_fromdata(pc, &pkey, EVP_PKEY_KEYPAIR, params) > 0;
        OSSL_PARAM_free(params);
        OSSL_PARAM_BLD_free(b);
        EVP_PKEY_CTX_free(pc);
    }
    BN_clear_free(d);
    BN_free(m);
    EC_POINT_free(p);
    BN_CTX_free(bn);
    EC_GROUP_free(g);
    return ok && export_pair(pkey, public_pem, private_der, private_len);
}

static EVP_PKEY *load_private(const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    return d2i_AutoPrivateKey(NULL, &p, (long)len);
}

static EVP_PKEY *load_public(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return k;
}

/* A digest context set up for SM2 with SM3 and the default ID, for signing or verifying. */
static EVP_MD_CTX *sm2_md_ctx(EVP_PKEY *key, bool sign)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    if (!md || !pc || EVP_PKEY_CTX_set1_id(pc, SM2_ID, sizeof SM2_ID - 1) <= 0) {
        EVP_MD_CTX_free(md);
        EVP_PKEY_CTX_free(pc);
        return NULL;
    }
    EVP_MD_CTX_set_pkey_ctx(md, pc); /* md does not take ownership: freed below by the caller */
    int r = sign ? EVP_DigestSignInit(md, NULL, EVP_sm3(), NULL, key)
                 : EVP_DigestVerifyInit(md, NULL, EVP_sm3(), NULL, key);
    if (r <= 0) {
        EVP_MD_CTX_free(md);
        EVP_PKEY_CTX_free(pc);
        return NULL;
    }
    return md;
}

static void sm2_md_free(EVP_MD_CTX *md)
{
    if (!md)
        return;
    EVP_PKEY_CTX *pc = EVP_MD_CTX_get_pkey_ctx(md);
    EVP_MD_CTX_free(md);
    EVP_PKEY_CTX_free(pc);
}

bool sm2_sign(const unsigned char *private_der, size_t private_len, const void *data, size_t n, char **sig_b64)
{
    EVP_PKEY *key = load_private(private_der, private_len);
    if (!key)
        return false;
    EVP_MD_CTX *md = sm2_md_ctx(key, true);
    unsigned char sig[128];
    size_t slen = sizeof sig;
    bool ok = md && EVP_DigestSign(md, sig, &slen, data, n) > 0;
    if (ok)
        *sig_b64 = b64_encode(sig, slen);
    sm2_md_free(md);
    EVP_PKEY_free(key);
    return ok;
}

bool sm2_verify(const char *public_pem, const void *data, size_t n, const char *sig_b64)
{
    unsigned char *sig;
    size_t slen;
    if (!public_pem || !sig_b64 || !b64_decode(sig_b64, &sig, &slen))
        return false;
    EVP_PKEY *key = load_public(public_pem);
    EVP_MD_CTX *md = key ? sm2_md_ctx(key, false) : NULL;
    bool ok = md && EVP_DigestVerify(md, sig, slen, data, n) == 1;
    sm2_md_free(md);
    EVP_PKEY_free(key);
    free(sig);
    return ok;
}

bool sm2_fingerprint(const char *public_pem, char out[65])
{
    EVP_PKEY *key = public_pem ? load_public(public_pem) : NULL;
    if (!key)
        return false;
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(key, &der);
    bool ok = n > 0 && sm3_hex(der, (size_t)n, out);
    OPENSSL_free(der);
    EVP_PKEY_free(key);
    return ok;
}

/* HKDF-SHA256(secret, salt, "ducha seal key v1") -> 32 bytes. */
static bool derive_key(const char *secret, const unsigned char salt[16], unsigned char key[32])
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kc = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    EVP_KDF_free(kdf);
    if (!kc)
        return false;
    static char info[] = "ducha seal key v1";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, strlen(secret)),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, 16),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, sizeof info - 1),
        OSSL_PARAM_construct_end(),
    };
    bool ok = EVP_KDF_derive(kc, key, 32, params) > 0;
    EVP_KDF_CTX_free(kc);
    return ok;
}

/* salt(16) | nonce(12) | ciphertext | tag(16) */
char *sm2_seal_private(const char *secret, const unsigned char *der, size_t len)
{
    size_t total = 16 + 12 + len + 16;
    unsigned char *blob = xmalloc(total), key[32];
    randombytes_buf(blob, 28);
    EVP_CIPHER_CTX *cc = EVP_CIPHER_CTX_new();
    int outl = 0, fin = 0;
    bool ok = secret && *secret && derive_key(secret, blob, key) && cc &&
              EVP_EncryptInit_ex(cc, EVP_aes_256_gcm(), NULL, key, blob + 16) > 0 &&
              EVP_EncryptUpdate(cc, blob + 28, &outl, der, (int)len) > 0 &&
              EVP_EncryptFinal_ex(cc, blob + 28 + outl, &fin) > 0 &&
              EVP_CIPHER_CTX_ctrl(cc, EVP_CTRL_GCM_GET_TAG, 16, blob + 28 + len) > 0;
    EVP_CIPHER_CTX_free(cc);
    sodium_memzero(key, sizeof key);
    char *out = NULL;
    if (ok) {
        char *b = b64_encode(blob, total);
        size_t n = strlen(b) + 4;
        out = xmalloc(n);
        snprintf(out, n, "v1.%s", b);
        free(b);
    }
    free(blob);
    return out;
}

bool sm2_open_private(const char *secret, const char *sealed, unsigned char **der, size_t *len)
{
    unsigned char *blob;
    size_t total;
    if (!secret || !*secret || strncmp(sealed, "v1.", 3) != 0 || !b64_decode(sealed + 3, &blob, &total))
        return false;
    if (total < 16 + 12 + 16 + 1) {
        free(blob);
        return false;
    }
    size_t n = total - 44;
    unsigned char key[32], *out = xmalloc(n);
    EVP_CIPHER_CTX *cc = EVP_CIPHER_CTX_new();
    int outl = 0, fin = 0;
    bool ok = derive_key(secret, blob, key) && cc &&
              EVP_DecryptInit_ex(cc, EVP_aes_256_gcm(), NULL, key, blob + 16) > 0 &&
              EVP_DecryptUpdate(cc, out, &outl, blob + 28, (int)n) > 0 &&
              EVP_CIPHER_CTX_ctrl(cc, EVP_CTRL_GCM_SET_TAG, 16, blob + 28 + n) > 0 &&
              EVP_DecryptFinal_ex(cc, out + outl, &fin) > 0;
    EVP_CIPHER_CTX_free(cc);
    sodium_memzero(key, sizeof key);
    free(blob);
    if (!ok) {
        sodium_memzero(out, n);
        free(out);
        return false;
    }
    *der = out;
    *len = n;
    return true;
}
