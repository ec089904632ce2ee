/* test-service.c — switchyardd and switchyardctl, end to end on a private bus
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A private dbus-daemon (GTestDBus) carries the real switchyardd binary,
 * driven by the real switchyardctl binary, with microsocks as an upstream
 * and curl as the proxy client. The cases share one service and build on
 * each other's state in registration order (the pool made by /pools is used
 * by /errors), so they are meant to run together, as meson runs them.
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "config/sy-config.h"
#include "sy-test-peers.h"

typedef struct
{
  GTestDBus       *bus;
  char            *config_dir;
  char            *stdout_path;
  char            *stderr_path;
  GSubprocess     *daemon;
  guint16          port;
  SyTestPeer      *microsocks;
  SyTestServer    *http;        /* answers 204: the health check target */
  SyTestServer    *hold;        /* reads the request, never answers */
} Fixture;

static Fixture fx;
static const char *switchyardd_path;
static const char *switchyardctl_path;

/* Helpers ------------------------------------------------------------------ */

static GSubprocessLauncher *
new_launcher (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);
  static const char *const proxy_vars[] = {
    "http_proxy", "https_proxy", "all_proxy", "no_proxy",
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
  };

  /* curl must not be sent around our proxy by the machine's settings. */
  for (guint i = 0; i < G_N_ELEMENTS (proxy_vars); i++)
    g_subprocess_launcher_unsetenv (launcher, proxy_vars[i]);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);

  return launcher;
}

typedef struct
{
  int   status;
  char *out;
  char *err;
} CtlResult;

static void
ctl_result_free (CtlResult *result)
{
  g_free (result->out);
  g_free (result->err);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtlResult, ctl_result_free)

static CtlResult *
ctl_runv (const char *const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                          G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *joined = NULL;
  CtlResult *result = g_new0 (CtlResult, 1);

  g_ptr_array_add (argv, (gpointer) switchyardctl_path);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  joined = g_strjoinv (" ", (char **) args);
  g_test_message ("$ switchyardctl %s", joined);

  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &result->out, &result->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  result->status = g_subprocess_get_exit_status (process);

  if (result->out != NULL && result->out[0] != '\0')
    g_test_message ("%s", result->out);
  if (result->err != NULL && result->err[0] != '\0')
    g_test_message ("stderr: %s", result->err);

  return result;
}

#define ctl_run(...) ctl_runv ((const char *const[]) { __VA_ARGS__, NULL })

/* Runs switchyardctl and asserts it succeeded; returns its stdout. */
#define ctl_ok(...) ctl_ok_impl (ctl_run (__VA_ARGS__))

static char *
ctl_ok_impl (CtlResult *result)
{
  g_autoptr(CtlResult) owned = result;

  if (result->status != 0)
    g_error ("switchyardctl failed with status %d: %s", result->status, result->err);
  g_assert_cmpstr (result->err, ==, "");

  return g_steal_pointer (&result->out);
}

/* Runs switchyardctl, asserts it failed with exit status 1 and that stderr
 * names @error_name and contains @text. */
#define ctl_fails(error_name, text, ...) \
  ctl_fails_impl (ctl_run (__VA_ARGS__), (error_name), (text))

static void
ctl_fails_impl (CtlResult  *result,
                const char *error_name,
                const char *text)
{
  g_autoptr(CtlResult) owned = result;

  g_assert_cmpint (result->status, ==, 1);
  g_assert_cmpstr (result->out, ==, "");
  g_assert_true (g_str_has_prefix (result->err, "switchyardctl"));
  if (error_name != NULL && strstr (result->err, error_name) == NULL)
    g_error ("expected %s in: %s", error_name, result->err);
  if (text != NULL && strstr (result->err, text) == NULL)
    g_error ("expected “%s” in: %s", text, result->err);
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static void
write_inbounds (guint16     port,
                const char *replace_port_with)
{
  g_autoptr(SyConfig) config = sy_config_new_default ();
  g_autoptr(SyInboundConfig) inbound = sy_inbound_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *path = g_build_filename (fx.config_dir, SY_CONFIG_INBOUNDS_FILE, NULL);

  g_free (inbound->name);
  inbound->name = g_strdup ("main");
  inbound->port = port;
  g_ptr_array_set_size (config->inbounds, 0);
  g_ptr_array_add (config->inbounds, g_steal_pointer (&inbound));

  /* The library's own writer, so the test follows the file format. */
  text = sy_config_serialize_inbounds (config);

  if (replace_port_with != NULL)
    {
      g_autofree char *needle = g_strdup_printf ("=%u\n", port);
      g_autofree char *bad = g_strdup_printf ("=%s\n", replace_port_with);
      g_autoptr(GString) edited = g_string_new (text);

      g_assert_cmpuint (g_string_replace (edited, needle, bad, 1), ==, 1);
      g_free (text);
      text = g_strdup (edited->str);
    }

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static char *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, &error))
    {
      g_assert_true (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT));
      return g_strdup ("");
    }
  return contents;
}

