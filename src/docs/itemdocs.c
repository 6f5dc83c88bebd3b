/*
 * itemdocs.c: documents of supervision items, built on the items module's public functions (which
 * check permissions): the item's notice, reminder and record as PDF, and the helpers the other
 * item document files share (itemdocs_internal.h).
 */
#include "docs/itemdocs_internal.h"

#include "calendar/calendar.h"
#include "deadlines/deadlines.h"
#include "docs/seal.h"

#include <string.h>
#include <sys/stat.h>
#include <time.h>

const char *itemdocs_today(struct ctx *c)
{
    time_t t = (time_t)c->now;
    struct tm tm;
    localtime_r(&t, &tm);
    return arena_printf(c->arena, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

struct pdf_fonts itemdocs_fonts(struct ctx *c)
{
    return (struct pdf_fonts){c->cfg->font_title, c->cfg->font_body, c->cfg->font_heading};
}

enum err itemdocs_office_of(struct ctx *c, int64_t office_unit_id, struct doc_office *o)
{
    memset(o, 0, sizeof *o);
    struct stmt *st = db_query(c->db,
                               "SELECT u.name, u.contact, u.phone, p.name, p.kind, u.kind FROM units u "
                               "LEFT JOIN units p ON p.id = u.parent_id WHERE u.id = ?",
                               DB_INT(office_unit_id));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取发文机关");
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        const char *name = stmt_text(st, 0), *pkind = stmt_text(st, 4), *kind = stmt_text(st, 5);
        if (!strcmp(kind, "government")) /* the government itself registered it */
            o->issuer = arena_printf(c->arena, "%s办公室", name);
        else if (!strcmp(kind, "office") && pkind && !strcmp(pkind, "government")) /* its 督查室 */
            o->issuer = arena_printf(c->arena, "%s办公室", stmt_text(st, 3));
        else
            o->issuer = arena_strdup(c->arena, name);
        const char *contact = stmt_text(st, 1), *phone = stmt_text(st, 2);
        if ((contact && *contact) || (phone && *phone))
            o->contact = arena_printf(c->arena, "%s　%s　%s", name, contact ? contact : "", phone ? phone : "");
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取发文机关");
    if (!o->issuer)
        o->issuer = "";
    o->header = arena_printf(c->arena, "%s文件", o->issuer);
    o->copy_to = "";
    return ERR_OK;
}

void item_docs_free(struct item_docs *d)
{
    json_decref(d->item);
    json_decref(d->events);
    json_decref(d->reports);
    json_decref(d->sigs);
}

/* "2026年12月2日" of a day number (arena). */
static const char *day_cn(struct arena *a, int64_t day)
{
    char iso[11];
    cal_format_date(day, iso);
    return doc_date_cn(a, arena_strdup(a, iso));
}

enum err itemdocs_notice_of(struct ctx *c, const struct item_docs *d, struct doc_item *out)
{
    *out = d->doc;
    struct deadline_rule *rules;
    size_t n;
    struct calendar cal;
    enum err e = deadlines_rules_load(c, &rules, &n);
    if (e || (e = calendar_load(c, &cal)))
        return e;
    struct deadline_facts f = {jv_str(d->item, "source_kind"), jv_str(d->item, "importance"), jv_str(d->item, "kind"),
                               0};
    const char *until = jv_str(d->item, "due_date");
    if (until)
        cal_parse_date(until, &f.until);
    int64_t start;
    if (!cal_parse_date(*out->assigned_at ? out->assigned_at : itemdocs_today(c), &start))
        return ERR_OK;
    struct deadline_due due[DEADLINES_MAX];
    int ndue = deadlines_compute(&cal, rules, n, &f, start, due, DEADLINES_MAX);
    static const struct {
        enum ms_kind kind;
        const char *what;
    } parts[] = {
        {MS_RECEIPT, "签收"},
        {MS_DEPLOYMENT, "研究部署"},
        {MS_FIRST_FEEDBACK, "书面反馈阶段性进展"},
        {MS_IMPL_REPORT, "报告贯彻落实情况"},
        {MS_PERIODIC, "报告进展"},
        {MS_HANDLING_REPORT, "向交办单位报告办理情况"}, /* "办结后20日内": the completion starts it */
    };
    const char *s = "";
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        const struct deadline_rule *r = deadlines_rule_for(rules, n, &f, parts[i].kind);
        if (!r)
            continue;
        const char *after = r->base >= 0                  ? arena_printf(c->arena, "%s后", ms_kind_label(r->base))
                            : parts[i].kind == MS_RECEIPT ? "收到本通知后"
                                                          : "";
        const char *on = "";
        for (int k = 0; k < ndue && r->base < 0 && parts[i].kind != MS_PERIODIC; k++)
            if (due[k].kind == parts[i].kind)
                on = arena_printf(c->arena, "（%s前）", day_cn(c->arena, due[k].due));
        s = arena_printf(c->arena, "%s%s%s%s%s%s", s, *s ? "，" : "", after, deadlines_limit_text(c->arena, r), on,
                         parts[i].what);
    }
    out->limits = s;
    const struct deadline_rule *r = deadlines_rule_for(rules, n, &f, MS_RESOLUTION);
    for (int k = 0; k < ndue && r && r->base < 0; k++)
        if (due[k].kind == MS_RESOLUTION)
            out->resolution_rule =
                due[k].due == due[k].rule_due
                    ? arena_printf(c->arena, "交办后%s", deadlines_limit_text(c->arena, r))
                    : arena_printf(c->arena, "本通知注明的办理期限；规则时限为交办后%s，即%s前",
                                   deadlines_limit_text(c->arena, r), day_cn(c->arena, due[k].rule_due));
    return ERR_OK;
}

enum err item_docs_load(struct ctx *c, int64_t id, struct item_docs *d)
{
    memset(d, 0, sizeof *d);
    enum err e = items_get(c, id, &d->item);
    if (!e)
        e = items_events(c, id, &d->events);
    if (!e)
        e = items_reports(c, id, &d->reports);
    if (!e)
        e = seal_signatures_of(c, "item", id, &d->sigs);
    if (e)
        return e;
    doc_item_from_items(c->arena, d->item, d->events, d->reports, d->sigs, itemdocs_today(c), &d->doc);
    d->office_unit_id = json_integer_value(json_object_get(d->item, "office_unit_id"));
    if ((e = itemdocs_office_of(c, d->office_unit_id, &d->office)))
        return e;
    const char *leader = json_string_value(json_object_get(d->item, "leader_name"));
    if (leader && *leader)
        d->office.copy_to = arena_printf(c->arena, "%s同志", leader);
    return ERR_OK;
}

enum err itemdocs_render(struct ctx *c, const struct pdf_job *job, struct buf *out)
{
    if (!pdf_render(job, c->arena, out, NULL))
        return ctx_fail(c, ERR_INTERNAL, "生成 PDF 失败（请检查服务器是否安装了所需字体）");
    return ERR_OK;
}

const char *itemdocs_data_subdir(struct ctx *c, const char *sub)
{
    const char *dir = arena_printf(c->arena, "%s/%s", c->cfg->data_dir, sub);
    mkdir(c->cfg->data_dir, 0750);
    mkdir(dir, 0750);
    return dir;
}

enum err docs_item_pdf(struct ctx *c, int64_t item_id, enum doc_kind kind, struct buf *out)
{
    struct item_docs d;
    enum err e = item_docs_load(c, item_id, &d);
    if (!e && kind == DOC_NOTICE && !*d.doc.assigned_at && !json_is_string(json_object_get(d.item, "number")))
        e = ctx_fail(c, ERR_CONFLICT, "督办事项尚未编号，不能生成督办通知");
    struct doc_item notice;
    if (!e && kind == DOC_NOTICE)
        e = itemdocs_notice_of(c, &d, &notice);
    if (!e) {
        struct pdf_job job = {.kind = kind,
                              .office = &d.office,
                              .item = kind == DOC_NOTICE ? &notice : &d.doc,
                              .fonts = itemdocs_fonts(c)};
        job.date = kind == DOC_NOTICE && *d.doc.assigned_at ? d.doc.assigned_at : itemdocs_today(c);
        e = itemdocs_render(c, &job, out);
    }
    item_docs_free(&d);
    return e;
}
