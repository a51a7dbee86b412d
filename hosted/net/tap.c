/*
 * tap.c - the TAP netdev: Ethernet frames through /dev/net/tun.
 *
 * One frame per read() or write() on the descriptor. Receive reads into the
 * caller's buffer with the device's overflow area as a further iovec, so a
 * frame longer than the buffer is seen whole (and counted as dropped) rather
 * than silently truncated. See tap.h for the contract.
 *
 * With IFF_VNET_HDR every frame is preceded by a virtio-net header (12
 * bytes, little-endian: flags, gso_type, hdr_len, gso_size, csum_start,
 * csum_offset, num_buffers), which is how the device offers TX_CSUM and
 * TX_TSO4: a frame's tern_tx_offload goes into the header as it is, and
 * the kernel completes checksums and cuts super-frames (drivers/net/tun.c,
 * virtio_net_hdr_to_skb). TUNSETOFFLOAD TUN_F_CSUM | TUN_F_TSO4 lets the
 * kernel send us frames with partial checksums and TCP/IPv4 super-frames,
 * which tap_rx.c completes and cuts before the stack sees them.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tern/assert.h"
#include "tern/byteorder.h"
#include "tern/fmt.h"
#include "tern/hosted/mac.h"
#include "tern/hosted/tap.h"
#include "tern/log.h"

#include "tap_int.h"

#define MAX_PIECES 64 /* gather pieces per frame */

/* The largest MTU Tern's frame buffers hold. */
#define TAP_MTU_MAX (TERN_ETH_FRAME_MAX - TERN_ETH_HLEN)

static struct tern_tap *to_tap(struct tern_netdev *dev)
{
	return tern_container_of(dev, struct tern_tap, dev);
}

/* The virtio-net header for a frame asking for offload o (dev.h's fields
 * are virtio's, in the same order); num_buffers 0. */
static void vnet_hdr(uint8_t h[VNET_HLEN], const struct tern_tx_offload *o)
{
	h[0] = o->flags & TERN_TX_NEEDS_CSUM ? VNET_F_NEEDS_CSUM : 0;
	h[1] = o->gso_type == TERN_GSO_TCPV4 ? 1 : 0; /* GSO_TCPV4 is 1 */
	tern_store_le16(h + 2, o->hdr_len);
	tern_store_le16(h + 4, o->gso_size);
	tern_store_le16(h + 6, o->csum_start);
	tern_store_le16(h + 8, o->csum_offset);
	tern_store_le16(h + 10, 0);
}

static int tap_send(struct tern_netdev *dev, const struct tern_tx *frames,
		    unsigned count)
{
	struct tern_tap *tap = to_tap(dev);
	struct iovec iov[1 + MAX_PIECES];
	uint8_t hdr[VNET_HLEN];
	unsigned i, nh = tap->vnet ? 1 : 0; /* header iovecs */

	for (i = 0; i < count; i++) {
		const struct tern_tx *f = &frames[i];
		ssize_t n;

		TERN_ASSERT(f->iovcnt <= MAX_PIECES);
		if (tap->vnet) {
			vnet_hdr(hdr, &f->off);
			iov[0].iov_base = hdr;
			iov[0].iov_len = sizeof(hdr);
		}
		for (unsigned k = 0; k < f->iovcnt; k++) {
			iov[nh + k].iov_base = (void *)f->iov[k].base;
			iov[nh + k].iov_len = f->iov[k].len;
		}
		do {
			n = writev(tap->fd, iov, (int)(nh + f->iovcnt));
		} while (n < 0 && errno == EINTR);
		if (n >= (ssize_t)nh * VNET_HLEN) {
			tap->tx_frames++;
			if (f->off.gso_type != TERN_GSO_NONE)
				tap->tx_tso_frames++;
			tap->tx_bytes += (uint64_t)n - nh * VNET_HLEN;
			continue;
		}
		if (errno == EAGAIN || errno == ENOBUFS)
			break; /* queue full: the caller retries the rest */
		if (errno == EIO) {
			tap->tx_link_down++; /* interface down: frame lost */
			continue;
		}
		if (errno == EINVAL || errno == EMSGSIZE) {
			tap->tx_errors++;
			continue;
		}
		if (i == 0)
			return -TERN_EIO;
		break;
	}
	return (int)i;
}

