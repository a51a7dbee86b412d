/*
 * virtio.h - the virtio 1.x PCI transport and split virtqueues, shared by
 * virtio_net.c and virtio_blk.c.
 *
 * Only modern (1.x) devices are driven: the registers are found through
 * the vendor-specific PCI capabilities (common, notify, ISR, device
 * configuration), VIRTIO_F_VERSION_1 must be offered, and everything is
 * little endian. Legacy I/O-port devices are not supported; QEMU offers a
 * modern interface on every virtio-pci device, and disable-legacy=on
 * removes the legacy one.
 *
 * Virtqueues are split rings whose descriptors the drivers manage
 * themselves with fixed mappings (net: descriptor i is buffer i; blk: slot
 * s owns descriptors 3s..3s+2), so there is no descriptor free list here.
 * Notification suppression uses VIRTIO_F_EVENT_IDX when the device offers
 * it, the ring flags otherwise. Both rest on a store-load fence: the driver
 * publishes (its avail index, or its interrupt request) and only then reads
 * the device's hint (avail_event or the used index), while the device does
 * the mirror image; without the fence both may read stale values and a
 * notification is lost for good. Under QEMU's TCG, which may drop MFENCE,
 * an answer that would skip a kick or a sleep is confirmed after
 * io_fence() (x86.h; virtio.c explains).
 */
#ifndef TERN_GUEST_VIRTIO_H
#define TERN_GUEST_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include "guest.h"

#define VIRTIO_F_RING_INDIRECT_DESC (1ull << 28)
#define VIRTIO_F_RING_EVENT_IDX (1ull << 29)
#define VIRTIO_F_VERSION_1 (1ull << 32)

#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_DESC_F_INDIRECT 4

struct virtio_dev {
	struct guest_pci_dev pci;
	uintptr_t common;     /* struct virtio_pci_common_cfg */
	uintptr_t notify;     /* notification area */
	uint32_t notify_mult; /* notify_off_multiplier */
	uintptr_t device;     /* device-specific configuration */
	uint64_t features;    /* negotiated */
	bool msix;	      /* queue interrupts are MSI-X messages */
	bool io_fence;	      /* MFENCE may be none: TCG (virtio.c) */
};

struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq {
	uint16_t index;
	uint16_t size; /* entries, a power of two */
	volatile struct vq_desc *desc;
	volatile uint16_t *avail; /* flags, idx, ring[size], used_event */
	volatile uint16_t *used;  /* flags, idx, then the elements */
	volatile struct vq_used_elem *used_ring;
	volatile uint16_t *used_event;	/* in the avail ring */
	volatile uint16_t *avail_event; /* in the used ring */
	uintptr_t notify_addr;
	bool event_idx;
	bool io_fence;	       /* see struct virtio_dev */
	uint16_t avail_shadow; /* next avail idx, not yet published */
	uint16_t published;    /* avail idx the device has seen */
	uint16_t last_used;    /* used entries consumed */
	uint64_t kicks;	       /* notifications sent */
};

/* Finds the capabilities of pci, maps their BARs and enables MSI-X.
 * Returns 0, or -TERN_ENOTSUP if a required structure is missing. */
int virtio_pci_init(struct virtio_dev *v, const struct guest_pci_dev *pci);

/* Resets the device and negotiates features: VERSION_1 plus whatever of
 * wanted the device offers. Returns 0 (v->features set), -TERN_ENOTSUP if
 * the device is not modern, or -TERN_EIO if it refuses the features. */
int virtio_negotiate(struct virtio_dev *v, uint64_t wanted);

/* Sets up queue index with at most max_size entries (a power of two).
 * Returns 0 or -TERN_ENOMEM / -TERN_ENODEV. */
int virtq_init(struct virtio_dev *v, struct virtq *q, uint16_t index,
	       uint16_t max_size);

/* Tells the device the driver is ready (DRIVER_OK). */
void virtio_driver_ok(struct virtio_dev *v);

/* Marks the device FAILED (after a setup error). */
void virtio_fail(struct virtio_dev *v);

/* A consistent read of len bytes of device configuration at off (retried
 * while config_generation changes). */
void virtio_read_config(struct virtio_dev *v, uint32_t off, void *dst,
			uint32_t len);

static inline void virtq_set_desc(struct virtq *q, uint16_t i, uint64_t addr,
				  uint32_t len, uint16_t flags, uint16_t next)
{
	q->desc[i].addr = addr;
	q->desc[i].len = len;
	q->desc[i].flags = flags;
	q->desc[i].next = next;
}

/* Queues the chain starting at descriptor head (not yet visible). */
static inline void virtq_push(struct virtq *q, uint16_t head)
{
	q->avail[2 + (q->avail_shadow & (q->size - 1))] = head;
	q->avail_shadow++;
}

/* Publishes pushed chains and notifies the device unless it suppressed
 * notifications. */
void virtq_kick(struct virtq *q);

/* Takes the next used element: true with *id and *len set, false if the
 * device has returned nothing new. */
bool virtq_pop(struct virtq *q, uint32_t *id, uint32_t *len);

/* True if the device has returned something not yet popped. */
bool virtq_has_used(const struct virtq *q);

/* Asks for an interrupt at the next used element; returns true if one is
 * already waiting (then no interrupt may come for it). */
bool virtq_irq_enable(struct virtq *q);

/* Suppresses interrupts again (best effort, as the spec allows). */
void virtq_irq_disable(struct virtq *q);

#endif
