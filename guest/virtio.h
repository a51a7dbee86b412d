/*
 * virtio.h - virtio 1.x devices: the transport-independent core (device
 * status, feature negotiation, split virtqueues; virtio.c) over one of two
 * transports, each a small ops table: PCI (virtio_pci.c) and MMIO version 2
 * (virtio_mmio.c). virtio_net.c and virtio_blk.c see only the core.
 *
 * Only modern (1.x) devices are driven: VIRTIO_F_VERSION_1 must be offered
 * and everything is little endian. Legacy interfaces (PCI I/O ports, MMIO
 * version 1) are not supported; QEMU's disable-legacy=on (PCI) and
 * -global virtio-mmio.force-legacy=false (MMIO) remove them.
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

struct virtio_dev;
struct virtq;

/* What a transport does for the core. Register access only: the core owns
 * the order of the steps (virtio 1.x, 3.1.1). */
struct virtio_ops {
	uint8_t (*get_status)(struct virtio_dev *v);
	void (*set_status)(struct virtio_dev *v, uint8_t status);
	/* The 64 feature bits the device offers; the ones the driver took. */
	uint64_t (*get_features)(struct virtio_dev *v);
	void (*set_features)(struct virtio_dev *v, uint64_t features);
	/* Largest size of queue index, 0 if there is no such queue. */
	uint16_t (*queue_max)(struct virtio_dev *v, uint16_t index);
	/* Gives the device queue q (index, size, ring addresses set) and
	 * enables it; routes its interrupt if v->irq. */
	void (*queue_enable)(struct virtio_dev *v, struct virtq *q,
			     uint64_t desc, uint64_t avail, uint64_t used);
	/* Notifies the device that queue q has new chains. */
	void (*notify)(struct virtio_dev *v, const struct virtq *q);
	/* Lowers the device's interrupt line (MMIO; NULL where there is
	 * none: MSI-X messages are edges). */
	void (*irq_ack)(struct virtio_dev *v);
	uint32_t (*config_generation)(struct virtio_dev *v);
	uint8_t (*config_read8)(struct virtio_dev *v, uint32_t off);
};

struct virtio_dev {
	const struct virtio_ops *ops;
	char where[40];	      /* "pci 00:03.0", "mmio 0xfeb00e00 irq 12" */
	uintptr_t regs;	      /* PCI common config, or the MMIO registers */
	uintptr_t notify;     /* PCI notification area */
	uint32_t notify_mult; /* PCI notify_off_multiplier */
	uintptr_t device;     /* device-specific configuration */
	uint64_t features;    /* negotiated */
	bool irq;	      /* queues interrupt (MSI-X, or an IOAPIC pin) */
	bool io_fence;	      /* MFENCE may be none: TCG (virtio.c) */
};

/* Where a virtio-mmio device is: the kernel command line's
 * virtio_mmio.device=SIZE@BASE:IRQ. */
struct virtio_mmio_loc {
	uint64_t base, size;
	uint32_t gsi;
};

#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLK 2

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
	struct virtio_dev *dev;
	uint16_t index;
	uint16_t size; /* entries, a power of two */
	volatile struct vq_desc *desc;
	volatile uint16_t *avail; /* flags, idx, ring[size], used_event */
	volatile uint16_t *used;  /* flags, idx, then the elements */
	volatile struct vq_used_elem *used_ring;
	volatile uint16_t *used_event;	/* in the avail ring */
	volatile uint16_t *avail_event; /* in the used ring */
	uintptr_t notify_addr;		/* PCI: where the kick goes */
	bool event_idx;
	bool io_fence;	       /* see struct virtio_dev */
	uint16_t avail_shadow; /* next avail idx, not yet published */
	uint16_t published;    /* avail idx the device has seen */
	uint16_t last_used;    /* used entries consumed */
	uint64_t kicks;	       /* notifications sent */
};

/* ---- virtio_pci.c ---- */
/* The virtio device type of PCI function d (VIRTIO_ID_*), 0 if it is not
 * a virtio device. */
uint32_t virtio_pci_device_id(const struct guest_pci_dev *d);

/* Finds the capabilities of pci, maps their BARs and enables MSI-X.
 * Returns 0, or -TERN_ENOTSUP if a required structure is missing. */
int virtio_pci_init(struct virtio_dev *v, const struct guest_pci_dev *pci);

/* ---- virtio_mmio.c ---- */
/* Parses one command-line word. Returns 1 with *loc set if it is
 * virtio_mmio.device=SIZE@BASE:IRQ[:ID] (SIZE with an optional K, M or G;
 * numbers decimal or 0x hex), 0 if it is another word, -TERN_EINVAL if it
 * is that option but malformed. */
int virtio_mmio_parse(const char *word, struct virtio_mmio_loc *loc);

/* The virtio device type at loc (VIRTIO_ID_*): 0 if there is no version-2
 * virtio-mmio device there (an empty transport, a legacy one: logged). */
uint32_t virtio_mmio_device_id(const struct virtio_mmio_loc *loc);

/* Sets v up for the device at loc (which virtio_mmio_device_id() found
 * and mapped) with its interrupt routed through the I/O APIC to
 * VEC_DEVICE; v->irq is false if no I/O APIC has the pin (then polled). */
void virtio_mmio_init(struct virtio_dev *v, const struct virtio_mmio_loc *loc);

/* ---- virtio.c ---- */
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
 * while the configuration generation changes). */
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
