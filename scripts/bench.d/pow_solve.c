/*
 * pow_solve: the public pages' proof-of-work solved as their script solves it (the first n from 0 whose
 * SHA-256 of "<token>:<n>" has <bits> leading zero bits), for the benchmark's client. Reads one
 * "<bits> <token>" per line, prints one n per line. Built by scripts/bench.d/clues_submit.sh with OpenSSL
 * (its SHA-256 uses the CPU's SHA instructions: about ten times libsodium's here).
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The bits are at most 28 (pow.c): the first four bytes of the hash, big-endian, decide. */
static bool solved(const unsigned char *h, int bits)
{
    uint32_t first = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
    return bits <= 0 || first >> (32 - bits) == 0;
}

int main(void)
{
    char line[1024], token[1000];
    int bits;
    while (fgets(line, sizeof line, stdin)) {
        if (sscanf(line, "%d %999s", &bits, token) != 2)
            return 1;
        SHA256_CTX base;
        SHA256_Init(&base);
        SHA256_Update(&base, token, strlen(token));
        SHA256_Update(&base, ":", 1);
        for (unsigned long n = 0;; n++) {
            char num[24];
            int len = snprintf(num, sizeof num, "%lu", n);
            SHA256_CTX st = base;
            unsigned char h[32];
            SHA256_Update(&st, num, (size_t)len);
            SHA256_Final(h, &st);
            if (solved(h, bits)) {
                printf("%lu\n", n);
                break;
            }
        }
    }
    return 0;
}
