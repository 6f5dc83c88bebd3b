/* cli_docs.c: document render (PDF/XLSX/CSV from a JSON model) and verify (signatures, archives). */
#include "cli/cli.h"
#include "docs/archive.h"
#include "docs/ledger.h"
#include "docs/pdf.h"
#include "docs/seal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool write_file(const char *path, const void *data, size_t n)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
    if (!f)
        return false;
    bool ok = fwrite(data, 1, n, f) == n;
    if (f != stdout)
        ok = fclose(f) == 0 && ok;
    else
        fflush(f);
    return ok;
}

/* Writes the ledger of items as XLSX or CSV to path. */
static int write_ledger(const char *path, bool xlsx, const struct doc_item *items, int n)
{
    if (xlsx) {
        struct ledger_xlsx *l = ledger_xlsx_open(path, NULL);
        if (!l)
            return cli_fail("cannot create %s", path);
        for (int i = 0; i < n; i++)
            ledger_xlsx_item(l, &items[i]);
        char err[256];
        if (!ledger_xlsx_close(l, err, sizeof err))
            return cli_fail("writing %s failed: %s", path, err);
    } else {
        struct buf b = {0};
        ledger_csv_header(&b);
        for (int i = 0; i < n; i++)
            ledger_csv_item(&b, &items[i]);
        bool ok = write_file(path, b.data, b.len);
        buf_free(&b);
        if (!ok)
            return cli_fail("cannot write %s: %s", path, strerror(errno));
    }
    fprintf(stderr, "%s: %d item(s)\n", path, n);
    return 0;
}

/*
 * ducha document render KIND MODEL.json OUT
 * KIND: notice, reminder, record, list (PDF). The model: {"office": {...}, "date": "YYYY-MM-DD",
 * "item": {...}} or, for list, {"office", "date", "title", "filter", "items": [...]}.
 */
int cmd_document_render(struct cli *cli)
{
    if (cli_leftover_options(cli))
        return 2;
    if (cli->argc != 3)
        return cli_fail("usage: ducha document render KIND MODEL.json OUT.pdf");
    enum doc_kind kind;
    if (!doc_kind_parse(cli->argv[0], &kind))
        return cli_fail("unknown document kind '%s' (notice, reminder, record, list)", cli->argv[0]);
    json_error_t jerr;
    json_t *model = json_load_file(cli->argv[1], JSON_REJECT_DUPLICATES, &jerr);
    if (!model || !json_is_object(model)) {
        json_decref(model);
        return cli_fail("%s: not a JSON object (line %d: %s)", cli->argv[1], jerr.line, jerr.text);
    }
    struct arena a = ARENA_INIT;
    struct doc_office office;
    doc_office_from_json(&a, json_object_get(model, "office"), &office);
    struct pdf_job job = {.kind = kind, .office = &office};
    job.date = json_string_value(json_object_get(model, "date"));
    if (!job.date) {
        char *d = arena_alloc(&a, 11);
        time_t t = time(NULL);
        strftime(d, 11, "%Y-%m-%d", localtime(&t));
        job.date = d;
    }
    job.fonts = (struct pdf_fonts){cli->app.cfg.font_title, cli->app.cfg.font_body, cli->app.cfg.font_heading};
    struct doc_item item;
    if (kind == DOC_LIST) {
        json_t *items = json_object_get(model, "items");
        size_t n = json_array_size(items);
        struct doc_item *v = arena_alloc(&a, sizeof *v * (n + 1));
        for (size_t i = 0; i < n; i++)
            doc_item_from_json(&a, json_array_get(items, i), &v[i]);
        job.items = v;
        job.nitems = (int)n;
        job.list_title = json_string_value(json_object_get(model, "title"));
        job.filter = json_string_value(json_object_get(model, "filter"));
    } else {
        doc_item_from_json(&a, json_object_get(model, "item"), &item);
        job.item = &item;
    }
    struct buf out = {0};
    int pages = 0, rc = 0;
    const char *ext = strrchr(cli->argv[2], '.');
    if (ext && (!strcmp(ext, ".xlsx") || !strcmp(ext, ".csv"))) {
        if (kind != DOC_LIST)
            rc = cli_fail("only the list can be written as a table (.xlsx, .csv)");
        else
            rc = write_ledger(cli->argv[2], !strcmp(ext, ".xlsx"), job.items, job.nitems);
    } else if (!pdf_render(&job, &a, &out, &pages))
        rc = cli_fail("rendering the document failed (fonts installed? see fc-list)");
    else if (!write_file(cli->argv[2], out.data, out.len))
        rc = cli_fail("cannot write %s: %s", cli->argv[2], strerror(errno));
    else if (strcmp(cli->argv[2], "-"))
        fprintf(stderr, "%s: %s, %d page(s), %zu bytes\n", cli->argv[2], doc_kind_label(kind), pages, out.len);
    buf_free(&out);
    arena_free(&a);
    json_decref(model);
    return rc;
}

