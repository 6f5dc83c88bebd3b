/*
 * burden_check.c: the warnings to an issuer before an inspection reaches a unit (减负, DOMAIN.md §9; Gu County
 * 003 (五): 严格控制督查规模、范围、频次和时限，尽量避免同一时间内对同一对象开展督查工作). Before a plan
 * entry is proposed or included, or an inspection is drafted, opened or submitted, the office is told, for each
 * target unit: (a) how many inspections it receives this year from every issuer against the per-unit cap
 * (settings unit_cap; 0: none) — reaching the cap is a notice, crossing it is the rule `unit` of caps.c: a 409
 * unless an exception with a reason is recorded for the principal leader's approval —, and (b) every other
 * inspection or plan entry on the same unit whose window overlaps, named (who, what, when) when the user may
 * read it, else only 「其他督查机构」 with its dates, never a covert visit the user may not see; each with the
 * advice to inspect jointly (联合督查) or merge.
 *
 * Cost: the settings, the target units (with, for an item, each one's items this year, a count over item_tracks'
 * unit index), the overlapping rows of insp_dup_index (keyed by unit and start date; the first 50 a unit) and, for
 * an item, other issuers' running items on the units (the first 20 a unit) are four statements sent together
 * (stmt_send): one round trip on PostgreSQL whatever the number of units (an item's registration, hooks_burden).
 * An inspection's or an entry's counts and caps come with its units (BURDEN_SQL: the same statement, one for all
 * units), and each overlap named loads its object: none of it grows with the number of inspections elsewhere.
 */
#include "inspections/insp_internal.h"

