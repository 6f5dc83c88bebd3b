/*
 * surveydocs.h: a survey's results as XLSX (libxlsxwriter): sheet "结果汇总" (per question: each option
 * or scale value with its count and share, a scale's average, the number of answers) and sheet "答卷"
 * (one row per answer sheet: its day and one column per question; several choices joined with "；").
 * The data comes as JSON from the surveys module (surveys_results, surveys_sheets); nothing in it names
 * a respondent.
 */
#ifndef DUCHA_SURVEYDOCS_H
#define DUCHA_SURVEYDOCS_H

#include "core/ctx.h"

#include <jansson.h>

/* Writes the workbook to a temporary file under data_dir/tmp; *path (arena) is removed by the caller
 * once sent. */
enum err docs_survey_xlsx(struct ctx *c, const json_t *results, const json_t *sheets, const char **path);

#endif
