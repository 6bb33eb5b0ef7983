#!/bin/bash
# run_signals.sh over the native HTTP/2 transport (h2c): a signal at every phase of a run ends it with whole results.
IT_HTTP=2 exec bash "$(dirname "$0")/../run_signals.sh"
