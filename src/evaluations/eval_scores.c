/*
 * eval_scores.c: what is recorded against an engagement's units — the evaluator's scores and findings
 * (while engaged), its evidence files, each unit's self-assessment (自评, while engaged or submitted) —
 * and the side-by-side view (对表分析) the government reads.
 */
#include "evaluations/eval_internal.h"

#include "base/blob.h"
#include "base/media.h"
#include "base/utf8.h"
#include "crypto/hash.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct jv_field evaluations_scores_spec[] = {
    {"version", JV_INT, 0, 0, 0},
    {"scores", JV_OBJECT_ARRAY, 0, 0, EVAL_INDICATORS_MAX, "评分"},
    {"findings", JV_STRING, 0, 0, 8000, "评估发现"},
    {NULL, 0, 0, 0, 0, NULL},
};

const struct jv_field evaluations_self_spec[] = {
    {"version", JV_INT, 0, 0, 0},
    {"scores", JV_OBJECT_ARRAY, JV_REQUIRED, 1, EVAL_INDICATORS_MAX, "自评分"},
    {"note", JV_STRING, 0, 0, 8000, "自评说明"},
    {NULL, 0, 0, 0, 0, NULL},
};

static const struct jv_field score_spec[] = {
    {"indicator_id", JV_INT, JV_REQUIRED, 1, INT64_MAX, "指标"},
    {"score", JV_INT, JV_REQUIRED, 0, 100000, "分值"},
    {"comment", JV_STRING, 0, 0, 1000, "说明"},
    {"name", JV_STRING, 0, 0, 0},
    {NULL, 0, 0, 0, 0, NULL},
};

static const struct eval_indicator *indicator_of(const struct evaluation *ev, int64_t id)
{
    for (int i = 0; i < ev->nindicators; i++)
        if (ev->indicators[i].id == id)
            return &ev->indicators[i];
    return NULL;
}

/* Each score names an indicator of the engagement once, within 0..its full marks; with every_one, every
 * indicator is scored. */
static enum err check_scores(struct ctx *c, const struct evaluation *ev, const json_t *scores, bool every_one)
{
    size_t i;
    const json_t *x;
    json_array_foreach(scores, i, x)
    {
        char msg[256];
        const char *field = NULL;
        if (jv_check_at(x, score_spec, msg, sizeof msg, &field))
            return ctx_fail_field(c, arena_printf(c->arena, "scores[%zu]%s%s", i, field ? "." : "", field ? field : ""),
                                  "第 %zu 个评分：%s", i + 1, msg);
        const struct eval_indicator *ind = indicator_of(ev, jv_int(x, "indicator_id", 0));
        if (!ind)
            return ctx_fail_field(c, arena_printf(c->arena, "scores[%zu].indicator_id", i),
                                  "第 %zu 个评分的指标（indicator_id）不是本次评估的指标", i + 1);
        int64_t s = jv_int(x, "score", 0);
        if (s > ind->max_score)
            return ctx_fail_field(c, arena_printf(c->arena, "scores[%zu].score", i),
                                  "「%s」的分值（score）应为 0 到 %d 分", ind->name, ind->max_score);
        for (size_t k = 0; k < i; k++)
            if (jv_int(json_array_get(scores, k), "indicator_id", 0) == ind->id)
                return ctx_fail_field(c, arena_printf(c->arena, "scores[%zu].indicator_id", i),
                                      "「%s」评了两次分（scores）", ind->name);
    }
    if (every_one)
        for (int k = 0; k < ev->nindicators; k++) {
            bool found = false;
            json_array_foreach(scores, i, x) found = found || jv_int(x, "indicator_id", 0) == ev->indicators[k].id;
            if (!found)
                return ctx_fail_field(c, "scores", "自评需要对每项指标打分，缺少「%s」（scores）",
                                      ev->indicators[k].name);
        }
    return ERR_OK;
}

