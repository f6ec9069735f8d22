#!/bin/bash
# A single-node Slurm on localhost (Debian's slurm-wlm and munge; private config, ports and
# state under <dir>, so a cluster's own Slurm on this machine is not touched): a small suite
# submitted by scripts/slurm/submit-suite as a 3-task array plus a dependent merge job; the
# merged tables must equal those of the suite run unsharded.
# usage: slurm.sh <pebench> <suite> <dir> <repo>; exit 77 (skipped) without slurm-wlm/munge.
set -u
EXE=$1 SUITE=$2 DIR=$3 REPO=$4
for t in slurmctld slurmd munged sbatch squeue; do
  command -v $t >/dev/null || PATH=$PATH:/usr/sbin command -v $t >/dev/null ||
    { echo "SKIP: $t not installed (PEBENCH_WITH_SLURM=1 scripts/install-deps)"; exit 77; }
done
export PATH=$PATH:/usr/sbin
rm -rf "$DIR"; mkdir -p "$DIR"/{spool,state,log}
fail() { echo "FAIL: $*"; tail -20 "$DIR"/log/*.log 2>/dev/null; cleanup; exit 1; }
cleanup() {
  local pids=""
  for f in "$DIR"/slurmctld.pid "$DIR"/slurmd.pid "$DIR"/munge.pid; do
    [ -f "$f" ] && pids="$pids $(cat "$f")"
  done
  [ -n "$pids" ] && kill $pids 2>/dev/null
  for i in $(seq 1 50); do  # the daemons gone before the next test may start its own
    alive=0; for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break; sleep 0.1
  done
  true
}
trap cleanup EXIT
# munge: the machine's daemon if one answers, else our own on a private socket.
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  mkdir -p "$DIR/munge"; chmod 700 "$DIR/munge"
  key=/etc/munge/munge.key
  if [ ! -r "$key" ]; then key=$DIR/munge/munge.key; mungekey --create --keyfile "$key" || fail "no munge key"; fi
  munged --force --key-file "$key" --socket "$DIR/munge.socket" --pid-file "$DIR/munge.pid" --log-file "$DIR/log/munge.log" \
    --seed-file "$DIR/munge/seed" || fail "munged did not start"
  started_munge=1
  export MUNGE_SOCKET=$DIR/munge.socket
  munge_opt="AuthInfo=socket=$DIR/munge.socket"
fi
host=$(hostname -s)
cat >"$DIR/slurm.conf" <<CONF
ClusterName=pebenchci
SlurmctldHost=$host
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=$(id -un)
SlurmdUser=root
AuthType=auth/munge
${munge_opt:-}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmdSpoolDir=$DIR/spool
StateSaveLocation=$DIR/state
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.txt
MpiDefault=none
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$DIR/slurm.conf
slurmctld -c || fail "slurmctld did not start"
slurmd -c || fail "slurmd did not start"
for i in $(seq 1 50); do sinfo -h -o %T 2>/dev/null | grep -q idle && break; sleep 0.2; done
sinfo -h -o %T | grep -q idle || fail "the node is not idle: $(sinfo 2>&1)"

export OMP_WAIT_POLICY=PASSIVE
"$EXE" run "$SUITE" --out "$DIR/whole" >/dev/null 2>&1 || fail "the unsharded run"
"$REPO/scripts/slurm/submit-suite" "$SUITE" --shards 3 --cpus-per-task 1 --out "$DIR/slurm" \
  --pebench "$EXE" || fail "submit-suite"
for i in $(seq 1 600); do
  [ -z "$(squeue -h 2>/dev/null)" ] && break
  sleep 0.5
done
[ -z "$(squeue -h)" ] || fail "jobs still queued after 300 s: $(squeue)"
echo "--- Slurm's job records (jobcomp/filetxt):"
cut -d' ' -f1,4,5,13,20,21 "$DIR/log/jobcomp.txt"
[ "$(grep -c 'JobState=COMPLETED' "$DIR/log/jobcomp.txt")" -eq 4 ] || fail "not 4 completed jobs"
for t in table.md table.csv table.tex; do
  diff "$DIR/whole/$t" "$DIR/slurm/merged/$t" || fail "the merged $t differs from the unsharded run's"
done
echo "PASS: 3 array tasks + merge on Slurm = the unsharded run ($(wc -l <"$DIR/slurm/merged/rows.jsonl") rows)"
