/*
 * listen.h — a simulated node's listening side (listen.c): its address
 * (--listen), TLS context (--cert, --key, --client-ca; ALPN h2 and
 * http/1.1), the HTTP and HTTPS listeners, accepting, and --refuse.
 */
#ifndef GATEWAYSIM_LISTEN_H
#define GATEWAYSIM_LISTEN_H

#include <stddef.h>

#include "server.h"

/* Parses the address, sets TLS up when there is an HTTPS port, opens
 * both listeners (even when refusing, so that a taken port fails the
 * start), then closes them again when the node refuses by closing, and
 * arms the end of --refuse-for. Returns 0, or a negative errno with the
 * reason (naming the option to change) in err. */
int gslisten_init(struct gssrv *s, char *err, size_t errlen);

/* Opens the listeners that should be open, closes them while the node
 * refuses by closing (s->cfg.refuse). Returns 0, or a negative errno with
 * the reason in err. */
int gslisten_sync(struct gssrv *s, char *err, size_t errlen);

/* (Re-)arms the end of a refusal after s->cfg.refuse_for_s, if any. */
void gslisten_arm_refuse(struct gssrv *s);

/* Closes the listeners and stops their timers. */
void gslisten_close(struct gssrv *s);

#endif
