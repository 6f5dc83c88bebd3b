/*
 * inspections.h: inspections (督查检查), DOMAIN.md §6 and §10 (政府督查工作条例 Arts. 7, 8, 11, 15–18; the
 * 2024 rules against formalism): the annual plan (年度督查计划) compiled from the departments'
 * proposals, approved and filed; caps with approved, recorded exceptions; opening an inspection only on
 * a government decision, the head's instruction, the approved plan or an approved proposal (督查工作建议);
 * the no-duplication check (能合尽合) with merge and join; the mandatory 督查方案 whose scope and targets
 * freeze on approval; unannounced visits (暗访) kept secret from the targets until the findings are
 * issued; field records and evidence; findings and their rectification tasks (整改); the conclusion
 * (督查结论) and the review (复核); the report (督查报告); the inspector roster.
 *
 * Four workflows run on the engine in src/workflow: the plan (plan_workflow), the inspection
 * (insp_workflow), the rectification task (rect_workflow) and the review (review_workflow).
 * Every function checks the caller's permission on the object (404 when it is invisible — a secret
 * inspection answers exactly like one that does not exist — 403 when visible but not allowed), and
 * every write records its timeline event and audit record in the same transaction. JSON results
 * are owned by the caller (json_decref). docs/internals/inspections.md explains the whole.
 */
#ifndef DUCHA_INSPECTIONS_H
#define DUCHA_INSPECTIONS_H

#include "base/jsonv.h"
#include "core/ctx.h"
#include "workflow/workflow.h"

#include <jansson.h>

extern const struct workflow plan_workflow, insp_workflow, rect_workflow, review_workflow;

/* One body spec for every workflow action of the four workflows (members an action does not use are
 * ignored by it). */
extern const struct jv_field insp_action_spec[];

/* ---- settings (system-wide) ---- */
extern const struct jv_field insp_settings_spec[];
/* {"cap_factor","review_days","review_unit","decide_days","decide_unit","lookback_months","dup_threshold"} */
enum err insp_settings_get(struct ctx *c, json_t **out);
/* Changes some of them (an administrator of a top unit); audited "inspection.settings". */
enum err insp_settings_put(struct ctx *c, const json_t *body, json_t **out);
/* The per-unit cap of inspections a year set by the user's government (its office): {government, unit_cap (its
 * own or null), inherited {unit_cap, from} (the nearest ancestor's or the system's), effective, from}. */
extern const struct jv_field insp_unit_caps_spec[];
enum err insp_unit_caps_get(struct ctx *c, json_t **out);
/* Sets it ({unit_cap}) or drops it ({inherit: true}); 422 naming unit_cap; audited "inspection.unit_cap". */
enum err insp_unit_caps_put(struct ctx *c, const json_t *body, json_t **out);
/* Kinds, methods, bases, states and actions with their Chinese labels. */
enum err insp_meta(struct ctx *c, json_t **out);

/* ---- annual plans ---- */
extern const struct jv_field insp_plan_create_spec[];
extern const struct jv_field insp_entry_spec[];
/* Creates the office's plan for a year (drafting). Body: year, title?, office_unit_id?, baseline?,
 * baseline_note?, proposals_due?. 409 if the office already has one for that year. */
enum err insp_plan_create(struct ctx *c, const json_t *body, json_t **out);
/* The plan with the entries the user may see, the cap figures and allowed_actions. */
enum err insp_plan_get(struct ctx *c, int64_t id, json_t **out);
/* The units below the plan's government whose name or code holds q (at most 50): the targets a department
 * may name in a proposal, though it cannot read them otherwise. */
enum err insp_plan_units(struct ctx *c, int64_t id, const char *q, json_t **out);
/* The plans the user may see (year 0: every year), newest first. */
enum err insp_plans_list(struct ctx *c, int64_t year, json_t **out);
/* A workflow action on the plan (submit, approve, return, file, include_entry, reject_entry,
 * merge_entry, comment). */
enum err insp_plan_act(struct ctx *c, int64_t id, const char *action, const json_t *body, json_t **out);
/* A department's proposal (subject, matters, kind, methods, organiser_unit_id, co_organisers,
 * target_unit_ids, start_date, end_date); the reply carries the duplicates found. */
