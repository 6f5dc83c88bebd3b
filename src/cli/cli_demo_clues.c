/*
 * cli_demo_clues.c: the demo's clues (互联网+督查) for 古城县 — what the office finds on a usual morning:
 * public reports waiting to be sorted (one a likely duplicate of another), one out with 交通运输局 for
 * verification (线索核查) and one verified by 住建局 waiting for a decision, one merged, one closed with the
 * reply its reporter reads, one made a supervision item and one an inspection (a proposal before the
 * county head), and two clues transferred from the State Council's platform with their original
 * numbers and deadlines (imported from a CSV file as the office would).
 *
 * Public reports go through the public form's own function (clues_submit_public) with a solved
 * challenge, the rest through the module's functions as the demo user who would act, on the day they
 * would act (the context's clock is moved back for it), so timelines, to-dos and audit read as in real
 * use. The reporters' names are invented and stored sealed like any other.
 */
#include "auth/auth.h"
#include "base/timeu.h"
#include "calendar/workdays.h"
#include "cli/cli.h"
#include "clues/clues.h"
#include "clues/surveys.h"
#include "core/pow.h"
#include "evaluations/evaluations.h"
#include "inspections/inspections.h"
#include "units/units.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct demo {
    struct ctx *c;
    int64_t today, now;
    int failed;
};

/* From now on the demo acts as username (NULL: the public) on day `day` (relative to today), 09:00 + minutes. */
static void as(struct demo *d, const char *username, int day, int minutes)
{
    struct ctx *c = d->c;
    c->now = time_local_instant(d->today + day, 9 * 3600 + minutes * 60);
    if (c->now > d->now) /* today before nine: a few minutes ago */
        c->now = d->now - (60 - minutes) * 60;
    c->user = NULL;
    c->acting = NULL;
    int64_t id = 0;
    struct principal *p = NULL;
    if (!username)
        return;
    if (db_one_int(c->db, &id, "SELECT id FROM users WHERE username = ?", DB_TEXT(username)) ||
        auth_load_principal(c, id, &p)) {
        cli_fail("demo clues: no user %s", username);
        d->failed = 1;
        return;
    }
    c->user = p;
}

static int64_t unit(struct demo *d, const char *code)
{
    int64_t id = 0;
    const char *path;
    const struct principal *saved = d->c->user;
    d->c->user = NULL;
    units_find_code(d->c, code, &id, &path);
    d->c->user = saved;
    return id;
}

static const char *day_str(struct demo *d, int days)
{
    char *s = arena_alloc(d->c->arena, 11);
    cal_format_date(d->today + days, s);
    return s;
}

/* The id of a domain call's result, or 0 with the failure printed. Takes out. */
static int64_t ok(struct demo *d, enum err e, json_t *out, const char *what)
{
    int64_t id = e ? 0 : json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    if (e) {
        cli_fail("demo clues: %s: %s", what, d->c->msg ? d->c->msg : "");
        d->failed = 1;
    }
    return id;
}

/* The solution of a fresh challenge for form, solved as the page's script would (arena). */
static const char *solved(struct demo *d, const char *form, const char **token)
{
    struct ctx *c = d->c;
    json_t *ch = pow_issue(c, form);
    *token = arena_strdup(c->arena, json_string_value(json_object_get(ch, "token")));
    int bits = (int)json_integer_value(json_object_get(ch, "bits"));
    json_decref(ch);
    char solution[24];
    for (unsigned long n = 0;; n++) {
        snprintf(solution, sizeof solution, "%lu", n);
        if (pow_zero_bits(*token, solution) >= bits)
            break;
    }
    return arena_strdup(c->arena, solution);
}

/* A report through the public form, the challenge solved as the page's script would; its id. */
static int64_t report(struct demo *d, int day, const char *category, const char *area, const char *place,
                      const char *text, const char *name, const char *phone)
{
    if (d->failed)
        return 0;
    as(d, NULL, day, 0);
    struct ctx *c = d->c;
    const char *token, *solution = solved(d, "clue", &token);
    char area_id[24];
    snprintf(area_id, sizeof area_id, "%" PRId64, unit(d, area));
    const char *fields[][2] = {{"category", category}, {"area_id", area_id}, {"place", place},
                               {"description", text},  {"challenge", token}, {"solution", solution},
                               {"name", name},         {"phone", phone},     {"anonymous", name ? "0" : "1"}};
    struct form f = {.parts = arena_alloc(c->arena, sizeof *f.parts * 9), .n = 0};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        if (fields[i][1])
            f.parts[f.n++] = (struct form_part){
                .name = fields[i][0], .data = arena_strdup(c->arena, fields[i][1]), .len = strlen(fields[i][1])};
    json_t *out = NULL;
    int wait;
    bool global;
    enum err e = clues_submit_public(c, NULL, &f, &out, &wait, &global); /* no address: not counted */
    const char *number = e ? NULL : arena_strdup(c->arena, json_string_value(json_object_get(out, "number")));
    json_decref(out);
    if (e) {
        cli_fail("demo clues: report: %s", c->msg ? c->msg : "");
        d->failed = 1;
        return 0;
    }
    int64_t id = 0;
    db_one_int(c->db, &id, "SELECT id FROM clues WHERE number = ?", DB_TEXT(number));
    return id;
}

