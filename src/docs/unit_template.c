/*
 * unit_template.c: the workbook offered for importing units (单位导入模板.xlsx): the import's Chinese
 * headings with two example rows under the user's own unit, and a sheet that says how to fill each
 * column. What units_import reads is what this writes: the headings come from units_import_headings.
 */
#include "docs/itemdocs.h"

#include "docs/itemdocs_internal.h"
#include "units/units.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

/* What each heading means, in the order of units_import_headings. */
static const char *const notes[] = {
    "必填。字母、数字和 - _ .，全系统唯一；已存在的代码将更新该单位，新代码将新建单位",
    "必填。单位全称，如“古城县交通运输局”",
    "必填。人民政府、部门、乡镇（街道）、督查机构 或 外部机构（也可填 政府、乡镇、街道、督查室）",
    "与“上级单位”二选一。上级单位的代码",
    "与“上级单位代码”二选一。上级单位的名称或代码；上级须已存在或在本表中排在前面",
    "选填。主要负责人姓名",
    "选填。联系人（联络员）姓名",
    "选填。联系电话",
    "选填。本单位作为发文机关时的编号前缀，如“古督”",
    "选填。同级单位的排列顺序，0 到 1000000 的整数",
};

enum err docs_units_template(struct ctx *c, const char **path)
{
    const char *dir = itemdocs_data_subdir(c, "tmp");
    char *tmpl = arena_printf(c->arena, "%s/units-XXXXXX.xlsx", dir);
    int fd = mkstemps(tmpl, 5);
    if (fd < 0)
        return ctx_fail(c, ERR_INTERNAL, "生成模板失败：无法在数据目录创建临时文件");
    close(fd);
    /* the example rows sit under the unit where the user administers units */
    const char *parent = "";
    for (int i = 0; c->user && i < c->user->ngrants; i++)
        if (perm_grant_has(&c->user->grants[i], CAP_UNIT_WRITE)) {
            db_one_text(c->db, c->arena, &parent, "SELECT name FROM units WHERE id = ?",
                        DB_INT(c->user->grants[i].unit_id));
            break;
        }
    lxw_workbook *wb = workbook_new(tmpl);
    lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, "单位") : NULL;
    lxw_worksheet *help = wb ? workbook_add_worksheet(wb, "填写说明") : NULL;
    if (!ws || !help) {
        if (wb)
            workbook_close(wb);
        unlink(tmpl);
        return ctx_fail(c, ERR_INTERNAL, "生成模板失败");
    }
    lxw_format *head = workbook_add_format(wb);
    format_set_bold(head);
    format_set_bg_color(head, 0xDDEBF7);
    lxw_format *text = workbook_add_format(wb);
    format_set_num_format(text, "@"); /* codes and phones stay text */
    const char *example[2][10] = {
        {"gc-example-1", "示例单位一（导入前请删除本行）", "部门", "", parent, "张三", "李四", "0351-1234567", "",
         "10"},
        {"gc-example-2", "示例单位二（导入前请删除本行）", "乡镇（街道）", "", parent, "王五", "赵六", "13800000000",
         "", "20"},
    };
    for (int k = 0; units_import_headings(k); k++) {
        worksheet_write_string(ws, 0, (lxw_col_t)k, units_import_headings(k), head);
        worksheet_set_column(ws, (lxw_col_t)k, (lxw_col_t)k, k == 1 || k == 4 ? 30 : 14, text);
        for (int r = 0; r < 2; r++)
            worksheet_write_string(ws, (lxw_row_t)(r + 1), (lxw_col_t)k, example[r][k], text);
        worksheet_write_string(help, (lxw_row_t)(k + 1), 0, units_import_headings(k), NULL);
        worksheet_write_string(help, (lxw_row_t)(k + 1), 1, notes[k], NULL);
    }
    worksheet_freeze_panes(ws, 1, 0);
    worksheet_write_string(help, 0, 0, "列", head);
    worksheet_write_string(help, 0, 1, "填写要求（只导入第一个工作表“单位”；全部正确才导入，有错误时逐行列出）", head);
    worksheet_set_column(help, 0, 0, 14, NULL);
    worksheet_set_column(help, 1, 1, 90, NULL);
    if (workbook_close(wb) != LXW_NO_ERROR) {
        unlink(tmpl);
        return ctx_fail(c, ERR_INTERNAL, "生成模板失败");
    }
    *path = tmpl;
    return ERR_OK;
}
