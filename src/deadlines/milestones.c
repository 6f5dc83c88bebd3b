/*
 * milestones.c: each item's milestones, their overrides, paused clocks, and the escalation ladder
 * of DOMAIN.md §5 that the scheduler climbs (deadlines_scan); see deadlines.h.
 *
 * Ladder, for a milestone due on day D (waits in working days, settings "ladder"):
 *   remind-N  N days before D (and on D): reminder to the unit contact            (催办)
 *   press     D + press_after: the deputy director asks the leader in charge     (督办)
 *   notice    D + notice_after: the office's written reminder notice to the unit (书面催办通知)
 *   report    D + report_after: reported to the principal leader, flagged for inspection
 * An escalation step never comes less than one working day after the previous one, so the ladder
 * is climbed one step at a time even when the scheduler was stopped for a while. Reminders that
 * would arrive after D are skipped: the milestone is overdue by then.
 */
#include "calendar/calendar.h"
#include "deadlines/deadlines.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "core/perm.h"
#include "notify/notify.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { STEP_PRESS, STEP_NOTICE, STEP_REPORT };

/* Number of ladder steps. */
static int ladder_steps(const struct ladder *l)
{
    return l->nremind + 3;
}

/* The step's name ("remind-2", "press", …) in the arena. */
static const char *step_name(struct ctx *c, const struct ladder *l, int s)
{
    if (s < l->nremind)
        return arena_printf(c->arena, "remind-%d", l->remind[s]);
    static const char *const esc[] = {"press", "notice", "report"};
    return esc[s - l->nremind];
}

/* The scheduled day of step s for a milestone due on day due. */
static int64_t step_day(const struct calendar *cal, const struct ladder *l, int64_t due, int s)
{
    if (s < l->nremind)
        return l->remind[s] ? cal_add_workdays(cal, due, -l->remind[s]) : due;
    int after[] = {l->press_after, l->notice_after, l->report_after};
    return cal_add_workdays(cal, due, after[s - l->nremind]);
}

/* Instant at which step s is due (local midnight of its day), or -1 past the last step.
 * last_esc_day: the day the previous escalation step was taken (-1 if none this pass). */
static int64_t step_at(const struct calendar *cal, const struct ladder *l, int64_t due, int s, int64_t last_esc_day)
{
    if (s >= ladder_steps(l))
        return -1;
    int64_t day = step_day(cal, l, due, s);
    if (s > l->nremind && last_esc_day >= 0) {
        int64_t earliest = cal_add_workdays(cal, last_esc_day, 1);
        if (day < earliest)
            day = earliest;
    }
    return time_local_instant(day, 0);
}

/* First step to take for a milestone due on `due` as seen on `today`: reminders on or before today
 * are skipped (nobody needs a reminder of an assignment made the same day). */
static int first_step(const struct calendar *cal, const struct ladder *l, int64_t due, int64_t today)
{
    int s = 0;
    while (s < l->nremind && step_day(cal, l, due, s) <= today)
        s++;
    return s;
}

/* The owner of a milestone's object; an unregistered kind gets no callbacks (a label from its id). */
static const struct dl_owner *owner_of(const char *kind)
{
    static const struct dl_owner none = {.kind = "", .what = "对象", .manage_cap = CAP_SYSTEM_ADMIN};
    const struct dl_owner *o = deadlines_owner(kind);
    return o ? o : &none;
}

static const char *owner_label(struct ctx *c, const struct dl_owner *o, int64_t id)
{
    const char *label = o->label ? o->label(c, id) : NULL;
    return label ? label : arena_printf(c->arena, "%s #%" PRId64, o->what, id);
}

static enum err owner_timeline(struct ctx *c, const struct dl_owner *o, int64_t id, int64_t unit_id, const char *action,
                               const char *note, json_t *data)
{
    return o->timeline ? o->timeline(c, id, unit_id, action, note, data) : ERR_OK;
}

struct ms_row {
    int64_t id, item_id, unit_id;
    const char *scope_path, *kind_name;
    enum ms_kind kind;
    int seq;
    int64_t due;
    const char *state;
    bool paused;
    int step;
    bool flagged;
};

