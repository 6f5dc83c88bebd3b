/*
 * bulletin.c: a bulletin (督查通报) as the module works on it — loading it with the units it names (its
 * parts), who may read it — and what the API asks of bulletins: drafting one from the data for a
 * period and a scope, editing its words (and counting again), one bulletin as JSON, the list a user
 * may see, the timeline, the actions, and the model its official-document PDF is drawn from.
 */
#include "results/results_internal.h"

#include "audit/audit.h"
#include "base/buf.h"
#include "base/timeu.h"
#include "base/utf8.h"
#include "calendar/calendar.h"
#include "units/units.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct jv_field bulletins_create_spec[] = {
    {"kind", JV_STRING, 0, 1, 20, "文种"},
    {"period_from", JV_DATE, JV_REQUIRED, 0, 0, "统计期初"},
    {"period_to", JV_DATE, JV_REQUIRED, 0, 0, "统计期末"},
    {"title", JV_STRING, 0, 1, 200, "标题"},
    {"addressees", JV_STRING, 0, 1, 200, "主送机关"},
    {"intro", JV_STRING, 0, 0, 20000, "导语"},
    {"remarks", JV_STRING, 0, 0, 20000, "工作要求"},
    {"scope_unit_id", JV_INT, 0, 1, INT64_MAX, "通报范围"},
    {"public", JV_BOOL, 0, 0, 0, "公开发布"},
    {"warning_section", JV_BOOL, 0, 0, 0, "预警提示"},
    {"levels", JV_STRING, 0, 1, 10, "统计层级"},
    {"rank_n", JV_INT, 0, 1, 50, "排名列示单位数"},
    {"result_ids", JV_INT_ARRAY, 0, 0, 50, "点名的表扬和批评"},
    {"main_unit_ids", JV_INT_ARRAY, 0, 0, 200, "主送单位"},
    {"cc_unit_ids", JV_INT_ARRAY, 0, 0, 200, "抄送单位"},
    {NULL, 0, 0, 0, 0, NULL},
};

const struct jv_field bulletins_update_spec[] = {
    {"period_from", JV_DATE, 0, 0, 0, "统计期初"},
    {"period_to", JV_DATE, 0, 0, 0, "统计期末"},
    {"title", JV_STRING, 0, 1, 200, "标题"},
    {"addressees", JV_STRING, 0, 1, 200, "主送机关"},
    {"intro", JV_STRING, 0, 0, 20000, "导语"},
    {"remarks", JV_STRING, 0, 0, 20000, "工作要求"},
    {"scope_unit_id", JV_INT, 0, 1, INT64_MAX, "通报范围"},
    {"public", JV_BOOL, 0, 0, 0, "公开发布"},
    {"warning_section", JV_BOOL, 0, 0, 0, "预警提示"},
    {"levels", JV_STRING, 0, 1, 10, "统计层级"},
    {"rank_n", JV_INT, 0, 1, 50, "排名列示单位数"},
    {"result_ids", JV_INT_ARRAY, 0, 0, 50, "点名的表扬和批评"},
    {"main_unit_ids", JV_INT_ARRAY, 0, 0, 200, "主送单位"},
    {"cc_unit_ids", JV_INT_ARRAY, 0, 0, 200, "抄送单位"},
    {"refresh", JV_BOOL, 0, 0, 0, "重新统计"},
    {"version", JV_INT, 0, 0, 0, "版本"},
    {NULL, 0, 0, 0, 0, NULL},
};

const struct res_table bulletin_table = {&bulletin_workflow, "bulletins", "bulletin_events", "bulletin_id"};

/* ---- the kinds (文种) ---- */

/* also the workflow's varieties: a special report's to-dos say 督查专报 */
const struct wf_name bulletin_kinds[BUL_KIND__COUNT] = {
    [BUL_KIND_BULLETIN] = {"bulletin", "督查通报", "Bulletin"},
    [BUL_KIND_SPECIAL] = {"special_report", "督查专报", "Special report"},
    [BUL_KIND_BRIEFING] = {"briefing", "督查简报", "Briefing"},
};

const char *bulletin_kind_name(enum bulletin_kind k)
{
    return bulletin_kinds[k].name;
}

const char *bulletin_kind_label(enum bulletin_kind k)
{
    return bulletin_kinds[k].label;
}

bool bulletin_kind_parse(const char *s, enum bulletin_kind *k)
{
    for (int i = 0; s && i < BUL_KIND__COUNT; i++)
        if (!strcmp(s, bulletin_kinds[i].name)) {
            *k = (enum bulletin_kind)i;
            return true;
        }
    return false;
}

/* ---- loading ---- */

/* What a list shows of a bulletin (summary_read), then the words and the figures (load_row). */
#define BULLETIN_SUMMARY_COLS                                                                                          \
    "b.id, b.number, b.title, b.addressees, b.period_from, b.period_to, b.office_unit_id, b.home_path, "               \
    "b.scope_unit_id, b.scope_path, s.name, o.name, b.state, b.created_at, b.updated_at, b.approved_at, b.issued_at, " \
    "b.issued_on, b.version, b.public, b.warning_section, b.kind, b.levels, b.rank_n, cb.name, ab.name"
#define BULLETIN_COLS BULLETIN_SUMMARY_COLS ", b.intro, b.remarks, b.figures, b.figures_at"
#define BULLETIN_FROM                                                                                                  \
    "FROM bulletins b JOIN units s ON s.id = b.scope_unit_id JOIN units o ON o.id = b.office_unit_id "                 \
    "LEFT JOIN users cb ON cb.id = b.created_by LEFT JOIN users ab ON ab.id = b.approved_by"

