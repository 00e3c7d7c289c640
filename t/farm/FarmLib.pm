package FarmLib;
# What the farm scripts (t/farm/*.pl) share: TAP-like counting, a
# temporary directory, processes they start and always stop (on success,
# failure, die or signal), free loopback ports, and two httpd instances
# with the module under test.  Nothing here needs Apache::Test.
use strict;
use warnings FATAL => 'all';

use Cwd qw(abs_path);
use Digest::MD5 ();
use File::Basename qw(dirname);
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempdir);
use Getopt::Long qw(GetOptionsFromArray);
use IO::Socket::INET ();
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);

my $passed = 0;
my $failed = 0;
my $count = 0;
my @procs; # { pid, name }
my %opt;
my $tmp;
my $label = 'farm';
my $cleaning = 0;

# ---- options, directory, end --------------------------------------------

# Reads the common options:
#   --so PATH       the module (default .libs/mod_auth_sspidigest.so)
#   --results FILE  "passed=N failed=M" goes there
#   --keep          keep the temporary directory (its path is printed)
#   --mpm NAME      event (default), worker or prefork
#   --asan          the module is an ASan build (make module-asan): httpd
#                   runs with the ASan runtime preloaded, and a sanitizer
#                   report in its logs is a failure
# FARM_LOGLEVEL in the environment (e.g. debug) sets the instances'
# LogLevel (default info).
# Returns the option hash; sets up the directory and the exit handlers.
sub setup
{
    my ($name, @argv) = @_;
    $label = $name;
    my $root = abs_path(dirname(__FILE__) . '/../..');
    %opt = (so => "$root/.libs/mod_auth_sspidigest.so", mpm => 'event',
        root => $root);
    GetOptionsFromArray(\@argv, \%opt, 'so=s', 'results=s', 'keep', 'mpm=s',
        'asan')
        or die "usage: $0 [--so PATH] [--results FILE] [--keep] [--mpm M] "
        . "[--asan]\n";
    $opt{so} = abs_path($opt{so}) if -e $opt{so};
    $tmp = tempdir("$name.XXXXXX", TMPDIR => 1);
    chmod 0755, $tmp;
    $SIG{INT} = sub { bail('interrupted') };
    $SIG{TERM} = sub { bail('terminated') };
    $SIG{HUP} = sub { bail('hung up') };
    $SIG{PIPE} = 'IGNORE';
    $SIG{__DIE__} = sub {
        return if $^S; # inside an eval
        bail("died: $_[0]");
    };
    return \%opt;
}

sub tmp { return $tmp }
sub mpm { return $opt{mpm} }

# Stops what is still running; keeps the directory with --keep or when a
# test failed (its logs are copied to build/farm-logs/NAME).
sub cleanup
{
    return if $cleaning++;
    my @running = reverse @procs;
    stop_proc($_) for @running;
    @procs = ();
    return unless defined $tmp && -d $tmp;
    if ($failed && $opt{root}) {
        my $keep = "$opt{root}/build/farm-logs/$label";
        remove_tree($keep);
        make_path($keep);
        system('sh', '-c', 'cd "$1" && find . -name "*log*" | '
            . 'while read -r f; do mkdir -p "$2/$(dirname "$f")" && '
            . 'cp "$f" "$2/$f"; done', 'sh', $tmp, $keep);
        print "# logs kept in $keep\n";
    }
    if ($opt{keep}) {
        print "# kept $tmp\n";
    }
    else {
        remove_tree($tmp);
    }
}

sub bail
{
    my ($why) = @_;
    chomp $why;
    $count++;
    print "not ok $count - $why\n";
    $failed++;
    finish();
}

END {
    my $rc = $?;
    cleanup();
    $? = $rc;
}

# A sanitizer report in any log of the run.
sub sanitizer_reports
{
    return 0 unless defined $tmp && -d $tmp;
    my $hits = `grep -rls -e AddressSanitizer -e 'runtime error:' '$tmp' 2>/dev/null`;
    return length $hits;
}

# Prints the summary line, writes --results, exits 0 when all passed.
sub finish
{
    $failed++ if $passed + $failed == 0;
    my @running = reverse @procs;
    stop_proc($_) for @running;
    ok(!sanitizer_reports(), 'no sanitizer report in the logs') if $opt{asan};
    cleanup();
    print "$label: $passed passed, $failed failed\n";
    if ($opt{results}) {
        make_path(dirname($opt{results}));
        open my $fh, '>', $opt{results} or die "$opt{results}: $!\n";
        print $fh "passed=$passed failed=$failed\n";
        close $fh;
    }
    exit($failed ? 1 : 0);
}

# ---- TAP ---------------------------------------------------------------

sub ok
{
    my ($cond, $name) = @_;
    $count++;
    if ($cond) {
        $passed++;
        print "ok $count - $name\n";
    }
    else {
        $failed++;
        print "not ok $count - $name\n";
    }
    return $cond;
}

