/*
 * ladder.c: the escalation ladder of DOMAIN.md §5 that the scheduler climbs (deadlines_scan), for
 * the milestones of every owner. For a milestone due on day D (waits in working days, settings
 * "ladder"):
 *   remind-N  N days before D (and on D): reminder                                (催办)
 *   press     D + press_after: the deputy director asks the leader in charge     (督办)
 *   notice    D + notice_after: the office's written reminder notice to the unit (书面催办通知)
 *   report    D + report_after: reported to the principal leader, flagged for inspection
 * Who hears of each step is the owner's choice (dl_owner.recipients), by default the roles along
 * the milestone's unit path. After a press or a report the owner is told (dl_owner.stepped), so that the
 * leader who must now press the unit has it as a to-do (deadlines_climbed says how far each unit's
 * ladder has climbed). An escalation step never comes less than one working day after the
 * previous one, so the ladder is climbed one step at a time even when the scheduler was stopped
 * for a while. Reminders that would arrive after D are skipped: the milestone is overdue by then.
 */
#include "deadlines/deadlines_internal.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "calendar/calendar.h"
#include "notify/notify.h"

#include <string.h>

static enum err set_schedule(struct ctx *c, int64_t id, int step, int64_t next_at, bool flagged)
{
    return ctx_db_fail(c,
                       db_exec(c->db,
                               "UPDATE milestones SET step = ?, next_at = ?, flagged = ?, version = version + 1 "
                               "WHERE id = ?",
                               DB_INT(step), DB_INT_IF(next_at >= 0, next_at), DB_INT(flagged), DB_INT(id)),
                       "催办扫描");
}

/* "古督〔2026〕3号《…》的“签收”节点（第 2 次）" (arena). */
static const char *milestone_what(struct ctx *c, const struct dl_owner *o, const struct ms_row *m)
{
    const char *label = dl_owner_label(c, o, m->owner_id), *kind = deadlines_kind_label(o, m->kind);
    return m->seq > 1 || !strcmp(m->kind, ms_kind_name(MS_PERIODIC))
               ? arena_printf(c->arena, "%s的“%s”节点（第 %d 次）", label, kind, m->seq)
               : arena_printf(c->arena, "%s的“%s”节点", label, kind);
}

/* A reminder of milestone m as of today: "将于 D 到期", or once D has passed an overdue notice. */
static void reminder_text(struct ctx *c, const char *what, const char *due, bool overdue, struct notice *nt)
{
    nt->kind = MSG_REMINDER;
    due = time_date_words(c->arena, due);
    if (overdue) {
        nt->subject = arena_printf(c->arena, "【逾期】%s已于%s到期", what, due);
        nt->body = arena_printf(c->arena, "%s办理时限为%s，现已逾期，请立即办理并反馈。", what, due);
    } else {
        nt->subject = arena_printf(c->arena, "【催办】%s将于%s到期", what, due);
        nt->body = arena_printf(c->arena, "%s办理时限为%s，请按时办理并反馈。", what, due);
    }
}

/* What a press or report step of m asks or does, as the owner words it (dl_owner.step_text). */
static const char *step_text(const struct dl_owner *o, const struct ms_row *m, enum dl_step step)
{
    const char *t = o->step_text ? o->step_text(step, m->unit_id) : NULL;
    return t ? t : step == DL_PRESS ? "请分管领导督促承办单位抓紧办理" : "报告主要领导";
}

/* The notice of ladder step s of milestone m, and which step of the ladder it is (read-only). */
static enum dl_step step_message(struct ctx *c, const struct dl_owner *o, const struct ms_row *m,
                                 const struct ladder *l, int s, struct notice *nt)
{
    char due[11];
    cal_format_date(m->due, due);
    const char *when = time_date_words(c->arena, due);
    const char *what = milestone_what(c, o, m);
    /* recorded against the milestone; opens the owner's page */
    *nt = (struct notice){.object_type = "milestone",
                          .object_id = m->id,
                          .link = o->link ? arena_printf(c->arena, o->link, (long long)m->owner_id) : NULL};
    enum dl_step step;
    if (s < l->nremind) {
        step = DL_REMIND;
        reminder_text(c, what, due, false, nt);
    } else if (s == l->nremind + STEP_PRESS) {
        step = DL_PRESS;
        nt->kind = MSG_PRESS;
        nt->subject = arena_printf(c->arena, "【督办】%s已逾期", what);
        nt->body = arena_printf(c->arena, "%s办理时限%s已过。%s。", what, when, step_text(o, m, DL_PRESS));
    } else if (s == l->nremind + STEP_NOTICE) {
        step = DL_NOTICE;
        nt->kind = MSG_NOTICE;
        nt->subject = arena_printf(c->arena, "【书面催办通知】%s逾期未办结", what);
        nt->body = arena_printf(c->arena,
                                "%s办理时限%s已过且经督办仍未办结。督查室特发书面催办通知，请立即办理并书面说明情况。",
                                what, when);
    } else {
        step = DL_REPORT;
        nt->kind = MSG_REPORT;
        const char *done = step_text(o, m, DL_REPORT);
        nt->subject = arena_printf(c->arena, "【报告】%s经书面催办仍逾期，已%s", what, done);
        nt->body = arena_printf(c->arena, "%s办理时限%s已过，经督办和书面催办仍未办结，现%s。", what, when, done);
    }
    return step;
}

