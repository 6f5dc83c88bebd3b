/*
 * clue_effects.c: what each action of the clue's workflow does besides changing the state (one effect
 * function per action, registered in clue_effects[] for the engine): the verification assigned,
 * reported, recalled; a merge; the conversion into a supervision item (linked both ways, the photos
 * carried over) or into an inspection (linked both ways: the inspection's origin names the clue);
 * closing and replying with the words the reporter reads.
 */
#include "clues/clues_internal.h"

#include "calendar/workdays.h"
#include "deadlines/deadlines.h"
#include "inspections/inspections.h"
#include "items/items.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum err upd(struct ctx *c, enum err e, const char *what)
{
    return ctx_db_fail(c, e, what);
}

enum err clue_summary_confirm(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct clue *cl = clue_of(a->obj);
    const char *s = jv_str(a->body, "summary");
    if (!s) {
        if (cl->summary_reviewed)
            return ERR_OK;
        return ctx_fail_field(c, "summary",
                              "线索摘要（summary）尚未经督查室审核：「%s」前请确认摘要，%s将看到的只是摘要，其中不应有"
                              "反映人的姓名和联系方式%s",
                              wf_action_label(a->wf, a->action), a->action == CLUE_ACT_ASSIGN ? "核查单位" : "承办单位",
                              cl->summary_masked
                                  ? arena_printf(c->arena, "（已自动隐去 %d 处姓名、电话、邮箱等）", cl->summary_masked)
                                  : "");
    }
    enum err e = db_exec(c->db, "UPDATE clues SET summary = ?, summary_reviewed = 1 WHERE id = ?", DB_TEXT(s),
                         DB_INT(cl->wf.id));
    if (e)
        return upd(c, e, "确认摘要");
    cl->summary = arena_strdup(c->arena, s);
    cl->summary_reviewed = true;
    /* the timeline and the audit keep that it was confirmed, not the text (the clue keeps it) */
    json_object_del(a->data, "summary");
    json_object_set_new(a->data, "summary_confirmed", json_true());
    return ERR_OK;
}

/* assign: a verification for the unit, with its due date and the office's requirements. */
static enum err assign_before(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct clue *cl = clue_of(a->obj);
    enum err e = clue_summary_confirm(a);
    if (e)
        return e;
    int64_t unit = jv_int(a->body, "unit_id", 0);
    const char *due = jv_str(a->body, "due_date"), *req = jv_str(a->body, "request");
    const char *path = NULL, *name = NULL;
    struct stmt *st = db_query(c->db, "SELECT path, name FROM units WHERE id = ?", DB_INT(unit));
    if (st && stmt_step(st) == STORE_ROW) {
        path = arena_strdup(c->arena, stmt_text(st, 0));
        name = arena_strdup(c->arena, stmt_text(st, 1));
    }
    stmt_done(st);
    if (!path)
        return ctx_fail_field(c, "unit_id", "核查单位（unit_id）不存在");
    char at[21];
    time_format_iso(c->now, at);
    int64_t vid;
    e = db_one_int(c->db, &vid,
                   "INSERT INTO clue_verifications (clue_id, unit_id, unit_path, state, request, due_date, "
                   "assigned_by, assigned_at) VALUES (?, ?, ?, 'verifying', ?, ?, ?, ?) RETURNING id",
                   DB_INT(cl->wf.id), DB_INT(unit), DB_TEXT(path), DB_TEXT(req ? req : ""), DB_TEXT(due),
                   DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at));
    /* the unit asked to verify is not the unit the clue is about (被反映单位): a bureau verifying a complaint about a
     * market saw itself named as the one reported on */
    if (!e)
        e = db_exec(c->db, "UPDATE clues SET due_date = ? WHERE id = ?", DB_TEXT(due), DB_INT(cl->wf.id));
    if (e)
        return upd(c, e, "交办核查");
    json_object_set_new(a->data, "verification_id", json_integer(vid));
    json_object_set_new(a->data, "unit_name", json_string(name));
    a->result_id = vid;
    a->outcome = arena_printf(c->arena, "交由%s核查，请于%s前报送核查情况。", name, time_date_words(c->arena, due));
    return ERR_OK;
}

