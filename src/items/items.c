/*
 * items.c: the item itself: creation (立项 draft), loading, its JSON form, changes while a draft,
 * the timeline, the search bigrams and the reference lists (source kinds, grades).
 */
#include "calendar/calendar.h"
#include "items/items_internal.h"

#include "core/hooks.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "base/utf8.h"
#include "calendar/calendar.h"
#include "core/perm.h"
#include "deadlines/deadlines.h"
#include "units/units.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *kind, *label;
} source_kinds[] = {
    {"central_policy", "党中央、国务院方针政策"},
    {"major_decision", "上级和本级重大决策部署"},
    {"meeting", "政府会议议定事项"},
    {"work_report", "政府工作报告目标任务"},
    {"npc_cppcc", "人大代表建议和政协委员提案"},
    {"instruction", "领导批示"},
    {"inspection_visit", "视察调研指示"},
    {"leader_assigned", "领导交办的其他事项"},
    {"key_project", "重点工程项目和经济指标"},
    {"public_complaint", "群众反映的民生和信访问题"},
};

static const struct {
    const char *name, *label;
} importances[] = {{"general", "一般事项"}, {"major", "重大复杂事项"}};
static const struct {
    const char *name, *label;
} kinds[] = {
    {"once", "一次性事项"}, {"ongoing", "常态化推进工作（每月报送进展）"}, {"annual", "年度重点工作（每季度报送）"}};
static const struct {
    const char *name, *label;
} confidentialities[] = {{"internal", "内部"}, {"public", "公开"}};

#define N(a) (sizeof(a) / sizeof *(a))

const char *item_source_label(const char *kind)
{
    for (size_t i = 0; kind && i < N(source_kinds); i++)
        if (!strcmp(kind, source_kinds[i].kind))
            return source_kinds[i].label;
    return NULL;
}

const struct jv_field items_create_spec[] = {
    {"title", JV_STRING, JV_REQUIRED, 1, 200},
    {"requirement", JV_STRING, 0, 0, 10000},
    {"source_kind", JV_STRING, JV_REQUIRED, 1, 40},
    {"source_ref", JV_STRING, 0, 0, 500},
    {"source_date", JV_DATE, JV_NULLABLE, 0, 0},
    {"office_unit_id", JV_INT, 0, 1, INT64_MAX},
    {"lead_unit_id", JV_INT, JV_REQUIRED, 1, INT64_MAX},
    {"co_unit_ids", JV_INT_ARRAY, 0, 0, 50},
    {"leader_id", JV_INT, JV_NULLABLE, 1, INT64_MAX},
    {"importance", JV_STRING, 0, 0, 20},
    {"kind", JV_STRING, 0, 0, 20},
    {"due_date", JV_DATE, JV_REQUIRED, 0, 0},
    {"confidentiality", JV_STRING, 0, 0, 20},
    {"tags", JV_STRING_ARRAY, 0, 0, 20},
    {"submit", JV_BOOL, 0, 0, 0},
    {NULL, 0, 0, 0, 0},
};

const struct jv_field items_update_spec[] = {
    {"title", JV_STRING, 0, 1, 200},
    {"requirement", JV_STRING, 0, 0, 10000},
    {"source_kind", JV_STRING, 0, 1, 40},
    {"source_ref", JV_STRING, 0, 0, 500},
    {"source_date", JV_DATE, JV_NULLABLE, 0, 0},
    {"lead_unit_id", JV_INT, 0, 1, INT64_MAX},
    {"co_unit_ids", JV_INT_ARRAY, 0, 0, 50},
    {"leader_id", JV_INT, JV_NULLABLE, 1, INT64_MAX},
    {"importance", JV_STRING, 0, 0, 20},
    {"kind", JV_STRING, 0, 0, 20},
    {"due_date", JV_DATE, 0, 0, 0},
    {"confidentiality", JV_STRING, 0, 0, 20},
    {"tags", JV_STRING_ARRAY, 0, 0, 20},
    {"version", JV_INT, 0, 0, 0},
    {NULL, 0, 0, 0, 0},
};

/* ---- small helpers ---- */

void item_today(struct ctx *c, char out[11])
{
    cal_format_date(time_local_day(c->now), out);
}

const char **item_grades(struct ctx *c, int *n)
{
    const char *list = "优秀,良好,合格,不合格";
    struct stmt *st = db_prepare(c->db, "SELECT value FROM settings WHERE key = 'item_grades'");
    if (st) {
        if (stmt_step(st) == STORE_ROW && stmt_text(st, 0) && *stmt_text(st, 0))
            list = arena_strdup(c->arena, stmt_text(st, 0));
        stmt_done(st);
    }
    const char **out = arena_alloc(c->arena, sizeof *out * 32);
    *n = 0;
    char *copy = arena_strdup(c->arena, list), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok && *n < 32; tok = strtok_r(NULL, ",", &save))
        if (*tok)
            out[(*n)++] = tok;
    return out;
}

void items_light_dates(struct ctx *c, char today[11], char yellow[11])
{
    int64_t day = time_local_day(c->now);
    struct calendar cal;
    if (calendar_load(c, &cal) != ERR_OK) { /* the built-in State Council data is still right */
        cal.ex = cal_builtin;
        cal.n = cal_builtin_n;
        c->err = ERR_OK;
    }
    cal_format_date(day, today);
    cal_format_date(cal_add_workdays(&cal, day, (int)c->cfg->yellow_days), yellow);
}

const char *items_light_for(const char *due_date, enum item_state s, const char *today, const char *yellow)
{
    if (!item_state_active(s) || !due_date)
        return "none";
    if (strcmp(due_date, today) < 0)
        return "red";
    return strcmp(due_date, yellow) <= 0 ? "yellow" : "green";
}

const char *items_light(struct ctx *c, const char *due_date, enum item_state s)
{
    char today[11], yellow[11];
    if (!item_state_active(s))
        return "none";
    items_light_dates(c, today, yellow);
    return items_light_for(due_date, s, today, yellow);
}

/* Decodes one UTF-8 code point at s (valid input); returns its length. */
static int cp_len(const unsigned char *s)
{
    if (*s < 0x80)
        return 1;
    if ((*s & 0xe0) == 0xc0)
        return 2;
    if ((*s & 0xf0) == 0xe0)
        return 3;
    return 4;
}

int item_bigrams(struct arena *a, const char *text, const char ***out)
{
    /* code points, lower-cased ASCII, whitespace and common punctuation removed */
    size_t len = strlen(text);
    const char **cps = arena_alloc(a, sizeof *cps * (len + 1));
    int ncp = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p;) {
        int l = cp_len(p);
        if (l == 1 && (*p <= ' ' || strchr(",.;:!?()[]{}\"'", *p))) {
            p++;
            continue;
        }
        if (l == 3 && (!memcmp(p, "，", 3) || !memcmp(p, "。", 3) || !memcmp(p, "、", 3) || !memcmp(p, "；", 3) ||
                       !memcmp(p, "：", 3) || !memcmp(p, "　", 3) || !memcmp(p, "“", 3) || !memcmp(p, "”", 3))) {
            p += l;
            continue;
        }
        char *cp = arena_strndup(a, (const char *)p, (size_t)l);
        if (l == 1 && *cp >= 'A' && *cp <= 'Z')
            *cp = (char)(*cp - 'A' + 'a');
        cps[ncp++] = cp;
        p += l;
    }
    const char **grams = arena_alloc(a, sizeof *grams * (size_t)(ncp + 1));
    int n = 0;
    for (int i = 0; i + 1 < ncp; i++) {
        const char *g = arena_printf(a, "%s%s", cps[i], cps[i + 1]);
        bool dup = false;
        for (int j = 0; j < n && !dup; j++)
            dup = !strcmp(grams[j], g);
        if (!dup)
            grams[n++] = g;
    }
    if (ncp == 1)
        grams[n++] = cps[0];
    *out = grams;
    return n;
}

