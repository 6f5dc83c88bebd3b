/*
 * survey_public.c: the public side of surveys: the questionnaire behind a public link, one answer sheet
 * (checked whole before anything is written; one per invitation token or device), and the satisfaction
 * of a rectification task for its verification (hooks_satisfaction).
 */
#include "clues/surveys_internal.h"

#include "core/hooks.h"
#include "core/pow.h"

#include <inttypes.h>
#include <string.h>

static enum err load_public(struct ctx *c, const char *key, struct survey *s)
{
    int64_t id = 0;
    if (!key || strlen(key) > 64 || db_one_int(c->db, &id, "SELECT id FROM surveys WHERE link_key = ?", DB_TEXT(key)))
        return ctx_fail(c, ERR_NOT_FOUND, "问卷不存在或尚未发布");
    enum err e = survey_load(c, id, s);
    if (!e && s->wf.state == SURVEY_ST_DRAFT)
        return ctx_fail(c, ERR_NOT_FOUND, "问卷不存在或尚未发布");
    return e;
}

enum err surveys_public_get(struct ctx *c, const char *key, json_t **out)
{
    struct survey s;
    enum err e = load_public(c, key, &s);
    if (e)
        return e;
    *out = json_pack("{sssssssssssbss}", "title", s.wf.title, "intro", s.intro, "mode", s.mode, "closes_on",
                     s.closes_on, "state", survey_state_name(s.wf.state), "accepting", survey_accepting(c, &s),
                     "office", s.office_name);
    char today[11];
    clue_today(c, today);
    json_object_set_new(*out, "expired", json_boolean(strcmp(today, s.closes_on) > 0));
    json_object_set_new(*out, "questions", survey_questions_json(&s));
    return ERR_OK;
}

const struct jv_field surveys_answer_spec[] = {
    {"token", JV_STRING, 0, 0, 40, "邀请码"},
    {"device", JV_STRING, 0, 0, 64, "设备标识"},
    {"challenge", JV_STRING, JV_REQUIRED, 1, 400, "验证"},
    {"solution", JV_STRING, JV_REQUIRED, 1, 40, "验证答案"},
    {"answers", JV_OBJECT_ARRAY, JV_REQUIRED, 0, SURVEY_QUESTIONS_MAX, "回答"},
    {NULL, 0, 0, 0, 0, NULL},
};

static const struct jv_field answer_spec[] = {
    {"question_id", JV_INT, JV_REQUIRED, 1, INT64_MAX, "题目"},
    {"choice", JV_INT, JV_NULLABLE, 0, SURVEY_OPTIONS_MAX - 1, "选项"},
    {"choices", JV_INT_ARRAY, 0, 0, SURVEY_OPTIONS_MAX, "选项"},
    {"value", JV_INT, JV_NULLABLE, 1, 10, "分值"},
    {"text", JV_STRING, 0, 0, SURVEY_TEXT_MAX, "填写内容"},
    {NULL, 0, 0, 0, 0, NULL},
};

/* The answers of one sheet, checked: per question the answer object (NULL: not answered). */
struct sheet {
    struct survey s;
    const json_t **by_q; /* s.nquestions entries */
    char who[65];        /* the digest of the token or the device */
    const char *challenge;
};

static bool blank(const char *s)
{
    return !s || !*s;
}

/* Is the answer to q empty (nothing chosen, no value, no text)? */
static bool empty_answer(const struct survey_question *q, const json_t *a)
{
    if (!a)
        return true;
    if (!strcmp(q->kind, "single"))
        return !json_is_integer(json_object_get(a, "choice"));
    if (!strcmp(q->kind, "multiple"))
        return json_array_size(json_object_get(a, "choices")) == 0;
    if (!strcmp(q->kind, "scale"))
        return !json_is_integer(json_object_get(a, "value"));
    return blank(jv_str(a, "text"));
}

