/*
 * pd.h - the shared state of libtern_packetdrill.so, the shim that lets
 * Google's packetdrill (--so_filename) drive one Tern stack.
 *
 * packetdrill plays the remote host: it hands us the raw IPv4 packets of
 * the script (netdev_send), reads back what the stack sent (netdev_receive)
 * and makes the script's system calls on our socket table. The stack sits
 * on a fake device whose send op queues every outgoing IPv4 packet with
 * the virtual time it left at, and answers the stack's ARP requests at
 * once, so a script never sees ARP. Time is the hosted virtual clock:
 * usleep moves it and fires the stack's timers on the way; a call that
 * would block moves it from deadline to deadline until it can complete.
 *
 * Blocking calls therefore finish inside the call, in virtual time. A
 * script's "t1...t2 call()" form, where packetdrill expects the call to
 * wait for packets it injects from another thread, is not supported:
 * every entry point takes one lock, so such a call completes (or fails)
 * on what the stack can do alone.
 *
 * Files: tern_packetdrill.c (the interface table, flags, set-up and
 * teardown), pd_time.c (the clock, advancing the stack), pd_netdev.c (the
 * device and netdev_send/receive), pd_socket.c (the socket table,
 * open/close calls, errno), pd_io.c (read/write and friends), pd_sockopt.c
 * (socket options and fcntl/ioctl), pd_poll.c (poll).
 */
#ifndef TERN_TESTS_PD_H
#define TERN_TESTS_PD_H

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

#include "tern/net.h"
#include "tern/tcp.h"

#define PD_T0 (10 * TERN_NSEC_PER_SEC) /* the virtual clock at start */
#define PD_FRAMES 256		       /* outgoing packets queued at most */
#define PD_ARPS 16		       /* ARP requests waiting for answers */
#define PD_SOCKS 64		       /* sockets open at once */
#define PD_STEPS_MAX 1000000	       /* deadlines one call may pass */
#define PD_IDLE_MAX (4 * 3600 * TERN_NSEC_PER_SEC) /* pd_netdev_receive */

/* One packet the stack sent: an IPv4 datagram and when it left. */
struct pd_frame {
	uint64_t t;
	size_t len;
	uint8_t data[TERN_ETH_MTU_DEFAULT];
};

/* Options set on a socket before it has a connection, applied to it when
 * it connects or is accepted (and inherited from a listener). */
struct pd_opts {
	bool nodelay;
	bool keepalive;
	bool reuseaddr;
	bool linger0;		       /* SO_LINGER on with 0 s: close resets */
	int ka_idle, ka_intvl, ka_cnt; /* seconds, seconds, probes */
	int sndbuf, rcvbuf;	       /* 0: the stack's size */
	char cc[16];		       /* "" for the default */
};

/* One socket of the table. */
struct pd_sock {
	bool used;
	int fd; /* a real fd on /dev/null, see pd_socket.c */
	bool nonblock;
	bool bound;
	bool err_reported; /* SO_ERROR or a call returned the error */
	uint32_t baddr;	   /* bind(): host order */
	uint16_t bport;
	struct tern_tcp *c; /* listener or connection, NULL before */
	bool listener;
	struct pd_opts opts;
};

struct pd {
	pthread_mutex_t lock;
	struct tern_net net;
	struct tern_netdev dev;
	uint32_t local, gw; /* host order */
	unsigned prefix;
	uint8_t peer_mac[TERN_ETH_ALEN];
	struct pd_frame *frames; /* ring of PD_FRAMES */
	unsigned head, count;
	uint64_t frames_dropped;
	uint64_t last_input; /* when the script last sent a packet */
	struct {
		uint32_t sip, tip; /* the stack's address, the one asked for */
	} arps[PD_ARPS];
	unsigned n_arps;
	struct pd_sock socks[PD_SOCKS];
};

/* pd_time.c */

/* The virtual clock, ns. */
uint64_t pd_now(void);

