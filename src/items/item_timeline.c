/*
 * item_timeline.c: the timeline of an item (办理过程): its events, written by every change in the change's
 * transaction (and by other modules through items_timeline_add and items_mark_escalated: the deadline
 * module's reminders, ladder steps and clocks), and read with each entry's words — the label of its action
 * or event from the item workflow (the one word list) and a sentence saying what was done or decided.
 */
#include "items/items_internal.h"

#include "audit/audit.h"
#include "core/hooks.h"
#include "base/jsonw.h"
#include "base/timeu.h"
#include "base/utf8.h"
#include "core/events.h"
#include "deadlines/deadlines.h"

#include <stdlib.h>
#include <string.h>

enum err item_event(struct ctx *c, int64_t item_id, const char *kind, const char *action, int from, int to,
                    int64_t track_id, int64_t unit_id, const char *note, json_t *data)
{
    char at[21];
    time_format_iso(c->now, at);
    char *d = data ? json_dumps(data, JSON_COMPACT) : NULL;
    enum err e =
        db_exec_later(c->db,
                      "INSERT INTO item_events (item_id, at, actor_id, actor, actor_name, kind, action, from_state, "
                      "to_state, track_id, unit_id, note, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      DB_INT(item_id), DB_TEXT(at), DB_INT_IF(c->user, c->user ? c->user->id : 0),
                      DB_TEXT(ctx_actor(c)), DB_TEXT(c->user && c->user->name ? c->user->name : "系统"), DB_TEXT(kind),
                      DB_TEXT(action), DB_TEXT(from >= 0 ? item_state_name((enum item_state)from) : NULL),
                      DB_TEXT(to >= 0 ? item_state_name((enum item_state)to) : NULL), DB_INT_IF(track_id, track_id),
                      DB_INT_IF(unit_id, unit_id), DB_TEXT(note ? note : ""), DB_TEXT(d ? d : "{}"));
    free(d);
    if (e)
        return ctx_db_fail(c, e, "记录办理过程");
    /* the timeline is the item's event log: subscribers (webhooks) see each record in this transaction */
    return events_publish(c, &(struct domain_event){"item", item_id, kind, action, unit_id, note, data});
}

enum err items_set_source_clue(struct ctx *c, int64_t item_id, int64_t clue_id)
{
    enum err e = db_exec(c->db, "UPDATE items SET source_clue_id = ? WHERE id = ?", DB_INT(clue_id), DB_INT(item_id));
    return e ? ctx_db_fail(c, e, "记录事项来源线索") : ERR_OK;
}