/* The office's triage (title, summary, unit concerned) as gc_office on day. Takes body. */
static void triage(struct demo *d, int64_t id, int day, json_t *body)
{
    if (d->failed || !id) {
        json_decref(body);
        return;
    }
    as(d, "gc_office", day, 20);
    json_t *out = NULL;
    enum err e = clues_update(d->c, id, body, &out);
    json_decref(body);
    ok(d, e, out, "triage");
}

/* A workflow action as username on day. Takes body. */
static void act(struct demo *d, int64_t id, const char *username, int day, const char *action, json_t *body)
{
    if (d->failed || !id) {
        json_decref(body);
        return;
    }
    as(d, username, day, 40);
    json_t *out = NULL;
    enum err e = clues_act(d->c, id, action, body, &out);
    json_decref(body);
    ok(d, e, out, action);
}

/* Two clues transferred from above, imported from a CSV file the way the office uploads one. */
static void transfers(struct demo *d)
{
    if (d->failed)
        return;
    as(d, "gc_office", -2, 10);
    char path[] = "/tmp/ducha-demo-clues-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        cli_fail("demo clues: cannot write the transfer file");
        d->failed = 1;
        return;
    }
    fprintf(f,
            "原编号,来源平台,问题类别,所在地区,具体地点,问题描述,办理时限,转办日期\n"
            "GWY-DC-2026-118734,国务院“互联网+督查”平台,营商环境,古城县,县政务服务中心,"
            "企业反映在县政务服务中心办理施工许可时被要求重复提交已在线上传的材料，往返三次仍未受理。,%s,%s\n"
            "GWY-DC-2026-120415,国务院“互联网+督查”平台,基层减负,古城县岳阳镇人民政府,岳阳镇,"
            "岳阳镇各村反映每月需向镇里报送内容重复的台账报表十余份，占用大量时间，希望精简。,%s,%s\n",
            day_str(d, 12), day_str(d, -2), day_str(d, 18), day_str(d, -2));
    fclose(f);
    json_t *out = NULL;
    enum err e = clues_import(d->c, path, false, "上级转办线索.csv", &out);
    unlink(path);
    json_decref(out);
    if (e) {
        cli_fail("demo clues: import: %s", d->c->msg ? d->c->msg : "");
        d->failed = 1;
    }
}

/* One answer sheet on the public link of a device-mode survey: choices per question in order (-1: skip;
 * a multiple choice takes the bits of its value), the text answer. */
static void answer(struct demo *d, int day, int64_t survey, const int *values, const char *text)
{
    if (d->failed)
        return;
    as(d, NULL, day, 30);
    struct ctx *c = d->c;
    const char *key = NULL;
    db_one_text(c->db, c->arena, &key, "SELECT link_key FROM surveys WHERE id = ?", DB_INT(survey));
    json_t *out = NULL, *answers = json_array();
    struct stmt *st =
        db_query(c->db, "SELECT id, kind FROM survey_questions WHERE survey_id = ? ORDER BY pos", DB_INT(survey));
    for (int i = 0; st && stmt_step(st) == STORE_ROW; i++) {
        int64_t q = stmt_int(st, 0);
        const char *kind = stmt_text(st, 1);
        if (!strcmp(kind, "text")) {
            if (text)
                json_array_append_new(answers, json_pack("{sIss}", "question_id", (json_int_t)q, "text", text));
        } else if (values[i] >= 0 && !strcmp(kind, "multiple")) {
            json_t *ch = json_array();
            for (int b = 0; b < 8; b++)
                if (values[i] & (1 << b))
                    json_array_append_new(ch, json_integer(b));
            json_array_append_new(answers, json_pack("{sIso}", "question_id", (json_int_t)q, "choices", ch));
        } else if (values[i] >= 0) {
            json_array_append_new(answers, json_pack("{sIsi}", "question_id", (json_int_t)q,
                                                     strcmp(kind, "scale") ? "choice" : "value", values[i]));
        }
    }
    stmt_done(st);
    static int sheets;
    char device[48];
    snprintf(device, sizeof device, "demo-device-%08" PRId64 "-%04d", survey, ++sheets);
    const char *token, *solution = solved(d, "survey", &token);
    json_t *body =
        json_pack("{sssssssO}", "device", device, "challenge", token, "solution", solution, "answers", answers);
    json_decref(answers);
    enum err e = surveys_answer(c, key, body, &out);
    json_decref(body);
    json_decref(out);
    if (e) {
        cli_fail("demo surveys: answer: %s", c->msg ? c->msg : "");
        d->failed = 1;
    }
}