enum err item_grams_update(struct ctx *c, int64_t item_id, const char *number, const char *title,
                           const char *requirement)
{
    struct stmt *st = db_prepare(c->db, "DELETE FROM item_grams WHERE item_id = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "更新检索索引");
    stmt_bind_int(st, 1, item_id);
    int rc = stmt_step(st);
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "更新检索索引");
    const char *text =
        arena_printf(c->arena, "%s\n%s\n%s", number ? number : "", title ? title : "", requirement ? requirement : "");
    const char **grams;
    int n = item_bigrams(c->arena, text, &grams);
    for (int i = 0; i < n; i++) {
        st = db_prepare(c->db, "INSERT INTO item_grams (gram, item_id) VALUES (?, ?) ON CONFLICT DO NOTHING");
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "更新检索索引");
        stmt_bind_text(st, 1, grams[i]);
        stmt_bind_int(st, 2, item_id);
        rc = stmt_step(st);
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "更新检索索引");
    }
    return ERR_OK;
}

enum err item_event(struct ctx *c, int64_t item_id, const char *kind, const char *action, int from, int to,
                    int64_t track_id, int64_t unit_id, const char *note, json_t *data)
{
    char at[21];
    time_format_iso(c->now, at);
    struct stmt *st =
        db_prepare(c->db, "INSERT INTO item_events (item_id, at, actor_id, actor, actor_name, kind, action, "
                          "from_state, to_state, track_id, unit_id, note, data) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "记录办理过程");
    char *d = data ? json_dumps(data, JSON_COMPACT) : NULL;
    stmt_bind_int(st, 1, item_id);
    stmt_bind_text(st, 2, at);
    if (c->user)
        stmt_bind_int(st, 3, c->user->id);
    else
        stmt_bind_null(st, 3);
    stmt_bind_text(st, 4, ctx_actor(c));
    stmt_bind_text(st, 5, c->user && c->user->name ? c->user->name : "系统");
    stmt_bind_text(st, 6, kind);
    stmt_bind_text(st, 7, action);
    stmt_bind_text(st, 8, from >= 0 ? item_state_name((enum item_state)from) : NULL);
    stmt_bind_text(st, 9, to >= 0 ? item_state_name((enum item_state)to) : NULL);
    if (track_id)
        stmt_bind_int(st, 10, track_id);
    else
        stmt_bind_null(st, 10);
    if (unit_id)
        stmt_bind_int(st, 11, unit_id);
    else
        stmt_bind_null(st, 11);
    stmt_bind_text(st, 12, note ? note : "");
    stmt_bind_text(st, 13, d ? d : "{}");
    int rc = stmt_step(st);
    stmt_done(st);
    free(d);
    return rc < 0 ? ctx_store_fail(c, rc, "记录办理过程") : ERR_OK;
}

enum err items_mark_escalated(struct ctx *c, int64_t item_id, const char *note, json_t *data)
{
    struct stmt *st = db_prepare(c->db, "UPDATE items SET escalated = 1, version = version + 1 WHERE id = ? AND "
                                        "escalated = 0 RETURNING id");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "列入督查事项");
    stmt_bind_int(st, 1, item_id);
    int64_t id;
    int rc = stmt_one_int(st, &id);
    if (rc < 0)
        return ctx_store_fail(c, rc, "列入督查事项");
    if (rc == STORE_DONE)
        return ERR_OK;
    struct item it;
    int64_t insp = 0;
    enum err e = item_load(c, item_id, &it);
    if (!e)
        e = item_escalated(c, &it, note, &insp);
    json_t *d = data ? json_deep_copy(data) : json_object();
    if (insp)
        json_object_set_new(d, "inspection_id", json_integer(insp));
    if (!e)
        e = item_event(c, item_id, "transition", "escalate", -1, -1, 0, 0, note, d);
    if (!e) {
        json_t *sum = json_pack("{ss sO}", "note", note, "data", d);
        e = audit_record(c, "item.escalate", "item", item_id, sum);
        json_decref(sum);
    }
    json_decref(d);
    return e;
}

enum err item_escalated(struct ctx *c, const struct item *it, const char *reason, int64_t *inspection_id)
{
    int64_t *units = arena_alloc(c->arena, sizeof *units * (size_t)(it->ntracks + 1));
    for (int i = 0; i < it->ntracks; i++)
        units[i] = it->tracks[i].unit_id;
    struct escalation x = {
        "item", it->id,     it->number, it->title, reason && *reason ? reason : "逾期未办结", it->office_unit_id,
        units,  it->ntracks};
    return hooks_escalated(c, &x, inspection_id);
}

const char *items_label(struct ctx *c, int64_t item_id)
{
    struct stmt *st = db_prepare(c->db, "SELECT number, title FROM items WHERE id = ?");
    if (!st)
        return NULL;
    stmt_bind_int(st, 1, item_id);
    const char *out = NULL;
    if (stmt_step(st) == STORE_ROW)
        out = arena_printf(c->arena, "%s《%s》", stmt_is_null(st, 0) ? "" : stmt_text(st, 0), stmt_text(st, 1));
    stmt_done(st);
    return out;
}

int items_track_progress(struct ctx *c, int64_t item_id, int64_t unit_id)
{
    struct stmt *st = db_prepare(c->db, "SELECT progress FROM item_tracks WHERE item_id = ? AND unit_id = ?");
    if (!st)
        return -1;
    stmt_bind_int(st, 1, item_id);
    stmt_bind_int(st, 2, unit_id);
    int64_t p = -1;
    return stmt_one_int(st, &p) == STORE_ROW ? (int)p : -1;
}

enum err items_timeline_add(struct ctx *c, int64_t item_id, int64_t unit_id, const char *kind, const char *action,
                            const char *note, json_t *data)
{
    /* no row: no such item; a NULL track: the item as a whole */
    struct stmt *st = db_prepare(c->db, "SELECT t.id FROM items i LEFT JOIN item_tracks t ON t.item_id = i.id AND "
                                        "t.unit_id = ? WHERE i.id = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "记录办理过程");
    stmt_bind_int(st, 1, unit_id);
    stmt_bind_int(st, 2, item_id);
    int rc = stmt_step(st);
    int64_t track = rc == STORE_ROW && !stmt_is_null(st, 0) ? stmt_int(st, 0) : 0;
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "记录办理过程");
    if (rc == STORE_DONE)
        return ERR_OK;
    return item_event(c, item_id, kind, action, -1, -1, track, unit_id, note, data);
}

/* ---- loading ---- */

#define ITEM_COLS                                                                                                      \
    "i.id, i.number, i.num_year, i.num_seq, i.title, i.requirement, i.source_kind, i.source_ref, i.source_date, "      \
    "i.office_unit_id, i.office_path, ou.name, i.lead_unit_id, i.lead_path, lu.name, i.leader_id, us.name, "           \
    "i.importance, i.kind, i.due_date, i.confidentiality, i.tags, i.state, i.resume_state, i.parent_id, i.progress, "  \
    "i.grade, i.escalated, i.year, i.created_by, i.created_at, i.updated_at, i.closed_at, i.version, i.assigned_at"

static const char *dup_col(struct ctx *c, struct stmt *st, int col)
{
    return stmt_is_null(st, col) ? NULL : arena_strdup(c->arena, stmt_text(st, col));
}

static void item_view(struct ctx *c, struct item *it);

