#include "base/jsonv.h"

#include "base/timeu.h"
#include "base/utf8.h"

#include <stdio.h>
#include <string.h>

static bool jv_date_ok(const char *s)
{
    int y, m, d, n = 0;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
        return false;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

/* The message names the field by its label and member ("“事项名称”（title）不能为空"), or by its member. */
static enum err jv_fail_f(char *msg, size_t n, const struct jv_field *f, const char *what)
{
    if (f->label)
        snprintf(msg, n, "“%s”（%s）%s", f->label, f->name, what);
    else
        snprintf(msg, n, "字段“%s”%s", f->name, what);
    return ERR_INVALID;
}

static bool space_at(const char *s, size_t i, size_t len, size_t *w)
{
    unsigned char c = (unsigned char)s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
        *w = 1;
        return true;
    }
    if (c == 0xe3 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 && (unsigned char)s[i + 2] == 0x80) {
        *w = 3; /* U+3000 IDEOGRAPHIC SPACE */
        return true;
    }
    return false;
}

size_t jv_trimmed(const char *s, size_t *start)
{
    size_t len = strlen(s), b = 0, e = len, w;
    while (b < e && space_at(s, b, e, &w))
        b += w;
    for (;;) {
        if (e > b && space_at(s, e - 1, e, &w) && w == 1)
            e--;
        else if (e >= b + 3 && space_at(s, e - 3, e, &w) && w == 3)
            e -= 3;
        else
            break;
    }
    *start = b;
    return e - b;
}

/* The string v trimmed (a new reference), or NULL when it needs no trimming. */
static json_t *trimmed_copy(const json_t *v)
{
    const char *s = json_string_value(v);
    size_t start, n = jv_trimmed(s, &start);
    return n == strlen(s) ? NULL : json_stringn(s + start, n);
}

static enum err jv_check_string(const json_t *v, const struct jv_field *f, char *msg, size_t n)
{
    char what[96];
    if (!json_is_string(v))
        return jv_fail_f(msg, n, f, "必须是文本");
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (strlen(s) != len || !utf8_valid(s, len))
        return jv_fail_f(msg, n, f, "包含无效字符");
    size_t chars = utf8_count(s);
    int64_t max = f->max ? f->max : 200;
    if ((int64_t)chars > max) {
        snprintf(what, sizeof what, "不能超过 %lld 个字符", (long long)max);
        return jv_fail_f(msg, n, f, what);
    }
    if ((f->flags & JV_REQUIRED) && chars == 0)
        return jv_fail_f(msg, n, f, "不能为空");
    if ((int64_t)chars < f->min) {
        snprintf(what, sizeof what, "至少需要 %lld 个字符", (long long)f->min);
        return jv_fail_f(msg, n, f, what);
    }
    return ERR_OK;
}

