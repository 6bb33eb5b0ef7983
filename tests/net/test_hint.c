/*
 * net/test_hint.c — what a failed exchange means (harness/net/hint.c): a peer's
 * first bytes told apart (TLS records, HTTP answers, anything else), the
 * fix for a scheme that does not match its port by each kind of evidence
 * (the port's usual role only when nothing came back, and never against
 * what the bytes said), OpenSSL's reasons read, and a client certificate
 * the gateway asked for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/hint.h"

static void first_bytes(void **state)
{
    (void)state;
    assert_int_equal(hint_sniff("", 0), HINT_NOTHING);
    assert_int_equal(hint_sniff("HTTP/1.1 400 Bad Request\r\n", 26), HINT_HTTP);
    assert_int_equal(hint_sniff("HTT", 3), HINT_HTTP);
    assert_int_equal(hint_sniff("\x15\x03\x03\x00\x02\x02\x46", 7), HINT_TLS); /* alert */
    assert_int_equal(hint_sniff("\x16\x03\x03\x00\x7a", 5), HINT_TLS);         /* ServerHello */
    assert_int_equal(hint_sniff("\x16", 1), HINT_TLS);
    assert_int_equal(hint_sniff("\x16\x04", 2), HINT_OTHER);
    assert_int_equal(hint_sniff("SMTP ready", 10), HINT_OTHER);
    assert_int_equal(hint_sniff("http/1.1 200", 12), HINT_OTHER);
}

static void scheme(int port, bool tls, enum hint_evidence ev, const char *want)
{
    char out[256];
    size_t n = hint_scheme(out, sizeof out, port, tls, ev);
    assert_int_equal(n, strlen(out));
    assert_string_equal(out, want);
}

static void scheme_fixes(void **state)
{
    (void)state;
    scheme(8243, true, HINT_SAW,
           "port 8243 answered in TLS, not plain HTTP: 8243 is the gateway's HTTPS port: use "
           "https://");
    scheme(9000, true, HINT_SAW, "port 9000 answered in TLS, not plain HTTP: use https://");
    scheme(8280, false, HINT_TRIED,
           "port 8280 speaks plain HTTP, not TLS: 8280 is the gateway's HTTP port: use http://");
    scheme(443, true, HINT_TRIED,
           "port 443 speaks TLS, not plain HTTP: 443 is the standard HTTPS port: use https://");
    scheme(9000, false, HINT_NOT_TLS,
           "port 9000 answered, but not in TLS: if port 9000 speaks plain HTTP, use http://");
    scheme(80, false, HINT_NOT_TLS,
           "port 80 answered, but not in TLS: 80 is the standard HTTP port: use http://");
    scheme(9763, false, HINT_SILENT, "9763 is WSO2's management HTTP port: use http://");
    scheme(9000, false, HINT_SILENT, "if port 9000 speaks plain HTTP, use http://");
    /* the port alone: only a known port whose role is the other scheme's */
    scheme(8243, true, HINT_PORT, "8243 is the gateway's HTTPS port: use https://");
    scheme(9443, true, HINT_PORT, "9443 is WSO2's management HTTPS port: use https://");
    scheme(9000, true, HINT_PORT, "");
    scheme(8280, true, HINT_PORT, "");
    /* a port answering against its usual role: the bytes win */
    scheme(8243, false, HINT_SAW, "port 8243 answered in plain HTTP, not TLS: use http://");
    /* silence from a port whose role is TLS: a busy gateway, no advice */
    scheme(8243, false, HINT_SILENT, "");
    scheme(443, false, HINT_SILENT, "");
    /* silence and non-TLS bytes say nothing about a TLS port */
    scheme(8243, true, HINT_SILENT, "8243 is the gateway's HTTPS port: use https://");
    /* cut to fit, terminated */
    char small[16];
    hint_scheme(small, sizeof small, 8243, true, HINT_SAW);
    assert_int_equal(strlen(small), 15);
    assert_int_equal(hint_scheme(small, 0, 8243, true, HINT_SAW), 0);
}

static void openssl_reasons(void **state)
{
    (void)state;
    assert_int_equal(hint_tls_reason(NULL), HINT_TLS_UNKNOWN);
    assert_int_equal(hint_tls_reason("TLS: error:0A00010B:SSL routines::wrong version number"),
                     HINT_TLS_NOT_TLS);
    assert_int_equal(hint_tls_reason("OpenSSL/3.0.19: error:0A0000C6:SSL routines::packet "
                                     "length too long"),
                     HINT_TLS_NOT_TLS);
    assert_int_equal(hint_tls_reason("error:0A00045C:SSL routines::tlsv13 alert certificate "
                                     "required"),
                     HINT_TLS_CERT_REQ);
    assert_int_equal(hint_tls_reason("error:0A000410:SSL routines::sslv3 alert handshake "
                                     "failure"),
                     HINT_TLS_ALERT);
    assert_int_equal(hint_tls_reason("certificate verify failed: unable to get local issuer "
                                     "certificate"),
                     HINT_TLS_UNKNOWN);
}

static void tls_failures(void **state)
{
    (void)state;
    char out[256];
    struct hint_tls_facts f = {.port = 8243, .why = "TLS: tlsv13 alert certificate required"};
    assert_true(hint_tls_failure(&f, out, sizeof out) > 0);
    assert_string_equal(out, HINT_CLIENT_CERT);
    /* asked for one, then any failure: a reset, a handshake failure */
    f = (struct hint_tls_facts){
        .port = 8243, .why = "TLS: Connection reset by peer", .cert_requested = true};
    assert_true(hint_tls_failure(&f, out, sizeof out) > 0);
    assert_string_equal(out, HINT_CLIENT_CERT);
    /* without the request, a handshake failure is not about certificates */
    f = (struct hint_tls_facts){.port = 8243, .why = "sslv3 alert handshake failure"};
    assert_int_equal(hint_tls_failure(&f, out, sizeof out), 0);
    assert_string_equal(out, "");
    /* an HTTP answer to the ClientHello */
    f = (struct hint_tls_facts){.port = 8280, .why = "wrong version number", .first = HINT_HTTP};
    hint_tls_failure(&f, out, sizeof out);
    assert_string_equal(out, "port 8280 answered in plain HTTP, not TLS: 8280 is the gateway's "
                             "HTTP port: use http://");
    /* libcurl: OpenSSL's reason only */
    f = (struct hint_tls_facts){.port = 8280, .why = "OpenSSL: wrong version number"};
    hint_tls_failure(&f, out, sizeof out);
    assert_string_equal(out, "port 8280 answered, but not in TLS: 8280 is the gateway's HTTP "
                             "port: use http://");
    /* a certificate that does not verify says nothing here */
    f = (struct hint_tls_facts){.port = 8243, .why = "certificate verify failed"};
    assert_int_equal(hint_tls_failure(&f, out, sizeof out), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_bytes),
        cmocka_unit_test(scheme_fixes),
        cmocka_unit_test(openssl_reasons),
        cmocka_unit_test(tls_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
