/*
 * server.c: libmicrohttpd glue. Reads request bodies within their limit as they arrive (every
 * transfer encoding: the limit is counted on the bytes, not taken from Content-Length), spools
 * uploads to a temporary file through libmicrohttpd's post processor, fills a struct req, calls the
 * router for /api/ paths and serves the web application's files for everything else, writes one
 * log line per request.
 *
 * Connections (a crowd of idle or trickling clients must not take the service down):
 *   - libmicrohttpd caps connections per client address (connections_per_ip) and in total;
 *   - a connection must deliver a complete request header within header_timeout_s of being
 *     accepted or of its previous response, and the body within body_timeout_s (uploads: at
 *     upload_min_rate) of its header: absolute deadlines, which a trickle of bytes cannot extend;
 *     a reaper thread shuts down every connection past its deadline, unless bytes the client sent wait
 *     unread (its worker thread is busy with another request: the delay is the server's);
 *   - beyond max_connections the oldest connection still waiting for a request header is shed,
 *     so that a new client is always served;
 *   - bodies held in memory by all connections together stay under body_memory_limit.
 *
 * Threads: libmicrohttpd serves a connection only on the worker thread that accepted it, so a request handled
 * there holds up every other connection of that thread. The office's writes (every method but GET and HEAD) and
 * long reads (ROUTE_LONG: documents, exports; at most half the office threads at once) are handed over to the
 * office threads (office_threads), the public pages' to the public threads: the connection waits suspended in the
 * lane's queue (hand_over), a lane's thread handles the request and resumes it, and the worker thread sends the
 * reply (finish).
 *
 * The public pages (routes with ROUTE_PUBLIC_SUBMIT or ROUTE_PUBLIC_READ):
 *   - their limits are checked first, as soon as the header is in; a refusal is a response built once
 *     and logged once per ten seconds (refuse), so that a flood costs little more than its connections;
 *   - the admitted ones are handled by threads of their own (public_threads): the connection is
 *     suspended while it waits, so the worker threads stay free for the office (hand_over);
 *   - with public_listen they have a listener of their own, which answers nothing of the office; its threads
 *     and the public threads run at a lower CPU priority (public_nice), so that when the cores are short the
 *     office's requests are served first, a flood's connections and refusals included (start_public).
 */
#include "http/http.h"

#include "api/metrics.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/timeu.h"
#include "base/utf8.h"
#include "crypto/hash.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define URI_LIMIT 8192     /* longer request targets: 414 */
#define HEADER_LIMIT 16384 /* larger header blocks: 431 */
#define MHD_POOL (64 * 1024)
#define MULTIPART_SLACK (64 * 1024) /* form fields and part headers around the file */
#define REFUSAL_WAITS 600           /* refusals with a longer Retry-After are built each time */
#define REFUSAL_DRAIN 16384         /* a trusted proxy's refused request: a body up to this is read and dropped */
#define LANE_QUEUE 256              /* requests waiting for a lane's thread; beyond: 503 */
#define PUBLIC_LISTEN_THREADS 2     /* public_listen's worker threads (accept, headers, refusals, bodies) */
#define STOP_DRAIN_MS 5000 /* at a stop, the longest wait for the requests being answered to send their replies */

/* What a connection is doing, for the reaper and the shedder. */
enum conn_phase {
    PHASE_FREE,    /* slot unused */
    PHASE_HEADER,  /* waiting for a complete request header (new or kept alive) */
    PHASE_BODY,    /* reading a request body */
    PHASE_BUSY,    /* handling the request or sending the reply */
    PHASE_CLOSING, /* shut down by us; libmicrohttpd has yet to notice */
};

struct conn_slot {
    enum conn_phase phase;
    int64_t deadline_ms; /* monotonic; 0 = none */
    int64_t since_ms;
};

/* Threads that handle requests handed over by the worker threads, whose connections wait suspended (a lane):
 * the public pages' admitted requests (public_threads), and the office's writes and long reads (office_threads).
 * The long reads (ROUTE_LONG) wait in a queue of their own and at most long_cap of them run at once, so that a few
 * exports never take every thread the office's writes need; the others are taken first. */
struct lane_queue {
    struct conn_state *head, *tail;
};
struct lane {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct lane_queue q[2]; /* [0] the others, [1] the long reads */
    int queued;             /* in both */
    int long_running, long_cap;
    bool stopping;
    int n; /* threads running */
    pthread_t *threads;
    const char *busy;       /* the 503's message when the queue is full */
    enum metrics_lane name; /* its metrics (api/metrics.h) */
};

struct http_server {
    struct MHD_Daemon *d;
    struct MHD_Daemon *pd; /* public_listen's, or NULL */
    int pd_fd;             /* its listening socket (its worker threads' daemons share it) */
    struct app *app;
    /* connection table, indexed by socket descriptor */
    pthread_mutex_t mu;
    struct conn_slot *slots;
    int nslots;
    int active;
    int max_connections;
    int64_t shed, reaped;    /* counts since the last log line */
    atomic_llong body_bytes; /* request bodies held in memory by all connections */
    pthread_t reaper;
    bool reaping; /* the reaper was started (http_stop joins it) */
    pthread_mutex_t stop_mu;
    pthread_cond_t stop_cv;
    bool stopping;
    char *tmp_dir; /* DATA_DIR/tmp: spooled uploads */
    /* the public pages' refusals: built once per (keeping the connection or closing it, all addresses' limit
     * or the address's, seconds to wait) */
    _Atomic(struct MHD_Response *) refusals[2][2][REFUSAL_WAITS + 1];
    atomic_llong refused; /* refusals since the last log line */
    /* the addresses refused most (public_close_over_per_s): refusals per second, by address */
    pthread_mutex_t strike_mu;
    struct strike *strikes;
    atomic_llong closed; /* connections closed at accept since the last log line */
    struct lane pub;     /* the public pages' admitted requests (public_threads) */
    struct lane office;  /* the office's writes and long reads (office_threads) */
    /* API requests from the router's dispatch until their reply has gone (on_completed): at a stop, http_stop
     * lets them answer (their statements are cut off by then, store_interrupt) before the daemon closes them */
    atomic_int inflight;
};

/* An upload spooled to a temporary file (ROUTE_UPLOAD routes). */
struct spool {
    int fd;
    char path[1024];
    struct sm3_ctx *sm3;
    int64_t size; /* file bytes written */
    struct MHD_PostProcessor *pp;
    int64_t limit; /* upload_limit: file bytes beyond it are counted, not written */
    bool multipart, file_started, file_done, write_failed, malformed;
    char *filename; /* the first file part's name (malloc) */
};

/* The refusals of one client address (IPv4, or an IPv6 /64) in the current and the previous second. */
struct strike {
    uint64_t key; /* 0: free */
    int64_t sec;
    int count, prev;
};
#define STRIKE_BITS 12 /* 4,096 addresses; a newer one takes the place of another with the same hash */

/* Per-request state, from the first call of the access handler to completion. */
struct conn_state {
    struct buf body;
    size_t limit;
    size_t held;          /* bytes of body counted in body_bytes */
    size_t received;      /* body bytes received */
    bool too_large;       /* the body exceeded the limit */
    bool over_budget;     /* the server's body memory budget is spent */
    bool replied;         /* a reply was queued at the first call */
    int refusing;         /* a trusted proxy's request refused once its body is read: the seconds to wait (0: not) */
    bool refusing_global; /* that refusal is for all addresses' limit */
    unsigned flags;       /* the route's flags (0: unknown route) */
    struct spool *spool;
    struct timespec start;
    /* the request as the router sees it, from the last call of the access handler until its reply */
    struct arena arena;
    struct req rq;
    struct req_upload upload;
    char client[64];
    struct MHD_Connection *conn;
    bool handed_over;        /* waiting for, or handled by, a lane's thread (the connection suspended) */
    struct conn_state *next; /* in the lane's queue */
    bool routed;             /* an API route was found for the method and path */
    int64_t queued_ms;       /* when it joined a lane's queue (monotonic) */
    bool inflight;           /* counted in http_server.inflight until on_completed */
};

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int conn_fd(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    return ci ? ci->connect_fd : -1;
}

