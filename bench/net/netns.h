/*
 * netns.h - two network namespaces joined by a veth pair, for the
 * benchmarks that measure Linux's own stack as a baseline (root only).
 *
 * Namespace a holds 10.99.S.2, namespace b 10.99.S.1 (S from the pid);
 * both are deleted by bench_netns_down and at exit. Traffic stays inside
 * them.
 */
#ifndef TERN_BENCH_NETNS_H
#define TERN_BENCH_NETNS_H

#include <stdbool.h>
#include <stdint.h>

struct bench_netns {
	char ns_a[32], ns_b[32];
	uint32_t addr_a, addr_b; /* host order */
	bool up;
};

/* Creates the pair; tag (a letter) keeps two pairs of one process apart.
 * Returns 0, or -1 (not root, no iproute2): nothing is left behind. */
int bench_netns_up(struct bench_netns *n, char tag);

/* Moves the calling thread into namespace name. Returns 0 or -1. */
int bench_netns_enter(const char *name);

/* Creates a socket of type inside namespace name and comes back to the
 * thread's own namespace. Returns the descriptor or -1. */
int bench_netns_socket(const char *name, int type);

/* Moves the calling thread into namespace name and returns a descriptor
 * of the namespace it was in (for bench_netns_pop), or -1. */
int bench_netns_push(const char *name);

/* Moves the calling thread back to the namespace home (from
 * bench_netns_push) and closes home. */
void bench_netns_pop(int home);

/* Runs "sysctl -w setting" inside namespace name ("net.ipv4.x=1").
 * Returns 0 or -1. */
int bench_netns_sysctl(const char *name, const char *setting);

/* Deletes both namespaces (idempotent). */
void bench_netns_down(struct bench_netns *n);

#endif
