# Real Digest clients against mod_auth_sspidigest: curl 7.88.1 (Debian 12),
# python3-requests 2.28 (HTTPDigestAuth), LWP 6.68 (through
# Apache::TestRequest) and headless Chromium (t/browser/login.js), each
# against pages that offer one or several algorithms, one WWW-Authenticate
# line per algorithm in the configured order.  Config: t/conf/clients.conf.in
# (virtual host sd_clients, whose access log records the Authorization each
# client sent: that is how the tests see which challenge a client answered,
# and its nonce and nonce count).  Users: t/conf/clients.digest.
#
# What logged in (observed; "401" = the server refused what the client sent,
# "-" = the client sent nothing or failed by itself):
#
#   page offers             curl 7.88      requests 2.28  LWP 6.68    Chromium 156
#   MD5                     MD5            MD5            MD5         MD5
#   MD5-sess                MD5-sess       MD5-sess       401 (MD5)   MD5-sess
#   SHA-256                 SHA-256        SHA-256        401 (MD5)   SHA-256
#   SHA-256-sess            SHA-256-sess   - (TypeError)  401 (MD5)   SHA-256-sess
#   SHA-512-256             401 (a)        - (TypeError)  401 (MD5)   - (b)
#   SHA-256 MD5             SHA-256        MD5 (last)     MD5 (c)     SHA-256
#   MD5 SHA-256             MD5            SHA-256 (last) MD5 (c)     MD5
#   SHA-512-256 SHA-256 MD5 401 (a)        MD5 (last)     MD5 (c)     SHA-256
#   userhash, SHA-256 MD5   SHA-256+uh     MD5, plain (d) MD5, plain  SHA-256+uh
#   qop "auth,auth-int"     qop=auth       qop=auth       qop=auth    qop=auth
#
#   (a) curl 7.88 takes the FIRST challenge it knows; for SHA-512-256 it sends
#       algorithm=SHA-512-256 but hashes with SHA-256 (test-vectors.md pitfall
#       1), so the module rightly refuses it: "wrong password".
#   (b) Chromium does not know SHA-512-256 and sends no Authorization.
#   (c) LWP ignores the algorithm parameter and always answers MD5 (quoted,
#       algorithm="MD5") with the nonce of the first Digest line; the module
#       accepts it because MD5 is one of the offered algorithms.
#   (d) requests and LWP ignore userhash=true and send the plain user name,
#       which the module accepts.
#   requests answers the LAST challenge (it merges the header lines into one
#   dict); curl and Chromium the FIRST one they support.
#   Nonce reuse: requests (one Session) and Chromium send the next request
#   pre-emptively on the same nonce with nc 2, 3, ...; so does LWP (same user
#   agent).  curl 7.88 with several URLs in one invocation reuses the
#   connection but NOT the nonce: each URL gets its own 401 and nc=00000001.
#   The order also decides which stored hash is needed: bob, whose line is
#   plain htdigest (MD5 only), is refused by curl on "SHA-256 MD5" (Chromium
#   picks the same way) and by requests on "MD5 SHA-256".
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Digest::SHA qw(sha256_hex sha512256_hex);
use FindBin ();
use lib "$FindBin::Bin/clients";
use SDInterop qw(run_cmd curl log_mark wait_log access_entries auth_params
    have_curl have_python_requests);

plan tests => 100, need need_lwp, need_module('mod_auth_sspidigest');

my $port = Apache::Test::vars('sd_clients_port');
my $base = "http://127.0.0.1:$port";
my $t_dir = Apache::Test::vars('t_dir');
my $alog = Apache::Test::vars('t_logs') . '/clients_access_log';
my $elog = Apache::Test::vars('t_logs') . '/error_log';
my ($USER, $PASS) = ('alice', 'Open Sesame');
my $REALM = 'clients';

# what logged in, for the table printed at the end: $won{client}{page}
my (%won, @pages_seen);
sub record
{
    my ($client, $page, $what) = @_;
    push @pages_seen, $page unless grep { $_ eq $page } @pages_seen;
    $won{$client}{$page} = $what;
}

