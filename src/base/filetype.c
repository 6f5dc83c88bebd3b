/* filetype.c: content types by libmagic and the rules of which content may carry which extension. */
#include "base/filetype.h"

#include <magic.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/*
 * What the bytes of a file with each extension may be, as libmagic names them (space-separated
 * MIME types; "text/ANY" is any text but HTML). Office formats of the 1997–2003 generation (and
 * WPS/ET) are OLE compound files; the 2007 generation, OFD and ZIP are ZIP containers, which
 * libmagic names by their first member when it can.
 */
#define OLE                                                                                                            \
    "application/msword application/vnd.ms-excel application/vnd.ms-powerpoint application/vnd.ms-office "             \
    "application/CDFV2 application/x-ole-storage application/vnd.ms-works"
#define OOXML(t) "application/vnd.openxmlformats-officedocument." t " application/zip"
static const struct {
    const char *ext, *types;
} content_rules[] = {
    {"pdf", "application/pdf"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"png", "image/png"},
    {"txt", "text/ANY"},
    {"csv", "text/ANY application/csv"},
    {"zip", "application/zip"},
    {"ofd", "application/zip application/ofd"},
    {"doc", OLE},
    {"xls", OLE},
    {"ppt", OLE},
    {"wps", OLE " application/zip"},
    {"et", OLE " application/zip"},
    {"docx", OOXML("wordprocessingml.document")},
    {"xlsx", OOXML("spreadsheetml.sheet")},
    {"pptx", OOXML("presentationml.presentation")},
};
#undef OLE
#undef OOXML

/* Types never accepted whatever the extension: pages a browser would run, programs, scripts. */
static bool dangerous_type(const char *t)
{
    static const char *const bad[] = {"text/html",
                                      "image/svg+xml",
                                      "text/xml",
                                      "application/xml",
                                      "application/x-executable",
                                      "application/x-pie-executable",
                                      "application/x-sharedlib",
                                      "application/x-dosexec",
                                      "application/x-mach-binary",
                                      "text/x-shellscript",
                                      "text/x-script.python",
                                      "application/javascript",
                                      "text/javascript",
                                      "text/x-php",
                                      "application/x-msi"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (!strcasecmp(t, bad[i]))
            return true;
    return false;
}

static bool type_matches(const char *types, const char *t)
{
    size_t n = strlen(t);
    for (const char *p = types; *p;) {
        size_t k = strcspn(p, " ");
        if (k == 8 && !strncmp(p, "text/ANY", 8) && !strncasecmp(t, "text/", 5))
            return true;
        if (k == n && !strncasecmp(p, t, n))
            return true;
        p += k;
        while (*p == ' ')
            p++;
    }
    return false;
}

static pthread_mutex_t magic_mu = PTHREAD_MUTEX_INITIALIZER;
static magic_t magic_db; /* opened once; libmagic handles are not thread-safe, so used under magic_mu */

/* libmagic's answer for a file or bytes, copied into out; false when unavailable. */
static bool sniff(const char *path, const void *data, size_t n, char *out, size_t outlen)
{
    pthread_mutex_lock(&magic_mu);
    if (!magic_db) {
        magic_db = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_TAR | MAGIC_ERROR);
        if (magic_db && magic_load(magic_db, NULL) != 0) {
            magic_close(magic_db);
            magic_db = NULL;
        }
    }
    const char *t = !magic_db ? NULL : path ? magic_file(magic_db, path) : magic_buffer(magic_db, data, n);
    if (t)
        snprintf(out, outlen, "%s", t);
    pthread_mutex_unlock(&magic_mu);
    return t != NULL;
}

bool filetype_of_file(const char *path, char *out, size_t outlen)
{
    return sniff(path, NULL, 0, out, outlen);
}

bool filetype_of_bytes(const void *data, size_t n, char *out, size_t outlen)
{
    return sniff(NULL, data, n, out, outlen);
}

bool filetype_fits(const char *ext, const char *type)
{
    const char *rule = NULL;
    for (size_t i = 0; i < sizeof content_rules / sizeof *content_rules; i++)
        if (!strcasecmp(content_rules[i].ext, ext))
            rule = content_rules[i].types;
    return !dangerous_type(type) && (!rule || type_matches(rule, type));
}
