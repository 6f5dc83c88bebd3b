/*
 * itemdocs.c: documents of supervision items, built on the items module's public functions (which
 * check permissions) and, for bulk exports, a few read-only lookups of item columns the ledger rows
 * do not carry (requirement, source_ref, closed_at, progress reports).
 */
#include "docs/itemdocs.h"

#include "audit/audit.h"
#include "base/csv.h"
#include "base/log.h"
#include "base/timeu.h"
#include "core/perm.h"
#include "docs/archive.h"
#include "docs/ledger.h"
#include "docs/seal.h"
#include "units/units.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LIST_PDF_MAX 2000 /* items in one list PDF */
#define PAGE_SIZE 20000   /* ledger rows per items_ledger call (each call costs a scan of the scope) */

static const char *today(struct ctx *c)
{
    time_t t = (time_t)c->now;
    struct tm tm;
    localtime_r(&t, &tm);
    return arena_printf(c->arena, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

static struct pdf_fonts fonts(struct ctx *c)
{
    return (struct pdf_fonts){c->cfg->font_title, c->cfg->font_body, c->cfg->font_heading};
}

/* The issuing office of an item's documents: a government's office is named after the government
 * ("古城县人民政府" -> "古城县人民政府办公室"), with the registering office's contact. */
static enum err office_of(struct ctx *c, int64_t office_unit_id, struct doc_office *o)
{
    memset(o, 0, sizeof *o);
    struct stmt *st = db_prepare(c->db, "SELECT u.name, u.contact, u.phone, p.name, p.kind, u.kind FROM units u "
                                        "LEFT JOIN units p ON p.id = u.parent_id WHERE u.id = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取发文机关");
    stmt_bind_int(st, 1, office_unit_id);
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        const char *name = stmt_text(st, 0), *pkind = stmt_text(st, 4), *kind = stmt_text(st, 5);
        if (!strcmp(kind, "government")) /* the government itself registered it */
            o->issuer = arena_printf(c->arena, "%s办公室", name);
        else if (!strcmp(kind, "office") && pkind && !strcmp(pkind, "government")) /* its 督查室 */
            o->issuer = arena_printf(c->arena, "%s办公室", stmt_text(st, 3));
        else
            o->issuer = arena_strdup(c->arena, name);
        const char *contact = stmt_text(st, 1), *phone = stmt_text(st, 2);
        if ((contact && *contact) || (phone && *phone))
            o->contact = arena_printf(c->arena, "%s　%s　%s", name, contact ? contact : "", phone ? phone : "");
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取发文机关");
    if (!o->issuer)
        o->issuer = "";
    o->header = arena_printf(c->arena, "%s文件", o->issuer);
    o->copy_to = "";
    return ERR_OK;
}

/* Everything one item's documents need; json_t parts are released by item_docs_free. */
struct item_docs {
    json_t *item, *events, *reports, *sigs;
    struct doc_item doc;
    struct doc_office office;
    int64_t office_unit_id;
};

static void item_docs_free(struct item_docs *d)
{
    json_decref(d->item);
    json_decref(d->events);
    json_decref(d->reports);
    json_decref(d->sigs);
}

static enum err item_docs_load(struct ctx *c, int64_t id, struct item_docs *d)
{
    memset(d, 0, sizeof *d);
    enum err e = items_get(c, id, &d->item);
    if (!e)
        e = items_events(c, id, &d->events);
    if (!e)
        e = items_reports(c, id, &d->reports);
    if (!e)
        e = seal_signatures_of(c, "item", id, &d->sigs);
    if (e)
        return e;
    doc_item_from_items(c->arena, d->item, d->events, d->reports, d->sigs, today(c), &d->doc);
    d->office_unit_id = json_integer_value(json_object_get(d->item, "office_unit_id"));
    if ((e = office_of(c, d->office_unit_id, &d->office)))
        return e;
    const char *leader = json_string_value(json_object_get(d->item, "leader_name"));
    if (leader && *leader)
        d->office.copy_to = arena_printf(c->arena, "%s同志", leader);
    return ERR_OK;
}

static enum err render(struct ctx *c, const struct pdf_job *job, struct buf *out)
{
    if (!pdf_render(job, c->arena, out, NULL))
        return ctx_fail(c, ERR_INTERNAL, "生成 PDF 失败（请检查服务器是否安装了所需字体）");
    return ERR_OK;
}

enum err docs_item_pdf(struct ctx *c, int64_t item_id, enum doc_kind kind, struct buf *out)
{
    struct item_docs d;
    enum err e = item_docs_load(c, item_id, &d);
    if (!e && kind == DOC_NOTICE && !*d.doc.assigned_at && !json_is_string(json_object_get(d.item, "number")))
        e = ctx_fail(c, ERR_CONFLICT, "督办事项尚未编号，不能生成督办通知");
    if (!e) {
        struct pdf_job job = {.kind = kind, .office = &d.office, .item = &d.doc, .fonts = fonts(c)};
        job.date = kind == DOC_NOTICE && *d.doc.assigned_at ? d.doc.assigned_at : today(c);
        e = render(c, &job, out);
    }
    item_docs_free(&d);
    return e;
}

/* ---- the ledger, page by page ---- */

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
    const char *day = today(c);
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
    if (c->user && c->user->ngrants && office_of(c, c->user->grants[0].unit_id, &tmp) == ERR_OK && *tmp.issuer)
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
    struct pdf_job job = {.kind = DOC_LIST, .office = &o, .items = l.items, .nitems = l.n, .fonts = fonts(c)};
    job.list_title = "督办事项清单";
    job.filter = filter;
    job.date = today(c);
    return render(c, &job, out);
}

static enum err xlsx_add(struct ctx *c, const struct doc_item *it, void *arg)
{
    if (!ledger_xlsx_item(arg, it))
        return ctx_fail(c, ERR_INTERNAL, "写入 XLSX 失败");
    return ERR_OK;
}

/* data_dir/sub, created if missing; arena. */
static const char *data_subdir(struct ctx *c, const char *sub)
{
    const char *dir = arena_printf(c->arena, "%s/%s", c->cfg->data_dir, sub);
    mkdir(c->cfg->data_dir, 0750);
    mkdir(dir, 0750);
    return dir;
}

enum err docs_ledger_xlsx(struct ctx *c, const struct ledger_query *q, const char **path)
{
    const char *dir = data_subdir(c, "tmp");
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

/* ---- import ---- */

struct import_args {
    const char *csv;
    size_t len;
    bool dry_run;
    json_t *errors, *created, *kinds;
};

static void row_error(struct import_args *a, int row, const char *msg)
{
    if (json_array_size(a->errors) < 200)
        json_array_append_new(a->errors, json_pack("{si ss}", "row", row, "message", msg));
}

/* A unit by code, else by exact name, among the units the caller sees. */
static enum err find_unit(struct ctx *c, const char *s, int64_t *id)
{
    const char *path;
    enum err saved = c->err;
    if (units_find_code(c, s, id, &path) == ERR_OK)
        return ERR_OK;
    c->err = saved;
    struct stmt *st = db_prepare(c->db, "SELECT id, path FROM units WHERE name = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "查找单位");
    stmt_bind_text(st, 1, s);
    int found = 0;
    while (stmt_step(st) == STORE_ROW)
        if (perm_sees(c->user, stmt_text(st, 1))) {
            *id = stmt_int(st, 0);
            found++;
        }
    stmt_done(st);
    if (found == 1)
        return ERR_OK;
    return ctx_fail(c, ERR_INVALID, found ? "单位“%s”有重名，请填写单位代码" : "单位“%s”不存在或不在您的管辖范围内", s);
}

/* A user by username, else by exact name (leaders in charge). */
static enum err find_user(struct ctx *c, const char *s, int64_t *id)
{
    struct stmt *st = db_prepare(c->db, "SELECT id FROM users WHERE username = ? OR name = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "查找用户");
    stmt_bind_text(st, 1, s);
    stmt_bind_text(st, 2, s);
    int found = 0;
    while (stmt_step(st) == STORE_ROW) {
        *id = stmt_int(st, 0);
        found++;
    }
    stmt_done(st);
    if (found == 1)
        return ERR_OK;
    return ctx_fail(c, ERR_INVALID, found ? "分管领导“%s”有重名，请填写用户名" : "分管领导“%s”不存在", s);
}

/* The source kind from its name or its Chinese label. */
static const char *source_kind(struct import_args *a, const char *s)
{
    size_t i;
    json_t *k;
    json_array_foreach(a->kinds, i, k)
    {
        const char *name = json_string_value(json_object_get(k, "name"));
        const char *label = json_string_value(json_object_get(k, "label"));
        if ((name && !strcmp(name, s)) || (label && !strcmp(label, s)))
            return name;
    }
    return NULL;
}

/* A CSV value without the apostrophe the export puts before formula characters. */
static const char *unguard(const char *s)
{
    if (s[0] == '\'' && (s[1] == '=' || s[1] == '+' || s[1] == '-' || s[1] == '@'))
        return s + 1;
    return s;
}

static enum err import_tx(struct ctx *c, void *arg)
{
    struct import_args *a = arg;
    struct csv_reader r;
    csv_init(&r, a->csv, a->len);
    char **f;
    int n = csv_next(&r, c->arena, &f);
    enum { C_TITLE, C_REQ, C_SKIND, C_SREF, C_LEAD, C_CO, C_LEADER, C_DUE, C_IMP, C_KIND, C__N };
    static const char *const names[C__N] = {"title",    "requirement", "source_kind", "source_ref", "lead_unit",
                                            "co_units", "leader",      "due_date",    "importance", "kind"};
    int col[C__N];
    for (int k = 0; k < C__N; k++)
        col[k] = -1;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < C__N; k++)
            if (!strcmp(f[i], names[k]))
                col[k] = i;
    if (n <= 0 || col[C_TITLE] < 0 || col[C_SKIND] < 0 || col[C_LEAD] < 0 || col[C_DUE] < 0) {
        row_error(a, 1,
                  "表头至少应有 title、source_kind、lead_unit、due_date 列（可选 requirement、source_ref、"
                  "co_units、leader、importance、kind）");
        return ctx_fail(c, ERR_INVALID, "CSV 表头不正确");
    }
    int row = 1, ncols = n;
    while ((n = csv_next(&r, c->arena, &f)) != 0) {
        row++;
        if (n < 0) {
            row_error(a, row, "引号未闭合");
            break;
        }
        if (n != ncols) {
            row_error(a, row, arena_printf(c->arena, "应有 %d 列，实有 %d 列", ncols, n));
            continue;
        }
#define COL(k) (col[k] >= 0 ? unguard(f[col[k]]) : "")
        json_t *body =
            json_pack("{ss ss ss}", "title", COL(C_TITLE), "requirement", COL(C_REQ), "due_date", COL(C_DUE));
        const char *sk = source_kind(a, COL(C_SKIND));
        const char *msg = NULL;
        int64_t id;
        c->err = ERR_OK;
        if (!sk)
            msg = arena_printf(c->arena, "事项来源“%s”无效", COL(C_SKIND));
        else
            json_object_set_new(body, "source_kind", json_string(sk));
        if (!msg && *COL(C_SREF))
            json_object_set_new(body, "source_ref", json_string(COL(C_SREF)));
        if (!msg && *COL(C_IMP))
            json_object_set_new(body, "importance", json_string(COL(C_IMP)));
        if (!msg && *COL(C_KIND))
            json_object_set_new(body, "kind", json_string(COL(C_KIND)));
        if (!msg && find_unit(c, COL(C_LEAD), &id) == ERR_OK)
            json_object_set_new(body, "lead_unit_id", json_integer(id));
        else if (!msg)
            msg = c->msg;
        if (!msg && *COL(C_CO)) {
            json_t *co = json_array();
            char *list = arena_strdup(c->arena, COL(C_CO)), *save = NULL;
            /* "、" separates units in the export; ";" is accepted too */
            for (char *p = list; (p = strstr(p, "、"));)
                memcpy(p, ";;;", 3);
            for (char *t = strtok_r(list, ";", &save); t && !msg; t = strtok_r(NULL, ";", &save))
                if (find_unit(c, t, &id) == ERR_OK)
                    json_array_append_new(co, json_integer(id));
                else
                    msg = c->msg;
            json_object_set_new(body, "co_unit_ids", co);
        }
        if (!msg && *COL(C_LEADER)) {
            if (find_user(c, COL(C_LEADER), &id) == ERR_OK)
                json_object_set_new(body, "leader_id", json_integer(id));
            else
                msg = c->msg;
        }
#undef COL
        char vmsg[256];
        if (!msg && jv_check(body, items_create_spec, vmsg, sizeof vmsg))
            msg = arena_strdup(c->arena, vmsg);
        json_t *item = NULL;
        if (!msg) {
            c->err = ERR_OK;
            enum err e = items_create(c, body, &item);
            if (e) {
                msg = c->msg ? c->msg : err_default_message(e);
                if (e == ERR_UNAVAILABLE || e == ERR_INTERNAL) {
                    row_error(a, row, msg);
                    json_decref(body);
                    return e;
                }
            } else {
                json_array_append_new(a->created,
                                      json_pack("{si sO sO sO}", "row", row, "id", json_object_get(item, "id"), "title",
                                                json_object_get(item, "title"), "lead_unit_name",
                                                json_object_get(item, "lead_unit_name")));
                json_decref(item);
            }
        }
        if (msg)
            row_error(a, row, msg);
        json_decref(body);
    }
    if (json_array_size(a->errors))
        return ctx_fail(c, ERR_INVALID, "导入文件有 %zu 处错误，未导入任何事项", json_array_size(a->errors));
    if (row == 1)
        return ctx_fail(c, ERR_INVALID, "导入文件没有数据行");
    json_t *sum = json_pack("{si sb}", "created", (int)json_array_size(a->created), "dry_run", a->dry_run);
    enum err e = audit_record(c, "item.import", "item", 0, sum);
    json_decref(sum);
    if (!e && a->dry_run)
        return ERR_CONFLICT; /* roll back: a preview writes nothing */
    return e;
}

enum err docs_import_csv(struct ctx *c, const char *csv, size_t len, bool dry_run, json_t **report)
{
    json_t *meta = NULL;
    enum err e = items_meta(c, &meta);
    if (e)
        return e;
    struct import_args a = {csv, len, dry_run, json_array(), json_array(), json_object_get(meta, "source_kinds")};
    e = ctx_tx(c, "导入督办事项", import_tx, &a);
    if (dry_run && e == ERR_CONFLICT && !json_array_size(a.errors)) {
        e = ERR_OK;
        c->err = ERR_OK;
        c->msg = NULL;
    }
    bool ok = e == ERR_OK;
    if (dry_run) { /* a preview's ids were rolled back: do not show them */
        size_t i;
        json_t *v;
        json_array_foreach(a.created, i, v) json_object_del(v, "id");
    }
    *report =
        json_pack("{sb si so so}", "dry_run", dry_run, "created", ok && !dry_run ? (int)json_array_size(a.created) : 0,
                  "items", ok ? a.created : (json_decref(a.created), json_array()), "errors", a.errors);
    json_decref(meta);
    return e;
}

/* ---- seals on completion replies ---- */

enum err docs_seal_reply(struct ctx *c, int64_t item_id, const char *number, const char *title, int64_t unit_id,
                         const char *unit_name, const char *reply)
{
    if (!seal_available(c)) {
        log_warn("item %" PRId64 ": completion reply signed without a digital seal (secret_key is not configured)",
                 item_id);
        return ERR_OK;
    }
    char at[21];
    time_format_iso(c->now, at);
    const char *signer = c->user ? (c->user->name && *c->user->name ? c->user->name : c->user->username) : "system";
    json_t *canon =
        json_pack("{sI ss ss sI ss ss ss ss}", "item_id", (json_int_t)item_id, "number", number ? number : "", "title",
                  title ? title : "", "unit_id", (json_int_t)unit_id, "unit", unit_name ? unit_name : "", "reply",
                  reply ? reply : "", "signer", signer, "signed_at", at);
    char *text = json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(canon);
    struct seal_signature sig = {.object_type = "item", .object_id = item_id};
    enum err e = seal_sign(c, unit_id, text, strlen(text), &sig);
    free(text);
    return e;
}

/* ---- archive ---- */

static const char *safe_name(struct arena *a, const char *s)
{
    char *o = arena_strdup(a, s && *s ? s : "file");
    for (char *p = o; *p; p++)
        if (*p == '/' || *p == '\\' || (unsigned char)*p < 0x20)
            *p = '_';
    return o;
}

static enum err attachments_members(struct ctx *c, int64_t item_id, struct archive_member **m, int *n, int cap)
{
    json_t *list = NULL;
    enum err e = items_attachments(c, item_id, &list);
    if (e)
        return e;
    json_t *arr = json_is_array(list) ? list : json_object_get(list, "attachments"), *v;
    size_t i;
    json_array_foreach(arr, i, v)
    {
        if (*n >= cap)
            break;
        const char *path, *filename, *type;
        int64_t aid = json_integer_value(json_object_get(v, "id"));
        if (items_attachment_file(c, aid, &path, &filename, &type))
            continue;
        (*m)[(*n)++] = (struct archive_member){
            arena_printf(c->arena, "attachments/%" PRId64 "-%s", aid, safe_name(c->arena, filename)), NULL, 0, path};
    }
    json_decref(list);
    return ERR_OK;
}

enum err docs_archive_item(struct ctx *c, int64_t item_id, json_t **out)
{
    struct item_docs d;
    enum err e = item_docs_load(c, item_id, &d);
    if (e) {
        item_docs_free(&d);
        return e;
    }
    const char *state = json_string_value(json_object_get(d.item, "state"));
    const char *office_path = NULL;
    if (!state || (strcmp(state, "archived") && strcmp(state, "completed")))
        e = ctx_fail(c, ERR_CONFLICT, "督办事项办结后才能立卷归档");
    if (!e)
        e = units_path(c, d.office_unit_id, &office_path);
    if (!e)
        e = perm_require(c, CAP_ITEM_REGISTER, office_path, "督办事项");
    json_t *audit = NULL, *seals = json_array();
    if (!e)
        e = archive_audit_records(c, "item", item_id, &audit);
    struct buf notice = {0}, record = {0};
    if (!e) {
        struct pdf_job job = {.kind = DOC_NOTICE, .office = &d.office, .item = &d.doc, .fonts = fonts(c)};
        job.date = *d.doc.assigned_at ? d.doc.assigned_at : today(c);
        e = render(c, &job, &notice);
        job.kind = DOC_RECORD;
        job.date = today(c);
        if (!e)
            e = render(c, &job, &record);
    }
    if (e) {
        json_decref(audit);
        json_decref(seals);
        buf_free(&notice);
        buf_free(&record);
        item_docs_free(&d);
        return e;
    }
    /* the seals involved: every signer's and the office's (when it has one) */
    size_t i;
    json_t *s;
    json_array_foreach(d.sigs, i, s)
    {
        bool seen = false;
        size_t k;
        json_t *x;
        json_array_foreach(seals, k, x) if (json_equal(json_object_get(x, "fingerprint"),
                                                       json_object_get(s, "fingerprint"))) seen = true;
        if (!seen)
            json_array_append_new(seals, json_pack("{sO sO sO}", "unit", json_object_get(s, "unit"), "fingerprint",
                                                   json_object_get(s, "fingerprint"), "public_key",
                                                   json_object_get(s, "public_key")));
    }
    char *audit_t = json_dumps(audit, JSON_INDENT(1)), *sigs_t = json_dumps(d.sigs, JSON_INDENT(1)),
         *seals_t = json_dumps(seals, JSON_INDENT(1));
    int cap = 64, n = 0;
    struct archive_member *m = arena_alloc(c->arena, sizeof *m * (size_t)cap);
    m[n++] = (struct archive_member){"audit.json", audit_t, strlen(audit_t), NULL};
    m[n++] = (struct archive_member){"signatures.json", sigs_t, strlen(sigs_t), NULL};
    m[n++] = (struct archive_member){"seals.json", seals_t, strlen(seals_t), NULL};
    m[n++] = (struct archive_member){"documents/notice.pdf", notice.data, notice.len, NULL};
    m[n++] = (struct archive_member){"documents/record.pdf", record.data, record.len, NULL};
    e = attachments_members(c, item_id, &m, &n, cap);

    char at[21];
    time_format_iso(c->now, at);
    const char *dir = data_subdir(c, "archives");
    const char *file = arena_printf(c->arena, "item-%" PRId64 "-%" PRId64 ".zip", item_id, (int64_t)c->now);
    const char *path = arena_printf(c->arena, "%s/%s", dir, file);
    const char *sm3 = NULL;
    int64_t size = 0;
    if (!e) {
        json_t *manifest = json_pack("{sO sO sO ss ss}", "item", d.item, "events", d.events, "reports", d.reports,
                                     "created_at", at, "created_by", ctx_actor(c));
        e = archive_write(c, path, manifest, m, n, d.office_unit_id, &sm3, &size);
        json_decref(manifest);
    }
    if (!e) {
        struct stmt *st = db_prepare(c->db, "INSERT INTO archives (item_id, unit_id, file, size, sm3, created_at, "
                                            "created_by) VALUES (?, ?, ?, ?, ?, ?, ?)");
        int rc = STORE_E_OTHER;
        if (st) {
            stmt_bind_int(st, 1, item_id);
            stmt_bind_int(st, 2, d.office_unit_id);
            stmt_bind_text(st, 3, file);
            stmt_bind_int(st, 4, size);
            stmt_bind_text(st, 5, sm3);
            stmt_bind_text(st, 6, at);
            stmt_bind_text(st, 7, ctx_actor(c));
            rc = stmt_step(st);
            stmt_done(st);
        }
        if (rc < 0)
            e = ctx_store_fail(c, rc, "登记归档文件");
    }
    if (!e) {
        json_t *sum = json_pack("{ss sI ss}", "file", file, "size", (json_int_t)size, "sm3", sm3);
        e = audit_record(c, "item.archive_file", "item", item_id, sum);
        if (!e)
            *out = json_pack("{ss sI ss ss}", "file", file, "size", (json_int_t)size, "sm3", sm3, "created_at", at);
        json_decref(sum);
    }
    if (e && sm3)
        unlink(path);
    free(audit_t);
    free(sigs_t);
    free(seals_t);
    json_decref(audit);
    json_decref(seals);
    buf_free(&notice);
    buf_free(&record);
    item_docs_free(&d);
    return e;
}

struct archive_tx_args {
    int64_t id;
    json_t *out;
};

static enum err archive_tx(struct ctx *c, void *arg)
{
    struct archive_tx_args *a = arg;
    return docs_archive_item(c, a->id, &a->out);
}

enum err docs_archive_file(struct ctx *c, int64_t item_id, const char **path)
{
    json_t *item = NULL;
    enum err e = items_get(c, item_id, &item);
    if (e)
        return e;
    bool archived = !strcmp(json_string_value(json_object_get(item, "state")), "archived");
    json_decref(item);
    struct stmt *st = db_prepare(c->db, "SELECT file FROM archives WHERE item_id = ? ORDER BY id DESC LIMIT 1");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取归档文件");
    stmt_bind_int(st, 1, item_id);
    const char *file = NULL;
    int rc = stmt_step(st);
    if (rc == STORE_ROW)
        file = arena_strdup(c->arena, stmt_text(st, 0));
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取归档文件");
    if (!file) {
        if (!archived)
            return ctx_fail(c, ERR_NOT_FOUND, "该督办事项尚未立卷归档");
        /* archived before the file could be made (or by an older version): make it now, as the system */
        const struct principal *who = c->user;
        c->user = NULL;
        struct archive_tx_args a = {item_id, NULL};
        e = ctx_tx(c, "立卷归档", archive_tx, &a);
        c->user = who;
        if (e)
            return e;
        file = arena_strdup(c->arena, json_string_value(json_object_get(a.out, "file")));
        json_decref(a.out);
    }
    *path = arena_printf(c->arena, "%s/archives/%s", c->cfg->data_dir, file);
    return ERR_OK;
}