/* The notice of ladder step s of milestone m and its recipients (read-only). */
static enum err step_message(struct ctx *c, const struct ms_row *m, const struct ladder *l, int s, struct notice *nt,
                             struct dl_people *who)
{
    const struct dl_owner *o = owner_of("item");
    char due[11];
    cal_format_date(m->due, due);
    const char *label = owner_label(c, o, m->item_id);
    const char *what = m->kind == MS_PERIODIC
                           ? arena_printf(c->arena, "%s的“%s”节点（第 %d 次）", label, ms_kind_label(m->kind), m->seq)
                           : arena_printf(c->arena, "%s的“%s”节点", label, ms_kind_label(m->kind));
    *nt = (struct notice){.object_type = "milestone", .object_id = m->id};
    enum dl_step step;
    if (s < l->nremind) {
        step = DL_REMIND;
        nt->kind = MSG_REMINDER;
        nt->subject = arena_printf(c->arena, "【催办】%s将于 %s 到期", what, due);
        nt->body = arena_printf(c->arena, "%s办理时限为 %s，请按时办理并反馈。", what, due);
    } else if (s == l->nremind + STEP_PRESS) {
        step = DL_PRESS;
        nt->kind = MSG_PRESS;
        nt->subject = arena_printf(c->arena, "【督办】%s已逾期", what);
        nt->body = arena_printf(c->arena, "%s办理时限 %s 已过。请分管领导督促承办单位抓紧办理。", what, due);
    } else if (s == l->nremind + STEP_NOTICE) {
        step = DL_NOTICE;
        nt->kind = MSG_NOTICE;
        nt->subject = arena_printf(c->arena, "【书面催办通知】%s逾期未办结", what);
        nt->body = arena_printf(
            c->arena, "%s办理时限 %s 已过且经督办仍未办结。督查室特发书面催办通知，请立即办理并书面说明情况。", what,
            due);
    } else {
        step = DL_REPORT;
        nt->kind = MSG_REPORT;
        nt->subject = arena_printf(c->arena, "【报告】%s经书面催办仍逾期，已列入督查事项", what);
        nt->body = arena_printf(
            c->arena, "%s办理时限 %s 已过，经督办和书面催办仍未办结，现报告主要领导并列入督查事项。", what, due);
    }
    return o->recipients ? o->recipients(c, m->item_id, m->unit_id, m->scope_path, step, who)
                         : deadlines_recipients_default(c, m->scope_path, step, who);
}

#define MS_COLS "id, item_id, unit_id, scope_path, kind, seq, due_date, state, paused_at, step, flagged"

static bool ms_read(struct ctx *c, struct stmt *st, struct ms_row *m)
{
    m->id = stmt_int(st, 0);
    m->item_id = stmt_int(st, 1);
    m->unit_id = stmt_int(st, 2);
    m->scope_path = arena_strdup(c->arena, stmt_text(st, 3));
    m->kind_name = arena_strdup(c->arena, stmt_text(st, 4));
    m->seq = (int)stmt_int(st, 5);
    m->state = arena_strdup(c->arena, stmt_text(st, 7));
    m->paused = !stmt_is_null(st, 8);
    m->step = (int)stmt_int(st, 9);
    m->flagged = stmt_int(st, 10) != 0;
    return ms_kind_parse(m->kind_name, &m->kind) && cal_parse_date(stmt_text(st, 6), &m->due);
}

/* Inserts a step record; true if it is new (false: taken before, by this or another node). */
static int step_record(struct ctx *c, int64_t ms, const char *step, json_t *detail, bool *fresh)
{
    char at[21];
    time_format_iso(c->now, at);
    char *d = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    struct stmt *st =
        db_prepare(c->db, "INSERT INTO milestone_steps (milestone_id, step, at, detail) VALUES (?, ?, ?, ?) "
                          "ON CONFLICT (milestone_id, step) DO NOTHING RETURNING milestone_id");
    if (!st) {
        free(d);
        return STORE_E_OTHER;
    }
    stmt_bind_int(st, 1, ms);
    stmt_bind_text(st, 2, step);
    stmt_bind_text(st, 3, at);
    stmt_bind_text(st, 4, d ? d : "");
    int rc = stmt_step(st);
    stmt_done(st);
    free(d);
    *fresh = rc == STORE_ROW;
    return rc < 0 ? rc : STORE_DONE;
}

