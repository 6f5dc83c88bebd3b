/*
 * caps.c: the caps of the 2024 rules against formalism (DOMAIN.md §6, §10): an office's inspections in a
 * year may not exceed last year's total × a factor (settings cap_factor, default 0.5: "at least 50 %
 * fewer"), and a department inspects a place comprehensively at most once a year. A broken rule is a
 * 409 that names the figures and the way out, or — with a reason — an exception that is recorded and
 * takes effect only once the principal leader approves it (with the plan or the inspection).
 *
 * A third cap eases the units' burden (减负, burden_check.c): the inspections a unit receives in a year from every
 * issuer may not pass settings unit_cap (0: none); crossing it takes an exception like the others.
 *
 * What counts: the entries included in the year's plan, plus the inspections opened that year outside
 * the plan (look-backs of a rectification excepted: they follow a finding, they are not new burdens).
 * Last year's total comes from ducha's own records; an office that started using ducha this year
 * declares it on its plan (baseline, with a note), and the principal approves the plan with it.
 */
#include "inspections/insp_internal.h"

#include "audit/audit.h"
#include "base/timeu.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

/* One count with two binds (office, year). */
static enum err count(struct ctx *c, int64_t *n, const char *sql, int64_t office, int year)
{
    *n = 0;
    enum err e = db_one_int(c->db, n, sql, DB_INT(office), DB_INT(year));
    return e && e != ERR_NOT_FOUND ? ctx_db_fail(c, e, "统计督查数量") : ERR_OK;
}

static const char planned_sql[] = "SELECT COUNT(*) FROM insp_entries e JOIN insp_plans p ON p.id = e.plan_id "
                                  "WHERE p.office_unit_id = ? AND p.year = ? AND e.state = 'included'";
static const char unplanned_sql[] =
    "SELECT COUNT(*) FROM inspections WHERE office_unit_id = ? AND year = ? AND plan_entry_id IS NULL "
    "AND basis <> 'lookback' AND state NOT IN ('draft', 'proposed', 'withdrawn', 'merged')";
static const char known_sql[] =
    "SELECT COUNT(*) FROM insp_plans WHERE office_unit_id = ? AND year = ? AND state IN ('approved', 'filed')";

enum err insp_caps_figures(struct ctx *c, int64_t office, int year, struct caps_figures *f)
{
    memset(f, 0, sizeof *f);
    f->year = year;
    f->baseline = -1;
    f->cap = -1;
    struct insp_settings s;
    int64_t lp, lu, known;
    enum err e = insp_settings_load(c, &s);
    if (e || (e = count(c, &f->planned, planned_sql, office, year)) ||
        (e = count(c, &f->unplanned, unplanned_sql, office, year)) ||
        (e = count(c, &lp, planned_sql, office, year - 1)) || (e = count(c, &lu, unplanned_sql, office, year - 1)) ||
        (e = count(c, &known, known_sql, office, year - 1)))
        return e;
    f->factor = s.cap_factor;
    f->total = f->planned + f->unplanned;
    if (known || lp + lu) {
        /* last year is in ducha: its approved plan and its unplanned inspections */
        f->baseline = lp + lu;
    } else {
        int64_t declared = -1;
        e = db_one_int(c->db, &declared, "SELECT baseline FROM insp_plans WHERE office_unit_id = ? AND year = ?",
                       DB_INT(office), DB_INT(year));
        if (e && e != ERR_NOT_FOUND)
            return ctx_db_fail(c, e, "读取上年督查总数");
        if (declared >= 0) {
            f->baseline = declared;
            f->baseline_declared = true;
        }
    }
    if (f->baseline >= 0)
        f->cap = (int64_t)floor((double)f->baseline * f->factor + 1e-9);
    return ERR_OK;
}

/* The latest exception of (object, rule): "approved", "requested", "refused" or NULL. */
static const char *exception_state(struct ctx *c, const char *type, int64_t id, const char *rule, int64_t *eid)
{
    const char *state = NULL;
    struct stmt *st = db_query(c->db,
                               "SELECT id, state FROM insp_exceptions WHERE object_type = ? AND object_id = ? AND "
                               "rule = ? ORDER BY id DESC LIMIT 1",
                               DB_TEXT(type), DB_INT(id), DB_TEXT(rule));
    if (st && stmt_step(st) == STORE_ROW) {
        *eid = stmt_int(st, 0);
        state = arena_strdup(c->arena, stmt_text(st, 1));
    }
    if (st)
        stmt_done(st);
    return state;
}

/*
 * A broken rule: passes when an exception is approved (or requested and not yet decided, for the
 * requester); with a reason records one (approved at once when k->approve); else 409 with `refusal`.
 */
