#include "docs/ledger.h"

#include "base/csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xlsxwriter.h>

struct ledger_xlsx {
    lxw_workbook *wb;
    lxw_worksheet *items, *reports;
    lxw_format *head, *date, *datetime, *pct, *wrap, *light[3];
    int row, report_row;
    bool failed;
};

static const struct {
    const char *head;
    double width;
} item_cols[] = {
    {"序号", 6},      {"编号", 18},     {"督办事项", 36}, {"事项来源", 22}, {"牵头单位", 18},
    {"责任单位", 24}, {"分管领导", 10}, {"交办日期", 12}, {"办结时限", 12}, {"状态", 10},
    {"亮灯", 7},      {"进度", 8},      {"逾期天数", 9},  {"办结日期", 12},
};

static const struct {
    const char *head;
    double width;
} report_cols[] = {
    {"编号", 18}, {"督办事项", 30}, {"报告时间", 17}, {"报告单位", 18}, {"报告人", 10}, {"进度", 8}, {"办理情况", 60},
};

struct ledger_xlsx *ledger_xlsx_open(const char *path, const char *tmpdir)
{
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = (char *)tmpdir, .use_zip64 = LXW_TRUE};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    if (!wb)
        return NULL;
    struct ledger_xlsx *l = calloc(1, sizeof *l);
    if (!l)
        die_oom();
    l->wb = wb;
    l->items = workbook_add_worksheet(wb, "督办台账");
    l->reports = workbook_add_worksheet(wb, "进展报告");
    l->head = workbook_add_format(wb);
    format_set_bold(l->head);
    format_set_bg_color(l->head, 0xD9E1F2);
    format_set_border(l->head, LXW_BORDER_THIN);
    format_set_align(l->head, LXW_ALIGN_CENTER);
    l->date = workbook_add_format(wb);
    format_set_num_format(l->date, "yyyy-mm-dd");
    l->datetime = workbook_add_format(wb);
    format_set_num_format(l->datetime, "yyyy-mm-dd hh:mm");
    l->pct = workbook_add_format(wb);
    format_set_num_format(l->pct, "0%");
    l->wrap = workbook_add_format(wb);
    format_set_text_wrap(l->wrap);
    static const lxw_color_t colours[3] = {0xF8696B, 0xFFEB84, 0x63BE7B};
    for (int i = 0; i < 3; i++) {
        l->light[i] = workbook_add_format(wb);
        format_set_bg_color(l->light[i], colours[i]);
        format_set_align(l->light[i], LXW_ALIGN_CENTER);
    }
    for (int c = 0; c < (int)(sizeof item_cols / sizeof *item_cols); c++) {
        worksheet_set_column(l->items, (lxw_col_t)c, (lxw_col_t)c, item_cols[c].width, c == 2 ? l->wrap : NULL);
        worksheet_write_string(l->items, 0, (lxw_col_t)c, item_cols[c].head, l->head);
    }
    for (int c = 0; c < (int)(sizeof report_cols / sizeof *report_cols); c++) {
        worksheet_set_column(l->reports, (lxw_col_t)c, (lxw_col_t)c, report_cols[c].width, NULL);
        worksheet_write_string(l->reports, 0, (lxw_col_t)c, report_cols[c].head, l->head);
    }
    worksheet_freeze_panes(l->items, 1, 0);
    worksheet_freeze_panes(l->reports, 1, 0);
    l->row = l->report_row = 1;
    return l;
}

/* "YYYY-MM-DD" -> Excel date; false if not a date. */
static bool parse_date(const char *s, lxw_datetime *dt)
{
    int y, m, d;
    memset(dt, 0, sizeof *dt);
    if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    dt->year = y;
    dt->month = m;
    dt->day = d;
    return true;
}

/* ISO instant -> local date and time. */
static bool parse_instant(const char *s, lxw_datetime *dt, struct arena *a)
{
    const char *local = doc_time_local(a, s); /* "YYYY-MM-DD HH:MM" or the input */
    int y, m, d, hh, mm;
    if (sscanf(local, "%4d-%2d-%2d %2d:%2d", &y, &m, &d, &hh, &mm) != 5)
        return parse_date(s, dt);
    *dt = (lxw_datetime){y, m, d, hh, mm, 0};
    return true;
}

static void cell_str(struct ledger_xlsx *l, lxw_worksheet *ws, int row, int col, const char *s)
{
    if (s && *s && worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col, s, NULL) != LXW_NO_ERROR)
        l->failed = true;
}

