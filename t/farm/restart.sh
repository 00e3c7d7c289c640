#!/bin/sh
# Restarts and fresh starts (t/farm/restart.pl), started through this
# wrapper so that scripts/test-all, which runs t/farm/*.sh, finds it.
# Options are passed on (--so, --results, --keep, --asan).
exec perl "$(dirname "$0")/restart.pl" "$@"
