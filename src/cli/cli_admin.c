/* cli_admin.c: init, version, user add/passwd, token create, import units, backup, audit verify. */
#include "api/routes.h"
#include "audit/audit.h"
#include "auth/auth.h"
#include "auth/tokens.h"
#include "auth/users.h"
#include "cli/cli.h"
#include "units/units.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_version(struct cli *cli)
{
    (void)cli;
    printf("ducha %s\n", DUCHA_VERSION);
    return 0;
}

int cmd_routes(struct cli *cli)
{
    bool as_json = cli_flag(cli, "json");
    if (cli_leftover_options(cli) || cli->argc)
        return cli_fail("usage: ducha routes [--json]");
    json_t *all = json_array();
    for (int t = 0; api_route_tables[t]; t++)
        for (const struct route *r = api_route_tables[t]; r->method; r++) {
            if (!as_json)
                printf("%-6s %-48s %-14s %s\n", r->method, r->pattern, cap_name(r->cap), r->summary ? r->summary : "");
            else
                json_array_append_new(all, json_pack("{ss ss ss si ss so}", "method", r->method, "pattern", r->pattern,
                                                     "cap", cap_name(r->cap), "flags", (int)r->flags, "summary",
                                                     r->summary ? r->summary : "", "access",
                                                     r->access ? json_string(r->access) : json_null()));
        }
    if (as_json) {
        char *text = json_dumps(all, JSON_INDENT(1));
        puts(text);
        free(text);
    }
    json_decref(all);
    return 0;
}

/* value with a password replaced by ***: a URL's user information ("smtp://u:secret@h" ->
 * "smtp://u:***@h") or a libpq key ("password=secret" in the URL's query or a conninfo string). Arena
 * memory; other values come back unchanged. */
static const char *mask_url_password(struct arena *a, const char *value)
{
    const char *pw = value ? strstr(value, "password=") : NULL;
    if (pw) {
        const char *end = pw + 9 + strcspn(pw + 9, " &");
        value = arena_printf(a, "%.*s***%s", (int)(pw + 9 - value), value, end);
    }
    const char *scheme = value ? strstr(value, "://") : NULL;
    if (!scheme)
        return value;
    const char *auth = scheme + 3, *end = auth + strcspn(auth, "/?#");
    const char *at = NULL;
    for (const char *p = auth; p < end; p++)
        if (*p == '@')
            at = p; /* the last '@' ends the user information */
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (!colon)
        return value;
    return arena_printf(a, "%.*s***%s", (int)(colon + 1 - value), value, at);
}

int cmd_config(struct cli *cli)
{
    struct arena a = ARENA_INIT;
    printf("# ducha.conf: key = value; environment DUCHA_<KEY> and flags override the file\n");
    for (const struct conf_key *k = conf_keys; k->name; k++) {
        const char *base = (const char *)&cli->app.cfg;
        printf("\n# %s\n", k->doc);
        switch (k->type) {
        case CONF_STR:
            printf("%s = %s\n", k->name, k->secret ? "" : mask_url_password(&a, *(char *const *)(base + k->offset)));
            break;
        case CONF_INT:
            printf("%s = %lld\n", k->name, (long long)*(const int64_t *)(base + k->offset));
            break;
        case CONF_BOOL:
            printf("%s = %s\n", k->name, *(const bool *)(base + k->offset) ? "true" : "false");
            break;
        }
    }
    arena_free(&a);
    return 0;
}

int cmd_init(struct cli *cli)
{
    if (cli_leftover_options(cli))
        return 2;
    fprintf(stderr, "database ready (%s, schema version %d)\n", store_kind(cli->app.store),
            store_schema_version(cli->app.store));
    return 0;
}

/* Reads one line (the password) from standard input without the newline. */
static bool read_password(char *out, size_t n)
{
    if (!fgets(out, (int)n, stdin))
        return false;
    out[strcspn(out, "\r\n")] = 0;
    return true;
}

/* Runs fn with a system ctx and prints the ctx error on failure. */
#define WITH_CTX(cli, c)                                                                                               \
    struct arena arena_ = ARENA_INIT;                                                                                  \
    struct ctx c;                                                                                                      \
    cli_ctx((cli), &c, &arena_)

