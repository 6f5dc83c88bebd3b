/*
 * clues.c: the entry points of the office's work on a clue that are not its arrival — a workflow
 * action, the triage edits, the words of the pages — and the scheduler's share.
 */
#include "clues/clues_internal.h"
#include "clues/surveys.h"

#include "base/utf8.h"
#include "core/pow.h"

#include <string.h>

/* One body spec for every action (members an action does not use are ignored by it). */
const struct jv_field clues_action_spec[] = {
    {"version", JV_INT, 0, 0, 0},
    {"verification_id", JV_INT, 0, 1, INT64_MAX},
    {"unit_id", JV_INT, 0, 1, INT64_MAX},
    {"due_date", JV_DATE, 0, 0, 0},
    {"request", JV_STRING, 0, 0, 2000},
    {"text", JV_STRING, 0, 0, 4000},
    {"finding", JV_STRING, 0, 1, 20},
    {"reason", JV_STRING, 0, 0, 2000},
    {"into", JV_INT, 0, 1, INT64_MAX},
    {"reply", JV_STRING, 0, 0, 2000},
    {"close_reason", JV_STRING, 0, 1, 40},
    {"lead_unit_id", JV_INT, 0, 1, INT64_MAX},
    {"co_unit_ids", JV_INT_ARRAY, 0, 0, 50},
    {"title", JV_STRING, 0, 1, 200},
    {"importance", JV_STRING, 0, 0, 20},
    {"leader_id", JV_INT, JV_NULLABLE, 1, INT64_MAX},
    /* convert_item past a unit's cap of items (减负): the exception's reason, as for an item's registration */
    {"burden_reason", JV_STRING, 0, 1, 500, "超出交办上限的例外理由"},
    /* assign and the conversions: the summary the unit will read, confirmed by the office (clue_summary_confirm) */
    {"summary", JV_STRING, 0, 1, 4000, "摘要"},
    /* convert_inspection: the draft inspection's window, targets, methods and basis */
    {"start_date", JV_DATE, 0, 0, 0, "督查开始日期"},
    {"end_date", JV_DATE, 0, 0, 0, "督查结束日期"},
    {"target_unit_ids", JV_INT_ARRAY, 0, 1, 50, "督查对象"},
    {"methods", JV_STRING_ARRAY, 0, 1, 10, "督查方式"},
    {"basis", JV_STRING, 0, 1, 20, "督查依据"},
    {"basis_ref", JV_STRING, 0, 0, 500, "依据文号"},
    {NULL, 0, 0, 0, 0},
};

enum err clues_act(struct ctx *c, int64_t id, const char *action, const json_t *body, json_t **out)
{
    int a;
    if (!wf_action_parse(&clue_workflow, action, &a))
        return ctx_fail(c, ERR_NOT_FOUND, "线索没有「%s」这项操作", action);
    int64_t rid = 0;
    enum err e = workflow_act(c, &clue_workflow, id, a, body, &rid);
    if (e)
        return e;
    return clues_get(c, id, out);
}

const struct jv_field clues_update_spec[] = {
    {"version", JV_INT, 0, 0, 0},
    {"category", JV_STRING, 0, 1, 40},
    {"title", JV_STRING, 0, 1, 100},
    {"summary", JV_STRING, 0, 1, 4000},
    {"area_id", JV_INT, 0, 1, INT64_MAX},
    {"place", JV_STRING, 0, 0, 200},
    {"unit_id", JV_INT, JV_NULLABLE, 1, INT64_MAX},
    {NULL, 0, 0, 0, 0},
};

struct update_args {
    int64_t id;
    const json_t *body;
};

