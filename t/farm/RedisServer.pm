package RedisServer;
# A redis-server for the farm scripts: started on a loopback port with no
# persistence (a restart loses every record), stopped with the others
# FarmLib started, and spoken to one command per connection.
use strict;
use warnings FATAL => 'all';

use IO::Socket::INET ();
use Time::HiRes qw(sleep time);

use FarmLib ();

# The redis-server binary, or '' when it is not installed.
sub binary
{
    chomp(my $bin = `sh -c 'command -v redis-server' 2>/dev/null`);
    return $bin;
}

# One RESP command to 127.0.0.1:$port on a new connection: the reply's
# first line (a bulk string's value).
sub cmd
{
    my ($port, @args) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $port, Proto => 'tcp', Timeout => 2) or return undef;
    my $req = '*' . @args . "\r\n";
    $req .= '$' . length($_) . "\r\n$_\r\n" for @args;
    print $s $req;
    my $line = <$s>;
    $line =~ s/\r\n\z// if defined $line;
    if (defined $line && $line =~ /^\$(\d+)/) {
        read($s, my $val, $1 + 2);
        $line = substr($val, 0, $1);
    }
    close $s;
    return $line;
}

# Starts one on $port (its log in $dir) and waits for PING; returns the
# process record.
sub start
{
    my ($port, $dir) = @_;
    my $p = FarmLib::start_proc('redis-server', "$dir/redis.log", binary(),
        '--port', $port, '--bind', '127.0.0.1', '--save', '',
        '--appendonly', 'no', '--dir', $dir, '--daemonize', 'no',
        '--protected-mode', 'yes', '--loglevel', 'warning');
    my $until = time + 10;
    while (time < $until) {
        return $p if (cmd($port, 'PING') // '') eq '+PONG';
        die "redis-server exited:\n" . FarmLib::slurp("$dir/redis.log")
            unless FarmLib::alive($p);
        sleep 0.01;
    }
    die "redis-server did not answer PING\n";
}

1;
