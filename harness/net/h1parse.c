/*
 * h1parse.c — the incremental HTTP/1.1 response parser; see h1parse.h.
 *
 * A state machine over the bytes as they come. Bytes that only need to be
 * passed over (reason phrases, uninteresting header values, chunk
 * extensions, trailers, bodies) are skipped with memchr or by a length, so
 * per byte work is left for the few bytes that decide something: the
 * status line, header names, the values of the five headers we read and
 * chunk sizes. A header name or value split across feeds continues where
 * it stopped; the only copies are of header names (to recognise them) and
 * of short elements of interesting values, both into fixed buffers.
 *
 * h1p_feed runs one step per loop: a step stays in one part of the
 * response (head, chunk framing, body data) so that its bytes are counted
 * as header or body bytes, and it returns when that part ends.
 */
#include "net/h1parse.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

enum state {
    /* head: status line and header fields (counted in header_bytes) */
    ST_VERSION, /* idx bytes of "HTTP/1." matched */
    ST_MINOR,   /* the minor version digit */
    ST_SP,      /* the space before the status code */
    ST_CODE,    /* idx digits of the status code read */
    ST_REASON,  /* the reason phrase, up to LF */
    ST_FIELD,   /* the start of a header line, or of the empty line */
    ST_NAME,    /* a header name, up to its colon */
    ST_OWS,     /* whitespace before an interesting value */
    ST_VALUE,   /* an interesting value, up to LF */
    ST_SKIP,    /* any other value, up to LF */
    ST_END_LF,  /* the empty line's CR was read */
    /* chunk framing and trailers (body_bytes, bounded by budget) */
    ST_CHUNK_SIZE,   /* hex digits of a chunk size */
    ST_CHUNK_BWS,    /* whitespace after the size: only ';' may follow */
    ST_CHUNK_EXT,    /* chunk extensions, up to LF */
    ST_CHUNK_LF,     /* the size line's CR was read */
    ST_DATA_END,     /* CRLF after a chunk's data */
    ST_DATA_LF,      /* ... its CR was read */
    ST_TRAILER,      /* the start of a trailer line, or of the empty line */
    ST_TRAILER_SKIP, /* a trailer field, up to LF */
    ST_TRAILER_LF,   /* the final empty line's CR was read */
    /* body data (body_bytes, unbounded) */
    ST_LENGTH,     /* left bytes of a Content-Length body */
    ST_CHUNK_DATA, /* left bytes of a chunk */
    ST_CLOSE,      /* everything until the peer closes */
    /* the end */
    ST_DONE,
    ST_ERROR,
};

/* Headers whose values we read (besides node_header, which may be any). */
enum kind { HK_OTHER, HK_CONTENT_LENGTH, HK_TRANSFER_ENCODING, HK_CONNECTION, HK_RETRY_AFTER };

