/* Unit tests for the seal cryptography (src/crypto/sm2.c): SM2/SM3 signatures and sealed private keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/sm2.h"

struct keys {
    char *pub;
    unsigned char *priv;
    size_t priv_len;
};

static int setup(void **state)
{
    struct keys *k = calloc(1, sizeof *k);
    if (!k || !sm2_generate(&k->pub, &k->priv, &k->priv_len))
        return -1;
    *state = k;
    return 0;
}

static int teardown(void **state)
{
    struct keys *k = *state;
    free(k->pub);
    free(k->priv);
    free(k);
    return 0;
}

static void test_sign_then_verify_accepts_same_bytes(void **state)
{
    struct keys *k = *state;
    const char msg[] = "{\"item\":\"古督〔2026〕15号\",\"reply\":\"已办结\"}";
    char *sig = NULL;
    assert_true(sm2_sign(k->priv, k->priv_len, msg, strlen(msg), &sig));
    assert_true(sm2_verify(k->pub, msg, strlen(msg), sig));
    free(sig);
}

static void test_verify_refuses_changed_bytes_and_other_key(void **state)
{
    struct keys *k = *state;
    char msg[] = "completion reply";
    char *sig = NULL;
    assert_true(sm2_sign(k->priv, k->priv_len, msg, strlen(msg), &sig));
    msg[0] = 'C';
    assert_false(sm2_verify(k->pub, msg, strlen(msg), sig));
    msg[0] = 'c';
    struct keys other = {0};
    assert_true(sm2_generate(&other.pub, &other.priv, &other.priv_len));
    assert_false(sm2_verify(other.pub, msg, strlen(msg), sig));
    assert_false(sm2_verify(k->pub, msg, strlen(msg), "bm90IGEgc2lnbmF0dXJl"));
    assert_false(sm2_verify(k->pub, msg, strlen(msg), "%%%"));
    free(other.pub);
    free(other.priv);
    free(sig);
}

static void test_key_is_sm2_on_the_sm2_curve(void **state)
{
    struct keys *k = *state;
    assert_non_null(strstr(k->pub, "BEGIN PUBLIC KEY"));
    char fp[65], fp2[65];
    assert_true(sm2_fingerprint(k->pub, fp));
    assert_true(sm2_fingerprint(k->pub, fp2));
    assert_int_equal(strlen(fp), 64);
    assert_string_equal(fp, fp2);
    assert_false(sm2_fingerprint("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", fp));
}

static void test_sealed_private_key_opens_only_with_its_secret(void **state)
{
    struct keys *k = *state;
    char *sealed = sm2_seal_private("correct horse battery staple", k->priv, k->priv_len);
    assert_non_null(sealed);
    assert_memory_equal(sealed, "v1.", 3);
    unsigned char *der = NULL;
    size_t len = 0;
    assert_true(sm2_open_private("correct horse battery staple", sealed, &der, &len));
    assert_int_equal(len, k->priv_len);
    assert_memory_equal(der, k->priv, len);
    free(der);
    assert_false(sm2_open_private("wrong secret", sealed, &der, &len));
    assert_false(sm2_open_private("", sealed, &der, &len));
    /* flip one ciphertext character: the GCM tag no longer matches */
    size_t n = strlen(sealed);
    sealed[n - 10] = sealed[n - 10] == 'A' ? 'B' : 'A';
    assert_false(sm2_open_private("correct horse battery staple", sealed, &der, &len));
    free(sealed);
    assert_null(sm2_seal_private("", k->priv, k->priv_len));
}

static void test_base64_round_trip_and_refusal(void **state)
{
    (void)state;
    const unsigned char data[] = {0, 1, 2, 250, 251, 252, 253};
    char *s = b64_encode(data, sizeof data);
    unsigned char *out;
    size_t n;
    assert_true(b64_decode(s, &out, &n));
    assert_int_equal(n, sizeof data);
    assert_memory_equal(out, data, n);
    free(out);
    free(s);
    assert_false(b64_decode("ab$d", &out, &n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_then_verify_accepts_same_bytes),
        cmocka_unit_test(test_verify_refuses_changed_bytes_and_other_key),
        cmocka_unit_test(test_key_is_sm2_on_the_sm2_curve),
        cmocka_unit_test(test_sealed_private_key_opens_only_with_its_secret),
        cmocka_unit_test(test_base64_round_trip_and_refusal),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
