/*
 * halt.c - ending the guest: tern_halt(), tern_abort() and the
 * isa-debug-exit device that turns a status into QEMU's exit code.
 *
 * With `-device isa-debug-exit,iobase=0xf4,iosize=0x04`, writing v to port
 * 0xf4 makes QEMU exit with (v << 1) | 1. The guest writes
 * GUEST_EXIT_STATUS_BASE + status (status clamped to 0..GUEST_EXIT_STATUS_MAX),
 * so QEMU's exit code is 2 * status + 17: 17 means the app returned 0. No
 * exit code that QEMU produces by itself can read as a guest status: 1 is
 * QEMU's own error, 0 a power-off or reset, 124/125 the test scripts' limits
 * and 128 + n a signal. tern_abort() and fatal exceptions write 127: exit
 * code 255. Without the device, the guest asks for an ACPI power-off (QEMU
 * then exits with 0, whatever the status: the console line
 * "tern: halt (status N)" still tells) and otherwise halts forever.
 * tern_halt() and tern_abort() first end a --profile run (prof_finish: the
 * last samples and the stream's trailer), so a run that aborts still
 * leaves a complete profile of what led to it; so does a fatal exception
 * (trap.c).
 */
#include "tern/fmt.h"

#include "guest.h"
#include "x86.h"

#define DEBUG_EXIT_PORT 0xf4
/* PM1a control of QEMU's PIIX4 and ICH9 ACPI as SeaBIOS programs them,
 * and the older fixed Bochs/QEMU port. SLP_TYP 5 (S5) | SLP_EN. */
#define ACPI_PM1A_CNT_SEABIOS 0x604
#define ACPI_PM1A_CNT_BOCHS 0xb004
#define ACPI_S5 0x2000

void guest_exit(unsigned code)
{
	cli();
	outl(DEBUG_EXIT_PORT, code);
	outw(ACPI_PM1A_CNT_SEABIOS, ACPI_S5);
	outw(ACPI_PM1A_CNT_BOCHS, ACPI_S5);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void tern_halt(int status)
{
	char line[64];
	int n = tern_snprintf(line, sizeof(line), "tern: halt (status %d)\n",
			      status);
	unsigned code;

	prof_finish();
	tern_console_write(line, (size_t)n);
	if (status < 0 || status > GUEST_EXIT_STATUS_MAX)
		code = GUEST_EXIT_STATUS_BASE + GUEST_EXIT_STATUS_MAX;
	else
		code = GUEST_EXIT_STATUS_BASE + (unsigned)status;
	guest_exit(code);
}

void tern_abort(void)
{
	static const char msg[] = "tern: abort\n";

	tern_console_write(msg, sizeof(msg) - 1);
	prof_finish();
	/* From this function's own frame: the first address printed is
	 * tern_abort's caller. */
	trap_backtrace(0, (uint64_t)__builtin_frame_address(0));
	guest_exit(GUEST_EXIT_ABORT);
}
