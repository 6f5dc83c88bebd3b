/* insp_internal.h: what the files of src/inspections share (not for other modules). */
#ifndef DUCHA_INSP_INTERNAL_H
#define DUCHA_INSP_INTERNAL_H

#include "core/hooks.h"
#include "inspections/inspections.h"

#include <stdbool.h>

/* json_pack that names a format mistake (file, line, jansson's text) in the log and asserts in debug
 * builds, instead of silently returning NULL. */
json_t *insp_pack(const char *file, int line, const char *fmt, ...);
#define json_pack(...) insp_pack(__FILE__, __LINE__, __VA_ARGS__)

#define INSP_WHAT "督查"
#define PLAN_WHAT "年度督查计划"
#define RECT_WHAT "整改任务"
#define RECT_LINK "/inspections/rectifications/%lld" /* the task's page: its to-dos and ladder messages open it */
#define REVIEW_WHAT "复核申请"

/* ---- the inspection workflow's names (insp_workflow.c) ---- */
enum insp_state {
    INSP_ST_DRAFT,
    INSP_ST_PROPOSED,
    INSP_ST_OPENED,
    INSP_ST_SCHEME_SUBMITTED,
    INSP_ST_SCHEME_APPROVED,
    INSP_ST_IN_PROGRESS,
    INSP_ST_FINDINGS_SUBMITTED,
    INSP_ST_FINDINGS_ISSUED,
    INSP_ST_CONCLUDED,
    INSP_ST_CONCLUSION_RECEIVED,
    INSP_ST_CLOSED,
    INSP_ST_WITHDRAWN,
    INSP_ST_MERGED,
    INSP_ST__COUNT
};

enum insp_action {
    INSP_ACT_SUBMIT,
    INSP_ACT_APPROVE,
    INSP_ACT_RETURN,
    INSP_ACT_OPEN,
    INSP_ACT_FILE,
    INSP_ACT_SUBMIT_SCHEME,
    INSP_ACT_APPROVE_SCHEME,
    INSP_ACT_RETURN_SCHEME,
    INSP_ACT_START,
    INSP_ACT_START_COVERT,
    INSP_ACT_REQUEST_WIDENING,
    INSP_ACT_DECIDE_WIDENING,
    INSP_ACT_SUBMIT_FINDINGS,
    INSP_ACT_RETURN_FINDINGS,
    INSP_ACT_ISSUE_FINDINGS,
    INSP_ACT_ISSUE_CONCLUSION,
    INSP_ACT_RECEIVE_CONCLUSION,
    INSP_ACT_SEND_REPORT,
    INSP_ACT_CLOSE,
    INSP_ACT_WITHDRAW,
    INSP_ACT_MERGE,
    INSP_ACT_JOIN,
    INSP_ACT_COMMENT,
    INSP_ACT__COUNT
};

/* Required body members (bits of insp_workflow.fields). */
enum insp_field {
    INSP_F_REASON = 1 << 0,
    INSP_F_TEXT = 1 << 1,
    INSP_F_APPROVE = 1 << 2,
    INSP_F_INTO = 1 << 3,
};

enum insp_cond {
    INSP_COND_SELF_AUTHORISED = 1, /* may be opened without the head's approval */
    INSP_COND_UNFILED,             /* outside the plan and not filed yet */
    INSP_COND_OVERT,
    INSP_COND_COVERT,
    INSP_COND_PENDING_WIDENING,
    INSP_COND_NO_PENDING_WIDENING,
    INSP_COND_TEAM_LEADER,  /* the user leads the team */
    INSP_COND_REPORT_DRAFT, /* a report draft is saved */
    INSP_COND_CLOSABLE,     /* every task verified, no review open */
    INSP_COND__COUNT
};

/* Parts: the targets (tracks, kind 0) and the side parts that may wait on someone. */
enum insp_part { INSP_PART_TARGET, INSP_PART_WIDENING, INSP_PART_MEMBER, INSP_PART_ENGAGEMENT, INSP_PART__COUNT };
enum { INSP_SIDE_PENDING };
enum { INSP_PERSON_LEADER };

const char *insp_state_name(int s);
const char *insp_state_label(int s);

/* ---- shared helpers (insp_common.c) ---- */

