/*
 * insp_effects.c: what each action of the inspection workflow does besides changing the state (one small
 * function per action, registered in insp_effects[] for the engine): the caps and the number at opening,
 * filing, the team leader named with the scheme, the start, widenings, the findings issued as
 * rectification tasks, the conclusion, the targets' receipt, the report, closing, withdrawal, merging
 * and joining. The engine (src/workflow) calls them inside the action's transaction.
 */
#include "inspections/insp_internal.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "base/utf8.h"
#include "core/hooks.h"
#include "notify/notify.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void now_iso(struct ctx *c, char at[21])
{
    time_format_iso(c->now, at);
}

static int64_t actor(struct ctx *c)
{
    return c->user ? c->user->id : 0;
}

/* The caps for opening it (the total for an inspection outside the plan, the comprehensive-once rule). */
static enum err caps(struct wf_act *a, bool approve)
{
    struct ctx *c = a->c;
    struct insp *it = insp_of(a->obj);
    int64_t *orgs = arena_alloc(c->arena, sizeof *orgs * (size_t)(it->norgs + 1));
    int64_t *tgts = arena_alloc(c->arena, sizeof *tgts * (size_t)(it->ntargets + 1));
    for (int i = 0; i < it->norgs; i++)
        orgs[i] = it->orgs[i].unit_id;
    for (int i = 0; i < it->ntargets; i++)
        tgts[i] = it->targets[i].unit_id;
    bool unplanned = !it->plan_entry_id && strcmp(it->basis, "lookback");
    struct caps_check k = {.office_unit_id = it->office_unit_id,
                           .year = (int)it->year,
                           .adding = 1,
                           .rules = (unplanned ? CAPS_TOTAL | CAPS_UNIT : 0) | CAPS_COMPREHENSIVE,
                           .kind = it->kind,
                           .organisers = orgs,
                           .norganisers = it->norgs,
                           .targets = tgts,
                           .ntargets = it->ntargets,
                           .object_type = "inspection",
                           .object_id = it->id,
                           .self_entry = it->plan_entry_id,
                           .reason = a->action == INSP_ACT_OPEN ? NULL : jv_str(a->body, "exception_reason"),
                           .approve = approve};
    return insp_caps_check(c, &k);
}

/* The number (古督查〔2026〕3号), at opening. */
static enum err number(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct insp *it = insp_of(a->obj);
    if (it->number)
        return ERR_OK;
    int64_t seq;
    enum err e = insp_number(c, it->office_unit_id, it->office_path, "督查", (int)it->year, &it->number, &seq);
    if (!e)
        e = ctx_db_fail(c,
                        db_exec(c->db, "UPDATE inspections SET number = ?, num_year = ?, num_seq = ? WHERE id = ?",
                                DB_TEXT(it->number), DB_INT(it->year), DB_INT(seq), DB_INT(it->id)),
                        "分配编号");
    if (!e)
        json_object_set_new(a->data, "number", json_string(it->number));
    return e;
}

static enum err open_now(struct wf_act *a)
{
    enum err e = caps(a, false);
    return e ? e : number(a);
}

static enum err submit(struct wf_act *a)
{
    struct insp *it = insp_of(a->obj);
    if (!it->ntargets)
        return ctx_fail(a->c, ERR_INVALID, "请先选择督查对象（target_unit_ids）");
    return caps(a, false);
}

/* approve: the head's approval; an exception asked for (or given now) is approved and recorded. */
static enum err approve(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct insp *it = insp_of(a->obj);
    enum err e = caps(a, true);
    if (!e)
        e = insp_exceptions_decide(c, "inspection", it->id, true);
    if (!e)
        e = insp_add_origin(c, it->id, "approval", c->user ? c->user->name : "系统", c->user ? actor(c) : 0,
                            jv_str(a->body, "reason") ? jv_str(a->body, "reason") : "经政府主要领导批准");
    return e ? e : number(a);
}

