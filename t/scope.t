# Every authentication result is reused only inside the scope that made it
# (issue 10).  Config: t/conf/scope.conf.in: pairs of Locations with the
# same AuthName that differ in exactly one setting of the scope (user file,
# password, dbm provider, dbd query, provider alias, AuthDigestNcCheck,
# algorithm, qop, lifetime, userhash, domain, body limit, channel-binding
# policy, service names), plus "same", a Location with
# the same directives as the base.  Each pair is crossed:
#   - by keep-alive: two requests at the first Location, then one at the
#     partner on the same connection and nonce;
#   - by subrequest (DirectoryIndex, mod_include virtual) and internal
#     redirect (ErrorDocument, a per-directory RewriteRule);
#   - by HTTP/2 streams of one connection (Node's http2 client).
# Every crossing must be verified from scratch: the partner's store and
# policy decide, and the error_log's debug lines say which path was taken
# (SD00508: the connection's context; SD00509: the request's result of the
# same scope; SD00510: from scratch).  A count first used where
# AuthDigestNcCheck is Off is recorded where it is On, so a replay there is
# refused.  The h2c record of a connection stays one request's worth
# however many Upgrade requests it carries.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use FindBin;
use lib "$FindBin::Bin/farm";
use lib "$FindBin::Bin/clients";
use Digest::MD5 qw(md5_hex);
use Fcntl qw(O_RDWR O_CREAT);
use Time::HiRes qw(sleep time);

use DigestRaw ();
use SDInterop qw(run_cmd);
use SDClient ();
use SDTest qw(base_url);

plan tests => 113, need need_lwp, need_module('mod_auth_sspidigest'),
    need_module('mod_include'), need_module('mod_rewrite');

my ($port) = base_url() =~ /:(\d+)\z/;
my $dbd_port = Apache::Test::vars('scope_dbd_port');
my $h2_port = eval { Apache::Test::vars('scope_h2_port') };
my $ka_port = Apache::Test::vars('scope_keepalive_port');
my $logs = Apache::Test::vars('t_logs');
my ($USER, $PASS) = ('alice', 'alice-pw');

