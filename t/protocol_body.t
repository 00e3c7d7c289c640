# qop=auth-int request bodies: the handler (t/htdocs/protocol/cgi/echo.cgi)
# gets exactly the octets that were hashed (binary, empty, exactly
# AuthDigestMaxBody, chunked), a larger body is a 413, a body other than the
# hashed one is a 401, and keep-alive requests each hash their own body.
# Config: /protocol/all in t/conf/protocol.conf.in (AuthDigestMaxBody 65536).
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use SDTest qw(need_module_under_test);
use SDClient;

plan tests => 77, need need_lwp, need_module_under_test();

my $alice = SDClient->new(user => 'alice', password => 'alice pw');
my $ECHO = '/protocol/all/cgi/echo.cgi';
my $MAX = 65536;
my $start = SDClient::log_mark();

sub auth_info_ok
{
    my ($res, $auth, $name) = @_;
    my @bad = SDClient::auth_info_problems($res, $auth);
    is("@bad", '', "$name: Authentication-Info (rspauth over H(body))");
}

# POSTs $body with auth-int for $alg; %o goes to authorization()/request()
# (chunks, conn, entity_hash ...).  Returns ($res, $auth).
sub post_int
{
    my ($alg, $body, %o) = @_;
    return $alice->login(POST => $ECHO, algorithm => $alg, qop => 'auth-int',
        body => $body, %o);
}

# ---- the handler gets the hashed octets ----------------------------------
my $binary = join '', map { chr } 0 .. 255;
$binary = "$binary\r\n\0\r\n\r\n" . reverse($binary) x 3;
for my $alg (qw(MD5 SHA-256-sess SHA-512-256)) {
    my ($res, $auth) = post_int($alg, $binary);
    is($res->code, 200, "$alg binary body: 200");
    ok($res->content eq $binary, "$alg binary body: echoed octet for octet");
    auth_info_ok($res, $auth, "$alg binary body");
}

