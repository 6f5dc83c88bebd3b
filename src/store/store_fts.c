/*
 * store_fts.c: the SQLite FTS5 tokenizer "ducha" (registered on every SQLite connection by
 * store_sqlite.c): the tokens of base/grams.h, i.e. overlapping bigrams of CJK text, ASCII words
 * lower-cased, and in documents the last code point of a run colocated with the last bigram, so
 * that two-character words (交通, 督查) are single index terms and a phrase query is a substring
 * search. The ledger's search index (migration 0050) is tokenize='ducha'. Also the auxiliary function
 * ducha_rank (relevance without the cost of bm25's document counts).
 */
#include "store/store_fts.h"

#include "base/grams.h"
#include "base/log.h"

#include <stdbool.h>
#include <string.h>

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

/*
 * ducha_rank(item_fts): relevance of the current row, smaller is better (like bm25). It is bm25's saturated term
 * frequency — per phrase and text column, weighted number 10, title 5, requirement 1 — without the inverse
 * document frequency and without the length normalisation: bm25 counts, for every query, the documents of each
 * phrase, and the scope token every query carries ("u<unit>", in every document of a province) would make that
 * cost the whole index; a column's length is a read of the index's docsize table for every match (xColumnSize:
 * a statement stepped per row, most of the cost of ranking a common word's matches). PostgreSQL's ts_rank, as
 * the ledger calls it, does not normalise by length either. Phrases outside the three text columns (the scope)
 * do not count.
 */
#define RANK_COLS 3
#define RANK_PHRASES 64

static void rank_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval, sqlite3_value **val)
{
    (void)nval;
    (void)val;
    static const double weight[RANK_COLS] = {10.0, 5.0, 1.0};
    int nphrase = api->xPhraseCount(fts);
    if (nphrase > RANK_PHRASES)
        nphrase = RANK_PHRASES;
    int tf[RANK_PHRASES][RANK_COLS];
    memset(tf, 0, sizeof tf[0] * (size_t)(nphrase > 0 ? nphrase : 0));
    /* each phrase's hits walked in its own position list (xInstCount would first merge every phrase's into
     * one sorted array, a copy this count does not need) */
    for (int p = 0; p < nphrase; p++) {
        Fts5PhraseIter it;
        int col = -1, off;
        for (api->xPhraseFirst(fts, p, &it, &col, &off); col >= 0; api->xPhraseNext(fts, &it, &col, &off))
            if (col < RANK_COLS)
                tf[p][col]++;
    }
    double score = 0;
    for (int c = 0; c < RANK_COLS; c++)
        for (int p = 0; p < nphrase; p++)
            if (tf[p][c])
                score += weight[c] * tf[p][c] * 2.2 / (tf[p][c] + 1.2);
    sqlite3_result_double(ctx, -score);
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
    rc = api->xCreateTokenizer(api, "ducha", NULL, &tok, NULL);
    return rc == SQLITE_OK ? api->xCreateFunction(api, "ducha_rank", NULL, rank_fn, NULL) : rc;
}
