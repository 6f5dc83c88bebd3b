/* form.c: multipart/form-data, strictly (form.h). Every read is bounded by the body's length. */
#include "base/form.h"

#include "base/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define BOUNDARY_MAX 70 /* RFC 2046 §5.1.1 */

static enum err fail(char *msg, size_t msglen, enum err e, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static enum err fail(char *msg, size_t msglen, enum err e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (msg && msglen)
        vsnprintf(msg, msglen, fmt, ap);
    va_end(ap);
    return e;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* One parameter value at *p (a token or a quoted string) up to end, copied into the arena; *p moves
 * past it. NULL when malformed. */
static const char *param_value(struct arena *a, const char **p, const char *end)
{
    const char *s = *p;
    if (s < end && *s == '"') {
        char *out = arena_alloc(a, (size_t)(end - s));
        size_t n = 0;
        for (s++; s < end && *s != '"'; s++) {
            if (*s == '\\' && s + 1 < end)
                s++;
            out[n++] = *s;
        }
        if (s >= end)
            return NULL; /* no closing quote */
        out[n] = 0;
        *p = s + 1;
        return out;
    }
    const char *v = s;
    while (s < end && *s != ';' && !is_space(*s))
        s++;
    if (s == v)
        return NULL;
    *p = s;
    return arena_strndup(a, v, (size_t)(s - v));
}

/* The boundary of a multipart/form-data Content-Type (arena), or NULL. */
static const char *boundary_of(struct arena *a, const char *ct)
{
    if (!ct || strncasecmp(ct, "multipart/form-data", 19) != 0)
        return NULL;
    const char *p = ct + 19, *end = ct + strlen(ct);
    while (p < end) {
        while (p < end && (is_space(*p) || *p == ';'))
            p++;
        const char *key = p;
        while (p < end && *p != '=' && *p != ';')
            p++;
        if (p >= end || *p != '=') {
            continue;
        }
        size_t klen = (size_t)(p - key);
        while (klen && is_space(key[klen - 1]))
            klen--;
        p++;
        const char *v = param_value(a, &p, end);
        if (!v)
            return NULL;
        if (klen == 8 && !strncasecmp(key, "boundary", 8)) {
            size_t n = strlen(v);
            if (n == 0 || n > BOUNDARY_MAX || v[n - 1] == ' ')
                return NULL;
            for (size_t i = 0; i < n; i++)
                if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7E)
                    return NULL;
            return v;
        }
    }
    return NULL;
}

/* Parses one part's header block [h, end) (lines ended by CRLF, the last one included). */
static enum err part_headers(struct arena *a, const char *h, const char *end, struct form_part *pt, char *msg,
                             size_t msglen)
{
    bool disposition = false;
    while (h < end) {
        const char *eol = memchr(h, '\r', (size_t)(end - h));
        if (!eol || eol + 1 >= end || eol[1] != '\n')
            return fail(msg, msglen, ERR_BAD_REQUEST, "表单格式错误：分段头的行未以 CRLF 结束");
        if (is_space(*h))
            return fail(msg, msglen, ERR_BAD_REQUEST, "表单格式错误：不接受折行的分段头");
        const char *colon = memchr(h, ':', (size_t)(eol - h));
        if (!colon || colon == h)
            return fail(msg, msglen, ERR_BAD_REQUEST, "表单格式错误：分段头缺少冒号");
        size_t nlen = (size_t)(colon - h);
        const char *v = colon + 1;
        while (v < eol && is_space(*v))
            v++;
        if (nlen == 19 && !strncasecmp(h, "Content-Disposition", 19)) {
            if (disposition)
                return fail(msg, msglen, ERR_BAD_REQUEST, "表单格式错误：分段有两个 Content-Disposition");
            disposition = true;
            if ((size_t)(eol - v) < 9 || strncasecmp(v, "form-data", 9) != 0 ||
                (v + 9 < eol && v[9] != ';' && !is_space(v[9])))
                return fail(msg, msglen, ERR_BAD_REQUEST, "表单格式错误：Content-Disposition 应为 form-data");
            const char *p = v + 9;
            while (p < eol) {
                while (p < eol && (is_space(*p) || *p == ';'))
                    p++;
                if (p >= eol)
                    break;
                const char *key = p;
                while (p < eol && *p != '=' && *p != ';' && !is_space(*p))
                    p++;
                size_t klen = (size_t)(p - key);
                while (p < eol && is_space(*p))
                    p++;
                if (p >= eol || *p != '=')
                    return fail(msg, msglen, ERR_BAD_REQUEST, "表单格式错误：Content-Disposition 参数缺少值");
                p++;
                while (p < eol && is_space(*p))
                    p++;
                const char *val = param_value(a, &p, eol);
                if (!val)
                    return fail(msg, msglen, ERR_BAD_REQUEST, "表单格式错误：Content-Disposition 参数值无效");
                const char **slot = klen == 4 && !strncasecmp(key, "name", 4)       ? &pt->name
                                    : klen == 8 && !strncasecmp(key, "filename", 8) ? &pt->filename
                                                                                    : NULL;
                if (slot && *slot)
                    return fail(msg, msglen, ERR_BAD_REQUEST, "表单格式错误：Content-Disposition 参数重复");
                if (slot)
                    *slot = val;
            }
        } else if (nlen == 12 && !strncasecmp(h, "Content-Type", 12)) {
            const char *te = v;
            while (te < eol && *te != ';' && !is_space(*te))
                te++;
            char *t = arena_strndup(a, v, (size_t)(te - v));
            for (char *q = t; *q; q++)
                if (*q >= 'A' && *q <= 'Z')
                    *q = (char)(*q - 'A' + 'a');
            pt->type = t;
        }
        h = eol + 2;
    }
    if (!disposition || !pt->name || !*pt->name)
        return fail(msg, msglen, ERR_BAD_REQUEST, "表单格式错误：分段缺少字段名（Content-Disposition 的 name）");
    size_t n = strlen(pt->name);
    if (n > FORM_NAME_MAX || !utf8_valid(pt->name, n))
        return fail(msg, msglen, ERR_BAD_REQUEST, "表单格式错误：字段名过长或不是有效的 UTF-8");
    if (pt->filename) {
        size_t fn = strlen(pt->filename);
        if (fn > FORM_NAME_MAX * 2 || !utf8_valid(pt->filename, fn))
            return fail(msg, msglen, ERR_BAD_REQUEST, "表单格式错误：文件名过长或不是有效的 UTF-8");
    }
    return ERR_OK;
}

/* memmem without reading past n. */
static const char *find(const char *hay, size_t n, const char *needle, size_t m)
{
    if (m == 0 || n < m)
        return NULL;
    for (const char *p = hay; (size_t)(hay + n - p) >= m;) {
        const char *q = memchr(p, needle[0], (size_t)(hay + n - p) - m + 1);
        if (!q)
            return NULL;
        if (!memcmp(q, needle, m))
            return q;
        p = q + 1;
    }
    return NULL;
}

enum err form_parse(struct arena *a, const char *content_type, const char *body, size_t len, int max_parts,
                    struct form *out, char *msg, size_t msglen)
{
    out->parts = NULL;
    out->n = 0;
    const char *b = boundary_of(a, content_type);
    if (!b)
        return fail(msg, msglen, ERR_MEDIA_TYPE, "请以 multipart/form-data 格式提交表单（Content-Type 须带 boundary）");
    size_t blen = strlen(b);
    /* the delimiter with its leading CRLF: "\r\n--boundary" */
    char *delim = arena_alloc(a, blen + 5);
    memcpy(delim, "\r\n--", 4);
    memcpy(delim + 4, b, blen + 1);
    size_t dlen = blen + 4;
    if (!body)
        len = 0;

    /* the first delimiter: at the start, or after a preamble ending in CRLF */
    const char *p;
    if (len >= dlen - 2 && !memcmp(body, delim + 2, dlen - 2))
        p = body + dlen - 2;
    else if ((p = find(body, len, delim, dlen)))
        p += dlen;
    else
        return fail(msg, msglen, ERR_BAD_REQUEST, "表单格式错误：找不到分隔符（boundary）");
    const char *end = body + len;
    int cap = max_parts > 0 ? max_parts : 1;
    out->parts = arena_alloc(a, sizeof *out->parts * (size_t)cap);
    for (;;) {
        /* after a delimiter: "--" closes, otherwise optional padding then CRLF opens a part */
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return ERR_OK;
        while (p < end && is_space(*p))
            p++;
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
            return fail(msg, msglen, ERR_BAD_REQUEST, "表单格式错误：分隔符后应为换行或结束标记");
        p += 2;
        if (out->n >= max_parts)
            return fail(msg, msglen, ERR_BAD_REQUEST, "表单的字段过多（最多 %d 个）", max_parts);
        /* the header block ends with an empty line; a part without headers starts with it */
        const char *hend;
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
            hend = p;
        } else {
            size_t room = (size_t)(end - p) < FORM_HEADERS_MAX + 4 ? (size_t)(end - p) : FORM_HEADERS_MAX + 4;
            const char *blank = find(p, room, "\r\n\r\n", 4);
            if (!blank)
                return fail(msg, msglen, ERR_BAD_REQUEST, "表单格式错误：分段头过长或未以空行结束");
            hend = blank + 2; /* the last header line's CRLF belongs to the block */
        }
        struct form_part *pt = &out->parts[out->n];
        *pt = (struct form_part){0};
        enum err e = part_headers(a, p, hend, pt, msg, msglen);
        if (e)
            return e;
        const char *data = hend + 2;
        const char *next = find(data, (size_t)(end - data), delim, dlen);
        if (!next)
            return fail(msg, msglen, ERR_BAD_REQUEST, "表单格式错误：缺少结束分隔符（内容可能不完整）");
        pt->len = (size_t)(next - data);
        if (pt->filename) {
            pt->data = data;
        } else {
            if (pt->len > FORM_FIELD_MAX)
                return fail(msg, msglen, ERR_BAD_REQUEST, "表单字段“%s”过长", pt->name);
            pt->data = arena_strndup(a, data, pt->len);
        }
        out->n++;
        p = next + dlen;
    }
}

const char *form_field(const struct form *f, const char *name)
{
    for (int i = 0; i < f->n; i++)
        if (!f->parts[i].filename && !strcmp(f->parts[i].name, name))
            return f->parts[i].data;
    return NULL;
}

int form_count(const struct form *f, const char *name)
{
    int n = 0;
    for (int i = 0; i < f->n; i++)
        n += !strcmp(f->parts[i].name, name);
    return n;
}