/* Moves the clock to t (no-op if earlier), running every stack deadline
 * on the way at its own time and answering the ARP requests it makes. */
void pd_advance(struct pd *pd, uint64_t t);

/* Advances from deadline to deadline until ready(pd, arg) holds or t is
 * reached (TERN_NO_DEADLINE: until the stack has no deadline left).
 * Returns ready's last verdict. */
bool pd_wait(struct pd *pd, uint64_t t, bool (*ready)(struct pd *, void *),
	     void *arg);

int pd_usleep(void *userdata, useconds_t usec);
int pd_gettimeofday(void *userdata, struct timeval *tv, struct timezone *tz);

/* pd_netdev.c */

/* Initialises pd->dev, the device the stack sends through. */
void pd_netdev_init(struct pd *pd);

/* Injects an answer to every ARP request the stack made since the last
 * call. */
void pd_arp_answer(struct pd *pd);

int pd_netdev_send(void *userdata, const void *buf, size_t count);
int pd_netdev_receive(void *userdata, void *buf, size_t *count,
		      long long *time_usecs);

/* The packetdrill.h entry points below (pd_socket ... pd_poll) each
 * behave like their libc namesake on a TCP socket: a result, or -1 with
 * errno set. Each one's comment says where it differs. */

/* pd_socket.c */

/* Sets errno from a -TERN_E* code and returns -1. */
int pd_fail(int terr);

/* Sets errno to e and returns -1. */
int pd_fail_errno(int e);

/* The socket of fd, or NULL (errno EBADF). */
struct pd_sock *pd_sock_get(struct pd *pd, int fd);

/* Applies s's stored options to its connection. Returns 0 or -TERN_E*. */
int pd_sock_apply(struct pd_sock *s);

/* Closes every socket (resetting what is still open), at the end. */
void pd_sock_close_all(struct pd *pd);

int pd_socket(void *userdata, int domain, int type, int protocol);
int pd_bind(void *userdata, int fd, const struct sockaddr *addr, socklen_t len);
int pd_listen(void *userdata, int fd, int backlog);
int pd_accept(void *userdata, int fd, struct sockaddr *addr, socklen_t *len);
int pd_connect(void *userdata, int fd, const struct sockaddr *addr,
	       socklen_t len);
int pd_close(void *userdata, int fd);
int pd_shutdown(void *userdata, int fd, int how);

/* pd_io.c */

ssize_t pd_read(void *userdata, int fd, void *buf, size_t count);
ssize_t pd_readv(void *userdata, int fd, const struct iovec *iov, int iovcnt);
ssize_t pd_recv(void *userdata, int fd, void *buf, size_t len, int flags);
ssize_t pd_recvfrom(void *userdata, int fd, void *buf, size_t len, int flags,
		    struct sockaddr *src, socklen_t *srclen);
ssize_t pd_recvmsg(void *userdata, int fd, struct msghdr *msg, int flags);
ssize_t pd_write(void *userdata, int fd, const void *buf, size_t count);
ssize_t pd_writev(void *userdata, int fd, const struct iovec *iov, int iovcnt);
ssize_t pd_send(void *userdata, int fd, const void *buf, size_t len, int flags);
ssize_t pd_sendto(void *userdata, int fd, const void *buf, size_t len,
		  int flags, const struct sockaddr *dst, socklen_t dstlen);
ssize_t pd_sendmsg(void *userdata, int fd, const struct msghdr *msg, int flags);

/* pd_sockopt.c */

int pd_getsockopt(void *userdata, int fd, int level, int name, void *val,
		  socklen_t *len);
int pd_setsockopt(void *userdata, int fd, int level, int name, const void *val,
		  socklen_t len);
int pd_fcntl(void *userdata, int fd, int cmd, ...);
int pd_ioctl(void *userdata, int fd, unsigned long request, ...);

/* pd_poll.c */

int pd_poll(void *userdata, struct pollfd *fds, nfds_t nfds, int timeout);

#endif
