/*
 * evaldocs.c: a third-party evaluation's 对表分析 as XLSX (see evaldocs.h).
 */
#include "docs/evaldocs.h"

#include "docs/itemdocs_internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

static void cell_int(lxw_worksheet *ws, lxw_row_t r, lxw_col_t col, const json_t *v, lxw_format *f)
{
    if (json_is_integer(v))
        worksheet_write_number(ws, r, col, (double)json_integer_value(v), f);
    else
        worksheet_write_string(ws, r, col, "—", f);
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void compare_sheet(lxw_workbook *wb, const json_t *cmp, lxw_format *head, lxw_format *flag, lxw_format *bold,
                          lxw_format *wrap)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, "对表分析");
    const json_t *ev = json_object_get(cmp, "evaluation");
    worksheet_write_string(ws, 0, 0, str(ev, "title"), bold);
    char line[512];
    snprintf(line, sizeof line, "委托：%s　评估机构：%s　评估期：%s 至 %s　状态：%s　差值达满分 %lld%% 的标红",
             str(ev, "office"), str(ev, "evaluator"), str(ev, "period_start"), str(ev, "period_end"),
             str(ev, "state_label"), (long long)json_integer_value(json_object_get(cmp, "threshold_pct")));
    worksheet_write_string(ws, 1, 0, line, NULL);
    static const char *const cols[] = {"单位",       "指标",    "满分", "第三方评分", "单位自评", "差值（自评−第三方）",
                                       "第三方说明", "自评说明"};
    for (int k = 0; k < 8; k++)
        worksheet_write_string(ws, 3, (lxw_col_t)k, cols[k], head);
    worksheet_set_column(ws, 0, 0, 22, NULL);
    worksheet_set_column(ws, 1, 1, 24, NULL);
    worksheet_set_column(ws, 2, 5, 11, NULL);
    worksheet_set_column(ws, 6, 7, 36, wrap);
    worksheet_freeze_panes(ws, 4, 2);
    lxw_row_t r = 4;
    size_t i, k;
    const json_t *u, *row;
    json_array_foreach(json_object_get(cmp, "units"), i, u)
    {
        json_array_foreach(json_object_get(u, "rows"), k, row)
        {
            lxw_format *f = json_is_true(json_object_get(row, "flagged")) ? flag : NULL;
            worksheet_write_string(ws, r, 0, str(u, "unit_name"), NULL);
            worksheet_write_string(ws, r, 1, str(row, "name"), NULL);
            cell_int(ws, r, 2, json_object_get(row, "max_score"), NULL);
            cell_int(ws, r, 3, json_object_get(row, "evaluator"), f);
            cell_int(ws, r, 4, json_object_get(row, "self"), f);
            cell_int(ws, r, 5, json_object_get(row, "diff"), f);
            worksheet_write_string(ws, r, 6, str(row, "evaluator_comment"), wrap);
            worksheet_write_string(ws, r, 7, str(row, "self_comment"), wrap);
            r++;
        }
        worksheet_write_string(ws, r, 0, str(u, "unit_name"), bold);
        worksheet_write_string(ws, r, 1, "合计", bold);
        cell_int(ws, r, 2, json_object_get(u, "max_total"), bold);
        cell_int(ws, r, 3, json_object_get(u, "evaluator_total"), bold);
        cell_int(ws, r, 4, json_object_get(u, "self_total"), bold);
        cell_int(ws, r, 5, json_object_get(u, "total_diff"), bold);
        r += 2;
    }
}

static void findings_sheet(lxw_workbook *wb, const json_t *cmp, lxw_format *head, lxw_format *wrap)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, "评估发现与督查发现");
    static const char *const cols[] = {"单位", "第三方评估发现", "单位自评说明", "督查发现的问题（已下发）"};
    for (int k = 0; k < 4; k++)
        worksheet_write_string(ws, 0, (lxw_col_t)k, cols[k], head);
    worksheet_set_column(ws, 0, 0, 22, NULL);
    worksheet_set_column(ws, 1, 3, 48, wrap);
    size_t i, k;
    const json_t *u, *f;
    json_array_foreach(json_object_get(cmp, "units"), i, u)
    {
        lxw_row_t r = (lxw_row_t)(i + 1);
        worksheet_write_string(ws, r, 0, str(u, "unit_name"), NULL);
        worksheet_write_string(ws, r, 1, str(u, "findings"), wrap);
        worksheet_write_string(ws, r, 2, str(u, "self_note"), wrap);
        size_t len = 1;
        json_array_foreach(json_object_get(u, "inspection_findings"), k, f) len +=
            strlen(str(f, "number")) + strlen(str(f, "title")) + strlen(str(f, "detail")) + 16;
        char *text = calloc(1, len);
        json_array_foreach(json_object_get(u, "inspection_findings"), k, f)
        {
            if (!text)
                break;
            size_t at = strlen(text);
            snprintf(text + at, len - at, "%s%s %s：%s", k ? "\n" : "", str(f, "number"), str(f, "title"),
                     str(f, "detail"));
        }
        worksheet_write_string(ws, r, 3, text ? text : "", wrap);
        free(text);
    }
}

enum err docs_evaluation_xlsx(struct ctx *c, const json_t *compare, const char **path)
{
    const char *dir = itemdocs_data_subdir(c, "tmp");
    char *tmpl = arena_printf(c->arena, "%s/evaluation-XXXXXX.xlsx", dir);
    int fd = mkstemps(tmpl, 5);
    if (fd < 0)
        return ctx_fail(c, ERR_INTERNAL, "导出失败：无法在数据目录创建临时文件");
    close(fd);
    lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = (char *)dir};
    lxw_workbook *wb = workbook_new_opt(tmpl, &opt);
    if (!wb) {
        unlink(tmpl);
        return ctx_fail(c, ERR_INTERNAL, "导出失败：无法创建 XLSX");
    }
    lxw_format *head = workbook_add_format(wb);
    format_set_bold(head);
    format_set_bg_color(head, 0xD9E1F2);
    format_set_border(head, LXW_BORDER_THIN);
    lxw_format *flag = workbook_add_format(wb);
    format_set_bg_color(flag, 0xF8CBAD);
    format_set_font_color(flag, 0x9C0006);
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    lxw_format *wrap = workbook_add_format(wb);
    format_set_text_wrap(wrap);
    format_set_align(wrap, LXW_ALIGN_VERTICAL_TOP);
    compare_sheet(wb, compare, head, flag, bold, wrap);
    findings_sheet(wb, compare, head, wrap);
    if (workbook_close(wb) != LXW_NO_ERROR) {
        unlink(tmpl);
        return ctx_fail(c, ERR_INTERNAL, "导出失败：写入 XLSX 失败");
    }
    *path = tmpl;
    return ERR_OK;
}
