/*
 * netns.c - private network namespaces with a TAP inside, for tests.
 *
 * Namespaces are created and deleted with iproute2 (`ip netns add/del`, so
 * `ip netns exec` and `ip -n` work on them); everything inside one
 * (loopback up, the TAP, its address) is done in-process by entering the
 * namespace with setns() on the calling thread and leaving it again.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tern/err.h"
#include "tern/fmt.h"
#include "tern/hosted/netns.h"
#include "tern/inet.h"
#include "tern/log.h"

#define NETNS_DIR "/run/netns"
#define MAX_ARGS 64

extern char **environ;

/* Namespaces created by this process, for unique names. */
static unsigned netns_counter;

/* iproute2's ip: PATH may lack the sbin directories for a non-login root
 * shell, so look there first. */
static const char *ip_cmd(void)
{
	if (access("/usr/sbin/ip", X_OK) == 0)
		return "/usr/sbin/ip";
	if (access("/sbin/ip", X_OK) == 0)
		return "/sbin/ip";
	return "ip";
}

/* Runs argv and waits. quiet sends its stdout and stderr to /dev/null.
 * Returns the exit status, or -TERN_EIO. */
static int run(const char *const argv[], bool quiet)
{
	posix_spawn_file_actions_t fa;
	int status, rc;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	if (quiet) {
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO,
						 "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO,
						 "/dev/null", O_WRONLY, 0);
	}
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv,
			  environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -TERN_EIO;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -TERN_EIO;
	}
	if (!WIFEXITED(status))
		return -TERN_EIO;
	return WEXITSTATUS(status);
}

static bool valid_prefix(const char *prefix)
{
	size_t n = 0;

	for (; prefix[n]; n++) {
		char c = prefix[n];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return n > 0 && n < TERN_NETNS_PREFIX_MAX;
}

/* Parses "PREFIX-PID-N"; returns the PID, or 0 if name has another form. */
static pid_t parse_owner(const char *name, const char *prefix)
{
	size_t plen = strlen(prefix);
	const char *p = name + plen;
	unsigned long pid = 0;
	bool digits = false;

	if (strncmp(name, prefix, plen) != 0 || *p != '-')
		return 0;
	for (p++; *p >= '0' && *p <= '9'; p++, digits = true) {
		pid = pid * 10 + (unsigned long)(*p - '0');
		if (pid > 0x7fffffff)
			return 0;
	}
	if (!digits || *p != '-' || !p[1])
		return 0;
	for (p++; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return (pid_t)pid;
}

int tern_netns_reap(const char *prefix)
{
	struct dirent *de;
	int reaped = 0;
	DIR *dir;

	if (!valid_prefix(prefix))
		return 0;
	dir = opendir(NETNS_DIR);
	if (!dir)
		return 0;
	while ((de = readdir(dir)) != NULL) {
		pid_t pid = parse_owner(de->d_name, prefix);

		if (pid <= 0 || kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		const char *argv[] = { ip_cmd(), "netns", "del", de->d_name,
				       NULL };

		if (run(argv, true) == 0) {
			tern_log_info("netns: reaped stale namespace %s",
				      de->d_name);
			reaped++;
		}
	}
	closedir(dir);
	return reaped;
}

/* Sets IFF_UP on interface ifname of the current namespace. */
static int link_up(int sock, const char *ifname)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	tern_snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return -TERN_EIO;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
		return -TERN_EIO;
	return 0;
}

int tern_netns_enter(const struct tern_netns *ns, int *saved)
{
	char path[sizeof(NETNS_DIR) + TERN_NETNS_NAME_MAX + 1];
	int fd;

	*saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*saved < 0)
		return -TERN_EIO;
	tern_snprintf(path, sizeof(path), NETNS_DIR "/%s", ns->name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		if (fd >= 0)
			close(fd);
		close(*saved);
		*saved = -1;
		return -TERN_EIO;
	}
	close(fd);
	return 0;
}

int tern_netns_leave(int saved)
{
	int rc = setns(saved, CLONE_NEWNET);

	close(saved);
	if (rc < 0) {
		tern_log_error("netns: cannot return to the first namespace");
		return -TERN_EIO;
	}
	return 0;
}

/* Writes "1" to the disable_ipv6 sysctl of ifname ("all", "default" or an
 * interface) in the current namespace; a kernel without IPv6 has no such
 * file, which is fine. /proc/sys/net shows the namespace of the thread
 * that opens the file. */
static void disable_ipv6(const char *ifname)
{
	char path[96];
	int fd;

	tern_snprintf(path, sizeof(path),
		      "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, "1", 1) != 1)
		tern_log_warn("netns: cannot disable IPv6 on %s", ifname);
	close(fd);
}

int tern_netns_create(struct tern_netns *ns, const char *prefix)
{
	int saved, sock, rc = -TERN_EIO;

	memset(ns, 0, sizeof(*ns));
	if (!prefix || !valid_prefix(prefix))
		return -TERN_EINVAL;
	tern_netns_reap(prefix);
	for (int attempt = 0; attempt < 8 && !ns->exists; attempt++) {
		tern_snprintf(ns->name, sizeof(ns->name), "%s-%ld-%u", prefix,
			      (long)getpid(), netns_counter++);
		const char *argv[] = { ip_cmd(), "netns", "add", ns->name,
				       NULL };

		if (run(argv, true) == 0)
			ns->exists = true;
	}
	if (!ns->exists)
		return -TERN_EIO;
	if (tern_netns_enter(ns, &saved) < 0)
		goto fail;
	/* IPv6 off for every interface to come: the kernel then sends
	 * nothing unasked (router solicitations, MLD reports). */
	disable_ipv6("all");
	disable_ipv6("default");
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock >= 0) {
		rc = link_up(sock, "lo");
		close(sock);
	}
	if (tern_netns_leave(saved) < 0)
		abort(); /* the thread is stranded in the namespace */
	if (rc == 0)
		return 0;
fail:
	tern_netns_destroy(ns);
	return -TERN_EIO;
}

/* Gives interface ifname the address and netmask of cidr. */
static int set_addr(int sock, const char *ifname, uint32_t addr,
		    unsigned prefix)
{
	struct sockaddr_in sin;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	tern_snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(addr);
	memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
	if (ioctl(sock, SIOCSIFADDR, &ifr) < 0)
		return -TERN_EIO;
	sin.sin_addr.s_addr = htonl(tern_ipv4_mask(prefix));
	memcpy(&ifr.ifr_netmask, &sin, sizeof(sin));
	if (ioctl(sock, SIOCSIFNETMASK, &ifr) < 0)
		return -TERN_EIO;
	return 0;
}

/* The part of tern_netns_tap() that runs inside the namespace. */
static int make_tap(const char *ifname, bool has_addr, uint32_t addr,
		    unsigned prefix, int *fd)
{
	struct ifreq ifr;
	int sock, rc = -TERN_EIO;

	*fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (*fd < 0)
		return -TERN_ENODEV;
	memset(&ifr, 0, sizeof(ifr));
	tern_snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(*fd, TUNSETIFF, &ifr) < 0)
		goto fail;
	disable_ipv6(ifname);
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		goto fail;
	rc = has_addr ? set_addr(sock, ifname, addr, prefix) : 0;
	if (rc == 0)
		rc = link_up(sock, ifname);
	close(sock);
	if (rc == 0)
		return 0;
fail:
	close(*fd);
	*fd = -1;
	return rc;
}

