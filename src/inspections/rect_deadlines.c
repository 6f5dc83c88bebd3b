/*
 * rect_deadlines.c: a rectification task's deadline on the deadline clocks (src/deadlines): the same
 * lights, reminders and escalation ladder as a supervision item's, through the owner "rectification"
 * registered at start-up (inspections_register).
 *   created (not fixed on the spot)   one milestone, kind "rectification", due on the task's due date, at
 *                                     the responsible unit
 *   sign                              the unit head signed the rectification report: done (late when
 *                                     after the due date)
 *   return (the office's 核查退回)     the same deadline again: a new milestone due on the same day
 *   verify, close_now, withdraw       whatever is open is cancelled
 * The ladder's recipients are the default ones (reminder: the unit's contact; press: its leaders in
 * charge and the nearest deputy director; notice: contact, head and the nearest office; report: the
 * principal leader and the office); its last step flags the task (rect_tasks.escalated).
 */
#include "inspections/insp_internal.h"
#include "base/utf8.h"

#include "audit/audit.h"
#include "calendar/workdays.h"
#include "deadlines/deadlines.h"

#include <inttypes.h>
#include <string.h>

#define OWNER "rectification"

enum err rect_deadline_start(struct ctx *c, int64_t id, int64_t unit_id, const char *unit_path, const char *due)
{
    int64_t day;
    if (!cal_parse_date(due, &day))
        return ctx_fail(c, ERR_INVALID, "整改时限（%s）不是有效日期", due);
    return deadlines_add(c, OWNER, id, unit_id, unit_path, OWNER, 1, day, NULL);
}

enum err rect_deadlines(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct rect *r = rect_of(a->obj);
    switch ((enum rect_action)a->action) {
    case RECT_ACT_SIGN:
        return deadlines_done(c, OWNER, r->id, r->unit_id, OWNER, NULL);
    case RECT_ACT_RETURN: {
        /* the same deadline, once more: seq = returns so far + 2 (this one is not on the timeline yet) */
        int64_t returns = 0, day;
        enum err e =
            db_one_int(c->db, &returns,
                       "SELECT COUNT(*) FROM insp_events WHERE object_type = 'rectification' AND object_id = ? "
                       "AND action = 'return'",
                       DB_INT(r->id));
        if (e)
            return ctx_db_fail(c, e, "读取整改任务");
        if (!cal_parse_date(r->due_date, &day))
            return ERR_OK;
        return deadlines_add(c, OWNER, r->id, r->unit_id, r->unit_path, OWNER, (int)returns + 2, day, NULL);
    }
    case RECT_ACT_VERIFY:
    case RECT_ACT_CLOSE_NOW:
    case RECT_ACT_WITHDRAW:
        return deadlines_cancel(c, OWNER, r->id);
    default:
        return ERR_OK;
    }
}

/* ---- the owner ---- */

static const char *label(struct ctx *c, int64_t id)
{
    const char *number = NULL, *title = NULL;
    struct stmt *st = db_query(c->db, "SELECT number, title FROM rect_tasks WHERE id = ?", DB_INT(id));
    if (st && stmt_step(st) == STORE_ROW) {
        number = arena_strdup(c->arena, stmt_text(st, 0) ? stmt_text(st, 0) : "");
        title = arena_strdup(c->arena, stmt_text(st, 1));
    }
    if (st)
        stmt_done(st);
    return title ? arena_printf(c->arena, "%s《%s》", number, utf8_inner_title(c->arena, title)) : NULL;
}

static enum err timeline(struct ctx *c, int64_t id, int64_t unit_id, const char *action, const char *note, json_t *data)
{
    return insp_event(c, "rectification", id, "deadline", action, NULL, NULL, 0, unit_id, note, data);
}

/* The reported percent measures the pace (序时进度). */
static int progress(struct ctx *c, int64_t id, int64_t unit_id, const char *kind)
{
    (void)unit_id;
    (void)kind;
    int64_t p = -1;
    if (db_one_int(c->db, &p, "SELECT progress FROM rect_tasks WHERE id = ?", DB_INT(id)))
        return -1;
    return (int)p;
}

static const char *milestone_label(const char *kind)
{
    return !strcmp(kind, OWNER) ? "整改时限" : NULL;
}

/* The ladder's last step: the task is flagged (a red mark in lists and on the workbench). */
static enum err escalate(struct ctx *c, int64_t id, const char *note, json_t *data)
{
    int64_t one;
    enum err e = db_one_int(
        c->db, &one, "UPDATE rect_tasks SET escalated = 1 WHERE id = ? AND escalated = 0 RETURNING 1", DB_INT(id));
    if (e == ERR_NOT_FOUND)
        return ERR_OK; /* flagged already */
    if (e)
        return ctx_db_fail(c, e, "整改任务逾期上报");
    e = insp_event(c, "rectification", id, "transition", "escalate", NULL, NULL, 0, 0, note, data);
    if (!e) {
        json_t *sum = json_pack("{ss sO}", "note", note ? note : "", "data", data ? data : json_null());
        e = audit_record(c, "rectification.escalate", "rectification", id, sum);
        json_decref(sum);
    }
    return e;
}

/* The last step flags the task (escalate), it does not list it for inspection. */
static const char *step_text(enum dl_step step, int64_t unit_id)
{
    (void)unit_id;
    return step == DL_REPORT ? "报告主要领导，整改任务标记为逾期上报" : NULL;
}

static const struct dl_owner owner = {
    .kind = OWNER,
    .what = RECT_WHAT,
    .table = "rect_tasks",
    .link = RECT_LINK,
    .manage_cap = CAP_INSP_MANAGE,
    .step_text = step_text,
    .label = label,
    .timeline = timeline,
    .progress = progress,
    .milestone_label = milestone_label,
    .escalate = escalate,
};

void rect_register_owner(void)
{
    deadlines_register_owner(&owner);
}
