/*
 * wire_open.c - setting up the sockets of a wire device: endpoint parsing
 * (loopback only), UNIX stream listen/connect, datagram sockets, and
 * adopting sockets made elsewhere (socketpairs in tests).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tern/fmt.h"
#include "tern/hosted/mac.h"
#include "tern/inet.h"
#include "tern/log.h"
#include "wire_int.h"

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool is_loopback(uint32_t ip)
{
	return (ip >> 24) == 127;
}

int tern_wire_addr_parse(const char *s, struct tern_wire_addr *a)
{
	const char *colon = s ? strrchr(s, ':') : NULL;

	memset(a, 0, sizeof(*a));
	if (!s || !*s)
		return -TERN_EINVAL;
	if (colon && !strchr(s, '/') && all_digits(colon + 1)) {
		char host[TERN_IPV4_STR_MAX + 1];
		size_t hlen = (size_t)(colon - s);
		unsigned long port = 0;

		if (strlen(colon + 1) > 5)
			return -TERN_EINVAL;
		for (const char *p = colon + 1; *p; p++)
			port = port * 10 + (unsigned long)(*p - '0');
		if (port > 65535 || hlen == 0)
			return -TERN_EINVAL;
		if (hlen >= sizeof(host))
			return -TERN_ENOTSUP; /* a host name: refused */
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		if (tern_ipv4_parse(host, &a->ip) < 0 || !is_loopback(a->ip))
			return -TERN_ENOTSUP;
		a->is_inet = true;
		a->port = (uint16_t)port;
		return 0;
	}
	if (strlen(s) >= sizeof(a->path))
		return -TERN_EINVAL;
	memcpy(a->path, s, strlen(s) + 1);
	return 0;
}

/* Resets w to a closed device with a random MAC. */
static void init_common(struct tern_wire *w, enum tern_wire_mode mode,
			const char *name)
{
	uint8_t mac[TERN_ETH_ALEN];

	memset(w, 0, offsetof(struct tern_wire, rbuf));
	tern_hosted_mac_random(mac);
	tern_netdev_init(&w->dev, &wire_ops, name ? name : "wire", mac,
			 TERN_ETH_MTU_DEFAULT);
	w->mode = mode;
	w->fd = -1;
	w->listen_fd = -1;
	tern_list_init(&w->waker.link);
	w->waker.fd = -1;
	w->waker.next = wire_next;
	w->waker.paused = false;
}

/* Registers the waker on fd; the device is ready. */
static void start(struct tern_wire *w, int fd)
{
	w->waker.fd = fd;
	tern_hosted_waker_add(&w->waker);
}

static int unix_addr(const char *path, struct sockaddr_un *sun)
{
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(sun->sun_path))
		return -TERN_EINVAL;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, len);
	return 0;
}

/* Makes path free for bind(): a stale socket file is removed; anything
 * else there is an error. */
static int free_path(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -TERN_EIO;
	if (!S_ISSOCK(st.st_mode))
		return -TERN_EEXIST;
	return unlink(path) == 0 ? 0 : -TERN_EIO;
}

static int errno_to_tern(int err)
{
	switch (err) {
	case EADDRINUSE:
		return -TERN_EADDRINUSE;
	case ENOENT:
		return -TERN_ENOENT;
	case ECONNREFUSED:
		return -TERN_ECONNREFUSED;
	case EADDRNOTAVAIL:
		return -TERN_EINVAL;
	default:
		return -TERN_EIO;
	}
}

