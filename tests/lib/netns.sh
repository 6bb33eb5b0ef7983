# tests/lib/netns.sh — several "hosts" on one machine: one network
# namespace per load generator plus one for the gateway simulator, joined by
# a bridge in the simulator's namespace. Source after common.sh. Needs root.
#
#   netns_setup N     create namespaces $NS_SIM and $NS_GEN0..N-1 (names
#                     unique per test run: they hold $$), a bridge in
#                     $NS_SIM with $NS_SIM_ADDR, and generator i's eth0 with
#                     ${NS_GEN_ADDR[i]}. Registers netns_cleanup at exit.
#   netns_cleanup     delete the namespaces (their interfaces, addresses and
#                     nftables go with them). Idempotent. Every process
#                     started in a namespace must be stopped before (the
#                     tests start them with bg_start, which kills them at
#                     exit after the cleanups... so tests stop them first).
#   netns_wait_sim PORT [PID]
#                     wait (10 s) until every generator's namespace reaches
#                     the simulator's $NS_SIM_ADDR:PORT /_sim/health; fails
#                     early when PID (the simulator) has exited
#   in_sim CMD...     run CMD in the simulator's namespace
#   in_gen I CMD...   run CMD in generator I's namespace
#   netns_count_sources PORT
#                     nftables counters in $NS_SIM, per generator address:
#                     connections opened to PORT (SYN without ACK) and
#                     segments with a payload to PORT: an IPv4 packet
#                     without one is at most 80 bytes (20 + a TCP header of
#                     at most 60), so IP length > 80 is a segment with data,
#                     and a client's only data are its requests (plain
#                     HTTP; gatecap writes each request in one write and
#                     never pipelines, so one request is one segment). A
#                     request line plus a Host header naming the address is
#                     more than 40 bytes, always over the line.
#   netns_source_counts I
#                     print "SYNS REQUESTS" counted for generator I
#
# Addresses: 198.18.0.0/15 is reserved for benchmarking (RFC 2544) and used
# nowhere else on this machine; each run's namespaces are private, so even
# two runs at once cannot clash (the names differ by $$, the addresses are
# never seen outside the namespaces). Nothing is created in the root
# namespace: the veth pairs are made inside the namespaces.

NS_SIM_ADDR=198.18.0.1
NS_GEN_ADDR=()
NS_GEN=()
NS_SIM=""
_NS_ALL=()

netns_setup() {
    local n=$1 i p=gc$$
    command -v ip > /dev/null || fail "ip (iproute2) not installed: tools/install-deps test"
    command -v nft > /dev/null || fail "nft not installed: tools/install-deps test"
    [ "$(id -u)" = 0 ] || fail "network namespaces need root (CI runs as root)"
    on_exit netns_cleanup
    NS_SIM=$p-sim
    ip netns add "$NS_SIM" || fail "cannot create network namespace $NS_SIM"
    _NS_ALL+=("$NS_SIM")
    ip -n "$NS_SIM" link set lo up
    ip -n "$NS_SIM" link add br0 type bridge
    ip -n "$NS_SIM" addr add "$NS_SIM_ADDR/24" dev br0
    ip -n "$NS_SIM" link set br0 up
    for ((i = 0; i < n; i++)); do
        NS_GEN[i]=$p-g$i
        NS_GEN_ADDR[i]=198.18.0.$((10 + i))
        ip netns add "${NS_GEN[i]}" || fail "cannot create network namespace ${NS_GEN[i]}"
        _NS_ALL+=("${NS_GEN[i]}")
        ip -n "${NS_GEN[i]}" link set lo up
        # The pair is born in the simulator's namespace; one end moves to
        # the generator's as its eth0.
        ip -n "$NS_SIM" link add "g$i" type veth peer name eth0 netns "${NS_GEN[i]}"
        ip -n "$NS_SIM" link set "g$i" master br0 up
        ip -n "${NS_GEN[i]}" addr add "${NS_GEN_ADDR[i]}/24" dev eth0
        ip -n "${NS_GEN[i]}" link set eth0 up
    done
    # A bridge without STP forwards as soon as its ports are up; the tests
    # check each generator reaches the simulator (netns_wait_sim).
}

netns_cleanup() {
    local ns
    for ns in "${_NS_ALL[@]+"${_NS_ALL[@]}"}"; do
        ip netns del "$ns" 2> /dev/null
    done
    _NS_ALL=()
}

netns_wait_sim() {
    local port=$1 pid=${2:-} i k
    for ((i = 0; i < ${#NS_GEN[@]}; i++)); do
        for ((k = 0; k < 100; k++)); do
            [ "$(in_gen "$i" curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
                "http://$NS_SIM_ADDR:$port/_sim/health" 2> /dev/null)" = 200 ] && break
            if [ -n "$pid" ] && ! proc_alive "$pid"; then fail "the simulator (PID $pid) exited"; fi
            sleep 0.1
        done
        [ "$k" -lt 100 ] || fail "generator $i (${NS_GEN_ADDR[i]}) cannot reach $NS_SIM_ADDR:$port"
    done
}

in_sim() { ip netns exec "$NS_SIM" "$@"; }
in_gen() {
    local i=$1
    shift
    ip netns exec "${NS_GEN[i]}" "$@"
}

netns_count_sources() {
    local port=$1 i rules=""
    for ((i = 0; i < ${#NS_GEN[@]}; i++)); do
        rules+="counter syn$i {}
counter req$i {}
"
    done
    {
        echo "table inet gatecap {"
        echo "$rules"
        echo "chain in { type filter hook input priority 0; policy accept;"
        for ((i = 0; i < ${#NS_GEN[@]}; i++)); do
            echo "ip saddr ${NS_GEN_ADDR[i]} tcp dport $port tcp flags & (syn | ack) == syn counter name syn$i"
            echo "ip saddr ${NS_GEN_ADDR[i]} tcp dport $port ip length > 80 counter name req$i"
        done
        echo "}"
        echo "}"
    } | in_sim nft -f - || fail "nft rules in $NS_SIM refused"
}

netns_source_counts() {
    local i=$1 s r
    s=$(in_sim nft -j list counter inet gatecap "syn$i" | jq '.nftables[] | select(.counter) | .counter.packets')
    r=$(in_sim nft -j list counter inet gatecap "req$i" | jq '.nftables[] | select(.counter) | .counter.packets')
    echo "$s $r"
}
