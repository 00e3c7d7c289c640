#!/bin/bash
# bench/run.sh: the benchmark of `make bench` (bench/bench.mk builds first).
#
# 1. The engine micro-benchmark (build/bench/engine_bench), once under
#    callgrind for instruction counts (stable on a noisy machine), then
#    timed.
# 2. End to end: two httpd instances (event MPM, one child process) on
#    127.0.0.1 serving a small static file, written into a temp dir:
#      stock: no authentication, mod_auth_basic + mod_authn_file,
#             mod_auth_digest (MD5, AuthDigestNcCheck Off and On);
#      ours:  no authentication, mod_auth_sspidigest MD5 / SHA-256 /
#             SHA-512-256 (nonce counts in shared memory, and in a
#             redis-server started here on a loopback port), MD5 with
#             qop=auth-int on a POST of 1 KiB (and its no-authentication
#             POST baseline).
#    mod_auth_digest and ours cannot share one httpd (both claim AuthType
#    Digest), hence two instances, with the same MPM settings.  The rows
#    run in turn, round after round; each figure is the median over the
#    rounds, each ratio the median of the per-round ratios to the
#    no-authentication row of the same instance.
#    With 2+ CPUs the load client (and redis-server) run on CPU 0 and the
#    httpds on the others (taskset); BENCH_PIN=0 turns that off.
# Prints one report.  Never fails on a number; stops everything it started.
#
# Knobs: BENCH_SECONDS (per run, 3), BENCH_ROUNDS (5), BENCH_CONNS (16),
# BENCH_QUICK=1 (smoke run), BENCH_PIN (1), BENCH_WAIT_IDLE (seconds to
# wait for a load average below 1.0 first, 0), BENCH_CALLGRIND (1),
# BENCH_MODULE (another build of mod_auth_sspidigest.so to measure),
# BENCH_GROWTH (largest replay store, 1000000), BENCH_DEADLINE (570: end-to-end
# rounds that would finish later are skipped, so the run stays under 10 min).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac

secs=${BENCH_SECONDS:-3}
rounds=${BENCH_ROUNDS:-5}
deadline=${BENCH_DEADLINE:-570} # seconds: rounds that would end later are skipped
conns=${BENCH_CONNS:-16}
warm=1
engine_t=0.6
growth=${BENCH_GROWTH:-1000000}
cg_ops=1000
use_cg=${BENCH_CALLGRIND:-1}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
    secs=1 rounds=1 engine_t=0.05 growth=1000 cg_ops=100
fi
bodylen=1024
user=bench
password=bench-password
realm=bench
started=$(date +%s)

log() { printf '[bench %3ds] %s\n' "$(($(date +%s) - started))" "$*" >&2; }

modules=$(apxs -q LIBEXECDIR)
module_so=${BENCH_MODULE:-$top/.libs/mod_auth_sspidigest.so}
httpd=$(command -v apache2 || command -v httpd)
tmp=$(mktemp -d /tmp/sspidigest-bench.XXXXXX)
chmod 755 "$tmp"
redis_pid=""

