/*
 * report.c: the report (督查报告, DOMAIN.md §6) to the principal leader, generated from the inspection's
 * own data — basis, targets, team, what was done on the ground, the problems found, the state of their
 * rectification, the conclusion, the look-backs ahead — as a draft the office edits and saves; and
 * the data of the conclusion and of the report as documents (insp_doc_load, read by src/docs).
 */
#include "inspections/insp_internal.h"

#include "audit/audit.h"
#include "base/buf.h"
#include "base/timeu.h"
#include "calendar/workdays.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

const struct jv_field insp_report_spec[] = {
    {"version", JV_INT, 0, 0, 0},
    {"text", JV_STRING, JV_REQUIRED, 10, 60000},
    {NULL, 0, 0, 0, 0},
};

static const char *targets_text(struct ctx *c, const struct insp *it)
{
    const char *s = "";
    for (int i = 0; i < it->ntargets; i++)
        s = arena_printf(c->arena, "%s%s%s", s, i ? "、" : "", it->targets[i].unit_name);
    return s;
}

static const char *date_cn(struct ctx *c, const char *d)
{
    const char *w = time_date_words(c->arena, d);
    return *w ? w : d ? d : "";
}

static int64_t one(struct ctx *c, const char *sql, int64_t id)
{
    int64_t n = 0;
    db_one_int(c->db, &n, sql, DB_INT(id));
    return n;
}

const char *insp_report_title(struct ctx *c, const char *subject)
{
    size_t n = strlen(subject);
    static const char *const ends[] = {"督查", "检查", "暗访", "回头看"};
    for (size_t i = 0; i < sizeof ends / sizeof *ends; i++) {
        size_t k = strlen(ends[i]);
        if (n >= k && !strcmp(subject + n - k, ends[i]))
            return arena_printf(c->arena, "关于%s情况的报告", subject);
    }
    return arena_printf(c->arena, "关于%s督查情况的报告", subject);
}

/* The generated draft (arena). */
/* The day (Beijing) of an ISO instant, in words ("2026年12月3日"). */
static const char *instant_cn(struct ctx *c, const char *iso)
{
    int64_t t;
    char day[11];
    if (!iso || !time_parse_iso(iso, &t))
        return "";
    cal_format_date(time_local_day(t), day);
    return date_cn(c, arena_strdup(c->arena, day));
}

/* The reviews (复核, 条例 Art. 17) the conclusion met, one sentence each: who asked when, and the government's
 * decision, the refusal, or the review still under way with its deadline (a withdrawn request says nothing). */
static void reviews_text(struct ctx *c, const struct insp *it, struct buf *b)
{
    struct stmt *st = db_query(c->db,
                               "SELECT u.name, r.state, r.requested_at, r.decide_due, r.result, r.decision_text, "
                               "r.decided_at FROM insp_reviews r JOIN units u ON u.id = r.unit_id "
                               "WHERE r.inspection_id = ? AND r.state <> 'withdrawn' ORDER BY r.id",
                               DB_INT(it->id));
    while (st && stmt_step(st) == STORE_ROW) {
        const char *state = stmt_text(st, 1), *result = stmt_is_null(st, 4) ? "" : stmt_text(st, 4);
        buf_printf(b, "%s于%s申请复核，", stmt_text(st, 0), instant_cn(c, stmt_text(st, 2)));
        if (!strcmp(state, "decided"))
            buf_printf(b, "%s作出复核决定：%s原督查结论。%s\n", instant_cn(c, stmt_text(st, 6)),
                       !strcmp(result, "upheld")    ? "维持"
                       : !strcmp(result, "changed") ? "变更"
                                                    : "撤销",
                       stmt_is_null(st, 5) ? "" : stmt_text(st, 5));
        else if (!strcmp(state, "rejected"))
            buf_puts(b, "未予受理。\n");
        else
            buf_printf(b, "正在复核，应于%s前作出复核决定。\n", date_cn(c, stmt_text(st, 3)));
    }
    if (st)
        stmt_done(st);
}

