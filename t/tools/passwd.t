#!/usr/bin/perl
# t/tools/passwd.t: the password tool, sspidigest-passwd.  RFC 7616's
# values land in the file for every -a choice; other lines stay octet for
# octet; the file is never half-written; the terminal prompt works and is
# silent; and the MD5 form is htdigest's, both ways.
#
#   prove t/tools/passwd.t
#   SSPIDIGEST_PASSWD=build/asan/sspidigest-passwd prove t/tools/passwd.t
#
# The source is read as octets (no `use utf8`), so "Jäsøn Doe" is UTF-8.
use strict;
use warnings;

use Digest::MD5 qw(md5_hex);
use Digest::SHA qw(sha256_hex sha512256_hex);
use File::Spec;
use File::Temp qw(tempdir);
use IO::Select;
use IPC::Open2;
use POSIX ();
use Test::More;

my $tool = File::Spec->rel2abs($ENV{SSPIDIGEST_PASSWD} // 'build/sspidigest-passwd');
BAIL_OUT("$tool is not an executable; build it first") unless -x $tool;
my $have_script = system('script --version >/dev/null 2>&1') == 0;
my $htdigest = (grep { -x } map { "$_/htdigest" } split /:/, "$ENV{PATH}:/usr/bin")[0];

umask 022;
my $top = tempdir(CLEANUP => 1);
chmod 0755, $top; # the tests run as nobody need to get in
my $serial = 0;

# ---- helpers ---------------------------------------------------------------

# A fresh, empty directory for one test.
sub fresh_dir {
    my $d = "$top/" . ++$serial;
    mkdir $d or die "mkdir $d: $!";
    chmod 0755, $d;
    return $d;
}

sub slurp {
    my ($path) = @_;
    open my $fh, '<:raw', $path or return undef;
    local $/;
    my $s = <$fh>;
    return $s // '';
}

sub spew {
    my ($path, $s) = @_;
    open my $fh, '>:raw', $path or die "$path: $!";
    print $fh $s;
    close $fh or die "$path: $!";
}

# The names in a directory, to see that no temporary file is left.
sub names_in {
    my ($d) = @_;
    opendir my $dh, $d or die "$d: $!";
    return join ' ', sort grep { !/^\.\.?$/ } readdir $dh;
}

# Runs the tool with @$args, stdin from $o{stdin}, in a new session so that
# it has no terminal; $o{prefix} goes before the tool (setpriv, sh -c ...).
# Returns {status (wait status), exit, err, out}.
sub run {
    my ($args, %o) = @_;
    my $d = tempdir(CLEANUP => 1);
    spew("$d/in", $o{stdin} // '');
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        POSIX::setsid();
        open STDIN, '<', "$d/in" or die;
        open STDOUT, '>', "$d/out" or die;
        open STDERR, '>', "$d/err" or die;
        exec @{ $o{prefix} // [] }, $tool, @$args or POSIX::_exit(127);
    }
    waitpid $pid, 0;
    return { status => $?, exit => $? >> 8, out => slurp("$d/out"),
             err => slurp("$d/err") };
}

# -i with a password; returns run()'s result.
sub run_i {
    my ($args, $password, %o) = @_;
    return run(['-i', @$args], stdin => $password, %o);
}

sub line_of {
    my ($user, $realm, $hashes) = @_;
    return "$user:$realm:$hashes\n";
}

sub sh_quote {
    my ($s) = @_;
    $s =~ s/'/'\\''/g;
    return "'$s'";
}

# Runs @$cmd on a pseudo-terminal made by script(1) and types each answer
# once its prompt has been seen (after running its third element, a code
# reference, if there is one).  The command runs under perl's system(),
# which reports the wait status and then runs `stty -a` on the same
# terminal, so that a test can see whether echo came back.  Returns
# (wait status, everything the terminal showed).
sub on_pty {
    my ($cmd, @answers) = @_;
    my $wrapper = 'my $r = system(@ARGV); print "\nSTATUS $r\n"; '
        . 'exec "stty", "-a"';
    # exec: no shell in between, which ^C would kill.
    my $line = join ' ', 'exec', map { sh_quote($_) } 'perl', '-e', $wrapper,
        '--', @$cmd;
    my $pid = open2(my $out, my $in, 'script', '-qefc', $line, '/dev/null');
    $in->autoflush(1);
    my $sel = IO::Select->new($out);
    my ($seen, $buf) = ('', '');
    my $deadline = time + 30;
    while (time < $deadline && $sel->can_read($deadline - time)) {
        my $n = sysread $out, my $chunk, 4096;
        last unless $n;
        $seen .= $chunk;
        $buf .= $chunk;
        if (@answers && $buf =~ /\Q$answers[0][0]\E/) {
            $buf = '';
            $answers[0][2]->() if $answers[0][2];
            print $in $answers[0][1];
            shift @answers;
        }
    }
    kill 'TERM', $pid if time >= $deadline;
    close $in;
    waitpid $pid, 0;
    my ($status) = $seen =~ /STATUS (-?\d+)/;
    return ($status // -1, $seen);
}

# ---- the RFC values for every -a choice --------------------------------------

my ($mu, $mu_realm, $mu_pw) = ('Mufasa', 'http-auth@example.org', 'Circle of Life');
my ($js, $js_realm, $js_pw) = ('Jäsøn Doe', 'api@example.org', 'Secret, or not?');

# RFC 7616 §3.9.1 (H(A1) with MD5 and SHA-256) and §3.9.2 with erratum 4897
# (SHA-512/256), from /work/shared/reference/test-vectors.md.
my $mu_md5 = '3d78807defe7de2157e2b0b6573a855f';
my $mu_sha256 = '7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232';
my $js_sha512_256 = '2d3d9f12c9f3d30011259dc5fecee005ae24de40e3e1f61806d03e65f1e6024f';

# The values the RFCs do not print, from Perl's own digests; first check
# that those agree with the printed ones.
is(md5_hex("$mu:$mu_realm:$mu_pw"), $mu_md5, 'Perl MD5 agrees with RFC 7616');
is(sha256_hex("$mu:$mu_realm:$mu_pw"), $mu_sha256, 'Perl SHA-256 agrees with RFC 7616');
is(sha512256_hex("$js:$js_realm:$js_pw"), $js_sha512_256,
    'Perl SHA-512/256 agrees with RFC 7616 erratum 4897');
my $mu_sha512_256 = sha512256_hex("$mu:$mu_realm:$mu_pw");
my $js_md5 = md5_hex("$js:$js_realm:$js_pw");
my $js_sha256 = sha256_hex("$js:$js_realm:$js_pw");

my @choices = (
    [undef, "$mu_md5,SHA-256=$mu_sha256,SHA-512-256=$mu_sha512_256",
        "$js_md5,SHA-256=$js_sha256,SHA-512-256=$js_sha512_256"],
    ['MD5', $mu_md5, $js_md5],
    ['SHA-256', "SHA-256=$mu_sha256", "SHA-256=$js_sha256"],
    ['SHA-512-256', "SHA-512-256=$mu_sha512_256", "SHA-512-256=$js_sha512_256"],
    ['md5,sha-256', "$mu_md5,SHA-256=$mu_sha256", "$js_md5,SHA-256=$js_sha256"],
    # the stored order is fixed, whatever the order given
    ['sha-512-256,MD5', "$mu_md5,SHA-512-256=$mu_sha512_256",
        "$js_md5,SHA-512-256=$js_sha512_256"],
    ['Sha-512-256,sha-256', "SHA-256=$mu_sha256,SHA-512-256=$mu_sha512_256",
        "SHA-256=$js_sha256,SHA-512-256=$js_sha512_256"],
);
for my $c (@choices) {
    my ($alg, $mu_hashes, $js_hashes) = @$c;
    my $name = defined $alg ? "-a $alg" : 'the default (all three)';
    my $f = fresh_dir() . '/digest';
    my @a = defined $alg ? ('-a', $alg) : ();
    my $r = run_i(['-c', @a, $f, $mu_realm, $mu], "$mu_pw\n");
    is($r->{exit}, 0, "$name: Mufasa added") or diag $r->{err};
    $r = run_i([@a, $f, $js_realm, $js], "$js_pw\n");
    is($r->{exit}, 0, "$name: Jäsøn Doe added") or diag $r->{err};
    is(slurp($f), line_of($mu, $mu_realm, $mu_hashes) . line_of($js, $js_realm, $js_hashes),
        "$name: the RFC values, in the stored form");
    unlike($r->{err} . $r->{out}, qr/\Q$js_pw\E|[0-9a-f]{32}/, "$name: no password or hash printed");
}

# ---- -c ------------------------------------------------------------------------

{
    my $d = fresh_dir();
    my $f = "$d/digest";
    my $r = run_i(['-c', '-a', 'MD5', $f, 'r', 'alice'], "pw\n");
    is($r->{exit}, 0, '-c creates a file');
    is(slurp($f), line_of('alice', 'r', md5_hex('alice:r:pw')), '-c: the one line');
    is((stat $f)[2] & 07777, 0644, '-c: a new file is 0666 less the umask, as htdigest makes it');
    like($r->{err}, qr/^Adding password for alice in realm r\.$/m, '-c: htdigest\'s message');

    # htdigest -c leaves the old file's tail when it was longer; we replace it.
    spew($f, "bob:r:" . ('0' x 32) . "\n" . ('x' x 200) . "\n");
    chmod 0600, $f;
    $r = run_i(['-c', '-a', 'MD5', $f, 'r', 'alice'], "pw\n");
    is($r->{exit}, 0, '-c over an existing file');
    is(slurp($f), line_of('alice', 'r', md5_hex('alice:r:pw')), '-c replaces the whole file');
    is((stat $f)[2] & 07777, 0600, '-c keeps the mode of the file it replaces');
    is(names_in($d), 'digest', 'no temporary file left');
}

# ---- without -c the file must exist ----------------------------------------------

{
    my $d = fresh_dir();
    my $r = run_i(["$d/missing", 'r', 'alice'], "pw\n");
    is($r->{exit}, 1, 'a missing file without -c: exit 1');
    like($r->{err}, qr/missing does not exist \(use -c/, 'a missing file: the message says so');
    ok(!-e "$d/missing", 'a missing file: not created');
    is(names_in($d), '', 'a missing file: nothing left in the directory');
}

# ---- updating keeps every other line --------------------------------------------

{
    my $d = fresh_dir();
    my $f = "$d/digest";
    my $head = "# users of the example site\n"
        . "\n"
        . "alice:realm A:" . md5_hex('alice:realm A:a') . "\n"
        . "bob:realm B:" . md5_hex('bob:realm B:old') . "\n"    # same user, other realm
        . "bobby:realm A:" . md5_hex('bobby:realm A:x') . "\n"  # a longer name
        . "#bob:realm A:" . ('1' x 32) . "\n"                   # a comment, not a match
        . "carol:realm A:SHA-256=" . ('2' x 64) . "\r\n";        # CRLF, kept as is
    my $old = "bob:realm A:" . md5_hex('bob:realm A:old') . ",SHA-256=" . ('3' x 64) . "\n";
    my $tail = "dave:realm A:" . md5_hex('dave:realm A:d') . "\n"
        . "bob:realm A:" . ('4' x 32) . "\n"                    # a later duplicate
        . "\t\n"
        . "erin:realm A:" . ('5' x 32);                         # no final newline
    spew($f, $head . $old . $tail);
    chmod 0640, $f;
    my $ino = (stat $f)[1];

    my $r = run_i(['-a', 'MD5,SHA-256', $f, 'realm A', 'bob'], "new\n");
    is($r->{exit}, 0, 'update: exit 0') or diag $r->{err};
    like($r->{err}, qr/^Changing password for user bob in realm realm A$/m, 'update: htdigest\'s message');
    my $new = line_of('bob', 'realm A',
        md5_hex('bob:realm A:new') . ',SHA-256=' . sha256_hex('bob:realm A:new'));
    is(slurp($f), $head . $new . $tail,
        'update: only the first line of that user and realm changes; all others are kept octet for octet');
    is((stat $f)[2] & 07777, 0640, 'update: the mode is kept');
    isnt((stat $f)[1], $ino, 'update: the file was replaced by rename, not rewritten in place');
    is(names_in($d), 'digest', 'update: no temporary file left');

    # A new user goes at the end; a last line without a newline gets one.
    $r = run_i([$f, 'realm A', 'frank'], "f\n");
    is($r->{exit}, 0, 'append: exit 0');
    like($r->{err}, qr/^Adding user frank in realm realm A$/m, 'append: htdigest\'s message');
    my $frank = line_of('frank', 'realm A', md5_hex('frank:realm A:f')
        . ',SHA-256=' . sha256_hex('frank:realm A:f')
        . ',SHA-512-256=' . sha512256_hex('frank:realm A:f'));
    is(slurp($f), $head . $new . $tail . "\n" . $frank,
        'append: a newline ends the old last line, then the new line');
}

{
    # Lines as httpd's mod_authn_file reads them: leading white space is
    # skipped, so this is bob's line for the server, and the one to replace.
    my $f = fresh_dir() . '/digest';
    spew($f, "  bob:r:" . ('0' x 32) . "\nzed:r:" . ('1' x 32) . "\n");
    my $r = run_i(['-a', 'MD5', $f, 'r', 'bob'], "pw\n");
    is($r->{exit}, 0, 'indented line: exit 0');
    is(slurp($f), line_of('bob', 'r', md5_hex('bob:r:pw')) . "zed:r:" . ('1' x 32) . "\n",
        'indented line: replaced, as httpd would read it as bob\'s');
}

# ---- the same user in two realms ------------------------------------------------------

{
    my $f = fresh_dir() . '/digest';
    run_i(['-c', '-a', 'MD5', $f, 'one', 'bob'], "pw1\n");
    my $r = run_i(['-a', 'MD5', $f, 'two', 'bob'], "pw2\n");
    is($r->{exit}, 0, 'second realm: exit 0');
    my $one = line_of('bob', 'one', md5_hex('bob:one:pw1'));
    is(slurp($f), $one . line_of('bob', 'two', md5_hex('bob:two:pw2')),
        'the same user in two realms: two lines');
    $r = run_i(['-a', 'MD5', $f, 'two', 'bob'], "pw3\n");
    is(slurp($f), $one . line_of('bob', 'two', md5_hex('bob:two:pw3')),
        'changing one realm leaves the other');
}

# ---- -i ------------------------------------------------------------------------

{
    my $f = fresh_dir() . '/digest';
    run_i(['-c', '-a', 'MD5', $f, 'r', 'u'], "first line\nsecond line\n");
    is(slurp($f), line_of('u', 'r', md5_hex('u:r:first line')), '-i: the first line, without its newline');
    run_i(['-c', '-a', 'MD5', $f, 'r', 'u'], "no newline");
    is(slurp($f), line_of('u', 'r', md5_hex('u:r:no newline')), '-i: a line without a newline');
    run_i(['-c', '-a', 'MD5', $f, 'r', 'u'], " spaces kept \n");
    is(slurp($f), line_of('u', 'r', md5_hex('u:r: spaces kept ')), '-i: spaces are part of the password');
    my $r = run_i(['-a', 'MD5', $f, 'r', 'u'], "\n");
    is($r->{exit}, 0, '-i: an empty password is accepted, as htdigest does');
    is(slurp($f), line_of('u', 'r', md5_hex('u:r:')), '-i: the empty password\'s hash');
    my $before = slurp($f);
    $r = run_i(['-a', 'MD5', $f, 'r', 'u'], '');
    is($r->{exit}, 1, '-i: no input at all is refused');
    like($r->{err}, qr/no password/, '-i: no input: the message says so');
    is(slurp($f), $before, '-i: no input: the file is unchanged');

    $r = run_i(['-a', 'MD5', $f, 'r', 'u'], ('p' x 255) . "\n");
    is($r->{exit}, 0, 'a 255-octet password is accepted');
    is(slurp($f), line_of('u', 'r', md5_hex('u:r:' . ('p' x 255))), 'a 255-octet password\'s hash');
    $before = slurp($f);
    $r = run_i(['-a', 'MD5', $f, 'r', 'u'], ('p' x 256) . "\n");
    is($r->{exit}, 1, 'a 256-octet password is refused, as htdigest does');
    like($r->{err}, qr/longer than 255 octets/, 'too long: the message says so');
    $r = run_i(['-a', 'MD5', $f, 'r', 'u'], "a\0b\n");
    is($r->{exit}, 1, 'a password with a NUL octet is refused');
    is(slurp($f), $before, 'refused passwords leave the file unchanged');
}

# ---- the terminal prompt ---------------------------------------------------------------

SKIP: {
    skip 'no script(1) to make a pseudo-terminal', 17 unless $have_script;
    my $d = fresh_dir();
    my $f = "$d/digest";
    spew($f, "alice:r:" . ('0' x 32) . "\n");

    my ($status, $seen) = on_pty([$tool, '-a', 'MD5,SHA-256', $f, 'r', 'bob'],
        ['New password: ', "Typed Secret\n"], ['Re-type new password: ', "Typed Secret\n"]);
    is($status, 0, 'prompt: exit 0') or diag $seen;
    like($seen, qr/New password: .*Re-type new password: /s, 'prompt: asks twice, as htdigest');
    unlike($seen, qr/Typed Secret/, 'prompt: the password is not echoed');
    like($seen, qr/(?:^|\s)echo\s/, 'prompt: echo is back on afterwards');
    is(slurp($f), "alice:r:" . ('0' x 32) . "\n"
        . line_of('bob', 'r', md5_hex('bob:r:Typed Secret') . ',SHA-256=' . sha256_hex('bob:r:Typed Secret')),
        'prompt: the typed password\'s hashes');

    my $before = slurp($f);
    ($status, $seen) = on_pty([$tool, $f, 'r', 'bob'],
        ['New password: ', "one\n"], ['Re-type new password: ', "two\n"]);
    is($status >> 8, 1, 'prompt mismatch: exit 1');
    like($seen, qr/do not match/, 'prompt mismatch: the message says so');
    is(slurp($f), $before, 'prompt mismatch: the file is unchanged');

    # ^C at the prompt: the terminal gets its echo back before the signal
    # ends the tool.
    ($status, $seen) = on_pty([$tool, $f, 'r', 'bob'], ['New password: ', "\x03"]);
    is($status & 127, POSIX::SIGINT(), '^C at the prompt: ended by SIGINT') or diag $seen;
    like($seen, qr/(?:^|\s)echo\s/, '^C at the prompt: echo is back on');
    is(slurp($f), $before, '^C at the prompt: the file is unchanged');
    # Someone else changes the file while the password is being typed: our
    # copy is stale, so nothing is written and their change stays.
    my $theirs = $before . "zoe:r:" . ('9' x 32) . "\n";
    ($status, $seen) = on_pty([$tool, $f, 'r', 'bob'],
        ['New password: ', "pw\n", sub { spew($f, $theirs) }], ['Re-type new password: ', "pw\n"]);
    is($status >> 8, 1, 'file changed during the prompt: exit 1');
    like($seen, qr/changed while the password was read/, 'file changed during the prompt: the message says so');
    is(slurp($f), $theirs, 'file changed during the prompt: the other change is kept');
    is(names_in($d), 'digest', 'prompt: no temporary file left');

    # Without a terminal (a new session) and without -i there is no one to ask.
    my $r = run([$f, 'r', 'bob']);
    is($r->{exit}, 1, 'no terminal and no -i: exit 1');
    like($r->{err}, qr/no terminal.*-i/, 'no terminal: the message suggests -i');
}

# ---- refusals ---------------------------------------------------------------------------

{
    my $d = fresh_dir();
    my $f = "$d/digest";
    run_i(['-c', $f, 'r', 'alice'], "pw\n");
    my $before = slurp($f);
    my @refused = (
        [[$f, 'r', 'a:b'], 1, qr/user name contains ':'/, 'a user with a colon'],
        [[$f, 'r:s', 'bob'], 1, qr/realm contains ':'/, 'a realm with a colon'],
        [[$f, 'r', "bo\nb"], 1, qr/user name contains a control character/, 'a user with a newline'],
        [[$f, "r\ns", 'bob'], 1, qr/realm contains a control character/, 'a realm with a newline'],
        [[$f, 'r', "bo\tb"], 1, qr/control character/, 'a user with a tab'],
        [[$f, 'r', 'u' x 257], 1, qr/user name is longer than 256 octets/, 'a 257-octet user'],
        [[$f, 'r' x 257, 'bob'], 1, qr/realm is longer than 256 octets/, 'a 257-octet realm'],
        [[$f, 'r', ''], 1, qr/user name is empty/, 'an empty user'],
        [[$f, '', 'bob'], 1, qr/realm is empty/, 'an empty realm'],
        [[$f, 'r', '#bob'], 1, qr/comment/, 'a user starting with #'],
        [[$f, 'r', ' bob'], 1, qr/starts with a space/, 'a user starting with a space'],
        [['-a', 'SHA-1', $f, 'r', 'bob'], 1, qr/unknown algorithm "SHA-1"/, 'an unknown algorithm'],
        [['-a', 'MD5,,SHA-256', $f, 'r', 'bob'], 1, qr/empty algorithm/, 'an empty item in -a'],
        [['-a', 'SHA-256-sess', $f, 'r', 'bob'], 1, qr/SHA-256-sess uses the SHA-256 hash/, 'a -sess algorithm'],
        [['-a', 'md5,MD5', $f, 'r', 'bob'], 1, qr/named twice/, 'an algorithm twice'],
        [[], 2, qr/^Usage:/, 'no arguments'],
        [[$f, 'r'], 2, qr/^Usage:/, 'two arguments'],
        [[$f, 'r', 'bob', 'extra'], 2, qr/^Usage:/, 'four arguments'],
        [['-x', $f, 'r', 'bob'], 2, qr/invalid option/, 'an unknown option'],
        [['-a'], 2, qr/requires an argument/, '-a without a value'],
    );
    for my $t (@refused) {
        my ($args, $exit, $msg, $name) = @$t;
        my $r = run_i($args, "pw\n");
        is($r->{exit}, $exit, "$name: exit $exit");
        like($r->{err}, $msg, "$name: the message names the problem");
    }
    is(slurp($f), $before, 'refusals leave the file unchanged');
    is(names_in($d), 'digest', 'refusals leave nothing behind');

    my $r = run_i([$f, 'r', 'u' x 256], "pw\n");
    is($r->{exit}, 0, 'a 256-octet user (the engine\'s limit) is accepted');
    $r = run_i([$f, 'r' x 256, 'bob'], "pw\n");
    is($r->{exit}, 0, 'a 256-octet realm is accepted');
    $r = run_i(['--', $f, 'r', '-bob'], "pw\n");
    is($r->{exit}, 0, 'a user that looks like an option, after --');
    like(slurp($f), qr/^-bob:r:/m, 'that user is stored');
    $r = run(['-h']);
    is($r->{exit}, 0, '-h: exit 0');
    like($r->{out}, qr/^Usage:/, '-h: usage on stdout');
    $r = run_i(['-c', "$d/no/such/dir/digest", 'r', 'bob'], "pw\n");
    is($r->{exit}, 1, 'a file in a missing directory: exit 1');
}

# ---- never half-written --------------------------------------------------------------------

{
    # A file size limit of 512 octets and a 4 KiB file: the temporary file
    # fills up halfway.  The original must be untouched and the temporary
    # file gone, and the tool must exit 1, not die of SIGXFSZ.
    my $d = fresh_dir();
    my $f = "$d/digest";
    my $big = join '', map { "user$_:r:" . md5_hex("user$_") . "\n" } 1 .. 100;
    spew($f, $big);
    my $r = run_i([$f, 'r', 'user50'], "pw\n", prefix => ['sh', '-c', 'ulimit -f 1; exec "$0" "$@"']);
    is($r->{status}, 1 << 8, 'a write that fails halfway: exit 1 (not a signal)') or diag $r->{err};
    like($r->{err}, qr/cannot write the new/, 'a write that fails halfway: the message says so');
    is(slurp($f), $big, 'a write that fails halfway: the original is untouched');
    is(names_in($d), 'digest', 'a write that fails halfway: the temporary file is removed');
}

SKIP: {
    # Permission tests need an unprivileged user: as root, run as nobody.
    my @as = ();
    if ($> == 0) {
        skip 'root, and no setpriv to drop privileges', 12 unless system('setpriv --version >/dev/null 2>&1') == 0;
        my ($uid, $gid) = (getpwnam 'nobody')[2, 3];
        skip 'no user nobody', 12 unless defined $uid;
        @as = ('setpriv', "--reuid=$uid", "--regid=$gid", '--clear-groups');
    }
    my ($uid, $gid) = $> == 0 ? (getpwnam 'nobody')[2, 3] : ($>, $) + 0);

    # A read-only directory: the temporary file cannot be made.
    my $d = fresh_dir();
    my $f = "$d/digest";
    spew($f, "alice:r:" . ('0' x 32) . "\n");
    chown $uid, $gid, $d, $f;
    chmod 0555, $d;
    my $r = run_i([$f, 'r', 'bob'], "pw\n", prefix => \@as);
    is($r->{exit}, 1, 'a read-only directory: exit 1');
    like($r->{err}, qr/cannot create the new/, 'a read-only directory: the message says so');
    is(slurp($f), "alice:r:" . ('0' x 32) . "\n", 'a read-only directory: the original is untouched');
    is(names_in($d), 'digest', 'a read-only directory: nothing left');
    chmod 0755, $d;

    # A file we may not write, and one we may not read.
    chmod 0444, $f;
    $r = run_i([$f, 'r', 'bob'], "pw\n", prefix => \@as);
    is($r->{exit}, 1, 'a read-only file: exit 1');
    like($r->{err}, qr/cannot write .*digest/, 'a read-only file: the message says so');
    chmod 0200, $f;
    $r = run_i([$f, 'r', 'bob'], "pw\n", prefix => \@as);
    is($r->{exit}, 1, 'an unreadable file: exit 1');
    like($r->{err}, qr/cannot read .*digest/, 'an unreadable file: the message says so');
    chmod 0644, $f;
    is(slurp($f), "alice:r:" . ('0' x 32) . "\n", 'unreadable, unwritable: the original is untouched');

    # A directory we may write, as that user: works, and the mode is kept.
    my $w = fresh_dir();
    chown $uid, $gid, $w;
    spew("$w/digest", '');
    chown $uid, $gid, "$w/digest";
    chmod 0600, "$w/digest";
    $r = run_i(["$w/digest", 'r', 'bob'], "pw\n", prefix => \@as);
    is($r->{exit}, 0, 'as an unprivileged user: exit 0') or diag $r->{err};
    my @st = stat "$w/digest";
    is($st[2] & 07777, 0600, 'as an unprivileged user: the mode is kept');
    is("$st[4]:$st[5]", "$uid:$gid", 'as an unprivileged user: the owner is kept');
}

SKIP: {
    skip 'not root: cannot give a file to another user', 2 unless $> == 0;
    my ($uid, $gid) = (getpwnam 'nobody')[2, 3];
    skip 'no user nobody', 2 unless defined $uid;
    my $f = fresh_dir() . '/digest';
    spew($f, "alice:r:" . ('0' x 32) . "\n");
    chown $uid, $gid, $f;
    chmod 0640, $f;
    my $r = run_i([$f, 'r', 'bob'], "pw\n");
    my @st = stat $f;
    is("$st[4]:$st[5]", "$uid:$gid", 'root updating another user\'s file keeps its owner and group');
    is($st[2] & 07777, 0640, '... and its mode');
}

{
    # A symbolic link stays a link; its target is what changes.
    my $d = fresh_dir();
    mkdir "$d/real";
    spew("$d/real/digest", "alice:r:" . ('0' x 32) . "\n");
    symlink 'real/digest', "$d/link" or die "symlink: $!";
    my $r = run_i(['-a', 'MD5', "$d/link", 'r', 'bob'], "pw\n");
    is($r->{exit}, 0, 'through a symbolic link: exit 0');
    ok(-l "$d/link", 'the link is still a link');
    is(slurp("$d/real/digest"), "alice:r:" . ('0' x 32) . "\n" . line_of('bob', 'r', md5_hex('bob:r:pw')),
        'the link\'s target is updated');
    is(names_in("$d/real"), 'digest', 'no temporary file left beside the target');
}

# ---- interoperability with htdigest -----------------------------------------------------------

SKIP: {
    skip 'no htdigest (apache2-utils)', 8 unless $htdigest;
    skip 'no script(1) to type htdigest\'s password', 8 unless $have_script;
    my $d = fresh_dir();
    my @pw = (['New password: ', "Circle of Life\n"], ['Re-type new password: ', "Circle of Life\n"]);

    my ($status) = on_pty([$htdigest, '-c', "$d/theirs", $mu_realm, $mu], @pw);
    is($status, 0, 'htdigest -c ran') or diag slurp("$d/theirs");
    my $r = run_i(['-c', '-a', 'MD5', "$d/ours", $mu_realm, $mu], "$mu_pw\n");
    is(slurp("$d/ours"), slurp("$d/theirs"), '-a MD5 writes exactly htdigest\'s line');
    is(slurp("$d/ours"), line_of($mu, $mu_realm, $mu_md5), '... which is RFC 7616\'s');

    # htdigest updates and adds users in a file of ours, keeping our lines.
    my $f = "$d/mixed";
    run_i(['-c', $f, $mu_realm, $mu], "$mu_pw\n");
    run_i(['-a', 'MD5', $f, $mu_realm, 'carol'], "old\n");
    run_i(['-a', 'SHA-256', $f, $js_realm, $js], "$js_pw\n");
    my @lines = split /^/, slurp($f);
    ($status) = on_pty([$htdigest, $f, $mu_realm, 'carol'],
        ['New password: ', "new\n"], ['Re-type new password: ', "new\n"]);
    is($status, 0, 'htdigest changed a user in our file');
    ($status) = on_pty([$htdigest, $f, 'other', 'dave'],
        ['New password: ', "d\n"], ['Re-type new password: ', "d\n"]);
    is($status, 0, 'htdigest added a user to our file');
    is(slurp($f), $lines[0] . line_of('carol', $mu_realm, md5_hex("carol:$mu_realm:new"))
        . $lines[2] . line_of('dave', 'other', md5_hex('dave:other:d')),
        'htdigest kept our multi-hash lines and wrote its own');

    # And we update htdigest's file, keeping its lines.
    $r = run_i(['-a', 'MD5', $f, 'other', 'erin'], "e\n");
    is($r->{exit}, 0, 'we add to a file htdigest wrote');
    like(slurp($f), qr/\Qdave:other:\E[0-9a-f]{32}\nerin:other:\Q${\md5_hex('erin:other:e')}\E\n\z/,
        'htdigest\'s line is kept and ours follows');
}

done_testing();
