/*
 * item_create.c: registering an item (立项: a draft of the office, or a child item decomposed from a
 * parent for the units below it) and changing a draft: the checks of its units and leader, its tracks,
 * its timeline event and audit record, and its first to-do.
 */
#include "items/items_internal.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "core/hooks.h"
#include "units/units.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

const struct jv_field items_create_spec[] = {
    {"title", JV_STRING, JV_REQUIRED, 1, 200, "事项名称"},
    {"requirement", JV_STRING, 0, 0, 10000, "督办内容"},
    {"source_kind", JV_STRING, JV_REQUIRED, 1, 40, "事项来源"},
    {"source_ref", JV_STRING, 0, 0, 500, "来源文号"},
    {"source_date", JV_DATE, JV_NULLABLE, 0, 0, "来源日期"},
    {"office_unit_id", JV_INT, 0, 1, INT64_MAX, "立项单位"},
    {"lead_unit_id", JV_INT, JV_REQUIRED, 1, INT64_MAX, "牵头单位"},
    {"co_unit_ids", JV_INT_ARRAY, 0, 0, 50, "责任单位"},
    {"leader_id", JV_INT, JV_NULLABLE, 1, INT64_MAX, "分管领导"},
    {"importance", JV_STRING, 0, 0, 20, "重要程度"},
    {"kind", JV_STRING, 0, 0, 20, "事项类别"},
    {"due_date", JV_DATE, JV_REQUIRED, 0, 0, "办结时限"},
    {"confidentiality", JV_STRING, 0, 0, 20, "密级"},
    {"tags", JV_STRING_ARRAY, 0, 0, 20, "标签"},
    {"submit", JV_BOOL, 0, 0, 0, "立即报审"},
    {"burden_reason", JV_STRING, 0, 1, 500, "超出交办上限的例外理由"},
    {NULL, 0, 0, 0, 0, NULL},
};

const struct jv_field items_update_spec[] = {
    {"title", JV_STRING, 0, 1, 200, "事项名称"},
    {"requirement", JV_STRING, 0, 0, 10000, "督办内容"},
    {"source_kind", JV_STRING, 0, 1, 40, "事项来源"},
    {"source_ref", JV_STRING, 0, 0, 500, "来源文号"},
    {"source_date", JV_DATE, JV_NULLABLE, 0, 0, "来源日期"},
    {"lead_unit_id", JV_INT, 0, 1, INT64_MAX, "牵头单位"},
    {"co_unit_ids", JV_INT_ARRAY, 0, 0, 50, "责任单位"},
    {"leader_id", JV_INT, JV_NULLABLE, 1, INT64_MAX, "分管领导"},
    {"importance", JV_STRING, 0, 0, 20, "重要程度"},
    {"kind", JV_STRING, 0, 0, 20, "事项类别"},
    {"due_date", JV_DATE, 0, 0, 0, "办结时限"},
    {"confidentiality", JV_STRING, 0, 0, 20, "密级"},
    {"tags", JV_STRING_ARRAY, 0, 0, 20, "标签"},
    {"version", JV_INT, 0, 0, 0, "版本"},
    {"burden_reason", JV_STRING, 0, 1, 500, "超出交办上限的例外理由"},
    {NULL, 0, 0, 0, 0, NULL},
};

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

/* The paths of the lead unit and the co-responsible units, read in one statement sent ahead
 * (stmt_send): on PostgreSQL it travels with the next statement run in the transaction. */
static struct stmt *unit_paths_send(struct ctx *c, int64_t lead, const json_t *co)
{
    size_t n = json_array_size(co);
    char *sql = arena_alloc(c->arena, 48 + 3 * n);
    char *p = sql + sprintf(sql, "SELECT id, path FROM units WHERE id IN (?");
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, ", ?");
    strcpy(p, ")");
    struct stmt *st = db_prepare(c->db, sql);
    if (!st)
        return NULL;
    stmt_bind_int(st, 1, lead);
    for (size_t i = 0; i < n; i++)
        stmt_bind_int(st, (int)i + 2, json_integer_value(json_array_get(co, i)));
    stmt_send(st);
    return st;
}

