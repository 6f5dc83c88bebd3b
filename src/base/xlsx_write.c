/* xlsx_write.c: a streamed XLSX writer (xlsx_write.h). */
#include "base/xlsx_write.h"

#include "base/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#define FLUSH_AT 65536
#define MAX_SHEETS 8
#define NS_MAIN "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define NS_PKG "http://schemas.openxmlformats.org/package/2006/relationships"
#define XML_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"

struct sheet {
    char *name;
    int ncols;
    FILE *f; /* the sheet's XML (unlinked temporary file; libzip reads it at close) */
    struct buf b;
    int row;  /* the open row (0-based), -1 before the first */
    int rows; /* rows written */
    bool filter;
};

struct xlsxw {
    char *path, *tmpdir;
    struct xlsxw_format *formats;
    int nformats;
    struct sheet sheets[MAX_SHEETS];
    int nsheets;
    bool failed;
    char why[128];
};

static void fail(struct xlsxw *w, const char *why)
{
    if (!w->failed)
        snprintf(w->why, sizeof w->why, "%s", why);
    w->failed = true;
}

static void put(struct sheet *s, const char *p, size_t n)
{
    if (!buf_append(&s->b, p, n))
        abort(); /* out of memory */
}

static void puts_(struct sheet *s, const char *p)
{
    put(s, p, strlen(p));
}

static void flush(struct xlsxw *w, struct sheet *s)
{
    if (s->b.len && s->f && fwrite(s->b.data, 1, s->b.len, s->f) != s->b.len)
        fail(w, "写入临时文件出错");
    buf_reset(&s->b);
}

/* Decimal digits of v (v ≥ 0) at p; returns the count. */
static size_t put_uint(char *p, unsigned long v)
{
    char t[24];
    size_t n = 0;
    do
        t[n++] = (char)('0' + v % 10);
    while ((v /= 10));
    for (size_t i = 0; i < n; i++)
        p[i] = t[n - 1 - i];
    return n;
}

/* Text escaped for XML element content: & < >, and control characters as Excel writes them (_xHHHH_).
 * At most XLSXW_MAX_TEXT characters. */
static void put_escaped(struct sheet *s, const char *t)
{
    const char *run = t;
    size_t chars = 0;
    const char *p = t;
    for (; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if ((ch & 0xC0) != 0x80 && ++chars > XLSXW_MAX_TEXT)
            break;
        const char *rep = NULL;
        char ctl[8];
        if (ch == '&')
            rep = "&amp;";
        else if (ch == '<')
            rep = "&lt;";
        else if (ch == '>')
            rep = "&gt;";
        else if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') {
            snprintf(ctl, sizeof ctl, "_x%04X_", ch);
            rep = ctl;
        }
        if (rep) {
            put(s, run, (size_t)(p - run));
            puts_(s, rep);
            run = p + 1;
        }
    }
    put(s, run, (size_t)(p - run));
}

/* The column letters of col (0-based) into p; returns the count. */
static int col_letters(int col, char *p)
{
    char t[4];
    int n = 0;
    for (int c = col + 1; c > 0; c = (c - 1) / 26)
        t[n++] = (char)('A' + (c - 1) % 26);
    for (int i = 0; i < n; i++)
        p[i] = t[n - 1 - i];
    p[n] = 0;
    return n;
}

