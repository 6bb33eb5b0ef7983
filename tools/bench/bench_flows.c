/*
 * bench_flows.c — what a flow step's checks and captures cost on the
 * answer path (docs/scenario.md, "Bodies only when needed"): a 201 with an
 * Open Banking consent body (about 600 bytes), fed to the native
 * transport's parser as it is for a step without checks (nothing kept),
 * and for a step that keeps the answer, checks a JSON value and captures
 * the consent id — the whole per-answer work of each. ns per answer and
 * the ratio; no assertions (make bench).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "net/h1parse.h"
#include "scenario/check.h"
#include "scenario/template.h"

#define ROUNDS 200000

static const char answer[] =
    "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Gateway-Node: gw-1\r\n"
    "x-fapi-interaction-id: 93bac548-d2de-4546-b106-880a5018460d\r\nContent-Length: 573\r\n\r\n"
    "{\"Data\":{\"ConsentId\":\"QwEBoje70i9KDtsLjgAZDTlWUdC-_Fwb\",\"Status\":"
    "\"AwaitingAuthorisation\",\"CreationDateTime\":\"2026-12-02T17:09:45.647+00:00\","
    "\"StatusUpdateDateTime\":\"2026-12-02T17:09:45.647+00:00\",\"Initiation\":{"
    "\"InstructionIdentification\":\"ACME412\",\"EndToEndIdentification\":\"FRESCO.21302.GFX.20\","
    "\"InstructedAmount\":{\"Amount\":\"165.88\",\"Currency\":\"GBP\"},\"CreditorAccount\":{"
    "\"SchemeName\":\"UK.OBIE.SortCodeAccountNumber\",\"Identification\":\"08080021325698\","
    "\"Name\":\"ACME Inc\",\"SecondaryIdentification\":\"0002\"},\"RemittanceInformation\":{"
    "\"Reference\":\"FRESCO-101\",\"Unstructured\":\"Internal ops code 5120101\"}}},\"Risk\":{"
    "\"PaymentContextCode\":\"EcommerceGoods\",\"MerchantCategoryCode\":\"5967\","
    "\"MerchantCustomerIdentification\":\"053598653254\"},\"Links\":{\"Self\":"
    "\"/open-banking/v3.1/pisp/domestic-payment-consents/QwEBoje70i9KDtsLjgAZDTlWUdC\"},"
    "\"Meta\":{}}";

static int64_t parse_plain(int rounds)
{
    struct h1p p;
    size_t used;
    int64_t t0 = clock_now_ns();
    for (int i = 0; i < rounds; i++) {
        h1p_reset(&p, "X-Gateway-Node", 14, false);
        if (h1p_feed(&p, answer, sizeof answer - 1, &used) != H1P_DONE)
            exit(1);
    }
    return clock_now_ns() - t0;
}

static int64_t parse_checked(int rounds, const struct scn_check *chk, const struct scn_capture *cap)
{
    struct h1p p;
    struct h1p_keep keep = {0};
    struct tpl_buf var = {0};
    size_t used;
    int64_t t0 = clock_now_ns();
    for (int i = 0; i < rounds; i++) {
        h1p_reset(&p, "X-Gateway-Node", 14, false);
        h1p_keep_begin(&p, &keep, 1 << 20);
        if (h1p_feed(&p, answer, sizeof answer - 1, &used) != H1P_DONE)
            exit(1);
        const char *eol = memchr(keep.head, '\n', keep.head_len);
        struct chk_response r = {.status = p.status,
                                 .head = eol + 1,
                                 .head_len = keep.head_len - (size_t)(eol + 1 - keep.head),
                                 .body = keep.body,
                                 .body_len = keep.body_len};
        if (!chk_pass(chk, &r) || chk_capture(cap, &r, &var))
            exit(1);
    }
    int64_t t = clock_now_ns() - t0;
    h1p_keep_free(&keep);
    tpl_buf_free(&var);
    return t;
}

int main(void)
{
    struct chk_spec cs = {.kind = CHK_JSON,
                          .op = CHK_EQUALS,
                          .path = "$.Data.Status",
                          .value = "AwaitingAuthorisation",
                          .value_len = 21};
    struct cap_spec ps = {.source = CAP_JSON, .path = "$.Data.ConsentId"};
    struct scn_check chk;
    struct scn_capture cap;
    char err[256];
    size_t pos;
    if (chk_compile(&cs, &chk, &pos, err, sizeof err) ||
        chk_capture_compile(&ps, "consent_id", &cap, &pos, err, sizeof err)) {
        fprintf(stderr, "bench_flows: %s\n", err);
        return 1;
    }
    parse_plain(ROUNDS / 10); /* warm */
    parse_checked(ROUNDS / 10, &chk, &cap);
    int64_t plain = parse_plain(ROUNDS), checked = parse_checked(ROUNDS, &chk, &cap);
    printf("flow step answer (201, %zu-byte consent body): no checks %.0f ns, kept + JSON check + "
           "JSON capture %.0f ns (%.2fx)\n",
           sizeof answer - 1, (double)plain / ROUNDS, (double)checked / ROUNDS,
           (double)checked / (double)plain);
    chk_free(&chk);
    chk_capture_free(&cap);
    return 0;
}
