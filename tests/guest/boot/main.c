/*
 * boot/main.c - the smallest guest image: boots, reports what the platform
 * found (clock source, timer mode, entropy, devices) and halts with status
 * 0. tests/guest runs it on both machine types (pc, q35) and both CPU
 * models the tests use, and the benchmarks time it.
 */
#include "tern/app.h"
#include "tern/guest.h"
#include "tern/log.h"

static int boot_main(struct tern_boot *boot)
{
	struct tern_guest_info info;

	tern_guest_get_info(&info);
	tern_log_info("boot: ready: %u netdevs, %u blkdevs, %u PCI functions, "
		      "%u virtio-mmio devices, "
		      "tsc %s, timer %s, entropy %s",
		      boot->n_net, boot->n_blk, info.pci_functions,
		      info.mmio_devices, info.tsc_source, info.timer_mode,
		      info.entropy_source);
	return 0;
}

const struct tern_app tern_app = {
	.name = "boot",
	.summary = "boots, prints what the guest platform found, halts",
	.flags = NULL,
	.main = boot_main,
};
