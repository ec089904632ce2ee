/* switchyardd.c — the Switchyard service: the proxy stack on the session bus
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "switchyardd"

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include <glib-unix.h>
#include <gio/gio.h>

#include "engine/sy-engine.h"
#include "syd-daemon.h"
#include "syd-error.h"
#include "syd-log.h"
#include "util/sy-error.h"

/* With --replace the old instance releases the bus name before it has
 * closed its listening sockets; give it this long to let go of the ports. */
#define REPLACE_RETRY_INTERVAL_MS 100
#define REPLACE_RETRY_MAX         50

typedef struct
{
  GMainLoop        *loop;
  SyEngine         *engine;
  SydDaemon        *daemon;
  GDBusConnection  *connection;
  char             *config_dir;
  gboolean          replace;
  gboolean          headless;
  gboolean          name_acquired;
  gboolean          name_lost;
  guint             owner_id;
  guint             start_retries;
  int               exit_code;
} Service;

static void
raise_fd_limit (void)
{
  struct rlimit limit;
  rlim_t wanted;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
    return;

  /* Each proxied connection holds two descriptors; the soft limit of 1024
   * would cap us near 500 sessions. The kernel refuses RLIM_INFINITY here,
   * so an unlimited hard limit is clamped to the usual nr_open default. */
  wanted = limit.rlim_max == RLIM_INFINITY ? 1048576 : limit.rlim_max;
  if (limit.rlim_cur >= wanted)
    return;

  limit.rlim_cur = wanted;
  if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
    g_debug ("Could not raise the open-file limit to %lu: %s",
             (unsigned long) wanted, g_strerror (errno));
  else
    g_debug ("Open-file limit raised to %lu", (unsigned long) wanted);
}

static void
print_banner (Service *service)
{
  g_auto(GStrv) addresses = sy_engine_dup_listen_addresses (service->engine);
  g_autofree char *example = NULL;

  for (guint i = 0; addresses[i] != NULL; i++)
    g_print ("switchyardd: listening on %s (SOCKS5 + HTTP)\n", addresses[i]);

  if (addresses[0] == NULL)
    return;

  /* A wildcard bind is reachable on loopback too; that is what to try. */
  if (g_str_has_prefix (addresses[0], "0.0.0.0:"))
    example = g_strconcat ("127.0.0.1", addresses[0] + strlen ("0.0.0.0"), NULL);
  else if (g_str_has_prefix (addresses[0], "[::]:"))
    example = g_strconcat ("[::1]", addresses[0] + strlen ("[::]"), NULL);
  else
    example = g_strdup (addresses[0]);

  g_print ("  try: curl -x socks5h://%s https://example.org\n"
           "       curl -x http://%s https://example.org\n",
           example, example);
  fflush (stdout);
}

static gboolean start_proxy (gpointer user_data);

static void
autostart (Service *service)
{
  const SyConfig *config = sy_engine_get_config (service->engine);

  if (!config->service.autostart)
    {
      g_print ("switchyardd: ready; the proxy is stopped (autostart is off in %s/%s). "
               "Start it with: switchyardctl start\n",
               service->config_dir, SY_CONFIG_SERVICE_FILE);
      fflush (stdout);
      return;
    }

  start_proxy (service);
}

static gboolean
start_proxy (gpointer user_data)
{
  Service *service = user_data;
  g_autoptr(GError) error = NULL;

  if (sy_engine_start (service->engine, &error))
    {
      print_banner (service);
      return G_SOURCE_REMOVE;
    }

  if (service->replace &&
      (g_error_matches (error, SY_ERROR, SY_ERROR_ADDRESS_IN_USE) ||
       g_error_matches (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE)) &&
      service->start_retries++ < REPLACE_RETRY_MAX)
    {
      g_timeout_add (REPLACE_RETRY_INTERVAL_MS, start_proxy, service);
      return G_SOURCE_REMOVE;
    }

  g_printerr ("switchyardd: could not start the proxy: %s\n", error->message);

  /* Headless there is nothing left to do; on the bus a client can fix the
   * inbound (SetInbound) and call Start() again. */
  if (service->headless)
    {
      service->exit_code = 1;
      g_main_loop_quit (service->loop);
    }

  return G_SOURCE_REMOVE;
}

static void
run_headless (Service    *service,
              const char *why)
{
  service->headless = TRUE;
  g_message ("%s: running without D-Bus. Configuration: %s (send SIGHUP to reload it)",
             why, service->config_dir);
  autostart (service);
}

static void
name_acquired_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  Service *service = user_data;

  service->name_acquired = TRUE;
  g_debug ("Owning %s on the session bus", name);
  autostart (service);
}

static void
name_lost_cb (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  Service *service = user_data;

  service->name_lost = TRUE;

  if (!service->name_acquired)
    {
      if (connection == NULL || g_dbus_connection_is_closed (connection))
        g_printerr ("switchyardd: lost the connection to the session bus\n");
      else
        g_printerr ("switchyardd: %s is already owned by another switchyardd on this session bus; "
                    "stop it first, or pass --replace to take over\n", name);
      service->exit_code = 1;
    }
  else if (connection == NULL || g_dbus_connection_is_closed (connection))
    g_message ("The session bus went away; exiting");
  else
    g_message ("Another switchyardd replaced this one; exiting");

  g_main_loop_quit (service->loop);
}

