package SDClient;
# A small HTTP Digest client for the protocol tests (t/protocol*.t), written
# so that a test controls every field LWP would choose for it:
#
#   - the hashes of RFC 7616 for MD5, SHA-256 and SHA-512-256 (FIPS 180-4
#     SHA-512/256, with its own initial values: not SHA-512 cut short), each
#     with and without -sess, for qop auth, auth-int and none (RFC 2069);
#   - userhash (RFC 7616 §3.4.4) and username* (RFC 8187);
#   - an Authorization value whose fields can be replaced, dropped or
#     followed by raw text, so that tests can send malformed headers;
#   - the check of rspauth in Authentication-Info (RFC 7616 §3.5);
#   - raw HTTP/1.1 over IO::Socket::INET (SDClient::Conn): several requests
#     on one keep-alive connection, chunked bodies, headers LWP won't send;
#   - reading the server's error_log and a CustomLog for the lines a
#     request left.
#
# Strings are octet strings throughout: a user name with non-ASCII
# characters is given as its UTF-8 octets.
#
# Typical use:
#   my $c   = SDClient->new(user => 'alice', password => 'alice pw');
#   my $res = $c->request(GET => '/x');                  # 401
#   my $ch  = SDClient::challenge($res, 'SHA-256');      # its params
#   my $a   = $c->authorization(challenge => $ch, method => 'GET',
#                               uri => '/x', qop => 'auth');
#   $res    = $c->request(GET => '/x', auth => $a);      # 200
#   my @bad = SDClient::auth_info_problems($res, $a);    # () when rspauth ok
use strict;
use warnings FATAL => 'all';

use Digest::MD5 ();
use Digest::SHA ();
use HTTP::Response ();
use Time::HiRes ();

use Apache::Test ();
use SDTest qw(base_url parse_challenges);

# ---- hashes ------------------------------------------------------------

# The hash of each family, as lower-case hex.
my %HASH = (
    'MD5'         => \&Digest::MD5::md5_hex,
    'SHA-256'     => \&Digest::SHA::sha256_hex,
    'SHA-512-256' => \&Digest::SHA::sha512256_hex,
);

# The hash family of an algorithm name ("sha-256-sess" -> "SHA-256").
sub family
{
    my ($alg) = @_;
    (my $f = uc $alg) =~ s/-SESS\z//;
    die "SDClient: unknown algorithm '$alg'\n" unless $HASH{$f};
    return $f;
}

sub is_sess
{
    my ($alg) = @_;
    return $alg =~ /-sess\z/i ? 1 : 0;
}

# H(data) of the algorithm's family, hex.
sub H
{
    my ($alg, $data) = @_;
    return $HASH{family($alg)}->($data);
}

# RFC 7616 §3.4.4: the user-hash sent as username with userhash=true.
sub userhash
{
    my ($alg, $user, $realm) = @_;
    return H($alg, "$user:$realm");
}

# The response (or, with rspauth => 1, the rspauth) of RFC 7616 §3.4.1:
#   A1       = username ":" realm ":" passwd
#   -sess A1 = H(username ":" realm ":" passwd) ":" nonce ":" cnonce
#              (the inner H as hex, RFC 2617 erratum 1649)
#   A2       = method ":" digest-uri                  qop=auth or none
#   A2       = method ":" digest-uri ":" H(body)      qop=auth-int
#   response = KD(H(A1), nonce ":" nc ":" cnonce ":" qop ":" H(A2))
#   without qop (RFC 2069 §2.1.2):  KD(H(A1), nonce ":" H(A2))
#   KD(secret, data) = H(secret ":" data)
# rspauth (§3.5) is computed the same way with an empty method.  For
# auth-int the engine puts H(request body) into rspauth's A2 too (the
# response body is not known when the header is sent: src/accept.c,
# build_auth_info), and so does this client.
# Arguments: algorithm, user, realm, password (or ha1 => hex), nonce,
# cnonce, nc (8 hex digits), qop (undef: none), method, uri, entity_hash
# (hex H(body), for auth-int), rspauth.
sub digest
{
    my (%a) = @_;
    my $alg = $a{algorithm};
    my $qop = $a{qop};
    my $ha1 = $a{ha1} // H($alg, "$a{user}:$a{realm}:$a{password}");
    $ha1 = H($alg, "$ha1:$a{nonce}:$a{cnonce}") if is_sess($alg);
    my $a2 = ($a{rspauth} ? '' : $a{method}) . ":$a{uri}";
    $a2 .= ":$a{entity_hash}" if defined $qop && lc $qop eq 'auth-int';
    my $ha2 = H($alg, $a2);
    my $data = defined $qop ? "$a{nonce}:$a{nc}:$a{cnonce}:$qop:$ha2"
                            : "$a{nonce}:$ha2";
    return H($alg, "$ha1:$data");
}

