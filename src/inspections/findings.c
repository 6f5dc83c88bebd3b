/*
 * findings.c: the problems the team finds (督查发现的问题): drafted on the ground by the team (or the
 * office) while the inspection is under way, each with its responsible unit, deadline and requirement;
 * a problem fixed on the spot (立行立改) carries its fix; one likely to rebound is marked so that a
 * look-back follows its verification. Issuing the findings turns each into a rectification task.
 * Drafts are internal: the targets see a finding only once issued.
 */
#include "inspections/insp_internal.h"

#include "audit/audit.h"
#include "base/timeu.h"

#include <inttypes.h>
#include <string.h>

const struct jv_field insp_finding_spec[] = {
    {"title", JV_STRING, 0, 2, 200},      {"detail", JV_STRING, 0, 0, 8000}, {"requirement", JV_STRING, 0, 0, 4000},
    {"unit_id", JV_INT, 0, 1, INT64_MAX}, {"due_date", JV_DATE, 0, 0, 0},    {"immediate", JV_BOOL, 0, 0, 0},
    {"fix_note", JV_STRING, 0, 0, 4000},  {"rebound", JV_BOOL, 0, 0, 0},     {NULL, 0, 0, 0, 0},
};

/* The inspection, visible, in a state where findings are drafted, and the user on its ground. */
static enum err open_for_findings(struct ctx *c, int64_t id, struct insp *it)
{
    enum err e = insp_load_visible(c, id, it);
    if (e)
        return e;
    if (!insp_field_allowed(c, it))
        return ctx_fail(c, ERR_FORBIDDEN, "只有督查组成员或督查室可以记录督查发现的问题");
    bool office = !c->user || perm_at(c->user, CAP_INSP_MANAGE, it->office_path);
    if (it->state != INSP_ST_IN_PROGRESS && !(office && it->state == INSP_ST_FINDINGS_SUBMITTED))
        return ctx_fail(c, ERR_CONFLICT, "督查「%s」，不能再修改问题清单", insp_state_label(it->state));
    c->acting = c->user ? perm_grant_at(c->user, office ? CAP_INSP_MANAGE : CAP_INSP_FIELD, it->office_path) : NULL;
    return ERR_OK;
}

/* Validates a finding's values (all of them when full, else the ones present); *unit_path: the unit's. */
static enum err check(struct ctx *c, const struct insp *it, const json_t *b, bool full, const char **unit_path)
{
    static const char *const required[] = {"title", "unit_id", "due_date"};
    for (int i = 0; full && i < 3; i++)
        if (!jv_has(b, required[i]))
            return ctx_fail(c, ERR_INVALID, "请填写%s（%s）",
                            i == 0   ? "问题"
                            : i == 1 ? "责任单位"
                                     : "整改时限",
                            required[i]);
    if (jv_has(b, "unit_id")) {
        struct insp_unit u;
        enum err e = insp_unit(c, jv_int(b, "unit_id", 0), "unit_id", &u);
        if (e)
            return e;
        bool ok = false;
        for (int i = 0; i < it->ntargets && !ok; i++)
            ok = insp_within(u.path, it->targets[i].unit_path);
        if (!ok)
            return ctx_fail(c, ERR_INVALID, "责任单位（unit_id）“%s”不是本次督查的对象或其所属单位", u.name);
        *unit_path = u.path;
    }
    char today[11];
    insp_today(c, today);
    const char *due = jv_str(b, "due_date");
    if (due && strcmp(due, today) < 0 && !jv_bool(b, "immediate", false))
        return ctx_fail(c, ERR_INVALID, "整改时限（due_date）不能早于今天（%s）", today);
    if (jv_bool(b, "immediate", false) && (!jv_str(b, "fix_note") || !*jv_str(b, "fix_note")))
        return ctx_fail(c, ERR_INVALID, "立行立改的问题请说明当场整改的情况（fix_note）");
    return ERR_OK;
}

static json_t *finding_json(struct ctx *c, struct stmt *st)
{
    (void)c;
    return json_pack("{sI sI ss ss ss ss ss sb ss sb ss so ss ss}", "id", (json_int_t)stmt_int(st, 0), "unit_id",
                     (json_int_t)stmt_int(st, 1), "unit_name", stmt_text(st, 2), "title", stmt_text(st, 3), "detail",
                     stmt_text(st, 4), "requirement", stmt_text(st, 5), "due_date", stmt_text(st, 6), "immediate",
                     stmt_int(st, 7) != 0, "fix_note", stmt_text(st, 8), "rebound", stmt_int(st, 9) != 0, "state",
                     stmt_text(st, 10), "task_id", stmt_is_null(st, 11) ? json_null() : json_integer(stmt_int(st, 11)),
                     "created_by", stmt_text(st, 12), "created_at", stmt_text(st, 13));
}

