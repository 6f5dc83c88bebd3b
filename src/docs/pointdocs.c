/* pointdocs.c: the research report of a visit at a contact point as PDF; see pointdocs.h. */
#include "docs/pointdocs.h"

#include "base/timeu.h"
#include "calendar/workdays.h"
#include "docs/pdf.h"

#include <string.h>

/* The length of a leading "一、" … "十、" of s (a first-level ordinal), 0 when none. */
static size_t first_level(const char *s)
{
    static const char *const digits[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};
    size_t n = 0;
    for (int more = 1; more;) {
        more = 0;
        for (int i = 0; i < 10; i++)
            if (!strncmp(s + n, digits[i], strlen(digits[i]))) {
                n += strlen(digits[i]);
                more = 1;
                break;
            }
    }
    return n && !strncmp(s + n, "、", strlen("、")) ? n + strlen("、") : 0;
}

/* Appends text's lines (blank ones dropped) to p. A line of the office's text that starts "一、" is a point under
 * the report's own heading, so it is written a level down ("（一）", GB/T 9704's second level): the letter takes a
 * first-level ordinal for a heading. */
static void add_lines(struct ctx *c, const char *text, const char **p, int *np)
{
    const char **v;
    int n = doc_lines(c->arena, text, &v);
    for (int i = 0; i < n; i++) {
        size_t ord = first_level(v[i]);
        p[(*np)++] = ord ? arena_printf(c->arena, "（%.*s）%s", (int)(ord - strlen("、")), v[i], v[i] + ord) : v[i];
    }
}

static int count_lines(const char *text)
{
    int n = 1;
    for (const char *s = text; s && *s; s++)
        n += *s == '\n';
    return n;
}

enum err docs_visit_report_pdf(struct ctx *c, const json_t *point, const json_t *v, struct buf *out)
{
    const char *str[] = {"topic",    "start_date",  "end_date", "team",        "situation",
                         "analysis", "suggestions", "state",    "submitted_at"};
    const char *f[9];
    for (int i = 0; i < 9; i++) {
        const char *s = json_string_value(json_object_get(v, str[i]));
        f[i] = s ? arena_strdup(c->arena, s) : NULL;
    }
    const char *name = arena_strdup(c->arena, json_string_value(json_object_get(point, "name")));
    const char *government = arena_strdup(c->arena, json_string_value(json_object_get(point, "office_name")));
    if (!f[4]) /* the point's own people: the visit, not its report */
        return ctx_fail(c, ERR_FORBIDDEN, "调研报告报送政府领导，联系点单位只能看到驻点调研的安排");
    bool draft = !strcmp(f[7], "draft");
    const char *topic = f[0];
    size_t tl = strlen(topic), sl = strlen("调研");
    const char *title = arena_printf(
        c->arena, tl >= sl && !strcmp(topic + tl - sl, "调研") ? "关于%s的报告" : "关于%s的调研报告", topic);
    int cap = 8 + count_lines(f[4]) + count_lines(f[5]) + count_lines(f[6]), np = 0;
    const char **p = arena_alloc(c->arena, sizeof *p * (size_t)cap);
    const char *issuer = arena_printf(c->arena, "%s督查室", government);
    p[np++] = arena_printf(c->arena, "%s于%s至%s在%s开展驻点调研。调研组：%s。现将调研情况报告如下。", issuer,
                           doc_date_cn(c->arena, f[1]), doc_date_cn(c->arena, f[2]), name, f[3]);
    p[np++] = "一、基本情况";
    add_lines(c, f[4], p, &np);
    p[np++] = "二、分析";
    add_lines(c, f[5], p, &np);
    p[np++] = "三、建议";
    add_lines(c, f[6], p, &np);
    struct doc_letter l = {draft ? "调研报告（草稿）" : "调研报告",
                           NULL,
                           title,
                           arena_printf(c->arena, "%s领导", government),
                           p,
                           np,
                           draft};
    struct doc_office office = {issuer, arena_printf(c->arena, "%s文件", issuer), "", "", NULL};
    /* dated the day it was submitted (Beijing), a draft today */
    char day[11];
    int64_t t = 0;
    if (!draft && f[8] && time_parse_iso(f[8], &t))
        cal_format_date(time_local_day(t), day);
    else
        cal_format_date(time_local_day(c->now), day);
    struct pdf_fonts fonts = {c->cfg->font_title, c->cfg->font_body, c->cfg->font_heading};
    if (!pdf_render_letter(&l, &office, day, &fonts, c->arena, out, NULL))
        return ctx_fail(c, ERR_INTERNAL, "生成调研报告失败（字体或内存不足）");
    return ERR_OK;
}
