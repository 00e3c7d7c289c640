# Protocol behaviour of AuthType Digest, driven by t/lib/SDClient.pm:
# challenge shape, a login with every algorithm and qop (rspauth checked),
# what a handler sees (REMOTE_USER, AUTH_TYPE, access log), Authentication-
# Info on error responses, requests that need no login, authz failure,
# subrequests and internal redirects, the digest-uri forms (absolute,
# MSIE query hack), userhash and username*.
# Config: t/conf/protocol.conf.in; users: t/conf/protocol.digest.
# Refusals are in protocol_refuse.t, auth-int bodies in protocol_body.t,
# nonce counts in protocol_nc.t, expiry in protocol_stale.t.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use SDTest qw(need_module_under_test);
use SDClient;

plan tests => 166, need need_lwp, need_module_under_test();

my $alice = SDClient->new(user => 'alice', password => 'alice pw');
my $PAGE = "sspidigest protocol page\n";
my @ALL = qw(MD5 MD5-sess SHA-256 SHA-256-sess SHA-512-256 SHA-512-256-sess);

sub auth_info_ok
{
    my ($res, $auth, $name) = @_;
    my @bad = SDClient::auth_info_problems($res, $auth);
    is("@bad", '', "$name: Authentication-Info (rspauth, qop, cnonce, nc)");
}

