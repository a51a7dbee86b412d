/*
 * fuzz_netstack.c - fuzz target for the whole stack: arbitrary sequences
 * of frames, time steps and socket calls into a configured stack.
 *
 * Input: a program of ops. Each op starts with a byte; its low 3 bits pick
 * the op, bit 3 the interface:
 *   0  frame     [len:2 BE][len bytes]      input as is
 *   1  time      [ms:2 BE]                  advance, run due timers
 *   2  udp send  [sock:1][len:2 BE][dst:1]  payload of len pattern bytes
 *                                           to 10.0.0.dst (or broadcast
 *                                           if dst is 255), port 9
 *   3  ping      [len:2 BE][dst:1]          echo request to 10.0.0.dst
 *   4  address   [arg:1]                    set (arg odd) or clear if1
 *   5  receive                              drain every socket
 *   6  frame/fix [len:2 BE][len bytes]      as 0, with the destination MAC
 *                                           set to the interface's
 *   7  deadline                             jump to the next deadline
 * If the op byte's high nibble is 8, one more byte [accept:1] follows the
 * op: from then on the interface's device accepts at most that many
 * frames per call (the rest count as tx_dev_full).
 *
 * Invariants, checked all along: nothing crashes or trips a sanitizer;
 * pools never exceed their size (asserted by the pool); every frame sent
 * is well formed with correct checksums (util_fuzz.c); and after the
 * program, closing the sockets and running the timers out returns every
 * buffer to its pool: no leak, memory within the configured pools.
 */
#include <stdbool.h>
#include <string.h>

#include "tern/assert.h"
#include "tern/byteorder.h"
#include "tern/net_wire.h"
#include "util_fuzz.h"

#include "support/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_stack s;
	static uint8_t frame[TERN_ETH_FRAME_MAX], payload[70000];
	struct fuzz_input g = { data, size };

	static bool filled;

	if (!filled) {
		for (size_t i = 0; i < sizeof(payload); i++)
			payload[i] = (uint8_t)i;
		filled = true;
	}
	fz_stack_begin(&s, 40, 2);
	for (unsigned steps = 0; g.left && steps < 4096; steps++) {
		unsigned op = fuzz_u8(&g);
		unsigned ifx = (op >> 3) & 1;
		const uint8_t *bytes;
		size_t len;

		switch (op & 7) {
		case 0:
		case 6:
			len = fuzz_u16(&g);
			if (len > sizeof(frame))
				len = sizeof(frame);
			bytes = fuzz_bytes(&g, &len);
			memcpy(frame, bytes, len);
			if ((op & 7) == 6 && len >= 6)
				memcpy(frame, ifx ? fz_mac1 : fz_mac0, 6);
			tern_net_input_bytes(&s.net, ifx, frame, len, s.now);
			break;
		case 1:
			s.now += (uint64_t)fuzz_u16(&g) * TERN_NSEC_PER_MSEC;
			tern_net_timers(&s.net, s.now);
			break;
		case 2: {
			unsigned sock = fuzz_u8(&g) % 3;
			uint32_t dst;

			len = fuzz_u16(&g);
			dst = fuzz_u8(&g);
			dst = dst == 255 ? 0xffffffffu : 0x0a000000u | dst;
			if (sock == 2)
				(void)tern_udp_send(&s.udp[2], payload, len,
						    s.now);
			else
				(void)tern_udp_sendto(&s.udp[sock], dst, 9,
						      payload, len, s.now);
			break;
		}
		case 3:
			len = fuzz_u16(&g);
			(void)tern_ping_send(&s.ping, 0x0a000000u | fuzz_u8(&g),
					     1, payload, len, s.now);
			break;
		case 4:
			if (fuzz_u8(&g) & 1)
				(void)tern_net_if_set_addr(
					&s.net, 1, 0x0b000001u, 24, 0, s.now);
			else
				(void)tern_net_if_clear_addr(&s.net, 1);
			break;
		case 5:
			fz_stack_drain(&s);
			break;
		case 7: {
			uint64_t d = tern_net_next_deadline(&s.net);

			if (d != TERN_NO_DEADLINE && d > s.now)
				s.now = d;
			tern_net_timers(&s.net, s.now);
			break;
		}
		}
		if ((op & 0xf0) == 0x80)
			s.dev[ifx].refuse = fuzz_u8(&g);
		TERN_ASSERT(s.net.pool.used <= s.net.pool.count);
		TERN_ASSERT(s.net.reasm_pool.used <= s.net.reasm_pool.count);
	}
	s.dev[0].refuse = s.dev[1].refuse = ~0u;
	fz_stack_end(&s);
	return 0;
}