/* Moves the connection to phase p with a deadline of timeout_ms from now (0: none). */
static void conn_phase_set(struct http_server *s, struct MHD_Connection *c, enum conn_phase p, int64_t timeout_ms)
{
    int fd = conn_fd(c);
    if (fd < 0 || fd >= s->nslots)
        return;
    int64_t now = mono_ms();
    pthread_mutex_lock(&s->mu);
    struct conn_slot *sl = &s->slots[fd];
    if (sl->phase != PHASE_FREE && sl->phase != PHASE_CLOSING) {
        sl->phase = p;
        sl->since_ms = now;
        sl->deadline_ms = timeout_ms ? now + timeout_ms : 0;
    }
    pthread_mutex_unlock(&s->mu);
}

/* Shuts the connection's socket (the slot is locked): libmicrohttpd sees the end of the stream,
 * closes the connection and reports it closed, which frees the slot. */
static void slot_shutdown(struct conn_slot *sl, int fd)
{
    shutdown(fd, SHUT_RDWR);
    sl->phase = PHASE_CLOSING;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)socket_context;
    struct http_server *s = cls;
    int fd = conn_fd(c);
    if (fd < 0 || fd >= s->nslots)
        return;
    int64_t now = mono_ms();
    pthread_mutex_lock(&s->mu);
    struct conn_slot *sl = &s->slots[fd];
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        *sl = (struct conn_slot){PHASE_HEADER, now + s->app->cfg.header_timeout_s * 1000, now};
        if (++s->active > s->max_connections) {
            /* shed the connection that has waited longest without sending a request */
            int oldest = -1;
            for (int i = 0; i < s->nslots; i++)
                if (i != fd && s->slots[i].phase == PHASE_HEADER &&
                    (oldest < 0 || s->slots[i].since_ms < s->slots[oldest].since_ms))
                    oldest = i;
            if (oldest >= 0) {
                slot_shutdown(&s->slots[oldest], oldest);
                s->shed++;
            }
        }
    } else if (sl->phase != PHASE_FREE) {
        sl->phase = PHASE_FREE;
        s->active--;
    }
    pthread_mutex_unlock(&s->mu);
}

/* True when bytes the client sent wait unread in the socket. Then the client is not what is late: the worker
 * thread that accepted the connection is handling another request (libmicrohttpd serves a connection only
 * on the thread that accepted it), and the connection is left to it until it has read them. A client that
 * trickles its header is read as its bytes come, and is past its deadline with nothing unread. */
static bool unread_bytes(int fd)
{
    int n = 0;
    return ioctl(fd, FIONREAD, &n) == 0 && n > 0;
}

/* The reaper: every quarter second, shuts down connections past their deadline that have nothing unread. */
static void *reaper_main(void *arg)
{
    struct http_server *s = arg;
    int64_t last_log = mono_ms(), last_refused_log = last_log;
    pthread_mutex_lock(&s->stop_mu);
    while (!s->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 250 * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->stop_cv, &s->stop_mu, &until);
        if (s->stopping)
            break;
        int64_t now = mono_ms();
        pthread_mutex_lock(&s->mu);
        for (int i = 0; i < s->nslots; i++) {
            struct conn_slot *sl = &s->slots[i];
            if ((sl->phase == PHASE_HEADER || sl->phase == PHASE_BODY) && sl->deadline_ms && now > sl->deadline_ms &&
                !unread_bytes(i)) {
                slot_shutdown(sl, i);
                s->reaped++;
            }
        }
        int64_t shed = s->shed, reaped = s->reaped, active = s->active;
        if ((shed || reaped) && now - last_log >= 10000) {
            s->shed = s->reaped = 0;
            last_log = now;
        } else {
            shed = reaped = 0;
        }
        pthread_mutex_unlock(&s->mu);
        if (now - last_refused_log >= 10000) {
            long long refused = atomic_exchange(&s->refused, 0), closed = atomic_exchange(&s->closed, 0);
            if (refused > 1 || closed)
                log_info("http: refused %lld requests to the public pages over their limits (429; the first of them "
                         "logged above) and closed %lld connections at accept from addresses far over them in the "
                         "last %lld s",
                         refused, closed, (long long)(now - last_refused_log) / 1000);
            last_refused_log = now;
        }
        if (shed || reaped)
            log_warn("http: closed %lld connections past their header or body deadline and shed %lld idle ones "
                     "(%lld open)",
                     (long long)reaped, (long long)shed, (long long)active);
    }
    pthread_mutex_unlock(&s->stop_mu);
    return NULL;
}

/*
 * Decodes %HH escapes in place, except %00: a NUL would cut the path or value short of what the
 * client sent ("2%00" must not read as "2"), so it stays as the three characters.
 */
static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static size_t unescape(void *cls, struct MHD_Connection *c, char *str)
{
    (void)cls;
    (void)c;
    char *w = str;
    for (const char *r = str; *r;) {
        int hi, lo;
        if (r[0] == '%' && (hi = hex_value(r[1])) >= 0 && (lo = hex_value(r[2])) >= 0 && (hi | lo)) {
            *w++ = (char)(hi << 4 | lo);
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = 0;
    return (size_t)(w - str);
}

static const char *hdr_lookup(struct req *rq, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)rq->conn, MHD_HEADER_KIND, name);
}

struct query_collect {
    struct req *rq;
    int cap;
};

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    struct query_collect *qc = cls;
    struct req *rq = qc->rq;
    if (rq->nquery == qc->cap) {
        int ncap = qc->cap ? qc->cap * 2 : 8;
        struct kv *q = arena_alloc(rq->arena, sizeof *q * (size_t)ncap);
        if (rq->nquery)
            memcpy(q, rq->query, sizeof *q * (size_t)rq->nquery);
        rq->query = q;
        qc->cap = ncap;
    }
    rq->query[rq->nquery].key = arena_strdup(rq->arena, key);
    rq->query[rq->nquery].value = arena_strdup(rq->arena, value ? value : "");
    rq->nquery++;
    return MHD_YES;
}

static enum MHD_Result sum_lengths(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    *(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4;
    return MHD_YES;
}

static void peer_address(struct MHD_Connection *c, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, n, "?");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    const struct in6_addr *v6 =
        sa->sa_family == AF_INET6 ? &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr : NULL;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)n);
    else if (v6 && IN6_IS_ADDR_V4MAPPED(v6)) /* an IPv4 client of a dual-stack listener ([::]): as IPv4 */
        inet_ntop(AF_INET, v6->s6_addr + 12, out, (socklen_t)n);
    else if (v6)
        inet_ntop(AF_INET6, v6, out, (socklen_t)n);
}

/* The key of a connection's peer for the strikes: its IPv4 address (also when it came as an IPv4-mapped IPv6
 * address, to a dual-stack listener: all of IPv4 would be one /64 otherwise), or its IPv6 /64; 0 for neither. */
static uint64_t peer_key(const struct sockaddr *sa)
{
    uint64_t k = 0;
    const struct in6_addr *v6 =
        sa && sa->sa_family == AF_INET6 ? &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr : NULL;
    if (sa && sa->sa_family == AF_INET)
        k = 0x100000000ull | ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr);
    else if (v6 && IN6_IS_ADDR_V4MAPPED(v6)) {
        uint32_t a;
        memcpy(&a, v6->s6_addr + 12, 4);
        k = 0x100000000ull | ntohl(a);
    } else if (v6)
        memcpy(&k, v6->s6_addr, 8);
    return k;
}

/* Notes a refusal of the peer with this key (at_accept false), or asks at accept whether it is far over its
 * limit (at_accept true: counted as one more refusal when it is). True when it has been refused more than
 * public_close_over_per_s times in this second or the last. */
