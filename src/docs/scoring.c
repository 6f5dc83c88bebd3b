/*
 * scoring.c (docs): the scorecard (目标责任考评结果) as XLSX (libxlsxwriter): sheet 考评得分 (a row per
 * unit in rank order; the accepted third-party evaluation and the self-assessment beside the total, 对表分析),
 * 得分明细 (a row per line: rule, points, the item or record, the tolerance decision),
 * 调整记录 (the office's adjustments with reasons), 考评细则 (the rule table the card was computed with); and the
 * periodic statistics by month or quarter (docs_statistics_xlsx); the burden index (docs_burden_xlsx); the periodic
 * reports' roll-up (docs_report_rollup_xlsx).
 * Text goes in as strings, never as formulas.
 */
#include "docs/scoring.h"

#include "base/log.h"
#include "docs/itemdocs_internal.h"
#include "docs/pdf.h"
#include "docs/seal.h"
#include "items/items.h"
#include "results/results.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

struct book {
    struct arena *a;
    lxw_workbook *wb;
    lxw_format *head, *title, *flag;
    bool failed;
};

static void str(struct book *b, lxw_worksheet *ws, int row, int col, const char *s, lxw_format *f)
{
    if (s && *s && worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col, s, f) != LXW_NO_ERROR)
        b->failed = true;
}

static void num(struct book *b, lxw_worksheet *ws, int row, int col, const json_t *v)
{
    if (json_is_number(v) &&
        worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, json_number_value(v), NULL) != LXW_NO_ERROR)
        b->failed = true;
}

static lxw_worksheet *sheet(struct book *b, const char *name, const char *const *heads, const double *widths, int n)
{
    lxw_worksheet *ws = workbook_add_worksheet(b->wb, name);
    for (int i = 0; i < n; i++) {
        worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, widths[i], NULL);
        str(b, ws, 1, i, heads[i], b->head);
    }
    worksheet_freeze_panes(ws, 2, 0);
    return ws;
}

#define S(o, k) json_string_value(json_object_get((o), (k)))
#define G(o, k) json_object_get((o), (k))

