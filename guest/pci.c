/*
 * pci.c - PCI configuration space through the legacy 0xcf8/0xcfc ports,
 * enumeration, BARs, capabilities and MSI-X.
 *
 * Enumeration walks bus 0 and follows PCI-to-PCI bridges (q35's PCIe root
 * ports) depth first, so devices are found in the same order QEMU's
 * command line and `info pci` list them: that order names them (net0,
 * net1, blk0). SeaBIOS assigns every BAR; minimal firmware (qboot, which
 * boots pc/q35 several times faster) assigns none, so memory BARs still
 * at 0 get addresses here, from the 32-bit PCI hole above RAM and above
 * whatever firmware did assign (see assign_bars()). ECAM is not needed:
 * virtio's registers live in BARs and its capabilities in the first 256
 * bytes of config space.
 *
 * MSI-X messages all go to the boot CPU's LAPIC with one vector: their only
 * job is to end the HLT in tern_wait(); the drivers then poll.
 */
#include "tern/log.h"

#include "guest.h"
#include "x86.h"

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA 0xcfc

#define PCI_VENDOR 0x00
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_CLASS 0x08
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SECONDARY_BUS 0x19
#define PCI_CAP_PTR 0x34

#define CMD_MEMORY (1u << 1)
#define CMD_BUS_MASTER (1u << 2)
#define CMD_INTX_DISABLE (1u << 10)
#define STATUS_CAP_LIST (1u << 4)

#define CAP_MSIX 0x11
#define MSIX_ENABLE (1u << 15)
#define MSIX_FUNCTION_MASK (1u << 14)
#define MSI_ADDRESS 0xfee00000u /* LAPIC of CPU 0, physical mode */

#define MAX_BRIDGE_DEPTH 8

/* Where unassigned BARs go: above RAM and q35's MMCONFIG window
 * (0xb0000000-0xbfffffff), below the I/O APIC. */
#define BAR_WINDOW_START 0xc0000000ull
#define BAR_WINDOW_END 0xfec00000ull

/* The CONFIG_ADDRESS value for a function's dword at off. */
static uint32_t address(uint8_t bus, uint8_t slot, uint8_t fn, uint8_t off)
{
	return 0x80000000u | (uint32_t)bus << 16 | (uint32_t)slot << 11 |
	       (uint32_t)fn << 8 | (off & 0xfcu);
}

/* Reads the config dword at off (rounded down to 4) of bus:slot.fn. */
static uint32_t raw_read32(uint8_t bus, uint8_t slot, uint8_t fn, uint8_t off)
{
	outl(CONFIG_ADDRESS, address(bus, slot, fn, off));
	return inl(CONFIG_DATA);
}

uint32_t pci_read32(const struct guest_pci_dev *d, uint8_t off)
{
	return raw_read32(d->bus, d->slot, d->fn, off);
}

uint16_t pci_read16(const struct guest_pci_dev *d, uint8_t off)
{
	return (uint16_t)(pci_read32(d, off) >> ((off & 2) * 8));
}

uint8_t pci_read8(const struct guest_pci_dev *d, uint8_t off)
{
	return (uint8_t)(pci_read32(d, off) >> ((off & 3) * 8));
}

void pci_write32(const struct guest_pci_dev *d, uint8_t off, uint32_t v)
{
	outl(CONFIG_ADDRESS, address(d->bus, d->slot, d->fn, off));
	outl(CONFIG_DATA, v);
}

void pci_write16(const struct guest_pci_dev *d, uint8_t off, uint16_t v)
{
	outl(CONFIG_ADDRESS, address(d->bus, d->slot, d->fn, off));
	outw((uint16_t)(CONFIG_DATA + (off & 2)), v);
}

/* Appends every function on bus to devs (up to max, counted in *n),
 * recursing into the secondary bus of each bridge. */
