/*
 * trap.c - what happens on an interrupt or exception.
 *
 * Interrupts (the LAPIC timer, virtio MSI-X messages) only need to end the
 * HLT in tern_wait(): the handler counts them and acknowledges the LAPIC.
 * Drivers notice their work when the event loop polls them.
 *
 * An NMI is the profiler's tick when --profile is on (prof_sample.c
 * records a sample and the handler returns); otherwise it is reported like
 * an exception.
 *
 * Exceptions are bugs: the handler prints the vector, error code, every
 * general register, CR2/CR3 and a frame-pointer backtrace on the console,
 * then ends the VM through isa-debug-exit with GUEST_EXIT_ABORT (QEMU exits
 * with 255), after a --profile run's last samples and trailer went out
 * (prof_finish; a fault inside that stops at once). Backtraces are raw return addresses; the line printed after
 * them is the addr2line command that turns them into functions and lines.
 * The guest is built with -fno-omit-frame-pointer so that the chain of
 * saved frame pointers is complete; each one is checked to lie in RAM
 * before it is followed.
 */
#include "tern/fmt.h"
#include "tern/print.h"

#include "guest.h"
#include "x86.h"

#define BACKTRACE_MAX 32

uint64_t trap_irq_count;

static const char *const names[32] = {
	"#DE divide error",
	"#DB debug",
	"NMI",
	"#BP breakpoint",
	"#OF overflow",
	"#BR bound range",
	"#UD invalid opcode",
	"#NM device not available",
	"#DF double fault",
	"coprocessor overrun",
	"#TS invalid TSS",
	"#NP segment not present",
	"#SS stack fault",
	"#GP general protection",
	"#PF page fault",
	"reserved",
	"#MF x87 error",
	"#AC alignment check",
	"#MC machine check",
	"#XM SIMD error",
	"#VE virtualization",
	"#CP control protection",
};

void trap_backtrace(uint64_t rip, uint64_t rbp)
{
	char cmd[BACKTRACE_MAX * 19 + 1];
	size_t len = 0;

	tern_printf("backtrace:\n");
	if (rip) {
		tern_printf("  #0 0x%llx\n", (unsigned long long)rip);
		len += (size_t)tern_snprintf(cmd + len, sizeof(cmd) - len,
					     " 0x%llx",
					     (unsigned long long)rip);
	}
	for (int i = 1; i < BACKTRACE_MAX && rbp; i++) {
		uint64_t next, ret;

		if ((rbp & 7) || !mem_is_ram(rbp, 16))
			break;
		next = ((const uint64_t *)(uintptr_t)rbp)[0];
		ret = ((const uint64_t *)(uintptr_t)rbp)[1];
		if (!ret)
			break;
		tern_printf("  #%d 0x%llx\n", i, (unsigned long long)ret);
		/* Return addresses point after the call: -1 makes
		 * addr2line name the calling line. */
		if (len < sizeof(cmd) - 20)
			len += (size_t)tern_snprintf(
				cmd + len, sizeof(cmd) - len, " 0x%llx",
				(unsigned long long)(ret - 1));
		if (next <= rbp) /* stacks grow down: frames go up */
			break;
		rbp = next;
	}
	tern_printf("symbolise: addr2line -f -i -e IMAGE.elf%s\n", cmd);
}

/* Prints the crash report for exception frame f and ends the VM. */
static _Noreturn void fatal(const struct guest_trap_frame *f)
{
	static bool in_fatal;
	const char *name = f->vector < 32 && names[f->vector] ? names[f->vector]
							      : "reserved";

	if (in_fatal) /* a fault while reporting one: just stop */
		guest_exit(GUEST_EXIT_ABORT);
	in_fatal = true;
	tern_printf("\ntern: exception %llu (%s), error code 0x%llx\n",
		    (unsigned long long)f->vector, name,
		    (unsigned long long)f->error);
	tern_printf("rip %016llx  cs %04llx  rflags %016llx\n",
		    (unsigned long long)f->rip, (unsigned long long)f->cs,
		    (unsigned long long)f->rflags);
	tern_printf("rsp %016llx  ss %04llx  cr2 %016llx  cr3 %016llx\n",
		    (unsigned long long)f->rsp, (unsigned long long)f->ss,
		    (unsigned long long)read_cr2(),
		    (unsigned long long)read_cr3());
	tern_printf("rax %016llx  rbx %016llx  rcx %016llx\n",
		    (unsigned long long)f->rax, (unsigned long long)f->rbx,
		    (unsigned long long)f->rcx);
	tern_printf("rdx %016llx  rsi %016llx  rdi %016llx\n",
		    (unsigned long long)f->rdx, (unsigned long long)f->rsi,
		    (unsigned long long)f->rdi);
	tern_printf("rbp %016llx  r8  %016llx  r9  %016llx\n",
		    (unsigned long long)f->rbp, (unsigned long long)f->r8,
		    (unsigned long long)f->r9);
	tern_printf("r10 %016llx  r11 %016llx  r12 %016llx\n",
		    (unsigned long long)f->r10, (unsigned long long)f->r11,
		    (unsigned long long)f->r12);
	tern_printf("r13 %016llx  r14 %016llx  r15 %016llx\n",
		    (unsigned long long)f->r13, (unsigned long long)f->r14,
		    (unsigned long long)f->r15);
	trap_backtrace(f->rip, f->rbp);
	prof_finish();
	guest_exit(GUEST_EXIT_ABORT);
}

void guest_trap(struct guest_trap_frame *f)
{
	if (f->vector == VEC_NMI && prof_nmi(f))
		return;
	if (f->vector < 32)
		fatal(f);
	if (f->vector == VEC_SPURIOUS ||
	    (f->vector >= VEC_PIC_BASE && f->vector < VEC_PIC_BASE + 16))
		return; /* spurious: no EOI */
	trap_irq_count++;
	lapic_eoi();
}
