/*
 * bulletins.c: a bulletin's PDF from the results module's model, and the office's seal at issue.
 * Reads go through bulletins_document, so the PDF carries the same permission as the bulletin.
 */
#include "docs/bulletins.h"

#include "base/log.h"
#include "docs/itemdocs_internal.h"
#include "docs/seal.h"
#include "results/results.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static int num(const json_t *o, const char *k)
{
    return (int)json_integer_value(json_object_get(o, k));
}

#define GOVS_IN_DOCUMENT 40 /* the roll-up's rows the document prints at every level; more: the first level */

static int gov_rows_n(const json_t *rows)
{
    int n = 0;
    size_t i;
    json_t *v;
    json_array_foreach(rows, i, v) n += 1 + gov_rows_n(json_object_get(v, "governments"));
    return n;
}

/* Appends the roll-up's rows from depth on, indented one full-width space a level, the own rows marked （本级）
 * (all levels when all, else the first level, the deeper governments' rows going to b->deep). */
static void gov_flatten(struct arena *a, struct doc_bulletin *b, const json_t *rows, int depth, bool all)
{
    size_t i;
    json_t *v;
    json_array_foreach(rows, i, v)
    {
        bool own = !strcmp(str(v, "level"), "own");
        struct doc_bulletin_unit u = {own ? arena_printf(a, "%s（本级）", str(v, "name")) : str(v, "name"),
                                      num(v, "registered"), num(v, "completed"), num(v, "completed_on_time"),
                                      num(v, "overdue")};
        if (depth && !all) {
            if (!own)
                b->deep[b->ndeep++] = u;
        } else {
            const char *indent = "";
            for (int k = 0; k < depth; k++)
                indent = arena_printf(a, "%s　", indent);
            u.name = arena_printf(a, "%s%s", indent, u.name);
            b->govs[b->ngovs++] = u;
        }
        gov_flatten(a, b, json_object_get(v, "governments"), depth + 1, all);
    }
}

/* The deeper governments by overdue (most first), then registered, then name. */
static int deep_cmp(const void *x, const void *y)
{
    const struct doc_bulletin_unit *a = x, *b = y;
    if (a->overdue != b->overdue)
        return b->overdue - a->overdue;
    return a->registered != b->registered ? b->registered - a->registered : strcmp(a->name, b->name);
}

