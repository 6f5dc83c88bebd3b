/*
 * field.c: on the ground (DOMAIN.md §6): field records (when, where, what was seen, whom the team talked
 * to), photos and videos as evidence, and the third-party evaluations of the engaged evaluators.
 *
 * Records and the original evidence are the team's working papers: the team and the office side read
 * them, nobody else. Evidence is stored twice, content-addressed under {data_dir}/evidence: the
 * original with its EXIF location and time (the team's proof of where the problem was seen) and a copy
 * without them (base/media.c), which is what anyone else — the inspected unit above all — downloads.
 */
#include "inspections/insp_internal.h"

#include "audit/audit.h"
#include "base/blob.h"
#include "base/timeu.h"
#include "base/utf8.h"
#include "crypto/hash.h"
#include "base/media.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const struct jv_field insp_record_spec[] = {
    {"seen_at", JV_INSTANT, 0, 0, 0},
    {"place", JV_STRING, JV_REQUIRED, 1, 200},
    {"seen", JV_STRING, JV_REQUIRED, 1, 8000},
    {"interviewees", JV_STRING, 0, 0, 2000},
    {"unit_id", JV_INT, 0, 1, INT64_MAX},
    {"location", JV_OBJECT, 0, 0, 0},
    {NULL, 0, 0, 0, 0},
};

const struct jv_field insp_evaluation_spec[] = {
    {"summary", JV_STRING, JV_REQUIRED, 2, 20000},
    {"score", JV_INT, 0, 0, 100},
    {NULL, 0, 0, 0, 0},
};

/* The team and the office side: who reads the working papers. */
static bool inside(struct ctx *c, const struct insp *it)
{
    return !c->user || perm_at(c->user, CAP_INSP_READ, it->office_path) || insp_on_team(it, c->user->id);
}

/* A coordinate to 1e-7 degree (about a centimetre; more than any phone measures): stored as a REAL, it reads
 * back the same from every backend and through a copy between them (SQLite prints 15 digits). */
static double coord(double v)
{
    return round(v * 1e7) / 1e7;
}

/* ---- records ---- */

struct record_args {
    int64_t id, rid;
    const json_t *body;
};

static enum err record_tx(struct ctx *c, void *arg)
{
    struct record_args *x = arg;
    const json_t *b = x->body;
    struct insp it;
    enum err e = insp_load_visible(c, x->id, &it);
    if (e)
        return e;
    if (!insp_field_allowed(c, &it))
        return ctx_fail(c, ERR_FORBIDDEN, "只有督查组成员或督查室可以记录现场情况");
    if (it.state != INSP_ST_IN_PROGRESS)
        return ctx_fail(c, ERR_CONFLICT, "督查「%s」，不能再记录现场情况（只在督查实施中记录）",
                        insp_state_label(it.state));
    c->acting = c->user ? perm_grant_at(c->user, CAP_INSP_FIELD, it.office_path) : NULL;
    if (c->user && !c->acting)
        c->acting = perm_grant_at(c->user, CAP_INSP_MANAGE, it.office_path);
    int64_t unit = jv_int(b, "unit_id", 0);
    if (unit) {
        bool ok = false;
        for (int i = 0; i < it.ntargets; i++)
            ok = ok || it.targets[i].unit_id == unit;
        if (!ok)
            return ctx_fail(c, ERR_INVALID, "现场记录的单位（unit_id）应为本次督查的对象");
    }
    double lat = NAN, lon = NAN;
    const json_t *loc = json_object_get(b, "location");
    if (loc) {
        json_t *la = json_object_get(loc, "lat"), *lo = json_object_get(loc, "lon");
        if (!json_is_number(la) || !json_is_number(lo) || json_object_size(loc) != 2)
            return ctx_fail(c, ERR_INVALID, "位置（location）应为 {\"lat\": 纬度, \"lon\": 经度}");
        lat = json_number_value(la);
        lon = json_number_value(lo);
        if (lat < -90 || lat > 90 || lon < -180 || lon > 180)
            return ctx_fail(c, ERR_INVALID, "位置（location）的经纬度超出范围");
        lat = coord(lat);
        lon = coord(lon);
    }
    char at[21];
    time_format_iso(c->now, at);
    const char *seen_at = jv_str(b, "seen_at") ? jv_str(b, "seen_at") : at;
    e = db_one_int(c->db, &x->rid,
                   "INSERT INTO insp_records (inspection_id, unit_id, seen_at, place, seen, interviewees, lat, lon, "
                   "author_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                   DB_INT(it.id), DB_INT_IF(unit, unit), DB_TEXT(seen_at), DB_TEXT(jv_str(b, "place")),
                   DB_TEXT(jv_str(b, "seen")), DB_TEXT(jv_str(b, "interviewees") ? jv_str(b, "interviewees") : ""),
                   isnan(lat) ? DB_NULL : DB_REAL(lat), isnan(lon) ? DB_NULL : DB_REAL(lon),
                   DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "保存现场记录");
    json_t *data =
        json_pack("{sI ss ss}", "record_id", (json_int_t)x->rid, "place", jv_str(b, "place"), "seen_at", seen_at);
    e = insp_event(c, "inspection", it.id, "record", "record", NULL, NULL, 0, unit, jv_str(b, "place"), data);
    if (!e)
        e = audit_record(c, "inspection.record", "inspection", it.id, data);
    json_decref(data);
    return e;
}

