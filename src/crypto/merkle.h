/*
 * merkle.h: Merkle trees in the manner of Certificate Transparency (RFC 6962 / RFC 9162 section 2.1)
 * with SM3 as the hash: leaf = SM3(0x00 || data), node = SM3(0x01 || left || right), the tree of n
 * leaves split at the largest power of two below n. Used for the audit trail's signed checkpoints:
 * a tree head (size, root) commits to every record before it; an inclusion proof shows one record is
 * in it, a consistency proof that a later tree only appended to an earlier one.
 *
 * Nothing here touches a database: proofs read stored nodes through a callback, and the frontier
 * (the perfect subtrees along the right edge, at most 64) lets a writer append leaves and compute
 * the root in O(log n) without reading the tree.
 */
#ifndef DUCHA_MERKLE_H
#define DUCHA_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH 32
#define MERKLE_MAX_PROOF 128

typedef unsigned char merkle_hash[MERKLE_HASH];

void merkle_leaf(const void *data, size_t n, merkle_hash out);
void merkle_node(const merkle_hash left, const merkle_hash right, merkle_hash out);
/* The root of the empty tree: SM3 of nothing. */
void merkle_empty(merkle_hash out);

/*
 * Reads the hash of the perfect subtree at (level, index): leaves [index * 2^level, (index + 1) *
 * 2^level). Level 0 is a leaf hash. Returns false if the node is unknown.
 */
typedef bool (*merkle_get_fn)(void *arg, int level, uint64_t index, merkle_hash out);

/* MTH(D[a:b]) for a range that arises in the tree (a aligned as the tree splits); false if a node
 * cannot be read. Nodes the callback does not know are computed from their children. */
bool merkle_range(merkle_get_fn get, void *arg, uint64_t a, uint64_t b, merkle_hash out);

/* Inclusion proof of leaf m in the tree of size n (RFC 9162 2.1.3.1): returns its length, or -1. */
int merkle_inclusion(merkle_get_fn get, void *arg, uint64_t m, uint64_t n, merkle_hash proof[MERKLE_MAX_PROOF]);
/* Consistency proof of the tree of size m with the tree of size n, 0 < m <= n (2.1.4.1); or -1. */
int merkle_consistency(merkle_get_fn get, void *arg, uint64_t m, uint64_t n, merkle_hash proof[MERKLE_MAX_PROOF]);

/* RFC 9162 2.1.3.2: true if leaf (index m) is in the tree of size n with this root. */
bool merkle_verify_inclusion(const merkle_hash leaf, uint64_t m, uint64_t n, const merkle_hash *proof, int k,
                             const merkle_hash root);
/* RFC 9162 2.1.4.2: true if the tree (n, root_n) extends the tree (m, root_m). */
bool merkle_verify_consistency(uint64_t m, uint64_t n, const merkle_hash root_m, const merkle_hash root_n,
                               const merkle_hash *proof, int k);

/* The right edge of a tree: the roots of its perfect subtrees, largest first (the bits of size). */
struct merkle_frontier {
    uint64_t size;
    int n;
    merkle_hash h[64];
};
/* Appends a leaf. emit (may be NULL) is called for every perfect subtree of level >= 1 completed by
 * it, smallest first: emit(arg, level, index, hash). */
void merkle_frontier_push(struct merkle_frontier *f, const merkle_hash leaf,
                          void (*emit)(void *arg, int level, uint64_t index, const merkle_hash h), void *arg);
/* The root of the tree of f->size leaves. */
void merkle_frontier_root(const struct merkle_frontier *f, merkle_hash out);
/* As text: the hashes in hex, concatenated (n * 64 characters); parse checks n against size. */
void merkle_frontier_format(const struct merkle_frontier *f, char *out /* 64 * 64 + 1 */);
bool merkle_frontier_parse(struct merkle_frontier *f, uint64_t size, const char *text);

#endif