enum err insp_caps_broken(struct ctx *c, const struct caps_check *k, const char *rule, const char *detail,
                          const char *refusal)
{
    int64_t eid = 0;
    const char *state = exception_state(c, k->object_type, k->object_id, rule, &eid);
    char at[21];
    time_format_iso(c->now, at);
    if (state && !strcmp(state, "approved"))
        return ERR_OK;
    if (state && !strcmp(state, "requested")) {
        if (!k->approve)
            return ERR_OK;
        enum err e =
            db_exec(c->db, "UPDATE insp_exceptions SET state = 'approved', decided_by = ?, decided_at = ? WHERE id = ?",
                    DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at), DB_INT(eid));
        return ctx_db_fail(c, e, "批准例外");
    }
    if (!k->reason || !*k->reason)
        return ctx_fail(c, ERR_CONFLICT, "%s", refusal);
    enum err e = db_exec(
        c->db,
        "INSERT INTO insp_exceptions (office_unit_id, year, rule, object_type, object_id, detail, reason, "
        "state, requested_by, requested_at, decided_by, decided_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        DB_INT(k->office_unit_id), DB_INT(k->year), DB_TEXT(rule), DB_TEXT(k->object_type), DB_INT(k->object_id),
        DB_TEXT(detail), DB_TEXT(k->reason), DB_TEXT(k->approve ? "approved" : "requested"),
        DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at),
        DB_INT_IF(k->approve && c->user, c->user ? c->user->id : 0), DB_TEXT(k->approve ? at : NULL));
    if (e)
        return ctx_db_fail(c, e, "记录例外");
    json_t *sum = json_pack("{ss ss ss sI}", "rule", rule, "detail", detail, "reason", k->reason, "object_id",
                            (json_int_t)k->object_id);
    e = audit_record(c, k->approve ? "inspection.exception_approve" : "inspection.exception_request", k->object_type,
                     k->object_id, sum);
    json_decref(sum);
    return e;
}

/* "(?, ?, ?)" with n placeholders (arena). */
static const char *placeholders(struct ctx *c, int n)
{
    char *s = arena_alloc(c->arena, (size_t)n * 3 + 3);
    char *p = s;
    *p++ = '(';
    for (int i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        *p++ = '?';
    }
    *p++ = ')';
    *p = 0;
    return s;
}

/* Binds: the leading values, then the organisers, then the targets (arena; ended). */
static const struct db_bind *binds(struct ctx *c, const struct caps_check *k, const struct db_bind *lead, int nlead)
{
    struct db_bind *b = arena_alloc(c->arena, sizeof *b * (size_t)(nlead + k->norganisers + k->ntargets + 1));
    int n = 0;
    for (int i = 0; i < nlead; i++)
        b[n++] = lead[i];
    for (int i = 0; i < k->norganisers; i++)
        b[n++] = DB_INT(k->organisers[i]);
    for (int i = 0; i < k->ntargets; i++)
        b[n++] = DB_INT(k->targets[i]);
    b[n] = (struct db_bind){DB_BIND_END_, 0, 0, NULL};
    return b;
}

/* The first row's "number《subject》" of a conflict query, or NULL. */
static enum err first(struct ctx *c, const char *sql, const struct db_bind *b, const char *fmt, const char **what)
{
    struct stmt *st = db_query_a(c->db, sql, b);
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "检查综合督查次数");
    int rc = stmt_step(st);
    if (rc == STORE_ROW)
        *what = arena_printf(c->arena, fmt, stmt_text(st, 0), stmt_text(st, 1));
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "检查综合督查次数") : ERR_OK;
}

/* The first other comprehensive inspection or included plan entry of the year that shares an organiser
 * and a target with the one checked. */