/* The parts: each unit the bulletin names — the units of its overdue ranking that the document lists (every one,
 * or the first and last rank_n when there are more than twice as many: a province ranks thousands, which the
 * annex holds), then the units of the praise and criticism it carries — once. */
static enum err load_parts(struct ctx *c, struct bulletin *b, const json_t *fig)
{
    if (b->kind == BUL_KIND_SPECIAL) { /* a special report goes to the leaders: it names no unit to tell */
        b->wf.parts = NULL;
        b->wf.nparts = b->wf.ntracks = 0;
        b->part_codes = NULL;
        return ERR_OK;
    }
    struct buf ids = {0};
    size_t i;
    json_t *r;
    /* one buffer, not a string copied per unit (a province's ranking names thousands) */
    const json_t *ranking = json_object_get(fig, "ranking");
    size_t nr = json_array_size(ranking), n = (size_t)(b->rank_n > 0 ? b->rank_n : 10);
    b->listed = arena_alloc(c->arena, sizeof *b->listed * (nr + 1));
    b->nlisted = 0;
    json_array_foreach(ranking, i, r)
    {
        if (nr > 2 * n && i >= n && i < nr - n)
            continue; /* the middle of a long ranking: in the annex, not named */
        int64_t *l = b->listed[b->nlisted++];
        l[0] = json_integer_value(json_object_get(r, "unit_id"));
        l[1] = json_integer_value(json_object_get(r, "rank"));
        l[2] = json_integer_value(json_object_get(r, "overdue"));
        buf_printf(&ids, "%s%lld", ids.len ? ", " : "", (long long)l[0]);
    }
    b->as_of = arena_strdup(c->arena, json_string_value(json_object_get(fig, "as_of"))
                                          ? json_string_value(json_object_get(fig, "as_of"))
                                          : "");
    /* the ids are integers from our own JSON: no user text reaches the SQL */
    const char *sql = arena_printf(
        c->arena,
        "SELECT u.id, u.path, u.name, u.code FROM units u WHERE u.id IN (%s) OR u.id IN (SELECT r.unit_id FROM "
        "bulletin_results br JOIN results r ON r.id = br.result_id WHERE br.bulletin_id = ?) ORDER BY u.path",
        ids.len ? ids.data : "0");
    buf_free(&ids);
    struct stmt *st = db_query(c->db, sql, DB_INT(b->id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取通报");
    int cap = 0, codes_cap = 0, rc;
    struct wf_part *parts = NULL;
    const char **codes = NULL;
    b->wf.nparts = 0;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        if (b->nrecips && !bulletin_reaches(b, stmt_text(st, 1)))
            continue; /* a bulletin with lists names to nobody outside them: they do not read it */
        parts = arena_grow(c->arena, parts, b->wf.nparts, &cap, sizeof *parts);
        codes = arena_grow(c->arena, codes, b->wf.nparts, &codes_cap, sizeof *codes);
        int64_t uid = stmt_int(st, 0);
        codes[b->wf.nparts] = res_col(c, st, 3);
        parts[b->wf.nparts++] = (struct wf_part){0, uid, (int)b->state, uid, res_col(c, st, 1), res_col(c, st, 2), 0};
    }
    b->part_codes = codes;
    stmt_done(st);
    b->wf.parts = parts;
    b->wf.ntracks = b->wf.nparts;
    return rc < 0 ? ctx_store_fail(c, rc, "读取通报") : ERR_OK;
}

/* A row of BULLETIN_SUMMARY_COLS into *b (zeroed first): what a list shows, without the words and the figures. */
static void summary_read(struct ctx *c, struct stmt *st, struct bulletin *b)
{
    memset(b, 0, sizeof *b);
    b->id = stmt_int(st, 0);
    b->number = res_col(c, st, 1);
    b->title = res_col(c, st, 2);
    b->addressees = res_col(c, st, 3);
    b->period_from = res_col(c, st, 4);
    b->period_to = res_col(c, st, 5);
    b->office_unit_id = stmt_int(st, 6);
    b->home_path = res_col(c, st, 7);
    b->scope_unit_id = stmt_int(st, 8);
    b->scope_path = res_col(c, st, 9);
    b->scope_name = res_col(c, st, 10);
    b->office_name = res_col(c, st, 11);
    int s = 0;
    wf_state_parse(&bulletin_workflow, stmt_text(st, 12), &s);
    b->state = (enum bulletin_state)s;
    b->created_at = res_col(c, st, 13);
    b->updated_at = res_col(c, st, 14);
    b->approved_at = res_col(c, st, 15);
    b->issued_at = res_col(c, st, 16);
    b->issued_on = res_col(c, st, 17);
    b->version = stmt_int(st, 18);
    b->public = stmt_int(st, 19) != 0;
    b->warning_section = stmt_int(st, 20) != 0;
    b->kind = BUL_KIND_BULLETIN;
    bulletin_kind_parse(stmt_text(st, 21), &b->kind);
    b->below = !strcmp(stmt_text(st, 22), "below");
    b->rank_n = (int)stmt_int(st, 23);
    b->created_by_name = res_col(c, st, 24);
    b->approved_by_name = res_col(c, st, 25);
}

/* Its lists (主送, then 抄送, each in the office's order) with the units' paths, names and codes. */
static enum err load_recipients(struct ctx *c, struct bulletin *b)
{
    struct stmt *st = db_query(c->db,
                               "SELECT r.unit_id, u.path, u.name, u.code, r.role FROM bulletin_recipients r JOIN units "
                               "u ON u.id = r.unit_id WHERE r.bulletin_id = ? ORDER BY CASE r.role WHEN 'main' THEN 0 "
                               "ELSE 1 END, r.pos",
                               DB_INT(b->id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取通报主送抄送单位");
    int cap = 0, rc;
    b->recips = NULL;
    b->nrecips = 0;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        b->recips = arena_grow(c->arena, b->recips, b->nrecips, &cap, sizeof *b->recips);
        b->recips[b->nrecips++] = (struct bulletin_recipient){stmt_int(st, 0), res_col(c, st, 1), res_col(c, st, 2),
                                                              res_col(c, st, 3), !strcmp(stmt_text(st, 4), "cc")};
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取通报主送抄送单位") : ERR_OK;
}

bool bulletin_reaches(const struct bulletin *b, const char *path)
{
    for (int i = 0; i < b->nrecips; i++)
        if (res_path_within(path, b->recips[i].path))
            return true;
    return false;
}

/* The row, without the parts. */
static enum err load_row(struct ctx *c, int64_t id, struct bulletin *b)
{
    memset(b, 0, sizeof *b);
    struct stmt *st = db_query(c->db, "SELECT " BULLETIN_COLS " " BULLETIN_FROM " WHERE b.id = ?", DB_INT(id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取通报");
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        summary_read(c, st, b);
        b->intro = res_col(c, st, 26);
        b->remarks = res_col(c, st, 27);
        b->figures_text = res_col(c, st, 28);
        b->figures_at = res_col(c, st, 29);
    }
    stmt_done(st);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "%s不存在或无权查看", BULLETIN_WHAT);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取通报");
    struct wf_obj *o = &b->wf;
    o->id = b->id;
    o->version = b->version;
    o->state = o->resume_state = (int)b->state;
    o->home_path = b->home_path;
    o->home_unit_id = res_path_last_id(b->home_path);
    b->unit_paths[0] = b->scope_path;
    /* acting is for the government's own people: units see an issued bulletin (bulletin_visible) but
     * take no action on it */
    o->scope = (struct perm_item){b->home_path, b->unit_paths, 0, false};
    o->number = b->number;
    o->title = b->title;
    o->variety = bulletin_kind_name(b->kind);
    return load_recipients(c, b);
}

enum err bulletin_load_figures(struct ctx *c, int64_t id, struct bulletin *b, json_t **fig)
{
    *fig = NULL;
    enum err e = load_row(c, id, b);
    if (e)
        return e;
    if (!(*fig = json_loads(b->figures_text, 0, NULL)))
        *fig = json_object();
    if ((e = load_parts(c, b, *fig))) {
        json_decref(*fig);
        *fig = NULL;
    }
    return e;
}

enum err bulletin_load(struct ctx *c, int64_t id, struct bulletin *b)
{
    json_t *fig;
    enum err e = bulletin_load_figures(c, id, b, &fig);
    json_decref(fig);
    return e;
}

bool bulletin_visible(const struct principal *p, const struct bulletin *b)
{
    if (!p || perm_at(p, CAP_ITEM_READ, b->home_path))
        return true;
    /* a special report is the leaders': the units of its scope never read it */
    for (int i = 0; b->state == BUL_ST_ISSUED && b->kind != BUL_KIND_SPECIAL && i < p->ngrants; i++)
        if (perm_grant_has(&p->grants[i], CAP_ITEM_READ) &&
            (b->nrecips ? bulletin_reaches(b, p->grants[i].unit_path)
                        : res_path_within(p->grants[i].unit_path, b->scope_path)))
            return true;
    return false;
}

static enum err load_visible(struct ctx *c, int64_t id, struct bulletin *b)
{
    enum err e = bulletin_load(c, id, b);
    if (!e && !bulletin_visible(c->user, b))
        e = ctx_fail(c, ERR_NOT_FOUND, "%s不存在或无权查看", BULLETIN_WHAT);
    return e;
}

/* load_visible with the figures (*fig, the caller's; NULL on failure). */
static enum err load_visible_figures(struct ctx *c, int64_t id, struct bulletin *b, json_t **fig)
{
    enum err e = bulletin_load_figures(c, id, b, fig);
    if (!e && !bulletin_visible(c->user, b)) {
        json_decref(*fig);
        *fig = NULL;
        e = ctx_fail(c, ERR_NOT_FOUND, "%s不存在或无权查看", BULLETIN_WHAT);
    }
    return e;
}

/* ---- checks ---- */

static enum err check_period(struct ctx *c, const char *from, const char *to)
{
    char today[11];
    result_today(c, today);
    int64_t a = 0, z = 0;
    cal_parse_date(from, &a);
    cal_parse_date(to, &z);
    if (a > z)
        return ctx_fail_field(c, "period_from", "统计期初（period_from）不能晚于期末（period_to）");
    if (strcmp(to, today) > 0)
        return ctx_fail_field(c, "period_to", "统计期末（period_to）不能晚于今天（%s）", today);
    if (z - a > 366)
        return ctx_fail_field(c, "period_from", "统计期间最长一年（period_from 至 period_to）");
    return ERR_OK;
}

/* The scope: the government itself or a unit below it. */
static enum err check_scope(struct ctx *c, const char *home, int64_t unit, const char **path)
{
    enum err e = units_path(c, unit, path);
    if (e || !res_path_within(*path, home))
        return ctx_fail_field(c, "scope_unit_id", "通报范围 %" PRId64 " 不存在或不是本级政府所属单位（scope_unit_id）",
                              unit);
    return ERR_OK;
}

/* The praise and criticism a bulletin names: issued records of the same government. */
static enum err check_results(struct ctx *c, const char *home, const json_t *ids)
{
    size_t i, j;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        int64_t id = json_integer_value(v);
        for (j = 0; j < i; j++)
            if (json_integer_value(json_array_get(ids, j)) == id)
                return ctx_fail_field(c, "result_ids", "结果运用记录 %" PRId64 " 重复（result_ids）", id);
        struct result r;
        enum err e = result_load(c, id, &r);
        if (e == ERR_NOT_FOUND || (!e && strcmp(r.home_path, home)))
            return ctx_fail_field(c, "result_ids", "结果运用记录 %" PRId64 " 不存在或不是本级政府的记录（result_ids）",
                                  id);
        if (e)
            return e;
        if (r.kind != RES_PRAISE && r.kind != RES_CRITICISM)
            return ctx_fail_field(c, "result_ids", "通报只能点名通报表扬和通报批评，%s不能列入（result_ids）",
                                  result_kind_label(r.kind));
        if (r.state != RES_ST_ISSUED && r.state != RES_ST_REVIEWING && r.state != RES_ST_CLOSED)
            return ctx_fail_field(c, "result_ids", "《%s》尚未印发，不能列入通报（result_ids）",
                                  utf8_inner_title(c->arena, r.title));
    }
    return ERR_OK;
}

static enum err save_results(struct ctx *c, int64_t id, const json_t *ids)
{
    enum err e = db_exec(c->db, "DELETE FROM bulletin_results WHERE bulletin_id = ?", DB_INT(id));
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        if (e)
            break;
        e = db_exec(c->db, "INSERT INTO bulletin_results (bulletin_id, result_id, pos) VALUES (?, ?, ?)", DB_INT(id),
                    DB_INT(json_integer_value(v)), DB_INT((int64_t)i));
    }
    return ctx_db_fail(c, e, "保存通报点名的记录");
}

/* The levels counted (统计层级): own (本级) or below (本级及下级); *below unchanged when the body has none. */
static enum err check_levels(struct ctx *c, const json_t *body, bool *below)
{
    const char *l = jv_str(body, "levels");
    if (!l)
        return ERR_OK;
    if (strcmp(l, "own") && strcmp(l, "below"))
        return ctx_fail_field(c, "levels", "统计层级（levels）只能是 own（本级）或 below（本级及下级）");
    *below = !strcmp(l, "below");
    return ERR_OK;
}

/* A special report goes to the leaders, never to the public. */
static enum err check_public(struct ctx *c, enum bulletin_kind kind, bool public)
{
    if (public && kind == BUL_KIND_SPECIAL)
        return ctx_fail_field(c, "public", "督查专报报送政府主要领导，不能公开发布（public）");
    return ERR_OK;
}

/* The lists (主送 main_unit_ids, 抄送 cc_unit_ids): units below the government, each once in both lists; 抄送 only
 * with a 主送; none for a special report (the leaders'). *words: the 主送 units' names joined as a 主送 line says them
 * (NULL when the body gives no 主送 list). */
static enum err check_recipients(struct ctx *c, const char *home, enum bulletin_kind kind, const json_t *body,
                                 const char **words)
{
    static const char *const keys[2] = {"main_unit_ids", "cc_unit_ids"};
    static const char *const labels[2] = {"主送单位", "抄送单位"};
    const json_t *lists[2] = {json_object_get(body, keys[0]), json_object_get(body, keys[1])};
    *words = NULL;
    for (int k = 0; k < 2; k++)
        if (json_array_size(lists[k]) && kind == BUL_KIND_SPECIAL)
            return ctx_fail_field(c, keys[k], "督查专报报送政府主要领导，不列%s（%s）", labels[k], keys[k]);
    if (json_array_size(lists[1]) && !json_array_size(lists[0]))
        return ctx_fail_field(c, keys[0], "列抄送单位须同时选定主送单位（main_unit_ids）");
    struct buf names = {0};
    for (int k = 0; k < 2; k++) {
        size_t i;
        json_t *v;
        json_array_foreach(lists[k], i, v)
        {
            int64_t id = json_integer_value(v);
            for (int m = 0; m <= k; m++)
                for (size_t j = 0; j < (m < k ? json_array_size(lists[m]) : i); j++)
                    if (json_integer_value(json_array_get(lists[m], j)) == id) {
                        buf_free(&names);
                        return ctx_fail_field(c, keys[k], "%s %" PRId64 " 重复（%s）", labels[k], id, keys[k]);
                    }
            const char *path = NULL, *name = NULL;
            enum err e = units_path(c, id, &path);
            if (e || !res_path_within(path, home) || !strcmp(path, home)) {
                buf_free(&names);
                return ctx_fail_field(c, keys[k], "%s %" PRId64 " 不存在或不是本级政府所属单位（%s）", labels[k], id,
                                      keys[k]);
            }
            if (k == 0) {
                if ((e = db_one_text(c->db, c->arena, &name, "SELECT name FROM units WHERE id = ?", DB_INT(id)))) {
                    buf_free(&names);
                    return ctx_db_fail(c, e, "读取主送单位");
                }
                buf_printf(&names, "%s%s", names.len ? "，" : "", name);
            }
        }
    }
    if (lists[0])
        *words = arena_strdup(c->arena, names.len ? names.data : "");
    buf_free(&names);
    return ERR_OK;
}

/* The lists as the body gives them (a list not in the body is kept as it was). */
static enum err save_recipients(struct ctx *c, int64_t id, const json_t *body)
{
    static const char *const keys[2] = {"main_unit_ids", "cc_unit_ids"}, *const roles[2] = {"main", "cc"};
    enum err e = ERR_OK;
    for (int k = 0; k < 2 && !e; k++) {
        const json_t *list = json_object_get(body, keys[k]);
        if (!list)
            continue;
        e = db_exec(c->db, "DELETE FROM bulletin_recipients WHERE bulletin_id = ? AND role = ?", DB_INT(id),
                    DB_TEXT(roles[k]));
        size_t i;
        json_t *v;
        json_array_foreach(list, i, v)
        {
            if (e)
                break;
            e = db_exec(c->db, "INSERT INTO bulletin_recipients (bulletin_id, unit_id, role, pos) VALUES (?, ?, ?, ?)",
                        DB_INT(id), DB_INT(json_integer_value(v)), DB_TEXT(roles[k]), DB_INT((int64_t)i));
        }
    }
    /* 抄送 without 主送 (a PATCH that empties the 主送 list): the bulletin goes back to its scope's rule */
    if (!e)
        e = db_exec(c->db,
                    "DELETE FROM bulletin_recipients WHERE bulletin_id = ? AND NOT EXISTS (SELECT 1 FROM "
                    "bulletin_recipients m WHERE m.bulletin_id = ? AND m.role = 'main')",
                    DB_INT(id), DB_INT(id));
    return ctx_db_fail(c, e, "保存通报主送抄送单位");
}

/* ---- create and edit ---- */

struct write_args {
    int64_t id;
    const json_t *body;
};

static const char *or_default(const json_t *b, const char *key, const char *def)
{
    const char *s = jv_str(b, key);
    return s ? s : def;
}

static enum err create_tx(struct ctx *c, void *arg)
{
    struct write_args *a = arg;
    const json_t *b = a->body;
    const struct grant *g;
    int64_t office;
    enum err e = res_drafting_grant(c, &g, &office);
    if (e)
        return e;
    const char *from = jv_str(b, "period_from"), *to = jv_str(b, "period_to"), *scope_path, *scope_name = NULL;
    int64_t scope = jv_int(b, "scope_unit_id", g->unit_id);
    json_t *rids = json_object_get(b, "result_ids"), *fig = NULL;
    enum bulletin_kind kind = BUL_KIND_BULLETIN;
    if (jv_has(b, "kind") && !bulletin_kind_parse(jv_str(b, "kind"), &kind))
        return ctx_fail_field(c, "kind",
                              "文种（kind）只能是 bulletin（督查通报）、special_report（督查专报）或 "
                              "briefing（督查简报）");
    bool below = false;
    const char *listed = NULL;
    if ((e = check_public(c, kind, jv_bool(b, "public", false))) || (e = check_levels(c, b, &below)) ||
        (e = check_period(c, from, to)) || (e = check_scope(c, g->unit_path, scope, &scope_path)) ||
        (e = check_results(c, g->unit_path, rids)) || (e = check_recipients(c, g->unit_path, kind, b, &listed)))
        return e;
    const char *gov_name = NULL;
    if ((e = db_one_text(c->db, c->arena, &scope_name, "SELECT name FROM units WHERE id = ?", DB_INT(scope))) ||
        (e = db_one_text(c->db, c->arena, &gov_name, "SELECT name FROM units WHERE id = ?", DB_INT(g->unit_id))))
        return ctx_db_fail(c, e, "读取通报范围");
    bool warn = jv_bool(b, "warning_section", false);
    if ((e = bulletin_count_all(c, g->unit_path, below, scope_path, from, to, warn, &fig)))
        return e;
    const char *title, *addressees, *intro, *remarks;
    bulletin_words(c, kind, gov_name, scope_name, fig, &title, &addressees, &intro, &remarks);
    if (listed && *listed) /* the 主送 line names the units chosen */
        addressees = listed;
    char *figures = json_dumps(fig, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(fig);
    char at[21];
    time_format_iso(c->now, at);
    e = db_one_int(
        c->db, &a->id,
        "INSERT INTO bulletins (title, addressees, intro, remarks, period_from, period_to, office_unit_id, "
        "home_path, scope_unit_id, scope_path, figures, figures_at, public, warning_section, kind, levels, rank_n, "
        "state, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "'draft', ?, ?, ?) RETURNING id",
        DB_TEXT(or_default(b, "title", title)), DB_TEXT(or_default(b, "addressees", addressees)),
        DB_TEXT(or_default(b, "intro", intro)), DB_TEXT(or_default(b, "remarks", remarks)), DB_TEXT(from), DB_TEXT(to),
        DB_INT(office), DB_TEXT(g->unit_path), DB_INT(scope), DB_TEXT(scope_path), DB_TEXT(figures), DB_TEXT(at),
        DB_INT(jv_bool(b, "public", false)), DB_INT(warn), DB_TEXT(bulletin_kind_name(kind)),
        DB_TEXT(below ? "below" : "own"), DB_INT(jv_int(b, "rank_n", 10)), DB_INT(c->user->id), DB_TEXT(at),
        DB_TEXT(at));
    free(figures);
    if (e)
        return ctx_db_fail(c, e, "新建通报");
    if ((e = save_results(c, a->id, rids)) || (e = save_recipients(c, a->id, b)) ||
        (e = res_event(c, &bulletin_table, a->id, "create", -1, BUL_ST_DRAFT, NULL, b)))
        return e;
    json_t *sum = json_pack("{sO}", "after", (json_t *)b);
    e = audit_record(c, "bulletin.create", "bulletin", a->id, sum);
    json_decref(sum);
    return e ? e : workflow_todos_sync_new(c, &bulletin_workflow, a->id);
}

enum err bulletins_create(struct ctx *c, const json_t *body, json_t **out)
{
    struct write_args a = {0, body};
    enum err e = ctx_tx(c, "新建通报", create_tx, &a);
    return e ? e : bulletins_get(c, a.id, out);
}

static enum err update_tx(struct ctx *c, void *arg)
{
    struct write_args *a = arg;
    const json_t *body = a->body;
    struct bulletin b;
    enum err e = load_visible(c, a->id, &b);
    if (e || (e = perm_require_item(c, CAP_RESULT_DRAFT, &b.wf.scope, b.home_path, BULLETIN_WHAT)) ||
        (e = res_lock(c, &bulletin_table, b.id, b.version, BULLETIN_WHAT)))
        return e;
    if (jv_has(body, "version") && jv_int(body, "version", 0) != b.version)
        return ctx_fail(c, ERR_CONFLICT, "通报已被他人修改（当前版本 %" PRId64 "），请刷新后重试", b.version);
    if (b.state != BUL_ST_DRAFT)
        return ctx_fail(c, ERR_CONFLICT, "只有草稿可以修改（当前状态：%s）",
                        wf_state_label(&bulletin_workflow, b.state));
    const char *from = or_default(body, "period_from", b.period_from), *to = or_default(body, "period_to", b.period_to);
    const char *scope_path = b.scope_path;
    int64_t scope = jv_int(body, "scope_unit_id", b.scope_unit_id);
    json_t *rids = json_object_get(body, "result_ids");
    bool below = b.below;
    const char *listed = NULL;
    /* 抄送 given alone is checked with the 主送 kept */
    json_t *lists = json_pack("{sO*}", "cc_unit_ids", json_object_get(body, "cc_unit_ids"));
    json_t *mains = json_object_get(body, "main_unit_ids");
    if (!mains) {
        mains = json_array();
        for (int i = 0; i < b.nrecips; i++)
            if (!b.recips[i].cc)
                json_array_append_new(mains, json_integer(b.recips[i].unit_id));
        json_object_set_new(lists, "main_unit_ids", mains);
    } else
        json_object_set(lists, "main_unit_ids", mains);
    if (!json_object_get(body, "cc_unit_ids") && !json_object_get(body, "main_unit_ids"))
        json_object_clear(lists);
    e = check_recipients(c, b.home_path, b.kind, lists, &listed);
    json_decref(lists);
    if (e || (e = check_public(c, b.kind, jv_bool(body, "public", b.public))) || (e = check_levels(c, body, &below)) ||
        (e = check_period(c, from, to)) || (e = check_scope(c, b.home_path, scope, &scope_path)) ||
        (e = check_results(c, b.home_path, rids)))
        return e;
    if (!json_object_get(body, "main_unit_ids"))
        listed = NULL;
    /* the 主送 line names the units chosen, unless the office writes it */
    const char *addressees = or_default(body, "addressees", listed && *listed ? listed : b.addressees);
    /* counting again: asked for, or the period or the scope changed */
    bool warn = jv_bool(body, "warning_section", b.warning_section);
    bool recount = jv_bool(body, "refresh", false) || strcmp(from, b.period_from) || strcmp(to, b.period_to) ||
                   scope != b.scope_unit_id || warn != b.warning_section || below != b.below;
    char *figures = NULL;
    if (recount) {
        json_t *fig = NULL;
        if ((e = bulletin_count_all(c, b.home_path, below, scope_path, from, to, warn, &fig)))
            return e;
        figures = json_dumps(fig, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(fig);
    }
    char at[21];
    time_format_iso(c->now, at);
    e = db_exec(c->db,
                "UPDATE bulletins SET title = ?, addressees = ?, intro = ?, remarks = ?, period_from = ?, "
                "period_to = ?, scope_unit_id = ?, scope_path = ?, figures = COALESCE(?, figures), "
                "figures_at = CASE WHEN ? IS NULL THEN figures_at ELSE ? END, public = ?, warning_section = ?, "
                "levels = ?, rank_n = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                DB_TEXT(or_default(body, "title", b.title)), DB_TEXT(addressees),
                DB_TEXT(or_default(body, "intro", b.intro)), DB_TEXT(or_default(body, "remarks", b.remarks)),
                DB_TEXT(from), DB_TEXT(to), DB_INT(scope), DB_TEXT(scope_path), DB_TEXT(figures), DB_TEXT(figures),
                DB_TEXT(at), DB_INT(jv_bool(body, "public", b.public)), DB_INT(warn), DB_TEXT(below ? "below" : "own"),
                DB_INT(jv_int(body, "rank_n", b.rank_n)), DB_TEXT(at), DB_INT(b.id));
    free(figures);
    if (e)
        return ctx_db_fail(c, e, "修改通报");
    if ((rids && (e = save_results(c, b.id, rids))) || (e = save_recipients(c, b.id, body)) ||
        (e = res_event(c, &bulletin_table, b.id, recount ? "refresh" : "update", -1, -1, NULL, body)))
        return e;
    json_t *sum = json_pack("{sO sb}", "change", (json_t *)body, "recounted", recount);
    e = audit_record(c, "bulletin.update", "bulletin", b.id, sum);
    json_decref(sum);
    return e ? e : workflow_todos_sync(c, &bulletin_workflow, b.id, NULL);
}

enum err bulletins_update(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    struct write_args a = {id, body};
    enum err e = ctx_tx(c, "修改通报", update_tx, &a);
    return e ? e : bulletins_get(c, id, out);
}

/* ---- reading ---- */

/* The praise and criticism it names, in the office's order. */
static json_t *named_json(struct ctx *c, int64_t id)
{
    json_t *arr = json_array();
    struct stmt *st =
        db_query(c->db,
                 "SELECT r.id, r.kind, r.number, r.title, r.content, u.id, u.name FROM bulletin_results br "
                 "JOIN results r ON r.id = br.result_id JOIN units u ON u.id = r.unit_id "
                 "WHERE br.bulletin_id = ? ORDER BY br.pos",
                 DB_INT(id));
    while (st && stmt_step(st) == STORE_ROW) {
        enum result_kind k = RES_PRAISE;
        result_kind_parse(stmt_text(st, 1), &k);
        json_array_append_new(arr, json_pack("{sI ss ss so ss ss sI ss}", "id", (json_int_t)stmt_int(st, 0), "kind",
                                             stmt_text(st, 1), "kind_label", result_kind_label(k), "number",
                                             res_str(stmt_is_null(st, 2) ? NULL : stmt_text(st, 2)), "title",
                                             stmt_text(st, 3), "content", stmt_text(st, 4), "unit_id",
                                             (json_int_t)stmt_int(st, 5), "unit_name", stmt_text(st, 6)));
    }
    stmt_done(st);
    return arr;
}

/* A bulletin as a list shows it: number, title, kind, period, scope, state, dates and who — no words, no figures
 * (a province's figures are over a megabyte of JSON: only the bulletin's own GET carries them). */
static json_t *summary_json(struct ctx *c, const struct bulletin *b)
{
    json_t *o = json_pack(
        "{sI so ss s{ss ss ss} s{sI ss} sI ss ss ss}", "id", (json_int_t)b->id, "number", res_str(b->number), "title",
        b->title, "period", "from", b->period_from, "to", b->period_to, "words",
        bulletin_period_words(c, b->period_from, b->period_to), "scope", "id", (json_int_t)b->scope_unit_id, "name",
        b->scope_name, "office_unit_id", (json_int_t)b->office_unit_id, "office_name", b->office_name, "state",
        wf_state_name(&bulletin_workflow, b->state), "state_label", wf_state_label(&bulletin_workflow, b->state));
    json_object_set_new(o, "kind", json_string(bulletin_kind_name(b->kind)));
    json_object_set_new(o, "kind_label", json_string(bulletin_kind_label(b->kind)));
    json_object_set_new(o, "public", json_boolean(b->public));
    json_object_set_new(o, "warning_section", json_boolean(b->warning_section));
    json_object_set_new(o, "levels", json_string(b->below ? "below" : "own"));
    json_object_set_new(o, "levels_label", json_string(b->below ? "本级及下级" : "本级"));
    json_object_set_new(o, "rank_n", json_integer(b->rank_n));
    json_object_set_new(o, "created_by_name", res_str(b->created_by_name));
    json_object_set_new(o, "approved_by_name", res_str(b->approved_by_name));
    json_object_set_new(o, "created_at", json_string(b->created_at));
    json_object_set_new(o, "updated_at", json_string(b->updated_at));
    json_object_set_new(o, "approved_at", res_str(b->approved_at));
    json_object_set_new(o, "issued_at", res_str(b->issued_at));
    json_object_set_new(o, "issued_on", res_str(b->issued_on));
    json_object_set_new(o, "version", json_integer(b->version));
    return o;
}

/* The bulletin as the API shows it: its summary, its words, its figures (taken) and what it names. */
static json_t *bulletin_json(struct ctx *c, struct bulletin *b, json_t *fig)
{
    json_t *o = summary_json(c, b);
    json_object_set_new(o, "addressees", json_string(b->addressees));
    json_object_set_new(o, "intro", json_string(b->intro));
    json_object_set_new(o, "remarks", json_string(b->remarks));
    json_object_set_new(o, "annex",
                        json_string(arena_printf(c->arena, "/api/v1/bulletins/%" PRId64 "/annex.xlsx", b->id)));
    json_object_set_new(o, "figures", fig);
    json_object_set_new(o, "figures_at", json_string(b->figures_at));
    json_object_set_new(o, "results", named_json(c, b->id));
    json_t *named = json_array();
    for (int i = 0; i < b->wf.nparts; i++) /* the codes came with the parts: one read, not one per unit */
        json_array_append_new(named,
                              json_pack("{sI ss ss}", "id", (json_int_t)b->wf.parts[i].unit_id, "code",
                                        b->part_codes ? b->part_codes[i] : "", "name", b->wf.parts[i].unit_name));
    json_object_set_new(o, "named_units", named);
    json_t *lists[2] = {json_array(), json_array()};
    for (int i = 0; i < b->nrecips; i++)
        json_array_append_new(lists[b->recips[i].cc], json_pack("{sI ss ss}", "id", (json_int_t)b->recips[i].unit_id,
                                                                "code", b->recips[i].code, "name", b->recips[i].name));
    json_object_set_new(o, "main_units", lists[0]);
    json_object_set_new(o, "cc_units", lists[1]);
    json_object_set_new(o, "document",
                        json_string(arena_printf(c->arena, "/api/v1/bulletins/%" PRId64 "/document.pdf", b->id)));
    json_object_set_new(o, "allowed_actions", workflow_allowed_actions(c, &bulletin_workflow, &b->wf, -1));
    return o;
}

enum err bulletins_get(struct ctx *c, int64_t id, json_t **out)
{
    struct bulletin b;
    json_t *fig;
    enum err e = load_visible_figures(c, id, &b, &fig);
    if (!e)
        *out = bulletin_json(c, &b, fig);
    return e;
}

enum err bulletins_act(struct ctx *c, int64_t id, const char *action, const json_t *body, json_t **out)
{
    struct bulletin b;
    enum err e = load_visible(c, id, &b);
    if (!e) /* its units read an issued bulletin: acting on it is the government's */
        e = res_act(c, &bulletin_workflow, id, action, body, b.home_path);
    return e ? e : bulletins_get(c, id, out);
}

enum err bulletins_events(struct ctx *c, int64_t id, json_t **out)
{
    struct bulletin b;
    enum err e = load_visible(c, id, &b);
    return e ? e : res_events(c, &bulletin_table, id, out);
}

enum err bulletins_document(struct ctx *c, int64_t id, json_t **out)
{
    struct bulletin b;
    json_t *fig;
    enum err e = load_visible_figures(c, id, &b, &fig);
    if (e)
        return e;
    char today[11];
    result_today(c, today);
    json_t *o = bulletin_json(c, &b, fig);
    json_object_set_new(o, "date", json_string(b.issued_on ? b.issued_on : today));
    json_object_set_new(o, "draft", json_boolean(b.state != BUL_ST_ISSUED));
    *out = o;
    return ERR_OK;
}

/* ---- the list ---- */

enum err bulletin_summaries(struct ctx *c, const char *where, struct res_binds *bd, const char *order, int page,
                            int per_page, json_t *(*row)(struct ctx *c, const struct bulletin *b), json_t *arr)
{
    res_bind_add(c, bd, DB_INT(per_page));
    res_bind_add(c, bd, DB_INT((int64_t)(page - 1) * per_page));
    struct stmt *st = db_query_a(c->db,
                                 arena_printf(c->arena,
                                              "SELECT " BULLETIN_SUMMARY_COLS " " BULLETIN_FROM
                                              " WHERE %s ORDER BY %s LIMIT ? OFFSET ?",
                                              where, order),
                                 res_binds_of(bd));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取通报");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        struct bulletin b;
        summary_read(c, st, &b);
        json_array_append_new(arr, row(c, &b));
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取通报") : ERR_OK;
}

/* Readers of items at the government see its bulletins; units see the issued ones addressed to them
 * (their unit inside the scope): the rule of bulletin_visible as SQL. */
static const char *visible_where(struct ctx *c, struct res_binds *bd)
{
    if (!c->user)
        return "1 = 1";
    const char *w = "";
    int ns;
    const char **scope = perm_scope_cap(c, CAP_ITEM_READ, &ns);
    for (int i = 0; i < ns; i++) {
        w = arena_printf(c->arena, "%s%s(b.home_path >= ? AND b.home_path < ?)", w, *w ? " OR " : "");
        res_bind_add(c, bd, DB_TEXT(scope[i]));
        res_bind_add(c, bd, DB_TEXT(perm_path_upper(c->arena, scope[i])));
    }
    for (int i = 0; i < c->user->ngrants; i++) {
        const char *p = c->user->grants[i].unit_path;
        if (!perm_grant_has(&c->user->grants[i], CAP_ITEM_READ))
            continue;
        /* with lists (bulletin_recipients): a unit at or below one of its 主送 or 抄送 units; else the scope's */
        w = arena_printf(c->arena,
                         "%s%s(b.state = 'issued' AND b.kind <> 'special_report' AND ((b.scope_path <= ? AND SUBSTR(?, "
                         "1, LENGTH(b.scope_path)) = b.scope_path AND NOT EXISTS (SELECT 1 FROM bulletin_recipients "
                         "r0 WHERE r0.bulletin_id = b.id)) OR EXISTS (SELECT 1 FROM bulletin_recipients r1 JOIN units "
                         "u1 ON u1.id = r1.unit_id WHERE r1.bulletin_id = b.id AND u1.path <= ? AND SUBSTR(?, 1, "
                         "LENGTH(u1.path)) = u1.path)))",
                         w, *w ? " OR " : "");
        for (int k = 0; k < 4; k++)
            res_bind_add(c, bd, DB_TEXT(p));
    }
    return *w ? arena_printf(c->arena, "(%s)", w) : "1 = 0";
}

enum err bulletins_list(struct ctx *c, const char *state, const char *kind, int page, int per_page, json_t **out)
{
    int s;
    enum bulletin_kind k;
    if (state && !wf_state_parse(&bulletin_workflow, state, &s))
        return ctx_fail(c, ERR_BAD_REQUEST, "状态（state）不是通报的状态（见 GET /api/v1/workflows）");
    if (kind && !bulletin_kind_parse(kind, &k))
        return ctx_fail(c, ERR_BAD_REQUEST, "文种（kind）只能是 bulletin、special_report 或 briefing");
    struct res_binds bd = {0};
    const char *where = visible_where(c, &bd);
    if (state) {
        where = arena_printf(c->arena, "%s AND b.state = ?", where);
        res_bind_add(c, &bd, DB_TEXT(state));
    }
    if (kind) {
        where = arena_printf(c->arena, "%s AND b.kind = ?", where);
        res_bind_add(c, &bd, DB_TEXT(kind));
    }
    int64_t total = 0;
    enum err e = db_one_int_a(c->db, &total, arena_printf(c->arena, "SELECT COUNT(*) FROM bulletins b WHERE %s", where),
                              res_binds_of(&bd));
    if (e)
        return ctx_db_fail(c, e, "读取通报");
    json_t *arr = json_array();
    if ((e = bulletin_summaries(c, where, &bd, "b.id DESC", page, per_page, summary_json, arr))) {
        json_decref(arr);
        return e;
    }
    /* the period a new draft proposes: the previous whole month by the server's (Beijing) day — a bulletin reports
     * on a month that has ended, also when it is drafted on the 1st */
    char today[11], from[11], to[11];
    int64_t day = time_local_day(c->now);
    cal_format_date(day, today);
    cal_format_date(day - atoi(today + 8), to); /* the day before the 1st of this month */
    snprintf(from, sizeof from, "%.8s01", to);
    *out = json_pack("{so sI si si s{ss ss}}", "bulletins", arr, "total", (json_int_t)total, "page", page, "per_page",
                     per_page, "proposed_period", "from", from, "to", to);
    return ERR_OK;
}
