/* clue_limits.c: the public forms' submission limits held across every node (clues.h clues_public_count). */
#include "clues/clues_internal.h"
#include "core/pow.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

#define SPAN 60 /* a window is a minute (of the test clock when it is on, so that tests choose where they are) */

static unsigned char mac_key[crypto_auth_hmacsha256_KEYBYTES];
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static const struct config *key_cfg;

/* The key of the address MACs: the same on every node (secret_key), as the challenges need, or random for
 * this process when there is none (then each node counts alone). */
static void key_init(void)
{
    pow_derive_key(key_cfg, "ducha.public-limit.v1", mac_key);
}

/* Counts one hit in (span, key, the window of now) and returns the window's count so far in *n. */
static enum err count_hit(struct ctx *c, int64_t span, const char *key, int64_t *n)
{
    return db_one_int(c->db, n,
                      "INSERT INTO public_hits (span, key, win, n) VALUES (?, ?, ?, 1) "
                      "ON CONFLICT (span, key, win) DO UPDATE SET n = public_hits.n + 1 RETURNING n",
                      DB_INT(span), DB_TEXT(key), DB_INT(c->now / span));
}

struct hit {
    const char *key;
    int retry_s;
    bool global;
};

static enum err count_tx(struct ctx *c, void *arg)
{
    struct hit *h = arg;
    const struct config *cfg = c->cfg;
    int64_t n;
    enum err e;
    if (cfg->public_submit_per_min > 0) {
        if ((e = count_hit(c, SPAN, h->key, &n)))
            return ctx_db_fail(c, e, "记录提交次数");
        if (n > cfg->public_submit_per_min) {
            h->retry_s = (int)(SPAN - c->now % SPAN);
            return ERR_OK;
        }
    }
    if (cfg->public_submit_all_per_min > 0) {
        if ((e = count_hit(c, SPAN, "*", &n)))
            return ctx_db_fail(c, e, "记录提交次数");
        if (n > cfg->public_submit_all_per_min) {
            h->retry_s = (int)(SPAN - c->now % SPAN);
            h->global = true;
        }
    }
    return ERR_OK;
}

/* Nothing to count: both limits 0, or no client address (the demo's reports). */
static bool not_counted(const struct config *cfg, const char *client)
{
    return !client || (cfg->public_submit_per_min <= 0 && cfg->public_submit_all_per_min <= 0);
}

/* The address's key in public_hits: its HMAC under the key every node shares, in hex. */
static void client_mac(struct ctx *c, const char *client, char hex[2 * crypto_auth_hmacsha256_BYTES + 1])
{
    if (!key_cfg)
        key_cfg = c->cfg;
    pthread_once(&key_once, key_init);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, (const unsigned char *)client, strlen(client), mac_key);
    sodium_bin2hex(hex, 2 * sizeof mac + 1, mac, sizeof mac);
}

enum err clue_public_count_in(struct ctx *c, const char *client, int *retry_s, bool *global)
{
    *retry_s = 0;
    *global = false;
    if (not_counted(c->cfg, client))
        return ERR_OK;
    char hex[2 * crypto_auth_hmacsha256_BYTES + 1];
    client_mac(c, client, hex);
    struct hit h = {hex, 0, false};
    enum err e = count_tx(c, &h);
    *retry_s = h.retry_s;
    *global = h.global;
    return e;
}

struct count_args {
    const char *client;
    int retry_s;
    bool global;
};

static enum err count_alone(struct ctx *c, void *arg)
{
    struct count_args *a = arg;
    return clue_public_count_in(c, a->client, &a->retry_s, &a->global);
}

enum err clues_public_count(struct ctx *c, const char *client, int *retry_s, bool *global)
{
    struct count_args a = {client, 0, false};
    enum err e = not_counted(c->cfg, client) ? ERR_OK : ctx_tx(c, "记录提交次数", count_alone, &a);
    *retry_s = a.retry_s;
    *global = a.global;
    return e;
}

enum err clues_public_hits_purge(struct ctx *c)
{
    enum err e = db_exec(c->db, "DELETE FROM public_hits WHERE win < CAST(? AS BIGINT) / span - 1", DB_INT(c->now));
    return ctx_db_fail(c, e, "清理提交计数");
}
