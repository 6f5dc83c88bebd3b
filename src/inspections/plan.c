/*
 * plan.c: annual plans (年度督查计划) and the departments' proposals (entries): creating a plan, loading
 * it for the engine, its JSON, the list, and proposing or withdrawing an entry. Who sees what: the
 * office side (督查室, leaders, the government above) sees the whole plan; a department sees the plan
 * and the entries it organises; nobody sees an unannounced (暗访) entry that targets a unit they hold a
 * role at (see entry_visible).
 */
#include "inspections/insp_internal.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "core/unit_up.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

const struct jv_field insp_plan_create_spec[] = {
    {"year", JV_INT, JV_REQUIRED, 2000, 2100},
    {"title", JV_STRING, 0, 1, 200},
    {"office_unit_id", JV_INT, 0, 1, INT64_MAX},
    {"baseline", JV_INT, JV_NULLABLE, 0, 100000},
    {"baseline_note", JV_STRING, 0, 0, 2000},
    {"proposals_due", JV_DATE, 0, 0, 0},
    {NULL, 0, 0, 0, 0},
};

const struct jv_field insp_entry_spec[] = {
    {"subject", JV_STRING, JV_REQUIRED, 2, 200},
    {"matters", JV_STRING, 0, 0, 20000},
    {"kind", JV_STRING, JV_REQUIRED, 1, 40},
    {"methods", JV_STRING_ARRAY, JV_REQUIRED, 1, 10},
    {"organiser_unit_id", JV_INT, JV_REQUIRED, 1, INT64_MAX},
    {"co_organiser_ids", JV_INT_ARRAY, 0, 0, 20},
    {"target_unit_ids", JV_INT_ARRAY, JV_REQUIRED, 1, 50},
    {"start_date", JV_DATE, JV_REQUIRED, 0, 0},
    {"end_date", JV_DATE, JV_REQUIRED, 0, 0},
    {NULL, 0, 0, 0, 0},
};

/* ---- loading ---- */

#define PLAN_SQL                                                                                                       \
    "SELECT p.id, p.office_unit_id, p.office_path, u.name, p.year, p.title, p.state, p.baseline, p.baseline_note, "    \
    "p.proposals_due, p.approved_by, p.approved_at, p.filed_at, p.filed_to, p.created_by, p.created_at, "              \
    "p.updated_at, "                                                                                                   \
    "p.version FROM insp_plans p JOIN units u ON u.id = p.office_unit_id "

/* The plan from its statement (PLAN_SQL …), stepped here and finished. */
static enum err plan_take(struct ctx *c, struct stmt *st, struct plan *p)
{
    memset(p, 0, sizeof *p);
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取年度督查计划");
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        p->id = stmt_int(st, 0);
        p->office_unit_id = stmt_int(st, 1);
        p->office_path = insp_col(c, st, 2);
        p->office_name = insp_col(c, st, 3);
        p->year = stmt_int(st, 4);
        p->title = insp_col(c, st, 5);
        wf_state_parse(&plan_workflow, stmt_text(st, 6), &p->state);
        p->baseline = stmt_is_null(st, 7) ? -1 : stmt_int(st, 7);
        p->baseline_note = insp_col(c, st, 8);
        p->proposals_due = insp_col(c, st, 9);
        p->approved_by = stmt_is_null(st, 10) ? 0 : stmt_int(st, 10);
        p->approved_at = insp_col(c, st, 11);
        p->filed_at = insp_col(c, st, 12);
        p->filed_to = stmt_is_null(st, 13) ? 0 : stmt_int(st, 13);
        p->created_by = stmt_is_null(st, 14) ? 0 : stmt_int(st, 14);
        p->created_at = insp_col(c, st, 15);
        p->updated_at = insp_col(c, st, 16);
        p->version = stmt_int(st, 17);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取年度督查计划");
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "年度督查计划不存在或无权查看");
    /* the office side; and every unit of the government (to propose), which sees its own entries */
    const char **party = arena_alloc(c->arena, sizeof *party);
    party[0] = p->office_path;
    p->scope = (struct perm_item){
        .office_path = p->office_path, .read_cap = CAP_INSP_READ, .party_paths = party, .nparties = 1};
    p->npending = -1;
    struct wf_obj *o = &p->wf;
    o->id = p->id;
    o->version = p->version;
    o->state = p->state;
    o->home_path = p->office_path;
    o->home_unit_id = p->office_unit_id;
    o->scope = p->scope;
    o->title = p->title;
    o->number = "";
    o->parts = NULL;
    return ERR_OK;
}

