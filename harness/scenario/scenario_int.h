/*
 * scenario_priv.h — shared by the scenario_*.c files only: the parse
 * context that collects errors, and typed readers over the YAML tree that
 * expand ${ENV}, check types and ranges, and report with file:line:col.
 *
 * Conventions: a reader returns 0 and writes *out, or records an error in
 * the context and returns -1 without touching *out, so that parsing goes
 * on and the user sees every mistake at once. `field` is the dotted path
 * of the value ("load.phases.2.rate"). Allocation failure sets ctx->oom
 * and returns -1.
 */
#ifndef GATECAP_SCENARIO_PRIV_H
#define GATECAP_SCENARIO_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "base/uniq.h"
#include "scenario/scenario.h"
#include "scenario/template.h"
#include "scenario/yamltree.h"

#define SCNP_FIELD_MAX 256 /* a dotted path buffer */

struct scnp_msg {
    const char *src; /* borrowed label (file or "--set ...") */
    int line, col;   /* 0: from an override, no position */
    size_t seq;      /* order of recording, for a stable sort */
    char *text;      /* "field: what; fix", owned */
};

struct scnp_ctx {
    const char *file; /* the scenario path as given, label of its nodes */
    char *dir;        /* its folder, for relative paths (owned) */
    struct scnp_msg *msgs;
    size_t n_msgs, cap_msgs;
    size_t n_errors; /* every error, also those not kept */
    size_t n_quiet;  /* errors not reported: follow-ons of one that was */
    bool oom;
    bool io; /* a named file could not be read */
    /* feeders declared but not loaded (their error is reported): references
     * to them are not reported again as unknown. Names borrowed from the
     * tree. */
    const char **failed_feeders;
    size_t n_failed_feeders;
    /* while a flow's step is read: the flow variables its templates may
     * name (captured by earlier steps; template.h, tpl_compile_vars),
     * borrowed; else NULL */
    const char *const *vars;
    size_t n_vars;
    /* Written before every field of a message ("workloads.1."): the
     * section being read is a workload's (scenario_workloads.c); NULL
     * otherwise. Borrowed. */
    const char *prefix;
};

/* Records "field: <fmt>" at node at (NULL: the file, line 1). */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
void scnp_error(struct scnp_ctx *c, const struct ytree_node *at, const char *field,
                const char *fmt, ...);

/* Writes parent.key / parent.index into buf (SCNP_FIELD_MAX) and returns buf. */
char *scnp_field(char *buf, const char *parent, const char *key);
char *scnp_field_i(char *buf, const char *parent, size_t index);

/* The value under key, or NULL when absent or written as null/empty. */
const struct ytree_node *scnp_get(const struct ytree_node *map, const char *key);

/* Checks that node is a mapping whose keys are all in known (NULL-ended);
 * an unknown key is reported with the closest known one. Returns -1 when
 * node is not a mapping (unknown keys alone return 0: reading goes on). */
int scnp_keys(struct scnp_ctx *c, const struct ytree_node *node, const char *field,
              const char *const *known);

/* Checks that node is a list. */
int scnp_list(struct scnp_ctx *c, const struct ytree_node *node, const char *field,
              const char *example);

/* A scalar's text after ${NAME} / ${NAME:-default} expansion ($${ is a
 * literal ${). *out owned (NUL-terminated, *len bytes; len may be NULL).
 * *secret (may be NULL) is set true when anything was expanded or the
 * value is tagged !secret, and left alone otherwise. */
int scnp_text(struct scnp_ctx *c, const struct ytree_node *n, const char *field, char **out,
              size_t *len, bool *secret);

/* Like scnp_text, and rejects empty text, NULs and control characters. */
int scnp_string(struct scnp_ctx *c, const struct ytree_node *n, const char *field, char **out,
                bool *secret);