/* Opens the row of a cell and writes `<c r="B7"`; false (and the workbook failed) when out of order. */
static bool cell_open(struct xlsxw *w, int sheet, int row, int col, int format)
{
    if (w->failed || sheet < 0 || sheet >= w->nsheets)
        return false;
    struct sheet *s = &w->sheets[sheet];
    if (row < s->row || row >= XLSXW_MAX_ROWS || col < 0 || col >= 16384) {
        fail(w, row >= XLSXW_MAX_ROWS ? "超过工作表的行数上限" : "单元格顺序错误");
        return false;
    }
    char tmp[64];
    size_t n = 0;
    if (row != s->row) {
        if (s->row >= 0)
            puts_(s, "</row>");
        if (s->b.len >= FLUSH_AT)
            flush(w, s);
        memcpy(tmp, "<row r=\"", 8);
        n = 8 + put_uint(tmp + 8, (unsigned long)row + 1);
        memcpy(tmp + n, "\">", 2);
        put(s, tmp, n + 2);
        s->row = row;
        s->rows = row + 1;
    }
    memcpy(tmp, "<c r=\"", 6);
    n = 6 + (size_t)col_letters(col, tmp + 6);
    n += put_uint(tmp + n, (unsigned long)row + 1);
    tmp[n++] = '"';
    if (format > 0 && format <= w->nformats) {
        memcpy(tmp + n, " s=\"", 4);
        n += 4;
        n += put_uint(tmp + n, (unsigned long)format);
        tmp[n++] = '"';
    }
    put(s, tmp, n);
    return true;
}

void xlsxw_text(struct xlsxw *w, int sheet, int row, int col, const char *t, int format)
{
    if (!t || !*t || !cell_open(w, sheet, row, col, format))
        return;
    struct sheet *s = &w->sheets[sheet];
    size_t len = strlen(t);
    bool keep = strchr(" \t\n\r", t[0]) || strchr(" \t\n\r", t[len - 1]);
    puts_(s, keep ? " t=\"inlineStr\"><is><t xml:space=\"preserve\">" : " t=\"inlineStr\"><is><t>");
    put_escaped(s, t);
    puts_(s, "</t></is></c>");
}

void xlsxw_number(struct xlsxw *w, int sheet, int row, int col, double v, int format)
{
    if (!cell_open(w, sheet, row, col, format))
        return;
    char tmp[48];
    size_t n;
    if (v == (double)(long)v && v > -1e15 && v < 1e15)
        n = v < 0 ? (tmp[0] = '-', 1 + put_uint(tmp + 1, (unsigned long)-(long)v)) : put_uint(tmp, (unsigned long)v);
    else
        n = (size_t)snprintf(tmp, sizeof tmp, "%.17g", v);
    struct sheet *s = &w->sheets[sheet];
    puts_(s, "><v>");
    put(s, tmp, n);
    puts_(s, "</v></c>");
}

double xlsxw_serial(int y, int m, int d, int hh, int mm)
{
    /* days from 1970-01-01 (Howard Hinnant's days_from_civil), then from 1899-12-30 (25,569 days earlier) */
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long days = era * 146097 + doe - 719468 + 25569;
    return (double)days + (hh * 60 + mm) / 1440.0;
}

void xlsxw_datetime(struct xlsxw *w, int sheet, int row, int col, int y, int m, int d, int hh, int mm, int format)
{
    xlsxw_number(w, sheet, row, col, xlsxw_serial(y, m, d, hh, mm), format);
}

bool xlsxw_ok(const struct xlsxw *w)
{
    return !w->failed;
}

int xlsxw_rows(const struct xlsxw *w, int sheet)
{
    return sheet >= 0 && sheet < w->nsheets ? w->sheets[sheet].rows : 0;
}

void xlsxw_autofilter(struct xlsxw *w, int sheet)
{
    if (sheet >= 0 && sheet < w->nsheets)
        w->sheets[sheet].filter = true;
}

struct xlsxw *xlsxw_open(const char *path, const char *tmpdir, const struct xlsxw_format *formats, int nformats)
{
    struct xlsxw *w = calloc(1, sizeof *w);
    if (!w)
        abort();
    w->path = strdup(path);
    w->tmpdir = strdup(tmpdir);
    w->formats = calloc((size_t)nformats + 1, sizeof *w->formats);
    if (!w->path || !w->tmpdir || !w->formats)
        abort();
    memcpy(w->formats, formats, sizeof *formats * (size_t)nformats);
    w->nformats = nformats;
    FILE *f = fopen(path, "wb"); /* the file can be created (libzip writes it at close) */
    if (!f) {
        free(w->formats);
        free(w->path);
        free(w->tmpdir);
        free(w);
        return NULL;
    }
    fclose(f);
    return w;
}