static enum err check_sheet(struct ctx *c, const json_t *body, struct sheet *sh)
{
    struct survey *s = &sh->s;
    sh->by_q = arena_alloc(c->arena, sizeof *sh->by_q * (size_t)(s->nquestions + 1));
    memset(sh->by_q, 0, sizeof *sh->by_q * (size_t)(s->nquestions + 1));
    size_t i;
    const json_t *a;
    json_array_foreach(json_object_get(body, "answers"), i, a)
    {
        char msg[256];
        const char *field = NULL;
        if (jv_check_at(a, answer_spec, msg, sizeof msg, &field))
            return ctx_fail_field(c,
                                  arena_printf(c->arena, "answers[%zu]%s%s", i, field ? "." : "", field ? field : ""),
                                  "第 %zu 个回答：%s", i + 1, msg);
        int64_t qid = jv_int(a, "question_id", 0);
        int at = -1;
        for (int k = 0; k < s->nquestions; k++)
            if (s->questions[k].id == qid)
                at = k;
        if (at < 0)
            return ctx_fail_field(c, arena_printf(c->arena, "answers[%zu].question_id", i),
                                  "第 %zu 个回答的题目（question_id）不在这份问卷里", i + 1);
        if (sh->by_q[at])
            return ctx_fail_field(c, arena_printf(c->arena, "answers[%zu].question_id", i), "第 %d 题回答了两次",
                                  at + 1);
        const struct survey_question *q = &s->questions[at];
        const char *member = !strcmp(q->kind, "single")     ? "choice"
                             : !strcmp(q->kind, "multiple") ? "choices"
                             : !strcmp(q->kind, "scale")    ? "value"
                                                            : "text";
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)a, key, val)
        {
            (void)val;
            if (strcmp(key, "question_id") && strcmp(key, member))
                return ctx_fail_field(c, arena_printf(c->arena, "answers[%zu].%s", i, key),
                                      "第 %d 题（%s）的回答应填写 %s，不应有 %s", at + 1, q->text, member, key);
        }
        const json_t *chosen = json_object_get(a, "choices");
        for (size_t k = 0; k < json_array_size(chosen); k++) {
            json_int_t v = json_integer_value(json_array_get(chosen, k));
            if (v < 0 || v >= q->noptions)
                return ctx_fail_field(c, arena_printf(c->arena, "answers[%zu].choices", i),
                                      "第 %d 题没有第 %lld 个选项（choices 从 0 开始）", at + 1, (long long)v + 1);
            for (size_t j = 0; j < k; j++)
                if (json_integer_value(json_array_get(chosen, j)) == v)
                    return ctx_fail_field(c, arena_printf(c->arena, "answers[%zu].choices", i),
                                          "第 %d 题的同一个选项选了两次（choices）", at + 1);
        }
        if (json_is_integer(json_object_get(a, "choice")) && jv_int(a, "choice", 0) >= q->noptions)
            return ctx_fail_field(c, arena_printf(c->arena, "answers[%zu].choice", i),
                                  "第 %d 题没有第 %lld 个选项（choice 从 0 开始）", at + 1,
                                  (long long)jv_int(a, "choice", 0) + 1);
        if (json_is_integer(json_object_get(a, "value")) && jv_int(a, "value", 0) > q->scale_max)
            return ctx_fail_field(c, arena_printf(c->arena, "answers[%zu].value", i),
                                  "第 %d 题的分值（value）应为 1 到 %d", at + 1, q->scale_max);
        sh->by_q[at] = a;
    }
    int answered = 0;
    for (int k = 0; k < s->nquestions; k++) {
        if (s->questions[k].required && empty_answer(&s->questions[k], sh->by_q[k]))
            return ctx_fail_field(c, "answers", "第 %d 题「%s」是必答题，请作答", k + 1, s->questions[k].text);
        answered += !empty_answer(&s->questions[k], sh->by_q[k]);
    }
    /* a blank sheet says nothing, and would spend the invitation or the device's one answer */
    if (!answered)
        return ctx_fail_field(c, "answers", "问卷还没有作答：请至少回答一题再提交");
    return ERR_OK;
}

