/*
 * pdf.c: the GB/T 9704-2012 page and the four supervision documents drawn on it.
 *
 * Coordinates are PDF points from the top-left corner of the page. The body text sits on a
 * fixed grid: 22 lines in the 225 mm 版心 (one line = 10.23 mm) and 28 characters across
 * 156 mm (3号 = 16 pt with a small negative letter spacing). A "flow" keeps the current
 * position and starts a new page when a line would cross the bottom of the 版心.
 */
#include "docs/pdf.h"
#include "base/utf8.h"
#include "docs/pdf_cache.h"

#include <cairo-pdf.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>

#define MM(x) ((x)*72.0 / 25.4)
#define PAGE_W MM(210.0)
#define PAGE_H MM(297.0)
#define LEFT MM(28.0)
#define TOP MM(37.0)
#define TEXT_W MM(156.0)
#define TEXT_H MM(225.0)
#define BOTTOM (TOP + TEXT_H)
#define LINES 22         /* lines per page of the body grid */
#define PITCH (p->pitch) /* the grid's line advance: TEXT_H / 22, tightened to fit a signature */
#define SIZE_BODY 16.0   /* 3号 */
#define SIZE_TITLE 22.0  /* 2号 */
#define SIZE_PAGENO 14.0 /* 4号 */
#define SIZE_TABLE 10.5  /* 5号 */

static const double RED[3] = {0.90, 0.0, 0.07};
static const double BLACK[3] = {0, 0, 0};

static const struct {
    const char *name, *label;
} kinds[DOC__COUNT] = {
    [DOC_NOTICE] = {"notice", "督办通知"},
    [DOC_REMINDER] = {"reminder", "催办通知"},
    [DOC_RECORD] = {"record", "督办事项办理情况"},
    [DOC_LIST] = {"list", "督办事项清单"},
};

bool doc_kind_parse(const char *name, enum doc_kind *out)
{
    for (int k = 0; k < DOC__COUNT; k++)
        if (name && !strcmp(name, kinds[k].name)) {
            *out = (enum doc_kind)k;
            return true;
        }
    return false;
}

const char *doc_kind_name(enum doc_kind k)
{
    return (unsigned)k < DOC__COUNT ? kinds[k].name : "?";
}

const char *doc_kind_label(enum doc_kind k)
{
    return (unsigned)k < DOC__COUNT ? kinds[k].label : "?";
}

struct pdf {
    cairo_surface_t *surf;
    cairo_t *cr;
    struct arena *a;
    const struct pdf_fonts *fonts;
    double y; /* top of the next line */
    int page; /* 1-based number of the page being drawn */
    struct buf *out;
    bool oom;
    double pitch;
    bool orphan; /* the signature had to start a page of its own */
};

