#!/bin/sh
# Nonces across virtual hosts, stores and clocks (t/farm/crossing.pl),
# started through this wrapper so that scripts/test-all finds it.
# Options are passed on (--so, --results, --keep, --mpm, --asan).
exec perl "$(dirname "$0")/crossing.pl" "$@"
