/*
 * deadlines.h: the time limits of DOMAIN.md §4 as a rule table, each item's milestones computed
 * from it, traffic lights, and the escalation ladder of DOMAIN.md §5 that the scheduler climbs.
 *
 * Rules: each names what it applies to (source kind, importance, item kind; NULL = any), the
 * milestone, and an amount and unit (working days, calendar days, months, or fixed dates such as
 * 07-15,10-15,01-15), counted from the start (assignment) or from an earlier milestone. For each
 * milestone the most specific matching rule wins (more non-NULL matches; then table order).
 *
 * Milestones belong to an owner: an object of a registered kind (struct dl_owner: items today,
 * inspections, rectification tasks, clues, periodic reports next), named by (owner_kind,
 * owner_id); one row per deadline of the object (unit_id 0) or of one responsible unit's part.
 * next_at is the instant the scheduler must look at it next (indexed), so a scheduler pass costs in
 * proportion to what is due. Each ladder step is recorded in milestone_steps under a unique key in
 * the same transaction as its notifications and audit record: it happens exactly once.
 * Files: rules.c (rules, computation, lights), owners.c (the owner registry, recipients),
 * milestones.c (milestones of an object), ladder.c (the scheduler's climb).
 */
#ifndef DUCHA_DEADLINES_H
#define DUCHA_DEADLINES_H

#include "base/jsonv.h"
#include "calendar/workdays.h"
#include "core/ctx.h"
#include "core/perm.h"

#include <jansson.h>

/* The rules' milestones, in the order they are computed (a rule counts from the start or an earlier one).
 * MS_IMPL_REPORT is a report obligation, not a deadline for the work (江苏: important meetings and documents,
 * 30日内报告贯彻落实情况): the unit's progress report answers it. MS_HANDLING_REPORT is the report obligation
 * that the completion starts (江苏: 人大代表建议、政协提案 "办理任务完成后20日内向交办单位报告办理情况"): its rule
 * counts from the completion (base DL_BASE_COMPLETION), so it is not computed at the start but by
 * deadlines_fill_after when the owner's work is completed; the unit's handling report answers it. */
enum ms_kind {
    MS_RECEIPT,
    MS_DEPLOYMENT,
    MS_FIRST_FEEDBACK,
    MS_IMPL_REPORT,
    MS_RESOLUTION,
    MS_PERIODIC,
    MS_HANDLING_REPORT,
    MS__COUNT
};
/* A rule's base (struct deadline_rule): the start, or the completion of the work ("completion"). */
#define DL_BASE_START (-1)
#define DL_BASE_COMPLETION (-2)
enum dl_unit { DL_WORKDAYS, DL_DAYS, DL_MONTHS, DL_DATES, DL__COUNT };

/* ---- owners: the objects that have deadlines ---- */

/* The kinds of ladder step, for choosing who hears of it. */
enum dl_step { DL_REMIND, DL_PRESS, DL_NOTICE, DL_REPORT };

/* User ids without duplicates, growing in the ctx arena (no limit). */
struct dl_people {
    int64_t *ids;
    int n, cap;
};
void dl_people_add(struct ctx *c, struct dl_people *p, int64_t user_id);
/* Adds the active holders of role (e.g. "contact") at exactly unit_id. */
enum err dl_people_role_at(struct ctx *c, struct dl_people *p, const char *role, int64_t unit_id);
/* Adds the holders of role at the nearest unit on path (deepest first) that has any. */
enum err dl_people_nearest_role(struct ctx *c, struct dl_people *p, const char *role, const char *path);
/* Adds the leaders in charge whose portfolio holds a unit on path. */
enum err dl_people_portfolio(struct ctx *c, struct dl_people *p, const char *path);

/*
 * An owner: a kind of object whose milestones the ladder climbs (supervision items today;
 * inspections, rectification tasks, clues, periodic reports next). Its module registers one at
 * start-up (modules_init); deadlines never includes the owner's module, it calls these.
 */