#define FINDING_SQL                                                                                                    \
    "SELECT f.id, f.unit_id, u.name, f.title, f.detail, f.requirement, f.due_date, f.immediate, f.fix_note, "          \
    "f.rebound, f.state, f.task_id, COALESCE(us.name, ''), f.created_at FROM insp_findings f "                         \
    "JOIN units u ON u.id = f.unit_id LEFT JOIN users us ON us.id = f.created_by "

static enum err finding_get(struct ctx *c, int64_t fid, json_t **out)
{
    struct stmt *st = db_query(c->db, FINDING_SQL "WHERE f.id = ?", DB_INT(fid));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取问题");
    int rc = stmt_step(st);
    if (rc == STORE_ROW)
        *out = finding_json(c, st);
    stmt_done(st);
    return rc == STORE_ROW ? ERR_OK : ctx_fail(c, ERR_NOT_FOUND, "问题不存在或无权查看");
}

struct finding_args {
    int64_t id, fid;
    const json_t *body;
    bool remove;
};

static enum err add_tx(struct ctx *c, void *arg)
{
    struct finding_args *x = arg;
    const json_t *b = x->body;
    struct insp it;
    const char *path = NULL;
    enum err e = open_for_findings(c, x->id, &it);
    if (e || (e = check(c, &it, b, true, &path)))
        return e;
    char at[21];
    time_format_iso(c->now, at);
    e = db_one_int(
        c->db, &x->fid,
        "INSERT INTO insp_findings (inspection_id, unit_id, unit_path, title, detail, requirement, due_date, "
        "immediate, fix_note, rebound, state, created_by, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?) RETURNING id",
        DB_INT(it.id), DB_INT(jv_int(b, "unit_id", 0)), DB_TEXT(path), DB_TEXT(jv_str(b, "title")),
        DB_TEXT(jv_str(b, "detail") ? jv_str(b, "detail") : ""),
        DB_TEXT(jv_str(b, "requirement") ? jv_str(b, "requirement") : ""), DB_TEXT(jv_str(b, "due_date")),
        DB_INT(jv_bool(b, "immediate", false)), DB_TEXT(jv_str(b, "fix_note") ? jv_str(b, "fix_note") : ""),
        DB_INT(jv_bool(b, "rebound", false)), DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at), DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "保存问题");
    json_t *data = json_deep_copy(b);
    json_object_set_new(data, "finding_id", json_integer(x->fid));
    e = insp_event(c, "inspection", it.id, "finding", "add_finding", NULL, NULL, 0, jv_int(b, "unit_id", 0),
                   jv_str(b, "title"), data);
    if (!e)
        e = audit_record(c, "inspection.add_finding", "inspection", it.id, data);
    json_decref(data);
    return e;
}

enum err insp_finding_add(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    struct finding_args x = {id, 0, body, false};
    enum err e = ctx_tx(c, "记录问题", add_tx, &x);
    return e ? e : finding_get(c, x.fid, out);
}

static enum err change_tx(struct ctx *c, void *arg)
{
    struct finding_args *x = arg;
    const json_t *b = x->body;
    struct insp it;
    const char *path = NULL;
    enum err e = open_for_findings(c, x->id, &it);
    if (e)
        return e;
    const char *state = NULL;
    if (db_one_text(c->db, c->arena, &state, "SELECT state FROM insp_findings WHERE id = ? AND inspection_id = ?",
                    DB_INT(x->fid), DB_INT(it.id)))
        return ctx_fail(c, ERR_NOT_FOUND, "问题不存在或无权查看");
    if (strcmp(state, "draft"))
        return ctx_fail(c, ERR_CONFLICT, "问题已反馈，不能再修改");
    char at[21];
    time_format_iso(c->now, at);
    if (x->remove) {
        e = db_exec(c->db, "UPDATE insp_findings SET state = 'withdrawn', updated_at = ? WHERE id = ?", DB_TEXT(at),
                    DB_INT(x->fid));
    } else {
        if ((e = check(c, &it, b, false, &path)))
            return e;
        e = db_exec(c->db,
                    "UPDATE insp_findings SET title = COALESCE(?, title), detail = COALESCE(?, detail), "
                    "requirement = COALESCE(?, requirement), unit_id = COALESCE(?, unit_id), "
                    "unit_path = COALESCE(?, unit_path), due_date = COALESCE(?, due_date), immediate = COALESCE(?, "
                    "immediate), fix_note = COALESCE(?, fix_note), rebound = COALESCE(?, rebound), updated_at = ? "
                    "WHERE id = ?",
                    DB_TEXT(jv_str(b, "title")), DB_TEXT(jv_str(b, "detail")), DB_TEXT(jv_str(b, "requirement")),
                    DB_INT_IF(jv_has(b, "unit_id"), jv_int(b, "unit_id", 0)), DB_TEXT(path),
                    DB_TEXT(jv_str(b, "due_date")), DB_INT_IF(jv_has(b, "immediate"), jv_bool(b, "immediate", false)),
                    DB_TEXT(jv_str(b, "fix_note")), DB_INT_IF(jv_has(b, "rebound"), jv_bool(b, "rebound", false)),
                    DB_TEXT(at), DB_INT(x->fid));
    }
    if (e)
        return ctx_db_fail(c, e, "修改问题");
    json_t *data = x->remove ? json_pack("{sI}", "finding_id", (json_int_t)x->fid) : json_deep_copy(b);
    json_object_set_new(data, "finding_id", json_integer(x->fid));
    const char *action = x->remove ? "remove_finding" : "change_finding";
    e = insp_event(c, "inspection", it.id, "finding", action, NULL, NULL, 0, 0, x->remove ? "删除问题" : "修改问题",
                   data);
    if (!e)
        e = audit_record(c, arena_printf(c->arena, "inspection.%s", action), "inspection", it.id, data);
    json_decref(data);
    return e;
}

