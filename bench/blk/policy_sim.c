/*
 * policy_sim.c - LRU, S3-FIFO, ARC and 2Q on block-number traces.
 *
 * Every policy here keeps its blocks (and its ghost entries) on doubly
 * linked lists threaded through two arrays indexed by block number, so a
 * block is on at most one list at a time: LRU's one list, S3-FIFO's small
 * and main queues (its ghost queue is a timestamp per block, as in the
 * paper), ARC's T1/T2/B1/B2, 2Q's A1in/A1out/Am. Each list has a head node
 * at index universe + list. Front is most recent, back is oldest.
 *
 * References:
 *   S3-FIFO  Yang et al., "FIFO queues are all you need for cache
 *            eviction", SOSP 2023 (small queue 10%, ghost = main size,
 *            2-bit frequency).
 *   ARC      Megiddo and Modha, "ARC: a self-tuning, low overhead
 *            replacement cache", FAST 2003 (the paper's pseudo-code).
 *   2Q       Johnson and Shasha, VLDB 1994 (the full version: Kin = 25%,
 *            Kout = 50% of the cache).
 */
#include "policy_sim.h"

#include <stdio.h>
#include <stdlib.h>

#define NLISTS 4
#define NONE 0xffu

struct psim {
	enum psim_kind kind;
	uint32_t cap, universe;
	uint32_t *next, *prev; /* universe + NLISTS entries */
	uint8_t *which;	       /* list a block is on, or NONE */
	uint8_t *freq;	       /* S3-FIFO */
	uint64_t *ghost_stamp; /* S3-FIFO: ghost insertion time + 1 */
	uint64_t ghost_clock;
	uint32_t size[NLISTS];
	uint32_t p; /* ARC's target size of T1 */
};

static void *xcalloc(size_t n, size_t size)
{
	void *m = calloc(n, size);

	if (!m) {
		fprintf(stderr, "policy_sim: out of memory\n");
		exit(1);
	}
	return m;
}

static uint32_t head(const struct psim *p, unsigned list)
{
	return p->universe + list;
}

static void unlink_block(struct psim *p, uint32_t b)
{
	p->next[p->prev[b]] = p->next[b];
	p->prev[p->next[b]] = p->prev[b];
	p->size[p->which[b]]--;
	p->which[b] = NONE;
}

static void push_front(struct psim *p, unsigned list, uint32_t b)
{
	uint32_t h = head(p, list);

	p->next[b] = p->next[h];
	p->prev[b] = h;
	p->prev[p->next[h]] = b;
	p->next[h] = b;
	p->which[b] = (uint8_t)list;
	p->size[list]++;
}

/* Unlinks and returns the oldest block of list (which must not be empty). */
static uint32_t pop_back(struct psim *p, unsigned list)
{
	uint32_t b = p->prev[head(p, list)];

	unlink_block(p, b);
	return b;
}

static void move_front(struct psim *p, unsigned list, uint32_t b)
{
	unlink_block(p, b);
	push_front(p, list, b);
}

/* ---- LRU: list 0 ---------------------------------------------------- */

static bool lru_access(struct psim *p, uint32_t b)
{
	if (p->which[b] == 0) {
		move_front(p, 0, b);
		return true;
	}
	if (p->size[0] == p->cap)
		pop_back(p, 0);
	push_front(p, 0, b);
	return false;
}

/* ---- S3-FIFO: small queue 0, main queue 1 ----------------------------- */

enum { S3_SMALL, S3_MAIN };

static uint32_t s3_small_cap(const struct psim *p)
{
	return p->cap / 10 ? p->cap / 10 : 1;
}

static bool s3_in_ghost(const struct psim *p, uint32_t b)
{
	uint64_t ghost_cap = p->cap - s3_small_cap(p);

	return p->ghost_stamp[b] &&
	       p->ghost_clock - (p->ghost_stamp[b] - 1) < ghost_cap;
}

/* Evicts exactly one block. */
static void s3_evict(struct psim *p)
{
	for (;;) {
		if (p->size[S3_SMALL] > s3_small_cap(p) ||
		    p->size[S3_MAIN] == 0) {
			uint32_t t = pop_back(p, S3_SMALL);

			if (p->freq[t] > 0) {
				p->freq[t] = 0;
				push_front(p, S3_MAIN, t);
				continue;
			}
			p->ghost_stamp[t] = ++p->ghost_clock;
			return;
		}
		uint32_t t = pop_back(p, S3_MAIN);

		if (p->freq[t] > 0) {
			p->freq[t]--;
			push_front(p, S3_MAIN, t);
			continue;
		}
		return;
	}
}

static bool s3fifo_access(struct psim *p, uint32_t b)
{
	if (p->which[b] != NONE) {
		if (p->freq[b] < 3)
			p->freq[b]++;
		return true;
	}
	if (p->size[S3_SMALL] + p->size[S3_MAIN] == p->cap)
		s3_evict(p);
	p->freq[b] = 0;
	if (s3_in_ghost(p, b)) {
		p->ghost_stamp[b] = 0;
		push_front(p, S3_MAIN, b);
	} else {
		push_front(p, S3_SMALL, b);
	}
	return false;
}

