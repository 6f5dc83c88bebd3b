/*
 * bulletin_workflow.c: the workflow of a bulletin (督查通报) for the engine: the office drafts it from
 * the data and edits its words, the principal leader approves or returns it, the office issues it —
 * numbered, sealed with the office's seal, the figures counted once more first (a difference refuses
 * the submission or the issue: the words were written against other numbers). The units it names (the
 * overdue ranking as the document lists it, the praise and criticism it carries) are its parts and are told
 * when it is issued; the units right below its scope, to which it is issued, are told too (tell_addressees).
 */
#include "results/results_internal.h"

#include "base/check.h"
#include "base/timeu.h"
#include "base/utf8.h"
#include "core/counter.h"
#include "core/hooks.h"
#include "notify/notify.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const struct wf_name states[BUL_ST__COUNT] = {
    [BUL_ST_DRAFT] = {"draft", "草稿", "Draft"},
    [BUL_ST_PENDING] = {"pending", "待主要领导审批", "Awaiting the principal leader"},
    [BUL_ST_APPROVED] = {"approved", "已批准待印发", "Approved"},
    [BUL_ST_ISSUED] = {"issued", "已印发", "Issued"},
    [BUL_ST_WITHDRAWN] = {"withdrawn", "已撤销", "Withdrawn"},
};

static const struct wf_name actions[BUL_ACT__COUNT] = {
    [BUL_ACT_SUBMIT] = {"submit", "报主要领导审批", "Submit for approval"},
    [BUL_ACT_APPROVE] = {"approve", "批准", "Approve"},
    [BUL_ACT_RETURN] = {"return", "退回修改", "Return"},
    [BUL_ACT_REOPEN] = {"reopen", "撤回修改", "Reopen the draft"},
    [BUL_ACT_ISSUE] = {"issue", "印发", "Issue"},
    [BUL_ACT_WITHDRAW] = {"withdraw", "撤销", "Withdraw"},
};

static const struct wf_field fields[] = {{"reason", true, "需要填写理由（reason）"}};
/* The kind of the document: each kind's to-dos say its own word (督查通报 / 督查专报 / 督查简报). */
enum { BUL_COND_BULLETIN = 1, BUL_COND_SPECIAL, BUL_COND_BRIEFING, BUL_COND__COUNT };
static const struct wf_cond conds[BUL_COND__COUNT] = {
    [BUL_COND_BULLETIN] = {"bulletin", "只有督查通报"},
    [BUL_COND_SPECIAL] = {"special_report", "只有督查专报"},
    [BUL_COND_BRIEFING] = {"briefing", "只有督查简报"},
};

