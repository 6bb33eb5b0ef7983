/*
 * net/test_h1parse.c — the incremental HTTP/1.1 response parser
 * (harness/net/h1parse.c). Each case is a response (its head, its body, and
 * bytes after it that belong to no request) with what the parser must
 * find; every case must come out the same whole, fed one byte at a time,
 * and cut into two or three pieces at every place, since a socket may
 * split a response anywhere. The same for whole answers kept (h1p.keep):
 * the final response's head (1xx heads dropped) and its de-chunked body
 * up to a limit, a NUL after them at every step, buffers reused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/h1parse.h"

struct tcase {
    const char *name;
    const char *head;  /* status lines and headers: header_bytes */
    const char *body;  /* what follows up to the end: body_bytes */
    const char *after; /* bytes after the response, left unused */
    bool head_req;     /* the request was HEAD */
    bool peek_2xx;     /* keep the start of 2xx bodies too */
    const char *node_header;
    bool eof; /* the peer closes after the bytes */
    enum h1p_rc rc;
    int status, minor;
    bool keep_alive;
    const char *node; /* NULL: node_len 0 */
    bool has_ra;      /* else retry_after_s must be -1 */
    int retry_after_s;
    const char *peek; /* NULL: peek_len 0 */
    const char *error;
};

#define OK(s, m, ka) .rc = H1P_DONE, .status = (s), .minor = (m), .keep_alive = (ka)
#define RA(s) .has_ra = true, .retry_after_s = (s)
#define ERR(msg) .rc = H1P_ERROR, .error = (msg)

#define WSO2_429                                                                                   \
    "{\"fault\":{\"code\":900802,\"message\":\"Message throttled out\",\"description\":\"You "     \
    "have exceeded your quota .nextAccessTime : 2025-Jan-01 10:00:00+0000 UTC\","                  \
    "\"nextAccessTime\":1735725600000}}"

