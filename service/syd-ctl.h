/* syd-ctl.h — what the switchyardctl command files share
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "syd-dbus-generated.h"

G_BEGIN_DECLS

typedef struct _SydCtl        SydCtl;
typedef struct _SydCtlCommand SydCtlCommand;

/* argv[0] is "switchyardctl COMMAND", then the command's own arguments.
 * Returns the exit status. */
typedef int (*SydCtlCommandFunc) (SydCtl  *ctl,
                                  int      argc,
                                  char   **argv);

struct _SydCtlCommand
{
  const char        *name;
  const char        *parameters;
  const char        *summary;
  gboolean           autostart;    /* may D-Bus-activate switchyardd */
  SydCtlCommandFunc  func;
};

struct _SydCtl
{
  const SydCtlCommand *command;
  gboolean             json;
  SydDaemon1          *daemon;
  SydPools1           *pools;
  SydSessions1        *sessions;

  /* follow mode (log -f, traffic -f) */
  GMainLoop           *loop;
  int                  exit_code;
  guint64              last_serial;
  int                  max_level;
};

/* switchyardctl.c: the command line */
gboolean       syd_ctl_parse_options         (SydCtl                 *ctl,
                                              const GOptionEntry     *entries,
                                              int                    *argc,
                                              char                 ***argv,
                                              int                     n_min,
                                              int                     n_max);
int            syd_ctl_usage_error           (SydCtl                 *ctl,
                                              const char             *format,
                                              ...) G_GNUC_PRINTF (2, 3);

/* syd-ctl-common.c: the bus, errors and replies */
GDBusCallFlags syd_ctl_call_flags            (SydCtl                 *ctl);
SydDaemon1    *syd_ctl_get_daemon            (SydCtl                 *ctl,
                                              GError                **error);
SydPools1     *syd_ctl_get_pools             (SydCtl                 *ctl,
                                              GError                **error);
SydSessions1  *syd_ctl_get_sessions          (SydCtl                 *ctl,
                                              GError                **error);
void           syd_ctl_clear                 (SydCtl                 *ctl);
int            syd_ctl_report_error          (GError                 *error);
int            syd_ctl_confirm               (SydCtl                 *ctl,
                                              const char             *format,
                                              ...) G_GNUC_PRINTF (2, 3);
void           syd_ctl_print_json            (GVariant               *value,
                                              gboolean                pretty);
gboolean       syd_ctl_lookup_string         (GVariant               *dict,
                                              const char             *key,
                                              const char            **out);
guint64        syd_ctl_lookup_uint           (GVariant               *dict,
                                              const char             *key);
gint64         syd_ctl_lookup_int            (GVariant               *dict,
                                              const char             *key,
                                              gint64                  fallback);
gboolean       syd_ctl_lookup_bool           (GVariant               *dict,
                                              const char             *key,
                                              gboolean                fallback);
char          *syd_ctl_lookup_uint_text      (GVariant               *dict,
                                              const char             *key);
char          *syd_ctl_lookup_size_text      (GVariant               *dict,
                                              const char             *key);

/* syd-ctl-daemon.c */
int            syd_ctl_cmd_status            (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);
int            syd_ctl_cmd_start             (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);
int            syd_ctl_cmd_stop              (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);
int            syd_ctl_cmd_reload            (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);
int            syd_ctl_cmd_log               (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);
int            syd_ctl_cmd_traffic           (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);

/* syd-ctl-pools.c */
int            syd_ctl_cmd_pools_list        (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);
int            syd_ctl_cmd_pools_add         (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);
int            syd_ctl_cmd_pools_update      (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);
int            syd_ctl_cmd_pools_remove      (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);
int            syd_ctl_cmd_upstreams_list    (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);
int            syd_ctl_cmd_upstreams_add     (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);
int            syd_ctl_cmd_upstreams_remove  (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);
int            syd_ctl_cmd_upstreams_enable  (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);
int            syd_ctl_cmd_upstreams_disable (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);
int            syd_ctl_cmd_upstreams_move    (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);
int            syd_ctl_cmd_upstreams_test    (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);

/* syd-ctl-sessions.c */
int            syd_ctl_cmd_sessions_list     (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);
int            syd_ctl_cmd_sessions_close    (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);
int            syd_ctl_cmd_connections       (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);

/* syd-ctl-wireguard.c */
int            syd_ctl_cmd_wireguard_list    (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);
int            syd_ctl_cmd_wireguard_import  (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);
int            syd_ctl_cmd_wireguard_peers   (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);
int            syd_ctl_cmd_wireguard_remove  (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);
int            syd_ctl_cmd_wireguard_export  (SydCtl                 *ctl,
                                              int                     argc,
                                              char                  **argv);

G_END_DECLS
