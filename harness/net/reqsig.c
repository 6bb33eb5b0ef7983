/*
 * reqsig.c — detached JWS request signatures; see reqsig.h.
 */
#include "net/reqsig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/encode.h"

#include "net/auth.h"
#include "net/jose.h"
#include "scenario/scenario.h"

struct reqsig {
    struct jose_signer *signer;
    char *scratch; /* the signing input: header "." base64url(body) */
    size_t scratch_cap;
};

int reqsig_new(const struct scenario *scn, struct reqsig **out)
{
    *out = NULL;
    bool any = false;
    for (size_t i = 0; i < scn->n_requests; i++)
        any |= scn->requests[i].sign != NULL;
    if (!any)
        return 0;
    struct reqsig *r = calloc(1, sizeof *r);
    if (!r || !(r->signer = jose_signer_new())) {
        free(r);
        return -1;
    }
    *out = r;
    return 0;
}

long reqsig_line(struct reqsig *r, const struct auth_pool *p, const struct scenario *scn,
                 const struct scn_request *rq, size_t app, const void *body, size_t body_len,
                 char *out, size_t cap)
{
    if (!r || !rq->sign)
        return 0;
    const struct jose_key *k = p ? auth_signing_key(p, app) : NULL;
    if (!k)
        return -1;
    size_t need = enc_base64url_len(body_len) + 2048;
    if (need > r->scratch_cap) {
        char *b = realloc(r->scratch, need);
        if (!b)
            return -1;
        r->scratch = b;
        r->scratch_cap = need;
    }
    const struct scn_app *a = &scn->auth.apps[app];
    int n = snprintf(out, cap, "%s: ", rq->sign->header);
    if (n < 0 || (size_t)n >= cap)
        return -1;
    long m = jose_ob_detached(r->signer, k, rq->sign->iss ? rq->sign->iss : a->client_id,
                              rq->sign->tan, (int64_t)time(NULL), body, body_len, r->scratch,
                              r->scratch_cap, out + n, cap - (size_t)n);
    return m < 0 ? -1 : n + m;
}

void reqsig_free(struct reqsig *r)
{
    if (!r)
        return;
    jose_signer_free(r->signer);
    free(r->scratch);
    free(r);
}