static void scan_bus(uint8_t bus, struct guest_pci_dev *devs, unsigned max,
		     unsigned *n, int depth)
{
	for (uint8_t slot = 0; slot < 32; slot++) {
		unsigned fns = 1;

		if ((raw_read32(bus, slot, 0, PCI_VENDOR) & 0xffff) == 0xffff)
			continue;
		if (raw_read32(bus, slot, 0, PCI_HEADER_TYPE & 0xfc) &
		    (0x80u << 16))
			fns = 8; /* multi-function */
		for (uint8_t fn = 0; fn < fns; fn++) {
			uint32_t id = raw_read32(bus, slot, fn, PCI_VENDOR);
			uint32_t class = raw_read32(bus, slot, fn, PCI_CLASS);
			struct guest_pci_dev d;

			if ((id & 0xffff) == 0xffff)
				continue;
			d.bus = bus;
			d.slot = slot;
			d.fn = fn;
			d.vendor = (uint16_t)id;
			d.device = (uint16_t)(id >> 16);
			d.class_code = (uint8_t)(class >> 24);
			d.subclass = (uint8_t)(class >> 16);
			d.header_type = pci_read8(&d, PCI_HEADER_TYPE) & 0x7f;
			if (*n < max)
				devs[(*n)++] = d;
			if (d.header_type == 1 && depth < MAX_BRIDGE_DEPTH) {
				uint8_t sec = pci_read8(&d, PCI_SECONDARY_BUS);

				if (sec > bus)
					scan_bus(sec, devs, max, n, depth + 1);
			}
		}
	}
}

/* The size a memory BAR decodes (0 if none), found by writing all ones
 * and reading back which address bits stick; restores the BAR. is64 says
 * whether it spans this BAR and the next. Memory decoding must be off. */
static uint64_t bar_size(const struct guest_pci_dev *d, unsigned bar,
			 bool *is64)
{
	uint8_t off = (uint8_t)(PCI_BAR0 + 4 * bar);
	uint32_t lo = pci_read32(d, off), hi = 0, mlo, mhi = 0xffffffffu;
	uint64_t mask;

	*is64 = ((lo >> 1) & 3) == 2 && bar < 5;
	pci_write32(d, off, 0xffffffffu);
	mlo = pci_read32(d, off);
	pci_write32(d, off, lo);
	if (*is64) {
		hi = pci_read32(d, (uint8_t)(off + 4));
		pci_write32(d, (uint8_t)(off + 4), 0xffffffffu);
		mhi = pci_read32(d, (uint8_t)(off + 4));
		pci_write32(d, (uint8_t)(off + 4), hi);
	}
	mask = (uint64_t)mhi << 32 | (mlo & ~0xfu);
	if ((mlo & ~0xfu) == 0 && (!*is64 || mhi == 0))
		return 0;
	return ~mask + 1;
}

struct bar_req {
	const struct guest_pci_dev *dev;
	unsigned bar;
	bool is64;
	uint64_t size;
};

/* Gives every unassigned memory BAR of devs an address in the BAR window,
 * aligned to its size, above every BAR firmware assigned there. Memory
 * decoding is off on each device while its BARs are sized. */
static void assign_bars(const struct guest_pci_dev *devs, unsigned n)
{
	struct bar_req reqs[GUEST_PCI_MAX * 6];
	unsigned n_reqs = 0;
	uint64_t next = BAR_WINDOW_START;

	for (unsigned i = 0; i < n; i++) {
		const struct guest_pci_dev *d = &devs[i];
		uint16_t cmd;

		if (d->header_type != 0)
			continue;
		cmd = pci_read16(d, PCI_COMMAND);
		pci_write16(d, PCI_COMMAND, (uint16_t)(cmd & ~CMD_MEMORY));
		for (unsigned bar = 0; bar < 6; bar++) {
			uint8_t off = (uint8_t)(PCI_BAR0 + 4 * bar);
			uint32_t lo = pci_read32(d, off);
			uint64_t size, addr;
			bool is64;

			if (lo & 1) /* I/O BARs are not used */
				continue;
			size = bar_size(d, bar, &is64);
			addr = lo & ~0xfull;
			if (is64)
				addr |= (uint64_t)pci_read32(d,
							     (uint8_t)(off + 4))
					<< 32;
			if (size && addr == 0 && n_reqs < TERN_ARRAY_SIZE(reqs))
				reqs[n_reqs++] =
					(struct bar_req){ d, bar, is64, size };
			else if (size && addr >= BAR_WINDOW_START &&
				 addr < BAR_WINDOW_END && addr + size > next)
				next = addr + size;
			if (is64)
				bar++;
		}
		pci_write16(d, PCI_COMMAND, cmd);
	}
	for (unsigned i = 0; i < n_reqs; i++) {
		const struct bar_req *r = &reqs[i];
		uint8_t off = (uint8_t)(PCI_BAR0 + 4 * r->bar);
		uint64_t addr = align_up(next, TERN_MAX(r->size, PAGE_SIZE));

		if (addr + r->size > BAR_WINDOW_END) {
			tern_log_warn("pci %02x:%02x.%x: no room for BAR%u",
				      r->dev->bus, r->dev->slot, r->dev->fn,
				      r->bar);
			continue;
		}
		pci_write32(r->dev, off,
			    (uint32_t)addr | (pci_read32(r->dev, off) & 0xfu));
		if (r->is64)
			pci_write32(r->dev, (uint8_t)(off + 4), 0);
		next = addr + r->size;
	}
}

