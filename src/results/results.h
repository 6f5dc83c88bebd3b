/*
 * results.h: using the results of supervision (结果运用, DOMAIN.md §8; 条例 Arts. 19–21, 23): praise
 * (通报表扬), criticism (通报批评), admonition talks (约谈), accountability proposals (问责建议) and
 * referrals (移送: misconduct clues to the 监察机关, other crimes to judicial organs), and error
 * tolerance (容错认定, Jilin: an approved decision that a failure falls under the tolerance rules).
 *
 * Each is one record on the workflow engine (result_workflow.c): the supervision office drafts it,
 * resting on the items it concerns (result_links) and naming the unit concerned; the principal leader
 * of the government approves, returns or refuses it (nothing takes effect without that approval);
 * the office then issues it with a number. The unit concerned sees it only once issued (before: 404,
 * as if it did not exist). A talk is then held and recorded (who, whom, when, where, the record) and
 * followed up; an accountability proposal or a referral is closed with the outcome reported back.
 * Every change writes its timeline event and audit record in its own transaction.
 */
#ifndef DUCHA_RESULTS_H
#define DUCHA_RESULTS_H

#include "base/jsonv.h"
#include "core/ctx.h"

#include <jansson.h>
#include <stdatomic.h>

/* Body specs (api_results.c checks the body against them before calling in). */
extern const struct jv_field results_create_spec[];
extern const struct jv_field results_update_spec[];
extern const struct jv_field results_action_spec[];

/* A list filter (GET /api/v1/results). */
struct result_query {
    const char *kind, *state; /* NULL: any */
    int64_t unit_id;          /* the unit concerned (0: any) */
    int64_t item_id;          /* resting on this item (0: any) */
    int64_t inspection_id;    /* resting on this inspection (0: any) */
    int page, per_page;
};

/* Creates a draft (body: results_create_spec) at the user's office; 422 naming the member on bad
 * values; *out the result as results_get returns it. */
enum err results_create(struct ctx *c, const json_t *body, json_t **out);
/* Changes a draft (the office, state draft only: 409 else). */
enum err results_update(struct ctx *c, int64_t id, const json_t *body, json_t **out);
/* One result with its links and allowed_actions; 404 when the user may not see it. */
enum err results_get(struct ctx *c, int64_t id, json_t **out);
/* Takes a workflow action by name (404 for an unknown name), then returns the result. */
enum err results_act(struct ctx *c, int64_t id, const char *action, const json_t *body, json_t **out);
/* The results the user may see, newest first: {"results":[…], "total", "page", "per_page"}. */
enum err results_list(struct ctx *c, const struct result_query *q, json_t **out);
/* The year's issued records of the user's government (by the year of their number; kind NULL: every
 * kind) as CSV for the organisation and personnel departments, appended to out (result_export.c). */
struct buf;
enum err results_export_csv(struct ctx *c, int year, const char *kind, struct buf *out);
/* The government's results settings (result_settings: rectify_workdays, the working days a criticised unit has to
 * report when the criticism names no date): read by its office and leaders (403 else), changed by its office
 * (results_settings_spec: 422 naming the member; audited results.settings with before and after). */
extern const struct jv_field results_settings_spec[];
enum err results_settings_get(struct ctx *c, json_t **out);
enum err results_settings_put(struct ctx *c, const json_t *body, json_t **out);
/* The timeline of one result. */
enum err results_events(struct ctx *c, int64_t id, json_t **out);
/* A file of the criticised unit's rectification report (整改材料, result_files.c): the upload at path (size
 * bytes, SM3 sm3) checked and kept as items' attachments are (attachment_accept), by the unit's contact or head
 * while the report is theirs to make; 404 (not visible), 403, 409 (not awaiting the report), 413, 415, 422.
 * *out: the file as listed in rectification.attachments. */
enum err results_attach(struct ctx *c, int64_t id, const char *filename, const char *path, int64_t size,
                        const char *sm3, json_t **out);
/* The files reported with the rectification of the criticisms resting on an item ({id, filename, number}: the
 * record's number), for the item's archive file. */
json_t *results_item_files(struct ctx *c, int64_t item_id);
/* A result record's file the caller may read (the record visible): its stored path, name and type; 404 else. */
enum err results_attachment_file(struct ctx *c, int64_t attachment_id, const char **path, const char **filename,
                                 const char **content_type);

