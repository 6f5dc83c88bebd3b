/* notify.c: the outbox, channels, preferences, inbox and delivery; see notify.h. */
#include "notify/notify.h"

#include "audit/audit.h"
#include "base/log.h"
#include "base/timeu.h"
#include "calendar/calendar.h"
#include "core/clock.h"
#include "core/perm.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name, *label, *channels;
} msg_kinds[MSG__COUNT] = {
    [MSG_REMINDER] = {"reminder", "到期提醒（催办）", "inbox,email"},
    [MSG_PRESS] = {"press", "逾期督办", "inbox,email,sms"},
    [MSG_NOTICE] = {"notice", "书面催办通知", "inbox,email,sms"},
    [MSG_REPORT] = {"report", "逾期报告主要领导", "inbox,email,sms"},
    [MSG_SYSTEM] = {"system", "系统通知", "inbox,email"},
    [MSG_ASSIGNMENT] = {"assignment", "督办通知（新交办事项）", "inbox,email"},
    [MSG_TODO] = {"todo", "待办提醒（轮到您办理）", "inbox,email"},
    [MSG_RESULT] = {"result", "办理结果（审核、延期、等次）", "inbox,email"},
};

const char *msg_kind_name(enum msg_kind k)
{
    return (unsigned)k < MSG__COUNT ? msg_kinds[k].name : "?";
}

static bool msg_kind_parse(const char *s, enum msg_kind *out)
{
    for (int i = 0; s && i < MSG__COUNT; i++)
        if (!strcmp(s, msg_kinds[i].name)) {
            *out = (enum msg_kind)i;
            return true;
        }
    return false;
}

static bool has_channel(const char *list, const char *ch)
{
    size_t n = strlen(ch);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !strncmp(p, ch, n))
            return true;
        p = e ? e + 1 : p + len;
    }
    return false;
}

/* The user's channels for kind (stored preference or the default), in the arena. */
static const char *user_channels(struct ctx *c, int64_t user, enum msg_kind k)
{
    struct stmt *st = db_prepare(c->db, "SELECT channels FROM notify_prefs WHERE user_id = ? AND kind = ?");
    const char *ch = msg_kinds[k].channels;
    if (!st)
        return ch;
    stmt_bind_int(st, 1, user);
    stmt_bind_text(st, 2, msg_kinds[k].name);
    if (stmt_step(st) == STORE_ROW)
        ch = arena_strdup(c->arena, stmt_text(st, 0));
    stmt_done(st);
    return ch;
}

/* Parses office_hours "HH:MM-HH:MM" into minutes; defaults 08:30-17:30 when malformed. */
static void office_hours(const struct config *cfg, int *from, int *to)
{
    int h1, m1, h2, m2;
    if (cfg->office_hours && sscanf(cfg->office_hours, "%d:%d-%d:%d", &h1, &m1, &h2, &m2) == 4 &&
        h1 * 60 + m1 < h2 * 60 + m2) {
        *from = h1 * 60 + m1;
        *to = h2 * 60 + m2;
    } else {
        *from = 8 * 60 + 30;
        *to = 17 * 60 + 30;
    }
}

enum err notify_window(struct ctx *c, int64_t t, int64_t *out)
{
    struct calendar cal;
    enum err e = calendar_load(c, &cal);
    if (e)
        return e;
    int from, to;
    office_hours(c->cfg, &from, &to);
    int64_t day = time_local_day(t);
    int minutes = time_local_minutes_of_day(t);
    for (int i = 0; i < 400; i++, day++) {
        if (!cal_is_workday(&cal, day))
            continue;
        if (i == 0 && minutes >= to)
            continue;
        if (i == 0 && minutes >= from) {
            *out = t;
            return ERR_OK;
        }
        *out = time_local_instant(day, from * 60);
        return ERR_OK;
    }
    *out = t;
    return ERR_OK;
}

/* Queues one row; ids (optional) collects {id, channel}. */
static enum err enqueue(struct ctx *c, int64_t user, const char *channel, const char *address, const struct notice *n,
                        int64_t when, json_t *ids)
{
    char at[21];
    time_format_iso(c->now, at);
    bool inbox = !strcmp(channel, "inbox");
    struct stmt *st = db_prepare(c->db, "INSERT INTO outbox (user_id, channel, kind, urgent, subject, body, address, "
                                        "object_type, object_id, state, next_attempt, created_at, sent_at) "
                                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "发送通知");
    stmt_bind_int(st, 1, user);
    stmt_bind_text(st, 2, channel);
    stmt_bind_text(st, 3, msg_kind_name(n->kind));
    stmt_bind_int(st, 4, n->urgent);
    stmt_bind_text(st, 5, n->subject);
    stmt_bind_text(st, 6, n->body ? n->body : "");
    stmt_bind_text(st, 7, address);
    stmt_bind_text(st, 8, n->object_type ? n->object_type : "");
    stmt_bind_int(st, 9, n->object_id);
    stmt_bind_text(st, 10, inbox ? "sent" : "pending");
    stmt_bind_int(st, 11, when);
    stmt_bind_text(st, 12, at);
    stmt_bind_text(st, 13, inbox ? at : NULL);
    int64_t id;
    int rc = stmt_one_int(st, &id);
    if (rc != STORE_ROW)
        return ctx_store_fail(c, rc < 0 ? rc : STORE_E_OTHER, "发送通知");
    if (ids)
        json_array_append_new(ids, json_pack("{sI ss}", "id", (json_int_t)id, "channel", channel));
    return ERR_OK;
}

