/*
 * hdr_codec.c — HdrHistogram V2 encoding, compression and base64.
 *
 * The encoder mirrors Java's AbstractHistogram.encodeIntoByteBuffer and
 * encodeIntoCompressedByteBuffer(buffer, 9) (what HistogramLogWriter uses),
 * so the same histogram gives the same bytes with the same zlib.
 *
 * The decoder never trusts a length: the outer length must match the
 * buffer, the histogram is created from a validated header (so its size is
 * what the format allows for those parameters, nothing more), and the
 * payload is inflated through a fixed chunk and decoded as it streams, so a
 * "zip bomb" payload costs time bounded by the stated payload length and no
 * memory beyond the histogram itself.
 */
#include "measure/hdr_codec.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "base/encode.h"

#define V0_COOKIE_BASE 0x1c849308
#define V0_COMPRESSED_COOKIE_BASE 0x1c849309
#define V1_COOKIE_BASE 0x1c849301
#define V1_COMPRESSED_COOKIE_BASE 0x1c849302
#define V2_COOKIE_BASE 0x1c849303
#define V2_COMPRESSED_COOKIE_BASE 0x1c849304
#define DOUBLE_COOKIE 0x0c72124e
#define DOUBLE_COMPRESSED_COOKIE 0x0c72124f

#define VARINT_MAX_BYTES 9
#define INFLATE_CHUNK 16384

/* ---- big-endian helpers ------------------------------------------------- */

static uint32_t get_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
    return ((uint64_t)get_be32(p) << 32) | get_be32(p + 4);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

/* Two's complement reinterpretation without relying on
 * implementation-defined conversions. */
static int32_t as_int32(uint32_t v)
{
    return v <= INT32_MAX ? (int32_t)v : (int32_t)(v - 0x80000000u) - INT32_MAX - 1;
}

static int64_t as_int64(uint64_t v)
{
    return v <= INT64_MAX ? (int64_t)v : (int64_t)(v - 0x8000000000000000u) - INT64_MAX - 1;
}

/* ---- cookies ------------------------------------------------------------ */

static uint32_t cookie_base(uint32_t cookie)
{
    return cookie & ~0xf0u;
}

/* What a cookie that is not the expected one is: a clear reason. */
static int classify_bad_cookie(uint32_t cookie)
{
    uint32_t base = cookie_base(cookie);
    if (cookie == DOUBLE_COOKIE || cookie == DOUBLE_COMPRESSED_COOKIE)
        return HDR_CODEC_EDOUBLE;
    if (base == V0_COOKIE_BASE || base == V0_COMPRESSED_COOKIE_BASE || base == V1_COOKIE_BASE ||
        base == V1_COMPRESSED_COOKIE_BASE)
        return HDR_CODEC_EV0V1;
    return HDR_CODEC_ECOOKIE;
}

/* ---- varints: ZigZag + LEB128-64b9B ------------------------------------- */

/* Appends value as ZigZag LEB128-64b9B (Java's ZigZagEncoding.putLong);
 * returns the number of bytes written (1..9). */
static size_t put_zigzag(uint8_t *p, int64_t value)
{
    uint64_t v = ((uint64_t)value << 1) ^ (value < 0 ? UINT64_MAX : 0);
    size_t n = 0;
    while (n < 8 && (v >> 7) != 0) {
        p[n++] = (uint8_t)((v & 0x7f) | 0x80);
        v >>= 7;
    }
    /* Bytes 1..8 carry 7 bits and a continuation bit; the 9th carries 8. */
    p[n++] = (uint8_t)v;
    return n;
}

enum { VARINT_OK = 1, VARINT_MORE = 0, VARINT_OVERLONG = -1 };

/* Reads one LEB128-64b9B varint (not yet ZigZag-decoded) from p[0..n).
 * VARINT_MORE when p ends inside it; VARINT_OVERLONG when the last byte
 * of a multi-byte varint is zero (a non-minimal encoding no writer
 * produces). */
