package SDTest;
# Helpers for the Apache::Test files in t/: which module is under test, the
# server's base URL, a digest-authenticated GET with a fresh user agent or
# with curl, and
# a parser for WWW-Authenticate / Proxy-Authenticate challenges.  It sends
# nothing by hand; tests that need raw requests build them themselves.
use strict;
use warnings FATAL => 'all';

use Exporter 'import';
use File::Spec ();
use Apache::Test ();
use Apache::TestRequest ();

our @EXPORT_OK = qw(module_under_test need_module_under_test base_url
    digest_get curl_digest_get parse_challenges);

# Apache::Test name of the module under test, derived from its .so file
# name (mod_auth_digest.so -> mod_auth_digest).  scripts/run-apache-test
# sets SD_MODULE; by default it is ours.
sub module_under_test
{
    return $ENV{SD_MODULE} // 'mod_auth_sspidigest';
}

# For plan(): plan tests => N, need need_lwp, need_module_under_test();
sub need_module_under_test
{
    return Apache::Test::need_module(module_under_test());
}

# "http://127.0.0.1:PORT", no trailing slash.
sub base_url
{
    my $url = Apache::TestRequest::resolve_url('/');
    $url =~ s{/\z}{};
    return $url;
}

# GET $path as $user/$pass through LWP's own Digest client, with a fresh
# user agent so no nonce, nonce count or pre-emptive header leaks in from
# an earlier request.  Extra arguments are request headers.  Returns the
# HTTP::Response; ->request->header('Authorization') is what was sent last.
sub digest_get
{
    my ($path, $user, $pass, @headers) = @_;
    Apache::TestRequest::user_agent(reset => 1);
    return Apache::TestRequest::GET($path, username => $user,
        password => $pass, @headers);
}

# GET $path with curl --digest (it answers the first challenge) as
# $user/$pass.  Returns (status, body, the Authorization values it sent);
# status 0 when curl gave no answer.  $tag names curl's trace file in t/logs.
sub curl_digest_get
{
    my ($tag, $path, $user, $pass) = @_;
    chomp(my $curl = `command -v curl 2>/dev/null` // '');
    die "curl not found" if $curl eq '';
    my $err = File::Spec->catfile(Apache::Test::vars('t_logs'),
        "$tag-curl.err");
    open my $fh, '-|', $curl, '-sS', '-v', '--stderr', $err, '--digest',
        '-u', "$user:$pass", '-o', '-', '-w', "\n%{http_code}",
        base_url() . $path
        or die "curl: $!";
    my $out = do { local $/; <$fh> } // '';
    close $fh;
    my ($body, $code) = $out =~ /\A(.*)\n(\d+)\z/s ? ($1, $2) : ($out, 0);
    open my $eh, '<', $err or die "$err: $!";
    my @sent = map { /^> Authorization: (.*?)\r?$/i ? $1 : () } <$eh>;
    return ($code, $body, @sent);
}

my $TOKEN = qr/[!#\$%&'*+\-.^_`|~0-9A-Za-z]+/;

# Parses challenges (RFC 7235 §4.1 syntax) into a list of
#   { scheme => 'Digest', params => { realm => 'x', ... }, token68 => ... }
# Parameter names are lower-cased and quoted values unescaped.  Takes an
# HTTP::Response (its WWW-Authenticate lines, or Proxy-Authenticate for a
# 407) or header values.  Dies on a syntax error or a duplicate parameter,
# so a malformed challenge fails the test that asked for it.
sub parse_challenges
{
    my @values = @_;
    if (@values == 1 && ref $values[0] && $values[0]->can('header')) {
        my $res = $values[0];
        my $name = $res->code == 407 ? 'Proxy-Authenticate'
                                     : 'WWW-Authenticate';
        @values = $res->header($name);
    }
    my @challenges;
    for my $v (@values) {
        my $cur;
        pos($v) = 0;
        while (1) {
            $v =~ /\G[\s,]*/gc;
            last if pos($v) >= length $v;
            $v =~ /\G($TOKEN)/gc
                or die "challenge syntax error at offset " . pos($v)
                    . " in: $v\n";
            my $tok = $1;
            if ($cur && $v =~ /\G\s*=\s*/gc) {
                my $val;
                if ($v =~ /\G"((?:[^"\\]|\\.)*)"/gc) {
                    ($val = $1) =~ s/\\(.)/$1/g;
                }
                elsif ($v =~ /\G($TOKEN)/gc) {
                    $val = $1;
                }
                else {
                    die "bad value for '$tok' in: $v\n";
                }
                my $name = lc $tok;
                die "duplicate parameter '$name' in: $v\n"
                    if exists $cur->{params}{$name};
                $cur->{params}{$name} = $val;
                next;
            }
            $cur = { scheme => $tok, params => {} };
            push @challenges, $cur;
            if ($v =~ /\G +([A-Za-z0-9\-._~+\/]+=*)\s*(?=,|\z)/gc) {
                $cur->{token68} = $1;
            }
        }
    }
    return @challenges;
}

1;
