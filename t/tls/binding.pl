#!/usr/bin/perl
# t/tls/binding.pl: channel bindings over real TLS on 127.0.0.1 (README,
# "Channel bindings").  It makes a CA and two server certificates with the
# openssl command (A: ECDSA P-256 signed with SHA-256; B: ECDSA P-384
# signed with SHA-384, so the binding's hash is not always SHA-256) and
# starts one httpd (Debian's, with mod_ssl and mod_proxy) with:
#   A  TLS (HTTP/2 too), certificate A: /on/ (AuthDigestChannelBinding On), /require/
#      (Require), /off/ (the default), /names/ (On, AuthDigestServiceName
#      HTTP/other.example);
#   B  TLS, certificate B: /b/ (On); /on/ and /require/ relayed to A over
#      TLS (a man in the middle holding another certificate); /proxied/
#      passed to P over plain HTTP (a TLS-terminating proxy);
#   P  plain HTTP: /proxied/ (Proxy, the default service name);
#   C  TLS with two certificates, RSA (c) and ECDSA (A): /on/ (On), so the
#      module must find the one each connection was served with.
# The clients: build/tls/cbclient (the engine's client, which sends
# bindings), curl, python3-requests and Chromium (none of which do).
# Also checks that `httpd -t` refuses On and Require without TLS.
#
# usage: t/tls/binding.pl [--so PATH] [--results FILE] [--keep] [--mpm M]
#            [--asan]
# Prints TAP-like lines and "tls-binding: N passed, M failed".
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/../farm";

use Digest::MD5 ();
use Digest::SHA ();

use FarmLib ();

my $opt = FarmLib::setup('tls-binding', @ARGV);
my $tmp = FarmLib::tmp();
my $root = $opt->{root};
my $client = "$root/build/tls/cbclient";

FarmLib::ok(-f $opt->{so}, "the module is built ($opt->{so})")
    or FarmLib::finish();
FarmLib::ok(-x $client, "the binding client is built ($client: "
    . 'make tls-client)') or FarmLib::finish();
chomp(my $moddir = `sh -c 'apxs -q LIBEXECDIR 2>/dev/null || apxs2 -q LIBEXECDIR'`);
FarmLib::ok(-f "$moddir/mod_ssl.so", 'mod_ssl is installed (apache2)')
    or FarmLib::finish();

# ---- certificates -----------------------------------------------------------

sub run_quiet
{
    my (@cmd) = @_;
    my $out = `@cmd 2>&1`;
    die "failed: @cmd\n$out" if $?;
    return $out;
}

sub make_certs
{
    run_quiet("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
        . "-nodes -keyout $tmp/ca.key -out $tmp/ca.crt -days 2 -sha256 "
        . "-subj /CN=tls-binding-test-CA");
    for my $c (['a', 'P-256', 'sha256'], ['b', 'P-384', 'sha384']) {
        my ($n, $curve, $md) = @$c;
        FarmLib::write_file("$tmp/$n.ext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        run_quiet("openssl req -new -newkey ec -pkeyopt "
            . "ec_paramgen_curve:$curve -nodes -keyout $tmp/$n.key "
            . "-out $tmp/$n.csr -subj /CN=localhost");
        run_quiet("openssl x509 -req -in $tmp/$n.csr -CA $tmp/ca.crt "
            . "-CAkey $tmp/ca.key -CAcreateserial -days 2 -$md "
            . "-extfile $tmp/$n.ext -out $tmp/$n.crt");
    }
    # c: RSA, for a host with an RSA and an ECDSA certificate
    run_quiet("openssl req -new -newkey rsa:2048 -nodes -keyout $tmp/c.key "
        . "-out $tmp/c.csr -subj /CN=localhost");
    run_quiet("openssl x509 -req -in $tmp/c.csr -CA $tmp/ca.crt "
        . "-CAkey $tmp/ca.key -CAcreateserial -days 2 -sha256 "
        . "-extfile $tmp/a.ext -out $tmp/c.crt");
    chmod 0644, glob("$tmp/*.crt"), glob("$tmp/*.key");
}
make_certs();