enum err item_load(struct ctx *c, int64_t id, struct item *it)
{
    memset(it, 0, sizeof *it);
    struct stmt *st =
        db_prepare(c->db, "SELECT " ITEM_COLS " FROM items i JOIN units ou ON ou.id = i.office_unit_id "
                          "JOIN units lu ON lu.id = i.lead_unit_id LEFT JOIN users us ON us.id = i.leader_id "
                          "WHERE i.id = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取督办事项");
    stmt_bind_int(st, 1, id);
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        it->id = stmt_int(st, 0);
        it->number = dup_col(c, st, 1);
        it->num_year = stmt_int(st, 2);
        it->num_seq = stmt_int(st, 3);
        it->title = dup_col(c, st, 4);
        it->requirement = dup_col(c, st, 5);
        it->source_kind = dup_col(c, st, 6);
        it->source_ref = dup_col(c, st, 7);
        it->source_date = dup_col(c, st, 8);
        it->office_unit_id = stmt_int(st, 9);
        it->office_path = dup_col(c, st, 10);
        it->office_name = dup_col(c, st, 11);
        it->lead_unit_id = stmt_int(st, 12);
        it->lead_path = dup_col(c, st, 13);
        it->lead_name = dup_col(c, st, 14);
        it->leader_id = stmt_is_null(st, 15) ? 0 : stmt_int(st, 15);
        it->leader_name = dup_col(c, st, 16);
        it->importance = dup_col(c, st, 17);
        it->kind = dup_col(c, st, 18);
        it->due_date = dup_col(c, st, 19);
        it->confidentiality = dup_col(c, st, 20);
        it->tags = dup_col(c, st, 21);
        item_state_parse(stmt_text(st, 22), &it->state);
        it->resume_state = ITEM_ST_IN_PROGRESS;
        if (!stmt_is_null(st, 23))
            item_state_parse(stmt_text(st, 23), &it->resume_state);
        it->parent_id = stmt_is_null(st, 24) ? 0 : stmt_int(st, 24);
        it->progress = (int)stmt_int(st, 25);
        it->grade = dup_col(c, st, 26);
        it->escalated = stmt_int(st, 27) != 0;
        it->year = stmt_int(st, 28);
        it->created_by = stmt_is_null(st, 29) ? 0 : stmt_int(st, 29);
        it->created_at = dup_col(c, st, 30);
        it->updated_at = dup_col(c, st, 31);
        it->closed_at = dup_col(c, st, 32);
        it->version = stmt_int(st, 33);
        it->assigned_at = dup_col(c, st, 34);
    }
    stmt_done(st);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "督办事项不存在或无权查看");
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取督办事项");

    st = db_prepare(c->db, "SELECT t.id, t.unit_id, t.unit_path, u.code, u.name, t.role, t.state, t.progress, "
                           "t.received_at, t.plan_text, t.plan_date, t.reply_text, t.signed_at "
                           "FROM item_tracks t JOIN units u ON u.id = t.unit_id WHERE t.item_id = ? "
                           "ORDER BY CASE WHEN t.role = 'lead' THEN 0 ELSE 1 END, t.id");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取督办事项");
    stmt_bind_int(st, 1, id);
    int cap = 4;
    it->tracks = arena_alloc(c->arena, sizeof *it->tracks * (size_t)cap);
    while ((rc = stmt_step(st)) == STORE_ROW) {
        if (it->ntracks == cap) {
            struct track *n = arena_alloc(c->arena, sizeof *n * (size_t)cap * 2);
            memcpy(n, it->tracks, sizeof *n * (size_t)cap);
            it->tracks = n;
            cap *= 2;
        }
        struct track *t = &it->tracks[it->ntracks++];
        t->id = stmt_int(st, 0);
        t->unit_id = stmt_int(st, 1);
        t->unit_path = dup_col(c, st, 2);
        t->unit_code = dup_col(c, st, 3);
        t->unit_name = dup_col(c, st, 4);
        t->lead = !strcmp(stmt_text(st, 5), "lead");
        item_state_parse(stmt_text(st, 6), &t->state);
        t->progress = (int)stmt_int(st, 7);
        t->received_at = dup_col(c, st, 8);
        t->plan_text = dup_col(c, st, 9);
        t->plan_date = dup_col(c, st, 10);
        t->reply_text = dup_col(c, st, 11);
        t->signed_at = dup_col(c, st, 12);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取督办事项");
    const char **paths = arena_alloc(c->arena, sizeof *paths * (size_t)(it->ntracks + 1));
    for (int i = 0; i < it->ntracks; i++)
        paths[i] = it->tracks[i].unit_path;
    it->scope.office_path = it->office_path;
    it->scope.unit_paths = paths;
    it->scope.nunits = it->ntracks;
    it->scope.units_see = it->assigned_at != NULL;
    it->pending_ext = -1;
    item_view(c, it);
    return ERR_OK;
}

/* The id of the unit at the end of a materialized path ("/1/7/45/" -> 45). */
static int64_t path_last_id(const char *path)
{
    const char *end = path + strlen(path);
    if (end > path && end[-1] == '/')
        end--;
    const char *p = end;
    while (p > path && p[-1] != '/')
        p--;
    return strtoll(p, NULL, 10);
}

/* Fills it->wf, the engine's view of the item: its tracks are the parts the track rows act on. */
static void item_view(struct ctx *c, struct item *it)
{
    struct wf_obj *o = &it->wf;
    o->id = it->id;
    o->version = it->version;
    o->state = (int)it->state;
    o->resume_state = (int)it->resume_state;
    o->home_path = it->office_path;
    o->home_unit_id = path_last_id(it->office_path);
    o->scope = it->scope;
    o->number = it->number;
    o->title = it->title;
    o->due_date = it->due_date;
    o->persons[ITEM_PERSON_LEADER] = it->leader_id;
    o->parts = arena_alloc(c->arena, sizeof *o->parts * (size_t)(it->ntracks + 1));
    for (int i = 0; i < it->ntracks; i++) {
        const struct track *t = &it->tracks[i];
        o->parts[i] =
            (struct wf_part){ITEM_PART_TRACK, t->id, (int)t->state, t->unit_id, t->unit_path, t->unit_name, 0};
    }
    o->nparts = o->ntracks = it->ntracks;
}

/* Appends one part to the view (arena; the array grows by copying). */
static void view_add(struct ctx *c, struct wf_obj *o, const struct wf_part *p)
{
    struct wf_part *n = arena_alloc(c->arena, sizeof *n * (size_t)(o->nparts + 1));
    memcpy(n, o->parts, sizeof *n * (size_t)o->nparts);
    n[o->nparts++] = *p;
    o->parts = n;
}

/* The item's track with this id, or NULL. */
static const struct track *track_by_id(const struct item *it, int64_t id)
{
    for (int i = 0; i < it->ntracks; i++)
        if (it->tracks[i].id == id)
            return &it->tracks[i];
    return NULL;
}

enum err item_load_waits(struct ctx *c, struct item *it)
{
    if (item_state_active(it->state)) {
        struct stmt *st = db_prepare(c->db, "SELECT id, track_id, requested_by FROM item_extensions "
                                            "WHERE item_id = ? AND state = 'pending'");
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "读取延期申请");
        stmt_bind_int(st, 1, it->id);
        int rc;
        while ((rc = stmt_step(st)) == STORE_ROW) {
            const struct track *t = track_by_id(it, stmt_is_null(st, 1) ? 0 : stmt_int(st, 1));
            struct wf_part p = {ITEM_PART_EXTENSION,
                                stmt_int(st, 0),
                                ITEM_SIDE_PENDING,
                                t ? t->unit_id : 0,
                                t ? t->unit_path : NULL,
                                t ? t->unit_name : NULL,
                                stmt_is_null(st, 2) ? 0 : stmt_int(st, 2)};
            view_add(c, &it->wf, &p);
        }
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "读取延期申请");
    }
    if (it->state == ITEM_ST_COMPLETED || it->state == ITEM_ST_ARCHIVED || it->state == ITEM_ST_WITHDRAWN)
        return ERR_OK;
    struct stmt *st = db_prepare(c->db, "SELECT id, track_id, created_by FROM item_reports "
                                        "WHERE item_id = ? AND review = 'pending' ORDER BY id");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取进展报告");
    stmt_bind_int(st, 1, it->id);
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        const struct track *t = track_by_id(it, stmt_int(st, 1));
        struct wf_part p = {ITEM_PART_REPORT,
                            stmt_int(st, 0),
                            ITEM_SIDE_PENDING,
                            t ? t->unit_id : 0,
                            t ? t->unit_path : NULL,
                            t ? t->unit_name : NULL,
                            stmt_is_null(st, 2) ? 0 : stmt_int(st, 2)};
        view_add(c, &it->wf, &p);
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取进展报告") : ERR_OK;
}