static void xml_escape_into(struct buf *b, const char *t)
{
    for (; *t; t++)
        switch (*t) {
        case '&':
            buf_puts(b, "&amp;");
            break;
        case '<':
            buf_puts(b, "&lt;");
            break;
        case '>':
            buf_puts(b, "&gt;");
            break;
        case '"':
            buf_puts(b, "&quot;");
            break;
        default:
            buf_append(b, t, 1);
        }
}

int xlsxw_sheet(struct xlsxw *w, const char *name, const struct xlsxw_col *cols, int ncols, int head)
{
    if (w->failed || w->nsheets == MAX_SHEETS)
        return -1;
    for (int i = 0; i < w->nsheets; i++)
        if (w->sheets[i].row > 0) /* a sheet after rows were written: keep the order simple */
            return -1;
    char *tmp = malloc(strlen(w->tmpdir) + 32);
    if (!tmp)
        abort();
    sprintf(tmp, "%s/xlsx-sheet-XXXXXX", w->tmpdir);
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w+b") : NULL;
    if (fd >= 0)
        unlink(tmp); /* nothing left behind, whatever happens */
    free(tmp);
    if (!f) {
        if (fd >= 0)
            close(fd);
        fail(w, "无法创建临时文件");
        return -1;
    }
    int k = w->nsheets++;
    struct sheet *s = &w->sheets[k];
    s->name = strdup(name);
    if (!s->name)
        abort();
    s->f = f;
    s->ncols = ncols;
    s->row = -1;
    struct buf *b = &s->b;
    buf_puts(b, XML_HEAD "<worksheet xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\"><sheetViews><sheetView ");
    if (k == 0)
        buf_puts(b, "tabSelected=\"1\" ");
    buf_puts(b, "workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" "
                "state=\"frozen\"/><selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/></sheetView>"
                "</sheetViews><sheetFormatPr defaultRowHeight=\"15\"/><cols>");
    for (int c = 0; c < ncols; c++) {
        buf_printf(b, "<col min=\"%d\" max=\"%d\" width=\"%.4f\" customWidth=\"1\"", c + 1, c + 1,
                   cols[c].width + 0.7109375);
        if (cols[c].format > 0 && cols[c].format <= w->nformats)
            buf_printf(b, " style=\"%d\"", cols[c].format);
        buf_puts(b, "/>");
    }
    buf_puts(b, "</cols><sheetData>");
    for (int c = 0; c < ncols; c++)
        xlsxw_text(w, k, 0, c, cols[c].head, head);
    return k;
}

/* ---- the package ---- */

