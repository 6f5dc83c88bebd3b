/*
 * warnings.c: early warning (研判预警, issue 12; Gu County 003_… 三(五)): the responsible units' tracks of running
 * items that trend late, flagged before they are overdue, each with the facts a clerk acts on.
 *
 * Signals (per track; the item running, the track not yet asking for completion, today on or before the due
 * date — an overdue item is red and on the ladder already):
 *   pace        the reported percent lags the share of time gone since assignment (序时进度) by more than
 *               pace_gap points;
 *   extensions  at least `extensions` extension requests of the track (or the whole item), pending or granted;
 *   ignored     at least `presses` 催办 (the office's or a leader's naming the unit) and ladder reminders,
 *               presses and notices to the unit with no progress report after them;
 *   silent      due within due_days working days and no progress report for silent_days days (since
 *               assignment when none).
 * The thresholds are the government's (warning_settings, the office changes them, audited `warnings.settings`);
 * no row: the defaults.
 *
 * The flags are data (early_warnings), kept by the scheduler's pass as the ledger's lights are: the items
 * whose timeline moved since the last pass (item_events after a watermark) are looked at again at once, and
 * every running item once per local day in chunks (time alone moves pace and silence) — and again after a
 * change of thresholds; a pass looks at PASS_CHUNKS chunks of each at most and the next goes on. A page reads the active rows of the user's scope through the path indexes: its cost
 * follows the warnings, never the items the user may see. A signal raised for the first time tells the
 * unit's contact once (told_at); raising and clearing are audited (`warning.raise`, `warning.clear`).
 */
#include "results/results_internal.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "base/utf8.h"
#include "calendar/calendar.h"
#include "notify/notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { W_PACE, W_EXTENSIONS, W_IGNORED, W_SILENT, W__COUNT };
static const char *const W_NAMES[W__COUNT] = {"pace", "extensions", "ignored", "silent"};
static const char *const W_LABELS[W__COUNT] = {"进度滞后于序时进度", "多次申请延期", "催办后未报送进展",
                                               "临近到期久未报送"};

struct w_set {
    int64_t unit_id;
    int pace_gap, extensions, presses, due_days, silent_days;
    bool saved;
};
static const struct w_set W_DEFAULTS = {0, 20, 2, 2, 5, 14, false};

#define CHUNK 500
/* chunks of items a pass looks at, at most, for the events and for the day's sweep each: a pass stays short at
 * province scale (the sweep goes on from its cursor in the next pass) */
#define PASS_CHUNKS 20
#define RUNNING "('assigned', 'received', 'in_progress', 'completion_requested', 'completion_signed')"

/* ---- thresholds ---- */

