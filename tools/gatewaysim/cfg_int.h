/*
 * cfg_int.h — shared by the simulator's configuration files only (cfg.c,
 * cfg_auth.c, cfg_apps.c, cfg_routes.c): the option table's row, the
 * value parsers the setters share, and their error macro. See cfg.h.
 */
#ifndef GATEWAYSIM_CFG_INT_H
#define GATEWAYSIM_CFG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "cfg.h"

/* Puts a message in err (errlen bytes) and returns -EINVAL from a setter. */
#define GSCFG_BAD(...)                                                                             \
    do {                                                                                           \
        snprintf(err, errlen, __VA_ARGS__);                                                        \
        return -EINVAL;                                                                            \
    } while (0)

/* Sets an option from its text; 0, or -EINVAL with a message in err. */
typedef int (*gscfg_set_fn)(struct gscfg *c, const char *val, char *err, size_t errlen);

enum {
    GSCFG_OPT_RUNTIME = 1, /* also settable by POST /_sim/config */
    GSCFG_OPT_NOARG = 2    /* a flag: takes no value */
};

/* One option: the command line, --help, /_sim/config and its JSON read the same row. */
struct gscfg_opt {
    const char *name; /* command-line name without "--" */
    const char *arg;  /* argument placeholder for --help */
    int flags;        /* GSCFG_OPT_* */
    gscfg_set_fn set;
    const char *help;
};

/* cfg_auth.c's rows, looked up after cfg.c's own. */
extern const struct gscfg_opt gscfg_auth_opts[];
extern const size_t gscfg_n_auth_opts;

/* A number in lo..hi, the whole string: 0, or -EINVAL. */
int gscfg_parse_double(const char *s, double lo, double hi, double *out);
/* A byte size ("64", "4k", "16MiB"; up to 1 GiB): 0, or -EINVAL. */
int gscfg_parse_size(const char *s, size_t *out);
/* Copies a non-empty s into dst (size bytes, NUL included): 0, or -EINVAL
 * with a message. */
int gscfg_copy_str(char *dst, size_t size, const char *s, char *err, size_t errlen);
/* A fraction 0..1 into *out: 0, or -EINVAL with a message. */
int gscfg_set_fraction(double *out, const char *v, char *err, size_t errlen);

#endif
