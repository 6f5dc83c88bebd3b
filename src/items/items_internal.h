/* items_internal.h: what the files of src/items share (not for other modules). */
#ifndef DUCHA_ITEMS_INTERNAL_H
#define DUCHA_ITEMS_INTERNAL_H

#include "items/items.h"

struct track {
    int64_t id, unit_id;
    const char *unit_path, *unit_code, *unit_name;
    bool lead;
    enum item_state state;
    int progress;
    const char *received_at, *plan_text, *plan_date, *reply_text, *signed_at;
};

/* One item as loaded (arena strings). */
/* The key of an item's number taken at the commit (counter_next_late), and its token while it is
 * pending in this transaction (NULL otherwise): a load of an item not yet numbered shows the token. */
const char *item_number_key(struct ctx *c, int64_t id);
const char *item_late_number(struct ctx *c, int64_t id);

struct item {
    struct wf_obj wf; /* the workflow engine's view of the same item (first: see item_of) */
    int64_t id, office_unit_id, lead_unit_id, leader_id, parent_id, created_by, version, year;
    int64_t num_year, num_seq;
    int64_t source_clue_id; /* the clue it was converted from (互联网+督查), 0 none */
    const char *number, *title, *requirement, *source_kind, *source_ref, *source_date;
    const char *office_path, *office_name, *lead_path, *lead_name, *leader_name;
    const char *importance, *kind, *due_date, *confidentiality, *tags, *grade;
    const char *created_at, *updated_at, *closed_at, *assigned_at;
    enum item_state state, resume_state;
    bool escalated;
    int progress;
    struct track *tracks;
    int ntracks;
    struct perm_item scope;
    int64_t pending_ext; /* the pending extension request's id, 0 none, -1 not read yet */
};

/* The item whose engine view o is (item_workflow's hooks and effects). */
#define item_of(o) ((struct item *)(void *)(o))

/* Loads the item and its tracks without permission checks; 404 if absent. */
enum err item_load(struct ctx *c, int64_t id, struct item *it);
/* What only the detail view shows, as read with the item: arrays of rows, each sorted by its id (the columns view
 * item_detail names, migration 0306; a child's lead unit id replaced by its name). */
struct item_lists {
    json_t *children, *extensions, *suspensions;
};
/* item_load and the item's lists in one statement (one round trip on PostgreSQL); free the lists with
 * item_lists_free. No permission checks; 404 if absent. */
enum err item_load_detail(struct ctx *c, int64_t id, struct item *it, struct item_lists *lists);
void item_lists_free(struct item_lists *lists);
/* Adds to it->wf the parts beyond the tracks that may wait on someone: the pending extension request
 * (while the item is with its units), the progress reports waiting for review (until it is closed) and
 * the units whose overdue work the deadline ladder pressed or reported and nobody has pressed since. */
enum err item_load_waits(struct ctx *c, struct item *it);
/* Loads and requires visibility (404). */
enum err item_load_visible(struct ctx *c, int64_t id, struct item *it);
/* item_load_visible after the item's row lock (PostgreSQL), for a transaction that will item_lock and change
 * it: a load before the lock may read a version a concurrent writer is replacing, and item_lock would then
 * refuse with 409 although the client sent no version. */
enum err item_load_locked(struct ctx *c, int64_t id, struct item *it);
/*
 * The item's progress (0–100) in state `state`, rolled up: 100 once completed or archived; else the mean
 * over its responsible units' tracks of each track's progress — 100 once its head signed the completion,
 * the mean of the child items its unit decomposed the item into (层层分解) when there are any, else what
 * the unit last reported. Reads the child items; the tracks as held in `it` (the effects' changes).
 */
enum err item_progress_of(struct ctx *c, const struct item *it, enum item_state state, int *progress);
/* Writes the rolled-up progress of item parent_id and of its ancestors again (after a child item changed),
 * inside the caller's transaction; a parent whose progress did not change stops the walk. */
enum err item_parent_progress(struct ctx *c, int64_t parent_id);
/* Locks the item's row for the rest of the transaction (a no-op write: portable row lock) and
 * checks that it still has the version that was loaded; 409 if someone changed it meanwhile. */
enum err item_lock(struct ctx *c, const struct item *it);
/* Appends a timeline event; data may be NULL (borrowed). */
enum err item_event(struct ctx *c, int64_t item_id, const char *kind, const char *action, int from, int to,
                    int64_t track_id, int64_t unit_id, const char *note, json_t *data);
/* The name under which the item workflow labels a timeline entry (wf_event): an action or an event
 * by its action, the deadline module's entries as "deadline_" and the step ("remind-2" → "deadline_remind"). */
const char *item_event_name(struct ctx *c, const char *kind, const char *action);
/* What the entry `name` (item_event_name) did or decided, as a sentence that does not repeat its label
 * ("主任审批通过，待交办。", "同意延期，办结时限由…延至…。"), from its state before, its unit, its note and
 * its data. Arena memory. */
const char *item_event_text(struct ctx *c, const char *name, const char *from, const char *unit, const char *note,
                            const json_t *data);
/* Hands the item listed for inspection to the inspections module (core/hooks.h), which makes it a
 * proposal; *inspection_id: the proposal's, 0 without one. Inside the caller's transaction. */
