/*
 * result_effects.c: what each action of the results' workflow does besides changing the state: the
 * approval's who and when, the number and the issue date, a talk's record, the follow-up or outcome,
 * the closing date. The engine (src/workflow) calls them inside the action's transaction, after every
 * check passed; it writes the state, the timeline (the save hook), the audit record and the to-dos.
 */
#include "results/results_internal.h"

#include "base/timeu.h"
#include "core/counter.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define ACTOR(c) DB_INT_IF((c)->user, (c)->user ? (c)->user->id : 0)

/* approve: who approved and when (the principal leader; the engine checked the role). */
static enum err approve(struct wf_act *a)
{
    struct ctx *c = a->c;
    char at[21];
    time_format_iso(c->now, at);
    enum err e = db_exec(c->db, "UPDATE results SET approved_by = ?, approved_at = ? WHERE id = ?", ACTOR(c),
                         DB_TEXT(at), DB_INT(a->obj->id));
    return ctx_db_fail(c, e, "批准结果运用记录");
}

/* The number 古督批〔2026〕3号: the office's prefix (or its government's), the kind's character, one
 * gap-free counter per office, kind and year. */
static enum err assign_number(struct ctx *c, struct result *r)
{
    char today[11];
    result_today(c, today);
    int year = atoi(today);
    const char *prefix = NULL;
    enum err e = db_one_text(c->db, c->arena, &prefix,
                             "SELECT prefix FROM units WHERE ? >= path AND SUBSTR(?, 1, LENGTH(path)) = path "
                             "AND prefix <> '' ORDER BY depth DESC LIMIT 1",
                             DB_TEXT(r->home_path), DB_TEXT(r->home_path));
    if (e && e != ERR_NOT_FOUND)
        return ctx_db_fail(c, e, "分配编号");
    const char *first = NULL;
    if (!db_one_text(c->db, c->arena, &first, "SELECT prefix FROM units WHERE id = ? AND prefix <> ''",
                     DB_INT(r->office_unit_id)))
        prefix = first;
    int64_t seq;
    if ((e = counter_next(
             c, arena_printf(c->arena, "result:%s:%" PRId64 ":%d", result_kind_name(r->kind), r->office_unit_id, year),
             &seq)))
        return e;
    r->number =
        arena_printf(c->arena, "%s督%s〔%d〕%" PRId64 "号", prefix ? prefix : "", result_kind_word(r->kind), year, seq);
    e = db_exec(c->db, "UPDATE results SET number = ?, num_year = ?, num_seq = ? WHERE id = ?", DB_TEXT(r->number),
                DB_INT(year), DB_INT(seq), DB_INT(r->id));
    return ctx_db_fail(c, e, "分配编号");
}

/* issue: numbered and dated; the unit concerned (the one part) is the one told. */
static enum err issue(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct result *r = result_of(a->obj);
    char at[21];
    time_format_iso(c->now, at);
    enum err e = assign_number(c, r);
    if (!e)
        e = db_exec(c->db, "UPDATE results SET issued_at = ? WHERE id = ?", DB_TEXT(at), DB_INT(r->id));
    if (e)
        return ctx_db_fail(c, e, "印发");
    a->concerned = 0;
    a->obj->number = r->number;
    json_object_set_new(a->data, "number", json_string(r->number));
    a->outcome = arena_printf(c->arena, "%s已经政府主要领导批准印发。", result_kind_label(r->kind));
    return ERR_OK;
}

/* record_talk: the record and when it was held (now, unless held_at says when). */
static enum err record_talk(struct wf_act *a)
{
    struct ctx *c = a->c;
    const char *held = jv_str(a->body, "held_at");
    char now[21];
    time_format_iso(c->now, now);
    if (!held) {
        char today[11];
        result_today(c, today);
        int mins = time_local_minutes_of_day(c->now);
        held = arena_printf(c->arena, "%s %02d:%02d", today, mins / 60, mins % 60);
        json_object_set_new(a->data, "held_at", json_string(held));
    }
    enum err e = db_exec(c->db, "UPDATE results SET talk_record = ?, held_at = ? WHERE id = ?",
                         DB_TEXT(jv_str(a->body, "record")), DB_TEXT(held), DB_INT(a->obj->id));
    return ctx_db_fail(c, e, "记录约谈情况");
}

/* follow_up: the follow-up (a talk's rectification) or the outcome reported back; closed. */
static enum err follow_up(struct wf_act *a)
{
    struct ctx *c = a->c;
    char at[21];
    time_format_iso(c->now, at);
    enum err e = db_exec(c->db, "UPDATE results SET follow_up = ?, closed_at = ? WHERE id = ?",
                         DB_TEXT(jv_str(a->body, "text")), DB_TEXT(at), DB_INT(a->obj->id));
    return ctx_db_fail(c, e, "记录跟踪反馈");
}

/* refuse, withdraw: the record ends without taking effect. */
static enum err close_unissued(struct wf_act *a)
{
    struct ctx *c = a->c;
    char at[21];
    time_format_iso(c->now, at);
    if (a->action == RES_ACT_REFUSE)
        a->outcome = arena_printf(c->arena, "政府主要领导不予批准：%s", jv_str(a->body, "reason"));
    enum err e = db_exec(c->db, "UPDATE results SET closed_at = ? WHERE id = ?", DB_TEXT(at), DB_INT(a->obj->id));
    return ctx_db_fail(c, e, "结束结果运用记录");
}

/* submit and return only change the state and the timeline. */
const struct wf_effect result_effects[RES_ACT__COUNT] = {
    [RES_ACT_APPROVE] = {approve, NULL},         [RES_ACT_ISSUE] = {issue, NULL},
    [RES_ACT_RECORD_TALK] = {record_talk, NULL}, [RES_ACT_FOLLOW_UP] = {follow_up, NULL},
    [RES_ACT_REFUSE] = {close_unissued, NULL},   [RES_ACT_WITHDRAW] = {close_unissued, NULL},
};
