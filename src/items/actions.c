/*
 * actions.c: the enforcement of the transition table (workflow.c): who may take which action on an
 * item now, and applying one action with everything it records (state, track, report, extension,
 * suspension, number), its timeline event and its audit record in one transaction. The scheduler
 * and the CLI (ctx->user == NULL, the system) go through the same items_act.
 */
#include "items/items_internal.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "core/hooks.h"
#include "core/counter.h"
#include "deadlines/deadlines.h"
#include "notify/notify.h"
#include "units/units.h"

#include <inttypes.h>
#include <string.h>

const struct jv_field items_action_spec[] = {
    {"version", JV_INT, 0, 0, 0},          {"reason", JV_STRING, 0, 0, 2000},
    {"text", JV_STRING, 0, 0, 10000},      {"new_date", JV_DATE, 0, 0, 0},
    {"plan_date", JV_DATE, 0, 0, 0},       {"grade", JV_STRING, 0, 0, 20},
    {"approve", JV_BOOL, 0, 0, 0},         {"percent", JV_INT, 0, 0, 100},
    {"track_id", JV_INT, 0, 1, INT64_MAX}, {NULL, 0, 0, 0, 0},
};

const struct jv_field items_report_spec[] = {
    {"text", JV_STRING, JV_REQUIRED, 1, 10000},
    {"percent", JV_INT, JV_REQUIRED, 0, 100},
    {"track_id", JV_INT, 0, 1, INT64_MAX},
    {"version", JV_INT, 0, 0, 0},
    {NULL, 0, 0, 0, 0},
};

/* The capability a row needs on this item (major items need the leader for some rows). */
static enum cap row_cap(const struct transition *t, const struct item *it)
{
    if ((t->flags & WF_MAJOR_DECIDE) && !strcmp(it->importance, "major"))
        return CAP_ITEM_DECIDE;
    return t->cap;
}

/* May the user take row t on this item at the given place (office path or a track's unit)? */
static bool user_fits(struct ctx *c, const struct transition *t, const struct item *it, const char *at)
{
    if (!c->user)
        return true;
    enum cap cap = row_cap(t, it);
    if (cap == CAP_ITEM_READ)
        return perm_item_visible(c->user, &it->scope);
    return perm_cap_role_at(c->user, cap, t->role, at);
}

bool item_may_ever(struct ctx *c, const struct item *it, enum item_action a)
{
    for (int i = 0; i < workflow_count; i++) {
        const struct transition *t = &workflow_table[i];
        if (t->action != a)
            continue;
        if (t->scope == WF_ITEM && user_fits(c, t, it, it->office_path))
            return true;
        for (int k = 0; t->scope == WF_TRACK && k < it->ntracks; k++)
            if (user_fits(c, t, it, it->tracks[k].unit_path))
                return true;
    }
    return false;
}

/* Preconditions beyond the state: a pending extension, the escalation flag. */
static int64_t pending_extension(struct ctx *c, int64_t item_id)
{
    int64_t id = 0;
    struct stmt *st = db_prepare(c->db, "SELECT id FROM item_extensions WHERE item_id = ? AND state = 'pending'");
    if (st) {
        stmt_bind_int(st, 1, item_id);
        stmt_one_int(st, &id);
    }
    return id;
}

static bool precondition(struct ctx *c, const struct item *it, enum item_action a)
{
    switch (a) {
    case ACT_DECIDE_EXTENSION:
        return pending_extension(c, it->id) != 0;
    case ACT_REQUEST_EXTENSION:
        return pending_extension(c, it->id) == 0;
    case ACT_ESCALATE:
        return !it->escalated;
    default:
        return true;
    }
}

