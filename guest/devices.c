/*
 * devices.c - finding the virtio devices and handing them to the app.
 *
 * Two places to look: the PCI bus (pc, q35) and the virtio_mmio.device=
 * words of the kernel command line (microvm, Firecracker), which are taken
 * out before the app's flags are parsed. In the guest the only device kind
 * is "virtio":
 *   --net virtio   (repeatable) the next virtio-net device;
 *   --disk virtio  (repeatable) the next virtio-blk device.
 * Without any --net (--disk), every virtio-net (virtio-blk) device found is
 * handed to the application. Devices are named net0, net1, ... and blk0,
 * blk1, ... in the order found: PCI order (the order of -device options on
 * QEMU's command line), then the order of the virtio_mmio.device= words.
 * --pcap is hosted-only and rejected by main.c.
 */
#include <string.h>

#include "tern/app.h"
#include "tern/fmt.h"
#include "tern/log.h"

#include "guest.h"
#include "virtio.h"

#define MMIO_MAX 32

unsigned devices_pci_functions, devices_mmio;

static struct guest_pci_dev pci_devs[GUEST_PCI_MAX];
static struct virtio_mmio_loc mmio_locs[MMIO_MAX];

/* How many devices of each kind the app asked for (UINT32_MAX: all). */
struct wants {
	unsigned net, blk;
};

/* Logs why the guest cannot boot and halts with status 1. */
static _Noreturn void fail(const char *what)
{
	tern_log_error("guest: %s", what);
	tern_halt(1);
}

int devices_take_mmio_args(int argc, char **argv)
{
	int out = 1;

	for (int i = 1; i < argc; i++) {
		struct virtio_mmio_loc loc;
		int rc = virtio_mmio_parse(argv[i], &loc);
		char msg[160];

		if (rc == 0) {
			argv[out++] = argv[i];
			continue;
		}
		if (rc < 0) {
			tern_snprintf(msg, sizeof(msg),
				      "%s: not SIZE@BASE:IRQ (IRQ < 48)",
				      argv[i]);
			fail(msg);
		}
		if (devices_mmio == MMIO_MAX)
			fail("more than 32 virtio_mmio.device= entries");
		mmio_locs[devices_mmio++] = loc;
	}
	return out;
}

/* Checks every --net/--disk spec is "virtio"; returns how many devices of
 * the kind the app asked for (UINT32_MAX: all). */
static unsigned wanted(const char *const *specs, unsigned n, const char *flag)
{
	for (unsigned i = 0; i < n; i++) {
		if (strcmp(specs[i], "virtio") != 0) {
			char msg[96];

			tern_snprintf(msg, sizeof(msg),
				      "--%s %s: the guest has only "
				      "'--%s virtio'",
				      flag, specs[i], flag);
			fail(msg);
		}
	}
	return n ? n : UINT32_MAX;
}

/* True if the app takes one more device of type id (VIRTIO_ID_*). */
static bool takes(const struct tern_boot *boot, const struct wants *w,
		  uint32_t id)
{
	if (id == VIRTIO_ID_NET)
		return boot->n_net < w->net && boot->n_net < TERN_MAX_NETDEVS;
	if (id == VIRTIO_ID_BLK)
		return boot->n_blk < w->blk && boot->n_blk < TERN_MAX_BLKDEVS;
	return false;
}

/* Drives the device of type id whose transport v was just set up and
 * gives it to the app under its next name. */
static void attach(struct tern_boot *boot, uint32_t id,
		   const struct virtio_dev *v)
{
	char name[TERN_DEV_NAME_MAX];

	if (id == VIRTIO_ID_NET) {
		tern_snprintf(name, sizeof(name), "net%u", boot->n_net);
		if (virtio_net_probe(v, name, &boot->net[boot->n_net]) == 0)
			boot->n_net++;
	} else {
		tern_snprintf(name, sizeof(name), "blk%u", boot->n_blk);
		if (virtio_blk_probe(v, name, &boot->blk[boot->n_blk]) == 0)
			boot->n_blk++;
	}
}

void devices_attach(struct tern_boot *boot, const struct tern_args *a)
{
	struct wants w = { wanted(a->net, a->n_net, "net"),
			   wanted(a->disk, a->n_disk, "disk") };
	struct virtio_dev v;

	devices_pci_functions = pci_scan(pci_devs, GUEST_PCI_MAX);
	for (unsigned i = 0; i < devices_pci_functions; i++) {
		uint32_t id = virtio_pci_device_id(&pci_devs[i]);

		if (!takes(boot, &w, id))
			continue;
		if (virtio_pci_init(&v, &pci_devs[i]) == 0)
			attach(boot, id, &v);
		else
			tern_log_error("guest: %s: no modern virtio "
				       "capabilities",
				       v.where);
	}
	for (unsigned i = 0; i < devices_mmio; i++) {
		uint32_t id = virtio_mmio_device_id(&mmio_locs[i]);

		if (!takes(boot, &w, id))
			continue;
		virtio_mmio_init(&v, &mmio_locs[i]);
		if (!v.irq)
			tern_log_warn("guest: %s: no I/O APIC pin, polled",
				      v.where);
		attach(boot, id, &v);
	}
	if (a->n_net && boot->n_net < a->n_net)
		fail("fewer virtio-net devices than --net flags");
	if (a->n_disk && boot->n_blk < a->n_disk)
		fail("fewer virtio-blk devices than --disk flags");
	if (a->has_mac && boot->n_net > 0)
		memcpy(boot->net[0]->mac, a->mac, TERN_ETH_ALEN);
}