unsigned pci_scan(struct guest_pci_dev *devs, unsigned max)
{
	unsigned n = 0;

	scan_bus(0, devs, max, &n, 0);
	assign_bars(devs, n);
	return n;
}

uint64_t pci_bar_map(const struct guest_pci_dev *d, unsigned bar, uint64_t size)
{
	uint32_t lo, hi = 0;
	uint64_t addr;

	if (bar > 5 || d->header_type != 0)
		return 0;
	lo = pci_read32(d, (uint8_t)(PCI_BAR0 + 4 * bar));
	if (lo & 1) /* I/O space */
		return 0;
	if (((lo >> 1) & 3) == 2 && bar < 5)
		hi = pci_read32(d, (uint8_t)(PCI_BAR0 + 4 * (bar + 1)));
	addr = (uint64_t)hi << 32 | (lo & ~0xfu);
	if (!addr)
		return 0;
	if (paging_map(addr, size, true) < 0)
		return 0;
	return addr;
}

void pci_enable(const struct guest_pci_dev *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);

	pci_write16(d, PCI_COMMAND,
		    (uint16_t)(cmd | CMD_MEMORY | CMD_BUS_MASTER |
			       CMD_INTX_DISABLE));
}

uint8_t pci_find_cap(const struct guest_pci_dev *d, uint8_t cap_id,
		     uint8_t start)
{
	uint8_t off;
	int guard = 48; /* a capability loop in broken hardware ends */

	if (!(pci_read16(d, PCI_STATUS) & STATUS_CAP_LIST))
		return 0;
	off = start ? pci_read8(d, (uint8_t)(start + 1))
		    : pci_read8(d, PCI_CAP_PTR);
	while (off >= 0x40 && guard-- > 0) {
		off &= 0xfc;
		if (pci_read8(d, off) == cap_id)
			return off;
		off = pci_read8(d, (uint8_t)(off + 1));
	}
	return 0;
}

int pci_msix_enable(const struct guest_pci_dev *d, uint8_t vector)
{
	uint8_t cap = pci_find_cap(d, CAP_MSIX, 0);
	uint16_t ctrl;
	uint32_t table;
	unsigned entries;
	uint64_t base;

	if (!cap)
		return -TERN_ENOTSUP;
	ctrl = pci_read16(d, (uint8_t)(cap + 2));
	entries = (ctrl & 0x7ffu) + 1;
	table = pci_read32(d, (uint8_t)(cap + 4));
	base = pci_bar_map(d, table & 7, (table & ~7u) + entries * 16ull);
	if (!base)
		return -TERN_ENOTSUP;
	base += table & ~7u;
	for (unsigned i = 0; i < entries; i++) {
		uintptr_t e = (uintptr_t)(base + 16ull * i);

		mmio_write32(e + 0, MSI_ADDRESS);
		mmio_write32(e + 4, 0);
		mmio_write32(e + 8, vector); /* fixed, edge */
		mmio_write32(e + 12, 0);     /* unmasked */
	}
	ctrl = (uint16_t)((ctrl | MSIX_ENABLE) & ~MSIX_FUNCTION_MASK);
	pci_write16(d, (uint8_t)(cap + 2), ctrl);
	return (int)entries;
}
