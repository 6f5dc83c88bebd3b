/*
 * server.c: libmicrohttpd glue. Accumulates request bodies within the route's limit (413 beyond
 * it), fills a struct req, calls the router for /api/ paths and serves the web application's
 * files for everything else, writes one log line per request.
 */
#include "http/http.h"

#include "base/buf.h"
#include "base/log.h"
#include "base/timeu.h"
#include "base/utf8.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct http_server {
    struct MHD_Daemon *d;
    struct app *app;
};

/* Per-connection request state, from the first call of the access handler to completion. */
struct conn_state {
    struct buf body;
    size_t limit;
    bool too_large;
    struct timespec start;
};

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

static void client_address(struct MHD_Connection *c, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, n, "?");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)n);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)n);
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

/* Serves a file of the web application; unknown paths without an extension get index.html
 * (client-side routes). Returns the status sent. */
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
            snprintf(path, sizeof path, "%s/index.html", dir);
            fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd >= 0 && fstat(fd, &stbuf) != 0) {
                close(fd);
                fd = -1;
            }
        }
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
        status = 200;
        *bytes = (size_t)stbuf.st_size;
    }
    add_security_headers(resp);
    MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return status;
}

static enum MHD_Result send_req_reply(struct MHD_Connection *c, struct req *rq)
{
    struct MHD_Response *resp;
    if (rq->reply_file) {
        int fd = open(rq->reply_file, O_RDONLY | O_CLOEXEC);
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
        resp = MHD_create_response_from_buffer(rq->reply_len, rq->reply_body ? rq->reply_body : (void *)"",
                                               rq->reply_body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
        rq->reply_body = NULL; /* owned by the response now */
    }
    if (rq->reply_type)
        MHD_add_response_header(resp, "Content-Type", rq->reply_type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    add_security_headers(resp);
    for (int i = 0; i < rq->nheaders; i++)
        MHD_add_response_header(resp, rq->headers[i].name, rq->headers[i].value);
    enum MHD_Result r = MHD_queue_response(c, (unsigned)rq->status, resp);
    MHD_destroy_response(resp);
    return r;
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
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
        st->limit = (size_t)s->app->cfg.json_limit;
        if (strstr(url, "/attachments"))
            st->limit = (size_t)s->app->cfg.upload_limit;
        *con_cls = st;
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > st->limit)
            st->too_large = true;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!st->too_large && !buf_append(&st->body, upload_data, *upload_data_size))
            st->too_large = true;
        if (st->too_large)
            buf_free(&st->body);
        *upload_data_size = 0;
        return MHD_YES;
    }

    struct arena arena = ARENA_INIT;
    struct req rq = {0};
    char client[64];
    client_address(c, client, sizeof client);
    rq.app = s->app;
    rq.arena = &arena;
    rq.ctx.arena = &arena;
    rq.ctx.cfg = &s->app->cfg;
    rq.ctx.client = client;
    rq.method = method;
    rq.path = url;
    rq.conn = c;
    rq.header = hdr_lookup;
    rq.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    rq.body = st->body.data;
    rq.body_len = st->body.len;

    enum MHD_Result result;
    int status;
    size_t bytes;
    if (strncmp(url, "/api/", 5) == 0 || strcmp(url, "/api") == 0 || strcmp(url, "/metrics") == 0) {
        struct query_collect qc = {&rq, 0};
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_query, &qc);
        if (st->too_large) {
            reply_error(&rq, ERR_TOO_LARGE, arena_printf(&arena, "请求内容超过上限（%zu 字节）", st->limit));
            reply_header(&rq, "Connection", "close");
        } else {
            router_dispatch(&rq);
        }
        status = rq.status;
        result = send_req_reply(c, &rq);
        bytes = rq.reply_len;
    } else if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
        status = serve_static(s, c, url, &bytes);
        result = MHD_YES;
    } else {
        reply_error(&rq, ERR_METHOD, "不支持该请求方法");
        status = rq.status;
        result = send_req_reply(c, &rq);
        bytes = rq.reply_len;
    }
    log_info("%s %s %s %d %zu %.1fms %s", client, method, url, status, bytes, ms_since(&st->start),
             rq.ctx.user ? rq.ctx.user->username : "-");
    free(rq.reply_body);
    arena_free(&arena);
    return result;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
    (void)cls;
    (void)c;
    (void)t;
    struct conn_state *st = *con_cls;
    if (st) {
        buf_free(&st->body);
        free(st);
    }
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        line[--n] = 0;
    log_warn("http: %s", line);
}

struct http_server *http_start(struct app *app, char *err, size_t errlen)
{
    char host[256];
    const char *listen = app->cfg.listen;
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host) {
        snprintf(err, errlen, "listen address '%s' must be HOST:PORT", listen);
        return NULL;
    }
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = 0;
    long port = strtol(colon + 1, NULL, 10);
    if (port <= 0 || port > 65535) {
        snprintf(err, errlen, "listen address '%s': bad port", listen);
        return NULL;
    }
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, strcmp(host, "localhost") == 0 ? "127.0.0.1" : host, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "listen address '%s': host must be an IPv4 address", listen);
        return NULL;
    }
    struct http_server *s = xcalloc(1, sizeof *s);
    s->app = app;
    unsigned threads = app->cfg.threads > 0 ? (unsigned)app->cfg.threads : 1;
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_TURBO, 0,
                            NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_NOTIFY_COMPLETED,
                            on_completed, s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_CONNECTION_LIMIT,
                            (unsigned)4096, MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, errlen, "cannot listen on %s: %s", listen, strerror(errno));
        free(s);
        return NULL;
    }
    return s;
}

void http_stop(struct http_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->d);
    free(s);
}
