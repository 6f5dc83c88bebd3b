/* Unit tests for deadline rules, traffic lights, the escalation ladder and deadline owners (src/deadlines). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "auth/users.h"
#include "base/timeu.h"
#include "calendar/calendar.h"
#include "core/perm.h"
#include "deadlines/deadlines.h"
#include "units/units.h"

static int64_t day_of(const char *s)
{
    int64_t d = 0;
    assert_true(cal_parse_date(s, &d));
    return d;
}

static void assert_date(int64_t day, const char *expected)
{
    char buf[11];
    cal_format_date(day, buf);
    assert_string_equal(buf, expected);
}

static const struct calendar cal = {NULL, 0};

static struct calendar builtin(void)
{
    struct calendar c = {cal_builtin, cal_builtin_n};
    return c;
}

static const struct deadline_preset *preset(const char *name)
{
    for (size_t i = 0; i < deadline_presets_n; i++)
        if (!strcmp(deadline_presets[i].name, name))
            return &deadline_presets[i];
    fail_msg("no preset %s", name);
    return NULL;
}

/* Finds the due day of kind/seq in out; -1 if absent. */
static int64_t due_of(const struct deadline_due *out, int n, enum ms_kind k, int seq)
{
    for (int i = 0; i < n; i++)
        if (out[i].kind == k && out[i].seq == seq)
            return out[i].due;
    return -1;
}

static void test_gu13710_general_item(void **state)
{
    (void)state;
    struct calendar c = builtin();
    const struct deadline_preset *p = preset("gu13710");
    struct deadline_facts f = {"decision", "general", "oneoff", 0};
    struct deadline_due out[DEADLINES_MAX];
    /* assigned Friday 2026-09-18; 古政办发〔2021〕52号 writes 1日/1天/7天/10天: calendar days. Receipt: 1 day
     * is Saturday 19 Sep, a rest day, so the make-up Sunday 20 Sep; deployment a day after: Monday 21st */
    int n = deadlines_compute(&c, p->rules, p->n, &f, day_of("2026-09-18"), out, DEADLINES_MAX);
    assert_int_equal(n, 4);
    assert_date(due_of(out, n, MS_RECEIPT, 1), "2026-09-20");
    assert_date(due_of(out, n, MS_DEPLOYMENT, 1), "2026-09-21");
    /* 7 days: 25 Sep, the Mid-Autumn holiday (25–27 Sep): moved to Monday 28th */
    assert_date(due_of(out, n, MS_FIRST_FEEDBACK, 1), "2026-09-28");
    /* 10 days: 28 Sep, a working day (in working days it would be 9 Oct, after National Day) */
    assert_date(due_of(out, n, MS_RESOLUTION, 1), "2026-09-28");
    assert_int_equal(due_of(out, n, MS_PERIODIC, 1), -1);
}

/* A rule counts in its own unit: 7 calendar days span a weekend and end on the calendar date; 7 working
 * days skip the weekend and a holiday; the documents' words say which. */
static void test_calendar_days_and_working_days_per_rule(void **state)
{
    (void)state;
    struct calendar c = builtin();
    struct deadline_facts f = {"decision", "general", "oneoff", 0};
    struct deadline_due out[DEADLINES_MAX];
    struct deadline_rule days[] = {{0, NULL, NULL, NULL, MS_RESOLUTION, 7, DL_DAYS, "", -1, ""}};
    struct deadline_rule work[] = {{0, NULL, NULL, NULL, MS_RESOLUTION, 7, DL_WORKDAYS, "", -1, ""}};
    /* from Friday 6 Mar 2026: 13 Mar (Fri) in days; 17 Mar (Tue) in working days */
    int n = deadlines_compute(&c, days, 1, &f, day_of("2026-03-06"), out, DEADLINES_MAX);
    assert_date(due_of(out, n, MS_RESOLUTION, 1), "2026-03-13");
    n = deadlines_compute(&c, work, 1, &f, day_of("2026-03-06"), out, DEADLINES_MAX);
    assert_date(due_of(out, n, MS_RESOLUTION, 1), "2026-03-17");
    /* from Wednesday 30 Sep 2026 across National Day (1–7 Oct, make-up Sat 10 Oct): 7 Oct is a holiday, so 8
     * Oct in days; 30 Sep + 7 working days = 8, 9, 10, 12, 13, 14, 15 Oct */
    n = deadlines_compute(&c, days, 1, &f, day_of("2026-09-30"), out, DEADLINES_MAX);
    assert_date(due_of(out, n, MS_RESOLUTION, 1), "2026-10-08");
    n = deadlines_compute(&c, work, 1, &f, day_of("2026-09-30"), out, DEADLINES_MAX);
    assert_date(due_of(out, n, MS_RESOLUTION, 1), "2026-10-15");
    struct arena a = ARENA_INIT;
    assert_string_equal(deadlines_limit_text(&a, &days[0]), "7日内");
    assert_string_equal(deadlines_limit_text(&a, &work[0]), "7个工作日内");
    struct deadline_rule month = {0, NULL, NULL, NULL, MS_RESOLUTION, 1, DL_MONTHS, "", -1, ""};
    assert_string_equal(deadlines_limit_text(&a, &month), "1个月内");
    struct deadline_rule monthly = {0, NULL, NULL, NULL, MS_PERIODIC, 1, DL_MONTHS, "", -1, ""};
    assert_string_equal(deadlines_limit_text(&a, &monthly), "每月");
    struct deadline_rule quarterly = {0, NULL, NULL, NULL, MS_PERIODIC, 0, DL_DATES, "07-15,10-15,01-15", -1, ""};
    assert_string_equal(deadlines_limit_text(&a, &quarterly), "每年7月15日、10月15日、1月15日前");
    /* the presets follow their source's text: no preset counts working days (none of the seeds says 工作日) */
    for (size_t i = 0; i < deadline_presets_n; i++)
        for (size_t k = 0; k < deadline_presets[i].n; k++)
            assert_int_not_equal(deadline_presets[i].rules[k].unit, DL_WORKDAYS);
    arena_free(&a);
}

