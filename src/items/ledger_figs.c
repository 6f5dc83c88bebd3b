/*
 * ledger_figs.c: the bulletin figures' kept counters (migration 0054: item_figs and figure_counts, kept
 * by triggers): what an item counts for by the bulletin's definitions (ledger_fig_of, the C twin of the
 * triggers' SQL, used by the bulletin's edge scans and by the check), the time zone they were counted
 * in, folding PostgreSQL's deltas, and the check against items and tracks.
 */
#include "items/ledger.h"
#include "items/items_internal.h"

#include "base/timeu.h"
#include "calendar/workdays.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIGS_FOLD_BATCH 5000
#define FIGS_CHECK_BATCH 5000

static int64_t local_day_of(const char *iso)
{
    int64_t t;
    return iso && *iso && time_parse_iso(iso, &t) ? time_local_day(t) : LEDGER_NO_DAY;
}

void ledger_fig_of(const char *state, const char *due_date, const char *assigned_at, const char *closed_at,
                   struct ledger_fig *f)
{
    memset(f, 0, sizeof *f);
    f->a = local_day_of(assigned_at);
    f->e = local_day_of(closed_at);
    f->due = LEDGER_NO_DAY;
    cal_parse_date(due_date, &f->due);
    f->counted = f->a != LEDGER_NO_DAY && strcmp(state, "withdrawn") != 0;
    if (!f->counted)
        return;
    f->done = (!strcmp(state, "completed") || !strcmp(state, "archived")) && f->e != LEDGER_NO_DAY;
    f->on_time = f->done && f->e <= f->due;
    f->days = f->done ? f->e - f->a : 0;
    f->s = f->due + 1 > f->a ? f->due + 1 : f->a;
    f->ov = strcmp(state, "suspended") != 0 && (f->e == LEDGER_NO_DAY || f->e > f->s);
}

void ledger_fig_month(int64_t day, char out[8])
{
    int y;
    unsigned m, d;
    cal_civil_from_days(day, &y, &m, &d);
    char buf[32];
    snprintf(buf, sizeof buf, "%04d-%02u", y, m);
    memcpy(out, buf, 7); /* years 0000-9999: the dates cal_parse_date accepts */
    out[7] = 0;
}

/* Minutes east of UTC at local midnight of day d. */
static int zone_at(int64_t d)
{
    return (int)((d * 86400 - time_local_instant(d, 0)) / 60);
}

int ledger_fig_zone(const struct ctx *c)
{
    int y;
    unsigned m, d;
    cal_civil_from_days(time_local_day(c->now), &y, &m, &d);
    int jan = zone_at(cal_days_from_civil(y, 1, 1)), jul = zone_at(cal_days_from_civil(y, 7, 1));
    return jan == jul ? jan : INT_MIN;
}

static const char figs_zone_sql[] = "SELECT minutes FROM figure_zone WHERE id = 1";

void ledger_figs_usable_send(struct ctx *c)
{
    struct stmt *st = db_query(c->db, figs_zone_sql);
    stmt_send(st);
    if (st)
        ctx_ahead_put(c, st, figs_zone_sql, 0);
}

bool ledger_figs_usable(struct ctx *c)
{
    int64_t stored = 0;
    int zone = ledger_fig_zone(c);
    bool read;
    struct stmt *st = ctx_ahead_take(c, figs_zone_sql, 0); /* sent with the credential check */
    if (st) {
        if ((read = stmt_step(st) == STORE_ROW))
            stored = stmt_int(st, 0);
        stmt_done(st);
    } else {
        read = zone != INT_MIN && !db_one_int(c->db, &stored, figs_zone_sql);
    }
    return read && zone != INT_MIN && stored == zone;
}

/* ---- folding deltas (PostgreSQL) ---- */

