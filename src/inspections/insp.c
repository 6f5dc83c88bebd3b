/*
 * insp.c: the inspection (督查) as data: creating a draft (on a decision, an instruction, the approved
 * plan or a proposal), loading it for the engine with who may see it, its JSON, changing the draft and
 * the 督查方案 (targets and scope frozen once the scheme is approved), the team, the list and the burden
 * figures.
 *
 * Visibility (perm_item, the permission module decides): the office side (CAP_INSP_READ at or above the
 * government that runs it), the organising departments, the team and the engaged evaluators by name;
 * the targets once the inspection is announced (started, for an announced one) or its findings are
 * issued (an unannounced one, 暗访). Until then a 暗访 is hidden from everyone holding a role at or below
 * a target, whatever else they hold: lists, counts, search and direct links (404, the same sentence as
 * for an id that does not exist) alike. The list's SQL says the same as perm_item_visible.
 */
#include "inspections/insp_internal.h"

#include "audit/audit.h"
#include "base/log.h"
#include "base/timeu.h"
#include "base/utf8.h"
#include "core/hooks.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

const struct jv_field insp_create_spec[] = {
    {"subject", JV_STRING, 0, 2, 200},
    {"matters", JV_STRING, 0, 0, 20000},
    {"kind", JV_STRING, 0, 1, 40},
    {"methods", JV_STRING_ARRAY, 0, 1, 10},
    {"basis", JV_STRING, JV_REQUIRED, 1, 20},
    {"basis_ref", JV_STRING, 0, 0, 500},
    {"plan_entry_id", JV_INT, 0, 1, INT64_MAX},
    {"item_id", JV_INT, 0, 1, INT64_MAX},
    {"office_unit_id", JV_INT, 0, 1, INT64_MAX},
    {"organiser_unit_ids", JV_INT_ARRAY, 0, 1, 20},
    {"target_unit_ids", JV_INT_ARRAY, 0, 1, 50},
    {"start_date", JV_DATE, 0, 0, 0},
    {"end_date", JV_DATE, 0, 0, 0},
    {"designation", JV_STRING, 0, 0, 4000},
    {"entrusted_unit_id", JV_INT, JV_NULLABLE, 1, INT64_MAX},
    {"task_force", JV_BOOL, 0, 0, 0},
    {"scheme_content", JV_STRING, 0, 0, 20000},
    {"scheme_scope", JV_STRING, 0, 0, 4000},
    {NULL, 0, 0, 0, 0},
};

const struct jv_field insp_update_spec[] = {
    {"version", JV_INT, 0, 0, 0},
    {"subject", JV_STRING, 0, 2, 200},
    {"matters", JV_STRING, 0, 0, 20000},
    {"kind", JV_STRING, 0, 1, 40},
    {"methods", JV_STRING_ARRAY, 0, 1, 10},
    {"basis_ref", JV_STRING, 0, 0, 500},
    {"organiser_unit_ids", JV_INT_ARRAY, 0, 1, 20},
    {"target_unit_ids", JV_INT_ARRAY, 0, 1, 50},
    {"start_date", JV_DATE, 0, 0, 0},
    {"end_date", JV_DATE, 0, 0, 0},
    {"designation", JV_STRING, 0, 0, 4000},
    {"entrusted_unit_id", JV_INT, JV_NULLABLE, 1, INT64_MAX},
    {"task_force", JV_BOOL, 0, 0, 0},
    {"scheme_content", JV_STRING, 0, 0, 20000},
    {"scheme_scope", JV_STRING, 0, 0, 4000},
    {NULL, 0, 0, 0, 0},
};

/* ---- loading ---- */

#define INSP_COLS                                                                                                      \
    "i.id, i.number, i.office_unit_id, i.office_path, u.name, i.year, i.subject, i.matters, i.kind, i.methods, "       \
    "i.covert, i.basis, i.basis_ref, i.plan_entry_id, i.start_date, i.end_date, i.designation, i.entrusted_unit_id, "  \
    "eu.name, i.task_force, i.scheme_content, i.scheme_scope, i.scheme_approved_at, i.scheme_approved_by, "            \
    "i.team_leader_id, lu.name, i.state, i.merged_into, i.filed_at, i.filed_to, i.started_at, i.findings_issued_at, "  \
    "i.conclusion_number, i.conclusion_text, i.conclusion_date, i.conclusion_by, i.report_text, i.report_sent_at, "    \
    "i.closed_at, i.created_by, i.created_at, i.updated_at, i.version"

static int64_t int_or0(struct stmt *st, int col)
{
    return stmt_is_null(st, col) ? 0 : stmt_int(st, col);
}

/* An inspection's four reads (its row, targets, organisers, team), sent together (one round trip on PostgreSQL). */
void insp_load_send(struct ctx *c, int64_t id, struct insp_sent *s)
{
    static const char *const sql[4] = {
        "SELECT " INSP_COLS " FROM inspections i JOIN units u ON u.id = i.office_unit_id "
        "LEFT JOIN units eu ON eu.id = i.entrusted_unit_id LEFT JOIN users lu ON lu.id = i.team_leader_id "
        "WHERE i.id = ?",
        "SELECT t.id, t.unit_id, t.unit_path, u.name, u.code, t.state, t.received_at "
        "FROM insp_targets t JOIN units u ON u.id = t.unit_id WHERE t.inspection_id = ? ORDER BY t.id",
        "SELECT o.unit_id, o.unit_path, u.name, o.lead, COALESCE(o.joined_from, 0) FROM insp_organisers o "
        "JOIN units u ON u.id = o.unit_id WHERE o.inspection_id = ? ORDER BY o.lead DESC, o.unit_path",
        "SELECT m.id, m.role, COALESCE(m.inspector_id, 0), COALESCE(m.user_id, 0), COALESCE(m.unit_id, 0), "
        "m.name, COALESCE(r.kind, ''), m.note FROM insp_team m LEFT JOIN inspectors r ON r.id = m.inspector_id "
        "WHERE m.inspection_id = ? ORDER BY CASE m.role WHEN 'leader' THEN 0 WHEN 'member' THEN 1 "
        "WHEN 'outside' THEN 2 ELSE 3 END, m.id",
    };
    s->id = id;
    for (int i = 0; i < 4; i++) {
        s->st[i] = db_query(c->db, sql[i], DB_INT(id));
        stmt_send(s->st[i]);
    }
}

static enum err load_row(struct ctx *c, struct stmt *st, struct insp *it)
{
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取督查");
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        int k = 0;
        it->id = stmt_int(st, k++);
        it->number = insp_col(c, st, k++);
        it->office_unit_id = stmt_int(st, k++);
        it->office_path = insp_col(c, st, k++);
        it->office_name = insp_col(c, st, k++);
        it->year = stmt_int(st, k++);
        it->subject = insp_col(c, st, k++);
        it->matters = insp_col(c, st, k++);
        it->kind = insp_col(c, st, k++);
        it->methods = insp_col(c, st, k++);
        it->covert = stmt_int(st, k++) != 0;
        it->basis = insp_col(c, st, k++);
        it->basis_ref = insp_col(c, st, k++);
        it->plan_entry_id = int_or0(st, k++);
        it->start_date = insp_col(c, st, k++);
        it->end_date = insp_col(c, st, k++);
        it->designation = insp_col(c, st, k++);
        it->entrusted_unit_id = int_or0(st, k++);
        it->entrusted_name = insp_col(c, st, k++);
        it->task_force = stmt_int(st, k++) != 0;
        it->scheme_content = insp_col(c, st, k++);
        it->scheme_scope = insp_col(c, st, k++);
        it->scheme_approved_at = insp_col(c, st, k++);
        it->scheme_approved_by = int_or0(st, k++);
        it->team_leader_id = int_or0(st, k++);
        it->team_leader_name = insp_col(c, st, k++);
        wf_state_parse(&insp_workflow, stmt_text(st, k++), &it->state);
        it->merged_into = int_or0(st, k++);
        it->filed_at = insp_col(c, st, k++);
        it->filed_to = int_or0(st, k++);
        it->started_at = insp_col(c, st, k++);
        it->findings_issued_at = insp_col(c, st, k++);
        it->conclusion_number = insp_col(c, st, k++);
        it->conclusion_text = insp_col(c, st, k++);
        it->conclusion_date = insp_col(c, st, k++);
        it->conclusion_by = int_or0(st, k++);
        it->report_text = insp_col(c, st, k++);
        it->report_sent_at = insp_col(c, st, k++);
        it->closed_at = insp_col(c, st, k++);
        it->created_by = int_or0(st, k++);
        it->created_at = insp_col(c, st, k++);
        it->updated_at = insp_col(c, st, k++);
        it->version = stmt_int(st, k++);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取督查");
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "督查不存在或无权查看");
    return ERR_OK;
}

/* The targets, organisers and team read (sts[0..2], each finished here). */
static enum err load_parts(struct ctx *c, struct stmt **sts, struct insp *it)
{
    static const char *const what[3] = {"读取督查对象", "读取组织单位", "读取督查组"};
    int cap = 0, rc = 0, failed = -1;
    for (int k = 0; k < 3 && failed < 0; k++) {
        struct stmt *st = sts[k];
        if (!st) {
            rc = STORE_E_OTHER;
            failed = k;
            break;
        }
        cap = 0;
        while ((rc = stmt_step(st)) == STORE_ROW) {
            if (k == 0) {
                it->targets = arena_grow(c->arena, it->targets, it->ntargets, &cap, sizeof *it->targets);
                struct insp_target *t = &it->targets[it->ntargets++];
                t->id = stmt_int(st, 0);
                t->unit_id = stmt_int(st, 1);
                t->unit_path = insp_col(c, st, 2);
                t->unit_name = insp_col(c, st, 3);
                t->unit_code = insp_col(c, st, 4);
                t->state = -1;
                wf_state_parse(&insp_workflow, stmt_text(st, 5), &t->state);
                t->received_at = insp_col(c, st, 6);
            } else if (k == 1) {
                it->orgs = arena_grow(c->arena, it->orgs, it->norgs, &cap, sizeof *it->orgs);
                struct insp_org *o = &it->orgs[it->norgs++];
                o->unit_id = stmt_int(st, 0);
                o->unit_path = insp_col(c, st, 1);
                o->unit_name = insp_col(c, st, 2);
                o->lead = stmt_int(st, 3) != 0;
                o->joined_from = stmt_int(st, 4);
            } else {
                it->team = arena_grow(c->arena, it->team, it->nteam, &cap, sizeof *it->team);
                struct insp_member *m = &it->team[it->nteam++];
                m->id = stmt_int(st, 0);
                m->role = insp_col(c, st, 1);
                m->inspector_id = stmt_int(st, 2);
                m->user_id = stmt_int(st, 3);
                m->unit_id = stmt_int(st, 4);
                m->name = insp_col(c, st, 5);
                m->kind = insp_col(c, st, 6);
                m->note = insp_col(c, st, 7);
            }
        }
        stmt_done(st);
        if (rc < 0)
            failed = k;
    }
    if (failed < 0)
        return ERR_OK;
    for (int i = failed + 1; i < 3; i++)
        stmt_done(sts[i]);
    return ctx_store_fail(c, rc, what[failed]);
}

