/*
 * virtio.c - the virtio 1.x PCI transport and split virtqueues (see
 * virtio.h).
 *
 * Register offsets are from the virtio 1.x specification, section 4.1.4.3
 * (struct virtio_pci_common_cfg). 64-bit queue addresses are written as two
 * 32-bit halves, which the specification allows and QEMU requires (its
 * common-config region takes at most 4-byte accesses).
 *
 * The fence between publishing and reading the device's side (virtq_kick,
 * virtq_irq_enable) is MFENCE, confirmed under QEMU's TCG by io_fence():
 * before QEMU 8.1, TCG emits no host barrier for MFENCE when the VM has
 * one vCPU, so the host CPU could read avail_event before our avail index
 * store reached memory while QEMU's I/O thread set avail_event and re-read
 * the index (with a real barrier) at the same moment. Both then saw old
 * values: we did not kick, the device went idle waiting for a kick, and
 * as we kick only when crossing avail_event, the queue stopped for good
 * (the TX stall tests/guest/net/flood.sh reproduces within seconds). The
 * same race in virtq_irq_enable loses a wake-up.
 */
#include <string.h>

#include "tern/log.h"

#include "virtio.h"
#include "x86.h"

#define CAP_VENDOR 0x09
#define CFG_COMMON 1
#define CFG_NOTIFY 2
#define CFG_ISR 3
#define CFG_DEVICE 4

/* struct virtio_pci_common_cfg */
#define C_DFSELECT 0x00
#define C_DF 0x04
#define C_GFSELECT 0x08
#define C_GF 0x0c
#define C_MSIX 0x10
#define C_NUMQ 0x12
#define C_STATUS 0x14
#define C_CFGGEN 0x15
#define C_Q_SELECT 0x16
#define C_Q_SIZE 0x18
#define C_Q_MSIX 0x1a
#define C_Q_ENABLE 0x1c
#define C_Q_NOFF 0x1e
#define C_Q_DESCLO 0x20
#define C_Q_DESCHI 0x24
#define C_Q_AVAILLO 0x28
#define C_Q_AVAILHI 0x2c
#define C_Q_USEDLO 0x30
#define C_Q_USEDHI 0x34

#define S_ACKNOWLEDGE 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_FAILED 128

#define NO_VECTOR 0xffff
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY 1

int virtio_pci_init(struct virtio_dev *v, const struct guest_pci_dev *pci)
{
	uint8_t cap = 0;

	memset(v, 0, sizeof(*v));
	v->pci = *pci;
	v->io_fence = cpu_is_tcg();
	pci_enable(pci);
	while ((cap = pci_find_cap(pci, CAP_VENDOR, cap)) != 0) {
		uint8_t type = pci_read8(pci, (uint8_t)(cap + 3));
		uint8_t bar = pci_read8(pci, (uint8_t)(cap + 4));
		uint32_t off = pci_read32(pci, (uint8_t)(cap + 8));
		uint32_t len = pci_read32(pci, (uint8_t)(cap + 12));
		uintptr_t *slot = NULL;
		uint64_t base;

		if (type == CFG_COMMON)
			slot = &v->common;
		else if (type == CFG_NOTIFY)
			slot = &v->notify;
		else if (type == CFG_DEVICE)
			slot = &v->device;
		if (!slot || *slot) /* unused type, or not the first one */
			continue;
		base = pci_bar_map(pci, bar, (uint64_t)off + len);
		if (!base)
			continue;
		*slot = (uintptr_t)(base + off);
		if (type == CFG_NOTIFY)
			v->notify_mult = pci_read32(pci, (uint8_t)(cap + 16));
	}
	if (!v->common || !v->notify || !v->device)
		return -TERN_ENOTSUP;
	v->msix = pci_msix_enable(pci, VEC_DEVICE) > 0;
	return 0;
}

/* Adds bits to the device status register. */
static void set_status(struct virtio_dev *v, uint8_t bits)
{
	uint8_t s = mmio_read8(v->common + C_STATUS);

	mmio_write8(v->common + C_STATUS, (uint8_t)(s | bits));
}