struct dl_owner {
    const char *kind; /* the object kind ("item"), as its workflow names it */
    const char *what; /* "督办事项": names an object that has no label */
    /* the object's table: its actions lock its row before its milestones, and the ladder scan takes
     * the same row first (without waiting) so that the two never wait on each other in opposite
     * order; NULL: the scan locks the milestone only */
    const char *table;
    const char *link;    /* its web page with %lld for the id ("/items/%lld"), opened from the ladder's
                          * messages; NULL: none */
    enum cap manage_cap; /* needed at a milestone's scope to override its due day */
    /* What the ladder's message of a press or report step of a milestone at unit_id (0: the object's own)
     * says happens, so that it says what the owner's recipients and escalation do: the press step's request
     * ("请分管领导督促承办单位抓紧办理"), the report step's outcome ("报告主要领导并列入督查事项", also the
     * escalation's note). May be NULL, or return NULL: "请分管领导督促承办单位抓紧办理" and "报告主要领导",
     * what deadlines_recipients_default reaches (the leaders in charge; the principal leader and the office). */
    const char *(*step_text)(enum dl_step step, int64_t unit_id);
    /* "古督〔2026〕3号《…》" for notices and audit; NULL when there is no such object. Arena. */
    const char *(*label)(struct ctx *c, int64_t id);
    /* Appends a timeline entry to the object (unit_id: the part, 0 for the object as a whole) inside
     * the caller's transaction; data is borrowed. May be NULL. */
    enum err (*timeline)(struct ctx *c, int64_t id, int64_t unit_id, const char *action, const char *note,
                         json_t *data);
    /* The percent done last reported for the unit's part that milestone kind measures, -1 when
     * unknown or not measured (序时进度 of the lights). May be NULL. */
    int (*progress)(struct ctx *c, int64_t id, int64_t unit_id, const char *kind);
    /* The same for every part at once, for a list of the object's milestones (deadlines_list): the read sent
     * (stmt_send), whose rows start with the part's unit id, in the parts' order (the list's: each part's milestones
     * in turn, after the object's own); progress_row: the percent of the current row's part
     * (-1 when unknown); progress_measures: whether milestone kind measures it. May be NULL (progress is then
     * asked per milestone). */
    struct stmt *(*progress_send)(struct ctx *c, int64_t id);
    int (*progress_row)(struct stmt *st);
    bool (*progress_measures)(const char *kind);
    /* The label of a milestone kind of its own ("整改"), NULL for the rules' kinds. May be NULL. */
    const char *(*milestone_label)(const char *kind);
    /* The ladder's last step: lists the object for inspection (督查), inside the caller's transaction.
     * May be NULL. */
    enum err (*escalate)(struct ctx *c, int64_t id, const char *note, json_t *data);
    /* Who hears of ladder step `step` of a milestone of the object at unit_id (scope_path: that
     * unit's path). NULL: deadlines_recipients_default. */
    enum err (*recipients)(struct ctx *c, int64_t id, int64_t unit_id, const char *scope_path, enum dl_step step,
                           struct dl_people *out);
    /* After a press or report step of a milestone of the object at unit_id was taken (its notices sent),
     * inside the scan's transaction: the owner brings what waits on whom in line (the workflow's to-dos:
     * the leader who must now press the unit). May be NULL. */
    enum err (*stepped)(struct ctx *c, int64_t id, int64_t unit_id, enum dl_step step);
};
/* Registers an owner (start-up only; a second registration of a kind replaces the first). */
void deadlines_register_owner(const struct dl_owner *o);
/* The registered owner of kind, or NULL. */
const struct dl_owner *deadlines_owner(const char *kind);
/*
 * The recipients of a ladder step by the roles along the milestone's unit path (DOMAIN.md §5):
 * reminder: the unit's contact; press: the leaders in charge and the nearest deputy director;
 * notice: the unit's contact and head and the nearest office; report: the nearest principal
 * leader and office.
 */
enum err deadlines_recipients_default(struct ctx *c, const char *scope_path, enum dl_step step, struct dl_people *out);
/* Registers what the deadlines module keeps of units (the path copy milestones.scope_path). */
void deadlines_register(void);
/* "签收" for "receipt" …, the owner's label for a kind of its own, else the name itself. */
const char *deadlines_kind_label(const struct dl_owner *o, const char *kind);

