/*
 * entropy.c - tern_entropy(): RDRAND, or a documented weak fallback.
 *
 * RDRAND (CPUID.1:ECX[30]) is the source: QEMU passes it through with
 * -cpu host under KVM and emulates it with -cpu max under TCG. Intel
 * advises retrying a failed RDRAND up to 10 times; a source that still
 * fails is reported as -TERN_EIO.
 *
 * QEMU's default CPU model (qemu64) has no RDRAND. Then the guest falls
 * back to TSC jitter: the timing of port reads that exit to the hypervisor,
 * mixed with the boot TSC and the RTC through a splitmix64 finaliser. That
 * is unpredictable enough for simulation seeds, ephemeral ports and DNS
 * ids against an off-path attacker, but it is NOT a cryptographic source:
 * the boot banner says "entropy tsc-jitter" and a warning is logged. Boot
 * with -cpu host (KVM) or -cpu max (TCG) to get RDRAND. (virtio-rng would
 * be the proper third source.)
 */
#include <string.h>

#include "tern/log.h"

#include "guest.h"
#include "x86.h"

#define RDRAND_RETRIES 10

const char *entropy_source = "none";

static bool have_rdrand;
static uint64_t pool[4];

/* One RDRAND word in *out; false if the CPU failed RDRAND_RETRIES times. */
static bool rdrand64(uint64_t *out)
{
	for (int i = 0; i < RDRAND_RETRIES; i++) {
		unsigned char ok;

		__asm__ volatile("rdrand %0; setc %1"
				 : "=r"(*out), "=qm"(ok)
				 :
				 : "cc");
		if (ok)
			return true;
	}
	return false;
}

/* splitmix64's finaliser: every input bit affects every output bit. */
static uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* One word of TSC jitter: the low bits of how long a few exits took. */
static uint64_t jitter(void)
{
	uint64_t acc = 0;

	for (int i = 0; i < 8; i++) {
		uint64_t t0 = rdtsc();

		(void)inb(0x61);
		acc = (acc << 8 | acc >> 56) ^ (rdtsc() - t0);
	}
	return acc;
}

/* The next word of the TSC-jitter fallback (not cryptographic). */
static uint64_t fallback64(void)
{
	pool[0] = mix64(pool[0] ^ jitter());
	pool[1] = mix64(pool[1] + pool[0]);
	pool[2] ^= pool[1] + rdtsc();
	pool[3] = mix64(pool[3] ^ pool[2]);
	return pool[3] ^ pool[0];
}

void entropy_init(void)
{
	have_rdrand = cpu_has_rdrand();
	if (have_rdrand) {
		entropy_source = "rdrand";
		return;
	}
	entropy_source = "tsc-jitter";
	pool[0] = guest_boot_tsc;
	pool[1] = tern_clock_wall();
	pool[2] = rdtsc();
	pool[3] = jitter();
	for (int i = 0; i < 16; i++)
		(void)fallback64();
	tern_log_warn("guest: no RDRAND (boot with -cpu host or -cpu max); "
		      "entropy falls back to TSC jitter, not for secrets");
}

int tern_entropy(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		uint64_t w;
		size_t n = TERN_MIN(len, sizeof(w));

		if (have_rdrand) {
			if (!rdrand64(&w))
				return -TERN_EIO;
		} else {
			w = fallback64();
		}
		memcpy(p, &w, n);
		p += n;
		len -= n;
	}
	return 0;
}
