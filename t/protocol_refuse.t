# Refusals: every reason for a 401 (with a fresh challenge and one SD00502
# log line naming the reason), every malformed Authorization that is a 400
# (no challenge), and inputs that must never reach a 500.
# Config: t/conf/protocol.conf.in; client: t/lib/SDClient.pm.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use SDTest qw(need_module_under_test);
use SDClient;

plan tests => 155, need need_lwp, need_module_under_test();

my $alice = SDClient->new(user => 'alice', password => 'alice pw');
my $PAGE = '/protocol/all/page.txt';
my $start = SDClient::log_mark();

# A challenge of $path for $alg (default: the first).
sub fresh_challenge
{
    my ($path, $alg) = @_;
    return SDClient::challenge($alice->request(GET => $path), $alg);
}

# Sends $auth to $path and checks a 401 with fresh, non-stale challenges
# and exactly one SD00502 line saying $why.
sub refused_401
{
    my ($name, $path, $auth, $why, $user) = @_;
    $user //= 'alice';
    my $mark = SDClient::log_mark();
    my $res = $alice->request(GET => $path, auth => $auth);
    is($res->code, 401, "$name: 401");
    my @ch = SDClient::challenges($res);
    ok(@ch && !grep({ exists $_->{stale} } @ch)
            && (!ref $auth || !grep({ $_->{nonce} eq $auth->{nonce} } @ch)),
        "$name: fresh challenge, not stale");
    ok(!defined $res->header('Authentication-Info'),
        "$name: no Authentication-Info");
    my @log = SDClient::log_since($mark, qr/SD00502/);
    is(scalar @log, 1, "$name: one SD00502 line");
    like($log[0] // '',
        qr/Digest refused \(401\): user "\Q$user\E": \Q$why\E/,
        "$name: the log says why");
    return $res;
}

# Sends $auth (object or header string) to $path and checks a 400 without
# challenges, and (when $why is given) one SD00502 line saying it.
sub refused_400
{
    my ($name, $path, $auth, $why) = @_;
    my $mark = SDClient::log_mark();
    my $res = $alice->request(GET => $path, auth => $auth);
    is($res->code, 400, "$name: 400");
    ok(!defined $res->header('WWW-Authenticate'), "$name: no WWW-Authenticate");
    if (defined $why) {
        my @log = SDClient::log_since($mark, qr/SD00502/);
        ok(@log == 1 && $log[0] =~ /Digest refused \(400\): .*\Q$why\E/,
            "$name: one SD00502 line: $why")
            or diag(@log ? "log: @log" : 'no SD00502 line');
    }
    return $res;
}