/* "receipt", "deployment", "first_feedback", "implementation_report", "resolution", "periodic_report",
 * "handling_report" (and labels). */
const char *ms_kind_name(enum ms_kind k);
const char *ms_kind_label(enum ms_kind k);
bool ms_kind_parse(const char *s, enum ms_kind *out);
const char *dl_unit_name(enum dl_unit u);
bool dl_unit_parse(const char *s, enum dl_unit *out);

struct deadline_rule {
    int64_t id;
    const char *source_kind, *importance, *item_kind; /* NULL: any */
    enum ms_kind milestone;
    int amount;
    enum dl_unit unit;
    const char *dates; /* DL_DATES: "MM-DD,MM-DD,…" */
    int base;          /* DL_BASE_START; DL_BASE_COMPLETION (only MS_HANDLING_REPORT); else the enum ms_kind it counts
               * from (an earlier one) */
    const char *note;
};

/* until: the object's own stated limit (days since epoch; 0: none). 古政办发〔2021〕52号: "凡注明办理期限的
 * 事项承办单位必须如期办结" while general issues are resolved "原则上10天内": a stated limit governs the
 * resolution, later or earlier than the rule's, and the work's earlier steps do not fall after it. */
struct deadline_facts {
    const char *source_kind, *importance, *item_kind;
    int64_t until;
};

struct deadline_due {
    enum ms_kind kind;
    int seq; /* 1.. for periodic reports */
    int64_t due;
    int64_t rule_id;
    int64_t rule_due; /* the day the rule alone gives (differs from due when the stated limit moved it);
                       * 0 when no rule gave one */
};

/* The most milestones one computation can yield (a bound, not a cap): one of each kind but the
 * periodic reports, of which there are at most 12 (every N months, days or working days within
 * twelve months) or one per listed date within twelve months (a rule lists at most
 * DEADLINES_DATES_MAX dates; more are refused when the rules are saved). */
#define DEADLINES_DATES_MAX 16
#define DEADLINES_MAX (MS__COUNT - 1 + DEADLINES_DATES_MAX)

/*
 * Pure: the milestones for an item with these facts starting on day `start` (days since epoch),
 * from rules[0..n) in table order; with f->until, the resolution falls on it (one is added when no
 * rule gives one) and receipt, deployment and first feedback fall on it at the latest (a report
 * obligation may fall later: the completion reply answers it). Periodic reports: every `amount` months (or working/calendar
 * days) or on each listed date, within twelve months after the start. Returns the number written
 * to out (at most max), in milestone order.
 */
int deadlines_compute(const struct calendar *cal, const struct deadline_rule *rules, size_t n,
                      const struct deadline_facts *f, int64_t start, struct deadline_due *out, int max);

/*
 * Pure: the milestones that the completion of the work starts (rules counted from "completion": the
 * handling report of 人大建议、政协提案), the work completed on day `done`. Returns the number written to
 * out (at most max).
 */
int deadlines_compute_after(const struct calendar *cal, const struct deadline_rule *rules, size_t n,
                            const struct deadline_facts *f, int64_t done, struct deadline_due *out, int max);

/* Pure: the rule of rules[0..n) that governs milestone kind k for these facts (the most specific
 * match, then table order), or NULL. */
const struct deadline_rule *deadlines_rule_for(const struct deadline_rule *rules, size_t n,
                                               const struct deadline_facts *f, enum ms_kind k);
/* Pure: the limit as the documents state it, in the rule's own unit: "7日内", "7个工作日内",
 * "1个月内"; periodic: "每月", "每2个月", "每10个工作日"; dates: "每年7月15日、10月15日、1月15日前"
 * (periodic) or "7月15日前". Arena. */
const char *deadlines_limit_text(struct arena *a, const struct deadline_rule *r);
/* Pure: why milestone d, computed for f, is not where its rule alone puts it (the stated limit, f->until,
 * moved it): "按立项注明的办理期限；规则时限为交办后10日内（2026年3月12日）"; NULL when it is. Arena. */
