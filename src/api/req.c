#include "api/req.h"

#include "base/jsonw.h"
#include "base/log.h"
#include "base/utf8.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *req_param(struct req *rq, const char *name)
{
    for (int i = 0; i < rq->nparams; i++)
        if (strcmp(rq->params[i].key, name) == 0)
            return rq->params[i].value;
    return NULL;
}

/* A decimal integer exactly as written: an optional '-', then digits without a superfluous leading
 * zero. "+2", " 2", "02", "2 " and "2%00" are not integers (strtoll would read each as 2). */
static bool parse_i64(const char *s, int64_t *out)
{
    if (!s || !*s)
        return false;
    const char *d = *s == '-' ? s + 1 : s;
    if (*d < '0' || *d > '9' || (d[0] == '0' && d[1]))
        return false;
    for (const char *p = d; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

bool req_param_id(struct req *rq, const char *name, int64_t *out)
{
    return parse_i64(req_param(rq, name), out) && *out > 0;
}

const char *req_cookie(struct req *rq, const char *name)
{
    const char *h = rq->header(rq, "Cookie");
    size_t nl = strlen(name);
    while (h && *h) {
        while (*h == ' ' || *h == ';')
            h++;
        const char *end = strchr(h, ';');
        if (!end)
            end = h + strlen(h);
        if ((size_t)(end - h) > nl && strncmp(h, name, nl) == 0 && h[nl] == '=')
            return arena_strndup(rq->arena, h + nl + 1, (size_t)(end - h - (ptrdiff_t)nl - 1));
        h = end;
    }
    return NULL;
}

const char *req_query(struct req *rq, const char *name)
{
    for (int i = 0; i < rq->nquery; i++)
        if (strcmp(rq->query[i].key, name) == 0)
            return rq->query[i].value;
    return NULL;
}

bool req_query_int(struct req *rq, const char *name, int64_t min, int64_t max, int64_t def, int64_t *out)
{
    const char *v = req_query(rq, name);
    if (!v || !*v) {
        *out = def;
        return true;
    }
    if (!parse_i64(v, out) || *out < min || *out > max) {
        reply_error(rq, ERR_BAD_REQUEST,
                    arena_printf(rq->arena, "查询参数“%s”必须是 %lld 到 %lld 之间的整数", name, (long long)min,
                                 (long long)max));
        return false;
    }
    return true;
}

bool req_check(struct req *rq, const struct jv_field *spec)
{
    char msg[256];
    const char *field;
    enum err e = jv_check_at(rq->json, spec, msg, sizeof msg, &field);
    if (e) {
        reply_error_field(rq, e, msg, field);
        return false;
    }
    return true;
}

int reply_xlsx(struct req *rq, const char *path, const char *name, const char *ascii)
{
    rq->status = 200;
    rq->reply_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    rq->reply_file = path;
    rq->reply_file_temp = true;
    reply_header(rq, "Content-Disposition", req_disposition(rq, name, ascii));
    return 0;
}

int reply_bytes(struct req *rq, int status, const char *type, const void *data, size_t n)
{
    free(rq->reply_body);
    rq->reply_body = malloc(n ? n : 1);
    if (!rq->reply_body)
        die_oom();
    if (n)
        memcpy(rq->reply_body, data, n);
    rq->reply_len = n;
    rq->reply_type = type;
    rq->status = status;
    return 0;
}

int reply_json(struct req *rq, int status, json_t *body)
{
    if (!body) { /* a tree that could not be built (json_pack given a NULL string): a bug, not the client's */
        log_error("bug: %s %s built no reply", rq->method, rq->path);
        return reply_error(rq, ERR_INTERNAL, NULL);
    }
    /* the tree written as json_dumps(body, JSON_COMPACT) would (jsonw.h jw_json) */
    free(rq->reply_body);
    rq->reply_body = jw_json_text(body, &rq->reply_len);
    json_decref(body);
    rq->reply_type = "application/json; charset=utf-8";
    rq->status = status;
    return 0;
}

int reply_jsonw(struct req *rq, enum err rc, struct buf *text)
{
    if (rc) {
        buf_free(text);
        if (!rq->ctx.err)
            rq->ctx.err = rc;
        return reply_ctx_error(rq);
    }
    free(rq->reply_body); /* the text is the reply: handed over, not copied */
    rq->reply_len = text->len;
    rq->reply_body = buf_take(text);
    rq->reply_type = "application/json; charset=utf-8";
    rq->status = 200;
    return 0;
}

int reply_error(struct req *rq, enum err e, const char *message)
{
    return reply_error_field(rq, e, message, NULL);
}

int reply_error_field(struct req *rq, enum err e, const char *message, const char *field)
{
    /* a message that echoes client bytes which are not UTF-8 cannot be JSON: say the default instead */
    if (message && !utf8_valid(message, strlen(message)))
        message = NULL;
    json_t *err = json_pack("{ss ss}", "code", err_code(e), "message", message ? message : err_default_message(e));
    /* the member a 422 is about; a 403 or 409 may name one too (a line of another unit, the same line twice) */
    if (field && (e == ERR_INVALID || e == ERR_FORBIDDEN || e == ERR_CONFLICT))
        json_object_set_new(err, "field", json_string(field));
    return reply_json(rq, err_status(e), json_pack("{so}", "error", err));
}

const char *req_disposition(struct req *rq, const char *name, const char *fallback)
{
    size_t n = strlen(name);
    char *enc = arena_alloc(rq->arena, n * 3 + 1), *o = enc;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p))
            *o++ = (char)*p;
        else
            o += sprintf(o, "%%%02X", *p);
    }
    *o = 0;
    return arena_printf(rq->arena, "attachment; filename=\"%s\"; filename*=UTF-8''%s", fallback, enc);
}

int reply_ctx_error(struct req *rq)
{
    enum err e = rq->ctx.err ? rq->ctx.err : ERR_INTERNAL;
    return reply_error_field(rq, e, rq->ctx.msg, rq->ctx.field);
}

int reply_empty(struct req *rq)
{
    free(rq->reply_body);
    rq->reply_body = NULL;
    rq->reply_len = 0;
    rq->reply_type = NULL;
    rq->status = 204;
    return 0;
}

void reply_header(struct req *rq, const char *name, const char *value)
{
    if (rq->nheaders < (int)(sizeof rq->headers / sizeof *rq->headers)) {
        rq->headers[rq->nheaders].name = name;
        rq->headers[rq->nheaders].value = value;
        rq->nheaders++;
    }
}

int reply_result(struct req *rq, enum err rc, int status, json_t *body)
{
    if (rc) {
        json_decref(body);
        if (!rq->ctx.err)
            rq->ctx.err = rc;
        return reply_ctx_error(rq);
    }
    return reply_json(rq, status, body);
}