static enum err insert_answer(struct ctx *c, int64_t rid, int64_t qid, int64_t choice, int64_t value, const char *text)
{
    enum err e = db_exec(
        c->db, "INSERT INTO survey_answers (response_id, question_id, choice, value, answer) VALUES (?, ?, ?, ?, ?)",
        DB_INT(rid), DB_INT(qid), DB_INT_IF(choice >= 0, choice), DB_INT_IF(value > 0, value), DB_TEXT(text));
    return e ? ctx_db_fail(c, e, "保存回答") : ERR_OK;
}

static enum err answer_tx(struct ctx *c, void *arg)
{
    struct sheet *sh = arg;
    struct survey *s = &sh->s;
    int64_t n;
    /* the survey's row first: answers to one survey queue, and a close taken meanwhile is seen */
    enum err e = db_one_int(c->db, &n, "UPDATE surveys SET responses = responses + 1 WHERE id = ? RETURNING responses",
                            DB_INT(s->wf.id));
    if (e)
        return ctx_db_fail(c, e, "保存答卷");
    struct survey now;
    if ((e = survey_load(c, s->wf.id, &now)))
        return e;
    const char *why = survey_refusal(c, &now);
    if (why)
        return ctx_fail(c, ERR_CONFLICT, "%s", why);
    bool token = !strcmp(now.mode, "token");
    if (token) {
        int64_t id;
        e = db_one_int(c->db, &id,
                       "UPDATE survey_invitations SET used = 1 WHERE survey_id = ? AND token_digest = ? AND used = 0 "
                       "RETURNING id",
                       DB_INT(s->wf.id), DB_TEXT(sh->who));
        if (e == ERR_NOT_FOUND) {
            bool known =
                !db_one_int(c->db, &id, "SELECT id FROM survey_invitations WHERE survey_id = ? AND token_digest = ?",
                            DB_INT(s->wf.id), DB_TEXT(sh->who));
            return known ? ctx_fail(c, ERR_CONFLICT, "这个邀请码已经答过卷了，每个邀请码只能答一次")
                         : ctx_fail_field(c, "token", "邀请码（token）不正确，请核对后再试");
        }
        if (e)
            return ctx_db_fail(c, e, "核对邀请码");
    } else {
        int64_t id;
        if (!db_one_int(c->db, &id, "SELECT id FROM survey_responses WHERE survey_id = ? AND device_digest = ?",
                        DB_INT(s->wf.id), DB_TEXT(sh->who)))
            return ctx_fail(c, ERR_CONFLICT, "这台设备已经答过这份问卷了，每台设备只能答一次");
    }
    if ((e = pow_spend(c, sh->challenge)))
        return e;
    char today[11];
    clue_today(c, today);
    int64_t rid;
    e = db_one_int(
        c->db, &rid,
        "INSERT INTO survey_responses (survey_id, device_digest, submitted_on) VALUES (?, ?, ?) RETURNING id",
        DB_INT(s->wf.id), DB_TEXT(token ? NULL : sh->who), DB_TEXT(today));
    if (e)
        return ctx_db_fail(c, e, "保存答卷");
    int answered = 0;
    for (int k = 0; k < s->nquestions && !e; k++) {
        const struct survey_question *q = &s->questions[k];
        const json_t *a = sh->by_q[k];
        if (empty_answer(q, a))
            continue;
        answered++;
        if (!strcmp(q->kind, "single"))
            e = insert_answer(c, rid, q->id, jv_int(a, "choice", 0), 0, NULL);
        else if (!strcmp(q->kind, "scale"))
            e = insert_answer(c, rid, q->id, -1, jv_int(a, "value", 0), NULL);
        else if (!strcmp(q->kind, "text"))
            e = insert_answer(c, rid, q->id, -1, 0, jv_str(a, "text"));
        else
            for (size_t j = 0; j < json_array_size(json_object_get(a, "choices")) && !e; j++)
                e = insert_answer(c, rid, q->id, json_integer_value(json_array_get(json_object_get(a, "choices"), j)),
                                  0, NULL);
    }
    if (e)
        return e;
    /* who answered is not recorded: the audit record names the survey and the count of answers only */
    json_t *sum = json_pack("{si}", "answered", answered);
    e = audit_record(c, "survey.answer", SURVEY_KIND, s->wf.id, sum);
    json_decref(sum);
    return e;
}

