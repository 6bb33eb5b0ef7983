/*
 * assertion.h — verification of RFC 7523 client assertions
 * (client_assertion_type urn:ietf:params:oauth:client-assertion-type:
 * jwt-bearer, `private_key_jwt` in OpenID Connect and FAPI) as WSO2's key
 * manager checks them: the signature with the client's registered public
 * key (--client-key ID=PUBKEY.pem; PS256, RS256, ES256 as r||s), iss and
 * sub equal to the client id, aud the token endpoint (--token-audience, or
 * any URL ending in /oauth2/token), exp in the future and not too far
 * (the token clock, so advance_clock moves it), and a jti never seen
 * before while the assertion could still be valid (a replay cache of
 * GSJTI_SLOTS entries).
 */
#ifndef GATEWAYSIM_ASSERTION_H
#define GATEWAYSIM_ASSERTION_H

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"

#define GSJTI_SLOTS 4096

/* jti hashes with their exp (s); exp 0: empty. */
struct gsjti_cache {
    uint64_t hash[GSJTI_SLOTS];
    int64_t exp_s[GSJTI_SLOTS];
};

enum gsassert_result {
    GSASSERT_OK = 0,
    GSASSERT_MALFORMED,
    GSASSERT_NO_KEY,    /* the client has no registered key */
    GSASSERT_BAD_SIG,   /* the signature does not verify with it (or alg mismatch) */
    GSASSERT_WRONG_ISS, /* iss or sub is not the client */
    GSASSERT_WRONG_AUD,
    GSASSERT_EXPIRED,
    GSASSERT_REPLAY, /* its jti was used already */
    GSASSERT_RESULTS
};

/* Verifies jwt[0, len) at now_s (token clock); form_id is the client_id
 * of the form ("" when absent). On GSASSERT_OK, client (cap bytes)
 * receives the client id (iss) and the jti is remembered. why: a WSO2-like
 * error_description for the others. */
enum gsassert_result gsassert_verify(const struct gscfg *cfg, struct gsjti_cache *seen,
                                     const char *jwt, size_t len, const char *form_id,
                                     int64_t now_s, char *client, size_t cap, const char **why);

enum gsjws_result { GSJWS_VERIFIED = 0, GSJWS_INVALID, GSJWS_MISSING, GSJWS_RESULTS };

/* Verifies a detached JWS (header..signature, RFC 7515 appendix F) in the
 * header named cfg->verify_jws of the request head[0, head_len) over
 * body[0, body_len), with the key registered for the client whose id
 * hashes to client_hash (the token's). Open Banking UK's profile: alg
 * PS256/ES256/RS256, no b64 member, crit listing
 * http://openbanking.org.uk/iat, /iss and /tan, each present. why: what
 * was wrong. */
enum gsjws_result gsjws_verify(const struct gscfg *cfg, const char *head, size_t head_len,
                               const char *body, size_t body_len, uint32_t client_hash,
                               const char **why);

/* A short name of r for the stats ("bad_signature", ...). */
const char *gsassert_name(enum gsassert_result r);

#endif
