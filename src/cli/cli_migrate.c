/*
 * cli_migrate.c: `ducha migrate-data --from URL --to URL`: copies every row of one ducha database
 * into another, empty one (typically a county's embedded SQLite file into the central PostgreSQL).
 *
 * Both databases are first migrated to this binary's schema. The target must hold nothing but what
 * the migrations themselves insert (the audit chain head, the holiday calendar …): that is measured
 * on a fresh in-memory database migrated the same way. The copy is one transaction on the target:
 * seeded rows are replaced, tables are filled in foreign-key order with their ids preserved (a table
 * that references itself, like the unit tree, is filled parents first), streamed with COPY on
 * PostgreSQL (store.h: db_copy) with keys, indexes (db_bulk_begin) and every user trigger
 * (db_bulk_triggers_off) off; then the keys and triggers come back, the identity sequences are moved past
 * the copied ids, and the mark of an unfinished fill (migrate_data_fill, migration 0048) is written with
 * it. After that commit the ledger's derived tables (scope rows with their lights and counters, the
 * bulletin figures, the search index) are filled in parts at the same time, each in its own transaction
 * on its own connection (ledger_fill_part), while the copy's connection runs ANALYZE on the other tables
 * (the planner's statistics of the new rows); once all have committed and the end state is checked the mark
 * is deleted.
 *
 * A failure: of the copy, the target is as it was (empty); of a part of the fill, the copy stays with its
 * mark, and the same command run again fills the derived tables again (every part starts over) instead of
 * copying. The schema is read from the databases through the store layer, so tables added by later
 * migrations are copied without changes here.
 */
#include "cli/cli.h"

#include "base/buf.h"
#include "base/log.h"
#include "base/timeu.h"
#include "items/ledger.h"
#include "store/store_search.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct copy {
    struct cli *cli;
    struct db *src, *dst;
    long rows;
};

/* Number of rows of table t in db, or -1 on failure. */
static void free_strings(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static long table_count(struct db *db, const char *table)
{
    char *q = store_quote_ident(table);
    char *sql = xmalloc(strlen(q) + 32);
    sprintf(sql, "SELECT COUNT(*) FROM %s", q);
    int64_t n = -1;
    int rc = stmt_one_int(db_prepare(db, sql), &n);
    free(sql);
    free(q);
    return rc == STORE_ROW ? (long)n : -1;
}

/* "SELECT a, b FROM t ORDER BY k" (k: the identity column, else the first): malloc'd. */
static char *select_sql(const struct store_table *t)
{
    size_t n = 64 + strlen(t->name) * 2;
    for (int j = 0; j < t->ncols; j++)
        n += strlen(t->cols[j]) * 2 + 8;
    char *sql = xmalloc(n), *p = sql;
    char *qt = store_quote_ident(t->name);
    p += sprintf(p, "SELECT ");
    for (int j = 0; j < t->ncols; j++) {
        char *qc = store_quote_ident(t->cols[j]);
        p += sprintf(p, "%s%s", j ? ", " : "", qc);
        free(qc);
    }
    sprintf(p, " FROM %s ORDER BY %d", qt, t->identity >= 0 ? t->identity + 1 : 1);
    free(qt);
    return sql;
}

struct keyed {
    const char *key;
    int row;
};

static int keyed_cmp(const void *a, const void *b)
{
    return strcmp(((const struct keyed *)a)->key, ((const struct keyed *)b)->key);
}

/*
 * Copies a table that references itself: all rows are read first, then inserted in passes, each
 * inserting the rows whose parent is absent (NULL) or already inserted. Fails on a cycle.
 */
static int copy_self_ref(struct copy *cp, const struct store_table *t, struct db_copy *out, struct stmt *sel,
                         long total)
{
    int cap = 256, n = 0, rc;
    char ***rows = xmalloc((size_t)cap * sizeof *rows);
    while ((rc = stmt_step(sel)) == STORE_ROW) {
        if (n == cap) {
            cap *= 2;
            rows = xrealloc(rows, (size_t)cap * sizeof *rows);
        }
        rows[n] = xcalloc((size_t)t->ncols, sizeof **rows);
        for (int j = 0; j < t->ncols; j++)
            rows[n][j] = stmt_is_null(sel, j) ? NULL : xstrdup(stmt_text(sel, j));
        n++;
    }
    stmt_done(sel);
    bool *done = xcalloc((size_t)n + 1, sizeof *done);
    struct keyed *idx = xcalloc((size_t)n + 1, sizeof *idx);
    int nidx = 0;
    for (int i = 0; i < n; i++)
        if (rows[i][t->self_ref])
            idx[nidx++] = (struct keyed){rows[i][t->self_ref], i};
    qsort(idx, (size_t)nidx, sizeof *idx, keyed_cmp);
    int left = n;
    while (rc >= 0 && left > 0) {
        int before = left;
        for (int i = 0; i < n && rc >= 0; i++) {
            if (done[i])
                continue;
            const char *parent = rows[i][t->self_fk];
            bool ready = !parent;
            if (parent) {
                struct keyed k = {parent, 0};
                struct keyed *hit = bsearch(&k, idx, (size_t)nidx, sizeof *idx, keyed_cmp);
                ready = hit && (done[hit->row] || hit->row == i);
            }
            if (!ready)
                continue;
            rc = db_copy_row(out, (const char *const *)rows[i]);
            done[i] = true;
            left--;
            cp->rows++;
            if ((n - left) % 200 == 0 || left == 0)
                cli_progress(cp->cli, t->name, n - left, total);
        }
        if (rc >= 0 && left == before) {
            log_error("%s: %d rows reference rows that cannot be placed first (a cycle?)", t->name, left);
            rc = STORE_E_OTHER;
        }
    }
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < t->ncols; j++)
            free(rows[i][j]);
        free(rows[i]);
    }
    free(rows);
    free(done);
    free(idx);
    return rc < 0 ? rc : 0;
}