static int tap_recv(struct tern_netdev *dev, struct tern_rx *frames,
		    unsigned count)
{
	struct tern_tap *tap = to_tap(dev);
	unsigned got = 0;

	if (tap->vnet)
		return tap_vnet_recv(tap, frames, count);
	while (got < count) {
		struct tern_rx *rx = &frames[got];
		struct iovec iov[2] = {
			{ rx->buf, rx->cap },
			{ tap->overflow, sizeof(tap->overflow) },
		};
		ssize_t n = readv(tap->fd, iov, 2);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			if (got == 0)
				return -TERN_EIO;
			break;
		}
		if ((size_t)n > rx->cap) {
			dev->rx_dropped_too_long++;
			continue;
		}
		if ((size_t)n < TERN_ETH_HLEN) {
			tap->rx_runts++;
			continue;
		}
		rx->len = (size_t)n;
		tap->rx_frames++;
		tap->rx_bytes += (uint64_t)n;
		got++;
	}
	return (int)got;
}

static void tap_close(struct tern_netdev *dev)
{
	struct tern_tap *tap = to_tap(dev);

	tern_hosted_waker_remove(&tap->waker);
	if (tap->fd >= 0)
		close(tap->fd);
	tap->fd = -1;
}

/* netdev rx_pause: while paused, waiting frames do not wake tern_wait(). */
static void tap_rx_pause(struct tern_netdev *dev, bool paused)
{
	to_tap(dev)->waker.paused = paused;
}

static const struct tern_netdev_ops tap_ops = {
	.send = tap_send,
	.recv = tap_recv,
	.close = tap_close,
	.rx_pause = tap_rx_pause,
};

/* Makes fd, attached with IFF_VNET_HDR, use 12-byte little-endian
 * headers and lets the kernel send us partial checksums and TCP/IPv4
 * super-frames (tap_rx.c takes them). Returns 0 or -TERN_EIO. */
static int vnet_setup(int fd)
{
	unsigned long off = TUN_F_CSUM | TUN_F_TSO4;
	int hlen = VNET_HLEN, le = 1;

	if (ioctl(fd, TUNSETVNETHDRSZ, &hlen) < 0 ||
	    ioctl(fd, TUNSETVNETLE, &le) < 0 ||
	    ioctl(fd, TUNSETOFFLOAD, off) < 0)
		return -TERN_EIO;
	return 0;
}

/* Fills the device around an attached descriptor and registers its waker;
 * vnet: the descriptor has virtio-net headers (vnet_setup done), so the
 * device offers TX_CSUM and TX_TSO4. */
static void setup(struct tern_tap *tap, int fd, const char *ifname,
		  uint16_t mtu, const uint8_t *avoid_mac, const char *name,
		  bool created, bool vnet)
{
	char dflt[TERN_DEV_NAME_MAX];
	uint8_t mac[TERN_ETH_ALEN];

	tern_hosted_mac_random(mac);
	if (avoid_mac && memcmp(mac, avoid_mac, TERN_ETH_ALEN) == 0)
		mac[5] ^= 0x01;
	if (!name) {
		tern_snprintf(dflt, sizeof(dflt), "tap:%s", ifname);
		name = dflt;
	}
	memset(tap, 0, offsetof(struct tern_tap, overflow));
	tern_netdev_init(&tap->dev, &tap_ops, name, mac, mtu);
	if (vnet) {
		tap->dev.offloads = TERN_NETDEV_TX_CSUM | TERN_NETDEV_TX_TSO4;
		tap->dev.gso_max = TERN_ETH_HLEN + TERN_TAP_GSO_MAX;
	}
	tap->vnet = vnet;
	tap->fd = fd;
	tap->created = created;
	tern_snprintf(tap->ifname, sizeof(tap->ifname), "%s", ifname);
	tern_list_init(&tap->waker.link);
	tap->waker.fd = fd;
	tap->waker.next = vnet ? tap_next : NULL;
	tap->waker.paused = false;
	tern_hosted_waker_add(&tap->waker);
}