static bool strike(struct http_server *s, uint64_t key, bool at_accept)
{
    int64_t limit = s->app->cfg.public_close_over_per_s;
    if (!key || limit <= 0)
        return false;
    int64_t sec = mono_ms() / 1000;
    pthread_mutex_lock(&s->strike_mu);
    struct strike *k = &s->strikes[(key * 0x9E3779B97F4A7C15ull) >> (64 - STRIKE_BITS)];
    bool over = false;
    if (k->key == key || !at_accept) {
        if (k->key != key)
            *k = (struct strike){key, sec, 0, 0};
        if (k->sec != sec) {
            k->prev = k->sec == sec - 1 ? k->count : 0;
            k->count = 0;
            k->sec = sec;
        }
        over = k->prev > limit || k->count > limit;
        if (!at_accept || over)
            k->count++;
    }
    pthread_mutex_unlock(&s->strike_mu);
    return over;
}

/* libmicrohttpd's accept policy: an address refused far beyond its limits is closed before a byte of its
 * request is read (no memory pool, no parsing, no reply) until it slows down. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    (void)addrlen;
    struct http_server *s = cls;
    if (!strike(s, peer_key(addr), true))
        return MHD_YES;
    atomic_fetch_add(&s->closed, 1);
    return MHD_NO;
}

/* True if addr is one of the comma-separated addresses in list. */
static bool address_listed(const char *list, const char *addr)
{
    size_t n = strlen(addr);
    for (const char *p = list; p && *p;) {
        while (*p == ',' || *p == ' ')
            p++;
        size_t k = strcspn(p, ", ");
        if (k == n && k && !strncmp(p, addr, n))
            return true;
        p += k;
    }
    return false;
}

/*
 * The client's address: the TCP peer, or, when the peer is a trusted reverse proxy, the last
 * address of its X-Forwarded-For header (the one the proxy itself added; earlier entries come from
 * the client and prove nothing). True when the peer is a trusted reverse proxy.
 */
static bool client_address(struct http_server *s, struct MHD_Connection *c, char *out, size_t n)
{
    peer_address(c, out, n);
    if (!address_listed(s->app->cfg.trusted_proxies, out))
        return false;
    const char *xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
    if (!xff || !*xff)
        return true;
    const char *last = strrchr(xff, ',');
    last = last ? last + 1 : xff;
    while (*last == ' ')
        last++;
    char addr[64];
    snprintf(addr, sizeof addr, "%.*s", (int)strcspn(last, " "), last);
    unsigned char bin[16];
    if (inet_pton(AF_INET, addr, bin) == 1 || inet_pton(AF_INET6, addr, bin) == 1)
        snprintf(out, n, "%s", addr);
    return true;
}

static void add_security_headers(struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
}