static enum err store_scores(struct ctx *c, int64_t eval_unit_id, const char *source, const json_t *scores)
{
    size_t i;
    const json_t *x;
    json_array_foreach(scores, i, x)
    {
        int64_t ind = jv_int(x, "indicator_id", 0);
        const char *comment = jv_str(x, "comment") ? jv_str(x, "comment") : "";
        enum err e =
            db_exec(c->db, "DELETE FROM eval_scores WHERE eval_unit_id = ? AND indicator_id = ? AND source = ?",
                    DB_INT(eval_unit_id), DB_INT(ind), DB_TEXT(source));
        if (!e)
            e = db_exec(c->db,
                        "INSERT INTO eval_scores (eval_unit_id, indicator_id, source, score, comment) VALUES (?, ?, ?, "
                        "?, ?)",
                        DB_INT(eval_unit_id), DB_INT(ind), DB_TEXT(source), DB_INT(jv_int(x, "score", 0)),
                        DB_TEXT(comment));
        if (e)
            return ctx_db_fail(c, e, "保存评分");
    }
    return ERR_OK;
}

/* What the audit record keeps of scores: indicator and score (the comments stay in the engagement). */
static json_t *scores_summary(const json_t *scores)
{
    json_t *arr = json_array();
    size_t i;
    const json_t *x;
    json_array_foreach(scores, i, x) json_array_append_new(
        arr, json_pack("[II]", (json_int_t)jv_int(x, "indicator_id", 0), (json_int_t)jv_int(x, "score", 0)));
    return arr;
}

struct rec_args {
    int64_t id, unit_id;
    const json_t *body;
};

/* The engagement and the unit's line for the evaluator's recording: 404 unseen, 403 not the evaluator,
 * 409 outside "engaged". */
static enum err evaluator_line(struct ctx *c, int64_t id, int64_t unit_id, struct evaluation *ev,
                               struct eval_unit **line)
{
    enum err e = eval_load_visible(c, id, ev);
    if (e)
        return e;
    if (!eval_member(c, ev) || !perm_at(c->user, CAP_INSP_EVALUATE, ev->evaluator_path))
        return ctx_fail(c, ERR_FORBIDDEN, "只有受托的第三方评估机构可以评分");
    c->acting = perm_grant_at(c->user, CAP_INSP_EVALUATE, ev->evaluator_path);
    if (!(*line = eval_unit_of(ev, unit_id)))
        return ctx_fail(c, ERR_NOT_FOUND, "该单位不在本次评估范围内");
    if (ev->wf.state != EVAL_ST_ENGAGED)
        return ctx_fail(c, ERR_CONFLICT, "第三方评估%s，评分不能再修改",
                        ev->wf.state == EVAL_ST_SUBMITTED ? "已提交，待督查室验收" : "已验收");
    return ERR_OK;
}

static enum err score_tx(struct ctx *c, void *arg)
{
    struct rec_args *x = arg;
    struct evaluation ev;
    struct eval_unit *u;
    enum err e = evaluator_line(c, x->id, x->unit_id, &ev, &u);
    if (e)
        return e;
    const json_t *scores = json_object_get(x->body, "scores");
    const char *findings = jv_str(x->body, "findings");
    if (!scores && !findings)
        return ctx_fail_field(c, "scores", "请填写评分（scores）或评估发现（findings）");
    if ((scores && (e = check_scores(c, &ev, scores, false))) || (e = eval_lock(c, &ev)))
        return e;
    if (scores && (e = store_scores(c, u->id, "evaluator", scores)))
        return e;
    char at[21];
    time_format_iso(c->now, at);
    if ((e = db_exec(c->db, "UPDATE eval_units SET findings = COALESCE(?, findings), scored_at = ? WHERE id = ?",
                     DB_TEXT(findings), DB_TEXT(at), DB_INT(u->id))) ||
        (e = db_exec(c->db, "UPDATE evaluations SET updated_at = ?, version = version + 1 WHERE id = ?", DB_TEXT(at),
                     DB_INT(ev.wf.id))))
        return ctx_db_fail(c, e, "保存评分");
    json_t *sum = json_pack("{sI}", "unit_id", (json_int_t)u->unit_id);
    if (scores)
        json_object_set_new(sum, "scores", scores_summary(scores));
    if (findings)
        json_object_set_new(sum, "findings", json_integer((json_int_t)utf8_count(findings)));
    e = audit_record(c, "evaluation.score", EVAL_KIND, ev.wf.id, sum);
    if (!e)
        e = eval_event(c, ev.wf.id, "score", -1, -1, u->unit_id, sum);
    json_decref(sum);
    return e;
}

