#!/usr/bin/perl
# Echoes what reached the handler (t/config.t): the user, the auth type,
# and the length and MD5 of the request body it could read.
use strict;
use warnings;
use Digest::MD5 qw(md5_hex);
binmode STDIN;
my $body = '';
while (read(STDIN, my $buf, 8192)) {
    $body .= $buf;
}
print "Content-Type: text/plain\n\n";
printf "user=%s type=%s len=%d md5=%s\n", $ENV{REMOTE_USER} // '',
    $ENV{AUTH_TYPE} // '', length $body, md5_hex($body);
