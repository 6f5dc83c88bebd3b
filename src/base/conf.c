#include "base/conf.h"

#include "base/arena.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define K(n, t, d, s, doc)                                                                                             \
    {                                                                                                                  \
#n, t, offsetof(struct config, n), d, s, doc                                                                   \
    }
const struct conf_key conf_keys[] = {
    K(db, CONF_STR, "./data/ducha.db", false, "database URL: sqlite:PATH, PATH, or postgres://user@host:port/db"),
    K(listen, CONF_STR, "127.0.0.1:8080", false,
      "address and port the HTTP server listens on: HOST:PORT, HOST an IPv4 address or an IPv6 address in brackets "
      "([::1]:8080; [::]:8080 listens on IPv6 and IPv4 both)"),
    K(web_dir, CONF_STR, "./web/dist", false, "directory of the built web application served at /"),
    K(data_dir, CONF_STR, "./data", false, "directory for attachments, archives and generated files"),
    K(timezone, CONF_STR, "Asia/Shanghai", false, "time zone of local dates, deadlines and office hours"),
    K(log_level, CONF_STR, "info", false, "debug, info, warn or error"),
    K(secret_key, CONF_STR, "", true, "key that encrypts stored seal private keys (set it in production)"),
    K(audit_key, CONF_STR, "", true,
      "key of the audit chain (HMAC-SM3) and of its signed checkpoints; when empty, DATA_DIR/audit.key "
      "(created on first use); every node needs the same key"),
    K(audit_checkpoint_file, CONF_STR, "", false,
      "append-only file of signed audit checkpoints (empty: DATA_DIR/audit-checkpoints.jsonl); keep it outside "
      "the database host's reach"),
    K(audit_checkpoint_s, CONF_INT, "60", false, "seconds between signed audit checkpoints while the log grows"),
    K(threads, CONF_INT, "8", false, "HTTP worker threads"),
    K(public_threads, CONF_INT, "4", false,
      "threads of their own that handle the public pages' admitted requests, so that a crowd of the public never "
      "holds up the office's requests on the worker threads; each holds a database connection while it works, so "
      "keep it below db_pool (0: the worker threads handle them)"),
    K(office_threads, CONF_INT, "4", false,
      "threads of their own that handle the office's writes and long reads (documents, exports, imports, the archive "
      "file), so that one never holds up the other requests of its worker thread's connections; each holds a "
      "database connection while it works (0: the worker threads handle them)"),
    K(public_listen, CONF_STR, "", false,
      "address and port of a listener of the public pages' own (HOST:PORT or [IPv6]:PORT as for listen; the reverse "
      "proxy sends /p/, /public/ "
      "and /api/v1/public/ there): it answers nothing of the office, and its threads run at public_nice, so that "
      "the public and a flood of it are served after the office (empty: the public pages on listen only)"),
    K(public_nice, CONF_INT, "5", false,
      "how much lower the CPU priority (nice) of the public pages' threads is than the office's: the public "
      "threads and public_listen's (0: the same; at most 19)"),
    K(db_pool, CONF_INT, "16", false,
      "database connections per process: threads + office_threads + public_threads, so that no thread waits for "
      "one"),
    K(db_busy_timeout_ms, CONF_INT, "10000", false, "how long a write waits for the database lock"),
    K(db_statement_timeout_ms, CONF_INT, "60000", false,
      "longest a statement of an HTTP request may run before the request is cut off and answered 503 (SQLite: "
      "checked as it runs; PostgreSQL: statement_timeout of every connection but bulk loads); 0: no limit"),
    K(db_commit_timeout_ms, CONF_INT, "10000", false,
      "PostgreSQL: longest wait of a COMMIT for a synchronous standby; then it is cancelled and not acknowledged"),
    K(db_prepare, CONF_BOOL, "true", false,
      "PostgreSQL: prepare statements on the server; set false behind pgbouncer in transaction pooling mode"),
    K(db_replica, CONF_STR, "", false,
      "PostgreSQL: URL of a hot standby for reads (ledger, item pages, exports); a user's reads stay on the primary "
      "until the standby has replayed that user's last write"),
    K(metrics_token, CONF_STR, "", true, "bearer token that GET /metrics (Prometheus) requires; empty turns it off"),
    K(db_mmap_mb, CONF_INT, "0", false, "SQLite: MiB of the database file read through mmap (0 turns it off)"),
    K(json_limit, CONF_INT, "1048576", false, "largest accepted JSON request body in bytes"),
    K(upload_limit, CONF_INT, "20971520", false, "largest accepted attachment in bytes"),
    K(upload_types, CONF_STR, "pdf,doc,docx,xls,xlsx,ppt,pptx,wps,et,ofd,txt,csv,jpg,jpeg,png,zip", false,
      "allowed attachment file extensions"),
    K(max_connections, CONF_INT, "10000", false,
      "connections held open at once; beyond it the longest-idle connection is closed (bounded by ulimit -n)"),
    K(connections_per_ip, CONF_INT, "256", false,
      "connections from one client address (0: no limit; behind a reverse proxy the proxy is the client)"),
    K(header_timeout_s, CONF_INT, "15", false,
      "seconds a connection has to send a complete request header, from accept or from its previous reply"),
    K(body_timeout_s, CONF_INT, "60", false, "seconds a request has to send its whole body after its header"),
    K(upload_min_rate, CONF_INT, "32768", false,
      "bytes per second an upload must keep to on average (its deadline: its size at this rate, at least "
      "body_timeout_s)"),
    K(idle_timeout_s, CONF_INT, "30", false, "seconds without any traffic after which a connection is closed"),
    K(body_memory_limit, CONF_INT, "268435456", false,
      "bytes of request bodies all connections together may hold in memory (503 beyond)"),
    K(trusted_proxies, CONF_STR, "", false,
      "addresses of reverse proxies whose X-Forwarded-For names the client (comma-separated, e.g. 127.0.0.1)"),
    K(session_idle_minutes, CONF_INT, "30", false, "a session ends after this many idle minutes"),
    K(login_free_attempts, CONF_INT, "3", false,
      "failed sign-ins of one name from one address before each further attempt waits (1, 2, 4 … seconds)"),
    K(login_max_delay_s, CONF_INT, "900", false, "the longest wait between sign-in attempts of one name and address"),
    K(password_min_length, CONF_INT, "8", false, "minimum password length (letters and digits required)"),
    K(password_hash_cost, CONF_STR, "interactive", false,
      "argon2id cost of new password hashes: interactive (64 MiB, 2 passes), moderate (256 MiB, 3) or sensitive "
      "(1 GiB, 4); minimal (8 KiB, 1 pass) is for test suites only. A stored hash keeps the cost it was made with"),
    K(test_clock, CONF_BOOL, "false", false, "enable the settable test clock (tests only)"),
    K(test_statement_pause_ms, CONF_INT, "0", false,
      "tests only, with test_clock, SQLite: each statement of an HTTP request that runs past 1,000 steps of SQLite's "
      "machine waits this long, so that it outlasts db_statement_timeout_ms (0: off)"),
    K(cookie_secure, CONF_BOOL, "false", false, "mark the session cookie Secure (set when served over TLS)"),
    K(scheduler, CONF_BOOL, "true", false, "run the reminder and escalation scheduler inside serve"),
    K(scheduler_interval_s, CONF_INT, "60", false, "seconds between scheduler passes"),
    K(smtp_url, CONF_STR, "", false, "SMTP server for e-mail notifications, e.g. smtp://127.0.0.1:25"),
    K(smtp_from, CONF_STR, "ducha@localhost", false, "sender address of notification e-mails"),
    K(smtp_user, CONF_STR, "", false, "SMTP user name"),
    K(smtp_password, CONF_STR, "", true, "SMTP password"),
    K(sms_url, CONF_STR, "", false, "SMS gateway URL (HTTP POST, JSON body {to, text})"),
    K(sms_token, CONF_STR, "", true, "bearer token for the SMS gateway"),
    K(sms_template, CONF_STR, "{subject}", false, "SMS text; {subject} and {body} are replaced by the notice's"),
    K(smtp_starttls, CONF_BOOL, "false", false, "require STARTTLS on smtp:// URLs (smtps:// uses TLS from the start)"),
    K(office_hours, CONF_STR, "08:30-17:30", false, "when non-urgent notices may be sent on working days"),
    K(yellow_days, CONF_INT, "2", false, "working days before a due date that turn a light yellow"),
    K(pace_threshold, CONF_INT, "20", false, "percent behind time-proportional progress that turns yellow"),
    K(ledger_count_bound, CONF_INT, "10000", false,
      "ledger totals that the kept counters cannot give are counted over at most this many rows (then bounded)"),
    K(ledger_page_bound, CONF_INT, "10000", false,
      "ledger rows a page= (offset) may skip; deeper pages are read with the after cursor (page_max in each page)"),
    K(ledger_search_bound, CONF_INT, "500", false,
      "ledger search matches per scope that are counted and ranked; with more, the newest this many, total bounded"),
    K(ledger_lights_chunk, CONF_INT, "20000", false,
      "stored lights moving to a new day: up to this many items are recoloured by id, more in bulk (set-based)"),
    K(ledger_export_batch, CONF_INT, "1000", false,
      "ledger rows an XLSX/CSV export reads per keyset page (memory held per page; the export streams page by page)"),
    K(notify_attempts, CONF_INT, "5", false, "e-mail and SMS delivery attempts before a message becomes a dead letter"),
    K(notify_retry_s, CONF_INT, "60", false, "seconds before the first retry of a failed delivery (doubles each time)"),
    K(notify_stale_workdays, CONF_INT, "3", false,
      "e-mail and SMS that could not leave within this many working days of becoming due are not sent (cancelled; "
      "the inbox has them); 0: no limit"),
    K(retention_outbox_days, CONF_INT, "365", false,
      "days delivered e-mail, SMS and webhook deliveries and dead letters are kept (at least 180: logs are kept six "
      "months, 等保)"),
    K(webhook_allow_http, CONF_BOOL, "false", false,
      "allow http:// webhook endpoints on loopback addresses (tests only; real endpoints must be https://)"),
    K(webhook_timeout_s, CONF_INT, "10", false, "seconds a webhook receiver has to answer a delivery"),
    K(webhook_attempts, CONF_INT, "10", false, "webhook delivery attempts before a delivery becomes a dead letter"),
    K(webhook_retry_s, CONF_INT, "30", false,
      "seconds before the first retry of a failed webhook delivery (doubles after each failure, at most an hour)"),
    K(font_title, CONF_STR, "Noto Serif CJK SC Bold", false,
      "font of document titles and the red header (小标宋 role); point to a licensed font if installed"),
    K(font_body, CONF_STR, "Noto Serif CJK SC", false, "font of document body text (仿宋 role)"),
    K(font_heading, CONF_STR, "Noto Sans CJK SC Bold", false, "font of first-level headings (黑体 role)"),
    K(public_pow_bits, CONF_INT, "16", false,
      "public pages: leading zero bits of SHA-256 a browser must find before a submission counts (0-28)"),
    K(public_submit_per_min, CONF_INT, "10", false,
      "public pages: submissions (clues, survey answers) per minute from one client address (0: no limit)"),
    K(public_submit_burst, CONF_INT, "5", false, "public pages: submissions one client address may send at once"),
    K(public_submit_global_per_s, CONF_INT, "300", false,
      "public pages: submissions per second from all client addresses together (0: no limit)"),
    K(public_submit_all_per_min, CONF_INT, "18000", false,
      "public pages: submissions per minute from all client addresses to all nodes together (0: no limit)"),
    K(public_read_per_min, CONF_INT, "120", false,
      "public pages: reads (forms, challenges, status pages) per minute from one client address (0: no limit)"),
    K(public_read_burst, CONF_INT, "60", false, "public pages: reads one client address may send at once"),
    K(public_read_global_per_s, CONF_INT, "3000", false,
      "public pages: reads per second from all client addresses together (0: no limit)"),
    K(public_close_over_per_s, CONF_INT, "100", false,
      "public pages: refusals (429) in a second from one client address beyond which its new connections are "
      "closed at accept, unanswered, until it slows down (not behind a reverse proxy; 0: never)"),
    K(public_form_limit, CONF_INT, "12582912", false, "largest public form (a clue with its photos) in bytes"),
    K(public_photos, CONF_INT, "4", false, "photos one public clue may carry"),
    K(public_photo_limit, CONF_INT, "3145728", false, "largest photo of a public clue in bytes"),
    {NULL, CONF_STR, 0, NULL, false, NULL},
};
#undef K

