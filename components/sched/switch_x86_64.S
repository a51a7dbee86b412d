/*
 * switch_x86_64.S - the fiber context switch (System V AMD64 ABI).
 *
 * A suspended context is its stack pointer; everything else the ABI says a
 * callee must preserve is pushed on its own stack:
 *
 *   sp + 0   MXCSR (4 bytes), x87 control word (2 bytes), 2 bytes padding
 *   sp + 8   r15
 *   sp + 16  r14
 *   sp + 24  r13
 *   sp + 32  r12
 *   sp + 40  rbx
 *   sp + 48  rbp
 *   sp + 56  return address (resumed with pop + jmp)
 *
 * Caller-saved registers are the caller's business (it called a function),
 * and the x87/SSE status flags are not preserved across calls by the ABI.
 * ctx.c builds the same frame for a fiber that has never run, with the
 * return address pointing at tern_ctx_trampoline.
 *
 * Frame pointers: the saved rbp and the return address at sp + 48 form a
 * standard frame record, so rbp points at the record of whichever context
 * owns the stack (set after the push, and again after the stack pointer
 * moves). A profiler's frame-pointer walk from inside the switch then
 * climbs the right stack; a new context's record holds rbp = 0 and the
 * trampoline, so its walks end there instead of in garbage.
 *
 * Cost: 7 pushes, 7 pops, two frame-pointer moves (10.8 ns a round trip
 * with or without them), stmxcsr/ldmxcsr and fnstcw/fldcw, two stores of
 * the stack pointer and an indirect jump - no system call (swapcontext
 * makes one for the signal mask). Restoring MXCSR and the control word
 * unconditionally measured faster than comparing first (the branch costs
 * more than the loads save).
 */
	.text

/* void tern_ctx_switch(struct tern_context *from, struct tern_context *to)
 * Saves the caller's context into from->sp and resumes to->sp. Returns when
 * some other context switches back to from. */
	.globl	tern_ctx_switch
	.hidden	tern_ctx_switch
	.type	tern_ctx_switch, @function
	.p2align 4
tern_ctx_switch:
	.cfi_startproc
	pushq	%rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbp, 0
	movq	%rsp, %rbp
	pushq	%rbx
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbx, 0
	pushq	%r12
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r12, 0
	pushq	%r13
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r13, 0
	pushq	%r14
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r14, 0
	pushq	%r15
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r15, 0
	subq	$8, %rsp
	.cfi_adjust_cfa_offset 8
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)

	movq	%rsp, (%rdi)
	movq	(%rsi), %rsp
	leaq	48(%rsp), %rbp

	/* From here on the frame is the resumed context's, with the same
	 * layout, so the unwind information above still describes it. */
	ldmxcsr	(%rsp)
	fldcw	4(%rsp)
	addq	$8, %rsp
	.cfi_adjust_cfa_offset -8
	popq	%r15
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r15
	popq	%r14
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r14
	popq	%r13
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r13
	popq	%r12
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r12
	popq	%rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbx
	popq	%rbp
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbp
	/* pop + jmp rather than ret: the return stack buffer predicts a
	 * return to our own caller, which is wrong after a switch, and the
	 * mispredicted ret doubled the cost of a round trip (21.7 -> 10.9 ns
	 * measured); the indirect-branch predictor learns the pattern. */
	popq	%rcx
	.cfi_adjust_cfa_offset -8
	.cfi_register %rip, %rcx
	jmp	*%rcx
	.cfi_endproc
	.size	tern_ctx_switch, .-tern_ctx_switch

/* The first code a new context runs, jumped to by tern_ctx_switch with
 * r12 = the argument and r13 = the entry function from the initial frame,
 * and rsp 16-byte aligned. Calls entry(arg), which must never return. The
 * return address is marked undefined so debuggers end the backtrace here. */
	.globl	tern_ctx_trampoline
	.hidden	tern_ctx_trampoline
	.type	tern_ctx_trampoline, @function
	.p2align 4
tern_ctx_trampoline:
	.cfi_startproc
	.cfi_undefined %rip
	movq	%r12, %rdi
	callq	*%r13
	ud2
	.cfi_endproc
	.size	tern_ctx_trampoline, .-tern_ctx_trampoline

	.section .note.GNU-stack, "", @progbits
