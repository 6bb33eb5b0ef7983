#!/bin/bash
# run_cluster_breakdown.sh over the native HTTP/2 transport: the per-node breakdown behind haproxy in TCP mode (TLS passthrough).
IT_HTTP=2 exec bash "$(dirname "$0")/../run_cluster_breakdown.sh"
