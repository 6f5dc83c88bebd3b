/*
 * clues_internal.h: what the files of src/clues share: the clue as loaded (it begins with the engine's
 * wf_obj), the workflow's enums, and helpers. Files: clue_workflow.c (the table and the hooks),
 * clue_effects.c (one effect per action), clue_load.c (load, JSON, lists, timeline, reporter),
 * clue_submit.c (the public form, staff records, the tracking page), clue_import.c (transfers from
 * above), clue_photos.c (photos), clue_deadlines.c (the deadline owner and registrations).
 */
#ifndef DUCHA_CLUES_INTERNAL_H
#define DUCHA_CLUES_INTERNAL_H

#include "clues/clues.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "units/units.h"

#define CLUE_WHAT "线索"
#define CLUE_KIND "clue"        /* the workflow's name, the deadlines owner kind, the audit object type */
#define CLUE_LINK "/clues/%lld" /* the clue's page: its to-dos and ladder messages open it */
#define CLUE_SIMILAR_MIN 0.3    /* bigram Dice from which clues are offered as possible duplicates */
#define CLUE_DUP_HINT 0.5       /* … and from which a new clue is marked as one when it comes in */

enum clue_state {
    CLUE_ST_RECEIVED,  /* 待分拣 */
    CLUE_ST_VERIFYING, /* 核查中 */
    CLUE_ST_VERIFIED,  /* 已核查，待处理 */
    CLUE_ST_CONVERTED, /* 已转为督办事项或督查 */
    CLUE_ST_CLOSED,    /* 已办结 */
    CLUE_ST_MERGED,    /* 已合并 */
    CLUE_ST__COUNT
};

enum clue_action {
    CLUE_ACT_ASSIGN,
    CLUE_ACT_REPORT,
    CLUE_ACT_RECALL,
    CLUE_ACT_MERGE,
    CLUE_ACT_CONVERT_ITEM,
    CLUE_ACT_CONVERT_INSPECTION,
    CLUE_ACT_CLOSE,
    CLUE_ACT_REPLY,
    CLUE_ACT_COMMENT,
    CLUE_ACT_PRESS,
    CLUE_ACT__COUNT
};

/* bits of the workflow's fields, in the order of the table in clue_workflow.c */
enum clue_field {
    CLUE_F_UNIT = 1 << 0,
    CLUE_F_DUE = 1 << 1,
    CLUE_F_TEXT = 1 << 2,
    CLUE_F_FINDING = 1 << 3,
    CLUE_F_REASON = 1 << 4,
    CLUE_F_INTO = 1 << 5,
    CLUE_F_REPLY = 1 << 6,
    CLUE_F_CLOSE_REASON = 1 << 7,
    CLUE_F_LEAD = 1 << 8,
    CLUE_F_START = 1 << 9,
    CLUE_F_END = 1 << 10,
};

/* One verification (线索核查): an assignment to a unit. */
struct clue_verif {
    int64_t id, unit_id;
    const char *unit_path, *unit_name, *state, *request, *due_date, *finding, *report, *reported_at, *assigned_at;
    int64_t reported_by;
};

struct clue {
    struct wf_obj wf; /* first: the engine's view (id, version, state, home, scope, number, title, due, parts) */
    int64_t office_unit_id, area_unit_id, unit_id, merged_into, item_id, inspection_id, dup_of, created_by;
    int64_t contact_point_id; /* the grassroots contact point it came from (0: none); the office's to know */
    const char *office_path, *office_name, *area_path, *area_name, *unit_path, *unit_name;
    const char *place, *category, *description, *summary, *source, *origin_platform, *origin_number, *origin_due_date,
        *origin_received_on, *close_reason, *public_reply, *created_at, *updated_at, *closed_at;
    double dup_score;
    bool anonymous;
    int photos;
    int summary_masked;        /* parts of the description masked in the summary when the clue came in */
    bool summary_reviewed;     /* the office confirmed the summary (clue_summary_confirm) */
    struct clue_verif *verifs; /* every verification, oldest first */
    int nverifs;
    int current; /* the verification the track is (the latest not recalled), -1 when none */
};