/* The documents' view of the model (strings borrow from j). */
static void bulletin_from_json(struct arena *a, const json_t *j, struct doc_bulletin *b)
{
    memset(b, 0, sizeof *b);
    const json_t *f = json_object_get(j, "figures"), *t = json_object_get(f, "totals");
    b->number = str(j, "number");
    b->kind = json_is_string(json_object_get(j, "kind")) ? str(j, "kind") : "bulletin";
    b->kind_label = json_is_string(json_object_get(j, "kind_label")) ? str(j, "kind_label") : "督查通报";
    b->title = str(j, "title");
    b->addressees = str(j, "addressees");
    const json_t *ccs = json_object_get(j, "cc_units"), *cv;
    size_t ci;
    b->cc = "";
    json_array_foreach(ccs, ci, cv) b->cc = arena_printf(a, "%s%s%s", b->cc, ci ? "，" : "", str(cv, "name"));
    b->intro = str(j, "intro");
    b->remarks = str(j, "remarks");
    b->period = str(json_object_get(j, "period"), "words");
    b->below = json_is_string(json_object_get(j, "levels")) && !strcmp(str(j, "levels"), "below");
    b->rank_n = num(j, "rank_n") > 0 ? num(j, "rank_n") : 10;
    b->nranked = (int)json_array_size(json_object_get(f, "ranking"));
    b->as_of = str(f, "as_of");
    b->draft = json_is_true(json_object_get(j, "draft"));
    b->registered = num(t, "registered");
    b->completed = num(t, "completed");
    b->on_time = num(t, "completed_on_time");
    b->overdue = num(t, "overdue");
    const json_t *rate = json_object_get(t, "on_time_rate");
    b->on_time_rate = json_is_integer(rate) ? (int)json_integer_value(rate) : -1;
    const json_t *rc = json_object_get(f, "rectification");
    b->inspections = num(rc, "inspections");
    b->rect_assigned = num(rc, "assigned");
    b->rect_tasks = num(rc, "tasks");
    b->rect_verified = num(rc, "verified");
    b->rect_overdue = num(rc, "overdue");
    const json_t *rr = json_object_get(rc, "rate");
    b->rect_rate = json_is_integer(rr) ? (int)json_integer_value(rr) : -1;
    const json_t *units = json_object_get(f, "units"), *items = json_object_get(f, "overdue_items"),
                 *named = json_object_get(j, "results"), *v;
    size_t i;
    b->units = arena_alloc(a, sizeof *b->units * (json_array_size(units) + 1));
    json_array_foreach(units, i, v) b->units[b->nunits++] = (struct doc_bulletin_unit){
        str(v, "name"), num(v, "registered"), num(v, "completed"), num(v, "completed_on_time"), num(v, "overdue")};
    const json_t *months = json_object_get(f, "months");
    b->months = arena_alloc(a, sizeof *b->months * (json_array_size(months) + 1));
    json_array_foreach(months, i, v) b->months[b->nmonths++] = (struct doc_bulletin_unit){
        str(v, "label"), num(v, "registered"), num(v, "completed"), num(v, "completed_on_time"), num(v, "overdue")};
    b->trend_year = b->nmonths ? atoi(str(json_array_get(months, 0), "month")) : 0;
    const json_t *govs = json_object_get(f, "governments");
    int ngovs = gov_rows_n(govs);
    b->govs = arena_alloc(a, sizeof *b->govs * (size_t)(ngovs + 1));
    b->deep = arena_alloc(a, sizeof *b->deep * (size_t)(ngovs + 1));
    gov_flatten(a, b, govs, 0, ngovs <= GOVS_IN_DOCUMENT);
    if (b->ndeep > 1)
        qsort(b->deep, (size_t)b->ndeep, sizeof *b->deep, deep_cmp);
    b->items = arena_alloc(a, sizeof *b->items * (json_array_size(items) + 1));
    json_array_foreach(items, i, v) b->items[b->nitems++] = (struct doc_bulletin_item){
        str(v, "number"), str(v, "title"), str(v, "lead_unit"), str(v, "due_date"), num(v, "overdue_days")};
    const json_t *fu = json_object_get(rc, "units"), *fl = json_object_get(rc, "findings");
    b->funits = arena_alloc(a, sizeof *b->funits * (json_array_size(fu) + 1));
    json_array_foreach(fu, i, v)
    {
        b->funits[b->nfunits++] =
            (struct doc_bulletin_funit){str(v, "name"),     num(v, "inspections"), num(v, "findings"),
                                        num(v, "verified"), num(v, "overdue"),     num(v, "rectifying")};
        b->findings_total += num(v, "findings");
    }
    b->findings = arena_alloc(a, sizeof *b->findings * (json_array_size(fl) + 1));
    json_array_foreach(fl, i, v) b->findings[b->nfindings++] = (struct doc_bulletin_finding){
        str(v, "unit_name"), str(v, "inspection"), str(v, "title"), str(v, "due_date"), str(v, "state")};
    const json_t *cr = json_object_get(rc, "criticisms"), *cu = json_object_get(cr, "units"),
                 *crate = json_object_get(cr, "rate");
    b->crit_total = num(cr, "criticisms");
    b->crit_issued = num(cr, "issued");
    b->crit_reported = num(cr, "reported");
    b->crit_late = num(cr, "late");
    b->crit_workdays = num(cr, "overdue_workdays");
    b->crit_accepted = num(cr, "accepted");
    b->crit_overdue = num(cr, "overdue");
    b->crit_rate = json_is_integer(crate) ? (int)json_integer_value(crate) : -1;
    b->crit = arena_alloc(a, sizeof *b->crit * (json_array_size(cu) + 1));
    json_array_foreach(cu, i, v) b->crit[b->ncrit++] =
        (struct doc_bulletin_crit){str(v, "name"),     num(v, "criticisms"), num(v, "reported"),        num(v, "late"),
                                   num(v, "accepted"), num(v, "overdue"),    num(v, "overdue_workdays")};
    const json_t *w = json_object_get(f, "warnings"), *wu = json_object_get(w, "units");
    b->warn_section = json_is_object(w);
    b->warn_as_of = str(w, "as_of");
    b->warn_items = num(w, "items");
    b->warn = arena_alloc(a, sizeof *b->warn * (json_array_size(wu) + 1));
    json_array_foreach(wu, i, v)
    {
        const json_t *s = json_object_get(v, "signals");
        b->warn[b->nwarn++] = (struct doc_bulletin_warn){str(v, "unit_name"),  num(v, "items"),   num(s, "pace"),
                                                         num(s, "extensions"), num(s, "ignored"), num(s, "silent")};
    }
    b->named = arena_alloc(a, sizeof *b->named * (json_array_size(named) + 1));
    json_array_foreach(named, i, v) b->named[b->nnamed++] = (struct doc_bulletin_named){
        str(v, "kind_label"), str(v, "unit_name"), str(v, "number"), str(v, "title"), str(v, "content")};
}

enum err docs_bulletin_pdf(struct ctx *c, int64_t id, struct buf *out, const char **number)
{
    json_t *model = NULL, *sigs = NULL;
    enum err e = bulletins_document(c, id, &model);
    if (e)
        return e;
    const char *n = json_string_value(json_object_get(model, "number"));
    *number = n ? arena_strdup(c->arena, n) : NULL;
    struct doc_office o;
    struct doc_bulletin b;
    struct doc_seal seal;
    bulletin_from_json(c->arena, model, &b);
    if (!(e = itemdocs_office_of(c, json_integer_value(json_object_get(model, "office_unit_id")), &o)) && !b.draft &&
        !(e = seal_signatures_of(c, "bulletin", id, &sigs)) && json_array_size(sigs)) {
        const json_t *s = json_array_get(sigs, json_array_size(sigs) - 1);
        seal = (struct doc_seal){arena_strdup(c->arena, str(s, "unit")), arena_strdup(c->arena, str(s, "signer")),
                                 arena_strdup(c->arena, str(s, "signed_at")),
                                 arena_strdup(c->arena, str(s, "fingerprint"))};
        o.seal = &seal;
    }
    struct pdf_fonts fonts = itemdocs_fonts(c);
    if (!e && !pdf_render_bulletin(&o, &b, str(model, "date"), &fonts, c->arena, out, NULL))
        e = ctx_fail(c, ERR_INTERNAL, "生成 PDF 失败（请检查服务器是否安装了所需字体）");
    json_decref(sigs);
    json_decref(model); /* after the drawing: b borrowed its strings */
    return e;
}

enum err docs_seal_issue(struct ctx *c, const struct doc_issue *d)
{
    if (!seal_available(c)) {
        log_warn("%s %" PRId64 ": issued without a digital seal (secret_key is not configured)", d->object_type,
                 d->object_id);
        return ERR_OK;
    }
    struct seal_signature sig = {.object_type = d->object_type, .object_id = d->object_id};
    return seal_sign_for_unit(c, d->unit_id, d->canonical, strlen(d->canonical), &sig);
}
