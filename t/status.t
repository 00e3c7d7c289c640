# The replay stores on mod_status's page (issue 14): /server-status?auto
# has "SspiDigestStore[i]Key: value" lines for every store, and the HTML
# page a table.  In the status_store virtual host (its own 65K table,
# t/conf/status.conf.in) every count is this file's, so the figures must
# move exactly: accepted counts, a replay, a nonce minted for another
# store (stale), live records, and, once enough nonces were used, an
# eviction.  Counting is checked against each request's answer.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/farm";

use DigestRaw ();
use SDTest qw(base_url);
use StatusPage ();

plan tests => 34, need need_module('mod_auth_sspidigest'),
    need_module('status');

my ($main_port) = base_url() =~ /:(\d+)\z/;
my $port = Apache::Test::vars('status_store_port');
my $NAME = 'shm ' . 65 * 1024; # AuthDigestShmemSize 65K
my $PATH = '/counted/index.html';

sub authz
{
    my ($ch, $nc, $uri) = @_;
    return DigestRaw::authorization(user => 'alice', password => 'secret',
        challenge => $ch, uri => $uri // $PATH, nc => $nc);
}

sub get { return DigestRaw::request($port, path => $PATH, auth => $_[0]) }

sub figures { return StatusPage::store($main_port, $NAME) }

# The difference of each counted figure between two readings.
sub moved
{
    my ($before, $after) = @_;
    return join ' ', map { "$_=" . ($after->{$_} - $before->{$_}) }
        qw(Accepted Replays Stale Unavailable LiveRecords Evictions);
}

# ---- the ?auto page: every key of every store --------------------------
my $page = StatusPage::auto($main_port);
is($page->{code}, 200, '/server-status?auto answers 200');
ok(defined $page->{count} && $page->{count} == @{ $page->{stores} }
        && $page->{count} >= 2,
    "SspiDigestStores gives the number of stores ($page->{count})");
my @incomplete = grep {
    my $s = $_;
    grep { !defined $s->{$_} } @StatusPage::KEYS
} @{ $page->{stores} };
ok(!@incomplete, 'every store has every key: ' . "@StatusPage::KEYS");
my %names;
$names{ $_->{Name} }++ for @{ $page->{stores} };
ok(!grep({ $_ > 1 } values %names), 'store names are unique: '
    . join(', ', sort keys %names));
ok($names{'shm ' . 4 * 1024 * 1024}, 'the default table (4M) is listed');

my $s0 = figures();
ok($s0, "the status_store table is listed as '$NAME'") or BAIL_OUT('no store');
is($s0->{Type}, 'shm', '... of type shm');
ok($s0->{Size} > 60000 && $s0->{Size} <= 65 * 1024,
    "... its size is that of AuthDigestShmemSize 65K ($s0->{Size})");
ok($s0->{Capacity} > 0 && $s0->{Capacity} % 8 == 0,
    "... it holds $s0->{Capacity} records, 8 per bucket");
is("$s0->{Unavailable} $s0->{LastOutage}", '0 0', '... never unavailable');
ok($s0->{LiveRecords} <= $s0->{Capacity},
    '... live records within its capacity');

# ---- accepted, replayed, stale -----------------------------------------
my $ch = DigestRaw::nonce_from($port, $PATH);
ok($ch, 'a challenge from the status_store virtual host');
is(get(authz($ch, 1))->{code}, 200, 'nc=1 accepted');
is(get(authz($ch, 2))->{code}, 200, 'nc=2 accepted');
my $s1 = figures();
is(moved($s0, $s1),
    'Accepted=2 Replays=0 Stale=0 Unavailable=0 LiveRecords=1 Evictions=0',
    'two counts of one nonce: Accepted +2, one live record');

my $res = get(authz($ch, 2));
is($res->{code}, 401, 'nc=2 again: 401');
ok(!DigestRaw::is_stale($res), '... a replay, not stale');
my $s2 = figures();
is(moved($s1, $s2),
    'Accepted=0 Replays=1 Stale=0 Unavailable=0 LiveRecords=0 Evictions=0',
    'the replay: Replays +1, nothing else');

# A nonce of the main server's table (same realm and secret): this
# table cannot vouch for its counts.
my $other = DigestRaw::nonce_from($main_port, '/smoke/index.html');
ok($other, 'a challenge from the main server (another table)');
$res = get(authz($other, 1));
ok($res->{code} == 401 && DigestRaw::is_stale($res),
    'its nonce here: 401 stale=true');
my $s3 = figures();
is(moved($s2, $s3),
    'Accepted=0 Replays=0 Stale=1 Unavailable=0 LiveRecords=0 Evictions=0',
    'the nonce minted for another store: Stale +1');

# A wrong password never reaches the store.
$res = DigestRaw::request($port, path => $PATH,
    auth => DigestRaw::authorization(user => 'alice', password => 'wrong',
        challenge => $ch, uri => $PATH, nc => 3));
is($res->{code}, 401, 'a wrong password: 401');
is(moved($s3, figures()),
    'Accepted=0 Replays=0 Stale=0 Unavailable=0 LiveRecords=0 Evictions=0',
    '... counted nowhere');

# ---- evictions: fresh nonces until the small table drops a record --------
# Once a bucket has evicted a record, a new nonce issued in the same
# second as the evicted one may fall below its floor and be answered
# stale (never accepted twice): count each answer.
my ($used, $accepted, $stale) = (0, 0, 0);
my $s4 = $s3;
while ($used < 4000) {
    for (1 .. 100) {
        my $c = DigestRaw::nonce_from($port, $PATH) or next;
        my $r = get(authz($c, 1));
        $used++;
        $accepted++ if $r->{code} == 200;
        $stale++ if DigestRaw::is_stale($r);
    }
    $s4 = figures();
    last if $s4->{Evictions} > $s3->{Evictions};
}
my $evicted = $s4->{Evictions} - $s3->{Evictions};
ok($evicted > 0, "the table evicted records ($evicted after $used fresh "
    . 'nonces)');
is($accepted + $stale, $used, "each was accepted ($accepted) or stale "
    . "($stale)");
is($s4->{Accepted} - $s3->{Accepted}, $accepted,
    '... Accepted moved by the 200s');
is($s4->{Stale} - $s3->{Stale}, $stale, '... Stale by the stale answers');
# Nothing expired (lifetime 300 s): each accepted nonce is a new record,
# and each eviction took one away.
is($s4->{LiveRecords} - $s3->{LiveRecords}, $accepted - $evicted,
    "live records: +$accepted new, less the evicted ($s4->{LiveRecords})");
ok($s4->{LiveRecords} <= $s4->{Capacity}, '... within the capacity');
is($s4->{Replays} - $s3->{Replays}, 0, '... and no replay among them');

# ---- the HTML page ---------------------------------------------------------
my $html = StatusPage::html($main_port);
is($html->{code}, 200, '/server-status answers 200');
like($html->{body}, qr{<h2>Digest replay stores \(mod_auth_sspidigest\)</h2>},
    'the HTML page has the section');
like($html->{body},
    qr{<tr><td>\Q$NAME\E</td><td>\Q$s4->{Size}\E</td><td>\Q$s4->{Capacity}\E</td>},
    "... with a row for '$NAME'");
like($html->{body}, qr{<td>never</td></tr>}, '... that was never unavailable');