enum err evaluations_score(struct ctx *c, int64_t id, int64_t unit_id, const json_t *body, json_t **out)
{
    struct rec_args x = {id, unit_id, body};
    enum err e = ctx_tx(c, "第三方评估评分", score_tx, &x);
    return e ? e : evaluations_get(c, id, out);
}

static enum err self_tx(struct ctx *c, void *arg)
{
    struct rec_args *x = arg;
    struct evaluation ev;
    enum err e = eval_load_visible(c, x->id, &ev);
    if (e)
        return e;
    struct eval_unit *u = eval_unit_of(&ev, x->unit_id);
    if (!u || !eval_unit_viewer(c, u))
        return ctx_fail(c, ERR_NOT_FOUND, "该单位不在本次评估范围内或无权查看");
    if ((e = perm_require(c, CAP_ITEM_HANDLE, u->unit_path, "评估单位")))
        return ctx_fail(c, ERR_FORBIDDEN, "只有被评估单位的联络员或负责人可以填报自评");
    if (ev.wf.state != EVAL_ST_ENGAGED && ev.wf.state != EVAL_ST_SUBMITTED)
        return ctx_fail(c, ERR_CONFLICT, "第三方评估%s，自评%s", wf_state_label(&evaluation_workflow, ev.wf.state),
                        ev.wf.state == EVAL_ST_DRAFT ? "尚未开始" : "已截止");
    const json_t *scores = json_object_get(x->body, "scores");
    const char *note = jv_str(x->body, "note");
    if ((e = check_scores(c, &ev, scores, true)) || (e = eval_lock(c, &ev)))
        return e;
    if ((e = store_scores(c, u->id, "self", scores)))
        return e;
    char at[21];
    time_format_iso(c->now, at);
    bool again = u->self_at != NULL;
    if ((e = db_exec(c->db, "UPDATE eval_units SET self_note = ?, self_at = ?, self_by = ? WHERE id = ?",
                     DB_TEXT(note ? note : ""), DB_TEXT(at), DB_INT(c->user->id), DB_INT(u->id))) ||
        (e = db_exec(c->db, "UPDATE evaluations SET updated_at = ?, version = version + 1 WHERE id = ?", DB_TEXT(at),
                     DB_INT(ev.wf.id))))
        return ctx_db_fail(c, e, "保存自评");
    json_t *sum =
        json_pack("{sIsosb}", "unit_id", (json_int_t)u->unit_id, "scores", scores_summary(scores), "again", again);
    e = audit_record(c, "evaluation.self_assess", EVAL_KIND, ev.wf.id, sum);
    if (!e)
        e = eval_event(c, ev.wf.id, "self_assess", -1, -1, u->unit_id, sum);
    json_decref(sum);
    /* the unit's to-do is done */
    return e ? e : workflow_todos_sync(c, &evaluation_workflow, ev.wf.id, NULL);
}

enum err evaluations_self(struct ctx *c, int64_t id, int64_t unit_id, const json_t *body, json_t **out)
{
    struct rec_args x = {id, unit_id, body};
    enum err e = ctx_tx(c, "填报自评", self_tx, &x);
    return e ? e : evaluations_get(c, id, out);
}

/* ---- evidence ---- */

static const char *evidence_dir(struct ctx *c)
{
    return arena_printf(c->arena, "%s/evaluations", c->cfg->data_dir);
}

/* A file name safe to store and send back: its last component, valid UTF-8, no control characters. */
static enum err clean_name(struct ctx *c, const char *filename, const char **out)
{
    if (!filename || !*filename)
        return ctx_fail_field(c, "filename", "请提供文件名（multipart 的 filename 或 ?filename=）");
    const char *base = strrchr(filename, '/');
    base = base ? base + 1 : filename;
    const char *bs = strrchr(base, '\\');
    base = bs ? bs + 1 : base;
    size_t bl = strlen(base);
    if (!bl || bl > 255 || !utf8_valid(base, bl) || utf8_count(base) > 120)
        return ctx_fail_field(c, "filename", "文件名无效或过长（最多 120 个字符）");
    for (const unsigned char *p = (const unsigned char *)base; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '"')
            return ctx_fail_field(c, "filename", "文件名不能包含控制字符或引号");
    *out = base;
    return ERR_OK;
}