enum err insp_finding_update(struct ctx *c, int64_t id, int64_t fid, const json_t *body, json_t **out)
{
    struct finding_args x = {id, fid, body, false};
    enum err e = ctx_tx(c, "修改问题", change_tx, &x);
    return e ? e : finding_get(c, fid, out);
}

enum err insp_finding_delete(struct ctx *c, int64_t id, int64_t fid)
{
    struct finding_args x = {id, fid, NULL, true};
    return ctx_tx(c, "删除问题", change_tx, &x);
}

enum err insp_findings(struct ctx *c, int64_t id, json_t **out)
{
    struct insp it;
    enum err e = insp_load_visible(c, id, &it);
    if (e)
        return e;
    /* drafts are for the team and the office side */
    bool inside = !c->user || perm_at(c->user, CAP_INSP_READ, it.office_path) || insp_on_team(&it, c->user->id);
    struct stmt *st = db_query(c->db,
                               FINDING_SQL "WHERE f.inspection_id = ? AND f.state <> 'withdrawn' AND (? = 1 OR "
                                           "f.state = 'issued') ORDER BY f.id",
                               DB_INT(id), DB_INT(inside));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取问题");
    json_t *arr = json_array();
    while (stmt_step(st) == STORE_ROW)
        json_array_append_new(arr, finding_json(c, st));
    stmt_done(st);
    *out = json_pack("{so}", "findings", arr);
    return ERR_OK;
}

#define FINDINGS_ISSUE_BATCH 200

/* Each draft finding becomes a rectification task, read in batches: an issued finding leaves the drafts, so
 * the next read starts from what is left, and a batch short of full was the last. */
enum err insp_findings_issue(struct ctx *c, struct insp *it)
{
    struct row {
        int64_t id, unit;
        const char *path, *title, *requirement, *due, *fix;
        bool immediate, rebound;
    } *rows = arena_alloc(c->arena, sizeof *rows * FINDINGS_ISSUE_BATCH);
    enum err e = ERR_OK;
    int n = FINDINGS_ISSUE_BATCH;
    while (!e && n == FINDINGS_ISSUE_BATCH) {
        struct stmt *st =
            db_query(c->db,
                     "SELECT id, unit_id, unit_path, title, detail, requirement, due_date, immediate, rebound, "
                     "fix_note FROM insp_findings WHERE inspection_id = ? AND state = 'draft' ORDER BY id LIMIT ?",
                     DB_INT(it->id), DB_INT(FINDINGS_ISSUE_BATCH));
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "读取问题");
        n = 0;
        while (stmt_step(st) == STORE_ROW && n < FINDINGS_ISSUE_BATCH) {
            struct row *r = &rows[n++];
            r->id = stmt_int(st, 0);
            r->unit = stmt_int(st, 1);
            r->path = insp_col(c, st, 2);
            r->title = insp_col(c, st, 3);
            const char *detail = stmt_text(st, 4), *req = stmt_text(st, 5);
            r->requirement = arena_printf(c->arena, "%s%s%s", detail, *detail && *req ? "\n整改要求：" : "", req);
            r->due = insp_col(c, st, 6);
            r->immediate = stmt_int(st, 7) != 0;
            r->rebound = stmt_int(st, 8) != 0;
            r->fix = insp_col(c, st, 9);
        }
        stmt_done(st);
        for (int i = 0; i < n && !e; i++) {
            int64_t task;
            e = rect_create(c, it, rows[i].id, rows[i].unit, rows[i].path, rows[i].title, rows[i].requirement,
                            rows[i].due, rows[i].immediate, rows[i].rebound, rows[i].fix, &task);
            if (!e)
                e = ctx_db_fail(c,
                                db_exec(c->db, "UPDATE insp_findings SET state = 'issued', task_id = ? WHERE id = ?",
                                        DB_INT(task), DB_INT(rows[i].id)),
                                "反馈问题");
        }
    }
    return e;
}