json_t *item_allowed_actions(struct ctx *c, const struct item *it, const struct track *track)
{
    json_t *arr = json_array();
    bool seen[ACT__COUNT] = {0};
    int64_t pending = -1;
    for (int i = 0; i < workflow_count; i++) {
        const struct transition *t = &workflow_table[i];
        if (seen[t->action])
            continue;
        bool ok = false;
        if (t->scope == WF_ITEM && !track) {
            ok = t->from == it->state && user_fits(c, t, it, it->office_path);
        } else if (t->scope == WF_TRACK && item_state_active(it->state)) {
            for (int k = 0; k < it->ntracks && !ok; k++) {
                const struct track *tr = &it->tracks[k];
                if ((!track || tr == track) && tr->state == t->from && user_fits(c, t, it, tr->unit_path))
                    ok = true;
            }
        }
        if (ok && (t->action == ACT_DECIDE_EXTENSION || t->action == ACT_REQUEST_EXTENSION)) {
            if (pending < 0)
                pending = pending_extension(c, it->id);
            ok = t->action == ACT_DECIDE_EXTENSION ? pending != 0 : pending == 0;
        } else if (ok) {
            ok = precondition(c, it, t->action);
        }
        if (ok) {
            seen[t->action] = true;
            json_array_append_new(arr, json_string(item_action_name(t->action)));
        }
    }
    return arr;
}

/* "已交办、已签收": the states in which this user may take the action (arena). */
static const char *states_allowing(struct ctx *c, const struct item *it, enum item_action a)
{
    char *s = "";
    for (int i = 0; i < workflow_count; i++) {
        const struct transition *t = &workflow_table[i];
        if (t->action != a)
            continue;
        bool fits = t->scope == WF_ITEM && user_fits(c, t, it, it->office_path);
        for (int k = 0; t->scope == WF_TRACK && k < it->ntracks && !fits; k++)
            fits = user_fits(c, t, it, it->tracks[k].unit_path);
        if (fits)
            s = arena_printf(c->arena, "%s%s「%s」", s, *s ? "、" : "", item_state_label(t->from));
    }
    return s;
}

struct act_args {
    int64_t id;
    enum item_action action;
    const json_t *body;
    int64_t report_id;
};

/* The least advanced track decides the item's state in the unit phase. */
static enum item_state rollup(const struct item *it)
{
    enum item_state s = ST_COMPLETION_SIGNED;
    for (int i = 0; i < it->ntracks; i++)
        if (it->tracks[i].state < s)
            s = it->tracks[i].state;
    return s;
}

/* Runs one UPDATE of the row's effects; failures are reported as "what". */
static enum err exec1(struct ctx *c, const char *sql, const char *what, const char *t1, const char *t2, int64_t i1,
                      int64_t i2)
{
    /* binds, in order: t1 and t2 when not NULL, then i1, then i2 when not 0 */
    struct stmt *st = db_prepare(c->db, sql);
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, what);
    int k = 1;
    if (t1)
        stmt_bind_text(st, k++, t1);
    if (t2)
        stmt_bind_text(st, k++, t2);
    stmt_bind_int(st, k++, i1);
    if (i2)
        stmt_bind_int(st, k++, i2);
    int rc = stmt_step(st);
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, what) : ERR_OK;
}

/* Sets a track's state (and the acting user's column for receipt/reply/sign). */
static enum err track_set(struct ctx *c, struct track *tr, enum item_state to, const char *extra_col, const char *text)
{
    char at[21];
    time_format_iso(c->now, at);
    const char *sql;
    if (!extra_col)
        sql = "UPDATE item_tracks SET state = ?, updated_at = ? WHERE id = ?";
    else if (!strcmp(extra_col, "received"))
        sql = "UPDATE item_tracks SET state = ?, updated_at = ?, received_at = ?, received_by = ? WHERE id = ?";
    else if (!strcmp(extra_col, "reply"))
        sql = "UPDATE item_tracks SET state = ?, updated_at = ?, reply_text = ?, reply_by = ? WHERE id = ?";
    else
        sql = "UPDATE item_tracks SET state = ?, updated_at = ?, signed_at = ?, signed_by = ? WHERE id = ?";
    struct stmt *st = db_prepare(c->db, sql);
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "更新责任单位办理状态");
    int k = 1;
    stmt_bind_text(st, k++, item_state_name(to));
    stmt_bind_text(st, k++, at);
    if (extra_col && !strcmp(extra_col, "reply"))
        stmt_bind_text(st, k++, text);
    else if (extra_col)
        stmt_bind_text(st, k++, at);
    if (extra_col) {
        if (c->user)
            stmt_bind_int(st, k++, c->user->id);
        else
            stmt_bind_null(st, k++);
    }
    stmt_bind_int(st, k++, tr->id);
    int rc = stmt_step(st);
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "更新责任单位办理状态");
    tr->state = to;
    return ERR_OK;
}