static void test_yangquan_is_shorter(void **state)
{
    (void)state;
    struct calendar c = builtin();
    const struct deadline_preset *p = preset("yangquan");
    struct deadline_facts f = {"decision", "general", "oneoff", 0};
    struct deadline_due out[DEADLINES_MAX];
    int n = deadlines_compute(&c, p->rules, p->n, &f, day_of("2026-03-02"), out, DEADLINES_MAX);
    assert_date(due_of(out, n, MS_FIRST_FEEDBACK, 1), "2026-03-05");
    assert_date(due_of(out, n, MS_RESOLUTION, 1), "2026-03-09"); /* 7 days */
}

/* 古政办发〔2021〕52号: 凡注明办理期限的事项承办单位必须如期办结 — a stated limit is the resolution, later or
 * earlier than the rule's; the work's earlier steps do not fall after it; the report obligation may. */
static void test_a_stated_limit_is_the_resolution(void **state)
{
    (void)state;
    struct calendar c = builtin();
    const struct deadline_preset *p = preset("gu13710");
    struct deadline_due out[DEADLINES_MAX];
    struct arena a = ARENA_INIT;
    struct deadline_facts later = {"decision", "general", "oneoff", day_of("2026-04-30")};
    int n = deadlines_compute(&c, p->rules, p->n, &later, day_of("2026-03-02"), out, DEADLINES_MAX);
    assert_date(due_of(out, n, MS_FIRST_FEEDBACK, 1), "2026-03-09");
    assert_date(due_of(out, n, MS_RESOLUTION, 1), "2026-04-30");
    for (int i = 0; i < n; i++)
        if (out[i].kind == MS_RESOLUTION)
            assert_string_equal(deadlines_stated_reason(&a, p->rules, p->n, &later, &out[i]),
                                "按立项注明的办理期限；规则时限为交办后10日内（2026年3月12日）");
        else
            assert_null(deadlines_stated_reason(&a, p->rules, p->n, &later, &out[i]));
    struct deadline_facts early = {"meeting", "general", "oneoff", day_of("2026-03-05")};
    n = deadlines_compute(&c, p->rules, p->n, &early, day_of("2026-03-02"), out, DEADLINES_MAX);
    assert_date(due_of(out, n, MS_DEPLOYMENT, 1), "2026-03-04");
    assert_date(due_of(out, n, MS_FIRST_FEEDBACK, 1), "2026-03-05");
    assert_date(due_of(out, n, MS_RESOLUTION, 1), "2026-03-05");
    assert_date(due_of(out, n, MS_IMPL_REPORT, 1), "2026-04-01");
    /* a table without a resolution rule: the stated limit still gives one */
    struct deadline_rule only = {.id = 1, .milestone = MS_RECEIPT, .amount = 1, .unit = DL_DAYS, .base = -1};
    n = deadlines_compute(&c, &only, 1, &later, day_of("2026-03-02"), out, DEADLINES_MAX);
    assert_int_equal(n, 2);
    assert_date(due_of(out, n, MS_RESOLUTION, 1), "2026-04-30");
    assert_string_equal(deadlines_stated_reason(&a, &only, 1, &later, &out[1]),
                        "按立项注明的办理期限（规则未规定办结时限）");
    arena_free(&a);
}

static void test_major_item_gets_one_month_rolled_past_holiday(void **state)
{
    (void)state;
    struct calendar c = builtin();
    const struct deadline_preset *p = preset("gu13710");
    struct deadline_facts f = {"decision", "major", "oneoff", 0};
    struct deadline_due out[DEADLINES_MAX];
    /* 2026-09-01 + 1 month = 2026-10-01, a holiday: the limit moves to the first working day, 8 Oct */
    int n = deadlines_compute(&c, p->rules, p->n, &f, day_of("2026-09-01"), out, DEADLINES_MAX);
    assert_date(due_of(out, n, MS_RESOLUTION, 1), "2026-10-08");
}

static void test_source_kind_rules(void **state)
{
    (void)state;
    struct calendar c = builtin();
    const struct deadline_preset *p = preset("gu13710");
    struct deadline_due out[DEADLINES_MAX];
    struct deadline_facts instr = {"instruction", "general", "oneoff", 0};
    int n = deadlines_compute(&c, p->rules, p->n, &instr, day_of("2026-03-02"), out, DEADLINES_MAX);
    assert_date(due_of(out, n, MS_RESOLUTION, 1), "2026-04-01"); /* 30 calendar days */
    struct deadline_facts npc = {"npc_cppcc", "general", "oneoff", 0};
    n = deadlines_compute(&c, p->rules, p->n, &npc, day_of("2026-03-02"), out, DEADLINES_MAX);
    assert_date(due_of(out, n, MS_RESOLUTION, 1), "2026-06-02"); /* 3 months */
    /* 江苏: 办理任务完成后20日内向交办单位报告办理情况 — started by the completion, not at the start */
    assert_int_equal(due_of(out, n, MS_HANDLING_REPORT, 1), -1);
    n = deadlines_compute_after(&c, p->rules, p->n, &npc, day_of("2026-03-10"), out, DEADLINES_MAX);
    assert_int_equal(n, 1);
    assert_date(due_of(out, n, MS_HANDLING_REPORT, 1), "2026-03-30");
    n = deadlines_compute_after(&c, p->rules, p->n, &npc, day_of("2026-01-12"), out, DEADLINES_MAX);
    assert_date(due_of(out, n, MS_HANDLING_REPORT, 1), "2026-02-02"); /* Sunday 1 Feb: the next working day */
    struct arena a = ARENA_INIT;
    assert_string_equal(deadlines_limit_text(&a, deadlines_rule_for(p->rules, p->n, &npc, MS_HANDLING_REPORT)),
                        "办结后20日内");
    arena_free(&a);
    assert_int_equal(deadlines_compute_after(&c, p->rules, p->n, &instr, day_of("2026-03-10"), out, DEADLINES_MAX), 0);
    struct deadline_facts meeting_sat = {"meeting", "general", "oneoff", 0};
    /* 江苏: an important meeting's decisions are reported on within 30 days — a report obligation; the work
     * itself has the general limit (10 days). 2026-01-02 + 30 days = 2026-02-01, a Sunday: Monday 2 Feb */
    n = deadlines_compute(&c, p->rules, p->n, &meeting_sat, day_of("2026-01-02"), out, DEADLINES_MAX);
    assert_date(due_of(out, n, MS_IMPL_REPORT, 1), "2026-02-02");
    assert_date(due_of(out, n, MS_RESOLUTION, 1), "2026-01-12");
}