static gboolean
can_connect (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  return connection != NULL;
}

/* Peers -------------------------------------------------------------------- */

static void
http_204_handler (GSocketConnection *connection,
                  GCancellable      *cancellable,
                  gpointer           user_data)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  static const char reply[] = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
  GString *request = g_string_new (NULL);
  char buffer[1024];
  gssize n;

  while (strstr (request->str, "\r\n\r\n") == NULL &&
         (n = g_input_stream_read (in, buffer, sizeof buffer, cancellable, NULL)) > 0)
    g_string_append_len (request, buffer, n);

  g_output_stream_write_all (out, reply, strlen (reply), NULL, cancellable, NULL);
  g_string_free (request, TRUE);
}

/* Takes the request and sits on it until the other side closes, like a
 * server that never answers: the session stays live until closed. */
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

static GSubprocess *
spawn_curl_through_proxy (guint16 target_port)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                          G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autofree char *proxy = g_strdup_printf ("socks5h://127.0.0.1:%u", fx.port);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/", target_port);
  g_autoptr(GError) error = NULL;
  GSubprocess *curl;

  /* --max-time only keeps a broken run from hanging; no assertion on it. */
  curl = g_subprocess_launcher_spawn (launcher, &error, "curl", "-s", "-o", "/dev/null",
                                      "--max-time", "60", "-x", proxy, url, NULL);
  g_assert_no_error (error);
  return curl;
}

/* Set-up --------------------------------------------------------------------- */

static void
wait_for_daemon_banner (void)
{
  g_autofree char *expected = g_strdup_printf ("switchyardd: listening on 127.0.0.1:%u", fx.port);

  /* The banner is printed once the name is owned and the inbound listens. */
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *out = read_file (fx.stdout_path);

      if (strstr (out, expected) != NULL)
        {
          g_assert_nonnull (strstr (out, "curl -x socks5h://127.0.0.1:"));
          return;
        }

      if (g_subprocess_get_identifier (fx.daemon) == NULL)
        {
          g_autofree char *err = read_file (fx.stderr_path);

          g_error ("switchyardd exited early: %s", err);
        }
      g_usleep (10 * 1000);
    }

  {
    g_autofree char *err = read_file (fx.stderr_path);

    g_error ("switchyardd never printed “%s”; its stderr: %s", expected, err);
  }
}

static void
fixture_up (void)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;

  fx.bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (fx.bus);

  fx.config_dir = g_dir_make_tmp ("switchyard-service-XXXXXX", &error);
  g_assert_no_error (error);
  fx.stdout_path = g_build_filename (fx.config_dir, "daemon.stdout", NULL);
  fx.stderr_path = g_build_filename (fx.config_dir, "daemon.stderr", NULL);

  fx.port = sy_test_find_free_port ("127.0.0.1");
  write_inbounds (fx.port, NULL);

  fx.microsocks = sy_test_peer_start_microsocks (NULL, NULL, &error);
  g_assert_no_error (error);
  fx.http = sy_test_server_new ("127.0.0.1", 0, http_204_handler, NULL, &error);
  g_assert_no_error (error);
  fx.hold = sy_test_server_new ("127.0.0.1", 0, hold_handler, NULL, &error);
  g_assert_no_error (error);

  launcher = new_launcher (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_stdout_file_path (launcher, fx.stdout_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, fx.stderr_path);
  fx.daemon = g_subprocess_launcher_spawn (launcher, &error, switchyardd_path,
                                           "--config-dir", fx.config_dir, NULL);
  g_assert_no_error (error);

  wait_for_daemon_banner ();
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_down (void)
{
  g_autoptr(GError) error = NULL;

  if (fx.daemon != NULL)
    {
      /* SIGTERM is a clean stop: exit status 0. */
      g_subprocess_send_signal (fx.daemon, SIGTERM);
      g_subprocess_wait (fx.daemon, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_if_exited (fx.daemon));
      g_assert_cmpint (g_subprocess_get_exit_status (fx.daemon), ==, 0);
      g_clear_object (&fx.daemon);
    }

  g_clear_pointer (&fx.hold, sy_test_server_free);
  g_clear_pointer (&fx.http, sy_test_server_free);
  g_clear_pointer (&fx.microsocks, sy_test_peer_stop);

  if (fx.bus != NULL)
    {
      g_test_dbus_down (fx.bus);
      g_clear_object (&fx.bus);
    }

  if (fx.config_dir != NULL)
    remove_tree (fx.config_dir);

  g_clear_pointer (&fx.config_dir, g_free);
  g_clear_pointer (&fx.stdout_path, g_free);
  g_clear_pointer (&fx.stderr_path, g_free);
}

/* Cases ------------------------------------------------------------------- */

static void
test_status (void)
{
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%u", fx.port);
  g_autofree char *out = ctl_ok ("status");
  g_autofree char *json = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;
  JsonArray *addresses;

  g_assert_nonnull (strstr (out, "State:      running"));
  g_assert_nonnull (strstr (out, address));
  g_assert_nonnull (strstr (out, PACKAGE_VERSION));

  json = ctl_ok ("--json", "status");
  node = parse_json (json);
  object = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "running");
  addresses = json_object_get_array_member (object, "listen-addresses");
  g_assert_cmpuint (json_array_get_length (addresses), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (addresses, 0), ==, address);
  g_assert_true (json_object_has_member (json_object_get_object_member (object, "traffic"),
                                         "total-down"));
}

