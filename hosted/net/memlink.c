/*
 * memlink.c - two netdevs joined in memory, with seeded faults (memlink.h).
 *
 * Each direction owns a pool of fixed-size slots carved from one allocation
 * made at creation. A sent frame is copied into a slot, given its delivery
 * time by the fault pipeline, and inserted into the direction's flight list,
 * which is kept sorted by delivery time. Insertion scans from the tail, so
 * the common case (in-order frames) is O(1); a reordered frame costs a walk
 * over the frames it is overtaken by. recv() pops from the head.
 *
 * Costs: send and recv copy each frame once. The queue-limit check counts
 * the frames still serializing, O(frames in flight); it runs only with a
 * rate limit and a queue limit set.
 */
#include "tern/hosted/memlink.h"

#include <string.h>

#include "tern/assert.h"
#include "tern/err.h"

struct tern_memlink_slot {
	struct tern_list link; /* on free or flight */
	uint64_t deliver_at;
	uint64_t depart_at; /* end of serialization; 0 for duplicates */
	uint64_t seq;
	uint32_t len;
	uint8_t *data;
};

#define PPM_MAX 1000000u
#define MTU_MIN 64u
#define FRAMES_MAX 1000000u

static const char *const event_names[TERN_MEMLINK_EV_COUNT] = {
	[TERN_MEMLINK_EV_SEND] = "send",
	[TERN_MEMLINK_EV_LOSS] = "loss",
	[TERN_MEMLINK_EV_QUEUE_DROP] = "queue_drop",
	[TERN_MEMLINK_EV_NOBUF] = "nobuf",
	[TERN_MEMLINK_EV_REORDER] = "reorder",
	[TERN_MEMLINK_EV_DUPLICATE] = "duplicate",
	[TERN_MEMLINK_EV_CORRUPT] = "corrupt",
	[TERN_MEMLINK_EV_QUEUED] = "queued",
	[TERN_MEMLINK_EV_DELIVER] = "deliver",
	[TERN_MEMLINK_EV_TOO_LONG] = "too_long",
};

const char *tern_memlink_event_name(enum tern_memlink_event_kind kind)
{
	if ((unsigned)kind >= TERN_MEMLINK_EV_COUNT)
		return "?";
	return event_names[kind];
}

