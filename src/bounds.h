/*
 * bounds.h: every bound the engine puts on what it reads and writes, in one
 * place so that README.md can list them.  Going over a bound is an error
 * with its own reason; nothing is ever truncated.
 */
#ifndef SD_BOUNDS_H
#define SD_BOUNDS_H

/* A whole token (Authorization or WWW-Authenticate value).  Large enough
   for a request target of httpd's default LimitRequestLine (8190). */
#define SD_MAX_TOKEN 12288

/* Parameters in one challenge or response, and challenges in one token. */
#define SD_MAX_PARAMS 32
#define SD_MAX_CHALLENGES 16

/* One parameter value after unquoting, except uri (below). */
#define SD_MAX_VALUE 1024

/* The digest-uri value, like httpd's default LimitRequestLine. */
#define SD_MAX_URI 8192

/* A parameter name. */
#define SD_MAX_NAME 32

/* A user name in octets (also the resolved user of a userhash). */
#define SD_MAX_USERNAME 256

/* Realm, method, opaque, cnonce. */
#define SD_MAX_REALM 256
#define SD_MAX_METHOD 32
#define SD_MAX_OPAQUE 128
#define SD_MAX_CNONCE 256

/* The domain parameter of a challenge (server policy). */
#define SD_MAX_DOMAIN 1024

/* Hex digest lengths: MD5 and the two 256-bit ones. */
#define SD_HEX_MD5 32
#define SD_HEX_256 64
#define SD_MAX_DIGEST 32
#define SD_MAX_HEX 64

/* SASL mode (RFC 2831): realms offered in one digest-challenge, and a
   digest-uri (serv-type "/" host ["/" serv-name]).  The whole challenge
   and response are bounded by SD_SASL_MAX_CHALLENGE and
   SD_SASL_MAX_RESPONSE (sspi.h); an authzid like a user name. */
#define SD_SASL_MAX_REALMS 16
#define SD_SASL_MAX_URI 1024

#endif
