/* Unit tests for the audit trail's Merkle trees (src/crypto/merkle.c) against a direct recursive
 * implementation of RFC 6962's MTH, and for HMAC-SM3 and the derived SM2 key (src/crypto). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/hash.h"
#include "crypto/merkle.h"
#include "crypto/sm2.h"

#define MAXN 70

static merkle_hash leaves[MAXN];

static void make_leaves(void)
{
    for (int i = 0; i < MAXN; i++) {
        char rec[32];
        snprintf(rec, sizeof rec, "record %d", i);
        merkle_leaf(rec, strlen(rec), leaves[i]);
    }
}

/* RFC 6962 2.1, written from the definition */
static void mth(int a, int b, merkle_hash out)
{
    if (b - a == 1) {
        memcpy(out, leaves[a], MERKLE_HASH);
        return;
    }
    int k = 1;
    while (k * 2 < b - a)
        k *= 2;
    merkle_hash l, r;
    mth(a, a + k, l);
    mth(a + k, b, r);
    merkle_node(l, r, out);
}

/* A node source that knows only the leaves: every higher node is computed by merkle_range. */
static bool get_leaf(void *arg, int level, uint64_t index, merkle_hash out)
{
    (void)arg;
    if (level != 0 || index >= MAXN)
        return false;
    memcpy(out, leaves[index], MERKLE_HASH);
    return true;
}

struct store {
    bool known[8][MAXN];
    merkle_hash h[8][MAXN];
    int emitted;
};

static void keep(void *arg, int level, uint64_t index, const merkle_hash h)
{
    struct store *s = arg;
    s->known[level][index] = true;
    memcpy(s->h[level][index], h, MERKLE_HASH);
    s->emitted++;
}

static bool get_stored(void *arg, int level, uint64_t index, merkle_hash out)
{
    struct store *s = arg;
    if (level == 0)
        return get_leaf(NULL, 0, index, out);
    if (level >= 8 || index >= MAXN || !s->known[level][index])
        return false;
    memcpy(out, s->h[level][index], MERKLE_HASH);
    return true;
}

static void test_frontier_root_and_emitted_nodes_match_the_definition(void **state)
{
    (void)state;
    make_leaves();
    struct merkle_frontier f = {0};
    struct store *s = calloc(1, sizeof *s);
    merkle_hash r, want;
    merkle_frontier_root(&f, r);
    merkle_empty(want);
    assert_memory_equal(r, want, MERKLE_HASH);
    for (int n = 1; n <= MAXN; n++) {
        merkle_frontier_push(&f, leaves[n - 1], keep, s);
        merkle_frontier_root(&f, r);
        mth(0, n, want);
        assert_memory_equal(r, want, MERKLE_HASH);
        assert_int_equal(f.n, __builtin_popcount((unsigned)n));
        /* the text form round-trips */
        char text[64 * 64 + 1];
        struct merkle_frontier g;
        merkle_frontier_format(&f, text);
        assert_true(merkle_frontier_parse(&g, (uint64_t)n, text));
        merkle_frontier_root(&g, r);
        assert_memory_equal(r, want, MERKLE_HASH);
        assert_false(merkle_frontier_parse(&g, (uint64_t)n + 1, text) && __builtin_popcount((unsigned)n + 1) != f.n);
    }
    /* every emitted node is the perfect subtree it names; n - 1 of them in all */
    assert_int_equal(s->emitted, MAXN - __builtin_popcount(MAXN));
    for (int level = 1; level < 7; level++)
        for (int i = 0; (i + 1) << level <= MAXN; i++) {
            assert_true(s->known[level][i]);
            mth(i << level, (i + 1) << level, want);
            assert_memory_equal(s->h[level][i], want, MERKLE_HASH);
        }
    free(s);
}

static void test_inclusion_proofs_verify_and_catch_changes(void **state)
{
    (void)state;
    make_leaves();
    merkle_hash proof[MERKLE_MAX_PROOF], root;
    for (int n = 1; n <= MAXN; n++) {
        mth(0, n, root);
        for (int m = 0; m < n; m++) {
            int k = merkle_inclusion(get_leaf, NULL, (uint64_t)m, (uint64_t)n, proof);
            assert_true(k >= 0);
            assert_true(merkle_verify_inclusion(leaves[m], (uint64_t)m, (uint64_t)n, proof, k, root));
            /* another leaf, another index, another size, or a changed proof fails */
            assert_false(merkle_verify_inclusion(leaves[(m + 1) % MAXN], (uint64_t)m, (uint64_t)n, proof, k, root) &&
                         n > 1);
            if (n > 1)
                assert_false(merkle_verify_inclusion(leaves[m], (uint64_t)((m + 1) % n), (uint64_t)n, proof, k, root));
            if (k > 0) {
                proof[k - 1][3] ^= 1;
                assert_false(merkle_verify_inclusion(leaves[m], (uint64_t)m, (uint64_t)n, proof, k, root));
            }
        }
    }
    assert_int_equal(merkle_inclusion(get_leaf, NULL, 5, 5, proof), -1);
}

