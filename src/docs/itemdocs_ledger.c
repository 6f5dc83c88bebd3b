/*
 * itemdocs_ledger.c: the ledger (台账) as documents: the list PDF (督办事项清单), XLSX and CSV,
 * every item of a ledger filter page by page, with what ledger rows lack (requirement, source_ref,
 * closed_at, progress reports) read in batches.
 */
#include "docs/itemdocs_internal.h"

#include "base/log.h"
#include "docs/ledger.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LIST_PDF_MAX 2000 /* items in one list PDF */
#define PAGE_SIZE 20000   /* ledger rows per items_ledger call (each call costs a scan of the scope) */

/* A page of ledger items with an index by id (sorted), for the batched lookups below. */
struct page {
    struct doc_item *items;
    int n;
    struct idx {
        int64_t id;
        int i;
    } * by_id;
};

static int idx_cmp(const void *x, const void *y)
{
    int64_t a = ((const struct idx *)x)->id, b = ((const struct idx *)y)->id;
    return a < b ? -1 : a > b;
}

static struct doc_item *page_find(struct page *pg, int64_t id)
{
    struct idx key = {id, 0};
    struct idx *hit = bsearch(&key, pg->by_id, (size_t)pg->n, sizeof *pg->by_id, idx_cmp);
    return hit ? &pg->items[hit->i] : NULL;
}

#define BATCH 500 /* ids per IN (…) list */

/* "SELECT … WHERE col IN (?, ?, …)" for k ids (structure only; the ids are bound). */
static const char *in_sql(struct arena *a, const char *head, const char *tail, int k)
{
    struct buf b = {0};
    buf_puts(&b, head);
    for (int i = 0; i < k; i++)
        buf_puts(&b, i ? ", ?" : "?");
    buf_puts(&b, tail);
    char *s = buf_take(&b);
    const char *out = arena_strdup(a, s);
    free(s);
    return out;
}

/* Adds what ledger rows lack (requirement, source_ref, closed_at) and, with reports, every
 * progress report: two queries per BATCH items instead of two per item. */
static enum err page_details(struct ctx *c, struct arena *a, struct page *pg, bool reports)
{
    for (int from = 0; from < pg->n; from += BATCH) {
        int k = pg->n - from < BATCH ? pg->n - from : BATCH;
        const char *sql = in_sql(a, "SELECT id, requirement, source_ref, closed_at FROM items WHERE id IN (", ")", k);
        struct stmt *st = db_prepare(c->db, sql);
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "导出台账");
        for (int i = 0; i < k; i++)
            stmt_bind_int(st, i + 1, pg->items[from + i].id);
        int rc;
        while ((rc = stmt_step(st)) == STORE_ROW) {
            struct doc_item *it = page_find(pg, stmt_int(st, 0));
            if (!it)
                continue;
            it->content = arena_strdup(a, stmt_text(st, 1));
            it->source_ref = arena_strdup(a, stmt_text(st, 2));
            it->completed_at = stmt_text(st, 3) ? doc_day_local(a, stmt_text(st, 3)) : "";
        }
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "导出台账");
        if (!reports)
            continue;
        sql = in_sql(a,
                     "SELECT r.item_id, r.created_at, u.name, us.name, r.percent, r.text FROM item_reports r "
                     "JOIN units u ON u.id = r.unit_id LEFT JOIN users us ON us.id = r.created_by WHERE r.item_id IN (",
                     ") ORDER BY r.item_id, r.id", k);
        st = db_prepare(c->db, sql);
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "导出台账");
        for (int i = 0; i < k; i++)
            stmt_bind_int(st, i + 1, pg->items[from + i].id);
        while ((rc = stmt_step(st)) == STORE_ROW) {
            struct doc_item *it = page_find(pg, stmt_int(st, 0));
            if (!it)
                continue;
            struct doc_report *v = arena_alloc(a, sizeof *v * (size_t)(it->nreports + 1));
            if (it->nreports)
                memcpy(v, it->reports, sizeof *v * (size_t)it->nreports);
            v[it->nreports++] =
                (struct doc_report){arena_strdup(a, stmt_text(st, 1)), arena_strdup(a, stmt_text(st, 2)),
                                    arena_strdup(a, stmt_text(st, 3) ? stmt_text(st, 3) : ""),
                                    arena_strdup(a, stmt_text(st, 5)), (int)stmt_int(st, 4)};
            it->reports = v;
        }
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "导出台账");
    }
    return ERR_OK;
}