struct evidence_args {
    int64_t id, unit_id, eid;
    const char *filename, *type, *hash;
    size_t size;
};

static enum err evidence_tx(struct ctx *c, void *arg)
{
    struct evidence_args *x = arg;
    struct evaluation ev;
    struct eval_unit *u;
    enum err e = evaluator_line(c, x->id, x->unit_id, &ev, &u);
    if (e)
        return e;
    char at[21];
    time_format_iso(c->now, at);
    e = db_one_int(
        c->db, &x->eid,
        "INSERT INTO eval_evidence (eval_unit_id, filename, content_type, size, hash, author_id, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        DB_INT(u->id), DB_TEXT(x->filename), DB_TEXT(x->type), DB_INT((int64_t)x->size), DB_TEXT(x->hash),
        DB_INT(c->user->id), DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "保存评估证据");
    json_t *sum = json_pack("{sIsIsssI}", "unit_id", (json_int_t)u->unit_id, "evidence_id", (json_int_t)x->eid,
                            "filename", x->filename, "size", (json_int_t)x->size);
    e = audit_record(c, "evaluation.evidence", EVAL_KIND, ev.wf.id, sum);
    if (!e)
        e = eval_event(c, ev.wf.id, "evidence", -1, -1, u->unit_id, sum);
    json_decref(sum);
    return e;
}

enum err evaluations_evidence_add(struct ctx *c, int64_t id, int64_t unit_id, const char *filename, const char *path,
                                  int64_t size, json_t **out)
{
    struct evidence_args x = {.id = id, .unit_id = unit_id};
    enum err e = clean_name(c, filename, &x.filename);
    if (e)
        return e;
    /* who and where first: nothing is read or stored for an engagement the user may not record on */
    struct evaluation ev;
    struct eval_unit *u;
    if ((e = evaluator_line(c, id, unit_id, &ev, &u)))
        return e;
    if (size <= 0)
        return ctx_fail(c, ERR_INVALID, "文件内容为空");
    if (size > c->cfg->upload_limit)
        return ctx_fail(c, ERR_TOO_LARGE, "文件超过上限（%" PRId64 " 字节）", c->cfg->upload_limit);
    FILE *f = path ? fopen(path, "rb") : NULL;
    size_t n = (size_t)size;
    unsigned char *data = f ? malloc(n) : NULL;
    bool read_ok = data && fread(data, 1, n, f) == n;
    if (f)
        fclose(f);
    if (!read_ok) {
        free(data);
        return ctx_fail(c, ERR_INTERNAL, "无法读取上传的文件");
    }
    /* photos are kept without their location and other metadata; a PDF as it is */
    unsigned char *keep = data;
    size_t kn = n;
    enum media_kind kind = media_sniff(data, n);
    if (kind == MEDIA_JPEG || kind == MEDIA_PNG) {
        struct media_meta meta;
        keep = malloc(n);
        kn = keep && media_meta(data, n, &meta) ? media_strip(data, n, keep) : 0;
        x.type = kind == MEDIA_JPEG ? "image/jpeg" : "image/png";
    } else if (n > 5 && !memcmp(data, "%PDF-", 5)) {
        x.type = "application/pdf";
    } else {
        free(data);
        return ctx_fail(c, ERR_MEDIA_TYPE, "评估证据只接受照片（JPEG、PNG）和 PDF 文件");
    }
    char hash[65];
    bool ok = kn && sm3_hex(keep, kn, hash) && blob_store(evidence_dir(c), hash, keep, kn);
    if (keep != data)
        free(keep);
    free(data);
    if (!kn)
        return ctx_fail(c, ERR_MEDIA_TYPE, "文件已损坏或格式不正确，无法作为评估证据");
    if (!ok)
        return ctx_fail(c, ERR_INTERNAL, "无法保存评估证据");
    x.hash = hash;
    x.size = kn;
    if ((e = ctx_tx(c, "上传评估证据", evidence_tx, &x)))
        return e;
    *out = json_pack("{sIsssssIss}", "id", (json_int_t)x.eid, "filename", x.filename, "content_type", x.type, "size",
                     (json_int_t)x.size, "url", arena_printf(c->arena, "/api/v1/evaluation-evidence/%" PRId64, x.eid));
    return ERR_OK;
}

