/*
 * scenario_targets.c — `targets`: the gateway nodes as base URLs. URLs
 * are parsed here rather than with curl_url so that each mistake gets its
 * own message; what is accepted is a strict subset curl takes as well.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scenario/scenario_int.h"

static bool host_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '.' || ch == '_';
}

/* Fills t from url (already expanded). Returns 0 or -1 (reported). */
int scnp_parse_url(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                   const char *url, struct scn_target *t)
{
    const char *p = strstr(url, "://");
    if (!p) {
        scnp_error(c, n, field,
                   "'%s' has no scheme; write https://%s (port 8243 by default) or http://%s "
                   "(port 8280)",
                   url, url, url);
        return -1;
    }
    size_t scheme_len = (size_t)(p - url);
    if (scheme_len == 5 && !strncasecmp(url, "https", 5))
        t->https = true;
    else if (scheme_len == 4 && !strncasecmp(url, "http", 4))
        t->https = false;
    else {
        scnp_error(c, n, field,
                   "unsupported scheme '%.*s'; gateways are reached with https:// "
                   "or http://",
                   (int)scheme_len, url);
        return -1;
    }
    p += 3;
    const char *auth_end = p + strcspn(p, "/?#");
    const char *at = memchr(p, '@', (size_t)(auth_end - p));
    if (at) {
        scnp_error(c, n, field,
                   "credentials in a target URL are not supported; send them in a request "
                   "header (e.g. Authorization: \"Basic ${CREDENTIALS}\")");
        return -1;
    }
    const char *host = p, *host_end, *port_s = NULL;
    if (*p == '[') {
        host = p + 1;
        host_end = memchr(host, ']', (size_t)(auth_end - host));
        if (!host_end || host_end == host) {
            scnp_error(c, n, field,
                       "IPv6 address without a closing ']'; write e.g. "
                       "https://[::1]:8243");
            return -1;
        }
        for (const char *q = host; q < host_end; q++) {
            if (!(host_char(*q) || *q == ':' || *q == '%')) {
                scnp_error(c, n, field, "'%.*s' is not an IPv6 address", (int)(host_end - host),
                           host);
                return -1;
            }
        }
        p = host_end + 1;
        if (p < auth_end && *p != ':') {
            scnp_error(c, n, field, "unexpected text after ']'; write https://[ADDRESS]:PORT");
            return -1;
        }
    } else {
        host_end = host;
        while (host_end < auth_end && *host_end != ':')
            host_end++;
        if (host_end == host) {
            scnp_error(c, n, field, "'%s' has no host; write e.g. https://127.0.0.1:8243", url);
            return -1;
        }
        for (const char *q = host; q < host_end; q++) {
            if (!host_char(*q)) {
                scnp_error(c, n, field,
                           "'%.*s' is not a host name or address (letters, digits, '-', '.')",
                           (int)(host_end - host), host);
                return -1;
            }
        }
        p = host_end;
    }
    t->port = t->https ? 8243 : 8280;
    if (p < auth_end && *p == ':') {
        port_s = p + 1;
        long port = 0;
        const char *q = port_s;
        for (; q < auth_end && *q >= '0' && *q <= '9' && port <= 65535; q++)
            port = port * 10 + (*q - '0');
        if (q != auth_end || q == port_s || port < 1 || port > 65535) {
            scnp_error(c, n, field, "port '%.*s' is not a number from 1 to 65535",
                       (int)(auth_end - port_s), port_s);
            return -1;
        }
        t->port = (int)port;
    }
    const char *path = auth_end;
    size_t path_len = strcspn(path, "?#");
    if (path[path_len]) {
        scnp_error(c, n, field,
                   "a target URL is a base address without '?' or '#'; put query strings in "
                   "requests.N.path");
        return -1;
    }
    for (size_t i = 0; i < path_len; i++) {
        if ((unsigned char)path[i] <= 0x20 || path[i] == 0x7f) {
            scnp_error(c, n, field,
                       "the URL path contains a space or control character; "
                       "encode it (%%20 for a space)");
            return -1;
        }
    }
    while (path_len && path[path_len - 1] == '/')
        path_len--;
    t->host = strndup(host, (size_t)(host_end - host));
    t->base_path = strndup(path, path_len);
    if (!t->host || !t->base_path) {
        c->oom = true;
        return -1;
    }
    for (char *h = t->host; *h; h++)
        if (*h >= 'A' && *h <= 'Z')
            *h = (char)(*h - 'A' + 'a');
    bool v6 = strchr(t->host, ':') != NULL;
    free(t->url);
    if (asprintf(&t->url, "%s://%s%s%s:%d%s", t->https ? "https" : "http", v6 ? "[" : "", t->host,
                 v6 ? "]" : "", t->port, t->base_path) < 0) {
        t->url = NULL;
        c->oom = true;
        return -1;
    }
    return 0;
}