/* RFC 9110 tchar, lowercased; 0 for bytes that cannot be in a name. */
static const unsigned char tchar_lower[256] = {
    ['!'] = '!', ['#'] = '#', ['$'] = '$', ['%'] = '%', ['&'] = '&', ['\''] = '\'', ['*'] = '*',
    ['+'] = '+', ['-'] = '-', ['.'] = '.', ['^'] = '^', ['_'] = '_', ['`'] = '`',   ['|'] = '|',
    ['~'] = '~', ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',   ['5'] = '5',
    ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9', ['a'] = 'a', ['b'] = 'b',   ['c'] = 'c',
    ['d'] = 'd', ['e'] = 'e', ['f'] = 'f', ['g'] = 'g', ['h'] = 'h', ['i'] = 'i',   ['j'] = 'j',
    ['k'] = 'k', ['l'] = 'l', ['m'] = 'm', ['n'] = 'n', ['o'] = 'o', ['p'] = 'p',   ['q'] = 'q',
    ['r'] = 'r', ['s'] = 's', ['t'] = 't', ['u'] = 'u', ['v'] = 'v', ['w'] = 'w',   ['x'] = 'x',
    ['y'] = 'y', ['z'] = 'z', ['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd',   ['E'] = 'e',
    ['F'] = 'f', ['G'] = 'g', ['H'] = 'h', ['I'] = 'i', ['J'] = 'j', ['K'] = 'k',   ['L'] = 'l',
    ['M'] = 'm', ['N'] = 'n', ['O'] = 'o', ['P'] = 'p', ['Q'] = 'q', ['R'] = 'r',   ['S'] = 's',
    ['T'] = 't', ['U'] = 'u', ['V'] = 'v', ['W'] = 'w', ['X'] = 'x', ['Y'] = 'y',   ['Z'] = 'z',
};

static bool is_ows(unsigned char c)
{
    return c == ' ' || c == '\t';
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

/* Value of a hex digit, or -1. */
static int hex_value(unsigned char c)
{
    if (is_digit(c))
        return c - '0';
    c = lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Marks the parse failed; NULL, so that steps can `return fail(...)`. */
static const char *fail(struct h1p *p, const char *msg)
{
    p->state = ST_ERROR;
    p->error = msg;
    return NULL;
}

/* The same for the helpers that return 0 or -1. */
static int refuse(struct h1p *p, const char *msg)
{
    fail(p, msg);
    return -1;
}

/* What one response (a 1xx or the final one) may set; header_bytes,
 * body_bytes and peek belong to the whole exchange and stay. */
static void response_start(struct h1p *p)
{
    p->state = ST_VERSION;
    p->idx = 0;
    p->status = 0;
    p->minor = 0;
    p->keep_alive = false;
    p->node[0] = '\0';
    p->node_len = 0;
    p->retry_after_s = -1;
    p->cl_seen = p->te_seen = p->te_chunked = false;
    p->conn_close = p->conn_keep_alive = false;
}

void h1p_reset(struct h1p *p, const char *node_header, size_t node_header_len, bool head)
{
    memset(p, 0, offsetof(struct h1p, name)); /* name and elem are written before read */
    p->node_header = node_header && node_header_len ? node_header : NULL;
    p->node_header_len = p->node_header ? node_header_len : 0;
    p->head = head;
    response_start(p);
    p->budget = H1P_HEADERS_MAX;
}

/* Appends n bytes to *buf (len, cap), growing it, and keeps a NUL after
 * them (regexec's interceptors under the sanitizers read to one); on
 * failure keeps what fits and marks k. */
static void keep_append(struct h1p_keep *k, char **buf, size_t *len, size_t *cap, const char *s,
                        size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t want = *cap ? *cap : 1024;
        while (want < *len + n + 1)
            want *= 2;
        char *b = realloc(*buf, want);
        if (!b) {
            k->oom = true;
            n = *cap > *len + 1 ? *cap - *len - 1 : 0;
            if (!*cap)
                return;
        } else {
            *buf = b;
            *cap = want;
        }
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
}

void h1p_keep_head(struct h1p_keep *k, const char *s, size_t n)
{
    keep_append(k, &k->head, &k->head_len, &k->head_cap, s, n);
}

void h1p_keep_body(struct h1p_keep *k, const char *s, size_t n)
{
    size_t room = k->body_limit > k->body_len ? k->body_limit - k->body_len : 0;
    if (n > room) {
        k->truncated = true;
        n = room;
    }
    if (n)
        keep_append(k, &k->body, &k->body_len, &k->body_cap, s, n);
}

void h1p_keep_clear(struct h1p_keep *k, size_t body_limit)
{
    k->head_len = k->body_len = 0;
    if (k->head)
        k->head[0] = '\0';
    if (k->body)
        k->body[0] = '\0';
    k->truncated = k->oom = false;
    k->body_limit = body_limit;
}

void h1p_keep_begin(struct h1p *p, struct h1p_keep *k, size_t body_limit)
{
    h1p_keep_clear(k, body_limit);
    p->keep = k;
}

void h1p_keep_free(struct h1p_keep *k)
{
    free(k->head);
    free(k->body);
    *k = (struct h1p_keep){0};
}

bool h1p_started(const struct h1p *p)
{
    return p->header_bytes > 0;
}

/* ---- header values ---------------------------------------------------- */

/* Whether the lowercased name read equals node_header in any case. */
static bool is_node_header(const struct h1p *p)
{
    if (!p->node_header || p->name_len != p->node_header_len || p->name_len > H1P_NAME_MAX)
        return false;
    for (size_t i = 0; i < p->name_len; i++)
        if (p->name[i] != (char)lower((unsigned char)p->node_header[i]))
            return false;
    return true;
}

/* At a header name's colon: is its value one we read, and how. */
static void name_end(struct h1p *p)
{
    static const struct {
        const char *name;
        size_t len;
        enum kind kind;
    } known[] = {
        {"content-length", 14, HK_CONTENT_LENGTH},
        {"transfer-encoding", 17, HK_TRANSFER_ENCODING},
        {"connection", 10, HK_CONNECTION},
        {"retry-after", 11, HK_RETRY_AFTER},
    };
    p->kind = HK_OTHER;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (p->name_len == known[i].len && !memcmp(p->name, known[i].name, known[i].len))
            p->kind = (uint8_t)known[i].kind;
    p->node_match = is_node_header(p);
    if (p->node_match) { /* the last one wins, as with libcurl's transport */
        p->node_len = 0;
        p->node[0] = '\0';
    }
    p->elem_len = p->elems = 0;
    p->elem_long = false;
    p->state = p->kind != HK_OTHER || p->node_match ? ST_OWS : ST_SKIP;
}

/* Content-Length: 1*DIGIT, the same in every element and every line. */
static int content_length(struct h1p *p, const char *s, size_t n, bool is_long)
{
    uint64_t v = 0;
    if (!n || is_long)
        return refuse(p, "malformed Content-Length");
    for (size_t i = 0; i < n; i++) {
        if (!is_digit((unsigned char)s[i]))
            return refuse(p, "malformed Content-Length");
        if (v > (UINT64_MAX - 9) / 10)
            return refuse(p, "Content-Length too large");
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (p->cl_seen && v != p->content_length)
        return refuse(p, "conflicting Content-Length values");
    p->content_length = v;
    p->cl_seen = true;
    return 0;
}

/* Retry-After: leading delay-seconds; an HTTP-date (or anything) is 0,
 * as the libcurl transport reports it. */
int h1p_retry_after(const char *s, size_t n)
{
    long long v = 0;
    for (size_t i = 0; i < n && is_digit((unsigned char)s[i]); i++)
        if ((v = v * 10 + (s[i] - '0')) > INT_MAX)
            return INT_MAX;
    return (int)v;
}

/* One element of an interesting value is complete (at a comma of a list,
 * or at the line's end): trims it and acts on it. */
static int elem_end(struct h1p *p)
{
    size_t n = p->elem_len;
    while (n && (is_ows((unsigned char)p->elem[n - 1]) || p->elem[n - 1] == '\r'))
        n--;
    p->elem_len = 0;
    bool is_long = p->elem_long;
    p->elem_long = false;
    if (!n && p->kind != HK_CONTENT_LENGTH && p->kind != HK_RETRY_AFTER)
        return 0; /* empty list elements are allowed (RFC 9110 5.6.1) */
    p->elems++;
    switch ((enum kind)p->kind) {
    case HK_CONTENT_LENGTH:
        return content_length(p, p->elem, n, is_long);
    case HK_TRANSFER_ENCODING:
        p->te_seen = true;
        p->te_chunked = !is_long && n == 7 && !memcmp(p->elem, "chunked", 7);
        return 0;
    case HK_CONNECTION:
        if (!is_long && n == 5 && !memcmp(p->elem, "close", 5))
            p->conn_close = true;
        else if (!is_long && n == 10 && !memcmp(p->elem, "keep-alive", 10))
            p->conn_keep_alive = true;
        return 0;
    case HK_RETRY_AFTER:
        p->retry_after_s = h1p_retry_after(p->elem, n);
        return 0;
    case HK_OTHER:
        break;
    }
    return 0;
}

/* Bytes s..e of the current value (after its leading whitespace, before
 * its LF): into node when it is node_header, and split into elements for
 * the list-valued headers (Retry-After's date has commas: one element). */
static int value_bytes(struct h1p *p, const char *s, const char *e)
{
    if (p->node_match && p->node_len < H1P_NODE_LEN - 1) {
        size_t n = (size_t)(e - s), room = H1P_NODE_LEN - 1 - p->node_len;
        memcpy(p->node + p->node_len, s, n < room ? n : room);
        p->node_len += n < room ? n : room;
        p->node[p->node_len] = '\0'; /* a string even before the line ends */
    }
    if (p->kind == HK_OTHER)
        return 0;
    for (; s < e; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == ',' && p->kind != HK_RETRY_AFTER) {
            if (elem_end(p))
                return -1;
        } else if (p->elem_len < H1P_ELEM_MAX) {
            if (p->elem_len || !is_ows(c))
                p->elem[p->elem_len++] = (char)lower(c);
        } else {
            p->elem_long = true;
        }
    }
    return 0;
}

/* The LF of an interesting header line: its last element, and node's end. */
static int value_end(struct h1p *p)
{
    if (p->node_match) {
        while (p->node_len && (is_ows((unsigned char)p->node[p->node_len - 1]) ||
                               p->node[p->node_len - 1] == '\r'))
            p->node_len--;
        p->node[p->node_len] = '\0';
    }
    if (p->kind == HK_OTHER)
        return 0;
    if (elem_end(p))
        return -1;
    if (p->kind == HK_TRANSFER_ENCODING && !p->elems)
        return refuse(p, "malformed Transfer-Encoding");
    return 0;
}

/* ---- end of the head -------------------------------------------------- */

/* The empty line after the headers: skips a 1xx, else decides how the
 * body is delimited (RFC 9112 6.3) and whether the connection lives on. */
static int headers_end(struct h1p *p)
{
    p->new_unit = true;
    if (p->status < 200) {
        response_start(p);
        return 0;
    }
    p->keep_alive = p->minor >= 1 ? !p->conn_close : p->conn_keep_alive && !p->conn_close;
    if (p->head || p->status == 204 || p->status == 304) {
        p->state = ST_DONE;
        return 0;
    }
    if (p->te_seen && p->minor == 0) /* RFC 9112 6.1: its framing is faulty */
        return refuse(p, "Transfer-Encoding in an HTTP/1.0 response");
    if (p->te_seen && p->te_chunked) { /* Transfer-Encoding wins over Content-Length */
        p->state = ST_CHUNK_SIZE;
        p->left = 0;
        p->idx = 0;
    } else if (p->cl_seen && !p->te_seen) {
        p->left = p->content_length;
        p->state = p->left ? ST_LENGTH : ST_DONE;
    } else {
        p->state = ST_CLOSE;
        p->keep_alive = false;
    }
    return 0;
}

/* ---- steps ------------------------------------------------------------ */

/* The status line and headers, from pos up to lim. Returns where it
 * stopped: lim, or just past the head's final LF; NULL on error. */
static const char *head(struct h1p *p, const char *pos, const char *lim)
{
    while (pos < lim) {
        unsigned char c = (unsigned char)*pos;
        const char *lf;
        switch ((enum state)p->state) {
        case ST_VERSION: /* "HTTP" is case-sensitive (RFC 9112 2.3) */
            if (c != (unsigned char)"HTTP/1."[p->idx])
                return fail(p, "malformed status line");
            pos++;
            if (++p->idx == 7)
                p->state = ST_MINOR;
            break;
        case ST_MINOR:
            if (!is_digit(c))
                return fail(p, "malformed status line");
            p->minor = c - '0';
            p->state = ST_SP;
            pos++;
            break;
        case ST_SP:
            if (c != ' ')
                return fail(p, "malformed status line");
            p->state = ST_CODE;
            p->idx = 0;
            pos++;
            break;
        case ST_CODE:
            if (p->idx < 3) {
                if (!is_digit(c) || (p->idx == 0 && c == '0'))
                    return fail(p, "malformed status line");
                p->status = p->status * 10 + (c - '0');
                p->idx++;
                pos++;
                if (p->idx == 3 && p->status == 101)
                    return fail(p, "unexpected 101 Switching Protocols (no upgrade was asked for)");
                break;
            }
            if (c == ' ' || c == '\r') { /* the reason phrase may be empty or absent */
                p->state = ST_REASON;
                pos++;
            } else if (c == '\n') {
                p->state = ST_FIELD;
                pos++;
            } else {
                return fail(p, "malformed status line");
            }
            break;
        case ST_REASON:
            if (!(lf = memchr(pos, '\n', (size_t)(lim - pos))))
                return lim;
            pos = lf + 1;
            p->state = ST_FIELD;
            break;
        case ST_FIELD:
            if (c == '\r') {
                p->state = ST_END_LF;
                pos++;
                break;
            }
            if (c == '\n')
                return headers_end(p) ? NULL : pos + 1;
            if (is_ows(c)) /* RFC 9112 5.2 allows rejecting it, and nobody sends it */
                return fail(p, "obsolete line folding in the response headers");
            p->name_len = 0;
            p->state = ST_NAME;
            break;
        case ST_NAME:
            for (unsigned char l; pos < lim && (l = tchar_lower[(unsigned char)*pos]); pos++) {
                if (p->name_len < H1P_NAME_MAX)
                    p->name[p->name_len] = (char)l;
                p->name_len++;
            }
            if (pos == lim)
                return lim;
            if (*pos != ':' || !p->name_len)
                return fail(p, "malformed header line");
            pos++;
            name_end(p);
            break;
        case ST_OWS:
            if (is_ows(c))
                pos++;
            else
                p->state = ST_VALUE;
            break;
        case ST_VALUE:
            lf = memchr(pos, '\n', (size_t)(lim - pos));
            if (value_bytes(p, pos, lf ? lf : lim))
                return NULL;
            if (!lf)
                return lim;
            if (value_end(p))
                return NULL;
            pos = lf + 1;
            p->state = ST_FIELD;
            break;
        case ST_SKIP:
            if (!(lf = memchr(pos, '\n', (size_t)(lim - pos))))
                return lim;
            pos = lf + 1;
            p->state = ST_FIELD;
            break;
        case ST_END_LF:
            if (c != '\n')
                return fail(p, "malformed end of the response headers");
            return headers_end(p) ? NULL : pos + 1;
        default:
            return fail(p, "internal error: head step in a body state");
        }
    }
    return pos;
}

/* The LF ending a chunk-size line: data follows, or the trailers after
 * the last chunk (each with a fresh budget). */
static const char *chunk_size_end(struct h1p *p, const char *pos)
{
    p->state = p->left ? ST_CHUNK_DATA : ST_TRAILER;
    p->new_unit = true;
    return pos;
}

/* Chunk-size lines, the CRLF after each chunk's data, and the trailers,
 * from pos up to lim. Returns where it stopped (lim, or where data or the
 * end begins); NULL on error. */
static const char *chunk_framing(struct h1p *p, const char *pos, const char *lim)
{
    while (pos < lim) {
        unsigned char c = (unsigned char)*pos;
        const char *lf;
        int d;
        switch ((enum state)p->state) {
        case ST_CHUNK_SIZE:
            if ((d = hex_value(c)) >= 0) {
                if (p->left >> 60)
                    return fail(p, "chunk size too large");
                p->left = p->left << 4 | (uint64_t)d;
                p->idx = 1;
                pos++;
                break;
            }
            if (!p->idx)
                return fail(p, "malformed chunk size");
            pos++;
            if (c == ';')
                p->state = ST_CHUNK_EXT;
            else if (is_ows(c))
                p->state = ST_CHUNK_BWS;
            else if (c == '\r')
                p->state = ST_CHUNK_LF;
            else if (c == '\n')
                return chunk_size_end(p, pos);
            else
                return fail(p, "malformed chunk size");
            break;
        case ST_CHUNK_BWS: /* RFC 9112 7.1.1: BWS only before an extension */
            if (c == ';')
                p->state = ST_CHUNK_EXT;
            else if (!is_ows(c))
                return fail(p, "malformed chunk size");
            pos++;
            break;
        case ST_CHUNK_EXT: /* extensions mean nothing to us */
            if (!(lf = memchr(pos, '\n', (size_t)(lim - pos))))
                return lim;
            return chunk_size_end(p, lf + 1);
        case ST_CHUNK_LF:
            if (c != '\n')
                return fail(p, "malformed chunk size");
            return chunk_size_end(p, pos + 1);
        case ST_DATA_END:
        case ST_DATA_LF:
            if (c == '\r' && p->state == ST_DATA_END) {
                p->state = ST_DATA_LF;
            } else if (c == '\n') {
                p->state = ST_CHUNK_SIZE;
                p->left = 0;
                p->idx = 0;
            } else {
                return fail(p, "chunk data longer than its size");
            }
            pos++;
            break;
        case ST_TRAILER:
            pos++;
            if (c == '\n') { /* the empty line ends the response */
                p->state = ST_DONE;
                return pos;
            }
            p->state = c == '\r' ? ST_TRAILER_LF : ST_TRAILER_SKIP;
            break;
        case ST_TRAILER_SKIP: /* trailer fields are not read */
            if (!(lf = memchr(pos, '\n', (size_t)(lim - pos))))
                return lim;
            pos = lf + 1;
            p->state = ST_TRAILER;
            break;
        case ST_TRAILER_LF:
            if (c != '\n')
                return fail(p, "malformed chunked trailer section");
            p->state = ST_DONE;
            return pos + 1;
        default:
            return fail(p, "internal error: chunk step in another state");
        }
    }
    return pos;
}

/* Body data from pos up to end: counted and passed over, except the start
 * of a body that is not a 2xx's (or any, with peek_2xx), kept in peek.
 * Returns where it stopped. */
static const char *body_data(struct h1p *p, const char *pos, const char *end)
{
    size_t n = (size_t)(end - pos);
    if (p->state != ST_CLOSE && n > p->left)
        n = (size_t)p->left;
    if (p->peek_len < H1P_PEEK_BYTES && (p->peek_2xx || p->status < 200 || p->status >= 300)) {
        size_t room = H1P_PEEK_BYTES - p->peek_len;
        memcpy(p->peek + p->peek_len, pos, n < room ? n : room);
        p->peek_len += n < room ? n : room;
    }
    if (p->keep)
        h1p_keep_body(p->keep, pos, n);
    if (p->state == ST_CLOSE)
        return end;
    p->left -= n;
    if (!p->left) {
        p->state = p->state == ST_LENGTH ? ST_DONE : ST_DATA_END;
        p->new_unit = true; /* the CRLF and the next size line */
    }
    return pos + n;
}

/* What to say when a header block, chunk line or trailers outgrow their
 * budget, by where the parse is. */
static const char *too_large(const struct h1p *p)
{
    if (p->state <= ST_END_LF)
        return "response headers too large";
    if (p->state >= ST_TRAILER)
        return "response trailers too large";
    return "chunk-size line too long";
}

static enum h1p_rc rc_of(const struct h1p *p)
{
    return p->state == ST_DONE ? H1P_DONE : p->state == ST_ERROR ? H1P_ERROR : H1P_MORE;
}

enum h1p_rc h1p_feed(struct h1p *p, const char *buf, size_t n, size_t *used)
{
    const char *pos = buf, *end = buf + n;
    while (pos < end && p->state < ST_DONE) {
        /* The head and chunk framing are bounded: a peer that never ends
         * a line must not keep us reading; body data is not. */
        bool bounded = p->state < ST_LENGTH;
        bool in_head = p->state <= ST_END_LF;
        if (bounded && !p->budget) {
            fail(p, too_large(p));
            break;
        }
        const char *lim = bounded && (size_t)(end - pos) > p->budget ? pos + p->budget : end;
        const char *q = in_head   ? head(p, pos, lim)
                        : bounded ? chunk_framing(p, pos, lim)
                                  : body_data(p, pos, end);
        if (!q)
            break;
        size_t k = (size_t)(q - pos);
        if (in_head && p->keep) {
            h1p_keep_head(p->keep, pos, k);
            /* A 1xx ended (a new status line, none of it read yet): its
             * head is not the answer's. (ST_VERSION alone is also the
             * first status line's first bytes, split from the rest.) */
            if (p->state == ST_VERSION && p->idx == 0) {
                p->keep->head_len = 0;
                if (p->keep->head)
                    p->keep->head[0] = '\0';
            }
        }
        if (in_head)
            p->header_bytes += k;
        else
            p->body_bytes += k;
        /* A step that begins a new unit returns right there, so the
         * fresh budget is not charged for what came before it. */
        if (p->new_unit)
            p->budget = H1P_HEADERS_MAX;
        else if (bounded)
            p->budget -= k;
        p->new_unit = false;
        pos = q;
    }
    *used = p->state == ST_ERROR ? 0 : (size_t)(pos - buf);
    return rc_of(p);
}

enum h1p_rc h1p_eof(struct h1p *p)
{
    if (p->state == ST_CLOSE)
        p->state = ST_DONE;
    else if (p->state < ST_DONE && !h1p_started(p))
        fail(p, "connection closed before the response");
    else if (p->state <= ST_END_LF)
        fail(p, "connection closed in the response headers");
    else if (p->state < ST_DONE)
        fail(p, "connection closed before the response body completed");
    return rc_of(p);
}
