/* test-app-ui.c — the Switchyard app, end to end under Xvfb
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A private X server (Xvfb) and a private session bus (GTestDBus, i.e.
 * dbus-daemon as dbus-run-session runs it) carry the real app. The bus can
 * activate the real switchyardd of this build with a temporary
 * configuration directory, the way a desktop's bus activates an installed
 * one, so the app has to start the service itself. The test drives the app
 * through AT-SPI where a person would click (syapp-atspi.py), through its
 * exported GActions (org.gtk.Actions) where AT-SPI cannot reach, and checks
 * every effect through the real switchyardctl, never through the app.
 *
 * The cases share one app and one service and build on each other, in
 * registration order, as meson runs them.
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "sy-test-peers.h"
#include "sy-test-process.h"

#define APP_ID "dev.switchyard.Switchyard"
#define APP_PATH "/dev/switchyard/Switchyard"
#define SERVICE_NAME "dev.switchyard.Switchyard.Daemon"

/* The default window size (the GSettings schema) and how much the window
 * may differ from it: the frame GTK draws around a client-side decorated
 * window without a window manager is not part of the rendered content. */
#define WINDOW_WIDTH 980
#define WINDOW_HEIGHT 700
#define SIZE_SLACK 24

typedef struct
{
  char            *dir;
  char            *config_dir;
  char            *services_dir;
  char            *display;
  SyTestProcess   *xvfb;
  GTestDBus       *bus;
  GDBusConnection *connection;
  SyTestProcess   *app;
  guint16          port;
  SyTestPeer      *microsocks;
  SyTestServer    *hold;
  SyTestProcess   *system_bus;    /* stands in for the system bus */
  SyTestProcess   *network_manager; /* python3-dbusmock's template on it */
  GDBusConnection *system;
} Fixture;

static Fixture fx;
static const char *app_path;
static const char *switchyardd_path;
static const char *switchyardctl_path;
static const char *atspi_script;

/* Helpers --------------------------------------------------------------------*/

/* Exit status meson counts as skipped. */
#define EXIT_SKIP 77

static int
cannot_run (const char *why)
{
  /* Under CI a missing tool is a failure, not a reason to skip. */
  if (g_getenv ("CI") != NULL)
    g_error ("%s (CI is set, so this cannot be skipped)", why);
  g_print ("1..0 # SKIP %s\n", why);
  return EXIT_SKIP;
}

static const char *
python (void)
{
  /* python3-gi is Debian's, for Debian's interpreter. */
  return g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE) ? "/usr/bin/python3"
                                                                    : "python3";
}

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static void
run_free (Run *run)
{
  g_free (run->out);
  g_free (run->err);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static Run *
runv (const char *const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *joined = g_strjoinv (" ", (char **) argv);
  Run *run = g_new0 (Run, 1);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_setenv (launcher, "DISPLAY", fx.display, TRUE);

  g_test_message ("$ %s", joined);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  run->status = g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process)
                                                     : -1;
  if (run->out != NULL && run->out[0] != '\0')
    g_test_message ("%s", run->out);
  if (run->err != NULL && run->err[0] != '\0')
    g_test_message ("stderr: %s", run->err);
  return run;
}

#define run(...) runv ((const char *const[]) { __VA_ARGS__, NULL })

/* switchyardctl --json ARGS, parsed; asserts it succeeded. */
static JsonNode *
ctl_json_v (const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(Run) result = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  g_ptr_array_add (argv, (gpointer) switchyardctl_path);
  g_ptr_array_add (argv, (gpointer) "--json");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  result = runv ((const char *const *) argv->pdata);
  if (result->status != 0)
    g_error ("switchyardctl failed (%d): %s", result->status, result->err);
  node = json_from_string (result->out, &error);
  g_assert_no_error (error);
  return node;
}

#define ctl_json(...) ctl_json_v ((const char *const[]) { __VA_ARGS__, NULL })

static void
ctl_ok_v (const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(Run) result = NULL;

  g_ptr_array_add (argv, (gpointer) switchyardctl_path);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  result = runv ((const char *const *) argv->pdata);
  if (result->status != 0)
    g_error ("switchyardctl failed (%d): %s", result->status, result->err);
}

