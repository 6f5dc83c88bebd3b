/*
 * prefs.c: each user's channels per kind of message (GET/PUT /api/v1/me/preferences). The inbox is
 * always on; the other choices are the registered channels (channel.h).
 */
#include "notify/notify_internal.h"

#include "audit/audit.h"

#include <string.h>

const char *notify_user_channels(struct ctx *c, int64_t user, enum msg_kind k)
{
    const char *ch = msg_kinds[k].channels;
    db_one_text(c->db, c->arena, &ch, "SELECT channels FROM notify_prefs WHERE user_id = ? AND kind = ?", DB_INT(user),
                DB_TEXT(msg_kinds[k].name));
    return ch ? ch : msg_kinds[k].channels;
}

/* The registered channels' names as a JSON array. */
static json_t *channel_names(void)
{
    int n;
    const struct notify_channel *const *chs = notify_channels(&n);
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, json_string(chs[i]->name));
    return arr;
}

enum err notify_prefs_get(struct ctx *c, json_t **out)
{
    int n;
    const struct notify_channel *const *chs = notify_channels(&n);
    json_t *prefs = json_object(), *kinds = json_array();
    for (int k = 0; k < MSG__COUNT; k++) {
        const char *chosen = notify_user_channels(c, c->user->id, (enum msg_kind)k);
        json_t *arr = json_array();
        for (int i = 0; i < n; i++)
            if (chs[i] == &notify_inbox_channel || notify_has_channel(chosen, chs[i]->name))
                json_array_append_new(arr, json_string(chs[i]->name));
        json_object_set_new(prefs, msg_kinds[k].name, arr);
        json_array_append_new(kinds, json_pack("{ss ss}", "name", msg_kinds[k].name, "label", msg_kinds[k].label));
    }
    *out = json_pack("{so so so}", "preferences", prefs, "kinds", kinds, "channels", channel_names());
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
    enum err e = ERR_OK;
    for (int i = 0; i < a->n && !e; i++) {
        e = db_exec(c->db,
                    "INSERT INTO notify_prefs (user_id, kind, channels) VALUES (?, ?, ?) "
                    "ON CONFLICT (user_id, kind) DO UPDATE SET channels = excluded.channels",
                    DB_INT(c->user->id), DB_TEXT(a->kinds[i]), DB_TEXT(a->chans[i]));
        json_object_set_new(sum, a->kinds[i], json_string(a->chans[i]));
    }
    e = e ? ctx_db_fail(c, e, "保存通知偏好") : audit_record(c, "preferences.update", "user", c->user->id, sum);
    json_decref(sum);
    return e;
}

/* "inbox、email、sms" (arena). */
static const char *channel_list(struct ctx *c)
{
    int n;
    const struct notify_channel *const *chs = notify_channels(&n);
    const char *s = "";
    for (int i = 0; i < n; i++)
        s = arena_printf(c->arena, "%s%s%s", s, i ? "、" : "", chs[i]->name);
    return s;
}

enum err notify_prefs_put(struct ctx *c, const json_t *body, json_t **out)
{
    const json_t *p = json_object_get(body, "preferences");
    int nch;
    const struct notify_channel *const *chs = notify_channels(&nch);
    struct prefs_args a = {0};
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)p, k, v)
    {
        enum msg_kind mk;
        if (!msg_kind_parse(k, &mk)) {
            const char *names = "";
            for (int i = 0; i < MSG__COUNT; i++)
                names = arena_printf(c->arena, "%s%s%s", names, i ? "、" : "", msg_kinds[i].name);
            return ctx_fail(c, ERR_INVALID, "未知的消息类型“%s”（可选：%s）", k, names);
        }
        if (!json_is_array(v))
            return ctx_fail(c, ERR_INVALID, "“%s”的渠道必须是数组，如 [\"inbox\",\"email\"]", k);
        /* the in-app inbox is always on; the list keeps the registry's order */
        const char *list = notify_inbox_channel.name;
        for (size_t i = 0; i < json_array_size(v); i++) {
            const char *name = json_string_value(json_array_get(v, i));
            if (!notify_channel(name))
                return ctx_fail(c, ERR_INVALID, "“%s”：未知渠道（可选：%s）", k, channel_list(c));
        }
        for (int j = 0; j < nch; j++) {
            if (chs[j] == &notify_inbox_channel)
                continue;
            for (size_t i = 0; i < json_array_size(v); i++)
                if (!strcmp(json_string_value(json_array_get(v, i)), chs[j]->name)) {
                    list = arena_printf(c->arena, "%s,%s", list, chs[j]->name);
                    break;
                }
        }
        a.kinds[a.n] = msg_kinds[mk].name;
        a.chans[a.n] = list;
        a.n++;
    }
    if (!a.n)
        return ctx_fail(c, ERR_INVALID, "preferences 不能为空");
    enum err e = ctx_tx(c, "保存通知偏好", prefs_tx, &a);
    return e ? e : notify_prefs_get(c, out);
}