static json_t *record_json(struct stmt *st)
{
    return json_pack("{sI so ss ss ss ss so ss ss}", "id", (json_int_t)stmt_int(st, 0), "unit_id",
                     stmt_is_null(st, 1) ? json_null() : json_integer(stmt_int(st, 1)), "seen_at", stmt_text(st, 2),
                     "place", stmt_text(st, 3), "seen", stmt_text(st, 4), "interviewees", stmt_text(st, 5), "location",
                     stmt_is_null(st, 6) ? json_null()
                                         : json_pack("{sf sf}", "lat", stmt_double(st, 6), "lon", stmt_double(st, 7)),
                     "author", stmt_text(st, 8), "created_at", stmt_text(st, 9));
}

#define RECORD_SQL                                                                                                     \
    "SELECT r.id, r.unit_id, r.seen_at, r.place, r.seen, r.interviewees, r.lat, r.lon, COALESCE(u.name, ''), "         \
    "r.created_at FROM insp_records r LEFT JOIN users u ON u.id = r.author_id "

enum err insp_record_add(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    struct record_args x = {id, 0, body};
    enum err e = ctx_tx(c, "记录现场情况", record_tx, &x);
    if (e)
        return e;
    struct stmt *st = db_query(c->db, RECORD_SQL "WHERE r.id = ?", DB_INT(x.rid));
    if (!st || stmt_step(st) != STORE_ROW) {
        if (st)
            stmt_done(st);
        return ctx_store_fail(c, STORE_E_OTHER, "读取现场记录");
    }
    *out = record_json(st);
    stmt_done(st);
    return ERR_OK;
}

enum err insp_records(struct ctx *c, int64_t id, json_t **out)
{
    struct insp it;
    enum err e = insp_load_visible(c, id, &it);
    if (e)
        return e;
    if (!inside(c, &it))
        return ctx_fail(c, ERR_FORBIDDEN, "现场记录是督查组的工作底稿，仅供督查组和督查机构查看");
    struct stmt *st = db_query(c->db, RECORD_SQL "WHERE r.inspection_id = ? ORDER BY r.seen_at, r.id", DB_INT(id));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取现场记录");
    json_t *arr = json_array();
    while (stmt_step(st) == STORE_ROW)
        json_array_append_new(arr, record_json(st));
    stmt_done(st);
    *out = json_pack("{so}", "records", arr);
    return ERR_OK;
}

/* ---- evidence ---- */

static const char *evidence_dir(struct ctx *c)
{
    return arena_printf(c->arena, "%s/evidence", c->cfg->data_dir);
}

static const char *media_type(enum media_kind k, const char *name)
{
    const char *dot = strrchr(name, '.');
    switch (k) {
    case MEDIA_JPEG:
        return "image/jpeg";
    case MEDIA_PNG:
        return "image/png";
    case MEDIA_MP4:
        return dot && !strcasecmp(dot, ".mov") ? "video/quicktime" : "video/mp4";
    case MEDIA_UNKNOWN:
        break;
    }
    return "application/octet-stream";
}

/* A file name safe to store and to send back: its last component, valid UTF-8, no control characters. */
static enum err clean_name(struct ctx *c, const char *filename, const char **out)
{
    if (!filename || !*filename)
        return ctx_fail(c, ERR_INVALID, "请提供文件名（multipart 的 filename 或 ?filename=）");
    const char *base = strrchr(filename, '/');
    base = base ? base + 1 : filename;
    const char *bs = strrchr(base, '\\');
    base = bs ? bs + 1 : base;
    size_t bl = strlen(base);
    if (!bl || bl > 255 || !utf8_valid(base, bl) || utf8_count(base) > 120)
        return ctx_fail(c, ERR_INVALID, "文件名无效或过长（最多 120 个字符）");
    for (const unsigned char *p = (const unsigned char *)base; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '"')
            return ctx_fail(c, ERR_INVALID, "文件名不能包含控制字符或引号");
    *out = base;
    return ERR_OK;
}

