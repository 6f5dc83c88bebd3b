/* test_items.c: facts of the item workflow table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "items/items_internal.h"

#include "base/arena.h"

#include <math.h>
#include <stdlib.h>

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

struct ranked {
    int64_t id;
    double rank;
};

/* rank_order's: the best (smallest) rank first, then the newer */
static int ranked_cmp(const void *x, const void *y)
{
    const struct ranked *a = x, *b = y;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return a->id > b->id ? -1 : a->id < b->id;
}

/* n matches newest first with ranks drawn from `values` distinct values (or NaN at one place): ledger_rank_sort
 * orders them as a sort by (rank, newer) does, whether it deals them out by rank or falls back to sorting. */
static void rank_sort_case(int n, int values, bool nan_at_3, bool unordered, unsigned seed)
{
    struct arena a = {0};
    int64_t *ids = arena_alloc(&a, sizeof *ids * (size_t)n);
    double *ranks = arena_alloc(&a, sizeof *ranks * (size_t)n);
    struct ranked *want = arena_alloc(&a, sizeof *want * (size_t)n);
    srand(seed);
    int64_t id = 1000000;
    for (int k = 0; k < n; k++) {
        id -= 1 + rand() % 5;
        ids[k] = id;
        ranks[k] = -(double)(rand() % values) * 0.731;
    }
    if (unordered && n > 2) {
        int64_t t = ids[1];
        ids[1] = ids[2];
        ids[2] = t;
    }
    if (nan_at_3 && n > 3)
        ranks[3] = NAN;
    for (int k = 0; k < n; k++)
        want[k] = (struct ranked){ids[k], ranks[k]};
    int64_t *got = ledger_rank_sort(&a, ids, ranks, n);
    if (!nan_at_3) { /* NaN has no order; the sort only must not run off its values */
        qsort(want, (size_t)n, sizeof *want, ranked_cmp);
        for (int k = 0; k < n; k++)
            assert_int_equal(got[k], want[k].id);
    } else {
        int64_t sum = 0, wsum = 0;
        for (int k = 0; k < n; k++) {
            sum += got[k];
            wsum += ids[k];
        }
        assert_int_equal(sum, wsum);
    }
    arena_free(&a);
}

static void test_ledger_rank_sort(void **state)
{
    (void)state;
    rank_sort_case(1, 1, false, false, 1);
    rank_sort_case(501, 1, false, false, 2);   /* one rank: newest first as read */
    rank_sort_case(501, 7, false, false, 3);   /* a common word's few ranks: dealt out */
    rank_sort_case(501, 32, false, false, 4);  /* as many as are dealt out */
    rank_sort_case(501, 200, false, false, 5); /* more: sorted */
    rank_sort_case(501, 5, false, true, 6);    /* ids not newest first: sorted */
    rank_sort_case(50, 5, true, false, 7);     /* a NaN rank: sorted, every id kept */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_item_terminal_states_allow_only_comments),
        cmocka_unit_test(test_item_names_round_trip),
        cmocka_unit_test(test_ledger_rank_sort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