/* Reads the MTU and MAC of interface ifname in the current namespace. */
static void query_if(const char *ifname, uint16_t *mtu, uint8_t mac[6],
		     bool *have_mac)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	*mtu = TERN_ETH_MTU_DEFAULT;
	*have_mac = false;
	if (s < 0)
		return;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(s, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0)
		*mtu = (uint16_t)TERN_MIN(ifr.ifr_mtu, TAP_MTU_MAX);
	if (ioctl(s, SIOCGIFHWADDR, &ifr) == 0) {
		memcpy(mac, ifr.ifr_hwaddr.sa_data, TERN_ETH_ALEN);
		*have_mac = true;
	}
	close(s);
}

int tern_tap_open(struct tern_tap *tap, const char *ifname, unsigned flags,
		  const char *name)
{
	size_t len = ifname ? strlen(ifname) : 0;
	uint8_t kmac[TERN_ETH_ALEN];
	struct ifreq ifr;
	bool exists, have_kmac;
	uint16_t mtu;
	int fd;

	tap->fd = -1;
	if (len == 0 || len >= TERN_TAP_IFNAME_MAX || !flags ||
	    (flags & ~(TERN_TAP_ATTACH | TERN_TAP_CREATE)))
		return -TERN_EINVAL;
	exists = if_nametoindex(ifname) != 0;
	if (exists && !(flags & TERN_TAP_ATTACH))
		return -TERN_EEXIST;
	if (!exists && !(flags & TERN_TAP_CREATE))
		return -TERN_ENOENT;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == EACCES || errno == EPERM
			       ? -TERN_ENODEV
			       : -TERN_EIO;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, len);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int err = errno;

		close(fd);
		if (err == EBUSY || err == EINVAL)
			return -TERN_EBUSY;
		return err == EPERM ? -TERN_ENODEV : -TERN_EIO;
	}
	if (vnet_setup(fd) < 0) {
		close(fd);
		return -TERN_EIO;
	}
	query_if(ifname, &mtu, kmac, &have_kmac);
	setup(tap, fd, ifname, mtu, have_kmac ? kmac : NULL, name, !exists,
	      true);
	tern_log_debug("%s: %s TAP %s, mtu %u", tap->dev.name,
		       exists ? "attached to" : "created", ifname, mtu);
	return 0;
}

int tern_tap_adopt(struct tern_tap *tap, int fd, uint16_t mtu, const char *name)
{
	struct ifreq ifr;
	int fl;

	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0 ||
	    (ifr.ifr_flags & (IFF_TAP | IFF_TUN | IFF_NO_PI)) !=
		    (IFF_TAP | IFF_NO_PI)) {
		close(fd);
		tap->fd = -1;
		return -TERN_EINVAL;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    ((ifr.ifr_flags & IFF_VNET_HDR) && vnet_setup(fd) < 0)) {
		close(fd);
		tap->fd = -1;
		return -TERN_EINVAL;
	}
	if (mtu == 0)
		mtu = TERN_ETH_MTU_DEFAULT;
	ifr.ifr_name[IFNAMSIZ - 1] = '\0';
	setup(tap, fd, ifr.ifr_name, (uint16_t)TERN_MIN(mtu, TAP_MTU_MAX), NULL,
	      name, false, ifr.ifr_flags & IFF_VNET_HDR);
	return 0;
}
