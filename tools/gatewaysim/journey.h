/*
 * journey.h — the Open Banking UK 3.1 payment journey (--journey
 * open-banking): payment consents, payments that must name a consent the
 * cluster issued, and payment status polling that settles after
 * --journey-settle. The journey's routes are API routes: service time,
 * queue, stalls, faults, --auth and throttling apply to them as to every
 * other; this module only builds their answers once a request is served.
 *
 * Ids carry everything a node needs to judge them, MAC'ed with the
 * cluster secret (--journey-secret), so any node of a cluster accepts a
 * consent another node issued without shared state (docs/gatewaysim.md,
 * "Open Banking payment journey", has the layout).
 */
#ifndef GATEWAYSIM_JOURNEY_H
#define GATEWAYSIM_JOURNEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"

struct gssrv;

/* The journey's steps; a request's step is in gsconn.journey. */
enum gsjourney_step {
    GSJOURNEY_NONE,
    GSJOURNEY_CONSENT, /* POST .../domestic-payment-consents */
    GSJOURNEY_PAYMENT, /* POST .../domestic-payments */
    GSJOURNEY_POLL,    /* GET .../domestic-payments/{DomesticPaymentId} */
};

#define GSJOURNEY_BASE "/open-banking/v3.1/pisp"
#define GSJOURNEY_CONSENTS GSJOURNEY_BASE "/domestic-payment-consents"
#define GSJOURNEY_PAYMENTS GSJOURNEY_BASE "/domestic-payments"
/* The per-path counters' name of every poll (not one entry per id). */
#define GSJOURNEY_POLL_PATH GSJOURNEY_PAYMENTS "/{DomesticPaymentId}"

/* The step whose path path[0, len) is (query excluded), or GSJOURNEY_NONE.
 * *methods gets the methods it takes (bits 1u << enum gshttp_method). */
enum gsjourney_step gsjourney_match(const char *path, size_t len, unsigned *methods);

/* ---- ids ---- */

enum gsjourney_kind { GSJOURNEY_KIND_CONSENT = 'C', GSJOURNEY_KIND_PAYMENT = 'P' };

/* What an id says. Payments name their consent by its creation time and
 * nonce (an accepted consent's id is made again from them). */
struct gsjourney_id {
    enum gsjourney_kind kind;
    bool rejected;       /* consents: answered with Status Rejected */
    uint64_t created_ms; /* ms since the epoch (token clock), < 2^48 */
    uint32_t nonce;
    uint64_t consent_ms; /* payments: their consent's created_ms */
    uint32_t consent_nonce;
};

/* Longest id, in characters (a payment's; a consent's is 32). */
#define GSJOURNEY_ID_CHARS 40

/* Writes id as base64url text into out (NUL-terminated), MAC'ed with
 * key[0, key_len). Returns its length (32 or 40). */
int gsjourney_id_make(const struct gsjourney_id *id, const char *key, size_t key_len,
                      char out[GSJOURNEY_ID_CHARS + 1]);

/* Reads the id text s[0, len) of the kind wanted. Returns 0 with *id, or
 * -EINVAL when it is not an id of that kind this key made (wrong length,
 * not base64url, forged or altered, or made with another secret). */
int gsjourney_id_check(const char *s, size_t len, enum gsjourney_kind want, const char *key,
                       size_t key_len, struct gsjourney_id *id);

/* ---- answers ---- */

/* Answers c's journey request (c->journey) once it has been served, as
 * gsapi_answer does for other routes, and counts it in s->stats.journey. */
void gsjourney_answer(struct gssrv *s, struct gsconn *c);

#endif
