/*
 * evaluations.h: third-party evaluation (第三方评估), issue 18; DOMAIN.md §7 (Jilin, Jiangsu: the evaluator's
 * result compared side by side with the units' own reports). A supervision office engages an outside
 * evaluator organisation (a unit of kind "external" below its government; its users hold the role
 * evaluator) for a set of supervision items or inspections, the units evaluated, a period and the
 * indicators to score. The engagement runs on the workflow engine (evaluation_workflow: draft → engaged
 * → submitted → accepted, with return): the evaluator scores every unit on every indicator and writes
 * its findings (with evidence files), then submits; each unit may record its self-assessment (自评) on the
 * same indicators; the office accepts the result or returns it with a reason, and reads the side-by-side
 * view (对表分析) of the evaluator's scores, the self-assessments and the issued findings of the
 * inspections in scope, the differences flagged, also as XLSX.
 *
 * Who sees what: the engagement's government (CAP_INSP_READ there: the office, the leaders) sees it
 * whole; the engaged organisation's users see it once engaged — its terms, the objects, the units and
 * their own scores, findings and evidence, never a self-assessment, an inspection finding or anything
 * outside the engagement; a unit evaluated (CAP_INSP_READ at it) sees it once engaged — the terms, the
 * objects it is responsible for, its own line: its self-assessment, and the evaluator's scores of it
 * once the office accepted them. Everything else is 404. Writes: CAP_INSP_MANAGE at the government
 * (drafts, engage, return, accept), CAP_INSP_EVALUATE at the engaged organisation (scores, findings,
 * evidence, submit), CAP_ITEM_HANDLE at the unit (its self-assessment). Every change writes its timeline
 * row and audit record in its transaction; the hand-offs are the engine's to-dos and messages. JSON
 * results are owned by the caller.
 */
#ifndef DUCHA_EVALUATIONS_H
#define DUCHA_EVALUATIONS_H

#include "base/jsonv.h"
#include "core/ctx.h"
#include "workflow/workflow.h"

#include <jansson.h>

extern const struct workflow evaluation_workflow;

extern const struct jv_field evaluations_create_spec[];
extern const struct jv_field evaluations_update_spec[];
extern const struct jv_field evaluations_action_spec[];
extern const struct jv_field evaluations_scores_spec[];
extern const struct jv_field evaluations_self_spec[];

/* A new draft: title, basis?, evaluator_unit_id?, period_start, period_end, due_date, objects [{kind
 * ("item"|"inspection"), id}] (1..50), unit_ids (1..200), indicators [{name, description?, max_score?
 * (1..1000, default 100)}] (1..30). 422 naming the field ("indicators[1].max_score"). */
enum err evaluations_create(struct ctx *c, const json_t *body, json_t **out);
/* Changes a draft (the same members, all optional; objects, unit_ids and indicators replace); 409 once
 * engaged. */
enum err evaluations_update(struct ctx *c, int64_t id, const json_t *body, json_t **out);
/* The engagements the user may see, newest first: {"evaluations":[…], "total", "page", "per_page"}. */
enum err evaluations_list(struct ctx *c, const char *state, int page, int per_page, json_t **out);
/* One engagement as the user may see it, with allowed_actions and what the user may record. */
enum err evaluations_get(struct ctx *c, int64_t id, json_t **out);
/* A workflow action: engage, submit (the evaluator), return (reason), accept. */
enum err evaluations_act(struct ctx *c, int64_t id, const char *action, const json_t *body, json_t **out);
/* The timeline, oldest first: {"events":[…]} (the government and the evaluator; a unit: its own rows). */
enum err evaluations_events(struct ctx *c, int64_t id, json_t **out);

/* The evaluator's scores of one unit (upserted: {scores:[{indicator_id, score, comment?}], findings?});
 * while engaged. */
