/*
 * items.h: supervision items (督办事项), DOMAIN.md §2–§3: registration and numbering, the
 * workflow (workflow.h holds the table), each responsible unit's track, progress reports,
 * decomposition into child items, attachments, the timeline and the ledger.
 *
 * Every function checks the caller's permission on the item itself (404 when invisible, 403 when
 * visible but not allowed) and every write records its timeline event and its audit record in the
 * same transaction. JSON results are owned by the caller (json_decref).
 */
#ifndef DUCHA_ITEMS_H
#define DUCHA_ITEMS_H

#include "base/buf.h"
#include "base/jsonv.h"
#include "core/ctx.h"
#include "items/item_workflow.h"

#include <jansson.h>

extern const struct jv_field items_create_spec[];
extern const struct jv_field items_update_spec[];
extern const struct jv_field items_action_spec[];
extern const struct jv_field items_report_spec[];
extern const struct jv_field items_review_spec[];

/* Creates a draft item (督查室 at the issuing government). Body: title, requirement, source_kind,
 * source_ref, source_date, office_unit_id?, lead_unit_id, co_unit_ids, leader_id, importance, kind,
 * due_date, confidentiality, tags. Errors: 422 values, 403/404 units. *out: the item. */
enum err items_create(struct ctx *c, const json_t *body, json_t **out);
/* A child item of parent_id for units below the parent's responsible unit (层层分解); its due
 * date may not be later than the parent's. */
enum err items_create_child(struct ctx *c, int64_t parent_id, const json_t *body, json_t **out);
/* The item with its tracks, children roll-up, pending extension, suspensions and allowed_actions, written into w
 * (nothing written on an error). */
struct jw;
enum err items_write(struct ctx *c, int64_t id, struct jw *w);
/* The same as a tree (items_write's text parsed), for a caller that adds to it or reads it. */
enum err items_get(struct ctx *c, int64_t id, json_t **out);
/* Sends items_get's read of item id ahead (ctx_send_ahead: with the credential check, one round trip on
 * PostgreSQL); the next items_get of id in c takes its rows, after the checks. Reads nothing itself. */
void items_get_send(struct ctx *c, int64_t id);
/* Changes a draft (or returned) item's fields; "version" must match when given. */
enum err items_update(struct ctx *c, int64_t id, const json_t *body, json_t **out);
/* Applies one workflow action (workflow.h) with its body (reason, text, grade …). */
enum err items_act(struct ctx *c, int64_t id, enum item_action action, const json_t *body, json_t **out);
/*
 * Batch actions from the ledger (批量审批、交办、催办): body {"action": "approve"|"assign"|"press", "ids": [item
 * ids, 1..ITEMS_BATCH_MAX, distinct], "text": 催办意见 (press only, required there)}. Each item is taken on its
 * own through the workflow engine (its own transaction, checks, timeline, audit record, to-dos and messages);
 * a refused item does not stop the others. *out: {"action","action_label","done","refused","results":[{"id",
 * "ok","error"?, and for items the user sees "number","title","state","state_label"}]} in the order sent.
 * Errors (nothing taken): 422 the body (field), 403 when the user may take the action on no item at all.
 */
#define ITEMS_BATCH_MAX 100
extern const struct jv_field items_batch_spec[];
enum err items_batch(struct ctx *c, const json_t *body, json_t **out);
/*
 * The leaders one may name as the leader in charge (分管领导) of a new item of the issuing government
 * (office_unit_id, 0: the caller's, as items_create picks it): those holding the leader or principal role
 * there or above, each with its portfolio (分管领域) and whether that covers lead_unit_id (0: none given),
 * covering ones first, closest portfolio first. *out: {"office_unit_id", "leaders": [{"id","name","role",
 * "role_label","unit_name","portfolio":[{"id","name"}],"covers"}], "proposed": the first covering leader's
 * id or null}. 403/404 unless the caller may register items there; 422 for a lead unit outside it.
 */
enum err items_leaders(struct ctx *c, int64_t office_unit_id, int64_t lead_unit_id, json_t **out);
/*
 * Leaders' written instructions (领导批示) and reading marks (圈阅) on an item (instructions.c). Recording:
 * body {"kind": "instruction"|"circled" (default instruction), "leader_id" (a leader of the issuing government or
 * above) or "leader_name" (one outside the system), "text" (required for an instruction), "instructed_on" (not
 * after today), "attachment_id"? (the scan: an attachment of this item)}; by the office, or by a leader of that
 * government for their own. An instruction waits on the office (a to-do) until carried out. 404/403/409
 * (archived, withdrawn)/422. *out: the instruction.
 */
