/*
 * units.h: the organisation tree (DOMAIN.md §1): governments, departments, townships, supervision
 * offices and external bodies, each with a code, a parent and a materialized path ("/1/7/42/")
 * that makes "this unit's subtree" one range scan. Every read is limited to the caller's scope;
 * every change is audited.
 */
#ifndef DUCHA_UNITS_H
#define DUCHA_UNITS_H

#include "base/jsonv.h"
#include "core/ctx.h"
#include "core/perm.h"

#include <jansson.h>

/* Accepted fields of a new unit and of a change (validated by the caller with jv_check). */
extern const struct jv_field units_create_spec[];
extern const struct jv_field units_update_spec[];

/* Creates a unit from a validated body; parent_id may be absent only for the system (a root).
 * Returns the unit as JSON in *out (caller owns). Errors: invalid kind/code, 404 parent, 409 code. */
enum err units_create(struct ctx *c, const json_t *body, json_t **out);
/* The same, the user holding cap (instead of unit_write) at the parent: an office registering an evaluator
 * organisation (src/evaluations/eval_orgs.c, which fixes the kind and the parent). */
enum err units_create_as(struct ctx *c, const json_t *body, enum cap cap, json_t **out);
enum err units_get(struct ctx *c, int64_t id, json_t **out);
/* Lists units in scope: children of parent_id (0: the caller's top units), or, with q or kind,
 * matches anywhere in scope (limit rows). */
enum err units_list(struct ctx *c, int64_t parent_id, const char *q, const char *kind, int limit, json_t **out);
/* The unit and everything below it, ordered by path. */
enum err units_subtree(struct ctx *c, int64_t id, json_t **out);
/* Applies a validated change; "version", if given, must match (else 409). Moving a unit moves its
 * subtree; a unit cannot move below itself. */
enum err units_update(struct ctx *c, int64_t id, const json_t *body, json_t **out);
/* Deletes a unit with no children, users, roles or items; otherwise 409 naming what remains. */
enum err units_delete(struct ctx *c, int64_t id);
/*
 * Imports units from an XLSX workbook or UTF-8 CSV (data[0..len)) whose columns are found by their
 * headings in any order: 单位代码, 单位名称, 类型 (a label such as 部门 or the name department), 上级单位
 * (name or code) or 上级单位代码, and optionally 主要负责人, 联系人, 联系电话, 编号前缀, 排序 (the API names
 * code, name, kind, parent_code, … work too). New codes are created, existing ones updated; all rows or
 * none, in one transaction (dry_run: checked, then rolled back). *report: {"dry_run","created",
 * "updated","units":[{row,code,name,action}],"errors":[{row,column,field,message}]}. filename (NULL: not given)
 * names the file in the audit record (unit.import: filename, rows, created, updated).
 */
enum err units_import(struct ctx *c, const char *data, size_t len, bool dry_run, const char *filename, json_t **report);
/* The import's column headings in the template's order (i = 0 …; NULL past the last). */
const char *units_import_headings(int i);
/* Finds a unit by code within scope: id and path (arena). */
enum err units_find_code(struct ctx *c, const char *code, int64_t *id, const char **path);
/* The area a government or township governs, as people name a place: the unit's name without the organ's word
 * (古城县城关镇人民政府 → 古城县城关镇, 城东街道办事处 → 城东街道); any other name as it is. NULL stays NULL;
 * the result lives in a (or is name itself). */
const char *units_area_name(struct arena *a, const char *name);
/* The path of unit id (arena), without scope checks: for domain modules that check themselves. */
enum err units_path(struct ctx *c, int64_t id, const char **path);
/*
 * Registers a column that keeps copies of unit paths (e.g. items.office_path), so that visibility
 * stays one range scan. Moving a unit rewrites the moved prefix in every registered column in the
 * same transaction as the move. Modules register theirs once at start-up (modules_init), before
 * any request; table and column are static strings (identifiers written in code, never input).
 */
void units_register_path_copy(const char *table, const char *column);
/*
 * Registers a statement that a move runs before the copies move, with two text parameters: the
 * moved subtree's old path and its exclusive upper bound. The ledger locks there the items whose
 * tracks move, first, as every item action locks its item first, so that a move and an action never
 * wait for each other's rows in opposite order (docs/internals/ledger.md). sql is static.
 */
void units_register_move_lock(const char *sql);
/* Chinese label of a kind ("government" -> "人民政府"), NULL if unknown. */
const char *units_kind_label(const char *kind);

#endif
