/*
 * ledger.h: the ledger (台账) at province scale (docs/internals/ledger.md). The database keeps, by
 * triggers on items and item_tracks (migration 0050):
 *   item_scope   a row per (item, unit on the path of its issuing government or of a responsible
 *                unit) with copies of its sort keys: every page is read in index order;
 *   item_counts  per unit, the counts of what a role held there sees, by state, source kind, lead
 *                unit and month of completion (PostgreSQL: plus item_count_deltas, folded later);
 *   the full-text index (store/store_search.h) with the scope units as tokens.
 * This module reads them: pages (items_ledger in items.h), rows for exports, counts, the overview,
 * and checks or rebuilds them from items and item_tracks. Counts the counters cannot give are
 * counted over at most cfg->ledger_count_bound rows (or search matches) of each scope and then
 * reported with "total_exact": false.
 */
#ifndef DUCHA_ITEMS_LEDGER_H
#define DUCHA_ITEMS_LEDGER_H

#include "items/items.h"

/* One ledger row (arena strings). With details: requirement, source_ref, closed_at and the tracks'
 * reply texts too (exports). */
struct ledger_track {
    int64_t unit_id, id;
    const char *unit_name, *role, *state, *reply_text;
    int progress;
};
struct ledger_row {
    int64_t id, lead_unit_id, leader_id, parent_id, year, version; /* leader_id 0: none */
    const char *number, *title, *state, *source_kind, *importance, *kind, *due_date, *lead_unit_name, *tags;
    const char *leader_name, *updated_at, *created_at, *light, *key, *state_label, *source_kind_label;
    const char *requirement, *source_ref, *closed_at, *assigned_at, *confidentiality; /* details only */
    bool escalated, has_parent;
    int progress;
    double rank; /* a ranked search's rank of the row (smaller is better) */
    struct ledger_track *tracks;
    int ntracks;
};

/*
 * Calls fn with the rows of the filter q in ledger order (q->page and q->after are ignored), one
 * keyset page of at most `batch` rows at a time (each row exactly once: the next page starts after
 * the last key and id); the rows and their strings live until fn returns, then the batch's memory
 * is released. Stops at fn's first error. details: see struct ledger_row. A search with more matches than
 * ledger_search_bound comes newest first whatever q->sort says (a page ranked or sorted otherwise holds only
 * the newest bound's matches; an export holds every one).
 */
enum err items_ledger_each(struct ctx *c, const struct ledger_query *q, int batch, bool details,
                           enum err (*fn)(struct ctx *c, const struct ledger_row *rows, int n, void *arg), void *arg);

/* The counters of unit_id (item_counts plus deltas): {"state": {...}, "source": {...}, ...} for the
 * dimensions named in dims (NULL-terminated). *out owned by the caller. */
enum err ledger_counts(struct ctx *c, int64_t unit_id, const char *const *dims, json_t **out);

/* Folds PostgreSQL's counter deltas into item_counts (one transaction per batch); *folded: rows
 * folded. Nothing to do on SQLite. */
enum err ledger_counts_fold(struct ctx *c, int *folded);

/* GET /api/v1/items/overview?unit_id=: the counts of a scope the caller sees (default: the caller's
 * own scope) for the overview (综合分析): per state, source kind, completions per month and the
 * lead units with the most items, read from the counters; written into w (nothing written on an error). */
struct jw;
enum err items_overview_write(struct ctx *c, int64_t unit_id, struct jw *w);

/*
 * Lights as data (migration 0051): scope rows and tracks carry their light, computed against the dates
 * in ledger_light_dates (today, and the last yellow day: yellow_days working days ahead). When those
 * are not the dates of ctx->now any more (a day passed, the calendar or the test clock changed), moves
 * them and recomputes the lights of the items whose due date lies between the old and the new dates,
 * in one transaction; *changed: the scope rows and tracks whose light changed. The scheduler calls it
 * each pass; readers that see stale dates compute lights from the due dates meanwhile.
 */
