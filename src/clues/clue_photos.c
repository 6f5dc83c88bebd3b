/*
 * clue_photos.c: photos of a clue. Only JPEG and PNG, by their bytes; stored once by content under
 * {data_dir}/clues/{h[0..1]}/{h}, h the SM3 of the stored bytes, and only as a copy without location and other
 * metadata (base/media.h): what is kept can be shown to a verifying unit without pointing at whoever took it.
 *
 * The copy is made after the answer, not in the request: the submission writes the photo as sent to
 * data_dir/clues/raw before its transaction, which records the photo's row ('pending') and the file's name
 * (clue_photo_raw); the photo worker (clues_photos_pass, run by src/sched at a lower CPU priority, woken by the
 * submission) claims each under a lease, walks it whole (libmagic, the format), strips it, writes the copy, and
 * in one transaction records the outcome ('ready', or 'rejected' with the reason the office reads), deletes the
 * clue_photo_raw row and writes the audit record, then deletes the file as sent. A node killed between the
 * answer and the copy leaves the row to the next pass of any node once the lease ran out; a photo whose walk
 * kills the process PHOTO_ATTEMPTS times is rejected. Until it is ready nobody is served the photo (409
 * "照片处理中").
 */
#include "clues/clues_internal.h"

#include "audit/audit.h"
#include "base/filetype.h"
#include "base/log.h"
#include "base/media.h"
#include "core/claim.h"
#include "core/clock.h"
#include "crypto/hash.h"
#include "items/items.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* What the request checks: the size, the kind by its first bytes (cheap; the whole walk is the worker's). */
enum err clue_photo_check(struct ctx *c, const char *data, size_t len)
{
    if ((int64_t)len > c->cfg->public_photo_limit)
        return ctx_fail(c, ERR_TOO_LARGE, "照片过大（每张最多 %" PRId64 " KB），请压缩后再上传",
                        c->cfg->public_photo_limit / 1024);
    enum media_kind k = media_sniff((const unsigned char *)data, len);
    if (k != MEDIA_JPEG && k != MEDIA_PNG)
        return ctx_fail(c, ERR_MEDIA_TYPE, "照片只能是 JPEG 或 PNG 图片");
    return ERR_OK;
}

/* What the worker checks before it keeps a photo: the kind by libmagic and by the format's walk. ERR_INTERNAL
 * when libmagic is not there (the photo waits); any other failure is the photo's, its reason in c->msg. */
static enum err photo_walk(struct ctx *c, const unsigned char *data, size_t len, struct media_meta *m)
{
    char type[128];
    if (!filetype_of_bytes(data, len, type, sizeof type))
        return ctx_fail(c, ERR_INTERNAL, "无法识别文件类型（libmagic 不可用）");
    enum media_kind k = media_sniff(data, len);
    bool jpeg = !strcmp(type, "image/jpeg") && k == MEDIA_JPEG, png = !strcmp(type, "image/png") && k == MEDIA_PNG;
    if (!jpeg && !png)
        return ctx_fail(c, ERR_MEDIA_TYPE, "照片只能是 JPEG 或 PNG 图片（上传的内容为 %s）", type);
    if (!media_meta(data, len, m))
        return ctx_fail(c, ERR_INVALID, "照片已损坏或不完整");
    return ERR_OK;
}

static bool mkdir_p(const char *dir)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
                return false;
            *p = '/';
        }
    return mkdir(tmp, 0750) == 0 || errno == EEXIST;
}

/* Writes bytes whole to path (a temporary file, fsync, rename); false on failure (nothing left behind). */
static bool write_whole(const char *dir, const char *path, const unsigned char *d, size_t n)
{
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s/.photo-XXXXXX", dir);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return false;
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, d + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    bool ok = done == n && fsync(fd) == 0;
    close(fd);
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return false;
    }
    return true;
}

/* Writes bytes under their hash unless the file is there already (written whole, then renamed). */
static enum err store_bytes(struct ctx *c, const unsigned char *d, size_t n, const char *h)
{
    const char *dir = arena_printf(c->arena, "%s/clues/%.2s", c->cfg->data_dir, h);
    const char *path = arena_printf(c->arena, "%s/%s", dir, h);
    struct stat sb;
    if (stat(path, &sb) == 0 && (size_t)sb.st_size == n)
        return ERR_OK;
    if (!mkdir_p(dir))
        return ctx_fail(c, ERR_INTERNAL, "无法保存照片：数据目录不可写");
    if (!write_whole(dir, path, d, n))
        return ctx_fail(c, ERR_INTERNAL, "无法保存照片：磁盘写入失败");
    return ERR_OK;
}

