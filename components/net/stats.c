/*
 * stats.c - the drop and event counters: lookup by name, iteration, and
 * the console report the hosted runner prints on exit.
 */
#include <stddef.h>
#include <string.h>

#include "tern/dev.h"
#include "tern/err.h"
#include "tern/print.h"

#include "net_int.h"

#define S(f) TERN_COUNTER_NAME(struct tern_net_stats, f)

/* Every field of struct tern_net_stats, in declaration order. */
static const struct tern_counter_name names[] = {
	S(rx_frames),
	S(rx_bytes),
	S(tx_frames),
	S(tx_bytes),
	S(rx_nobuf),
	S(tx_nobuf),
	S(tx_dev_full),
	S(tx_dev_error),
	S(eth_short),
	S(eth_not_for_us),
	S(eth_bad_src),
	S(eth_unknown_type),
	S(eth_llc),
	S(rx_bad_if),
	S(arp_rx),
	S(arp_tx),
	S(arp_malformed),
	S(arp_bad_sender),
	S(arp_conflict),
	S(arp_table_full),
	S(arp_queue_full),
	S(arp_unresolved),
	S(arp_requests),
	S(arp_replies),
	S(arp_gratuitous),
	S(ip_rx),
	S(ip_tx),
	S(ip_short),
	S(ip_bad_version),
	S(ip_bad_hlen),
	S(ip_bad_len),
	S(ip_bad_cksum),
	S(ip_bad_options),
	S(ip_ttl_zero),
	S(ip_bad_src),
	S(ip_not_for_us),
	S(ip_unknown_proto),
	S(ip_no_route),
	S(ip_too_big),
	S(ip_options_seen),
	S(frag_rx),
	S(frag_reassembled),
	S(frag_bad),
	S(frag_overlap),
	S(frag_too_many),
	S(frag_too_big),
	S(frag_no_ctx),
	S(frag_nobuf),
	S(frag_timeout),
	S(frag_tx),
	S(icmp_rx),
	S(icmp_tx),
	S(icmp_short),
	S(icmp_bad_cksum),
	S(icmp_bcast),
	S(icmp_bad_quote),
	S(icmp_ignored),
	S(icmp_no_socket),
	S(icmp_sock_full),
	S(icmp_pool_low),
	S(icmp_rate_limited),
	S(icmp_echo_rx),
	S(icmp_echo_reply_tx),
	S(icmp_unreach_rx),
	S(icmp_unreach_tx),
	S(udp_rx),
	S(udp_tx),
	S(udp_short),
	S(udp_bad_len),
	S(udp_bad_cksum),
	S(udp_rx_csum_skipped),
	S(udp_no_port),
	S(udp_rxq_full),
	S(udp_pool_low),
	S(tcp_rx),
	S(tcp_tx),
	S(tcp_short),
	S(tcp_bad_hlen),
	S(tcp_bad_cksum),
	S(tcp_rx_csum_skipped),
	S(tcp_bad_options),
	S(tcp_bad_flags),
	S(tcp_bad_addr),
	S(tcp_no_port),
	S(tcp_bad_seq),
	S(tcp_paws),
	S(tcp_ts_missing),
	S(tcp_bad_ack),
	S(tcp_bad_syn_ack),
	S(tcp_challenge_acks),
	S(tcp_challenge_limited),
	S(tcp_rst_rx),
	S(tcp_rst_tx),
	S(tcp_ooo_rx),
	S(tcp_ooo_full),
	S(tcp_rcvq_full),
	S(tcp_pool_low),
	S(tcp_ooo_pruned),
	S(tcp_after_wnd),
	S(tcp_listen_overflow),
	S(tcp_conn_table_full),
	S(tcp_tw_evicted),
	S(tcp_tw_reused),
	S(tcp_active_opens),
	S(tcp_passive_opens),
	S(tcp_resets),
	S(tcp_timeouts),
	S(tcp_retransmits),
	S(tcp_rto_fired),
	S(tcp_tlp_probes),
	S(tcp_rack_losses),
	S(tcp_rack_timeouts),
	S(tcp_fast_retransmits),
	S(tcp_sack_recoveries),
	S(tcp_sack_retransmits),
	S(tcp_sack_lost_rexmits),
	S(tcp_sack_ignored),
	S(tcp_dupacks),
	S(tcp_delayed_acks),
	S(tcp_window_probes),
	S(tcp_syncookies_sent),
	S(tcp_syncookies_ok),
	S(tcp_syncookies_bad),
	S(tcp_keepalive_probes),
	S(tcp_keepalive_timeouts),
	S(tcp_persist_timeouts),
	S(tcp_fin_wait2_timeouts),
	S(tcp_nobuf),
	S(tcp_icmp_errors),
	S(tcp_tso_sent),
	S(tcp_tso_nobuf),
};

_Static_assert(sizeof(names) / sizeof(names[0]) ==
		       sizeof(struct tern_net_stats) / sizeof(uint64_t),
	       "every counter has a name");

void tern_net_stats_foreach(const struct tern_net *net,
			    void (*fn)(const char *name, uint64_t value,
				       void *ctx),
			    void *ctx)
{
	tern_counters_foreach(&net->stats, names, TERN_ARRAY_SIZE(names), fn,
			      ctx);
}

int64_t tern_net_stat(const struct tern_net *net, const char *name)
{
	return tern_counters_get(&net->stats, names, TERN_ARRAY_SIZE(names),
				 name);
}

void tern_net_stats_print(const struct tern_net *net)
{
	struct tern_counter_line l;

	tern_printf("net: counters (non-zero)\n");
	tern_counter_line_init(&l, "net:");
	tern_net_stats_foreach(net, tern_counter_line_add_cb, &l);
	tern_counter_line_flush(&l);
}

void tern_net_report(void *ctx)
{
	tern_net_stats_print(ctx);
}
