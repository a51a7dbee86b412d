/*
 * wheel.c - the hierarchical timing wheel (see tern/timer.h for the layout
 * and the guarantees).
 *
 * Invariant, for the current tick cur = now >> tick_shift and every armed
 * timer with tick E = expires >> tick_shift:
 *   - E <= cur: the timer is in level 0, slot cur % 64 (due this tick, or
 *     armed for a time already past);
 *   - E > cur: it is in level k = (highest bit of E ^ cur) / 6, slot
 *     (E >> 6k) % 64, which is then above cur's own digit at level k.
 * So in every level the occupied slots are the ones after cur's digit, no
 * slot ever wraps around, and the lowest set bit of the lowest non-empty
 * level is the earliest timer's slot. tern_wheel_expire keeps this true by
 * stepping cur from one occupied slot's start to the next and cascading the
 * slot it enters.
 */
#include "tern/timer.h"

#include "tern/assert.h"
#include "tern/err.h"

#define SLOT_MASK ((uint64_t)TERN_WHEEL_SLOTS - 1)
#define NO_TICK UINT64_MAX

static inline uint64_t tick_of(const struct tern_wheel *w, uint64_t t)
{
	return t >> w->tick_shift;
}

static inline uint64_t bit(unsigned slot)
{
	return 1ull << slot;
}

/* The level of a timer due in tick e > cur. */
static inline unsigned level_of(uint64_t e, uint64_t cur)
{
	return (unsigned)(63 - __builtin_clzll(e ^ cur)) / TERN_WHEEL_SLOT_BITS;
}

static inline unsigned slot_of(uint64_t e, unsigned level)
{
	return (unsigned)((e >> (TERN_WHEEL_SLOT_BITS * level)) & SLOT_MASK);
}

/* The first tick of slot s of level k, in the block of cur. */
static uint64_t slot_start(uint64_t cur, unsigned k, unsigned s)
{
	unsigned above = TERN_WHEEL_SLOT_BITS * (k + 1);
	uint64_t base = above >= 64 ? 0 : cur >> above << above;

	return base | (uint64_t)s << (TERN_WHEEL_SLOT_BITS * k);
}

/* Links t into the slot its deadline names relative to the current tick. */
static void place(struct tern_wheel *w, struct tern_timer *t)
{
	uint64_t e = tick_of(w, t->expires), cur = tick_of(w, w->now);
	unsigned level = 0, slot;

	if (e <= cur) {
		slot = (unsigned)(cur & SLOT_MASK);
	} else {
		level = level_of(e, cur);
		slot = slot_of(e, level);
	}
	tern_list_add_tail(&w->slots[level][slot], &t->link);
	w->occupied[level] |= bit(slot);
}

/* Unlinks t from whatever list holds it (a slot, or expire's local list of
 * due timers) and clears the slot's bit if it became empty: a list that is
 * left with a single node is left with its head alone. */
static void unlink_timer(struct tern_wheel *w, struct tern_timer *t)
{
	struct tern_list *prev = t->link.prev, *next = t->link.next;

	tern_list_del_init(&t->link);
	if (prev == next) {
		uintptr_t base = (uintptr_t)&w->slots[0][0];
		uintptr_t p = (uintptr_t)prev;

		if (p >= base && p < base + sizeof(w->slots)) {
			size_t i = (p - base) / sizeof(struct tern_list);

			w->occupied[i / TERN_WHEEL_SLOTS] &=
				~bit((unsigned)(i % TERN_WHEEL_SLOTS));
		}
	}
}

void tern_wheel_init(struct tern_wheel *w, uint64_t now, unsigned tick_shift)
{
	TERN_ASSERT(tick_shift < 64);
	w->now = now;
	w->tick_shift = tick_shift;
	w->expiring = false;
	w->armed = 0;
	w->seq = 0;
	w->cascaded = 0;
	for (unsigned k = 0; k < TERN_WHEEL_LEVELS; k++) {
		w->occupied[k] = 0;
		for (unsigned s = 0; s < TERN_WHEEL_SLOTS; s++)
			tern_list_init(&w->slots[k][s]);
	}
}

void tern_timer_init(struct tern_timer *t, tern_timer_fn fn, void *ctx)
{
	tern_list_init(&t->link);
	t->expires = TERN_NO_DEADLINE;
	t->seq = 0;
	t->fn = fn;
	t->ctx = ctx;
}

void tern_timer_cancel(struct tern_wheel *w, struct tern_timer *t)
{
	if (!tern_list_linked(&t->link))
		return;
	unlink_timer(w, t);
	w->armed--;
}

void tern_timer_arm(struct tern_wheel *w, struct tern_timer *t,
		    uint64_t deadline)
{
	tern_timer_cancel(w, t);
	t->expires = deadline;
	if (deadline == TERN_NO_DEADLINE)
		return;
	t->seq = w->seq++;
	place(w, t);
	w->armed++;
}

/* ---- sorting the timers that fire in one tick -------------------------- */

