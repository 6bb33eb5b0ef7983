#!/bin/bash
# run_fault_counts.sh over the native HTTP/2 transport: every fault the simulator plants counted once and in its class.
IT_HTTP=2 exec bash "$(dirname "$0")/../run_fault_counts.sh"