static enum err update_tx(struct ctx *c, void *arg)
{
    struct update_args *x = arg;
    const json_t *b = x->body;
    struct clue cl;
    enum err e = clue_load_visible(c, x->id, &cl);
    if (e)
        return e;
    if ((e = perm_require(c, CAP_CLUE_MANAGE, cl.office_path, CLUE_WHAT)))
        return e;
    if (cl.wf.state != CLUE_ST_RECEIVED && cl.wf.state != CLUE_ST_VERIFYING && cl.wf.state != CLUE_ST_VERIFIED)
        return ctx_fail(c, ERR_CONFLICT, "线索已%s，不能再修改分拣信息",
                        clue_state_label((enum clue_state)cl.wf.state));
    if (jv_has(b, "version") && jv_int(b, "version", 0) != cl.wf.version)
        return ctx_fail(c, ERR_CONFLICT, "线索已被他人修改，请刷新后重试");
    const char *category = jv_str(b, "category") ? jv_str(b, "category") : cl.category;
    if (!clue_category_label(category))
        return ctx_fail_field(c, "category", "问题类别（category）不存在：%s", category);
    const char *title = jv_str(b, "title") ? jv_str(b, "title") : cl.wf.title;
    const char *summary = jv_str(b, "summary") ? jv_str(b, "summary") : cl.summary;
    const char *place = jv_str(b, "place") ? jv_str(b, "place") : cl.place;
    int64_t area = jv_int(b, "area_id", cl.area_unit_id);
    const char *area_path = cl.area_path, *unit_path = cl.unit_path;
    if (area != cl.area_unit_id) {
        const char *kind = NULL;
        struct stmt *st = db_query(c->db, "SELECT path, kind FROM units WHERE id = ?", DB_INT(area));
        area_path = NULL;
        if (st && stmt_step(st) == STORE_ROW) {
            area_path = arena_strdup(c->arena, stmt_text(st, 0));
            kind = arena_strdup(c->arena, stmt_text(st, 1));
        }
        stmt_done(st);
        if (!area_path || (strcmp(kind, "government") && strcmp(kind, "township")) ||
            strncmp(area_path, cl.office_path, strlen(cl.office_path)))
            return ctx_fail_field(c, "area_id", "地区（area_id）应为本级政府辖区内的县、乡镇等行政区域");
    }
    int64_t unit = cl.unit_id;
    if (jv_has(b, "unit_id")) {
        unit = jv_int(b, "unit_id", 0);
        unit_path = NULL;
        if (unit && (db_one_text(c->db, c->arena, &unit_path, "SELECT path FROM units WHERE id = ?", DB_INT(unit)) ||
                     strncmp(unit_path, cl.office_path, strlen(cl.office_path))))
            return ctx_fail_field(c, "unit_id", "被反映单位（unit_id）应为本级政府所属的单位");
    }
    /* a summary sent is the office's: confirmed (what a verifying unit and a conversion may then take) */
    bool reviewed = cl.summary_reviewed || jv_has(b, "summary");
    char at[21];
    time_format_iso(c->now, at);
    e = db_exec(
        c->db,
        "UPDATE clues SET category = ?, title = ?, summary = ?, summary_reviewed = ?, place = ?, area_unit_id = ?, "
        "area_path = ?, unit_id = ?, unit_path = ?, updated_at = ?, version = version + 1 WHERE id = ? AND "
        "version = ?",
        DB_TEXT(category), DB_TEXT(title), DB_TEXT(summary), DB_INT(reviewed ? 1 : 0), DB_TEXT(place), DB_INT(area),
        DB_TEXT(area_path), DB_INT_IF(unit, unit), DB_TEXT(unit ? unit_path : NULL), DB_TEXT(at), DB_INT(x->id),
        DB_INT(cl.wf.version));
    if (e)
        return ctx_db_fail(c, e, "修改线索");
    /* what changed, in words, for the timeline and the audit (the texts themselves stay in the clue) */
    json_t *changed = json_array();
    const struct {
        const char *name;
        bool diff;
    } f[] = {{"category", strcmp(category, cl.category)}, {"title", strcmp(title, cl.wf.title)},
             {"summary", strcmp(summary, cl.summary)},    {"place", strcmp(place, cl.place)},
             {"area_id", area != cl.area_unit_id},        {"unit_id", unit != cl.unit_id}};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        if (f[i].diff)
            json_array_append_new(changed, json_string(f[i].name));
    json_t *data = json_pack("{so}", "changed", changed);
    if (reviewed && !cl.summary_reviewed)
        json_object_set_new(data, "summary_confirmed", json_true());
    e = clue_event(c, x->id, "comment", "update", -1, -1, 0, "修改分拣信息", false, data);
    if (!e)
        e = audit_record(c, "clue.update", CLUE_KIND, x->id, data);
    json_decref(data);
    if (!e)
        e = workflow_todos_sync(c, &clue_workflow, x->id, NULL); /* the title the to-dos show */
    return e;
}

enum err clues_update(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    struct update_args x = {id, body};
    enum err e = ctx_tx(c, "修改线索", update_tx, &x);
    return e ? e : clues_get(c, id, out);
}

enum err clues_meta(struct ctx *c, json_t **out)
{
    (void)c;
    json_t *states = json_array(), *actions = json_array();
    for (int s = 0; s < CLUE_ST__COUNT; s++)
        json_array_append_new(states, json_pack("{ss ss ss}", "name", clue_state_name((enum clue_state)s), "label",
                                                clue_state_label((enum clue_state)s), "public_status",
                                                clue_public_status((enum clue_state)s)));
    for (int a = 0; a < CLUE_ACT__COUNT; a++)
        json_array_append_new(actions, json_pack("{ss ss}", "name", wf_action_name(&clue_workflow, a), "label",
                                                 wf_action_label(&clue_workflow, a)));
    json_t *sources = json_array();
    const char *const names[] = {"public", "transfer", "staff", "contact_point"}, *shown;
    for (int i = 0; i < 4; i++)
        json_array_append_new(
            sources, json_pack("{ss ss}", "name", names[i], "label", clue_source_label(names[i], true, &shown)));
    *out = json_pack("{so so so so so so}", "categories", clue_categories_json(), "states", states, "actions", actions,
                     "close_reasons", clue_close_reasons_json(), "findings", clue_findings_json(), "sources", sources);
    return ERR_OK;
}

static enum err purge_tx(struct ctx *c, void *arg)
{
    (void)arg;
    int64_t n;
    enum err e = pow_purge(c, &n);
    return e ? e : clues_public_hits_purge(c);
}

enum err clues_sched(struct ctx *c)
{
    enum err e = ctx_tx(c, "清理人机验证记录", purge_tx, NULL);
    int closed = 100;
    while (!e && closed >= 100) /* the surveys past their closing day, a hundred at a time */
        e = surveys_sched(c, 100, &closed);
    return e;
}
