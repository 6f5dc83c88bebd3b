#include "base/csv.h"

#include "base/buf.h"

#include <string.h>

void csv_init(struct csv_reader *r, const char *data, size_t len)
{
    r->p = data;
    r->end = data + len;
    r->line = 1;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        r->p += 3;
}

int csv_next(struct csv_reader *r, struct arena *a, char ***fields)
{
    while (r->p < r->end && (*r->p == '\n' || *r->p == '\r')) {
        if (*r->p == '\n')
            r->line++;
        r->p++;
    }
    if (r->p >= r->end)
        return 0;
    int n = 0, cap = 8;
    char **out = arena_alloc(a, sizeof *out * (size_t)cap);
    struct buf f = {0};
    int start_line = r->line;
    r->record = start_line;
    for (;;) {
        buf_reset(&f);
        buf_append(&f, "", 0);
        if (r->p < r->end && *r->p == '"') {
            r->p++;
            for (;;) {
                if (r->p >= r->end) {
                    buf_free(&f);
                    r->line = start_line;
                    r->p = r->end;
                    return -1;
                }
                if (*r->p == '"') {
                    if (r->p + 1 < r->end && r->p[1] == '"') {
                        buf_append(&f, "\"", 1);
                        r->p += 2;
                        continue;
                    }
                    r->p++;
                    break;
                }
                if (*r->p == '\n')
                    r->line++;
                buf_append(&f, r->p, 1);
                r->p++;
            }
        } else {
            const char *s = r->p;
            while (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r')
                r->p++;
            buf_append(&f, s, (size_t)(r->p - s));
        }
        if (n == cap) {
            char **o = arena_alloc(a, sizeof *o * (size_t)cap * 2);
            memcpy(o, out, sizeof *o * (size_t)cap);
            out = o;
            cap *= 2;
        }
        out[n++] = arena_strndup(a, f.data ? f.data : "", f.len);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        break;
    }
    if (r->p < r->end && *r->p == '\r')
        r->p++;
    if (r->p < r->end && *r->p == '\n') {
        r->p++;
        r->line++;
    }
    buf_free(&f);
    *fields = out;
    return n;
}

static bool formula_start(char ch)
{
    return ch == '=' || ch == '+' || ch == '-' || ch == '@' || ch == '\t' || ch == '\r';
}

void csv_write_field(struct buf *out, const char *s, bool last)
{
    s = s ? s : "";
    bool guard = formula_start(*s);
    if (guard || strpbrk(s, ",\"\r\n")) {
        buf_puts(out, guard ? "\"'" : "\"");
        for (const char *p = s; *p; p++)
            buf_puts(out, *p == '"' ? "\"\"" : (char[]){*p, 0});
        buf_puts(out, "\"");
    } else {
        buf_puts(out, s);
    }
    buf_puts(out, last ? "\r\n" : ",");
}

const char *csv_unguard(const char *s)
{
    return s[0] == '\'' && formula_start(s[1]) ? s + 1 : s;
}
