/*
 * mem.c - hosted memory: pages for pools (mmap) and fiber stacks with a
 * guard page below them, registered with Valgrind so memcheck follows
 * switches between them.
 *
 * Freed pool mappings can be kept for reuse (tern_hosted_mem_reuse): a
 * short unsorted table, searched by size - O(kept) per call, with kept
 * <= REUSE_MAX.
 *
 * A stack mapping is [guard page][usable stack][64-byte record]. The record
 * links the stack into a list of live stacks, so that the SIGSEGV handler
 * installed with the first stack can tell a fault in a guard page - a fiber
 * that ran off the bottom of its stack - from any other fault, print
 * "fiber stack overflow" and abort. The handler runs on an alternate signal
 * stack (the overflowing stack has no room left for it). Under
 * AddressSanitizer the handler is not installed: ASan's own SEGV handler
 * reports the overflow ("stack-overflow") with a stack trace.
 */
#include <stdbool.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sanitizer/asan_interface.h>
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>

#include "tern/dev.h"
#include "tern/fmt.h"
#include "tern/hosted.h"

#if defined(__SANITIZE_ADDRESS__)
#define HOSTED_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOSTED_ASAN 1
#endif
#endif
#ifndef HOSTED_ASAN
#define HOSTED_ASAN 0
#endif

#define ALTSTACK_SIZE (64u * 1024u)

/* Bookkeeping at the top of every stack mapping (STACK_RECORD bytes). */
struct stack_record {
	struct stack_record *next, *prev;
	uintptr_t guard;     /* first byte of the guard page */
	uintptr_t guard_end; /* first byte of the usable stack */
	uintptr_t top;	     /* end of the usable stack */
};

#define STACK_RECORD 64u
_Static_assert(sizeof(struct stack_record) <= STACK_RECORD,
	       "stack record too large");

static struct stack_record live_stacks = { &live_stacks, &live_stacks, 0, 0,
					   0 };
static struct sigaction previous_segv;
static bool segv_installed;

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static size_t page_round(size_t size)
{
	size_t page = page_size();

	return (size + page - 1) & ~(page - 1);
}

#define REUSE_MAX 64u

/* Freed mappings kept for tern_mem_alloc: start and page-rounded length. */
static struct {
	void *mem;
	size_t len;
} kept[REUSE_MAX];
static unsigned kept_len, kept_max;

void tern_hosted_mem_reuse(unsigned max)
{
	kept_max = max < REUSE_MAX ? max : REUSE_MAX;
	while (kept_len > kept_max) {
		kept_len--;
		ASAN_UNPOISON_MEMORY_REGION(kept[kept_len].mem,
					    kept[kept_len].len);
		munmap(kept[kept_len].mem, kept[kept_len].len);
	}
}

/* A kept mapping of len bytes, zeroed if zero (otherwise as its last user
 * left it, and undefined to Valgrind), or fresh pages, which are zero;
 * NULL if none. */