sub is_eq
{
    my ($got, $want, $name) = @_;
    my $ok = ok(defined $got && $got eq $want, $name);
    diag("got '" . ($got // 'undef') . "', want '$want'") unless $ok;
    return $ok;
}

sub diag
{
    print map { "# $_\n" } split /\n/, join '', @_;
}

# ---- processes -----------------------------------------------------------

# Starts @cmd in the background, its output in $log; returns its record.
sub start_proc
{
    my ($name, $log, @cmd) = @_;
    my $pid = fork;
    die "fork: $!\n" unless defined $pid;
    if ($pid == 0) {
        # A group of its own: prefork's httpd signals its whole process
        # group when it stops, which must not include this script.
        POSIX::setsid();
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $log or POSIX::_exit(127);
        open STDERR, '>&', \*STDOUT;
        exec @cmd or POSIX::_exit(127);
    }
    my $p = { pid => $pid, name => $name };
    push @procs, $p;
    return $p;
}

sub alive
{
    my ($p) = @_;
    return 0 unless $p->{pid};
    return waitpid($p->{pid}, WNOHANG) == 0;
}

# SIGTERM, then SIGKILL after $grace seconds; reaps it.
sub stop_proc
{
    my ($p, $grace) = @_;
    return unless $p->{pid};
    $grace //= 10;
    if (waitpid($p->{pid}, WNOHANG) == 0) {
        kill 'TERM', $p->{pid};
        my $until = time + $grace;
        while (time < $until && waitpid($p->{pid}, WNOHANG) == 0) {
            sleep 0.02;
        }
        if (waitpid($p->{pid}, WNOHANG) == 0) {
            kill 'KILL', $p->{pid};
            waitpid($p->{pid}, 0);
        }
    }
    $p->{pid} = 0;
    @procs = grep { $_ != $p } @procs;
}

# A free TCP port on 127.0.0.1 (not one handed out before by this run).
my %given;
sub free_port
{
    for (1 .. 50) {
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
            LocalPort => 0, Listen => 1, ReuseAddr => 0) or next;
        my $port = $s->sockport;
        close $s;
        next if $given{$port}++;
        return $port;
    }
    die "no free port\n";
}

# Waits until 127.0.0.1:$port accepts connections; false on timeout.
sub wait_port
{
    my ($port, $timeout) = @_;
    my $until = time + ($timeout // 10);
    while (time < $until) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
            PeerPort => $port, Proto => 'tcp', Timeout => 1);
        if ($s) {
            close $s;
            return 1;
        }
        sleep 0.02;
    }
    return 0;
}

sub write_file
{
    my ($path, $content, $mode) = @_;
    open my $fh, '>', $path or die "$path: $!\n";
    binmode $fh;
    print $fh $content;
    close $fh;
    chmod $mode, $path if defined $mode;
}

sub slurp
{
    my ($path) = @_;
    open my $fh, '<', $path or return '';
    local $/;
    return scalar <$fh>;
}

sub random_octets
{
    my ($n) = @_;
    open my $fh, '<', '/dev/urandom' or die "/dev/urandom: $!\n";
    read($fh, my $b, $n) == $n or die "short read from /dev/urandom\n";
    return $b;
}

# ---- httpd -------------------------------------------------------------

my ($httpd_bin, $moddir, $builtin);

sub httpd_paths
{
    return if $httpd_bin;
    my $apxs = `sh -c 'command -v apxs || command -v apxs2'`;
    chomp $apxs;
    die "apxs not found (apache2-dev)\n" unless $apxs;
    my $sbin = `$apxs -q SBINDIR`;
    my $target = `$apxs -q TARGET`;
    $moddir = `$apxs -q LIBEXECDIR`;
    chomp($sbin, $target, $moddir);
    $httpd_bin = "$sbin/$target";
    $builtin = `$httpd_bin -l`;
}

sub httpd_bin
{
    httpd_paths();
    return $httpd_bin;
}