static enum err all_tracks(struct ctx *c, struct item *it, enum item_state to)
{
    for (int i = 0; i < it->ntracks; i++) {
        enum err e = track_set(c, &it->tracks[i], to, NULL, NULL);
        if (e)
            return e;
    }
    return ERR_OK;
}

/* Checks the body members the row requires. */
static enum err check_body(struct ctx *c, const struct transition *t, const json_t *b, const struct item *it)
{
    const char *label = item_action_label(t->action);
    if ((t->flags & WF_REASON) && (!jv_str(b, "reason") || !*jv_str(b, "reason")))
        return ctx_fail(c, ERR_INVALID, "「%s」需要填写理由（reason）", label);
    if ((t->flags & WF_TEXT) && (!jv_str(b, "text") || !*jv_str(b, "text")))
        return ctx_fail(c, ERR_INVALID, "「%s」需要填写内容（text）", label);
    if ((t->flags & WF_PERCENT) && !jv_has(b, "percent"))
        return ctx_fail(c, ERR_INVALID, "「%s」需要填写完成进度百分比（percent）", label);
    if ((t->flags & WF_DECISION) && !jv_has(b, "approve"))
        return ctx_fail(c, ERR_INVALID, "「%s」需要给出决定（approve: true 或 false）", label);
    char today[11];
    item_today(c, today);
    if (t->flags & WF_NEW_DATE) {
        const char *d = jv_str(b, "new_date");
        if (!d)
            return ctx_fail(c, ERR_INVALID, "「%s」需要填写新的办理期限（new_date）", label);
        if (strcmp(d, it->due_date) <= 0)
            return ctx_fail(c, ERR_INVALID, "新的办理期限（%s）必须晚于现在的期限（%s）", d, it->due_date);
    }
    if (t->flags & WF_PLAN_DATE) {
        const char *d = jv_str(b, "plan_date");
        if (!d)
            return ctx_fail(c, ERR_INVALID, "「%s」需要填写解决的时间节点（plan_date）", label);
        if (strcmp(d, today) < 0)
            return ctx_fail(c, ERR_INVALID, "时间节点（%s）不能早于今天", d);
    }
    if (t->flags & WF_GRADE) {
        const char *g = jv_str(b, "grade");
        int n;
        const char **grades = item_grades(c, &n);
        bool ok = false;
        for (int i = 0; g && i < n; i++)
            ok = ok || !strcmp(g, grades[i]);
        if (!ok) {
            const char *list = "";
            for (int i = 0; i < n; i++)
                list = arena_printf(c->arena, "%s%s%s", list, i ? "、" : "", grades[i]);
            return ctx_fail(c, ERR_INVALID, "办结等次（grade）应为：%s", list);
        }
    }
    return ERR_OK;
}

/* An approved extension moves the open resolution milestones (the item's and each track's) to the
 * new date. The decision was authorized by the workflow row (the office, or the leader for a major
 * item), so the milestone change is made on the system's authority and audited as such. */