static const char *generate(struct ctx *c, const struct insp *it)
{
    static const char *const cn[] = {"一", "二", "三", "四", "五", "六"};
    int sec = 0;
    struct buf b = {0};
    const char *principal = NULL;
    db_one_text(c->db, c->arena, &principal, "SELECT principal FROM units WHERE id = ?", DB_INT(it->office_unit_id));
    buf_printf(&b, "%s\n\n%s%s：\n\n", insp_report_title(c, it->subject), principal && *principal ? principal : "",
               principal && *principal ? "同志" : "政府主要领导");
    const char *basis = !strcmp(it->basis, "plan")       ? "年度督查计划"
                        : !strcmp(it->basis, "decision") ? arena_printf(c->arena, "政府决定（%s）", it->basis_ref)
                        : !strcmp(it->basis, "instruction")
                            ? arena_printf(c->arena, "政府主要领导指示（%s）", it->basis_ref)
                        : !strcmp(it->basis, "lookback") ? "整改回头看安排"
                                                         : "经批准的督查工作建议";
    buf_printf(&b, "根据%s，%s于%s至%s对%s开展了%s（%s）。现将有关情况报告如下：\n\n", basis, it->office_name,
               date_cn(c, it->start_date), date_cn(c, it->end_date), targets_text(c, it), insp_kind_label(it->kind),
               insp_methods_label(c, it->methods));
    /* the team and the work on the ground */
    const char *members = "";
    int nm = 0;
    for (int i = 0; i < it->nteam; i++)
        if (strcmp(it->team[i].role, "leader")) {
            members = arena_printf(c->arena, "%s%s%s", members, nm ? "、" : "", it->team[i].name);
            nm++;
        }
    buf_printf(&b,
               "%s、督查开展情况\n督查组由%s任组长%s%s。督查组%s共形成现场记录%" PRId64 "条，收集照片视频证据%" PRId64
               "份%s。\n\n",
               cn[sec++], it->team_leader_name ? it->team_leader_name : "（未指定）", nm ? "，成员有" : "", members,
               it->covert ? "采取“四不两直”方式开展暗访，" : "",
               one(c, "SELECT COUNT(*) FROM insp_records WHERE inspection_id = ?", it->id),
               one(c, "SELECT COUNT(*) FROM insp_evidence WHERE inspection_id = ? AND task_id IS NULL", it->id),
               one(c, "SELECT COUNT(*) FROM insp_evaluations WHERE inspection_id = ?", it->id)
                   ? "，并委托第三方机构开展了评估"
                   : "");
    /* the problems */
    buf_printf(&b, "%s、发现的主要问题\n", cn[sec++]);
    struct stmt *st =
        db_query(c->db,
                 "SELECT f.title, f.detail, u.name, f.due_date, f.immediate, f.rebound FROM insp_findings f "
                 "JOIN units u ON u.id = f.unit_id WHERE f.inspection_id = ? AND f.state <> 'withdrawn' "
                 "ORDER BY f.id",
                 DB_INT(it->id));
    int k = 0;
    while (st && stmt_step(st) == STORE_ROW) {
        k++;
        buf_printf(&b, "%d.%s。%s%s（责任单位：%s；%s）\n", k, stmt_text(st, 0), stmt_text(st, 1),
                   *stmt_text(st, 1) ? "" : "", stmt_text(st, 2),
                   stmt_int(st, 4) ? "已立行立改"
                                   : arena_printf(c->arena, "整改时限：%s", date_cn(c, stmt_text(st, 3))));
    }
    if (st)
        stmt_done(st);
    if (!k)
        buf_puts(&b, "本次督查未发现需要整改的问题。\n");
    /* rectification */
    int64_t tasks = one(c, "SELECT COUNT(*) FROM rect_tasks WHERE inspection_id = ?", it->id);
    int64_t done = one(c, "SELECT COUNT(*) FROM rect_tasks WHERE inspection_id = ? AND state = 'verified'", it->id);
    int64_t now_fixed = one(
        c, "SELECT COUNT(*) FROM rect_tasks WHERE inspection_id = ? AND immediate = 1 AND state = 'verified'", it->id);
    char today[11];
    insp_today(c, today);
    int64_t late = 0;
    db_one_int(c->db, &late,
               "SELECT COUNT(*) FROM rect_tasks WHERE inspection_id = ? AND state NOT IN ('verified', 'withdrawn') AND "
               "due_date < ?",
               DB_INT(it->id), DB_TEXT(today));
    buf_printf(&b,
               "\n%s、整改情况\n共交办整改任务%" PRId64 "项，已核查销号%" PRId64 "项（其中立行立改%" PRId64
               "项），正在整改%" PRId64 "项%s。\n\n",
               cn[sec++], tasks, done, now_fixed,
               tasks - done -
                   one(c,
                       "SELECT COUNT(*) FROM rect_tasks WHERE "
                       "inspection_id = ? AND state = 'withdrawn'",
                       it->id),
               late ? arena_printf(c->arena, "，其中%" PRId64 "项已超过整改时限，将按规定督办", late) : "");
    if (it->conclusion_number) {
        buf_printf(&b, "%s、督查结论\n已于%s向被督查单位出具督查结论（%s）：%s\n", cn[sec++],
                   date_cn(c, it->conclusion_date), it->conclusion_number, it->conclusion_text);
        reviews_text(c, it, &b);
        buf_puts(&b, "\n");
    }
    int64_t lookbacks = one(c, "SELECT COUNT(*) FROM insp_lookbacks WHERE inspection_id = ?", it->id);
    int64_t rebound = one(c, "SELECT COUNT(*) FROM insp_findings WHERE inspection_id = ? AND rebound = 1", it->id);
    buf_printf(&b, "%s、下一步工作建议\n", cn[sec++]);
    buf_printf(&b,
               "一是对尚未完成的整改任务跟踪督办，按期核查销号；二是对易反弹的问题（%" PRId64
               "项）适时开展回头看%s；三是将督查结果纳入年度目标责任考核。\n\n",
               rebound, lookbacks ? arena_printf(c->arena, "，已安排%" PRId64 "项", lookbacks) : "");
    buf_printf(&b, "%s\n%s\n", it->office_name, date_cn(c, today));
    const char *out = arena_strdup(c->arena, b.data ? b.data : "");
    buf_free(&b);
    return out;
}

