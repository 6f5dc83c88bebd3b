/* results_internal.h: what the files of src/results share (not for other modules). */
#ifndef DUCHA_RESULTS_INTERNAL_H
#define DUCHA_RESULTS_INTERNAL_H

#include "results/results.h"
#include "workflow/workflow.h"

struct calendar;

#include <stdbool.h>

enum result_state {
    RES_ST_DRAFT,
    RES_ST_PENDING,
    RES_ST_APPROVED,
    RES_ST_ISSUED,
    RES_ST_HELD,
    RES_ST_CLOSED,
    RES_ST_REFUSED,
    RES_ST_REVIEWING, /* a criticism's rectification reported by the unit, awaiting the office's review */
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
    RES_ACT_REPORT_RECTIFICATION, /* the unit concerned reports its rectification (a criticism) */
    RES_ACT_ACCEPT_RECTIFICATION, /* the office accepts it: closed */
    RES_ACT_RETURN_RECTIFICATION, /* the office returns it with a reason: the unit reports again */
    RES_ACT__COUNT
};

/* The body members rows require (bits of result_workflow.fields). */
enum result_field {
    RES_F_REASON = 1 << 0,        /* "reason" */
    RES_F_RECORD = 1 << 1,        /* "record": what was said at the talk */
    RES_F_TEXT = 1 << 2,          /* "text": the follow-up or the outcome reported back */
    RES_F_RECTIFICATION = 1 << 3, /* "rectification": what the criticised unit did */
};

/* Conditions beyond the state. */
enum result_cond {
    RES_COND_TALK = 1, /* the record is an admonition talk */
    RES_COND_OUTCOME,  /* an accountability proposal, a referral or a policy advice: closed with the outcome */
    RES_COND_RECTIFY,  /* a criticism with a rectification deadline: its unit must report its rectification */
    RES_COND__COUNT
};

enum result_kind {
    RES_PRAISE,
    RES_CRITICISM,
    RES_TALK,
    RES_ACCOUNTABILITY,
    RES_REFERRAL,
    RES_TOLERANCE, /* 容错纠错: the failure falls under the tolerance rules (Jilin) */
    RES_ADVICE, /* 辅政建言: adjust or improve a normative document or policy measure found unsuitable (Gu County) */
    RES_KIND__COUNT
};

/* One result as loaded (arena strings). */
struct result {
    struct wf_obj wf; /* the engine's view (first: see result_of) */
    int64_t id, office_unit_id, unit_id, created_by, version, year;
    enum result_kind kind;
    enum result_state state;
    const char *number, *title, *content, *home_path, *unit_path, *unit_name, *unit_code, *office_name;
    const char *person, *recipient, *referral_to, *talk_by, *talk_at, *talk_place, *talk_record, *held_at;
    const char *follow_up, *created_at, *updated_at, *approved_at, *issued_at, *closed_at;
    const char *rectify_due, *rectification, *rectified_at; /* a criticism's rectification (migration 0177) */
    bool rectify_escalated;
    const char *unit_paths[1];
    struct wf_part part; /* the unit concerned, the one part */
};

#define result_of(o) ((struct result *)(void *)(o))
#define RESULT_WHAT "结果运用记录"

extern const struct wf_effect result_effects[];

/* ---- a criticism's rectification (result_rectify.c) ---- */

/* The working days a criticised unit has to report its rectification when the draft names no date and its
 * government's office set none (result_settings). */
#define RES_RECTIFY_WORKDAYS 15
/* The issue of a criticism: fixes its rectification deadline (the draft's own, else the government's setting's
 * working days after the issue's local date) and starts its clock on the deadline ladder. */
enum err result_rectify_start(struct wf_act *a);
/* The rectification's effects: report (the text, the clock done), accept (closed, the clock cancelled),
 * return (the same deadline again). */
enum err result_rectify_report(struct wf_act *a);
enum err result_rectify_accept(struct wf_act *a);
enum err result_rectify_return(struct wf_act *a);
/* A draft's own deadline (rectify_due): a criticism's only, a real date not before today; 422 naming it. */
enum err result_rectify_check(struct ctx *c, enum result_kind k, const json_t *m);
/* The working days the rectification deadline due (YYYY-MM-DD) is behind the day `day` (cal's day number): overdue
 * when at least 1 (the working-day calendar, as the deadline and its ladder count: a deadline on Friday is not yet
 * overdue on Saturday); 0 when not behind. The one rule of the bulletin's count and the scorecard's drill-down. */