static enum err set_load(struct ctx *c, int64_t unit_id, struct w_set *s)
{
    *s = W_DEFAULTS;
    s->unit_id = unit_id;
    struct stmt *st = db_query(
        c->db, "SELECT pace_gap, extensions, presses, due_days, silent_days FROM warning_settings WHERE unit_id = ?",
        DB_INT(unit_id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取预警阈值");
    int rc = stmt_step(st);
    if (rc == STORE_ROW)
        *s = (struct w_set){unit_id,
                            (int)stmt_int(st, 0),
                            (int)stmt_int(st, 1),
                            (int)stmt_int(st, 2),
                            (int)stmt_int(st, 3),
                            (int)stmt_int(st, 4),
                            true};
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取预警阈值") : ERR_OK;
}

static json_t *set_json(const struct w_set *s)
{
    return json_pack("{si si si si si sb}", "pace_gap", s->pace_gap, "extensions", s->extensions, "presses", s->presses,
                     "due_days", s->due_days, "silent_days", s->silent_days, "saved", s->saved);
}

enum err warnings_settings_get(struct ctx *c, json_t **out)
{
    const struct grant *g = NULL;
    struct w_set s;
    enum err e = res_government_grant(c, false, "预警阈值", &g);
    if (e || (e = set_load(c, g->unit_id, &s)))
        return e;
    *out = set_json(&s);
    json_object_set_new(*out, "government", json_pack("{sI ss}", "id", (json_int_t)g->unit_id, "name", g->unit_name));
    return ERR_OK;
}

const struct jv_field warnings_settings_spec[] = {
    {"pace_gap", JV_INT, 0, 1, 100, "落后序时进度的百分点"}, {"extensions", JV_INT, 0, 1, 20, "延期申请次数"},
    {"presses", JV_INT, 0, 1, 20, "催办后未报送的次数"},     {"due_days", JV_INT, 0, 1, 60, "临近到期的工作日数"},
    {"silent_days", JV_INT, 0, 1, 365, "未报送进展的天数"},  {NULL, 0, 0, 0, 0, NULL},
};

static enum err settings_tx(struct ctx *c, void *arg)
{
    const json_t *body = arg;
    const struct grant *g = NULL;
    struct w_set s;
    enum err e = res_government_grant(c, true, "预警阈值", &g);
    if (e || (e = set_load(c, g->unit_id, &s)))
        return e;
    json_t *before = set_json(&s);
    s.pace_gap = (int)jv_int(body, "pace_gap", s.pace_gap);
    s.extensions = (int)jv_int(body, "extensions", s.extensions);
    s.presses = (int)jv_int(body, "presses", s.presses);
    s.due_days = (int)jv_int(body, "due_days", s.due_days);
    s.silent_days = (int)jv_int(body, "silent_days", s.silent_days);
    s.saved = true;
    char at[21];
    time_format_iso(c->now, at);
    e = db_exec(c->db,
                "INSERT INTO warning_settings (unit_id, pace_gap, extensions, presses, due_days, silent_days, "
                "updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (unit_id) DO UPDATE SET "
                "pace_gap = excluded.pace_gap, extensions = excluded.extensions, presses = excluded.presses, "
                "due_days = excluded.due_days, silent_days = excluded.silent_days, updated_by = excluded.updated_by, "
                "updated_at = excluded.updated_at",
                DB_INT(g->unit_id), DB_INT(s.pace_gap), DB_INT(s.extensions), DB_INT(s.presses), DB_INT(s.due_days),
                DB_INT(s.silent_days), DB_INT(c->user->id), DB_TEXT(at));
    /* every running item is looked at again with the new thresholds by the next pass */
    if (!e)
        e = db_exec(c->db, "DELETE FROM settings WHERE key = 'warnings_sweep'");
    if (e) {
        json_decref(before);
        return ctx_db_fail(c, e, "保存预警阈值");
    }
    json_t *sum = json_pack("{so so}", "before", before, "after", set_json(&s));
    e = audit_record(c, "warnings.settings", "government", g->unit_id, sum);
    json_decref(sum);
    return e;
}

enum err warnings_settings_put(struct ctx *c, const json_t *body, json_t **out)
{
    enum err e = ctx_tx(c, "保存预警阈值", settings_tx, (void *)body);
    return e ? e : warnings_settings_get(c, out);
}

/* ---- the pass ---- */

struct w_pass {
    struct ctx *c;
    struct calendar cal;
    int64_t today;
    char now[21];
    struct w_set *sets;
    int nsets, capsets;
    int changed;
};

static enum err pass_set(struct w_pass *p, int64_t unit_id, const struct w_set **out)
{
    for (int i = 0; i < p->nsets; i++)
        if (p->sets[i].unit_id == unit_id) {
            *out = &p->sets[i];
            return ERR_OK;
        }
    p->sets = res_grow(p->c, p->sets, p->nsets, &p->capsets, sizeof *p->sets, 8);
    enum err e = set_load(p->c, unit_id, &p->sets[p->nsets]);
    if (e)
        return e;
    *out = &p->sets[p->nsets++];
    return ERR_OK;
}

struct w_track {
    int64_t id, item_id, unit_id, office_unit_id, progress;
    const char *unit_path, *office_path, *state, *item_state, *due_date, *assigned_at, *number, *title;
};

static bool in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(s, *list))
            return true;
    return false;
}

static int64_t local_day_of(const char *iso)
{
    int64_t t;
    return iso && time_parse_iso(iso, &t) ? time_local_day(t) : -1;
}

static json_t *day_json(int64_t d)
{
    if (d < 0)
        return json_null();
    char s[11];
    cal_format_date(d, s);
    return json_string(s);
}

/* The newest progress report of the track (its instant, or NULL). */
static enum err last_report(struct ctx *c, int64_t track_id, const char **at)
{
    *at = NULL;
    enum err e = db_one_text(c->db, c->arena, at,
                             "SELECT created_at FROM item_reports WHERE track_id = ? ORDER BY id DESC LIMIT 1",
                             DB_INT(track_id));
    return e == ERR_NOT_FOUND ? ERR_OK : e ? ctx_db_fail(c, e, "读取进展报告") : ERR_OK;
}

