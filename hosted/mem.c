/*
 * mem.c - hosted memory: pages for pools (mmap) and fiber stacks with a
 * guard page below them, registered with Valgrind so memcheck follows
 * switches between them.
 */
#include <sys/mman.h>
#include <unistd.h>

#include <valgrind/valgrind.h>

#include "tern/dev.h"

static size_t page_round(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (size + page - 1) & ~(page - 1);
}

void *tern_mem_alloc(size_t size)
{
	void *p;

	if (size == 0)
		return NULL;
	p = mmap(NULL, page_round(size), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void tern_mem_free(void *mem, size_t size)
{
	if (mem)
		munmap(mem, page_round(size));
}

int tern_stack_alloc(struct tern_stack *stack, size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t usable = page_round(size ? size : page);
	uint8_t *map;

	map = mmap(NULL, usable + page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (map == MAP_FAILED)
		return -TERN_ENOMEM;
	if (mprotect(map, page, PROT_NONE) < 0) {
		munmap(map, usable + page);
		return -TERN_ENOMEM;
	}
	stack->mapping = map;
	stack->map_size = usable + page;
	stack->base = map + page;
	stack->size = usable;
	*(uint64_t *)stack->base = TERN_STACK_CANARY;
	stack->plat_id = VALGRIND_STACK_REGISTER(map + page, map + page + usable);
	return 0;
}

void tern_stack_free(struct tern_stack *stack)
{
	if (!stack->mapping)
		return;
	VALGRIND_STACK_DEREGISTER(stack->plat_id);
	munmap(stack->mapping, stack->map_size);
	stack->mapping = NULL;
	stack->base = NULL;
}
