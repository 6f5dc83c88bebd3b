/* webhooks.c: endpoints, the event kinds, the subscriber that turns domain events into deliveries,
 * and the signature; see webhooks.h. Sending lives in webhook_channel.c. */
#include "webhooks/webhooks.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "base/utf8.h"
#include "clues/clues.h"
#include "core/events.h"
#include "core/perm.h"
#include "crypto/hash.h"
#include "crypto/sm2.h"
#include "inspections/inspections.h"
#include "items/items.h"
#include "results/results.h"
#include "units/units.h"
#include "webhooks/webhooks_internal.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* ---- the event kinds ---- */

/* What other systems may subscribe to, and which domain event each one is: the object type (the
 * workflow's name), the publisher's kind of record and its action ("a|b": either; "remind-" matches
 * every reminder step). */
static const struct wh_kind {
    const char *name, *label, *object, *record, *action;
} wh_kinds[] = {
    {"item.assigned", "事项交办（督办通知发出）", "item", "transition", "assign"},
    {"item.received", "承办单位签收", "item", "transition", "receive"},
    {"item.planned", "承办单位提出时间节点和方案", "item", "transition", "plan"},
    {"item.reported", "承办单位报告进展", "item", "report", "report"},
    {"item.report_reviewed", "进展报告已审核", "item", "review", "review"},
    {"item.completion_requested", "承办单位申请办结", "item", "transition", "request_completion"},
    {"item.completion_signed", "主要负责人核签办结报告", "item", "transition", "sign"},
    {"item.returned", "办结申请被退回", "item", "transition", "return_reply"},
    {"item.completed", "事项办结（销号）", "item", "transition", "verify"},
    {"item.archived", "事项归档", "item", "transition", "archive"},
    {"item.extension_requested", "申请延期", "item", "transition", "request_extension"},
    {"item.extension_decided", "延期申请已审批", "item", "transition", "decide_extension"},
    {"item.reminded", "到期前催办提醒", "item", "deadline", "remind-"},
    {"item.overdue", "逾期：请分管领导督办", "item", "deadline", "press"},
    {"item.notice_issued", "逾期：书面催办通知", "item", "deadline", "notice"},
    {"item.escalated", "列入督查事项", "item", "transition", "escalate"},
    {"item.suspended", "事项中止", "item", "transition", "suspend"},
    {"item.resumed", "事项恢复办理", "item", "transition", "resume"},
    {"item.withdrawn", "事项撤销", "item", "transition", "withdraw"},
    {"inspection.opened", "督查立项", "inspection", "transition", "open|approve"},
    {"inspection.scheme_approved", "督查方案获批", "inspection", "transition", "approve_scheme"},
    {"inspection.started", "督查启动", "inspection", "transition", "start|start_covert"},
    {"inspection.findings_issued", "反馈问题、交办整改", "inspection", "transition", "issue_findings"},
    {"inspection.concluded", "出具督查结论", "inspection", "transition", "issue_conclusion"},
    {"inspection.conclusion_received", "被督查单位签收督查结论", "inspection", "transition", "receive_conclusion"},
    {"inspection.closed", "督查办结", "inspection", "transition", "close"},
    {"inspection.withdrawn", "督查撤销", "inspection", "transition", "withdraw"},
    {"rectification.assigned", "整改任务交办", "rectification", "transition", "create"},
    {"rectification.received", "整改责任单位签收", "rectification", "transition", "receive"},
    {"rectification.submitted", "整改情况报送待核查", "rectification", "transition", "sign"},
    {"rectification.returned", "整改核查退回", "rectification", "transition", "return"},
    {"rectification.verified", "整改核查销号", "rectification", "transition", "verify|close_now"},
    {"rectification.reminded", "整改到期前提醒", "rectification", "deadline", "remind-"},
    {"rectification.overdue", "整改逾期：督促", "rectification", "deadline", "press"},
    {"result.issued", "结果运用记录印发（表扬、批评、约谈、问责建议、移送、容错）", "result", "transition", "issue"},
    {"result.closed", "结果运用办结（跟踪反馈）", "result", "transition", "follow_up"},
    {"bulletin.issued", "督查通报印发", "bulletin", "transition", "issue"},
    {"scorecard.issued", "目标责任考评结果下发", "scorecard", "transition", "issue"},
    {"clue.received", "收到线索（群众反映、登记或上级转办）", "clue", "transition", "submit|create|import"},
    {"clue.assigned", "线索交办核查", "clue", "transition", "assign"},
    {"clue.verified", "线索核查情况已报送", "clue", "transition", "report"},
    {"clue.converted", "线索转为督办事项或督查", "clue", "transition", "convert_item|convert_inspection"},
    {"clue.closed", "线索办结", "clue", "transition", "close"},
};
#define NKINDS (sizeof wh_kinds / sizeof *wh_kinds)