/* Copies one table in the order of its key (parents first for a table that references itself),
 * streamed into the target with db_copy (COPY on PostgreSQL). */
static int copy_table(struct copy *cp, const struct store_table *t)
{
    long total = table_count(cp->src, t->name);
    if (total < 0)
        return STORE_E_OTHER;
    char *sel_sql = select_sql(t);
    struct stmt *sel = db_prepare(cp->src, sel_sql);
    free(sel_sql);
    if (!sel)
        return STORE_E_OTHER;
    struct db_copy *out = db_copy_begin(cp->dst, t->name, t->ncols, t->cols);
    int rc;
    if (t->self_fk >= 0 && t->self_ref >= 0) {
        rc = copy_self_ref(cp, t, out, sel, total);
    } else {
        const char **vals = xcalloc((size_t)t->ncols, sizeof *vals);
        long done = 0;
        while ((rc = stmt_step(sel)) == STORE_ROW) {
            for (int j = 0; j < t->ncols; j++)
                vals[j] = stmt_text(sel, j);
            if ((rc = db_copy_row(out, vals)) < 0)
                break;
            cp->rows++;
            if (++done % 10000 == 0 || done == total)
                cli_progress(cp->cli, t->name, done, total);
        }
        stmt_done(sel);
        free(vals);
    }
    int end = db_copy_end(out);
    return rc < 0 ? rc : end;
}

static const struct store_table *find_table(const struct store_table *t, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(t[i].name, name))
            return &t[i];
    return NULL;
}

/* Opens and migrates url; label names it in messages (a URL may carry a password). */
static bool open_migrated(struct cli *cli, const char *label, const char *url, bool must_exist, int pool,
                          struct store **out)
{
    /* a province's tables take minutes to copy: no statement timeout here */
    struct store_options opt = {.pool_size = pool,
                                .busy_timeout_ms = (int)cli->app.cfg.db_busy_timeout_ms,
                                .must_exist = must_exist,
                                .no_statement_timeout = true};
    char err[512];
    if (store_open(url, &opt, out, err, sizeof err) || store_migrate(*out, err, sizeof err)) {
        cli_fail("%s: %s", label, err);
        return false;
    }
    return true;
}

/* seconds on the monotonic clock (the phases' times in the last line) */
static double mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* one part of the fill of the derived tables, on a connection of its own */
struct fill_part {
    struct cli *cli;
    struct store *store;
    enum ledger_fill_part part;
    enum err e;
    double secs;
};