enum err plan_load(struct ctx *c, int64_t id, struct plan *p)
{
    return plan_take(c, db_query(c->db, PLAN_SQL "WHERE p.id = ?", DB_INT(id)), p);
}

enum err plan_load_waits(struct ctx *c, struct plan *p)
{
    struct stmt *st =
        db_query(c->db,
                 "SELECT e.id, e.organiser_unit_id, e.organiser_path, u.name FROM insp_entries e "
                 "JOIN units u ON u.id = e.organiser_unit_id WHERE e.plan_id = ? AND e.state = 'proposed' "
                 "ORDER BY e.id",
                 DB_INT(p->id));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取督查建议");
    int cap = 8, rc;
    struct wf_part *parts = arena_alloc(c->arena, sizeof *parts * (size_t)cap);
    int n = 0;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        if (n == cap) {
            struct wf_part *bigger = arena_alloc(c->arena, sizeof *bigger * (size_t)cap * 2);
            memcpy(bigger, parts, sizeof *parts * (size_t)n);
            parts = bigger;
            cap *= 2;
        }
        parts[n++] = (struct wf_part){PLAN_PART_ENTRY,    stmt_int(st, 0),    0, stmt_int(st, 1),
                                      insp_col(c, st, 2), insp_col(c, st, 3), 0};
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取督查建议");
    p->wf.parts = parts;
    p->wf.nparts = n;
    p->wf.ntracks = 0;
    return ERR_OK;
}

void entry_load_send(struct ctx *c, int64_t id, bool with_plan, struct entry_sent *s)
{
    s->st[0] = db_query(c->db,
                        "SELECT e.id, e.plan_id, e.subject, e.matters, e.kind, e.methods, e.organiser_unit_id, "
                        "e.organiser_path, u.name, e.co_organisers, e.start_date, e.end_date, e.state, "
                        "e.exception_reason, e.inspection_id FROM insp_entries e "
                        "JOIN units u ON u.id = e.organiser_unit_id WHERE e.id = ?",
                        DB_INT(id));
    s->st[1] = db_query(c->db,
                        "SELECT t.unit_id, t.unit_path, u.name FROM insp_entry_targets t JOIN units u ON "
                        "u.id = t.unit_id WHERE t.entry_id = ? ORDER BY t.unit_path",
                        DB_INT(id));
    s->st[2] =
        with_plan ? db_query(c->db, PLAN_SQL "WHERE p.id = (SELECT plan_id FROM insp_entries WHERE id = ?)", DB_INT(id))
                  : NULL;
    for (int i = 0; i < 3; i++)
        stmt_send(s->st[i]);
}

enum err entry_load_take(struct ctx *c, struct entry_sent *s, struct entry *en, struct plan *p)
{
    memset(en, 0, sizeof *en);
    struct stmt *st = s->st[0];
    int rc = st ? stmt_step(st) : STORE_E_OTHER;
    if (rc == STORE_ROW) {
        en->id = stmt_int(st, 0);
        en->plan_id = stmt_int(st, 1);
        en->subject = insp_col(c, st, 2);
        en->matters = insp_col(c, st, 3);
        en->kind = insp_col(c, st, 4);
        en->methods = insp_col(c, st, 5);
        en->organiser_unit_id = stmt_int(st, 6);
        en->organiser_path = insp_col(c, st, 7);
        en->organiser_name = insp_col(c, st, 8);
        en->co_organisers = insp_col(c, st, 9);
        en->start_date = insp_col(c, st, 10);
        en->end_date = insp_col(c, st, 11);
        en->state = insp_col(c, st, 12);
        en->exception_reason = insp_col(c, st, 13);
        en->inspection_id = stmt_is_null(st, 14) ? 0 : stmt_int(st, 14);
    }
    stmt_done(st);
    int trc = STORE_E_OTHER;
    if ((st = s->st[1])) {
        int cap = 60;
        en->targets = arena_alloc(c->arena, sizeof *en->targets * (size_t)cap);
        en->target_paths = arena_alloc(c->arena, sizeof *en->target_paths * (size_t)cap);
        en->target_names = arena_alloc(c->arena, sizeof *en->target_names * (size_t)cap);
        while ((trc = stmt_step(st)) == STORE_ROW && en->ntargets < cap) {
            en->targets[en->ntargets] = stmt_int(st, 0);
            en->target_paths[en->ntargets] = insp_col(c, st, 1);
            en->target_names[en->ntargets++] = insp_col(c, st, 2);
        }
        stmt_done(st);
    }
    enum err pe = ERR_OK;
    if (p)
        pe = plan_take(c, s->st[2], p);
    else
        stmt_done(s->st[2]);
    if (rc < 0 || trc < 0)
        return ctx_store_fail(c, rc < 0 ? rc : trc, "读取督查建议");
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "督查建议不存在或无权查看");
    return pe;
}