static const char *mime_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".woff", "font/woff"},
        {".ttf", "font/ttf"},
        {".txt", "text/plain; charset=utf-8"},
        {".map", "application/json"},
    };
    const char *dot = strrchr(path, '.');
    if (dot)
        for (size_t i = 0; i < sizeof types / sizeof *types; i++)
            if (strcmp(dot, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

/* The q value of one Accept-Encoding entry's parameters (";q=0.5"): 1 when absent, 0 for q=0, 0.0, 0.00… */
static bool coding_wanted(const char *params, const char *end)
{
    for (const char *p = params; p < end; p++) {
        while (p < end && (*p == ';' || *p == ' ' || *p == '\t'))
            p++;
        if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            p += 2;
            if (p < end && *p == '1')
                return true;
            if (p >= end || *p != '0')
                return true; /* not a q value of RFC 9110: taken as wanted */
            for (p++; p < end && (*p == '.' || *p == '0'); p++)
                ;
            return p < end && *p >= '1' && *p <= '9';
        }
        while (p < end && *p != ';')
            p++;
    }
    return true;
}

/* True when an Accept-Encoding header lets the reply be gzip: "gzip" or "x-gzip" with a q above 0, or "*" above 0
 * where gzip is not named (RFC 9110 12.5.3). */
static bool accepts_gzip(const char *ae)
{
    if (!ae)
        return false;
    int star = -1;
    for (const char *p = ae; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *name = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ' && *p != '\t')
            p++;
        size_t n = (size_t)(p - name);
        const char *params = p;
        while (*p && *p != ',')
            p++;
        if ((n == 4 && strncasecmp(name, "gzip", 4) == 0) || (n == 6 && strncasecmp(name, "x-gzip", 6) == 0))
            return coding_wanted(params, p);
        if (n == 1 && *name == '*')
            star = coding_wanted(params, p);
    }
    return star == 1;
}

/* Serves a file of the web application; unknown paths without an extension get the page of their
 * client-side routes: public.html for the public pages /p/… and /public/… (the published bulletins; their
 * own small bundle, web/public.html),
 * index.html (the office app) for every other. Returns the status sent. */
static int serve_static(struct http_server *s, struct MHD_Connection *c, const char *url, size_t *bytes)
{
    const char *dir = s->app->cfg.web_dir;
    char path[4096];
    bool bad = strstr(url, "..") != NULL || strlen(url) > 1024 || !utf8_valid(url, strlen(url));
    int fd = -1;
    struct stat stbuf;
    if (!bad) {
        snprintf(path, sizeof path, "%s%s", dir, strcmp(url, "/") == 0 ? "/index.html" : url);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0 && (fstat(fd, &stbuf) != 0 || !S_ISREG(stbuf.st_mode))) {
            close(fd);
            fd = -1;
        }
        const char *last = strrchr(url, '/');
        if (fd < 0 && last && !strchr(last, '.')) {
            bool public = strncmp(url, "/p/", 3) == 0 || strncmp(url, "/public/", 8) == 0;
            snprintf(path, sizeof path, "%s/%s", dir, public ? "public.html" : "index.html");
            fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd >= 0 && fstat(fd, &stbuf) != 0) {
                close(fd);
                fd = -1;
            }
        }
    }
    /* its copy compressed at build time (web/scripts/precompress.mjs: FILE.gz beside FILE), sent to a client that
     * takes gzip: the office app's first screen is a third of its bytes, a phone's public page too */
    bool gz_exists = false, gz_sent = false;
    if (fd >= 0) {
        char gz[sizeof path + 3];
        snprintf(gz, sizeof gz, "%s.gz", path);
        int gfd = open(gz, O_RDONLY | O_CLOEXEC);
        struct stat gst;
        if (gfd >= 0 && fstat(gfd, &gst) == 0 && S_ISREG(gst.st_mode)) {
            gz_exists = true;
            if (accepts_gzip(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding"))) {
                close(fd);
                fd = gfd;
                gfd = -1;
                stbuf = gst;
                gz_sent = true;
            }
        }
        if (gfd >= 0)
            close(gfd);
    }
    struct MHD_Response *resp;
    int status;
    if (fd < 0) {
        static const char msg[] = "404 页面不存在";
        resp = MHD_create_response_from_buffer(sizeof msg - 1, (void *)msg, MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
        status = 404;
        *bytes = sizeof msg - 1;
    } else {
        resp = MHD_create_response_from_fd((uint64_t)stbuf.st_size, fd);
        const char *type = mime_type(path);
        MHD_add_response_header(resp, "Content-Type", type);
        if (strncmp(type, "text/html", 9) == 0)
            MHD_add_response_header(
                resp, "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
                "font-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'");
        MHD_add_response_header(resp, "Cache-Control",
                                strstr(path, "/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
        if (gz_exists)
            MHD_add_response_header(resp, "Vary", "Accept-Encoding");
        if (gz_sent)
            MHD_add_response_header(resp, "Content-Encoding", "gzip");
        status = 200;
        *bytes = (size_t)stbuf.st_size;
    }
    add_security_headers(resp);
    MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return status;
}

/* The reply's headers on its response: its type, no caching, the security headers and its own. */
static void response_headers(struct MHD_Response *resp, const struct req *rq)
{
    if (rq->reply_type)
        MHD_add_response_header(resp, "Content-Type", rq->reply_type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    add_security_headers(resp);
    for (int i = 0; i < rq->nheaders; i++)
        MHD_add_response_header(resp, rq->headers[i].name, rq->headers[i].value);
}

/*
 * A JSON reply of at least GZIP_MIN bytes goes compressed to a client that takes gzip (a ledger page of 50 items:
 * 34 KB, a sixth of that compressed, for an office on a county's line or a phone): zlib at level 1, in memory, as it
 * is sent. Never a reply holding a secret (reply_secret: the session's CSRF token), so that no reply an attacker
 * can fill with text of their choosing shrinks by guessing it (BREACH). Smaller replies fit a packet as they are.
 */
#define GZIP_MIN 1024

/* The reply's body compressed (malloc'd, *out_len), or NULL when it would not shrink or zlib fails. */
static unsigned char *gzip_body(const char *body, size_t len, size_t *out_len)
{
    z_stream z = {0};
    if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&z, (uLong)len);
    unsigned char *out = malloc(cap);
    z.next_in = (unsigned char *)body;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int rc = out ? deflate(&z, Z_FINISH) : Z_MEM_ERROR;
    *out_len = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END || *out_len >= len) {
        free(out);
        return NULL;
    }
    return out;
}

static enum MHD_Result send_req_reply(struct MHD_Connection *c, struct req *rq)
{
    struct MHD_Response *resp;
    if (rq->reply_file) {
        int fd = open(rq->reply_file, O_RDONLY | O_CLOEXEC);
        if (rq->reply_file_temp) /* the open descriptor keeps the bytes until they are sent */
            unlink(rq->reply_file);
        struct stat stbuf;
        if (fd < 0 || fstat(fd, &stbuf) != 0) {
            if (fd >= 0)
                close(fd);
            reply_error(rq, ERR_NOT_FOUND, "文件不存在");
            rq->reply_file = NULL;
            return send_req_reply(c, rq);
        }
        resp = MHD_create_response_from_fd((uint64_t)stbuf.st_size, fd);
        rq->reply_len = (size_t)stbuf.st_size;
    } else {
        bool json = rq->reply_type && !strncmp(rq->reply_type, "application/json", 16);
        bool may_gzip = json && rq->reply_body && rq->reply_len >= GZIP_MIN && !rq->reply_secret;
        unsigned char *gz = NULL;
        size_t gz_len = 0;
        if (may_gzip && accepts_gzip(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding")) &&
            (gz = gzip_body(rq->reply_body, rq->reply_len, &gz_len))) {
            free(rq->reply_body);
            rq->reply_body = (char *)gz;
            rq->reply_len = gz_len;
        }
        resp = MHD_create_response_from_buffer(rq->reply_len, rq->reply_body ? rq->reply_body : (void *)"",
                                               rq->reply_body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
        rq->reply_body = NULL; /* owned by the response now */
        if (may_gzip)
            MHD_add_response_header(resp, "Vary", "Accept-Encoding");
        if (gz)
            MHD_add_response_header(resp, "Content-Encoding", "gzip");
    }
    response_headers(resp, rq);
    enum MHD_Result r = MHD_queue_response(c, (unsigned)rq->status, resp);
    MHD_destroy_response(resp);
    return r;
}

/* The request target as a log line may show it: as sent when it is printable UTF-8, else with every
 * byte outside printable ASCII as %HH (no control characters or broken text in the log). Arena memory. */
static const char *loggable(struct arena *a, const char *url)
{
    /* a tracking code is a reporter's key to their clue (src/clues): it is never written to the log */
    static const char track[] = "/api/v1/public/clues/";
    if (!strncmp(url, track, sizeof track - 1) && url[sizeof track - 1])
        return "/api/v1/public/clues/{code}";
    bool plain = utf8_valid(url, strlen(url));
    for (const unsigned char *p = (const unsigned char *)url; plain && *p; p++)
        plain = *p >= 0x20 && *p != 0x7f;
    if (plain)
        return url;
    char *out = arena_alloc(a, strlen(url) * 3 + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        o += *p > 0x20 && *p < 0x7f && *p != '%' ? (*o = (char)*p, 1) : sprintf(o, "%%%02X", *p);
    *o = 0;
    return out;
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* ---- uploads ---- */

static void spool_write(struct spool *sp, const char *data, size_t n)
{
    if (sp->write_failed || !n)
        return;
    if (sp->size + (int64_t)n > sp->limit) {
        sp->size += (int64_t)n; /* counted, not written: the reply will be 413 */
        return;
    }
    sm3_update(sp->sm3, data, n);
    for (size_t done = 0; done < n;) {
        ssize_t w = write(sp->fd, data + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            sp->write_failed = true;
            return;
        }
        done += (size_t)w;
    }
    sp->size += (int64_t)n;
}

/* The post processor's callback: the bytes of the first file part go to the file; form fields and
 * further files are ignored. */
static enum MHD_Result spool_part(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
                                  const char *content_type, const char *transfer_encoding, const char *data,
                                  uint64_t off, size_t size)
{
    (void)kind;
    (void)key;
    (void)content_type;
    (void)transfer_encoding;
    struct spool *sp = cls;
    if (!filename || !*filename || sp->file_done)
        return MHD_YES;
    if (sp->file_started && off == 0 && (size || sp->size)) {
        sp->file_done = true; /* a second file part */
        return MHD_YES;
    }
    if (!sp->file_started) {
        sp->file_started = true;
        sp->filename = xstrdup(filename);
    }
    spool_write(sp, data, size);
    return MHD_YES;
}

static void spool_free(struct spool *sp)
{
    if (!sp)
        return;
    if (sp->pp)
        MHD_destroy_post_processor(sp->pp);
    if (sp->sm3) {
        char h[65];
        sm3_end(sp->sm3, h);
    }
    if (sp->fd >= 0)
        close(sp->fd);
    if (sp->path[0])
        unlink(sp->path); /* gone already when the attachment was stored */
    free(sp->filename);
    free(sp);
}

/* Creates the temporary file of an upload; NULL if the data directory is not writable. */
static struct spool *spool_open(struct http_server *s, struct MHD_Connection *c)
{
    struct spool *sp = xcalloc(1, sizeof *sp);
    snprintf(sp->path, sizeof sp->path, "%s/upload-XXXXXX", s->tmp_dir);
    sp->fd = mkostemp(sp->path, O_CLOEXEC);
    if (sp->fd < 0) {
        log_error("cannot create an upload file in %s: %s", s->tmp_dir, strerror(errno));
        sp->path[0] = 0;
        spool_free(sp);
        return NULL;
    }
    sp->sm3 = sm3_begin();
    sp->limit = s->app->cfg.upload_limit;
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    sp->multipart = ct && !strncasecmp(ct, "multipart/form-data", 19);
    return sp;
}

/* ---- the access handler ---- */

/* Fills the parts of a struct req that come from the connection. */
static void req_init(struct http_server *s, struct req *rq, struct MHD_Connection *c, struct arena *arena, char *client,
                     size_t clen, const char *method, const char *url)
{
    client_address(s, c, client, clen);
    rq->app = s->app;
    rq->arena = arena;
    rq->ctx.arena = arena;
    rq->ctx.cfg = &s->app->cfg;
    rq->ctx.client = client;
    rq->method = method;
    rq->path = url;
    rq->conn = c;
    rq->header = hdr_lookup;
    rq->content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    struct query_collect qc = {rq, 0};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_query, &qc);
}

/* Replies at once (the first call, before any body byte is read) and logs. */
static enum MHD_Result reply_now(struct http_server *s, struct MHD_Connection *c, struct conn_state *st, struct req *rq,
                                 const char *url, const char *method)
{
    reply_header(rq, "Connection", "close");
    int status = rq->status;
    enum MHD_Result r = send_req_reply(c, rq);
    log_info("%s %s %s %d %zu %.1fms -", rq->ctx.client, method, loggable(rq->arena, url), status, rq->reply_len,
             ms_since(&st->start));
    free(rq->reply_body);
    rq->reply_body = NULL;
    st->replied = true;
    conn_phase_set(s, c, PHASE_BUSY, 0);
    return r;
}

/* The public pages' refusal for wait seconds (global: all addresses' limit): JSON 429 with Retry-After and,
 * unless keep, Connection: close (a flooding client pays for a new connection each time), built once and queued
 * on every connection it refuses. */
static struct MHD_Response *refusal_response(struct http_server *s, int wait, bool global, bool keep)
{
    _Atomic(struct MHD_Response *) *slot = wait <= REFUSAL_WAITS ? &s->refusals[keep][global][wait] : NULL;
    struct MHD_Response *resp = slot ? atomic_load(slot) : NULL;
    if (resp)
        return resp;
    struct arena arena = ARENA_INIT;
    struct req rq = {.app = s->app, .arena = &arena};
    rq.ctx.arena = &arena;
    router_public_refusal(&rq, wait, global);
    if (!keep)
        reply_header(&rq, "Connection", "close");
    resp = MHD_create_response_from_buffer(rq.reply_len, rq.reply_body, MHD_RESPMEM_MUST_FREE);
    response_headers(resp, &rq);
    arena_free(&arena);
    struct MHD_Response *none = NULL;
    if (slot && !atomic_compare_exchange_strong(slot, &none, resp)) {
        MHD_destroy_response(resp); /* another thread built it first */
        resp = none;
    }
    return resp;
}

/* Refuses a public request over its limits, before anything else is done for it. The first refusal since
 * the last count is logged as it is; the others are counted and logged together (the reaper), so that a
 * flood does not write a line per request. proxied: the peer is a trusted reverse proxy, whose connection
 * carries many clients — never closed at accept, and kept open when keep (its body has been read:
 * libmicrohttpd closes a connection answered before its body). */
static enum MHD_Result refuse(struct http_server *s, struct MHD_Connection *c, struct conn_state *st,
                              const char *client, const char *url, const char *method, int wait, bool global,
                              bool proxied, bool keep)
{
    struct MHD_Response *resp = refusal_response(s, wait, global, keep);
    enum MHD_Result r = MHD_queue_response(c, 429, resp);
    if (wait > REFUSAL_WAITS)
        MHD_destroy_response(resp);
    st->replied = true;
    st->refusing = 0;
    conn_phase_set(s, c, PHASE_BUSY, 0);
    /* a reverse proxy is many clients: only an address that is its own client is closed at accept */
    if (!proxied) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        strike(s, peer_key(ci ? ci->client_addr : NULL), false);
    }
    if (atomic_fetch_add(&s->refused, 1) == 0) {
        struct arena arena = ARENA_INIT;
        log_info("%s %s %s 429 %.1fms - (over the public pages' limits; further refusals are counted, not logged "
                 "one by one)",
                 client, method, loggable(&arena, url), ms_since(&st->start));
        arena_free(&arena);
    }
    return r;
}

/* True when the connection came in on public_listen. */
static bool on_public_listener(struct http_server *s, struct MHD_Connection *c)
{
    if (!s->pd)
        return false;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_DAEMON);
    const union MHD_DaemonInfo *di = ci ? MHD_get_daemon_info(ci->daemon, MHD_DAEMON_INFO_LISTEN_FD) : NULL;
    return di && di->listen_fd == s->pd_fd;
}

/* How much of a body beyond its limit is read and dropped before the connection is cut. */
static size_t discard_limit(const struct conn_state *st)
{
    return st->limit + (st->limit > 1024 * 1024 ? st->limit : 1024 * 1024);
}

/* True when a request's body is at most REFUSAL_DRAIN bytes, declared by Content-Length, without
 * Expect: 100-continue (which waits for an answer before the body). */
static bool drainable(struct MHD_Connection *c)
{
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding");
    const char *expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Expect");
    return !(te && *te) && !expect && (!cl || strtoull(cl, NULL, 10) <= REFUSAL_DRAIN);
}

/* The first call: headers are in. Refuses what cannot succeed before reading a body. */
static enum MHD_Result on_headers(struct http_server *s, struct MHD_Connection *c, struct conn_state *st,
                                  const char *url, const char *method)
{
    bool api = strncmp(url, "/api/", 5) == 0 || strcmp(url, "/api") == 0;
    bool found = false;
    st->flags = api ? router_route_flags(method, url, s->app->cfg.test_clock, &found) : 0;
    st->routed = found;
    if (st->flags & (ROUTE_PUBLIC_SUBMIT | ROUTE_PUBLIC_READ)) {
        /* the public pages' limits, before anything else is done for the request (no body byte read, no
         * database, no session): a flood from one address costs this and a refusal built once */
        bool proxied = client_address(s, c, st->client, sizeof st->client), global;
        int wait = router_public_wait(s->app, st->client, st->flags, &global);
        if (wait && proxied && drainable(c)) {
            /* the proxy's connection is kept: the refusal once the body's few bytes are read and dropped */
            st->refusing = wait;
            st->refusing_global = global;
            conn_phase_set(s, c, PHASE_BODY, s->app->cfg.body_timeout_s * 1000);
            return MHD_YES;
        }
        if (wait)
            return refuse(s, c, st, st->client, url, method, wait, global, proxied, false);
    }
    bool upload = (st->flags & ROUTE_UPLOAD) != 0;
    st->limit = (size_t)(upload                     ? s->app->cfg.upload_limit + MULTIPART_SLACK
                         : (st->flags & ROUTE_FORM) ? s->app->cfg.public_form_limit
                                                    : s->app->cfg.json_limit);

    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding");
    unsigned long long declared = cl ? strtoull(cl, NULL, 10) : 0;
    bool has_body = declared > 0 || (te && *te);
    const char *expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Expect");
    bool expect_continue = expect && !strcasecmp(expect, "100-continue");

    struct arena arena = ARENA_INIT;
    struct req rq = {0};
    char client[64];
    req_init(s, &rq, c, &arena, client, sizeof client, method, url);
    enum MHD_Result result = MHD_YES;
    size_t uri = strlen(url), headers = 0;
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, sum_lengths, &uri);
    MHD_get_connection_values(c, MHD_HEADER_KIND, sum_lengths, &headers);
    if ((api || !strcmp(url, "/metrics")) && strncmp(url, "/api/v1/public/", 15) && on_public_listener(s, c)) {
        /* the public pages' own listener: the public API (the forms, tracking pages, surveys, published
         * bulletins), nothing of the office, whatever the request carries */
        reply_error(&rq, ERR_NOT_FOUND, "该地址只提供公开页面");
        result = reply_now(s, c, st, &rq, url, method);
    } else if (uri > URI_LIMIT) {
        reply_error(&rq, ERR_URI_TOO_LONG, arena_printf(&arena, "请求地址过长（最多 %d 字节）", URI_LIMIT));
        result = reply_now(s, c, st, &rq, "(long)", method);
    } else if (headers > HEADER_LIMIT) {
        reply_error(&rq, ERR_HEADERS_TOO_LARGE,
                    arena_printf(&arena, "请求头过大（最多 %d 字节），请清除本站 Cookie 后重试", HEADER_LIMIT));
        result = reply_now(s, c, st, &rq, url, method);
    } else if (api && declared > st->limit && (expect_continue || declared > discard_limit(st))) {
        /* answered before the body: the client waits for 100 Continue, or would send far too much */
        reply_error(&rq, ERR_TOO_LARGE,
                    arena_printf(&arena, "请求内容超过上限（%zu 字节）",
                                 upload ? (size_t)s->app->cfg.upload_limit : st->limit));
        result = reply_now(s, c, st, &rq, url, method);
    } else if (api && declared > st->limit) {
        st->too_large = true; /* read and dropped, so that the client reads the 413 that follows */
    } else if (upload) {
        /* nobody sends an upload's bytes before the checks that need no body have passed */
        if (!router_precheck(&rq)) {
            result = reply_now(s, c, st, &rq, url, method);
        } else if (!(st->spool = spool_open(s, c))) {
            reply_error(&rq, ERR_INTERNAL, "无法保存上传的文件：数据目录不可写");
            result = reply_now(s, c, st, &rq, url, method);
        } else if (st->spool->multipart &&
                   !(st->spool->pp = MHD_create_post_processor(c, 16 * 1024, spool_part, st->spool))) {
            reply_error(&rq, ERR_BAD_REQUEST, "multipart/form-data 格式错误（缺少 boundary）");
            result = reply_now(s, c, st, &rq, url, method);
        }
    }
    arena_free(&arena);
    if (!st->replied) {
        int64_t timeout = s->app->cfg.body_timeout_s * 1000;
        if (upload && s->app->cfg.upload_min_rate > 0) {
            int64_t bytes = declared ? (int64_t)declared : s->app->cfg.upload_limit;
            int64_t t = bytes * 1000 / s->app->cfg.upload_min_rate;
            timeout = t > timeout ? t : timeout;
        }
        conn_phase_set(s, c, has_body ? PHASE_BODY : PHASE_BUSY, has_body ? timeout : 0);
    }
    return result;
}

/* Frees the body held in memory and gives its bytes back to the server's budget. Called once the
 * request has been handled, before its reply is queued — so a client that has read the reply knows the
 * budget is back — and again (a no-op then) when the connection's request ends. */
static void body_release(struct http_server *s, struct conn_state *st)
{
    if (st->held)
        atomic_fetch_sub(&s->body_bytes, (long long)st->held);
    st->held = 0;
    buf_free(&st->body);
}

/* A piece of the body. Returns MHD_NO to drop a connection that keeps sending far past its limit. */
static enum MHD_Result on_body(struct http_server *s, struct conn_state *st, const char *data, size_t n)
{
    if (st->replied)
        return MHD_YES; /* libmicrohttpd discards what the client sends after the early reply */
    st->received += n;
    if (st->refusing) /* a refused request's body, dropped */
        return st->received > REFUSAL_DRAIN ? MHD_NO : MHD_YES;
    if (st->spool) {
        struct spool *sp = st->spool;
        if (st->received > st->limit) {
            st->too_large = true;
        } else if (sp->pp) {
            if (!sp->malformed && MHD_post_process(sp->pp, data, n) != MHD_YES)
                sp->malformed = true;
        } else {
            spool_write(sp, data, n);
        }
        if (sp->size > s->app->cfg.upload_limit)
            st->too_large = true;
    } else if (st->too_large || st->over_budget || st->body.len + n > st->limit) {
        st->too_large = st->too_large || !st->over_budget;
        body_release(s, st);
    } else if (atomic_fetch_add(&s->body_bytes, (long long)n) + (long long)n > s->app->cfg.body_memory_limit) {
        atomic_fetch_sub(&s->body_bytes, (long long)n);
        st->over_budget = true;
    } else {
        st->held += n;
        buf_append(&st->body, data, n);
    }
    /* a client that goes on sending well past the limit is cut off without a reply */
    return st->received > discard_limit(st) ? MHD_NO : MHD_YES;
}

/* Sends the reply in st->rq, logs the request and frees what it held. */
static enum MHD_Result finish(struct http_server *s, struct MHD_Connection *c, struct conn_state *st, const char *url,
                              const char *method)
{
    struct req *rq = &st->rq;
    body_release(s, st);
    /* the spooled file goes before the reply does: a client that has its answer finds nothing left over */
    spool_free(st->spool);
    st->spool = NULL;
    int status = rq->status;
    enum MHD_Result result = send_req_reply(c, rq);
    log_info("%s %s %s %d %zu %.1fms %s", rq->ctx.client, method, loggable(&st->arena, url), status, rq->reply_len,
             ms_since(&st->start), rq->ctx.user ? rq->ctx.user->username : "-");
    free(rq->reply_body);
    rq->reply_body = NULL;
    arena_free(&st->arena);
    return result;
}

/* Counts an API request in http_server.inflight until its reply has gone (on_completed). */
static void count_inflight(struct http_server *s, struct conn_state *st)
{
    if (!st->inflight)
        atomic_fetch_add(&s->inflight, 1);
    st->inflight = true;
}

/* Hands a request to a lane's threads: the connection waits suspended (the worker thread goes back to its
 * other connections) until one of them has handled it. A full queue is 503. */
static enum MHD_Result hand_over(struct http_server *s, struct lane *l, struct MHD_Connection *c, struct conn_state *st,
                                 const char *url, const char *method)
{
    count_inflight(s, st);
    pthread_mutex_lock(&l->mu);
    bool stopping = l->stopping, full = l->queued >= LANE_QUEUE;
    if (stopping) {
        pthread_mutex_unlock(&l->mu);
        router_dispatch(&st->rq); /* the lane's threads have gone: handled here */
        return finish(s, c, st, url, method);
    }
    if (!full) {
        st->handed_over = true;
        st->conn = c;
        st->next = NULL;
        st->queued_ms = mono_ms();
        MHD_suspend_connection(c); /* before a lane's thread can resume it */
        struct lane_queue *q = &l->q[(st->flags & ROUTE_LONG) && l->long_cap ? 1 : 0];
        if (q->tail)
            q->tail->next = st;
        else
            q->head = st;
        q->tail = st;
        l->queued++;
        metrics_lane_queued(l->name);
        pthread_cond_signal(&l->cv);
    }
    pthread_mutex_unlock(&l->mu);
    if (!full)
        return MHD_YES;
    metrics_lane_full(l->name);
    reply_error(&st->rq, ERR_UNAVAILABLE, l->busy);
    reply_header(&st->rq, "Retry-After", "1");
    return finish(s, c, st, url, method);
}

/* The next request a lane's thread may take up (the lock held): a short one first, a long one while fewer than
 * long_cap run; NULL if none. *is_long: it came from the long reads' queue. */
static struct conn_state *lane_next(struct lane *l, bool *is_long)
{
    int k = l->q[0].head ? 0 : l->q[1].head && l->long_running < l->long_cap ? 1 : -1;
    if (k < 0)
        return NULL;
    struct conn_state *st = l->q[k].head;
    l->q[k].head = st->next;
    if (!l->q[k].head)
        l->q[k].tail = NULL;
    l->queued--;
    *is_long = k == 1;
    l->long_running += k;
    return st;
}

/* A lane's thread: handles the queued requests one at a time, then resumes their connections, whose worker
 * thread sends the reply (finish). Drains the queues before it stops. */
static void *lane_main(void *arg)
{
    struct lane *l = arg;
    pthread_mutex_lock(&l->mu);
    for (;;) {
        bool is_long = false;
        struct conn_state *st;
        while (!(st = lane_next(l, &is_long)) && !(l->stopping && !l->queued))
            pthread_cond_wait(&l->cv, &l->mu);
        if (!st)
            break;
        pthread_mutex_unlock(&l->mu);
        metrics_lane_taken(l->name, (double)(mono_ms() - st->queued_ms) / 1000.0);
        router_dispatch(&st->rq);
        MHD_resume_connection(st->conn);
        pthread_mutex_lock(&l->mu);
        if (is_long) { /* a long read waiting for its turn may go now */
            l->long_running--;
            pthread_cond_broadcast(&l->cv);
        }
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

/* long_cap: how many long reads may run at once (0: they wait in the same queue as the others). */
static void lane_init(struct lane *l, enum metrics_lane name, int threads, int long_cap, const char *busy)
{
    l->name = name;
    l->long_cap = long_cap;
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    l->threads = xcalloc((size_t)(threads > 0 ? threads : 1), sizeof *l->threads);
    l->busy = busy;
}

/* Starts up to want threads; returns false when one could not be started (those running stay). */
static bool lane_start(struct lane *l, int want)
{
    for (; l->n < want; l->n++)
        if (pthread_create(&l->threads[l->n], NULL, lane_main, l) != 0)
            return false;
    return true;
}

/* Its threads handle what is queued, resume those connections and end. */
static void lane_stop(struct lane *l)
{
    pthread_mutex_lock(&l->mu);
    l->stopping = true;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    for (int i = 0; i < l->n; i++)
        pthread_join(l->threads[i], NULL);
    l->n = 0;
}

static void lane_free(struct lane *l)
{
    free(l->threads);
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cv);
}

/* The lane that handles an API request, or NULL for its worker thread: the public pages on the public threads
 * (never on the office threads: a crowd of the public would hold up the office's writes), the office's writes and
 * long reads on the office threads. */
static struct lane *lane_for(struct http_server *s, const struct conn_state *st, const char *method)
{
    if (st->flags & (ROUTE_PUBLIC_SUBMIT | ROUTE_PUBLIC_READ))
        return s->pub.n ? &s->pub : NULL;
    bool write = strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
    return st->routed && s->office.n && ((st->flags & ROUTE_LONG) || write) ? &s->office : NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    struct http_server *s = cls;
    struct conn_state *st = *con_cls;
    if (!st) {
        st = xcalloc(1, sizeof *st);
        clock_gettime(CLOCK_MONOTONIC, &st->start);
        *con_cls = st;
        return on_headers(s, c, st, url, method);
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        return on_body(s, st, upload_data, n);
    }
    if (st->handed_over) /* resumed: a lane's thread has handled the request */
        return finish(s, c, st, url, method);
    if (st->refusing)
        return refuse(s, c, st, st->client, url, method, st->refusing, st->refusing_global, true, true);
    if (st->replied)
        return MHD_YES;
    conn_phase_set(s, c, PHASE_BUSY, 0);

    struct req *rq = &st->rq;
    struct lane *l;
    req_init(s, rq, c, &st->arena, st->client, sizeof st->client, method, url);
    rq->body = st->body.data;
    rq->body_len = st->body.len;
    if (st->spool) {
        struct spool *sp = st->spool;
        bool complete = true;
        if (sp->pp) {
            complete = MHD_destroy_post_processor(sp->pp) == MHD_YES;
            sp->pp = NULL;
        }
        char h[65];
        sm3_end(sp->sm3, h);
        sp->sm3 = NULL;
        st->upload =
            (struct req_upload){.path = sp->path,
                                .filename = sp->filename,
                                .sm3 = arena_strdup(&st->arena, h),
                                .size = sp->size,
                                .multipart = sp->multipart,
                                .malformed = sp->multipart && (sp->malformed || !complete || !sp->file_started),
                                .failed = sp->write_failed};
        rq->upload = &st->upload;
    }

    if (strncmp(url, "/api/", 5) == 0 || strcmp(url, "/api") == 0 || strcmp(url, "/metrics") == 0) {
        if (st->too_large) {
            int64_t lim = st->spool ? s->app->cfg.upload_limit : (int64_t)st->limit;
            reply_error(rq, ERR_TOO_LARGE, arena_printf(&st->arena, "请求内容超过上限（%lld 字节）", (long long)lim));
            reply_header(rq, "Connection", "close");
        } else if (st->over_budget) {
            reply_error(rq, ERR_UNAVAILABLE, "服务器繁忙（同时上传的请求过多），请稍后重试");
            reply_header(rq, "Connection", "close");
        } else if (st->upload.failed) {
            reply_error(rq, ERR_INTERNAL, "无法保存上传的文件：磁盘写入失败");
        } else if ((l = lane_for(s, st, method))) {
            return hand_over(s, l, c, st, url, method);
        } else {
            count_inflight(s, st);
            router_dispatch(rq);
        }
    } else if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
        size_t bytes;
        int status = serve_static(s, c, url, &bytes);
        log_info("%s %s %s %d %zu %.1fms -", rq->ctx.client, method, loggable(&st->arena, url), status, bytes,
                 ms_since(&st->start));
        arena_free(&st->arena);
        return MHD_YES;
    } else {
        reply_error(rq, ERR_METHOD, "不支持该请求方法");
    }
    return finish(s, c, st, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
    (void)t;
    struct http_server *s = cls;
    struct conn_state *st = *con_cls;
    if (st && st->inflight)
        atomic_fetch_sub(&s->inflight, 1);
    if (st) {
        body_release(s, st);
        spool_free(st->spool);
        free(st->rq.reply_body);
        arena_free(&st->arena);
        free(st);
    }
    *con_cls = NULL;
    /* kept alive: the next request's header is due within header_timeout_s */
    conn_phase_set(s, c, PHASE_HEADER, s->app->cfg.header_timeout_s * 1000);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        line[--n] = 0;
    /* one line per refused connection would flood the log under attack; the reaper counts them */
    if (strstr(line, "connection limit") || strstr(line, "Closing inbound connection"))
        return;
    log_warn("http: %s", line);
}

/* Raises the descriptor limit to its hard maximum; returns the limit in force. */
static int raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1024;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max > 1048576 ? 1048576 : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur > 1048576 ? 1048576 : (int)rl.rlim_cur;
}

/* An address a daemon listens on (parse_listen). */
struct listen_addr {
    struct sockaddr_storage sa;
    unsigned flags; /* MHD_USE_IPv6 for one IPv6 address, MHD_USE_DUAL_STACK for [::] (IPv6 and IPv4) */
};

/* HOST:PORT into la: HOST an IPv4 address, localhost (127.0.0.1), or an IPv6 address in brackets — [::] listens
 * on every address of both families (one dual-stack socket), [::1] on IPv6's loopback only. False with err filled
 * in. */
static bool parse_listen(const char *listen, const char *what, struct listen_addr *la, char *err, size_t errlen)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host) {
        snprintf(err, errlen, "%s address '%s' must be HOST:PORT or [IPv6]:PORT", what, listen);
        return false;
    }
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = 0;
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (port <= 0 || port > 65535 || *end) {
        snprintf(err, errlen, "%s address '%s': bad port", what, listen);
        return false;
    }
    *la = (struct listen_addr){0};
    size_t hl = strlen(host);
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        host[hl - 1] = 0;
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&la->sa;
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &v6->sin6_addr) != 1) {
            snprintf(err, errlen, "%s address '%s': '%s' is not an IPv6 address", what, listen, host + 1);
            return false;
        }
        la->flags = IN6_IS_ADDR_UNSPECIFIED(&v6->sin6_addr) ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
        return true;
    }
    struct sockaddr_in *v4 = (struct sockaddr_in *)&la->sa;
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, strcmp(host, "localhost") == 0 ? "127.0.0.1" : host, &v4->sin_addr) != 1) {
        snprintf(err, errlen, "%s address '%s': host must be an IPv4 address or an IPv6 address in brackets", what,
                 listen);
        return false;
    }
    return true;
}