struct evidence_args {
    int64_t id, record_id, task_id, eid;
    const char *filename, *type, *hash, *clean_hash, *taken;
    size_t size, clean_size;
    bool located;
    double lat, lon;
};

static enum err evidence_tx(struct ctx *c, void *arg)
{
    struct evidence_args *x = arg;
    struct insp it;
    enum err e = insp_load_visible(c, x->id, &it);
    if (e)
        return e;
    if (x->task_id) {
        /* evidence of a rectification: the responsible unit or the office, while the task runs */
        struct rect r;
        if (rect_load(c, x->task_id, &r) || r.inspection_id != it.id || !perm_item_visible(c->user, &r.scope))
            return ctx_fail(c, ERR_INVALID, "整改任务（task_id）不属于该督查");
        if (c->user && !perm_at(c->user, CAP_INSP_MANAGE, it.office_path) &&
            !perm_at(c->user, CAP_RECT_HANDLE, r.unit_path))
            return ctx_fail(c, ERR_FORBIDDEN, "只有整改责任单位或督查室可以上传整改证据");
        if (r.state == RECT_ST_VERIFIED || r.state == RECT_ST_WITHDRAWN)
            return ctx_fail(c, ERR_CONFLICT, "整改任务已%s，不能再上传证据", wf_state_label(&rect_workflow, r.state));
        c->acting = c->user ? perm_grant_at(c->user, CAP_RECT_HANDLE, r.unit_path) : NULL;
        if (c->user && !c->acting)
            c->acting = perm_grant_at(c->user, CAP_INSP_MANAGE, it.office_path);
    } else {
        if (!insp_field_allowed(c, &it))
            return ctx_fail(c, ERR_FORBIDDEN, "只有督查组成员或督查室可以上传督查证据");
        if (it.state != INSP_ST_IN_PROGRESS && it.state != INSP_ST_FINDINGS_SUBMITTED)
            return ctx_fail(c, ERR_CONFLICT, "督查「%s」，不能再上传现场证据", insp_state_label(it.state));
        c->acting = c->user ? perm_grant_at(c->user, CAP_INSP_FIELD, it.office_path) : NULL;
        if (c->user && !c->acting)
            c->acting = perm_grant_at(c->user, CAP_INSP_MANAGE, it.office_path);
    }
    if (x->record_id) {
        int64_t one = 0;
        if (db_one_int(c->db, &one, "SELECT 1 FROM insp_records WHERE id = ? AND inspection_id = ?",
                       DB_INT(x->record_id), DB_INT(it.id)))
            return ctx_fail(c, ERR_INVALID, "现场记录（record_id）不属于该督查");
    }
    char at[21];
    time_format_iso(c->now, at);
    e = db_one_int(c->db, &x->eid,
                   "INSERT INTO insp_evidence (inspection_id, record_id, task_id, filename, content_type, size, hash, "
                   "clean_hash, clean_size, lat, lon, taken_at, created_by, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                   DB_INT(it.id), DB_INT_IF(x->record_id, x->record_id), DB_INT_IF(x->task_id, x->task_id),
                   DB_TEXT(x->filename), DB_TEXT(x->type), DB_INT((int64_t)x->size), DB_TEXT(x->hash),
                   DB_TEXT(x->clean_hash), DB_INT((int64_t)x->clean_size), x->located ? DB_REAL(x->lat) : DB_NULL,
                   x->located ? DB_REAL(x->lon) : DB_NULL, DB_TEXT(x->taken),
                   DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "保存证据");
    json_t *data = json_pack("{sI ss sI ss sb}", "evidence_id", (json_int_t)x->eid, "filename", x->filename, "size",
                             (json_int_t)x->size, "sm3", x->hash, "located", x->located);
    const char *type = x->task_id ? "rectification" : "inspection";
    int64_t oid = x->task_id ? x->task_id : it.id;
    e = insp_event(c, type, oid, "evidence", "evidence", NULL, NULL, 0, 0, x->filename, data);
    if (!e)
        e = audit_record(c, arena_printf(c->arena, "%s.evidence", type), type, oid, data);
    json_decref(data);
    return e;
}

