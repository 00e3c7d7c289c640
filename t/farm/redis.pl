#!/usr/bin/perl
# t/farm/redis.pl: two httpd instances (event MPM) sharing a nonce secret
# and `AuthDigestNonceCache redis:127.0.0.1:PORT`, with a redis-server this
# script starts on a free loopback port (no persistence, so a restart loses
# every record) and always stops.  The shared steps are in FarmSuite.pm;
# here: the directive's configtest errors, the start-up warning about an
# evicting Redis, a Redis that cannot be reached at start-up, a Redis
# that refuses writes (OOM), and the status page under ExtendedStatus On
# and Off.
#
# usage: t/farm/redis.pl [--so PATH] [--results FILE] [--keep] [--mpm M]
# Prints TAP-like lines and "farm-redis: N passed, M failed".
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib $FindBin::Bin;

use Time::HiRes qw(sleep time);

use DigestRaw ();
use FarmLib ();
use FarmSuite ();
use RedisServer ();
use StatusPage ();

my $opt = FarmLib::setup('farm-redis', @ARGV);
my $tmp = FarmLib::tmp();

my $redis_bin = RedisServer::binary();
FarmLib::ok(length $redis_bin, 'redis-server is installed (Debian package '
    . 'redis-server)') or FarmLib::finish();
FarmLib::ok(-f $opt->{so}, "the module is built ($opt->{so})")
    or FarmLib::finish();

FarmLib::farm_files();
my $rport = FarmLib::free_port();
my $redis;

sub redis_cmd { return RedisServer::cmd($rport, @_) }

sub redis_start { $redis = RedisServer::start($rport, $tmp) }

# ---- configtest: errors name the directive ---------------------------------
{
    my $dir = "$tmp/T";
    my $port = FarmLib::free_port();
    my %bad = (
        'shmcb' => qr/unknown store 'shmcb'/,
        'redis:127.0.0.1' => qr/is not HOST:PORT/,
        'redis:127.0.0.1:port' => qr/is not HOST:PORT/,
        'redis:' => qr/is not HOST:PORT/,
        'memcache:' => qr/is not memcache:HOST:PORT/,
        'memcache:127.0.0.1:11211,' => qr/is not memcache:HOST:PORT/,
        'memcache:127.0.0.1:11211,nowhere' => qr/'nowhere' is not HOST:PORT/,
    );
    for my $v (sort keys %bad) {
        FarmLib::httpd_conf(dir => $dir, port => $port, cache => $v);
        my ($rc, $out) = FarmLib::configtest("$dir/httpd.conf");
        FarmLib::ok($rc != 0 && $out =~ /AuthDigestNonceCache: / &&
                $out =~ $bad{$v},
            "configtest refuses AuthDigestNonceCache $v, naming the directive")
            or FarmLib::diag("status $rc: $out");
    }
    for my $v ('shm', 'SHM', 'redis:127.0.0.1:6399', 'redis:[::1]:6399',
        'redis:localhost:6399', 'memcache:127.0.0.1:1,127.0.0.1:2')
    {
        FarmLib::httpd_conf(dir => $dir, port => $port, cache => $v);
        my ($rc, $out) = FarmLib::configtest("$dir/httpd.conf");
        FarmLib::ok($rc == 0 && $out =~ /Syntax OK/,
            "configtest accepts AuthDigestNonceCache $v")
            or FarmLib::diag("status $rc: $out");
    }
}