#include "base/timeu.h"
#include "base/utf8.h"
#include "calendar/workdays.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* The units asked about with, per unit, the inspections it receives this year from every issuer and the cap that
 * applies, in one statement for all units. Counted: the opened, live inspections and the plans' included proposals
 * that are no inspection yet naming the unit or its government (the nearest unit of kind government strictly
 * above it: an inspection of a government reaches its departments and townships — 督查检查考核 received there:
 * reports, materials, receptions), each once. The cap: its nearest government's with one (itself or an ancestor)
 * and that government's name; NULL when none (the settings' unit_cap then). Parameters: the year, the inspection
 * left out, the year, the entry left out, then the units (a format: %s takes the units' placeholders). Columns:
 * id, path, name, kind, prefix, the count, the cap, its government's name. */
#define BURDEN_SQL                                                                                                     \
    "SELECT u.id, u.path, u.name, u.kind, u.prefix, (SELECT COUNT(DISTINCT i.id) FROM insp_targets t "                 \
    "JOIN inspections i ON i.id = t.inspection_id WHERE t.unit_id IN (u.id, u.gov) AND i.year = ? AND i.id <> ? "      \
    "AND i.state NOT IN ('draft', 'proposed', 'withdrawn', 'merged') AND (i.covert = 0 OR i.findings_issued_at IS "    \
    "NOT NULL)) + (SELECT COUNT(DISTINCT e.id) FROM insp_entry_targets t JOIN insp_entries e ON e.id = t.entry_id "    \
    "JOIN insp_plans p ON p.id = e.plan_id WHERE t.unit_id IN (u.id, u.gov) AND p.year = ? AND e.id <> ? "             \
    "AND e.state = 'included' AND e.inspection_id IS NULL AND e.methods NOT LIKE '%%,covert,%%'), "                    \
    "(SELECT x.unit_cap FROM unit_caps x JOIN units g ON g.id = x.unit_id "                                            \
    "WHERE SUBSTR(u.path, 1, LENGTH(g.path)) = g.path ORDER BY LENGTH(g.path) DESC LIMIT 1), "                         \
    "(SELECT g.name FROM unit_caps x JOIN units g ON g.id = x.unit_id "                                                \
    "WHERE SUBSTR(u.path, 1, LENGTH(g.path)) = g.path ORDER BY LENGTH(g.path) DESC LIMIT 1) "                          \
    "FROM (SELECT u.id, u.path, u.name, u.kind, u.prefix, COALESCE((SELECT g.id FROM units g "                         \
    "WHERE g.kind = 'government' AND g.path < u.path AND SUBSTR(u.path, 1, LENGTH(g.path)) = g.path "                  \
    "ORDER BY g.depth DESC LIMIT 1), 0) AS gov FROM units u WHERE u.id IN (%s)) u"

const struct jv_field insp_burden_check_spec[] = {
    {"target_unit_ids", JV_INT_ARRAY, JV_REQUIRED, 1, 50, "督查对象"},
    {"start_date", JV_DATE, JV_REQUIRED, 0, 0, "开始日期"},
    {"end_date", JV_DATE, JV_REQUIRED, 0, 0, "结束日期"},
    {"exclude_inspection_id", JV_INT, 0, 1, INT64_MAX, "排除的督查"},
    {"exclude_entry_id", JV_INT, 0, 1, INT64_MAX, "排除的计划建议"},
    {"exclude_item_id", JV_INT, 0, 1, INT64_MAX, "排除的督办事项"},
    {"request", JV_STRING, 0, 1, 20, "要求类型"},
    {NULL, 0, 0, 0, 0, NULL},
};

/* An overlapping plan entry with its plan, as loaded (id 0: it could not be). */
struct entry_plan {
    struct entry en;
    struct plan pl;
};

/* One overlapping object on a unit as the user may learn of it, or NULL (gone, not live, or a secret): a plan
 * entry (loaded: ep) or an inspection (loaded: it); NULL when it could not be loaded. */
static json_t *overlap_json(struct ctx *c, const struct entry_plan *ep, const struct insp *loaded, const char *unit)
{
    const char *who, *subject, *from, *to, *number = NULL, *link = NULL;
    bool visible;
    bool entry = ep != NULL;
    int64_t id = entry ? ep->en.id : loaded->id;
    if (entry) {
        const struct entry en = ep->en;
        const struct plan pl = ep->pl;
        if (strcmp(en.state, "proposed") && strcmp(en.state, "included"))
            return NULL;
        visible = entry_visible(c, &pl, &en);
        if (!visible && strstr(en.methods, ",covert,"))
            return NULL;
        who = en.organiser_name;
        subject =
            arena_printf(c->arena, "%d年度督查计划中的《%s》", (int)pl.year, utf8_inner_title(c->arena, en.subject));
        from = en.start_date;
        to = en.end_date;
        link = arena_printf(c->arena, "/inspections/plans/%" PRId64, pl.id);
    } else {
        const struct insp it = *loaded;
        if (it.state == INSP_ST_DRAFT || it.state == INSP_ST_WITHDRAWN || it.state == INSP_ST_MERGED)
            return NULL;
        visible = perm_item_visible(c->user, &it.scope);
        if (!visible && it.covert && !it.findings_issued_at)
            return NULL;
        who = it.norgs ? it.orgs[0].unit_name : it.office_name;
        subject = it.number ? arena_printf(c->arena, "《%s》（%s）", utf8_inner_title(c->arena, it.subject), it.number)
                            : arena_printf(c->arena, "《%s》", utf8_inner_title(c->arena, it.subject));
        number = it.number;
        from = it.start_date;
        to = it.end_date;
        link = arena_printf(c->arena, "/inspections/%" PRId64, it.id);
    }
    if (!visible) {
        const char *text = arena_printf(c->arena,
                                        "其他督查机构于%s至%s对%s另有督查安排，与本次时间重叠，建议协调联合督查，"
                                        "避免同一时间对同一对象重复督查",
                                        from, to, unit);
        return json_pack("{ss ss sb ss ss ss ss}", "kind", "overlap", "object", entry ? "entry" : "inspection",
                         "visible", false, "issuer", "其他督查机构", "start_date", from, "end_date", to, "text", text);
    }
    const char *text = arena_printf(c->arena,
                                    "%s%s于%s至%s督查%s，与本次时间重叠，建议联合督查或合并开展，避免多头督查、"
                                    "重复督查",
                                    who, subject, from, to, unit);
    return json_pack("{ss ss sI sb ss ss so ss ss ss ss}", "kind", "overlap", "object", entry ? "entry" : "inspection",
                     "id", (json_int_t)id, "visible", true, "issuer", who, "subject", subject, "number",
                     number ? json_string(number) : json_null(), "start_date", from, "end_date", to, "link", link,
                     "text", text);
}

/* What is asked of the units: an inspection or a plan entry (the objects left out of the counts), or an item's
 * 督办通知 (item set: counted against request_cap, and other issuers' running items overlap it too). */
struct ask {
    bool item;
    int year;
    int64_t ex_insp, ex_entry, ex_item;
    const char *office_path; /* an item's issuing government */
    const char *y0, *y1;     /* the year's instants [Jan 1, Jan 1 next) */
    const char *m0, *m1;     /* its first and last local month, "YYYY-01" and "YYYY-12" */
    int zone;                /* minutes east of UTC at both of those instants, or INT_MIN when they differ (no
                                figure_zone matches it: the count reads the items) */
};

/* The reads of one check, for all its units at once: sent together (stmt_send), one round trip on PostgreSQL
 * whatever the number of units, read into these rows. */
struct unit_row {
    struct insp_unit u;
    int64_t items; /* an item's check: the items the unit receives this year from every issuer; an inspection's
                      or an entry's: the inspections (BURDEN_SQL) */
    bool has_cap;  /* an inspection's or an entry's: a government on the way up set the cap (else the settings') */
    int cap;
    const char *cap_from; /* that government's name */
};
struct dup_row {
    int64_t unit, id;
    bool entry;
};
struct item_row {
    int64_t unit, id;
    const char *number, *title, *office_path, *assigned_at, *due, *issuer;
};
struct reads {
    struct stmt *settings, *units, *dups, *items;
    struct unit_row *u;
    struct dup_row *d;
    struct item_row *it;
    int nu, nd, nit;
    struct insp *insp; /* the overlapping inspections loaded, one per distinct id (id 0: could not be) */
    int ninsp;
    struct entry_plan *entries; /* the overlapping plan entries loaded, the same way */
    int nentries;
};

/* Sends sql (a format whose %s takes the units' placeholders, last of its parameters) with the values binds, then
 * the unit ids. */
static struct stmt *send_for_units(struct ctx *c, const char *sql, const struct db_bind *binds, const int64_t *units,
                                   int n)
{
    char *in = arena_alloc(c->arena, (size_t)n * 3 + 1), *q = in;
    for (int i = 0; i < n; i++)
        q += sprintf(q, i ? ", ?" : "?");
    *q = 0;
    struct stmt *st = db_prepare(c->db, arena_printf(c->arena, sql, in));
    int nb = 0;
    while (binds[nb].type != DB_BIND_END_)
        nb++;
    if (st) {
        stmt_bind_all(st, binds);
        for (int i = 0; i < n; i++)
            stmt_bind_int(st, nb + 1 + i, units[i]);
    }
    stmt_send(st);
    return st;
}

/* Sends the check's reads: the settings; the units with (an item's check) their items this year (each once,
 * withdrawn ones left out: the burden index's notices of that unit alone); the rows of insp_dup_index on them
 * whose window meets [start, end], the first 50 per unit; (an item's check) other issuers' running items on them
 * whose time (assignment to due date) meets [start, until), the first 20 per unit. */
static void reads_send(struct ctx *c, const struct ask *k, const int64_t *units, int n, const char *start,
                       const char *end, const char *until, struct reads *r)
{
    r->settings = insp_settings_send(c);
    /* an item's count: the unit's rows of item_figs (own = 1: each assigned item that is not withdrawn, once per
     * unit with a track on it) registered in the year's local months, an index range of item_figs_unit — while
     * their months are the configured zone's (figure_zone, as the bulletins' counters); else counted from the
     * items and tracks, which read every item the unit ever had */
    r->units =
        k->item ? send_for_units(
                      c,
                      "SELECT u.id, u.path, u.name, u.kind, u.prefix, CASE WHEN (SELECT minutes FROM figure_zone "
                      "WHERE id = 1) = ? THEN (SELECT COUNT(*) FROM item_figs f WHERE f.unit_id = u.id "
                      "AND f.own = 1 AND f.reg_m >= ? AND f.reg_m <= ? AND f.item_id <> ?) ELSE (SELECT COUNT(*) "
                      "FROM item_tracks t JOIN items i ON i.id = t.item_id WHERE t.unit_path = u.path "
                      "AND i.id <> ? AND i.state <> 'withdrawn' AND i.assigned_at >= ? "
                      "AND i.assigned_at < ?) END, NULL, NULL FROM units u WHERE u.id IN (%s)",
                      DB_BINDS_(DB_INT(k->zone), DB_TEXT(k->m0), DB_TEXT(k->m1), DB_INT(k->ex_item), DB_INT(k->ex_item),
                                DB_TEXT(k->y0), DB_TEXT(k->y1)),
                      units, n)
                : send_for_units(c, BURDEN_SQL,
                                 DB_BINDS_(DB_INT(k->year), DB_INT(k->ex_insp), DB_INT(k->year), DB_INT(k->ex_entry)),
                                 units, n);
    r->dups = send_for_units(c,
                             "SELECT unit_id, kind, obj_id FROM (SELECT unit_id, kind, obj_id, ROW_NUMBER() OVER "
                             "(PARTITION BY unit_id ORDER BY start_date, obj_id) AS rn FROM insp_dup_index WHERE "
                             "start_date <= ? AND end_date >= ? AND unit_id IN (%s)) d WHERE rn <= 50 "
                             "ORDER BY unit_id, rn",
                             DB_BINDS_(DB_TEXT(end), DB_TEXT(start)), units, n);
    /* the running items come from the unit's scope rows (item_scope_state_due: the running states' due dates
     * from start on), each kept when the unit holds a track on it: what is read is the unit's running items, not
     * every item it ever had (through its tracks, the read grew with the unit's history: 16 ms at 3,000 tracks
     * on PostgreSQL, most of a registration's time) */
    r->items =
        !k->item
            ? NULL
            : send_for_units(
                  c,
                  "SELECT o.unit_id, o.id, o.num, o.title, o.office_path, o.assigned_at, o.due_date, "
                  "COALESCE(g.name, '') FROM (SELECT u.id AS unit_id, i.id, COALESCE(i.number, '') AS num, "
                  "i.title, i.office_path, i.assigned_at, i.due_date, ROW_NUMBER() OVER (PARTITION BY u.id "
                  "ORDER BY i.due_date, i.id) AS rn FROM units u JOIN item_scope s ON s.unit_id = u.id "
                  "AND s.state IN ('assigned', 'received', 'in_progress', 'completion_requested') "
                  "AND s.due_date >= ? JOIN items i ON i.id = s.item_id WHERE i.id <> ? AND i.office_path <> ? "
                  "AND i.assigned_at < ? AND EXISTS (SELECT 1 FROM item_tracks t WHERE t.item_id = s.item_id "
                  "AND t.unit_path = u.path) AND u.id IN (%s)) o "
                  "LEFT JOIN units g ON g.path = o.office_path WHERE o.rn <= 20 ORDER BY o.unit_id, o.rn",
                  DB_BINDS_(DB_TEXT(start), DB_INT(k->ex_item), DB_TEXT(k->office_path), DB_TEXT(until)), units, n);
}

/* The rows of one read sent ahead, each copied into the arena by take(row i); finishes st. */
static int rows_take(struct ctx *c, struct stmt *st, void **rows, size_t size,
                     void (*take)(struct ctx *c, struct stmt *st, void *row))
{
    *rows = NULL;
    if (!st)
        return STORE_E_OTHER;
    int n = 0, cap = 0, rc;
    char *v = NULL;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        v = arena_grow(c->arena, v, n, &cap, size);
        take(c, st, v + size * (size_t)n++);
    }
    stmt_done(st);
    *rows = v;
    return rc < 0 ? rc : n;
}

