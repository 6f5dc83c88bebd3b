/* xlsx.c: the first worksheet of an XLSX workbook as rows of texts (xlsx.h). */
#include "base/xlsx.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

static enum err fail(char *msg, size_t msglen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static enum err fail(char *msg, size_t msglen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (msg && msglen)
        vsnprintf(msg, msglen, fmt, ap);
    va_end(ap);
    return ERR_INVALID;
}

/* ---- a small pull parser: the text before each tag, then the tag ---- */

struct xml {
    const char *p, *end;
};

struct xtag {
    const char *text; /* the character data before the tag (raw, entities not decoded) */
    size_t ntext;
    const char *name; /* without a namespace prefix */
    size_t nname;
    const char *attrs; /* what follows the name inside the tag */
    size_t nattrs;
    bool closing, empty; /* </x>, <x/> */
};

static bool name_is(const struct xtag *t, const char *s)
{
    return t->nname == strlen(s) && !memcmp(t->name, s, t->nname);
}

/* The next tag; false at the end (or on a tag that does not close). Comments, processing
 * instructions and declarations are passed over; CDATA becomes text of the next tag. */
static bool xml_next(struct xml *x, struct xtag *t)
{
    const char *start = x->p;
    for (;;) {
        const char *lt = memchr(x->p, '<', (size_t)(x->end - x->p));
        if (!lt)
            return false;
        const char *gt;
        if (x->end - lt >= 4 && !memcmp(lt, "<!--", 4)) {
            const char *e = NULL;
            for (const char *q = lt + 4; q + 3 <= x->end && !e; q++)
                if (!memcmp(q, "-->", 3))
                    e = q;
            if (!e)
                return false;
            x->p = e + 3;
            continue;
        }
        if (x->end - lt >= 9 && !memcmp(lt, "<![CDATA[", 9)) {
            const char *e = NULL;
            for (const char *q = lt + 9; q + 3 <= x->end && !e; q++)
                if (!memcmp(q, "]]>", 3))
                    e = q;
            if (!e)
                return false;
            x->p = e + 3;
            continue;
        }
        gt = memchr(lt, '>', (size_t)(x->end - lt));
        if (!gt)
            return false;
        if (lt[1] == '?' || lt[1] == '!') {
            x->p = gt + 1;
            continue;
        }
        t->text = start;
        t->ntext = (size_t)(lt - start);
        const char *n = lt + 1;
        t->closing = *n == '/';
        if (t->closing)
            n++;
        t->empty = gt > n && gt[-1] == '/';
        const char *ne = n;
        while (ne < gt && *ne != ' ' && *ne != '\t' && *ne != '\r' && *ne != '\n' && *ne != '/')
            ne++;
        const char *colon = memchr(n, ':', (size_t)(ne - n));
        t->name = colon ? colon + 1 : n;
        t->nname = (size_t)(ne - t->name);
        t->attrs = ne;
        t->nattrs = (size_t)((t->empty ? gt - 1 : gt) - ne);
        x->p = gt + 1;
        return true;
    }
}

/* The value of attribute name in the tag (raw, arena), or NULL. */
static const char *attr(struct arena *a, const struct xtag *t, const char *name)
{
    size_t n = strlen(name);
    const char *p = t->attrs, *end = t->attrs + t->nattrs;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
            p++;
        const char *k = p;
        while (p < end && *p != '=' && *p != ' ')
            p++;
        size_t kl = (size_t)(p - k);
        if (p >= end || *p != '=' || p + 1 >= end || (p[1] != '"' && p[1] != '\''))
            return NULL;
        char q = p[1];
        const char *v = p + 2, *ve = memchr(v, q, (size_t)(end - v));
        if (!ve)
            return NULL;
        if (kl == n && !memcmp(k, name, n))
            return arena_strndup(a, v, (size_t)(ve - v));
        p = ve + 1;
    }
    return NULL;
}