static void write_book(struct book *b, const json_t *card)
{
    static const char *const h1[] = {"名次",       "同类名次",     "单位",     "类别",    "加分",
                                     "减分",       "容错免扣(项)", "计算得分", "调整",    "总分",
                                     "第三方评估", "与总分差",     "单位自评", "与总分差"};
    static const double w1[] = {6, 9, 28, 8, 8, 8, 12, 10, 8, 8, 11, 9, 9, 9};
    static const char *const h2[] = {"单位",       "细则", "分值", "细则分值",        "编号",
                                     "事项或记录", "日期", "说明", "不得作为考核依据"};
    static const double w2[] = {24, 18, 7, 9, 20, 48, 12, 40, 14};
    static const char *const h3[] = {"单位", "细则", "次数", "分值", "理由", "调整人", "时间"};
    static const double w3[] = {24, 16, 6, 7, 48, 10, 20};
    static const char *const h4[] = {"代码", "细则", "计分说明", "分值", "启用", "按重要程度加权", "不得作为考核依据"};
    static const double w4[] = {18, 18, 44, 7, 6, 14, 60};
    lxw_worksheet *s1 = sheet(b, "考评得分", h1, w1, 14), *s2 = sheet(b, "得分明细", h2, w2, 9);
    lxw_worksheet *s3 = sheet(b, "调整记录", h3, w3, 7), *s4 = sheet(b, "考评细则", h4, w4, 7);
    const char *title = S(card, "title");
    str(b, s1, 0, 0, title, b->title);
    str(b, s2, 0, 0, title, b->title);
    str(b, s3, 0, 0, title, b->title);
    str(b, s4, 0, 0, title, b->title);
    int r1 = 2, r2 = 2, r3 = 2, r4 = 2;
    size_t i, k;
    json_t *u, *l;
    json_array_foreach(G(card, "units"), i, u)
    {
        num(b, s1, r1, 0, G(u, "rank"));
        num(b, s1, r1, 1, G(u, "kind_rank"));
        str(b, s1, r1, 2, S(u, "name"), NULL);
        str(b, s1, r1, 3, S(u, "kind_label"), NULL);
        num(b, s1, r1, 4, G(u, "added"));
        num(b, s1, r1, 5, G(u, "deducted"));
        num(b, s1, r1, 6, G(u, "waived"));
        num(b, s1, r1, 7, G(u, "computed"));
        num(b, s1, r1, 8, G(u, "adjusted"));
        num(b, s1, r1, 9, G(u, "total"));
        /* 对表分析: the accepted third-party evaluations on the card's base, a dash where there is none */
        static const char *const tp[] = {"evaluator_score", "evaluator_diff", "self_score", "self_diff"};
        for (int j = 0; j < 4; j++) {
            const json_t *v = G(G(u, "third_party"), tp[j]);
            if (json_is_number(v))
                num(b, s1, r1, 10 + j, v);
            else
                str(b, s1, r1, 10 + j, "—", NULL);
        }
        r1++;
        json_array_foreach(G(u, "lines"), k, l)
        {
            str(b, s2, r2, 0, S(u, "name"), NULL);
            str(b, s2, r2, 1, S(l, "label"), NULL);
            num(b, s2, r2, 2, G(l, "points"));
            num(b, s2, r2, 3, G(l, "rule_points"));
            str(b, s2, r2, 4, S(l, "ref"), NULL);
            str(b, s2, r2, 5, S(l, "what"), NULL);
            str(b, s2, r2, 6, S(l, "at"), NULL);
            str(b, s2, r2, 7, S(l, "note"), NULL);
            str(b, s2, r2++, 8, json_is_true(G(l, "forbidden")) ? "是" : "", b->flag);
        }
        json_array_foreach(G(u, "adjustments"), k, l)
        {
            str(b, s3, r3, 0, S(u, "name"), NULL);
            str(b, s3, r3, 1, S(l, "label"), json_is_true(G(l, "forbidden")) ? b->flag : NULL);
            num(b, s3, r3, 2, G(l, "count"));
            num(b, s3, r3, 3, G(l, "points"));
            str(b, s3, r3, 4, S(l, "reason"), NULL);
            str(b, s3, r3, 5, S(l, "by"), NULL);
            str(b, s3, r3++, 6, S(l, "at"), NULL);
        }
    }
    json_array_foreach(G(card, "rules"), i, l)
    {
        str(b, s4, r4, 0, S(l, "code"), NULL);
        str(b, s4, r4, 1, S(l, "label"), NULL);
        str(b, s4, r4, 2, S(l, "basis"), NULL);
        num(b, s4, r4, 3, G(l, "points"));
        str(b, s4, r4, 4, json_is_true(G(l, "enabled")) ? "是" : "否", NULL);
        str(b, s4, r4, 5, json_is_true(G(l, "weighted")) ? "是" : "", NULL);
        str(b, s4, r4++, 6,
            json_is_string(G(l, "flag"))      ? S(l, "flag")
            : json_is_true(G(l, "forbidden")) ? "是（未启用）"
                                              : "",
            json_is_string(G(l, "flag")) ? b->flag : NULL);
    }
}

