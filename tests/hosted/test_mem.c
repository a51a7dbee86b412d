/*
 * test_mem.c - the hosted page allocator (hosted/mem.c): tern_mem_alloc
 * and tern_mem_alloc_buffers, with and without reuse of freed mappings.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "tern/dev.h"
#include "tern/hosted.h"

/* True if the n bytes at p are all zero. */
static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void no_reuse(void)
{
	tern_hosted_mem_reuse(0);
}

TestSuite(mem, .fini = no_reuse);

Test(mem, alloc_is_zeroed_and_page_aligned_even_when_reused)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), size = 3 * page + 5;
	uint8_t *a, *b;

	tern_hosted_mem_reuse(4);
	a = tern_mem_alloc(size);
	cr_assert_not_null(a);
	cr_assert_eq((uintptr_t)a % page, 0);
	cr_assert(all_zero(a, size));
	memset(a, 0xa5, size);
	tern_mem_free(a, size);
	b = tern_mem_alloc(size);
	cr_assert_eq(b, a, "the kept mapping is handed back");
	cr_assert(all_zero(b, size), "and zeroed again");
	tern_mem_free(b, size);
	cr_assert_null(tern_mem_alloc(0));
}

Test(mem, buffers_are_page_aligned_writable_and_reused)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), size = 2 * page;
	uint8_t *a, *b;

	tern_hosted_mem_reuse(4);
	a = tern_mem_alloc_buffers(size);
	cr_assert_not_null(a);
	cr_assert_eq((uintptr_t)a % page, 0);
	memset(a, 0x5a, size);
	tern_mem_free(a, size);
	b = tern_mem_alloc_buffers(size);
	cr_assert_eq(b, a, "the kept mapping is handed back");
	b[size - 1] = 1;
	tern_mem_free(b, size);
	cr_assert_null(tern_mem_alloc_buffers(0));
}