bool insp_secret(const struct insp *it)
{
    return it->covert && !it->findings_issued_at;
}

/* Who sees it (see the file comment): filled into it->scope. */
static enum err load_scope(struct ctx *c, struct insp *it)
{
    const char **targets = arena_alloc(c->arena, sizeof *targets * (size_t)(it->ntargets + 1));
    for (int i = 0; i < it->ntargets; i++)
        targets[i] = it->targets[i].unit_path;
    const char **party = arena_alloc(c->arena, sizeof *party * (size_t)(it->norgs + 1));
    int np = 0;
    for (int i = 0; i < it->norgs; i++)
        if (strcmp(it->orgs[i].unit_path, it->office_path))
            party[np++] = it->orgs[i].unit_path;
    /* members: the team with accounts, and the users of the engaged evaluators */
    int cap = 0, nm = 0;
    int64_t *members = NULL;
    for (int i = 0; i < it->nteam; i++) {
        const struct insp_member *m = &it->team[i];
        if (m->user_id) {
            members = arena_grow(c->arena, members, nm, &cap, sizeof *members);
            members[nm++] = m->user_id;
        }
        if (!strcmp(m->role, "evaluator") && m->unit_id) {
            struct stmt *st = db_query(c->db,
                                       "SELECT r.user_id FROM user_roles r JOIN users u ON u.id = r.user_id "
                                       "WHERE r.unit_id = ? AND r.role = 'evaluator' AND u.disabled = 0",
                                       DB_INT(m->unit_id));
            if (!st)
                return ctx_store_fail(c, STORE_E_OTHER, "读取评估机构");
            while (stmt_step(st) == STORE_ROW) {
                members = arena_grow(c->arena, members, nm, &cap, sizeof *members);
                members[nm++] = stmt_int(st, 0);
            }
            stmt_done(st);
        }
    }
    it->scope = (struct perm_item){
        .office_path = it->office_path,
        .unit_paths = targets,
        .nunits = it->ntargets,
        .units_see = it->findings_issued_at || (!it->covert && it->started_at),
        .read_cap = CAP_INSP_READ,
        .party_paths = party,
        .nparties = np,
        .members = members,
        .nmembers = nm,
        .hidden_paths = insp_secret(it) ? targets : NULL,
        .nhidden = insp_secret(it) ? it->ntargets : 0,
    };
    return ERR_OK;
}

/* The engine's view: the targets are the parts (tracks) once the conclusion is issued. */
static void view(struct ctx *c, struct insp *it)
{
    struct wf_obj *o = &it->wf;
    o->id = it->id;
    o->version = it->version;
    o->state = it->state;
    o->resume_state = it->state;
    o->home_path = it->office_path;
    o->home_unit_id = it->office_unit_id;
    o->scope = it->scope;
    o->number = it->number ? it->number : "";
    o->title = it->subject;
    o->due_date = it->end_date;
    o->persons[INSP_PERSON_LEADER] = it->team_leader_id;
    o->parts = arena_alloc(c->arena, sizeof *o->parts * (size_t)(it->ntargets + 1));
    for (int i = 0; i < it->ntargets; i++) {
        const struct insp_target *t = &it->targets[i];
        o->parts[i] = (struct wf_part){INSP_PART_TARGET, t->id, t->state, t->unit_id, t->unit_path, t->unit_name, 0};
    }
    o->nparts = o->ntracks = it->ntargets;
}

enum err insp_load_take(struct ctx *c, struct insp_sent *s, struct insp *it)
{
    memset(it, 0, sizeof *it);
    enum err e = load_row(c, s->st[0], it);
    if (e) {
        for (int i = 1; i < 4; i++)
            stmt_done(s->st[i]);
        return e;
    }
    if ((e = load_parts(c, s->st + 1, it)) || (e = load_scope(c, it)))
        return e;
    it->pending_widening = -1;
    view(c, it);
    return ERR_OK;
}

enum err insp_load(struct ctx *c, int64_t id, struct insp *it)
{
    struct insp_sent s;
    insp_load_send(c, id, &s);
    return insp_load_take(c, &s, it);
}

enum err insp_load_visible(struct ctx *c, int64_t id, struct insp *it)
{
    enum err e = insp_load(c, id, it);
    if (e == ERR_NOT_FOUND || (!e && !perm_item_visible(c->user, &it->scope)))
        return ctx_fail(c, ERR_NOT_FOUND, "督查不存在或无权查看");
    return e;
}

enum err insp_load_waits(struct ctx *c, struct insp *it)
{
    struct wf_obj *o = &it->wf;
    int cap = o->nparts, n = o->nparts;
    struct wf_part *parts = o->parts;
    /* a pending widening waits on the principal leader */
    struct stmt *st =
        db_query(c->db, "SELECT id FROM insp_widenings WHERE inspection_id = ? AND state = 'pending'", DB_INT(it->id));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取督查");
    while (stmt_step(st) == STORE_ROW) {
        parts = arena_grow(c->arena, parts, n, &cap, sizeof *parts);
        parts[n++] = (struct wf_part){INSP_PART_WIDENING,
                                      stmt_int(st, 0),
                                      INSP_SIDE_PENDING,
                                      it->office_unit_id,
                                      it->office_path,
                                      it->office_name,
                                      0};
    }
    stmt_done(st);
    if (it->state == INSP_ST_IN_PROGRESS) {
        /* the members on the ground (the leader has the findings to submit) and the evaluators to report */
        for (int i = 0; i < it->nteam; i++) {
            const struct insp_member *m = &it->team[i];
            if (m->user_id && m->user_id != it->team_leader_id && strcmp(m->role, "evaluator")) {
                parts = arena_grow(c->arena, parts, n, &cap, sizeof *parts);
                /* no unit: the to-do is the member's own (their name under it, and "（马丽）" in the message sent
                 * to 马丽, told them nothing) */
                parts[n++] = (struct wf_part){INSP_PART_MEMBER, m->id, INSP_SIDE_PENDING, 0, NULL, NULL, m->user_id};
            }
            int64_t done = 0;
            if (!strcmp(m->role, "evaluator") && m->unit_id &&
                db_one_int(c->db, &done,
                           "SELECT 1 FROM insp_evaluations WHERE inspection_id = ? AND unit_id = ? LIMIT 1",
                           DB_INT(it->id), DB_INT(m->unit_id)) == ERR_NOT_FOUND) {
                const char *path = NULL;
                db_one_text(c->db, c->arena, &path, "SELECT path FROM units WHERE id = ?", DB_INT(m->unit_id));
                parts = arena_grow(c->arena, parts, n, &cap, sizeof *parts);
                parts[n++] =
                    (struct wf_part){INSP_PART_ENGAGEMENT, m->id, INSP_SIDE_PENDING, m->unit_id, path, m->name, 0};
            }
        }
    }
    o->parts = parts;
    o->nparts = n;
    return ERR_OK;
}

enum err insp_lock(struct ctx *c, const struct insp *it)
{
    int64_t v = 0;
    enum err e = db_one_int(c->db, &v, "UPDATE inspections SET version = version WHERE id = ? RETURNING version",
                            DB_INT(it->id));
    if (e)
        return ctx_db_fail(c, e, "锁定督查");
    if (v != it->version)
        return ctx_fail(c, ERR_CONFLICT, "督查已被他人同时处理，请刷新后重试");
    return ERR_OK;
}

bool insp_on_team(const struct insp *it, int64_t user_id)
{
    for (int i = 0; user_id && i < it->nteam; i++)
        if (it->team[i].user_id == user_id)
            return true;
    return user_id && user_id == it->team_leader_id;
}

bool insp_field_allowed(struct ctx *c, const struct insp *it)
{
    if (!c->user)
        return true;
    /* the office that runs it, or anyone on its team (a leader or an outside member too) */
    return perm_at(c->user, CAP_INSP_MANAGE, it->office_path) || insp_on_team(it, c->user->id);
}

/* ---- JSON ---- */

