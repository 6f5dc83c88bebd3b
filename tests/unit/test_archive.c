/* Unit tests for archive files (src/docs/archive.c): write, verify, and every kind of tampering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "docs/archive.h"
#include "docs/seal.h"
#include "units/units.h"

struct env {
    char db[64], zip[64];
    struct store *store;
    struct config cfg;
    struct arena arena;
    struct ctx c;
    int64_t unit_id;
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof *e);
    snprintf(e->db, sizeof e->db, "/tmp/ducha-test-archive-%d.db", (int)getpid());
    snprintf(e->zip, sizeof e->zip, "/tmp/ducha-test-archive-%d.zip", (int)getpid());
    unlink(e->db);
    conf_defaults(&e->cfg);
    char err[256];
    conf_set(&e->cfg, "secret_key", "archive-test-secret", err, sizeof err);
    conf_set(&e->cfg, "audit_key", "archive-test-audit-key", err, sizeof err);
    struct store_options opt = {.pool_size = 1, .busy_timeout_ms = 5000};
    if (store_open(e->db, &opt, &e->store, err, sizeof err) || store_migrate(e->store, err, sizeof err))
        return -1;
    e->c.arena = &e->arena;
    e->c.cfg = &e->cfg;
    e->c.db = store_acquire(e->store);
    e->c.client = "test";
    e->c.now = 1795400000;
    json_t *body = json_pack("{ss ss ss}", "code", "t-office", "name", "测试县人民政府督查室", "kind", "office");
    json_t *out = NULL;
    if (units_create(&e->c, body, &out))
        return -1;
    e->unit_id = json_integer_value(json_object_get(out, "id"));
    json_decref(body);
    json_decref(out);
    /* a second audit record of the same unit, so the sub-chain has a link to check */
    body = json_pack("{ss}", "principal", "王主任");
    if (units_update(&e->c, e->unit_id, body, &out))
        return -1;
    json_decref(body);
    json_decref(out);
    if (audit_open(&e->c) || audit_seal(&e->c, 0, NULL))
        return -1;
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
    unlink(e->db);
    unlink(e->zip);
    free(e);
    return 0;
}

/* Builds a fresh archive at e->zip. */
static void build(struct env *e)
{
    json_t *audit = NULL, *sigs = json_array();
    assert_int_equal(archive_audit_records(&e->c, "unit", e->unit_id, &audit), ERR_OK);
    assert_true(json_array_size(json_object_get(audit, "records")) >= 2);
    struct seal_signature sig = {.object_type = "item", .object_id = 7};
    const char reply[] = "{\"reply\":\"已办结\"}";
    assert_int_equal(seal_sign_for_unit(&e->c, e->unit_id, reply, strlen(reply), &sig), ERR_OK);
    json_t *rec = NULL;
    assert_int_equal(seal_signature_get(&e->c, sig.id, &rec), ERR_OK);
    json_array_append_new(sigs, rec);
    char *a = json_dumps(audit, JSON_INDENT(1)), *s = json_dumps(sigs, JSON_INDENT(1));
    const char doc[] = "%PDF-1.5 pretend document";
    struct archive_member m[] = {
        {"audit.json", a, strlen(a), NULL},
        {"signatures.json", s, strlen(s), NULL},
        {"documents/notice.pdf", doc, sizeof doc - 1, NULL},
    };
    json_t *manifest = json_pack("{s{ss}}", "item", "number", "测督〔2026〕1号");
    const char *sm3;
    int64_t size;
    assert_int_equal(archive_write(&e->c, e->zip, manifest, m, 3, e->unit_id, &sm3, &size), ERR_OK);
    assert_int_equal(strlen(sm3), 64);
    assert_true(size > 0);
    json_decref(manifest);
    json_decref(audit);
    json_decref(sigs);
    free(a);
    free(s);
}

/* Replaces (data != NULL) or deletes a member with libzip. */
static void tamper(const char *zip, const char *name, const char *data)
{
    int err = 0;
    zip_t *za = zip_open(zip, 0, &err);
    assert_non_null(za);
    zip_int64_t idx = zip_name_locate(za, name, 0);
    assert_true(idx >= 0);
    if (data) {
        zip_source_t *src = zip_source_buffer(za, data, strlen(data), 0);
        assert_int_equal(zip_file_replace(za, (zip_uint64_t)idx, src, 0), 0);
    } else {
        assert_int_equal(zip_delete(za, (zip_uint64_t)idx), 0);
    }
    assert_int_equal(zip_close(za), 0);
}

/* Reads a member as a malloc'd string. */
static char *member(const char *zip, const char *name)
{
    int err = 0;
    zip_t *za = zip_open(zip, ZIP_RDONLY, &err);
    zip_stat_t st;
    assert_int_equal(zip_stat(za, name, 0, &st), 0);
    char *buf = calloc(1, st.size + 1);
    zip_file_t *f = zip_fopen(za, name, 0);
    assert_int_equal(zip_fread(f, buf, st.size), (zip_int64_t)st.size);
    zip_fclose(f);
    zip_discard(za);
    return buf;
}

static bool problem_names(const struct archive_report *r, const char *name)
{
    for (int i = 0; i < r->nproblems; i++)
        if (strncmp(r->problems[i], name, strlen(name)) == 0)
            return true;
    return false;
}

static void test_fresh_archive_verifies(void **state)
{
    struct env *e = *state;
    build(e);
    struct arena a = ARENA_INIT;
    struct archive_report r;
    assert_true(archive_verify(e->zip, &a, &r));
    assert_int_equal(r.nproblems, 0);
    assert_int_equal(r.checked, 3);
    assert_non_null(r.fingerprint);
    assert_string_equal(r.item_number, "测督〔2026〕1号");
    arena_free(&a);
}

