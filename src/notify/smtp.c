/*
 * smtp.c: the e-mail channel: one message per outbox row over SMTP (libcurl), UTF-8 subject and a
 * base64 body, with STARTTLS when configured (smtp_url, smtp_from, smtp_user/smtp_password,
 * smtp_starttls). The message carries the outbox id (Message-ID, X-Ducha-Outbox).
 */
#include "notify/notify_internal.h"

#include "base/timeu.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

static char *b64(struct arena *a, const char *s)
{
    size_t len = strlen(s);
    size_t out = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    char *buf = arena_alloc(a, out);
    sodium_bin2base64(buf, out, (const unsigned char *)s, len, sodium_base64_VARIANT_ORIGINAL);
    return buf;
}

static bool smtp_send(struct ctx *c, const struct notify_message *m, char *err, size_t errlen)
{
    int64_t id = m->id;
    const char *to = m->address, *subject = m->subject, *body = m->body;
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
    notify_curl_init();
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

static const char *smtp_address(struct ctx *c, const struct notify_recipient *r)
{
    (void)c;
    return r->email ? r->email : "";
}

static bool smtp_configured(const struct config *cfg)
{
    return cfg->smtp_url && *cfg->smtp_url;
}

const struct notify_channel notify_smtp_channel = {
    .name = "email",
    .label = "电子邮件",
    .deferred = true,
    .address = smtp_address,
    .configured = smtp_configured,
    .send = smtp_send,
};
