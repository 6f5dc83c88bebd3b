/*
 * milestones.c: the milestones of one owner's object: filled from the rules or added one by one,
 * done, paused and resumed (every open one, however many), moved (overrides, extensions),
 * cancelled and listed with their lights and ladder steps; see deadlines.h. The ladder itself is
 * ladder.c.
 */
#include "deadlines/deadlines_internal.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "calendar/calendar.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Reads every row of st (MS_COLS) into an arena array; the statement is done. */
static enum err ms_read_all(struct ctx *c, struct stmt *st, const char *what, struct ms_row **out, int *n)
{
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, what);
    int cap = 16, rc;
    struct ms_row *rows = arena_alloc(c->arena, sizeof *rows * (size_t)cap);
    *n = 0;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        if (*n == cap) {
            struct ms_row *grown = arena_alloc(c->arena, sizeof *grown * (size_t)cap * 2);
            memcpy(grown, rows, sizeof *rows * (size_t)cap);
            rows = grown;
            cap *= 2;
        }
        if (ms_read(c, st, &rows[*n]))
            (*n)++;
    }
    stmt_done(st);
    *out = rows;
    return rc < 0 ? ctx_store_fail(c, rc, what) : ERR_OK;
}

/* A milestone kind: lower-case letters and '_', 1 to 32 characters. */
static bool kind_ok(const char *k)
{
    size_t n = k ? strlen(k) : 0;
    if (n < 1 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(k[i] >= 'a' && k[i] <= 'z') && k[i] != '_')
            return false;
    return true;
}

/* Inserts one milestone (kept if it exists); its ladder starts at the first step still ahead. */
static enum err ms_insert(struct ctx *c, const char *owner_kind, int64_t owner_id, int64_t unit_id, const char *path,
                          const char *kind, int seq, int64_t due, int64_t rule_id, const char *reason, int64_t start,
                          const struct calendar *cal, const struct ladder *l, bool *created)
{
    int64_t today = time_local_day(c->now);
    int s = dl_first_step(cal, l, due, today > start ? today : start);
    int64_t next = dl_step_at(cal, l, due, s, -1), id;
    char d[11], at[21];
    cal_format_date(due, d);
    time_format_iso(c->now, at);
    enum err e = db_one_int(c->db, &id,
                            "INSERT INTO milestones (owner_kind, owner_id, unit_id, scope_path, kind, seq, due_date, "
                            "rule_id, overridden, reason, step, next_at, created_at) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                            "ON CONFLICT (owner_kind, owner_id, unit_id, kind, seq) DO NOTHING RETURNING id",
                            DB_TEXT(owner_kind), DB_INT(owner_id), DB_INT(unit_id), DB_TEXT(path), DB_TEXT(kind),
                            DB_INT(seq), DB_TEXT(d), DB_INT_IF(rule_id, rule_id), DB_INT(reason != NULL),
                            DB_TEXT(reason ? reason : ""), DB_INT(s), DB_INT_IF(next >= 0, next), DB_TEXT(at));
    if (created)
        *created = e == ERR_OK;
    return e == ERR_NOT_FOUND ? ERR_OK : ctx_db_fail(c, e, "生成时限节点");
}

/* The milestones the rules give a part: from the start (day: the start) or, with after, those the completion
 * of its work starts (day: the completion). */
static enum err fill(struct ctx *c, const char *owner_kind, int64_t owner_id, int64_t unit_id, const char *unit_path,
                     const struct deadline_facts *f, int64_t day, bool after, int *count)
{
    struct deadline_rule *rules;
    size_t n;
    struct calendar cal;
    struct ladder l;
    enum err e;
    if ((e = deadlines_rules_load(c, &rules, &n)) || (e = calendar_load(c, &cal)) || (e = deadlines_ladder_load(c, &l)))
        return e;
    struct deadline_due due[DEADLINES_MAX];
    int nd = after ? deadlines_compute_after(&cal, rules, n, f, day, due, DEADLINES_MAX)
                   : deadlines_compute(&cal, rules, n, f, day, due, DEADLINES_MAX);
    *count = 0;
    for (int i = 0; i < nd && !e; i++) {
        bool created;
        e = ms_insert(c, owner_kind, owner_id, unit_id, unit_path, ms_kind_name(due[i].kind), due[i].seq, due[i].due,
                      due[i].rule_id, after ? NULL : deadlines_stated_reason(c->arena, rules, n, f, &due[i]), day, &cal,
                      &l, &created);
        *count += created;
    }
    return e;
}

