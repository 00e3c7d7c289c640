# bench/proc.sh: reading /proc while processes come and go (sourced by
# bench/run.sh and t/timing/churn.sh).  Any process on the machine may
# exit between the shell's expansion of /proc/[0-9]*/stat and cat's
# opening of the file; cat then fails, and under `set -euo pipefail` that
# used to end `make bench` with no report.  Here a vanished process is
# simply not counted.

# CPU time (clock ticks, user + system) of a process and its children:
# httpd's parent and its child, so the server's own cost per request can
# be read off.  Prints 0 for no pid or a process that is gone.
tree_ticks() { # $1: pid
    [ -n "${1:-}" ] || { echo 0; return 0; }
    { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v p="$1" '
        { pid = $1; s = $0; sub(/^.*\) /, "", s); split(s, f, " ")
          if (pid == p || f[2] == p) t += f[12] + f[13] }
        END { print t + 0 }'
}
