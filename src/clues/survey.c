/*
 * survey.c: the office's side of surveys (民意调查 / 问卷): drafts and their questions, the list, one
 * survey, the workflow actions, invitation tokens, the results and the answer sheets for the export.
 */
#include "clues/surveys_internal.h"

#include "base/utf8.h"
#include "core/perm.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char *col(struct ctx *c, struct stmt *st, int i)
{
    return stmt_is_null(st, i) ? NULL : arena_strdup(c->arena, stmt_text(st, i));
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

void survey_digest(const char *what, const char *value, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)"ducha.survey.", 13);
    crypto_hash_sha256_update(&st, (const unsigned char *)what, strlen(what));
    crypto_hash_sha256_update(&st, (const unsigned char *)".", 1);
    crypto_hash_sha256_update(&st, (const unsigned char *)value, strlen(value));
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(out, 65, h, sizeof h);
}

static enum err load_visible(struct ctx *c, int64_t id, struct survey *s);

enum err survey_event(struct ctx *c, int64_t id, const char *action, int from, int to, const json_t *data)
{
    char at[21];
    time_format_iso(c->now, at);
    char *d = data ? json_dumps(data, JSON_COMPACT) : NULL;
    enum err e = db_exec(c->db,
                         "INSERT INTO survey_events (survey_id, at, actor_id, actor, actor_name, action, from_state, "
                         "to_state, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         DB_INT(id), DB_TEXT(at), DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(ctx_actor(c)),
                         DB_TEXT(c->user && c->user->name ? c->user->name : "系统"), DB_TEXT(action),
                         DB_TEXT(from >= 0 ? survey_state_name(from) : NULL),
                         DB_TEXT(to >= 0 ? survey_state_name(to) : NULL), DB_TEXT(d ? d : "{}"));
    free(d);
    return ctx_db_fail(c, e, "记录问卷过程");
}

enum err surveys_events(struct ctx *c, int64_t id, json_t **out)
{
    struct survey s;
    enum err e = load_visible(c, id, &s);
    if (e)
        return e;
    struct stmt *st =
        db_query(c->db,
                 "SELECT id, at, actor, actor_name, action, from_state, to_state, data FROM survey_events "
                 "WHERE survey_id = ? ORDER BY id",
                 DB_INT(id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取问卷过程");
    static const struct {
        const char *name, *label;
    } words[] = {{"create", "制作问卷"}, {"update", "修改问卷"}, {"invite", "发放邀请码"}};
    json_t *arr = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        const char *action = stmt_text(st, 4), *label = action;
        int a;
        if (wf_action_parse(&survey_workflow, action, &a))
            label = wf_action_label(&survey_workflow, a);
        for (size_t k = 0; k < sizeof words / sizeof *words; k++)
            if (!strcmp(action, words[k].name))
                label = words[k].label;
        json_t *data = json_loads(stmt_text(st, 7), 0, NULL);
        json_array_append_new(arr, json_pack("{sIsssssssssssoso}", "id", (json_int_t)stmt_int(st, 0), "at",
                                             stmt_text(st, 1), "actor", stmt_text(st, 2), "actor_name",
                                             stmt_text(st, 3), "action", action, "label", label, "from",
                                             str_or_null(stmt_is_null(st, 5) ? NULL : stmt_text(st, 5)), "to",
                                             str_or_null(stmt_is_null(st, 6) ? NULL : stmt_text(st, 6))));
        json_object_set_new(json_array_get(arr, json_array_size(arr) - 1), "data",
                            json_is_object(data) ? data : json_object());
        if (!json_is_object(data))
            json_decref(data);
    }
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "读取问卷过程");
    }
    *out = json_pack("{so}", "events", arr);
    return ERR_OK;
}

/* ---- load ---- */