static enum err extend_milestones(struct ctx *c, int64_t item_id, const char *new_date)
{
    json_t *ms = NULL;
    enum err e = deadlines_list(c, item_id, &ms);
    if (e)
        return e;
    const struct principal *user = c->user;
    const struct grant *acting = c->acting;
    c->user = NULL;
    size_t i;
    json_t *m;
    json_array_foreach(ms, i, m)
    {
        const char *kind = json_string_value(json_object_get(m, "kind"));
        const char *state = json_string_value(json_object_get(m, "state"));
        if (e || !kind || strcmp(kind, "resolution") || !state || strcmp(state, "open"))
            continue;
        json_t *out = NULL;
        e = deadlines_override(c, json_integer_value(json_object_get(m, "id")), new_date, "延期申请获批", &out);
        json_decref(out);
    }
    c->user = user;
    c->acting = acting;
    json_decref(ms);
    return e;
}

/* Assigns 古督〔2026〕15号: the office unit's prefix (or its nearest ancestor's), one gap-free counter
 * per office and year. */
static enum err assign_number(struct ctx *c, struct item *it)
{
    char today[11];
    item_today(c, today);
    int year = (today[0] - '0') * 1000 + (today[1] - '0') * 100 + (today[2] - '0') * 10 + (today[3] - '0');
    /* the issuing office's own prefix, else its government's or the nearest ancestor's */
    const char *prefix = "";
    struct stmt *st = db_prepare(c->db, "SELECT prefix FROM units WHERE id = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "分配编号");
    stmt_bind_int(st, 1, it->office_unit_id);
    if (stmt_step(st) == STORE_ROW)
        prefix = arena_strdup(c->arena, stmt_text(st, 0));
    stmt_done(st);
    if (!*prefix) {
        st = db_prepare(c->db, "SELECT prefix FROM units WHERE ? >= path AND SUBSTR(?, 1, LENGTH(path)) = path "
                               "AND prefix <> '' ORDER BY depth DESC LIMIT 1");
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "分配编号");
        stmt_bind_text(st, 1, it->office_path);
        stmt_bind_text(st, 2, it->office_path);
        if (stmt_step(st) == STORE_ROW)
            prefix = arena_strdup(c->arena, stmt_text(st, 0));
        stmt_done(st);
    }
    int64_t seq;
    enum err e = counter_next(c, arena_printf(c->arena, "item:%" PRId64 ":%d", it->office_unit_id, year), &seq);
    if (e)
        return e;
    it->number = arena_printf(c->arena, "%s督〔%d〕%" PRId64 "号", prefix, year, seq);
    st = db_prepare(c->db, "UPDATE items SET number = ?, num_year = ?, num_seq = ? WHERE id = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "分配编号");
    stmt_bind_text(st, 1, it->number);
    stmt_bind_int(st, 2, year);
    stmt_bind_int(st, 3, seq);
    stmt_bind_int(st, 4, it->id);
    int rc = stmt_step(st);
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "分配编号");
    return item_grams_update(c, it->id, it->number, it->title, it->requirement);
}

static enum err act_tx(struct ctx *c, void *arg)
{
    struct act_args *a = arg;
    const json_t *b = a->body;
    struct item it;
    enum err e = item_load_visible(c, a->id, &it);
    if (e)
        return e;
    const char *label = item_action_label(a->action);
    if (!item_may_ever(c, &it, a->action))
        return ctx_fail(c, ERR_FORBIDDEN, "您的角色不能对该督办事项执行「%s」", label);
    if (jv_has(b, "version") && jv_int(b, "version", 0) != it.version)
        return ctx_fail(c, ERR_CONFLICT, "督办事项已被他人处理（当前版本 %" PRId64 "，状态「%s」），请刷新后重试",
                        it.version, item_state_label(it.state));