enum err evaluations_score(struct ctx *c, int64_t id, int64_t unit_id, const json_t *body, json_t **out);
/* The unit's self-assessment ({scores:[…every indicator…], note?}); while engaged or submitted. */
enum err evaluations_self(struct ctx *c, int64_t id, int64_t unit_id, const json_t *body, json_t **out);
/* Evidence of the evaluator about a unit: a JPEG or PNG (stored without location) or a PDF. */
enum err evaluations_evidence_add(struct ctx *c, int64_t id, int64_t unit_id, const char *filename, const char *path,
                                  int64_t size, json_t **out);
/* One evidence file for whoever sees the evaluator's findings of its unit: *path (data dir), *filename,
 * *type. */
enum err evaluations_evidence_file(struct ctx *c, int64_t evidence_id, const char **path, const char **filename,
                                   const char **type);

/* 对表分析 (the government only): {"evaluation":{…}, "indicators":[…], "threshold_pct", "units":[{unit_id,
 * unit_name, evaluator_total, self_total, max_total, findings, self_note, self_at, rows:[{indicator_id,
 * name, max_score, evaluator, evaluator_comment, self, self_comment, diff, flagged}], inspection_findings:
 * [{inspection_id, number, subject, title, detail, due_date}], flagged}]}. */
enum err evaluations_compare(struct ctx *c, int64_t id, json_t **out);

/* The accepted engagements of the government office_unit_id whose period ends in year, per unit evaluated,
 * for the year-end scorecard (对表分析 beside the office's scores): {"<unit_id>": [{id, title, evaluator,
 * period_start, period_end, max_total, evaluator_total, self_total}]}, engagements in id order. Only accepted
 * engagements count (the evaluator's scores are final and the unit reads them); evaluator_total is null
 * unless every indicator has its score, self_total null until the unit submitted its self-assessment. No
 * permission checks: the caller shows a unit's entry only to whoever sees that unit. */
enum err evaluations_accepted_totals(struct ctx *c, int64_t office_unit_id, int year, json_t **out);

/* ---- the evaluator organisations (eval_orgs.c): the office (CAP_INSP_MANAGE at its government) ---- */
extern const struct jv_field eval_orgs_create_spec[];
extern const struct jv_field eval_orgs_user_spec[];
extern const struct jv_field eval_orgs_suspend_spec[];
extern const struct jv_field eval_orgs_account_spec[];

/* The organisations (units of kind external) below the governments the user manages: {"organisations":
 * [{id, code, name, principal, contact, phone, scope, suspended, suspended_at, suspended_reason, users,
 * engagements, engagements_open}]}. */
enum err eval_orgs_list(struct ctx *c, json_t **out);
/* Registers one below the user's government: {name, code? (generated), principal?, contact?, phone?,
 * scope?}; 422 naming the field. Returns it as eval_orgs_get. */
enum err eval_orgs_create(struct ctx *c, const json_t *body, json_t **out);
/* One organisation with its evaluator users (members) and its engagements (engagement_list); 404 outside
 * the governments the user manages. */
enum err eval_orgs_get(struct ctx *c, int64_t id, json_t **out);
/* Opens an account for the organisation: {username, name, password (the first; the user must change it),
 * phone?, email?}, role evaluator at the organisation. Returns the user. */
enum err eval_orgs_add_user(struct ctx *c, int64_t id, const json_t *body, json_t **out);
/* One of the organisation's own accounts (its unit, the one role evaluator there; else 404): {disabled?, reason?
 * (with disabled true), password? (a reset: to be changed at the next sign-in)}. Either ends the account's
 * sessions (src/auth users_update_as with insp_manage); the evaluator gets a message (before a disabling);
 * audited as evaluator_org.account on the organisation. 409 when it is already (not) disabled. Returns the
 * organisation as eval_orgs_get. */
enum err eval_orgs_account(struct ctx *c, int64_t id, int64_t uid, const json_t *body, json_t **out);
/* Suspends the organisation ({reason}) or, body NULL, lifts the suspension; 409 when already so. Its open
 * engagements' to-dos follow, its users get a message. Returns it as eval_orgs_get. */
enum err eval_orgs_suspend(struct ctx *c, int64_t id, const json_t *body, json_t **out);

#endif
