/* switchyardd.c — the Switchyard service: the proxy stack on the session bus
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "switchyardd"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>
#include <gio/gio.h>

#include "engine/sy-engine.h"
#include "syd-daemon.h"
#include "syd-error.h"
#include "syd-health.h"
#include "syd-log.h"
#include "syd-wireproxy.h"
#include "util/sy-error.h"
#include "wireguard/sy-wireproxy-config.h"

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

/* wireproxy mode ----------------------------------------------------------- */

typedef struct
{
  char     *config_file;
  char     *info;
  gboolean  silent;
  gboolean  daemon;
  gboolean  configtest;
  gboolean  verbose;
  int       ready_fd;     /* the daemon's child: tell the parent here when ready */
} WireproxyOptions;

/* Where wireproxy looks when it is given no -c (cmd/wireproxy/main.go). */
static char *
wireproxy_default_config (void)
{
  const char *home = g_getenv ("HOME");
  g_autofree char *user = g_strconcat (home != NULL ? home : "", "/.config/wireproxy.conf", NULL);
  const char *candidates[] = { "/etc/wireproxy/wireproxy.conf", user };

  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    if (g_file_test (candidates[i], G_FILE_TEST_EXISTS))
      return g_strdup (candidates[i]);

  return NULL;
}

static gboolean log_silent;

/* -s keeps warnings and errors only; stdout stays free for [STDIOTunnel]. */
static GLogWriterOutput
wireproxy_log_writer (GLogLevelFlags   log_level,
                      const GLogField *fields,
                      gsize            n_fields,
                      gpointer         user_data)
{
  if (log_silent && (log_level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG)))
    return G_LOG_WRITER_HANDLED;

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* SWITCHYARD_TEST_WG_TIMINGS="rekey_after_time_ms=2000,keepalive_timeout_ms=500", read
 * only with SWITCHYARD_TEST=1: the end-to-end tests see several rekeys in
 * one transfer. Never meant for production, so it has no option. */
static gboolean
read_test_timings (SyWgTimings  *timings,
                   GError      **error)
{
  const char *text = g_getenv ("SWITCHYARD_TEST_WG_TIMINGS");
  g_auto(GStrv) items = NULL;

  sy_wg_timings_init_default (timings);
  if (g_strcmp0 (g_getenv ("SWITCHYARD_TEST"), "1") != 0 || text == NULL || text[0] == '\0')
    return FALSE;

  items = g_strsplit (text, ",", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      const struct { const char *name; guint *field; } fields[] = {
        { "rekey_after_time_ms", &timings->rekey_after_time_ms },
        { "reject_after_time_ms", &timings->reject_after_time_ms },
        { "rekey_attempt_time_ms", &timings->rekey_attempt_time_ms },
        { "rekey_timeout_ms", &timings->rekey_timeout_ms },
        { "keepalive_timeout_ms", &timings->keepalive_timeout_ms },
      };
      g_auto(GStrv) pair = g_strsplit (items[i], "=", 2);
      guint64 value;
      guint j;

      if (g_strv_length (pair) != 2 ||
          !g_ascii_string_to_unsigned (pair[1], 10, 1, G_MAXUINT, &value, NULL))
        goto bad;

      if (g_str_equal (pair[0], "rekey_after_messages"))
        timings->rekey_after_messages = value;
      else if (g_str_equal (pair[0], "reject_after_messages"))
        timings->reject_after_messages = value;
      else
        {
          for (j = 0; j < G_N_ELEMENTS (fields); j++)
            if (g_str_equal (pair[0], fields[j].name))
              break;
          if (j == G_N_ELEMENTS (fields))
            goto bad;
          *fields[j].field = value;
        }
      continue;

bad:
      g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                   "SWITCHYARD_TEST_WG_TIMINGS: “%s” is not NAME=NUMBER with a name of "
                   "SyWgTimings", items[i]);
      return FALSE;
    }

  /* What the device needs of them (sy_wg_device_set_timings()). */
  if (timings->rekey_timeout_ms == 0 ||
      timings->rekey_after_time_ms >= timings->reject_after_time_ms ||
      timings->reject_after_time_ms <= timings->keepalive_timeout_ms + timings->rekey_timeout_ms)
    {
      g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                   "SWITCHYARD_TEST_WG_TIMINGS: rekey_after_time_ms must be below "
                   "reject_after_time_ms, which must exceed keepalive_timeout_ms + "
                   "rekey_timeout_ms");
      return FALSE;
    }

  return TRUE;
}