/* The statistics: 汇总, 各单位, then a sheet per figure (units down, periods across). */
static void write_statistics(struct book *b, const json_t *st)
{
    enum { NF = 6 };
    static const char *const keys[NF] = {"registered",   "completed", "completed_on_time",
                                         "on_time_rate", "overdue",   "average_days"};
    static const char *const heads[NF] = {"交办",          "办结",           "按期办结",
                                          "按期办结率(%)", "期末超期未办结", "平均办结天数"};
    static const char *const h1[] = {"期间",           "起",          "止", "交办", "办结", "按期办结", "按期办结率(%)",
                                     "期末超期未办结", "平均办结天数"};
    static const double w1[] = {12, 12, 12, 8, 8, 10, 14, 14, 12};
    static const char *const h2[] = {"单位", "交办", "办结", "按期办结", "按期办结率(%)", "超期未办结", "平均办结天数"};
    static const double w2[] = {30, 8, 8, 10, 14, 12, 12};
    const char *title =
        arena_printf(b->a, "%s%d年督查督办统计（按%s）", S(G(st, "government"), "name"),
                     (int)json_integer_value(G(st, "year")), !strcmp(S(st, "period"), "quarter") ? "季度" : "月");
    lxw_worksheet *s1 = sheet(b, "汇总", h1, w1, 3 + NF), *s2 = sheet(b, "各单位", h2, w2, 1 + NF);
    str(b, s1, 0, 0, title, b->title);
    str(b, s2, 0, 0, arena_printf(b->a, "%s（%s至%s）", title, S(st, "from"), S(st, "to")), b->title);
    size_t i, k;
    json_t *p, *u;
    int r = 2;
    json_array_foreach(G(st, "periods"), i, p)
    {
        str(b, s1, r, 0, S(p, "label"), NULL);
        str(b, s1, r, 1, S(p, "from"), NULL);
        str(b, s1, r, 2, S(p, "to"), NULL);
        for (int j = 0; j < NF; j++)
            num(b, s1, r, 3 + j, G(G(p, "totals"), keys[j]));
        r++;
    }
    r = 2;
    json_array_foreach(G(st, "units"), i, u)
    {
        str(b, s2, r, 0, S(u, "name"), NULL);
        for (int j = 0; j < NF; j++)
            num(b, s2, r, 1 + j, G(u, keys[j]));
        r++;
    }
    /* per figure: units down, periods across (a unit without items in a period is left blank) */
    for (int j = 0; j < NF; j++) {
        if (j == 3)
            continue;
        lxw_worksheet *ws = workbook_add_worksheet(b->wb, heads[j]);
        str(b, ws, 0, 0, arena_printf(b->a, "%s：%s", title, heads[j]), b->title);
        str(b, ws, 1, 0, "单位", b->head);
        worksheet_set_column(ws, 0, 0, 30, NULL);
        json_array_foreach(G(st, "periods"), i, p) str(b, ws, 1, (int)i + 1, S(p, "label"), b->head);
        worksheet_freeze_panes(ws, 2, 1);
        r = 2;
        json_array_foreach(G(st, "units"), k, u)
        {
            str(b, ws, r, 0, S(u, "name"), NULL);
            json_array_foreach(G(st, "periods"), i, p)
            {
                size_t x;
                json_t *pu;
                json_array_foreach(G(p, "units"), x,
                                   pu) if (json_integer_value(G(pu, "unit_id")) == json_integer_value(G(u, "unit_id")))
                    num(b, ws, r, (int)i + 1, G(pu, keys[j]));
            }
            r++;
        }
    }
}

/* A temporary workbook under the data directory; *path (arena) and b->wb on success. */
static enum err book_open(struct ctx *c, const char *name, struct book *b, char **path)
{
    const char *dir = itemdocs_data_subdir(c, "tmp");
    char *tmpl = arena_printf(c->arena, "%s/%s-XXXXXX.xlsx", dir, name);
    int fd = mkstemps(tmpl, 5);
    if (fd < 0)
        return ctx_fail(c, ERR_INTERNAL, "导出失败：无法在数据目录创建临时文件");
    close(fd);
    lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = (char *)dir, .use_zip64 = LXW_FALSE};
    *b = (struct book){.wb = workbook_new_opt(tmpl, &opt), .a = c->arena};
    if (!b->wb) {
        unlink(tmpl);
        return ctx_fail(c, ERR_INTERNAL, "导出失败：无法创建 XLSX");
    }
    b->head = workbook_add_format(b->wb);
    format_set_bold(b->head);
    format_set_bg_color(b->head, 0xD9E1F2);
    format_set_border(b->head, LXW_BORDER_THIN);
    format_set_align(b->head, LXW_ALIGN_CENTER);
    b->title = workbook_add_format(b->wb);
    format_set_bold(b->title);
    format_set_font_size(b->title, 14);
    b->flag = workbook_add_format(b->wb);
    format_set_font_color(b->flag, 0xC00000);
    *path = tmpl;
    return ERR_OK;
}

