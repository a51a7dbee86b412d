/*
 * wire_util.c - frames and receive loops shared by the network device
 * tests.
 */
#define _GNU_SOURCE
#include "wire_util.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tern/byteorder.h"

void test_frame(uint8_t *buf, size_t len, const uint8_t dst[6],
		const uint8_t src[6], uint32_t seq)
{
	cr_assert(len >= 20);
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	tern_store_be16(buf + 12, TEST_ETHERTYPE);
	tern_store_be32(buf + 14, seq);
	for (size_t i = 18; i < len; i++)
		buf[i] = (uint8_t)(seq * 31u + i * 7u + len);
}

long test_frame_seq(const uint8_t *buf, size_t len)
{
	if (len < 20 || tern_load_be16(buf + 12) != TEST_ETHERTYPE)
		return -1;
	return (long)tern_load_be32(buf + 14);
}

size_t test_frame_len(uint32_t seq)
{
	return 60 + (seq * 397u) % (1514 - 60 + 1);
}

int recv_frames(struct tern_netdev *dev, const struct tern_waker *w,
		struct tern_rx *rx, unsigned count, int timeout_ms)
{
	unsigned got = 0;

	while (got < count) {
		int n = tern_netdev_recv(dev, rx + got, count - got);

		cr_assert(n >= 0, "recv failed: %d", n);
		got += (unsigned)n;
		if (n > 0 || got == count)
			continue;
		if (w && w->fd >= 0) {
			struct pollfd p = { w->fd, POLLIN, 0 };

			if (poll(&p, 1, timeout_ms) == 0)
				break;
		} else {
			struct timespec ms = { 0, 1000000 };

			if (timeout_ms-- <= 0)
				break;
			nanosleep(&ms, NULL);
		}
	}
	return (int)got;
}

struct tern_rx *rx_alloc(unsigned n)
{
	struct tern_rx *rx = calloc(n, sizeof(*rx));

	cr_assert(rx);
	for (unsigned i = 0; i < n; i++) {
		rx[i].buf = malloc(TERN_ETH_FRAME_MAX);
		rx[i].cap = TERN_ETH_FRAME_MAX;
		cr_assert(rx[i].buf);
	}
	return rx;
}

void rx_free(struct tern_rx *rx, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(rx[i].buf);
	free(rx);
}

uint16_t free_udp_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t len = sizeof(sin);
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	cr_assert(bind(s, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	cr_assert(getsockname(s, (struct sockaddr *)&sin, &len) == 0);
	close(s);
	return ntohs(sin.sin_port);
}
