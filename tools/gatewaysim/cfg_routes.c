/*
 * cfg_routes.c — the simulator's API routes (--route): which paths and
 * methods are API traffic, and the status each answers with. See cfg.h.
 *
 * A real gateway serves many APIs, each under its context and version
 * (/open-banking/v3.1/...), and answers some resources with other statuses
 * than 200 (a created payment consent is 201). A route makes any path an
 * API like /echo/1.0.0, so an example written for such an API runs against
 * the simulator as it is. Routes are looked up per request by a scan of at
 * most GSCFG_MAX_ROUTES entries: no allocation, no state.
 */
#include "cfg.h"
#include "cfg_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    enum gshttp_method m;
} method_names[] = {{"GET", GSHTTP_GET}, {"HEAD", GSHTTP_HEAD},     {"POST", GSHTTP_POST},
                    {"PUT", GSHTTP_PUT}, {"DELETE", GSHTTP_DELETE}, {"PATCH", GSHTTP_PATCH}};

#define N_METHODS (sizeof method_names / sizeof method_names[0])

/* The methods of "GET", "*", ...: 0 when unknown. */
static unsigned methods_of(const char *s, size_t n)
{
    if (n == 1 && s[0] == '*')
        return GSCFG_METHODS_ALL;
    for (size_t i = 0; i < N_METHODS; i++)
        if (strlen(method_names[i].name) == n && !memcmp(method_names[i].name, s, n)) {
            unsigned bit = 1u << method_names[i].m;
            /* a resource that answers GET answers HEAD too (RFC 9110 9.3.2) */
            return method_names[i].m == GSHTTP_GET ? bit | (1u << GSHTTP_HEAD) : bit;
        }
    return 0;
}

static int popcount(unsigned v)
{
    int n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

int gscfg_add_route(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    static const char form[] =
        "write [METHOD ]PATH[=STATUS], e.g. 'POST /open-banking/v3.1/pisp/"
        "domestic-payment-consents=201' or /open-banking/v3.1 (every method, 200)";
    const char *p = v, *sp = strchr(v, ' ');
    unsigned methods = GSCFG_METHODS_ALL;
    if (sp) {
        methods = methods_of(v, (size_t)(sp - v));
        if (!methods)
            GSCFG_BAD(
                "'%.*s' in '%s' is not a method (GET, HEAD, POST, PUT, DELETE, PATCH or *); %s",
                (int)(sp - v), v, v, form);
        p = sp + 1;
    }
    const char *eq = strrchr(p, '=');
    size_t n = eq ? (size_t)(eq - p) : strlen(p);
    long status = 200;
    if (eq) {
        char *end;
        errno = 0;
        status = strtol(eq + 1, &end, 10);
        if (end == eq + 1 || *end || errno || status < 200 || status > 299 || status == 204 ||
            status == 205)
            GSCFG_BAD(
                "status '%s' in '%s' is not 200..299 (but 204 and 205, which carry no body); %s",
                eq + 1, v, form);
    }
    if (n == 0 || p[0] != '/')
        GSCFG_BAD("'%s' has no path starting with '/'; %s", v, form);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch <= 0x20 || ch >= 0x7f || ch == '?' || ch == '#' || ch == '"' || ch == '\\')
            GSCFG_BAD("path '%.*s' holds a space, '?', '#', a quote, a backslash or a control "
                      "character; give the path alone; %s",
                      (int)n, p, form);
    }
    while (n > 1 && p[n - 1] == '/')
        n--;
    if (n >= GSCFG_ROUTE_PATH)
        GSCFG_BAD("path in '%s' is longer than %d characters", v, GSCFG_ROUTE_PATH - 1);
    for (int i = 0; i < c->n_routes; i++) {
        struct gscfg_route *r = &c->routes[i];
        if (r->methods == methods && r->path_len == n && !memcmp(r->path, p, n)) {
            r->status = (int)status;
            return 0;
        }
    }
    if (c->n_routes >= GSCFG_MAX_ROUTES)
        GSCFG_BAD("more than %d routes (the echo API included); use fewer, or one for a whole API "
                  "(e.g. /open-banking/v3.1)",
                  GSCFG_MAX_ROUTES);
    struct gscfg_route *r = &c->routes[c->n_routes++];
    r->methods = methods;
    memcpy(r->path, p, n);
    r->path[n] = 0;
    r->path_len = n;
    r->status = (int)status;
    return 0;
}

int gscfg_route_find(const struct gscfg *c, enum gshttp_method m, const char *path, size_t len,
                     unsigned *allowed)
{
    int best = -1;
    unsigned any = 0;
    for (int i = 0; i < c->n_routes; i++) {
        const struct gscfg_route *r = &c->routes[i];
        size_t n = r->path_len;
        bool match =
            n == 1 || (len >= n && !memcmp(path, r->path, n) && (len == n || path[n] == '/'));
        if (!match)
            continue;
        any |= r->methods;
        if (!(r->methods & (1u << m)))
            continue;
        /* the longest path; on equal paths the route naming fewer methods,
         * then the later one */
        const struct gscfg_route *b = best >= 0 ? &c->routes[best] : NULL;
        if (!b || n > b->path_len ||
            (n == b->path_len && popcount(r->methods) <= popcount(b->methods)))
            best = i;
    }
    if (allowed)
        *allowed = any;
    return best;
}

void gscfg_methods_str(unsigned mask, char *out, size_t size)
{
    size_t used = 0;
    if (size)
        out[0] = 0;
    for (size_t i = 0; i < N_METHODS && used < size; i++)
        if (mask & (1u << method_names[i].m)) {
            int n =
                snprintf(out + used, size - used, "%s%s", used ? ", " : "", method_names[i].name);
            used += n > 0 ? (size_t)n : 0;
        }
}

int gscfg_routes_json(const struct gscfg *c, struct gsbuf *out)
{
    int rc = gsbuf_puts(out, "[");
    for (int i = 0; i < c->n_routes && !rc; i++) {
        const struct gscfg_route *r = &c->routes[i];
        char methods[GSCFG_METHODS_STR] = "*";
        if (r->methods != GSCFG_METHODS_ALL)
            gscfg_methods_str(r->methods, methods, sizeof methods);
        /* paths hold no quote, backslash or control character */
        rc = gsbuf_printf(out, "%s{\"methods\":\"%s\",\"path\":\"%s\",\"status\":%d}", i ? "," : "",
                          methods, r->path, r->status);
    }
    return rc ? rc : gsbuf_puts(out, "]");
}
