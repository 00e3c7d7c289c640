# Digest on a forward proxy: <Proxy "*"> with AuthType Digest in the
# virtual host sd_proxy (ProxyRequests On), which forwards only to
# http://127.0.0.1:PORT/ and is only ever asked for pages of this suite's
# own main server.  Config: t/conf/proxy.conf.in; users t/conf/proxy.digest
# (carol for the proxy, realm "proxy"; dave for the origin, realm "origin").
# The proxy answers 407 with Proxy-Authenticate, reads Proxy-Authorization
# and sends Proxy-Authentication-Info; the origin's own Digest
# (Authorization, WWW-Authenticate) passes through it untouched.
# Clients: curl (--proxy-digest) and LWP (proxy credentials).
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use Digest::MD5 qw(md5_hex);
use Digest::SHA qw(sha256_hex);
use FindBin ();
use LWP::UserAgent ();
use lib "$FindBin::Bin/clients";
use SDTest qw(need_module_under_test module_under_test parse_challenges);
use SDInterop qw(curl log_mark wait_log access_entries auth_params have_curl);

plan tests => 28, need need_lwp, need_module('mod_proxy'),
    need_module('mod_proxy_http'), need_module_under_test();

my $ours = module_under_test() eq 'mod_auth_sspidigest';
my $pport = Apache::Test::vars('sd_proxy_port');
my $proxy = "http://127.0.0.1:$pport";
my $origin = 'http://127.0.0.1:' . Apache::Test::vars('port');
my $target = "$origin/proxy/target.html";
my $elog = Apache::Test::vars('t_logs') . '/error_log';
my $plog = Apache::Test::vars('t_logs') . '/proxy_access_log';
my @PUSER = ('carol', 'proxy pw');
my @OUSER = ('dave', 'origin pw');
my $ALG = $ours ? 'SHA-256' : 'MD5';
my %H = ('MD5' => \&md5_hex, 'SHA-256' => \&sha256_hex);