enum err deadlines_fill(struct ctx *c, const char *owner_kind, int64_t owner_id, int64_t unit_id, const char *unit_path,
                        const struct deadline_facts *f, int64_t start, int *count)
{
    return fill(c, owner_kind, owner_id, unit_id, unit_path, f, start, false, count);
}

enum err deadlines_fill_after(struct ctx *c, const char *owner_kind, int64_t owner_id, int64_t unit_id,
                              const char *unit_path, const struct deadline_facts *f, int64_t done, int *count)
{
    return fill(c, owner_kind, owner_id, unit_id, unit_path, f, done, true, count);
}

enum err deadlines_add(struct ctx *c, const char *owner_kind, int64_t owner_id, int64_t unit_id, const char *unit_path,
                       const char *kind, int seq, int64_t due, bool *created)
{
    if (!kind_ok(kind) || seq < 1)
        return ctx_fail(c, ERR_INVALID, "时限节点类型“%s”无效（小写字母和下划线，1 到 32 个字符）", kind ? kind : "");
    struct calendar cal;
    struct ladder l;
    enum err e;
    if ((e = calendar_load(c, &cal)) || (e = deadlines_ladder_load(c, &l)))
        return e;
    return ms_insert(c, owner_kind, owner_id, unit_id, unit_path, kind, seq, due, 0, NULL, time_local_day(c->now), &cal,
                     &l, created);
}

enum err deadlines_done(struct ctx *c, const char *owner_kind, int64_t owner_id, int64_t unit_id, const char *kind,
                        bool *found)
{
    int64_t id = 0;
    enum err e = deadlines_done_id(c, owner_kind, owner_id, unit_id, kind, &id, NULL);
    if (found)
        *found = id != 0;
    return e;
}

enum err deadlines_done_id(struct ctx *c, const char *owner_kind, int64_t owner_id, int64_t unit_id, const char *kind,
                           int64_t *ms_id, bool *late)
{
    *ms_id = 0;
    if (late)
        *late = false;
    struct stmt *st = db_query(c->db,
                               "SELECT id, due_date FROM milestones WHERE owner_kind = ? AND owner_id = ? AND "
                               "unit_id = ? AND kind = ? AND state = 'open' ORDER BY seq LIMIT 1",
                               DB_TEXT(owner_kind), DB_INT(owner_id), DB_INT(unit_id), DB_TEXT(kind));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "更新时限节点");
    int rc = stmt_step(st);
    int64_t id = 0, due = 0;
    if (rc == STORE_ROW) {
        id = stmt_int(st, 0);
        cal_parse_date(stmt_text(st, 1), &due);
    }
    stmt_done(st);
    if (rc != STORE_ROW)
        return rc < 0 ? ctx_store_fail(c, rc, "更新时限节点") : ERR_OK;
    *ms_id = id;
    if (late)
        *late = time_local_day(c->now) > due;
    char at[21];
    time_format_iso(c->now, at);
    return ctx_db_fail(c,
                       db_exec(c->db,
                               "UPDATE milestones SET state = 'done', done_at = ?, done_late = ?, next_at = NULL, "
                               "version = version + 1 WHERE id = ?",
                               DB_TEXT(at), DB_INT(time_local_day(c->now) > due), DB_INT(id)),
                       "更新时限节点");
}

enum err deadlines_cancel(struct ctx *c, const char *owner_kind, int64_t owner_id)
{
    return ctx_db_fail(c,
                       db_exec(c->db,
                               "UPDATE milestones SET state = 'cancelled', next_at = NULL, version = version + 1 "
                               "WHERE owner_kind = ? AND owner_id = ? AND state = 'open'",
                               DB_TEXT(owner_kind), DB_INT(owner_id)),
                       "更新时限节点");
}

