# Nonce counts: several requests with one nonce on a keep-alive connection,
# a repeated count refused on the same and on a new connection, counts out
# of order accepted once each, users switching on one connection, and
# AuthDigestNcCheck Off accepting a repeated count (mod_auth_digest's
# behaviour).  Config: t/conf/protocol.conf.in; client: t/lib/SDClient.pm.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use SDTest qw(need_module_under_test);
use SDClient;

plan tests => 51, need need_lwp, need_module_under_test();

my $alice = SDClient->new(user => 'alice', password => 'alice pw');
my $bob = SDClient->new(user => 'bob', password => 'bob-pw');
my $PAGE = '/protocol/all/page.txt';
my $ECHO = '/protocol/all/cgi/echo.cgi';

# Sends ($client, $challenge, $nc) on $conn (undef: a new connection);
# returns ($res, $auth).
sub send_nc
{
    my ($client, $ch, $nc, $conn, $path) = @_;
    $path //= $PAGE;
    my $auth = $client->authorization(challenge => $ch, method => 'GET',
        uri => $path, nc => $nc);
    return ($client->request(GET => $path, auth => $auth, conn => $conn),
        $auth);
}

# ---- one nonce, one connection: 1, 2, 3 ------------------------------------
my $conn = $alice->connect;
my $ch = SDClient::challenge($alice->request(GET => $PAGE, conn => $conn),
    'SHA-256');
for my $nc (1 .. 3) {
    my ($res, $auth) = send_nc($alice, $ch, $nc, $conn);
    is($res->code, 200, "keep-alive, nc $nc: 200");
    my @bad = SDClient::auth_info_problems($res, $auth);
    is("@bad", '', "keep-alive, nc $nc: Authentication-Info echoes nc $auth->{nc}");
}
ok($conn->is_open, 'the connection is still open');
{
    my $mark = SDClient::log_mark();
    my ($res) = send_nc($alice, $ch, 3, $conn);
    is($res->code, 401, 'keep-alive, nc 3 again: 401');
    my @fresh = SDClient::challenges($res);
    ok(@fresh && !grep({ $_->{nonce} eq $ch->{nonce} || exists $_->{stale} } @fresh),
        'replay: a fresh challenge, not stale');
    my @log = SDClient::log_since($mark, qr/SD00502/);
    like($log[0] // '', qr/Digest refused \(401\): user "alice": nonce count used before/,
        'replay: logged');
    ($res) = send_nc($alice, $ch, 2, $conn);
    is($res->code, 401, 'keep-alive, nc 2 again (below the highest): 401');
    ($res) = send_nc($alice, $ch, 4, $conn);
    is($res->code, 200, 'keep-alive, nc 4 after the replays: 200');

    # on the established connection (the engine's CompleteAuthToken path)
    my $auth = $alice->authorization(challenge => $ch, method => 'GET',
        uri => $PAGE, nc => 6, password => 'wrong');
    $res = $alice->request(GET => $PAGE, auth => $auth, conn => $conn);
    is($res->code, 401, 'keep-alive, same nonce, wrong password: 401');
    ok(scalar SDClient::challenges($res), 'keep-alive, wrong password: a challenge');
    $auth = $alice->authorization(challenge => $ch, method => 'GET',
        uri => $PAGE, nc => 7, user => 'bob', password => 'bob-pw');
    $res = $alice->request(GET => $PAGE, auth => $auth, conn => $conn);
    is($res->code, 200, 'keep-alive, same nonce, another user: 200');
    ($res) = send_nc($alice, $ch, 8, $conn);
    is($res->code, 200, 'keep-alive, back to alice, nc 8: 200');
    # (last: httpd closes the connection after a 400)
    $auth = $alice->authorization(challenge => $ch, method => 'GET',
        uri => '/protocol/all/other.txt', nc => 5);
    $res = $alice->request(GET => $PAGE, auth => $auth, conn => $conn);
    is($res->code, 400, 'keep-alive, digest-uri of another path: 400');
    ok(!defined $res->header('WWW-Authenticate'), 'keep-alive, 400: no challenge');
}
$conn->close;

# ---- the same (nonce, nc) on a new connection --------------------------------
{
    my ($res) = send_nc($alice, $ch, 2, undef);
    is($res->code, 401, 'new connection, a used (nonce, nc): 401');
    ok(scalar SDClient::challenges($res), 'new connection, replay: a challenge');
    ($res) = send_nc($alice, $ch, 4, undef);
    is($res->code, 401, 'new connection, another used nc: 401');
    ($res) = send_nc($alice, $ch, 9, undef);
    is($res->code, 200, 'new connection, the next nc: 200');
    my $c2 = $alice->connect;
    ($res) = send_nc($alice, $ch, 10, $c2);
    is($res->code, 200, 'another connection, nc 10: 200');
    ($res) = send_nc($alice, $ch, 10, $c2);
    is($res->code, 401, 'another connection, nc 10 again: 401');
    $c2->close;
}