enum err item_escalated(struct ctx *c, const struct item *it, const char *reason, int64_t *inspection_id);
/* Today's local date as YYYY-MM-DD. */
void item_today(struct ctx *c, char out[11]);
/* Configured grades (settings key item_grades, default 优秀,良好,合格,不合格). */
const char **item_grades(struct ctx *c, int *n);
/* Actions the user may take now (JSON array of names); per track when track != NULL. */
json_t *item_allowed_actions(struct ctx *c, struct item *it, const struct track *track);
/* The id of the item's pending extension request, 0 when none (read once per load). */
int64_t item_pending_extension(struct ctx *c, struct item *it);
/* The effect of each action (item_effects.c), indexed by enum item_action. */
extern const struct wf_effect item_effects[];
/* What write (items_write, items_events_write) writes of object id, parsed: for the callers that add to it or
 * read it; ERR_INTERNAL ("what") if the text does not parse. */
struct jw;
enum err item_written_tree(struct ctx *c, int64_t id, enum err (*write)(struct ctx *, int64_t, struct jw *),
                           json_t **out, const char *what);
/* The string as JSON, or null (for optional members). */
json_t *item_str_or_null(const char *s);
/* Checks the enumerated values (source kind, importance, kind, confidentiality), the title, the tags
 * and the dates (the due date not before today, the source's date not after it) of a create or
 * update body beyond its JSON spec; 422 with a sentence naming the member (ctx_fail_field). */
enum err item_check_values(struct ctx *c, const json_t *b);
/* The track a split of it is made under for the caller (its children go to units below that track's unit): the
 * first track the caller may register items at (of unit, when unit != 0), while the item runs; NULL: none. */
const struct track *item_split_track(struct ctx *c, const struct item *it, int64_t unit);
/*
 * Who issues a new item, and under which government's path (item_create.c): for a child (parent_id), the
 * office of the government responsible on the parent's track; for an explicit office_unit_id of b, that
 * office's government; else the user's first grant to register items. The user must be allowed to register
 * there (403/404); ctx->acting is that grant.
 */
enum err item_issuer_of(struct ctx *c, int64_t parent_id, const json_t *b, int64_t *office, const char **office_path);
/* Registers a new item like items_create, calling then(c, new id, arg) inside the same transaction once the
 * draft exists (e.g. to link it to what it comes from); an error of then undoes the registration. */
typedef enum err (*item_created_fn)(struct ctx *c, int64_t item_id, void *arg);
enum err item_create_then(struct ctx *c, const json_t *body, item_created_fn then, void *arg, json_t **out);
/* The leader in charge must hold the leader or principal role at or above the issuing government (office_path)
 * and be enabled; 422 naming leader_id otherwise. */
enum err item_check_leader(struct ctx *c, int64_t leader, const char *office_path);
/* Source kind label, NULL if unknown. */
/* Validates the lead and co-responsible units of a create/update (they exist, lie within office_path,
 * no repeats) with one read of their paths; fills the lead's path and, if co_paths is not NULL, the
 * co units' paths in co's order (arena). */
enum err item_check_units(struct ctx *c, const char *office_path, int64_t lead, const json_t *co,
                          const char **lead_path, const char ***co_paths);

/* Tells the deadline clocks (src/deadlines) what action a did on the item (track tr for unit
 * actions; data: the action's recorded body): assignment fills each track's milestones, receipt
 * and reports close theirs, suspension and pending extensions pause the clocks (item_deadlines.c). */
/* The office of the item hears that the track's unit submitted the report owed by milestone ms_id late. */
enum err items_report_late_notice(struct ctx *c, const struct item *it, const struct track *tr, int64_t ms_id);
enum err item_deadlines(struct ctx *c, const struct item *it, const struct track *tr, enum item_action a,
                        const json_t *data);

#define ITEM_WHAT "督办事项"

/* A ranked search's n matches (ids newest first, as read, with their ranks: smaller is better) in the order of a
 * ranked page: best rank first, then newer (ledger.c). */
int64_t *ledger_rank_sort(struct arena *a, const int64_t *ids, const double *ranks, int n);

/* The names on ledger rows from the process cache (ledger_names.c). ledger_names_send prepares and sends
 * the read of name_generation (with the page's statements: one snapshot, no round trip of its own);
 * ledger_names_fill reads it (and finishes it, also when n is 0), then sets each row's lead_unit_name,
 * leader_name (leader_id 0: NULL) and tracks' unit_name, reading the names the cache lacks. */
struct ledger_row;
struct stmt *ledger_names_send(struct ctx *c);
enum err ledger_names_fill(struct ctx *c, struct arena *a, struct stmt *gen_st, struct ledger_row *rows, int n);
/* The same for n units' ids (the overview's): out[i] the name of ids[i] (c->arena), NULL for no such unit. */
enum err ledger_unit_names(struct ctx *c, struct stmt *gen_st, const int64_t *ids, const char **out, int n);
/* An item's office's, lead unit's and leader's names (it->office_name, lead_name, leader_name), each track's unit's
 * name and code, and kid_names[i] the name of unit kid_units[i] (its children's lead units) from the cache valid
 * under the names' generation gen, read in the item's statement (known: the row was there; view item_detail). */
enum err ledger_item_names(struct ctx *c, bool known, int64_t gen, struct item *it, const int64_t *kid_units,
                           const char **kid_names, int nkids);

#endif