# ---- 401 ---------------------------------------------------------------
{
    my $ch = fresh_challenge($PAGE, 'SHA-256');
    my $nonce = $ch->{nonce};
    # change one character in the middle of the nonce
    my $i = int(length($nonce) / 2);
    my $c = substr $nonce, $i, 1;
    substr($nonce, $i, 1) = $c eq 'A' ? 'B' : 'A';
    refused_401('forged nonce', $PAGE,
        $alice->authorization(challenge => $ch, nonce => $nonce,
            method => 'GET', uri => $PAGE),
        'nonce not issued here');

    my $a = fresh_challenge('/protocol/a/page.txt');
    is($a->{realm}, 'a', 'Location A has realm "a"');
    refused_401('nonce of realm "a" answered at realm "b"', '/protocol/b/page.txt',
        $alice->authorization(challenge => $a, realm => 'b', method => 'GET',
            uri => '/protocol/b/page.txt'),
        'nonce not issued here');

    my $md5 = fresh_challenge('/protocol/authonly/page.txt');
    refused_401('algorithm not offered (MD5-sess, only MD5 is)',
        '/protocol/authonly/page.txt',
        $alice->authorization(challenge => $md5, algorithm => 'MD5-sess',
            method => 'GET', uri => '/protocol/authonly/page.txt'),
        'algorithm not offered');
    refused_401('algorithm not offered (SHA-256, only MD5 is)',
        '/protocol/authonly/page.txt',
        $alice->authorization(challenge => $md5, algorithm => 'SHA-256',
            method => 'GET', uri => '/protocol/authonly/page.txt'),
        'algorithm not offered');
    refused_401('qop not offered (auth-int, only auth is)',
        '/protocol/authonly/page.txt',
        $alice->authorization(challenge => $md5, qop => 'auth-int',
            method => 'GET', uri => '/protocol/authonly/page.txt'),
        'qop not offered');
    refused_401('qop not offered (none, auth is)',
        '/protocol/authonly/page.txt',
        $alice->authorization(challenge => $md5, qop => undef,
            method => 'GET', uri => '/protocol/authonly/page.txt'),
        'qop not offered');
    my $none = fresh_challenge('/protocol/none/page.txt', 'MD5');
    refused_401('qop not offered (auth, only none is)',
        '/protocol/none/page.txt',
        $alice->authorization(challenge => $none, qop => 'auth',
            method => 'GET', uri => '/protocol/none/page.txt'),
        'qop not offered');

    $ch = fresh_challenge($PAGE, 'SHA-256');
    refused_401('wrong realm in the response', $PAGE,
        $alice->authorization(challenge => $ch, realm => 'other',
            method => 'GET', uri => $PAGE),
        'realm not offered');
    refused_401('wrong password', $PAGE,
        $alice->authorization(challenge => $ch, password => 'wrong',
            method => 'GET', uri => $PAGE),
        'wrong password');
    refused_401('unknown user', $PAGE,
        $alice->authorization(challenge => $ch, user => 'mallory',
            method => 'GET', uri => $PAGE),
        'unknown user', 'mallory');
    refused_401('opaque not offered', $PAGE,
        $alice->authorization(challenge => $ch, opaque => 'xyz',
            method => 'GET', uri => $PAGE),
        'opaque not offered');
    refused_401('userhash not offered', $PAGE,
        $alice->authorization(challenge => $ch, userhash => 1,
            method => 'GET', uri => $PAGE),
        'userhash not offered', SDClient::userhash('SHA-256', 'alice', 'protocol'));
    refused_401('user without a key of the algorithm', $PAGE,
        $alice->authorization(challenge => $ch, user => 'carol',
            password => 'carol-pw', method => 'GET', uri => $PAGE),
        'user has no key for this algorithm', 'carol');
    my $carol = SDClient->new(user => 'carol', password => 'carol-pw');
    my ($res) = $carol->login(GET => $PAGE, algorithm => 'MD5');
    is($res->code, 200, 'that user with the algorithm of its key: 200');

    # the refusals left the nonce usable: none of them was a success
    my $ok = $alice->authorization(challenge => $ch, method => 'GET',
        uri => $PAGE, nc => 1);
    $res = $alice->request(GET => $PAGE, auth => $ok);
    is($res->code, 200, 'the nonce still works after the refusals');
}

