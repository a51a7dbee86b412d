/*
 * wait.c - tern_wait(): sleep with HLT until a device interrupt or the
 * LAPIC timer; and the stop request (Ctrl-C on the serial console).
 *
 * The guest runs with interrupts off. tern_wait() arms every device's
 * interrupts (virtio notification suppression is lifted only for the
 * duration of the wait), arms the timer for the deadline, then executes
 * STI;HLT;CLI: an interrupt that arrived since the devices were armed is
 * pending in the LAPIC and ends the HLT at once, so no wake-up is lost.
 * Afterwards notifications are suppressed again, so a busy event loop
 * takes no interrupts at all.
 *
 * A device without interrupts (no MSI-X) is polled: the wait then sleeps
 * at most GUEST_POLL_NS.
 *
 * Under --profile every call first sends the profiler's samples if enough
 * are waiting (prof_flush_due), so even a zero deadline flushes; and the
 * profiler's NMIs end the HLT early, which tern_wait's callers accept as a
 * spurious return.
 */
#include "guest.h"
#include "x86.h"

#define STOP_POLL_NS (10 * TERN_NSEC_PER_MSEC)

static struct tern_list wakers = TERN_LIST_INIT(wakers);
static bool stop_requested;
static uint64_t stop_polled_at;

/* Checks the console for Ctrl-C; returns the (sticky) stop request. */
static bool poll_stop(void)
{
	if (!stop_requested && serial_poll_stop()) {
		stop_requested = true;
		tern_console_write("tern: stop requested\n", 21);
	}
	return stop_requested;
}

void guest_waker_add(struct guest_waker *w)
{
	tern_list_add_tail(&wakers, &w->link);
}

int tern_wait(uint64_t deadline)
{
	uint64_t now = tern_clock_monotonic();
	bool work = false, polled = false;

	prof_flush_due();
	if (deadline <= now || poll_stop())
		return 0;
	if (deadline == TERN_NO_DEADLINE && tern_list_empty(&wakers))
		return -TERN_EDEADLK;
	tern_list_for_each(it, &wakers) {
		struct guest_waker *w =
			tern_list_entry(it, struct guest_waker, link);

		if (w->polled)
			polled = true;
		else if (w->arm(w))
			work = true;
	}
	if (polled && deadline - now > GUEST_POLL_NS)
		deadline = now + GUEST_POLL_NS;
	if (!work) {
		if (deadline != TERN_NO_DEADLINE)
			lapic_arm(deadline);
		sti_hlt_cli();
		if (deadline != TERN_NO_DEADLINE)
			lapic_disarm();
		poll_stop();
	}
	tern_list_for_each(it, &wakers) {
		struct guest_waker *w =
			tern_list_entry(it, struct guest_waker, link);

		if (!w->polled)
			w->disarm(w);
	}
	return 0;
}

bool tern_stop_requested(void)
{
	uint64_t now;

	if (stop_requested)
		return true;
	/* A port read is a VM exit: look at most every STOP_POLL_NS. */
	now = tern_clock_monotonic();
	if (now - stop_polled_at < STOP_POLL_NS)
		return false;
	stop_polled_at = now;
	return poll_stop();
}

void tern_stop_clear(void)
{
	stop_requested = false;
}
