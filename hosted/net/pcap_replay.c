/*
 * pcap_replay.c - a netdev that receives the frames of a pcap file at the
 * times its timestamps say, and keeps what the stack sends (see pcap.h for
 * the timestamp mapping).
 *
 * One frame is read ahead so the waker can report its due time; libpcap
 * owns those bytes until the next read. The buffers for kept sent frames
 * are allocated once at open.
 */
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tern/assert.h"
#include "tern/hosted/mac.h"
#include "tern/hosted/pcap.h"
#include "tern/log.h"

static struct tern_pcap_replay *to_replay(struct tern_netdev *dev)
{
	return tern_container_of(dev, struct tern_pcap_replay, dev);
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - 1 - b ? UINT64_MAX - 1 : a + b;
}

/* Reads the next frame of the file into rp->next_*, with its due time. */
static void read_ahead(struct tern_pcap_replay *rp, bool first)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t ts, due;
	int rc;

	rp->have_next = false;
	rc = pcap_next_ex(rp->in, &h, &data);
	if (rc != 1) {
		if (rc != PCAP_ERROR_BREAK) {
			rp->read_errors++;
			tern_log_warn("%s: pcap read error: %s", rp->dev.name,
				      pcap_geterr(rp->in));
		}
		return;
	}
	ts = h->ts.tv_sec < 0 ? 0
			      : (uint64_t)h->ts.tv_sec * TERN_NSEC_PER_SEC +
					(uint64_t)h->ts.tv_usec;
	if (first) {
		rp->ts0 = ts;
		rp->last_due = rp->t0;
	}
	due = ts >= rp->ts0 ? add_sat(rp->t0, ts - rp->ts0) : rp->t0;
	if (due < rp->last_due)
		due = rp->last_due;
	rp->last_due = due;
	rp->next_due = due;
	rp->next_data = data;
	rp->next_caplen = h->caplen;
	rp->next_len = h->len;
	rp->have_next = true;
}

static uint64_t replay_next(struct tern_waker *w)
{
	struct tern_pcap_replay *rp =
		tern_container_of(w, struct tern_pcap_replay, waker);

	return rp->have_next ? rp->next_due : TERN_NO_DEADLINE;
}

static int replay_recv(struct tern_netdev *dev, struct tern_rx *frames,
		       unsigned count)
{
	struct tern_pcap_replay *rp = to_replay(dev);
	uint64_t now = tern_clock_monotonic();
	unsigned got = 0;

	while (got < count && rp->have_next && rp->next_due <= now) {
		struct tern_rx *rx = &frames[got];

		if (rp->next_caplen < rp->next_len)
			rp->rx_truncated++;
		else if (rp->next_len < TERN_ETH_HLEN)
			rp->rx_runts++;
		else if (rp->next_len > rx->cap)
			dev->rx_dropped_too_long++;
		else {
			memcpy(rx->buf, rp->next_data, rp->next_len);
			rx->len = rp->next_len;
			rp->rx_frames++;
			got++;
		}
		read_ahead(rp, false);
	}
	return (int)got;
}

static int replay_send(struct tern_netdev *dev, const struct tern_tx *frames,
		       unsigned count)
{
	struct tern_pcap_replay *rp = to_replay(dev);
	size_t slot = (size_t)TERN_ETH_HLEN + dev->mtu;
	uint64_t now = tern_clock_monotonic();
	uint64_t wall = tern_clock_wall();

	for (unsigned i = 0; i < count; i++) {
		const struct tern_tx *f = &frames[i];

		rp->tx_frames++;
		if (rp->sent_kept < rp->keep_sent) {
			struct tern_pcap_sent *s = &rp->sent[rp->sent_kept];
			uint8_t *dst = rp->sent_buf + rp->sent_kept * slot;
			int len = tern_tx_flatten(f, dst, slot);

			TERN_ASSERT(len >= 0);
			s->time = now;
			s->len = (size_t)len;
			s->data = dst;
			rp->sent_kept++;
		}
		if (rp->out) {
			uint8_t tmp[TERN_ETH_FRAME_MAX];
			struct pcap_pkthdr h;
			int len = tern_tx_flatten(f, tmp, sizeof(tmp));

			TERN_ASSERT(len >= 0);
			memset(&h, 0, sizeof(h));
			h.ts.tv_sec = (time_t)(wall / TERN_NSEC_PER_SEC);
			h.ts.tv_usec = (suseconds_t)(wall % TERN_NSEC_PER_SEC);
			h.caplen = h.len = (bpf_u_int32)len;
			pcap_dump((u_char *)rp->out, &h, tmp);
		}
	}
	if (rp->out && count)
		pcap_dump_flush(rp->out);
	return (int)count;
}