static void
test_stop_start (void)
{
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%u", fx.port);
  g_autofree char *stopped = NULL;
  g_autofree char *status = NULL;
  g_autofree char *started = NULL;
  g_autofree char *again = NULL;

  g_assert_true (can_connect (fx.port));

  stopped = ctl_ok ("stop");
  g_assert_cmpstr (stopped, ==, "Stopped\n");
  status = ctl_ok ("status");
  g_assert_nonnull (strstr (status, "State:      stopped"));
  g_assert_null (strstr (status, address));
  g_assert_false (can_connect (fx.port));

  started = ctl_ok ("start");
  g_assert_nonnull (strstr (started, address));
  g_free (status);
  status = ctl_ok ("status");
  g_assert_nonnull (strstr (status, "State:      running"));
  g_assert_nonnull (strstr (status, address));
  g_assert_true (can_connect (fx.port));

  /* Start on a running proxy is harmless. */
  again = ctl_ok ("start");
  g_assert_nonnull (strstr (again, address));
}

static JsonArray *
pool_upstreams (JsonNode   *pools,
                const char *pool)
{
  JsonArray *array = json_node_get_array (pools);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member (object, "name"), pool) == 0)
        return json_object_get_array_member (object, "upstreams");
    }

  g_error ("pool %s is not listed", pool);
  return NULL;
}