uint64_t tern_memlink_hash(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Reports one event to the trace callback, if any. */
static void trace(struct tern_memlink *link, enum tern_memlink_event_kind kind,
		  unsigned dir, uint64_t seq, uint64_t now, uint64_t at,
		  const uint8_t *data, uint32_t len)
{
	struct tern_memlink_event ev;

	if (!link->trace)
		return;
	memset(&ev, 0, sizeof(ev)); /* padding too: traces are compared */
	ev.kind = kind;
	ev.dir = dir;
	ev.seq = seq;
	ev.time = now;
	ev.at = at;
	ev.len = len;
	ev.hash = data ? tern_memlink_hash(data, len) : 0;
	link->trace(link->trace_ctx, &ev);
}

/* Returns 0 if f is within its documented ranges, else -TERN_EINVAL. */
static int check_faults(const struct tern_memlink_faults *f)
{
	if (f->loss_ppm > PPM_MAX || f->dup_ppm > PPM_MAX ||
	    f->reorder_ppm > PPM_MAX || f->corrupt_ppm > PPM_MAX)
		return -TERN_EINVAL;
	if (f->corrupt_bits > TERN_MEMLINK_CORRUPT_BITS_MAX)
		return -TERN_EINVAL;
	return 0;
}

/* ---- Slots --------------------------------------------------------------*/

/* A free slot of d, or NULL when all are holding frames. */
static struct tern_memlink_slot *slot_get(struct tern_memlink_dir *d)
{
	struct tern_list *node = tern_list_pop(&d->free);

	if (!node)
		return NULL;
	d->used++;
	return tern_list_entry(node, struct tern_memlink_slot, link);
}

/* Returns an unlinked slot to d's free list. */
static void slot_put(struct tern_memlink_dir *d, struct tern_memlink_slot *s)
{
	TERN_ASSERT(d->used > 0);
	d->used--;
	tern_list_add(&d->free, &s->link);
}

/* Inserts s into the flight list after every frame due at or before it, so
 * equal times keep their send order. */
static void flight_insert(struct tern_memlink_dir *d,
			  struct tern_memlink_slot *s)
{
	struct tern_list *pos = d->flight.prev;

	while (pos != &d->flight) {
		struct tern_memlink_slot *o =
			tern_list_entry(pos, struct tern_memlink_slot, link);

		if (o->deliver_at <= s->deliver_at)
			break;
		pos = pos->prev;
	}
	tern_list_link_between(&s->link, pos, pos->next);
}

/* Frames of d still waiting for or in serialization at now. */
static uint32_t serializing(const struct tern_memlink_dir *d, uint64_t now)
{
	uint32_t n = 0;

	tern_list_for_each(it, &d->flight) {
		const struct tern_memlink_slot *s =
			tern_list_entry(it, struct tern_memlink_slot, link);

		if (s->depart_at > now)
			n++;
	}
	return n;
}

/* Flips nbits distinct bits of a len-byte frame. Taken positions step to
 * the next free bit, so the loop is bounded. */
static void corrupt(struct tern_rand *r, uint8_t *data, uint32_t len,
		    uint32_t nbits)
{
	uint64_t taken[TERN_MEMLINK_CORRUPT_BITS_MAX];
	uint64_t total = (uint64_t)len * 8;

	if (nbits > total)
		nbits = (uint32_t)total;
	for (uint32_t i = 0; i < nbits; i++) {
		uint64_t bit = tern_rand_below(r, total);
		bool again = true;

		while (again) {
			again = false;
			for (uint32_t j = 0; j < i; j++) {
				if (taken[j] == bit) {
					bit = (bit + 1) % total;
					again = true;
					break;
				}
			}
		}
		taken[i] = bit;
		data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}

/* Applies the corruption fault to one queued copy. */
static void maybe_corrupt(struct tern_memlink *link, unsigned dir,
			  struct tern_memlink_slot *s, uint64_t now)
{
	struct tern_memlink_dir *d = &link->dir[dir];
	uint32_t nbits = d->faults.corrupt_bits ? d->faults.corrupt_bits : 1;

	if (!d->faults.corrupt_ppm ||
	    !tern_rand_ppm(&d->rand, d->faults.corrupt_ppm))
		return;
	if (nbits > s->len * 8)
		nbits = s->len * 8;
	corrupt(&d->rand, s->data, s->len, nbits);
	d->stats.corrupted++;
	d->stats.bits_flipped += nbits;
	trace(link, TERN_MEMLINK_EV_CORRUPT, dir, s->seq, now, s->deliver_at,
	      s->data, s->len);
}

/* Puts a filled slot in flight on direction dir and traces it. */
static void enqueue(struct tern_memlink *link, unsigned dir,
		    struct tern_memlink_slot *s, uint64_t now)
{
	flight_insert(&link->dir[dir], s);
	trace(link, TERN_MEMLINK_EV_QUEUED, dir, s->seq, now, s->deliver_at,
	      s->data, s->len);
}

/* ---- The fault pipeline -------------------------------------------------*/

/* Ceiling of len bytes at rate bytes/s, in nanoseconds. */
static uint64_t serialize_ns(uint64_t len, uint64_t rate)
{
	unsigned __int128 n = (unsigned __int128)len * TERN_NSEC_PER_SEC;

	return (uint64_t)((n + rate - 1) / rate);
}

/* Sends one frame on direction dir at now; see the pipeline in memlink.h. */
static void send_one(struct tern_memlink *link, unsigned dir,
		     const struct tern_tx *tx, uint64_t now)
{
	struct tern_memlink_dir *d = &link->dir[dir];
	const struct tern_memlink_faults *f = &d->faults;
	struct tern_memlink_slot *s, *dup = NULL;
	uint64_t seq = d->next_seq++, depart, at;
	size_t len = tern_tx_len(tx);
	bool want_dup;

	d->stats.sent++;
	d->stats.sent_bytes += len;
	if (link->trace) {
		/* The hash of a gathered frame needs it contiguous: flatten
		 * it on the stack, only while tracing. */
		uint8_t tmp[TERN_ETH_FRAME_MAX];
		int n = tern_tx_flatten(tx, tmp, sizeof(tmp));

		trace(link, TERN_MEMLINK_EV_SEND, dir, seq, now, 0, tmp,
		      n < 0 ? 0 : (uint32_t)n);
	}
	if (len > link->slot_bytes) { /* only reachable bypassing the wrapper */
		d->stats.nobuf++;
		trace(link, TERN_MEMLINK_EV_NOBUF, dir, seq, now, 0, NULL, 0);
		return;
	}
	if (f->loss_ppm && tern_rand_ppm(&d->rand, f->loss_ppm)) {
		d->stats.lost++;
		trace(link, TERN_MEMLINK_EV_LOSS, dir, seq, now, 0, NULL,
		      (uint32_t)len);
		return;
	}
	if (f->rate && f->queue_limit &&
	    serializing(d, now) >= f->queue_limit) {
		d->stats.queue_drops++;
		trace(link, TERN_MEMLINK_EV_QUEUE_DROP, dir, seq, now, 0, NULL,
		      (uint32_t)len);
		return;
	}
	s = slot_get(d);
	if (!s) {
		d->stats.nobuf++;
		trace(link, TERN_MEMLINK_EV_NOBUF, dir, seq, now, 0, NULL,
		      (uint32_t)len);
		return;
	}
	s->len = (uint32_t)tern_tx_flatten(tx, s->data, link->slot_bytes);
	s->seq = seq;

	depart = now;
	if (f->rate) {
		depart = TERN_MAX(now, d->busy_until) +
			 serialize_ns(len, f->rate);
		d->busy_until = depart;
	}
	s->depart_at = depart;
	at = depart + f->delay_ns;
	if (f->jitter_ns)
		at += tern_rand_below(&d->rand, f->jitter_ns + 1);
	if (f->reorder_ppm && tern_rand_ppm(&d->rand, f->reorder_ppm)) {
		at += f->reorder_ns;
		d->stats.reordered++;
		trace(link, TERN_MEMLINK_EV_REORDER, dir, seq, now, at, NULL,
		      s->len);
	} else {
		at = TERN_MAX(at, d->last_in_order);
		d->last_in_order = at;
	}
	s->deliver_at = at;

	want_dup = f->dup_ppm && tern_rand_ppm(&d->rand, f->dup_ppm);
	if (want_dup) {
		dup = slot_get(d);
		if (dup) {
			memcpy(dup->data, s->data, s->len);
			dup->len = s->len;
			dup->seq = seq;
			dup->depart_at = 0;
			dup->deliver_at = at;
		}
	}
	maybe_corrupt(link, dir, s, now);
	enqueue(link, dir, s, now);
	if (!want_dup)
		return;
	d->stats.duplicated++;
	trace(link, TERN_MEMLINK_EV_DUPLICATE, dir, seq, now, at, NULL, s->len);
	if (!dup) {
		d->stats.nobuf++;
		trace(link, TERN_MEMLINK_EV_NOBUF, dir, seq, now, 0, NULL,
		      s->len);
		return;
	}
	maybe_corrupt(link, dir, dup, now);
	enqueue(link, dir, dup, now);
}

/* ---- netdev ops ---------------------------------------------------------*/

/* netdev send: every frame is accepted (and maybe lost); returns count. */
static int memlink_send(struct tern_netdev *dev, const struct tern_tx *frames,
			unsigned count)
{
	struct tern_memlink_end *end =
		tern_container_of(dev, struct tern_memlink_end, dev);
	uint64_t now = tern_clock_monotonic();

	for (unsigned i = 0; i < count; i++)
		send_one(end->link, end->tx_dir, &frames[i], now);
	return (int)count;
}

/* netdev recv: up to count frames whose delivery time has come, in
 * deliver_at order; returns how many. A frame longer than its buffer is
 * dropped and counted (too_long). */
static int memlink_recv(struct tern_netdev *dev, struct tern_rx *frames,
			unsigned count)
{
	struct tern_memlink_end *end =
		tern_container_of(dev, struct tern_memlink_end, dev);
	struct tern_memlink *link = end->link;
	unsigned dir = end->tx_dir ^ 1;
	struct tern_memlink_dir *d = &link->dir[dir];
	uint64_t now = tern_clock_monotonic();
	unsigned got = 0;

	while (got < count) {
		struct tern_list *node = tern_list_first(&d->flight);
		struct tern_memlink_slot *s;

		if (!node)
			break;
		s = tern_list_entry(node, struct tern_memlink_slot, link);
		if (s->deliver_at > now)
			break;
		tern_list_del_init(node);
		if (s->len > frames[got].cap) {
			dev->rx_dropped_too_long++;
			d->stats.too_long++;
			trace(link, TERN_MEMLINK_EV_TOO_LONG, dir, s->seq, now,
			      s->deliver_at, s->data, s->len);
		} else {
			memcpy(frames[got].buf, s->data, s->len);
			frames[got].len = s->len;
			d->stats.delivered++;
			d->stats.delivered_bytes += s->len;
			trace(link, TERN_MEMLINK_EV_DELIVER, dir, s->seq, now,
			      s->deliver_at, s->data, s->len);
			got++;
		}
		slot_put(d, s);
	}
	return (int)got;
}

/* netdev rx_pause: frames due to a paused end stop waking tern_wait(). */
static void memlink_rx_pause(struct tern_netdev *dev, bool paused)
{
	tern_container_of(dev, struct tern_memlink_end, dev)->rx_paused =
		paused;
}

static const struct tern_netdev_ops memlink_ops = {
	.send = memlink_send,
	.recv = memlink_recv,
	.close = NULL, /* the link owns both ends: tern_memlink_destroy */
	.rx_pause = memlink_rx_pause,
};

/* ---- Waker --------------------------------------------------------------*/

uint64_t tern_memlink_next(const struct tern_memlink *link)
{
	uint64_t next = TERN_NO_DEADLINE;

	for (unsigned i = 0; i < 2; i++) {
		const struct tern_memlink_end *to =
			link->a.tx_dir == i ? &link->b : &link->a;
		struct tern_list *node = tern_list_first(&link->dir[i].flight);

		if (node && !to->rx_paused) {
			const struct tern_memlink_slot *s = tern_list_entry(
				node, struct tern_memlink_slot, link);
			next = TERN_MIN(next, s->deliver_at);
		}
	}
	return next;
}

/* The waker's next(): the link's earliest delivery. */
static uint64_t waker_next(struct tern_waker *w)
{
	struct tern_memlink *link =
		tern_container_of(w, struct tern_memlink, waker);

	return tern_memlink_next(link);
}

/* ---- Life cycle ---------------------------------------------------------*/

/* Sets up one direction: frames slots over data, all free, and its PRNG. */
static void init_dir(struct tern_memlink_dir *d,
		     struct tern_memlink_slot *slots, uint8_t *data,
		     uint32_t frames, uint32_t slot_bytes, uint64_t seed)
{
	tern_list_init(&d->free);
	tern_list_init(&d->flight);
	tern_rand_seed(&d->rand, seed);
	d->slots = slots;
	for (uint32_t i = 0; i < frames; i++) {
		slots[i].data = data + (size_t)i * slot_bytes;
		tern_list_add_tail(&d->free, &slots[i].link);
	}
}

/* Sets up one end as the netdev NAME.suffix; an all-zero mac means the
 * default 02:00:00:00:00:last. */
static void init_end(struct tern_memlink *link, struct tern_memlink_end *end,
		     const char *name, char suffix, const uint8_t mac[6],
		     uint8_t last, uint16_t mtu, unsigned tx_dir)
{
	static const uint8_t zero[TERN_ETH_ALEN];
	uint8_t dflt[TERN_ETH_ALEN] = { 0x02, 0, 0, 0, 0, last };
	char full[TERN_DEV_NAME_MAX];
	size_t n = strlen(name);

	memcpy(full, name, n);
	full[n] = '.';
	full[n + 1] = suffix;
	full[n + 2] = '\0';
	tern_netdev_init(&end->dev, &memlink_ops, full,
			 memcmp(mac, zero, TERN_ETH_ALEN) ? mac : dflt, mtu);
	end->link = link;
	end->tx_dir = tx_dir;
	end->rx_paused = false;
}

int tern_memlink_create(struct tern_memlink *link,
			const struct tern_memlink_opts *opts)
{
	static const struct tern_memlink_opts defaults;
	const char *name;
	uint16_t mtu;
	uint32_t frames, slot_bytes;
	size_t slots_size, data_size;
	uint8_t *mem;

	if (!opts)
		opts = &defaults;
	memset(link, 0, sizeof(*link));
	name = opts->name ? opts->name : "link";
	mtu = opts->mtu ? opts->mtu : TERN_ETH_MTU_DEFAULT;
	frames = opts->frames ? opts->frames : TERN_MEMLINK_FRAMES_DEFAULT;
	if (strlen(name) > TERN_MEMLINK_NAME_MAX || mtu < MTU_MIN ||
	    (size_t)mtu + TERN_ETH_HLEN > TERN_ETH_FRAME_MAX ||
	    frames > FRAMES_MAX || check_faults(&opts->faults[0]) < 0 ||
	    check_faults(&opts->faults[1]) < 0)
		return -TERN_EINVAL;

	slot_bytes = TERN_ETH_HLEN + mtu;
	slots_size = 2 * (size_t)frames * sizeof(struct tern_memlink_slot);
	data_size = 2 * (size_t)frames * slot_bytes;
	mem = tern_mem_alloc(slots_size + data_size);
	if (!mem)
		return -TERN_ENOMEM;
	link->mem = mem;
	link->mem_size = slots_size + data_size;
	link->frames = frames;
	link->slot_bytes = slot_bytes;
	link->trace = opts->trace;
	link->trace_ctx = opts->trace_ctx;

	for (unsigned i = 0; i < 2; i++) {
		struct tern_memlink_slot *slots =
			(struct tern_memlink_slot *)(void *)mem +
			(size_t)i * frames;
		uint8_t *data =
			mem + slots_size + (size_t)i * frames * slot_bytes;

		/* Distinct streams per direction, so faults on one side do
		 * not shift the other's draws. */
		init_dir(&link->dir[i], slots, data, frames, slot_bytes,
			 opts->seed ^ (i ? 0x6261626162616261ull : 0));
		link->dir[i].faults = opts->faults[i];
	}
	init_end(link, &link->a, name, 'a', opts->mac_a, 0x0a, mtu,
		 TERN_MEMLINK_AB);
	init_end(link, &link->b, name, 'b', opts->mac_b, 0x0b, mtu,
		 TERN_MEMLINK_BA);

	link->waker.fd = -1;
	link->waker.next = waker_next;
	link->waker.paused = false;
	tern_list_init(&link->waker.link);
	if (!opts->no_waker) {
		tern_hosted_waker_add(&link->waker);
		link->waker_added = true;
	}
	return 0;
}

void tern_memlink_destroy(struct tern_memlink *link)
{
	if (link->waker_added)
		tern_hosted_waker_remove(&link->waker);
	link->waker_added = false;
	if (link->mem)
		tern_mem_free(link->mem, link->mem_size);
	link->mem = NULL;
	for (unsigned i = 0; i < 2; i++) {
		tern_list_init(&link->dir[i].free);
		tern_list_init(&link->dir[i].flight);
		link->dir[i].used = 0;
	}
}

int tern_memlink_set_faults(struct tern_memlink *link, unsigned dir,
			    const struct tern_memlink_faults *faults)
{
	TERN_ASSERT(dir < 2);
	if (check_faults(faults) < 0)
		return -TERN_EINVAL;
	link->dir[dir].faults = *faults;
	return 0;
}

const struct tern_memlink_stats *
tern_memlink_stats(const struct tern_memlink *link, unsigned dir)
{
	TERN_ASSERT(dir < 2);
	return &link->dir[dir].stats;
}

unsigned tern_memlink_in_flight(const struct tern_memlink *link, unsigned dir)
{
	TERN_ASSERT(dir < 2);
	return link->dir[dir].used;
}
