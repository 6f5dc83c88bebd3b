/*
 * itemdocs_archive.c: what the items workflow asks of documents inside its transactions, through
 * the hooks of core/hooks.h that docs_register installs: the seal on a unit's signed reply, and the
 * archive file of an item (立卷归档: its documents, timeline, audit sub-chain, signatures and
 * attachments — with the files reported with the rectification of a criticism resting on it — in one sealed
 * ZIP, src/docs/archive.c).
 */
#include "docs/bulletins.h"
#include "docs/itemdocs_internal.h"

#include "audit/audit.h"
#include "base/log.h"
#include "base/timeu.h"
#include "core/claim.h"
#include "core/hooks.h"
#include "core/perm.h"
#include "docs/archive.h"
#include "docs/seal.h"
#include "results/results.h"
#include "units/units.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- seals on replies ---- */

/*
 * Seals a unit's signed reply: the canonical JSON of {<object_type>_id, number, title, unit_id, unit,
 * reply, signer, signed_at} is signed with the unit's seal (created on first use), inside the caller's
 * transaction. Without a configured secret_key the reply is signed without a seal (a warning is
 * logged), so that deployments without seals keep working.
 */
static enum err seal_reply(struct ctx *c, const struct doc_reply *r)
{
    if (!seal_available(c)) {
        log_warn("%s %" PRId64 ": reply signed without a digital seal (secret_key is not configured)", r->object_type,
                 r->object_id);
        return ERR_OK;
    }
    char at[21];
    time_format_iso(c->now, at);
    const char *signer = c->user ? (c->user->name && *c->user->name ? c->user->name : c->user->username) : "system";
    json_t *canon = json_pack(
        "{sI ss ss sI ss ss ss ss}", arena_printf(c->arena, "%s_id", r->object_type), (json_int_t)r->object_id,
        "number", r->number ? r->number : "", "title", r->title ? r->title : "", "unit_id", (json_int_t)r->unit_id,
        "unit", r->unit_name ? r->unit_name : "", "reply", r->reply ? r->reply : "", "signer", signer, "signed_at", at);
    char *text = json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(canon);
    struct seal_signature sig = {.object_type = r->object_type, .object_id = r->object_id};
    enum err e = r->office ? seal_sign_for_unit(c, r->unit_id, text, strlen(text), &sig)
                           : seal_sign(c, r->unit_id, text, strlen(text), &sig);
    free(text);
    return e;
}

/* ---- archive files ---- */

static const char *safe_name(struct arena *a, const char *s)
{
    char *o = arena_strdup(a, s && *s ? s : "file");
    for (char *p = o; *p; p++)
        if (*p == '/' || *p == '\\' || (unsigned char)*p < 0x20)
            *p = '_';
    return o;
}

/* Appends a member (*m grows in the arena as needed): the file at path, named dir/<id>-<name>. */
static void member_add(struct ctx *c, struct archive_member **m, int *n, int *cap, const char *dir, int64_t id,
                       const char *filename, const char *path)
{
    if (*n == *cap) {
        struct archive_member *grown = arena_alloc(c->arena, sizeof *grown * (size_t)(*cap * 2));
        memcpy(grown, *m, sizeof *grown * (size_t)*n);
        *m = grown;
        *cap *= 2;
    }
    (*m)[(*n)++] = (struct archive_member){
        arena_printf(c->arena, "%s/%" PRId64 "-%s", dir, id, safe_name(c->arena, filename)), NULL, 0, path};
}

/* Appends the item's attachments to the members, and the files a criticised unit reported with the rectification of a
 * criticism resting on the item (rectification/). */
static enum err attachments_members(struct ctx *c, int64_t item_id, struct archive_member **m, int *n, int *cap)
{
    json_t *list = NULL;
    enum err e = items_attachments(c, item_id, &list);
    if (e)
        return e;
    json_t *arr = json_is_array(list) ? list : json_object_get(list, "attachments"), *v;
    size_t i;
    const char *path, *filename, *type;
    json_array_foreach(arr, i, v)
    {
        int64_t aid = json_integer_value(json_object_get(v, "id"));
        if (!items_attachment_file(c, aid, &path, &filename, &type))
            member_add(c, m, n, cap, "attachments", aid, filename, path);
    }
    json_decref(list);
    list = results_item_files(c, item_id);
    json_array_foreach(list, i, v)
    {
        int64_t aid = json_integer_value(json_object_get(v, "id"));
        if (!results_attachment_file(c, aid, &path, &filename, &type))
            member_add(c, m, n, cap, "rectification", aid, filename, path);
    }
    json_decref(list);
    return ERR_OK;
}