enum err entry_load(struct ctx *c, int64_t id, struct entry *en, struct plan *p)
{
    struct entry_sent s;
    entry_load_send(c, id, p != NULL, &s);
    return entry_load_take(c, &s, en, p);
}

/* True if the user holds any role at or below one of the entry's targets. */
static bool entry_targets_user(struct ctx *c, const struct entry *en)
{
    struct perm_item hidden = {.hidden_paths = en->target_paths, .nhidden = en->ntargets};
    return perm_item_hidden_from(c->user, &hidden);
}

/* An unannounced entry stays secret from its targets until its inspection's findings are issued. */
static bool entry_secret(struct ctx *c, const struct entry *en)
{
    if (!insp_has_method(en->methods, "covert"))
        return false;
    const char *issued = NULL;
    if (en->inspection_id)
        db_one_text(c->db, c->arena, &issued, "SELECT findings_issued_at FROM inspections WHERE id = ?",
                    DB_INT(en->inspection_id));
    return issued == NULL;
}

/* The office side of the plan: the capability to read inspections at or above its government. */
static bool office_side(struct ctx *c, const struct plan *p)
{
    return !c->user || perm_at(c->user, CAP_INSP_READ, p->office_path);
}

/* True if the unit path is at or below one of the user's grants that carries cap (a department's own). */
static bool user_related(struct ctx *c, enum cap cap, const char *path)
{
    for (int i = 0; c->user && i < c->user->ngrants; i++) {
        const struct grant *g = &c->user->grants[i];
        if (perm_at(c->user, cap, g->unit_path) && insp_within(path, g->unit_path))
            return true;
    }
    return false;
}

bool entry_visible(struct ctx *c, const struct plan *p, const struct entry *en)
{
    if (!c->user)
        return true;
    if (!perm_item_visible(c->user, &p->scope))
        return false;
    if (entry_secret(c, en) && entry_targets_user(c, en))
        return false;
    if (office_side(c, p))
        return true;
    /* a department: what it organises (or co-organises) */
    if (user_related(c, CAP_INSP_READ, en->organiser_path) || user_related(c, CAP_INSP_PROPOSE, en->organiser_path))
        return true;
    for (const char *s = en->co_organisers; s && *s;) {
        while (*s == ',')
            s++;
        if (!*s)
            break;
        char *end;
        int64_t u = strtoll(s, &end, 10);
        s = end;
        const char *path = NULL;
        if (!db_one_text(c->db, c->arena, &path, "SELECT path FROM units WHERE id = ?", DB_INT(u)) &&
            (user_related(c, CAP_INSP_READ, path) || user_related(c, CAP_INSP_PROPOSE, path)))
            return true;
    }
    return false;
}

/* ---- JSON ---- */

static json_t *units_of(struct ctx *c, const char *list)
{
    json_t *arr = json_array();
    for (const char *s = list; s && *s;) {
        while (*s == ',')
            s++;
        if (!*s)
            break;
        char *end;
        int64_t u = strtoll(s, &end, 10);
        s = end;
        const char *name = NULL;
        db_one_text(c->db, c->arena, &name, "SELECT name FROM units WHERE id = ?", DB_INT(u));
        json_array_append_new(arr, json_pack("{sI ss}", "id", (json_int_t)u, "name", name ? name : ""));
    }
    return arr;
}

