/*
 * journey.c — the Open Banking payment journey's ids and answers (see
 * journey.h). Bodies follow the Open Banking UK Read/Write API 3.1
 * payment initiation resources (OBWriteDomesticConsentResponse,
 * OBWriteDomesticResponse) and its error format (OBErrorResponse1).
 */
#include "journey.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "base/encode.h"
#include "json.h"
#include "server.h"

#define JSON "application/json"

/* ---- paths ------------------------------------------------------------ */

static bool is_lit(const char *p, size_t n, const char *lit)
{
    return n == strlen(lit) && memcmp(p, lit, n) == 0;
}

enum gsjourney_step gsjourney_match(const char *path, size_t len, unsigned *methods)
{
    static const char pay[] = GSJOURNEY_PAYMENTS "/";
    *methods = 0;
    if (is_lit(path, len, GSJOURNEY_CONSENTS)) {
        *methods = 1u << GSHTTP_POST;
        return GSJOURNEY_CONSENT;
    }
    if (is_lit(path, len, GSJOURNEY_PAYMENTS)) {
        *methods = 1u << GSHTTP_POST;
        return GSJOURNEY_PAYMENT;
    }
    /* .../domestic-payments/{DomesticPaymentId}: one more segment */
    if (len > sizeof pay - 1 && memcmp(path, pay, sizeof pay - 1) == 0 &&
        !memchr(path + sizeof pay - 1, '/', len - (sizeof pay - 1))) {
        *methods = 1u << GSHTTP_GET | 1u << GSHTTP_HEAD;
        return GSJOURNEY_POLL;
    }
    return GSJOURNEY_NONE;
}

/* ---- ids -------------------------------------------------------------- */

/* Layout (before base64url):
 *   consent: kind 'C', status (0 accepted, 1 rejected), created_ms (6
 *            bytes, big-endian), nonce (4), MAC (12)            = 24 bytes
 *   payment: kind 'P', 0, created_ms (6), nonce (4), the consent's
 *            created_ms (6) and nonce (4), MAC (8)              = 30 bytes
 * MAC: the first bytes of HMAC-SHA256(key, everything before it). */
#define HEAD_BYTES 12
#define CONSENT_BYTES 24
#define PAYMENT_BYTES 30
#define MAX_BYTES PAYMENT_BYTES

static void put_be(unsigned char *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static uint64_t get_be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Bytes of the id's text and of its payload (before the MAC). */
static void layout(enum gsjourney_kind kind, size_t *raw_bytes, size_t *payload_bytes)
{
    *raw_bytes = kind == GSJOURNEY_KIND_PAYMENT ? PAYMENT_BYTES : CONSENT_BYTES;
    *payload_bytes = kind == GSJOURNEY_KIND_PAYMENT ? HEAD_BYTES + 10 : HEAD_BYTES;
}

static void mac(const unsigned char *payload, size_t n, const char *key, size_t key_len,
                unsigned char out[32])
{
    unsigned int m = 32;
    HMAC(EVP_sha256(), key, (int)key_len, payload, n, out, &m);
}

/* Raw bytes of id with its MAC; returns their number. */
static size_t encode_raw(const struct gsjourney_id *id, const char *key, size_t key_len,
                         unsigned char raw[MAX_BYTES])
{
    size_t rb, pb;
    layout(id->kind, &rb, &pb);
    raw[0] = (unsigned char)id->kind;
    raw[1] = id->rejected ? 1 : 0;
    put_be(raw + 2, id->created_ms, 6);
    put_be(raw + 8, id->nonce, 4);
    if (id->kind == GSJOURNEY_KIND_PAYMENT) {
        put_be(raw + 12, id->consent_ms, 6);
        put_be(raw + 18, id->consent_nonce, 4);
    }
    unsigned char m[32];
    mac(raw, pb, key, key_len, m);
    memcpy(raw + pb, m, rb - pb);
    return rb;
}

int gsjourney_id_make(const struct gsjourney_id *id, const char *key, size_t key_len,
                      char out[GSJOURNEY_ID_CHARS + 1])
{
    unsigned char raw[MAX_BYTES];
    size_t n = encode_raw(id, key, key_len, raw);
    /* both lengths are multiples of 3: no padding either way */
    return (int)enc_base64url(raw, n, out, GSJOURNEY_ID_CHARS + 1);
}

int gsjourney_id_check(const char *s, size_t len, enum gsjourney_kind want, const char *key,
                       size_t key_len, struct gsjourney_id *id)
{
    size_t rb, pb;
    layout(want, &rb, &pb);
    if (!s || len != rb / 3 * 4)
        return -EINVAL;
    unsigned char raw[MAX_BYTES];
    if (enc_unbase64url(s, len, raw, sizeof raw) != (long)rb)
        return -EINVAL;
    if (raw[0] != (unsigned char)want || raw[1] > (want == GSJOURNEY_KIND_CONSENT ? 1 : 0))
        return -EINVAL;
    unsigned char m[32];
    mac(raw, pb, key, key_len, m);
    if (CRYPTO_memcmp(m, raw + pb, rb - pb) != 0)
        return -EINVAL;
    *id = (struct gsjourney_id){
        .kind = want,
        .rejected = raw[1] == 1,
        .created_ms = get_be(raw + 2, 6),
        .nonce = (uint32_t)get_be(raw + 8, 4),
    };
    if (want == GSJOURNEY_KIND_PAYMENT) {
        id->consent_ms = get_be(raw + 12, 6);
        id->consent_nonce = (uint32_t)get_be(raw + 18, 4);
    }
    return 0;
}

/* ---- answers ---------------------------------------------------------- */

/* What a payment order says when the request brought none. */
static const char default_initiation[] =
    "{\"InstructionIdentification\":\"gatewaysim\",\"EndToEndIdentification\":\"gatewaysim\","
    "\"InstructedAmount\":{\"Amount\":\"1.00\",\"Currency\":\"GBP\"},"
    "\"CreditorAccount\":{\"SchemeName\":\"UK.OBIE.SortCodeAccountNumber\","
    "\"Identification\":\"08080021325698\",\"Name\":\"gatewaysim\"}}";

/* ISO 8601 in UTC with milliseconds, as Open Banking's ISODateTime. */
static void iso_time(uint64_t ms, char out[40])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 40 - n, ".%03u+00:00", (unsigned)(ms % 1000));
}