/* A survey built by gc_office on day; its id. Takes body. */
static int64_t survey(struct demo *d, int day, json_t *body)
{
    if (d->failed) {
        json_decref(body);
        return 0;
    }
    as(d, "gc_office", day, 10);
    json_t *out = NULL;
    enum err e = surveys_create(d->c, body, &out);
    json_decref(body);
    return ok(d, e, out, "create a survey");
}

static void survey_act(struct demo *d, int64_t id, int day, const char *action)
{
    if (d->failed || !id)
        return;
    as(d, "gc_office", day, 20);
    json_t *out = NULL, *b = json_object();
    enum err e = surveys_act(d->c, id, action, b, &out);
    json_decref(b);
    ok(d, e, out, action);
}

/* Surveys of 古城县: the public's satisfaction with the service centre (open, answers coming in), a
 * satisfaction survey of a rectification task, and a draft. */
static void surveys(struct demo *d)
{
    int64_t service =
        survey(d, -10,
               json_pack("{ss ss ss ss s[{ss ss sb s[sss]} {ss ss s[ssss]} {ss ss sb si} {ss ss}]}", "title",
                         "县政务服务中心办事满意度调查", "intro",
                         "为改进政务服务，县政府督查室开展本次调查。问卷不记录您的姓名和联系方式，约需两分钟。", "mode",
                         "device", "closes_on", day_str(d, 20), "questions", "kind", "single", "text",
                         "您最近一次到政务服务中心办理的是哪类事项？", "required", 1, "options", "不动产登记",
                         "社保医保", "企业开办", "kind", "multiple", "text", "您遇到过哪些问题？（可多选）", "options",
                         "排队时间长", "材料要求不一致", "窗口无人", "工作人员态度生硬", "kind", "scale", "text",
                         "总体而言，您对办事过程的满意程度（1 非常不满意，5 非常满意）", "required", 1, "scale_max", 5,
                         "kind", "text", "text", "您对改进政务服务还有什么建议？"));
    survey_act(d, service, -9, "open");
    static const int sheets[][3] = {{0, 1, 2}, {0, 5, 1}, {1, 0, 5}, {2, 0, 4}, {0, 3, 3}, {1, 4, 4},
                                    {0, 9, 2}, {2, 0, 5}, {1, 1, 4}, {0, 0, 5}, {0, 1, 3}, {1, 0, 4}};
    static const char *const texts[] = {"建议中午安排轮班，不要让窗口空着。",
                                        NULL,
                                        "网上能办的事项再多一些。",
                                        NULL,
                                        "材料清单请在网站上写清楚。",
                                        NULL,
                                        "希望增加自助打印设备。",
                                        NULL,
                                        NULL,
                                        "整体服务比去年好多了。",
                                        NULL,
                                        NULL};
    for (int i = 0; i < 12; i++) {
        int v[4] = {sheets[i][0], sheets[i][1] ? sheets[i][1] : -1, sheets[i][2], -1};
        answer(d, -8 + i / 2, service, v, texts[i]);
    }

    /* a satisfaction survey of the county's first rectification task, by invitation */
    int64_t task = 0;
    db_one_int(d->c->db, &task,
               "SELECT r.id FROM rect_tasks r JOIN units u ON u.id = r.office_unit_id WHERE u.code = 'gc' ORDER BY "
               "r.id LIMIT 1");
    if (task) {
        int64_t sat = survey(d, -3,
                             json_pack("{ss ss ss ss sI s[{ss ss sb si} {ss ss}]}", "title", "整改情况群众满意度调查",
                                       "intro", "请对本次整改的效果打分。每个邀请码只能答一次。", "mode", "token",
                                       "closes_on", day_str(d, 10), "rect_task_id", (json_int_t)task, "questions",
                                       "kind", "scale", "text", "您对整改效果的满意程度", "required", 1, "scale_max", 5,
                                       "kind", "text", "text", "还有什么问题需要继续整改？"));
        if (sat && !d->failed) {
            as(d, "gc_office", -3, 15);
            json_t *out = NULL, *b = json_pack("{si}", "count", 20);
            enum err e = surveys_invite(d->c, sat, b, &out);
            json_decref(b);
            json_decref(out);
            if (e)
                d->failed = 1;
        }
        survey_act(d, sat, -3, "open");
    }

    /* a draft being built */
    survey(d, -1,
           json_pack("{ss ss ss s[{ss ss sb s[sss]}]}", "title", "老旧小区改造意见征集（草稿）", "mode", "token",
                     "closes_on", day_str(d, 40), "questions", "kind", "single", "text",
                     "您所在小区是否已列入改造计划？", "required", 1, "options", "是", "否", "不清楚"));
}