static json_t *entry_json(struct ctx *c, const struct entry *en)
{
    json_t *targets = json_array();
    for (int i = 0; i < en->ntargets; i++)
        json_array_append_new(targets,
                              json_pack("{sI ss}", "id", (json_int_t)en->targets[i], "name", en->target_names[i]));
    const char *proposer = NULL, *created = NULL, *note = NULL;
    int64_t by = 0, merged_into = 0;
    struct stmt *st =
        db_query(c->db,
                 "SELECT COALESCE(u.name, ''), e.created_at, e.decision_note, e.proposed_by, "
                 "COALESCE(e.merged_into, 0) FROM insp_entries e LEFT JOIN users u ON u.id = e.proposed_by "
                 "WHERE e.id = ?",
                 DB_INT(en->id));
    if (st && stmt_step(st) == STORE_ROW) {
        proposer = insp_col(c, st, 0);
        created = insp_col(c, st, 1);
        note = insp_col(c, st, 2);
        by = stmt_int(st, 3);
        merged_into = stmt_int(st, 4);
    }
    if (st)
        stmt_done(st);
    (void)by;
    return json_pack("{sI sI ss ss ss ss so s{sI ss} so so ss ss ss so so ss ss ss so}", "id", (json_int_t)en->id,
                     "plan_id", (json_int_t)en->plan_id, "subject", en->subject, "matters", en->matters, "kind",
                     en->kind, "kind_label", insp_kind_label(en->kind), "methods", insp_methods_json(en->methods),
                     "organiser", "id", (json_int_t)en->organiser_unit_id, "name", en->organiser_name, "co_organisers",
                     units_of(c, en->co_organisers), "targets", targets, "start_date", en->start_date, "end_date",
                     en->end_date, "state", en->state, "exception_reason",
                     en->exception_reason ? json_string(en->exception_reason) : json_null(), "inspection_id",
                     en->inspection_id ? json_integer(en->inspection_id) : json_null(), "proposed_by",
                     proposer ? proposer : "", "decision_note", note ? note : "", "created_at", created ? created : "",
                     "merged_into", merged_into ? json_integer(merged_into) : json_null());
}

static json_t *plan_json(struct ctx *c, struct plan *p)
{
    json_t *entries = json_array();
    json_t *counts =
        json_pack("{si si si si si}", "proposed", 0, "included", 0, "rejected", 0, "withdrawn", 0, "merged", 0);
    struct stmt *st = db_query(c->db, "SELECT id FROM insp_entries WHERE plan_id = ? ORDER BY id", DB_INT(p->id));
    int64_t *ids = NULL;
    int n = 0, cap = 0;
    while (st && stmt_step(st) == STORE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            int64_t *bigger = arena_alloc(c->arena, sizeof *bigger * (size_t)cap);
            if (n)
                memcpy(bigger, ids, sizeof *ids * (size_t)n);
            ids = bigger;
        }
        ids[n++] = stmt_int(st, 0);
    }
    if (st)
        stmt_done(st);
    /* the entries' reads sent together, ENTRIES_SENT at a time (one round trip each on PostgreSQL) */
    enum { ENTRIES_SENT = 32 };
    struct entry_sent sent[ENTRIES_SENT];
    for (int from = 0; from < n; from += ENTRIES_SENT) {
        int k = n - from < ENTRIES_SENT ? n - from : ENTRIES_SENT;
        for (int i = 0; i < k; i++)
            entry_load_send(c, ids[from + i], false, &sent[i]);
        for (int i = 0; i < k; i++) {
            struct entry en;
            if (entry_load_take(c, &sent[i], &en, NULL) || !entry_visible(c, p, &en))
                continue;
            json_array_append_new(entries, entry_json(c, &en));
            json_t *count = json_object_get(counts, en.state);
            if (count)
                json_integer_set(count, json_integer_value(count) + 1);
        }
    }
    bool office = office_side(c, p);
    json_t *caps = json_null(), *exceptions = json_array();
    if (office) {
        json_decref(exceptions);
        exceptions = insp_exceptions_json(c, "plan", p->id);
        struct caps_figures f;
        if (!insp_caps_figures(c, p->office_unit_id, (int)p->year, &f))
            caps = json_pack("{so sb sf so sI sI sI}", "baseline",
                             f.baseline >= 0 ? json_integer(f.baseline) : json_null(), "baseline_declared",
                             f.baseline_declared, "factor", f.factor, "cap",
                             f.cap >= 0 ? json_integer(f.cap) : json_null(), "planned", (json_int_t)f.planned,
                             "unplanned", (json_int_t)f.unplanned, "total", (json_int_t)f.total);
        c->err = ERR_OK;
    }
    const char *filed_to = NULL;
    if (p->filed_to)
        db_one_text(c->db, c->arena, &filed_to, "SELECT name FROM units WHERE id = ?", DB_INT(p->filed_to));
    return json_pack(
        "{sI sI ss ss s{sI ss} ss ss so ss so ss so so so so so so so sb sI ss ss so}", "id", (json_int_t)p->id, "year",
        (json_int_t)p->year, "title", p->title, "kind", "plan", "office", "id", (json_int_t)p->office_unit_id, "name",
        p->office_name, "state", wf_state_name(&plan_workflow, p->state), "state_label",
        wf_state_label(&plan_workflow, p->state), "baseline",
        p->baseline >= 0 ? json_integer(p->baseline) : json_null(), "baseline_note",
        p->baseline_note ? p->baseline_note : "", "proposals_due",
        p->proposals_due ? json_string(p->proposals_due) : json_null(), "approved_by",
        insp_user_name(c, p->approved_by), "approved_at", p->approved_at ? json_string(p->approved_at) : json_null(),
        "filed_at", p->filed_at ? json_string(p->filed_at) : json_null(), "filed_to",
        filed_to ? json_string(filed_to) : json_null(), "entries", entries, "counts", counts, "caps", caps,
        "exceptions", exceptions, "office_side", office, "version", (json_int_t)p->version, "created_at", p->created_at,
        "updated_at", p->updated_at, "allowed_actions", workflow_allowed_actions(c, &plan_workflow, &p->wf, -1));
}