static uint64_t now_ms(const struct gssrv *s)
{
    return gssrv_token_clock_us(s) / 1000;
}

static int id_make(const struct gssrv *s, const struct gsjourney_id *id,
                   char out[GSJOURNEY_ID_CHARS + 1])
{
    return gsjourney_id_make(id, s->cfg.journey_secret, strlen(s->cfg.journey_secret), out);
}

/* The request's x-fapi-interaction-id when it has a usable one (1..64
 * visible ASCII characters): Open Banking servers send it back. */
static bool request_interaction_id(const struct gsconn *c, const char **v, size_t *n)
{
    static const char name[] = "x-fapi-interaction-id:";
    const size_t nl = sizeof name - 1;
    const char *h = c->in.data + c->in.off;
    size_t len = c->req.head_bytes;
    for (size_t i = 0; i < len;) {
        const char *eol = memchr(h + i, '\n', len - i);
        size_t end = eol ? (size_t)(eol - h) : len;
        if (end - i > nl && gshttp_ieq(h + i, nl, name)) {
            size_t b = i + nl, e = end;
            while (e > b && (h[e - 1] == '\r' || h[e - 1] == ' ' || h[e - 1] == '\t'))
                e--;
            while (b < e && (h[b] == ' ' || h[b] == '\t'))
                b++;
            if (e == b || e - b > 64)
                return false;
            for (size_t k = b; k < e; k++)
                if (h[k] < 0x21 || h[k] > 0x7e)
                    return false;
            *v = h + b;
            *n = e - b;
            return true;
        }
        i = end + 1;
    }
    return false;
}

/* x-fapi-interaction-id: the request's, else a random RFC 4122 version 4
 * UUID. */