static inline bool before(const struct tern_list *a, const struct tern_list *b)
{
	const struct tern_timer *x =
		tern_list_entry(a, struct tern_timer, link);
	const struct tern_timer *y =
		tern_list_entry(b, struct tern_timer, link);

	return x->expires < y->expires ||
	       (x->expires == y->expires && x->seq < y->seq);
}

/* Merges two NULL-terminated chains (through next) in order. */
static struct tern_list *merge(struct tern_list *a, struct tern_list *b)
{
	struct tern_list head, *tail = &head;

	while (a && b) {
		if (before(b, a)) {
			tail->next = b;
			b = b->next;
		} else {
			tail->next = a;
			a = a->next;
		}
		tail = tail->next;
	}
	tail->next = a ? a : b;
	return head.next;
}

/* Sorts an unsorted list by (deadline, arming order): a bottom-up merge
 * sort, O(n log n), no allocation: bin i holds a sorted run of 2^i nodes. */
static __attribute__((noinline)) void merge_sort(struct tern_list *list)
{
	struct tern_list *bins[64] = { 0 }, *chain, *run = NULL, *prev;

	list->prev->next = NULL;
	chain = list->next;
	while (chain) {
		struct tern_list *node = chain;
		unsigned i = 0;

		chain = chain->next;
		node->next = NULL;
		while (bins[i]) {
			node = merge(bins[i], node);
			bins[i++] = NULL;
		}
		bins[i] = node;
	}
	for (unsigned i = 0; i < 64; i++)
		if (bins[i])
			run = merge(bins[i], run);

	prev = list;
	for (struct tern_list *it = run; it; it = it->next) {
		it->prev = prev;
		prev->next = it;
		prev = it;
	}
	prev->next = list;
	list->prev = prev;
}

/* Sorts the list by (deadline, arming order). O(n) if it is sorted already:
 * the common case, since one tick's timers are usually armed in order. */
static inline void sort_due(struct tern_list *list)
{
	for (struct tern_list *it = list->next; it->next != list; it = it->next)
		if (before(it->next, it)) {
			merge_sort(list);
			return;
		}
}

/* ---- expiry ------------------------------------------------------------- */

/* Fires the due timers of the current tick's level-0 slot: all of them if
 * the whole tick has passed (all), else those with a deadline <= now. */
static unsigned fire_tick(struct tern_wheel *w, uint64_t now, bool all)
{
	unsigned s = (unsigned)(tick_of(w, w->now) & SLOT_MASK), n = 0;
	struct tern_list *slot = &w->slots[0][s], due, *node;

	if (!(w->occupied[0] & bit(s)))
		return 0;
	tern_list_init(&due);
	if (all) {
		tern_list_splice_tail(&due, slot);
	} else {
		tern_list_for_each_safe(it, slot) {
			struct tern_timer *t =
				tern_list_entry(it, struct tern_timer, link);

			if (t->expires <= now) {
				tern_list_del_init(it);
				tern_list_add_tail(&due, it);
			}
		}
	}
	if (tern_list_empty(slot))
		w->occupied[0] &= ~bit(s);
	sort_due(&due);

	/* Callbacks may cancel or re-arm timers still on due: they leave the
	 * list through unlink_timer, which ignores lists outside the wheel. */
	while ((node = tern_list_pop(&due))) {
		struct tern_timer *t =
			tern_list_entry(node, struct tern_timer, link);

		w->armed--;
		n++;
		t->fn(t, now);
	}
	return n;
}

/* The first tick after cur at which a slot needs processing: the start of
 * the earliest occupied slot, not counting cur's own level-0 slot. */
static uint64_t next_event_tick(const struct tern_wheel *w, uint64_t cur)
{
	uint64_t m0 = w->occupied[0] & ~bit((unsigned)(cur & SLOT_MASK));

	if (m0)
		return (cur & ~SLOT_MASK) | (uint64_t)__builtin_ctzll(m0);
	for (unsigned k = 1; k < TERN_WHEEL_LEVELS; k++)
		if (w->occupied[k])
			return slot_start(
				cur, k,
				(unsigned)__builtin_ctzll(w->occupied[k]));
	return NO_TICK;
}

/* Moves every timer of slot s of level h (whose time has come) down to the
 * level its deadline names now. The slot's list is taken apart as we go:
 * no unlinking, since every node is relinked at once, and a timer never
 * lands back in the slot it left (it is now below level h). The next node
 * is prefetched while the current one is placed: the nodes are scattered
 * in memory and this loop is what bounds expiry throughput. */
static void cascade(struct tern_wheel *w, struct tern_list *slot, unsigned h,
		    unsigned s)
{
	struct tern_list *node = slot->next;

	tern_list_init(slot);
	w->occupied[h] &= ~bit(s);
	while (node != slot) {
		struct tern_list *next = node->next;

		__builtin_prefetch(next);
		place(w, tern_list_entry(node, struct tern_timer, link));
		w->cascaded++;
		node = next;
	}
}

