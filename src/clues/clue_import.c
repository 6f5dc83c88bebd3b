/*
 * clue_import.c: clues transferred from above (e.g. the State Council's 互联网+督查 platform) imported in
 * bulk from the XLSX or CSV file the platform exports, with their original numbers and the deadline of
 * the answer due above. All rows or none, in one transaction; a dry run checks and rolls back. The
 * columns are found by their Chinese headings (or the API names), in any order.
 */
#include "clues/clues_internal.h"

#include "base/buf.h"
#include "base/csv.h"
#include "base/utf8.h"
#include "base/xlsx.h"
#include "calendar/workdays.h"

#include <stdio.h>
#include <string.h>

enum col { C_ORIGIN, C_PLATFORM, C_CATEGORY, C_AREA, C_PLACE, C_DESC, C_DUE, C_RECEIVED, C_NAME, C_PHONE, C__N };

/* Each column's headings as platforms write them, then the API name. */
static const char *const headings[C__N][5] = {
    [C_ORIGIN] = {"原编号", "线索编号", "编号", "origin_number", NULL},
    [C_PLATFORM] = {"来源平台", "来源", "origin_platform", NULL},
    [C_CATEGORY] = {"问题类别", "类别", "问题类型", "category", NULL},
    [C_AREA] = {"所在地区", "地区", "被反映地区", "area", NULL},
    [C_PLACE] = {"具体地点", "地点", "place", NULL},
    [C_DESC] = {"问题描述", "反映内容", "主要内容", "description", NULL},
    [C_DUE] = {"办理时限", "办结时限", "反馈时限", "due_date", NULL},
    [C_RECEIVED] = {"转办日期", "交办日期", "received_on", NULL},
    [C_NAME] = {"反映人", "姓名", "name", NULL},
    [C_PHONE] = {"联系电话", "电话", "phone", NULL},
};

#define DEFAULT_PLATFORM "国务院“互联网+督查”平台"

struct import_args {
    const char *path;
    bool dry_run;
    const char *filename; /* the file's name, for the audit record (NULL: not given) */
    char ***rows;         /* the table: rows[0] is the heading */
    int *ncells, *row_no, nrows;
    json_t *created, *errors;
    int64_t office_id;
    const char *office_path;
};

static void row_error(struct import_args *x, int row, const char *msg)
{
    json_array_append_new(x->errors, json_pack("{si ss}", "row", row, "message", msg));
}

static const char *trim(struct ctx *c, const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    return arena_strndup(c->arena, s, n);
}

/* The category by its name or its label (or the label's beginning: 作风问题). */
static const char *category_of(const char *s)
{
    return *s ? clue_category_parse(s) : "other";
}

/* A government or township under the office by code, by name, or by name within the office's county. */
static int64_t area_of(struct ctx *c, struct import_args *x, const char *s)
{
    int64_t id = 0;
    db_one_int(c->db, &id,
               "SELECT id FROM units WHERE (code = ? OR name = ?) AND kind IN ('government', 'township') AND path >= ? "
               "AND path < ? ORDER BY depth LIMIT 1",
               DB_TEXT(s), DB_TEXT(s), DB_TEXT(x->office_path), DB_TEXT(perm_path_upper(c->arena, x->office_path)));
    if (!id) /* "城关镇" for "古城县城关镇人民政府" */
        db_one_int(c->db, &id,
                   "SELECT id FROM units WHERE name LIKE ? AND kind IN ('government', 'township') AND path >= ? "
                   "AND path < ? ORDER BY depth LIMIT 1",
                   DB_TEXT(arena_printf(c->arena, "%%%s%%", s)), DB_TEXT(x->office_path),
                   DB_TEXT(perm_path_upper(c->arena, x->office_path)));
    return id;
}