static enum err book_close(struct ctx *c, struct book *b, const char *path)
{
    lxw_error le = workbook_close(b->wb);
    if (le != LXW_NO_ERROR || b->failed) {
        log_error("xlsx export: %s", lxw_strerror(le));
        unlink(path);
        return ctx_fail(c, ERR_INTERNAL, "导出失败：写入 XLSX 出错");
    }
    return ERR_OK;
}

/* Writes model (owned, released here) with write into a temporary workbook named after kind; *path. */
static enum err book_write(struct ctx *c, const char *kind, json_t *model, void (*write)(struct book *, const json_t *),
                           const char **path)
{
    struct book b;
    char *tmpl = NULL;
    enum err e = book_open(c, kind, &b, &tmpl);
    if (!e)
        write(&b, model);
    json_decref(model);
    if (e || (e = book_close(c, &b, tmpl)))
        return e;
    *path = tmpl;
    return ERR_OK;
}

enum err docs_statistics_xlsx(struct ctx *c, int year, bool quarters, const char **path)
{
    json_t *st = NULL;
    enum err e = results_statistics(c, year, quarters, &st);
    return e ? e : book_write(c, "statistics", st, write_statistics, path);
}

/* The periodic reports' roll-up: 汇总 (the units one level down, then the total) and 报告内容. */
static void write_rollup(struct book *b, const json_t *r)
{
    static const char *const keys[] = {"due", "submitted", "on_time", "late", "missed", "open"};
    static const char *const h1[] = {"单位", "应报", "已报", "按时报送", "逾期报送", "逾期未报", "未到期"};
    static const double w1[] = {30, 8, 8, 10, 10, 10, 8};
    static const char *const h2[] = {"单位",     "事项编号", "督办事项", "报告类别", "应报日期", "报送情况",
                                     "报送时间", "本期进展", "完成进度", "存在问题", "下步打算", "需协调解决的事项"};
    static const double w2[] = {24, 18, 36, 20, 12, 10, 20, 48, 9, 36, 36, 36};
    static const char *const status_keys[] = {"on_time", "late", "missed", "open"};
    static const char *const status_labels[] = {"按时报送", "逾期报送", "逾期未报", "未到期"};
    const char *title =
        arena_printf(b->a, "%s定期报告汇总（%s至%s）", S(G(r, "scope"), "name"), S(r, "from"), S(r, "to"));
    lxw_worksheet *s1 = sheet(b, "汇总", h1, w1, 7), *s2 = sheet(b, "报告内容", h2, w2, 12);
    str(b, s1, 0, 0, title, b->title);
    str(b, s2, 0, 0, title, b->title);
    size_t i;
    json_t *g;
    int r1 = 2, r2 = 2;
    json_array_foreach(G(r, "groups"), i, g)
    {
        str(b, s1, r1, 0, S(g, "unit_name"), NULL);
        for (int j = 0; j < 6; j++)
            num(b, s1, r1, 1 + j, G(g, keys[j]));
        r1++;
    }
    str(b, s1, r1, 0, "合计", b->head);
    for (int j = 0; j < 6; j++)
        num(b, s1, r1, 1 + j, G(G(r, "totals"), keys[j]));
    json_array_foreach(G(r, "reports"), i, g)
    {
        const char *st = S(g, "status"), *label = st;
        for (int j = 0; j < 4; j++)
            if (!strcmp(st, status_keys[j]))
                label = status_labels[j];
        str(b, s2, r2, 0, S(g, "unit_name"), NULL);
        str(b, s2, r2, 1, S(g, "number"), NULL);
        str(b, s2, r2, 2, S(g, "title"), NULL);
        str(b, s2, r2, 3, S(g, "label"), NULL);
        str(b, s2, r2, 4, S(g, "due_date"), NULL);
        str(b, s2, r2, 5, label, !strcmp(st, "on_time") || !strcmp(st, "open") ? NULL : b->flag);
        str(b, s2, r2, 6, S(g, "submitted_at"), NULL);
        str(b, s2, r2, 7, S(g, "text"), NULL);
        num(b, s2, r2, 8, G(g, "percent"));
        str(b, s2, r2, 9, S(g, "problems"), NULL);
        str(b, s2, r2, 10, S(g, "next_steps"), NULL);
        str(b, s2, r2++, 11, S(g, "support"), NULL);
    }
}