/* report: what the verifying unit found. */
static enum err report_before(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct clue *cl = clue_of(a->obj);
    const struct wf_part *p = &cl->wf.parts[a->part];
    char at[21];
    time_format_iso(c->now, at);
    const char *finding = jv_str(a->body, "finding");
    enum err e = db_exec(c->db,
                         "UPDATE clue_verifications SET state = 'verified', finding = ?, report = ?, reported_by = ?, "
                         "reported_at = ? WHERE id = ? AND state = 'verifying'",
                         DB_TEXT(finding), DB_TEXT(jv_str(a->body, "text")),
                         DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at), DB_INT(p->id));
    if (!e)
        e = db_exec(c->db, "UPDATE clues SET due_date = NULL WHERE id = ?", DB_INT(cl->wf.id));
    json_object_set_new(a->data, "finding_label", json_string(clue_finding_label(finding)));
    a->outcome = arena_printf(c->arena, "核查结论：%s。", clue_finding_label(finding));
    return upd(c, e, "报送核查情况");
}

/* recall: the verification is withdrawn from the unit (which is told). */
static enum err recall_before(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct clue *cl = clue_of(a->obj);
    const struct wf_part *p = &cl->wf.parts[0];
    enum err e = db_exec(c->db, "UPDATE clue_verifications SET state = 'recalled' WHERE id = ? AND state = 'verifying'",
                         DB_INT(p->id));
    if (!e)
        e = db_exec(c->db, "UPDATE clues SET due_date = NULL WHERE id = ?", DB_INT(cl->wf.id));
    a->concerned = 0;
    a->outcome = arena_printf(c->arena, "线索%s的核查任务已收回。", cl->wf.number);
    return upd(c, e, "收回核查");
}

/* merge: the clue joins the one it duplicates; that one's timeline records it. */
static enum err merge_before(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct clue *cl = clue_of(a->obj);
    int64_t into = jv_int(a->body, "into", 0);
    enum err e = db_exec(c->db, "UPDATE clues SET merged_into = ?, due_date = NULL WHERE id = ?", DB_INT(into),
                         DB_INT(cl->wf.id));
    if (e)
        return upd(c, e, "合并线索");
    const char *number = NULL;
    db_one_text(c->db, c->arena, &number, "SELECT number FROM clues WHERE id = ?", DB_INT(into));
    json_object_set_new(a->data, "into_number", json_string(number ? number : ""));
    json_t *d = json_pack("{sI ss}", "clue_id", (json_int_t)cl->wf.id, "number", cl->wf.number);
    e = clue_event(c, into, "comment", "merged_in", -1, -1, 0,
                   arena_printf(c->arena, "合并了同一问题的线索 %s", cl->wf.number), false, d);
    json_decref(d);
    return e;
}

/* What the clue says for the item or inspection it becomes: the summary, the place and where it came
 * from — never the reporter nor the description as the public wrote it. */
static const char *clue_matters(struct ctx *c, const struct clue *cl)
{
    return arena_printf(c->arena, "%s\n\n问题地点：%s%s%s\n（来源：线索%s%s%s）", cl->summary, cl->area_name,
                        *cl->place ? " " : "", cl->place, cl->wf.number, cl->origin_number ? "，上级转办原编号 " : "",
                        cl->origin_number ? cl->origin_number : "");
}

/* convert_item: a draft supervision item from the clue (the summary, never the reporter), linked both
 * ways: the item's source names the clue, the clue keeps the item. */