static enum err notify_user_ex(struct ctx *c, int64_t user_id, const struct notice *n, json_t *ids)
{
    struct stmt *st = db_prepare(c->db, "SELECT email, phone, disabled FROM users WHERE id = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "发送通知");
    stmt_bind_int(st, 1, user_id);
    int rc = stmt_step(st);
    const char *email = NULL, *phone = NULL;
    bool disabled = true;
    if (rc == STORE_ROW) {
        email = arena_strdup(c->arena, stmt_text(st, 0));
        phone = arena_strdup(c->arena, stmt_text(st, 1));
        disabled = stmt_int(st, 2) != 0;
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "发送通知");
    if (disabled)
        return ERR_OK;
    const char *ch = user_channels(c, user_id, n->kind);
    enum err e = enqueue(c, user_id, "inbox", "", n, c->now, ids);
    int64_t when = c->now;
    if (!e && !n->urgent && ((has_channel(ch, "email") && *email) || (has_channel(ch, "sms") && *phone)))
        e = notify_window(c, c->now, &when);
    if (!e && has_channel(ch, "email") && *email)
        e = enqueue(c, user_id, "email", email, n, when, ids);
    if (!e && has_channel(ch, "sms") && *phone)
        e = enqueue(c, user_id, "sms", phone, n, when, ids);
    return e;
}

enum err notify_user(struct ctx *c, int64_t user_id, const struct notice *n)
{
    return notify_user_ex(c, user_id, n, NULL);
}

enum err notify_role_at(struct ctx *c, int64_t unit_id, const char *role, const struct notice *n)
{
    struct stmt *st = db_prepare(c->db, "SELECT u.id FROM user_roles r JOIN users u ON u.id = r.user_id "
                                        "WHERE r.unit_id = ? AND r.role = ? AND u.disabled = 0 ORDER BY u.id");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "发送通知");
    stmt_bind_int(st, 1, unit_id);
    stmt_bind_text(st, 2, role);
    int64_t ids[64];
    int k = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW && k < 64)
        ids[k++] = stmt_int(st, 0);
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "发送通知");
    enum err e = ERR_OK;
    for (int i = 0; i < k && !e; i++)
        e = notify_user(c, ids[i], n);
    return e;
}

/* ---- delivery ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct payload {
    const char *data;
    size_t len, pos;
};

static size_t read_payload(char *buf, size_t size, size_t nmemb, void *arg)
{
    struct payload *p = arg;
    size_t n = size * nmemb;
    if (n > p->len - p->pos)
        n = p->len - p->pos;
    memcpy(buf, p->data + p->pos, n);
    p->pos += n;
    return n;
}

static size_t discard(char *buf, size_t size, size_t nmemb, void *arg)
{
    (void)buf;
    (void)arg;
    return size * nmemb;
}

static char *b64(struct arena *a, const char *s)
{
    size_t len = strlen(s);
    size_t out = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    char *buf = arena_alloc(a, out);
    sodium_bin2base64(buf, out, (const unsigned char *)s, len, sodium_base64_VARIANT_ORIGINAL);
    return buf;
}

static bool send_email(struct ctx *c, int64_t id, const char *to, const char *subject, const char *body, char *err,
                       size_t errlen)
{
    const struct config *cfg = c->cfg;
    if (!cfg->smtp_url || !*cfg->smtp_url) {
        snprintf(err, errlen, "未配置 smtp_url");
        return false;
    }
    char date[64];
    time_t now = (time_t)time_now();
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    /* body: base64 in lines of 76 */
    const char *bb = b64(c->arena, body);
    size_t bl = strlen(bb);
    char *wrapped = arena_alloc(c->arena, bl + bl / 76 * 2 + 4), *w = wrapped;
    for (size_t i = 0; i < bl; i += 76) {
        size_t k = bl - i < 76 ? bl - i : 76;
        memcpy(w, bb + i, k);
        w += k;
        *w++ = '\r';
        *w++ = '\n';
    }
    *w = 0;
    char *msg = arena_printf(c->arena,
                             "Date: %s\r\nTo: <%s>\r\nFrom: <%s>\r\nSubject: =?UTF-8?B?%s?=\r\n"
                             "Message-ID: <ducha-%" PRId64 "@%s>\r\nX-Ducha-Outbox: %" PRId64 "\r\n"
                             "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                             "Content-Transfer-Encoding: base64\r\n\r\n%s",
                             date, to, cfg->smtp_from, b64(c->arena, subject), id, "ducha.local", id, wrapped);
    pthread_once(&curl_once, curl_init);
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(err, errlen, "curl init failed");
        return false;
    }
    struct payload p = {msg, strlen(msg), 0};
    struct curl_slist *rcpt = curl_slist_append(NULL, arena_printf(c->arena, "<%s>", to));
    char ebuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_URL, cfg->smtp_url);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, arena_printf(c->arena, "<%s>", cfg->smtp_from));
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_payload);
    curl_easy_setopt(h, CURLOPT_READDATA, &p);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
    if (cfg->smtp_starttls)
        curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    else if (cfg->smtp_user && *cfg->smtp_user)
        curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY); /* never send a password in clear if avoidable */
    if (cfg->smtp_user && *cfg->smtp_user) {
        curl_easy_setopt(h, CURLOPT_USERNAME, cfg->smtp_user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, cfg->smtp_password);
    }
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK)
        snprintf(err, errlen, "SMTP: %s", *ebuf ? ebuf : curl_easy_strerror(rc));
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(h);
    return rc == CURLE_OK;
}