enum err docs_report_rollup_xlsx(struct ctx *c, const struct report_rollup_query *q, const char **path)
{
    json_t *r = NULL;
    enum err e = items_report_rollup(c, q, &r);
    return e ? e : book_write(c, "periodic-reports", r, write_rollup, path);
}

/* The burden index: the figures in the order of the page (B_NAMES in src/results/burden.c). */
static void write_burden(struct book *b, const json_t *bd)
{
    static const char *const keys[] = {"notices",     "presses", "reminders", "reports",
                                       "inspections", "tasks",   "visits",    "total"};
    static const char *const h1[] = {"名次",     "单位", "督办通知", "催办",     "系统提醒",
                                     "进展报告", "督查", "整改任务", "驻点调研", "合计"};
    static const double w1[] = {6, 30, 10, 8, 10, 10, 8, 10, 10, 8};
    static const char *const h2[] = {"单位",     "提出要求的政府", "督办通知", "催办",     "系统提醒",
                                     "进展报告", "督查",           "整改任务", "驻点调研", "合计"};
    static const double w2[] = {30, 24, 10, 8, 10, 10, 8, 10, 10, 8};
    static const char *const h3[] = {"名次",     "提出要求的政府", "涉及单位", "督办通知", "催办", "系统提醒",
                                     "进展报告", "督查",           "整改任务", "驻点调研", "合计"};
    static const double w3[] = {6, 24, 10, 10, 8, 10, 10, 8, 10, 10, 8};
    const json_t *gov = G(bd, "government"), *unit = G(bd, "unit");
    const char *period = S(G(bd, "period"), "label");
    const char *title = json_is_object(unit)
                            ? arena_printf(b->a, "%s下属单位%s基层负担（减负）统计", S(unit, "name"), period)
                        : json_is_object(gov) ? arena_printf(b->a, "%s%s基层负担（减负）统计", S(gov, "name"), period)
                                              : arena_printf(b->a, "本单位%s基层负担（减负）统计", period);
    lxw_worksheet *s1 = sheet(b, "各单位", h1, w1, 10), *s2 = sheet(b, "按提出要求的政府", h2, w2, 10);
    str(b, s1, 0, 0, title, b->title);
    str(b, s2, 0, 0, title, b->title);
    size_t i, k;
    json_t *u, *x;
    int r1 = 2, r2 = 2;
    json_array_foreach(G(bd, "units"), i, u)
    {
        num(b, s1, r1, 0, G(u, "rank"));
        str(b, s1, r1, 1, S(u, "name"), NULL);
        for (int j = 0; j < 8; j++)
            num(b, s1, r1, 2 + j, G(u, keys[j]));
        r1++;
        json_array_foreach(G(u, "by_issuer"), k, x)
        {
            str(b, s2, r2, 0, S(u, "name"), NULL);
            str(b, s2, r2, 1, S(x, "issuer"), NULL);
            for (int j = 0; j < 8; j++)
                num(b, s2, r2, 2 + j, G(x, keys[j]));
            r2++;
        }
    }
    if (!json_is_object(gov))
        return; /* a unit's own row: the issuers' ranking is the government's */
    lxw_worksheet *s3 = sheet(b, "提出要求的政府", h3, w3, 11);
    str(b, s3, 0, 0, title, b->title);
    int r3 = 2;
    json_array_foreach(G(bd, "issuers"), i, x)
    {
        num(b, s3, r3, 0, G(x, "rank"));
        str(b, s3, r3, 1, S(x, "issuer"), NULL);
        num(b, s3, r3, 2, G(x, "units"));
        for (int j = 0; j < 8; j++)
            num(b, s3, r3, 3 + j, G(x, keys[j]));
        r3++;
    }
}

