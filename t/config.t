# The directives, seen through the challenges and the answers: every
# per-directory directive in a Location of its own, the merge of nested
# sections (a section keeps what it does not set, unlike mod_auth_digest),
# .htaccess under AllowOverride AuthConfig and None, and the example of
# httpd's mod_auth_digest documentation working unchanged.  Config:
# t/conf/config.conf.in, t/htdocs/config/ (.htaccess files, a CGI).  User
# carol, password "carol-pw".  Server-level directives are in
# t/config_server.t, bad values in scripts/test-configtest.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use SDTest qw(module_under_test need_module_under_test base_url digest_get
    curl_digest_get parse_challenges);

use Digest::MD5 qw(md5_hex);
use Digest::SHA qw(sha256_hex sha512256_hex);
use File::Spec ();
use HTTP::Request ();
use LWP::UserAgent ();

my $ours = module_under_test() eq 'mod_auth_sspidigest';
chomp(my $curl = `command -v curl 2>/dev/null` // '');

plan tests => 118, need need_lwp, need_module_under_test(),
    need { 'curl is needed' => $curl ne '' };

my $logs = Apache::Test::vars('t_logs');
my $error_log = File::Spec->catfile($logs, 'error_log');
my ($USER, $PASS) = ('carol', 'carol-pw');

# ---- helpers ----------------------------------------------------------------

sub log_pos { return -s $error_log // 0 }

# The error_log written after position $pos (from log_pos()).
sub log_since
{
    my ($pos) = @_;
    open my $fh, '<', $error_log or die "$error_log: $!";
    seek $fh, $pos, 0;
    local $/;
    return scalar(<$fh>) // '';
}

my %hash_of = (MD5 => \&md5_hex, 'SHA-256' => \&sha256_hex,
    'SHA-512-256' => \&sha512256_hex);

sub hasher
{
    my ($alg) = @_;
    (my $family = uc $alg) =~ s/-SESS\z//;
    return $hash_of{$family} // die "no hash for $alg\n";
}

sub ua { return LWP::UserAgent->new(keep_alive => 0, timeout => 30) }

# The Digest challenges of $path, asked without credentials:
# (response, list of parameter hashes in header order).
sub challenges
{
    my ($path) = @_;
    my $res = ua()->get(base_url() . $path);
    return ($res, map { $_->{params} }
        grep { lc $_->{scheme} eq 'digest' } parse_challenges($res));
}

# The challenge of algorithm $alg (default MD5) at $path, or undef.
sub challenge_for
{
    my ($path, $alg) = @_;
    my (undef, @c) = challenges($path);
    my ($c) = grep { lc($_->{algorithm} // 'MD5') eq lc($alg // 'MD5') } @c;
    diag("$path offers no " . ($alg // 'MD5') . ' challenge') unless $c;
    return $c;
}

# qop tokens of a challenge, as a sorted string ("auth auth-int").
sub qops
{
    my ($c) = @_;
    return undef unless defined $c->{qop};
    return join ' ', sort grep { length } split /[\s,]+/, $c->{qop};
}

# An Authorization value (RFC 7616 §3.4) for challenge $c.  Arguments:
# alg (default: the challenge's), user, pass, method, uri, qop (undef:
# RFC 2069 form without qop), nc, cnonce, body (for auth-int), userhash.
sub authorization
{
    my ($c, %a) = @_;
    my $alg = $a{alg} // $c->{algorithm} // 'MD5';
    my $H = hasher($alg);
    my ($realm, $nonce) = @{$c}{qw(realm nonce)};
    my $user = $a{user} // $USER;
    my $qop = exists $a{qop} ? $a{qop} : 'auth';
    my $nc = $a{nc} // '00000001';
    my $cnonce = $a{cnonce}
        // sprintf('%08x%08x', int rand 2**32, int rand 2**32);
    my $ha1 = $H->("$user:$realm:" . ($a{pass} // $PASS));
    $ha1 = $H->("$ha1:$nonce:$cnonce") if $alg =~ /-sess\z/i;
    my $a2 = ($a{method} // 'GET') . ":$a{uri}";
    $a2 .= ':' . $H->($a{body} // '') if ($qop // '') eq 'auth-int';
    my $response = defined $qop
        ? $H->("$ha1:$nonce:$nc:$cnonce:$qop:" . $H->($a2))
        : $H->("$ha1:$nonce:" . $H->($a2));
    my $name = $a{userhash} ? $H->("$user:$realm") : $user;
    my @f = (qq{username="$name"}, qq{realm="$realm"}, qq{nonce="$nonce"},
        qq{uri="$a{uri}"}, "algorithm=$alg", qq{response="$response"});
    push @f, "qop=$qop", "nc=$nc", qq{cnonce="$cnonce"} if defined $qop;
    push @f, qq{opaque="$c->{opaque}"} if defined $c->{opaque};
    push @f, 'userhash=true' if $a{userhash};
    return 'Digest ' . join ', ', @f;
}

# Sends $method $path with Authorization $auth (and a body), on a new
# connection.
sub send_auth
{
    my ($method, $path, $auth, $body) = @_;
    my $req = HTTP::Request->new($method => base_url() . $path);
    $req->header(Authorization => $auth) if defined $auth;
    if (defined $body) {
        $req->header('Content-Type' => 'application/octet-stream');
        $req->content($body);
    }
    return ua()->request($req);
}

# Challenge + answer in one: GET (or POST with body) $path as carol with
# the challenge of algorithm $a{alg}.
sub login
{
    my ($path, %a) = @_;
    my $c = challenge_for($path, $a{alg}) or return HTTP::Response->new(599);
    my $method = defined $a{body} ? 'POST' : 'GET';
    return send_auth($method, $path,
        authorization($c, uri => $path, method => $method, %a), $a{body});
}

# ---- the mod_auth_digest documentation example ----------------------------------

{
    my ($res, @c) = challenges('/config/private/');
    is($res->code, 401, 'typical config: no credentials: 401');
    is(scalar @c, 1, 'typical config: one challenge');
    is($c[0]{realm}, 'private area', 'typical config: realm');
    is(qops($c[0]), 'auth', 'typical config: qop="auth"');
    is($c[0]{domain}, '/config/private/ http://mirror.my.dom/private2/',
        'typical config: domain lists both URIs');
    $res = digest_get('/config/private/', $USER, $PASS);
    is($res->code, 200, 'typical config, LWP: 200');
    like($res->content, qr/config private page/, 'typical config: the page');
    $res = digest_get('/config/private/', $USER, 'wrong');
    is($res->code, 401, 'typical config, LWP, wrong password: 401');
    my ($code, $body) = curl_digest_get('config',
        '/config/private/', $USER, $PASS);
    is($code, 200, 'typical config, curl: 200');
    ($code) = curl_digest_get('config', '/config/private/', 'nosuch', $PASS);
    is($code, 401, 'typical config, curl, unknown user: 401');
}

# ---- AuthType Digest without AuthName --------------------------------------------------

{
    my $pos = log_pos();
    my $res = ua()->get(base_url() . '/config/noname/');
    is($res->code, 500, 'AuthType Digest without AuthName: 500');
    like(log_since($pos), $ours
            ? qr/\[auth_sspidigest:error\] .*SD00503: AuthType Digest needs an AuthName/
            : qr/AuthName/,
        'error_log: AuthType Digest needs an AuthName');
}

# ---- .htaccess ------------------------------------------------------------------------

SKIP: {
    skip 'SHA-256 in .htaccess: mod_auth_sspidigest only', 7 unless $ours;
    my ($res, @c) = challenges('/config/htaccess-on/');
    is($res->code, 401, '.htaccess, AllowOverride AuthConfig: 401');
    is(join(' ', map { $_->{algorithm} // 'none' } @c), 'SHA-256 MD5',
        '.htaccess: AuthDigestAlgorithm SHA-256 MD5, in that order');
    is($c[0]{realm}, 'config htaccess', '.htaccess: AuthName');
    my ($code, $body, @sent) = curl_digest_get('config',
        '/config/htaccess-on/', $USER, $PASS);
    is($code, 200, '.htaccess, curl (SHA-256): 200');
    like($sent[-1] // '', qr/algorithm="?SHA-256"?/i, 'curl used SHA-256');
    $res = digest_get('/config/htaccess-on/', $USER, $PASS);
    is($res->code, 200, '.htaccess, LWP (MD5): 200');
    $res = digest_get('/config/htaccess-on/', $USER, 'wrong');
    is($res->code, 401, '.htaccess, wrong password: 401');
}
{
    my $res = ua()->get(base_url() . '/config/htaccess-off/');
    is($res->code, 200, '.htaccess, AllowOverride None: open page');
    like($res->content, qr/config htaccess-off page/, 'AllowOverride None: the page');
    ok(!defined $res->header('WWW-Authenticate'),
        'AllowOverride None: no challenge');
}
SKIP: {
    skip 'our messages: mod_auth_sspidigest only', 4 unless $ours;
    my $pos = log_pos();
    my $res = ua()->get(base_url() . '/config/htaccess-bad/');
    is($res->code, 500, '.htaccess with AuthDigestAlgorithm SHA-1: 500');
    like(log_since($pos),
        qr/htaccess-bad\/\.htaccess: AuthDigestAlgorithm: unknown algorithm 'SHA-1'/,
        'error_log names the file, the directive and the value');
    $pos = log_pos();
    $res = ua()->get(base_url() . '/config/htaccess-server/');
    is($res->code, 500, '.htaccess with a server-only directive: 500');
    like(log_since($pos), qr/AuthDigestShmemSize not allowed here/,
        'error_log: AuthDigestShmemSize not allowed here');
}

# Nonces for the expiry tests, asked now and used after one sleep below.
my %early;
if ($ours) {
    for my $path ('/config/lifetime/', '/config/merge/', '/config/merge/inner/',
        '/config/merge/over/') {
        $early{$path} = challenge_for($path,
            $path =~ /over/ ? 'MD5' : $path =~ /merge/ ? 'SHA-256' : 'MD5');
    }
}
my $early_time = time;

# ---- ours only from here: the rest of the directives ---------------------------------

SKIP: {
    skip 'directives of mod_auth_sspidigest', 83 unless $ours;

    # AuthDigestProvider: the alias alone, then file before it.
    my $res = digest_get('/config/provider/', $USER, 'other-pw');
    is($res->code, 200, "AuthDigestProvider alias: the alias's password: 200");
    $res = digest_get('/config/provider/', $USER, $PASS);
    is($res->code, 401, "AuthDigestProvider alias: AuthUserFile's password: 401");
    $res = digest_get('/config/provider/both/', $USER, $PASS);
    is($res->code, 200, 'AuthDigestProvider file alias: the first answers: 200');
    $res = digest_get('/config/provider/both/', $USER, 'other-pw');
    is($res->code, 401, 'AuthDigestProvider file alias: no fall-through: 401');

    # AuthDigestAlgorithm: one challenge each, in order; each one works.
    my @algs = qw(SHA-512-256 SHA-256-sess MD5-sess SHA-256 MD5
        SHA-512-256-sess);
    my @c;
    ($res, @c) = challenges('/config/alg/');
    is(join(' ', map { $_->{algorithm} // 'none' } @c), "@algs",
        'AuthDigestAlgorithm: one challenge each, in order');
    is(scalar(grep { ($_->{realm} // '') eq 'config alg' } @c), 6,
        'every challenge has the realm');
    is(scalar(grep { length($_->{nonce} // '') } @c), 6,
        'every challenge has a nonce');
    for my $alg (@algs) {
        $res = login('/config/alg/', alg => $alg);
        is($res->code, 200, "AuthDigestAlgorithm: $alg login: 200");
    }
    $res = login('/config/alg/', alg => 'SHA-256', pass => 'wrong');
    is($res->code, 401, 'AuthDigestAlgorithm: wrong password: 401');
    $res = digest_get('/config/alg/', $USER, $PASS);
    is($res->code, 200, 'AuthDigestAlgorithm: LWP finds the MD5 challenge: 200');

    # AuthDigestQop.
    my ($c) = challenge_for('/config/qop-none/');
    ok($c && !exists $c->{qop}, 'AuthDigestQop none: no qop in the challenge');
    $res = login('/config/qop-none/', qop => undef);
    is($res->code, 200, 'AuthDigestQop none: answer without qop: 200');
    $res = login('/config/qop-none/', qop => 'auth');
    is($res->code, 401, 'AuthDigestQop none: qop=auth not offered: 401');
    $res = digest_get('/config/qop-none/', $USER, $PASS);
    is($res->code, 200, 'AuthDigestQop none: LWP: 200');

    ($c) = challenge_for('/config/qop-auth/');
    is(qops($c), 'auth', 'AuthDigestQop auth: qop="auth"');
    $res = login('/config/qop-auth/', qop => 'auth');
    is($res->code, 200, 'AuthDigestQop auth: qop=auth: 200');
    $res = login('/config/qop-auth/', qop => 'auth-int');
    is($res->code, 401, 'AuthDigestQop auth: qop=auth-int not offered: 401');
    $res = login('/config/qop-auth/', qop => undef);
    is($res->code, 401, 'AuthDigestQop auth: no qop: 401');

    ($c) = challenge_for('/config/qop-authint/');
    is(qops($c), 'auth-int', 'AuthDigestQop auth-int: qop="auth-int"');
    $res = login('/config/qop-authint/', qop => 'auth-int');
    is($res->code, 200, 'AuthDigestQop auth-int: qop=auth-int: 200');
    $res = login('/config/qop-authint/', qop => 'auth');
    is($res->code, 401, 'AuthDigestQop auth-int: qop=auth not offered: 401');
    $res = digest_get('/config/qop-authint/', $USER, $PASS);
    is($res->code, 401, 'AuthDigestQop auth-int: LWP (no auth-int): 401');

    ($c) = challenge_for('/config/qop-both/');
    is(qops($c), 'auth auth-int', 'AuthDigestQop auth auth-int: both offered');
    $res = login('/config/qop-both/', qop => 'auth');
    is($res->code, 200, 'AuthDigestQop auth auth-int: qop=auth: 200');
    $res = login('/config/qop-both/', qop => 'auth-int');
    is($res->code, 200, 'AuthDigestQop auth auth-int: qop=auth-int: 200');

    # AuthDigestDomain.
    ($c) = challenge_for('/config/domain/');
    is($c->{domain}, '/config/domain/ http://mirror.example.org/domain/',
        'AuthDigestDomain: domain= lists the URIs');
    ($c) = challenge_for('/config/qop-auth/');
    ok(!exists $c->{domain}, 'no AuthDigestDomain: no domain=');

    # AuthDigestUserHash.
    my @uc;
    ($res, @uc) = challenges('/config/userhash/');
    is(join(' ', map { $_->{userhash} // 'unset' } @uc), 'true true',
        'AuthDigestUserHash On: userhash=true in both challenges');
    ok(!exists $c->{userhash}, 'AuthDigestUserHash unset: no userhash=');
    $res = login('/config/userhash/', alg => 'SHA-256', userhash => 1);
    is($res->code, 200, 'userhash, SHA-256: 200');
    $res = login('/config/userhash/', alg => 'MD5', userhash => 1);
    is($res->code, 200, 'userhash, MD5: 200');
    $res = login('/config/userhash/', alg => 'SHA-256', userhash => 1,
        user => 'dave', pass => 'dave-pw');
    is($res->code, 200, 'userhash, the second user of the file: 200');
    $res = login('/config/userhash/', alg => 'SHA-256', userhash => 1,
        user => 'dave', pass => $PASS);
    is($res->code, 401, "userhash, another user's password: 401");
    $res = login('/config/userhash/', alg => 'SHA-256', userhash => 1,
        user => 'nosuch');
    is($res->code, 401, 'userhash, unknown user: 401');
    $res = login('/config/userhash/', alg => 'SHA-256');
    is($res->code, 200, 'userhash offered, plain user name sent: 200');
    my ($code, $body, @sent) = curl_digest_get('config',
        '/config/userhash/', $USER, $PASS);
    is($code, 200, 'userhash, curl: 200');
    like($sent[-1] // '', qr/userhash=true/, 'curl sent a user-hash');

    # AuthDigestNcCheck: the same header twice, each on a new connection.
    for my $check ('on', 'off') {
        my $path = "/config/nc-$check/";
        my $ch = challenge_for($path);
        my $auth = authorization($ch, uri => $path, nc => '00000001',
            cnonce => 'c0ffee01');
        $res = send_auth(GET => $path, $auth);
        is($res->code, 200, "AuthDigestNcCheck $check: first use: 200");
        $res = send_auth(GET => $path, $auth);
        is($res->code, $check eq 'on' ? 401 : 200,
            "AuthDigestNcCheck $check: the same nc again: "
            . ($check eq 'on' ? 401 : 200));
        $res = send_auth(GET => $path, authorization($ch, uri => $path,
            nc => '00000002', cnonce => 'c0ffee02'));
        is($res->code, 200, "AuthDigestNcCheck $check: the next nc: 200");
    }

    # AuthDigestMaxBody 100 with auth-int (/config/body) and with auth
    # auth-int (/config/mixedbody); a CGI says what it read.
    my $small = 'x' x 50;
    my $big = join '', map { chr(65 + $_ % 26) } 1 .. 150;
    $res = login('/config/body/echo.cgi', qop => 'auth-int', body => $small);
    is($res->code, 200, 'auth-int, 50-byte body under AuthDigestMaxBody 100: 200');
    is($res->content, "user=carol type=Digest len=50 md5=" . md5_hex($small)
        . "\n", 'the handler read the whole body, as carol, Digest');
    $res = login('/config/body/echo.cgi', qop => 'auth-int', body => $big);
    is($res->code, 413, 'auth-int, 150-byte body over AuthDigestMaxBody 100: 413');
    $c = challenge_for('/config/body/echo.cgi');
    $res = send_auth(POST => '/config/body/echo.cgi',
        authorization($c, uri => '/config/body/echo.cgi', method => 'POST',
            qop => 'auth-int', body => 'other body'), $small);
    is($res->code, 401, 'auth-int, H(entity-body) of another body: 401');
    $res = login('/config/mixedbody/echo.cgi', qop => 'auth', body => $big);
    is($res->code, 200, 'qop=auth, 150-byte body: not buffered, no limit: 200');
    like($res->content, qr/len=150 md5=\Q${\ md5_hex($big)}\E/,
        'qop=auth: the handler read the whole body');
    $res = login('/config/mixedbody/echo.cgi', qop => 'auth-int', body => $big);
    is($res->code, 413, 'mixed qop, auth-int, 150-byte body: 413');
    $res = login('/config/mixedbody/echo.cgi', qop => 'auth-int',
        body => 'y' x 100);
    is($res->code, 200, 'auth-int, body of exactly AuthDigestMaxBody: 200');

    # AuthDigestNonceFormat: accepted, with a warning naming the place.
    $res = digest_get('/config/nonceformat/', $USER, $PASS);
    is($res->code, 200, 'AuthDigestNonceFormat: the section works: 200');
    # (ok, not like: on failure the whole error_log would be printed)
    ok(log_since(0) =~
        /\[auth_sspidigest:warn\] .*SD0010[12]: AuthDigestNonceFormat config-nonceformat-test ignored \(\S*config\.conf:\d+\)/,
        'error_log: SD00101 warning for AuthDigestNonceFormat');

    # -sess with qop none, set in two sections: no credentials can be made.
    my $pos = log_pos();
    $res = ua()->get(base_url() . '/config/sess/inner/');
    is($res->code, 500, 'MD5-sess with AuthDigestQop none: 500');
    like(log_since($pos), qr/\[auth_sspidigest:error\] .*SD00201: /,
        'error_log: SD00201 cannot make Digest credentials');

    # ---- merging --------------------------------------------------------------------
    my %want = (algorithm => 'SHA-256', qop => 'auth-int',
        domain => '/config/merge/', userhash => 'true');
    for my $path ('/config/merge/', '/config/merge/inner/') {
        my @mc;
        ($res, @mc) = challenges($path);
        is(scalar @mc, 1, "$path: one challenge");
        for my $k (sort keys %want) {
            is($mc[0]{$k}, $want{$k}, "$path: $k=$want{$k}"
                . ($path =~ /inner/ ? ' (kept from the parent)' : ''));
        }
    }
    my @oc;
    ($res, @oc) = challenges('/config/merge/over/');
    is(join(' ', map { $_->{algorithm} // 'none' } @oc), 'MD5 SHA-512-256',
        '/config/merge/over/: its own algorithm list');
    is(join(' ', map { $_->{qop} // 'none' } @oc), 'auth auth',
        '/config/merge/over/: its own qop');
    is(join(' ', map { $_->{userhash} // 'unset' } @oc), 'true true',
        '/config/merge/over/: userhash kept');
    is(join(' ', map { $_->{domain} // 'unset' } @oc),
        '/config/merge/ /config/merge/', '/config/merge/over/: domain kept');
    $res = login('/config/merge/inner/', alg => 'SHA-256', qop => 'auth-int',
        userhash => 1);
    is($res->code, 200, 'nested section: SHA-256, auth-int, user-hash: 200');
    like($res->content, qr/config merge\/inner page|config inner page/,
        'nested section: the page');
    $res = login('/config/merge/inner/', alg => 'SHA-256', qop => 'auth',
        userhash => 1);
    is($res->code, 401, 'nested section: qop=auth (not offered): 401');
    $res = login('/config/merge/over/', alg => 'SHA-512-256', qop => 'auth',
        userhash => 1);
    is($res->code, 200, 'over section: SHA-512-256, auth: 200');
    # AuthDigestNcCheck Off is kept too.
    $c = challenge_for('/config/merge/inner/', 'SHA-256');
    my $auth = authorization($c, uri => '/config/merge/inner/',
        qop => 'auth-int', userhash => 1);
    send_auth(GET => '/config/merge/inner/', $auth);
    $res = send_auth(GET => '/config/merge/inner/', $auth);
    is($res->code, 200, 'nested section: AuthDigestNcCheck Off kept: replay 200');

    # Right away, the early nonces still work (nc 1).
    for my $path (sort keys %early) {
        my $ec = $early{$path};
        my $alg = $ec->{algorithm} // 'MD5';
        my %o = $path =~ /merge/
            ? (qop => ($path =~ /over/ ? 'auth' : 'auth-int'), userhash => 1)
            : ();
        $res = send_auth(GET => $path, authorization($ec, uri => $path,
            alg => $alg, nc => '00000001', %o));
        is($res->code, 200, "$path: a fresh nonce works: 200");
    }
}

# ---- after the lifetimes of 2 s: stale nonces ------------------------------------

SKIP: {
    skip 'directives of mod_auth_sspidigest', 9 unless $ours;
    my $wait = $early_time + 3 - time;
    sleep $wait if $wait > 0;

    my $ec = $early{'/config/lifetime/'};
    my $res = send_auth(GET => '/config/lifetime/', authorization($ec,
        uri => '/config/lifetime/', nc => '00000002'));
    is($res->code, 401, 'AuthDigestNonceLifetime 2, after 3 s: 401');
    my @c = grep { lc $_->{scheme} eq 'digest' } parse_challenges($res);
    is($c[0]{params}{stale} // '', 'true', 'stale=true');
    isnt($c[0]{params}{nonce}, $ec->{nonce}, 'with a fresh nonce');
    $res = send_auth(GET => '/config/lifetime/', authorization($ec,
        uri => '/config/lifetime/', nc => '00000003', pass => 'wrong'));
    is($res->code, 401, 'expired nonce, wrong password: 401');
    @c = grep { lc $_->{scheme} eq 'digest' } parse_challenges($res);
    isnt($c[0]{params}{stale} // '', 'true',
        'expired nonce, wrong password: not stale=true');

    # The parent's lifetime (2) and the nested one's own (60).
    $ec = $early{'/config/merge/'};
    $res = send_auth(GET => '/config/merge/', authorization($ec,
        uri => '/config/merge/', nc => '00000002', qop => 'auth-int',
        userhash => 1));
    is($res->code, 401, 'parent, lifetime 2, after 3 s: 401');
    @c = grep { lc $_->{scheme} eq 'digest' } parse_challenges($res);
    is($c[0]{params}{stale} // '', 'true', 'parent: stale=true');
    $ec = $early{'/config/merge/inner/'};
    $res = send_auth(GET => '/config/merge/inner/', authorization($ec,
        uri => '/config/merge/inner/', nc => '00000002', qop => 'auth-int',
        userhash => 1));
    is($res->code, 200, 'nested, its own lifetime 60, after 3 s: 200');
    $ec = $early{'/config/merge/over/'};
    $res = send_auth(GET => '/config/merge/over/', authorization($ec,
        uri => '/config/merge/over/', nc => '00000002', qop => 'auth',
        userhash => 1, alg => 'MD5'));
    is($res->code, 401, "over section, the parent's lifetime 2 kept: 401");
}