static void replay_close(struct tern_netdev *dev)
{
	struct tern_pcap_replay *rp = to_replay(dev);

	tern_hosted_waker_remove(&rp->waker);
	rp->have_next = false;
	if (rp->in)
		pcap_close(rp->in);
	rp->in = NULL;
	if (rp->out)
		pcap_dump_close(rp->out);
	if (rp->out_pcap)
		pcap_close(rp->out_pcap);
	rp->out = NULL;
	rp->out_pcap = NULL;
	free(rp->sent);
	free(rp->sent_buf);
	rp->sent = NULL;
	rp->sent_buf = NULL;
	rp->sent_kept = rp->keep_sent = 0;
}

/* netdev rx_pause: while paused, waiting frames do not wake tern_wait(). */
static void replay_rx_pause(struct tern_netdev *dev, bool paused)
{
	to_replay(dev)->waker.paused = paused;
}

static const struct tern_netdev_ops replay_ops = {
	.send = replay_send,
	.recv = replay_recv,
	.close = replay_close,
	.rx_pause = replay_rx_pause,
};

/* Opens the input file; returns 0 or the error of tern_pcap_replay_open. */
static int open_input(struct tern_pcap_replay *rp, const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];

	if (access(path, R_OK) != 0) {
		tern_log_error("pcap replay: cannot read %s", path);
		return -TERN_ENOENT;
	}
	rp->in = pcap_open_offline_with_tstamp_precision(
		path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!rp->in) {
		tern_log_error("pcap replay: %s", errbuf);
		return -TERN_EBADMSG;
	}
	if (pcap_datalink(rp->in) != DLT_EN10MB) {
		tern_log_error("pcap replay: %s: link type %d is not Ethernet",
			       path, pcap_datalink(rp->in));
		return -TERN_ENOTSUP;
	}
	return 0;
}

/* Allocates what keeping and recording sent frames needs. */
static int open_output(struct tern_pcap_replay *rp,
		       const struct tern_pcap_replay_cfg *cfg)
{
	size_t slot = (size_t)TERN_ETH_HLEN + rp->dev.mtu;

	if (cfg->keep_sent) {
		rp->sent = calloc(cfg->keep_sent, sizeof(*rp->sent));
		rp->sent_buf = calloc(cfg->keep_sent, slot);
		if (!rp->sent || !rp->sent_buf) {
			tern_log_error("pcap replay: no memory for %u frames",
				       cfg->keep_sent);
			return -TERN_ENOMEM;
		}
		rp->keep_sent = cfg->keep_sent;
	}
	if (cfg->sent_path) {
		rp->out_pcap = pcap_open_dead_with_tstamp_precision(
			DLT_EN10MB, TERN_PCAP_SNAPLEN,
			PCAP_TSTAMP_PRECISION_NANO);
		if (!rp->out_pcap)
			return -TERN_EIO;
		rp->out = pcap_dump_open(rp->out_pcap, cfg->sent_path);
		if (!rp->out) {
			tern_log_error("pcap replay: %s",
				       pcap_geterr(rp->out_pcap));
			return -TERN_EIO;
		}
		pcap_dump_flush(rp->out);
	}
	return 0;
}

int tern_pcap_replay_open(struct tern_pcap_replay *rp,
			  const struct tern_pcap_replay_cfg *cfg)
{
	uint8_t mac[TERN_ETH_ALEN];
	uint16_t mtu = cfg->mtu ? cfg->mtu : TERN_ETH_MTU_DEFAULT;
	int rc;

	TERN_ASSERT(mtu <= TERN_ETH_FRAME_MAX - TERN_ETH_HLEN);
	memset(rp, 0, sizeof(*rp));
	if (cfg->mac)
		memcpy(mac, cfg->mac, TERN_ETH_ALEN);
	else
		tern_hosted_mac_random(mac);
	tern_netdev_init(&rp->dev, &replay_ops,
			 cfg->name ? cfg->name : "replay", mac, mtu);
	tern_list_init(&rp->waker.link);
	rc = open_input(rp, cfg->path);
	if (rc == 0)
		rc = open_output(rp, cfg);
	if (rc < 0) {
		replay_close(&rp->dev);
		return rc;
	}
	rp->t0 = tern_clock_monotonic();
	read_ahead(rp, true);
	rp->waker.fd = -1;
	rp->waker.next = replay_next;
	rp->waker.paused = false;
	tern_hosted_waker_add(&rp->waker);
	return 0;
}

bool tern_pcap_replay_done(const struct tern_pcap_replay *rp)
{
	return !rp->have_next;
}