int result_rectify_behind(const struct calendar *cal, const char *due, int64_t day);
/* The files reported with the rectification (result_files.c): the report's attachment_ids, each a file of the
 * record not yet reported (422 naming attachment_ids), get their round; the action's data lists them. */
enum err result_files_report(struct wf_act *a, int round);
/* The record's files (a criticism's 整改材料), oldest first, each with its round (null: not yet reported). */
json_t *result_files_json(struct ctx *c, int64_t id);
/* Registers the deadline owner "result" (the ladder climbs a criticism's rectification deadline). */
void result_rectify_register(void);

const char *result_kind_name(enum result_kind k);
const char *result_kind_label(enum result_kind k);
bool result_kind_parse(const char *s, enum result_kind *out);
/* The character of the kind in the number: 古督「批」〔2026〕3号. */
const char *result_kind_word(enum result_kind k);
/* True for "YYYY-MM-DD HH:MM" of a real day and time (a talk's planned or actual time; not 2026-02-30). */
bool result_time_valid(const char *s);

/* ---- shared by results and bulletins (results_common.c) ---- */

/* A record's tables, for the shared helpers (constant names, never user input). */
struct res_table {
    const struct workflow *wf;
    const char *table;  /* "results" */
    const char *events; /* "result_events" */
    const char *key;    /* "result_id" */
};

bool res_path_within(const char *path, const char *ancestor);
/* The column as an arena string, NULL for SQL NULL. */
const char *res_col(struct ctx *c, struct stmt *st, int i);
/* The id of the unit at the end of a path ("/1/7/45/" -> 45). */
int64_t res_path_last_id(const char *path);
/* The string as JSON, or null. */
json_t *res_str(const char *s);
/* True for NULL, "" or only white space. */
bool res_blank(const char *s);
/* The user's grant to draft (the first of their CAP_RESULT_DRAFT grants; c->acting) and the office
 * (督查室) under that government that numbers; 403 without one. */
enum err res_drafting_grant(struct ctx *c, const struct grant **g, int64_t *office);
/* The government whose settings the user reads (write false: a reading grant held at a government — its office
 * and leaders) or changes (write: its office, result_draft); c->acting that grant; 403 naming what otherwise. */
enum err res_government_grant(struct ctx *c, bool write, const char *what, const struct grant **g);
/* A new number 古督<word>〔year〕seq号 from the gap-free counter "<counter>:<office>:<year>". */
enum err res_number(struct ctx *c, const char *home_path, int64_t office_unit_id, const char *counter, const char *word,
                    const char **number, int *year, int64_t *seq);
/* Appends a timeline event (from/to: states of t->wf, or -1). */
enum err res_event(struct ctx *c, const struct res_table *t, int64_t id, const char *action, int from, int to,
                   const char *note, const json_t *data);
/* {"events": […]} of one record, oldest first. */
enum err res_events(struct ctx *c, const struct res_table *t, int64_t id, json_t **out);
/* The approval's who and when (approved_by, approved_at). */
enum err res_approve(struct wf_act *a, const struct res_table *t);
/* Locks the row (a no-op write) if it still has version; 409 naming what otherwise. */
enum err res_lock(struct ctx *c, const struct res_table *t, int64_t id, int64_t version, const char *what);
/* The engine's save hook: the new state, the version, the timeline event. */
enum err res_save_state(struct wf_act *a, const struct res_table *t, int64_t version, const char *what);
/* The engine's ids hook over the records in open_states (an SQL list of literals). */
enum err res_ids(struct ctx *c, const struct res_table *t, const char *open_states, int64_t after, int limit,
                 int64_t *out, int *n);
/* The engine's hooks every record of the module shares: the new state with its timeline event, and no
 * condition of its own. */