static struct MHD_Daemon *start_daemon(struct http_server *s, struct listen_addr *la, unsigned threads, unsigned limit)
{
    const struct config *cfg = &s->app->cfg;
    return MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME |
            la->flags,
        0, on_accept, s, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&la->sa, MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->idle_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->connections_per_ip,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MHD_POOL, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)4096,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_END);
}

/* What start_public is asked to start. */
struct public_start {
    struct http_server *s;
    struct listen_addr *sa; /* public_listen's address, or NULL */
    unsigned limit;
    int npub;
    int failed;      /* public_listen could not be opened: its errno */
    bool own_thread; /* false: called on the main thread (no thread could be made), which keeps its nice and name */
};

/* Starts the public pages' threads on a thread of its own whose CPU priority is public_nice below the
 * office's and whose name is "ducha-public": the public threads and public_listen's worker threads are
 * its children, and a thread is born with its parent's nice and name (one cannot be raised again without
 * privileges, so the thread that starts them is not the main thread). */
static void *start_public(void *arg)
{
    struct public_start *ps = arg;
    struct http_server *s = ps->s;
    if (ps->own_thread)
        pthread_setname_np(pthread_self(), "ducha-public");
    int64_t nice = s->app->cfg.public_nice < 19 ? s->app->cfg.public_nice : 19;
    if (nice > 0 && ps->own_thread) {
        errno = 0;
        int base = getpriority(PRIO_PROCESS, 0); /* Linux: this thread's */
        if ((base != -1 || !errno) && setpriority(PRIO_PROCESS, 0, base + (int)nice > 19 ? 19 : base + (int)nice))
            log_warn("cannot lower the public pages' CPU priority: %s", strerror(errno));
    }
    if (ps->sa && !(s->pd = start_daemon(s, ps->sa, PUBLIC_LISTEN_THREADS, ps->limit))) {
        ps->failed = errno ? errno : EADDRNOTAVAIL;
        return NULL;
    }
    if (s->pd) {
        const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->pd, MHD_DAEMON_INFO_LISTEN_FD);
        s->pd_fd = di ? di->listen_fd : -1;
    }
    if (!lane_start(&s->pub, ps->npub))
        log_warn("cannot start a public pages' thread: %d of %d started (the worker threads handle the public "
                 "pages if none)",
                 s->pub.n, ps->npub);
    return NULL;
}