/* ---- in the submission's transaction ---- */

static void (*queued_fn)(void *);
static void *queued_arg;

void clues_photos_on_queued(void (*fn)(void *), void *arg)
{
    queued_arg = arg;
    queued_fn = fn;
}

void clue_photos_queued(void)
{
    if (queued_fn)
        queued_fn(queued_arg);
}

/* The path of a photo waiting as sent (arena). */
static const char *raw_path(struct ctx *c, const char *name)
{
    return arena_printf(c->arena, "%s/clues/raw/%s", c->cfg->data_dir, name);
}

enum err clue_photos_keep(struct ctx *c, const struct form *f, const char ***names, int *n)
{
    *n = 0;
    *names = arena_alloc(c->arena, sizeof **names * (size_t)(f->n + 1));
    const char *dir = arena_printf(c->arena, "%s/clues/raw", c->cfg->data_dir);
    for (int i = 0; i < f->n; i++) {
        const struct form_part *p = &f->parts[i];
        if (!p->filename || !p->len)
            continue;
        unsigned char r[16];
        char name[33];
        randombytes_buf(r, sizeof r);
        hex_encode(r, sizeof r, name);
        if (!mkdir_p(dir) || !write_whole(dir, raw_path(c, name), (const unsigned char *)p->data, p->len)) {
            clue_photos_drop(c, *names, *n);
            *n = 0;
            return ctx_fail(c, ERR_INTERNAL, "无法保存照片：数据目录不可写");
        }
        (*names)[(*n)++] = arena_strdup(c->arena, name);
    }
    return ERR_OK;
}

void clue_photos_drop(struct ctx *c, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        unlink(raw_path(c, names[i]));
}

enum err clue_photo_add(struct ctx *c, int64_t clue_id, const char *file, const char *data, size_t len)
{
    enum err e = clue_photo_check(c, data, len);
    if (e)
        return e;
    char at[21];
    time_format_iso(c->now, at);
    bool png = media_sniff((const unsigned char *)data, len) == MEDIA_PNG;
    int64_t id = 0;
    e = db_one_int(c->db, &id,
                   "INSERT INTO clue_photos (clue_id, sm3, size, type, had_location, created_at, state) "
                   "VALUES (?, '', ?, ?, 0, ?, 'pending') RETURNING id",
                   DB_INT(clue_id), DB_INT((int64_t)len), DB_TEXT(png ? "image/png" : "image/jpeg"), DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "保存照片");
    return ctx_db_fail(
        c, db_exec_later(c->db, "INSERT INTO clue_photo_raw (photo_id, file) VALUES (?, ?)", DB_INT(id), DB_TEXT(file)),
        "保存照片");
}

/* ---- the photos of a clue converted into an item ---- */

/* Copies the stored photo sm3 to a file of its own under data_dir/tmp and attaches it to the item. */
static enum err attach_copy(struct ctx *c, int64_t item_id, int k, const char *sm3, const char *type, int64_t size)
{
    const char *src = arena_printf(c->arena, "%s/clues/%.2s/%s", c->cfg->data_dir, sm3, sm3);
    const char *tmpdir = arena_printf(c->arena, "%s/tmp", c->cfg->data_dir);
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s/clue-photo-XXXXXX", tmpdir);
    mkdir(tmpdir, 0750);
    int fd = mkstemp(tmp);
    FILE *in = fopen(src, "rb");
    bool ok = fd >= 0 && in;
    char buf[65536];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = write(fd, buf, n) == (ssize_t)n;
    if (in)
        fclose(in);
    if (fd >= 0)
        close(fd);
    if (!ok) {
        unlink(tmp);
        return ctx_fail(c, ERR_INTERNAL, "无法复制线索照片");
    }
    json_t *att = NULL;
    const char *name = arena_printf(c->arena, "线索照片%d.%s", k, strcmp(type, "image/png") ? "jpg" : "png");
    enum err e = items_attach(c, item_id, name, tmp, size, sm3, 0, &att);
    json_decref(att);
    unlink(tmp); /* gone when it was stored */
    return e;
}

