/*
 * metrics_export.h — a run's live series (metrics.h) out to Prometheus
 * while it runs, from threads of their own: a push thread that POSTs each
 * snapshot as a remote-write request (libcurl, blocking, on that thread
 * only), and a scrape thread that answers GET /metrics with the newest
 * snapshot in the text format.
 *
 * The coordinator hands a snapshot over with metrics_export_offer, which
 * takes a mutex held only for a pointer's move, never for I/O: it never
 * waits for a receiver. Unsent snapshots wait in a queue of `queue`; when
 * it is full the oldest is dropped (every series is cumulative, so a
 * later snapshot carries its counts: a drop costs time resolution, not
 * totals) and counted. A push is tried once (no retry: the next interval
 * carries the same totals); one that fails or is refused is counted, with
 * its reason.
 */
#ifndef GATECAP_METRICS_EXPORT_H
#define GATECAP_METRICS_EXPORT_H

#include <stddef.h>
#include <stdint.h>

struct metrics_snap;
struct redact;
struct scenario;

struct metrics_export_conf {
    const char *push_url;        /* remote-write URL (http or https), or NULL */
    const char *listen;          /* scrape endpoint "ADDR:PORT" (IPv4, or [IPv6]), or NULL */
    const char *bearer_token;    /* sent as Authorization: Bearer (a secret), or NULL */
    const struct scenario *scn;  /* its tls: settings verify an https receiver: insecure,
                                    or tls.ca (else libcurl's default CAs); borrowed */
    const struct redact *redact; /* masks the receiver's messages (may be NULL); borrowed */
    double timeout_s;            /* one push's limit, and the final push's (> 0) */
    size_t queue;                /* most unsent snapshots (>= 1) */
    double linger_s;             /* after the run, how long the scrape endpoint waits
                                    for its final sample to be read once */
};

struct metrics_export_stats {
    int64_t offered;      /* snapshots handed over, the final one too */
    int64_t pushed;       /* accepted by the receiver (2xx) */
    int64_t failed;       /* tried and not accepted: no connection, a timeout, a status */
    int64_t dropped;      /* never tried: the queue was full, or the run's end came first */
    int64_t bytes;        /* compressed bytes of the accepted pushes */
    int64_t scrapes;      /* GET /metrics answered */
    int final_pushed;     /* the final sample was accepted */
    int final_scraped;    /* the final sample was read from the scrape endpoint */
    char last_error[256]; /* the last failure's reason (redacted), or "" */
};

struct metrics_export;

/* Starts the threads conf asks for (borrowed; its strings and scn must
 * outlive e). The scrape endpoint's address is bound here, so a bad or
 * busy one is an error before the run. Returns 0 with *out (owned:
 * metrics_export_free), or -1 with the reason in err. */
int metrics_export_start(const struct metrics_export_conf *conf, struct metrics_export **out,
                         char *err, size_t err_len);

/* Hands snapshot s over (takes its reference; s NULL: nothing). Never
 * waits for the receiver. */
void metrics_export_offer(struct metrics_export *e, struct metrics_snap *s);

/* The run ended: offers the final snapshot (takes it), then waits until
 * it was pushed or its push failed (at most timeout_s; a push still
 * running then is cut off, and what was not sent counted as dropped), and
 * until the scrape endpoint served it once (at most linger_s). Then the
 * threads stop. Call once. */
void metrics_export_finish(struct metrics_export *e, struct metrics_snap *final);

/* The counts so far (after finish: final). */
void metrics_export_stats(struct metrics_export *e, struct metrics_export_stats *out);

/* Stops the threads (if finish did not) and frees e; NULL is fine. */
void metrics_export_free(struct metrics_export *e);

#endif
