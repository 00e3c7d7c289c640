# Replay protection on one server (issue 5), with the default replay store
# (the shared-memory table) and the nonce secret kept in httpd's retained
# data.  Each accepted nonce count must be refused the second time:
#   - on the same keep-alive connection, on a new connection, and in
#     another child process (proved from %P in a CustomLog), both ways:
#     also a count accepted elsewhere, replayed on a connection whose
#     context is established (the CompleteAuthToken short-cut);
#   - concurrent requests with one nonce and distinct counts are all
#     accepted, and each count replayed is refused;
#   - a graceful restart (SIGUSR1) keeps an issued nonce valid and its used
#     counts refused;
#   - in a small table (AuthDigestShmemSize 64K in the replay_evict virtual
#     host), many nonces evict records: the evicted nonces are answered
#     stale=true, and no replay ever gets a 200.
# Run it under prefork too (scripts/run-apache-test --mpm prefork): there
# every connection has its own process.  Config: t/conf/replay.conf.in.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use FindBin;
use lib "$FindBin::Bin/farm";
use Time::HiRes qw(sleep time);

use DigestRaw ();
use SDTest qw(base_url);

plan tests => 31, need need_lwp, need_module('mod_auth_sspidigest');

my ($port) = base_url() =~ /:(\d+)\z/;
my $evict_port = Apache::Test::vars('replay_evict_port');
my $logs = Apache::Test::vars('t_logs');
my $PATH = '/replay/index.html';
my $tag_seq = 0;