enum err clue_photos_to_item(struct ctx *c, int64_t clue_id, int64_t item_id, int64_t only)
{
    bool open = false;
    enum err e = items_take_files(c, item_id, &open);
    if (e || !open)
        return e;
    struct stmt *st = db_query(
        c->db, "SELECT id, state, sm3, size, type FROM clue_photos WHERE clue_id = ? ORDER BY id", DB_INT(clue_id));
    struct photo {
        int k;
        const char *sm3, *type;
        int64_t size;
    } *ph = NULL;
    int n = 0, cap = 0, k = 0, rc;
    while (st && (rc = stmt_step(st)) == STORE_ROW) {
        k++;
        if (strcmp(stmt_text(st, 1), "ready") || (only && stmt_int(st, 0) != only))
            continue;
        ph = arena_grow(c->arena, ph, n, &cap, sizeof *ph);
        ph[n++] = (struct photo){k, arena_strdup(c->arena, stmt_text(st, 2)), arena_strdup(c->arena, stmt_text(st, 4)),
                                 stmt_int(st, 3)};
    }
    if (!st || rc < 0) {
        stmt_done(st);
        return ctx_store_fail(c, st ? rc : STORE_E_OTHER, "读取线索照片");
    }
    stmt_done(st);
    for (int i = 0; i < n && !e; i++)
        e = attach_copy(c, item_id, ph[i].k, ph[i].sm3, ph[i].type, ph[i].size);
    return e;
}

/* ---- the photo worker ---- */

/* A claim's lease (real seconds): one photo's walk, strip and write take milliseconds; a node that dies with
 * the claim leaves it to the others (and to itself once restarted) after that. */
#define PHOTO_LEASE_S 30
/* Claims of one photo after which it is rejected: each ended without an outcome (the process died in it). */
#define PHOTO_ATTEMPTS 3

/* The test hook (with the test clock only): while the setting test_hold_photos is "1", passes claim nothing,
 * so that a test sees a photo before it is processed and kills the server then
 * (tests/api/test_clue_photo_worker.py). */
static bool held(struct ctx *c)
{
    const char *v = NULL;
    return c->cfg->test_clock &&
           !db_one_text(c->db, c->arena, &v, "SELECT value FROM settings WHERE key = 'test_hold_photos'") && v &&
           !strcmp(v, "1");
}

struct claimed {
    struct arena *arena;
    int64_t *id, *attempts;
    const char **file;
};

static void take_claimed(struct stmt *st, void *arg)
{
    struct claimed *k = arg;
    *k->id = stmt_int(st, 0);
    *k->attempts = stmt_int(st, 1);
    *k->file = arena_strdup(k->arena, stmt_text(st, 2));
}

/* Claims the oldest photo waiting whose lease (if any) ran out: its id, attempts (this one counted) and the name
 * of its file as sent (arena). ERR_NOT_FOUND: none. */
static enum err claim(struct ctx *c, int64_t *id, int64_t *attempts, const char **file)
{
    bool pg = strcmp(db_kind(c->db), "postgres") == 0;
    int64_t now = (int64_t)time(NULL);
    if (db_begin(c->db) < 0)
        return ctx_fail(c, ERR_UNAVAILABLE, "数据库繁忙");
    struct stmt *st =
        db_query(c->db,
                 pg ? "UPDATE clue_photo_raw SET claimed_by = ?, lease_until = ?, attempts = attempts + 1 "
                      "WHERE photo_id = (SELECT photo_id FROM clue_photo_raw WHERE lease_until <= ? "
                      "ORDER BY photo_id LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED) RETURNING photo_id, attempts, file"
                    : "UPDATE clue_photo_raw SET claimed_by = ?, lease_until = ?, attempts = attempts + 1 "
                      "WHERE photo_id = (SELECT photo_id FROM clue_photo_raw WHERE lease_until <= ? "
                      "ORDER BY photo_id LIMIT 1) RETURNING photo_id, attempts, file",
                 DB_TEXT(claim_holder()), DB_INT(now + PHOTO_LEASE_S), DB_INT(now));
    struct claimed k = {c->arena, id, attempts, file};
    return claim_lease_commit(c, st, take_claimed, &k, "处理照片");
}

struct outcome {
    int64_t id;
    const char *sm3, *type, *reason; /* reason: rejected */
    int64_t size;
    bool had_location;
    bool settled; /* by this node (its file as sent is then ours to delete) */
};

/* Records the outcome of photo o->id if this node still holds its claim: the row, the bytes as sent deleted,
 * the audit record (the system's, in the clue's office); a stored photo of a clue converted into an item
 * meanwhile is attached to the item too. */
