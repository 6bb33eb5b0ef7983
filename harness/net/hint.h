/*
 * hint.h — what a failed exchange says about a setting, and the fix: a
 * plain HTTP request to a port that speaks TLS, TLS to a port that speaks
 * plain HTTP, a client certificate the gateway requires.
 *
 * Decided by what the server did — its first bytes (a TLS record starts
 * 0x14..0x17 0x03, an HTTP answer "HTTP/"), OpenSSL's reason, whether it
 * asked for a client certificate, a second try in the other protocol —
 * and by the port's usual role (8243 the gateway's HTTPS port, 8280 its
 * HTTP port, ...) only where nothing came back. Pure functions on their
 * arguments: no I/O, no state, any thread; the transports (xfer_h1.c,
 * xfer_curl.c) and the node check (xfer_easy.c) put the words into their
 * messages.
 */
#ifndef GATECAP_HINT_H
#define GATECAP_HINT_H

#include <stdbool.h>
#include <stddef.h>

/* The fix for a gateway that asked for a client certificate and got none. */
#define HINT_CLIENT_CERT                                                                           \
    "the gateway requires a client certificate (mutual TLS): set tls.cert and tls.key"

/* What a peer's first bytes are. */
enum hint_bytes {
    HINT_NOTHING, /* no byte */
    HINT_HTTP,    /* "HTTP/" (or, fewer than 5 bytes, its start) */
    HINT_TLS,     /* a TLS record: content type 20..23 (alert 21, handshake 22), version 3.x */
    HINT_OTHER,   /* anything else */
};

/* Classifies the first n bytes of what a peer sent (buf borrowed). */
enum hint_bytes hint_sniff(const void *buf, size_t n);

/* How gatecap knows what a port speaks. */
enum hint_evidence {
    HINT_SAW,     /* its answer's bytes were in that protocol */
    HINT_TRIED,   /* a second connection in that protocol got an answer */
    HINT_NOT_TLS, /* it answered a TLS handshake with bytes that are not TLS
                     (OpenSSL: "wrong version number"); speaks_tls false */
    HINT_SILENT,  /* it did not answer a TLS handshake at all; speaks_tls false. Never
                     says so of a port whose usual role is TLS (8243: a busy gateway) */
    HINT_PORT,    /* nothing came back: only the port's usual role says so */
};

/* The fix for a target whose scheme does not match what port speaks
 * (speaks_tls: TLS, so https:// is right; else plain HTTP, so http://),
 * e.g. "port 8243 answered in TLS, not plain HTTP: 8243 is the gateway's
 * HTTPS port: use https://". With HINT_PORT, only a port whose usual role
 * is the other scheme's gets words ("8243 is the gateway's HTTPS port: use
 * https://"); with HINT_SILENT, any port without a TLS role does ("if port
 * 9000 speaks plain HTTP, use http://"). Writes into out (cap bytes, NUL-terminated) and
 * returns the length; 0 (out "") when there is nothing to say. */
size_t hint_scheme(char *out, size_t cap, int port, bool speaks_tls, enum hint_evidence ev);

/* What OpenSSL's reason for a failed TLS exchange (or libcurl's message
 * quoting it) says. */
enum hint_tls {
    HINT_TLS_UNKNOWN,
    HINT_TLS_NOT_TLS,  /* the peer's bytes were not TLS: "wrong version number",
                          "packet length too long", "unknown protocol" */
    HINT_TLS_CERT_REQ, /* the peer's alert certificate_required (116) */
    HINT_TLS_ALERT,    /* another alert from the peer ("... alert handshake failure") */
};

/* Classifies why (NULL: unknown). */
enum hint_tls hint_tls_reason(const char *why);

/* The facts of a failed TLS exchange with a target. */
struct hint_tls_facts {
    int port;
    const char *why;       /* OpenSSL's reason or libcurl's message, or NULL */
    enum hint_bytes first; /* the server's first bytes in the handshake (HINT_NOTHING:
                              none came or none were seen) */
    bool cert_requested;   /* it asked for a client certificate and none was set */
};

/* What a failed TLS exchange means, when the facts say: HINT_CLIENT_CERT
 * (the peer's certificate_required alert, or any failure after it asked
 * for a certificate gatecap did not have), or a wrong scheme (an HTTP
 * answer to the handshake, bytes that are not TLS). Writes into out as
 * hint_scheme does; 0 when the facts say nothing. */
size_t hint_tls_failure(const struct hint_tls_facts *f, char *out, size_t cap);

#endif
