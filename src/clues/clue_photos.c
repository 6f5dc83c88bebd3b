/*
 * clue_photos.c: photos of a clue. Only JPEG and PNG, by their bytes (libmagic and a full walk of the
 * format); stored once by content under {data_dir}/clues/{h[0..1]}/{h}, h the SM3 of the stored bytes,
 * and only as a copy without location and other metadata (base/media.h): what is kept can be shown to
 * a verifying unit without pointing at whoever took it.
 */
#include "clues/clues_internal.h"

#include "base/filetype.h"
#include "base/media.h"
#include "crypto/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum err clue_photo_check(struct ctx *c, const char *data, size_t len)
{
    if ((int64_t)len > c->cfg->public_photo_limit)
        return ctx_fail(c, ERR_TOO_LARGE, "照片过大（每张最多 %" PRId64 " KB），请压缩后再上传",
                        c->cfg->public_photo_limit / 1024);
    char type[128];
    if (!filetype_of_bytes(data, len, type, sizeof type))
        return ctx_fail(c, ERR_INTERNAL, "无法识别文件类型（libmagic 不可用）");
    enum media_kind k = media_sniff((const unsigned char *)data, len);
    bool jpeg = !strcmp(type, "image/jpeg") && k == MEDIA_JPEG, png = !strcmp(type, "image/png") && k == MEDIA_PNG;
    if (!jpeg && !png)
        return ctx_fail(c, ERR_MEDIA_TYPE, "照片只能是 JPEG 或 PNG 图片（上传的内容为 %s）", type);
    struct media_meta m;
    if (!media_meta((const unsigned char *)data, len, &m))
        return ctx_fail(c, ERR_INVALID, "照片已损坏或不完整，请重新拍摄或选择");
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
    char *tmp = arena_printf(c->arena, "%s/.photo-XXXXXX", dir);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return ctx_fail(c, ERR_INTERNAL, "无法保存照片：数据目录不可写");
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
        return ctx_fail(c, ERR_INTERNAL, "无法保存照片：磁盘写入失败");
    }
    return ERR_OK;
}

enum err clue_photo_add(struct ctx *c, int64_t clue_id, const char *data, size_t len)
{
    enum err e = clue_photo_check(c, data, len);
    if (e)
        return e;
    struct media_meta m;
    media_meta((const unsigned char *)data, len, &m);
    unsigned char *copy = xmalloc(len);
    size_t n = media_strip((const unsigned char *)data, len, copy);
    if (!n) {
        free(copy);
        return ctx_fail(c, ERR_INVALID, "照片已损坏或不完整，请重新拍摄或选择");
    }
    char h[65];
    sm3_hex(copy, n, h);
    e = store_bytes(c, copy, n, h);
    free(copy);
    if (e)
        return e;
    char at[21];
    time_format_iso(c->now, at);
    bool png = media_sniff((const unsigned char *)data, len) == MEDIA_PNG;
    e = db_exec(
        c->db, "INSERT INTO clue_photos (clue_id, sm3, size, type, had_location, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        DB_INT(clue_id), DB_TEXT(h), DB_INT((int64_t)n), DB_TEXT(png ? "image/png" : "image/jpeg"),
        DB_INT(m.has_location ? 1 : 0), DB_TEXT(at));
    return ctx_db_fail(c, e, "保存照片");
}
