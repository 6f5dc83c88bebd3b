/*
 * steps.c: what milestones.c and ladder.c share: a milestone row as read, the ladder's arithmetic
 * (when each step falls due) and the exactly-once record of a step; see deadlines_internal.h.
 */
#include "deadlines/deadlines_internal.h"

#include "base/timeu.h"
#include "calendar/calendar.h"

#include <stdlib.h>

bool ms_read(struct ctx *c, struct stmt *st, struct ms_row *m)
{
    m->id = stmt_int(st, 0);
    m->owner_kind = arena_strdup(c->arena, stmt_text(st, 1));
    m->owner_id = stmt_int(st, 2);
    m->unit_id = stmt_int(st, 3);
    m->scope_path = arena_strdup(c->arena, stmt_text(st, 4));
    m->kind = arena_strdup(c->arena, stmt_text(st, 5));
    m->seq = (int)stmt_int(st, 6);
    m->state = arena_strdup(c->arena, stmt_text(st, 8));
    m->paused = !stmt_is_null(st, 9);
    m->paused_at = m->paused ? stmt_int(st, 9) : 0;
    m->step = (int)stmt_int(st, 10);
    m->flagged = stmt_int(st, 11) != 0;
    return cal_parse_date(stmt_text(st, 7), &m->due);
}

static int ladder_steps(const struct ladder *l)
{
    return l->nremind + 3;
}

const char *dl_step_name(struct ctx *c, const struct ladder *l, int s)
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

int64_t dl_step_at(const struct calendar *cal, const struct ladder *l, int64_t due, int s, int64_t last_esc_day)
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

int dl_first_step(const struct calendar *cal, const struct ladder *l, int64_t due, int64_t today)
{
    int s = 0;
    while (s < l->nremind && step_day(cal, l, due, s) <= today)
        s++;
    return s;
}

enum err dl_step_record(struct ctx *c, int64_t ms, const char *step, json_t *detail, bool *fresh)
{
    char at[21];
    time_format_iso(c->now, at);
    char *d = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    int64_t got;
    enum err e = db_one_int(c->db, &got,
                            "INSERT INTO milestone_steps (milestone_id, step, at, detail) VALUES (?, ?, ?, ?) "
                            "ON CONFLICT (milestone_id, step) DO NOTHING RETURNING milestone_id",
                            DB_INT(ms), DB_TEXT(step), DB_TEXT(at), DB_TEXT(d ? d : ""));
    free(d);
    *fresh = e == ERR_OK;
    return e == ERR_NOT_FOUND ? ERR_OK : ctx_db_fail(c, e, "记录时限节点");
}

enum err dl_step_detail(struct ctx *c, int64_t ms, const char *step, json_t *detail)
{
    char *d = json_dumps(detail, JSON_COMPACT);
    enum err e = db_exec(c->db, "UPDATE milestone_steps SET detail = ? WHERE milestone_id = ? AND step = ?",
                         DB_TEXT(d ? d : ""), DB_INT(ms), DB_TEXT(step));
    free(d);
    return ctx_db_fail(c, e, "记录时限节点");
}
