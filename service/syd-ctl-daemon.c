/* syd-ctl-daemon.c — switchyardctl status, start, stop, reload, log and traffic
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "switchyardctl"

#include <signal.h>
#include <stdio.h>

#include <glib-unix.h>

#include "syd-ctl.h"
#include "syd-ctl-format.h"

/* The proxy's property cache lags behind a method reply (PropertiesChanged
 * comes after it), so read the property from the service directly. */
static GVariant *
get_property_sync (SydCtl      *ctl,
                   const char  *name,
                   GError     **error)
{
  g_autoptr(GVariant) reply = NULL;
  GVariant *value = NULL;

  reply = g_dbus_proxy_call_sync (G_DBUS_PROXY (ctl->daemon), "org.freedesktop.DBus.Properties.Get",
                                  g_variant_new ("(ss)", "dev.switchyard.Daemon1", name),
                                  G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  if (reply == NULL)
    return NULL;

  g_variant_get (reply, "(v)", &value);
  return value;
}

/* status, start, stop, reload ---------------------------------------------- */

int
syd_ctl_cmd_status (SydCtl  *ctl,
                    int      argc,
                    char   **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) traffic = NULL;
  const char *const *addresses;
  const char *reason;
  SydDaemon1 *daemon;

  if (!syd_ctl_parse_options (ctl, NULL, &argc, &argv, 0, 0))
    return 1;

  if ((daemon = syd_ctl_get_daemon (ctl, &error)) == NULL ||
      !syd_daemon1_call_get_traffic_sync (daemon, syd_ctl_call_flags (ctl), -1, &traffic, NULL,
                                          &error))
    return syd_ctl_report_error (error);

  addresses = syd_daemon1_get_listen_addresses (daemon);
  reason = syd_daemon1_get_state_reason (daemon);

  if (ctl->json)
    {
      GVariantDict dict;

      g_variant_dict_init (&dict, NULL);
      g_variant_dict_insert (&dict, "version", "s", syd_daemon1_get_version (daemon) ?: "");
      g_variant_dict_insert (&dict, "state", "s", syd_daemon1_get_state (daemon) ?: "");
      g_variant_dict_insert (&dict, "state-reason", "s", reason ?: "");
      g_variant_dict_insert_value (&dict, "listen-addresses",
                                   g_variant_new_strv (addresses, addresses != NULL ? -1 : 0));
      g_variant_dict_insert_value (&dict, "traffic", traffic);
      syd_ctl_print_json (g_variant_dict_end (&dict), TRUE);
      return 0;
    }

  {
    g_autofree char *addresses_text = addresses != NULL && addresses[0] != NULL
                                      ? g_strjoinv (", ", (char **) addresses)
                                      : g_strdup ("–");
    g_autofree char *up = syd_ctl_lookup_size_text (traffic, "total-up");
    g_autofree char *down = syd_ctl_lookup_size_text (traffic, "total-down");
    g_autofree char *rate_up = syd_format_rate (syd_ctl_lookup_uint (traffic, "rate-up"));
    g_autofree char *rate_down = syd_format_rate (syd_ctl_lookup_uint (traffic, "rate-down"));

    g_print ("State:      %s\n", syd_daemon1_get_state (daemon) ?: "unknown");
    if (reason != NULL && reason[0] != '\0')
      g_print ("Reason:     %s\n", reason);
    g_print ("Listening:  %s\n", addresses_text);
    g_print ("Sessions:   %" G_GUINT64_FORMAT " active, %" G_GUINT64_FORMAT " total, %"
             G_GUINT64_FORMAT " failed\n",
             syd_ctl_lookup_uint (traffic, "active"),
             syd_ctl_lookup_uint (traffic, "sessions-total"),
             syd_ctl_lookup_uint (traffic, "sessions-failed"));
    g_print ("Traffic:    ↑ %s  ↓ %s  (now ↑ %s  ↓ %s)\n", up, down, rate_up, rate_down);
    g_print ("Version:    %s\n", syd_daemon1_get_version (daemon) ?: "unknown");
  }

  return 0;
}

int
syd_ctl_cmd_start (SydCtl  *ctl,
                   int      argc,
                   char   **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) addresses = NULL;
  g_autofree const char **strv = NULL;
  SydDaemon1 *daemon;

  if (!syd_ctl_parse_options (ctl, NULL, &argc, &argv, 0, 0))
    return 1;

  if ((daemon = syd_ctl_get_daemon (ctl, &error)) == NULL ||
      !syd_daemon1_call_start_sync (daemon, syd_ctl_call_flags (ctl), -1, NULL, &error) ||
      (addresses = get_property_sync (ctl, "ListenAddresses", &error)) == NULL)
    return syd_ctl_report_error (error);

  if (ctl->json)
    {
      syd_ctl_print_json (addresses, TRUE);
      return 0;
    }

  strv = g_variant_get_strv (addresses, NULL);
  for (guint i = 0; strv[i] != NULL; i++)
    g_print ("Listening on %s (SOCKS5 + HTTP)\n", strv[i]);
  if (strv[0] == NULL)
    g_print ("Running (no inbound is configured)\n");

  return 0;
}

