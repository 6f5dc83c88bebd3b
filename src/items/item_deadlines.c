/*
 * item_deadlines.c: the workflow's side of the deadline clocks (DOMAIN.md §4–§5, src/deadlines).
 *   assign               every track gets its milestones from the rules, starting today; the item's
 *                        own due date is its resolution, later or earlier than the rule's limit
 *                        (古政办发〔2021〕52号: 凡注明办理期限的事项承办单位必须如期办结; the rule's
 *                        "原则上10天内" proposes the date at registration), and receipt, deployment
 *                        and first feedback do not fall after it; each moved milestone keeps the rule's day in its reason (the
 *                        notice, 督办通知, is the workflow's hand-off message: item_workflow.c)
 *   receive              the track's receipt milestone is done
 *   report / plan        deployment done; the first report answers first_feedback, the next the report
 *                        obligation (implementation_report: 江苏 30日内报告贯彻落实情况), later ones the
 *                        earliest open periodic report
 *   request_completion   the track's resolution milestone is done, and its report obligation (the reply
 *                        reports how the item was carried out)
 *   suspend / resume     every clock of the item stops / runs again (due days move by the pause)
 *   request_extension    the requesting track's clocks stop until the decision
 *   decide_extension     clocks run again; when granted, resolution moves to the new date
 *   verify               open milestones are cancelled; each track gets what the completion starts: the
 *                        handling report (人大建议、政协提案: 办理任务完成后20日内向交办单位报告办理情况), answered
 *                        by the unit's handling report (handling.c)
 *   withdraw / archive   open milestones are cancelled
 * It also registers items with the modules below them (items_register): the deadlines owner "item"
 * (label, timeline, progress, escalation, and the recipients of reminders: who must act, from the
 * workflow's to-dos) and the columns that copy unit paths.
 */
#include "deadlines/deadlines.h"
#include "items/items_internal.h"
#include "units/units.h"
#include "workflow/workflow.h"

#include "base/timeu.h"

#include <string.h>

#define ITEM "item" /* the owner kind of items' milestones */

/* The report answers the unit's report obligation (the implementation report, else the earliest periodic
 * report): the milestone is done, the report names it (the roll-up reads the form by it), and the office hears
 * of a report that came after its day (the ladder told it of the missed day already). */
static enum err report_obligation_done(struct ctx *c, const struct item *it, const struct track *tr, const json_t *data)
{
    int64_t ms = 0;
    bool late = false;
    enum err e = deadlines_done_id(c, ITEM, it->id, tr->unit_id, ms_kind_name(MS_IMPL_REPORT), &ms, &late);
    if (!e && !ms)
        e = deadlines_done_id(c, ITEM, it->id, tr->unit_id, ms_kind_name(MS_PERIODIC), &ms, &late);
    int64_t report_id = json_integer_value(json_object_get(data, "report_id"));
    if (e || !ms || !report_id)
        return e;
    e = db_exec(c->db, "UPDATE item_reports SET milestone_id = ? WHERE id = ?", DB_INT(ms), DB_INT(report_id));
    if (e)
        return ctx_db_fail(c, e, "保存定期报告");
    return late ? items_report_late_notice(c, it, tr, ms) : ERR_OK;
}

