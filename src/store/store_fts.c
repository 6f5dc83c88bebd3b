/*
 * store_fts.c: the SQLite FTS5 tokenizer "ducha" (registered on every SQLite connection by
 * store_sqlite.c): the tokens of base/grams.h, i.e. overlapping bigrams of CJK text, ASCII words
 * lower-cased, and in documents the last code point of a run colocated with the last bigram, so
 * that two-character words (交通, 督查) are single index terms and a phrase query is a substring
 * search. The ledger's search index (migration 0050) is tokenize='ducha'.
 */
#include "store/store_fts.h"

#include "base/grams.h"
#include "base/log.h"

#include <stdbool.h>

struct fts_call {
    void *ctx;
    int (*token)(void *ctx, int tflags, const char *tok, int ntok, int start, int end);
};

static int fts_token(void *arg, const struct gram *g)
{
    struct fts_call *c = arg;
    return c->token(c->ctx, g->kind == GRAM_TAIL ? FTS5_TOKEN_COLOCATED : 0, g->text, (int)g->len, (int)g->start,
                    (int)g->end);
}

/* The tokenizer has no state: one static object stands for every instance. */
static int fts_create(void *ctx, const char **argv, int argc, Fts5Tokenizer **out)
{
    (void)ctx;
    (void)argv;
    if (argc)
        return SQLITE_ERROR;
    static int instance;
    *out = (Fts5Tokenizer *)&instance;
    return SQLITE_OK;
}

static void fts_delete(Fts5Tokenizer *t)
{
    (void)t;
}

static int fts_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int n,
                        int (*token)(void *, int, const char *, int, int, int))
{
    (void)t;
    struct fts_call c = {ctx, token};
    /* queries (also prefix queries) leave out the colocated tails; documents and auxiliary
     * functions (highlight) see the document's tokens */
    bool document = !(flags & FTS5_TOKENIZE_QUERY);
    return grams_each(text ? text : "", n > 0 ? (size_t)n : 0, document, fts_token, &c);
}

int store_fts_register(sqlite3 *h)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h, "SELECT fts5(?1)", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (!api) {
        log_error("sqlite: FTS5 is not available (%s); the ledger search index cannot work", sqlite3_errmsg(h));
        return SQLITE_ERROR;
    }
    static fts5_tokenizer tok = {fts_create, fts_delete, fts_tokenize};
    return api->xCreateTokenizer(api, "ducha", NULL, &tok, NULL);
}
