# The user stores behind AuthType Digest, through AuthDigestProvider:
# htdigest files made by httpd's own tool, multi-algorithm lines, a user
# without the key of the chosen algorithm, malformed stored hashes, DBM
# files of each type Debian's apr-util has (SDBM, DB, GDBM), SQLite through
# mod_authn_dbd (and a failing query), mod_authn_socache in front of file,
# and AuthnProviderAlias.  Config: t/conf/stores.conf.in.  The DBM, SQLite,
# htdigest and socache files are written here, in t/logs, before the first
# request to them.  Clients: LWP (MD5), curl (SHA-256: it answers the first
# challenge) and a small Digest client below for SHA-512-256 and -sess.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use SDTest qw(module_under_test need_module_under_test base_url digest_get
    curl_digest_get parse_challenges);

use Digest::MD5 qw(md5_hex);
use Digest::SHA qw(sha256_hex sha512256_hex);
use Fcntl qw(O_RDWR O_CREAT);
use File::Spec ();
use HTTP::Request ();
use LWP::UserAgent ();

my $ours = module_under_test() eq 'mod_auth_sspidigest';
my %dbm_perl = (SDBM => 'SDBM_File', DB => 'DB_File', GDBM => 'GDBM_File');
my %have_dbm = map { $_ => scalar eval "require $dbm_perl{$_}; 1" }
    keys %dbm_perl;
