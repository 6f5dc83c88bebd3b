/*
 * clues.h: clues (线索), DOMAIN.md §7 and 政府督查工作条例 Art. 26: problems reported by the public through
 * the public page (互联网+督查, no account), by staff, or transferred from above (the State Council's
 * 互联网+督查 platform) in bulk with their original numbers and deadlines. The supervision office sorts
 * them (分拣), merges duplicates (same place and problem, by bigram similarity), sends them for
 * verification (线索核查, "带着线索去、跟着问题走") to a unit with a deadline, and converts them into a
 * supervision item or an inspection (linked both ways) or closes them with a reason the reporter sees.
 *
 * The reporter is protected: name and contact live apart (clue_reporters, sealed under secret_key) and
 * are read by clues_reporter alone, for the supervision office of the clue (CAP_CLUE_REPORTER held at
 * the clue's own government), each read audited; no list, export, message, to-do, timeline, audit
 * summary or error names them. A reporter follows the clue with a tracking code that only its
 * SHA-256 is stored of; the tracking page shows the public status and the office's public replies,
 * nothing else.
 *
 * The clue runs on the workflow engine (clue_workflow, clue_workflow.c; effects in clue_effects.c);
 * its verification deadlines are milestones of the owner "clue" (clue_deadlines.c). Every function
 * checks the caller's permission on the clue (404 when invisible, 403 when visible but not allowed);
 * every write records its timeline event and audit record in its transaction. JSON results are
 * owned by the caller.
 */
#ifndef DUCHA_CLUES_H
#define DUCHA_CLUES_H

#include "base/form.h"
#include "base/jsonv.h"
#include "core/ctx.h"
#include "workflow/workflow.h"

#include <jansson.h>
#include <stdatomic.h>

extern const struct workflow clue_workflow;

/* ---- the public side (no user: ctx->user NULL) ---- */

/* What the public form offers: {"categories":[{name,label}], "areas":[{id,name,parent_id,kind}],
 * "limits":{photos, photo_bytes, description_min, description_max, place_max}, "notice"}. */
enum err clues_public_form(struct ctx *c, json_t **out);

/*
 * A clue from the public form (multipart/form-data, already split into parts): fields category,
 * area_id, place, description, anonymous ("1"/"0"), name, phone, email, challenge, solution; files
 * "photo" (JPEG or PNG by their bytes, whatever they are called; stored without metadata). Every field
 * is checked before anything is written (422 naming the field, 413 for a photo over the limit, 415
 * for a photo that is not an image); the challenge is checked and spent in the transaction that
 * stores the clue (409 when replayed). *out: {"tracking_code","number","received_at","status"} —
 * the code is shown to the reporter once and never again.
 * Every submission is counted against the limits held for all nodes (clues_public_count, `client`: the
 * address's key): a valid one in the transaction that stores it (one commit), any other alone. Over a
 * limit, *retry_s > 0 (and *global) whatever the form held: nothing is stored but the count, *out stays
 * NULL and the caller answers 429.
 */
enum err clues_submit_public(struct ctx *c, const char *client, const struct form *f, json_t **out, int *retry_s,
                             bool *global);

/* The tracking page: the public status, the office's public replies, the closing reason
 * (404 for an unknown or malformed code, the same answer for both). */
enum err clues_track(struct ctx *c, const char *code, json_t **out);

/* ---- the office and the verifiers ---- */

extern const struct jv_field clues_create_spec[];
extern const struct jv_field clues_update_spec[];
extern const struct jv_field clues_action_spec[];

/* A clue recorded by staff (a phone call, a letter, a visit): category, area_id, place, description,
 * title?, office_unit_id?, anonymous, reporter {name, phone, email}?. 201 with the clue. */
enum err clues_create(struct ctx *c, const json_t *body, json_t **out);