static enum err return_proposal(struct wf_act *a)
{
    return insp_exceptions_decide(a->c, "inspection", insp_of(a->obj)->id, false);
}

/* file: with the government above; a top government keeps it on record. */
static enum err file(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct insp *it = insp_of(a->obj);
    char at[21];
    now_iso(c, at);
    struct insp_unit up = {0};
    const char *parent = NULL;
    db_one_text(c->db, c->arena, &parent,
                "SELECT pu.path FROM units u JOIN units pu ON pu.id = u.parent_id WHERE u.id = ?",
                DB_INT(it->office_unit_id));
    if (parent && insp_government_of(c, parent, &up))
        up.id = 0;
    c->err = ERR_OK;
    if (up.id)
        json_object_set_new(a->data, "filed_to", json_pack("{sI ss}", "id", (json_int_t)up.id, "name", up.name));
    return ctx_db_fail(c,
                       db_exec(c->db, "UPDATE inspections SET filed_at = ?, filed_to = ? WHERE id = ?", DB_TEXT(at),
                               DB_INT_IF(up.id, up.id), DB_INT(it->id)),
                       "备案");
}

/* approve_scheme: the government names the team leader (Art. 8); targets and scope freeze. */
static enum err approve_scheme(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct insp *it = insp_of(a->obj);
    int64_t leader = jv_int(a->body, "team_leader_id", it->team_leader_id);
    const char *name = insp_user_name(c, leader);
    char at[21];
    now_iso(c, at);
    /* the leader must not be one of the inspected */
    for (int i = 0; i < it->ntargets; i++) {
        int64_t one = 0;
        if (!db_one_int(c->db, &one,
                        "SELECT 1 FROM user_roles r JOIN units u ON u.id = r.unit_id WHERE r.user_id = ? "
                        "AND u.path >= ? AND u.path < ? LIMIT 1",
                        DB_INT(leader), DB_TEXT(it->targets[i].unit_path),
                        DB_TEXT(perm_path_upper(c->arena, it->targets[i].unit_path))) &&
            one)
            return ctx_fail(c, ERR_CONFLICT, "%s在被督查单位“%s”任职，应当回避，不能担任督查组组长", name,
                            it->targets[i].unit_name);
    }
    enum err e = db_exec(c->db, "UPDATE insp_team SET role = 'member' WHERE inspection_id = ? AND role = 'leader'",
                         DB_INT(it->id));
    int64_t row = 0;
    if (!e && db_one_int(c->db, &row, "SELECT id FROM insp_team WHERE inspection_id = ? AND user_id = ?",
                         DB_INT(it->id), DB_INT(leader)) == ERR_OK)
        e = db_exec(c->db, "UPDATE insp_team SET role = 'leader' WHERE id = ?", DB_INT(row));
    else if (!e)
        e = db_exec(
            c->db, "INSERT INTO insp_team (inspection_id, role, user_id, name, added_at) VALUES (?, 'leader', ?, ?, ?)",
            DB_INT(it->id), DB_INT(leader), DB_TEXT(name), DB_TEXT(at));
    if (!e)
        e = db_exec(
            c->db,
            "UPDATE inspections SET team_leader_id = ?, scheme_approved_at = ?, scheme_approved_by = ? WHERE id = ?",
            DB_INT(leader), DB_TEXT(at), DB_INT_IF(c->user, actor(c)), DB_INT(it->id));
    if (e)
        return ctx_db_fail(c, e, "批准督查方案");
    json_object_set_new(a->data, "team_leader", json_pack("{sI ss}", "id", (json_int_t)leader, "name", name));
    return ERR_OK;
}

