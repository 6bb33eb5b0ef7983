# tests/lib/slurm.sh — a one-machine Slurm cluster for an integration test,
# in a temporary folder. Source after common.sh:
#
#     . "$(dirname "$0")/../lib/common.sh"
#     . "$GATECAP_TOP/tests/lib/slurm.sh"
#     slurm_start                 # one cluster for all the test's checks
#
# Functions:
#   slurm_start      start munged, slurmctld and slurmd (Debian 12's Slurm
#                    22.05 and MUNGE 0.5), wait until `sinfo` shows the node
#                    idle (bounded, 30 s). Exports SLURM_CONF (every srun,
#                    sbatch, squeue... of the test talks to this cluster
#                    only); sets SLURM_DIR (the cluster's folder: conf,
#                    state, spool, logs, munge/), SLURM_NODE (the node's
#                    name). Registers slurm_stop to run at exit.
#   slurm_stop       cancel every job of the cluster, wait for the steps'
#                    slurmstepd to be gone (their sockets in the spool
#                    folder), stop slurmd, slurmctld and munged by the PIDs
#                    started here, remove the folder. Idempotent.
#   slurm_wait_job ID [TIMEOUT_S]
#                    wait until job ID has left the queue (default 120 s);
#                    prints its final state (scontrol, while slurmctld
#                    remembers it: MinJobAge below keeps it 300 s).
#
# Nothing is skipped: this runs as root (CI's `.ci/run` does), and a
# missing package or a daemon that cannot start fails the test loudly,
# naming the log to read.
#
# How it avoids the machine's own Slurm and MUNGE: munged gets its own key
# (mungekey, made here), socket, PID, seed and log files in the folder, and
# slurm.conf names that socket (AuthInfo=socket=...), so a system munged on
# /run/munge is never used or disturbed; slurm.conf is given through
# SLURM_CONF (never /etc/slurm), its ports are chosen free on loopback, and
# the node's address is 127.0.0.1. No systemd, no cgroup plugins
# (proctrack/linuxproc, task/none): they need systemd and a writable cgroup
# tree, which containers lack (docs: "Control Group v2 plugin").
# The node declares 1 CPU whatever the machine has (a node that reports
# more than it declares is fine, fewer would drain it), so more than one
# task needs --overcommit, which the tests pass.

_SLURM_PIDS=()

_slurm_need() {
    local c
    for c in munged mungekey munge unmunge slurmctld slurmd sinfo srun sbatch squeue scontrol scancel setpriv; do
        command -v "$c" > /dev/null 2>&1 ||
            fail "$c not installed: run tools/install-deps test (as root) — Slurm tests never skip"
    done
    [ "$(id -u)" = 0 ] || fail "the Slurm tests need root (munged runs as the munge user, slurmd as root)"
    id munge > /dev/null 2>&1 || fail "no munge user (the munge package creates it): tools/install-deps test"
}

