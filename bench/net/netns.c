/*
 * netns.c - two namespaces and a veth pair for Linux baselines (netns.h).
 */
#include "netns.h"

#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* Runs a shell command; 0 if it exited 0. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd) == 0 ? 0 : -1;
}

/* The pairs made, for the exit handler. */
static struct bench_netns *made[4];

static void down_all(void)
{
	for (unsigned i = 0; i < 4; i++)
		if (made[i])
			bench_netns_down(made[i]);
}

int bench_netns_up(struct bench_netns *n, char tag)
{
	static bool registered;
	unsigned p = (unsigned)getpid(), sub = p % 250;

	if (geteuid() != 0)
		return -1;
	snprintf(n->ns_a, sizeof(n->ns_a), "ternb%ca-%u", tag, p);
	snprintf(n->ns_b, sizeof(n->ns_b), "ternb%cb-%u", tag, p);
	n->addr_a = 0x0a630002u | sub << 8;
	n->addr_b = 0x0a630001u | sub << 8;
	n->up = true;
	for (unsigned i = 0; i < 4; i++) {
		if (!made[i]) {
			made[i] = n;
			break;
		}
	}
	if (!registered) {
		atexit(down_all);
		registered = true;
	}
	if (sh("ip netns add %s && ip netns add %s", n->ns_a, n->ns_b) ||
	    sh("ip link add b%ca%u netns %s type veth peer name b%cb%u "
	       "netns %s",
	       tag, p, n->ns_a, tag, p, n->ns_b) ||
	    sh("ip -n %s addr add 10.99.%u.2/24 dev b%ca%u && "
	       "ip -n %s link set b%ca%u up && ip -n %s link set lo up",
	       n->ns_a, sub, tag, p, n->ns_a, tag, p, n->ns_a) ||
	    sh("ip -n %s addr add 10.99.%u.1/24 dev b%cb%u && "
	       "ip -n %s link set b%cb%u up && ip -n %s link set lo up",
	       n->ns_b, sub, tag, p, n->ns_b, tag, p, n->ns_b)) {
		bench_netns_down(n);
		return -1;
	}
	return 0;
}

int bench_netns_enter(const char *name)
{
	char path[64];
	int fd, rc;

	snprintf(path, sizeof(path), "/var/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = setns(fd, CLONE_NEWNET);
	close(fd);
	return rc;
}

int bench_netns_push(const char *name)
{
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	if (home < 0)
		return -1;
	if (bench_netns_enter(name) < 0) {
		close(home);
		return -1;
	}
	return home;
}

void bench_netns_pop(int home)
{
	if (setns(home, CLONE_NEWNET) < 0)
		abort(); /* cannot get back: nothing is safe now */
	close(home);
}

int bench_netns_socket(const char *name, int type)
{
	int home = bench_netns_push(name);
	int fd;

	if (home < 0)
		return -1;
	fd = socket(AF_INET, type, 0);
	bench_netns_pop(home);
	return fd;
}

int bench_netns_sysctl(const char *name, const char *setting)
{
	return sh("ip netns exec %s sysctl -q -w %s", name, setting);
}

void bench_netns_down(struct bench_netns *n)
{
	if (!n->up)
		return;
	n->up = false;
	sh("ip netns del %s 2>/dev/null", n->ns_a);
	sh("ip netns del %s 2>/dev/null", n->ns_b);
}
