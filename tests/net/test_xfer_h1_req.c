/*
 * net/test_xfer_h1_req.c — the bytes of a request for the native transport.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/xfer_h1_req.h"
#include "scenario/scenario.h"

/* A mutable copy of a string literal, for the scenario's char * fields. */
#define S(lit) ((char[]){lit})

static struct scn_target target(char *host, int port, bool https, char *base)
{
    return (struct scn_target){
        .host = host, .port = port, .https = https, .base_path = base, .name = host};
}

/* head + body of the built request as one string (owned). */
static char *bytes(const struct h1req *r)
{
    char *s = malloc(r->head_len + r->body_len + 1);
    memcpy(s, r->head, r->head_len);
    if (r->body)
        memcpy(s + r->head_len, r->body, r->body_len);
    s[r->head_len + r->body_len] = '\0';
    return s;
}

static void check(const struct scn_request *rq, const struct scn_target *t,
                  const struct h1req_auth *au, const char *want)
{
    struct tpl_buf buf = {0};
    struct h1req out;
    assert_int_equal(h1req_build(rq, t, NULL, NULL, NULL, au, &buf, &out), 0);
    char *got = bytes(&out);
    assert_string_equal(got, want);
    free(got);
    tpl_buf_free(&buf);
}

static void get_with_headers(void **state)
{
    (void)state;
    struct scn_header h[] = {{.name = S("X-Test"), .value = S("one")},
                             {.name = S("X-Removed"), .value = S(" ")}};
    struct scn_request rq = {.method = S("GET"), .path = S("/a?q=1"), .headers = h, .n_headers = 2};
    struct scn_target t = target(S("127.0.0.9"), 8280, false, S("/base"));
    check(&rq, &t, NULL,
          "GET /base/a?q=1 HTTP/1.1\r\nHost: 127.0.0.9:8280\r\nAccept: */*\r\n"
          "X-Test: one\r\n\r\n");
}

static void default_port_and_ipv6(void **state)
{
    (void)state;
    struct scn_request rq = {.method = S("GET"), .path = S("/")};
    struct scn_target t = target(S("::1"), 443, true, S(""));
    check(&rq, &t, NULL, "GET / HTTP/1.1\r\nHost: [::1]\r\nAccept: */*\r\n\r\n");
    t = target(S("gw.example.com"), 8243, true, S(""));
    check(&rq, &t, NULL, "GET / HTTP/1.1\r\nHost: gw.example.com:8243\r\nAccept: */*\r\n\r\n");
}

/* With server_name the Host header carries the name the certificate is
 * verified for (as libcurl sends the URL's host), not the address. */
static void host_is_the_server_name(void **state)
{
    (void)state;
    struct scn_request rq = {.method = S("GET"), .path = S("/echo/1.0.0")};
    struct scn_target t = target(S("127.0.0.7"), 8243, true, S(""));
    t.server_name = S("localhost");
    check(&rq, &t, NULL, "GET /echo/1.0.0 HTTP/1.1\r\nHost: localhost:8243\r\nAccept: */*\r\n\r\n");
    t.port = 443;
    check(&rq, &t, NULL, "GET /echo/1.0.0 HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n");
}

