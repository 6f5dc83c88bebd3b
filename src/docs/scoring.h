/*
 * scoring.h: the documents of the year-end scoring (目标责任考评, src/results): the scorecard as an XLSX
 * workbook for the organisation department — the ranking, every unit's lines with the item or record
 * behind each point and the tolerance decision that waived it, the office's adjustments, and the rule
 * table the card was computed with (forbidden measures switched on marked); the periodic statistics; and the
 * burden index.
 */
#ifndef DUCHA_DOCS_SCORING_H
#define DUCHA_DOCS_SCORING_H

#include "core/ctx.h"

/* Writes the card (404 as scorecards_get; a unit's user gets its own rows only) to a temporary file
 * under the data directory; *path (arena) is removed by the reply. */
enum err docs_scorecard_xlsx(struct ctx *c, int64_t id, const char **path);
/* The card as a GB/T 9704 official document (pdf_render_scorecard), appended to out: the whole card, or one
 * unit's (unit_id; a unit's user gets its own whatever it asks: its model holds its row only; 404 for a unit the
 * user does not see on the card). *name: the file's Chinese name with the number (arena). */
struct buf;
enum err docs_scorecard_pdf(struct ctx *c, int64_t id, int64_t unit_id, struct buf *out, const char **name);
/* The periodic statistics (results_statistics) of a year by month or quarter as XLSX: sheet 汇总 (a row per
 * period), 各单位 (the year so far per unit), and one sheet per figure (交办, 办结, 按期办结, 超期未办结) with
 * the units down and the periods across. */
enum err docs_statistics_xlsx(struct ctx *c, int year, bool quarters, const char **path);
/* The periodic reports' roll-up (items_report_rollup) as XLSX: sheet 汇总 (a row per unit one level down and the
 * total: due, submitted, on time, late, missed, not yet due) and 报告内容 (a row per obligation with the unit's
 * form: progress, percent, problems, next steps, support needed). */
struct report_rollup_query;
enum err docs_report_rollup_xlsx(struct ctx *c, const struct report_rollup_query *q, const char **path);
/* The burden index of a period (results_burden, as the user sees it) as XLSX: sheet 各单位 (a row per unit in
 * rank order: the six figures and the total), 按提出要求的政府 (a row per unit and issuer), and for a
 * government's readers 提出要求的政府 (the issuers ranked, with the number of units they asked). */
struct burden_query;
enum err docs_burden_xlsx(struct ctx *c, const struct burden_query *q, const char **path);
/* A bulletin's annex (附件：各责任单位办理情况表, bulletins_document: 404 as bulletins_get) as XLSX: sheet 各责任单位 (every
 * unit of the figures in the ranking's order: registered, completed, on time, overdue and its overdue rank, the
 * totals row), 各级政府 (本级及下级: the roll-up per government and the totals) and 超期未办结事项 (the overdue items
 * the figures list). What the PDF leaves out when it lists only the ranking's two ends. *name: the file's name. */
enum err docs_bulletin_annex_xlsx(struct ctx *c, int64_t id, const char **path, const char **name);

#endif
