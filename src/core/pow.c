/* pow.c: issuing, checking and spending the public pages' challenges (pow.h). */
#include "core/pow.h"

#include "base/timeu.h"

#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static unsigned char mac_key[crypto_auth_hmacsha256_KEYBYTES];
_Static_assert(crypto_auth_hmacsha256_KEYBYTES == 32, "pow_derive_key writes 32 bytes");
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static const struct config *key_cfg;

void pow_derive_key(const struct config *cfg, const char *label, unsigned char out[32])
{
    if (sodium_init() < 0)
        abort();
    const char *secret = cfg ? cfg->secret_key : NULL;
    if (secret && *secret) {
        crypto_hash_sha256_state st;
        crypto_hash_sha256_init(&st);
        crypto_hash_sha256_update(&st, (const unsigned char *)label, strlen(label));
        crypto_hash_sha256_update(&st, (const unsigned char *)secret, strlen(secret));
        crypto_hash_sha256_final(&st, out);
    } else {
        randombytes_buf(out, 32);
    }
}

/* The MAC key of the challenges. */
static void key_init(void)
{
    pow_derive_key(key_cfg, "ducha.public-challenge.v1", mac_key);
}

static void key_ready(struct ctx *c)
{
    if (!key_cfg)
        key_cfg = c->cfg;
    pthread_once(&key_once, key_init);
}

/* The MAC of the signed part as URL-safe base64 into out (>= 44 bytes). */
static void mac_of(const char *signed_part, char *out, size_t outlen)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, (const unsigned char *)signed_part, strlen(signed_part), mac_key);
    sodium_bin2base64(out, outlen, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static bool purpose_ok(const char *p)
{
    size_t n = p ? strlen(p) : 0;
    if (!n || n > 40)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9') ||
              p[i] == '-' || p[i] == '_'))
            return false;
    return true;
}

json_t *pow_issue(struct ctx *c, const char *purpose)
{
    key_ready(c);
    int bits = (int)(c->cfg->public_pow_bits > 28 ? 28 : c->cfg->public_pow_bits);
    unsigned char raw[16];
    randombytes_buf(raw, sizeof raw);
    char nonce[32], mac[48];
    sodium_bin2base64(nonce, sizeof nonce, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    int64_t expires = c->now + POW_TTL_S;
    const char *signed_part =
        arena_printf(c->arena, "v1.%s.%" PRId64 ".%d.%s", purpose_ok(purpose) ? purpose : "x", expires, bits, nonce);
    mac_of(signed_part, mac, sizeof mac);
    char at[21];
    time_format_iso(expires, at);
    return json_pack("{ss si ss ss}", "token", arena_printf(c->arena, "%s.%s", signed_part, mac), "bits", bits,
                     "expires_at", at, "algorithm", "sha256");
}

int pow_zero_bits(const char *token, const char *solution)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)token, strlen(token));
    crypto_hash_sha256_update(&st, (const unsigned char *)":", 1);
    crypto_hash_sha256_update(&st, (const unsigned char *)solution, strlen(solution));
    crypto_hash_sha256_final(&st, h);
    int bits = 0;
    for (size_t i = 0; i < sizeof h; i++) {
        if (h[i] == 0) {
            bits += 8;
            continue;
        }
        for (int k = 7; k >= 0 && !(h[i] >> k & 1); k--)
            bits++;
        break;
    }
    return bits;
}

/* The token's fields; false when it does not have the shape of one. */
struct pow_token {
    char purpose[48];
    int64_t expires;
    int bits;
    char nonce[32];
    size_t signed_len; /* the token up to the dot before the MAC */
};