enum err item_load_visible(struct ctx *c, int64_t id, struct item *it)
{
    enum err e = item_load(c, id, it);
    if (e)
        return e;
    if (!perm_item_visible(c->user, &it->scope))
        return ctx_fail(c, ERR_NOT_FOUND, "督办事项不存在或无权查看");
    return ERR_OK;
}

enum err item_lock(struct ctx *c, const struct item *it)
{
    struct stmt *st = db_prepare(c->db, "UPDATE items SET version = version WHERE id = ? AND version = ? RETURNING id");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "锁定督办事项");
    stmt_bind_int(st, 1, it->id);
    stmt_bind_int(st, 2, it->version);
    int64_t id;
    int rc = stmt_one_int(st, &id);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_CONFLICT, "督办事项已被他人同时处理，请刷新后重试");
    return rc == STORE_ROW ? ERR_OK : ctx_store_fail(c, rc, "锁定督办事项");
}

/* ---- JSON ---- */

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *tags_json(const char *tags)
{
    json_t *a = json_array();
    if (!tags || !*tags)
        return a;
    const char *p = tags;
    while (*p) {
        if (*p == ',') {
            p++;
            continue;
        }
        const char *e = strchr(p, ',');
        if (!e)
            e = p + strlen(p);
        json_array_append_new(a, json_stringn(p, (size_t)(e - p)));
        p = e;
    }
    return a;
}

/* Children roll-up: counts per state, average progress, and the list. */
static json_t *children_json(struct ctx *c, int64_t id, json_t **rollup)
{
    json_t *arr = json_array(), *by = json_object();
    struct stmt *st =
        db_prepare(c->db, "SELECT i.id, i.number, i.title, i.state, i.progress, i.due_date, u.name "
                          "FROM items i JOIN units u ON u.id = i.lead_unit_id WHERE i.parent_id = ? ORDER BY i.id");
    int n = 0, sum = 0, done = 0;
    char today[11], yellow[11];
    items_light_dates(c, today, yellow);
    if (st) {
        stmt_bind_int(st, 1, id);
        while (stmt_step(st) == STORE_ROW) {
            enum item_state s = ITEM_ST_DRAFT;
            item_state_parse(stmt_text(st, 3), &s);
            json_array_append_new(arr, json_pack("{sI so ss ss ss si ss ss ss}", "id", (json_int_t)stmt_int(st, 0),
                                                 "number", str_or_null(stmt_text(st, 1)), "title", stmt_text(st, 2),
                                                 "state", stmt_text(st, 3), "state_label", item_state_label(s),
                                                 "progress", (int)stmt_int(st, 4), "due_date", stmt_text(st, 5),
                                                 "lead_unit_name", stmt_text(st, 6), "light",
                                                 items_light_for(stmt_text(st, 5), s, today, yellow)));
            json_object_set_new(by, stmt_text(st, 3),
                                json_integer(json_integer_value(json_object_get(by, stmt_text(st, 3))) + 1));
            if (s != ITEM_ST_WITHDRAWN) {
                n++;
                sum += s >= ITEM_ST_COMPLETED && s <= ITEM_ST_ARCHIVED ? 100 : (int)stmt_int(st, 4);
                done += s >= ITEM_ST_COMPLETED && s <= ITEM_ST_ARCHIVED;
            }
        }
        stmt_done(st);
    }
    *rollup = json_pack("{si si si so}", "total", n, "completed", done, "progress", n ? sum / n : 0, "by_state", by);
    return arr;
}

json_t *item_json(struct ctx *c, struct item *it)
{
    json_t *tracks = json_array();
    for (int i = 0; i < it->ntracks; i++) {
        const struct track *t = &it->tracks[i];
        json_array_append_new(
            tracks, json_pack("{sI sI ss ss ss ss ss si so so so so so so}", "id", (json_int_t)t->id, "unit_id",
                              (json_int_t)t->unit_id, "unit_code", t->unit_code, "unit_name", t->unit_name, "role",
                              t->lead ? "lead" : "co", "state", item_state_name(t->state), "state_label",
                              item_state_label(t->state), "progress", t->progress, "received_at",
                              str_or_null(t->received_at), "plan_text", str_or_null(t->plan_text), "plan_date",
                              str_or_null(t->plan_date), "reply_text", str_or_null(t->reply_text), "signed_at",
                              str_or_null(t->signed_at), "allowed_actions", item_allowed_actions(c, it, t)));
    }
    const char *sl = item_source_label(it->source_kind);
    json_t *o = json_pack(
        "{sI so ss ss ss ss ss so sI ss sI ss so so ss ss ss ss so ss ss so si so sb sI ss ss so sI}", "id",
        (json_int_t)it->id, "number", str_or_null(it->number), "title", it->title, "requirement", it->requirement,
        "source_kind", it->source_kind, "source_kind_label", sl ? sl : it->source_kind, "source_ref", it->source_ref,
        "source_date", str_or_null(it->source_date), "office_unit_id", (json_int_t)it->office_unit_id,
        "office_unit_name", it->office_name, "lead_unit_id", (json_int_t)it->lead_unit_id, "lead_unit_name",
        it->lead_name, "leader_id", it->leader_id ? json_integer(it->leader_id) : json_null(), "leader_name",
        str_or_null(it->leader_name), "importance", it->importance, "kind", it->kind, "due_date", it->due_date,
        "confidentiality", it->confidentiality, "tags", tags_json(it->tags), "state", item_state_name(it->state),
        "state_label", item_state_label(it->state), "parent_id",
        it->parent_id ? json_integer(it->parent_id) : json_null(), "progress", it->progress, "grade",
        str_or_null(it->grade), "escalated", it->escalated, "year", (json_int_t)it->year, "created_at", it->created_at,
        "updated_at", it->updated_at, "closed_at", str_or_null(it->closed_at), "version", (json_int_t)it->version);
    json_object_set_new(o, "assigned_at", str_or_null(it->assigned_at));
    json_object_set_new(o, "light", json_string(items_light(c, it->due_date, it->state)));
    json_object_set_new(o, "tracks", tracks);
    if (it->state == ITEM_ST_SUSPENDED)
        json_object_set_new(o, "resume_state", json_string(item_state_name(it->resume_state)));
    json_object_set_new(o, "allowed_actions", item_allowed_actions(c, it, NULL));
    return o;
}

/* Adds what only the detail view carries: children, pending extension, suspensions, counts. */
static void item_json_detail(struct ctx *c, struct item *it, json_t *o)
{
    json_t *rollup;
    json_object_set_new(o, "children", children_json(c, it->id, &rollup));
    json_object_set_new(o, "children_rollup", rollup);
    struct stmt *st =
        db_prepare(c->db, "SELECT id, reason, old_date, new_date, state, requested_at, track_id, decided_at, "
                          "decision_note FROM item_extensions WHERE item_id = ? ORDER BY id");
    json_t *ext = json_array(), *pending = json_null();
    if (st) {
        stmt_bind_int(st, 1, it->id);
        while (stmt_step(st) == STORE_ROW) {
            json_t *e = json_pack("{sI ss ss ss ss ss so so ss}", "id", (json_int_t)stmt_int(st, 0), "reason",
                                  stmt_text(st, 1), "old_date", stmt_text(st, 2), "new_date", stmt_text(st, 3), "state",
                                  stmt_text(st, 4), "requested_at", stmt_text(st, 5), "track_id",
                                  stmt_is_null(st, 6) ? json_null() : json_integer(stmt_int(st, 6)), "decided_at",
                                  str_or_null(stmt_text(st, 7)), "decision_note", stmt_text(st, 8));
            if (!strcmp(stmt_text(st, 4), "pending")) {
                json_decref(pending);
                pending = json_incref(e);
            }
            json_array_append_new(ext, e);
        }
        stmt_done(st);
    }
    json_object_set_new(o, "extensions", ext);
    json_object_set_new(o, "pending_extension", pending);
    st = db_prepare(c->db, "SELECT started_at, ended_at, reason FROM item_suspensions WHERE item_id = ? ORDER BY id");
    json_t *sus = json_array();
    if (st) {
        stmt_bind_int(st, 1, it->id);
        while (stmt_step(st) == STORE_ROW)
            json_array_append_new(sus, json_pack("{ss so ss}", "started_at", stmt_text(st, 0), "ended_at",
                                                 str_or_null(stmt_text(st, 1)), "reason", stmt_text(st, 2)));
        stmt_done(st);
    }
    json_object_set_new(o, "suspensions", sus);
}

