# Nonce expiry: after AuthDigestNonceLifetime (2 s at /protocol/stale) the
# right password gets 401 with stale=true on every challenge, a wrong one a
# 401 without stale, and the answer to the stale challenge a 200; in the
# last tenth of a nonce's life (10 s at /protocol/next, a request at 9.x s)
# Authentication-Info carries a nextnonce that can be used.
# Waits about 9.5 s in all (both nonces are taken at the start).
# Config: t/conf/protocol.conf.in; client: t/lib/SDClient.pm.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use SDTest qw(need_module_under_test);
use SDClient;
use Time::HiRes ();

plan tests => 24, need need_lwp, need_module_under_test();

my $alice = SDClient->new(user => 'alice', password => 'alice pw');
my $STALE = '/protocol/stale/page.txt';
my $NEXT = '/protocol/next/page.txt';

# Sleeps until $n whole seconds after the second $t was in, plus 0.1 s.
# Nonce times are whole seconds (time()); a nonce minted during second T
# is of age floor(now) - T.
sub sleep_until_age
{
    my ($t, $n) = @_;
    my $wait = int($t) + $n + 0.1 - Time::HiRes::time();
    Time::HiRes::sleep($wait) if $wait > 0;
}

# ---- take both nonces now --------------------------------------------------
my $conn = $alice->connect;
my $first = $alice->request(GET => $STALE, conn => $conn);
my $t_stale = Time::HiRes::time();
my @ch = SDClient::challenges($first);
is(scalar @ch, 2, 'stale Location: two challenges (SHA-256, MD5)');
my $ch = SDClient::challenge($first, 'SHA-256');

my $next_first = $alice->request(GET => $NEXT);
my $t_next = Time::HiRes::time();
my $chn = SDClient::challenge($next_first);

{
    my $auth = $alice->authorization(challenge => $ch, method => 'GET',
        uri => $STALE, nc => 1);
    my $res = $alice->request(GET => $STALE, auth => $auth, conn => $conn);
    is($res->code, 200, 'fresh nonce: 200');

    $auth = $alice->authorization(challenge => $chn, method => 'GET',
        uri => $NEXT, nc => 1);
    $res = $alice->request(GET => $NEXT, auth => $auth);
    is($res->code, 200, 'lifetime 10, at once: 200');
    my $info = SDClient::parse_params($res->header('Authentication-Info') // '');
    ok(!exists $info->{nextnonce}, 'lifetime 10, at once: no nextnonce');
}

# ---- after expiry ------------------------------------------------------------
sleep_until_age($t_stale, 3);
{
    my $mark = SDClient::log_mark();
    my $auth = $alice->authorization(challenge => $ch, method => 'GET',
        uri => $STALE, nc => 2);
    my $res = $alice->request(GET => $STALE, auth => $auth, conn => $conn);
    is($res->code, 401, 'expired, right password, same connection: 401');
    my @st = SDClient::challenges($res);
    ok(@st == 2 && !grep({ ($_->{stale} // '') ne 'true' } @st),
        'expired, right password: stale=true on both challenges');
    my $new = SDClient::challenge($res, 'MD5');
    ok(@st && !grep({ $_->{nonce} eq $ch->{nonce} } @st),
        'expired: a new nonce');
    ok(!defined $res->header('Authentication-Info'),
        'expired: no Authentication-Info');
    my @log = SDClient::log_since($mark, qr/SD00502/);
    is(scalar @log, 1, 'expired: one SD00502 line');
    like($log[0] // '', qr/Digest refused \(401\): user "alice": nonce expired/,
        'expired: the log says so');

    $auth = $alice->authorization(challenge => $ch, method => 'GET',
        uri => $STALE, nc => 3);
    $res = $alice->request(GET => $STALE, auth => $auth);
    is($res->code, 401, 'expired, right password, new connection: 401');
    @st = SDClient::challenges($res);
    ok(@st == 2 && !grep({ ($_->{stale} // '') ne 'true' } @st),
        'expired, new connection: stale=true on both challenges');

    $auth = $alice->authorization(challenge => $ch, method => 'GET',
        uri => $STALE, nc => 4, password => 'wrong');
    $res = $alice->request(GET => $STALE, auth => $auth);
    is($res->code, 401, 'expired, wrong password: 401');
    @st = SDClient::challenges($res);
    ok(@st && !grep({ exists $_->{stale} } @st),
        'expired, wrong password: no stale');

    $auth = $alice->authorization(challenge => $ch, method => 'GET',
        uri => $STALE, nc => 5, user => 'mallory');
    $res = $alice->request(GET => $STALE, auth => $auth);
    @st = SDClient::challenges($res);
    ok($res->code == 401 && @st && !grep({ exists $_->{stale} } @st),
        'expired, unknown user: 401 without stale');

    # the client answers the stale challenge: its new nonce, nc from 1, no
    # new credentials
    ok($new && ($new->{stale} // '') eq 'true', 'a stale MD5 challenge');
    $auth = $alice->authorization(challenge => $new, method => 'GET',
        uri => $STALE, nc => 1);
    $res = $alice->request(GET => $STALE, auth => $auth, conn => $conn);
    is($res->code, 200, 'answering the stale challenge: 200');
    my @bad = SDClient::auth_info_problems($res, $auth);
    is("@bad", '', 'answering the stale challenge: Authentication-Info');
    $auth = $alice->authorization(challenge => $new, method => 'GET',
        uri => $STALE, nc => 2);
    $res = $alice->request(GET => $STALE, auth => $auth);
    is($res->code, 200, 'the new nonce, nc 2, new connection: 200');
    $conn->close;
}

# ---- nextnonce near the end of the lifetime ---------------------------------
sleep_until_age($t_next, 9);
{
    my $auth = $alice->authorization(challenge => $chn, method => 'GET',
        uri => $NEXT, nc => 2);
    my $res = $alice->request(GET => $NEXT, auth => $auth);
    is($res->code, 200, 'lifetime 10, at 9.x s: 200');
    my @bad = SDClient::auth_info_problems($res, $auth);
    is("@bad", '', 'at 9.x s: rspauth still right');
    my $info = SDClient::parse_params($res->header('Authentication-Info') // '');
    my $nn = $info->{nextnonce};
    ok(defined $nn && $nn ne $chn->{nonce}, 'at 9.x s: a new nextnonce');

    if (defined $nn) {
        $auth = $alice->authorization(challenge => $chn, nonce => $nn,
            method => 'GET', uri => $NEXT, nc => 1);
        $res = $alice->request(GET => $NEXT, auth => $auth);
        is($res->code, 200, 'the nextnonce can be used: 200');
        $info = SDClient::parse_params($res->header('Authentication-Info') // '');
        ok(!exists $info->{nextnonce}, 'the nextnonce is young: no nextnonce');
    }
    else {
        fail('the nextnonce can be used: 200') for 1 .. 2;
    }
}