static json_t *origins_json(struct ctx *c, int64_t id)
{
    json_t *arr = json_array();
    struct stmt *st = db_query(c->db,
                               "SELECT kind, ref, ref_id, note, created_at FROM insp_origins WHERE inspection_id = ? "
                               "ORDER BY id",
                               DB_INT(id));
    while (st && stmt_step(st) == STORE_ROW)
        json_array_append_new(arr,
                              json_pack("{ss ss so ss ss}", "kind", stmt_text(st, 0), "ref", stmt_text(st, 1), "ref_id",
                                        stmt_is_null(st, 2) ? json_null() : json_integer(stmt_int(st, 2)), "note",
                                        stmt_text(st, 3), "created_at", stmt_text(st, 4)));
    if (st)
        stmt_done(st);
    return arr;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static int64_t count_of(struct ctx *c, const char *sql, int64_t id)
{
    int64_t n = 0;
    db_one_int(c->db, &n, sql, DB_INT(id));
    return n;
}

/* Each target's rectification once the findings are issued (the work of a target between the findings and the
 * conclusion is its tasks', each on its own workflow: counted here, not kept as a state of the target):
 * {tasks, verified} over the tasks of the units within it, withdrawn ones left out; null before. One query. */
static json_t **targets_rectification(struct ctx *c, const struct insp *it)
{
    json_t **out = arena_alloc(c->arena, sizeof *out * (size_t)(it->ntargets + 1));
    int64_t *tasks = arena_alloc(c->arena, sizeof *tasks * (size_t)(it->ntargets + 1));
    int64_t *verified = arena_alloc(c->arena, sizeof *verified * (size_t)(it->ntargets + 1));
    for (int i = 0; i < it->ntargets; i++)
        tasks[i] = verified[i] = 0;
    struct stmt *st = it->findings_issued_at ? db_query(c->db,
                                                        "SELECT unit_path, COUNT(*), SUM(CASE WHEN state = 'verified' "
                                                        "THEN 1 ELSE 0 END) FROM rect_tasks WHERE inspection_id = ? "
                                                        "AND state <> 'withdrawn' GROUP BY unit_path",
                                                        DB_INT(it->id))
                                             : NULL;
    while (st && stmt_step(st) == STORE_ROW)
        for (int i = 0; i < it->ntargets; i++)
            if (insp_within(stmt_text(st, 0), it->targets[i].unit_path)) {
                tasks[i] += stmt_int(st, 1);
                verified[i] += stmt_int(st, 2);
                break;
            }
    stmt_done(st);
    for (int i = 0; i < it->ntargets; i++)
        out[i] = it->findings_issued_at
                     ? json_pack("{sI sI}", "tasks", (json_int_t)tasks[i], "verified", (json_int_t)verified[i])
                     : json_null();
    return out;
}

json_t *insp_json(struct ctx *c, struct insp *it)
{
    json_t *targets = json_array(), *orgs = json_array(), *team = json_array();
    json_t **rect = targets_rectification(c, it);
    for (int i = 0; i < it->ntargets; i++) {
        const struct insp_target *t = &it->targets[i];
        json_array_append_new(targets,
                              json_pack("{sI sI ss ss so so so so}", "id", (json_int_t)t->id, "unit_id",
                                        (json_int_t)t->unit_id, "name", t->unit_name, "code", t->unit_code, "state",
                                        t->state >= 0 ? json_string(insp_state_name(t->state)) : json_null(),
                                        "received_at", str_or_null(t->received_at), "rectification", rect[i],
                                        "allowed_actions", workflow_allowed_actions(c, &insp_workflow, &it->wf, i)));
    }
    for (int i = 0; i < it->norgs; i++)
        json_array_append_new(orgs,
                              json_pack("{sI ss sb so}", "unit_id", (json_int_t)it->orgs[i].unit_id, "name",
                                        it->orgs[i].unit_name, "lead", it->orgs[i].lead, "joined_from",
                                        it->orgs[i].joined_from ? json_integer(it->orgs[i].joined_from) : json_null()));
    for (int i = 0; i < it->nteam; i++) {
        const struct insp_member *m = &it->team[i];
        json_array_append_new(team, json_pack("{sI ss ss ss so so so ss}", "id", (json_int_t)m->id, "role", m->role,
                                              "name", m->name, "kind", m->kind, "inspector_id",
                                              m->inspector_id ? json_integer(m->inspector_id) : json_null(), "user_id",
                                              m->user_id ? json_integer(m->user_id) : json_null(), "unit_id",
                                              m->unit_id ? json_integer(m->unit_id) : json_null(), "note", m->note));
    }
    int64_t pending = 0;
    db_one_int(c->db, &pending, "SELECT id FROM insp_widenings WHERE inspection_id = ? AND state = 'pending'",
               DB_INT(it->id));
    bool office = !c->user || perm_at(c->user, CAP_INSP_READ, it->office_path);
    json_t *j =
        json_pack("{sI so ss s{sI ss} sI ss ss ss ss so sb sb ss ss ss so ss ss ss so ss sb ss ss ss so so ss ss}",
                  "id", (json_int_t)it->id, "number", str_or_null(it->number), "kind_of", "inspection", "office", "id",
                  (json_int_t)it->office_unit_id, "name", it->office_name, "year", (json_int_t)it->year, "subject",
                  it->subject, "matters", it->matters, "kind", it->kind, "kind_label", insp_kind_label(it->kind),
                  "methods", insp_methods_json(it->methods), "covert", it->covert, "secret", insp_secret(it), "basis",
                  it->basis, "basis_label", insp_basis_label(it->basis), "basis_ref", it->basis_ref, "plan_entry_id",
                  it->plan_entry_id ? json_integer(it->plan_entry_id) : json_null(), "start_date", it->start_date,
                  "end_date", it->end_date, "designation", it->designation, "entrusted",
                  it->entrusted_unit_id
                      ? json_pack("{sI ss}", "id", (json_int_t)it->entrusted_unit_id, "name", it->entrusted_name)
                      : json_null(),
                  "scheme_content", it->scheme_content, "task_force", it->task_force, "scheme_scope", it->scheme_scope,
                  "state", insp_state_name(it->state), "state_label", wf_state_label(&insp_workflow, it->state),
                  "scheme_approved_at", str_or_null(it->scheme_approved_at), "team_leader",
                  it->team_leader_id ? json_pack("{sI ss}", "id", (json_int_t)it->team_leader_id, "name",
                                                 it->team_leader_name ? it->team_leader_name : "")
                                     : json_null(),
                  "created_at", it->created_at, "updated_at", it->updated_at);
    json_object_set_new(j, "targets", targets);
    json_object_set_new(j, "organisers", orgs);
    json_object_set_new(j, "team", team);
    json_object_set_new(j, "origins", origins_json(c, it->id));
    json_object_set_new(j, "frozen", json_boolean(it->scheme_approved_at != NULL));
    json_object_set_new(j, "merged_into", it->merged_into ? json_integer(it->merged_into) : json_null());
    json_object_set_new(j, "filed_at", str_or_null(it->filed_at));
    json_object_set_new(j, "needs_filing", json_boolean(it->plan_entry_id == 0 && strcmp(it->basis, "lookback")));
    json_object_set_new(j, "started_at", str_or_null(it->started_at));
    json_object_set_new(j, "findings_issued_at", str_or_null(it->findings_issued_at));
    json_object_set_new(j, "conclusion",
                        it->conclusion_number
                            ? json_pack("{ss ss ss ss}", "number", it->conclusion_number, "text", it->conclusion_text,
                                        "date", it->conclusion_date, "by", insp_user_name(c, it->conclusion_by))
                            : json_null());
    json_object_set_new(j, "report_sent_at", str_or_null(it->report_sent_at));
    json_object_set_new(j, "closed_at", str_or_null(it->closed_at));
    json_object_set_new(j, "pending_widening", pending ? json_integer(pending) : json_null());
    json_object_set_new(j, "office_side", json_boolean(office));
    /* the cap exceptions asked for with it: the head sees them when approving */
    json_object_set_new(j, "exceptions", office ? insp_exceptions_json(c, "inspection", it->id) : json_array());
    json_object_set_new(j, "on_team", json_boolean(c->user && insp_on_team(it, c->user->id)));
    json_object_set_new(
        j, "counts",
        json_pack(
            "{sI sI sI sI sI}", "records",
            (json_int_t)count_of(c, "SELECT COUNT(*) FROM insp_records WHERE inspection_id = ?", it->id), "evidence",
            (json_int_t)count_of(c, "SELECT COUNT(*) FROM insp_evidence WHERE inspection_id = ?", it->id), "findings",
            (json_int_t)count_of(
                c, "SELECT COUNT(*) FROM insp_findings WHERE inspection_id = ? AND state <> 'withdrawn'", it->id),
            "tasks", (json_int_t)count_of(c, "SELECT COUNT(*) FROM rect_tasks WHERE inspection_id = ?", it->id),
            "open_tasks",
            (json_int_t)count_of(c,
                                 "SELECT COUNT(*) FROM rect_tasks WHERE inspection_id = ? AND state NOT IN "
                                 "('verified', 'withdrawn')",
                                 it->id)));
    json_object_set_new(j, "version", json_integer(it->version));
    json_object_set_new(j, "allowed_actions", workflow_allowed_actions(c, &insp_workflow, &it->wf, -1));
    return j;
}

enum err insp_get(struct ctx *c, int64_t id, json_t **out)
{
    struct insp it;
    enum err e = insp_load_visible(c, id, &it);
    if (!e)
        *out = insp_json(c, &it);
    return e;
}

/* ---- creating ---- */

/* The government whose office runs it (office_unit_id, or the user's first grant that manages). */
static enum err home_of(struct ctx *c, const json_t *b, struct insp_unit *gov)
{
    const char *path = NULL;
    if (jv_has(b, "office_unit_id")) {
        struct insp_unit u;
        if (insp_unit(c, jv_int(b, "office_unit_id", 0), "office_unit_id", &u))
            return ctx_fail(c, ERR_NOT_FOUND, "单位不存在或无权查看");
        path = u.path;
    }
    for (int i = 0; !path && c->user && i < c->user->ngrants; i++)
        if (perm_at(c->user, CAP_INSP_MANAGE, c->user->grants[i].unit_path))
            path = c->user->grants[i].unit_path;
    if (!path)
        return ctx_fail(c, ERR_FORBIDDEN, "您的角色不能开展督查");
    enum err e = insp_government_of(c, path, gov);
    return e ? e : perm_require(c, CAP_INSP_MANAGE, gov->path, "单位");
}

/* The organisers: unit ids below or at the government (the government itself: its office). */
static enum err organisers_parse(struct ctx *c, const json_t *arr, const struct insp_unit *gov, int64_t **ids,
                                 const char ***paths, int *n)
{
    int64_t *v = insp_int_array(c, arr, n);
    if (!*n) {
        v[0] = gov->id;
        *n = 1;
    }
    const char **p = arena_alloc(c->arena, sizeof *p * (size_t)*n);
    for (int i = 0; i < *n; i++) {
        struct insp_unit u;
        enum err e = insp_unit(c, v[i], "organiser_unit_ids", &u);
        if (e)
            return e;
        if (!insp_within(u.path, gov->path))
            return ctx_fail(c, ERR_INVALID, "组织单位（organiser_unit_ids）“%s”不属于%s", u.name, gov->name);
        for (int k = 0; k < i; k++)
            if (v[k] == v[i])
                return ctx_fail(c, ERR_INVALID, "组织单位（organiser_unit_ids）重复");
        p[i] = u.path;
    }
    *ids = v;
    *paths = p;
    return ERR_OK;
}

enum err insp_targets_set(struct ctx *c, struct insp *it, const int64_t *units, const char **paths, int n,
                          bool add_only)
{
    char at[21];
    time_format_iso(c->now, at);
    enum err e = ERR_OK;
    for (int i = 0; i < n && !e; i++) {
        bool have = false;
        for (int k = 0; k < it->ntargets; k++)
            have = have || it->targets[k].unit_id == units[i];
        if (!have)
            e = db_exec(c->db,
                        "INSERT INTO insp_targets (inspection_id, unit_id, unit_path, state, added_at) "
                        "VALUES (?, ?, ?, 'target', ?)",
                        DB_INT(it->id), DB_INT(units[i]), DB_TEXT(paths[i]), DB_TEXT(at));
    }
    /* targets no longer named go (only before the scheme is approved: the caller checked) */
    for (int k = 0; k < it->ntargets && !e; k++) {
        bool keep = false;
        for (int i = 0; i < n; i++)
            keep = keep || it->targets[k].unit_id == units[i];
        if (!keep && !add_only)
            e = db_exec(c->db, "DELETE FROM insp_targets WHERE id = ?", DB_INT(it->targets[k].id));
    }
    return ctx_db_fail(c, e, "保存督查对象");
}

static enum err organisers_set(struct ctx *c, int64_t id, const int64_t *units, const char **paths, int n)
{
    enum err e =
        db_exec(c->db, "DELETE FROM insp_organisers WHERE inspection_id = ? AND joined_from IS NULL", DB_INT(id));
    for (int i = 0; i < n && !e; i++)
        e = db_exec(c->db,
                    "INSERT INTO insp_organisers (inspection_id, unit_id, unit_path, lead) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (inspection_id, unit_id) DO UPDATE SET lead = excluded.lead",
                    DB_INT(id), DB_INT(units[i]), DB_TEXT(paths[i]), DB_INT(i == 0));
    return ctx_db_fail(c, e, "保存组织单位");
}

static bool live(int state)
{
    return state != INSP_ST_WITHDRAWN && state != INSP_ST_MERGED;
}

enum err insp_dup_refresh(struct ctx *c, const struct insp *it)
{
    int64_t *units = arena_alloc(c->arena, sizeof *units * (size_t)(it->ntargets + 1));
    for (int i = 0; i < it->ntargets; i++)
        units[i] = it->targets[i].unit_id;
    return insp_dup_index(c, "inspection", it->id, units, live(it->state) ? it->ntargets : 0, it->start_date,
                          it->end_date);
}

/* Targets and organisers must not overlap; no target may be a unit the entrusted unit belongs to. */
static enum err check_sides(struct ctx *c, const int64_t *t, int nt, const int64_t *o, int no)
{
    for (int i = 0; i < nt; i++)
        for (int k = 0; k < no; k++)
            if (t[i] == o[k])
                return ctx_fail(c, ERR_INVALID, "组织单位不能同时是督查对象（target_unit_ids）");
    return ERR_OK;
}

struct create_args {
    const json_t *body;
    int64_t id;
};

static const char *body_or(const json_t *b, const char *name, const char *def)
{
    const char *s = jv_str(b, name);
    return s ? s : def;
}

static enum err create_tx(struct ctx *c, void *arg)
{
    struct create_args *x = arg;
    const json_t *b = x->body;
    struct insp_unit gov;
    enum err e = home_of(c, b, &gov);
    if (e)
        return e;
    const char *basis = jv_str(b, "basis");
    if (strcmp(basis, "decision") && strcmp(basis, "instruction") && strcmp(basis, "proposal") && strcmp(basis, "plan"))
        return ctx_fail(
            c, ERR_INVALID,
            "督查依据（basis）应为 decision（政府决定）、instruction（政府行政首长指示）、proposal（督查工作"
            "建议，报主要领导批准）或 plan（年度督查计划）：督查只能依据这些开展（《政府督查工作条例》第十一条）");
    const char *basis_ref = body_or(b, "basis_ref", "");
    if ((!strcmp(basis, "decision") || !strcmp(basis, "instruction")) && !*basis_ref)
        return ctx_fail_field(c, "basis_ref", "请填写依据的政府决定或行政首长指示（basis_ref：文号、会议或批示）");
    /* from the approved plan: the entry gives what the body leaves out */
    struct entry en = {0};
    int64_t entry_id = jv_int(b, "plan_entry_id", 0);
    if (!strcmp(basis, "plan")) {
        struct plan p;
        if (!entry_id)
            return ctx_fail(c, ERR_INVALID, "依据年度督查计划开展的督查须指明计划中的一项（plan_entry_id）");
        if (entry_load(c, entry_id, &en, &p) || !entry_visible(c, &p, &en))
            return ctx_fail(c, ERR_INVALID, "年度督查计划中没有这一项（plan_entry_id）");
        if (p.office_unit_id != gov.id)
            return ctx_fail(c, ERR_INVALID, "这一项属于%s的年度督查计划", p.office_name);
        if (strcmp(en.state, "included") || (p.state != PLAN_ST_APPROVED && p.state != PLAN_ST_FILED))
            return ctx_fail(c, ERR_CONFLICT, "这一项尚未列入经批准的年度督查计划，不能据此开展督查");
        if (en.inspection_id)
            return ctx_fail(c, ERR_CONFLICT, "计划中的这一项已开展督查（督查 %" PRId64 "）", en.inspection_id);
    } else if (entry_id) {
        return ctx_fail(c, ERR_INVALID, "只有依据年度督查计划（basis plan）的督查才能指明计划中的一项");
    }
    const char *subject = body_or(b, "subject", en.subject), *kind = body_or(b, "kind", en.kind);
    const char *start = body_or(b, "start_date", en.start_date), *end = body_or(b, "end_date", en.end_date);
    if (!subject || !kind || !start || !end)
        return ctx_fail(c, ERR_INVALID, "请填写督查主题（subject）、类型（kind）和时间（start_date、end_date）");
    if (!insp_kind_valid(kind))
        return ctx_fail(c, ERR_INVALID, "督查类型（kind）应为 comprehensive、special、case、routine 或 clue");
    const char *methods = en.methods;
    if (jv_has(b, "methods") && (e = insp_methods_parse(c, json_object_get(b, "methods"), "methods", &methods)))
        return e;
    if (!methods)
        return ctx_fail(c, ERR_INVALID, "请至少选择一种督查方式（methods）");
    if (strcmp(start, end) > 0)
        return ctx_fail(c, ERR_INVALID, "开始日期（start_date）不能晚于结束日期（end_date）");
    int64_t *targets, *orgs;
    const char **tpaths, **opaths;
    int nt, no;
    if (jv_has(b, "target_unit_ids")) {
        if ((e = insp_units_parse(c, json_object_get(b, "target_unit_ids"), "target_unit_ids", gov.path, 50, &targets,
                                  &tpaths, &nt)))
            return e;
    } else if (en.id) {
        targets = en.targets;
        tpaths = en.target_paths;
        nt = en.ntargets;
    } else {
        return ctx_fail(c, ERR_INVALID, "请选择督查对象（target_unit_ids）");
    }
    if (jv_has(b, "organiser_unit_ids") || !en.id) {
        if ((e = organisers_parse(c, json_object_get(b, "organiser_unit_ids"), &gov, &orgs, &opaths, &no)))
            return e;
    } else {
        json_t *arr = json_array();
        json_array_append_new(arr, json_integer(en.organiser_unit_id));
        for (const char *s = en.co_organisers; s && *s;) {
            while (*s == ',')
                s++;
            if (!*s)
                break;
            char *endp;
            json_array_append_new(arr, json_integer(strtoll(s, &endp, 10)));
            s = endp;
        }
        e = organisers_parse(c, arr, &gov, &orgs, &opaths, &no);
        json_decref(arr);
        if (e)
            return e;
    }
    if ((e = check_sides(c, targets, nt, orgs, no)))
        return e;
    int64_t entrusted = jv_int(b, "entrusted_unit_id", 0);
    if (entrusted) {
        struct insp_unit u;
        if ((e = insp_unit(c, entrusted, "entrusted_unit_id", &u)))
            return e;
        if (!insp_within(u.path, gov.path))
            return ctx_fail(c, ERR_INVALID, "受委托单位（entrusted_unit_id）应为%s所属单位", gov.name);
    }
    char at[21];
    time_format_iso(c->now, at);
    e = db_one_int(
        c->db, &x->id,
        "INSERT INTO inspections (office_unit_id, office_path, year, subject, matters, kind, methods, covert, "
        "basis, basis_ref, plan_entry_id, start_date, end_date, designation, entrusted_unit_id, task_force, "
        "scheme_content, scheme_scope, state, created_by, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?) RETURNING id",
        DB_INT(gov.id), DB_TEXT(gov.path), DB_INT(insp_year(start)), DB_TEXT(subject),
        DB_TEXT(body_or(b, "matters", en.matters ? en.matters : "")), DB_TEXT(kind), DB_TEXT(methods),
        DB_INT(insp_has_method(methods, "covert")), DB_TEXT(basis), DB_TEXT(basis_ref), DB_INT_IF(en.id, en.id),
        DB_TEXT(start), DB_TEXT(end), DB_TEXT(body_or(b, "designation", "")), DB_INT_IF(entrusted, entrusted),
        DB_INT(jv_bool(b, "task_force", false)), DB_TEXT(body_or(b, "scheme_content", "")),
        DB_TEXT(body_or(b, "scheme_scope", "")), DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at),
        DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "创建督查");
    struct insp it = {.id = x->id};
    if ((e = insp_targets_set(c, &it, targets, tpaths, nt, false)) || (e = organisers_set(c, x->id, orgs, opaths, no)))
        return e;
    if ((e = insp_add_origin(c, x->id, basis, basis_ref, en.id, en.id ? en.subject : "")))
        return e;
    if (en.id &&
        (e = db_exec(c->db, "UPDATE insp_entries SET inspection_id = ? WHERE id = ?", DB_INT(x->id), DB_INT(en.id))))
        return ctx_db_fail(c, e, "创建督查");
    if ((e = insp_dup_index(c, "inspection", x->id, targets, nt, start, end)) ||
        (e = insp_event(c, "inspection", x->id, "transition", "create", NULL, "draft", 0, 0, subject, b)) ||
        (e = audit_record(c, "inspection.create", "inspection", x->id, (json_t *)b)))
        return e;
    return insp_sync(c, &insp_workflow, x->id);
}

