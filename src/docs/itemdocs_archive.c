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
#include "core/hooks.h"
#include "core/perm.h"
#include "docs/archive.h"
#include "docs/seal.h"
#include "results/results.h"
#include "units/units.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
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

enum err docs_archive_item(struct ctx *c, int64_t item_id, json_t **out)
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
    if (!state || (strcmp(state, "archived") && strcmp(state, "completed"))) {
        e = ctx_fail(c, ERR_CONFLICT, "督办事项办结后才能立卷归档");
        goto out;
    }
    if ((e = units_path(c, d.office_unit_id, &office_path)) ||
        (e = perm_require(c, CAP_ITEM_REGISTER, office_path, "督办事项")) ||
        (e = archive_audit_records(c, "item", item_id, &audit)))
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
                                 "created_at", at, "created_by", ctx_actor(c));
    e = archive_write(c, path, manifest, m, n, d.office_unit_id, &sm3, &size);
    json_decref(manifest);
    if (e)
        goto out;
    e = ctx_db_fail(c,
                    db_exec(c->db,
                            "INSERT INTO archives (item_id, unit_id, file, size, sm3, created_at, created_by) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?)",
                            DB_INT(item_id), DB_INT(d.office_unit_id), DB_TEXT(file), DB_INT(size), DB_TEXT(sm3),
                            DB_TEXT(at), DB_TEXT(ctx_actor(c))),
                    "登记归档文件");
    if (e)
        goto out;
    json_t *sum = json_pack("{ss sI ss}", "file", file, "size", (json_int_t)size, "sm3", sm3);
    e = audit_record(c, "item.archive_file", "item", item_id, sum);
    json_decref(sum);
    if (!e)
        *out = json_pack("{ss sI ss ss}", "file", file, "size", (json_int_t)size, "sm3", sm3, "created_at", at);
out:
    if (e && sm3) /* written, but the transaction will not keep it */
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

struct archive_tx_args {
    int64_t id;
    json_t *out;
};

static enum err archive_tx(struct ctx *c, void *arg)
{
    struct archive_tx_args *a = arg;
    return docs_archive_item(c, a->id, &a->out);
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
    e = db_one_text(c->db, c->arena, &file, "SELECT file FROM archives WHERE item_id = ? ORDER BY id DESC LIMIT 1",
                    DB_INT(item_id));
    if (e && e != ERR_NOT_FOUND)
        return ctx_db_fail(c, e, "读取归档文件");
    if (!file) {
        if (!archived)
            return ctx_fail(c, ERR_NOT_FOUND, "该督办事项尚未立卷归档");
        /* archived before the file could be made (or by an older version): make it now, as the system */
        const struct principal *who = c->user;
        c->user = NULL;
        struct archive_tx_args a = {item_id, NULL};
        e = ctx_tx(c, "立卷归档", archive_tx, &a);
        c->user = who;
        if (e)
            return e;
        file = arena_strdup(c->arena, json_string_value(json_object_get(a.out, "file")));
        json_decref(a.out);
    }
    *path = arena_printf(c->arena, "%s/archives/%s", c->cfg->data_dir, file);
    return ERR_OK;
}

static enum err archive(struct ctx *c, const char *object_type, int64_t object_id, json_t **out)
{
    if (strcmp(object_type, "item") != 0)
        return ctx_fail(c, ERR_INTERNAL, "不支持为“%s”生成归档文件", object_type);
    return docs_archive_item(c, object_id, out);
}

void docs_register(void)
{
    hooks_set_docs(&(struct doc_hooks){.seal_reply = seal_reply, .archive = archive, .seal_issue = docs_seal_issue});
}