static int ms_set_schedule(struct ctx *c, int64_t id, int step, int64_t next_at, bool flagged)
{
    struct stmt *st = db_prepare(
        c->db, "UPDATE milestones SET step = ?, next_at = ?, flagged = ?, version = version + 1 WHERE id = ?");
    if (!st)
        return STORE_E_OTHER;
    stmt_bind_int(st, 1, step);
    if (next_at >= 0)
        stmt_bind_int(st, 2, next_at);
    else
        stmt_bind_null(st, 2);
    stmt_bind_int(st, 3, flagged);
    stmt_bind_int(st, 4, id);
    int rc = stmt_step(st);
    stmt_done(st);
    return rc;
}

struct fill_args {
    int64_t item_id, unit_id;
    const char *unit_path;
    const struct deadline_facts *f;
    int64_t start;
    int count;
};

enum err deadlines_fill(struct ctx *c, int64_t item_id, int64_t unit_id, const char *unit_path,
                        const struct deadline_facts *f, int64_t start, int *count)
{
    struct deadline_rule *rules;
    size_t n;
    struct calendar cal;
    struct ladder l;
    enum err e;
    if ((e = deadlines_rules_load(c, &rules, &n)) || (e = calendar_load(c, &cal)) || (e = deadlines_ladder_load(c, &l)))
        return e;
    struct deadline_due due[DEADLINES_MAX];
    int nd = deadlines_compute(&cal, rules, n, f, start, due, DEADLINES_MAX);
    char at[21];
    time_format_iso(c->now, at);
    int64_t today = time_local_day(c->now);
    *count = 0;
    for (int i = 0; i < nd; i++) {
        char d[11];
        cal_format_date(due[i].due, d);
        int s = first_step(&cal, &l, due[i].due, today > start ? today : start);
        int64_t next = step_at(&cal, &l, due[i].due, s, -1);
        struct stmt *st =
            db_prepare(c->db, "INSERT INTO milestones (item_id, unit_id, scope_path, kind, seq, due_date, "
                              "rule_id, step, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                              "ON CONFLICT (item_id, unit_id, kind, seq) DO NOTHING RETURNING id");
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "生成时限节点");
        stmt_bind_int(st, 1, item_id);
        stmt_bind_int(st, 2, unit_id);
        stmt_bind_text(st, 3, unit_path);
        stmt_bind_text(st, 4, ms_kind_name(due[i].kind));
        stmt_bind_int(st, 5, due[i].seq);
        stmt_bind_text(st, 6, d);
        if (due[i].rule_id)
            stmt_bind_int(st, 7, due[i].rule_id);
        else
            stmt_bind_null(st, 7);
        stmt_bind_int(st, 8, s);
        if (next >= 0)
            stmt_bind_int(st, 9, next);
        else
            stmt_bind_null(st, 9);
        stmt_bind_text(st, 10, at);
        int64_t id;
        int rc = stmt_one_int(st, &id);
        if (rc < 0)
            return ctx_store_fail(c, rc, "生成时限节点");
        if (rc == STORE_ROW)
            (*count)++;
    }
    return ERR_OK;
}