/* A scalar compiled as a template (template.h) with flags (TPL_ENV |
 * TPL_RUNTIME for requests' fields) against s's feeders. With
 * string_checks, also what scnp_string rejects (the checks see runtime
 * references as written). *out owned (tpl_free). *secret (may be NULL)
 * is set true when an environment variable was expanded or the value is
 * tagged !secret. */
int scnp_template(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                  const struct scenario *s, unsigned flags, bool string_checks, struct tpl **out,
                  bool *secret);

int scnp_number(struct scnp_ctx *c, const struct ytree_node *n, const char *field, double min,
                double max, double *out);
int scnp_int(struct scnp_ctx *c, const struct ytree_node *n, const char *field, long long min,
             long long max, long long *out);
int scnp_bool(struct scnp_ctx *c, const struct ytree_node *n, const char *field, bool *out);
/* A duration in ms within [min_ms, max_ms]. */
int scnp_duration_ms(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                     double min_ms, double max_ms, double *out);
/* A share "N%" / 0..1 as a fraction. */
int scnp_fraction(struct scnp_ctx *c, const struct ytree_node *n, const char *field, double *out);

/* A `server_name:` value (tls., targets.N., auth.): a host name as a
 * certificate carries it (letters, digits, '-', '.'; labels of 1..63,
 * 253 in all), not an address and not a wildcard; *out owned, lower
 * case. Returns 0, or -1 reported (naming the field and what to write). */
int scnp_server_name(struct scnp_ctx *c, const struct ytree_node *n, const char *field, char **out);

/* rel joined to the scenario's folder unless absolute. Owned, or NULL (oom). */
char *scnp_resolve(struct scnp_ctx *c, const char *rel);

/* Reports that a file named by field does not exist: written as in the
 * file, resolved against the scenario's folder. */
void scnp_missing_file(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                       const char *written, const char *resolved);

/* Opens the file named by field (written as in the scenario, path
 * resolved) for reading without waiting (infile.h): a descriptor (the
 * caller's), or -1 with the error reported at n: missing, not a regular
 * file (a FIFO, device, directory: named), or unreadable. */
int scnp_open_file(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                   const char *written, const char *path);

/* Reads all of that file, at most max_bytes: 0 with *out owned (NUL-
 * terminated after *len bytes); INFILE_ETOOBIG unreported, for the
 * caller to word (*len: the file's size); or -1 reported as above. */
int scnp_read_file(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                   const char *written, const char *path, size_t max_bytes, char **out,
                   size_t *len);

/* For each of n names (keys[i].s NULL: no name, takes no part), the index
 * of the first equal name (uniq.h; flags UNIQ_NOCASE or 0), or i itself.
 * O(n log n), for checks that names are unique. Returns an owned array
 * (free), or NULL with c->oom set. */
size_t *scnp_first_names(struct scnp_ctx *c, const struct uniq_key *keys, size_t n, unsigned flags);

/* True for header or query-parameter names that carry credentials. */
bool scnp_sensitive_name(const char *name);

/* Valid as a phase, request or target name: 1..64 of A-Z a-z 0-9 . _ - : @ + [ ]. */
bool scnp_valid_name(const char *s);

/* True when s is a non-empty HTTP token (RFC 9110: method and header
 * names). */
bool scnp_http_token(const char *s);

/* The offset of the first byte of s (len bytes) that a header value
 * cannot hold (RFC 9110 5.5: a control character other than HTAB, or
 * DEL), or -1 when there is none. */
long scnp_header_ctl(const char *s, size_t len);

/* Reports at n, under field, the byte at offset off of a header value:
 * "a header value cannot hold line breaks, NULs or other control
 * characters (byte 0x.. at offset N); ..." */
void scnp_header_ctl_error(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                           const char *s, long off);

/* Reads a name (phase, request, target): a string that scnp_valid_name
 * accepts. Returns 0 with *out owned by the caller, or -1 with the error
 * reported. */
int scnp_name(struct scnp_ctx *c, const struct ytree_node *n, const char *field, char **out);

