/*
 * evaluation.c: an engagement of third-party evaluation as the module works on it: load (the engine's
 * view: home, scope, parts), who sees what, its JSON for each viewer, drafts and their checks, the list,
 * the timeline and the workflow actions. Scores, self-assessments, evidence and 对表分析 are in
 * eval_scores.c.
 */
#include "evaluations/eval_internal.h"

#include "base/utf8.h"
#include "core/counter.h"
#include "calendar/workdays.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *col(struct ctx *c, struct stmt *st, int i)
{
    return stmt_is_null(st, i) ? NULL : arena_strdup(c->arena, stmt_text(st, i));
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

void eval_today(struct ctx *c, char out[11])
{
    cal_format_date(time_local_day(c->now), out);
}

/* The number in the office's series, like its inspections and bulletins (古督评〔2026〕2号): the engagement's
 * place among those the office made in its (local) year, in the order made. Engagements are never deleted
 * nor moved to another office, so the number given once stays; nothing is stored. */
static enum err number_of(struct ctx *c, struct evaluation *ev)
{
    int64_t made;
    if (!ev->created_at || !time_parse_iso(ev->created_at, &made))
        return ctx_fail(c, ERR_INTERNAL, "第三方评估的登记时间无法读取");
    char ymd[11], from[21], to[21];
    cal_format_date(time_local_day(made), ymd);
    int year = atoi(ymd);
    int64_t jan1 = cal_days_from_civil(year, 1, 1), next = cal_days_from_civil(year + 1, 1, 1);
    time_format_iso(time_local_instant(jan1, 0), from);
    time_format_iso(time_local_instant(next, 0), to);
    const char *prefix;
    int64_t seq;
    enum err e = counter_series_prefix(c, ev->office_path, &prefix);
    if (!e &&
        (e = db_one_int(c->db, &seq,
                        "SELECT COUNT(*) FROM evaluations WHERE office_unit_id = ? AND id <= ? AND created_at >= ? "
                        "AND created_at < ?",
                        DB_INT(ev->office_unit_id), DB_INT(ev->wf.id), DB_TEXT(from), DB_TEXT(to))))
        e = ctx_db_fail(c, e, "读取第三方评估编号");
    if (!e)
        ev->wf.number = arena_printf(c->arena, "%s督评〔%d〕%" PRId64 "号", prefix, year, seq);
    return e;
}

enum err eval_event(struct ctx *c, int64_t id, const char *action, int from, int to, int64_t unit_id,
                    const json_t *data)
{
    char at[21];
    time_format_iso(c->now, at);
    char *d = data ? json_dumps(data, JSON_COMPACT) : NULL;
    enum err e =
        db_exec(c->db,
                "INSERT INTO eval_events (evaluation_id, at, actor_id, actor, actor_name, action, from_state, "
                "to_state, unit_id, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                DB_INT(id), DB_TEXT(at), DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(ctx_actor(c)),
                DB_TEXT(c->user && c->user->name ? c->user->name : "系统"), DB_TEXT(action),
                DB_TEXT(from >= 0 ? eval_state_name(from) : NULL), DB_TEXT(to >= 0 ? eval_state_name(to) : NULL),
                DB_INT_IF(unit_id, unit_id), DB_TEXT(d ? d : "{}"));
    free(d);
    return ctx_db_fail(c, e, "记录第三方评估过程");
}

/* ---- load ---- */

enum err eval_load(struct ctx *c, int64_t id, struct evaluation *ev)
{
    memset(ev, 0, sizeof *ev);
    struct stmt *st =
        db_query(c->db,
                 "SELECT e.id, e.version, e.state, e.title, e.office_unit_id, e.office_path, o.name, e.basis, "
                 "e.evaluator_unit_id, v.path, v.name, e.period_start, e.period_end, e.due_date, e.created_by, "
                 "e.created_at, e.updated_at, s.suspended_at FROM evaluations e JOIN units o ON o.id = "
                 "e.office_unit_id LEFT JOIN units v ON v.id = e.evaluator_unit_id LEFT JOIN evaluator_orgs s ON "
                 "s.unit_id = e.evaluator_unit_id WHERE e.id = ?",
                 DB_INT(id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取第三方评估");
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        ev->wf.id = stmt_int(st, 0);
        ev->wf.version = stmt_int(st, 1);
        ev->wf.state = eval_state_parse(stmt_text(st, 2));
        ev->wf.title = col(c, st, 3);
        ev->office_unit_id = stmt_int(st, 4);
        ev->office_path = col(c, st, 5);
        ev->office_name = col(c, st, 6);
        ev->basis = col(c, st, 7);
        ev->evaluator_unit_id = stmt_is_null(st, 8) ? 0 : stmt_int(st, 8);
        ev->evaluator_path = col(c, st, 9);
        ev->evaluator_name = col(c, st, 10);
        ev->period_start = col(c, st, 11);
        ev->period_end = col(c, st, 12);
        ev->wf.due_date = col(c, st, 13);
        ev->created_by = stmt_is_null(st, 14) ? 0 : stmt_int(st, 14);
        ev->created_at = col(c, st, 15);
        ev->evaluator_suspended = !stmt_is_null(st, 17);
        ev->updated_at = col(c, st, 16);
    }
    stmt_done(st);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "第三方评估不存在或无权查看");
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取第三方评估");
    enum err e = number_of(c, ev);
    if (e)
        return e;

    st = db_query(c->db,
                  "SELECT u.id, u.unit_id, u.unit_path, n.name, u.findings, u.scored_at, u.self_note, u.self_at FROM "
                  "eval_units u JOIN units n ON n.id = u.unit_id WHERE u.evaluation_id = ? ORDER BY u.id",
                  DB_INT(id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取评估单位");
    ev->units = arena_alloc(c->arena, sizeof *ev->units * EVAL_UNITS_MAX);
    while ((rc = stmt_step(st)) == STORE_ROW && ev->nunits < EVAL_UNITS_MAX)
        ev->units[ev->nunits++] = (struct eval_unit){stmt_int(st, 0), stmt_int(st, 1), col(c, st, 2), col(c, st, 3),
                                                     col(c, st, 4),   col(c, st, 5),   col(c, st, 6), col(c, st, 7)};
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取评估单位");

    st = db_query(c->db,
                  "SELECT id, name, description, max_score FROM eval_indicators WHERE evaluation_id = ? ORDER BY pos",
                  DB_INT(id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取评估指标");
    ev->indicators = arena_alloc(c->arena, sizeof *ev->indicators * EVAL_INDICATORS_MAX);
    while ((rc = stmt_step(st)) == STORE_ROW && ev->nindicators < EVAL_INDICATORS_MAX)
        ev->indicators[ev->nindicators++] =
            (struct eval_indicator){stmt_int(st, 0), col(c, st, 1), col(c, st, 2), (int)stmt_int(st, 3)};
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取评估指标");

    /* the engaged organisation's users see it once it is engaged, unless the office suspended it */
    ev->members = arena_alloc(c->arena, sizeof *ev->members * EVAL_MEMBERS_MAX);
    if (ev->evaluator_unit_id && !ev->evaluator_suspended) {
        st = db_query(c->db,
                      "SELECT DISTINCT r.user_id FROM user_roles r JOIN users u ON u.id = r.user_id WHERE r.unit_id = "
                      "? AND r.role = 'evaluator' AND u.disabled = 0 ORDER BY r.user_id",
                      DB_INT(ev->evaluator_unit_id));
        if (!st)
            return ctx_db_fail(c, ERR_INTERNAL, "读取评估人员");
        while ((rc = stmt_step(st)) == STORE_ROW && ev->nmembers < EVAL_MEMBERS_MAX)
            ev->members[ev->nmembers++] = stmt_int(st, 0);
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "读取评估人员");
    }

    const char **paths = arena_alloc(c->arena, sizeof *paths * (size_t)(ev->nunits + 1));
    for (int i = 0; i < ev->nunits; i++)
        paths[i] = ev->units[i].unit_path;
    ev->wf.home_unit_id = ev->office_unit_id;
    ev->wf.home_path = ev->office_path;
    bool engaged = ev->wf.state != EVAL_ST_DRAFT;
    ev->wf.scope = (struct perm_item){.office_path = ev->office_path,
                                      .unit_paths = paths,
                                      .nunits = ev->nunits,
                                      .units_see = engaged,
                                      .read_cap = CAP_INSP_READ,
                                      .members = ev->members,
                                      .nmembers = engaged ? ev->nmembers : 0};

    /* parts: the engaged organisation (the track: none while it is suspended, so nobody waits on it), then
     * each unit's self-assessment */
    ev->wf.parts = arena_alloc(c->arena, sizeof *ev->wf.parts * (size_t)(ev->nunits + 1));
    if (ev->evaluator_unit_id && !ev->evaluator_suspended)
        ev->wf.parts[ev->wf.nparts++] = (struct wf_part){.kind = 0,
                                                         .id = ev->evaluator_unit_id,
                                                         .state = ev->wf.state,
                                                         .unit_id = ev->evaluator_unit_id,
                                                         .unit_path = ev->evaluator_path,
                                                         .unit_name = ev->evaluator_name};
    ev->wf.ntracks = ev->wf.nparts;
    bool open = ev->wf.state == EVAL_ST_ENGAGED || ev->wf.state == EVAL_ST_SUBMITTED;
    for (int i = 0; i < ev->nunits; i++)
        ev->wf.parts[ev->wf.nparts++] =
            (struct wf_part){.kind = 1,
                             .id = ev->units[i].id,
                             .state = open && !ev->units[i].self_at ? EVAL_SELF_PENDING : EVAL_SELF_DONE,
                             .unit_id = ev->units[i].unit_id,
                             .unit_path = ev->units[i].unit_path,
                             .unit_name = ev->units[i].unit_name};
    return ERR_OK;
}

enum err eval_load_visible(struct ctx *c, int64_t id, struct evaluation *ev)
{
    enum err e = eval_load(c, id, ev);
    if (!e && c->user && !perm_item_visible(c->user, &ev->wf.scope))
        return ctx_fail(c, ERR_NOT_FOUND, "第三方评估不存在或无权查看");
    return e;
}

enum err eval_lock(struct ctx *c, const struct evaluation *ev)
{
    int64_t id;
    enum err e =
        db_one_int(c->db, &id, "UPDATE evaluations SET version = version WHERE id = ? AND version = ? RETURNING id",
                   DB_INT(ev->wf.id), DB_INT(ev->wf.version));
    if (e == ERR_NOT_FOUND)
        return ctx_fail(c, ERR_CONFLICT, "第三方评估已被他人同时处理，请刷新后重试");
    return ctx_db_fail(c, e, "锁定第三方评估");
}

bool eval_gov(struct ctx *c, const struct evaluation *ev)
{
    return !c->user || perm_at(c->user, CAP_INSP_READ, ev->office_path);
}

bool eval_member(struct ctx *c, const struct evaluation *ev)
{
    if (!c->user || ev->wf.state == EVAL_ST_DRAFT)
        return false;
    for (int i = 0; i < ev->nmembers; i++)
        if (ev->members[i] == c->user->id)
            return true;
    return false;
}

bool eval_unit_viewer(struct ctx *c, const struct eval_unit *u)
{
    return c->user && perm_at(c->user, CAP_INSP_READ, u->unit_path);
}

struct eval_unit *eval_unit_of(struct evaluation *ev, int64_t unit_id)
{
    for (int i = 0; i < ev->nunits; i++)
        if (ev->units[i].unit_id == unit_id)
            return &ev->units[i];
    return NULL;
}

/* ---- JSON ---- */

/* The scores of one unit from one source: [{indicator_id, score, comment}]. */
static json_t *scores_json(struct ctx *c, int64_t eval_unit_id, const char *source)
{
    json_t *arr = json_array();
    struct stmt *st = db_query(c->db,
                               "SELECT s.indicator_id, s.score, s.comment FROM eval_scores s JOIN eval_indicators i ON "
                               "i.id = s.indicator_id WHERE s.eval_unit_id = ? AND s.source = ? ORDER BY i.pos",
                               DB_INT(eval_unit_id), DB_TEXT(source));
    while (st && stmt_step(st) == STORE_ROW)
        json_array_append_new(arr, json_pack("{sIsIss}", "indicator_id", (json_int_t)stmt_int(st, 0), "score",
                                             (json_int_t)stmt_int(st, 1), "comment", stmt_text(st, 2)));
    stmt_done(st);
    return arr;
}

static json_t *evidence_json(struct ctx *c, int64_t eval_unit_id)
{
    json_t *arr = json_array();
    struct stmt *st = db_query(c->db,
                               "SELECT id, filename, content_type, size, created_at FROM eval_evidence WHERE "
                               "eval_unit_id = ? ORDER BY id",
                               DB_INT(eval_unit_id));
    while (st && stmt_step(st) == STORE_ROW) {
        int64_t id = stmt_int(st, 0);
        json_array_append_new(arr, json_pack("{sIsssssIssss}", "id", (json_int_t)id, "filename", stmt_text(st, 1),
                                             "content_type", stmt_text(st, 2), "size", (json_int_t)stmt_int(st, 3),
                                             "created_at", stmt_text(st, 4), "url",
                                             arena_printf(c->arena, "/api/v1/evaluation-evidence/%" PRId64, id)));
    }
    stmt_done(st);
    return arr;
}

/* Is the object one the unit-only viewer is responsible for (an item track, an inspection target)? */
static bool object_of_units(struct ctx *c, const struct evaluation *ev, const char *kind, int64_t oid)
{
    for (int i = 0; i < ev->nunits; i++) {
        if (!eval_unit_viewer(c, &ev->units[i]))
            continue;
        int64_t one;
        if (!strcmp(kind, "item")
                ? !db_one_int(c->db, &one, "SELECT 1 FROM item_tracks WHERE item_id = ? AND unit_id = ?", DB_INT(oid),
                              DB_INT(ev->units[i].unit_id))
                : !db_one_int(c->db, &one, "SELECT 1 FROM insp_targets WHERE inspection_id = ? AND unit_id = ?",
                              DB_INT(oid), DB_INT(ev->units[i].unit_id)))
            return true;
    }
    return false;
}

static json_t *objects_json(struct ctx *c, const struct evaluation *ev, bool all)
{
    json_t *arr = json_array();
    struct stmt *st = db_query(
        c->db,
        "SELECT o.kind, o.object_id, COALESCE(i.number, n.number, ''), COALESCE(i.title, n.subject, '') FROM "
        "eval_objects o LEFT JOIN items i ON o.kind = 'item' AND i.id = o.object_id LEFT JOIN inspections n ON "
        "o.kind = 'inspection' AND n.id = o.object_id WHERE o.evaluation_id = ? ORDER BY o.kind DESC, o.object_id",
        DB_INT(ev->wf.id));
    struct row {
        const char *kind, *number, *title;
        int64_t id;
    } *rows = arena_alloc(c->arena, sizeof *rows * EVAL_OBJECTS_MAX);
    int n = 0;
    while (st && stmt_step(st) == STORE_ROW && n < EVAL_OBJECTS_MAX)
        rows[n++] = (struct row){col(c, st, 0), col(c, st, 2), col(c, st, 3), stmt_int(st, 1)};
    stmt_done(st);
    for (int i = 0; i < n; i++)
        if (all || object_of_units(c, ev, rows[i].kind, rows[i].id))
            json_array_append_new(arr, json_pack("{sssIssss}", "kind", rows[i].kind, "id", (json_int_t)rows[i].id,
                                                 "number", rows[i].number, "title", rows[i].title));
    return arr;
}

static json_t *eval_json(struct ctx *c, struct evaluation *ev, bool full)
{
    bool gov = eval_gov(c, ev), member = eval_member(c, ev);
    json_t *o = json_pack("{sI sI ss ss ss ss ss ss ss ss ss}", "id", (json_int_t)ev->wf.id, "version",
                          (json_int_t)ev->wf.version, "number", ev->wf.number, "title", ev->wf.title, "basis",
                          ev->basis, "state", eval_state_name(ev->wf.state), "state_label",
                          wf_state_label(&evaluation_workflow, ev->wf.state), "period_start", ev->period_start,
                          "period_end", ev->period_end, "due_date", ev->wf.due_date, "created_at", ev->created_at);
    json_object_set_new(o, "office",
                        json_pack("{sIss}", "id", (json_int_t)ev->office_unit_id, "name", ev->office_name));
    json_object_set_new(o, "evaluator",
                        ev->evaluator_unit_id
                            ? json_pack("{sIss}", "id", (json_int_t)ev->evaluator_unit_id, "name", ev->evaluator_name)
                            : json_null());
    json_object_set_new(o, "updated_at", json_string(ev->updated_at));
    json_object_set_new(o, "view", json_string(gov ? "office" : member ? "evaluator" : "unit"));
    int self_done = 0;
    for (int i = 0; i < ev->nunits; i++)
        self_done += ev->units[i].self_at != NULL;
    json_object_set_new(o, "progress",
                        json_pack("{sisisi}", "units", ev->nunits, "indicators", ev->nindicators, "self_assessed",
                                  gov ? self_done : -1));
    if (!full)
        return o;
    json_t *inds = json_array();
    for (int i = 0; i < ev->nindicators; i++)
        json_array_append_new(inds, json_pack("{sIsssssi}", "id", (json_int_t)ev->indicators[i].id, "name",
                                              ev->indicators[i].name, "description", ev->indicators[i].description,
                                              "max_score", ev->indicators[i].max_score));
    json_object_set_new(o, "indicators", inds);
    json_object_set_new(o, "objects", objects_json(c, ev, gov || member));
    /* the units' lines: all for the government and the evaluator, a unit its own */
    json_t *units = json_array(), *may_self = json_array();
    bool accepted = ev->wf.state == EVAL_ST_ACCEPTED;
    bool may_score = member && ev->wf.state == EVAL_ST_ENGAGED &&
                     perm_at(c->user, CAP_INSP_EVALUATE, ev->evaluator_path ? ev->evaluator_path : "");
    for (int i = 0; i < ev->nunits; i++) {
        struct eval_unit *u = &ev->units[i];
        bool own = eval_unit_viewer(c, u);
        if (!gov && !member && !own)
            continue;
        json_t *l = json_pack("{sIsIss}", "id", (json_int_t)u->id, "unit_id", (json_int_t)u->unit_id, "unit_name",
                              u->unit_name);
        if (gov || member || accepted) {
            json_object_set_new(l, "evaluator",
                                json_pack("{sososo}", "scores", scores_json(c, u->id, "evaluator"), "findings",
                                          json_string(u->findings), "scored_at", str_or_null(u->scored_at)));
            json_object_set_new(json_object_get(l, "evaluator"), "evidence", evidence_json(c, u->id));
        }
        if (gov || (own && !member))
            json_object_set_new(l, "self",
                                json_pack("{sososo}", "scores", scores_json(c, u->id, "self"), "note",
                                          json_string(u->self_note), "submitted_at", str_or_null(u->self_at)));
        json_array_append_new(units, l);
        if (own && !gov && (ev->wf.state == EVAL_ST_ENGAGED || ev->wf.state == EVAL_ST_SUBMITTED) &&
            perm_at(c->user, CAP_ITEM_HANDLE, u->unit_path))
            json_array_append_new(may_self, json_integer(u->unit_id));
    }
    json_object_set_new(o, "units", units);
    json_object_set_new(o, "allowed_actions", workflow_allowed_actions(c, &evaluation_workflow, &ev->wf, -1));
    if (ev->wf.ntracks) { /* the evaluator's submit is a row of its track */
        json_t *track = workflow_allowed_actions(c, &evaluation_workflow, &ev->wf, 0);
        json_array_extend(json_object_get(o, "allowed_actions"), track);
        json_decref(track);
    }
    json_object_set_new(
        o, "may",
        json_pack("{sbsbsosb}", "manage",
                  c->user && perm_at(c->user, CAP_INSP_MANAGE, ev->office_path) && ev->wf.state == EVAL_ST_DRAFT,
                  "score", may_score, "self_assess", may_self, "compare", gov));
    return o;
}

/* ---- drafts ---- */

const struct jv_field evaluations_create_spec[] = {
    {"version", JV_INT, 0, 0, 0},
    {"title", JV_STRING, JV_REQUIRED, 1, 100, "评估名称"},
    {"basis", JV_STRING, 0, 0, 4000, "评估依据和要求"},
    {"evaluator_unit_id", JV_INT, JV_NULLABLE, 1, INT64_MAX, "第三方评估机构"},
    {"period_start", JV_DATE, JV_REQUIRED, 0, 0, "评估期开始"},
    {"period_end", JV_DATE, JV_REQUIRED, 0, 0, "评估期结束"},
    {"due_date", JV_DATE, JV_REQUIRED, 0, 0, "提交时限"},
    {"objects", JV_OBJECT_ARRAY, JV_REQUIRED, 1, EVAL_OBJECTS_MAX, "评估对象"},
    {"unit_ids", JV_INT_ARRAY, JV_REQUIRED, 1, EVAL_UNITS_MAX, "被评估单位"},
    {"indicators", JV_OBJECT_ARRAY, JV_REQUIRED, 1, EVAL_INDICATORS_MAX, "评估指标"},
    {NULL, 0, 0, 0, 0, NULL},
};

const struct jv_field evaluations_update_spec[] = {
    {"version", JV_INT, 0, 0, 0},
    {"title", JV_STRING, 0, 1, 100, "评估名称"},
    {"basis", JV_STRING, 0, 0, 4000, "评估依据和要求"},
    {"evaluator_unit_id", JV_INT, JV_NULLABLE, 1, INT64_MAX, "第三方评估机构"},
    {"period_start", JV_DATE, 0, 0, 0, "评估期开始"},
    {"period_end", JV_DATE, 0, 0, 0, "评估期结束"},
    {"due_date", JV_DATE, 0, 0, 0, "提交时限"},
    {"objects", JV_OBJECT_ARRAY, 0, 1, EVAL_OBJECTS_MAX, "评估对象"},
    {"unit_ids", JV_INT_ARRAY, 0, 1, EVAL_UNITS_MAX, "被评估单位"},
    {"indicators", JV_OBJECT_ARRAY, 0, 1, EVAL_INDICATORS_MAX, "评估指标"},
    {NULL, 0, 0, 0, 0, NULL},
};

static const struct jv_field object_spec[] = {
    {"kind", JV_STRING, JV_REQUIRED, 1, 20, "类别"},
    {"id", JV_INT, JV_REQUIRED, 1, INT64_MAX, "编号"},
    {"number", JV_STRING, 0, 0, 0},
    {"title", JV_STRING, 0, 0, 0},
    {NULL, 0, 0, 0, 0, NULL},
};

static const struct jv_field indicator_spec[] = {
    {"id", JV_INT, 0, 0, 0},
    {"name", JV_STRING, JV_REQUIRED, 1, 100, "指标名称"},
    {"description", JV_STRING, 0, 0, 1000, "评分标准"},
    {"max_score", JV_INT, 0, 1, 1000, "满分"},
    {NULL, 0, 0, 0, 0, NULL},
};

static bool within(const char *path, const char *prefix)
{
    return path && prefix && !strncmp(path, prefix, strlen(prefix));
}

/* The members of a body (those present) against the government at office_path. */
static enum err check_body(struct ctx *c, const json_t *b, const char *office_path, const struct evaluation *cur)
{
    char today[11];
    eval_today(c, today);
    const char *ps = jv_str(b, "period_start") ? jv_str(b, "period_start") : cur ? cur->period_start : NULL;
    const char *pe = jv_str(b, "period_end") ? jv_str(b, "period_end") : cur ? cur->period_end : NULL;
    if (ps && pe && strcmp(ps, pe) > 0)
        return ctx_fail_field(c, "period_end", "评估期结束（period_end）%s 不能早于开始 %s", pe, ps);
    const char *due = jv_str(b, "due_date");
    if (due && strcmp(due, today) < 0)
        return ctx_fail_field(c, "due_date", "提交时限（due_date）%s 不能早于今天（%s）", due, today);
    int64_t ev = jv_int(b, "evaluator_unit_id", 0);
    if (ev) {
        const char *path = NULL, *kind = NULL;
        struct stmt *st = db_query(c->db, "SELECT path, kind FROM units WHERE id = ?", DB_INT(ev));
        if (st && stmt_step(st) == STORE_ROW) {
            path = arena_strdup(c->arena, stmt_text(st, 0));
            kind = arena_strdup(c->arena, stmt_text(st, 1));
        }
        stmt_done(st);
        if (!within(path, office_path) || strcmp(kind, "external"))
            return ctx_fail_field(
                c, "evaluator_unit_id",
                "第三方评估机构（evaluator_unit_id）应为本级政府登记的外部机构（单位类型：外部机构）");
    }
    static const struct {
        const char *name, *what;
    } lists[] = {{"objects", "评估对象"}, {"unit_ids", "被评估单位"}, {"indicators", "评估指标"}};
    for (int k = 0; k < 3; k++)
        if (json_object_get(b, lists[k].name) && !json_array_size(json_object_get(b, lists[k].name)))
            return ctx_fail_field(c, lists[k].name, "至少需要一个%s（%s）", lists[k].what, lists[k].name);
    const json_t *objs = json_object_get(b, "objects");
    size_t i;
    const json_t *x;
    json_array_foreach(objs, i, x)
    {
        char msg[256];
        const char *field = NULL;
        if (jv_check_at(x, object_spec, msg, sizeof msg, &field))
            return ctx_fail_field(c,
                                  arena_printf(c->arena, "objects[%zu]%s%s", i, field ? "." : "", field ? field : ""),
                                  "第 %zu 个评估对象：%s", i + 1, msg);
        const char *kind = jv_str(x, "kind");
        int64_t oid = jv_int(x, "id", 0);
        const char *path = NULL;
        int64_t covert = 0;
        bool ok = false;
        if (!strcmp(kind, "item")) {
            ok = !db_one_text(c->db, c->arena, &path,
                              "SELECT office_path FROM items WHERE id = ? AND number IS NOT NULL", DB_INT(oid)) &&
                 within(path, office_path);
        } else if (!strcmp(kind, "inspection")) {
            ok =
                !db_one_text(c->db, c->arena, &path, "SELECT office_path FROM inspections WHERE id = ?", DB_INT(oid)) &&
                within(path, office_path);
            if (ok && !db_one_int(c->db, &covert, "SELECT covert FROM inspections WHERE id = ?", DB_INT(oid)) && covert)
                return ctx_fail_field(c, arena_printf(c->arena, "objects[%zu].id", i),
                                      "第 %zu 个评估对象是暗访督查，不能委托第三方评估（会向被督查单位透露暗访）",
                                      i + 1);
        } else
            return ctx_fail_field(c, arena_printf(c->arena, "objects[%zu].kind", i),
                                  "第 %zu 个评估对象的类别（kind）应为 item（督办事项）或 inspection（督查）", i + 1);
        if (!ok)
            return ctx_fail_field(c, arena_printf(c->arena, "objects[%zu].id", i),
                                  "第 %zu 个评估对象不存在、尚未立项或不属于本级政府", i + 1);
        for (size_t k = 0; k < i; k++)
            if (!strcmp(kind, jv_str(json_array_get(objs, k), "kind")) &&
                oid == jv_int(json_array_get(objs, k), "id", 0))
                return ctx_fail_field(c, arena_printf(c->arena, "objects[%zu]", i), "第 %zu 个评估对象重复了", i + 1);
    }
    const json_t *units = json_object_get(b, "unit_ids");
    json_array_foreach(units, i, x)
    {
        int64_t uid = json_integer_value(x);
        const char *path = NULL, *kind = NULL;
        struct stmt *st = db_query(c->db, "SELECT path, kind FROM units WHERE id = ?", DB_INT(uid));
        if (st && stmt_step(st) == STORE_ROW) {
            path = arena_strdup(c->arena, stmt_text(st, 0));
            kind = arena_strdup(c->arena, stmt_text(st, 1));
        }
        stmt_done(st);
        if (!within(path, office_path) || !strcmp(kind, "external"))
            return ctx_fail_field(c, arena_printf(c->arena, "unit_ids[%zu]", i),
                                  "第 %zu 个被评估单位（unit_ids）应为本级政府所属的单位", i + 1);
        for (size_t k = 0; k < i; k++)
            if (uid == json_integer_value(json_array_get(units, k)))
                return ctx_fail_field(c, arena_printf(c->arena, "unit_ids[%zu]", i), "第 %zu 个被评估单位重复了",
                                      i + 1);
    }
    const json_t *inds = json_object_get(b, "indicators");
    json_array_foreach(inds, i, x)
    {
        char msg[256];
        const char *field = NULL;
        if (jv_check_at(x, indicator_spec, msg, sizeof msg, &field))
            return ctx_fail_field(
                c, arena_printf(c->arena, "indicators[%zu]%s%s", i, field ? "." : "", field ? field : ""),
                "第 %zu 项指标：%s", i + 1, msg);
        for (size_t k = 0; k < i; k++)
            if (!strcmp(jv_str(x, "name"), jv_str(json_array_get(inds, k), "name")))
                return ctx_fail_field(c, arena_printf(c->arena, "indicators[%zu].name", i), "第 %zu 项指标「%s」重复了",
                                      i + 1, jv_str(x, "name"));
    }
    return ERR_OK;
}

/* objects, unit_ids and indicators of a body (those present) replace the engagement's */
static enum err store_lists(struct ctx *c, int64_t id, const json_t *b)
{
    enum err e = ERR_OK;
    size_t i;
    const json_t *x;
    const json_t *objs = json_object_get(b, "objects");
    if (objs) {
        e = db_exec(c->db, "DELETE FROM eval_objects WHERE evaluation_id = ?", DB_INT(id));
        json_array_foreach(objs, i, x) if (!e) e =
            db_exec(c->db, "INSERT INTO eval_objects (evaluation_id, kind, object_id) VALUES (?, ?, ?)", DB_INT(id),
                    DB_TEXT(jv_str(x, "kind")), DB_INT(jv_int(x, "id", 0)));
    }
    const json_t *units = json_object_get(b, "unit_ids");
    if (units && !e) {
        e = db_exec(c->db, "DELETE FROM eval_units WHERE evaluation_id = ?", DB_INT(id));
        json_array_foreach(units, i, x) if (!e) e =
            db_exec(c->db,
                    "INSERT INTO eval_units (evaluation_id, unit_id, unit_path) SELECT ?, id, path FROM units WHERE "
                    "id = ?",
                    DB_INT(id), DB_INT(json_integer_value(x)));
    }
    const json_t *inds = json_object_get(b, "indicators");
    if (inds && !e) {
        e = db_exec(c->db, "DELETE FROM eval_indicators WHERE evaluation_id = ?", DB_INT(id));
        json_array_foreach(inds, i, x) if (!e) e = db_exec(
            c->db,
            "INSERT INTO eval_indicators (evaluation_id, pos, name, description, max_score) VALUES (?, ?, ?, "
            "?, ?)",
            DB_INT(id), DB_INT((int64_t)i), DB_TEXT(jv_str(x, "name")),
            DB_TEXT(jv_str(x, "description") ? jv_str(x, "description") : ""), DB_INT(jv_int(x, "max_score", 100)));
    }
    return ctx_db_fail(c, e, "保存评估对象、单位和指标");
}

/* What the audit record and the timeline keep of a body: its terms, the lists as counts. */
static json_t *summary_of(const json_t *b)
{
    json_t *sum = json_deep_copy(b);
    json_object_del(sum, "version");
    static const char *const lists[] = {"objects", "unit_ids", "indicators"};
    for (int k = 0; k < 3; k++)
        if (json_object_get(sum, lists[k]))
            json_object_set_new(sum, lists[k],
                                json_integer((json_int_t)json_array_size(json_object_get(sum, lists[k]))));
    return sum;
}

struct create_args {
    const json_t *body;
    const struct grant *g;
    int64_t id;
};

static enum err create_tx(struct ctx *c, void *arg)
{
    struct create_args *a = arg;
    const json_t *b = a->body;
    enum err e = check_body(c, b, a->g->unit_path, NULL);
    if (e)
        return e;
    char at[21];
    time_format_iso(c->now, at);
    int64_t ev = jv_int(b, "evaluator_unit_id", 0);
    e = db_one_int(
        c->db, &a->id,
        "INSERT INTO evaluations (office_unit_id, office_path, title, basis, evaluator_unit_id, period_start, "
        "period_end, due_date, state, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
        "'draft', ?, ?, ?) RETURNING id",
        DB_INT(a->g->unit_id), DB_TEXT(a->g->unit_path), DB_TEXT(jv_str(b, "title")),
        DB_TEXT(jv_str(b, "basis") ? jv_str(b, "basis") : ""), DB_INT_IF(ev, ev), DB_TEXT(jv_str(b, "period_start")),
        DB_TEXT(jv_str(b, "period_end")), DB_TEXT(jv_str(b, "due_date")), DB_INT(c->user->id), DB_TEXT(at),
        DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "保存第三方评估");
    if ((e = store_lists(c, a->id, b)))
        return e;
    json_t *sum = summary_of(b);
    e = audit_record(c, "evaluation.create", EVAL_KIND, a->id, sum);
    if (!e)
        e = eval_event(c, a->id, "create", -1, EVAL_ST_DRAFT, 0, sum);
    json_decref(sum);
    return e ? e : workflow_todos_sync_new(c, &evaluation_workflow, a->id);
}

enum err evaluations_create(struct ctx *c, const json_t *body, json_t **out)
{
    int n = 0;
    const char **scope = c->user ? perm_scope_cap(c, CAP_INSP_MANAGE, &n) : NULL;
    if (n < 1)
        return ctx_fail(c, ERR_FORBIDDEN, "只有督查室可以委托第三方评估");
    struct create_args a = {body, perm_grant_at(c->user, CAP_INSP_MANAGE, scope[0]), 0};
    c->acting = a.g;
    enum err e = ctx_tx(c, "委托第三方评估", create_tx, &a);
    return e ? e : evaluations_get(c, a.id, out);
}

struct update_args {
    int64_t id;
    const json_t *body;
};

static enum err update_tx(struct ctx *c, void *arg)
{
    struct update_args *a = arg;
    const json_t *b = a->body;
    struct evaluation ev;
    enum err e = eval_load_visible(c, a->id, &ev);
    if (e)
        return e;
    if ((e = perm_require(c, CAP_INSP_MANAGE, ev.office_path, EVAL_WHAT)))
        return e;
    if (jv_has(b, "version") && jv_int(b, "version", 0) != ev.wf.version)
        return ctx_fail(c, ERR_CONFLICT, "第三方评估已被他人修改，请刷新后重试");
    if (ev.wf.state != EVAL_ST_DRAFT)
        return ctx_fail(c, ERR_CONFLICT, "第三方评估已%s，委托内容不能再修改",
                        wf_state_label(&evaluation_workflow, ev.wf.state));
    if ((e = check_body(c, b, ev.office_path, &ev)) || (e = eval_lock(c, &ev)))
        return e;
    char at[21];
    time_format_iso(c->now, at);
    bool evset = jv_has(b, "evaluator_unit_id");
    int64_t evu = jv_int(b, "evaluator_unit_id", 0);
    e = db_exec(c->db,
                "UPDATE evaluations SET title = COALESCE(?, title), basis = COALESCE(?, basis), evaluator_unit_id = "
                "CASE WHEN ? = 1 THEN ? ELSE evaluator_unit_id END, period_start = COALESCE(?, period_start), "
                "period_end = COALESCE(?, period_end), due_date = COALESCE(?, due_date), updated_at = ?, version = "
                "version + 1 WHERE id = ?",
                DB_TEXT(jv_str(b, "title")), DB_TEXT(jv_str(b, "basis")), DB_INT(evset), DB_INT_IF(evu, evu),
                DB_TEXT(jv_str(b, "period_start")), DB_TEXT(jv_str(b, "period_end")), DB_TEXT(jv_str(b, "due_date")),
                DB_TEXT(at), DB_INT(ev.wf.id));
    if (e)
        return ctx_db_fail(c, e, "修改第三方评估");
    if ((e = store_lists(c, ev.wf.id, b)))
        return e;
    json_t *sum = summary_of(b);
    e = audit_record(c, "evaluation.update", EVAL_KIND, ev.wf.id, sum);
    if (!e)
        e = eval_event(c, ev.wf.id, "update", -1, -1, 0, sum);
    json_decref(sum);
    return e ? e : workflow_todos_sync(c, &evaluation_workflow, ev.wf.id, NULL);
}

enum err evaluations_update(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    struct update_args a = {id, body};
    enum err e = ctx_tx(c, "修改第三方评估", update_tx, &a);
    return e ? e : evaluations_get(c, id, out);
}

/* ---- reading ---- */

enum err evaluations_list(struct ctx *c, const char *state, int page, int per_page, json_t **out)
{
    if (state && eval_state_parse(state) < 0)
        return ctx_fail_field(c, "state", "状态（state）应为 draft、engaged、submitted 或 accepted");
    int n = 0;
    const char **scope = perm_scope_cap(c, CAP_INSP_READ, &n);
    if (n > 8)
        n = 8;
    /* the government's own (and below), the engagements of the user's organisation, the units' once engaged */
    struct db_bind b[4 * 8 + 8 + 7];
    int nb = 0;
    const char *where = "(1 = 0";
    for (int k = 0; k < n; k++) {
        const char *upper = perm_path_upper(c->arena, scope[k]);
        where = arena_printf(c->arena,
                             "%s OR (office_path >= ? AND office_path < ?) OR (state <> 'draft' AND EXISTS (SELECT 1 "
                             "FROM eval_units u WHERE u.evaluation_id = evaluations.id AND u.unit_path >= ? AND "
                             "u.unit_path < ?))",
                             where);
        b[nb++] = DB_TEXT(scope[k]);
        b[nb++] = DB_TEXT(upper);
        b[nb++] = DB_TEXT(scope[k]);
        b[nb++] = DB_TEXT(upper);
    }
    for (int i = 0, m = 0; c->user && i < c->user->ngrants && m < 8; i++)
        if (c->user->grants[i].role == ROLE_EVALUATOR) {
            where = arena_printf(c->arena, "%s OR (state <> 'draft' AND evaluator_unit_id = ?)", where);
            b[nb++] = DB_INT(c->user->grants[i].unit_id);
            m++;
        }
    where = arena_printf(c->arena, "%s) AND (? IS NULL OR state = ?)", where);
    b[nb++] = DB_TEXT(state);
    b[nb++] = DB_TEXT(state);
    b[nb] = (struct db_bind){DB_BIND_END_, 0, 0, NULL};
    int64_t total = 0;
    if (db_one_int_a(c->db, &total, arena_printf(c->arena, "SELECT COUNT(*) FROM evaluations WHERE %s", where), b))
        return ctx_db_fail(c, ERR_INTERNAL, "读取第三方评估");
    b[nb++] = DB_INT(per_page);
    b[nb++] = DB_INT((int64_t)(page - 1) * per_page);
    b[nb] = (struct db_bind){DB_BIND_END_, 0, 0, NULL};
    struct stmt *st = db_query_a(
        c->db, arena_printf(c->arena, "SELECT id FROM evaluations WHERE %s ORDER BY id DESC LIMIT ? OFFSET ?", where),
        b);
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取第三方评估");
    int64_t *ids = arena_alloc(c->arena, sizeof *ids * (size_t)per_page);
    int m = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW && m < per_page)
        ids[m++] = stmt_int(st, 0);
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取第三方评估");
    json_t *list = json_array();
    for (int i = 0; i < m; i++) {
        struct evaluation ev;
        if (eval_load(c, ids[i], &ev)) {
            json_decref(list);
            return c->err;
        }
        if (c->user && !perm_item_visible(c->user, &ev.wf.scope))
            continue;
        json_array_append_new(list, eval_json(c, &ev, false));
    }
    *out = json_pack("{sosIsisi}", "evaluations", list, "total", (json_int_t)total, "page", page, "per_page", per_page);
    return ERR_OK;
}

enum err evaluations_get(struct ctx *c, int64_t id, json_t **out)
{
    struct evaluation ev;
    enum err e = eval_load_visible(c, id, &ev);
    if (!e)
        *out = eval_json(c, &ev, true);
    return e;
}

enum err evaluations_events(struct ctx *c, int64_t id, json_t **out)
{
    struct evaluation ev;
    enum err e = eval_load_visible(c, id, &ev);
    if (e)
        return e;
    bool all = eval_gov(c, &ev) || eval_member(c, &ev);
    struct stmt *st = db_query(c->db,
                               "SELECT e.id, e.at, e.actor, e.actor_name, e.action, e.from_state, e.to_state, "
                               "e.unit_id, e.data, n.path FROM eval_events e LEFT JOIN units n ON n.id = e.unit_id "
                               "WHERE e.evaluation_id = ? ORDER BY e.id",
                               DB_INT(id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取第三方评估过程");
    json_t *arr = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        const char *action = stmt_text(st, 4);
        /* a unit sees the transitions and its own rows; never another unit's self-assessment or scores */
        bool unit_row = !stmt_is_null(st, 7) && strcmp(action, "submit");
        if (!all && unit_row && !perm_at(c->user, CAP_INSP_READ, stmt_text(st, 9)))
            continue;
        if (!all && (!strcmp(action, "score") || !strcmp(action, "evidence")))
            continue;
        if (eval_member(c, &ev) && !eval_gov(c, &ev) && !strcmp(action, "self_assess"))
            continue;
        const struct wf_name *w = wf_event(&evaluation_workflow, action);
        json_t *data = json_loads(stmt_text(st, 8), 0, NULL);
        json_t *o = json_pack("{sIssssssssss}", "id", (json_int_t)stmt_int(st, 0), "at", stmt_text(st, 1), "actor",
                              stmt_text(st, 2), "actor_name", stmt_text(st, 3), "action", action, "label",
                              w ? w->label : action);
        json_object_set_new(o, "from", str_or_null(col(c, st, 5)));
        json_object_set_new(o, "to", str_or_null(col(c, st, 6)));
        json_object_set_new(o, "unit_id", stmt_is_null(st, 7) ? json_null() : json_integer(stmt_int(st, 7)));
        json_object_set_new(o, "data", data ? data : json_object());
        json_array_append_new(arr, o);
    }
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "读取第三方评估过程");
    }
    *out = json_pack("{so}", "events", arr);
    return ERR_OK;
}

const struct jv_field evaluations_action_spec[] = {
    {"version", JV_INT, 0, 0, 0},
    {"reason", JV_STRING, 0, 0, 2000, "理由"},
    {NULL, 0, 0, 0, 0, NULL},
};

enum err evaluations_act(struct ctx *c, int64_t id, const char *action, const json_t *body, json_t **out)
{
    int a;
    if (!wf_action_parse(&evaluation_workflow, action, &a))
        return ctx_fail(c, ERR_NOT_FOUND, "第三方评估没有「%s」这项操作", action);
    enum err e = workflow_act(c, &evaluation_workflow, id, a, body, NULL);
    return e ? e : evaluations_get(c, id, out);
}
