#!/bin/bash
# t/timing/churn.sh: bench/run.sh's /proc sampler (bench/proc.sh) under
# process churn.  Processes are started and reaped as fast as the shell
# can while tree_ticks reads /proc CALLS times under `set -euo pipefail`,
# as bench/run.sh does; the sampler that this replaced ended such a run at
# once (a process vanished between the glob and cat).  Stops its loop
# itself (CHURN_SECONDS at most) and kills it when done.
#
#   t/timing/churn.sh [--results FILE]
set -euo pipefail
cd "$(dirname "$0")/../.."
results=
[ "${1:-}" = --results ] && results=$2
calls=30
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; }

. bench/proc.sh

churn() {
    local end=$((SECONDS + ${CHURN_SECONDS:-10}))
    while [ "$SECONDS" -lt "$end" ]; do
        for _ in 1 2 3 4 5 6 7 8; do /bin/true & done
        wait
    done
}
churn &
churn_pid=$!
trap 'kill "$churn_pid" 2>/dev/null || true; wait 2>/dev/null || true' EXIT

bad=0
for _ in $(seq 1 "$calls"); do
    v=$(tree_ticks $$)
    case $v in '' | *[!0-9]*) bad=$((bad + 1)) ;; esac
done
if [ "$bad" = 0 ]; then
    ok "tree_ticks read /proc $calls times under churn, a number each time"
else
    not_ok "tree_ticks gave no number $bad times in $calls"
fi

# it still counts: a child that burns CPU for a while shows up under us
t0=$(tree_ticks $$)
( end=$((SECONDS + 2)); while [ "$SECONDS" -lt "$end" ]; do :; done ) &
burner=$!
sleep 0.5
t1=$(tree_ticks $$)
wait "$burner" || true
if [ "$t1" -gt "$t0" ]; then
    ok "tree_ticks counts a busy child ($t0 -> $t1 ticks)"
else
    not_ok "tree_ticks counts a busy child ($t0 -> $t1 ticks)"
fi
gone=$(tree_ticks 2147483646)
[ "$gone" = 0 ] && ok "a pid that does not exist: 0 ticks" ||
    not_ok "a pid that does not exist: $gone ticks"
echo "1..$((passed + failed))"
[ -n "$results" ] && echo "passed=$passed failed=$failed" >"$results"
[ "$failed" -eq 0 ]
