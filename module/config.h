/*
 * module/config.h: the directives and the configuration's create and
 * merge functions (module/config.c), and the effective values of a merged
 * directory configuration.
 */
#ifndef ASD_CONFIG_H
#define ASD_CONFIG_H

#include "module.h"

extern const command_rec asd_directives[];
void *asd_create_dir_conf(apr_pool_t *p, char *dir);
void *asd_merge_dir_conf(apr_pool_t *p, void *base, void *add);
void *asd_create_server_conf(apr_pool_t *p, server_rec *s);
void *asd_merge_server_conf(apr_pool_t *p, void *base, void *add);
void asd_config_pre_config(void);
void asd_config_report(server_rec *s);
int asd_conf_nc_check(const asd_dir_conf *d);
apr_off_t asd_conf_max_body(const asd_dir_conf *d);

#endif