static void *alloc_pages(size_t len, bool zero)
{
	void *p;

	for (unsigned i = 0; i < kept_len; i++) {
		if (kept[i].len != len)
			continue;
		p = kept[i].mem;
		kept[i] = kept[--kept_len];
		ASAN_UNPOISON_MEMORY_REGION(p, len);
		VALGRIND_MAKE_MEM_UNDEFINED(p, len);
		if (zero)
			memset(p, 0, len);
		return p;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void *tern_mem_alloc(size_t size)
{
	return size == 0 ? NULL : alloc_pages(page_round(size), true);
}

void *tern_mem_alloc_buffers(size_t size)
{
	return size == 0 ? NULL : alloc_pages(page_round(size), false);
}

void tern_mem_free(void *mem, size_t size)
{
	size_t len = page_round(size);

	if (!mem)
		return;
	if (kept_len < kept_max) {
		ASAN_POISON_MEMORY_REGION(mem, len);
		VALGRIND_MAKE_MEM_NOACCESS(mem, len);
		kept[kept_len].mem = mem;
		kept[kept_len].len = len;
		kept_len++;
		return;
	}
	munmap(mem, len);
}

/* ---- guard-page faults -------------------------------------------------- */

/* SIGSEGV: a fault inside a live stack's guard page is a fiber stack
 * overflow. Anything else goes to the handler that was there before us (or
 * to the default action: returning re-runs the faulting instruction). Only
 * async-signal-safe calls: tern_snprintf formats into a local buffer. */
static void on_segv(int sig, siginfo_t *si, void *uctx)
{
	uintptr_t addr = (uintptr_t)si->si_addr;

	for (struct stack_record *r = live_stacks.next; r != &live_stacks;
	     r = r->next) {
		char msg[200];
		int n;

		if (addr < r->guard || addr >= r->guard_end)
			continue;
		n = tern_snprintf(msg, sizeof(msg),
				  "tern: fiber stack overflow: fault at %p in "
				  "the guard page below the stack %p-%p\n",
				  (void *)addr, (void *)r->guard_end,
				  (void *)r->top);
		if (n > (int)sizeof(msg) - 1)
			n = (int)sizeof(msg) - 1;
		if (write(STDERR_FILENO, msg, (size_t)n) < 0) {
			/* nothing left to report to */
		}
		abort();
	}
	if (previous_segv.sa_flags & SA_SIGINFO) {
		previous_segv.sa_sigaction(sig, si, uctx);
	} else if (previous_segv.sa_handler != SIG_DFL &&
		   previous_segv.sa_handler != SIG_IGN) {
		previous_segv.sa_handler(sig);
	} else {
		signal(SIGSEGV, SIG_DFL);
	}
}

/* Installs on_segv and, if the thread has none, an alternate signal stack,
 * once, when the first stack is allocated. Tern is single-threaded: the
 * thread that allocates stacks runs the fibers, gets the alternate stack,
 * and is the only one to touch the list of live stacks (not locked). */
static void install_segv_handler(void)
{
	struct sigaction sa;
	stack_t ss;

	if (HOSTED_ASAN || segv_installed)
		return;
	segv_installed = true;
	if (sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_DISABLE)) {
		void *mem = mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (mem != MAP_FAILED) {
			ss.ss_sp = mem;
			ss.ss_size = ALTSTACK_SIZE;
			ss.ss_flags = 0;
			if (sigaltstack(&ss, NULL) < 0)
				munmap(mem, ALTSTACK_SIZE);
		}
	}
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &previous_segv);
}

/* ---- stacks ------------------------------------------------------------- */

int tern_stack_alloc(struct tern_stack *stack, size_t size)
{
	size_t page = page_size(), usable;
	struct stack_record *r;
	uint8_t *map;

	if (size > SIZE_MAX / 4)
		return -TERN_ENOMEM;
	usable = page_round((size ? size : page) + STACK_RECORD);
	map = mmap(NULL, usable + page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (map == MAP_FAILED)
		return -TERN_ENOMEM;
	if (mprotect(map, page, PROT_NONE) < 0) {
		munmap(map, usable + page);
		return -TERN_ENOMEM;
	}
	install_segv_handler();
	stack->mapping = map;
	stack->map_size = usable + page;
	stack->base = map + page;
	stack->size = usable - STACK_RECORD;
	*(uint64_t *)stack->base = TERN_STACK_CANARY;

	r = (struct stack_record *)(map + page + stack->size);
	r->guard = (uintptr_t)map;
	r->guard_end = (uintptr_t)map + page;
	r->top = r->guard_end + stack->size;
	r->prev = &live_stacks;
	r->next = live_stacks.next;
	live_stacks.next->prev = r;
	live_stacks.next = r;

	stack->plat_id = VALGRIND_STACK_REGISTER(
		stack->base, (uint8_t *)stack->base + stack->size);
	return 0;
}

void tern_stack_free(struct tern_stack *stack)
{
	struct stack_record *r;

	if (!stack->mapping)
		return;
	r = (struct stack_record *)((uint8_t *)stack->base + stack->size);
	r->prev->next = r->next;
	r->next->prev = r->prev;
	VALGRIND_STACK_DEREGISTER(stack->plat_id);
	munmap(stack->mapping, stack->map_size);
	stack->mapping = NULL;
	stack->base = NULL;
}
