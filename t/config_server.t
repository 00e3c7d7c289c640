# The per-server directives AuthDigestNonceSecret and AuthDigestShmemSize,
# on three small private servers started here (a secret file must have
# mode 0600 before the server starts, and the shared memory is sized once
# per server, so neither fits the shared test server):
#   s1: secret A, AuthDigestShmemSize 256K
#   s2: secret B, previous secret A, no AuthDigestShmemSize (4M), and a
#       virtual host (never used) with AuthDigestShmemSize 512K
#   s3: secret A, AuthDigestShmemSize 1M
# A nonce of s1 must then be accepted by s3 (same secret) and by s2 (its
# previous secret), and a nonce of s2 refused by s1 and s3.  The servers
# use the MPM and modules of the test server (read from its httpd.conf),
# listen on 127.0.0.1 and are stopped at the end, by pid.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use SDTest qw(module_under_test need_module_under_test parse_challenges);

use Digest::MD5 qw(md5_hex);
use File::Path qw(make_path remove_tree);
use File::Spec ();
use HTTP::Request ();
use IO::Socket::INET ();
use LWP::UserAgent ();
use Time::HiRes qw(sleep);

my $ours = module_under_test() eq 'mod_auth_sspidigest';
plan tests => 22, need need_lwp, need_module_under_test(),
    need { 'AuthDigestNonceSecret: mod_auth_sspidigest only' => $ours };

my $vars = Apache::Test::vars();
my $httpd = $vars->{httpd};
my $dir = File::Spec->catdir($vars->{t_logs}, 'config_server');
my $REALM = 'config server';
my %pidfile;

# ---- set-up ---------------------------------------------------------------------

# The LoadModule lines of the test server for the modules we need.
sub load_lines
{
    my $conf = File::Spec->catfile($vars->{t_conf}, 'httpd.conf');
    open my $fh, '<', $conf or die "$conf: $!";
    my @want = qw(mpm_\w+ authn_core authz_core authn_file authz_user
        auth_sspidigest);
    my $re = join '|', @want;
    my @lines = grep { /^\s*LoadModule\s+(?:$re)_module\s/ } <$fh>;
    s/^\s+|\s+\z//g for @lines;
    my %seen;
    return grep { !$seen{$_}++ } @lines;
}

sub write_file
{
    my ($path, $text, $mode) = @_;
    open my $fh, '>', $path or die "$path: $!";
    binmode $fh;
    print $fh $text;
    close $fh or die "$path: $!";
    chmod $mode, $path if defined $mode;
}

sub random_octets
{
    my ($n) = @_;
    open my $fh, '<', '/dev/urandom' or die "/dev/urandom: $!";
    binmode $fh;
    read($fh, my $buf, $n) == $n or die "short read from /dev/urandom";
    return $buf;
}

# A free port on 127.0.0.1 (released before the server binds it).
sub free_port
{
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
        Proto => 'tcp', Listen => 1, ReuseAddr => 1)
        or die "no free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

# Up: the port answers and the log says the start-up is over (the port
# is bound before the modules' post_config has run).
sub up
{
    my ($name, $port) = @_;
    for (1 .. 100) {
        return 1 if server_log($name) =~ /configured -- resuming normal operations/
            && IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                PeerPort => $port, Proto => 'tcp');
        sleep 0.1;
    }
    return 0;
}

# Starts a private server; returns its port, or 0 if it did not start.
sub start_server
{
    my ($name, @directives) = @_;
    my $port = free_port();
    my $conf = File::Spec->catfile($dir, "$name.conf");
    $pidfile{$name} = File::Spec->catfile($dir, "$name.pid");
    write_file($conf, join "\n", "ServerRoot \"$dir\"",
        'ServerName 127.0.0.1', "Listen 127.0.0.1:$port",
        "PidFile \"$pidfile{$name}\"", "ErrorLog \"$dir/$name.error_log\"",
        "DefaultRuntimeDir \"$dir\"", 'LogLevel info', 'StartServers 1',
        load_lines(), "DocumentRoot \"$dir/htdocs\"", @directives,
        '<Location /p>', '    AuthType Digest', "    AuthName \"$REALM\"",
        "    AuthUserFile \"$dir/users\"", '    AuthDigestNcCheck Off',
        '    Require valid-user', '</Location>', '');
    my $out = `"$httpd" -d "$dir" -f "$conf" -k start 2>&1`;
    diag("$name: $out") if $? != 0 || $out ne '';
    return up($name, $port) ? $port : 0;
}