enum err deadlines_cancel_kind(struct ctx *c, const char *owner_kind, int64_t owner_id, int64_t unit_id,
                               const char *kind)
{
    return ctx_db_fail(c,
                       db_exec(c->db,
                               "UPDATE milestones SET state = 'cancelled', next_at = NULL, version = version + 1 "
                               "WHERE owner_kind = ? AND owner_id = ? AND unit_id = ? AND kind = ? AND state = 'open'",
                               DB_TEXT(owner_kind), DB_INT(owner_id), DB_INT(unit_id), DB_TEXT(kind)),
                       "更新时限节点");
}

struct stmt *deadlines_climbed_send(struct ctx *c, const char *owner_kind, int64_t owner_id)
{
    struct stmt *st = db_query(c->db,
                               "SELECT m.unit_id, s.step, MAX(s.at), MIN(m.due_date) FROM milestones m "
                               "JOIN milestone_steps s ON s.milestone_id = m.id "
                               "WHERE m.owner_kind = ? AND m.owner_id = ? AND m.state = 'open' AND m.paused_at IS NULL "
                               "AND s.step IN ('press', 'report') GROUP BY m.unit_id, s.step ORDER BY m.unit_id",
                               DB_TEXT(owner_kind), DB_INT(owner_id));
    stmt_send(st);
    return st;
}

enum err deadlines_climbed(struct ctx *c, const char *owner_kind, int64_t owner_id, struct dl_climb **out, int *n)
{
    return deadlines_climbed_read(c, deadlines_climbed_send(c, owner_kind, owner_id), out, n);
}

enum err deadlines_climbed_read(struct ctx *c, struct stmt *st, struct dl_climb **out, int *n)
{
    *out = NULL;
    *n = 0;
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取时限节点");
    int rc, cap = 0;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        int64_t unit = stmt_int(st, 0);
        if (!*n || (*out)[*n - 1].unit_id != unit) {
            if (*n == cap) {
                cap = cap ? cap * 2 : 4;
                struct dl_climb *bigger = arena_alloc(c->arena, sizeof *bigger * (size_t)cap);
                if (*n)
                    memcpy(bigger, *out, sizeof *bigger * (size_t)*n);
                *out = bigger;
            }
            (*out)[(*n)++] = (struct dl_climb){.unit_id = unit};
        }
        struct dl_climb *x = &(*out)[*n - 1];
        char *at = strcmp(stmt_text(st, 1), "press") ? x->report_at : x->press_at;
        snprintf(at, sizeof x->press_at, "%s", stmt_text(st, 2));
        const char *due = stmt_text(st, 3);
        if (!*x->due_date || strcmp(due, x->due_date) < 0)
            snprintf(x->due_date, sizeof x->due_date, "%s", due);
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取时限节点") : ERR_OK;
}

struct stmt *deadlines_open_of_kind_send(struct ctx *c, const char *owner_kind, int64_t owner_id, const char *kind)
{
    struct stmt *st = db_query(c->db,
                               "SELECT id, unit_id, due_date FROM milestones WHERE owner_kind = ? AND owner_id = ? AND "
                               "kind = ? AND state = 'open' ORDER BY id",
                               DB_TEXT(owner_kind), DB_INT(owner_id), DB_TEXT(kind));
    stmt_send(st);
    return st;
}

enum err deadlines_open_of_kind(struct ctx *c, const char *owner_kind, int64_t owner_id, const char *kind,
                                struct dl_open **out, int *n)
{
    return deadlines_open_of_kind_read(c, deadlines_open_of_kind_send(c, owner_kind, owner_id, kind), out, n);
}

