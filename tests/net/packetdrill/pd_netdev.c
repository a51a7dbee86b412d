/*
 * pd_netdev.c - the device between the stack and packetdrill.
 *
 * Outgoing IPv4 datagrams are queued, without their Ethernet header, with
 * the virtual time they left at; netdev_receive hands them out in order.
 * ARP requests are remembered and answered right after the stack call that
 * made them returns (a device must not call back into the stack), from a
 * made-up MAC for whatever address was asked: packetdrill's remote host
 * and gateway are behind it. Incoming packets get an Ethernet header from
 * that MAC and go through tern_net_input_bytes.
 */
#include "pd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tern/byteorder.h"

#define ETH_IPV4 0x0800
#define ETH_ARP 0x0806
#define ARP_LEN 28
#define ARP_REQUEST 1
#define ARP_REPLY 2

/* Notes an ARP request (frame is a whole frame) unless it is gratuitous. */
static void arp_note(struct pd *pd, const uint8_t *frame, size_t len)
{
	const uint8_t *a = frame + TERN_ETH_HLEN;
	uint32_t sip, tip;

	if (len < TERN_ETH_HLEN + ARP_LEN ||
	    tern_load_be16(a + 6) != ARP_REQUEST)
		return;
	sip = tern_load_be32(a + 14);
	tip = tern_load_be32(a + 24);
	if (sip == tip || tip == pd->local || pd->n_arps == PD_ARPS)
		return;
	pd->arps[pd->n_arps].sip = sip;
	pd->arps[pd->n_arps].tip = tip;
	pd->n_arps++;
}

/* Queues an outgoing IPv4 datagram, or counts it as dropped if the queue
 * is full (a script that never reads what the stack sends). */
static void frame_queue(struct pd *pd, const uint8_t *ip, size_t len)
{
	struct pd_frame *f;

	if (pd->count == PD_FRAMES || len > sizeof(f->data)) {
		pd->frames_dropped++;
		return;
	}
	f = &pd->frames[(pd->head + pd->count) % PD_FRAMES];
	f->t = pd_now();
	f->len = len;
	memcpy(f->data, ip, len);
	pd->count++;
}

/* The device's send op: takes every frame. Returns count. */
static int dev_send(struct tern_netdev *dev, const struct tern_tx *frames,
		    unsigned count)
{
	struct pd *pd = tern_container_of(dev, struct pd, dev);
	uint8_t buf[TERN_ETH_FRAME_MAX];

	for (unsigned i = 0; i < count; i++) {
		int len = tern_tx_flatten(&frames[i], buf, sizeof(buf));
		uint16_t type;

		if (len < TERN_ETH_HLEN)
			continue;
		type = tern_load_be16(buf + 12);
		if (type == ETH_ARP)
			arp_note(pd, buf, (size_t)len);
		else if (type == ETH_IPV4)
			frame_queue(pd, buf + TERN_ETH_HLEN,
				    (size_t)len - TERN_ETH_HLEN);
	}
	return (int)count;
}

/* The device's receive op: nothing ever waits (frames are injected). */
static int dev_recv(struct tern_netdev *dev, struct tern_rx *frames,
		    unsigned count)
{
	(void)dev;
	(void)frames;
	(void)count;
	return 0;
}

static const struct tern_netdev_ops dev_ops = {
	.send = dev_send,
	.recv = dev_recv,
};

void pd_netdev_init(struct pd *pd)
{
	static const uint8_t mac[TERN_ETH_ALEN] = { 0x02, 0x00, 0x00,
						    0x00, 0x00, 0x01 };
	static const uint8_t peer[TERN_ETH_ALEN] = { 0x02, 0x00, 0x00,
						     0x00, 0x00, 0x02 };

	tern_netdev_init(&pd->dev, &dev_ops, "pd0", mac, TERN_ETH_MTU_DEFAULT);
	memcpy(pd->peer_mac, peer, sizeof(peer));
}

