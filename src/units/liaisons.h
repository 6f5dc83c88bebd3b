/*
 * liaisons.h: the units' liaison directory (联络员名录, #15): for each unit its liaison officer (联络员) and its
 * head (主要负责人) with their mobile and office phones. Read like units (the caller's subtrees); kept by the
 * unit itself (its contact or head), or by the supervision office or the administrator of a unit above it;
 * every change audited. A unit without an entry shows what its unit record says, marked not confirmed.
 */
#ifndef DUCHA_LIAISONS_H
#define DUCHA_LIAISONS_H

#include "base/buf.h"
#include "base/jsonv.h"
#include "core/ctx.h"

#include <jansson.h>

struct liaison_query {
    int64_t unit_id;   /* only this unit's subtree (0: every unit in scope) */
    const char *q;     /* unit name or code, a person's name or a phone number contains it */
    const char *after; /* the `next` of the previous page */
    int limit;         /* 1..500 */
};

/* {"liaisons": [entries in path order], "next": cursor or null}. 404 for a unit_id out of sight. */
enum err liaisons_list(struct ctx *c, const struct liaison_query *q, json_t **out);
/* The whole selection as CSV with Chinese headers (UTF-8 with BOM), in path order. */
enum err liaisons_csv(struct ctx *c, const struct liaison_query *q, struct buf *out);

/* Replaces unit id's entry: {contact_name, contact_mobile, contact_office_phone, head_name, head_mobile,
 * head_office_phone, version?}; 404/403, 409 on a stale version, 422 naming the field (phones: digits, spaces,
 * + - ( ) and 转/ext). *out: the entry. */
extern const struct jv_field liaisons_spec[];
enum err liaisons_put(struct ctx *c, int64_t unit_id, const json_t *body, json_t **out);

#endif