/* The office side reads the report; the targets and the team do not (it goes to the leader). */
static enum err office_side(struct ctx *c, int64_t id, struct insp *it)
{
    enum err e = insp_load_visible(c, id, it);
    if (e)
        return e;
    if (c->user && !perm_at(c->user, CAP_INSP_READ, it->office_path))
        return ctx_fail(c, ERR_FORBIDDEN, "督查报告报送政府主要领导，仅供督查机构和政府领导查看");
    return ERR_OK;
}

enum err insp_report_get(struct ctx *c, int64_t id, bool regenerate, json_t **out)
{
    struct insp it;
    enum err e = office_side(c, id, &it);
    if (e)
        return e;
    bool saved = it.report_text && *it.report_text;
    const char *text = saved && !regenerate ? it.report_text : generate(c, &it);
    *out = json_pack("{ss sb sb so}", "text", text, "generated", !saved || regenerate, "saved", saved, "sent_at",
                     it.report_sent_at ? json_string(it.report_sent_at) : json_null());
    return ERR_OK;
}

struct report_args {
    int64_t id;
    const json_t *body;
};

static enum err put_tx(struct ctx *c, void *arg)
{
    struct report_args *x = arg;
    struct insp it;
    enum err e = office_side(c, x->id, &it);
    if (e || (e = perm_require_item(c, CAP_INSP_MANAGE, &it.scope, it.office_path, INSP_WHAT)))
        return e;
    if (it.state < INSP_ST_IN_PROGRESS || it.state > INSP_ST_CLOSED)
        return ctx_fail(c, ERR_CONFLICT, "督查「%s」，还不能编写督查报告", insp_state_label(it.state));
    if (jv_has(x->body, "version") && jv_int(x->body, "version", 0) != it.version)
        return ctx_fail(c, ERR_CONFLICT, "督查已被他人修改（当前版本 %" PRId64 "），请刷新后重试", it.version);
    char at[21];
    time_format_iso(c->now, at);
    e = db_exec(c->db, "UPDATE inspections SET report_text = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                DB_TEXT(jv_str(x->body, "text")), DB_TEXT(at), DB_INT(it.id));
    if (e)
        return ctx_db_fail(c, e, "保存督查报告");
    json_t *sum = json_pack("{si}", "length", (int)strlen(jv_str(x->body, "text")));
    e = insp_event(c, "inspection", it.id, "report", "save_report", NULL, NULL, 0, 0, "保存督查报告", sum);
    if (!e)
        e = audit_record(c, "inspection.save_report", "inspection", it.id, sum);
    json_decref(sum);
    return e;
}

enum err insp_report_put(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    struct report_args x = {id, body};
    enum err e = ctx_tx(c, "保存督查报告", put_tx, &x);
    return e ? e : insp_report_get(c, id, false, out);
}

enum err insp_doc_load(struct ctx *c, int64_t id, bool report, struct insp_doc *d)
{
    memset(d, 0, sizeof *d);
    struct insp it;
    enum err e = report ? office_side(c, id, &it) : insp_load_visible(c, id, &it);
    if (e)
        return e;
    if (!report && !it.conclusion_number)
        return ctx_fail(c, ERR_NOT_FOUND, "该督查尚未出具督查结论");
    d->number = it.number ? it.number : "";
    d->subject = it.subject;
    d->conclusion_number = it.conclusion_number;
    d->conclusion_text = it.conclusion_text;
    d->conclusion_date = it.conclusion_date;
    d->office_name = it.office_name;
    d->office_unit_id = it.office_unit_id;
    d->kind_label = insp_kind_label(it.kind);
    d->methods_label = insp_methods_label(c, it.methods);
    d->start_date = it.start_date;
    d->end_date = it.end_date;
    d->scheme_scope = it.scheme_scope;
    d->report_text = report ? (it.report_text && *it.report_text ? it.report_text : generate(c, &it)) : NULL;
    d->targets = arena_alloc(c->arena, sizeof *d->targets * (size_t)(it.ntargets + 1));
    for (int i = 0; i < it.ntargets; i++)
        d->targets[d->ntargets++] = it.targets[i].unit_name;
    const char *office = NULL;
    db_one_text(c->db, c->arena, &office,
                "SELECT name FROM units WHERE parent_id = ? AND kind = 'office' ORDER BY id LIMIT 1",
                DB_INT(it.office_unit_id));
    d->office_unit_name = office ? office : arena_printf(c->arena, "%s督查室", it.office_name);
    struct stmt *st = db_query(c->db,
                               "SELECT f.title, f.detail, u.name, f.due_date, f.immediate, f.requirement "
                               "FROM insp_findings f JOIN units u ON u.id = f.unit_id WHERE f.inspection_id = ? AND "
                               "f.state = 'issued' ORDER BY f.id",
                               DB_INT(it.id));
    int cap = 0;
    while (st && stmt_step(st) == STORE_ROW) {
        d->findings = arena_grow(c->arena, d->findings, d->nfindings, &cap, sizeof *d->findings);
        d->findings[d->nfindings++] = arena_printf(
            c->arena, "%s。%s%s%s（责任单位：%s；%s）", stmt_text(st, 0), stmt_text(st, 1),
            *stmt_text(st, 1) ? "。" : "",
            *stmt_text(st, 5) ? arena_printf(c->arena, "整改要求：%s。", stmt_text(st, 5)) : "", stmt_text(st, 2),
            stmt_int(st, 4) ? "已立行立改" : arena_printf(c->arena, "于%s前整改到位", date_cn(c, stmt_text(st, 3))));
    }
    if (st)
        stmt_done(st);
    return ERR_OK;
}