enum err res_hook_save(struct wf_act *a);
bool res_hook_no_cond(struct ctx *c, struct wf_obj *o, int k);
/* A workflow action by name on record id: 404 naming an unknown action; 403 when home_path is given and
 * the user holds no reading grant at that government (a unit that reads an issued bulletin or scorecard
 * but acts for no one there: the engine's 404 would hide what it may read); then the engine. */
enum err res_act(struct ctx *c, const struct workflow *wf, int64_t id, const char *action, const json_t *body,
                 const char *home_path);
/* The tables of a workflow's definition (its static arrays of these names), for `struct workflow`. */
#define RES_WF_N(a) ((int)(sizeof(a) / sizeof *(a)))
#define RES_WF_TABLES                                                                                                  \
    .states = states, .nstates = RES_WF_N(states), .actions = actions, .nactions = RES_WF_N(actions), .rows = rows,    \
    .nrows = RES_WF_N(rows), .fields = fields, .nfields = RES_WF_N(fields), .conds = conds, .nconds = RES_WF_N(conds), \
    .waits = waits, .nwaits = RES_WF_N(waits), .informs = informs, .ninforms = RES_WF_N(informs), .partdefs = NULL,    \
    .npartdefs = 0

/* Room for element n of an arena array arr of capacity *cap (elements of size bytes): arr itself, or a copy
 * with twice the capacity (first when none). */
void *res_grow(struct ctx *c, void *arr, int n, int *cap, size_t size, int first);

/* Binds growing in the arena, always ended by the end marker (for db_query_a). */
struct res_binds {
    struct db_bind *v;
    int n, cap;
};
void res_bind_add(struct ctx *c, struct res_binds *b, struct db_bind v);
/* The binds for db_query_a (an empty list when none were added). */
const struct db_bind *res_binds_of(const struct res_binds *b);
/* One page of a list: *total the rows of `from` (a table and its alias) where `where` holds (binds bd, more
 * added), *ids (arena; *n of them) the ids (`id`, the alias's id column) of page `page` of per_page, newest first. */
enum err res_page_ids(struct ctx *c, const char *from, const char *id, const char *where, struct res_binds *bd,
                      int page, int per_page, int64_t *total, int64_t **ids, int *n);

/* True if a press (催办) event's data names unit (its unit_ids), or names none (every unit then). */
bool res_press_names(const char *data, int64_t unit);

extern const struct res_table result_table;

/* Loads without permission checks; 404 if absent. */
enum err result_load(struct ctx *c, int64_t id, struct result *r);
/* Loads and requires visibility (404 otherwise: nobody learns that another unit's draft exists). */
enum err result_load_visible(struct ctx *c, int64_t id, struct result *r);
/* Locks the row (a no-op write) and checks the version loaded; 409 if changed meanwhile. */
enum err result_lock(struct ctx *c, const struct result *r);
/* Today's local date. */
void result_today(struct ctx *c, char out[11]);

/* ---- bulletins (bulletin_workflow.c, bulletin.c, bulletin_figures.c) ---- */

enum bulletin_state { BUL_ST_DRAFT, BUL_ST_PENDING, BUL_ST_APPROVED, BUL_ST_ISSUED, BUL_ST_WITHDRAWN, BUL_ST__COUNT };
enum bulletin_action {
    BUL_ACT_SUBMIT,
    BUL_ACT_APPROVE,
    BUL_ACT_RETURN,
    BUL_ACT_REOPEN,
    BUL_ACT_ISSUE,
    BUL_ACT_WITHDRAW,
    BUL_ACT__COUNT
};
enum bulletin_field { BUL_F_REASON = 1 << 0 };
/* The kinds (文种): a bulletin (督查通报) to the units of its scope, a special report (督查专报) to the
 * government's principal leaders — never to the units —, a briefing (督查简报) the office's periodic
 * newsletter (第N期) to its distribution list (the units of its scope). Each numbers on its own series. */
enum bulletin_kind { BUL_KIND_BULLETIN, BUL_KIND_SPECIAL, BUL_KIND_BRIEFING, BUL_KIND__COUNT };
const char *bulletin_kind_name(enum bulletin_kind k);
const char *bulletin_kind_label(enum bulletin_kind k);       /* 督查通报 / 督查专报 / 督查简报 */
extern const struct wf_name bulletin_kinds[BUL_KIND__COUNT]; /* the workflow's varieties */
bool bulletin_kind_parse(const char *s, enum bulletin_kind *k);

