/* Unit tests for seal_sign and signature records (src/docs/seal.c) on a real SQLite database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "docs/seal.h"
#include "units/units.h"

struct env {
    char path[64];
    struct store *store;
    struct config cfg;
    struct arena arena;
    struct ctx c;
    int64_t unit_id;
    const char *unit_path;
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof *e);
    snprintf(e->path, sizeof e->path, "/tmp/ducha-test-seal-%d.db", (int)getpid());
    unlink(e->path);
    conf_defaults(&e->cfg);
    char err[256];
    if (!conf_set(&e->cfg, "audit_key", "unit-test-audit-key-0123", err, sizeof err) ||
        !conf_set(&e->cfg, "secret_key", "unit-test-secret", err, sizeof err))
        return -1;
    struct store_options opt = {.pool_size = 1, .busy_timeout_ms = 5000};
    if (store_open(e->path, &opt, &e->store, err, sizeof err) || store_migrate(e->store, err, sizeof err))
        return -1;
    e->c.arena = &e->arena;
    e->c.cfg = &e->cfg;
    e->c.db = store_acquire(e->store);
    e->c.client = "test";
    e->c.now = 1795400000;
    json_t *body = json_pack("{ss ss ss}", "code", "t-jt", "name", "测试县交通运输局", "kind", "department");
    json_t *out = NULL;
    if (units_create(&e->c, body, &out))
        return -1;
    e->unit_id = json_integer_value(json_object_get(out, "id"));
    e->unit_path = arena_strdup(&e->arena, json_string_value(json_object_get(out, "path")));
    json_decref(body);
    json_decref(out);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    store_release(e->c.db);
    store_close(e->store);
    arena_free(&e->arena);
    conf_free(&e->cfg);
    unlink(e->path);
    free(e);
    return 0;
}

static const char REPLY[] = "{\"item\":15,\"reply\":\"已全部修复，全线通车。\"}";

static void test_system_sign_creates_seal_and_record_verifies(void **state)
{
    struct env *e = *state;
    struct seal_signature sig = {.object_type = "item", .object_id = 15};
    assert_int_equal(seal_sign(&e->c, e->unit_id, REPLY, strlen(REPLY), &sig), ERR_OK);
    assert_true(sig.id > 0);
    assert_string_equal(sig.signer, "system");
    assert_int_equal(strlen(sig.fingerprint), 64);

    json_t *rec = NULL;
    assert_int_equal(seal_signature_get(&e->c, sig.id, &rec), ERR_OK);
    assert_string_equal(json_string_value(json_object_get(rec, "content")), REPLY);
    assert_null(seal_check_record(&e->arena, rec));

    /* the seal now exists and a second signature uses the same key */
    json_t *seal = NULL;
    assert_int_equal(seal_get(&e->c, e->unit_id, &seal), ERR_OK);
    assert_string_equal(json_string_value(json_object_get(seal, "fingerprint")), sig.fingerprint);
    json_decref(seal);

    /* tampering with the content, the signature or the key is detected */
    json_t *bad = json_deep_copy(rec);
    json_object_set_new(bad, "content", json_string("{\"item\":15,\"reply\":\"未完成\"}"));
    assert_non_null(strstr(seal_check_record(&e->arena, bad), "SM3"));
    json_decref(bad);

    struct seal_signature other = {0};
    const char msg2[] = "another reply";
    assert_int_equal(seal_sign(&e->c, e->unit_id, msg2, strlen(msg2), &other), ERR_OK);
    assert_string_equal(other.fingerprint, sig.fingerprint);
    bad = json_deep_copy(rec);
    json_object_set_new(bad, "signature", json_string(other.signature));
    assert_non_null(strstr(seal_check_record(&e->arena, bad), "SM2"));
    json_decref(bad);

    json_t *list = NULL;
    assert_int_equal(seal_signatures_of(&e->c, "item", 15, &list), ERR_OK);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    json_decref(rec);
}

static void test_sign_needs_head_role_at_the_unit(void **state)
{
    struct env *e = *state;
    struct grant g = {ROLE_CONTACT, e->unit_id, e->unit_path, "t-jt", "测试县交通运输局"};
    struct principal p = {.id = 0, .username = "contact", .name = "联络员", .grants = &g, .ngrants = 1};
    e->c.user = &p;
    struct seal_signature sig = {0};
    assert_int_equal(seal_sign(&e->c, e->unit_id, REPLY, strlen(REPLY), &sig), ERR_FORBIDDEN);
    g.role = ROLE_HEAD;
    e->c.err = ERR_OK;
    assert_int_equal(seal_sign(&e->c, e->unit_id, REPLY, strlen(REPLY), &sig), ERR_OK);
    assert_string_equal(sig.signer, "联络员");
    e->c.user = NULL;
}

static void test_sign_refuses_without_or_with_wrong_secret(void **state)
{
    struct env *e = *state;
    char err[64];
    struct seal_signature sig = {0};
    conf_set(&e->cfg, "secret_key", "", err, sizeof err);
    assert_int_equal(seal_sign(&e->c, e->unit_id, REPLY, strlen(REPLY), &sig), ERR_CONFLICT);
    assert_non_null(strstr(e->c.msg, "secret_key"));
    conf_set(&e->cfg, "secret_key", "another-secret", err, sizeof err);
    assert_int_equal(seal_sign(&e->c, e->unit_id, REPLY, strlen(REPLY), &sig), ERR_CONFLICT);
    assert_non_null(strstr(e->c.msg, "secret_key"));
    conf_set(&e->cfg, "secret_key", "unit-test-secret", err, sizeof err);
    const char bin[] = {'a', 0, 'b'};
    assert_int_equal(seal_sign(&e->c, e->unit_id, bin, sizeof bin, &sig), ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_system_sign_creates_seal_and_record_verifies),
        cmocka_unit_test(test_sign_needs_head_role_at_the_unit),
        cmocka_unit_test(test_sign_refuses_without_or_with_wrong_secret),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