static enum err fold_tx(struct ctx *c, void *arg)
{
    int *folded = arg;
    struct stmt *st = db_prepare(
        c->db,
        "WITH d AS (DELETE FROM figure_count_deltas WHERE id IN (SELECT id FROM figure_count_deltas ORDER BY "
        "id LIMIT ?) RETURNING *), f AS (INSERT INTO figure_counts (office_path, own, unit_id, month, "
        "registered, completed, on_time, ov_in, ov_out, done_days) SELECT office_path, own, unit_id, month, "
        "SUM(registered), SUM(completed), SUM(on_time), SUM(ov_in), SUM(ov_out), SUM(done_days) FROM d GROUP BY "
        "office_path, own, unit_id, "
        "month ORDER BY office_path, own, unit_id, month ON CONFLICT (office_path, own, unit_id, month) DO "
        "UPDATE SET registered = figure_counts.registered + excluded.registered, completed = "
        "figure_counts.completed + excluded.completed, on_time = figure_counts.on_time + excluded.on_time, "
        "ov_in = figure_counts.ov_in + excluded.ov_in, ov_out = figure_counts.ov_out + excluded.ov_out, done_days = "
        "figure_counts.done_days + excluded.done_days) SELECT COUNT(*) FROM d");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "汇总通报统计");
    stmt_bind_int(st, 1, FIGS_FOLD_BATCH);
    int64_t n = 0;
    int rc = stmt_one_int(st, &n);
    *folded = (int)n;
    return rc < 0 ? ctx_store_fail(c, rc, "汇总通报统计") : ERR_OK;
}

enum err ledger_figs_fold(struct ctx *c, int *folded)
{
    *folded = 0;
    if (strcmp(db_kind(c->db), "postgres"))
        return ERR_OK; /* SQLite's triggers write figure_counts directly */
    for (;;) {
        int n = 0;
        enum err e = ctx_tx(c, "汇总通报统计", fold_tx, &n);
        if (e)
            return e;
        *folded += n;
        if (n < FIGS_FOLD_BATCH)
            return ERR_OK;
    }
}

/* ---- the check ---- */

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *month_or_null(struct arena *a, int64_t day)
{
    if (day == LEDGER_NO_DAY)
        return "-";
    char m[8];
    ledger_fig_month(day, m);
    return arena_strdup(a, m);
}

/* The row text both sides are compared by. */
static const char *row_text(struct arena *a, int64_t item, int64_t unit, int own, const char *office, const char *reg,
                            const char *done, int on_time, int64_t days, const char *ovin, const char *ovout)
{
    return arena_printf(a, "事项 %" PRId64 " 单位 %" PRId64 " %s 交办办结 %s/%s/%d 办结天数 %" PRId64 " 超期 %s/%s %s",
                        item, unit, own ? "承办" : "范围", reg, done, on_time, days, ovin, ovout, office);
}

struct figs_check {
    struct ctx *c;
    void (*diff)(void *arg, const char *text);
    void *arg;
    int64_t rows;
};

