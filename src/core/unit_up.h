/*
 * unit_up.h: the way up the unit tree, read through the index on a path. A unit's materialized path names
 * its ancestors ("/1/7/42/": "/1/", "/1/7/", "/1/7/42/"), so "the nearest unit above path that has X" (the
 * prefix of an office's series, the nearest government, the nearest cap) is a lookup of those few paths
 * (`path IN (?, ?, ?)`), never a scan of the units (or of a table's copies of unit paths) whose path sorts
 * before it: its cost follows the tree's depth, not how many units or rows there are.
 */
#ifndef DUCHA_UNIT_UP_H
#define DUCHA_UNIT_UP_H

#include "base/arena.h"
#include "store/store.h"

#include <stdbool.h>

/* The paths of the unit at path and of each of its ancestors, root first ("/1/", "/1/7/", "/1/7/42/"),
 * in *out (arena a); returns how many. A path that does not start and end with "/" gives 0. */
int unit_path_up(struct arena *a, const char *path, const char ***out);

/* "col IN (?, …)" with n placeholders (arena a), or "1 = 0" when n is 0: the structure for the n paths of
 * unit_path_up, bound in the same order. */
const char *unit_up_in(struct arena *a, const char *col, int n);

/* "((col >= ? AND col < ?) OR col IN (?, …))": the subtree of the unit at path and its ancestors (a grant's
 * reach, and the governments above it), in *sql (arena a); its values appended at b[*nb], *nb advanced, when
 * they fit below cap (false and nothing appended otherwise). */
bool unit_up_or_below(struct arena *a, const char *col, const char *path, struct db_bind *b, int *nb, int cap,
                      const char **sql);

/*
 * Prepares head + " IN (?, …)" + tail, the placeholders bound to the paths of unit_path_up(path) and then
 * the values of after (which may be NULL) bound to the `?` of tail — head has none —, e.g.
 *     unit_up_query(db, a, "SELECT prefix FROM units WHERE path", path,
 *                   " AND prefix <> '' ORDER BY depth DESC LIMIT 1", NULL);
 * Step it with stmt_step, finish it with stmt_done. NULL when it cannot be prepared (logged), as db_query.
 */
struct stmt *unit_up_query(struct db *db, struct arena *a, const char *head, const char *path, const char *tail,
                           const struct db_bind *after);

#endif