static bool is_pdf(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && !strcasecmp(name + n - 4, ".pdf");
}

/* The attachments (members from k0 on) in the order of the 卷内目录: PDFs first, each group as uploaded. */
static void pdfs_first(struct archive_member *m, int k0, int n)
{
    for (int i = k0 + 1; i < n; i++)
        for (int k = i; k > k0 && is_pdf(m[k].name) && !is_pdf(m[k - 1].name); k--) {
            struct archive_member t = m[k];
            m[k] = m[k - 1];
            m[k - 1] = t;
        }
}

/* The 卷内目录 of the file: the two documents with their pages, the attachments (PDFs first), the records. */
static enum err contents_pdf(struct ctx *c, struct item_docs *d, const struct archive_member *m, int n,
                             const int *pages, struct buf *out)
{
    struct doc_contents_row *rows = arena_alloc(c->arena, sizeof *rows * (size_t)n);
    static const struct {
        const char *name, *title;
    } known[] = {{"documents/notice.pdf", "督办通知"},
                 {"documents/record.pdf", "督办事项办理情况"},
                 {"audit.json", "审计记录（本事项的审计子链）"},
                 {"signatures.json", "电子签章记录"},
                 {"seals.json", "印章公钥"}};
    for (int i = 0; i < n; i++) {
        const char *t = NULL;
        for (size_t k = 0; k < sizeof known / sizeof *known && !t; k++)
            if (!strcmp(m[i].name, known[k].name))
                t = known[k].title;
        if (!t) { /* attachments/<id>-<name>, rectification/<id>-<name> (a criticism's 整改材料) */
            const char *dash = strchr(m[i].name, '-');
            t = arena_printf(c->arena, "%s：%s", strncmp(m[i].name, "rectification/", 14) ? "附件" : "整改材料",
                             dash ? dash + 1 : m[i].name);
        }
        int64_t size = (int64_t)m[i].len;
        struct stat st;
        if (m[i].path && stat(m[i].path, &st) == 0)
            size = (int64_t)st.st_size;
        rows[i] = (struct doc_contents_row){t, m[i].name, pages[i], size};
    }
    const char *number = json_string_value(json_object_get(d->item, "number"));
    struct doc_contents toc = {number, json_string_value(json_object_get(d->item, "title")), rows, n};
    struct pdf_fonts fonts = itemdocs_fonts(c);
    if (!pdf_render_contents(&toc, &d->office, itemdocs_today(c), &fonts, c->arena, out, NULL))
        return ctx_fail(c, ERR_INTERNAL, "生成卷内目录失败（请检查服务器是否安装了所需字体）");
    return ERR_OK;
}

/* A file rendered, not yet recorded: its name under data_dir/archives, path, size, SM3 and creation instant. */
struct built {
    const char *file, *path, *sm3, *at;
    int64_t size;
    int64_t office_unit_id;
    const char *office_path;
};

/*
 * Renders the archive file of archived item item_id (its notice and record PDFs, the 卷内目录, the manifest sealed
 * with the office's seal) and writes it under data_dir/archives, by reads only: no write transaction is open, none
 * is taken. by: who archived (the manifest's created_by).
 */
