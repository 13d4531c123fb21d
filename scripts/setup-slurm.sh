#!/usr/bin/env bash
# A single-node Slurm cluster on 127.0.0.1 for the Slurm executor's integration test: installs Debian's slurm-wlm and
# munge when missing, writes /etc/slurm/slurm.conf for this host, and starts munged, slurmctld and slurmd (as root,
# without systemd) unless they already run. Idempotent; takes well under a second once the cluster is up.
# The recipe is the one verified in ../shared/reference/scale.md §3b; docs/scale.md explains it.
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
HOST="$(hostname -s)"

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
  # another process may hold the apt lock for a while: retry instead of failing
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    if $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends slurm-wlm slurm-client munge >/dev/null; then break; fi
    [ "$attempt" = 10 ] && { echo "setup-slurm: apt-get install slurm-wlm munge failed" >&2; exit 1; }
    sleep 6
  done
fi

$SUDO mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge /var/log/munge /var/lib/munge /etc/munge
$SUDO chown munge:munge /run/munge /var/log/munge /var/lib/munge /etc/munge

if [ ! -s /etc/munge/munge.key ]; then
  # a key made locally: this cluster is one host, nothing else needs to share it
  $SUDO dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
  $SUDO chown munge:munge /etc/munge/munge.key
  $SUDO chmod 400 /etc/munge/munge.key
fi

CONF=$(cat <<EOF
# written by reclab scripts/setup-slurm.sh: a one-node test cluster on 127.0.0.1
ClusterName=reclabtest
SlurmctldHost=${HOST}
SlurmctldAddr=127.0.0.1
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmUser=root
SlurmdUser=root
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPort=6817
SlurmdPort=6818
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
MinJobAge=600
NodeName=${HOST} NodeAddr=127.0.0.1 CPUs=2 RealMemory=8000 State=UNKNOWN
PartitionName=debug Nodes=${HOST} Default=YES MaxTime=INFINITE State=UP
EOF
)
if [ ! -f /etc/slurm/slurm.conf ] || [ "$(cat /etc/slurm/slurm.conf)" != "$CONF" ]; then
  printf '%s\n' "$CONF" | $SUDO tee /etc/slurm/slurm.conf >/dev/null
  CHANGED=1
else
  CHANGED=0
fi

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

if ! pgrep -x munged >/dev/null; then
  $SUDO runuser -u munge -- /usr/sbin/munged --force
fi
if [ "$CHANGED" = 1 ] && alive /run/slurmctld.pid; then
  $SUDO scontrol reconfigure || true
fi
alive /run/slurmctld.pid || $SUDO /usr/sbin/slurmctld
alive /run/slurmd.pid || $SUDO /usr/sbin/slurmd

# wait (on the condition, bounded) until the node is idle or mixed/allocated
for i in $(seq 1 120); do
  state="$(sinfo -h -n "$HOST" -o '%T' 2>/dev/null | head -n1 || true)"
  case "$state" in
    idle*|mix*|alloc*|completing*) exit 0 ;;
    down*|drain*) $SUDO scontrol update nodename="$HOST" state=resume >/dev/null 2>&1 || true ;;
  esac
  sleep 0.5
done
echo "setup-slurm: node ${HOST} did not become idle (state: ${state:-unknown}); see /var/log/slurm/" >&2
exit 1
