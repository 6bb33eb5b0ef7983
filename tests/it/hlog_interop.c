/*
 * hlog_interop.c — the gatecap side of tests/it/hlog_java_interop.sh,
 * built by that script against build/libgatecap.a (not by the Makefile).
 *
 *   hlog_interop write OUT.hlog
 *       writes the data set of tests/java/HlogInterop.java with gatecap's
 *       hlog writer (same histograms, tags and times).
 *   hlog_interop read IN.hlog
 *       reads a log with gatecap's reader and prints what HlogInterop's
 *       "read" prints, line for line.
 *   hlog_interop payloads IN.hlog
 *       prints, per interval line, the uncompressed V2 encoding of its
 *       histogram as hex (decoded, then re-encoded with hdr_encode_v2 and
 *       compared with the inflated original), so Java's and gatecap's
 *       encodings can be compared independently of zlib's output.
 *   hlog_interop compressed IN.hlog
 *       prints the base64 column as it is in the file.
 *   hlog_interop format < LINES
 *       reads "decimals rawbits text" lines (HlogInterop format) and checks
 *       that hlog_format_fixed gives Java's text; prints every mismatch.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "base/encode.h"
#include "measure/hdr.h"
#include "measure/hdr_codec.h"
#include "measure/hlog.h"

#define START_MS 1700000000123LL
#define HOUR_US 3600000000LL

static const double pcts[] = {0.0,  25.0, 100.0 / 3, 40.0,  50.0,   200.0 / 3, 75.0,
                              90.0, 99.0, 99.9,      99.99, 99.999, 100.0};
static const char *const pct_names[] = {"0",  "25", "33.3", "40",    "50",     "66.7", "75",
                                        "90", "99", "99.9", "99.99", "99.999", "100"};

static uint64_t seed;

static uint64_t next_rand(void)
{
    uint64_t z = (seed += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int64_t spread_value(void)
{
    uint64_t r = next_rand();
    int mag = (int)((r >> 58) % 32);
    return 1 + (int64_t)((r & 0x3FFFFFFFFFFULL) % (1ULL << mag));
}

static void die(const char *what)
{
    fprintf(stderr, "hlog_interop: %s\n", what);
    exit(1);
}

static struct hdr_hist *mk(int64_t lo, int64_t hi, int sig)
{
    struct hdr_hist *h = NULL;
    if (hdr_init(lo, hi, sig, &h) != HDR_OK)
        die("hdr_init");
    return h;
}

static void rec(struct hdr_hist *h, int64_t v, int64_t n)
{
    if (hdr_record_n(h, v, n) != HDR_OK)
        die("value out of range");
}

static void put(struct hlog_writer *w, const char *tag, int64_t start, int64_t len,
                struct hdr_hist *h)
{
    if (hlog_writer_interval(w, tag, start, len, h) != HLOG_OK)
        die("hlog_writer_interval");
    hdr_close(h);
}

/* The data set; keep in step with HlogInterop.dataSet(). */
static void write_log(const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        die("cannot create output");
    struct hlog_writer w;
    if (hlog_writer_open(&w, f, START_MS) != HLOG_OK)
        die("hlog_writer_open");
    hlog_writer_comment(&w, "[written by tests/it/hlog_interop.c]");
    seed = 42;
    int64_t t = START_MS;
    struct hdr_hist *h;

    h = mk(1, HOUR_US, 3);
    rec(h, 1, 1);
    rec(h, 2, 1);
    rec(h, 3, 1);
    put(&w, NULL, t, 1000, h);
    put(&w, "empty", t, 1000, mk(1, HOUR_US, 3));
    h = mk(1, HOUR_US, 3);
    rec(h, 1, 1);
    put(&w, "single", t, 1000, h);
    t += 1000;

    h = mk(1, HOUR_US, 3);
    for (int k = 1; k <= 31; k++) {
        int64_t p = (int64_t)1 << k;
        rec(h, p - 1, 1);
        rec(h, p, 1);
        rec(h, p + 1, 1);
    }
    rec(h, 2047, 1);
    rec(h, 2048, 1);
    rec(h, 2049, 1);
    rec(h, 4095, 1);
    rec(h, 4096, 1);
    rec(h, HOUR_US, 1);
    rec(h, 0, 1);
    put(&w, "bounds", t, 1000, h);
    h = mk(1, HOUR_US, 3);
    for (int i = 0; i < 20000; i++)
        rec(h, spread_value(), 1);
    put(&w, NULL, t, 1000, h);
    t += 1000;

    h = mk(1, HOUR_US, 3);
    rec(h, 1000, (int64_t)1 << 40);
    rec(h, 1001, 3);
    rec(h, 0, 1);
    rec(h, 123456789, 7);
    put(&w, NULL, t, 500, h);
    put(&w, NULL, t + 500, 500, mk(1, HOUR_US, 3));
    t += 1000;

    h = mk(1, 24 * HOUR_US, 3);
    rec(h, 10 * HOUR_US, 1);
    rec(h, 5, 1);
    put(&w, NULL, t, 1000, h);
    h = mk(1000, 100000000000LL, 2);
    for (int i = 0; i < 3000; i++)
        rec(h, 1000 + (int64_t)(next_rand() & 0xFFFFFFFULL), 1);
    put(&w, "coarse", t, 1000, h);
    t += 1000;

    for (int i = 0; i < 6; i++) {
        h = mk(1, HOUR_US, 3);
        int n = i == 3 ? 1 : 500 * (i + 1);
        for (int j = 0; j < n; j++)
            rec(h, spread_value() % 100000 + 1, 1);
        put(&w, "series", t, 1000, h);
        t += 1000;
    }

    h = mk(1, HOUR_US, 3);
    for (int64_t v = 0; v < 5000; v++)
        rec(h, v, 1 + (v % 7));
    put(&w, NULL, t, 1000, h);

    if (hlog_writer_finish(&w) != HLOG_OK || fclose(f) != 0)
        die("write failed");
}