# ---- 400 ---------------------------------------------------------------
{
    my $ch = fresh_challenge($PAGE, 'SHA-256');
    my %base = (challenge => $ch, method => 'GET');
    refused_400('digest-uri of another path', $PAGE,
        $alice->authorization(%base, uri => '/protocol/all/other.txt'),
        'digest-uri does not match the request target');
    refused_400('digest-uri with another query', "$PAGE?a=1",
        $alice->authorization(%base, uri => "$PAGE?a=2"),
        'digest-uri does not match the request target');
    refused_400('digest-uri without the query (no hack)', "$PAGE?a=1",
        $alice->authorization(%base, uri => $PAGE),
        'digest-uri does not match the request target');
    refused_400('digest-uri with a query the request lacks', $PAGE,
        $alice->authorization(%base, uri => "$PAGE?a=1"),
        'digest-uri does not match the request target');
    refused_400('unterminated quote', $PAGE,
        $alice->authorization(%base, uri => $PAGE,
            set => { cnonce => \'"abcdef' }),
        'header syntax error');
    refused_400('duplicate parameter', $PAGE,
        $alice->authorization(%base, uri => $PAGE,
            extra => 'realm="protocol"'),
        'parameter repeated');
    my $auth = $alice->authorization(%base, uri => $PAGE);
    (my $bad = $auth->{response}) =~ s/^../zz/;
    refused_400('bad hex in response', $PAGE,
        $alice->authorization(%base, uri => $PAGE, set => { response => $bad }),
        'response is not hex');
    refused_400('response of the wrong length', $PAGE,
        $alice->authorization(%base, uri => $PAGE,
            set => { response => substr $auth->{response}, 0, 32 }),
        'response is not hex');
    refused_400('nc of 1 digit', $PAGE,
        $alice->authorization(%base, uri => $PAGE, set => { nc => \'1' }),
        'nc is not 8 hex digits');
    refused_400('nc not hex', $PAGE,
        $alice->authorization(%base, uri => $PAGE, set => { nc => \'0000000g' }),
        'nc is not 8 hex digits');
    refused_400('nc of 9 digits', $PAGE,
        $alice->authorization(%base, uri => $PAGE, set => { nc => \'000000001' }));
    refused_400('nc zero', $PAGE,
        $alice->authorization(%base, uri => $PAGE, set => { nc => \'00000000' }),
        'nc is zero');
    refused_400('missing uri', $PAGE,
        $alice->authorization(%base, uri => $PAGE, drop => ['uri']),
        'required parameter missing');
    refused_400('missing response', $PAGE,
        $alice->authorization(%base, uri => $PAGE, drop => ['response']),
        'required parameter missing');
    refused_400('missing nonce', $PAGE,
        $alice->authorization(%base, uri => $PAGE, drop => ['nonce']),
        'required parameter missing');
    refused_400('qop without nc', $PAGE,
        $alice->authorization(%base, uri => $PAGE, drop => ['nc']),
        'qop without cnonce or nc');
    refused_400('unknown algorithm', $PAGE,
        $alice->authorization(%base, uri => $PAGE, set => { algorithm => \'SHA-1' }),
        'unknown algorithm');
    refused_400('non-UTF-8 user name', $PAGE,
        $alice->authorization(%base, uri => $PAGE, user => "al\xffice"),
        'bad user name');
    refused_400('both username and username*', $PAGE,
        $alice->authorization(%base, uri => $PAGE,
            extra => "username*=UTF-8''alice"),
        'need exactly one of username and username*');
    refused_400('token68 instead of parameters', $PAGE,
        'Digest YWxpY2U6c2VjcmV0==');
}

