/*
 * calls_malloc.c - a component that breaks the freestanding rule on
 * purpose: the freestanding check must reject it (see
 * freestanding-rejects.sh).
 */
#include <stdlib.h>

void *bad_component_alloc(size_t n);

void *bad_component_alloc(size_t n)
{
	return malloc(n);
}