static json_t *evidence_json(struct ctx *c, struct stmt *st, bool inner)
{
    int64_t id = stmt_int(st, 0);
    json_t *j = json_pack("{sI so so ss ss sI ss ss ss}", "id", (json_int_t)id, "record_id",
                          stmt_is_null(st, 1) ? json_null() : json_integer(stmt_int(st, 1)), "task_id",
                          stmt_is_null(st, 2) ? json_null() : json_integer(stmt_int(st, 2)), "filename",
                          stmt_text(st, 3), "content_type", stmt_text(st, 4), "size",
                          (json_int_t)stmt_int(st, inner ? 5 : 6), "created_by", stmt_text(st, 10), "created_at",
                          stmt_text(st, 11), "url", arena_printf(c->arena, "/api/v1/evidence/%" PRId64, id));
    if (inner) {
        json_object_set_new(j, "location",
                            stmt_is_null(st, 7)
                                ? json_null()
                                : json_pack("{sf sf}", "lat", stmt_double(st, 7), "lon", stmt_double(st, 8)));
        json_object_set_new(j, "taken_at", stmt_is_null(st, 9) ? json_null() : json_string(stmt_text(st, 9)));
        json_object_set_new(j, "clean_url",
                            json_string(arena_printf(c->arena, "/api/v1/evidence/%" PRId64 "?variant=clean", id)));
    }
    return j;
}

#define EVIDENCE_SQL                                                                                                   \
    "SELECT e.id, e.record_id, e.task_id, e.filename, e.content_type, e.size, e.clean_size, e.lat, e.lon, "            \
    "e.taken_at, "                                                                                                     \
    "COALESCE(u.name, ''), e.created_at FROM insp_evidence e LEFT JOIN users u ON u.id = e.created_by "

/* The spooled upload's bytes (malloc'd; the caller frees). */
static unsigned char *read_upload(const char *path, int64_t size)
{
    FILE *f = path ? fopen(path, "rb") : NULL;
    unsigned char *data = f ? malloc((size_t)size) : NULL;
    bool ok = data && fread(data, 1, (size_t)size, f) == (size_t)size;
    if (f)
        fclose(f);
    if (!ok) {
        free(data);
        return NULL;
    }
    return data;
}

enum err insp_evidence_add(struct ctx *c, int64_t id, int64_t record_id, int64_t task_id, const char *filename,
                           const char *path, int64_t size, json_t **out)
{
    struct evidence_args x = {.id = id, .record_id = record_id, .task_id = task_id};
    enum err e = clean_name(c, filename, &x.filename);
    if (e)
        return e;
    if (size <= 0)
        return ctx_fail(c, ERR_INVALID, "文件内容为空");
    if (size > c->cfg->upload_limit)
        return ctx_fail(c, ERR_TOO_LARGE, "文件超过上限（%" PRId64 " 字节）", c->cfg->upload_limit);
    /* visibility first: nothing is read or written for an inspection the user may not see */
    struct insp it;
    if ((e = insp_load_visible(c, id, &it)))
        return e;
    unsigned char *data = read_upload(path, size);
    if (!data)
        return ctx_fail(c, ERR_INTERNAL, "无法读取上传的文件");
    size_t n = (size_t)size;
    enum media_kind kind = media_sniff(data, n);
    if (kind == MEDIA_UNKNOWN) {
        free(data);
        return ctx_fail(c, ERR_MEDIA_TYPE, "督查证据只接受照片（JPEG、PNG）和视频（MP4、MOV）");
    }
    struct media_meta meta;
    unsigned char *clean = malloc(n);
    if (!clean) {
        free(data);
        return ctx_fail(c, ERR_INTERNAL, "内存不足");
    }
    size_t cn = media_meta(data, n, &meta) ? media_strip(data, n, clean) : 0;
    if (!cn) {
        free(clean);
        free(data);
        return ctx_fail(c, ERR_MEDIA_TYPE, "文件已损坏或格式不正确，无法作为督查证据");
    }
    char hash[65], chash[65];
    const char *dir = evidence_dir(c);
    bool ok = sm3_hex(data, n, hash) && sm3_hex(clean, cn, chash) && blob_store(dir, hash, data, n) &&
              blob_store(dir, chash, clean, cn);
    free(clean);
    free(data);
    if (!ok)
        return ctx_fail(c, ERR_INTERNAL, "无法保存证据：数据目录不可写");
    x.type = media_type(kind, x.filename);
    x.hash = hash;
    x.clean_hash = chash;
    x.size = n;
    x.clean_size = cn;
    x.located = meta.has_location;
    x.lat = coord(meta.lat);
    x.lon = coord(meta.lon);
    x.taken = *meta.taken ? arena_strdup(c->arena, meta.taken) : NULL;
    if ((e = ctx_tx(c, "上传证据", evidence_tx, &x)))
        return e;
    struct stmt *st = db_query(c->db, EVIDENCE_SQL "WHERE e.id = ?", DB_INT(x.eid));
    if (!st || stmt_step(st) != STORE_ROW) {
        if (st)
            stmt_done(st);
        return ctx_store_fail(c, STORE_E_OTHER, "读取证据");
    }
    *out = evidence_json(c, st, inside(c, &it));
    stmt_done(st);
    return ERR_OK;
}