enum err items_get(struct ctx *c, int64_t id, json_t **out)
{
    struct item it;
    enum err e = item_load_visible(c, id, &it);
    if (e)
        return e;
    *out = item_json(c, &it);
    item_json_detail(c, &it, *out);
    return ERR_OK;
}

/* ---- creation and change ---- */

static bool in_list(const char *v, const char *const *names, size_t stride, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v, *(const char *const *)((const char *)names + i * stride)))
            return true;
    return false;
}

/* Checks enumerated values and tags. */
static enum err item_check_values(struct ctx *c, const json_t *b)
{
    const char *v;
    if ((v = jv_str(b, "source_kind")) && !item_source_label(v))
        return ctx_fail(c, ERR_INVALID, "事项来源“%s”无效（见 GET /api/v1/items/meta）", v);
    if ((v = jv_str(b, "importance")) && !in_list(v, &importances[0].name, sizeof importances[0], N(importances)))
        return ctx_fail(c, ERR_INVALID, "重要程度应为 general 或 major");
    if ((v = jv_str(b, "kind")) && !in_list(v, &kinds[0].name, sizeof kinds[0], N(kinds)))
        return ctx_fail(c, ERR_INVALID, "事项类别应为 once、ongoing 或 annual");
    if ((v = jv_str(b, "confidentiality")) &&
        !in_list(v, &confidentialities[0].name, sizeof confidentialities[0], N(confidentialities)))
        return ctx_fail(c, ERR_INVALID, "密级应为 public 或 internal");
    if ((v = jv_str(b, "title")) && !*v)
        return ctx_fail(c, ERR_INVALID, "事项名称不能为空");
    json_t *tags = json_object_get(b, "tags");
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t)
    {
        const char *s = json_string_value(t);
        if (!*s || strchr(s, ','))
            return ctx_fail(c, ERR_INVALID, "标签不能为空，也不能包含逗号");
    }
    return ERR_OK;
}

static const char *tags_text(struct ctx *c, const json_t *tags)
{
    if (!json_array_size(tags))
        return "";
    char *s = ",";
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t) s = arena_printf(c->arena, "%s%s,", s, json_string_value(t));
    return s;
}

static bool path_within(const char *path, const char *ancestor)
{
    return strncmp(path, ancestor, strlen(ancestor)) == 0;
}

enum err item_check_units(struct ctx *c, const char *office_path, int64_t lead, const json_t *co,
                          const char **lead_path)
{
    enum err e = units_path(c, lead, lead_path);
    if (e || !path_within(*lead_path, office_path))
        return ctx_fail(c, ERR_INVALID, "牵头单位 %" PRId64 " 不存在或不属于本级政府", lead);
    size_t i, j;
    json_t *v;
    json_array_foreach(co, i, v)
    {
        int64_t u = json_integer_value(v);
        const char *p;
        if (u == lead)
            return ctx_fail(c, ERR_INVALID, "责任单位不能与牵头单位相同");
        for (j = 0; j < i; j++)
            if (json_integer_value(json_array_get(co, j)) == u)
                return ctx_fail(c, ERR_INVALID, "责任单位 %" PRId64 " 重复", u);
        if (units_path(c, u, &p) || !path_within(p, office_path))
            return ctx_fail(c, ERR_INVALID, "责任单位 %" PRId64 " 不存在或不属于本级政府", u);
    }
    return ERR_OK;
}

/* The leader in charge must hold the leader or principal role at or above the issuing government. */
static enum err item_check_leader(struct ctx *c, int64_t leader, const char *office_path)
{
    struct stmt *st = db_prepare(c->db, "SELECT n.path FROM user_roles r JOIN units n ON n.id = r.unit_id "
                                        "JOIN users u ON u.id = r.user_id "
                                        "WHERE r.user_id = ? AND r.role IN ('leader', 'principal') AND u.disabled = 0");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "检查分管领导");
    stmt_bind_int(st, 1, leader);
    bool ok = false;
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        if (path_within(office_path, stmt_text(st, 0)))
            ok = true;
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "检查分管领导");
    return ok ? ERR_OK : ctx_fail(c, ERR_INVALID, "分管领导 %" PRId64 " 不是本级政府的领导", leader);
}

static enum err insert_track(struct ctx *c, int64_t item_id, int64_t unit_id, bool lead, const char *state)
{
    const char *path;
    enum err e = units_path(c, unit_id, &path);
    if (e)
        return e;
    char at[21];
    time_format_iso(c->now, at);
    struct stmt *st =
        db_prepare(c->db, "INSERT INTO item_tracks (item_id, unit_id, unit_path, role, state, updated_at) "
                          "VALUES (?, ?, ?, ?, ?, ?)");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "保存责任单位");
    stmt_bind_int(st, 1, item_id);
    stmt_bind_int(st, 2, unit_id);
    stmt_bind_text(st, 3, path);
    stmt_bind_text(st, 4, lead ? "lead" : "co");
    stmt_bind_text(st, 5, state);
    stmt_bind_text(st, 6, at);
    int rc = stmt_step(st);
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "保存责任单位") : ERR_OK;
}

/* The supervision office (督查室, a unit of kind office right below the government) that issues
 * the government's items; the government itself when it has none. */
static int64_t issuing_office(struct ctx *c, int64_t gov)
{
    int64_t id = gov;
    struct stmt *st =
        db_prepare(c->db, "SELECT id FROM units WHERE parent_id = ? AND kind = 'office' ORDER BY sort, id "
                          "LIMIT 1");
    if (st) {
        stmt_bind_int(st, 1, gov);
        if (stmt_one_int(st, &id) != STORE_ROW)
            id = gov;
    }
    return id;
}

/* For an explicit office_unit_id: a 督查室 issues for its parent government (the path that
 * governs visibility and where responsible units must lie); any other unit for itself. */
static enum err office_government(struct ctx *c, int64_t *office, const char **gov_path)
{
    struct stmt *st =
        db_prepare(c->db, "SELECT u.kind, u.path, p.path FROM units u LEFT JOIN units p ON p.id = u.parent_id "
                          "WHERE u.id = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取立项单位");
    stmt_bind_int(st, 1, *office);
    int rc = stmt_step(st);
    bool is_office = false;
    if (rc == STORE_ROW) {
        is_office = !strcmp(stmt_text(st, 0), "office") && !stmt_is_null(st, 2);
        *gov_path = arena_strdup(c->arena, stmt_text(st, is_office ? 2 : 1));
    }
    stmt_done(st);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_INVALID, "立项单位 %" PRId64 " 不存在", *office);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取立项单位");
    if (!is_office)
        *office = issuing_office(c, *office);
    return ERR_OK;
}

struct create_args {
    const json_t *body;
    int64_t parent_id;
    int64_t id;
};