static enum err settle_tx(struct ctx *c, void *arg)
{
    struct outcome *o = arg;
    o->settled = false;
    struct stmt *st = db_query(c->db,
                               "SELECT p.clue_id, k.office_path FROM clue_photo_raw r JOIN clue_photos p ON p.id = "
                               "r.photo_id JOIN clues k ON k.id = p.clue_id WHERE r.photo_id = ? AND r.claimed_by = ?",
                               DB_INT(o->id), DB_TEXT(claim_holder()));
    int64_t clue_id = 0;
    int rc = st ? stmt_step(st) : STORE_E_OTHER;
    if (rc == STORE_ROW) {
        clue_id = stmt_int(st, 0);
        c->audit_scope = arena_strdup(c->arena, stmt_text(st, 1));
    }
    if (st)
        stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "处理照片");
    if (!clue_id)
        return ERR_OK; /* another node took it over after our lease ran out: its outcome, not ours */
    /* the clue's row lock, as its actions take it (PostgreSQL): a conversion into an item either commits before
     * it — its item read here, the photo attached below — or waits for this outcome and attaches the photo itself */
    int64_t item_id = 0;
    enum err e = db_lock_row(c->db, "clues", clue_id);
    if (!e)
        e = db_one_int(c->db, &item_id, "SELECT COALESCE(item_id, 0) FROM clues WHERE id = ?", DB_INT(clue_id));
    if (e)
        return ctx_db_fail(c, e, "处理照片");
    e = o->reason
            ? db_exec(c->db, "UPDATE clue_photos SET state = 'rejected', reason = ? WHERE id = ?", DB_TEXT(o->reason),
                      DB_INT(o->id))
            : db_exec(
                  c->db,
                  "UPDATE clue_photos SET state = 'ready', sm3 = ?, size = ?, type = ?, had_location = ? WHERE id = ?",
                  DB_TEXT(o->sm3), DB_INT(o->size), DB_TEXT(o->type), DB_INT(o->had_location ? 1 : 0), DB_INT(o->id));
    if (!e)
        e = db_exec(c->db, "DELETE FROM clue_photo_raw WHERE photo_id = ?", DB_INT(o->id));
    if (e)
        return ctx_db_fail(c, e, "处理照片");
    json_t *sum =
        o->reason
            ? json_pack("{sI ss ss}", "photo", (json_int_t)o->id, "state", "rejected", "reason", o->reason)
            : json_pack("{sI ss sb}", "photo", (json_int_t)o->id, "state", "ready", "had_location", o->had_location);
    e = audit_record(c, o->reason ? "clue.photo_rejected" : "clue.photo_stored", "clue", clue_id, sum);
    json_decref(sum);
    if (!e && !o->reason && item_id) /* converted while the photo waited: the item gets it now */
        e = clue_photos_to_item(c, clue_id, item_id, o->id);
    o->settled = !e;
    return e;
}

/* Walks, strips and stores one claimed photo; *o says what became of it. ERR_INTERNAL (disk, libmagic): the
 * photo stays claimed and is tried again once the lease ran out. */
static enum err process(struct ctx *c, const char *file, struct outcome *o)
{
    const char *path = raw_path(c, file);
    FILE *in = fopen(path, "rb");
    struct stat sb;
    if (!in || fstat(fileno(in), &sb) != 0 || sb.st_size < 0 || sb.st_size > (off_t)1 << 30) {
        if (in)
            fclose(in);
        return ctx_fail(c, ERR_INTERNAL, "照片文件 %s 无法读取：%s", path, strerror(errno));
    }
    size_t len = (size_t)sb.st_size;
    unsigned char *raw = xmalloc(len ? len : 1);
    bool read_all = fread(raw, 1, len, in) == len;
    fclose(in);
    if (!read_all) {
        free(raw);
        return ctx_fail(c, ERR_INTERNAL, "照片文件 %s 读取不完整", path);
    }
    struct media_meta m;
    enum err e = photo_walk(c, raw, len, &m);
    unsigned char *copy = NULL;
    size_t n = 0;
    if (!e) {
        copy = xmalloc(len ? len : 1);
        if (!(n = media_strip(raw, len, copy)))
            e = ctx_fail(c, ERR_INVALID, "照片已损坏或不完整");
    }
    if (e && e != ERR_INTERNAL) { /* the photo's fault: its reason kept, the failure no longer the pass's */
        o->reason = c->msg ? c->msg : "照片无法读取";
        c->err = ERR_OK;
        c->msg = c->field = NULL;
    }
    if (!e) {
        char h[65];
        sm3_hex(copy, n, h);
        o->sm3 = arena_strdup(c->arena, h);
        o->size = (int64_t)n;
        o->type = media_sniff(raw, len) == MEDIA_PNG ? "image/png" : "image/jpeg";
        o->had_location = m.has_location;
        e = store_bytes(c, copy, n, h);
    }
    free(copy);
    free(raw);
    return e == ERR_INTERNAL ? e : ERR_OK;
}