enum err deadlines_open_of_kind_read(struct ctx *c, struct stmt *st, struct dl_open **out, int *n)
{
    *out = NULL;
    *n = 0;
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取时限节点");
    int rc, cap = 0;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 4;
            struct dl_open *bigger = arena_alloc(c->arena, sizeof *bigger * (size_t)cap);
            if (*n)
                memcpy(bigger, *out, sizeof *bigger * (size_t)*n);
            *out = bigger;
        }
        struct dl_open *x = &(*out)[(*n)++];
        x->id = stmt_int(st, 0);
        x->unit_id = stmt_int(st, 1);
        snprintf(x->due_date, sizeof x->due_date, "%s", stmt_text(st, 2));
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取时限节点") : ERR_OK;
}

/* Pauses or resumes one milestone: its clock, its step record and its entry in changed. */
static enum err pause_one(struct ctx *c, const struct ms_row *m, bool pause, const struct calendar *cal,
                          const struct ladder *l, const char *at, json_t *changed)
{
    json_t *detail;
    enum err e;
    if (pause) {
        e = db_exec(c->db, "UPDATE milestones SET paused_at = ?, next_at = NULL, version = version + 1 WHERE id = ?",
                    DB_INT(c->now), DB_INT(m->id));
        detail = json_pack("{ss}", "action", "pause");
    } else {
        int64_t due = m->due;
        int shift = cal_workdays_between(cal, time_local_day(m->paused_at), time_local_day(c->now));
        if (shift > 0)
            due = cal_add_workdays(cal, due, shift);
        char d[11];
        cal_format_date(due, d);
        int64_t next = dl_step_at(cal, l, due, m->step, -1);
        e = db_exec(c->db,
                    "UPDATE milestones SET paused_at = NULL, due_date = ?, next_at = ?, version = version + 1 "
                    "WHERE id = ?",
                    DB_TEXT(d), DB_INT_IF(next >= 0, next), DB_INT(m->id));
        detail = json_pack("{ss si ss}", "action", "resume", "shift_workdays", shift, "due_date", d);
    }
    bool fresh;
    if (e)
        e = ctx_db_fail(c, e, pause ? "暂停时限" : "恢复时限");
    else
        e = dl_step_record(c, m->id, arena_printf(c->arena, "%s@%s", pause ? "pause" : "resume", at), detail, &fresh);
    json_decref(detail);
    if (!e)
        json_array_append_new(changed,
                              json_pack("{sI ss si}", "id", (json_int_t)m->id, "milestone", m->kind, "seq", m->seq));
    return e;
}

enum err deadlines_pause(struct ctx *c, const char *owner_kind, int64_t owner_id, int64_t unit_id, bool pause)
{
    struct calendar cal;
    struct ladder l;
    struct ms_row *rows;
    int n;
    enum err e;
    if ((e = calendar_load(c, &cal)) || (e = deadlines_ladder_load(c, &l)) ||
        (e = ms_read_all(c,
                         db_query(c->db,
                                  "SELECT " MS_COLS " FROM milestones WHERE owner_kind = ? AND owner_id = ? AND "
                                  "(unit_id = ? OR ? = 0) AND state = 'open' ORDER BY id",
                                  DB_TEXT(owner_kind), DB_INT(owner_id), DB_INT(unit_id), DB_INT(unit_id)),
                         "暂停时限", &rows, &n)))
        return e;
    char at[21];
    time_format_iso(c->now, at);
    json_t *changed = json_array();
    for (int i = 0; i < n && !e; i++)
        if (rows[i].paused != pause)
            e = pause_one(c, &rows[i], pause, &cal, &l, at, changed);
    if (!e && json_array_size(changed)) {
        json_t *ev = json_pack("{sO}", "milestones", changed);
        e = dl_owner_timeline(c, dl_owner_of(owner_kind), owner_id, unit_id, pause ? "pause" : "resume",
                              pause ? "时限暂停计算" : "时限恢复计算，到期日顺延暂停的工作日数", ev);
        json_decref(ev);
    }
    json_decref(changed);
    return e;
}

/* A ladder step as the API shows it, from the columns step, at, detail of st starting at col. */
static json_t *step_json(struct stmt *st, int col)
{
    json_t *d = *stmt_text(st, col + 2) ? json_loads(stmt_text(st, col + 2), 0, NULL) : NULL;
    return json_pack("{ss ss so}", "step", stmt_text(st, col), "at", stmt_text(st, col + 1), "detail",
                     d ? d : json_object());
}

