#!/usr/bin/perl
# CGI of t/protocol*.t: answers with the status given as query string
# (default 500), as a handler that fails by itself.
use strict;
use warnings;

my $code = ($ENV{QUERY_STRING} // '') =~ /\A([1-5][0-9][0-9])\z/ ? $1 : 500;
print "Status: $code From CGI\r\n";
print "Content-Type: text/plain\r\n";
print "X-Remote-User: ", $ENV{REMOTE_USER} // '', "\r\n";
print "\r\n";
print "status $code from the CGI\n";