static const struct tcase cases[] = {
    /* Content-Length */
    {"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\n",
     "hello", "", OK(200, 1, true)},
    {"content-length 0", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "", "", OK(200, 1, true)},
    {"content-length any case, OWS", "HTTP/1.1 201 Created\r\ncOnTeNt-LeNgTh:\t 3 \t\r\n\r\n",
     "abc", "", OK(201, 1, true)},
    {"content-length same twice",
     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n", "ok", "",
     OK(200, 1, true)},
    {"content-length same list", "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\n", "ok", "",
     OK(200, 1, true)},
    {"bare LF line ends", "HTTP/1.1 200 OK\nContent-Length: 3\nServer: x\n\n", "abc", "",
     OK(200, 1, true)},
    {"no reason phrase", "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\n", "hi", "", OK(200, 1, true)},
    {"empty reason phrase", "HTTP/1.1 404 \r\nContent-Length: 2\r\n\r\n", "no", "",
     OK(404, 1, true), .peek = "no"},
    {"status 999", "HTTP/1.1 999 Request denied\r\nContent-Length: 0\r\n\r\n", "", "",
     OK(999, 1, true)},
    {"HTTP/1.9", "HTTP/1.9 200 OK\r\nContent-Length: 0\r\n\r\n", "", "", OK(200, 9, true)},
    {"long uninteresting header",
     "HTTP/1.1 200 OK\r\nSet-Cookie: "
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\r\n"
     "A-Very-Long-Header-Name-That-Is-Longer-Than-Sixty-Four-Bytes-For-Sure-Yes: 1\r\n"
     "Content-Length: 1\r\n\r\n",
     "x", "", OK(200, 1, true)},

    /* chunked */
    {"chunked with extensions and trailers",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
     "5\r\nhello\r\n6;name=val;x=\"q;\\\"\"\r\n world\r\nA \t;ext\r\n0123456789\r\n"
     "0;last\r\nX-Trailer: t\r\nOther: u\r\n\r\n",
     "", OK(200, 1, true)},
    {"chunked, bare LF", "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n", "5\nhello\n0\n\n", "",
     OK(200, 1, true)},
    {"chunked, hex and leading zeros", "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n",
     "0001f\r\n0123456789abcdef0123456789abcd\r\n00\r\n\r\n", "", OK(200, 1, true)},
    {"chunked after gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
     "2\r\nzz\r\n0\r\n\r\n", "", OK(200, 1, true)},
    {"chunked in a later line",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
     "2\r\nzz\r\n0\r\n\r\n", "", OK(200, 1, true)},
    {"chunked wins over content-length",
     "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n",
     "3\r\nabc\r\n0\r\n\r\n", "", OK(200, 1, true)},
    {"chunked, not final: until close",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\nContent-Length: 3\r\n\r\n",
     "compressed bytes", "", .eof = true, OK(200, 1, false)},

    /* delimited by close */
    {"until close", "HTTP/1.1 200 OK\r\nServer: old\r\n\r\n", "all of it, until the end", "",
     .eof = true, OK(200, 1, false)},
    {"until close, empty", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", "", "", .eof = true,
     OK(200, 1, false)},

    /* no body */
    {"HEAD with content-length", "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", "", "",
     .head_req = true, OK(200, 1, true)},
    {"HEAD with chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "", "",
     .head_req = true, OK(200, 1, true)},
    {"HEAD without length", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", "", "",
     .head_req = true, OK(200, 0, true)},
    {"204", "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n", "", "", OK(204, 1, true)},
    {"304", "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\nTransfer-Encoding: chunked\r\n\r\n", "",
     "", OK(304, 1, true)},

    /* interim responses */
    {"100-continue then 200",
     "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", "ok", "",
     OK(200, 1, true)},
    {"103 then 200, hints forgotten",
     "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\nX-Node: hint\r\n"
     "Retry-After: 5\r\nConnection: close\r\nContent-Length: 9\r\n\r\n"
     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n",
     "ok", "", .node_header = "X-Node", OK(200, 1, true)},
    {"100, 102, 103 then 429",
     "HTTP/1.1 100 Continue\n\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\n"
     "Link: </a>\r\n\r\nHTTP/1.1 429 Too Many Requests\r\nContent-Length: 4\r\nX-Node: b\r\n\r\n",
     "{ab}", "", .node_header = "X-Node", OK(429, 1, true), .node = "b", .peek = "{ab}"},

    /* HTTP/1.0 and Connection */
    {"HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n", "ok", "", OK(200, 0, false)},
    {"HTTP/1.0 keep-alive",
     "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\n", "ok", "",
     OK(200, 0, true)},
    {"HTTP/1.0 keep-alive until close", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", "rest",
     "", .eof = true, OK(200, 0, false)},
    {"HTTP/1.0 keep-alive and close",
     "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
     "", "", OK(200, 0, false)},
    {"Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n", "ok",
     "", OK(200, 1, false)},
    {"Connection list with close", "HTTP/1.1 200 OK\r\nConnection: Upgrade,, CLOSE \r\n\r\n", "",
     "", .eof = true, OK(200, 1, false)},
    {"Connection: closed is not close",
     "HTTP/1.1 200 OK\r\nConnection: closed, xclose\r\nContent-Length: 0\r\n\r\n", "", "",
     OK(200, 1, true)},

    /* node header */
    {"node header", "HTTP/1.1 200 OK\r\nX-Node:   gw-1 \t\r\nContent-Length: 0\r\n\r\n", "", "",
     .node_header = "X-Node", OK(200, 1, true), .node = "gw-1"},
    {"node header absent", "HTTP/1.1 200 OK\r\nX-Nodes: a\r\nX-Nod: b\r\nContent-Length: 0\r\n\r\n",
     "", "", .node_header = "X-Node", OK(200, 1, true)},
    {"node header other case",
     "HTTP/1.1 200 OK\r\nX-SERVED-BY: Node-B\r\nContent-Length: 0\r\n\r\n", "", "",
     .node_header = "x-served-by", OK(200, 1, true), .node = "Node-B"},
    {"node header, last wins", "HTTP/1.1 200 OK\r\nX-Node: one\r\nx-node: two\r\n\r\n", "", "",
     .head_req = true, .node_header = "X-Node", OK(200, 1, true), .node = "two"},
    {"node header empty", "HTTP/1.1 200 OK\r\nX-Node: \r\nContent-Length: 0\r\n\r\n", "", "",
     .node_header = "X-Node", OK(200, 1, true)},
    {"node header too long",
     "HTTP/1.1 200 OK\r\nX-Node: "
     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdefTAIL\r\n\r\n",
     "", "", .head_req = true, .node_header = "X-Node", OK(200, 1, true),
     .node = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"},
    {"node header is Connection",
     "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", "", "",
     .node_header = "connection", OK(200, 1, false), .node = "close"},
    {"node header not asked", "HTTP/1.1 200 OK\r\nX-Node: gw-1\r\nContent-Length: 0\r\n\r\n", "",
     "", OK(200, 1, true)},

    /* Retry-After and 429 */
    {"Retry-After seconds", "HTTP/1.1 503 Busy\r\nRetry-After: 120\r\nContent-Length: 0\r\n\r\n",
     "", "", OK(503, 1, true), RA(120)},
    {"Retry-After date",
     "HTTP/1.1 429 Too Many Requests\r\nRetry-After: Fri, 31 Dec 1999 23:59:59 GMT\r\n"
     "Content-Length: 0\r\n\r\n",
     "", "", OK(429, 1, true), RA(0)},
    {"Retry-After huge",
     "HTTP/1.1 429 x\r\nRetry-After: 99999999999999999999999999999999999\r\n"
     "Content-Length: 0\r\n\r\n",
     "", "", OK(429, 1, true), RA(INT_MAX)},
    {"429 WSO2 JSON in chunks",
     "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json; charset=UTF-8\r\n"
     "Transfer-Encoding: chunked\r\nRetry-After: 60\r\n\r\n",
     "1\r\n{\r\n10;ext=1\r\n\"fault\":{\"code\":\r\n"
     "a6\r\n900802,\"message\":\"Message throttled out\",\"description\":\"You have exceeded your "
     "quota .nextAccessTime : 2025-Jan-01 10:00:00+0000 UTC\",\"nextAccessTime\":1735725600000}}"
     "\r\n0\r\n\r\n",
     "", OK(429, 1, true), RA(60), .peek = WSO2_429},
    {"429 WSO2 JSON with length", "HTTP/1.1 429 Too Many Requests\r\nContent-Length: 183\r\n\r\n",
     WSO2_429, "", OK(429, 1, true), .peek = WSO2_429},
    {"200 body not peeked", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n", "body", "",
     OK(200, 1, true)},
    {"200 body peeked when asked", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n", "body", "",
     .peek_2xx = true, OK(200, 1, true), .peek = "body"},
    /* every answer that is not a 2xx: WSO2's fault codes and what it said */
    {"503 WSO2 fault in chunks",
     "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n",
     "17\r\n{\"fault\":{\"code\":101503\r\n2e\r\n,\"message\":\"Runtime Error\",\"description\":"
     "\"x\"}}\r\n0\r\n\r\n",
     "", OK(503, 1, true),
     .peek = "{\"fault\":{\"code\":101503,\"message\":\"Runtime Error\",\"description\":\"x\"}}"},
    {"302 body peeked", "HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 5\r\n\r\n", "moved",
     "", OK(302, 1, true), .peek = "moved"},
    {"502 delimited by close", "HTTP/1.1 502 Bad Gateway\r\n\r\n", "<html>bad</html>", "",
     .eof = true, OK(502, 1, false), .peek = "<html>bad</html>"},

    /* bytes after the end are left */
    {"after content-length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", "ok",
     "HTTP/1.1 200 OK\r\n\r\n", OK(200, 1, true)},
    {"after chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
     "1\r\nx\r\n0\r\n\r\n", "\r\n", OK(200, 1, true)},
    {"after 204", "HTTP/1.1 204 No Content\r\n\r\n", "", "junk", OK(204, 1, true)},
    {"after HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "", "hello", .head_req = true,
     OK(200, 1, true)},

    /* malformed status lines */
    {"HTTP/2", "HTTP/2 200 OK\r\n\r\n", "", "", ERR("malformed status line")},
    {"HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n", "", "", ERR("malformed status line")},
    {"lowercase http", "http/1.1 200 OK\r\n\r\n", "", "", ERR("malformed status line")},
    {"not HTTP", "ICY 200 OK\r\n\r\n", "", "", ERR("malformed status line")},
    {"minor not a digit", "HTTP/1.x 200 OK\r\n\r\n", "", "", ERR("malformed status line")},
    {"two digit status", "HTTP/1.1 20 OK\r\n\r\n", "", "", ERR("malformed status line")},
    {"four digit status", "HTTP/1.1 2000 OK\r\n\r\n", "", "", ERR("malformed status line")},
    {"status below 100", "HTTP/1.1 099 Low\r\n\r\n", "", "", ERR("malformed status line")},
    {"two spaces", "HTTP/1.1  200 OK\r\n\r\n", "", "", ERR("malformed status line")},
    {"leading empty line", "\r\nHTTP/1.1 200 OK\r\n\r\n", "", "", ERR("malformed status line")},
    {"status letters", "HTTP/1.1 2x0 OK\r\n\r\n", "", "", ERR("malformed status line")},
    {"101", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", "", "",
     ERR("unexpected 101 Switching Protocols (no upgrade was asked for)")},

    /* malformed headers */
    {"space in name", "HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n", "", "",
     ERR("malformed header line")},
    {"space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\n", "", "",
     ERR("malformed header line")},
    {"no colon", "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", "", "", ERR("malformed header line")},
    {"empty name", "HTTP/1.1 200 OK\r\n: value\r\n\r\n", "", "", ERR("malformed header line")},
    {"obsolete folding", "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\n\r\n", "", "",
     ERR("obsolete line folding in the response headers")},
    {"CR without LF at the end", "HTTP/1.1 200 OK\r\n\rX", "", "",
     ERR("malformed end of the response headers")},
    {"content-length garbage", "HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n", "", "",
     ERR("malformed Content-Length")},
    {"content-length negative", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "", "",
     ERR("malformed Content-Length")},
    {"content-length empty", "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n", "", "",
     ERR("malformed Content-Length")},
    {"content-length inner space", "HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n", "", "",
     ERR("malformed Content-Length")},
    {"content-length too long",
     "HTTP/1.1 200 OK\r\nContent-Length: 000000000000000000000000000000000001\r\n\r\n", "", "",
     ERR("malformed Content-Length")},
    {"content-length overflow", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
     "", "", ERR("Content-Length too large")},
    {"content-length conflicting",
     "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "", "",
     ERR("conflicting Content-Length values")},
    {"content-length conflicting list", "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n", "", "",
     ERR("conflicting Content-Length values")},
    {"content-length in a 1xx", "HTTP/1.1 100 Continue\r\nContent-Length: x\r\n\r\n", "", "",
     ERR("malformed Content-Length")},
    {"transfer-encoding empty", "HTTP/1.1 200 OK\r\nTransfer-Encoding: , \r\n\r\n", "", "",
     ERR("malformed Transfer-Encoding")},
    {"transfer-encoding in HTTP/1.0",
     "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n", "", "",
     ERR("Transfer-Encoding in an HTTP/1.0 response")},

    /* malformed chunked bodies */
    {"chunk size not hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "", "",
     ERR("malformed chunk size")},
    {"chunk size empty", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", "", "",
     ERR("malformed chunk size")},
    {"chunk size then junk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\n", "", "",
     ERR("malformed chunk size")},
    {"chunk size CR without LF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\rhello",
     "", "", ERR("malformed chunk size")},
    {"chunk size overflow",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", "", "",
     ERR("chunk size too large")},
    {"chunk longer than its size",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n", "", "",
     ERR("chunk data longer than its size")},
    {"chunk data CR without LF",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\r0\r\n\r\n", "", "",
     ERR("chunk data longer than its size")},
    {"trailer end CR without LF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\rX",
     "", "", ERR("malformed chunked trailer section")},

    /* cut short by the peer, or not yet complete */
    {"closed before any byte", "", "", "", .eof = true,
     ERR("connection closed before the response")},
    {"closed in the status line", "HTTP/1.1 2", "", "", .eof = true,
     ERR("connection closed in the response headers")},
    {"closed after a 100", "HTTP/1.1 100 Continue\r\n\r\n", "", "", .eof = true,
     ERR("connection closed in the response headers")},
    {"closed in the headers", "HTTP/1.1 200 OK\r\nContent-Len", "", "", .eof = true,
     ERR("connection closed in the response headers")},
    {"closed in a length body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "", "",
     .eof = true, ERR("connection closed before the response body completed")},
    {"closed in a chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", "", "",
     .eof = true, ERR("connection closed before the response body completed")},
    {"closed before the trailers end",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n", "", "", .eof = true,
     ERR("connection closed before the response body completed")},
    {"more to come", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", "abc", "", .rc = H1P_MORE,
     .status = 200, .minor = 1, .keep_alive = true},
};

/* What one run of the parser over a case, cut at some places, gave. */
struct outcome {
    enum h1p_rc rc;
    size_t used; /* bytes consumed in all, up to the response's end */
    bool started;
    struct h1p p;
};

/* Parses in (len bytes) fed in pieces ending at cuts[0..ncuts) and len,
 * then tells the parser of the close when the case says so. */
static struct outcome run(const struct tcase *c, const char *in, size_t len, const size_t *cuts,
                          size_t ncuts)
{
    struct outcome o = {.rc = H1P_MORE};
    h1p_reset(&o.p, c->node_header, c->node_header ? strlen(c->node_header) : 0, c->head_req);
    o.p.peek_2xx = c->peek_2xx;
    assert_false(h1p_started(&o.p));
    for (size_t i = 0; i <= ncuts && o.rc == H1P_MORE; i++) {
        size_t to = i < ncuts ? cuts[i] : len, used = SIZE_MAX;
        o.rc = h1p_feed(&o.p, in + o.used, to - o.used, &used);
        if (o.rc == H1P_MORE)
            assert_int_equal(used, to - o.used);
        if (o.rc != H1P_ERROR) {
            o.used += used;
            assert_int_equal(o.p.node[o.p.node_len], '\0'); /* a string at every step */
        }
        if (to > 0 && o.rc != H1P_ERROR && !o.started)
            o.started = h1p_started(&o.p);
    }
    if (o.rc == H1P_MORE && c->eof)
        o.rc = h1p_eof(&o.p);
    return o;
}

/* Whether o differs from what c expects; the first difference in why. */
static bool mismatch(const struct tcase *c, const struct outcome *o, char *why, size_t n)
{
    const struct h1p *p = &o->p;
    size_t hl = strlen(c->head), bl = strlen(c->body);
    if (o->rc != c->rc) {
        snprintf(why, n, "rc %d, want %d (error \"%s\")", o->rc, c->rc, p->error ? p->error : "");
        return true;
    }
    if (c->rc == H1P_ERROR) {
        if (!p->error || strcmp(p->error, c->error)) {
            snprintf(why, n, "error \"%s\", want \"%s\"", p->error ? p->error : "(none)", c->error);
            return true;
        }
        return false;
    }
    size_t want_node = c->node ? strlen(c->node) : 0, want_peek = c->peek ? strlen(c->peek) : 0;
    int want_ra = c->has_ra ? c->retry_after_s : -1;
    if (p->status != c->status || p->minor != c->minor || p->keep_alive != c->keep_alive)
        snprintf(why, n, "status %d minor %d keep_alive %d, want %d %d %d", p->status, p->minor,
                 p->keep_alive, c->status, c->minor, c->keep_alive);
    else if (p->header_bytes != hl || p->body_bytes != bl)
        snprintf(why, n, "header_bytes %llu body_bytes %llu, want %zu %zu",
                 (unsigned long long)p->header_bytes, (unsigned long long)p->body_bytes, hl, bl);
    else if (o->used != hl + bl)
        snprintf(why, n, "used %zu, want %zu", o->used, hl + bl);
    else if (p->node_len != want_node || strlen(p->node) != want_node ||
             (want_node && strcmp(p->node, c->node)))
        snprintf(why, n, "node \"%s\" (%zu), want \"%s\"", p->node, p->node_len,
                 c->node ? c->node : "");
    else if (p->retry_after_s != want_ra)
        snprintf(why, n, "retry_after_s %d, want %d", p->retry_after_s, want_ra);
    else if (p->peek_len != want_peek || memcmp(p->peek, c->peek ? c->peek : "", want_peek))
        snprintf(why, n, "peek %zu bytes \"%.*s\", want %zu", p->peek_len, (int)p->peek_len,
                 p->peek, want_peek);
    else if (p->error)
        snprintf(why, n, "error \"%s\" without H1P_ERROR", p->error);
    else if (o->started != (hl + bl > 0))
        snprintf(why, n, "h1p_started %d", o->started);
    else
        return false;
    return true;
}

static void check(const struct tcase *c, const char *in, size_t len, const size_t *cuts,
                  size_t ncuts)
{
    struct outcome o = run(c, in, len, cuts, ncuts);
    char why[256];
    if (!mismatch(c, &o, why, sizeof why))
        return;
    char where[64] = "whole";
    if (ncuts == len && len > 1)
        snprintf(where, sizeof where, "one byte at a time");
    else if (ncuts == 1)
        snprintf(where, sizeof where, "cut at %zu", cuts[0]);
    else if (ncuts == 2)
        snprintf(where, sizeof where, "cut at %zu and %zu", cuts[0], cuts[1]);
    fail_msg("case \"%s\", %s: %s", c->name, where, why);
}

/* Inputs up to this long are also cut into three pieces every way. */
#define THREE_PIECES_MAX 400

/* The case whole, byte by byte, and in every two-piece (and for short
 * inputs every three-piece) split. */
static void check_splits(const struct tcase *c, const char *in, size_t len)
{
    check(c, in, len, NULL, 0);
    size_t *cuts = malloc((len + 1) * sizeof *cuts);
    assert_non_null(cuts);
    for (size_t i = 0; i < len; i++)
        cuts[i] = i + 1;
    check(c, in, len, cuts, len);
    for (size_t i = 0; i <= len; i++)
        check(c, in, len, &i, 1);
    if (len <= THREE_PIECES_MAX)
        for (size_t i = 0; i <= len; i++)
            for (size_t j = i; j <= len; j++)
                check(c, in, len, (size_t[]){i, j}, 2);
    free(cuts);
}

static char *concat(const struct tcase *c, size_t *len)
{
    size_t hl = strlen(c->head), bl = strlen(c->body), al = strlen(c->after);
    char *in = malloc(hl + bl + al + 1);
    assert_non_null(in);
    memcpy(in, c->head, hl);
    memcpy(in + hl, c->body, bl);
    memcpy(in + hl + bl, c->after, al + 1);
    *len = hl + bl + al;
    return in;
}

static void battery(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        char *in = concat(&cases[i], &len);
        check_splits(&cases[i], in, len);
        free(in);
    }
}