/* clang-format off */
#define T(from, act, to, cap, role, fl, rec) {BUL_ST_##from, BUL_ACT_##act, BUL_ST_##to, WF_OBJECT, cap, role, fl, 0, 0, 0, rec}
#define ANY WF_ANY_ROLE
static const struct wf_row rows[] = {
    T(DRAFT, SUBMIT, PENDING, CAP_RESULT_DRAFT, ANY, 0, "the figures counted again (409 if the data changed); submitted"),
    T(PENDING, APPROVE, APPROVED, CAP_RESULT_APPROVE, ROLE_PRINCIPAL, 0, "the principal leader's approval: who and when"),
    T(PENDING, RETURN, DRAFT, CAP_RESULT_APPROVE, ROLE_PRINCIPAL, BUL_F_REASON, "reason for returning"),
    T(APPROVED, REOPEN, DRAFT, CAP_RESULT_DRAFT, ANY, BUL_F_REASON, "reason (e.g. the data changed): back to the draft"),
    T(APPROVED, ISSUE, ISSUED, CAP_RESULT_DRAFT, ANY, 0, "figures counted again (409 if changed); the number of its kind (古督通/古督专〔年〕n号, 简报 第n期); the office's seal; the units named are told; the heads of the units right below its scope (主送) too, in one statement"),
    T(DRAFT, WITHDRAW, WITHDRAWN, CAP_RESULT_DRAFT, ANY, BUL_F_REASON, "reason"),
    T(PENDING, WITHDRAW, WITHDRAWN, CAP_RESULT_DRAFT, ANY, BUL_F_REASON, "reason"),
};
#define HOME(role) {role, WF_AT_HOME, 0, false}
#define OBJW(st, k, task, label, en, act, who) {-1, BUL_ST_##st, BUL_COND_##k, task, label, BUL_ACT_##act, {who}, 1, en}
static const struct wf_wait waits[] = {
    OBJW(DRAFT, BULLETIN, "submit", "通报草稿待报批", "Submit the draft bulletin", SUBMIT, HOME(ROLE_OFFICE)),
    OBJW(DRAFT, SPECIAL, "submit_special_report", "督查专报草稿待报批", "Submit the draft special report", SUBMIT, HOME(ROLE_OFFICE)),
    OBJW(DRAFT, BRIEFING, "submit_briefing", "督查简报草稿待报批", "Submit the draft briefing", SUBMIT, HOME(ROLE_OFFICE)),
    OBJW(PENDING, BULLETIN, "approve", "通报待主要领导审批", "Approve the bulletin", APPROVE, HOME(ROLE_PRINCIPAL)),
    OBJW(PENDING, SPECIAL, "approve_special_report", "督查专报待主要领导审批", "Approve the special report", APPROVE, HOME(ROLE_PRINCIPAL)),
    OBJW(PENDING, BRIEFING, "approve_briefing", "督查简报待主要领导审批", "Approve the briefing", APPROVE, HOME(ROLE_PRINCIPAL)),
    OBJW(APPROVED, BULLETIN, "issue", "通报已批准待印发", "Issue the bulletin", ISSUE, HOME(ROLE_OFFICE)),
    OBJW(APPROVED, SPECIAL, "issue_special_report", "督查专报已批准待印发", "Issue the special report", ISSUE, HOME(ROLE_OFFICE)),
    OBJW(APPROVED, BRIEFING, "issue_briefing", "督查简报已批准待印发", "Issue the briefing", ISSUE, HOME(ROLE_OFFICE)),
};
static const struct wf_inform informs[] = {
    {BUL_ACT_ISSUE, WF_INFORM_EACH_PART, {ROLE_HEAD, WF_AT_PART, 0, false},
     "named in the bulletin: its overdue items and rank, or its praise or criticism"},
};
/* clang-format on */
#undef T
#undef ANY

/* ---- hooks ---- */

/* The units a bulletin names are its parts only once issued (then their heads hear of it). */
static bool phase(int s)
{
    return s == BUL_ST_ISSUED;
}

static bool cond(struct ctx *c, struct wf_obj *o, int k)
{
    (void)c;
    enum bulletin_kind kind = bulletin_of(o)->kind;
    switch (k) {
    case BUL_COND_BULLETIN:
        return kind == BUL_KIND_BULLETIN;
    case BUL_COND_SPECIAL:
        return kind == BUL_KIND_SPECIAL;
    case BUL_COND_BRIEFING:
        return kind == BUL_KIND_BRIEFING;
    default:
        return ALWAYS(0);
    }
}

/* The timeline, the audit record and a concurrent change's refusal say the document's kind (督查专报 …). */
static enum err save(struct wf_act *a)
{
    const struct bulletin *b = bulletin_of(a->obj);
    json_object_set_new(a->data, "kind", json_string(bulletin_kind_name(b->kind)));
    json_object_set_new(a->data, "kind_label", json_string(bulletin_kind_label(b->kind)));
    return res_save_state(a, &bulletin_table, a->obj->version, bulletin_kind_label(b->kind));
}

static enum err load(struct ctx *c, int64_t id, bool waits_too, struct wf_obj **out)
{
    (void)waits_too;
    struct bulletin *b = arena_alloc(c->arena, sizeof *b);
    enum err e = bulletin_load(c, id, b);
    *out = &b->wf;
    return e;
}