static enum err import_tx(struct ctx *c, void *arg)
{
    struct import_args *x = arg;
    json_array_clear(x->created); /* ctx_tx may run this again */
    json_array_clear(x->errors);
    int col[C__N];
    for (int k = 0; k < C__N; k++) {
        col[k] = -1;
        for (int i = 0; i < x->ncells[0] && col[k] < 0; i++)
            for (int h = 0; headings[k][h] && col[k] < 0; h++)
                if (!strcmp(trim(c, x->rows[0][i]), headings[k][h]))
                    col[k] = i;
    }
    if (col[C_ORIGIN] < 0 || col[C_AREA] < 0 || col[C_DESC] < 0 || col[C_DUE] < 0) {
        row_error(x, x->row_no[0],
                  "表头至少应有 原编号、所在地区、问题描述、办理时限 列（可选 来源平台、问题类别、具体地点、转办日期、"
                  "反映人、联系电话）");
        return ctx_fail(c, ERR_INVALID, "导入文件的表头不正确");
    }
    json_t *seen = json_object();
    for (int r = 1; r < x->nrows; r++) {
        int row = x->row_no[r];
#define COL(k) (col[k] >= 0 && col[k] < x->ncells[r] ? trim(c, x->rows[r][col[k]]) : "")
        bool blank = true;
        for (int i = 0; i < x->ncells[r]; i++)
            blank = blank && !*trim(c, x->rows[r][i]);
        if (blank)
            continue;
        const char *origin = COL(C_ORIGIN), *due_cell = COL(C_DUE), *recv_cell = COL(C_RECEIVED);
        char due[11] = "", recv[11] = "";
        const char *msg = NULL;
        if (!*origin || utf8_count(origin) > 60)
            msg = "原编号不能为空（最多 60 个字）";
        else if (json_object_get(seen, origin))
            msg = arena_printf(c->arena, "原编号 %s 在文件中重复", origin);
        else if (!xlsx_date(due_cell, due) || !cal_parse_date(due, &(int64_t){0}))
            msg = arena_printf(c->arena, "办理时限“%s”不是日期", due_cell);
        else if (*recv_cell && (!xlsx_date(recv_cell, recv) || !cal_parse_date(recv, &(int64_t){0})))
            msg = arena_printf(c->arena, "转办日期“%s”不是日期", recv_cell);
        int64_t dup = 0;
        if (!msg && !db_one_int(c->db, &dup, "SELECT id FROM clues WHERE office_unit_id = ? AND origin_number = ?",
                                DB_INT(x->office_id), DB_TEXT(origin)))
            msg = arena_printf(c->arena, "原编号 %s 的线索已经登记过", origin);
        const char *category = msg ? NULL : category_of(COL(C_CATEGORY));
        if (!msg && !category)
            msg = arena_printf(c->arena, "问题类别“%s”不存在", COL(C_CATEGORY));
        int64_t area = msg ? 0 : area_of(c, x, COL(C_AREA));
        if (!msg && !area)
            msg = arena_printf(c->arena, "所在地区“%s”不在本级政府辖区内", COL(C_AREA));
        if (msg) {
            row_error(x, row, msg);
            continue;
        }
        json_object_set_new(seen, origin, json_true());
        json_t *who = json_object();
        if (*COL(C_NAME))
            json_object_set_new(who, "name", json_string(COL(C_NAME)));
        if (*COL(C_PHONE))
            json_object_set_new(who, "phone", json_string(COL(C_PHONE)));
        struct clue_new n = {.category = category,
                             .description = COL(C_DESC),
                             .place = COL(C_PLACE),
                             .source = "transfer",
                             .origin_platform = *COL(C_PLATFORM) ? COL(C_PLATFORM) : DEFAULT_PLATFORM,
                             .origin_number = origin,
                             .origin_due_date = arena_strdup(c->arena, due),
                             .received_on = *recv ? arena_strdup(c->arena, recv) : NULL,
                             .area_unit_id = area,
                             .office_unit_id = x->office_id,
                             .anonymous = json_object_size(who) == 0,
                             .reporter = who};
        c->err = ERR_OK;
        enum err e = clue_check_new(c, &n);
        int64_t id = 0;
        if (!e)
            e = clue_insert(c, &n, NULL, &id, NULL);
        json_decref(who);
        if (e == ERR_INVALID || e == ERR_CONFLICT) {
            row_error(x, row, c->msg ? c->msg : "数据不符合要求");
            continue;
        }
        if (e) {
            json_decref(seen);
            return e;
        }
        const char *number = NULL;
        db_one_text(c->db, c->arena, &number, "SELECT number FROM clues WHERE id = ?", DB_INT(id));
        json_array_append_new(x->created, json_pack("{si sI ss ss ss so}", "row", row, "id", (json_int_t)id, "number",
                                                    number ? number : "", "origin_number", origin, "due_date", due,
                                                    "received_on", *recv ? json_string(recv) : json_null()));
#undef COL
    }
    json_decref(seen);
    if (json_array_size(x->errors))
        return ctx_fail(c, ERR_INVALID, "导入文件有 %zu 处错误，未导入任何线索", json_array_size(x->errors));
    if (!json_array_size(x->created))
        return ctx_fail(c, ERR_INVALID, "导入文件没有数据行");
    json_t *sum =
        json_pack("{so si si sb}", "filename", x->filename ? json_string(x->filename) : json_null(), "rows",
                  (int)json_array_size(x->created), "created", (int)json_array_size(x->created), "dry_run", x->dry_run);
    enum err e = audit_record(c, "clue.import", CLUE_KIND, 0, sum);
    json_decref(sum);
    if (!e && x->dry_run)
        return ERR_CONFLICT; /* roll back: a preview writes nothing */
    return e;
}