/* Writes an Ethernet header from the peer to the stack. */
static void eth_header(struct pd *pd, uint8_t *frame, uint16_t type)
{
	memcpy(frame, pd->dev.mac, TERN_ETH_ALEN);
	memcpy(frame + TERN_ETH_ALEN, pd->peer_mac, TERN_ETH_ALEN);
	tern_store_be16(frame + 12, type);
}

void pd_arp_answer(struct pd *pd)
{
	/* Answers may resolve queued packets but make no new requests for
	 * the same addresses; the bound only guards against a loop. */
	for (unsigned round = 0; round < 4 && pd->n_arps > 0; round++) {
		unsigned n = pd->n_arps;
		uint8_t f[TERN_ETH_HLEN + ARP_LEN];
		uint8_t *a = f + TERN_ETH_HLEN;

		pd->n_arps = 0;
		for (unsigned i = 0; i < n; i++) {
			eth_header(pd, f, ETH_ARP);
			tern_store_be16(a, 1);
			tern_store_be16(a + 2, ETH_IPV4);
			a[4] = TERN_ETH_ALEN;
			a[5] = 4;
			tern_store_be16(a + 6, ARP_REPLY);
			memcpy(a + 8, pd->peer_mac, TERN_ETH_ALEN);
			tern_store_be32(a + 14, pd->arps[i].tip);
			memcpy(a + 18, pd->dev.mac, TERN_ETH_ALEN);
			tern_store_be32(a + 24, pd->arps[i].sip);
			tern_net_input_bytes(&pd->net, 0, f, sizeof(f),
					     pd_now());
		}
	}
}

/* Injects one IPv4 packet of the script. Returns 0, or -1 with EINVAL
 * (not IPv4, or too long for the device). */
int pd_netdev_send(void *userdata, const void *buf, size_t count)
{
	struct pd *pd = userdata;
	uint8_t f[TERN_ETH_HLEN + TERN_ETH_MTU_DEFAULT];

	if (count == 0 || count > TERN_ETH_MTU_DEFAULT ||
	    (((const uint8_t *)buf)[0] >> 4) != 4)
		return pd_fail_errno(EINVAL);
	pthread_mutex_lock(&pd->lock);
	eth_header(pd, f, ETH_IPV4);
	memcpy(f + TERN_ETH_HLEN, buf, count);
	tern_net_input_bytes(&pd->net, 0, f, TERN_ETH_HLEN + count, pd_now());
	pd_arp_answer(pd);
	pd->last_input = pd_now();
	pthread_mutex_unlock(&pd->lock);
	return 0;
}

/* pd_wait predicate: a packet is queued. */
static bool have_frame(struct pd *pd, void *arg)
{
	(void)arg;
	return pd->count > 0;
}

/* Hands out the oldest packet the stack sent, waiting in virtual time for
 * one if none is queued. When the stack has nothing left that could ever
 * send one, or PD_IDLE_MAX passed since the script's last packet, sets
 * *count to 0: packetdrill then fails the script. (The limit matters: in
 * so mode packetdrill keeps reading packets until their payload adds up
 * to what the script expects, so a script expecting data where the stack
 * sends, say, empty window probes forever would never end.) Returns 0,
 * or -1 with EINVAL if buf is too small. */
int pd_netdev_receive(void *userdata, void *buf, size_t *count,
		      long long *time_usecs)
{
	struct pd *pd = userdata;
	struct pd_frame *f;
	int ret = 0;

	pthread_mutex_lock(&pd->lock);
	if (!pd_wait(pd, pd->last_input + PD_IDLE_MAX, have_frame, NULL)) {
		fprintf(stderr, "tern_packetdrill: nothing more from the "
				"stack (idle limit or no timer left)\n");
		*count = 0;
		goto out;
	}
	f = &pd->frames[pd->head];
	if (f->len > *count) {
		ret = pd_fail_errno(EINVAL);
		goto out;
	}
	memcpy(buf, f->data, f->len);
	*count = f->len;
	*time_usecs = (long long)(f->t / TERN_NSEC_PER_USEC);
	pd->head = (pd->head + 1) % PD_FRAMES;
	pd->count--;
out:
	pthread_mutex_unlock(&pd->lock);
	return ret;
}
