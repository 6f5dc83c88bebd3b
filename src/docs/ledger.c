/*
 * ledger.c (docs): the ledger (台账) as documents: XLSX (base/xlsx_write: streamed sheets) and CSV
 * written row by row into a temporary file as the rows come from the ledger in keyset batches
 * (items_ledger_each), so that memory does not grow with the number of items; the list PDF
 * (督办事项清单) of at most LIST_PDF_MAX items.
 */
#include "docs/ledger.h"

#include "base/csv.h"
#include "base/log.h"
#include "base/xlsx_write.h"
#include "docs/itemdocs_internal.h"
#include "items/items.h"
#include "items/ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The cell formats (xlsxw numbers them from 1 in this order). */
enum { F_HEAD = 1, F_DATE, F_DATETIME, F_PCT, F_WRAP, F_RED, F_YELLOW, F_GREEN };
static const struct xlsxw_format formats[] = {
    [F_HEAD - 1] = {.bold = true, .border = true, .center = true, .fill = 0xD9E1F2},
    [F_DATE - 1] = {.numfmt = "yyyy-mm-dd"},
    [F_DATETIME - 1] = {.numfmt = "yyyy-mm-dd hh:mm"},
    [F_PCT - 1] = {.numfmt = "0%"},
    [F_WRAP - 1] = {.wrap = true},
    [F_RED - 1] = {.center = true, .fill = 0xF8696B},
    [F_YELLOW - 1] = {.center = true, .fill = 0xFFEB84},
    [F_GREEN - 1] = {.center = true, .fill = 0x63BE7B},
};

struct ledger_xlsx {
    struct xlsxw *w;
    int items, reports; /* the sheets */
    int row, report_row;
};

static const struct xlsxw_col item_cols[] = {
    {"序号", 6, 0},      {"编号", 18, 0},     {"督办事项", 36, F_WRAP}, {"事项来源", 22, 0}, {"牵头单位", 18, 0},
    {"责任单位", 24, 0}, {"分管领导", 10, 0}, {"交办日期", 12, 0},      {"办结时限", 12, 0}, {"状态", 10, 0},
    {"亮灯", 7, 0},      {"进度", 8, 0},      {"逾期天数", 9, 0},       {"办结日期", 12, 0}, {"密级", 7, 0},
};

static const struct xlsxw_col report_cols[] = {
    {"编号", 18, 0},   {"督办事项", 30, 0}, {"报告时间", 17, 0}, {"报告单位", 18, 0},
    {"报告人", 10, 0}, {"进度", 8, 0},      {"办理情况", 60, 0},
};

struct ledger_xlsx *ledger_xlsx_open(const char *path, const char *tmpdir)
{
    const char *dir = tmpdir ? tmpdir : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    struct xlsxw *w = xlsxw_open(path, dir, formats, (int)(sizeof formats / sizeof *formats));
    if (!w)
        return NULL;
    struct ledger_xlsx *l = calloc(1, sizeof *l);
    if (!l)
        die_oom();
    l->w = w;
    l->items = xlsxw_sheet(w, "督办台账", item_cols, (int)(sizeof item_cols / sizeof *item_cols), F_HEAD);
    l->reports = xlsxw_sheet(w, "进展报告", report_cols, (int)(sizeof report_cols / sizeof *report_cols), F_HEAD);
    l->row = l->report_row = 1;
    return l;
}

struct stamp {
    int year, month, day, hour, min;
};

/* "YYYY-MM-DD" -> a date; false if not a date. */
static bool parse_date(const char *s, struct stamp *dt)
{
    int v[3] = {0, 0, 0};
    memset(dt, 0, sizeof *dt);
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0, k = 0; i < 10; i++) { /* by hand: three dates a row */
        if (i == 4 || i == 7)
            k++;
        else if (s[i] >= '0' && s[i] <= '9')
            v[k] = v[k] * 10 + (s[i] - '0');
        else
            return false;
    }
    int y = v[0], m = v[1], d = v[2];
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    dt->year = y;
    dt->month = m;
    dt->day = d;
    return true;
}

