#!/usr/bin/env bash
# deploy/slurm/test.sh: a sharded lab sweep on a real, single-node Slurm
# cluster gives the report one machine gives.
#
# It installs Debian's slurm-wlm and munge (apt, as root) if they are missing,
# starts its own munged, slurmctld and slurmd on this machine with a
# one-node configuration in a temporary directory (proctrack/linuxproc,
# task/none, select/cons_tres, the node's real CPUs and memory, its own
# ports and munge socket, so nothing of the machine's is touched), then
#   1. submits a 4-task job array of `intercept lab --quick --shard env/4`
#      with `sbatch --wait`, merges the shards with `intercept merge`, and
#      compares with a one-machine `intercept lab --quick`: metrics.parquet
#      identical byte for byte, every trial file identical, verdicts equal;
#   2. submits the script that `intercept lab --emit slurm` writes (the array
#      plus the merge as a dependent job) and compares its merged report too.
# The daemons it started are stopped by PID when it exits, whatever happens.
# Where apt, root or the daemons are not available it prints why and exits 0
# (SKIP); a wrong result exits 1.
#
# Usage: deploy/slurm/test.sh   (from anywhere; needs go, and root to install)
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
t0=$(date +%s)

skip() { echo "SKIP slurm test: $*"; exit 0; }
log() { echo "slurm test [$(( $(date +%s) - t0 ))s]: $*"; }

# --- the packages --------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
	[ "$(id -u)" = 0 ] || skip "slurm-wlm and munge are not installed and this is not root (apt-get install slurm-wlm munge)"
	command -v apt-get >/dev/null || skip "slurm-wlm and munge are not installed and there is no apt-get"
	log "apt-get install slurm-wlm munge"
	if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge; } >/tmp/intercept-slurm-apt.log 2>&1; then
		tail -5 /tmp/intercept-slurm-apt.log
		skip "apt-get could not install slurm-wlm and munge (see /tmp/intercept-slurm-apt.log)"
	fi
fi
[ "$(id -u)" = 0 ] || skip "the daemons run as root here and this is not root"
log "$(slurmctld -V), $(munged -V 2>&1 | head -1)"