static const struct wh_kind ping_kind = {"webhook.ping", "测试推送", "webhook", "", ""};

static const struct wh_kind *kind_find(const char *name)
{
    for (size_t i = 0; i < NKINDS; i++)
        if (!strcmp(wh_kinds[i].name, name))
            return &wh_kinds[i];
    return NULL;
}

/* Does the kind's action pattern ("a|b", "prefix-") match action? */
static bool action_matches(const char *pattern, const char *action)
{
    for (const char *p = pattern; *p;) {
        size_t n = strcspn(p, "|");
        if (p[n - 1] == '-' ? !strncmp(action, p, n) : strlen(action) == n && !strncmp(action, p, n))
            return true;
        p += n + (p[n] == '|');
    }
    return false;
}

static const struct wh_kind *kind_of_event(const struct domain_event *ev)
{
    for (size_t i = 0; i < NKINDS; i++) {
        const struct wh_kind *k = &wh_kinds[i];
        if (strcmp(k->object, ev->object_type) || strcmp(k->record, ev->kind ? ev->kind : ""))
            continue;
        if (action_matches(k->action, ev->action))
            return k;
    }
    return NULL;
}

enum err webhooks_event_kinds(struct ctx *c, json_t **out)
{
    (void)c;
    json_t *a = json_array();
    for (size_t i = 0; i < NKINDS; i++)
        json_array_append_new(a, json_pack("{ss ss ss}", "name", wh_kinds[i].name, "label", wh_kinds[i].label, "object",
                                           wh_kinds[i].object));
    *out = json_pack("{so}", "events", a);
    return ERR_OK;
}

/* True if the comma-separated list holds name. */
static bool list_has(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !strncmp(p, name, n))
            return true;
        p = e ? e + 1 : NULL;
    }
    return false;
}

/* ---- signatures and secrets ---- */

bool webhooks_sign(const char *secret, int64_t timestamp, const char *body, size_t n, char out[65])
{
    char head[24];
    int hl = snprintf(head, sizeof head, "%" PRId64 ".", timestamp);
    size_t total = (size_t)hl + n;
    char *msg = xmalloc(total ? total : 1);
    memcpy(msg, head, (size_t)hl);
    memcpy(msg + hl, body, n);
    bool ok = hmac_sm3_hex(secret, strlen(secret), msg, total, out);
    free(msg);
    return ok;
}

static const char NO_SECRET[] =
    "服务器未配置 secret_key（用于加密保存推送密钥），不能登记推送地址；请在配置文件或环境变量 "
    "DUCHA_SECRET_KEY 中设置后重启";

/* A new endpoint secret: *plain (arena) to show once, *sealed (arena) to store. */
static enum err secret_new(struct ctx *c, const char **plain, const char **sealed)
{
    if (!c->cfg || !c->cfg->secret_key || !*c->cfg->secret_key)
        return ctx_fail(c, ERR_CONFLICT, "%s", NO_SECRET);
    char tok[64];
    token_random(tok, sizeof tok, 32);
    char *s = sm2_seal_private(c->cfg->secret_key, (const unsigned char *)tok, strlen(tok));
    if (!s)
        return ctx_fail(c, ERR_INTERNAL, "无法加密推送密钥");
    *plain = arena_printf(c->arena, "whsec_%s", tok);
    *sealed = arena_strdup(c->arena, s);
    sodium_memzero(tok, sizeof tok);
    free(s);
    return ERR_OK;
}

