/*
 * bulletin_public.c: the bulletins published to the public (公开发布) — issued bulletins the office marked
 * public, readable without signing in (/api/v1/public/bulletins). What they show holds no person's data:
 * the number, title, addressees, the office's words, period and scope, the figures per unit, the overdue
 * items marked public (number, title, lead unit, due date; an internal item — confidentiality 内部, the
 * default — is left out) and, of the praise and criticism named, the kind, unit,
 * number and title — never a record's content or person (they name people), who drafted or approved it,
 * nor the timeline. Anything else (a draft, an unpublished or withdrawn bulletin) is 404.
 */
#include "results/results_internal.h"

#include <inttypes.h>
#include <string.h>

#define PUBLIC_WHERE "b.public = 1 AND b.state = 'issued'"

static json_t *period_json(struct ctx *c, const struct bulletin *b)
{
    return json_pack("{ss ss ss}", "from", b->period_from, "to", b->period_to, "words",
                     bulletin_period_words(c, b->period_from, b->period_to));
}

/* The praise and criticism a bulletin names, without their content. */
static json_t *named_public(struct ctx *c, int64_t id)
{
    json_t *arr = json_array();
    struct stmt *st = db_query(c->db,
                               "SELECT r.kind, r.number, r.title, u.name FROM bulletin_results br "
                               "JOIN results r ON r.id = br.result_id JOIN units u ON u.id = r.unit_id "
                               "WHERE br.bulletin_id = ? ORDER BY br.pos",
                               DB_INT(id));
    while (st && stmt_step(st) == STORE_ROW) {
        enum result_kind k = RES_PRAISE;
        result_kind_parse(stmt_text(st, 0), &k);
        json_array_append_new(arr, json_pack("{ss ss so ss ss}", "kind", stmt_text(st, 0), "kind_label",
                                             result_kind_label(k), "number",
                                             res_str(stmt_is_null(st, 1) ? NULL : stmt_text(st, 1)), "title",
                                             stmt_text(st, 2), "unit_name", stmt_text(st, 3)));
    }
    stmt_done(st);
    return arr;
}

/* The overdue items of the figures that may reach the public: only items marked public (confidentiality
 * 'public'); an internal item (内部, the default) never reaches a public page — the counts per unit stay,
 * they name no item. The findings of inspections are left out (their counts per unit stay). */
static enum err public_items_only(struct ctx *c, json_t *fig)
{
    json_t *items = json_object_get(fig, "overdue_items");
    if (!json_is_array(items))
        return ERR_OK;
    json_t *kept = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(items, i, v)
    {
        const char *conf = NULL;
        enum err e = db_one_text(c->db, c->arena, &conf, "SELECT confidentiality FROM items WHERE id = ?",
                                 DB_INT(json_integer_value(json_object_get(v, "id"))));
        if (e && e != ERR_NOT_FOUND) {
            json_decref(kept);
            return ctx_db_fail(c, e, "读取公开通报");
        }
        if (!e && conf && !strcmp(conf, "public"))
            json_array_append(kept, v);
    }
    json_object_set_new(fig, "overdue_items", kept);
    /* the inspections' findings are the office's words about a unit's failings: the public reads the counts
     * per inspected unit, not the findings themselves */
    json_object_del(json_object_get(fig, "rectification"), "findings");
    /* which units were criticised the office says by naming the records it chose (results): the public reads the
     * criticisms' rectification in total, not per unit */
    json_object_del(json_object_get(json_object_get(fig, "rectification"), "criticisms"), "units");
    return ERR_OK;
}

enum err bulletins_public_get(struct ctx *c, int64_t id, json_t **out)
{
    struct bulletin b;
    json_t *fig;
    enum err e = bulletin_load_figures(c, id, &b, &fig);
    if (e == ERR_NOT_FOUND || (!e && (!b.public || b.state != BUL_ST_ISSUED))) {
        json_decref(fig);
        return ctx_fail(c, ERR_NOT_FOUND, "通报不存在或未公开发布");
    }
    if (e)
        return e;
    if ((e = public_items_only(c, fig))) {
        json_decref(fig);
        return e;
    }
    *out = json_pack("{sI ss ss ss ss ss so s{ss} ss ss}", "id", (json_int_t)b.id, "number", b.number, "title", b.title,
                     "addressees", b.addressees, "intro", b.intro, "remarks", b.remarks, "period", period_json(c, &b),
                     "scope", "name", b.scope_name, "office_name", b.office_name, "issued_on", b.issued_on);
    json_object_set_new(*out, "kind", json_string(bulletin_kind_name(b.kind)));
    json_object_set_new(*out, "kind_label", json_string(bulletin_kind_label(b.kind)));
    json_object_set_new(*out, "figures", fig);
    json_object_set_new(*out, "results", named_public(c, b.id));
    return ERR_OK;
}

/* A public bulletin as the list shows it (no person's data). */
static json_t *public_row(struct ctx *c, const struct bulletin *b)
{
    return json_pack("{sI ss ss ss ss so s{ss} ss ss}", "id", (json_int_t)b->id, "number", b->number, "kind",
                     bulletin_kind_name(b->kind), "kind_label", bulletin_kind_label(b->kind), "title", b->title,
                     "period", period_json(c, b), "scope", "name", b->scope_name, "office_name", b->office_name,
                     "issued_on", b->issued_on);
}

enum err bulletins_public_list(struct ctx *c, int page, int per_page, json_t **out)
{
    int64_t total = 0;
    enum err e = db_one_int(c->db, &total, "SELECT COUNT(*) FROM bulletins b WHERE " PUBLIC_WHERE);
    if (e)
        return ctx_db_fail(c, e, "读取公开通报");
    struct res_binds bd = {0};
    json_t *arr = json_array();
    if ((e = bulletin_summaries(c, PUBLIC_WHERE, &bd, "b.issued_at DESC, b.id DESC", page, per_page, public_row,
                                arr))) {
        json_decref(arr);
        return e;
    }
    *out = json_pack("{so sI si si}", "bulletins", arr, "total", (json_int_t)total, "page", page, "per_page", per_page);
    return ERR_OK;
}
