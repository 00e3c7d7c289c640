# Smoke test of the harness and the module under test: a Location protected
# with AuthType Digest challenges, accepts the right password and refuses a
# wrong one.  Config: the /smoke section of t/conf/extra.conf.in.
use strict;
use warnings FATAL => 'all';

# -withtestmore: Apache::Test's plan() and need_*() with Test::More's
# assertions (it imports Test::More itself; do not `use Test::More` too).
use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET);
use SDTest qw(need_module_under_test base_url digest_get parse_challenges);

plan tests => 10, need need_lwp, need_module_under_test();

my $url = '/smoke/';

like(base_url(), qr{^http://127\.0\.0\.1:\d+\z}, 'server is on 127.0.0.1');

Apache::TestRequest::user_agent(reset => 1);
my $res = GET $url;
is($res->code, 401, 'no credentials: 401');
my @digest = grep { lc $_->{scheme} eq 'digest' } parse_challenges($res);
is(scalar @digest, 1, 'one Digest challenge');
is($digest[0]{params}{realm}, 'smoke', 'challenge realm is the AuthName');
ok(length($digest[0]{params}{nonce} // ''), 'challenge carries a nonce');

$res = digest_get($url, 'alice', 'secret');
is($res->code, 200, 'right password: 200');
like($res->content, qr/sspidigest smoke page/, 'right password: page text');
like($res->request->header('Authorization') // '', qr/^Digest /,
    'client answered with Digest');

$res = digest_get($url, 'alice', 'wrong');
is($res->code, 401, 'wrong password: 401');

$res = digest_get($url, 'mallory', 'secret');
is($res->code, 401, 'unknown user: 401');
