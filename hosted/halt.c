/*
 * halt.c - ending a hosted image.
 */
#include <stdlib.h>

#include "tern/dev.h"

void tern_halt(int status)
{
	exit(status);
}

void tern_abort(void)
{
	abort();
}
