#!/usr/bin/env bash
# A real one-node Slurm cluster (munged, slurmctld, slurmd from Debian's packages) in a fresh
# temp folder with random free ports, for testing dip's job arrays against a real scheduler.
# Recipe: ../shared/reference/slurm-local.md. Needs root (slurmd runs the jobs as root here).
#
#   bash scripts/slurm-cluster.sh -- CMD ARGS…    bring it up, run CMD with SLURM_CONF set, tear down
#   source scripts/slurm-cluster.sh; slurm_up; …; slurm_down    (what scripts/slurm-test.sh does)
#
# slurm_down stops everything it started by PID (never by name): cancels our jobs while
# slurmctld is up, SIGTERMs slurmd, slurmctld and munged in that order, then SIGKILLs any
# slurmstepd or job process whose environment names this cluster's unique SLURM_CONF.

SLURM_HOME=""
SLURM_PIDS=()

_slurm_log() { echo "slurm-cluster: $*" >&2; }

# A random port P with P and P+1 both free.
_slurm_free_port() {
    local p
    for _ in $(seq 50); do
        p=$((20000 + RANDOM % 40000))
        if ! ss -Htln "( sport = :$p or sport = :$((p + 1)) )" 2>/dev/null | grep -q .; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# Waits up to $1 tenths of a second for the command after it to succeed.
_slurm_wait() {
    local tenths=$1
    shift
    for _ in $(seq "$tenths"); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    "$@"
}

slurm_up() {
    local host port cpus sockets cores threads mem
    host=$(hostname -s)
    SLURM_HOME=$(mktemp -d /tmp/dip-slurm.XXXXXX)
    chmod 755 "$SLURM_HOME"
    mkdir -p "$SLURM_HOME"/{munge,run,state,spool,log}
    chmod 700 "$SLURM_HOME/munge"
    chmod 755 "$SLURM_HOME/run"
    local sock="$SLURM_HOME/run/munge.socket"

    mungekey -c -k "$SLURM_HOME/munge/munge.key" || return 1
    munged -F --key-file="$SLURM_HOME/munge/munge.key" --socket="$sock" --pid-file="$SLURM_HOME/run/munged.pid" \
        --log-file="$SLURM_HOME/log/munged.log" --seed-file="$SLURM_HOME/munge/seed" >"$SLURM_HOME/log/munged.out" 2>&1 &
    SLURM_PIDS+=($!)
    _slurm_wait 50 bash -c "munge -n -S '$sock' | unmunge -S '$sock'" >/dev/null || { _slurm_log "munged did not come up"; return 1; }

    port=$(_slurm_free_port) || { _slurm_log "no free port pair"; return 1; }
    # The node's layout as slurmd detects it, so slurmd does not warn.
    read -r cpus sockets cores threads <<<"$(slurmd -C 2>/dev/null | head -1 | tr ' ' '\n' |
        awk -F= '/^CPUs=/{c=$2} /^SocketsPerBoard=/{s=$2} /^CoresPerSocket=/{k=$2} /^ThreadsPerCore=/{t=$2} END{print c, s, k, t}')"
    mem=2000
    cat >"$SLURM_HOME/slurm.conf" <<EOF
ClusterName=diptest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
StateSaveLocation=$SLURM_HOME/state
SlurmdSpoolDir=$SLURM_HOME/spool/slurmd-%n
SlurmctldPidFile=$SLURM_HOME/run/slurmctld.pid
SlurmdPidFile=$SLURM_HOME/run/slurmd.pid
SlurmctldLogFile=$SLURM_HOME/log/slurmctld.log
SlurmdLogFile=$SLURM_HOME/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
KillWait=10
NodeName=$host NodeAddr=127.0.0.1 CPUs=${cpus:-2} Sockets=${sockets:-1} CoresPerSocket=${cores:-2} ThreadsPerCore=${threads:-1} RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    export SLURM_CONF="$SLURM_HOME/slurm.conf"
    slurmctld -D >"$SLURM_HOME/log/slurmctld.out" 2>&1 &
    SLURM_PIDS+=($!)
    _slurm_wait 100 bash -c 'scontrol ping | grep -q UP' >/dev/null || { _slurm_log "slurmctld did not come up"; return 1; }
    slurmd -D >"$SLURM_HOME/log/slurmd.out" 2>&1 &
    SLURM_PIDS+=($!)
    _slurm_wait 100 bash -c '[ "$(sinfo -h -o %t | head -1)" = idle ]' >/dev/null || { _slurm_log "slurmd did not come up"; return 1; }
    _slurm_log "up in $SLURM_HOME (ports $port, $((port + 1)))"
}

# PIDs of processes whose environment carries this cluster's SLURM_CONF (slurmstepd, jobs).
_slurm_stray_pids() {
    [ -n "$SLURM_HOME" ] || return 0
    local needle="SLURM_CONF=$SLURM_HOME/slurm.conf" f pid
    for f in /proc/[0-9]*/environ; do
        pid=${f#/proc/}
        pid=${pid%/environ}
        [ "$pid" = "$$" ] && continue
        tr '\0' '\n' 2>/dev/null <"$f" | grep -qxF "$needle" && echo "$pid"
    done
    return 0
}

slurm_down() {
    [ -n "$SLURM_HOME" ] || return 0
    if [ -n "${SLURM_CONF:-}" ] && command -v scancel >/dev/null; then
        scancel --user=root >/dev/null 2>&1 || true
    fi
    local i pid
    for ((i = ${#SLURM_PIDS[@]} - 1; i >= 0; i--)); do  # slurmd, slurmctld, munged
        pid=${SLURM_PIDS[i]}
        kill -TERM "$pid" 2>/dev/null || continue
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    local stray
    stray=$(_slurm_stray_pids)
    if [ -n "$stray" ]; then
        _slurm_log "killing leftover job processes: $(echo $stray)"
        kill -KILL $stray 2>/dev/null || true
        sleep 0.2
    fi
    local left=()
    for pid in "${SLURM_PIDS[@]}" $(_slurm_stray_pids); do kill -0 "$pid" 2>/dev/null && left+=("$pid"); done
    SLURM_PIDS=()
    if [ ${#left[@]} -gt 0 ]; then
        _slurm_log "error: processes still alive after teardown: ${left[*]}"
        return 1
    fi
    if [ -z "${SLURM_KEEP:-}" ]; then rm -rf "$SLURM_HOME"; else _slurm_log "kept $SLURM_HOME"; fi
    SLURM_HOME=""
    unset SLURM_CONF
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    [ "${1:-}" = "--" ] && shift
    [ $# -gt 0 ] || { echo "usage: $0 -- CMD ARGS…" >&2; exit 2; }
    [ "$(id -u)" -eq 0 ] || { echo "slurm-cluster: needs root (slurmd runs the jobs as root here)" >&2; exit 1; }
    trap 'slurm_down' EXIT
    trap 'exit 130' INT TERM
    slurm_up
    status=0
    "$@" || status=$?
    exit $status
fi
