/*
 * req.h: one HTTP request as the API handlers see it, the reply helpers, and the route table
 * entry. The http layer (src/http) fills a struct req, runs the router checks (authentication,
 * capability, CSRF, body parsing) and calls the handler; handlers decode, call one domain function
 * and reply. Handlers never touch SQL and never decide permissions themselves.
 *
 * Memory: everything hangs off rq->arena and is freed after the reply; a json_t given to
 * reply_json is stolen.
 */
#ifndef DUCHA_REQ_H
#define DUCHA_REQ_H

#include "base/buf.h"
#include "base/jsonv.h"
#include "core/ctx.h"
#include "core/perm.h"

#include <jansson.h>

struct app {
    struct config cfg;
    struct store *store;
};

struct kv {
    const char *key, *value;
};

/* An upload (ROUTE_UPLOAD routes), spooled to a temporary file while it arrived; the file is
 * removed after the reply unless the handler moved it. */
struct req_upload {
    const char *path;     /* the temporary file: the raw body, or the first file part of a form */
    const char *filename; /* multipart: the file part's name (NULL if none) */
    const char *sm3;      /* of the file's bytes, 64 hex digits */
    int64_t size;         /* of the file */
    bool multipart;       /* the body was multipart/form-data */
    bool malformed;       /* multipart that did not parse, or held no file */
    bool failed;          /* the file could not be written */
};

struct reply_header {
    const char *name, *value;
};

struct req {
    struct app *app;
    struct arena *arena;
    struct ctx ctx; /* arena, db, user, client, now */
    const char *method;
    const char *path;
    struct kv params[8]; /* path parameters, e.g. {id} */
    int nparams;
    struct kv *query;
    int nquery;
    const char *content_type;
    const char *body; /* raw body (NUL-terminated), may be NULL */
    size_t body_len;
    const struct req_upload *upload;                         /* ROUTE_UPLOAD routes: the spooled file, else NULL */
    json_t *json;                                            /* parsed JSON body for routes with ROUTE_JSON */
    const char *(*header)(struct req *rq, const char *name); /* request header lookup */
    void *conn;                                              /* http layer private */
    struct idem *idem;                                       /* Idempotency-Key state (idempotency.c) */

    /* the reply */
    int status;
    char *reply_body; /* malloc'd */
    size_t reply_len;
    const char *reply_type;
    const char *reply_file; /* send this file instead of reply_body */
    bool reply_file_temp;   /* reply_file is a temporary file: removed once opened */
    bool
        reply_secret; /* holds a secret (the CSRF token, a new API token, a tracking code): never compressed (BREACH) */
    struct reply_header headers[8];
    int nheaders;
};

typedef int (*handler_fn)(struct req *rq);

enum route_flags {
    ROUTE_JSON = 1,       /* the body must be a JSON object (parsed into rq->json) */
    ROUTE_UPLOAD = 2,     /* the body may be large (upload_limit) and is spooled to rq->upload */
    ROUTE_RAW = 4,        /* the body is kept raw (e.g. CSV), within json_limit */
    ROUTE_TEST_CLOCK = 8, /* exists only when serve runs with --test-clock (404 otherwise) */
    ROUTE_FORM = 16,      /* the body is kept raw, within public_form_limit (a public form with photos) */
    /* public pages: admitted by the per-address and global limits (api_public_admit) as soon as the
     * header is in, before any body byte is read or a database connection taken */
    ROUTE_PUBLIC_SUBMIT = 32, /* a submission (a clue, a survey answer) */
    ROUTE_PUBLIC_READ = 64,   /* a read of a public page (a form, a challenge, a tracking page) */
    /* a read that may take long (a rendered document, an export, a check of everything): handled by the office
     * threads like every write, so that it never holds up the other connections of its worker thread */
    ROUTE_LONG = 128,
};