static enum err convert_item_before(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct clue *cl = clue_of(a->obj);
    const json_t *b = a->body;
    enum err e = clue_summary_confirm(a);
    if (e)
        return e;
    const char *title = jv_str(b, "title") ? jv_str(b, "title") : cl->wf.title;
    const char *req = clue_matters(c, cl);
    json_t *ib = json_pack("{ss ss ss ss sI sI ss}", "title", title, "requirement", req, "source_kind",
                           "public_complaint", "source_ref", arena_printf(c->arena, "线索%s", cl->wf.number),
                           "office_unit_id", (json_int_t)cl->office_unit_id, "lead_unit_id",
                           (json_int_t)jv_int(b, "lead_unit_id", 0), "due_date", jv_str(b, "due_date"));
    /* burden_reason: a responsible unit past its cap of items this year (减负) — the item's registration checks it
     * (a 409 without it) and records the exception with the item, decided by the item's last approval */
    const char *copy[] = {"co_unit_ids", "importance", "leader_id", "burden_reason"};
    for (int i = 0; i < 4; i++)
        if (jv_has(b, copy[i]))
            json_object_set(ib, copy[i], json_object_get(b, copy[i]));
    json_t *item = NULL;
    e = items_create(c, ib, &item);
    json_decref(ib);
    if (e)
        return e;
    int64_t item_id = json_integer_value(json_object_get(item, "id"));
    int64_t lead = jv_int(b, "lead_unit_id", 0);
    json_decref(item);
    e = db_exec(c->db,
                "UPDATE clues SET item_id = ?, due_date = NULL, unit_id = COALESCE(unit_id, ?), "
                "unit_path = COALESCE(unit_path, (SELECT path FROM units WHERE id = ?)) WHERE id = ?",
                DB_INT(item_id), DB_INT(lead), DB_INT(lead), DB_INT(cl->wf.id));
    if (e)
        return upd(c, e, "转为督办事项");
    if ((e = items_set_source_clue(c, item_id, cl->wf.id)))
        return e;
    json_t *d = json_pack("{sI ss}", "clue_id", (json_int_t)cl->wf.id, "clue_number", cl->wf.number);
    e = items_timeline_add(c, item_id, 0, "source", "from_clue",
                           arena_printf(c->arena, "由线索 %s 转为督办事项", cl->wf.number), d);
    json_decref(d);
    json_object_set_new(a->data, "item_id", json_integer(item_id));
    a->result_id = item_id;
    return e;
}

/* ... and its photos become the item's attachments (copies: the item's files are its own): those the photo
 * worker stored; one still waiting is attached by the worker when it is stored (clue_photos_to_item). */
static enum err convert_item_after(struct wf_act *a)
{
    return clue_photos_to_item(a->c, clue_of(a->obj)->wf.id, a->result_id, 0);
}

/* convert_inspection: a draft inspection of kind 线索核查 (clue) by the clue's government, of the units the
 * office names (the unit concerned when it names none), opened later on its basis like any other (a
 * proposal the principal leader approves by default, Art. 11); linked both ways: the inspection's
 * origin "clue" names the clue, the clue keeps the inspection. The inspections module checks that the
 * user runs inspections there (insp_manage) and the targets. */
