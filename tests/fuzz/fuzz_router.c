/*
 * libFuzzer target: the router and query strings. An input is one request,
 *     METHOD SP PATH[?QUERY] LF CONTENT-TYPE LF BODY
 * decoded as libmicrohttpd and server.c decode it (%HH, '+' in the query, %00 kept), sent through
 * router_dispatch as the top administrator (bearer token) of a demo database, so that every route's
 * parameter, query and body handling runs. Build and run: make fuzz.
 */
#include "fuzz_world.h"

#include "http/http.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *token_header;
static const char *content_type;

static const char *header(struct req *rq, const char *name)
{
    (void)rq;
    if (!strcmp(name, "Authorization"))
        return token_header;
    if (!strcmp(name, "Content-Type"))
        return content_type;
    return NULL;
}

static int hex(char ch)
{
    return ch >= '0' && ch <= '9'   ? ch - '0'
           : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
           : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                    : -1;
}

/* %HH decoding in place, except %00 (as server.c's unescape); plus: '+' is a space (queries). */
static void decode(char *s, bool plus)
{
    char *w = s;
    for (const char *r = s; *r;) {
        int hi, lo;
        if (r[0] == '%' && (hi = hex(r[1])) >= 0 && (lo = hex(r[2])) >= 0 && (hi | lo)) {
            *w++ = (char)(hi << 4 | lo);
            r += 3;
        } else {
            *w++ = plus && *r == '+' ? ' ' : *r;
            r++;
        }
    }
    *w = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_world *w = fuzz_world();
    struct arena arena = ARENA_INIT;
    char *in = arena_strndup(&arena, (const char *)data, size); /* stops at a NUL, as C strings do */
    char *line = in, *ct = strchr(line, '\n'), *body = NULL;
    if (ct) {
        *ct++ = 0;
        body = strchr(ct, '\n');
        if (body)
            *body++ = 0;
    }
    char *sp = strchr(line, ' ');
    if (!sp || sp == line) {
        arena_free(&arena);
        return 0;
    }
    *sp = 0;
    char *path = sp + 1, *query = strchr(path, '?');
    if (query)
        *query++ = 0;
    decode(path, false);

    struct req rq = {0};
    rq.app = &w->app;
    rq.arena = &arena;
    rq.ctx.arena = &arena;
    rq.ctx.cfg = &w->app.cfg;
    rq.ctx.client = "127.0.0.1";
    rq.method = line;
    rq.path = path;
    rq.header = header;
    token_header = arena_printf(&arena, "Bearer %s", w->top_token);
    content_type = ct;
    rq.content_type = ct;
    rq.body = body;
    rq.body_len = body ? strlen(body) : 0;
    int cap = 0;
    for (char *q = query; q && *q;) {
        char *amp = strchr(q, '&');
        if (amp)
            *amp = 0;
        char *eq = strchr(q, '=');
        if (eq)
            *eq = 0;
        decode(q, true);
        if (eq)
            decode(eq + 1, true);
        if (rq.nquery == cap) {
            cap = cap ? cap * 2 : 8;
            struct kv *kv = arena_alloc(&arena, sizeof *kv * (size_t)cap);
            if (rq.nquery)
                memcpy(kv, rq.query, sizeof *kv * (size_t)rq.nquery);
            rq.query = kv;
        }
        rq.query[rq.nquery++] = (struct kv){q, eq ? eq + 1 : ""};
        q = amp ? amp + 1 : NULL;
    }
    router_dispatch(&rq);
    free(rq.reply_body);
    arena_free(&arena);
    return 0;
}
