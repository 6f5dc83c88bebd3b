/* blob.c: content-addressed files; see blob.h. */
#include "base/blob.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool blob_path(const char *dir, const char *h, char *out, size_t outlen)
{
    int k = snprintf(out, outlen, "%s/%.2s/%s", dir, h, h);
    return k > 0 && (size_t)k < outlen;
}

/* mkdir -p for the directory of a blob. */
static bool make_dirs(const char *dir)
{
    char tmp[4096];
    int k = snprintf(tmp, sizeof tmp, "%s", dir);
    if (k <= 0 || (size_t)k >= sizeof tmp)
        return false;
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
                return false;
            *p = '/';
        }
    return mkdir(tmp, 0750) == 0 || errno == EEXIST;
}

bool blob_store(const char *dir, const char *h, const void *data, size_t n)
{
    char path[4096], sub[4096], tmp[4200];
    struct stat sb;
    if (!blob_path(dir, h, path, sizeof path) || snprintf(sub, sizeof sub, "%s/%.2s", dir, h) >= (int)sizeof sub)
        return false;
    if (stat(path, &sb) == 0 && (size_t)sb.st_size == n)
        return true;
    if (!make_dirs(sub))
        return false;
    static atomic_uint seq; /* two threads storing the same blob write different temporaries */
    snprintf(tmp, sizeof tmp, "%s.%d.%u.tmp", path, (int)getpid(), atomic_fetch_add(&seq, 1));
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        return false;
    const char *p = data;
    size_t left = n;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            unlink(tmp);
            return false;
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return false;
    }
    return true;
}