static int get_varint(const uint8_t *p, size_t n, uint64_t *v, size_t *len)
{
    uint64_t x = 0;
    for (size_t i = 0; i < VARINT_MAX_BYTES - 1; i++) {
        if (i >= n)
            return VARINT_MORE;
        x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if ((p[i] & 0x80) == 0) {
            if (i > 0 && p[i] == 0)
                return VARINT_OVERLONG;
            *v = x;
            *len = i + 1;
            return VARINT_OK;
        }
    }
    if (n < VARINT_MAX_BYTES)
        return VARINT_MORE;
    if (p[8] == 0)
        return VARINT_OVERLONG;
    *v = x | ((uint64_t)p[8] << 56);
    *len = VARINT_MAX_BYTES;
    return VARINT_OK;
}

/* ---- payload decoding ------------------------------------------------- */

struct counts_dec {
    struct hdr_hist *h;
    int32_t idx;   /* next slot to fill */
    int64_t total; /* sum of the counts so far */
};

/* Decodes whole varints from p[0..n) into d; *used gets the bytes taken.
 * A varint cut off at the end is left for the next call, unless final,
 * where it is HDR_CODEC_EVARINT. */
static int decode_counts(struct counts_dec *d, const uint8_t *p, size_t n, bool final, size_t *used)
{
    size_t pos = 0;
    int32_t len_slots = d->h->counts_len;

    while (pos < n) {
        uint64_t zz;
        size_t vlen;
        int vr = get_varint(p + pos, n - pos, &zz, &vlen);
        if (vr == VARINT_MORE) {
            if (final)
                return HDR_CODEC_EVARINT;
            break;
        }
        if (vr == VARINT_OVERLONG)
            return HDR_CODEC_EVARINT;
        pos += vlen;
        if (zz & 1) {
            /* Negative: -(zz >> 1) - 1, a run of k zero slots. */
            uint64_t zeros = (zz >> 1) + 1;
            if (zeros > (uint64_t)(len_slots - d->idx))
                return HDR_CODEC_ECOUNTS;
            d->idx += (int32_t)zeros;
        } else {
            int64_t count = (int64_t)(zz >> 1);
            if (d->idx >= len_slots)
                return HDR_CODEC_ECOUNTS;
            if (count > INT64_MAX - d->total)
                return HDR_CODEC_ETOTAL;
            d->h->counts[d->idx++] = count;
            d->total += count;
        }
    }
    *used = pos;
    return HDR_CODEC_OK;
}

/* Validates a plain V2 header and creates the histogram it describes.
 * *payload_len gets the payload length, checked against what a histogram
 * of that size can need (one varint of at most 9 bytes per slot). */
static int header_to_hist(const uint8_t *p, size_t *payload_len, struct hdr_hist **out)
{
    uint32_t cookie = get_be32(p);
    if (cookie_base(cookie) != V2_COOKIE_BASE)
        return classify_bad_cookie(cookie);

    int32_t plen = as_int32(get_be32(p + 4));
    int32_t offset = as_int32(get_be32(p + 8));
    int32_t sigfigs = as_int32(get_be32(p + 12));
    int64_t lowest = as_int64(get_be64(p + 16));
    int64_t highest = as_int64(get_be64(p + 24));
    /* p + 32: integer-to-double conversion ratio, meaningful only to
     * DoubleHistogram; ignored like Java's Histogram does. */

    if (plen < 0)
        return HDR_CODEC_ELENGTH;
    if (offset != 0)
        return HDR_CODEC_EOFFSET;
    if (sigfigs < 0 || sigfigs > 5 || lowest < 1 || lowest > INT64_MAX / 2 || highest < 2 * lowest)
        return HDR_CODEC_EHEADER;

    struct hdr_hist *h = NULL;
    int rc = hdr_init(lowest, highest, sigfigs, &h);
    if (rc == HDR_ENOMEM)
        return HDR_CODEC_ENOMEM;
    if (rc != HDR_OK)
        return HDR_CODEC_EHEADER;
    if ((uint64_t)plen > (uint64_t)h->counts_len * VARINT_MAX_BYTES) {
        hdr_close(h);
        return HDR_CODEC_ELENGTH;
    }
    *payload_len = (size_t)plen;
    *out = h;
    return HDR_CODEC_OK;
}