enum err insp_plan_get(struct ctx *c, int64_t id, json_t **out)
{
    struct plan p;
    enum err e = plan_load(c, id, &p);
    if (e)
        return e;
    if (!perm_item_visible(c->user, &p.scope))
        return ctx_fail(c, ERR_NOT_FOUND, "年度督查计划不存在或无权查看");
    *out = plan_json(c, &p);
    return ERR_OK;
}

enum err insp_plan_units(struct ctx *c, int64_t id, const char *q, json_t **out)
{
    /* a department proposing for the plan names targets outside its own subtree (the townships, the other
     * departments of the same government): it may see their names, not more */
    struct plan p;
    enum err e = plan_load(c, id, &p);
    if (e)
        return e;
    if (!perm_item_visible(c->user, &p.scope))
        return ctx_fail(c, ERR_NOT_FOUND, "年度督查计划不存在或无权查看");
    const char *like = arena_printf(c->arena, "%%%s%%", q ? q : "");
    struct stmt *st = db_query(c->db,
                               "SELECT id, code, name, kind FROM units WHERE path LIKE ? AND id <> ? AND "
                               "(name LIKE ? OR code LIKE ?) ORDER BY depth, sort, id LIMIT 50",
                               DB_TEXT(arena_printf(c->arena, "%s%%", p.office_path)), DB_INT(p.office_unit_id),
                               DB_TEXT(like), DB_TEXT(like));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取单位");
    json_t *arr = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        json_array_append_new(arr, json_pack("{sI ss ss ss}", "id", (json_int_t)stmt_int(st, 0), "code",
                                             stmt_text(st, 1), "name", stmt_text(st, 2), "kind", stmt_text(st, 3)));
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "读取单位");
    }
    *out = json_pack("{so}", "units", arr);
    return ERR_OK;
}