/* Moves the current tick from cur to nxt (the next event tick, or the
 * target if that comes first) and cascades the one slot that starts there.
 * Levels below the highest digit that changes are empty at this point (their
 * slots all start before nxt), except cur's level-0 slot, which may hold
 * timers that callbacks armed for the current tick: they move along. */
static void advance(struct tern_wheel *w, uint64_t cur, uint64_t nxt,
		    uint64_t new_now)
{
	unsigned from = (unsigned)(cur & SLOT_MASK);
	unsigned to = (unsigned)(nxt & SLOT_MASK);
	unsigned h = level_of(nxt, cur);

	w->now = new_now;
	if (from != to && (w->occupied[0] & bit(from))) {
		tern_list_splice_tail(&w->slots[0][to], &w->slots[0][from]);
		w->occupied[0] &= ~bit(from);
		w->occupied[0] |= bit(to);
	}
	if (h > 0) {
		unsigned s = slot_of(nxt, h);

		if (w->occupied[h] & bit(s))
			cascade(w, &w->slots[h][s], h, s);
	}
}

unsigned tern_wheel_expire(struct tern_wheel *w, uint64_t now)
{
	uint64_t target;
	unsigned n = 0;

	TERN_ASSERT(!w->expiring);
	if (now < w->now)
		now = w->now;
	if (w->armed == 0) {
		w->now = now;
		return 0;
	}
	w->expiring = true;
	target = tick_of(w, now);
	for (;;) {
		uint64_t cur = tick_of(w, w->now), nxt;

		if (cur == target) {
			/* The last step: the tick of now, fired up to now. With
			 * 1-ns ticks everything in the slot is due. */
			w->now = now;
			n += fire_tick(w, now, w->tick_shift == 0);
			break;
		}
		n += fire_tick(w, now, true);
		nxt = next_event_tick(w, cur);
		if (nxt > target)
			nxt = target;
		advance(w, cur, nxt,
			nxt == target ? now : nxt << w->tick_shift);
	}
	w->expiring = false;
	return n;
}

uint64_t tern_wheel_next(const struct tern_wheel *w)
{
	uint64_t cur = tick_of(w, w->now);

	if (w->armed == 0)
		return TERN_NO_DEADLINE;
	for (unsigned k = 0; k < TERN_WHEEL_LEVELS; k++) {
		unsigned s, seen = 0;
		uint64_t min = TERN_NO_DEADLINE;
		const struct tern_list *slot;

		if (!w->occupied[k])
			continue;
		s = (unsigned)__builtin_ctzll(w->occupied[k]);
		slot = &w->slots[k][s];
		/* Level 0 with 1-ns ticks: a slot other than the current one
		 * holds one deadline; the current one holds only due timers,
		 * any of which is a fine answer (no later than now). With
		 * coarser ticks level 0 is scanned in full: the answer must
		 * be exact for the caller to make progress within a tick. */
		if (k == 0 && w->tick_shift == 0) {
			const struct tern_timer *t = tern_list_entry(
				slot->next, struct tern_timer, link);
			return t->expires;
		}
		tern_list_for_each(it, slot) {
			const struct tern_timer *t =
				tern_list_entry(it, struct tern_timer, link);

			if (k > 0 && ++seen > TERN_WHEEL_SCAN)
				return slot_start(cur, k, s) << w->tick_shift;
			if (t->expires < min)
				min = t->expires;
		}
		return min;
	}
	return TERN_NO_DEADLINE;
}

/* verify_slot: 0 if every timer listed in level k's slot s is linked both
 * ways, armed and belongs there given cur (the current tick); counts them
 * into *count. */
static int verify_slot(const struct tern_wheel *w, unsigned k, unsigned s,
		       uint64_t cur, uint64_t *count)
{
	const struct tern_list *slot = &w->slots[k][s];

	if (tern_list_empty(slot))
		return -TERN_EINVAL;
	tern_list_for_each(it, slot) {
		const struct tern_timer *t =
			tern_list_entry(it, struct tern_timer, link);
		uint64_t e = tick_of(w, t->expires);
		unsigned wk = 0, ws;

		if (it->next->prev != it || it->prev->next != it)
			return -TERN_EINVAL;
		if (e <= cur) {
			ws = (unsigned)(cur & SLOT_MASK);
		} else {
			wk = level_of(e, cur);
			ws = slot_of(e, wk);
		}
		if (wk != k || ws != s || t->expires == TERN_NO_DEADLINE)
			return -TERN_EINVAL;
		(*count)++;
	}
	return 0;
}

int tern_wheel_verify(const struct tern_wheel *w)
{
	uint64_t cur = tick_of(w, w->now), count = 0;

	/* Only the marked slots are walked: a timer in an unmarked slot is
	 * missing from the count, so the count check below catches it. */
	for (unsigned k = 0; k < TERN_WHEEL_LEVELS; k++) {
		for (uint64_t m = w->occupied[k]; m; m &= m - 1) {
			unsigned s = (unsigned)__builtin_ctzll(m);

			if (verify_slot(w, k, s, cur, &count))
				return -TERN_EINVAL;
		}
	}
	return count == w->armed ? 0 : -TERN_EINVAL;
}