    /* find the row: the item's state, or the state of one of the actor's tracks */
    const struct transition *row = NULL;
    struct track *tr = NULL;
    int64_t want_track = jv_int(b, "track_id", 0);
    for (int i = 0; i < workflow_count && !row; i++) {
        const struct transition *t = &workflow_table[i];
        if (t->action != a->action)
            continue;
        if (t->scope == WF_ITEM) {
            if (t->from == it.state && user_fits(c, t, &it, it.office_path))
                row = t;
            continue;
        }
        if (!item_state_active(it.state))
            continue;
        for (int k = 0; k < it.ntracks && !row; k++) {
            struct track *x = &it.tracks[k];
            if ((!want_track || x->id == want_track) && x->state == t->from && user_fits(c, t, &it, x->unit_path)) {
                row = t;
                tr = x;
            }
        }
    }
    if (!row) {
        const char *cur = item_state_label(it.state);
        if (want_track) {
            bool found = false;
            for (int k = 0; k < it.ntracks; k++)
                if (it.tracks[k].id == want_track) {
                    found = true;
                    cur = item_state_label(it.tracks[k].state);
                }
            if (!found)
                return ctx_fail(c, ERR_NOT_FOUND, "该事项没有编号为 %" PRId64 " 的责任单位办理记录", want_track);
        } else {
            /* report the state of the actor's own track when the action is a unit's */
            for (int k = 0; k < it.ntracks; k++)
                for (int i = 0; i < workflow_count; i++)
                    if (workflow_table[i].action == a->action && workflow_table[i].scope == WF_TRACK &&
                        item_state_active(it.state) && user_fits(c, &workflow_table[i], &it, it.tracks[k].unit_path))
                        cur = item_state_label(it.tracks[k].state);
        }
        return ctx_fail(c, ERR_CONFLICT, "「%s」只能在%s状态下进行，当前状态为「%s」", label,
                        states_allowing(c, &it, a->action), cur);
    }
    if (c->user) {
        const char *at = row->scope == WF_ITEM ? it.office_path : tr->unit_path;
        if ((e = perm_require_item(c, row_cap(row, &it), &it.scope, at, ITEM_WHAT)))
            return e;
    }
    if ((e = check_body(c, row, b, &it)))
        return e;
    if (!precondition(c, &it, a->action)) {
        if (a->action == ACT_DECIDE_EXTENSION)
            return ctx_fail(c, ERR_CONFLICT, "该事项没有待审批的延期申请");
        if (a->action == ACT_REQUEST_EXTENSION)
            return ctx_fail(c, ERR_CONFLICT, "该事项已有一项延期申请正在审批，请等待决定");
        return ctx_fail(c, ERR_CONFLICT, "该事项已列入督查事项");
    }

    if ((e = item_lock(c, &it)))
        return e;
    enum item_state from = it.state;
    enum item_state track_from = tr ? tr->state : from;
    char at[21];
    time_format_iso(c->now, at);
    const char *reason = jv_str(b, "reason");
    const char *text = jv_str(b, "text");
    json_t *data = json_deep_copy(b);
    json_object_del(data, "version");