static bool token_parse(const char *t, struct pow_token *out)
{
    size_t n = strlen(t);
    if (n < 10 || n > POW_TOKEN_MAX || strncmp(t, "v1.", 3))
        return false;
    const char *dot = strrchr(t, '.');
    out->signed_len = (size_t)(dot - t);
    const char *p = t + 3, *q = strchr(p, '.');
    if (!q || (size_t)(q - p) >= sizeof out->purpose)
        return false;
    memcpy(out->purpose, p, (size_t)(q - p));
    out->purpose[q - p] = 0;
    long long exp;
    int bits, used = 0;
    if (sscanf(q, ".%lld.%d.%n", &exp, &bits, &used) != 2 || !used)
        return false;
    const char *nonce = q + used;
    if (dot <= nonce || (size_t)(dot - nonce) >= sizeof out->nonce)
        return false;
    memcpy(out->nonce, nonce, (size_t)(dot - nonce));
    out->nonce[dot - nonce] = 0;
    out->expires = exp;
    out->bits = bits;
    return bits >= 0 && bits <= 28 && purpose_ok(out->purpose);
}

enum err pow_check(struct ctx *c, const char *purpose, const char *token, const char *solution)
{
    key_ready(c);
    if (!token || !*token)
        return ctx_fail_field(c, "challenge", "缺少人机验证（challenge），请刷新页面后重新提交");
    struct pow_token t;
    if (!token_parse(token, &t))
        return ctx_fail_field(c, "challenge", "人机验证（challenge）格式错误，请刷新页面后重新提交");
    char *signed_part = arena_strndup(c->arena, token, t.signed_len);
    char mac[48];
    mac_of(signed_part, mac, sizeof mac);
    const char *given = token + t.signed_len + 1;
    if (strlen(given) != strlen(mac) || sodium_memcmp(given, mac, strlen(mac)) != 0)
        return ctx_fail_field(c, "challenge", "人机验证（challenge）无效，请刷新页面后重新提交");
    if (strcmp(t.purpose, purpose))
        return ctx_fail_field(c, "challenge", "人机验证（challenge）不是为此表单签发的，请刷新页面后重新提交");
    if (c->now > t.expires)
        return ctx_fail_field(c, "challenge", "人机验证（challenge）已过期（有效期 %d 分钟），请重新提交",
                              POW_TTL_S / 60);
    if (!solution || !*solution || strlen(solution) > 20 || strspn(solution, "0123456789") != strlen(solution))
        return ctx_fail_field(c, "solution", "缺少人机验证的答案（solution），请等待页面完成验证后再提交");
    if (pow_zero_bits(token, solution) < t.bits)
        return ctx_fail_field(c, "solution", "人机验证的答案（solution）不正确，请刷新页面后重新提交");
    return ERR_OK;
}

enum err pow_spend(struct ctx *c, const char *token)
{
    struct pow_token t;
    if (!token_parse(token, &t))
        return ctx_fail_field(c, "challenge", "人机验证（challenge）格式错误");
    char at[21];
    time_format_iso(t.expires, at);
    const char *got = NULL;
    enum err e = db_one_text(c->db, c->arena, &got,
                             "INSERT INTO public_challenges (nonce, expires_at) VALUES (?, ?) "
                             "ON CONFLICT (nonce) DO NOTHING RETURNING nonce",
                             DB_TEXT(t.nonce), DB_TEXT(at));
    if (e == ERR_NOT_FOUND)
        return ctx_fail(c, ERR_CONFLICT, "该人机验证已使用过，同一次验证不能提交两次；请刷新页面后重新提交");
    return ctx_db_fail(c, e, "记录人机验证");
}

enum err pow_purge(struct ctx *c, int64_t *n)
{
    char at[21];
    time_format_iso(c->now, at);
    *n = 0;
    enum err e = db_one_int(c->db, n, "SELECT COUNT(*) FROM public_challenges WHERE expires_at < ?", DB_TEXT(at));
    if (!e && *n)
        e = db_exec(c->db, "DELETE FROM public_challenges WHERE expires_at < ?", DB_TEXT(at));
    return ctx_db_fail(c, e, "清理人机验证记录");
}
