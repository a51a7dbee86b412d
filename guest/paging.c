/*
 * paging.c - the identity map after boot.
 *
 * start.S maps [0, 4 GiB) with 2 MiB pages, all write-back. Here the pages
 * that hold no RAM (the LAPIC, the PCI hole with the BARs firmware placed
 * there) become uncached (PCD|PWT), as device registers must be on real
 * hardware (under KVM every MMIO access traps anyway, so it is correctness,
 * not speed). paging_map() extends the map on demand for what lies above
 * 4 GiB: 64-bit BARs that firmware put high, RAM of large guests.
 *
 * Page tables added later come from the page allocator (below 4 GiB, so
 * they are always reachable) and are never freed.
 */
#include "guest.h"
#include "x86.h"

#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PTE_PWT 0x8ull
#define PTE_PCD 0x10ull
#define PTE_PS 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull
#define FOUR_GIB (1ull << 32)

/* The table a non-leaf page-table entry points to. */
static uint64_t *table(uint64_t entry)
{
	return (uint64_t *)(uintptr_t)(entry & PTE_ADDR);
}

/* The page-directory entry for addr, allocating the tables above it; NULL
 * if a table cannot be allocated. */
static uint64_t *pd_entry(uint64_t addr)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR);
	uint64_t *e = &pml4[(addr >> 39) & 511];

	for (int level = 0; level < 2; level++) {
		if (!(*e & PTE_P)) {
			void *t = mem_alloc_low_page();

			if (!t)
				return NULL;
			*e = (uint64_t)(uintptr_t)t | PTE_P | PTE_W;
		}
		e = &table(*e)[(addr >> (level == 0 ? 30 : 21)) & 511];
	}
	return e;
}

void paging_init(const struct guest_memrange *map, unsigned n)
{
	/* Everything uncached, then the RAM back to write-back: two short
	 * loops over start.S's page directories (2048 entries for the first
	 * 4 GiB), where a RAM lookup per 2 MiB page cost 0.5 ms under TCG. */
	for (unsigned i = 0; i < BOOT_PD_ENTRIES; i++)
		boot_pd[i] |= PTE_PCD | PTE_PWT;
	for (unsigned i = 0; i < n; i++) {
		uint64_t end = TERN_MIN(align_up(map[i].end, HUGE_PAGE_SIZE),
					FOUR_GIB);

		if (map[i].type != GUEST_MEM_RAM)
			continue;
		for (uint64_t a = align_down(map[i].start, HUGE_PAGE_SIZE);
		     a < end; a += HUGE_PAGE_SIZE)
			boot_pd[a / HUGE_PAGE_SIZE] &= ~(PTE_PCD | PTE_PWT);
	}
	write_cr3(read_cr3()); /* flush the TLB */
}

int paging_map(uint64_t phys, uint64_t size, bool uncached)
{
	uint64_t end = align_up(phys + size, HUGE_PAGE_SIZE);
	bool changed = false;

	for (uint64_t a = align_down(phys, HUGE_PAGE_SIZE); a < end;
	     a += HUGE_PAGE_SIZE) {
		uint64_t *e = pd_entry(a);
		uint64_t want;

		if (!e)
			return -TERN_ENOMEM;
		want = a | PTE_P | PTE_W | PTE_PS |
		       (uncached ? PTE_PCD | PTE_PWT : 0);
		if ((*e & PTE_P) && !uncached)
			continue;
		if (*e != want) {
			*e = want;
			changed = true;
		}
	}
	if (changed)
		write_cr3(read_cr3());
	return 0;
}