/* True when the text ends a sentence itself (。！？ or . ! ?): the office's reason is then not given a second stop */
static bool ends_sentence(const char *s)
{
    static const char *const stops[] = {"。", "！", "？", ".", "!", "?"};
    size_t n = s ? strlen(s) : 0;
    for (size_t i = 0; i < sizeof stops / sizeof *stops; i++) {
        size_t k = strlen(stops[i]);
        if (n >= k && !memcmp(s + n - k, stops[i], k))
            return true;
    }
    return false;
}

enum err insp_escalated(struct ctx *c, const struct escalation *x, int64_t *inspection_id)
{
    char today[11], start[11], end[11];
    insp_today(c, today);
    enum err e;
    if ((e = insp_due_after(c, today, 3, true, start)) || (e = insp_due_after(c, start, 10, true, end)))
        return e;
    json_t *units = json_array();
    for (int i = 0; i < x->nunits; i++)
        json_array_append_new(units, json_integer(x->unit_ids[i]));
    const char *ref =
        arena_printf(c->arena, "%s《%s》", x->number ? x->number : "", utf8_inner_title(c->arena, x->title));
    json_t *b =
        json_pack("{ss ss ss s[s] ss ss so ss ss sI}", "subject",
                  arena_printf(c->arena, "%s（列入督查事项）", x->title), "matters",
                  arena_printf(c->arena, "督办事项%s列入督查事项：%s%s拟开展个案督查，查明未按期办结的原因，推动落实。",
                               ref, x->reason, ends_sentence(x->reason) ? "" : "。"),
                  "kind", "case", "methods", "onsite", "basis", "proposal", "basis_ref", ref, "target_unit_ids", units,
                  "start_date", start, "end_date", end, "office_unit_id", (json_int_t)x->office_unit_id);
    /* on the system's authority: the escalation was authorized; the office completes the proposal */
    const struct principal *user = c->user;
    const struct grant *acting = c->acting;
    c->user = NULL;
    struct create_args a = {b, 0};
    e = create_tx(c, &a);
    c->user = user;
    c->acting = acting;
    json_decref(b);
    if (e)
        return e;
    if ((e = insp_add_origin(c, a.id, x->object_type, ref, x->object_id, x->reason)))
        return e;
    *inspection_id = a.id;
    return insp_sync(c, &insp_workflow, a.id);
}