/* Appends UTF-8 of code point cp. */
static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Appends the decoded text s[0..n) to *buf (arena, grown as needed). */
static void append_text(struct arena *a, char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n * 2 + 8 > *cap) {
        size_t nc = (*cap ? *cap * 2 : 64) + n * 2 + 8;
        char *nb = arena_alloc(a, nc);
        if (*len)
            memcpy(nb, *buf, *len);
        *buf = nb;
        *cap = nc;
    }
    char *o = *buf + *len;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '&') {
            *o++ = s[i];
            continue;
        }
        const char *semi = memchr(s + i, ';', n - i < 12 ? n - i : 12);
        if (!semi) {
            *o++ = '&';
            continue;
        }
        size_t el = (size_t)(semi - (s + i));
        const char *e = s + i + 1;
        uint32_t cp = 0;
        bool ok = true;
        if (el == 3 && !memcmp(e, "lt", 2))
            cp = '<';
        else if (el == 3 && !memcmp(e, "gt", 2))
            cp = '>';
        else if (el == 4 && !memcmp(e, "amp", 3))
            cp = '&';
        else if (el == 5 && !memcmp(e, "quot", 4))
            cp = '"';
        else if (el == 5 && !memcmp(e, "apos", 4))
            cp = '\'';
        else if (el >= 3 && e[0] == '#') {
            bool hex = e[1] == 'x' || e[1] == 'X';
            for (const char *q = e + (hex ? 2 : 1); q < semi && ok; q++) {
                int d = *q >= '0' && *q <= '9'          ? *q - '0'
                        : hex && *q >= 'a' && *q <= 'f' ? *q - 'a' + 10
                        : hex && *q >= 'A' && *q <= 'F' ? *q - 'A' + 10
                                                        : -1;
                ok = d >= 0 && cp < 0x110000;
                cp = cp * (hex ? 16u : 10u) + (uint32_t)(d < 0 ? 0 : d);
            }
            ok = ok && cp > 0 && cp < 0x110000 && !(cp >= 0xD800 && cp <= 0xDFFF);
        } else {
            ok = false;
        }
        if (!ok) {
            *o++ = '&';
            continue;
        }
        o += put_utf8(o, cp);
        i += el;
    }
    *len = (size_t)(o - *buf);
    (*buf)[*len] = 0;
}

/* The shared strings (<si> items, each the join of its <t> texts outside <rPh>). */
static enum err shared_strings(struct arena *a, const char *s, size_t n, char ***out, int *nout, char *msg,
                               size_t msglen)
{
    struct xml x = {s, s + n};
    struct xtag t;
    int cap = 256, cnt = 0, rph = 0;
    char **arr = arena_alloc(a, sizeof *arr * (size_t)cap);
    char *buf = NULL;
    size_t len = 0, bcap = 0;
    bool in_si = false, in_t = false;
    while (xml_next(&x, &t)) {
        if (in_t && rph == 0)
            append_text(a, &buf, &len, &bcap, t.text, t.ntext);
        in_t = false;
        if (name_is(&t, "rPh"))
            rph += t.closing ? -1 : t.empty ? 0 : 1;
        else if (name_is(&t, "si") && !t.closing) {
            in_si = !t.empty;
            buf = arena_strdup(a, "");
            len = bcap = 0;
            if (t.empty) {
                if (cnt == cap) {
                    char **na = arena_alloc(a, sizeof *na * (size_t)cap * 2);
                    memcpy(na, arr, sizeof *na * (size_t)cap);
                    arr = na;
                    cap *= 2;
                }
                arr[cnt++] = buf;
            }
        } else if (name_is(&t, "si") && t.closing && in_si) {
            if (cnt >= XLSX_CELLS_MAX)
                return fail(msg, msglen, "工作簿的文字过多（超过 %d 项）", XLSX_CELLS_MAX);
            if (cnt == cap) {
                char **na = arena_alloc(a, sizeof *na * (size_t)cap * 2);
                memcpy(na, arr, sizeof *na * (size_t)cap);
                arr = na;
                cap *= 2;
            }
            arr[cnt++] = buf ? buf : arena_strdup(a, "");
            in_si = false;
        } else if (name_is(&t, "t") && !t.closing && !t.empty && in_si) {
            in_t = true;
        }
    }
    *out = arr;
    *nout = cnt;
    return ERR_OK;
}

/* Column index of a cell reference ("B7" -> 1), -1 when there is none. */
static int column_of(const char *ref)
{
    int col = 0, n = 0;
    for (; ref && *ref >= 'A' && *ref <= 'Z' && n < 4; ref++, n++)
        col = col * 26 + (*ref - 'A' + 1);
    return n && n < 4 ? col - 1 : -1;
}