/* Takes ladder step s of m, once: the step record (its unique key makes it happen once), the owner's
 * to-dos after a press or a report (dl_owner.stepped, so that the recipients include who must now act),
 * the notices, the audit record, the owner's timeline and, at the last step, its escalation. */
static enum err take_step(struct ctx *c, const struct dl_owner *o, const struct ms_row *m, const struct ladder *l,
                          int s, bool *taken)
{
    const char *name = dl_step_name(c, l, s);
    struct notice nt;
    struct dl_people people = {0};
    enum dl_step step = step_message(c, o, m, l, s, &nt);
    json_t *who = NULL, *detail = NULL, *sum = NULL;
    enum err e = dl_step_record(c, m->id, name, NULL, taken);
    if (e || !*taken)
        return e;
    if ((step == DL_PRESS || step == DL_REPORT) && o->stepped && (e = o->stepped(c, m->owner_id, m->unit_id, step)))
        return e;
    e = o->recipients ? o->recipients(c, m->owner_id, m->unit_id, m->scope_path, step, &people)
                      : deadlines_recipients_default(c, m->scope_path, step, &people);
    if (e)
        return e;
    who = json_array();
    for (int i = 0; i < people.n; i++)
        json_array_append_new(who, json_integer(people.ids[i]));
    detail = json_pack("{sO}", "recipients", who);
    if ((e = dl_step_detail(c, m->id, name, detail)))
        goto out;
    for (int i = 0; i < people.n && !e; i++)
        e = notify_user(c, people.ids[i], &nt);
    if (e)
        goto out;
    char due[11];
    cal_format_date(m->due, due);
    sum = json_pack("{ss sI ss si ss ss sO}", "owner_kind", m->owner_kind, dl_owner_key(c, m->owner_kind),
                    (json_int_t)m->owner_id, "milestone", m->kind, "seq", m->seq, "due_date", due, "step", name,
                    "recipients", who);
    const char *action = s < l->nremind ? "milestone.remind" : arena_printf(c->arena, "milestone.%s", name);
    if ((e = audit_record(c, action, "milestone", m->id, sum)) ||
        (e = dl_owner_timeline(c, o, m->owner_id, m->unit_id, name, nt.subject, sum)))
        goto out;
    if (step == DL_REPORT && o->escalate)
        e = o->escalate(c, m->owner_id,
                        arena_printf(c->arena, "逾期经督办和书面催办仍未办结，%s", step_text(o, m, DL_REPORT)), sum);
out:
    json_decref(sum);
    json_decref(detail);
    json_decref(who);
    return e;
}

/* A due milestone as the scan found it, and its owner (whose row the scan locks first). */
struct scan_due {
    int64_t id, owner_id;
    const char *owner_kind;
};

struct scan_chunk {
    const struct scan_due *due;
    int n;
    const struct calendar *cal;
    const struct ladder *l;
    int steps;
};

/*
 * Climbs the ladder of one due milestone as far as c->now allows, inside the chunk's transaction.
 * Lock order (PostgreSQL): the owner's row, then the milestone, as the owner's actions take them
 * (an action locks its object's row, then changes its milestones); both without waiting (SKIP
 * LOCKED): a milestone whose owner or itself is being changed by someone is left for the next pass,
 * so that the scan never holds a milestone an action needs while waiting for the action's row.
 */
static enum err scan_one(struct ctx *c, struct scan_chunk *a, const struct scan_due *d)
{
    bool pg = strcmp(db_kind(c->db), "postgres") == 0;
    int64_t id = d->id;
    const struct dl_owner *owner = dl_owner_of(d->owner_kind);
    if (owner->table) {
        bool locked;
        enum err le = db_try_lock_row(c->db, owner->table, d->owner_id, &locked);
        if (le)
            return ctx_db_fail(c, le, "催办扫描");
        if (!locked) /* an action on the owner is under way: next pass */
            return ERR_OK;
    }
    struct stmt *st = db_query(c->db,
                               pg ? "SELECT " MS_COLS " FROM milestones WHERE id = ? AND next_at <= ? "
                                    "FOR NO KEY UPDATE SKIP LOCKED"
                                  : "SELECT " MS_COLS " FROM milestones WHERE id = ? AND next_at <= ?",
                               DB_INT(id), DB_INT(c->now));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "催办扫描");
    struct ms_row m;
    int rc = stmt_step(st);
    bool ok = rc == STORE_ROW && ms_read(c, st, &m);
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "催办扫描");
    if (!ok) /* taken by another node, or no longer due */
        return ERR_OK;
    if (strcmp(m.state, "open") != 0 || m.paused)
        return set_schedule(c, m.id, m.step, -1, m.flagged);
    const struct dl_owner *o = dl_owner_of(m.owner_kind);
    int64_t today = time_local_day(c->now), last_esc = -1, next = -1;
    int s = m.step;
    for (;;) {
        next = dl_step_at(a->cal, a->l, m.due, s, last_esc);
        if (next < 0 || next > c->now)
            break;
        if (s < a->l->nremind && today > m.due) {
            s++; /* a reminder after the due day is pointless: the ladder takes over */
            continue;
        }
        bool taken;
        enum err e = take_step(c, o, &m, a->l, s, &taken);
        if (e)
            return e;
        a->steps += taken;
        if (s == a->l->nremind + STEP_REPORT)
            m.flagged = true;
        if (s >= a->l->nremind)
            last_esc = today;
        s++;
    }
    return set_schedule(c, m.id, s, next, m.flagged);
}