char *wh_secret_open(const struct config *cfg, const char *sealed)
{
    unsigned char *raw;
    size_t n;
    if (!cfg->secret_key || !sm2_open_private(cfg->secret_key, sealed, &raw, &n))
        return NULL;
    char *out = xmalloc(n + 7);
    memcpy(out, "whsec_", 6);
    memcpy(out + 6, raw, n);
    out[n + 6] = 0;
    sodium_memzero(raw, n);
    free(raw);
    return out;
}

/* ---- addresses ---- */

/* Checks an endpoint URL: https://host[:port][/path][?query], no credentials, no fragment, printable
 * ASCII; http:// only to a loopback host and only when webhook_allow_http is on. NULL if fine, else
 * the reason (static). */
const char *wh_url_problem(const struct config *cfg, const char *url)
{
    size_t n = strlen(url);
    if (n < 10 || n > 500)
        return "推送地址长度应在 10 到 500 个字符之间";
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == '\\' || *p == '"' || *p == '<' || *p == '>')
            return "推送地址只能包含可打印的 ASCII 字符（中文请先做 URL 编码），不能含空格、引号和反斜杠";
    bool http = !strncmp(url, "http://", 7);
    if (!http && strncmp(url, "https://", 8))
        return "推送地址必须以 https:// 开头";
    const char *host = url + (http ? 7 : 8);
    size_t hl = strcspn(host, "/?#");
    if (!hl)
        return "推送地址缺少主机名";
    if (memchr(host, '@', hl))
        return "推送地址不能包含用户名或密码";
    if (strchr(url, '#'))
        return "推送地址不能包含 #片段";
    if (http) {
        bool loop =
            (hl >= 9 && !strncmp(host, "127.", 4)) || !strncmp(host, "localhost", 9) || !strncmp(host, "[::1]", 5);
        size_t name = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":/?#");
        if (loop && !strncmp(host, "127.", 4))
            for (size_t i = 4; i < name && loop; i++)
                loop = (host[i] >= '0' && host[i] <= '9') || host[i] == '.';
        if (loop && !strncmp(host, "localhost", 9))
            loop = name == 9;
        if (!loop || !cfg->webhook_allow_http)
            return "推送地址必须以 https:// 开头（http:// 只在配置 webhook_allow_http 打开时用于本机测试）";
    }
    return NULL;
}

/* ---- endpoints ---- */

const struct jv_field webhooks_create_spec[] = {
    {"name", JV_STRING, JV_REQUIRED, 1, 100},
    {"url", JV_STRING, JV_REQUIRED, 1, 500},
    {"events", JV_STRING_ARRAY, JV_REQUIRED, 1, 40},
    {"unit_id", JV_INT, 0, 1, INT64_MAX},
    {"active", JV_BOOL, 0, 0, 0},
    {NULL, 0, 0, 0, 0},
};

const struct jv_field webhooks_update_spec[] = {
    {"name", JV_STRING, 0, 1, 100}, {"url", JV_STRING, 0, 1, 500}, {"events", JV_STRING_ARRAY, 0, 1, 40},
    {"active", JV_BOOL, 0, 0, 0},   {"version", JV_INT, 0, 0, 0},  {NULL, 0, 0, 0, 0},
};

#define WH_COLS                                                                                                        \
    "w.id, w.unit_id, u.name, u.path, w.name, w.url, w.events, w.active, w.created_at, w.updated_at, w.version, "      \
    "w.secret, cu.name"
#define WH_FROM " FROM webhooks w JOIN units u ON u.id = w.unit_id LEFT JOIN users cu ON cu.id = w.created_by "

static json_t *events_json(const char *list)
{
    json_t *a = json_array();
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len)
            json_array_append_new(a, json_stringn(p, len));
        p = e ? e + 1 : NULL;
    }
    return a;
}

static json_t *webhook_json(struct stmt *st)
{
    const char *by = stmt_text(st, 12);
    return json_pack("{sI sI ss ss ss so sb ss ss sI so}", "id", (json_int_t)stmt_int(st, 0), "unit_id",
                     (json_int_t)stmt_int(st, 1), "unit_name", stmt_text(st, 2), "name", stmt_text(st, 4), "url",
                     stmt_text(st, 5), "events", events_json(stmt_text(st, 6)), "active", stmt_int(st, 7) != 0,
                     "created_at", stmt_text(st, 8), "updated_at", stmt_text(st, 9), "version",
                     (json_int_t)stmt_int(st, 10), "created_by_name", by ? json_string(by) : json_null());
}

