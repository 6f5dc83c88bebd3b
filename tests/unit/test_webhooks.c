/* Unit tests for the webhook signature (HMAC-SM3, src/crypto/hash.c) and the endpoint address rule
 * (src/webhooks). The expected digests were computed with an independent HMAC construction over
 * SM3 (Python: hashlib's sm3 with the RFC 2104 padding written out), whose SM3 gives the GB/T 32905
 * example value for "abc". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/hash.h"
#include "webhooks/webhooks.h"
#include "webhooks/webhooks_internal.h"

static void test_sm3_matches_the_standard_example(void **state)
{
    (void)state;
    char out[65];
    assert_true(sm3_hex("abc", 3, out));
    assert_string_equal(out, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
}

static void test_hmac_sm3_known_answers(void **state)
{
    (void)state;
    char out[65];
    const char *msg = "The quick brown fox jumps over the lazy dog";
    assert_true(hmac_sm3_hex("key", 3, msg, strlen(msg), out));
    assert_string_equal(out, "bd4a34077888162b210645b8ebf74b9af357303789357a27c7fc457244ebd398");
    /* a key longer than the SM3 block (64 bytes) is hashed first */
    char key[101];
    memset(key, 'k', 100);
    key[100] = 0;
    const char *m2 = "1700000000.{\"event\":\"ping\"}";
    assert_true(hmac_sm3_hex(key, 100, m2, strlen(m2), out));
    assert_string_equal(out, "80948146e0729d73dc7cf5a2a4a3887d39b21b4eaec15cdb9eef13c66fb891f8");
}

static void test_signature_covers_timestamp_and_body(void **state)
{
    (void)state;
    char a[65], b[65], c[65], d[65];
    const char *body = "{\"event\":\"ping\"}";
    assert_true(webhooks_sign("whsec_k", 1700000000, body, strlen(body), a));
    assert_true(webhooks_sign("whsec_k", 1700000001, body, strlen(body), b));
    assert_true(webhooks_sign("whsec_k", 1700000000, "{\"event\":\"pong\"}", strlen(body), c));
    assert_true(webhooks_sign("whsec_l", 1700000000, body, strlen(body), d));
    assert_string_not_equal(a, b);
    assert_string_not_equal(a, c);
    assert_string_not_equal(a, d);
    char e[65];
    const char *signed_text = "1700000000.{\"event\":\"ping\"}";
    assert_true(hmac_sm3_hex("whsec_k", 7, signed_text, strlen(signed_text), e));
    assert_string_equal(a, e);
}

static void test_endpoint_addresses(void **state)
{
    (void)state;
    struct config cfg = {0};
    assert_null(wh_url_problem(&cfg, "https://oa.gucheng.gov.cn/ducha/events"));
    assert_null(wh_url_problem(&cfg, "https://10.1.2.3:8443/in?k=v"));
    assert_non_null(wh_url_problem(&cfg, "http://127.0.0.1:8080/in"));
    assert_non_null(wh_url_problem(&cfg, "ftp://oa.gucheng.gov.cn/x"));
    assert_non_null(wh_url_problem(&cfg, "https://user:pw@oa.gucheng.gov.cn/x"));
    assert_non_null(wh_url_problem(&cfg, "https://oa.gucheng.gov.cn/x#frag"));
    assert_non_null(wh_url_problem(&cfg, "https://oa.gucheng.gov.cn/a b"));
    assert_non_null(wh_url_problem(&cfg, "https:///path"));
    cfg.webhook_allow_http = true;
    assert_null(wh_url_problem(&cfg, "http://127.0.0.1:8080/in"));
    assert_null(wh_url_problem(&cfg, "http://localhost:8080/in"));
    assert_null(wh_url_problem(&cfg, "http://[::1]:8080/in"));
    assert_non_null(wh_url_problem(&cfg, "http://127.0.0.1.evil.example/in"));
    assert_non_null(wh_url_problem(&cfg, "http://localhost.evil.example/in"));
    assert_non_null(wh_url_problem(&cfg, "http://10.0.0.7/in"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sm3_matches_the_standard_example),
        cmocka_unit_test(test_hmac_sm3_known_answers),
        cmocka_unit_test(test_signature_covers_timestamp_and_body),
        cmocka_unit_test(test_endpoint_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
