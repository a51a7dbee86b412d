/*
 * mac.c - random locally administered MAC addresses for hosted devices.
 */
#include <string.h>
#include <unistd.h>

#include "tern/hosted/mac.h"

int tern_hosted_mac_random(uint8_t mac[TERN_ETH_ALEN])
{
	int rc = tern_entropy(mac, TERN_ETH_ALEN);

	if (rc < 0) {
		uint32_t pid = (uint32_t)getpid();

		memcpy(mac, (const uint8_t[]){ 0x02, 0, 0, 0, 0, 1 },
		       TERN_ETH_ALEN);
		mac[3] = (uint8_t)(pid >> 16);
		mac[4] = (uint8_t)(pid >> 8);
		mac[5] = (uint8_t)(pid | 1);
	}
	/* Locally administered (bit 1), unicast (bit 0 clear). */
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
	return rc;
}
