/*
 * ports.c - ephemeral ports, one allocator for TCP and UDP: RFC 6056's
 * algorithm 3 (a keyed hash of the endpoints picks where the search
 * starts, one counter of the stack's steps it on), over 49152..65535.
 *
 * The key comes from the stack's seed at tern_net_init, so an observer
 * cannot predict the ports of one peer from those of another, while the
 * counter keeps a peer from seeing the same port twice in a row.
 */
#include "tern/udp.h"

#include "net_int.h"

#define EPHEMERAL_COUNT (65536u - TERN_UDP_EPHEMERAL_MIN)

void net_ports_init(struct tern_net *net)
{
	net->port_key.k0 = tern_rand_u64(&net->rand);
	net->port_key.k1 = tern_rand_u64(&net->rand);
	net->port_counter = (uint32_t)tern_rand_u64(&net->rand);
}

uint16_t net_ephemeral_port(struct tern_net *net, uint32_t laddr,
			    uint32_t raddr, uint16_t rport,
			    bool (*taken)(struct tern_net *net, uint16_t port,
					  const void *ctx),
			    const void *ctx)
{
	uint32_t offset = (uint32_t)tern_siphash_3u32(&net->port_key, laddr,
						      raddr, rport);

	for (uint32_t i = 0; i < EPHEMERAL_COUNT; i++) {
		uint16_t port = (uint16_t)(TERN_UDP_EPHEMERAL_MIN +
					   (offset + net->port_counter++) %
						   EPHEMERAL_COUNT);

		if (!taken(net, port, ctx))
			return port;
	}
	return 0;
}