static inline struct clue *clue_of(struct wf_obj *o)
{
    return (struct clue *)o;
}

extern const struct wf_effect clue_effects[CLUE_ACT__COUNT];

/* ---- names (clue_workflow.c) ---- */
const char *clue_state_name(enum clue_state s);
const char *clue_state_label(enum clue_state s);
/* The category's label, NULL when the name is not a category. */
const char *clue_category_label(const char *name);
/* The category named by its name, its label or the beginning of its label; NULL when none. */
const char *clue_category_parse(const char *s);
/* The label of a close reason, NULL when unknown. */
const char *clue_close_reason_label(const char *name);
/* The label of a verification finding, NULL when unknown. */
const char *clue_finding_label(const char *name);
/* The categories, close reasons, findings as [{name,label}] (caller owns). */
json_t *clue_categories_json(void);
json_t *clue_close_reasons_json(void);
json_t *clue_findings_json(void);

/* ---- load (clue_load.c) ---- */
/* Loads the clue and its verifications without permission checks (404 when absent). */
enum err clue_load(struct ctx *c, int64_t id, struct clue *out);
/* Loads and checks that the user sees it (404 otherwise). */
enum err clue_load_visible(struct ctx *c, int64_t id, struct clue *out);
/* True when the user is the clue's supervision office (CAP_CLUE_MANAGE at its home). */
bool clue_is_office(struct ctx *c, const struct clue *cl);
/* The clue as JSON for the user (the office's view or a verifier's). */
json_t *clue_json(struct ctx *c, struct clue *cl);
/* Appends a timeline row; note is internal, data (borrowed, may be NULL) as recorded; pub: shown on
 * the reporter's tracking page. */
enum err clue_event(struct ctx *c, int64_t id, const char *kind, const char *action, int from, int to, int64_t unit_id,
                    const char *note, bool pub, json_t *data);

/* The clue an item was converted from as {id, number, link} (*out, caller owns) for a reader of the clue's office
 * (CAP_CLUE_READ at its office: the office, those above, the government's leaders), else NULL — never for a unit
 * below, the unit concerned among them: the hook hooks_clue_source (registered by clues_register); one statement,
 * only for such an item. */
enum err clue_item_source(struct ctx *c, int64_t clue_id, json_t **out);

/* ---- the summary (clue_effects.c) ---- */
/* Before an action that hands the clue's summary to others (assign, convert_item, convert_inspection): the
 * body's "summary", when present, becomes the clue's, confirmed by the office (cl->summary follows); without it,
 * a summary the office never confirmed is a 422 naming "summary". The recorded body keeps only that it was
 * confirmed. */
enum err clue_summary_confirm(struct wf_act *a);

/* ---- creation (clue_submit.c) ---- */
struct clue_new {
    const char *category, *title, *description, *place, *source, *origin_platform, *origin_number, *origin_due_date;
    int64_t area_unit_id, office_unit_id; /* office 0: the nearest government with a supervision office */
    bool anonymous;
    json_t *reporter; /* {name, phone, email} or NULL (borrowed) */
    int64_t dup_of;   /* the duplicate hint (computed before the transaction), 0: none */
    double dup_score;
    const char *received_on;  /* transfers: the day it was transferred above (转办日期), NULL: not given */
    int64_t contact_point_id; /* source contact_point: the grassroots contact point it came from (0: none) */
};
/* Checks the values of a new clue (category, area, texts, reporter); 422 naming the field. */
enum err clue_check_new(struct ctx *c, struct clue_new *n);
/* Inserts a checked clue inside the caller's transaction: number, tracking code (*code, arena, may be
 * NULL to make none public), reporter, duplicate hint, the "submit" event, the audit record, the
 * office's to-do and its message. *id: the new clue; *numbered (may be NULL): its number (arena). */