/* Loads an endpoint the caller administers: 404 outside the caller's scope, 403 without the
 * capability there. *path (arena) is its unit's path, *sealed (arena, may be NULL) its secret. */
static enum err webhook_load(struct ctx *c, int64_t id, json_t **out, const char **path, const char **sealed)
{
    struct stmt *st = db_query(c->db, "SELECT " WH_COLS WH_FROM "WHERE w.id = ? AND w.deleted = 0", DB_INT(id));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取推送地址");
    int rc = stmt_step(st);
    const char *p = NULL;
    if (rc == STORE_ROW) {
        p = arena_strdup(c->arena, stmt_text(st, 3));
        if (sealed)
            *sealed = arena_strdup(c->arena, stmt_text(st, 11));
        if (out)
            *out = webhook_json(st);
    }
    stmt_done(st);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "推送地址不存在或无权查看");
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取推送地址");
    if (path)
        *path = p;
    enum err e = perm_require(c, CAP_WEBHOOK_ADMIN, p, "推送地址");
    if (e && out) {
        json_decref(*out);
        *out = NULL;
    }
    return e;
}

enum err webhooks_get(struct ctx *c, int64_t id, json_t **out)
{
    enum err e = webhook_load(c, id, out, NULL, NULL);
    if (!e)
        wh_add_stats(c, id, *out);
    return e;
}

enum err webhooks_list(struct ctx *c, json_t **out)
{
    int n;
    const char **scope = perm_scope_cap(c, CAP_WEBHOOK_ADMIN, &n);
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        struct stmt *st = db_query(
            c->db, "SELECT " WH_COLS WH_FROM "WHERE w.deleted = 0 AND u.path >= ? AND u.path < ? ORDER BY w.id DESC",
            DB_TEXT(scope[i]), DB_TEXT(perm_path_upper(c->arena, scope[i])));
        if (!st) {
            json_decref(arr);
            return ctx_store_fail(c, STORE_E_OTHER, "读取推送地址");
        }
        int rc;
        while ((rc = stmt_step(st)) == STORE_ROW)
            json_array_append_new(arr, webhook_json(st));
        stmt_done(st);
        if (rc < 0) {
            json_decref(arr);
            return ctx_store_fail(c, rc, "读取推送地址");
        }
    }
    size_t i;
    json_t *w;
    json_array_foreach(arr, i, w) wh_add_stats(c, json_integer_value(json_object_get(w, "id")), w);
    *out = json_pack("{so}", "webhooks", arr);
    return ERR_OK;
}

/* The events list of a body as "a,b,c" (arena), each a known kind, no duplicates; NULL after ctx_fail. */
static const char *events_list(struct ctx *c, const json_t *events)
{
    const char *list = "";
    size_t i;
    json_t *v;
    if (!json_array_size(events)) {
        ctx_fail(c, ERR_INVALID, "字段“events”至少要选一个事件");
        return NULL;
    }
    json_array_foreach(events, i, v)
    {
        const char *name = json_string_value(v);
        if (!kind_find(name)) {
            ctx_fail(c, ERR_INVALID, "不认识的事件“%s”（可订阅的事件见 GET /api/v1/webhooks/events）", name);
            return NULL;
        }
        if (list_has(list, name)) {
            ctx_fail(c, ERR_INVALID, "事件“%s”重复", name);
            return NULL;
        }
        list = arena_printf(c->arena, "%s%s%s", list, *list ? "," : "", name);
    }
    return list;
}

struct create_args {
    const json_t *body;
    const char *events, *secret_plain, *secret_sealed;
    int64_t unit_id, id;
};

static enum err create_tx(struct ctx *c, void *arg)
{
    struct create_args *a = arg;
    char at[21];
    time_format_iso(c->now, at);
    const json_t *b = a->body;
    bool active = !jv_has(b, "active") || jv_bool(b, "active", true);
    enum err e = db_one_int(c->db, &a->id,
                            "INSERT INTO webhooks (unit_id, name, url, events, secret, active, created_by, created_at, "
                            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                            DB_INT(a->unit_id), DB_TEXT(jv_str(b, "name")), DB_TEXT(jv_str(b, "url")),
                            DB_TEXT(a->events), DB_TEXT(a->secret_sealed), DB_INT(active),
                            DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at), DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "登记推送地址");
    json_t *sum = json_pack("{sI ss ss ss sb}", "unit_id", (json_int_t)a->unit_id, "name", jv_str(b, "name"), "url",
                            jv_str(b, "url"), "events", a->events, "active", active);
    e = audit_record(c, "webhook.create", "webhook", a->id, sum);
    json_decref(sum);
    return e;
}