static enum err start(struct wf_act *a)
{
    struct ctx *c = a->c;
    char at[21];
    now_iso(c, at);
    a->outcome = arena_printf(c->arena, "督查组将于%s至%s开展督查，请做好配合。",
                              time_date_words(c->arena, insp_of(a->obj)->start_date),
                              time_date_words(c->arena, insp_of(a->obj)->end_date));
    return ctx_db_fail(
        c, db_exec(c->db, "UPDATE inspections SET started_at = ? WHERE id = ?", DB_TEXT(at), DB_INT(a->obj->id)),
        "启动督查");
}

static enum err request_widening(struct wf_act *a)
{
    struct ctx *c = a->c;
    char at[21];
    now_iso(c, at);
    const char *list = ",";
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(a->body, "unit_ids"), i, v) list =
        arena_printf(c->arena, "%s%" PRId64 ",", list, (int64_t)json_integer_value(v));
    int64_t id = 0;
    enum err e =
        db_one_int(c->db, &id,
                   "INSERT INTO insp_widenings (inspection_id, unit_ids, scope, reason, state, requested_by, "
                   "requested_at) VALUES (?, ?, ?, ?, 'pending', ?, ?) RETURNING id",
                   DB_INT(a->obj->id), DB_TEXT(list), DB_TEXT(jv_str(a->body, "scope") ? jv_str(a->body, "scope") : ""),
                   DB_TEXT(jv_str(a->body, "reason")), DB_INT_IF(c->user, actor(c)), DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "保存扩大范围申请");
    json_object_set_new(a->data, "widening_id", json_integer(id));
    return ERR_OK;
}

/* decide_widening: approved targets join and the scope grows — recorded; refused, nothing changes. */
static enum err decide_widening(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct insp *it = insp_of(a->obj);
    bool ok = jv_bool(a->body, "approve", false);
    char at[21];
    now_iso(c, at);
    const char *list = NULL, *scope = NULL;
    int64_t wid = 0;
    struct stmt *st = db_query(c->db,
                               "SELECT id, unit_ids, scope FROM insp_widenings WHERE inspection_id = ? AND "
                               "state = 'pending'",
                               DB_INT(it->id));
    if (st && stmt_step(st) == STORE_ROW) {
        wid = stmt_int(st, 0);
        list = insp_col(c, st, 1);
        scope = insp_col(c, st, 2);
    }
    if (st)
        stmt_done(st);
    enum err e =
        db_exec(c->db, "UPDATE insp_widenings SET state = ?, decided_by = ?, decided_at = ?, note = ? WHERE id = ?",
                DB_TEXT(ok ? "approved" : "refused"), DB_INT_IF(c->user, actor(c)), DB_TEXT(at),
                DB_TEXT(jv_str(a->body, "reason") ? jv_str(a->body, "reason") : ""), DB_INT(wid));
    if (e)
        return ctx_db_fail(c, e, "审批扩大范围申请");
    json_object_set_new(a->data, "widening_id", json_integer(wid));
    a->outcome = ok ? "扩大督查范围的申请已批准。" : "扩大督查范围的申请未获批准。";
    if (!ok)
        return ERR_OK;
    int n = 0;
    int64_t units[64];
    const char *paths[64];
    json_t *added = json_array();
    for (const char *s = list; s && *s && n < 64;) {
        while (*s == ',')
            s++;
        if (!*s)
            break;
        char *end;
        units[n] = strtoll(s, &end, 10);
        s = end;
        struct insp_unit u;
        if (!insp_unit(c, units[n], "unit_ids", &u)) {
            paths[n++] = u.path;
            json_array_append_new(added, json_pack("{sI ss}", "id", (json_int_t)u.id, "name", u.name));
        }
    }
    json_object_set_new(a->data, "added_targets", added);
    /* the current targets stay; the new ones join (insp_targets_set adds, never drops once frozen) */
    if (n && (e = insp_targets_set(c, it, units, paths, n, true)))
        return e;
    if (scope && *scope) {
        e = db_exec(c->db, "UPDATE inspections SET scheme_scope = ? WHERE id = ?", DB_TEXT(scope), DB_INT(it->id));
        if (e)
            return ctx_db_fail(c, e, "扩大督查范围");
        json_object_set_new(a->data, "scope", json_string(scope));
    }
    struct insp now;
    if ((e = insp_load(c, it->id, &now)))
        return e;
    return insp_dup_refresh(c, &now);
}