static void test_annual_key_work_reports_quarterly_on_fixed_dates(void **state)
{
    (void)state;
    struct calendar c = builtin();
    const struct deadline_preset *p = preset("gu13710");
    struct deadline_facts f = {"work_report", "general", "annual", 0};
    struct deadline_due out[DEADLINES_MAX];
    int n = deadlines_compute(&c, p->rules, p->n, &f, day_of("2026-03-02"), out, DEADLINES_MAX);
    assert_date(due_of(out, n, MS_PERIODIC, 1), "2026-07-15");
    assert_date(due_of(out, n, MS_PERIODIC, 2), "2026-10-15");
    assert_date(due_of(out, n, MS_PERIODIC, 3), "2027-01-15");
    assert_int_equal(due_of(out, n, MS_PERIODIC, 4), -1);
}

static void test_ongoing_work_reports_monthly_for_a_year(void **state)
{
    (void)state;
    struct calendar c = builtin();
    const struct deadline_preset *p = preset("gu13710");
    struct deadline_facts f = {"decision", "general", "ongoing", 0};
    struct deadline_due out[DEADLINES_MAX];
    int n = deadlines_compute(&c, p->rules, p->n, &f, day_of("2026-01-30"), out, DEADLINES_MAX);
    /* 2026-01-30 + 1 month clamps to 28 Feb, a make-up Saturday (a working day) */
    assert_date(due_of(out, n, MS_PERIODIC, 1), "2026-02-28");
    /* + 2 months = 30 Mar (Mon) */
    assert_date(due_of(out, n, MS_PERIODIC, 2), "2026-03-30");
    assert_true(due_of(out, n, MS_PERIODIC, 12) >= 0);
    assert_int_equal(due_of(out, n, MS_PERIODIC, 13), -1);
}

static void test_most_specific_rule_wins_then_table_order(void **state)
{
    (void)state;
    struct deadline_rule rules[] = {
        {1, NULL, NULL, NULL, MS_RESOLUTION, 10, DL_WORKDAYS, "", -1, ""},
        {2, "meeting", NULL, NULL, MS_RESOLUTION, 20, DL_WORKDAYS, "", -1, ""},
        {3, "meeting", "major", NULL, MS_RESOLUTION, 30, DL_WORKDAYS, "", -1, ""},
        {4, NULL, "major", NULL, MS_RESOLUTION, 40, DL_WORKDAYS, "", -1, ""},
    };
    struct deadline_due out[4];
    struct deadline_facts a = {"meeting", "major", NULL, 0}, b = {"meeting", "general", NULL, 0},
                          d = {"other", "major", NULL, 0}, e = {NULL, NULL, NULL, 0};
    int64_t start = day_of("2026-03-02");
    assert_int_equal(deadlines_compute(&cal, rules, 4, &a, start, out, 4), 1);
    assert_int_equal(out[0].rule_id, 3);
    deadlines_compute(&cal, rules, 4, &b, start, out, 4);
    assert_int_equal(out[0].rule_id, 2);
    deadlines_compute(&cal, rules, 4, &d, start, out, 4);
    assert_int_equal(out[0].rule_id, 4);
    deadlines_compute(&cal, rules, 4, &e, start, out, 4);
    assert_int_equal(out[0].rule_id, 1);
    assert_date(out[0].due, "2026-03-16");
}

static void test_base_counts_from_earlier_milestone(void **state)
{
    (void)state;
    struct deadline_rule rules[] = {
        {1, NULL, NULL, NULL, MS_RECEIPT, 2, DL_WORKDAYS, "", -1, ""},
        {2, NULL, NULL, NULL, MS_DEPLOYMENT, 3, DL_WORKDAYS, "", MS_RECEIPT, ""},
    };
    struct deadline_due out[4];
    struct deadline_facts f = {0};
    int n = deadlines_compute(&cal, rules, 2, &f, day_of("2026-03-05"), out, 4); /* Thursday */
    assert_int_equal(n, 2);
    assert_date(out[0].due, "2026-03-09");
    assert_date(out[1].due, "2026-03-12");
}

static void test_lights(void **state)
{
    (void)state;
    struct calendar c = builtin();
    int64_t start = day_of("2026-03-02"), due = day_of("2026-03-16");
    assert_int_equal(deadlines_light(&c, start, due, day_of("2026-03-03"), -1, -1, 2, 20), LIGHT_GREEN);
    /* two working days before the due day turns yellow */
    assert_int_equal(deadlines_light(&c, start, due, day_of("2026-03-12"), -1, -1, 2, 20), LIGHT_YELLOW);
    assert_int_equal(deadlines_light(&c, start, due, day_of("2026-03-16"), -1, -1, 2, 20), LIGHT_YELLOW);
    assert_int_equal(deadlines_light(&c, start, due, day_of("2026-03-17"), -1, -1, 2, 20), LIGHT_RED);
    /* behind time-proportional progress: half the time gone, 10 % done */
    assert_int_equal(deadlines_light(&c, start, due, day_of("2026-03-09"), -1, 10, 2, 20), LIGHT_YELLOW);
    assert_int_equal(deadlines_light(&c, start, due, day_of("2026-03-09"), -1, 40, 2, 20), LIGHT_GREEN);
    assert_int_equal(deadlines_light(&c, start, due, day_of("2026-03-20"), day_of("2026-03-16"), -1, 2, 20),
                     LIGHT_DONE);
    assert_int_equal(deadlines_light(&c, start, due, day_of("2026-06-01"), day_of("2026-03-17"), -1, 2, 20),
                     LIGHT_DONE_LATE);
}