#define ctl_ok(...) ctl_ok_v ((const char *const[]) { __VA_ARGS__, NULL })

static char *
proxy_state (void)
{
  g_autoptr(JsonNode) status = ctl_json ("status");

  return g_strdup (json_object_get_string_member (json_node_get_object (status), "state"));
}

/* Polls until @check says yes; fails after @seconds. */
#define wait_until(seconds, what, check)                                        \
  G_STMT_START {                                                                \
    gint64 deadline_ = g_get_monotonic_time () + (seconds) * G_USEC_PER_SEC;   \
    while (!(check))                                                            \
      {                                                                         \
        if (g_get_monotonic_time () > deadline_)                               \
          g_error ("timed out after %d s waiting for %s", (int) (seconds), what); \
        g_usleep (100 * 1000);                                                  \
      }                                                                         \
  } G_STMT_END

static gboolean
state_is (const char *expected)
{
  g_autofree char *state = proxy_state ();

  return g_strcmp0 (state, expected) == 0;
}

/* AT-SPI, through syapp-atspi.py: what a screen reader sees and does. */
static void
atspi_v (const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(Run) result = NULL;

  g_ptr_array_add (argv, (gpointer) python ());
  g_ptr_array_add (argv, (gpointer) atspi_script);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  result = runv ((const char *const *) argv->pdata);
  if (result->status != 0)
    g_error ("AT-SPI %s failed: %s%s", args[0], result->out, result->err);
}

#define atspi(...) atspi_v ((const char *const[]) { __VA_ARGS__, NULL })

/* Activates an app action through org.gtk.Actions, as GNOME Shell or
 * `gapplication action` would. */
static void
activate (const char *action,
          GVariant   *parameter)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  GVariantBuilder params;

  g_test_message ("app.%s", action);
  g_variant_builder_init (&params, G_VARIANT_TYPE ("av"));
  if (parameter != NULL)
    g_variant_builder_add (&params, "v", parameter);

  reply = g_dbus_connection_call_sync (fx.connection, APP_ID, APP_PATH, "org.gtk.Actions",
                                       "Activate",
                                       g_variant_new ("(sava{sv})", action, &params, NULL),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_no_error (error);
}

/* The window's own action, as Alt+1 … Alt+4 would. */
static void
show_page (const char *page)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_sync (fx.connection, APP_ID, APP_PATH "/window/1",
                                       "org.gtk.Actions", "Activate",
                                       g_variant_new_parsed ("('show-page', [<%s>], "
                                                             "@a{sv} {})", page),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_no_error (error);
}

static char *
name_owner (const char *name)
{
  g_autoptr(GVariant) reply = NULL;
  char *owner = NULL;

  reply = g_dbus_connection_call_sync (fx.connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "GetNameOwner", g_variant_new ("(s)", name),
                                       G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(s)", &owner);
  return owner;
}

static gboolean
has_owner (const char *name)
{
  g_autofree char *owner = name_owner (name);

  return owner != NULL;
}

static GPid
service_pid (void)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint32 pid;

  reply = g_dbus_connection_call_sync (fx.connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)", SERVICE_NAME),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &pid);
  return (GPid) pid;
}

static void
write_text (const char *dir,
            const char *name,
            const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

/* SOCKS5 through the proxy to @port, left open: one live session. */
static GSocketConnection *
open_session (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;
  GOutputStream *out;
  GInputStream *in;
  guint8 reply[10];
  const guint8 greeting[] = { 0x05, 0x01, 0x00 };
  guint8 request[] = { 0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1, port >> 8, port & 0xff };
  gsize n;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", fx.port, NULL, &error);
  g_assert_no_error (error);
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));

  g_output_stream_write_all (out, greeting, sizeof greeting, NULL, NULL, &error);
  g_assert_no_error (error);
  g_input_stream_read_all (in, reply, 2, &n, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (reply[1], ==, 0x00);

  g_output_stream_write_all (out, request, sizeof request, NULL, NULL, &error);
  g_assert_no_error (error);
  g_input_stream_read_all (in, reply, sizeof reply, &n, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, sizeof reply);
  g_assert_cmpuint (reply[1], ==, 0x00);     /* succeeded */

  return connection;
}