static const struct conf_key *conf_find(const char *name)
{
    for (const struct conf_key *k = conf_keys; k->name; k++)
        if (strcmp(k->name, name) == 0)
            return k;
    return NULL;
}

static bool conf_apply(struct config *cfg, const struct conf_key *k, const char *value, char *err, size_t n)
{
    char *base = (char *)cfg;
    switch (k->type) {
    case CONF_STR: {
        char **slot = (char **)(base + k->offset);
        free(*slot);
        *slot = xstrdup(value);
        return true;
    }
    case CONF_INT: {
        char *end;
        errno = 0;
        long long v = strtoll(value, &end, 10);
        if (errno || end == value || *end || v < 0) {
            snprintf(err, n, "configuration %s: '%s' is not a non-negative integer", k->name, value);
            return false;
        }
        *(int64_t *)(base + k->offset) = v;
        return true;
    }
    case CONF_BOOL:
        if (!strcmp(value, "true") || !strcmp(value, "1") || !strcmp(value, "yes") || !strcmp(value, "on"))
            *(bool *)(base + k->offset) = true;
        else if (!strcmp(value, "false") || !strcmp(value, "0") || !strcmp(value, "no") || !strcmp(value, "off"))
            *(bool *)(base + k->offset) = false;
        else {
            snprintf(err, n, "configuration %s: '%s' is not true or false", k->name, value);
            return false;
        }
        return true;
    }
    return false;
}

