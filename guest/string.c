/*
 * string.c - the C string functions the guest provides (the list is in
 * cmake/freestanding-allow.txt); the compiler also calls the mem* ones for
 * struct copies.
 *
 * Copies and fills use REP MOVSB / REP STOSB, which current x86 CPUs run at
 * full speed for the sizes Tern copies (frames, sectors) and which need no
 * alignment handling. This file is built with -fno-builtin and
 * -fno-tree-loop-distribute-patterns so that gcc does not turn the loops
 * here back into calls to themselves.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	void *ret = dst;

	__asm__ volatile("rep movsb"
			 : "+D"(dst), "+S"(src), "+c"(n)
			 :
			 : "memory");
	return ret;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	/* Overlapping with dst above src: copy backwards. */
	while (n-- > 0)
		d[n] = s[n];
	return dst;
}

/* REP STOSB is the fastest form on hardware, but QEMU's TCG runs a REP
 * string instruction one element per translated-block exit: about 25 ns a
 * byte, so zeroing a 400 KiB pool took 10 ms. Large fills therefore store
 * 64 bytes per loop iteration (one block each under TCG, at full speed
 * elsewhere), with REP STOSB for the unaligned head and the tail. */
void *memset(void *dst, int c, size_t n)
{
	unsigned char *p = dst;

	if (n >= 256) {
		size_t head = (8 - ((uintptr_t)p & 7)) & 7;
		uint64_t v = 0x0101010101010101ull * (unsigned char)c;
		uint64_t *q;

		n -= head;
		__asm__ volatile("rep stosb"
				 : "+D"(p), "+c"(head)
				 : "a"(c)
				 : "memory");
		q = (uint64_t *)(void *)p;
		for (; n >= 64; n -= 64, q += 8) {
			q[0] = v;
			q[1] = v;
			q[2] = v;
			q[3] = v;
			q[4] = v;
			q[5] = v;
			q[6] = v;
			q[7] = v;
		}
		p = (unsigned char *)q;
	}
	__asm__ volatile("rep stosb" : "+D"(p), "+c"(n) : "a"(c) : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (size_t i = 0; i < n; i++)
		if (p[i] != q[i])
			return p[i] < q[i] ? -1 : 1;
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (size_t i = 0; i < n; i++)
		if (p[i] == (unsigned char)c)
			return (void *)(p + i);
	return NULL;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n > 0; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}