enum err insp_add_origin(struct ctx *c, int64_t id, const char *kind, const char *ref, int64_t ref_id, const char *note)
{
    char at[21];
    time_format_iso(c->now, at);
    enum err e = db_exec(
        c->db,
        "INSERT INTO insp_origins (inspection_id, kind, ref, ref_id, note, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        DB_INT(id), DB_TEXT(kind), DB_TEXT(ref ? ref : ""), DB_INT_IF(ref_id, ref_id), DB_TEXT(note ? note : ""),
        DB_TEXT(at));
    return e ? ctx_db_fail(c, e, "记录督查来源") : ERR_OK;
}

enum err insp_create_in(struct ctx *c, const json_t *body, int64_t *id)
{
    struct create_args x = {body, 0};
    enum err e = create_tx(c, &x);
    *id = x.id;
    return e;
}

enum err insp_create(struct ctx *c, const json_t *body, json_t **out)
{
    struct create_args x = {body, 0};
    enum err e = ctx_tx(c, "创建督查", create_tx, &x);
    if (e)
        return e;
    struct insp it;
    if ((e = insp_load_visible(c, x.id, &it)))
        return e;
    int64_t *units = arena_alloc(c->arena, sizeof *units * (size_t)(it.ntargets + 1));
    for (int i = 0; i < it.ntargets; i++)
        units[i] = it.targets[i].unit_id;
    struct dup_probe p = {it.subject,  it.matters,   it.start_date, it.end_date,   units,
                          it.ntargets, "inspection", it.id,         it.office_path};
    json_t *dups, *burden;
    if ((e = insp_dup_find(c, &p, &dups)))
        return e;
    if ((e = insp_burden_warnings(c, units, it.ntargets, it.start_date, it.end_date, it.id, 0, NULL, &burden))) {
        json_decref(dups);
        return e;
    }
    *out = insp_json(c, &it);
    json_object_set_new(*out, "duplicates", dups);
    json_object_set_new(*out, "burden_warnings", burden);
    return ERR_OK;
}

/* ---- changing the draft and the scheme ---- */

struct update_args {
    int64_t id;
    const json_t *body;
};

static enum err update_tx(struct ctx *c, void *arg)
{
    struct update_args *x = arg;
    const json_t *b = x->body;
    struct insp it;
    enum err e = insp_load_visible(c, x->id, &it);
    if (e || (e = perm_require_item(c, CAP_INSP_MANAGE, &it.scope, it.office_path, INSP_WHAT)))
        return e;
    if (jv_has(b, "version") && jv_int(b, "version", 0) != it.version)
        return ctx_fail(c, ERR_CONFLICT, "督查已被他人修改（当前版本 %" PRId64 "），请刷新后重试", it.version);
    bool editable = it.state == INSP_ST_DRAFT || it.state == INSP_ST_OPENED;
    if (!editable)
        return ctx_fail(c, ERR_CONFLICT, "只有草稿或已立项待制定方案的督查可以修改（当前状态「%s」）",
                        wf_state_label(&insp_workflow, it.state));
    if ((e = insp_lock(c, &it)))
        return e;
    struct insp_unit gov = {.id = it.office_unit_id, .path = it.office_path, .name = it.office_name};
    const char *methods = it.methods;
    if (jv_has(b, "methods") && (e = insp_methods_parse(c, json_object_get(b, "methods"), "methods", &methods)))
        return e;
    const char *kind = body_or(b, "kind", it.kind);
    if (!insp_kind_valid(kind))
        return ctx_fail(c, ERR_INVALID, "督查类型（kind）应为 comprehensive、special、case、routine 或 clue");
    const char *start = body_or(b, "start_date", it.start_date), *end = body_or(b, "end_date", it.end_date);
    if (strcmp(start, end) > 0)
        return ctx_fail(c, ERR_INVALID, "开始日期（start_date）不能晚于结束日期（end_date）");
    /* after opening the year is fixed: it counts against that year's cap */
    if (it.state != INSP_ST_DRAFT && insp_year(start) != it.year)
        return ctx_fail(c, ERR_INVALID, "已立项的督查不能改到其他年度（start_date）");
    int64_t *targets = NULL, *orgs = NULL;
    const char **tpaths = NULL, **opaths = NULL;
    int nt = -1, no = -1;
    if (jv_has(b, "target_unit_ids") &&
        (e = insp_units_parse(c, json_object_get(b, "target_unit_ids"), "target_unit_ids", it.office_path, 50, &targets,
                              &tpaths, &nt)))
        return e;
    if (jv_has(b, "organiser_unit_ids") &&
        (e = organisers_parse(c, json_object_get(b, "organiser_unit_ids"), &gov, &orgs, &opaths, &no)))
        return e;
    {
        /* the sides as they will be */
        int ntt = nt >= 0 ? nt : it.ntargets, noo = no >= 0 ? no : it.norgs;
        int64_t *tt = targets, *oo = orgs;
        if (nt < 0) {
            tt = arena_alloc(c->arena, sizeof *tt * (size_t)(it.ntargets + 1));
            for (int i = 0; i < it.ntargets; i++)
                tt[i] = it.targets[i].unit_id;
        }
        if (no < 0) {
            oo = arena_alloc(c->arena, sizeof *oo * (size_t)(it.norgs + 1));
            for (int i = 0; i < it.norgs; i++)
                oo[i] = it.orgs[i].unit_id;
        }
        if ((e = check_sides(c, tt, ntt, oo, noo)))
            return e;
    }
    json_t *ent = json_object_get(b, "entrusted_unit_id");
    int64_t entrusted = ent ? (json_is_integer(ent) ? json_integer_value(ent) : 0) : it.entrusted_unit_id;
    if (entrusted && entrusted != it.entrusted_unit_id) {
        struct insp_unit u;
        if ((e = insp_unit(c, entrusted, "entrusted_unit_id", &u)))
            return e;
        if (!insp_within(u.path, it.office_path))
            return ctx_fail(c, ERR_INVALID, "受委托单位（entrusted_unit_id）应为%s所属单位", it.office_name);
    }
    char at[21];
    time_format_iso(c->now, at);
    e = db_exec(c->db,
                "UPDATE inspections SET subject = ?, matters = ?, kind = ?, methods = ?, covert = ?, basis_ref = ?, "
                "start_date = ?, end_date = ?, year = ?, designation = ?, entrusted_unit_id = ?, task_force = ?, "
                "scheme_content = ?, scheme_scope = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                DB_TEXT(body_or(b, "subject", it.subject)), DB_TEXT(body_or(b, "matters", it.matters)), DB_TEXT(kind),
                DB_TEXT(methods), DB_INT(insp_has_method(methods, "covert")),
                DB_TEXT(body_or(b, "basis_ref", it.basis_ref)), DB_TEXT(start), DB_TEXT(end), DB_INT(insp_year(start)),
                DB_TEXT(body_or(b, "designation", it.designation)), DB_INT_IF(entrusted, entrusted),
                DB_INT(jv_bool(b, "task_force", it.task_force)),
                DB_TEXT(body_or(b, "scheme_content", it.scheme_content)),
                DB_TEXT(body_or(b, "scheme_scope", it.scheme_scope)), DB_TEXT(at), DB_INT(it.id));
    if (e)
        return ctx_db_fail(c, e, "修改督查");
    if (nt >= 0 && (e = insp_targets_set(c, &it, targets, tpaths, nt, false)))
        return e;
    if (no >= 0 && (e = organisers_set(c, it.id, orgs, opaths, no)))
        return e;
    struct insp now;
    if ((e = insp_load(c, it.id, &now)) || (e = insp_dup_refresh(c, &now)) ||
        (e = insp_event(c, "inspection", it.id, "update", "update", NULL, NULL, 0, 0, "修改督查事项和督查方案", b)) ||
        (e = audit_record(c, "inspection.update", "inspection", it.id, (json_t *)b)))
        return e;
    return insp_sync(c, &insp_workflow, it.id);
}