static void interaction_header(struct gssrv *s, const struct gsconn *c, char out[128])
{
    const char *v;
    size_t n;
    if (request_interaction_id(c, &v, &n)) {
        snprintf(out, 128, "x-fapi-interaction-id: %.*s\r\n", (int)n, v);
        return;
    }
    uint64_t a = gsrng_next(&s->rng), b = gsrng_next(&s->rng);
    snprintf(out, 128, "x-fapi-interaction-id: %08x-%04x-4%03x-%04x-%012llx\r\n",
             (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
             (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
             (unsigned long long)(b & 0xffffffffffffull));
}

static void reply(struct gssrv *s, struct gsconn *c, int status)
{
    char extra[128];
    interaction_header(s, c, extra);
    gsapi_reply_scratch(s, c, status, extra);
}

/* An OBErrorResponse1 with one error. */
static void ob_error(struct gssrv *s, struct gsconn *c, int status, const char *code,
                     const char *message, const char *path)
{
    gsbuf_clear(&s->scratch);
    int rc = gsbuf_printf(
        &s->scratch,
        "{\"Code\":\"%d %s\",\"Id\":\"%016llx\",\"Message\":\"%s\","
        "\"Errors\":[{\"ErrorCode\":\"%s\",\"Message\":\"%s\"",
        status, status == 404 ? "NotFound" : "BadRequest", (unsigned long long)gsrng_next(&s->rng),
        status == 404 ? "Resource not found" : "The request is invalid", code, message);
    rc = rc ? rc : path ? gsbuf_printf(&s->scratch, ",\"Path\":\"%s\"", path) : 0;
    rc = rc ? rc : gsbuf_puts(&s->scratch, "}]}");
    if (rc) {
        gsconn_close(c);
        return;
    }
    reply(s, c, status);
}

/* The raw JSON object at keys in the request body, or fallback. */
static void body_object(const struct gsconn *c, const char *const *keys, int n_keys,
                        const char *fallback, const char **obj, size_t *obj_len)
{
    const char *body = gsconn_body(c);
    size_t off, len;
    if (c->body_bytes && gsjson_find(body, c->body_bytes, keys, n_keys, &off, &len) == 0 &&
        body[off] == '{') {
        *obj = body + off;
        *obj_len = len;
        return;
    }
    *obj = fallback;
    *obj_len = strlen(fallback);
}

static int data_head(struct gsbuf *b, const char *id_name, const char *id, const char *consent_id,
                     const char *status, uint64_t created_ms, uint64_t updated_ms)
{
    char created[40], updated[40];
    iso_time(created_ms, created);
    iso_time(updated_ms, updated);
    int rc = gsbuf_printf(b, "{\"Data\":{\"%s\":\"%s\",", id_name, id);
    rc = rc ? rc : consent_id ? gsbuf_printf(b, "\"ConsentId\":\"%s\",", consent_id) : 0;
    return rc ? rc
              : gsbuf_printf(b,
                             "\"Status\":\"%s\",\"CreationDateTime\":\"%s\","
                             "\"StatusUpdateDateTime\":\"%s\",\"Initiation\":",
                             status, created, updated);
}

static void consent(struct gssrv *s, struct gsconn *c)
{
    const struct gscfg *cfg = &s->cfg;
    struct gsjourney_id id = {
        .kind = GSJOURNEY_KIND_CONSENT,
        .created_ms = now_ms(s),
        .nonce = (uint32_t)gsrng_next(&s->rng),
        .rejected =
            gsrng_fault_hit(&s->rng, &s->f_journey, cfg->fault_spacing, cfg->journey_refuse),
    };
    char ids[GSJOURNEY_ID_CHARS + 1];
    id_make(s, &id, ids);
    static const char *const init_keys[] = {"Data", "Initiation"}, *const risk_keys[] = {"Risk"};
    const char *init, *risk;
    size_t init_len, risk_len;
    body_object(c, init_keys, 2, default_initiation, &init, &init_len);
    body_object(c, risk_keys, 1, "{}", &risk, &risk_len);
    struct gsbuf *b = &s->scratch;
    gsbuf_clear(b);
    int rc =
        data_head(b, "ConsentId", ids, NULL, id.rejected ? "Rejected" : "AwaitingAuthorisation",
                  id.created_ms, id.created_ms);
    rc = rc ? rc : gsbuf_append(b, init, init_len);
    rc = rc ? rc : gsbuf_puts(b, "},\"Risk\":");
    rc = rc ? rc : gsbuf_append(b, risk, risk_len);
    rc = rc ? rc
            : gsbuf_printf(b, ",\"Links\":{\"Self\":\"%s/%s\"},\"Meta\":{}}", GSJOURNEY_CONSENTS,
                           ids);
    if (rc) {
        gsconn_close(c);
        return;
    }
    s->stats.journey.consents_created++;
    if (id.rejected)
        s->stats.journey.consents_refused++;
    reply(s, c, 201);
}

static void bad_body(struct gssrv *s, struct gsconn *c, const char *code, const char *message)
{
    s->stats.journey.payments_bad_body++;
    ob_error(s, c, 400, code, message, "Data.ConsentId");
}

static void payment(struct gssrv *s, struct gsconn *c)
{
    static const char *const keys[] = {"Data", "ConsentId"};
    const char *body = gsconn_body(c);
    size_t off, len;
    int rc = gsjson_find(body, c->body_bytes, keys, 2, &off, &len);
    if (rc == -EINVAL) {
        bad_body(s, c, "UK.OBIE.Resource.InvalidFormat",
                 c->body_bytes ? "The request body is not valid JSON"
                               : "The request has no body; send {\"Data\":{\"ConsentId\":...}}");
        return;
    }
    if (rc) {
        bad_body(s, c, "UK.OBIE.Field.Missing", "Data.ConsentId is missing");
        return;
    }
    char given[GSJOURNEY_ID_CHARS + 8];
    int n = gsjson_string(body + off, len, given, sizeof given);
    if (n == -EINVAL) {
        bad_body(s, c, "UK.OBIE.Field.Invalid", "Data.ConsentId is not a string");
        return;
    }
    struct gsjourney_id cid;
    if (n < 0 || gsjourney_id_check(given, (size_t)n, GSJOURNEY_KIND_CONSENT, s->cfg.journey_secret,
                                    strlen(s->cfg.journey_secret), &cid)) {
        s->stats.journey.payments_unknown_consent++;
        ob_error(s, c, 400, "UK.OBIE.Resource.NotFound",
                 "No payment consent with this ConsentId was issued", "Data.ConsentId");
        return;
    }
    if (cid.rejected) {
        s->stats.journey.payments_rejected_consent++;
        ob_error(s, c, 400, "UK.OBIE.Resource.InvalidConsentStatus",
                 "The payment consent was rejected; a payment needs an authorised consent",
                 "Data.ConsentId");
        return;
    }
    struct gsjourney_id pid = {
        .kind = GSJOURNEY_KIND_PAYMENT,
        .created_ms = now_ms(s),
        .nonce = (uint32_t)gsrng_next(&s->rng),
        .consent_ms = cid.created_ms,
        .consent_nonce = cid.nonce,
    };
    char pids[GSJOURNEY_ID_CHARS + 1];
    id_make(s, &pid, pids);
    static const char *const init_keys[] = {"Data", "Initiation"};
    const char *init;
    size_t init_len;
    body_object(c, init_keys, 2, default_initiation, &init, &init_len);
    struct gsbuf *b = &s->scratch;
    gsbuf_clear(b);
    rc = data_head(b, "DomesticPaymentId", pids, given, "AcceptedSettlementInProcess",
                   pid.created_ms, pid.created_ms);
    rc = rc ? rc : gsbuf_append(b, init, init_len);
    rc = rc ? rc
            : gsbuf_printf(b, "},\"Links\":{\"Self\":\"%s/%s\"},\"Meta\":{}}", GSJOURNEY_PAYMENTS,
                           pids);
    if (rc) {
        gsconn_close(c);
        return;
    }
    s->stats.journey.payments_created++;
    reply(s, c, 201);
}

static void poll_status(struct gssrv *s, struct gsconn *c)
{
    static const char pay[] = GSJOURNEY_PAYMENTS "/";
    const char *p = gsconn_at(c, c->req.path) + sizeof pay - 1;
    size_t n = c->req.path.len - (sizeof pay - 1);
    struct gsjourney_id pid;
    s->stats.journey.polls++;
    if (gsjourney_id_check(p, n, GSJOURNEY_KIND_PAYMENT, s->cfg.journey_secret,
                           strlen(s->cfg.journey_secret), &pid)) {
        s->stats.journey.polls_unknown++;
        ob_error(s, c, 404, "UK.OBIE.Resource.NotFound",
                 "No domestic payment with this DomesticPaymentId", NULL);
        return;
    }
    uint64_t settle_ms = (uint64_t)(s->cfg.journey_settle_s * 1e3 + 0.5),
             settled_ms = pid.created_ms + settle_ms;
    bool settled = now_ms(s) >= settled_ms;
    struct gsjourney_id cid = {
        .kind = GSJOURNEY_KIND_CONSENT, .created_ms = pid.consent_ms, .nonce = pid.consent_nonce};
    char pids[GSJOURNEY_ID_CHARS + 1], cids[GSJOURNEY_ID_CHARS + 1];
    id_make(s, &pid, pids);
    id_make(s, &cid, cids);
    struct gsbuf *b = &s->scratch;
    gsbuf_clear(b);
    int rc = data_head(b, "DomesticPaymentId", pids, cids,
                       settled ? "AcceptedSettlementCompleted" : "AcceptedSettlementInProcess",
                       pid.created_ms, settled ? settled_ms : pid.created_ms);
    rc = rc ? rc : gsbuf_puts(b, default_initiation);
    rc = rc ? rc
            : gsbuf_printf(b, "},\"Links\":{\"Self\":\"%s/%s\"},\"Meta\":{}}", GSJOURNEY_PAYMENTS,
                           pids);
    if (rc) {
        gsconn_close(c);
        return;
    }
    if (settled)
        s->stats.journey.polls_settled++;
    reply(s, c, 200);
}

void gsjourney_answer(struct gssrv *s, struct gsconn *c)
{
    switch (c->journey) {
    case GSJOURNEY_CONSENT:
        consent(s, c);
        break;
    case GSJOURNEY_PAYMENT:
        payment(s, c);
        break;
    default:
        poll_status(s, c);
        break;
    }
}