/* ---- the ladder on a real database ---- */

struct world {
    char path[64];
    struct store *store;
    struct config cfg;
    int64_t gov, jt, zj;
    int64_t contact, head, leader, deputy, office, principal, other_contact;
};

static struct world W;

static void open_store(void)
{
    struct store_options opt = {.pool_size = 2, .busy_timeout_ms = 5000};
    char err[256];
    assert_int_equal(store_open(W.path, &opt, &W.store, err, sizeof err), ERR_OK);
    assert_int_equal(store_migrate(W.store, err, sizeof err), ERR_OK);
}

static void ctx_at(struct ctx *c, struct arena *a, const char *iso)
{
    memset(c, 0, sizeof *c);
    c->arena = a;
    c->cfg = &W.cfg;
    c->client = "test";
    c->db = store_acquire(W.store);
    assert_true(time_parse_iso(iso, &c->now));
}

static int64_t mk_unit(struct ctx *c, const char *code, const char *kind, int64_t parent)
{
    json_t *b = json_pack("{ss ss ss}", "code", code, "name", code, "kind", kind), *out = NULL;
    if (parent)
        json_object_set_new(b, "parent_id", json_integer(parent));
    assert_int_equal(units_create(c, b, &out), ERR_OK);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(b);
    json_decref(out);
    return id;
}

static int64_t mk_user(struct ctx *c, const char *name, const char *role, int64_t unit, int64_t portfolio)
{
    json_t *b = json_pack("{ss ss sI s[{ss sI}]}", "username", name, "name", name, "unit_id", (json_int_t)unit, "roles",
                          "role", role, "unit_id", (json_int_t)unit),
           *out = NULL;
    if (portfolio)
        json_object_set_new(b, "portfolio", json_pack("[I]", (json_int_t)portfolio));
    assert_int_equal(users_create_hashed(c, b, "$argon2id$v=19$m=65536,t=2,p=1$x$y", &out), ERR_OK);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(b);
    json_decref(out);
    return id;
}

static int setup_world(void **state)
{
    (void)state;
    snprintf(W.path, sizeof W.path, "/tmp/ducha-test-deadlines-%d.db", (int)getpid());
    unlink(W.path);
    conf_defaults(&W.cfg);
    conf_set(&W.cfg, "audit_key", "unit-test-audit-key-0123", (char[64]){0}, 64);
    time_set_zone("Asia/Shanghai");
    open_store();
    struct arena a = ARENA_INIT;
    struct ctx c;
    ctx_at(&c, &a, "2026-03-01T00:00:00Z");
    int64_t city = mk_unit(&c, "city", "government", 0);
    W.gov = mk_unit(&c, "gov", "government", city);
    W.jt = mk_unit(&c, "jt", "department", W.gov);
    W.zj = mk_unit(&c, "zj", "department", W.gov);
    W.contact = mk_user(&c, "contact", "contact", W.jt, 0);
    W.head = mk_user(&c, "head", "head", W.jt, 0);
    W.leader = mk_user(&c, "leader", "leader", W.gov, W.jt);
    W.deputy = mk_user(&c, "deputy", "deputy", W.gov, 0);
    W.office = mk_user(&c, "office", "office", W.gov, 0);
    W.principal = mk_user(&c, "principal", "principal", W.gov, 0);
    W.other_contact = mk_user(&c, "contact2", "contact", W.zj, 0);
    /* one rule: resolution in 5 working days; the default ladder (reminders 2 days before and on the
     * day; press +1, notice +3, report +5 working days) */
    json_t *body = json_pack("{s[{ss si ss}]}", "rules", "milestone", "resolution", "amount", 5, "unit", "workdays"),
           *out = NULL;
    assert_int_equal(deadlines_rules_put(&c, body, &out), ERR_OK);
    json_decref(body);
    json_decref(out);
    store_release(c.db);
    arena_free(&a);
    return 0;
}

static int teardown_world(void **state)
{
    (void)state;
    store_close(W.store);
    conf_free(&W.cfg);
    unlink(W.path);
    return 0;
}

static const char *unit_path(struct ctx *c, int64_t unit)
{
    const char *p = NULL;
    assert_int_equal(units_path(c, unit, &p), ERR_OK);
    return p;
}

/* Runs one scan at iso; returns the number of ladder steps taken. */
static int scan_at(const char *iso)
{
    struct arena a = ARENA_INIT;
    struct ctx c;
    ctx_at(&c, &a, iso);
    int steps = -1;
    assert_int_equal(deadlines_scan(&c, 100, &steps), ERR_OK);
    store_release(c.db);
    arena_free(&a);
    return steps;
}

/* The steps recorded for an object's milestones, in order, joined by ','. */
static void steps_of_owner(const char *kind, int64_t id, char *out, size_t n)
{
    struct arena a = ARENA_INIT;
    struct ctx c;
    ctx_at(&c, &a, "2026-03-01T00:00:00Z");
    struct stmt *st = db_query(c.db,
                               "SELECT s.step FROM milestone_steps s JOIN milestones m ON m.id = s.milestone_id "
                               "WHERE m.owner_kind = ? AND m.owner_id = ? ORDER BY s.at, s.step",
                               DB_TEXT(kind), DB_INT(id));
    out[0] = 0;
    while (stmt_step(st) == STORE_ROW) {
        if (out[0])
            strncat(out, ",", n - strlen(out) - 1);
        strncat(out, stmt_text(st, 0), n - strlen(out) - 1);
    }
    stmt_done(st);
    store_release(c.db);
    arena_free(&a);
}

