#!/usr/bin/perl
# t/farm/memcache.pl: two httpd instances (event MPM) sharing a nonce
# secret and `AuthDigestNonceCache memcache:127.0.0.1:P1,127.0.0.1:P2`, with
# two memcached servers this script starts on free loopback ports and
# always stops: M1 with -M (no evictions: full means refused writes), M2
# with memcached's default (evictions on).  The shared steps are in
# FarmSuite.pm; here: the start-up warning about the evicting M2 only, and
# one of the two memcached servers down (its nonces get 503, the other's
# still work, no replay is accepted).
#
# usage: t/farm/memcache.pl [--so PATH] [--results FILE] [--keep] [--mpm M]
# Prints TAP-like lines and "farm-memcache: N passed, M failed".
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib $FindBin::Bin;

use IO::Socket::INET ();
use Time::HiRes qw(sleep time);

use DigestRaw ();
use FarmLib ();
use FarmSuite ();
use MIME::Base64 ();

my $opt = FarmLib::setup('farm-memcache', @ARGV);
my $tmp = FarmLib::tmp();

chomp(my $mc_bin = `sh -c 'command -v memcached' 2>/dev/null`);
FarmLib::ok(length $mc_bin, 'memcached is installed (Debian package '
    . 'memcached)') or FarmLib::finish();
FarmLib::ok(-f $opt->{so}, "the module is built ($opt->{so})")
    or FarmLib::finish();
FarmLib::farm_files();

my %mc = (
    M1 => { port => FarmLib::free_port(), args => ['-M'] },
    M2 => { port => FarmLib::free_port(), args => [] },
);

sub mc_ready
{
    my ($port) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $port, Proto => 'tcp', Timeout => 1) or return 0;
    print $s "version\r\n";
    my $line = <$s> // '';
    close $s;
    return $line =~ /^VERSION/;
}

sub mc_start
{
    my ($name) = @_;
    my $m = $mc{$name};
    my @user = $> == 0 ? ('-u', 'nobody') : ();
    $m->{proc} = FarmLib::start_proc("memcached $name", "$tmp/$name.log",
        $mc_bin, '-l', '127.0.0.1', '-p', $m->{port}, '-U', '0', '-m', '16',
        '-t', '2', @user, @{ $m->{args} });
    my $until = time + 10;
    while (time < $until) {
        return 1 if mc_ready($m->{port});
        die "memcached $name exited:\n" . FarmLib::slurp("$tmp/$name.log")
            unless FarmLib::alive($m->{proc});
        sleep 0.01;
    }
    die "memcached $name does not answer\n";
}

sub mc_stop
{
    my ($name) = @_;
    FarmLib::stop_proc($mc{$name}{proc});
}

sub extra
{
    my ($A, $B) = @_;
    my @warn = FarmLib::log_lines($A, qr/SD00441/);
    FarmLib::ok(@warn == 1 && $warn[0] =~ /:$mc{M2}{port} evicts/,
        'start-up warning for the evicting memcached (M2) only, not for '
        . 'M1 (-M)')
        or FarmLib::diag(@warn);

    # M2 down: nonces that belong to it get 503, M1's still log in, and
    # nothing is accepted twice.
    my %accepted;
    my %codes;
    my $last_503 = time;
    mc_stop('M2');
    for my $i (1 .. 24) {
        my $port = $i % 2 ? $A->{port} : $B->{port};
        my $ch = FarmSuite::nonce_from($port) or next;
        my $auth = FarmSuite::authz($ch, 1);
        my $res = FarmSuite::send_auth($port, $auth);
        $codes{ $res->{code} }++;
        $accepted{$auth} = $port if $res->{code} == 200;
        $last_503 = time if $res->{code} == 503;
    }
    FarmLib::diag('one memcached down, 24 logins: '
        . join(' ', map { "$_ x$codes{$_}" } sort keys %codes));
    FarmLib::ok(($codes{200} // 0) > 0 && ($codes{503} // 0) > 0
            && ($codes{200} // 0) + ($codes{503} // 0) == 24,
        'one memcached of two down: its nonces get 503, the other\'s 200');
    my $replayed = 0;
    for my $auth (sort keys %accepted) {
        my $other = $accepted{$auth} == $A->{port} ? $B->{port} : $A->{port};
        $replayed++ if FarmSuite::replay($other, $auth)->{code} == 401;
    }
    FarmLib::is_eq($replayed, scalar keys %accepted,
        'one memcached down: every accepted login replayed to the other '
        . 'server: 401');
    # M2 back, empty: the first nonce used on it renews its epoch and is
    # answered stale; a client then logs in with a fresh nonce.
    mc_start('M2');
    my $stale = 0;
    my $until = time + 5;
    while (time < $until) {
        sleep 0.01;
        my $ch = FarmSuite::nonce_from($A->{port}) or next;
        my $res = FarmSuite::send_auth($A->{port}, FarmSuite::authz($ch, 1));
        if (DigestRaw::is_stale($res)) {
            $stale++;
            last;
        }
    }
    FarmLib::ok($stale, 'M2 back empty: a nonce that belongs to it is '
        . 'answered stale');

    # A has seen M2's new generation, B has not: a nonce A mints now (it
    # carries both servers' generations) that belongs to M1 is read at B
    # with M2's generation read again, and accepted, not bounced.
    my ($ch, $owner);
    for (1 .. 40) {
        $ch = FarmSuite::nonce_from($A->{port}) or next;
        $owner = owner_of($ch->{nonce});
        last if defined $owner && $owner == 0;
    }
    FarmLib::ok(defined $owner && $owner == 0,
        'a nonce of A that belongs to M1');
    FarmLib::is_eq(FarmSuite::send_auth($B->{port},
            FarmSuite::authz($ch, 1))->{code}, 200,
        'B, which has not seen M2 come back, accepts it');

    # A child whose connection to M2 failed keeps failing fast (503) for
    # 250 ms (RETRY_MS, module/remote.c) before it tries again.  The shared
    # steps that follow expect every child to use both servers: wait out
    # that pause from the last 503, whatever the machine's speed.
    my $rest = $last_503 + 0.3 - time;
    sleep $rest if $rest > 0;
}

# The memcached of the list a nonce's records go to: the first 4 octets of
# its id (the last 16 of the 45 the nonce encodes), modulo the count.
sub owner_of
{
    my ($nonce) = @_;
    my $raw = MIME::Base64::decode_base64($nonce);
    return undef unless length $raw == 45;
    return unpack('N', substr($raw, 29, 4)) % 2;
}

mc_start($_) for sort keys %mc;
FarmSuite::run({
    name => 'memcache',
    spec => "memcache:127.0.0.1:$mc{M1}{port},127.0.0.1:$mc{M2}{port}",
    start => sub { },
    stop => sub { mc_stop($_) for sort keys %mc },
    restart => sub { mc_start($_) for sort keys %mc },
    extra => \&extra,
});
FarmLib::finish();