enum err deadlines_done(struct ctx *c, int64_t item_id, int64_t unit_id, enum ms_kind kind, bool *found)
{
    if (found)
        *found = false;
    struct stmt *st = db_prepare(c->db, "SELECT id, due_date FROM milestones WHERE item_id = ? AND unit_id = ? AND "
                                        "kind = ? AND state = 'open' ORDER BY seq LIMIT 1");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "更新时限节点");
    stmt_bind_int(st, 1, item_id);
    stmt_bind_int(st, 2, unit_id);
    stmt_bind_text(st, 3, ms_kind_name(kind));
    int rc = stmt_step(st);
    int64_t id = 0, due = 0;
    if (rc == STORE_ROW) {
        id = stmt_int(st, 0);
        cal_parse_date(stmt_text(st, 1), &due);
    }
    stmt_done(st);
    if (rc != STORE_ROW)
        return rc < 0 ? ctx_store_fail(c, rc, "更新时限节点") : ERR_OK;
    if (found)
        *found = true;
    char at[21];
    time_format_iso(c->now, at);
    st = db_prepare(c->db, "UPDATE milestones SET state = 'done', done_at = ?, done_late = ?, next_at = NULL, "
                           "version = version + 1 WHERE id = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "更新时限节点");
    stmt_bind_text(st, 1, at);
    stmt_bind_int(st, 2, time_local_day(c->now) > due);
    stmt_bind_int(st, 3, id);
    rc = stmt_step(st);
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "更新时限节点") : ERR_OK;
}

enum err deadlines_cancel(struct ctx *c, int64_t item_id)
{
    struct stmt *st = db_prepare(c->db, "UPDATE milestones SET state = 'cancelled', next_at = NULL, "
                                        "version = version + 1 WHERE item_id = ? AND state = 'open'");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "更新时限节点");
    stmt_bind_int(st, 1, item_id);
    int rc = stmt_step(st);
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "更新时限节点") : ERR_OK;
}

enum err deadlines_pause(struct ctx *c, int64_t item_id, int64_t unit_id, bool pause)
{
    struct calendar cal;
    struct ladder l;
    enum err e;
    if ((e = calendar_load(c, &cal)) || (e = deadlines_ladder_load(c, &l)))
        return e;
    struct stmt *st = db_prepare(c->db, "SELECT id, due_date, paused_at, step, unit_id, kind FROM milestones WHERE "
                                        "item_id = ? AND (unit_id = ? OR ? = 0) AND state = 'open' ORDER BY id");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "暂停时限");
    stmt_bind_int(st, 1, item_id);
    stmt_bind_int(st, 2, unit_id);
    stmt_bind_int(st, 3, unit_id);
    struct {
        int64_t id, due, paused_at, unit_id;
        int step;
        bool paused;
        const char *kind;
    } rows[128];
    int n = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW && n < 128) {
        rows[n].id = stmt_int(st, 0);
        cal_parse_date(stmt_text(st, 1), &rows[n].due);
        rows[n].paused = !stmt_is_null(st, 2);
        rows[n].paused_at = rows[n].paused ? stmt_int(st, 2) : 0;
        rows[n].step = (int)stmt_int(st, 3);
        rows[n].unit_id = stmt_int(st, 4);
        rows[n].kind = arena_strdup(c->arena, stmt_text(st, 5));
        n++;
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "暂停时限");
    char at[21];
    time_format_iso(c->now, at);
    int64_t today = time_local_day(c->now);
    json_t *changed = json_array();
    for (int i = 0; i < n; i++) {
        if (rows[i].paused == pause)
            continue;
        int64_t due = rows[i].due;
        json_t *detail;
        if (pause) {
            st = db_prepare(c->db,
                            "UPDATE milestones SET paused_at = ?, next_at = NULL, version = version + 1 WHERE id = ?");
            if (!st) {
                json_decref(changed);
                return ctx_store_fail(c, STORE_E_OTHER, "暂停时限");
            }
            stmt_bind_int(st, 1, c->now);
            stmt_bind_int(st, 2, rows[i].id);
            detail = json_pack("{ss}", "action", "pause");
        } else {
            int shift = cal_workdays_between(&cal, time_local_day(rows[i].paused_at), today);
            if (shift > 0)
                due = cal_add_workdays(&cal, due, shift);
            char d[11];
            cal_format_date(due, d);
            int64_t next = step_at(&cal, &l, due, rows[i].step, -1);
            st = db_prepare(c->db, "UPDATE milestones SET paused_at = NULL, due_date = ?, next_at = ?, "
                                   "version = version + 1 WHERE id = ?");
            if (!st) {
                json_decref(changed);
                return ctx_store_fail(c, STORE_E_OTHER, "恢复时限");
            }
            stmt_bind_text(st, 1, d);
            if (next >= 0)
                stmt_bind_int(st, 2, next);
            else
                stmt_bind_null(st, 2);
            stmt_bind_int(st, 3, rows[i].id);
            detail = json_pack("{ss si ss}", "action", "resume", "shift_workdays", shift, "due_date", d);
        }
        rc = stmt_step(st);
        stmt_done(st);
        bool fresh;
        if (rc >= 0)
            rc = step_record(c, rows[i].id, arena_printf(c->arena, "%s@%s", pause ? "pause" : "resume", at), detail,
                             &fresh);
        if (rc < 0) {
            json_decref(detail);
            json_decref(changed);
            return ctx_store_fail(c, rc, "暂停时限");
        }
        json_decref(detail);
        json_array_append_new(changed, json_pack("{sI ss}", "id", (json_int_t)rows[i].id, "milestone", rows[i].kind));
    }
    if (json_array_size(changed)) {
        json_t *ev = json_pack("{sO}", "milestones", changed);
        e = owner_timeline(c, owner_of("item"), item_id, unit_id, pause ? "pause" : "resume",
                           pause ? "时限暂停计算" : "时限恢复计算，到期日顺延暂停的工作日数", ev);
        json_decref(ev);
    }
    json_decref(changed);
    return e;
}