const char *deadlines_stated_reason(struct arena *a, const struct deadline_rule *rules, size_t n,
                                    const struct deadline_facts *f, const struct deadline_due *d);

/* Traffic lights (亮灯). */
enum light { LIGHT_GREEN, LIGHT_YELLOW, LIGHT_RED, LIGHT_DONE, LIGHT_DONE_LATE };
const char *light_name(enum light l);

/*
 * Pure: the light of a deadline due on `due` seen on `today`: done (or done_late when done after
 * the due day) when done_day >= 0; red when today > due; yellow when due within yellow_days working
 * days, or when percent done (0..100, < 0 unknown) is behind the share of time elapsed since
 * `start` by more than pace_threshold points; green otherwise.
 */
enum light deadlines_light(const struct calendar *cal, int64_t start, int64_t due, int64_t today, int64_t done_day,
                           int percent, int yellow_days, int pace_threshold);

/* The built-in presets of DOMAIN.md §10: "gu13710" (古县, the default) and "yangquan" (阳泉). */
struct deadline_preset {
    const char *name, *label;
    const struct deadline_rule *rules;
    size_t n;
};
extern const struct deadline_preset deadline_presets[];
extern const size_t deadline_presets_n;

/* Loads the rule table (arena). */
enum err deadlines_rules_load(struct ctx *c, struct deadline_rule **rules, size_t *n);
/* {"preset","rules":[…],"presets":[…],"ladder":{…}} */
enum err deadlines_rules_get(struct ctx *c, json_t **out);
/*
 * Replaces the rule table: body {"preset":"yangquan"} installs a preset; {"rules":[…]} a custom
 * table; "ladder" changes the escalation waits. Audited ("rules.replace"). Admin only.
 */
enum err deadlines_rules_put(struct ctx *c, const json_t *body, json_t **out);
extern const struct jv_field deadlines_rules_spec[];

/* The escalation ladder's waits, in working days relative to the due day (settings "ladder"). */
struct ladder {
    int remind[4]; /* reminders this many working days before the due day (0 = on it), descending */
    int nremind;
    int press_after, notice_after, report_after; /* working days after the due day */
};
enum err deadlines_ladder_load(struct ctx *c, struct ladder *out);

/*
 * Milestones of an owner's object (owner_kind, owner_id): of the object as a whole (unit_id 0) or
 * of one responsible unit's part (unit_id, unit_path). The functions below run inside the caller's
 * transaction; the caller checked its permission on the object. Milestone kinds are names: the
 * rules' (ms_kind_name) or an owner's own ("rectification"), with labels from ms_kind_label or the
 * owner's milestone_label.
 */

/* Fills the milestones of a part from the rules (deadlines_compute), starting on local day `start`.
 * *count milestones were created (existing ones are kept). */
enum err deadlines_fill(struct ctx *c, const char *owner_kind, int64_t owner_id, int64_t unit_id, const char *unit_path,
                        const struct deadline_facts *f, int64_t start, int *count);
/* Fills the milestones of a part that the completion of its work starts (deadlines_compute_after), the work
 * completed on local day `done`. *count milestones were created (existing ones are kept). */
enum err deadlines_fill_after(struct ctx *c, const char *owner_kind, int64_t owner_id, int64_t unit_id,
                              const char *unit_path, const struct deadline_facts *f, int64_t done, int *count);
/* Adds one milestone due on local day `due` (for owners whose deadlines come from their own
 * decisions rather than the rules); *created (may be NULL) is false when it existed already. */
enum err deadlines_add(struct ctx *c, const char *owner_kind, int64_t owner_id, int64_t unit_id, const char *unit_path,
                       const char *kind, int seq, int64_t due, bool *created);
/* Marks the earliest open milestone of kind of the part done now (late if after its due day);
 * *found (may be NULL) tells whether there was one. */
enum err deadlines_done(struct ctx *c, const char *owner_kind, int64_t owner_id, int64_t unit_id, const char *kind,
                        bool *found);
/* The same, telling which milestone was done (*ms_id, 0 when none was open) and whether late. */
enum err deadlines_done_id(struct ctx *c, const char *owner_kind, int64_t owner_id, int64_t unit_id, const char *kind,
                           int64_t *ms_id, bool *late);
