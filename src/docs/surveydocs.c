/*
 * surveydocs.c: a survey's results as XLSX (see surveydocs.h).
 */
#include "docs/surveydocs.h"

#include "docs/itemdocs_internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

static void summary_sheet(lxw_workbook *wb, const json_t *results, lxw_format *head, lxw_format *pct)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, "结果汇总");
    worksheet_set_column(ws, 0, 0, 8, NULL);
    worksheet_set_column(ws, 1, 1, 40, NULL);
    worksheet_set_column(ws, 2, 2, 30, NULL);
    worksheet_set_column(ws, 3, 4, 10, NULL);
    const json_t *sv = json_object_get(results, "survey");
    worksheet_write_string(ws, 0, 0, json_string_value(json_object_get(sv, "title")), head);
    worksheet_write_string(ws, 1, 0, "答卷数", NULL);
    worksheet_write_number(ws, 1, 1, (double)json_integer_value(json_object_get(results, "responses")), NULL);
    static const char *const cols[] = {"题号", "题目", "选项 / 分值", "人数", "占比"};
    for (int k = 0; k < 5; k++)
        worksheet_write_string(ws, 3, (lxw_col_t)k, cols[k], head);
    lxw_row_t row = 4;
    size_t i;
    const json_t *q;
    json_array_foreach(json_object_get(results, "questions"), i, q)
    {
        double answered = (double)json_integer_value(json_object_get(q, "answered"));
        worksheet_write_number(ws, row, 0, (double)(i + 1), NULL);
        worksheet_write_string(ws, row, 1, json_string_value(json_object_get(q, "text")), NULL);
        const json_t *counts = json_object_get(q, "counts");
        if (!counts)
            counts = json_object_get(q, "scale");
        size_t k;
        const json_t *cnt;
        json_array_foreach(counts, k, cnt)
        {
            const json_t *label = json_object_get(cnt, "label");
            if (label)
                worksheet_write_string(ws, row, 2, json_string_value(label), NULL);
            else
                worksheet_write_number(ws, row, 2, (double)json_integer_value(json_object_get(cnt, "value")), NULL);
            double n = (double)json_integer_value(json_object_get(cnt, "count"));
            worksheet_write_number(ws, row, 3, n, NULL);
            if (answered > 0)
                worksheet_write_number(ws, row, 4, n / answered, pct);
            row++;
        }
        const json_t *avg = json_object_get(q, "average");
        if (json_is_number(avg)) {
            worksheet_write_string(ws, row, 2, "平均分", NULL);
            worksheet_write_number(ws, row, 3, json_number_value(avg), NULL);
            row++;
        }
        if (json_object_get(q, "texts")) {
            worksheet_write_string(ws, row, 2, "填写人数（内容见“答卷”）", NULL);
            worksheet_write_number(ws, row, 3, answered, NULL);
            row++;
        }
        row++;
    }
}

static void sheets_sheet(lxw_workbook *wb, const json_t *sheets, lxw_format *head, lxw_format *wrap)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, "答卷");
    worksheet_write_string(ws, 0, 0, "序号", head);
    worksheet_write_string(ws, 0, 1, "日期", head);
    worksheet_set_column(ws, 1, 1, 12, NULL);
    size_t i;
    const json_t *q;
    json_array_foreach(json_object_get(sheets, "questions"), i, q)
    {
        worksheet_write_string(ws, 0, (lxw_col_t)(i + 2), json_string_value(json_object_get(q, "text")), head);
        worksheet_set_column(ws, (lxw_col_t)(i + 2), (lxw_col_t)(i + 2), 24, wrap);
    }
    worksheet_freeze_panes(ws, 1, 2);
    const json_t *sh;
    json_array_foreach(json_object_get(sheets, "sheets"), i, sh)
    {
        lxw_row_t row = (lxw_row_t)(i + 1);
        worksheet_write_number(ws, row, 0, (double)(i + 1), NULL);
        worksheet_write_string(ws, row, 1, json_string_value(json_object_get(sh, "day")), NULL);
        size_t k;
        const json_t *cell;
        json_array_foreach(json_object_get(sh, "answers"), k, cell)
            worksheet_write_string(ws, row, (lxw_col_t)(k + 2), json_string_value(cell), NULL);
    }
}

enum err docs_survey_xlsx(struct ctx *c, const json_t *results, const json_t *sheets, const char **path)
{
    const char *dir = itemdocs_data_subdir(c, "tmp");
    char *tmpl = arena_printf(c->arena, "%s/survey-XXXXXX.xlsx", dir);
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
    lxw_format *pct = workbook_add_format(wb);
    format_set_num_format(pct, "0.0%");
    lxw_format *wrap = workbook_add_format(wb);
    format_set_text_wrap(wrap);
    summary_sheet(wb, results, head, pct);
    sheets_sheet(wb, sheets, head, wrap);
    if (workbook_close(wb) != LXW_NO_ERROR) {
        unlink(tmpl);
        return ctx_fail(c, ERR_INTERNAL, "导出失败：写入 XLSX 失败");
    }
    *path = tmpl;
    return ERR_OK;
}