static json_t *steps_json(struct ctx *c, int64_t id)
{
    json_t *arr = json_array();
    struct stmt *st = db_prepare(c->db, "SELECT step, at, detail FROM milestone_steps WHERE milestone_id = ? "
                                        "ORDER BY at, step");
    if (!st)
        return arr;
    stmt_bind_int(st, 1, id);
    while (stmt_step(st) == STORE_ROW) {
        json_t *d = *stmt_text(st, 2) ? json_loads(stmt_text(st, 2), 0, NULL) : NULL;
        json_array_append_new(arr, json_pack("{ss ss so}", "step", stmt_text(st, 0), "at", stmt_text(st, 1), "detail",
                                             d ? d : json_object()));
    }
    stmt_done(st);
    return arr;
}

static json_t *ms_json(struct ctx *c, struct stmt *st, const struct calendar *cal)
{
    struct ms_row m;
    ms_read(c, st, &m);
    int64_t done = -1;
    if (!stmt_is_null(st, 11)) {
        int64_t t;
        if (time_parse_iso(stmt_text(st, 11), &t))
            done = time_local_day(t);
    }
    char due[11];
    cal_format_date(m.due, due);
    /* 序时进度: the resolution milestone compares the track's reported progress with the time gone
     * since the milestone was set */
    int percent = -1;
    int64_t start = m.due, created;
    if (m.kind == MS_RESOLUTION && time_parse_iso(stmt_text(st, 15), &created)) {
        const struct dl_owner *o = owner_of("item");
        percent = o->progress ? o->progress(c, m.item_id, m.unit_id) : -1;
        start = time_local_day(created);
    }
    enum light lt = deadlines_light(cal, start, m.due, time_local_day(c->now), done, percent, (int)c->cfg->yellow_days,
                                    (int)c->cfg->pace_threshold);
    if (!strcmp(m.state, "cancelled"))
        lt = LIGHT_DONE;
    return json_pack("{sI sI sI ss ss si ss ss sb ss so sb sb sb ss si so}", "id", (json_int_t)m.id, "item_id",
                     (json_int_t)m.item_id, "unit_id", (json_int_t)m.unit_id, "kind", m.kind_name, "kind_label",
                     ms_kind_label(m.kind), "seq", m.seq, "due_date", due, "state", m.state, "overridden",
                     stmt_int(st, 12) != 0, "reason", stmt_text(st, 13), "done_at",
                     stmt_is_null(st, 11) ? json_null() : json_string(stmt_text(st, 11)), "done_late",
                     stmt_int(st, 14) != 0, "paused", m.paused, "flagged", m.flagged, "light", light_name(lt), "step",
                     m.step, "steps", steps_json(c, m.id));
}