static bool send_sms(struct ctx *c, const char *to, const char *text, char *err, size_t errlen)
{
    const struct config *cfg = c->cfg;
    if (!cfg->sms_url || !*cfg->sms_url) {
        snprintf(err, errlen, "未配置 sms_url");
        return false;
    }
    json_t *j = json_pack("{ss ss}", "to", to, "text", text);
    char *body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    pthread_once(&curl_once, curl_init);
    CURL *h = curl_easy_init();
    if (!h) {
        free(body);
        snprintf(err, errlen, "curl init failed");
        return false;
    }
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
    if (cfg->sms_token && *cfg->sms_token)
        hdr = curl_slist_append(hdr, arena_printf(c->arena, "Authorization: Bearer %s", cfg->sms_token));
    char ebuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_URL, cfg->sms_url);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    bool ok = rc == CURLE_OK && status >= 200 && status < 300;
    if (rc != CURLE_OK)
        snprintf(err, errlen, "SMS: %s", *ebuf ? ebuf : curl_easy_strerror(rc));
    else if (!ok)
        snprintf(err, errlen, "SMS gateway answered HTTP %ld", status);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    free(body);
    return ok;
}

/* The SMS text from cfg->sms_template: {subject} and {body} replaced; arena. */
static const char *sms_text(struct ctx *c, const char *subject, const char *body)
{
    const char *t = c->cfg->sms_template && *c->cfg->sms_template ? c->cfg->sms_template : "{subject}";
    char *out = arena_strdup(c->arena, "");
    while (*t) {
        const char *sub = strstr(t, "{subject}"), *bod = strstr(t, "{body}");
        const char *next = sub && (!bod || sub < bod) ? sub : bod;
        if (!next) {
            out = arena_printf(c->arena, "%s%s", out, t);
            break;
        }
        out = arena_printf(c->arena, "%s%.*s%s", out, (int)(next - t), t, next == sub ? subject : body);
        t = next + (next == sub ? 9 : 6);
    }
    return out;
}

struct claimed {
    int64_t id;
    const char *channel, *address, *subject, *body;
    int attempts;
    bool urgent;
};

/*
 * A claim is a short lease held by one process (claimed_by, random per process): LEASE_S covers one
 * delivery (curl gives up after 20 s) and is renewed, owner checked, right before each send. A
 * process that dies (kill -9, a lost host) leaves its claims to the other nodes within LEASE_S; a
 * row another node took over meanwhile is skipped, never sent twice by us.
 */
#define LEASE_S 30

static char notify_node[24];
static pthread_once_t notify_node_once = PTHREAD_ONCE_INIT;
static void notify_node_init(void)
{
    unsigned char r[9];
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(notify_node, sizeof notify_node, r, sizeof r);
}

/* Renews the lease of row id if this process still holds it; true if it does. */
static bool lease_renew(struct ctx *c, int64_t id)
{
    struct stmt *st = db_prepare(c->db, "UPDATE outbox SET lease_until = ? WHERE id = ? AND state = 'sending' AND "
                                        "claimed_by = ? RETURNING id");
    if (!st)
        return false;
    stmt_bind_int(st, 1, clock_now(c->db, c->cfg) + LEASE_S); /* now, not when the pass began */
    stmt_bind_int(st, 2, id);
    stmt_bind_text(st, 3, notify_node);
    bool mine = stmt_step(st) == STORE_ROW;
    stmt_done(st);
    return mine;
}