# ---- stores written before the first request to them ---------------------
{
    require SDBM_File;
    my %h;
    tie %h, 'SDBM_File', "$logs/scope-sdbm", O_RDWR | O_CREAT, 0644
        or die "scope-sdbm: $!";
    %h = ('bob:scope' => md5_hex('bob:scope:bob-pw'));
    untie %h;
    chomp(my $sqlite3 = `command -v sqlite3 2>/dev/null` // '');
    die "sqlite3 is needed\n" if $sqlite3 eq '';
    unlink "$logs/scope.sqlite";
    open my $cli, '|-', $sqlite3, "$logs/scope.sqlite" or die "sqlite3: $!";
    printf $cli "CREATE TABLE users (user TEXT, realm TEXT, hash TEXT);\n"
        . "INSERT INTO users VALUES ('alice', 'scope', '%s');\n",
        md5_hex("alice:scope:$PASS");
    close $cli or die "sqlite3 failed: $?";
}

# ---- helpers -----------------------------------------------------------------
# Lines of the error_log since $pos matching $re (about client port
# $cport when given): waits up to 5 s for $n of them.
sub wait_lines
{
    my ($pos, $re, $n, $cport) = @_;
    my $until = time + 5;
    my @m;
    while (time < $until) {
        @m = grep { !defined $cport || /\[client 127\.0\.0\.1:$cport\]/ }
            SDClient::log_since($pos, $re);
        last if @m >= $n;
        sleep 0.05;
    }
    return @m;
}

sub page { return "/scope/$_[0]/page.txt" }

sub challenge_for
{
    my ($path, $p) = @_;
    my ($res, $ch) = DigestRaw::challenge($p // $port, $path);
    die "no challenge at $path ($res->{code})\n" unless $ch;
    return $ch;
}

sub authz
{
    my ($ch, $nc, $path, $pass) = @_;
    return DigestRaw::authorization(user => $USER, password => $pass // $PASS,
        challenge => $ch, uri => $path, nc => $nc);
}

# One request on an open connection.
sub on_conn
{
    my ($s, $path, $auth, $p) = @_;
    DigestRaw::send_text($s, DigestRaw::request_text(port => $p // $port,
        path => $path, auth => $auth));
    return DigestRaw::read_response($s);
}

# ---- keep-alive -----------------------------------------------------------
# Two requests at $from (the second takes the connection's short cut),
# then one at $to with the next count.  Returns the third response and how
# many requests of the connection took the short cut.
sub keepalive_cross
{
    my ($from, $to, %o) = @_;
    my $p = $o{port} // $port;
    my $ch = challenge_for(page($from), $p);
    my $s = DigestRaw::connect_to($p);
    my $cport = $s->sockport;
    my $pos = SDClient::log_mark();
    my @codes = map { on_conn($s, page($from), authz($ch, $_, page($from)), $p)
        ->{code} } 1, 2;
    sleep($o{wait}) if $o{wait};
    my $auth = authz($ch, 3, page($to));
    my $res = on_conn($s, page($to), $auth, $p);
    close $s;
    my @fast = wait_lines($pos, qr/SD00508/, $o{fast} // 1, $cport);
    return ($res, scalar(@fast), "@codes", $auth);
}

my %kept = (
    same => [200, 2], userfile => [401, 1], password => [401, 1],
    dbm => [401, 1], algorithm => [401, 1], qop => [401, 1],
    userhash => [200, 1], domain => [200, 1], maxbody => [200, 1],
    cbproxy => [401, 1], service => [200, 1],
);
for my $to (sort keys %kept) {
    my ($code, $fast) = @{ $kept{$to} };
    my ($res, $n, $first) = keepalive_cross('base', $to, fast => $fast);
    is($first, '200 200', "keep-alive base -> $to: the base logs in twice");
    is($res->{code}, $code, "keep-alive base -> $to: $code");
    is($n, $fast, $fast == 2 ? "keep-alive base -> $to: same scope, short cut taken"
                             : "keep-alive base -> $to: verified from scratch");
    unlike($res->{body}, qr/scope $to page/, "keep-alive base -> $to: no partner page")
        if $code != 200;
}
{
    my ($res, $n) = keepalive_cross('base', 'lifetime', wait => 2.1);
    ok($res->{code} == 401 && DigestRaw::is_stale($res),
        'keep-alive base -> lifetime 1 s, 2 s later: 401 stale=true');
    is($n, 1, 'keep-alive base -> lifetime: verified from scratch');
}
{
    my ($res, $n) = keepalive_cross('aliasbase', 'alias');
    is($res->{code}, 401, 'keep-alive alias a -> alias b (no alice): 401');
    is($n, 1, 'keep-alive alias a -> alias b: verified from scratch');
}
{
    my ($res, $n) = keepalive_cross('dbdbase', 'dbd', port => $dbd_port);
    is($res->{code}, 401, 'keep-alive dbd query -> another query (no alice): 401');
    is($n, 1, 'keep-alive dbd -> dbd: verified from scratch');
}
# AuthDigestNcCheck Off, then On: the count is recorded where it is On.
{
    my ($res, $n, $first, $auth) = keepalive_cross('ncoff', 'base');
    is($res->{code}, 200, 'keep-alive ncoff -> base: 200');
    is($n, 1, 'keep-alive ncoff -> base: verified from scratch');
    my $again = DigestRaw::request($port, path => page('base'), auth => $auth);
    is($again->{code}, 401, 'that request replayed on a new connection: 401');
    ok(!DigestRaw::is_stale($again), '... as a replay');
}

# ---- subrequests and internal redirects -----------------------------------
# From the base into a partner: DirectoryIndex, mod_include virtual,
# ErrorDocument, RewriteRule.  Returns the response and the debug lines.
sub cross_by
{
    my ($how, $to) = @_;
    my %path = (di => "/scope/base/di/$to/", inc => "/scope/base/inc-$to.shtml",
        ed => "/scope/base/ed/$to/missing", rw => "/scope/base/rw/$to");
    my $path = $path{$how};
    my $ch = challenge_for($path);
    my $pos = SDClient::log_mark();
    my $res = DigestRaw::request($port, path => $path, auth => authz($ch, 1, $path));
    my @lines = grep { /SD0050[89]|SD00510/ } wait_lines($pos, qr/SD0050[89]|SD00510/, 1);
    return ($res, "@lines");
}

my %sub = (same => 1, userfile => 0, password => 0, dbm => 0,
    algorithm => 0, qop => 0, ncoff => 1, userhash => 1, domain => 1);
for my $to (sort keys %sub) {
    for my $how (qw(di inc ed rw)) {
        my ($res, $lines) = cross_by($how, $to);
        my $shown = $res->{body} =~ /scope $to page/ ? 1 : 0;
        is($shown, $sub{$to}, "$how into $to: partner page "
            . ($sub{$to} ? 'served' : 'not served') . " (status $res->{code})");
        if ($to eq 'same') {
            like($lines, qr/SD00509/, "$how into same: the request's result reused");
        }
        elsif ($how eq 'di' || $how eq 'rw') {
            like($lines, qr/SD00510/, "$how into $to: verified from scratch");
        }
    }
}
# A count the request (NcCheck Off) did not record is recorded by its
# subrequest into the base: the request replayed does not get the base page.
{
    my $path = '/scope/ncoff/di/';
    my $ch = challenge_for($path);
    my $auth = authz($ch, 1, $path);
    my $res = DigestRaw::request($port, path => $path, auth => $auth);
    like($res->{body}, qr/scope base page/, 'ncoff -> base by DirectoryIndex: served');
    $res = DigestRaw::request($port, path => $path, auth => $auth);
    unlike($res->{body}, qr/scope base page/,
        'that request replayed: the base page is not served again');
}

# ---- HTTP/2 streams of one connection -----------------------------------
my $node = (grep { -x "$_/node" } split /:/, $ENV{PATH} // '')[0];
SKIP: {
    skip 'no node or no mod_http2', 4 unless $node && $h2_port;
    my $client = Apache::Test::vars('t_dir') . '/clients/h2_digest.js';
    for my $to (qw(base userfile)) {
        my $r = run_cmd({ timeout => 60 }, "$node/node", $client,
            "http://127.0.0.1:$h2_port" . page('base'), $USER, $PASS,
            '--seq', 2, '--cross', page($to));
        is($r->{rc}, 0, "h2: two streams at the base: 200")
            or diag("$r->{out}$r->{err}");
        my ($cross) = $r->{out} =~ /^cross 1 (\S+)/m;
        is($cross // '', $to eq 'base' ? '200' : '401',
            "h2: a third stream to $to on the same connection: "
            . ($to eq 'base' ? 200 : 401));
    }
}

# ---- the h2c record of a connection stays bounded ----------------------------
# 2,000 requests on one connection, each an h2c Upgrade candidate (this
# virtual host speaks no h2c, so none is upgraded, and it allows any number
# of requests per connection): the serving child's memory must not grow
# with them.
sub rss_kb
{
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/status" or return undef;
    while (<$fh>) {
        return $1 if /^VmRSS:\s+(\d+)/;
    }
    return undef;
}

sub pid_of_last
{
    my ($path) = @_;
    my $until = time + 5;
    while (time < $until) {
        if (open my $fh, '<', "$logs/scope_pids.log") {
            my $pid;
            while (<$fh>) { $pid = $1 if /^(\d+) \d+ GET \Q$path\E / }
            return $pid if $pid;
        }
        sleep 0.05;
    }
    return undef;
}

{
    my $path = '/scope/base/page.txt?upgrade';
    my $ch = challenge_for($path, $ka_port);
    my $s = DigestRaw::connect_to($ka_port);
    my @up = (['Upgrade', 'h2c'], ['HTTP2-Settings', 'AAMAAABkAARAAAAAAAIAAAAA'],
        ['Connection', 'Upgrade, HTTP2-Settings']);
    # an unknown parameter makes each Authorization 6 kB, as a client may
    my $pad = ', x-pad="' . ('p' x 6000) . '"';
    my ($ok, $before, $pid) = (0, undef, undef);
    for my $nc (1 .. 2000) {
        DigestRaw::send_text($s, DigestRaw::request_text(port => $ka_port,
            path => $path, auth => authz($ch, $nc, $path) . $pad,
            headers => \@up));
        $ok++ if DigestRaw::read_response($s)->{code} == 200;
        if ($nc == 200) {
            $pid = pid_of_last($path);
            $before = rss_kb($pid) if $pid;
        }
    }
    my $after = $pid ? rss_kb($pid) : undef;
    close $s;
    is($ok, 2000, 'h2c Upgrade candidates: 2000 requests on one connection, all 200');
    diag('serving child RSS ' . ($before // '?') . ' kB -> '
        . ($after // '?') . ' kB');
    ok(defined $before && defined $after && $after - $before < 2048,
        'the serving child grew less than 2 MB over the last 1800 (11 MB of '
        . 'Authorization)')
}