/* The path of unit id among those read (NULL when it does not exist). */
static const char *path_of(int64_t id, const int64_t *ids, const char *const *paths, int n)
{
    for (int i = 0; i < n; i++)
        if (ids[i] == id)
            return paths[i];
    return NULL;
}

/* A split's unit outside the responsible unit's subtree: said with that unit's name (the person chose among
 * units by name; "not of this government" with an id told them nothing). */
static enum err split_units_fail(struct ctx *c, const char *track_path, const char *field)
{
    const char *name = NULL;
    if (db_one_text(c->db, c->arena, &name, "SELECT name FROM units WHERE path = ?", DB_TEXT(track_path)))
        name = "责任单位";
    bool co = !strcmp(field, "co_unit_ids");
    return ctx_fail_field(c, co ? "co_unit_ids" : "lead_unit_id", "分解事项的%s（%s）应为%s的下级单位",
                          co ? "责任单位" : "牵头单位", co ? "co_unit_ids" : "lead_unit_id", name);
}

/* item_check_units on the paths unit_paths_send read (st, finished here). split: the units of a split, which must
 * be below the responsible unit (office_path), said so by that unit's name. */
static enum err check_units_sent(struct ctx *c, struct stmt *st, const char *office_path, bool split, int64_t lead,
                                 const json_t *co, const char **lead_path, const char ***co_paths)
{
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取单位");
    int cap = (int)json_array_size(co) + 1, n = 0, rc;
    int64_t *ids = arena_alloc(c->arena, sizeof *ids * (size_t)cap);
    const char **paths = arena_alloc(c->arena, sizeof *paths * (size_t)cap);
    while ((rc = stmt_step(st)) == STORE_ROW && n < cap) {
        ids[n] = stmt_int(st, 0);
        paths[n++] = arena_strdup(c->arena, stmt_text(st, 1));
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取单位");
    *lead_path = path_of(lead, ids, paths, n);
    if (split && (!*lead_path || !strcmp(*lead_path, office_path) || !path_within(*lead_path, office_path)))
        return split_units_fail(c, office_path, "lead_unit_id");
    if (!*lead_path || !path_within(*lead_path, office_path))
        return ctx_fail_field(c, "lead_unit_id", "牵头单位（lead_unit_id）%" PRId64 " 不存在或不属于本级政府", lead);
    const char **cp = arena_alloc(c->arena, sizeof *cp * (size_t)cap);
    size_t i, j;
    json_t *v;
    json_array_foreach(co, i, v)
    {
        int64_t u = json_integer_value(v);
        if (u == lead)
            return ctx_fail_field(c, "co_unit_ids", "责任单位（co_unit_ids）不能与牵头单位相同");
        for (j = 0; j < i; j++)
            if (json_integer_value(json_array_get(co, j)) == u)
                return ctx_fail_field(c, "co_unit_ids", "责任单位（co_unit_ids）%" PRId64 " 重复", u);
        if (!(cp[i] = path_of(u, ids, paths, n)) || !path_within(cp[i], office_path))
            return split ? split_units_fail(c, office_path, "co_unit_ids")
                         : ctx_fail_field(c, "co_unit_ids", "责任单位（co_unit_ids）%" PRId64 " 不存在或不属于本级政府",
                                          u);
    }
    if (co_paths)
        *co_paths = cp;
    return ERR_OK;
}

enum err item_check_units(struct ctx *c, const char *office_path, int64_t lead, const json_t *co,
                          const char **lead_path, const char ***co_paths)
{
    return check_units_sent(c, unit_paths_send(c, lead, co), office_path, false, lead, co, lead_path, co_paths);
}

/* The leader in charge must hold the leader or principal role at or above the issuing government. */
enum err item_check_leader(struct ctx *c, int64_t leader, const char *office_path)
{
    struct stmt *st = db_query(c->db,
                               "SELECT n.path FROM user_roles r JOIN units n ON n.id = r.unit_id JOIN users u ON "
                               "u.id = r.user_id WHERE r.user_id = ? AND r.role IN ('leader', 'principal') AND "
                               "u.disabled = 0",
                               DB_INT(leader));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "检查分管领导");
    bool ok = false;
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        ok = ok || path_within(office_path, stmt_text(st, 0));
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "检查分管领导");
    return ok ? ERR_OK : ctx_fail_field(c, "leader_id", "分管领导（leader_id）%" PRId64 " 不是本级政府的领导", leader);
}