int hdr_decode_v2(const uint8_t *buf, size_t len, struct hdr_hist **out)
{
    struct hdr_hist *h = NULL;
    size_t plen = 0;
    int rc;

    if (out == NULL || (buf == NULL && len > 0))
        return HDR_CODEC_EINVAL;
    *out = NULL;
    if (len >= 4 && cookie_base(get_be32(buf)) != V2_COOKIE_BASE)
        return classify_bad_cookie(get_be32(buf));
    if (len < HDR_CODEC_HEADER_BYTES)
        return HDR_CODEC_ETRUNCATED;
    rc = header_to_hist(buf, &plen, &h);
    if (rc != HDR_CODEC_OK)
        goto fail;
    rc = HDR_CODEC_ETRUNCATED;
    if (plen > len - HDR_CODEC_HEADER_BYTES)
        goto fail;
    rc = HDR_CODEC_ETRAILING;
    if (plen < len - HDR_CODEC_HEADER_BYTES)
        goto fail;

    struct counts_dec d = {.h = h};
    size_t used = 0;
    rc = decode_counts(&d, buf + HDR_CODEC_HEADER_BYTES, plen, true, &used);
    if (rc != HDR_CODEC_OK)
        goto fail;
    hdr_recompute(h);
    *out = h;
    return HDR_CODEC_OK;

fail:
    hdr_close(h);
    return rc;
}

/* ---- compressed decoding ---------------------------------------------- */

/* Inflates up to n bytes into dst; *got gets how many came out, *ended
 * whether the zlib stream ended. Stops early only when the input runs
 * out or the stream ends. */
static int inflate_some(z_stream *z, uint8_t *dst, size_t n, size_t *got, bool *ended)
{
    z->next_out = dst;
    z->avail_out = (uInt)n;
    *ended = false;
    while (z->avail_out > 0) {
        int zr = inflate(z, Z_NO_FLUSH);
        if (zr == Z_STREAM_END) {
            *ended = true;
            break;
        }
        if (zr == Z_OK)
            continue;
        if (zr == Z_BUF_ERROR) /* no progress possible: input exhausted */
            break;
        if (zr == Z_MEM_ERROR)
            return HDR_CODEC_ENOMEM;
        return HDR_CODEC_EZLIB;
    }
    *got = n - z->avail_out;
    return HDR_CODEC_OK;
}

int hdr_decode_compressed(const uint8_t *buf, size_t len, struct hdr_hist **out)
{
    struct hdr_hist *h = NULL;
    uint8_t *chunk = NULL;
    z_stream z;
    bool z_live = false;
    int rc;

    if (out == NULL || (buf == NULL && len > 0))
        return HDR_CODEC_EINVAL;
    *out = NULL;
    if (len >= 4 && cookie_base(get_be32(buf)) != V2_COMPRESSED_COOKIE_BASE)
        return classify_bad_cookie(get_be32(buf));
    if (len < 8)
        return HDR_CODEC_ETRUNCATED;
    int32_t clen = as_int32(get_be32(buf + 4));
    if (clen < 0)
        return HDR_CODEC_ELENGTH;
    if ((size_t)clen > len - 8)
        return HDR_CODEC_ETRUNCATED;
    if ((size_t)clen < len - 8)
        return HDR_CODEC_ETRAILING;

    memset(&z, 0, sizeof(z));
    rc = HDR_CODEC_ENOMEM;
    if (inflateInit(&z) != Z_OK)
        goto done;
    z_live = true;
    z.next_in = (Bytef *)(uintptr_t)(buf + 8); /* zlib's API is not const */
    z.avail_in = (uInt)clen;

    uint8_t header[HDR_CODEC_HEADER_BYTES];
    size_t got = 0;
    bool ended = false;
    rc = inflate_some(&z, header, sizeof(header), &got, &ended);
    if (rc != HDR_CODEC_OK)
        goto done;
    rc = HDR_CODEC_ETRUNCATED;
    if (got < sizeof(header))
        goto done;
    size_t remaining = 0;
    rc = header_to_hist(header, &remaining, &h);
    if (rc != HDR_CODEC_OK)
        goto done;

    rc = HDR_CODEC_ENOMEM;
    chunk = malloc(INFLATE_CHUNK);
    if (chunk == NULL)
        goto done;
    struct counts_dec d = {.h = h};
    size_t have = 0; /* bytes of a cut-off varint carried to the chunk's front */
    while (remaining > 0) {
        size_t want = INFLATE_CHUNK - have;
        if (want > remaining)
            want = remaining;
        rc = inflate_some(&z, chunk + have, want, &got, &ended);
        if (rc != HDR_CODEC_OK)
            goto done;
        rc = HDR_CODEC_ETRUNCATED;
        if (got < want)
            goto done;
        remaining -= got;
        size_t used = 0;
        rc = decode_counts(&d, chunk, have + got, remaining == 0, &used);
        if (rc != HDR_CODEC_OK)
            goto done;
        have = have + got - used;
        memmove(chunk, chunk + used, have);
    }

    /* The stream must end (its checksum verified) right after the payload,
     * and nothing may follow it within the stated length. */
    if (!ended) {
        uint8_t extra;
        rc = inflate_some(&z, &extra, 1, &got, &ended);
        if (rc != HDR_CODEC_OK)
            goto done;
        rc = HDR_CODEC_ETRAILING;
        if (got > 0)
            goto done;
        rc = HDR_CODEC_ETRUNCATED;
        if (!ended)
            goto done;
    }
    rc = HDR_CODEC_ETRAILING;
    if (z.avail_in != 0)
        goto done;

    hdr_recompute(h);
    *out = h;
    h = NULL;
    rc = HDR_CODEC_OK;

done:
    if (z_live)
        inflateEnd(&z);
    free(chunk);
    hdr_close(h);
    return rc;
}