enum err insp_update(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    struct update_args x = {id, body};
    enum err e = ctx_tx(c, "修改督查", update_tx, &x);
    return e ? e : insp_get(c, id, out);
}

enum err insp_act(struct ctx *c, int64_t id, const char *action, const json_t *body, json_t **out)
{
    return insp_act_named(c, &insp_workflow, id, action, body, insp_get, out);
}

/* ---- the team ---- */

const struct jv_field insp_team_spec[] = {
    {"version", JV_INT, 0, 0, 0},
    {"leader_id", JV_INT, JV_NULLABLE, 1, INT64_MAX},
    {"members", JV_OBJECT_ARRAY, 0, 0, 40},
    {"evaluator_unit_ids", JV_INT_ARRAY, 0, 0, 10},
    {NULL, 0, 0, 0, 0},
};

static const struct jv_field member_spec[] = {
    {"inspector_id", JV_INT, 0, 1, INT64_MAX},
    {"user_id", JV_INT, 0, 1, INT64_MAX},
    {"role", JV_STRING, 0, 1, 20},
    {"note", JV_STRING, 0, 0, 500},
    {NULL, 0, 0, 0, 0},
};

/* A person on the team must not hold a role at one of the targets (回避). */
static enum err not_a_target(struct ctx *c, const struct insp *it, int64_t user_id, const char *name)
{
    for (int i = 0; user_id && i < it->ntargets; i++) {
        int64_t one = 0;
        enum err e = db_one_int(c->db, &one,
                                "SELECT 1 FROM user_roles r JOIN units u ON u.id = r.unit_id WHERE r.user_id = ? "
                                "AND u.path >= ? AND u.path < ? LIMIT 1",
                                DB_INT(user_id), DB_TEXT(it->targets[i].unit_path),
                                DB_TEXT(perm_path_upper(c->arena, it->targets[i].unit_path)));
        if (!e && one)
            return ctx_fail(c, ERR_CONFLICT, "%s在被督查单位“%s”任职，应当回避，不能参加本次督查", name,
                            it->targets[i].unit_name);
    }
    return ERR_OK;
}

struct team_args {
    int64_t id;
    const json_t *body;
};

static enum err add_member(struct ctx *c, struct insp *it, const json_t *m, const char *at)
{
    char msg[200];
    enum err e = jv_check(m, member_spec, msg, sizeof msg);
    if (e)
        return ctx_fail(c, e, "督查组成员（members）：%s", msg);
    const char *role = jv_str(m, "role") ? jv_str(m, "role") : "member";
    if (strcmp(role, "member") && strcmp(role, "outside"))
        return ctx_fail(c, ERR_INVALID, "督查组成员的角色（role）应为 member（成员）或 outside（特邀人员）");
    int64_t inspector = jv_int(m, "inspector_id", 0), user = jv_int(m, "user_id", 0);
    const char *name = NULL;
    if (inspector) {
        const char *path = NULL;
        int64_t uid = 0, active = 0;
        struct stmt *st =
            db_query(c->db, "SELECT name, unit_path, COALESCE(user_id, 0), active FROM inspectors WHERE id = ?",
                     DB_INT(inspector));
        if (st && stmt_step(st) == STORE_ROW) {
            name = insp_col(c, st, 0);
            path = insp_col(c, st, 1);
            uid = stmt_int(st, 2);
            active = stmt_int(st, 3);
        }
        if (st)
            stmt_done(st);
        /* the roster of this government or of one above it */
        if (!name || !insp_within(it->office_path, path))
            return ctx_fail(c, ERR_INVALID, "督查员名录中没有编号为 %" PRId64 " 的人员（inspector_id）", inspector);
        if (!active)
            return ctx_fail(c, ERR_CONFLICT, "%s已不在督查员名录的在册人员中", name);
        user = uid;
    } else if (user) {
        struct stmt *st = db_query(c->db,
                                   "SELECT u.name, un.path FROM users u JOIN units un ON un.id = u.unit_id "
                                   "WHERE u.id = ? AND u.disabled = 0",
                                   DB_INT(user));
        const char *path = NULL;
        if (st && stmt_step(st) == STORE_ROW) {
            name = insp_col(c, st, 0);
            path = insp_col(c, st, 1);
        }
        if (st)
            stmt_done(st);
        if (!name || (!insp_within(path, it->office_path) && !insp_within(it->office_path, path)))
            return ctx_fail(c, ERR_INVALID, "用户（user_id）不存在：%" PRId64, user);
    } else {
        return ctx_fail(c, ERR_INVALID, "督查组成员须指明督查员名录中的人员（inspector_id）或用户（user_id）");
    }
    if ((e = not_a_target(c, it, user, name)))
        return e;
    for (int i = 0; i < it->nteam; i++)
        if ((user && it->team[i].user_id == user) || (inspector && it->team[i].inspector_id == inspector))
            return ctx_fail(c, ERR_INVALID, "%s在督查组中重复出现", name);
    e = db_exec(c->db,
                "INSERT INTO insp_team (inspection_id, role, inspector_id, user_id, name, note, added_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                DB_INT(it->id), DB_TEXT(role), DB_INT_IF(inspector, inspector), DB_INT_IF(user, user), DB_TEXT(name),
                DB_TEXT(jv_str(m, "note") ? jv_str(m, "note") : ""), DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "保存督查组");
    if (it->nteam >= 63)
        return ctx_fail(c, ERR_INVALID, "督查组成员过多（最多 60 人）");
    it->team[it->nteam++] = (struct insp_member){0, inspector, user, 0, role, name, "", ""};
    return ERR_OK;
}

static enum err team_tx(struct ctx *c, void *arg)
{
    struct team_args *x = arg;
    const json_t *b = x->body;
    struct insp it;
    enum err e = insp_load_visible(c, x->id, &it);
    if (e || (e = perm_require_item(c, CAP_INSP_MANAGE, &it.scope, it.office_path, INSP_WHAT)))
        return e;
    if (jv_has(b, "version") && jv_int(b, "version", 0) != it.version)
        return ctx_fail(c, ERR_CONFLICT, "督查已被他人修改（当前版本 %" PRId64 "），请刷新后重试", it.version);
    if (it.state > INSP_ST_IN_PROGRESS)
        return ctx_fail(c, ERR_CONFLICT, "督查「%s」，不能再调整督查组", wf_state_label(&insp_workflow, it.state));
    if ((e = insp_lock(c, &it)))
        return e;
    /* after the scheme's approval the government's choice of leader stands */
    int64_t leader = it.team_leader_id;
    if (jv_has(b, "leader_id")) {
        int64_t want = jv_int(b, "leader_id", 0);
        if (it.scheme_approved_at && want != it.team_leader_id)
            return ctx_fail(c, ERR_CONFLICT, "督查组组长由政府在批准督查方案时指定，批准后不能更换");
        leader = want;
    }
    char at[21];
    time_format_iso(c->now, at);
    if ((e = ctx_db_fail(c, db_exec(c->db, "DELETE FROM insp_team WHERE inspection_id = ?", DB_INT(it.id)),
                         "保存督查组")))
        return e;
    it.team = NULL;
    it.nteam = 0;
    if (leader) {
        const char *name = insp_user_name(c, leader);
        if (!*name)
            return ctx_fail(c, ERR_INVALID, "用户（leader_id）不存在：%" PRId64, leader);
        if ((e = not_a_target(c, &it, leader, name)))
            return e;
        e = db_exec(
            c->db, "INSERT INTO insp_team (inspection_id, role, user_id, name, added_at) VALUES (?, 'leader', ?, ?, ?)",
            DB_INT(it.id), DB_INT(leader), DB_TEXT(name), DB_TEXT(at));
        if (e)
            return ctx_db_fail(c, e, "保存督查组");
        it.team = arena_alloc(c->arena, sizeof *it.team * 64);
        it.team[it.nteam++] = (struct insp_member){0, 0, leader, 0, "leader", name, "", ""};
    } else {
        it.team = arena_alloc(c->arena, sizeof *it.team * 64);
    }
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(b, "members"), i, m)
    {
        if (!json_is_object(m))
            return ctx_fail(c, ERR_INVALID, "督查组成员（members）应为对象数组");
        if ((e = add_member(c, &it, m, at)))
            return e;
    }
    int nev;
    int64_t *ev = insp_int_array(c, json_object_get(b, "evaluator_unit_ids"), &nev);
    for (int k = 0; k < nev; k++) {
        struct insp_unit u;
        if ((e = insp_unit(c, ev[k], "evaluator_unit_ids", &u)))
            return e;
        if (strcmp(u.kind, "external"))
            return ctx_fail(c, ERR_INVALID, "第三方评估机构（evaluator_unit_ids）应为外部机构：%s", u.name);
        e = db_exec(
            c->db,
            "INSERT INTO insp_team (inspection_id, role, unit_id, name, added_at) VALUES (?, 'evaluator', ?, ?, ?)",
            DB_INT(it.id), DB_INT(u.id), DB_TEXT(u.name), DB_TEXT(at));
        if (e)
            return ctx_db_fail(c, e, "保存督查组");
    }
    e = db_exec(c->db, "UPDATE inspections SET team_leader_id = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                DB_INT_IF(leader, leader), DB_TEXT(at), DB_INT(it.id));
    if (e)
        return ctx_db_fail(c, e, "保存督查组");
    if ((e = insp_event(c, "inspection", it.id, "team", "team", NULL, NULL, 0, 0, "调整督查组", b)) ||
        (e = audit_record(c, "inspection.team", "inspection", it.id, (json_t *)b)))
        return e;
    return insp_sync(c, &insp_workflow, it.id);
}

