/*
 * cli_attach.c: `ducha attachments verify`: every attachment the database records has its file under
 * data_dir, with the size and SM3 the row records. Run after restoring a backup (the database to a
 * point in time, data_dir from a snapshot taken after it): it names what is missing or altered and
 * exits non-zero. Files that no row references (uploaded after the restore point) are counted, not
 * errors.
 */
#include "cli/cli.h"

#include "crypto/hash.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* SM3 of the file at path into out; false if it cannot be read. */
static bool file_sm3(const char *path, char out[65])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    struct sm3_ctx *h = sm3_begin();
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sm3_update(h, buf, n);
    bool ok = !ferror(f);
    fclose(f);
    sm3_end(h, out);
    return ok;
}

/* Files under dir/attachments/xx/ (the store's layout). */
static long count_files(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/attachments", dir);
    DIR *top = opendir(path);
    long n = 0;
    struct dirent *e;
    while (top && (e = readdir(top))) {
        if (e->d_name[0] == '.')
            continue;
        char sub[4352];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        DIR *d = opendir(sub);
        struct dirent *f;
        while (d && (f = readdir(d)))
            n += f->d_name[0] != '.' && !strstr(f->d_name, ".tmp");
        if (d)
            closedir(d);
    }
    if (top)
        closedir(top);
    return n;
}

int cmd_attachments_verify(struct cli *cli)
{
    if (cli_leftover_options(cli) || cli->argc)
        return cli_fail("usage: ducha attachments verify");
    struct arena a = ARENA_INIT;
    struct ctx c;
    cli_ctx(cli, &c, &a);
    const char *dir = cli->app.cfg.data_dir;
    int64_t last = 0, rows = 0, bad = 0, bytes = 0;
    int rc = STORE_ROW, page;
    do {
        struct stmt *st =
            db_prepare(c.db, "SELECT id, hash, size FROM attachments WHERE id > ? ORDER BY id LIMIT 2000");
        if (!st) {
            rc = STORE_E_OTHER;
            break;
        }
        stmt_bind_int(st, 1, last);
        page = 0;
        while ((rc = stmt_step(st)) == STORE_ROW) {
            page++;
            rows++;
            last = stmt_int(st, 0);
            const char *hash = stmt_text(st, 1);
            int64_t size = stmt_int(st, 2);
            char path[4096], got[65];
            snprintf(path, sizeof path, "%s/attachments/%.2s/%s", dir, hash, hash);
            struct stat sb;
            const char *problem = NULL;
            if (stat(path, &sb) != 0)
                problem = errno == ENOENT ? "missing" : "unreadable";
            else if ((int64_t)sb.st_size != size)
                problem = "size differs";
            else if (!file_sm3(path, got))
                problem = "unreadable";
            else if (strcmp(got, hash) != 0)
                problem = "content altered (SM3 differs)";
            if (problem) {
                if (++bad <= 20)
                    fprintf(stderr, "attachment %" PRId64 ": %s: %s\n", last, path, problem);
            } else {
                bytes += size;
            }
        }
        stmt_done(st);
    } while (rc >= 0 && page == 2000);
    store_release(c.db);
    arena_free(&a);
    if (rc < 0)
        return cli_fail("cannot read the attachments of the database");
    long files = count_files(dir);
    if (bad) {
        fprintf(stderr, "attachments: %" PRId64 " of %" PRId64 " missing or altered under %s\n", bad, rows, dir);
        return 1;
    }
    printf("attachments ok: %" PRId64 " files (%.1f MiB) match the database; %ld files under %s/attachments\n", rows,
           (double)bytes / 1048576.0, files, dir);
    return 0;
}