static enum err submit_findings(struct wf_act *a)
{
    int64_t n = 0;
    db_one_int(a->c->db, &n, "SELECT COUNT(*) FROM insp_findings WHERE inspection_id = ? AND state = 'draft'",
               DB_INT(a->obj->id));
    json_object_set_new(a->data, "findings", json_integer(n));
    return ERR_OK;
}

static enum err issue_findings(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct insp *it = insp_of(a->obj);
    char at[21];
    now_iso(c, at);
    enum err e = insp_findings_issue(c, it);
    if (!e)
        e = ctx_db_fail(
            c,
            db_exec(c->db, "UPDATE inspections SET findings_issued_at = ? WHERE id = ?", DB_TEXT(at), DB_INT(it->id)),
            "反馈问题");
    int64_t n = 0;
    db_one_int(c->db, &n, "SELECT COUNT(*) FROM rect_tasks WHERE inspection_id = ?", DB_INT(it->id));
    json_object_set_new(a->data, "tasks", json_integer(n));
    a->outcome = n ? arena_printf(c->arena, "督查发现问题 %" PRId64 " 个，已交办整改，请按期整改到位。", n)
                   : "本次督查未发现需要整改的问题。";
    return e;
}

/* issue_conclusion: numbered and dated; each target must sign for it. */
static enum err issue_conclusion(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct insp *it = insp_of(a->obj);
    char today[11];
    insp_today(c, today);
    const char *num;
    int64_t seq;
    enum err e = insp_number(c, it->office_unit_id, it->office_path, "政督", (int)it->year, &num, &seq);
    if (!e)
        e = db_exec(c->db,
                    "UPDATE inspections SET conclusion_number = ?, conclusion_text = ?, conclusion_date = ?, "
                    "conclusion_by = ? WHERE id = ?",
                    DB_TEXT(num), DB_TEXT(jv_str(a->body, "text")), DB_TEXT(today), DB_INT_IF(c->user, actor(c)),
                    DB_INT(it->id));
    if (!e)
        e = db_exec(c->db, "UPDATE insp_targets SET state = 'concluded' WHERE inspection_id = ?", DB_INT(it->id));
    if (e)
        return ctx_db_fail(c, e, "出具督查结论");
    json_object_set_new(a->data, "conclusion_number", json_string(num));
    /* the 督查室's seal over it (the government's own when it has no office unit): the row authorized it */
    int64_t seal_unit = it->office_unit_id;
    const char *seal_name = it->office_name;
    struct stmt *st =
        db_query(c->db, "SELECT id, name FROM units WHERE parent_id = ? AND kind = 'office' ORDER BY id LIMIT 1",
                 DB_INT(it->office_unit_id));
    if (st && stmt_step(st) == STORE_ROW) {
        seal_unit = stmt_int(st, 0);
        seal_name = insp_col(c, st, 1);
    }
    if (st)
        stmt_done(st);
    if ((e = hooks_seal_reply(c, &(struct doc_reply){"inspection", it->id, num, it->subject, seal_unit, seal_name,
                                                     jv_str(a->body, "text"), true})))
        return e;
    a->outcome = arena_printf(c->arena, "督查结论（%s）已出具，请签收；如有异议，可自收到之日起申请复核。", num);
    return ERR_OK;
}

static enum err receive_conclusion(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct insp *it = insp_of(a->obj);
    struct insp_target *t = &it->targets[a->part];
    char at[21];
    now_iso(c, at);
    t->state = a->part_to;
    t->received_at = arena_strdup(c->arena, at);
    return ctx_db_fail(
        c,
        db_exec(c->db, "UPDATE insp_targets SET state = ?, received_at = ?, received_by = ? WHERE id = ?",
                DB_TEXT(insp_state_name(a->part_to)), DB_TEXT(at), DB_INT_IF(c->user, actor(c)), DB_INT(t->id)),
        "签收督查结论");
}