/* Text of a column copied into the arena, NULL for SQL NULL. */
const char *insp_col(struct ctx *c, struct stmt *st, int col);
/* Today's local date (the test clock's). */
void insp_today(struct ctx *c, char out[11]);
/* The year of a "YYYY-MM-DD" date (0 if malformed). */
int insp_year(const char *date);
/* True if path lies in the subtree of ancestor (both materialized paths). */
bool insp_within(const char *path, const char *ancestor);
/* The id of the unit at the end of a materialized path ("/1/7/45/" -> 45). */
int64_t insp_path_id(const char *path);

struct insp_unit {
    int64_t id;
    const char *path, *name, *kind, *prefix;
};
/* Loads a unit (no scope check); ERR_INVALID naming field when it does not exist. */
enum err insp_unit(struct ctx *c, int64_t id, const char *field, struct insp_unit *out);
/* The nearest government at or above path (itself when it is one); ERR_INVALID when there is none. */
enum err insp_government_of(struct ctx *c, const char *path, struct insp_unit *out);

/* Appends a timeline event (data borrowed, may be NULL). */
enum err insp_event(struct ctx *c, const char *type, int64_t id, const char *kind, const char *action, const char *from,
                    const char *to, int64_t part_id, int64_t unit_id, const char *note, const json_t *data);

/* Settings (settings row "inspections", JSON), with defaults. */
struct insp_settings {
    double cap_factor;    /* this year's total ≤ last year's × factor (the 2024 rules: 0.5) */
    int review_days;      /* a review may be asked for within this many days of receipt (Art. 17: 30) */
    bool review_workdays; /* counted in working days (else calendar days, moved off rest days) */
    int decide_days;      /* the government decides within (Art. 17: 30) */
    bool decide_workdays; /* likewise */
    int lookback_months;  /* a rebounding finding is looked at again this many months after verification */
    double dup_threshold; /* bigram similarity at which an inspection counts as a duplicate */
    int unit_cap;         /* inspections a unit receives a year, every issuer together (减负); 0: no cap */
    int request_cap;      /* items (督办通知 with their reports) a unit receives a year, every issuer; 0: no cap */
};
enum err insp_settings_load(struct ctx *c, struct insp_settings *out);
/* The same in two halves: the read sent ahead (stmt_send, travels with the statements sent after it), and the
 * settings from it (finishes st; NULL st: the failure to prepare it). */
struct stmt *insp_settings_send(struct ctx *c);
enum err insp_settings_take(struct ctx *c, struct stmt *st, struct insp_settings *out);
/* The day n days (working days when workdays) after from; calendar days landing on a rest day move
 * to the next working day. */
enum err insp_due_after(struct ctx *c, const char *from, int n, bool workdays, char out[11]);

/* Kinds, methods and bases: validity and labels. */
bool insp_kind_valid(const char *k);
const char *insp_kind_label(const char *k);
const char *insp_basis_label(const char *b);
/* Validates a JSON array of method names into ",a,b," (arena); 422 naming the field. */
enum err insp_methods_parse(struct ctx *c, const json_t *arr, const char *field, const char **out);
json_t *insp_methods_json(const char *methods);
const char *insp_methods_label(struct ctx *c, const char *methods);
bool insp_has_method(const char *methods, const char *m);
/* 中文 of an inspector kind ("expert" -> "专家学者"), NULL if unknown. */
const char *insp_inspector_kind_label(const char *k);

/* Validates unit ids (a JSON array) as targets below the government at home_path: existing, distinct,
 * inside its subtree, 1..max. *ids and *paths in the arena. 422 naming field. */
enum err insp_units_parse(struct ctx *c, const json_t *arr, const char *field, const char *home_path, int max,
                          int64_t **ids, const char ***paths, int *n);

/* A number from a gap-free counter: "{prefix}{series}〔{year}〕{n}号" for the office unit. */
enum err insp_number(struct ctx *c, int64_t office_unit_id, const char *office_path, const char *series, int year,
                     const char **out, int64_t *seq);

/* The dates that light a due date (today, the last yellow day) and the light: "red" overdue, "yellow"
 * within cfg->yellow_days working days, "green", "none" when not running. */
void insp_light_dates(struct ctx *c, char today[11], char yellow[11]);
const char *insp_light(const char *due, bool running, const char *today, const char *yellow);

/* Users' names ("张三") by id; "" when unknown. */
const char *insp_user_name(struct ctx *c, int64_t user_id);

/* The JSON body member as an int64 array (arena); n = 0 when absent. */
int64_t *insp_int_array(struct ctx *c, const json_t *arr, int *n);