enum err ledger_lights_refresh(struct ctx *c, int64_t *changed);
/* True when ledger_light_dates are the dates of ctx->now (today, yellow: items_light_dates). */
bool ledger_lights_fresh(struct ctx *c, const char *today, const char *yellow);

/* Registers with the modules below what the ledger needs at start-up (modules_init): a unit move
 * locks the items whose tracks move before rewriting their paths. */
void ledger_register(void);

/*
 * The bulletin figures' kept counters (migration 0054: item_figs, figure_counts per issuing government
 * x unit x local month; src/results/bulletin_figures.c reads them). What one item counts for, by the
 * bulletin's definitions, in local days (days since 1970-01-01):
 */
#define LEDGER_NO_DAY INT64_MIN
struct ledger_fig {
    bool counted; /* assigned and not withdrawn: nothing else counts otherwise */
    int64_t a;    /* the day assigned (registered) */
    int64_t e;    /* the day closed, or LEDGER_NO_DAY */
    bool done;    /* completed or archived, on day e */
    bool on_time; /* done on or before the due date */
    bool ov;      /* overdue at the end of every day in [s, e) (e: LEDGER_NO_DAY = still) */
    int64_t s;    /* the later of due + 1 and a */
    int64_t due;  /* the due date */
    int64_t days; /* done: the calendar days from a to e (平均办结天数), else 0 */
};
void ledger_fig_of(const char *state, const char *due_date, const char *assigned_at, const char *closed_at,
                   struct ledger_fig *f);
/* "YYYY-MM" of a local day. */
void ledger_fig_month(int64_t day, char out[8]);
/* The offset east of UTC, in minutes, of the configured time zone, or INT_MIN when it differs in the
 * year of ctx->now (daylight saving): the triggers' local months need a fixed offset. */
int ledger_fig_zone(const struct ctx *c);
/* True when the kept figure counters are usable: figure_zone holds the zone's offset. ledger_figs_usable_send sends
 * its read ahead (a route's ahead: with the credential check, one round trip on PostgreSQL), which the next
 * ledger_figs_usable takes. */
bool ledger_figs_usable(struct ctx *c);
void ledger_figs_usable_send(struct ctx *c);
/* Folds PostgreSQL's figure_count_deltas into figure_counts (one transaction per batch). */
enum err ledger_figs_fold(struct ctx *c, int *folded);
/* Part of ledger_check: item_figs against the items and tracks (computed in C by ledger_fig_of), and
 * figure_counts (plus deltas) against the sums of item_figs. Adds differences through diff(arg, text). */
enum err ledger_figs_check(struct ctx *c, void (*diff)(void *arg, const char *text), void *arg, int64_t *rows,
                           int64_t *counters);

/* Recounts item_scope and the counters from items and item_tracks (in C, independent of the
 * triggers) and compares; *report: {"items", "scope_rows", "counters", "differences": [...]}. */
enum err ledger_check(struct ctx *c, int max_report, json_t **report);

/* Rebuilds item_scope, the counters and the search index from items and item_tracks (after a
 * restore from a partial copy, or if a check found differences), in one transaction. */
enum err ledger_rebuild(struct ctx *c, int64_t *items);
/* The same on a database just loaded (ducha migrate-data), in parts that read items and item_tracks and write
 * disjoint tables, so that each runs in its own transaction on its own connection at the same time as the
 * others: the scope rows with their lights and the counters (migration 0049's ledger_fill_scope()), the
 * bulletin figures' rows and counters (ledger_fill_figures()), the search documents (made in C, loaded with
 * COPY: db_search_load). A part empties its tables, drops their keys and indexes and turns their triggers
 * off (db_bulk_tables_begin), fills them set by set, builds the keys and indexes, turns the triggers on and
 * analyzes them: run again after a failure, it starts over. SQLite: LEDGER_FILL_SCOPE is ledger_rebuild, the
 * other parts do nothing. */
enum ledger_fill_part { LEDGER_FILL_SCOPE, LEDGER_FILL_FIGURES, LEDGER_FILL_SEARCH, LEDGER_FILL_PARTS };
enum err ledger_fill_part(struct ctx *c, enum ledger_fill_part part);

#endif
