/*
 * isr.S - the 256 interrupt and exception entry stubs, and the common path
 * that saves the general registers and calls guest_trap() (trap.c).
 *
 * Every stub is 16 bytes at isr_stubs + 16 * vector, so cpu.c computes the
 * IDT gates without a table of labels. Exceptions that push no error code
 * get a 0 pushed in its place so that struct guest_trap_frame (guest.h) has
 * one layout for all vectors.
 *
 * Only the general registers are saved. That is enough because the guest
 * runs with interrupts disabled except inside tern_wait()'s STI;HLT, which
 * is a function call (every SSE register is caller-saved there), and
 * exceptions are fatal.
 */
	.text
	.balign 16
	.globl isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	/* #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC, #SX push an error
	 * code; the rest do not. */
	.if (vec == 8) | (vec == 10) | (vec == 11) | (vec == 12) | (vec == 13) | (vec == 14) | (vec == 17) | (vec == 21) | (vec == 29) | (vec == 30)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp isr_common
	.set vec, vec + 1
	.endr

isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	/* 22 quadwords pushed on a 16-byte aligned interrupt stack: the
	 * call below sees the aligned stack the ABI wants. */
	movq %rsp, %rdi
	cld
	call guest_trap
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp			/* vector, error code */
	iretq

	.section .note.GNU-stack, "", @progbits