/* One call of the evaluations module as username on day; the engagement's id (0 on failure). Takes body. */
static int64_t eval_call(struct demo *d, const char *username, int day, const char *what,
                         enum err (*fn)(struct ctx *, int64_t, int64_t, const json_t *, json_t **), int64_t id,
                         int64_t unit, json_t *body)
{
    if (d->failed || !id) {
        json_decref(body);
        return 0;
    }
    as(d, username, day, 30);
    json_t *out = NULL;
    enum err e = fn(d->c, id, unit, body, &out);
    json_decref(body);
    return ok(d, e, out, what);
}

static enum err eval_act(struct ctx *c, int64_t id, int64_t action, const json_t *body, json_t **out)
{
    return evaluations_act(c, id, action == 0 ? "engage" : action == 1 ? "submit" : "accept", body, out);
}

/* The evaluator's scores and findings of one unit: scores per indicator in order. */
static void eval_score(struct demo *d, int day, int64_t id, int64_t unit, const int64_t *inds, const int *scores, int n,
                       const char *findings, const char *username)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(
            arr, json_pack("{sI sI}", "indicator_id", (json_int_t)inds[i], "score", (json_int_t)scores[i]));
    bool self = !strcmp(username, "gc_contact");
    eval_call(d, username, day, self ? "self-assess" : "score", self ? evaluations_self : evaluations_score, id, unit,
              json_pack(self ? "{so ss}" : "{so ss}", "scores", arr, self ? "note" : "findings", findings));
}

/* A livelihood engagement's round (livelihood): on day `day` the evaluator scores 交通运输局 (jt), the next day
 * 住建局 (zj), the day after 交通运输局 assesses itself, and two days later the evaluator submits the result. */
struct eval_round {
    int day;
    int jt[3], zj[3], jt_self[3];
    const char *jt_findings, *zj_findings, *jt_note;
};

static void eval_round(struct demo *d, int64_t id, int64_t jt, int64_t zj, const int64_t inds[3],
                       const struct eval_round *r)
{
    eval_score(d, r->day, id, jt, inds, r->jt, 3, r->jt_findings, "gc_evaluator");
    eval_score(d, r->day + 1, id, zj, inds, r->zj, 3, r->zj_findings, "gc_evaluator");
    eval_score(d, r->day + 2, id, jt, inds, r->jt_self, 3, r->jt_note, "gc_contact");
    eval_call(d, "gc_evaluator", r->day + 4, "submit", eval_act, id, 1, json_object());
}

/* An engagement of 古城县民生评估中心 for the people's-livelihood projects of 交通运输局 (jt) and 住建局 (zj),
 * created and engaged by the office on day `day`: its period `from`…`to` (days from today), due on day `due`, on the
 * objects objs (stolen; NULL: none), with the indicators 工作推进, `second` (name, description) and 群众满意度. Its
 * id (0 on failure) and its indicators' ids in inds. */
static int64_t livelihood(struct demo *d, int day, const char *title, const char *basis, int from, int to, int due,
                          json_t *objs, const char *const second[2], int64_t jt, int64_t zj, int64_t inds[3])
{
    as(d, "gc_office", day, 10);
    json_t *out = NULL,
           *body = json_pack("{ss ss sI ss ss ss s[II] s[{ss ss si} {ss ss si} {ss ss si}]}", "title", title, "basis",
                             basis, "evaluator_unit_id", (json_int_t)unit(d, "gc-pg"), "period_start", day_str(d, from),
                             "period_end", day_str(d, to), "due_date", day_str(d, due), "unit_ids", (json_int_t)jt,
                             (json_int_t)zj, "indicators", "name", "工作推进", "description", "计划节点按期完成情况",
                             "max_score", 40, "name", second[0], "description", second[1], "max_score", 30, "name",
                             "群众满意度", "description", "走访和问卷满意率", "max_score", 30);
    if (objs)
        json_object_set_new(body, "objects", objs);
    enum err e = evaluations_create(d->c, body, &out);
    json_decref(body);
    if (!e)
        for (size_t i = 0; i < 3; i++)
            inds[i] = json_integer_value(json_object_get(json_array_get(json_object_get(out, "indicators"), i), "id"));
    int64_t id = ok(d, e, out, title);
    eval_call(d, "gc_office", day, "engage", eval_act, id, 0, json_object());
    return id;
}

