/*
 * test_list.c - intrusive lists: add at either end, pop, delete from the
 * middle, splice, iteration (with deletion in the _safe form), length.
 */
#include <criterion/criterion.h>

#include "tern/list.h"

struct item {
	int v;
	struct tern_list link;
};

/* The values of a list in order, as a number (digits), for compact checks. */
static long digits(const struct tern_list *head)
{
	long n = 0;

	tern_list_for_each(it, head)
		n = n * 10 + tern_list_entry(it, struct item, link)->v;
	return n;
}

/* The same walked backwards, to check the prev links. */
static long digits_rev(const struct tern_list *head)
{
	long n = 0;

	for (const struct tern_list *it = head->prev; it != head; it = it->prev)
		n = n * 10 + tern_list_entry(it, const struct item, link)->v;
	return n;
}

Test(list, empty_list_and_static_init)
{
	struct tern_list a = TERN_LIST_INIT(a), b;

	tern_list_init(&b);
	cr_assert(tern_list_empty(&a));
	cr_assert(tern_list_empty(&b));
	cr_assert_null(tern_list_first(&a));
	cr_assert_null(tern_list_pop(&a));
	cr_assert_eq(tern_list_len(&a), 0);
	cr_assert_not(tern_list_linked(&b));
}

Test(list, add_front_and_back_pop_and_delete)
{
	struct item it[6];
	struct tern_list head;

	tern_list_init(&head);
	for (int i = 0; i < 6; i++) {
		it[i].v = i + 1;
		tern_list_init(&it[i].link);
	}
	tern_list_add_tail(&head, &it[2].link); /* 3 */
	tern_list_add_tail(&head, &it[3].link); /* 3 4 */
	tern_list_add(&head, &it[1].link);	/* 2 3 4 */
	tern_list_add(&head, &it[0].link);	/* 1 2 3 4 */
	tern_list_add_tail(&head, &it[4].link); /* 1 2 3 4 5 */
	cr_assert_eq(digits(&head), 12345);
	cr_assert_eq(digits_rev(&head), 54321);
	cr_assert_eq(tern_list_len(&head), 5);
	cr_assert(tern_list_linked(&it[2].link));
	cr_assert_not(tern_list_linked(&it[5].link));

	tern_list_del_init(&it[2].link);
	cr_assert_not(tern_list_linked(&it[2].link));
	cr_assert_eq(digits(&head), 1245);
	cr_assert_eq(digits_rev(&head), 5421);
	tern_list_del_init(
		&it[2].link); /* deleting an unlinked node is harmless */
	cr_assert_eq(digits(&head), 1245);

	cr_assert_eq(tern_list_first(&head), &it[0].link);
	cr_assert_eq(tern_list_pop(&head), &it[0].link);
	cr_assert_not(tern_list_linked(&it[0].link));
	cr_assert_eq(digits(&head), 245);
	tern_list_del_init(&it[4].link);
	tern_list_del_init(&it[1].link);
	tern_list_del_init(&it[3].link);
	cr_assert(tern_list_empty(&head));
}

Test(list, safe_iteration_may_delete)
{
	struct item it[8];
	struct tern_list head;

	tern_list_init(&head);
	for (int i = 0; i < 8; i++) {
		it[i].v = i;
		tern_list_add_tail(&head, &it[i].link);
	}
	tern_list_for_each_safe(node, &head) {
		if (tern_list_entry(node, struct item, link)->v % 2)
			tern_list_del_init(node);
	}
	cr_assert_eq(digits(&head), 246); /* 0 2 4 6 */
	cr_assert_eq(tern_list_len(&head), 4);
	tern_list_for_each_safe(node, &head)
		tern_list_del_init(node);
	cr_assert(tern_list_empty(&head));
}

Test(list, splice_moves_everything_to_the_back)
{
	struct item it[5];
	struct tern_list a, b;

	tern_list_init(&a);
	tern_list_init(&b);
	for (int i = 0; i < 5; i++) {
		it[i].v = i + 1;
		tern_list_add_tail(i < 2 ? &a : &b, &it[i].link);
	}
	tern_list_splice_tail(&a, &b);
	cr_assert(tern_list_empty(&b));
	cr_assert_eq(digits(&a), 12345);
	cr_assert_eq(digits_rev(&a), 54321);
	tern_list_splice_tail(&a, &b); /* empty: no-op */
	cr_assert_eq(digits(&a), 12345);
	tern_list_splice_tail(&b, &a); /* into an empty list */
	cr_assert(tern_list_empty(&a));
	cr_assert_eq(digits(&b), 12345);
	cr_assert_eq(digits_rev(&b), 54321);
}