/* Prints the outcome of one signature record check; returns the exit code. */
static int report_signature(const json_t *rec, const char *what)
{
    struct arena a = ARENA_INIT;
    const char *why = seal_check_record(&a, rec);
    int rc = 0;
    if (why) {
        printf("FAIL %s: %s\n", what, why);
        rc = 1;
    } else {
        printf(
            "OK   %s: %s signed by %s at %s, key %.16s\n", what,
            json_string_value(json_object_get(rec, "unit")) ? json_string_value(json_object_get(rec, "unit")) : "?",
            json_string_value(json_object_get(rec, "signer")) ? json_string_value(json_object_get(rec, "signer")) : "?",
            json_string_value(json_object_get(rec, "signed_at")) ? json_string_value(json_object_get(rec, "signed_at"))
                                                                 : "?",
            json_string_value(json_object_get(rec, "fingerprint")));
    }
    arena_free(&a);
    return rc;
}

/*
 * ducha verify ARCHIVE.zip | SIGNATURE.json | SIGNATURE_ID
 * An archive or a signature record (as served by GET /api/v1/signatures/{id}) is checked offline;
 * a signature id is read from the database. Exit 0 if everything matches, 1 otherwise.
 */
int cmd_verify(struct cli *cli)
{
    if (cli_leftover_options(cli))
        return 2;
    if (cli->argc != 1)
        return cli_fail("usage: ducha verify ARCHIVE.zip | SIGNATURE.json | SIGNATURE_ID");
    const char *arg = cli->argv[0];
    FILE *f = fopen(arg, "rb");
    if (f) {
        char magic[2] = {0};
        size_t got = fread(magic, 1, 2, f);
        fclose(f);
        if (got == 2 && magic[0] == 'P' && magic[1] == 'K') {
            struct arena a = ARENA_INIT;
            struct archive_report r;
            bool ok = archive_verify(arg, &a, &r);
            for (int i = 0; i < r.nproblems; i++)
                printf("FAIL %s\n", r.problems[i]);
            if (ok)
                printf("OK   %s: archive of %s, %d members match, manifest sealed with key %.16s; %d audit records "
                       "proved in the audit log's tree signed with key %.16s\n",
                       arg, r.item_number ? r.item_number : "?", r.checked, r.fingerprint ? r.fingerprint : "?",
                       r.audit_records, r.audit_fingerprint ? r.audit_fingerprint : "?");
            else
                printf("%s: %d problem(s)\n", arg, r.nproblems);
            arena_free(&a);
            return ok ? 0 : 1;
        }
        json_error_t jerr;
        json_t *rec = json_load_file(arg, 0, &jerr);
        if (!json_is_object(rec)) {
            json_decref(rec);
            return cli_fail("%s: neither a ZIP archive nor a JSON signature record", arg);
        }
        int rc = report_signature(rec, arg);
        json_decref(rec);
        return rc;
    }
    char *end;
    long long id = strtoll(strncmp(arg, "sig:", 4) ? arg : arg + 4, &end, 10);
    if (*end || id <= 0)
        return cli_fail("%s: no such file, and not a signature id", arg);
    if (!cli_open(cli))
        return 1;
    struct arena a = ARENA_INIT;
    struct ctx c;
    cli_ctx(cli, &c, &a);
    json_t *rec = NULL;
    int rc;
    if (seal_signature_get(&c, id, &rec))
        rc = cli_fail("%s", c.msg ? c.msg : "signature not found");
    else
        rc = report_signature(rec, arena_printf(&a, "signature %lld", id));
    json_decref(rec);
    store_release(c.db);
    arena_free(&a);
    return rc;
}
