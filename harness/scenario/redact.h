/*
 * redact.h — the one redaction of text that gatecap writes anywhere
 * (stderr, stdout, results.json and the reports made from it) when that
 * text can hold what a server sent or what the scenario holds: token
 * endpoint errors, error examples, node-check and scenario messages.
 * Every such message goes through redact_text before it is stored or
 * shown.
 *
 * What is masked (each masked run becomes REDACT_MARK):
 *  - every secret the scenario knows, in the forms a server echoes them:
 *    client secrets, passwords, client_ids that are secret (from ${ENV} or
 *    a file), the HTTP Basic credentials auth.c sends (base64 of the
 *    form-encoded id and secret, and of the raw ones), the TLS key
 *    password, secret header values (from ${ENV}, !secret, a file, or an
 *    Authorization / cookie / API key header; after their scheme or prefix
 *    when they have one, so "Bearer <redacted>" stays readable), secret
 *    paths (the values of their credential-named query parameters, else
 *    the whole path), secret inline bodies up to 4 KiB, target URLs from
 *    ${ENV}; each raw, form-encoded (upper- and lower-case hex, '+' or %20
 *    for a space) and JSON-escaped; and values added later (redact_add:
 *    the tokens fetched during a run);
 *  - a secret cut at the very end of a text (its first REDACT_MIN_LEN or
 *    more bytes), for texts someone shortened before they came here;
 *  - credential shapes, with or without a scenario: the userinfo of a URL
 *    (scheme://USER:PASS@), the value of a query or form parameter whose
 *    name looks like a credential (redact_sensitive_name: apikey=,
 *    password=, client_secret=, access_token=, ...), the string value of
 *    such a JSON member ("password": "..."), the rest of an
 *    Authorization, Proxy-Authorization, Cookie, Set-Cookie or API key
 *    header line, the credentials after Basic / Bearer / Digest (8 or
 *    more token characters), and JWTs (eyJ...x.y.z).
 *
 * Short secrets: values shorter than REDACT_MIN_LEN (4) bytes are not
 * searched for in free text, where they would mask ordinary words and
 * numbers (a password "ab" would turn "about" into "<redacted>out");
 * they are still masked where the text names them (password=ab, a URL's
 * userinfo, an Authorization line). A secret that short is guessed in
 * moments anyway; say so to whoever chose it.
 *
 * Output is always well-formed UTF-8 without control characters other
 * than newline and tab (others become '?', so a server cannot move the
 * cursor of the terminal that shows its message); REDACT_ONE_LINE turns
 * newlines and tabs into spaces too. Masking happens before shortening:
 * a text that does not fit is cut at a character boundary and ends with
 * "...", never with the start of a secret.
 *
 * A struct redact is immutable once built (redact_add aside): any number
 * of threads may call redact_text on it at once.
 */
#ifndef GATECAP_REDACT_H
#define GATECAP_REDACT_H

#include <stdbool.h>
#include <stddef.h>

struct scenario;
struct redact;

#define REDACT_MARK "<redacted>"
#define REDACT_MIN_LEN 4

/* redact_text flags */
#define REDACT_ONE_LINE 1u /* newline, carriage return and tab become spaces */

/* Collects the secrets of scn (borrowed; NULL: none, shapes only). Returns
 * 0 with *out owned (redact_free), or -1 when out of memory. */
int redact_new(const struct scenario *scn, struct redact **out);

/* Adds one more secret value (copied; with its encoded forms). Values
 * shorter than REDACT_MIN_LEN are ignored. Not thread-safe against
 * redact_text on the same r. Returns 0 or -1 (out of memory). */
int redact_add(struct redact *r, const char *secret);

/* Writes in (NULL: "") with every secret masked into out (cap bytes, > 0;
 * NUL-terminated; out may be in), and returns the length written. r may
 * be NULL (shapes only). flags: REDACT_ONE_LINE or 0. Out of memory, it
 * writes REDACT_MARK alone rather than anything unmasked. */
size_t redact_text(const struct redact *r, const char *in, char *out, size_t cap, unsigned flags);

/* True when a header, query parameter or field name (len bytes) looks like
 * it carries a credential: it contains auth, token, secret, passw, pwd,
 * key, cookie, session, credential, signature, jwt or assertion (any case).
 * The scenario uses the same rule to mark values secret. */
bool redact_sensitive_name(const char *name, size_t len);

/* Frees r; NULL is fine. */
void redact_free(struct redact *r);

#endif
