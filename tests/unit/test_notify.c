/*
 * Unit tests of notifications (src/notify) through the channel interface: a channel registered at
 * start-up is chosen in preferences, queued by notify_user and sent by notify_deliver (with retries
 * and dead letters) like the built-in ones; notify_role_at reaches every holder of a role, however
 * many.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "auth/users.h"
#include "base/timeu.h"
#include "notify/channel.h"
#include "units/units.h"

static struct {
    char path[64];
    struct store *store;
    struct config cfg;
    int64_t unit, user;
} W;

/* What the test channel was asked to send. */
static struct {
    int sends;
    bool fail;
    char last_address[64], last_subject[128];
    int64_t last_id;
} hook;

static const char *hook_address(struct ctx *c, const struct notify_recipient *r)
{
    return arena_printf(c->arena, "https://hooks.example/%s", r->username);
}

static bool hook_configured(const struct config *cfg)
{
    (void)cfg;
    return true;
}

static bool hook_send(struct ctx *c, const struct notify_message *m, char *err, size_t errlen)
{
    (void)c;
    hook.sends++;
    hook.last_id = m->id;
    snprintf(hook.last_address, sizeof hook.last_address, "%s", m->address);
    snprintf(hook.last_subject, sizeof hook.last_subject, "%s", m->subject);
    if (hook.fail)
        snprintf(err, errlen, "HTTP 500");
    return !hook.fail;
}

static const struct notify_channel hook_channel = {
    .name = "webhook",
    .label = "测试回调",
    .deferred = true,
    .address = hook_address,
    .configured = hook_configured,
    .send = hook_send,
};

static void ctx_at(struct ctx *c, struct arena *a, const char *iso)
{
    memset(c, 0, sizeof *c);
    c->arena = a;
    c->cfg = &W.cfg;
    c->client = "test";
    c->db = store_acquire(W.store);
    assert_true(time_parse_iso(iso, &c->now));
}

static int64_t mk_user(struct ctx *c, const char *name, const char *role)
{
    json_t *b = json_pack("{ss ss sI s[{ss sI}]}", "username", name, "name", name, "unit_id", (json_int_t)W.unit,
                          "roles", "role", role, "unit_id", (json_int_t)W.unit),
           *out = NULL;
    assert_int_equal(users_create_hashed(c, b, "$argon2id$v=19$m=65536,t=2,p=1$x$y", &out), ERR_OK);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(b);
    json_decref(out);
    return id;
}

static int setup(void **state)
{
    (void)state;
    snprintf(W.path, sizeof W.path, "/tmp/ducha-test-notify-%d.db", (int)getpid());
    unlink(W.path);
    conf_defaults(&W.cfg);
    conf_set(&W.cfg, "audit_key", "unit-test-audit-key-0123", (char[64]){0}, 64);
    W.cfg.notify_attempts = 2;
    time_set_zone("Asia/Shanghai");
    struct store_options opt = {.pool_size = 1, .busy_timeout_ms = 5000};
    char err[256];
    assert_int_equal(store_open(W.path, &opt, &W.store, err, sizeof err), ERR_OK);
    assert_int_equal(store_migrate(W.store, err, sizeof err), ERR_OK);
    notify_register_channel(&hook_channel);
    struct arena a = ARENA_INIT;
    struct ctx c;
    ctx_at(&c, &a, "2026-03-02T01:00:00Z");
    json_t *b = json_pack("{ss ss ss}", "code", "gov", "name", "某县人民政府", "kind", "government"), *out = NULL;
    assert_int_equal(units_create(&c, b, &out), ERR_OK);
    W.unit = json_integer_value(json_object_get(out, "id"));
    json_decref(b);
    json_decref(out);
    W.user = mk_user(&c, "hooked", "office");
    store_release(c.db);
    arena_free(&a);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    store_close(W.store);
    conf_free(&W.cfg);
    unlink(W.path);
    return 0;
}

static int64_t count(struct ctx *c, const char *sql, int64_t id)
{
    int64_t n = -1;
    assert_int_equal(db_one_int(c->db, &n, sql, DB_INT(id)), ERR_OK);
    return n;
}