/* The year's mid-term evaluation of the people's-livelihood projects (150 to 75 days ago), accepted by the office:
 * the year-end scorecard's 对表分析 shows its totals, the evaluator's and the unit's own, beside the office's
 * score (evaluations_accepted_totals: accepted engagements whose period ends in the card's year). */
static void evaluation_accepted(struct demo *d, int64_t jt, int64_t zj)
{
    char title[64];
    snprintf(title, sizeof title, "%.4s年民生实事项目中期第三方评估", day_str(d, -75));
    int64_t inds[3] = {0};
    int64_t id =
        livelihood(d, -74, title,
                   "按年度督查计划，委托第三方对民生实事项目上半程推进情况开展中期评估，结果与各单位自评对表"
                   "分析，纳入年度目标责任考评参考。",
                   -150, -75, -45, NULL, (const char *const[]){"资金使用", "资金拨付和使用规范情况"}, jt, zj, inds);
    static const struct eval_round r = {-60,
                                        {36, 26, 25},
                                        {31, 24, 23},
                                        {39, 28, 28},
                                        "县道改造完成年度计划的六成，资金拨付及时；沿线群众对施工扰民意见较多。",
                                        "老旧小区改造开工率达到计划，个别小区设计方案征求居民意见不充分。",
                                        "上半程任务全部按节点推进，资金按进度拨付。"};
    eval_round(d, id, jt, zj, inds, &r);
    eval_call(d, "gc_office", -47, "accept", eval_act, id, 2, json_object());
}

/* Third-party evaluation of 古城县: the people's-livelihood projects evaluated by 古城县民生评估中心 for 交通运输局
 * and 住建局 — the mid-term one accepted (evaluation_accepted), the later one scored, 交通运输局 self-assessed,
 * submitted and waiting for the office to accept (the 对表分析 shows the differences) — and a draft for the
 * traffic item. */
static void evaluations(struct demo *d)
{
    struct ctx *c = d->c;
    int64_t jt = unit(d, "gc-jt"), zj = unit(d, "gc-zj"), item = 0, insp = 0;
    evaluation_accepted(d, jt, zj);
    db_one_int(c->db, &item, "SELECT id FROM items WHERE number IS NOT NULL AND lead_unit_id = ? ORDER BY id LIMIT 1",
               DB_INT(jt));
    db_one_int(c->db, &insp,
               "SELECT f.inspection_id FROM insp_findings f JOIN inspections n ON n.id = f.inspection_id WHERE "
               "f.state = 'issued' AND n.covert = 0 AND f.unit_id IN (?, ?) ORDER BY f.inspection_id LIMIT 1",
               DB_INT(jt), DB_INT(zj));
    if (d->failed || !item)
        return;
    json_t *objs = json_pack("[{ss sI}]", "kind", "item", "id", (json_int_t)item);
    if (insp)
        json_array_append_new(objs, json_pack("{ss sI}", "kind", "inspection", "id", (json_int_t)insp));
    int64_t inds[3] = {0};
    int64_t id =
        livelihood(d, -14, "2026年民生实事项目第三方评估",
                   "依据县政府第12次常务会议部署，委托第三方对民生实事项目推进和整改落实情况开展独立评估，结"
                   "果与各单位自评对表分析。",
                   -60, -15, 7, objs, (const char *const[]){"整改落实", "督查发现问题整改到位情况"}, jt, zj, inds);
    static const struct eval_round r = {
        -6,
        {34, 21, 24},
        {28, 18, 22},
        {38, 29, 27},
        "抽查县道改造12个点位，10个按期完工；2处排水沟未整改到位，群众反映施工期交通疏导不够。",
        "老旧小区改造进度滞后于计划，燃气管道隐患整改台账不完整。",
        "各项任务均已按计划推进，督查发现的问题已全部整改。"};
    eval_round(d, id, jt, zj, inds, &r);

    /* a draft for the traffic item */
    as(d, "gc_office", -1, 40);
    json_t *out = NULL;
    json_t *body = json_pack("{ss ss ss ss s[{ss sI}] s[I] s[{ss si}]}", "title", "城区交通拥堵治理第三方评估（草稿）",
                             "period_start", day_str(d, -30), "period_end", day_str(d, 0), "due_date", day_str(d, 30),
                             "objects", "kind", "item", "id", (json_int_t)item, "unit_ids", (json_int_t)jt,
                             "indicators", "name", "治理成效", "max_score", 100);
    enum err e = evaluations_create(c, body, &out);
    json_decref(body);
    ok(d, e, out, "create a draft engagement");
}