chomp(my $sqlite3 = `command -v sqlite3 2>/dev/null` // '');
chomp(my $htdigest = `command -v htdigest 2>/dev/null` // '');
chomp(my $curl = `command -v curl 2>/dev/null` // '');

plan tests => 91, need need_lwp, need_module_under_test(),
    need { 'htdigest (apache2-utils) is needed' => $htdigest ne '',
           'curl is needed' => $curl ne '' };

my $logs = Apache::Test::vars('t_logs');
my $error_log = File::Spec->catfile($logs, 'error_log');

# ---- helpers ----------------------------------------------------------------

# The error_log written after position $pos (from log_pos()).
sub log_pos { return -s $error_log // 0 }

sub log_since
{
    my ($pos) = @_;
    open my $fh, '<', $error_log or die "$error_log: $!";
    seek $fh, $pos, 0;
    local $/;
    return scalar(<$fh>) // '';
}

sub write_file
{
    my ($path, $text) = @_;
    open my $fh, '>', "$path.tmp" or die "$path.tmp: $!";
    print $fh $text;
    close $fh or die "$path.tmp: $!";
    rename "$path.tmp", $path or die "rename $path: $!";
}

my %hash_of = (MD5 => \&md5_hex, 'SHA-256' => \&sha256_hex,
    'SHA-512-256' => \&sha512256_hex);

# H() of an algorithm name (MD5, SHA-256-sess, ...).
sub hasher
{
    my ($alg) = @_;
    (my $family = uc $alg) =~ s/-SESS\z//;
    return $hash_of{$family} // die "no hash for $alg\n";
}

# The stored form of a user's keys: "md5hex,SHA-256=hex,SHA-512-256=hex".
sub all_keys
{
    my ($user, $realm, $pass) = @_;
    my $a1 = "$user:$realm:$pass";
    return md5_hex($a1) . ',SHA-256=' . sha256_hex($a1)
        . ',SHA-512-256=' . sha512256_hex($a1);
}

sub ua { return LWP::UserAgent->new(keep_alive => 0, timeout => 30) }

# A Digest answer to one challenge (RFC 7616 §3.4), qop=auth.
sub authorization
{
    my ($chal, $alg, $user, $pass, $method, $uri) = @_;
    my $H = hasher($alg);
    my ($realm, $nonce) = @{$chal}{qw(realm nonce)};
    my $cnonce = sprintf '%08x%08x', int rand 2**32, int rand 2**32;
    my $nc = '00000001';
    my $ha1 = $H->("$user:$realm:$pass");
    $ha1 = $H->("$ha1:$nonce:$cnonce") if $alg =~ /-sess\z/i;
    my $response = $H->("$ha1:$nonce:$nc:$cnonce:auth:" . $H->("$method:$uri"));
    my @f = (qq{username="$user"}, qq{realm="$realm"}, qq{nonce="$nonce"},
        qq{uri="$uri"}, "algorithm=$alg", qq{response="$response"},
        'qop=auth', "nc=$nc", qq{cnonce="$cnonce"});
    push @f, qq{opaque="$chal->{opaque}"} if defined $chal->{opaque};
    return 'Digest ' . join ', ', @f;
}

# GET $path as $user/$pass answering the challenge of algorithm $alg;
# returns the response (undef and a failed test if $alg is not offered).
sub hand_get
{
    my ($path, $user, $pass, $alg) = @_;
    my $res = ua()->get(base_url() . $path);
    my ($chal) = grep { lc($_->{params}{algorithm} // 'MD5') eq lc $alg }
        grep { lc $_->{scheme} eq 'digest' } parse_challenges($res);
    unless ($chal) {
        diag("$path offers no $alg challenge (status " . $res->code . ')');
        return HTTP::Response->new(599);
    }
    my $req = HTTP::Request->new(GET => base_url() . $path);
    $req->header(Authorization =>
        authorization($chal->{params}, $alg, $user, $pass, 'GET', $path));
    return ua()->request($req);
}

# ---- htdigest: a file made by httpd's own tool --------------------------------

my $htfile = File::Spec->catfile($logs, 'stores.htdigest');
for my $u (['alice', 'alice-pw', '-c'], ['bob', 'bob pw:x', '']) {
    my ($user, $pass, $create) = @$u;
    # (its prompts go to /dev/null, not into the TAP stream)
    open my $p, '|-', 'sh', '-c', 'exec "$0" "$@" >/dev/null 2>&1',
        $htdigest, ($create ? $create : ()), $htfile, 'stores htdigest', $user
        or die "htdigest: $!";
    print $p "$pass\n$pass\n";
    close $p or die "htdigest failed for $user: $?";
}
my $htext = do { local (@ARGV, $/) = ($htfile); <> };
is($htext, 'alice:stores htdigest:'
        . md5_hex('alice:stores htdigest:alice-pw') . "\n"
        . 'bob:stores htdigest:' . md5_hex('bob:stores htdigest:bob pw:x')
        . "\n",
    'htdigest wrote plain "user:realm:md5hex" lines');

{
    my $res = digest_get('/stores/htdigest/', 'alice', 'alice-pw');
    is($res->code, 200, 'htdigest file, LWP (MD5): 200');
    like($res->content, qr/stores htdigest page/, 'htdigest file: the page');
    $res = digest_get('/stores/htdigest/', 'bob', 'bob pw:x');
    is($res->code, 200, 'htdigest file, password with a space and a colon: 200');
    $res = digest_get('/stores/htdigest/', 'alice', 'bob pw:x');
    is($res->code, 401, 'htdigest file, wrong password: 401');
    my ($code, $body, @sent) = curl_digest_get('stores',
        '/stores/htdigest/', 'alice', 'alice-pw');
    is($code, 200, 'htdigest file, curl: 200');
    like($sent[-1] // '', qr/algorithm="?MD5"?(,|\z)/i,
        'curl answered with MD5');
}

# ---- multi-algorithm lines ------------------------------------------------------

SKIP: {
    skip 'AuthDigestAlgorithm SHA-256: mod_auth_sspidigest only', 35
        unless $ours;

    my ($code, $body, @sent) = curl_digest_get('stores',
        '/stores/multi/', 'both', 'both-pw');
    is($code, 200, 'multi line, curl: 200');
    like($body, qr/stores multi page/, 'multi line, curl: the page');
    like($sent[-1] // '', qr/algorithm="?SHA-256"?(,|\z)/i,
        'curl answered the first challenge, SHA-256');
    ($code, $body, @sent) = curl_digest_get('stores',
        '/stores/multi/', 'shaonly', 'sha-pw');
    is($code, 200, 'SHA-256-only line, curl (SHA-256): 200');
    ($code) = curl_digest_get('stores', '/stores/multi/', 'both', 'sha-pw');
    is($code, 401, 'multi line, curl, wrong password: 401');

    my $res = digest_get('/stores/multi/', 'both', 'both-pw');
    is($res->code, 200, 'multi line, LWP (MD5): 200');
    like($res->request->header('Authorization') // '', qr/algorithm="?MD5"?/,
        'LWP answered with MD5');
    $res = hand_get('/stores/multi/', 'md5only', 'md5-pw', 'MD5');
    is($res->code, 200, 'bare-MD5 line in a multi file, MD5: 200');
    $res = hand_get('/stores/multi/', 'both', 'both-pw', 'SHA-256');
    is($res->code, 200, 'multi line, SHA-256 (own client): 200');

    # A user without the key of the algorithm the client chose.
    my $pos = log_pos();
    ($code) = curl_digest_get('stores', '/stores/multi/', 'md5only', 'md5-pw');
    is($code, 401, 'MD5-only line, curl (SHA-256): 401');
    my $log = log_since($pos);
    like($log, qr/SD00502: Digest refused \(401\): user "md5only": user has no key for this algorithm/,
        'error_log: md5only has no key for this algorithm');
    unlike($log, qr/exit signal|SD00302/, 'no crash, not called malformed');

    $pos = log_pos();
    $res = hand_get('/stores/multi/', 'shaonly', 'sha-pw', 'MD5');
    is($res->code, 401, 'SHA-256-only line, MD5: 401');
    like(scalar($res->header('WWW-Authenticate')) // '', qr/^Digest /,
        'the 401 carries fresh challenges');
    like(log_since($pos),
        qr/SD00502: Digest refused \(401\): user "shaonly": user has no key for this algorithm/,
        'error_log: shaonly has no key for this algorithm');

    # SHA-512-256 and the -sess variants take the key of their family.
    $res = hand_get('/stores/multi512/', 'both', 'both-pw', 'SHA-512-256');
    is($res->code, 200, 'multi line, SHA-512-256: 200');
    $res = hand_get('/stores/multi512/', 's512only', 's512-pw', 'SHA-512-256');
    is($res->code, 200, 'SHA-512-256-only line, SHA-512-256: 200');
    $res = hand_get('/stores/multi512/', 'both', 'wrong', 'SHA-512-256');
    is($res->code, 401, 'multi line, SHA-512-256, wrong password: 401');
    $res = hand_get('/stores/multi512/', 'both', 'both-pw', 'SHA-256-sess');
    is($res->code, 200, 'multi line, SHA-256-sess: 200');
    $res = hand_get('/stores/multi512/', 'shaonly', 'sha-pw', 'SHA-256-sess');
    is($res->code, 200, 'SHA-256-only line, SHA-256-sess: 200');
    $res = hand_get('/stores/multi512/', 'md5only', 'md5-pw', 'MD5-sess');
    is($res->code, 200, 'bare-MD5 line, MD5-sess: 200');
    $pos = log_pos();
    $res = hand_get('/stores/multi512/', 'shaonly', 'sha-pw', 'SHA-512-256');
    is($res->code, 401, 'SHA-256-only line, SHA-512-256: 401');
    like(log_since($pos), qr/user "shaonly": user has no key for this algorithm/,
        'error_log: no SHA-512-256 key for shaonly');

    # Malformed stored hashes: 401 and an error-level line, never 500.
    my %bad = (
        badhex => 'a non-hex digit in the SHA-256 key',
        badmd5 => 'a bare MD5 of 31 digits',
        badalg => 'an unknown algorithm name (SHA-1=)',
        trailing => 'a trailing comma',
        twice => 'two MD5 keys',
    );
    for my $user (sort keys %bad) {
        $pos = log_pos();
        $res = hand_get('/stores/multi/', $user, 'pw', 'MD5');
        is($res->code, 401, "malformed line ($bad{$user}), MD5: 401");
        like(log_since($pos),
            qr/\[auth_sspidigest:error\] .*SD00302: the stored hash of user "\Q$user\E" is malformed/,
            "error_log: error-level SD00302 for $user");
    }
    $pos = log_pos();
    $res = hand_get('/stores/multi/', 'badhex', 'pw', 'SHA-256');
    is($res->code, 401, 'malformed SHA-256 key, SHA-256: 401');
    like(log_since($pos), qr/\[auth_sspidigest:error\] .*SD00302: .*"badhex"/,
        'error_log: SD00302 for badhex with SHA-256');
}

# ---- DBM ------------------------------------------------------------------------

for my $type (qw(SDBM DB GDBM)) {
    my $path = File::Spec->catfile($logs, 'stores-' . lc $type);
    my $loc = '/stores/dbm-' . lc($type) . '/';
    SKIP: {
        skip "AuthDigestAlgorithm SHA-256: mod_auth_sspidigest only", 6
            unless $ours;
        skip "perl's $dbm_perl{$type} is missing", 6 unless $have_dbm{$type};
        my %h;
        my $tied = $type eq 'GDBM'
            ? tie(%h, 'GDBM_File', $path, GDBM_File::GDBM_WRCREAT(), 0640)
            : $type eq 'DB'
            ? tie(%h, 'DB_File', $path, O_RDWR | O_CREAT, 0640,
                do { no warnings 'once'; $DB_File::DB_HASH })
            : tie(%h, 'SDBM_File', $path, O_RDWR | O_CREAT, 0640);
        die "$type $path: $!" unless $tied;
        undef $tied;
        $h{'dbmuser:stores dbm'} = all_keys('dbmuser', 'stores dbm', 'dbm-pw');
        $h{'md5user:stores dbm'} = md5_hex('md5user:stores dbm:md5-pw');
        $h{'dbmuser:other realm'} = all_keys('dbmuser', 'other realm', 'x');
        untie %h;

        my $res = digest_get($loc, 'dbmuser', 'dbm-pw');
        is($res->code, 200, "$type: LWP (MD5): 200");
        like($res->content, qr/stores dbm-\L$type\E page/, "$type: the page");
        my ($code, $body, @sent) = curl_digest_get('stores',
            $loc, 'dbmuser', 'dbm-pw');
        is($code, 200, "$type: curl (SHA-256): 200");
        $res = digest_get($loc, 'md5user', 'md5-pw');
        is($res->code, 200, "$type: a bare MD5 value: 200");
        $res = digest_get($loc, 'dbmuser', 'x');
        is($res->code, 401, "$type: wrong password (another realm's): 401");
        $res = digest_get($loc, 'nosuch', 'dbm-pw');
        is($res->code, 401, "$type: unknown user: 401");
    }
}

# ---- socache in front of file -----------------------------------------------------

SKIP: {
    skip 'AuthDigestAlgorithm SHA-256: mod_auth_sspidigest only', 11
        unless $ours;
    my $file = File::Spec->catfile($logs, 'stores-socache.digest');
    write_file($file, 'cacheuser:stores socache:'
        . all_keys('cacheuser', 'stores socache', 'cache-1') . "\n");

    my $pos = log_pos();
    my $res = hand_get('/stores/socache/', 'cacheuser', 'cache-1', 'MD5');
    is($res->code, 200, 'socache: first login (from the file): 200');
    like(log_since($pos),
        qr/\[authn_socache:debug\].*AH01681: Cached authn credentials for cacheuser/,
        'error_log: the first login stored the hash in the cache');

    # The file changes; the cache still holds the first hash.
    write_file($file, 'cacheuser:stores socache:'
        . all_keys('cacheuser', 'stores socache', 'cache-2') . "\n");
    $res = hand_get('/stores/nocache/', 'cacheuser', 'cache-2', 'MD5');
    is($res->code, 200, 'no cache: the new password: 200');
    $res = hand_get('/stores/nocache/', 'cacheuser', 'cache-1', 'MD5');
    is($res->code, 401, 'no cache: the old password: 401');

    $pos = log_pos();
    $res = hand_get('/stores/socache/', 'cacheuser', 'cache-1', 'MD5');
    is($res->code, 200, 'socache: the old password, from the cache: 200');
    my $log = log_since($pos);
    like($log,
        qr/\[authn_socache:debug\].*AH01688: Authn cache: found credentials for cacheuser/,
        'error_log: the cached login was answered from the cache');
    unlike($log, qr/AH01687: .*cacheuser|AH01681: .*cacheuser/,
        'no cache miss, nothing stored again');
    my ($code, $body, @sent) = curl_digest_get('stores',
        '/stores/socache/', 'cacheuser', 'cache-1');
    is($code, 200, 'socache: the old password, SHA-256 key from the cache: 200');
    like($sent[-1] // '', qr/algorithm="?SHA-256"?/i, 'curl used SHA-256');
    $res = hand_get('/stores/socache/', 'cacheuser', 'cache-2', 'MD5');
    is($res->code, 401, 'socache: the new password, not yet: 401');
    $res = hand_get('/stores/socache/', 'nosuch', 'cache-1', 'MD5');
    is($res->code, 401, 'socache: unknown user: 401');
}

# ---- AuthnProviderAlias -------------------------------------------------------------

{
    my $res = digest_get('/stores/alias1/', 'ann', 'ann-pw');
    is($res->code, 200, 'alias a: its user: 200');
    like($res->content, qr/stores alias1 page/, 'alias a: the page');
    $res = digest_get('/stores/alias1/', 'bea', 'decoy-pw');
    is($res->code, 401, "alias a: the Location's own AuthUserFile is not read");
    $res = digest_get('/stores/alias1/', 'bea', 'bea-pw');
    is($res->code, 401, "alias a: alias b's user: 401");
    $res = digest_get('/stores/alias2/', 'bea', 'bea-pw');
    is($res->code, 200, 'aliases a b: the user only in the second: 200');
    $res = digest_get('/stores/alias2/', 'ann', 'ann-pw');
    is($res->code, 200, 'aliases a b: the user in the first: 200');
    $res = digest_get('/stores/alias2/', 'bea', 'decoy-pw');
    is($res->code, 401, 'aliases a b: wrong password: 401');
    $res = digest_get('/stores/alias2/', 'nosuch', 'ann-pw');
    is($res->code, 401, 'aliases a b: unknown user: 401');
}

# ---- SQL: mod_authn_dbd and SQLite ----------------------------------------------------

SKIP: {
    skip 'the sqlite3 command-line tool is needed', 12 if $sqlite3 eq '';
    my $db = File::Spec->catfile($logs, 'stores.sqlite');
    my $sha = $ours ? all_keys('dbduser', 'stores dbd', 'dbd-pw')
                    : md5_hex('dbduser:stores dbd:dbd-pw');
    my $other = md5_hex('dbduser:other realm:other-pw');
    my $md5 = md5_hex('md5user:stores dbd:md5-pw');
    my $sql = <<"EOF";
CREATE TABLE users (user TEXT NOT NULL, realm TEXT NOT NULL, hash TEXT NOT NULL);
INSERT INTO users VALUES ('dbduser', 'stores dbd', '$sha');
INSERT INTO users VALUES ('dbduser', 'other realm', '$other');
INSERT INTO users VALUES ('md5user', 'stores dbd', '$md5');
EOF
    # The good database, and the one of the failing query (stores_dbderr).
    for my $file ($db, File::Spec->catfile($logs, 'stores-err.sqlite')) {
        unlink $file;
        open my $cli, '|-', $sqlite3, $file or die "sqlite3: $!";
        print $cli $sql;
        close $cli or die "sqlite3 failed: $?";
    }

    Apache::TestRequest::module('stores_dbd');
    my $res = digest_get('/stores/dbd/', 'dbduser', 'dbd-pw');
    is($res->code, 200, 'dbd: LWP (MD5): 200');
    like($res->content, qr/stores dbd page/, 'dbd: the page');
    $res = digest_get('/stores/dbd/', 'md5user', 'md5-pw');
    is($res->code, 200, 'dbd: a bare MD5 value: 200');
    $res = digest_get('/stores/dbd/', 'dbduser', 'other-pw');
    is($res->code, 401, "dbd: another realm's password: 401");
    $res = digest_get('/stores/dbd/', 'nosuch', 'dbd-pw');
    is($res->code, 401, 'dbd: unknown user: 401');
    SKIP: {
        skip 'SHA-256: mod_auth_sspidigest only', 2 unless $ours;
        my ($code, $body, @sent) = curl_digest_get('stores',
            '/stores/dbd/', 'dbduser', 'dbd-pw');
        is($code, 200, 'dbd: curl (SHA-256): 200');
        like($sent[-1] // '', qr/algorithm="?SHA-256"?/i, 'curl used SHA-256');
    }
    # The same user name with quotes: a bound parameter, not SQL.
    $res = digest_get('/stores/dbd/', q{x' OR '1'='1}, 'dbd-pw');
    is($res->code, 401, 'dbd: a user name with SQL in it: 401');

    # A query on a missing table: 500 and log lines, no crash.
    Apache::TestRequest::module('stores_dbderr');
    my $pos = log_pos();
    $res = digest_get('/stores/dbd/', 'dbduser', 'dbd-pw');
    is($res->code, 500, 'dbd error: 500');
    my $log = log_since($pos);
    like($log, qr/\[authn_dbd:error\]|\[dbd:(?:error|crit)\]/,
        'error_log: mod_authn_dbd / mod_dbd error line');
    like($log, $ours ? qr/\[auth_sspidigest:error\] .*SD00502: Digest refused \(500\)/
                     : qr/./,
        'error_log: our refusal line says 500');
    unlike($log, qr/exit signal|Segmentation/, 'no crash');
    Apache::TestRequest::module('default');
}
