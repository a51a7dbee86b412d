/*
 * virtio.c - the transport-independent virtio 1.x core (see virtio.h):
 * device initialisation in the order of the specification (3.1.1), feature
 * negotiation, split virtqueues and their notification suppression. The
 * registers are reached through the device's transport ops (virtio_pci.c,
 * virtio_mmio.c).
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

#define S_ACKNOWLEDGE 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_FAILED 128

#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY 1

/* Adds bits to the device status register. */
static void set_status(struct virtio_dev *v, uint8_t bits)
{
	v->ops->set_status(v, (uint8_t)(v->ops->get_status(v) | bits));
}

void virtio_fail(struct virtio_dev *v)
{
	set_status(v, S_FAILED);
}

int virtio_negotiate(struct virtio_dev *v, uint64_t wanted)
{
	uint64_t offered;

	v->ops->set_status(v, 0); /* reset */
	for (int i = 0; i < 100000 && v->ops->get_status(v); i++)
		pause();
	set_status(v, S_ACKNOWLEDGE);
	set_status(v, S_DRIVER);
	offered = v->ops->get_features(v);
	if (!(offered & VIRTIO_F_VERSION_1)) {
		virtio_fail(v);
		return -TERN_ENOTSUP;
	}
	v->features = offered & (wanted | VIRTIO_F_VERSION_1);
	v->ops->set_features(v, v->features);
	set_status(v, S_FEATURES_OK);
	if (!(v->ops->get_status(v) & S_FEATURES_OK)) {
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
	size = v->ops->queue_max(v, index);
	if (size == 0)
		return -TERN_ENODEV;
	while (size > max_size) /* both are powers of two */
		size /= 2;

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

	q->dev = v;
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
	/* Interrupts stay suppressed until a tern_wait() asks for them. */
	virtq_irq_disable(q);
	v->ops->queue_enable(v, q, desc, avail, used);
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
	uint32_t gen;

	do {
		gen = v->ops->config_generation(v);
		for (uint32_t i = 0; i < len; i++)
			p[i] = v->ops->config_read8(v, off + i);
	} while (gen != v->ops->config_generation(v));
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
		q->dev->ops->notify(q->dev, q);
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
	/* A level-triggered line (MMIO) must be low before we sleep, or the
	 * edge-triggered I/O APIC pin never sees the next one. */
	if (q->dev->ops->irq_ack)
		q->dev->ops->irq_ack(q->dev);
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