/* Sections; each reads its part of the root mapping into s. */
void scnp_feeders(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s);
/* After load: `per: user` needs the closed model. */
void scnp_feeders_check(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s);
void scnp_targets(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s);
void scnp_tls(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s);
void scnp_requests(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s);
void scnp_load(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s);
/* `flows:`, after requests: each step appended to s->requests. */
void scnp_flows(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s);
/* One request of a flow's steps into r (r->flow and r->step set by the
 * caller; templates may name c->vars). Returns 0, or -1 reported. */
/* Once every request and step is read and named: s->check_names, each
 * check and capture's id into it (one name, one count). */
void scnp_check_names(struct scnp_ctx *c, struct scenario *s);
/* Frees s->flows (their steps are among s->requests). */
void scn_flows_free(struct scenario *s);
int scnp_step(struct scnp_ctx *c, const struct ytree_node *n, const char *field, size_t index,
              const struct scenario *s, struct scn_request *r);
/* `workloads:` (scenario_workloads.c): each item's `load:` and
 * `requests:` read by scnp_load and scnp_requests (the item as their
 * root, messages' fields prefixed "workloads.N."), flattened into s's
 * phases, requests and workloads. Instead of scnp_requests and scnp_load. */
void scnp_workloads(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s);
/* Without `workloads:`: the one implicit workload "default" over every
 * phase and request, and the phases' start times. After s->workers is
 * resolved. Returns 0 or -1 (no memory). */
int scnp_workload_implicit(struct scenario *s);
/* A staircase's `stop:` mapping ({slo: [EXPR...], after: N}) for the steps
 * phase named group: appended to s->step_stops, *rule set to 1 + its
 * index. Returns 0, or -1 with the error reported. */
int scnp_step_stop(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                   struct scenario *s, const char *group, size_t *rule);

/* A file a field names: where and how it is written, and its path
 * resolved against the scenario's folder. */
struct scnp_file {
    const struct ytree_node *n;
    const char *field;
    const char *written;
    const char *path;
};

/* Reads a client certificate (cert) and its private key (key; its path
 * NULL when the key sits in the certificate's file, its field then named
 * in the message that asks for it) into *cert_pem and
 * *key_pem, and checks them, decrypting the key with password (may be
 * NULL): PEM, within its validity dates, and the key belongs to the
 * certificate. Errors are reported at the file's node under its field.
 * Returns 0 with *key_path the key's path (owned) and both PEMs filled
 * (owned: scn_pem_free), or -1 with nothing kept. */
int scnp_cert_pair(struct scnp_ctx *c, const struct scnp_file *cert, const struct scnp_file *key,
                   const char *password, char **key_path, struct scn_pem *cert_pem,
                   struct scn_pem *key_pem);

/* Whether pem holds a PEM block ("-----BEGIN "). */
bool scnp_is_pem(const struct scn_pem *pem);

/* Whether pem's bytes are a PKCS#12 bundle (DER). */
bool scnp_is_p12(const struct scn_pem *pem);

/* Opens the PKCS#12 bundle in bytes (read from the file f names) with
 * password (NULL: reported as missing) into PEM: the private key into *key
 * and, when cert is not NULL, the certificate into *cert (owned:
 * scn_pem_free). Returns 0, or -1 reported at f (not PKCS#12, no
 * password, wrong password, no key or certificate); never quotes the
 * password. */
int scnp_p12_parse(struct scnp_ctx *c, const struct scnp_file *f, const struct scn_pem *bytes,
                   const char *password, struct scn_pem *cert, struct scn_pem *key);

/* Reads a signing key (PEM, possibly encrypted with password, or PKCS#12
 * opened with password) from the file f names, checks it can sign with
 * want (SCN_JWS_NONE: the key's default, PS256 for RSA of 2048 bits or
 * more, ES256 for EC P-256), and returns 0 with *out the key as PKCS#8
 * PEM (owned, secret) and *alg the algorithm; or -1 reported at f. */