_slurm_logs() {
    local f
    for f in "$SLURM_DIR"/log/*.log "$SLURM_DIR"/munge/munged.log; do
        [ -f "$f" ] || continue
        echo "---- $f (tail)" >&2
        tail -n 20 "$f" >&2
    done
}

_slurm_fail() {
    _slurm_logs
    fail "$@"
}

# A port below the kernel's ephemeral range that no socket uses in any
# state or on any address: slurmctld and slurmd bind the wildcard address
# without SO_REUSEADDR, so an outgoing connection of anything else on the
# machine (free_port's range overlaps the ephemeral one) or a TIME-WAIT left
# by one makes their bind fail with EADDRINUSE (seen on a busy machine).
_slurm_port() {
    local lo p i
    lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2> /dev/null || echo 32768)
    [ "$lo" -gt 11000 ] || lo=32768
    for i in $(seq 1 200); do
        p=$((10000 + RANDOM % (lo - 10000)))
        ss -Htan "( sport = :$p or dport = :$p )" 2> /dev/null | grep -q . || { echo "$p"; return 0; }
    done
    fail "no free port below the ephemeral range for Slurm"
}

slurm_start() {
    _slurm_need
    SLURM_NODE=$(hostname -s)
    # World-traversable (munged runs as munge and must reach its folder),
    # under /tmp itself, not $TMPDIR: munged refuses a socket whose every
    # parent folder it cannot traverse, and CI's TMPDIR is a private 0700
    # folder (tools/fresh-check); /tmp is sticky, which its check accepts.
    SLURM_DIR=$(mktemp -d "/tmp/gatecap-slurm-$$.XXXXXX")
    chmod 755 "$SLURM_DIR"
    on_exit slurm_stop
    mkdir -p "$SLURM_DIR/state" "$SLURM_DIR/spool" "$SLURM_DIR/log" "$SLURM_DIR/tmp" "$SLURM_DIR/munge"
    chown munge:munge "$SLURM_DIR/munge"
    chmod 711 "$SLURM_DIR/munge" # munged: "execute permissions for all required" on its socket folder

    # MUNGE: a key of our own, made as the munge user (so it owns it, 0600).
    local m=$SLURM_DIR/munge i
    setpriv --reuid=munge --regid=munge --init-groups mungekey -c -k "$m/munge.key" ||
        fail "mungekey could not create $m/munge.key"
    # setpriv execs (no fork): the PID started is munged's own.
    bg_start "$SLURM_DIR/log/munged.out" setpriv --reuid=munge --regid=munge --init-groups \
        munged -F --socket="$m/munge.socket" --key-file="$m/munge.key" --pid-file="$m/munged.pid" \
        --seed-file="$m/munged.seed" --log-file="$m/munged.log" --num-threads=2
    _SLURM_PIDS+=("$BG_PID")
    for ((i = 0; i < 100; i++)); do
        [ -S "$m/munge.socket" ] && break
        proc_alive "$BG_PID" || { cat "$SLURM_DIR/log/munged.out" >&2; _slurm_fail "munged exited at start"; }
        sleep 0.05
    done
    munge -n -S "$m/munge.socket" | unmunge -S "$m/munge.socket" > /dev/null ||
        _slurm_fail "munged does not answer on $m/munge.socket (munge -n | unmunge)"

    local ctld_port slurmd_port
    ctld_port=$(_slurm_port)
    slurmd_port=$(_slurm_port)
    while [ "$slurmd_port" = "$ctld_port" ]; do slurmd_port=$(_slurm_port); done
    # Reference: docs/ (shared) distributed.md section 6, the config that
    # ran on a Debian 12 machine without systemd; plus short timeouts so
    # that a cancelled job goes in seconds (KillWait) and finished jobs
    # stay visible to scontrol for the test's length (MinJobAge).
    cat > "$SLURM_DIR/slurm.conf" << CONF
ClusterName=gatecap$$
SlurmctldHost=$SLURM_NODE(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
AuthInfo=socket=$m/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool
SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/log/slurmctld.log
SlurmdLogFile=$SLURM_DIR/log/slurmd.log
TmpFS=$SLURM_DIR/tmp
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
KillWait=2
MinJobAge=300
InactiveLimit=0
MailProg=/bin/true
NodeName=$SLURM_NODE NodeAddr=127.0.0.1 CPUs=1 Sockets=1 CoresPerSocket=1 ThreadsPerCore=1 RealMemory=100 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=10 State=UP
CONF
    export SLURM_CONF=$SLURM_DIR/slurm.conf
    # A caller's environment must not leak a job's identity into the
    # cluster's commands (a test run from inside a Slurm job).
    unset SLURM_JOB_ID SLURM_JOBID SLURM_PROCID SLURM_NTASKS SLURM_STEP_ID SLURM_STEPID

    # -D: in the foreground, so the PID we hold is the daemon's.
    bg_start "$SLURM_DIR/log/slurmctld.out" slurmctld -D -i
    _SLURM_PIDS+=("$BG_PID")
    wait_for_port 127.0.0.1 "$ctld_port" 20 "$BG_PID"
    bg_start "$SLURM_DIR/log/slurmd.out" slurmd -D -N "$SLURM_NODE"
    _SLURM_PIDS+=("$BG_PID")
    local st=""
    for ((i = 0; i < 300; i++)); do
        st=$(sinfo -h -N -n "$SLURM_NODE" -o %T 2> /dev/null || true)
        [ "$st" = idle ] && break
        for p in "${_SLURM_PIDS[@]}"; do
            proc_alive "$p" || _slurm_fail "a Slurm daemon (PID $p) exited at start"
        done
        sleep 0.1
    done
    [ "$st" = idle ] || _slurm_fail "the Slurm node is not idle after 30 s (sinfo says '${st:-nothing}')"
    log "Slurm cluster up in $SLURM_DIR (slurmctld :$ctld_port, slurmd :$slurmd_port, node $SLURM_NODE)"
}

slurm_wait_job() {
    local id=$1 timeout_s=${2:-120} i n
    n=$((timeout_s * 10))
    for ((i = 0; i < n; i++)); do
        [ -z "$(squeue -h -j "$id" -o %i 2> /dev/null)" ] && break
        sleep 0.1
    done
    [ -z "$(squeue -h -j "$id" -o %i 2> /dev/null)" ] || _slurm_fail "job $id still queued after ${timeout_s}s"
    scontrol -o show job "$id" 2> /dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'
}

slurm_stop() {
    [ -n "${SLURM_DIR:-}" ] || return 0
    local i p
    if [ -n "${SLURM_CONF:-}" ] && [ "${#_SLURM_PIDS[@]}" -ge 3 ] && proc_alive "${_SLURM_PIDS[1]}"; then
        scancel -u root > /dev/null 2>&1 || true
        # Every step's slurmstepd leaves the spool folder's sockets when it
        # ends; slurmd is stopped only after that, so no step outlives it.
        for ((i = 0; i < 150; i++)); do
            [ -z "$(squeue -h -o %i 2> /dev/null)" ] &&
                [ -z "$(find "$SLURM_DIR/spool" -maxdepth 1 -type s 2> /dev/null)" ] && break
            sleep 0.1
        done
    fi
    for ((i = ${#_SLURM_PIDS[@]} - 1; i >= 0; i--)); do
        p=${_SLURM_PIDS[$i]}
        bg_stop "$p" 5 || true
    done
    _SLURM_PIDS=()
    rm -rf "$SLURM_DIR"
    SLURM_DIR=""
}