static void styles_xml(const struct xlsxw *w, struct buf *b)
{
    buf_puts(b, XML_HEAD "<styleSheet xmlns=\"" NS_MAIN "\">");
    int nnum = 0;
    for (int i = 0; i < w->nformats; i++)
        nnum += w->formats[i].numfmt != NULL;
    if (nnum) {
        buf_printf(b, "<numFmts count=\"%d\">", nnum);
        for (int i = 0, id = 164; i < w->nformats; i++)
            if (w->formats[i].numfmt) {
                buf_printf(b, "<numFmt numFmtId=\"%d\" formatCode=\"", id++);
                xml_escape_into(b, w->formats[i].numfmt);
                buf_puts(b, "\"/>");
            }
        buf_puts(b, "</numFmts>");
    }
    buf_puts(b, "<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>"
                "<font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font></fonts>");
    int nfill = 0;
    for (int i = 0; i < w->nformats; i++)
        nfill += w->formats[i].fill != 0;
    buf_printf(b,
               "<fills count=\"%d\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill "
               "patternType=\"gray125\"/></fill>",
               2 + nfill);
    for (int i = 0; i < w->nformats; i++)
        if (w->formats[i].fill)
            buf_printf(b,
                       "<fill><patternFill patternType=\"solid\"><fgColor rgb=\"FF%06X\"/><bgColor indexed=\"64\"/>"
                       "</patternFill></fill>",
                       (unsigned)(w->formats[i].fill & 0xFFFFFF));
    buf_puts(b, "</fills><borders count=\"2\"><border><left/><right/><top/><bottom/><diagonal/></border><border>"
                "<left style=\"thin\"><color auto=\"1\"/></left><right style=\"thin\"><color auto=\"1\"/></right>"
                "<top style=\"thin\"><color auto=\"1\"/></top><bottom style=\"thin\"><color auto=\"1\"/></bottom>"
                "<diagonal/></border></borders><cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" "
                "borderId=\"0\"/></cellStyleXfs>");
    buf_printf(b, "<cellXfs count=\"%d\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>",
               w->nformats + 1);
    for (int i = 0, num = 164, fill = 2; i < w->nformats; i++) {
        const struct xlsxw_format *f = &w->formats[i];
        buf_printf(b,
                   "<xf numFmtId=\"%d\" fontId=\"%d\" fillId=\"%d\" borderId=\"%d\" xfId=\"0\" applyNumberFormat=\"1\" "
                   "applyFont=\"1\" applyFill=\"1\" applyBorder=\"1\" applyAlignment=\"1\"",
                   f->numfmt ? num++ : 0, f->bold, f->fill ? fill++ : 0, f->border);
        if (f->center || f->wrap)
            buf_printf(b, "><alignment%s%s/></xf>", f->center ? " horizontal=\"center\"" : "",
                       f->wrap ? " wrapText=\"1\"" : "");
        else
            buf_puts(b, "/>");
    }
    buf_puts(b, "</cellXfs><cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
                "</styleSheet>");
}

static void workbook_xml(const struct xlsxw *w, struct buf *b)
{
    buf_puts(b, XML_HEAD "<workbook xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\"><bookViews><workbookView "
                         "activeTab=\"0\"/></bookViews><sheets>");
    for (int i = 0; i < w->nsheets; i++) {
        buf_puts(b, "<sheet name=\"");
        xml_escape_into(b, w->sheets[i].name);
        buf_printf(b, "\" sheetId=\"%d\" r:id=\"rId%d\"/>", i + 1, i + 1);
    }
    buf_puts(b, "</sheets>");
    bool any = false;
    for (int i = 0; i < w->nsheets; i++) {
        const struct sheet *s = &w->sheets[i];
        if (!s->filter || !s->ncols)
            continue;
        if (!any)
            buf_puts(b, "<definedNames>");
        any = true;
        char last[8];
        col_letters(s->ncols - 1, last);
        buf_printf(b, "<definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"%d\" hidden=\"1\">'", i);
        for (const char *p = s->name; *p; p++) /* a quote in a sheet name is doubled */
            *p == '\'' ? buf_puts(b, "''") : buf_append(b, p, 1);
        struct buf name = {0};
        buf_printf(&name, "'!$A$1:$%s$%d", last, s->rows > 1 ? s->rows : 1);
        xml_escape_into(b, name.data);
        buf_free(&name);
        buf_puts(b, "</definedName>");
    }
    if (any)
        buf_puts(b, "</definedNames>");
    buf_puts(b, "</workbook>");
}

/* Ends a sheet's XML and flushes it. */
static void sheet_end(struct xlsxw *w, struct sheet *s)
{
    if (s->row >= 0)
        puts_(s, "</row>");
    puts_(s, "</sheetData>");
    if (s->filter && s->ncols) {
        char last[8], tail[64];
        col_letters(s->ncols - 1, last);
        snprintf(tail, sizeof tail, "<autoFilter ref=\"A1:%s%d\"/>", last, s->rows > 1 ? s->rows : 1);
        puts_(s, tail);
    }
    puts_(s, "<pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" "
             "footer=\"0.3\"/></worksheet>");
    flush(w, s);
    if (s->f && fflush(s->f) != 0)
        fail(w, "写入临时文件出错");
}

