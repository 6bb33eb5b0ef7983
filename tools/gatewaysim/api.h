/*
 * api.h — what the simulated gateway answers: routing, the echo API, the
 * OAuth2 token endpoint, WSO2-style error bodies, and the /_sim control
 * endpoints. Each function builds a complete response in c->out and hands
 * it to gssrv_finish (or answers a control request directly).
 */
#ifndef GATEWAYSIM_API_H
#define GATEWAYSIM_API_H

#include <stdbool.h>

#include "conn.h"
#include "server.h"

/* Classifies c's request by path and method: control, token endpoint, an
 * API route of s->cfg (then c->api_status is what it answers), a path no
 * route has (404) or a method its routes do not take (405). */
enum gsroute gsapi_route(const struct gssrv *s, struct gsconn *c);

/* Reads the Bearer token of an API request as it arrives: sets c->tok*
 * and c->client_idx (the client of a genuine token, expired or not, else
 * GSSTATS_CLIENT_NONE) for the per-client counters. */
void gsapi_identify(struct gssrv *s, struct gsconn *c);

/* Authentication (--auth) and throttling checks of an API request, after
 * gsapi_identify: node limit (900800), application quota (900803),
 * per-token limit (900804). Returns true when it answered (401 or 429),
 * false to proceed. */
bool gsapi_precheck(struct gssrv *s, struct gsconn *c);

/* Answers an API request after its service: the echo response for 2xx
 * (status), a WSO2 fault body for 5xx. */
void gsapi_answer(struct gssrv *s, struct gsconn *c, int status);

/* Answers a request of route GSROUTE_TOKEN, NOT_FOUND or BAD_METHOD. */
void gsapi_answer_other(struct gssrv *s, struct gsconn *c);

/* Answers a control request (/_sim/...). */
void gsapi_control(struct gssrv *s, struct gsconn *c);

/* Sends status with body[0, len) (omitted for HEAD), Content-Type ctype
 * and extra header lines (NULL: none), and counts it. */
void gsapi_reply(struct gssrv *s, struct gsconn *c, int status, const char *ctype,
                 const char *extra, const char *body, size_t len);

/* Sends status with the JSON built in s->scratch. */
void gsapi_reply_scratch(struct gssrv *s, struct gsconn *c, int status, const char *extra);

/* Answers a malformed request with status and a JSON body; closes after. */
void gsapi_bad_request(struct gssrv *s, struct gsconn *c, int status);

#endif