# Stops the servers we started, by the pids in their PidFiles: all are
# told first, then waited for (each takes a moment to reap its children).
sub stop_servers
{
    my @pids;
    for my $file (values %pidfile) {
        open my $fh, '<', $file or next;
        my ($pid) = (<$fh> // '') =~ /^(\d+)/;
        push @pids, $pid if $pid && kill 'TERM', $pid;
    }
    for (1 .. 100) {
        last unless grep { kill 0, $_ } @pids;
        sleep 0.1;
    }
    kill 'KILL', $_ for grep { kill 0, $_ } @pids;
}

END {
    stop_servers();
}

sub server_log
{
    my ($name) = @_;
    open my $fh, '<', "$dir/$name.error_log" or return '';
    local $/;
    return <$fh>;
}

sub ua { return LWP::UserAgent->new(keep_alive => 0, timeout => 30) }

# The MD5 challenge of a server.
sub challenge_of
{
    my ($port) = @_;
    my $res = ua()->get("http://127.0.0.1:$port/p/index.html");
    my ($c) = grep { lc $_->{scheme} eq 'digest' } parse_challenges($res);
    return $c ? $c->{params} : {};
}

# GET /p/ on $port answering challenge $c (from any server) as carol.
sub answer
{
    my ($port, $c, $nc) = @_;
    my $uri = '/p/index.html';
    my $cnonce = sprintf '%08x', int rand 2**32;
    my $ha1 = md5_hex("carol:$REALM:carol-pw");
    my $resp = md5_hex("$ha1:$c->{nonce}:$nc:$cnonce:auth:"
        . md5_hex("GET:$uri"));
    my @f = (q{username="carol"}, qq{realm="$REALM"},
        qq{nonce="$c->{nonce}"}, qq{uri="$uri"}, 'algorithm=MD5',
        qq{response="$resp"}, 'qop=auth', "nc=$nc", qq{cnonce="$cnonce"});
    push @f, qq{opaque="$c->{opaque}"} if defined $c->{opaque};
    my $req = HTTP::Request->new(GET => "http://127.0.0.1:$port$uri");
    $req->header(Authorization => 'Digest ' . join ', ', @f);
    return ua()->request($req);
}

remove_tree($dir);
make_path("$dir/htdocs/p");
chmod 0755, $dir;
write_file("$dir/htdocs/p/index.html", "config server page\n");
write_file("$dir/users",
    "carol:$REALM:" . md5_hex("carol:$REALM:carol-pw") . "\n");
write_file("$dir/secret-a", random_octets(48), 0600);
write_file("$dir/secret-b", random_octets(64), 0600);

# ---- the servers ------------------------------------------------------------------

my %port;
$port{s1} = start_server('s1', "AuthDigestNonceSecret \"$dir/secret-a\"",
    'AuthDigestShmemSize 256K');
$port{s2} = start_server('s2',
    "AuthDigestNonceSecret \"$dir/secret-b\" \"$dir/secret-a\"",
    '<VirtualHost 127.0.0.2:9>', '    ServerName unused.example',
    '    AuthDigestShmemSize 512K', '</VirtualHost>');
$port{s3} = start_server('s3', "AuthDigestNonceSecret secret-a",
    'AuthDigestShmemSize 1M');
ok($port{s1}, 's1 (secret file, AuthDigestShmemSize 256K) started');
ok($port{s2}, 's2 (secret file and previous secret file) started');
ok($port{s3}, 's3 (secret file relative to ServerRoot, 1M) started');

like(server_log('s1'),
    qr/\[auth_sspidigest:info\] .*SD00404: nonce-count table: 262144 bytes/,
    's1 error_log: SD00404 reports 262144 bytes (256K)');
like(server_log('s2'),
    qr/\[auth_sspidigest:info\] .*SD00404: nonce-count table: 4194304 bytes/,
    's2 error_log: SD00404 reports the default 4194304 bytes');
like(server_log('s2'),
    qr/\[auth_sspidigest:info\] .*SD00404: nonce-count table: 524288 bytes/,
    "s2 error_log: SD00404 reports its virtual host's 524288 bytes (512K)");
like(server_log('s3'),
    qr/\[auth_sspidigest:info\] .*SD00404: nonce-count table: 1048576 bytes/,
    's3 error_log: SD00404 reports 1048576 bytes (1M)');

SKIP: {
    skip 'a private server did not start', 15
        unless $port{s1} && $port{s2} && $port{s3};

    my %c = map { $_ => challenge_of($port{$_}) } qw(s1 s2 s3);
    for my $s (qw(s1 s2 s3)) {
        ok(length($c{$s}{nonce} // ''), "$s: a challenge with a nonce");
        is(answer($port{$s}, $c{$s}, '00000001')->code, 200,
            "$s: its own nonce: 200");
    }
    my $res = answer($port{s3}, $c{s1}, '00000002');
    is($res->code, 200, "s1's nonce at s3 (same secret file): 200");
    $res = answer($port{s2}, $c{s1}, '00000003');
    is($res->code, 200, "s1's nonce at s2 (its previous secret): 200");
    $res = answer($port{s1}, $c{s2}, '00000002');
    is($res->code, 401, "s2's nonce at s1 (secret B unknown there): 401");
    my ($ch) = grep { lc $_->{scheme} eq 'digest' } parse_challenges($res);
    isnt(($ch && $ch->{params}{stale}) // '', 'true',
        'a foreign nonce is not called stale');
    $res = answer($port{s3}, $c{s2}, '00000003');
    is($res->code, 401, "s2's nonce at s3: 401");
    like(server_log('s3'), qr/SD00502: Digest refused \(401\): user "carol"/,
        's3 error_log: the refusal');
    for my $s (qw(s1 s2 s3)) {
        unlike(server_log($s),
            qr/exit signal|Segmentation|AddressSanitizer|runtime error:/,
            "$s: no crash");
    }
}