enum err insp_entry_propose(struct ctx *c, int64_t plan_id, const json_t *body, json_t **out);
/* The proposing unit withdraws its proposal while it is undecided. */
enum err insp_entry_withdraw(struct ctx *c, int64_t plan_id, int64_t entry_id, json_t **out);

/* ---- caps and duplicates ---- */
/* {"year","office",…,"baseline","factor","cap","planned","unplanned","total","remaining","exceptions":[…]} */
enum err insp_caps(struct ctx *c, int64_t office_unit_id, int64_t year, json_t **out);
extern const struct jv_field insp_dup_spec[];
/* The no-duplication check: {"duplicates":[…]} for a subject, matters, target_unit_ids and a window
 * (exclude_inspection_id / exclude_entry_id leave one object out). Only what the user may see. */
enum err insp_duplicates(struct ctx *c, const json_t *body, json_t **out);
/* 减负: each target unit's inspections this year against the per-unit cap, and the overlapping inspections and
 * plan entries of every issuer on it (burden_check.c) */
extern const struct jv_field insp_burden_check_spec[];
enum err insp_burden_check(struct ctx *c, const json_t *body, json_t **out);

/* ---- inspections ---- */
extern const struct jv_field insp_create_spec[];
extern const struct jv_field insp_update_spec[];
extern const struct jv_field insp_team_spec[];
struct insp_query {
    const char *state, *kind, *q, *basis;
    int64_t year, unit_id, plan_id, item_id;
    bool mine, filed, unfiled;
    int page, per_page;
};
/* Creates a draft (from a plan entry, an escalated item's proposal, a decision or an instruction). */
enum err insp_create(struct ctx *c, const json_t *body, json_t **out);
/* The same inside the caller's transaction (a clue converted into an inspection, src/clues): the same
 * checks and records; *id is the draft's. The caller adds its own origin (insp_add_origin). */
enum err insp_create_in(struct ctx *c, const json_t *body, int64_t *id);
/* Records where an inspection comes from (insp_origins: kind such as decision, proposal, item, lookback,
 * merged, joined, approval, clue; ref its number or name, ref_id its id or 0, note a line of text). Inside
 * the caller's transaction; the module's own openings, merges and look-backs use it too. */
enum err insp_add_origin(struct ctx *c, int64_t id, const char *kind, const char *ref, int64_t ref_id,
                         const char *note);
enum err insp_get(struct ctx *c, int64_t id, json_t **out);
/* Changes the draft and the 督查方案 (targets and scope only until the scheme is approved). */
enum err insp_update(struct ctx *c, int64_t id, const json_t *body, json_t **out);
/* Replaces the team (督查组): leader, members from the roster, outside members, engaged evaluators. */
enum err insp_team_put(struct ctx *c, int64_t id, const json_t *body, json_t **out);
enum err insp_list(struct ctx *c, const struct insp_query *q, json_t **out);
enum err insp_act(struct ctx *c, int64_t id, const char *action, const json_t *body, json_t **out);
/* The timeline of a plan, inspection, rectification task or review (type "plan", "inspection", …). */
enum err insp_events(struct ctx *c, const char *type, int64_t id, json_t **out);
/* Per-unit burden (减负): inspections, findings and tasks per target unit in a year, visible only. */
enum err insp_burden(struct ctx *c, int64_t year, int64_t unit_id, json_t **out);

/* ---- on the ground ---- */
extern const struct jv_field insp_record_spec[];
enum err insp_record_add(struct ctx *c, int64_t id, const json_t *body, json_t **out);
enum err insp_records(struct ctx *c, int64_t id, json_t **out);
/* Stores a photo or video from the file at path (size bytes; the upload the HTTP layer spooled): the
 * team's original and a copy without location metadata. */
enum err insp_evidence_add(struct ctx *c, int64_t id, int64_t record_id, int64_t task_id, const char *filename,
                           const char *path, int64_t size, json_t **out);
enum err insp_evidence_list(struct ctx *c, int64_t id, json_t **out);
/* The file the user may download: the original for the team and the office side (unless clean is asked
 * for), the copy without location for everyone else who may see it (a rectification's evidence). */
enum err insp_evidence_file(struct ctx *c, int64_t evidence_id, bool clean, const char **path, const char **filename,
                            const char **content_type);