static void line(const char *what, const struct hdr_hist *h)
{
    double mean = hdr_mean(h);
    double sd = hdr_stddev(h);
    uint64_t mb, sb;
    memcpy(&mb, &mean, sizeof(mb));
    memcpy(&sb, &sd, sizeof(sb));
    printf("%s lowest=%" PRId64 " highest=%" PRId64 " digits=%d count=%" PRId64 " min=%" PRId64
           " max=%" PRId64 " mean=%016" PRIx64 " sd=%016" PRIx64,
           what, h->lowest_discernible, h->highest_trackable, h->sigfigs, hdr_count(h), hdr_min(h),
           hdr_max(h), mb, sb);
    for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
        printf(" p%s=%" PRId64, pct_names[i], hdr_value_at_percentile(h, pcts[i]));
    printf("\n");
}

/* Java's auto-resizing accumulator (see cmd_hlog.c). */
static void merge(struct hdr_hist **acc, const struct hdr_hist *h)
{
    if (*acc == NULL) {
        *acc = mk(h->lowest_discernible, h->highest_trackable, h->sigfigs);
    } else {
        struct hdr_hist *a = *acc;
        int64_t top = hdr_highest_equivalent(a, hdr_value_at_index(a, a->counts_len - 1));
        if (top < hdr_max(h)) {
            struct hdr_hist *g = mk(a->lowest_discernible, hdr_max(h), a->sigfigs);
            hdr_add(g, a);
            hdr_close(a);
            *acc = g;
        }
    }
    if (hdr_add(*acc, h) != HDR_OK)
        die("merge overflowed");
}

#define MAX_TAGS 32