static void
test_pools (void)
{
  guint16 socks_port = sy_test_peer_get_port (fx.microsocks);
  g_autofree char *url = g_strdup_printf ("socks5://127.0.0.1:%u", socks_port);
  g_autofree char *health = g_strdup_printf ("http://127.0.0.1:%u/generate_204",
                                             sy_test_server_get_port (fx.http));
  g_autofree char *pool_file = g_build_filename (fx.config_dir, "pools", "p1.conf", NULL);
  g_autofree char *out = NULL;
  g_autofree char *listed = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GRegex) ok_regex = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonArray *upstreams;
  GStatBuf st;

  /* A long interval: only the explicit test below checks the upstream. */
  out = ctl_ok ("pools", "add", "p1", "--strategy", "failover",
                "--health-url", health, "--health-interval", "3600");
  g_assert_cmpstr (out, ==, "Added pool p1\n");

  g_free (out);
  out = ctl_ok ("upstreams", "add", "p1", url, "--name", "ms1");
  g_assert_cmpstr (out, ==, "Added upstream ms1 to pool p1\n");

  listed = ctl_ok ("pools");
  g_assert_nonnull (strstr (listed, "Pool p1 — failover"));
  g_assert_nonnull (strstr (listed, "ms1"));
  g_assert_nonnull (strstr (listed, url));

  /* Persisted at once, private (it may hold passwords). */
  g_assert_cmpint (g_stat (pool_file, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  {
    g_autofree char *contents = read_file (pool_file);

    g_assert_nonnull (strstr (contents, "ms1"));
    g_assert_nonnull (strstr (contents, url));
  }

  /* A real check through microsocks to the local HTTP server. */
  g_free (out);
  out = ctl_ok ("upstreams", "test", "p1", "ms1");
  ok_regex = g_regex_new ("^ms1: OK, [0-9]+ ms\n$", 0, 0, NULL);
  g_assert_true (g_regex_match (ok_regex, out, 0, NULL));

  /* Without --name the service derives one from host and port. */
  g_free (out);
  out = ctl_ok ("upstreams", "add", "p1", url, "--position", "0", "--weight", "3");
  {
    g_autofree char *expected = g_strdup_printf ("Added upstream 127.0.0.1-%u to pool p1\n",
                                                 socks_port);

    g_assert_cmpstr (out, ==, expected);
  }

  json = ctl_ok ("--json", "pools");
  node = parse_json (json);
  upstreams = pool_upstreams (node, "p1");
  g_assert_cmpuint (json_array_get_length (upstreams), ==, 2);
  {
    JsonObject *first = json_array_get_object_element (upstreams, 0);
    JsonObject *second = json_array_get_object_element (upstreams, 1);
    g_autofree char *derived = g_strdup_printf ("127.0.0.1-%u", socks_port);

    g_assert_cmpstr (json_object_get_string_member (first, "name"), ==, derived);
    g_assert_cmpint (json_object_get_int_member (first, "weight"), ==, 3);
    g_assert_cmpstr (json_object_get_string_member (second, "name"), ==, "ms1");
    g_assert_cmpstr (json_object_get_string_member (second, "health"), ==, "up");
    g_assert_cmpint (json_object_get_int_member (second, "latency-ms"), >=, 0);
    g_assert_false (json_object_get_boolean_member (second, "has-password"));
  }

  /* move, disable, enable, remove */
  g_free (out);
  out = ctl_ok ("upstreams", "move", "p1", "ms1", "0");
  g_assert_cmpstr (out, ==, "Moved upstream ms1 of pool p1 to position 0\n");
  g_free (out);
  out = ctl_ok ("upstreams", "disable", "p1", "ms1");
  g_assert_cmpstr (out, ==, "Disabled upstream ms1 of pool p1\n");

  g_free (json);
  json = ctl_ok ("--json", "upstreams", "p1");
  g_clear_pointer (&node, json_node_unref);
  node = parse_json (json);
  {
    JsonObject *first = json_array_get_object_element (json_node_get_array (node), 0);

    g_assert_cmpstr (json_object_get_string_member (first, "name"), ==, "ms1");
    g_assert_false (json_object_get_boolean_member (first, "enabled"));
    g_assert_cmpstr (json_object_get_string_member (first, "health"), ==, "disabled");
  }
  {
    g_autofree char *contents = read_file (pool_file);
    const char *ms1 = strstr (contents, "ms1]");
    const char *other = strstr (contents, "127.0.0.1-");

    /* The file keeps the new order. */
    g_assert_nonnull (ms1);
    g_assert_nonnull (other);
    g_assert_true (ms1 < other);
  }

  g_free (out);
  out = ctl_ok ("upstreams", "enable", "p1", "ms1");
  g_assert_cmpstr (out, ==, "Enabled upstream ms1 of pool p1\n");
  g_free (json);
  json = ctl_ok ("--json", "upstreams", "p1");
  g_clear_pointer (&node, json_node_unref);
  node = parse_json (json);
  {
    JsonObject *first = json_array_get_object_element (json_node_get_array (node), 0);

    g_assert_true (json_object_get_boolean_member (first, "enabled"));
  }

  {
    g_autofree char *derived = g_strdup_printf ("127.0.0.1-%u", socks_port);

    g_free (out);
    out = ctl_ok ("upstreams", "remove", "p1", derived);
    g_free (json);
    json = ctl_ok ("--json", "upstreams", "p1");
    g_assert_null (strstr (json, derived));
    g_assert_nonnull (strstr (json, "\"ms1\""));
  }
}

static void
test_errors (void)
{
  g_autofree char *dead_url = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *remote = NULL;

  ctl_fails ("dev.switchyard.Error.InvalidArgument", NULL,
             "upstreams", "add", "p1", "ftp://127.0.0.1:21");
  ctl_fails ("dev.switchyard.Error.InvalidArgument", NULL,
             "upstreams", "add", "p1", "socks5://127.0.0.1:99999");
  ctl_fails ("dev.switchyard.Error.NotFound", "nosuchpool",
             "upstreams", "add", "nosuchpool", "socks5://127.0.0.1:1080");
  ctl_fails ("dev.switchyard.Error.NotFound", "nosuchupstream",
             "upstreams", "remove", "p1", "nosuchupstream");
  ctl_fails ("dev.switchyard.Error.Exists", "p1",
             "pools", "add", "p1");
  ctl_fails ("dev.switchyard.Error.Exists", "ms1",
             "upstreams", "add", "p1", "socks5://127.0.0.1:1080", "--name", "ms1");
  ctl_fails ("dev.switchyard.Error.InvalidArgument", "not a valid pool name",
             "pools", "add", "bad name!");
  ctl_fails ("dev.switchyard.Error.InvalidArgument", "strategy",
             "pools", "add", "p2", "--strategy", "fastest");
  ctl_fails ("dev.switchyard.Error.InvalidArgument", "out of range",
             "upstreams", "move", "p1", "ms1", "7");
  ctl_fails ("dev.switchyard.Error.NotFound", "999999",
             "sessions", "close", "999999");

  /* Usage errors are caught before the bus. */
  ctl_fails (NULL, "unknown command", "pools", "frobnicate");
  ctl_fails (NULL, "missing argument", "upstreams", "add", "p1");
  ctl_fails (NULL, "POSITION must be a number", "upstreams", "move", "p1", "ms1", "first");
  ctl_fails (NULL, "unknown level", "log", "--level", "loud");

  /* A failed health check carries a network error name of ours. */
  dead_url = g_strdup_printf ("socks5://127.0.0.1:%u", sy_test_find_free_port ("127.0.0.1"));
  g_free (ctl_ok ("upstreams", "add", "p1", dead_url, "--name", "dead"));
  ctl_fails ("dev.switchyard.Error.", NULL, "upstreams", "test", "p1", "dead");
  g_free (ctl_ok ("upstreams", "remove", "p1", "dead"));

  /* Straight on the bus: an unknown key and a wrong type are named. */
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);

  reply = g_dbus_connection_call_sync (bus, SY_DBUS_NAME, SY_DBUS_PATH, "dev.switchyard.Pools1",
                                       "AddPool",
                                       g_variant_new_parsed ("('p3', {'stratgy': <'failover'>})"),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_null (reply);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, "dev.switchyard.Error.InvalidArgument");
  g_assert_nonnull (strstr (error->message, "Unknown key “stratgy”"));
  g_clear_error (&error);
  g_clear_pointer (&remote, g_free);

  reply = g_dbus_connection_call_sync (bus, SY_DBUS_NAME, SY_DBUS_PATH, "dev.switchyard.Daemon1",
                                       "SetInbound",
                                       g_variant_new_parsed ("({'port': <'1080'>},)"),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_null (reply);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, "dev.switchyard.Error.InvalidArgument");
  g_assert_nonnull (strstr (error->message, "“port” must be an integer"));
  g_clear_error (&error);

  /* A failed call changed nothing. */
  {
    g_autofree char *json = ctl_ok ("--json", "pools");
    g_autoptr(JsonNode) node = parse_json (json);

    g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 1);
    g_assert_cmpuint (json_array_get_length (pool_upstreams (node, "p1")), ==, 1);
  }
}

