/*
 * fuzz_hlog_read.c — libFuzzer target for the interval log reader
 * (harness/measure/hlog.c) and, through it, the base64 and V2 decoders.
 *
 * The first byte picks the reader's options (tag filter, tag prefix, time
 * range, absolute times, histograms skipped) and whether the Java-style
 * number formatter is fed too;
 * the rest is the log text. Every interval that reads must be written back
 * by the writer and read again to the same counts.
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/hdr.h"
#include "measure/hlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes h as an interval and reads it back: same counts, same tag. */
static void write_read_back(const char *tag, const struct hdr_hist *h)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL)
        return;
    struct hlog_writer w;
    bool tag_ok = tag == NULL || (tag[0] != '\0' && strpbrk(tag, ", \r\n") == NULL);
    if (hlog_writer_open(&w, f, 1700000000000LL) != HLOG_OK)
        abort();
    int rc = hlog_writer_interval(&w, tag, 1700000001000LL, 1000, h);
    if ((rc == HLOG_OK) != tag_ok)
        abort();
    if (hlog_writer_finish(&w) != (tag_ok ? HLOG_OK : HLOG_EINVAL))
        abort();
    fclose(f);
    if (tag_ok) {
        FILE *in = fmemopen(text, len, "r");
        struct hlog_reader *r = NULL;
        struct hlog_read_opts o;
        hlog_read_opts_default(&o);
        o.all_tags = true;
        if (in == NULL || hlog_reader_open(in, &o, &r) != HLOG_OK)
            abort();
        struct hlog_interval iv;
        if (hlog_reader_next(r, &iv) != 1)
            abort();
        if ((tag == NULL) != (iv.tag == NULL) || (tag != NULL && strcmp(tag, iv.tag) != 0))
            abort();
        if (iv.hist->counts_len != h->counts_len || iv.hist->total_count != h->total_count ||
            memcmp(iv.hist->counts, h->counts, (size_t)h->counts_len * sizeof(int64_t)) != 0)
            abort();
        bool offset_ok = fabs(iv.offset_s - 1.0) < 1e-9;
        hdr_close(iv.hist);
        if (!offset_ok || hlog_reader_next(r, &iv) != 0)
            abort();
        hlog_reader_close(r);
        fclose(in);
    }
    free(text);
}

static void format_double(const uint8_t *p, size_t n)
{
    if (n < 9)
        return;
    double v;
    memcpy(&v, p, sizeof(v));
    char buf[512];
    int decimals = p[8] % 20;
    if (hlog_format_fixed(buf, sizeof(buf), v, decimals) != HLOG_OK)
        return; /* too long for buf: refused, fine */
    if (isfinite(v)) {
        char *dot = strchr(buf, '.');
        if ((decimals == 0) != (dot == NULL))
            abort();
        if (dot != NULL && strlen(dot + 1) != (size_t)decimals)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t mode = data[0];
    data++;
    size--;
    if (mode & 0x80) {
        format_double(data, size);
        return 0;
    }

    /* fmemopen needs a writable buffer; keep it exactly size bytes. */
    char *buf = malloc(size);
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    FILE *f = fmemopen(buf, size, "r");
    if (f == NULL) {
        free(buf);
        return 0;
    }
    struct hlog_read_opts o;
    hlog_read_opts_default(&o);
    o.all_tags = mode & 1;
    o.tag = (mode & 2) ? "a" : NULL;
    o.tag_prefix = (mode & 32) ? "l" : NULL;
    o.skip_histograms = mode & 64;
    o.absolute = mode & 4;
    if (mode & 8) {
        o.start_s = o.absolute ? 1700000001.0 : 1.0;
        o.end_s = o.absolute ? 1700000005.0 : 5.0;
    }
    bool check_writer = mode & 16;

    struct hlog_reader *r = NULL;
    if (hlog_reader_open(f, &o, &r) != HLOG_OK)
        abort();
    long n = 0;
    for (;;) {
        struct hlog_interval iv;
        int rc = hlog_reader_next(r, &iv);
        if (rc == 0)
            break;
        if (rc < 0) {
            if (hlog_reader_error(r)[0] == '\0' || iv.hist != NULL)
                abort();
            break;
        }
        if ((iv.hist == NULL) != o.skip_histograms || iv.line < 1)
            abort();
        if (check_writer && iv.hist && n < 4)
            write_read_back(iv.tag, iv.hist);
        hdr_close(iv.hist);
        n++;
    }
    const struct hlog_info *info = hlog_reader_info(r);
    if (info->intervals != n || info->warning_count < 0)
        abort();
    hlog_reader_close(r);
    fclose(f);
    free(buf);
    return 0;
}
