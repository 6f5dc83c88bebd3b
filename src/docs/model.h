/*
 * model.h: the documents' view of a supervision item (督办事项) and of the office that issues
 * them. The renderers (pdf.c, ledger.c, archive.c) read only these structs, never the database,
 * so they can be driven from a JSON model too (`ducha document render`, tests). All strings are
 * borrowed (arena or json_t lifetime); NULL or "" means "not known" and is printed as a blank.
 */
#ifndef DUCHA_DOCS_MODEL_H
#define DUCHA_DOCS_MODEL_H

#include "base/arena.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct doc_milestone {
    const char *title, *due, *done; /* due/done: YYYY-MM-DD; done NULL while open */
};

struct doc_event {
    const char *at, *actor, *action, *note; /* at: ISO instant */
};

struct doc_report {
    const char *at, *unit, *author, *text;
    int progress; /* percent */
};

/* A seal impression on a document: the unit's seal and who applied it when. */
struct doc_seal {
    const char *unit, *signer, *signed_at, *fingerprint;
};

/* One responsible unit's completion reply (办结答复): lead unit first; signed_at empty until its head signed. */
struct doc_unit_reply {
    const char *unit, *text, *signed_at;
    bool lead;
    /* the handling report the unit filed after the completion (办理情况报告), NULL when none: its text, when it was
     * filed (ISO instant), the file it names ("" when none), and whether it came after its day */
    const char *handling, *handling_at, *handling_file;
    bool handling_late;
};

struct doc_item {
    int64_t id;
    const char *number, *title, *source, *content, *requirement;
    const char *source_kind, *source_ref, *importance, *kind; /* machine values (CSV) */
    const char *confidentiality; /* "internal" (内部) or "public" (公开); NULL: unknown */
    const char *lead_unit;
    const char **co_units;
    int nco;
    const char *leader, *deadline, *state, *light;
    /* the notice's time limits as the rules computed them, each in its rule's unit:
     * "收到本通知后1日内（2026年12月2日前）签收，…" ("": none stated) */
    const char *limits;
    /* the rule beside the item's own due date (the resolution): "交办后10日内" when they agree, else
     * "本通知注明的办理期限；规则时限为交办后10日内，即2026年12月11日前" ("": no rule) */
    const char *resolution_rule;
    int progress;
    int overdue_days;
    const char *registered_at, *assigned_at, *completed_at; /* YYYY-MM-DD */
    const char *reply;                                      /* the lead unit's completion reply text */
    const char *grade;                                      /* 办结等次, "" until verified */
    struct doc_unit_reply *replies;                         /* every unit's reply, lead first */
    int nreplies;
    struct doc_milestone *milestones;
    int nmilestones;
    struct doc_event *events;
    int nevents;
    struct doc_report *reports;
    int nreports;
    struct doc_seal *seals;
    int nseals;
};

/* The issuing office (发文机关) and the document's fixed parts. */
struct doc_office {
    const char *issuer;    /* 发文机关署名, e.g. 古城县人民政府办公室 */
    const char *header;    /* 发文机关标志; default issuer + "文件" */
    const char *copy_to;   /* 抄送 (版记), may be empty */
    const char *contact;   /* 联系人及电话, may be empty */
    struct doc_seal *seal; /* the office's seal pressed on the signature, or NULL */
};

/* A bulletin (督查通报): the office's words and the figures counted from the items. */
struct doc_bulletin_unit {
    const char *name;
    int registered, completed, on_time, overdue;
};
struct doc_bulletin_item {
    const char *number, *title, *lead_unit, *due;
    int overdue_days;
};
struct doc_bulletin_named {
    const char *kind, *unit, *number, *title, *content; /* kind: 通报表扬 / 通报批评 */
};
/* A unit of the section 预警提示: its items at risk and the count of each signal. */
struct doc_bulletin_warn {
    const char *name;
    int items, pace, extensions, ignored, silent;
};
/* The inspections' findings per inspected unit, and the findings listed (state: verified, overdue, rectifying). */
struct doc_bulletin_funit {
    const char *name;
    int inspections, findings, verified, overdue, rectifying;
};
struct doc_bulletin_finding {
    const char *unit, *inspection, *title, *due, *state;
};
/* The rectification of the criticisms of one unit: criticised (with a deadline), reported (the report stands), late
 * (of those, reported after the deadline), accepted, overdue (no report stands, the deadline a working day or more
 * behind) and the longest of those in working days. */
