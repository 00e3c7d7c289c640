package SDInterop;
# Helpers for the real-client tests (t/clients.t, t/proxy.t, t/http2.t):
# run an external client (curl, python3, node) with a time limit and catch
# its stdout and stderr; run curl -v and pick out what it sent and got; read
# the lines a log file gained since a mark, waiting for httpd to write them
# (it logs a request after sending the response).  Every URL handed to
# these helpers must be a 127.0.0.1 one: the suite never leaves the host.
use strict;
use warnings FATAL => 'all';

use Exporter 'import';
use File::Temp ();
use POSIX ();
use Time::HiRes ();
use SDTest qw(parse_challenges);

our @EXPORT_OK = qw(run_cmd curl log_mark log_since wait_log access_entries
    auth_params have_curl have_python_requests);

# run_cmd(\%opt, @argv) or run_cmd(@argv): runs @argv (no shell) with stdin
# from /dev/null; returns { rc => exit status (-1 when killed by the time
# limit), out => stdout, err => stderr }.  %opt: timeout (s, default 60),
# env (hash of variables to set).
sub run_cmd
{
    my %opt = ref $_[0] eq 'HASH' ? %{ shift @_ } : ();
    my @argv = @_;
    my $timeout = $opt{timeout} // 60;
    my $out = File::Temp->new(TMPDIR => 1);
    my $err = File::Temp->new(TMPDIR => 1);
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        # the child: its own process group, so a time-out kills it all
        POSIX::setpgid(0, 0);
        open STDIN, '<', '/dev/null' or POSIX::_exit(126);
        open STDOUT, '>&', $out or POSIX::_exit(126);
        open STDERR, '>&', $err or POSIX::_exit(126);
        @ENV{ keys %{ $opt{env} } } = values %{ $opt{env} } if $opt{env};
        { no warnings 'exec'; exec { $argv[0] } @argv; }
        POSIX::_exit(127);
    }
    my $killed = 0;
    my $deadline = Time::HiRes::time() + $timeout;
    while (waitpid($pid, POSIX::WNOHANG()) == 0) {
        if (Time::HiRes::time() > $deadline) {
            kill 'KILL', -$pid;
            kill 'KILL', $pid;
            waitpid $pid, 0;
            $killed = 1;
            last;
        }
        Time::HiRes::sleep(0.02);
    }
    my $rc = $killed ? -1 : $? >> 8;
    return { rc => $rc, out => _slurp("$out"), err => _slurp("$err") };
}

sub _slurp
{
    my ($file) = @_;
    open my $fh, '<', $file or return '';
    local $/;
    my $s = <$fh>;
    return $s // '';
}

sub have_curl { return -x '/usr/bin/curl' }

sub have_python_requests
{
    return -x '/usr/bin/python3'
        && run_cmd({ timeout => 30 }, '/usr/bin/python3', '-c',
                   'import requests')->{rc} == 0;
}

# curl(@args): curl -v with @args (options and URLs), never through a proxy
# from the environment (only through one given with --proxy), 20 s per
# transfer.  Returns the run_cmd result plus
#   transfers => [ { status, connects, http_version, url } ... ] one per
#                URL from -w (in completion order; with --parallel too),
#   sent_auth => [ Authorization header values sent, in order ],
#   sent_proxy_auth => [ Proxy-Authorization values sent ],
#   codes     => [ status of every response seen by -v, in order ],
#   headers   => [ every response header line seen by -v ("Name: value") ],
#   body      => stdout without the -w lines.
sub curl
{
    my @args = @_;
    # no proxy from the environment, unless the test names one itself
    my @noproxy = grep({ $_ eq '--proxy' } @args) ? () : ('--noproxy', '*');
    my $r = run_cmd({ timeout => 90 }, '/usr/bin/curl', '-sS', '-v',
        @noproxy, '--max-time', '20',
        '-w', '\nSDCURL status=%{http_code} connects=%{num_connects} '
            . 'http=%{http_version} url=%{url_effective}\n',
        @args);
    my (@transfers, @body);
    for my $line (split /\n/, $r->{out}) {
        if ($line =~ /^SDCURL status=(\d+) connects=(\d+) http=(\S+) url=(.*)$/) {
            push @transfers, { status => $1, connects => $2,
                http_version => $3, url => $4 };
        }
        else {
            push @body, $line;
        }
    }
    $r->{transfers} = \@transfers;
    $r->{body} = join "\n", @body;
    for my $line (split /\n/, $r->{err}) {
        $line =~ s/\r\z//;
        push @{ $r->{sent_auth} }, $1 if $line =~ /^> Authorization: (.*)$/i;
        push @{ $r->{sent_proxy_auth} }, $1
            if $line =~ /^> Proxy-Authorization: (.*)$/i;
        push @{ $r->{codes} }, $1 if $line =~ m{^< HTTP/[\d.]+ (\d{3})};
        push @{ $r->{headers} }, $1 if $line =~ /^< ([A-Za-z0-9-]+:.*)$/;
    }
    $r->{$_} //= [] for qw(sent_auth sent_proxy_auth codes headers);
    return $r;
}

# The parameters of a Digest Authorization (or Proxy-Authorization) value,
# names lower-cased, quotes removed; {} when it is not Digest or malformed.
sub auth_params
{
    my ($value) = @_;
    return {} unless defined $value && $value =~ /^Digest\s/i;
    my @c = eval { parse_challenges($value) };
    return {} unless @c && lc $c[0]{scheme} eq 'digest';
    return $c[0]{params};
}

# A mark in a log file: its current size.
sub log_mark
{
    my ($file) = @_;
    return -s $file // 0;
}

# The complete lines $file gained since $mark.
sub log_since
{
    my ($file, $mark) = @_;
    open my $fh, '<', $file or return ();
    seek $fh, $mark, 0;
    local $/;
    my $s = <$fh> // '';
    $s =~ s/[^\n]*\z//;    # a line being written
    return split /\n/, $s;
}

# The lines gained since $mark once at least $want of them match $re,
# waiting up to $secs (default 5) for httpd to write them.
sub wait_log
{
    my ($file, $mark, $re, $want, $secs) = @_;
    my $deadline = Time::HiRes::time() + ($secs // 5);
    my @lines;
    while (1) {
        @lines = log_since($file, $mark);
        last if grep(/$re/, @lines) >= $want
            || Time::HiRes::time() > $deadline;
        Time::HiRes::sleep(0.05);
    }
    return @lines;
}

# Lines of an access log written with the format
#   "%r" %>s %{remote}p %{Authorization}i
# (the client's port, then the Authorization or Proxy-Authorization value,
# or "-"), parsed into
#   { method, target, protocol, status, port, auth => value or undef,
#     params => auth_params(value) }.
sub access_entries
{
    my @out;
    for my $line (@_) {
        next unless $line =~ /^"(\S+) (\S+) (\S+)" (\d{3}) (\d+) (.*)$/;
        my ($m, $t, $proto, $st, $port, $a) = ($1, $2, $3, $4, $5, $6);
        $a =~ s/\\(["\\])/$1/g;    # ap_escape_logitem
        $a = undef if $a eq '-';
        push @out, { method => $m, target => $t, protocol => $proto,
            status => $st, port => $port, auth => $a, params => auth_params($a) };
    }
    return @out;
}

1;
