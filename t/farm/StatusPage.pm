package StatusPage;
# Reads the module's section of mod_status's page: /server-status?auto
# (the "SspiDigestStore[i]Key: value" lines) and the HTML page.  Used by
# t/status.t (under Apache::Test) and the farm scripts (without it), like
# DigestRaw, on which it builds.
use strict;
use warnings FATAL => 'all';

use DigestRaw ();

# The keys every store has, in the order the page prints them.
our @KEYS = qw(Name Type Size Capacity LiveRecords Evictions Accepted
    Replays Stale Unavailable LastOutage);

# GET /server-status?auto on $port: { code, count (SspiDigestStores),
# stores => [ { Name => ..., Type => ..., Size => ..., ... } ], text }.
sub auto
{
    my ($port) = @_;
    my $res = DigestRaw::request($port, path => '/server-status?auto');
    my %page = (code => $res->{code}, text => $res->{body}, stores => []);
    for my $line (split /\n/, $res->{body}) {
        $line =~ s/\r$//;
        if ($line =~ /^SspiDigestStores: (\d+)$/) {
            $page{count} = $1;
        }
        elsif ($line =~ /^SspiDigestStore\[(\d+)\](\w+): (.*)$/) {
            $page{stores}[$1]{$2} = $3;
        }
    }
    return \%page;
}

# The store named $name on the ?auto page of $port (undef when absent).
sub store
{
    my ($port, $name) = @_;
    my ($s) = grep { ($_->{Name} // '') eq $name } @{ auto($port)->{stores} };
    return $s;
}

# The HTML page of $port: { code, body }.
sub html
{
    my ($port) = @_;
    my $res = DigestRaw::request($port, path => '/server-status');
    return { code => $res->{code}, body => $res->{body} };
}

1;