static void
hold_handler (GSocketConnection *connection,
              GCancellable      *cancellable,
              gpointer           user_data)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  char buffer[1024];

  while (g_input_stream_read (in, buffer, sizeof buffer, cancellable, NULL) > 0)
    {
    }
}

/* Set-up and tear-down ----------------------------------------------------------*/

static gboolean
start_xvfb (void)
{
  g_autofree char *xvfb = g_find_program_in_path ("Xvfb");
  g_autoptr(GError) error = NULL;

  if (xvfb == NULL)
    return FALSE;

  /* A display number nobody uses: no lock file and no socket. */
  for (int n = 90; n < 200; n++)
    {
      g_autofree char *lock = g_strdup_printf ("/tmp/.X%d-lock", n);
      g_autofree char *socket = g_strdup_printf ("/tmp/.X11-unix/X%d", n);
      g_autofree char *display = g_strdup_printf (":%d", n);
      const char *argv[] = { xvfb, display, "-screen", "0", "1280x1024x24", "-nolisten", "tcp",
                             "-noreset", NULL };
      gint64 deadline;

      if (g_file_test (lock, G_FILE_TEST_EXISTS) || g_file_test (socket, G_FILE_TEST_EXISTS))
        continue;

      fx.xvfb = sy_test_process_spawn ("xvfb", NULL, argv, NULL, &error);
      g_assert_no_error (error);
      deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
      while (!g_file_test (socket, G_FILE_TEST_EXISTS) && sy_test_process_is_running (fx.xvfb))
        {
          if (g_get_monotonic_time () > deadline)
            g_error ("Xvfb did not start on %s", display);
          g_usleep (50 * 1000);
        }
      if (!sy_test_process_is_running (fx.xvfb))
        {
          /* Raced with another server for this number: try the next. */
          g_clear_pointer (&fx.xvfb, sy_test_process_free);
          continue;
        }
      fx.display = g_steal_pointer (&display);
      return TRUE;
    }

  return FALSE;
}

static gboolean
have_atspi (void)
{
  g_autoptr(Run) result = run (python (), "-c",
                               "import gi; gi.require_version('Atspi', '2.0'); "
                               "from gi.repository import Atspi");

  return result->status == 0;
}

/* NetworkManager where a test can add connections: python3-dbusmock's
 * template on a private bus that the app takes for the system bus. Returns
 * FALSE when dbusmock is not installed. */
static gboolean
start_network_manager (void)
{
  const char *bus_argv[] = { "dbus-daemon", "--session", "--nofork", "--print-address", NULL };
  const char *mock_argv[] = { python (), "-m", "dbusmock", "--template", "networkmanager",
                              NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autofree char *env = NULL;
  g_autoptr(Run) probe = run (python (), "-c", "import dbusmock");
  char *newline;

  if (probe->status != 0)
    return FALSE;

  fx.system_bus = sy_test_process_spawn ("system-bus", NULL, bus_argv, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sy_test_process_wait_output (fx.system_bus, 0, "\n", 10000), >=, 0);
  output = sy_test_process_dup_output (fx.system_bus);
  newline = strchr (output, '\n');
  *newline = '\0';
  g_test_message ("system bus at %s", output);
  /* The app (spawned after this) inherits it. */
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", output, TRUE);

  fx.system = g_dbus_connection_new_for_address_sync (output,
                                                      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                      G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                      NULL, NULL, &error);
  g_assert_no_error (error);

  env = g_strdup_printf ("DBUS_SYSTEM_BUS_ADDRESS=%s", output);
  fx.network_manager = sy_test_process_spawn ("dbusmock", NULL, mock_argv,
                                              (const char *const[]) { env, NULL }, &error);
  g_assert_no_error (error);
  return TRUE;
}

static gboolean
network_manager_up (void)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean up = FALSE;

  reply = g_dbus_connection_call_sync (fx.system, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner",
                                       g_variant_new ("(s)", "org.freedesktop.NetworkManager"),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &up);
  return up;
}