enum err insp_plans_list(struct ctx *c, int64_t year, json_t **out)
{
    /* plans of the governments the user sees: at, above (the office side) or below (departments) */
    int n;
    const char **scope = perm_scope_cap(c, CAP_INSP_READ, &n);
    json_t *arr = json_array();
    const char *sql = "SELECT id FROM insp_plans WHERE (? = 0 OR year = ?) AND (0 = 1";
    struct db_bind b[64];
    int nb = 0;
    b[nb++] = DB_INT(year);
    b[nb++] = DB_INT(year);
    /* a plan of a government at or below a grant, or of one above it */
    const char *w;
    for (int i = 0; i < n && unit_up_or_below(c->arena, "office_path", scope[i], b, &nb, 62, &w); i++)
        sql = arena_printf(c->arena, "%s OR %s", sql, w);
    b[nb] = (struct db_bind){DB_BIND_END_, 0, 0, NULL};
    sql = arena_printf(c->arena, "%s) ORDER BY year DESC, id DESC LIMIT 200", sql);
    struct stmt *st = db_query_a(c->db, sql, b);
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取年度督查计划");
    int64_t ids[200];
    int k = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW && k < 200)
        ids[k++] = stmt_int(st, 0);
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取年度督查计划");
    for (int i = 0; i < k; i++) {
        struct plan p;
        if (plan_load(c, ids[i], &p) || !perm_item_visible(c->user, &p.scope))
            continue;
        json_t *j = plan_json(c, &p);
        json_object_del(j, "entries");
        json_array_append_new(arr, j);
    }
    *out = json_pack("{so}", "plans", arr);
    return ERR_OK;
}

/* ---- creating ---- */

/* The government whose office acts: office_unit_id from the body, else the user's first grant carrying
 * cap; the user must hold cap there (404 outside the scope, 403 without the capability). */
static enum err acting_government(struct ctx *c, const json_t *b, enum cap cap, struct insp_unit *gov)
{
    const char *path = NULL;
    enum err e;
    if (jv_has(b, "office_unit_id")) {
        struct insp_unit u;
        if (insp_unit(c, jv_int(b, "office_unit_id", 0), "office_unit_id", &u))
            return ctx_fail(c, ERR_NOT_FOUND, "单位不存在或无权查看");
        path = u.path;
    }
    for (int i = 0; !path && c->user && i < c->user->ngrants; i++)
        if (perm_at(c->user, cap, c->user->grants[i].unit_path))
            path = c->user->grants[i].unit_path;
    if (!path)
        return ctx_fail(c, ERR_FORBIDDEN, "您的角色不能开展督查");
    if ((e = insp_government_of(c, path, gov)))
        return e;
    return perm_require(c, cap, gov->path, "单位");
}

struct plan_create_args {
    const json_t *body;
    int64_t id;
};

static enum err plan_create_tx(struct ctx *c, void *arg)
{
    struct plan_create_args *x = arg;
    const json_t *b = x->body;
    struct insp_unit gov;
    enum err e = acting_government(c, b, CAP_INSP_MANAGE, &gov);
    if (e)
        return e;
    int64_t year = jv_int(b, "year", 0), exists = 0;
    if (!db_one_int(c->db, &exists, "SELECT id FROM insp_plans WHERE office_unit_id = ? AND year = ?", DB_INT(gov.id),
                    DB_INT(year)))
        return ctx_fail(c, ERR_CONFLICT, "%s %" PRId64 "年度督查计划已经存在（编号 %" PRId64 "）", gov.name, year,
                        exists);
    const char *title = jv_str(b, "title");
    if (!title)
        title = arena_printf(c->arena, "%s%" PRId64 "年度督查检查计划", gov.name, year);
    char at[21];
    time_format_iso(c->now, at);
    json_t *bl = json_object_get(b, "baseline");
    e = db_one_int(
        c->db, &x->id,
        "INSERT INTO insp_plans (office_unit_id, office_path, year, title, state, baseline, baseline_note, "
        "proposals_due, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, 'drafting', ?, ?, ?, ?, ?, ?) "
        "RETURNING id",
        DB_INT(gov.id), DB_TEXT(gov.path), DB_INT(year), DB_TEXT(title),
        DB_INT_IF(json_is_integer(bl), json_integer_value(bl)),
        DB_TEXT(jv_str(b, "baseline_note") ? jv_str(b, "baseline_note") : ""), DB_TEXT(jv_str(b, "proposals_due")),
        DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at), DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "创建年度督查计划");
    if ((e = insp_event(c, "plan", x->id, "transition", "create", NULL, "drafting", 0, 0, title, b)))
        return e;
    e = audit_record(c, "plan.create", "plan", x->id, (json_t *)b);
    return e ? e : insp_sync(c, &plan_workflow, x->id);
}

enum err insp_plan_create(struct ctx *c, const json_t *body, json_t **out)
{
    struct plan_create_args x = {body, 0};
    enum err e = ctx_tx(c, "创建年度督查计划", plan_create_tx, &x);
    return e ? e : insp_plan_get(c, x.id, out);
}