# ---- the backend-specific checks, run after the race ----------------------
sub extra
{
    my ($A, $B) = @_;
    FarmLib::ok(!FarmLib::log_lines($A, qr/SD00421/),
        'no eviction warning while maxmemory-policy is noeviction');
    FarmLib::is_eq(redis_cmd('CONFIG', 'SET', 'maxmemory-policy',
        'allkeys-lru'), '+OK', 'Redis switched to allkeys-lru');
    FarmLib::ok(FarmLib::graceful($A), 'A restarted gracefully');
    my @warn = FarmLib::log_lines($A, qr/SD00421/);
    FarmLib::ok(@warn == 1 && $warn[0] =~ /allkeys-lru/
            && $warn[0] =~ /\[auth_sspidigest:warn\]/,
        'graceful restart against an evicting Redis: one start-up warning')
        or FarmLib::diag(@warn);
    FarmLib::is_eq(redis_cmd('CONFIG', 'SET', 'maxmemory-policy',
        'noeviction'), '+OK', 'Redis back to noeviction');

    # A full Redis with noeviction refuses writes: 503, never 200.
    my $ch = FarmSuite::nonce_from($A->{port});
    FarmLib::is_eq(redis_cmd('CONFIG', 'SET', 'maxmemory', '1'), '+OK',
        'Redis limited to 1 byte (it refuses writes: OOM)');
    my $res = FarmSuite::send_auth($A->{port}, FarmSuite::authz($ch, 1));
    FarmLib::is_eq($res->{code}, 503, 'a Redis that refuses the write: 503');
    redis_cmd('CONFIG', 'SET', 'maxmemory', '0');
    $res = FarmSuite::send_auth($A->{port}, FarmSuite::authz($ch, 2));
    FarmLib::is_eq($res->{code}, 200, 'Redis accepts writes again: 200');

    # A Redis that cannot be reached at start-up: httpd starts, says so,
    # and answers 503.
    my $cport = FarmLib::free_port();
    my $nowhere = FarmLib::free_port();
    FarmLib::httpd_conf(dir => "$tmp/C", port => $cport,
        cache => "redis:127.0.0.1:$nowhere",
        secrets => ["$tmp/secret-current"]);
    my $C = FarmLib::start_httpd('C', "$tmp/C", $cport);
    FarmLib::ok(scalar FarmLib::log_lines($C, qr/SD00420.*cannot be reached/),
        'a Redis not reachable at start-up: httpd starts and logs it');
    FarmLib::is_eq(FarmSuite::login($cport)->{code}, 503,
        '... and Digest logins get 503');
    FarmLib::stop_proc($C);

    # The store is set for the whole server, the secret in a virtual host
    # (a common layout: one secret per site).  The virtual host must still
    # use the shared store, or a request accepted by one server can be
    # replayed to the other.
    # E also has ExtendedStatus Off: its status page leaves our section
    # out.
    my @vh;
    for my $name ('D', 'E') {
        my $port = FarmLib::free_port();
        my $vport = FarmLib::free_port();
        FarmLib::httpd_conf(dir => "$tmp/$name", port => $port,
            cache => "redis:127.0.0.1:$rport",
            secrets => ["$tmp/secret-current"],
            extra => "Listen 127.0.0.1:$vport\n"
                . "<VirtualHost 127.0.0.1:$vport>\n"
                . "    AuthDigestNonceSecret \"$tmp/secret-current\"\n"
                . "</VirtualHost>\n"
                . ($name eq 'E' ? "ExtendedStatus Off\n" : ''));
        push @vh, FarmLib::start_httpd($name, "$tmp/$name", $port);
        $vh[-1]{vport} = $vport;
    }
    my ($on, $off) = map { StatusPage::auto($_->{port}) } @vh;
    FarmLib::ok($on->{code} == 200 && ($on->{count} // 0) == 1
            && ($on->{stores}[0]{Name} // '') eq "redis:127.0.0.1:$rport",
        'ExtendedStatus On: the status page lists the Redis store');
    FarmLib::ok($off->{code} == 200 && $off->{text} =~ /^ServerUptimeSeconds:/m
            && $off->{text} !~ /SspiDigest/,
        'ExtendedStatus Off: the status page leaves the section out');
    my $vch = FarmSuite::nonce_from($vh[0]{vport});
    my $vauth = FarmSuite::authz($vch, 1);
    FarmLib::is_eq(FarmSuite::send_auth($vh[0]{vport}, $vauth)->{code}, 200,
        'a virtual host with its own AuthDigestNonceSecret accepts a login');
    FarmLib::is_eq(FarmSuite::replay($vh[1]{vport}, $vauth)->{code}, 401,
        'that login replayed to the same virtual host of the other server: '
        . '401 (the virtual host uses the server\'s AuthDigestNonceCache)');
    FarmLib::stop_proc($_) for @vh;
}

redis_start();
FarmSuite::run({
    name => 'redis',
    spec => "redis:127.0.0.1:$rport",
    start => sub { },
    stop => sub { FarmLib::stop_proc($redis) },
    restart => \&redis_start,
    extra => \&extra,
});
FarmLib::finish();