/* One bulletin as loaded (arena strings). */
struct bulletin {
    struct wf_obj wf; /* the engine's view (first: see bulletin_of); parts: the units it names */
    int64_t id, office_unit_id, scope_unit_id, version;
    enum bulletin_state state;
    enum bulletin_kind kind;
    const char *number, *title, *addressees, *intro, *remarks, *period_from, *period_to;
    const char *home_path, *scope_path, *scope_name, *office_name, *figures_at, *created_at, *updated_at;
    const char *approved_at, *issued_at, *issued_on;
    const char *created_by_name, *approved_by_name; /* who drafted it, who approved it (NULL: not yet) */
    const char *figures_text;                       /* the stored figures (JSON text) */
    bool public;                                    /* published to the public once issued (公开发布) */
    bool warning_section;                           /* the office keeps the section 预警提示 (figures.warnings) */
    bool below; /* levels 本级及下级: the governments below count too (else 本级) */
    int rank_n; /* the units listed at each end of the overdue ranking in the document (排名列示单位数, 1…50) */
    const char **part_codes; /* each part's unit code, read with the parts */
    /* the ranking's units the document lists (all, or the first and last rank_n): id, rank, overdue items */
    int64_t (*listed)[3];
    int nlisted;
    const char *as_of; /* the figures' day counted to */
    /* its publication scope as lists (主送, 抄送; bulletin_recipients, migration 0180): main first, then cc, each in the
     * office's order; none (nrecips 0): issued to the units right below its scope, read by the scope's units */
    struct bulletin_recipient *recips;
    int nrecips;
    const char *unit_paths[1];
};
struct bulletin_recipient {
    int64_t unit_id;
    const char *path, *name, *code;
    bool cc; /* 抄送, else 主送 */
};
#define bulletin_of(o) ((struct bulletin *)(void *)(o))
#define BULLETIN_WHAT "督查通报"

extern const struct workflow bulletin_workflow;
extern const struct wf_effect bulletin_effects[];
extern const struct res_table bulletin_table;

/* Loads without permission checks (404 if absent), with the units it names as its parts. */
enum err bulletin_load(struct ctx *c, int64_t id, struct bulletin *b);
/* bulletin_load with its figures parsed into *fig (the caller's to json_decref; NULL on failure): a province's are
 * over a megabyte of JSON, parsed once for the parts and the caller. */
enum err bulletin_load_figures(struct ctx *c, int64_t id, struct bulletin *b, json_t **fig);
/* Appends to arr row(c, b) for each bulletin of one page (page, per_page) where `where` holds (binds bd, more
 * added), in `order` (b. is the bulletin, s. its scope, o. its office): read as a list shows them — the
 * summary's columns, not the words nor the figures (b->figures_text NULL, no parts). The lists' one read. */
enum err bulletin_summaries(struct ctx *c, const char *where, struct res_binds *bd, const char *order, int page,
                            int per_page, json_t *(*row)(struct ctx *c, const struct bulletin *b), json_t *arr);
/* True if the user may read it: readers of items at its government, and — once issued — everyone
 * holding a role inside its scope (the units it is addressed to) or, when it has lists, inside one of its 主送 or
 * 抄送 units. */
bool bulletin_visible(const struct principal *p, const struct bulletin *b);
/* True if the unit at path is one of the bulletin's 主送 or 抄送 units or below one (its lists, loaded). */
bool bulletin_reaches(const struct bulletin *b, const char *path);

/* The statistics of one year of the government at home (its own items; statistics.c): n periods of whole months
 * first[k]…last[k] (1…12, the current month up to today; the arrays are kept), counted from one read of the kept
 * counters and, in the current month, one scan of its items, whatever the number of periods; without usable
 * counters (ledger_figs_usable) each period counted as a bulletin counts it. Without units the totals only (the
 * counters' rows of the units not read). In the arena. */
struct months;
enum err bulletin_months_count(struct ctx *c, const char *home, int year, int n, const int *first, const int *last,
                               bool units, struct months **out);
