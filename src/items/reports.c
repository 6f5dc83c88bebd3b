/*
 * reports.c: progress reports (承办反馈). A report is written through the workflow (action
 * "report", so the table decides who and when); here they are listed and reviewed by the
 * secretarial section or the office (accepted / asked to redo).
 */
#include "items/items_internal.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "base/utf8.h"

#include <inttypes.h>
#include <string.h>

const struct jv_field items_review_spec[] = {
    {"result", JV_STRING, JV_REQUIRED, 1, 20, "审核结果"},
    {"note", JV_STRING, 0, 0, 2000, "审核意见"},
    {NULL, 0, 0, 0, 0},
};

#define REPORT_COLS                                                                                                    \
    "r.id, r.track_id, r.unit_id, u.name, r.text, r.percent, r.created_at, us.name, r.review, r.review_note, "         \
    "r.reviewed_at, rv.name, r.problems, r.next_steps, r.support, r.milestone_id"
#define REPORT_FROM                                                                                                    \
    " FROM item_reports r JOIN units u ON u.id = r.unit_id LEFT JOIN users us ON us.id = r.created_by "                \
    "LEFT JOIN users rv ON rv.id = r.reviewed_by "

static json_t *report_json(struct ctx *c, struct stmt *st)
{
    (void)c;
    const char *by = stmt_text(st, 7), *rat = stmt_text(st, 10), *rby = stmt_text(st, 11);
    json_t *o =
        json_pack("{sI sI sI ss ss si ss so ss ss so so so}", "id", (json_int_t)stmt_int(st, 0), "track_id",
                  (json_int_t)stmt_int(st, 1), "unit_id", (json_int_t)stmt_int(st, 2), "unit_name", stmt_text(st, 3),
                  "text", stmt_text(st, 4), "percent", (int)stmt_int(st, 5), "created_at", stmt_text(st, 6),
                  "created_by_name", by ? json_string(by) : json_null(), "review", stmt_text(st, 8), "review_note",
                  stmt_text(st, 9), "reviewed_at", rat ? json_string(rat) : json_null(), "reviewed_by_name",
                  rby ? json_string(rby) : json_null(), "attachments", json_array());
    /* the periodic report's form, and the report obligation it answered (null: none) */
    json_object_set_new(o, "problems", json_string(stmt_text(st, 12)));
    json_object_set_new(o, "next_steps", json_string(stmt_text(st, 13)));
    json_object_set_new(o, "support", json_string(stmt_text(st, 14)));
    json_object_set_new(o, "milestone_id", stmt_is_null(st, 15) ? json_null() : json_integer(stmt_int(st, 15)));
    return o;
}

/* Attaches each report's attachments (by report id) to the list. */
static void add_attachments(struct ctx *c, int64_t item_id, json_t *reports)
{
    struct stmt *st = db_query(c->db,
                               "SELECT id, report_id, filename, size FROM attachments WHERE item_id = ? "
                               "AND report_id IS NOT NULL ORDER BY id",
                               DB_INT(item_id));
    while (st && stmt_step(st) == STORE_ROW) {
        size_t i;
        json_t *r;
        json_array_foreach(reports, i, r) if (json_integer_value(json_object_get(r, "id")) == stmt_int(st, 1))
            json_array_append_new(json_object_get(r, "attachments"),
                                  json_pack("{sI ss sI}", "id", (json_int_t)stmt_int(st, 0), "filename",
                                            stmt_text(st, 2), "size", (json_int_t)stmt_int(st, 3)));
    }
    stmt_done(st);
}

enum err items_reports(struct ctx *c, int64_t id, json_t **out)
{
    struct item it;
    enum err e = item_load_visible(c, id, &it);
    if (e)
        return e;
    struct stmt *st =
        db_query(c->db, "SELECT " REPORT_COLS REPORT_FROM "WHERE r.item_id = ? ORDER BY r.id DESC", DB_INT(id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取进展报告");
    json_t *arr = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        json_array_append_new(arr, report_json(c, st));
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "读取进展报告");
    }
    add_attachments(c, id, arr);
    *out = arr;
    return ERR_OK;
}

