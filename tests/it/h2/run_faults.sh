#!/bin/bash
# run_faults.sh over the native HTTP/2 transport: faults planted by the simulator, counted by their class.
IT_HTTP=2 exec bash "$(dirname "$0")/../run_faults.sh"