static void read_target(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                        struct scn_target *t)
{
    static const char *const keys[] = {"url", "name", "weight", "server_name", NULL};
    char f[SCNP_FIELD_MAX];
    const struct ytree_node *un = n, *v;
    const char *url_field = field;

    t->weight = 1;
    if (n->kind != YTREE_SCALAR) {
        if (scnp_keys(c, n, field, keys))
            return;
        un = scnp_get(n, "url");
        url_field = scnp_field(f, field, "url");
        if (!un) {
            scnp_error(c, n, field, "missing url; write url: https://HOST:8243");
            return;
        }
    }
    char *url;
    if (!scnp_string(c, un, url_field, &url, &t->url_secret)) {
        scnp_parse_url(c, un, url_field, url, t);
        free(url);
    }
    if (n->kind != YTREE_MAP)
        goto name;
    if ((v = scnp_get(n, "weight")))
        scnp_number(c, v, scnp_field(f, field, "weight"), 1e-9, 1e6, &t->weight);
    if ((v = scnp_get(n, "name")))
        scnp_name(c, v, scnp_field(f, field, "name"), &t->name);
    if ((v = scnp_get(n, "server_name")) &&
        !scnp_server_name(c, v, scnp_field(f, field, "server_name"), &t->server_name) && t->host &&
        !t->https)
        scnp_error(c, v, f,
                   "this node is reached over http://, which has no certificate to verify; "
                   "remove server_name, or use https://");
name:
    if (!t->name && t->host) {
        bool v6 = strchr(t->host, ':') != NULL;
        if (asprintf(&t->name, "%s%s%s:%d", v6 ? "[" : "", t->host, v6 ? "]" : "", t->port) < 0) {
            t->name = NULL;
            c->oom = true;
        }
    }
}

void scnp_targets(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s)
{
    const struct ytree_node *t = scnp_get(root, "targets");
    char f[SCNP_FIELD_MAX];
    if (!t) {
        scnp_error(c, root, "targets",
                   "missing; list the gateway nodes, e.g. targets: [https://127.0.0.1:8243, "
                   "https://127.0.0.2:8243]");
        return;
    }
    size_t n = t->kind == YTREE_SEQ ? t->n : 1;
    if (t->kind == YTREE_MAP) {
        scnp_error(c, t, "targets",
                   "expected a list of URLs or of {url:, name:, weight:}, found a mapping; "
                   "start each node with '- '");
        return;
    }
    if (!n) {
        scnp_error(c, t, "targets", "empty; list at least one gateway node URL");
        return;
    }
    if (!(s->targets = calloc(n, sizeof *s->targets))) {
        c->oom = true;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct ytree_node *item = t->kind == YTREE_SEQ ? t->items[i] : t;
        scnp_field_i(f, "targets", i);
        s->n_targets++;
        if (ytree_is_null(item)) {
            scnp_error(c, item, f, "empty entry; write a URL such as https://127.0.0.1:8243");
            continue;
        }
        if (item->kind == YTREE_SEQ) {
            scnp_error(c, item, f, "expected a URL or {url:, name:, weight:}, found a list");
            continue;
        }
        read_target(c, item, f, &s->targets[i]);
    }
    struct uniq_key *keys = calloc(n, sizeof *keys);
    size_t *first = NULL;
    if (!keys) {
        c->oom = true;
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (s->targets[i].name)
            keys[i] = (struct uniq_key){s->targets[i].name, strlen(s->targets[i].name)};
    if ((first = scnp_first_names(c, keys, n, 0))) {
        for (size_t i = 0; i < n; i++) {
            if (first[i] == i)
                continue;
            const struct ytree_node *item = t->kind == YTREE_SEQ ? t->items[i] : t;
            scnp_error(c, item, scnp_field_i(f, "targets", i),
                       "the name '%s' is already used by targets.%zu; give each node its "
                       "own name: (or URL)",
                       s->targets[i].name, first[i]);
        }
    }
    free(keys);
    free(first);
}