enum err evaluations_evidence_file(struct ctx *c, int64_t evidence_id, const char **path, const char **filename,
                                   const char **type)
{
    int64_t eval_id = 0, unit_id = 0;
    const char *hash = NULL;
    struct stmt *st =
        db_query(c->db,
                 "SELECT u.evaluation_id, u.unit_id, x.filename, x.content_type, x.hash FROM eval_evidence "
                 "x JOIN eval_units u ON u.id = x.eval_unit_id WHERE x.id = ?",
                 DB_INT(evidence_id));
    if (st && stmt_step(st) == STORE_ROW) {
        eval_id = stmt_int(st, 0);
        unit_id = stmt_int(st, 1);
        *filename = arena_strdup(c->arena, stmt_text(st, 2));
        *type = arena_strdup(c->arena, stmt_text(st, 3));
        hash = arena_strdup(c->arena, stmt_text(st, 4));
    }
    stmt_done(st);
    struct evaluation ev;
    if (!eval_id || eval_load_visible(c, eval_id, &ev))
        return ctx_fail(c, ERR_NOT_FOUND, "评估证据不存在或无权查看");
    /* who sees the evaluator's findings of the unit: the government, the evaluator, the unit once accepted */
    struct eval_unit *u = eval_unit_of(&ev, unit_id);
    if (!eval_gov(c, &ev) && !eval_member(c, &ev) && !(u && eval_unit_viewer(c, u) && ev.wf.state == EVAL_ST_ACCEPTED))
        return ctx_fail(c, ERR_NOT_FOUND, "评估证据不存在或无权查看");
    char buf[4096];
    if (!blob_path(evidence_dir(c), hash, buf, sizeof buf))
        return ctx_fail(c, ERR_INTERNAL, "证据路径过长");
    *path = arena_strdup(c->arena, buf);
    return ERR_OK;
}

/* ---- 对表分析 ---- */

#define THRESHOLD_PCT 10 /* a difference of at least this share of the full marks is flagged */

static json_t *inspection_findings(struct ctx *c, int64_t eval_id, int64_t unit_id)
{
    json_t *arr = json_array();
    struct stmt *st = db_query(c->db,
                               "SELECT f.inspection_id, COALESCE(n.number, ''), n.subject, f.title, f.detail, "
                               "f.due_date FROM eval_objects o JOIN insp_findings f ON f.inspection_id = o.object_id "
                               "JOIN inspections n ON n.id = f.inspection_id WHERE o.evaluation_id = ? AND o.kind = "
                               "'inspection' AND f.unit_id = ? AND f.state = 'issued' ORDER BY f.inspection_id, f.id",
                               DB_INT(eval_id), DB_INT(unit_id));
    while (st && stmt_step(st) == STORE_ROW)
        json_array_append_new(arr, json_pack("{sIssssssssss}", "inspection_id", (json_int_t)stmt_int(st, 0), "number",
                                             stmt_text(st, 1), "subject", stmt_text(st, 2), "title", stmt_text(st, 3),
                                             "detail", stmt_text(st, 4), "due_date", stmt_text(st, 5)));
    stmt_done(st);
    return arr;
}

