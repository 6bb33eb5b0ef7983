/*
 * jose.h — the JOSE gatecap sends: base64url (RFC 4648 §5, no padding),
 * JWS signatures with PS256, ES256 and RS256 (RFC 7518 §3), the RFC 7523
 * client assertion of `client_auth: private_key_jwt`, and detached JWS
 * request signatures (RFC 7515 appendix F, as Open Banking UK's
 * x-jws-signature header carries them).
 *
 * A key is parsed once (jose_key_new, before the workers start) from the
 * PEM bytes the scenario read at load; nothing here reads a file. Signing
 * is CPU only and writes into the caller's buffers: a jose_signer holds
 * the reusable digest context, so a worker signing a request allocates
 * nothing of its own (OpenSSL's signature code may still use its own
 * allocator internally). One jose_key may be shared by threads (read
 * only); a jose_signer belongs to one thread.
 */
#ifndef GATECAP_JOSE_H
#define GATECAP_JOSE_H

#include <stddef.h>
#include <stdint.h>

#include "scenario/scenario.h"

struct jose_key;
struct jose_signer;

/* Parses the private key in pem[0, len) (PEM, unencrypted) for alg; kid
 * (may be NULL) is copied. Returns 0 with *out owned (jose_key_free), or
 * -1 with why in err: not a key, or a key alg cannot use (PS256 and RS256
 * need RSA of at least 2048 bits, ES256 an EC P-256 key). */
int jose_key_new(const char *pem, size_t len, enum scn_jws_alg alg, const char *kid,
                 struct jose_key **out, char *err, size_t err_len);

/* The algorithm's name ("PS256", ...). */
const char *jose_alg_name(enum scn_jws_alg alg);

/* Frees; NULL is fine. */
void jose_key_free(struct jose_key *k);

/* A signing context for one thread. Returns NULL when out of memory. */
struct jose_signer *jose_signer_new(void);
void jose_signer_free(struct jose_signer *s);

/* Signs data[0, len) with k: the JWS signature (RSASSA-PSS with SHA-256,
 * salt 32 bytes; RSASSA-PKCS1-v1_5 with SHA-256; or ECDSA P-256 with
 * SHA-256 as the 64 bytes r||s, RFC 7518 §3.4) into sig (cap bytes, 512
 * is enough for a 4096-bit RSA key). Returns its length, or -1. */
long jose_sign(struct jose_signer *s, const struct jose_key *k, const void *data, size_t len,
               unsigned char *sig, size_t cap);

/* The claims of a client assertion (RFC 7523 §3). */
struct jose_assertion {
    const char *client_id; /* iss and sub */
    const char *aud;       /* the token endpoint (or what the server expects) */
    int64_t iat_s;         /* seconds since the epoch */
    int64_t lifetime_s;    /* exp = iat + lifetime */
    uint8_t jti[16];       /* random; hex in the claim */
};

/* Writes the signed JWT (compact serialization) into out (cap bytes, NUL
 * added). Header: alg, typ JWT, kid when the key has one. Returns its
 * length, or -1 when it does not fit or signing failed. */
long jose_assertion(struct jose_signer *s, const struct jose_key *k,
                    const struct jose_assertion *claims, char *out, size_t cap);

/* An Open Banking UK detached signature (profile 3.1.4 and later: no b64
 * member) over body[0, body_len): the protected header {alg, kid (when
 * the key has one), typ "JOSE", cty "application/json",
 * http://openbanking.org.uk/iat (iat_s), /iss (iss), /tan (tan), crit
 * naming those three}, base64url, then "..", then the signature over
 * header "." base64url(body), into out (cap bytes, NUL added). iss and
 * tan are written as given (they must need no JSON escaping: checked at
 * load). scratch (scratch_cap bytes) holds the signing input: 1 KiB more
 * than enc_base64url_len(body_len) (base/encode.h) is enough. Returns the length of out, or
 * -1 when a buffer is too small or signing failed. No allocation. */
long jose_ob_detached(struct jose_signer *s, const struct jose_key *k, const char *iss,
                      const char *tan, int64_t iat_s, const void *body, size_t body_len,
                      char *scratch, size_t scratch_cap, char *out, size_t cap);

#endif