/* The ladder steps taken on milestone id, oldest first. */
static json_t *steps_json(struct ctx *c, int64_t id)
{
    json_t *arr = json_array();
    struct stmt *st = db_query(
        c->db, "SELECT step, at, detail FROM milestone_steps WHERE milestone_id = ? ORDER BY at, step", DB_INT(id));
    while (st && stmt_step(st) == STORE_ROW)
        json_array_append_new(arr, step_json(st, 0));
    stmt_done(st);
    return arr;
}

#define MS_MORE ", done_at, overridden, reason, done_late, created_at"

/* The progress of each part of an object, read at once for a list of its milestones (dl_owner.progress_send). */
struct parts_progress {
    int n;
    int64_t *unit;
    int *percent;
};

/* A milestone as the API shows it (MS_COLS MS_MORE), with its light and steps (steps: its steps, taken; NULL:
 * read here; pp: its parts' progress, read for the list; NULL: asked of the owner). */
static json_t *ms_json(struct ctx *c, struct stmt *st, const struct calendar *cal, json_t *steps,
                       const struct parts_progress *pp)
{
    struct ms_row m;
    ms_read(c, st, &m);
    const struct dl_owner *o = dl_owner_of(m.owner_kind);
    int64_t done = -1, t;
    if (!stmt_is_null(st, MS_NCOLS) && time_parse_iso(stmt_text(st, MS_NCOLS), &t))
        done = time_local_day(t);
    char due[11];
    cal_format_date(m.due, due);
    /* 序时进度: a milestone that measures the part's progress compares the reported percent with the
     * time gone since it was set */
    int percent = -1;
    if (pp && o->progress_measures(m.kind)) {
        for (int i = 0; i < pp->n && percent < 0; i++)
            if (pp->unit[i] == m.unit_id)
                percent = pp->percent[i];
    } else if (!pp && o->progress) {
        percent = o->progress(c, m.owner_id, m.unit_id, m.kind);
    }
    int64_t start = m.due, created;
    if (percent >= 0 && time_parse_iso(stmt_text(st, MS_NCOLS + 4), &created))
        start = time_local_day(created);
    enum light lt = deadlines_light(cal, start, m.due, time_local_day(c->now), done, percent, (int)c->cfg->yellow_days,
                                    (int)c->cfg->pace_threshold);
    if (!strcmp(m.state, "cancelled"))
        lt = LIGHT_DONE;
    json_t *j =
        json_pack("{sI ss sI sI ss ss si ss ss sb ss so sb sb sb ss si so}", "id", (json_int_t)m.id, "owner_kind",
                  m.owner_kind, "owner_id", (json_int_t)m.owner_id, "unit_id", (json_int_t)m.unit_id, "kind", m.kind,
                  "kind_label", deadlines_kind_label(o, m.kind), "seq", m.seq, "due_date", due, "state", m.state,
                  "overridden", stmt_int(st, MS_NCOLS + 1) != 0, "reason", stmt_text(st, MS_NCOLS + 2), "done_at",
                  stmt_is_null(st, MS_NCOLS) ? json_null() : json_string(stmt_text(st, MS_NCOLS)), "done_late",
                  stmt_int(st, MS_NCOLS + 3) != 0, "paused", m.paused, "flagged", m.flagged, "light", light_name(lt),
                  "step", m.step, "steps", steps ? steps : steps_json(c, m.id));
    json_object_set_new(j, dl_owner_key(c, m.owner_kind), json_integer(m.owner_id));
    return j;
}

/* A milestone of a list: its part's place (0: the object's own), its place in the statement's order. */
struct ms_ent {
    int part, seq;
    json_t *j;
};

static int ms_ent_cmp(const void *x, const void *y)
{
    const struct ms_ent *a = x, *b = y;
    return a->part != b->part ? (a->part < b->part ? -1 : 1) : (a->seq > b->seq) - (a->seq < b->seq);
}

