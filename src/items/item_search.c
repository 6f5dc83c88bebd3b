/*
 * item_search.c: the search bigrams of an item (item_grams): code-point pairs of its number, title and
 * requirement, written whenever one of them changes; the ledger finds two-character words by them.
 */
#include "items/items_internal.h"

#include <string.h>

/* Decodes one UTF-8 code point at s (valid input); returns its length. */
static int cp_len(const unsigned char *s)
{
    if (*s < 0x80)
        return 1;
    if ((*s & 0xe0) == 0xc0)
        return 2;
    if ((*s & 0xf0) == 0xe0)
        return 3;
    return 4;
}

int item_bigrams(struct arena *a, const char *text, const char ***out)
{
    /* code points, lower-cased ASCII, whitespace and common punctuation removed */
    size_t len = strlen(text);
    const char **cps = arena_alloc(a, sizeof *cps * (len + 1));
    int ncp = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p;) {
        int l = cp_len(p);
        if (l == 1 && (*p <= ' ' || strchr(",.;:!?()[]{}\"'", *p))) {
            p++;
            continue;
        }
        if (l == 3 && (!memcmp(p, "，", 3) || !memcmp(p, "。", 3) || !memcmp(p, "、", 3) || !memcmp(p, "；", 3) ||
                       !memcmp(p, "：", 3) || !memcmp(p, "　", 3) || !memcmp(p, "“", 3) || !memcmp(p, "”", 3))) {
            p += l;
            continue;
        }
        char *cp = arena_strndup(a, (const char *)p, (size_t)l);
        if (l == 1 && *cp >= 'A' && *cp <= 'Z')
            *cp = (char)(*cp - 'A' + 'a');
        cps[ncp++] = cp;
        p += l;
    }
    const char **grams = arena_alloc(a, sizeof *grams * (size_t)(ncp + 1));
    int n = 0;
    for (int i = 0; i + 1 < ncp; i++) {
        const char *g = arena_printf(a, "%s%s", cps[i], cps[i + 1]);
        bool dup = false;
        for (int j = 0; j < n && !dup; j++)
            dup = !strcmp(grams[j], g);
        if (!dup)
            grams[n++] = g;
    }
    if (ncp == 1)
        grams[n++] = cps[0];
    *out = grams;
    return n;
}

enum err item_grams_update(struct ctx *c, int64_t item_id, const char *number, const char *title,
                           const char *requirement)
{
    enum err e = db_exec(c->db, "DELETE FROM item_grams WHERE item_id = ?", DB_INT(item_id));
    const char *text =
        arena_printf(c->arena, "%s\n%s\n%s", number ? number : "", title ? title : "", requirement ? requirement : "");
    const char **grams;
    int n = item_bigrams(c->arena, text, &grams);
    for (int i = 0; i < n && !e; i++)
        e = db_exec(c->db, "INSERT INTO item_grams (gram, item_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    DB_TEXT(grams[i]), DB_INT(item_id));
    return ctx_db_fail(c, e, "更新检索索引");
}
