/*
 * policy_sim.h - replacement policies simulated on block-number traces, to
 * choose the block cache's policy by measurement.
 *
 * Each simulation keeps only the bookkeeping of a cache of `capacity`
 * blocks (no data) and answers hit or miss for every access. The block
 * cache uses one of these policies (S3-FIFO; see bcache_policy.c); the
 * others live only here, as the baselines it was chosen against. Memory is
 * O(universe): state is indexed by block number, so traces use numbers
 * below `universe`.
 */
#ifndef TERN_BENCH_POLICY_SIM_H
#define TERN_BENCH_POLICY_SIM_H

#include <stdbool.h>
#include <stdint.h>

enum psim_kind { PSIM_LRU, PSIM_S3FIFO, PSIM_ARC, PSIM_2Q, PSIM_COUNT };

struct psim;

/* A short name: "lru", "s3fifo", "arc", "2q". */
const char *psim_name(enum psim_kind kind);

/* A simulated cache of capacity blocks over block numbers < universe.
 * Exits the program if memory runs out. */
struct psim *psim_new(enum psim_kind kind, uint32_t capacity,
		      uint32_t universe);
void psim_free(struct psim *p);

/* Simulates one access; returns true on a hit. */
bool psim_access(struct psim *p, uint32_t block);

/* Hit ratio of a whole trace on a fresh cache (accesses 0..warm-1 warm the
 * cache and are not counted). */
double psim_hit_ratio(enum psim_kind kind, uint32_t capacity, uint32_t universe,
		      const uint32_t *trace, uint64_t len, uint64_t warm);

#endif