enum err webhooks_create(struct ctx *c, const json_t *body, json_t **out)
{
    struct create_args a = {body, NULL, NULL, NULL, jv_int(body, "unit_id", 0), 0};
    if (!a.unit_id) {
        /* the unit of the caller's first grant that carries the capability */
        for (int i = 0; c->user && i < c->user->ngrants && !a.unit_id; i++)
            if (perm_at(c->user, CAP_WEBHOOK_ADMIN, c->user->grants[i].unit_path))
                a.unit_id = c->user->grants[i].unit_id;
    }
    const char *path = NULL;
    enum err e = units_path(c, a.unit_id, &path);
    if (e)
        return e;
    if ((e = perm_require(c, CAP_WEBHOOK_ADMIN, path, "单位")))
        return e;
    const char *why = wh_url_problem(c->cfg, jv_str(body, "url"));
    if (why)
        return ctx_fail(c, ERR_INVALID, "%s", why);
    if (!(a.events = events_list(c, json_object_get(body, "events"))))
        return c->err;
    if ((e = secret_new(c, &a.secret_plain, &a.secret_sealed)))
        return e;
    if ((e = ctx_tx(c, "登记推送地址", create_tx, &a)))
        return e;
    if ((e = webhooks_get(c, a.id, out)))
        return e;
    json_object_set_new(*out, "secret", json_string(a.secret_plain));
    return ERR_OK;
}

struct update_args {
    int64_t id;
    const json_t *body;
    const char *events;
    json_t *before;
};

static enum err update_tx(struct ctx *c, void *arg)
{
    struct update_args *a = arg;
    const json_t *b = a->body;
    char at[21];
    time_format_iso(c->now, at);
    int64_t version = jv_int(b, "version", -1), got = 0;
    enum err e = db_one_int(c->db, &got,
                            "UPDATE webhooks SET name = COALESCE(?, name), url = COALESCE(?, url), events = "
                            "COALESCE(?, events), active = COALESCE(?, active), updated_at = ?, version = version + 1 "
                            "WHERE id = ? AND (? < 0 OR version = ?) RETURNING id",
                            DB_TEXT(jv_str(b, "name")), DB_TEXT(jv_str(b, "url")), DB_TEXT(a->events),
                            DB_INT_IF(jv_has(b, "active"), jv_bool(b, "active", true)), DB_TEXT(at), DB_INT(a->id),
                            DB_INT(version), DB_INT(version));
    if (e == ERR_NOT_FOUND)
        return ctx_fail(c, ERR_CONFLICT, "推送地址已被他人修改，请刷新后重试");
    if (e)
        return ctx_db_fail(c, e, "修改推送地址");
    /* a paused endpoint keeps its queue; a resumed one sends what waited */
    json_t *sum = json_pack("{sO sO}", "before", a->before, "change", b);
    e = audit_record(c, "webhook.update", "webhook", a->id, sum);
    json_decref(sum);
    return e;
}

enum err webhooks_update(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    struct update_args a = {id, body, NULL, NULL};
    enum err e = webhook_load(c, id, &a.before, NULL, NULL);
    if (e)
        return e;
    const char *why = jv_has(body, "url") ? wh_url_problem(c->cfg, jv_str(body, "url")) : NULL;
    if (why)
        e = ctx_fail(c, ERR_INVALID, "%s", why);
    else if (jv_has(body, "events") && !(a.events = events_list(c, json_object_get(body, "events"))))
        e = c->err;
    if (!e)
        e = ctx_tx(c, "修改推送地址", update_tx, &a);
    json_decref(a.before);
    return e ? e : webhooks_get(c, id, out);
}