static void
daemon_child_setup (gpointer user_data)
{
  /* Out of the terminal's session: closing it must not stop the proxy. */
  setsid ();
}

/* -d: wireproxy starts itself again in the background and returns. We do
 * the same, but wait until the copy is ready (or has failed, having said
 * why on our stderr), so that the exit status means something. */
static int
run_daemon_parent (char **saved_argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  GString *answer = g_string_new (NULL);
  int fds[2];
  int source_fds[1];
  int target_fds[] = { 3 };
  int status = 0;
  gboolean ready;
  GPid pid;

  if (!g_unix_open_pipe (fds, FD_CLOEXEC, &error))
    {
      g_printerr ("switchyardd: cannot start in the background: %s\n", error->message);
      return 1;
    }
  source_fds[0] = fds[1];

  g_strv_builder_add (builder, exe != NULL ? exe : saved_argv[0]);
  g_strv_builder_add (builder, "--daemon-ready-fd=3");
  for (guint i = 1; saved_argv[i] != NULL; i++)
    g_strv_builder_add (builder, saved_argv[i]);
  argv = g_strv_builder_end (builder);

  if (!g_spawn_async_with_pipes_and_fds (NULL, (const char * const *) argv, NULL,
                                         G_SPAWN_DO_NOT_REAP_CHILD |
                                         G_SPAWN_STDIN_FROM_DEV_NULL |
                                         G_SPAWN_STDOUT_TO_DEV_NULL,
                                         daemon_child_setup, NULL,
                                         -1, -1, -1, source_fds, target_fds, 1,
                                         &pid, NULL, NULL, NULL, &error))
    {
      g_printerr ("switchyardd: cannot start in the background: %s\n", error->message);
      close (fds[0]);
      close (fds[1]);
      return 1;
    }
  close (fds[1]);

  for (;;)
    {
      char buffer[64];
      ssize_t n = read (fds[0], buffer, sizeof buffer);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      g_string_append_len (answer, buffer, n);
    }
  close (fds[0]);

  ready = g_str_has_prefix (answer->str, "ready");
  g_string_free (answer, TRUE);
  if (ready)
    return 0;

  /* It failed and has said why on the stderr it shares with us. */
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  return 1;
}

static void
detach_from_terminal (int ready_fd)
{
  int null_fd;

  while (write (ready_fd, "ready\n", 6) < 0 && errno == EINTR)
    ;
  close (ready_fd);

  /* As wireproxy's background copy: nothing on the terminal from now on. */
  null_fd = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd >= 0)
    {
      dup2 (null_fd, STDOUT_FILENO);
      dup2 (null_fd, STDERR_FILENO);
      close (null_fd);
    }
}

static int quit_pipe[2] = { -1, -1 };

static void
sigquit_handler (int signum)
{
  int saved = errno;

  if (write (quit_pipe[1], "q", 1) < 0)
    {
      /* full: a quit is already pending */
    }
  errno = saved;
}

static gboolean
quit_pipe_cb (int          fd,
              GIOCondition condition,
              gpointer     user_data)
{
  g_message ("Stopping on a signal");
  g_main_loop_quit (user_data);

  return G_SOURCE_CONTINUE;
}

static gboolean
wireproxy_quit_cb (gpointer user_data)
{
  g_message ("Stopping on a signal");
  g_main_loop_quit (user_data);

  return G_SOURCE_CONTINUE;
}

