#!/bin/bash
# run_auth_fapi.sh over the native HTTP/2 transport: private_key_jwt, PKCS#12 client certificates and JWS request signatures.
IT_HTTP=2 exec bash "$(dirname "$0")/../run_auth_fapi.sh"