static enum err visit_create(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    return contact_point_visit_save(c, id, 0, body, false, out);
}

/* the visit's id travels in the body ("vid"), taken out before the call */
static enum err visit_submit(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    json_t *b = json_deep_copy(body);
    int64_t vid = json_integer_value(json_object_get(b, "vid"));
    json_object_del(b, "vid");
    enum err e = contact_point_visit_save(c, id, vid, b, true, out);
    json_decref(b);
    return e;
}

/* 古城县's grassroots contact points (基层联系点): 城关镇, designated a month ago, whose liaison officer reported
 * twice (one report answered and closed, one waiting to be sorted) and where the office stayed three days on a
 * research visit whose report went to the county's leaders; and 岳阳镇, whose term ended. */
/* A contact point's call as username on day (create: id 0, end, report), its body taken; the answer's id, or 0. */
static int64_t point_call(struct demo *d, const char *username, int day,
                          enum err (*call)(struct ctx *, int64_t, const json_t *, json_t **), int64_t id, json_t *body,
                          const char *what)
{
    if (d->failed) {
        json_decref(body);
        return 0;
    }
    as(d, username, day, 15);
    json_t *out = NULL;
    enum err e = call(d->c, id, body, &out);
    json_decref(body);
    if (!e && !json_object_get(out, "id")) /* a report: the clue's id by its number */
        db_one_int(d->c->db, &id, "SELECT id FROM clues WHERE number = ?",
                   DB_TEXT(json_string_value(json_object_get(out, "number"))));
    else if (!e)
        id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    if (e) {
        cli_fail("demo clues: %s: %s", what, d->c->msg ? d->c->msg : "");
        d->failed = 1;
        return 0;
    }
    return id;
}

static enum err point_create(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    (void)id;
    return contact_points_create(c, body, out);
}

/* 古城县's grassroots contact points (基层联系点): 城关镇, designated a month ago, whose liaison officer reported
 * twice (one report answered and closed, one waiting to be sorted); and 岳阳镇, whose term ended. */
static void contact_points(struct demo *d)
{
    int64_t ended =
        point_call(d, "gc_office", -40, point_create, 0,
                   json_pack("{sI ss ss ss}", "unit_id", (json_int_t)unit(d, "gc-t2"), "name", "岳阳镇基层联系点",
                             "focus", "乡村振兴项目推进、农村公路养护", "started_on", day_str(d, -40)),
                   "designate 岳阳镇");
    point_call(d, "gc_office", -15, contact_points_end, ended,
               json_pack("{sI ss}", "version", (json_int_t)1, "reason", "联系期满，转为常态化联系"), "end 岳阳镇");
    int64_t point = point_call(d, "gc_office", -30, point_create, 0,
                               json_pack("{sI ss ss ss ss}", "unit_id", (json_int_t)unit(d, "gc-t1"), "name",
                                         "城关镇基层联系点", "focus", "惠企政策落实、老旧小区改造、基层减负",
                                         "started_on", day_str(d, -30), "note", "每月第一周电话回访联络员彭丽娟"),
                               "designate 城关镇");
    int64_t paid = point_call(
        d, "gc_town", -8, contact_points_report, point,
        json_pack(
            "{ss ss ss ss}", "category", "policy", "title", "小微企业稳岗返还资金兑现慢", "description",
            "城关镇辖区12家小微企业反映，去年申报的稳岗返还资金至今未到账，企业多次到县人社局询问均答复“在走流程”。",
            "place", "城关镇工业园区"),
        "report through 城关镇");
    triage(d, paid, -7, json_pack("{ss}", "title", "城关镇小微企业稳岗返还资金兑现慢"));
    act(d, paid, "gc_office", -3, "close",
        json_pack("{ss ss}", "close_reason", "resolved", "reply",
                  "经督促县人社局核查，12家企业的稳岗返还资金已于本周全部拨付到账。感谢联系点及时反映。"));
    /* a research visit at the point (驻点调研), its report submitted to the county's leaders */
    int64_t visit = point_call(
        d, "gc_office", -11, visit_create, point,
        json_pack("{ss ss ss ss ss ss ss}", "topic", "城关镇惠企政策落实情况驻点调研", "start_date", day_str(d, -14),
                  "end_date", day_str(d, -12), "team", "赵敏（县政府督查室）、县人社局、县发改局有关同志", "situation",
                  "调研组在城关镇驻点三天，走访工业园区小微企业12家，召开企业座谈会2次，查阅稳岗返还、"
                  "创业担保贷款等惠企政策兑现台账。",
                  "analysis",
                  "政策兑现慢的主要原因：一是部门间数据核验周期长，人社、税务、社保数据需逐户比对；二是企业对申报"
                  "流程不熟悉，材料多次退回补正；三是镇级缺少政策辅导专员。",
                  "suggestions",
                  "一、建立人社、税务、社保数据共享机制，将核验时限压缩至10个工作日。\n二、推行惠企政策“免申即享”。\n"
                  "三、在各乡镇便民服务中心设立惠企政策辅导窗口。"),
        "record a research visit");
    point_call(d, "gc_office", -10, visit_submit, point,
               json_pack("{sI sI}", "vid", (json_int_t)visit, "version", (json_int_t)1), "submit the research report");
    point_call(
        d, "gc_town", -1, contact_points_report, point,
        json_pack("{ss ss ss}", "category", "burden", "description",
                  "各村反映同一项人口信息核查任务，县里三个部门分别下发表格，要求在一周内重复填报，村干部疲于应付。",
                  "place", "城关镇各村（社区）"),
        "report through 城关镇");
}