/* Tells the contact of the reporting unit the review's result (MSG_RESULT, linking to the item). */
static enum err tell_unit(struct ctx *c, struct item *it, int64_t unit, const char *result, const char *note)
{
    for (int k = 0; k < it->ntracks; k++) {
        if (it->tracks[k].unit_id != unit)
            continue;
        bool ok = !strcmp(result, "accepted");
        struct notice n = {.kind = MSG_RESULT,
                           .object_type = item_workflow.name,
                           .object_id = it->id,
                           .link = arena_printf(c->arena, item_workflow.link, (long long)it->id)};
        n.subject = arena_printf(c->arena, "【办理结果】进展报告%s：%s《%s》", ok ? "已通过审核" : "被退回重报",
                                 it->number ? it->number : "", utf8_inner_title(c->arena, it->title));
        n.body = arena_printf(c->arena, "贵单位报送的进展报告%s。%s%s", ok ? "已通过审核" : "被退回，请修改后重新报送",
                              note && *note ? "审核意见：" : "", note && *note ? note : "");
        static const struct wf_who contact = {ROLE_CONTACT, WF_AT_PART, 0, false};
        return workflow_tell(c, &it->wf, &it->wf.parts[k], &contact, &n);
    }
    return ERR_OK;
}

struct review_args {
    int64_t id, report_id;
    const json_t *body;
};

static enum err review_tx(struct ctx *c, void *arg)
{
    struct review_args *a = arg;
    struct item it;
    enum err e = item_load_locked(c, a->id, &it);
    if (e)
        return e;
    if ((e = perm_require_item(c, CAP_ITEM_REVIEW, &it.scope, it.office_path, ITEM_WHAT)) || (e = item_lock(c, &it)))
        return e;
    const char *result = jv_str(a->body, "result");
    if (strcmp(result, "accepted") && strcmp(result, "redo"))
        return ctx_fail_field(c, "result", "审核结果（result）应为 accepted（通过）或 redo（退回重报）");
    const char *note = jv_str(a->body, "note");
    if (!strcmp(result, "redo") && (!note || !*note))
        return ctx_fail_field(c, "note", "退回重报需要填写审核意见（note）");
    const char *review = NULL;
    int64_t unit = 0;
    e = db_one_text(c->db, c->arena, &review, "SELECT review FROM item_reports WHERE id = ? AND item_id = ?",
                    DB_INT(a->report_id), DB_INT(a->id));
    if (!e)
        e = db_one_int(c->db, &unit, "SELECT unit_id FROM item_reports WHERE id = ?", DB_INT(a->report_id));
    if (e == ERR_NOT_FOUND)
        return ctx_fail(c, ERR_NOT_FOUND, "进展报告不存在");
    if (e)
        return ctx_db_fail(c, e, "审核进展报告");
    if (strcmp(review, "pending"))
        return ctx_fail(c, ERR_CONFLICT, "该进展报告已经审核过（%s）",
                        !strcmp(review, "accepted") ? "已通过" : "已退回重报");
    char at[21];
    time_format_iso(c->now, at);
    e = db_exec(c->db,
                "UPDATE item_reports SET review = ?, review_note = ?, reviewed_by = ?, reviewed_at = ? "
                "WHERE id = ? AND review = 'pending'",
                DB_TEXT(result), DB_TEXT(note ? note : ""), DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at),
                DB_INT(a->report_id));
    if (!e) /* the item's version moves too, so that views holding the old one refresh */
        e = db_exec(c->db, "UPDATE items SET version = version + 1, updated_at = ? WHERE id = ?", DB_TEXT(at),
                    DB_INT(a->id));
    if (e)
        return ctx_db_fail(c, e, "审核进展报告");
    json_t *data =
        json_pack("{sI ss ss}", "report_id", (json_int_t)a->report_id, "result", result, "note", note ? note : "");
    e = item_event(c, a->id, "review", "review", -1, -1, 0, unit, note, data);
    if (!e)
        e = audit_record(c, "item.review_report", "item", a->id, data);
    json_decref(data);
    /* the review was awaited (a to-do that now goes) and the unit hears the result */
    if (!e)
        e = workflow_todos_sync(c, &item_workflow, a->id, NULL);
    if (!e)
        e = tell_unit(c, &it, unit, result, note);
    return e;
}

enum err items_review_report(struct ctx *c, int64_t id, int64_t report_id, const json_t *body, json_t **out)
{
    struct review_args a = {id, report_id, body};
    enum err e = ctx_tx(c, "审核进展报告", review_tx, &a);
    if (e)
        return e;
    struct stmt *st = db_query(c->db, "SELECT " REPORT_COLS REPORT_FROM "WHERE r.id = ?", DB_INT(report_id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取进展报告");
    int rc = stmt_step(st);
    if (rc == STORE_ROW)
        *out = report_json(c, st);
    stmt_done(st);
    return rc == STORE_ROW ? ERR_OK : ctx_store_fail(c, rc < 0 ? rc : STORE_E_OTHER, "读取进展报告");
}