#define SCAN_CHUNK 100

/* A chunk of due milestones in one transaction: each milestone's steps, notices and audit records
 * commit together with its new schedule. */
static enum err scan_chunk_tx(struct ctx *c, void *arg)
{
    struct scan_chunk *a = arg;
    enum err e = ERR_OK;
    a->steps = 0; /* ctx_tx may run this again */
    for (int i = 0; i < a->n && !e; i++)
        e = scan_one(c, a, &a->due[i]);
    return e;
}

enum err deadlines_scan(struct ctx *c, int limit, int *steps)
{
    *steps = 0;
    struct stmt *st = db_query(c->db,
                               "SELECT id, owner_kind, owner_id FROM milestones WHERE next_at <= ? "
                               "ORDER BY next_at LIMIT ?",
                               DB_INT(c->now), DB_INT(limit));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "催办扫描");
    struct scan_due *due = arena_alloc(c->arena, (size_t)(limit > 0 ? limit : 1) * sizeof *due);
    int n = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW && n < limit) {
        due[n] = (struct scan_due){stmt_int(st, 0), stmt_int(st, 2), arena_strdup(c->arena, stmt_text(st, 1))};
        n++;
    }
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
        struct scan_chunk a = {due + i, n - i < SCAN_CHUNK ? n - i : SCAN_CHUNK, &cal, &l, 0};
        if ((e = ctx_tx(c, "催办扫描", scan_chunk_tx, &a)))
            return e;
        *steps += a.steps;
    }
    return ERR_OK;
}

/*
 * notify's recheck of a message about a milestone when it is actually sent (notify.h): e-mail and SMS
 * may leave hours or a holiday after the step that queued them. A message about a milestone that is
 * no longer open (done, cancelled) or paused (the item suspended) is dropped; a reminder is dropped
 * when a newer one about the same milestone reached the same person, and is otherwise rendered again
 * from the milestone as it is now (its due day may have moved): once that day has passed it becomes
 * an overdue notice instead of announcing a date in the past. The ladder's later steps (press,
 * notice, report) go as queued: each is a record of that step.
 */
static enum notify_recheck milestone_recheck(struct ctx *c, const struct notify_queued *q, const char **subject,
                                             const char **body, const char **why)
{
    struct stmt *st = db_query(c->db, "SELECT " MS_COLS " FROM milestones WHERE id = ?", DB_INT(q->object_id));
    struct ms_row m;
    int rc = st ? stmt_step(st) : STORE_E_OTHER;
    bool found = rc == STORE_ROW && ms_read(c, st, &m);
    if (st)
        stmt_done(st);
    if (rc < 0)
        return NOTIFY_SEND; /* cannot tell: as queued */
    if (!found || strcmp(m.state, "open") != 0) {
        *why = "所提醒的节点已办结或已撤销，不再发送";
        return NOTIFY_DROP;
    }
    if (m.paused) {
        *why = "所提醒的节点已暂停计时（事项中止），不再发送";
        return NOTIFY_DROP;
    }
    if (strcmp(q->kind, msg_kind_name(MSG_REMINDER)) != 0)
        return NOTIFY_SEND;
    if (q->newer) {
        *why = "同一节点已有更新的到期提醒，不再发送这一条";
        return NOTIFY_DROP;
    }
    char due[11];
    cal_format_date(m.due, due);
    struct notice nt = {0};
    reminder_text(c, milestone_what(c, dl_owner_of(m.owner_kind), &m), due, time_local_day(c->now) > m.due, &nt);
    if (!strcmp(nt.subject, q->subject) && !strcmp(nt.body, q->body))
        return NOTIFY_SEND;
    *subject = nt.subject;
    *body = nt.body;
    return NOTIFY_REWRITE;
}

void dl_ladder_register(void)
{
    notify_register_recheck("milestone", milestone_recheck);
}