static enum err render(struct ctx *c, int64_t item_id, const char *by, struct built *b)
{
    struct item_docs d;
    json_t *audit = NULL, *seals = json_array();
    struct buf notice = {0}, record = {0}, toc = {0};
    int notice_pages = 0, record_pages = 0;
    char *audit_t = NULL, *sigs_t = NULL, *seals_t = NULL;
    const char *path = NULL, *sm3 = NULL;
    enum err e = item_docs_load(c, item_id, &d);
    if (e)
        goto out;
    const char *state = json_string_value(json_object_get(d.item, "state"));
    const char *office_path = NULL;
    if (!state || strcmp(state, "archived")) {
        e = ctx_fail(c, ERR_CONFLICT, "督办事项归档后才能生成归档文件");
        goto out;
    }
    if ((e = units_path(c, d.office_unit_id, &office_path)) || (e = archive_audit_records(c, "item", item_id, &audit)))
        goto out;
    struct doc_item notice_doc;
    if ((e = itemdocs_notice_of(c, &d, &notice_doc)))
        goto out;
    struct pdf_job job = {.kind = DOC_NOTICE, .office = &d.office, .item = &notice_doc, .fonts = itemdocs_fonts(c)};
    job.date = *d.doc.assigned_at ? d.doc.assigned_at : itemdocs_today(c);
    if (!pdf_render(&job, c->arena, &notice, &notice_pages)) {
        e = ctx_fail(c, ERR_INTERNAL, "生成 PDF 失败（请检查服务器是否安装了所需字体）");
        goto out;
    }
    job.kind = DOC_RECORD;
    job.item = &d.doc;
    job.date = itemdocs_today(c);
    if (!pdf_render(&job, c->arena, &record, &record_pages)) {
        e = ctx_fail(c, ERR_INTERNAL, "生成 PDF 失败（请检查服务器是否安装了所需字体）");
        goto out;
    }
    /* the seals involved: every signer's and the office's (when it has one) */
    size_t i;
    json_t *s;
    json_array_foreach(d.sigs, i, s)
    {
        bool seen = false;
        size_t k;
        json_t *x;
        json_array_foreach(seals, k, x) if (json_equal(json_object_get(x, "fingerprint"),
                                                       json_object_get(s, "fingerprint"))) seen = true;
        if (!seen)
            json_array_append_new(seals, json_pack("{sO sO sO}", "unit", json_object_get(s, "unit"), "fingerprint",
                                                   json_object_get(s, "fingerprint"), "public_key",
                                                   json_object_get(s, "public_key")));
    }
    audit_t = json_dumps(audit, JSON_INDENT(1));
    sigs_t = json_dumps(d.sigs, JSON_INDENT(1));
    seals_t = json_dumps(seals, JSON_INDENT(1));
    /* the members in the order of the 卷内目录 (itself first): the documents, the attachments with PDFs first,
     * the records */
    int cap = 16, n = 0;
    struct archive_member *m = arena_alloc(c->arena, sizeof *m * (size_t)cap);
    m[n++] = (struct archive_member){"卷内目录.pdf", NULL, 0, NULL};
    m[n++] = (struct archive_member){"documents/notice.pdf", notice.data, notice.len, NULL};
    m[n++] = (struct archive_member){"documents/record.pdf", record.data, record.len, NULL};
    if ((e = attachments_members(c, item_id, &m, &n, &cap)))
        goto out;
    pdfs_first(m, 3, n);
    if (n + 3 > cap) {
        struct archive_member *grown = arena_alloc(c->arena, sizeof *grown * (size_t)(n + 3));
        memcpy(grown, m, sizeof *grown * (size_t)n);
        m = grown;
    }
    m[n++] = (struct archive_member){"audit.json", audit_t, strlen(audit_t), NULL};
    m[n++] = (struct archive_member){"signatures.json", sigs_t, strlen(sigs_t), NULL};
    m[n++] = (struct archive_member){"seals.json", seals_t, strlen(seals_t), NULL};
    int *pages = arena_alloc(c->arena, sizeof *pages * (size_t)n);
    memset(pages, 0, sizeof *pages * (size_t)n);
    pages[1] = notice_pages;
    pages[2] = record_pages;
    if ((e = contents_pdf(c, &d, m + 1, n - 1, pages + 1, &toc)))
        goto out;
    m[0].data = toc.data;
    m[0].len = toc.len;

    char at[21];
    time_format_iso(c->now, at);
    const char *file = arena_printf(c->arena, "item-%" PRId64 "-%" PRId64 ".zip", item_id, (int64_t)c->now);
    path = arena_printf(c->arena, "%s/%s", itemdocs_data_subdir(c, "archives"), file);
    int64_t size = 0;
    json_t *manifest = json_pack("{sO sO sO ss ss}", "item", d.item, "events", d.events, "reports", d.reports,
                                 "created_at", at, "created_by", by);
    e = archive_write(c, path, manifest, m, n, d.office_unit_id, &sm3, &size);
    json_decref(manifest);
    if (!e)
        *b = (struct built){file, path, sm3, arena_strdup(c->arena, at), size, d.office_unit_id, office_path};
out:
    if (e && sm3) /* written, but not complete */
        unlink(path);
    free(audit_t);
    free(sigs_t);
    free(seals_t);
    json_decref(audit);
    json_decref(seals);
    buf_free(&notice);
    buf_free(&record);
    buf_free(&toc);
    item_docs_free(&d);
    return e;
}

