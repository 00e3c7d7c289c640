#!/usr/bin/perl
# t/farm/crossing.pl: a nonce is accepted only where its replay record
# lives (issue 10, items 6 and 7).
#   - Virtual hosts: three name-based virtual hosts on one port share the
#     realm and the nonce secret but not the replay store: one has a
#     shared-memory table of its own (AuthDigestShmemSize), one the default
#     table, one a Redis store.  A nonce of one is stale at the others, a
#     request accepted by one is never accepted by another, and a
#     keep-alive connection that moves to another virtual host (a new Host)
#     is verified from scratch.
#   - Clocks: two servers share a secret and a Redis; B's clock is 50 s
#     behind (libfaketime).  Redis loses its records, B notices first and
#     renews the record that tells; a request A accepted before the loss,
#     replayed to A or B, must not be accepted (with an epoch written in
#     B's time it was).
#
# usage: t/farm/crossing.pl [--so PATH] [--results FILE] [--keep] [--mpm M]
#            [--asan]
# Prints TAP-like lines and "farm-crossing: N passed, M failed".
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib $FindBin::Bin;

use Time::HiRes qw(sleep time);

use DigestRaw ();
use FarmLib ();
use FarmSuite ();
use RedisServer ();

my $opt = FarmLib::setup('farm-crossing', @ARGV);
my $tmp = FarmLib::tmp();
my $FAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1';

FarmLib::ok(-f $opt->{so}, "the module is built ($opt->{so})")
    or FarmLib::finish();
FarmLib::ok(length RedisServer::binary(), 'redis-server is installed')
    or FarmLib::finish();
FarmLib::farm_files();
my $secret = FarmLib::secret_file('secret');
my $rport = FarmLib::free_port();
RedisServer::start($rport, $tmp);

sub authz { return FarmSuite::authz(@_) }

sub challenge_at
{
    my ($port, $host) = @_;
    return FarmSuite::nonce_from($port, $host);
}

sub send_at
{
    my ($port, $host, $auth) = @_;
    return FarmSuite::send_auth($port, $auth, $host);
}

sub stale { my ($res) = @_; return DigestRaw::is_stale($res) }

# ---- virtual hosts with different replay stores ----------------------------
{
    my $dir = "$tmp/V";
    my $port = FarmLib::free_port();
    my %store = (
        'own.test' => 'AuthDigestShmemSize 128K',
        'default.test' => '',
        'redis.test' => "AuthDigestNonceCache redis:127.0.0.1:$rport",
    );
    my $vhosts = join '', map { <<"EOF" } sort keys %store;
<VirtualHost 127.0.0.1:$port>
    ServerName $_
    $store{$_}
</VirtualHost>
EOF
    FarmLib::httpd_conf(dir => $dir, port => $port, secrets => [$secret],
        extra => $vhosts);
    my $p = FarmLib::start_httpd('httpd-vhosts', $dir, $port);
    my @hosts = sort keys %store;
    for my $from (@hosts) {
        my $ch = challenge_at($port, $from);
        my $accepted = authz($ch, 1);
        FarmLib::is_eq(send_at($port, $from, $accepted)->{code}, 200,
            "$from: a login");
        for my $to (grep { $_ ne $from } @hosts) {
            my $res = send_at($port, $to, $accepted);
            FarmLib::ok($res->{code} == 401 && stale($res),
                "$from -> $to: the request accepted at $from is stale at $to "
                . "(got $res->{code})");
            $res = send_at($port, $to, authz($ch, 2));
            FarmLib::ok($res->{code} == 401 && stale($res),
                "$from -> $to: a fresh count of $from\'s nonce is stale at "
                . "$to (got $res->{code})");
        }
    }
    # one connection, two virtual hosts
    my $ch = challenge_at($port, 'own.test');
    my $s = DigestRaw::connect_to($port);
    my @codes;
    for my $nc (1 .. 3) {
        DigestRaw::send_text($s, DigestRaw::request_text(port => $port,
            host => $nc < 3 ? 'own.test' : 'default.test',
            path => '/farm/index.html',
            auth => authz($ch, $nc)));
        my $res = DigestRaw::read_response($s);
        push @codes, $res->{code} . (stale($res) ? ' stale' : '');
    }
    close $s;
    FarmLib::is_eq(join(', ', @codes), '200, 200, 401 stale',
        'keep-alive own.test, own.test, then default.test on the same '
        . 'connection: the third verified from scratch');
    FarmLib::is_eq(scalar FarmLib::log_lines($p, qr/exit signal/), 0,
        'no child died on a signal');
    FarmLib::stop_proc($p);
}

# ---- a farm server whose clock is behind ----------------------------------------
SKIP: {
    FarmLib::ok(-f $FAKETIME, "libfaketime is installed ($FAKETIME)") or last;
    my %srv;
    for my $name (qw(A B)) {
        my $dir = "$tmp/$name";
        my $port = FarmLib::free_port();
        FarmLib::httpd_conf(dir => $dir, port => $port, secrets => [$secret],
            cache => "redis:127.0.0.1:$rport");
        my %env = $name eq 'B' ? (LD_PRELOAD => $FAKETIME, FAKETIME => '-50')
                               : ();
        $srv{$name} = FarmLib::start_httpd("httpd-$name", $dir, $port, %env);
    }
    my ($pa, $pb) = ($srv{A}{port}, $srv{B}{port});
    my $ch = challenge_at($pa, '127.0.0.1');
    my $accepted = authz($ch, 1);
    FarmLib::is_eq(send_at($pa, '127.0.0.1', $accepted)->{code}, 200,
        'A accepts a request');
    FarmLib::is_eq(RedisServer::cmd($rport, 'FLUSHALL'), '+OK',
        'Redis loses every record (FLUSHALL)');
    # B, 50 s behind, is the first to see the loss
    my $chb = challenge_at($pb, '127.0.0.1');
    my $first = send_at($pb, '127.0.0.1', authz($chb, 1));
    FarmLib::ok($first->{code} == 401 && stale($first),
        'B notices the loss first: its nonce from before is stale');
    for my $to (qw(A B)) {
        my $res = send_at($srv{$to}{port}, '127.0.0.1', $accepted);
        FarmLib::ok($res->{code} != 200,
            "the request A accepted before the loss, replayed to $to: "
            . "refused ($res->{code})");
    }
    my $chb2 = challenge_at($pb, '127.0.0.1');
    FarmLib::is_eq(send_at($pb, '127.0.0.1', authz($chb2, 1))->{code}, 200,
        'B logs in again with a new nonce');
    my $cha = challenge_at($pa, '127.0.0.1');
    FarmLib::is_eq(send_at($pa, '127.0.0.1', authz($cha, 1))->{code}, 200,
        'A logs in again with a new nonce');
}

FarmLib::finish();
