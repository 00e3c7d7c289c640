# shellcheck shell=sh disable=SC2154 # tmp, site, packages: set by the stage
# t/pkg/machine.sh: what scripts/test-packages changes on the machine and
# how it puts it back (sourced).  save_machine records, in $tmp, a
# checksum listing of /etc/apache2 and /var/lib/apache2, the a2enmod
# markers of auth_digest, the log files and ports.conf; teardown undoes
# every change the stage made, as far as it got (the flags below), and is
# safe to run twice.  It never touches a process the stage did not start.
started_pid=
installed=0
site_written=0
ports_written=0
torn_down=0
auth_digest_was=off

# Type, mode, owner, link target and content hash of every entry.
listing()
{
    find "$1" -printf '%y %m %u:%g %p -> %l\n' 2>/dev/null | LC_ALL=C sort
    find "$1" -type f -exec sha256sum {} + 2>/dev/null | LC_ALL=C sort -k2
}

save_machine()
{
    listing /etc/apache2 >"$tmp/etc.before"
    listing /var/lib/apache2 >"$tmp/state.before"
    find /var/lib/apache2 -name auth_digest -type f >"$tmp/auth_digest.markers"
    ls -A /var/log/apache2 >"$tmp/logs.before" 2>/dev/null
    cp -p /etc/apache2/ports.conf "$tmp/ports.conf.orig"
    [ -e /etc/apache2/mods-enabled/auth_digest.load ] && auth_digest_was=on
}

# Waits up to 10 s for the httpd we started to end; true when it did.
httpd_gone()
{
    i=0
    while kill -0 "$started_pid" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    ! kill -0 "$started_pid" 2>/dev/null
}

teardown()
{
    [ $torn_down -eq 1 ] && return 0
    torn_down=1
    if [ -n "$started_pid" ] && kill -0 "$started_pid" 2>/dev/null; then
        apache2ctl stop >/dev/null 2>&1 9>&-
        # Ours, by its pid, if it did not stop.
        httpd_gone || kill -9 "$started_pid" 2>/dev/null
    fi
    if [ $site_written -eq 1 ]; then
        a2dissite -q "$site" >/dev/null 2>&1
        rm -f "/etc/apache2/sites-available/$site.conf"
    fi
    [ $ports_written -eq 1 ] && cat "$tmp/ports.conf.orig" >/etc/apache2/ports.conf
    [ -e /etc/apache2/mods-enabled/auth_sspidigest.load ] &&
        a2dismod -q auth_sspidigest >/dev/null 2>&1
    # shellcheck disable=SC2086
    [ $installed -eq 1 ] && dpkg --purge $packages >"$tmp/purge.log" 2>&1
    if [ "$auth_digest_was" = on ]; then
        a2enmod -q auth_digest >/dev/null 2>&1
    elif [ -e /etc/apache2/mods-enabled/auth_digest.load ]; then
        a2dismod -q auth_digest >/dev/null 2>&1
    fi
    restore_markers
    # Log files the run made (the default site's, opened at start).
    for f in /var/log/apache2/* /var/log/apache2/.[!.]*; do
        [ -e "$f" ] || continue
        grep -qxF "${f##*/}" "$tmp/logs.before" || rm -f "$f"
    done
}

# a2enmod, a2dismod and a2dissite leave markers (and their directories)
# in /var/lib/apache2: put back those of auth_digest, drop ours.
restore_markers()
{
    find /var/lib/apache2 \( -name auth_digest -o -name auth_sspidigest \
        -o -name "$site" \) -type f -exec rm -f {} +
    while IFS= read -r m; do
        mkdir -p "$(dirname "$m")" && : >"$m"
    done <"$tmp/auth_digest.markers"
    for d in /var/lib/apache2/*/*_by_*; do
        [ -d "$d" ] || continue
        grep -q "^d [0-9]* [^ ]* $d -> \$" "$tmp/state.before" ||
            rmdir "$d" 2>/dev/null
    done
}