    /* the row's effects */
    switch (a->action) {
    case ACT_SUBMIT:
        if (!it.number)
            e = assign_number(c, &it);
        if (!e)
            json_object_set_new(data, "number", json_string(it.number));
        break;
    case ACT_ASSIGN:
        e = all_tracks(c, &it, ST_ASSIGNED);
        if (!e && it.leader_id)
            json_object_set_new(data, "leader_informed", json_integer(it.leader_id));
        if (!e)
            e = exec1(c, "UPDATE items SET assigned_at = COALESCE(assigned_at, ?) WHERE id = ?", "交办", at, NULL,
                      it.id, 0);
        break;
    case ACT_RECEIVE:
        e = track_set(c, tr, row->to, "received", NULL);
        break;
    case ACT_REPORT: {
        struct stmt *st = db_prepare(c->db, "INSERT INTO item_reports (item_id, track_id, unit_id, text, percent, "
                                            "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id");
        if (!st) {
            e = ctx_store_fail(c, STORE_E_OTHER, "保存进展报告");
            break;
        }
        stmt_bind_int(st, 1, it.id);
        stmt_bind_int(st, 2, tr->id);
        stmt_bind_int(st, 3, tr->unit_id);
        stmt_bind_text(st, 4, text);
        stmt_bind_int(st, 5, jv_int(b, "percent", 0));
        if (c->user)
            stmt_bind_int(st, 6, c->user->id);
        else
            stmt_bind_null(st, 6);
        stmt_bind_text(st, 7, at);
        int rc = stmt_one_int(st, &a->report_id);
        if (rc != STORE_ROW) {
            e = ctx_store_fail(c, rc == STORE_DONE ? STORE_E_OTHER : rc, "保存进展报告");
            break;
        }
        json_object_set_new(data, "report_id", json_integer(a->report_id));
        tr->progress = (int)jv_int(b, "percent", 0);
        e = exec1(c, "UPDATE item_tracks SET progress = ? WHERE id = ?", "保存进展报告", NULL, NULL, tr->progress,
                  tr->id);
        if (!e)
            e = track_set(c, tr, row->to, NULL, NULL);
        break;
    }
    case ACT_PLAN: {
        struct stmt *st = db_prepare(c->db, "UPDATE item_tracks SET plan_text = ?, plan_date = ? WHERE id = ?");
        if (!st) {
            e = ctx_store_fail(c, STORE_E_OTHER, "保存时间节点和方案");
            break;
        }
        stmt_bind_text(st, 1, text);
        stmt_bind_text(st, 2, jv_str(b, "plan_date"));
        stmt_bind_int(st, 3, tr->id);
        int rc = stmt_step(st);
        stmt_done(st);
        if (rc < 0)
            e = ctx_store_fail(c, rc, "保存时间节点和方案");
        break;
    }
    case ACT_REQUEST_EXTENSION: {
        struct stmt *st =
            db_prepare(c->db, "INSERT INTO item_extensions (item_id, track_id, reason, old_date, new_date, "
                              "state, requested_by, requested_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)");
        if (!st) {
            e = ctx_store_fail(c, STORE_E_OTHER, "保存延期申请");
            break;
        }
        stmt_bind_int(st, 1, it.id);
        stmt_bind_int(st, 2, tr->id);
        stmt_bind_text(st, 3, reason);
        stmt_bind_text(st, 4, it.due_date);
        stmt_bind_text(st, 5, jv_str(b, "new_date"));
        if (c->user)
            stmt_bind_int(st, 6, c->user->id);
        else
            stmt_bind_null(st, 6);
        stmt_bind_text(st, 7, at);
        int rc = stmt_step(st);
        stmt_done(st);
        if (rc < 0)
            e = ctx_store_fail(c, rc, "保存延期申请");
        json_object_set_new(data, "old_date", json_string(it.due_date));
        break;
    }
    case ACT_DECIDE_EXTENSION: {
        int64_t ext = pending_extension(c, it.id);
        bool ok = jv_bool(b, "approve", false);
        const char *new_date = NULL;
        struct stmt *st = db_prepare(c->db, "SELECT new_date FROM item_extensions WHERE id = ?");
        if (st) {
            stmt_bind_int(st, 1, ext);
            if (stmt_step(st) == STORE_ROW)
                new_date = arena_strdup(c->arena, stmt_text(st, 0));
            stmt_done(st);
        }
        st =
            db_prepare(c->db, "UPDATE item_extensions SET state = ?, decided_by = ?, decided_at = ?, decision_note = ? "
                              "WHERE id = ?");
        if (!st || !new_date) {
            e = ctx_store_fail(c, STORE_E_OTHER, "审批延期");
            break;
        }
        stmt_bind_text(st, 1, ok ? "approved" : "refused");
        if (c->user)
            stmt_bind_int(st, 2, c->user->id);
        else
            stmt_bind_null(st, 2);
        stmt_bind_text(st, 3, at);
        stmt_bind_text(st, 4, reason ? reason : "");
        stmt_bind_int(st, 5, ext);
        int rc = stmt_step(st);
        stmt_done(st);
        if (rc < 0) {
            e = ctx_store_fail(c, rc, "审批延期");
            break;
        }
        json_object_set_new(data, "extension_id", json_integer(ext));
        json_object_set_new(data, "old_date", json_string(it.due_date));
        json_object_set_new(data, "new_date", json_string(new_date));
        if (ok) {
            st = db_prepare(c->db, "UPDATE items SET due_date = ? WHERE id = ?");
            if (!st) {
                e = ctx_store_fail(c, STORE_E_OTHER, "审批延期");
                break;
            }
            stmt_bind_text(st, 1, new_date);
            stmt_bind_int(st, 2, it.id);
            rc = stmt_step(st);
            stmt_done(st);
            if (rc < 0)
                e = ctx_store_fail(c, rc, "审批延期");
            else
                e = extend_milestones(c, it.id, new_date);
        }
        break;
    }
    case ACT_REQUEST_COMPLETION:
        e = track_set(c, tr, row->to, "reply", text);
        break;
    case ACT_SIGN:
        e = track_set(c, tr, row->to, "signed", NULL);
        if (!e) /* 核签并加盖公章: the unit's digital seal over the reply */
            e = hooks_seal_reply(
                c, &(struct doc_reply){"item", it.id, it.number, it.title, tr->unit_id, tr->unit_name, tr->reply_text});
        break;
    case ACT_RETURN_REPLY:
        e = track_set(c, tr, row->to, NULL, NULL);
        break;
    case ACT_RETURN:
        if (from == ST_COMPLETION_SIGNED)
            e = all_tracks(c, &it, ST_IN_PROGRESS);
        break;
    case ACT_VERIFY:
        e = all_tracks(c, &it, ST_COMPLETED);
        if (!e)
            e = exec1(c, "UPDATE items SET grade = ?, closed_at = ?, progress = 100 WHERE id = ?", "审核办结",
                      jv_str(b, "grade"), at, it.id, 0);
        break;
    case ACT_WITHDRAW:
        e = exec1(c, "UPDATE items SET closed_at = ? WHERE id = ?", "撤销事项", at, NULL, it.id, 0);
        break;
    case ACT_ESCALATE:
        e = exec1(c, "UPDATE items SET escalated = 1 WHERE id = ?", "列入督查事项", NULL, NULL, it.id, 0);
        break;
    case ACT_SUSPEND: {
        e = exec1(c, "UPDATE items SET resume_state = ? WHERE id = ?", "中止事项", item_state_name(from), NULL, it.id,
                  0);
        struct stmt *st = db_prepare(c->db, "INSERT INTO item_suspensions (item_id, started_at, reason, started_by) "
                                            "VALUES (?, ?, ?, ?)");
        if (!e && !st)
            e = ctx_store_fail(c, STORE_E_OTHER, "中止事项");
        if (!e) {
            stmt_bind_int(st, 1, it.id);
            stmt_bind_text(st, 2, at);
            stmt_bind_text(st, 3, reason);
            if (c->user)
                stmt_bind_int(st, 4, c->user->id);
            else
                stmt_bind_null(st, 4);
            int rc = stmt_step(st);
            stmt_done(st);
            if (rc < 0)
                e = ctx_store_fail(c, rc, "中止事项");
        }
        break;
    }
    case ACT_RESUME: {
        struct stmt *st = db_prepare(c->db, "UPDATE item_suspensions SET ended_at = ?, ended_by = ? "
                                            "WHERE item_id = ? AND ended_at IS NULL");
        if (!st) {
            e = ctx_store_fail(c, STORE_E_OTHER, "恢复办理");
            break;
        }
        stmt_bind_text(st, 1, at);
        if (c->user)
            stmt_bind_int(st, 2, c->user->id);
        else
            stmt_bind_null(st, 2);
        stmt_bind_int(st, 3, it.id);
        int rc = stmt_step(st);
        stmt_done(st);
        if (rc < 0)
            e = ctx_store_fail(c, rc, "恢复办理");
        break;
    }
    default:
        break;
    }
    if (!e)
        e = item_deadlines(c, &it, tr, a->action, data);
    if (e) {
        json_decref(data);
        return e;
    }

