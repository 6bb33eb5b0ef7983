/*
 * encode.h — the byte encodings gatecap writes and reads: standard base64
 * (RFC 4648: '+', '/', '=' padding; HdrHistogram's interval logs, HTTP
 * Basic credentials) and application/x-www-form-urlencoded values (token
 * requests, and the forms of a secret the redaction looks for), and
 * base64url without padding (RFC 4648 5; JOSE, RFC 7515 2). No
 * allocation; the caller's buffers.
 */
#ifndef GATECAP_ENCODE_H
#define GATECAP_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#define ENC_EINVAL -1  /* the output buffer is too small (or an argument NULL) */
#define ENC_EBASE64 -2 /* the input is not standard base64 */

/* Length of the base64 text for n bytes, without the NUL. */
size_t enc_base64_len(size_t n);

/* Writes the base64 of in[0..n) and a NUL into out, which must hold
 * enc_base64_len(n) + 1 bytes. Returns 0 or ENC_EINVAL. */
int enc_base64(const uint8_t *in, size_t n, char *out, size_t out_size);

/* Decodes base64 s[0..len): length a multiple of 4, only the alphabet,
 * '=' only as the last one or two characters, no whitespace. out must hold
 * len / 4 * 3 bytes; *out_len gets the decoded length. Returns 0,
 * ENC_EBASE64 or ENC_EINVAL. */
int enc_unbase64(const char *s, size_t len, uint8_t *out, size_t out_size, size_t *out_len);

/* Length of the base64url text for n bytes (no padding), without the NUL. */
size_t enc_base64url_len(size_t n);

/* Writes the base64url of in[0..n) (no padding) and a NUL into out[cap].
 * Returns the length, or ENC_EINVAL when it does not fit. */
long enc_base64url(const void *in, size_t n, char *out, size_t cap);

/* Decodes base64url without padding s[0..len) (no '=', no whitespace; a
 * length of 4k+1 is no encoding) into out[cap]. Returns the decoded
 * length, ENC_EBASE64, or ENC_EINVAL when out is too small. */
long enc_unbase64url(const char *s, size_t len, uint8_t *out, size_t cap);

/* Writes s form-encoded (unreserved bytes kept, space as '+', every other
 * byte as %XX) and a NUL into out[cap]. Returns the length, or -1 when it
 * does not fit. */
long enc_form(const char *s, char *out, size_t cap);

#endif
