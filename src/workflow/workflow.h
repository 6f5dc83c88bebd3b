/*
 * workflow.h: the one workflow engine of every supervised object (items today; inspections,
 * rectification tasks, clues, reviews, bulletins and talks next).
 *
 * A workflow is data (struct workflow): its states and actions, the transition table with each row's
 * guards (capability, role, scope, a condition on the object, the body members it must carry), who
 * must act in each state (waits) and whom an action informs — plus one effect function per action
 * and a few hooks its module registers (load, lock, save …). From that one declaration the engine
 * derives, for every workflow alike:
 *   - enforcement: workflow_act finds the row, refuses with 404/403/409/422 and the same Chinese
 *     sentences everywhere, runs the effects, writes the state, the audit record, and the to-dos;
 *   - the actions a user may take now (workflow_allowed_actions, the `allowed_actions` of the API);
 *   - the to-dos (table `todos`, maintained in the transaction of every transition; read by
 *     workflow_todos_page for GET /api/v1/todos) and a message to exactly the people a transition
 *     hands work to, and to the unit when a decision about its work is taken (todos.c);
 *   - who must act on an object now, for reminders and escalation (workflow_who_must_act);
 *   - docs/workflow.md (workflow_markdown) and the generic tests (tests/unit/test_workflow.c,
 *     tests/api/test_workflows.py, tests/api/test_todos_matrix.py), which run over every registered
 *     workflow (api_workflows).
 * How to declare a new one: docs/internals/modules.md.
 *
 * Scopes. WF_OBJECT rows are checked against the object's state, with the capability held at the
 * object's home (home_path: for items the issuing government). WF_PART rows act on one of the
 * object's parts — the responsible units' tracks — against that part's state, with the capability held
 * at the part's unit; they apply only while the module's `phase` says the object is in its parts'
 * phase. Numbers of states and actions are the module's enums (ITEM_ST_…, ITEM_ACT_…).
 */
#ifndef DUCHA_WORKFLOW_H
#define DUCHA_WORKFLOW_H

#include "base/buf.h"
#include "core/ctx.h"
#include "core/perm.h"
#include "notify/notify.h"

#include <jansson.h>
#include <stdbool.h>

enum wf_scope {
    WF_OBJECT, /* the object as a whole, checked at its home */
    WF_PART,   /* one part (a responsible unit's track), checked at the part's unit */
};

#define WF_SAME (-1)     /* row target: the state does not change */
#define WF_PREV (-2)     /* row target: the state before the suspension (wf_obj.resume_state) */
#define WF_ANY_ROLE (-1) /* row role: any role that carries the capability */

struct wf_name {
    const char *name;     /* in the API and the database: "in_progress" */
    const char *label;    /* 中文: "办理中" */
    const char *label_en; /* English for the web app's other language: "In progress" */
};

/* A body member that some rows require (bit 1 << index in workflow.fields). */
struct wf_field {
    const char *name;    /* "reason" */
    bool text;           /* true: a non-empty string; false: present (the JSON spec checked its type) */
    const char *missing; /* "需要填写理由（reason）"; NULL: the module's check hook validates it */
};

/* A condition on the object beyond its state, evaluated by the module's cond hook. Index 0 is "none";
 * a row's cond must hold (else 409 with `refusal`); a wait's cond may be negated (-index). */
struct wf_cond {
    const char *name;    /* docs: "pending_extension" */
    const char *refusal; /* 409 message when a row needs it and it does not hold */
};

struct wf_row {
    int from, action, to; /* to: a state, WF_SAME or WF_PREV; part rows: the part's new state */
    enum wf_scope scope;
    enum cap cap;
    int role;            /* WF_ANY_ROLE or the enum role the actor must hold together with cap */
    unsigned fields;     /* required body members: bits of workflow.fields */
    int cond;            /* 0 or the index of a wf_cond that must hold */
    int cap_cond;        /* 0, or a wf_cond under which cap_alt is needed instead of cap */
    enum cap cap_alt;    /* (major items need the leader's decision) */
    const char *records; /* what the row records, in words (docs) */
};