static void *fill_part_run(void *arg)
{
    struct fill_part *f = arg;
    double t0 = mono();
    struct arena arena = ARENA_INIT;
    struct db *db = store_acquire(f->store);
    struct ctx c = {.arena = &arena, .cfg = &f->cli->app.cfg, .client = "cli", .db = db, .now = time_now()};
    f->e = ledger_fill_part(&c, f->part);
    store_release(db);
    arena_free(&arena);
    f->secs = mono() - t0;
    return NULL;
}

/* "ANALYZE a, b, …" of the tables that the copy (items, item_tracks) and the fill's parts (the derived tables)
 * do not analyze; malloc'd. */
static char *analyze_sql(const struct store_table *t, int n)
{
    struct buf sql = {0};
    for (int i = 0; i < n; i++) {
        if (store_table_derived(t[i].name) || !strcmp(t[i].name, "items") || !strcmp(t[i].name, "item_tracks"))
            continue;
        char *q = store_quote_ident(t[i].name);
        buf_printf(&sql, "%s%s", sql.len ? ", " : "ANALYZE ", q);
        free(q);
    }
    return buf_take(&sql);
}

/* The derived tables filled in parts, all at the same time on PostgreSQL (one after the other on SQLite,
 * where writers queue anyway), while this connection analyzes the other tables; true when every part
 * committed, the statistics are taken and the end state holds. */
static bool fill_derived(struct cli *cli, struct store *dst_s, struct db *dst, const struct store_table *dt, int ndt)
{
    struct fill_part parts[LEDGER_FILL_PARTS];
    pthread_t threads[LEDGER_FILL_PARTS];
    bool started[LEDGER_FILL_PARTS] = {false};
    bool pg = !strcmp(store_kind(dst_s), "postgres");
    static const char *const names[] = {"scope rows and counters", "figures", "search documents"};
    for (int i = 0; i < LEDGER_FILL_PARTS; i++) {
        parts[i] = (struct fill_part){.cli = cli, .store = dst_s, .part = (enum ledger_fill_part)i};
        if (!pg || pthread_create(&threads[i], NULL, fill_part_run, &parts[i]))
            fill_part_run(&parts[i]);
        else
            started[i] = true;
    }
    bool ok = true;
    if (pg) {
        char *sql = analyze_sql(dt, ndt);
        if (sql && db_exec(dst, sql)) {
            log_error("migrate-data: ANALYZE of the copied tables failed");
            ok = false;
        }
        free(sql);
    }
    for (int i = 0; i < LEDGER_FILL_PARTS; i++) {
        if (started[i])
            pthread_join(threads[i], NULL);
        if (parts[i].e) {
            log_error("migrate-data: the fill's part %s failed", names[i]);
            ok = false;
        }
    }
    fprintf(stderr, "fill parts: %s %.1f s, %s %.1f s, %s %.1f s\n", names[0], parts[0].secs, names[1], parts[1].secs,
            names[2], parts[2].secs);
    /* the end state: every item has its search document and its scope rows (PostgreSQL; SQLite's rebuild
     * is one transaction) */
    int64_t bad = 0;
    if (ok && pg &&
        stmt_one_int(db_prepare(dst, "SELECT (SELECT COUNT(*) FROM items) - (SELECT COUNT(*) FROM item_search) + "
                                     "(SELECT COUNT(*) FROM items i WHERE NOT EXISTS (SELECT 1 FROM item_scope s "
                                     "WHERE s.item_id = i.id))"),
                     &bad) != STORE_ROW)
        bad = -1;
    if (ok && bad) {
        log_error("migrate-data: after the fill %lld items lack their search document or scope rows", (long long)bad);
        ok = false;
    }
    return ok;
}

