package FarmSuite;
# The two-server test of a shared replay store, run by t/farm/redis.pl and
# t/farm/memcache.pl with their store.  Two httpd instances (A and B) share
# an AuthDigestNonceSecret file and the store:
#   - a nonce from A is accepted by B;
#   - a request accepted by A and replayed to B (or to A) is refused, also
#     when A accepted it on a keep-alive connection (context short-cut);
#   - the same (nonce, nc) released at the same moment to both servers,
#     a few hundred times, never gets two 200s;
#   - with the store stopped: 503 and never a 200 (replays and fresh
#     counts), and the outage logged once per process, not per request;
#   - with the store back (empty): logins work again (seconds to recover
#     measured), and a count used before the outage is still refused;
#     an auth-int POST with a nonce from before gets stale=true, not a
#     replay's plain 401;
#   - secret rotation: B with `AuthDigestNonceSecret NEW OLD` accepts A's
#     nonces, A refuses B's new ones;
#   - A's /server-status?auto counts what A answered (accepted, replays,
#     503s while the store is down, stale after it came back empty), says
#     when the store last could not be used, and what the store says of
#     itself (-1 while it is down).
# The backend hash: name, spec (the AuthDigestNonceCache value), start,
# stop, restart (code refs), and optional extra (code ref run at the end
# with A and B).
use strict;
use warnings FATAL => 'all';

use Time::HiRes qw(sleep time);

use DigestRaw ();
use FarmLib qw();
use StatusPage ();

my $PATH = '/farm/index.html';
my $INT_PATH = '/farm/int/index.html'; # AuthDigestQop auth-int
my %figures = (replays_refused => 0, replays_sent => 0, replays_503 => 0,
    replays_accepted => 0, down_503 => 0, down_requests => 0);

sub ok { return FarmLib::ok(@_) }
sub is_eq { return FarmLib::is_eq(@_) }
sub diag { return FarmLib::diag(@_) }

# A fresh nonce from the server on $port (undef when it sent none); $host
# names a virtual host (default 127.0.0.1).
sub nonce_from { return DigestRaw::nonce_from($_[0], $PATH, $_[1]) }

sub authz
{
    my ($ch, $nc) = @_;
    return DigestRaw::authorization(user => 'alice', password => 'farm pw',
        challenge => $ch, uri => $PATH, nc => $nc);
}

sub send_auth
{
    my ($port, $auth, $host) = @_;
    return DigestRaw::request($port, path => $PATH, auth => $auth,
        host => $host);
}

# Sends a request that was accepted before; counts it for the figures.
sub replay
{
    my ($port, $auth) = @_;
    my $res = send_auth($port, $auth);
    $figures{replays_sent}++;
    $figures{replays_refused}++ if $res->{code} == 401;
    $figures{replays_503}++ if $res->{code} == 503;
    $figures{replays_accepted}++ if $res->{code} == 200;
    return $res;
}

# A full login on $port: a challenge, then its answer.  The response.
sub login
{
    my ($port) = @_;
    my $ch = nonce_from($port) or return { code => 0 };
    return send_auth($port, authz($ch, 1));
}

# ---- the steps ---------------------------------------------------------