static void test_changed_byte_in_a_document_names_it(void **state)
{
    struct env *e = *state;
    build(e);
    tamper(e->zip, "documents/notice.pdf", "%PDF-1.5 pretend documenT");
    struct arena a = ARENA_INIT;
    struct archive_report r;
    assert_false(archive_verify(e->zip, &a, &r));
    assert_true(problem_names(&r, "documents/notice.pdf"));
    assert_int_equal(r.nproblems, 1);
    arena_free(&a);
}

static void test_removed_member_is_named(void **state)
{
    struct env *e = *state;
    build(e);
    tamper(e->zip, "audit.json", NULL);
    struct arena a = ARENA_INIT;
    struct archive_report r;
    assert_false(archive_verify(e->zip, &a, &r));
    assert_true(problem_names(&r, "audit.json"));
    arena_free(&a);
}

static void test_changed_audit_record_is_not_in_the_signed_tree(void **state)
{
    struct env *e = *state;
    build(e);
    struct arena a = ARENA_INIT;
    struct archive_report r;
    assert_true(archive_verify(e->zip, &a, &r));
    assert_true(r.audit_records >= 2);
    assert_non_null(r.audit_fingerprint);
    char *m = member(e->zip, "audit.json");
    char *p = strstr(m, "王主任");
    assert_non_null(p);
    memcpy(p, "李主任", strlen("李主任"));
    tamper(e->zip, "audit.json", m);
    free(m);
    assert_false(archive_verify(e->zip, &a, &r));
    assert_true(problem_names(&r, "audit.json"));
    bool named = false;
    for (int i = 0; i < r.nproblems; i++)
        named = named || strstr(r.problems[i], "审计记录不在签名的审计树中") != NULL;
    assert_true(named);
    arena_free(&a);
}

static void test_changed_manifest_is_caught_by_its_seal(void **state)
{
    struct env *e = *state;
    build(e);
    char *m = member(e->zip, "manifest.json");
    char *p = strstr(m, "测督");
    assert_non_null(p);
    memcpy(p, "改督", strlen("改督"));
    tamper(e->zip, "manifest.json", m);
    free(m);
    struct arena a = ARENA_INIT;
    struct archive_report r;
    assert_false(archive_verify(e->zip, &a, &r));
    assert_true(problem_names(&r, "manifest.json"));
    arena_free(&a);
}

static void test_replaced_signature_is_named(void **state)
{
    struct env *e = *state;
    build(e);
    /* manifest.sig replaced by another valid signature of the same seal over other content */
    struct seal_signature sig = {0};
    const char other[] = "something else";
    assert_int_equal(seal_sign_for_unit(&e->c, e->unit_id, other, strlen(other), &sig), ERR_OK);
    json_t *rec = NULL;
    assert_int_equal(seal_signature_get(&e->c, sig.id, &rec), ERR_OK);
    char *t = json_dumps(rec, 0);
    tamper(e->zip, "manifest.sig", t);
    free(t);
    struct arena a = ARENA_INIT;
    struct archive_report r;
    assert_false(archive_verify(e->zip, &a, &r));
    assert_true(problem_names(&r, "manifest.json") || problem_names(&r, "manifest.sig"));

    /* a signature inside signatures.json swapped for another: the member's SM3 no longer matches */
    build(e);
    char *s = member(e->zip, "signatures.json");
    char *q = strstr(s, "\"signature\": \"");
    assert_non_null(q);
    q += strlen("\"signature\": \"");
    const char *newsig = json_string_value(json_object_get(rec, "signature"));
    char *end = strchr(q, '"');
    size_t rest = strlen(end);
    char *s2 = calloc(1, (size_t)(q - s) + strlen(newsig) + rest + 1);
    memcpy(s2, s, (size_t)(q - s));
    strcat(s2, newsig);
    strcat(s2, end);
    tamper(e->zip, "signatures.json", s2);
    assert_false(archive_verify(e->zip, &a, &r));
    assert_true(problem_names(&r, "signatures.json"));
    free(s);
    free(s2);
    json_decref(rec);
    arena_free(&a);
}

static void test_added_member_is_named(void **state)
{
    struct env *e = *state;
    build(e);
    int err = 0;
    zip_t *za = zip_open(e->zip, 0, &err);
    zip_file_add(za, "extra.txt", zip_source_buffer(za, "x", 1, 0), 0);
    zip_close(za);
    struct arena a = ARENA_INIT;
    struct archive_report r;
    assert_false(archive_verify(e->zip, &a, &r));
    assert_true(problem_names(&r, "extra.txt"));
    arena_free(&a);
}

static void test_not_a_zip(void **state)
{
    struct env *e = *state;
    FILE *f = fopen(e->zip, "wb");
    fputs("PK not really", f);
    fclose(f);
    struct arena a = ARENA_INIT;
    struct archive_report r;
    assert_false(archive_verify(e->zip, &a, &r));
    assert_int_equal(r.nproblems, 1);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh_archive_verifies),
        cmocka_unit_test(test_changed_byte_in_a_document_names_it),
        cmocka_unit_test(test_removed_member_is_named),
        cmocka_unit_test(test_changed_manifest_is_caught_by_its_seal),
        cmocka_unit_test(test_changed_audit_record_is_not_in_the_signed_tree),
        cmocka_unit_test(test_replaced_signature_is_named),
        cmocka_unit_test(test_added_member_is_named),
        cmocka_unit_test(test_not_a_zip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