/* ---- bulletins (督查通报) ----
 * Drafted by the office from the data for a period and a scope (a unit's subtree of its government):
 * the figures (items registered, completed, completed on time, overdue per unit; the overdue ranking and
 * items) are counted by the server, the words (title, addressees, intro, remarks) are the office's,
 * written first by the server. Counted again at submission and issue (409 naming what changed);
 * approved by the principal leader; issued numbered and sealed with the office's seal. Three kinds (kind):
 * bulletin (督查通报, 古督通〔年〕n号), special_report (督查专报 to the principal leaders, 古督专〔年〕n号),
 * briefing (督查简报, 第n期), each on its own number series. Readers of items at the government see every
 * one; the units of its scope see a bulletin or a briefing once issued, never a special report. */
extern const struct jv_field bulletins_create_spec[];
extern const struct jv_field bulletins_update_spec[];
enum err bulletins_create(struct ctx *c, const json_t *body, json_t **out);
/* Edits a draft; refresh (or a new period or scope) counts the figures again. */
enum err bulletins_update(struct ctx *c, int64_t id, const json_t *body, json_t **out);
enum err bulletins_get(struct ctx *c, int64_t id, json_t **out);
enum err bulletins_act(struct ctx *c, int64_t id, const char *action, const json_t *body, json_t **out);
enum err bulletins_list(struct ctx *c, const char *state, const char *kind, int page, int per_page, json_t **out);
enum err bulletins_events(struct ctx *c, int64_t id, json_t **out);
/* Published to the public (公开发布, no sign-in): the issued bulletins marked public, newest first, and one
 * of them — the words and figures, no person's data (bulletin_public.c); anything else is 404. */
enum err bulletins_public_list(struct ctx *c, int page, int per_page, json_t **out);
enum err bulletins_public_get(struct ctx *c, int64_t id, json_t **out);
/* The bulletin as its document shows it (bulletins_get's JSON plus "date", the 成文日期 — the issue
 * date, today for a draft — and "draft"); the documents module draws the PDF from it. */
enum err bulletins_document(struct ctx *c, int64_t id, json_t **out);

/* The workflow of results (result_workflow.c), registered with the engine in api_todos.c. */
struct workflow;
extern const struct workflow result_workflow;
extern const struct workflow bulletin_workflow;

/* ---- year-end target-responsibility scoring (目标责任考评) ----
 * A government's rule table for a year (points for on-time completion and quality grades; deductions for
 * overdue, late, returned, pressed, criticised; weights per item importance; the measures the 2024 rules
 * forbid — leaders' endorsements, photos, articles, meetings, documents — off by default and flagged when
 * switched on), edited by its office with an audit record. A scorecard (per government and year) is drawn
 * from the data under that table, every point a line naming its rule and the item or record behind it;
 * an approved error-tolerance decision waives the deductions of the items it covers (the line says so);
 * the office adjusts with reasons, the principal leader approves, the office issues; a unit sees its own
 * card only once issued. */
extern const struct jv_field score_rules_spec[];
extern const struct jv_field scorecards_create_spec[];
extern const struct jv_field scorecards_update_spec[];
extern const struct jv_field scorecards_adjust_spec[];
/* GET: the table of the user's government (office or principal) for year. */
enum err score_rules_get(struct ctx *c, int year, json_t **out);
/* PUT: changes points, switches, base and weight (the office; audited; a forbidden rule switched on is
 * audited apart and answered with a warning). */
enum err score_rules_put(struct ctx *c, const json_t *body, json_t **out);
enum err scorecards_create(struct ctx *c, const json_t *body, json_t **out);
enum err scorecards_update(struct ctx *c, int64_t id, const json_t *body, json_t **out);
enum err scorecards_get(struct ctx *c, int64_t id, json_t **out);
/* One unit's card: every line (rule, item or record, waiver), the adjustments, the sums; 404 for a unit
 * the user may not see. */
enum err scorecards_unit(struct ctx *c, int64_t id, int64_t unit_id, json_t **out);
enum err scorecards_adjust(struct ctx *c, int64_t id, const json_t *body, json_t **out);
enum err scorecards_act(struct ctx *c, int64_t id, const char *action, const json_t *body, json_t **out);
/* {"scorecards":[…],"total","page","per_page"}: one page of the cards the user may see (year 0: every year), newest
 * first; total counts them all. */