enum err insp_team_put(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    struct team_args x = {id, body};
    enum err e = ctx_tx(c, "调整督查组", team_tx, &x);
    return e ? e : insp_get(c, id, out);
}

/* ---- the list ---- */

/* The visibility of perm_item_visible in SQL over inspections i (see the file comment). Appends the
 * condition to *sql and its values to b (*nb). */
struct binds {
    struct db_bind *v;
    int n, cap;
};

static void bind_add(struct ctx *c, struct binds *b, struct db_bind v)
{
    b->v = arena_grow(c->arena, b->v, b->n, &b->cap, sizeof *b->v);
    b->v[b->n++] = v;
}

/* The ancestors-or-self of every path in paths (arena), each once. */
static const char **ancestors(struct ctx *c, const char **paths, int n, int *out_n)
{
    const char **out = NULL;
    int cap = 0, k = 0;
    for (int i = 0; i < n; i++)
        for (const char *p = paths[i] + 1; p && *p; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL) {
            const char *slash = strchr(p, '/');
            if (!slash)
                break;
            const char *a = arena_strndup(c->arena, paths[i], (size_t)(slash - paths[i] + 1));
            bool have = false;
            for (int j = 0; j < k && !have; j++)
                have = !strcmp(out[j], a);
            if (!have) {
                out = arena_grow(c->arena, out, k, &cap, sizeof *out);
                out[k++] = a;
            }
            p = slash;
        }
    *out_n = k;
    return out;
}

static const char *in_list(struct ctx *c, struct binds *b, const char **v, int n)
{
    if (!n)
        return "(NULL)";
    const char *s = "(";
    for (int i = 0; i < n; i++) {
        s = arena_printf(c->arena, "%s%s?", s, i ? ", " : "");
        bind_add(c, b, DB_TEXT(v[i]));
    }
    return arena_printf(c->arena, "%s)", s);
}

static const char *visible_sql(struct ctx *c, struct binds *b)
{
    if (!c->user)
        return "1 = 1";
    const struct principal *u = c->user;
    int nr;
    const char **read = perm_scope_cap(c, CAP_INSP_READ, &nr);
    const char **grants = arena_alloc(c->arena, sizeof *grants * (size_t)(u->ngrants + 1));
    const char **read_grants = arena_alloc(c->arena, sizeof *read_grants * (size_t)(u->ngrants + 1));
    int nrg = 0;
    for (int i = 0; i < u->ngrants; i++) {
        grants[i] = u->grants[i].unit_path;
        if (perm_at(u, CAP_INSP_READ, u->grants[i].unit_path))
            read_grants[nrg++] = u->grants[i].unit_path;
    }
    int na, nra;
    const char **all_anc = ancestors(c, grants, u->ngrants, &na);
    const char **read_anc = ancestors(c, read_grants, nrg, &nra);
    /* hidden: a secret 暗访 with a target at or above one of the user's units */
    const char *s = "NOT (i.covert = 1 AND i.findings_issued_at IS NULL AND EXISTS (SELECT 1 FROM insp_targets ht "
                    "WHERE ht.inspection_id = i.id AND ht.unit_path IN ";
    s = arena_printf(c->arena, "%s%s)) AND (", s, in_list(c, b, all_anc, na));
    /* members: the team, the engaged evaluators */
    s = arena_printf(c->arena,
                     "%sEXISTS (SELECT 1 FROM insp_team m WHERE m.inspection_id = i.id AND (m.user_id = ? OR "
                     "(m.role = 'evaluator' AND m.unit_id IN (SELECT r.unit_id FROM user_roles r WHERE r.user_id = ? "
                     "AND r.role = 'evaluator'))))",
                     s);
    bind_add(c, b, DB_INT(u->id));
    bind_add(c, b, DB_INT(u->id));
    /* the office side, the targets once announced, the organising units */
    const char *targets = "", *orgs = "";
    for (int i = 0; i < nr; i++) {
        s = arena_printf(c->arena, "%s OR (i.office_path >= ? AND i.office_path < ?)", s);
        bind_add(c, b, DB_TEXT(read[i]));
        bind_add(c, b, DB_TEXT(perm_path_upper(c->arena, read[i])));
    }
    for (int i = 0; i < nr; i++)
        targets = arena_printf(c->arena, "%s%s(t.unit_path >= ? AND t.unit_path < ?)", targets, i ? " OR " : "");
    for (int i = 0; i < u->nportfolio && nr; i++)
        targets = arena_printf(c->arena, "%s OR (t.unit_path >= ? AND t.unit_path < ?)", targets);
    if (nr) {
        s = arena_printf(c->arena,
                         "%s OR ((i.findings_issued_at IS NOT NULL OR (i.covert = 0 AND i.started_at IS NOT NULL)) AND "
                         "EXISTS (SELECT 1 FROM insp_targets t WHERE t.inspection_id = i.id AND (%s)))",
                         s, targets);
        for (int i = 0; i < nr; i++) {
            bind_add(c, b, DB_TEXT(read[i]));
            bind_add(c, b, DB_TEXT(perm_path_upper(c->arena, read[i])));
        }
        for (int i = 0; i < u->nportfolio; i++) {
            bind_add(c, b, DB_TEXT(u->portfolio_paths[i]));
            bind_add(c, b, DB_TEXT(perm_path_upper(c->arena, u->portfolio_paths[i])));
        }
        for (int i = 0; i < nr; i++)
            orgs = arena_printf(c->arena, "%s OR (o.unit_path >= ? AND o.unit_path < ?)", orgs);
        s = arena_printf(c->arena,
                         "%s OR EXISTS (SELECT 1 FROM insp_organisers o WHERE o.inspection_id = i.id AND "
                         "o.unit_path <> i.office_path AND (o.unit_path IN %s%s))",
                         s, in_list(c, b, read_anc, nra), orgs);
        for (int i = 0; i < nr; i++) {
            bind_add(c, b, DB_TEXT(read[i]));
            bind_add(c, b, DB_TEXT(perm_path_upper(c->arena, read[i])));
        }
    }
    return arena_printf(c->arena, "%s)", s);
}

