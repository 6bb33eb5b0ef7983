/* tests/gatewaysim/test_cfg_routes.c — the simulator's API routes
 * (tools/gatewaysim/cfg_routes.c): --route parsing and its messages, the
 * built-in echo API, longest-path matching, methods, 405's Allow, the
 * JSON of /_sim/config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../tools/gatewaysim/cfg.h"

static char err[512];

static void add(struct gscfg *c, const char *v)
{
    err[0] = 0;
    if (gscfg_add_route(c, v, err, sizeof err))
        fail_msg("--route '%s' refused: %s", v, err);
}

static void refused(struct gscfg *c, const char *v, const char *want)
{
    err[0] = 0;
    int n = c->n_routes;
    assert_int_equal(gscfg_add_route(c, v, err, sizeof err), -EINVAL);
    if (!strstr(err, want))
        fail_msg("--route '%s': message '%s' lacks '%s'", v, err, want);
    assert_int_equal(c->n_routes, n);
}

/* The status a request gets: the route's, 405 when only the method is
 * wrong, 404 when no route has the path. */
static int status_of(const struct gscfg *c, enum gshttp_method m, const char *path)
{
    unsigned allowed = 1234;
    int i = gscfg_route_find(c, m, path, strlen(path), &allowed);
    if (i >= 0)
        return c->routes[i].status;
    return allowed ? 405 : 404;
}

static void test_echo_builtin(void **state)
{
    (void)state;
    struct gscfg c;
    gscfg_defaults(&c);
    assert_int_equal(c.n_routes, 1);
    assert_int_equal(status_of(&c, GSHTTP_GET, "/echo/1.0.0"), 200);
    assert_int_equal(status_of(&c, GSHTTP_POST, "/echo/1.0.0/x/y"), 200);
    assert_int_equal(status_of(&c, GSHTTP_PATCH, "/echo/1.0.0/"), 200);
    assert_int_equal(status_of(&c, GSHTTP_GET, "/echo/1.0.01"), 404);
    assert_int_equal(status_of(&c, GSHTTP_GET, "/echo"), 404);
    assert_int_equal(status_of(&c, GSHTTP_GET, "/"), 404);
    assert_int_equal(status_of(&c, GSHTTP_OPTIONS, "/echo/1.0.0"), 405);
    unsigned allowed = 0;
    assert_int_equal(gscfg_route_find(&c, GSHTTP_OTHER, "/echo/1.0.0", 11, &allowed), -1);
    assert_int_equal(allowed, GSCFG_METHODS_ALL);
}

static void test_longest_path_and_methods(void **state)
{
    (void)state;
    struct gscfg c;
    gscfg_defaults(&c);
    add(&c, "/open-banking/v3.1");
    add(&c, "POST /open-banking/v3.1/pisp/domestic-payment-consents=201");
    add(&c, "GET /open-banking/v3.1/aisp/accounts/=203"); /* a final '/' is dropped */
    assert_int_equal(c.n_routes, 4);
    assert_int_equal(
        status_of(&c, GSHTTP_POST, "/open-banking/v3.1/pisp/domestic-payment-consents"), 201);
    /* below it too */
    assert_int_equal(
        status_of(&c, GSHTTP_POST, "/open-banking/v3.1/pisp/domestic-payment-consents/c1"), 201);
    /* another method: the shorter route that takes every method */
    assert_int_equal(status_of(&c, GSHTTP_GET, "/open-banking/v3.1/pisp/domestic-payment-consents"),
                     200);
    assert_int_equal(status_of(&c, GSHTTP_GET, "/open-banking/v3.1/aisp/accounts/a1/balances"),
                     203);
    /* GET brings HEAD */
    assert_int_equal(status_of(&c, GSHTTP_HEAD, "/open-banking/v3.1/aisp/accounts"), 203);
    assert_int_equal(status_of(&c, GSHTTP_DELETE, "/open-banking/v3.1/aisp/accounts"), 200);
    assert_int_equal(status_of(&c, GSHTTP_GET, "/open-banking/v3.10"), 404);
    assert_int_equal(status_of(&c, GSHTTP_GET, "/echo/1.0.0"), 200);
}

static void test_method_not_allowed(void **state)
{
    (void)state;
    struct gscfg c;
    gscfg_defaults(&c);
    add(&c, "POST /pay=201");
    add(&c, "PUT /pay/x=202");
    unsigned allowed = 0;
    assert_int_equal(gscfg_route_find(&c, GSHTTP_GET, "/pay/x", 6, &allowed), -1);
    assert_int_equal(allowed, (1u << GSHTTP_POST) | (1u << GSHTTP_PUT));
    char m[GSCFG_METHODS_STR];
    gscfg_methods_str(allowed, m, sizeof m);
    assert_string_equal(m, "POST, PUT");
    gscfg_methods_str(GSCFG_METHODS_ALL, m, sizeof m);
    assert_string_equal(m, "GET, HEAD, POST, PUT, DELETE, PATCH");
    assert_int_equal(status_of(&c, GSHTTP_POST, "/pay/x"), 201);
    assert_int_equal(status_of(&c, GSHTTP_PUT, "/pay/x"), 202);
    assert_int_equal(status_of(&c, GSHTTP_PUT, "/pay"), 405);
}

