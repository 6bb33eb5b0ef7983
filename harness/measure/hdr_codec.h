/*
 * hdr_codec.h — HdrHistogram V2 encoding (plain and zlib-compressed) and
 * base64, as written and read by the reference Java library (2.1.x).
 *
 * Wire format (big-endian), see docs/hlog.md:
 *   compressed: int32 cookie 0x1c849314, int32 compressed length, zlib stream
 *   plain:      int32 cookie 0x1c849313, int32 payload length, int32
 *               normalizing index offset (0), int32 significant figures,
 *               int64 lowest discernible, int64 highest trackable, float64
 *               integer-to-double ratio (1.0), then the payload: counts
 *               0 .. countsIndex(max), each ZigZag + LEB128-64b9B; -k stands
 *               for k zero slots.
 * Encoders write exactly what Java writes (single zero as 0, runs of >= 2
 * zeros as -k, zlib level 9). Decoders accept every V2 writer (a single
 * zero as 0 or -1) and treat their input as untrusted: every length is
 * checked against the buffer and the format's limits before it is used, so
 * malformed input returns an error code, never crashes, and never makes
 * the decoder allocate more than the histogram its header describes.
 *
 * No globals, no printing; every function is safe to call from any thread.
 */
#ifndef GATECAP_HDR_CODEC_H
#define GATECAP_HDR_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "measure/hdr.h"

/* Error codes (negative); hdr_codec_strerror() explains them. */
enum {
    HDR_CODEC_OK = 0,
    HDR_CODEC_EINVAL = -1,     /* bad argument (NULL, negative count in a histogram) */
    HDR_CODEC_ENOMEM = -2,     /* allocation failed */
    HDR_CODEC_EBASE64 = -3,    /* not standard base64 with padding */
    HDR_CODEC_ECOOKIE = -4,    /* no HdrHistogram cookie: not a histogram */
    HDR_CODEC_EV0V1 = -5,      /* V0/V1 encoding (HdrHistogram < 2.1): not supported */
    HDR_CODEC_EDOUBLE = -6,    /* a DoubleHistogram: not supported */
    HDR_CODEC_ETRUNCATED = -7, /* data ends before its length fields say */
    HDR_CODEC_ELENGTH = -8,    /* a length field is negative or beyond the format's limits */
    HDR_CODEC_EZLIB = -9,      /* the zlib stream is corrupt or does not end where it should */
    HDR_CODEC_EHEADER = -10,   /* header parameters no histogram can have */
    HDR_CODEC_EOFFSET = -11,   /* non-zero normalizing index offset: not supported */
    HDR_CODEC_EVARINT = -12,   /* a count's varint is cut off or overlong */
    HDR_CODEC_ECOUNTS = -13,   /* counts or zero runs run past the counts array */
    HDR_CODEC_ETOTAL = -14,    /* the counts add up beyond 2^63 - 1 */
    HDR_CODEC_ETRAILING = -15, /* bytes left after the histogram */
};

/* Cookies (the word-size nibble 0xf0 is masked off before comparing). */
#define HDR_CODEC_V2_COOKIE 0x1c849313
#define HDR_CODEC_V2_COMPRESSED_COOKIE 0x1c849314
#define HDR_CODEC_HEADER_BYTES 40 /* plain V2 header */

/* Encodes h as plain V2 (header + payload, not compressed). On success
 * *out is a malloc'd buffer owned by the caller (free()) of *out_len
 * bytes. Borrows h. Returns 0, HDR_CODEC_EINVAL or HDR_CODEC_ENOMEM. */
int hdr_encode_v2(const struct hdr_hist *h, uint8_t **out, size_t *out_len);

/* Encodes h as compressed V2, byte for byte what Java's
 * encodeIntoCompressedByteBuffer(buf, 9) writes with the same zlib.
 * *out is malloc'd and owned by the caller. Returns 0, HDR_CODEC_EINVAL,
 * HDR_CODEC_ENOMEM or HDR_CODEC_EZLIB. */
int hdr_encode_compressed(const struct hdr_hist *h, uint8_t **out, size_t *out_len);

/* Encodes h as base64 of the compressed V2 form (what an interval log
 * holds; starts "HISTF"). *out is a malloc'd NUL-terminated string owned
 * by the caller. Errors as hdr_encode_compressed. */
int hdr_encode_base64(const struct hdr_hist *h, char **out);

/* Decodes a plain V2 histogram that fills buf[0..len) exactly. The new
 * histogram keeps the header's lowest, highest and significant figures;
 * total, min and max are recomputed from the counts, overflow_count is 0.
 * *out is owned by the caller (hdr_close). Borrows buf. Returns 0 or one
 * of the negative HDR_CODEC_* codes; *out is NULL on error. */
int hdr_decode_v2(const uint8_t *buf, size_t len, struct hdr_hist **out);

/* Decodes a compressed V2 histogram that fills buf[0..len) exactly (the
 * zlib stream must end within the stated length). As hdr_decode_v2. */
int hdr_decode_compressed(const uint8_t *buf, size_t len, struct hdr_hist **out);

/* Decodes base64 text s[0..len) (no NUL needed) holding a compressed V2
 * histogram. As hdr_decode_compressed, plus HDR_CODEC_EBASE64. */
int hdr_decode_base64(const char *s, size_t len, struct hdr_hist **out);

/* Static message for a HDR_CODEC_* code. */
const char *hdr_codec_strerror(int err);

#endif
