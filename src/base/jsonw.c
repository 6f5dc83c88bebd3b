/* jsonw.c: JSON text written straight into a buffer (see jsonw.h). */
#include "base/jsonw.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void jw_init(struct jw *w, struct buf *b)
{
    memset(w, 0, sizeof *w);
    w->b = b;
}

/* The separator before a value. */
static void jw_sep(struct jw *w)
{
    if (w->key)
        w->key = false;
    else if (w->more[w->depth])
        buf_append(w->b, ",", 1);
    w->more[w->depth] = true;
}

static void jw_open(struct jw *w, char c)
{
    jw_sep(w);
    buf_append(w->b, &c, 1);
    assert(w->depth + 1 < JW_DEPTH);
    w->more[++w->depth] = false;
}

static void jw_close(struct jw *w, char c)
{
    assert(w->depth > 0 && !w->key);
    w->depth--;
    buf_append(w->b, &c, 1);
}

void jw_obj(struct jw *w)
{
    jw_open(w, '{');
}

void jw_end_obj(struct jw *w)
{
    jw_close(w, '}');
}

void jw_arr(struct jw *w)
{
    jw_open(w, '[');
}

void jw_end_arr(struct jw *w)
{
    jw_close(w, ']');
}

static void jw_quoted(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    buf_append(b, "\"", 1);
    size_t run = 0; /* bytes that need no escape, appended together */
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch != '"' && ch != '\\') {
            run++;
            continue;
        }
        buf_append(b, s + i - run, run);
        run = 0;
        if (ch == '"' || ch == '\\') {
            char e[2] = {'\\', (char)ch};
            buf_append(b, e, 2);
        } else if (ch == '\n') {
            buf_append(b, "\\n", 2);
        } else if (ch == '\r') {
            buf_append(b, "\\r", 2);
        } else if (ch == '\t') {
            buf_append(b, "\\t", 2);
        } else {
            char e[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
            buf_append(b, e, 6);
        }
    }
    buf_append(b, s + n - run, run);
    buf_append(b, "\"", 1);
}

void jw_key(struct jw *w, const char *k)
{
    jw_sep(w);
    jw_quoted(w->b, k, strlen(k));
    buf_append(w->b, ":", 1);
    w->key = true;
}

void jw_strn(struct jw *w, const char *s, size_t n)
{
    jw_sep(w);
    jw_quoted(w->b, s, n);
}

void jw_str(struct jw *w, const char *s)
{
    if (!s)
        jw_null(w);
    else
        jw_strn(w, s, strlen(s));
}

void jw_int(struct jw *w, int64_t v)
{
    jw_sep(w);
    char t[24];
    int n = snprintf(t, sizeof t, "%" PRId64, v);
    buf_append(w->b, t, (size_t)n);
}

void jw_bool(struct jw *w, bool v)
{
    jw_sep(w);
    buf_append(w->b, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(struct jw *w)
{
    jw_sep(w);
    buf_append(w->b, "null", 4);
}

void jw_kstr(struct jw *w, const char *k, const char *s)
{
    jw_key(w, k);
    jw_str(w, s);
}

void jw_kint(struct jw *w, const char *k, int64_t v)
{
    jw_key(w, k);
    jw_int(w, v);
}

void jw_kbool(struct jw *w, const char *k, bool v)
{
    jw_key(w, k);
    jw_bool(w, v);
}