static enum err delete_tx(struct ctx *c, void *arg)
{
    int64_t id = *(int64_t *)arg;
    enum err e = wh_cancel_pending(c, id);
    if (!e)
        e = db_exec(c->db, "UPDATE webhooks SET active = 0, deleted = 1, version = version + 1 WHERE id = ?",
                    DB_INT(id));
    if (e)
        return ctx_db_fail(c, e, "删除推送地址");
    return audit_record(c, "webhook.delete", "webhook", id, NULL);
}

enum err webhooks_delete(struct ctx *c, int64_t id)
{
    enum err e = webhook_load(c, id, NULL, NULL, NULL);
    return e ? e : ctx_tx(c, "删除推送地址", delete_tx, &id);
}

struct rotate_args {
    int64_t id;
    const char *sealed;
};

static enum err rotate_tx(struct ctx *c, void *arg)
{
    struct rotate_args *a = arg;
    enum err e = db_exec(c->db, "UPDATE webhooks SET secret = ?, version = version + 1 WHERE id = ?",
                         DB_TEXT(a->sealed), DB_INT(a->id));
    if (e)
        return ctx_db_fail(c, e, "更换推送密钥");
    return audit_record(c, "webhook.rotate_secret", "webhook", a->id, NULL);
}

enum err webhooks_rotate_secret(struct ctx *c, int64_t id, json_t **out)
{
    struct rotate_args a = {id, NULL};
    const char *plain;
    enum err e = webhook_load(c, id, NULL, NULL, NULL);
    if (!e)
        e = secret_new(c, &plain, &a.sealed);
    if (!e)
        e = ctx_tx(c, "更换推送密钥", rotate_tx, &a);
    if (!e)
        e = webhooks_get(c, id, out);
    if (!e)
        json_object_set_new(*out, "secret", json_string(plain));
    return e;
}

/* ---- from domain events to deliveries ---- */

/* The object's summary in a payload, and who may see it (the object's visibility rule: for an item the
 * issuing government, and once assigned its responsible units). */
static enum err item_summary(struct ctx *c, int64_t id, json_t **out, struct perm_item *scope)
{
    json_t *it = NULL;
    enum err e = items_get(c, id, &it);
    if (e)
        return e;
    json_t *tracks = json_array(), *t;
    size_t i;
    json_t *src = json_object_get(it, "tracks");
    const char **units = arena_alloc(c->arena, sizeof *units * (json_array_size(src) + 1));
    *scope = (struct perm_item){.unit_paths = units, .units_see = !json_is_null(json_object_get(it, "assigned_at"))};
    e = units_path(c, json_integer_value(json_object_get(it, "office_unit_id")), &scope->office_path);
    json_array_foreach(src, i, t)
    {
        json_array_append_new(tracks,
                              json_pack("{sO sO sO sO sO sO}", "unit_id", json_object_get(t, "unit_id"), "unit_name",
                                        json_object_get(t, "unit_name"), "role", json_object_get(t, "role"), "state",
                                        json_object_get(t, "state"), "state_label", json_object_get(t, "state_label"),
                                        "progress", json_object_get(t, "progress")));
        if (!e)
            e = units_path(c, json_integer_value(json_object_get(t, "unit_id")), &units[scope->nunits++]);
    }
    static const char *const keys[] = {
        "id",       "number", "title",    "state",          "state_label",      "importance",   "kind",
        "due_date", "light",  "progress", "office_unit_id", "office_unit_name", "lead_unit_id", "lead_unit_name"};
    *out = json_object();
    for (i = 0; i < sizeof keys / sizeof *keys; i++)
        json_object_set(*out, keys[i], json_object_get(it, keys[i]));
    json_object_set_new(*out, "tracks", tracks);
    json_object_set_new(*out, "url", json_string(arena_printf(c->arena, "/api/v1/items/%" PRId64, id)));
    json_decref(it);
    if (e) {
        json_decref(*out);
        *out = NULL;
    }
    return e;
}

/* The other supervised objects with events: their workflow loads them (no permission check) and says
 * who may see them; url is the API path of one. */
