/*
 * api_public.c: the only routes that answer without an account (capability public) besides health and
 * sign-in: the clue form (互联网+督查) and its tracking page, and the challenge every public submission
 * carries. A later public page (e.g. a survey) declares its routes with the same flags.
 *
 * Every such route is admitted by api_public_wait before its body is read and before a database
 * connection is taken (server.c asks router_admit as soon as the request header is in): a token bucket
 * per client address (an IPv6 client by its /64) and one shared by all addresses, one pair for
 * submissions and one for reads (cfg public_submit_* / public_read_*). A refusal is 429 with
 * Retry-After, so a flood from one address costs the service nothing but the refusal, and a crowd of
 * addresses is held to the global rate.
 */
#include "api/routes.h"
#include "base/form.h"
#include "base/ratelimit.h"
#include "clues/clues.h"
#include "clues/surveys.h"
#include "core/pow.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static struct ratelimit *submit_rl, *read_rl;
static pthread_once_t rl_once = PTHREAD_ONCE_INIT;
static const struct config *rl_cfg;

static void rl_init(void)
{
    const struct config *c = rl_cfg;
    submit_rl = ratelimit_new(65536, (double)c->public_submit_per_min / 60.0, (double)c->public_submit_burst,
                              (double)c->public_submit_global_per_s, (double)c->public_submit_global_per_s);
    read_rl = ratelimit_new(65536, (double)c->public_read_per_min / 60.0, (double)c->public_read_burst,
                            (double)c->public_read_global_per_s, (double)c->public_read_global_per_s);
}

/* The key of a client address into key (n bytes): IPv4 as it is, IPv6 by its first four groups (one
 * subscriber's /64). */
static const char *client_key(const char *a, char *key, size_t n)
{
    snprintf(key, n, "%s", a ? a : "");
    int colons = 0;
    for (char *p = key; *p; p++)
        if (*p == ':' && ++colons == 4) {
            *p = 0;
            break;
        }
    return key;
}

int api_public_wait(const struct config *cfg, const char *client, unsigned flags, bool *global)
{
    *global = false;
    if (!(flags & (ROUTE_PUBLIC_SUBMIT | ROUTE_PUBLIC_READ)))
        return 0;
    if (!rl_cfg)
        rl_cfg = cfg;
    pthread_once(&rl_once, rl_init);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    char key[64];
    return ratelimit_take(flags & ROUTE_PUBLIC_SUBMIT ? submit_rl : read_rl, client_key(client, key, sizeof key),
                          now_ms, global);
}

int api_public_refusal(struct req *rq, int wait, bool global)
{
    reply_error(rq, ERR_TOO_MANY,
                global ? "访问的人太多，请稍后再试" : arena_printf(rq->arena, "提交过于频繁，请 %d 秒后再试", wait));
    reply_header(rq, "Retry-After", arena_printf(rq->arena, "%d", wait));
    return 0;
}

/* The limits every node holds together (clues_public_count), for a submission admitted by this node's
 * buckets: false when the reply (429, or the database's error) is set. key: the client's, taken before
 * forget_client. */
static bool admit_cluster(struct req *rq, const char *key)
{
    int wait;
    bool global;
    enum err e = clues_public_count(&rq->ctx, key, &wait, &global);
    if (e) {
        reply_result(rq, e, 0, NULL);
        return false;
    }
    if (!wait)
        return true;
    api_public_refusal(rq, wait, global);
    return false;
}

/* A reporter's address may name them (条例 Art. 26): once the limits have seen it, a submission or a
 * tracking request forgets it, so that neither the audit record nor the request log line keeps it. */
static void forget_client(struct req *rq)
{
    rq->ctx.client = "-";
}

/* GET /api/v1/public/clue-form: the categories, the areas and the limits of the public form. */
static int h_clue_form(struct req *rq)
{
    json_t *out = NULL;
    enum err e = clues_public_form(&rq->ctx, &out);
    if (!e)
        json_object_set_new(out, "pow_bits", json_integer(rq->app->cfg.public_pow_bits));
    return reply_result(rq, e, 200, out);
}

static const struct jv_field challenge_spec[] = {
    {"form", JV_STRING, JV_REQUIRED, 1, 20},
    {NULL, 0, 0, 0, 0},
};