# ---- stopping what we started ----------------------------------------------
stop_httpd() { # $1: the instance's directory
    local pidf=$1/httpd.pid pid i
    [ -s "$pidf" ] || return 0
    pid=$(cat "$pidf")
    kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_httpd "$tmp/stock" || true
    stop_httpd "$tmp/ours" || true
    if [ -n "$redis_pid" ]; then
        kill -TERM "$redis_pid" 2>/dev/null || true
        wait "$redis_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the machine ------------------------------------------------------------
ncpu=$(nproc)
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
[ -n "$cpu_model" ] || cpu_model=$(uname -m)
client_pin="" server_pin="" pin_note="no CPU pinning"
if [ "${BENCH_PIN:-1}" = 1 ] && [ "$ncpu" -ge 2 ] && command -v taskset >/dev/null; then
    client_pin="taskset -c 0"
    srv_cpus=1-$((ncpu - 1))
    [ "$ncpu" = 2 ] && srv_cpus=1
    server_pin="taskset -c $srv_cpus"
    pin_note="load client and redis-server on CPU 0, httpd on CPU $srv_cpus, engine bench on CPU 1"
fi

if [ "${BENCH_WAIT_IDLE:-0}" -gt 0 ]; then
    waited=0
    while awk '{exit !($1 >= 1.0)}' /proc/loadavg && [ "$waited" -lt "$BENCH_WAIT_IDLE" ]; do
        [ $((waited % 60)) = 0 ] && log "load average $(cut -d' ' -f1-3 /proc/loadavg): waiting"
        sleep 10
        waited=$((waited + 10))
    done
    [ "$waited" -gt 0 ] && log "waited ${waited}s for the machine to calm down"
    started=$(date +%s)
fi
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- 1. the engine ------------------------------------------------------------
engine=$build/bench/engine_bench
irfile=$tmp/ir.txt
: >"$irfile"
if [ "$use_cg" = 1 ] && command -v valgrind >/dev/null; then
    log "engine: instruction counts under callgrind ($cg_ops operations each)"
    mkdir -p "$tmp/cg"
    if timeout 150 valgrind --tool=callgrind --callgrind-out-file="$tmp/cg/out" \
        "$engine" --callgrind "$cg_ops" -g 0 >/dev/null 2>"$tmp/cg/log"; then
        for f in "$tmp"/cg/out.*; do
            awk -v ops="$cg_ops" '
                /^desc: Trigger: Client Request: / { name = $5 }
                /^(summary|totals): / { total = $2 }
                END { if (name != "" && total > 0) printf "%s %.1f\n", name, total / ops }
            ' "$f" >>"$irfile"
        done
    else
        log "callgrind run failed (see below); continuing without instruction counts"
        tail -5 "$tmp/cg/log" >&2 || true
    fi
fi
log "engine: timing (one thread)"
engine_out=$(timeout 180 ${server_pin:+taskset -c 1} "$engine" -t "$engine_t" -g "$growth" -i "$irfile" 2>&1) ||
    engine_out="$engine_out
(engine benchmark failed: exit status $?)"

# ---- 2. end to end ------------------------------------------------------------
port_in_use() { ss -Htln "sport = :$1" 2>/dev/null | grep -q .; }
next_port=18480
alloc_port() { # sets $port
    while port_in_use "$next_port"; do next_port=$((next_port + 1)); done
    port=$next_port
    next_port=$((next_port + 1))
}

run_user="" run_group=""
if [ "$(id -u)" = 0 ]; then
    if id www-data >/dev/null 2>&1; then run_user=www-data run_group=www-data
    else run_user=nobody run_group=nogroup; fi
fi

make_docroot() { # $1: instance dir, $2...: locations
    local d=$1 loc
    shift
    for loc in "$@"; do
        mkdir -p "$d/htdocs/$loc"
        printf '<!doctype html><title>bench</title><p>A small static file.</p>\n' \
            >"$d/htdocs/$loc/f.html"
    done
}

common_conf() { # $1: instance dir
    cat <<CONF
ServerRoot "$1"
ServerName 127.0.0.1
PidFile "$1/httpd.pid"
DefaultRuntimeDir "$1"
ErrorLog "$1/error.log"
LogLevel warn
${run_user:+User $run_user}
${run_group:+Group $run_group}
LoadModule mpm_event_module $modules/mod_mpm_event.so
LoadModule authn_core_module $modules/mod_authn_core.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule authn_file_module $modules/mod_authn_file.so
LoadModule authz_user_module $modules/mod_authz_user.so
LoadModule auth_basic_module $modules/mod_auth_basic.so
StartServers 1
ServerLimit 1
ThreadLimit 64
ThreadsPerChild 64
MaxRequestWorkers 64
MinSpareThreads 1
MaxSpareThreads 64
MaxConnectionsPerChild 0
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 30
DocumentRoot "$1/htdocs"
# as Debian's apache2.conf: no .htaccess lookups above the document root
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "$1/htdocs">
    AllowOverride None
    Require all granted
</Directory>
CONF
}

start_httpd() { # $1: dir, $2...: ports
    local d=$1 p i
    shift
    if ! $server_pin "$httpd" -f "$d/httpd.conf" -k start 2>"$d/start.err"; then
        log "httpd in $d did not start:"
        cat "$d/start.err" "$d/error.log" >&2 2>/dev/null || true
        return 1
    fi
    for p in "$@"; do
        for i in $(seq 1 100); do
            port_in_use "$p" && break
            sleep 0.05
        done
    done
}

clk_tck=$(getconf CLK_TCK)
# tree_ticks: CPU time of httpd's processes, robust to processes that exit
# while it reads /proc
. "$top/bench/proc.sh"

stock=$tmp/stock ours=$tmp/ours
mkdir -p "$stock" "$ours"
alloc_port; pa=$port
alloc_port; pb=$port
alloc_port; pc=$port
alloc_port; pr=$port

# users: the same password everywhere
htpasswd -cbs "$stock/htpasswd" "$user" "$password" 2>/dev/null
printf '%s\n' "$password" | "$build/sspidigest-passwd" -c -i -a MD5 \
    "$stock/htdigest" "$realm" "$user" 2>"$tmp/passwd.log"
printf '%s\n' "$password" | "$build/sspidigest-passwd" -c -i \
    "$ours/users" "$realm" "$user" 2>"$tmp/passwd.log"

make_docroot "$stock" open basic anon md-off md-on
make_docroot "$ours" open sd-md5 sd-sha256 sd-sha512 sd-md5-int
{
    common_conf "$stock"
    cat <<CONF
LoadModule auth_digest_module $modules/mod_auth_digest.so
LoadModule authn_anon_module $modules/mod_authn_anon.so
Listen 127.0.0.1:$pa
AuthDigestShmemSize 1048576
<Location /basic/>
    AuthType Basic
    AuthName "$realm"
    AuthBasicProvider file
    AuthUserFile "$stock/htpasswd"
    Require valid-user
</Location>
<Location /anon/>
    AuthType Basic
    AuthName "$realm"
    AuthBasicProvider anon
    Anonymous $user
    Anonymous_MustGiveEmail Off
    Anonymous_VerifyEmail Off
    Anonymous_LogEmail Off
    Require valid-user
</Location>
<Location /md-off/>
    AuthType Digest
    AuthName "$realm"
    AuthDigestProvider file
    AuthUserFile "$stock/htdigest"
    AuthDigestNcCheck Off
    Require valid-user
</Location>
<Location /md-on/>
    AuthType Digest
    AuthName "$realm"
    AuthDigestProvider file
    AuthUserFile "$stock/htdigest"
    AuthDigestNcCheck On
    Require valid-user
</Location>
CONF
} >"$stock/httpd.conf"

sd_location() { # $1: path, $2: algorithm, $3: qop
    cat <<CONF
<Location $1>
    AuthType Digest
    AuthName "$realm"
    AuthDigestAlgorithm $2
    AuthDigestQop $3
    AuthDigestNcCheck On
    AuthUserFile "$ours/users"
    Require valid-user
</Location>
CONF
}
{
    common_conf "$ours"
    cat <<CONF
LoadModule auth_sspidigest_module $module_so
Listen 127.0.0.1:$pb
Listen 127.0.0.1:$pc
AuthDigestNonceCache shm
CONF
    sd_location /sd-md5/ MD5 auth
    sd_location /sd-sha256/ SHA-256 auth
    sd_location /sd-sha512/ SHA-512-256 auth
    sd_location /sd-md5-int/ MD5 auth-int
    cat <<CONF
<VirtualHost 127.0.0.1:$pc>
    AuthDigestNonceCache redis:127.0.0.1:$pr
</VirtualHost>
CONF
} >"$ours/httpd.conf"
chmod -R a+rX "$tmp"

redis_ok=0
if command -v redis-server >/dev/null; then
    $client_pin redis-server --bind 127.0.0.1 --port "$pr" --save '' \
        --appendonly no --maxmemory-policy noeviction --daemonize no \
        --logfile "$tmp/redis.log" &
    redis_pid=$!
    for i in $(seq 1 100); do
        port_in_use "$pr" && { redis_ok=1; break; }
        sleep 0.05
    done
fi

log "end to end: httpd on ports $pa (stock), $pb (ours, shm), $pc (ours, redis $pr)"
start_httpd "$stock" "$pa"
if ! start_httpd "$ours" "$pb" "$pc"; then
    log "our httpd did not start; the redis rows are dropped and it is tried without them"
    sed -i "/<VirtualHost/,/<\/VirtualHost>/d; /Listen 127.0.0.1:$pc/d" "$ours/httpd.conf"
    redis_ok=0
    start_httpd "$ours" "$pb" || true
fi

# rows: key | label | port | path | load arguments | key of its baseline
rows=(
    "noauth-a|no authentication (stock httpd)|$pa|/open/f.html||"
    "basic|mod_auth_basic + authn_file ({SHA})|$pa|/basic/f.html|-a basic|noauth-a"
    "anon|Basic + authn_anon (no user store)|$pa|/anon/f.html|-a basic|noauth-a"
    "md-off|mod_auth_digest MD5, NcCheck Off|$pa|/md-off/f.html|-a digest|noauth-a"
    "md-on|mod_auth_digest MD5, NcCheck On|$pa|/md-on/f.html|-a digest|noauth-a"
    "noauth-b|no authentication (httpd with ours)|$pb|/open/f.html||"
    "shm-md5|ours MD5, shm|$pb|/sd-md5/f.html|-a digest|noauth-b"
    "shm-sha256|ours SHA-256, shm|$pb|/sd-sha256/f.html|-a digest|noauth-b"
    "shm-sha512|ours SHA-512-256, shm|$pb|/sd-sha512/f.html|-a digest|noauth-b"
    "redis-md5|ours MD5, redis|$pc|/sd-md5/f.html|-a digest|noauth-b"
    "redis-sha256|ours SHA-256, redis|$pc|/sd-sha256/f.html|-a digest|noauth-b"
    "redis-sha512|ours SHA-512-256, redis|$pc|/sd-sha512/f.html|-a digest|noauth-b"
    "noauth-post|no authentication, POST 1 KiB|$pb|/open/f.html|-b $bodylen|"
    "shm-int|ours MD5 auth-int, POST 1 KiB, shm|$pb|/sd-md5-int/f.html|-a digest -b $bodylen|noauth-post"
)
nrows=${#rows[@]}
results=$tmp/results
: >"$results"

round_secs=$((nrows * (${secs%.*} + warm + 1)))
done_rounds=0
for r in $(seq 1 "$rounds"); do
    if [ $(($(date +%s) - started + round_secs)) -gt "$deadline" ]; then
        log "end to end: stopping after $done_rounds round(s) to stay under ${deadline}s"
        break
    fi
    done_rounds=$r
    log "end to end: round $r of $rounds ($nrows rows x ${secs}s)"
    for i in $(seq 0 $((nrows - 1))); do
        IFS='|' read -r key label port path args base <<<"${rows[$i]}"
        if [ "$port" = "$pc" ] && [ "$redis_ok" != 1 ]; then
            continue
        fi
        # Nothing in a row may end the run: a row that fails is written
        # as "failed" and the report says so.
        hpid=""
        if [ "$port" = "$pa" ]; then pidf=$stock/httpd.pid; else pidf=$ours/httpd.pid; fi
        read -r hpid <"$pidf" 2>/dev/null || hpid=""
        h0=$(tree_ticks "$hpid") || h0=0
        r0=$(tree_ticks "$redis_pid") || r0=0
        # shellcheck disable=SC2086
        out=$(timeout $((${secs%.*} + warm + 20)) $client_pin "$build/bench/load" \
            -p "$port" -u "$path" -c "$conns" -d "$secs" -w "$warm" \
            -U "$user" -P "$password" $args 2>&1) || out="failed: $(printf '%s' "$out" | tr '\n' ' ')"
        h1=$(tree_ticks "$hpid") || h1=$h0
        r1=$(tree_ticks "$redis_pid") || r1=$r0
        [ "$port" = "$pc" ] || r1=$r0
        [ -n "$hpid" ] || out="failed: no httpd pid in $pidf"
        printf '%s %s %s srv_ticks=%s redis_ticks=%s\n' "$r" "$i" "$out" \
            "$((h1 - h0))" "$((r1 - r0))" >>"$results" || true
    done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the report -------------------------------------------------------------------
httpd_version=$("$httpd" -v | sed -n 's/^Server version: //p')
redis_note="redis-server $(redis-server --version 2>/dev/null | sed -n 's/.*v=\([0-9.]*\).*/\1/p') on 127.0.0.1:$pr"
[ "$redis_ok" = 1 ] || redis_note="redis: not available"
{
    echo "================================================================================"
    echo "mod_auth_sspidigest benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "CPU: $cpu_model, $ncpu cores; $(uname -sr); $(openssl version 2>/dev/null | cut -d' ' -f1-2)"
    echo "load average at start: $load_start, at end: $load_end"
    echo "$pin_note"
    echo "================================================================================"
    echo "$engine_out"
    echo
    echo "END TO END ($httpd_version, event MPM, 1 process x 64 threads, keep-alive;"
    echo "  $conns connections for ${secs}s after ${warm}s warm-up, $done_rounds round(s), medians; $redis_note)"
    awk -v nrows="$nrows" -v tck="$clk_tck" -v rowsdef="$(printf '%s\n' "${rows[@]}")" '
        function median(list,    n, a, i, j, t) {
            n = split(list, a, " ")
            if (n == 0) return -1
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
                if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        function val(s, key,    m) {
            if (match(s, key "=[0-9.]+")) return substr(s, RSTART + length(key) + 1, RLENGTH - length(key) - 1)
            return ""
        }
        BEGIN {
            split(rowsdef, defs, "\n")
            for (i = 0; i < nrows; i++) {
                split(defs[i + 1], f, "|"); key[i] = f[1]; label[i] = f[2]; idx[f[1]] = i
            }
            for (i = 0; i < nrows; i++) {
                split(defs[i + 1], f, "|"); base[i] = f[6] == "" ? "" : idx[f[6]]
            }
        }
        function target(k, want, what,    i) {
            i = idx[k]
            if (!seen[i]) { printf "  %-34s %s: not available\n", label[i], what; return }
            printf "  %-34s %s: req/s x%s: %s; httpd CPU x%s: %s\n", label[i], what, ratio[i], (ratio[i] >= want ? "reached" : "MISSED"), cratio[i], (cratio[i] >= want ? "reached" : "MISSED")
        }
        function faster(a, b,    i, j) {
            i = idx[a]; j = idx[b]
            if (!seen[i] || !seen[j]) return
            printf "  %s >= %s: %.0f vs %.0f req/s: %s; httpd CPU %.1f vs %.1f us/req: %s\n", label[i], label[j], med[i], med[j], (med[i] >= med[j] ? "reached" : "MISSED"), cpu[i], cpu[j], (cpu[i] <= cpu[j] ? "reached" : "MISSED")
        }
        {
            r = $1; i = $2; line = $0
            rps = val(line, "rps")
            if (rps == "" || line ~ /^[0-9]+ [0-9]+ failed/) { failed[i]++; next }
            R[r, i] = rps
            rl[i] = rl[i] " " rps
            p50[i] = p50[i] " " val(line, "p50_us")
            p99[i] = p99[i] " " val(line, "p99_us")
            bad[i] += val(line, "non2xx"); err[i] += val(line, "errors")
            tot = val(line, "total")
            if (tot > 0) {
                C[r, i] = val(line, "srv_ticks") * 1e6 / tck / tot
                cl[i] = cl[i] " " C[r, i]
                rd[i] = rd[i] " " val(line, "redis_ticks") * 1e6 / tck / tot
            }
            cc[i] = cc[i] " " val(line, "cpu")
            rounds[r] = 1; seen[i] = 1
        }
        END {
            printf "  %-36s %7s %5s %6s %6s %5s %4s %6s | %7s %6s %6s | %4s\n", "row", "req/s", "+-%", "p50us", "p99us", "non2x", "err", "x noau", "httpd", "x noau", "redis", "cli"
            printf "  %-36s %7s %5s %6s %6s %5s %4s %6s | %7s %6s %6s | %4s\n", "", "", "", "", "", "", "", "", "us/req", "(cpu)", "us/req", "cpu%"
            for (i = 0; i < nrows; i++) {
                if (!seen[i]) {
                    printf "  %-36s %7s\n", label[i], failed[i] ? sprintf("failed (%d round(s))", failed[i]) : "not available"
                    continue
                }
                ratios = ""
                if (base[i] != "")
                    for (r in rounds)
                        if ((r, i) in R && (r, base[i]) in R && R[r, base[i]] > 0)
                            ratios = ratios " " R[r, i] / R[r, base[i]]
                rt = ratios == "" ? "-" : sprintf("%.3f", median(ratios))
                if (base[i] == "") rt = "1.000"
                cratios = ""
                if (base[i] != "")
                    for (r in rounds)
                        if ((r, i) in C && (r, base[i]) in C && C[r, i] > 0)
                            cratios = cratios " " C[r, base[i]] / C[r, i]
                ct = cratios == "" ? "-" : sprintf("%.3f", median(cratios))
                if (base[i] == "") ct = "1.000"
                cratio[i] = ct
                n = split(rl[i], a, " "); lo = a[1]; hi = a[1]
                for (k = 2; k <= n; k++) { if (a[k] + 0 < lo + 0) lo = a[k]; if (a[k] + 0 > hi + 0) hi = a[k] }
                spread = median(rl[i]) > 0 ? 50 * (hi - lo) / median(rl[i]) : 0
                rdm = median(rd[i])
                printf "  %-36s %7.0f %5.1f %6.0f %6.0f %5d %4d %6s | %7.1f %6s %6s | %4.0f\n", label[i], median(rl[i]), spread, median(p50[i]), median(p99[i]), bad[i], err[i], rt, median(cl[i]), ct, (rdm > 0 ? sprintf("%.1f", rdm) : "-"), median(cc[i])
                med[i] = median(rl[i]); ratio[i] = rt; cpu[i] = median(cl[i])
                if (failed[i]) printf "  %-36s failed in %d round(s); the figures above are of the others\n", "", failed[i]
            }
            print ""
            print "TARGETS (end to end)"
            faster("shm-md5", "md-on")
            faster("shm-md5", "md-off")
            target("shm-md5", 0.95, "within 5% of no-auth")
            target("shm-sha256", 0.95, "within 5% of no-auth")
            target("shm-sha512", 0.95, "within 5% of no-auth")
            target("shm-int", 0.95, "within 5% of no-auth POST")
            target("redis-md5", 0.85, "within 15% of no-auth")
            target("redis-sha256", 0.85, "within 15% of no-auth")
            target("redis-sha512", 0.85, "within 15% of no-auth")
            i = idx["anon"]
            if (seen[i]) printf "  (for scale: httpd authentication with no store at all, Basic + authn_anon: req/s x%s, CPU x%s)\n", ratio[i], cratio[i]
        }
    ' "$results"
    echo "  +-% = half the range of req/s over the rounds, in % of the median;"
    echo "  ratio = median over rounds of (row req/s / the same round's no-authentication req/s of that httpd);"
    echo "  httpd us/req = CPU time of the httpd processes (user+system) per response, warm-up included;"
    echo "  x noau (cpu) = the no-authentication row's us/req / this row's; redis us/req = redis-server's CPU;"
    echo "  cli cpu% = the load client's CPU use (near 100: the client set the pace, not httpd);"
    echo "  non2x excludes the one expected 401 per connection; err = I/O or protocol errors."
    echo "  whole run: $(($(date +%s) - started)) s"
    echo "================================================================================"
} | tee "$build/bench/report.txt"
cp "$results" "$build/bench/e2e-raw.txt"
for d in "$stock" "$ours"; do
    if [ -s "$d/error.log" ] && grep -qiE 'emerg|crit|\berror\b' "$d/error.log"; then
        echo "(errors in $(basename "$d") httpd's log:)" >&2
        grep -iE 'emerg|crit|\berror\b' "$d/error.log" | tail -5 >&2
    fi
done