static const struct wh_object {
    const char *type;
    const struct workflow *wf;
    const char *url;
    bool office_only; /* only the office side hears of it (its home and above), never the units it names */
} wh_objects[] = {
    {"inspection", &insp_workflow, "/api/v1/inspections/%lld", false},
    {"rectification", &rect_workflow, "/api/v1/rectifications/%lld", false},
    {"result", &result_workflow, "/api/v1/results/%lld", false},
    {"bulletin", &bulletin_workflow, "/api/v1/bulletins/%lld", false},
    /* a scorecard: the office side alone (each unit may read only its own line, the payload names them all) */
    {"scorecard", &scorecard_workflow, "/api/v1/scorecards/%lld", true},
    /* a clue: the office alone (条例 Art. 26), and its events carry no note or details (clue_event) */
    {"clue", &clue_workflow, "/api/v1/clues/%lld", true},
};

/* The summary of a workflow object (WebhookObject of docs/openapi.yaml) and its visibility, as loaded
 * now: inside the publisher's transaction, after the change (a disclosed inspection is disclosed). */
static enum err object_summary(struct ctx *c, const struct wh_object *w, int64_t id, json_t **out,
                               struct perm_item *scope)
{
    const struct workflow *wf = w->wf;
    struct wf_obj *o;
    enum err e = wf->load(c, id, false, &o);
    if (e)
        return e;
    const char *home = NULL;
    if ((e = db_one_text(c->db, c->arena, &home, "SELECT name FROM units WHERE id = ?", DB_INT(o->home_unit_id))))
        return ctx_db_fail(c, e, "读取单位");
    json_t *units = json_array();
    for (int i = 0; i < o->ntracks; i++) {
        const struct wf_part *p = &o->parts[i];
        json_array_append_new(units, json_pack("{sI ss ss ss}", "unit_id", (json_int_t)p->unit_id, "unit_name",
                                               p->unit_name ? p->unit_name : "", "state", wf_state_name(wf, p->state),
                                               "state_label", wf_state_label(wf, p->state)));
    }
    *out = json_pack("{sI ss ss ss ss so sI ss so ss}", "id", (json_int_t)o->id, "number", o->number ? o->number : "",
                     "title", o->title ? o->title : "", "state", wf_state_name(wf, o->state), "state_label",
                     wf_state_label(wf, o->state), "due_date",
                     o->due_date && *o->due_date ? json_string(o->due_date) : json_null(), "office_unit_id",
                     (json_int_t)o->home_unit_id, "office_unit_name", home, "units", units, "url",
                     arena_printf(c->arena, w->url, (long long)o->id));
    *scope = o->scope;
    if (w->office_only)
        *scope = (struct perm_item){.office_path = o->scope.office_path};
    return ERR_OK;
}

static bool within(const char *path, const char *ancestor)
{
    return !strncmp(path, ancestor, strlen(ancestor));
}

/*
 * May an endpoint registered at the unit with path p receive the events of an object that scope says
 * who may see? The visibility rule seen from the unit's subtree: p at or above the object's home, or at
 * or above a unit that sees it (the responsible units or targets once they see it, the organisers).
 * While the object is secret (hidden units: an unannounced inspection before its findings are issued)
 * only endpoints of the home's own subtree may, and none at or below a hidden unit — the targets' and
 * the levels above the office hear of it once it is disclosed.
 */
static bool endpoint_sees(const struct perm_item *s, const char *p)
{
    for (int i = 0; i < s->nhidden; i++)
        if (within(p, s->hidden_paths[i]))
            return false;
    if (s->nhidden && !within(p, s->office_path))
        return false;
    if (s->office_path && within(s->office_path, p))
        return true;
    for (int i = 0; s->units_see && i < s->nunits; i++)
        if (within(s->unit_paths[i], p))
            return true;
    for (int i = 0; i < s->nparties; i++)
        if (within(s->party_paths[i], p))
            return true;
    return false;
}