enum err notify_deliver(struct ctx *c, int limit, int *sent, int *failed)
{
    *sent = *failed = 0;
    pthread_once(&notify_node_once, notify_node_init);
    bool pg = strcmp(db_kind(c->db), "postgres") == 0;
    /* two index-friendly claims: rows due now, then rows whose lease ran out (a node died while
     * sending); only channels that are configured, the others wait until they are */
    static const char *const claim[2][2] = {
        {"UPDATE outbox SET state = 'sending', lease_until = ?, claimed_by = ?, attempts = attempts + 1 WHERE id IN "
         "(SELECT id FROM outbox WHERE state = 'pending' AND next_attempt <= ? AND ((channel = 'email' AND ? = 1) OR "
         "(channel = 'sms' AND ? = 1)) ORDER BY next_attempt, id LIMIT ?) "
         "RETURNING id, channel, address, subject, body, attempts, urgent",
         "UPDATE outbox SET state = 'sending', lease_until = ?, claimed_by = ?, attempts = attempts + 1 WHERE id IN "
         "(SELECT id FROM outbox WHERE state = 'sending' AND next_attempt <= ? AND lease_until <= ? AND "
         "((channel = 'email' AND ? = 1) OR (channel = 'sms' AND ? = 1)) ORDER BY next_attempt, id LIMIT ?) "
         "RETURNING id, channel, address, subject, body, attempts, urgent"},
        {"UPDATE outbox SET state = 'sending', lease_until = ?, claimed_by = ?, attempts = attempts + 1 WHERE id IN "
         "(SELECT id FROM outbox WHERE state = 'pending' AND next_attempt <= ? AND ((channel = 'email' AND ? = 1) OR "
         "(channel = 'sms' AND ? = 1)) ORDER BY next_attempt, id LIMIT ? FOR UPDATE SKIP LOCKED) "
         "RETURNING id, channel, address, subject, body, attempts, urgent",
         "UPDATE outbox SET state = 'sending', lease_until = ?, claimed_by = ?, attempts = attempts + 1 WHERE id IN "
         "(SELECT id FROM outbox WHERE state = 'sending' AND next_attempt <= ? AND lease_until <= ? AND "
         "((channel = 'email' AND ? = 1) OR (channel = 'sms' AND ? = 1)) ORDER BY next_attempt, id LIMIT ? "
         "FOR UPDATE SKIP LOCKED) RETURNING id, channel, address, subject, body, attempts, urgent"},
    };
    bool email_on = c->cfg->smtp_url && *c->cfg->smtp_url, sms_on = c->cfg->sms_url && *c->cfg->sms_url;
    if (!email_on && !sms_on)
        return ERR_OK;
    /* an idle pass stays a read: probe the index before taking the write lock */
    struct stmt *probe = db_prepare(c->db, "SELECT COUNT(*) FROM (SELECT id FROM outbox WHERE state = 'pending' AND "
                                           "next_attempt <= ? LIMIT 1) p");
    int64_t due = 1;
    if (probe)
        stmt_bind_int(probe, 1, c->now);
    if (stmt_one_int(probe, &due) == STORE_ROW && due == 0) {
        probe = db_prepare(c->db, "SELECT COUNT(*) FROM (SELECT id FROM outbox WHERE state = 'sending' AND "
                                  "next_attempt <= ? AND lease_until <= ? LIMIT 1) p");
        if (probe) {
            stmt_bind_int(probe, 1, c->now);
            stmt_bind_int(probe, 2, c->now);
        }
        if (stmt_one_int(probe, &due) == STORE_ROW && due == 0)
            return ERR_OK;
    }
    int rc = db_begin(c->db);
    if (rc < 0)
        return ctx_store_fail(c, rc, "投递通知");
    struct claimed *rows = arena_alloc(c->arena, (size_t)(limit > 0 ? limit : 1) * sizeof *rows);
    int n = 0;
    for (int pass = 0; pass < 2 && n < limit; pass++) {
        struct stmt *st = db_prepare(c->db, claim[pg][pass]);
        if (!st) {
            db_rollback(c->db);
            return ctx_store_fail(c, STORE_E_OTHER, "投递通知");
        }
        int k = 1;
        stmt_bind_int(st, k++, clock_now(c->db, c->cfg) + LEASE_S);
        stmt_bind_text(st, k++, notify_node);
        stmt_bind_int(st, k++, c->now);
        if (pass)
            stmt_bind_int(st, k++, c->now);
        stmt_bind_int(st, k++, email_on);
        stmt_bind_int(st, k++, sms_on);
        stmt_bind_int(st, k++, limit - n);
        while ((rc = stmt_step(st)) == STORE_ROW && n < limit) {
            rows[n] = (struct claimed){stmt_int(st, 0),
                                       arena_strdup(c->arena, stmt_text(st, 1)),
                                       arena_strdup(c->arena, stmt_text(st, 2)),
                                       arena_strdup(c->arena, stmt_text(st, 3)),
                                       arena_strdup(c->arena, stmt_text(st, 4)),
                                       (int)stmt_int(st, 5),
                                       stmt_int(st, 6) != 0};
            n++;
        }
        stmt_done(st);
        if (rc < 0) {
            db_rollback(c->db);
            return ctx_store_fail(c, rc, "投递通知");
        }
    }
    if ((rc = db_commit(c->db)) < 0)
        return ctx_store_fail(c, rc, "投递通知");
    for (int i = 0; i < n; i++) {
        struct claimed *r = &rows[i];
        char err[512] = "";
        if ((rc = db_begin(c->db)) < 0)
            return ctx_store_fail(c, rc, "投递通知");
        bool mine = lease_renew(c, r->id);
        if ((rc = db_commit(c->db)) < 0)
            return ctx_store_fail(c, rc, "投递通知");
        if (!mine)
            continue; /* its lease ran out while the rows before it were sent: another node has it */
        bool ok = !strcmp(r->channel, "email")
                      ? send_email(c, r->id, r->address, r->subject, r->body, err, sizeof err)
                      : send_sms(c, r->address, sms_text(c, r->subject, r->body), err, sizeof err);
        char at[21];
        time_format_iso(c->now, at);
        bool dead = !ok && r->attempts >= c->cfg->notify_attempts;
        int64_t next = c->now;
        if (ok) {
            (*sent)++;
        } else {
            int64_t delay = c->cfg->notify_retry_s;
            for (int k = 1; k < r->attempts && delay < 86400; k++)
                delay *= 2;
            next = c->now + delay;
            if (!dead && !r->urgent)
                notify_window(c, next, &next);
            log_warn("notification %" PRId64 " (%s) attempt %d failed: %s%s", r->id, r->channel, r->attempts, err,
                     dead ? " (dead letter)" : "");
            (*failed)++;
        }
        if ((rc = db_begin(c->db)) < 0)
            return ctx_store_fail(c, rc, "投递通知");
        struct stmt *st =
            db_prepare(c->db, "UPDATE outbox SET state = ?, sent_at = ?, next_attempt = ?, last_error = ? "
                              "WHERE id = ? AND state = 'sending' AND claimed_by = ?");
        if (!st) {
            db_rollback(c->db);
            return ctx_store_fail(c, STORE_E_OTHER, "投递通知");
        }
        stmt_bind_text(st, 1, ok ? "sent" : dead ? "dead" : "pending");
        stmt_bind_text(st, 2, ok ? at : NULL);
        stmt_bind_int(st, 3, next);
        stmt_bind_text(st, 4, err);
        stmt_bind_int(st, 5, r->id);
        stmt_bind_text(st, 6, notify_node);
        rc = stmt_step(st);
        stmt_done(st);
        if (rc < 0) {
            db_rollback(c->db);
            return ctx_store_fail(c, rc, "投递通知");
        }
        if ((rc = db_commit(c->db)) < 0)
            return ctx_store_fail(c, rc, "投递通知");
    }
    return ERR_OK;
}