struct clue_query {
    const char *state, *category, *source, *q;
    int64_t unit_id, area_id, item_id; /* item_id: the clue converted into that item */
    int64_t contact_point_id;          /* only the reports of this grassroots contact point (the office's) */
    bool mine;                         /* only the clues assigned to the user's units for verification */
    bool transfers;                    /* only clues transferred from above */
    int page, per_page;
};
/* The clues the user may see, newest first, with counts per state: {"clues":[…],"total","page",
 * "per_page","counts":{state: n}}. */
enum err clues_list(struct ctx *c, const struct clue_query *q, json_t **out);

/* One clue as the user may see it (the office: everything but the reporter; a verifier: the summary,
 * not the report as written), with its verifications, photos, links and allowed_actions. */
enum err clues_get(struct ctx *c, int64_t id, json_t **out);

/* Changes what triage decides (category, title, summary, area_id, place, unit_id), office only, in the
 * states before the outcome; "version" must match when given. */
enum err clues_update(struct ctx *c, int64_t id, const json_t *body, json_t **out);

/* One workflow action (assign, report, recall, merge, convert_item, close, reply, comment). */
enum err clues_act(struct ctx *c, int64_t id, const char *action, const json_t *body, json_t **out);

/* The timeline, oldest first (public rows marked). */
enum err clues_events(struct ctx *c, int64_t id, json_t **out);

/* The reporter ({anonymous, name, phone, email}) for the clue's own supervision office alone;
 * every read is audited ("clue.reporter_read", the summary names no one). */
enum err clues_reporter(struct ctx *c, int64_t id, json_t **out);

/* Clues alike in place and problem (bigram Dice over the description, same area subtree, same office,
 * not merged): {"similar":[{id, number, title, state, score, …}]}, best first. */
enum err clues_similar(struct ctx *c, int64_t id, json_t **out);

/* A photo of a visible clue: its stored path and type (arena); 409 while the photo worker has not stored it
 * ("照片处理中") or when it rejected it (its reason). */
enum err clues_photo_file(struct ctx *c, int64_t id, int64_t photo_id, const char **path, const char **type);

/*
 * Imports clues transferred from above from an XLSX or CSV file (by its bytes): columns 原编号,
 * 来源平台, 问题类别, 所在地区, 具体地点, 问题描述, 办理时限, and optionally 转办日期, 反映人, 联系电话
 * (see docs). All rows or none; dry_run checks only. An original number the office holds already is an
 * error of that row. *report: {"dry_run","created","clues":[{row, number, origin_number}],
 * "errors":[{row, message}]}.
 */
enum err clues_import(struct ctx *c, const char *path, bool dry_run, const char *filename, json_t **report);

/* Meta for the office's pages: categories, states, actions, close reasons, findings, sources. */
enum err clues_meta(struct ctx *c, json_t **out);

/* ---- grassroots contact points (基层联系点, contact_points.c) ----
 * Units the supervision office designates (Gu County: "用好…基层联系点…延伸触角、拓宽渠道"; Jiangsu: "选择一些地方和
 * 部门作为联系点"), whose own people report problems and grassroots opinions straight to the office. The office
 * (CAP_CLUE_MANAGE at the unit's government) designates, changes and ends them; those with CAP_CLUE_READ there or
 * above read them; the point's own people (CAP_CLUE_POINT held at its unit itself) read it without the office's
 * note, report through it (each report a clue of source contact_point, handed to the office as any new clue) and
 * follow only their own reports, in the tracking page's words. Every change audited; the point's people are told
 * of its designation and its end. */
extern const struct jv_field contact_points_create_spec[];
extern const struct jv_field contact_points_update_spec[];
extern const struct jv_field contact_points_end_spec[];
extern const struct jv_field contact_points_report_spec[];
struct contact_point_query {
    const char *state; /* active, ended, NULL: both */
    const char *q;     /* name, unit or focus contains it */
    const char *after; /* the `next` of the previous page */
    int limit;         /* 1..200 */
};
/* {"contact_points": [newest first], "next"}. */
enum err contact_points_list(struct ctx *c, const struct contact_point_query *q, json_t **out);
/* One point: {id, name, unit_id, unit_name, office_unit_id, office_name, focus, note (null for its own people),
 * state, state_label, started_on, ended_on, end_reason, reports {total, open}, can {edit, end, report}, version,
 * created_at, updated_at}; 404 when out of sight. */