enum err survey_load(struct ctx *c, int64_t id, struct survey *s)
{
    memset(s, 0, sizeof *s);
    struct stmt *st = db_query(c->db,
                               "SELECT s.id, s.version, s.state, s.title, s.office_unit_id, s.office_path, u.name, "
                               "s.intro, s.mode, s.closes_on, s.link_key, s.rect_task_id, s.responses, s.created_by, "
                               "s.created_at, s.updated_at, s.opened_at, s.closed_at, r.number, r.title FROM surveys s "
                               "JOIN units u ON u.id = s.office_unit_id LEFT JOIN rect_tasks r ON r.id = "
                               "s.rect_task_id WHERE s.id = ?",
                               DB_INT(id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取问卷");
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        s->wf.id = stmt_int(st, 0);
        s->wf.version = stmt_int(st, 1);
        s->wf.state = survey_state_parse(stmt_text(st, 2));
        s->wf.title = col(c, st, 3);
        s->office_unit_id = stmt_int(st, 4);
        s->office_path = col(c, st, 5);
        s->office_name = col(c, st, 6);
        s->intro = col(c, st, 7);
        s->mode = col(c, st, 8);
        s->closes_on = col(c, st, 9);
        s->link_key = col(c, st, 10);
        s->rect_task_id = stmt_is_null(st, 11) ? 0 : stmt_int(st, 11);
        s->responses = (int)stmt_int(st, 12);
        s->created_by = stmt_is_null(st, 13) ? 0 : stmt_int(st, 13);
        s->created_at = col(c, st, 14);
        s->updated_at = col(c, st, 15);
        s->opened_at = col(c, st, 16);
        s->closed_at = col(c, st, 17);
        s->rect_number = col(c, st, 18);
        s->rect_title = col(c, st, 19);
    }
    stmt_done(st);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "问卷不存在或无权查看");
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取问卷");

