#include "docs/seal.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "base/utf8.h"
#include "core/perm.h"
#include "crypto/hash.h"
#include "crypto/sm2.h"
#include "units/units.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const char NO_SECRET[] =
    "服务器未配置 secret_key（用于加密印章私钥），不能生成或使用电子印章；请在配置文件或环境变量 DUCHA_SECRET_KEY "
    "中设置后重启";

struct unit_info {
    const char *path, *name;
};

static enum err unit_info(struct ctx *c, int64_t unit_id, struct unit_info *u)
{
    struct stmt *st = db_prepare(c->db, "SELECT path, name FROM units WHERE id = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取单位");
    stmt_bind_int(st, 1, unit_id);
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        u->path = arena_strdup(c->arena, stmt_text(st, 0));
        u->name = arena_strdup(c->arena, stmt_text(st, 1));
    }
    stmt_done(st);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "单位不存在或无权查看");
    return rc == STORE_ROW ? ERR_OK : ctx_store_fail(c, rc, "读取单位");
}

struct seal_row {
    int64_t id;
    const char *public_key, *private_key, *fingerprint, *created_at;
};

/* The unit's active seal; STORE_DONE if none. */
static int seal_load(struct ctx *c, int64_t unit_id, struct seal_row *s)
{
    struct stmt *st = db_prepare(c->db, "SELECT id, public_key, private_key, fingerprint, created_at FROM seals "
                                        "WHERE unit_id = ? AND retired_at IS NULL");
    if (!st)
        return STORE_E_OTHER;
    stmt_bind_int(st, 1, unit_id);
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        s->id = stmt_int(st, 0);
        s->public_key = arena_strdup(c->arena, stmt_text(st, 1));
        s->private_key = arena_strdup(c->arena, stmt_text(st, 2));
        s->fingerprint = arena_strdup(c->arena, stmt_text(st, 3));
        s->created_at = arena_strdup(c->arena, stmt_text(st, 4));
    }
    stmt_done(st);
    return rc;
}

static json_t *seal_json(int64_t unit_id, const char *unit_name, const struct seal_row *s)
{
    return json_pack("{sI ss ss ss ss}", "unit_id", (json_int_t)unit_id, "unit_name", unit_name, "fingerprint",
                     s->fingerprint, "public_key", s->public_key, "created_at", s->created_at);
}

/* Generates and stores a key pair for the unit (inside a transaction). */
static enum err seal_insert(struct ctx *c, int64_t unit_id, struct seal_row *s)
{
    const char *secret = c->cfg ? c->cfg->secret_key : NULL;
    if (!secret || !*secret)
        return ctx_fail(c, ERR_CONFLICT, "%s", NO_SECRET);
    char *pub = NULL, *sealed = NULL;
    unsigned char *priv = NULL;
    size_t plen = 0;
    char fp[65];
    if (!sm2_generate(&pub, &priv, &plen) || !sm2_fingerprint(pub, fp) ||
        !(sealed = sm2_seal_private(secret, priv, plen))) {
        if (priv)
            sodium_memzero(priv, plen);
        free(priv);
        free(pub);
        return ctx_fail(c, ERR_INTERNAL, "生成电子印章密钥失败（OpenSSL 不支持 SM2？）");
    }
    sodium_memzero(priv, plen);
    free(priv);
    char at[21];
    time_format_iso(c->now, at);
    s->public_key = arena_strdup(c->arena, pub);
    s->private_key = arena_strdup(c->arena, sealed);
    s->fingerprint = arena_strdup(c->arena, fp);
    s->created_at = arena_strdup(c->arena, at);
    free(pub);
    free(sealed);
    enum err e = db_one_int(c->db, &s->id,
                            "INSERT INTO seals (unit_id, public_key, private_key, fingerprint, created_at, created_by) "
                            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                            DB_INT(unit_id), DB_TEXT(s->public_key), DB_TEXT(s->private_key), DB_TEXT(s->fingerprint),
                            DB_TEXT(at), DB_TEXT(ctx_actor(c)));
    if (e)
        return e == ERR_CONFLICT ? ctx_fail(c, ERR_CONFLICT, "该单位已有电子印章")
                                 : ctx_db_fail(c, e == ERR_NOT_FOUND ? ERR_INTERNAL : e, "保存电子印章");
    json_t *sum = json_pack("{ss}", "fingerprint", s->fingerprint);
    e = audit_record(c, "seal.create", "unit", unit_id, sum);
    json_decref(sum);
    return e;
}

struct create_args {
    int64_t unit_id;
    bool rotate;
    struct unit_info u;
    struct seal_row s;
};