static enum err check_batch(struct figs_check *k, int64_t from, int64_t to)
{
    struct ctx *c = k->c;
    struct arena a = ARENA_INIT;
    int cap = 0, nw = 0, ns = 0, scap = 0, rc;
    const char **want = NULL, **have = NULL;
    struct stmt *st = db_prepare(
        c->db, "SELECT i.id, i.state, i.due_date, i.assigned_at, i.closed_at, i.office_path, t.unit_id, "
               "t.unit_path FROM items i JOIN item_tracks t ON t.item_id = i.id WHERE i.id > ? AND i.id <= ? "
               "ORDER BY i.id");
    if (!st) {
        arena_free(&a);
        return ctx_store_fail(c, STORE_E_OTHER, "核对通报统计");
    }
    stmt_bind_int(st, 1, from);
    stmt_bind_int(st, 2, to);
    int64_t cur = -1;
    int64_t seen[64];
    int nseen = 0;
    struct ledger_fig f = {0};
    const char *office = NULL, *reg = NULL, *done = NULL, *ovin = NULL, *ovout = NULL;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        int64_t id = stmt_int(st, 0);
        if (id != cur) {
            cur = id;
            nseen = 0;
            ledger_fig_of(stmt_text(st, 1), stmt_text(st, 2), stmt_is_null(st, 3) ? NULL : stmt_text(st, 3),
                          stmt_is_null(st, 4) ? NULL : stmt_text(st, 4), &f);
            office = arena_strdup(&a, stmt_text(st, 5));
            reg = month_or_null(&a, f.a);
            done = f.done ? month_or_null(&a, f.e) : "-";
            ovin = f.ov ? month_or_null(&a, f.s) : "-";
            ovout = f.ov ? month_or_null(&a, f.e) : "-";
        }
        if (!f.counted)
            continue;
        want = arena_grow(&a, want, nw, &cap, sizeof *want);
        want[nw++] = row_text(&a, id, stmt_int(st, 6), 1, office, reg, done, f.on_time, f.days, ovin, ovout);
        for (const char *p = stmt_text(st, 7); *p; p++) {
            if (*p != '/' || !p[1])
                continue;
            int64_t u = strtoll(p + 1, NULL, 10);
            bool dup = false;
            for (int i = 0; i < nseen && !dup; i++)
                dup = seen[i] == u;
            if (dup || nseen == 64)
                continue;
            seen[nseen++] = u;
            want = arena_grow(&a, want, nw, &cap, sizeof *want);
            want[nw++] = row_text(&a, id, u, 0, office, reg, done, f.on_time, f.days, ovin, ovout);
        }
    }
    stmt_done(st);
    if (rc < 0) {
        arena_free(&a);
        return ctx_store_fail(c, rc, "核对通报统计");
    }
    st = db_prepare(c->db,
                    "SELECT item_id, unit_id, own, office_path, reg_m, COALESCE(done_m, '-'), on_time, "
                    "COALESCE(ovin_m, '-'), COALESCE(ovout_m, '-'), done_days FROM item_figs WHERE item_id > ? AND "
                    "item_id <= ?");
    if (!st) {
        arena_free(&a);
        return ctx_store_fail(c, STORE_E_OTHER, "核对通报统计");
    }
    stmt_bind_int(st, 1, from);
    stmt_bind_int(st, 2, to);
    while ((rc = stmt_step(st)) == STORE_ROW) {
        have = arena_grow(&a, have, ns, &scap, sizeof *have);
        have[ns++] =
            row_text(&a, stmt_int(st, 0), stmt_int(st, 1), (int)stmt_int(st, 2), stmt_text(st, 3), stmt_text(st, 4),
                     stmt_text(st, 5), (int)stmt_int(st, 6), stmt_int(st, 9), stmt_text(st, 7), stmt_text(st, 8));
    }
    stmt_done(st);
    if (rc < 0) {
        arena_free(&a);
        return ctx_store_fail(c, rc, "核对通报统计");
    }
    if (nw)
        qsort(want, (size_t)nw, sizeof *want, str_cmp);
    if (ns)
        qsort(have, (size_t)ns, sizeof *have, str_cmp);
    int i = 0, j = 0;
    while (i < nw || j < ns) {
        int d = i == nw ? 1 : j == ns ? -1 : strcmp(want[i], have[j]);
        if (d < 0)
            k->diff(k->arg, arena_printf(&a, "item_figs 缺少的行：%s", want[i++]));
        else if (d > 0)
            k->diff(k->arg, arena_printf(&a, "item_figs 多余或不符的行：%s", have[j++]));
        else
            i++, j++;
    }
    k->rows += ns;
    arena_free(&a);
    return ERR_OK;
}

