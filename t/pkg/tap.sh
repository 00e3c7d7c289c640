# shellcheck shell=sh
# t/pkg/tap.sh: TAP for a shell test stage (sourced by scripts/test-packages).
# check STATUS TEXT prints "ok N - TEXT" when STATUS is 0, else "not ok";
# check_tap TEXT CMD... runs a command that prints TAP and counts its
# results as ours; skip REASON ends the stage as skipped (passed=0
# failed=0); write_results writes "passed=N failed=M" to $results when set.
n=0
failed=0

write_results()
{
    [ -z "${results:-}" ] && return 0
    mkdir -p "$(dirname "$results")"
    echo "passed=$((n - failed)) failed=$failed" >"$results"
}

skip()
{
    echo "SKIP ${stage_name:-stage}: $*"
    echo "1..0 # SKIP $*"
    n=0
    failed=0
    write_results
    exit 0
}

check()
{
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        failed=$((failed + 1))
    fi
}

# Prints the file given as "# " comments (a log, when a step failed).
show()
{
    sed 's/^/# /' "$1"
}

check_tap()
{
    what=$1
    shift
    out=$("$@" 2>&1)
    rc=$?
    bad=0
    any=0
    # A here-document, not a pipe: check() must count in this shell.
    while IFS= read -r line; do
        case $line in
        "ok "*) check 0 "$what: ${line#ok [0-9]* - }"; any=1 ;;
        "not ok "*) check 1 "$what: ${line#not ok [0-9]* - }"; bad=1; any=1 ;;
        *) echo "# $line" ;;
        esac
    done <<EOF
$out
EOF
    if [ $rc -ne 0 ] && [ $bad -eq 0 ]; then
        check 1 "$what: exited with status $rc"
    elif [ $any -eq 0 ]; then
        check 1 "$what: printed no result"
    fi
}