void virtio_fail(struct virtio_dev *v)
{
	set_status(v, S_FAILED);
}

int virtio_negotiate(struct virtio_dev *v, uint64_t wanted)
{
	uint64_t offered;

	mmio_write8(v->common + C_STATUS, 0); /* reset */
	for (int i = 0; i < 100000 && mmio_read8(v->common + C_STATUS); i++)
		pause();
	mmio_write16(v->common + C_MSIX, NO_VECTOR);
	set_status(v, S_ACKNOWLEDGE);
	set_status(v, S_DRIVER);
	mmio_write32(v->common + C_DFSELECT, 0);
	offered = mmio_read32(v->common + C_DF);
	mmio_write32(v->common + C_DFSELECT, 1);
	offered |= (uint64_t)mmio_read32(v->common + C_DF) << 32;
	if (!(offered & VIRTIO_F_VERSION_1)) {
		virtio_fail(v);
		return -TERN_ENOTSUP;
	}
	v->features = offered & (wanted | VIRTIO_F_VERSION_1);
	mmio_write32(v->common + C_GFSELECT, 0);
	mmio_write32(v->common + C_GF, (uint32_t)v->features);
	mmio_write32(v->common + C_GFSELECT, 1);
	mmio_write32(v->common + C_GF, (uint32_t)(v->features >> 32));
	set_status(v, S_FEATURES_OK);
	if (!(mmio_read8(v->common + C_STATUS) & S_FEATURES_OK)) {
		virtio_fail(v);
		return -TERN_EIO;
	}
	return 0;
}

int virtq_init(struct virtio_dev *v, struct virtq *q, uint16_t index,
	       uint16_t max_size)
{
	uint16_t size;
	size_t ring_bytes, used_bytes;
	uint8_t *mem;
	uint64_t desc, avail, used;

	memset(q, 0, sizeof(*q));
	mmio_write16(v->common + C_Q_SELECT, index);
	size = mmio_read16(v->common + C_Q_SIZE);
	if (size == 0)
		return -TERN_ENODEV;
	while (size > max_size) /* both are powers of two */
		size /= 2;
	mmio_write16(v->common + C_Q_SIZE, size);

	/* Descriptors and the avail ring in one block, the used ring in
	 * the next page-aligned block (alignments 16, 2 and 4 suffice). */
	ring_bytes = align_up(16ull * size + 6 + 2ull * size, PAGE_SIZE);
	used_bytes = align_up(6 + 8ull * size, PAGE_SIZE);
	mem = tern_mem_alloc(ring_bytes + used_bytes);
	if (!mem)
		return -TERN_ENOMEM;
	desc = (uint64_t)(uintptr_t)mem;
	avail = desc + 16ull * size;
	used = desc + ring_bytes;

	q->index = index;
	q->size = size;
	q->desc = (volatile struct vq_desc *)(uintptr_t)desc;
	q->avail = (volatile uint16_t *)(uintptr_t)avail;
	q->used = (volatile uint16_t *)(uintptr_t)used;
	q->used_ring = (volatile struct vq_used_elem *)(uintptr_t)(used + 4);
	q->used_event = &q->avail[2 + size];
	q->avail_event =
		(volatile uint16_t *)(uintptr_t)(used + 4 + 8ull * size);
	q->event_idx = v->features & VIRTIO_F_RING_EVENT_IDX;
	q->io_fence = v->io_fence;

	mmio_write32(v->common + C_Q_DESCLO, (uint32_t)desc);
	mmio_write32(v->common + C_Q_DESCHI, (uint32_t)(desc >> 32));
	mmio_write32(v->common + C_Q_AVAILLO, (uint32_t)avail);
	mmio_write32(v->common + C_Q_AVAILHI, (uint32_t)(avail >> 32));
	mmio_write32(v->common + C_Q_USEDLO, (uint32_t)used);
	mmio_write32(v->common + C_Q_USEDHI, (uint32_t)(used >> 32));
	if (v->msix) {
		/* Every MSI-X table entry carries the same vector: use 0. */
		mmio_write16(v->common + C_Q_MSIX, 0);
		if (mmio_read16(v->common + C_Q_MSIX) != 0)
			v->msix = false; /* the device could not map it */
	} else {
		mmio_write16(v->common + C_Q_MSIX, NO_VECTOR);
	}
	q->notify_addr =
		v->notify +
		(uintptr_t)mmio_read16(v->common + C_Q_NOFF) * v->notify_mult;
	/* Interrupts stay suppressed until a tern_wait() asks for them. */
	virtq_irq_disable(q);
	mmio_write16(v->common + C_Q_ENABLE, 1);
	return 0;
}

