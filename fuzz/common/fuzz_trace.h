/*
 * fuzz_trace.h - a digest of what one fuzz input made a target do, so the
 * replay driver can check that a target which keeps its stack between
 * inputs (and resets it) answers an input the same whatever ran before.
 *
 * Targets add what they observe (frames sent, counters at the end); the
 * digest is 64-bit FNV-1a over those bytes in order. Tracing is off under
 * libFuzzer (fuzz_trace_add returns at once) and on in `replay --twice`.
 */
#ifndef TERN_FUZZ_COMMON_FUZZ_TRACE_H
#define TERN_FUZZ_COMMON_FUZZ_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Turns tracing on or off and starts a new, empty digest. */
void fuzz_trace_start(bool on);

/* Adds n bytes at p to the digest (nothing while tracing is off). */
void fuzz_trace_add(const void *p, size_t n);

/* The digest of everything added since fuzz_trace_start. */
uint64_t fuzz_trace_digest(void);

#endif