enum err deadlines_list(struct ctx *c, const char *owner_kind, int64_t owner_id, json_t **out)
{
    struct calendar cal;
    enum err e = calendar_load(c, &cal);
    if (e)
        return e;
    /* the steps of all the object's milestones, its parts' progress (when its owner reads them at once) and the
     * milestones travel together (one round trip on PostgreSQL), not a read of steps and progress per milestone */
    const struct dl_owner *o = dl_owner_of(owner_kind);
    bool at_once = o && o->progress_send && o->progress_row && o->progress_measures;
    struct stmt *progress = at_once ? o->progress_send(c, owner_id) : NULL;
    struct stmt *steps =
        db_query(c->db,
                 "SELECT s.milestone_id, s.step, s.at, s.detail FROM milestone_steps s "
                 "JOIN milestones m ON m.id = s.milestone_id WHERE m.owner_kind = ? AND m.owner_id = ? "
                 "ORDER BY s.milestone_id, s.at, s.step",
                 DB_TEXT(owner_kind), DB_INT(owner_id));
    stmt_send(steps);
    struct stmt *st = db_query(c->db,
                               "SELECT " MS_COLS MS_MORE " FROM milestones WHERE owner_kind = ? AND owner_id = ? "
                               "ORDER BY unit_id, due_date, id",
                               DB_TEXT(owner_kind), DB_INT(owner_id));
    stmt_send(st);
    if (!steps || !st || (at_once && !progress)) {
        stmt_done(progress);
        stmt_done(steps);
        stmt_done(st);
        return ctx_store_fail(c, STORE_E_OTHER, "读取时限节点");
    }
    struct parts_progress pp = {0};
    int rc = STORE_DONE, cap = 0, pcap = 0;
    while (progress && (rc = stmt_step(progress)) == STORE_ROW) {
        pp.unit = arena_grow(c->arena, pp.unit, pp.n, &cap, sizeof *pp.unit);
        pp.percent = arena_grow(c->arena, pp.percent, pp.n, &pcap, sizeof *pp.percent);
        pp.unit[pp.n] = stmt_int(progress, 0);
        pp.percent[pp.n++] = o->progress_row(progress);
    }
    stmt_done(progress);
    json_t *by_id = json_object(), *arr = json_array();
    while (rc >= 0 && (rc = stmt_step(steps)) == STORE_ROW) {
        const char *key = arena_printf(c->arena, "%" PRId64, stmt_int(steps, 0));
        json_t *list = json_object_get(by_id, key);
        if (!list)
            json_object_set_new(by_id, key, list = json_array());
        json_array_append_new(list, step_json(steps, 1));
    }
    stmt_done(steps);
    /* in the order of the parts as the owner reads them (an item's lead unit first): the object's own first, then
     * each part's by due day, a unit that is no part last, by unit */
    struct ms_ent *ents = NULL;
    int nents = 0, ecap = 0;
    while (rc >= 0 && (rc = stmt_step(st)) == STORE_ROW)
        if (perm_sees(c->user, stmt_text(st, 4))) {
            json_t *list = json_object_get(by_id, arena_printf(c->arena, "%" PRId64, stmt_int(st, 0)));
            int64_t unit = stmt_int(st, 3);
            int part = unit ? pp.n + 1 : 0;
            for (int k = 0; unit && k < pp.n; k++)
                if (pp.unit[k] == unit) {
                    part = k + 1;
                    break;
                }
            ents = arena_grow(c->arena, ents, nents, &ecap, sizeof *ents);
            ents[nents] = (struct ms_ent){
                part, nents, ms_json(c, st, &cal, list ? json_incref(list) : json_array(), at_once ? &pp : NULL)};
            nents++;
        }
    stmt_done(st);
    json_decref(by_id);
    if (nents > 1)
        qsort(ents, (size_t)nents, sizeof *ents, ms_ent_cmp);
    for (int k = 0; k < nents; k++)
        json_array_append_new(arr, ents[k].j);
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
    struct stmt *st = db_query(c->db, "SELECT " MS_COLS MS_MORE " FROM milestones WHERE id = ?", DB_INT(id));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取时限节点");
    int rc = stmt_step(st);
    if (rc == STORE_ROW)
        *out = ms_json(c, st, &cal, NULL, NULL);
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
    int s = dl_first_step(&cal, &l, nd, time_local_day(c->now));
    if (s < m->step && m->step > l.nremind)
        s = m->step;
    int64_t next = m->paused ? -1 : dl_step_at(&cal, &l, nd, s, -1);
    char d[11], before[11], at[21];
    cal_format_date(nd, d);
    cal_format_date(m->due, before);
    time_format_iso(c->now, at);
    e = db_exec(c->db,
                "UPDATE milestones SET due_date = ?, overridden = 1, reason = ?, step = ?, next_at = ?, "
                "version = version + 1 WHERE id = ?",
                DB_TEXT(d), DB_TEXT(reason), DB_INT(s), DB_INT_IF(next >= 0, next), DB_INT(m->id));
    if (e)
        return ctx_db_fail(c, e, "调整时限");
    const struct dl_owner *o = dl_owner_of(m->owner_kind);
    json_t *sum = json_pack("{ss sI ss si ss ss ss}", "owner_kind", m->owner_kind, dl_owner_key(c, m->owner_kind),
                            (json_int_t)m->owner_id, "milestone", m->kind, "seq", m->seq, "before", before, "after", d,
                            "reason", reason);
    bool fresh;
    if (!(e = dl_step_record(c, m->id, arena_printf(c->arena, "override@%s", at), sum, &fresh)) &&
        !(e = audit_record(c, action, "milestone", m->id, sum)))
        e = dl_owner_timeline(
            c, o, m->owner_id, m->unit_id, "override",
            arena_printf(c->arena, "“%s”时限由 %s 调整为 %s：%s", deadlines_kind_label(o, m->kind), before, d, reason),
            sum);
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
    struct stmt *st = db_query(c->db, "SELECT " MS_COLS " FROM milestones WHERE id = ?", DB_INT(a->id));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "调整时限");
    struct ms_row m;
    int rc = stmt_step(st);
    if (rc == STORE_ROW)
        ms_read(c, st, &m);
    stmt_done(st);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "时限节点不存在或无权查看");
    if (rc < 0)
        return ctx_store_fail(c, rc, "调整时限");
    enum err e = perm_require(c, dl_owner_of(m.owner_kind)->manage_cap, m.scope_path, "时限节点");
    if (e)
        return e;
    if (strcmp(m.state, "open") != 0)
        return ctx_fail(c, ERR_CONFLICT, "该时限节点已%s，不能再调整", strcmp(m.state, "done") ? "取消" : "完成");
    int64_t nd;
    cal_parse_date(a->due_date, &nd);
    return ms_apply_due(c, &m, nd, a->reason, "milestone.override");
}

enum err deadlines_set_due(struct ctx *c, const char *owner_kind, int64_t owner_id, int64_t unit_id, const char *kind,
                           const char *due_date, const char *reason, bool only_earlier)
{
    int64_t nd;
    if (!cal_parse_date(due_date, &nd))
        return ctx_fail(c, ERR_INVALID, "日期“%s”无效", due_date);
    struct ms_row *rows;
    int n;
    enum err e =
        ms_read_all(c,
                    db_query(c->db,
                             "SELECT " MS_COLS " FROM milestones WHERE owner_kind = ? AND owner_id = ? AND "
                             "(unit_id = ? OR ? = 0) AND kind = ? AND state = 'open' ORDER BY id",
                             DB_TEXT(owner_kind), DB_INT(owner_id), DB_INT(unit_id), DB_INT(unit_id), DB_TEXT(kind)),
                    "调整时限", &rows, &n);
    for (int i = 0; i < n && !e; i++)
        if (rows[i].due != nd && !(only_earlier && rows[i].due <= nd))
            e = ms_apply_due(c, &rows[i], nd, reason, "milestone.reschedule");
    return e;
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
