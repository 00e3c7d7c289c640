#!/usr/bin/perl
# CGI of t/protocol*.t: reports what the module handed the handler, in
# response headers (REMOTE_USER also as hex, so a UTF-8 name survives),
# and echoes the request body octet for octet as the response body.
use strict;
use warnings;

binmode STDIN;
binmode STDOUT;
my $body = do { local $/; <STDIN> } // '';   # to EOF: a chunked body has no length
my $user = $ENV{REMOTE_USER} // '';
my $printable = $user =~ /\A[\x20-\x7e]*\z/ ? $user : '?';

print "Content-Type: application/octet-stream\r\n";
print "X-Remote-User: $printable\r\n";
print "X-Remote-User-Hex: ", unpack('H*', $user), "\r\n";
print "X-Auth-Type: ", $ENV{AUTH_TYPE} // '', "\r\n";
print "X-Request-Method: ", $ENV{REQUEST_METHOD} // '', "\r\n";
print "X-Redirect-Status: ", $ENV{REDIRECT_STATUS} // '', "\r\n";
print "X-Body-Length: ", length($body), "\r\n";
print "\r\n";
print $body;
