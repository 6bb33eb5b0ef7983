/*
 * oauth.h — the simulated key manager's token endpoint, POST /oauth2/token
 * (RFC 6749), answering as WSO2's key manager does.
 *
 * Client authentication: HTTP Basic, or client_id and client_secret in the
 * form body, or — on the HTTPS listener with --client-ca — client_id alone
 * with a verified client certificate (tls_client_auth, RFC 8705). Grants:
 * client_credentials, and password (username, password; --user). Every
 * token names the client it was issued to (token.h).
 */
#ifndef GATEWAYSIM_OAUTH_H
#define GATEWAYSIM_OAUTH_H

#include "conn.h"
#include "server.h"

/* Answers c's token request (route GSROUTE_TOKEN): a token (200) or an
 * OAuth2 error (400, 401, 405; 503 for the --token-error-rate fraction).
 * Counts issued tokens per client. A hostile key manager for tests:
 * --token-expires-in writes expires_in as given, --token-echo repeats the
 * whole request (secrets included) in every answer, --token-pad makes
 * answers as large as asked. */
void gsoauth_token(struct gssrv *s, struct gsconn *c);

#endif