static int finish(struct ctx *c, enum err e, struct arena *a)
{
    int rc = 0;
    if (e)
        rc = cli_fail("%s", c->msg ? c->msg : err_default_message(e));
    store_release(c->db);
    arena_free(a);
    return rc;
}

int cmd_user_add(struct cli *cli)
{
    const char *name = cli_opt(cli, "name");
    json_t *roles = json_array();
    json_t *portfolio = json_array();
    bool stdin_pw = cli_flag(cli, "password-stdin");
    const char *r;
    WITH_CTX(cli, c);
    enum err e = ERR_OK;
    int64_t home = 0;
    while (!e && (r = cli_opt(cli, "role"))) {
        const char *at = strchr(r, '@');
        if (!at) {
            e = ctx_fail(&c, ERR_INVALID, "--role must be ROLE@UNIT_CODE, got '%s'", r);
            break;
        }
        int64_t unit;
        const char *path;
        if ((e = units_find_code(&c, at + 1, &unit, &path)))
            break;
        if (!home)
            home = unit;
        json_array_append_new(roles, json_pack("{ss# sI}", "role", r, (int)(at - r), "unit_id", (json_int_t)unit));
    }
    const char *p;
    while (!e && (p = cli_opt(cli, "portfolio"))) {
        int64_t unit;
        const char *path;
        if ((e = units_find_code(&c, p, &unit, &path)) == ERR_OK)
            json_array_append_new(portfolio, json_integer(unit));
    }
    if (!e && (cli_leftover_options(cli) || cli->argc != 1 || !name))
        e = ctx_fail(&c, ERR_INVALID,
                     "usage: ducha user add USERNAME --name NAME --role ROLE@UNIT_CODE --password-stdin");
    if (!e && !home)
        e = ctx_fail(&c, ERR_INVALID, "at least one --role ROLE@UNIT_CODE is required");
    char pw[256] = "";
    if (!e && (!stdin_pw || !read_password(pw, sizeof pw)))
        e = ctx_fail(&c, ERR_INVALID, "the password is read from standard input: use --password-stdin");
    if (!e) {
        json_t *body =
            json_pack("{ss ss sI ss sO sO sb}", "username", cli->argv[0], "name", name, "unit_id", (json_int_t)home,
                      "password", pw, "roles", roles, "portfolio", portfolio, "must_change_password", 0);
        char msg[256];
        if (jv_check(body, users_create_spec, msg, sizeof msg))
            e = ctx_fail(&c, ERR_INVALID, "%s", msg);
        json_t *out = NULL;
        if (!e)
            e = users_create(&c, body, &out);
        if (!e)
            fprintf(stderr, "user %s created (id %lld)\n", cli->argv[0],
                    (long long)json_integer_value(json_object_get(out, "id")));
        json_decref(out);
        json_decref(body);
    }
    json_decref(roles);
    json_decref(portfolio);
    return finish(&c, e, &arena_);
}

int cmd_user_passwd(struct cli *cli)
{
    bool stdin_pw = cli_flag(cli, "password-stdin");
    WITH_CTX(cli, c);
    enum err e = ERR_OK;
    char pw[256];
    if (cli_leftover_options(cli) || cli->argc != 1)
        e = ctx_fail(&c, ERR_INVALID, "usage: ducha user passwd USERNAME --password-stdin");
    else if (!stdin_pw || !read_password(pw, sizeof pw))
        e = ctx_fail(&c, ERR_INVALID, "the password is read from standard input: use --password-stdin");
    else
        e = users_set_password(&c, cli->argv[0], pw);
    return finish(&c, e, &arena_);
}

int cmd_token_create(struct cli *cli)
{
    const char *name = cli_opt(cli, "name");
    WITH_CTX(cli, c);
    enum err e = ERR_OK;
    char token[64];
    if (cli_leftover_options(cli) || cli->argc != 1)
        e = ctx_fail(&c, ERR_INVALID, "usage: ducha token create USERNAME [--name NAME]");
    else if ((e = auth_token_create(&c, cli->argv[0], name, token, NULL)) == ERR_OK)
        printf("%s\n", token);
    return finish(&c, e, &arena_);
}