static void take_unit(struct ctx *c, struct stmt *st, void *row)
{
    struct unit_row *r = row;
    r->u = (struct insp_unit){stmt_int(st, 0), insp_col(c, st, 1), insp_col(c, st, 2), insp_col(c, st, 3),
                              insp_col(c, st, 4)};
    r->items = stmt_int(st, 5);
    r->has_cap = !stmt_is_null(st, 6);
    r->cap = r->has_cap ? (int)stmt_int(st, 6) : 0;
    r->cap_from = r->has_cap ? insp_col(c, st, 7) : NULL;
}

static void take_dup(struct ctx *c, struct stmt *st, void *row)
{
    (void)c;
    struct dup_row *r = row;
    *r = (struct dup_row){stmt_int(st, 0), stmt_int(st, 2), !strcmp(stmt_text(st, 1), "entry")};
}

static void take_item(struct ctx *c, struct stmt *st, void *row)
{
    struct item_row *r = row;
    *r = (struct item_row){stmt_int(st, 0),    stmt_int(st, 1),    insp_col(c, st, 2), insp_col(c, st, 3),
                           insp_col(c, st, 4), insp_col(c, st, 5), insp_col(c, st, 6), insp_col(c, st, 7)};
}

/* Reads the results of reads_send (every statement finished, whatever fails). */
static enum err reads_take(struct ctx *c, struct reads *r, struct insp_settings *s)
{
    enum err e = insp_settings_take(c, r->settings, s);
    void *u = NULL, *d = NULL, *it = NULL;
    int nu = rows_take(c, r->units, &u, sizeof *r->u, take_unit);
    int nd = rows_take(c, r->dups, &d, sizeof *r->d, take_dup);
    int nit = r->items ? rows_take(c, r->items, &it, sizeof *r->it, take_item) : 0;
    if (e)
        return e;
    if (nu < 0 || nd < 0)
        return ctx_store_fail(c, nu < 0 ? nu : nd, "检查督查时间重叠");
    if (nit < 0)
        return ctx_store_fail(c, nit, "检查交办事项时间重叠");
    r->u = u, r->d = d, r->it = it, r->nu = nu, r->nd = nd, r->nit = nit;
    return ERR_OK;
}

