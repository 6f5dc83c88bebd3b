/*
 * handling.c: the handling report a unit owes after the completion (办理情况报告, #15). 江苏's rule for 人大代表建议
 * and 政协提案: "承办单位……在当年办理任务完成后20日内向交办单位报告办理情况". The rule (milestone handling_report,
 * counted from the completion) gives each responsible unit a milestone when the office verifies the completion
 * (item_deadlines.c); while it is open the unit's contact holds a to-do (a part of the item, item_load.c) and the
 * ladder reminds, presses and lights it like any other. The unit answers it here with the report it files to the
 * issuing office: the text and optionally a file already attached to the item. In one transaction: the milestone
 * done (late when after its day), the timeline, the audit record, the to-dos, and the office told.
 */
#include "items/items_internal.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "base/utf8.h"
#include "deadlines/deadlines.h"

#include <string.h>

const struct jv_field items_handling_report_spec[] = {
    {"text", JV_STRING, JV_REQUIRED, 1, 10000, "办理情况"},
    {"attachment_id", JV_INT, JV_NULLABLE, 1, INT64_MAX, "办理情况报告附件"},
    {NULL, 0, 0, 0, 0, NULL},
};

struct handling_args {
    int64_t item_id;
    const json_t *body;
    json_t *out;
};

/* The caller's track (*tr) and the handling report its unit owes (*ms, NULL when none); 404 when the item is not
 * visible, 403 for a caller who handles none of its units. */
static enum err caller_track(struct ctx *c, struct item *it, const struct dl_open *owed, int nowed,
                             const struct track **tr, const struct dl_open **ms)
{
    *tr = NULL;
    *ms = NULL;
    const struct track *mine = NULL;
    for (int k = 0; k < it->ntracks && !*ms; k++) {
        const struct track *t = &it->tracks[k];
        if (!c->user || !perm_at(c->user, CAP_ITEM_HANDLE, t->unit_path))
            continue;
        mine = t;
        for (int i = 0; i < nowed && !*ms; i++)
            if (owed[i].unit_id == t->unit_id)
                *ms = &owed[i];
    }
    if (!mine) { /* 404 when not visible, else 403 */
        enum err e = perm_require_item(c, CAP_ITEM_HANDLE, &it->scope, it->tracks[0].unit_path, ITEM_WHAT);
        return e ? e : ctx_fail(c, ERR_FORBIDDEN, "只有承办单位可以报告办理情况");
    }
    *tr = mine;
    return perm_require_item(c, CAP_ITEM_HANDLE, &it->scope, mine->unit_path, ITEM_WHAT);
}

static enum err handling_tx(struct ctx *c, void *arg)
{
    struct handling_args *a = arg;
    json_decref(a->out); /* a retried transaction starts again */
    a->out = NULL;
    struct item it;
    enum err e = item_load_locked(c, a->item_id, &it);
    if (e)
        return e;
    if (!it.ntracks) /* no responsible unit: nobody owes a report */
        return ctx_fail(c, ERR_FORBIDDEN, "只有承办单位可以报告办理情况");
    struct dl_open *owed;
    int nowed;
    const struct track *tr;
    const struct dl_open *ms;
    if ((e = deadlines_open_of_kind(c, "item", it.id, ms_kind_name(MS_HANDLING_REPORT), &owed, &nowed)) ||
        (e = caller_track(c, &it, owed, nowed, &tr, &ms)))
        return e;
    if (!ms)
        return ctx_fail(
            c, ERR_CONFLICT,
            "%s没有待报告的办理情况：办理情况报告在事项审核办结后报送（人大代表建议、政协提案办结后20日内）",
            tr->unit_name);
    const char *text = jv_str(a->body, "text");
    int64_t att = jv_int(a->body, "attachment_id", 0), found;
    const char *filename = NULL;
    if (att) {
        e = db_one_text(c->db, c->arena, &filename, "SELECT filename FROM attachments WHERE id = ? AND item_id = ?",
                        DB_INT(att), DB_INT(it.id));
        if (e == ERR_NOT_FOUND)
            return ctx_fail_field(c, "attachment_id", "办理情况报告附件（attachment_id）%lld 不是该事项的附件",
                                  (long long)att);
        if (e)
            return ctx_db_fail(c, e, "读取附件");
    }
    bool done;
    if ((e = item_lock(c, &it)) ||
        (e = deadlines_done(c, "item", it.id, tr->unit_id, ms_kind_name(MS_HANDLING_REPORT), &done)))
        return e;
    char at[21], today[11];
    time_format_iso(c->now, at);
    item_today(c, today);
    bool late = strcmp(today, ms->due_date) > 0;
    e = db_one_int(c->db, &found, "UPDATE items SET version = version + 1, updated_at = ? WHERE id = ? RETURNING id",
                   DB_TEXT(at), DB_INT(it.id));
    if (e)
        return ctx_db_fail(c, e, "报告办理情况");
    json_t *data = json_pack("{sI ss ss sb}", "milestone_id", (json_int_t)ms->id, "due_date", ms->due_date, "unit",
                             tr->unit_name, "late", late);
    if (att)
        json_object_set_new(data, "attachment_id", json_integer(att));
    if (filename)
        json_object_set_new(data, "attachment_name", json_string(filename));
    e = item_event(c, it.id, "handling", "handling_report", -1, -1, tr->id, tr->unit_id, text, data);
    if (!e)
        e = audit_record(c, "item.handling_report", "item", it.id, data);
    if (!e)
        e = workflow_todos_sync(c, &item_workflow, it.id, NULL);
    if (!e) { /* the issuing office receives the report */
        static const struct wf_who office = {ROLE_OFFICE, WF_AT_HOME, 0, false};
        struct notice n = {.kind = MSG_RESULT, .urgent = false, .object_type = item_workflow.name, .object_id = it.id};
        n.subject = arena_printf(c->arena, "【办理情况报告】%s%s《%s》", tr->unit_name, it.number ? it.number : "",
                                 utf8_inner_title(c->arena, it.title));
        n.body = arena_printf(c->arena, "%s报告办理情况（应于%s前报告%s）：%s%s%s", tr->unit_name, ms->due_date,
                              late ? "，已逾期" : "", text, filename ? "。附件：" : "", filename ? filename : "");
        e = workflow_tell(c, &it.wf, NULL, &office, &n);
    }
    if (!e) {
        json_object_set_new(data, "item_id", json_integer(it.id));
        json_object_set_new(data, "unit_id", json_integer(tr->unit_id));
        json_object_set_new(data, "text", json_string(text));
        json_object_set_new(data, "reported_at", json_string(at));
        a->out = json_incref(data);
    }
    json_decref(data);
    return e;
}

enum err items_handling_report(struct ctx *c, int64_t item_id, const json_t *body, json_t **out)
{
    struct handling_args a = {item_id, body, NULL};
    enum err e = ctx_tx(c, "报告办理情况", handling_tx, &a);
    if (e) {
        json_decref(a.out);
        return e;
    }
    *out = a.out;
    return ERR_OK;
}