void conf_defaults(struct config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    char err[8];
    for (const struct conf_key *k = conf_keys; k->name; k++)
        conf_apply(cfg, k, k->def, err, sizeof err);
}

bool conf_set(struct config *cfg, const char *key, const char *value, char *err, size_t errlen)
{
    const struct conf_key *k = conf_find(key);
    if (!k) {
        snprintf(err, errlen, "unknown configuration key '%s'", key);
        return false;
    }
    return conf_apply(cfg, k, value, err, errlen);
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = 0;
    return s;
}

bool conf_load_file(struct config *cfg, const char *path, bool required, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (!required)
            return true;
        snprintf(err, errlen, "cannot read configuration %s: %s", path, strerror(errno));
        return false;
    }
    char line[4096];
    int lineno = 0;
    bool ok = true;
    while (ok && fgets(line, sizeof line, f)) {
        lineno++;
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
            ok = false;
            break;
        }
        *eq = 0;
        char msg[256];
        if (!conf_set(cfg, trim(s), trim(eq + 1), msg, sizeof msg)) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
            ok = false;
        }
    }
    fclose(f);
    return ok;
}

bool conf_load_env(struct config *cfg, char *err, size_t errlen)
{
    for (const struct conf_key *k = conf_keys; k->name; k++) {
        char name[64] = "DUCHA_";
        size_t i = 6;
        for (const char *p = k->name; *p && i < sizeof name - 1; p++)
            name[i++] = (char)toupper((unsigned char)*p);
        name[i] = 0;
        const char *v = getenv(name);
        if (v && !conf_apply(cfg, k, v, err, errlen))
            return false;
    }
    return true;
}

void conf_free(struct config *cfg)
{
    for (const struct conf_key *k = conf_keys; k->name; k++)
        if (k->type == CONF_STR) {
            char **slot = (char **)((char *)cfg + k->offset);
            free(*slot);
            *slot = NULL;
        }
}