# ---- never a 500 ----------------------------------------------------------
{
    my $ch = fresh_challenge($PAGE, 'SHA-256');
    my %base = (challenge => $ch, method => 'GET', uri => $PAGE);
    my @cases = (
        ['a 20 kB Authorization header',
            $alice->authorization(%base, extra => 'x="' . ('a' x 20000) . '"')],
        ['an 8 kB cnonce (under the header limit)',
            $alice->authorization(%base, cnonce => 'c' x 8000)],
        ['a control character in a quoted value',
            $alice->authorization(%base, cnonce => "ab\x01cd")],
        ['DEL in a quoted value',
            $alice->authorization(%base, cnonce => "ab\x7fcd")],
        ['a control character in a token',
            $alice->authorization(%base, set => { qop => \"au\x02th" })],
        ['a user name of 300 octets',
            $alice->authorization(%base, user => 'u' x 300)],
        ['a username* of 300 octets',
            $alice->authorization(%base, user => "\xc3\xa4" x 150,
                username_star => 1)],
        ['a 2000-octet nonce',
            $alice->authorization(%base, nonce => 'n' x 2000)],
        ['an empty nonce', $alice->authorization(%base, nonce => '')],
        ['an empty response', $alice->authorization(%base,
            set => { response => '' })],
        ['a bad username*', $alice->authorization(%base, username_star => 1,
            set => { 'username*' => \"UTF-8''%zz" })],
        ['userhash=maybe', $alice->authorization(%base,
            set => { userhash => \'maybe' })],
        ['only commas', 'Digest ,,,,'],
        ['a parameter without a value', 'Digest username='],
        ['40 parameters', 'Digest ' . join ', ', map { "p$_=v" } 1 .. 40],
    );
    for my $case (@cases) {
        my ($name, $auth) = @$case;
        my $res = $alice->request(GET => $PAGE, auth => $auth);
        ok($res->code >= 400 && $res->code < 500,
            "$name: a 4xx (" . $res->code . ')');
    }
    # httpd lets any method token through (HttpProtocolOptions
    # LenientMethods, the default); a long one is the client's doing.
    my $method = 'X' x 33;
    my $mark = SDClient::log_mark();
    my $res = $alice->request($method => $PAGE);
    ok($res->code != 500 && $res->code >= 400,
        'a 33-octet method without credentials: not a 500 (' . $res->code . ')');
    my $long = $alice->authorization(challenge => $ch, method => $method,
        uri => $PAGE);
    $res = $alice->request($method => $PAGE, auth => $long);
    ok($res->code != 500 && $res->code >= 400,
        'a 33-octet method with credentials: not a 500 (' . $res->code . ')');
    my @err = SDClient::log_since($mark, qr/\[auth_sspidigest:error\]/);
    is("@err", '', 'a 33-octet method: no module error logged');
    ($res) = $alice->login(('Y' x 32) => $PAGE);
    ok($res->code != 500 && $res->code != 401,
        'a 32-octet method with credentials: authenticated (' . $res->code . ')');

    $res = $alice->request(GET => $PAGE, auth => 'Digest');
    is($res->code, 401, 'only "Digest": 401');
    ok(scalar SDClient::challenges($res), 'only "Digest": with a challenge');
    $res = $alice->request(GET => $PAGE, auth => 'Basic YWxpY2U6YWxpY2UgcHc=');
    is($res->code, 401, 'Basic credentials: 401');
    ok(scalar SDClient::challenges($res), 'Basic credentials: a Digest challenge');
    $res = $alice->request(GET => $PAGE, auth => 'Digestive username="x"');
    is($res->code, 401, 'another scheme starting with "Digest": 401');
}

# ---- hostile lengths (issue 10, items 2 and 8) --------------------------------
{
    # A user-hash naming a user longer than the engine's 256 octets: the
    # user file has one ("L" x 600); refused as unknown, nothing copied.
    my $long = SDClient->new(user => 'L' x 600, password => 'long pw');
    my $mark = SDClient::log_mark();
    my ($res) = $long->login(GET => '/protocol/userhash/page.txt',
        algorithm => 'MD5', userhash => 1);
    is($res->code, 401, 'user-hash of a 600-octet user name: 401');
    like(join('', SDClient::log_since($mark, qr/SD00502/)), qr/unknown user/,
        '... logged as an unknown user');

    # A Host and a target that each pass but whose absolute URL is longer
    # than the engine takes: 414 before any credential is checked.
    my $ch = fresh_challenge($PAGE);
    my $target = $PAGE . '?' . ('q' x 7000);
    my $auth = $alice->authorization(challenge => $ch, method => 'GET',
        uri => $target);
    $mark = SDClient::log_mark();
    $res = $alice->request(GET => $target, auth => $auth,
        headers => [Host => join('.', ('h' x 60) x 25)]);
    is($res->code, 414, 'long Host plus long target: 414, not 500');
    like(join('', SDClient::log_since($mark, qr/SD00506/)),
        qr/request target longer/, '... with its log line');
}

# Nothing above was the server's fault: no error (or worse) from the module.
my @errors = SDClient::log_since($start,
    qr/\[auth_sspidigest:(?:error|crit|alert|emerg)\]|exit signal/);
is("@errors", '', 'no module error and no crash in the error_log');