static void steps_of(int64_t item, char *out, size_t n)
{
    steps_of_owner("item", item, out, n);
}

static int64_t inbox_count(int64_t user, const char *kind)
{
    struct arena a = ARENA_INIT;
    struct ctx c;
    ctx_at(&c, &a, "2026-03-01T00:00:00Z");
    struct stmt *st =
        db_prepare(c.db, "SELECT COUNT(*) FROM outbox WHERE user_id = ? AND channel = 'inbox' AND kind = ?");
    stmt_bind_int(st, 1, user);
    stmt_bind_text(st, 2, kind);
    int64_t n = -1;
    assert_int_equal(stmt_one_int(st, &n), STORE_ROW);
    store_release(c.db);
    arena_free(&a);
    return n;
}

static void fill(int64_t item, const char *start_iso, const char *start_day)
{
    struct arena a = ARENA_INIT;
    struct ctx c;
    ctx_at(&c, &a, start_iso);
    struct deadline_facts f = {"decision", "general", "oneoff", 0};
    int count = 0;
    assert_int_equal(db_begin(c.db), 0);
    assert_int_equal(deadlines_fill(&c, "item", item, W.jt, unit_path(&c, W.jt), &f, day_of(start_day), &count),
                     ERR_OK);
    assert_int_equal(db_commit(c.db), 0);
    assert_int_equal(count, 1);
    store_release(c.db);
    arena_free(&a);
}

/* Walk an item past its milestone: each reminder and ladder step happens once, in order, to the
 * right people, also across a restart (the store closed and reopened). */
static void test_ladder_walk_once_in_order_across_restart(void **state)
{
    (void)state;
    char s[256];
    /* assigned Monday 2026-03-02; resolution due Monday 9 Mar */
    fill(101, "2026-03-02T01:00:00Z", "2026-03-02");
    assert_int_equal(scan_at("2026-03-04T02:00:00Z"), 0);
    /* Thursday 5 Mar (local): two working days before */
    assert_int_equal(scan_at("2026-03-05T01:00:00Z"), 1);
    assert_int_equal(scan_at("2026-03-05T08:00:00Z"), 0);
    steps_of(101, s, sizeof s);
    assert_string_equal(s, "remind-2");
    assert_int_equal(inbox_count(W.contact, "reminder"), 1);
    assert_int_equal(inbox_count(W.other_contact, "reminder"), 0);
    assert_int_equal(scan_at("2026-03-09T01:00:00Z"), 1); /* on the due day */
    assert_int_equal(inbox_count(W.contact, "reminder"), 2);
    assert_int_equal(scan_at("2026-03-10T01:00:00Z"), 1); /* overdue: press */
    assert_int_equal(inbox_count(W.leader, "press"), 1);
    assert_int_equal(inbox_count(W.deputy, "press"), 1);
    assert_int_equal(inbox_count(W.contact, "press"), 0);

    /* restart: the process's store goes away and comes back */
    store_close(W.store);
    open_store();
    assert_int_equal(scan_at("2026-03-10T05:00:00Z"), 0);
    assert_int_equal(scan_at("2026-03-11T05:00:00Z"), 0);
    assert_int_equal(scan_at("2026-03-12T01:00:00Z"), 1); /* written reminder notice */
    assert_int_equal(inbox_count(W.contact, "notice"), 1);
    assert_int_equal(inbox_count(W.head, "notice"), 1);
    assert_int_equal(inbox_count(W.office, "notice"), 1);
    assert_int_equal(scan_at("2026-03-13T01:00:00Z"), 0);
    assert_int_equal(scan_at("2026-03-16T01:00:00Z"), 1); /* reported to the principal leader */
    assert_int_equal(inbox_count(W.principal, "report"), 1);
    assert_int_equal(inbox_count(W.office, "report"), 1);
    assert_int_equal(scan_at("2026-04-30T01:00:00Z"), 0);
    steps_of(101, s, sizeof s);
    assert_string_equal(s, "remind-2,remind-0,press,notice,report");
    assert_int_equal(inbox_count(W.leader, "press"), 1);
    assert_int_equal(inbox_count(W.contact, "reminder"), 2);

    struct arena a = ARENA_INIT;
    struct ctx c;
    ctx_at(&c, &a, "2026-04-30T01:00:00Z");
    json_t *list = NULL;
    assert_int_equal(deadlines_list(&c, "item", 101, &list), ERR_OK);
    assert_int_equal(json_array_size(list), 1);
    json_t *m = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(m, "light")), "red");
    assert_true(json_is_true(json_object_get(m, "flagged")));
    assert_string_equal(json_string_value(json_object_get(m, "due_date")), "2026-03-09");
    json_decref(list);
    /* every step has its audit record */
    assert_int_equal(audit_seal(&c, 0, NULL), ERR_OK);
    struct stmt *st = db_prepare(c.db, "SELECT COUNT(*) FROM audit_log WHERE object_type = 'milestone' AND "
                                       "action IN ('milestone.remind', 'milestone.press', 'milestone.notice', "
                                       "'milestone.report')");
    int64_t n = 0;
    assert_int_equal(stmt_one_int(st, &n), STORE_ROW);
    assert_int_equal(n, 5);
    store_release(c.db);
    arena_free(&a);
}

/* When the scheduler was away, the ladder still climbs one step per working day. */
static void test_ladder_after_a_gap_climbs_one_step_at_a_time(void **state)
{
    (void)state;
    char s[256];
    fill(102, "2026-03-02T01:00:00Z", "2026-03-02");
    assert_int_equal(scan_at("2026-03-20T01:00:00Z"), 1); /* Friday: reminders skipped, press */
    steps_of(102, s, sizeof s);
    assert_string_equal(s, "press");
    assert_int_equal(scan_at("2026-03-21T01:00:00Z"), 0); /* Saturday */
    assert_int_equal(scan_at("2026-03-23T01:00:00Z"), 1);
    assert_int_equal(scan_at("2026-03-24T01:00:00Z"), 1);
    steps_of(102, s, sizeof s);
    assert_string_equal(s, "press,notice,report");
}