static enum err jv_check_value(const json_t *v, const struct jv_field *f, char *msg, size_t n)
{
    char what[96];
    switch (f->type) {
    case JV_STRING:
        return jv_check_string(v, f, msg, n);
    case JV_INT:
        if (!json_is_integer(v))
            return jv_fail_f(msg, n, f, "必须是整数");
        if (f->min < f->max && (json_integer_value(v) < f->min || json_integer_value(v) > f->max)) {
            snprintf(what, sizeof what, "必须在 %lld 到 %lld 之间", (long long)f->min, (long long)f->max);
            return jv_fail_f(msg, n, f, what);
        }
        return ERR_OK;
    case JV_BOOL:
        return json_is_boolean(v) ? ERR_OK : jv_fail_f(msg, n, f, "必须是 true 或 false");
    case JV_DATE:
        if (!json_is_string(v) || !jv_date_ok(json_string_value(v)))
            return jv_fail_f(msg, n, f, "必须是有效日期（YYYY-MM-DD）");
        return ERR_OK;
    case JV_INSTANT: {
        int64_t t;
        if (!json_is_string(v) || !time_parse_iso(json_string_value(v), &t))
            return jv_fail_f(msg, n, f, "必须是 ISO 8601 时间（如 2026-01-02T08:00:00Z）");
        return ERR_OK;
    }
    case JV_INT_ARRAY:
    case JV_STRING_ARRAY:
    case JV_OBJECT_ARRAY: {
        if (!json_is_array(v))
            return jv_fail_f(msg, n, f, "必须是数组");
        int64_t max = f->max ? f->max : 100;
        if ((int64_t)json_array_size(v) > max) {
            snprintf(what, sizeof what, "最多 %lld 项", (long long)max);
            return jv_fail_f(msg, n, f, what);
        }
        size_t i;
        const json_t *e;
        json_array_foreach(v, i, e)
        {
            if (f->type == JV_OBJECT_ARRAY && !json_is_object(e))
                return jv_fail_f(msg, n, f, "的每一项都必须是对象");
            if (f->type == JV_INT_ARRAY && !json_is_integer(e))
                return jv_fail_f(msg, n, f, "的每一项都必须是整数");
            if (f->type == JV_STRING_ARRAY) {
                struct jv_field ef = {f->name, JV_STRING, JV_REQUIRED, 0, 200, f->label};
                json_t *t = json_is_string(e) && !(f->flags & JV_VERBATIM) ? trimmed_copy(e) : NULL;
                if (t) {
                    json_array_set_new((json_t *)v, i, t);
                    e = t;
                }
                enum err rc = jv_check_string(e, &ef, msg, n);
                if (rc)
                    return rc;
            }
        }
        return ERR_OK;
    }
    case JV_OBJECT:
        return json_is_object(v) ? ERR_OK : jv_fail_f(msg, n, f, "必须是对象");
    }
    return ERR_INVALID;
}

enum err jv_check(const json_t *obj, const struct jv_field *spec, char *msg, size_t msglen)
{
    return jv_check_at(obj, spec, msg, msglen, NULL);
}

enum err jv_check_at(const json_t *obj, const struct jv_field *spec, char *msg, size_t msglen, const char **field)
{
    const char *dummy;
    if (!field)
        field = &dummy;
    *field = NULL;
    if (!json_is_object(obj)) {
        snprintf(msg, msglen, "请求体必须是 JSON 对象");
        return ERR_INVALID;
    }
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        const struct jv_field *f = spec;
        while (f->name && strcmp(f->name, key) != 0)
            f++;
        if (!f->name) {
            *field = NULL;
            snprintf(msg, msglen, "不认识的字段“%.64s”", key);
            return ERR_INVALID;
        }
        *field = f->name;
        if (json_is_null(v)) {
            if (f->flags & JV_NULLABLE)
                continue;
            return jv_fail_f(msg, msglen, f, "不能为 null");
        }
        json_t *t = f->type == JV_STRING && json_is_string(v) && !(f->flags & JV_VERBATIM) ? trimmed_copy(v) : NULL;
        if (t) { /* replacing the value of the member being visited is safe in jansson's iteration */
            json_object_set_new((json_t *)obj, key, t);
            v = t;
        }
        enum err rc = jv_check_value(v, f, msg, msglen);
        if (rc)
            return rc;
    }
    for (const struct jv_field *f = spec; f->name; f++)
        if ((f->flags & JV_REQUIRED) && !json_object_get(obj, f->name)) {
            *field = f->name;
            return jv_fail_f(msg, msglen, f, "是必填项");
        }
    *field = NULL;
    return ERR_OK;
}

const char *jv_str(const json_t *obj, const char *name)
{
    return json_string_value(json_object_get(obj, name));
}

int64_t jv_int(const json_t *obj, const char *name, int64_t def)
{
    const json_t *v = json_object_get(obj, name);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

bool jv_bool(const json_t *obj, const char *name, bool def)
{
    const json_t *v = json_object_get(obj, name);
    return json_is_boolean(v) ? json_is_true(v) : def;
}

bool jv_has(const json_t *obj, const char *name)
{
    const json_t *v = json_object_get(obj, name);
    return v && !json_is_null(v);
}

json_t *jv_array_parse(const char *text)
{
    json_t *a = text ? json_loads(text, 0, NULL) : NULL;
    if (a && !json_is_array(a)) {
        json_decref(a);
        a = NULL;
    }
    return a;
}