sub authz
{
    my ($ch, $nc, $uri) = @_;
    return DigestRaw::authorization(user => 'alice', password => 'secret',
        challenge => $ch, uri => $uri // $PATH, nc => $nc);
}

sub nonce_from
{
    my ($p, $path) = @_;
    my ($res, $ch) = DigestRaw::challenge($p // $port, $path // $PATH);
    return $res->{code} == 401 ? $ch : undef;
}

# One request on an open connection, tagged for the pid log.  Returns the
# response and the tag.
sub on_conn
{
    my ($s, $auth, %o) = @_;
    my $tag = 't' . ++$tag_seq . "-$$";
    DigestRaw::send_text($s, DigestRaw::request_text(port => $o{port} // $port,
        path => $o{path} // $PATH, auth => $auth, close => $o{close},
        headers => [['X-Replay-Tag', $tag]]));
    return (DigestRaw::read_response($s), $tag);
}

sub once
{
    my ($auth, %o) = @_;
    my $s = DigestRaw::connect_to($o{port} // $port);
    my ($res, $tag) = on_conn($s, $auth, %o, close => 1);
    close $s;
    return wantarray ? ($res, $tag) : $res;
}

# The pid that answered the request tagged $tag (waits for the log line).
sub pid_of
{
    my ($tag) = @_;
    my $until = time + 5;
    while (time < $until) {
        if (open my $fh, '<', "$logs/replay_pids.log") {
            while (<$fh>) {
                return $1 if /^(\d+) \d+ \Q$tag\E$/;
            }
        }
        sleep 0.02;
    }
    return undef;
}

# ---- same connection, new connection -------------------------------------
my $ch = nonce_from();
ok($ch && $ch->{nonce}, 'a challenge with a nonce');
my $a1 = authz($ch, 1);
my $conn = DigestRaw::connect_to($port);
my ($res, $tag_a) = on_conn($conn, $a1);
is($res->{code}, 200, 'nc=1 accepted');
($res) = on_conn($conn, $a1);
is($res->{code}, 401, 'nc=1 replayed on the same connection: 401');
ok(!DigestRaw::is_stale($res), '... as a replay (no stale=true)');
($res) = on_conn($conn, authz($ch, 2));
is($res->{code}, 200, 'nc=2 on the same connection: 200');
is(once($a1)->{code}, 401, 'nc=1 replayed on a new connection: 401');
is(once(authz($ch, 2))->{code}, 401, 'nc=2 replayed on a new connection: 401');

# ---- another child process ---------------------------------------------------
# $conn stays open, so under prefork its child is busy and every new
# connection goes to another one.  Under event, try a few connections.
($res, my $tag_c) = on_conn($conn, authz($ch, 3));
is($res->{code}, 200, 'nc=3 accepted on the held connection');
my $pid_a = pid_of($tag_c);
my ($other, $pid_b, $tag_b);
my @held;
for (1 .. 40) {
    my $s = DigestRaw::connect_to($port);
    my ($r, $t) = on_conn($s, undef);
    my $pid = pid_of($t);
    if ($r->{code} == 401 && defined $pid && defined $pid_a && $pid != $pid_a) {
        ($other, $pid_b) = ($s, $pid);
        last;
    }
    push @held, $s; # kept open, so the next one goes elsewhere
}
SKIP: {
    skip 'no second process answered (event MPM with one process?)', 6
        unless $other;
    ($res, $tag_b) = on_conn($other, authz($ch, 3));
    is($res->{code}, 401, 'nc=3 replayed in another child process: 401');
    ok(!DigestRaw::is_stale($res), '... as a replay');
    my $pid_replay = pid_of($tag_b);
    ok(defined $pid_replay && $pid_replay != $pid_a,
        "the replay was answered by pid $pid_replay, the acceptance by "
        . "pid $pid_a");
    ($res, $tag_b) = on_conn($other, authz($ch, 4));
    is($res->{code}, 200, 'nc=4 accepted in the other process');
    # The held connection's context is established on this nonce, so this
    # goes through CompleteAuthToken in the first process.
    ($res, my $tag_back) = on_conn($conn, authz($ch, 4));
    is($res->{code}, 401, 'nc=4 replayed on the held connection of the first '
        . 'process (its context short-cut): 401');
    is(pid_of($tag_back), $pid_a, '... answered by the first process');
}
close $_ for $conn, @held;
close $other if $other;

# ---- concurrent counts -------------------------------------------------
{
    my $cc = nonce_from();
    my @nc = (17, 11, 14, 12, 18, 13, 16, 15); # out of order on purpose
    my @socks = map { DigestRaw::connect_to($port) } @nc;
    for my $i (0 .. $#nc) {
        DigestRaw::send_text($socks[$i], DigestRaw::request_text(port => $port,
            path => $PATH, auth => authz($cc, $nc[$i]), close => 1));
    }
    my @codes = map { DigestRaw::read_response($_)->{code} } @socks;
    close $_ for @socks;
    is("@codes", join(' ', ('200') x @nc),
        scalar(@nc) . ' concurrent requests, one nonce, distinct counts: '
        . 'all 200');
    @socks = map { DigestRaw::connect_to($port) } @nc;
    for my $i (0 .. $#nc) {
        DigestRaw::send_text($socks[$i], DigestRaw::request_text(port => $port,
            path => $PATH, auth => authz($cc, $nc[$i]), close => 1));
    }
    @codes = map { DigestRaw::read_response($_)->{code} } @socks;
    close $_ for @socks;
    is("@codes", join(' ', ('401') x @nc),
        'each of those counts replayed, concurrently: all 401');
    is(once(authz($cc, 10))->{code}, 200,
        'a lower count not used yet (out of order): 200');
}

# ---- graceful restart ------------------------------------------------------
{
    my $gc = nonce_from();
    is(once(authz($gc, 1))->{code}, 200, 'before the restart: nc=1 accepted');
    my $errlog = "$logs/error_log";
    my $count = sub {
        open my $fh, '<', $errlog or return 0;
        my $n = 0;
        while (<$fh>) { $n++ if /resuming normal operations/ }
        return $n;
    };
    my $before = $count->();
    open my $pf, '<', "$logs/httpd.pid" or die "httpd.pid: $!";
    chomp(my $httpd_pid = <$pf>);
    ok(kill('USR1', $httpd_pid), "SIGUSR1 sent to httpd (pid $httpd_pid)");
    my $until = time + 20;
    sleep 0.05 while time < $until && $count->() <= $before;
    ok($count->() > $before, 'a new generation is running');
    my ($r, $t) = once(authz($gc, 1));
    is($r->{code}, 401, 'after the restart: the used count is still refused');
    ok(!DigestRaw::is_stale($r), '... as a replay (its record was kept)');
    is(once(authz($gc, 2))->{code}, 200,
        'after the restart: the nonce issued before it is still valid');
}

# ---- eviction in a small table ---------------------------------------------
SKIP: {
    skip 'no replay_evict virtual host', 8 unless $evict_port;
    my $path = '/evict/index.html';
    my $first = nonce_from($evict_port, $path);
    my $first_auth = authz($first, 1, $path);
    is(once($first_auth, port => $evict_port, path => $path)->{code}, 200,
        'small table: a first nonce is accepted');
    # 64K holds about 830 records: 1100 more nonces, one count each.
    my (%first_use, @used);
    my $s;
    # A request on a keep-alive connection to the virtual host, reopened
    # when the server closes it (MaxKeepAliveRequests).
    my $ev = sub {
        my ($auth) = @_;
        $s //= DigestRaw::connect_to($evict_port);
        my ($r) = on_conn($s, $auth, port => $evict_port, path => $path);
        if (lc(DigestRaw::header($r, 'Connection') // '') eq 'close') {
            close $s;
            undef $s;
        }
        return $r;
    };
    for (1 .. 1100) {
        my $c = DigestRaw::parse_challenge(
            DigestRaw::header($ev->(undef), 'WWW-Authenticate'));
        my $auth = authz($c, 1, $path);
        my $r = $ev->($auth);
        my $k = $r->{code} . (DigestRaw::is_stale($r) ? ' stale' : '');
        $first_use{$k}++;
        push @used, $auth if $r->{code} == 200;
    }
    diag('small table, first use of 1100 nonces: '
        . join(', ', map { "$_ x$first_use{$_}" } sort keys %first_use));
    is(($first_use{200} // 0) + ($first_use{'401 stale'} // 0), 1100,
        'small table: each new nonce is accepted, or answered stale once '
        . 'its bucket had to evict');
    my %replay;
    for my $auth (@used) {
        my $r = $ev->($auth);
        $replay{ $r->{code} . (DigestRaw::is_stale($r) ? ' stale' : '') }++;
    }
    close $s if $s;
    diag('small table, replays of the ' . scalar(@used) . ' accepted: '
        . join(', ', map { "$_ x$replay{$_}" } sort keys %replay));
    ok(!$replay{200}, 'small table: no replay gets a 200');
    ok(($replay{'401 stale'} // 0) > 0,
        'small table: evicted nonces are answered stale=true');
    is(($replay{401} // 0) + ($replay{'401 stale'} // 0), scalar @used,
        'small table: every replay is a 401');
    # The first nonce is the oldest: evicted unless its bucket never
    # filled up (about one run in seven).
    my $r = once($first_auth, port => $evict_port, path => $path);
    is($r->{code}, 401, 'small table: the first nonce replayed: 401');
    my $evicted = DigestRaw::is_stale($r);
    $r = once(authz($first, 2, $path), port => $evict_port, path => $path);
    ok($evicted ? $r->{code} == 401 && DigestRaw::is_stale($r)
                : $r->{code} == 200,
        'small table: the first nonce with a fresh count: 401 stale=true '
        . 'when its record was evicted (never accepted again), else 200 ('
        . ($evicted ? 'evicted' : 'still tracked') . ')');
    # The rest of the suite has a table of its own.
    my $mc = nonce_from();
    is(once(authz($mc, 1))->{code}, 200,
        'the main server\'s table is untouched: a new nonce there works');
}