int cmd_token_list(struct cli *cli)
{
    WITH_CTX(cli, c);
    enum err e = ERR_OK;
    int64_t uid = 0;
    json_t *out = NULL;
    if (cli_leftover_options(cli) || cli->argc != 1)
        e = ctx_fail(&c, ERR_INVALID, "usage: ducha token list USERNAME");
    else if ((e = db_one_int(c.db, &uid, "SELECT id FROM users WHERE username = ?", DB_TEXT(cli->argv[0]))))
        e = e == ERR_NOT_FOUND ? ctx_fail(&c, ERR_NOT_FOUND, "用户 %s 不存在", cli->argv[0])
                               : ctx_db_fail(&c, e, "读取用户");
    else if ((e = tokens_list(&c, uid, &out)) == ERR_OK) {
        size_t i;
        json_t *t;
        printf("ID\tSTATE\tCREATED\tLAST USED\tNAME\n");
        json_array_foreach(json_object_get(out, "tokens"), i, t)
        {
            const char *used = json_string_value(json_object_get(t, "last_used_at"));
            printf("%lld\t%s\t%s\t%s\t%s\n", (long long)json_integer_value(json_object_get(t, "id")),
                   json_is_true(json_object_get(t, "revoked")) ? "revoked" : "active",
                   json_string_value(json_object_get(t, "created_at")), used ? used : "-",
                   json_string_value(json_object_get(t, "name")));
        }
        json_decref(out);
    }
    return finish(&c, e, &arena_);
}

int cmd_token_revoke(struct cli *cli)
{
    WITH_CTX(cli, c);
    enum err e = ERR_OK;
    char *end = NULL;
    long long id = cli->argc == 1 ? strtoll(cli->argv[0], &end, 10) : 0;
    if (cli_leftover_options(cli) || cli->argc != 1 || !end || *end || id <= 0)
        e = ctx_fail(&c, ERR_INVALID, "usage: ducha token revoke ID (the number `ducha token list USERNAME` shows)");
    else if ((e = tokens_revoke(&c, 0, id, NULL)) == ERR_OK)
        printf("令牌 %lld 已吊销\n", id);
    return finish(&c, e, &arena_);
}

/* Reads a whole file into a malloc'd buffer. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *buf = xmalloc(cap);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap)
            buf = xrealloc(buf, cap *= 2);
    }
    fclose(f);
    *len = n;
    return buf;
}

int cmd_import_units(struct cli *cli)
{
    if (cli_leftover_options(cli) || cli->argc != 1)
        return cli_fail("usage: ducha import units FILE.xlsx|FILE.csv");
    size_t len;
    char *csv = slurp(cli->argv[0], &len);
    if (!csv)
        return cli_fail("cannot read %s: %s", cli->argv[0], strerror(errno));
    WITH_CTX(cli, c);
    json_t *report = NULL;
    cli_progress(cli, "importing units", 0, 0);
    enum err e = units_import(&c, csv, len, false, cli->argv[0], &report);
    if (cli->tty)
        fputc('\n', stderr);
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(report, "errors"), i, row)
    {
        const char *col = json_string_value(json_object_get(row, "column"));
        fprintf(stderr, "%s: row %lld%s%s: %s\n", cli->argv[0],
                (long long)json_integer_value(json_object_get(row, "row")), col ? ", column " : "", col ? col : "",
                json_string_value(json_object_get(row, "message")));
    }
    if (!e)
        fprintf(stderr, "units: %lld created, %lld updated\n",
                (long long)json_integer_value(json_object_get(report, "created")),
                (long long)json_integer_value(json_object_get(report, "updated")));
    json_decref(report);
    free(csv);
    return finish(&c, e, &arena_);
}

static void backup_progress(void *arg, long done, long total)
{
    cli_progress(arg, "backup (pages)", done, total);
}

int cmd_backup(struct cli *cli)
{
    if (cli_leftover_options(cli) || cli->argc != 1)
        return cli_fail("usage: ducha backup FILE");
    char err[512];
    if (store_backup(cli->app.store, cli->argv[0], backup_progress, cli, err, sizeof err))
        return cli_fail("%s", err);
    fprintf(stderr, "backup written to %s\n", cli->argv[0]);
    return 0;
}

/* Prints what audit_verify checked (stdout) or its first finding (stderr); 1 when it found one. */
static int print_audit_check(const struct audit_check *chk)
{
    if (!chk->ok)
        return chk->bad_seq ? cli_fail("audit chain broken at record %lld: %s", (long long)chk->bad_seq, chk->problem)
                            : cli_fail("audit check failed: %s", chk->problem);
    printf("audit chain ok: %lld records\n", (long long)chk->records);
    if (chk->checkpoints)
        printf("checkpoints: %d verified from %s (last: %lld records at %s), %d consistency proofs; key %s\n",
               chk->checkpoints, chk->source, (long long)chk->checkpoint_size, chk->checkpoint_at, chk->proofs,
               chk->fingerprint);
    else
        printf("checkpoints: none in %s; key %s\n", chk->source, chk->fingerprint);
    if (chk->restores)
        printf("restores: %d recorded (the last at record %lld: restored with %lld records); %d checkpoints of the "
               "lost tail superseded (the largest: %lld records at %s)\n",
               chk->restores, (long long)chk->restored_seq, (long long)chk->restored_size, chk->superseded,
               (long long)chk->superseded_size, chk->superseded_at ? chk->superseded_at : "-");
    if (chk->pending)
        printf("pending: %lld records written, not sealed yet\n", (long long)chk->pending);
    return 0;
}