static void int_cell(struct book *b, lxw_worksheet *ws, int row, int col, size_t v)
{
    if (worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, (double)v, NULL) != LXW_NO_ERROR)
        b->failed = true;
}

/* The roll-up's rows from row r on, every level, each level indented one full-width space; returns the next row. */
static int annex_govs(struct book *b, lxw_worksheet *ws, int r, const json_t *rows, int depth)
{
    static const char *const figs[] = {"registered", "completed", "completed_on_time", "overdue"};
    size_t i;
    json_t *u;
    json_array_foreach(rows, i, u)
    {
        const char *indent = "";
        for (int k = 0; k < depth; k++)
            indent = arena_printf(b->a, "%s　", indent);
        bool own = S(u, "level") && !strcmp(S(u, "level"), "own");
        str(b, ws, r, 0, arena_printf(b->a, "%s%s%s", indent, S(u, "name"), own ? "（本级）" : ""), NULL);
        for (int k = 0; k < 4; k++)
            num(b, ws, r, 1 + k, G(u, figs[k]));
        r = annex_govs(b, ws, r + 1, G(u, "governments"), depth + 1);
    }
    return r;
}

/* A bulletin's annex: every unit, the roll-up per government, the overdue items (the model's figures). */
static void write_annex(struct book *b, const json_t *bul)
{
    static const char *const h1[] = {"序号", "单位", "交办", "办结", "按期办结", "超期未办结", "超期排名"};
    static const double w1[] = {6, 36, 8, 8, 10, 11, 10};
    static const char *const h2[] = {"政府", "交办", "办结", "按期办结", "超期未办结"};
    static const double w2[] = {32, 8, 8, 10, 11};
    static const char *const h3[] = {"序号", "编号", "督办事项", "牵头单位", "办结时限", "超期天数"};
    static const double w3[] = {6, 22, 44, 28, 12, 10};
    static const char *const figs[] = {"registered", "completed", "completed_on_time", "overdue"};
    const json_t *f = G(bul, "figures"), *tot = G(f, "totals"), *ranking = G(f, "ranking"), *govs = G(f, "governments");
    const char *title = arena_printf(b->a, "%s附件：各责任单位办理情况表", S(bul, "title"));
    lxw_worksheet *s1 = sheet(b, "各责任单位", h1, w1, 7);
    str(b, s1, 0, 0, title, b->title);
    size_t i;
    json_t *u;
    int r = 2;
    json_array_foreach(G(f, "units"), i, u)
    {
        /* the ranking is the units with overdue items, in the units' order */
        const json_t *rk = json_array_get(ranking, i);
        int_cell(b, s1, r, 0, i + 1);
        str(b, s1, r, 1, S(u, "name"), NULL);
        for (int k = 0; k < 4; k++)
            num(b, s1, r, 2 + k, G(u, figs[k]));
        if (rk && json_equal(G(rk, "unit_id"), G(u, "unit_id")))
            num(b, s1, r, 6, G(rk, "rank"));
        r++;
    }
    str(b, s1, r, 1, "合计（每项事项计一次）", b->head);
    for (int k = 0; k < 4; k++)
        num(b, s1, r, 2 + k, G(tot, figs[k]));
    if (json_array_size(govs)) {
        lxw_worksheet *s2 = sheet(b, "各级政府", h2, w2, 5);
        str(b, s2, 0, 0, title, b->title);
        r = annex_govs(b, s2, 2, govs, 0);
        str(b, s2, r, 0, "合计", b->head);
        for (int k = 0; k < 4; k++)
            num(b, s2, r, 1 + k, G(tot, figs[k]));
    }
    lxw_worksheet *s3 = sheet(b, "超期未办结事项", h3, w3, 6);
    str(b, s3, 0, 0, title, b->title);
    r = 2;
    json_array_foreach(G(f, "overdue_items"), i, u)
    {
        int_cell(b, s3, r, 0, i + 1);
        str(b, s3, r, 1, S(u, "number"), NULL);
        str(b, s3, r, 2, S(u, "title"), NULL);
        str(b, s3, r, 3, S(u, "lead_unit"), NULL);
        str(b, s3, r, 4, S(u, "due_date"), NULL);
        num(b, s3, r++, 5, G(u, "overdue_days"));
    }
}