extern const struct jv_field items_instruction_spec[];
enum err items_instruct(struct ctx *c, int64_t item_id, const json_t *body, json_t **out);
/* {"instructions": [...] oldest first, "from": the instruction this item was registered from, or null}. */
enum err items_instructions(struct ctx *c, int64_t item_id, json_t **out);
/* The office carries out a pending instruction: {"note": what was done}; the leader hears it. 409 when done. */
extern const struct jv_field items_instruction_done_spec[];
/* A responsible unit files the handling report it owes after the completion (办理情况报告: 人大代表建议、政协提案,
 * 办理任务完成后20日内向交办单位报告办理情况; handling.c): body {"text", "attachment_id"?: a file of the item}. 404
 * (not visible), 403 (handles none of its units), 409 (the unit owes none: not completed, not such an item, or
 * reported already), 422. *out: what was reported, with its milestone and whether it was late. */
extern const struct jv_field items_handling_report_spec[];
enum err items_handling_report(struct ctx *c, int64_t item_id, const json_t *body, json_t **out);
enum err items_instruction_done(struct ctx *c, int64_t item_id, int64_t iid, const json_t *body, json_t **out);
/* Registers a new item from a pending instruction (body as items_create; source_ref and source_date default to
 * the instruction's — the caller sets source_kind, "instruction" by default), which carries it out: both linked,
 * in one transaction. *out: the new item. */
enum err items_create_from_instruction(struct ctx *c, int64_t item_id, int64_t iid, const json_t *body, json_t **out);
/* The timeline, oldest first, written into w as an array (nothing written on an error but a part of it: the
 * caller drops the text then). */
enum err items_events_write(struct ctx *c, int64_t id, struct jw *w);
/* The same as a tree (items_events_write's text parsed), for the documents. */
enum err items_events(struct ctx *c, int64_t id, json_t **out);
/* Progress reports (承办反馈) of an item, newest first. */
enum err items_reports(struct ctx *c, int64_t id, json_t **out);
/* Reviews a report: {"result":"accepted"|"redo","note"}. */
enum err items_review_report(struct ctx *c, int64_t id, int64_t report_id, const json_t *body, json_t **out);
/* The periodic report's form (report_forms.c) for the track track_id (0: the user's own unit's, else the lead
 * track's), pre-filled with what ducha holds: the item, the obligation the next report answers (its kind,
 * period and day), the track's milestones, percent and overdue state, the unit's previous reports and a draft
 * from the last one. 404 when the item is out of sight; 422 (track_id) for a unit not responsible for it. */
enum err items_report_form(struct ctx *c, int64_t id, int64_t track_id, json_t **out);
/* The roll-up of report obligations (implementation and periodic reports) due in [from, to] below a unit. */
struct report_rollup_query {
    int64_t unit_id;       /* the scope; 0: the reader's government */
    const char *from, *to; /* YYYY-MM-DD */
    const char *kind;      /* NULL or "": all; monthly, quarterly, implementation */
    int limit, offset;     /* the page of forms */
};
/* Per unit one level below the scope (a county's departments and towns, a city's counties) and in total: due,
 * submitted, on_time, late, missed, open; and one page of the obligations with the forms that answered them.
 * 404 when the scope is out of sight, 403 unless the reader reads items at a government at or above it;
 * 422 (to) when to is before from. */
enum err items_report_rollup(struct ctx *c, const struct report_rollup_query *q, json_t **out);
/* Replaces the grades an office gives when it verifies a completion ({"grades": ["优秀", …]}: 2 to
 * 10 distinct names without commas); audited. Only the top administrator (perm_require_system). */
extern const struct jv_field items_grades_spec[];
enum err items_set_grades(struct ctx *c, const json_t *body, json_t **out);
/* Source kinds, states, actions, grades, importance and kinds with their Chinese labels, written into w. */
enum err items_meta_write(struct ctx *c, struct jw *w);
/* The same as a tree (the documents' import). */
enum err items_meta(struct ctx *c, json_t **out);
/* The Chinese label of a source kind ("meeting" → "政府会议议定事项"), NULL when unknown. */
const char *item_source_label(const char *kind);
/* Between the names and the Chinese labels the pages show (items_meta's): of an importance ("general"
 * ↔ "一般事项") and an item kind ("once" ↔ "一次性事项"). *_label: the label of a name, NULL when
 * unknown; *_name: the name of a name or a label, NULL when neither. */
const char *items_importance_label(const char *name);
const char *items_kind_label(const char *name);
const char *items_importance_name(const char *s);
const char *items_kind_name(const char *s);
/* The same for the confidentiality (密级: "internal" ↔ "内部", "public" ↔ "公开"). */
const char *items_confidentiality_label(const char *name);
const char *items_confidentiality_name(const char *s);

/* The ledger (台账): filters from the query string (see items_ledger in ledger.c). */
struct ledger_query {
    const char *state, *source_kind, *importance, *kind, *tag, *q, *light, *sort;
    /* "public": only items marked 公开, for a file meant for outside recipients; "internal": only 内部 */
    const char *confidentiality;
    const char *due_before, *due_after;
    int64_t lead_unit_id, co_unit_id, unit_id, leader_id, year, parent_id;
    bool overdue;
    bool exact; /* unit filters match the unit itself, not its subtree */
    int page, per_page;
    const char *after; /* keyset cursor: the `next` of the previous page */
};
/* Appends the page's JSON ({"items": [...], "total", "total_exact", "page", "per_page", "counts", "all",
 * "next", "sort", "ranked"}: docs/openapi.yaml, Ledger) to out. */
