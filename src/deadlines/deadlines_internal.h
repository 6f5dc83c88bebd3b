/*
 * deadlines_internal.h: what the files of src/deadlines share: a milestone row as read, the owner
 * of a row, the ladder's arithmetic and the exactly-once step record (steps.c). Private to src/deadlines.
 */
#ifndef DUCHA_DEADLINES_INTERNAL_H
#define DUCHA_DEADLINES_INTERNAL_H

#include "deadlines/deadlines.h"

/* One milestone as read with MS_COLS (strings in the ctx arena). */
struct ms_row {
    int64_t id;
    const char *owner_kind;
    int64_t owner_id, unit_id;
    const char *scope_path, *kind, *state;
    int seq;
    int64_t due;       /* local day */
    bool paused;       /* paused_at is set */
    int64_t paused_at; /* Unix seconds when paused */
    int step;          /* ladder steps taken */
    bool flagged;
};
#define MS_COLS "id, owner_kind, owner_id, unit_id, scope_path, kind, seq, due_date, state, paused_at, step, flagged"
#define MS_NCOLS 12
/* Reads the MS_COLS columns of the current row; false if its due date is malformed. */
bool ms_read(struct ctx *c, struct stmt *st, struct ms_row *m);

/* The registered owner of kind, or one without callbacks (labels from its id) for a kind whose
 * module is not registered. Never NULL. */
const struct dl_owner *dl_owner_of(const char *kind);
/* The object's label, or "<what> #<id>" when it has none (arena). */
const char *dl_owner_label(struct ctx *c, const struct dl_owner *o, int64_t id);
/* The owner's timeline entry; ERR_OK when the owner keeps no timeline. */
enum err dl_owner_timeline(struct ctx *c, const struct dl_owner *o, int64_t id, int64_t unit_id, const char *action,
                           const char *note, json_t *data);
/* "item_id" for owner kind "item": the key under which summaries and the API also carry the owner's
 * id (arena). */
const char *dl_owner_key(struct ctx *c, const char *owner_kind);

/* The ladder (steps.c): steps 0 .. nremind-1 are the reminders, then press, notice, report. */
enum { STEP_PRESS, STEP_NOTICE, STEP_REPORT };
/* The step's name ("remind-2", "press", …) in the arena. */
const char *dl_step_name(struct ctx *c, const struct ladder *l, int s);
/* The first step to take for a milestone due on `due` as seen on `today` (reminders on or before
 * today are skipped). */
int dl_first_step(const struct calendar *cal, const struct ladder *l, int64_t due, int64_t today);
/* The instant step s is due (local midnight of its day), or -1 past the last step; last_esc_day:
 * the day the previous escalation step was taken (-1 if none). */
int64_t dl_step_at(const struct calendar *cal, const struct ladder *l, int64_t due, int s, int64_t last_esc_day);
/* Inserts a step record under its unique key; *fresh is false when it was taken before (by this
 * or another node). ERR_OK or a failure with a message. */
enum err dl_step_record(struct ctx *c, int64_t ms, const char *step, json_t *detail, bool *fresh);
/* Registers the ladder's recheck of its messages at send time with notify (deadlines_register). */
void dl_ladder_register(void);
/* Sets the detail of a step recorded before (the ladder's recipients, known once the owner has acted). */
enum err dl_step_detail(struct ctx *c, int64_t ms, const char *step, json_t *detail);

#endif