static enum err create_tx(struct ctx *c, void *arg)
{
    struct create_args *a = arg;
    const json_t *b = a->body;
    const char *office_path = NULL;
    int64_t office = jv_int(b, "office_unit_id", 0);
    enum err e;
    struct item parent;
    if (a->parent_id) {
        /* a child: issued by the government that is responsible on the parent's track */
        if ((e = item_load_visible(c, a->parent_id, &parent)))
            return e;
        if (parent.state < ITEM_ST_APPROVED || parent.state > ITEM_ST_COMPLETION_REQUESTED)
            return ctx_fail(c, ERR_CONFLICT, "只有已审批且尚未办结的事项才能分解，当前状态为「%s」",
                            item_state_label(parent.state));
        const struct track *own = NULL;
        for (int i = 0; i < parent.ntracks && !own; i++)
            if ((!office || parent.tracks[i].unit_id == office) &&
                (!c->user || perm_at(c->user, CAP_ITEM_REGISTER, parent.tracks[i].unit_path)))
                own = &parent.tracks[i];
        if (!own)
            return ctx_fail(c, ERR_FORBIDDEN, "只有责任单位所在政府的督查室才能分解该事项");
        office = issuing_office(c, own->unit_id);
        office_path = own->unit_path;
        const char *due = jv_str(b, "due_date");
        if (strcmp(due, parent.due_date) > 0)
            return ctx_fail(c, ERR_INVALID, "分解事项的办理期限（%s）不能晚于上级事项的期限（%s）", due,
                            parent.due_date);
        if ((e = perm_require(c, CAP_ITEM_REGISTER, office_path, ITEM_WHAT)))
            return e;
    } else if (office) {
        if ((e = office_government(c, &office, &office_path)))
            return e;
        if ((e = perm_require(c, CAP_ITEM_REGISTER, office_path, "立项单位")))
            return e;
    } else {
        int n;
        const char **scope = perm_scope_cap(c, CAP_ITEM_REGISTER, &n);
        if (n < 1)
            return ctx_fail(c, c->user ? ERR_FORBIDDEN : ERR_INVALID, "请指定立项单位（office_unit_id）");
        const struct grant *g = perm_grant_at(c->user, CAP_ITEM_REGISTER, scope[0]);
        office = issuing_office(c, g->unit_id);
        office_path = g->unit_path;
        c->acting = g;
    }
    const char *lead_path;
    json_t *co = json_object_get(b, "co_unit_ids");
    if ((e = item_check_units(c, office_path, jv_int(b, "lead_unit_id", 0), co, &lead_path)))
        return e;
    if (a->parent_id && !strcmp(lead_path, office_path))
        return ctx_fail(c, ERR_INVALID, "分解事项应交给下级单位办理");
    if (jv_int(b, "leader_id", 0) && (e = item_check_leader(c, jv_int(b, "leader_id", 0), office_path)))
        return e;
    char at[21];
    time_format_iso(c->now, at);
    char today[11];
    item_today(c, today);
    const char *source_kind = jv_str(b, "source_kind");
    struct stmt *st = db_prepare(
        c->db,
        "INSERT INTO items (title, requirement, source_kind, source_ref, source_date, office_unit_id, office_path, "
        "lead_unit_id, lead_path, leader_id, importance, kind, due_date, confidentiality, tags, state, parent_id, "
        "year, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, "
        "?, ?, ?, ?) RETURNING id");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "新建督办事项");
    stmt_bind_text(st, 1, jv_str(b, "title"));
    stmt_bind_text(st, 2, jv_str(b, "requirement") ? jv_str(b, "requirement") : "");
    stmt_bind_text(st, 3, source_kind);
    stmt_bind_text(st, 4, jv_str(b, "source_ref") ? jv_str(b, "source_ref") : "");
    stmt_bind_text(st, 5, jv_str(b, "source_date"));
    stmt_bind_int(st, 6, office);
    stmt_bind_text(st, 7, office_path);
    stmt_bind_int(st, 8, jv_int(b, "lead_unit_id", 0));
    stmt_bind_text(st, 9, lead_path);
    if (jv_int(b, "leader_id", 0))
        stmt_bind_int(st, 10, jv_int(b, "leader_id", 0));
    else
        stmt_bind_null(st, 10);
    stmt_bind_text(st, 11, jv_str(b, "importance") ? jv_str(b, "importance") : "general");
    stmt_bind_text(st, 12, jv_str(b, "kind") ? jv_str(b, "kind") : "once");
    stmt_bind_text(st, 13, jv_str(b, "due_date"));
    stmt_bind_text(st, 14, jv_str(b, "confidentiality") ? jv_str(b, "confidentiality") : "internal");
    stmt_bind_text(st, 15, tags_text(c, json_object_get(b, "tags")));
    if (a->parent_id)
        stmt_bind_int(st, 16, a->parent_id);
    else
        stmt_bind_null(st, 16);
    stmt_bind_int(st, 17, atoi(today));
    if (c->user)
        stmt_bind_int(st, 18, c->user->id);
    else
        stmt_bind_null(st, 18);
    stmt_bind_text(st, 19, at);
    stmt_bind_text(st, 20, at);
    int rc = stmt_one_int(st, &a->id);
    if (rc != STORE_ROW)
        return ctx_store_fail(c, rc == STORE_DONE ? STORE_E_OTHER : rc, "新建督办事项");
    if ((e = insert_track(c, a->id, jv_int(b, "lead_unit_id", 0), true, "assigned")))
        return e;
    size_t i;
    json_t *v;
    json_array_foreach(co, i, v) if ((e = insert_track(c, a->id, json_integer_value(v), false, "assigned"))) return e;
    if ((e = item_grams_update(c, a->id, NULL, jv_str(b, "title"), jv_str(b, "requirement"))))
        return e;
    json_t *data = json_deep_copy(b);
    if (a->parent_id)
        json_object_set_new(data, "parent_id", json_integer(a->parent_id));
    e = item_event(c, a->id, "transition", a->parent_id ? "decompose" : "create", -1, ITEM_ST_DRAFT, 0, 0, NULL, data);
    if (!e) {
        json_t *sum = json_pack("{sO}", "after", data);
        e = audit_record(c, "item.create", "item", a->id, sum);
        json_decref(sum);
    }
    if (!e && a->parent_id) {
        json_t *pd = json_pack("{sI ss}", "child_id", (json_int_t)a->id, "title", jv_str(b, "title"));
        e = item_event(c, a->parent_id, "decompose", "decompose", -1, -1, 0, office, jv_str(b, "title"), pd);
        json_decref(pd);
    }
    json_decref(data);
    return e;
}

static enum err create_common(struct ctx *c, int64_t parent_id, const json_t *body, json_t **out)
{
    enum err e = item_check_values(c, body);
    if (e)
        return e;
    struct create_args a = {body, parent_id, 0};
    if ((e = ctx_tx(c, "新建督办事项", create_tx, &a)))
        return e;
    if (jv_bool(body, "submit", false)) {
        json_t *empty = json_object();
        e = items_act(c, a.id, ITEM_ACT_SUBMIT, empty, out);
        json_decref(empty);
        return e;
    }
    return items_get(c, a.id, out);
}

enum err items_create(struct ctx *c, const json_t *body, json_t **out)
{
    return create_common(c, 0, body, out);
}

enum err items_create_child(struct ctx *c, int64_t parent_id, const json_t *body, json_t **out)
{
    /* office_unit_id, if given, picks which of the parent's units decomposes (checked in create_tx) */
    return create_common(c, parent_id, body, out);
}

struct update_args {
    int64_t id;
    const json_t *body;
};