/* ---- bigrams (dup.c) ---- */
/* Distinct bigrams of text (code points, ASCII lower-cased, whitespace and punctuation dropped), sorted. */
int insp_bigrams(struct arena *a, const char *text, const char ***out);
/* Dice coefficient of two sorted bigram sets (0..1). */
double insp_dice(const char *const *a, int na, const char *const *b, int nb);
/* Rewrites the duplicate index rows of one object (kind "entry" or "inspection"); n = 0 removes them. */
enum err insp_dup_index(struct ctx *c, const char *kind, int64_t id, const int64_t *units, int n, const char *start,
                        const char *end);
/* The duplicates of a would-be inspection as JSON (what insp_duplicates replies). */
struct dup_probe {
    const char *subject, *matters, *start, *end;
    const int64_t *units;
    int nunits;
    const char *exclude_kind;
    int64_t exclude_id;
    const char *home_path; /* the office the proposal would belong to (merge or join) */
};
enum err insp_dup_find(struct ctx *c, const struct dup_probe *p, json_t **out);

/* ---- caps (caps.c) ---- */
struct caps_figures {
    int year;
    int64_t baseline; /* -1: unknown */
    bool baseline_declared;
    double factor;
    int64_t cap; /* -1: no cap (no baseline) */
    int64_t planned, unplanned, total;
};
enum err insp_caps_figures(struct ctx *c, int64_t office_unit_id, int year, struct caps_figures *out);
/*
 * Checks the caps for one more inspection (or plan entry) of the office in year: the total (adding
 * `adding` to what is counted now) and, for a comprehensive one, the once-a-year rule for each
 * organiser and target. When a rule is broken: with a reason, a recorded exception (requested, or
 * approved at once when approve), else 409 with a sentence that names the numbers and the way out.
 */
enum { CAPS_TOTAL = 1, CAPS_COMPREHENSIVE = 2, CAPS_UNIT = 4 };
struct caps_check {
    int64_t office_unit_id;
    int year;
    int adding;       /* 1 for one more inspection; 0 when it is already counted */
    unsigned rules;   /* CAPS_TOTAL | CAPS_COMPREHENSIVE | CAPS_UNIT */
    const char *kind; /* comprehensive? */
    const int64_t *organisers, *targets;
    int norganisers, ntargets;
    const char *object_type; /* "plan", "entry", "inspection" */
    int64_t object_id, self_entry;
    const char *reason; /* the exception asked for, or NULL */
    bool approve;       /* the approver records it as approved at once */
};
enum err insp_caps_check(struct ctx *c, const struct caps_check *k);
/* The inspections each unit receives in a year from every issuer (burden_check.c): opened and live ones naming it
 * or its government (the nearest unit of kind government strictly above it: an inspection of a county reaches its
 * departments and townships) as a
 * target, each once (a covert visit once its findings are issued, else not yet), and the plans' included proposals
 * naming it or its government that are no inspection yet; the inspection and the entry given (0: none) left out.
 * With the cap that applies to it: its nearest government's (itself or an ancestor) with one, from that
 * government's name; else the system-wide settings unit_cap, from NULL; 0: no cap. *out: n rows (arena) in the
 * order of units, read in one round trip for all of them; a unit that does not exist fails the read. */
struct insp_burden {
    const char *name;
    int64_t count;
    int cap;
    const char *from;
};
enum err insp_units_burden(struct ctx *c, const int64_t *units, int n, int year, int64_t self_insp, int64_t self_entry,
                           struct insp_burden **out);
/* The burden warnings for an inspection or entry on units in [start, end] (the objects given left out): a cap
 * warning per unit at or one short of settings unit_cap, an overlap per other live inspection or entry on it;
 * rows_out (may be NULL) gets each unit's count. */
enum err insp_burden_warnings(struct ctx *c, const int64_t *units, int n, const char *start, const char *end,
                              int64_t ex_insp, int64_t ex_entry, json_t **rows_out, json_t **out);
/* The same check for an item's 督办通知 (hooks_burden_send/_take/_drop, struct burden_request): each unit's items this year against
 * settings request_cap, the overlapping inspections and entries, and other issuers' running items on it in the
 * window; with r->check a unit past the cap needs r->reason, recorded as an exception (rule `request`). */
struct burden_sent *insp_request_burden_send(struct ctx *c, const struct burden_request *r);
enum err insp_request_burden_take(struct ctx *c, const struct burden_request *r, struct burden_sent *s,
                                  json_t **warnings);