int tern_netns_tap(struct tern_netns *ns, const char *ifname, const char *cidr,
		   int *fd)
{
	size_t len = ifname ? strlen(ifname) : 0;
	uint32_t addr = 0;
	unsigned prefix = 0;
	int saved, rc;

	*fd = -1;
	if (!ns->exists || len == 0 || len >= IFNAMSIZ)
		return -TERN_EINVAL;
	if (cidr && tern_ipv4_parse_cidr(cidr, &addr, &prefix) < 0)
		return -TERN_EINVAL;
	if (tern_netns_enter(ns, &saved) < 0)
		return -TERN_EIO;
	rc = make_tap(ifname, cidr != NULL, addr, prefix, fd);
	if (tern_netns_leave(saved) < 0)
		abort(); /* the thread is stranded in the namespace */
	return rc;
}

int tern_netns_socket(const struct tern_netns *ns, int domain, int type,
		      int protocol)
{
	int saved, fd;

	if (tern_netns_enter(ns, &saved) < 0)
		return -TERN_EIO;
	fd = socket(domain, type | SOCK_CLOEXEC, protocol);
	if (tern_netns_leave(saved) < 0)
		abort();
	return fd < 0 ? -TERN_EIO : fd;
}

int tern_netns_run(const struct tern_netns *ns, const char *const argv[])
{
	const char *full[MAX_ARGS + 5] = { ip_cmd(), "netns", "exec",
					   ns->name };
	int n = 4;

	for (int i = 0; argv[i]; i++) {
		if (i >= MAX_ARGS)
			return -TERN_EIO;
		full[n++] = argv[i];
	}
	full[n] = NULL;
	return run(full, false);
}

void tern_netns_destroy(struct tern_netns *ns)
{
	if (!ns->exists)
		return;
	const char *argv[] = { ip_cmd(), "netns", "del", ns->name, NULL };

	if (run(argv, false) != 0)
		tern_log_error("netns: cannot delete %s", ns->name);
	ns->exists = false;
}