/* ---- encoding ----------------------------------------------------------- */

int hdr_encode_v2(const struct hdr_hist *h, uint8_t **out, size_t *out_len)
{
    if (out == NULL || out_len == NULL)
        return HDR_CODEC_EINVAL;
    *out = NULL;
    *out_len = 0;
    if (h == NULL || h->counts == NULL || h->counts_len <= 0 || h->max_value < 0)
        return HDR_CODEC_EINVAL;

    /* Java writes slots 0 .. countsIndex(max) (slot 0 alone when empty). */
    int32_t relevant = hdr_counts_index(h, h->max_value) + 1;
    if (relevant > h->counts_len || relevant < 1)
        relevant = h->counts_len;

    size_t cap = HDR_CODEC_HEADER_BYTES + (size_t)relevant * VARINT_MAX_BYTES;
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        return HDR_CODEC_ENOMEM;

    size_t pos = HDR_CODEC_HEADER_BYTES;
    int32_t i = 0;
    while (i < relevant) {
        int64_t count = h->counts[i++];
        if (count < 0) {
            free(buf);
            return HDR_CODEC_EINVAL;
        }
        int64_t zeros = 0;
        if (count == 0) {
            zeros = 1;
            while (i < relevant && h->counts[i] == 0) {
                zeros++;
                i++;
            }
        }
        /* Like Java: a lone zero is written as 0, longer runs as -k. */
        pos += put_zigzag(buf + pos, zeros > 1 ? -zeros : count);
    }

    double ratio = 1.0;
    uint64_t ratio_bits;
    memcpy(&ratio_bits, &ratio, sizeof(ratio_bits));
    put_be32(buf, HDR_CODEC_V2_COOKIE);
    put_be32(buf + 4, (uint32_t)(pos - HDR_CODEC_HEADER_BYTES));
    put_be32(buf + 8, 0);
    put_be32(buf + 12, (uint32_t)h->sigfigs);
    put_be64(buf + 16, (uint64_t)h->lowest_discernible);
    put_be64(buf + 24, (uint64_t)h->highest_trackable);
    put_be64(buf + 32, ratio_bits);
    *out = buf;
    *out_len = pos;
    return HDR_CODEC_OK;
}

int hdr_encode_compressed(const struct hdr_hist *h, uint8_t **out, size_t *out_len)
{
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    uint8_t *buf = NULL;
    int rc;

    if (out == NULL || out_len == NULL)
        return HDR_CODEC_EINVAL;
    *out = NULL;
    *out_len = 0;
    rc = hdr_encode_v2(h, &plain, &plain_len);
    if (rc != HDR_CODEC_OK)
        return rc;

    uLong bound = compressBound((uLong)plain_len);
    rc = HDR_CODEC_ENOMEM;
    buf = malloc(8 + (size_t)bound);
    if (buf == NULL)
        goto done;
    uLongf zlen = bound;
    /* Java's Deflater(9): zlib header, 32K window, memLevel 8, default
     * strategy — exactly compress2's defaults. */
    int zr = compress2(buf + 8, &zlen, plain, (uLong)plain_len, Z_BEST_COMPRESSION);
    rc = zr == Z_MEM_ERROR ? HDR_CODEC_ENOMEM : HDR_CODEC_EZLIB;
    if (zr != Z_OK || zlen > INT32_MAX)
        goto done;
    put_be32(buf, HDR_CODEC_V2_COMPRESSED_COOKIE);
    put_be32(buf + 4, (uint32_t)zlen);
    *out = buf;
    *out_len = 8 + (size_t)zlen;
    buf = NULL;
    rc = HDR_CODEC_OK;

done:
    free(plain);
    free(buf);
    return rc;
}