int scnp_signing_key(struct scnp_ctx *c, const struct scnp_file *f, const char *password,
                     enum scn_jws_alg want, struct scn_pem *out, enum scn_jws_alg *alg);

/* A request's `sign:` mapping {alg, header, iss, tan} into *out (owned).
 * Returns 0 or -1 (reported). */
int scnp_sign(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
              struct scn_sign **out);

/* Requests with `sign:` need auth whose every application has a
 * signing_key of the algorithm asked for. After scnp_auth. */
void scnp_sign_check(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s);

/* Frees pem's bytes, zeroed first (a key is a secret), and empties it. */
void scn_pem_free(struct scn_pem *pem);

/* The system's CA file (SSL_CERT_FILE, else OpenSSL's default) read into
 * tls.ca when nothing names CAs and something is reached over https with
 * verification on (targets, the token endpoint); reported when it cannot
 * be read. After scnp_targets, scnp_tls and scnp_auth. */
void scnp_tls_system_ca(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s);

/* Parses an http(s) URL (already expanded) into t's scheme, host, port
 * (8243/8280 unless given), base_path and url. Returns 0 or -1 (reported). */
int scnp_parse_url(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                   const char *url, struct scn_target *t);

/* Reads the one-line secret in the file named by scalar n (relative to
 * the scenario's folder; a trailing newline dropped; at most 4 KiB).
 * Returns 0 with *out owned, or -1 (reported). */
int scnp_secret_file(struct scnp_ctx *c, const struct ytree_node *n, const char *field, char **out);

/* `metrics:` (scenario_metrics.c). */
void scnp_metrics(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s);
void scn_metrics_free(struct scn_metrics *m);

/* `auth:` (OAuth2 token pools); after load (bind: sticky needs the model). */
void scnp_auth(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s);
/* Frees what scnp_auth read into au and zeroes it. */
void scn_auth_free(struct scn_auth *au);

/* Checks every feeder cell that template t (of field, at n) can take:
 * reports the first whose byte makes bad() true, naming the feeder's
 * file and line, as "... holds <what bad() says>; <fix>". bad returns
 * NULL for a good byte, or how to name it ("a line break"). Returns 0, or
 * -1 when it reported. */
int scnp_feeder_values(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                       const struct scenario *s, const struct tpl *t,
                       const char *(*bad)(unsigned char ch), const char *fix);

/* A request's `checks:`, `capture:` and `body_limit:` (n: its mapping,
 * field: "requests.N") into r, compiled (check.h); r->needs_head and
 * r->needs_body say what they read. scenario_checks.c. */
void scnp_request_checks(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                         struct scn_request *r);

/* Once r->name is final: the names of r's checks that have no `name:`
 * ("REQUEST.status", "REQUEST.json:$.Data.Status", "REQUEST.header:ETag",
 * "REQUEST.body", "REQUEST.body_size") and of its captures
 * ("REQUEST.capture:VAR"); two of one request named alike are reported. */
void scnp_request_check_names(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                              struct scn_request *r);

/* Frees r's checks and captures and empties them. */
void scn_request_checks_free(struct scn_request *r);

/* After requests and load: gate scopes name their phases and requests. */
void scnp_gates(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s);

/* ---- --set overrides (scenario_overrides.c) ---- */

/* Applies override ov ("a.b.0.c=value") to root; errors go to c, naming
 * label (which must outlive the tree: the nodes it makes carry it). */
void scnp_apply_override(struct scnp_ctx *c, struct ytree_node *root, const char *ov,
                         const char *label);

/* targets: URL and targets: [URL, ...] become lists of {url: URL}, so
 * that --set targets.0.url=... works on either form. 0, or -1 (memory). */
int scnp_normalize_targets(struct ytree_node *root);

/* The label of override ov in messages ("--set key=value"), its value
 * redacted when it looks like a credential. Owned; NULL: no memory. */
char *scnp_override_label(const char *ov);

#endif