static enum err update_tx(struct ctx *c, void *arg)
{
    struct update_args *a = arg;
    const json_t *b = a->body;
    struct item it;
    enum err e = item_load_visible(c, a->id, &it);
    if (e)
        return e;
    if ((e = perm_require_item(c, CAP_ITEM_REGISTER, &it.scope, it.office_path, ITEM_WHAT)) || (e = item_lock(c, &it)))
        return e;
    if (jv_has(b, "version") && jv_int(b, "version", 0) != it.version)
        return ctx_fail(c, ERR_CONFLICT, "督办事项已被他人修改（当前版本 %" PRId64 "），请刷新后重试", it.version);
    bool only_tags = true;
    for (const struct jv_field *f = items_update_spec; f->name; f++)
        if (jv_has(b, f->name) && strcmp(f->name, "tags") && strcmp(f->name, "version"))
            only_tags = false;
    if (it.state != ITEM_ST_DRAFT && !only_tags)
        return ctx_fail(c, ERR_CONFLICT, "只有草稿状态的事项可以修改内容（当前状态：%s）；标签可随时修改",
                        item_state_label(it.state));
    int64_t lead = jv_int(b, "lead_unit_id", it.lead_unit_id);
    json_t *co = json_object_get(b, "co_unit_ids");
    json_t *co_now = json_array();
    for (int i = 0; i < it.ntracks; i++)
        if (!it.tracks[i].lead)
            json_array_append_new(co_now, json_integer(it.tracks[i].unit_id));
    const char *lead_path = it.lead_path;
    bool units_changed = jv_has(b, "lead_unit_id") || co;
    if (units_changed && (e = item_check_units(c, it.office_path, lead, co ? co : co_now, &lead_path))) {
        json_decref(co_now);
        return e;
    }
    if (jv_int(b, "leader_id", 0) && (e = item_check_leader(c, jv_int(b, "leader_id", 0), it.office_path))) {
        json_decref(co_now);
        return e;
    }
    if (it.parent_id && jv_str(b, "due_date")) {
        struct item parent;
        if (!item_load(c, it.parent_id, &parent) && strcmp(jv_str(b, "due_date"), parent.due_date) > 0) {
            json_decref(co_now);
            return ctx_fail(c, ERR_INVALID, "分解事项的办理期限不能晚于上级事项的期限（%s）", parent.due_date);
        }
    }
    char at[21];
    time_format_iso(c->now, at);
    struct stmt *st = db_prepare(
        c->db, "UPDATE items SET title = COALESCE(?, title), requirement = COALESCE(?, requirement), "
               "source_kind = COALESCE(?, source_kind), source_ref = COALESCE(?, source_ref), "
               "source_date = CASE WHEN ? = 1 THEN ? ELSE source_date END, lead_unit_id = ?, lead_path = ?, "
               "leader_id = CASE WHEN ? = 1 THEN ? ELSE leader_id END, importance = COALESCE(?, importance), "
               "kind = COALESCE(?, kind), due_date = COALESCE(?, due_date), "
               "confidentiality = COALESCE(?, confidentiality), tags = COALESCE(?, tags), updated_at = ?, "
               "version = version + 1 WHERE id = ? AND version = ?");
    if (!st) {
        json_decref(co_now);
        return ctx_store_fail(c, STORE_E_OTHER, "修改督办事项");
    }
    stmt_bind_text(st, 1, jv_str(b, "title"));
    stmt_bind_text(st, 2, jv_str(b, "requirement"));
    stmt_bind_text(st, 3, jv_str(b, "source_kind"));
    stmt_bind_text(st, 4, jv_str(b, "source_ref"));
    stmt_bind_int(st, 5, jv_has(b, "source_date"));
    stmt_bind_text(st, 6, jv_str(b, "source_date"));
    stmt_bind_int(st, 7, lead);
    stmt_bind_text(st, 8, lead_path);
    stmt_bind_int(st, 9, jv_has(b, "leader_id"));
    if (jv_int(b, "leader_id", 0))
        stmt_bind_int(st, 10, jv_int(b, "leader_id", 0));
    else
        stmt_bind_null(st, 10);
    stmt_bind_text(st, 11, jv_str(b, "importance"));
    stmt_bind_text(st, 12, jv_str(b, "kind"));
    stmt_bind_text(st, 13, jv_str(b, "due_date"));
    stmt_bind_text(st, 14, jv_str(b, "confidentiality"));
    stmt_bind_text(st, 15, json_object_get(b, "tags") ? tags_text(c, json_object_get(b, "tags")) : NULL);
    stmt_bind_text(st, 16, at);
    stmt_bind_int(st, 17, it.id);
    stmt_bind_int(st, 18, it.version);
    int rc = stmt_step(st);
    stmt_done(st);
    if (rc < 0) {
        json_decref(co_now);
        return ctx_store_fail(c, rc, "修改督办事项");
    }
    if (units_changed) {
        st = db_prepare(c->db, "DELETE FROM item_tracks WHERE item_id = ?");
        if (st) {
            stmt_bind_int(st, 1, it.id);
            rc = stmt_step(st);
            stmt_done(st);
        }
        if (!st || rc < 0) {
            json_decref(co_now);
            return ctx_store_fail(c, st ? rc : STORE_E_OTHER, "修改督办事项");
        }
        json_t *list = co ? co : co_now;
        size_t i;
        json_t *v;
        e = insert_track(c, it.id, lead, true, "assigned");
        json_array_foreach(list, i, v) if (!e) e = insert_track(c, it.id, json_integer_value(v), false, "assigned");
    }
    json_decref(co_now);
    if (e)
        return e;
    if ((jv_has(b, "title") || jv_has(b, "requirement")) &&
        (e = item_grams_update(c, it.id, it.number, jv_str(b, "title") ? jv_str(b, "title") : it.title,
                               jv_str(b, "requirement") ? jv_str(b, "requirement") : it.requirement)))
        return e;
    if ((e = item_event(c, it.id, "update", "update", -1, -1, 0, 0, NULL, (json_t *)b)))
        return e;
    json_t *sum = json_pack("{sO}", "change", (json_t *)b);
    e = audit_record(c, "item.update", "item", it.id, sum);
    json_decref(sum);
    return e;
}

enum err items_update(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    enum err e = item_check_values(c, body);
    if (e)
        return e;
    struct update_args a = {id, body};
    if ((e = ctx_tx(c, "修改督办事项", update_tx, &a)))
        return e;
    return items_get(c, id, out);
}

/* ---- timeline and reference lists ---- */

/* The Chinese name of a deadline ladder step ("remind-2", "press", "pause@…"). */
static const char *step_label(struct ctx *c, const char *step)
{
    if (!strncmp(step, "remind-", 7))
        return atoi(step + 7) ? arena_printf(c->arena, "催办提醒（到期前 %d 个工作日）", atoi(step + 7))
                              : "催办提醒（到期当日）";
    if (!strcmp(step, "press"))
        return "提请分管领导督办";
    if (!strcmp(step, "notice"))
        return "下达书面催办通知";
    if (!strcmp(step, "report"))
        return "报告主要领导，列入督查事项";
    if (!strncmp(step, "pause", 5))
        return "计时暂停";
    if (!strncmp(step, "resume", 6))
        return "恢复计时";
    return step;
}

struct timed {
    json_t *ev;
    const char *at;
    size_t order;
};

static int timed_cmp(const void *a, const void *b)
{
    const struct timed *x = a, *y = b;
    int r = strcmp(x->at, y->at);
    return r ? r : (x->order > y->order) - (x->order < y->order);
}

/* Adds the deadline module's reminders and ladder steps (the scheduler's side of the timeline) and
 * orders everything by time. Steps the user may not see are left out by deadlines_list. */