/* Writes the members "totals" and "units" of period k into the object open in w: a bulletin's totals and its units
 * in the bulletin's order, each with its on-time rate ([] when counted without units). */
struct jw;
void bulletin_months_write(struct jw *w, const struct months *m, int k);
/* NULL when the figures are the same, else a sentence naming what changed (arena). */
const char *bulletin_figures_diff(struct ctx *c, const json_t *was, const json_t *now);
/*
 * Counts, for the items of the government at home_path (below: of the governments below it too — 本级及下级 —, else
 * of home_path's alone — 本级) whose responsible units lie in the subtree scope_path, over the period [from, to]
 * (local dates): per unit and in total (distinct items) the items assigned (registered), completed, completed on
 * time, and overdue (due before the period's end — or today, if earlier — and not completed by then); the ranking
 * of the units by overdue items and the overdue items themselves; the inspections and rectification, with the
 * inspections' findings per unit (rectification.units, .findings); the months of the year (months: the line
 * chart); with below the roll-up per government; and, when the office keeps the section 预警提示, the items at
 * risk per unit (figures.warnings). *out: the figures JSON (docs/internals/results.md).
 */
enum err bulletin_count_all(struct ctx *c, const char *home_path, bool below, const char *scope_path, const char *from,
                            const char *to, bool warnings, json_t **out);
/* The draft's words written from the figures for a kind: title, addressees (a special report's: the
 * government's principal leaders), intro, remarks (arena). */
void bulletin_words(struct ctx *c, enum bulletin_kind kind, const char *gov_name, const char *scope_name,
                    const json_t *figures, const char **title, const char **addressees, const char **intro,
                    const char **remarks);
/* "2026年11月" / "2026年第三季度" / "2026年" / "2026年11月3日至11月20日" for a period (arena). */
const char *bulletin_period_words(struct ctx *c, const char *from, const char *to);

/* ---- year-end target-responsibility scoring (目标责任考评: score_rules.c, score_card.c,
 * score_workflow.c) ---- */

/* Where a rule's counts come from. */
enum score_source {
    SCORE_DATA, /* counted from the items, their timelines and the issued records */
    SCORE_HAND, /* entered by the office per unit (a count with a reason) while the card is a draft */
};

/* One rule of a government's table for a year, with its catalogue entry's words (arena). */
struct score_rule {
    const char *code, *label, *basis;
    int points;     /* whole points per count (negative: a deduction) */
    bool enabled;   /* counted */
    bool forbidden; /* a measure of work the 2024 rules forbid (off by default; flagged when on) */
    bool weighted;  /* per item: a major item's points are weighted (weight_major) */
    enum score_source source;
};

struct score_table {
    int year, base, weight_major; /* base in whole points; weight in per cent */
    int objection_days;           /* working days after the issue during which a unit may object */
    bool saved;                   /* false: the defaults (no row for the government and year) */
    struct score_rule *rules;
    int n;
};

/* The rule table of the government (home unit) for year: its rows over the catalogue's defaults. */
enum err score_table_load(struct ctx *c, int64_t home_unit_id, int year, struct score_table *t);
/* The table as JSON (rules with flags, warnings for forbidden rules switched on). */
json_t *score_table_json(struct ctx *c, const struct score_table *t);
/* The rule with code, or NULL. */
const struct score_rule *score_rule_find(const struct score_table *t, const char *code);
/* The warning for a forbidden rule switched on (arena). */
const char *score_forbidden_warning(struct ctx *c, const struct score_rule *r);

enum scorecard_state { SC_ST_DRAFT, SC_ST_PENDING, SC_ST_APPROVED, SC_ST_ISSUED, SC_ST_WITHDRAWN, SC_ST__COUNT };
enum scorecard_action {
    SC_ACT_SUBMIT,
    SC_ACT_APPROVE,
    SC_ACT_RETURN,
    SC_ACT_REOPEN,
    SC_ACT_ISSUE,
    SC_ACT_WITHDRAW,
    SC_ACT__COUNT
};
enum scorecard_field { SC_F_REASON = 1 << 0 };

