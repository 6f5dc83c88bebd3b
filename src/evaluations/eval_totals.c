/*
 * eval_totals.c: the accepted engagements' totals per unit, for the year-end scorecard's 对表分析
 * (src/results/score_card.c reads them through evaluations_accepted_totals; results ranks beside
 * evaluations and declares the include in scripts/check-layers.sh). The totals are evaluations_compare's:
 * the evaluator's only when every indicator has its score, the self-assessment's only once submitted.
 */
#include "evaluations/eval_internal.h"

#include <inttypes.h>
#include <stdio.h>

enum err evaluations_accepted_totals(struct ctx *c, int64_t office_unit_id, int year, json_t **out)
{
    char y0[11], y1[11];
    snprintf(y0, sizeof y0, "%04d-01-01", year);
    snprintf(y1, sizeof y1, "%04d-12-31", year);
    struct stmt *st = db_query(
        c->db,
        "SELECT e.id, e.title, v.name, e.period_start, e.period_end, eu.unit_id, eu.self_at IS NOT NULL, "
        "(SELECT COUNT(*) FROM eval_indicators i WHERE i.evaluation_id = e.id), "
        "(SELECT COALESCE(SUM(i.max_score), 0) FROM eval_indicators i WHERE i.evaluation_id = e.id), "
        "(SELECT COUNT(*) FROM eval_scores s WHERE s.eval_unit_id = eu.id AND s.source = 'evaluator'), "
        "(SELECT COALESCE(SUM(s.score), 0) FROM eval_scores s WHERE s.eval_unit_id = eu.id "
        "AND s.source = 'evaluator'), "
        "(SELECT COALESCE(SUM(s.score), 0) FROM eval_scores s WHERE s.eval_unit_id = eu.id AND s.source = 'self') "
        "FROM evaluations e JOIN eval_units eu ON eu.evaluation_id = e.id "
        "LEFT JOIN units v ON v.id = e.evaluator_unit_id "
        "WHERE e.office_unit_id = ? AND e.state = 'accepted' AND e.period_end >= ? AND e.period_end <= ? "
        "ORDER BY e.id, eu.unit_id",
        DB_INT(office_unit_id), DB_TEXT(y0), DB_TEXT(y1));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取第三方评估结果");
    json_t *o = json_object();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        int64_t nind = stmt_int(st, 7), max = stmt_int(st, 8);
        json_t *e =
            json_pack("{sI ss ss ss sI}", "id", (json_int_t)stmt_int(st, 0), "title", stmt_text(st, 1), "period_start",
                      stmt_text(st, 3), "period_end", stmt_text(st, 4), "max_total", (json_int_t)max);
        json_object_set_new(e, "evaluator", stmt_is_null(st, 2) ? json_null() : json_string(stmt_text(st, 2)));
        json_object_set_new(e, "evaluator_total",
                            nind > 0 && stmt_int(st, 9) == nind ? json_integer(stmt_int(st, 10)) : json_null());
        json_object_set_new(e, "self_total", stmt_int(st, 6) ? json_integer(stmt_int(st, 11)) : json_null());
        char key[24];
        snprintf(key, sizeof key, "%" PRId64, stmt_int(st, 5));
        json_t *list = json_object_get(o, key);
        if (!list)
            json_object_set_new(o, key, list = json_array());
        json_array_append_new(list, e);
    }
    stmt_done(st);
    if (rc < 0) {
        json_decref(o);
        return ctx_store_fail(c, rc, "读取第三方评估结果");
    }
    *out = o;
    return ERR_OK;
}