void insp_request_burden_drop(struct burden_sent *s);
/* A broken cap rule on k's object (caps.c): passes when an exception is approved or requested; with k->reason
 * records one; else a 409 with refusal. */
enum err insp_caps_broken(struct ctx *c, const struct caps_check *k, const char *rule, const char *detail,
                          const char *refusal);
/* Approves (or refuses) the exceptions requested for an object. */
enum err insp_exceptions_decide(struct ctx *c, const char *object_type, int64_t object_id, bool approve);
json_t *insp_exceptions_json(struct ctx *c, const char *object_type, int64_t object_id);

/* ---- the inspection as loaded (insp.c) ---- */
struct insp_target {
    int64_t id, unit_id;
    const char *unit_path, *unit_name, *unit_code, *received_at;
    int state; /* an insp_state once the conclusion is issued, else -1 */
};
struct insp_org {
    int64_t unit_id, joined_from;
    const char *unit_path, *unit_name;
    bool lead;
};
struct insp_member {
    int64_t id, inspector_id, user_id, unit_id;
    const char *role, *name, *kind, *note;
};
struct insp {
    struct wf_obj wf; /* the engine's view (first: see insp_of) */
    int64_t id, office_unit_id, plan_entry_id, team_leader_id, entrusted_unit_id, merged_into, created_by, version;
    int64_t year, conclusion_by, filed_to, scheme_approved_by;
    const char *number, *office_path, *office_name, *subject, *matters, *kind, *methods, *basis, *basis_ref;
    const char *start_date, *end_date, *designation, *scheme_content, *scheme_scope, *scheme_approved_at;
    const char *filed_at, *started_at, *findings_issued_at, *conclusion_number, *conclusion_text, *conclusion_date;
    const char *report_text, *report_sent_at, *closed_at, *created_at, *updated_at, *entrusted_name;
    const char *team_leader_name;
    bool covert, task_force;
    int state;
    struct insp_target *targets;
    int ntargets;
    struct insp_org *orgs;
    int norgs;
    struct insp_member *team;
    int nteam;
    struct perm_item scope;
    int64_t pending_widening; /* id, 0 none, -1 not read yet */
};
#define insp_of(o) ((struct insp *)(void *)(o))

/* The hook items call when one is listed for inspection: a proposal (督查工作建议) of a 个案督查 of its units,
 * linked to it (origin "item"), created on the system's authority inside the caller's transaction. */
struct escalation;
enum err insp_escalated(struct ctx *c, const struct escalation *x, int64_t *inspection_id);

/* Loads without permission checks; 404 ("督查不存在或无权查看") when absent. Its four reads (the row, targets,
 * organisers, team) travel together: one round trip on PostgreSQL. */
enum err insp_load(struct ctx *c, int64_t id, struct insp *it);
/* The same in two halves, so that several inspections' reads travel together: send each, then take each (every
 * one sent must be taken: it finishes the statements). */
struct insp_sent {
    int64_t id;
    struct stmt *st[4];
};
void insp_load_send(struct ctx *c, int64_t id, struct insp_sent *s);
enum err insp_load_take(struct ctx *c, struct insp_sent *s, struct insp *it);
/* Loads and requires visibility: the same 404 for the invisible (a secret 暗访 included). */
enum err insp_load_visible(struct ctx *c, int64_t id, struct insp *it);
/* With the side parts that may wait on someone (a pending widening, team members, engagements). */
enum err insp_load_waits(struct ctx *c, struct insp *it);
/* Row lock and version check (409 if it changed since loaded). */
enum err insp_lock(struct ctx *c, const struct insp *it);
json_t *insp_json(struct ctx *c, struct insp *it);
/* The team's user ids (leader, members and outside members with accounts, engaged evaluators' users). */
bool insp_on_team(const struct insp *it, int64_t user_id);
/* May the user work on the inspection's ground (a team member, or the office running it)? */
bool insp_field_allowed(struct ctx *c, const struct insp *it);
/* True while the targets must learn nothing of it (暗访 before the findings are issued). */
bool insp_secret(const struct insp *it);
/* The timeline event and the state for one transition (the engine's save hook). */
extern const struct wf_effect insp_effects[];
/* Sets the targets to units (add_only: adds the new ones and keeps the rest, as after the scheme froze). */
enum err insp_targets_set(struct ctx *c, struct insp *it, const int64_t *units, const char **paths, int n,
                          bool add_only);