static enum err send_report(struct wf_act *a)
{
    char at[21];
    now_iso(a->c, at);
    return ctx_db_fail(
        a->c,
        db_exec(a->c->db, "UPDATE inspections SET report_sent_at = ? WHERE id = ?", DB_TEXT(at), DB_INT(a->obj->id)),
        "报送督查报告");
}

static enum err close_now(struct wf_act *a)
{
    char at[21];
    now_iso(a->c, at);
    return ctx_db_fail(
        a->c, db_exec(a->c->db, "UPDATE inspections SET closed_at = ? WHERE id = ?", DB_TEXT(at), DB_INT(a->obj->id)),
        "办结督查");
}

/* Leaves the no-duplication index (and lets its plan entry be opened again). */
static enum err retire(struct ctx *c, struct insp *it)
{
    enum err e = insp_dup_index(c, "inspection", it->id, NULL, 0, NULL, NULL);
    if (!e && it->plan_entry_id)
        e = ctx_db_fail(
            c, db_exec(c->db, "UPDATE insp_entries SET inspection_id = NULL WHERE id = ?", DB_INT(it->plan_entry_id)),
            "撤销督查");
    return e;
}

static enum err withdraw(struct wf_act *a)
{
    return retire(a->c, insp_of(a->obj));
}

/* merge or join: the other inspection keeps this one's origins; merge also takes its targets (the
 * other is not frozen: checked), join makes its organisers co-organisers (a joint inspection). */
