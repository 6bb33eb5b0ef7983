/*
 * h2.h — HTTP/2 for the gateway simulator (server side, nghttp2).
 *
 * A connection speaks HTTP/2 when TLS ALPN chose "h2" or a plain
 * connection starts with the client preface (h2c prior knowledge); else
 * it stays HTTP/1.1 (conn.c). An HTTP/2 connection stays in state
 * GSCONN_READING for good and carries a struct gsh2 (c->h2): every byte
 * read goes to nghttp2_session_mem_recv, every frame nghttp2 produces is
 * appended to c->out and written by conn.c.
 *
 * Each stream is a struct gsconn of its own without a socket (fd -1,
 * h2_parent set): its request is written into its c->in as the HTTP/1.1
 * request the rest of the simulator reads (request line, headers,
 * Content-Length, body), so routes, auth, throttling, faults and the
 * capacity model treat it exactly like an HTTP/1.1 request; the HTTP/1.1
 * response it gets in c->out (and filler/tail) becomes HEADERS + DATA.
 * A stream's gsconn is owned by the pool (conn.c) and lives until nghttp2
 * closes the stream or the connection ends.
 *
 * Faults: --reset-rate on a stream sends RST_STREAM INTERNAL_ERROR (the
 * connection lives on); --h2-refuse-rate answers RST_STREAM
 * REFUSED_STREAM before the request is processed (not counted as a
 * request); --h2-goaway-after N sends GOAWAY after the N-th stream and
 * closes once the streams before it are answered. Counted in
 * /_sim/stats "http2" (struct gsstats_http2).
 */
#ifndef GATEWAYSIM_H2_H
#define GATEWAYSIM_H2_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>

#include "conn.h"

/* The HTTP/2 connection preface a client sends first (24 bytes). */
#define GSH2_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define GSH2_PREFACE_BYTES 24

/* Stream flow-control window announced in SETTINGS, in bytes; the
 * connection's window is raised to GSH2_CONN_WINDOW_BYTES. */
#define GSH2_STREAM_WINDOW_BYTES (16 * 1024 * 1024)
#define GSH2_CONN_WINDOW_BYTES (256 * 1024 * 1024)

/* Makes ctx offer "h2" and "http/1.1" by ALPN, preferring h2 when the
 * client offers it. */
void gsh2_tls_setup(SSL_CTX *ctx);

/* Did the TLS handshake of c choose "h2"? */
bool gsh2_alpn_chose_h2(const struct gsconn *c);

/* Turns c into an HTTP/2 connection: creates its session (owned by c,
 * freed by gsh2_free) and queues the server SETTINGS (max concurrent
 * streams from --h2-max-streams, large windows). Returns 0 or -ENOMEM. */
int gsh2_start(struct gsconn *c);

/* Feeds received bytes data[0, len) (borrowed, not kept) to c's session;
 * complete requests are dispatched to the server from inside. Returns 0,
 * or -1 on a protocol error (nghttp2 may have queued a GOAWAY: flush,
 * then close). */
int gsh2_recv(struct gsconn *c, const char *data, size_t len);

/* Appends frames nghttp2 wants to send to c->out, up to about 64 KiB
 * buffered. Returns 0 or -1 (out of memory, session failure). */
int gsh2_produce(struct gsconn *c);

/* Does c's session have frames to produce? */
bool gsh2_want_write(const struct gsconn *c);

/* Is c's session over (GOAWAY exchanged and every stream done, or the
 * peer ended it)? Then the connection closes once c->out is written. */
bool gsh2_finished(const struct gsconn *c);

/* Before the node closes c for idleness: a GOAWAY (NO_ERROR, the last
 * stream it took) for the client, written with c's other output. */
void gsh2_goaway_idle(struct gsconn *c);

/* Number of c's streams still open (a connection with open streams is not
 * idle whatever its traffic). */
int gsh2_open_streams(const struct gsconn *c);

/* A stream's response is complete in st->out (and filler/tail): submits
 * it as HEADERS + DATA and writes what it can. */
void gsh2_stream_respond(struct gsconn *st);

/* st (a stream) is being closed by the simulator: rst = a reset fault.
 * Unless nghttp2 closed the stream already, sends RST_STREAM
 * INTERNAL_ERROR. Called by conn.c's close path only. */
void gsh2_stream_end(struct gsconn *st, bool rst);

/* c (an HTTP/2 connection) is being closed: closes every stream (the
 * server counts those in progress as aborted). Called by conn.c only. */
void gsh2_conn_end(struct gsconn *c);

/* Frees c's session (when the connection's memory is recycled). */
void gsh2_free(struct gsconn *c);

#endif