static void test_consistency_proofs_verify_and_catch_rewritten_history(void **state)
{
    (void)state;
    make_leaves();
    merkle_hash proof[MERKLE_MAX_PROOF], rm, rn;
    for (int n = 1; n <= MAXN; n++)
        for (int m = 1; m <= n; m++) {
            mth(0, m, rm);
            mth(0, n, rn);
            int k = merkle_consistency(get_leaf, NULL, (uint64_t)m, (uint64_t)n, proof);
            assert_true(k >= 0);
            assert_true(merkle_verify_consistency((uint64_t)m, (uint64_t)n, rm, rn, proof, k));
            if (m < n) {
                /* a first tree whose history differs (one leaf changed) is not extended by the second */
                merkle_hash saved;
                memcpy(saved, leaves[m - 1], MERKLE_HASH);
                leaves[m - 1][0] ^= 0x80;
                merkle_hash forged;
                mth(0, m, forged);
                memcpy(leaves[m - 1], saved, MERKLE_HASH);
                assert_false(merkle_verify_consistency((uint64_t)m, (uint64_t)n, forged, rn, proof, k));
                assert_false(merkle_verify_consistency((uint64_t)m, (uint64_t)n, rm, forged, proof, k));
            }
        }
    assert_int_equal(merkle_consistency(get_leaf, NULL, 0, 4, proof), -1);
    assert_int_equal(merkle_consistency(get_leaf, NULL, 5, 4, proof), -1);
}

static void test_stored_nodes_give_the_same_proofs(void **state)
{
    (void)state;
    make_leaves();
    struct merkle_frontier f = {0};
    struct store *s = calloc(1, sizeof *s);
    for (int n = 0; n < MAXN; n++)
        merkle_frontier_push(&f, leaves[n], keep, s);
    merkle_hash a[MERKLE_MAX_PROOF], b[MERKLE_MAX_PROOF];
    int ka = merkle_consistency(get_leaf, NULL, 13, MAXN, a), kb = merkle_consistency(get_stored, s, 13, MAXN, b);
    assert_int_equal(ka, kb);
    assert_memory_equal(a, b, (size_t)ka * MERKLE_HASH);
    free(s);
}

/* hmac_sm3_begin copies the last key's keyed context: a key that alternates with another, the empty key and a
 * key longer than the block each give what a context keyed afresh gives (hmac_sm3_hex) */
static void test_hmac_sm3_keeps_each_key_apart(void **state)
{
    (void)state;
    char longkey[101];
    memset(longkey, 'k', 100);
    longkey[100] = 0;
    const char *keys[] = {"ducha audit key", "another key", "ducha audit key", "", longkey, "another key", ""};
    const char msg[] = "审计记录 audit";
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        char want[65], got[65];
        unsigned char raw[32];
        assert_true(hmac_sm3_hex(keys[i], strlen(keys[i]), msg, strlen(msg), want));
        struct hmac_ctx *m = hmac_sm3_begin(keys[i], strlen(keys[i]));
        hmac_update(m, msg, strlen(msg));
        hmac_end_raw(m, raw);
        hex_encode(raw, 32, got);
        assert_string_equal(got, want);
    }
}

static void test_hmac_sm3_matches_its_definition(void **state)
{
    (void)state;
    /* RFC 2104 with SM3 (block 64): H((K ^ opad) || H((K ^ ipad) || m)) */
    const char key[] = "ducha audit key", msg[] = "审计记录";
    unsigned char ipad[64] = {0}, opad[64] = {0}, inner[32], want[32], got[32];
    memcpy(ipad, key, strlen(key));
    memcpy(opad, key, strlen(key));
    for (int i = 0; i < 64; i++) {
        ipad[i] ^= 0x36;
        opad[i] ^= 0x5c;
    }
    struct sm3_ctx *h = sm3_begin();
    sm3_update(h, ipad, 64);
    sm3_update(h, msg, strlen(msg));
    sm3_end_raw(h, inner);
    h = sm3_begin();
    sm3_update(h, opad, 64);
    sm3_update(h, inner, 32);
    sm3_end_raw(h, want);
    struct hmac_ctx *m = hmac_sm3_begin(key, strlen(key));
    hmac_update(m, msg, 4);
    hmac_update(m, msg + 4, strlen(msg) - 4);
    hmac_end_raw(m, got);
    assert_memory_equal(got, want, 32);
    char hex[65];
    unsigned char back[32];
    hex_encode(got, 32, hex);
    assert_true(hex_decode(hex, back, 32));
    assert_memory_equal(back, got, 32);
    assert_false(hex_decode("zz", back, 1));
    assert_false(hex_decode(hex, back, 31));
}

static void test_derived_sm2_key_is_stable_and_signs(void **state)
{
    (void)state;
    unsigned char seed[32];
    memset(seed, 0x42, sizeof seed);
    char *pub1, *pub2, *pub3;
    unsigned char *priv1, *priv2, *priv3;
    size_t l1, l2, l3;
    assert_true(sm2_derive(seed, &pub1, &priv1, &l1));
    assert_true(sm2_derive(seed, &pub2, &priv2, &l2));
    seed[0] ^= 1;
    assert_true(sm2_derive(seed, &pub3, &priv3, &l3));
    assert_string_equal(pub1, pub2);
    assert_string_not_equal(pub1, pub3);
    char *sig = NULL;
    assert_true(sm2_sign(priv1, l1, "tree head", 9, &sig));
    assert_true(sm2_verify(pub2, "tree head", 9, sig));
    assert_false(sm2_verify(pub3, "tree head", 9, sig));
    free(sig);
    free(pub1);
    free(pub2);
    free(pub3);
    free(priv1);
    free(priv2);
    free(priv3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frontier_root_and_emitted_nodes_match_the_definition),
        cmocka_unit_test(test_inclusion_proofs_verify_and_catch_changes),
        cmocka_unit_test(test_consistency_proofs_verify_and_catch_rewritten_history),
        cmocka_unit_test(test_stored_nodes_give_the_same_proofs),
        cmocka_unit_test(test_hmac_sm3_matches_its_definition),
        cmocka_unit_test(test_hmac_sm3_keeps_each_key_apart),
        cmocka_unit_test(test_derived_sm2_key_is_stable_and_signs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