int cmd_audit_verify(struct cli *cli)
{
    const char *file = cli_opt(cli, "checkpoints");
    if (cli_leftover_options(cli) || cli->argc)
        return cli_fail("usage: ducha audit verify [--checkpoints FILE]");
    WITH_CTX(cli, c);
    struct audit_check chk;
    enum err e = audit_verify(&c, file, &chk);
    int rc = e ? 0 : print_audit_check(&chk);
    return finish(&c, e, &arena_) | rc;
}

static enum err restored_tx(struct ctx *c, void *arg)
{
    const struct audit_check *chk = arg;
    json_t *sum =
        json_pack("{sI sI ss ss}", "records", (json_int_t)chk->records, "lost_checkpoint_size",
                  (json_int_t)chk->beyond_size, "lost_checkpoint_at", chk->beyond_at, "checkpoints", chk->source);
    enum err e = audit_record(c, "audit.restored", "audit", chk->records, sum);
    json_decref(sum);
    return e;
}

int cmd_audit_restored(struct cli *cli)
{
    const char *file = NULL; /* the configured checkpoint file, the one audit_checkpoint appends to */
    if (cli_leftover_options(cli) || cli->argc)
        return cli_fail("usage: ducha audit restored");
    WITH_CTX(cli, c);
    struct audit_check chk;
    enum err e = audit_seal(&c, 0, NULL); /* what the backup held in the queue */
    if (!e)
        e = audit_verify(&c, file, &chk);
    int rc = 0;
    if (!e && !chk.ok && !chk.beyond_size)
        rc = cli_fail("not recorded: the restored trail does not verify up to its end, so this is no plain restore: %s",
                      chk.problem);
    else if (!e && chk.ok)
        printf("nothing to record: no checkpoint lies beyond the restored trail\n");
    else if (!e) {
        e = ctx_tx(&c, "记录自备份恢复", restored_tx, &chk);
        int64_t records = chk.records, lost = chk.beyond_size;
        if (!e)
            e = audit_seal(&c, 0, NULL);
        json_t *cp = NULL;
        if (!e)
            e = audit_checkpoint(&c, &cp); /* signs the restored trail with the restore in it */
        json_decref(cp);
        if (!e)
            printf(
                "restore recorded: the trail holds %lld records; the checkpoints up to %lld records, signed before the "
                "restore, are superseded (%lld records lost)\n",
                (long long)records, (long long)lost, (long long)(lost - records));
        if (!e && !(e = audit_verify(&c, file, &chk)))
            rc = print_audit_check(&chk);
    }
    return finish(&c, e, &arena_) | rc;
}

int cmd_audit_checkpoint(struct cli *cli)
{
    if (cli_leftover_options(cli) || cli->argc)
        return cli_fail("usage: ducha audit checkpoint");
    WITH_CTX(cli, c);
    json_t *cp = NULL;
    enum err e = audit_seal(&c, 0, NULL);
    if (!e)
        e = audit_checkpoint(&c, &cp);
    if (!e && cp)
        printf("checkpoint: %lld records, root %s, key %s\n",
               (long long)json_integer_value(json_object_get(cp, "size")),
               json_string_value(json_object_get(cp, "root")), json_string_value(json_object_get(cp, "fingerprint")));
    else if (!e)
        printf("checkpoint: the log has not grown since the last one\n");
    json_decref(cp);
    return finish(&c, e, &arena_);
}