static JsonObject *
find_live_session (JsonNode   *sessions,
                   const char *target)
{
  JsonArray *array = json_node_get_array (sessions);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member (object, "target"), target) == 0 &&
          g_strcmp0 (json_object_get_string_member (object, "state"), "established") == 0)
        return object;
    }

  return NULL;
}

/* Polls until @count sessions to @target are established; returns their ids. */
static GArray *
wait_for_sessions (const char *target,
                   guint       count)
{
  for (guint attempt = 0; attempt < 500; attempt++)
    {
      g_autofree char *json = ctl_ok ("--json", "sessions");
      g_autoptr(JsonNode) node = parse_json (json);
      JsonArray *array = json_node_get_array (node);
      GArray *ids = g_array_new (FALSE, FALSE, sizeof (guint64));

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonObject *object = json_array_get_object_element (array, i);

          if (g_strcmp0 (json_object_get_string_member (object, "target"), target) == 0 &&
              g_strcmp0 (json_object_get_string_member (object, "state"), "established") == 0)
            {
              guint64 id = json_object_get_int_member (object, "id");

              g_array_append_val (ids, id);
            }
        }

      if (ids->len == count)
        return ids;

      g_array_unref (ids);
      g_usleep (20 * 1000);
    }

  g_error ("%u sessions to %s never showed up", count, target);
  return NULL;
}