/* Rewrites the inspection's duplicate index rows (live states only). */
enum err insp_dup_refresh(struct ctx *c, const struct insp *it);
/* The ids of the findings in draft (for issue_findings), and of the tasks (for close). */
enum err insp_findings_issue(struct ctx *c, struct insp *it);
bool insp_closable(struct ctx *c, const struct insp *it);

/* ---- plans (plan.c, plan_workflow.c) ---- */
enum plan_state { PLAN_ST_DRAFTING, PLAN_ST_SUBMITTED, PLAN_ST_APPROVED, PLAN_ST_FILED, PLAN_ST__COUNT };
enum plan_action {
    PLAN_ACT_SUBMIT,
    PLAN_ACT_APPROVE,
    PLAN_ACT_RETURN,
    PLAN_ACT_FILE,
    PLAN_ACT_INCLUDE_ENTRY,
    PLAN_ACT_REJECT_ENTRY,
    PLAN_ACT_MERGE_ENTRY,
    PLAN_ACT_COMMENT,
    PLAN_ACT__COUNT
};
enum plan_field {
    PLAN_F_REASON = 1 << 0,
    PLAN_F_ENTRY = 1 << 1,
    PLAN_F_INTO = 1 << 2,
    PLAN_F_TEXT = 1 << 3,
};
enum plan_cond { PLAN_COND_PENDING_ENTRY = 1, PLAN_COND_NO_PENDING_ENTRY, PLAN_COND__COUNT };
enum plan_part { PLAN_PART_NONE, PLAN_PART_ENTRY, PLAN_PART__COUNT };

struct plan {
    struct wf_obj wf;
    int64_t id, office_unit_id, approved_by, filed_to, created_by, version, year, baseline;
    const char *office_path, *office_name, *title, *baseline_note, *proposals_due, *approved_at, *filed_at;
    const char *created_at, *updated_at;
    int state;
    int64_t npending; /* -1: not counted yet */
    struct perm_item scope;
};
#define plan_of(o) ((struct plan *)(void *)(o))
enum err plan_load(struct ctx *c, int64_t id, struct plan *p);
enum err plan_load_waits(struct ctx *c, struct plan *p);
extern const struct wf_effect plan_effects[];
/* The entry of the plan named by the body's entry_id (or into_id), in state `state` (NULL: any). */
struct entry {
    int64_t id, plan_id, organiser_unit_id, inspection_id;
    const char *subject, *matters, *kind, *methods, *organiser_path, *organiser_name, *co_organisers;
    const char *start_date, *end_date, *state, *exception_reason;
    int64_t *targets;
    const char **target_paths, **target_names;
    int ntargets;
};
/* An entry's reads (its row and targets, and with_plan its plan's row), sent together: one round trip on
 * PostgreSQL for one entry or many; entry_load_take reads them (p NULL when not with_plan). */
struct entry_sent {
    struct stmt *st[3];
};
void entry_load_send(struct ctx *c, int64_t id, bool with_plan, struct entry_sent *s);
enum err entry_load_take(struct ctx *c, struct entry_sent *s, struct entry *e, struct plan *p);
/* The entry (404 when there is none), and its plan when p is not NULL. */
enum err entry_load(struct ctx *c, int64_t id, struct entry *e, struct plan *p);
/* May the user see the entry (the office side of its plan, its organisers, never a secret target)? */
bool entry_visible(struct ctx *c, const struct plan *p, const struct entry *e);