enum err insp_plan_act(struct ctx *c, int64_t id, const char *action, const json_t *body, json_t **out)
{
    return insp_act_named(c, &plan_workflow, id, action, body, insp_plan_get, out);
}

struct propose_args {
    int64_t plan_id, entry_id;
    const json_t *body;
};

static enum err propose_tx(struct ctx *c, void *arg)
{
    struct propose_args *x = arg;
    const json_t *b = x->body;
    /* the plan's row locked before it is loaded: a proposal whose reads of the pending proposals and of the
     * to-dos fell on either side of another's COMMIT would insert that one's to-do again (todos_key) */
    struct wf_obj *o;
    enum err e = workflow_lock_load(c, &plan_workflow, x->plan_id, &o);
    if (e)
        return e;
    struct plan p = *plan_of(o);
    if (!perm_item_visible(c->user, &p.scope))
        return ctx_fail(c, ERR_NOT_FOUND, "年度督查计划不存在或无权查看");
    if (p.state != PLAN_ST_DRAFTING)
        return ctx_fail(c, ERR_CONFLICT, "%s已%s，不再接受督查建议", p.title, wf_state_label(&plan_workflow, p.state));
    struct insp_unit org;
    if ((e = insp_unit(c, jv_int(b, "organiser_unit_id", 0), "organiser_unit_id", &org)))
        return e;
    if (!insp_within(org.path, p.office_path))
        return ctx_fail(c, ERR_INVALID, "组织单位（organiser_unit_id）“%s”不属于%s", org.name, p.office_name);
    if ((e = perm_require(c, CAP_INSP_PROPOSE, org.path, "单位")))
        return e;
    const char *kind = jv_str(b, "kind"), *methods, *start = jv_str(b, "start_date"), *end = jv_str(b, "end_date");
    if (!insp_kind_valid(kind))
        return ctx_fail(c, ERR_INVALID, "督查类型（kind）应为 comprehensive、special、case、routine 或 clue");
    if ((e = insp_methods_parse(c, json_object_get(b, "methods"), "methods", &methods)))
        return e;
    if (strcmp(start, end) > 0)
        return ctx_fail(c, ERR_INVALID, "开始日期（start_date）不能晚于结束日期（end_date）");
    if (insp_year(start) != p.year)
        return ctx_fail(c, ERR_INVALID, "督查时间（start_date）应在%" PRId64 "年内", p.year);
    int64_t *targets;
    const char **paths;
    int nt;
    if ((e = insp_units_parse(c, json_object_get(b, "target_unit_ids"), "target_unit_ids", p.office_path, 50, &targets,
                              &paths, &nt)))
        return e;
    for (int i = 0; i < nt; i++)
        if (targets[i] == org.id)
            return ctx_fail(c, ERR_INVALID, "组织单位不能督查自己（target_unit_ids）");
    const char *co = ",";
    int nco;
    int64_t *cos = insp_int_array(c, json_object_get(b, "co_organiser_ids"), &nco);
    for (int i = 0; i < nco; i++) {
        struct insp_unit u;
        if ((e = insp_unit(c, cos[i], "co_organiser_ids", &u)))
            return e;
        if (!insp_within(u.path, p.office_path) || cos[i] == org.id)
            return ctx_fail(c, ERR_INVALID, "联合组织单位（co_organiser_ids）“%s”无效", u.name);
        co = arena_printf(c->arena, "%s%" PRId64 ",", co, cos[i]);
    }
    char at[21];
    time_format_iso(c->now, at);
    e = db_one_int(
        c->db, &x->entry_id,
        "INSERT INTO insp_entries (plan_id, subject, matters, kind, methods, organiser_unit_id, organiser_path, "
        "co_organisers, start_date, end_date, state, proposed_by, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'proposed', ?, ?, ?) RETURNING id",
        DB_INT(p.id), DB_TEXT(jv_str(b, "subject")), DB_TEXT(jv_str(b, "matters") ? jv_str(b, "matters") : ""),
        DB_TEXT(kind), DB_TEXT(methods), DB_INT(org.id), DB_TEXT(org.path), DB_TEXT(co), DB_TEXT(start), DB_TEXT(end),
        DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at), DB_TEXT(at));
    for (int i = 0; i < nt && !e; i++)
        e = db_exec(c->db, "INSERT INTO insp_entry_targets (entry_id, unit_id, unit_path) VALUES (?, ?, ?)",
                    DB_INT(x->entry_id), DB_INT(targets[i]), DB_TEXT(paths[i]));
    if (e)
        return ctx_db_fail(c, e, "保存督查建议");
    if ((e = insp_dup_index(c, "entry", x->entry_id, targets, nt, start, end)))
        return e;
    json_t *data = json_pack("{sI ss ss}", "entry_id", (json_int_t)x->entry_id, "subject", jv_str(b, "subject"),
                             "organiser", org.name);
    e = insp_event(c, "plan", p.id, "entry", "propose", NULL, NULL, x->entry_id, org.id, jv_str(b, "subject"), data);
    if (!e)
        e = audit_record(c, "plan.propose", "plan", p.id, data);
    json_decref(data);
    return e ? e : insp_sync(c, &plan_workflow, p.id);
}

