/*
 * module/binding.h: channel bindings over TLS (module/binding.c).
 */
#ifndef ASD_BINDING_H
#define ASD_BINDING_H

#include "module.h"

/* The handlers of AuthDigestChannelBinding and AuthDigestServiceName. */
const char *asd_set_channel_binding(cmd_parms *cmd, void *dv, const char *arg);
const char *asd_add_service_name(cmd_parms *cmd, void *dv, const char *arg);
void asd_binding_register(void);
/* fContextReq flags, and buffer 5 and SD_CALL_PARAMETERS of a call */
ULONG asd_binding_req(const asd_dir_conf *d);
void asd_binding_prepare(request_rec *r, const asd_dir_conf *d, SecBuffer *b5,
                         SD_CALL_PARAMETERS *params);

#endif
