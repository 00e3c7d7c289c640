/*
 * module/status.h: the replay stores on mod_status's page (module/status.c).
 */
#ifndef ASD_STATUS_H
#define ASD_STATUS_H

/* Registers the section with mod_status (an optional hook: nothing
   happens when mod_status is not loaded). */
void asd_status_register(void);

#endif
