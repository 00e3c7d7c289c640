/*
 * module/cred.h: one credentials handle per distinct policy, made on first
 * use and shared by every thread of the process (module/cred.c).
 */
#ifndef ASD_CRED_H
#define ASD_CRED_H

#include "module.h"

void asd_cred_child_init(apr_pool_t *pchild);
/* The credentials of a request's policy; NULL (logged) on failure. */
PCredHandle asd_credentials(request_rec *r, const asd_dir_conf *d);

#endif