{
    my $body = join '', map { chr(($_ * 7 + 3) % 256) } 1 .. $MAX;
    my ($res, $auth) = post_int('SHA-256', $body);
    is($res->code, 200, 'a body of exactly AuthDigestMaxBody: 200');
    is($res->header('X-Body-Length'), $MAX, 'exactly AuthDigestMaxBody: length');
    ok($res->content eq $body, 'exactly AuthDigestMaxBody: echoed unchanged');
    auth_info_ok($res, $auth, 'exactly AuthDigestMaxBody');

    my $mark = SDClient::log_mark();
    ($res) = post_int('SHA-256', "$body+");
    is($res->code, 413, 'AuthDigestMaxBody + 1: 413');
    ok(!defined $res->header('X-Remote-User'), '413: the handler did not run');
    my @log = SDClient::log_since($mark, qr/SD00502/);
    like($log[0] // '', qr/Digest refused \(413\)/, '413: logged');

    ($res) = post_int('SHA-256', "$body+",
        chunks => [substr($body, 0, 40000), substr($body, 40000), '+']);
    is($res->code, 413, 'chunked, AuthDigestMaxBody + 1: 413');

    # qop=auth does not read the body: no limit
    my $big = 'x' x (2 * $MAX);
    my $auth2;
    ($res, $auth2) = $alice->login(POST => $ECHO, algorithm => 'SHA-256',
        qop => 'auth', body => $big);
    is($res->code, 200, 'qop=auth, a body over AuthDigestMaxBody: 200');
    ok($res->content eq $big, 'qop=auth: the handler gets the body');
    auth_info_ok($res, $auth2, 'qop=auth with a body');
}

# ---- empty bodies -----------------------------------------------------------
{
    my ($res, $auth) = post_int('SHA-256', '');
    is($res->code, 200, 'auth-int, empty POST body: 200');
    is($res->content, '', 'auth-int, empty POST body: nothing echoed');
    auth_info_ok($res, $auth, 'auth-int, empty POST body');

    ($res, $auth) = $alice->login(GET => $ECHO, algorithm => 'MD5',
        qop => 'auth-int');
    is($res->code, 200, 'auth-int GET (H of the empty body): 200');
    auth_info_ok($res, $auth, 'auth-int GET');
}

# ---- a body other than the hashed one ------------------------------------
{
    my $ch = SDClient::challenge($alice->request(POST => $ECHO), 'SHA-256');
    my $auth = $alice->authorization(challenge => $ch, method => 'POST',
        uri => $ECHO, qop => 'auth-int', body => 'amount=10');
    my $mark = SDClient::log_mark();
    my $res = $alice->request(POST => $ECHO, auth => $auth, body => 'amount=99');
    is($res->code, 401, 'tampered body: 401');
    ok(scalar SDClient::challenges($res), 'tampered body: a fresh challenge');
    ok(!defined $res->header('X-Remote-User'), 'tampered body: the handler did not run');
    my @log = SDClient::log_since($mark, qr/SD00502/);
    is(scalar @log, 1, 'tampered body: one SD00502 line');
    like($log[0] // '', qr/Digest refused \(401\): user "alice"/,
        'tampered body: the log line');

    # the untampered body with the same nonce and the next count still works
    $auth = $alice->authorization(challenge => $ch, method => 'POST',
        uri => $ECHO, qop => 'auth-int', body => 'amount=10');
    $res = $alice->request(POST => $ECHO, auth => $auth, body => 'amount=10');
    is($res->code, 200, 'the right body after a tampered one: 200');

    # a body sent chunked is hashed de-chunked
    $auth = $alice->authorization(challenge => $ch, method => 'POST',
        uri => $ECHO, qop => 'auth-int', body => 'amount=10');
    $res = $alice->request(POST => $ECHO, auth => $auth,
        chunks => ['amount=', '99']);
    is($res->code, 401, 'tampered chunked body: 401');
}

# ---- chunked -----------------------------------------------------------------
for my $alg (qw(MD5 SHA-512-256-sess)) {
    my @chunks = ("first chunk\n", "\0\x01\x02\xff" x 100, "last\r\n");
    my $body = join '', @chunks;
    my ($res, $auth) = post_int($alg, $body, chunks => \@chunks);
    is($res->code, 200, "$alg chunked body: 200");
    ok($res->content eq $body, "$alg chunked body: the handler got it de-chunked");
    is($res->header('X-Body-Length'), length $body, "$alg chunked body: length");
    auth_info_ok($res, $auth, "$alg chunked body");
}

# ---- through an internal redirect (DirectoryIndex into /protocol/all) ------
for my $qop (qw(auth auth-int)) {
    my $body = "posted to a directory, $qop\n\0\xff";
    my ($res, $auth) = $alice->login(POST => '/protocol/dindex/', qop => $qop,
        body => $body);
    is($res->code, 200, "DirectoryIndex, POST with $qop: 200");
    ok($res->content eq $body,
        "DirectoryIndex, POST with $qop: the index CGI got the body");
}

# ---- a refused POST leaves the connection usable ---------------------------
{
    my $conn = $alice->connect;
    my $ch = SDClient::challenge($alice->request(POST => $ECHO, conn => $conn),
        'SHA-256');
    my $auth = $alice->authorization(challenge => $ch, method => 'POST',
        uri => $ECHO, qop => 'auth-int', body => 'x' x 5000,
        password => 'wrong');
    my $res = $alice->request(POST => $ECHO, auth => $auth, body => 'x' x 5000,
        conn => $conn);
    is($res->code, 401, 'keep-alive, auth-int POST, wrong password: 401');
    (my $forged = $ch->{nonce}) =~ s/^(.)/$1 eq 'A' ? 'B' : 'A'/e;
    $auth = $alice->authorization(challenge => $ch, nonce => $forged,
        method => 'POST', uri => $ECHO, qop => 'auth-int', body => 'y' x 5000);
    $res = $alice->request(POST => $ECHO, auth => $auth, body => 'y' x 5000,
        conn => $conn);
    is($res->code, 401, 'keep-alive, auth-int POST, forged nonce: 401');
    $auth = $alice->authorization(challenge => $ch, method => 'POST',
        uri => $ECHO, qop => 'auth-int', body => 'z');
    $res = $alice->request(POST => $ECHO, auth => $auth, body => 'z',
        conn => $conn);
    is($res->code, 200, 'keep-alive, after the refused POSTs: 200');
    is($res->content, 'z', 'keep-alive, after the refused POSTs: in step');
    $conn->close;
}

# ---- Expect: 100-continue ----------------------------------------------------
{
    my $conn = $alice->connect;
    my $ch = SDClient::challenge($alice->request(POST => $ECHO, conn => $conn),
        'SHA-256');
    my $body = "sent after 100 Continue\n";
    my $auth = $alice->authorization(challenge => $ch, method => 'POST',
        uri => $ECHO, qop => 'auth-int', body => $body);
    $conn->send_raw("POST $ECHO HTTP/1.1\r\nHost: " . $alice->host . ':'
        . $alice->port . "\r\nAuthorization: $auth->{header}\r\n"
        . 'Content-Length: ' . length($body) . "\r\n"
        . "Expect: 100-continue\r\n\r\n");
    my $interim = $conn->take_line // '';
    like($interim, qr{^HTTP/1\.1 100\b}, 'Expect: 100-continue: 100 before the body');
    $conn->take_line;
    $conn->send_raw($body);
    my $res = $conn->read_response('POST');
    is($res->code, 200, 'Expect: 100-continue: 200');
    is($res->content, $body, 'Expect: 100-continue: the handler got the body');

    # a forged nonce is refused before the body is asked for
    (my $forged = $ch->{nonce}) =~ s/^(.)/$1 eq 'A' ? 'B' : 'A'/e;
    $auth = $alice->authorization(challenge => $ch, nonce => $forged,
        method => 'POST', uri => $ECHO, qop => 'auth-int', body => $body);
    my $c2 = $alice->connect;
    $c2->send_raw("POST $ECHO HTTP/1.1\r\nHost: " . $alice->host . ':'
        . $alice->port . "\r\nAuthorization: $auth->{header}\r\n"
        . 'Content-Length: ' . length($body) . "\r\n"
        . "Expect: 100-continue\r\n\r\n");
    $res = $c2->read_response('POST');
    is($res->code, 401, 'Expect: 100-continue, forged nonce: 401 without 100');
    $c2->close;
    $conn->close;
}

# ---- several auth-int requests on one connection --------------------------
{
    my $conn = $alice->connect;
    my $first = $alice->request(POST => $ECHO, conn => $conn);
    my $ch = SDClient::challenge($first, 'SHA-256');
    my $i = 0;
    for my $body ('one', 'two' x 1000, '', "four\0") {
        $i++;
        my $auth = $alice->authorization(challenge => $ch, method => 'POST',
            uri => $ECHO, qop => 'auth-int', body => $body, nc => $i);
        my $res = $alice->request(POST => $ECHO, auth => $auth, body => $body,
            conn => $conn);
        is($res->code, 200, "keep-alive auth-int request $i: 200");
        ok($res->content eq $body, "keep-alive auth-int request $i: its body");
        auth_info_ok($res, $auth, "keep-alive auth-int request $i");
    }
    # a tampered body on the established connection (CompleteAuthToken path)
    my $auth = $alice->authorization(challenge => $ch, method => 'POST',
        uri => $ECHO, qop => 'auth-int', body => 'five', nc => 5);
    my $res = $alice->request(POST => $ECHO, auth => $auth, body => 'fivE',
        conn => $conn);
    is($res->code, 401, 'keep-alive, tampered body: 401');
    ok(!defined $res->header('X-Remote-User'),
        'keep-alive, tampered body: the handler did not run');
    # auth (not auth-int) on the same nonce after auth-int, same connection
    $auth = $alice->authorization(challenge => $ch, method => 'POST',
        uri => $ECHO, qop => 'auth', body => 'six', nc => 6);
    $res = $alice->request(POST => $ECHO, auth => $auth, body => 'six',
        conn => $conn);
    is($res->code, 200, 'keep-alive, qop=auth after auth-int: 200');
    is($res->content, 'six', 'keep-alive, qop=auth: the handler got the body');
    $conn->close;
}

# ---- the location's input filters see the body (issue 10, item 5) ----------
# H(entity-body) is over the octets as sent; the handler gets them through
# the filters SetInputFilter puts there, once; an internal redirect still
# has the body to give, to a target that authenticates and to one that
# does not.
SKIP: {
    skip 'auth-int is ours only', 8 if SDTest::module_under_test() ne 'mod_auth_sspidigest';
    require IO::Compress::Gzip;
    my $plain = "the quick brown fox jumps over the lazy dog\n" x 200;
    my $gz;
    IO::Compress::Gzip::gzip(\$plain => \$gz) or die 'gzip failed';
    my $target = '/protocol/inflate/cgi/echo.cgi';
    my ($res) = $alice->login(POST => $target, qop => 'auth-int', body => $gz,
        headers => ['Content-Encoding' => 'gzip']);
    is($res->code, 200, 'auth-int, gzip body, SetInputFilter DEFLATE: 200');
    ok($res->content eq $plain, '... the handler got it inflated');

    $target = '/protocol/sed/cgi/echo.cgi';
    ($res) = $alice->login(POST => $target, qop => 'auth-int',
        body => 'an apple a day, an apple');
    is($res->code, 200, 'auth-int, SetInputFilter Sed: 200');
    is($res->content, "an pear a day, an pear\n",
        '... the handler got it edited (sed ends the last line)');

    for my $to (qw(authed open)) {
        my $body = "body for the $to target " x 50;
        ($res) = $alice->login(POST => "/protocol/rwsrc/$to", qop => 'auth-int',
            body => $body);
        is($res->code, 200, "auth-int, internal redirect to the $to target: 200");
        ok($res->content eq $body, "... the redirected handler got the body");
    }
}

my @errors = SDClient::log_since($start,
    qr/\[auth_sspidigest:(?:error|crit|alert|emerg)\]|exit signal/);
is("@errors", '', 'no module error and no crash in the error_log');