enum err contact_points_get(struct ctx *c, int64_t id, json_t **out);
/* Designates a unit (unit_id, focus, name?, started_on?, note?): 201; 409 when it is an active point already. */
enum err contact_points_create(struct ctx *c, const json_t *body, json_t **out);
/* Changes name, focus, note ({version, …}); 409 on a stale version or an ended point. */
enum err contact_points_update(struct ctx *c, int64_t id, const json_t *body, json_t **out);
/* Ends the point ({version, reason}): no report is taken through it afterwards. */
enum err contact_points_end(struct ctx *c, int64_t id, const json_t *body, json_t **out);
/* A report through the point by its own people ({category, title?, description, place?}): a new clue; *out
 * {number, received_at, status}. 403 for anyone else, 409 on an ended point. */
enum err contact_points_report(struct ctx *c, int64_t id, const json_t *body, json_t **out);
/* The point's reports, newest first (the office: all, with their clue; its own people: theirs, in the tracking
 * page's words): {"reports": […], "next"}. */
enum err contact_points_reports(struct ctx *c, int64_t id, const char *after, int limit, json_t **out);

/* Research visits at a point (驻点调研) with their report (调研报告: 基本情况, 分析, 建议), the office's: {"visits": […]}, newest
 * first; the government's leaders read the submitted ones, the point's own people every visit without the report. */
extern const struct jv_field contact_point_visit_spec[];
extern const struct jv_field contact_point_visit_submit_spec[];
enum err contact_point_visits(struct ctx *c, int64_t id, json_t **out);
/* Records (vid 0: topic, start_date, end_date, team required), changes a draft ({version, …}) or submits it to the
 * government's principal and leaders (submit: {version}; 422 naming the first of the three parts left empty) —
 * the office only; 409 on an ended point, a submitted report or a stale version. *out: the visit. */
enum err contact_point_visit_save(struct ctx *c, int64_t id, int64_t vid, const json_t *body, bool submit,
                                  json_t **out);
/* One visit as the user may see it (404 when out of sight), and its point (*point, may be NULL: not wanted). */
enum err contact_point_visit_get(struct ctx *c, int64_t id, int64_t vid, json_t **point, json_t **out);

/* The public forms' submission limits, held for all nodes together (the per-process token buckets of
 * src/api/api_public.c refuse a flood first, before any database work): counts one submission of `client`
 * (its address key) in the shared windows of table public_hits and sets *retry_s > 0 when it is over
 * public_submit_per_min in this minute for that address, or over public_submit_all_per_min in this minute
 * for all addresses (*global). The address is kept only as an HMAC under secret_key, for one minute. Its own
 * transaction; nothing counted when both limits are 0 or client is NULL (no address: the demo's reports). */
enum err clues_public_count(struct ctx *c, const char *client, int *retry_s, bool *global);
/* Deletes the counts of windows that have ended (the scheduler). */
enum err clues_public_hits_purge(struct ctx *c);

/* The scheduler's share: forgets expired challenges and ended counting windows, closes the surveys past
 * their closing day. */
enum err clues_sched(struct ctx *c);

/*
 * The photo worker's pass (clue_photos.c): claims the photos of public clues waiting to be stored (under a
 * lease, so that several nodes share them and a node that died leaves its claim to the others), walks each
 * whole, stores its copy without metadata or rejects it with a reason, one transaction each with its audit
 * record. Ends when none is waiting or stop (may be NULL) is set; *done counts the photos settled.
 */
enum err clues_photos_pass(struct ctx *c, const atomic_bool *stop, int *done);
/* fn(arg) is called after each submission that left photos waiting (the worker's wake-up); once, at start. */
void clues_photos_on_queued(void (*fn)(void *), void *arg);

/* Registers clues with the modules below them (the deadlines owner "clue", the unit path copies);
 * once at start-up (modules_init). */
void clues_register(void);

#endif