static cairo_status_t write_cb(void *closure, const unsigned char *data, unsigned int len)
{
    struct pdf *p = closure;
    if (!buf_append(p->out, data, len)) {
        p->oom = true;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

/* ---- text ---- */

enum align { AL_LEFT, AL_CENTER, AL_RIGHT, AL_JUSTIFY };

struct style {
    const char *font;
    double size;
    enum align align;
    double indent; /* first-line indent in characters */
    double left;   /* left inset of every line, in points */
    double width;  /* 0: the 版心 width minus left */
    const double *color;
    double pitch;   /* line advance; 0: the body grid */
    double spacing; /* letter spacing in points */
};

static PangoLayout *make_layout(struct pdf *p, const char *text, const struct style *s)
{
    PangoLayout *l = pango_cairo_create_layout(p->cr);
    PangoFontDescription *fd = pango_font_description_from_string(s->font);
    pango_font_description_set_absolute_size(fd, s->size * PANGO_SCALE);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    double width = s->width > 0 ? s->width : TEXT_W - s->left;
    pango_layout_set_width(l, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_indent(l, (int)(s->indent * (s->size + s->spacing) * PANGO_SCALE));
    pango_layout_set_alignment(l, s->align == AL_CENTER  ? PANGO_ALIGN_CENTER
                                  : s->align == AL_RIGHT ? PANGO_ALIGN_RIGHT
                                                         : PANGO_ALIGN_LEFT);
    pango_layout_set_justify(l, s->align == AL_JUSTIFY);
    if (s->spacing != 0) {
        PangoAttrList *al = pango_attr_list_new();
        pango_attr_list_insert(al, pango_attr_letter_spacing_new((int)(s->spacing * PANGO_SCALE)));
        pango_layout_set_attributes(l, al);
        pango_attr_list_unref(al);
    }
    pango_layout_set_text(l, text, -1);
    return l;
}

static void finish_page(struct pdf *p);

static void new_page(struct pdf *p)
{
    finish_page(p);
    cairo_show_page(p->cr);
    p->page++;
    p->y = TOP;
}

/* Page number "— N —" in 4号 type, its top 7 mm below the 版心; odd right, even left, one character in. */
static void finish_page(struct pdf *p)
{
    char txt[32];
    snprintf(txt, sizeof txt, "— %d —", p->page);
    struct style s = {p->fonts->body, SIZE_PAGENO, AL_LEFT, 0, 0, 0, BLACK, 0, 0};
    PangoLayout *l = make_layout(p, txt, &s);
    pango_layout_set_width(l, -1);
    PangoRectangle ink, log;
    pango_layout_get_pixel_extents(l, &ink, &log);
    double x = p->page % 2 ? LEFT + TEXT_W - SIZE_PAGENO - log.width : LEFT + SIZE_PAGENO;
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    cairo_move_to(p->cr, x, BOTTOM + MM(7.0) - ink.y);
    pango_cairo_show_layout(p->cr, l);
    g_object_unref(l);
}

/* Draws a paragraph line by line on the grid; returns the y of the last line's top. */
static double para(struct pdf *p, const char *text, const struct style *s)
{
    if (!text)
        return p->y;
    PangoLayout *l = make_layout(p, text, s);
    double pitch = s->pitch > 0 ? s->pitch : PITCH;
    double last = p->y;
    PangoLayoutIter *it = pango_layout_get_iter(l);
    do {
        if (p->y + pitch > BOTTOM + 0.5)
            new_page(p);
        PangoLayoutLine *line = pango_layout_iter_get_line_readonly(it);
        PangoRectangle logical;
        pango_layout_iter_get_line_extents(it, NULL, &logical);
        int baseline = pango_layout_iter_get_baseline(it);
        double lh = logical.height / (double)PANGO_SCALE;
        double top = p->y + (pitch - lh) / 2;
        double base = top + (baseline - logical.y) / (double)PANGO_SCALE;
        cairo_set_source_rgb(p->cr, s->color[0], s->color[1], s->color[2]);
        cairo_move_to(p->cr, LEFT + s->left + logical.x / (double)PANGO_SCALE, base);
        pango_cairo_show_layout_line(p->cr, line);
        last = p->y;
        p->y += pitch;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    g_object_unref(l);
    return last;
}

static struct style body_style(struct pdf *p)
{
    return (struct style){p->fonts->body, SIZE_BODY, AL_JUSTIFY, 2, 0, 0, BLACK, 0, -0.21};
}

static void body(struct pdf *p, const char *text)
{
    struct style s = body_style(p);
    para(p, text, &s);
}

/* First-level heading "一、…" in the 黑体 role. */
static void heading(struct pdf *p, const char *text)
{
    if (p->y + PITCH * 3 > BOTTOM) /* keep a heading with what follows it */
        new_page(p);
    struct style s = body_style(p);
    s.font = p->fonts->heading;
    para(p, text, &s);
}

static void blank(struct pdf *p, double lines)
{
    p->y += PITCH * lines;
}

/* ---- the 版头 (header), title and closing ---- */

/* Red issuing-authority header 35 mm below the top of the 版心, number, red rule; then the title. */
/* The 版头: the header in red, the number below it; when issuer is given (a 简报's head: 督查专报,
 * 督查简报) the issuer left and the date right on the line under the number; then the red rule. */
static void masthead_as(struct pdf *p, const char *header, const char *number, const char *issuer, const char *date)
{
    struct style hs = {p->fonts->title, 44.0, AL_LEFT, 0, 0, 0, RED, 0, 0};
    PangoLayout *l = make_layout(p, header, &hs);
    pango_layout_set_width(l, -1);
    PangoRectangle ink, log;
    pango_layout_get_extents(l, &ink, &log);
    double w = log.width / (double)PANGO_SCALE, scale = 1.0;
    if (w > TEXT_W * 0.96)
        scale = TEXT_W * 0.96 / w;
    double top = TOP + MM(35.0);
    cairo_save(p->cr);
    cairo_set_source_rgb(p->cr, RED[0], RED[1], RED[2]);
    cairo_translate(p->cr, LEFT + (TEXT_W - w * scale) / 2, top - ink.y / (double)PANGO_SCALE);
    cairo_scale(p->cr, scale, 1.0);
    cairo_move_to(p->cr, 0, 0);
    pango_cairo_show_layout(p->cr, l);
    cairo_restore(p->cr);
    double header_bottom = top + ink.height / (double)PANGO_SCALE;
    g_object_unref(l);

    /* 发文字号: two blank lines below the header, centred */
    p->y = header_bottom + PITCH * 2 - PITCH * 0.5;
    struct style ns = body_style(p);
    ns.align = AL_CENTER;
    ns.indent = 0;
    double num_top = para(p, number && *number ? number : " ", &ns);
    if (issuer) {
        ns.align = AL_LEFT;
        para(p, issuer, &ns);
        p->y -= PITCH;
        ns.align = AL_RIGHT;
        num_top = para(p, doc_date_cn(p->a, date), &ns);
    }
    /* the red rule 4 mm below the number */
    double rule = num_top + PITCH / 2 + SIZE_BODY * 0.5 + MM(4.0);
    cairo_set_source_rgb(p->cr, RED[0], RED[1], RED[2]);
    cairo_set_line_width(p->cr, MM(0.6));
    cairo_move_to(p->cr, LEFT, rule);
    cairo_line_to(p->cr, LEFT + TEXT_W, rule);
    cairo_stroke(p->cr);
    p->y = rule + PITCH * 1.5;
}

static void masthead(struct pdf *p, const struct doc_office *o, const char *number)
{
    masthead_as(p, o->header && *o->header ? o->header : o->issuer, number, NULL, NULL);
}

static void title(struct pdf *p, const char *text)
{
    struct style s = {p->fonts->title, SIZE_TITLE, AL_CENTER, 0, 0, 0, BLACK, SIZE_TITLE * 1.5, 0};
    para(p, text, &s);
}

/* The five-pointed star centred at (cx, cy) with outer radius r. */
static void star(cairo_t *cr, double cx, double cy, double r)
{
    for (int i = 0; i < 10; i++) {
        double a = -M_PI / 2 + i * M_PI / 5, rr = i % 2 ? r * 0.382 : r;
        double x = cx + rr * cos(a), y = cy + rr * sin(a);
        if (i == 0)
            cairo_move_to(cr, x, y);
        else
            cairo_line_to(cr, x, y);
    }
    cairo_close_path(cr);
    cairo_fill(cr);
}

/* Splits UTF-8 text into characters (arena). */
static int utf8_chars(struct arena *a, const char *s, const char ***out)
{
    int n = 0;
    size_t len = strlen(s);
    const char **v = arena_alloc(a, sizeof *v * (len + 1));
    for (const char *q = s; *q;) {
        size_t k = 1, left = strlen(q);
        unsigned char c = (unsigned char)*q;
        if (c >= 0xf0)
            k = 4;
        else if (c >= 0xe0)
            k = 3;
        else if (c >= 0xc0)
            k = 2;
        if (k > left)
            k = left;
        v[n++] = arena_strndup(a, q, k);
        q += k;
    }
    *out = v;
    return n;
}

/*
 * A red electronic seal: ring, the unit's name along the upper arc, a star, "电子签章" below it;
 * with the signer, time and the first 16 digits of the key fingerprint in small type underneath.
 */
static void seal_mark(struct pdf *p, double cx, double cy, const struct doc_seal *s)
{
    cairo_t *cr = p->cr;
    double R = MM(21.0);
    cairo_save(cr);
    cairo_set_source_rgba(cr, RED[0], RED[1], RED[2], 0.85);
    cairo_set_line_width(cr, MM(1.2));
    /* the issuer and date were just drawn from a current point: without a new path the ring would begin with
     * a red line from there to its start */
    cairo_new_path(cr);
    cairo_arc(cr, cx, cy, R - MM(0.6), 0, 2 * M_PI);
    cairo_stroke(cr);
    star(cr, cx, cy, MM(6.5));

    const char **ch;
    int n = utf8_chars(p->a, s->unit && *s->unit ? s->unit : "电子印章", &ch);
    double size = n > 14 ? MM(4.2) : MM(5.2);
    double step = fmin(M_PI * 1.35 / n, 0.42), span = step * n;
    double rt = R - MM(1.4) - size * 0.62;
    struct style cs = {p->fonts->body, size, AL_LEFT, 0, 0, 0, RED, 0, 0};
    for (int i = 0; i < n; i++) {
        double th = -M_PI / 2 - span / 2 + (i + 0.5) * step;
        PangoLayout *l = make_layout(p, ch[i], &cs);
        pango_layout_set_width(l, -1);
        PangoFontDescription *fd = pango_font_description_from_string(p->fonts->title);
        pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
        pango_layout_set_font_description(l, fd);
        pango_font_description_free(fd);
        PangoRectangle log;
        pango_layout_get_extents(l, NULL, &log);
        cairo_save(cr);
        cairo_translate(cr, cx + rt * cos(th), cy + rt * sin(th));
        cairo_rotate(cr, th + M_PI / 2);
        cairo_move_to(cr, -log.width / 2.0 / PANGO_SCALE, -log.height / 2.0 / PANGO_SCALE);
        pango_cairo_show_layout(cr, l);
        cairo_restore(cr);
        g_object_unref(l);
    }
    struct style ls = {p->fonts->body, MM(3.2), AL_LEFT, 0, 0, 0, RED, 0, 0};
    PangoLayout *l = make_layout(p, "电子签章", &ls);
    pango_layout_set_width(l, -1);
    PangoRectangle log;
    pango_layout_get_extents(l, NULL, &log);
    cairo_move_to(cr, cx - log.width / 2.0 / PANGO_SCALE, cy + MM(8.5));
    pango_cairo_show_layout(cr, l);
    g_object_unref(l);
    cairo_restore(cr);

    /* the signature's particulars, in small grey type below the seal */
    char fp[17] = "";
    snprintf(fp, sizeof fp, "%s", s->fingerprint ? s->fingerprint : "");
    const char *info = arena_printf(p->a, "签章人：%s　时间：%s\n印章指纹：%s", s->signer ? s->signer : "",
                                    doc_time_cn(p->a, s->signed_at), fp);
    static const double GREY[3] = {0.35, 0.35, 0.35};
    struct style is = {p->fonts->body, 8.0, AL_CENTER, 0, 0, MM(80.0), GREY, 0, 0};
    l = make_layout(p, info, &is);
    cairo_set_source_rgb(cr, GREY[0], GREY[1], GREY[2]);
    cairo_move_to(cr, cx - MM(40.0), cy + R + MM(1.5));
    pango_cairo_show_layout(cr, l);
    g_object_unref(l);
}

/*
 * Issuer and 成文日期. Without a seal: the issuer two characters in from the right, the date
 * below it moved two characters right. With a seal: the date four characters in from the right,
 * the issuer centred over it and the seal pressed over both (GB/T 9704-2012 7.3.5).
 */
static void signature(struct pdf *p, const char *issuer, const char *date, const struct doc_seal *seal)
{
    const char *date_cn = doc_date_cn(p->a, date);
    double ch = SIZE_BODY - 0.21;
    struct style s = body_style(p);
    s.indent = 0;
    s.align = AL_RIGHT;
    /* the signature never stands alone on a page: drop the blank line before moving on */
    double need = PITCH * (seal ? 3 : 2), gap = PITCH * (seal ? 2 : 1);
    if (p->y + gap + need <= BOTTOM)
        p->y += gap;
    else if (p->y + need > BOTTOM) {
        new_page(p);
        p->orphan = true;
    }
    if (!seal) {
        s.width = TEXT_W - 2 * ch;
        double issuer_top = para(p, issuer, &s);
        (void)issuer_top;
        /* the date starts two characters right of the issuer's first character */
        PangoLayout *li = make_layout(p, issuer, &s), *ld = make_layout(p, date_cn, &s);
        PangoRectangle ri, rd;
        pango_layout_get_extents(li, NULL, &ri);
        pango_layout_get_extents(ld, NULL, &rd);
        double issuer_x = TEXT_W - 2 * ch - ri.width / (double)PANGO_SCALE;
        double date_w = rd.width / (double)PANGO_SCALE;
        g_object_unref(li);
        g_object_unref(ld);
        double right_gap = TEXT_W - (issuer_x + 2 * ch) - date_w;
        s.width = TEXT_W - (right_gap > 0 ? right_gap : 0);
        para(p, date_cn, &s);
        return;
    }
    s.width = TEXT_W - 4 * ch;
    PangoLayout *ld = make_layout(p, date_cn, &s);
    PangoRectangle rd;
    pango_layout_get_extents(ld, NULL, &rd);
    g_object_unref(ld);
    double date_w = rd.width / (double)PANGO_SCALE;
    double date_cx = LEFT + TEXT_W - 4 * ch - date_w / 2;
    struct style c = s;
    c.align = AL_CENTER;
    c.width = 2 * (TEXT_W - 4 * ch - date_w / 2);
    double issuer_top = para(p, issuer, &c);
    para(p, date_cn, &s);
    seal_mark(p, date_cx, issuer_top + PITCH, seal);
    p->y += MM(12.0);
}

/* 版记 at the foot of the last page: 抄送 and 印发 between rules, in 4号 type. */
/* The 版记 with its first line "<label>：<list>。" (抄送, or a briefing's 发) when the list is not empty. */
static void colophon_as(struct pdf *p, const struct doc_office *o, const char *date, const char *label,
                        const char *list)
{
    double line = SIZE_PAGENO * 1.9;
    bool cc = list && *list;
    double h = line * (cc ? 2 : 1);
    if (p->y + h + MM(2.0) > BOTTOM)
        new_page(p);
    double top = BOTTOM - h;
    cairo_t *cr = p->cr;
    cairo_set_source_rgb(cr, 0, 0, 0);
    double y = top;
    cairo_set_line_width(cr, MM(0.35));
    cairo_move_to(cr, LEFT, y);
    cairo_line_to(cr, LEFT + TEXT_W, y);
    cairo_stroke(cr);
    struct style s = {p->fonts->body, SIZE_PAGENO, AL_LEFT, 0, SIZE_PAGENO, TEXT_W - 2 * SIZE_PAGENO, BLACK, line, 0};
    double save = p->y;
    if (cc) {
        p->y = y;
        para(p, arena_printf(p->a, "%s：%s。", label, list), &s);
        y += line;
        cairo_set_line_width(cr, MM(0.25));
        cairo_move_to(cr, LEFT, y);
        cairo_line_to(cr, LEFT + TEXT_W, y);
        cairo_stroke(cr);
    }
    p->y = y;
    para(p, o->issuer, &s);
    p->y = y;
    s.align = AL_RIGHT;
    para(p, arena_printf(p->a, "%s印发", doc_date_cn(p->a, date)), &s);
    y += line;
    cairo_set_line_width(cr, MM(0.35));
    cairo_move_to(cr, LEFT, y);
    cairo_line_to(cr, LEFT + TEXT_W, y);
    cairo_stroke(cr);
    p->y = save > y ? save : y;
}

static void colophon(struct pdf *p, const struct doc_office *o, const char *date)
{
    colophon_as(p, o, date, "抄送", o->copy_to);
}

/* ---- tables (record and list) ---- */

struct column {
    const char *head;
    double frac; /* share of the 版心 width */
};

static double cell_height(struct pdf *p, const char *text, double w, const struct style *s)
{
    struct style cs = *s;
    cs.width = w - 6;
    PangoLayout *l = make_layout(p, text ? text : "", &cs);
    PangoRectangle log;
    pango_layout_get_extents(l, NULL, &log);
    g_object_unref(l);
    return log.height / (double)PANGO_SCALE + 7;
}

static void draw_row(struct pdf *p, const struct column *cols, int ncol, const char *const *cells, bool head)
{
    struct style s = {head ? p->fonts->heading : p->fonts->body, SIZE_TABLE, AL_LEFT, 0, 0, 0, BLACK, 0, 0};
    double h = 0;
    for (int i = 0; i < ncol; i++) {
        double hh = cell_height(p, cells[i], cols[i].frac * TEXT_W, &s);
        if (hh > h)
            h = hh;
    }
    if (p->y + h > BOTTOM) {
        new_page(p);
        if (!head) {
            const char **hc = arena_alloc(p->a, sizeof *hc * (size_t)ncol);
            for (int i = 0; i < ncol; i++)
                hc[i] = cols[i].head;
            draw_row(p, cols, ncol, hc, true);
        }
    }
    double x = LEFT;
    cairo_t *cr = p->cr;
    for (int i = 0; i < ncol; i++) {
        double w = cols[i].frac * TEXT_W;
        if (head) {
            cairo_set_source_rgb(cr, 0.93, 0.93, 0.93);
            cairo_rectangle(cr, x, p->y, w, h);
            cairo_fill(cr);
        }
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_set_line_width(cr, 0.6);
        cairo_rectangle(cr, x, p->y, w, h);
        cairo_stroke(cr);
        struct style cs = s;
        cs.width = w - 6;
        cs.align = head ? AL_CENTER : AL_LEFT;
        PangoLayout *l = make_layout(p, cells[i] ? cells[i] : "", &cs);
        cairo_move_to(cr, x + 3, p->y + 3.5);
        pango_cairo_show_layout(cr, l);
        g_object_unref(l);
        x += w;
    }
    p->y += h;
}

static void table_head(struct pdf *p, const struct column *cols, int ncol);

/* A table of registered / completed / on time / overdue per row (a unit or a government) and the totals row. */
static void figures_table(struct pdf *p, const struct doc_bulletin *b, const char *who,
                          const struct doc_bulletin_unit *rows, int n, const char *total)
{
    const struct column uc[] = {{who, 0.40}, {"交办", 0.15}, {"办结", 0.15}, {"按期办结", 0.15}, {"超期未办结", 0.15}};
    table_head(p, uc, 5);
    for (int i = 0; i < n; i++) {
        const struct doc_bulletin_unit *u = &rows[i];
        const char *cells[] = {u->name, arena_printf(p->a, "%d", u->registered), arena_printf(p->a, "%d", u->completed),
                               arena_printf(p->a, "%d", u->on_time), arena_printf(p->a, "%d", u->overdue)};
        draw_row(p, uc, 5, cells, false);
    }
    if (!total) /* a selection of rows: no totals */
        return;
    const char *tot[] = {total, arena_printf(p->a, "%d", b->registered), arena_printf(p->a, "%d", b->completed),
                         arena_printf(p->a, "%d", b->on_time), arena_printf(p->a, "%d", b->overdue)};
    draw_row(p, uc, 5, tot, false);
}

static void table_head(struct pdf *p, const struct column *cols, int ncol)
{
    const char **hc = arena_alloc(p->a, sizeof *hc * (size_t)ncol);
    for (int i = 0; i < ncol; i++)
        hc[i] = cols[i].head;
    draw_row(p, cols, ncol, hc, true);
}

/* ---- the documents ---- */

static const char *units_joined(struct pdf *p, const struct doc_item *it, bool with_lead)
{
    const char *s = with_lead ? it->lead_unit : "";
    for (int i = 0; i < it->nco; i++)
        s = arena_printf(p->a, "%s%s%s", s, *s ? "、" : "", it->co_units[i]);
    return s;
}

static void addressees(struct pdf *p, const struct doc_item *it)
{
    struct style s = body_style(p);
    s.indent = 0;
    blank(p, 1);
    para(p, arena_printf(p->a, "%s：", units_joined(p, it, true)), &s);
}

static void doc_notice(struct pdf *p, const struct pdf_job *j)
{
    const struct doc_item *it = j->item;
    masthead(p, j->office, it->number);
    title(p, arena_printf(p->a, "关于督办%s的通知", it->title));
    addressees(p, it);
    const char *co = units_joined(p, it, false);
    const char *leader = it->leader && *it->leader ? arena_printf(p->a, "（分管领导：%s）", it->leader) : "";
    body(p, arena_printf(p->a, "%s%s，现将“%s”列为督办事项（编号%s），由%s牵头办理%s%s%s%s。现将有关事项通知如下：",
                         *it->source ? "根据" : "", *it->source ? it->source : "经研究", it->title, it->number,
                         it->lead_unit, *co ? "，" : "", co, *co ? "配合" : "", leader));
    heading(p, "一、督办内容");
    body(p, *it->content ? it->content : it->title);
    heading(p, "二、办理要求");
    const char *rule = it->resolution_rule && *it->resolution_rule ? it->resolution_rule : NULL;
    body(p, arena_printf(p->a, "（一）请于%s前办结%s%s%s，办结答复经单位主要负责人核签并加盖印章后报%s。",
                         doc_date_cn(p->a, it->deadline), rule ? "（" : "", rule ? rule : "", rule ? "）" : "",
                         j->office->issuer));
    body(p, arena_printf(p->a, "（二）%s%s确因客观原因不能按期办结的，应提前说明理由，提出时间节点和工作方案。",
                         it->limits ? it->limits : "", it->limits && *it->limits ? "；" : ""));
    if (*it->requirement)
        body(p, arena_printf(p->a, "（三）%s", it->requirement));
    if (it->nmilestones) {
        heading(p, "三、阶段目标");
        for (int i = 0; i < it->nmilestones; i++)
            body(p, arena_printf(p->a, "%d.%s，%s前完成。", i + 1, it->milestones[i].title,
                                 doc_date_cn(p->a, it->milestones[i].due)));
    }
    if (j->office->contact && *j->office->contact)
        body(p, arena_printf(p->a, "联系人及电话：%s", j->office->contact));
    signature(p, j->office->issuer, j->date, j->office->seal);
    colophon(p, j->office, j->date);
}

static void doc_reminder(struct pdf *p, const struct pdf_job *j)
{
    const struct doc_item *it = j->item;
    masthead(p, j->office, it->number);
    title(p, arena_printf(p->a, "关于催办%s的通知", it->title));
    addressees(p, it);
    const char *late = it->overdue_days > 0 ? arena_printf(p->a, "，已超过办结时限%d天", it->overdue_days) : "";
    body(p, arena_printf(p->a, "%s于%s以%s交办的“%s”，要求于%s前办结。截至%s，该事项尚未办结%s，当前办理进度为%d%%。",
                         j->office->issuer, *it->assigned_at ? doc_date_cn(p->a, it->assigned_at) : "前期", it->number,
                         it->title, doc_date_cn(p->a, it->deadline), doc_date_cn(p->a, j->date), late, it->progress));
    body(p, "请你单位高度重视，压实工作责任，加快推进办理，于收到本通知后3个工作日内将办理进展、存在问题和下一步措施书"
            "面报送；逾期仍未办结的，将按规定报政府主要领导，列入督查事项。");
    signature(p, j->office->issuer, j->date, j->office->seal);
    colophon(p, j->office, j->date);
}

/* The seal impression of `unit` on the item, or NULL. */
static const struct doc_seal *seal_of(const struct doc_item *it, const char *unit)
{
    for (int i = 0; i < it->nseals; i++)
        if (unit && !strcmp(it->seals[i].unit, unit))
            return &it->seals[i];
    return NULL;
}

/* Each unit's completion reply under its own name, then its signature and seal (核签); a unit that has not
 * replied or signed says so. Seals of units without a reply (a JSON model) follow at the end. */
static void record_replies(struct pdf *p, const struct pdf_job *j)
{
    const struct doc_item *it = j->item;
    static const char *const cn[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};
    for (int i = 0; i < it->nreplies; i++) {
        const struct doc_unit_reply *r = &it->replies[i];
        const char *n = i < 10 ? cn[i] : arena_printf(p->a, "%d", i + 1);
        if (i)
            blank(p, 1); /* clear of the seal's caption above */
        heading(p, arena_printf(p->a, "（%s）%s（%s）", n, r->unit, r->lead ? "牵头单位" : "责任单位"));
        body(p, r->text && *r->text ? r->text : "尚未提交办结答复。");
        const struct doc_seal *s = seal_of(it, r->unit);
        if (s)
            signature(p, s->unit, *s->signed_at ? doc_day_local(p->a, s->signed_at) : j->date, s);
        else if (r->signed_at && *r->signed_at)
            signature(p, r->unit, doc_day_local(p->a, r->signed_at), NULL);
        else if (r->text && *r->text)
            body(p, "（单位主要负责人尚未核签）");
        if (r->handling) { /* the report the completion started, filed to the issuing office (办理情况报告) */
            body(p, arena_printf(p->a, "办理情况报告（%s向交办单位报送%s）：%s%s",
                                 doc_date_cn(p->a, doc_day_local(p->a, r->handling_at)),
                                 r->handling_late ? "，逾期" : "", r->handling,
                                 *r->handling_file
                                     ? arena_printf(p->a, "（附件《%s》）", utf8_inner_title(p->a, r->handling_file))
                                     : ""));
        }
    }
    for (int i = 0; i < it->nseals; i++) {
        const struct doc_seal *s = &it->seals[i];
        bool shown = false;
        for (int k = 0; k < it->nreplies && !shown; k++)
            shown = it->replies[k].unit && !strcmp(it->replies[k].unit, s->unit);
        if (!shown)
            signature(p, s->unit, *s->signed_at ? doc_day_local(p->a, s->signed_at) : j->date, s);
    }
}

static void doc_record(struct pdf *p, const struct pdf_job *j)
{
    const struct doc_item *it = j->item;
    p->y = TOP;
    title(p, "督办事项办理情况");
    struct style sub = body_style(p);
    sub.align = AL_CENTER;
    sub.indent = 0;
    para(p, arena_printf(p->a, "（%s）", it->number), &sub);
    blank(p, 0.3);
    static const struct column kv[] = {{"项目", 0.2}, {"内容", 0.8}};
    const char *rows[][2] = {
        {"事项编号", it->number},
        {"督办事项", it->title},
        {"事项来源", it->source},
        {"督办内容", it->content},
        {"牵头单位", it->lead_unit},
        {"责任单位", units_joined(p, it, false)},
        {"分管领导", it->leader},
        {"交办日期", doc_date_cn(p->a, it->assigned_at)},
        {"办结时限", doc_date_cn(p->a, it->deadline)},
        {"办理状态", *doc_light_label(it->light)
                         ? arena_printf(p->a, "%s（%s，进度%d%%）", it->state, doc_light_label(it->light), it->progress)
                         : arena_printf(p->a, "%s（进度%d%%）", it->state, it->progress)},
        {"办结日期", doc_date_cn(p->a, it->completed_at)},
        {"办结等次", it->grade ? it->grade : ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        draw_row(p, kv, 2, rows[i], false);

    static const char *const num[] = {"一", "二", "三", "四", "五"};
    int sec = 0;
    if (it->nmilestones) {
        blank(p, 0.5);
        heading(p, arena_printf(p->a, "%s、阶段目标", num[sec++]));
        static const struct column mc[] = {{"序号", 0.08}, {"阶段目标", 0.52}, {"时限", 0.2}, {"完成情况", 0.2}};
        table_head(p, mc, 4);
        for (int i = 0; i < it->nmilestones; i++) {
            const struct doc_milestone *m = &it->milestones[i];
            const char *cells[] = {arena_printf(p->a, "%d", i + 1), m->title, doc_date_cn(p->a, m->due),
                                   m->done ? arena_printf(p->a, "%s完成", doc_date_cn(p->a, m->done)) : "未完成"};
            draw_row(p, mc, 4, cells, false);
        }
    }
    if (it->nreports) {
        blank(p, 0.5);
        heading(p, arena_printf(p->a, "%s、进展报告", num[sec++]));
        static const struct column rc[] = {{"时间", 0.18}, {"报告单位", 0.18}, {"进度", 0.1}, {"办理情况", 0.54}};
        table_head(p, rc, 4);
        for (int i = 0; i < it->nreports; i++) {
            const struct doc_report *r = &it->reports[i];
            const char *cells[] = {doc_date_cn(p->a, r->at), r->unit, arena_printf(p->a, "%d%%", r->progress), r->text};
            draw_row(p, rc, 4, cells, false);
        }
    }
    if (it->nevents) {
        blank(p, 0.5);
        heading(p, arena_printf(p->a, "%s、办理过程", num[sec++]));
        static const struct column ec[] = {{"时间", 0.24}, {"办理人", 0.16}, {"环节", 0.18}, {"说明", 0.42}};
        table_head(p, ec, 4);
        for (int i = 0; i < it->nevents; i++) {
            const struct doc_event *e = &it->events[i];
            const char *cells[] = {doc_time_cn(p->a, e->at), e->actor, e->action, e->note};
            draw_row(p, ec, 4, cells, false);
        }
    }
    if (it->nreplies || it->nseals) {
        blank(p, 0.5);
        bool handling = false; /* a handling report filed by any unit names the section too */
        for (int i = 0; i < it->nreplies; i++)
            handling = handling || it->replies[i].handling;
        heading(p, arena_printf(p->a, "%s、办结答复%s", num[sec++], handling ? "和办理情况报告" : ""));
        record_replies(p, j);
    }
    blank(p, 0.5);
    struct style foot = body_style(p);
    foot.align = AL_RIGHT;
    foot.indent = 0;
    foot.size = SIZE_PAGENO;
    para(p, arena_printf(p->a, "%s　%s制表", j->office->issuer, doc_date_cn(p->a, j->date)), &foot);
}

static void doc_list(struct pdf *p, const struct pdf_job *j)
{
    p->y = TOP;
    title(p, j->list_title && *j->list_title ? j->list_title : "督办事项清单");
    struct style sub = body_style(p);
    sub.align = AL_CENTER;
    sub.indent = 0;
    sub.size = SIZE_PAGENO;
    para(p, arena_printf(p->a, "%s　截至%s　共%d项", j->office->issuer, doc_date_cn(p->a, j->date), j->nitems), &sub);
    if (j->filter && *j->filter)
        para(p, arena_printf(p->a, "筛选条件：%s", j->filter), &sub);
    blank(p, 0.3);
    static const struct column lc[] = {{"序号", 0.06},     {"编号", 0.19},     {"督办事项", 0.25}, {"牵头单位", 0.14},
                                       {"责任单位", 0.14}, {"办结时限", 0.11}, {"状态", 0.11}};
    table_head(p, lc, 7);
    for (int i = 0; i < j->nitems; i++) {
        const struct doc_item *it = &j->items[i];
        const char *cells[] = {arena_printf(p->a, "%d", i + 1),
                               it->number,
                               it->title,
                               it->lead_unit,
                               units_joined(p, it, false),
                               it->deadline,
                               arena_printf(p->a, "%s\n%s %d%%", it->state, doc_light_label(it->light), it->progress)};
        draw_row(p, lc, 7, cells, false);
    }
}

/* A size in words people read: "12 KB", "1.5 MB". */
static const char *size_words(struct arena *a, int64_t n)
{
    if (n >= 1048576)
        return arena_printf(a, "%.1f MB", (double)n / 1048576.0);
    if (n >= 1024)
        return arena_printf(a, "%lld KB", (long long)((n + 1023) / 1024));
    return arena_printf(a, "%lld B", (long long)n);
}

static void doc_contents(struct pdf *p, const struct pdf_job *j)
{
    const struct doc_contents *t = j->contents;
    p->y = TOP;
    title(p, "卷内目录");
    struct style sub = body_style(p);
    sub.align = AL_CENTER;
    sub.indent = 0;
    sub.size = SIZE_PAGENO;
    para(p,
         arena_printf(p->a, "%s《%s》　共%d件", t->number ? t->number : "", utf8_inner_title(p->a, t->title), t->nrows),
         &sub);
    blank(p, 0.3);
    static const struct column cc[] = {{"序号", 0.08}, {"题名", 0.34}, {"文件", 0.36}, {"页数", 0.08}, {"大小", 0.14}};
    table_head(p, cc, 5);
    for (int i = 0; i < t->nrows; i++) {
        const struct doc_contents_row *r = &t->rows[i];
        const char *cells[] = {arena_printf(p->a, "%d", i + 1), r->title, r->file,
                               r->pages > 0 ? arena_printf(p->a, "%d", r->pages) : "—", size_words(p->a, r->size)};
        draw_row(p, cc, 5, cells, false);
    }
    blank(p, 0.5);
    struct style foot = body_style(p);
    foot.align = AL_RIGHT;
    foot.indent = 0;
    foot.size = SIZE_PAGENO;
    para(p, arena_printf(p->a, "%s　%s立卷", j->office->issuer, doc_date_cn(p->a, j->date)), &foot);
}

/* The Chinese ordinals of numbered headings ("一、"). */
static const char *const NUMERALS[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};

/* True if a paragraph is a heading: it starts with a Chinese ordinal and "、" ("一、"). */
static bool is_heading(const char *t)
{
    for (size_t i = 0; i < sizeof NUMERALS / sizeof *NUMERALS; i++) {
        size_t n = strlen(NUMERALS[i]);
        if (!strncmp(t, NUMERALS[i], n) && !strncmp(t + n, "、", strlen("、")))
            return true;
    }
    return false;
}

/* A draft says so (草稿（未印发）): above the header's rule (or the title), right, in grey. */
static void draft_mark(struct pdf *p, const char *words)
{
    static const double GREY[3] = {0.45, 0.45, 0.45};
    struct style ds = {p->fonts->heading, SIZE_BODY, AL_RIGHT, 0, 0, 0, GREY, 0, 0};
    double y = p->y;
    p->y = TOP - MM(12.0);
    para(p, words, &ds);
    p->y = y;
}

static void doc_letter(struct pdf *p, const struct pdf_job *j)
{
    const struct doc_letter *l = j->letter;
    if (l->number)
        masthead(p, j->office, l->number);
    else
        p->y = TOP;
    if (l->draft)
        draft_mark(p, "草稿（未印发）");
    title(p, l->title);
    if (l->addressee && *l->addressee) {
        struct style s = body_style(p);
        s.indent = 0;
        blank(p, 1);
        para(p, arena_printf(p->a, "%s：", l->addressee), &s);
    } else {
        blank(p, 0.5);
    }
    for (int i = 0; i < l->nparagraphs; i++) {
        if (!*l->paragraphs[i])
            continue;
        if (is_heading(l->paragraphs[i]))
            heading(p, l->paragraphs[i]);
        else
            body(p, l->paragraphs[i]);
    }
    signature(p, j->office->issuer, j->date, j->office->seal);
    if (!l->draft)
        colophon(p, j->office, j->date);
}

/* ---- the bulletin (督查通报) ---- */

static const double CHART_COLORS[3][3] = {{0.31, 0.47, 0.65}, {0.35, 0.63, 0.31}, {0.88, 0.34, 0.35}};
static const char *const CHART_LEGEND[3] = {"交办", "办结", "超期未办结"};

/* Paragraphs of the office's words, one per line (blank lines skipped); a numbered line is a heading. */
static void words(struct pdf *p, const char *text)
{
    for (const char *q = text ? text : ""; *q;) {
        size_t n = strcspn(q, "\n");
        const char *line = arena_strndup(p->a, q, n);
        if (strspn(line, " \t\r") < n)
            (is_heading(line) ? heading : body)(p, line);
        q += n + (q[n] == '\n');
    }
}

/* The longest common prefix of the names, cut at a character boundary (the scope's name, which a chart's
 * labels need not repeat); 0 with fewer than two names, or when a name would vanish. */
static size_t common_prefix(const char *const *names, int n)
{
    if (n < 2)
        return 0;
    size_t k = strlen(names[0]);
    for (int i = 1; i < n; i++) {
        size_t j = 0;
        while (j < k && names[i][j] == names[0][j])
            j++;
        k = j;
    }
    while (k > 0 && ((unsigned char)names[0][k] & 0xc0) == 0x80)
        k--;
    for (int i = 0; i < n; i++)
        if (!names[i][k])
            return 0;
    return k;
}

/* The axis' upper bound: four ticks of a round step (1, 2, 5 × 10^k), at or above v. */
static int axis_max(int v)
{
    for (int step = 1;; step *= 10)
        for (int k = 1; k <= 5; k += k == 1 ? 1 : 3)
            if (v <= 4 * k * step)
                return 4 * k * step;
}

/* Text at (x, y) centred on x (align center) or right-aligned to x, in small type. */
static void small_text(struct pdf *p, const char *text, double x, double y, double w, enum align al, double size)
{
    struct style s = {p->fonts->body, size, al, 0, 0, w, BLACK, 0, 0};
    PangoLayout *l = make_layout(p, text, &s);
    cairo_set_source_rgb(p->cr, 0.15, 0.15, 0.15);
    cairo_move_to(p->cr, al == AL_CENTER ? x - w / 2 : al == AL_RIGHT ? x - w : x, y);
    pango_cairo_show_layout(p->cr, l);
    g_object_unref(l);
}

/* A chart's or a table's caption: centred, in the heading font at the table's size. */
static void caption(struct pdf *p, const char *text)
{
    struct style cap = body_style(p);
    cap.align = AL_CENTER;
    cap.indent = 0;
    cap.size = SIZE_TABLE;
    cap.font = p->fonts->heading;
    cap.pitch = SIZE_TABLE * 2;
    para(p, text, &cap);
}

/* The frame of a chart of three figures for each of n rows (vals): on a new page unless it fits, the plot's
 * geometry under the legend's room (axis_w for the axis' labels on the left, right kept free), the axis' round
 * bound over the values, and the grid of four ticks with their numbers. The caller draws the legend at p->y,
 * its marks and labels, then ends the chart with chart_end. */
struct chart_frame {
    double left, width, plot_h, base;
    int ymax;
};
#define CHART_H MM(78.0)
#define CHART_LEGEND_H MM(7.0)
#define CHART_LABEL_H MM(11.0)

static struct chart_frame chart_frame(struct pdf *p, int n, const int (*vals)[3], double axis_w, double right)
{
    if (p->y + CHART_H + PITCH > BOTTOM)
        new_page(p);
    struct chart_frame f;
    f.left = LEFT + axis_w;
    f.width = TEXT_W - axis_w - right;
    f.plot_h = CHART_H - CHART_LEGEND_H - CHART_LABEL_H - MM(7.0);
    f.base = p->y + CHART_LEGEND_H + f.plot_h;
    int maxv = 1;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 3; k++)
            if (vals[i][k] > maxv)
                maxv = vals[i][k];
    f.ymax = axis_max(maxv);
    cairo_t *cr = p->cr;
    cairo_set_line_width(cr, 0.4);
    for (int t = 0; t <= 4; t++) {
        double y = f.base - f.plot_h * t / 4;
        cairo_set_source_rgb(cr, t ? 0.85 : 0.2, t ? 0.85 : 0.2, t ? 0.85 : 0.2);
        cairo_move_to(cr, f.left, y);
        cairo_line_to(cr, f.left + f.width, y);
        cairo_stroke(cr);
        small_text(p, arena_printf(p->a, "%d", f.ymax / 4 * t), f.left - MM(1.2), y - 5.0, axis_w - MM(1.0), AL_RIGHT,
                   8.0);
    }
    return f;
}

/* Below the chart's labels: its caption. */
static void chart_end(struct pdf *p, const struct chart_frame *f, const char *cap)
{
    p->y = f->base + CHART_LABEL_H;
    caption(p, cap);
    blank(p, 0.3);
}

/* A bar chart of three figures for each of n rows (names[i], vals[i]; the first 12 at most, in the order given),
 * vector graphics drawn with cairo in the 版心, legend above, caption below. When every value is 0 there is no bar
 * to draw: the plot says `none` in words instead of standing empty. */
static void bars3(struct pdf *p, int n, const char *const *names, const int (*vals)[3], const char *const legend[3],
                  const char *cap, const char *none)
{
    if (n > 12)
        n = 12;
    if (n == 0)
        return;
    struct chart_frame f = chart_frame(p, n, vals, MM(9.0), 0);
    cairo_t *cr = p->cr;
    /* legend */
    double lx = LEFT + TEXT_W - MM(75.0);
    for (int k = 0; k < 3; k++) {
        cairo_set_source_rgb(cr, CHART_COLORS[k][0], CHART_COLORS[k][1], CHART_COLORS[k][2]);
        cairo_rectangle(cr, lx, p->y + MM(1.5), MM(3.5), MM(3.5));
        cairo_fill(cr);
        small_text(p, legend[k], lx + MM(4.5), p->y + MM(0.8), MM(21.0), AL_LEFT, 9.0);
        lx += MM(25.0);
    }
    /* the bars, with their values */
    size_t cut = common_prefix(names, n);
    double slot = f.width / n, bar = slot * 0.8 / 3;
    for (int i = 0; i < n; i++) {
        double x0 = f.left + slot * i + slot * 0.1;
        for (int k = 0; k < 3; k++) {
            double h = f.plot_h * vals[i][k] / f.ymax, x = x0 + bar * k;
            cairo_set_source_rgb(cr, CHART_COLORS[k][0], CHART_COLORS[k][1], CHART_COLORS[k][2]);
            cairo_rectangle(cr, x, f.base - h, bar * 0.92, h);
            cairo_fill(cr);
            if (vals[i][k])
                small_text(p, arena_printf(p->a, "%d", vals[i][k]), x + bar * 0.46, f.base - h - 9.5, bar * 1.6,
                           AL_CENTER, 7.0);
        }
        small_text(p, names[i] + cut, f.left + slot * i + slot / 2, f.base + MM(1.2), slot - 2, AL_CENTER, 7.5);
    }
    bool any = false;
    for (int i = 0; i < n && !any; i++)
        any = vals[i][0] || vals[i][1] || vals[i][2];
    if (!any)
        small_text(p, none, f.left + f.width / 2, f.base - f.plot_h / 2 - 6.0, f.width, AL_CENTER, 10.5);
    chart_end(p, &f, cap);
}

/* A line chart of three series over n points in time (names[i]: 1月…; vals[i]), vector graphics drawn with cairo
 * in the 版心: the axes with their titles (件数, 月份), a polyline with round markers per series, the last
 * point's values beside it, legend above, caption below. */
static void lines3(struct pdf *p, int n, const char *const *names, const int (*vals)[3], const char *const legend[3],
                   const char *cap)
{
    if (n < 2)
        return;
    struct chart_frame f = chart_frame(p, n, vals, MM(12.0), MM(8.0));
    cairo_t *cr = p->cr;
    /* legend: a short line with its marker per series */
    double lx = LEFT + TEXT_W - MM(96.0);
    for (int k = 0; k < 3; k++) {
        cairo_set_source_rgb(cr, CHART_COLORS[k][0], CHART_COLORS[k][1], CHART_COLORS[k][2]);
        cairo_set_line_width(cr, 1.4);
        cairo_move_to(cr, lx, p->y + MM(3.2));
        cairo_line_to(cr, lx + MM(6.0), p->y + MM(3.2));
        cairo_stroke(cr);
        cairo_arc(cr, lx + MM(3.0), p->y + MM(3.2), MM(0.8), 0, 2 * M_PI);
        cairo_fill(cr);
        small_text(p, legend[k], lx + MM(7.0), p->y + MM(0.8), MM(26.0), AL_LEFT, 9.0);
        lx += MM(k ? 36.0 : 28.0);
    }
    small_text(p, "件数", f.left - MM(1.2), p->y + MM(0.8), MM(11.0), AL_RIGHT, 8.0);
    double slot = f.width / n;
#define PX(i) (f.left + slot * (i) + slot / 2)
#define PY(v) (f.base - f.plot_h * (v) / f.ymax)
    for (int i = 0; i < n; i++)
        small_text(p, names[i], PX(i), f.base + MM(1.2), slot, AL_CENTER, 7.5);
    small_text(p, "月份", f.left + f.width + MM(1.0), f.base + MM(1.2), MM(8.0), AL_LEFT, 8.0);
    /* the series: a polyline each, its points marked, the last point's value beside it */
    for (int k = 0; k < 3; k++) {
        cairo_set_source_rgb(cr, CHART_COLORS[k][0], CHART_COLORS[k][1], CHART_COLORS[k][2]);
        cairo_set_line_width(cr, 1.4);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        for (int i = 0; i < n; i++)
            (i ? cairo_line_to : cairo_move_to)(cr, PX(i), PY(vals[i][k]));
        cairo_stroke(cr);
        for (int i = 0; i < n; i++) {
            cairo_arc(cr, PX(i), PY(vals[i][k]), MM(0.7), 0, 2 * M_PI);
            cairo_fill(cr);
        }
        small_text(p, arena_printf(p->a, "%d", vals[n - 1][k]), PX(n - 1) + MM(1.5), PY(vals[n - 1][k]) - 5.5, MM(8.0),
                   AL_LEFT, 7.0);
    }
#undef PX
#undef PY
    chart_end(p, &f, cap);
}

/* The line chart: the bulletin's totals month by month from January to the period's end (two months or more). */
static void trend_chart(struct pdf *p, const struct doc_bulletin *b)
{
    if (b->nmonths < 2)
        return;
    const char **names = arena_alloc(p->a, sizeof *names * (size_t)b->nmonths);
    int(*vals)[3] = arena_alloc(p->a, sizeof *vals * (size_t)b->nmonths);
    for (int i = 0; i < b->nmonths; i++) {
        names[i] = b->months[i].name;
        vals[i][0] = b->months[i].registered;
        vals[i][1] = b->months[i].completed;
        vals[i][2] = b->months[i].overdue;
    }
    static const char *const legend[3] = {"当月交办", "当月办结", "月末超期未办结"};
    lines3(p, b->nmonths, names, (const int(*)[3])vals, legend,
           arena_printf(p->a, "图 %d年1—%d月各月督办事项办理情况", b->trend_year, b->nmonths));
}

/* The bar chart: registered, completed and overdue items of each unit (at most 12, in the ranking's order). */
static void bar_chart(struct pdf *p, const struct doc_bulletin *b)
{
    int n = b->nunits < 12 ? b->nunits : 12;
    const char **names = arena_alloc(p->a, sizeof *names * (size_t)(n + 1));
    int(*vals)[3] = arena_alloc(p->a, sizeof *vals * (size_t)(n + 1));
    for (int i = 0; i < n; i++) {
        const struct doc_bulletin_unit *u = &b->units[i];
        names[i] = u->name;
        vals[i][0] = u->registered;
        vals[i][1] = u->completed;
        vals[i][2] = u->overdue;
    }
    bars3(p, n, names, (const int(*)[3])vals, CHART_LEGEND,
          n < b->nunits ? arena_printf(p->a, "图 各单位督办事项办理情况（超期未办结较多的前%d个单位）", n)
                        : "图 各单位督办事项办理情况",
          "本期各单位无新交办、办结或超期未办结的督办事项");
}

/* 通报批评整改情况: the criticisms with a rectification deadline, their units' reports and the office's review, per
 * unit (most overdue first), with a chart of the first twelve. */
static void criticisms_section(struct pdf *p, const struct doc_bulletin *b, const char *numeral)
{
    heading(p, arena_printf(p->a, "%s、通报批评整改情况", numeral));
    body(p, arena_printf(p->a,
                         "截至%s，%s印发的限期整改通报批评共%d件（%s新印发%d件），所涉单位已报送整改情况%d件%s，"
                         "经审核整改到位%d件%s；超过整改时限仍未报送整改情况%d件%s。",
                         doc_date_cn(p->a, b->as_of), b->below ? "本级及下级政府" : "本级政府", b->crit_total,
                         b->period, b->crit_issued, b->crit_reported,
                         b->crit_late ? arena_printf(p->a, "（其中超过整改时限报送%d件）", b->crit_late) : "",
                         b->crit_accepted,
                         b->crit_rate >= 0 ? arena_printf(p->a, "，整改完成率%d%%", b->crit_rate) : "", b->crit_overdue,
                         b->crit_overdue ? arena_printf(p->a, "，最长逾期%d个工作日", b->crit_workdays) : ""));
    static const struct column cc[] = {{"所涉单位", 0.24},  {"通报批评", 0.12}, {"已报送", 0.10},
                                       {"逾期报送", 0.12},  {"审核通过", 0.12}, {"逾期未报送", 0.15},
                                       {"逾期工作日", 0.15}};
    table_head(p, cc, 7);
    const char **names = arena_alloc(p->a, sizeof *names * (size_t)(b->ncrit + 1));
    int(*vals)[3] = arena_alloc(p->a, sizeof *vals * (size_t)(b->ncrit + 1));
    for (int i = 0; i < b->ncrit; i++) {
        const struct doc_bulletin_crit *u = &b->crit[i];
        const char *cells[] = {u->name,
                               arena_printf(p->a, "%d", u->criticisms),
                               arena_printf(p->a, "%d", u->reported),
                               arena_printf(p->a, "%d", u->late),
                               arena_printf(p->a, "%d", u->accepted),
                               arena_printf(p->a, "%d", u->overdue),
                               u->overdue ? arena_printf(p->a, "%d", u->workdays) : "—"};
        draw_row(p, cc, 7, cells, false);
        names[i] = u->name;
        vals[i][0] = u->reported;
        vals[i][1] = u->accepted;
        vals[i][2] = u->overdue;
    }
    blank(p, 0.5);
    static const char *const legend[3] = {"已报送", "审核通过", "逾期未报送"};
    bars3(p, b->ncrit, names, (const int(*)[3])vals, legend,
          b->ncrit > 12 ? "图 各单位通报批评整改情况（逾期未报送较多的前12个单位）" : "图 各单位通报批评整改情况",
          "所涉单位尚未报送整改情况，均未超过整改时限");
}

/* 预警提示: the items at risk before they are overdue, per unit (the first ten named in the sentence). */
static void warnings_section(struct pdf *p, const struct doc_bulletin *b, const char *numeral)
{
    heading(p, arena_printf(p->a, "%s、预警提示", numeral));
    const char *when = doc_date_cn(p->a, b->warn_as_of);
    if (!b->warn_items) {
        body(p, arena_printf(p->a, "截至%s，没有尚未超期但存在逾期风险的督办事项。", when));
        return;
    }
    const char *rank = "";
    for (int i = 0; i < b->nwarn && i < 10; i++)
        rank = arena_printf(p->a, "%s%s%s（%d件）", rank, i ? "、" : "", b->warn[i].name, b->warn[i].items);
    if (b->nwarn > 10)
        rank = arena_printf(p->a, "%s等%d个单位", rank, b->nwarn);
    body(p, arena_printf(p->a,
                         "截至%s，尚未超期但存在逾期风险（进度滞后于序时进度、多次申请延期、催办后未报送进展或临近"
                         "到期久未报送）的督办事项%d件，按预警事项数排序，依次为：%s。请有关单位对照预警及时推进，"
                         "按期办结。",
                         when, b->warn_items, rank));
    static const struct column wc[] = {{"单位", 0.32},      {"预警事项", 0.14},  {"进度滞后", 0.135},
                                       {"多次延期", 0.135}, {"催办未报", 0.135}, {"临期未报", 0.135}};
    table_head(p, wc, 6);
    for (int i = 0; i < b->nwarn; i++) {
        const struct doc_bulletin_warn *w = &b->warn[i];
        const char *cells[] = {w->name,
                               arena_printf(p->a, "%d", w->items),
                               arena_printf(p->a, "%d", w->pace),
                               arena_printf(p->a, "%d", w->extensions),
                               arena_printf(p->a, "%d", w->ignored),
                               arena_printf(p->a, "%d", w->silent)};
        draw_row(p, wc, 6, cells, false);
    }
}

/* The inspections' findings per inspected unit, then the findings themselves with their rectification state. */
static void findings_section(struct pdf *p, const struct doc_bulletin *b)
{
    if (!b->nfunits)
        return;
    body(p, arena_printf(p->a, "%d个被督查单位共有督查发现问题%d个，各单位问题及整改情况如下：", b->nfunits,
                         b->findings_total));
    static const struct column fc[] = {{"被督查单位", 0.35}, {"督查", 0.11},   {"发现问题", 0.13},
                                       {"已整改销号", 0.14}, {"整改中", 0.12}, {"超期未整改", 0.15}};
    table_head(p, fc, 6);
    for (int i = 0; i < b->nfunits; i++) {
        const struct doc_bulletin_funit *u = &b->funits[i];
        const char *cells[] = {u->name,
                               arena_printf(p->a, "%d", u->inspections),
                               arena_printf(p->a, "%d", u->findings),
                               arena_printf(p->a, "%d", u->verified),
                               arena_printf(p->a, "%d", u->rectifying),
                               arena_printf(p->a, "%d", u->overdue)};
        draw_row(p, fc, 6, cells, false);
    }
    if (!b->nfindings)
        return;
    blank(p, 0.5);
    static const struct column lc[] = {
        {"序号", 0.07}, {"被督查单位", 0.25}, {"督查发现的问题", 0.32}, {"整改时限", 0.20}, {"整改情况", 0.16}};
    table_head(p, lc, 5);
    for (int i = 0; i < b->nfindings; i++) {
        const struct doc_bulletin_finding *f = &b->findings[i];
        const char *state = !strcmp(f->state, "verified")  ? "已整改销号"
                            : !strcmp(f->state, "overdue") ? "超期未整改"
                                                           : "整改中";
        const char *cells[] = {arena_printf(p->a, "%d", i + 1), f->unit, f->title, doc_date_cn(p->a, f->due), state};
        draw_row(p, lc, 5, cells, false);
    }
    if (b->nfindings < b->findings_total)
        body(p, arena_printf(p->a, "（另有%d个问题未列出，见整改任务台账。）", b->findings_total - b->nfindings));
}

/* More units than the ranking lists at its two ends: the document lists those, the annex (XLSX) every unit. */
static bool condensed(const struct doc_bulletin *b)
{
    return b->nunits > 2 * b->rank_n;
}

/* The overdue ranking's first and last rank_n units (all of them when they are no more than 2 × rank_n), with the
 * words that say what is left to the annex. */
static void ranking_table(struct pdf *p, const struct doc_bulletin *b)
{
    int n = b->rank_n, r = b->nranked < b->nunits ? b->nranked : b->nunits;
    bool cut = r > 2 * n;
    body(p,
         cut ? arena_printf(p->a,
                            "共%d个单位有超期未办结事项，本通报列示排名前%d位和后%d位的单位（第%d位至第%d位的%d个单位"
                            "见附件）。",
                            r, n, n, n + 1, r - n, r - 2 * n)
             : arena_printf(p->a, "共%d个单位有超期未办结事项，排名如下。", r));
    caption(p, cut ? arena_printf(p->a, "超期未办结单位排名（前%d位和后%d位）", n, n) : "超期未办结单位排名");
    static const struct column rc[] = {
        {"名次", 0.10}, {"单位", 0.45}, {"交办", 0.15}, {"办结", 0.15}, {"超期未办结", 0.15}};
    table_head(p, rc, 5);
    for (int i = 0; i < r; i++) {
        if (cut && i == n) {
            const char *gap[] = {"…", arena_printf(p->a, "（第%d位至第%d位见附件）", n + 1, r - n), "", "", ""};
            draw_row(p, rc, 5, gap, false);
            i = r - n;
        }
        const struct doc_bulletin_unit *u = &b->units[i];
        const char *cells[] = {arena_printf(p->a, "%d", i + 1), u->name, arena_printf(p->a, "%d", u->registered),
                               arena_printf(p->a, "%d", u->completed), arena_printf(p->a, "%d", u->overdue)};
        draw_row(p, rc, 5, cells, false);
    }
    blank(p, 0.5);
}

struct bulletin_job {
    const struct doc_office *office;
    const struct doc_bulletin *b;
    const char *date;
};

static void doc_bulletin(struct pdf *p, const void *arg)
{
    const struct bulletin_job *j = arg;
    const struct doc_bulletin *b = j->b;
    bool bulletin = !strcmp(b->kind, "bulletin"), briefing = !strcmp(b->kind, "briefing");
    if (bulletin)
        masthead(p, j->office, b->draft ? "" : b->number);
    else /* 督查专报 / 督查简报: their name as the header, the issuer and the date under the number */
        masthead_as(p, b->kind_label, b->draft ? "" : b->number, j->office->issuer, j->date);
    if (b->draft)
        draft_mark(p, "草稿（未印发）");
    title(p, b->title);
    struct style s = body_style(p);
    s.indent = 0;
    blank(p, 1);
    if (!briefing) /* a briefing's distribution list is its 版记's 发 */
        para(p, arena_printf(p->a, "%s：", b->addressees), &s);
    words(p, b->intro);
    int sec = 0;
    heading(p, arena_printf(p->a, "%s、总体情况", NUMERALS[sec++]));
    body(p, arena_printf(p->a, "%s，%s共交办督办事项%d件，办结%d件%s；截至%s，超期未办结%d件。", b->period,
                         b->below ? "本级及下级政府" : "", b->registered, b->completed,
                         b->on_time_rate >= 0
                             ? arena_printf(p->a, "，其中按期办结%d件，按期办结率%d%%", b->on_time, b->on_time_rate)
                             : "",
                         doc_date_cn(p->a, b->as_of), b->overdue));
    if (b->ngovs) {
        body(p, "本级和各下级政府交办情况如下：");
        figures_table(p, b, "政府", b->govs, b->ngovs, "合计");
        blank(p, 0.5);
    }
    if (b->ndeep) { /* the levels further down: in the annex, the most overdue here */
        int k = b->ndeep < b->rank_n ? b->ndeep : b->rank_n;
        body(p, arena_printf(
                    p->a,
                    "各下级政府所属政府（%d个）的办理情况见附件《各级政府》工作表，其中超期未办结事项最多的%d个如下：",
                    b->ndeep, k));
        figures_table(p, b, "政府", b->deep, k, NULL);
        blank(p, 0.5);
    }
    if (b->nunits && condensed(b)) {
        body(p,
             arena_printf(p->a, "各责任单位（%d个）的办理情况见附件《各责任单位办理情况表》（电子表格）。", b->nunits));
        bar_chart(p, b);
    } else if (b->nunits) {
        if (b->ngovs)
            body(p, "各责任单位办理情况如下：");
        figures_table(p, b, "单位", b->units, b->nunits, "合计（每项事项计一次）");
        blank(p, 0.5);
        bar_chart(p, b);
    }
    trend_chart(p, b);
    heading(p, arena_printf(p->a, "%s、超期未办结情况", NUMERALS[sec++]));
    if (!b->overdue) {
        body(p, arena_printf(p->a, "截至%s，没有超期未办结的督办事项。", doc_date_cn(p->a, b->as_of)));
    } else {
        const char *rank = "";
        int r = 0;
        for (int i = 0; i < b->nunits; i++)
            if (b->units[i].overdue > 0 && r++ < 10) /* the sentence names the first ten */
                rank = arena_printf(p->a, "%s%s%s（%d件）", rank, r > 1 ? "、" : "", b->units[i].name,
                                    b->units[i].overdue);
        if (r > 10)
            rank = arena_printf(p->a, "%s等%d个单位", rank, r);
        body(p, arena_printf(p->a, "截至%s，超期未办结督办事项%d件，按超期事项数排序，依次为：%s。",
                             doc_date_cn(p->a, b->as_of), b->overdue, rank));
        if (condensed(b))
            ranking_table(p, b);
        static const struct column ic[] = {{"序号", 0.07},     {"编号", 0.21},     {"督办事项", 0.23},
                                           {"牵头单位", 0.16}, {"办结时限", 0.21}, {"超期天数", 0.12}};
        table_head(p, ic, 6);
        for (int i = 0; i < b->nitems; i++) {
            const struct doc_bulletin_item *it = &b->items[i];
            const char *cells[] = {arena_printf(p->a, "%d", i + 1),
                                   it->number,
                                   it->title,
                                   it->lead_unit,
                                   doc_date_cn(p->a, it->due),
                                   arena_printf(p->a, "%d", it->overdue_days)};
            draw_row(p, ic, 6, cells, false);
        }
        if (b->nitems < b->overdue)
            body(p, arena_printf(p->a, "（另有%d件未列出，见督办事项台账。）", b->overdue - b->nitems));
    }
    if (b->warn_section)
        warnings_section(p, b, NUMERALS[sec++]);
    if (b->inspections || b->rect_tasks || b->nfunits) {
        heading(p, arena_printf(p->a, "%s、督查检查和整改情况", NUMERALS[sec++]));
        body(p, arena_printf(
                    p->a,
                    "%s，反馈督查发现问题的督查%d次，交办整改任务%d项。截至%s，累计交办整改任务%d项，已核查销号%d项%s，"
                    "超过整改时限仍未销号%d项。",
                    b->period, b->inspections, b->rect_assigned, doc_date_cn(p->a, b->as_of), b->rect_tasks,
                    b->rect_verified, b->rect_rate >= 0 ? arena_printf(p->a, "，整改完成率%d%%", b->rect_rate) : "",
                    b->rect_overdue));
        findings_section(p, b);
    }
    if (b->crit_total)
        criticisms_section(p, b, NUMERALS[sec++]);
    for (int pass = 0; pass < 2; pass++) { /* praise, then criticism */
        const char *label = pass ? "通报批评" : "通报表扬";
        bool any = false;
        for (int i = 0; i < b->nnamed; i++) {
            const struct doc_bulletin_named *nm = &b->named[i];
            if (strcmp(nm->kind, label))
                continue;
            if (!any)
                heading(p, arena_printf(p->a, "%s、%s", NUMERALS[sec++], label));
            any = true;
            body(p, arena_printf(p->a, "%s：%s（%s）。%s", nm->unit, nm->title, nm->number ? nm->number : "",
                                 nm->content ? nm->content : ""));
        }
    }
    if (b->remarks && *b->remarks) {
        if (!is_heading(b->remarks))
            heading(p, arena_printf(p->a, "%s、%s", NUMERALS[sec < 9 ? sec++ : 9],
                                    !strcmp(b->kind, "special_report") ? "下一步工作建议" : "下一步工作要求"));
        words(p, b->remarks);
    }
    signature(p, j->office->issuer, j->date, b->draft ? NULL : j->office->seal);
    if (briefing)
        colophon_as(p, j->office, j->date, "发", b->addressees);
    else /* the 抄送 units the office chose (GB/T 9704 7.3.1: 抄送机关 in the 版记), else the office's */
        colophon_as(p, j->office, j->date, "抄送", b->cc && *b->cc ? b->cc : j->office->copy_to);
}

/* 1…99 in Chinese numerals as headings count them: 一, 十, 十一, 二十, 三十六; other numbers in digits. */
static const char *numeral(struct arena *a, int n)
{
    if (n < 1 || n > 99)
        return arena_printf(a, "%d", n);
    if (n <= 10)
        return NUMERALS[n - 1];
    int tens = n / 10, ones = n % 10;
    return arena_printf(a, "%s十%s", tens > 1 ? NUMERALS[tens - 1] : "", ones ? NUMERALS[ones - 1] : "");
}

/* Tenths of a point in words: "94", "94.5", "-3". */
static const char *points_text(struct arena *a, int tenths)
{
    int whole = tenths / 10, frac = tenths % 10;
    if (!frac)
        return arena_printf(a, "%d", whole);
    return arena_printf(a, "%s%d.%d", tenths < 0 && !whole ? "-" : "", whole, frac < 0 ? -frac : frac);
}

/* The chart of a scorecard: every unit's total as a bar (at most 20: the ten highest and the ten lowest), the
 * axis from a round value below the lowest total, vector graphics drawn with cairo, its caption below. */
static void score_chart(struct pdf *p, const struct doc_scorecard *sc)
{
    int n = sc->nunits > 20 ? 20 : sc->nunits;
    if (n < 2)
        return;
    const struct doc_score_unit **us = arena_alloc(p->a, sizeof *us * (size_t)n);
    const char **names = arena_alloc(p->a, sizeof *names * (size_t)n);
    for (int i = 0; i < n; i++) {
        us[i] = i < 10 || sc->nunits <= 20 ? &sc->units[i] : &sc->units[sc->nunits - (n - i)];
        names[i] = us[i]->name;
    }
    const double H = MM(72.0), axis_w = MM(10.0), label_h = MM(14.0);
    if (p->y + H + PITCH > BOTTOM)
        new_page(p);
    double top = p->y + MM(4.0), left = LEFT + axis_w, width = TEXT_W - axis_w;
    double plot_h = H - label_h - MM(8.0), base = top + plot_h;
    int lo = us[0]->total, hi = us[0]->total;
    for (int i = 0; i < n; i++) {
        lo = us[i]->total < lo ? us[i]->total : lo;
        hi = us[i]->total > hi ? us[i]->total : hi;
    }
    /* whole points; the axis starts at a multiple of 10 at least 5 below the lowest total */
    int ymin = (lo / 10 - 5) / 10 * 10, ymax = ymin + axis_max(hi / 10 + 1 - ymin);
    if (ymin < 0 && lo >= 0)
        ymin = 0;
    cairo_t *cr = p->cr;
    cairo_set_line_width(cr, 0.4);
    for (int t = 0; t <= 4; t++) {
        double y = base - plot_h * t / 4;
        cairo_set_source_rgb(cr, t ? 0.85 : 0.2, t ? 0.85 : 0.2, t ? 0.85 : 0.2);
        cairo_move_to(cr, left, y);
        cairo_line_to(cr, left + width, y);
        cairo_stroke(cr);
        small_text(p, arena_printf(p->a, "%d", ymin + (ymax - ymin) / 4 * t), left - MM(1.2), y - 5.0, MM(9.0),
                   AL_RIGHT, 8.0);
    }
    size_t cut = common_prefix(names, n);
    double slot = width / n, bar = slot * 0.6;
    for (int i = 0; i < n; i++) {
        double v = us[i]->total / 10.0 - ymin, h = v > 0 ? plot_h * v / (ymax - ymin) : 0;
        double x = left + slot * i + (slot - bar) / 2;
        cairo_set_source_rgb(cr, CHART_COLORS[0][0], CHART_COLORS[0][1], CHART_COLORS[0][2]);
        cairo_rectangle(cr, x, base - h, bar, h);
        cairo_fill(cr);
        small_text(p, points_text(p->a, us[i]->total), x + bar / 2, base - h - 9.5, slot * 1.2, AL_CENTER, 7.0);
        small_text(p, names[i] + cut, left + slot * i + slot / 2, base + MM(1.2), slot - 2, AL_CENTER, 7.0);
    }
    p->y = base + label_h;
    caption(p, n < sc->nunits ? "图 各单位督查工作得分（前十名和后十名）" : "图 各单位督查工作得分");
    blank(p, 0.3);
}

/* One unit's points by rule: a table (rule, count, points, what they rest on), its adjustments after. */
static void score_unit_lines(struct pdf *p, const struct doc_scorecard *sc, const struct doc_score_unit *u)
{
    body(p, arena_printf(p->a, "基础分%d分，%s，总分%s分，总第%d名，%s第%d名。", sc->base,
                         u->nrules ? arena_printf(p->a, "细则加分%s分、减分%s分", points_text(p->a, u->added),
                                                  points_text(p->a, u->deducted))
                                   : "无加减分",
                         points_text(p->a, u->total), u->rank, u->kind, u->kind_rank));
    if (u->nrules) {
        static const struct column rc[] = {
            {"考评细则", 0.26}, {"次数", 0.10}, {"分值", 0.12}, {"依据（事项、记录）", 0.52}};
        table_head(p, rc, 4);
        for (int k = 0; k < u->nrules; k++) {
            const struct doc_score_rule *r = &u->rules[k];
            const char *cells[] = {r->forbidden ? arena_printf(p->a, "%s（禁止性内容）", r->label) : r->label,
                                   arena_printf(p->a, "%d", r->count), points_text(p->a, r->points), r->refs};
            draw_row(p, rc, 4, cells, false);
        }
    }
    if (u->waived)
        body(p, arena_printf(p->a, "经容错认定免于扣分%d项。", u->waived));
    if (u->adjustments && *u->adjustments)
        body(p, arena_printf(p->a, "督查室调整%s分：%s。", points_text(p->a, u->adjusted), u->adjustments));
}

struct scorecard_job {
    const struct doc_office *office;
    const struct doc_scorecard *sc;
    const char *date;
};

static void doc_scorecard(struct pdf *p, const void *arg)
{
    const struct scorecard_job *j = arg;
    const struct doc_scorecard *sc = j->sc;
    masthead(p, j->office, sc->draft ? "" : sc->number);
    if (sc->draft)
        draft_mark(p, "草稿（未下发）");
    title(p, sc->title);
    struct style s = body_style(p);
    s.indent = 0;
    blank(p, 1);
    para(p, arena_printf(p->a, "%s：", sc->addressees), &s);
    body(p,
         arena_printf(p->a,
                      "根据%s%d年度目标责任考评细则，按督办事项办理、办理过程和结果运用的记录，对%s督查工作进行了考评"
                      "（数据截至%s，基础分%d分，重大事项按%d%%计分）。现将考评结果%s如下。",
                      sc->government, sc->year, sc->one_unit ? "贵单位" : "各单位", doc_date_cn(p->a, sc->as_of),
                      sc->base, sc->weight_major, sc->one_unit ? "通知" : "通报"));
    int sec = 0;
    if (!sc->one_unit) {
        heading(p, arena_printf(p->a, "%s、考评得分和排名", NUMERALS[sec++]));
        static const struct column uc[] = {{"名次", 0.08}, {"单位", 0.34}, {"类别", 0.10}, {"同类名次", 0.11},
                                           {"加分", 0.09}, {"减分", 0.09}, {"调整", 0.09}, {"总分", 0.10}};
        table_head(p, uc, 8);
        for (int i = 0; i < sc->nunits; i++) {
            const struct doc_score_unit *u = &sc->units[i];
            const char *cells[] = {arena_printf(p->a, "%d", u->rank),
                                   u->name,
                                   u->kind,
                                   arena_printf(p->a, "%d", u->kind_rank),
                                   points_text(p->a, u->added),
                                   points_text(p->a, u->deducted),
                                   u->adjusted ? points_text(p->a, u->adjusted) : "",
                                   points_text(p->a, u->total)};
            draw_row(p, uc, 8, cells, false);
        }
        blank(p, 0.5);
        score_chart(p, sc);
    }
    heading(p, arena_printf(p->a, "%s、%s", NUMERALS[sec++], sc->one_unit ? "得分明细" : "各单位得分明细"));
    for (int i = 0; i < sc->nunits; i++) {
        const struct doc_score_unit *u = &sc->units[i];
        if (!sc->one_unit)
            heading(p, arena_printf(p->a, "（%s）%s", numeral(p->a, i + 1), u->name));
        score_unit_lines(p, sc, u);
    }
    if (!sc->draft && sc->objection_until && *sc->objection_until) {
        heading(p, arena_printf(p->a, "%s、异议", NUMERALS[sec++]));
        body(p, arena_printf(p->a,
                             "对本单位得分明细有异议的，请于%s前由单位主要负责人通过督查督办系统逐项提出，"
                             "并写明理由、附证明材料。逾期未提出的，视为无异议。",
                             doc_date_cn(p->a, sc->objection_until)));
    }
    signature(p, j->office->issuer, j->date, sc->draft ? NULL : j->office->seal);
    colophon(p, j->office, j->date);
}

/* What one rendering draws (a document of the four kinds, or a bulletin). */
typedef void (*draw_fn)(struct pdf *p, const void *arg);

static void draw_job(struct pdf *p, const void *arg)
{
    const struct pdf_job *job = arg;
    switch (job->kind) {
    case DOC_NOTICE:
        doc_notice(p, job);
        break;
    case DOC_REMINDER:
        doc_reminder(p, job);
        break;
    case DOC_RECORD:
        doc_record(p, job);
        break;
    case DOC_LIST:
        doc_list(p, job);
        break;
    default:
        if (job->letter)
            doc_letter(p, job);
        else if (job->contents)
            doc_contents(p, job);
        break;
    }
}

/* One rendering with the given number of grid lines per page; *orphan tells whether the signature
 * ended up alone at the top of a page. */
static bool render_pass(const char *doc_title, const char *date, const struct pdf_fonts *fonts, draw_fn draw,
                        const void *arg, struct arena *a, struct buf *out, int *pages, double lines, bool *orphan)
{
    struct pdf p = {0};
    p.a = a;
    p.out = out;
    p.fonts = fonts;
    p.page = 1;
    p.y = TOP;
    p.pitch = TEXT_H / lines;
    p.surf = cairo_pdf_surface_create_for_stream(write_cb, &p, PAGE_W, PAGE_H);
    cairo_pdf_surface_set_metadata(p.surf, CAIRO_PDF_METADATA_TITLE, doc_title);
    cairo_pdf_surface_set_metadata(p.surf, CAIRO_PDF_METADATA_CREATOR, "ducha");
    /* a fixed creation date keeps documents reproducible (the archive hashes them) */
    cairo_pdf_surface_set_metadata(p.surf, CAIRO_PDF_METADATA_CREATE_DATE,
                                   arena_printf(a, "%.10sT00:00:00Z", date ? date : "1970-01-01"));
    p.cr = cairo_create(p.surf);
    draw(&p, arg);
    finish_page(&p);
    cairo_show_page(p.cr);
    bool ok = cairo_status(p.cr) == CAIRO_STATUS_SUCCESS;
    cairo_destroy(p.cr);
    cairo_surface_finish(p.surf);
    ok = ok && cairo_surface_status(p.surf) == CAIRO_STATUS_SUCCESS && !p.oom;
    cairo_surface_destroy(p.surf);
    if (pages)
        *pages = p.page;
    *orphan = p.orphan;
    return ok;
}

/* A rendering's end: a document drawn (ok) is kept under k for the next request of the same source (pdf_cache.h);
 * the pages it has go to *pages. */
static bool kept(const struct pdf_cache_key *k, bool ok, const struct buf *out, size_t start, int n, int *pages)
{
    if (ok)
        pdf_cache_put(k, out->data + start, out->len - start, n);
    if (pages)
        *pages = n;
    return ok;
}

bool pdf_render_bulletin(const struct doc_office *o, const struct doc_bulletin *b, const char *date,
                         const struct pdf_fonts *fonts, struct arena *a, struct buf *out, int *pages)
{
    struct pdf_cache_key k;
    pdf_cache_key_bulletin(o, b, date, fonts, &k);
    if (pdf_cache_get(&k, out, pages))
        return true;
    struct bulletin_job j = {o, b, date};
    size_t start = out->len;
    bool orphan = false;
    int n = 0;
    bool ok = render_pass(b->kind_label, date, fonts, doc_bulletin, &j, a, out, &n, LINES, &orphan);
    for (int extra = 1; ok && orphan && extra <= 2; extra++) { /* as pdf_render: never a lone signature */
        out->len = start;
        ok = render_pass(b->kind_label, date, fonts, doc_bulletin, &j, a, out, &n, LINES + extra, &orphan);
    }
    return kept(&k, ok, out, start, n, pages);
}

bool pdf_render_scorecard(const struct doc_office *o, const struct doc_scorecard *sc, const char *date,
                          const struct pdf_fonts *fonts, struct arena *a, struct buf *out, int *pages)
{
    struct pdf_cache_key k;
    pdf_cache_key_scorecard(o, sc, date, fonts, &k);
    if (pdf_cache_get(&k, out, pages))
        return true;
    struct scorecard_job j = {o, sc, date};
    size_t start = out->len;
    bool orphan = false;
    int n = 0;
    bool ok = render_pass("目标责任考评结果", date, fonts, doc_scorecard, &j, a, out, &n, LINES, &orphan);
    for (int extra = 1; ok && orphan && extra <= 2; extra++) { /* as pdf_render: never a lone signature */
        out->len = start;
        ok = render_pass("目标责任考评结果", date, fonts, doc_scorecard, &j, a, out, &n, LINES + extra, &orphan);
    }
    return kept(&k, ok, out, start, n, pages);
}

/* The PDF's title: the letter's label, or the kind of document. */
static const char *pdf_title(const struct pdf_job *job)
{
    return job->letter ? job->letter->label : job->contents ? "卷内目录" : doc_kind_label(job->kind);
}

bool pdf_render(const struct pdf_job *job, struct arena *a, struct buf *out, int *pages)
{
    struct pdf_cache_key k;
    pdf_cache_key_job(job, &k);
    if (pdf_cache_get(&k, out, pages))
        return true;
    size_t start = out->len;
    bool orphan = false;
    int n = 0;
    bool ok = render_pass(pdf_title(job), job->date, &job->fonts, draw_job, job, a, out, &n, LINES, &orphan);
    /* GB/T 9704-2012 7.3.5.4: when the issuer and date do not fit under the body, tighten the line
     * spacing rather than leave them alone on a page */
    for (int extra = 1;
         ok && orphan && extra <= 2 && (job->letter || job->kind == DOC_NOTICE || job->kind == DOC_REMINDER); extra++) {
        out->len = start;
        ok = render_pass(pdf_title(job), job->date, &job->fonts, draw_job, job, a, out, &n, LINES + extra, &orphan);
    }
    return kept(&k, ok, out, start, n, pages);
}

bool pdf_render_contents(const struct doc_contents *t, const struct doc_office *office, const char *date,
                         const struct pdf_fonts *fonts, struct arena *a, struct buf *out, int *pages)
{
    struct pdf_job job = {.kind = DOC__COUNT, .office = office, .date = date, .fonts = *fonts, .contents = t};
    return pdf_render(&job, a, out, pages);
}

bool pdf_render_letter(const struct doc_letter *l, const struct doc_office *office, const char *date,
                       const struct pdf_fonts *fonts, struct arena *a, struct buf *out, int *pages)
{
    struct pdf_job job = {.kind = DOC__COUNT, .office = office, .date = date, .fonts = *fonts, .letter = l};
    return pdf_render(&job, a, out, pages);
}
