/*
 * result_effects.c: what each action of the results' workflow does besides changing the state: the
 * approval's who and when, the number and the issue date, a talk's record, the follow-up or outcome,
 * the closing date; a criticism's rectification (result_rectify.c). The engine (src/workflow) calls them inside the action's transaction, after every
 * check passed; it writes the state, the timeline (the save hook), the audit record and the to-dos.
 */
#include "results/results_internal.h"

#include "base/timeu.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define ACTOR(c) DB_INT_IF((c)->user, (c)->user ? (c)->user->id : 0)

static enum err approve(struct wf_act *a)
{
    return res_approve(a, &result_table);
}

/* issue: numbered and dated; the unit concerned (the one part) is the one told. */
static enum err issue(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct result *r = result_of(a->obj);
    char at[21];
    time_format_iso(c->now, at);
    int year;
    int64_t seq;
    enum err e =
        res_number(c, r->home_path, r->office_unit_id, arena_printf(c->arena, "result:%s", result_kind_name(r->kind)),
                   result_kind_word(r->kind), &r->number, &year, &seq);
    if (!e)
        e = db_exec(c->db, "UPDATE results SET number = ?, num_year = ?, num_seq = ?, issued_at = ? WHERE id = ?",
                    DB_TEXT(r->number), DB_INT(year), DB_INT(seq), DB_TEXT(at), DB_INT(r->id));
    if (e)
        return ctx_db_fail(c, e, "印发");
    a->concerned = 0;
    a->obj->number = r->number;
    json_object_set_new(a->data, "number", json_string(r->number));
    a->outcome = arena_printf(c->arena, "%s已经政府主要领导批准印发。", result_kind_label(r->kind));
    return result_rectify_start(a); /* a criticism: the unit's rectification deadline */
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
    [RES_ACT_APPROVE] = {approve, NULL},
    [RES_ACT_ISSUE] = {issue, NULL},
    [RES_ACT_RECORD_TALK] = {record_talk, NULL},
    [RES_ACT_FOLLOW_UP] = {follow_up, NULL},
    [RES_ACT_REFUSE] = {close_unissued, NULL},
    [RES_ACT_WITHDRAW] = {close_unissued, NULL},
    [RES_ACT_REPORT_RECTIFICATION] = {result_rectify_report, NULL},
    [RES_ACT_ACCEPT_RECTIFICATION] = {result_rectify_accept, NULL},
    [RES_ACT_RETURN_RECTIFICATION] = {result_rectify_return, NULL},
};