static void
assert_curl_was_cut_off (GSubprocess *curl)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_wait (curl, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (curl));
  /* Closed by us: an error exit, but not curl's own timeout (28). */
  g_assert_cmpint (g_subprocess_get_exit_status (curl), !=, 0);
  g_assert_cmpint (g_subprocess_get_exit_status (curl), !=, 28);
}

static void
test_sessions (void)
{
  guint16 hold_port = sy_test_server_get_port (fx.hold);
  g_autofree char *target = g_strdup_printf ("127.0.0.1:%u", hold_port);
  g_autoptr(GSubprocess) curl = NULL;
  g_autoptr(GSubprocess) curl2 = NULL;
  g_autoptr(GSubprocess) curl3 = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GArray) ids2 = NULL;
  g_autofree char *table = NULL;
  g_autofree char *closed = NULL;
  g_autofree char *id = NULL;
  g_autofree char *log = NULL;
  g_autofree char *expected = NULL;

  curl = spawn_curl_through_proxy (hold_port);
  ids = wait_for_sessions (target, 1);
  id = g_strdup_printf ("%" G_GUINT64_FORMAT, g_array_index (ids, guint64, 0));

  table = ctl_ok ("sessions");
  g_assert_nonnull (strstr (table, "ID"));
  g_assert_nonnull (strstr (table, target));
  g_assert_nonnull (strstr (table, "established"));
  g_assert_nonnull (strstr (table, "socks5"));

  closed = ctl_ok ("sessions", "close", id);
  expected = g_strdup_printf ("Closed session %s\n", id);
  g_assert_cmpstr (closed, ==, expected);
  assert_curl_was_cut_off (curl);

  /* Gone from the live list, kept in the connection log. */
  ctl_fails ("dev.switchyard.Error.NotFound", id, "sessions", "close", id);
  log = ctl_ok ("connections");
  g_assert_nonnull (strstr (log, target));
  g_assert_nonnull (strstr (log, "closed on request"));
  {
    g_autofree char *json = ctl_ok ("--json", "connections", "-n", "1");
    g_autoptr(JsonNode) node = parse_json (json);
    JsonArray *array = json_node_get_array (node);
    JsonObject *last;

    g_assert_cmpuint (json_array_get_length (array), ==, 1);
    last = json_array_get_object_element (array, 0);
    g_assert_cmpstr (json_object_get_string_member (last, "target"), ==, target);
    g_assert_cmpint (json_object_get_int_member (last, "finished"), >, 0);
  }

  /* Two at once, closed by a filter. */
  curl2 = spawn_curl_through_proxy (hold_port);
  curl3 = spawn_curl_through_proxy (hold_port);
  ids2 = wait_for_sessions (target, 2);
  g_free (closed);
  closed = ctl_ok ("sessions", "close", "--filter", target);
  g_assert_cmpstr (closed, ==, "Closed 2 sessions\n");
  assert_curl_was_cut_off (curl2);
  assert_curl_was_cut_off (curl3);

  {
    g_autofree char *json = ctl_ok ("--json", "sessions");
    g_autoptr(JsonNode) node = parse_json (json);

    g_assert_null (find_live_session (node, target));
  }
}

static GSubprocess *
spawn_ctl_follow (gboolean           json,
                  const char        *command,
                  GDataInputStream **lines)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  process = g_subprocess_launcher_spawn (launcher, &error, switchyardctl_path,
                                         json ? "--json" : command, json ? command : "-f",
                                         json ? "-f" : NULL, NULL);
  g_assert_no_error (error);
  *lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));

  return process;
}

static char *
read_line (GDataInputStream *lines)
{
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_test_message ("follow: %s", line);
  return line;
}

static void
stop_follower (GSubprocess *process)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  /* SIGTERM ends a follower cleanly. */
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
}

static void
test_traffic (void)
{
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GSubprocess) follower = NULL;
  g_autoptr(GSubprocess) curl = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *once = NULL;
  g_autofree char *json = NULL;
  g_autoptr(JsonNode) node = NULL;

  once = ctl_ok ("traffic");
  g_assert_nonnull (strstr (once, "total ↑"));
  json = ctl_ok ("--json", "traffic");
  node = parse_json (json);
  g_assert_true (json_object_has_member (json_node_get_object (node), "rate-down"));
  g_assert_true (json_object_has_member (json_node_get_object (node), "sessions-total"));

  follower = spawn_ctl_follow (FALSE, "traffic", &lines);
  first = read_line (lines);
  g_assert_nonnull (strstr (first, "total ↑"));

  /* Bytes through the proxy make the service emit Traffic within a second. */
  curl = spawn_curl_through_proxy (sy_test_server_get_port (fx.http));
  g_subprocess_wait_check (curl, NULL, &error);
  g_assert_no_error (error);

  {
    g_autofree char *next = read_line (lines);

    g_assert_nonnull (strstr (next, "total ↑"));
    g_assert_cmpstr (next, !=, first);
  }

  stop_follower (follower);
}