static void
bus_get_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Service *service = user_data;
  g_autoptr(GError) error = NULL;
  GBusNameOwnerFlags flags;

  service->connection = g_bus_get_finish (result, &error);
  if (service->connection == NULL)
    {
      g_autofree char *why = g_strdup_printf ("No session bus (%s)", error->message);

      run_headless (service, why);
      return;
    }

  /* Losing the bus is handled by name_lost_cb (a clean stop), not by the
   * SIGTERM GLib would otherwise raise. */
  g_dbus_connection_set_exit_on_close (service->connection, FALSE);

  /* Exported before the name is requested, so that a client activated by
   * the name finds the objects the moment the name appears. */
  if (!syd_daemon_export (service->daemon, service->connection, &error))
    {
      g_printerr ("switchyardd: could not export the D-Bus objects: %s\n", error->message);
      service->exit_code = 1;
      g_main_loop_quit (service->loop);
      return;
    }

  flags = G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE | G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT;
  if (service->replace)
    flags |= G_BUS_NAME_OWNER_FLAGS_REPLACE;

  service->owner_id = g_bus_own_name_on_connection (service->connection, SY_DBUS_NAME, flags,
                                                    name_acquired_cb, name_lost_cb,
                                                    service, NULL);
}

static gboolean
quit_cb (gpointer user_data)
{
  Service *service = user_data;

  g_message ("Stopping on a signal");
  g_main_loop_quit (service->loop);

  return G_SOURCE_CONTINUE;
}

static gboolean
reload_cb (gpointer user_data)
{
  Service *service = user_data;

  /* Failures are logged by the daemon; the old configuration stays. */
  syd_daemon_reload (service->daemon, NULL);

  return G_SOURCE_CONTINUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) config = NULL;
  g_autofree char *config_dir = NULL;
  gboolean no_dbus = FALSE;
  gboolean replace = FALSE;
  gboolean verbose = FALSE;
  gboolean version = FALSE;
  Service service = { 0 };
  guint signal_sources[3];
  const GOptionEntry entries[] = {
    { "config-dir", 'c', 0, G_OPTION_ARG_FILENAME, &config_dir,
      "Read and save the configuration in DIR (default: $XDG_CONFIG_HOME/switchyard)", "DIR" },
    { "no-dbus", 0, 0, G_OPTION_ARG_NONE, &no_dbus,
      "Do not use the session bus: run headless on the configuration files", NULL },
    { "replace", 'r', 0, G_OPTION_ARG_NONE, &replace,
      "Take over from a switchyardd already running on this session bus", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
      "Log debug messages", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version,
      "Print the version and exit", NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");

  context = g_option_context_new ("— the Switchyard proxy service");
  g_option_context_set_summary (context,
    "Runs the local SOCKS5/HTTP proxy, its upstream pools and routing, and\n"
    "exposes them on the session bus as " SY_DBUS_NAME ".\n"
    "Control it with switchyardctl or the Switchyard app.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("switchyardd: %s\nTry “switchyardd --help”.\n", error->message);
      return 1;
    }
  if (argc > 1)
    {
      g_printerr ("switchyardd: unexpected argument “%s”\nTry “switchyardd --help”.\n", argv[1]);
      return 1;
    }

  if (version)
    {
      g_print ("switchyardd %s\n", PACKAGE_VERSION);
      return 0;
    }

  syd_log_init (verbose, 2000);
  raise_fd_limit ();

  if (config_dir == NULL)
    config_dir = g_build_filename (g_get_user_config_dir (), "switchyard", NULL);

  /* A broken file stops us here, before anything runs: starting on a
   * half-read configuration would route traffic somewhere unintended. */
  if ((config = sy_config_load_dir (config_dir, &error)) == NULL)
    {
      g_printerr ("switchyardd: cannot load the configuration in %s: %s\n",
                  config_dir, error->message);
      return 1;
    }

  syd_log_set_capacity (config->service.log_size);

  service.engine = sy_engine_new ();
  if (!sy_engine_set_config (service.engine, config, &error))
    {
      g_printerr ("switchyardd: %s\n", error->message);
      g_clear_object (&service.engine);
      return 1;
    }

  service.loop = g_main_loop_new (NULL, FALSE);
  service.config_dir = config_dir;
  service.replace = replace;
  service.daemon = syd_daemon_new (service.engine, config_dir);

  signal_sources[0] = g_unix_signal_add (SIGINT, quit_cb, &service);
  signal_sources[1] = g_unix_signal_add (SIGTERM, quit_cb, &service);
  signal_sources[2] = g_unix_signal_add (SIGHUP, reload_cb, &service);

  if (no_dbus)
    run_headless (&service, "--no-dbus");
  else
    g_bus_get (G_BUS_TYPE_SESSION, NULL, bus_get_cb, &service);

  g_main_loop_run (service.loop);

  for (guint i = 0; i < G_N_ELEMENTS (signal_sources); i++)
    g_source_remove (signal_sources[i]);

  sy_engine_stop (service.engine);

  /* Releasing a name already lost makes GDBus warn about the bus's
   * NOT_OWNER reply; the record goes away with the process anyway. */
  if (service.owner_id != 0 && !service.name_lost)
    g_bus_unown_name (service.owner_id);
  syd_daemon_unexport (service.daemon);
  if (service.connection != NULL && !g_dbus_connection_is_closed (service.connection))
    g_dbus_connection_flush_sync (service.connection, NULL, NULL);

  g_clear_object (&service.daemon);
  g_clear_object (&service.engine);
  g_clear_object (&service.connection);
  g_clear_pointer (&service.loop, g_main_loop_unref);

  return service.exit_code;
}