/* The WSO2 body is the length its Content-Length case says. */
static void wso2_body_length(void **state)
{
    (void)state;
    assert_int_equal(strlen(WSO2_429), 183);
}

/* A response after the end is left for the caller, and feeding more
 * after H1P_DONE takes nothing; a reset parser reads the next one. */
static void bytes_after_the_end(void **state)
{
    (void)state;
    static const char two[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                              "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
    struct h1p p;
    size_t used;
    h1p_reset(&p, NULL, 0, false);
    assert_int_equal(h1p_feed(&p, two, sizeof two - 1, &used), H1P_DONE);
    assert_int_equal(used, 40);
    assert_int_equal(p.status, 200);
    assert_int_equal(h1p_feed(&p, two + used, sizeof two - 1 - used, &used), H1P_DONE);
    assert_int_equal(used, 0);
    assert_int_equal(h1p_eof(&p), H1P_DONE);
    h1p_reset(&p, NULL, 0, false);
    assert_int_equal(h1p_feed(&p, two + 40, sizeof two - 1 - 40, &used), H1P_DONE);
    assert_int_equal(used, sizeof two - 1 - 40);
    assert_int_equal(p.status, 404);
    assert_true(p.keep_alive);
}

/* After an error, every call repeats it. */
static void error_sticks(void **state)
{
    (void)state;
    struct h1p p;
    size_t used;
    h1p_reset(&p, NULL, 0, false);
    assert_int_equal(h1p_feed(&p, "XTTP", 4, &used), H1P_ERROR);
    const char *msg = p.error;
    assert_int_equal(h1p_feed(&p, "HTTP/1.1 200 OK\r\n\r\n", 19, &used), H1P_ERROR);
    assert_int_equal(h1p_eof(&p), H1P_ERROR);
    assert_ptr_equal(p.error, msg);
}

/* A head of exactly H1P_HEADERS_MAX bytes is read; one byte more is not.
 * Fed whole, byte by byte, and cut in a few places (every cut of 64 KiB
 * would be slow for what it adds). */
static void size_limits(void **state)
{
    (void)state;
    static const char start[] = "HTTP/1.1 200 OK\r\nX-Pad: ";
    static const char end[] = "\r\nContent-Length: 0\r\n\r\n";
    size_t cap = H1P_HEADERS_MAX + 64;
    char *in = malloc(cap);
    assert_non_null(in);
    for (int extra = 0; extra <= 1; extra++) {
        size_t pad = H1P_HEADERS_MAX - (sizeof start - 1) - (sizeof end - 1) + (size_t)extra;
        memcpy(in, start, sizeof start - 1);
        memset(in + sizeof start - 1, 'p', pad);
        memcpy(in + sizeof start - 1 + pad, end, sizeof end);
        size_t len = strlen(in);
        assert_int_equal(len, H1P_HEADERS_MAX + (size_t)extra);
        struct tcase ok = {"head at the limit", in, "", "", OK(200, 1, true)};
        struct tcase big = {"head over the limit", in, "", "", ERR("response headers too large")};
        const struct tcase *c = extra ? &big : &ok;
        check(c, in, len, NULL, 0);
        size_t *cuts = malloc(len * sizeof *cuts);
        assert_non_null(cuts);
        for (size_t i = 0; i < len; i++)
            cuts[i] = i + 1;
        check(c, in, len, cuts, len);
        free(cuts);
        for (size_t i = 0; i <= len; i += 4099)
            check(c, in, len, &i, 1);
    }

    free(in);
}

/* Long trailers and chunk-size lines meet the same limit. */
static void framing_limits(void **state)
{
    (void)state;
    static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    size_t cap = sizeof head + H1P_HEADERS_MAX + 64;
    char *in = malloc(cap);
    assert_non_null(in);
    /* "1;xxx...\r\n" of exactly the limit, then "x\r\n0\r\n\r\n" */
    size_t n = sizeof head - 1;
    memcpy(in, head, n);
    memcpy(in + n, "1;", 2);
    memset(in + n + 2, 'e', H1P_HEADERS_MAX - 4);
    memcpy(in + n + H1P_HEADERS_MAX - 2, "\r\nx\r\n0\r\n\r\n", 11);
    struct tcase ok = {"chunk line at the limit", head, in + n, "", OK(200, 1, true)};
    check(&ok, in, strlen(in), NULL, 0);
    memset(in + n + 2, 'e', H1P_HEADERS_MAX - 3);
    memcpy(in + n + H1P_HEADERS_MAX - 1, "\r\nx\r\n0\r\n\r\n", 11);
    struct tcase big = {"chunk line over", "", "", "", ERR("chunk-size line too long")};
    check(&big, in, strlen(in), NULL, 0);

    /* trailers: "0\r\n" then one field line, then the empty line */
    memcpy(in + n, "0\r\nT: ", 6);
    size_t pad = H1P_HEADERS_MAX - 7; /* "T: ", pad, "\r\n\r\n" */
    memset(in + n + 6, 't', pad);
    memcpy(in + n + 6 + pad, "\r\n\r\n", 5);
    struct tcase tok = {"trailers at the limit", head, in + n, "", OK(200, 1, true)};
    check(&tok, in, strlen(in), NULL, 0);
    memset(in + n + 6, 't', pad + 1);
    memcpy(in + n + 7 + pad, "\r\n\r\n", 5);
    struct tcase tbig = {"trailers over", "", "", "", ERR("response trailers too large")};
    check(&tbig, in, strlen(in), NULL, 0);
    free(in);
}

/* Each 1xx is a head of its own, with its own limit: three of nearly
 * H1P_HEADERS_MAX bytes before the final response are fine. */
static void interim_limits(void **state)
{
    (void)state;
    static const char hint[] = "HTTP/1.1 103 Early Hints\r\nLink: ";
    static const char final[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    size_t each = H1P_HEADERS_MAX - 100, n = 0;
    char *in = malloc(3 * H1P_HEADERS_MAX + sizeof final);
    assert_non_null(in);
    for (int i = 0; i < 3; i++) {
        memcpy(in + n, hint, sizeof hint - 1);
        memset(in + n + sizeof hint - 1, 'l', each - (sizeof hint - 1) - 4);
        memcpy(in + n + each - 4, "\r\n\r\n", 4);
        n += each;
    }
    memcpy(in + n, final, sizeof final);
    struct tcase c = {"three big 103s", in, "", "", OK(200, 1, true)};
    check(&c, in, strlen(in), NULL, 0);
    for (size_t i = 0; i <= strlen(in); i += 997)
        check(&c, in, strlen(in), &i, 1);
    free(in);
}

/* A body longer than the peek (a 429's) keeps its first H1P_PEEK_BYTES. */
static void long_peek(void **state)
{
    (void)state;
    char body[600], peek[H1P_PEEK_BYTES + 1];
    for (size_t i = 0; i < sizeof body - 1; i++)
        body[i] = (char)('a' + i % 26);
    body[sizeof body - 1] = '\0';
    memcpy(peek, body, H1P_PEEK_BYTES);
    peek[H1P_PEEK_BYTES] = '\0';
    struct tcase c = {"long 429",
                      "HTTP/1.1 429 Too Many Requests\r\nContent-Length: 599\r\n\r\n",
                      body,
                      "",
                      OK(429, 1, true),
                      .peek = peek};
    size_t len;
    char *in = concat(&c, &len);
    check_splits(&c, in, len);
    free(in);
}

/* ---- keeping the whole answer (h1p.keep) ---- */

struct kcase {
    const char *name;
    const char *in; /* the whole stream: the answer and nothing after it */
    bool head_req, eof;
    size_t limit;
    int status;
    const char *head; /* the final response's head as kept */
    const char *body; /* the body as kept (de-chunked, cut at limit) */
    bool truncated;
};

#define CHUNKED "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
static const struct kcase kcases[] = {
    {"content-length",
     "HTTP/1.1 201 Created\r\nContent-Length: 11\r\nETag: \"x\"\r\n\r\n{\"id\":\"c1\"}",
     .limit = 1024, .status = 201,
     .head = "HTTP/1.1 201 Created\r\nContent-Length: 11\r\nETag: \"x\"\r\n\r\n",
     .body = "{\"id\":\"c1\"}"},
    {"chunked, extensions and trailers",
     CHUNKED
     "4;a=b\r\n{\"id\r\n3 ;x=\"y;z\"\r\n\":\"\r\n4\r\nc1\"}\r\n0;last\r\nX-T: 1\r\nY: 2\r\n\r\n",
     .limit = 1024, .status = 200, .head = CHUNKED, .body = "{\"id\":\"c1\"}"},
    {"chunked, cut at the limit across chunks", CHUNKED "4\r\nabcd\r\n4\r\nefgh\r\n0\r\n\r\n",
     .limit = 6, .status = 200, .head = CHUNKED, .body = "abcdef", .truncated = true},
    {"limit exactly the size", CHUNKED "4\r\nabcd\r\n4\r\nefgh\r\n0\r\n\r\n", .limit = 8,
     .status = 200, .head = CHUNKED, .body = "abcdefgh"},
    {"limit one less", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", .limit = 4,
     .status = 200, .head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", .body = "hell",
     .truncated = true},
    {"limit 0: the head only", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", .limit = 0,
     .status = 200, .head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", .body = "",
     .truncated = true},
    {"limit 0, empty body", "HTTP/1.1 204 No Content\r\n\r\n", .limit = 0, .status = 204,
     .head = "HTTP/1.1 204 No Content\r\n\r\n", .body = ""},
    {"close-delimited", "HTTP/1.0 200 OK\r\n\r\nuntil the end", .eof = true, .limit = 100,
     .status = 200, .head = "HTTP/1.0 200 OK\r\n\r\n", .body = "until the end"},
    {"HEAD: no body whatever the headers say", "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n",
     .head_req = true, .limit = 100, .status = 200,
     .head = "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n", .body = ""},
    {"100-continue and 103 before the answer",
     "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
     "HTTP/1.1 201 Created\r\nLocation: /c/1\r\nContent-Length: 2\r\n\r\nok",
     .limit = 100, .status = 201,
     .head = "HTTP/1.1 201 Created\r\nLocation: /c/1\r\nContent-Length: 2\r\n\r\n", .body = "ok"},
    {"LF only", "HTTP/1.1 500 Oops\nContent-Length: 3\n\nbad", .limit = 100, .status = 500,
     .head = "HTTP/1.1 500 Oops\nContent-Length: 3\n\n", .body = "bad"},
};

/* Runs a keep case fed in pieces ending at cuts[0..ncuts) and at the end,
 * into k (reused: emptied by h1p_keep_begin). After every piece, what is
 * kept is followed by a NUL. */
static void kcheck(const struct kcase *c, struct h1p_keep *k, const size_t *cuts, size_t ncuts,
                   const char *where)
{
    size_t len = strlen(c->in), used_all = 0;
    struct h1p p;
    h1p_reset(&p, NULL, 0, c->head_req);
    h1p_keep_begin(&p, k, c->limit);
    enum h1p_rc rc = H1P_MORE;
    for (size_t i = 0; i <= ncuts && rc == H1P_MORE; i++) {
        size_t to = i < ncuts ? cuts[i] : len, used = 0;
        rc = h1p_feed(&p, c->in + used_all, to - used_all, &used);
        used_all += used;
        if ((k->head && k->head[k->head_len]) || (k->body && k->body[k->body_len]))
            fail_msg("case \"%s\", %s: no NUL after the kept bytes after %zu", c->name, where, to);
    }
    if (rc == H1P_MORE && c->eof)
        rc = h1p_eof(&p);
    if (rc != H1P_DONE || p.status != c->status)
        fail_msg("case \"%s\", %s: rc %d status %d (%s)", c->name, where, rc, p.status,
                 p.error ? p.error : "");
    size_t hl = strlen(c->head), bl = strlen(c->body);
    if (k->head_len != hl || memcmp(k->head, c->head, hl) || k->head[hl])
        fail_msg("case \"%s\", %s: head %zu bytes \"%.*s\"", c->name, where, k->head_len,
                 (int)k->head_len, k->head ? k->head : "");
    if (k->body_len != bl || (bl && memcmp(k->body, c->body, bl)) || (k->body && k->body[bl]))
        fail_msg("case \"%s\", %s: body %zu bytes \"%.*s\"", c->name, where, k->body_len,
                 (int)k->body_len, k->body ? k->body : "");
    if (k->truncated != c->truncated || k->oom)
        fail_msg("case \"%s\", %s: truncated %d oom %d", c->name, where, k->truncated, k->oom);
}

/* Every keep case whole, byte by byte, cut in two everywhere and in three
 * everywhere, into one h1p_keep whose buffers, once grown, are reused. */
static void keep_answers(void **state)
{
    (void)state;
    struct h1p_keep k = {0};
    for (size_t i = 0; i < sizeof kcases / sizeof kcases[0]; i++) {
        const struct kcase *c = &kcases[i];
        size_t len = strlen(c->in);
        kcheck(c, &k, NULL, 0, "whole");
        const char *head = k.head, *body = k.body;
        size_t *cuts = malloc((len + 1) * sizeof *cuts);
        assert_non_null(cuts);
        for (size_t j = 0; j < len; j++)
            cuts[j] = j + 1;
        kcheck(c, &k, cuts, len, "one byte at a time");
        free(cuts);
        char where[64];
        for (size_t a = 0; a <= len; a++) {
            snprintf(where, sizeof where, "cut at %zu", a);
            kcheck(c, &k, &a, 1, where);
            for (size_t b = a; b <= len; b++) {
                snprintf(where, sizeof where, "cut at %zu and %zu", a, b);
                kcheck(c, &k, (size_t[]){a, b}, 2, where);
            }
        }
        /* small answers fit the first buffers: never moved */
        assert_ptr_equal(k.head, head);
        assert_ptr_equal(k.body, body);
    }
    h1p_keep_free(&k);
    assert_null(k.head);
    assert_null(k.body);
    assert_int_equal(k.head_cap + k.body_cap + k.head_len + k.body_len, 0);
}

/* A body larger than the first buffer grows it (de-chunked, every byte
 * in order); cleared, the grown buffer is kept for the next answer. */
static void keep_grows_and_is_reused(void **state)
{
    (void)state;
    enum { N = 100000 };
    char *in = malloc(N + 200), *want = malloc(N);
    assert_non_null(in);
    assert_non_null(want);
    size_t n = (size_t)snprintf(in, 200, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    size_t body = 0;
    for (size_t chunk = 1; body + chunk <= N - 20; chunk = chunk * 3 + 1) {
        n += (size_t)snprintf(in + n, 20, "%zx\r\n", chunk);
        for (size_t i = 0; i < chunk; i++, body++)
            in[n++] = want[body] = (char)('a' + (body * 7) % 26);
        in[n++] = '\r';
        in[n++] = '\n';
    }
    memcpy(in + n, "0\r\n\r\n", 5);
    n += 5;
    struct h1p_keep k = {0};
    struct h1p p;
    for (int round = 0; round < 2; round++) {
        h1p_reset(&p, NULL, 0, false);
        h1p_keep_begin(&p, &k, 1u << 20);
        size_t used = 0, off = 0;
        enum h1p_rc rc = H1P_MORE;
        while (rc == H1P_MORE && off < n) { /* in pieces of 1000 bytes */
            size_t piece = n - off < 1000 ? n - off : 1000;
            rc = h1p_feed(&p, in + off, piece, &used);
            off += used;
        }
        assert_int_equal(rc, H1P_DONE);
        assert_int_equal(k.body_len, body);
        assert_memory_equal(k.body, want, body);
        assert_int_equal(k.body[body], '\0');
        assert_false(k.truncated);
        char *grown = k.body;
        size_t cap = k.body_cap;
        h1p_keep_clear(&k, 10);
        assert_int_equal(k.body_len + k.head_len, 0);
        assert_ptr_equal(k.body, grown);
        assert_int_equal(k.body_cap, cap);
        assert_string_equal(k.body, "");
        assert_string_equal(k.head, "");
    }
    h1p_keep_free(&k);
    free(in);
    free(want);
}

/* Without h1p_keep_begin nothing is kept (h1p_reset forgets keep); the
 * functions a transport with its own parser calls (libcurl's). */
static void keep_by_hand(void **state)
{
    (void)state;
    struct h1p_keep k = {0};
    struct h1p p;
    h1p_reset(&p, NULL, 0, false);
    assert_null(p.keep);
    h1p_keep_begin(&p, &k, 4);
    assert_ptr_equal(p.keep, &k);
    h1p_reset(&p, NULL, 0, false);
    assert_null(p.keep);
    size_t used;
    const char in[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    assert_int_equal(h1p_feed(&p, in, sizeof in - 1, &used), H1P_DONE);
    assert_null(k.head);
    assert_null(k.body);

    h1p_keep_clear(&k, 4);
    h1p_keep_head(&k, "X: 1\r\n", 6);
    h1p_keep_head(&k, "Y: 2\r\n", 6);
    assert_string_equal(k.head, "X: 1\r\nY: 2\r\n");
    h1p_keep_body(&k, "abc", 3);
    assert_false(k.truncated);
    h1p_keep_body(&k, "", 0);
    assert_false(k.truncated);
    h1p_keep_body(&k, "de", 2);
    assert_true(k.truncated);
    assert_string_equal(k.body, "abcd");
    h1p_keep_body(&k, "f", 1);
    assert_int_equal(k.body_len, 4);
    h1p_keep_clear(&k, 4);
    assert_false(k.truncated);
    assert_int_equal(k.body_limit, 4);
    h1p_keep_free(&k);
    h1p_keep_free(&k); /* twice is fine */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(battery),
        cmocka_unit_test(wso2_body_length),
        cmocka_unit_test(bytes_after_the_end),
        cmocka_unit_test(error_sticks),
        cmocka_unit_test(size_limits),
        cmocka_unit_test(framing_limits),
        cmocka_unit_test(interim_limits),
        cmocka_unit_test(long_peek),
        cmocka_unit_test(keep_answers),
        cmocka_unit_test(keep_grows_and_is_reused),
        cmocka_unit_test(keep_by_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
