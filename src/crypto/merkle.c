/* merkle.c: RFC 6962 / 9162 Merkle trees over SM3; see merkle.h. */
#include "crypto/merkle.h"

#include "crypto/hash.h"

#include <string.h>

void merkle_leaf(const void *data, size_t n, merkle_hash out)
{
    struct sm3_ctx *h = sm3_begin();
    sm3_update(h, "\x00", 1);
    sm3_update(h, data, n);
    sm3_end_raw(h, out);
}

void merkle_node(const merkle_hash left, const merkle_hash right, merkle_hash out)
{
    struct sm3_ctx *h = sm3_begin();
    sm3_update(h, "\x01", 1);
    sm3_update(h, left, MERKLE_HASH);
    sm3_update(h, right, MERKLE_HASH);
    sm3_end_raw(h, out);
}

void merkle_empty(merkle_hash out)
{
    struct sm3_ctx *h = sm3_begin();
    sm3_end_raw(h, out);
}

/* The largest power of two strictly below n (n >= 2). */
static uint64_t split(uint64_t n)
{
    uint64_t k = 1;
    while (k << 1 < n)
        k <<= 1;
    return k;
}

static bool power_of_two(uint64_t n)
{
    return n && !(n & (n - 1));
}

static int level_of(uint64_t n)
{
    int l = 0;
    while ((UINT64_C(1) << l) < n)
        l++;
    return l;
}

/* A perfect subtree: stored, or computed from its children. */
static bool perfect(merkle_get_fn get, void *arg, int level, uint64_t index, merkle_hash out)
{
    if (get(arg, level, index, out))
        return true;
    if (level == 0)
        return false;
    merkle_hash l, r;
    if (!perfect(get, arg, level - 1, index * 2, l) || !perfect(get, arg, level - 1, index * 2 + 1, r))
        return false;
    merkle_node(l, r, out);
    return true;
}

bool merkle_range(merkle_get_fn get, void *arg, uint64_t a, uint64_t b, merkle_hash out)
{
    uint64_t n = b - a;
    if (b <= a)
        return false;
    if (power_of_two(n) && a % n == 0)
        return perfect(get, arg, level_of(n), a / n, out);
    uint64_t k = split(n);
    merkle_hash l, r;
    if (!merkle_range(get, arg, a, a + k, l) || !merkle_range(get, arg, a + k, b, r))
        return false;
    merkle_node(l, r, out);
    return true;
}

/* PATH(m, D[a:b]) appended to proof. */
static bool path(merkle_get_fn get, void *arg, uint64_t m, uint64_t a, uint64_t b, merkle_hash *proof, int *k)
{
    uint64_t n = b - a;
    if (n <= 1)
        return true;
    if (*k >= MERKLE_MAX_PROOF)
        return false;
    uint64_t s = split(n);
    if (m < s)
        return path(get, arg, m, a, a + s, proof, k) && merkle_range(get, arg, a + s, b, proof[(*k)++]);
    return path(get, arg, m - s, a + s, b, proof, k) && merkle_range(get, arg, a, a + s, proof[(*k)++]);
}

int merkle_inclusion(merkle_get_fn get, void *arg, uint64_t m, uint64_t n, merkle_hash proof[MERKLE_MAX_PROOF])
{
    int k = 0;
    if (m >= n || !path(get, arg, m, 0, n, proof, &k))
        return -1;
    return k;
}

/* SUBPROOF(m, D[a:b], whole) appended to proof. */
static bool subproof(merkle_get_fn get, void *arg, uint64_t m, uint64_t a, uint64_t b, bool whole, merkle_hash *proof,
                     int *k)
{
    uint64_t n = b - a;
    if (*k >= MERKLE_MAX_PROOF)
        return false;
    if (m == n)
        return whole || merkle_range(get, arg, a, b, proof[(*k)++]);
    uint64_t s = split(n);
    if (m <= s)
        return subproof(get, arg, m, a, a + s, whole, proof, k) && merkle_range(get, arg, a + s, b, proof[(*k)++]);
    return subproof(get, arg, m - s, a + s, b, false, proof, k) && merkle_range(get, arg, a, a + s, proof[(*k)++]);
}

