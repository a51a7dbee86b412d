/*
 * tftp_stats.c - the server's counters by name: for the app's report at
 * exit and for tests, which read a counter by its field name.
 */
#include "tern/print.h"

#include "tftp_server.h"

#define FIELD(f) TERN_COUNTER_NAME(struct tftp_stats, f)

static const struct tern_counter_name fields[] = {
	FIELD(rrq),
	FIELD(rrq_dup),
	FIELD(wrq_refused),
	FIELD(req_malformed),
	FIELD(req_netascii),
	FIELD(req_bad_mode),
	FIELD(req_name_too_long),
	FIELD(req_escape),
	FIELD(req_not_found),
	FIELD(req_not_file),
	FIELD(req_outside_root),
	FIELD(req_lookup_error),
	FIELD(req_busy),
	FIELD(req_no_port),
	FIELD(opt_blksize),
	FIELD(opt_tsize),
	FIELD(opt_timeout),
	FIELD(opt_windowsize),
	FIELD(opt_unknown),
	FIELD(opt_bad_value),
	FIELD(opt_repeated),
	FIELD(opt_dropped),
	FIELD(opt_junk),
	FIELD(oack_tx),
	FIELD(xfer_started),
	FIELD(xfer_done),
	FIELD(xfer_timed_out),
	FIELD(xfer_peer_error),
	FIELD(xfer_illegal),
	FIELD(xfer_read_error),
	FIELD(data_tx),
	FIELD(data_retx),
	FIELD(oack_retx),
	FIELD(bytes_tx),
	FIELD(timeouts),
	FIELD(ack_rx),
	FIELD(ack_dup),
	FIELD(ack_partial),
	FIELD(ack_stale),
	FIELD(rx_short),
	FIELD(rx_bad_opcode),
	FIELD(rx_malformed),
	FIELD(rx_bad_port),
	FIELD(listen_not_req),
	FIELD(listen_error),
	FIELD(unknown_tid),
	FIELD(unknown_tid_error),
	FIELD(rx_no_xfer),
	FIELD(tx_error),
};

/* Every field is listed: the table and the struct stay in step. */
_Static_assert(TERN_ARRAY_SIZE(fields) ==
		       sizeof(struct tftp_stats) / sizeof(uint64_t),
	       "tftp_stats and its name table differ");

void tftp_stats_foreach(const struct tftp_stats *st,
			void (*fn)(const char *name, uint64_t value, void *ctx),
			void *ctx)
{
	tern_counters_foreach(st, fields, TERN_ARRAY_SIZE(fields), fn, ctx);
}

int64_t tftp_stats_get(const struct tftp_stats *st, const char *name)
{
	return tern_counters_get(st, fields, TERN_ARRAY_SIZE(fields), name);
}
