/*
 * conf.h: the configuration. Every key has a default here, may be set in a ducha.conf file
 * ("key = value" lines, # comments), overridden by the environment (DUCHA_<KEY> upper-cased) and
 * then by command-line flags. conf_keys lists every key with its documentation (the README's
 * configuration table is checked against it). Secret keys are never printed.
 */
#ifndef DUCHA_CONF_H
#define DUCHA_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config {
    char *db;       /* database URL: sqlite:PATH, a plain path, or postgres://… */
    char *listen;   /* HOST:PORT */
    char *web_dir;  /* built web application to serve at / */
    char *data_dir; /* attachments, archives, generated files */
    char *timezone; /* local dates, office hours */
    char *log_level;
    char *secret_key; /* protects stored private keys (seals); secret */
    char *audit_key;  /* keys the audit chain and its checkpoints; secret */
    char *audit_checkpoint_file;
    int64_t audit_checkpoint_s;
    int64_t threads;        /* HTTP worker threads */
    int64_t public_threads; /* threads that handle the public pages' admitted requests (0: the workers do) */
    int64_t office_threads; /* threads that handle the office's writes and long reads (0: the workers do) */
    char *public_listen;    /* HOST:PORT of the public pages' own listener ("": none) */
    int64_t public_nice;    /* the public pages' threads' nice above the office's */
    int64_t db_pool;        /* database connections per process */
    int64_t db_busy_timeout_ms;
    int64_t
        db_statement_timeout_ms;  /* longest statement of a request (SQLite: cut off; PostgreSQL: statement_timeout) */
    int64_t db_commit_timeout_ms; /* PostgreSQL: longest wait of a COMMIT for a synchronous standby */
    bool db_prepare;              /* PostgreSQL: server-side prepared statements (off behind pgbouncer) */
    char *db_replica;             /* PostgreSQL: URL of a hot standby that serves reads; empty: none */
    char *metrics_token;          /* bearer token that GET /metrics requires; empty: /metrics is off */
    int64_t db_mmap_mb;
    int64_t json_limit;         /* bytes */
    int64_t upload_limit;       /* bytes */
    char *upload_types;         /* comma-separated allowed file extensions */
    int64_t max_connections;    /* open connections in total */
    int64_t connections_per_ip; /* 0 = unlimited */
    int64_t header_timeout_s;   /* absolute: accept (or previous reply) to complete header */
    int64_t body_timeout_s;     /* absolute: header to complete body */
    int64_t upload_min_rate;    /* bytes/s: an upload's deadline is its size at this rate */
    int64_t idle_timeout_s;     /* no traffic at all */
    int64_t body_memory_limit;  /* bytes of bodies held by all connections together */
    char *trusted_proxies;      /* whose X-Forwarded-For is believed */
    int64_t session_idle_minutes;
    int64_t login_free_attempts; /* per name and address, before delays start */
    int64_t login_max_delay_s;
    int64_t password_min_length;
    char *password_hash_cost;        /* interactive, moderate, sensitive; minimal for test suites */
    bool test_clock;                 /* enables PUT /api/v1/admin/clock; never in production */
    int64_t test_statement_pause_ms; /* tests only (with test_clock): a request's longer statements wait this long */
    bool cookie_secure;              /* add Secure to the session cookie (behind TLS) */
    bool scheduler;                  /* run the scheduler thread inside serve */
    int64_t scheduler_interval_s;
    char *smtp_url; /* smtp://host:port or smtps:// */
    char *smtp_from;
    char *smtp_user;
    char *smtp_password;           /* secret */
    char *sms_url;                 /* HTTP gateway: POST JSON {to, text} */
    char *sms_token;               /* secret, sent as Authorization: Bearer */
    char *sms_template;            /* SMS text: {subject} and {body} are replaced */
    bool smtp_starttls;            /* require STARTTLS on smtp:// (smtps:// is TLS from the start) */
    char *office_hours;            /* "08:30-17:30" */
    int64_t yellow_days;           /* working days before due that turn a light yellow */
    int64_t pace_threshold;        /* percent behind time-proportional progress that turns yellow */
    int64_t ledger_count_bound;    /* rows a ledger total is counted over when the counters cannot give it */
    int64_t ledger_page_bound;     /* ledger rows page= (offset) may skip (deeper: the after cursor) */
    int64_t ledger_search_bound;   /* search matches per scope counted and ranked (more: the newest, bounded) */
    int64_t ledger_lights_chunk;   /* above it, the stored lights move in bulk */
    int64_t ledger_export_batch;   /* ledger rows an export reads per keyset page */
    int64_t notify_attempts;       /* e-mail/SMS delivery attempts before a dead letter */
    int64_t notify_retry_s;        /* first retry delay; doubles after each failure */
    int64_t notify_stale_workdays; /* unsent e-mail/SMS due longer than this many working days are not sent */
    int64_t retention_outbox_days; /* delivered e-mail/SMS are kept this long (at least 180 days) */
    bool webhook_allow_http;       /* http:// endpoints to loopback addresses (tests only) */
    int64_t webhook_timeout_s;     /* seconds a webhook receiver has to answer */
    int64_t webhook_attempts;      /* delivery attempts before a dead letter */
    int64_t webhook_retry_s;       /* first retry delay; doubles, at most an hour */
    char *font_title;              /* Pango family of document titles (小标宋 role) */
    char *font_body;               /* Pango family of document body text (仿宋 role) */
    char *font_heading;            /* Pango family of first-level headings (黑体 role) */
    /* the public pages (clues, surveys): no account, so the client address and a small proof of work */
    int64_t public_pow_bits;            /* leading zero bits of the challenge's SHA-256 a client must find */
    int64_t public_submit_per_min;      /* submissions per minute from one address (0: no limit) */
    int64_t public_submit_burst;        /* submissions one address may send at once */
    int64_t public_submit_global_per_s; /* submissions per second from all addresses together (0: no limit) */
    int64_t public_submit_all_per_min;  /* submissions per minute to all nodes together (0: no limit) */
    int64_t public_read_per_min;        /* public page reads per minute from one address (0: no limit) */
    int64_t public_read_burst;
    int64_t public_read_global_per_s;
    int64_t public_close_over_per_s; /* refusals a second from one address beyond which it is closed at accept */
    int64_t public_form_limit;       /* bytes of a public form (a clue with its photos) */
    int64_t public_photos;           /* photos one clue may carry */
    int64_t public_photo_limit;      /* bytes of one photo */
};

enum conf_type { CONF_STR, CONF_INT, CONF_BOOL };

struct conf_key {
    const char *name;
    enum conf_type type;
    size_t offset;
    const char *def;
    bool secret;
    const char *doc;
};

extern const struct conf_key conf_keys[];

/* Fills cfg with defaults. */
void conf_defaults(struct config *cfg);
/* Sets one key from text; false with a message in err if the key is unknown or the value bad. */
bool conf_set(struct config *cfg, const char *key, const char *value, char *err, size_t errlen);
/* Reads a file; missing file is an error only if required. */
bool conf_load_file(struct config *cfg, const char *path, bool required, char *err, size_t errlen);
/* Applies DUCHA_* environment variables. */
bool conf_load_env(struct config *cfg, char *err, size_t errlen);
void conf_free(struct config *cfg);

#endif
