/*
 * pointdocs.h: the research report (调研报告) of a visit at a grassroots contact point (驻点调研) as a GB/T 9704
 * official-document PDF: 一、基本情况, 二、分析, 三、建议, addressed to the government's leaders. It is drawn from the
 * clues module's JSON of the point and the visit as the caller may see them (contact_point_visit_get), so the
 * document carries the same permission as the report it shows.
 */
#ifndef DUCHA_POINTDOCS_H
#define DUCHA_POINTDOCS_H

#include "base/buf.h"
#include "core/ctx.h"

#include <jansson.h>

/* The report of the visit (its JSON) at the point (its JSON), appended to out (a draft says so in its label);
 * 403 when the visit's JSON carries no report (the point's own people see the visit, not its report). */
enum err docs_visit_report_pdf(struct ctx *c, const json_t *point, const json_t *visit, struct buf *out);

#endif
