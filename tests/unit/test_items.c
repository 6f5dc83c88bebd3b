/* test_items.c: facts of the item workflow table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "items/items_internal.h"

/* The item table's own facts (the generic checks run over every workflow in test_workflow.c). */
static void test_item_terminal_states_allow_only_comments(void **state)
{
    (void)state;
    const struct workflow *wf = &item_workflow;
    for (int a = 0; a < ITEM_ACT__COUNT; a++) {
        if (a == ITEM_ACT_COMMENT)
            continue;
        assert_null(wf_find(wf, ITEM_ST_WITHDRAWN, a));
        assert_null(wf_find(wf, ITEM_ST_ARCHIVED, a));
    }
    assert_non_null(wf_find(wf, ITEM_ST_COMPLETED, ITEM_ACT_ARCHIVE));
    assert_null(wf_find(wf, ITEM_ST_DRAFT, ITEM_ACT_APPROVE));
    assert_int_equal(wf_find(wf, ITEM_ST_SUBMITTED, ITEM_ACT_APPROVE)->role, ROLE_DEPUTY);
    assert_int_equal(wf_find(wf, ITEM_ST_DEPUTY_APPROVED, ITEM_ACT_APPROVE)->role, ROLE_DIRECTOR);
    assert_int_equal(wf_find(wf, ITEM_ST_SUSPENDED, ITEM_ACT_RESUME)->to, WF_PREV);
    /* a major item's extension is the leader's decision */
    const struct wf_row *r = wf_find(wf, ITEM_ST_IN_PROGRESS, ITEM_ACT_DECIDE_EXTENSION);
    assert_int_equal(r->cap, CAP_ITEM_REGISTER);
    assert_int_equal(r->cap_alt, CAP_ITEM_DECIDE);
    assert_int_equal(r->cap_cond, ITEM_COND_MAJOR);
}

static void test_item_names_round_trip(void **state)
{
    (void)state;
    for (int s = 0; s < ITEM_ST__COUNT; s++) {
        enum item_state back;
        assert_true(item_state_parse(item_state_name((enum item_state)s), &back));
        assert_int_equal(back, s);
    }
    for (int a = 0; a < ITEM_ACT__COUNT; a++) {
        enum item_action back;
        assert_true(item_action_parse(item_action_name((enum item_action)a), &back));
        assert_int_equal(back, a);
    }
    enum item_action x;
    assert_false(item_action_parse("fly", &x));
    assert_false(item_action_parse(NULL, &x));
    assert_true(item_state_active(ITEM_ST_ASSIGNED) && item_state_active(ITEM_ST_COMPLETION_SIGNED));
    assert_false(item_state_active(ITEM_ST_APPROVED) || item_state_active(ITEM_ST_COMPLETED));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_item_terminal_states_allow_only_comments),
        cmocka_unit_test(test_item_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