/* ---- the inbox ---- */

enum err notify_inbox(struct ctx *c, bool unread_only, int64_t before, int limit, json_t **out)
{
    struct stmt *st = db_prepare(c->db, "SELECT id, kind, urgent, subject, body, object_type, object_id, created_at, "
                                        "read_at FROM outbox WHERE user_id = ? AND channel = 'inbox' AND "
                                        "(? = 0 OR read_at IS NULL) AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取消息");
    stmt_bind_int(st, 1, c->user->id);
    stmt_bind_int(st, 2, unread_only);
    stmt_bind_int(st, 3, before);
    stmt_bind_int(st, 4, before);
    stmt_bind_int(st, 5, limit);
    json_t *arr = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        json_array_append_new(arr,
                              json_pack("{sI ss sb ss ss ss sI ss so}", "id", (json_int_t)stmt_int(st, 0), "kind",
                                        stmt_text(st, 1), "urgent", stmt_int(st, 2) != 0, "subject", stmt_text(st, 3),
                                        "body", stmt_text(st, 4), "object_type", stmt_text(st, 5), "object_id",
                                        (json_int_t)stmt_int(st, 6), "created_at", stmt_text(st, 7), "read_at",
                                        stmt_is_null(st, 8) ? json_null() : json_string(stmt_text(st, 8))));
    stmt_done(st);
    int64_t unread = 0;
    if (rc >= 0) {
        st = db_prepare(c->db,
                        "SELECT COUNT(*) FROM outbox WHERE user_id = ? AND channel = 'inbox' AND read_at IS NULL");
        if (st)
            stmt_bind_int(st, 1, c->user->id);
        rc = stmt_one_int(st, &unread);
    }
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "读取消息");
    }
    *out = json_pack("{so sI}", "messages", arr, "unread", (json_int_t)unread);
    return ERR_OK;
}

