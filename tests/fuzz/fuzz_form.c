/*
 * libFuzzer target for what the public clue form reads from strangers (issue 18): the multipart body
 * (base/form.c) under a fixed and under an attacker-chosen Content-Type, and every part's bytes as a
 * photo (base/media.c: sniff, read the location, strip the metadata). The stripped copy must never be
 * longer than what came in. Build and run: make fuzz (FUZZ_SECONDS=30).
 */
#include "base/form.h"
#include "base/media.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void photo(const unsigned char *p, size_t n)
{
    struct media_meta m;
    media_sniff(p, n);
    media_meta(p, n, &m);
    unsigned char *out = malloc(n ? n : 1);
    size_t k = media_strip(p, n, out);
    if (k > n)
        abort();
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a = ARENA_INIT;
    struct form f;
    char msg[256];
    /* the first line (up to 200 bytes) may be the Content-Type; otherwise a fixed boundary */
    const char *nl = memchr(data, '\n', size < 200 ? size : 200);
    if (nl) {
        char *ct = arena_strndup(&a, (const char *)data, (size_t)(nl - (const char *)data));
        if (form_parse(&a, ct, nl + 1, size - (size_t)(nl + 1 - (const char *)data), 32, &f, msg, sizeof msg) == ERR_OK)
            for (int i = 0; i < f.n; i++)
                photo((const unsigned char *)f.parts[i].data, f.parts[i].len);
    }
    if (form_parse(&a, "multipart/form-data; boundary=XyZ", (const char *)data, size, 32, &f, msg, sizeof msg) ==
        ERR_OK) {
        for (int i = 0; i < f.n; i++)
            photo((const unsigned char *)f.parts[i].data, f.parts[i].len);
        form_field(&f, "description");
        form_count(&f, "photo");
    }
    photo(data, size);
    arena_free(&a);
    return 0;
}
