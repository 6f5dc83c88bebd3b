/*
 * item_batch.c: batch actions from the ledger (批量审批、批量交办、批量催办). One action on a selection of
 * items, each taken on its own through the workflow engine (workflow_act): its own transaction, its own
 * permission and state checks, its own timeline entry, audit record, to-dos and messages. An item that
 * is refused does not stop the others; the answer lists what became of each item, in the order sent.
 */
#include "items/items_internal.h"

#include "base/check.h"

#include <inttypes.h>
#include <string.h>

const struct jv_field items_batch_spec[] = {
    {"action", JV_STRING, JV_REQUIRED, 1, 40, "批量操作"},
    {"ids", JV_INT_ARRAY, JV_REQUIRED, 0, ITEMS_BATCH_MAX, "所选事项"},
    {"text", JV_STRING, 0, 0, 10000, "催办意见"},
    {NULL, 0, 0, 0, 0, NULL},
};

/* The actions a ledger selection may take. */
static const enum item_action batch_actions[] = {ITEM_ACT_APPROVE, ITEM_ACT_ASSIGN, ITEM_ACT_PRESS};

/* May the user take `action` on some item at all: a row of the table whose capability (or the leader's
 * alternative) the user holds at some unit. Otherwise the whole batch is refused (403) at once. */
static bool may_at_all(struct ctx *c, int action)
{
    if (!c->user)
        return true;
    const struct workflow *wf = &item_workflow;
    for (int k = 0; k < wf->nrows; k++) {
        const struct wf_row *r = &wf->rows[k];
        if (r->action != action)
            continue;
        if (perm_any(c->user, r->cap) || (r->cap_cond && perm_any(c->user, r->cap_alt)))
            return true;
    }
    return false;
}

/* One item's result: {"id","ok", and when the user sees the item "number","title","state","state_label";
 * "error":{"code","message"} when refused}. The item is read again after the attempt. */
static json_t *result_of(struct ctx *c, int64_t id, enum err e)
{
    json_t *r = json_pack("{sIsb}", "id", (json_int_t)id, "ok", e == ERR_OK);
    if (e)
        json_object_set_new(
            r, "error", json_pack("{ssss}", "code", err_code(e), "message", c->msg ? c->msg : err_default_message(e)));
    c->err = ERR_OK;
    c->msg = NULL;
    c->field = NULL;
    struct item it;
    if (e != ERR_NOT_FOUND && item_load(c, id, &it) == ERR_OK && perm_item_visible(c->user, &it.scope)) {
        json_object_set_new(r, "number", item_str_or_null(it.number));
        json_object_set_new(r, "title", json_string(it.title));
        json_object_set_new(r, "state", json_string(item_state_name(it.state)));
        json_object_set_new(r, "state_label", json_string(item_state_label(it.state)));
    }
    c->err = ERR_OK;
    c->msg = NULL;
    c->field = NULL;
    return r;
}

enum err items_batch(struct ctx *c, const json_t *body, json_t **out)
{
    const char *name = jv_str(body, "action");
    enum item_action action;
    bool known = item_action_parse(name, &action);
    bool batchable = false;
    for (size_t k = 0; known && k < sizeof batch_actions / sizeof *batch_actions; k++)
        batchable |= batch_actions[k] == action;
    if (!batchable)
        return ctx_fail_field(
            c, "action", "批量操作（action）只能是 approve（审批通过）、assign（交办）或 press（催办），不能是“%s”",
            name);
    const json_t *ids = json_object_get(body, "ids");
    size_t n = json_array_size(ids);
    if (n == 0)
        return ctx_fail_field(c, "ids", "请至少选择一项督办事项（ids）");
    for (size_t i = 0; i < n; i++) {
        json_int_t id = json_integer_value(json_array_get(ids, i));
        if (id <= 0)
            return ctx_fail_field(c, "ids", "所选事项（ids）中的编号 %" PRId64 " 无效", (int64_t)id);
        for (size_t j = 0; j < i; j++)
            if (json_integer_value(json_array_get(ids, j)) == id)
                return ctx_fail_field(c, "ids", "所选事项（ids）中事项 %" PRId64 " 出现了两次", (int64_t)id);
    }
    const char *text = jv_str(body, "text");
    if (action == ITEM_ACT_PRESS && (!text || !*text))
        return ctx_fail_field(c, "text", "批量催办需要填写催办意见（text）");
    if (action != ITEM_ACT_PRESS && text)
        return ctx_fail_field(c, "text", "只有批量催办需要填写意见（text），批量%s不需要", item_action_label(action));
    if (!may_at_all(c, (int)action))
        return ctx_fail(c, ERR_FORBIDDEN, "您的角色不能批量%s督办事项", item_action_label(action));

    json_t *act_body = json_object();
    if (text)
        json_object_set_new(act_body, "text", json_string(text));
    json_t *results = json_array();
    int done = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t id = (int64_t)json_integer_value(json_array_get(ids, i));
        enum err e = workflow_act(c, &item_workflow, id, (int)action, act_body, NULL);
        done += e == ERR_OK;
        json_array_append_new(results, result_of(c, id, e));
    }
    json_decref(act_body);
    *out = json_pack("{sssssisiso}", "action", item_action_name(action), "action_label", item_action_label(action),
                     "done", done, "refused", (int)n - done, "results", results);
    return ERR_OK;
}