int
syd_ctl_cmd_stop (SydCtl  *ctl,
                  int      argc,
                  char   **argv)
{
  g_autoptr(GError) error = NULL;
  SydDaemon1 *daemon;

  if (!syd_ctl_parse_options (ctl, NULL, &argc, &argv, 0, 0))
    return 1;

  if ((daemon = syd_ctl_get_daemon (ctl, &error)) == NULL ||
      !syd_daemon1_call_stop_sync (daemon, syd_ctl_call_flags (ctl), -1, NULL, &error))
    return syd_ctl_report_error (error);

  return syd_ctl_confirm (ctl, "Stopped\n");
}

int
syd_ctl_cmd_reload (SydCtl  *ctl,
                    int      argc,
                    char   **argv)
{
  g_autoptr(GError) error = NULL;
  SydDaemon1 *daemon;

  if (!syd_ctl_parse_options (ctl, NULL, &argc, &argv, 0, 0))
    return 1;

  if ((daemon = syd_ctl_get_daemon (ctl, &error)) == NULL ||
      !syd_daemon1_call_reload_sync (daemon, syd_ctl_call_flags (ctl), -1, NULL, &error))
    return syd_ctl_report_error (error);

  return syd_ctl_confirm (ctl, "Reloaded the configuration\n");
}

/* log, traffic ------------------------------------------------------------- */

/* Most severe first, as GLib orders them. */
static const char *const log_levels[] = {
  "error", "critical", "warning", "message", "info", "debug", NULL
};

static int
log_level_rank (const char *level)
{
  for (guint i = 0; log_levels[i] != NULL; i++)
    if (g_str_equal (level, log_levels[i]))
      return (int) i;
  return log_level_rank ("debug");
}

static void
print_log_entry (SydCtl     *ctl,
                 guint64     serial,
                 gint64      time,
                 const char *level,
                 const char *domain,
                 const char *message)
{
  g_autoptr(GDateTime) date = NULL;
  g_autofree char *clock = NULL;

  if (serial <= ctl->last_serial)
    return;
  ctl->last_serial = serial;

  if (log_level_rank (level) > ctl->max_level)
    return;

  if (ctl->json)
    {
      syd_ctl_print_json (g_variant_new ("(txsss)", serial, time, level, domain, message), FALSE);
      return;
    }

  date = g_date_time_new_from_unix_local (time / G_USEC_PER_SEC);
  clock = date != NULL ? g_date_time_format (date, "%H:%M:%S") : g_strdup ("??:??:??");
  g_print ("%s.%03d %-8s %s: %s\n", clock, (int) ((time % G_USEC_PER_SEC) / 1000),
           level, domain, message);
  fflush (stdout);
}

static void
log_signal_cb (SydDaemon1 *daemon,
               guint64     serial,
               gint64      time,
               const char *level,
               const char *domain,
               const char *message,
               SydCtl     *ctl)
{
  print_log_entry (ctl, serial, time, level, domain, message);
}

static gboolean
follow_quit_cb (gpointer user_data)
{
  SydCtl *ctl = user_data;

  g_main_loop_quit (ctl->loop);
  return G_SOURCE_CONTINUE;
}

static void
name_owner_cb (GDBusProxy *proxy,
               GParamSpec *pspec,
               SydCtl     *ctl)
{
  g_autofree char *owner = g_dbus_proxy_get_name_owner (proxy);

  if (owner == NULL)
    {
      g_printerr ("switchyardctl: switchyardd went away\n");
      ctl->exit_code = 1;
      g_main_loop_quit (ctl->loop);
    }
}

/* Runs until SIGINT/SIGTERM (a clean exit) or until the service goes away. */
static int
follow (SydCtl *ctl)
{
  guint sigint, sigterm;

  ctl->loop = g_main_loop_new (NULL, FALSE);
  sigint = g_unix_signal_add (SIGINT, follow_quit_cb, ctl);
  sigterm = g_unix_signal_add (SIGTERM, follow_quit_cb, ctl);
  g_signal_connect (ctl->daemon, "notify::g-name-owner", G_CALLBACK (name_owner_cb), ctl);

  g_main_loop_run (ctl->loop);

  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_clear_pointer (&ctl->loop, g_main_loop_unref);
  fflush (stdout);

  return ctl->exit_code;
}

static gboolean  opt_follow;
static char     *opt_level;
static int       opt_lines = 0;