/* The copy, in one transaction on the target: nothing of it stays when it fails. */
static int copy_all(struct copy *cp, struct store *dst_s, const struct store_table *st, int nst,
                    const struct store_table *dt, int ndt, const struct store_table *kt, int nkt, int *ntables,
                    double t[2])
{
    int rc;
    if ((rc = db_begin(cp->dst)) < 0) {
        cli_fail("cannot begin a transaction on the target");
        return rc;
    }
    /* seeded rows make way for the source's own (reverse dependency order) */
    for (int i = ndt - 1; i >= 0 && rc >= 0; i--) {
        const struct store_table *k = find_table(kt, nkt, dt[i].name);
        if (!k || !strcmp(k->name, "schema_migrations") || store_table_derived(k->name) ||
            table_count(cp->dst, k->name) <= 0)
            continue;
        char *q = store_quote_ident(dt[i].name), *sql = xmalloc(strlen(q) + 16);
        sprintf(sql, "DELETE FROM %s", q);
        struct stmt *del = db_prepare(cp->dst, sql);
        rc = del ? stmt_step(del) : STORE_E_OTHER;
        stmt_done(del);
        free(sql);
        free(q);
    }
    /* keys, indexes and foreign keys are dropped for the load and built once at the end; the triggers are
     * off for the load */
    char **restore = NULL, **triggers = NULL;
    int nrestore = 0, ntriggers = 0;
    if (rc >= 0 && ((rc = db_bulk_begin(cp->dst, &restore, &nrestore)) < 0 ||
                    (rc = db_bulk_triggers_off(cp->dst, &triggers, &ntriggers)) < 0))
        cli_fail("cannot prepare the target for the load");
    double t0 = mono();
    for (int i = 0; i < nst && rc >= 0; i++) {
        /* the ledger's derived tables are filled from items and tracks after the load */
        if (!strcmp(st[i].name, "schema_migrations") || !strcmp(st[i].name, "migrate_data_fill") ||
            store_table_derived(st[i].name))
            continue;
        rc = copy_table(cp, &st[i]);
        if (rc < 0)
            cli_fail("copying table %s failed", st[i].name);
        (*ntables)++;
    }
    t[0] = mono() - t0;
    if (rc >= 0) {
        cli_progress(cp->cli, "keys, indexes and references", 0, 0);
        if ((rc = db_bulk_end(cp->dst, restore, nrestore)) < 0)
            cli_fail("the copied rows break a key or a reference of the target");
        if (cp->cli->tty)
            fputc('\n', stderr);
    } else {
        free_strings(restore, nrestore);
    }
    if (rc >= 0)
        rc = db_bulk_end(cp->dst, triggers, ntriggers);
    else
        free_strings(triggers, ntriggers);
    for (int i = 0; i < ndt && rc >= 0; i++)
        rc = db_reset_identity(cp->dst, &dt[i]);
    /* the fill's plans see the rows just loaded */
    static const char *const analyze[] = {"ANALYZE items", "ANALYZE item_tracks"};
    for (size_t i = 0; rc >= 0 && !strcmp(store_kind(dst_s), "postgres") && i < sizeof analyze / sizeof *analyze; i++)
        rc = db_exec(cp->dst, analyze[i]) ? STORE_E_OTHER : 0;
    char now[21];
    time_format_iso(time_now(), now);
    if (rc >= 0 && db_exec(cp->dst, "INSERT INTO migrate_data_fill (id, started_at) VALUES (1, ?)", DB_TEXT(now)))
        rc = STORE_E_OTHER;
    if (rc < 0) {
        db_rollback(cp->dst);
        cli_fail("nothing was copied");
        return rc;
    }
    if ((rc = db_commit(cp->dst)) < 0) {
        cli_fail("commit on the target failed; nothing was copied");
        return rc;
    }
    t[1] = mono() - t0 - t[0];
    return 0;
}

