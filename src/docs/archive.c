#include "docs/archive.h"

#include "audit/audit.h"
#include "crypto/hash.h"
#include "docs/seal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#define ARCHIVE_FORMAT "ducha-archive/1"

/* The text the archiving office's seal signs: binds the signature to these exact manifest bytes. */
static char *manifest_statement(struct arena *a, const char *manifest_sm3)
{
    return arena_printf(a, "%s manifest.json sm3=%s", ARCHIVE_FORMAT, manifest_sm3);
}

/* SM3 and size of a file; false if it cannot be read. */
static bool file_sm3(const char *path, char out[65], int64_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    struct sm3_ctx *h = sm3_begin();
    char buf[65536];
    size_t n;
    *size = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        sm3_update(h, buf, n);
        *size += (int64_t)n;
    }
    bool ok = !ferror(f);
    fclose(f);
    sm3_end(h, out);
    return ok;
}

enum err archive_write(struct ctx *c, const char *zip_path, json_t *manifest, const struct archive_member *m, int n,
                       int64_t seal_unit_id, const char **sm3, int64_t *size)
{
    json_t *members = json_array();
    for (int i = 0; i < n; i++) {
        char h[65];
        int64_t sz = (int64_t)m[i].len;
        if (m[i].path) {
            if (!file_sm3(m[i].path, h, &sz)) {
                json_decref(members);
                return ctx_fail(c, ERR_INTERNAL, "归档失败：无法读取文件 %s", m[i].name);
            }
        } else {
            sm3_hex(m[i].data, m[i].len, h);
        }
        json_array_append_new(members, json_pack("{ss sI ss}", "name", m[i].name, "size", (json_int_t)sz, "sm3", h));
    }
    json_object_set_new(manifest, "format", json_string(ARCHIVE_FORMAT));
    json_object_set_new(manifest, "members", members);
    char *text = json_dumps(manifest, JSON_INDENT(1) | JSON_SORT_KEYS);
    if (!text)
        die_oom();
    const char *mtext = arena_strdup(c->arena, text);
    free(text);
    char msm3[65];
    sm3_hex(mtext, strlen(mtext), msm3);

    const char *sig_text = NULL;
    if (seal_available(c) && seal_unit_id > 0) {
        const char *stmt = manifest_statement(c->arena, msm3);
        struct seal_signature sig = {.object_type = "archive",
                                     .object_id =
                                         json_integer_value(json_object_get(json_object_get(manifest, "item"), "id"))};
        enum err e = seal_sign_for_unit(c, seal_unit_id, stmt, strlen(stmt), &sig);
        if (e)
            return e;
        json_t *rec = NULL;
        if ((e = seal_signature_get(c, sig.id, &rec)))
            return e;
        char *t = json_dumps(rec, JSON_INDENT(1) | JSON_SORT_KEYS);
        sig_text = arena_strdup(c->arena, t);
        free(t);
        json_decref(rec);
    }

    const char *tmp = arena_printf(c->arena, "%s.tmp", zip_path);
    int zerr = 0;
    zip_t *za = zip_open(tmp, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (!za)
        return ctx_fail(c, ERR_INTERNAL, "归档失败：无法创建归档文件（%s）", zip_path);
    bool ok = true;
    struct {
        const char *name, *data;
    } head[] = {{"manifest.json", mtext}, {"manifest.sig", sig_text}};
    for (size_t i = 0; i < 2 && ok; i++) {
        if (!head[i].data)
            continue;
        zip_source_t *src = zip_source_buffer(za, head[i].data, strlen(head[i].data), 0);
        zip_int64_t idx = src ? zip_file_add(za, head[i].name, src, ZIP_FL_ENC_UTF_8) : -1;
        if (idx < 0) {
            zip_source_free(src);
            ok = false;
        } else {
            zip_file_set_mtime(za, (zip_uint64_t)idx, (time_t)c->now, 0);
        }
    }
    for (int i = 0; i < n && ok; i++) {
        zip_source_t *src =
            m[i].path ? zip_source_file(za, m[i].path, 0, -1) : zip_source_buffer(za, m[i].data, m[i].len, 0);
        zip_int64_t idx = src ? zip_file_add(za, m[i].name, src, ZIP_FL_ENC_UTF_8) : -1;
        if (idx < 0) {
            zip_source_free(src);
            ok = false;
        } else {
            zip_file_set_mtime(za, (zip_uint64_t)idx, (time_t)c->now, 0);
        }
    }
    if (!ok || zip_close(za) != 0) {
        zip_discard(za); /* not closed, or the close failed: still ours to free */
        unlink(tmp);
        return ctx_fail(c, ERR_INTERNAL, "归档失败：写入归档文件出错");
    }
    if (rename(tmp, zip_path) != 0) {
        unlink(tmp);
        return ctx_fail(c, ERR_INTERNAL, "归档失败：%s", strerror(errno));
    }
    char zh[65];
    if (!file_sm3(zip_path, zh, size))
        return ctx_fail(c, ERR_INTERNAL, "归档失败：无法读取归档文件");
    *sm3 = arena_strdup(c->arena, zh);
    return ERR_OK;
}

enum err archive_audit_records(struct ctx *c, const char *object_type, int64_t object_id, json_t **out)
{
    json_t *records = NULL, *head = NULL;
    enum err e = audit_object_records(c, object_type, object_id, &records, &head);
    if (e)
        return e;
    *out = json_pack("{ss so so}", "format", "ducha-audit-records/1", "tree_head", head, "records", records);
    return ERR_OK;
}

/* ---- verification (offline) ---- */

#define MAX_PROBLEMS 200

static void problem(struct arena *a, struct archive_report *r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(struct arena *a, struct archive_report *r, const char *fmt, ...)
{
    if (r->nproblems >= MAX_PROBLEMS)
        return;
    va_list ap;
    va_start(ap, fmt);
    r->problems[r->nproblems++] = arena_vprintf(a, fmt, ap);
    va_end(ap);
}

/* Reads a member into arena memory (NUL-terminated). 0 ok, -1 missing, -2 unreadable (CRC, …). */
static int read_member(zip_t *za, const char *name, struct arena *a, char **data, size_t *len)
{
    zip_int64_t idx = zip_name_locate(za, name, ZIP_FL_ENC_UTF_8);
    if (idx < 0)
        return -1;
    zip_stat_t st;
    if (zip_stat_index(za, (zip_uint64_t)idx, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || st.size > (1u << 30))
        return -2;
    zip_file_t *f = zip_fopen_index(za, (zip_uint64_t)idx, 0);
    if (!f)
        return -2;
    char *buf = arena_alloc(a, (size_t)st.size + 1);
    zip_int64_t got = 0, r;
    while ((zip_uint64_t)got < st.size && (r = zip_fread(f, buf + got, st.size - (zip_uint64_t)got)) > 0)
        got += r;
    /* reading to the end makes libzip check the CRC */
    char extra;
    r = zip_fread(f, &extra, 1);
    zip_fclose(f);
    if ((zip_uint64_t)got != st.size || r < 0)
        return -2;
    buf[got] = 0;
    *data = buf;
    *len = (size_t)got;
    return 0;
}

static const char *jstr(const json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (json_is_string(v))
        return json_string_value(v);
    return NULL;
}

static void audit_problem(void *arg, const char *text)
{
    struct {
        struct arena *a;
        struct archive_report *r;
    } *p = arg;
    problem(p->a, p->r, "%s", text);
}

/* audit.json: the item's audit records, each proved to be in the audit log by an inclusion proof in a
 * tree head signed with the audit checkpoint key (no database or key needed). */
static void verify_audit(struct arena *a, struct archive_report *r, const char *text, size_t len)
{
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, 0, &jerr);
    struct {
        struct arena *a;
        struct archive_report *r;
    } p = {a, r};
    if (!json_is_object(doc) || !json_is_array(json_object_get(doc, "records"))) {
        problem(a, r, "audit.json: 不是审计记录文件");
    } else {
        r->audit_records = audit_check_records(a, json_object_get(doc, "records"), json_object_get(doc, "tree_head"),
                                               &r->audit_fingerprint, audit_problem, &p);
    }
    json_decref(doc);
}

static void verify_signatures(struct arena *a, struct archive_report *r, const char *text, size_t len)
{
    json_error_t jerr;
    json_t *arr = json_loadb(text, len, 0, &jerr);
    if (!json_is_array(arr)) {
        problem(a, r, "signatures.json: 不是签章记录数组");
        json_decref(arr);
        return;
    }
    size_t i;
    json_t *rec;
    json_array_foreach(arr, i, rec)
    {
        const char *why = seal_check_record(a, rec);
        if (why)
            problem(a, r, "signatures.json: 第 %zu 个签章（%s）：%s", i + 1,
                    jstr(rec, "unit") ? jstr(rec, "unit") : "?", why);
    }
    json_decref(arr);
}

bool archive_verify(const char *zip_path, struct arena *a, struct archive_report *r)
{
    memset(r, 0, sizeof *r);
    r->problems = arena_alloc(a, sizeof *r->problems * MAX_PROBLEMS);
    int zerr = 0;
    zip_t *za = zip_open(zip_path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
    if (!za) {
        problem(a, r, "%s: 不是完整的 ZIP 归档文件（错误 %d）", zip_path, zerr);
        return false;
    }
    char *mtext = NULL, *stext = NULL;
    size_t mlen = 0, slen = 0;
    int rc = read_member(za, "manifest.json", a, &mtext, &mlen);
    json_t *manifest = NULL;
    if (rc == 0) {
        json_error_t jerr;
        manifest = json_loadb(mtext, mlen, 0, &jerr);
    }
    if (!json_is_object(manifest) || strcmp(jstr(manifest, "format") ? jstr(manifest, "format") : "", ARCHIVE_FORMAT)) {
        problem(a, r, "manifest.json: %s",
                rc == -1   ? "缺失"
                : rc == -2 ? "无法读取（校验和错误）"
                           : "不是 ducha 归档清单");
        json_decref(manifest);
        zip_close(za);
        return false;
    }
    json_t *item = json_object_get(manifest, "item");
    r->item_number = arena_strdup(a, jstr(item, "number"));

    /* the office's seal over the manifest */
    rc = read_member(za, "manifest.sig", a, &stext, &slen);
    if (rc == -1) {
        problem(a, r, "manifest.sig: 缺失（清单未加盖电子印章，无法确认清单未被改动；服务器需配置 secret_key）");
    } else if (rc == -2) {
        problem(a, r, "manifest.sig: 无法读取（校验和错误）");
    } else {
        json_error_t jerr;
        json_t *sig = json_loadb(stext, slen, 0, &jerr);
        char msm3[65];
        sm3_hex(mtext, mlen, msm3);
        const char *why = json_is_object(sig) ? seal_check_record(a, sig) : "不是签章记录";
        if (why)
            problem(a, r, "manifest.sig: %s", why);
        else if (strcmp(jstr(sig, "content"), manifest_statement(a, msm3)) != 0)
            problem(a, r, "manifest.json: 与 manifest.sig 签署的清单摘要不符（清单被改动）");
        else
            r->fingerprint = arena_strdup(a, jstr(sig, "fingerprint"));
        json_decref(sig);
    }

    /* every listed member */
    json_t *members = json_object_get(manifest, "members"), *mem;
    size_t i;
    json_array_foreach(members, i, mem)
    {
        const char *name = jstr(mem, "name");
        if (!name)
            continue;
        char *data;
        size_t len;
        rc = read_member(za, name, a, &data, &len);
        if (rc == -1) {
            problem(a, r, "%s: 缺失（被删除）", name);
            continue;
        }
        if (rc == -2) {
            problem(a, r, "%s: 无法读取（ZIP 校验和错误，内容被改动）", name);
            continue;
        }
        char h[65];
        sm3_hex(data, len, h);
        if ((json_int_t)len != json_integer_value(json_object_get(mem, "size")) ||
            strcmp(h, jstr(mem, "sm3") ? jstr(mem, "sm3") : "") != 0)
            problem(a, r, "%s: SM3 与清单不符（内容被改动）", name);
        else
            r->checked++;
        /* look inside even a changed member: say which record or signature no longer holds */
        if (!strcmp(name, "audit.json"))
            verify_audit(a, r, data, len);
        else if (!strcmp(name, "signatures.json"))
            verify_signatures(a, r, data, len);
    }
    /* members nobody listed */
    zip_int64_t total = zip_get_num_entries(za, 0);
    for (zip_int64_t k = 0; k < total; k++) {
        const char *name = zip_get_name(za, (zip_uint64_t)k, ZIP_FL_ENC_GUESS);
        if (!name || !strcmp(name, "manifest.json") || !strcmp(name, "manifest.sig"))
            continue;
        bool listed = false;
        json_array_foreach(members, i, mem) if (!strcmp(jstr(mem, "name") ? jstr(mem, "name") : "", name)) listed =
            true;
        if (!listed)
            problem(a, r, "%s: 不在清单中（被加入）", name);
    }
    json_decref(manifest);
    zip_discard(za);
    return r->nproblems == 0;
}
