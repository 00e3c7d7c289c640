# Digest over HTTP/2 cleartext (h2c).  Config: t/conf/http2.conf.in (virtual
# host sd_h2 with "Protocols h2c http/1.1"; its access log records the
# protocol, the client port and the Authorization of each request).
#
# Clients:
# - t/clients/h2_digest.js, Node's own http2 client with prior knowledge:
#   one connection; a 401, then requests one after the other and 20
#   concurrent streams, all on the one nonce with nc 1, 2, ... (arriving in
#   any order), each checked for a right rspauth.
# - curl 7.88.1 (Debian 12).  Its HTTP/2 is too broken for more: with
#   --http2-prior-knowledge it fails every reuse of the connection ("Error
#   in the HTTP2 framing layer", curl issue #10634, fixed in 8.0), which
#   includes the retry after the 401, so --digest never gets past the
#   challenge; and --parallel over an Upgrade opens extra connections and
#   sometimes fails the same way.  So curl is used for the challenge over
#   HTTP/2 and for the h2c Upgrade, where the request with the credentials
#   is the one that gets upgraded (RFC 7540 3.2: it becomes stream 1).
# Under the prefork MPM mod_http2 says HTTP/2 is inactive (AH10034) and
# offers no Upgrade, but still serves h2c with prior knowledge: only the
# Upgrade tests skip there.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use FindBin ();
use lib "$FindBin::Bin/clients";
use SDTest qw(need_module_under_test module_under_test);
use SDInterop qw(run_cmd curl log_mark log_since wait_log access_entries
    have_curl);

plan tests => 23, need need_module('mod_http2'), need_module_under_test();

my $mpm = Apache::Test::config()->{server}{mpm} // '';

my $ours = module_under_test() eq 'mod_auth_sspidigest';
my $port = Apache::Test::vars('sd_h2_port');
my $base = "http://127.0.0.1:$port";
my $t_dir = Apache::Test::vars('t_dir');
my $alog = Apache::Test::vars('t_logs') . '/http2_access_log';
my $elog = Apache::Test::vars('t_logs') . '/error_log';
my ($USER, $PASS) = ('erin', 'h2 pw');
my $ALG = $ours ? 'SHA-256' : 'MD5';
my $BAD_LEVEL = qr/\] \[[a-z_0-9]+:(?:error|crit|alert|emerg)\] /;
my $emark_all = log_mark($elog);