int hdr_encode_base64(const struct hdr_hist *h, char **out)
{
    uint8_t *bin = NULL;
    size_t bin_len = 0;

    if (out == NULL)
        return HDR_CODEC_EINVAL;
    *out = NULL;
    int rc = hdr_encode_compressed(h, &bin, &bin_len);
    if (rc != HDR_CODEC_OK)
        return rc;
    size_t n = enc_base64_len(bin_len) + 1;
    char *s = malloc(n);
    if (s == NULL) {
        free(bin);
        return HDR_CODEC_ENOMEM;
    }
    rc = enc_base64(bin, bin_len, s, n);
    free(bin);
    if (rc != HDR_CODEC_OK) {
        free(s);
        return rc;
    }
    *out = s;
    return HDR_CODEC_OK;
}

int hdr_decode_base64(const char *s, size_t len, struct hdr_hist **out)
{
    if (out == NULL || (s == NULL && len > 0))
        return HDR_CODEC_EINVAL;
    *out = NULL;
    if (len % 4 != 0)
        return HDR_CODEC_EBASE64;
    size_t cap = len / 4 * 3;
    uint8_t *bin = malloc(cap > 0 ? cap : 1);
    if (bin == NULL)
        return HDR_CODEC_ENOMEM;
    size_t bin_len = 0;
    int rc = enc_unbase64(s, len, bin, cap, &bin_len);
    rc = rc == ENC_EBASE64 ? HDR_CODEC_EBASE64 : rc ? HDR_CODEC_EINVAL : 0;
    if (rc == HDR_CODEC_OK)
        rc = hdr_decode_compressed(bin, bin_len, out);
    free(bin);
    return rc;
}

const char *hdr_codec_strerror(int err)
{
    switch (err) {
    case HDR_CODEC_OK:
        return "success";
    case HDR_CODEC_EINVAL:
        return "invalid argument to the histogram codec";
    case HDR_CODEC_ENOMEM:
        return "out of memory while encoding or decoding a histogram";
    case HDR_CODEC_EBASE64:
        return "not valid base64 (standard alphabet, '=' padding, length a multiple of 4)";
    case HDR_CODEC_ECOOKIE:
        return "not an HdrHistogram V2 encoding (unknown cookie)";
    case HDR_CODEC_EV0V1:
        return "HdrHistogram V0/V1 encoding (written by HdrHistogram before 2.1) is not "
               "supported; re-encode it with a current HdrHistogram";
    case HDR_CODEC_EDOUBLE:
        return "a DoubleHistogram encoding; only integer histograms are supported";
    case HDR_CODEC_ETRUNCATED:
        return "encoded histogram is truncated (shorter than its length fields say)";
    case HDR_CODEC_ELENGTH:
        return "encoded histogram has a negative or impossibly large length field";
    case HDR_CODEC_EZLIB:
        return "compressed histogram data is corrupt (zlib)";
    case HDR_CODEC_EHEADER:
        return "encoded histogram header has invalid parameters (lowest, highest or "
               "significant figures)";
    case HDR_CODEC_EOFFSET:
        return "encoded histogram uses a normalizing index offset, which is not supported";
    case HDR_CODEC_EVARINT:
        return "encoded histogram has a cut-off or overlong count varint";
    case HDR_CODEC_ECOUNTS:
        return "encoded histogram has more counts than its range allows";
    case HDR_CODEC_ETOTAL:
        return "encoded histogram's counts add up beyond 2^63-1";
    case HDR_CODEC_ETRAILING:
        return "extra bytes after the encoded histogram";
    default:
        return "unknown histogram codec error";
    }
}