/* Claims one photo and settles it (its bytes in c's arena). *none: nothing left to claim. */
static enum err settle_one(struct ctx *c, bool *none)
{
    int64_t id = 0, attempts = 0;
    const char *file = NULL;
    enum err e = claim(c, &id, &attempts, &file);
    if (e == ERR_NOT_FOUND)
        *none = true;
    if (e)
        return e == ERR_NOT_FOUND ? ERR_OK : e;
    struct outcome o = {.id = id};
    if (attempts > PHOTO_ATTEMPTS)
        o.reason = "照片无法处理（多次处理均未完成）";
    else if ((e = process(c, file, &o))) {
        log_warn("clue photo %" PRId64 " not processed: %s (tried again in %d s)", id, c->msg ? c->msg : "",
                 PHOTO_LEASE_S);
        c->err = ERR_OK;
        c->msg = c->field = NULL;
        return ERR_OK;
    }
    c->now = clock_now(c->db, c->cfg);
    e = ctx_tx(c, "处理照片", settle_tx, &o);
    c->audit_scope = NULL;
    if (!e && o.settled)
        unlink(raw_path(c, file)); /* committed: nothing refers to it any more */
    return e;
}

/* A file as sent that no row refers to (the process died between writing it and the commit, or between the
 * outcome's commit and the unlink) is deleted once it is ORPHAN_AGE_S old: an unstripped photo is not kept. A
 * younger one may be a submission in flight. Looked for at most every SWEEP_S per process. */
#define ORPHAN_AGE_S 3600
#define SWEEP_S 600
static _Atomic int64_t last_sweep;

static void sweep(struct ctx *c)
{
    int64_t now = (int64_t)time(NULL), last = atomic_load(&last_sweep);
    if (now - last < SWEEP_S || !atomic_compare_exchange_strong(&last_sweep, &last, now))
        return;
    const char *dir = arena_printf(c->arena, "%s/clues/raw", c->cfg->data_dir);
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        const char *path = arena_printf(c->arena, "%s/%s", dir, de->d_name);
        struct stat sb;
        if (de->d_name[0] == '.' && strncmp(de->d_name, ".photo-", 7))
            continue; /* . and .. */
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || now - (int64_t)sb.st_mtime < ORPHAN_AGE_S)
            continue;
        int64_t refs = 1;
        if (db_one_int(c->db, &refs, "SELECT COUNT(*) FROM clue_photo_raw WHERE file = ?", DB_TEXT(de->d_name)) || refs)
            continue;
        if (unlink(path) == 0)
            log_info("clue photo file %s deleted: no clue refers to it", de->d_name);
    }
    if (d)
        closedir(d);
}

enum err clues_photos_pass(struct ctx *c, const atomic_bool *stop, int *done)
{
    *done = 0;
    sweep(c);
    /* an idle pass is one read of a table that holds only the photos waiting */
    int64_t waiting = 0;
    enum err e = db_one_int(c->db, &waiting, "SELECT COUNT(*) FROM (SELECT 1 FROM clue_photo_raw LIMIT 1) w");
    if (e)
        return ctx_db_fail(c, e, "处理照片");
    if (!waiting || held(c))
        return ERR_OK;
    struct arena *outer = c->arena;
    bool none = false;
    while (!e && !none && !(stop && atomic_load(stop))) {
        struct arena one = ARENA_INIT; /* each photo's bytes (megabytes) freed before the next is claimed */
        c->arena = &one;
        e = settle_one(c, &none);
        c->arena = outer;
        if (!e && !none)
            ++*done;
        if (c->msg) /* the failure's words outlive the photo's arena */
            c->msg = arena_strdup(outer, c->msg);
        c->field = NULL;
        arena_free(&one);
    }
    return e;
}