/* Adds a part; level 0: libzip's default deflate level. The source is libzip's from here on. */
static bool add_part(zip_t *z, const char *name, zip_source_t *src, int level)
{
    zip_int64_t i = src ? zip_file_add(z, name, src, ZIP_FL_ENC_UTF_8) : -1;
    if (i < 0) {
        zip_source_free(src);
        return false;
    }
    return !level || zip_set_file_compression(z, (zip_uint64_t)i, ZIP_CM_DEFLATE, (zip_uint32_t)level) == 0;
}

static void free_sheets(struct xlsxw *w)
{
    for (int i = 0; i < w->nsheets; i++) {
        if (w->sheets[i].f)
            fclose(w->sheets[i].f);
        buf_free(&w->sheets[i].b);
        free(w->sheets[i].name);
    }
    free(w->formats);
    free(w->path);
    free(w->tmpdir);
    free(w);
}

bool xlsxw_close(struct xlsxw *w, char *err, size_t errlen)
{
    for (int i = 0; i < w->nsheets; i++)
        sheet_end(w, &w->sheets[i]);
    struct buf parts[5] = {{0}};
    buf_puts(&parts[0], XML_HEAD "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
                                 "<Default Extension=\"rels\" ContentType=\"application/"
                                 "vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" "
                                 "ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" "
                                 "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet."
                                 "main+xml\"/><Override PartName=\"/xl/styles.xml\" ContentType=\"application/"
                                 "vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>");
    for (int i = 0; i < w->nsheets; i++)
        buf_printf(&parts[0],
                   "<Override PartName=\"/xl/worksheets/sheet%d.xml\" ContentType=\"application/"
                   "vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>",
                   i + 1);
    buf_puts(&parts[0], "</Types>");
    buf_puts(&parts[1], XML_HEAD "<Relationships xmlns=\"" NS_PKG "\"><Relationship Id=\"rId1\" Type=\"" NS_REL
                                 "/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>");
    workbook_xml(w, &parts[2]);
    buf_puts(&parts[3], XML_HEAD "<Relationships xmlns=\"" NS_PKG "\">");
    for (int i = 0; i < w->nsheets; i++)
        buf_printf(&parts[3],
                   "<Relationship Id=\"rId%d\" Type=\"" NS_REL "/worksheet\" Target=\"worksheets/sheet%d.xml\"/>",
                   i + 1, i + 1);
    buf_printf(&parts[3],
               "<Relationship Id=\"rId%d\" Type=\"" NS_REL "/styles\" Target=\"styles.xml\"/>"
               "</Relationships>",
               w->nsheets + 1);
    styles_xml(w, &parts[4]);
    static const char *const names[5] = {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml",
                                         "xl/_rels/workbook.xml.rels", "xl/styles.xml"};
    int zerr = 0;
    zip_t *z = w->failed ? NULL : zip_open(w->path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (!z)
        fail(w, "无法创建文件");
    for (int i = 0; z && !w->failed && i < 5; i++)
        if (!add_part(z, names[i], zip_source_buffer(z, parts[i].data, parts[i].len, 0), 0))
            fail(w, zip_strerror(z));
    for (int i = 0; z && !w->failed && i < w->nsheets; i++) {
        char name[40];
        snprintf(name, sizeof name, "xl/worksheets/sheet%d.xml", i + 1);
        rewind(w->sheets[i].f); /* libzip reads from the file's position */
        zip_source_t *src = zip_source_filep(z, w->sheets[i].f, 0, -1);
        if (src)
            w->sheets[i].f = NULL; /* libzip closes it */
        if (!add_part(z, name, src, 1))
            fail(w, zip_strerror(z));
    }
    if (z && !w->failed && zip_close(z) != 0) {
        fail(w, zip_strerror(z));
        zip_discard(z); /* not closed: still ours to free */
    } else if (z && w->failed) {
        zip_discard(z);
    }
    for (int i = 0; i < 5; i++)
        buf_free(&parts[i]);
    bool ok = !w->failed;
    if (!ok) {
        snprintf(err, errlen, "%s", w->why);
        unlink(w->path);
    }
    free_sheets(w);
    return ok;
}
