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

#include <stdlib.h>
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

/* Whose milestone m is: the owner's label and, for a unit's part, the unit ("古督〔2026〕3号《…》古城县交通运输局":
 * an item's units each have their own milestones, and the office must know which one is late) (arena). */
static const char *milestone_head(struct ctx *c, const struct dl_owner *o, const struct ms_row *m)
{
    const char *label = dl_owner_label(c, o, m->owner_id), *unit = NULL;
    if (m->unit_id && db_one_text(c->db, c->arena, &unit, "SELECT name FROM units WHERE id = ?", DB_INT(m->unit_id)))
        unit = NULL;
    return unit ? arena_printf(c->arena, "%s%s", label, unit) : label;
}

/* The milestone's kind as a list names it: "“签收”", "“定期报告”（第 2 次）" (arena). */
static const char *milestone_kind(struct ctx *c, const struct dl_owner *o, const struct ms_row *m, bool node)
{
    const char *kind = deadlines_kind_label(o, m->kind), *n = node ? "节点" : "";
    return m->seq > 1 || !strcmp(m->kind, ms_kind_name(MS_PERIODIC))
               ? arena_printf(c->arena, "“%s”%s（第 %d 次）", kind, n, m->seq)
               : arena_printf(c->arena, "“%s”%s", kind, n);
}

