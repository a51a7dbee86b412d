/*
 * virtio_mmio.c - the virtio 1.x MMIO transport, version 2 registers
 * (virtio.h; specification section 4.2.2), as QEMU's microvm machine and
 * Firecracker offer it.
 *
 * There is no bus to scan: the devices are listed on the kernel command
 * line as virtio_mmio.device=SIZE@BASE:IRQ (Linux's form), which
 * Firecracker always passes and QEMU's microvm adds by itself when ACPI is
 * off (auto-kernel-cmdline, the default). main.c takes those words out of
 * the command line before the app's flags are parsed. The device's one
 * interrupt line goes through the I/O APIC to VEC_DEVICE; it stays high
 * until the driver acknowledges it, so virtq_irq_enable() lowers it
 * (irq_ack) before a tern_wait() sleeps, and the edge-triggered pin sees
 * the next notification.
 *
 * Legacy devices (version 1: QEMU's default for virtio-mmio unless
 * -global virtio-mmio.force-legacy=false) are refused with a message.
 */
#include <string.h>

#include "tern/fmt.h"
#include "tern/log.h"

#include "virtio.h"
#include "x86.h"

#define MAGIC 0x74726976u /* "virt" */

#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVICE_ID 0x008
#define R_DEV_FEATURES 0x010
#define R_DEV_FEATURES_SEL 0x014
#define R_DRV_FEATURES 0x020
#define R_DRV_FEATURES_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM 0x038
#define R_QUEUE_READY 0x044
#define R_QUEUE_NOTIFY 0x050
#define R_INT_STATUS 0x060
#define R_INT_ACK 0x064
#define R_STATUS 0x070
#define R_QUEUE_DESC_LO 0x080
#define R_QUEUE_DESC_HI 0x084
#define R_QUEUE_DRIVER_LO 0x090
#define R_QUEUE_DRIVER_HI 0x094
#define R_QUEUE_DEVICE_LO 0x0a0
#define R_QUEUE_DEVICE_HI 0x0a4
#define R_CONFIG_GEN 0x0fc
#define R_CONFIG 0x100

#define GSI_MAX 48 /* two I/O APICs of 24 pins (microvm with ACPI) */

/* Parses an unsigned number at *p (0x hex or decimal) and advances *p
 * past it. Returns false if there is no digit or it overflows. */
static bool parse_num(const char **p, uint64_t *out)
{
	const char *s = *p;
	unsigned base = 10;
	uint64_t v = 0;
	int digits = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++, digits++) {
		int d = tern_hex_digit(*s);

		if (d < 0 || (unsigned)d >= base)
			break;
		if (v > (UINT64_MAX - (unsigned)d) / base)
			return false;
		v = v * base + (unsigned)d;
	}
	*p = s;
	*out = v;
	return digits > 0;
}

int virtio_mmio_parse(const char *word, struct virtio_mmio_loc *loc)
{
	static const char key[] = "virtio_mmio.device=";
	const char *p = word;
	uint64_t size, base, gsi, id;
	unsigned shift = 0;

	if (strncmp(word, key, sizeof(key) - 1) != 0)
		return 0;
	p += sizeof(key) - 1;
	if (!parse_num(&p, &size))
		return -TERN_EINVAL;
	if (*p == 'K' || *p == 'k')
		shift = 10;
	else if (*p == 'M' || *p == 'm')
		shift = 20;
	else if (*p == 'G' || *p == 'g')
		shift = 30;
	if (shift) {
		p++;
		if (size > UINT64_MAX >> shift)
			return -TERN_EINVAL;
		size <<= shift;
	}
	if (*p++ != '@' || !parse_num(&p, &base) || *p++ != ':' ||
	    !parse_num(&p, &gsi))
		return -TERN_EINVAL;
	if (*p == ':' && (p++, !parse_num(&p, &id))) /* Linux's device id */
		return -TERN_EINVAL;
	if (*p != '\0' || size < R_CONFIG || base + size < base ||
	    gsi >= GSI_MAX)
		return -TERN_EINVAL;
	loc->base = base;
	loc->size = size;
	loc->gsi = (uint32_t)gsi;
	return 1;
}

uint32_t virtio_mmio_device_id(const struct virtio_mmio_loc *loc)
{
	uintptr_t r = (uintptr_t)loc->base;
	uint32_t version;

	if (paging_map(loc->base, loc->size, true) < 0 ||
	    mmio_read32(r + R_MAGIC) != MAGIC)
		return 0;
	version = mmio_read32(r + R_VERSION);
	if (version != 2) {
		tern_log_warn("virtio-mmio at 0x%llx: version %u, not 2 "
			      "(QEMU: -global virtio-mmio.force-legacy=false)",
			      (unsigned long long)loc->base, version);
		return 0;
	}
	return mmio_read32(r + R_DEVICE_ID); /* 0: an empty transport */
}