/* Binds a new socket of type to the UNIX path; returns it or an error. */
static int bind_unix(const char *path, int type)
{
	struct sockaddr_un sun;
	int s, rc;

	rc = unix_addr(path, &sun);
	if (rc == 0)
		rc = free_path(path);
	if (rc < 0)
		return rc;
	s = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -TERN_EIO;
	if (bind(s, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		rc = errno_to_tern(errno);
		close(s);
		return rc;
	}
	return s;
}

int tern_wire_listen(struct tern_wire *w, const char *path, const char *name)
{
	int s;

	init_common(w, TERN_WIRE_STREAM_LISTEN, name);
	s = bind_unix(path, SOCK_STREAM);
	if (s < 0)
		return s;
	if (listen(s, 4) < 0) {
		close(s);
		unlink(path);
		return -TERN_EIO;
	}
	tern_snprintf(w->unlink_path, sizeof(w->unlink_path), "%s", path);
	w->listen_fd = s;
	start(w, s);
	return 0;
}

int tern_wire_connect(struct tern_wire *w, const char *path, const char *name)
{
	struct sockaddr_un sun;
	int s, rc;

	init_common(w, TERN_WIRE_STREAM_CONNECT, name);
	rc = unix_addr(path, &sun);
	if (rc < 0)
		return rc;
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -TERN_EIO;
	if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK) < 0) {
		rc = errno_to_tern(errno);
		close(s);
		return rc;
	}
	w->fd = s;
	w->connects = 1;
	start(w, s);
	return 0;
}

/* Checks fd is a socket of type and makes it non-blocking; closes it and
 * returns -TERN_EINVAL otherwise. */
static int adopt(int fd, int type)
{
	int t = 0;
	socklen_t len = sizeof(t);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &t, &len) < 0 || t != type ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		close(fd);
		return -TERN_EINVAL;
	}
	return 0;
}

int tern_wire_stream_adopt(struct tern_wire *w, int fd, const char *name)
{
	init_common(w, TERN_WIRE_STREAM_ADOPTED, name);
	if (adopt(fd, SOCK_STREAM) < 0)
		return -TERN_EINVAL;
	w->fd = fd;
	w->connects = 1;
	start(w, fd);
	return 0;
}

int tern_wire_dgram_adopt(struct tern_wire *w, int fd, const char *name)
{
	init_common(w, TERN_WIRE_DGRAM, name);
	if (adopt(fd, SOCK_DGRAM) < 0)
		return -TERN_EINVAL;
	w->fd = fd;
	start(w, fd);
	return 0;
}

static void inet_addr_of(const struct tern_wire_addr *a,
			 struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(a->ip);
	sin->sin_port = htons(a->port);
}

static int dgram_inet(struct tern_wire *w, const struct tern_wire_addr *local,
		      const struct tern_wire_addr *remote)
{
	struct sockaddr_in sin;
	int s, rc;

	if (!is_loopback(local->ip) || !is_loopback(remote->ip))
		return -TERN_ENOTSUP;
	if (remote->port == 0)
		return -TERN_EINVAL;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -TERN_EIO;
	inet_addr_of(local, &sin);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		rc = errno_to_tern(errno);
		close(s);
		return rc;
	}
	inet_addr_of(remote, &sin);
	memcpy(&w->remote, &sin, sizeof(sin));
	w->remote_len = sizeof(sin);
	return s;
}

static int dgram_unix(struct tern_wire *w, const struct tern_wire_addr *local,
		      const struct tern_wire_addr *remote)
{
	struct sockaddr_un sun;
	int s, rc;

	rc = unix_addr(remote->path, &sun);
	if (rc < 0)
		return rc;
	s = bind_unix(local->path, SOCK_DGRAM);
	if (s < 0)
		return s;
	tern_snprintf(w->unlink_path, sizeof(w->unlink_path), "%s",
		      local->path);
	memcpy(&w->remote, &sun, sizeof(sun));
	w->remote_len = sizeof(sun);
	return s;
}

int tern_wire_dgram(struct tern_wire *w, const struct tern_wire_addr *local,
		    const struct tern_wire_addr *remote, const char *name)
{
	int s;

	init_common(w, TERN_WIRE_DGRAM, name);
	if (local->is_inet != remote->is_inet)
		return -TERN_EINVAL;
	s = local->is_inet ? dgram_inet(w, local, remote)
			   : dgram_unix(w, local, remote);
	if (s < 0)
		return s;
	w->fd = s;
	start(w, s);
	return 0;
}

uint16_t tern_wire_local_port(const struct tern_wire *w)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (w->mode != TERN_WIRE_DGRAM || w->fd < 0 ||
	    getsockname(w->fd, (struct sockaddr *)&sin, &len) < 0 ||
	    sin.sin_family != AF_INET)
		return 0;
	return ntohs(sin.sin_port);
}