/* The units named hear it in the bulletin's words: their overdue items and rank, or their praise or
 * criticism. */
static void notice(struct wf_act *a, const struct wf_wait *w, const struct wf_inform *f, const struct wf_part *p,
                   struct notice *n)
{
    struct ctx *c = a->c;
    const struct bulletin *b = bulletin_of(a->obj);
    if (w) /* a to-do: the engine's words name this document's kind (the workflow's varieties) */
        return;
    if (a->action != BUL_ACT_ISSUE || !f || !p)
        return;
    n->subject = arena_printf(c->arena, "【%s】%s《%s》", bulletin_kind_label(b->kind), b->number ? b->number : "",
                              utf8_inner_title(c->arena, b->title));
    const char *what = "";
    /* the kind's short word: 通报 (as the bulletins always said), 简报 (a special report names nobody) */
    const char *word = b->kind == BUL_KIND_BRIEFING ? "简报" : b->kind == BUL_KIND_SPECIAL ? "专报" : "通报";
    for (int i = 0; i < b->nlisted; i++) /* read with the parts: no figures parsed per unit */
        if (b->listed[i][0] == p->unit_id)
            what = arena_printf(c->arena, "截至%s，贵单位超期未办结督办事项 %lld 件，在%s中排第 %lld 位。",
                                b->as_of ? b->as_of : "", (long long)b->listed[i][2], word, (long long)b->listed[i][1]);
    struct stmt *st = db_query(c->db,
                               "SELECT r.kind, r.title FROM bulletin_results br JOIN results r ON r.id = br.result_id "
                               "WHERE br.bulletin_id = ? AND r.unit_id = ? ORDER BY br.pos",
                               DB_INT(b->id), DB_INT(p->unit_id));
    while (st && stmt_step(st) == STORE_ROW)
        what = arena_printf(c->arena, "%s贵单位在%s中被%s（%s）。", what, word,
                            !strcmp(stmt_text(st, 0), "praise") ? "表扬" : "批评", stmt_text(st, 1));
    stmt_done(st);
    n->body = arena_printf(c->arena, "%s已印发《%s》。%s请登录系统查阅%s全文。", b->office_name,
                           utf8_inner_title(c->arena, b->title), what, word);
}

static enum err ids(struct ctx *c, int64_t after, int limit, int64_t *out, int *n)
{
    return res_ids(c, &bulletin_table, "'draft', 'pending', 'approved'", after, limit, out, n);
}

/* ---- effects ---- */

/* The figures counted again must be those the words were written against. */
static enum err recheck(struct wf_act *a, const char *then)
{
    struct ctx *c = a->c;
    const struct bulletin *b = bulletin_of(a->obj);
    json_t *now = NULL, *was = json_loads(b->figures_text, 0, NULL);
    enum err e = bulletin_count_all(c, b->home_path, b->below, b->scope_path, b->period_from, b->period_to,
                                    b->warning_section, &now);
    const char *diff = e ? NULL : bulletin_figures_diff(c, was, now);
    json_decref(was);
    json_decref(now);
    if (!e && diff)
        e = ctx_fail(c, ERR_CONFLICT, "通报数据已变化：%s。%s", diff, then);
    return e;
}

static enum err submit(struct wf_act *a)
{
    return recheck(a, "请刷新数据（refresh）并核对文字后再报批");
}

static enum err approve(struct wf_act *a)
{
    return res_approve(a, &bulletin_table);
}

/* The number of its kind, each on its own series per office and year: 古督通〔2026〕3号 (the bulletins'
 * counter as before), 古督专〔2026〕1号, and a briefing's issue 第5期. */
static enum err number(struct ctx *c, struct bulletin *b, int *year, int64_t *seq)
{
    if (b->kind == BUL_KIND_SPECIAL)
        return res_number(c, b->home_path, b->office_unit_id, "special_report", "专", &b->number, year, seq);
    if (b->kind != BUL_KIND_BRIEFING)
        return res_number(c, b->home_path, b->office_unit_id, "bulletin", "通", &b->number, year, seq);
    char today[11];
    result_today(c, today);
    *year = atoi(today);
    enum err e = counter_next(c, arena_printf(c->arena, "briefing:%" PRId64 ":%d", b->office_unit_id, *year), seq);
    if (!e)
        b->number = arena_printf(c->arena, "第%" PRId64 "期", *seq);
    return e;
}