int cmd_migrate_data(struct cli *cli)
{
    const char *from = cli_opt(cli, "from"), *to = cli_opt(cli, "to");
    if (cli_leftover_options(cli) || cli->argc || !from || !to)
        return cli_fail("usage: ducha migrate-data --from sqlite:PATH --to postgres://USER@HOST:PORT/DB");
    struct store *src_s = NULL, *dst_s = NULL, *seed_s = NULL;
    struct store_table *st = NULL, *dt = NULL, *kt = NULL;
    int nst = 0, ndt = 0, nkt = 0, result = 1;
    struct copy cp = {.cli = cli};
    /* the target's pool: the copy's connection and one for each part of the fill */
    if (!open_migrated(cli, "source", from, true, 1, &src_s) ||
        !open_migrated(cli, "target", to, false, 1 + LEDGER_FILL_PARTS, &dst_s) ||
        !open_migrated(cli, "fresh schema", "sqlite::memory:", false, 1, &seed_s))
        goto out;
    if (store_schema_version(src_s) != store_schema_version(dst_s)) {
        cli_fail("source and target are at different schema versions");
        goto out;
    }
    cp.src = store_acquire(src_s);
    cp.dst = store_acquire(dst_s);
    struct db *seed = store_acquire(seed_s);
    int rc = store_tables(cp.src, &st, &nst);
    if (rc >= 0)
        rc = store_tables(cp.dst, &dt, &ndt);
    if (rc >= 0)
        rc = store_tables(seed, &kt, &nkt);
    if (rc < 0) {
        cli_fail("cannot read the tables of the databases");
        store_release(seed);
        goto release;
    }
    /* a copy whose fill did not finish (its mark): the fill again, if it is the copy of this source */
    bool refill = table_count(cp.dst, "migrate_data_fill") > 0;
    if (refill && table_count(cp.dst, "items") != table_count(cp.src, "items")) {
        cli_fail("the target holds an unfinished copy of another database (its items differ); migrate-data needs a "
                 "new, empty database");
        store_release(seed);
        goto release;
    }
    /* else the target must hold exactly what the migrations put into a fresh database */
    bool empty = true;
    for (int i = 0; i < ndt && empty && !refill; i++) {
        if (!strcmp(dt[i].name, "schema_migrations") || store_table_derived(dt[i].name))
            continue;
        const struct store_table *k = find_table(kt, nkt, dt[i].name);
        long have = table_count(cp.dst, dt[i].name), seeded = k ? table_count(seed, k->name) : 0;
        if (have != seeded) {
            cli_fail("the target database is not empty (table %s holds %ld rows); migrate-data needs a new, empty "
                     "database",
                     dt[i].name, have);
            empty = false;
        }
    }
    for (int i = 0; i < nst && empty; i++)
        if (!store_table_derived(st[i].name) && !find_table(dt, ndt, st[i].name)) {
            cli_fail("table %s of the source does not exist in the target", st[i].name);
            empty = false;
        }
    store_release(seed);
    if (!empty)
        goto release;

    int ntables = 0;
    /* the phases: copy, keys and indexes (with the commit), ledger fill with the statistics */
    double t[3] = {0}, t1;
    if (refill)
        fprintf(stderr, "the target holds the copy of a run whose fill did not finish: filling the ledger's derived "
                        "tables again\n");
    else if (copy_all(&cp, dst_s, st, nst, dt, ndt, kt, nkt, &ntables, t) < 0)
        goto release;
    t1 = mono();
    cli_progress(cp.cli, "ledger scope rows, counters, figures and search index", 0, 0);
    if (cp.cli->tty)
        fputc('\n', stderr);
    if (!fill_derived(cli, dst_s, cp.dst, dt, ndt) ||
        db_exec(cp.dst, "DELETE FROM migrate_data_fill") /* the end: its own commit, WAL flushed */) {
        cli_fail("the rows are copied, but the ledger's derived tables are not filled: run the same migrate-data "
                 "again to fill them");
        goto release;
    }
    t[2] = mono() - t1;
    fprintf(stderr, "phases: copy %.1f s, keys, indexes and references %.1f s, ledger fill and statistics %.1f s\n",
            t[0], t[1], t[2]);
    if (refill)
        fprintf(stderr, "filled the ledger's derived tables of the copy in %s\n", store_kind(dst_s));
    else
        fprintf(stderr, "copied %ld rows in %d tables from %s to %s\n", cp.rows, ntables, store_kind(src_s),
                store_kind(dst_s));
    result = 0;
release:
    if (cp.src)
        store_release(cp.src);
    if (cp.dst)
        store_release(cp.dst);
out:
    store_tables_free(st, nst);
    store_tables_free(dt, ndt);
    store_tables_free(kt, nkt);
    store_close(src_s);
    store_close(dst_s);
    store_close(seed_s);
    return result;
}