# ---- the challenge -------------------------------------------------------
{
    my $res = $alice->request(GET => '/protocol/multi/page.txt');
    is($res->code, 401, 'no credentials: 401');
    my @lines = $res->header('WWW-Authenticate');
    is(scalar @lines, 3, 'one WWW-Authenticate line per algorithm');
    my @ch = SDClient::challenges($res);
    is(join(' ', map { $_->{algorithm} // '-' } @ch),
        'SHA-256 MD5 SHA-512-256-sess', 'challenges in the configured order');
    my $i = 0;
    for my $ch (@ch) {
        my $line = $lines[$i++] // '';
        my $alg = $ch->{algorithm} // '?';
        is($ch->{realm}, 'protocol', "$alg: realm is the AuthName");
        like($ch->{nonce} // '', qr/\S/, "$alg: nonce");
        like($line, qr/\bqop="auth,auth-int"/, "$alg: qop=\"auth,auth-int\" without a space");
        is($ch->{charset}, 'UTF-8', "$alg: charset=UTF-8");
        is($ch->{domain}, '/protocol/multi/ /protocol/all/', "$alg: domain");
        is($ch->{opaque}, '5d2a0e7f3c914b6e8a1d40f2c7b95e13',
            "$alg: opaque, sent by default as mod_auth_digest does");
        ok(!exists $ch->{userhash}, "$alg: no userhash (AuthDigestUserHash Off)");
        ok(!exists $ch->{stale}, "$alg: no stale");
    }

    $res = $alice->request(GET => '/protocol/authonly/page.txt');
    my @one = SDClient::challenges($res);
    is(scalar @one, 1, 'one algorithm: one challenge');
    like(scalar $res->header('WWW-Authenticate'), qr/\bqop="auth"/,
        'qop="auth" alone');
    ok(!exists $one[0]{domain}, 'no domain unless configured');

    $res = $alice->request(GET => '/protocol/none/page.txt');
    @one = SDClient::challenges($res);
    ok(@one == 3 && !grep({ exists $_->{qop} } @one),
        'AuthDigestQop none: no qop in any challenge');

    $res = $alice->request(GET => '/protocol/userhash/page.txt');
    @one = SDClient::challenges($res);
    ok(@one == 3 && !grep({ ($_->{userhash} // '') ne 'true' } @one),
        'AuthDigestUserHash On: userhash=true in every challenge');
}

# ---- every algorithm with qop=auth (GET) ----------------------------------
for my $alg (@ALL) {
    my ($res, $auth) = $alice->login(GET => '/protocol/all/page.txt',
        algorithm => $alg, qop => 'auth');
    is($res->code, 200, "$alg auth: 200");
    is($res->content, $PAGE, "$alg auth: the page");
    auth_info_ok($res, $auth, "$alg auth");
}

# ---- every algorithm with qop=auth-int (POST with a body) ---------------
for my $alg (@ALL) {
    my $body = "field=value&alg=$alg\n";
    my ($res, $auth) = $alice->login(POST => '/protocol/all/cgi/echo.cgi',
        algorithm => $alg, qop => 'auth-int', body => $body);
    is($res->code, 200, "$alg auth-int: 200");
    is($res->content, $body, "$alg auth-int: the handler got the body");
    auth_info_ok($res, $auth, "$alg auth-int");
}

# rspauth of auth-int covers H(request body): a client that used an empty
# entity hash for rspauth would not match.
{
    my $body = "abc";
    my ($res, $auth) = $alice->login(POST => '/protocol/all/cgi/echo.cgi',
        algorithm => 'SHA-256', qop => 'auth-int', body => $body);
    my $info = SDClient::parse_params($res->header('Authentication-Info') // '');
    my $empty = SDClient::digest(algorithm => 'SHA-256', user => 'alice',
        realm => 'protocol', password => 'alice pw', nonce => $auth->{nonce},
        cnonce => $auth->{cnonce}, nc => $auth->{nc}, qop => 'auth-int',
        uri => $auth->{uri}, entity_hash => SDClient::H('SHA-256', ''),
        rspauth => 1);
    isnt($info->{rspauth} // '', $empty,
        'auth-int rspauth is not over an empty body');
    is($info->{rspauth} // '', $auth->{rspauth},
        'auth-int rspauth is over H(request body)');
}

# ---- the algorithms of /protocol/multi ------------------------------------
for my $alg (qw(SHA-256 MD5 SHA-512-256-sess)) {
    for my $qop (qw(auth auth-int)) {
        my ($res, $auth) = $alice->login(GET => '/protocol/multi/page.txt',
            algorithm => $alg, qop => $qop);
        is($res->code, 200, "multi $alg $qop: 200");
        auth_info_ok($res, $auth, "multi $alg $qop");
    }
}

# ---- qop none (RFC 2069) ------------------------------------------------
for my $alg (qw(MD5 SHA-256 SHA-512-256)) {
    my ($res, $auth) = $alice->login(GET => '/protocol/none/page.txt',
        algorithm => $alg, qop => undef);
    unlike($auth->{header}, qr/\b(?:qop|nc|cnonce)=/,
        "none $alg: the response has no qop, nc or cnonce");
    is($res->code, 200, "none $alg: 200");
    unlike($res->header('Authentication-Info') // '', qr/rspauth/,
        "none $alg: no rspauth without qop");
}

# ---- other methods, and what clients do with quoting and case ------------
{
    my ($res, $auth) = $alice->login(HEAD => '/protocol/all/page.txt',
        algorithm => 'SHA-256');
    is($res->code, 200, 'HEAD: 200');
    auth_info_ok($res, $auth, 'HEAD');
    ($res, $auth) = $alice->login(OPTIONS => '/protocol/all/page.txt',
        algorithm => 'MD5-sess');
    is($res->code, 200, 'OPTIONS: 200');

    my $ch = SDClient::challenge($alice->request(GET => '/protocol/all/page.txt'),
        'MD5');
    my %base = (challenge => $ch, method => 'GET', uri => '/protocol/all/page.txt');
    $auth = $alice->authorization(%base, set => { algorithm => 'MD5' });
    $res = $alice->request(GET => '/protocol/all/page.txt', auth => $auth);
    is($res->code, 200, 'algorithm="MD5" quoted (as LWP sends it): 200');
    $auth = $alice->authorization(%base, set => { qop => 'auth' });
    $res = $alice->request(GET => '/protocol/all/page.txt', auth => $auth);
    is($res->code, 200, 'qop="auth" quoted: 200');
    # a cnonce that needs escaping comes back escaped (and unescapes to
    # the same value)
    $auth = $alice->authorization(%base, cnonce => 'a"b\\c d');
    $res = $alice->request(GET => '/protocol/all/page.txt', auth => $auth);
    is($res->code, 200, 'a cnonce with a quote and a backslash: 200');
    auth_info_ok($res, $auth, 'a cnonce with a quote and a backslash');
    $auth = $alice->authorization(%base);
    (my $h = $auth->{header}) =~ s/^Digest/dIGEST/;
    $h =~ s/\b(username|realm|nonce|response)=/\U$1=/g;
    $res = $alice->request(GET => '/protocol/all/page.txt', auth => $h);
    is($res->code, 200, 'scheme and parameter names in any case: 200');
}

# ---- what the handler sees ----------------------------------------------
{
    my $mark = SDClient::log_mark('protocol_access_log');
    my ($res, $auth) = $alice->login(GET => '/protocol/all/cgi/echo.cgi?who');
    is($res->code, 200, 'CGI: 200');
    is($res->header('X-Remote-User'), 'alice', 'CGI: REMOTE_USER');
    is($res->header('X-Auth-Type'), 'Digest', 'CGI: AUTH_TYPE=Digest');
    my @log = SDClient::log_since($mark, qr{\|/protocol/all/cgi/echo\.cgi\?who\|200},
        name => 'protocol_access_log', wait => 1);
    like($log[0] // '', qr/^alice\|GET\|/, 'access log: %u is the user');
}

# ---- Authentication-Info on the handler's error responses ----------------
for my $case (['/protocol/all/missing.txt', 404, 'a missing file'],
              ['/protocol/all/cgi/status.cgi?500', 500, 'a CGI answering 500'],
              ['/protocol/all/cgi/status.cgi?403', 403, 'a CGI answering 403']) {
    my ($path, $code, $what) = @$case;
    my ($res, $auth) = $alice->login(GET => $path, algorithm => 'SHA-256');
    is($res->code, $code, "$what: $code");
    auth_info_ok($res, $auth, $what);
    ok(!defined $res->header('WWW-Authenticate'),
        "$what: no WWW-Authenticate");
}

# ---- no authentication needed --------------------------------------------
{
    my $res = $alice->request(GET => '/protocol/open/page.txt',
        headers => ['X-SD-Open' => 'yes']);
    is($res->code, 200, 'Require env satisfied: 200');
    ok(!defined $res->header('WWW-Authenticate'),
        'Require env satisfied: no WWW-Authenticate');
    ok(!defined $res->header('Authentication-Info'),
        'Require env satisfied: no Authentication-Info');
    $res = $alice->request(GET => '/protocol/open/page.txt');
    is($res->code, 401, 'Require env not satisfied: 401');
    my ($ok) = $alice->login(GET => '/protocol/open/page.txt');
    is($ok->code, 200, 'Require env not satisfied: login works');
}

# ---- authz failure after authn success ------------------------------------
{
    my $bob = SDClient->new(user => 'bob', password => 'bob-pw');
    my ($res) = $bob->login(GET => '/protocol/authz/page.txt');
    is($res->code, 200, 'Require user bob: bob gets 200');

    my $conn = $alice->connect;
    my $auth;
    ($res, $auth) = $alice->login(GET => '/protocol/authz/page.txt',
        conn => $conn);
    is($res->code, 401, 'Require user bob: alice gets 401');
    my @ch = SDClient::challenges($res);
    is(scalar @ch, 1, 'authz failure: a Digest challenge');
    ok(@ch && $ch[0]{nonce} ne $auth->{nonce} && !exists $ch[0]{stale},
        'authz failure: a fresh nonce, not stale');
    ok(!defined $res->header('Authentication-Info'),
        'authz failure: no Authentication-Info');
    # the next request on that connection still works (context dropped)
    my $b2 = $bob->authorization(challenge => $ch[0], method => 'GET',
        uri => '/protocol/authz/page.txt');
    $res = $bob->request(GET => '/protocol/authz/page.txt', auth => $b2,
        conn => $conn);
    is($res->code, 200, 'authz failure: the fresh challenge can be answered');
    $conn->close;
}

# ---- subrequest and internal redirect into another protected Location ----
{
    my ($res, $auth) = $alice->login(GET => '/protocol/dindex/');
    is($res->code, 200, 'DirectoryIndex into another protected Location: 200');
    is($res->header('X-Remote-User'), 'alice',
        'DirectoryIndex: the index CGI sees the user');
    auth_info_ok($res, $auth, 'DirectoryIndex');

    ($res, $auth) = $alice->login(GET => '/protocol/errdoc/missing.txt');
    is($res->code, 404, 'ErrorDocument in another protected Location: 404');
    is($res->header('X-Remote-User'), 'alice',
        'ErrorDocument: the error document CGI ran, with the user');
    auth_info_ok($res, $auth, 'ErrorDocument');
}

# ---- digest-uri forms -----------------------------------------------------
{
    my $path = '/protocol/all/page.txt';
    my $abs = sprintf 'http://%s:%d%s', $alice->host, $alice->port, $path;
    my ($res, $auth) = $alice->login(GET => $path, uri => $abs);
    like($auth->{header}, qr{uri="http://}, 'absolute-form digest-uri sent');
    is($res->code, 200, 'absolute-form digest-uri for an origin-form request: 200');
    auth_info_ok($res, $auth, 'absolute-form digest-uri');

    # RFC 7616 §3.4.6: the digest-uri must name the resource of the request
    # line; mod_auth_digest compares host and port too when it has them.
    my $other = sprintf 'http://other.example:%d%s', $alice->port, $path;
    ($res) = $alice->login(GET => $path, uri => $other);
    is($res->code, 400, 'absolute-form digest-uri naming another host: 400');
    $other = sprintf 'http://%s:%d%s', $alice->host, $alice->port + 1, $path;
    ($res) = $alice->login(GET => $path, uri => $other);
    is($res->code, 400, 'absolute-form digest-uri naming another port: 400');

    # an absolute-form request target (as sent to a proxy) with either form
    # of digest-uri
    ($res) = $alice->login(GET => $abs);
    is($res->code, 200, 'absolute-form request and digest-uri: 200');
    ($res) = $alice->login(GET => $abs, uri => $path);
    is($res->code, 200, 'absolute-form request, origin-form digest-uri: 200');

    my $q = '/protocol/qhack/page.txt?a=1&b=2';
    my $msie = 'Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)';
    ($res) = $alice->login(GET => $q, uri => '/protocol/qhack/page.txt',
        user_agent => $msie);
    is($res->code, 200, 'query hack, MSIE: digest-uri without the query: 200');
    ($res) = $alice->login(GET => $q, uri => '/protocol/qhack/page.txt');
    is($res->code, 400, 'query hack, not MSIE: digest-uri without the query: 400');
    ($res) = $alice->login(GET => $q);
    is($res->code, 200, 'query hack location, full digest-uri: 200');
    ($res) = $alice->login(GET => $q, uri => '/protocol/qhack/other.txt',
        user_agent => $msie);
    is($res->code, 400, 'query hack, MSIE: another path is still 400');
    ($res) = $alice->login(GET => '/protocol/all/page.txt?a=1',
        uri => '/protocol/all/page.txt', user_agent => $msie);
    is($res->code, 400, 'no query hack configured: MSIE without the query: 400');
}

# ---- userhash ----------------------------------------------------------------
for my $alg (qw(SHA-256 MD5 SHA-512-256)) {
    my ($res, $auth) = $alice->login(GET => '/protocol/userhash/cgi/echo.cgi',
        algorithm => $alg, userhash => 1);
    like($auth->{header}, qr/username="[0-9a-f]{32,64}".*userhash=true/,
        "userhash $alg: the client sent a user-hash");
    is($res->code, 200, "userhash $alg: 200");
    is($res->header('X-Remote-User'), 'alice',
        "userhash $alg: REMOTE_USER is the real name");
    auth_info_ok($res, $auth, "userhash $alg");
}
{
    my ($res) = $alice->login(GET => '/protocol/userhash/page.txt',
        algorithm => 'SHA-256');
    is($res->code, 200, 'AuthDigestUserHash On: a plain username still works');
    my $ch = SDClient::challenge($alice->request(GET => '/protocol/userhash/cgi/echo.cgi'),
        'SHA-256');
    my $auth = $alice->authorization(challenge => $ch, method => 'GET',
        uri => '/protocol/userhash/cgi/echo.cgi', userhash => 1,
        set => { username => uc SDClient::userhash('SHA-256', 'alice', 'protocol') });
    $res = $alice->request(GET => '/protocol/userhash/cgi/echo.cgi', auth => $auth);
    is($res->header('X-Remote-User') // $res->code, 'alice',
        'userhash in upper-case hex: logs in as alice');
    $auth = $alice->authorization(challenge => $ch, method => 'GET',
        uri => '/protocol/userhash/cgi/echo.cgi', userhash => 1,
        set => { username => SDClient::userhash('SHA-256', 'mallory', 'protocol') });
    $res = $alice->request(GET => '/protocol/userhash/cgi/echo.cgi', auth => $auth);
    is($res->code, 401, 'userhash of an unknown user: 401');
    $auth = $alice->authorization(challenge => $ch, method => 'GET',
        uri => '/protocol/userhash/cgi/echo.cgi', userhash => 1,
        set => { username => SDClient::userhash('MD5', 'alice', 'protocol') });
    $res = $alice->request(GET => '/protocol/userhash/cgi/echo.cgi', auth => $auth);
    is($res->code, 400, 'userhash of the wrong length for SHA-256: 400');
    ($res) = $alice->login(GET => '/protocol/all/page.txt',
        algorithm => 'SHA-256', userhash => 1);
    is($res->code, 401, 'AuthDigestUserHash Off: userhash=true is refused');
    ok(scalar SDClient::challenges($res),
        'AuthDigestUserHash Off: with a fresh challenge');
}

# ---- username* (RFC 8187) ----------------------------------------------------
{
    my $jason = SDClient->new(user => "J\xc3\xa4s\xc3\xb8n Doe",
        password => 'Secret, or not.');
    for my $alg (qw(SHA-256 MD5)) {
        my ($res, $auth) = $jason->login(GET => '/protocol/all/cgi/echo.cgi',
            algorithm => $alg, username_star => 1);
        like($auth->{header}, qr/username\*=UTF-8''J%C3%A4s%C3%B8n%20Doe/,
            "username* $alg: sent as RFC 8187 ext-value");
        is($res->code, 200, "username* $alg: 200");
        is($res->header('X-Remote-User-Hex'), unpack('H*', "J\xc3\xa4s\xc3\xb8n Doe"),
            "username* $alg: REMOTE_USER is the UTF-8 name");
    }
    my ($res) = $jason->login(GET => '/protocol/all/page.txt');
    is($res->code, 200, 'a UTF-8 user name in a quoted username also works');
}