# ---- users and documents ----------------------------------------------------

my ($user, $pw, $realm) = ('alice', 'tls pw', 'tls');
FarmLib::write_file("$tmp/users.digest",
    "$user:$realm:" . Digest::MD5::md5_hex("$user:$realm:$pw")
    . ',SHA-256=' . Digest::SHA::sha256_hex("$user:$realm:$pw") . "\n", 0644);
for my $d (qw(on require off names b proxied)) {
    mkdir "$tmp/htdocs";
    mkdir "$tmp/htdocs/$d";
    FarmLib::write_file("$tmp/htdocs/$d/index.html", "page $d\n", 0644);
}

# ---- configurations -----------------------------------------------------------

my $httpd = FarmLib::httpd_bin();
my $builtin = `$httpd -l`;
my $mpm = FarmLib::mpm();

sub load_lines
{
    my $load = '';
    for my $m ("mpm_$mpm", qw(authn_core authz_core authn_file authz_user
        mime dir ssl socache_shmcb proxy proxy_http http2)) {
        next if $builtin =~ /^\s*mod_\Q$m\E\.c$/m;
        $load .= "LoadModule ${m}_module $moddir/mod_$m.so\n";
    }
    return $load . "LoadModule auth_sspidigest_module $opt->{so}\n";
}

sub digest_location
{
    my ($path, $extra) = @_;
    return <<"EOF";
    <Location $path>
        AuthType Digest
        AuthName "$realm"
        AuthUserFile "$tmp/users.digest"
        AuthDigestAlgorithm SHA-256 MD5
        Require valid-user
$extra
    </Location>
EOF
}

# One server: its directory, its Listen ports, and the virtual hosts.
sub server_conf
{
    my ($dir, $ports, $vhosts) = @_;
    mkdir $dir;
    mkdir "$dir/run";
    my $listen = join '', map { "Listen 127.0.0.1:$_\n" } @$ports;
    my $user_lines = $> == 0 ? "User nobody\nGroup nogroup\n" : '';
    my $mpm_lines = $mpm eq 'prefork'
        ? "StartServers 2\nMaxRequestWorkers 8\n"
        : "StartServers 1\nServerLimit 1\nThreadsPerChild 16\n"
            . "MaxRequestWorkers 16\nMinSpareThreads 1\n"
            . "MaxSpareThreads 16\n";
    FarmLib::write_file("$dir/httpd.conf", load_lines() . <<"EOF" . $vhosts);
ServerRoot "$dir"
ServerName localhost
${listen}${user_lines}PidFile "$dir/run/httpd.pid"
DefaultRuntimeDir "$dir/run"
ErrorLog "$dir/error_log"
LogLevel info ssl:warn
TypesConfig /etc/mime.types
DocumentRoot "$tmp/htdocs"
KeepAlive On
Timeout 20
${mpm_lines}SSLSessionCache none
EOF
    return "$dir/httpd.conf";
}

my ($pa, $pb, $pp, $pc) = map { FarmLib::free_port() } 1 .. 4;
my $tls_a = <<"EOF";
    ServerName localhost
    SSLEngine on
    SSLCertificateFile "$tmp/a.crt"
    SSLCertificateKeyFile "$tmp/a.key"
EOF