enum err deadlines_list(struct ctx *c, int64_t item_id, json_t **out)
{
    struct calendar cal;
    enum err e = calendar_load(c, &cal);
    if (e)
        return e;
    struct stmt *st =
        db_prepare(c->db, "SELECT " MS_COLS ", done_at, overridden, reason, done_late, created_at FROM milestones "
                          "WHERE item_id = ? ORDER BY unit_id, due_date, id");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取时限节点");
    stmt_bind_int(st, 1, item_id);
    json_t *arr = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        if (perm_sees(c->user, stmt_text(st, 3)))
            json_array_append_new(arr, ms_json(c, st, &cal));
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "读取时限节点");
    }
    *out = arr;
    return ERR_OK;
}

static enum err ms_get(struct ctx *c, int64_t id, json_t **out)
{
    struct calendar cal;
    enum err e = calendar_load(c, &cal);
    if (e)
        return e;
    struct stmt *st =
        db_prepare(c->db, "SELECT " MS_COLS ", done_at, overridden, reason, done_late, created_at FROM milestones "
                          "WHERE id = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取时限节点");
    stmt_bind_int(st, 1, id);
    int rc = stmt_step(st);
    if (rc == STORE_ROW)
        *out = ms_json(c, st, &cal);
    stmt_done(st);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "时限节点不存在或无权查看");
    return rc < 0 ? ctx_store_fail(c, rc, "读取时限节点") : ERR_OK;
}

/* Moves milestone m to due day nd with a reason: reschedules its ladder (reminders already past are
 * skipped; escalation steps taken stay taken), records the step, the audit record and the timeline. */
static enum err ms_apply_due(struct ctx *c, const struct ms_row *m, int64_t nd, const char *reason, const char *action)
{
    struct calendar cal;
    struct ladder l;
    enum err e;
    if ((e = calendar_load(c, &cal)) || (e = deadlines_ladder_load(c, &l)))
        return e;
    int s = first_step(&cal, &l, nd, time_local_day(c->now));
    if (s < m->step && m->step > l.nremind)
        s = m->step;
    int64_t next = m->paused ? -1 : step_at(&cal, &l, nd, s, -1);
    char d[11];
    cal_format_date(nd, d);
    struct stmt *st = db_prepare(c->db, "UPDATE milestones SET due_date = ?, overridden = 1, reason = ?, step = ?, "
                                        "next_at = ?, version = version + 1 WHERE id = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "调整时限");
    stmt_bind_text(st, 1, d);
    stmt_bind_text(st, 2, reason);
    stmt_bind_int(st, 3, s);
    if (next >= 0)
        stmt_bind_int(st, 4, next);
    else
        stmt_bind_null(st, 4);
    stmt_bind_int(st, 5, m->id);
    int rc = stmt_step(st);
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "调整时限");
    char before[11], at[21];
    cal_format_date(m->due, before);
    time_format_iso(c->now, at);
    json_t *sum = json_pack("{sI ss si ss ss ss}", "item_id", (json_int_t)m->item_id, "milestone", m->kind_name, "seq",
                            m->seq, "before", before, "after", d, "reason", reason);
    bool fresh;
    rc = step_record(c, m->id, arena_printf(c->arena, "override@%s", at), sum, &fresh);
    if (rc < 0) {
        json_decref(sum);
        return ctx_store_fail(c, rc, "调整时限");
    }
    e = audit_record(c, action, "milestone", m->id, sum);
    if (!e)
        e = owner_timeline(
            c, owner_of("item"), m->item_id, m->unit_id, "override",
            arena_printf(c->arena, "“%s”时限由 %s 调整为 %s：%s", ms_kind_label(m->kind), before, d, reason), sum);
    json_decref(sum);
    return e;
}

struct override_args {
    int64_t id;
    const char *due_date, *reason;
};