/* ---- ARC: T1 0, T2 1, B1 2, B2 3 -------------------------------------- */

enum { T1, T2, B1, B2 };

static void arc_replace(struct psim *p, bool in_b2)
{
	/* The paper's test, plus taking from T1 when T2 is empty. */
	if (p->size[T1] >= 1 && ((in_b2 && p->size[T1] == p->p) ||
				 p->size[T1] > p->p || p->size[T2] == 0))
		push_front(p, B1, pop_back(p, T1));
	else
		push_front(p, B2, pop_back(p, T2));
}

static bool arc_access(struct psim *p, uint32_t b)
{
	uint32_t c = p->cap, delta;

	switch (p->which[b]) {
	case T1:
	case T2:
		move_front(p, T2, b);
		return true;
	case B1:
		delta = p->size[B2] / p->size[B1];
		p->p += delta > 1 ? delta : 1;
		if (p->p > c)
			p->p = c;
		arc_replace(p, false);
		move_front(p, T2, b);
		return false;
	case B2:
		delta = p->size[B1] / p->size[B2];
		delta = delta > 1 ? delta : 1;
		p->p = p->p > delta ? p->p - delta : 0;
		arc_replace(p, true);
		move_front(p, T2, b);
		return false;
	default:
		break;
	}
	uint32_t l1 = p->size[T1] + p->size[B1];
	uint32_t total = l1 + p->size[T2] + p->size[B2];

	if (l1 == c) {
		if (p->size[T1] < c) {
			pop_back(p, B1);
			arc_replace(p, false);
		} else {
			pop_back(p, T1);
		}
	} else if (l1 < c && total >= c) {
		if (total == 2 * c)
			pop_back(p, B2);
		arc_replace(p, false);
	}
	push_front(p, T1, b);
	return false;
}

/* ---- 2Q: A1in 0, A1out 1, Am 2 ---------------------------------------- */

enum { A1IN, A1OUT, AM };

static void twoq_reclaim(struct psim *p)
{
	uint32_t kin = p->cap / 4 ? p->cap / 4 : 1;
	uint32_t kout = p->cap / 2 ? p->cap / 2 : 1;

	if (p->size[A1IN] + p->size[AM] < p->cap)
		return;
	if (p->size[A1IN] > kin || p->size[AM] == 0) {
		push_front(p, A1OUT, pop_back(p, A1IN));
		if (p->size[A1OUT] > kout)
			pop_back(p, A1OUT);
	} else {
		pop_back(p, AM);
	}
}

static bool twoq_access(struct psim *p, uint32_t b)
{
	switch (p->which[b]) {
	case AM:
		move_front(p, AM, b);
		return true;
	case A1IN:
		return true;
	case A1OUT:
		unlink_block(p, b);
		twoq_reclaim(p);
		push_front(p, AM, b);
		return false;
	default:
		twoq_reclaim(p);
		push_front(p, A1IN, b);
		return false;
	}
}

/* ---- Common ------------------------------------------------------------ */

const char *psim_name(enum psim_kind kind)
{
	static const char *const names[PSIM_COUNT] = { "lru", "s3fifo", "arc",
						       "2q" };

	return kind < PSIM_COUNT ? names[kind] : "?";
}

struct psim *psim_new(enum psim_kind kind, uint32_t capacity, uint32_t universe)
{
	struct psim *p = xcalloc(1, sizeof(*p));
	size_t n = (size_t)universe + NLISTS;

	p->kind = kind;
	p->cap = capacity;
	p->universe = universe;
	p->next = xcalloc(n, sizeof(*p->next));
	p->prev = xcalloc(n, sizeof(*p->prev));
	p->which = xcalloc(n, 1);
	p->freq = xcalloc(n, 1);
	p->ghost_stamp = xcalloc(n, sizeof(*p->ghost_stamp));
	for (size_t i = 0; i < n; i++)
		p->which[i] = NONE;
	for (unsigned l = 0; l < NLISTS; l++) {
		uint32_t h = head(p, l);

		p->next[h] = h;
		p->prev[h] = h;
	}
	return p;
}

void psim_free(struct psim *p)
{
	free(p->next);
	free(p->prev);
	free(p->which);
	free(p->freq);
	free(p->ghost_stamp);
	free(p);
}

bool psim_access(struct psim *p, uint32_t block)
{
	switch (p->kind) {
	case PSIM_LRU:
		return lru_access(p, block);
	case PSIM_S3FIFO:
		return s3fifo_access(p, block);
	case PSIM_ARC:
		return arc_access(p, block);
	case PSIM_2Q:
		return twoq_access(p, block);
	default:
		abort();
	}
}

double psim_hit_ratio(enum psim_kind kind, uint32_t capacity, uint32_t universe,
		      const uint32_t *trace, uint64_t len, uint64_t warm)
{
	struct psim *p = psim_new(kind, capacity, universe);
	uint64_t hits = 0;

	for (uint64_t i = 0; i < len; i++) {
		bool hit = psim_access(p, trace[i]);

		if (i >= warm && hit)
			hits++;
	}
	psim_free(p);
	return len > warm ? (double)hits / (double)(len - warm) : 0;
}