/* One scorecard run as loaded (arena strings); its parts are the units it scores. */
struct scorecard {
    struct wf_obj wf; /* first: see scorecard_of */
    int64_t id, home_unit_id, office_unit_id, version;
    int year;
    enum scorecard_state state;
    const char *title, *home_path, *home_name, *office_name, *rules_text, *as_of, *computed_at;
    const char *created_at, *updated_at, *approved_at, *issued_at;
    const char *objection_until; /* the last day (local) a unit may object, fixed at issue; NULL before */
    const char *number;          /* 古督考〔年〕n号, given at issue; NULL before */
    const char *unit_paths[1];
};
#define scorecard_of(o) ((struct scorecard *)(void *)(o))
#define SCORECARD_WHAT "目标责任考评"

extern const struct workflow scorecard_workflow;
extern const struct wf_effect scorecard_effects[];
extern const struct res_table scorecard_table;

enum err scorecard_load(struct ctx *c, int64_t id, struct scorecard *s);
/* Counts the card's lines again and compares each unit's computed score with the stored one: NULL when
 * equal, else a sentence naming the units that changed (arena). */
enum err scorecard_recheck(struct ctx *c, const struct scorecard *s, const char **diff);
/* The card as the user may see it (a reader at its government, or — issued — of one of its units); 404 else. */
enum err scorecard_load_visible(struct ctx *c, int64_t id, struct scorecard *s);
/* True if the user reads the whole card (a reader of items at its government). */
bool scorecard_sees_all(struct ctx *c, const struct scorecard *s);
/* True if the user may read the row of the unit at unit_path (the whole card, or an issued card's own row). */
bool scorecard_sees_unit(struct ctx *c, const struct scorecard *s, const char *unit_path);
/* Ranks again (competition ranking, overall and within each kind) from the stored totals. */
enum err scorecard_rerank(struct ctx *c, int64_t card);
/* Seals (the office's seal, hooks_seal_issue) what the card says now: number, title, every unit's total and rank.
 * At issue, and again when an upheld objection changed a total (the newest signature is the document's). */
enum err scorecard_seal(struct ctx *c, const struct scorecard *s);
/* Tenths of a point as JSON: an integer when whole, else a real. */
json_t *scorecard_tenths(int64_t v);

/* ---- objections to an issued scorecard (考评异议, score_objection.c) ---- */

enum objection_state { OBJ_ST_PENDING, OBJ_ST_UPHELD, OBJ_ST_REJECTED, OBJ_ST__COUNT };
enum objection_action { OBJ_ACT_UPHOLD, OBJ_ACT_REJECT, OBJ_ACT__COUNT };
enum objection_field { OBJ_F_REASON = 1 << 0 };

/* One objection as loaded (arena strings); its one part is the unit that objected. */
struct objection {
    struct wf_obj wf; /* first: see objection_of */
    int64_t id, scorecard_id, unit_id, line_id, adjustment_id, points_before, points_after, version;
    bool has_after;
    enum objection_state state;
    const char *unit_path, *unit_name, *unit_code, *home_path, *what, *reason, *evidence, *decision;
    const char *card_title, *created_at, *updated_at, *decided_at, *decided_by_name, *created_by_name;
    int card_year;
    const char *unit_paths[1];
    struct wf_part part;
};
#define objection_of(o) ((struct objection *)(void *)(o))
#define OBJECTION_WHAT "考评异议"

extern const struct workflow objection_workflow;
extern const struct res_table objection_table;

/* True while the issued card takes objections (today on or before objection_until). */
bool scorecard_objection_open(struct ctx *c, const struct scorecard *s);
/* True if the user may object to the lines of the unit at unit_path on the card: the card takes objections
 * and the user holds item_sign (the unit's head) at that unit. */
bool scorecard_may_object(struct ctx *c, const struct scorecard *s, const char *unit_path);
/* The objection of a line or adjustment as JSON ({id, state, state_label}) from columns i (id) and i + 1
 * (state) of a row, or null. */
json_t *scorecard_objection_brief(struct stmt *st, int i);
/* The last day of the objection period: n working days after the local date of now (arena). */
enum err scorecard_objection_until(struct ctx *c, int days, const char **until);
enum err objection_load(struct ctx *c, int64_t id, struct objection *o);

#endif