enum err scorecards_list(struct ctx *c, int year, int page, int per_page, json_t **out);
enum err scorecards_events(struct ctx *c, int64_t id, json_t **out);
/* The card with every unit's lines (the documents' model): scorecards_get's JSON plus "lines" and "adjustments"
 * per unit, and office_unit_id, date (the local date, today for a draft) and draft. */
enum err scorecards_document(struct ctx *c, int64_t id, json_t **out);
extern const struct workflow scorecard_workflow;

/* Objections (考评异议, score_objection.c): the head of a unit scored objects to one line (line_id) or
 * adjustment (adjustment_id) of its own issued card within the period (objection_days working days after the
 * issue) with a reason and evidence; 422/403/409 naming the member otherwise, 404 for a card it cannot see.
 * The office decides on the engine (uphold with the line's new points, or reject); the unit is told. */
extern const struct jv_field objections_create_spec[];
enum err objections_create(struct ctx *c, int64_t scorecard_id, const json_t *body, json_t **out);
enum err objections_get(struct ctx *c, int64_t id, json_t **out);
enum err objections_act(struct ctx *c, int64_t id, const char *action, const json_t *body, json_t **out);
enum err objections_events(struct ctx *c, int64_t id, json_t **out);
/* {"objections":[…],"total","page","per_page"}: one page of the user's government's and the user's units'
 * objections, newest first; total counts them all. */
enum err objections_list(struct ctx *c, const char *state, int64_t scorecard_id, int page, int per_page, json_t **out);
extern const struct workflow objection_workflow;

/* The periodic statistics of the user's government (its office and leaders; 403 for others) for a year up to
 * today, by month or by quarter: per period and for the year so far, per unit and in total, the items
 * registered, completed, completed on time (with the rate) and overdue at the period's end — the figures a
 * bulletin for that period counts (statistics.c). */
enum err results_statistics(struct ctx *c, int year, bool quarters, json_t **out);
/* The same written as JSON text into out (the API's reply; results_statistics parses it). Without units (the
 * overview's trend) every "units" is [] and the counters' rows of the units are not read: the totals alone. */
struct buf;
enum err results_statistics_write(struct ctx *c, int year, bool quarters, bool units, struct buf *out);

/* The burden index (基层减负, burden.c) of a period — a year, one of its quarters or one of its months — per unit (a
 * government's departments and townships for its readers; the user's own units otherwise; with unit_id the units
 * right below that one, for a reader of its items: a township's or a department's own subunits) the 督办通知, 催办,
 * 系统提醒, 进展报告, 督查 and 整改任务 ducha asked of it, by issuer, counted from the records; the units and the
 * issuers ranked by their totals. quarter 1-4 or month 1-12 (not both; 0: the whole year). */
struct burden_query {
    int year, quarter, month;
    int64_t unit_id; /* 0: the user's own rows */
};
enum err results_burden(struct ctx *c, const struct burden_query *q, json_t **out);

/* Early warning (研判预警, warnings.c): the scheduler's pass keeps the flags of the running items' tracks
 * trending late (pace behind 序时进度, repeated extensions, presses with no report after them, due soon and
 * silent) as rows, tells the unit's contact once per track and signal; *changed: signals raised or cleared. */
enum err warnings_pass(struct ctx *c, const atomic_bool *stop, int *changed);
/* {units (ranked by items at risk), warnings (a page of tracks with their signals and facts), total, …} of what
 * the user reads (a government's readers its units, a unit its own); unit_id: that unit and below (403 outside
 * the user's units); signal: one of pace, extensions, ignored, silent (422 otherwise). */
enum err warnings_list(struct ctx *c, int64_t unit_id, const char *signal, int page, int per_page, json_t **out);
/* The bulletin's section 预警提示: {as_of, items (each once), units (ranked as warnings_list's)} of the active
 * warnings of the government's items (office_path) whose responsible unit is in the scope. */
enum err warnings_by_unit(struct ctx *c, const char *home_path, bool below, const char *scope_path, json_t **out);
/* The thresholds of the user's government (its readers; 403 for others); PUT: the office, audited. */
enum err warnings_settings_get(struct ctx *c, json_t **out);
enum err warnings_settings_put(struct ctx *c, const json_t *body, json_t **out);
extern const struct jv_field warnings_settings_spec[];

/* The start-up registrations of the module (unit path copies); called from cli_modules.c. */
void results_register(void);

#endif