/* ISO instant -> local date and time. */
static bool parse_instant(const char *s, struct stamp *dt, struct arena *a)
{
    const char *local = doc_time_local(a, s); /* "YYYY-MM-DD HH:MM" or the input */
    int y, m, d, hh, mm;
    if (sscanf(local, "%4d-%2d-%2d %2d:%2d", &y, &m, &d, &hh, &mm) != 5)
        return parse_date(s, dt);
    *dt = (struct stamp){y, m, d, hh, mm};
    return true;
}

static void cell_date(struct ledger_xlsx *l, int row, int col, const char *s)
{
    struct stamp dt;
    if (parse_date(s, &dt))
        xlsxw_datetime(l->w, l->items, row, col, dt.year, dt.month, dt.day, 0, 0, F_DATE);
    else
        xlsxw_text(l->w, l->items, row, col, s, 0);
}

bool ledger_xlsx_item(struct ledger_xlsx *l, const struct doc_item *it)
{
    struct arena a = ARENA_INIT;
    int r = l->row++;
    struct xlsxw *w = l->w;
    int ws = l->items;
    xlsxw_number(w, ws, r, 0, r, 0);
    xlsxw_text(w, ws, r, 1, it->number, 0);
    xlsxw_text(w, ws, r, 2, it->title, 0);
    xlsxw_text(w, ws, r, 3, it->source, 0);
    xlsxw_text(w, ws, r, 4, it->lead_unit, 0);
    const char *co = it->nco == 1 ? it->co_units[0] : "";
    for (int i = 0; it->nco > 1 && i < it->nco; i++)
        co = arena_printf(&a, "%s%s%s", co, *co ? "、" : "", it->co_units[i]);
    xlsxw_text(w, ws, r, 5, co, 0);
    xlsxw_text(w, ws, r, 6, it->leader, 0);
    cell_date(l, r, 7, it->assigned_at);
    cell_date(l, r, 8, it->deadline);
    xlsxw_text(w, ws, r, 9, it->state, 0);
    const char *light = it->light ? it->light : "";
    int lf = !strcmp(light, "red")      ? F_RED
             : !strcmp(light, "yellow") ? F_YELLOW
             : !strcmp(light, "green")  ? F_GREEN
                                        : 0;
    if (lf)
        xlsxw_text(w, ws, r, 10, doc_light_label(it->light), lf);
    xlsxw_number(w, ws, r, 11, it->progress / 100.0, F_PCT);
    xlsxw_number(w, ws, r, 12, it->overdue_days, 0);
    cell_date(l, r, 13, it->completed_at);
    xlsxw_text(w, ws, r, 14, items_confidentiality_label(it->confidentiality), 0);

    for (int i = 0; i < it->nreports; i++) {
        const struct doc_report *rep = &it->reports[i];
        int rr = l->report_row++;
        xlsxw_text(w, l->reports, rr, 0, it->number, 0);
        xlsxw_text(w, l->reports, rr, 1, it->title, 0);
        struct stamp dt;
        if (parse_instant(rep->at, &dt, &a))
            xlsxw_datetime(w, l->reports, rr, 2, dt.year, dt.month, dt.day, dt.hour, dt.min, F_DATETIME);
        xlsxw_text(w, l->reports, rr, 3, rep->unit, 0);
        xlsxw_text(w, l->reports, rr, 4, rep->author, 0);
        xlsxw_number(w, l->reports, rr, 5, rep->progress / 100.0, F_PCT);
        xlsxw_text(w, l->reports, rr, 6, rep->text, 0);
    }
    arena_free(&a);
    return xlsxw_ok(w);
}

bool ledger_xlsx_close(struct ledger_xlsx *l, char *err, size_t errlen)
{
    xlsxw_autofilter(l->w, l->items);
    bool ok = xlsxw_close(l->w, err, errlen);
    free(l);
    return ok;
}

