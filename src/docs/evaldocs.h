/*
 * evaldocs.h: the side-by-side view of a third-party evaluation (对表分析) as XLSX (libxlsxwriter): sheet
 * "对表分析" (one row per unit and indicator: full marks, the evaluator's score, the unit's self-assessment,
 * the difference — highlighted when the view flags it — and the comments; a total row per unit) and sheet
 * "评估发现与督查发现" (per unit: the evaluator's findings, the unit's note, the inspections' issued
 * findings). The data comes as JSON from the evaluations module (evaluations_compare).
 */
#ifndef DUCHA_EVALDOCS_H
#define DUCHA_EVALDOCS_H

#include "core/ctx.h"

#include <jansson.h>

/* Writes the workbook to a temporary file under data_dir/tmp; *path (arena) is removed by the caller
 * once sent. */
enum err docs_evaluation_xlsx(struct ctx *c, const json_t *compare, const char **path);

#endif