/* A claim's lease (real seconds): a render takes seconds; a process that dies with the claim leaves the file to
 * the next pass of any node (and to a download) after that. */
#define ARCHIVE_LEASE_S 120

/* The archive transition's part (hook archive, inside its transaction): the file is queued, built after the commit
 * (docs_archive_build: by the request that archived, else the scheduler's pass or the first download). */
static enum err queue(struct ctx *c, const char *object_type, int64_t object_id, json_t **out)
{
    if (strcmp(object_type, "item") != 0)
        return ctx_fail(c, ERR_INTERNAL, "不支持为“%s”生成归档文件", object_type);
    char at[21];
    time_format_iso(c->now, at);
    /* claimed by this process from the commit on, for the request that archives to build it: no other process's
     * pass takes it meanwhile, and if this process dies the lease runs out */
    enum err e = db_exec(c->db,
                         "INSERT INTO archive_pending (item_id, queued_at, queued_by, claimed_by, lease_until) "
                         "VALUES (?, ?, ?, ?, ?)",
                         DB_INT(object_id), DB_TEXT(at), DB_TEXT(ctx_actor(c)), DB_TEXT(claim_holder()),
                         DB_INT((int64_t)time(NULL) + ARCHIVE_LEASE_S));
    if (e)
        return ctx_db_fail(c, e, "登记归档文件");
    *out = json_pack("{sb}", "pending", true);
    return ERR_OK;
}

struct claimed {
    struct arena *arena;
    int64_t *id, *attempts;
    const char **by;
};

static void take_claimed(struct stmt *st, void *arg)
{
    struct claimed *k = arg;
    *k->id = stmt_int(st, 0);
    *k->by = arena_strdup(k->arena, stmt_text(st, 1));
    *k->attempts = stmt_int(st, 2);
}

/* Claims the archive file of item_id (0: the oldest waiting) whose lease ran out — or, with mine, that this process
 * holds (queued by its request) —: *id, the claims it had (this one counted) and the archiving user (arena). ERR_NOT_FOUND: nothing to claim (none
 * queued, or another claim holds it). One short transaction. */
static enum err claim(struct ctx *c, int64_t item_id, bool mine, int64_t *id, int64_t *attempts, const char **by)
{
    bool pg = strcmp(db_kind(c->db), "postgres") == 0;
    int64_t now = (int64_t)time(NULL);
    if (db_begin(c->db) < 0)
        return ctx_fail(c, ERR_UNAVAILABLE, "数据库繁忙");
    struct stmt *st =
        item_id
            ? db_query(
                  c->db,
                  "UPDATE archive_pending SET claimed_by = ?, lease_until = ?, attempts = attempts + 1 "
                  "WHERE item_id = ? AND (lease_until <= ? OR claimed_by = ?) RETURNING item_id, queued_by, attempts",
                  DB_TEXT(claim_holder()), DB_INT(now + ARCHIVE_LEASE_S), DB_INT(item_id), DB_INT(now),
                  DB_TEXT(mine ? claim_holder() : ""))
        : pg ? db_query(c->db,
                        "UPDATE archive_pending SET claimed_by = ?, lease_until = ?, attempts = attempts + 1 "
                        "WHERE item_id = (SELECT item_id FROM archive_pending WHERE lease_until <= ? "
                        "ORDER BY lease_until, item_id LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED) RETURNING item_id, "
                        "queued_by, attempts",
                        DB_TEXT(claim_holder()), DB_INT(now + ARCHIVE_LEASE_S), DB_INT(now))
             : db_query(c->db,
                        "UPDATE archive_pending SET claimed_by = ?, lease_until = ?, attempts = attempts + 1 "
                        "WHERE item_id = (SELECT item_id FROM archive_pending WHERE lease_until <= ? "
                        "ORDER BY lease_until, item_id LIMIT 1) RETURNING item_id, queued_by, attempts",
                        DB_TEXT(claim_holder()), DB_INT(now + ARCHIVE_LEASE_S), DB_INT(now));
    struct claimed k = {c->arena, id, attempts, by};
    return claim_lease_commit(c, st, take_claimed, &k, "生成归档文件");
}

