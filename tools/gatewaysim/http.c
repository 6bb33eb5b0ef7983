/*
 * http.c — HTTP/1.1 request parsing (see http.h). Lenient where RFC 9112
 * allows (bare LF line ends, absolute-form targets), strict where request
 * smuggling lives (conflicting Content-Length, Content-Length with chunked,
 * obsolete line folding are rejected).
 */
#include "http.h"

#include "base/encode.h"

#include <string.h>

bool gshttp_ieq(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (n != m)
        return false;
    for (size_t i = 0; i < n; i++) {
        char a = s[i], b = lit[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (char)(b - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static enum gshttp_method method_of(const char *s, size_t n)
{
    static const struct {
        const char *name;
        enum gshttp_method m;
    } tab[] = {
        {"GET", GSHTTP_GET},         {"HEAD", GSHTTP_HEAD},     {"POST", GSHTTP_POST},
        {"PUT", GSHTTP_PUT},         {"DELETE", GSHTTP_DELETE}, {"PATCH", GSHTTP_PATCH},
        {"OPTIONS", GSHTTP_OPTIONS},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strlen(tab[i].name) == n && memcmp(tab[i].name, s, n) == 0)
            return tab[i].m;
    return GSHTTP_OTHER;
}

/* Trims optional white space around [*b, *e). */
static void trim(const char *buf, size_t *b, size_t *e)
{
    while (*b < *e && (buf[*b] == ' ' || buf[*b] == '\t'))
        (*b)++;
    while (*e > *b && (buf[*e - 1] == ' ' || buf[*e - 1] == '\t' || buf[*e - 1] == '\r'))
        (*e)--;
}

/* Does the comma-separated list s[0, n) contain token tok? */
static bool list_has(const char *s, size_t n, const char *tok)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != ',')
            j++;
        size_t b = i, e = j;
        trim(s, &b, &e);
        if (gshttp_ieq(s + b, e - b, tok))
            return true;
        i = j + 1;
    }
    return false;
}

static int parse_request_line(const char *buf, size_t end, struct gshttp_req *req)
{
    size_t i = 0;
    while (i < end && is_tchar((unsigned char)buf[i]))
        i++;
    if (i == 0 || i >= end || buf[i] != ' ')
        return GSHTTP_EBAD;
    req->method = method_of(buf, i);
    size_t t0 = ++i;
    while (i < end && buf[i] != ' ')
        i++;
    if (i >= end || i == t0)
        return GSHTTP_EBAD;
    size_t t1 = i++;
    size_t ve = end;
    if (ve > i && buf[ve - 1] == '\r')
        ve--;
    if (ve - i != 8 || memcmp(buf + i, "HTTP/1.", 7) != 0) {
        if (ve - i >= 5 && memcmp(buf + i, "HTTP/", 5) == 0)
            return GSHTTP_EVERSION;
        return GSHTTP_EBAD;
    }
    char d = buf[i + 7];
    if (d < '0' || d > '9')
        return GSHTTP_EBAD;
    req->minor = d - '0';

    /* absolute-form: skip scheme://authority */
    if (buf[t0] != '/') {
        const char *p = memchr(buf + t0, ':', t1 - t0);
        if (!p || (size_t)(p - buf) + 3 > t1 || p[1] != '/' || p[2] != '/')
            return (t1 - t0 == 1 && buf[t0] == '*') ? 0 : GSHTTP_EBAD;
        size_t k = (size_t)(p - buf) + 3;
        while (k < t1 && buf[k] != '/' && buf[k] != '?')
            k++;
        t0 = k;
        /* "http://host" leaves an empty path; routing treats it as "/". */
    }
    for (size_t k = t0; k < t1; k++) {
        unsigned char c = (unsigned char)buf[k];
        if (c <= 0x20 || c == 0x7f)
            return GSHTTP_EBAD;
    }
    const char *q = memchr(buf + t0, '?', t1 - t0);
    size_t pe = q ? (size_t)(q - buf) : t1;
    req->path.off = (uint32_t)t0;
    req->path.len = (uint32_t)(pe - t0);
    if (q) {
        req->query.off = (uint32_t)(pe + 1);
        req->query.len = (uint32_t)(t1 - pe - 1);
    }
    return 0;
}

static int parse_u64(const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || n > 18)
        return GSHTTP_EBAD;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return GSHTTP_EBAD;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

static int parse_header(const char *buf, size_t b, size_t e, struct gshttp_req *req, bool *te_seen)
{
    size_t i = b;
    while (i < e && is_tchar((unsigned char)buf[i]))
        i++;
    if (i == b || i >= e || buf[i] != ':')
        return GSHTTP_EBAD; /* also rejects obsolete line folding */
    size_t nb = b, ne = i;
    size_t vb = i + 1, ve = e;
    trim(buf, &vb, &ve);
    const char *name = buf + nb;
    size_t nlen = ne - nb;
    const char *val = buf + vb;
    size_t vlen = ve - vb;

    if (gshttp_ieq(name, nlen, "content-length")) {
        uint64_t v;
        if (parse_u64(val, vlen, &v))
            return GSHTTP_EBAD;
        if (req->has_length && v != req->content_length)
            return GSHTTP_EBAD;
        req->has_length = true;
        req->content_length = v;
    } else if (gshttp_ieq(name, nlen, "transfer-encoding")) {
        /* Only "chunked" (possibly listed alone) is implemented. */
        if (*te_seen || !gshttp_ieq(val, vlen, "chunked"))
            return GSHTTP_ENOTIMPL;
        *te_seen = true;
        req->chunked = true;
    } else if (gshttp_ieq(name, nlen, "connection")) {
        if (list_has(val, vlen, "close"))
            req->keep_alive = false;
        else if (list_has(val, vlen, "keep-alive"))
            req->keep_alive = true;
    } else if (gshttp_ieq(name, nlen, "authorization")) {
        req->auth.off = (uint32_t)vb;
        req->auth.len = (uint32_t)vlen;
    } else if (gshttp_ieq(name, nlen, "content-type")) {
        req->ctype.off = (uint32_t)vb;
        req->ctype.len = (uint32_t)vlen;
    } else if (gshttp_ieq(name, nlen, "expect")) {
        if (gshttp_ieq(val, vlen, "100-continue"))
            req->expect_continue = true;
    }
    return 0;
}

int gshttp_parse_head(const char *buf, size_t len, struct gshttp_req *req)
{
    /* Empty lines before the request line (RFC 9112 2.2) are skipped by
     * the caller; here they are malformed. */
    size_t scan = len < GSHTTP_MAX_HEAD_BYTES ? len : GSHTTP_MAX_HEAD_BYTES;
    size_t head_end = 0;
    for (const char *p = buf; (p = memchr(p, '\n', scan - (size_t)(p - buf))) != NULL; p++) {
        size_t k = (size_t)(p - buf) + 1;
        if (k < scan && buf[k] == '\n') {
            head_end = k + 1;
            break;
        }
        if (k + 1 < scan && buf[k] == '\r' && buf[k + 1] == '\n') {
            head_end = k + 2;
            break;
        }
        if (k >= scan)
            break;
    }
    if (head_end == 0)
        return len >= GSHTTP_MAX_HEAD_BYTES ? GSHTTP_EHEADTOOBIG : 0;

    memset(req, 0, sizeof *req);
    const char *nl = memchr(buf, '\n', head_end);
    size_t line_end = (size_t)(nl - buf);
    int rc = parse_request_line(buf, line_end, req);
    if (rc)
        return rc;
    req->keep_alive = req->minor >= 1;

    bool te_seen = false;
    size_t i = line_end + 1;
    while (i < head_end) {
        const char *e = memchr(buf + i, '\n', head_end - i);
        size_t le = (size_t)(e - buf);
        size_t ce = le;
        if (ce > i && buf[ce - 1] == '\r')
            ce--;
        if (ce == i)
            break; /* the blank line */
        rc = parse_header(buf, i, ce, req, &te_seen);
        if (rc)
            return rc;
        i = le + 1;
    }
    if (req->chunked && req->has_length)
        return GSHTTP_EBAD;
    req->head_bytes = head_end;
    return (int)head_end;
}

int gshttp_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads one line [i, eol) ending at '\n'; returns 0 when incomplete. */
static int line_at(const char *buf, size_t len, size_t i, size_t *content_end, size_t *next)
{
    const char *nl = memchr(buf + i, '\n', len - i);
    if (!nl)
        return (len - i > 4096) ? GSHTTP_EBAD : 0;
    size_t e = (size_t)(nl - buf);
    *next = e + 1;
    if (e > i && buf[e - 1] == '\r')
        e--;
    *content_end = e;
    return 1;
}

int gshttp_chunked_scan(const char *buf, size_t len, size_t *wire_bytes, size_t *body_bytes)
{
    size_t i = 0, body = 0;
    for (;;) {
        size_t ce, next;
        int rc = line_at(buf, len, i, &ce, &next);
        if (rc <= 0)
            return rc;
        uint64_t size = 0;
        size_t k = i;
        int digits = 0;
        for (; k < ce && gshttp_hexval(buf[k]) >= 0; k++) {
            if (++digits > 15)
                return GSHTTP_EBAD;
            size = size * 16 + (uint64_t)gshttp_hexval(buf[k]);
        }
        if (digits == 0 || (k < ce && buf[k] != ';' && buf[k] != ' ' && buf[k] != '\t'))
            return GSHTTP_EBAD;
        i = next;
        if (size == 0) {
            /* trailer section, up to and including an empty line */
            for (;;) {
                rc = line_at(buf, len, i, &ce, &next);
                if (rc <= 0)
                    return rc;
                bool empty = ce == i;
                i = next;
                if (empty)
                    break;
            }
            break;
        }
        if (len - i < size + 1)
            return 0;
        i += size;
        body += size;
        if (buf[i] == '\r') {
            if (len - i < 2)
                return 0;
            if (buf[i + 1] != '\n')
                return GSHTTP_EBAD;
            i += 2;
        } else if (buf[i] == '\n') {
            i += 1;
        } else {
            return GSHTTP_EBAD;
        }
    }
    *wire_bytes = i;
    *body_bytes = body;
    return 1;
}

void gshttp_chunked_decode(char *buf, size_t wire_bytes)
{
    size_t i = 0, out = 0;
    while (i < wire_bytes) {
        size_t size = 0;
        while (gshttp_hexval(buf[i]) >= 0)
            size = size * 16 + (size_t)gshttp_hexval(buf[i++]);
        const char *nl = memchr(buf + i, '\n', wire_bytes - i);
        i = (size_t)(nl - buf) + 1;
        if (size == 0)
            break;
        memmove(buf + out, buf + i, size);
        out += size;
        i += size;
        i += (buf[i] == '\r') ? 2 : 1;
    }
}

int gshttp_error_status(int err)
{
    switch (err) {
    case GSHTTP_EHEADTOOBIG:
        return 431;
    case GSHTTP_EVERSION:
        return 505;
    case GSHTTP_ENOTIMPL:
        return 501;
    default:
        return 400;
    }
}

const char *gshttp_reason(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 203:
        return "Non-Authoritative Information";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 207:
        return "Multi-Status";
    case 208:
        return "Already Reported";
    case 226:
        return "IM Used";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Payload Too Large";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

bool gshttp_form_next(const char *s, size_t len, size_t *pos, const char **key, size_t *key_len,
                      const char **val, size_t *val_len)
{
    while (*pos < len) {
        size_t b = *pos, e = b;
        while (e < len && s[e] != '&')
            e++;
        *pos = e + 1;
        if (e == b)
            continue;
        const char *eq = memchr(s + b, '=', e - b);
        *key = s + b;
        if (eq) {
            *key_len = (size_t)(eq - (s + b));
            *val = eq + 1;
            *val_len = e - (size_t)(eq + 1 - s);
        } else {
            *key_len = e - b;
            *val = s + e;
            *val_len = 0;
        }
        return true;
    }
    return false;
}

int gshttp_url_decode(const char *src, size_t n, char *dst, size_t dst_size)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= n)
                return -1;
            int h = gshttp_hexval(src[i + 1]), l = gshttp_hexval(src[i + 2]);
            if (h < 0 || l < 0)
                return -1;
            c = (char)(h * 16 + l);
            i += 2;
        }
        if (o + 1 >= dst_size)
            return -1;
        dst[o++] = c;
    }
    if (o >= dst_size)
        return -1;
    dst[o] = 0;
    return (int)o;
}

int gshttp_base64_decode(const char *src, size_t n, char *dst, size_t dst_size)
{
    /* gatecap's own decoder (strict standard base64), plus a NUL. */
    size_t len = 0;
    if (dst_size == 0 || n / 4 * 3 > dst_size - 1 ||
        enc_unbase64(src, n, (uint8_t *)dst, dst_size - 1, &len))
        return -1;
    dst[len] = 0;
    return (int)len;
}