/* At issue the document goes to its lists' units when it has lists (主送, 抄送: tell_list), else to its addressees,
 * the units right below its scope (a county's departments and
 * townships; a province's cities and departments), which pass it on to theirs (吉林 五、; 古县 三(五)「通报结果…抄送
 * …各乡镇及县直各单位」): their heads are told in one statement, whatever their number; a unit the bulletin names is
 * told in its own words by the engine instead (its parts). A special report goes to the leaders only. */
/* The heads of the units of one of its lists (cc: 抄送, else 主送) that it does not name, in one statement. */
static enum err tell_list(struct ctx *c, const struct bulletin *b, bool cc)
{
    int64_t *ids = arena_alloc(c->arena, sizeof *ids * (size_t)(b->nrecips + 1));
    int n = 0;
    for (int i = 0; i < b->nrecips; i++) {
        bool named = false;
        for (int j = 0; j < b->wf.nparts && !named; j++)
            named = b->wf.parts[j].unit_id == b->recips[i].unit_id;
        if (b->recips[i].cc == cc && !named)
            ids[n++] = b->recips[i].unit_id;
    }
    if (!n)
        return ERR_OK;
    const char *word = b->kind == BUL_KIND_BRIEFING ? "简报" : "通报";
    const char *title = utf8_inner_title(c->arena, b->title);
    struct notice nt = {
        .kind = MSG_RESULT,
        .subject = arena_printf(c->arena, "【%s】%s《%s》", bulletin_kind_label(b->kind), b->number, title),
        .body = cc ? arena_printf(c->arena, "%s已印发《%s》，抄送贵单位。请登录系统查阅%s全文。", b->office_name, title,
                                  word)
                   : arena_printf(c->arena, "%s已印发《%s》，主送%s。请登录系统查阅%s全文，传达到所属单位并抓好落实。",
                                  b->office_name, title, b->addressees, word),
        .object_type = "bulletin",
        .object_id = b->id,
        .link = arena_printf(c->arena, "/bulletins/%lld", (long long)b->id)};
    return notify_role_units(c, role_name(ROLE_HEAD), ids, n, &nt);
}