/* The payload every endpoint receives for one event (webhook_id is set per endpoint). */
static json_t *payload(struct ctx *c, const struct wh_kind *k, const char *event_id, const struct domain_event *ev,
                       json_t *summary)
{
    char at[21];
    time_format_iso(c->now, at);
    const char *unit_name = NULL;
    if (ev->unit_id)
        db_one_text(c->db, c->arena, &unit_name, "SELECT name FROM units WHERE id = ?", DB_INT(ev->unit_id));
    json_t *o =
        json_pack("{ss ss ss ss sI s{ss ss} s{ss sI} so ss}", "id", event_id, "event", k->name, "event_label", k->label,
                  "occurred_at", at, "webhook_id", (json_int_t)0, "actor", "username", ctx_actor(c), "name",
                  c->user && c->user->name ? c->user->name : "系统", "object", "type", ev->object_type, "id",
                  (json_int_t)ev->object_id, "unit",
                  unit_name ? json_pack("{sI ss}", "id", (json_int_t)ev->unit_id, "name", unit_name) : json_null(),
                  "note", ev->note ? ev->note : "");
    if (summary)
        json_object_set(o, ev->object_type, summary);
    /* the record's details, without whom ducha notified inside (user ids are not for other systems) */
    json_t *data = ev->data && json_is_object(ev->data) ? json_deep_copy(ev->data) : json_object();
    json_object_del(data, "recipients");
    json_object_set_new(o, "data", data);
    return o;
}

/* The subscriber: one delivery per endpoint subscribed to the event's kind whose unit's subtree may
 * see the object (a paused endpoint's deliveries wait in the queue). Runs inside the publisher's
 * transaction. */
static enum err on_event(struct ctx *c, const struct domain_event *ev)
{
    const struct wh_kind *k = kind_of_event(ev);
    if (!k)
        return ERR_OK;
    struct stmt *st = db_query(c->db, "SELECT w.id, u.path, w.events FROM webhooks w JOIN units u ON u.id = w.unit_id "
                                      "WHERE w.deleted = 0 ORDER BY w.id");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "推送事件");
    int n = 0, cap = 8, rc;
    struct target {
        int64_t id;
        const char *path;
    } *t = arena_alloc(c->arena, sizeof *t * (size_t)cap);
    while ((rc = stmt_step(st)) == STORE_ROW) {
        if (!list_has(stmt_text(st, 2), k->name))
            continue;
        if (n == cap) {
            struct target *more = arena_alloc(c->arena, sizeof *t * (size_t)cap * 2);
            memcpy(more, t, sizeof *t * (size_t)n);
            t = more;
            cap *= 2;
        }
        t[n].id = stmt_int(st, 0);
        t[n].path = arena_strdup(c->arena, stmt_text(st, 1));
        n++;
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "推送事件");
    if (!n)
        return ERR_OK;
    json_t *summary = NULL;
    struct perm_item scope = {0};
    enum err e = ERR_OK;
    if (!strcmp(ev->object_type, "item"))
        e = item_summary(c, ev->object_id, &summary, &scope);
    for (size_t i = 0; i < sizeof wh_objects / sizeof *wh_objects; i++)
        if (!strcmp(ev->object_type, wh_objects[i].type))
            e = object_summary(c, &wh_objects[i], ev->object_id, &summary, &scope);
    if (e)
        return e;
    if (!summary) /* a kind whose object has no summary here: a bug in wh_kinds */
        return ctx_fail(c, ERR_INTERNAL, "推送事件：未知对象类型 %s", ev->object_type);
    char event_id[48];
    token_random(event_id, sizeof event_id, 16);
    json_t *body = payload(c, k, arena_printf(c->arena, "evt_%s", event_id), ev, summary);
    for (int i = 0; i < n && !e; i++) {
        if (!endpoint_sees(&scope, t[i].path))
            continue;
        json_object_set_new(body, "webhook_id", json_integer(t[i].id));
        e = wh_queue(c, t[i].id, k->name, ev->object_type, ev->object_id, body);
    }
    json_decref(body);
    json_decref(summary);
    return e;
}

enum err webhooks_ping(struct ctx *c, int64_t id, json_t **out)
{
    enum err e = webhook_load(c, id, NULL, NULL, NULL);
    if (e)
        return e;
    char event_id[48];
    token_random(event_id, sizeof event_id, 16);
    struct domain_event ev = {"webhook", id, "", "ping", 0, "这是一条测试推送", NULL};
    json_t *body = payload(c, &ping_kind, arena_printf(c->arena, "evt_%s", event_id), &ev, NULL);
    json_object_set_new(body, "webhook_id", json_integer(id));
    int64_t delivery = 0;
    e = wh_queue_one(c, id, ping_kind.name, "webhook", id, body, &delivery);
    json_decref(body);
    return e ? e : wh_delivery_get(c, delivery, out);
}

void webhooks_init(void)
{
    events_subscribe(on_event);
}
