/*
 * mem.c - the page allocator behind tern_mem_alloc() and fiber stacks.
 *
 * Tern allocates memory only at start-up (pools, rings, stacks), so the
 * allocator is a short sorted array of free extents with first fit and
 * coalescing on free: O(extents) per call, no per-page metadata, and no
 * fragmentation to speak of for a few dozen allocations. RAM comes from
 * the PVH memory map, minus the first MiB (firmware, the start info) and
 * the image itself (text, data, bss with the boot stack and page tables).
 *
 * Tunables:
 *   MAX_EXTENTS  free extents tracked; a free that would need more leaks
 *                its pages (counted in lost_bytes) rather than fail.
 *   MAX_RAM      RAM ranges remembered for mem_is_ram().
 *
 * Stacks get a canary (TERN_STACK_CANARY) in their lowest word, which the
 * scheduler checks at every switch; there are no guard pages because the
 * identity map uses 2 MiB pages.
 */
#include <string.h>

#include "tern/assert.h"

#include "guest.h"

#define MAX_EXTENTS 64
#define MAX_RAM 32
#define LOW_MEM_END (1ull << 20)
#define FOUR_GIB (1ull << 32)

struct extent {
	uint64_t start, end;
};

static struct extent free_ext[MAX_EXTENTS];
static unsigned n_free;
static struct extent ram[MAX_RAM];
static unsigned n_ram;
static uint64_t total_bytes;
static uint64_t free_bytes;
static uint64_t lost_bytes;

/* Inserts [start, end) into the sorted free list, merging neighbours.
 * Returns false if the list is full. */
static bool insert_free(uint64_t start, uint64_t end)
{
	unsigned i = 0;

	if (start >= end)
		return true;
	while (i < n_free && free_ext[i].start < start)
		i++;
	TERN_ASSERT(i == 0 || free_ext[i - 1].end <= start); /* double free */
	TERN_ASSERT(i == n_free || end <= free_ext[i].start);
	if (i > 0 && free_ext[i - 1].end == start) {
		free_ext[i - 1].end = end;
		if (i < n_free && free_ext[i].start == end) {
			free_ext[i - 1].end = free_ext[i].end;
			memmove(&free_ext[i], &free_ext[i + 1],
				(n_free - i - 1) * sizeof(free_ext[0]));
			n_free--;
		}
		return true;
	}
	if (i < n_free && free_ext[i].start == end) {
		free_ext[i].start = start;
		return true;
	}
	if (n_free == MAX_EXTENTS)
		return false;
	memmove(&free_ext[i + 1], &free_ext[i],
		(n_free - i) * sizeof(free_ext[0]));
	free_ext[i].start = start;
	free_ext[i].end = end;
	n_free++;
	return true;
}

/* Adds the whole pages of [start, end) to the free list and the totals. */
static void add_free(uint64_t start, uint64_t end)
{
	start = align_up(start, PAGE_SIZE);
	end = align_down(end, PAGE_SIZE);
	if (start >= end)
		return;
	if (insert_free(start, end)) {
		total_bytes += end - start;
		free_bytes += end - start;
	}
}

void mem_add_ram(uint64_t start, uint64_t end)
{
	uint64_t img_start = (uint64_t)(uintptr_t)__image_start;
	uint64_t img_end = (uint64_t)(uintptr_t)__image_end;

	if (n_ram < MAX_RAM) {
		ram[n_ram].start = start;
		ram[n_ram].end = end;
		n_ram++;
	}
	if (start < LOW_MEM_END)
		start = LOW_MEM_END;
	if (start >= end)
		return;
	/* RAM minus the image: up to two pieces. */
	if (end <= img_start || start >= img_end) {
		add_free(start, end);
		return;
	}
	if (start < img_start)
		add_free(start, img_start);
	if (end > img_end)
		add_free(img_end, end);
}

bool mem_is_ram(uint64_t addr, uint64_t len)
{
	for (unsigned i = 0; i < n_ram; i++)
		if (addr >= ram[i].start && addr + len <= ram[i].end &&
		    addr + len >= addr)
			return true;
	return false;
}

/* First fit among extents ending at or below limit, zeroed if asked. */
static void *alloc_below(size_t size, uint64_t limit, bool zero)
{
	uint64_t need = align_up(size, PAGE_SIZE);

	for (unsigned i = 0; i < n_free; i++) {
		struct extent *e = &free_ext[i];
		void *p;

		if (e->end - e->start < need || e->start + need > limit)
			continue;
		p = (void *)(uintptr_t)e->start;
		e->start += need;
		if (e->start == e->end) {
			memmove(&free_ext[i], &free_ext[i + 1],
				(n_free - i - 1) * sizeof(free_ext[0]));
			n_free--;
		}
		free_bytes -= need;
		if (zero)
			memset(p, 0, need);
		return p;
	}
	return NULL;
}

void *tern_mem_alloc(size_t size)
{
	if (size == 0)
		return NULL;
	return alloc_below(size, UINT64_MAX, true);
}

void *tern_mem_alloc_buffers(size_t size)
{
	if (size == 0)
		return NULL;
	return alloc_below(size, UINT64_MAX, false);
}

void tern_mem_free(void *mem, size_t size)
{
	uint64_t start = (uint64_t)(uintptr_t)mem;
	uint64_t need = align_up(size, PAGE_SIZE);

	if (!mem || size == 0)
		return;
	TERN_ASSERT((start & (PAGE_SIZE - 1)) == 0);
	if (insert_free(start, start + need))
		free_bytes += need;
	else
		lost_bytes += need;
}

void *mem_alloc_low_page(void)
{
	return alloc_below(PAGE_SIZE, FOUR_GIB, true);
}

uint64_t mem_total_bytes(void)
{
	return total_bytes;
}

uint64_t mem_free_bytes(void)
{
	return free_bytes;
}

int tern_stack_alloc(struct tern_stack *stack, size_t size)
{
	size_t usable = align_up(size ? size : PAGE_SIZE, PAGE_SIZE);
	uint8_t *mem = tern_mem_alloc_buffers(usable); /* a stack: no zeroing */

	if (!mem)
		return -TERN_ENOMEM;
	stack->mapping = mem;
	stack->map_size = usable;
	stack->base = mem;
	stack->size = usable;
	stack->plat_id = 0;
	*(uint64_t *)stack->base = TERN_STACK_CANARY;
	return 0;
}

void tern_stack_free(struct tern_stack *stack)
{
	if (!stack->mapping)
		return;
	tern_mem_free(stack->mapping, stack->map_size);
	stack->mapping = NULL;
	stack->base = NULL;
}
