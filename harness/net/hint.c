/*
 * hint.c — a failed exchange's meaning and fix; see hint.h.
 */
#include "net/hint.h"

#include <stdio.h>
#include <string.h>

/* Ports with a usual role in a WSO2 deployment. */
static const struct {
    int port;
    bool tls;
    const char *role;
} roles[] = {
    {8243, true, "the gateway's HTTPS port"},     {8280, false, "the gateway's HTTP port"},
    {443, true, "the standard HTTPS port"},       {80, false, "the standard HTTP port"},
    {9443, true, "WSO2's management HTTPS port"}, {9763, false, "WSO2's management HTTP port"},
};

enum hint_bytes hint_sniff(const void *buf, size_t n)
{
    const unsigned char *b = buf;
    if (!n)
        return HINT_NOTHING;
    if (!memcmp(b, "HTTP/", n < 5 ? n : 5))
        return HINT_HTTP;
    /* content types change_cipher_spec, alert, handshake, application data */
    if (b[0] >= 20 && b[0] <= 23 && (n < 2 || b[1] == 3))
        return HINT_TLS;
    return HINT_OTHER;
}

/* The port's usual role when it is tls's (NULL otherwise); *other set
 * when it has a role of the other kind. */
static const char *role_of(int port, bool tls, bool *other)
{
    *other = false;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (roles[i].port == port) {
            *other = roles[i].tls != tls;
            return *other ? NULL : roles[i].role;
        }
    return NULL;
}

size_t hint_scheme(char *out, size_t cap, int port, bool speaks_tls, enum hint_evidence ev)
{
    bool other;
    const char *role = role_of(port, speaks_tls, &other);
    const char *is = speaks_tls ? "TLS" : "plain HTTP", *isnt = speaks_tls ? "plain HTTP" : "TLS";
    const char *use = speaks_tls ? "https://" : "http://";
    int n = 0;
    if (!cap)
        return 0;
    out[0] = '\0';
    if (speaks_tls && (ev == HINT_NOT_TLS || ev == HINT_SILENT))
        ev = HINT_PORT; /* (those say the port is not TLS) */
    switch (ev) {
    case HINT_SAW:
        n = snprintf(out, cap, "port %d answered in %s, not %s: ", port, is, isnt);
        break;
    case HINT_TRIED:
        n = snprintf(out, cap, "port %d speaks %s, not %s: ", port, is, isnt);
        break;
    case HINT_NOT_TLS:
        n = snprintf(out, cap, "port %d answered, but not in TLS: ", port);
        break;
    case HINT_SILENT:
        if (other) /* a TLS port slow to answer a handshake: a busy one */
            return 0;
        break;
    case HINT_PORT:
        if (!role)
            return 0;
        break;
    }
    if (n < 0 || (size_t)n >= cap)
        return strlen(out);
    size_t left = cap - (size_t)n;
    if (role)
        snprintf(out + n, left, "%d is %s: use %s", port, role, use);
    else if (ev == HINT_SILENT || ev == HINT_NOT_TLS)
        snprintf(out + n, left, "if port %d speaks plain HTTP, use http://", port);
    else
        snprintf(out + n, left, "use %s", use);
    return strlen(out);
}

enum hint_tls hint_tls_reason(const char *why)
{
    if (!why)
        return HINT_TLS_UNKNOWN;
    if (strstr(why, "certificate required"))
        return HINT_TLS_CERT_REQ;
    if (strstr(why, "wrong version number") || strstr(why, "packet length too long") ||
        strstr(why, "unknown protocol"))
        return HINT_TLS_NOT_TLS;
    if (strstr(why, " alert "))
        return HINT_TLS_ALERT;
    return HINT_TLS_UNKNOWN;
}

size_t hint_tls_failure(const struct hint_tls_facts *f, char *out, size_t cap)
{
    enum hint_tls reason = hint_tls_reason(f->why);
    if (!cap)
        return 0;
    out[0] = '\0';
    if (reason == HINT_TLS_CERT_REQ || (f->cert_requested && reason != HINT_TLS_NOT_TLS)) {
        snprintf(out, cap, "%s", HINT_CLIENT_CERT);
        return strlen(out);
    }
    if (f->first == HINT_HTTP)
        return hint_scheme(out, cap, f->port, false, HINT_SAW);
    if (reason == HINT_TLS_NOT_TLS || f->first == HINT_OTHER)
        return hint_scheme(out, cap, f->port, false, HINT_NOT_TLS);
    return 0;
}