static enum err read_tx(struct ctx *c, void *arg)
{
    int64_t id = *(int64_t *)arg;
    char at[21];
    time_format_iso(c->now, at);
    struct stmt *st = db_prepare(c->db, "UPDATE outbox SET read_at = COALESCE(read_at, ?) WHERE id = ? AND "
                                        "user_id = ? AND channel = 'inbox' RETURNING id");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "标记已读");
    stmt_bind_text(st, 1, at);
    stmt_bind_int(st, 2, id);
    stmt_bind_int(st, 3, c->user->id);
    int64_t got;
    int rc = stmt_one_int(st, &got);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "消息不存在");
    return rc < 0 ? ctx_store_fail(c, rc, "标记已读") : ERR_OK;
}

enum err notify_read(struct ctx *c, int64_t id)
{
    return ctx_tx(c, "标记已读", read_tx, &id);
}

static enum err read_all_tx(struct ctx *c, void *arg)
{
    int64_t *count = arg;
    struct stmt *st =
        db_prepare(c->db, "SELECT COUNT(*) FROM outbox WHERE user_id = ? AND channel = 'inbox' AND read_at IS NULL");
    if (st)
        stmt_bind_int(st, 1, c->user->id);
    int rc = stmt_one_int(st, count);
    if (rc < 0)
        return ctx_store_fail(c, rc, "全部标记已读");
    char at[21];
    time_format_iso(c->now, at);
    st = db_prepare(c->db, "UPDATE outbox SET read_at = ? WHERE user_id = ? AND channel = 'inbox' AND read_at IS NULL");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "全部标记已读");
    stmt_bind_text(st, 1, at);
    stmt_bind_int(st, 2, c->user->id);
    rc = stmt_step(st);
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "全部标记已读") : ERR_OK;
}

enum err notify_read_all(struct ctx *c, int64_t *count)
{
    return ctx_tx(c, "全部标记已读", read_all_tx, count);
}

/* ---- preferences ---- */

static const char *const channels[] = {"inbox", "email", "sms"};

enum err notify_prefs_get(struct ctx *c, json_t **out)
{
    json_t *prefs = json_object(), *kinds = json_array();
    for (int k = 0; k < MSG__COUNT; k++) {
        const char *ch = user_channels(c, c->user->id, (enum msg_kind)k);
        json_t *arr = json_array();
        for (int i = 0; i < 3; i++)
            if (has_channel(ch, channels[i]))
                json_array_append_new(arr, json_string(channels[i]));
        json_object_set_new(prefs, msg_kinds[k].name, arr);
        json_array_append_new(kinds, json_pack("{ss ss}", "name", msg_kinds[k].name, "label", msg_kinds[k].label));
    }
    *out = json_pack("{so so s[sss]}", "preferences", prefs, "kinds", kinds, "channels", "inbox", "email", "sms");
    return ERR_OK;
}

const struct jv_field notify_prefs_spec[] = {
    {"preferences", JV_OBJECT, JV_REQUIRED, 0, 0},
    {NULL, 0, 0, 0, 0},
};

struct prefs_args {
    const char *kinds[MSG__COUNT];
    const char *chans[MSG__COUNT];
    int n;
};

static enum err prefs_tx(struct ctx *c, void *arg)
{
    struct prefs_args *a = arg;
    json_t *sum = json_object();
    for (int i = 0; i < a->n; i++) {
        struct stmt *st = db_prepare(c->db, "INSERT INTO notify_prefs (user_id, kind, channels) VALUES (?, ?, ?) "
                                            "ON CONFLICT (user_id, kind) DO UPDATE SET channels = excluded.channels");
        if (!st) {
            json_decref(sum);
            return ctx_store_fail(c, STORE_E_OTHER, "保存通知偏好");
        }
        stmt_bind_int(st, 1, c->user->id);
        stmt_bind_text(st, 2, a->kinds[i]);
        stmt_bind_text(st, 3, a->chans[i]);
        int rc = stmt_step(st);
        stmt_done(st);
        if (rc < 0) {
            json_decref(sum);
            return ctx_store_fail(c, rc, "保存通知偏好");
        }
        json_object_set_new(sum, a->kinds[i], json_string(a->chans[i]));
    }
    enum err e = audit_record(c, "preferences.update", "user", c->user->id, sum);
    json_decref(sum);
    return e;
}

