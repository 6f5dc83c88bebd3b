/* jsonw.c: JSON text written straight into a buffer (see jsonw.h). */
#include "base/jsonw.h"

#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jw_init(struct jw *w, struct buf *b)
{
    memset(w, 0, sizeof *w);
    w->b = b;
}

/*
 * Every value is written in one step: its length worked out first (a string's escapes counted), room
 * reserved once, the bytes copied into the buffer — a page of 50 rows writes some 1,500 values, and an
 * append per quote, comma and run of a string was a quarter of a ledger page's CPU (docs/internals/ledger.md).
 * A value that does not fit under the buffer's cap is left out whole.
 */

/* Room for n bytes after the separator the next value needs (0 or 1 byte, written); NULL when over the cap. */
static char *jw_room(struct jw *w, size_t n)
{
    bool comma = !w->key && w->more[w->depth];
    w->key = false;
    w->more[w->depth] = true;
    struct buf *b = w->b;
    if ((b->len + n + comma + 1 > b->cap || b->max) && !buf_reserve(b, n + comma))
        return NULL;
    char *p = b->data + b->len;
    if (comma)
        *p++ = ',';
    return p;
}

/* The buffer's bytes end at end (written since jw_room). */
static void jw_done(struct jw *w, char *end)
{
    w->b->len = (size_t)(end - w->b->data);
    w->b->data[w->b->len] = 0;
}

static void jw_open(struct jw *w, char c)
{
    char *p = jw_room(w, 1);
    assert(w->depth + 1 < JW_DEPTH);
    if (p) { /* over the cap the structure is kept, the bytes are not */
        *p++ = c;
        jw_done(w, p);
    }
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

/* The bytes an escape adds to each byte: 5 for a control character (\u00XX), 1 for \b \f \n \r \t " and \ —
 * jansson's escapes (json_dumps), so that a reply reads the same written either way (jw_json). */
#define X5(i) [i] = 5
static const unsigned char jw_extra[256] = {
    X5(0),      X5(1),      X5(2),  X5(3),  X5(4),  X5(5),  X5(6),  X5(7),  ['\b'] = 1, ['\t'] = 1, ['\n'] = 1, X5(11),
    ['\f'] = 1, ['\r'] = 1, X5(14), X5(15), X5(16), X5(17), X5(18), X5(19), X5(20),     X5(21),     X5(22),     X5(23),
    X5(24),     X5(25),     X5(26), X5(27), X5(28), X5(29), X5(30), X5(31), ['"'] = 1,  ['\\'] = 1};
#undef X5

/* The bytes s[0..n) take quoted, without the quotes (a table read per byte, no branch). */
static size_t jw_quoted_len(const char *s, size_t n)
{
    size_t len = n;
    for (size_t i = 0; i < n; i++)
        len += jw_extra[(unsigned char)s[i]];
    return len;
}

/* Writes s[0..n) quoted at p (room for jw_quoted_len(s, n) + 2 bytes); returns the end. */
static char *jw_quoted(char *p, const char *s, size_t n, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    *p++ = '"';
    if (len == n) { /* nothing to escape: the usual case */
        memcpy(p, s, n);
        p += n;
    } else
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)s[i];
            if (ch >= 0x20 && ch != '"' && ch != '\\') {
                *p++ = (char)ch;
            } else if (ch == '"' || ch == '\\') {
                *p++ = '\\';
                *p++ = (char)ch;
            } else if (jw_extra[ch] == 1) { /* \b \f \n \r \t */
                *p++ = '\\';
                *p++ = "btn?fr"[ch - '\b'];
            } else {
                memcpy(p, "\\u00", 4);
                p[4] = hex[ch >> 4];
                p[5] = hex[ch & 15];
                p += 6;
            }
        }
    *p++ = '"';
    return p;
}

/* A key of n bytes. */
static void jw_keyn(struct jw *w, const char *k, size_t n)
{
    size_t len = jw_quoted_len(k, n);
    char *p = jw_room(w, len + 3);
    if (!p)
        return;
    p = jw_quoted(p, k, n, len);
    *p++ = ':';
    jw_done(w, p);
    w->key = true;
}

void jw_key(struct jw *w, const char *k)
{
    jw_keyn(w, k, strlen(k));
}