enum err items_ledger(struct ctx *c, const struct ledger_query *q, struct buf *out);

/* An upload accepted as an attachment: its base name, the type it is served with (arena). */
struct attachment_file {
    const char *filename, *content_type;
};
/*
 * The one way a file becomes an attachment (an item's, a result record's: the same table and store): the
 * upload at path (size bytes, SM3 sm3, spooled by the http layer) is checked — the name (422), the extension
 * against cfg->upload_types (415), not empty (422), cfg->upload_limit (413), the content against the extension
 * with libmagic (415) — and kept under cfg->data_dir/attachments by its hash. The caller checks its permission
 * first and inserts the row in its own transaction.
 */
enum err attachment_accept(struct ctx *c, const char *filename, const char *path, int64_t size, const char *sm3,
                           struct attachment_file *out);
/* Where the attachment stored as hash lives (arena). */
const char *attachment_path(struct ctx *c, const char *hash);

/*
 * Attaches a file to item id (or to its progress report report_id, 0 for none): the file at path,
 * size bytes with SM3 sm3, spooled there by the caller, is checked (name, extension allow-list,
 * size limit, permission, state, and its content against the extension with libmagic) and moved
 * under cfg->data_dir by content hash. Errors: 404 (not visible), 403, 409 (archived), 413, 415
 * (type not allowed, or content that is not what the extension says), 422 (name, empty file).
 */
enum err items_attach(struct ctx *c, int64_t id, const char *filename, const char *path, int64_t size, const char *sm3,
                      int64_t report_id, json_t **out);
/* *open: item id still takes attachments (neither archived nor withdrawn). */
enum err items_take_files(struct ctx *c, int64_t id, bool *open);
enum err items_attachments(struct ctx *c, int64_t id, json_t **out);
/* Looks up an item's attachment the caller may read: its stored path, name and type (arena); 404 for a file of
 * a result record (results_attachment_file). */
enum err items_attachment_file(struct ctx *c, int64_t attachment_id, const char **path, const char **filename,
                               const char **content_type);

/* The traffic light of a due date for an item in state s at ctx->now: "red" overdue, "yellow" due
 * within cfg->yellow_days working days, "green", or "none" when the item is not running. */
const char *items_light(struct ctx *c, const char *due_date, enum item_state s);
/* The same in two steps for lists: the dates once (today and the last yellow day, from the
 * working-day calendar), then each row without touching the database. */
void items_light_dates(struct ctx *c, char today[11], char yellow[11]);
const char *items_light_for(const char *due_date, enum item_state s, const char *today, const char *yellow);

/* The escalation ladder's last step (DOMAIN.md §5.4): lists the item for inspection (escalated) unless
 * it already is, with a timeline event and an audit record ("item.escalate") by the system, inside
 * the caller's transaction. An unknown item is ignored. */
enum err items_mark_escalated(struct ctx *c, int64_t item_id, const char *note, json_t *data);

/* For the clues module: records on the item, inside the caller's transaction, the clue it was converted from
 * (items.source_clue_id: the item's page names the clue, GET /api/v1/items/{id} source_clue). */
enum err items_set_source_clue(struct ctx *c, int64_t item_id, int64_t clue_id);

/* "古督〔2026〕3号《title》" (or "《title》" before numbering) for notices; NULL if there is no such item.
 * Arena memory. */
const char *items_label(struct ctx *c, int64_t item_id);
/* The item's number (古督〔2026〕9号), or NULL before it is numbered (or when there is no such item). Arena. */
const char *items_number(struct ctx *c, int64_t item_id);

/* The percent done of unit_id's track of the item (items_track_percent); -1 when there is no such track. */
int items_track_progress(struct ctx *c, int64_t item_id, int64_t unit_id);
/* The percent done of a track in state s whose unit last reported `reported`: 100 once its head signed off
 * (completion_signed, completed, archived), the last report otherwise (a returned completion shows the last
 * report again). One rule for the item's roll-up, the API's tracks[].progress, the ledger and its documents. */
int items_track_percent(enum item_state s, int reported);

/* For other modules (deadlines: reminders, ladder steps, paused clocks): appends a timeline event
 * to an item inside the caller's transaction; unit_id 0 for the item as a whole. An item id that
 * does not exist is ignored (ERR_OK). data is borrowed. */
enum err items_timeline_add(struct ctx *c, int64_t item_id, int64_t unit_id, const char *kind, const char *action,
                            const char *note, json_t *data);

/* Registers items with the modules below them (the deadlines owner "item", the columns that copy
 * unit paths); once at start-up (modules_init). In item_deadlines.c. */
void items_register(void);

#endif