enum err notify_prefs_put(struct ctx *c, const json_t *body, json_t **out)
{
    const json_t *p = json_object_get(body, "preferences");
    struct prefs_args a = {0};
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)p, k, v)
    {
        enum msg_kind mk;
        if (!msg_kind_parse(k, &mk))
            return ctx_fail(c, ERR_INVALID,
                            "未知的消息类型“%s”（可选：reminder、press、notice、report、system、assignment）", k);
        if (!json_is_array(v))
            return ctx_fail(c, ERR_INVALID, "“%s”的渠道必须是数组，如 [\"inbox\",\"email\"]", k);
        bool on[3] = {true, false, false}; /* the in-app inbox is always on */
        for (size_t i = 0; i < json_array_size(v); i++) {
            const char *ch = json_string_value(json_array_get(v, i));
            int idx = -1;
            for (int j = 0; ch && j < 3; j++)
                if (!strcmp(ch, channels[j]))
                    idx = j;
            if (idx < 0)
                return ctx_fail(c, ERR_INVALID, "“%s”：未知渠道（可选：inbox、email、sms）", k);
            on[idx] = true;
        }
        char *list = arena_printf(c->arena, "inbox%s%s", on[1] ? ",email" : "", on[2] ? ",sms" : "");
        a.kinds[a.n] = msg_kinds[mk].name;
        a.chans[a.n] = list;
        a.n++;
    }
    if (!a.n)
        return ctx_fail(c, ERR_INVALID, "preferences 不能为空");
    enum err e = ctx_tx(c, "保存通知偏好", prefs_tx, &a);
    return e ? e : notify_prefs_get(c, out);
}

/* ---- administration ---- */

/* The subtrees where the user administers (role admin). */
static int admin_scope(struct ctx *c, const char **paths, int max)
{
    int n = 0;
    for (int i = 0; c->user && i < c->user->ngrants && n < max; i++)
        if (c->user->grants[i].role == ROLE_ADMIN)
            paths[n++] = c->user->grants[i].unit_path;
    return n;
}

enum err notify_outbox_list(struct ctx *c, const char *state, int limit, json_t **out)
{
    if (!state)
        state = "dead";
    if (strcmp(state, "pending") && strcmp(state, "sending") && strcmp(state, "sent") && strcmp(state, "dead"))
        return ctx_fail(c, ERR_BAD_REQUEST, "查询参数“state”必须是 pending、sending、sent 或 dead");
    const char *paths[16];
    int np = admin_scope(c, paths, 16);
    json_t *arr = json_array();
    for (int i = 0; i < np; i++) {
        struct stmt *st = db_prepare(
            c->db,
            "SELECT o.id, o.user_id, u.username, o.channel, o.kind, o.subject, o.address, o.state, o.attempts, "
            "o.last_error, o.created_at, o.sent_at, o.next_attempt FROM outbox o JOIN users u ON u.id = o.user_id "
            "JOIN units un ON un.id = u.unit_id WHERE o.state = ? AND o.channel <> 'inbox' AND un.path >= ? AND "
            "un.path < ? ORDER BY o.id DESC LIMIT ?");
        if (!st) {
            json_decref(arr);
            return ctx_store_fail(c, STORE_E_OTHER, "读取通知队列");
        }
        stmt_bind_text(st, 1, state);
        stmt_bind_text(st, 2, paths[i]);
        stmt_bind_text(st, 3, perm_path_upper(c->arena, paths[i]));
        stmt_bind_int(st, 4, limit);
        int rc;
        while ((rc = stmt_step(st)) == STORE_ROW) {
            char next[21];
            time_format_iso(stmt_int(st, 12), next);
            json_array_append_new(
                arr,
                json_pack("{sI sI ss ss ss ss ss ss sI ss ss so ss}", "id", (json_int_t)stmt_int(st, 0), "user_id",
                          (json_int_t)stmt_int(st, 1), "username", stmt_text(st, 2), "channel", stmt_text(st, 3),
                          "kind", stmt_text(st, 4), "subject", stmt_text(st, 5), "address", stmt_text(st, 6), "state",
                          stmt_text(st, 7), "attempts", (json_int_t)stmt_int(st, 8), "last_error", stmt_text(st, 9),
                          "created_at", stmt_text(st, 10), "sent_at",
                          stmt_is_null(st, 11) ? json_null() : json_string(stmt_text(st, 11)), "next_attempt", next));
        }
        stmt_done(st);
        if (rc < 0) {
            json_decref(arr);
            return ctx_store_fail(c, rc, "读取通知队列");
        }
    }
    *out = json_pack("{so}", "messages", arr);
    return ERR_OK;
}

struct retry_args {
    int64_t id;
};

