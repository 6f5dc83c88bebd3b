/* table.c: a table from an XLSX workbook or a UTF-8 CSV file (table.h). */
#include "base/table.h"

#include "base/csv.h"
#include "base/utf8.h"
#include "base/xlsx.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* s without leading and trailing spaces, tabs, line breaks and full-width spaces (U+3000) (arena). */
static char *trim(struct arena *a, const char *s)
{
    size_t n = strlen(s);
    for (;;) {
        if (n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) {
            s++, n--;
        } else if (n >= 3 && !memcmp(s, "\xe3\x80\x80", 3)) {
            s += 3, n -= 3;
        } else
            break;
    }
    for (;;) {
        if (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
            n--;
        else if (n >= 3 && !memcmp(s + n - 3, "\xe3\x80\x80", 3))
            n -= 3;
        else
            break;
    }
    return arena_strndup(a, s, n);
}

static enum err fail(char *msg, size_t msglen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static enum err fail(char *msg, size_t msglen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, msglen, fmt, ap);
    va_end(ap);
    return ERR_INVALID;
}

/* Appends one row, growing the arrays by doubling. */
static void add_row(struct arena *a, struct table *t, int *cap, char **cells, int ncells, int row_no)
{
    if (t->nrows == *cap) {
        int ncap = *cap ? *cap * 2 : 64;
        char ***rows = arena_alloc(a, sizeof *rows * (size_t)ncap);
        int *nc = arena_alloc(a, sizeof *nc * (size_t)ncap), *rn = arena_alloc(a, sizeof *rn * (size_t)ncap);
        if (t->nrows) {
            memcpy(rows, t->rows, sizeof *rows * (size_t)t->nrows);
            memcpy(nc, t->ncells, sizeof *nc * (size_t)t->nrows);
            memcpy(rn, t->row_no, sizeof *rn * (size_t)t->nrows);
        }
        t->rows = rows, t->ncells = nc, t->row_no = rn, *cap = ncap;
    }
    for (int i = 0; i < ncells; i++)
        cells[i] = trim(a, cells[i]);
    t->rows[t->nrows] = cells;
    t->ncells[t->nrows] = ncells;
    t->row_no[t->nrows++] = row_no;
}

enum err table_read(struct arena *a, const char *data, size_t len, struct table *out, char *msg, size_t msglen)
{
    *out = (struct table){0};
    int cap = 0;
    if (len >= 4 && !memcmp(data, "PK\3\4", 4)) {
        struct xlsx_sheet s;
        if (xlsx_read_mem(a, data, len, &s, msg, msglen))
            return ERR_INVALID;
        for (int i = 0; i < s.nrows; i++) {
            for (int k = 0; k < s.rows[i].ncells; k++)
                if (!utf8_valid(s.rows[i].cells[k], strlen(s.rows[i].cells[k])))
                    return fail(msg, msglen, "第 %d 行有不是 UTF-8 的文字", s.rows[i].number);
            add_row(a, out, &cap, s.rows[i].cells, s.rows[i].ncells, s.rows[i].number);
        }
    } else {
        if (!utf8_valid(data, len))
            return fail(msg, msglen, "请上传 XLSX 工作簿或 UTF-8 编码的 CSV 文件（Excel 另存为“CSV UTF-8”）");
        struct csv_reader r;
        csv_init(&r, data, len);
        char **fields;
        int nf;
        while ((nf = csv_next(&r, a, &fields)) != 0) {
            if (nf < 0)
                return fail(msg, msglen, "CSV 第 %d 行的引号未闭合", r.line);
            add_row(a, out, &cap, fields, nf, r.record);
        }
    }
    if (out->nrows < 1)
        return fail(msg, msglen, "导入文件是空的");
    return ERR_OK;
}

void table_columns(const struct table *t, const char *const (*headings)[8], int n, int *col)
{
    for (int k = 0; k < n; k++) {
        col[k] = -1;
        for (int i = 0; t->nrows && i < t->ncells[0] && col[k] < 0; i++)
            for (int h = 0; h < 8 && headings[k][h] && col[k] < 0; h++)
                if (!strcmp(t->rows[0][i], headings[k][h]))
                    col[k] = i;
    }
}

const char *table_cell(const struct table *t, int r, int col)
{
    return col >= 0 && r >= 0 && r < t->nrows && col < t->ncells[r] ? t->rows[r][col] : "";
}

const char *table_column_name(struct arena *a, int col)
{
    char name[8];
    int n = 0;
    char rev[8];
    for (int v = col + 1; v > 0 && n < 7; v = (v - 1) / 26)
        rev[n++] = (char)('A' + (v - 1) % 26);
    for (int i = 0; i < n; i++)
        name[i] = rev[n - 1 - i];
    name[n] = 0;
    return arena_strdup(a, name);
}
