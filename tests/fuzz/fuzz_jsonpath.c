/*
 * fuzz_jsonpath.c — libFuzzer target for the JSON path subset and the
 * checks and captures over it (harness/scenario/jsonpath.c, check.c).
 * The input is a path, a newline, and a JSON text (without a newline:
 * the whole input is the text, under a few fixed paths). The text is
 * copied into a buffer of exactly its size plus the NUL check.h asks
 * for, so ASan sees any read past its end. A path that does not compile
 * must come with a message and a position inside it; a value found must
 * lie inside the text, unescape to no more bytes than it has, and equal
 * its own unescaped text; a JSON check and capture must agree with it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/check.h"
#include "scenario/jsonpath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_path(const char *path, size_t path_len, const char *json, size_t len)
{
    struct jp_path *p = NULL;
    char err[256] = "";
    size_t pos = SIZE_MAX;
    int rc = jp_compile(path, path_len, &p, &pos, err, sizeof err);
    if (rc) {
        if (p || rc != JP_EINVAL || !err[0] || pos > path_len)
            abort();
        return;
    }
    struct jp_value v;
    rc = jp_find(p, json, len, &v);
    if (rc != JP_OK && rc != JP_NOTFOUND && rc != JP_EBADJSON)
        abort();
    char *text = NULL;
    size_t n = 0;
    if (rc == JP_OK) {
        if (v.text < json || v.len > len || v.text + v.len > json + len)
            abort();
        if (!(text = malloc(v.len + 1)))
            abort();
        n = jp_unescape(&v, text);
        if (n > v.len || !jp_equals(&v, text, n))
            abort();
        text[n] = '\0';
    }
    /* the same path as a check and a capture */
    struct chk_response r = {200, "", 0, json, len, false};
    struct scn_check c;
    struct chk_spec spec = {.kind = CHK_JSON, .op = CHK_EXISTS, .exists = true, .path = path};
    char *pz = malloc(path_len + 1);
    if (!pz)
        abort();
    memcpy(pz, path, path_len);
    pz[path_len] = '\0';
    spec.path = pz;
    if (chk_compile(&spec, &c, &pos, err, sizeof err))
        abort();
    enum chk_result res = chk_eval(&c, &r);
    if ((res == CHK_PASS) != (rc == JP_OK) || (rc == JP_EBADJSON && res != CHK_BAD_JSON))
        abort();
    chk_free(&c);
    if (rc == JP_OK) {
        spec.op = CHK_EQUALS;
        spec.value = text;
        spec.value_len = n;
        if (chk_compile(&spec, &c, &pos, err, sizeof err) || !chk_pass(&c, &r))
            abort();
        chk_free(&c);
    }
    struct scn_capture k;
    struct cap_spec cs = {.source = CAP_JSON, .path = pz};
    if (chk_capture_compile(&cs, "v", &k, &pos, err, sizeof err))
        abort();
    struct tpl_buf b = {0};
    int crc = chk_capture(&k, &r, &b);
    if (crc == 0 && (rc != JP_OK || b.len != n || memcmp(b.data, text, n) || b.data[n]))
        abort();
    if (crc != 0 && (crc != CHK_NOTFOUND || rc == JP_OK))
        abort();
    tpl_buf_free(&b);
    chk_capture_free(&k);
    free(pz);
    free(text);
    jp_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    const char *nl = memchr(in, '\n', size);
    const char *json = nl ? nl + 1 : in;
    size_t len = size - (size_t)(json - in);
    char *copy = malloc(len + 1);
    if (!copy)
        return 0;
    memcpy(copy, json, len);
    copy[len] = '\0';
    if (nl) {
        one_path(in, (size_t)(nl - in), copy, len);
    } else {
        static const char *const paths[] = {"$", "$.a", "$[0]", "$[-1]", "$.a[1].b", "$['a b']"};
        for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
            one_path(paths[i], strlen(paths[i]), copy, len);
    }
    free(copy);
    return 0;
}