struct http_server *http_start(struct app *app, char *err, size_t errlen)
{
    struct listen_addr sa, psa;
    if (!parse_listen(app->cfg.listen, "listen", &sa, err, errlen))
        return NULL;
    bool public_listen = app->cfg.public_listen && *app->cfg.public_listen;
    if (public_listen && !parse_listen(app->cfg.public_listen, "public_listen", &psa, err, errlen))
        return NULL;
    const char *listen = app->cfg.listen;
    struct http_server *s = xcalloc(1, sizeof *s);
    s->app = app;
    s->tmp_dir = xmalloc(strlen(app->cfg.data_dir) + 8);
    sprintf(s->tmp_dir, "%s/tmp", app->cfg.data_dir);
    mkdir(app->cfg.data_dir, 0750);
    if (mkdir(s->tmp_dir, 0700) != 0 && errno != EEXIST)
        log_warn("cannot create %s: %s (uploads will fail)", s->tmp_dir, strerror(errno));

    /* descriptors: one per connection, plus the database pool, files being sent, logs */
    int fds = raise_fd_limit();
    int reserve = (int)app->cfg.db_pool + 256;
    s->max_connections = (int)app->cfg.max_connections;
    if (s->max_connections > fds - reserve)
        s->max_connections = fds - reserve > 64 ? fds - reserve : 64;
    if (s->max_connections < app->cfg.max_connections)
        log_warn("max_connections lowered to %d: the process may open %d files (raise LimitNOFILE / ulimit -n)",
                 s->max_connections, fds);
    s->nslots = fds;
    s->slots = xcalloc((size_t)s->nslots, sizeof *s->slots);
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->stop_mu, NULL);
    pthread_cond_init(&s->stop_cv, NULL);
    atomic_init(&s->body_bytes, 0);

    unsigned threads = app->cfg.threads > 0 ? (unsigned)app->cfg.threads : 1;
    /* libmicrohttpd accepts a little beyond max_connections, so that the shedder can make room */
    unsigned limit = (unsigned)s->max_connections + threads * 8 + 16;
    if ((int)limit > fds - (int)app->cfg.db_pool - 32)
        limit = (unsigned)(fds - (int)app->cfg.db_pool - 32);
    pthread_mutex_init(&s->strike_mu, NULL);
    s->strikes = xcalloc((size_t)1 << STRIKE_BITS, sizeof *s->strikes);
    atomic_init(&s->closed, 0);
    atomic_init(&s->refused, 0);
    for (int k = 0; k < 2; k++)
        for (int g = 0; g < 2; g++)
            for (int w = 0; w <= REFUSAL_WAITS; w++)
                atomic_init(&s->refusals[k][g][w], NULL);
    /* the public pages first: once the office answers (its health check), public_listen answers too */
    int npub = app->cfg.public_threads > 0 ? (int)(app->cfg.public_threads < 64 ? app->cfg.public_threads : 64) : 0;
    lane_init(&s->pub, METRICS_LANE_PUBLIC, npub, 0, "访问的人太多，请稍后再试");
    int noffice = app->cfg.office_threads > 0 ? (int)(app->cfg.office_threads < 64 ? app->cfg.office_threads : 64) : 0;
    /* the long reads take at most half the office threads: the others are the writes' */
    lane_init(&s->office, METRICS_LANE_OFFICE, noffice, noffice > 1 ? noffice / 2 : 1,
              "服务器繁忙（同时办理的请求过多），请稍后重试");
    if (app->cfg.db_pool < (int64_t)threads + noffice + npub)
        log_warn("db_pool (%lld) is below the threads that each hold a database connection while they work (%u "
                 "worker, %d office, %d public threads): a request may wait for a connection",
                 (long long)app->cfg.db_pool, threads, noffice, npub);
    struct public_start ps = {s, public_listen ? &psa : NULL, limit, npub, 0, true};
    pthread_t starter;
    if (pthread_create(&starter, NULL, start_public, &ps) == 0) {
        pthread_join(starter, NULL);
    } else {
        ps.own_thread = false;
        log_warn("cannot start the public pages' threads apart: they run at the office's priority");
        start_public(&ps);
    }
    if (ps.failed)
        snprintf(err, errlen, "cannot listen on %s (public_listen): %s", app->cfg.public_listen, strerror(ps.failed));
    else if (!lane_start(&s->office, noffice))
        snprintf(err, errlen, "cannot start the office threads: %d of %d started", s->office.n, noffice);
    else if (!(s->d = start_daemon(s, &sa, threads, limit)))
        snprintf(err, errlen, "cannot listen on %s: %s", listen, strerror(errno));
    else if (pthread_create(&s->reaper, NULL, reaper_main, s) != 0)
        snprintf(err, errlen, "cannot start the connection reaper thread");
    else
        s->reaping = true;
    if (!s->reaping) {
        http_stop(s);
        return NULL;
    }
    if (s->pd)
        log_info("the public pages also on http://%s, at nice +%lld", app->cfg.public_listen,
                 (long long)app->cfg.public_nice);
    return s;
}

