package DigestRaw;
# A bare HTTP/1.1 Digest client over IO::Socket::INET, for tests that must
# control connections themselves: keep a connection open while another one
# is made, send the same Authorization header on a new connection or to
# another server, or hold back the last octet of two requests and release
# them together.  MD5 with qop=auth, or auth-int when a body is given.
# Used by t/replay.t (under Apache::Test) and the t/farm scripts (without
# it), so it depends on neither.
use strict;
use warnings FATAL => 'all';

use Digest::MD5 qw(md5_hex);
use IO::Select ();
use IO::Socket::INET ();
use Time::HiRes ();

my $cnonce_seq = 0;

# A new connection to 127.0.0.1:$port (dies when it cannot be made).
sub connect_to
{
    my ($port) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
        Proto => 'tcp', Timeout => 5)
        or die "DigestRaw: cannot connect to 127.0.0.1:$port: $!\n";
    $s->autoflush(1);
    binmode $s;
    return $s;
}

# The text of a request (GET, or POST with a body).  %o: port (for Host),
# host (instead of 127.0.0.1), path, auth (the Authorization value, or
# undef), close (Connection: close), headers (array ref of [name, value]),
# body (sent with POST).
sub request_text
{
    my (%o) = @_;
    my $host = $o{host} // '127.0.0.1';
    my $method = defined $o{body} ? 'POST' : 'GET';
    my $t = "$method $o{path} HTTP/1.1\r\nHost: $host:$o{port}\r\n";
    $t .= "Authorization: $o{auth}\r\n" if defined $o{auth};
    $t .= "$_->[0]: $_->[1]\r\n" for @{ $o{headers} // [] };
    $t .= "Connection: close\r\n" if $o{close};
    $t .= 'Content-Length: ' . length($o{body}) . "\r\n" if defined $o{body};
    return "$t\r\n" . ($o{body} // '');
}

sub send_text
{
    my ($s, $text) = @_;
    my $off = 0;
    while ($off < length $text) {
        my $n = syswrite($s, $text, length($text) - $off, $off);
        die "DigestRaw: write failed: $!\n" unless defined $n;
        $off += $n;
    }
}

# Reads one response from $s (Content-Length body, or up to EOF).  Returns
# { code, headers => { lc name => [values] }, body }, or a response with
# code 0 when the connection closed or timed out first.
sub read_response
{
    my ($s, $timeout) = @_;
    $timeout //= 15;
    my $sel = IO::Select->new($s);
    my $buf = ${*$s}{digestraw_buf} // '';
    my $deadline = Time::HiRes::time() + $timeout;
    my $fill = sub {
        my $left = $deadline - Time::HiRes::time();
        return 0 if $left <= 0 || !$sel->can_read($left);
        my $n = sysread($s, $buf, 65536, length $buf);
        return $n ? 1 : 0;
    };
    while ($buf !~ /\r\n\r\n/) {
        return { code => 0, headers => {}, body => '' } unless $fill->();
    }
    my $end = index($buf, "\r\n\r\n");
    my $head = substr($buf, 0, $end);
    $buf = substr($buf, $end + 4);
    my ($status, @lines) = split /\r\n/, $head;
    my ($code) = $status =~ m{^HTTP/\d\.\d (\d{3})} or
        return { code => 0, headers => {}, body => '' };
    my %h;
    for (@lines) {
        my ($n, $v) = /^([^:]+):\s*(.*)$/ or next;
        push @{ $h{lc $n} }, $v;
    }
    my $body;
    if (defined(my $cl = $h{'content-length'})) {
        while (length $buf < $cl->[0]) {
            last unless $fill->();
        }
        $body = substr($buf, 0, $cl->[0]);
        $buf = substr($buf, length $body);
    }
    elsif (($h{'transfer-encoding'}[0] // '') =~ /chunked/i) {
        $body = '';
        while (1) {
            while ($buf !~ /\r\n/) { last unless $fill->() }
            my ($len) = $buf =~ /^([0-9a-fA-F]+)/ or last;
            $len = hex $len;
            while (length($buf) < index($buf, "\r\n") + 2 + $len + 2) {
                last unless $fill->();
            }
            $buf = substr($buf, index($buf, "\r\n") + 2);
            $body .= substr($buf, 0, $len);
            $buf = substr($buf, $len + 2);
            last if $len == 0;
        }
    }
    else {
        1 while $fill->();
        $body = $buf;
        $buf = '';
    }
    ${*$s}{digestraw_buf} = $buf;
    return { code => $code, headers => \%h, body => $body };
}

# The first value of a response header (name in any case), or undef.
sub header
{
    my ($res, $name) = @_;
    my $v = $res->{headers}{ lc $name };
    return $v ? $v->[0] : undef;
}

# One request on a new connection, closed afterwards.
sub request
{
    my ($port, %o) = @_;
    my $s = connect_to($port);
    send_text($s, request_text(%o, port => $port, close => 1));
    my $res = read_response($s);
    close $s;
    return $res;
}

# The parameters of a Digest challenge value, names lower-cased.
sub parse_challenge
{
    my ($v) = @_;
    return undef unless defined $v && $v =~ s/^\s*Digest\s+//i;
    my %p;
    while ($v =~ /\G[\s,]*([A-Za-z0-9_-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^\s,]+)/gc) {
        my ($n, $raw, $q) = ($1, $2, $3);
        (my $val = defined $q ? $q : $raw) =~ s/\\(.)/$1/g;
        $p{ lc $n } = $val;
    }
    return \%p;
}

# GET $path without credentials on a new connection (Host: $host, default
# 127.0.0.1): returns the response and the parameters of its (first) Digest
# challenge.
sub challenge
{
    my ($port, $path, $host) = @_;
    my $res = request($port, path => $path, host => $host);
    return ($res, parse_challenge(header($res, 'WWW-Authenticate')));
}

# The parameters of a fresh challenge for $path, or undef when the answer
# was not a 401.
sub nonce_from
{
    my ($port, $path, $host) = @_;
    my ($res, $ch) = challenge($port, $path, $host);
    return $res->{code} == 401 ? $ch : undef;
}

# An Authorization value.  %a: user, password, challenge (a hash from
# parse_challenge), uri, nc (number), cnonce (optional), method (GET),
# body (then qop=auth-int over it).
sub authorization
{
    my (%a) = @_;
    my $c = $a{challenge};
    my $method = $a{method} // 'GET';
    my $nc = sprintf '%08x', $a{nc};
    my $cnonce = $a{cnonce} // sprintf('%x%04x', $$, ++$cnonce_seq);
    my $qop = defined $a{body} ? 'auth-int' : 'auth';
    my $ha1 = md5_hex("$a{user}:$c->{realm}:$a{password}");
    my $ha2 = md5_hex("$method:$a{uri}"
        . (defined $a{body} ? ':' . md5_hex($a{body}) : ''));
    my $resp = md5_hex("$ha1:$c->{nonce}:$nc:$cnonce:$qop:$ha2");
    my $v = sprintf 'Digest username="%s", realm="%s", nonce="%s", '
        . 'uri="%s", algorithm=MD5, response="%s", qop=%s, nc=%s, '
        . 'cnonce="%s"', $a{user}, $c->{realm}, $c->{nonce}, $a{uri}, $resp,
        $qop, $nc, $cnonce;
    $v .= sprintf ', opaque="%s"', $c->{opaque} if defined $c->{opaque};
    return $v;
}

# Whether a response is a 401 whose Digest challenge says stale=true.
sub is_stale
{
    my ($res) = @_;
    return 0 unless $res->{code} == 401;
    for my $v (@{ $res->{headers}{'www-authenticate'} // [] }) {
        my $p = parse_challenge($v) or next;
        return 1 if lc($p->{stale} // '') eq 'true';
    }
    return 0;
}

1;