# The access-log entries of requests for $path (exactly, query included)
# since $mark, after waiting until $want of them are there.
sub entries_for
{
    my ($mark, $path, $want) = @_;
    my $re = qr/^"\S+ \Q$path\E /;
    return access_entries(grep { /$re/ } wait_log($alog, $mark, $re, $want));
}

# The 200 entries among them.
sub ok_entries { return grep { $_->{status} == 200 } @_ }

# ---- curl ------------------------------------------------------------------
# One curl run per page; returns (result, params of the last Authorization).
sub curl_page
{
    my ($page, @opt) = @_;
    my $r = curl('--digest', '-u', "$USER:$PASS", @opt, "$base/clients/$page/");
    my $p = auth_params($r->{sent_auth}[-1]);
    my $st = @{ $r->{transfers} } ? $r->{transfers}[-1]{status} : 'none';
    record('curl', $page, $st == 200 ? ($p->{algorithm} // '?')
        : $st == 401 ? '401 (' . ($p->{algorithm} // 'nothing sent') . ')'
        : "error $st");
    return ($r, $p, $st);
}

SKIP: {
    skip 'no /usr/bin/curl', 39 unless have_curl();

    my ($r, $p, $st) = curl_page('md5');
    is($st, 200, 'curl, MD5 page: 200');
    like($r->{body}, qr/clients page md5/, 'curl, MD5 page: page text');
    is($p->{algorithm}, 'MD5', 'curl, MD5 page: answered algorithm=MD5');
    is("@{ $r->{codes} }", '401 200', 'curl, MD5 page: one 401, then 200');

    ($r, $p, $st) = curl_page('sha256');
    is($st, 200, 'curl, SHA-256 page: 200');
    is($p->{algorithm}, 'SHA-256', 'curl, SHA-256 page: algorithm=SHA-256');

    ($r, $p, $st) = curl_page('sha256sess');
    is($st, 200, 'curl, SHA-256-sess page: 200');
    is($p->{algorithm}, 'SHA-256-sess',
        'curl, SHA-256-sess page: algorithm=SHA-256-sess');

    ($r, $p, $st) = curl_page('md5sess');
    is($st, 200, 'curl, MD5-sess page: 200');
    is($p->{algorithm}, 'MD5-sess', 'curl, MD5-sess page: algorithm=MD5-sess');

    ($r, $p, $st) = curl_page('userhash');
    is($st, 200, 'curl, userhash page: 200');
    is($p->{algorithm}, 'SHA-256', 'curl, userhash page: SHA-256 (first)');
    is($p->{userhash}, 'true', 'curl, userhash page: sent userhash=true');
    is($p->{username}, sha256_hex("$USER:$REALM"),
        'curl, userhash page: username is SHA-256(user:realm)');
    $won{curl}{userhash} .= '+userhash' if $st == 200;

    # curl takes the first challenge it supports
    my $mark = log_mark($alog);
    ($r, $p, $st) = curl_page('sha256-md5');
    is($st, 200, 'curl, "SHA-256 MD5" page: 200');
    is($p->{algorithm}, 'SHA-256',
        'curl, "SHA-256 MD5" page: answered the first challenge (SHA-256)');
    my @ok = ok_entries(entries_for($mark, '/clients/sha256-md5/', 2));
    is(join(',', map { $_->{params}{algorithm} // '?' } @ok), 'SHA-256',
        'curl, "SHA-256 MD5" page: the access log shows algorithm=SHA-256');

    ($r, $p, $st) = curl_page('md5-sha256');
    is($st, 200, 'curl, "MD5 SHA-256" page: 200');
    is($p->{algorithm}, 'MD5',
        'curl, "MD5 SHA-256" page: answered the first challenge (MD5)');

    ($r, $p, $st) = curl_page('qop-both');
    is($st, 200, 'curl, qop "auth,auth-int" page: 200');
    is($p->{qop}, 'auth', 'curl, qop "auth,auth-int" page: qop=auth');

    # SHA-512-256: curl 7.88 says SHA-512-256 but hashes with SHA-256.  The
    # module must refuse it, and the refusal must be for the hash alone.
    my $emark = log_mark($elog);
    ($r, $p, $st) = curl_page('sha512-256');
    is($st, 401, 'curl, SHA-512-256 page: refused (401)');
    is($p->{algorithm}, 'SHA-512-256',
        'curl, SHA-512-256 page: curl sent algorithm=SHA-512-256');
    my @refusals = grep { /SD00502: Digest refused \(401\): user "alice": wrong password/ }
        wait_log($elog, $emark, qr/SD00502/, 1);
    is(scalar @refusals, 1,
        'curl, SHA-512-256 page: logged as a refusal for a wrong response');
    # Recompute what curl sent, to show the fault is curl's: the response is
    # right for SHA-256 and wrong for SHA-512/256.
    my $resp = sub {
        my ($h) = @_;
        my $ha1 = $h->("$USER:$REALM:$PASS");
        my $ha2 = $h->("GET:$p->{uri}");
        return $h->(join ':', $ha1, @$p{qw(nonce nc cnonce qop)}, $ha2);
    };
    ok(defined $p->{response} && defined $p->{nonce}
            && $p->{response} eq $resp->(\&sha256_hex)
            && $p->{response} ne $resp->(\&sha512256_hex),
        'curl, SHA-512-256 page: its response is SHA-256, not SHA-512/256');

    # lighttpd's order: curl picks SHA-512-256 first and fails
    ($r, $p, $st) = curl_page('all');
    is($st, 401, 'curl, "SHA-512-256 SHA-256 MD5" page: refused (401)');
    is($p->{algorithm}, 'SHA-512-256',
        'curl, "SHA-512-256 SHA-256 MD5" page: it answered SHA-512-256');

    $r = curl('--digest', '-u', "$USER:wrong", "$base/clients/sha256/");
    is(join(',', map { $_->{status} } @{ $r->{transfers} }), '401',
        'curl, wrong password: 401');

    # Several URLs in one invocation: one connection, all 200.
    $mark = log_mark($alog);
    my @urls = map { "$base/clients/sha256/?n=$_" } 1 .. 3;
    $r = curl('--digest', '-u', "$USER:$PASS", @urls);
    is(join(',', map { $_->{status} } @{ $r->{transfers} }), '200,200,200',
        'curl, 3 URLs in one run: all 200');
    is(join(',', map { $_->{connects} } @{ $r->{transfers} }), '1,0,0',
        'curl, 3 URLs in one run: one connection, reused');
    my @e = map { entries_for($mark, "/clients/sha256/?n=$_", 2) } 1 .. 3;
    is(join(',', map { $_->{status} } @e), '401,200,401,200,401,200',
        'curl, 3 URLs: each URL challenged once, then 200 (no refusal)');
    ok(!grep({ $_->{status} == 401 && defined $_->{auth} } @e),
        'curl, 3 URLs: no Authorization was ever refused');
    @ok = ok_entries(@e);
    is(join(',', map { $_->{params}{nc} // '?' } @ok),
        '00000001,00000001,00000001',
        'curl 7.88, 3 URLs: nc=00000001 each (curl keeps no nonce across URLs)');
    my %nonces = map { ($_->{params}{nonce} // '') => 1 } @ok;
    is(scalar keys %nonces, 3, 'curl 7.88, 3 URLs: one nonce per URL');
    is(join(',', map { $_->{params}{algorithm} // '?' } @ok),
        'SHA-256,SHA-256,SHA-256', 'curl, 3 URLs: SHA-256 each time');

    # The order matters for users with only an MD5 hash (plain htdigest).
    $r = curl('--digest', '-u', "bob:bob pw", "$base/clients/md5-sha256/");
    is($r->{transfers}[-1]{status}, 200,
        'curl, bob (MD5-only user) on "MD5 SHA-256": 200 with MD5');
    $r = curl('--digest', '-u', "bob:bob pw", "$base/clients/sha256-md5/");
    is($r->{transfers}[-1]{status}, 401,
        'curl, bob (MD5-only user) on "SHA-256 MD5": 401 (curl chose SHA-256)');
    $emark = log_mark($elog);
    $r = curl('--digest', '-u', "$USER:$PASS", "$base/clients/md5/",
        "$base/clients/sha256/");
    is(join(',', map { $_->{status} } @{ $r->{transfers} }), '200,200',
        'curl, MD5 then SHA-256 page on one connection: both 200');
    ok(!grep({ /SD00502/ } wait_log($elog, $emark, qr/SD00502/, 1, 0.3)),
        'curl, MD5 then SHA-256 page: no refusal logged');
}

# ---- python3-requests -------------------------------------------------------
# requests_login.py USER PASS URL...: one Session; one line per URL:
# STATUS N401 AUTHORIZATION.
sub py_login
{
    my ($user, $pass, @urls) = @_;
    my $r = run_cmd({ timeout => 60 }, '/usr/bin/python3',
        "$t_dir/clients/requests_login.py", $user, $pass, @urls);
    diag("requests_login.py: $r->{err}") if $r->{rc} != 0;
    my @res;
    for (split /\n/, $r->{out}) {
        my ($st, $n401, $auth) = split /\t/, $_, 3;
        push @res, { status => $st, n401 => $n401, auth => $auth,
            params => auth_params($auth) };
    }
    return @res;
}

sub py_page
{
    my ($page, $n) = @_;
    my @res = py_login($USER, $PASS,
        map { "$base/clients/$page/" . ($_ > 1 ? "?n=$_" : '') } 1 .. ($n // 1));
    my $f = $res[0] // { status => 'none', params => {} };
    record('requests', $page, $f->{status} eq '200'
        ? ($f->{params}{algorithm} // '?')
        : $f->{status} eq '401' ? '401 (' . ($f->{params}{algorithm} // '?') . ')'
        : '- (' . ($f->{status} eq 'ERR' ? 'requests failed' : 'no output')
            . ')');
    return @res;
}

SKIP: {
    skip 'no /usr/bin/python3 with the requests module', 23
        unless have_python_requests();

    # two requests in one Session: the second goes pre-emptively on the
    # same nonce with nc 2
    for my $c (['md5', 'MD5'], ['sha256', 'SHA-256']) {
        my ($page, $alg) = @$c;
        my @res = py_page($page, 2);
        is(join(',', map { "$_->{status}/$_->{n401}" } @res), '200/1,200/0',
            "requests, $alg page, 2 requests in a Session: 200 after one 401, then 200 at once");
        is(join(',', map { $_->{params}{algorithm} // '?' } @res),
            "$alg,$alg", "requests, $alg page: algorithm=$alg");
        ok(@res == 2 && ($res[0]{params}{nonce} // 1)
                eq ($res[1]{params}{nonce} // 2)
                && ($res[0]{params}{nc} // '') eq '00000001'
                && ($res[1]{params}{nc} // '') eq '00000002',
            "requests, $alg page: same nonce, nc 00000001 then 00000002");
    }

    # requests answers the LAST challenge
    my @res = py_page('sha256-md5');
    is($res[0]{status}, 200, 'requests, "SHA-256 MD5" page: 200');
    is($res[0]{params}{algorithm}, 'MD5',
        'requests, "SHA-256 MD5" page: answered the last challenge (MD5)');
    @res = py_page('md5-sha256');
    is($res[0]{status}, 200, 'requests, "MD5 SHA-256" page: 200');
    is($res[0]{params}{algorithm}, 'SHA-256',
        'requests, "MD5 SHA-256" page: answered the last challenge (SHA-256)');
    @res = py_page('all');
    is($res[0]{status}, 200, 'requests, "SHA-512-256 SHA-256 MD5" page: 200');
    is($res[0]{params}{algorithm}, 'MD5',
        'requests, "SHA-512-256 SHA-256 MD5" page: MD5 (last)');
    @res = py_page('md5sess');
    is($res[0]{status}, 200, 'requests, MD5-sess page: 200');
    is($res[0]{params}{algorithm}, 'MD5-sess',
        'requests, MD5-sess page: algorithm=MD5-sess');
    @res = py_page('userhash');
    is($res[0]{status}, 200,
        'requests, userhash page: 200 (userhash ignored, plain user name)');
    is($res[0]{params}{username}, $USER,
        'requests, userhash page: sent the plain user name');
    $won{requests}{userhash} .= ', plain user' if $res[0]{status} eq '200';
    @res = py_page('qop-both');
    is($res[0]{status}, 200, 'requests, qop "auth,auth-int" page: 200');
    is($res[0]{params}{qop}, 'auth', 'requests, qop "auth,auth-int": qop=auth');

    # algorithms requests 2.28 lacks: it fails by itself after the 401
    for my $page ('sha256sess', 'sha512-256') {
        @res = py_page($page);
        isnt($res[0]{status}, '200', "requests, $page page: no login "
            . "(requests cannot; got $res[0]{status})");
    }

    # The order matters for users with only an MD5 hash (plain htdigest):
    # "MD5 SHA-256" makes requests use SHA-256, which bob does not have.
    my $emark = log_mark($elog);
    @res = py_login('bob', 'bob pw', "$base/clients/md5-sha256/");
    is($res[0]{status}, 401,
        'requests, bob (MD5-only user) on "MD5 SHA-256": 401 (requests chose SHA-256)');
    ok(scalar(grep { /SD00502: Digest refused \(401\): user "bob"/ }
            wait_log($elog, $emark, qr/SD00502/, 1)),
        'requests, bob on "MD5 SHA-256": the refusal is logged');
    @res = py_login('bob', 'bob pw', "$base/clients/sha256-md5/");
    is($res[0]{status}, 200,
        'requests, bob (MD5-only user) on "SHA-256 MD5": 200 with MD5');
}

# ---- LWP ---------------------------------------------------------------------
Apache::TestRequest::module('sd_clients');

sub lwp_page
{
    my ($page, $user, $pass) = @_;
    Apache::TestRequest::user_agent(reset => 1);
    my $mark = log_mark($alog);
    my $res = Apache::TestRequest::GET("/clients/$page/",
        username => $user // $USER, password => $pass // $PASS);
    my $sent = $res->request->header('Authorization');
    my $p = auth_params($sent);
    my $n401 = 0;
    for (my $x = $res->previous; $x; $x = $x->previous) {
        $n401++ if $x->code == 401;
    }
    # When its answer is refused, LWP returns the FIRST 401 response, whose
    # request had no Authorization: what it sent is in the access log.
    my ($refused) = grep { defined $_->{auth} }
        entries_for($mark, "/clients/$page/", 2);
    record('LWP', $page, $res->code == 200 ? ($p->{algorithm} // '?')
        : $res->code == 401 ? '401 (' . ($refused
            ? $refused->{params}{algorithm} // '?' : 'nothing sent') . ')'
        : 'error ' . $res->code) unless defined $user;
    return ($res, $sent // '', $p, $n401);
}

{
    my ($res, $sent, $p, $n401) = lwp_page('md5');
    is($res->code, 200, 'LWP, MD5 page: 200');
    like($sent, qr/algorithm="MD5"/,
        'LWP, MD5 page: sent algorithm="MD5" (quoted)');
    like($sent, qr/(?:^|[ ,])qop=auth(?:,|$)/, 'LWP, MD5 page: sent qop=auth');
    # the same user agent again: pre-emptive, same nonce, nc 2
    my $res2 = Apache::TestRequest::GET('/clients/md5/?n=2',
        username => $USER, password => $PASS);
    my $p2 = auth_params($res2->request->header('Authorization'));
    is($res2->code, 200, 'LWP, second request with the same agent: 200');
    ok(!$res2->previous, 'LWP, second request: sent at once, no 401');
    ok(($p2->{nonce} // 1) eq ($p->{nonce} // 2)
            && ($p2->{nc} // '') eq '00000002',
        'LWP, second request: same nonce, nc=00000002');

    my $emark = log_mark($elog);
    ($res, $sent, $p, $n401) = lwp_page('sha256-md5');
    is($res->code, 200, 'LWP, "SHA-256 MD5" page: 200');
    is($p->{algorithm}, 'MD5', 'LWP, "SHA-256 MD5" page: sent MD5');
    is($n401, 1, 'LWP, "SHA-256 MD5" page: after a single 401');
    ok(!grep({ /SD00502/ } wait_log($elog, $emark, qr/SD00502/, 1, 0.3)),
        'LWP, "SHA-256 MD5" page: no refusal logged');

    ($res, $sent, $p) = lwp_page('md5-sha256');
    is($res->code, 200, 'LWP, "MD5 SHA-256" page: 200');
    is($p->{algorithm}, 'MD5', 'LWP, "MD5 SHA-256" page: MD5');
    ($res, $sent, $p) = lwp_page('all');
    is($res->code, 200, 'LWP, "SHA-512-256 SHA-256 MD5" page: 200');
    is($p->{algorithm}, 'MD5', 'LWP, "SHA-512-256 SHA-256 MD5" page: MD5');
    ($res, $sent, $p) = lwp_page('userhash');
    is($res->code, 200, 'LWP, userhash page: 200 with the plain user name');
    ($res, $sent, $p) = lwp_page('qop-both');
    is($res->code, 200, 'LWP, qop "auth,auth-int" page: 200');
    is($p->{qop}, 'auth', 'LWP, qop "auth,auth-int" page: qop=auth');

    # LWP cannot do anything but MD5
    $emark = log_mark($elog);
    ($res, $sent, $p) = lwp_page('sha256');
    is($res->code, 401, 'LWP, SHA-256 page: 401 (LWP sends MD5)');
    ok(scalar(grep { /SD00502: Digest refused \(401\): user "alice": algorithm not offered/ }
            wait_log($elog, $emark, qr/SD00502/, 1)),
        'LWP, SHA-256 page: refused as "algorithm not offered"');
    ($res) = lwp_page('md5sess');
    is($res->code, 401, 'LWP, MD5-sess page: 401 (LWP sends MD5)');
    ($res) = lwp_page('sha256sess');
    is($res->code, 401, 'LWP, SHA-256-sess page: 401 (LWP sends MD5)');
    ($res) = lwp_page('sha512-256');
    is($res->code, 401, 'LWP, SHA-512-256 page: 401 (LWP sends MD5)');
    ($res) = lwp_page('md5', 'bob', 'bob pw');
    is($res->code, 200, 'LWP, bob (plain htdigest line), MD5 page: 200');
    Apache::TestRequest::module('default');
}

# ---- Chromium through t/browser/login.js -------------------------------------
# login.js URL USER PASSWORD TEXT [--repeat N] [--paths ...]: one line per
# load, "ok - URL 200" or "not ok - URL WHY".
sub browser
{
    my @args = @_;
    my $r = run_cmd({ timeout => 120 }, 'node', "$t_dir/browser/login.js",
        @args);
    my @loads;
    for (split /\n/, $r->{out}) {
        push @loads, { ok => $1 eq 'ok', url => $2, what => $3 }
            if /^(ok|not ok) - (\S+) (.*)$/;
    }
    diag("login.js: $r->{err}") if !@loads && $r->{err} ne '';
    return ($r, @loads);
}

my $no_browser = !-x '/usr/bin/chromium' ? 'no /usr/bin/chromium (apt-get install chromium)'
    : !grep({ -x "$_/node" } split /:/, $ENV{PATH} // '') ? 'no node (apt-get install nodejs)'
    : !-f "$t_dir/browser/node_modules/playwright-core/package.json"
        ? 'no playwright-core in t/browser/node_modules: run scripts/browser-setup as root'
    : '';
SKIP: {
    skip $no_browser, 15 if $no_browser;

    # SHA-256 then MD5, 5 loads in one page: one 401, then the same nonce
    # with nc 1..5, all SHA-256
    my $mark = log_mark($alog);
    my ($r, @loads) = browser("$base/clients/sha256-md5/", $USER, $PASS,
        'clients page sha256-md5', '--repeat', 5);
    is(scalar(grep { $_->{ok} } @loads) . "/$r->{rc}", '5/0',
        'Chromium, "SHA-256 MD5" page, 5 loads: all 200 with the page text');
    my @e = entries_for($mark, '/clients/sha256-md5/', 6);
    my @ok = ok_entries(@e);
    is(join(',', map { $_->{params}{algorithm} // '?' } @ok),
        join(',', ('SHA-256') x 5),
        'Chromium, "SHA-256 MD5" page: answered SHA-256 (the first) each time');
    is(scalar(grep { $_->{status} == 401 } @e), 1,
        'Chromium, "SHA-256 MD5" page: a single 401 for the 5 loads');
    my %nonces = map { ($_->{params}{nonce} // '') => 1 } @ok;
    ok(keys %nonces == 1 && join(',', map { $_->{params}{nc} // '?' } @ok)
            eq '00000001,00000002,00000003,00000004,00000005',
        'Chromium, "SHA-256 MD5" page: one nonce, nc 1 to 5');
    record('Chromium', 'sha256-md5',
        @ok ? $ok[0]{params}{algorithm} // '?' : 'failed');

    # one browser, one page after another (each its own 401)
    my @pages = qw(md5-sha256 all userhash sha256sess md5sess md5 sha256
        qop-both sha512-256);
    $mark = log_mark($alog);
    ($r, @loads) = browser("$base/clients/$pages[0]/", $USER, $PASS,
        'clients page', '--paths',
        join(',', map { "/clients/$_/" } @pages[1 .. $#pages]));
    my %load = map { ($_->{url} =~ m{/clients/([^/]+)/})[0] => $_ } @loads;
    my %alg;
    for my $page (@pages) {
        my @pe = entries_for($mark, "/clients/$page/", 1);
        my ($okent) = ok_entries(@pe);
        $alg{$page} = $okent ? $okent->{params} : undef;
        record('Chromium', $page, $okent ? ($okent->{params}{algorithm} // '?')
            . (($okent->{params}{userhash} // '') eq 'true' ? '+userhash' : '')
            : ($load{$page}{what} // 'no result')
                . (grep({ defined $_->{auth} } @pe) ? '' : ' (nothing sent)'));
    }
    my $got = sub { my ($page) = @_; return ($load{$page} && $load{$page}{ok})
        ? ($alg{$page} && $alg{$page}{algorithm}) // '?' : 'failed' };
    is($got->('md5-sha256'), 'MD5',
        'Chromium, "MD5 SHA-256" page: logged in with MD5 (the first)');
    is($got->('all'), 'SHA-256',
        'Chromium, "SHA-512-256 SHA-256 MD5" page: skipped SHA-512-256, logged in with SHA-256');
    is($got->('userhash'), 'SHA-256', 'Chromium, userhash page: logged in with SHA-256');
    ok($alg{userhash} && ($alg{userhash}{userhash} // '') eq 'true'
            && ($alg{userhash}{username} // '') eq sha256_hex("$USER:$REALM"),
        'Chromium, userhash page: sent userhash=true and SHA-256(user:realm)');
    is($got->('sha256sess'), 'SHA-256-sess',
        'Chromium, SHA-256-sess page: logged in with SHA-256-sess');
    is($got->('md5sess'), 'MD5-sess', 'Chromium, MD5-sess page: logged in with MD5-sess');
    is($got->('md5'), 'MD5', 'Chromium, MD5 page: logged in with MD5');
    is($got->('sha256'), 'SHA-256', 'Chromium, SHA-256 page: logged in with SHA-256');
    is($alg{'qop-both'} && $alg{'qop-both'}{qop}, 'auth',
        'Chromium, qop "auth,auth-int" page: logged in with qop=auth');
    like($load{'sha512-256'} ? $load{'sha512-256'}{what} : '', qr/^401\b/,
        'Chromium, SHA-512-256 page: 401 (Chromium lacks SHA-512-256)');
    my @pe = entries_for($mark, '/clients/sha512-256/', 1);
    ok(@pe && !grep({ defined $_->{auth} } @pe),
        'Chromium, SHA-512-256 page: it sent no Authorization');
}

# ---- the table ---------------------------------------------------------------
{
    my @clients = grep { $won{$_} } qw(curl requests LWP Chromium);
    my $fmt = '%-12s' . (' %-22s' x @clients);
    diag('what logged in (algorithm used; 401 = refused; - = client failed):');
    diag(sprintf $fmt, 'page', @clients);
    for my $page (@pages_seen) {
        diag(sprintf $fmt, $page, map { $won{$_}{$page} // '' } @clients);
    }
}
