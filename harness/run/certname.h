/*
 * certname.h — which names a TLS server's certificate carries, for the
 * message that says what to verify when the certificate did not name what
 * gatecap asked for (WSO2's default certificate says CN=localhost, and a
 * node reached by its address fails verification).
 *
 * One blocking TLS handshake (OpenSSL, with the native transport's client
 * context: the scenario's CAs as it read them, versions, ciphers, the
 * client certificate) that verifies the chain as the run would but not the name,
 * then reads the names from the peer's certificate. Before a run only (the
 * node check, the first tokens), never on a worker's loop. Prints nothing;
 * thread-safe (no shared state).
 */
#ifndef GATECAP_CERTNAME_H
#define GATECAP_CERTNAME_H

#include <stdbool.h>
#include <stddef.h>

struct scenario;
struct scn_pem;

/* Where the server is and what was asked of it. */
struct certname_peer {
    const char *host; /* the name or address verification asked for (and sent
                       * as SNI when a name) */
    int port;
    const char *address;        /* where to connect: an address (IPv6 without brackets)
                                 * or a host name, or NULL to connect to host */
    const struct scn_pem *cert; /* client certificate and key (PEM bytes read with the
                                 * scenario), or NULL */
    const struct scn_pem *key;
    const char *key_password; /* or NULL */
    long timeout_ms;          /* for the connection and handshake */
};

enum {
    CERTNAME_MISMATCH = 1,  /* the chain verifies; the certificate does not name host */
    CERTNAME_NO_ADVICE = 0, /* it names host, or the chain does not verify either: the
                             * name is not the problem */
    CERTNAME_EFAIL = -1,    /* no handshake (unreachable, no memory): nothing known */
};

/* Connects to peer with scn's TLS settings and, when the certificate
 * verifies, checks whether it names peer->host. On CERTNAME_MISMATCH
 * writes into names the names it carries, comma-separated (the DNS and IP
 * entries of its subjectAltName, else its subject's CN), and into dns its
 * first DNS name ("" when it has none). */
int certname_check(const struct scenario *scn, const struct certname_peer *peer, char *names,
                   size_t names_len, char *dns, size_t dns_len);

/* The advice for a CERTNAME_MISMATCH of host: what the certificate
 * names, and what to write: "set FIELD: DNS" (field e.g.
 * "tls.server_name"), or, without a DNS name, to reach the server by a
 * name or address it carries. alt: another way, in the closing
 * parenthesis (e.g. "targets.2.server_name for this node alone"), or
 * NULL. Writes into out. */
void certname_advice(const char *host, const char *names, const char *dns, const char *field,
                     const char *alt, char *out, size_t out_len);

/* After application app's token request failed verifying the token
 * endpoint's certificate (auth.h's unverified hook): true, with the
 * advice in out, when the chain verifies and the certificate names
 * something else than what was asked (auth.server_name, else the token
 * URL's host): "set auth.server_name: NAME ...". False when the name is
 * not the problem, nothing could be learnt, or verification is off. One
 * blocking handshake with the application's certificate (else tls.cert). */
bool certname_token_advice(const struct scenario *scn, size_t app, char *out, size_t out_len);

#endif