enum err xlsx_parse(struct arena *a, const char *shared, size_t nshared, const char *sheet, size_t nsheet,
                    struct xlsx_sheet *out, char *msg, size_t msglen)
{
    out->rows = NULL;
    out->nrows = 0;
    char **ss = NULL;
    int nss = 0;
    enum err e;
    if (shared && (e = shared_strings(a, shared, nshared, &ss, &nss, msg, msglen)))
        return e;
    struct xml x = {sheet, sheet + nsheet};
    struct xtag t;
    int rcap = 64, cells = 0;
    out->rows = arena_alloc(a, sizeof *out->rows * (size_t)rcap);
    struct xlsx_row *row = NULL;
    int ccap = 0, col = -1, row_no = 0;
    const char *ctype = NULL, *value = NULL;
    char *text = NULL;
    size_t tlen = 0, tcap = 0;
    bool in_cell = false, in_v = false, in_t = false, in_data = false;
    while (xml_next(&x, &t)) {
        if (in_v || in_t)
            append_text(a, &text, &tlen, &tcap, t.text, t.ntext);
        if (in_v && name_is(&t, "v") && t.closing)
            value = text ? text : "";
        in_v = in_t = false;
        if (name_is(&t, "sheetData"))
            in_data = !t.closing && !t.empty;
        if (!in_data)
            continue;
        if (name_is(&t, "row") && !t.closing) {
            const char *r = attr(a, &t, "r");
            row_no = r ? atoi(r) : row_no + 1;
            if (row_no <= 0 || row_no > 1048576)
                return fail(msg, msglen, "工作表的行号无效");
            if (out->nrows == rcap) {
                struct xlsx_row *nr = arena_alloc(a, sizeof *nr * (size_t)rcap * 2);
                memcpy(nr, out->rows, sizeof *nr * (size_t)rcap);
                out->rows = nr;
                rcap *= 2;
            }
            row = &out->rows[out->nrows++];
            *row = (struct xlsx_row){row_no, NULL, 0};
            ccap = 0;
            col = -1;
            continue;
        }
        if (name_is(&t, "c") && !t.closing) {
            if (!row)
                return fail(msg, msglen, "工作表格式错误：单元格不在行内");
            int c = column_of(attr(a, &t, "r"));
            col = c >= 0 ? c : col + 1;
            if (col > 16383)
                return fail(msg, msglen, "工作表的列过多");
            if (++cells > XLSX_CELLS_MAX)
                return fail(msg, msglen, "工作表过大（超过 %d 个单元格）", XLSX_CELLS_MAX);
            ctype = attr(a, &t, "t");
            value = NULL;
            text = NULL;
            tlen = tcap = 0;
            in_cell = !t.empty;
            if (!in_cell)
                continue; /* an empty cell */
            continue;
        }
        if (in_cell && name_is(&t, "v") && !t.closing && !t.empty) {
            in_v = true;
            text = NULL;
            tlen = tcap = 0;
            continue;
        }
        if (in_cell && name_is(&t, "t") && !t.closing && !t.empty) {
            in_t = true; /* inline string text accumulates into text */
            continue;
        }
        if (in_cell && name_is(&t, "c") && t.closing) {
            in_cell = false;
            const char *v = "";
            if (ctype && !strcmp(ctype, "s")) {
                int k = value ? atoi(value) : -1;
                if (k < 0 || k >= nss)
                    return fail(msg, msglen, "工作表格式错误：共享字符串编号 %d 不存在", k);
                v = ss[k];
            } else if (ctype && !strcmp(ctype, "inlineStr")) {
                v = text ? text : "";
            } else if (ctype && !strcmp(ctype, "b")) {
                v = value && !strcmp(value, "1") ? "TRUE" : "FALSE";
            } else {
                v = value ? value : "";
            }
            if (col >= ccap) {
                int nc = col + 8 > ccap * 2 ? col + 8 : ccap * 2;
                char **ncl = arena_alloc(a, sizeof *ncl * (size_t)nc);
                for (int i = 0; i < nc; i++)
                    ncl[i] = i < row->ncells ? row->cells[i] : "";
                row->cells = ncl;
                ccap = nc;
            }
            row->cells[col] = (char *)v;
            if (col + 1 > row->ncells)
                row->ncells = col + 1;
        }
    }
    /* rows without any cell are dropped */
    int k = 0;
    for (int i = 0; i < out->nrows; i++)
        if (out->rows[i].ncells)
            out->rows[k++] = out->rows[i];
    out->nrows = k;
    return ERR_OK;
}