enum err insp_list(struct ctx *c, const struct insp_query *q, json_t **out)
{
    int s;
    /* a filter's value outside its list is refused, not answered with an empty list */
    if (q->state && *q->state && !wf_state_parse(&insp_workflow, q->state, &s))
        return ctx_fail(c, ERR_BAD_REQUEST, "状态（state）不是督查任务的状态（见 GET /api/v1/workflows）");
    if (q->kind && *q->kind && !insp_kind_valid(q->kind))
        return ctx_fail(
            c, ERR_BAD_REQUEST,
            "督查类别（kind）应为 comprehensive、special、case、routine 或 clue（见 GET /api/v1/inspections/meta）");
    if (q->basis && *q->basis && !*insp_basis_label(q->basis))
        return ctx_fail(c, ERR_BAD_REQUEST,
                        "督查依据（basis）应为 decision、instruction、proposal、plan 或 lookback（见 GET "
                        "/api/v1/inspections/meta）");
    struct binds b = {0};
    const char *where = visible_sql(c, &b);
    if (q->state && *q->state) {
        where = arena_printf(c->arena, "%s AND i.state = ?", where);
        bind_add(c, &b, DB_TEXT(q->state));
    }
    if (q->kind && *q->kind) {
        where = arena_printf(c->arena, "%s AND i.kind = ?", where);
        bind_add(c, &b, DB_TEXT(q->kind));
    }
    if (q->basis && *q->basis) {
        where = arena_printf(c->arena, "%s AND i.basis = ?", where);
        bind_add(c, &b, DB_TEXT(q->basis));
    }
    if (q->year) {
        where = arena_printf(c->arena, "%s AND i.year = ?", where);
        bind_add(c, &b, DB_INT(q->year));
    }
    if (q->q && *q->q) {
        where = arena_printf(c->arena, "%s AND (i.subject LIKE ? OR COALESCE(i.number, '') LIKE ?)", where);
        const char *like = arena_printf(c->arena, "%%%s%%", q->q);
        bind_add(c, &b, DB_TEXT(like));
        bind_add(c, &b, DB_TEXT(like));
    }
    if (q->unit_id) {
        const char *path = NULL;
        if (db_one_text(c->db, c->arena, &path, "SELECT path FROM units WHERE id = ?", DB_INT(q->unit_id)))
            path = "/none/";
        where = arena_printf(c->arena,
                             "%s AND EXISTS (SELECT 1 FROM insp_targets ut WHERE ut.inspection_id = i.id AND "
                             "ut.unit_path >= ? AND ut.unit_path < ?)",
                             where);
        bind_add(c, &b, DB_TEXT(path));
        bind_add(c, &b, DB_TEXT(perm_path_upper(c->arena, path)));
    }
    if (q->plan_id) {
        where =
            arena_printf(c->arena, "%s AND i.plan_entry_id IN (SELECT id FROM insp_entries WHERE plan_id = ?)", where);
        bind_add(c, &b, DB_INT(q->plan_id));
    }
    if (q->item_id) {
        where = arena_printf(c->arena,
                             "%s AND EXISTS (SELECT 1 FROM insp_origins og WHERE og.inspection_id = i.id AND "
                             "og.kind = 'item' AND og.ref_id = ?)",
                             where);
        bind_add(c, &b, DB_INT(q->item_id));
    }
    if (q->mine && c->user) {
        where = arena_printf(c->arena,
                             "%s AND (i.team_leader_id = ? OR EXISTS (SELECT 1 FROM insp_team mm WHERE "
                             "mm.inspection_id = i.id AND mm.user_id = ?))",
                             where);
        bind_add(c, &b, DB_INT(c->user->id));
        bind_add(c, &b, DB_INT(c->user->id));
    }
    if (q->filed)
        where = arena_printf(c->arena, "%s AND i.filed_at IS NOT NULL", where);
    if (q->unfiled)
        where = arena_printf(c->arena,
                             "%s AND i.filed_at IS NULL AND i.plan_entry_id IS NULL AND i.basis <> 'lookback' AND "
                             "i.state NOT IN ('draft', 'proposed', 'withdrawn', 'merged')",
                             where);
    int nb = b.n;
    bind_add(c, &b, (struct db_bind){DB_BIND_END_, 0, 0, NULL});
    int64_t total = 0;
    struct stmt *st =
        db_query_a(c->db, arena_printf(c->arena, "SELECT COUNT(*) FROM inspections i WHERE %s", where), b.v);
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取督查");
    if (stmt_step(st) == STORE_ROW)
        total = stmt_int(st, 0);
    stmt_done(st);
    b.n = nb;
    bind_add(c, &b, DB_INT(q->per_page));
    bind_add(c, &b, DB_INT((int64_t)(q->page - 1) * q->per_page));
    bind_add(c, &b, (struct db_bind){DB_BIND_END_, 0, 0, NULL});
    st = db_query_a(
        c->db,
        arena_printf(c->arena, "SELECT i.id FROM inspections i WHERE %s ORDER BY i.id DESC LIMIT ? OFFSET ?", where),
        b.v);
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取督查");
    int64_t ids[200];
    int n = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW && n < 200)
        ids[n++] = stmt_int(st, 0);
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取督查");
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        struct insp it;
        if (insp_load(c, ids[i], &it))
            continue;
        if (!perm_item_visible(c->user, &it.scope)) {
            log_error("inspection %" PRId64 " listed but not visible to %s", it.id, ctx_actor(c));
            continue;
        }
        int64_t open_tasks = count_of(c,
                                      "SELECT COUNT(*) FROM rect_tasks WHERE inspection_id = ? AND state NOT IN "
                                      "('verified', 'withdrawn')",
                                      it.id);
        json_t *tg = json_array();
        for (int k = 0; k < it.ntargets; k++)
            json_array_append_new(tg, json_pack("{sI ss}", "unit_id", (json_int_t)it.targets[k].unit_id, "name",
                                                it.targets[k].unit_name));
        json_array_append_new(
            arr, json_pack("{sI so ss ss ss so sb ss ss ss ss ss ss so so sI}", "id", (json_int_t)it.id, "number",
                           str_or_null(it.number), "subject", it.subject, "kind", it.kind, "kind_label",
                           insp_kind_label(it.kind), "methods", insp_methods_json(it.methods), "covert", it.covert,
                           "basis", it.basis, "state", insp_state_name(it.state), "state_label",
                           wf_state_label(&insp_workflow, it.state), "start_date", it.start_date, "end_date",
                           it.end_date, "office", it.office_name, "targets", tg, "team_leader",
                           it.team_leader_name ? json_string(it.team_leader_name) : json_null(), "open_tasks",
                           (json_int_t)open_tasks));
    }
    *out = json_pack("{so sI si si}", "inspections", arr, "total", (json_int_t)total, "page", q->page, "per_page",
                     q->per_page);
    return ERR_OK;
}

enum err insp_burden(struct ctx *c, int64_t year, int64_t unit_id, json_t **out)
{
    struct binds b = {0};
    const char *where = visible_sql(c, &b);
    if (!year) {
        char today[11];
        insp_today(c, today);
        year = insp_year(today);
    }
    where = arena_printf(c->arena, "%s AND i.year = ? AND i.state NOT IN ('draft', 'proposed', 'withdrawn', 'merged')",
                         where);
    bind_add(c, &b, DB_INT(year));
    const char *unit_cond = "";
    if (unit_id) {
        const char *path = NULL;
        if (db_one_text(c->db, c->arena, &path, "SELECT path FROM units WHERE id = ?", DB_INT(unit_id)))
            return ctx_fail(c, ERR_NOT_FOUND, "单位不存在或无权查看");
        unit_cond = " AND t.unit_path >= ? AND t.unit_path < ?";
        bind_add(c, &b, DB_TEXT(path));
        bind_add(c, &b, DB_TEXT(perm_path_upper(c->arena, path)));
    }
    /* the task count's year comes first in the SQL: rebind in order */
    struct binds b2 = {0};
    bind_add(c, &b2, DB_INT(year));
    for (int i = 0; i < b.n; i++)
        bind_add(c, &b2, b.v[i]);
    bind_add(c, &b2, (struct db_bind){DB_BIND_END_, 0, 0, NULL});
    struct stmt *st =
        db_query_a(c->db,
                   arena_printf(c->arena,
                                "SELECT t.unit_id, u.name, COUNT(DISTINCT i.id), "
                                "COUNT(DISTINCT CASE WHEN i.kind = 'comprehensive' THEN i.id END), "
                                "(SELECT COUNT(*) FROM rect_tasks r WHERE r.unit_id = t.unit_id AND r.inspection_id IN "
                                "(SELECT i2.id FROM inspections i2 WHERE i2.year = ?)) "
                                "FROM inspections i JOIN insp_targets t ON t.inspection_id = i.id "
                                "JOIN units u ON u.id = t.unit_id WHERE %s%s GROUP BY t.unit_id, u.name "
                                "ORDER BY COUNT(DISTINCT i.id) DESC, u.name LIMIT 500",
                                where, unit_cond),
                   b2.v);
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "统计督查负担");
    json_t *arr = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        json_array_append_new(arr,
                              json_pack("{sI ss sI sI sI}", "unit_id", (json_int_t)stmt_int(st, 0), "name",
                                        stmt_text(st, 1), "inspections", (json_int_t)stmt_int(st, 2), "comprehensive",
                                        (json_int_t)stmt_int(st, 3), "tasks", (json_int_t)stmt_int(st, 4)));
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "统计督查负担");
    }
    *out = json_pack("{sI so}", "year", (json_int_t)year, "units", arr);
    return ERR_OK;
}

/* ---- the timeline ---- */

/* A plan's event about one proposal (its part_id, or the entry a decision named) shows only to those who
 * see that proposal: a department sees its own, and nobody the 暗访 that targets them. */
static bool plan_event_visible(struct ctx *c, const struct plan *p, int64_t part_id, const json_t *data)
{
    int64_t entry = part_id;
    json_t *x = json_object_get(data, "entry_id");
    if (!entry && json_is_integer(x))
        entry = json_integer_value(x);
    x = json_object_get(json_object_get(data, "entry"), "id");
    if (!entry && json_is_integer(x))
        entry = json_integer_value(x);
    struct entry en;
    if (!entry || entry_load(c, entry, &en, NULL))
        return true;
    return entry_visible(c, p, &en);
}

enum err insp_events(struct ctx *c, const char *type, int64_t id, json_t **out)
{
    enum err e;
    struct plan pl;
    bool plan = !strcmp(type, "plan");
    if (!strcmp(type, "inspection")) {
        struct insp it;
        e = insp_load_visible(c, id, &it);
    } else if (plan) {
        e = plan_load(c, id, &pl);
        if (!e && !perm_item_visible(c->user, &pl.scope))
            e = ctx_fail(c, ERR_NOT_FOUND, "年度督查计划不存在或无权查看");
    } else if (!strcmp(type, "rectification")) {
        struct rect r;
        e = rect_load(c, id, &r);
        if (!e && !perm_item_visible(c->user, &r.scope))
            e = ctx_fail(c, ERR_NOT_FOUND, "整改任务不存在或无权查看");
    } else {
        struct review r;
        e = review_load(c, id, &r);
        if (!e && !perm_item_visible(c->user, &r.scope))
            e = ctx_fail(c, ERR_NOT_FOUND, "复核申请不存在或无权查看");
    }
    if (e)
        return e;
    struct stmt *st =
        db_query(c->db,
                 "SELECT id, at, actor, actor_name, kind, action, from_state, to_state, part_id, unit_id, "
                 "note, data FROM insp_events WHERE object_type = ? AND object_id = ? ORDER BY id",
                 DB_TEXT(type), DB_INT(id));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取办理过程");
    json_t *arr = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        json_t *data = json_loads(stmt_text(st, 11), 0, NULL);
        if (plan && !plan_event_visible(c, &pl, stmt_is_null(st, 8) ? 0 : stmt_int(st, 8), data)) {
            json_decref(data);
            continue;
        }
        json_array_append_new(arr,
                              json_pack("{sI ss ss ss ss ss so so so so ss so}", "id", (json_int_t)stmt_int(st, 0),
                                        "at", stmt_text(st, 1), "actor", stmt_text(st, 2), "actor_name",
                                        stmt_text(st, 3), "kind", stmt_text(st, 4), "action", stmt_text(st, 5), "from",
                                        str_or_null(stmt_text(st, 6)), "to", str_or_null(stmt_text(st, 7)), "part_id",
                                        stmt_is_null(st, 8) ? json_null() : json_integer(stmt_int(st, 8)), "unit_id",
                                        stmt_is_null(st, 9) ? json_null() : json_integer(stmt_int(st, 9)), "note",
                                        stmt_text(st, 10), "data", data ? data : json_object()));
    }
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "读取办理过程");
    }
    *out = arr;
    return ERR_OK;
}
