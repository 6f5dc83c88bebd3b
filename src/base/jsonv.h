/*
 * jsonv.h: declarative validation of JSON request bodies (Kore's "validators beside routes").
 * A handler declares the fields it accepts; jv_check refuses unknown fields, wrong types, missing
 * required fields, over-long strings and out-of-range numbers with one human-readable message that
 * names the field (its Chinese label when the spec gives one: "事项名称（title）不能为空").
 *
 * Text is trimmed: leading and trailing white space (ASCII and the full-width space U+3000) is
 * removed from every string member and string array element before it is checked, in the body
 * itself, so that a title of spaces is empty and what is stored is what is shown. JV_VERBATIM
 * keeps a member as sent (passwords).
 */
#ifndef DUCHA_JSONV_H
#define DUCHA_JSONV_H

#include "base/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum jv_type {
    JV_STRING, /* string; min/max in characters (max 0 = 200) */
    JV_INT,    /* integer; min/max inclusive when min < max */
    JV_BOOL,
    JV_DATE,         /* "YYYY-MM-DD" */
    JV_INSTANT,      /* ISO 8601 instant */
    JV_INT_ARRAY,    /* array of integers; max = max items (0 = 100) */
    JV_STRING_ARRAY, /* array of strings of at most 200 characters; max = max items (0 = 100) */
    JV_OBJECT,       /* any object (validated by the caller) */
    JV_OBJECT_ARRAY, /* array of objects (each validated by the caller); max = max items (0 = 100) */
};

enum { JV_REQUIRED = 1, JV_NULLABLE = 2, JV_VERBATIM = 4 };

struct jv_field {
    const char *name;
    enum jv_type type;
    unsigned flags;
    int64_t min, max;
    const char *label; /* the field in words ("事项名称"), or NULL: messages then name the member only */
};

/*
 * Checks that obj is an object whose members are all in spec (terminated by a {NULL} entry) and
 * valid, trimming its text members in place. Returns ERR_OK, or ERR_INVALID with a message in msg
 * naming the field.
 */
enum err jv_check(const json_t *obj, const struct jv_field *spec, char *msg, size_t msglen);
/* The same; on failure *field is the member at fault (the spec's name, static), or NULL when the
 * body as a whole is wrong. */
enum err jv_check_at(const json_t *obj, const struct jv_field *spec, char *msg, size_t msglen, const char **field);
/* The length of s without its leading (*start: their bytes) and trailing white space (ASCII, U+3000). */
size_t jv_trimmed(const char *s, size_t *start);

/* Accessors for validated bodies: NULL / def when absent or JSON null. */
const char *jv_str(const json_t *obj, const char *name);
int64_t jv_int(const json_t *obj, const char *name, int64_t def);
bool jv_bool(const json_t *obj, const char *name, bool def);
bool jv_has(const json_t *obj, const char *name);
/* The JSON array that text holds (a new reference), or NULL when text is NULL or holds no array (a column
 * that SQL built with json_agg / json_group_array). */
json_t *jv_array_parse(const char *text);

#endif