int merkle_consistency(merkle_get_fn get, void *arg, uint64_t m, uint64_t n, merkle_hash proof[MERKLE_MAX_PROOF])
{
    int k = 0;
    if (m == 0 || m > n)
        return -1;
    if (m == n)
        return 0;
    return subproof(get, arg, m, 0, n, true, proof, &k) ? k : -1;
}

bool merkle_verify_inclusion(const merkle_hash leaf, uint64_t m, uint64_t n, const merkle_hash *proof, int k,
                             const merkle_hash root)
{
    if (m >= n || k < 0)
        return false;
    uint64_t fn = m, sn = n - 1;
    merkle_hash r;
    memcpy(r, leaf, MERKLE_HASH);
    for (int i = 0; i < k; i++) {
        if (sn == 0)
            return false;
        if ((fn & 1) || fn == sn) {
            merkle_node(proof[i], r, r);
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            merkle_node(r, proof[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && memcmp(r, root, MERKLE_HASH) == 0;
}

bool merkle_verify_consistency(uint64_t m, uint64_t n, const merkle_hash root_m, const merkle_hash root_n,
                               const merkle_hash *proof, int k)
{
    if (m == 0 || m > n || k < 0)
        return false;
    if (m == n)
        return k == 0 && memcmp(root_m, root_n, MERKLE_HASH) == 0;
    /* when m is a power of two, the first tree is a node of the second: the proof omits it */
    merkle_hash path_[MERKLE_MAX_PROOF + 1];
    int np = 0;
    if (power_of_two(m))
        memcpy(path_[np++], root_m, MERKLE_HASH);
    if (k > MERKLE_MAX_PROOF)
        return false;
    for (int i = 0; i < k; i++)
        memcpy(path_[np++], proof[i], MERKLE_HASH);
    if (np == 0)
        return false;
    uint64_t fn = m - 1, sn = n - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    merkle_hash fr, sr;
    memcpy(fr, path_[0], MERKLE_HASH);
    memcpy(sr, path_[0], MERKLE_HASH);
    for (int i = 1; i < np; i++) {
        if (sn == 0)
            return false;
        if ((fn & 1) || fn == sn) {
            merkle_node(path_[i], fr, fr);
            merkle_node(path_[i], sr, sr);
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            merkle_node(sr, path_[i], sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && memcmp(fr, root_m, MERKLE_HASH) == 0 && memcmp(sr, root_n, MERKLE_HASH) == 0;
}

void merkle_frontier_push(struct merkle_frontier *f, const merkle_hash leaf,
                          void (*emit)(void *arg, int level, uint64_t index, const merkle_hash h), void *arg)
{
    memcpy(f->h[f->n++], leaf, MERKLE_HASH);
    uint64_t size = f->size + 1;
    /* each trailing 1 bit of the old size is a subtree of the same level as the new one: merge */
    int level = 0;
    for (uint64_t s = f->size; s & 1; s >>= 1) {
        merkle_node(f->h[f->n - 2], f->h[f->n - 1], f->h[f->n - 2]);
        f->n--;
        level++;
        if (emit)
            emit(arg, level, (size >> level) - 1, f->h[f->n - 1]);
    }
    f->size = size;
}

void merkle_frontier_root(const struct merkle_frontier *f, merkle_hash out)
{
    if (f->n == 0) {
        merkle_empty(out);
        return;
    }
    merkle_hash r;
    memcpy(r, f->h[f->n - 1], MERKLE_HASH);
    for (int i = f->n - 2; i >= 0; i--)
        merkle_node(f->h[i], r, r);
    memcpy(out, r, MERKLE_HASH);
}

void merkle_frontier_format(const struct merkle_frontier *f, char *out)
{
    for (int i = 0; i < f->n; i++)
        hex_encode(f->h[i], MERKLE_HASH, out + 64 * i);
    out[64 * f->n] = 0;
}

bool merkle_frontier_parse(struct merkle_frontier *f, uint64_t size, const char *text)
{
    int bits = __builtin_popcountll(size);
    size_t len = strlen(text);
    if (len != (size_t)bits * 64)
        return false;
    f->size = size;
    f->n = bits;
    char part[65];
    for (int i = 0; i < bits; i++) {
        memcpy(part, text + 64 * i, 64);
        part[64] = 0;
        if (!hex_decode(part, f->h[i], MERKLE_HASH))
            return false;
    }
    return true;
}