/*
 * Access declarations: every route states, next to itself, who gets in. The authorization matrix test
 * (tests/api/test_authz_matrix.py) reads them (`ducha routes --json`) and sends the route's request as
 * every principal, for an object in the principal's own unit, in another unit of the same county and in
 * another county, and anonymously; a route without a declaration fails it. The string:
 *
 *     CLAUSE [CLAUSE …] [; OPTION …]
 *     CLAUSE  WHO:ANSWERS     WHO: principals, comma-separated, or * for every principal not named
 *                             before; ANSWERS: one letter for all three objects, or three letters for
 *                             own unit / other unit / other county
 *     letters A allowed (2xx), R allowed but refused for the object's state or the input (400/409/413/
 *               415/422), F forbidden (403), N not found (404: the object is out of sight), U 401
 *     OPTION  anon=LETTER     the anonymous answer (default U; a public route must state it)
 *             body=TEXT       the request body; $unit, $user, $item stand for the object's id,
 *                             $unitcode for its unit's code, $username for a user there, $uniq for a
 *                             fresh name, $town for a township of its county, $now for the time, $today for the date, $due for a
 *                             date 30 days ahead, $year for the inspections' year (two years
 *                             ahead), $newyear for a year no plan has, $jpeg (the whole body) for
 *                             a small JPEG
 *             query=Q         the query string ($… as in body)
 *             type=T          the body's Content-Type (default application/json)
 *             state=S         an item (or inspection) in state S (default in_progress) where the
 *                             route takes one
 *             fresh           an allowed request uses its object up: each such check gets a new one
 *             NAME=VALUE      the value of path parameter {NAME} (otherwise the test's fixture for it)
 *
 * Principals (the demo users of 古城县 unless said): top (administrator of the top unit, the city),
 * admin, principal, leader, director, deputy, secretary, office, inspector, parttime, contact, head
 * (contact and head at 交通运输局, the others at the county government), evaluator (third party).
 * "Own unit" is 古城县交通运输局 (or an item it leads), "other unit" 古城县住房和城乡建设局, "other
 * county" 安平县交通运输局.
 * E.g. "top,admin:AAN *:F; body={\"name\":\"x\",\"parent_id\":$unit}".
 */
struct route {
    const char *method;
    const char *pattern; /* "/api/v1/units/{id}" */
    handler_fn handler;
    enum cap cap;
    unsigned flags;
    const char *summary; /* one line, for docs/openapi.yaml checks and logs */
    const char *access;  /* the access declaration (above) */
    /* the handler's first read, if it needs nothing from the credential check: sent with the check
     * (ctx_send_ahead: one round trip on PostgreSQL); the handler takes its rows after every check passed
     * (the argument is the struct req) */
    void (*ahead)(void *rq);
};

/* The path parameter name (e.g. "id"), or NULL. */
const char *req_param(struct req *rq, const char *name);
/* Parses a positive integer path parameter; false if absent or malformed. */
bool req_param_id(struct req *rq, const char *name, int64_t *out);
/* A cookie's value from the Cookie header (arena), or NULL. */
const char *req_cookie(struct req *rq, const char *name);
/* Query string value, or NULL. */
const char *req_query(struct req *rq, const char *name);
/* Query integer within [min, max]; def if absent; false (and a 400 reply prepared) if malformed. */
bool req_query_int(struct req *rq, const char *name, int64_t min, int64_t max, int64_t def, int64_t *out);

/* Validates rq->json against a field spec; on failure replies 422 and returns false. */
bool req_check(struct req *rq, const struct jv_field *spec);

/* Replies with JSON (stolen). Returns 0. */
int reply_json(struct req *rq, int status, json_t *body);
/* Replies 200 with JSON text written by base/jsonw.h (text is taken and emptied), or with the ctx error when
 * rc != ERR_OK (text freed). Returns 0. */
int reply_jsonw(struct req *rq, enum err rc, struct buf *text);
/* Replies {"error":{"code","message"}} with the status of e. Returns 0. */
int reply_error(struct req *rq, enum err e, const char *message);
/* The same with "field": the request member at fault (on a 422, 403 or 409; NULL: none). */
int reply_error_field(struct req *rq, enum err e, const char *message, const char *field);
/* A Content-Disposition value for a download named `name` (UTF-8: "古督〔2026〕9号-督办通知.pdf") as RFC 6266 /
 * RFC 5987 filename*, with the ASCII `fallback` ("notice-9.pdf") as filename for clients without it. Arena. */
const char *req_disposition(struct req *rq, const char *name, const char *fallback);
/* Replies with the error recorded in rq->ctx (ctx_fail), or its default message. */
int reply_ctx_error(struct req *rq);
/* Replies 204 with no body. */
int reply_empty(struct req *rq);
/* Replies with bytes (copied) of the given type. */
int reply_bytes(struct req *rq, int status, const char *type, const void *data, size_t n);
/* Replies 200 with the workbook at path (a temporary file, removed after the reply) as an attachment named name
 * (ascii: the plain fallback name). */
int reply_xlsx(struct req *rq, const char *path, const char *name, const char *ascii);
/* Adds a reply header (name and value must live until the reply is sent: arena or static). */
void reply_header(struct req *rq, const char *name, const char *value);

/* For handlers: reply with the ctx error when rc != ERR_OK, else with the JSON body. */
int reply_result(struct req *rq, enum err rc, int status, json_t *body);

#endif