static enum err comprehensive_conflict(struct ctx *c, const struct caps_check *k, const char **what)
{
    *what = NULL;
    const char *orgs = placeholders(c, k->norganisers), *tgts = placeholders(c, k->ntargets);
    int64_t self_insp = !strcmp(k->object_type, "inspection") ? k->object_id : 0;
    int64_t self_entry = k->self_entry ? k->self_entry : !strcmp(k->object_type, "entry") ? k->object_id : 0;
    /* inspections: live and opened (not drafts, not proposals waiting for the head) */
    const struct db_bind lead_i[] = {DB_INT(k->year), DB_INT(self_insp), DB_INT(self_entry)};
    enum err e = first(
        c,
        arena_printf(c->arena,
                     "SELECT COALESCE(i.number, ''), i.subject FROM inspections i "
                     "JOIN insp_organisers o ON o.inspection_id = i.id JOIN insp_targets t ON t.inspection_id = i.id "
                     "WHERE i.kind = 'comprehensive' AND i.year = ? AND i.state NOT IN ('draft', 'proposed', "
                     "'withdrawn', 'merged') AND i.id <> ? AND COALESCE(i.plan_entry_id, 0) <> ? "
                     "AND o.unit_id IN %s AND t.unit_id IN %s LIMIT 1",
                     orgs, tgts),
        binds(c, k, lead_i, 3), "%s《%s》", what);
    if (e || *what)
        return e;
    /* entries included in the year's plan that are not (yet) an inspection */
    const struct db_bind lead_e[] = {DB_INT(k->office_unit_id), DB_INT(k->year), DB_INT(self_entry)};
    return first(c,
                 arena_printf(c->arena,
                              "SELECT '', e.subject FROM insp_entries e JOIN insp_plans p ON p.id = e.plan_id "
                              "JOIN insp_entry_targets t ON t.entry_id = e.id "
                              "WHERE e.kind = 'comprehensive' AND p.office_unit_id = ? AND p.year = ? "
                              "AND e.state = 'included' AND e.id <> ? AND e.inspection_id IS NULL "
                              "AND e.organiser_unit_id IN %s AND t.unit_id IN %s LIMIT 1",
                              orgs, tgts),
                 binds(c, k, lead_e, 3), "%s年度计划中的《%s》", what);
}

/* The per-unit cap (减负, settings unit_cap): every target that has had that many inspections this year from every
 * issuer is named; one more needs an exception. The counts and caps of all targets are one read
 * (insp_units_burden). */
static enum err unit_cap(struct ctx *c, const struct caps_check *k, const char *way)
{
    int64_t self_insp = !strcmp(k->object_type, "inspection") ? k->object_id : 0;
    int64_t self_entry = k->self_entry ? k->self_entry : !strcmp(k->object_type, "entry") ? k->object_id : 0;
    struct insp_burden *b;
    enum err e = insp_units_burden(c, k->targets, k->ntargets, k->year, self_insp, self_entry, &b);
    if (e)
        return e;
    const char *over = NULL;
    for (int i = 0; i < k->ntargets; i++) {
        if (!b[i].cap || b[i].count < b[i].cap)
            continue;
        over = arena_printf(c->arena, "%s%s%s%d年已接受督查检查 %" PRId64 " 次，已达每个单位每年 %d 次的上限%s%s",
                            over ? over : "", over ? "；" : "", b[i].name, k->year, b[i].count, b[i].cap,
                            b[i].from ? "（" : "", b[i].from ? arena_printf(c->arena, "%s设定）", b[i].from) : "");
    }
    if (!over)
        return ERR_OK;
    const char *detail = arena_printf(c->arena, "%s（减负）", over);
    return insp_caps_broken(c, k, "unit", detail, arena_printf(c->arena, "%s，%s。", detail, way));
}

enum err insp_caps_check(struct ctx *c, const struct caps_check *k)
{
    struct caps_figures f;
    enum err e = insp_caps_figures(c, k->office_unit_id, k->year, &f);
    if (e)
        return e;
    const char *way = k->approve ? "如确需开展，请在批准时填写例外理由（exception_reason），例外将被记录"
                                 : "如确需开展，请填写例外理由（exception_reason），报政府主要领导批准后方可执行";
    if ((k->rules & CAPS_TOTAL) && f.cap >= 0 && f.total + k->adding > f.cap) {
        const char *detail =
            arena_printf(c->arena, "%d年督查总量上限 %" PRId64 " 项（上年 %" PRId64 " 项 × %g），已有 %" PRId64 " 项",
                         k->year, f.cap, f.baseline, f.factor, f.total);
        const char *refusal = arena_printf(c->arena, "超出年度督查总量上限：%s，%s。", detail, way);
        if ((e = insp_caps_broken(c, k, "total", detail, refusal)))
            return e;
    }
    if ((k->rules & CAPS_UNIT) && (e = unit_cap(c, k, way)))
        return e;
    if (!(k->rules & CAPS_COMPREHENSIVE) || !k->kind || strcmp(k->kind, "comprehensive") || !k->norganisers ||
        !k->ntargets)
        return ERR_OK;
    const char *other;
    if ((e = comprehensive_conflict(c, k, &other)) || !other)
        return e;
    const char *detail = arena_printf(c->arena, "同一部门对同一地方%d年已有综合督查%s（每年至多一次）", k->year, other);
    return insp_caps_broken(c, k, "comprehensive", detail, arena_printf(c->arena, "%s，%s。", detail, way));
}