/* Loads the overlapping inspections and plan entries (each entry with its plan) of every unit, each once, their
 * reads sent together (one round trip on PostgreSQL however many there are; the object checked left out). */
static void load_overlapping(struct ctx *c, const struct ask *k, struct reads *r)
{
    int64_t *ids = arena_alloc(c->arena, sizeof *ids * (size_t)(r->nd + 1));
    bool *entry = arena_alloc(c->arena, sizeof *entry * (size_t)(r->nd + 1));
    int n = 0;
    for (int i = 0; i < r->nd; i++) {
        const struct dup_row *d = &r->d[i];
        bool seen = d->id == (d->entry ? k->ex_entry : k->ex_insp);
        for (int j = 0; j < n && !seen; j++)
            seen = ids[j] == d->id && entry[j] == d->entry;
        if (!seen) {
            entry[n] = d->entry;
            ids[n++] = d->id;
        }
    }
    struct insp_sent *isent = arena_alloc(c->arena, sizeof *isent * (size_t)(n + 1));
    struct entry_sent *esent = arena_alloc(c->arena, sizeof *esent * (size_t)(n + 1));
    r->insp = arena_alloc(c->arena, sizeof *r->insp * (size_t)(n + 1));
    r->entries = arena_alloc(c->arena, sizeof *r->entries * (size_t)(n + 1));
    r->ninsp = r->nentries = 0;
    for (int i = 0; i < n; i++)
        if (entry[i])
            entry_load_send(c, ids[i], true, &esent[r->nentries++]);
        else
            insp_load_send(c, ids[i], &isent[r->ninsp++]);
    for (int i = 0; i < r->ninsp; i++)
        if (insp_load_take(c, &isent[i], &r->insp[i]))
            r->insp[i].id = 0;
    for (int i = 0; i < r->nentries; i++)
        if (entry_load_take(c, &esent[i], &r->entries[i].en, &r->entries[i].pl))
            r->entries[i].en.id = 0;
}