    st = db_query(c->db,
                  "SELECT id, kind, text, required, options, scale_max FROM survey_questions WHERE survey_id = ? "
                  "ORDER BY pos",
                  DB_INT(id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取问卷题目");
    s->questions = arena_alloc(c->arena, sizeof *s->questions * SURVEY_QUESTIONS_MAX);
    while ((rc = stmt_step(st)) == STORE_ROW && s->nquestions < SURVEY_QUESTIONS_MAX) {
        struct survey_question *q = &s->questions[s->nquestions++];
        q->id = stmt_int(st, 0);
        q->kind = col(c, st, 1);
        q->text = col(c, st, 2);
        q->required = stmt_int(st, 3) != 0;
        json_t *opts = json_loads(stmt_text(st, 4), 0, NULL);
        q->noptions = (int)json_array_size(opts);
        q->options = arena_alloc(c->arena, sizeof *q->options * (size_t)(q->noptions + 1));
        for (int k = 0; k < q->noptions; k++)
            q->options[k] = arena_strdup(c->arena, json_string_value(json_array_get(opts, (size_t)k)));
        json_decref(opts);
        q->scale_max = (int)stmt_int(st, 5);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取问卷题目");

    s->wf.number = arena_printf(c->arena, "问卷%" PRId64, s->wf.id);
    s->wf.home_unit_id = s->office_unit_id;
    s->wf.home_path = s->office_path;
    s->wf.scope = (struct perm_item){.office_path = s->office_path, .read_cap = CAP_CLUE_READ};
    s->wf.due_date = s->wf.state == SURVEY_ST_OPEN ? s->closes_on : NULL;
    return ERR_OK;
}

static enum err load_visible(struct ctx *c, int64_t id, struct survey *s)
{
    enum err e = survey_load(c, id, s);
    if (!e && c->user && !perm_item_visible(c->user, &s->wf.scope))
        return ctx_fail(c, ERR_NOT_FOUND, "问卷不存在或无权查看");
    return e;
}

/* The survey loaded for a change: visible, and the user its office (403 otherwise). */
static enum err load_managed(struct ctx *c, int64_t id, const char *doing, struct survey *s)
{
    enum err e = load_visible(c, id, s);
    if (e)
        return e;
    if (!c->user)
        return ERR_OK;
    const struct grant *g = perm_grant_at(c->user, CAP_SURVEY_MANAGE, s->office_path);
    if (!g)
        return ctx_fail(c, ERR_FORBIDDEN, "只有问卷所属的督查室可以%s", doing);
    c->acting = g; /* the role the change is made in (the audit record's) */
    return ERR_OK;
}

enum err survey_lock(struct ctx *c, const struct survey *s)
{
    int64_t id;
    enum err e =
        db_one_int(c->db, &id, "UPDATE surveys SET version = version WHERE id = ? AND version = ? RETURNING id",
                   DB_INT(s->wf.id), DB_INT(s->wf.version));
    if (e == ERR_NOT_FOUND)
        return ctx_fail(c, ERR_CONFLICT, "问卷已被他人同时处理，请刷新后重试");
    return ctx_db_fail(c, e, "锁定问卷");
}

bool survey_accepting(struct ctx *c, const struct survey *s)
{
    return !survey_refusal(c, s);
}

const char *survey_refusal(struct ctx *c, const struct survey *s)
{
    char today[11];
    clue_today(c, today);
    if (strcmp(today, s->closes_on) > 0) /* the closing day has ended (Beijing), whatever the state says */
        return arena_printf(c->arena, "问卷已截止（截止日期 %s），不再收集答卷", s->closes_on);
    if (s->wf.state != SURVEY_ST_OPEN)
        return "问卷已结束收集，不再收集答卷";
    return NULL;
}

json_t *survey_questions_json(const struct survey *s)
{
    json_t *arr = json_array();
    for (int i = 0; i < s->nquestions; i++) {
        const struct survey_question *q = &s->questions[i];
        json_t *o =
            json_pack("{sIsssssb}", "id", (json_int_t)q->id, "kind", q->kind, "text", q->text, "required", q->required);
        if (!strcmp(q->kind, "single") || !strcmp(q->kind, "multiple")) {
            json_t *opts = json_array();
            for (int k = 0; k < q->noptions; k++)
                json_array_append_new(opts, json_string(q->options[k]));
            json_object_set_new(o, "options", opts);
        }
        if (!strcmp(q->kind, "scale"))
            json_object_set_new(o, "scale_max", json_integer(q->scale_max));
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *survey_json(struct ctx *c, struct survey *s)
{
    json_t *o = json_pack("{sIsIsssssssssssssisb}", "id", (json_int_t)s->wf.id, "version", (json_int_t)s->wf.version,
                          "title", s->wf.title, "intro", s->intro, "mode", s->mode, "closes_on", s->closes_on, "state",
                          survey_state_name(s->wf.state), "state_label", survey_state_label(s->wf.state), "responses",
                          s->responses, "accepting", survey_accepting(c, s));
    json_object_set_new(o, "office", json_pack("{sIss}", "id", (json_int_t)s->office_unit_id, "name", s->office_name));
    json_object_set_new(o, "rect_task",
                        s->rect_task_id ? json_pack("{sIssss}", "id", (json_int_t)s->rect_task_id, "number",
                                                    s->rect_number ? s->rect_number : "", "title",
                                                    s->rect_title ? s->rect_title : "")
                                        : json_null());
    json_object_set_new(o, "link_key", json_string(s->link_key));
    json_object_set_new(o, "link", json_string(arena_printf(c->arena, "/p/survey/%s", s->link_key)));
    json_object_set_new(o, "questions", survey_questions_json(s));
    json_object_set_new(o, "created_at", json_string(s->created_at));
    json_object_set_new(o, "opened_at", str_or_null(s->opened_at));
    json_object_set_new(o, "closed_at", str_or_null(s->closed_at));
    int64_t total = 0, used = 0;
    if (!strcmp(s->mode, "token")) {
        db_one_int(c->db, &total, "SELECT COUNT(*) FROM survey_invitations WHERE survey_id = ?", DB_INT(s->wf.id));
        db_one_int(c->db, &used, "SELECT COUNT(*) FROM survey_invitations WHERE survey_id = ? AND used = 1",
                   DB_INT(s->wf.id));
    }
    json_object_set_new(o, "invitations", json_pack("{sIsI}", "total", (json_int_t)total, "used", (json_int_t)used));
    json_object_set_new(o, "allowed_actions", workflow_allowed_actions(c, &survey_workflow, &s->wf, -1));
    json_object_set_new(o, "may_manage", json_boolean(c->user && perm_at(c->user, CAP_SURVEY_MANAGE, s->office_path)));
    return o;
}

/* ---- drafts ---- */

const struct jv_field surveys_create_spec[] = {
    {"version", JV_INT, 0, 0, 0},
    {"title", JV_STRING, JV_REQUIRED, 1, 100, "问卷标题"},
    {"intro", JV_STRING, 0, 0, 2000, "问卷说明"},
    {"mode", JV_STRING, JV_REQUIRED, 1, 10, "答卷方式"},
    {"closes_on", JV_DATE, JV_REQUIRED, 0, 0, "截止日期"},
    {"rect_task_id", JV_INT, JV_NULLABLE, 1, INT64_MAX, "整改任务"},
    {"questions", JV_OBJECT_ARRAY, JV_REQUIRED, 1, SURVEY_QUESTIONS_MAX, "题目"},
    {NULL, 0, 0, 0, 0, NULL},
};

static const struct jv_field question_spec[] = {
    {"id", JV_INT, 0, 0, 0},
    {"kind", JV_STRING, JV_REQUIRED, 1, 10, "题型"},
    {"text", JV_STRING, JV_REQUIRED, 1, 500, "题目"},
    {"required", JV_BOOL, 0, 0, 0, "必答"},
    {"options", JV_STRING_ARRAY, 0, 0, SURVEY_OPTIONS_MAX, "选项"},
    {"scale_max", JV_INT, 0, 2, 10, "量表分值"},
    {NULL, 0, 0, 0, 0, NULL},
};

/* Checks the questions (each named "questions[i].member" when wrong). */
static enum err check_questions(struct ctx *c, const json_t *qs)
{
    if (!json_array_size(qs))
        return ctx_fail_field(c, "questions", "问卷至少需要一道题目（questions）");
    size_t i;
    const json_t *q;
    json_array_foreach(qs, i, q)
    {
        char msg[256];
        const char *field = NULL;
        if (jv_check_at(q, question_spec, msg, sizeof msg, &field))
            return ctx_fail_field(c,
                                  arena_printf(c->arena, "questions[%zu]%s%s", i, field ? "." : "", field ? field : ""),
                                  "第 %zu 题：%s", i + 1, msg);
        const char *kind = jv_str(q, "kind");
        bool choice = !strcmp(kind, "single") || !strcmp(kind, "multiple");
        if (!choice && strcmp(kind, "scale") && strcmp(kind, "text"))
            return ctx_fail_field(
                c, arena_printf(c->arena, "questions[%zu].kind", i),
                "第 %zu 题：题型（kind）应为 single（单选）、multiple（多选）、scale（量表）或 text（填空）", i + 1);
        const json_t *opts = json_object_get(q, "options");
        size_t n = json_array_size(opts);
        if (choice && n < 2)
            return ctx_fail_field(c, arena_printf(c->arena, "questions[%zu].options", i),
                                  "第 %zu 题：选择题至少需要两个选项（options）", i + 1);
        if (!choice && n)
            return ctx_fail_field(c, arena_printf(c->arena, "questions[%zu].options", i),
                                  "第 %zu 题：只有单选题和多选题有选项（options）", i + 1);
        if (strcmp(kind, "scale") && jv_has(q, "scale_max"))
            return ctx_fail_field(c, arena_printf(c->arena, "questions[%zu].scale_max", i),
                                  "第 %zu 题：只有量表题有分值（scale_max）", i + 1);
        for (size_t k = 0; k < n; k++) {
            const char *label = json_string_value(json_array_get(opts, k));
            if (!*label || utf8_count(label) > 100)
                return ctx_fail_field(c, arena_printf(c->arena, "questions[%zu].options", i),
                                      "第 %zu 题第 %zu 个选项（options）应为 1 到 100 个字", i + 1, k + 1);
            for (size_t j = 0; j < k; j++)
                if (!strcmp(label, json_string_value(json_array_get(opts, j))))
                    return ctx_fail_field(c, arena_printf(c->arena, "questions[%zu].options", i),
                                          "第 %zu 题：选项「%s」重复了（options）", i + 1, label);
        }
    }
    return ERR_OK;
}

static enum err insert_questions(struct ctx *c, int64_t survey_id, const json_t *qs)
{
    size_t i;
    const json_t *q;
    json_array_foreach(qs, i, q)
    {
        const char *kind = jv_str(q, "kind");
        const json_t *opts = json_object_get(q, "options");
        char *o = opts ? json_dumps(opts, JSON_COMPACT) : NULL;
        int scale = !strcmp(kind, "scale") ? (int)jv_int(q, "scale_max", 5) : 0;
        enum err e = db_exec(c->db,
                             "INSERT INTO survey_questions (survey_id, pos, kind, text, required, options, scale_max) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)",
                             DB_INT(survey_id), DB_INT((int64_t)i), DB_TEXT(kind), DB_TEXT(jv_str(q, "text")),
                             DB_INT(jv_bool(q, "required", false)), DB_TEXT(o ? o : "[]"), DB_INT(scale));
        free(o);
        if (e)
            return ctx_db_fail(c, e, "保存问卷题目");
    }
    return ERR_OK;
}

/* mode, closes_on, rect_task_id of a body (those present); the rectification task must be the office's. */
static enum err check_survey(struct ctx *c, const json_t *b, const char *office_path)
{
    const char *mode = jv_str(b, "mode");
    if (mode && strcmp(mode, "token") && strcmp(mode, "device"))
        return ctx_fail_field(c, "mode", "答卷方式（mode）应为 token（凭邀请码，一码一答）或 device（每台设备一答）");
    const char *closes = jv_str(b, "closes_on");
    char today[11];
    clue_today(c, today);
    if (closes && strcmp(closes, today) < 0)
        return ctx_fail_field(c, "closes_on", "截止日期（closes_on）不能早于今天（%s）", today);
    int64_t rect = jv_int(b, "rect_task_id", 0);
    if (rect) {
        const char *path = NULL;
        if (db_one_text(c->db, c->arena, &path, "SELECT office_path FROM rect_tasks WHERE id = ?", DB_INT(rect)) ||
            strncmp(path, office_path, strlen(office_path)))
            return ctx_fail_field(c, "rect_task_id", "整改任务（rect_task_id）不存在或不属于本督查室");
    }
    const json_t *qs = json_object_get(b, "questions");
    return qs ? check_questions(c, qs) : ERR_OK;
}

struct create_args {
    const json_t *body;
    const struct grant *g;
    int64_t id;
};

static enum err create_tx(struct ctx *c, void *arg)
{
    struct create_args *a = arg;
    const json_t *b = a->body;
    enum err e = check_survey(c, b, a->g->unit_path);
    if (e)
        return e;
    unsigned char raw[12];
    randombytes_buf(raw, sizeof raw);
    char key[25];
    sodium_bin2hex(key, sizeof key, raw, sizeof raw);
    char at[21];
    time_format_iso(c->now, at);
    e = db_one_int(c->db, &a->id,
                   "INSERT INTO surveys (office_unit_id, office_path, title, intro, mode, closes_on, link_key, "
                   "rect_task_id, state, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'draft', "
                   "?, ?, ?) RETURNING id",
                   DB_INT(a->g->unit_id), DB_TEXT(a->g->unit_path), DB_TEXT(jv_str(b, "title")),
                   DB_TEXT(jv_str(b, "intro") ? jv_str(b, "intro") : ""), DB_TEXT(jv_str(b, "mode")),
                   DB_TEXT(jv_str(b, "closes_on")), DB_TEXT(key),
                   DB_INT_IF(jv_int(b, "rect_task_id", 0), jv_int(b, "rect_task_id", 0)), DB_INT(c->user->id),
                   DB_TEXT(at), DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "保存问卷");
    if ((e = insert_questions(c, a->id, json_object_get(b, "questions"))))
        return e;
    json_t *sum = json_pack("{sssssssi}", "title", jv_str(b, "title"), "mode", jv_str(b, "mode"), "closes_on",
                            jv_str(b, "closes_on"), "questions", (int)json_array_size(json_object_get(b, "questions")));
    if (jv_int(b, "rect_task_id", 0))
        json_object_set_new(sum, "rect_task_id", json_integer(jv_int(b, "rect_task_id", 0)));
    e = audit_record(c, "survey.create", SURVEY_KIND, a->id, sum);
    if (!e)
        e = survey_event(c, a->id, "create", -1, SURVEY_ST_DRAFT, sum);
    json_decref(sum);
    return e ? e : workflow_todos_sync_new(c, &survey_workflow, a->id);
}

enum err surveys_create(struct ctx *c, const json_t *body, json_t **out)
{
    int n = 0;
    const char **scope = c->user ? perm_scope_cap(c, CAP_SURVEY_MANAGE, &n) : NULL;
    if (n < 1)
        return ctx_fail(c, ERR_FORBIDDEN, "只有督查室可以制作问卷");
    struct create_args a = {body, perm_grant_at(c->user, CAP_SURVEY_MANAGE, scope[0]), 0};
    c->acting = a.g;
    enum err e = ctx_tx(c, "制作问卷", create_tx, &a);
    return e ? e : surveys_get(c, a.id, out);
}

struct update_args {
    int64_t id;
    const json_t *body;
};

static enum err update_tx(struct ctx *c, void *arg)
{
    struct update_args *a = arg;
    const json_t *b = a->body;
    struct survey s;
    enum err e = load_managed(c, a->id, "修改问卷", &s);
    if (e)
        return e;
    if (jv_has(b, "version") && jv_int(b, "version", 0) != s.wf.version)
        return ctx_fail(c, ERR_CONFLICT, "问卷已被他人修改，请刷新后重试");
    if (s.wf.state != SURVEY_ST_DRAFT)
        return ctx_fail(c, ERR_CONFLICT, "问卷已%s，不能再修改", survey_state_label(s.wf.state));
    if ((e = check_survey(c, b, s.office_path)) || (e = survey_lock(c, &s)))
        return e;
    char at[21];
    time_format_iso(c->now, at);
    bool rect = jv_has(b, "rect_task_id");
    e = db_exec(c->db,
                "UPDATE surveys SET title = COALESCE(?, title), intro = COALESCE(?, intro), mode = COALESCE(?, mode), "
                "closes_on = COALESCE(?, closes_on), rect_task_id = CASE WHEN ? = 1 THEN ? ELSE rect_task_id END, "
                "updated_at = ?, version = version + 1 WHERE id = ?",
                DB_TEXT(jv_str(b, "title")), DB_TEXT(jv_str(b, "intro")), DB_TEXT(jv_str(b, "mode")),
                DB_TEXT(jv_str(b, "closes_on")), DB_INT(rect),
                DB_INT_IF(rect && jv_int(b, "rect_task_id", 0), jv_int(b, "rect_task_id", 0)), DB_TEXT(at),
                DB_INT(s.wf.id));
    if (e)
        return ctx_db_fail(c, e, "修改问卷");
    const json_t *qs = json_object_get(b, "questions");
    if (qs && ((e = db_exec(c->db, "DELETE FROM survey_questions WHERE survey_id = ?", DB_INT(s.wf.id))) ||
               (e = insert_questions(c, s.wf.id, qs))))
        return ctx_db_fail(c, e, "修改问卷题目");
    json_t *sum = json_deep_copy(b);
    json_object_del(sum, "version");
    if (qs)
        json_object_set_new(sum, "questions", json_integer((json_int_t)json_array_size(qs)));
    e = audit_record(c, "survey.update", SURVEY_KIND, s.wf.id, sum);
    if (!e)
        e = survey_event(c, s.wf.id, "update", -1, -1, sum);
    json_decref(sum);
    return e ? e : workflow_todos_sync(c, &survey_workflow, s.wf.id, NULL);
}

enum err surveys_update(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    struct update_args a = {id, body};
    enum err e = ctx_tx(c, "修改问卷", update_tx, &a);
    return e ? e : surveys_get(c, id, out);
}

/* ---- reading ---- */

enum err surveys_list(struct ctx *c, const char *state, int64_t rect_task_id, int page, int per_page, json_t **out)
{
    if (state && survey_state_parse(state) < 0)
        return ctx_fail_field(c, "state", "状态（state）应为 draft、open 或 closed");
    int n = 0;
    const char **scope = perm_scope_cap(c, CAP_CLUE_READ, &n);
    if (n > 8)
        n = 8;
    /* the surveys of the governments at or below the units where the user may read them */
    struct db_bind b[2 * 8 + 7];
    int nb = 0;
    const char *where = "(1 = 0";
    for (int k = 0; k < n; k++) {
        where = arena_printf(c->arena, "%s OR (office_path >= ? AND office_path < ?)", where);
        b[nb++] = DB_TEXT(scope[k]);
        b[nb++] = DB_TEXT(arena_printf(c->arena, "%.*s0", (int)strlen(scope[k]) - 1, scope[k]));
    }
    where = arena_printf(c->arena, "%s) AND (? IS NULL OR state = ?) AND (? = 0 OR rect_task_id = ?)", where);
    b[nb++] = DB_TEXT(state);
    b[nb++] = DB_TEXT(state);
    b[nb++] = DB_INT(rect_task_id);
    b[nb++] = DB_INT(rect_task_id);
    b[nb] = (struct db_bind){DB_BIND_END_, 0, 0, NULL};
    int64_t total = 0;
    if (db_one_int_a(c->db, &total, arena_printf(c->arena, "SELECT COUNT(*) FROM surveys WHERE %s", where), b))
        return ctx_db_fail(c, ERR_INTERNAL, "读取问卷");
    b[nb++] = DB_INT(per_page);
    b[nb++] = DB_INT((int64_t)(page - 1) * per_page);
    b[nb] = (struct db_bind){DB_BIND_END_, 0, 0, NULL};
    struct stmt *st = db_query_a(
        c->db, arena_printf(c->arena, "SELECT id FROM surveys WHERE %s ORDER BY id DESC LIMIT ? OFFSET ?", where), b);
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取问卷");
    int64_t *ids = arena_alloc(c->arena, sizeof *ids * (size_t)per_page);
    int m = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW && m < per_page)
        ids[m++] = stmt_int(st, 0);
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取问卷");
    json_t *list = json_array();
    for (int i = 0; i < m; i++) {
        struct survey s;
        if (survey_load(c, ids[i], &s)) {
            json_decref(list);
            return c->err;
        }
        json_t *o = survey_json(c, &s);
        json_object_del(o, "questions");
        json_object_set_new(o, "nquestions", json_integer(s.nquestions));
        json_array_append_new(list, o);
    }
    *out = json_pack("{sosIsisi}", "surveys", list, "total", (json_int_t)total, "page", page, "per_page", per_page);
    return ERR_OK;
}

enum err surveys_get(struct ctx *c, int64_t id, json_t **out)
{
    struct survey s;
    enum err e = load_visible(c, id, &s);
    if (!e)
        *out = survey_json(c, &s);
    return e;
}

enum err surveys_act(struct ctx *c, int64_t id, const char *action, const json_t *body, json_t **out)
{
    int a;
    if (!wf_action_parse(&survey_workflow, action, &a))
        return ctx_fail(c, ERR_NOT_FOUND, "问卷没有「%s」这项操作", action);
    enum err e = workflow_act(c, &survey_workflow, id, a, body, NULL);
    return e ? e : surveys_get(c, id, out);
}

const struct jv_field surveys_action_spec[] = {
    {"version", JV_INT, 0, 0, 0},
    {NULL, 0, 0, 0, 0, NULL},
};

const struct jv_field surveys_invite_spec[] = {
    {"count", JV_INT, JV_REQUIRED, 1, 500, "邀请码数量"},
    {NULL, 0, 0, 0, 0, NULL},
};

/* Tokens: 16 characters of an alphabet without look-alikes. */
static const char token_alphabet[] = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

struct invite_args {
    int64_t id;
    int count;
    json_t *tokens;
};

static enum err invite_tx(struct ctx *c, void *arg)
{
    struct invite_args *a = arg;
    json_array_clear(a->tokens); /* ctx_tx may run this again */
    struct survey s;
    enum err e = load_managed(c, a->id, "发放邀请码", &s);
    if (e)
        return e;
    if (strcmp(s.mode, "token"))
        return ctx_fail(c, ERR_CONFLICT, "该问卷按设备答卷，不需要邀请码");
    if (s.wf.state == SURVEY_ST_CLOSED)
        return ctx_fail(c, ERR_CONFLICT, "问卷已结束，不能再发放邀请码");
    char at[21];
    time_format_iso(c->now, at);
    for (int i = 0; i < a->count; i++) {
        char raw[17], digest[65];
        for (int k = 0; k < 16; k++)
            raw[k] = token_alphabet[randombytes_uniform(sizeof token_alphabet - 1)];
        raw[16] = 0;
        survey_digest("token", raw, digest);
        if ((e = db_exec(c->db, "INSERT INTO survey_invitations (survey_id, token_digest, created_at) VALUES (?, ?, ?)",
                         DB_INT(s.wf.id), DB_TEXT(digest), DB_TEXT(at))))
            return ctx_db_fail(c, e, "保存邀请码");
        json_array_append_new(a->tokens, json_string(raw));
    }
    json_t *sum = json_pack("{si}", "count", a->count);
    e = audit_record(c, "survey.invite", SURVEY_KIND, s.wf.id, sum);
    if (!e)
        e = survey_event(c, s.wf.id, "invite", -1, -1, sum);
    json_decref(sum);
    return e;
}

enum err surveys_invite(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    struct invite_args a = {id, (int)jv_int(body, "count", 1), json_array()};
    enum err e = ctx_tx(c, "发放邀请码", invite_tx, &a);
    if (e) {
        json_decref(a.tokens);
        return e;
    }
    *out = json_pack("{so}", "tokens", a.tokens);
    return ERR_OK;
}

/* ---- results ---- */

enum err surveys_results(struct ctx *c, int64_t id, json_t **out)
{
    struct survey s;
    enum err e = load_visible(c, id, &s);
    if (e)
        return e;
    json_t *qs = survey_questions_json(&s);
    for (int i = 0; i < s.nquestions; i++) {
        const struct survey_question *q = &s.questions[i];
        json_t *o = json_array_get(qs, (size_t)i);
        int64_t answered = 0;
        db_one_int(c->db, &answered, "SELECT COUNT(DISTINCT response_id) FROM survey_answers WHERE question_id = ?",
                   DB_INT(q->id));
        json_object_set_new(o, "answered", json_integer(answered));
        bool choice = !strcmp(q->kind, "single") || !strcmp(q->kind, "multiple");
        bool scale = !strcmp(q->kind, "scale");
        if (choice || scale) {
            int n = choice ? q->noptions : q->scale_max;
            int64_t *counts = arena_alloc(c->arena, sizeof *counts * (size_t)(n + 1));
            memset(counts, 0, sizeof *counts * (size_t)(n + 1));
            struct stmt *st = db_query(
                c->db,
                arena_printf(c->arena, "SELECT %s, COUNT(*) FROM survey_answers WHERE question_id = ? GROUP BY 1",
                             choice ? "choice" : "value"),
                DB_INT(q->id));
            int rc;
            int64_t sum = 0, cnt = 0;
            while (st && (rc = stmt_step(st)) == STORE_ROW) {
                int64_t v = stmt_int(st, 0), k = stmt_int(st, 1);
                int at = choice ? (int)v : (int)v - 1;
                if (at >= 0 && at < n)
                    counts[at] += k;
                sum += v * k;
                cnt += k;
            }
            stmt_done(st);
            json_t *arr = json_array();
            for (int k = 0; k < n; k++)
                json_array_append_new(
                    arr, choice ? json_pack("{sssI}", "label", q->options[k], "count", (json_int_t)counts[k])
                                : json_pack("{sisI}", "value", k + 1, "count", (json_int_t)counts[k]));
            json_object_set_new(o, choice ? "counts" : "scale", arr);
            if (scale)
                json_object_set_new(o, "average", cnt ? json_real((double)sum / (double)cnt) : json_null());
        } else {
            json_t *texts = json_array();
            struct stmt *st = db_query(c->db,
                                       "SELECT answer FROM survey_answers WHERE question_id = ? AND answer IS NOT NULL "
                                       "ORDER BY id DESC LIMIT 200",
                                       DB_INT(q->id));
            while (st && stmt_step(st) == STORE_ROW)
                json_array_append_new(texts, json_string(stmt_text(st, 0)));
            stmt_done(st);
            json_object_set_new(o, "texts", texts);
        }
    }
    json_t *sv = survey_json(c, &s);
    json_object_del(sv, "questions");
    *out = json_pack("{sosiso}", "survey", sv, "responses", s.responses, "questions", qs);
    return ERR_OK;
}

enum err surveys_sheets(struct ctx *c, int64_t id, json_t **out)
{
    struct survey s;
    enum err e = load_visible(c, id, &s);
    if (e)
        return e;
    json_t *sheets = json_array();
    struct stmt *st = db_query(c->db,
                               "SELECT r.id, r.submitted_on, a.question_id, a.choice, a.value, a.answer FROM "
                               "survey_responses r LEFT JOIN survey_answers a ON a.response_id = r.id WHERE "
                               "r.survey_id = ? ORDER BY r.id, a.id",
                               DB_INT(s.wf.id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取答卷");
    int64_t last = -1;
    json_t *cells = NULL;
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        int64_t rid = stmt_int(st, 0);
        if (rid != last) {
            cells = json_array();
            for (int i = 0; i < s.nquestions; i++)
                json_array_append_new(cells, json_string(""));
            json_array_append_new(sheets, json_pack("{ssso}", "day", stmt_text(st, 1), "answers", cells));
            last = rid;
        }
        if (stmt_is_null(st, 2))
            continue;
        int64_t qid = stmt_int(st, 2);
        for (int i = 0; i < s.nquestions; i++) {
            const struct survey_question *q = &s.questions[i];
            if (q->id != qid)
                continue;
            int64_t ch = stmt_is_null(st, 3) ? -1 : stmt_int(st, 3);
            const char *v = ch >= 0 && ch < q->noptions ? q->options[ch]
                            : !stmt_is_null(st, 4)      ? arena_printf(c->arena, "%" PRId64, stmt_int(st, 4))
                                                        : stmt_text(st, 5);
            const char *had = json_string_value(json_array_get(cells, (size_t)i));
            json_array_set_new(cells, (size_t)i,
                               json_string(*had ? arena_printf(c->arena, "%s；%s", had, v ? v : "") : (v ? v : "")));
        }
    }
    stmt_done(st);
    if (rc < 0) {
        json_decref(sheets);
        return ctx_store_fail(c, rc, "读取答卷");
    }
    *out = json_pack("{sssoso}", "title", s.wf.title, "questions", survey_questions_json(&s), "sheets", sheets);
    return ERR_OK;
}