enum err insp_evidence_list(struct ctx *c, int64_t id, json_t **out)
{
    struct insp it;
    enum err e = insp_load_visible(c, id, &it);
    if (e)
        return e;
    if (!inside(c, &it))
        return ctx_fail(c, ERR_FORBIDDEN, "现场证据是督查组的工作底稿，仅供督查组和督查机构查看");
    struct stmt *st = db_query(c->db, EVIDENCE_SQL "WHERE e.inspection_id = ? ORDER BY e.id", DB_INT(id));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取证据");
    json_t *arr = json_array();
    while (stmt_step(st) == STORE_ROW)
        json_array_append_new(arr, evidence_json(c, st, true));
    stmt_done(st);
    *out = json_pack("{so}", "evidence", arr);
    return ERR_OK;
}

enum err insp_evidence_file(struct ctx *c, int64_t eid, bool want_clean, const char **path, const char **filename,
                            const char **content_type)
{
    int64_t insp_id = 0, task_id = 0;
    const char *hash = NULL, *chash = NULL;
    struct stmt *st = db_query(c->db,
                               "SELECT inspection_id, COALESCE(task_id, 0), filename, content_type, hash, clean_hash "
                               "FROM insp_evidence WHERE id = ?",
                               DB_INT(eid));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取证据");
    if (stmt_step(st) == STORE_ROW) {
        insp_id = stmt_int(st, 0);
        task_id = stmt_int(st, 1);
        *filename = insp_col(c, st, 2);
        *content_type = insp_col(c, st, 3);
        hash = insp_col(c, st, 4);
        chash = insp_col(c, st, 5);
    }
    stmt_done(st);
    struct insp it;
    if (!insp_id || insp_load(c, insp_id, &it))
        return ctx_fail(c, ERR_NOT_FOUND, "证据不存在或无权查看");
    bool in = perm_item_visible(c->user, &it.scope) && inside(c, &it);
    if (!in) {
        /* outside the team: only a rectification's evidence, to those who see the task, cleaned */
        struct rect r;
        if (!task_id || rect_load(c, task_id, &r) || !perm_item_visible(c->user, &r.scope))
            return ctx_fail(c, ERR_NOT_FOUND, "证据不存在或无权查看");
    }
    char buf[4096];
    if (!blob_path(evidence_dir(c), in && !want_clean ? hash : chash, buf, sizeof buf))
        return ctx_fail(c, ERR_INTERNAL, "证据路径过长");
    *path = arena_strdup(c->arena, buf);
    return ERR_OK;
}

/* ---- third-party evaluations ---- */

/* The engaged evaluator unit the user works for, 0 when none. */
static int64_t engaged_unit(struct ctx *c, const struct insp *it)
{
    for (int i = 0; c->user && i < it->nteam; i++) {
        const struct insp_member *m = &it->team[i];
        if (!strcmp(m->role, "evaluator") && m->unit_id) {
            int64_t one = 0;
            if (!db_one_int(c->db, &one,
                            "SELECT 1 FROM user_roles WHERE user_id = ? AND unit_id = ? AND role = 'evaluator'",
                            DB_INT(c->user->id), DB_INT(m->unit_id)) &&
                one)
                return m->unit_id;
        }
    }
    return 0;
}

struct eval_args {
    int64_t id, eid;
    const json_t *body;
};