/* A done milestone stops the ladder; a paused one shifts by the working days it was paused. */
static void test_done_and_paused_milestones(void **state)
{
    (void)state;
    char s[256];
    fill(103, "2026-03-02T01:00:00Z", "2026-03-02");
    fill(104, "2026-03-02T01:00:00Z", "2026-03-02");
    struct arena a = ARENA_INIT;
    struct ctx c;
    ctx_at(&c, &a, "2026-03-03T02:00:00Z");
    assert_int_equal(db_begin(c.db), 0);
    assert_int_equal(deadlines_done(&c, "item", 103, W.jt, "resolution", NULL), ERR_OK);
    assert_int_equal(deadlines_pause(&c, "item", 104, 0, true), ERR_OK);
    assert_int_equal(db_commit(c.db), 0);
    store_release(c.db);
    arena_free(&a);
    assert_int_equal(scan_at("2026-03-20T01:00:00Z"), 0);
    steps_of(103, s, sizeof s);
    assert_string_equal(s, "");
    /* resumed on Friday 6 Mar: three working days paused (4, 5, 6), due 9 Mar -> 12 Mar */
    ctx_at(&c, &a, "2026-03-06T02:00:00Z");
    assert_int_equal(db_begin(c.db), 0);
    assert_int_equal(deadlines_pause(&c, "item", 104, 0, false), ERR_OK);
    assert_int_equal(db_commit(c.db), 0);
    json_t *list = NULL;
    assert_int_equal(deadlines_list(&c, "item", 104, &list), ERR_OK);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "due_date")), "2026-03-12");
    json_decref(list);
    list = NULL;
    assert_int_equal(deadlines_list(&c, "item", 103, &list), ERR_OK);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "light")), "done");
    json_decref(list);
    store_release(c.db);
    arena_free(&a);
    steps_of(104, s, sizeof s);
    assert_non_null(strstr(s, "pause@"));
    assert_non_null(strstr(s, "resume@"));
}

/* ---- an owner other than items ---- */

/* What the test owner's callbacks saw. */
static struct {
    int timeline, escalated;
    char last_action[32];
    int64_t recipients_for; /* the object whose recipients were asked for last */
} seen;

static const char *insp_label(struct ctx *c, int64_t id)
{
    return arena_printf(c->arena, "督查事项 D-%lld", (long long)id);
}

static enum err insp_timeline(struct ctx *c, int64_t id, int64_t unit_id, const char *action, const char *note,
                              json_t *data)
{
    (void)c, (void)id, (void)unit_id, (void)note, (void)data;
    seen.timeline++;
    snprintf(seen.last_action, sizeof seen.last_action, "%s", action);
    return ERR_OK;
}

static enum err insp_escalate(struct ctx *c, int64_t id, const char *note, json_t *data)
{
    (void)c, (void)id, (void)note, (void)data;
    seen.escalated++;
    return ERR_OK;
}

/* Reminders go to the unit's head instead of its contact; the rest as by default. */
static enum err insp_recipients(struct ctx *c, int64_t id, int64_t unit_id, const char *scope_path, enum dl_step step,
                                struct dl_people *out)
{
    seen.recipients_for = id;
    if (step == DL_REMIND)
        return dl_people_role_at(c, out, "head", unit_id);
    return deadlines_recipients_default(c, scope_path, step, out);
}

static const char *insp_milestone_label(const char *kind)
{
    return !strcmp(kind, "rectification") ? "整改" : NULL;
}

static const struct dl_owner inspection_owner = {
    .kind = "inspection",
    .what = "督查事项",
    .manage_cap = CAP_ITEM_REGISTER,
    .label = insp_label,
    .timeline = insp_timeline,
    .milestone_label = insp_milestone_label,
    .escalate = insp_escalate,
    .recipients = insp_recipients,
};

static int64_t inbox_subjects(int64_t user, const char *like)
{
    struct arena a = ARENA_INIT;
    struct ctx c;
    ctx_at(&c, &a, "2026-03-01T00:00:00Z");
    int64_t n = -1;
    assert_int_equal(
        db_one_int(c.db, &n, "SELECT COUNT(*) FROM outbox WHERE user_id = ? AND channel = 'inbox' AND subject LIKE ?",
                   DB_INT(user), DB_TEXT(like)),
        ERR_OK);
    store_release(c.db);
    arena_free(&a);
    return n;
}

/* Any kind of object can have deadlines: an inspection's rectification milestone, with the same id
 * as an item's, climbs the ladder with the owner's label, timeline, recipients and escalation. */