static enum err insert_track(struct ctx *c, int64_t item_id, int64_t unit_id, const char *path, bool lead,
                             const char *state)
{
    char at[21];
    time_format_iso(c->now, at);
    enum err e = db_exec_later(
        c->db,
        "INSERT INTO item_tracks (item_id, unit_id, unit_path, role, state, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        DB_INT(item_id), DB_INT(unit_id), DB_TEXT(path), DB_TEXT(lead ? "lead" : "co"), DB_TEXT(state), DB_TEXT(at));
    return ctx_db_fail(c, e, "保存责任单位");
}

/* The lead track and one per co-responsible unit (all "assigned": they start when the item is), with
 * the paths item_check_units read. */
static enum err insert_tracks(struct ctx *c, int64_t item_id, int64_t lead, const char *lead_path, const json_t *co,
                              const char **co_paths)
{
    enum err e = insert_track(c, item_id, lead, lead_path, true, "assigned");
    size_t i;
    json_t *v;
    json_array_foreach(co, i, v)
    {
        if (e)
            break;
        e = insert_track(c, item_id, json_integer_value(v), co_paths[i], false, "assigned");
    }
    return e;
}

/* The supervision office (督查室, a unit of kind office right below the government) that issues
 * the government's items; the government itself when it has none. */
static int64_t issuing_office(struct ctx *c, int64_t gov)
{
    int64_t id = gov;
    db_one_int(c->db, &id, "SELECT id FROM units WHERE parent_id = ? AND kind = 'office' ORDER BY sort, id LIMIT 1",
               DB_INT(gov));
    return id;
}

/* For an explicit office_unit_id: a 督查室 issues for its parent government (the path that
 * governs visibility and where responsible units must lie); any other unit for itself. */
static enum err office_government(struct ctx *c, int64_t *office, const char **gov_path)
{
    struct stmt *st = db_query(
        c->db, "SELECT u.kind, u.path, p.path FROM units u LEFT JOIN units p ON p.id = u.parent_id WHERE u.id = ?",
        DB_INT(*office));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取立项单位");
    int rc = stmt_step(st);
    bool is_office = false;
    if (rc == STORE_ROW) {
        is_office = !strcmp(stmt_text(st, 0), "office") && !stmt_is_null(st, 2);
        *gov_path = arena_strdup(c->arena, stmt_text(st, is_office ? 2 : 1));
    }
    stmt_done(st);
    if (rc == STORE_DONE)
        return ctx_fail_field(c, "office_unit_id", "立项单位（office_unit_id）%" PRId64 " 不存在", *office);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取立项单位");
    if (!is_office)
        *office = issuing_office(c, *office);
    return ERR_OK;
}

const struct track *item_split_track(struct ctx *c, const struct item *it, int64_t unit)
{
    if (it->state < ITEM_ST_APPROVED || it->state > ITEM_ST_COMPLETION_REQUESTED)
        return NULL;
    for (int i = 0; i < it->ntracks; i++)
        if ((!unit || it->tracks[i].unit_id == unit) &&
            (!c->user || perm_at(c->user, CAP_ITEM_REGISTER, it->tracks[i].unit_path)))
            return &it->tracks[i];
    return NULL;
}

/*
 * Who issues a new item, and under which government's path: for a child, the office of the
 * government responsible on the parent's track (its due date no later than the parent's); for an
 * explicit office_unit_id, that office's government; else the user's first grant to register items.
 * The user must be allowed to register there.
 */
enum err item_issuer_of(struct ctx *c, int64_t parent_id, const json_t *b, int64_t *office, const char **office_path)
{
    enum err e;
    *office = jv_int(b, "office_unit_id", 0);
    if (parent_id) {
        struct item parent;
        if ((e = item_load_visible(c, parent_id, &parent)))
            return e;
        if (parent.state < ITEM_ST_APPROVED || parent.state > ITEM_ST_COMPLETION_REQUESTED)
            return ctx_fail(c, ERR_CONFLICT, "只有已审批且尚未办结的事项才能分解，当前状态为「%s」",
                            item_state_label(parent.state));
        const struct track *own = item_split_track(c, &parent, *office);
        if (!own)
            return ctx_fail(c, ERR_FORBIDDEN, "只有责任单位所在政府的督查室才能分解该事项");
        *office = issuing_office(c, own->unit_id);
        *office_path = own->unit_path;
        const char *due = jv_str(b, "due_date");
        if (strcmp(due, parent.due_date) > 0)
            return ctx_fail_field(c, "due_date", "分解事项的办结时限（due_date，%s）不能晚于上级事项的期限（%s）", due,
                                  parent.due_date);
        return perm_require(c, CAP_ITEM_REGISTER, *office_path, ITEM_WHAT);
    }
    if (*office) {
        if ((e = office_government(c, office, office_path)))
            return e;
        return perm_require(c, CAP_ITEM_REGISTER, *office_path, "立项单位");
    }
    int n;
    const char **scope = perm_scope_cap(c, CAP_ITEM_REGISTER, &n);
    if (n < 1)
        return (c->user ? ctx_fail(c, ERR_FORBIDDEN, "您没有立项的权限")
                        : ctx_fail_field(c, "office_unit_id", "请指定立项单位（office_unit_id）"));
    const struct grant *g = perm_grant_at(c->user, CAP_ITEM_REGISTER, scope[0]);
    *office = issuing_office(c, g->unit_id);
    *office_path = g->unit_path;
    c->acting = g;
    return ERR_OK;
}

struct create_args {
    const json_t *body;
    int64_t parent_id;
    int64_t id;
    item_created_fn then; /* runs inside the transaction once the draft exists, or NULL */
    void *then_arg;
    json_t *burden; /* the burden check's warnings (减负) */
};

/* The burden check before the units are asked (减负, hooks_burden): each responsible unit's items this year against
 * the cap, and the other requests on it from today to the due date; past the cap only with burden_reason. Its
 * request in *r (units in the arena); then hooks_burden_send/_take, or burden_check for both at once. */
static void burden_request(struct ctx *c, int64_t id, int64_t lead, const json_t *co, const char *due,
                           const char *reason, const char *office_path, struct burden_request *r)
{
    char *today = arena_alloc(c->arena, 11);
    item_today(c, today);
    int n = 0;
    int64_t *units = arena_alloc(c->arena, sizeof *units * (json_array_size(co) + 1));
    units[n++] = lead;
    size_t i;
    json_t *v;
    json_array_foreach(co, i, v) units[n++] = json_integer_value(v);
    *r = (struct burden_request){.object_type = "item",
                                 .object_id = id,
                                 .office_path = office_path,
                                 .unit_ids = units,
                                 .nunits = n,
                                 .start = today,
                                 .end = due,
                                 .reason = reason,
                                 .check = true};
}

/* *out: the warnings (replaced: a transaction run again checks again). */
static enum err burden_take(struct ctx *c, const struct burden_request *r, struct burden_sent *s, json_t **out)
{
    json_decref(*out);
    *out = NULL;
    return hooks_burden_take(c, r, s, out);
}

static enum err burden_check(struct ctx *c, int64_t id, int64_t lead, const json_t *co, const char *due,
                             const char *reason, const char *office_path, json_t **out)
{
    struct burden_request r;
    burden_request(c, id, lead, co, due, reason, office_path, &r);
    return burden_take(c, &r, hooks_burden_send(c, &r), out);
}

static enum err create_tx(struct ctx *c, void *arg)
{
    struct create_args *a = arg;
    const json_t *b = a->body;
    const char *office_path = NULL, *lead_path, **co_paths;
    int64_t office, lead = jv_int(b, "lead_unit_id", 0), leader = jv_int(b, "leader_id", 0);
    json_t *co = json_object_get(b, "co_unit_ids");
    /* the units' paths travel with the issuer's first read; checked after the issuer, as before */
    struct stmt *paths = unit_paths_send(c, lead, co);
    enum err e = item_issuer_of(c, a->parent_id, b, &office, &office_path);
    if (e) {
        stmt_done(paths);
        return e;
    }
    if ((e = check_units_sent(c, paths, office_path, a->parent_id != 0, lead, co, &lead_path, &co_paths)))
        return e;
    if (leader && (e = item_check_leader(c, leader, office_path)))
        return e;
    char at[21], today[11];
    time_format_iso(c->now, at);
    item_today(c, today);
    const char *requirement = jv_str(b, "requirement"), *source_ref = jv_str(b, "source_ref");
    const char *importance = jv_str(b, "importance"), *kind = jv_str(b, "kind");
    const char *confidentiality = jv_str(b, "confidentiality");
    /* the burden check's reads travel with the item's insert: the new draft is nobody's request yet (no
     * assignment, not running), so what they read is the same before it as after it */
    struct burden_request br;
    burden_request(c, 0, lead, co, jv_str(b, "due_date"), jv_str(b, "burden_reason"), office_path, &br);
    struct burden_sent *sent = hooks_burden_send(c, &br);
    e = db_one_int(
        c->db, &a->id,
        "INSERT INTO items (title, requirement, source_kind, source_ref, source_date, office_unit_id, "
        "office_path, lead_unit_id, lead_path, leader_id, importance, kind, due_date, confidentiality, tags, "
        "state, parent_id, year, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?) RETURNING id",
        DB_TEXT(jv_str(b, "title")), DB_TEXT(requirement ? requirement : ""), DB_TEXT(jv_str(b, "source_kind")),
        DB_TEXT(source_ref ? source_ref : ""), DB_TEXT(jv_str(b, "source_date")), DB_INT(office), DB_TEXT(office_path),
        DB_INT(lead), DB_TEXT(lead_path), DB_INT_IF(leader, leader), DB_TEXT(importance ? importance : "general"),
        DB_TEXT(kind ? kind : "once"), DB_TEXT(jv_str(b, "due_date")),
        DB_TEXT(confidentiality ? confidentiality : "internal"), DB_TEXT(tags_text(c, json_object_get(b, "tags"))),
        DB_INT_IF(a->parent_id, a->parent_id), DB_INT(atoi(today)), DB_INT_IF(c->user, c->user ? c->user->id : 0),
        DB_TEXT(at), DB_TEXT(at));
    if (e) {
        hooks_burden_drop(sent);
        return ctx_db_fail(c, e, "新建督办事项");
    }
    br.object_id = a->id; /* taken before the tracks are sent, which then travel with the next statement */
    if ((e = burden_take(c, &br, sent, &a->burden)) || (e = insert_tracks(c, a->id, lead, lead_path, co, co_paths)))
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
    if (!e && a->then)
        e = a->then(c, a->id, a->then_arg);
    return e ? e : workflow_todos_sync_new(c, &item_workflow, a->id); /* the draft waits on its office */
}

static enum err create_common(struct ctx *c, int64_t parent_id, const json_t *body, item_created_fn then,
                              void *then_arg, json_t **out)
{
    enum err e = item_check_values(c, body);
    if (e)
        return e;
    struct create_args a = {body, parent_id, 0, then, then_arg, NULL};
    if ((e = ctx_tx(c, "新建督办事项", create_tx, &a))) {
        json_decref(a.burden);
        return e;
    }
    if (jv_bool(body, "submit", false)) {
        json_t *empty = json_object();
        e = items_act(c, a.id, ITEM_ACT_SUBMIT, empty, out);
        json_decref(empty);
    } else {
        e = items_get(c, a.id, out);
    }
    if (!e)
        json_object_set_new(*out, "burden_warnings", a.burden ? json_incref(a.burden) : json_array());
    json_decref(a.burden);
    return e;
}

enum err items_create(struct ctx *c, const json_t *body, json_t **out)
{
    return create_common(c, 0, body, NULL, NULL, out);
}

enum err item_create_then(struct ctx *c, const json_t *body, item_created_fn then, void *arg, json_t **out)
{
    return create_common(c, 0, body, then, arg, out);
}

enum err items_create_child(struct ctx *c, int64_t parent_id, const json_t *body, json_t **out)
{
    /* office_unit_id, if given, picks which of the parent's units decomposes (checked in create_tx) */
    return create_common(c, parent_id, body, NULL, NULL, out);
}

struct update_args {
    int64_t id;
    const json_t *body;
    json_t *burden; /* the burden check's warnings when the units or the due date changed */
};

/* True when the body changes nothing but the tags (which may change in any state). */
static bool only_tags(const json_t *b)
{
    for (const struct jv_field *f = items_update_spec; f->name; f++)
        if (jv_has(b, f->name) && strcmp(f->name, "tags") && strcmp(f->name, "version"))
            return false;
    return true;
}

/* The same units in any order (an edit that sends them again changes nothing). */
static bool same_units(const json_t *a, const json_t *b)
{
    if (json_array_size(a) != json_array_size(b))
        return false;
    size_t i, j;
    json_t *v, *w;
    json_array_foreach(a, i, v)
    {
        bool found = false;
        json_array_foreach(b, j, w) found = found || json_integer_value(v) == json_integer_value(w);
        if (!found)
            return false;
    }
    return true;
}

static enum err update_tx(struct ctx *c, void *arg)
{
    struct update_args *a = arg;
    const json_t *b = a->body;
    struct item it;
    enum err e = item_load_locked(c, a->id, &it);
    if (e)
        return e;
    if ((e = perm_require_item(c, CAP_ITEM_REGISTER, &it.scope, it.office_path, ITEM_WHAT)) || (e = item_lock(c, &it)))
        return e;
    if (jv_has(b, "version") && jv_int(b, "version", 0) != it.version)
        return ctx_fail(c, ERR_CONFLICT, "督办事项已被他人修改（当前版本 %" PRId64 "），请刷新后重试", it.version);
    if (it.state != ITEM_ST_DRAFT && !only_tags(b))
        return ctx_fail(c, ERR_CONFLICT, "只有草稿状态的事项可以修改内容（当前状态：%s）；标签可随时修改",
                        item_state_label(it.state));
    int64_t lead = jv_int(b, "lead_unit_id", it.lead_unit_id), leader = jv_int(b, "leader_id", 0);
    json_t *co = json_object_get(b, "co_unit_ids"), *co_now = json_array(), *sum = NULL;
    for (int i = 0; i < it.ntracks; i++)
        if (!it.tracks[i].lead)
            json_array_append_new(co_now, json_integer(it.tracks[i].unit_id));
    const char *lead_path = it.lead_path, *due = jv_str(b, "due_date"), **co_paths = NULL;
    bool units_changed = jv_has(b, "lead_unit_id") || co;
    if (units_changed && (e = item_check_units(c, it.office_path, lead, co ? co : co_now, &lead_path, &co_paths)))
        goto out;
    if (leader && (e = item_check_leader(c, leader, it.office_path)))
        goto out;
    struct item parent;
    if (it.parent_id && due && !item_load(c, it.parent_id, &parent) && strcmp(due, parent.due_date) > 0) {
        e = ctx_fail_field(c, "due_date", "分解事项的办结时限（due_date）不能晚于上级事项的期限（%s）",
                           parent.due_date);
        goto out;
    }
    char at[21];
    time_format_iso(c->now, at);
    json_t *tags = json_object_get(b, "tags");
    e = db_exec(c->db,
                "UPDATE items SET title = COALESCE(?, title), requirement = COALESCE(?, requirement), "
                "source_kind = COALESCE(?, source_kind), source_ref = COALESCE(?, source_ref), "
                "source_date = CASE WHEN ? = 1 THEN ? ELSE source_date END, lead_unit_id = ?, lead_path = ?, "
                "leader_id = CASE WHEN ? = 1 THEN ? ELSE leader_id END, importance = COALESCE(?, importance), "
                "kind = COALESCE(?, kind), due_date = COALESCE(?, due_date), "
                "confidentiality = COALESCE(?, confidentiality), tags = COALESCE(?, tags), updated_at = ?, "
                "version = version + 1 WHERE id = ? AND version = ?",
                DB_TEXT(jv_str(b, "title")), DB_TEXT(jv_str(b, "requirement")), DB_TEXT(jv_str(b, "source_kind")),
                DB_TEXT(jv_str(b, "source_ref")), DB_INT(jv_has(b, "source_date")), DB_TEXT(jv_str(b, "source_date")),
                DB_INT(lead), DB_TEXT(lead_path), DB_INT(jv_has(b, "leader_id")), DB_INT_IF(leader, leader),
                DB_TEXT(jv_str(b, "importance")), DB_TEXT(jv_str(b, "kind")), DB_TEXT(due),
                DB_TEXT(jv_str(b, "confidentiality")), DB_TEXT(tags ? tags_text(c, tags) : NULL), DB_TEXT(at),
                DB_INT(it.id), DB_INT(it.version));
    if (!e && units_changed)
        e = db_exec(c->db, "DELETE FROM item_tracks WHERE item_id = ?", DB_INT(it.id));
    if (e) {
        e = ctx_db_fail(c, e, "修改督办事项");
        goto out;
    }
    if (units_changed && (e = insert_tracks(c, it.id, lead, lead_path, co ? co : co_now, co_paths)))
        goto out;
    /* other units or another due date: the units are asked something else, checked again (减负) */
    bool asks_else = lead != it.lead_unit_id || (co && !same_units(co, co_now)) || (due && strcmp(due, it.due_date));
    if (asks_else && (e = burden_check(c, it.id, lead, co ? co : co_now, due ? due : it.due_date,
                                       jv_str(b, "burden_reason"), it.office_path, &a->burden)))
        goto out;
    if ((e = item_event(c, it.id, "update", "update", -1, -1, 0, 0, NULL, (json_t *)b)))
        goto out;
    sum = json_pack("{sO}", "change", (json_t *)b);
    if (!(e = audit_record(c, "item.update", "item", it.id, sum)))
        e = workflow_todos_sync(c, &item_workflow, it.id, NULL); /* the title and due date of its to-dos */
out:
    json_decref(co_now);
    json_decref(sum);
    return e;
}

enum err items_update(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    enum err e = item_check_values(c, body);
    if (e)
        return e;
    struct update_args a = {id, body, NULL};
    if (!(e = ctx_tx(c, "修改督办事项", update_tx, &a)) && !(e = items_get(c, id, out)) && a.burden)
        json_object_set(*out, "burden_warnings", a.burden);
    json_decref(a.burden);
    return e;
}