static void
test_log (void)
{
  g_autofree char *listening = g_strdup_printf ("Listening on 127.0.0.1:%u", fx.port);
  g_autofree char *all = ctl_ok ("log");
  g_autofree char *warnings = ctl_ok ("log", "--level", "warning");
  g_autofree char *json = ctl_ok ("--json", "log", "-n", "3");
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GSubprocess) follower = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonArray *entries;
  gboolean seen = FALSE;
  gint64 last_serial;
  gint64 serial = 0;

  g_assert_nonnull (strstr (all, listening));
  g_assert_nonnull (strstr (all, "message  sy-engine: "));
  g_assert_null (strstr (warnings, listening));

  node = parse_json (json);
  entries = json_node_get_array (node);
  g_assert_cmpuint (json_array_get_length (entries), ==, 3);
  /* (serial, time, level, domain, message), serials increasing */
  g_assert_cmpuint (json_array_get_length (json_array_get_array_element (entries, 0)), ==, 5);
  g_assert_cmpint (json_array_get_int_element (json_array_get_array_element (entries, 0), 0), <,
                   json_array_get_int_element (json_array_get_array_element (entries, 1), 0));

  /* -f prints the backlog, then new messages as the Log signal brings them:
   * once the backlog is read up to the newest serial seen above, the
   * follower is subscribed, and the reload's message must come as a signal. */
  last_serial = json_array_get_int_element (json_array_get_array_element (entries, 2), 0);
  follower = spawn_ctl_follow (TRUE, "log", &lines);
  while (serial < last_serial)
    {
      g_autofree char *line = read_line (lines);
      g_autoptr(JsonNode) entry = parse_json (line);

      serial = json_array_get_int_element (json_node_get_array (entry), 0);
    }

  g_free (ctl_ok ("reload"));
  while (!seen)
    {
      g_autofree char *line = read_line (lines);
      g_autoptr(JsonNode) entry = parse_json (line);
      JsonArray *fields = json_node_get_array (entry);

      g_assert_cmpint (json_array_get_int_element (fields, 0), >, serial);
      serial = json_array_get_int_element (fields, 0);
      seen = g_str_has_prefix (json_array_get_string_element (fields, 4),
                               "Reloaded the configuration");
    }
  stop_follower (follower);
}

static void
test_reload (void)
{
  guint16 new_port = sy_test_find_free_port ("127.0.0.1");
  g_autofree char *new_address = g_strdup_printf ("127.0.0.1:%u", new_port);
  g_autofree char *out = NULL;
  g_autofree char *status = NULL;

  /* A valid edit is applied: the inbound moves to the new port. */
  write_inbounds (new_port, NULL);
  out = ctl_ok ("reload");
  g_assert_cmpstr (out, ==, "Reloaded the configuration\n");
  status = ctl_ok ("status");
  g_assert_nonnull (strstr (status, new_address));
  g_assert_true (can_connect (new_port));
  g_assert_false (can_connect (fx.port));

  /* A broken file is refused with its file and line; nothing changes. */
  write_inbounds (fx.port, "not-a-port");
  ctl_fails ("dev.switchyard.Error.Config", "inbounds.conf:", "reload");
  {
    CtlResult *result = ctl_run ("reload");
    g_autoptr(GRegex) regex = g_regex_new ("inbounds\\.conf:[0-9]+:", 0, 0, NULL);

    g_assert_true (g_regex_match (regex, result->err, 0, NULL));
    ctl_result_free (result);
  }

  g_free (status);
  status = ctl_ok ("status");
  g_assert_nonnull (strstr (status, "State:      running"));
  g_assert_nonnull (strstr (status, new_address));
  g_assert_true (can_connect (new_port));

  /* Put the original back for whatever runs next. */
  write_inbounds (fx.port, NULL);
  g_free (ctl_ok ("reload"));
  g_assert_true (can_connect (fx.port));
}

/* Headless: its own service, without a bus, outside the shared fixture. */