/* A registered channel is a choice like the built-in ones: queued, sent, retried, dead-lettered. */
static void test_a_registered_channel_is_chosen_queued_and_sent(void **state)
{
    (void)state;
    struct arena a = ARENA_INIT;
    struct ctx c;
    ctx_at(&c, &a, "2026-03-02T01:00:00Z"); /* Monday 09:00 local: office hours */
    struct principal me = {.id = W.user, .username = "hooked"};
    c.user = &me;
    json_t *prefs = json_pack("{s{s[s]}}", "preferences", "system", "webhook"), *out = NULL;
    assert_int_equal(notify_prefs_put(&c, prefs, &out), ERR_OK);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(json_object_get(out, "preferences"), "system"), 1)),
        "webhook");
    json_t *chans = json_object_get(out, "channels");
    assert_string_equal(json_string_value(json_array_get(chans, json_array_size(chans) - 1)), "webhook");
    json_decref(prefs);
    json_decref(out);
    /* an unknown channel is refused with its name and the choices */
    prefs = json_pack("{s{s[s]}}", "preferences", "system", "pigeon");
    assert_int_equal(notify_prefs_put(&c, prefs, &out), ERR_INVALID);
    assert_non_null(strstr(c.msg, "webhook"));
    json_decref(prefs);
    c.user = NULL;

    struct notice n = {
        .kind = MSG_SYSTEM, .subject = "测试通知", .body = "正文", .object_type = "user", .object_id = W.user};
    assert_int_equal(db_begin(c.db), 0);
    assert_int_equal(notify_user(&c, W.user, &n), ERR_OK);
    assert_int_equal(db_commit(c.db), 0);
    assert_int_equal(count(&c,
                           "SELECT COUNT(*) FROM outbox WHERE user_id = ? AND channel = 'webhook' AND "
                           "state = 'pending' AND address = 'https://hooks.example/hooked'",
                           W.user),
                     1);
    assert_int_equal(count(&c, "SELECT COUNT(*) FROM outbox WHERE user_id = ? AND channel = 'inbox'", W.user), 1);
    int sent, failed;
    assert_int_equal(notify_deliver(&c, 10, &sent, &failed), ERR_OK);
    assert_int_equal(sent, 1);
    assert_int_equal(hook.sends, 1);
    assert_string_equal(hook.last_subject, "测试通知");
    assert_int_equal(count(&c, "SELECT COUNT(*) FROM outbox WHERE id = ? AND state = 'sent'", hook.last_id), 1);

    /* failures: retried after the back-off, then a dead letter after notify_attempts */
    hook.fail = true;
    assert_int_equal(db_begin(c.db), 0);
    assert_int_equal(notify_user(&c, W.user, &n), ERR_OK);
    assert_int_equal(db_commit(c.db), 0);
    assert_int_equal(notify_deliver(&c, 10, &sent, &failed), ERR_OK);
    assert_int_equal(failed, 1);
    int64_t id = hook.last_id;
    assert_int_equal(count(&c, "SELECT COUNT(*) FROM outbox WHERE id = ? AND state = 'pending'", id), 1);
    assert_int_equal(notify_deliver(&c, 10, &sent, &failed), ERR_OK); /* not due yet */
    assert_int_equal(hook.sends, 2);
    c.now += 3600;
    assert_int_equal(notify_deliver(&c, 10, &sent, &failed), ERR_OK);
    assert_int_equal(hook.sends, 3);
    assert_int_equal(count(&c,
                           "SELECT COUNT(*) FROM outbox WHERE id = ? AND state = 'dead' AND "
                           "last_error = 'HTTP 500'",
                           id),
                     1);
    hook.fail = false;
    store_release(c.db);
    arena_free(&a);
}

/* Every holder of a role hears of it: no limit on their number. */
static void test_role_reaches_every_holder(void **state)
{
    (void)state;
    struct arena a = ARENA_INIT;
    struct ctx c;
    ctx_at(&c, &a, "2026-03-02T01:00:00Z");
    for (int i = 0; i < 70; i++)
        mk_user(&c, arena_printf(&a, "contact%02d", i), "contact");
    struct notice n = {
        .kind = MSG_SYSTEM, .subject = "请各联络员注意", .body = "", .object_type = "unit", .object_id = W.unit};
    assert_int_equal(db_begin(c.db), 0);
    assert_int_equal(notify_role_at(&c, W.unit, "contact", &n), ERR_OK);
    assert_int_equal(db_commit(c.db), 0);
    int64_t k = -1;
    assert_int_equal(db_one_int(c.db, &k,
                                "SELECT COUNT(DISTINCT user_id) FROM outbox WHERE channel = 'inbox' AND subject = ?",
                                DB_TEXT("请各联络员注意")),
                     ERR_OK);
    assert_int_equal(k, 70);
    store_release(c.db);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_registered_channel_is_chosen_queued_and_sent),
        cmocka_unit_test(test_role_reaches_every_holder),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