static void own_host_accept_content_type(void **state)
{
    (void)state;
    struct scn_header h[] = {{.name = S("host"), .value = S("api.example.com")},
                             {.name = S("Accept"), .value = S("application/json")},
                             {.name = S("Content-Type"), .value = S("application/json")}};
    struct scn_request rq = {.method = S("POST"),
                             .path = S("/p"),
                             .headers = h,
                             .n_headers = 3,
                             .body = S("{}"),
                             .body_bytes = 2};
    struct scn_target t = target(S("127.0.0.9"), 8280, false, S(""));
    check(&rq, &t, NULL,
          "POST /p HTTP/1.1\r\nhost: api.example.com\r\nAccept: application/json\r\n"
          "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
}

static void bodies_and_lengths(void **state)
{
    (void)state;
    struct scn_target t = target(S("127.0.0.9"), 8280, false, S(""));
    struct scn_request put = {
        .method = S("PUT"), .path = S("/f"), .body = S("a=1"), .body_bytes = 3};
    check(&put, &t, NULL,
          "PUT /f HTTP/1.1\r\nHost: 127.0.0.9:8280\r\nAccept: */*\r\n"
          "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=1");
    struct scn_request empty = {.method = S("POST"), .path = S("/e")};
    check(&empty, &t, NULL,
          "POST /e HTTP/1.1\r\nHost: 127.0.0.9:8280\r\nAccept: */*\r\nContent-Length: 0\r\n\r\n");
    struct scn_request del = {.method = S("DELETE"), .path = S("/d")};
    check(&del, &t, NULL, "DELETE /d HTTP/1.1\r\nHost: 127.0.0.9:8280\r\nAccept: */*\r\n\r\n");
}

static void large_body_is_a_second_piece(void **state)
{
    (void)state;
    size_t n = H1REQ_INLINE_BODY + 1;
    char *body = malloc(n);
    memset(body, 'x', n);
    struct scn_request rq = {.method = S("POST"), .path = S("/big"), .body = body, .body_bytes = n};
    struct scn_target t = target(S("127.0.0.9"), 8280, false, S(""));
    struct tpl_buf buf = {0};
    struct h1req out;
    assert_int_equal(h1req_build(&rq, &t, NULL, NULL, NULL, NULL, &buf, &out), 0);
    assert_ptr_equal(out.body, body); /* not copied */
    assert_int_equal(out.body_len, n);
    assert_non_null(strstr(out.head, "Content-Length: 4097\r\n\r\n"));
    assert_int_equal(out.head[out.head_len - 1], '\n');
    rq.body_bytes = H1REQ_INLINE_BODY; /* at the limit: one piece */
    assert_int_equal(h1req_build(&rq, &t, NULL, NULL, NULL, NULL, &buf, &out), 0);
    assert_null(out.body);
    assert_int_equal(out.head[out.head_len - 1], 'x');
    tpl_buf_free(&buf);
    free(body);
}

static void rendered_parts_and_token(void **state)
{
    (void)state;
    struct scn_header h[] = {{.name = S("X-Static"), .value = S("s")},
                             {.name = S("X-Id"), .value = S("${f.id}"), .tpl = (struct tpl *)1}};
    struct scn_request rq = {.method = S("POST"),
                             .path = S("/${f.id}"),
                             .headers = h,
                             .n_headers = 2,
                             .body = S("${f.id}"),
                             .body_bytes = 7};
    struct scn_target t = target(S("127.0.0.9"), 8280, false, S("/b"));
    struct tpl_buf path = {.data = S("/b/42"), .len = 5};
    struct tpl_buf lines[2] = {{0}, {.data = S("X-Id: 42"), .len = 8}};
    struct tpl_buf body = {.data = S("{\"id\":42}"), .len = 9};
    struct h1req_auth au = {"Authorization", "Bearer ", "tok123", 6, NULL, 0};
    struct tpl_buf buf = {0};
    struct h1req out;
    assert_int_equal(h1req_build(&rq, &t, &path, lines, &body, &au, &buf, &out), 0);
    char *got = bytes(&out);
    assert_string_equal(got, "POST /b/42 HTTP/1.1\r\nHost: 127.0.0.9:8280\r\nAccept: */*\r\n"
                             "Authorization: Bearer tok123\r\nX-Static: s\r\nX-Id: 42\r\n"
                             "Content-Type: application/x-www-form-urlencoded\r\n"
                             "Content-Length: 9\r\n\r\n{\"id\":42}");
    free(got);
    /* a sign: header comes right after the token's */
    au.extra = "x-jws-signature: aGRy..c2ln";
    au.extra_len = strlen(au.extra);
    assert_int_equal(h1req_build(&rq, &t, &path, lines, &body, &au, &buf, &out), 0);
    got = bytes(&out);
    assert_non_null(
        strstr(got, "Authorization: Bearer tok123\r\nx-jws-signature: aGRy..c2ln\r\nX-Static"));
    free(got);
    tpl_buf_free(&buf);
}

static void head_requests(void **state)
{
    (void)state;
    struct scn_request head = {.method = S("HEAD")}, get = {.method = S("GET")};
    assert_true(h1req_head(&head));
    assert_false(h1req_head(&get));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_with_headers),         cmocka_unit_test(default_port_and_ipv6),
        cmocka_unit_test(host_is_the_server_name),  cmocka_unit_test(own_host_accept_content_type),
        cmocka_unit_test(bodies_and_lengths),       cmocka_unit_test(large_body_is_a_second_piece),
        cmocka_unit_test(rendered_parts_and_token), cmocka_unit_test(head_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