/* Who must act, or who is told: a role held at a place of the object, or a named person. */
enum wf_place {
    WF_AT_HOME,     /* the object's home unit (items: the issuing government) */
    WF_AT_PART,     /* the unit of the part the wait or message is about */
    WF_PERSON,      /* obj.persons[person] (items: the leader in charge) */
    WF_PART_PERSON, /* the part's person (e.g. who requested an extension) */
};
struct wf_who {
    int role; /* enum role at the place (WF_AT_HOME, WF_AT_PART); ignored for persons */
    enum wf_place at;
    int person;  /* WF_PERSON: index into obj.persons */
    bool orelse; /* used only when the entries before it found nobody */
};
#define WF_WHO_MAX 4

/*
 * A wait: in this state (of the object, or of a part of kind `part`), these people must act, awaited to
 * take `action` (or, for a part that is not a track, the module's own operation, e.g. reviewing a
 * report). From the waits come the to-dos, the hand-off messages and workflow_who_must_act.
 */
struct wf_wait {
    int part;          /* -1: the object's state; else a part kind (0: the tracks the rows act on) */
    int state;         /* of the object or the part */
    int cond;          /* 0, +i: only when cond i holds, -i: only when it does not */
    const char *task;  /* stable name of what is awaited ("receive", "review_report") */
    const char *label; /* what the person sees ("待签收") */
    int action;        /* the awaited action, -1 when it is not a workflow action */
    struct wf_who who[WF_WHO_MAX];
    int nwho;
    const char *label_en; /* "Receive" */
};

/* An information: after `action`, these people are told (the unit, when a decision about its work
 * is taken). parts: WF_INFORM_ONCE, WF_INFORM_EACH_PART (every track), WF_INFORM_CONCERNED (the part
 * the action concerned: the actor's track, or the one the effect named; every track, as EACH_PART, when the
 * action concerned none of them: 催办 of one unit or of all). */
enum wf_inform_parts { WF_INFORM_ONCE, WF_INFORM_EACH_PART, WF_INFORM_CONCERNED };
struct wf_inform {
    int action;
    enum wf_inform_parts parts;
    struct wf_who who;
    const char *what; /* docs: "the grade" */
};

/* A kind of part beyond the tracks (kind 0), with its own states (e.g. a pending extension). */
struct wf_partdef {
    const char *name, *label, *label_en;
    const struct wf_name *states;
    int nstates;
};

/* One part of a loaded object. */
struct wf_part {
    int kind; /* 0: a track the WF_PART rows act on; else a wf_partdef index (to-dos only) */
    int64_t id;
    int state;
    int64_t unit_id;
    const char *unit_path, *unit_name;
    int64_t person;       /* WF_PART_PERSON */
    const char *due_date; /* the part's own limit (a report owed by a day of its own), NULL: the object's */
};

#define WF_PERSONS 2

/* One object as the engine sees it, filled by the module's load hook (arena memory). */
struct wf_obj {
    int64_t id, version;
    int state, resume_state;
    int64_t home_unit_id;
    const char *home_path;
    struct perm_item scope; /* visibility (perm_item_visible) and where capabilities are checked */
    const char *number, *title, *due_date;
    const char *variety; /* its kind within the workflow (workflow.varieties: a result's "talk"), NULL: none */
    int64_t persons[WF_PERSONS];
    struct wf_part *parts; /* tracks first (kind 0), in the module's order; then other parts */
    int nparts, ntracks;
};

struct workflow;

/* One action being taken (workflow_act), handed to the effects and hooks. */
struct wf_act {
    struct ctx *c;
    const struct workflow *wf;
    struct wf_obj *obj; /* the module's object begins with it */
    const struct wf_row *row;
    int action;
    int part;            /* index of the actor's track for WF_PART rows; -1 for object rows */
    int concerned;       /* the part an object row concerned (e.g. whose extension was decided), -1 */
    const json_t *body;  /* as sent */
    json_t *data;        /* what the timeline and the audit record keep: the body plus what effects add */
    int from, part_from; /* the states before */
    int to, part_to;     /* the states after (set by the engine before save) */
    const char *outcome; /* a sentence for the informed ("同意延期至 2026-05-01") */
    int64_t result_id;   /* an id the caller returns (the new report's) */
};