# ---- configtest: On and Require need TLS ------------------------------------------
{
    my $plain = "<VirtualHost 127.0.0.1:$pa>\n    ServerName localhost\n";
    for my $v ('On', 'Require') {
        my $conf = server_conf("$tmp/T$v", [$pa], $plain
            . digest_location('/x/', "        AuthDigestChannelBinding $v")
            . "</VirtualHost>\n");
        my ($rc, $out) = FarmLib::configtest($conf);
        FarmLib::ok($rc != 0
            && scalar($out =~ /AuthDigestChannelBinding $v \(\Q$conf\E:\d+\): the server localhost:\d+ has no TLS/),
            "configtest refuses AuthDigestChannelBinding $v without TLS, "
            . 'naming the directive and its line')
            or FarmLib::diag($out);
    }
    my $conf = server_conf("$tmp/TP", [$pa], $plain
        . digest_location('/x/', '        AuthDigestChannelBinding Proxy')
        . "</VirtualHost>\n");
    my ($rc, $out) = FarmLib::configtest($conf);
    FarmLib::ok($rc == 0, 'configtest takes Proxy without TLS (it ends at a '
        . 'proxy in front)') or FarmLib::diag($out);
    $conf = server_conf("$tmp/TV", [$pa], $plain
        . digest_location('/x/', '        AuthDigestChannelBinding Maybe')
        . "</VirtualHost>\n");
    ($rc, $out) = FarmLib::configtest($conf);
    FarmLib::ok($rc != 0 && scalar($out =~ /AuthDigestChannelBinding: 'Maybe' is not Off, On, Require or Proxy/),
        'configtest names a bad AuthDigestChannelBinding value')
        or FarmLib::diag($out);
    $conf = server_conf("$tmp/TS", [$pa], "<VirtualHost 127.0.0.1:$pa>\n"
        . $tls_a . digest_location('/x/',
            "        AuthDigestChannelBinding Require\n"
            . "        AuthDigestServiceName \"HTTP/a\\\"b\"")
        . "</VirtualHost>\n");
    ($rc, $out) = FarmLib::configtest($conf);
    FarmLib::ok($rc != 0 && scalar($out =~ /AuthDigestServiceName: .* is not a service name/),
        'configtest names a bad AuthDigestServiceName')
        or FarmLib::diag($out);
}

# ---- the server ------------------------------------------------------------------
my $vhosts = <<"EOF";
<VirtualHost 127.0.0.1:$pa>
$tls_a
    Protocols h2 http/1.1
${\ digest_location('/on/', '        AuthDigestChannelBinding On')}
${\ digest_location('/require/', '        AuthDigestChannelBinding Require')}
${\ digest_location('/off/', '')}
${\ digest_location('/names/', "        AuthDigestChannelBinding On\n        AuthDigestServiceName HTTP/other.example http/Localhost.Example")}
</VirtualHost>
<VirtualHost 127.0.0.1:$pb>
    ServerName localhost
    SSLEngine on
    SSLCertificateFile "$tmp/b.crt"
    SSLCertificateKeyFile "$tmp/b.key"
    SSLProxyEngine on
    SSLProxyVerify none
    SSLProxyCheckPeerName off
    SSLProxyCheckPeerCN off
    ProxyPass /on/ https://127.0.0.1:$pa/on/
    ProxyPass /require/ https://127.0.0.1:$pa/require/
    ProxyPass /proxied/ http://127.0.0.1:$pp/proxied/
${\ digest_location('/b/', '        AuthDigestChannelBinding On')}
</VirtualHost>
<VirtualHost 127.0.0.1:$pp>
    ServerName localhost
${\ digest_location('/proxied/', '        AuthDigestChannelBinding Proxy')}
</VirtualHost>
<VirtualHost 127.0.0.1:$pc>
$tls_a
    SSLCertificateFile "$tmp/c.crt"
    SSLCertificateKeyFile "$tmp/c.key"
${\ digest_location('/on/', '        AuthDigestChannelBinding On')}
</VirtualHost>
EOF
my $conf = server_conf("$tmp/S", [$pa, $pb, $pp, $pc], $vhosts);
{
    my ($rc, $out) = FarmLib::configtest($conf);
    FarmLib::ok($rc == 0, 'configtest takes On and Require on TLS virtual '
        . 'hosts') or FarmLib::diag($out);
}
my $server = FarmLib::start_httpd('S', "$tmp/S", $pa);
FarmLib::wait_port($_, 10) for $pb, $pp, $pc;

# The error_log lines of refusals since the last call.
my $log_seen = 0;
sub new_log
{
    my $all = FarmLib::slurp("$tmp/S/error_log");
    my $new = substr($all, $log_seen);
    $log_seen = length $all;
    return $new;
}