/* ---- findings ---- */
extern const struct jv_field insp_finding_spec[];
enum err insp_finding_add(struct ctx *c, int64_t id, const json_t *body, json_t **out);
enum err insp_finding_update(struct ctx *c, int64_t id, int64_t finding_id, const json_t *body, json_t **out);
enum err insp_finding_delete(struct ctx *c, int64_t id, int64_t finding_id);
enum err insp_findings(struct ctx *c, int64_t id, json_t **out);

/* ---- evaluations ---- */
extern const struct jv_field insp_evaluation_spec[];
enum err insp_evaluation_add(struct ctx *c, int64_t id, const json_t *body, json_t **out);
enum err insp_evaluations(struct ctx *c, int64_t id, json_t **out);

/* ---- report (督查报告) ---- */
extern const struct jv_field insp_report_spec[];
/* The report: the saved draft, or one generated from the inspection's data when none is saved yet
 * ({"text","generated","saved_at"}); ?regenerate discards the saved one in the reply only. */
enum err insp_report_get(struct ctx *c, int64_t id, bool regenerate, json_t **out);
enum err insp_report_put(struct ctx *c, int64_t id, const json_t *body, json_t **out);

/* ---- rectification tasks ---- */
struct rect_query {
    const char *state, *light;
    int64_t inspection_id, unit_id;
    int page, per_page;
};
enum err rect_list(struct ctx *c, const struct rect_query *q, json_t **out);
enum err rect_get(struct ctx *c, int64_t id, json_t **out);
enum err rect_act(struct ctx *c, int64_t id, const char *action, const json_t *body, json_t **out);
/* Evidence of a rectification (the unit's photos of what it fixed, or the office's). */
enum err rect_evidence_add(struct ctx *c, int64_t task_id, const char *filename, const char *path, int64_t size,
                           json_t **out);

/* ---- reviews (复核) ---- */
extern const struct jv_field review_create_spec[];
/* The inspected body asks for a review of the conclusion (within the window after its receipt). */
enum err review_request(struct ctx *c, int64_t inspection_id, const json_t *body, json_t **out);
enum err review_get(struct ctx *c, int64_t id, json_t **out);
enum err review_list(struct ctx *c, int64_t inspection_id, const char *state, json_t **out);
enum err review_act(struct ctx *c, int64_t id, const char *action, const json_t *body, json_t **out);

/* ---- inspector roster ---- */
extern const struct jv_field inspector_spec[];
extern const struct jv_field training_spec[];
enum err inspectors_list(struct ctx *c, const char *kind, const char *q, bool all, json_t **out);
enum err inspector_create(struct ctx *c, const json_t *body, json_t **out);
enum err inspector_get(struct ctx *c, int64_t id, json_t **out);
enum err inspector_update(struct ctx *c, int64_t id, const json_t *body, json_t **out);
enum err inspector_training_add(struct ctx *c, int64_t id, const json_t *body, json_t **out);

/* ---- the conclusion as a document (for src/docs) ---- */
struct insp_doc {
    const char *number, *subject, *conclusion_number, *conclusion_text, *conclusion_date;
    const char *office_name, *office_unit_name; /* the government; its office (督查室) */
    const char *kind_label, *methods_label, *start_date, *end_date, *scheme_scope;
    const char **targets;
    int ntargets;
    const char **findings; /* "title：detail（整改时限 …，责任单位 …）" */
    int nfindings;
    const char *report_text;
    int64_t office_unit_id;
};
/* "关于城区燃气安全专项督查情况的报告": the report's title for a subject (arena). */
const char *insp_report_title(struct ctx *c, const char *subject);
/* The data of the conclusion (issued: 404 before) or of the report, as the caller may see it. */
enum err insp_doc_load(struct ctx *c, int64_t id, bool report, struct insp_doc *out);

/* ---- start-up ---- */
/* Registers with the modules below (start-up only, modules_init): the columns that copy unit paths. */
void inspections_register(void);

/* ---- the scheduler ---- */
/* Opens the look-backs (回头看) that are due: a draft inspection of the finding's unit, linked to the
 * original, with a to-do for the office. *opened: how many. */
enum err insp_scan(struct ctx *c, int limit, int *opened);

#endif