/* An effect of one action: before runs ahead of the state change, after once the state, the timeline
 * and the audit record are written (e.g. the archive file that includes them). */
struct wf_effect {
    enum err (*before)(struct wf_act *a);
    enum err (*after)(struct wf_act *a);
};

struct workflow {
    const char *name;                    /* object kind: "item" (to-dos, audit "item.submit", messages' object_type) */
    const char *what;                    /* in messages: "督办事项" */
    const char *title;                   /* docs heading */
    const char *intro;                   /* docs paragraph (markdown) */
    const char *link;                    /* the web page of one object, with %lld for its id: "/items/%lld" */
    const char *part_what;               /* "责任单位办理记录" */
    const char *home_what;               /* docs: what the home is, "issuing government" */
    const char *track_what;              /* docs: what a part of kind 0 is, "track" */
    const char *person_what[WF_PERSONS]; /* docs: "leader in charge" */
    const char *part_key;                /* the part in the audit record and the API: "track" */
    const char *part_member;             /* the body member that names the actor's part: "track_id" */
    /* The table of the objects (with id and version): on PostgreSQL an action takes the object's row lock
     * (SELECT … FOR NO KEY UPDATE) before loading it, so that concurrent actions on one object queue and each
     * loads the version the one before it committed (SQLite: the transaction's write lock does that).
     * Required: workflow_lint reports a workflow without it, and an action on one is refused (500). */
    const char *table;
    const struct wf_name *states;
    int nstates;
    /* the kinds of object it runs, when they differ in what people call them (a result: 约谈, 通报批评; a
     * bulletin: 督查专报): its to-dos and their messages say the object's (wf_obj.variety), not `what` */
    const struct wf_name *varieties;
    int nvarieties;
    const struct wf_name *actions;
    int nactions;
    const struct wf_row *rows;
    int nrows;
    const struct wf_field *fields;
    int nfields;
    const struct wf_cond *conds;
    int nconds;
    const struct wf_wait *waits;
    int nwaits;
    const struct wf_inform *informs;
    int ninforms;
    const struct wf_partdef *partdefs; /* index 0 unused (the tracks); may be NULL */
    int npartdefs;
    /* What the object's timeline records besides its actions (registration, a notice sent, a deadline
     * step …): names as the timeline stores them, labels in both languages. Together with the states
     * and actions these are every word the API, the web app, the documents and the exports use for
     * the object's history (wf_event). May be NULL. */
    const struct wf_name *events;
    int nevents;
    const struct wf_effect *effects; /* nactions entries, indexed by action */
    enum cap read_cap;               /* rows with this capability need visibility only */

    /* Loads the object without permission checks; ERR_NOT_FOUND (with its message) if absent. The
     * module's own struct begins with the wf_obj, so the hooks below may cast it back. With `waits`,
     * also the parts beyond the tracks that may wait on someone (pending requests …). */
    enum err (*load)(struct ctx *c, int64_t id, bool waits, struct wf_obj **out);
    /* Does cond (an index of conds, > 0) hold for the object? */
    bool (*cond)(struct ctx *c, struct wf_obj *o, int cond);
    /* True in the parts' phase, when WF_PART rows apply and the tracks wait on someone. */
    bool (*phase)(int state);
    /* Checks the body beyond the presence of the required fields (dates, grades); 422 with a message. */
    enum err (*check)(struct wf_act *a);
    /* After the effects: the object's new state when a part row moved a track (the roll-up). */
    int (*rollup)(struct wf_act *a);
    /* Writes the new state (a->to) and the version, and the timeline; 409 if changed concurrently. */
    enum err (*save)(struct wf_act *a);
    /* Runs after every action's before-effect (items: tells the deadline clocks). May be NULL. */
    enum err (*on_action)(struct wf_act *a);
    /* Fills n for a message (a to-do when wait != NULL, else an information); may leave the default.
     * May be NULL. */
    void (*notice)(struct wf_act *a, const struct wf_wait *wait, const struct wf_inform *inf,
                   const struct wf_part *part, struct notice *n);
    /* Object ids after `after`, ascending, at most limit, of objects that may wait on someone (for
     * workflow_todos_rebuild). */
    enum err (*ids)(struct ctx *c, int64_t after, int limit, int64_t *out, int *n);
};

