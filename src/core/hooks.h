/*
 * hooks.h: services of higher layers that domain modules use without including them. Documents
 * (src/docs) sit above the domain modules they render; a domain module that must seal a reply or
 * queue an archive file inside its own transaction calls the hook, and the documents module registers the
 * functions at start-up (modules_init, src/cli/cli_modules.c), as Redis modules register callbacks.
 * Registration happens once, before any request or scheduler pass; the table is read-only after.
 */
#ifndef DUCHA_HOOKS_H
#define DUCHA_HOOKS_H

#include "core/ctx.h"

#include <jansson.h>

/* A unit's signed reply on an object (the completion reply of an item's track). */
struct doc_reply {
    const char *object_type; /* "item" */
    int64_t object_id;
    const char *number, *title; /* of the object, as the reply quotes them */
    int64_t unit_id;            /* whose seal signs */
    const char *unit_name, *reply;
    bool office; /* sealed on the issuing office's authority, which the caller checked (a conclusion) */
};

/* A document an office issues under its own seal (a bulletin): the canonical text it seals. */
struct doc_issue {
    const char *object_type; /* "bulletin" */
    int64_t object_id;
    int64_t unit_id;       /* the issuing office, whose seal signs */
    const char *canonical; /* UTF-8 text: what was issued */
};

struct doc_hooks {
    /* Seals the reply with the unit's seal (核签并加盖公章) inside the caller's transaction. */
    enum err (*seal_reply)(struct ctx *c, const struct doc_reply *r);
    /* Queues the archive file of an object (立卷归档) inside the caller's transaction (the archive transition's):
     * it is rendered after the commit, outside any write transaction, and recorded once (docs_archive_build,
     * src/docs/itemdocs_archive.c). *out (caller owns): {pending: true}. */
    enum err (*archive)(struct ctx *c, const char *object_type, int64_t object_id, json_t **out);
    /* Seals an issued document with the issuing office's seal inside the caller's transaction (the
     * caller checked the right to issue); without a configured secret_key it is issued unsealed. */
    enum err (*seal_issue)(struct ctx *c, const struct doc_issue *d);
};

/* Registers the documents module's functions (start-up only). */
void hooks_set_docs(const struct doc_hooks *h);

/* Call the registered function; without one, ERR_INTERNAL with a message saying that documents are
 * not available (a start-up bug: the binary always registers them). */
enum err hooks_seal_reply(struct ctx *c, const struct doc_reply *r);
enum err hooks_archive(struct ctx *c, const char *object_type, int64_t object_id, json_t **out);
enum err hooks_seal_issue(struct ctx *c, const struct doc_issue *d);

/*
 * An object listed for inspection (列入督查事项: the item workflow's escalate, the ladder's last step). The
 * inspections module turns it into a proposal (督查工作建议) linked to the object; *inspection_id is the
 * proposal's (0 when no module is registered: items work without inspections).
 */
struct escalation {
    const char *object_type; /* "item" */
    int64_t object_id;
    const char *number, *title, *reason;
    int64_t office_unit_id;  /* the government whose office registered the object */
    const int64_t *unit_ids; /* the object's responsible units */
    int nunits;
};
/*
 * A request that burdens units other than an inspection (减负, issue 12): an item's 督办通知 with the reports and
 * materials it asks of its responsible units, from today to its due date. The inspections module runs the same
 * burden check as for an inspection (each unit's requests this year against settings request_cap, the overlapping
 * inspections and other issuers' items); with check set, a unit past its cap is a 409 unless reason is given, and
 * the reason is then recorded as an exception with the object (rule `request`). *warnings (caller owns): the
 * check's warnings; empty when no module is registered.
 */
struct burden_request {
    const char *object_type; /* "item" */
    int64_t object_id;       /* the object, left out of the counts (0: none yet) */
    const char *office_path; /* the issuing government */
    const int64_t *unit_ids; /* the units asked */
    int nunits;
    const char *start, *end; /* YYYY-MM-DD */
    const char *reason;      /* the exception's reason, or NULL */
    bool check;              /* refuse past a cap without a reason (else only warn) */
};
struct insp_hooks {
    enum err (*escalated)(struct ctx *c, const struct escalation *x, int64_t *inspection_id);
    /* the burden check in two halves: its reads sent ahead (they travel with the caller's next statement on
     * PostgreSQL), then the check on what they read; drop finishes the reads unread (the caller failed between) */
    struct burden_sent *(*burden_send)(struct ctx *c, const struct burden_request *r);
    enum err (*burden_take)(struct ctx *c, const struct burden_request *r, struct burden_sent *s, json_t **warnings);
    void (*burden_drop)(struct burden_sent *s);
    /* Decides the exceptions requested with an object (its approval approves them, its withdrawal refuses them). */
    enum err (*exceptions_decide)(struct ctx *c, const char *object_type, int64_t object_id, bool approve);
};
/* Registers the inspections module's functions (start-up only). */
void hooks_set_inspections(const struct insp_hooks *h);
enum err hooks_escalated(struct ctx *c, const struct escalation *x, int64_t *inspection_id);
enum err hooks_burden(struct ctx *c, const struct burden_request *r, json_t **warnings);
/* The same in two halves (struct insp_hooks): send the check's reads before a statement they may travel with, take
 * them after it (the request as sent, object_id set now: 0 when sent before the object existed); every send is
 * either taken or dropped. NULL from the send: no module registered (take answers no warnings). */
struct burden_sent;
struct burden_sent *hooks_burden_send(struct ctx *c, const struct burden_request *r);
enum err hooks_burden_take(struct ctx *c, const struct burden_request *r, struct burden_sent *s, json_t **warnings);
void hooks_burden_drop(struct burden_sent *s);
enum err hooks_exceptions_decide(struct ctx *c, const char *object_type, int64_t object_id, bool approve);

/*
 * The satisfaction of those an object served (满意度调查, issue 18): the surveys module answers for a
 * rectification task ("rect_task") the result of its latest satisfaction survey with answers, as
 * {survey_id, title, state, responses, average, scale_max, satisfied_pct} (*out, caller owns), or *out
 * NULL when there is none — and always NULL when no module is registered (verification works without).
 */
struct survey_hooks {
    enum err (*satisfaction)(struct ctx *c, const char *object_type, int64_t object_id, json_t **out);
};
void hooks_set_surveys(const struct survey_hooks *h);
enum err hooks_satisfaction(struct ctx *c, const char *object_type, int64_t object_id, json_t **out);

/*
 * The clue an item was converted from (互联网+督查, issue 18; the item's row names it: items.source_clue_id): the
 * clues module answers {id, number, link} (*out, caller owns) when the user reads clues at that clue's office
 * (the office and those above, the government's leaders; never a unit below, the unit concerned), else *out NULL — and always NULL when no
 * module is registered (items work without clues). Asked only for an item that came from a clue.
 */
struct clue_hooks {
    enum err (*source)(struct ctx *c, int64_t clue_id, json_t **out);
};
void hooks_set_clues(const struct clue_hooks *h);
enum err hooks_clue_source(struct ctx *c, int64_t clue_id, json_t **out);

#endif
