/*
 * counter.h: gap-free named counters (item numbers per office and year). The increment runs in
 * the caller's transaction, so a rolled-back registration gives its number back and two
 * concurrent registrations queue on the counter's row.
 */
#ifndef DUCHA_COUNTER_H
#define DUCHA_COUNTER_H

#include "core/ctx.h"

#include <stdint.h>

/* Increments counter `name` (created at 0 if absent) and stores the new value (1, 2, …) in *value.
 * Must run inside a write transaction. Errors: store failures. */
enum err counter_next(struct ctx *c, const char *name, int64_t *value);

/* The prefix of an office's series (古, 安): the nearest unit's on office_path (the office or an ancestor) that
 * has one, "" when none has. From c's arena. Errors: store failures. */
enum err counter_series_prefix(struct ctx *c, const char *office_path, const char **prefix);
/* A number in an office's series: "{prefix}{series}〔{year}〕{n}号" (古督查〔2026〕3号), n from the gap-free counter
 * "{key}:{office_unit_id}:{year}", the prefix counter_series_prefix's.
 * *seq gets n. Must run inside a write transaction. Errors: store failures. */
enum err counter_series_number(struct ctx *c, const char *key, int64_t office_unit_id, const char *office_path,
                               const char *series, int year, const char **out, int64_t *seq);

/* What counter_next_late does with the value once it is taken: writes the object's text (prefix value
 * suffix) into its row (db_exec_later). */
typedef enum err (*counter_fill_fn)(struct ctx *c, void *arg, int64_t value, const char *text);

/*
 * The next value of counter `name` taken as late as possible: in an outermost transaction, by the
 * first statement of its commit (store.h db_late), so that the counter's row — which concurrent
 * registrations queue on — is held for the commit only, not for the rest of the transaction. Until
 * then the text "prefix value suffix" is *text_out, a token unique to the object (key, e.g. "item:12")
 * that everything written in the transaction carries in its place (timeline, audit summary, to-dos,
 * messages, webhook payloads) and that the commit replaces with the text; fill(c, arg, value, text)
 * then writes it into the object's row. counter_late_token(c, key) gives the token to a load of the
 * object inside the transaction. In a nested transaction the value is taken at once (*text_out is the
 * text, fill runs now). ctx c and arg must live until the commit. Errors: store failures.
 */
enum err counter_next_late(struct ctx *c, const char *key, const char *name, const char *prefix, const char *suffix,
                           counter_fill_fn fill, void *arg, const char **text_out);
/* The token standing for key's value taken at the commit (NULL when none is pending). */
const char *counter_late_token(struct ctx *c, const char *key);

#endif