static enum err convert_inspection_before(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct clue *cl = clue_of(a->obj);
    const json_t *b = a->body;
    enum err e = clue_summary_confirm(a);
    if (e)
        return e;
    json_t *targets = json_object_get(b, "target_unit_ids");
    if (targets && json_array_size(targets))
        targets = json_incref(targets);
    else if (cl->unit_id)
        targets = json_pack("[I]", (json_int_t)cl->unit_id);
    else
        return ctx_fail_field(c, "target_unit_ids", "请选择督查对象（target_unit_ids）：线索尚未确定被反映单位");
    const char *basis = jv_str(b, "basis") ? jv_str(b, "basis") : "proposal";
    if (strcmp(basis, "proposal") && strcmp(basis, "decision") && strcmp(basis, "instruction")) {
        json_decref(targets);
        return ctx_fail_field(c, "basis",
                              "督查依据（basis）应为 proposal（督查工作建议，报主要领导批准）、decision（政府决定）"
                              "或 instruction（政府行政首长指示）");
    }
    /* a proposal names the clue; a decision or an instruction its own document (the module asks for it) */
    const char *ref = jv_str(b, "basis_ref");
    if (!ref)
        ref = strcmp(basis, "proposal") ? "" : arena_printf(c->arena, "线索%s", cl->wf.number);
    json_t *methods = json_object_get(b, "methods");
    json_t *ib = json_pack(
        "{ss ss ss so ss ss sI so ss ss}", "subject", jv_str(b, "title") ? jv_str(b, "title") : cl->wf.title, "matters",
        clue_matters(c, cl), "kind", "clue", "methods", methods ? json_incref(methods) : json_pack("[s]", "onsite"),
        "basis", basis, "basis_ref", ref, "office_unit_id", (json_int_t)cl->office_unit_id, "target_unit_ids", targets,
        "start_date", jv_str(b, "start_date"), "end_date", jv_str(b, "end_date"));
    int64_t insp = 0;
    e = insp_create_in(c, ib, &insp);
    json_decref(ib);
    if (e)
        return e;
    if ((e = insp_add_origin(c, insp, "clue", cl->wf.number, cl->wf.id, cl->wf.title)))
        return e;
    e = db_exec(c->db, "UPDATE clues SET inspection_id = ?, due_date = NULL WHERE id = ?", DB_INT(insp),
                DB_INT(cl->wf.id));
    if (e)
        return upd(c, e, "转为督查");
    json_object_set_new(a->data, "inspection_id", json_integer(insp));
    a->result_id = insp;
    return ERR_OK;
}

/* close: the reason and the reply the reporter reads; the clues merged into it are answered with it. */
static enum err close_before(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct clue *cl = clue_of(a->obj);
    const char *reason = jv_str(a->body, "close_reason"), *reply = jv_str(a->body, "reply");
    enum err e = db_exec(c->db, "UPDATE clues SET close_reason = ?, public_reply = ?, due_date = NULL WHERE id = ?",
                         DB_TEXT(reason), DB_TEXT(reply), DB_INT(cl->wf.id));
    if (e)
        return upd(c, e, "办结线索");
    json_object_set_new(a->data, "close_reason_label", json_string(clue_close_reason_label(reason)));
    a->outcome = arena_printf(c->arena, "办结：%s。", clue_close_reason_label(reason));
    /* the transferred clues merged into this one are answered above together with it (all of them: read first,
     * since the deadlines write meanwhile) */
    struct stmt *st = db_query(c->db, "SELECT id FROM clues WHERE merged_into = ?", DB_INT(cl->wf.id));
    if (!st)
        return upd(c, ERR_INTERNAL, "读取合并的线索");
    int64_t *ids = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        ids = arena_grow(c->arena, ids, n, &cap, sizeof *ids);
        ids[n++] = stmt_int(st, 0);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取合并的线索");
    for (int i = 0; i < n && !e; i++)
        e = deadlines_done(c, CLUE_KIND, ids[i], 0, "transfer_reply", NULL);
    return e;
}

/* reply: words for the reporter while the clue is open. */
static enum err reply_before(struct wf_act *a)
{
    struct clue *cl = clue_of(a->obj);
    return upd(a->c,
               db_exec(a->c->db, "UPDATE clues SET public_reply = ? WHERE id = ?", DB_TEXT(jv_str(a->body, "reply")),
                       DB_INT(cl->wf.id)),
               "答复群众");
}

const struct wf_effect clue_effects[CLUE_ACT__COUNT] = {
    [CLUE_ACT_ASSIGN] = {assign_before, NULL},
    [CLUE_ACT_REPORT] = {report_before, NULL},
    [CLUE_ACT_RECALL] = {recall_before, NULL},
    [CLUE_ACT_MERGE] = {merge_before, NULL},
    [CLUE_ACT_CONVERT_ITEM] = {convert_item_before, convert_item_after},
    [CLUE_ACT_CONVERT_INSPECTION] = {convert_inspection_before, NULL},
    [CLUE_ACT_CLOSE] = {close_before, NULL},
    [CLUE_ACT_REPLY] = {reply_before, NULL},
};
