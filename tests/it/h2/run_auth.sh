#!/bin/bash
# run_auth.sh over the native HTTP/2 transport: tokens, mTLS and per-application certificates.
IT_HTTP=2 exec bash "$(dirname "$0")/../run_auth.sh"