sub across_servers
{
    my ($A, $B) = @_;
    my ($pa, $pb) = ($A->{port}, $B->{port});
    my $ch = nonce_from($pa);
    ok(defined $ch && length($ch->{nonce} // ''), 'A issues a Digest challenge')
        or return;
    my $res = send_auth($pb, authz($ch, 1));
    is_eq($res->{code}, 200, 'a nonce minted by A is accepted by B');
    like_body($res, 'B serves the page');

    my $a2 = authz($ch, 2);
    is_eq(send_auth($pa, $a2)->{code}, 200, 'A accepts nc=2 of that nonce');
    $res = replay($pb, $a2);
    is_eq($res->{code}, 401, 'the request accepted by A, replayed to B: 401');
    ok(!DigestRaw::is_stale($res), '... as a replay, not stale');
    is_eq(replay($pa, $a2)->{code}, 401,
        'replayed to A on a new connection: 401');
    is_eq(replay($pb, authz($ch, 1))->{code}, 401,
        'the request accepted by B, replayed to B: 401');

    # On one keep-alive connection A verifies nc=4 through the context
    # of nc=3 (CompleteAuthToken); the count must still reach the store.
    my $s = DigestRaw::connect_to($pa);
    my @codes;
    for my $nc (3, 4) {
        DigestRaw::send_text($s, DigestRaw::request_text(port => $pa,
            path => $PATH, auth => authz($ch, $nc)));
        push @codes, DigestRaw::read_response($s)->{code};
    }
    is_eq("@codes", '200 200', 'A accepts nc=3 and nc=4 on one connection');
    my $a4 = authz($ch, 4);
    is_eq(replay($pb, $a4)->{code}, 401,
        'nc=4 (accepted through the connection context) replayed to B: 401');
    DigestRaw::send_text($s, DigestRaw::request_text(port => $pa,
        path => $PATH, auth => $a4));
    is_eq(DigestRaw::read_response($s)->{code}, 401,
        'nc=4 replayed on the same connection to A: 401');
    close $s;
}

sub like_body
{
    my ($res, $name) = @_;
    ok(scalar(($res->{body} // '') =~ /farm page/), $name);
}

# The same (nonce, nc) released at the same moment to A and B, in batches
# of pairs in flight together.
sub race
{
    my ($A, $B, $rounds) = @_;
    my ($pa, $pb) = ($A->{port}, $B->{port});
    my %pairs = (two => 0, one => 0, none => 0);
    my %won = (A => 0, B => 0);
    my %other;
    my $batch = 4;
    my ($ch, $nc) = (undef, 0);
    for (my $round = 0; $round < $rounds; $round += $batch) {
        if ($nc == 0 || $nc >= 100) {
            $ch = nonce_from($round % 200 ? $pb : $pa) or last;
            $nc = 0;
        }
        my @pairs;
        for my $k (0 .. $batch - 1) {
            my $auth = authz($ch, ++$nc);
            my @pair;
            for my $port ($pa, $pb) {
                my $s = DigestRaw::connect_to($port);
                my $text = DigestRaw::request_text(port => $port,
                    path => $PATH, auth => $auth, close => 1);
                DigestRaw::send_text($s, substr($text, 0, -1));
                push @pair, $s;
            }
            push @pairs, \@pair;
        }
        # Both servers now wait for the last octet of each request.
        for my $i (0 .. $#pairs) {
            my @order = ($round / $batch + $i) % 2 ? (1, 0) : (0, 1);
            syswrite($pairs[$i][$_], "\n") for @order;
        }
        for my $pair (@pairs) {
            my @codes = map { DigestRaw::read_response($_)->{code} } @$pair;
            close $_ for @$pair;
            my $n200 = grep { $_ == 200 } @codes;
            $pairs{ (qw(none one two))[$n200] }++;
            $won{A}++ if $n200 == 1 && $codes[0] == 200;
            $won{B}++ if $n200 == 1 && $codes[1] == 200;
            $other{$_}++ for grep { $_ != 200 && $_ != 401 } @codes;
            $figures{replays_sent}++;
            $figures{replays_refused}++ if $n200 == 1;
            $figures{replays_accepted}++ if $n200 == 2;
        }
    }
    my $total = $pairs{two} + $pairs{one} + $pairs{none};
    diag("race: $total pairs; one 200: $pairs{one}, two 200s: $pairs{two}, "
        . "no 200: $pairs{none}; won by A: $won{A}, by B: $won{B}"
        . (%other ? '; other codes: '
            . join(' ', map { "$_ x$other{$_}" } sort keys %other) : ''));
    is_eq($total, $rounds, "race: $rounds pairs sent");
    is_eq($pairs{two}, 0, 'race: the same (nonce, nc) never got two 200s');
    is_eq($pairs{one}, $total, 'race: each pair got exactly one 200');
    ok($won{A} > 0 && $won{B} > 0, 'race: both servers won some pairs');
}

# The store outage lines (SD00408) of a server: at least one, and at most
# one per process and store server (the run lasts less than a minute),
# however many requests got 503.
sub outage_lines_ok
{
    my ($p, $name) = @_;
    my @lines = FarmLib::log_lines($p, qr/SD00408/);
    my %per;
    for (@lines) {
        my ($pid) = /\[pid (\d+)/;
        my ($store) = /nonce cache (\S+ \S+) cannot/;
        $per{ ($pid // '?') . ' ' . ($store // '?') }++;
    }
    my $n503 = () = FarmLib::slurp("$p->{dir}/access_log") =~ /^\d+ 503 /mg;
    diag("$name: $n503 answers 503, " . scalar(@lines) . ' outage log lines ('
        . join(', ', map { "$_ x$per{$_}" } sort keys %per) . ')');
    ok(@lines >= 1 && !grep({ $_ > 1 } values %per) && @lines < $n503,
        "$name logged the outage once per process and store, not per "
        . 'request');
}

# The store's line on the status page of server $p (a hash of its keys).
sub figures
{
    my ($p, $be) = @_;
    return StatusPage::store($p->{port}, $be->{spec}) // {};
}

# How each counted figure moved between two readings.
sub moved
{
    my ($from, $to) = @_;
    return join ' ', map { "$_=" . (($to->{$_} // 0) - ($from->{$_} // 0)) }
        qw(Accepted Replays Stale Unavailable);
}

sub outage
{
    my ($A, $B, $be) = @_;
    my ($pa, $pb) = ($A->{port}, $B->{port});
    my $f0 = figures($A, $be);
    is_eq($f0->{Type}, $be->{name}, "A's status page lists the store "
        . "'$be->{spec}' as $be->{name}");
    my $ch = nonce_from($pa);
    my $ch_int = DigestRaw::nonce_from($pa, $INT_PATH);
    my $before = authz($ch, 1);
    is_eq(send_auth($pa, $before)->{code}, 200,
        'before the outage: A accepts a request');
    my $before_b = authz($ch, 2);
    is_eq(send_auth($pb, $before_b)->{code}, 200,
        'before the outage: B accepts the next count');
    is_eq(send_auth($pa, $before_b)->{code}, 401,
        "before the outage: B's request replayed to A: 401");
    my $f1 = figures($A, $be);
    is_eq(moved($f0, $f1), 'Accepted=1 Replays=1 Stale=0 Unavailable=0',
        "A's status page: one accepted, one replay (B's count is B's)");
    ok($f1->{Size} > 0 && $f1->{LiveRecords} > 0 && $f1->{Evictions} == 0,
        "... and what $be->{name} says of itself: $f1->{Size} octets, "
        . "$f1->{LiveRecords} keys, $f1->{Evictions} evictions");

    my $t_stop = int(time);
    $be->{stop}->();
    my %replay;
    for (1 .. 5) {
        for my $port ($pa, $pb) {
            my $res = replay($port, $before);
            $replay{ $res->{code} }++;
            $figures{down_requests}++;
            $figures{down_503}++ if $res->{code} == 503;
        }
    }
    ok(!$replay{200}, "$be->{name} down: a replay is never accepted");
    is_eq(join(' ', map { "$_ x$replay{$_}" } sort keys %replay), '503 x10',
        "$be->{name} down: replays get 503");
    my %fresh;
    my $nc = 10;
    for (1 .. 10) {
        for my $port ($pa, $pb) {
            my $res = send_auth($port, authz($ch, ++$nc));
            $fresh{ $res->{code} }++;
            $figures{down_requests}++;
            $figures{down_503}++ if $res->{code} == 503;
        }
        my $res = login($_ % 2 ? $pa : $pb);
        $fresh{ $res->{code} }++;
        $figures{down_requests}++;
        $figures{down_503}++ if $res->{code} == 503;
    }
    ok(!$fresh{200}, "$be->{name} down: nothing is accepted unchecked");
    is_eq(join(' ', map { "$_ x$fresh{$_}" } sort keys %fresh), '503 x30',
        "$be->{name} down: fresh counts and new logins get 503");
    # A answered 5 replays, 10 fresh counts and 5 logins with 503.
    my $f2 = figures($A, $be);
    is_eq(moved($f1, $f2), 'Accepted=0 Replays=0 Stale=0 Unavailable=20',
        "A's status page: its 20 answers 503 while $be->{name} was down");
    ok($f2->{LastOutage} >= $t_stop && $f2->{LastOutage} <= time + 1,
        "... the last outage at $f2->{LastOutage} (stopped at $t_stop)");
    is_eq("$f2->{Size} $f2->{LiveRecords} $f2->{Evictions}", '-1 -1 -1',
        "... and nothing of what $be->{name} says of itself (-1)");
    outage_lines_ok($A, 'A');
    outage_lines_ok($B, 'B');

    # Back, empty (no persistence): logins work again by themselves.  A
    # client retries after a 503 and follows stale=true with a new nonce.
    my $t0 = time;
    $be->{restart}->();
    my $t_up = time;
    my %took;
    my %from_a;
    for my $srv (['A', $pa], ['B', $pb]) {
        my ($name, $port) = @$srv;
        my %seen;
        my $ok_at;
        while (time < $t_up + 20) {
            my $res = login($port);
            $seen{ $res->{code} . (DigestRaw::is_stale($res) ? ' stale' : '') }++;
            if ($res->{code} == 503) {
                $figures{down_503}++;
                $figures{down_requests}++;
            }
            if ($res->{code} == 200) {
                $ok_at = time;
                last;
            }
            sleep 0.02;
        }
        $took{$name} = defined $ok_at ? sprintf('%.2f', $ok_at - $t_up)
                                      : 'never';
        %from_a = %seen if $name eq 'A';
        diag("$be->{name} restarted in " . sprintf('%.2f', $t_up - $t0)
            . " s; $name logs in again $took{$name} s after that; its "
            . 'answers meanwhile: '
            . join(' ', map { "$_ x$seen{$_}" } sort keys %seen));
        ok(defined $ok_at, "$be->{name} back: $name logs in again "
            . "($took{$name} s)");
    }
    $figures{recover} = $took{A};
    # Another child of A may have failed to connect in the last 250 ms
    # and still be waiting before it tries again (503: never accepted);
    # the store's answer is what this checks.
    my $res;
    my $until = time + 3;
    while (1) {
        $res = replay($pa, $before);
        last if $res->{code} != 503 || time > $until;
        $from_a{503}++;
        sleep 0.05;
    }
    ok($res->{code} == 401,
        "$be->{name} back empty: a count A accepted before the outage is "
        . 'still refused');
    ok(DigestRaw::is_stale($res), '... with stale=true (the store lost its '
        . 'records: the nonce is older than its epoch)');
    # A's answers since the restart: its logins until one worked (503s
    # and stale ones, then a 200), and that stale replay.
    my $f3 = figures($A, $be);
    my $n503 = $from_a{503} // 0;
    my $nstale = ($from_a{'401 stale'} // 0) + 1;
    is_eq(moved($f2, $f3),
        "Accepted=1 Replays=0 Stale=$nstale Unavailable=$n503",
        "A's status page after $be->{name} came back empty: the login, "
        . 'the stale answers, the 503s');
    is_eq(replay($pb, $before_b)->{code}, 401,
        "$be->{name} back empty: B's pre-outage count replayed to B: 401");
    stale_auth_int($pa, $ch_int, $be);
    ok(FarmLib::log_lines($A, qr/SD00409/) >= 1,
        'A logged that the store works again (SD00409)');
}

# An auth-int POST with a nonce minted before the store came back empty:
# the module asks the store while it verifies the body, then once more for
# the refusal's challenges.  The count the first ask wrote must not make
# the second a replay: stale=true, as for any other request.  (A child
# still waiting out its 250 ms after a failed connection answers 503
# without asking the store: then the request is sent again.)
sub stale_auth_int
{
    my ($pa, $ch, $be) = @_;
    my $res;
    my $until = time + 3;
    while (1) {
        $res = DigestRaw::request($pa, path => $INT_PATH, body => 'x=1',
            auth => DigestRaw::authorization(user => 'alice',
                password => 'farm pw', challenge => $ch, uri => $INT_PATH,
                nc => 1, method => 'POST', body => 'x=1'));
        last if $res->{code} != 503 || time > $until;
        sleep 0.05;
    }
    is_eq($res->{code}, 401, "$be->{name} back empty: an auth-int POST with "
        . 'a nonce minted before: 401');
    ok(DigestRaw::is_stale($res), '... with stale=true, not as a replay');
}

sub rotation
{
    my ($A, $B, $be, $cur, $new) = @_;
    my ($pa, $pb) = ($A->{port}, $B->{port});
    FarmLib::httpd_conf(dir => $B->{dir}, port => $pb, cache => $be->{spec},
        secrets => [$new, $cur]);
    ok(FarmLib::graceful($B), 'B restarted gracefully with '
        . 'AuthDigestNonceSecret NEW OLD');
    my $ch = nonce_from($pa);
    my $auth = authz($ch, 1);
    my $res = send_auth($pb, $auth);
    is_eq($res->{code}, 200, 'rotation: B accepts a nonce A minted under '
        . 'the old secret');
    is_eq(replay($pa, $auth)->{code}, 401, 'rotation: that request '
        . 'replayed to A: 401');
    my $chb = nonce_from($pb);
    is_eq(send_auth($pb, authz($chb, 1))->{code}, 200,
        'rotation: B accepts its own nonce under the new secret');
    $res = send_auth($pa, authz($chb, 2));
    is_eq($res->{code}, 401, 'rotation: A (old secret only) refuses a '
        . 'nonce minted under the new one');
    ok(!DigestRaw::is_stale($res), '... without stale=true');
    ok($chb->{nonce} ne $ch->{nonce}, 'rotation: B mints its own nonces');
}

# ---- the whole run -------------------------------------------------------

sub run
{
    my ($be) = @_;
    my $tmp = FarmLib::tmp();
    FarmLib::farm_files();
    my $cur = FarmLib::secret_file('secret-current');
    my $new = FarmLib::secret_file('secret-new');
    my $t0 = time;
    $be->{start}->();
    my ($pa, $pb) = (FarmLib::free_port(), FarmLib::free_port());
    FarmLib::httpd_conf(dir => "$tmp/A", port => $pa, cache => $be->{spec},
        secrets => [$cur]);
    FarmLib::httpd_conf(dir => "$tmp/B", port => $pb, cache => $be->{spec},
        secrets => [$cur]);
    my $A = FarmLib::start_httpd('A', "$tmp/A", $pa);
    my $B = FarmLib::start_httpd('B', "$tmp/B", $pb);
    ok(1, "$be->{name} and two httpd instances started (A on $pa, "
        . "B on $pb, " . FarmLib::mpm() . " MPM)");

    across_servers($A, $B);
    race($A, $B, 300);
    $be->{extra}->($A, $B) if $be->{extra};
    outage($A, $B, $be);
    rotation($A, $B, $be, $cur, $new);

    for my $p ($A, $B) {
        ok(!FarmLib::log_lines($p, qr/exit signal|Segmentation/),
            "no child of $p->{name} crashed");
    }
    is_eq($figures{replays_accepted}, 0, 'no replay was ever accepted');
    diag(sprintf('figures (%s): replays sent: %d (race losers included), '
        . 'refused as replays (401): %d, refused with 503 (store down): %d, '
        . 'accepted: %d; 503s while the store was down: %d of %d requests; '
        . 'seconds to recover: %s; run time %.1f s', $be->{name},
        $figures{replays_sent}, $figures{replays_refused},
        $figures{replays_503}, $figures{replays_accepted},
        $figures{down_503}, $figures{down_requests},
        $figures{recover} // 'n/a', time - $t0));
    FarmLib::stop_proc($A);
    FarmLib::stop_proc($B);
    return \%figures;
}

1;
