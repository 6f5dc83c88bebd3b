/* test_workflow.c: every registered workflow (api_workflows) is well formed and fully documented: the
 * engine's checks (workflow_lint) pass, names round-trip, and docs/workflow.md lists every state, row
 * and wait. A new module's workflow is covered by being registered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "api/routes.h"
#include "workflow/workflow.h"

#include <stdlib.h>
#include <string.h>

static void test_every_workflow_passes_lint(void **state)
{
    (void)state;
    int n = 0;
    for (int i = 0; api_workflows[i]; i++, n++) {
        char *problems = NULL;
        int bad = workflow_lint(api_workflows[i], &problems);
        if (bad)
            fprintf(stderr, "%s", problems);
        assert_int_equal(bad, 0);
        free(problems);
    }
    assert_true(n >= 1);
}

static void test_names_round_trip(void **state)
{
    (void)state;
    for (int i = 0; api_workflows[i]; i++) {
        const struct workflow *wf = api_workflows[i];
        for (int s = 0; s < wf->nstates; s++) {
            int back = -1;
            assert_true(wf_state_parse(wf, wf_state_name(wf, s), &back));
            assert_int_equal(back, s);
            assert_true(strlen(wf_state_label(wf, s)) > 0);
        }
        for (int a = 0; a < wf->nactions; a++) {
            int back = -1;
            assert_true(wf_action_parse(wf, wf_action_name(wf, a), &back));
            assert_int_equal(back, a);
        }
        int x;
        assert_false(wf_action_parse(wf, "fly", &x));
        assert_false(wf_state_parse(wf, NULL, &x));
        assert_string_equal(wf_state_name(wf, wf->nstates), "?");
    }
}

/* A table with mistakes: lint names each of them. */
static void test_lint_finds_mistakes(void **state)
{
    (void)state;
    static const struct wf_name st[] = {{"a", "甲", "A"}, {"b", "", "B"}};
    static const struct wf_name ac[] = {{"go", "前进", "Go"}, {"stay", "停留", NULL}};
    static const struct wf_row rows[] = {
        {0, 0, 1, WF_OBJECT, CAP_ITEM_REGISTER, WF_ANY_ROLE, 0, 0, 0, 0, "went"},
        {0, 0, 0, WF_OBJECT, CAP_ITEM_REGISTER, WF_ANY_ROLE, 0, 0, 0, 0, "again"},
        {1, 0, 7, WF_PART, CAP_ITEM_HANDLE, WF_ANY_ROLE, 0, 0, 0, 0, ""},
    };
    static const struct wf_wait waits[] = {
        {-1, 0, 0, "go", "待前进", 0, {{ROLE_CONTACT, WF_AT_HOME, 0, false}}, 1, "To go"},
    };
    struct workflow wf = {.name = "test",
                          .states = st,
                          .nstates = 2,
                          .actions = ac,
                          .nactions = 2,
                          .rows = rows,
                          .nrows = 3,
                          .waits = waits,
                          .nwaits = 1};
    char *problems = NULL;
    int n = workflow_lint(&wf, &problems);
    assert_non_null(problems);
    assert_non_null(strstr(problems, "no table"));
    assert_non_null(strstr(problems, "listed twice"));
    assert_non_null(strstr(problems, "both scopes"));
    assert_non_null(strstr(problems, "target out of range"));
    assert_non_null(strstr(problems, "says nothing"));
    assert_non_null(strstr(problems, "stay has no row"));
    assert_non_null(strstr(problems, "state b has no label"));
    assert_non_null(strstr(problems, "action stay has no label"));       /* no English */
    assert_non_null(strstr(problems, "cannot take the awaited action")); /* a contact does not register */
    assert_true(n >= 8);
    free(problems);
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void test_markdown_lists_every_row_state_and_wait(void **state)
{
    (void)state;
    char *md = workflow_markdown(api_workflows);
    int rows = 0, sections = 0;
    for (int i = 0; api_workflows[i]; i++) {
        const struct workflow *wf = api_workflows[i];
        rows += wf->nstates + wf->nvarieties + wf->nrows + wf->nwaits + wf->ninforms + wf->nevents;
        sections++;
        assert_non_null(strstr(md, wf->title));
    }
    /* every table line starts with "| `" or "| <part>" — count the data lines of all tables */
    int lines = 0;
    for (const char *p = md; (p = strstr(p, "\n| ")); p++)
        if (strncmp(p, "\n| state |", 10) && strncmp(p, "\n| kind |", 9) && strncmp(p, "\n| from |", 9) &&
            strncmp(p, "\n| of |", 7) && strncmp(p, "\n| after |", 10) &&
            strncmp(p, "\n| entry | 中文 |", strlen("\n| entry | 中文 |")) && strncmp(p, "\n|---", 5))
            lines++;
    assert_int_equal(lines, rows);
    assert_int_equal(count(md, "\n## "), sections);
    free(md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_workflow_passes_lint),
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_lint_finds_mistakes),
        cmocka_unit_test(test_markdown_lists_every_row_state_and_wait),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
