/*
 * sms.c: the SMS channel: an HTTP gateway receives POST JSON {to, text} with Authorization: Bearer
 * sms_token at sms_url; any 2xx answer is success. The text comes from sms_template ({subject} and
 * {body} replaced).
 */
#include "notify/notify_internal.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t discard(char *buf, size_t size, size_t nmemb, void *arg)
{
    (void)buf;
    (void)arg;
    return size * nmemb;
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

static bool sms_send(struct ctx *c, const struct notify_message *m, char *err, size_t errlen)
{
    const char *to = m->address, *text = sms_text(c, m->subject, m->body);
    const struct config *cfg = c->cfg;
    if (!cfg->sms_url || !*cfg->sms_url) {
        snprintf(err, errlen, "未配置 sms_url");
        return false;
    }
    json_t *j = json_pack("{ss ss}", "to", to, "text", text);
    char *body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    notify_curl_init();
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

static const char *sms_address(struct ctx *c, const struct notify_recipient *r)
{
    (void)c;
    return r->phone ? r->phone : "";
}

static bool sms_configured(const struct config *cfg)
{
    return cfg->sms_url && *cfg->sms_url;
}

const struct notify_channel notify_sms_channel = {
    .name = "sms",
    .label = "短信",
    .deferred = true,
    .address = sms_address,
    .configured = sms_configured,
    .send = sms_send,
};