void http_stop(struct http_server *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->stop_mu);
    s->stopping = true;
    pthread_cond_signal(&s->stop_cv);
    pthread_mutex_unlock(&s->stop_mu);
    if (s->reaping)
        pthread_join(s->reaper, NULL);
    /* the lanes' threads finish what is queued and resume its connections before the daemon stops */
    lane_stop(&s->office);
    lane_stop(&s->pub);
    /* the requests being answered send their replies (at most STOP_DRAIN_MS: their statements have been cut
     * off, cmd_serve's store_interrupt), which stopping the daemon would drop with their connections */
    for (int64_t until = mono_ms() + STOP_DRAIN_MS; atomic_load(&s->inflight) > 0 && mono_ms() < until;) {
        struct timespec t = {0, 10 * 1000000L};
        nanosleep(&t, NULL);
    }
    if (s->pd)
        MHD_stop_daemon(s->pd);
    if (s->d)
        MHD_stop_daemon(s->d);
    for (int k = 0; k < 2; k++)
        for (int g = 0; g < 2; g++)
            for (int w = 0; w <= REFUSAL_WAITS; w++)
                if (atomic_load(&s->refusals[k][g][w]))
                    MHD_destroy_response(atomic_load(&s->refusals[k][g][w]));
    lane_free(&s->office);
    lane_free(&s->pub);
    free(s->strikes);
    pthread_mutex_destroy(&s->strike_mu);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->stop_mu);
    pthread_cond_destroy(&s->stop_cv);
    free(s->slots);
    free(s->tmp_dir);
    free(s);
}
