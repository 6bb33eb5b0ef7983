#!/bin/bash
# run_capacity_model.sh over the native HTTP/2 transport: coordinated omission under a stall against the analytic truth.
# test: alone (compares gatecap's numbers with a planted truth)
IT_HTTP=2 exec bash "$(dirname "$0")/../run_capacity_model.sh"