/* ---- the table ---- */

const char *wf_state_name(const struct workflow *wf, int s);
const char *wf_state_label(const struct workflow *wf, int s);
/* The words of a variety (its name), NULL when the workflow has none of that name. */
const char *wf_variety_label(const struct workflow *wf, const char *name);
bool wf_state_parse(const struct workflow *wf, const char *s, int *out);
const char *wf_action_name(const struct workflow *wf, int a);
const char *wf_action_label(const struct workflow *wf, int a);
bool wf_action_parse(const struct workflow *wf, const char *s, int *out);
/* The words of one timeline entry: an action's, else one of the workflow's events; NULL when unknown. */
const struct wf_name *wf_event(const struct workflow *wf, const char *name);
/* The row for (from, action), or NULL when the pair is not listed. */
const struct wf_row *wf_find(const struct workflow *wf, int from, int action);
/* The capability the row needs on this object (cap_alt when cap_cond holds). */
enum cap wf_row_cap(struct ctx *c, const struct workflow *wf, const struct wf_row *r, struct wf_obj *o);

/* ---- enforcement ---- */

/* May the signed-in user take `action` on the object in some state (at the home or a track)? */
bool workflow_may_ever(struct ctx *c, const struct workflow *wf, struct wf_obj *o, int action);
/* The actions the user may take now, as a JSON array of names: object rows when part < 0, else the
 * rows of track `part` (an index of o->parts). */
json_t *workflow_allowed_actions(struct ctx *c, const struct workflow *wf, struct wf_obj *o, int part);
/*
 * Takes one action in one transaction (ctx_tx): load (404 if invisible), 403 when the user may take it
 * in no state, 409 on a stale body "version" or when no row fits the current state ("「X」只能在「A」
 * 「B」状态下进行，当前状态为「C」"), 422 on missing body members, 409 when the row's condition fails;
 * then (the object's row locked before it was loaded: its version is the current one) the effects, the
 * new state, the timeline, the audit record "<name>.<action>"
 * and the to-dos and messages. The scheduler and the CLI (ctx->user NULL) go through here too.
 * *result_id: the effect's result id (0 when none).
 */
enum err workflow_act(struct ctx *c, const struct workflow *wf, int64_t id, int action, const json_t *body,
                      int64_t *result_id);
/*
 * Inside the caller's transaction: the object's row lock (PostgreSQL; sent with the load, one round trip)
 * and the object loaded after it (wf->load without waits). For a module's own change of an object outside
 * workflow_act that must not race another change of it (a proposal added to a plan: both would insert the
 * plan's new to-do). 404 as wf->load answers.
 */
enum err workflow_lock_load(struct ctx *c, const struct workflow *wf, int64_t id, struct wf_obj **o);

/* ---- to-dos and messages (todos.c) ---- */

/*
 * Brings the stored to-dos of one object in line with its state (loaded again), inside the caller's
 * transaction: deletes those no longer awaited, inserts the new ones and — when a (the action that
 * caused it) is given — sends each new one's people a message (MSG_TODO, or the module's notice).
 * A to-do that stays keeps its `since`. Modules call it after changes outside workflow_act that
 * change what waits (a report reviewed, a draft edited).
 */
enum err workflow_todos_sync(struct ctx *c, const struct workflow *wf, int64_t id, struct wf_act *a);
/* The same for an object inserted by the caller's transaction: no lock of its row first (no other transaction
 * can see it; on PostgreSQL the lock of a row just inserted was a statement and a WAL record of its own). */
enum err workflow_todos_sync_new(struct ctx *c, const struct workflow *wf, int64_t id);
/* Recomputes every object's to-dos (after a migration, or a bulk import such as `ducha gen`) without
 * messages; *count: objects visited. Its own transactions, a batch of objects each, beside a running server:
 * the caller must not be in a transaction. */