static enum err sig_extensions(struct ctx *c, const struct w_track *t, const struct w_set *s, json_t **facts)
{
    struct stmt *st =
        db_query(c->db,
                 "SELECT requested_at, state, old_date, new_date FROM item_extensions WHERE item_id = ? "
                 "AND (track_id IS NULL OR track_id = ?) AND state IN ('pending', 'approved') ORDER BY id",
                 DB_INT(t->item_id), DB_INT(t->id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取延期申请");
    json_t *req = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        json_array_append_new(req, json_pack("{so ss ss ss}", "requested_on", day_json(local_day_of(stmt_text(st, 0))),
                                             "state", stmt_text(st, 1), "old_date", stmt_text(st, 2), "new_date",
                                             stmt_text(st, 3)));
    stmt_done(st);
    if (rc < 0) {
        json_decref(req);
        return ctx_store_fail(c, rc, "读取延期申请");
    }
    if ((int)json_array_size(req) >= s->extensions)
        *facts =
            json_pack("{si si so}", "count", (int)json_array_size(req), "threshold", s->extensions, "requests", req);
    else
        json_decref(req);
    return ERR_OK;
}

/* The presses and the ladder's reminders to the unit after its last progress report (by the timeline's order:
 * instants tie within a second). */
static enum err sig_ignored(struct ctx *c, const struct w_track *t, const struct w_set *s, json_t **facts)
{
    struct stmt *st = db_query(c->db,
                               "SELECT at, kind, action, data, unit_id FROM item_events WHERE item_id = ? AND id > "
                               "COALESCE((SELECT MAX(id) FROM item_events WHERE item_id = ? AND kind = 'report' AND "
                               "unit_id = ?), 0) AND (action = 'press' OR (kind = 'deadline' AND "
                               "(action LIKE 'remind-%' OR action = 'notice'))) ORDER BY id",
                               DB_INT(t->item_id), DB_INT(t->item_id), DB_INT(t->unit_id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取催办记录");
    int n = 0, presses = 0, rc;
    const char *first = NULL, *last = NULL;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        bool ladder = !strcmp(stmt_text(st, 1), "deadline");
        if (ladder ? stmt_int(st, 4) != t->unit_id : !res_press_names(stmt_text(st, 3), t->unit_id))
            continue;
        n++;
        presses += !ladder;
        if (!first)
            first = res_col(c, st, 0);
        last = res_col(c, st, 0);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取催办记录");
    if (n >= s->presses)
        *facts =
            json_pack("{si si si si so so}", "count", n, "presses", presses, "reminders", n - presses, "threshold",
                      s->presses, "first_on", day_json(local_day_of(first)), "last_on", day_json(local_day_of(last)));
    return ERR_OK;
}

/* The contact of the unit hears of a signal the first time it is raised for the track. */
static enum err tell(struct w_pass *p, const struct w_track *t, int k, int64_t wid, const char *text)
{
    struct ctx *c = p->c;
    int64_t got = 0;
    enum err e =
        db_one_int(c->db, &got, "UPDATE early_warnings SET told_at = ? WHERE id = ? AND told_at IS NULL RETURNING id",
                   DB_TEXT(p->now), DB_INT(wid));
    if (e == ERR_NOT_FOUND)
        return ERR_OK;
    if (e)
        return ctx_db_fail(c, e, "记录预警提示");
    const char *label =
        arena_printf(c->arena, "%s《%s》", t->number ? t->number : "", utf8_inner_title(c->arena, t->title));
    struct notice n = {
        .kind = MSG_RESULT,
        .subject = arena_printf(c->arena, "【预警】%s：%s", label, W_LABELS[k]),
        .body = arena_printf(c->arena, "督办事项%s出现预警：%s。%s请及时推进并报送进展，避免逾期。", label, W_LABELS[k],
                             text),
        .object_type = "item",
        .object_id = t->item_id,
        .link = arena_printf(c->arena, "/items/%lld", (long long)t->item_id),
    };
    return notify_role_at(c, t->unit_id, "contact", &n);
}

static const char *facts_text(struct ctx *c, int k, const json_t *f);

/* Raises (or keeps) signal k of track t with its facts, or clears it (facts NULL). */
static enum err put_signal(struct w_pass *p, const struct w_track *t, int k, json_t *facts)
{
    struct ctx *c = p->c;
    enum err e;
    if (!facts) {
        int64_t id = 0;
        e = db_one_int(c->db, &id,
                       "UPDATE early_warnings SET active = 0, checked_at = ? WHERE track_id = ? AND signal = ? "
                       "AND active = 1 RETURNING id",
                       DB_TEXT(p->now), DB_INT(t->id), DB_TEXT(W_NAMES[k]));
        if (e == ERR_NOT_FOUND)
            return ERR_OK;
        if (e)
            return ctx_db_fail(c, e, "解除预警");
        p->changed++;
        json_t *sum = json_pack("{sI sI ss}", "track_id", (json_int_t)t->id, "unit_id", (json_int_t)t->unit_id,
                                "signal", W_NAMES[k]);
        e = audit_record(c, "warning.clear", "item", t->item_id, sum);
        json_decref(sum);
        return e;
    }
    char *text = json_dumps(facts, JSON_COMPACT | JSON_SORT_KEYS);
    int64_t was = 0;
    e = db_one_int(c->db, &was, "SELECT active FROM early_warnings WHERE track_id = ? AND signal = ?", DB_INT(t->id),
                   DB_TEXT(W_NAMES[k]));
    bool fresh = e == ERR_NOT_FOUND || (!e && !was);
    int64_t wid = 0;
    if (!e || e == ERR_NOT_FOUND)
        e = db_one_int(
            c->db, &wid,
            "INSERT INTO early_warnings (item_id, track_id, unit_id, unit_path, office_path, office_unit_id, "
            "signal, facts, active, since, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) "
            "ON CONFLICT (track_id, signal) DO UPDATE SET facts = excluded.facts, active = 1, "
            "since = CASE WHEN early_warnings.active = 1 THEN early_warnings.since ELSE excluded.since END, "
            "checked_at = excluded.checked_at, unit_path = excluded.unit_path, "
            "office_path = excluded.office_path RETURNING id",
            DB_INT(t->item_id), DB_INT(t->id), DB_INT(t->unit_id), DB_TEXT(t->unit_path), DB_TEXT(t->office_path),
            DB_INT(t->office_unit_id), DB_TEXT(W_NAMES[k]), DB_TEXT(text), DB_TEXT(p->now), DB_TEXT(p->now));
    free(text);
    if (e) {
        json_decref(facts);
        return ctx_db_fail(c, e, "记录预警");
    }
    if (fresh) {
        p->changed++;
        const char *words = facts_text(c, k, facts);
        json_t *sum = json_pack("{sI sI ss sO}", "track_id", (json_int_t)t->id, "unit_id", (json_int_t)t->unit_id,
                                "signal", W_NAMES[k], "facts", facts);
        e = audit_record(c, "warning.raise", "item", t->item_id, sum);
        json_decref(sum);
        if (!e)
            e = tell(p, t, k, wid, words);
    }
    json_decref(facts);
    return e;
}

/* Looks at one track again: each signal raised with its facts, or cleared. */
static enum err check_track(struct w_pass *p, const struct w_track *t)
{
    struct ctx *c = p->c;
    static const char *const running[] = {"assigned",          "received", "in_progress", "completion_requested",
                                          "completion_signed", NULL};
    static const char *const working[] = {"assigned", "received", "in_progress", NULL};
    int64_t start = local_day_of(t->assigned_at), due = -1;
    bool due_ok = cal_parse_date(t->due_date, &due);
    bool eligible =
        in_list(t->item_state, running) && in_list(t->state, working) && start >= 0 && due_ok && p->today <= due;
    json_t *facts[W__COUNT] = {0};
    enum err e = ERR_OK;
    if (eligible) {
        const struct w_set *s = NULL;
        const char *rep = NULL;
        if ((e = pass_set(p, t->office_unit_id, &s)) || (e = last_report(c, t->id, &rep)))
            return e;
        int64_t rep_day = local_day_of(rep);
        if (p->today > start && due > start) {
            int64_t gone = (p->today - start) * 100 / (due - start);
            if (gone - t->progress > s->pace_gap)
                facts[W_PACE] = json_pack("{so so sI sI sI si so}", "assigned_on", day_json(start), "due_date",
                                          day_json(due), "time_percent", (json_int_t)gone, "percent",
                                          (json_int_t)t->progress, "gap", (json_int_t)(gone - t->progress), "threshold",
                                          s->pace_gap, "last_report_on", day_json(rep_day));
        }
        if (!e)
            e = sig_extensions(c, t, s, &facts[W_EXTENSIONS]);
        if (!e)
            e = sig_ignored(c, t, s, &facts[W_IGNORED]);
        int left = cal_workdays_between(&p->cal, p->today, due);
        int64_t quiet = p->today - (rep_day >= 0 ? rep_day : start);
        if (!e && left <= s->due_days && quiet >= s->silent_days)
            facts[W_SILENT] = json_pack("{so si sI so si si}", "due_date", day_json(due), "workdays_left", left,
                                        "days_silent", (json_int_t)quiet, "last_report_on", day_json(rep_day),
                                        "due_days", s->due_days, "silent_days", s->silent_days);
    }
    for (int k = 0; k < W__COUNT; k++) {
        if (e) {
            json_decref(facts[k]);
            continue;
        }
        e = put_signal(p, t, k, facts[k]);
    }
    return e;
}

/* Looks at every track of one item again. */
static enum err check_item(struct w_pass *p, int64_t item_id)
{
    struct ctx *c = p->c;
    struct stmt *st = db_query(c->db,
                               "SELECT t.id, t.unit_id, t.unit_path, t.state, t.progress, i.office_path, "
                               "i.office_unit_id, i.due_date, i.assigned_at, i.state, i.number, i.title FROM "
                               "item_tracks t JOIN items i ON i.id = t.item_id WHERE t.item_id = ? ORDER BY t.id",
                               DB_INT(item_id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取督办事项");
    struct w_track *ts = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        ts = res_grow(c, ts, n, &cap, sizeof *ts, 4);
        ts[n++] = (struct w_track){.id = stmt_int(st, 0),
                                   .item_id = item_id,
                                   .unit_id = stmt_int(st, 1),
                                   .unit_path = res_col(c, st, 2),
                                   .state = res_col(c, st, 3),
                                   .progress = stmt_int(st, 4),
                                   .office_path = res_col(c, st, 5),
                                   /* the government (its office registered the item): its thresholds */
                                   .office_unit_id = res_path_last_id(stmt_text(st, 5)),
                                   .due_date = res_col(c, st, 7),
                                   .assigned_at = res_col(c, st, 8),
                                   .item_state = res_col(c, st, 9),
                                   .number = res_col(c, st, 10),
                                   .title = res_col(c, st, 11)};
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取督办事项");
    enum err e = ERR_OK;
    for (int i = 0; !e && i < n; i++)
        e = check_track(p, &ts[i]);
    return e;
}

struct w_batch {
    struct w_pass *p;
    int64_t *ids;
    int n;
    const char *key, *value; /* the settings row that records how far the pass got */
};

static enum err batch_tx(struct ctx *c, void *arg)
{
    struct w_batch *b = arg;
    enum err e = ERR_OK;
    for (int i = 0; !e && i < b->n; i++)
        e = check_item(b->p, b->ids[i]);
    if (!e && (e = db_exec(c->db,
                           "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                           "value = excluded.value",
                           DB_TEXT(b->key), DB_TEXT(b->value))))
        e = ctx_db_fail(c, e, "记录预警进度");
    return e;
}

static enum err setting(struct ctx *c, const char *key, const char **value)
{
    *value = NULL;
    enum err e = db_one_text(c->db, c->arena, value, "SELECT value FROM settings WHERE key = ?", DB_TEXT(key));
    return e == ERR_NOT_FOUND ? ERR_OK : e ? ctx_db_fail(c, e, "读取预警进度") : ERR_OK;
}

/* Reads the ids of the query's first column (at most CHUNK rows), each once; *last: the second column of the
 * last row (when last is given). */
static enum err read_ids(struct ctx *c, struct stmt *st, int64_t *ids, int *n, int64_t *last)
{
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取督办事项");
    int rc;
    *n = 0;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        int64_t id = stmt_int(st, 0);
        if (last)
            *last = stmt_int(st, 1);
        int k = 0;
        while (k < *n && ids[k] != id)
            k++;
        if (k == *n && *n < CHUNK)
            ids[(*n)++] = id;
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取督办事项") : ERR_OK;
}

/* The items whose timeline moved since the last pass (the events after the watermark, in id order). */
static enum err pass_events(struct w_pass *p, const atomic_bool *stop)
{
    struct ctx *c = p->c;
    const char *mark = NULL;
    enum err e = setting(c, "warnings_events", &mark);
    if (e)
        return e;
    if (!mark) {
        /* the first pass: the sweep looks at everything, the events from now on */
        int64_t top = 0;
        e = db_one_int(c->db, &top, "SELECT COALESCE(MAX(id), 0) FROM item_events");
        if (e)
            return ctx_db_fail(c, e, "读取事项时间线");
        struct w_batch b = {p, NULL, 0, "warnings_events", arena_printf(c->arena, "%lld", (long long)top)};
        return ctx_tx(c, "更新预警", batch_tx, &b);
    }
    int64_t after = atoll(mark);
    for (int k = 0; k < PASS_CHUNKS; k++) {
        int64_t ids[CHUNK], last = after;
        int n = 0;
        struct stmt *st = db_query(c->db, "SELECT item_id, id FROM item_events WHERE id > ? ORDER BY id LIMIT ?",
                                   DB_INT(after), DB_INT(CHUNK));
        if ((e = read_ids(c, st, ids, &n, &last)))
            return e;
        if (!n)
            return ERR_OK;
        struct w_batch b = {p, ids, n, "warnings_events", arena_printf(c->arena, "%lld", (long long)last)};
        if ((e = ctx_tx(c, "更新预警", batch_tx, &b)))
            return e;
        after = last;
        if (stop && atomic_load(stop))
            return ERR_OK;
    }
    return ERR_OK;
}

/* Once per local day (and after a change of thresholds): every running item, in chunks; at the end the rows
 * the sweep did not look at (their items stopped running) are cleared. */
static enum err pass_sweep(struct w_pass *p, const atomic_bool *stop)
{
    struct ctx *c = p->c;
    char today[11];
    cal_format_date(p->today, today);
    const char *v = NULL;
    enum err e = setting(c, "warnings_sweep", &v);
    if (e)
        return e;
    char day[11] = "", started[21] = "";
    long long cursor = 0;
    if (!v || sscanf(v, "%10s %lld %20s", day, &cursor, started) != 3 || strcmp(day, today)) {
        snprintf(day, sizeof day, "%s", today);
        snprintf(started, sizeof started, "%s", p->now);
        cursor = 0;
    }
    for (int k = 0; cursor >= 0; k++) {
        if (k == PASS_CHUNKS || (stop && atomic_load(stop)))
            return ERR_OK; /* the next pass goes on from the cursor */
        int64_t ids[CHUNK];
        int n = 0;
        struct stmt *st =
            db_query(c->db, "SELECT id, id FROM items WHERE state IN " RUNNING " AND id > ? ORDER BY id LIMIT ?",
                     DB_INT(cursor), DB_INT(CHUNK));
        if ((e = read_ids(c, st, ids, &n, NULL)))
            return e;
        long long next = n == CHUNK ? (long long)ids[n - 1] : -1;
        struct w_batch b = {p, ids, n, "warnings_sweep", arena_printf(c->arena, "%s %lld %s", day, next, started)};
        if ((e = ctx_tx(c, "更新预警", batch_tx, &b)))
            return e;
        cursor = next;
    }
    if (!strcmp(v ? v : "", arena_printf(c->arena, "%s -1 %s", day, started)))
        return ERR_OK; /* done today */
    /* the rows no chunk looked at (their items stopped running, or the track is gone): each item once more,
     * then whatever is left */
    for (;;) {
        struct stmt *st = db_query(c->db,
                                   "SELECT item_id, id FROM early_warnings WHERE active = 1 AND checked_at < ? "
                                   "ORDER BY item_id LIMIT ?",
                                   DB_TEXT(started), DB_INT(CHUNK));
        int64_t ids[CHUNK];
        int n = 0;
        if ((e = read_ids(c, st, ids, &n, NULL)))
            return e;
        struct w_batch b = {p, ids, n, "warnings_sweep", arena_printf(c->arena, "%s -1 %s", day, started)};
        if ((e = ctx_tx(c, "更新预警", batch_tx, &b)))
            return e;
        if (n < CHUNK)
            break;
    }
    if ((e = db_exec(c->db, "UPDATE early_warnings SET active = 0 WHERE active = 1 AND checked_at < ?",
                     DB_TEXT(started))))
        return ctx_db_fail(c, e, "解除预警");
    return ERR_OK;
}

enum err warnings_pass(struct ctx *c, const atomic_bool *stop, int *changed)
{
    struct w_pass p = {.c = c, .today = time_local_day(c->now)};
    *changed = 0;
    time_format_iso(c->now, p.now);
    enum err e = calendar_load(c, &p.cal);
    if (!e)
        e = pass_events(&p, stop);
    if (!e)
        e = pass_sweep(&p, stop);
    *changed = p.changed;
    return e;
}

/* ---- reading ---- */

static const char *facts_text(struct ctx *c, int k, const json_t *f)
{
#define I(name) ((long long)json_integer_value(json_object_get(f, name)))
#define S(name) (json_string_value(json_object_get(f, name)) ? json_string_value(json_object_get(f, name)) : "—")
/* a date of the facts as official text writes it: 2026年12月23日 */
#define D(name) (json_string_value(json_object_get(f, name)) ? time_date_words(c->arena, S(name)) : "—")
    switch (k) {
    case W_PACE:
        return arena_printf(c->arena,
                            "自%s交办至%s到期，时间已过%lld%%，报送进度%lld%%，落后序时进度%lld个百分点（预警线%lld）；"
                            "最近一次报送：%s。",
                            D("assigned_on"), D("due_date"), I("time_percent"), I("percent"), I("gap"), I("threshold"),
                            json_is_null(json_object_get(f, "last_report_on")) ? "未报送" : D("last_report_on"));
    case W_EXTENSIONS:
        return arena_printf(c->arena, "已申请延期%lld次（预警线%lld次）。", I("count"), I("threshold"));
    case W_IGNORED:
        return arena_printf(c->arena, "%s以来催办%lld次、系统提醒%lld次，其后未报送进展（预警线%lld次）。",
                            D("first_on"), I("presses"), I("reminders"), I("threshold"));
    default:
        return arena_printf(c->arena, "%s到期，仅剩%lld个工作日，已%lld天未报送进展（最近一次：%s）。", D("due_date"),
                            I("workdays_left"), I("days_silent"),
                            json_is_null(json_object_get(f, "last_report_on")) ? "未报送" : D("last_report_on"));
    }
#undef I
#undef S
#undef D
}

static int signal_index(const char *s)
{
    for (int k = 0; s && k < W__COUNT; k++)
        if (!strcmp(s, W_NAMES[k]))
            return k;
    return -1;
}

/* The WHERE of the rows the user reads (active, in a reading grant's range of the unit or the government, the
 * unit and signal filters), its binds in bd. */
static enum err scope_where(struct ctx *c, int64_t unit_id, const char *signal, struct res_binds *bd, const char **w)
{
    const char * or = "";
    for (int i = 0; c->user && i < c->user->ngrants; i++) {
        const struct grant *g = &c->user->grants[i];
        if (!perm_grant_has(g, CAP_ITEM_READ))
            continue;
        const char *up = perm_path_upper(c->arena, g->unit_path);
        or = arena_printf(c->arena,
                          "%s%s(w.unit_path >= ? AND w.unit_path < ?) OR (w.office_path >= ? AND "
                          "w.office_path < ?)",
                          or, * or ? " OR " : "");
        res_bind_add(c, bd, DB_TEXT(g->unit_path));
        res_bind_add(c, bd, DB_TEXT(up));
        res_bind_add(c, bd, DB_TEXT(g->unit_path));
        res_bind_add(c, bd, DB_TEXT(up));
    }
    if (!* or)
        return ctx_fail(c, ERR_FORBIDDEN, "只有能查看督办事项的用户可以查看预警");
    *w = arena_printf(c->arena, "w.active = 1 AND (%s)", or);
    if (unit_id) {
        const char *path = NULL;
        enum err e = db_one_text(c->db, c->arena, &path, "SELECT path FROM units WHERE id = ?", DB_INT(unit_id));
        if (e == ERR_NOT_FOUND)
            return ctx_fail_field(c, "unit_id", "单位（unit_id）不存在");
        if (e)
            return ctx_db_fail(c, e, "读取单位");
        /* the government's readers see its units' warnings; a unit only its own */
        if (!perm_at(c->user, CAP_ITEM_READ, path))
            return ctx_fail(c, ERR_FORBIDDEN, "您不能查看该单位的预警");
        *w = arena_printf(c->arena, "%s AND w.unit_path >= ? AND w.unit_path < ?", *w);
        res_bind_add(c, bd, DB_TEXT(path));
        res_bind_add(c, bd, DB_TEXT(perm_path_upper(c->arena, path)));
    }
    if (signal) {
        *w = arena_printf(c->arena, "%s AND w.signal = ?", *w);
        res_bind_add(c, bd, DB_TEXT(signal));
    }
    return ERR_OK;
}

/* A unit's row while units_ranked builds it. */
struct w_unit {
    int64_t id, items;
    const char *code;
    json_t *o;
};

static int w_unit_by_id(const void *a, const void *b)
{
    const struct w_unit *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* most items first, then by code, then by id (what a stable sort of the rows read by id gives) */
static int w_unit_by_rank(const void *a, const void *b)
{
    const struct w_unit *x = a, *y = b;
    if (x->items != y->items)
        return x->items > y->items ? -1 : 1;
    int k = strcmp(x->code, y->code);
    return k ? k : w_unit_by_id(a, b);
}

/* Per unit: the items at risk and the count of each signal, ranked by items (most first). The units are found
 * by id in a sorted array and ranked by qsort (a province's 537 units were looked for row by row in the JSON
 * array and ranked by insertion: 116 M instructions of the page). */
static enum err units_ranked(struct ctx *c, const char *where, const struct res_binds *bd, json_t **out)
{
    struct stmt *st = db_query_a(
        c->db,
        arena_printf(c->arena,
                     "SELECT w.unit_id, u.name, u.code, w.signal, COUNT(*) FROM early_warnings w JOIN units u ON "
                     "u.id = w.unit_id WHERE %s GROUP BY w.unit_id, u.name, u.code, w.signal ORDER BY w.unit_id",
                     where),
        res_binds_of(bd));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "统计预警");
    struct w_unit *v = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        if (!n || v[n - 1].id != stmt_int(st, 0)) {
            v = res_grow(c, v, n, &cap, sizeof *v, 64);
            v[n].id = stmt_int(st, 0);
            v[n].items = 0;
            v[n].code = res_col(c, st, 2);
            v[n].o = json_pack("{sI ss ss si so}", "unit_id", (json_int_t)v[n].id, "unit_name", stmt_text(st, 1),
                               "unit_code", stmt_text(st, 2), "items", 0, "signals", json_object());
            n++;
        }
        json_object_set_new(json_object_get(v[n - 1].o, "signals"), stmt_text(st, 3), json_integer(stmt_int(st, 4)));
    }
    stmt_done(st);
    /* items at risk per unit: distinct items */
    if (rc >= 0) {
        st = db_query_a(c->db,
                        arena_printf(c->arena,
                                     "SELECT w.unit_id, COUNT(DISTINCT w.item_id) FROM early_warnings w WHERE %s "
                                     "GROUP BY w.unit_id",
                                     where),
                        res_binds_of(bd));
        if (!st)
            rc = STORE_E_OTHER;
        while (st && (rc = stmt_step(st)) == STORE_ROW) {
            struct w_unit key = {.id = stmt_int(st, 0)},
                          *u = n ? bsearch(&key, v, (size_t)n, sizeof *v, w_unit_by_id) : NULL;
            if (u) {
                u->items = stmt_int(st, 1);
                json_object_set_new(u->o, "items", json_integer(u->items));
            }
        }
        if (st)
            stmt_done(st);
    }
    if (rc < 0) {
        for (int i = 0; i < n; i++)
            json_decref(v[i].o);
        return ctx_store_fail(c, rc, "统计预警");
    }
    /* ranked: most items first, then by code; competition ranking */
    if (n > 1)
        qsort(v, (size_t)n, sizeof *v, w_unit_by_rank);
    json_t *units = json_array();
    int64_t prev = -1;
    int rank = 0;
    for (int i = 0; i < n; i++) {
        if (v[i].items != prev)
            rank = i + 1;
        prev = v[i].items;
        json_object_set_new(v[i].o, "rank", json_integer(rank));
        json_array_append_new(units, v[i].o);
    }
    *out = units;
    return ERR_OK;
}

enum err warnings_by_unit(struct ctx *c, const char *home_path, bool below, const char *scope_path, json_t **out)
{
    /* the government's own items (本级: [home, home + "0") holds the path alone) or its subtree's too */
    const char *home_hi = below ? perm_path_upper(c->arena, home_path) : arena_printf(c->arena, "%s0", home_path);
    struct res_binds bd = {0};
    res_bind_add(c, &bd, DB_TEXT(home_path));
    res_bind_add(c, &bd, DB_TEXT(home_hi));
    res_bind_add(c, &bd, DB_TEXT(scope_path));
    res_bind_add(c, &bd, DB_TEXT(perm_path_upper(c->arena, scope_path)));
    const char *where = "w.active = 1 AND w.office_path >= ? AND w.office_path < ? AND w.unit_path >= ? AND "
                        "w.unit_path < ?";
    json_t *units = NULL;
    int64_t items = 0;
    enum err e = units_ranked(c, where, &bd, &units);
    if (e)
        return e;
    if ((e = db_one_int(c->db, &items,
                        "SELECT COUNT(DISTINCT w.item_id) FROM early_warnings w WHERE w.active = 1 AND "
                        "w.office_path >= ? AND w.office_path < ? AND w.unit_path >= ? AND w.unit_path < ?",
                        DB_TEXT(home_path), DB_TEXT(home_hi), DB_TEXT(scope_path),
                        DB_TEXT(perm_path_upper(c->arena, scope_path))))) {
        json_decref(units);
        return ctx_db_fail(c, e, "统计预警");
    }
    char today[11];
    result_today(c, today);
    *out = json_pack("{ss sI so}", "as_of", today, "items", (json_int_t)items, "units", units);
    return ERR_OK;
}

enum err warnings_list(struct ctx *c, int64_t unit_id, const char *signal, int page, int per_page, json_t **out)
{
    if (signal && !*signal)
        signal = NULL;
    if (signal && signal_index(signal) < 0)
        return ctx_fail_field(c, "signal", "预警信号（signal）应为 pace、extensions、ignored 或 silent");
    struct res_binds bd = {0};
    const char *where = NULL;
    enum err e = scope_where(c, unit_id, signal, &bd, &where);
    json_t *units = NULL;
    if (e || (e = units_ranked(c, where, &bd, &units)))
        return e;
    int64_t total = 0;
    struct stmt *st = db_query_a(
        c->db, arena_printf(c->arena, "SELECT COUNT(DISTINCT w.track_id) FROM early_warnings w WHERE %s", where),
        res_binds_of(&bd));
    int rc = st ? stmt_step(st) : -1;
    if (rc == STORE_ROW)
        total = stmt_int(st, 0);
    if (st)
        stmt_done(st);
    if (rc != STORE_ROW) {
        json_decref(units);
        return ctx_db_fail(c, ERR_INTERNAL, "统计预警");
    }
    /* the page: tracks, the item due first (then the newest) */
    struct res_binds pb = bd;
    res_bind_add(c, &pb, DB_INT(per_page));
    res_bind_add(c, &pb, DB_INT((int64_t)(page - 1) * per_page));
    st = db_query_a(c->db,
                    arena_printf(c->arena,
                                 "SELECT w.track_id, w.item_id, w.unit_id, i.number, i.title, i.due_date, i.state, "
                                 "u.name, t.progress FROM early_warnings w JOIN items i ON i.id = w.item_id JOIN "
                                 "units u ON u.id = w.unit_id JOIN item_tracks t ON t.id = w.track_id WHERE %s "
                                 "GROUP BY w.track_id, w.item_id, w.unit_id, i.number, i.title, i.due_date, i.state, "
                                 "u.name, t.progress ORDER BY i.due_date, w.item_id DESC, w.track_id LIMIT ? OFFSET ?",
                                 where),
                    res_binds_of(&pb));
    if (!st) {
        json_decref(units);
        return ctx_db_fail(c, ERR_INTERNAL, "读取预警");
    }
    json_t *rows = json_array();
    while ((rc = stmt_step(st)) == STORE_ROW)
        json_array_append_new(rows,
                              json_pack("{sI sI sI so ss ss ss ss sI so}", "track_id", (json_int_t)stmt_int(st, 0),
                                        "item_id", (json_int_t)stmt_int(st, 1), "unit_id", (json_int_t)stmt_int(st, 2),
                                        "number", res_str(res_col(c, st, 3)), "title", stmt_text(st, 4), "due_date",
                                        stmt_text(st, 5), "state", stmt_text(st, 6), "unit_name", stmt_text(st, 7),
                                        "percent", (json_int_t)stmt_int(st, 8), "signals", json_array()));
    stmt_done(st);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (rc < 0)
            break;
        struct stmt *ss = db_query(c->db,
                                   "SELECT signal, facts, since FROM early_warnings WHERE track_id = ? AND active = 1 "
                                   "ORDER BY id",
                                   DB_INT(json_integer_value(json_object_get(r, "track_id"))));
        if (!ss) {
            rc = -1;
            break;
        }
        while ((rc = stmt_step(ss)) == STORE_ROW) {
            int k = signal_index(stmt_text(ss, 0));
            json_t *f = json_loads(stmt_text(ss, 1), 0, NULL);
            if (k < 0 || !f) {
                json_decref(f);
                continue;
            }
            json_array_append_new(json_object_get(r, "signals"),
                                  json_pack("{ss ss ss ss so}", "signal", W_NAMES[k], "label", W_LABELS[k], "since",
                                            stmt_text(ss, 2), "text", facts_text(c, k, f), "facts", f));
        }
        stmt_done(ss);
    }
    if (rc < 0) {
        json_decref(units);
        json_decref(rows);
        return ctx_store_fail(c, rc, "读取预警");
    }
    json_t *labels = json_object();
    for (int k = 0; k < W__COUNT; k++)
        json_object_set_new(labels, W_NAMES[k], json_string(W_LABELS[k]));
    *out = json_pack("{so so sI si si so}", "units", units, "warnings", rows, "total", (json_int_t)total, "page", page,
                     "per_page", per_page, "labels", labels);
    return ERR_OK;
}