    /* the item's new state: the row's, the previous one, or the roll-up of the tracks */
    enum item_state to;
    if (row->scope == WF_TRACK)
        to = rollup(&it);
    else if (row->to == ST_SAME)
        to = from;
    else if (row->to == ST_PREV)
        to = it.resume_state;
    else
        to = row->to;
    int lead_progress = it.progress;
    for (int k = 0; k < it.ntracks; k++)
        if (it.tracks[k].lead)
            lead_progress = it.tracks[k].progress;
    struct stmt *st =
        db_prepare(c->db, "UPDATE items SET state = ?, progress = ?, updated_at = ?, version = version + 1 "
                          "WHERE id = ? AND version = ? RETURNING version");
    if (!st) {
        json_decref(data);
        return ctx_store_fail(c, STORE_E_OTHER, "更新督办事项");
    }
    stmt_bind_text(st, 1, item_state_name(to));
    stmt_bind_int(st, 2, a->action == ACT_VERIFY ? 100 : lead_progress);
    stmt_bind_text(st, 3, at);
    stmt_bind_int(st, 4, it.id);
    stmt_bind_int(st, 5, it.version);
    int64_t nv;
    int rc = stmt_one_int(st, &nv);
    if (rc == STORE_DONE) {
        json_decref(data);
        return ctx_fail(c, ERR_CONFLICT, "督办事项已被他人同时处理，请刷新后重试");
    }
    if (rc < 0) {
        json_decref(data);
        return ctx_store_fail(c, rc, "更新督办事项");
    }
    const char *note = reason ? reason : text;
    e = item_event(c, it.id,
                   a->action == ACT_REPORT    ? "report"
                   : a->action == ACT_COMMENT ? "comment"
                                              : "transition",
                   item_action_name(a->action), tr ? (int)track_from : (int)from, tr ? (int)tr->state : (int)to,
                   tr ? tr->id : 0, tr ? tr->unit_id : 0, note, data);
    /* the assignment notice (督办通知) to each responsible unit, after the transition on the timeline */
    for (int k = 0; a->action == ACT_ASSIGN && k < it.ntracks && !e; k++)
        e = item_event(c, it.id, "notice", "notice", -1, -1, it.tracks[k].id, it.tracks[k].unit_id,
                       it.tracks[k].lead ? "督办通知（牵头单位）" : "督办通知（责任单位）", NULL);
    if (!e) {
        json_t *sum = json_pack("{ss ss sO}", "from", item_state_name(from), "to", item_state_name(to), "body", data);
        if (tr)
            json_object_set_new(sum, "track",
                                json_pack("{sI sI ss}", "id", (json_int_t)tr->id, "unit_id", (json_int_t)tr->unit_id,
                                          "state", item_state_name(tr->state)));
        e = audit_record(c, arena_printf(c->arena, "item.%s", item_action_name(a->action)), "item", it.id, sum);
        json_decref(sum);
    }
    json_decref(data);
    if (!e && a->action == ACT_ARCHIVE) { /* 立卷归档: the archive file, in the same transaction */
        json_t *file = NULL;
        e = hooks_archive(c, "item", it.id, &file);
        json_decref(file);
    }
    return e;
}

enum err items_act(struct ctx *c, int64_t id, enum item_action action, const json_t *body, json_t **out)
{
    struct act_args a = {id, action, body, 0};
    enum err e = ctx_tx(c, item_action_label(action), act_tx, &a);
    if (e)
        return e;
    e = items_get(c, id, out);
    if (!e && a.report_id)
        json_object_set_new(*out, "report_id", json_integer(a.report_id));
    return e;
}
