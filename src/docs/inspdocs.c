/*
 * inspdocs.c: the inspection's documents as PDF: the 督查结论 (addressed to the inspected units: the
 * conclusion, the problems with their responsible units and deadlines, the way to a review under Art. 17),
 * numbered 古政督〔年〕n号 and issued by the government's 督查室 with its seal when the conclusion was sealed;
 * and the 督查报告 to the principal leader (its saved or generated text).
 */
#include "docs/inspdocs.h"

#include "base/timeu.h"
#include "calendar/workdays.h"
#include "docs/pdf.h"
#include "docs/seal.h"
#include "inspections/inspections.h"

#include <string.h>

/* The 督查室 issues: its name, the government's principal as the one the report goes to. */
static void office_of(struct ctx *c, const struct insp_doc *d, json_t *sigs, struct doc_office *o)
{
    memset(o, 0, sizeof *o);
    /* the government's 督查室 issues and seals it */
    o->issuer = d->office_unit_name;
    o->header = arena_printf(c->arena, "%s文件", o->issuer);
    o->copy_to = "";
    o->contact = "";
    /* the office's seal over the conclusion, when it was sealed at issue */
    size_t n = json_array_size(sigs);
    if (n) {
        json_t *s = json_array_get(sigs, n - 1);
        o->seal = arena_alloc(c->arena, sizeof *o->seal);
        *o->seal = (struct doc_seal){
            json_string_value(json_object_get(s, "unit")), json_string_value(json_object_get(s, "signer")),
            json_string_value(json_object_get(s, "signed_at")), json_string_value(json_object_get(s, "fingerprint"))};
    }
}

enum err docs_inspection_pdf(struct ctx *c, int64_t id, bool report, struct buf *out)
{
    struct insp_doc d;
    enum err e = insp_doc_load(c, id, report, &d);
    if (e)
        return e;
    json_t *sigs = NULL;
    if (!report && (e = seal_signatures_of(c, "inspection", id, &sigs)))
        return e;
    struct doc_office office;
    office_of(c, &d, sigs, &office);
    struct doc_letter l = {0};
    const char **p;
    int np;
    const char *date;
    char today[11];
    if (report) {
        /* the draft's first line is its title and its last two the issuer and date: the letter sets those */
        np = doc_lines(c->arena, d.report_text, &p);
        int first = np && strstr(p[0], "报告") ? 1 : 0;
        int last = np;
        if (last - first >= 2 && !strcmp(p[last - 2], d.office_name))
            last -= 2;
        l = (struct doc_letter){"督查报告", NULL,      first ? p[0] : insp_report_title(c, d.subject),
                                "",         p + first, last - first};
        cal_format_date(time_local_day(c->now), today);
        date = today;
    } else {
        const char *targets = "";
        for (int i = 0; i < d.ntargets; i++)
            targets = arena_printf(c->arena, "%s%s%s", targets, i ? "、" : "", d.targets[i]);
        np = 0;
        p = arena_alloc(c->arena, sizeof *p * (size_t)(d.nfindings + 8));
        p[np++] = arena_printf(c->arena, "%s于%s至%s对你单位开展了%s（%s）。现将督查结论反馈如下：", d.office_name,
                               doc_date_cn(c->arena, d.start_date), doc_date_cn(c->arena, d.end_date), d.kind_label,
                               d.methods_label);
        p[np++] = "一、督查结论";
        p[np++] = d.conclusion_text;
        if (d.nfindings) {
            p[np++] = "二、发现的问题和整改要求";
            for (int i = 0; i < d.nfindings; i++)
                p[np++] = arena_printf(c->arena, "%d.%s", i + 1, d.findings[i]);
        }
        p[np++] = arena_printf(c->arena, "%s、有关要求", d.nfindings ? "三" : "二");
        p[np++] = arena_printf(
            c->arena,
            "请你单位对照督查发现的问题认真整改，按期将整改情况书面报送%s。对本督查结论有异议的，可以自收到"
            "之日起依照《政府督查工作条例》第十七条的规定申请复核。",
            d.office_unit_name);
        const char *title = insp_report_title(c, d.subject);
        title = arena_printf(c->arena, "%.*s的督查结论", (int)(strlen(title) - strlen("情况的报告")), title);
        l = (struct doc_letter){"督查结论", d.conclusion_number, title, targets, p, np};
        date = d.conclusion_date;
    }
    struct pdf_fonts fonts = {c->cfg->font_title, c->cfg->font_body, c->cfg->font_heading};
    bool ok = pdf_render_letter(&l, &office, date, &fonts, c->arena, out, NULL);
    json_decref(sigs);
    return ok ? ERR_OK : ctx_fail(c, ERR_INTERNAL, "生成 PDF 失败（请检查服务器是否安装了所需字体）");
}