static const GOptionEntry log_entries[] = {
  { "follow", 'f', 0, G_OPTION_ARG_NONE, &opt_follow, "Keep printing new messages", NULL },
  { "level", 'l', 0, G_OPTION_ARG_STRING, &opt_level,
    "Only messages at least this severe: error, critical, warning, message, info, debug", "L" },
  { "lines", 'n', 0, G_OPTION_ARG_INT, &opt_lines,
    "Show the newest N kept messages first (0: all)", "N" },
  { NULL }
};

int
syd_ctl_cmd_log (SydCtl  *ctl,
                 int      argc,
                 char   **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) entries = NULL;
  SydDaemon1 *daemon;
  GVariantIter iter;
  guint64 serial;
  gint64 time;
  const char *level, *domain, *message;

  if (!syd_ctl_parse_options (ctl, log_entries, &argc, &argv, 0, 0))
    return 1;

  ctl->max_level = log_level_rank ("debug");
  if (opt_level != NULL)
    {
      if (!g_strv_contains ((const char *const *) log_levels, opt_level))
        return syd_ctl_usage_error (ctl, "unknown level “%s”; use error, critical, warning, "
                                    "message, info or debug", opt_level);
      ctl->max_level = log_level_rank (opt_level);
    }
  if (opt_lines < 0)
    return syd_ctl_usage_error (ctl, "--lines must be 0 or more");

  if ((daemon = syd_ctl_get_daemon (ctl, &error)) == NULL)
    return syd_ctl_report_error (error);

  /* Subscribe before fetching the backlog so that nothing falls in between;
   * print_log_entry drops what the backlog already showed. */
  if (opt_follow)
    g_signal_connect (daemon, "log", G_CALLBACK (log_signal_cb), ctl);

  if (!syd_daemon1_call_get_log_sync (daemon, 0, (guint) opt_lines,
                                      syd_ctl_call_flags (ctl), -1, &entries, NULL, &error))
    return syd_ctl_report_error (error);

  if (ctl->json && !opt_follow)
    {
      syd_ctl_print_json (entries, TRUE);
      return 0;
    }

  g_variant_iter_init (&iter, entries);
  while (g_variant_iter_next (&iter, "(tx&s&s&s)", &serial, &time, &level, &domain, &message))
    print_log_entry (ctl, serial, time, level, domain, message);

  if (!opt_follow)
    return 0;

  return follow (ctl);
}

static void
print_traffic (SydCtl   *ctl,
               GVariant *sample)
{
  g_autofree char *rate_up = syd_format_rate (syd_ctl_lookup_uint (sample, "rate-up"));
  g_autofree char *rate_down = syd_format_rate (syd_ctl_lookup_uint (sample, "rate-down"));
  g_autofree char *total_up = syd_ctl_lookup_size_text (sample, "total-up");
  g_autofree char *total_down = syd_ctl_lookup_size_text (sample, "total-down");
  g_autofree char *time = syd_format_time (syd_ctl_lookup_int (sample, "timestamp", 0));

  if (ctl->json)
    {
      syd_ctl_print_json (sample, FALSE);
      return;
    }

  g_print ("%s  ↑ %10s  ↓ %10s   total ↑ %s  ↓ %s   %" G_GUINT64_FORMAT " active\n",
           time, rate_up, rate_down, total_up, total_down,
           syd_ctl_lookup_uint (sample, "active"));
  fflush (stdout);
}

static void
traffic_signal_cb (SydDaemon1 *daemon,
                   GVariant   *sample,
                   SydCtl     *ctl)
{
  print_traffic (ctl, sample);
}

static const GOptionEntry traffic_entries[] = {
  { "follow", 'f', 0, G_OPTION_ARG_NONE, &opt_follow,
    "Keep printing a sample each second while traffic moves", NULL },
  { NULL }
};

int
syd_ctl_cmd_traffic (SydCtl  *ctl,
                     int      argc,
                     char   **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) traffic = NULL;
  SydDaemon1 *daemon;

  if (!syd_ctl_parse_options (ctl, traffic_entries, &argc, &argv, 0, 0))
    return 1;

  if ((daemon = syd_ctl_get_daemon (ctl, &error)) == NULL ||
      !syd_daemon1_call_get_traffic_sync (daemon, syd_ctl_call_flags (ctl), -1, &traffic, NULL,
                                          &error))
    return syd_ctl_report_error (error);

  if (ctl->json && !opt_follow)
    {
      syd_ctl_print_json (traffic, TRUE);
      return 0;
    }

  print_traffic (ctl, traffic);
  if (!opt_follow)
    return 0;

  g_signal_connect (daemon, "traffic", G_CALLBACK (traffic_signal_cb), ctl);
  return follow (ctl);
}