static enum err eval_tx(struct ctx *c, void *arg)
{
    struct eval_args *x = arg;
    struct insp it;
    enum err e = insp_load_visible(c, x->id, &it);
    if (e)
        return e;
    int64_t unit = engaged_unit(c, &it);
    if (!unit || !perm_any(c->user, CAP_INSP_EVALUATE))
        return ctx_fail(c, ERR_FORBIDDEN, "只有受委托的第三方评估机构可以提交评估报告");
    if (it.state != INSP_ST_IN_PROGRESS && it.state != INSP_ST_FINDINGS_SUBMITTED)
        return ctx_fail(c, ERR_CONFLICT, "督查「%s」，不能再提交评估报告", insp_state_label(it.state));
    for (int i = 0; i < c->user->ngrants; i++)
        if (c->user->grants[i].unit_id == unit)
            c->acting = &c->user->grants[i];
    char at[21];
    time_format_iso(c->now, at);
    json_t *score = json_object_get(x->body, "score");
    e = db_one_int(c->db, &x->eid,
                   "INSERT INTO insp_evaluations (inspection_id, unit_id, author_id, summary, score, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                   DB_INT(it.id), DB_INT(unit), DB_INT(c->user->id), DB_TEXT(jv_str(x->body, "summary")),
                   DB_INT_IF(json_is_integer(score), json_integer_value(score)), DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "保存评估报告");
    json_t *data = json_pack("{sI sI}", "evaluation_id", (json_int_t)x->eid, "unit_id", (json_int_t)unit);
    e = insp_event(c, "inspection", it.id, "evaluation", "evaluate", NULL, NULL, 0, unit, "提交第三方评估报告", data);
    if (!e)
        e = audit_record(c, "inspection.evaluate", "inspection", it.id, data);
    json_decref(data);
    return e ? e : insp_sync(c, &insp_workflow, it.id);
}

static json_t *evaluation_json(struct stmt *st)
{
    return json_pack("{sI sI ss ss ss so ss}", "id", (json_int_t)stmt_int(st, 0), "unit_id",
                     (json_int_t)stmt_int(st, 1), "unit_name", stmt_text(st, 2), "author", stmt_text(st, 3), "summary",
                     stmt_text(st, 4), "score", stmt_is_null(st, 5) ? json_null() : json_integer(stmt_int(st, 5)),
                     "created_at", stmt_text(st, 6));
}

#define EVAL_SQL                                                                                                       \
    "SELECT v.id, v.unit_id, u.name, COALESCE(us.name, ''), v.summary, v.score, v.created_at FROM insp_evaluations v " \
    "JOIN units u ON u.id = v.unit_id LEFT JOIN users us ON us.id = v.author_id "

enum err insp_evaluation_add(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    struct eval_args x = {id, 0, body};
    enum err e = ctx_tx(c, "提交评估报告", eval_tx, &x);
    if (e)
        return e;
    struct stmt *st = db_query(c->db, EVAL_SQL "WHERE v.id = ?", DB_INT(x.eid));
    if (!st || stmt_step(st) != STORE_ROW) {
        if (st)
            stmt_done(st);
        return ctx_store_fail(c, STORE_E_OTHER, "读取评估报告");
    }
    *out = evaluation_json(st);
    stmt_done(st);
    return ERR_OK;
}

enum err insp_evaluations(struct ctx *c, int64_t id, json_t **out)
{
    struct insp it;
    enum err e = insp_load_visible(c, id, &it);
    if (e)
        return e;
    int64_t mine = engaged_unit(c, &it);
    if (!inside(c, &it) && !mine)
        return ctx_fail(c, ERR_FORBIDDEN, "第三方评估报告仅供督查组、督查机构和评估机构本身查看");
    struct stmt *st = db_query(c->db, EVAL_SQL "WHERE v.inspection_id = ? AND (? = 0 OR v.unit_id = ?) ORDER BY v.id",
                               DB_INT(id), DB_INT(inside(c, &it) ? 0 : mine), DB_INT(mine));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取评估报告");
    json_t *arr = json_array();
    while (stmt_step(st) == STORE_ROW)
        json_array_append_new(arr, evaluation_json(st));
    stmt_done(st);
    *out = json_pack("{so}", "evaluations", arr);
    return ERR_OK;
}

enum err rect_evidence_add(struct ctx *c, int64_t task_id, const char *filename, const char *path, int64_t size,
                           json_t **out)
{
    struct rect r;
    if (rect_load(c, task_id, &r) || !perm_item_visible(c->user, &r.scope))
        return ctx_fail(c, ERR_NOT_FOUND, "整改任务不存在或无权查看");
    return insp_evidence_add(c, r.inspection_id, 0, task_id, filename, path, size, out);
}
