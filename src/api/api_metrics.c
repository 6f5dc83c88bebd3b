/*
 * api_metrics.c: GET /metrics, the Prometheus text exposition (version 0.0.4).
 *
 * Per API route (its pattern, so ids do not explode the label set): requests by status class, a
 * latency histogram, and the database statements and round trips the requests took (db_usage:
 * divided by the request count, the cost of a page in round trips). Per process: the HTTP lanes' queues, the database
 * pool and transactions (store_stats). From the
 * database, the same on every node: the scheduler's backlog and lag, the outbox by state (dead
 * letters included), the audit chain's length, replication (opstats.h).
 *
 * Access: the endpoint exists only when metrics_token is configured, and it requires that token as
 * a bearer token (compared in constant time). It exposes counts, never content.
 */
#include "api/metrics.h"

#include "api/replica.h"
#include "api/routes.h"
#include "base/buf.h"
#include "core/opstats.h"
#include "docs/pdf_cache.h"

#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

static const double bucket_le[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBUCKETS (sizeof bucket_le / sizeof *bucket_le)

struct route_stats {
    const struct route *route;
    atomic_uint_fast64_t status[6];            /* by status / 100: 1xx … 5xx (index 0 unused) */
    atomic_uint_fast64_t bucket[NBUCKETS + 1]; /* non-cumulative; the last is +Inf */
    atomic_uint_fast64_t sum_us;
    atomic_uint_fast64_t statements, round_trips;
};

static struct route_stats *stats; /* one per route, in api_route_tables order, then "unmatched" */
static int nstats;
static pthread_once_t stats_once = PTHREAD_ONCE_INIT;
static time_t started;

static void stats_init(void)
{
    int n = 0;
    for (int t = 0; api_route_tables[t]; t++)
        for (const struct route *r = api_route_tables[t]; r->method; r++)
            n++;
    stats = xcalloc((size_t)n + 1, sizeof *stats);
    n = 0;
    for (int t = 0; api_route_tables[t]; t++)
        for (const struct route *r = api_route_tables[t]; r->method; r++)
            stats[n++].route = r;
    nstats = n + 1; /* the last slot: requests that matched no route */
    started = time(NULL);
}

/* The slot of route r: tables are arrays, so r's table is the one whose span contains it. */
static struct route_stats *stats_of(const struct route *r)
{
    pthread_once(&stats_once, stats_init);
    if (!r)
        return &stats[nstats - 1];
    int base = 0;
    for (int t = 0; api_route_tables[t]; t++) {
        const struct route *first = api_route_tables[t];
        int n = 0;
        while (first[n].method)
            n++;
        if (r >= first && r < first + n)
            return &stats[base + (r - first)];
        base += n;
    }
    return &stats[nstats - 1];
}

void metrics_observe(const struct route *r, const char *method, int status, double seconds, const struct db_usage *db)
{
    (void)method; /* a route has one method */
    struct route_stats *s = stats_of(r);
    atomic_fetch_add_explicit(&s->statements, db->statements, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->round_trips, db->round_trips, memory_order_relaxed);
    int cls = status / 100;
    atomic_fetch_add_explicit(&s->status[cls >= 1 && cls <= 5 ? cls : 5], 1, memory_order_relaxed);
    size_t b = 0;
    while (b < NBUCKETS && seconds > bucket_le[b])
        b++;
    atomic_fetch_add_explicit(&s->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_us, (uint_fast64_t)llround(seconds * 1e6), memory_order_relaxed);
}

static void family(struct buf *b, const char *name, const char *type, const char *help)
{
    buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One family of the per-route database counters (statements, or round trips). */
static void render_usage(struct buf *b, const char *name, const char *help, bool trips)
{
    family(b, name, "counter", help);
    for (int i = 0; i < nstats; i++) {
        const struct route *r = stats[i].route;
        uint64_t n = atomic_load(trips ? &stats[i].round_trips : &stats[i].statements);
        if (n)
            buf_printf(b, "%s{method=\"%s\",route=\"%s\"} %llu\n", name, r ? r->method : "",
                       r ? r->pattern : "unmatched", (unsigned long long)n);
    }
}

static void render_requests(struct buf *b)
{
    family(b, "ducha_http_requests_total", "counter", "API requests by route pattern, method and status class.");
    for (int i = 0; i < nstats; i++) {
        const struct route *r = stats[i].route;
        for (int k = 1; k <= 5; k++) {
            uint64_t n = atomic_load(&stats[i].status[k]);
            if (n)
                buf_printf(b, "ducha_http_requests_total{method=\"%s\",route=\"%s\",code=\"%dxx\"} %llu\n",
                           r ? r->method : "", r ? r->pattern : "unmatched", k, (unsigned long long)n);
        }
    }
    family(b, "ducha_http_request_duration_seconds", "histogram",
           "Time from routing to the reply being ready, by route pattern.");
    for (int i = 0; i < nstats; i++) {
        const struct route *r = stats[i].route;
        uint64_t cum = 0, counts[NBUCKETS + 1];
        for (size_t k = 0; k <= NBUCKETS; k++)
            cum += counts[k] = atomic_load(&stats[i].bucket[k]);
        if (!cum)
            continue;
        const char *m = r ? r->method : "", *p = r ? r->pattern : "unmatched";
        uint64_t run = 0;
        for (size_t k = 0; k < NBUCKETS; k++) {
            run += counts[k];
            buf_printf(b, "ducha_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"%g\"} %llu\n", m,
                       p, bucket_le[k], (unsigned long long)run);
        }
        buf_printf(b, "ducha_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"+Inf\"} %llu\n", m, p,
                   (unsigned long long)cum);
        buf_printf(b, "ducha_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n", m, p,
                   (double)atomic_load(&stats[i].sum_us) / 1e6);
        buf_printf(b, "ducha_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n", m, p,
                   (unsigned long long)cum);
    }
    render_usage(b, "ducha_http_db_statements_total",
                 "Database statements run by API requests (BEGIN and COMMIT included), by route pattern.", false);
    render_usage(b, "ducha_http_db_round_trips_total",
                 "Round trips to the database server taken by API requests (0 on SQLite), by route pattern.", true);
}

/* The HTTP lanes (metrics.h): requests waiting, taken, the seconds they waited (microseconds), refused. */
static const char *const lane_names[METRICS_LANES] = {"office", "public"};
static atomic_int_fast64_t lane_waiting[METRICS_LANES];
static atomic_uint_fast64_t lane_taken[METRICS_LANES], lane_wait_us[METRICS_LANES], lane_full[METRICS_LANES];

void metrics_lane_queued(enum metrics_lane lane)
{
    atomic_fetch_add(&lane_waiting[lane], 1);
}

void metrics_lane_taken(enum metrics_lane lane, double waited)
{
    atomic_fetch_sub(&lane_waiting[lane], 1);
    atomic_fetch_add(&lane_taken[lane], 1);
    atomic_fetch_add(&lane_wait_us[lane], (uint_fast64_t)(waited > 0 ? waited * 1e6 : 0));
}

void metrics_lane_full(enum metrics_lane lane)
{
    atomic_fetch_add(&lane_full[lane], 1);
}

static void render_lanes(struct buf *b)
{
    family(b, "ducha_http_lane_waiting", "gauge",
           "Requests handed over by the worker threads that wait for a thread of their lane (office: writes and "
           "long reads; public: the public pages).");
    for (int l = 0; l < METRICS_LANES; l++)
        buf_printf(b, "ducha_http_lane_waiting{lane=\"%s\"} %lld\n", lane_names[l],
                   (long long)atomic_load(&lane_waiting[l]));
    family(b, "ducha_http_lane_requests_total", "counter", "Requests a lane's threads have taken up.");
    for (int l = 0; l < METRICS_LANES; l++)
        buf_printf(b, "ducha_http_lane_requests_total{lane=\"%s\"} %llu\n", lane_names[l],
                   (unsigned long long)atomic_load(&lane_taken[l]));
    family(b, "ducha_http_lane_wait_seconds_total", "counter",
           "Time those requests waited in the lane's queue before a thread took them up.");
    for (int l = 0; l < METRICS_LANES; l++)
        buf_printf(b, "ducha_http_lane_wait_seconds_total{lane=\"%s\"} %.6f\n", lane_names[l],
                   (double)atomic_load(&lane_wait_us[l]) / 1e6);
    family(b, "ducha_http_lane_full_total", "counter", "Requests refused with 503 because the lane's queue was full.");
    for (int l = 0; l < METRICS_LANES; l++)
        buf_printf(b, "ducha_http_lane_full_total{lane=\"%s\"} %llu\n", lane_names[l],
                   (unsigned long long)atomic_load(&lane_full[l]));
}

static void gauge(struct buf *b, const char *name, const char *help, double v)
{
    family(b, name, "gauge", help);
    buf_printf(b, "%s %.17g\n", name, v);
}

static void counter(struct buf *b, const char *name, const char *help, uint64_t v)
{
    family(b, name, "counter", help);
    buf_printf(b, "%s %llu\n", name, (unsigned long long)v);
}

static void render_store(struct buf *b, struct store *s)
{
    struct store_stats st;
    store_stats(s, &st);
    family(b, "ducha_db_pool_connections", "gauge", "Database connections of this node's pool, by state.");
    buf_printf(b, "ducha_db_pool_connections{state=\"in_use\"} %d\nducha_db_pool_connections{state=\"idle\"} %d\n",
               st.in_use, st.size - st.in_use);
    counter(b, "ducha_db_pool_acquires_total", "Connection checkouts.", st.acquires);
    counter(b, "ducha_db_pool_waits_total", "Checkouts that had to wait for a free connection.", st.waits);
    family(b, "ducha_db_pool_wait_seconds_total", "counter", "Time spent waiting for a free connection.");
    buf_printf(b, "ducha_db_pool_wait_seconds_total %.6f\n", st.wait_seconds);
    counter(b, "ducha_db_connects_total", "Database connections opened.", st.connects);
    counter(b, "ducha_db_connect_failures_total", "Connection attempts that failed.", st.failures);
    family(b, "ducha_db_transactions_total", "counter", "Outermost transactions by outcome.");
    buf_printf(
        b,
        "ducha_db_transactions_total{result=\"commit\"} %llu\nducha_db_transactions_total{result=\"rollback\"} %llu\n",
        (unsigned long long)st.commits, (unsigned long long)st.rollbacks);
    counter(b, "ducha_db_busy_total",
            "Statements that met a lock timeout, serialization failure or deadlock (the transaction is then run "
            "again, or answered 503).",
            st.busy);
    counter(b, "ducha_db_transaction_retries_total",
            "Transactions begun again: on a new connection after the server dropped the old one, or after a "
            "deadlock, serialization failure or lock timeout.",
            st.retries);
}

/* The rendered documents kept (docs/pdf_cache.h): how many requests for a document it served, how many it drew. */
static void render_pdf_cache(struct buf *b)
{
    struct pdf_cache_stats st;
    pdf_cache_stats(&st);
    family(b, "ducha_pdf_renderings_total", "counter",
           "PDF documents asked for, by whether they were served from the documents kept (hit) or drawn (miss).");
    buf_printf(b, "ducha_pdf_renderings_total{cache=\"hit\"} %llu\nducha_pdf_renderings_total{cache=\"miss\"} %llu\n",
               (unsigned long long)st.hits, (unsigned long long)st.misses);
    gauge(b, "ducha_pdf_cache_documents", "Rendered PDF documents kept in memory.", st.entries);
    gauge(b, "ducha_pdf_cache_bytes", "Bytes of the rendered PDF documents kept in memory.", (double)st.bytes);
}

static void render_ops(struct buf *b, const struct opstats *o)
{
    gauge(b, "ducha_db_up", "1 if the database answered the scrape's probe.", o->up);
    gauge(b, "ducha_db_writable", "1 if the database accepts writes (not a standby, not read-only).", o->writable);
    if (!o->up)
        return;
    gauge(b, "ducha_scheduler_lag_seconds", "Age of the oldest escalation-ladder step that is due (0: none waits).",
          o->sched_lag_s);
    gauge(b, "ducha_scheduler_due_steps", "Escalation-ladder steps due now (counted up to 10,000).",
          (double)o->sched_due);
    family(b, "ducha_outbox_messages", "gauge",
           "E-mail and SMS messages in the outbox by state (dead = dead letters).");
    buf_printf(b,
               "ducha_outbox_messages{state=\"pending\"} %lld\nducha_outbox_messages{state=\"sending\"} %lld\n"
               "ducha_outbox_messages{state=\"dead\"} %lld\n",
               (long long)o->outbox_pending, (long long)o->outbox_sending, (long long)o->outbox_dead);
    gauge(b, "ducha_outbox_oldest_due_seconds", "Age of the oldest e-mail or SMS that is due and not yet sent.",
          o->outbox_oldest_pending_s);
    gauge(b, "ducha_audit_chain_length", "Records in the audit chain.", (double)o->audit_records);
    gauge(b, "ducha_db_in_recovery", "1 if the database this node uses is a standby.", o->in_recovery);
    if (o->in_recovery)
        gauge(b, "ducha_db_standby_lag_seconds", "On a standby: time since the last replayed commit.",
              o->standby_lag_s);
    family(b, "ducha_db_replication_lag_seconds", "gauge",
           "On the primary: replay lag of each standby (-1: not visible; grant pg_monitor to the database user).");
    for (int i = 0; i < o->nreplicas; i++)
        buf_printf(b, "ducha_db_replication_lag_seconds{standby=\"%s\",sync_state=\"%s\"} %.6f\n", o->replicas[i].name,
                   o->replicas[i].sync_state, o->replicas[i].replay_lag_s);
    gauge(b, "ducha_db_standbys", "On the primary: standbys streaming from it.", o->nreplicas);
}

/* GET /metrics: Prometheus text format; 404 unless metrics_token is set, 401 without that token. */
static int h_metrics(struct req *rq)
{
    const char *want = rq->app->cfg.metrics_token;
    if (!want || !*want)
        return reply_error(rq, ERR_NOT_FOUND, "指标接口未启用（请配置 metrics_token）");
    const char *authz = rq->header(rq, "Authorization");
    const char *got = authz && !strncmp(authz, "Bearer ", 7) ? authz + 7 : "";
    if (strlen(got) != strlen(want) || sodium_memcmp(got, want, strlen(want)) != 0)
        return reply_error(rq, ERR_UNAUTHORIZED, "指标接口需要 metrics_token 令牌（Authorization: Bearer …）");
    pthread_once(&stats_once, stats_init);
    struct buf b = {0};
    gauge(&b, "ducha_process_start_time_seconds", "Start of this process (Unix seconds).", (double)started);
    family(&b, "ducha_build_info", "gauge", "Version and database kind of this node.");
    buf_printf(&b, "ducha_build_info{version=\"%s\",db=\"%s\"} 1\n", DUCHA_VERSION, db_kind(rq->ctx.db));
    render_requests(&b);
    render_lanes(&b);
    render_store(&b, rq->app->store);
    render_pdf_cache(&b);
    replica_metrics(&b, rq->app->store);
    struct opstats o;
    opstats_read(&rq->ctx, &o);
    render_ops(&b, &o);
    reply_bytes(rq, 200, "text/plain; version=0.0.4; charset=utf-8", b.data ? b.data : "", b.len);
    buf_free(&b);
    return 0;
}

const struct route metrics_routes[] = {
    /* the matrix's server has no metrics_token: the endpoint does not exist there */
    {"GET", "/metrics", h_metrics, CAP_PUBLIC, 0, "Prometheus metrics (bearer metrics_token)", "*:N; anon=N"},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};