enum err clue_insert(struct ctx *c, const struct clue_new *n, const char **code, int64_t *id, const char **numbered);
/* The most alike earlier clue of the office in the area's subtree (same place, bigram similarity of the text), the
 * hint a new clue carries: *dup_of 0 when none. Outside any transaction. */
void clue_dup_hint(struct ctx *c, int64_t office_id, const char *area_path, const char *place, const char *text,
                   int64_t *dup_of, double *score);
/* The office (government with an office role) that handles clues of an area: the nearest on its path. */
enum err clue_office_of(struct ctx *c, const char *area_path, int64_t *office_id, const char **office_path);

/* The words of a clue's source ("群众反映（互联网+督查）" …) as the user may read them: a contact point's report
 * reads as the office's own record (staff) to anyone but its supervision office (office false), since
 * which channel brought a problem in can name who reported it (条例 Art. 26). *shown: the source shown. */
const char *clue_source_label(const char *source, bool office, const char **shown);

/* ---- the limits (clue_limits.c) ---- */
/* clues_public_count inside the caller's transaction: a valid public submission counts itself last in the
 * transaction that stores it, so that it commits once. */
enum err clue_public_count_in(struct ctx *c, const char *client, int *retry_s, bool *global);

/* ---- photos (clue_photos.c) ---- */
/* Writes the form's photos as sent under data_dir/clues/raw (each fsynced; before the clue's transaction, outside
 * its write lock): *names their file names, in the order of the form's photo parts (arena). */
enum err clue_photos_keep(struct ctx *c, const struct form *f, const char ***names, int *n);
/* Deletes files clue_photos_keep wrote (the submission was not stored). */
void clue_photos_drop(struct ctx *c, const char *const *names, int n);
/* Checks one photo's size and kind by its first bytes (413 beyond public_photo_limit, 415 not JPEG/PNG) and
 * records it for the photo worker, its file as sent `file` (clue_photos_keep): its row 'pending' and its
 * clue_photo_raw row (inside the caller's transaction; nobody is served it until the worker stored a copy
 * without metadata). */
enum err clue_photo_add(struct ctx *c, int64_t clue_id, const char *file, const char *data, size_t len);
/* Checks a photo without keeping it (the same refusals). */
enum err clue_photo_check(struct ctx *c, const char *data, size_t len);
/* After the commit of a submission with photos: wakes the photo worker (clues_photos_on_queued). */
void clue_photos_queued(void);
/* Attaches the stored photos of clue clue_id (only photo `only` when it is not 0) to item item_id, in the
 * caller's transaction, each a copy named 线索照片<k>.jpg/.png, k its place among the clue's photos: at the
 * conversion those stored, and each one the photo worker stores afterwards (a converted clue's photo still
 * waiting then is not lost to the item). An item that no longer takes files (archived, withdrawn) keeps
 * none: the photo stays the clue's. */
enum err clue_photos_to_item(struct ctx *c, int64_t clue_id, int64_t item_id, int64_t only);

/* ---- deadlines (clue_deadlines.c) ---- */
/* The clocks of an action (assign: the verification milestone; report: done; recall, close …). */
enum err clue_deadlines(struct wf_act *a);

/* ---- helpers ---- */
/* Column i of a row as an arena copy, NULL for SQL NULL. */
const char *clue_col(struct ctx *c, struct stmt *st, int i);
/* Today's local date (YYYY-MM-DD) at ctx->now. */
void clue_today(struct ctx *c, char out[11]);
/* The public status of a state: "已受理", "核查中", … */
const char *clue_public_status(enum clue_state s);
/* What the reporter reads of a clue converted into an item, by the item's state (its state in the database): still
 * being registered and approved (draft … approved), with the units (assigned … signed, suspended), completed,
 * withdrawn. */
const char *clue_item_public_status(const char *item_state);
/* Done for the reporter: the item a clue became is completed, archived or withdrawn. */
bool clue_item_done(const char *item_state);

#endif