static const struct insp *loaded_insp(const struct reads *r, int64_t id)
{
    for (int i = 0; i < r->ninsp; i++)
        if (r->insp[i].id == id)
            return &r->insp[i];
    return NULL;
}

static const struct entry_plan *loaded_entry(const struct reads *r, int64_t id)
{
    for (int i = 0; i < r->nentries; i++)
        if (r->entries[i].en.id == id)
            return &r->entries[i];
    return NULL;
}

/* The overlaps of one unit: its rows of insp_dup_index read, the object excluded. */
static void unit_overlaps(struct ctx *c, const struct ask *k, const struct reads *r, const struct insp_unit *u,
                          json_t *warnings)
{
    for (int i = 0; i < r->nd; i++) {
        const struct dup_row *d = &r->d[i];
        if (d->unit != u->id || d->id == (d->entry ? k->ex_entry : k->ex_insp))
            continue;
        const struct entry_plan *ep = d->entry ? loaded_entry(r, d->id) : NULL;
        const struct insp *it = d->entry ? NULL : loaded_insp(r, d->id);
        if (!ep && !it)
            continue;
        json_t *w = overlap_json(c, ep, it, u->name);
        if (!w)
            continue;
        json_object_set_new(w, "unit_id", json_integer(u->id));
        json_object_set_new(w, "unit", json_string(u->name));
        json_array_append_new(warnings, w);
    }
}

/* Other issuers' running items on the unit, read: named when the user reads items at their government, else
 * 「其他督查机构」 and the dates. */
static void item_overlaps(struct ctx *c, const struct reads *r, const struct insp_unit *u, json_t *warnings)
{
    for (int i = 0; i < r->nit; i++) {
        const struct item_row *o = &r->it[i];
        if (o->unit != u->id)
            continue;
        int64_t at = 0;
        char *from = arena_alloc(c->arena, 11); /* the local day of the assignment */
        time_parse_iso(o->assigned_at, &at);
        cal_format_date(time_local_day(at), from);
        const char *to = o->due, *number = o->number;
        json_t *w;
        if (c->user && perm_at(c->user, CAP_ITEM_READ, o->office_path)) {
            const char *who = o->issuer;
            const char *subject =
                *number ? arena_printf(c->arena, "《%s》（%s）", utf8_inner_title(c->arena, o->title), number)
                        : arena_printf(c->arena, "《%s》", utf8_inner_title(c->arena, o->title));
            const char *text = arena_printf(c->arena,
                                            "%s交办的督办事项%s（%s至%s）已要求%s报送进展，与本次时间重叠，建议合并"
                                            "要求或共享已报材料，避免重复报送",
                                            who, subject, from, to, u->name);
            w = json_pack("{ss ss sI sb ss ss so ss ss ss ss}", "kind", "overlap", "object", "item", "id",
                          (json_int_t)o->id, "visible", true, "issuer", who, "subject", subject, "number",
                          *number ? json_string(number) : json_null(), "start_date", from, "end_date", to, "link",
                          arena_printf(c->arena, "/items/%" PRId64, o->id), "text", text);
        } else {
            const char *text = arena_printf(c->arena,
                                            "其他督查机构于%s至%s另有督办事项要求%s报送，与本次时间重叠，建议协调"
                                            "合并要求，避免重复报送",
                                            from, to, u->name);
            w = json_pack("{ss ss sb ss ss ss ss}", "kind", "overlap", "object", "item", "visible", false, "issuer",
                          "其他督查机构", "start_date", from, "end_date", to, "text", text);
        }
        json_object_set_new(w, "unit_id", json_integer(u->id));
        json_object_set_new(w, "unit", json_string(u->name));
        json_array_append_new(warnings, w);
    }
}

