/*
 * result_export.c: the results sent on to the organisation and personnel departments (Jiangsu: 结果运用
 * 情况抄送组织人事部门) — one CSV per government and year of the records its office issued (issued, held,
 * closed; by the year of their number), a row each: number, kind, unit, person, title, facts and grounds,
 * approval and issue, the body it went to, a talk's who/when/where and record, the follow-up, the
 * items and inspections it rests on, and a criticism's rectification (its deadline, the unit's report, the
 * files it reported with their SM3). The office makes it (result_draft) for its own government only.
 */
#include "results/results_internal.h"

#include "base/buf.h"
#include "base/csv.h"
#include "base/timeu.h"
#include "calendar/workdays.h"

#include <inttypes.h>
#include <string.h>

static const char *const HEADER[] = {
    "编号",         "类型",     "所涉单位",         "所涉人员",     "标题",     "事实和依据", "批准时间",
    "印发时间",     "送达机关", "移送对象",         "约谈人",       "约谈时间", "约谈地点",   "约谈记录",
    "跟踪落实情况", "状态",     "所依据的督办事项", "所依据的督查", "整改时限", "整改情况",   "整改材料"};
#define NCOLS (sizeof HEADER / sizeof *HEADER)

/* "古督〔2026〕4号 国省干线公路养护专项整治、…" of the record's links of one kind. */
static const char *links_text(struct ctx *c, int64_t id, const char *sql)
{
    const char *out = "";
    struct stmt *st = db_query(c->db, sql, DB_INT(id));
    while (st && stmt_step(st) == STORE_ROW)
        out = arena_printf(c->arena, "%s%s%s %s", out, *out ? "、" : "", stmt_is_null(st, 0) ? "" : stmt_text(st, 0),
                           stmt_text(st, 1));
    stmt_done(st);
    return out;
}

/* An instant as a local date and time "2026-03-09 09:30" ("" when absent). */
static const char *local_time(struct ctx *c, const char *iso)
{
    int64_t t;
    if (!iso || !time_parse_iso(iso, &t))
        return "";
    char day[11];
    cal_format_date(time_local_day(t), day);
    int m = time_local_minutes_of_day(t);
    return arena_printf(c->arena, "%s %02d:%02d", day, m / 60, m % 60);
}

enum err results_export_csv(struct ctx *c, int year, const char *kind, struct buf *out)
{
    enum result_kind k;
    if (kind && !result_kind_parse(kind, &k))
        return ctx_fail(c, ERR_BAD_REQUEST,
                        "类型（kind）应为 praise、criticism、talk、accountability、referral、tolerance 或 advice");
    const struct grant *g;
    int64_t office;
    enum err e = res_drafting_grant(c, &g, &office);
    if (e)
        return e;
    struct stmt *st = db_query(c->db,
                               "SELECT r.id FROM results r WHERE r.home_path = ? AND r.num_year = ? AND "
                               "r.state IN ('issued', 'held', 'closed', 'reviewing') AND (? IS NULL OR r.kind = ?) "
                               "ORDER BY r.kind, r.num_seq",
                               DB_TEXT(g->unit_path), DB_INT(year), DB_TEXT(kind), DB_TEXT(kind));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "导出结果运用记录");
    int64_t *ids = NULL; /* every record of the year: the file is cut nowhere */
    int n = 0, cap = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        ids = arena_grow(c->arena, ids, n, &cap, sizeof *ids);
        ids[n++] = stmt_int(st, 0);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "导出结果运用记录");
    buf_append(out, "\xEF\xBB\xBF", 3); /* a BOM: spreadsheets then read the file as UTF-8 */
    for (size_t i = 0; i < NCOLS; i++)
        csv_write_field(out, HEADER[i], i + 1 == NCOLS);
    for (int i = 0; i < n; i++) {
        struct result r;
        if ((e = result_load(c, ids[i], &r)))
            return e;
        const char *to = !r.referral_to ? "" : !strcmp(r.referral_to, "judicial") ? "司法机关" : "监察机关";
        const char *items = links_text(c, r.id,
                                       "SELECT i.number, i.title FROM result_links l JOIN items i ON i.id = "
                                       "l.object_id WHERE l.result_id = ? AND l.object_kind = 'item' ORDER BY i.id");
        const char *insps =
            links_text(c, r.id,
                       "SELECT n.number, n.subject FROM result_links l JOIN inspections n ON n.id = l.object_id "
                       "WHERE l.result_id = ? AND l.object_kind = 'inspection' ORDER BY n.id");
        /* the files the unit reported with its rectification, each with its SM3 (the receiver can check them) */
        const char *files = links_text(c, r.id,
                                       "SELECT a.filename, 'SM3:' || a.hash FROM attachments a WHERE a.result_id = ? "
                                       "AND a.result_round IS NOT NULL ORDER BY a.id");
        const char *row[] = {r.number ? r.number : "",
                             result_kind_label(r.kind),
                             r.unit_name,
                             r.person ? r.person : "",
                             r.title,
                             r.content,
                             local_time(c, r.approved_at),
                             local_time(c, r.issued_at),
                             r.recipient ? r.recipient : "",
                             to,
                             r.talk_by ? r.talk_by : "",
                             r.talk_at ? r.talk_at : "",
                             r.talk_place ? r.talk_place : "",
                             r.talk_record ? r.talk_record : "",
                             r.follow_up ? r.follow_up : "",
                             wf_state_label(&result_workflow, r.state),
                             items,
                             insps,
                             r.rectify_due ? r.rectify_due : "",
                             r.rectification ? r.rectification : "",
                             files};
        for (size_t j = 0; j < NCOLS; j++)
            csv_write_field(out, row[j], j + 1 == NCOLS);
    }
    return ERR_OK;
}
