#!/bin/sh
# The two-server farm test on redis: t/farm/redis.pl (Perl), started through
# this wrapper so that scripts/test-all, which runs t/farm/*.sh, finds it.
# Options are passed on (--so, --results, --keep, --mpm, --asan).
exec perl "$(dirname "$0")/redis.pl" "$@"