static enum err override_tx(struct ctx *c, void *arg)
{
    struct override_args *a = arg;
    struct stmt *st = db_prepare(c->db, "SELECT " MS_COLS " FROM milestones WHERE id = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "调整时限");
    stmt_bind_int(st, 1, a->id);
    struct ms_row m;
    int rc = stmt_step(st);
    if (rc == STORE_ROW)
        ms_read(c, st, &m);
    stmt_done(st);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "时限节点不存在或无权查看");
    if (rc < 0)
        return ctx_store_fail(c, rc, "调整时限");
    enum err e = perm_require(c, owner_of("item")->manage_cap, m.scope_path, "时限节点");
    if (e)
        return e;
    if (strcmp(m.state, "open") != 0)
        return ctx_fail(c, ERR_CONFLICT, "该时限节点已%s，不能再调整", strcmp(m.state, "done") ? "取消" : "完成");
    int64_t nd;
    cal_parse_date(a->due_date, &nd);
    return ms_apply_due(c, &m, nd, a->reason, "milestone.override");
}

enum err deadlines_set_due(struct ctx *c, int64_t item_id, int64_t unit_id, enum ms_kind kind, const char *due_date,
                           const char *reason, bool only_earlier)
{
    int64_t nd;
    if (!cal_parse_date(due_date, &nd))
        return ctx_fail(c, ERR_INVALID, "日期“%s”无效", due_date);
    struct stmt *st = db_prepare(c->db, "SELECT " MS_COLS " FROM milestones WHERE item_id = ? AND (unit_id = ? OR "
                                        "? = 0) AND kind = ? AND state = 'open' ORDER BY id");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "调整时限");
    stmt_bind_int(st, 1, item_id);
    stmt_bind_int(st, 2, unit_id);
    stmt_bind_int(st, 3, unit_id);
    stmt_bind_text(st, 4, ms_kind_name(kind));
    struct ms_row rows[64];
    int n = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW && n < 64)
        if (ms_read(c, st, &rows[n]))
            n++;
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "调整时限");
    for (int i = 0; i < n; i++) {
        if (rows[i].due == nd || (only_earlier && rows[i].due <= nd))
            continue;
        enum err e = ms_apply_due(c, &rows[i], nd, reason, "milestone.reschedule");
        if (e)
            return e;
    }
    return ERR_OK;
}

enum err deadlines_override(struct ctx *c, int64_t id, const char *due_date, const char *reason, json_t **out)
{
    int64_t d;
    if (!due_date || !cal_parse_date(due_date, &d))
        return ctx_fail(c, ERR_INVALID, "字段“due_date”必须是 YYYY-MM-DD 格式的日期");
    if (!reason || !*reason)
        return ctx_fail(c, ERR_INVALID, "调整时限必须说明理由（reason）");
    struct override_args a = {id, due_date, reason};
    enum err e = ctx_tx(c, "调整时限", override_tx, &a);
    return e ? e : ms_get(c, id, out);
}

/* ---- the ladder ---- */

struct scan_one {
    int64_t id;
    const struct calendar *cal;
    const struct ladder *l;
    int steps;
};

/* A chunk of due milestones handled in one transaction (each milestone's steps, notices and audit
 * records commit together with its new schedule). */
struct scan_chunk {
    const int64_t *ids;
    int n;
    const struct calendar *cal;
    const struct ladder *l;
    int steps;
};

