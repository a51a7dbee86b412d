/*
 * ctx.h - machine contexts for fibers (private to components/sched; the
 * benchmarks use it to time a bare switch).
 *
 * A context is a saved stack pointer (struct tern_context in tern/sched.h);
 * switch_x86_64.S saves and restores the callee-saved registers, MXCSR and
 * the x87 control word on the context's own stack. ctx.c builds the first
 * frame of a context that has never run.
 */
#ifndef TERN_SCHED_CTX_H
#define TERN_SCHED_CTX_H

#include <stddef.h>

#include "tern/sched.h"

/* switch_x86_64.S */

/* Saves the running context into from and resumes to. Returns when another
 * context switches back to from. */
void tern_ctx_switch(struct tern_context *from, struct tern_context *to);

/* The entry point of a new context (never called directly). */
void tern_ctx_trampoline(void);

/* ctx.c */

/* Prepares ctx to run entry(arg) on the stack [base, base + size) the first
 * time it is switched to. entry must never return. The new context starts
 * with the caller's MXCSR and x87 control word (as a new thread inherits
 * its creator's floating-point environment in C11). size must be at least
 * 128 bytes; base + size is rounded down to 16 bytes. */
void tern_ctx_init(struct tern_context *ctx, void *base, size_t size,
		   void (*entry)(void *arg), void *arg);

#endif