enum err item_deadlines(struct ctx *c, const struct item *it, const struct track *tr, enum item_action a,
                        const json_t *data)
{
    enum err e = ERR_OK;
    bool found;
    switch (a) {
    case ITEM_ACT_ASSIGN: {
        struct deadline_facts f = {it->source_kind, it->importance, it->kind, 0};
        if (it->due_date)
            cal_parse_date(it->due_date, &f.until);
        int64_t today = time_local_day(c->now);
        for (int k = 0; k < it->ntracks && !e; k++) {
            int n;
            e = deadlines_fill(c, ITEM, it->id, it->tracks[k].unit_id, it->tracks[k].unit_path, &f, today, &n);
        }
        break;
    }
    case ITEM_ACT_RECEIVE:
        e = deadlines_done(c, ITEM, it->id, tr->unit_id, ms_kind_name(MS_RECEIPT), NULL);
        break;
    case ITEM_ACT_REPORT:
    case ITEM_ACT_PLAN:
        e = deadlines_done(c, ITEM, it->id, tr->unit_id, ms_kind_name(MS_DEPLOYMENT), NULL);
        if (!e && a == ITEM_ACT_REPORT)
            e = deadlines_done(c, ITEM, it->id, tr->unit_id, ms_kind_name(MS_FIRST_FEEDBACK), &found);
        if (!e && a == ITEM_ACT_REPORT && !found)
            e = report_obligation_done(c, it, tr, data);
        break;
    case ITEM_ACT_REQUEST_COMPLETION: /* the completion reply also reports how the item was carried out */
        e = deadlines_done(c, ITEM, it->id, tr->unit_id, ms_kind_name(MS_RESOLUTION), NULL);
        if (!e)
            e = deadlines_done(c, ITEM, it->id, tr->unit_id, ms_kind_name(MS_IMPL_REPORT), NULL);
        break;
    case ITEM_ACT_SUSPEND:
        e = deadlines_pause(c, ITEM, it->id, 0, true);
        break;
    case ITEM_ACT_RESUME:
        e = deadlines_pause(c, ITEM, it->id, 0, false);
        break;
    case ITEM_ACT_REQUEST_EXTENSION:
        e = deadlines_pause(c, ITEM, it->id, tr ? tr->unit_id : 0, true);
        break;
    case ITEM_ACT_DECIDE_EXTENSION: {
        e = deadlines_pause(c, ITEM, it->id, 0, false);
        const char *nd = json_string_value(json_object_get(data, "new_date"));
        if (!e && nd && json_is_true(json_object_get(data, "approve")))
            e = deadlines_set_due(c, ITEM, it->id, 0, ms_kind_name(MS_RESOLUTION), nd, "延期申请获批", false);
        break;
    }
    case ITEM_ACT_VERIFY: { /* the work is done; what the completion starts runs from today (办理情况报告) */
        e = deadlines_cancel(c, ITEM, it->id);
        struct deadline_facts f = {it->source_kind, it->importance, it->kind, 0};
        int64_t today = time_local_day(c->now);
        for (int k = 0; k < it->ntracks && !e; k++) {
            int n;
            e = deadlines_fill_after(c, ITEM, it->id, it->tracks[k].unit_id, it->tracks[k].unit_path, &f, today, &n);
        }
        break;
    }
    case ITEM_ACT_WITHDRAW:
    case ITEM_ACT_ARCHIVE:
        e = deadlines_cancel(c, ITEM, it->id);
        break;
    default:
        break;
    }
    return e;
}

static enum err item_timeline(struct ctx *c, int64_t id, int64_t unit_id, const char *action, const char *note,
                              json_t *data)
{
    return items_timeline_add(c, id, unit_id, "deadline", action, note, data);
}

/* The resolution milestone measures the track's progress (序时进度); the others do not. */
static bool item_progress_measures(const char *kind)
{
    return !strcmp(kind, ms_kind_name(MS_RESOLUTION));
}

static int item_progress(struct ctx *c, int64_t id, int64_t unit_id, const char *kind)
{
    return item_progress_measures(kind) ? items_track_progress(c, id, unit_id) : -1;
}

/* Every track's progress at once (the list of the item's milestones): unit id, state, reported percent. */
static struct stmt *item_progress_send(struct ctx *c, int64_t id)
{
    /* the parts' order: the lead unit's track first, then by id (the item's page lists them so) */
    struct stmt *st = db_query(c->db,
                               "SELECT unit_id, state, progress FROM item_tracks WHERE item_id = ? ORDER BY CASE WHEN "
                               "role = 'lead' THEN 0 ELSE 1 END, id",
                               DB_INT(id));
    stmt_send(st);
    return st;
}

static int item_progress_row(struct stmt *st)
{
    enum item_state s;
    return item_state_parse(stmt_text(st, 1), &s) ? items_track_percent(s, (int)stmt_int(st, 2)) : -1;
}