/* virtio_ops.get_status */
static uint8_t mmio_get_status(struct virtio_dev *v)
{
	return (uint8_t)mmio_read32(v->regs + R_STATUS);
}

/* virtio_ops.set_status */
static void mmio_set_status(struct virtio_dev *v, uint8_t status)
{
	mmio_write32(v->regs + R_STATUS, status);
}

/* virtio_ops.get_features */
static uint64_t mmio_get_features(struct virtio_dev *v)
{
	uint64_t f;

	mmio_write32(v->regs + R_DEV_FEATURES_SEL, 0);
	f = mmio_read32(v->regs + R_DEV_FEATURES);
	mmio_write32(v->regs + R_DEV_FEATURES_SEL, 1);
	return f | (uint64_t)mmio_read32(v->regs + R_DEV_FEATURES) << 32;
}

/* virtio_ops.set_features */
static void mmio_set_features(struct virtio_dev *v, uint64_t f)
{
	mmio_write32(v->regs + R_DRV_FEATURES_SEL, 0);
	mmio_write32(v->regs + R_DRV_FEATURES, (uint32_t)f);
	mmio_write32(v->regs + R_DRV_FEATURES_SEL, 1);
	mmio_write32(v->regs + R_DRV_FEATURES, (uint32_t)(f >> 32));
}

/* virtio_ops.queue_max: 0 also for a queue already in use. */
static uint16_t mmio_queue_max(struct virtio_dev *v, uint16_t index)
{
	uint32_t max;

	mmio_write32(v->regs + R_QUEUE_SEL, index);
	if (mmio_read32(v->regs + R_QUEUE_READY))
		return 0;
	max = mmio_read32(v->regs + R_QUEUE_NUM_MAX);
	return max > 0x8000 ? 0x8000 : (uint16_t)max;
}

/* virtio_ops.queue_enable */
static void mmio_queue_enable(struct virtio_dev *v, struct virtq *q,
			      uint64_t desc, uint64_t avail, uint64_t used)
{
	mmio_write32(v->regs + R_QUEUE_SEL, q->index);
	mmio_write32(v->regs + R_QUEUE_NUM, q->size);
	mmio_write32(v->regs + R_QUEUE_DESC_LO, (uint32_t)desc);
	mmio_write32(v->regs + R_QUEUE_DESC_HI, (uint32_t)(desc >> 32));
	mmio_write32(v->regs + R_QUEUE_DRIVER_LO, (uint32_t)avail);
	mmio_write32(v->regs + R_QUEUE_DRIVER_HI, (uint32_t)(avail >> 32));
	mmio_write32(v->regs + R_QUEUE_DEVICE_LO, (uint32_t)used);
	mmio_write32(v->regs + R_QUEUE_DEVICE_HI, (uint32_t)(used >> 32));
	mmio_write32(v->regs + R_QUEUE_READY, 1);
}

/* virtio_ops.notify */
static void mmio_notify(struct virtio_dev *v, const struct virtq *q)
{
	mmio_write32(v->regs + R_QUEUE_NOTIFY, q->index);
}

/* virtio_ops.irq_ack: lowers the line if it is up (one read when not). */
static void mmio_irq_ack(struct virtio_dev *v)
{
	uint32_t isr = mmio_read32(v->regs + R_INT_STATUS);

	if (isr)
		mmio_write32(v->regs + R_INT_ACK, isr);
}

/* virtio_ops.config_generation */
static uint32_t mmio_config_generation(struct virtio_dev *v)
{
	return mmio_read32(v->regs + R_CONFIG_GEN);
}

/* virtio_ops.config_read8 */
static uint8_t mmio_config_read8(struct virtio_dev *v, uint32_t off)
{
	return mmio_read8(v->device + off);
}

static const struct virtio_ops mmio_ops = {
	.get_status = mmio_get_status,
	.set_status = mmio_set_status,
	.get_features = mmio_get_features,
	.set_features = mmio_set_features,
	.queue_max = mmio_queue_max,
	.queue_enable = mmio_queue_enable,
	.notify = mmio_notify,
	.irq_ack = mmio_irq_ack,
	.config_generation = mmio_config_generation,
	.config_read8 = mmio_config_read8,
};

void virtio_mmio_init(struct virtio_dev *v, const struct virtio_mmio_loc *loc)
{
	memset(v, 0, sizeof(*v));
	v->ops = &mmio_ops;
	v->io_fence = cpu_is_tcg();
	tern_snprintf(v->where, sizeof(v->where), "mmio 0x%llx irq %u",
		      (unsigned long long)loc->base, loc->gsi);
	v->regs = (uintptr_t)loc->base;
	v->device = v->regs + R_CONFIG;
	v->irq = ioapic_route(loc->gsi, VEC_DEVICE) == 0;
}
