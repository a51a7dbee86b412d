/*
 * ctx.c - the first frame of a new context, laid out exactly as
 * tern_ctx_switch (switch_x86_64.S) leaves a suspended one, so the first
 * switch to it resumes at tern_ctx_trampoline.
 */
#include "ctx.h"

#include <stdint.h>
#include <string.h>

#include "tern/assert.h"

/* Words of the initial frame, from the saved stack pointer up. */
enum {
	FRAME_FPU, /* MXCSR | x87 control word << 32 */
	FRAME_R15,
	FRAME_R14,
	FRAME_R13, /* entry */
	FRAME_R12, /* arg */
	FRAME_RBX,
	FRAME_RBP, /* 0: ends frame-pointer backtraces */
	FRAME_RET, /* tern_ctx_trampoline */
	FRAME_END, /* a zero "return address" above the trampoline */
	FRAME_WORDS = FRAME_END + 2,
};

void tern_ctx_init(struct tern_context *ctx, void *base, size_t size,
		   void (*entry)(void *arg), void *arg)
{
	uintptr_t top = ((uintptr_t)base + size) & ~(uintptr_t)15;
	uint64_t *frame;
	uint32_t mxcsr;
	uint16_t fpucw;

	TERN_ASSERT(size >= 128);
	/* After the switch pops FRAME_FPU..FRAME_RET the stack pointer is at
	 * FRAME_END, which must be 16-byte aligned (the trampoline's call
	 * then gives entry the alignment the ABI promises). */
	frame = (uint64_t *)(top - FRAME_WORDS * sizeof(uint64_t));
	TERN_ASSERT(((uintptr_t)&frame[FRAME_END] & 15) == 0);
	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	__asm__ volatile("fnstcw %0" : "=m"(fpucw));
	memset(frame, 0, FRAME_WORDS * sizeof(uint64_t));
	frame[FRAME_FPU] = (uint64_t)mxcsr | (uint64_t)fpucw << 32;
	frame[FRAME_R13] = (uint64_t)(uintptr_t)entry;
	frame[FRAME_R12] = (uint64_t)(uintptr_t)arg;
	frame[FRAME_RET] = (uint64_t)(uintptr_t)tern_ctx_trampoline;
	ctx->sp = frame;
}