void jw_strn(struct jw *w, const char *s, size_t n)
{
    size_t len = jw_quoted_len(s, n);
    char *p = jw_room(w, len + 2);
    if (p)
        jw_done(w, jw_quoted(p, s, n, len));
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
    char t[24], *e = t + sizeof t, *q = e;
    uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
    do
        *--q = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--q = '-';
    char *p = jw_room(w, (size_t)(e - q));
    if (!p)
        return;
    memcpy(p, q, (size_t)(e - q));
    jw_done(w, p + (e - q));
}

void jw_raw(struct jw *w, const char *json, size_t n)
{
    char *p = jw_room(w, n);
    if (!p)
        return;
    memcpy(p, json, n);
    jw_done(w, p + n);
}

void jw_bool(struct jw *w, bool v)
{
    jw_raw(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(struct jw *w)
{
    jw_raw(w, "null", 4);
}

void jw_tenths(struct jw *w, int64_t tenths)
{
    if (tenths % 10 == 0) {
        jw_int(w, tenths / 10);
        return;
    }
    char t[32];
    uint64_t u = tenths < 0 ? -(uint64_t)tenths : (uint64_t)tenths;
    int n = snprintf(t, sizeof t, "%s%llu.%llu", tenths < 0 ? "-" : "", (unsigned long long)(u / 10),
                     (unsigned long long)(u % 10));
    jw_raw(w, t, (size_t)n);
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

void jw_qkey(struct jw *w, const char *quoted, size_t n)
{
    char *p = jw_room(w, n);
    if (!p)
        return;
    memcpy(p, quoted, n);
    jw_done(w, p + n);
    w->key = true;
}

void jw_qkstr(struct jw *w, const char *quoted, size_t n, const char *s)
{
    jw_qkey(w, quoted, n);
    jw_str(w, s);
}

void jw_qkint(struct jw *w, const char *quoted, size_t n, int64_t v)
{
    jw_qkey(w, quoted, n);
    jw_int(w, v);
}

void jw_qkbool(struct jw *w, const char *quoted, size_t n, bool v)
{
    jw_qkey(w, quoted, n);
    jw_bool(w, v);
}

void jw_csv(struct jw *w, const char *list)
{
    jw_arr(w);
    for (const char *p = list ? list : ""; *p;) {
        if (*p == ',') {
            p++;
            continue;
        }
        const char *e = strchr(p, ',');
        if (!e)
            e = p + strlen(p);
        jw_strn(w, p, (size_t)(e - p));
        p = e;
    }
    jw_end_arr(w);
}

/* A value as jansson writes it: its own text (a real's digits, a structure deeper than the writer's stack). */
static void jw_json_dumped(struct jw *w, const json_t *v)
{
    char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (t)
        jw_raw(w, t, strlen(t));
    else
        jw_null(w); /* a string that is not UTF-8 (made without a check): as a missing value */
    free(t);
}

void jw_json(struct jw *w, const struct json_t *v)
{
    json_t *x = (json_t *)v; /* jansson's iterators take no const */
    if (!v) {                /* a member json_pack could not make */
        jw_null(w);
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        if (w->depth + 1 >= JW_DEPTH) {
            jw_json_dumped(w, v);
            break;
        }
        jw_obj(w);
        for (void *it = json_object_iter(x); it; it = json_object_iter_next(x, it)) {
            jw_keyn(w, json_object_iter_key(it), json_object_iter_key_len(it));
            jw_json(w, json_object_iter_value(it));
        }
        jw_end_obj(w);
        break;
    case JSON_ARRAY:
        if (w->depth + 1 >= JW_DEPTH) {
            jw_json_dumped(w, v);
            break;
        }
        jw_arr(w);
        for (size_t k = 0, n = json_array_size(v); k < n; k++)
            jw_json(w, json_array_get(v, k));
        jw_end_arr(w);
        break;
    case JSON_STRING:
        jw_strn(w, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        jw_int(w, json_integer_value(v));
        break;
    case JSON_REAL:
        jw_json_dumped(w, v);
        break;
    case JSON_TRUE:
        jw_bool(w, true);
        break;
    case JSON_FALSE:
        jw_bool(w, false);
        break;
    case JSON_NULL:
        jw_null(w);
        break;
    }
}

char *jw_json_text(const struct json_t *v, size_t *len)
{
    struct buf b = {0};
    struct jw w;
    buf_reserve(&b, 2048);
    jw_init(&w, &b);
    jw_json(&w, v);
    *len = b.len;
    return buf_take(&b);
}