static void cell_date(struct ledger_xlsx *l, int row, int col, const char *s)
{
    lxw_datetime dt;
    if (parse_date(s, &dt)) {
        if (worksheet_write_datetime(l->items, (lxw_row_t)row, (lxw_col_t)col, &dt, l->date) != LXW_NO_ERROR)
            l->failed = true;
    } else {
        cell_str(l, l->items, row, col, s);
    }
}

bool ledger_xlsx_item(struct ledger_xlsx *l, const struct doc_item *it)
{
    struct arena a = ARENA_INIT;
    int r = l->row++;
    lxw_worksheet *ws = l->items;
    worksheet_write_number(ws, (lxw_row_t)r, 0, r, NULL);
    cell_str(l, ws, r, 1, it->number);
    cell_str(l, ws, r, 2, it->title);
    cell_str(l, ws, r, 3, it->source);
    cell_str(l, ws, r, 4, it->lead_unit);
    const char *co = "";
    for (int i = 0; i < it->nco; i++)
        co = arena_printf(&a, "%s%s%s", co, *co ? "、" : "", it->co_units[i]);
    cell_str(l, ws, r, 5, co);
    cell_str(l, ws, r, 6, it->leader);
    cell_date(l, r, 7, it->assigned_at);
    cell_date(l, r, 8, it->deadline);
    cell_str(l, ws, r, 9, it->state);
    int li = !strcmp(it->light ? it->light : "", "red")      ? 0
             : !strcmp(it->light ? it->light : "", "yellow") ? 1
             : !strcmp(it->light ? it->light : "", "green")  ? 2
                                                            : -1;
    if (li >= 0)
        worksheet_write_string(ws, (lxw_row_t)r, 10, doc_light_label(it->light), l->light[li]);
    worksheet_write_number(ws, (lxw_row_t)r, 11, it->progress / 100.0, l->pct);
    worksheet_write_number(ws, (lxw_row_t)r, 12, it->overdue_days, NULL);
    cell_date(l, r, 13, it->completed_at);

    for (int i = 0; i < it->nreports; i++) {
        const struct doc_report *rep = &it->reports[i];
        int rr = l->report_row++;
        cell_str(l, l->reports, rr, 0, it->number);
        cell_str(l, l->reports, rr, 1, it->title);
        lxw_datetime dt;
        if (parse_instant(rep->at, &dt, &a))
            worksheet_write_datetime(l->reports, (lxw_row_t)rr, 2, &dt, l->datetime);
        cell_str(l, l->reports, rr, 3, rep->unit);
        cell_str(l, l->reports, rr, 4, rep->author);
        worksheet_write_number(l->reports, (lxw_row_t)rr, 5, rep->progress / 100.0, l->pct);
        cell_str(l, l->reports, rr, 6, rep->text);
    }
    arena_free(&a);
    return !l->failed;
}

bool ledger_xlsx_close(struct ledger_xlsx *l, char *err, size_t errlen)
{
    if (l->row > 1)
        worksheet_autofilter(l->items, 0, 0, (lxw_row_t)(l->row - 1),
                             (lxw_col_t)(sizeof item_cols / sizeof *item_cols - 1));
    lxw_error e = workbook_close(l->wb);
    bool ok = e == LXW_NO_ERROR && !l->failed;
    if (!ok)
        snprintf(err, errlen, "%s", e ? lxw_strerror(e) : "a cell could not be written");
    free(l);
    return ok;
}

const char *const ledger_csv_columns[] = {
    "number",   "title",    "requirement", "source_kind",  "source_ref", "lead_unit",
    "co_units", "leader",   "due_date",    "importance",   "kind",       "state",
    "light",    "progress", "assigned_at", "completed_at", NULL,
};

void ledger_csv_header(struct buf *out)
{
    buf_puts(out, "\xEF\xBB\xBF");
    for (int i = 0; ledger_csv_columns[i]; i++)
        csv_write_field(out, ledger_csv_columns[i], !ledger_csv_columns[i + 1]);
}

void ledger_csv_item(struct buf *out, const struct doc_item *it)
{
    struct arena a = ARENA_INIT;
    const char *co = "";
    for (int i = 0; i < it->nco; i++)
        co = arena_printf(&a, "%s%s%s", co, *co ? "、" : "", it->co_units[i]);
    const char *v[] = {it->number,
                       it->title,
                       it->content,
                       it->source_kind,
                       it->source_ref,
                       it->lead_unit,
                       co,
                       it->leader,
                       it->deadline,
                       it->importance,
                       it->kind,
                       it->state,
                       it->light,
                       arena_printf(&a, "%d", it->progress),
                       it->assigned_at,
                       it->completed_at};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        csv_write_field(out, v[i], i + 1 == sizeof v / sizeof *v);
    arena_free(&a);
}