static enum err retry_tx(struct ctx *c, void *arg)
{
    struct retry_args *a = arg;
    struct stmt *st = db_prepare(c->db, "SELECT o.state, un.path, o.channel, o.attempts FROM outbox o JOIN users u ON "
                                        "u.id = o.user_id JOIN units un ON un.id = u.unit_id WHERE o.id = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "重新投递");
    stmt_bind_int(st, 1, a->id);
    int rc = stmt_step(st);
    const char *state = NULL, *path = NULL, *channel = NULL;
    int64_t attempts = 0;
    if (rc == STORE_ROW) {
        state = arena_strdup(c->arena, stmt_text(st, 0));
        path = arena_strdup(c->arena, stmt_text(st, 1));
        channel = arena_strdup(c->arena, stmt_text(st, 2));
        attempts = stmt_int(st, 3);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "重新投递");
    if (rc == STORE_DONE || !strcmp(channel, "inbox"))
        return ctx_fail(c, ERR_NOT_FOUND, "通知不存在或无权查看");
    const struct grant *g = NULL;
    for (int i = 0; c->user && i < c->user->ngrants && !g; i++)
        if (c->user->grants[i].role == ROLE_ADMIN &&
            !strncmp(path, c->user->grants[i].unit_path, strlen(c->user->grants[i].unit_path)))
            g = &c->user->grants[i];
    if (c->user && !g)
        return ctx_fail(c, ERR_NOT_FOUND, "通知不存在或无权查看");
    c->acting = g;
    if (strcmp(state, "dead") != 0)
        return ctx_fail(c, ERR_CONFLICT, "只有投递失败（dead）的通知可以重新投递，该通知状态为 %s", state);
    st = db_prepare(c->db, "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt = ? WHERE id = ? AND "
                           "state = 'dead'");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "重新投递");
    stmt_bind_int(st, 1, c->now);
    stmt_bind_int(st, 2, a->id);
    rc = stmt_step(st);
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "重新投递");
    json_t *sum = json_pack("{ss sI}", "channel", channel, "attempts_before", (json_int_t)attempts);
    enum err e = audit_record(c, "outbox.retry", "outbox", a->id, sum);
    json_decref(sum);
    return e;
}

enum err notify_outbox_retry(struct ctx *c, int64_t id, json_t **out)
{
    struct retry_args a = {id};
    enum err e = ctx_tx(c, "重新投递", retry_tx, &a);
    if (e)
        return e;
    *out = json_pack("{sI ss}", "id", (json_int_t)id, "state", "pending");
    return ERR_OK;
}

const struct jv_field notify_test_spec[] = {
    {"username", JV_STRING, JV_REQUIRED, 1, 64},
    {"subject", JV_STRING, 0, 1, 100},
    {"body", JV_STRING, 0, 0, 1000},
    {"urgent", JV_BOOL, 0, 0, 0},
    {NULL, 0, 0, 0, 0},
};

struct test_args {
    const json_t *body;
    json_t *ids;
};

static enum err test_tx(struct ctx *c, void *arg)
{
    struct test_args *a = arg;
    const char *username = jv_str(a->body, "username");
    struct stmt *st = db_prepare(c->db, "SELECT u.id, un.path FROM users u JOIN units un ON un.id = u.unit_id "
                                        "WHERE u.username = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "发送测试通知");
    stmt_bind_text(st, 1, username);
    int rc = stmt_step(st);
    int64_t uid = 0;
    const char *path = NULL;
    if (rc == STORE_ROW) {
        uid = stmt_int(st, 0);
        path = arena_strdup(c->arena, stmt_text(st, 1));
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "发送测试通知");
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "用户 %s 不存在或无权查看", username);
    enum err e = perm_require(c, CAP_SYSTEM_ADMIN, path, "用户");
    if (e)
        return e;
    struct notice n = {MSG_SYSTEM,
                       jv_bool(a->body, "urgent", false),
                       jv_str(a->body, "subject") ? jv_str(a->body, "subject") : "ducha 测试通知",
                       jv_str(a->body, "body") ? jv_str(a->body, "body") : "这是一条测试通知，用于检查邮件和短信设置。",
                       "user",
                       uid};
    if ((e = notify_user_ex(c, uid, &n, a->ids)))
        return e;
    json_t *sum = json_pack("{ss sO}", "username", username, "queued", a->ids);
    e = audit_record(c, "notify.test", "user", uid, sum);
    json_decref(sum);
    return e;
}

enum err notify_test(struct ctx *c, const json_t *body, json_t **out)
{
    struct test_args a = {body, json_array()};
    enum err e = ctx_tx(c, "发送测试通知", test_tx, &a);
    if (e) {
        json_decref(a.ids);
        return e;
    }
    *out = json_pack("{so}", "queued", a.ids);
    return ERR_OK;
}