static void test_equal_paths_and_changes(void **state)
{
    (void)state;
    struct gscfg c;
    gscfg_defaults(&c);
    /* on one path, the route naming the method wins over '*', in either order */
    add(&c, "POST /a=201");
    add(&c, "/a");
    assert_int_equal(status_of(&c, GSHTTP_POST, "/a"), 201);
    assert_int_equal(status_of(&c, GSHTTP_GET, "/a"), 200);
    /* the same method and path again: its status changes, no new route */
    add(&c, "POST /a/=202");
    assert_int_equal(c.n_routes, 3);
    assert_int_equal(status_of(&c, GSHTTP_POST, "/a"), 202);
    /* the echo API is a route like the others */
    add(&c, "/echo/1.0.0=201");
    assert_int_equal(c.n_routes, 3);
    assert_int_equal(status_of(&c, GSHTTP_GET, "/echo/1.0.0/x"), 201);
    /* "/" takes every path */
    add(&c, "GET /=206");
    assert_int_equal(status_of(&c, GSHTTP_GET, "/anything/at/all"), 206);
    assert_int_equal(status_of(&c, GSHTTP_GET, "/a"), 200);
    assert_int_equal(status_of(&c, GSHTTP_POST, "/elsewhere"), 405);
}

static void test_bad_routes(void **state)
{
    (void)state;
    struct gscfg c;
    gscfg_defaults(&c);
    refused(&c, "FETCH /x", "'FETCH' in 'FETCH /x' is not a method");
    refused(&c, "get /x", "is not a method");
    refused(&c, "x", "no path starting with '/'");
    refused(&c, "POST x=201", "no path starting with '/'");
    refused(&c, "", "no path");
    refused(&c, "/x=204", "not 200..299 (but 204 and 205");
    refused(&c, "/x=302", "not 200..299");
    refused(&c, "/x=20x", "status '20x'");
    refused(&c, "/x=", "status ''");
    refused(&c, "GET /a b", "holds a space");
    refused(&c, "/a?b", "'?'");
    refused(&c, "/a\"b", "a quote");
    char long_path[GSCFG_ROUTE_PATH + 2];
    long_path[0] = '/';
    memset(long_path + 1, 'p', sizeof long_path - 2);
    long_path[sizeof long_path - 1] = 0;
    refused(&c, long_path, "longer than 255");
    for (int i = c.n_routes; i < GSCFG_MAX_ROUTES; i++) {
        char r[32];
        snprintf(r, sizeof r, "/r%d", i);
        add(&c, r);
    }
    refused(&c, "/one-more", "more than 32 routes");
    /* changing one that exists still works when the table is full */
    add(&c, "/r5=201");
    assert_int_equal(status_of(&c, GSHTTP_GET, "/r5"), 201);
}

static void test_json(void **state)
{
    (void)state;
    struct gscfg c;
    gscfg_defaults(&c);
    add(&c, "POST /pay=201");
    add(&c, "GET /acc");
    struct gsbuf b;
    assert_int_equal(gsbuf_init(&b), 0);
    assert_int_equal(gscfg_routes_json(&c, &b), 0);
    assert_int_equal(gsbuf_append(&b, "", 1), 0);
    assert_string_equal(b.data, "[{\"methods\":\"*\",\"path\":\"/echo/1.0.0\",\"status\":200},"
                                "{\"methods\":\"POST\",\"path\":\"/pay\",\"status\":201},"
                                "{\"methods\":\"GET, HEAD\",\"path\":\"/acc\",\"status\":200}]");
    gsbuf_free(&b);
}

/* The option table takes --route on the command line and at run time. */
static void test_option(void **state)
{
    (void)state;
    struct gscfg c;
    gscfg_defaults(&c);
    char a0[] = "gatewaysim", a1[] = "--route", a2[] = "POST /pay=201", a3[] = "--route=/acc";
    char *argv[] = {a0, a1, a2, a3, NULL};
    assert_int_equal(gscfg_parse_argv(&c, 4, argv, err, sizeof err), 0);
    assert_int_equal(c.n_routes, 3);
    assert_int_equal(gscfg_set_runtime(&c, "route", "PUT /pay=202", err, sizeof err), 0);
    assert_int_equal(status_of(&c, GSHTTP_PUT, "/pay"), 202);
    assert_int_equal(gscfg_set_runtime(&c, "route", "/pay=999", err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "route: status '999'"));
    assert_int_equal(c.n_routes, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_builtin),
        cmocka_unit_test(test_longest_path_and_methods),
        cmocka_unit_test(test_method_not_allowed),
        cmocka_unit_test(test_equal_paths_and_changes),
        cmocka_unit_test(test_bad_routes),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
