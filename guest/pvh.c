/*
 * pvh.c - reading the PVH start info (Xen's struct hvm_start_info) that the
 * loader passes in %ebx: the memory map and the kernel command line.
 *
 * Layout (little endian; the loader places it below 4 GiB):
 *    0 magic 0x336ec578      4 version        8 flags     12 nr_modules
 *   16 modlist_paddr        24 cmdline_paddr  32 rsdp_paddr
 *   40 memmap_paddr         48 memmap_entries 52 reserved   (version >= 1)
 * Each memory map entry is 24 bytes: addr (8), size (8), type (4), 4 zero.
 *
 * The loader's structures sit in memory that the page allocator may later
 * hand out, so everything is copied out here, through bounds-checked views
 * like any other input the guest did not produce itself.
 */
#include <string.h>

#include "tern/fmt.h"
#include "tern/log.h"
#include "tern/view.h"

#include "guest.h"

#define START_MAGIC 0x336ec578u
#define START_INFO_V0_LEN 40
#define START_INFO_V1_LEN 56
#define MEMMAP_ENTRY_LEN 24

/* The identity-mapped pointer for a physical address. */
static const void *phys(uint64_t paddr)
{
	return (const void *)(uintptr_t)paddr;
}

/* Copies the NUL-terminated command line at paddr (0: none) into bi,
 * truncating at GUEST_CMDLINE_MAX - 1 bytes. */
static void copy_cmdline(struct guest_bootinfo *bi, uint64_t paddr)
{
	const char *s = phys(paddr);
	size_t n = 0;

	bi->cmdline[0] = '\0';
	if (!paddr)
		return;
	while (n < GUEST_CMDLINE_MAX - 1 && s[n])
		n++;
	memcpy(bi->cmdline, s, n);
	bi->cmdline[n] = '\0';
	bi->cmdline_truncated = s[n] != '\0';
}

/* Copies up to GUEST_MEMMAP_MAX entries of the memory map at paddr into
 * bi, skipping empty or wrapping ranges. Returns 0 or -TERN_EINVAL. */
static int copy_memmap(struct guest_bootinfo *bi, uint64_t paddr,
		       uint32_t entries)
{
	struct tern_view v;

	if (!paddr || entries == 0)
		return -TERN_EINVAL;
	if (entries > GUEST_MEMMAP_MAX) {
		tern_log_warn("guest: memory map has %u entries; using %u",
			      entries, GUEST_MEMMAP_MAX);
		entries = GUEST_MEMMAP_MAX;
	}
	v = tern_view_make(phys(paddr), (size_t)entries * MEMMAP_ENTRY_LEN);
	bi->n_memmap = 0;
	for (uint32_t i = 0; i < entries; i++) {
		size_t off = (size_t)i * MEMMAP_ENTRY_LEN;
		uint64_t addr = tern_view_le64(&v, off);
		uint64_t size = tern_view_le64(&v, off + 8);
		struct guest_memrange *r;

		if (size == 0 || addr + size < addr) /* empty or wraps */
			continue;
		r = &bi->memmap[bi->n_memmap++];
		r->start = addr;
		r->end = addr + size;
		r->type = tern_view_le32(&v, off + 16);
	}
	return tern_view_ok(&v) && bi->n_memmap ? 0 : -TERN_EINVAL;
}

int pvh_parse(uint32_t paddr, struct guest_bootinfo *bi)
{
	struct tern_view v = tern_view_make(phys(paddr), START_INFO_V1_LEN);
	uint32_t magic, version;

	memset(bi, 0, sizeof(*bi));
	if (!paddr) {
		tern_log_error("guest: no PVH start info (not booted by PVH?)");
		return -TERN_EINVAL;
	}
	magic = tern_view_le32(&v, 0);
	version = tern_view_le32(&v, 4);
	if (magic != START_MAGIC) {
		tern_log_error("guest: bad PVH start info magic 0x%x", magic);
		return -TERN_EINVAL;
	}
	copy_cmdline(bi, tern_view_le64(&v, 24));
	bi->rsdp = tern_view_le64(&v, 32);
	if (version < 1) {
		tern_log_error("guest: PVH start info version 0 has no "
			       "memory map");
		return -TERN_EINVAL;
	}
	if (copy_memmap(bi, tern_view_le64(&v, 40), tern_view_le32(&v, 48))) {
		tern_log_error("guest: PVH memory map missing or empty");
		return -TERN_EINVAL;
	}
	return 0;
}