/* The words of the page and the XLSX (the item import reads them back: itemdocs_import.c). */
const char *const ledger_csv_columns[] = {
    "编号",     "督办事项", "督办要求", "事项来源", "来源文号", "牵头单位", "责任单位", "分管领导", "办结时限",
    "重要程度", "事项类型", "状态",     "亮灯",     "进度",     "交办日期", "办结日期", "密级",     NULL,
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
    const char *co = it->nco == 1 ? it->co_units[0] : "";
    for (int i = 0; it->nco > 1 && i < it->nco; i++)
        co = arena_printf(&a, "%s%s%s", co, *co ? "、" : "", it->co_units[i]);
    char pct[16];
    snprintf(pct, sizeof pct, "%d%%", it->progress);
    const char *source = item_source_label(it->source_kind), *importance = items_importance_label(it->importance),
               *kind = items_kind_label(it->kind), *secrecy = items_confidentiality_label(it->confidentiality);
    const char *v[] = {it->number,
                       it->title,
                       it->content,
                       source ? source : it->source_kind,
                       it->source_ref,
                       it->lead_unit,
                       co,
                       it->leader,
                       it->deadline,
                       importance ? importance : it->importance,
                       kind ? kind : it->kind,
                       it->state,
                       doc_light_label(it->light),
                       pct,
                       it->assigned_at,
                       it->completed_at,
                       secrecy ? secrecy : ""};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        csv_write_field(out, v[i], i + 1 == sizeof v / sizeof *v);
    arena_free(&a);
}

/* ---- the exports: rows from the ledger in keyset batches ---- */

#define LIST_PDF_MAX 2000 /* items in one list PDF */
#define EXPORT_BATCH 1000 /* ledger rows per keyset page (ledger_export_batch) */
#define REPORT_BATCH 500  /* ids per IN (…) list of progress reports */

/* A ledger row as the documents see it (strings borrowed from the row, the rest in a). */
static void doc_from_row(struct arena *a, const struct ledger_row *r, const char *today, struct doc_item *it)
{
    memset(it, 0, sizeof *it);
    it->id = r->id;
    it->number = r->number && *r->number ? r->number : "（未编号）";
    it->title = r->title;
    it->source = r->source_ref && *r->source_ref ? arena_printf(a, "%s（%s）", r->source_kind_label, r->source_ref)
                                                 : r->source_kind_label;
    it->source_kind = r->source_kind;
    it->source_ref = r->source_ref ? r->source_ref : "";
    it->importance = r->importance;
    it->kind = r->kind;
    it->content = r->requirement ? r->requirement : "";
    it->requirement = "";
    it->lead_unit = r->lead_unit_name;
    it->leader = r->leader_name ? r->leader_name : "";
    it->deadline = r->due_date;
    it->state = r->state_label;
    it->light = r->light;
    it->progress = r->progress;
    it->overdue_days = doc_overdue_days(r->state, r->due_date, today);
    it->registered_at = doc_day_local(a, r->created_at);
    it->assigned_at = r->assigned_at ? doc_day_local(a, r->assigned_at) : "";
    it->confidentiality = r->confidentiality;
    it->completed_at = r->closed_at ? doc_day_local(a, r->closed_at) : "";
    it->reply = "";
    it->co_units = arena_alloc(a, sizeof *it->co_units * (size_t)(r->ntracks + 1));
    for (int i = 0; i < r->ntracks; i++) {
        if (!strcmp(r->tracks[i].role, "co"))
            it->co_units[it->nco++] = r->tracks[i].unit_name;
        else if (r->tracks[i].reply_text && *r->tracks[i].reply_text)
            it->reply = r->tracks[i].reply_text;
    }
}

/* What an export does with each item; reports: the items need their progress reports. */
struct export
{
    const char *today;
    bool reports;
    enum err (*add)(struct ctx * c, const struct doc_item *it, void *arg);
    void *arg;
};