/* The words of a cap, per request (an inspection, an item): what the unit received, the measure, the way on. */
static const struct {
    const char *got, *measure, *way;
} cap_words[2] = {
    {"已接受督查检查", "次", "再督查须填写例外理由，报政府主要领导批准；建议并入已有督查或联合督查"},
    {"已接收交办事项", "件", "再交办须填写例外理由，随事项报批；建议并入已有事项或共享已报材料"},
};

/* The cap warning of one unit at or past its cap, or NULL. */
static json_t *cap_warning(struct ctx *c, const struct ask *k, const struct insp_unit *u, int year, int64_t count,
                           int cap, const char *from, const char *level)
{
    if (strcmp(level, "over") && strcmp(level, "reach"))
        return NULL;
    bool over = !strcmp(level, "over");
    const char *by = from ? arena_printf(c->arena, "（%s设定）", from) : "";
    const char *got = cap_words[k->item].got, *m = cap_words[k->item].measure;
    const char *text = over
                           ? arena_printf(c->arena, "%s%d年%s %" PRId64 " %s，已达每个单位每年 %d %s的上限%s：%s",
                                          u->name, year, got, count, m, cap, m, by, cap_words[k->item].way)
                           : arena_printf(c->arena, "%s%d年%s %" PRId64 " %s，本次之后将达到每个单位每年 %d %s的上限%s",
                                          u->name, year, got, count, m, cap, m, by);
    return json_pack("{ss sI ss sI si sb ss}", "kind", "cap", "unit_id", (json_int_t)u->id, "unit", u->name, "count",
                     (json_int_t)count, "cap", cap, "needs_reason", over, "text", text);
}

/* A check whose reads are sent (run_send) and not taken yet (run_take). */
struct burden_sent {
    struct ask k;
    struct reads r;
    const int64_t *units;
    int n, year;
    const char *field;
    enum err e; /* a failure before anything was sent */
};

/* The one check for every request: per unit its count this year against its cap, and the overlaps. Its reads
 * for all units travel together (reads_send), and then the overlapping inspections' (load_overlapping); an
 * inspection's counts and caps are then read per unit. Sent first (the reads travel with the caller's next
 * statement), then taken. */
static struct burden_sent *run_send(struct ctx *c, const struct ask *k, const int64_t *units, int n, const char *start,
                                    const char *end, const char *field)
{
    struct burden_sent *b = arena_alloc(c->arena, sizeof *b);
    memset(b, 0, sizeof *b);
    b->k = *k;
    b->units = units;
    b->n = n;
    b->field = field;
    int year = b->year = b->k.year = insp_year(start), y, m, d;
    char *y0 = arena_alloc(c->arena, 21), *y1 = arena_alloc(c->arena, 21), until[21];
    int64_t jan = cal_days_from_civil(year, 1, 1), next = cal_days_from_civil(year + 1, 1, 1);
    int64_t t0 = time_local_instant(jan, 0), t1 = time_local_instant(next, 0);
    time_format_iso(t0, y0);
    time_format_iso(t1, y1);
    b->k.y0 = y0;
    b->k.y1 = y1;
    b->k.m0 = arena_printf(c->arena, "%04d-01", year);
    b->k.m1 = arena_printf(c->arena, "%04d-12", year);
    b->k.zone = (jan * 86400 - t0) == (next * 86400 - t1) ? (int)((jan * 86400 - t0) / 60) : INT_MIN;
    until[0] = 0;
    if (n < 1) /* nothing asked of anyone */
        return b;
    if (k->item && sscanf(end, "%d-%d-%d", &y, &m, &d) != 3) {
        b->e = ctx_fail_field(c, "end_date", "结束日期（end_date）格式应为 YYYY-MM-DD");
        return b;
    }
    if (k->item)
        time_format_iso(time_local_instant(cal_days_from_civil(y, m, d) + 1, 0), until);
    reads_send(c, &b->k, units, n, start, end, until, &b->r);
    return b;
}