/* POST /api/v1/public/challenges {"form":"clue"|"survey"}: a new challenge for that form. */
static int h_challenge(struct req *rq)
{
    if (!req_check(rq, challenge_spec))
        return 0;
    const char *form = jv_str(rq->json, "form");
    if (strcmp(form, "clue") != 0 && strcmp(form, "survey") != 0)
        return reply_error(rq, ERR_INVALID, "form 应为 clue（群众反映问题的表单）或 survey（问卷）");
    return reply_json(rq, 201, pow_issue(&rq->ctx, form));
}

/* POST /api/v1/public/clues (multipart/form-data): a clue from the public; 201 with the tracking code. */
static int h_clue_submit(struct req *rq)
{
    /* counted for all nodes like every submission, but a valid one in the transaction that stores it (one
     * commit: clues_submit_public); a form that cannot be read is counted alone */
    char key[64];
    client_key(rq->ctx.client, key, sizeof key);
    forget_client(rq);
    struct form f;
    char msg[256];
    enum err e = form_parse(rq->arena, rq->content_type, rq->body, rq->body_len, 32, &f, msg, sizeof msg);
    if (e)
        return admit_cluster(rq, key) ? reply_error(rq, e, msg) : 0;
    json_t *out = NULL;
    int wait;
    bool global;
    e = clues_submit_public(&rq->ctx, key, &f, &out, &wait, &global);
    if (wait)
        return api_public_refusal(rq, wait, global);
    rq->reply_secret = true; /* the reporter's tracking code */
    return reply_result(rq, e, 201, out);
}

/* GET /api/v1/public/clues/{code}: the tracking page. */
static int h_clue_track(struct req *rq)
{
    forget_client(rq);
    json_t *out = NULL;
    enum err e = clues_track(&rq->ctx, req_param(rq, "code"), &out);
    return reply_result(rq, e, 200, out);
}

/* GET /api/v1/public/surveys/{key}: the questionnaire behind a public link. */
static int h_survey_get(struct req *rq)
{
    forget_client(rq);
    json_t *out = NULL;
    enum err e = surveys_public_get(&rq->ctx, req_param(rq, "key"), &out);
    if (!e)
        json_object_set_new(out, "pow_bits", json_integer(rq->app->cfg.public_pow_bits));
    return reply_result(rq, e, 200, out);
}

/* POST /api/v1/public/surveys/{key}/responses: one answer sheet. */
static int h_survey_answer(struct req *rq)
{
    char key[64];
    if (!admit_cluster(rq, client_key(rq->ctx.client, key, sizeof key)))
        return 0;
    forget_client(rq);
    if (!req_check(rq, surveys_answer_spec))
        return 0;
    json_t *out = NULL;
    enum err e = surveys_answer(&rq->ctx, req_param(rq, "key"), rq->json, &out);
    return reply_result(rq, e, 201, out);
}

const struct route public_routes[] = {
    {"GET", "/api/v1/public/clue-form", h_clue_form, CAP_PUBLIC, ROUTE_PUBLIC_READ,
     "the public clue form's categories, areas and limits", "*:A; anon=A"},
    {"POST", "/api/v1/public/challenges", h_challenge, CAP_PUBLIC, ROUTE_JSON | ROUTE_PUBLIC_READ,
     "a challenge (proof of work) for a public submission", "*:A; anon=A; body={\"form\":\"clue\"}"},
    {"POST", "/api/v1/public/clues", h_clue_submit, CAP_PUBLIC, ROUTE_FORM | ROUTE_PUBLIC_SUBMIT,
     "submit a clue from the public (multipart: fields and photos)", "*:R; anon=R; body={}"},
    {"GET", "/api/v1/public/clues/{code}", h_clue_track, CAP_PUBLIC, ROUTE_PUBLIC_READ,
     "follow a clue by its tracking code", "*:A; anon=A"},
    {"GET", "/api/v1/public/surveys/{key}", h_survey_get, CAP_PUBLIC, ROUTE_PUBLIC_READ,
     "a published questionnaire (no account)", "*:A; anon=A"},
    {"POST", "/api/v1/public/surveys/{key}/responses", h_survey_answer, CAP_PUBLIC, ROUTE_JSON | ROUTE_PUBLIC_SUBMIT,
     "answer a questionnaire (one answer per invitation token or device)", "*:R; anon=R; body={}"},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};
