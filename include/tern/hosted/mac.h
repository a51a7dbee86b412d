/*
 * mac.h - MAC addresses for hosted network devices.
 *
 * A hosted device that does not get a MAC from its user (--mac) takes a
 * random locally administered unicast address (the 0x02 bit set, the group
 * bit clear), so it never collides with a vendor-assigned address and, with
 * overwhelming probability, not with the kernel side of a TAP either.
 */
#ifndef TERN_HOSTED_MAC_H
#define TERN_HOSTED_MAC_H

#include <stdint.h>

#include "tern/dev.h"

/* Fills mac with a random locally administered unicast address. Returns 0,
 * or -TERN_EIO if the entropy source failed (mac is then 02:00:00:00:00:01
 * plus the low bits of the process id, still a valid local address). */
TERN_API int tern_hosted_mac_random(uint8_t mac[TERN_ETH_ALEN]);

#endif