struct record_args {
    int64_t item_id;
    const struct built *b;
    const char *by;
    bool stored;
};

/* Records a rendered file if this process still holds the item's claim: the claim deleted, the archives row and the
 * audit record item.archive_file (in the item's office) in one transaction. Else another process took the claim
 * over once the lease ran out: the file is its to record. */
static enum err record_tx(struct ctx *c, void *arg)
{
    struct record_args *a = arg;
    a->stored = false;
    int64_t gone = 0;
    enum err e =
        db_one_int(c->db, &gone, "DELETE FROM archive_pending WHERE item_id = ? AND claimed_by = ? RETURNING item_id",
                   DB_INT(a->item_id), DB_TEXT(claim_holder()));
    if (e == ERR_NOT_FOUND)
        return ERR_OK;
    if (!e)
        e = db_exec(c->db,
                    "INSERT INTO archives (item_id, unit_id, file, size, sm3, created_at, created_by) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    DB_INT(a->item_id), DB_INT(a->b->office_unit_id), DB_TEXT(a->b->file), DB_INT(a->b->size),
                    DB_TEXT(a->b->sm3), DB_TEXT(a->b->at), DB_TEXT(a->by));
    if (e)
        return ctx_db_fail(c, e, "登记归档文件");
    c->audit_scope = a->b->office_path;
    json_t *sum = json_pack("{ss sI ss}", "file", a->b->file, "size", (json_int_t)a->b->size, "sm3", a->b->sm3);
    e = audit_record(c, "item.archive_file", "item", a->item_id, sum);
    json_decref(sum);
    a->stored = !e;
    return e;
}

/* The test hook (with the test clock only): while the setting test_hold_archive is "1", a render holds after it
 * has rendered and before it records, holding no transaction, so that a test writes meanwhile or kills the server
 * (tests/api/test_archive_pending.py). Reads only. */
static void test_hold(struct ctx *c, int64_t item_id)
{
    const char *v = NULL;
    if (!c->cfg || !c->cfg->test_clock ||
        db_one_text(c->db, c->arena, &v, "SELECT value FROM settings WHERE key = 'test_hold_archive'") || !v ||
        strcmp(v, "1"))
        return;
    log_info("archive of item %" PRId64 ": rendered, held before it is recorded (test_hold_archive)", item_id);
    for (int i = 0; i < 6000; i++) {
        v = NULL;
        if (db_one_text(c->db, c->arena, &v, "SELECT value FROM settings WHERE key = 'test_hold_archive'") || !v ||
            strcmp(v, "1"))
            break;
        nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
    }
}

/* Renders and records the claimed file of item id (by: who archived); *stored: by this call. */
/* Deletes the files of item id that no archives row names (item-<id>-*.zip, and its .tmp): a claim before this one
 * ended without recording its file (its process died after writing it). The claim is this process's now: a
 * process that still renders under a lease that ran out can no longer record what it writes. */
static void drop_unrecorded(struct ctx *c, int64_t id)
{
    const char *dir = itemdocs_data_subdir(c, "archives");
    const char *prefix = arena_printf(c->arena, "item-%" PRId64 "-", id);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        int64_t recorded = 0;
        if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 || !strstr(de->d_name, ".zip") ||
            db_one_int(c->db, &recorded, "SELECT COUNT(*) FROM archives WHERE item_id = ? AND file = ?", DB_INT(id),
                       DB_TEXT(de->d_name)) ||
            recorded)
            continue;
        if (unlink(arena_printf(c->arena, "%s/%s", dir, de->d_name)) == 0)
            log_info("archive of item %" PRId64 ": %s deleted, written by a claim that ended unrecorded", id,
                     de->d_name);
    }
    closedir(d);
}

static enum err build_claimed(struct ctx *c, int64_t id, int64_t attempts, const char *by, bool *stored)
{
    if (attempts > 1)
        drop_unrecorded(c, id);
    struct built b;
    /* the records the archive transition committed sealed first (their own short transactions), so that the
     * file proves them in its tree head rather than carrying them as pending */
    enum err e = audit_seal(c, 0, NULL);
    if (e)
        return e;
    db_read_begin(c->db); /* one snapshot for the render's reads (SQLite); never the write lock */
    e = render(c, id, by, &b);
    if (e)
        return e;
    test_hold(c, id);
    const char *scope = c->audit_scope;
    struct record_args a = {id, &b, by, false};
    e = ctx_tx(c, "登记归档文件", record_tx, &a);
    c->audit_scope = scope;
    if (e || !a.stored) /* not ours to keep */
        unlink(b.path);
    *stored = !e && a.stored;
    if (!e && !a.stored)
        log_info("archive of item %" PRId64 ": recorded by another process meanwhile", id);
    return e;
}