enum err evaluations_compare(struct ctx *c, int64_t id, json_t **out)
{
    struct evaluation ev;
    enum err e = eval_load_visible(c, id, &ev);
    if (e)
        return e;
    if (!eval_gov(c, &ev))
        return ctx_fail(c, ERR_FORBIDDEN, "对表分析仅供委托评估的督查室和本级政府领导查阅");
    json_t *inds = json_array();
    for (int i = 0; i < ev.nindicators; i++)
        json_array_append_new(inds, json_pack("{sIsssi}", "id", (json_int_t)ev.indicators[i].id, "name",
                                              ev.indicators[i].name, "max_score", ev.indicators[i].max_score));
    json_t *units = json_array();
    int max_total = 0;
    for (int i = 0; i < ev.nindicators; i++)
        max_total += ev.indicators[i].max_score;
    for (int k = 0; k < ev.nunits; k++) {
        struct eval_unit *u = &ev.units[k];
        /* score[source][indicator] */
        struct cell {
            bool has;
            int64_t score;
            const char *comment;
        } *cells = arena_alloc(c->arena, sizeof *cells * 2 * (size_t)(ev.nindicators + 1));
        memset(cells, 0, sizeof *cells * 2 * (size_t)(ev.nindicators + 1));
        struct stmt *st =
            db_query(c->db, "SELECT indicator_id, source, score, comment FROM eval_scores WHERE eval_unit_id = ?",
                     DB_INT(u->id));
        while (st && stmt_step(st) == STORE_ROW)
            for (int i = 0; i < ev.nindicators; i++)
                if (ev.indicators[i].id == stmt_int(st, 0)) {
                    int s = !strcmp(stmt_text(st, 1), "self");
                    cells[s * ev.nindicators + i] =
                        (struct cell){true, stmt_int(st, 2), arena_strdup(c->arena, stmt_text(st, 3))};
                }
        stmt_done(st);
        json_t *rows = json_array();
        int64_t et = 0, stot = 0;
        bool ecomplete = true, scomplete = u->self_at != NULL, flagged = false;
        for (int i = 0; i < ev.nindicators; i++) {
            struct cell *a = &cells[i], *b = &cells[ev.nindicators + i];
            bool self = b->has && u->self_at;
            json_t *r = json_pack("{sIsssi}", "indicator_id", (json_int_t)ev.indicators[i].id, "name",
                                  ev.indicators[i].name, "max_score", ev.indicators[i].max_score);
            json_object_set_new(r, "evaluator", a->has ? json_integer(a->score) : json_null());
            json_object_set_new(r, "evaluator_comment", json_string(a->has ? a->comment : ""));
            json_object_set_new(r, "self", self ? json_integer(b->score) : json_null());
            json_object_set_new(r, "self_comment", json_string(self ? b->comment : ""));
            bool both = a->has && self;
            int64_t diff = both ? b->score - a->score : 0;
            bool flag = both && llabs(diff) * 100 >= (int64_t)THRESHOLD_PCT * ev.indicators[i].max_score;
            json_object_set_new(r, "diff", both ? json_integer(diff) : json_null());
            json_object_set_new(r, "flagged", json_boolean(flag));
            json_array_append_new(rows, r);
            et += a->has ? a->score : 0;
            stot += self ? b->score : 0;
            ecomplete = ecomplete && a->has;
            flagged = flagged || flag;
        }
        json_t *l = json_pack("{sI ss so ss ss si}", "unit_id", (json_int_t)u->unit_id, "unit_name", u->unit_name,
                              "rows", rows, "findings", u->findings, "self_note", u->self_note, "max_total", max_total);
        json_object_set_new(l, "evaluator_total", ecomplete ? json_integer(et) : json_null());
        json_object_set_new(l, "self_total", scomplete ? json_integer(stot) : json_null());
        json_object_set_new(l, "total_diff", ecomplete && scomplete ? json_integer(stot - et) : json_null());
        json_object_set_new(l, "self_at", u->self_at ? json_string(u->self_at) : json_null());
        json_object_set_new(l, "inspection_findings", inspection_findings(c, ev.wf.id, u->unit_id));
        json_object_set_new(l, "flagged", json_boolean(flagged));
        json_array_append_new(units, l);
    }
    json_t *head =
        json_pack("{sI ss ss ss ss ss ss}", "id", (json_int_t)ev.wf.id, "title", ev.wf.title, "state",
                  eval_state_name(ev.wf.state), "state_label", wf_state_label(&evaluation_workflow, ev.wf.state),
                  "office", ev.office_name, "period_start", ev.period_start, "period_end", ev.period_end);
    json_object_set_new(head, "evaluator", ev.evaluator_name ? json_string(ev.evaluator_name) : json_null());
    *out =
        json_pack("{sososiso}", "evaluation", head, "indicators", inds, "threshold_pct", THRESHOLD_PCT, "units", units);
    return ERR_OK;
}