/* Finishes what run_send sent, unread (the caller failed before taking it). */
static void run_drop(struct burden_sent *b)
{
    if (b->e || b->n < 1)
        return;
    stmt_done(b->r.settings);
    stmt_done(b->r.units);
    stmt_done(b->r.dups);
    stmt_done(b->r.items);
    b->e = ERR_INTERNAL;
}

/* settings (may be NULL): the settings the check read (read here when it had no unit to ask about). */
static enum err run_take(struct ctx *c, struct burden_sent *b, json_t **rows_out, json_t **out,
                         struct insp_settings *settings)
{
    if (b->e)
        return b->e;
    if (b->n < 1) {
        enum err e = settings ? insp_settings_load(c, settings) : ERR_OK;
        if (e)
            return e;
        *out = json_array();
        if (rows_out)
            *rows_out = json_array();
        return ERR_OK;
    }
    const struct ask *k = &b->k;
    const int64_t *units = b->units;
    const char *field = b->field;
    int n = b->n, year = b->year;
    struct reads r = b->r;
    struct insp_settings s;
    b->e = ERR_INTERNAL; /* taken: never again */
    enum err e = reads_take(c, &r, &s);
    if (e)
        return e;
    if (settings)
        *settings = s;
    load_overlapping(c, k, &r);
    json_t *rows = json_array(), *warnings = json_array();
    for (int i = 0; i < n && !e; i++) {
        const struct unit_row *ur = NULL;
        for (int j = 0; j < r.nu && !ur; j++)
            if (r.u[j].u.id == units[i])
                ur = &r.u[j];
        if (!ur) {
            e = ctx_fail_field(c, field, "%s（%s）中的单位 %" PRId64 " 不存在",
                               strcmp(field, "unit_ids") ? "督查对象" : "责任单位", field, units[i]);
            break;
        }
        const struct insp_unit *u = &ur->u;
        int64_t count = ur->items;
        int cap = k->item ? s.request_cap : ur->has_cap ? ur->cap : s.unit_cap;
        const char *from = k->item ? NULL : ur->cap_from;
        const char *level = !cap ? "none" : count >= cap ? "over" : count + 1 == cap ? "reach" : "under";
        json_array_append_new(rows, json_pack("{sI ss sI so so ss}", "unit_id", (json_int_t)u->id, "unit", u->name,
                                              "count", (json_int_t)count, "cap", cap ? json_integer(cap) : json_null(),
                                              "cap_from", from ? json_string(from) : json_null(), "level", level));
        json_t *w = cap_warning(c, k, u, year, count, cap, from, level);
        if (w)
            json_array_append_new(warnings, w);
        unit_overlaps(c, k, &r, u, warnings);
        if (k->item)
            item_overlaps(c, &r, u, warnings);
    }
    if (e) {
        json_decref(rows);
        json_decref(warnings);
        return e;
    }
    if (rows_out)
        *rows_out = rows;
    else
        json_decref(rows);
    *out = warnings;
    return ERR_OK;
}

enum err insp_units_burden(struct ctx *c, const int64_t *units, int n, int year, int64_t self_insp, int64_t self_entry,
                           struct insp_burden **out)
{
    *out = arena_alloc(c->arena, sizeof **out * (size_t)(n + 1));
    if (n < 1)
        return ERR_OK;
    struct stmt *settings = insp_settings_send(c);
    struct stmt *st = send_for_units(
        c, BURDEN_SQL, DB_BINDS_(DB_INT(year), DB_INT(self_insp), DB_INT(year), DB_INT(self_entry)), units, n);
    struct insp_settings s;
    void *v = NULL;
    enum err e = insp_settings_take(c, settings, &s);
    int nu = rows_take(c, st, &v, sizeof(struct unit_row), take_unit);
    if (e)
        return e;
    if (nu < 0)
        return ctx_store_fail(c, nu, "统计单位督查次数");
    const struct unit_row *rows = v;
    for (int i = 0; i < n; i++) {
        const struct unit_row *r = NULL;
        for (int j = 0; j < nu && !r; j++)
            if (rows[j].u.id == units[i])
                r = &rows[j];
        if (!r)
            return ctx_db_fail(c, ERR_NOT_FOUND, "读取单位");
        (*out)[i] = (struct insp_burden){r->u.name, r->items, r->has_cap ? r->cap : s.unit_cap, r->cap_from};
    }
    return ERR_OK;
}

static enum err run(struct ctx *c, const struct ask *k, const int64_t *units, int n, const char *start, const char *end,
                    const char *field, json_t **rows_out, json_t **out, struct insp_settings *settings)
{
    return run_take(c, run_send(c, k, units, n, start, end, field), rows_out, out, settings);
}