static GSubprocess *
spawn_headless (const char  *config_dir,
                const char  *out_path,
                const char  *err_path)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  GSubprocess *daemon;

  /* An address nothing listens on: switchyardd must carry on without it. */
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS",
                                "unix:path=/nonexistent/switchyard-test-bus", TRUE);
  g_subprocess_launcher_set_stdout_file_path (launcher, out_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, err_path);
  daemon = g_subprocess_launcher_spawn (launcher, &error, switchyardd_path,
                                        "--config-dir", config_dir, NULL);
  g_assert_no_error (error);

  return daemon;
}

static void
wait_for_text (const char  *path,
               const char  *text,
               GSubprocess *process)
{
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *contents = read_file (path);

      if (strstr (contents, text) != NULL)
        return;
      g_assert_nonnull (g_subprocess_get_identifier (process));
      g_usleep (10 * 1000);
    }

  g_error ("“%s” never appeared in %s", text, path);
}

static void
test_headless (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("switchyard-headless-XXXXXX", &error);
  g_autofree char *out_path = g_build_filename (dir, "out", NULL);
  g_autofree char *err_path = g_build_filename (dir, "err", NULL);
  g_autofree char *config_dir = g_build_filename (dir, "config", NULL);
  g_autofree char *saved_dir = g_steal_pointer (&fx.config_dir);
  guint16 port = sy_test_find_free_port ("127.0.0.1");
  guint16 port2 = sy_test_find_free_port ("127.0.0.1");
  g_autofree char *banner = g_strdup_printf ("switchyardd: listening on 127.0.0.1:%u", port);
  g_autoptr(GSubprocess) daemon = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir (config_dir, 0700), ==, 0);
  fx.config_dir = config_dir;
  write_inbounds (port, NULL);

  daemon = spawn_headless (config_dir, out_path, err_path);
  wait_for_text (out_path, banner, daemon);
  {
    g_autofree char *err = read_file (err_path);

    g_assert_nonnull (strstr (err, "No session bus"));
    g_assert_nonnull (strstr (err, "running without D-Bus"));
  }
  g_assert_true (can_connect (port));

  /* SIGHUP re-reads the directory. */
  write_inbounds (port2, NULL);
  g_subprocess_send_signal (daemon, SIGHUP);
  wait_for_text (err_path, "Reloaded the configuration", daemon);
  g_assert_true (can_connect (port2));
  g_assert_false (can_connect (port));

  g_subprocess_send_signal (daemon, SIGTERM);
  g_subprocess_wait (daemon, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (daemon));
  g_assert_cmpint (g_subprocess_get_exit_status (daemon), ==, 0);
  g_assert_false (can_connect (port2));

  /* A broken file stops the start, with its file and line. */
  write_inbounds (port, "70000");
  g_clear_object (&daemon);
  daemon = spawn_headless (config_dir, out_path, err_path);
  g_subprocess_wait (daemon, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (daemon), ==, 1);
  {
    g_autofree char *err = read_file (err_path);
    g_autoptr(GRegex) regex = g_regex_new ("inbounds\\.conf:[0-9]+: .*70000", 0, 0, NULL);

    g_assert_true (g_regex_match (regex, err, 0, NULL));
  }
  g_assert_false (can_connect (port));

  fx.config_dir = g_steal_pointer (&saved_dir);
  remove_tree (dir);
}

static void
test_version (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *out = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                              switchyardd_path, "--version", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "switchyardd " PACKAGE_VERSION "\n");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  switchyardd_path = g_getenv ("SWITCHYARDD");
  switchyardctl_path = g_getenv ("SWITCHYARDCTL");
  if (switchyardd_path == NULL && argc > 1)
    switchyardd_path = argv[1];
  if (switchyardctl_path == NULL && argc > 2)
    switchyardctl_path = argv[2];
  if (switchyardd_path == NULL || switchyardctl_path == NULL)
    g_error ("usage: test-service SWITCHYARDD SWITCHYARDCTL "
             "(or set $SWITCHYARDD and $SWITCHYARDCTL)");

  g_test_add_func ("/service/status", test_status);
  g_test_add_func ("/service/stop-start", test_stop_start);
  g_test_add_func ("/service/pools", test_pools);
  g_test_add_func ("/service/errors", test_errors);
  g_test_add_func ("/service/sessions", test_sessions);
  g_test_add_func ("/service/traffic", test_traffic);
  g_test_add_func ("/service/log", test_log);
  g_test_add_func ("/service/reload", test_reload);
  g_test_add_func ("/service/headless", test_headless);
  g_test_add_func ("/service/version", test_version);

  fixture_up ();
  status = g_test_run ();
  fixture_down ();

  return status;
}