static void
fixture_setup (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *service = NULL;
  g_autofree char *inbounds = NULL;
  g_autofree char *runtime = NULL;

  fx.dir = g_dir_make_tmp ("switchyard-app-XXXXXX", &error);
  g_assert_no_error (error);
  fx.config_dir = g_build_filename (fx.dir, "config", NULL);
  fx.services_dir = g_build_filename (fx.dir, "services", NULL);
  runtime = g_build_filename (fx.dir, "runtime", NULL);
  g_assert_cmpint (g_mkdir_with_parents (fx.config_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (fx.services_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (runtime, 0700), ==, 0);

  /* Nothing of the user's: config, state and runtime are the test's. */
  g_setenv ("XDG_CONFIG_HOME", fx.dir, TRUE);
  g_setenv ("XDG_STATE_HOME", fx.dir, TRUE);
  g_setenv ("XDG_RUNTIME_DIR", runtime, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("SWITCHYARD_TEST_HOOKS", "1", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "C", TRUE);
  g_setenv ("DISPLAY", fx.display, TRUE);
  g_unsetenv ("WAYLAND_DISPLAY");

  /* The proxy stays stopped until the app starts it. */
  fx.port = sy_test_find_free_port ("127.0.0.1");
  write_text (fx.config_dir, "service.conf", "[Service]\nAutostart=false\n");
  inbounds = g_strdup_printf ("[Inbound main]\nListen=127.0.0.1\nPort=%u\n", fx.port);
  write_text (fx.config_dir, "inbounds.conf", inbounds);

  /* What a desktop's bus has in dbus-1/services, pointing at this build. */
  service = g_strdup_printf ("[D-BUS Service]\nName=%s\nExec=%s --config-dir %s\n",
                             SERVICE_NAME, switchyardd_path, fx.config_dir);
  write_text (fx.services_dir, SERVICE_NAME ".service", service);

  fx.bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_add_service_dir (fx.bus, fx.services_dir);
  /* The accessibility bus (org.a11y.Bus) is activated from the system's
   * services; ours comes first and wins for our name. */
  g_test_dbus_add_service_dir (fx.bus, "/usr/share/dbus-1/services");
  g_test_dbus_up (fx.bus);
  /* GTestDBus clears DISPLAY so that nothing autolaunches a bus on X. */
  g_setenv ("DISPLAY", fx.display, TRUE);

  fx.connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);

  if (!start_network_manager ())
    g_test_message ("python3-dbusmock is missing: the NetworkManager case will skip");

  fx.microsocks = sy_test_peer_start_microsocks (NULL, NULL, &error);
  g_assert_no_error (error);
  fx.hold = sy_test_server_new ("127.0.0.1", 0, hold_handler, NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (void)
{
  if (fx.app != NULL)
    {
      sy_test_process_signal (fx.app, SIGTERM);
      sy_test_process_wait (fx.app, 5000);
      g_clear_pointer (&fx.app, sy_test_process_free);
    }
  if (fx.connection != NULL && has_owner (SERVICE_NAME))
    kill (service_pid (), SIGTERM);
  g_clear_object (&fx.connection);
  if (fx.bus != NULL)
    {
      g_test_dbus_down (fx.bus);
      g_clear_object (&fx.bus);
    }
  g_clear_pointer (&fx.hold, sy_test_server_free);
  g_clear_pointer (&fx.network_manager, sy_test_process_free);
  g_clear_object (&fx.system);
  g_clear_pointer (&fx.system_bus, sy_test_process_free);
  g_clear_pointer (&fx.microsocks, sy_test_peer_stop);
  g_clear_pointer (&fx.xvfb, sy_test_process_free);
  if (fx.dir != NULL)
    sy_test_rm_rf (fx.dir);
  g_clear_pointer (&fx.dir, g_free);
  g_clear_pointer (&fx.config_dir, g_free);
  g_clear_pointer (&fx.services_dir, g_free);
  g_clear_pointer (&fx.display, g_free);
}

/* Cases --------------------------------------------------------------------------*/

/* The app starts the service by D-Bus activation, and shows the proxy's
 * state once it is there. */
static void
test_activation (void)
{
  const char *argv[] = { app_path, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;

  g_assert_false (has_owner (SERVICE_NAME));

  fx.app = sy_test_process_spawn ("switchyard", NULL, argv, NULL, &error);
  g_assert_no_error (error);

  wait_until (30, "the app on the bus", has_owner (APP_ID));
  /* Nobody but the app asks for the service on this bus. */
  wait_until (30, "the service, activated by the app", has_owner (SERVICE_NAME));

  state = proxy_state ();
  g_assert_cmpstr (state, ==, "stopped");
  atspi ("wait", "Proxy Stopped", "20");
}

/* Every control a person operates has a name a screen reader can say, on
 * every page. */
static void
test_accessible_names (void)
{
  static const char *const pages[] = { "upstreams", "wireguard", "connections", "logs",
                                       "overview" };

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      show_page (pages[i]);
      g_usleep (300 * 1000);
      atspi ("unnamed");
    }

  /* And in the preferences, opened as Ctrl+, would. */
  activate ("preferences", NULL);
  atspi ("wait", "Preferences", "10");
  atspi ("unnamed");
  atspi ("action", "Preferences", "window.close");
  atspi ("gone", "Preferences", "10");
}

/* The big switch, flipped through AT-SPI, starts the proxy. */
static void
test_start_proxy (void)
{
  g_autoptr(JsonNode) status = NULL;
  g_autoptr(GSocketConnection) probe = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;

  atspi ("press", "check box", "Proxy");
  wait_until (20, "the proxy to run", state_is ("running"));
  atspi ("wait", "Proxy Running", "20");

  /* It really listens where it says. */
  probe = g_socket_client_connect_to_host (client, "127.0.0.1", fx.port, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
pool_has_upstream (const char *pool,
                   const char *url)
{
  g_autoptr(JsonNode) upstreams = ctl_json ("upstreams", pool);
  JsonArray *array = json_node_get_array (upstreams);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *upstream = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member (upstream, "url"), url) == 0)
        return TRUE;
    }
  return FALSE;
}

/* An upstream added through the app lands in the service's pool: once by
 * pasting a URL into the form, as a person would, and once through the
 * app.add-upstream action. */
static void
test_add_upstream (void)
{
  g_autofree char *typed = g_strdup_printf ("socks5://127.0.0.1:%u",
                                            sy_test_peer_get_port (fx.microsocks));
  g_autofree char *scripted = g_strdup_printf ("http://127.0.0.1:%u",
                                               sy_test_find_free_port ("127.0.0.1"));
  g_autofree char *test_name = g_strdup_printf ("Test upstream 127.0.0.1-%u",
                                                sy_test_peer_get_port (fx.microsocks));

  ctl_ok ("pools", "add", "work", "--no-health-check");
  /* The pool shows up in the app by the PoolsChanged signal alone. */
  show_page ("upstreams");
  atspi ("press", "push button", "Add an upstream to pool work");
  atspi ("wait", "Add Upstream to work", "10");
  /* The form is named throughout, too. */
  atspi ("unnamed");
  atspi ("type", "Proxy URL", typed);
  atspi ("press", "push button", "Add", "Add Upstream to work");
  atspi ("gone", "Add Upstream to work", "10");
  wait_until (10, "the typed upstream in pool work", pool_has_upstream ("work", typed));
  /* The app lists it under the name the service gave it. */
  atspi ("wait", test_name, "10");

  g_assert_false (pool_has_upstream ("work", scripted));
  activate ("add-upstream", g_variant_new ("(ss)", "work", scripted));
  wait_until (10, "the scripted upstream in pool work", pool_has_upstream ("work", scripted));
}

static guint64
only_session_id (void)
{
  g_autoptr(JsonNode) sessions = ctl_json ("sessions");
  JsonArray *array = json_node_get_array (sessions);

  if (json_array_get_length (array) != 1)
    return 0;
  return json_object_get_int_member (json_array_get_object_element (array, 0), "id");
}

static gboolean
no_sessions (void)
{
  g_autoptr(JsonNode) sessions = ctl_json ("sessions");

  return json_array_get_length (json_node_get_array (sessions)) == 0;
}

/* Opens a session and waits until the service and the app both list it. */
static GSocketConnection *
open_listed_session (guint64     *id,
                     const char  *close_name)
{
  GSocketConnection *connection = open_session (sy_test_server_get_port (fx.hold));

  wait_until (10, "one live session", (*id = only_session_id ()) != 0);
  atspi ("wait", close_name, "10");
  return connection;
}

static void
assert_cut (GSocketConnection *connection)
{
  g_autoptr(GError) error = NULL;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  char byte;

  /* The proxy closed our side too. */
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 10);
  g_assert_cmpint (g_input_stream_read (in, &byte, 1, NULL, &error), ==, 0);
  g_assert_no_error (error);
}

/* A live connection closed from the app is cut at the service: by its row's
 * close button (AT-SPI), and by the app.close-session action. */
static void
test_close_session (void)
{
  g_autofree char *close_name = g_strdup_printf ("Close the connection to 127.0.0.1:%u",
                                                 sy_test_server_get_port (fx.hold));
  g_autoptr(GSocketConnection) first = NULL;
  g_autoptr(GSocketConnection) second = NULL;
  guint64 id = 0;

  show_page ("connections");

  first = open_listed_session (&id, close_name);
  atspi ("press", "push button", close_name);
  wait_until (10, "the session to end", no_sessions ());
  atspi ("gone", close_name, "10");
  assert_cut (first);

  second = open_listed_session (&id, close_name);
  activate ("close-session", g_variant_new_uint64 (id));
  wait_until (10, "the session to end", no_sessions ());
  atspi ("gone", close_name, "10");
  assert_cut (second);
}

static gboolean
has_profile (const char *name)
{
  g_autoptr(JsonNode) profiles = ctl_json ("wireguard");
  JsonArray *array = json_node_get_array (profiles);

  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (array, i),
                                                  "name"), name) == 0)
      return TRUE;
  return FALSE;
}