enum err workflow_todos_rebuild(struct ctx *c, const struct workflow *wf, int64_t *count);
/* Moves the to-dos' light dates (todo_light_dates) to today's and recolours the counts per light (todo_lights)
 * from todo_counts, in a transaction of its own (nothing when they are today's already): each scheduler pass and
 * a moved clock, through ledger_lights_refresh. */
enum err workflow_todo_lights_refresh(struct ctx *c);

/* Sends n to the people `who` names for the object (and the part, for WF_AT_PART and
 * WF_PART_PERSON), inside the caller's transaction. For modules' own decisions (a report reviewed). */
enum err workflow_tell(struct ctx *c, struct wf_obj *o, const struct wf_part *part, const struct wf_who *who,
                       const struct notice *n);

/* One entry of who must act on an object now (from the stored to-dos). */
struct wf_actor {
    int role;             /* enum role, or -1 for a named person */
    int64_t unit_id;      /* where the role is held (0 for a person) */
    int64_t user_id;      /* the person (0 for a role) */
    int64_t part_unit_id; /* the unit of the part the to-do is about (0: the object) */
    const char *task, *label;
};
/*
 * Who must act on object `id` of kind `kind` now (for reminders and escalation), from the to-dos: a
 * list of roles at units and named persons, in the arena. part_unit_id != 0 keeps only the to-dos
 * about that unit's track. Use workflow_notify_who_must_act to send them a message.
 */
enum err workflow_who_must_act(struct ctx *c, const char *kind, int64_t id, int64_t part_unit_id, struct wf_actor **out,
                               int *n);
/* Sends n to every person who must act on the object now (optionally only about part_unit_id's track);
 * *sent: how many people. */
enum err workflow_notify_who_must_act(struct ctx *c, const char *kind, int64_t id, int64_t part_unit_id,
                                      const struct notice *n, int *sent);

/* The dates that light a due date (today, and the last day that is yellow: cfg->yellow_days working days
 * ahead, from the working-day calendar), and the light: "red" overdue, "yellow", "green", "none" undated. */
void workflow_light_dates(struct ctx *c, char today[11], char yellow[11]);
/* The same from the clock as it is now, not c->now (the instant a scheduler pass started at): a refresh of stored
 * lights takes its day under its dates' lock, so that a clock moved (or midnight passed) since its caller read
 * the clock does not set the lights back a day after the clock's own refresh moved them on. */
void workflow_light_dates_now(struct ctx *c, char today[11], char yellow[11]);
const char *workflow_light(const char *due, const char *today, const char *yellow);

/* The signed-in user's to-dos (GET /api/v1/todos). */
struct todo_query {
    const char *after; /* cursor from the previous page ("next"), or NULL */
    const char *kind;  /* only this object kind, or NULL */
    const char *light; /* only red, yellow, green or none, or NULL */
    int64_t object_id; /* only the to-dos about this object of kind (which it needs), or 0 */
    int limit;         /* 1..200 */
};
/* Writes {"todos":[…], "next": cursor|null, "counts":{"total", "by_kind":{…}, "by_light":{…}}} into out
 * (JSON text; nothing on an error). The cost is the page (an index range per role the user holds) plus the
 * user's rows of todo_lights (one per kind and light); never a scan of the objects or of the to-dos the
 * user can see. kinds labels the object kinds (NULL-ended list of the registered workflows). */
enum err workflow_todos_page(struct ctx *c, const struct workflow *const *kinds, const struct todo_query *q,
                             struct buf *out);

/* ---- description ---- */

/* The workflow as JSON (states, actions, transitions, waits, informs) for GET /api/v1/workflows. */
json_t *workflow_json(const struct workflow *wf);
/* docs/workflow.md for the NULL-terminated list (malloc'd; the caller frees). */
char *workflow_markdown(const struct workflow *const *wfs);
/* Checks the declaration (states and actions in range, one row per pair, one scope per action,
 * waits whose people can take the awaited action …); appends one line per problem to *problems
 * (malloc'd, NULL when none; the caller frees). Run by the unit tests over every workflow. */
int workflow_lint(const struct workflow *wf, char **problems);

#endif