/* Reads one entry of the archive into the arena (NUL-terminated); NULL when absent or too large. */
static char *entry(struct arena *a, zip_t *z, const char *name, size_t *n, bool *too_large)
{
    zip_stat_t st;
    *too_large = false;
    if (zip_stat(z, name, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
        return NULL;
    if (st.size > XLSX_ENTRY_MAX) {
        *too_large = true;
        return NULL;
    }
    zip_file_t *f = zip_fopen(z, name, 0);
    if (!f)
        return NULL;
    char *buf = arena_alloc(a, (size_t)st.size + 1);
    zip_int64_t got = 0, r;
    while (got < (zip_int64_t)st.size && (r = zip_fread(f, buf + got, st.size - (zip_uint64_t)got)) > 0)
        got += r;
    zip_fclose(f);
    if (got != (zip_int64_t)st.size)
        return NULL;
    buf[got] = 0;
    *n = (size_t)got;
    return buf;
}

/* The first sheet's part: from the workbook's first <sheet> and its relationship, else sheet1.xml. */
static const char *first_sheet(struct arena *a, zip_t *z)
{
    size_t n;
    bool big;
    char *wb = entry(a, z, "xl/workbook.xml", &n, &big);
    char *rels = wb ? entry(a, z, "xl/_rels/workbook.xml.rels", &n, &big) : NULL;
    const char *rid = NULL;
    if (wb && rels) {
        struct xml x = {wb, wb + strlen(wb)};
        struct xtag t;
        while (!rid && xml_next(&x, &t))
            if (name_is(&t, "sheet") && !t.closing)
                rid = attr(a, &t, "r:id") ? attr(a, &t, "r:id") : attr(a, &t, "id");
        struct xml y = {rels, rels + strlen(rels)};
        while (rid && xml_next(&y, &t)) {
            const char *id = name_is(&t, "Relationship") ? attr(a, &t, "Id") : NULL;
            const char *target = id ? attr(a, &t, "Target") : NULL;
            if (target && !strcmp(id, rid))
                return target[0] == '/' ? target + 1 : arena_printf(a, "xl/%s", target);
        }
    }
    return "xl/worksheets/sheet1.xml";
}

/* Reads the first worksheet of the open workbook z and closes it. */
static enum err read_zip(struct arena *a, zip_t *z, struct xlsx_sheet *out, char *msg, size_t msglen)
{
    size_t ns = 0, nsheet = 0;
    bool big1 = false, big2 = false;
    char *shared = entry(a, z, "xl/sharedStrings.xml", &ns, &big1);
    const char *part = first_sheet(a, z);
    char *sheet = entry(a, z, part, &nsheet, &big2);
    zip_close(z);
    if (big1 || big2)
        return fail(msg, msglen, "工作簿过大（单个部件超过 %d MB）", XLSX_ENTRY_MAX / (1024 * 1024));
    if (!sheet)
        return fail(msg, msglen, "工作簿中没有工作表");
    return xlsx_parse(a, shared, ns, sheet, nsheet, out, msg, msglen);
}

enum err xlsx_read(struct arena *a, const char *path, struct xlsx_sheet *out, char *msg, size_t msglen)
{
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
    if (!z)
        return fail(msg, msglen, "不是有效的 XLSX 工作簿");
    return read_zip(a, z, out, msg, msglen);
}

enum err xlsx_read_mem(struct arena *a, const void *data, size_t len, struct xlsx_sheet *out, char *msg, size_t msglen)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    zip_error_fini(&ze);
    if (!z) {
        if (src)
            zip_source_free(src);
        return fail(msg, msglen, "不是有效的 XLSX 工作簿");
    }
    return read_zip(a, z, out, msg, msglen);
}

bool xlsx_date(const char *cell, char out[11])
{
    if (!cell || !*cell)
        return false;
    char *end;
    double serial = strtod(cell, &end);
    if (*end == 0 && serial >= 1 && serial < 2958466) {
        /* days since 1899-12-30 (Excel's 1900 system, its phantom 1900-02-29 included) */
        int64_t days = (int64_t)serial - 25569; /* 1970-01-01 is serial 25569 */
        int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
        int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
        int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
        snprintf(out, 11, "%04d-%02d-%02d", (int)(y + (m <= 2)), (int)m, (int)d);
        return true;
    }
    int y, m, d;
    char sep1[4] = {0};
    if (sscanf(cell, "%4d-%2d-%2d", &y, &m, &d) == 3 || sscanf(cell, "%4d/%2d/%2d", &y, &m, &d) == 3 ||
        sscanf(cell, "%4d.%2d.%2d", &y, &m, &d) == 3 ||
        (sscanf(cell, "%4d年%2d%3[^0-9]%2d", &y, &m, sep1, &d) == 4 && !strcmp(sep1, "月"))) {
        if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > 31)
            return false;
        snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
        return true;
    }
    return false;
}