static char *
random_key (void)
{
  guint8 key[32];

  for (guint i = 0; i < sizeof key; i++)
    key[i] = g_random_int_range (0, 256);
  return g_base64_encode (key, sizeof key);
}

/* A wg-quick file opened with the app (`switchyard office-vpn.conf`, or a
 * file manager's Open With) becomes a profile, which the WireGuard page
 * lists with its peer, live. */
static void
test_wireguard_open_file (void)
{
  guint16 port = sy_test_find_free_port ("127.0.0.1");
  g_autofree char *private_key = random_key ();
  g_autofree char *peer_key = random_key ();
  g_autofree char *text = NULL;
  g_autofree char *path = g_build_filename (fx.dir, "office vpn.conf", NULL);
  g_autofree char *uri = NULL;
  g_autofree char *endpoint = g_strdup_printf ("127.0.0.1:%u", port);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *uris[2] = { NULL, NULL };

  /* Nobody answers at the endpoint: the peer stays unconnected, which is
   * what the page must show honestly. */
  text = g_strdup_printf ("[Interface]\nPrivateKey = %s\nAddress = 10.8.0.2/32\n\n"
                          "[Peer]\nPublicKey = %s\nEndpoint = %s\n"
                          "AllowedIPs = 0.0.0.0/0\n", private_key, peer_key, endpoint);
  write_text (fx.dir, "office vpn.conf", text);
  uri = g_filename_to_uri (path, NULL, &error);
  g_assert_no_error (error);
  uris[0] = uri;

  reply = g_dbus_connection_call_sync (fx.connection, APP_ID, APP_PATH, "org.gtk.Application",
                                       "Open",
                                       g_variant_new ("(^ass@a{sv})", uris, "",
                                                      g_variant_new_array (G_VARIANT_TYPE (
                                                                             "{sv}"),
                                                                           NULL, 0)),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_no_error (error);

  /* The name comes from the file name, made valid. */
  wait_until (10, "the imported profile", has_profile ("office-vpn"));
  atspi ("wait", "office-vpn", "10");
  atspi ("wait", endpoint, "10");
  atspi ("unnamed");
}

/* NetworkManager's WireGuard connection, imported through the menu and the
 * filled-in import dialog. */
static void
test_wireguard_from_network_manager (void)
{
  g_autofree char *private_key = random_key ();
  g_autofree char *peer_key = random_key ();
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  if (fx.network_manager == NULL)
    {
      if (g_getenv ("CI") != NULL)
        g_error ("python3-dbusmock is not installed (CI is set, so this cannot be skipped)");
      g_test_skip ("python3-dbusmock is not installed");
      return;
    }
  wait_until (20, "NetworkManager (dbusmock) on its bus", network_manager_up ());

  /* The template returns secrets with the settings; the app reads either. */
  reply = g_dbus_connection_call_sync (
    fx.system, "org.freedesktop.NetworkManager", "/org/freedesktop/NetworkManager/Settings",
    "org.freedesktop.NetworkManager.Settings", "AddConnection",
    g_variant_new_parsed ("({'connection': {'id': <'Home VPN'>, 'type': <'wireguard'>,"
                          "                 'uuid': <'3d5d3b0c-5b1e-4c5e-8f0b-6a7e0c3f9a11'>},"
                          "  'wireguard': {'private-key': <%s>,"
                          "    'peers': <[{'public-key': <%s>,"
                          "                'endpoint': <'127.0.0.1:51998'>,"
                          "                'allowed-ips': <['10.8.0.0/24']>}]>},"
                          "  'ipv4': {'method': <'manual'>,"
                          "    'address-data': <[{'address': <'10.8.0.3'>,"
                          "                       'prefix': <uint32 32>}]>}},)",
                          private_key, peer_key),
    G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);

  show_page ("wireguard");
  atspi ("press", "push button", "Import a WireGuard profile");
  atspi ("press", "menu item", "From NetworkManager…");
  atspi ("wait", "Import a WireGuard Configuration", "10");
  atspi ("unnamed");
  atspi ("press", "push button", "Import", "Import a WireGuard Configuration");
  atspi ("gone", "Import a WireGuard Configuration", "10");
  wait_until (10, "the profile from NetworkManager", has_profile ("Home-VPN"));
  atspi ("wait", "127.0.0.1:51998", "10");
}

/* The window is drawn: a PNG the app renders of itself has the window's
 * size and is not one flat color. */
static void
test_screenshot (void)
{
  g_autofree char *path = g_build_filename (fx.dir, "window.png", NULL);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guchar *pixels = NULL;
  g_autoptr(GHashTable) colors = g_hash_table_new (g_direct_hash, g_direct_equal);
  int width, height;
  gsize stride;

  activate ("screenshot", g_variant_new_string (path));
  wait_until (10, "the screenshot", g_file_test (path, G_FILE_TEST_EXISTS));
  /* Written by gdk_texture_save_to_png in one go; give it a moment. */
  g_usleep (200 * 1000);

  texture = gdk_texture_new_from_filename (path, &error);
  g_assert_no_error (error);
  width = gdk_texture_get_width (texture);
  height = gdk_texture_get_height (texture);
  g_test_message ("screenshot %d×%d", width, height);
  g_assert_cmpint (ABS (width - WINDOW_WIDTH), <=, SIZE_SLACK);
  g_assert_cmpint (ABS (height - WINDOW_HEIGHT), <=, SIZE_SLACK);

  stride = (gsize) width * 4;
  pixels = g_malloc (stride * height);
  gdk_texture_download (texture, pixels, stride);
  for (int y = 0; y < height; y += 3)
    for (int x = 0; x < width; x += 3)
      {
        guint32 pixel;

        memcpy (&pixel, pixels + y * stride + x * 4, 4);
        g_hash_table_add (colors, GUINT_TO_POINTER (pixel));
      }
  g_test_message ("%u distinct colors", g_hash_table_size (colors));
  /* Text, icons and the switch give hundreds; a blank or failed render one. */
  g_assert_cmpuint (g_hash_table_size (colors), >=, 50);
}

/* The service dies under the app: the app says so and offers to start it;
 * "Start Service" (through AT-SPI) brings it back, and the app works on. */
static void
test_service_killed (void)
{
  GPid pid = service_pid ();

  g_test_message ("killing switchyardd (pid %d)", (int) pid);
  show_page ("overview");
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  wait_until (10, "the service to leave the bus", !has_owner (SERVICE_NAME));

  atspi ("wait", "The Service Is Not Running", "15");
  g_assert_true (sy_test_process_is_running (fx.app));

  atspi ("press", "push button", "Start Service");
  wait_until (30, "the service, activated again by the app", has_owner (SERVICE_NAME));
  g_assert_cmpint (service_pid (), !=, pid);
  atspi ("wait", "Proxy Stopped", "20");

  /* The same proxies work against the new instance. */
  activate ("start-proxy", NULL);
  wait_until (20, "the proxy to run again", state_is ("running"));
  atspi ("wait", "Proxy Running", "20");
}

/* Restarted by someone else (systemd, switchyardctl): the app notices the
 * new instance by itself. */
static void
test_service_restarted_elsewhere (void)
{
  GPid pid = service_pid ();

  g_assert_cmpint (kill (pid, SIGTERM), ==, 0);
  wait_until (10, "the service to leave the bus", !has_owner (SERVICE_NAME));
  atspi ("wait", "The Service Is Not Running", "15");

  /* switchyardctl start activates the service on this bus. */
  ctl_ok ("start");
  wait_until (20, "the proxy to run", state_is ("running"));
  atspi ("wait", "Proxy Running", "20");

  activate ("stop-proxy", NULL);
  wait_until (20, "the proxy to stop", state_is ("stopped"));
  atspi ("wait", "Proxy Stopped", "20");
  g_assert_true (sy_test_process_is_running (fx.app));
}

static void
test_quit (void)
{
  activate ("quit", NULL);
  g_assert_cmpint (sy_test_process_wait (fx.app, 10000), ==, 0);
  g_clear_pointer (&fx.app, sy_test_process_free);
  /* The service outlives the app: it is the proxy. */
  g_assert_true (has_owner (SERVICE_NAME));
}

/* Each case needs the ones before it; after a failure or skip the rest
 * skip too. */
static gboolean ready;

static void
step (gconstpointer data)
{
  GTestFunc func = (GTestFunc) data;

  if (!ready)
    {
      g_test_skip ("an earlier case did not finish");
      return;
    }
  ready = FALSE;
  func ();
  ready = !g_test_failed ();
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  app_path = g_getenv ("SWITCHYARD_APP");
  switchyardd_path = g_getenv ("SWITCHYARDD");
  switchyardctl_path = g_getenv ("SWITCHYARDCTL");
  atspi_script = g_getenv ("SYAPP_ATSPI");
  g_assert_nonnull (app_path);
  g_assert_nonnull (switchyardd_path);
  g_assert_nonnull (switchyardctl_path);
  g_assert_nonnull (atspi_script);

  g_test_add_data_func ("/app/ui/activation", test_activation, step);
  g_test_add_data_func ("/app/ui/accessible-names", test_accessible_names, step);
  g_test_add_data_func ("/app/ui/start-proxy", test_start_proxy, step);
  g_test_add_data_func ("/app/ui/add-upstream", test_add_upstream, step);
  g_test_add_data_func ("/app/ui/close-session", test_close_session, step);
  g_test_add_data_func ("/app/ui/wireguard-open-file", test_wireguard_open_file, step);
  g_test_add_data_func ("/app/ui/wireguard-network-manager", test_wireguard_from_network_manager,
                        step);
  g_test_add_data_func ("/app/ui/screenshot", test_screenshot, step);
  g_test_add_data_func ("/app/ui/service-killed", test_service_killed, step);
  g_test_add_data_func ("/app/ui/service-restarted-elsewhere", test_service_restarted_elsewhere,
                        step);
  g_test_add_data_func ("/app/ui/quit", test_quit, step);

  if (!start_xvfb ())
    return cannot_run ("Xvfb is not installed (Debian: xvfb)");
  if (!have_atspi ())
    {
      g_clear_pointer (&fx.xvfb, sy_test_process_free);
      return cannot_run ("python3-gi with Atspi 2.0 is not installed "
                         "(Debian: python3-gi gir1.2-atspi-2.0 at-spi2-core)");
    }

  fixture_setup ();
  ready = TRUE;
  status = g_test_run ();
  fixture_teardown ();
  return status;
}
