/*
 * pcap_off.c - the pcap devices of a hosted build without libpcap
 * (TERN_PCAP=OFF, which fuzz/oss-fuzz/build.sh sets: OSS-Fuzz runs fuzz
 * targets where only the C and C++ runtimes are installed, and every
 * program linked with tern_hosted would otherwise need libpcap.so and the
 * libraries behind it). Opening a recorder or a replay fails, as pcap.h
 * allows, and says why; nothing else changes.
 */
#include "tern/hosted/pcap.h"
#include "tern/log.h"

int tern_pcap_rec_open(struct tern_pcap_rec *rec, struct tern_netdev *inner,
		       const char *path)
{
	(void)rec;
	(void)inner;
	tern_log_error("pcap: cannot record to %s: built without libpcap "
		       "(TERN_PCAP=OFF)",
		       path);
	return -TERN_EIO;
}

int tern_pcap_replay_open(struct tern_pcap_replay *rp,
			  const struct tern_pcap_replay_cfg *cfg)
{
	(void)rp;
	tern_log_error("pcap: cannot replay %s: built without libpcap "
		       "(TERN_PCAP=OFF)",
		       cfg->path);
	return -TERN_ENOENT;
}

bool tern_pcap_replay_done(const struct tern_pcap_replay *rp)
{
	(void)rp;
	return true;
}