# RFC 8187 ext-value of a UTF-8 octet string: UTF-8'' and every octet
# that is not an attr-char percent-encoded.
sub ext_value
{
    my ($octets) = @_;
    (my $enc = $octets) =~ s/([^A-Za-z0-9!#\$&+\-.^_`|~])/sprintf '%%%02X', ord $1/ge;
    return "UTF-8''$enc";
}

# ---- header syntax -----------------------------------------------------

# A quoted-string with " and \ escaped.
sub quote
{
    my ($v) = @_;
    $v =~ s/(["\\])/\\$1/g;
    return qq{"$v"};
}

# Parses an auth-param list without a scheme (Authentication-Info, RFC
# 7615 §3) into { name => value }, names lower-cased; dies on a syntax
# error or a repeated name.
sub parse_params
{
    my ($v) = @_;
    my %p;
    pos($v) = 0;
    while (1) {
        $v =~ /\G[\s,]*/gc;
        last if pos($v) >= length $v;
        $v =~ /\G([!#\$%&'*+\-.^_`|~0-9A-Za-z]+)\s*=\s*/gc
            or die "auth-param syntax error at offset " . pos($v) . " in: $v\n";
        my $name = lc $1;
        my $val;
        if ($v =~ /\G"((?:[^"\\]|\\.)*)"/gc) {
            ($val = $1) =~ s/\\(.)/$1/g;
        }
        elsif ($v =~ /\G([!#\$%&'*+\-.^_`|~0-9A-Za-z]+)/gc) {
            $val = $1;
        }
        else {
            die "bad value for '$name' in: $v\n";
        }
        die "duplicate parameter '$name' in: $v\n" if exists $p{$name};
        $p{$name} = $val;
    }
    return \%p;
}

# The Digest challenges of a response (WWW-Authenticate, or
# Proxy-Authenticate for a 407) as a list of param hashes.
sub challenges
{
    my ($res) = @_;
    return map { $_->{params} }
        grep { lc $_->{scheme} eq 'digest' } parse_challenges($res);
}

# The params of the Digest challenge for $alg (any case; a challenge
# without algorithm is MD5), or of the first one when $alg is undef.
sub challenge
{
    my ($res, $alg) = @_;
    for my $ch (challenges($res)) {
        return $ch if !defined $alg
            || lc($ch->{algorithm} // 'MD5') eq lc $alg;
    }
    return undef;
}

# ---- the client --------------------------------------------------------

# new(user => ..., password => ..., [port => ..., host => ...,
#     user_agent => ...]).  The port defaults to the test server's.
sub new
{
    my ($class, %a) = @_;
    my ($host, $port) = base_url() =~ m{^http://([^:/]+):(\d+)\z}
        or die "SDClient: cannot read the server's address\n";
    return bless {
        user       => $a{user},
        password   => $a{password},
        host       => $a{host} // $host,
        port       => $a{port} // $port,
        user_agent => $a{user_agent} // 'SDClient/1',
        counts     => {},    # nonce -> last nonce count used
    }, $class;
}

sub host { $_[0]{host} }
sub port { $_[0]{port} }

# A fresh 16-hex-digit cnonce.
sub cnonce
{
    return join '', map { sprintf '%04x', int rand 0x10000 } 1 .. 4;
}

# The Authorization value answering a challenge, and what is needed to
# check the answer.  Arguments:
#   challenge   params of the challenge (realm, nonce, algorithm, qop,
#               opaque); realm, nonce, algorithm and opaque may also be
#               given directly and then win.
#   method, uri the request's (uri is the digest-uri as sent).
#   user, password   default to the client's.
#   qop         'auth', 'auth-int' or undef for none; default: auth when
#               the challenge offers it, else auth-int, else none.
#   nc          an integer; default: one above the last used for the nonce.
#   cnonce      default: fresh.
#   body        the request body, for auth-int (default empty);
#               entity_hash overrides H(body).
#   userhash    1: username = H(user:realm) and userhash=true.
#   username_star  1: username* = RFC 8187 ext-value of the user name.
#   set         { name => value }: replaces (or adds) a field after the
#               response is computed; a value given as a scalar ref is
#               written verbatim (no quoting), e.g. \'"unterminated'.
#   drop        [names]: fields left out.
#   extra       raw text appended after ", ".
# Returns { header, rspauth (expected, undef without qop), qop, nc (8 hex),
# cnonce, algorithm, nonce, realm, uri, entity_hash, response }.
sub authorization
{
    my ($self, %a) = @_;
    my $ch = $a{challenge} // {};
    my $realm = $a{realm} // $ch->{realm};
    my $nonce = $a{nonce} // $ch->{nonce};
    my $alg = $a{algorithm} // $ch->{algorithm} // 'MD5';
    my $opaque = exists $a{opaque} ? $a{opaque} : $ch->{opaque};
    my $user = $a{user} // $self->{user};
    my $password = $a{password} // $self->{password};
    die "SDClient: no realm or nonce\n" unless defined $realm && defined $nonce;

    my $qop;
    if (exists $a{qop}) {
        $qop = $a{qop};
    }
    else {
        my %offered = map { lc($_) => 1 } split /\s*,\s*/, $ch->{qop} // '';
        $qop = $offered{auth} ? 'auth' : $offered{'auth-int'} ? 'auth-int'
                                       : undef;
    }
    my ($nc, $cnonce);
    if (defined $qop || is_sess($alg)) {
        my $n = $a{nc} // ($self->{counts}{$nonce} // 0) + 1;
        $self->{counts}{$nonce} = $n
            if $n > ($self->{counts}{$nonce} // 0);
        $nc = sprintf '%08x', $n;
        $cnonce = $a{cnonce} // cnonce();
    }
    my $entity_hash = $a{entity_hash} // H($alg, $a{body} // '');
    my %in = (algorithm => $alg, user => $user, realm => $realm,
        password => $password, nonce => $nonce, cnonce => $cnonce, nc => $nc,
        qop => $qop, method => $a{method}, uri => $a{uri},
        entity_hash => $entity_hash);
    my $response = digest(%in);
    my $rspauth = defined $qop ? digest(%in, rspauth => 1) : undef;

    # Fields in the order Chromium sends them; algorithm, qop, nc and
    # userhash unquoted (RFC 7616 §3.4), username* a token (RFC 8187).
    my @fields;
    if ($a{username_star}) {
        push @fields, ['username*', \ext_value($user)];
    }
    elsif ($a{userhash}) {
        push @fields, [username => userhash($alg, $user, $realm)];
    }
    else {
        push @fields, [username => $user];
    }
    push @fields, [realm => $realm], [nonce => $nonce], [uri => $a{uri}],
        [algorithm => \$alg], [response => $response];
    push @fields, [opaque => $opaque] if defined $opaque;
    push @fields, [qop => \$qop], [nc => \$nc], [cnonce => $cnonce]
        if defined $qop;
    push @fields, [userhash => \'true'] if $a{userhash};

    my %set = %{ $a{set} // {} };
    my %drop = map { lc($_) => 1 } @{ $a{drop} // [] };
    my @out;
    for my $f (@fields) {
        my ($name, $value) = @$f;
        next if $drop{lc $name};
        $value = delete $set{$name} if exists $set{$name};
        push @out, [$name, $value];
    }
    push @out, map { [$_, $set{$_}] } sort keys %set;
    my $header = 'Digest ' . join ', ', map {
        my ($name, $value) = @$_;
        "$name=" . (ref $value ? $$value : quote($value));
    } @out;
    $header .= ", $a{extra}" if defined $a{extra};

    return { header => $header, rspauth => $rspauth, qop => $qop, nc => $nc,
        cnonce => $cnonce, algorithm => $alg, nonce => $nonce,
        realm => $realm, uri => $a{uri}, entity_hash => $entity_hash,
        response => $response };
}

# What is wrong with the Authentication-Info of $res for the answer $auth
# (from authorization()): a list of messages, empty when rspauth, qop,
# cnonce and nc are right.  Without qop an Authentication-Info is optional
# and carries no rspauth.
sub auth_info_problems
{
    my ($res, $auth) = @_;
    my $value = $res->header('Authentication-Info');
    return () if !defined $auth->{qop} && !defined $value;
    return ('no Authentication-Info') unless defined $value;
    my $p = eval { parse_params($value) };
    return ("Authentication-Info does not parse: $@") unless $p;
    return () unless defined $auth->{qop};
    my @bad;
    for ([rspauth => $auth->{rspauth}], [qop => $auth->{qop}],
         [cnonce => $auth->{cnonce}], [nc => $auth->{nc}]) {
        my ($name, $want) = @$_;
        my $got = $p->{$name};
        push @bad, "$name is " . ($got // 'missing') . ", expected $want"
            unless defined $got && $got eq $want;
    }
    return @bad;
}

# One request on a new connection (closed after it), or on `conn => $c`.
# request(METHOD => $target, auth => $authorization-or-header-string,
#         headers => [name => value, ...], body => $octets,
#         chunks => [$octets, ...], conn => $conn, user_agent => ...)
# Returns an HTTP::Response (code 0 when no response came).
sub request
{
    my ($self, $method, $target, %a) = @_;
    my @headers = @{ $a{headers} // [] };
    if (defined $a{auth}) {
        unshift @headers, Authorization =>
            ref $a{auth} ? $a{auth}{header} : $a{auth};
    }
    my $conn = $a{conn};
    my $own = !$conn;
    $conn //= $self->connect;
    return HTTP::Response->new(0, "cannot connect: $!") unless $conn;
    my $res = $conn->request($method, $target, %a, headers => \@headers,
        close => $own, user_agent => $a{user_agent} // $self->{user_agent});
    $conn->close if $own;
    return $res;
}

# A new keep-alive connection to the server.
sub connect
{
    my ($self) = @_;
    return SDClient::Conn->new(host => $self->{host}, port => $self->{port},
        user_agent => $self->{user_agent});
}

# The common round: GET/POST $target without credentials, answer the
# challenge for `algorithm` (default: the first), send it.  Other
# arguments go to authorization() and request().  Returns ($res, $auth,
# $challenge_response).
sub login
{
    my ($self, $method, $target, %a) = @_;
    my $first = $self->request($method, $target,
        conn => $a{conn}, headers => $a{headers});
    my $ch = challenge($first, $a{algorithm});
    return ($first, undef, $first) unless $ch;
    my $auth = $self->authorization(%a, challenge => $ch, method => $method,
        uri => $a{uri} // $target);
    my $res = $self->request($method, $target, %a, auth => $auth);
    return ($res, $auth, $first);
}

# ---- server logs -------------------------------------------------------

sub log_path
{
    my ($name) = @_;
    return Apache::Test::vars('serverroot') . "/logs/$name";
}

# The current size of a log (default error_log), to read what follows.
sub log_mark
{
    my ($name) = @_;
    return -s log_path($name // 'error_log') // 0;
}

# The lines written to a log since $mark that match $re (all lines when
# $re is undef).  Access logs are written after the response is sent:
# with `wait => 1` this polls for up to 3 s for at least one line.
sub log_since
{
    my ($mark, $re, %a) = @_;
    my $path = log_path($a{name} // 'error_log');
    my $deadline = Time::HiRes::time() + ($a{wait} ? 3 : 0);
    while (1) {
        my @lines;
        if (open my $fh, '<', $path) {
            binmode $fh;
            seek $fh, $mark, 0;
            @lines = grep { !defined $re || /$re/ } <$fh>;
            close $fh;
        }
        return @lines if @lines || Time::HiRes::time() >= $deadline;
        Time::HiRes::sleep(0.05);
    }
}

# ---- raw HTTP/1.1 ------------------------------------------------------

package SDClient::Conn;
# One TCP connection to the server.  request() writes a request and reads
# its response; send_raw()/read_response() let a test write anything.

use IO::Select ();
use IO::Socket::INET ();

my $TIMEOUT = 20;    # seconds without a byte before giving up

sub new
{
    my ($class, %a) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => $a{host},
        PeerPort => $a{port}, Proto => 'tcp', Timeout => $TIMEOUT)
        or return undef;
    binmode $sock;
    $sock->autoflush(1);
    return bless { sock => $sock, buf => '', eof => 0, host => $a{host},
        port => $a{port}, user_agent => $a{user_agent} // 'SDClient/1' },
        $class;
}

# Whether the server has not (yet) closed the connection.
sub is_open
{
    my ($self) = @_;
    return 0 if !$self->{sock} || $self->{eof};
    my $sel = IO::Select->new($self->{sock});
    return 1 unless $sel->can_read(0);
    my $n = sysread $self->{sock}, my $chunk, 65536;
    return 0 unless $n;
    $self->{buf} .= $chunk;
    return 1;
}

sub close
{
    my ($self) = @_;
    close $self->{sock} if $self->{sock};
    $self->{sock} = undef;
}

sub send_raw
{
    my ($self, $bytes) = @_;
    local $SIG{PIPE} = 'IGNORE';
    my $off = 0;
    while ($off < length $bytes) {
        my $n = syswrite $self->{sock}, $bytes, length($bytes) - $off, $off;
        return 0 unless defined $n;
        $off += $n;
    }
    return 1;
}

# request($method, $target, headers => [...], body => $octets,
#         chunks => [...], close => 1, user_agent => ..., raw => 1)
# Host, User-Agent, Content-Length (or Transfer-Encoding: chunked for
# chunks) and, with close, Connection: close are added unless the headers
# carry them; with raw => 1 only the given headers are sent.
sub request
{
    my ($self, $method, $target, %a) = @_;
    my @h = @{ $a{headers} // [] };
    my %have;
    for (my $i = 0; $i < @h; $i += 2) {
        $have{ lc $h[$i] } = 1;
    }
    my $req = "$method $target HTTP/1.1\r\n";
    unless ($a{raw}) {
        $req .= "Host: $self->{host}:$self->{port}\r\n" unless $have{host};
        $req .= "User-Agent: " . ($a{user_agent} // $self->{user_agent})
            . "\r\n" unless $have{'user-agent'};
        if ($a{chunks}) {
            $req .= "Transfer-Encoding: chunked\r\n";
        }
        elsif (defined $a{body} && !$have{'content-length'}) {
            $req .= "Content-Length: " . length($a{body}) . "\r\n";
        }
        $req .= "Connection: close\r\n" if $a{close} && !$have{connection};
    }
    while (my ($name, $value) = splice @h, 0, 2) {
        $req .= "$name: $value\r\n";
    }
    $req .= "\r\n";
    if ($a{chunks}) {
        $req .= sprintf("%x\r\n", length $_) . "$_\r\n"
            for grep { length } @{ $a{chunks} };
        $req .= "0\r\n\r\n";
    }
    elsif (defined $a{body}) {
        $req .= $a{body};
    }
    $self->send_raw($req)
        or return HTTP::Response->new(0, "write failed: $!");
    return $self->read_response($method);
}

# Reads what the server has sent next into the buffer; false at EOF or
# after $TIMEOUT seconds of silence.
sub fill
{
    my ($self) = @_;
    return 0 if $self->{eof} || !$self->{sock};
    my $sel = IO::Select->new($self->{sock});
    unless ($sel->can_read($TIMEOUT)) {
        $self->{timeout} = 1;
        return 0;
    }
    my $n = sysread $self->{sock}, my $chunk, 65536;
    unless ($n) {
        $self->{eof} = 1;
        return 0;
    }
    $self->{buf} .= $chunk;
    return 1;
}

# Takes $n octets off the buffer, reading as needed; undef if cut short.
sub take
{
    my ($self, $n) = @_;
    while (length $self->{buf} < $n) {
        return undef unless $self->fill;
    }
    return substr $self->{buf}, 0, $n, '';
}

# Takes one CRLF-terminated line (without the CRLF).
sub take_line
{
    my ($self) = @_;
    while ((my $i = index $self->{buf}, "\r\n") < 0) {
        return undef unless $self->fill;
    }
    my $i = index $self->{buf}, "\r\n";
    my $line = substr $self->{buf}, 0, $i + 2, '';
    return substr $line, 0, $i;
}

# Reads one response (skipping 1xx) into an HTTP::Response; code 0 with
# a message when the connection ended first.
sub read_response
{
    my ($self, $method) = @_;
    $method //= 'GET';
    while (1) {
        my $status = $self->take_line;
        return HTTP::Response->new(0, $self->{timeout} ? 'timeout'
                                                        : 'connection closed')
            unless defined $status;
        my ($code, $msg) = $status =~ m{^HTTP/1\.[01] (\d{3}) ?(.*)\z}
            or return HTTP::Response->new(0, "bad status line: $status");
        my $res = HTTP::Response->new($code, $msg);
        while (1) {
            my $line = $self->take_line;
            return HTTP::Response->new(0, 'headers cut short')
                unless defined $line;
            last if $line eq '';
            my ($name, $value) = $line =~ /^([^:]+):[ \t]*(.*?)[ \t]*\z/
                or next;
            $res->push_header($name, $value);
        }
        next if $code >= 100 && $code < 200;
        my $body = '';
        if ($method eq 'HEAD' || $code == 204 || $code == 304) {
        }
        elsif (lc($res->header('Transfer-Encoding') // '') eq 'chunked') {
            while (1) {
                my $size = $self->take_line;
                return HTTP::Response->new(0, 'chunk cut short')
                    unless defined $size && $size =~ /^([0-9a-fA-F]+)/;
                my $n = hex $1;
                if ($n == 0) {
                    while (defined(my $t = $self->take_line)) {
                        last if $t eq '';
                    }
                    last;
                }
                my $data = $self->take($n + 2);
                return HTTP::Response->new(0, 'chunk cut short')
                    unless defined $data;
                $body .= substr $data, 0, $n;
            }
        }
        elsif (defined(my $len = $res->header('Content-Length'))) {
            $body = $self->take($len);
            return HTTP::Response->new(0, 'body cut short')
                unless defined $body;
        }
        else {
            1 while $self->fill;
            $body = $self->{buf};
            $self->{buf} = '';
            $self->{eof} = 1;
        }
        $res->content($body);
        $self->{eof} = 1
            if lc($res->header('Connection') // '') eq 'close';
        return $res;
    }
}

1;