enum err docs_bulletin_annex_xlsx(struct ctx *c, int64_t id, const char **path, const char **name)
{
    json_t *bul = NULL;
    enum err e = bulletins_document(c, id, &bul);
    if (e)
        return e;
    const char *number = json_string_value(G(bul, "number"));
    *name = number ? arena_printf(c->arena, "%s-附件-各责任单位办理情况表.xlsx", number)
                   : arena_printf(c->arena, "%s-附件-各责任单位办理情况表.xlsx", S(bul, "title"));
    return book_write(c, "bulletin-annex", bul, write_annex, path);
}

enum err docs_burden_xlsx(struct ctx *c, const struct burden_query *q, const char **path)
{
    json_t *bd = NULL;
    enum err e = results_burden(c, q, &bd);
    return e ? e : book_write(c, "burden", bd, write_burden, path);
}

enum err docs_scorecard_xlsx(struct ctx *c, int64_t id, const char **path)
{
    json_t *card = NULL;
    enum err e = scorecards_document(c, id, &card);
    return e ? e : book_write(c, "scorecard", card, write_book, path);
}

/* ---- the scorecard as an official document ---- */

static const char *jstr(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

/* A number of points (integer or one decimal) in tenths. */
static int tenths_of(const json_t *v)
{
    double d = json_number_value(v) * 10;
    return (int)(d < 0 ? d - 0.5 : d + 0.5);
}

/* One unit of the model: its totals, its lines grouped by rule (in the order they come), its adjustments. */
static void score_unit_from_json(struct arena *a, const json_t *u, struct doc_score_unit *d)
{
    memset(d, 0, sizeof *d);
    d->name = jstr(u, "name");
    d->kind = jstr(u, "kind_label");
    d->rank = (int)json_integer_value(json_object_get(u, "rank"));
    d->kind_rank = (int)json_integer_value(json_object_get(u, "kind_rank"));
    d->added = tenths_of(json_object_get(u, "added"));
    d->deducted = tenths_of(json_object_get(u, "deducted"));
    d->adjusted = tenths_of(json_object_get(u, "adjusted"));
    d->total = tenths_of(json_object_get(u, "total"));
    d->waived = (int)json_integer_value(json_object_get(u, "waived"));
    const json_t *lines = json_object_get(u, "lines"), *l;
    size_t i;
    d->rules = arena_alloc(a, sizeof *d->rules * (json_array_size(lines) + 1));
    int *refs = arena_alloc(a, sizeof *refs * (json_array_size(lines) + 1));
    json_array_foreach(lines, i, l)
    {
        int k = 0;
        while (k < d->nrules && strcmp(d->rules[k].label, jstr(l, "label")))
            k++;
        if (k == d->nrules) {
            d->rules[k] =
                (struct doc_score_rule){jstr(l, "label"), "", 0, 0, json_is_true(json_object_get(l, "forbidden"))};
            refs[k] = 0;
            d->nrules++;
        }
        struct doc_score_rule *r = &d->rules[k];
        r->count++;
        r->points += tenths_of(json_object_get(l, "points"));
        /* what the points rest on: the first eight numbers, then 等 */
        const char *ref = jstr(l, "ref");
        if (!*ref || strstr(r->refs, ref) || refs[k] > 8)
            continue;
        r->refs = refs[k] < 8 ? arena_printf(a, "%s%s%s", r->refs, refs[k] ? "、" : "", ref)
                              : arena_printf(a, "%s等", r->refs);
        refs[k]++;
    }
    const char *adj = "";
    json_array_foreach(json_object_get(u, "adjustments"), i, l)
    {
        int p = tenths_of(json_object_get(l, "points"));
        adj = arena_printf(a, "%s%s%s（%s%d%s分）", adj, *adj ? "；" : "", jstr(l, "reason"), p > 0 ? "+" : "", p / 10,
                           p % 10 ? arena_printf(a, ".%d", abs(p % 10)) : "");
    }
    d->adjustments = adj;
}

enum err docs_scorecard_pdf(struct ctx *c, int64_t id, int64_t unit_id, struct buf *out, const char **name)
{
    json_t *model = NULL, *sigs = NULL;
    enum err e = scorecards_document(c, id, &model);
    if (e)
        return e;
    struct doc_scorecard sc = {0};
    sc.number = jstr(model, "number");
    sc.title = jstr(model, "title");
    sc.government = jstr(json_object_get(model, "government"), "name");
    sc.as_of = jstr(model, "as_of");
    sc.objection_until = jstr(model, "objection_until");
    sc.year = (int)json_integer_value(json_object_get(model, "year"));
    sc.base = (int)json_integer_value(json_object_get(model, "base"));
    sc.weight_major = (int)json_integer_value(json_object_get(model, "weight_major"));
    sc.draft = json_is_true(json_object_get(model, "draft"));
    const json_t *units = json_object_get(model, "units"), *u;
    size_t i;
    sc.units = arena_alloc(c->arena, sizeof *sc.units * (json_array_size(units) + 1));
    json_array_foreach(units, i, u)
    {
        if (unit_id && json_integer_value(json_object_get(u, "unit_id")) != unit_id)
            continue;
        score_unit_from_json(c->arena, u, &sc.units[sc.nunits++]);
    }
    sc.one_unit = unit_id || json_is_true(json_object_get(model, "own_only"));
    if (!sc.nunits) {
        json_decref(model);
        return ctx_fail(c, ERR_NOT_FOUND, "该单位不在本次考评中或无权查看");
    }
    sc.addressees = sc.one_unit ? sc.units[0].name : arena_printf(c->arena, "%s各部门、各乡镇", sc.government);
    struct doc_office o;
    struct doc_seal seal;
    if (!(e = itemdocs_office_of(c, json_integer_value(json_object_get(model, "office_unit_id")), &o)) && !sc.draft &&
        !(e = seal_signatures_of(c, "scorecard", id, &sigs)) && json_array_size(sigs)) {
        const json_t *s = json_array_get(sigs, json_array_size(sigs) - 1);
        seal = (struct doc_seal){arena_strdup(c->arena, jstr(s, "unit")), arena_strdup(c->arena, jstr(s, "signer")),
                                 arena_strdup(c->arena, jstr(s, "signed_at")),
                                 arena_strdup(c->arena, jstr(s, "fingerprint"))};
        o.seal = &seal;
    }
    struct pdf_fonts fonts = itemdocs_fonts(c);
    if (!e && !pdf_render_scorecard(&o, &sc, jstr(model, "date"), &fonts, c->arena, out, NULL))
        e = ctx_fail(c, ERR_INTERNAL, "生成 PDF 失败（请检查服务器是否安装了所需字体）");
    const char *what = sc.one_unit ? arena_printf(c->arena, "%s考评得分", sc.units[0].name) : "目标责任考评结果";
    *name = sc.draft ? arena_printf(c->arena, "%s（草稿）.pdf", what)
                     : arena_printf(c->arena, "%s-%s.pdf", sc.number, what);
    json_decref(sigs);
    json_decref(model); /* after the drawing: sc borrowed its strings */
    return e;
}