static enum err fold(struct wf_act *a, bool merge)
{
    struct ctx *c = a->c;
    struct insp *it = insp_of(a->obj), into;
    int64_t into_id = jv_int(a->body, "into_id", 0);
    enum err e = insp_load(c, into_id, &into);
    if (e)
        return e;
    char at[21];
    now_iso(c, at);
    /* the origins go with it, and the fold itself is one */
    e = db_exec(
        c->db,
        "INSERT INTO insp_origins (inspection_id, kind, ref, ref_id, note, created_at) "
        "SELECT CAST(? AS BIGINT), kind, ref, ref_id, note, CAST(? AS TEXT) FROM insp_origins WHERE inspection_id = ?",
        DB_INT(into.id), DB_TEXT(at), DB_INT(it->id));
    if (!e)
        e = insp_add_origin(c, into.id, merge ? "merged" : "joined", it->number, it->id, it->subject);
    for (int i = 0; i < it->norgs && !e; i++)
        e = db_exec(c->db,
                    "INSERT INTO insp_organisers (inspection_id, unit_id, unit_path, lead, joined_from) "
                    "VALUES (?, ?, ?, 0, ?) ON CONFLICT (inspection_id, unit_id) DO NOTHING",
                    DB_INT(into.id), DB_INT(it->orgs[i].unit_id), DB_TEXT(it->orgs[i].unit_path), DB_INT(it->id));
    if (!e && merge) {
        int64_t *units = arena_alloc(c->arena, sizeof *units * (size_t)(it->ntargets + 1));
        const char **paths = arena_alloc(c->arena, sizeof *paths * (size_t)(it->ntargets + 1));
        for (int i = 0; i < it->ntargets; i++) {
            units[i] = it->targets[i].unit_id;
            paths[i] = it->targets[i].unit_path;
        }
        e = insp_targets_set(c, &into, units, paths, it->ntargets, true);
        if (!e && *it->matters)
            e = db_exec(c->db, "UPDATE inspections SET matters = matters || ? WHERE id = ?",
                        DB_TEXT(arena_printf(c->arena, "\n（合并自“%s”：%s）", it->subject, it->matters)),
                        DB_INT(into.id));
    }
    if (!e)
        e = db_exec(c->db, "UPDATE inspections SET merged_into = ?, updated_at = ? WHERE id = ?", DB_INT(into.id),
                    DB_TEXT(at), DB_INT(it->id));
    if (e)
        return ctx_db_fail(c, e, "合并督查");
    struct insp now;
    if ((e = retire(c, it)) || (e = insp_load(c, into.id, &now)) || (e = insp_dup_refresh(c, &now)))
        return e;
    json_object_set_new(a->data, "into",
                        json_pack("{sI so ss}", "id", (json_int_t)into.id, "number",
                                  into.number ? json_string(into.number) : json_null(), "subject", into.subject));
    json_t *sum =
        json_pack("{sI ss ss}", "from_id", (json_int_t)it->id, "subject", it->subject, "how", merge ? "merge" : "join");
    e = insp_event(c, "inspection", into.id, "origin", merge ? "merged_in" : "joined_in", NULL, NULL, 0, 0,
                   arena_printf(c->arena, "%s《%s》%s", it->number ? it->number : "",
                                utf8_inner_title(c->arena, it->subject), merge ? "并入本督查" : "作为联合督查并入"),
                   sum);
    if (!e)
        e = audit_record(c, merge ? "inspection.merged_in" : "inspection.joined_in", "inspection", into.id, sum);
    json_decref(sum);
    if (!e && !merge && strcmp(into.office_path, it->office_path)) {
        /* the other office hears that a joint organiser came */
        struct notice n = {.kind = MSG_NOTICE,
                           .object_type = "inspection",
                           .object_id = into.id,
                           .link = arena_printf(c->arena, insp_workflow.link, (long long)into.id)};
        n.subject = arena_printf(c->arena, "【联合督查】%s并入《%s》", it->office_name,
                                 utf8_inner_title(c->arena, into.subject));
        n.body = arena_printf(c->arena, "%s将其督查《%s》并入贵机构的督查《%s》，作为联合组织单位参加，避免重复督查。",
                              it->office_name, utf8_inner_title(c->arena, it->subject),
                              utf8_inner_title(c->arena, into.subject));
        e = notify_role_at(c, into.office_unit_id, "office", &n);
    }
    return e ? e : insp_sync(c, &insp_workflow, into.id);
}

static enum err merge(struct wf_act *a)
{
    return fold(a, true);
}

static enum err join(struct wf_act *a)
{
    return fold(a, false);
}

const struct wf_effect insp_effects[INSP_ACT__COUNT] = {
    [INSP_ACT_SUBMIT] = {submit, NULL},
    [INSP_ACT_APPROVE] = {approve, NULL},
    [INSP_ACT_RETURN] = {return_proposal, NULL},
    [INSP_ACT_OPEN] = {open_now, NULL},
    [INSP_ACT_FILE] = {file, NULL},
    [INSP_ACT_APPROVE_SCHEME] = {approve_scheme, NULL},
    [INSP_ACT_START] = {start, NULL},
    [INSP_ACT_START_COVERT] = {start, NULL},
    [INSP_ACT_REQUEST_WIDENING] = {request_widening, NULL},
    [INSP_ACT_DECIDE_WIDENING] = {decide_widening, NULL},
    [INSP_ACT_SUBMIT_FINDINGS] = {submit_findings, NULL},
    [INSP_ACT_ISSUE_FINDINGS] = {issue_findings, NULL},
    [INSP_ACT_ISSUE_CONCLUSION] = {issue_conclusion, NULL},
    [INSP_ACT_RECEIVE_CONCLUSION] = {receive_conclusion, NULL},
    [INSP_ACT_SEND_REPORT] = {send_report, NULL},
    [INSP_ACT_CLOSE] = {close_now, NULL},
    [INSP_ACT_WITHDRAW] = {withdraw, NULL},
    [INSP_ACT_MERGE] = {merge, NULL},
    [INSP_ACT_JOIN] = {join, NULL},
};
