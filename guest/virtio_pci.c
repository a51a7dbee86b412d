/*
 * virtio_pci.c - the virtio 1.x PCI transport (virtio.h): the registers are
 * found through the vendor-specific PCI capabilities (common, notify and
 * device configuration), queues interrupt through MSI-X.
 *
 * Register offsets are from the virtio 1.x specification, section 4.1.4.3
 * (struct virtio_pci_common_cfg). 64-bit queue addresses are written as two
 * 32-bit halves, which the specification allows and QEMU requires (its
 * common-config region takes at most 4-byte accesses).
 */
#include <string.h>

#include "tern/fmt.h"
#include "tern/log.h"

#include "virtio.h"
#include "x86.h"

#define CAP_VENDOR 0x09
#define CFG_COMMON 1
#define CFG_NOTIFY 2
#define CFG_DEVICE 4

/* struct virtio_pci_common_cfg */
#define C_DFSELECT 0x00
#define C_DF 0x04
#define C_GFSELECT 0x08
#define C_GF 0x0c
#define C_MSIX 0x10
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

#define NO_VECTOR 0xffff

uint32_t virtio_pci_device_id(const struct guest_pci_dev *d)
{
	if (d->vendor != 0x1af4)
		return 0;
	if (d->device >= 0x1041 && d->device <= 0x107f) /* modern */
		return d->device - 0x1040u;
	if (d->device == 0x1000) /* transitional */
		return VIRTIO_ID_NET;
	if (d->device == 0x1001)
		return VIRTIO_ID_BLK;
	return 0;
}

/* virtio_ops.get_status */
static uint8_t pci_get_status(struct virtio_dev *v)
{
	return mmio_read8(v->regs + C_STATUS);
}

/* virtio_ops.set_status */
static void pci_set_status(struct virtio_dev *v, uint8_t status)
{
	mmio_write8(v->regs + C_STATUS, status);
	if (status == 0) /* after a reset: no configuration interrupts */
		mmio_write16(v->regs + C_MSIX, NO_VECTOR);
}

/* virtio_ops.get_features */
static uint64_t pci_get_features(struct virtio_dev *v)
{
	uint64_t f;

	mmio_write32(v->regs + C_DFSELECT, 0);
	f = mmio_read32(v->regs + C_DF);
	mmio_write32(v->regs + C_DFSELECT, 1);
	return f | (uint64_t)mmio_read32(v->regs + C_DF) << 32;
}

/* virtio_ops.set_features */
static void pci_set_features(struct virtio_dev *v, uint64_t f)
{
	mmio_write32(v->regs + C_GFSELECT, 0);
	mmio_write32(v->regs + C_GF, (uint32_t)f);
	mmio_write32(v->regs + C_GFSELECT, 1);
	mmio_write32(v->regs + C_GF, (uint32_t)(f >> 32));
}

/* virtio_ops.queue_max */
static uint16_t pci_queue_max(struct virtio_dev *v, uint16_t index)
{
	mmio_write16(v->regs + C_Q_SELECT, index);
	return mmio_read16(v->regs + C_Q_SIZE);
}

/* virtio_ops.queue_enable: every MSI-X table entry carries the same
 * vector, so queue vector 0 is used; a device that cannot map it turns
 * the whole device to polling. */
static void pci_queue_enable(struct virtio_dev *v, struct virtq *q,
			     uint64_t desc, uint64_t avail, uint64_t used)
{
	mmio_write16(v->regs + C_Q_SELECT, q->index);
	mmio_write16(v->regs + C_Q_SIZE, q->size);
	mmio_write32(v->regs + C_Q_DESCLO, (uint32_t)desc);
	mmio_write32(v->regs + C_Q_DESCHI, (uint32_t)(desc >> 32));
	mmio_write32(v->regs + C_Q_AVAILLO, (uint32_t)avail);
	mmio_write32(v->regs + C_Q_AVAILHI, (uint32_t)(avail >> 32));
	mmio_write32(v->regs + C_Q_USEDLO, (uint32_t)used);
	mmio_write32(v->regs + C_Q_USEDHI, (uint32_t)(used >> 32));
	if (v->irq) {
		mmio_write16(v->regs + C_Q_MSIX, 0);
		if (mmio_read16(v->regs + C_Q_MSIX) != 0)
			v->irq = false;
	} else {
		mmio_write16(v->regs + C_Q_MSIX, NO_VECTOR);
	}
	q->notify_addr =
		v->notify +
		(uintptr_t)mmio_read16(v->regs + C_Q_NOFF) * v->notify_mult;
	mmio_write16(v->regs + C_Q_ENABLE, 1);
}

/* virtio_ops.notify */
static void pci_notify(struct virtio_dev *v, const struct virtq *q)
{
	(void)v;
	mmio_write16(q->notify_addr, q->index);
}

/* virtio_ops.config_generation */
static uint32_t pci_config_generation(struct virtio_dev *v)
{
	return mmio_read8(v->regs + C_CFGGEN);
}

/* virtio_ops.config_read8 */
static uint8_t pci_config_read8(struct virtio_dev *v, uint32_t off)
{
	return mmio_read8(v->device + off);
}

static const struct virtio_ops pci_ops = {
	.get_status = pci_get_status,
	.set_status = pci_set_status,
	.get_features = pci_get_features,
	.set_features = pci_set_features,
	.queue_max = pci_queue_max,
	.queue_enable = pci_queue_enable,
	.notify = pci_notify,
	.irq_ack = NULL, /* MSI-X messages need no acknowledgement */
	.config_generation = pci_config_generation,
	.config_read8 = pci_config_read8,
};

int virtio_pci_init(struct virtio_dev *v, const struct guest_pci_dev *pci)
{
	uint8_t cap = 0;
	uintptr_t common = 0;

	memset(v, 0, sizeof(*v));
	v->ops = &pci_ops;
	v->io_fence = cpu_is_tcg();
	tern_snprintf(v->where, sizeof(v->where), "pci %02x:%02x.%x", pci->bus,
		      pci->slot, pci->fn);
	pci_enable(pci);
	while ((cap = pci_find_cap(pci, CAP_VENDOR, cap)) != 0) {
		uint8_t type = pci_read8(pci, (uint8_t)(cap + 3));
		uint8_t bar = pci_read8(pci, (uint8_t)(cap + 4));
		uint32_t off = pci_read32(pci, (uint8_t)(cap + 8));
		uint32_t len = pci_read32(pci, (uint8_t)(cap + 12));
		uintptr_t *slot = NULL;
		uint64_t base;

		if (type == CFG_COMMON)
			slot = &common;
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
	v->regs = common;
	if (!v->regs || !v->notify || !v->device)
		return -TERN_ENOTSUP;
	v->irq = pci_msix_enable(pci, VEC_DEVICE) > 0;
	return 0;
}