static enum err create_tx(struct ctx *c, void *arg)
{
    struct create_args *a = arg;
    int rc = seal_load(c, a->unit_id, &a->s);
    if (rc == STORE_ROW && !a->rotate)
        return ctx_fail(c, ERR_CONFLICT, "该单位已有电子印章（指纹 %.16s）；更换印章请使用 rotate=1", a->s.fingerprint);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取电子印章");
    if (rc == STORE_ROW) { /* retire the old key: what it signed still verifies against it */
        char at[21];
        time_format_iso(c->now, at);
        enum err e = db_exec(c->db, "UPDATE seals SET retired_at = ? WHERE id = ?", DB_TEXT(at), DB_INT(a->s.id));
        if (e)
            return ctx_db_fail(c, e, "更换电子印章");
        json_t *sum = json_pack("{ss}", "fingerprint", a->s.fingerprint);
        e = audit_record(c, "seal.retire", "unit", a->unit_id, sum);
        json_decref(sum);
        if (e)
            return e;
    }
    return seal_insert(c, a->unit_id, &a->s);
}

enum err seal_create(struct ctx *c, int64_t unit_id, bool rotate, json_t **out)
{
    struct create_args a = {unit_id, rotate, {0}, {0}};
    enum err e = unit_info(c, unit_id, &a.u);
    if (!e)
        e = perm_require(c, CAP_UNIT_WRITE, a.u.path, "单位");
    if (!e && (!c->cfg || !c->cfg->secret_key || !*c->cfg->secret_key))
        e = ctx_fail(c, ERR_CONFLICT, "%s", NO_SECRET);
    if (!e)
        e = ctx_tx(c, "生成电子印章", create_tx, &a);
    if (!e)
        *out = seal_json(unit_id, a.u.name, &a.s);
    return e;
}

enum err seal_get(struct ctx *c, int64_t unit_id, json_t **out)
{
    struct unit_info u;
    enum err e = unit_info(c, unit_id, &u);
    if (e)
        return e;
    if (!perm_sees(c->user, u.path))
        return ctx_fail(c, ERR_NOT_FOUND, "单位不存在或无权查看");
    struct seal_row s;
    int rc = seal_load(c, unit_id, &s);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "该单位尚无电子印章");
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取电子印章");
    *out = seal_json(unit_id, u.name, &s);
    return ERR_OK;
}

struct sign_args {
    int64_t unit_id;
    const char *content;
    struct unit_info u;
    struct seal_signature *out;
};

static enum err sign_tx(struct ctx *c, void *arg)
{
    struct sign_args *a = arg;
    struct seal_row s;
    int rc = seal_load(c, a->unit_id, &s);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取电子印章");
    enum err e;
    if (rc == STORE_DONE && (e = seal_insert(c, a->unit_id, &s)))
        return e;
    unsigned char *priv = NULL;
    size_t plen = 0;
    if (!sm2_open_private(c->cfg->secret_key, s.private_key, &priv, &plen))
        return ctx_fail(
            c, ERR_CONFLICT,
            "无法解开该单位的印章私钥：secret_key 与生成印章时的不一致，请恢复原 secret_key 或重新生成印章");
    char *sig = NULL;
    size_t clen = strlen(a->content);
    bool ok = sm2_sign(priv, plen, a->content, clen, &sig);
    sodium_memzero(priv, plen);
    free(priv);
    if (!ok)
        return ctx_fail(c, ERR_INTERNAL, "电子签章失败");
    struct seal_signature *o = a->out;
    char at[21], digest[65];
    time_format_iso(c->now, at);
    sm3_hex(a->content, clen, digest);
    o->unit_id = a->unit_id;
    o->unit_name = a->u.name;
    o->signer = c->user ? (c->user->name && *c->user->name ? c->user->name : c->user->username) : "system";
    o->signer = arena_strdup(c->arena, o->signer);
    o->signed_at = arena_strdup(c->arena, at);
    o->fingerprint = s.fingerprint;
    o->content_sm3 = arena_strdup(c->arena, digest);
    o->signature = arena_strdup(c->arena, sig);
    free(sig);
    e = db_one_int(c->db, &o->id,
                   "INSERT INTO seal_signatures (seal_id, unit_id, object_type, object_id, signer_id, signer, "
                   "signed_at, fingerprint, content, content_sm3, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                   "RETURNING id",
                   DB_INT(s.id), DB_INT(a->unit_id), DB_TEXT(o->object_type ? o->object_type : ""),
                   DB_INT(o->object_id), DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(o->signer),
                   DB_TEXT(o->signed_at), DB_TEXT(o->fingerprint), DB_TEXT(a->content), DB_TEXT(o->content_sm3),
                   DB_TEXT(o->signature));
    if (e)
        return ctx_db_fail(c, e == ERR_NOT_FOUND ? ERR_INTERNAL : e, "记录电子签章");
    json_t *sum = json_pack("{sI ss sI ss ss}", "signature_id", (json_int_t)o->id, "object_type",
                            o->object_type ? o->object_type : "", "object_id", (json_int_t)o->object_id, "fingerprint",
                            o->fingerprint, "content_sm3", o->content_sm3);
    e = audit_record(c, "seal.sign", "unit", a->unit_id, sum);
    json_decref(sum);
    return e;
}