/*
 * Who hears of a ladder step of an item's milestone at unit_id. A reminder goes to the people of that
 * unit who must act on its track now (the workflow's to-dos: the contact who must receive or report,
 * the head who must sign …), or to the unit's contact when nobody there is awaited (the track waits
 * on the office), and to the secretarial section that follows the item; the written notice reaches them as well as the roles DOMAIN.md §5 names. The press
 * and the report go up the roles of the unit path (deadlines_recipients_default) and to whoever holds
 * the to-do they created (item_stepped ran before: the leader in charge, the principal leader, or the
 * office when the item names none), so the message goes with the to-do.
 */
/* The secretarial section's people at the item's home unit (where its office works), none elsewhere. */
static enum err secretaries(struct ctx *c, int64_t id, struct dl_people *out)
{
    int64_t home = 0;
    enum err e = db_one_int(
        c->db, &home, "SELECT u.id FROM items i JOIN units u ON u.path = i.office_path WHERE i.id = ?", DB_INT(id));
    if (e == ERR_NOT_FOUND)
        return ERR_OK;
    return e ? ctx_db_fail(c, e, "催办扫描") : dl_people_role_at(c, out, "secretary", home);
}

static enum err item_recipients(struct ctx *c, int64_t id, int64_t unit_id, const char *path, enum dl_step step,
                                struct dl_people *out)
{
    if (unit_id) {
        bool ladder = step == DL_PRESS || step == DL_REPORT;
        struct wf_actor *who;
        int n;
        enum err e = workflow_who_must_act(c, ITEM, id, unit_id, &who, &n);
        for (int i = 0; i < n && !e; i++) {
            if (item_task_ladder(who[i].task) != ladder) /* reminders chase the track's work, the ladder its own */
                continue;
            if (who[i].role < 0)
                dl_people_add(c, out, who[i].user_id);
            else if (ladder || who[i].unit_id == unit_id) /* the unit's own people, not the office reviewing it */
                e = dl_people_role_at(c, out, role_name((enum role)who[i].role), who[i].unit_id);
        }
        /* the secretarial section that follows the item (秘书科室, at the item's home) hears of each reminder:
         * its daily follow-up is to chase the unit (催办、催报) */
        if (!e && step == DL_REMIND)
            e = secretaries(c, id, out);
        if (e || (step == DL_REMIND && out->n))
            return e;
    }
    return deadlines_recipients_default(c, path, step, out);
}

/* A press or a report of a unit's overdue milestone: the leader who must now press the unit gets the to-do
 * (a ladder part of the item, item_load.c); the ladder's own message is the hand-off. */
static enum err item_stepped(struct ctx *c, int64_t id, int64_t unit_id, enum dl_step step)
{
    (void)unit_id;
    (void)step;
    return workflow_todos_sync(c, &item_workflow, id, NULL);
}

/* The last step lists the item for inspection (items_mark_escalated). */
static const char *item_step_text(enum dl_step step, int64_t unit_id)
{
    (void)unit_id;
    return step == DL_REPORT ? "报告主要领导并列入督查事项" : NULL;
}

static const struct dl_owner item_owner = {
    .kind = ITEM,
    .what = "督办事项",
    .table = "items",
    .link = "/items/%lld",
    .manage_cap = CAP_ITEM_REGISTER,
    .step_text = item_step_text,
    .label = items_label,
    .timeline = item_timeline,
    .progress = item_progress,
    .progress_send = item_progress_send,
    .progress_row = item_progress_row,
    .progress_measures = item_progress_measures,
    .escalate = items_mark_escalated,
    .recipients = item_recipients,
    .stepped = item_stepped,
};

void items_register(void)
{
    deadlines_register_owner(&item_owner);
    /* the copies of unit paths that make item visibility a range scan */
    units_register_path_copy("items", "office_path");
    units_register_path_copy("items", "lead_path");
    units_register_path_copy("item_tracks", "unit_path");
}
