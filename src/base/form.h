/*
 * form.h: a strict parser of multipart/form-data bodies (RFC 7578, RFC 2046 §5.1), for the public forms
 * (a clue with its photos) that are held in memory whole. It reads the boundary from the
 * Content-Type, splits the parts, and for each part its Content-Disposition (form-data; name;
 * filename) and Content-Type. It allocates nothing but from the arena and never reads past the body:
 * it is fuzzed (tests/fuzz/fuzz_form.c). What a part means is the caller's business.
 */
#ifndef DUCHA_FORM_H
#define DUCHA_FORM_H

#include "base/arena.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>

struct form_part {
    const char *name;     /* the field name (NUL-terminated, valid UTF-8, non-empty) */
    const char *filename; /* a file part's file name (NUL-terminated), or NULL for a plain field */
    const char *type;     /* the part's Content-Type without parameters, or NULL */
    const char *data;     /* the bytes: a NUL-terminated arena copy for a field, into the body for a file */
    size_t len;           /* of data */
};

struct form {
    struct form_part *parts;
    int n;
};

#define FORM_NAME_MAX 100     /* bytes of a field name or a file name beyond which a part is refused */
#define FORM_HEADERS_MAX 2048 /* bytes of one part's header block */
#define FORM_FIELD_MAX 65536  /* bytes of a plain field's value */

/*
 * Parses body[0..len) sent with content_type. At most max_parts parts. Returns ERR_OK with *out
 * filled; ERR_MEDIA_TYPE when the type is not multipart/form-data with a usable boundary;
 * ERR_BAD_REQUEST when the body is not well formed (no opening or closing delimiter, a part without
 * name, a header block too long, a header line without CRLF, more parts than allowed, a field
 * beyond FORM_FIELD_MAX …). msg (msglen bytes) says what, in Chinese.
 */
enum err form_parse(struct arena *a, const char *content_type, const char *body, size_t len, int max_parts,
                    struct form *out, char *msg, size_t msglen);

/* The first plain field (not a file) called name, or NULL. */
const char *form_field(const struct form *f, const char *name);
/* How many parts (fields or files) are called name. */
int form_count(const struct form *f, const char *name);

#endif