enum err insp_burden_warnings(struct ctx *c, const int64_t *units, int n, const char *start, const char *end,
                              int64_t ex_insp, int64_t ex_entry, json_t **rows_out, json_t **out)
{
    struct ask k = {.ex_insp = ex_insp, .ex_entry = ex_entry};
    return run(c, &k, units, n, start, end, "target_unit_ids", rows_out, out, NULL);
}

struct burden_sent *insp_request_burden_send(struct ctx *c, const struct burden_request *r)
{
    struct ask k = {.item = true, .ex_item = r->object_id, .office_path = r->office_path};
    const char *end = strcmp(r->end, r->start) < 0 ? r->start : r->end;
    return run_send(c, &k, r->unit_ids, r->nunits, r->start, end, "unit_ids");
}

void insp_request_burden_drop(struct burden_sent *s)
{
    run_drop(s);
}

enum err insp_request_burden_take(struct ctx *c, const struct burden_request *r, struct burden_sent *s,
                                  json_t **warnings)
{
    enum err e = run_take(c, s, NULL, warnings, NULL);
    if (e || !r->check)
        return e;
    const char *over = NULL;
    size_t i;
    json_t *w;
    json_array_foreach(*warnings, i, w)
    {
        if (json_is_true(json_object_get(w, "needs_reason")))
            over =
                arena_printf(c->arena, "%s%s%s%d年已接收交办事项 %" PRId64 " 件，已达每个单位每年 %" PRId64 " 件的上限",
                             over ? over : "", over ? "；" : "", json_string_value(json_object_get(w, "unit")),
                             insp_year(r->start), (int64_t)json_integer_value(json_object_get(w, "count")),
                             (int64_t)json_integer_value(json_object_get(w, "cap")));
    }
    if (!over)
        return ERR_OK;
    int64_t gov = 0;
    if ((e = db_one_int(c->db, &gov, "SELECT id FROM units WHERE path = ?", DB_TEXT(r->office_path))))
        e = ctx_db_fail(c, e, "读取立项政府");
    const struct caps_check ck = {.office_unit_id = gov,
                                  .year = insp_year(r->start),
                                  .object_type = r->object_type,
                                  .object_id = r->object_id,
                                  .reason = r->reason};
    const char *detail = arena_printf(c->arena, "%s（减负）", over);
    if (!e)
        e = insp_caps_broken(
            c, &ck, "request", detail,
            arena_printf(c->arena, "%s，如确需交办，请填写例外理由（burden_reason），随事项报批。", over));
    if (e) {
        json_decref(*warnings);
        *warnings = NULL;
    }
    return e;
}

enum err insp_burden_check(struct ctx *c, const json_t *body, json_t **out)
{
    const char *start = jv_str(body, "start_date"), *end = jv_str(body, "end_date");
    if (strcmp(start, end) > 0)
        return ctx_fail_field(c, "end_date", "结束日期（end_date）不能早于开始日期（start_date）");
    int n;
    int64_t *units = insp_int_array(c, json_object_get(body, "target_unit_ids"), &n);
    json_t *rows, *warnings;
    const char *request = jv_str(body, "request");
    bool item = request && !strcmp(request, "item");
    if (request && !item && strcmp(request, "inspection"))
        return ctx_fail_field(c, "request", "要求类型（request）应为 inspection（督查检查）或 item（交办事项）");
    const char *gov = NULL;
    if (item) {
        /* the issuer: the government where the user registers items (its own items are no overlap) */
        int ng;
        const char **scope = perm_scope_cap(c, CAP_ITEM_REGISTER, &ng);
        if (ng < 1)
            return ctx_fail(c, ERR_FORBIDDEN, "只有能立项的督查室可以检查交办事项的基层负担");
        gov = scope[0];
    }
    struct ask k = {.item = item,
                    .ex_insp = jv_int(body, "exclude_inspection_id", 0),
                    .ex_entry = jv_int(body, "exclude_entry_id", 0),
                    .ex_item = jv_int(body, "exclude_item_id", 0),
                    .office_path = gov};
    struct insp_settings s;
    enum err e = run(c, &k, units, n, start, end, "target_unit_ids", &rows, &warnings, &s);
    if (e)
        return e;
    int cap = item ? s.request_cap : s.unit_cap;
    *out = json_pack("{si ss so so so}", "year", insp_year(start), "request", item ? "item" : "inspection", "unit_cap",
                     cap ? json_integer(cap) : json_null(), "units", rows, "warnings", warnings);
    return ERR_OK;
}