static json_t *with_reminders(struct ctx *c, int64_t id, json_t *events)
{
    json_t *ms = NULL;
    if (deadlines_list(c, id, &ms) != ERR_OK) {
        c->err = ERR_OK;
        return events;
    }
    size_t i, j;
    json_t *m, *s;
    json_array_foreach(ms, i, m)
    {
        json_array_foreach(json_object_get(m, "steps"), j, s)
        {
            const char *step = json_string_value(json_object_get(s, "step"));
            const char *at = json_string_value(json_object_get(s, "at"));
            /* pauses follow the suspend/resume transitions already on the timeline */
            if (!step || !at || !strncmp(step, "pause", 5) || !strncmp(step, "resume", 6))
                continue;
            json_int_t unit = json_integer_value(json_object_get(m, "unit_id"));
            json_array_append_new(
                events,
                json_pack("{sn ss ss ss ss ss ss sn sn sn so sn ss sO}", "id", "at", at, "actor", "system",
                          "actor_name", "系统", "kind", "reminder", "action", step, "action_label",
                          arena_printf(c->arena, "%s：%s", json_string_value(json_object_get(m, "kind_label")),
                                       step_label(c, step)),
                          "from_state", "to_state", "track_id", "unit_id", unit ? json_integer(unit) : json_null(),
                          "unit_name", "note",
                          json_string_value(json_object_get(m, "due_date"))
                              ? arena_printf(c->arena, "期限 %s", json_string_value(json_object_get(m, "due_date")))
                              : "",
                          "data", json_object_get(s, "detail") ? json_object_get(s, "detail") : json_null()));
        }
    }
    json_decref(ms);
    size_t n = json_array_size(events);
    struct timed *t = arena_alloc(c->arena, sizeof *t * (n + 1));
    for (i = 0; i < n; i++) {
        t[i].ev = json_incref(json_array_get(events, i));
        const char *at = json_string_value(json_object_get(t[i].ev, "at"));
        t[i].at = at ? at : "";
        t[i].order = i;
    }
    qsort(t, n, sizeof *t, timed_cmp);
    json_t *sorted = json_array();
    for (i = 0; i < n; i++)
        json_array_append_new(sorted, t[i].ev);
    json_decref(events);
    return sorted;
}

enum err items_events(struct ctx *c, int64_t id, json_t **out)
{
    struct item it;
    enum err e = item_load_visible(c, id, &it);
    if (e)
        return e;
    struct stmt *st = db_prepare(c->db, "SELECT e.id, e.at, e.actor, e.actor_name, e.kind, e.action, e.from_state, "
                                        "e.to_state, e.track_id, e.unit_id, u.name, e.note, e.data FROM item_events e "
                                        "LEFT JOIN units u ON u.id = e.unit_id WHERE e.item_id = ? ORDER BY e.id");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取办理过程");
    stmt_bind_int(st, 1, id);
    json_t *arr = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        enum item_action a;
        const char *action = stmt_text(st, 5);
        const char *label = item_action_parse(action, &a)  ? item_action_label(a)
                            : !strcmp(action, "create")    ? "新建"
                            : !strcmp(action, "decompose") ? "分解"
                            : !strcmp(action, "update")    ? "修改"
                            : !strcmp(action, "review")    ? "审核进展"
                            : !strcmp(action, "attach")    ? "上传附件"
                            : !strcmp(action, "notice")    ? "督办通知"
                                                           : action;
        json_t *data = json_loads(stmt_text(st, 12), 0, NULL);
        json_array_append_new(
            arr,
            json_pack("{sI ss ss ss ss ss ss so so so so so ss so}", "id", (json_int_t)stmt_int(st, 0), "at",
                      stmt_text(st, 1), "actor", stmt_text(st, 2), "actor_name", stmt_text(st, 3), "kind",
                      stmt_text(st, 4), "action", action, "action_label", label, "from_state",
                      str_or_null(stmt_text(st, 6)), "to_state", str_or_null(stmt_text(st, 7)), "track_id",
                      stmt_is_null(st, 8) ? json_null() : json_integer(stmt_int(st, 8)), "unit_id",
                      stmt_is_null(st, 9) ? json_null() : json_integer(stmt_int(st, 9)), "unit_name",
                      str_or_null(stmt_text(st, 10)), "note", stmt_text(st, 11), "data", data ? data : json_object()));
    }
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "读取办理过程");
    }
    *out = with_reminders(c, id, arr);
    return ERR_OK;
}

const struct jv_field items_grades_spec[] = {
    {"grades", JV_STRING_ARRAY, JV_REQUIRED, 0, 10},
    {NULL, 0, 0, 0, 0},
};

static enum err grades_tx(struct ctx *c, void *arg)
{
    const char *list = arg;
    int n;
    const char **before = item_grades(c, &n);
    json_t *old = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(old, json_string(before[i]));
    struct stmt *st = db_prepare(c->db, "INSERT INTO settings (key, value) VALUES ('item_grades', ?) "
                                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    if (!st) {
        json_decref(old);
        return ctx_store_fail(c, STORE_E_OTHER, "设置办结等次");
    }
    stmt_bind_text(st, 1, list);
    int rc = st ? stmt_step(st) : STORE_E_OTHER;
    stmt_done(st);
    if (rc < 0) {
        json_decref(old);
        return ctx_store_fail(c, rc, "设置办结等次");
    }
    json_t *sum = json_pack("{so ss}", "before", old, "after", list);
    enum err e = audit_record(c, "item.grades", "setting", 0, sum);
    json_decref(sum);
    return e;
}

enum err items_set_grades(struct ctx *c, const json_t *body, json_t **out)
{
    json_t *g = json_object_get(body, "grades");
    size_t n = json_array_size(g), i, j;
    enum err pe = perm_require_system(c, "办结等次");
    if (pe)
        return pe;
    if (n < 2)
        return ctx_fail(c, ERR_INVALID, "至少需要两个办结等次");
    const char *list = "";
    for (i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(g, i));
        if (!*s || strchr(s, ',') || utf8_count(s) > 10)
            return ctx_fail(c, ERR_INVALID, "等次名称不能为空、不能含逗号，最多 10 个字");
        for (j = 0; j < i; j++)
            if (!strcmp(s, json_string_value(json_array_get(g, j))))
                return ctx_fail(c, ERR_INVALID, "等次“%s”重复", s);
        list = arena_printf(c->arena, "%s%s%s", list, i ? "," : "", s);
    }
    enum err e = ctx_tx(c, "设置办结等次", grades_tx, (void *)list);
    if (e)
        return e;
    *out = json_pack("{sO}", "grades", g);
    return ERR_OK;
}

enum err items_meta(struct ctx *c, json_t **out)
{
    json_t *sk = json_array(), *st = json_array(), *gr = json_array(), *im = json_array(), *ki = json_array(),
           *cf = json_array();
    for (size_t i = 0; i < N(source_kinds); i++)
        json_array_append_new(sk, json_pack("{ss ss}", "name", source_kinds[i].kind, "label", source_kinds[i].label));
    for (int i = 0; i < ITEM_ST__COUNT; i++)
        json_array_append_new(st, json_pack("{ss ss}", "name", item_state_name((enum item_state)i), "label",
                                            item_state_label((enum item_state)i)));
    /* the actions and the transition table, as the engine has them (GET /api/v1/workflows has all) */
    json_t *wf = workflow_json(&item_workflow);
    json_t *ac = json_incref(json_object_get(wf, "actions"));
    int ng;
    const char **g = item_grades(c, &ng);
    for (int i = 0; i < ng; i++)
        json_array_append_new(gr, json_string(g[i]));
    for (size_t i = 0; i < N(importances); i++)
        json_array_append_new(im, json_pack("{ss ss}", "name", importances[i].name, "label", importances[i].label));
    for (size_t i = 0; i < N(kinds); i++)
        json_array_append_new(ki, json_pack("{ss ss}", "name", kinds[i].name, "label", kinds[i].label));
    for (size_t i = 0; i < N(confidentialities); i++)
        json_array_append_new(
            cf, json_pack("{ss ss}", "name", confidentialities[i].name, "label", confidentialities[i].label));
    json_t *tr = json_array();
    size_t k;
    json_t *row;
    json_array_foreach(json_object_get(wf, "transitions"), k, row)
    {
        json_t *alt = json_object_get(row, "cap_alt");
        json_array_append_new(tr, json_pack("{sO sO sO sO sO sO sb}", "from", json_object_get(row, "from"), "action",
                                            json_object_get(row, "action"), "to", json_object_get(row, "to"), "scope",
                                            json_object_get(row, "scope"), "cap", json_object_get(row, "cap"), "role",
                                            json_object_get(row, "role"), "major_needs_decide", alt != NULL));
    }
    json_decref(wf);
    *out = json_pack("{so so so so so so so so}", "source_kinds", sk, "states", st, "actions", ac, "grades", gr,
                     "importance", im, "kinds", ki, "confidentiality", cf, "transitions", tr);
    return ERR_OK;
}
