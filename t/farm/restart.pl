#!/usr/bin/perl
# t/farm/restart.pl: restarts and fresh starts keep working (issue 10,
# items 11 and 12), with what varies between machines forced here:
#   - a graceful restart that loads the module at another address, under
#     prefork, worker and event: httpd unloads every DSO and loads it
#     again, and a small library loaded first (LoadFile of a filler built
#     here) moves ours; /proc/PID/maps must show that it moved, else the
#     test fails (a restart that kept the address proves nothing).  The new
#     children must serve logins, the nonce issued before must stay valid
#     and its used count refused, and no child may die on a signal;
#   - the first second after a start (prefork: a clock that stands still
#     suits no threaded MPM's timers): time is frozen with libfaketime, so
#     every nonce is minted in the second the replay table was made; curl
#     --digest must log in, and a count used before a full restart in that
#     same second must not be accepted after it.
#
# usage: t/farm/restart.pl [--so PATH] [--results FILE] [--keep] [--asan]
# Prints TAP-like lines and "farm-restart: N passed, M failed".
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib $FindBin::Bin;

use Time::HiRes qw(sleep time);

use DigestRaw ();
use FarmLib ();
use FarmSuite ();

my $opt = FarmLib::setup('farm-restart', @ARGV);
my $tmp = FarmLib::tmp();
my $PATH = '/farm/index.html';
my $FAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

FarmLib::ok(-f $opt->{so}, "the module is built ($opt->{so})")
    or FarmLib::finish();
FarmLib::farm_files();
(my $so_name = $opt->{so}) =~ s{.*/}{};

sub nonce_from { return FarmSuite::nonce_from(@_) }
sub authz { return FarmSuite::authz(@_) }
sub send_auth { return FarmSuite::send_auth(@_) }

# A whole login on new connections: challenge, then nc=1.
sub login { return FarmSuite::login(@_)->{code} }

# Where the module's first mapping starts in process $pid.
sub module_base
{
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/maps" or return '';
    while (<$fh>) {
        return $1 if m{^([0-9a-f]+)-\S+ .*/\Q$so_name\E$};
    }
    return '';
}

sub crashes
{
    my ($p) = @_;
    my @lines = FarmLib::log_lines($p, qr/exit signal|Segmentation fault/);
    FarmLib::diag(@lines) if @lines;
    return scalar @lines;
}

# Small libraries, loaded before the module in a later generation: each
# takes a place the module had, so the module maps elsewhere.
my @fillers;
for my $size (4096, 32768, 8192, 16384, 65536) {
    my $c = "$tmp/filler-$size.c";
    FarmLib::write_file($c, "char sd_filler_$size\[$size];\n");
    system('gcc', '-shared', '-fPIC', '-o', "$tmp/filler-$size.so", $c) == 0
        or die "cannot build the filler library\n";
    push @fillers, "$tmp/filler-$size.so";
}

# ---- a graceful restart that moves the module -------------------------------
for my $mpm (qw(prefork worker event)) {
    my $dir = "$tmp/$mpm";
    my $port = FarmLib::free_port();
    FarmLib::httpd_conf(dir => $dir, port => $port, mpm => $mpm,
        before_module => "Include $dir/before.conf");
    FarmLib::write_file("$dir/before.conf", "");
    my $p = FarmLib::start_httpd("httpd-$mpm", $dir, $port);
    my $first = module_base($p->{pid});
    my $ch = nonce_from($port);
    my $used = authz($ch, 1);
    FarmLib::is_eq(send_auth($port, $used)->{code}, 200,
        "$mpm: a login before the restart");

    my ($now, $restarts) = ($first, 0);
    for my $filler (@fillers) {
        FarmLib::write_file("$dir/before.conf", "LoadFile $filler\n");
        FarmLib::graceful($p) or last;
        $restarts++;
        $now = module_base($p->{pid});
        last if $now ne $first;
    }
    FarmLib::ok($first ne '' && $now ne '' && $now ne $first,
        "$mpm: after $restarts graceful restart(s) the module maps at another "
        . "address (0x$first -> 0x$now)");

    my @codes = map { login($port) } 1 .. 12;
    FarmLib::is_eq(join(' ', @codes), join(' ', (200) x 12),
        "$mpm: 12 logins on new connections after the restart: 200");
    FarmLib::is_eq(send_auth($port, authz($ch, 2))->{code}, 200,
        "$mpm: the nonce issued before the restart is still valid");
    FarmLib::is_eq(send_auth($port, $used)->{code}, 401,
        "$mpm: its count used before the restart is still refused");
    FarmLib::is_eq(crashes($p), 0, "$mpm: no child died on a signal");
    FarmLib::stop_proc($p);
}

# ---- the first second after a start -------------------------------------------
SKIP: {
    FarmLib::ok(-f $FAKETIME, "libfaketime is installed ($FAKETIME)") or last;
    my %frozen = (LD_PRELOAD => $FAKETIME,
        FAKETIME => '2026-01-01 00:00:00');
    my $dir = "$tmp/frozen";
    my $port = FarmLib::free_port();
    # a secret file, so that the nonce outlives the restart and only the
    # replay table's generation tells its counts are gone
    FarmLib::httpd_conf(dir => $dir, port => $port, mpm => 'prefork',
        secrets => [FarmLib::secret_file('frozen-secret')]);
    my $p = FarmLib::start_httpd('httpd-frozen', $dir, $port, %frozen);
    my $code = `curl -s -o /dev/null -w '%{http_code}' --digest -u 'alice:farm pw' http://127.0.0.1:$port$PATH`;
    FarmLib::is_eq($code, '200',
        'time frozen in the second the table was made: curl --digest logs in');
    my $ch = nonce_from($port);
    my $used = authz($ch, 1);
    FarmLib::is_eq(send_auth($port, $used)->{code}, 200,
        'a count used before a full restart ...');
    FarmLib::stop_proc($p);
    $p = FarmLib::start_httpd('httpd-frozen-2', $dir, $port, %frozen);
    my $res = send_auth($port, $used);
    FarmLib::ok($res->{code} == 401 && DigestRaw::is_stale($res),
        '... is answered stale after it, in the same second (got '
        . "$res->{code})");
    FarmLib::is_eq(login($port), 200,
        'a new login after the restart, in the same second: 200');
    FarmLib::is_eq(crashes($p), 0, 'no child died on a signal');
    FarmLib::stop_proc($p);
}

FarmLib::finish();
