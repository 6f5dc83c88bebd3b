/* test_items.c: the transition table's invariants and the search bigrams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "items/items_internal.h"

#include <stdlib.h>
#include <string.h>

static void test_workflow_pairs_are_unique_and_one_scope_per_action(void **state)
{
    (void)state;
    int scope[ACT__COUNT];
    for (int a = 0; a < ACT__COUNT; a++)
        scope[a] = -1;
    for (int i = 0; i < workflow_count; i++) {
        const struct transition *t = &workflow_table[i];
        assert_true(t->from < ST__COUNT);
        assert_true(t->to < ST__COUNT || t->to == ST_SAME || t->to == ST_PREV);
        assert_ptr_equal(workflow_find(t->from, t->action), t);
        if (scope[t->action] < 0)
            scope[t->action] = (int)t->scope;
        assert_int_equal(scope[t->action], (int)t->scope);
        if (t->scope == WF_TRACK) /* track rows live in the unit phase only */
            assert_true(item_state_active(t->from));
        if (t->to == ST_PREV)
            assert_int_equal(t->from, ST_SUSPENDED);
    }
    for (int a = 0; a < ACT__COUNT; a++)
        assert_true(scope[a] >= 0); /* every action is reachable from some state */
}

static void test_workflow_terminal_states_allow_only_comments(void **state)
{
    (void)state;
    for (int a = 0; a < ACT__COUNT; a++) {
        if (a == ACT_COMMENT)
            continue;
        assert_null(workflow_find(ST_WITHDRAWN, (enum item_action)a));
        assert_null(workflow_find(ST_ARCHIVED, (enum item_action)a));
    }
    assert_non_null(workflow_find(ST_COMPLETED, ACT_ARCHIVE));
    assert_null(workflow_find(ST_DRAFT, ACT_APPROVE));
    assert_int_equal(workflow_find(ST_SUBMITTED, ACT_APPROVE)->role, ROLE_DEPUTY);
    assert_int_equal(workflow_find(ST_DEPUTY_APPROVED, ACT_APPROVE)->role, ROLE_DIRECTOR);
}

static void test_names_round_trip(void **state)
{
    (void)state;
    for (int s = 0; s < ST__COUNT; s++) {
        enum item_state back;
        assert_true(item_state_parse(item_state_name((enum item_state)s), &back));
        assert_int_equal(back, s);
        assert_true(strlen(item_state_label((enum item_state)s)) > 0);
    }
    for (int a = 0; a < ACT__COUNT; a++) {
        enum item_action back;
        assert_true(item_action_parse(item_action_name((enum item_action)a), &back));
        assert_int_equal(back, a);
    }
    enum item_action x;
    assert_false(item_action_parse("fly", &x));
    assert_false(item_action_parse(NULL, &x));
}

static void test_markdown_lists_every_row(void **state)
{
    (void)state;
    char *md = workflow_markdown();
    int rows = 0;
    for (const char *p = md; (p = strstr(p, "\n| `")); p++)
        rows++;
    assert_int_equal(rows, workflow_count + ST__COUNT);
    free(md);
}

static void test_bigrams_of_chinese_and_ascii(void **state)
{
    (void)state;
    struct arena a = ARENA_INIT;
    const char **g;
    int n = item_bigrams(&a, "交通运输", &g);
    assert_int_equal(n, 3);
    assert_string_equal(g[0], "交通");
    assert_string_equal(g[1], "通运");
    assert_string_equal(g[2], "运输");
    n = item_bigrams(&a, "Ab c，督查。督查", &g); /* punctuation and spaces dropped, duplicates once */
    assert_int_equal(n, 5);
    assert_string_equal(g[0], "ab");
    assert_string_equal(g[1], "bc");
    assert_string_equal(g[2], "c督");
    assert_string_equal(g[3], "督查");
    assert_string_equal(g[4], "查督");
    n = item_bigrams(&a, "饮", &g);
    assert_int_equal(n, 1);
    assert_string_equal(g[0], "饮");
    assert_int_equal(item_bigrams(&a, " ，", &g), 0);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_workflow_pairs_are_unique_and_one_scope_per_action),
        cmocka_unit_test(test_workflow_terminal_states_allow_only_comments),
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_markdown_lists_every_row),
        cmocka_unit_test(test_bigrams_of_chinese_and_ascii),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