static enum err tell_addressees(struct ctx *c, const struct bulletin *b)
{
    if (b->kind == BUL_KIND_SPECIAL)
        return ERR_OK;
    if (b->nrecips) { /* its lists: exactly the units chosen, 主送 then 抄送 */
        enum err e = tell_list(c, b, false);
        return e ? e : tell_list(c, b, true);
    }
    struct stmt *st = db_query(c->db,
                               "SELECT u.id FROM units u WHERE u.parent_id = ? AND u.kind IN ('government', "
                               "'department', 'township') ORDER BY u.sort, u.path",
                               DB_INT(b->scope_unit_id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取通报主送单位");
    int64_t *ids = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        int64_t id = stmt_int(st, 0);
        bool named = false;
        for (int i = 0; i < b->wf.nparts && !named; i++)
            named = b->wf.parts[i].unit_id == id;
        if (named)
            continue;
        ids = res_grow(c, ids, n, &cap, sizeof *ids, 32);
        ids[n++] = id;
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取通报主送单位");
    const char *word = b->kind == BUL_KIND_BRIEFING ? "简报" : "通报";
    struct notice nt = {.kind = MSG_RESULT,
                        .subject = arena_printf(c->arena, "【%s】%s《%s》", bulletin_kind_label(b->kind), b->number,
                                                utf8_inner_title(c->arena, b->title)),
                        .body = arena_printf(c->arena,
                                             "%s已印发《%s》，主送%s。请登录系统查阅%s全文，传达到所属单位并抓好落实。",
                                             b->office_name, utf8_inner_title(c->arena, b->title), b->addressees, word),
                        .object_type = "bulletin",
                        .object_id = b->id,
                        .link = arena_printf(c->arena, "/bulletins/%lld", (long long)b->id)};
    return notify_role_units(c, role_name(ROLE_HEAD), ids, n, &nt);
}

/* issue: counted again, numbered, dated, sealed with the office's seal over what was issued; the addressees told. */
static enum err issue(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct bulletin *b = bulletin_of(a->obj);
    enum err e = recheck(a, "请撤回修改（reopen）、刷新数据后重新报批");
    if (e)
        return e;
    int year;
    int64_t seq;
    char at[21], today[11];
    time_format_iso(c->now, at);
    result_today(c, today);
    if ((e = number(c, b, &year, &seq)))
        return e;
    e = db_exec(c->db,
                "UPDATE bulletins SET number = ?, num_year = ?, num_seq = ?, issued_at = ?, issued_on = ? WHERE id = ?",
                DB_TEXT(b->number), DB_INT(year), DB_INT(seq), DB_TEXT(at), DB_TEXT(today), DB_INT(b->id));
    if (e)
        return ctx_db_fail(c, e, "印发通报");
    b->wf.number = b->number;
    json_object_set_new(a->data, "number", json_string(b->number));
    json_t *canon =
        json_pack("{sI ss ss ss ss ss ss ss ss ss so}", "bulletin_id", (json_int_t)b->id, "kind",
                  bulletin_kind_name(b->kind), "number", b->number, "title", b->title, "addressees", b->addressees,
                  "intro", b->intro, "remarks", b->remarks, "period_from", b->period_from, "period_to", b->period_to,
                  "issued_on", today, "figures", json_loads(b->figures_text, 0, NULL));
    if (canon && b->nrecips) { /* its lists are part of what was issued */
        json_t *cc = json_array();
        for (int i = 0; i < b->nrecips; i++)
            if (b->recips[i].cc)
                json_array_append_new(cc, json_string(b->recips[i].name));
        json_object_set_new(canon, "cc", cc);
    }
    char *text = canon ? json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(canon);
    if (!text)
        return ctx_fail(c, ERR_INTERNAL, "通报内容无法加盖印章");
    e = hooks_seal_issue(c, &(struct doc_issue){"bulletin", b->id, b->office_unit_id, text});
    free(text);
    return e ? e : tell_addressees(c, b);
}

const struct wf_effect bulletin_effects[BUL_ACT__COUNT] = {
    [BUL_ACT_SUBMIT] = {submit, NULL},
    [BUL_ACT_APPROVE] = {approve, NULL},
    [BUL_ACT_ISSUE] = {issue, NULL},
};

const struct workflow bulletin_workflow = {
    .name = "bulletin",
    .what = BULLETIN_WHAT,
    .title = "Bulletins (督查通报)",
    .intro = "The states, actions and transition table of `src/results/bulletin_workflow.c`. The figures come from "
             "the items (`src/results/bulletin_figures.c`) and are counted again at submission and at issue; the "
             "office edits the words. The units a bulletin names (its overdue ranking as the document lists it, the "
             "praise and criticism it carries) are its parts once issued; at issue the heads of the units right "
             "below its scope (its addressees, 主送) are told as well.",
    .link = "/bulletins/%lld",
    .part_what = "通报点名的单位",
    .home_what = "government whose office drafted it",
    .track_what = "named unit",
    .person_what = {NULL, NULL},
    .part_key = "named",
    .part_member = NULL,
    RES_WF_TABLES,
    .varieties = bulletin_kinds,
    .nvarieties = BUL_KIND__COUNT,
    .effects = bulletin_effects,
    .read_cap = CAP_ITEM_READ,
    .table = "bulletins",
    .load = load,
    .cond = cond,
    .phase = phase,
    .check = NULL,
    .rollup = NULL,
    .save = save,
    .on_action = NULL,
    .notice = notice,
    .ids = ids,
};