static void read_log(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        die("cannot open input");
    struct hlog_reader *r = NULL;
    struct hlog_read_opts o;
    hlog_read_opts_default(&o);
    o.all_tags = true;
    if (hlog_reader_open(f, &o, &r) != HLOG_OK)
        die("hlog_reader_open");
    char *tags[MAX_TAGS];
    struct hdr_hist *merged[MAX_TAGS];
    int ntags = 0;
    int i = 0;
    for (;;) {
        struct hlog_interval iv;
        int rc = hlog_reader_next(r, &iv);
        if (rc == 0)
            break;
        if (rc < 0) {
            fprintf(stderr, "hlog_interop: %s:%ld: %s\n", path, hlog_reader_error_line(r),
                    hlog_reader_error(r));
            exit(1);
        }
        const char *tag = iv.tag ? iv.tag : "-";
        char what[256];
        /* Java: (long)(absolute seconds * 1000.0) */
        snprintf(what, sizeof(what), "interval %d tag=%s start_ms=%" PRId64 " end_ms=%" PRId64, i++,
                 tag, (int64_t)(iv.start_s * 1000.0),
                 (int64_t)((iv.start_s + iv.length_s) * 1000.0));
        line(what, iv.hist);
        int k = 0;
        while (k < ntags && strcmp(tags[k], tag) != 0)
            k++;
        if (k == ntags) {
            if (ntags == MAX_TAGS)
                die("too many tags");
            tags[k] = strdup(tag);
            merged[k] = NULL;
            ntags++;
        }
        merge(&merged[k], iv.hist);
        hdr_close(iv.hist);
    }
    printf("start_time=%.3f\n", hlog_reader_info(r)->start_time_s);
    for (int k = 0; k < ntags; k++) {
        char what[128];
        snprintf(what, sizeof(what), "merged tag=%s", tags[k]);
        line(what, merged[k]);
        hdr_close(merged[k]);
        free(tags[k]);
    }
    hlog_reader_close(r);
    fclose(f);
}

/* Prints the hex of the uncompressed V2 form of every interval line's
 * histogram, after checking that gatecap re-encodes it to the same bytes. */
static void payloads(const char *path, bool compressed_only)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        die("cannot open input");
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&buf, &cap, f)) > 0) {
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
            buf[--n] = '\0';
        if (n == 0 || buf[0] == '#' || buf[0] == '"')
            continue;
        char *b64 = strrchr(buf, ',');
        if (b64 == NULL)
            die("not an interval line");
        b64++;
        if (compressed_only) {
            printf("%s\n", b64);
            continue;
        }
        size_t len = strlen(b64);
        uint8_t *bin = malloc(len);
        size_t bin_len = 0;
        if (bin == NULL || enc_unbase64(b64, len, bin, len, &bin_len) != 0)
            die("bad base64");
        /* inflate the original payload */
        uLongf plain_len = 64u << 20;
        uint8_t *plain = malloc(plain_len);
        if (plain == NULL || bin_len < 8 ||
            uncompress(plain, &plain_len, bin + 8, (uLong)(bin_len - 8)) != Z_OK)
            die("cannot inflate");
        struct hdr_hist *h = NULL;
        uint8_t *mine = NULL;
        size_t mine_len = 0;
        if (hdr_decode_base64(b64, len, &h) != 0 || hdr_encode_v2(h, &mine, &mine_len) != 0)
            die("gatecap cannot decode or re-encode");
        if (mine_len != plain_len || memcmp(mine, plain, mine_len) != 0) {
            fprintf(stderr, "hlog_interop: %s: re-encoding differs from the original for %s\n",
                    path, b64);
            exit(1);
        }
        for (uLongf i = 0; i < plain_len; i++)
            printf("%02x", plain[i]);
        printf("\n");
        free(mine);
        hdr_close(h);
        free(plain);
        free(bin);
    }
    free(buf);
    fclose(f);
}

static int check_format(void)
{
    char text[512];
    int dec;
    unsigned long long bits;
    long n = 0, bad = 0;
    while (scanf("%d %llx %511s", &dec, &bits, text) == 3) {
        double v;
        uint64_t b = bits;
        memcpy(&v, &b, sizeof(v));
        char mine[512];
        if (hlog_format_fixed(mine, sizeof(mine), v, dec) != HLOG_OK)
            snprintf(mine, sizeof(mine), "(error)");
        n++;
        if (strcmp(mine, text) != 0) {
            bad++;
            printf("mismatch: %%.%df of %.17g: Java '%s', gatecap '%s'\n", dec, v, text, mine);
        }
    }
    printf("%ld values, %ld mismatches\n", n, bad);
    return bad == 0 && n > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "format"))
        return check_format();
    if (argc == 3 && !strcmp(argv[1], "write"))
        write_log(argv[2]);
    else if (argc == 3 && !strcmp(argv[1], "read"))
        read_log(argv[2]);
    else if (argc == 3 && !strcmp(argv[1], "payloads"))
        payloads(argv[2], false);
    else if (argc == 3 && !strcmp(argv[1], "compressed"))
        payloads(argv[2], true);
    else {
        fprintf(stderr,
                "usage: hlog_interop write OUT | read IN | payloads IN | compressed IN | format\n");
        return 2;
    }
    return 0;
}