struct doc_bulletin_crit {
    const char *name;
    int criticisms, reported, late, accepted, overdue, workdays;
};
struct doc_bulletin {
    const char *number, *title, *addressees, *intro, *remarks;
    const char *cc; /* 抄送: the 抄送 units chosen, joined (the 版记's first line); "" without */
    /* the kind (文种): 督查通报 has the office's header and its 主送; 督查专报 and 督查简报 carry their name as
     * the header, the issuer and the date under the number; a briefing lists its addressees as 发 in the 版记 */
    const char *kind, *kind_label; /* "bulletin" | "special_report" | "briefing", "督查通报"… */
    const char *period, *as_of;    /* "2026年11月", YYYY-MM-DD */
    bool below;                    /* 本级及下级: the governments below counted too (the sentence says so) */
    bool draft;                    /* not issued yet: marked 草稿, no number */
    int registered, completed, on_time, overdue, on_time_rate; /* on_time_rate: percent, -1 if none completed */
    /* inspections and rectification: inspections whose findings were issued in the period, tasks assigned
     * in it, all tasks, verified, overdue; rect_rate: percent verified, -1 without tasks */
    int inspections, rect_assigned, rect_tasks, rect_verified, rect_overdue, rect_rate;
    struct doc_bulletin_unit *units; /* in the ranking's order: the first nranked have overdue items */
    int nunits, nranked;
    /* more units than 2 × rank_n: the document lists the ranking's first and last rank_n, the annex all of them */
    int rank_n;
    /* 本级及下级: the roll-up, the home (本级) then each government below it, each followed by the governments below
     * it (indented) — every level when they are few, else the first level and, in deep, every government further
     * down, most overdue first (the document prints the first rank_n; the annex all of them) */
    struct doc_bulletin_unit *govs, *deep;
    int ngovs, ndeep;
    struct doc_bulletin_funit *funits; /* the inspected units with their findings */
    int nfunits, findings_total;
    struct doc_bulletin_finding *findings; /* at most the figures' list */
    int nfindings;
    /* the criticisms' rectification (通报批评限期整改): in all by the period's end, issued in it, reported,
     * accepted, overdue by as_of; crit_rate: percent accepted, -1 without any; per unit, most overdue first */
    int crit_total, crit_issued, crit_reported, crit_late, crit_accepted, crit_overdue, crit_workdays, crit_rate;
    struct doc_bulletin_crit *crit;
    int ncrit;
    /* the months of the year up to the period's end (name: 1月…; registered and completed in the month, overdue
     * at its end): the line chart, drawn with two months or more */
    struct doc_bulletin_unit *months;
    int nmonths, trend_year;
    struct doc_bulletin_item *items; /* the overdue items listed */
    int nitems;
    struct doc_bulletin_named *named;
    int nnamed;
    /* the section 预警提示 when the office kept it: the date counted, the items at risk (each once), per unit */
    bool warn_section;
    const char *warn_as_of;
    int warn_items;
    struct doc_bulletin_warn *warn;
    int nwarn;
};

/* A year-end scorecard (目标责任考评结果) as an official document: the ranking, a chart of the totals, and each
 * unit's points by rule. Points are tenths (945 = 94.5 points). */
struct doc_score_rule {
    const char *label, *refs; /* the rule's words; the items' and records' numbers behind it */
    int count, points;
    bool forbidden;
};
struct doc_score_unit {
    const char *name, *kind; /* kind: 部门 / 乡镇 */
    int rank, kind_rank, added, deducted, adjusted, total, waived;
    struct doc_score_rule *rules;
    int nrules;
    const char *adjustments; /* the office's adjustments in words ("" when none) */
};
struct doc_scorecard {
    const char *number, *title, *addressees, *government, *as_of, *objection_until;
    int year, base, weight_major;
    bool draft;    /* not issued yet: marked 草稿, no number */
    bool one_unit; /* one unit's card (for the unit): no ranking table or chart of the others */
    struct doc_score_unit *units;
    int nunits;
};

/* Fills an item from its JSON model (see docs/documents.md); strings borrow from j. */
void doc_item_from_json(struct arena *a, const json_t *j, struct doc_item *out);
void doc_office_from_json(struct arena *a, const json_t *j, struct doc_office *out);

/*
 * Fills an item from the items module's JSON (items_get, a ledger row, items_events,
 * items_reports; the last three may be NULL) and the seal signatures of the item (may be NULL).
 * today (YYYY-MM-DD) counts overdue days of a running item. Strings borrow from the JSON.
 */
void doc_item_from_items(struct arena *a, const json_t *item, const json_t *events, const json_t *reports,
                         const json_t *signatures, const char *today, struct doc_item *out);

/* A text's lines as paragraphs, blank ones dropped (arena memory): their number, *out the lines. */
int doc_lines(struct arena *a, const char *text, const char ***out);
/* "2026-11-23" (or an ISO instant) -> "2026年11月23日" in arena memory; "" if malformed. */
const char *doc_date_cn(struct arena *a, const char *date);
/* An ISO instant as local "2026-11-23 09:30" (the input itself if it is not an instant). */
const char *doc_time_local(struct arena *a, const char *iso);
/* An ISO instant as official text writes a local time: "2026年11月23日 09:30" (a date alone as doc_date_cn). */
const char *doc_time_cn(struct arena *a, const char *iso);
/* An ISO instant (or a date) as the local date "YYYY-MM-DD". */
const char *doc_day_local(struct arena *a, const char *iso);
/* Days a running item (state) is past its due date on today (YYYY-MM-DD); 0 otherwise. */
int doc_overdue_days(const char *state, const char *due, const char *today);
/* Chinese label of a traffic light ("red" -> "红灯"), or the input. */
const char *doc_light_label(const char *light);

#endif
