#!/bin/sh
# t/timing/instructions.sh: the `make test` stage "timing".  Counts, under
# callgrind, the instructions of AcceptSecurityContext per call for each
# way of being refused (bench/timing.c --callgrind, HTTP and SASL mode)
# and fails when an unknown user or a realm we did not offer costs more
# than bound_ppm millionths away from a wrong password.  Instruction counts do not depend
# on the machine's load, so this check is deterministic where a timed one
# would be flaky; `make timing` measures the time itself.
#
#   t/timing/instructions.sh --timing build/bench/timing --results FILE
set -u
timing=build/bench/timing
results=
tries=${TIMING_CG_TRIES:-500}
bound_ppm=1000 # 0.1 %: the fix left 21 instructions in 83,000 (0.03 %)
while [ $# -gt 0 ]; do
    case $1 in
    --timing) timing=$2; shift 2 ;;
    --results) results=$2; shift 2 ;;
    *) echo "usage: $0 [--timing PATH] [--results FILE]" >&2; exit 2 ;;
    esac
done
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; }
finish() {
    echo "1..$((passed + failed))"
    [ -n "$results" ] && echo "passed=$passed failed=$failed" >"$results"
    [ "$failed" -eq 0 ]
    exit $?
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! command -v valgrind >/dev/null; then
    not_ok "valgrind is installed (scripts/install-deps test)"
    finish
fi
# one mode: "http" or "sasl"
check_mode() {
    mode=$1
    flag=
    [ "$mode" = sasl ] && flag=--sasl
    rm -f "$tmp"/out*
    if ! timeout 120 valgrind --tool=callgrind --collect-atstart=no \
        --callgrind-out-file="$tmp/out" "$timing" $flag --callgrind "$tries" \
        >"$tmp/log" 2>&1; then
        tail -5 "$tmp/log"
        not_ok "$mode: callgrind run of $timing $flag --callgrind $tries"
        return
    fi
    ok "$mode: callgrind run of $timing $flag --callgrind $tries"
    # "class instructions-per-call", summed over the rounds' dumps
    for f in "$tmp"/out.*; do
        awk '/^desc: Trigger: Client Request: / { name = $5 }
             /^(summary|totals): / { total = $2 }
             END { print name, total }' "$f"
    done | awk -v n="$tries" '$1 != "warm-up" { s[$1] += $2 }
        END { for (k in s) printf "%s %.1f\n", k, s[k] / n }' | sort >"$tmp/ir"
    echo "# $mode: instructions per AcceptSecurityContext call ($tries calls each):"
    sed 's/^/#   /' "$tmp/ir"
    base=$(awk '$1 == "wrong-password" { print $2 }' "$tmp/ir")
    if [ -z "$base" ]; then
        not_ok "$mode: a count for wrong-password"
        return
    fi
    for class in unknown-user wrong-realm; do
        v=$(awk -v c="$class" '$1 == c { print $2 }' "$tmp/ir")
        if [ -z "$v" ]; then
            not_ok "$mode: a count for $class"
            continue
        fi
        verdict=$(awk -v a="$v" -v b="$base" -v ppm="$bound_ppm" 'BEGIN {
            d = a - b; if (d < 0) d = -d
            printf "%s %+.1f instructions (%.3f %%)", (d * 1e6 <= ppm * b) ? "ok" : "bad",
                a - b, 100 * (a - b) / b }')
        case $verdict in
        ok*) ok "$mode: $class costs what a wrong password costs: ${verdict#ok }" ;;
        *) not_ok "$mode: $class costs what a wrong password costs: ${verdict#bad } (bound $bound_ppm ppm)" ;;
        esac
    done
}
check_mode http
check_mode sasl
finish