enum err insp_entry_propose(struct ctx *c, int64_t plan_id, const json_t *body, json_t **out)
{
    struct propose_args x = {plan_id, 0, body};
    enum err e = ctx_tx(c, "提出督查建议", propose_tx, &x);
    if (e)
        return e;
    struct entry en;
    struct plan p;
    if ((e = entry_load(c, x.entry_id, &en, &p)))
        return e;
    json_t *dups, *burden;
    struct dup_probe probe = {en.subject,  en.matters, en.start_date, en.end_date,  en.targets,
                              en.ntargets, "entry",    en.id,         p.office_path};
    if ((e = insp_dup_find(c, &probe, &dups)))
        return e;
    if ((e = insp_burden_warnings(c, en.targets, en.ntargets, en.start_date, en.end_date, 0, en.id, NULL, &burden))) {
        json_decref(dups);
        return e;
    }
    *out = entry_json(c, &en);
    json_object_set_new(*out, "duplicates", dups);
    json_object_set_new(*out, "burden_warnings", burden);
    return ERR_OK;
}

struct withdraw_args {
    int64_t plan_id, entry_id;
};

static enum err withdraw_tx(struct ctx *c, void *arg)
{
    struct withdraw_args *x = arg;
    struct entry en;
    struct wf_obj *o;
    enum err e = workflow_lock_load(c, &plan_workflow, x->plan_id, &o); /* as propose_tx */
    if (e)
        return e;
    struct plan p = *plan_of(o);
    if (!perm_item_visible(c->user, &p.scope) || entry_load(c, x->entry_id, &en, NULL) || en.plan_id != p.id ||
        !entry_visible(c, &p, &en))
        return ctx_fail(c, ERR_NOT_FOUND, "督查建议不存在或无权查看");
    if ((e = perm_require(c, CAP_INSP_PROPOSE, en.organiser_path, "督查建议")))
        return e;
    if (strcmp(en.state, "proposed"))
        return ctx_fail(c, ERR_CONFLICT, "该督查建议已处理，不能撤回");
    char at[21];
    time_format_iso(c->now, at);
    e = db_exec(c->db, "UPDATE insp_entries SET state = 'withdrawn', updated_at = ? WHERE id = ?", DB_TEXT(at),
                DB_INT(en.id));
    if (e)
        return ctx_db_fail(c, e, "撤回督查建议");
    json_t *data = json_pack("{sI ss}", "entry_id", (json_int_t)en.id, "subject", en.subject);
    if (!(e = insp_dup_index(c, "entry", en.id, NULL, 0, NULL, NULL)) &&
        !(e = insp_event(c, "plan", p.id, "entry", "withdraw_entry", NULL, NULL, en.id, en.organiser_unit_id,
                         en.subject, data)))
        e = audit_record(c, "plan.withdraw_entry", "plan", p.id, data);
    json_decref(data);
    return e ? e : insp_sync(c, &plan_workflow, p.id);
}

enum err insp_entry_withdraw(struct ctx *c, int64_t plan_id, int64_t entry_id, json_t **out)
{
    struct withdraw_args x = {plan_id, entry_id};
    enum err e = ctx_tx(c, "撤回督查建议", withdraw_tx, &x);
    return e ? e : insp_plan_get(c, plan_id, out);
}
