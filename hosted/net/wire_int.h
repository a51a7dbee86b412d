/*
 * wire_int.h - what the two halves of the wire device share: wire.c (the
 * data path) and wire_open.c (socket setup).
 */
#ifndef TERN_HOSTED_WIRE_INT_H
#define TERN_HOSTED_WIRE_INT_H

#include "tern/hosted/wire.h"

/* wire.c */

/* The ops table of every wire device. */
extern const struct tern_netdev_ops wire_ops;

/* Closes a stream connection (counted, logged with why); a listener goes
 * back to waiting for the next peer. No-op without a connection. */
void wire_disconnect(struct tern_wire *w, const char *why);

/* The waker's next(): "now" while part of a frame waits to be written
 * (the descriptor is polled for reading only), else no deadline. */
uint64_t wire_next(struct tern_waker *wk);

#endif
