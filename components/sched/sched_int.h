/*
 * sched_int.h - what the files of components/sched share (private).
 *
 * fiber.c owns the fiber life cycle and every context switch; waitq.c and
 * loop.c only move fibers between lists and call into fiber.c to block or
 * to run a turn's batch.
 */
#ifndef TERN_SCHED_INT_H
#define TERN_SCHED_INT_H

#include "tern/sched.h"

/* fiber.c */

/* Puts f at the back of the ready list (it runs in the next turn). */
void tern_sched_make_ready(struct tern_sched *s, struct tern_fiber *f);

/* Marks the current fiber blocked and switches to the next fiber of the
 * turn (or to the loop). Returns when someone made it ready and it ran
 * again. Asserts it is called from a fiber. */
void tern_sched_block(struct tern_sched *s);

/* Runs the turn's batch: every fiber ready now, once. Called by the loop;
 * returns when the last of them switched back. */
void tern_sched_run_batch(struct tern_sched *s);

/* Frees the stacks of detached fibers that are done. Called by the loop. */
void tern_sched_reap(struct tern_sched *s);

#endif