/* The table of the file: XLSX by its bytes (a ZIP), else CSV in UTF-8. */
static enum err read_table(struct ctx *c, struct import_args *x)
{
    FILE *f = fopen(x->path, "rb");
    if (!f)
        return ctx_fail(c, ERR_INTERNAL, "无法读取上传的文件");
    unsigned char sig[4] = {0};
    size_t got = fread(sig, 1, 4, f);
    bool zip = got == 4 && !memcmp(sig, "PK\3\4", 4);
    int cap = 64;
    x->rows = arena_alloc(c->arena, sizeof *x->rows * (size_t)cap);
    x->ncells = arena_alloc(c->arena, sizeof *x->ncells * (size_t)cap);
    x->row_no = arena_alloc(c->arena, sizeof *x->row_no * (size_t)cap);
    x->nrows = 0;
    if (zip) {
        fclose(f);
        struct xlsx_sheet s;
        char msg[200];
        if (xlsx_read(c->arena, x->path, &s, msg, sizeof msg))
            return ctx_fail(c, ERR_INVALID, "%s", msg);
        x->rows = arena_alloc(c->arena, sizeof *x->rows * (size_t)(s.nrows + 1));
        x->ncells = arena_alloc(c->arena, sizeof *x->ncells * (size_t)(s.nrows + 1));
        x->row_no = arena_alloc(c->arena, sizeof *x->row_no * (size_t)(s.nrows + 1));
        for (int i = 0; i < s.nrows; i++) {
            for (int k = 0; k < s.rows[i].ncells; k++)
                if (!utf8_valid(s.rows[i].cells[k], strlen(s.rows[i].cells[k])))
                    return ctx_fail(c, ERR_INVALID, "第 %d 行有不是 UTF-8 的文字", s.rows[i].number);
            x->rows[i] = s.rows[i].cells;
            x->ncells[i] = s.rows[i].ncells;
            x->row_no[i] = s.rows[i].number;
        }
        x->nrows = s.nrows;
    } else {
        struct buf b = {0};
        char chunk[65536];
        size_t n;
        fseek(f, 0, SEEK_SET);
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
            buf_append(&b, chunk, n);
        fclose(f);
        if (!b.len || !utf8_valid(b.data, b.len)) {
            buf_free(&b);
            return ctx_fail(c, ERR_MEDIA_TYPE, "请上传 XLSX 工作簿或 UTF-8 编码的 CSV 文件");
        }
        struct csv_reader r;
        csv_init(&r, b.data, b.len);
        char **fields;
        int nf;
        while ((nf = csv_next(&r, c->arena, &fields)) != 0) {
            if (nf < 0) {
                buf_free(&b);
                return ctx_fail(c, ERR_INVALID, "CSV 第 %d 行的引号未闭合", r.line);
            }
            if (x->nrows == cap) {
                char ***nr = arena_alloc(c->arena, sizeof *nr * (size_t)cap * 2);
                int *nc = arena_alloc(c->arena, sizeof *nc * (size_t)cap * 2);
                int *nn = arena_alloc(c->arena, sizeof *nn * (size_t)cap * 2);
                memcpy(nr, x->rows, sizeof *nr * (size_t)cap);
                memcpy(nc, x->ncells, sizeof *nc * (size_t)cap);
                memcpy(nn, x->row_no, sizeof *nn * (size_t)cap);
                x->rows = nr;
                x->ncells = nc;
                x->row_no = nn;
                cap *= 2;
            }
            x->rows[x->nrows] = fields;
            x->ncells[x->nrows] = nf;
            x->row_no[x->nrows] = x->nrows + 1; /* the row a spreadsheet shows the CSV in */
            x->nrows++;
        }
        buf_free(&b);
    }
    if (x->nrows < 1)
        return ctx_fail(c, ERR_INVALID, "导入文件是空的");
    return ERR_OK;
}

enum err clues_import(struct ctx *c, const char *path, bool dry_run, const char *filename, json_t **report)
{
    struct import_args x = {
        .path = path, .dry_run = dry_run, .filename = filename, .created = json_array(), .errors = json_array()};
    /* the office: where the user sorts clues (the first such grant) */
    const struct grant *g = NULL;
    for (int i = 0; c->user && i < c->user->ngrants && !g; i++)
        if (perm_grant_has(&c->user->grants[i], CAP_CLUE_MANAGE))
            g = &c->user->grants[i];
    enum err e = ERR_OK;
    if (!g && c->user)
        e = ctx_fail(c, ERR_FORBIDDEN, "只有督查室可以导入上级转办的线索");
    if (!e && g) {
        x.office_id = g->unit_id;
        x.office_path = g->unit_path;
        e = perm_require(c, CAP_CLUE_MANAGE, x.office_path, CLUE_WHAT);
    }
    if (!e)
        e = read_table(c, &x);
    if (!e)
        e = ctx_tx(c, "导入上级转办线索", import_tx, &x);
    if (dry_run && e == ERR_CONFLICT && !json_array_size(x.errors)) {
        e = ERR_OK;
        c->err = ERR_OK;
        c->msg = NULL;
    }
    bool ok = e == ERR_OK;
    if (dry_run) { /* a preview's ids and numbers were rolled back: do not show them */
        size_t i;
        json_t *v;
        json_array_foreach(x.created, i, v)
        {
            json_object_del(v, "id");
            json_object_del(v, "number");
        }
    }
    *report =
        json_pack("{sb si so so}", "dry_run", dry_run, "created", ok && !dry_run ? (int)json_array_size(x.created) : 0,
                  "clues", ok ? x.created : (json_decref(x.created), json_array()), "errors", x.errors);
    return e;
}