# Writes DIR/httpd.conf for one instance, with /server-status (mod_status,
# ExtendedStatus On).  %c: dir, port, cache (the AuthDigestNonceCache
# value), secrets (array ref of files), lifetime,
# extra (text appended), before_module (text before the module's
# LoadModule line), mpm (instead of --mpm).  Users and documents are shared
# (FarmLib::users, FarmLib::htdocs).
sub httpd_conf
{
    my (%c) = @_;
    httpd_paths();
    my $dir = $c{dir};
    make_path("$dir/run");
    my $mpm = $c{mpm} // $opt{mpm};
    my @mods = ("mpm_$mpm", qw(authn_core authz_core authn_file authz_user
        mime log_config status));
    my $load = '';
    for my $m (@mods) {
        next if $builtin =~ /^\s*mod_\Q$m\E\.c$/m;
        $load .= "LoadModule ${m}_module $moddir/mod_$m.so\n";
    }
    my $user = $> == 0 ? "User nobody\nGroup nogroup\n" : '';
    my $mpm_conf = $mpm eq 'prefork'
        ? "StartServers 3\nMinSpareServers 2\nMaxSpareServers 6\n"
            . "MaxRequestWorkers 16\n"
        : "StartServers 2\nServerLimit 2\nThreadsPerChild 16\n"
            . "MinSpareThreads 4\nMaxSpareThreads 32\nMaxRequestWorkers 32\n";
    my $secret = @{ $c{secrets} // [] }
        ? "AuthDigestNonceSecret @{ $c{secrets} }\n" : '';
    my $cache = $c{cache} ? "AuthDigestNonceCache $c{cache}\n" : '';
    my $lifetime = $c{lifetime} // 300;
    write_file("$dir/httpd.conf", <<"EOF");
# Written by t/farm/FarmLib.pm for one farm instance.
$load
${\($c{before_module} // '')}
LoadModule auth_sspidigest_module $opt{so}
ServerRoot "$dir"
ServerName 127.0.0.1
Listen 127.0.0.1:$c{port}
${user}PidFile "$dir/run/httpd.pid"
DefaultRuntimeDir "$dir/run"
ErrorLog "$dir/error_log"
LogLevel ${\($ENV{FARM_LOGLEVEL} // "info")}
LogFormat "%P %>s %r" pidlog
CustomLog "$dir/access_log" pidlog
TypesConfig /etc/mime.types
DocumentRoot "$tmp/htdocs"
KeepAlive On
KeepAliveTimeout 5
Timeout 20
$mpm_conf
${secret}${cache}
<Location /farm/>
    AuthType Digest
    AuthName "farm"
    AuthUserFile "$tmp/users.digest"
    AuthDigestNonceLifetime $lifetime
    Require valid-user
</Location>
<Location /farm/int/>
    AuthDigestQop auth-int
</Location>
# The replay store's figures (t/farm/StatusPage.pm reads ?auto).
ExtendedStatus On
<Location /server-status>
    SetHandler server-status
</Location>
${\($c{extra} // '')}
EOF
}

# The shared documents and users file: alice / "farm pw", realm "farm".
sub farm_files
{
    make_path("$tmp/htdocs/farm");
    write_file("$tmp/htdocs/farm/index.html", "farm page\n", 0644);
    write_file("$tmp/users.digest",
        'alice:farm:' . Digest::MD5::md5_hex('alice:farm:farm pw') . "\n",
        0644);
}

# A 32-octet secret file, mode 600.
sub secret_file
{
    my ($name) = @_;
    my $path = "$tmp/$name";
    write_file($path, random_octets(32), 0600);
    return $path;
}

# With --asan: the environment that loads the ASan runtime first.
sub asan_env
{
    return () unless $opt{asan};
    chomp(my $lib = `gcc -print-file-name=libasan.so`);
    return (LD_PRELOAD => $lib, ASAN_OPTIONS => 'detect_leaks=0');
}

# Runs httpd -t on a config: (exit status, output).
sub configtest
{
    my ($conf) = @_;
    local %ENV = (%ENV, asan_env());
    my $bin = httpd_bin();
    my $out = `$bin -t -f '$conf' 2>&1`;
    return ($? >> 8, $out);
}

# Starts httpd in the foreground on its config; waits until it listens
# and has said "resuming normal operations".  Returns its record.  %env:
# more environment (LD_PRELOAD is joined with the ASan runtime's).
sub start_httpd
{
    my ($name, $dir, $port, %env) = @_;
    my %asan = asan_env();
    if ($env{LD_PRELOAD} && $asan{LD_PRELOAD}) {
        $env{LD_PRELOAD} = "$asan{LD_PRELOAD}:$env{LD_PRELOAD}";
    }
    local %ENV = (%ENV, %asan, %env);
    my $p = start_proc("httpd $name", "$dir/stderr.log", httpd_bin(),
        '-f', "$dir/httpd.conf", '-DFOREGROUND');
    $p->{dir} = $dir;
    $p->{port} = $port;
    my $until = time + 15;
    while (time < $until) {
        die "httpd $name exited at start-up:\n" . slurp("$dir/stderr.log")
            . slurp("$dir/error_log") unless alive($p);
        last if generations($p) >= 1 && wait_port($port, 0.1);
        sleep 0.02;
    }
    die "httpd $name did not start\n" unless generations($p) >= 1;
    return $p;
}

# How many times httpd said "resuming normal operations".
sub generations
{
    my ($p) = @_;
    my @n = slurp("$p->{dir}/error_log") =~ /resuming normal operations/g;
    return scalar @n;
}

# Graceful restart (SIGUSR1); waits for the new generation.
sub graceful
{
    my ($p) = @_;
    my $before = generations($p);
    kill 'USR1', $p->{pid};
    my $until = time + 15;
    while (time < $until) {
        return 1 if generations($p) > $before;
        sleep 0.02;
    }
    return 0;
}

# Lines of a server's error_log that match $re.
sub log_lines
{
    my ($p, $re) = @_;
    return grep { /$re/ } split /\n/, slurp("$p->{dir}/error_log");
}

1;