int demo_clues(struct ctx *c)
{
    struct demo d = {.c = c, .now = c->now};
    d.today = time_local_day(c->now);
    int64_t jt = unit(&d, "gc-jt"), zj = unit(&d, "gc-zj");

    /* waiting to be sorted: a sewer cover, and a second report of it (the duplicate hint) */
    int64_t sewer =
        report(&d, -3, "safety", "gc-t1", "解放路与人民街交叉口",
               "解放路与人民街交叉口的污水井盖破损缺失，夜间已有行人跌倒受伤，反映两周仍无人处理。", NULL, NULL);
    triage(&d, sewer, -2, json_pack("{ss}", "title", "解放路人民街口污水井盖破损"));
    report(&d, -1, "safety", "gc-t1", "解放路与人民街交叉口",
           "解放路与人民街交叉口污水井盖破损缺失，夜间有行人跌倒受伤，已经两周无人处理。", "周女士", NULL);
    /* anonymous, yet the reporter typed a phone number: the summary has it masked, not yet reviewed */
    report(&d, 0, "services", "gc", "县不动产登记中心",
           "县不动产登记中心窗口经常中午无人，群众排队等候一个多小时，工作人员态度生硬。我的电话13700002222，盼回复。",
           NULL, NULL);

    /* out with 交通运输局 for verification */
    int64_t road =
        report(&d, -6, "livelihood", "gc-t2", "岳阳镇至北平镇县道K12处",
               "岳阳镇至北平镇县道K12处路面大面积塌陷，已有车辆侧翻，雨天积水看不清路况。", "孙先生", "13800001111");
    triage(&d, road, -5,
           json_pack("{ss ss sI}", "title", "县道岳阳至北平段路面塌陷", "summary",
                     "岳阳镇至北平镇县道K12处路面塌陷，已有车辆侧翻，雨天积水难辨路况。", "unit_id", (json_int_t)jt));
    act(&d, road, "gc_office", -5, "assign",
        json_pack("{sI ss ss}", "unit_id", (json_int_t)jt, "due_date", day_str(&d, 2), "request",
                  "请实地核查塌陷范围和安全隐患，设置警示标志，拍照报送核查情况。"));

    /* verified by 住建局: the office decides */
    int64_t gas = report(&d, -12, "safety", "gc-t1", "城关镇东街老旧小区",
                         "城关镇东街老旧小区燃气管道锈蚀严重，楼道里经常闻到燃气味，物业说没有钱维修。", NULL, NULL);
    triage(&d, gas, -11,
           json_pack("{ss ss sI}", "title", "东街老旧小区燃气管道锈蚀", "summary",
                     "城关镇东街老旧小区燃气管道锈蚀，楼道内常有燃气味，物业称无钱维修。", "unit_id", (json_int_t)zj));
    act(&d, gas, "gc_office", -11, "assign",
        json_pack("{sI ss ss}", "unit_id", (json_int_t)zj, "due_date", day_str(&d, -4), "request",
                  "请会同燃气公司现场检测，核实隐患并提出整改措施。"));
    act(&d, gas, "gc_contact2", -5, "report",
        json_pack(
            "{ss ss}", "finding", "substantiated", "text",
            "经会同县燃气公司现场检测，东街3号至7号楼立管锈蚀属实，2处轻微泄漏已当场处置，建议纳入老旧小区改造。"));

    /* closed with the reply the reporter reads */
    int64_t noise = report(&d, -20, "environment", "gc-t1", "城关镇北街建筑工地",
                           "城关镇北街建筑工地每天夜里十一点以后还在施工，噪声很大，附近居民无法休息。", NULL, NULL);
    triage(&d, noise, -19, json_pack("{ss}", "title", "城关镇北街工地夜间施工扰民"));
    act(&d, noise, "gc_office", -19, "close",
        json_pack("{ss ss}", "close_reason", "resolved", "reply",
                  "经县住建局和生态环境局现场检查，工地已停止夜间施工并在围挡处设置公示牌。感谢您的监督。"));

    /* merged into the clue it repeats */
    int64_t school = report(&d, -9, "livelihood", "gc-t3", "北平镇中心小学门前",
                            "北平镇中心小学门前没有人行横道和减速带，上下学时车辆很快，孩子过马路很危险。", NULL, NULL);
    int64_t school2 =
        report(&d, -8, "livelihood", "gc-t3", "北平镇中心小学门口",
               "北平镇中心小学门口车辆车速快，没有斑马线和减速带，学生过马路非常危险。", "家长刘先生", NULL);
    triage(&d, school, -8,
           json_pack("{ss ss}", "title", "北平镇中心小学门前缺少交通安全设施", "summary",
                     "北平镇中心小学门前无人行横道和减速带，上下学时段车速快，学生过马路危险。"));
    act(&d, school2, "gc_office", -7, "merge", json_pack("{sI}", "into", (json_int_t)school));
    /* ... and that one made a supervision item */
    act(&d, school, "gc_office", -7, "convert_item",
        json_pack("{ss sI ss}", "title", "北平镇中心小学门前交通安全设施整改", "lead_unit_id", (json_int_t)jt,
                  "due_date", day_str(&d, 20)));

    /* made an inspection: a proposal before the county head */
    int64_t burden =
        report(&d, -10, "conduct", "gc-t4", "古阳镇",
               "古阳镇要求各村每天在多个工作群里打卡上报照片，同一项工作要在三个平台重复填报。", NULL, NULL);
    act(&d, burden, "gc_office", -4, "convert_inspection",
        json_pack("{ss ss ss s[I] ss}", "title", "古阳镇“指尖上的形式主义”问题督查", "start_date", day_str(&d, 3),
                  "end_date", day_str(&d, 12), "target_unit_ids", (json_int_t)unit(&d, "gc-t4"), "summary",
                  "古阳镇要求各村每天在多个工作群打卡上报照片，同一项工作在三个平台重复填报。"));
    if (!d.failed) {
        int64_t insp = 0;
        db_one_int(c->db, &insp, "SELECT inspection_id FROM clues WHERE id = ?", DB_INT(burden));
        as(&d, "gc_office", -4, 50);
        json_t *out = NULL, *b = json_object();
        enum err e = insp_act(c, insp, "submit", b, &out);
        json_decref(b);
        ok(&d, e, out, "submit the inspection");
    }

    transfers(&d);
    contact_points(&d);
    surveys(&d);
    evaluations(&d);

    c->now = d.now;
    c->user = NULL;
    c->acting = NULL;
    if (d.failed)
        return 1;
    /* the demo's notifications are not sent anywhere (as cli_demo_inspections.c) */
    if (db_exec(c->db, "DELETE FROM outbox") != ERR_OK)
        return cli_fail("demo clues: cannot clear the demo's notifications");
    int64_t n = 0;
    db_one_int(c->db, &n, "SELECT COUNT(*) FROM clues");
    int64_t ns = 0, na = 0;
    db_one_int(c->db, &ns, "SELECT COUNT(*) FROM surveys");
    db_one_int(c->db, &na, "SELECT COUNT(*) FROM survey_responses");
    int64_t ne = 0;
    db_one_int(c->db, &ne, "SELECT COUNT(*) FROM evaluations");
    printf("demo clues: %" PRId64 " clues, %" PRId64 " surveys with %" PRId64 " answers, %" PRId64
           " third-party evaluations\n",
           n, ns, na, ne);
    return 0;
}