/* Adds the progress reports of a batch's items (one query per REPORT_BATCH ids; a's memory). */
static enum err export_reports(struct ctx *c, struct arena *a, struct doc_item *items, int n)
{
    for (int from = 0; from < n; from += REPORT_BATCH) {
        int k = n - from < REPORT_BATCH ? n - from : REPORT_BATCH;
        int64_t *ids = arena_alloc(a, sizeof *ids * (size_t)k);
        for (int i = 0; i < k; i++)
            ids[i] = items[from + i].id;
        struct buf sql = {0};
        buf_puts(&sql, "SELECT r.item_id, r.created_at, u.name, us.name, r.percent, r.text FROM item_reports r JOIN "
                       "units u ON u.id = r.unit_id LEFT JOIN users us ON us.id = r.created_by WHERE ");
        db_sql_in_ints(c->db, &sql, "r.item_id", k);
        buf_puts(&sql, " ORDER BY r.item_id, r.id");
        struct stmt *st = db_prepare(c->db, sql.data);
        buf_free(&sql);
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "导出台账");
        stmt_bind_ints(st, 1, ids, k);
        int rc, cap = 0;            /* cap: the room of it's reports */
        struct doc_item *it = NULL; /* an item's reports come one after the other */
        while ((rc = stmt_step(st)) == STORE_ROW) {
            int64_t id = stmt_int(st, 0);
            for (int i = from; i < from + k && (!it || it->id != id); i++)
                if (items[i].id == id) {
                    it = &items[i];
                    cap = 0;
                }
            if (!it || it->id != id)
                continue;
            it->reports = arena_grow(a, it->reports, it->nreports, &cap, sizeof *it->reports);
            it->reports[it->nreports++] =
                (struct doc_report){arena_strdup(a, stmt_text(st, 1)), arena_strdup(a, stmt_text(st, 2)),
                                    arena_strdup(a, stmt_text(st, 3) ? stmt_text(st, 3) : ""),
                                    arena_strdup(a, stmt_text(st, 5)), (int)stmt_int(st, 4)};
        }
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "导出台账");
    }
    return ERR_OK;
}

/* One keyset page of the ledger: the documents' view of its rows (strings borrowed from the rows,
 * which live until this returns), their reports, and each handed to the export. */
static enum err export_batch(struct ctx *c, const struct ledger_row *rows, int n, void *arg)
{
    struct export *x = arg;
    struct arena a = ARENA_INIT;
    struct doc_item *items = arena_alloc(&a, sizeof *items * (size_t)n);
    for (int i = 0; i < n; i++)
        doc_from_row(&a, &rows[i], x->today, &items[i]);
    enum err e = x->reports ? export_reports(c, &a, items, n) : ERR_OK;
    for (int i = 0; i < n && !e; i++)
        e = x->add(c, &items[i], x->arg);
    arena_free(&a);
    return e;
}

/* Calls add for every item of the filter, in ledger order, in keyset pages of ledger_export_batch rows. */
static enum err export_each(struct ctx *c, const struct ledger_query *q, bool reports,
                            enum err (*add)(struct ctx *c, const struct doc_item *it, void *arg), void *arg)
{
    struct export x = {.today = itemdocs_today(c), .reports = reports, .add = add, .arg = arg};
    int64_t batch = c->cfg && c->cfg->ledger_export_batch > 0 ? c->cfg->ledger_export_batch : EXPORT_BATCH;
    return items_ledger_each(c, q, batch > 100000 ? 100000 : (int)batch, true, export_batch, &x);
}

struct list_acc {
    struct doc_item *items;
    int n, cap;
};

static enum err list_add(struct ctx *c, const struct doc_item *it, void *arg)
{
    struct list_acc *l = arg;
    if (l->n >= LIST_PDF_MAX)
        return ctx_fail(c, ERR_INVALID, "清单超过 %d 项，请缩小筛选范围或导出 XLSX", LIST_PDF_MAX);
    l->items = arena_grow(c->arena, l->items, l->n, &l->cap, sizeof *l->items);
    /* the batch arena is freed after the batch: copy what the list shows into the ctx arena */
    struct doc_item *d = &l->items[l->n++];
    *d = *it;
    d->number = arena_strdup(c->arena, it->number);
    d->title = arena_strdup(c->arena, it->title);
    d->lead_unit = arena_strdup(c->arena, it->lead_unit);
    d->deadline = arena_strdup(c->arena, it->deadline);
    d->state = arena_strdup(c->arena, it->state);
    d->light = arena_strdup(c->arena, it->light);
    d->co_units = arena_alloc(c->arena, sizeof *d->co_units * (size_t)(it->nco + 1));
    for (int i = 0; i < it->nco; i++)
        d->co_units[i] = arena_strdup(c->arena, it->co_units[i]);
    d->nreports = d->nevents = d->nmilestones = d->nseals = 0;
    return ERR_OK;
}

/* The issuer of a ledger document: the office of the caller's first grant, else the system's name. */
static void ledger_office(struct ctx *c, struct doc_office *o)
{
    memset(o, 0, sizeof *o);
    o->issuer = "督查督办管理系统";
    struct doc_office tmp;
    if (c->user && c->user->ngrants && itemdocs_office_of(c, c->user->grants[0].unit_id, &tmp) == ERR_OK && *tmp.issuer)
        o->issuer = tmp.issuer;
    o->copy_to = "";
    o->contact = "";
}