# ---- counts out of order -----------------------------------------------------
{
    my $c = $alice->connect;
    my $ch2 = SDClient::challenge($alice->request(GET => $PAGE, conn => $c), 'MD5');
    for my $nc (3, 1, 2) {
        my ($res) = send_nc($alice, $ch2, $nc, $c);
        is($res->code, 200, "out of order, same connection, nc $nc: 200");
    }
    for my $nc (3, 1, 2) {
        my ($res) = send_nc($alice, $ch2, $nc, $c);
        is($res->code, 401, "out of order, nc $nc a second time: 401");
    }
    $c->close;

    my $ch3 = SDClient::challenge($alice->request(GET => $PAGE), 'SHA-512-256');
    for my $nc (3, 1, 2) {
        my ($res) = send_nc($alice, $ch3, $nc, undef);
        is($res->code, 200, "out of order, new connections, nc $nc: 200");
    }
    for my $nc (1, 2, 3) {
        my ($res) = send_nc($alice, $ch3, $nc, undef);
        is($res->code, 401, "out of order, new connections, nc $nc again: 401");
    }
}

# ---- far out of order, and the largest count ----------------------------------
{
    my $ch5 = SDClient::challenge($alice->request(GET => $PAGE), 'SHA-256');
    my ($res) = send_nc($alice, $ch5, 300, undef);
    is($res->code, 200, 'nc 300 first: 200');
    ($res) = send_nc($alice, $ch5, 100, undef);
    is($res->code, 200, 'then nc 100 (200 below the highest): 200');
    ($res) = send_nc($alice, $ch5, 10, undef);
    is($res->code, 401, 'then nc 10 (290 below, out of the window): 401');
    ($res) = send_nc($alice, $ch5, 0xffffffff, undef);
    is($res->code, 200, 'nc ffffffff: 200');
    ($res) = send_nc($alice, $ch5, 0xffffffff, undef);
    is($res->code, 401, 'nc ffffffff again: 401');
}

# ---- two users, one connection ------------------------------------------------
{
    my $c = $alice->connect;
    my $cha = SDClient::challenge($alice->request(GET => $ECHO, conn => $c), 'SHA-256');
    my $chb = SDClient::challenge($alice->request(GET => $ECHO, conn => $c), 'SHA-256');
    my ($res) = send_nc($alice, $cha, 1, $c, $ECHO);
    is($res->header('X-Remote-User') // $res->code, 'alice', 'one connection: alice');
    ($res) = send_nc($bob, $chb, 1, $c, $ECHO);
    is($res->header('X-Remote-User') // $res->code, 'bob', 'one connection: then bob');
    ($res) = send_nc($alice, $cha, 2, $c, $ECHO);
    is($res->header('X-Remote-User') // $res->code, 'alice',
        'one connection: alice again with her nonce');
    # bob's nonce with alice's name but bob's password: refused
    my $auth = $bob->authorization(challenge => $chb, method => 'GET',
        uri => $ECHO, nc => 2, user => 'alice');
    $res = $alice->request(GET => $ECHO, auth => $auth, conn => $c);
    is($res->code, 401, 'one connection: alice with bob\'s password: 401');
    ($res) = send_nc($bob, $chb, 3, $c, $ECHO);
    is($res->header('X-Remote-User') // $res->code, 'bob',
        'one connection: bob again');
    $c->close;
}

# ---- AuthDigestNcCheck Off ---------------------------------------------------
{
    my $path = '/protocol/nc-off/page.txt';
    my $c = $alice->connect;
    my $ch4 = SDClient::challenge($alice->request(GET => $path, conn => $c));
    for my $try (1 .. 2) {
        my ($res) = send_nc($alice, $ch4, 1, $c, $path);
        is($res->code, 200, "NcCheck Off, nc 1, try $try on one connection: 200");
    }
    $c->close;
    my ($res) = send_nc($alice, $ch4, 1, undef, $path);
    is($res->code, 200, 'NcCheck Off, nc 1 on a new connection: 200');
    ($res) = send_nc($alice, $ch4, 1, undef, $path);
    is($res->code, 200, 'NcCheck Off, nc 1 on another new connection: 200');
    my $auth = $alice->authorization(challenge => $ch4, method => 'GET',
        uri => $path, nc => 1, password => 'wrong');
    $res = $alice->request(GET => $path, auth => $auth);
    is($res->code, 401, 'NcCheck Off: a wrong password is still refused');
}
