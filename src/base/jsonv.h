/*
 * jsonv.h: declarative validation of JSON request bodies (Kore's "validators beside routes").
 * A handler declares the fields it accepts; jv_check refuses unknown fields, wrong types, missing
 * required fields, over-long strings and out-of-range numbers with one human-readable message.
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

enum { JV_REQUIRED = 1, JV_NULLABLE = 2 };

struct jv_field {
    const char *name;
    enum jv_type type;
    unsigned flags;
    int64_t min, max;
};

/*
 * Checks that obj is an object whose members are all in spec (terminated by a {NULL} entry) and
 * valid. Returns ERR_OK, or ERR_INVALID with a message in msg naming the field.
 */
enum err jv_check(const json_t *obj, const struct jv_field *spec, char *msg, size_t msglen);

/* Accessors for validated bodies: NULL / def when absent or JSON null. */
const char *jv_str(const json_t *obj, const char *name);
int64_t jv_int(const json_t *obj, const char *name, int64_t def);
bool jv_bool(const json_t *obj, const char *name, bool def);
bool jv_has(const json_t *obj, const char *name);

#endif