static enum err scan_one_tx(struct ctx *c, void *arg)
{
    struct scan_one *a = arg;
    bool pg = strcmp(db_kind(c->db), "postgres") == 0;
    struct stmt *st =
        db_prepare(c->db, pg ? "SELECT " MS_COLS " FROM milestones WHERE id = ? AND next_at <= ? FOR UPDATE SKIP LOCKED"
                             : "SELECT " MS_COLS " FROM milestones WHERE id = ? AND next_at <= ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "催办扫描");
    stmt_bind_int(st, 1, a->id);
    stmt_bind_int(st, 2, c->now);
    struct ms_row m;
    int rc = stmt_step(st);
    bool ok = rc == STORE_ROW && ms_read(c, st, &m);
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "催办扫描");
    if (!ok) /* taken by another node, or no longer due */
        return ERR_OK;
    if (strcmp(m.state, "open") != 0 || m.paused)
        return ms_set_schedule(c, m.id, m.step, -1, m.flagged) < 0 ? ctx_store_fail(c, STORE_E_OTHER, "催办扫描")
                                                                   : ERR_OK;
    int64_t today = time_local_day(c->now), last_esc = -1, next = -1;
    int s = m.step;
    for (;;) {
        next = step_at(a->cal, a->l, m.due, s, last_esc);
        if (next < 0 || next > c->now)
            break;
        if (s < a->l->nremind && today > m.due) {
            s++; /* a reminder after the due day is pointless: the ladder takes over */
            continue;
        }
        const char *name = step_name(c, a->l, s);
        struct notice nt;
        struct dl_people people = {0};
        enum err e = step_message(c, &m, a->l, s, &nt, &people);
        if (e)
            return e;
        json_t *who = json_array();
        for (int i = 0; i < people.n; i++)
            json_array_append_new(who, json_integer(people.ids[i]));
        json_t *detail = json_pack("{sO}", "recipients", who);
        bool fresh;
        rc = step_record(c, m.id, name, detail, &fresh);
        json_decref(detail);
        if (rc < 0) {
            json_decref(who);
            return ctx_store_fail(c, rc, "催办扫描");
        }
        if (fresh) {
            const struct dl_owner *o = owner_of("item");
            for (int i = 0; i < people.n && !e; i++)
                e = notify_user(c, people.ids[i], &nt);
            if (!e) {
                char due[11];
                cal_format_date(m.due, due);
                json_t *sum = json_pack("{sI ss si ss ss sO}", "item_id", (json_int_t)m.item_id, "milestone",
                                        m.kind_name, "seq", m.seq, "due_date", due, "step", name, "recipients", who);
                const char *action =
                    s < a->l->nremind ? "milestone.remind" : arena_printf(c->arena, "milestone.%s", name);
                e = audit_record(c, action, "milestone", m.id, sum);
                if (!e)
                    e = owner_timeline(c, o, m.item_id, m.unit_id, name, nt.subject, sum);
                if (!e && s == a->l->nremind + STEP_REPORT && o->escalate)
                    e = o->escalate(c, m.item_id, "逾期经督办和书面催办仍未办结，报告主要领导并列入督查事项", sum);
                json_decref(sum);
            }
            if (e) {
                json_decref(who);
                return e;
            }
            a->steps++;
        }
        json_decref(who);
        if (s == a->l->nremind + STEP_REPORT)
            m.flagged = true;
        if (s >= a->l->nremind)
            last_esc = today;
        s++;
    }
    rc = ms_set_schedule(c, m.id, s, next, m.flagged);
    return rc < 0 ? ctx_store_fail(c, rc, "催办扫描") : ERR_OK;
}

#define SCAN_CHUNK 100

static enum err scan_chunk_tx(struct ctx *c, void *arg)
{
    struct scan_chunk *a = arg;
    for (int i = 0; i < a->n; i++) {
        struct scan_one one = {a->ids[i], a->cal, a->l, 0};
        enum err e = scan_one_tx(c, &one);
        if (e)
            return e;
        a->steps += one.steps;
    }
    return ERR_OK;
}

enum err deadlines_scan(struct ctx *c, int limit, int *steps)
{
    *steps = 0;
    struct stmt *st = db_prepare(c->db, "SELECT id FROM milestones WHERE next_at <= ? ORDER BY next_at LIMIT ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "催办扫描");
    stmt_bind_int(st, 1, c->now);
    stmt_bind_int(st, 2, limit);
    int64_t *ids = arena_alloc(c->arena, (size_t)(limit > 0 ? limit : 1) * sizeof *ids);
    int n = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW && n < limit)
        ids[n++] = stmt_int(st, 0);
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "催办扫描");
    if (!n)
        return ERR_OK;
    struct calendar cal;
    struct ladder l;
    enum err e;
    if ((e = calendar_load(c, &cal)) || (e = deadlines_ladder_load(c, &l)))
        return e;
    for (int i = 0; i < n; i += SCAN_CHUNK) {
        struct scan_chunk a = {ids + i, n - i < SCAN_CHUNK ? n - i : SCAN_CHUNK, &cal, &l, 0};
        e = ctx_tx(c, "催办扫描", scan_chunk_tx, &a);
        if (e)
            return e;
        *steps += a.steps;
    }
    return ERR_OK;
}
