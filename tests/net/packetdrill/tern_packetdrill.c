/*
 * tern_packetdrill.c - libtern_packetdrill.so: packetdrill's shared-object
 * interface (packetdrill.h, --so_filename) over one Tern stack.
 *
 * --so_flags is a comma-separated list of key=value settings:
 *
 *   local=A.B.C.D   the stack's address     192.168.0.2 (pass the same
 *                                            as packetdrill's --local_ip)
 *   prefix=N        its prefix length        16
 *   gw=A.B.C.D      its gateway              192.168.0.1
 *   seed=N          the stack's seed         1
 *   rcvbuf=N        cfg.tcp_rcvbuf, bytes    Tern's default (64 KiB)
 *   sndbuf=N        cfg.tcp_sndbuf, bytes    Tern's default (64 KiB)
 *   conns=N         cfg.tcp_conns            8
 *
 * The stack is kept small (8 connections) because packetdrill locks all
 * of its memory (mlockall): unprivileged, everything must fit in
 * RLIMIT_MEMLOCK (often 8 MiB), thread stacks included - run it with a
 * small stack limit (ulimit -s 256) there.
 *
 * packetdrill's remote address (--remote_ip, 192.0.2.1 by default) is
 * reached through the gateway; the shim answers ARP for any address.
 * Epoll, pipe and splice are not provided: they fail with ENOSYS.
 *
 * At the end every socket still open is reset, the stack's timers are run
 * out (TIME_WAIT included, in virtual time) and the shim checks that the
 * stack is back to no connections and no packet buffers; a leak is
 * reported on stderr and makes the process exit with status 3.
 */
#include "pd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "packetdrill.h"
#include "tern/hosted.h"

/* Parses one dotted quad into *ip (host order). Returns 0 or -1. */
static int parse_ip(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*ip = ntohl(a.s_addr);
	return 0;
}

/* Applies --so_flags to pd and cfg. Returns 0, or -1 after naming the
 * bad setting on stderr. */
static int parse_flags(struct pd *pd, struct tern_net_config *cfg,
		       const char *flags)
{
	char *copy = strdup(flags ? flags : ""), *save = NULL, *kv;
	int ret = 0;

	for (kv = strtok_r(copy, ",", &save); kv && ret == 0;
	     kv = strtok_r(NULL, ",", &save)) {
		char *v = strchr(kv, '=');
		unsigned long long n;

		if (!v) {
			ret = -1;
			break;
		}
		*v++ = 0;
		n = strtoull(v, NULL, 0);
		if (!strcmp(kv, "local"))
			ret = parse_ip(v, &pd->local);
		else if (!strcmp(kv, "gw"))
			ret = parse_ip(v, &pd->gw);
		else if (!strcmp(kv, "prefix"))
			pd->prefix = (unsigned)n;
		else if (!strcmp(kv, "seed"))
			cfg->seed = n;
		else if (!strcmp(kv, "rcvbuf"))
			cfg->tcp_rcvbuf = (uint32_t)n;
		else if (!strcmp(kv, "sndbuf"))
			cfg->tcp_sndbuf = (uint32_t)n;
		else if (!strcmp(kv, "conns"))
			cfg->tcp_conns = (uint32_t)n;
		else
			ret = -1;
	}
	if (ret)
		fprintf(stderr, "tern_packetdrill: bad --so_flags '%s'\n",
			flags);
	free(copy);
	return ret;
}

/* Runs the stack's timers out; true if it is then back to empty. */
static bool drain(struct pd *pd)
{
	for (unsigned i = 0; i < PD_STEPS_MAX; i++) {
		uint64_t d = tern_net_next_deadline(&pd->net);

		if (d == TERN_NO_DEADLINE)
			break;
		pd_advance(pd, d);
	}
	return tern_tcp_conns_in_use(&pd->net) == 0 &&
	       tern_tcp_time_wait_count(&pd->net) == 0 &&
	       tern_net_pkts_in_use(&pd->net) == 0;
}

/* The interface's free: resets what is open, drains and checks the stack
 * (exit status 3 on a leak), and releases everything. */
static void pd_free(void *userdata)
{
	struct pd *pd = userdata;
	bool clean;

	pthread_mutex_lock(&pd->lock);
	pd_sock_close_all(pd);
	clean = drain(pd);
	if (pd->frames_dropped)
		fprintf(stderr,
			"tern_packetdrill: %llu packets of the stack never "
			"read (queue full)\n",
			(unsigned long long)pd->frames_dropped);
	if (!clean) {
		fprintf(stderr,
			"tern_packetdrill: stack not empty at the end: %u "
			"connections, %u in TIME_WAIT, %u packet buffers\n",
			tern_tcp_conns_in_use(&pd->net),
			tern_tcp_time_wait_count(&pd->net),
			tern_net_pkts_in_use(&pd->net));
		_exit(3);
	}
	tern_net_fini(&pd->net);
	pthread_mutex_unlock(&pd->lock);
	pthread_mutex_destroy(&pd->lock);
	free(pd->frames);
	free(pd);
	tern_hosted_clock_use_real();
}