/* Stops (pause) or restarts the clocks of every open milestone of the object (unit_id 0) or of one
 * part, however many; on resume due days move by the working days paused. Recorded as steps
 * "pause@…"/"resume@…" and one timeline entry naming every milestone changed. */
enum err deadlines_pause(struct ctx *c, const char *owner_kind, int64_t owner_id, int64_t unit_id, bool pause);
/* Sets the due day of the open milestones of kind (unit_id 0: every part) as the owner's workflow
 * decides it (an extension granted; with only_earlier, only those due later). Recorded like an
 * override ("milestone.reschedule"). */
enum err deadlines_set_due(struct ctx *c, const char *owner_kind, int64_t owner_id, int64_t unit_id, const char *kind,
                           const char *due_date, const char *reason, bool only_earlier);
/* Cancels every open milestone of the object (withdrawn, completed, archived). */
enum err deadlines_cancel(struct ctx *c, const char *owner_kind, int64_t owner_id);
/* Cancels the open milestones of kind of one part (unit_id; 0: the object's own), e.g. a verification
 * withdrawn from a unit while the object's other deadlines run on. */
enum err deadlines_cancel_kind(struct ctx *c, const char *owner_kind, int64_t owner_id, int64_t unit_id,
                               const char *kind);

/* How far the ladder has climbed on one unit's open, running milestones of an object: when the last
 * press and the last report step were taken (ISO times as the steps record them, "" when none), and the
 * earliest due day of those milestones (the day the unit is late since: its to-dos' day, and the leader's). */
struct dl_climb {
    int64_t unit_id;
    char press_at[21], report_at[21];
    char due_date[11];
};
/* The units of the object whose open, running (not paused) milestones have reached the press step
 * (arena, *n of them; an index read of the object's milestones). The owner's workflow turns them into
 * to-dos: the press step awaits the leader's 催办, the report step the principal leader's. */
enum err deadlines_climbed(struct ctx *c, const char *owner_kind, int64_t owner_id, struct dl_climb **out, int *n);
/* The same in two steps, so that the read travels with the caller's other reads (one round trip on
 * PostgreSQL): the query sent (stmt_send; NULL when it cannot be prepared), then its rows read and the
 * statement finished (also when st is NULL: the failure is reported). */
struct stmt *deadlines_climbed_send(struct ctx *c, const char *owner_kind, int64_t owner_id);
enum err deadlines_climbed_read(struct ctx *c, struct stmt *st, struct dl_climb **out, int *n);

/* The open milestones of kind of an object, one per part, oldest first (arena, *n of them; an index read):
 * what the owner's workflow waits on (the handling reports still owed). */
struct dl_open {
    int64_t id, unit_id;
    char due_date[11];
};
enum err deadlines_open_of_kind(struct ctx *c, const char *owner_kind, int64_t owner_id, const char *kind,
                                struct dl_open **out, int *n);
/* The same in two steps, as deadlines_climbed_send and deadlines_climbed_read. */
struct stmt *deadlines_open_of_kind_send(struct ctx *c, const char *owner_kind, int64_t owner_id, const char *kind);
enum err deadlines_open_of_kind_read(struct ctx *c, struct stmt *st, struct dl_open **out, int *n);

/* GET /api/v1/milestones?owner_kind=&owner_id= (or ?item_id=): the object's milestones the user may
 * see (by each milestone's unit path), with light and steps. */
enum err deadlines_list(struct ctx *c, const char *owner_kind, int64_t owner_id, json_t **out);
/* Overrides one milestone's due day with a reason (PATCH /api/v1/milestones/{id}); needs the
 * owner's manage_cap at the milestone's unit; audited ("milestone.override"). */
enum err deadlines_override(struct ctx *c, int64_t id, const char *due_date, const char *reason, json_t **out);

/*
 * One scheduler pass over due milestones (next_at <= c->now), at most `limit`: takes each due
 * ladder step once, in order. Returns the number of steps taken in *steps.
 */
enum err deadlines_scan(struct ctx *c, int limit, int *steps);

#endif