enum err surveys_answer(struct ctx *c, const char *key, const json_t *body, json_t **out)
{
    struct sheet sh = {0};
    enum err e = load_public(c, key, &sh.s);
    if (e)
        return e;
    const char *why = survey_refusal(c, &sh.s);
    if (why)
        return ctx_fail(c, ERR_CONFLICT, "%s", why);
    bool token = !strcmp(sh.s.mode, "token");
    const char *who = jv_str(body, token ? "token" : "device");
    if (blank(who))
        return token ? ctx_fail_field(c, "token", "这份问卷凭邀请码作答，请填写邀请码（token）")
                     : ctx_fail_field(c, "device", "缺少设备标识（device），请在浏览器中打开问卷链接作答");
    if (!token && strlen(who) < 16)
        return ctx_fail_field(c, "device", "设备标识（device）应为 16 到 64 个字符");
    if (token) { /* as typed: case, dashes and spaces forgiven */
        char raw[41];
        size_t n = 0;
        for (const char *p = who; *p && n < sizeof raw - 1; p++)
            if (*p != '-' && *p != ' ')
                raw[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
        raw[n] = 0;
        survey_digest("token", raw, sh.who);
    } else {
        survey_digest(arena_printf(c->arena, "device.%s", sh.s.link_key), who, sh.who);
    }
    if ((e = check_sheet(c, body, &sh)))
        return e;
    sh.challenge = jv_str(body, "challenge");
    if ((e = pow_check(c, "survey", sh.challenge, jv_str(body, "solution"))))
        return e;
    if ((e = ctx_tx(c, "提交答卷", answer_tx, &sh)))
        return e;
    *out = json_pack("{sbss}", "received", 1, "message", "答卷已提交，感谢您的参与");
    return ERR_OK;
}

/* ---- the satisfaction of a rectification task ---- */

static enum err satisfaction(struct ctx *c, const char *object_type, int64_t object_id, json_t **out)
{
    if (strcmp(object_type, "rect_task"))
        return ERR_OK;
    int64_t id = 0;
    enum err e = db_one_int(c->db, &id,
                            "SELECT id FROM surveys WHERE rect_task_id = ? AND state <> 'draft' AND responses > 0 "
                            "ORDER BY id DESC LIMIT 1",
                            DB_INT(object_id));
    if (e == ERR_NOT_FOUND)
        return ERR_OK;
    struct survey s;
    if (e || (e = survey_load(c, id, &s)))
        return ctx_db_fail(c, e, "读取满意度调查");
    const struct survey_question *q = NULL;
    for (int k = 0; k < s.nquestions && !q; k++)
        if (!strcmp(s.questions[k].kind, "scale"))
            q = &s.questions[k];
    *out = json_pack("{sIsssssi}", "survey_id", (json_int_t)s.wf.id, "title", s.wf.title, "state",
                     survey_state_name(s.wf.state), "responses", s.responses);
    if (!q)
        return ERR_OK;
    int64_t n = 0, sum = 0, satisfied = 0;
    struct stmt *st = db_query(c->db, "SELECT value, COUNT(*) FROM survey_answers WHERE question_id = ? GROUP BY value",
                               DB_INT(q->id));
    while (st && stmt_step(st) == STORE_ROW) {
        int64_t v = stmt_int(st, 0), k = stmt_int(st, 1);
        n += k;
        sum += v * k;
        if (v * 5 >= (int64_t)q->scale_max * 4) /* the top fifth of the scale: 4 and 5 of 5 */
            satisfied += k;
    }
    stmt_done(st);
    json_object_set_new(*out, "question", json_string(q->text));
    json_object_set_new(*out, "scale_max", json_integer(q->scale_max));
    json_object_set_new(*out, "answered", json_integer(n));
    json_object_set_new(*out, "average", n ? json_real((double)sum / (double)n) : json_null());
    json_object_set_new(*out, "satisfied_pct", n ? json_integer((satisfied * 100 + n / 2) / n) : json_null());
    return ERR_OK;
}

void surveys_register(void)
{
    hooks_set_surveys(&(struct survey_hooks){.satisfaction = satisfaction});
}
