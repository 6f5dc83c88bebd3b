/* results_internal.h: what the files of src/results share (not for other modules). */
#ifndef DUCHA_RESULTS_INTERNAL_H
#define DUCHA_RESULTS_INTERNAL_H

#include "results/results.h"
#include "workflow/workflow.h"

#include <stdbool.h>

enum result_state {
    RES_ST_DRAFT,
    RES_ST_PENDING,
    RES_ST_APPROVED,
    RES_ST_ISSUED,
    RES_ST_HELD,
    RES_ST_CLOSED,
    RES_ST_REFUSED,
    RES_ST_WITHDRAWN,
    RES_ST__COUNT
};

enum result_action {
    RES_ACT_SUBMIT,
    RES_ACT_APPROVE,
    RES_ACT_RETURN,
    RES_ACT_REFUSE,
    RES_ACT_ISSUE,
    RES_ACT_RECORD_TALK,
    RES_ACT_FOLLOW_UP,
    RES_ACT_WITHDRAW,
    RES_ACT__COUNT
};

/* The body members rows require (bits of result_workflow.fields). */
enum result_field {
    RES_F_REASON = 1 << 0, /* "reason" */
    RES_F_RECORD = 1 << 1, /* "record": what was said at the talk */
    RES_F_TEXT = 1 << 2,   /* "text": the follow-up or the outcome reported back */
};

/* Conditions beyond the state. */
enum result_cond {
    RES_COND_TALK = 1, /* the record is an admonition talk */
    RES_COND_OUTCOME,  /* an accountability proposal or a referral: closed with the outcome */
    RES_COND__COUNT
};

enum result_kind { RES_PRAISE, RES_CRITICISM, RES_TALK, RES_ACCOUNTABILITY, RES_REFERRAL, RES_KIND__COUNT };

/* One result as loaded (arena strings). */
struct result {
    struct wf_obj wf; /* the engine's view (first: see result_of) */
    int64_t id, office_unit_id, unit_id, created_by, version, year;
    enum result_kind kind;
    enum result_state state;
    const char *number, *title, *content, *home_path, *unit_path, *unit_name, *unit_code, *office_name;
    const char *person, *recipient, *referral_to, *talk_by, *talk_at, *talk_place, *talk_record, *held_at;
    const char *follow_up, *created_at, *updated_at, *approved_at, *issued_at, *closed_at;
    const char *unit_paths[1];
    struct wf_part part; /* the unit concerned, the one part */
};

#define result_of(o) ((struct result *)(void *)(o))
#define RESULT_WHAT "结果运用记录"

extern const struct wf_effect result_effects[];

const char *result_kind_name(enum result_kind k);
const char *result_kind_label(enum result_kind k);
bool result_kind_parse(const char *s, enum result_kind *out);
/* The character of the kind in the number: 古督「批」〔2026〕3号. */
const char *result_kind_word(enum result_kind k);
/* True for "YYYY-MM-DD HH:MM" (a talk's planned or actual time). */
bool result_time_valid(const char *s);

/* Loads without permission checks; 404 if absent. */
enum err result_load(struct ctx *c, int64_t id, struct result *r);
/* Locks the row (a no-op write) and checks the version loaded; 409 if changed meanwhile. */
enum err result_lock(struct ctx *c, const struct result *r);
/* Appends a timeline event (data borrowed, may be NULL). */
enum err result_event(struct ctx *c, int64_t id, const char *action, int from, int to, const char *note,
                      const json_t *data);
/* Today's local date. */
void result_today(struct ctx *c, char out[11]);

#endif
