# tests/lib/journey.sh — the Open Banking payment journey as a flow, for
# the integration tests of flows (run_flows, run_flow_truth). Source after
# common.sh, gatewaysim.sh and gatecap.sh.
#
#   near NAME VALUE WANT TOL   fail unless |VALUE − WANT| ≤ TOL
#   journey NAME TARGETS ON_FAIL LOAD
#                              writes $T_TMP/NAME.yaml: the three-step
#                              payment flow on TARGETS (a YAML list)
#   JOURNEY                    the simulator's options for the journey

near() {
    awk -v v="$2" -v w="$3" -v t="$4" 'BEGIN { d = v - w; if (d < 0) d = -d; exit !(d <= t) }' ||
        fail "$1: $2, expected $3 ± $4"
    log "  $1: $2 (expected $3 ± $4)"
}

JOURNEY=(--journey open-banking --journey-secret flows-test --service-time fixed:1ms)

# The journey as scenarios/open-banking.yaml writes it, cut to its flow;
# ON_FAIL and the load are filled in per case.
journey() { # NAME TARGETS ON_FAIL LOAD
    cat > "$T_TMP/$1.yaml" << YAML
name: $1
targets: $2
flows:
  - name: payment
    on_fail: $3
    steps:
      - name: consent
        method: POST
        path: /open-banking/v3.1/pisp/domestic-payment-consents
        headers: {Content-Type: application/json}
        body: '{"Data":{"Initiation":{"InstructionIdentification":"\${uuid}","InstructedAmount":{"Amount":"10.00","Currency":"GBP"}}},"Risk":{}}'
        checks:
          - {name: consent-created, status: 201}
          - {name: consent-accepted, json: \$.Data.Status, equals: AwaitingAuthorisation}
        capture:
          consent_id: {json: \$.Data.ConsentId}
      - name: submit
        method: POST
        path: /open-banking/v3.1/pisp/domestic-payments
        headers: {Content-Type: application/json}
        body: '{"Data":{"ConsentId":"\${consent_id}","Initiation":{}},"Risk":{}}'
        checks:
          - {name: payment-created, status: 201}
        capture:
          payment_id: {json: \$.Data.DomesticPaymentId}
      - name: status
        path: /open-banking/v3.1/pisp/domestic-payments/\${payment_id}
        checks:
          - {name: settled, json: \$.Data.Status, equals: AcceptedSettlementCompleted}
load: $4
YAML
}