/* Calls fn for every item of the filter, in ledger order; each page's memory is released after. */
static enum err ledger_each(struct ctx *c, const struct ledger_query *q, bool reports,
                            enum err (*fn)(struct ctx *c, const struct doc_item *it, void *arg), void *arg)
{
    struct ledger_query lq = *q;
    lq.per_page = PAGE_SIZE;
    const char *day = itemdocs_today(c);
    for (lq.page = 1;; lq.page++) {
        json_t *page = NULL;
        enum err e = items_ledger(c, &lq, &page);
        if (e)
            return e;
        json_t *rows = json_object_get(page, "items"), *row;
        size_t i, n = json_array_size(rows);
        struct arena a = ARENA_INIT;
        struct page pg = {arena_alloc(&a, sizeof *pg.items * (n + 1)), (int)n,
                          arena_alloc(&a, sizeof *pg.by_id * (n + 1))};
        json_array_foreach(rows, i, row)
        {
            doc_item_from_items(&a, row, NULL, NULL, NULL, day, &pg.items[i]);
            pg.by_id[i] = (struct idx){pg.items[i].id, (int)i};
        }
        qsort(pg.by_id, n, sizeof *pg.by_id, idx_cmp);
        e = page_details(c, &a, &pg, reports);
        for (i = 0; i < n && !e; i++)
            e = fn(c, &pg.items[i], arg);
        arena_free(&a);
        json_decref(page);
        if (e)
            return e;
        if (n < (size_t)PAGE_SIZE)
            return ERR_OK;
    }
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
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        struct doc_item *v = arena_alloc(c->arena, sizeof *v * (size_t)l->cap);
        if (l->n)
            memcpy(v, l->items, sizeof *v * (size_t)l->n);
        l->items = v;
    }
    /* the page arena is freed after the page: copy what the list shows into the ctx arena */
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
    enum err e = ledger_each(c, q, false, list_add, &l);
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

static enum err xlsx_add(struct ctx *c, const struct doc_item *it, void *arg)
{
    if (!ledger_xlsx_item(arg, it))
        return ctx_fail(c, ERR_INTERNAL, "写入 XLSX 失败");
    return ERR_OK;
}

enum err docs_ledger_xlsx(struct ctx *c, const struct ledger_query *q, const char **path)
{
    const char *dir = itemdocs_data_subdir(c, "tmp");
    char *tmpl = arena_printf(c->arena, "%s/ledger-XXXXXX.xlsx", dir);
    int fd = mkstemps(tmpl, 5);
    if (fd < 0)
        return ctx_fail(c, ERR_INTERNAL, "导出失败：无法在数据目录创建临时文件");
    close(fd);
    struct ledger_xlsx *l = ledger_xlsx_open(tmpl, dir);
    if (!l) {
        unlink(tmpl);
        return ctx_fail(c, ERR_INTERNAL, "导出失败：无法创建 XLSX");
    }
    enum err e = ledger_each(c, q, true, xlsx_add, l);
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

static enum err csv_add(struct ctx *c, const struct doc_item *it, void *arg)
{
    (void)c;
    ledger_csv_item(arg, it);
    return ERR_OK;
}

enum err docs_ledger_csv(struct ctx *c, const struct ledger_query *q, struct buf *out)
{
    ledger_csv_header(out);
    return ledger_each(c, q, false, csv_add, out);
}