static void test_an_owner_other_than_items(void **state)
{
    (void)state;
    deadlines_register_owner(&inspection_owner);
    fill(201, "2026-03-02T01:00:00Z", "2026-03-02"); /* item 201: resolution due 9 Mar */
    struct arena a = ARENA_INIT;
    struct ctx c;
    ctx_at(&c, &a, "2026-03-02T01:00:00Z");
    bool created = false;
    assert_int_equal(db_begin(c.db), 0);
    assert_int_equal(deadlines_add(&c, "inspection", 201, W.jt, unit_path(&c, W.jt), "rectification", 1,
                                   day_of("2026-03-09"), &created),
                     ERR_OK);
    assert_true(created);
    assert_int_equal(deadlines_add(&c, "inspection", 201, W.jt, unit_path(&c, W.jt), "rectification", 1,
                                   day_of("2026-03-09"), &created),
                     ERR_OK);
    assert_false(created);
    assert_int_equal(
        deadlines_add(&c, "inspection", 201, W.jt, unit_path(&c, W.jt), "Bad Kind", 1, day_of("2026-03-09"), &created),
        ERR_INVALID);
    assert_int_equal(db_commit(c.db), 0);
    json_t *list = NULL;
    assert_int_equal(deadlines_list(&c, "inspection", 201, &list), ERR_OK);
    assert_int_equal(json_array_size(list), 1);
    json_t *m = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(m, "owner_kind")), "inspection");
    assert_int_equal(json_integer_value(json_object_get(m, "inspection_id")), 201);
    assert_string_equal(json_string_value(json_object_get(m, "kind_label")), "整改");
    json_decref(list);
    assert_int_equal(deadlines_list(&c, "item", 201, &list), ERR_OK);
    assert_int_equal(json_array_size(list), 1); /* the item's own, not the inspection's */
    json_decref(list);
    store_release(c.db);
    arena_free(&a);

    int64_t head_before = inbox_subjects(W.head, "%督查事项 D-201%"),
            contact_before = inbox_subjects(W.contact, "%督查事项 D-201%");
    /* Thursday 5 Mar: the reminders (the item's and the inspection's; other tests' items may step too) */
    assert_true(scan_at("2026-03-05T01:00:00Z") >= 2);
    assert_int_equal(inbox_subjects(W.head, "%督查事项 D-201%的“整改”节点%"), head_before + 1);
    assert_int_equal(inbox_subjects(W.contact, "%督查事项 D-201%"), contact_before);
    assert_int_equal(seen.recipients_for, 201);
    assert_int_equal(seen.timeline, 1);
    assert_string_equal(seen.last_action, "remind-2");
    /* the whole ladder: the owner escalates at the last step, once */
    const char *days[] = {"2026-03-09T01:00:00Z", "2026-03-10T01:00:00Z", "2026-03-12T01:00:00Z",
                          "2026-03-16T01:00:00Z", "2026-03-17T01:00:00Z", "2026-03-18T01:00:00Z"};
    for (size_t i = 0; i < sizeof days / sizeof *days; i++)
        scan_at(days[i]);
    char s1[256], s2[256];
    steps_of_owner("inspection", 201, s1, sizeof s1);
    steps_of_owner("item", 201, s2, sizeof s2);
    assert_string_equal(s1, "remind-2,remind-0,press,notice,report");
    assert_string_equal(s2, "remind-2,remind-0,press,notice,report");
    assert_int_equal(seen.escalated, 1);
    assert_int_equal(seen.timeline, 5);
    assert_int_equal(inbox_subjects(W.principal, "【报告】督查事项 D-201%"), 1);

    /* pausing the inspection leaves the item's clock alone */
    ctx_at(&c, &a, "2026-03-17T02:00:00Z");
    assert_int_equal(db_begin(c.db), 0);
    assert_int_equal(deadlines_pause(&c, "inspection", 201, 0, true), ERR_OK);
    assert_int_equal(db_commit(c.db), 0);
    int64_t paused = -1;
    const char *q = "SELECT COUNT(*) FROM milestones WHERE owner_kind = ? AND owner_id = 201 AND paused_at IS NOT NULL";
    assert_int_equal(db_one_int(c.db, &paused, q, DB_TEXT("inspection")), ERR_OK);
    assert_int_equal(paused, 1);
    assert_int_equal(db_one_int(c.db, &paused, q, DB_TEXT("item")), ERR_OK);
    assert_int_equal(paused, 0);
    store_release(c.db);
    arena_free(&a);
}

/* Runs one scan at iso reading at most limit due milestones; returns the number of ladder steps taken. */
static int scan_limit_at(const char *iso, int limit)
{
    struct arena a = ARENA_INIT;
    struct ctx c;
    ctx_at(&c, &a, iso);
    int steps = -1;
    assert_int_equal(deadlines_scan(&c, limit, &steps), ERR_OK);
    store_release(c.db);
    arena_free(&a);
    return steps;
}

/* Milestone seq of item `item`'s part at W.jt, due on 2026-05-11 (long overdue at the scan: its next step is the
 * press), due for the scanner at `at` + order seconds, so that the scan's batch reads it in that order. */
static int64_t overdue_milestone(int64_t item, int seq, int64_t at, int64_t order)
{
    struct arena a = ARENA_INIT;
    struct ctx c;
    ctx_at(&c, &a, "2026-05-04T01:00:00Z");
    bool created = false;
    int64_t id = 0;
    assert_int_equal(db_begin(c.db), 0);
    assert_int_equal(
        deadlines_add(&c, "item", item, W.jt, unit_path(&c, W.jt), "resolution", seq, day_of("2026-05-11"), &created),
        ERR_OK);
    assert_true(created);
    assert_int_equal(db_one_int(c.db, &id,
                                "SELECT id FROM milestones WHERE owner_kind = 'item' AND owner_id = ? AND seq = ?",
                                DB_INT(item), DB_INT(seq)),
                     ERR_OK);
    assert_int_equal(db_exec(c.db, "UPDATE milestones SET next_at = ? WHERE id = ?", DB_INT(at + order), DB_INT(id)),
                     ERR_OK);
    assert_int_equal(db_commit(c.db), 0);
    store_release(c.db);
    arena_free(&a);
    return id;
}

/* The leader's 【督办】 messages about the milestones ids[0..n-1], and how many of them list all n. */
static void leader_presses(const int64_t *ids, int n, int64_t *messages, int64_t *listing_all)
{
    struct arena a = ARENA_INIT;
    struct ctx c;
    ctx_at(&c, &a, "2026-03-01T00:00:00Z");
    const char *in = arena_printf(&a, "%lld, %lld, %lld", (long long)ids[0], (long long)ids[1], (long long)ids[2]);
    assert_int_equal(n, 3);
    const char *q =
        arena_printf(&a,
                     "SELECT COUNT(*) FROM outbox WHERE user_id = ? AND channel = 'inbox' AND kind = 'press' "
                     "AND object_type = 'milestone' AND object_id IN (%s)",
                     in);
    assert_int_equal(db_one_int(c.db, messages, q, DB_INT(W.leader)), ERR_OK);
    assert_int_equal(db_one_int(c.db, listing_all, arena_printf(&a, "%s AND body LIKE ?", q), DB_INT(W.leader),
                                DB_TEXT("%的3个节点办理时限已过%")),
                     ERR_OK);
    store_release(c.db);
    arena_free(&a);
}

