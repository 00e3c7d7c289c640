/*
 * module/body.h: qop=auth-int request bodies, read whole before the
 * handler and handed to it through the location's input filters
 * (module/body.c).
 */
#ifndef ASD_BODY_H
#define ASD_BODY_H

#include "httpd.h"

typedef struct asd_body asd_body;

/* Reads r's body (at most max octets): OK, or the HTTP status to answer. */
int asd_body_read(request_rec *r, apr_off_t max, asd_body **body, char **data,
                  apr_size_t *len);
/* Hands what no handler has read yet of `body` to r's input filters. */
void asd_body_replay(request_rec *r, asd_body *body);
void asd_body_register(void);

#endif
