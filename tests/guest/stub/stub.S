/*
 * stub.S - the boot-time floor: the least a PVH image can do. Entered in
 * 32-bit protected mode by the PVH loader, it writes "stub: ready" to COM1
 * (no UART set-up: QEMU's accepts bytes as they come) and ends the VM
 * through isa-debug-exit with status 0 (QEMU exits 17, as tern_halt(0)
 * makes it). bench/guest times QEMU start to its ready line on each
 * machine as the baseline for the Tern images.
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define COM1 0x3f8
#define DEBUG_EXIT 0xf4
#define STATUS_0 8 /* GUEST_EXIT_STATUS_BASE (guest/guest.h) */

	.section .note.Xen, "a"
	.balign 4
	.long 4
	.long 8
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.quad stub_start

	.section .text, "ax"
	.code32
	.globl stub_start
stub_start:
	cli
	movl $msg, %esi
	movl $COM1, %edx
1:	lodsb
	testb %al, %al
	jz 2f
	outb %al, %dx
	jmp 1b
2:	movl $STATUS_0, %eax
	movl $DEBUG_EXIT, %edx
	outl %eax, %dx
3:	hlt
	jmp 3b

	.section .rodata
msg:	.asciz "stub: ready\n"