/* The press of one unit's part of an item goes to its leader as one message listing its overdue milestones, however
 * the scan's batch and transactions cut the due milestones: (1) the part's last milestone fell due after the
 * batch's last (read with its part); (2) the part's milestones straddle two transactions' worth of milestones. */
static void test_a_part_notices_together_across_batch_and_chunk(void **state)
{
    (void)state;
    /* what other tests left due by then takes its steps first */
    while (scan_at("2026-06-01T00:30:00Z") > 0)
        ;
    struct arena a = ARENA_INIT;
    struct ctx c;
    ctx_at(&c, &a, "2026-06-01T01:00:00Z");
    int64_t at = c.now - 100000;
    store_release(c.db);
    arena_free(&a);

    /* (1) a batch of 100: 98 other items' milestones, and two of item 3100's; its third falls due after them */
    int64_t ids[3];
    for (int i = 0; i < 98; i++)
        overdue_milestone(3001 + i, 1, at, 10 * i);
    ids[0] = overdue_milestone(3100, 1, at, 5);
    ids[1] = overdue_milestone(3100, 2, at, 15);
    ids[2] = overdue_milestone(3100, 3, at, 10 * 98 + 5);
    assert_int_equal(scan_limit_at("2026-06-01T01:00:00Z", 100), 101);
    int64_t messages = -1, listing_all = -1;
    leader_presses(ids, 3, &messages, &listing_all);
    assert_int_equal(messages, 1);
    assert_int_equal(listing_all, 1);
    assert_int_equal(scan_limit_at("2026-06-01T01:00:00Z", 100), 0);

    /* (2) a batch of 500 in transactions of 100: 99 other items', item 3200's first among them, its other two after */
    at += 50000;
    for (int i = 0; i < 99; i++)
        overdue_milestone(3101 + i, 1, at, 10 * i);
    ids[0] = overdue_milestone(3200, 1, at, 5);
    ids[1] = overdue_milestone(3200, 2, at, 10 * 99 + 5);
    ids[2] = overdue_milestone(3200, 3, at, 10 * 99 + 6);
    assert_int_equal(scan_limit_at("2026-06-01T01:00:00Z", 500), 102);
    leader_presses(ids, 3, &messages, &listing_all);
    assert_int_equal(messages, 1);
    assert_int_equal(listing_all, 1);
}

/* The rows migration 0004 installs are exactly the default preset. */
static void test_migrated_rules_equal_default_preset(void **state)
{
    (void)state;
    struct arena a = ARENA_INIT;
    struct ctx c;
    char path[64];
    snprintf(path, sizeof path, "/tmp/ducha-test-rules-%d.db", (int)getpid());
    unlink(path);
    struct store *s;
    struct store_options opt = {.pool_size = 1, .busy_timeout_ms = 5000};
    char err[256];
    assert_int_equal(store_open(path, &opt, &s, err, sizeof err), ERR_OK);
    assert_int_equal(store_migrate(s, err, sizeof err), ERR_OK);
    memset(&c, 0, sizeof c);
    c.arena = &a;
    c.db = store_acquire(s);
    struct deadline_rule *rules;
    size_t n;
    assert_int_equal(deadlines_rules_load(&c, &rules, &n), ERR_OK);
    const struct deadline_preset *p = preset("gu13710");
    assert_int_equal(n, p->n);
    for (size_t i = 0; i < n; i++) {
        const struct deadline_rule *x = &rules[i], *y = &p->rules[i];
        assert_true((x->source_kind == NULL) == (y->source_kind == NULL));
        if (x->source_kind)
            assert_string_equal(x->source_kind, y->source_kind);
        assert_true((x->importance == NULL) == (y->importance == NULL));
        assert_true((x->item_kind == NULL) == (y->item_kind == NULL));
        if (x->item_kind)
            assert_string_equal(x->item_kind, y->item_kind);
        assert_int_equal(x->milestone, y->milestone);
        assert_int_equal(x->amount, y->amount);
        assert_int_equal(x->unit, y->unit);
        assert_string_equal(x->dates, y->dates);
        assert_int_equal(x->base, y->base);
        assert_string_equal(x->note, y->note);
    }
    store_release(c.db);
    store_close(s);
    arena_free(&a);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_gu13710_general_item),
        cmocka_unit_test(test_calendar_days_and_working_days_per_rule),
        cmocka_unit_test(test_yangquan_is_shorter),
        cmocka_unit_test(test_a_stated_limit_is_the_resolution),
        cmocka_unit_test(test_major_item_gets_one_month_rolled_past_holiday),
        cmocka_unit_test(test_source_kind_rules),
        cmocka_unit_test(test_annual_key_work_reports_quarterly_on_fixed_dates),
        cmocka_unit_test(test_ongoing_work_reports_monthly_for_a_year),
        cmocka_unit_test(test_most_specific_rule_wins_then_table_order),
        cmocka_unit_test(test_base_counts_from_earlier_milestone),
        cmocka_unit_test(test_lights),
        cmocka_unit_test(test_migrated_rules_equal_default_preset),
    };
    const struct CMUnitTest db[] = {
        cmocka_unit_test(test_ladder_walk_once_in_order_across_restart),
        cmocka_unit_test(test_ladder_after_a_gap_climbs_one_step_at_a_time),
        cmocka_unit_test(test_done_and_paused_milestones),
        cmocka_unit_test(test_an_owner_other_than_items),
        cmocka_unit_test(test_a_part_notices_together_across_batch_and_chunk),
    };
    int rc = cmocka_run_group_tests(pure, NULL, NULL);
    return rc | cmocka_run_group_tests(db, setup_world, teardown_world);
}