# ---- curl ---------------------------------------------------------------------
SKIP: {
    skip 'no /usr/bin/curl', 10 unless have_curl();

    # The challenge over HTTP/2 (prior knowledge, no credentials).
    my $r = curl('--http2-prior-knowledge', "$base/h2/page.txt");
    my $t = $r->{transfers}[0] // {};
    is(($t->{status} // '') . ' ' . ($t->{http_version} // ''), '401 2',
        'curl --http2-prior-knowledge, no credentials: 401 over HTTP/2');
    my @wa = map { /^www-authenticate: (.*)$/i ? $1 : () } @{ $r->{headers} };
    is(join(' | ', map { /algorithm=([\w-]+)/ ? $1 : 'none' } @wa),
        $ours ? 'SHA-256 | MD5' : 'MD5',
        'curl --http2-prior-knowledge: one www-authenticate per algorithm, in order');

    skip "mod_http2 offers no h2c Upgrade under the $mpm MPM (AH10034)", 8
        if $mpm eq 'prefork';

    # Control: the h2c Upgrade works for an open page.
    $r = curl('--http2', "$base/h2/open.txt");
    $t = $r->{transfers}[0] // {};
    is(($t->{status} // '') . ' ' . ($t->{http_version} // ''), '200 2',
        'curl --http2 (h2c Upgrade), open page: 200 over HTTP/2');

    # Digest with the h2c Upgrade: the first request gets a 401 over
    # HTTP/1.1 (no upgrade on an error), curl repeats it with Authorization
    # and Upgrade: h2c; httpd authenticates it as HTTP/1.1, answers 101 and
    # serves it again as HTTP/2 stream 1, with the same Authorization.  That
    # is still ONE request: its nonce count must not count as a replay.
    my $emark = log_mark($elog);
    my $amark = log_mark($alog);
    $r = curl('--http2', '--digest', '-u', "$USER:$PASS", "$base/h2/page.txt");
    $t = $r->{transfers}[0] // {};
    is(($t->{status} // '') . ' ' . ($t->{http_version} // ''), '200 2',
        'curl --http2 --digest (h2c Upgrade): 200 over HTTP/2');
    like($r->{body}, qr/h2 text/, 'curl --http2 --digest: page text');
    my @refused = grep { /SD00502/ } wait_log($elog, $emark, qr/SD00502/, 1, 0.5);
    is(join("\n", @refused), '',
        'curl --http2 --digest: the upgraded request (stream 1) is not refused as a replay');
    my @e = access_entries(grep { m{^"GET /h2/page\.txt } }
        wait_log($alog, $amark, qr{ 101 |^"GET /h2/page\.txt HTTP/2}, 2));
    # The stream's line may be written before the Upgrade request's 101.
    is(join(',', sort map { "$_->{protocol}:$_->{status}" } @e),
        'HTTP/1.1:101,HTTP/1.1:401,HTTP/2.0:200',
        'curl --http2 --digest: access log: 401, 101 (upgrade) and 200 on HTTP/2');
    my ($h2) = grep { $_->{protocol} eq 'HTTP/2.0' } @e;
    is(($h2 && $h2->{params}{algorithm}) // '', $ALG,
        "curl --http2 --digest: answered $ALG (the first challenge)");

    # The same without the nonce-count check: the upgrade succeeds, so the
    # replay check is what refuses it above.
    $r = curl('--http2', '--digest', '-u', "$USER:$PASS", "$base/h2/ncoff/page.txt");
    $t = $r->{transfers}[0] // {};
    is(($t->{status} // '') . ' ' . ($t->{http_version} // ''), '200 2',
        'curl --http2 --digest, AuthDigestNcCheck Off: 200 over HTTP/2');
    like($r->{body}, qr/h2 ncoff text/, 'curl --http2 --digest, NcCheck Off: page text');
}

# ---- Node's http2 client: many requests and concurrent streams on one -------
# ---- connection ----------------------------------------------------------------
my $node = (grep { -x "$_/node" } split /:/, $ENV{PATH} // '')[0];
SKIP: {
    skip 'no node (apt-get install nodejs)', 12 unless $node;

    my $emark = log_mark($elog);
    my $amark = log_mark($alog);
    my $r = run_cmd({ timeout => 60 }, "$node/node", "$t_dir/clients/h2_digest.js",
        "$base/h2/page.txt", $USER, $PASS, '--seq', 3, '--parallel', 20);
    my @lines = split /\n/, $r->{out};
    diag("h2_digest.js: $r->{out}$r->{err}") if $r->{rc} != 0;
    is($r->{rc}, 0, 'h2 client: every request 200 with a right rspauth');
    ok(scalar(grep { $_ eq 'challenge 0 401 - -' } @lines),
        'h2 client: the first request, without credentials, got 401');
    is(scalar(grep { /^(?:seq|par) \d+ 200 [0-9a-f]{8} ok$/ } @lines), 23,
        'h2 client: 3 sequential + 20 concurrent requests: 200, rspauth right');
    ok(scalar(grep { $_ eq "algorithm $ALG" } @lines),
        "h2 client: answered the first challenge ($ALG)");

    my $re = qr{^"GET /h2/page\.txt\S* HTTP/2\.0" };
    my @e = access_entries(grep { /$re/ } wait_log($alog, $amark, $re, 24));
    is(scalar @e, 24, 'access log: 24 requests, all over HTTP/2');
    my %ports = map { $_->{port} => 1 } @e;
    is(scalar keys %ports, 1, 'access log: all from one client port (one connection)');
    is(scalar(grep { $_->{status} == 401 } @e), 1,
        'access log: a single 401 (the challenge), none after it');
    my @ok = grep { $_->{status} == 200 } @e;
    my %nonces = map { ($_->{params}{nonce} // '') => 1 } @ok;
    my @nc = sort map { $_->{params}{nc} // '' } @ok;
    ok(keys %nonces == 1
            && "@nc" eq join(' ', map { sprintf '%08x', $_ } 1 .. 23),
        'access log: one nonce, nc 1 to 23, each once');
    my @log = log_since($elog, $emark);
    is(join("\n", grep { /SD00502/ } @log), '', 'error_log: no refusal');
    is(join("\n", grep { /$BAD_LEVEL/ } @log), '', 'error_log: no error lines');

    # a wrong password over HTTP/2 is refused like over HTTP/1.1
    $emark = log_mark($elog);
    $r = run_cmd({ timeout => 60 }, "$node/node", "$t_dir/clients/h2_digest.js",
        "$base/h2/page.txt", $USER, 'wrong', '--seq', 1);
    like($r->{out}, qr/^seq 1 401 00000001 -$/m, 'h2 client, wrong password: 401');
    my $why = $ours ? qr/SD00502: Digest refused \(401\): user "erin": wrong password/
                    : qr/erin/;
    ok(scalar(grep { /$why/ } wait_log($elog, $emark, $why, 1)),
        'h2 client, wrong password: the refusal is logged')
        or diag(join "\n", log_since($elog, $emark));
}

is(join("\n", grep { /$BAD_LEVEL/ } log_since($elog, $emark_all)), '',
    'error_log: no error lines during this whole file');
