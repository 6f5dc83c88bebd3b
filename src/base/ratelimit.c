/* ratelimit.c: keyed and global token buckets (ratelimit.h). */
#include "base/ratelimit.h"

#include "base/arena.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define GROUP 8 /* slots per group, searched linearly; a group has one lock */

struct slot {
    uint64_t key; /* 0: free */
    double tokens;
    int64_t last_ms;
};

struct group {
    pthread_mutex_t mu;
    struct slot s[GROUP];
};

struct bucket {
    double rate, burst, tokens;
    int64_t last_ms;
};

struct ratelimit {
    struct group *groups;
    int ngroups;
    struct bucket key, global; /* key: the parameters only */
    pthread_mutex_t global_mu;
};

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h ? h : 1;
}

struct ratelimit *ratelimit_new(int slots, double key_rate, double key_burst, double global_rate, double global_burst)
{
    struct ratelimit *r = xcalloc(1, sizeof *r);
    r->ngroups = slots > GROUP ? (slots + GROUP - 1) / GROUP : 1;
    r->groups = xcalloc((size_t)r->ngroups, sizeof *r->groups);
    for (int i = 0; i < r->ngroups; i++)
        pthread_mutex_init(&r->groups[i].mu, NULL);
    pthread_mutex_init(&r->global_mu, NULL);
    r->key = (struct bucket){key_rate, key_burst < 1 ? 1 : key_burst, 0, 0};
    r->global =
        (struct bucket){global_rate, global_burst < 1 ? 1 : global_burst, global_burst < 1 ? 1 : global_burst, -1};
    return r;
}

void ratelimit_free(struct ratelimit *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->ngroups; i++)
        pthread_mutex_destroy(&r->groups[i].mu);
    pthread_mutex_destroy(&r->global_mu);
    free(r->groups);
    free(r);
}

/* Refills tokens for the time since *last_ms. */
static void refill(double *tokens, int64_t *last_ms, double rate, double burst, int64_t now_ms)
{
    if (*last_ms >= 0 && now_ms > *last_ms)
        *tokens = fmin(burst, *tokens + (double)(now_ms - *last_ms) * rate / 1000.0);
    if (now_ms > *last_ms)
        *last_ms = now_ms;
}

/* Seconds until one token is there again (at least 1). */
static int wait_s(double tokens, double rate)
{
    double s = rate > 0 ? (1.0 - tokens) / rate : 1;
    return s < 1 ? 1 : (int)ceil(s);
}

int ratelimit_take(struct ratelimit *r, const char *key, int64_t now_ms, bool *global)
{
    *global = false;
    struct slot *sl = NULL;
    struct group *g = NULL;
    if (r->key.rate > 0) {
        uint64_t h = hash_key(key ? key : "");
        g = &r->groups[h % (uint64_t)r->ngroups];
        pthread_mutex_lock(&g->mu);
        struct slot *victim = NULL; /* a free slot, else the least recently used */
        for (int i = 0; i < GROUP; i++) {
            if (g->s[i].key == h) {
                sl = &g->s[i];
                break;
            }
            if (!victim || (victim->key != 0 && (g->s[i].key == 0 || g->s[i].last_ms < victim->last_ms)))
                victim = &g->s[i];
        }
        if (!sl) {
            sl = victim;
            *sl = (struct slot){h, r->key.burst, now_ms};
        }
        refill(&sl->tokens, &sl->last_ms, r->key.rate, r->key.burst, now_ms);
        if (sl->tokens < 1) {
            int w = wait_s(sl->tokens, r->key.rate);
            pthread_mutex_unlock(&g->mu);
            return w;
        }
    }
    int refused = 0;
    if (r->global.rate > 0) {
        pthread_mutex_lock(&r->global_mu);
        refill(&r->global.tokens, &r->global.last_ms, r->global.rate, r->global.burst, now_ms);
        if (r->global.tokens < 1) {
            refused = wait_s(r->global.tokens, r->global.rate);
            *global = true;
        } else {
            r->global.tokens -= 1;
        }
        pthread_mutex_unlock(&r->global_mu);
    }
    if (sl) {
        if (!refused)
            sl->tokens -= 1;
        pthread_mutex_unlock(&g->mu);
    }
    return refused;
}