sub cbclient
{
    my ($port, $path, @args) = @_;
    my $out = `$client --cafile $tmp/ca.crt @args $port $path $user '$pw' 2>&1`;
    return ($? >> 8, $out);
}

sub client_ok
{
    my ($name, $want_lines, $port, $path, @args) = @_;
    my ($rc, $out) = cbclient($port, $path, @args);
    FarmLib::ok($out eq $want_lines, $name)
        or FarmLib::diag("exit $rc, output:\n$out");
}

sub refused_with_log
{
    my ($name, $re, $port, $path, @args) = @_;
    new_log();
    my ($rc, $out) = cbclient($port, $path, @args);
    my $log = new_log();
    FarmLib::ok($rc == 1 && scalar($out =~ /^401 /) && scalar($log =~ $re),
        "$name: 401, and the log says why")
        or FarmLib::diag("exit $rc, output:\n$out\nlog:\n$log");
}

# ---- our client, which sends bindings ---------------------------------------
client_ok('cbclient, matching binding, On: logs in, and reuses its nonce on '
    . 'the connection', "200 marked=1 upgraded=1\n" x 3, $pa, '/on/',
    '--requests', 3);
client_ok('cbclient, matching binding, Require: logs in',
    "200 marked=1 upgraded=1\n" x 2, $pa, '/require/', '--requests', 2);
client_ok('cbclient, Off: nonces are not marked, the client does not '
    . 'upgrade, and logs in', "200 marked=0 upgraded=0\n", $pa, '/off/');
client_ok('cbclient on B (ECDSA P-384 signed with SHA-384): logs in',
    "200 marked=1 upgraded=1\n", $pb, '/b/');
refused_with_log('cbclient with the binding of another certificate (B) '
    . 'sent to A, On',
    qr/SD00502: Digest refused \(401\): user "alice": channel binding does not match this connection \(SEC_E_BAD_BINDINGS\)/,
    $pa, '/on/', '--binding-from', $pb);
refused_with_log('cbclient with the binding of another certificate (B) '
    . 'sent to A, Require', qr/channel binding does not match this connection/,
    $pa, '/require/', '--binding-from', $pb);
refused_with_log('cbclient with an unbound binding on TLS, On',
    qr/channel binding is unbound \(the client has no TLS\)/, $pa, '/on/',
    '--unbound');
refused_with_log('cbclient without bindings (a client that knows none), '
    . 'Require', qr/no channel binding sent/, $pa, '/require/', '--legacy');
client_ok('cbclient without bindings, On: logs in as before',
    "200 marked=1 upgraded=0\n", $pa, '/on/', '--legacy');
refused_with_log('cbclient naming a service name not allowed',
    qr/service-name not allowed here/, $pa, '/names/');
client_ok('cbclient naming an allowed service name (any case): logs in',
    "200 marked=1 upgraded=1\n", $pa, '/names/', '--spn',
    'HTTP/localhost.example');

# one binding per certificate: a wrong choice fails one of the two
client_ok('a host with two certificates, served the RSA one: logs in',
    "200 marked=1 upgraded=1\n", $pc, '/on/', '--sigalgs',
    'RSA-PSS+SHA256:RSA+SHA256');
client_ok('the same host served the ECDSA one: logs in',
    "200 marked=1 upgraded=1\n", $pc, '/on/', '--sigalgs', 'ECDSA+SHA256');

# ---- a real relay: B terminates TLS with its own certificate ------------------
refused_with_log('relayed through B (another certificate) to A: cbclient\'s '
    . 'binding is refused', qr/channel binding does not match this connection/,
    $pb, '/on/');
refused_with_log('relayed through B to A, Require: refused',
    qr/channel binding does not match this connection/, $pb, '/require/');

# ---- Proxy: TLS ends at B, P checks presence and the service name ------------
client_ok('Proxy: cbclient through the TLS-terminating proxy logs in',
    "200 marked=1 upgraded=1\n" x 2, $pb, '/proxied/', '--requests', 2);
refused_with_log('Proxy: an unbound binding is refused',
    qr/channel binding is unbound/, $pb, '/proxied/', '--unbound');