enum err items_mark_escalated(struct ctx *c, int64_t item_id, const char *note, json_t *data)
{
    int64_t id;
    enum err e = db_one_int(c->db, &id,
                            "UPDATE items SET escalated = 1, version = version + 1 WHERE id = ? AND escalated = 0 "
                            "RETURNING id",
                            DB_INT(item_id));
    if (e == ERR_NOT_FOUND) /* no such item, or listed already */
        return ERR_OK;
    if (e)
        return ctx_db_fail(c, e, "列入督查事项");
    /* the inspections module makes it a proposal (督查工作建议), linked both ways */
    struct item it;
    int64_t insp = 0;
    e = item_load(c, item_id, &it);
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

enum err items_timeline_add(struct ctx *c, int64_t item_id, int64_t unit_id, const char *kind, const char *action,
                            const char *note, json_t *data)
{
    /* no row: no such item (ignored); a NULL track: the item as a whole */
    struct stmt *st = db_query(c->db,
                               "SELECT t.id FROM items i LEFT JOIN item_tracks t ON t.item_id = i.id AND t.unit_id = ? "
                               "WHERE i.id = ?",
                               DB_INT(unit_id), DB_INT(item_id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "记录办理过程");
    int rc = stmt_step(st);
    int64_t track = rc == STORE_ROW && !stmt_is_null(st, 0) ? stmt_int(st, 0) : 0;
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "记录办理过程");
    if (rc == STORE_DONE)
        return ERR_OK;
    return item_event(c, item_id, kind, action, -1, -1, track, unit_id, note, data);
}

const char *item_event_name(struct ctx *c, const char *kind, const char *action)
{
    if (strcmp(kind, "deadline"))
        return action;
    return arena_printf(c->arena, "deadline_%.*s", (int)strcspn(action, "-@"), action);
}

static const char *dstr(const json_t *d, const char *k)
{
    const char *s = json_string_value(json_object_get(d, k));
    return s ? s : "";
}

/* "内容：x" when x is not empty, else "" (arena). */
static const char *with(struct ctx *c, const char *what, const char *x)
{
    return x && *x ? arena_printf(c->arena, "%s：%s", what, x) : "";
}

/* The members an edit changed, in words ("事项名称、办结时限"). */
static const char *changed_fields(struct ctx *c, const json_t *d)
{
    const char *out = "";
    for (const struct jv_field *f = items_update_spec; f->name; f++)
        if (json_object_get(d, f->name) && strcmp(f->name, "version"))
            out = arena_printf(c->arena, "%s%s%s", out, *out ? "、" : "", f->label ? f->label : f->name);
    return out;
}

const char *item_event_text(struct ctx *c, const char *name, const char *from, const char *unit, const char *note,
                            const json_t *d)
{
    struct arena *a = c->arena;
    const char *u = unit && *unit ? unit : "";
    note = note ? note : "";
#define IS(x) (!strcmp(name, x))
    if (IS("create"))
        return "登记为草稿，待报审。";
    if (IS("decompose"))
        return json_object_get(d, "child_id")
                   ? arena_printf(a, "分解出子事项《%s》，由%s的督查室交办。", utf8_inner_title(a, note), u)
                   : "由上级事项分解立项。";
    if (IS("update"))
        return arena_printf(a, "修改了%s。", *changed_fields(c, d) ? changed_fields(c, d) : "事项内容");
    if (IS("submit"))
        return *dstr(d, "number") ? arena_printf(a, "立项报审，编号%s。", dstr(d, "number")) : "立项报审。";
    if (IS("approve"))
        return from && !strcmp(from, "submitted") ? "副主任审核通过，报主任审批。" : "主任审批通过，待交办。";
    if (IS("return"))
        return from && !strcmp(from, "completion_signed")
                   ? arena_printf(a, "办结审核未通过，退回各单位重新办理。%s", with(c, "理由", note))
                   : arena_printf(a, "退回修改。%s", with(c, "理由", note));
    if (IS("assign"))
        return json_object_get(d, "leader_informed") ? "交办各责任单位，并告知分管领导。" : "交办各责任单位。";
    if (IS("notice"))
        return arena_printf(a, "向%s发出%s。", u, *note ? note : "督办通知");
    if (IS("receive"))
        return arena_printf(a, "%s已签收。", u);
    if (IS("report"))
        return arena_printf(a, "%s报送进展，完成进度%d%%。%s", u,
                            (int)json_integer_value(json_object_get(d, "percent")), note);
    if (IS("plan"))
        return arena_printf(a, "%s提出时间节点和方案，计划%s完成。%s", u, dstr(d, "plan_date"), note);
    if (IS("request_extension"))
        return arena_printf(a, "%s申请将办结时限由%s延至%s。%s", u, dstr(d, "old_date"), dstr(d, "new_date"),
                            with(c, "理由", note));
    if (IS("decide_extension"))
        return json_is_true(json_object_get(d, "approve"))
                   ? arena_printf(a, "同意延期，办结时限由%s延至%s。%s", dstr(d, "old_date"), dstr(d, "new_date"),
                                  with(c, "意见", note))
                   : arena_printf(a, "不同意延期，办结时限仍为%s。%s", dstr(d, "old_date"), with(c, "意见", note));
    if (IS("request_completion"))
        return arena_printf(a, "%s申请办结。%s", u, with(c, "办结答复", note));
    if (IS("sign"))
        return arena_printf(a, "%s主要负责人核签办结答复，加盖单位电子印章。", u);
    if (IS("return_reply"))
        return arena_printf(a, "%s主要负责人退回办结答复，重新办理。%s", u, with(c, "理由", note));
    if (IS("verify"))
        return arena_printf(a, "审核同意办结，办结等次：%s。", dstr(d, "grade"));
    if (IS("archive")) {
        const char *units = "";
        const json_t *v;
        size_t i;
        json_array_foreach(json_object_get(d, "cancelled_reports"), i, v) units =
            arena_printf(a, "%s%s%s", units, i ? "、" : "", dstr(v, "unit"));
        return *units ? arena_printf(a, "立卷归档，取消%s尚未报送的办理情况报告。", units) : "立卷归档。";
    }
    if (IS("withdraw"))
        return arena_printf(a, "撤销该事项，编号保留。%s", with(c, "理由", note));
    if (IS("press"))
        return arena_printf(a, "向%s催办（第%d次）。%s", *dstr(d, "units") ? dstr(d, "units") : "承办单位",
                            (int)json_integer_value(json_object_get(d, "count")), with(c, "催办意见", note));
    if (IS("escalate"))
        return arena_printf(a, "列入督查事项。%s", with(c, "理由", note));
    if (IS("suspend"))
        return arena_printf(a, "中止办理（挂账），时限停止计算。%s", with(c, "理由", note));
    if (IS("resume"))
        return arena_printf(a, "恢复办理，时限恢复计算。%s", with(c, "理由", note));
    if (IS("review"))
        return !strcmp(dstr(d, "result"), "accepted")
                   ? arena_printf(a, "%s的进展报告审核通过。%s", u, with(c, "意见", note))
                   : arena_printf(a, "%s的进展报告退回重报。%s", u, with(c, "意见", note));
    if (IS("instruction"))
        return arena_printf(a, "%s同志%s批示：%s", dstr(d, "leader_name"), dstr(d, "instructed_on"), note);
    if (IS("circled"))
        return arena_printf(a, "%s同志%s圈阅。%s", dstr(d, "leader_name"), dstr(d, "instructed_on"),
                            with(c, "批注", note));
    if (IS("instruction_done"))
        return arena_printf(a, "落实%s同志的批示。%s", dstr(d, "leader_name"), with(c, "落实情况", note));
    if (IS("from_instruction"))
        return json_object_get(d, "new_item_id")
                   ? arena_printf(a, "根据%s同志的批示另行立项《%s》。", dstr(d, "leader_name"),
                                  utf8_inner_title(a, note))
                   : arena_printf(a, "根据%s同志在%s上的批示立项。", dstr(d, "leader_name"), note);
    if (IS("handling_report"))
        return arena_printf(a, "%s向交办单位报告办理情况%s：%s%s", u,
                            json_is_true(json_object_get(d, "late")) ? "（逾期）" : "", note,
                            *dstr(d, "attachment_name")
                                ? arena_printf(a, "（附件《%s》）", utf8_inner_title(a, dstr(d, "attachment_name")))
                                : "");
    if (IS("attach"))
        return arena_printf(a, "上传附件《%s》。", utf8_inner_title(a, note));
    if (IS("deadline_remind"))
        return json_integer_value(json_object_get(d, "days"))
                   ? arena_printf(a, "到期前%d个工作日提醒%s。", (int)json_integer_value(json_object_get(d, "days")),
                                  *u ? u : "承办单位")
                   : arena_printf(a, "到期当日提醒%s。", *u ? u : "承办单位");
#undef IS
    return note;
}

enum err items_events_write(struct ctx *c, int64_t id, struct jw *w)
{
    struct item it;
    enum err e = item_load_visible(c, id, &it);
    if (e)
        return e;
    struct stmt *st = db_query(c->db,
                               "SELECT e.id, e.at, e.actor, e.actor_name, e.kind, e.action, e.from_state, e.to_state, "
                               "e.track_id, e.unit_id, u.name, e.note, e.data FROM item_events e LEFT JOIN units u ON "
                               "u.id = e.unit_id WHERE e.item_id = ? ORDER BY e.id",
                               DB_INT(id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取办理过程");
    jw_arr(w);
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        const char *kind = stmt_text(st, 4), *action = stmt_text(st, 5), *unit = stmt_text(st, 10);
        const char *name = item_event_name(c, kind, action);
        const struct wf_name *wn = wf_event(&item_workflow, name);
        json_t *data = json_loads(stmt_text(st, 12), 0, NULL);
        if (!data)
            data = json_object();
        if (!strncmp(action, "remind-", 7))
            json_object_set_new(data, "days", json_integer(atoi(action + 7)));
        const char *text =
            item_event_text(c, name, stmt_text(st, 6), unit, stmt_is_null(st, 11) ? "" : stmt_text(st, 11), data);
        jw_obj(w);
        jw_qkint(w, JW_K("id"), stmt_int(st, 0));
        jw_qkstr(w, JW_K("at"), stmt_text(st, 1));
        jw_qkstr(w, JW_K("actor"), stmt_text(st, 2));
        jw_qkstr(w, JW_K("actor_name"), stmt_text(st, 3));
        jw_qkstr(w, JW_K("kind"), kind);
        jw_qkstr(w, JW_K("action"), action);
        jw_qkstr(w, JW_K("event"), wn ? name : action);
        jw_qkstr(w, JW_K("action_label"), wn ? wn->label : action);
        jw_qkstr(w, JW_K("text"), text);
        jw_qkstr(w, JW_K("from_state"), stmt_text(st, 6));
        jw_qkstr(w, JW_K("to_state"), stmt_text(st, 7));
        jw_qkey(w, JW_K("track_id"));
        if (stmt_is_null(st, 8))
            jw_null(w);
        else
            jw_int(w, stmt_int(st, 8));
        jw_qkey(w, JW_K("unit_id"));
        if (stmt_is_null(st, 9))
            jw_null(w);
        else
            jw_int(w, stmt_int(st, 9));
        jw_qkstr(w, JW_K("unit_name"), unit);
        jw_qkstr(w, JW_K("note"), stmt_text(st, 11));
        jw_qkey(w, JW_K("data"));
        jw_json(w, data);
        json_decref(data);
        jw_end_obj(w);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取办理过程");
    jw_end_arr(w);
    return ERR_OK;
}

enum err items_events(struct ctx *c, int64_t id, json_t **out)
{
    return item_written_tree(c, id, items_events_write, out, "读取办理过程");
}