/* ---- rectification tasks (rect.c, rect_workflow.c) ---- */
enum rect_state {
    RECT_ST_ASSIGNED,
    RECT_ST_RECTIFYING,
    RECT_ST_SIGNING,
    RECT_ST_SUBMITTED,
    RECT_ST_VERIFIED,
    RECT_ST_WITHDRAWN,
    RECT_ST__COUNT
};
enum rect_action {
    RECT_ACT_RECEIVE,
    RECT_ACT_REPORT,
    RECT_ACT_SUBMIT,
    RECT_ACT_SIGN,
    RECT_ACT_RETURN_REPORT,
    RECT_ACT_VERIFY,
    RECT_ACT_RETURN,
    RECT_ACT_CLOSE_NOW,
    RECT_ACT_WITHDRAW,
    RECT_ACT_COMMENT,
    RECT_ACT__COUNT
};
struct rect {
    struct wf_obj wf;
    int64_t id, finding_id, inspection_id, office_unit_id, unit_id, version, verified_by;
    const char *number, *title, *requirement, *due_date, *office_path, *unit_path, *unit_name, *unit_code;
    const char *received_at, *report_text, *verify_text, *verified_at, *created_at, *updated_at;
    const char *insp_number, *insp_subject;
    int state, progress;
    bool immediate, rebound, escalated;
    struct wf_part track;
    struct perm_item scope;
    const char *unit_paths[1];
    int64_t *team;
    int nteam;
};
#define rect_of(o) ((struct rect *)(void *)(o))
enum err rect_load(struct ctx *c, int64_t id, struct rect *r);
/* The progress the task shows: 100 once the unit head has signed the report, else the last reported percent. */
int rect_progress(const struct rect *r);
/* Creates the task of an issued finding (in its inspection's transaction). immediate: closed at once
 * with the finding's fix note (立行立改). */
enum err rect_create(struct ctx *c, const struct insp *it, int64_t finding_id, int64_t unit_id, const char *unit_path,
                     const char *title, const char *requirement, const char *due, bool immediate, bool rebound,
                     const char *fix_note, int64_t *out);
/* Open tasks of an inspection (not verified or withdrawn). */
enum err rect_open_count(struct ctx *c, int64_t inspection_id, int64_t *n);
/* The task's deadline on the clocks (rect_deadlines.c): started when the task is created (not for a fix
 * on the spot), then moved by the workflow's actions (the rect workflow's on_action hook). */
enum err rect_deadline_start(struct ctx *c, int64_t id, int64_t unit_id, const char *unit_path, const char *due);
enum err rect_deadlines(struct wf_act *a);
/* Registers the deadlines owner "rectification" (start-up). */
void rect_register_owner(void);

/* ---- reviews (review.c, review_workflow.c) ---- */
enum review_state {
    REVIEW_ST_REQUESTED,
    REVIEW_ST_ACCEPTED,
    REVIEW_ST_DECIDED,
    REVIEW_ST_REJECTED,
    REVIEW_ST_WITHDRAWN,
    REVIEW_ST__COUNT
};
enum review_action {
    REVIEW_ACT_ACCEPT,
    REVIEW_ACT_REJECT,
    REVIEW_ACT_DECIDE,
    REVIEW_ACT_WITHDRAW,
    REVIEW_ACT_COMMENT,
    REVIEW_ACT__COUNT
};
struct review {
    struct wf_obj wf;
    int64_t id, inspection_id, target_id, office_unit_id, unit_id, requested_by, decided_by, version;
    const char *office_path, *unit_path, *unit_name, *reason, *received_on, *request_due, *requested_at;
    const char *decide_due, *result, *decision_text, *decided_at, *created_at, *updated_at;
    const char *insp_number, *insp_subject, *conclusion_number;
    int state;
    struct wf_part track;
    struct perm_item scope;
    const char *unit_paths[1];
    int64_t *recused;
    int nrecused;
};
#define review_of(o) ((struct review *)(void *)(o))
enum err review_load(struct ctx *c, int64_t id, struct review *r);
/* Open reviews of an inspection (requested or accepted). */
enum err review_open_count(struct ctx *c, int64_t inspection_id, int64_t *n);

/* Brings an object's stored to-dos in line after a change made outside workflow_act (a proposal, a
 * task created, a review requested), inside the caller's transaction. */
enum err insp_sync(struct ctx *c, const struct workflow *wf, int64_t id);
/* A hand-off outside workflow_act (an object created, a request made): the object's to-dos brought in
 * line, and n (as a MSG_TODO) sent to exactly the people who must act on it now. */
enum err insp_handoff(struct ctx *c, const struct workflow *wf, int64_t id, struct notice *n);

/* Takes a workflow action by name on any of the four workflows and replies with the object's JSON
 * through get (insp_plan_get …). 404 for an unknown action name. */
enum err insp_act_named(struct ctx *c, const struct workflow *wf, int64_t id, const char *action, const json_t *body,
                        enum err (*get)(struct ctx *c, int64_t id, json_t **out), json_t **out);

/* The save hook body all four workflows share: state, version, updated_at of table, then the
 * timeline event of the transition. */
enum err insp_save_state(struct wf_act *a, const char *table, const char *type, int64_t version);

#endif