static int
run_wireproxy (WireproxyOptions  *options,
               char             **saved_argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyWireproxyConfig) config = NULL;
  g_autoptr(SydWireproxy) wireproxy = NULL;
  g_autoptr(SydHealth) health = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *path = NULL;
  const char * const *warnings;
  SyWgTimings timings;
  guint sources[4] = { 0 };
  struct sigaction action = { 0 };

  log_silent = options->silent;
  g_log_writer_default_set_use_stderr (TRUE);
  g_log_set_writer_func (wireproxy_log_writer, NULL, NULL);
  if (options->verbose)
    g_log_set_debug_enabled (TRUE);

  path = g_strdup (options->config_file);
  if (path == NULL && (path = wireproxy_default_config ()) == NULL)
    {
      g_printerr ("switchyardd: a wireproxy configuration is required: -c FILE (none in "
                  "/etc/wireproxy/wireproxy.conf or ~/.config/wireproxy.conf)\n");
      return 1;
    }

  config = sy_wireproxy_config_load (path, &error);
  if (config == NULL)
    {
      g_printerr ("switchyardd: %s\n", error->message);
      return 1;
    }

  warnings = sy_wireproxy_config_get_warnings (config);
  for (guint i = 0; warnings[i] != NULL; i++)
    g_warning ("%s", warnings[i]);

  wireproxy = syd_wireproxy_new (g_steal_pointer (&config), &error);
  if (wireproxy == NULL)
    {
      g_printerr ("switchyardd: %s\n", error->message);
      return 1;
    }

  if (options->info != NULL && !syd_health_check_address (options->info, &error))
    {
      g_printerr ("switchyardd: -i: %s\n", error->message);
      return 1;
    }

  if (options->configtest)
    {
      g_print ("Config OK\n");
      return 0;
    }

  if (options->daemon && options->ready_fd < 0)
    return run_daemon_parent (saved_argv);

  if (read_test_timings (&timings, &error))
    {
      g_message ("Test build: WireGuard timers shortened (rekey after %u ms)",
                 timings.rekey_after_time_ms);
      syd_wireproxy_set_timings (wireproxy, &timings);
    }
  else if (error != NULL)
    {
      g_printerr ("switchyardd: %s\n", error->message);
      return 1;
    }

  raise_fd_limit ();

  if (!syd_wireproxy_start (wireproxy, &error))
    {
      g_printerr ("switchyardd: %s\n", error->message);
      return 1;
    }

  if (options->info != NULL)
    {
      g_auto(GStrv) uris = NULL;

      health = syd_health_new (syd_wireproxy_get_dispatcher (wireproxy));
      syd_health_add_device (health, syd_wireproxy_get_name (wireproxy),
                             sy_wireguard_outbound_get_device
                               (syd_wireproxy_get_outbound (wireproxy)));
      syd_health_set_check_alive (health, syd_wireproxy_get_check_alive (wireproxy));
      if (!syd_health_listen (health, options->info, &error))
        {
          g_printerr ("switchyardd: -i %s: %s\n", options->info, error->message);
          syd_wireproxy_stop (wireproxy);
          return 1;
        }
      uris = syd_health_dup_uris (health);
      for (guint i = 0; uris[i] != NULL; i++)
        g_message ("Health server on %s (readyz, metrics, uapi)", uris[i]);
    }

  loop = g_main_loop_new (NULL, FALSE);
  /* wireproxy stops on SIGINT and SIGQUIT, and Go's defaults end it on
   * SIGTERM and SIGHUP; ssh sends SIGHUP to a ProxyCommand it is done with. */
  sources[0] = g_unix_signal_add (SIGINT, wireproxy_quit_cb, loop);
  sources[1] = g_unix_signal_add (SIGTERM, wireproxy_quit_cb, loop);
  sources[2] = g_unix_signal_add (SIGHUP, wireproxy_quit_cb, loop);
  if (g_unix_open_pipe (quit_pipe, FD_CLOEXEC, NULL) &&
      g_unix_set_fd_nonblocking (quit_pipe[1], TRUE, NULL))
    {
      sources[3] = g_unix_fd_add (quit_pipe[0], G_IO_IN, quit_pipe_cb, loop);
      action.sa_handler = sigquit_handler;
      sigemptyset (&action.sa_mask);
      action.sa_flags = SA_RESTART;
      sigaction (SIGQUIT, &action, NULL);
    }
  /* A client that goes away mid-write must not kill the process. */
  signal (SIGPIPE, SIG_IGN);

  g_message ("Ready: %s through the WireGuard tunnel “%s”",
             syd_wireproxy_get_config (wireproxy)->path, syd_wireproxy_get_name (wireproxy));
  if (options->ready_fd >= 0)
    detach_from_terminal (options->ready_fd);

  g_main_loop_run (loop);

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    g_clear_handle_id (&sources[i], g_source_remove);
  if (quit_pipe[0] >= 0)
    {
      signal (SIGQUIT, SIG_DFL);
      close (quit_pipe[0]);
      close (quit_pipe[1]);
      quit_pipe[0] = quit_pipe[1] = -1;
    }
  if (health != NULL)
    syd_health_stop (health);
  syd_wireproxy_stop (wireproxy);

  return 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) config = NULL;
  g_autofree char *config_dir = NULL;
  g_auto(GStrv) saved_argv = g_strdupv (argv);
  WireproxyOptions wireproxy = { .ready_fd = -1 };
  gboolean no_dbus = FALSE;
  gboolean replace = FALSE;
  gboolean verbose = FALSE;
  gboolean version = FALSE;
  Service service = { 0 };
  guint signal_sources[3];
  const GOptionEntry entries[] = {
    { "config-dir", 0, 0, G_OPTION_ARG_FILENAME, &config_dir,
      "Read and save the configuration in DIR (default: $XDG_CONFIG_HOME/switchyard)", "DIR" },
    { "no-dbus", 0, 0, G_OPTION_ARG_NONE, &no_dbus,
      "Do not use the session bus: run headless on the configuration files", NULL },
    { "replace", 'r', 0, G_OPTION_ARG_NONE, &replace,
      "Take over from a switchyardd already running on this session bus", NULL },
    { "verbose", 0, 0, G_OPTION_ARG_NONE, &verbose,
      "Log debug messages", NULL },
    { "version", 'v', 0, G_OPTION_ARG_NONE, &version,
      "Print the version and exit", NULL },
    { NULL }
  };
  const GOptionEntry wireproxy_entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &wireproxy.config_file,
      "Run headless from a wireproxy configuration file, without D-Bus", "FILE" },
    { "silent", 's', 0, G_OPTION_ARG_NONE, &wireproxy.silent,
      "Log only warnings and errors", NULL },
    { "daemon", 'd', 0, G_OPTION_ARG_NONE, &wireproxy.daemon,
      "Run in the background once started", NULL },
    { "info", 'i', 0, G_OPTION_ARG_STRING, &wireproxy.info,
      "Serve /readyz, /metrics and /uapi on ADDR (e.g. 127.0.0.1:9080)", "ADDR" },
    { "configtest", 'n', 0, G_OPTION_ARG_NONE, &wireproxy.configtest,
      "Only check the configuration file, print “Config OK” and exit", NULL },
    { "daemon-ready-fd", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &wireproxy.ready_fd,
      NULL, NULL },
    { NULL }
  };
  GOptionGroup *group;
  gboolean wireproxy_mode;

  setlocale (LC_ALL, "");

  context = g_option_context_new ("— the Switchyard proxy service");
  g_option_context_set_summary (context,
    "Runs the local SOCKS5/HTTP proxy, its upstream pools and routing, and\n"
    "exposes them on the session bus as " SY_DBUS_NAME ".\n"
    "Control it with switchyardctl or the Switchyard app.\n"
    "\n"
    "With -c it instead runs a wireproxy configuration headless, taking\n"
    "wireproxy's options (see docs/wireproxy.md).");
  g_option_context_add_main_entries (context, entries, NULL);
  group = g_option_group_new ("wireproxy", "wireproxy mode (-c FILE):",
                              "Show the options of wireproxy mode", NULL, NULL);
  g_option_group_add_entries (group, wireproxy_entries);
  g_option_context_add_group (context, group);
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

  /* Any of wireproxy's options means wireproxy's behaviour, including its
   * default configuration paths when -c is missing. */
  wireproxy_mode = wireproxy.config_file != NULL || wireproxy.silent || wireproxy.daemon ||
                   wireproxy.info != NULL || wireproxy.configtest || wireproxy.ready_fd >= 0;
  if (wireproxy_mode)
    {
      int status;

      if (config_dir != NULL || no_dbus || replace)
        {
          g_printerr ("switchyardd: --config-dir, --no-dbus and --replace belong to the D-Bus "
                      "service; they cannot be combined with -c/-s/-d/-i/-n\n");
          return 1;
        }
      wireproxy.verbose = verbose;
      status = run_wireproxy (&wireproxy, saved_argv);
      g_free (wireproxy.config_file);
      g_free (wireproxy.info);
      return status;
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