# Every URL here is on 127.0.0.1, and the proxy refuses any other.
for ($proxy, $origin) {
    die "not a 127.0.0.1 URL: $_" unless m{^http://127\.0\.0\.1:\d+\z};
}

# rspauth (RFC 7616 3.5) that the proxy must send for what curl sent.
sub rspauth_for
{
    my ($p, $user, $pass) = @_;
    my $h = $H{ $p->{algorithm} // '' } or return '';
    my $ha1 = $h->("$user:$p->{realm}:$pass");
    return $h->(join ':', $ha1, @$p{qw(nonce nc cnonce qop)}, $h->(":$p->{uri}"));
}

sub header_values
{
    my ($r, $name) = @_;
    return map { /^\Q$name\E:\s*(.*)$/i ? $1 : () } @{ $r->{headers} };
}

SKIP: {
    skip 'no /usr/bin/curl', 21 unless have_curl();

    # no credentials: 407 with Proxy-Authenticate
    my $r = curl('--proxy', $proxy, $target);
    is($r->{transfers}[0]{status}, 407, 'no proxy credentials: 407');
    my @pa = parse_challenges(header_values($r, 'Proxy-Authenticate'));
    is(join(' ', map { $_->{params}{algorithm} // 'MD5' } @pa),
        $ours ? 'SHA-256 MD5' : 'MD5',
        '407: one Proxy-Authenticate per algorithm, in order');
    ok(@pa && !grep({ lc $_->{scheme} ne 'digest' || ($_->{params}{realm} // '') ne 'proxy' } @pa),
        '407: Digest challenges for realm "proxy"');
    is(scalar(header_values($r, 'WWW-Authenticate')), 0,
        '407: no WWW-Authenticate');

    # right credentials: 407, then 200 with Proxy-Authentication-Info
    my $mark = log_mark($plog);
    $r = curl('--proxy', $proxy, '--proxy-digest', '--proxy-user',
        join(':', @PUSER), $target);
    is("@{ $r->{codes} }", '407 200', 'right proxy credentials: 407, then 200');
    like($r->{body}, qr/proxy target page/, 'right proxy credentials: the target page');
    my $p = auth_params($r->{sent_proxy_auth}[-1]);
    is($p->{algorithm}, $ALG, "curl answered the first challenge ($ALG)");
    my ($info) = header_values($r, 'Proxy-Authentication-Info');
    ok(defined $info, 'Proxy-Authentication-Info came back');
    my %info = defined $info ? %{ auth_params("Digest $info") } : ();
    is($info{rspauth} // '', rspauth_for($p, @PUSER),
        'Proxy-Authentication-Info: rspauth right for the digest-uri sent');
    is(join(',', map { $info{$_} // '' } qw(qop nc cnonce)),
        join(',', map { $p->{$_} // '-' } qw(qop nc cnonce)),
        'Proxy-Authentication-Info: qop, nc and cnonce of the request');
    is(scalar(header_values($r, 'Authentication-Info')), 0,
        'no Authentication-Info for proxy authentication');
    my @e = access_entries(wait_log($plog, $mark, qr/ 200 /, 1));
    is(join(',', map { $_->{status} . (defined $_->{auth} ? '+auth' : '') } @e),
        '407,200+auth', 'proxy access log: 407 without, 200 with Proxy-Authorization');

    # wrong password, unknown user: 407 again
    my $emark = log_mark($elog);
    $r = curl('--proxy', $proxy, '--proxy-digest', '--proxy-user', 'carol:wrong', $target);
    is("@{ $r->{codes} }", '407 407', 'wrong proxy password: 407, then 407');
    ok(scalar(parse_challenges(header_values($r, 'Proxy-Authenticate'))) >= 2,
        'wrong proxy password: fresh Proxy-Authenticate challenges');
    if ($ours) {
        ok(scalar(grep { /SD00502: Digest refused \(\d+\): user "carol": wrong password/ }
                wait_log($elog, $emark, qr/SD00502/, 1)),
            'wrong proxy password: the refusal is logged');
    }
    else {
        pass('wrong proxy password: (log line checked for mod_auth_sspidigest only)');
    }
    $r = curl('--proxy', $proxy, '--proxy-digest', '--proxy-user', 'mallory:proxy pw', $target);
    is($r->{transfers}[0]{status}, 407, 'unknown proxy user: 407');

    # credentials for the origin are not credentials for the proxy
    $r = curl('--proxy', $proxy, '--digest', '-u', join(':', @PUSER), $target);
    is($r->{transfers}[0]{status}, 407,
        'proxy credentials sent as Authorization (not Proxy-Authorization): 407');

    # proxy and origin both want Digest: both logins in one transfer
    my $url = "$origin/proxy/origin/";
    $r = curl('--proxy', $proxy, '--proxy-digest', '--proxy-user', join(':', @PUSER),
        '--digest', '-u', join(':', @OUSER), $url);
    is("@{ $r->{codes} }", '407 401 200',
        'proxy and origin Digest: 407 (proxy), 401 (origin), then 200');
    like($r->{body}, qr/proxy origin page/, 'proxy and origin Digest: the origin page');
    my ($oinfo) = header_values($r, 'Authentication-Info');
    my $op = auth_params($r->{sent_auth}[-1]);
    my %oinfo = defined $oinfo ? %{ auth_params("Digest $oinfo") } : ();
    is($oinfo{rspauth} // '', rspauth_for($op, @OUSER),
        "the origin's Authentication-Info passes through the proxy");

    # several URLs through the proxy in one curl run: all 200
    $r = curl('--proxy', $proxy, '--proxy-digest', '--proxy-user', join(':', @PUSER),
        map { "$target?n=$_" } 1 .. 3);
    is(join(',', map { $_->{status} } @{ $r->{transfers} }), '200,200,200',
        '3 URLs through the proxy in one run: all 200');
}

# ---- LWP as a proxy-digest client --------------------------------------------
# LWP::UserAgent asks get_basic_credentials for proxy credentials, and
# its own answers nothing for a proxy.
package SDProxyUA {
    our @ISA = ('LWP::UserAgent');
    sub get_basic_credentials
    {
        my ($self, $realm, $uri, $isproxy) = @_;
        return $isproxy && $self->{sd_creds} ? @{ $self->{sd_creds} } : ();
    }
}
{
    my $ua = SDProxyUA->new(keep_alive => 1, timeout => 20);
    $ua->proxy(http => "$proxy/");
    my $res = $ua->get($target);
    is($res->code, 407, 'LWP through the proxy, no credentials: 407');
    $ua->{sd_creds} = [@PUSER];
    $res = $ua->get($target);
    is($res->code, 200, 'LWP through the proxy with credentials: 200');
    like($res->content, qr/proxy target page/, 'LWP: the target page');
    like($res->request->header('Proxy-Authorization') // '', qr/algorithm="MD5"/,
        'LWP answered with MD5');
    ok(defined $res->header('Proxy-Authentication-Info'),
        'LWP: Proxy-Authentication-Info came back');
    # the next request goes with Proxy-Authorization at once
    $res = $ua->get("$target?n=2");
    ok($res->code == 200 && !$res->previous,
        'LWP, second request: 200 without a new 407');
    is(auth_params($res->request->header('Proxy-Authorization'))->{nc} // '',
        '00000002', 'LWP, second request: nc=00000002 on the same nonce');
}