/* "古督〔2026〕3号《…》古城县交通运输局的“签收”节点（第 2 次）" (arena). */
static const char *milestone_what(struct ctx *c, const struct dl_owner *o, const struct ms_row *m)
{
    return arena_printf(c->arena, "%s的%s", milestone_head(c, o, m), milestone_kind(c, o, m, true));
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

/*
 * The notices of a scan chunk, sent when the chunk's milestones are done (flush_notices): the escalation notices
 * (press, notice, report) of one object's part to one person go as one message listing its milestones, so that
 * a unit that let several milestones of an item pass (its receipt, deployment and first feedback, found together
 * after a holiday or when the scheduler was stopped) costs its leader one 【督办】, not one per milestone. Each
 * milestone keeps its own step record, audit record and timeline entry. Reminders go one by one: each is checked
 * again when it is sent (milestone_recheck) and may be reworded from its own milestone's day. A chunk holds the
 * whole of each part it has due (deadlines_scan), however the due milestones fell across the scan's batch.
 */
struct pending {
    int64_t user;
    const struct ms_row *m;
    const struct dl_owner *o;
    enum dl_step step;
    struct notice nt;
    bool sent;
};

/* A due milestone as the scan found it: its part (owner and unit) and its owner (whose row the scan locks first). */
struct scan_due {
    int64_t id, owner_id, unit_id;
    const char *owner_kind;
};

struct scan_chunk {
    const struct scan_due *due;
    int n;
    const struct calendar *cal;
    const struct ladder *l;
    int steps;
    struct pending *pend; /* the chunk's notices (arena) */
    int npend, cap;
};

/* Queues nt about m (a copy the chunk keeps) for user. */
static void pending_add(struct ctx *c, struct scan_chunk *a, int64_t user, const struct ms_row *m,
                        const struct dl_owner *o, enum dl_step step, const struct notice *nt)
{
    if (a->npend == a->cap) {
        int cap = a->cap ? 2 * a->cap : 64;
        struct pending *p = arena_alloc(c->arena, (size_t)cap * sizeof *p);
        if (a->npend)
            memcpy(p, a->pend, (size_t)a->npend * sizeof *p);
        a->pend = p;
        a->cap = cap;
    }
    a->pend[a->npend++] = (struct pending){.user = user, .m = m, .o = o, .step = step, .nt = *nt};
}

/* Takes ladder step s of m, once: the step record (its unique key makes it happen once), the owner's
 * to-dos after a press or a report (dl_owner.stepped, so that the recipients include who must now act),
 * the notices (sent with the chunk's, struct pending), the audit record, the owner's timeline and, at the last
 * step, its escalation. */
static enum err take_step(struct ctx *c, struct scan_chunk *a, const struct dl_owner *o, const struct ms_row *m,
                          const struct ladder *l, int s, bool *taken)
{
    const char *name = dl_step_name(c, l, s);
    struct notice nt;
    struct dl_people people = {0};
    json_t *who = NULL, *detail = NULL, *sum = NULL;
    enum err e = dl_step_record(c, m->id, name, NULL, taken);
    if (e || !*taken)
        return e;
    enum dl_step step = step_message(c, o, m, l, s, &nt);
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
    /* m lives in scan_one's frame: the chunk's notices keep a copy (its strings are in the arena) */
    struct ms_row *kept = arena_alloc(c->arena, sizeof *kept);
    *kept = *m;
    for (int i = 0; i < people.n; i++)
        pending_add(c, a, people.ids[i], kept, o, step, &nt);
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

static bool same_part(const struct pending *x, const struct pending *y)
{
    return x->user == y->user && x->step == y->step && x->m->owner_id == y->m->owner_id &&
           x->m->unit_id == y->m->unit_id && !strcmp(x->m->owner_kind, y->m->owner_kind);
}

static int by_due(const void *x, const void *y)
{
    const struct ms_row *a = (*(struct pending *const *)x)->m, *b = (*(struct pending *const *)y)->m;
    return a->due != b->due ? (a->due < b->due ? -1 : 1) : a->id < b->id ? -1 : a->id > b->id;
}

/* One message for the escalation notices g[0..n-1] (n > 1) of one part to one person: the milestones listed
 * with their days, earliest first; recorded against the milestone due last (the one that stays open longest:
 * the message is dropped at sending only once it is closed, milestone_recheck). */
static struct notice combined(struct ctx *c, struct pending **g, int n)
{
    qsort(g, (size_t)n, sizeof *g, by_due);
    const struct ms_row *last = g[n - 1]->m;
    const char *kinds = "", *days = "";
    for (int i = 0; i < n; i++) {
        const struct ms_row *m = g[i]->m;
        char due[11];
        cal_format_date(m->due, due);
        const char *k = milestone_kind(c, g[i]->o, m, false);
        if (i < 3)
            kinds = arena_printf(c->arena, "%s%s", kinds, k);
        days = arena_printf(c->arena, "%s%s%s（%s）", days, i ? "、" : "", k, time_date_words(c->arena, due));
    }
    const char *head = milestone_head(c, g[0]->o, g[0]->m),
               *nodes =
                   n > 3 ? arena_printf(c->arena, "%s等%d个节点", kinds, n) : arena_printf(c->arena, "%s节点", kinds);
    struct notice nt = g[0]->nt;
    nt.object_id = last->id;
    switch (g[0]->step) {
    case DL_PRESS:
        nt.subject = arena_printf(c->arena, "【督办】%s的%s已逾期", head, nodes);
        nt.body = arena_printf(c->arena, "%s的%d个节点办理时限已过：%s。%s。", head, n, days,
                               step_text(g[0]->o, g[0]->m, DL_PRESS));
        break;
    case DL_NOTICE:
        nt.subject = arena_printf(c->arena, "【书面催办通知】%s的%s逾期未办结", head, nodes);
        nt.body = arena_printf(c->arena,
                               "%s的%d个节点办理时限已过且经督办仍未办结：%s。督查室特发书面催办通知，"
                               "请立即办理并书面说明情况。",
                               head, n, days);
        break;
    default: {
        const char *done = step_text(g[0]->o, g[0]->m, DL_REPORT);
        nt.subject = arena_printf(c->arena, "【报告】%s的%s经书面催办仍逾期，已%s", head, nodes, done);
        nt.body = arena_printf(c->arena, "%s的%d个节点办理时限已过，经督办和书面催办仍未办结：%s，现%s。", head, n,
                               days, done);
    }
    }
    return nt;
}

/* Sends the chunk's notices: a reminder alone, the escalation notices of one part to one person together. */
static enum err flush_notices(struct ctx *c, struct scan_chunk *a)
{
    enum err e = ERR_OK;
    struct pending **g = arena_alloc(c->arena, (size_t)(a->npend ? a->npend : 1) * sizeof *g);
    for (int i = 0; i < a->npend && !e; i++) {
        struct pending *p = &a->pend[i];
        if (p->sent)
            continue;
        int n = 0;
        g[n++] = p;
        for (int j = i + 1; p->step != DL_REMIND && j < a->npend; j++)
            if (!a->pend[j].sent && same_part(p, &a->pend[j])) {
                g[n++] = &a->pend[j];
                a->pend[j].sent = true;
            }
        p->sent = true;
        if (n == 1) {
            e = notify_user(c, p->user, &p->nt);
        } else {
            struct notice nt = combined(c, g, n);
            e = notify_user(c, p->user, &nt);
        }
    }
    return e;
}

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
        enum err e = take_step(c, a, o, &m, a->l, s, &taken);
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

/* A transaction's worth of due milestones; a part's milestones are never split between two (a chunk ends after
 * SCAN_CHUNK milestones and the part it is in), so that their notices go together (flush_notices). */
#define SCAN_CHUNK 100

/* A chunk of due milestones in one transaction: each milestone's steps, notices and audit records
 * commit together with its new schedule; the notices are sent at the end (struct pending). */
static enum err scan_chunk_tx(struct ctx *c, void *arg)
{
    struct scan_chunk *a = arg;
    enum err e = ERR_OK;
    a->steps = 0; /* ctx_tx may run this again */
    a->npend = 0;
    for (int i = 0; i < a->n && !e; i++)
        e = scan_one(c, a, &a->due[i]);
    return e ? e : flush_notices(c, a);
}

static int part_cmp(const struct scan_due *x, const struct scan_due *y)
{
    int k = strcmp(x->owner_kind, y->owner_kind);
    if (k)
        return k;
    if (x->owner_id != y->owner_id)
        return x->owner_id < y->owner_id ? -1 : 1;
    return x->unit_id < y->unit_id ? -1 : x->unit_id > y->unit_id;
}

/* By part, then id: a part's milestones side by side, the same milestone read twice next to itself. */
static int by_part(const void *x, const void *y)
{
    const struct scan_due *a = x, *b = y;
    int k = part_cmp(a, b);
    return k ? k : a->id < b->id ? -1 : a->id > b->id;
}

/* Reads the due milestones, at most limit in the order they fell due, into *due (arena): *n of them. */
static enum err scan_read(struct ctx *c, int limit, struct scan_due **due, int *n, int *cap)
{
    struct stmt *st = db_query(c->db,
                               "SELECT id, owner_kind, owner_id, unit_id FROM milestones WHERE next_at <= ? "
                               "ORDER BY next_at LIMIT ?",
                               DB_INT(c->now), DB_INT(limit));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "催办扫描");
    *cap = limit > 0 ? limit : 1;
    *due = arena_alloc(c->arena, (size_t)*cap * sizeof **due);
    *n = 0;
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW && *n < limit)
        (*due)[(*n)++] = (struct scan_due){stmt_int(st, 0), stmt_int(st, 2), stmt_int(st, 3),
                                           arena_strdup(c->arena, stmt_text(st, 1))};
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "催办扫描") : ERR_OK;
}