enum err docs_list_pdf(struct ctx *c, const struct ledger_query *q, const char *filter, struct buf *out)
{
    struct list_acc l = {0};
    enum err e = export_each(c, q, false, list_add, &l);
    if (e)
        return e;
    struct doc_office o;
    ledger_office(c, &o);
    struct pdf_job job = {.kind = DOC_LIST, .office = &o, .items = l.items, .nitems = l.n, .fonts = itemdocs_fonts(c)};
    job.list_title = "督办事项清单";
    job.filter = filter;
    job.date = itemdocs_today(c);
    return itemdocs_render(c, &job, out);
}

/* A new temporary file data_dir/tmp/ledger-XXXXXX.ext (arena path); fd open for writing. */
static enum err temp_file(struct ctx *c, const char *ext, char **path, int *fd)
{
    const char *dir = itemdocs_data_subdir(c, "tmp");
    *path = arena_printf(c->arena, "%s/ledger-XXXXXX.%s", dir, ext);
    *fd = mkstemps(*path, (int)strlen(ext) + 1);
    if (*fd < 0)
        return ctx_fail(c, ERR_INTERNAL, "导出失败：无法在数据目录创建临时文件");
    return ERR_OK;
}

static enum err xlsx_add(struct ctx *c, const struct doc_item *it, void *arg)
{
    if (!ledger_xlsx_item(arg, it))
        return ctx_fail(c, ERR_INTERNAL, "写入 XLSX 失败");
    return ERR_OK;
}

enum err docs_ledger_xlsx(struct ctx *c, const struct ledger_query *q, const char **path)
{
    char *tmpl;
    int fd;
    enum err e = temp_file(c, "xlsx", &tmpl, &fd);
    if (e)
        return e;
    close(fd);
    struct ledger_xlsx *l = ledger_xlsx_open(tmpl, itemdocs_data_subdir(c, "tmp"));
    if (!l) {
        unlink(tmpl);
        return ctx_fail(c, ERR_INTERNAL, "导出失败：无法创建 XLSX");
    }
    e = export_each(c, q, true, xlsx_add, l);
    char err[256];
    if (!ledger_xlsx_close(l, err, sizeof err) && !e) {
        log_error("xlsx export: %s", err);
        e = ctx_fail(c, ERR_INTERNAL, "导出失败：写入 XLSX 出错");
    }
    if (e) {
        unlink(tmpl);
        return e;
    }
    *path = tmpl;
    return ERR_OK;
}

/* CSV records go through a small buffer into the file. */
struct csv_out {
    FILE *f;
    struct buf b;
};

static enum err csv_add(struct ctx *c, const struct doc_item *it, void *arg)
{
    struct csv_out *o = arg;
    ledger_csv_item(&o->b, it);
    if (o->b.len >= 65536) {
        if (fwrite(o->b.data, 1, o->b.len, o->f) != o->b.len)
            return ctx_fail(c, ERR_INTERNAL, "导出失败：写入临时文件出错");
        buf_reset(&o->b);
    }
    return ERR_OK;
}

enum err docs_ledger_csv(struct ctx *c, const struct ledger_query *q, const char **path)
{
    char *tmpl;
    int fd;
    enum err e = temp_file(c, "csv", &tmpl, &fd);
    if (e)
        return e;
    struct csv_out o = {fdopen(fd, "wb"), {0}};
    if (!o.f) {
        close(fd);
        unlink(tmpl);
        return ctx_fail(c, ERR_INTERNAL, "导出失败：无法写入临时文件");
    }
    ledger_csv_header(&o.b);
    e = export_each(c, q, false, csv_add, &o);
    if (!e && o.b.len && fwrite(o.b.data, 1, o.b.len, o.f) != o.b.len)
        e = ctx_fail(c, ERR_INTERNAL, "导出失败：写入临时文件出错");
    buf_free(&o.b);
    if (fclose(o.f) != 0 && !e)
        e = ctx_fail(c, ERR_INTERNAL, "导出失败：写入临时文件出错");
    if (e) {
        unlink(tmpl);
        return e;
    }
    *path = tmpl;
    return ERR_OK;
}