refused_with_log('Proxy: a client without bindings is refused',
    qr/no channel binding sent/, $pb, '/proxied/', '--legacy');
refused_with_log('Proxy: another service name is refused',
    qr/service-name not allowed here/, $pb, '/proxied/', '--spn',
    'HTTP/elsewhere');

# ---- clients that send no bindings -------------------------------------------
sub curl_status
{
    my ($port, $path) = @_;
    my $code = `curl -sS --http1.1 -o /dev/null -w '%{http_code}' --digest -u '$user:$pw' --cacert $tmp/ca.crt --resolve localhost:$port:127.0.0.1 https://localhost:$port$path 2>&1`;
    return $code;
}

FarmLib::is_eq(curl_status($pa, '/on/'), '200', 'curl, On: logs in');
{
    # HTTP/2: the request runs on a secondary connection, whose TLS is its
    # master's: the binding must still be found (the nonce is marked only
    # when it is)
    my $head = `curl -sS --http2 -o /dev/null -D - --cacert $tmp/ca.crt --resolve localhost:$pa:127.0.0.1 https://localhost:$pa/on/ 2>&1`;
    my $marked = $head =~ m{^HTTP/2 401}m
        && $head =~ /^www-authenticate: Digest .*nonce="\+Upgraded\+/mi;
    FarmLib::ok($marked,
        'HTTP/2: the challenge on a TLS stream is marked (the binding of '
        . 'the master connection is found)') or FarmLib::diag($head);
}
FarmLib::is_eq(curl_status($pa, '/require/'), '401',
    'curl, Require: refused (it sends no binding)');
FarmLib::is_eq(curl_status($pa, '/off/'), '200', 'curl, Off: logs in');
FarmLib::is_eq(curl_status($pb, '/on/'), '200',
    'curl through the relay, On: logs in (On lets clients without bindings '
    . 'in; README)');
FarmLib::is_eq(curl_status($pb, '/require/'), '401',
    'curl through the relay, Require: refused');

{
    my $py = -x '/usr/bin/python3' ? '/usr/bin/python3' : 'python3';
    my $script = <<'EOF';
import sys, requests
from requests.auth import HTTPDigestAuth
s = requests.Session()
s.trust_env = False
for url in sys.argv[4:]:
    r = s.get(url, auth=HTTPDigestAuth(sys.argv[1], sys.argv[2]),
              verify=sys.argv[3], timeout=15)
    print(r.status_code)
EOF
    FarmLib::write_file("$tmp/requests_tls.py", $script);
    my $out = `$py $tmp/requests_tls.py '$user' '$pw' $tmp/ca.crt https://localhost:$pa/on/ https://localhost:$pa/on/ https://localhost:$pa/require/ 2>&1`;
    FarmLib::is_eq($out, "200\n200\n401\n",
        'python3-requests: On logs in (twice, the nonce reused), Require '
        . 'refuses');
}

{
    my $login = "$root/t/browser/login.js";
    if (!-d "$root/t/browser/node_modules/playwright-core") {
        FarmLib::ok(0, 'Chromium: t/browser/node_modules is missing (run '
            . 'scripts/browser-setup)');
    }
    else {
        local $ENV{TMPDIR} = $tmp;
        my $out = `node $login https://localhost:$pa/on/ '$user' '$pw' 'page on' --repeat 2 --ignore-https-errors 2>&1`;
        FarmLib::ok($? == 0 && ($out =~ tr/\n//) == 2,
            'Chromium, On: logs in, and again on its nonce')
            or FarmLib::diag($out);
        $out = `node $login https://localhost:$pa/require/ '$user' '$pw' 'page require' --ignore-https-errors 2>&1`;
        FarmLib::ok($? != 0 && scalar($out =~ /not ok .* 401/),
            'Chromium, Require: refused with 401') or FarmLib::diag($out);
    }
}

FarmLib::ok(!scalar(FarmLib::log_lines($server, qr/exit signal|Segmentation/)),
    'no child crashed');
FarmLib::finish();