void virtio_driver_ok(struct virtio_dev *v)
{
	set_status(v, S_DRIVER_OK);
}

void virtio_read_config(struct virtio_dev *v, uint32_t off, void *dst,
			uint32_t len)
{
	uint8_t *p = dst;
	uint8_t gen;

	do {
		gen = mmio_read8(v->common + C_CFGGEN);
		for (uint32_t i = 0; i < len; i++)
			p[i] = mmio_read8(v->device + off + i);
	} while (gen != mmio_read8(v->common + C_CFGGEN));
}

/* True if the device asked to be notified of the chains published between
 * avail indexes old and new (call after fencing the index store). */
static bool kick_wanted(const struct virtq *q, uint16_t old, uint16_t new)
{
	if (q->event_idx) {
		uint16_t ev = *q->avail_event;

		return (uint16_t)(new - ev - 1) < (uint16_t)(new - old);
	}
	return !(q->used[0] & VRING_USED_F_NO_NOTIFY);
}

void virtq_kick(struct virtq *q)
{
	uint16_t old = q->published, new = q->avail_shadow;
	bool notify;

	if (old == new)
		return;
	barrier(); /* ring entries before the index (x86 keeps stores in
		    * order; the compiler must too) */
	q->avail[1] = new;
	q->published = new;
	mfence(); /* the index store before reading the device's hints */
	notify = kick_wanted(q, old, new);
	if (!notify && q->io_fence) {
		/* Under TCG that MFENCE may have been none (top of file): a
		 * stale "kick" costs only a needless kick, but a "no kick"
		 * must be confirmed after a real fence. */
		io_fence();
		notify = kick_wanted(q, old, new);
	}
	if (notify) {
		mmio_write16(q->notify_addr, q->index);
		q->kicks++;
	}
}

bool virtq_has_used(const struct virtq *q)
{
	return q->used[1] != q->last_used;
}

bool virtq_pop(struct virtq *q, uint32_t *id, uint32_t *len)
{
	volatile struct vq_used_elem *e;

	if (q->used[1] == q->last_used)
		return false;
	barrier(); /* the index before the element it covers */
	e = &q->used_ring[q->last_used & (q->size - 1)];
	*id = e->id;
	*len = e->len;
	q->last_used++;
	return true;
}

bool virtq_irq_enable(struct virtq *q)
{
	if (q->event_idx)
		*q->used_event = q->last_used;
	else
		q->avail[0] = 0;
	mfence(); /* the request before re-reading the used index */
	if (virtq_has_used(q))
		return true;
	if (q->io_fence) {
		/* As in virtq_kick: only "nothing yet", which lets the
		 * caller sleep, must be confirmed after a real fence. */
		io_fence();
		return virtq_has_used(q);
	}
	return false;
}

void virtq_irq_disable(struct virtq *q)
{
	/* With event indexes the device interrupts only when its index
	 * crosses used_event: one behind what we consumed is crossed only
	 * after 65536 more entries, which costs one spurious wake-up. */
	if (q->event_idx)
		*q->used_event = (uint16_t)(q->last_used - 1);
	else
		q->avail[0] = VRING_AVAIL_F_NO_INTERRUPT;
}
