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

/* Classifies c's request by path and method. */
enum gsroute gsapi_route(const struct gsconn *c);

/* Authentication (--auth) and throttling checks of an API request.
 * Returns true when it answered (401 or 429), false to proceed. */
bool gsapi_precheck(struct gssrv *s, struct gsconn *c);

/* Answers an API request after its service: the echo response for 2xx,
 * a WSO2 fault body for 5xx. */
void gsapi_answer(struct gssrv *s, struct gsconn *c, int status);

/* Answers a request of route GSROUTE_TOKEN, NOT_FOUND or BAD_METHOD. */
void gsapi_answer_other(struct gssrv *s, struct gsconn *c);

/* Answers a control request (/_sim/...). */
void gsapi_control(struct gssrv *s, struct gsconn *c);

/* Answers a malformed request with status and a JSON body; closes after. */
void gsapi_bad_request(struct gssrv *s, struct gsconn *c, int status);

#endif