enum err insp_exceptions_decide(struct ctx *c, const char *type, int64_t id, bool approve)
{
    char at[21];
    time_format_iso(c->now, at);
    enum err e = db_exec(c->db,
                         "UPDATE insp_exceptions SET state = ?, decided_by = ?, decided_at = ? "
                         "WHERE object_type = ? AND object_id = ? AND state = 'requested'",
                         DB_TEXT(approve ? "approved" : "refused"), DB_INT_IF(c->user, c->user ? c->user->id : 0),
                         DB_TEXT(at), DB_TEXT(type), DB_INT(id));
    return ctx_db_fail(c, e, "处理例外申请");
}

json_t *insp_exceptions_json(struct ctx *c, const char *type, int64_t id)
{
    json_t *arr = json_array();
    struct stmt *st =
        db_query(c->db,
                 "SELECT x.id, x.rule, x.detail, x.reason, x.state, x.requested_at, x.decided_at, "
                 "COALESCE(ru.name, ''), COALESCE(du.name, '') FROM insp_exceptions x "
                 "LEFT JOIN users ru ON ru.id = x.requested_by LEFT JOIN users du ON du.id = x.decided_by "
                 "WHERE x.object_type = ? AND x.object_id = ? ORDER BY x.id",
                 DB_TEXT(type), DB_INT(id));
    while (st && stmt_step(st) == STORE_ROW)
        json_array_append_new(arr, json_pack("{sI ss ss ss ss ss so ss ss}", "id", (json_int_t)stmt_int(st, 0), "rule",
                                             stmt_text(st, 1), "detail", stmt_text(st, 2), "reason", stmt_text(st, 3),
                                             "state", stmt_text(st, 4), "requested_at", stmt_text(st, 5), "decided_at",
                                             stmt_is_null(st, 6) ? json_null() : json_string(stmt_text(st, 6)),
                                             "requested_by", stmt_text(st, 7), "decided_by", stmt_text(st, 8)));
    if (st)
        stmt_done(st);
    return arr;
}

enum err insp_caps(struct ctx *c, int64_t office_unit_id, int64_t year, json_t **out)
{
    struct insp_unit u;
    enum err e;
    if (!office_unit_id) {
        /* the user's own government */
        const char *path = NULL;
        for (int i = 0; c->user && i < c->user->ngrants && !path; i++)
            if (perm_at(c->user, CAP_INSP_READ, c->user->grants[i].unit_path))
                path = c->user->grants[i].unit_path;
        if (!path)
            return ctx_fail(c, ERR_INVALID, "请指定政府（office_unit_id）");
        if ((e = insp_government_of(c, path, &u)))
            return e;
    } else if ((e = insp_unit(c, office_unit_id, "office_unit_id", &u))) {
        return ctx_fail(c, ERR_NOT_FOUND, "单位不存在或无权查看");
    }
    if ((e = perm_require(c, CAP_INSP_READ, u.path, "单位")))
        return e;
    if (!year) {
        char today[11];
        insp_today(c, today);
        year = insp_year(today);
    }
    struct caps_figures f;
    if ((e = insp_caps_figures(c, u.id, (int)year, &f)))
        return e;
    json_t *exc = json_array();
    struct stmt *st =
        db_query(c->db,
                 "SELECT id, rule, object_type, object_id, detail, reason, state, requested_at, decided_at "
                 "FROM insp_exceptions WHERE office_unit_id = ? AND year = ? ORDER BY id",
                 DB_INT(u.id), DB_INT(year));
    while (st && stmt_step(st) == STORE_ROW)
        json_array_append_new(exc, json_pack("{sI ss ss sI ss ss ss ss so}", "id", (json_int_t)stmt_int(st, 0), "rule",
                                             stmt_text(st, 1), "object_type", stmt_text(st, 2), "object_id",
                                             (json_int_t)stmt_int(st, 3), "detail", stmt_text(st, 4), "reason",
                                             stmt_text(st, 5), "state", stmt_text(st, 6), "requested_at",
                                             stmt_text(st, 7), "decided_at",
                                             stmt_is_null(st, 8) ? json_null() : json_string(stmt_text(st, 8))));
    if (st)
        stmt_done(st);
    *out = json_pack("{sI sI ss so sb sf so sI sI sI so so}", "year", (json_int_t)year, "office_unit_id",
                     (json_int_t)u.id, "office_name", u.name, "baseline",
                     f.baseline >= 0 ? json_integer(f.baseline) : json_null(), "baseline_declared", f.baseline_declared,
                     "factor", f.factor, "cap", f.cap >= 0 ? json_integer(f.cap) : json_null(), "planned",
                     (json_int_t)f.planned, "unplanned", (json_int_t)f.unplanned, "total", (json_int_t)f.total,
                     "remaining", f.cap >= 0 ? json_integer(f.cap - f.total) : json_null(), "exceptions", exc);
    return ERR_OK;
}