/* The calls the shim does not provide: -1 with ENOSYS. */
static int no_epoll_create(void *userdata, int size)
{
	(void)userdata;
	(void)size;
	return pd_fail_errno(ENOSYS);
}

static int no_epoll_ctl(void *userdata, int epfd, int op, int fd,
			struct epoll_event *event)
{
	(void)userdata;
	(void)epfd;
	(void)op;
	(void)fd;
	(void)event;
	return pd_fail_errno(ENOSYS);
}

static int no_epoll_wait(void *userdata, int epfd, struct epoll_event *events,
			 int maxevents, int timeout)
{
	(void)userdata;
	(void)epfd;
	(void)events;
	(void)maxevents;
	(void)timeout;
	return pd_fail_errno(ENOSYS);
}

static int no_pipe(void *userdata, int pipefd[2])
{
	(void)userdata;
	(void)pipefd;
	return pd_fail_errno(ENOSYS);
}

static int no_splice(void *userdata, int fd_in, loff_t *off_in, int fd_out,
		     loff_t *off_out, size_t len, unsigned int flags)
{
	(void)userdata;
	(void)fd_in;
	(void)off_in;
	(void)fd_out;
	(void)off_out;
	(void)len;
	(void)flags;
	return pd_fail_errno(ENOSYS);
}

/* Sets the stack up as --so_flags says (see the top of this file); exits
 * with status 2 if that fails, as packetdrill gives no way to report it. */
static struct pd *pd_open(const char *flags)
{
	struct pd *pd = calloc(1, sizeof(*pd));
	struct tern_net_config cfg;

	if (!pd)
		exit(2);
	tern_net_config_default(&cfg);
	cfg.seed = 1;
	cfg.tcp_conns = 8;
	/* Resolved addresses never expire: a script runs for minutes of
	 * virtual time and must not see ARP. */
	cfg.arp_timeout_ns = 100000 * TERN_NSEC_PER_SEC;
	parse_ip("192.168.0.2", &pd->local);
	parse_ip("192.168.0.1", &pd->gw);
	pd->prefix = 16;
	pd->last_input = PD_T0;
	pd->frames = calloc(PD_FRAMES, sizeof(*pd->frames));
	if (!pd->frames || parse_flags(pd, &cfg, flags))
		exit(2);
	pthread_mutex_init(&pd->lock, NULL);
	tern_hosted_clock_use_virtual(PD_T0);
	pd_netdev_init(pd);
	if (tern_net_init(&pd->net, &cfg) ||
	    tern_net_add_if(&pd->net, &pd->dev) ||
	    tern_net_if_set_addr(&pd->net, 0, pd->local, pd->prefix, pd->gw,
				 pd_now())) {
		fprintf(stderr, "tern_packetdrill: cannot set the stack up\n");
		exit(2);
	}
	/* The gratuitous ARP of set_addr is not for packetdrill. */
	pd_arp_answer(pd);
	return pd;
}

/* The shim's one export, called by packetdrill after dlopen: sets up the
 * stack from flags (--so_flags) and fills ifc with the entry points. */
TERN_API void packetdrill_interface_init(const char *flags,
					 struct packetdrill_interface *ifc)
{
	memset(ifc, 0, sizeof(*ifc));
	ifc->userdata = pd_open(flags);
	ifc->free = pd_free;
	ifc->socket = pd_socket;
	ifc->bind = pd_bind;
	ifc->listen = pd_listen;
	ifc->accept = pd_accept;
	ifc->connect = pd_connect;
	ifc->read = pd_read;
	ifc->readv = pd_readv;
	ifc->recv = pd_recv;
	ifc->recvfrom = pd_recvfrom;
	ifc->recvmsg = pd_recvmsg;
	ifc->write = pd_write;
	ifc->writev = pd_writev;
	ifc->send = pd_send;
	ifc->sendto = pd_sendto;
	ifc->sendmsg = pd_sendmsg;
	ifc->fcntl = pd_fcntl;
	ifc->ioctl = pd_ioctl;
	ifc->close = pd_close;
	ifc->shutdown = pd_shutdown;
	ifc->getsockopt = pd_getsockopt;
	ifc->setsockopt = pd_setsockopt;
	ifc->poll = pd_poll;
	ifc->netdev_send = pd_netdev_send;
	ifc->netdev_receive = pd_netdev_receive;
	ifc->usleep = pd_usleep;
	ifc->gettimeofday = pd_gettimeofday;
	ifc->epoll_create = no_epoll_create;
	ifc->epoll_ctl = no_epoll_ctl;
	ifc->epoll_wait = no_epoll_wait;
	ifc->pipe = no_pipe;
	ifc->splice = no_splice;
}
