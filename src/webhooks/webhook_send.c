/* webhook_send.c: one HTTP POST of a signed delivery (libcurl), for the webhook channel. */
#include "webhooks/webhook_send.h"

#include "webhooks/webhooks.h"
#include "webhooks/webhooks_internal.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Keeps the first bytes of the receiver's answer for the error message; discards the rest. */
struct answer {
    char text[200];
    size_t n;
};

static size_t keep_answer(char *data, size_t size, size_t nmemb, void *arg)
{
    struct answer *a = arg;
    size_t n = size * nmemb;
    size_t room = sizeof a->text - 1 - a->n;
    size_t take = n < room ? n : room;
    memcpy(a->text + a->n, data, take);
    a->n += take;
    a->text[a->n] = 0;
    return n;
}

bool wh_send(const struct config *cfg, const struct wh_message *m, long *status, char *err, size_t errlen)
{
    *status = 0;
    const char *why = wh_url_problem(cfg, m->url);
    if (why) {
        snprintf(err, errlen, "%s", why);
        return false;
    }
    char sig[65];
    if (!webhooks_sign(m->secret, m->timestamp, m->body, strlen(m->body), sig)) {
        snprintf(err, errlen, "无法计算 HMAC-SM3 签名");
        return false;
    }
    pthread_once(&curl_once, curl_init);
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(err, errlen, "curl init failed");
        return false;
    }
    char line[5][200];
    snprintf(line[0], sizeof line[0], "X-Ducha-Event: %s", m->event);
    snprintf(line[1], sizeof line[1], "X-Ducha-Event-Id: %s", m->event_id);
    snprintf(line[2], sizeof line[2], "X-Ducha-Delivery: %" PRId64, m->delivery_id);
    snprintf(line[3], sizeof line[3], "X-Ducha-Timestamp: %" PRId64, m->timestamp);
    snprintf(line[4], sizeof line[4], "X-Ducha-Signature: hmac-sm3=%s", sig);
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
    hdr = curl_slist_append(hdr, "User-Agent: ducha-webhook/1");
    hdr = curl_slist_append(hdr, "Expect:");
    for (int i = 0; i < 5; i++)
        hdr = curl_slist_append(hdr, line[i]);
    struct answer ans = {"", 0};
    char ebuf[CURL_ERROR_SIZE] = "";
    long timeout = cfg->webhook_timeout_s > 0 ? (long)cfg->webhook_timeout_s : 10;
    curl_easy_setopt(h, CURLOPT_URL, m->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, cfg->webhook_allow_http ? "http,https" : "https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, m->body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(m->body));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep_answer);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &ans);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout < 5 ? timeout : 5L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    bool ok = rc == CURLE_OK && *status >= 200 && *status < 300;
    if (rc == CURLE_OPERATION_TIMEDOUT)
        snprintf(err, errlen, "接收方 %ld 秒内没有应答", timeout);
    else if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST)
        snprintf(err, errlen, "无法连接接收方：%s", *ebuf ? ebuf : curl_easy_strerror(rc));
    else if (rc != CURLE_OK)
        snprintf(err, errlen, "推送失败：%s", *ebuf ? ebuf : curl_easy_strerror(rc));
    else if (*status >= 300 && *status < 400)
        snprintf(err, errlen, "接收方回答 HTTP %ld（推送不跟随重定向，请登记最终地址）", *status);
    else if (!ok)
        snprintf(err, errlen, "接收方回答 HTTP %ld：%.150s", *status, ans.text);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    return ok;
}