# --- the binary ----------------------------------------------------------
tmp=$(mktemp -d /tmp/intercept-slurm.XXXXXX)
chmod 755 "$tmp"
pids=()
cleanup() {
	status=$?
	set +e
	if [ -n "${SLURM_CONF:-}" ] && [ ${#pids[@]} -gt 1 ]; then
		jobs=$(squeue -h -o %A 2>/dev/null)
		[ -n "$jobs" ] && scancel $jobs 2>/dev/null && sleep 2
	fi
	# Stop the daemons this script started, newest first, by PID.
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill "${pids[i]}" 2>/dev/null
	done
	for pid in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null; fi
		wait "$pid" 2>/dev/null
	done
	if [ $status -ne 0 ]; then
		for f in "$tmp"/*.log "$tmp"/out/*.out; do
			[ -f "$f" ] && { echo "--- $f (last lines)"; tail -15 "$f"; }
		done
	fi
	rm -rf "$tmp"
	exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "go build ./cmd/intercept"
go build -o "$tmp/bin/intercept" ./cmd/intercept
bin=$tmp/bin/intercept

# --- munge ---------------------------------------------------------------
mkdir -p "$tmp/munge" && chmod 700 "$tmp/munge"
mungekey --create --keyfile="$tmp/munge/munge.key" 2>/dev/null ||
	{ dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none; chmod 600 "$tmp/munge/munge.key"; }
sock=$tmp/munge/munge.socket
munged --foreground --force --socket="$sock" --key-file="$tmp/munge/munge.key" \
	--pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munged.log" --seed-file="$tmp/munge/seed" >"$tmp/munged.stdout.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || { tail -5 "$tmp/munged.log" "$tmp/munged.stdout.log" 2>/dev/null; skip "munged did not start"; }
munge --socket="$sock" -n | unmunge --socket="$sock" >/dev/null || skip "munge does not work here"

# --- slurm ---------------------------------------------------------------
host=$(hostname -s)
node=$(slurmd -C | head -1) # NodeName=... CPUs=... RealMemory=...: this node as it is
cpus=$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<<"$node")
mkdir -p "$tmp/state" "$tmp/spool" "$tmp/out"
export SLURM_CONF=$tmp/slurm.conf
cat >"$SLURM_CONF" <<CONF
ClusterName=intercept-ci
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=${SLURMCTLD_PORT:-16817}
SlurmdPort=${SLURMD_PORT:-16818}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
MinJobAge=300
$node State=UNKNOWN
PartitionName=ci Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -i -f "$SLURM_CONF" >"$tmp/slurmctld.stdout.log" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$tmp/slurmd.stdout.log" 2>&1 &
pids+=($!)
ready=
for _ in $(seq 100); do
	if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then ready=1; break; fi
	for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || break 2; done
	sleep 0.3
done
if [ -z "$ready" ]; then
	tail -5 "$tmp"/slurmctld*.log "$tmp"/slurmd*.log 2>/dev/null
	skip "slurmctld and slurmd did not bring the node up"
fi
log "cluster up: $(sinfo -h -o '%P %D node(s) %c CPUs %m MB %T')"

# --- 1. a job array of shards, merged ------------------------------------
log "one-machine run: intercept lab --quick"
"$bin" lab --quick --out "$tmp/single" >"$tmp/single.stdout" 2>"$tmp/single.stderr.log"

log "sbatch --wait --array=0-3: intercept lab --quick --shard env/4"
start=$(date +%s)
timeout 900 sbatch --wait --parsable --array=0-3 --cpus-per-task=1 --mem=1G --job-name=intercept-shards \
	--output="$tmp/out/%A_%a.out" --chdir="$tmp" \
	--wrap="exec '$bin' lab --quick --quiet --shard env/4 --out '$tmp/shards/'\$SLURM_ARRAY_TASK_ID" >"$tmp/jobid"
log "array $(cat "$tmp/jobid") done in $(( $(date +%s) - start ))s"
"$bin" merge --out "$tmp/merged" "$tmp"/shards/{0,1,2,3} >"$tmp/merged.stdout"

verdicts() { sed -n '/EXPERIMENT  *VERDICT/,/^report:/p' "$1" | grep -v '^report:'; }
compare() { # compare DIR STDOUT: the run in DIR against the one-machine run
	local dir=$1 out=$2
	cmp "$tmp/single/metrics.parquet" "$dir/metrics.parquet" || { echo "FAIL: $dir/metrics.parquet differs from the one-machine run"; exit 1; }
	diff -r -q "$tmp/single/trials" "$dir/trials" || { echo "FAIL: the trials in $dir differ from the one-machine run's"; exit 1; }
	nfiles=$(find "$dir/trials" -type f | wc -l) # trial files and packs of finished experiments
	verdicts "$tmp/single.stdout" >"$tmp/v.single"
	verdicts "$out" >"$tmp/v.other"
	[ -s "$tmp/v.single" ] || { echo "FAIL: no verdicts in the one-machine run's output"; exit 1; }
	diff -u "$tmp/v.single" "$tmp/v.other" || { echo "FAIL: the verdicts differ"; exit 1; }
	log "$dir: metrics.parquet ($(wc -c <"$dir/metrics.parquet") bytes) byte-identical, $nfiles trial files identical, $(( $(wc -l <"$tmp/v.single") - 1 )) verdicts equal"
}
compare "$tmp/merged" "$tmp/merged.stdout"
cat "$tmp/v.single"

# --- 2. the script `intercept lab --emit slurm` writes -------------------
if "$bin" lab --help 2>/dev/null | grep -q -- '--emit'; then
	log "intercept lab --emit slurm, submitted as written"
	"$bin" lab --quick --emit slurm --shards 4 --cpus-per-task 1 --mem 1G --out "$tmp/emitted" --intercept "$bin" >"$tmp/sweep.sbatch"
	bash -n "$tmp/sweep.sbatch"
	start=$(date +%s)
	(cd "$tmp" && timeout 900 bash "$tmp/sweep.sbatch" --wait) >"$tmp/emitted.submit.log"
	log "emitted sweep done in $(( $(date +%s) - start ))s: $(tr '\n' ' ' <"$tmp/emitted.submit.log")"
	compare "$tmp/emitted/merged" "$(ls "$tmp"/emitted/logs/merge-*.out | head -1)"
else
	log "this intercept has no --emit: the emitted-script check is skipped"
fi
log "PASS"