enum err docs_archive_build(struct ctx *c, int64_t item_id, bool mine, bool *stored)
{
    *stored = false;
    int64_t id = 0, attempts = 0;
    const char *by = NULL;
    enum err e = claim(c, item_id, mine, &id, &attempts, &by);
    if (e == ERR_NOT_FOUND) {
        c->err = ERR_OK;
        return ERR_OK;
    }
    return e ? e : build_claimed(c, id, attempts, by, stored);
}

enum err docs_archive_pass(struct ctx *c, const atomic_bool *stop, int max, int *done)
{
    *done = 0;
    for (int i = 0; i < max && !(stop && atomic_load(stop)); i++) {
        int64_t id = 0, attempts = 0;
        const char *by = NULL;
        enum err e = claim(c, 0, false, &id, &attempts, &by);
        if (e == ERR_NOT_FOUND) {
            c->err = ERR_OK;
            return ERR_OK;
        }
        if (e)
            return e;
        bool stored = false;
        const struct principal *who = c->user;
        c->user = NULL; /* the system's */
        e = build_claimed(c, id, attempts, by, &stored);
        c->user = who;
        if (e) { /* the claim stays until its lease runs out: another pass tries again */
            log_warn("archive of item %" PRId64 ": %s", id, c->msg ? c->msg : err_default_message(e));
            c->err = ERR_OK;
            c->msg = c->field = NULL;
            continue;
        }
        *done += stored;
    }
    return ERR_OK;
}

static enum err requeue_tx(struct ctx *c, void *arg)
{
    char at[21];
    time_format_iso(c->now, at);
    return ctx_db_fail(c,
                       db_exec(c->db,
                               "INSERT INTO archive_pending (item_id, queued_at, queued_by) VALUES (?, ?, 'system') "
                               "ON CONFLICT (item_id) DO NOTHING",
                               DB_INT(*(const int64_t *)arg), DB_TEXT(at)),
                       "登记归档文件");
}

enum err docs_archive_file(struct ctx *c, int64_t item_id, const char **path)
{
    json_t *item = NULL;
    enum err e = items_get(c, item_id, &item);
    if (e)
        return e;
    bool archived = !strcmp(json_string_value(json_object_get(item, "state")), "archived");
    json_decref(item);
    const char *file = NULL;
    for (int round = 0; round < 2 && !file; round++) {
        e = db_one_text(c->db, c->arena, &file, "SELECT file FROM archives WHERE item_id = ? ORDER BY id DESC LIMIT 1",
                        DB_INT(item_id));
        if (e && e != ERR_NOT_FOUND)
            return ctx_db_fail(c, e, "读取归档文件");
        if (file || round)
            break;
        if (!archived)
            return ctx_fail(c, ERR_NOT_FOUND, "该督办事项尚未立卷归档");
        /* queued and not built yet: built now, as the system, unless another process is building it; an item made
         * archived without being queued (ducha gen) is queued first */
        int64_t queued = 0;
        e = db_one_int(c->db, &queued, "SELECT COUNT(*) FROM archive_pending WHERE item_id = ?", DB_INT(item_id));
        if (e)
            return ctx_db_fail(c, e, "读取归档文件");
        if (!queued && (e = ctx_tx(c, "立卷归档", requeue_tx, &item_id)))
            return e;
        const struct principal *who = c->user;
        c->user = NULL;
        bool stored = false;
        e = docs_archive_build(c, item_id, false, &stored);
        c->user = who;
        if (e)
            return e;
    }
    if (!file)
        return ctx_fail(c, ERR_UNAVAILABLE, "归档文件正在生成，请稍后再下载");
    *path = arena_printf(c->arena, "%s/archives/%s", c->cfg->data_dir, file);
    return ERR_OK;
}

void docs_register(void)
{
    hooks_set_docs(&(struct doc_hooks){.seal_reply = seal_reply, .archive = queue, .seal_issue = docs_seal_issue});
}