static enum err sign_common(struct ctx *c, int64_t unit_id, const void *canonical, size_t len,
                            struct seal_signature *out, bool check)
{
    if (!canonical || memchr(canonical, 0, len) || !utf8_valid(canonical, len))
        return ctx_fail(c, ERR_INVALID, "签章内容必须是 UTF-8 文本");
    struct sign_args a = {unit_id, arena_strndup(c->arena, canonical, len), {0}, out};
    enum err e = unit_info(c, unit_id, &a.u);
    if (!e && check)
        e = perm_require(c, CAP_ITEM_SIGN, a.u.path, "单位印章");
    if (!e && (!c->cfg || !c->cfg->secret_key || !*c->cfg->secret_key))
        e = ctx_fail(c, ERR_CONFLICT, "%s", NO_SECRET);
    if (!e)
        e = ctx_tx(c, "电子签章", sign_tx, &a);
    return e;
}

enum err seal_sign(struct ctx *c, int64_t unit_id, const void *canonical, size_t len, struct seal_signature *out)
{
    return sign_common(c, unit_id, canonical, len, out, true);
}

enum err seal_sign_for_unit(struct ctx *c, int64_t unit_id, const void *canonical, size_t len,
                            struct seal_signature *out)
{
    return sign_common(c, unit_id, canonical, len, out, false);
}

bool seal_available(const struct ctx *c)
{
    return c->cfg && c->cfg->secret_key && *c->cfg->secret_key;
}

#define SIG_SELECT                                                                                                     \
    "SELECT g.id, g.unit_id, u.name, u.path, g.object_type, g.object_id, g.signer, g.signed_at, g.fingerprint, "       \
    "g.content, g.content_sm3, g.signature, s.public_key FROM seal_signatures g JOIN seals s ON s.id = g.seal_id "     \
    "JOIN units u ON u.id = g.unit_id "

static json_t *sig_json(struct stmt *st)
{
    return json_pack("{sI sI ss ss sI ss ss ss ss ss ss ss}", "id", (json_int_t)stmt_int(st, 0), "unit_id",
                     (json_int_t)stmt_int(st, 1), "unit", stmt_text(st, 2), "object_type", stmt_text(st, 4),
                     "object_id", (json_int_t)stmt_int(st, 5), "signer", stmt_text(st, 6), "signed_at",
                     stmt_text(st, 7), "fingerprint", stmt_text(st, 8), "content", stmt_text(st, 9), "content_sm3",
                     stmt_text(st, 10), "signature", stmt_text(st, 11), "public_key", stmt_text(st, 12));
}

enum err seal_signature_get(struct ctx *c, int64_t id, json_t **out)
{
    struct stmt *st = db_prepare(c->db, SIG_SELECT "WHERE g.id = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取电子签章");
    stmt_bind_int(st, 1, id);
    int rc = stmt_step(st);
    /* a signature carries the signed content (a completion reply): readable by those who may read
     * the supervision items of the signing unit, not by everyone who sees the unit */
    bool visible = rc == STORE_ROW && (!c->user || perm_at(c->user, CAP_ITEM_READ, stmt_text(st, 3)));
    if (visible)
        *out = sig_json(st);
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取电子签章");
    return visible ? ERR_OK : ctx_fail(c, ERR_NOT_FOUND, "电子签章记录不存在或无权查看");
}

enum err seal_signatures_of(struct ctx *c, const char *object_type, int64_t object_id, json_t **out)
{
    struct stmt *st = db_prepare(c->db, SIG_SELECT "WHERE g.object_type = ? AND g.object_id = ? ORDER BY g.id");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取电子签章");
    stmt_bind_text(st, 1, object_type);
    stmt_bind_int(st, 2, object_id);
    json_t *arr = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        json_array_append_new(arr, sig_json(st));
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "读取电子签章");
    }
    *out = arr;
    return ERR_OK;
}

const char *seal_check_record(struct arena *a, const json_t *rec)
{
    const char *content = json_string_value(json_object_get(rec, "content"));
    const char *digest = json_string_value(json_object_get(rec, "content_sm3"));
    const char *sig = json_string_value(json_object_get(rec, "signature"));
    const char *pub = json_string_value(json_object_get(rec, "public_key"));
    const char *fp = json_string_value(json_object_get(rec, "fingerprint"));
    if (!content || !digest || !sig || !pub || !fp)
        return "签章记录不完整（缺少 content、content_sm3、signature、public_key 或 fingerprint）";
    char h[65];
    sm3_hex(content, strlen(content), h);
    if (strcmp(h, digest) != 0)
        return "签章内容与其 SM3 摘要不符（内容被改动）";
    if (!sm2_fingerprint(pub, h))
        return "公钥无法解析";
    if (strcmp(h, fp) != 0)
        return arena_printf(a, "公钥指纹不符：记录为 %.16s…，公钥实为 %.16s…（公钥被替换）", fp, h);
    if (!sm2_verify(pub, content, strlen(content), sig))
        return "SM2 签名验证失败（签名或内容被改动）";
    return NULL;
}