/*
 * A batch cut at limit may have left out due milestones of a part it holds (they fell due later than the batch's
 * last); they are read with it (through the (owner_kind, owner_id, unit_id, …) key), so that a part's notices are
 * never split between two batches either. *due is sorted by part; a milestone read twice is kept once. One probe
 * per part (a round trip on PostgreSQL, beside the ~10 of each milestone's step): one statement for the batch's
 * parts, a VALUES list joined to milestones, made SQLite build a Bloom filter over the whole table for each
 * batch (1 % of 1,000,000 due: 3.9 s a pass against 1.5 s).
 */
static enum err scan_complete_parts(struct ctx *c, struct scan_due **due, int *n, int *cap)
{
    qsort(*due, (size_t)*n, sizeof **due, by_part);
    int read = *n;
    for (int i = 0; i < read; i++) {
        if (i && !part_cmp(&(*due)[i - 1], &(*due)[i]))
            continue;
        struct scan_due part = (*due)[i];
        struct stmt *st =
            db_query(c->db,
                     "SELECT id FROM milestones WHERE owner_kind = ? AND owner_id = ? AND unit_id = ? "
                     "AND next_at <= ?",
                     DB_TEXT(part.owner_kind), DB_INT(part.owner_id), DB_INT(part.unit_id), DB_INT(c->now));
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "催办扫描");
        int rc;
        while ((rc = stmt_step(st)) == STORE_ROW) {
            if (*n == *cap) {
                struct scan_due *more = arena_alloc(c->arena, (size_t)*cap * 2 * sizeof *more);
                memcpy(more, *due, (size_t)*n * sizeof *more);
                *due = more;
                *cap *= 2;
            }
            part.id = stmt_int(st, 0);
            (*due)[(*n)++] = part;
        }
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "催办扫描");
    }
    qsort(*due, (size_t)*n, sizeof **due, by_part);
    int kept = 0;
    for (int i = 0; i < *n; i++)
        if (!kept || (*due)[kept - 1].id != (*due)[i].id)
            (*due)[kept++] = (*due)[i];
    *n = kept;
    return ERR_OK;
}

enum err deadlines_scan(struct ctx *c, int limit, int *steps)
{
    *steps = 0;
    struct scan_due *due = NULL;
    int n = 0, cap = 0;
    enum err e = scan_read(c, limit, &due, &n, &cap);
    if (e || !n)
        return e;
    if (n < limit) /* every due milestone is in the batch */
        qsort(due, (size_t)n, sizeof *due, by_part);
    else if ((e = scan_complete_parts(c, &due, &n, &cap)))
        return e;
    struct calendar cal;
    struct ladder l;
    if ((e = calendar_load(c, &cal)) || (e = deadlines_ladder_load(c, &l)))
        return e;
    for (int i = 0, end; i < n; i = end) {
        end = n - i < SCAN_CHUNK ? n : i + SCAN_CHUNK;
        while (end < n && !part_cmp(&due[end - 1], &due[end]))
            end++;
        struct scan_chunk a = {due + i, end - i, &cal, &l, 0, NULL, 0, 0};
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