enum err ledger_figs_check(struct ctx *c, void (*diff)(void *arg, const char *text), void *arg, int64_t *rows,
                           int64_t *counters)
{
    struct figs_check k = {c, diff, arg, 0};
    int zone = ledger_fig_zone(c);
    int64_t stored = 0;
    if (db_one_int(c->db, &stored, "SELECT minutes FROM figure_zone WHERE id = 1"))
        return ctx_fail(c, ERR_INTERNAL, "核对通报统计：读取时区失败");
    if (zone == INT_MIN || stored != zone) {
        diff(arg,
             arena_printf(c->arena,
                          "通报统计按 UTC%+d 分钟计数，本机时区为 %s：通报从事项计数，运行 ducha ledger rebuild "
                          "以重新计数",
                          (int)stored, zone == INT_MIN ? "夏令时区" : arena_printf(c->arena, "UTC%+d 分钟", zone)));
        return ERR_OK; /* the rows are in another zone's months: comparing them says nothing more */
    }
    int64_t max_id = 0;
    int rc = stmt_one_int(db_prepare(c->db, "SELECT COALESCE(MAX(id), 0) FROM items"), &max_id);
    if (rc < 0)
        return ctx_store_fail(c, rc, "核对通报统计");
    for (int64_t from = 0; from < max_id; from += FIGS_CHECK_BATCH) {
        enum err e = check_batch(&k, from, from + FIGS_CHECK_BATCH);
        if (e)
            return e;
    }
    int64_t orphans = 0;
    if ((rc = stmt_one_int(db_prepare(c->db, "SELECT COUNT(*) FROM item_figs f WHERE NOT EXISTS (SELECT 1 FROM items "
                                             "i WHERE i.id = f.item_id)"),
                           &orphans)) < 0)
        return ctx_store_fail(c, rc, "核对通报统计");
    if (orphans)
        diff(arg, arena_printf(c->arena, "item_figs 有 %" PRId64 " 行属于不存在的事项", orphans));
    /* the counters against the sums of the rows: every group that does not cancel out is a difference */
    struct stmt *st = db_prepare(
        c->db,
        "SELECT office_path, own, unit_id, month, SUM(r), SUM(c), SUM(t), SUM(oi), SUM(oo), SUM(dd), SUM(k) FROM ("
        "SELECT office_path, own, unit_id, month, registered AS r, completed AS c, on_time AS t, ov_in AS oi, ov_out "
        "AS "
        "oo, done_days AS dd, 1 AS k FROM figure_counts UNION ALL SELECT office_path, own, unit_id, month, registered, "
        "completed, on_time, ov_in, ov_out, done_days, 0 FROM figure_count_deltas UNION ALL SELECT office_path, own, "
        "unit_id, reg_m, -1, 0, 0, 0, 0, 0, 0 FROM item_figs UNION ALL SELECT office_path, own, unit_id, done_m, 0, "
        "-1, "
        "-on_time, 0, 0, -done_days, 0 FROM item_figs WHERE done_m IS NOT NULL UNION ALL SELECT office_path, own, "
        "unit_id, ovin_m, 0, 0, 0, -1, 0, 0, 0 FROM item_figs WHERE ovin_m IS NOT NULL UNION ALL SELECT office_path, "
        "own, unit_id, ovout_m, 0, 0, 0, 0, -1, 0, 0 FROM item_figs WHERE ovout_m IS NOT NULL) x "
        "GROUP BY office_path, own, unit_id, month");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "核对通报统计");
    while ((rc = stmt_step(st)) == STORE_ROW) {
        *counters += stmt_int(st, 10);
        if (stmt_int(st, 4) || stmt_int(st, 5) || stmt_int(st, 6) || stmt_int(st, 7) || stmt_int(st, 8) ||
            stmt_int(st, 9))
            diff(arg,
                 arena_printf(c->arena,
                              "通报计数不符：%s 单位 %" PRId64 "（%s）%s 月 交办/办结/按期/转超期/超期结束/办结天数 "
                              "多计 %" PRId64 "/%" PRId64 "/%" PRId64 "/%" PRId64 "/%" PRId64 "/%" PRId64,
                              stmt_text(st, 0), stmt_int(st, 2), stmt_int(st, 1) ? "承办" : "范围", stmt_text(st, 3),
                              stmt_int(st, 4), stmt_int(st, 5), stmt_int(st, 6), stmt_int(st, 7), stmt_int(st, 8),
                              stmt_int(st, 9)));
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "核对通报统计");
    *rows = k.rows;
    return ERR_OK;
}
