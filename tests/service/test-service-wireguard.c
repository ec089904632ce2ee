/* test-service-wireguard.c — WireGuard profiles through switchyardd and switchyardctl
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real switchyardd on a private bus (GTestDBus), driven by the real
 * switchyardctl and by plain D-Bus calls. Importing, listing, exporting and
 * removing need nothing else. The handshake case needs a real server:
 * wireguard-go in a network namespace (tests/common/sy-test-wg.h), with an
 * HTTP server behind it, reached through an inbound routed to the profile
 * and through a pool with the profile as its member. That case needs root;
 * it is skipped without it unless CI is set.
 *
 * The cases share one service and build on each other's state in
 * registration order, as meson runs them.
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
#include "sy-test-wg.h"

/* RFC 7748 §6.1 keys, base64: for profiles that never meet a server. */
#define ALICE_PRIVATE "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo="
#define ALICE_PUBLIC  "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo="
#define BOB_PUBLIC    "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08="

#define WG_IFACE "dev.switchyard.WireGuard1"

/* A handshake with a server on a veth pair takes milliseconds; this only
 * bounds a broken run. */
#define HANDSHAKE_TIMEOUT_US (20 * G_USEC_PER_SEC)

typedef struct
{
  GTestDBus       *bus;
  GDBusConnection *connection;
  char            *config_dir;
  char            *files_dir;     /* files given to `wireguard import` */
  char            *stdout_path;
  char            *stderr_path;
  GSubprocess     *daemon;
  guint16          port;
  guint            profiles_changed;
  GPtrArray       *peers_changed;  /* profile names, in order */
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
  g_autofree char *joined = g_strjoinv (" ", (char **) args);
  CtlResult *result = g_new0 (CtlResult, 1);

  g_ptr_array_add (argv, (gpointer) switchyardctl_path);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_test_message ("$ switchyardctl %s", joined);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &result->out, &result->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  result->status = g_subprocess_get_exit_status (process);

  if (result->out[0] != '\0')
    g_test_message ("%s", result->out);
  if (result->err[0] != '\0')
    g_test_message ("stderr: %s", result->err);

  return result;
}

#define ctl_run(...) ctl_runv ((const char *const[]) { __VA_ARGS__, NULL })
#define ctl_ok(...) ctl_ok_impl (ctl_run (__VA_ARGS__))
#define ctl_fails(error_name, text, ...) \
  ctl_fails_impl (ctl_run (__VA_ARGS__), (error_name), (text))

static char *
ctl_ok_impl (CtlResult *result)
{
  g_autoptr(CtlResult) owned = result;

  if (result->status != 0)
    g_error ("switchyardctl failed with status %d: %s", result->status, result->err);
  g_assert_cmpstr (result->err, ==, "");

  return g_steal_pointer (&result->out);
}

static void
ctl_fails_impl (CtlResult  *result,
                const char *error_name,
                const char *text)
{
  g_autoptr(CtlResult) owned = result;

  g_assert_cmpint (result->status, ==, 1);
  g_assert_cmpstr (result->out, ==, "");
  if (error_name != NULL && strstr (result->err, error_name) == NULL)
    g_error ("expected %s in: %s", error_name, result->err);
  if (text != NULL && strstr (result->err, text) == NULL)
    g_error ("expected “%s” in: %s", text, result->err);
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("expected “%s” in:\n%s", needle, haystack);
}

static char *
read_file (const char *path)
{
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return g_strdup ("");
  return contents;
}

static char *
write_import_file (const char *name,
                   const char *text)
{
  g_autofree char *path = g_build_filename (fx.files_dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static char *
profile_path (const char *name)
{
  g_autofree char *file = g_strdup_printf ("%s.conf", name);

  return g_build_filename (fx.config_dir, SY_CONFIG_WIREGUARD_DIR, file, NULL);
}

static gboolean
profile_file_exists (const char *name)
{
  g_autofree char *path = profile_path (name);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* D-Bus --------------------------------------------------------------------- */

static GVariant *
call (const char          *interface,
      const char          *method,
      GVariant            *parameters,
      const GVariantType  *reply_type,
      GError             **error)
{
  return g_dbus_connection_call_sync (fx.connection, SY_DBUS_NAME, SY_DBUS_PATH, interface,
                                      method, parameters, reply_type,
                                      G_DBUS_CALL_FLAGS_NO_AUTO_START, 30000, NULL, error);
}

static GVariant *
call_ok (const char         *interface,
         const char         *method,
         GVariant           *parameters,
         const GVariantType *reply_type)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply = call (interface, method, parameters, reply_type, &error);

  g_assert_no_error (error);
  return reply;
}

static GVariant *
get_peers (const char *name)
{
  g_autoptr(GVariant) reply = call_ok (WG_IFACE, "GetPeers", g_variant_new ("(s)", name),
                                       G_VARIANT_TYPE ("(aa{sv})"));

  return g_variant_get_child_value (reply, 0);
}

/* The properties ListProfiles gives @name, or NULL. */
static GVariant *
find_profile (const char *name)
{
  g_autoptr(GVariant) reply = call_ok (WG_IFACE, "ListProfiles", NULL,
                                       G_VARIANT_TYPE ("(a(sa{sv}))"));
  g_autoptr(GVariant) profiles = g_variant_get_child_value (reply, 0);
  GVariantIter iter;
  const char *found;
  GVariant *properties;

  g_variant_iter_init (&iter, profiles);
  while (g_variant_iter_next (&iter, "(&s@a{sv})", &found, &properties))
    {
      if (g_str_equal (found, name))
        return properties;
      g_variant_unref (properties);
    }

  return NULL;
}

static void
route_main (const char *outbound)
{
  g_autoptr(GVariant) reply = NULL;

  reply = call_ok ("dev.switchyard.Daemon1", "SetInbound",
                   g_variant_new_parsed ("({'name': <'main'>, 'outbound': <%s>},)", outbound),
                   NULL);
}

static void
signal_cb (GDBusConnection *connection,
           const char      *sender,
           const char      *path,
           const char      *interface,
           const char      *name,
           GVariant        *parameters,
           gpointer         user_data)
{
  if (g_str_equal (name, "ProfilesChanged"))
    fx.profiles_changed++;
  else if (g_str_equal (name, "PeersChanged"))
    {
      const char *profile;

      g_variant_get (parameters, "(&s)", &profile);
      g_ptr_array_add (fx.peers_changed, g_strdup (profile));
    }
}

static void
spin (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
}

/* Set-up --------------------------------------------------------------------- */

static void
wait_for_daemon (void)
{
  g_autofree char *expected = g_strdup_printf ("switchyardd: listening on 127.0.0.1:%u", fx.port);

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *out = read_file (fx.stdout_path);

      if (strstr (out, expected) != NULL)
        return;
      if (g_subprocess_get_identifier (fx.daemon) == NULL)
        {
          g_autofree char *err = read_file (fx.stderr_path);

          g_error ("switchyardd exited early: %s", err);
        }
      g_usleep (10 * 1000);
    }

  g_error ("switchyardd never printed “%s”", expected);
}

static void
fixture_up (void)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *inbounds = NULL;
  g_autofree char *inbounds_path = NULL;

  fx.bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (fx.bus);
  fx.connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  fx.peers_changed = g_ptr_array_new_with_free_func (g_free);
  g_dbus_connection_signal_subscribe (fx.connection, NULL, WG_IFACE, NULL, SY_DBUS_PATH, NULL,
                                      G_DBUS_SIGNAL_FLAGS_NONE, signal_cb, NULL, NULL);

  fx.config_dir = g_dir_make_tmp ("switchyard-wg-service-XXXXXX", &error);
  g_assert_no_error (error);
  fx.files_dir = g_dir_make_tmp ("switchyard-wg-files-XXXXXX", &error);
  g_assert_no_error (error);
  fx.stdout_path = g_build_filename (fx.files_dir, "daemon.stdout", NULL);
  fx.stderr_path = g_build_filename (fx.files_dir, "daemon.stderr", NULL);

  fx.port = sy_test_find_free_port ("127.0.0.1");
  inbounds = g_strdup_printf ("[Inbound main]\nListen=127.0.0.1\nPort=%u\n", fx.port);
  inbounds_path = g_build_filename (fx.config_dir, SY_CONFIG_INBOUNDS_FILE, NULL);
  g_file_set_contents (inbounds_path, inbounds, -1, &error);
  g_assert_no_error (error);

  launcher = new_launcher (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_stdout_file_path (launcher, fx.stdout_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, fx.stderr_path);
  fx.daemon = g_subprocess_launcher_spawn (launcher, &error, switchyardd_path,
                                           "--config-dir", fx.config_dir, NULL);
  g_assert_no_error (error);

  wait_for_daemon ();
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
      g_subprocess_send_signal (fx.daemon, SIGTERM);
      g_subprocess_wait (fx.daemon, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_if_exited (fx.daemon));
      g_assert_cmpint (g_subprocess_get_exit_status (fx.daemon), ==, 0);
      g_clear_object (&fx.daemon);
    }

  g_clear_object (&fx.connection);
  if (fx.bus != NULL)
    {
      g_test_dbus_down (fx.bus);
      g_clear_object (&fx.bus);
    }

  remove_tree (fx.config_dir);
  remove_tree (fx.files_dir);
  g_clear_pointer (&fx.config_dir, g_free);
  g_clear_pointer (&fx.files_dir, g_free);
  g_clear_pointer (&fx.stdout_path, g_free);
  g_clear_pointer (&fx.stderr_path, g_free);
  g_clear_pointer (&fx.peers_changed, g_ptr_array_unref);
}

/* Cases ----------------------------------------------------------------------- */

/* A provider's file: a hook that needs a kernel interface, and a keepalive,
 * so the peer handshakes as soon as the tunnel runs. Nothing answers on
 * port 9 of loopback. */
static const char provider_conf[] =
  "[Interface]\n"
  "PostUp = iptables -I OUTPUT -j ACCEPT\n"
  "PrivateKey = " ALICE_PRIVATE "\n"
  "Address = 10.64.0.2/32, fd00:64::2/128\n"
  "DNS = 10.64.0.1\n"
  "\n"
  "[Peer]\n"
  "PublicKey = " BOB_PUBLIC "\n"
  "Endpoint = 127.0.0.1:9\n"
  "AllowedIPs = 0.0.0.0/0, ::/0\n"
  "PersistentKeepalive = 25\n";

static void
test_import_wg_quick (void)
{
  g_autofree char *path = write_import_file ("de-fra-01.conf", provider_conf);
  g_autofree char *stored = profile_path ("de-fra-01");
  g_autofree char *out = NULL;
  g_autofree char *json = NULL;
  g_autofree char *text = NULL;
  g_autofree char *warning = g_strdup_printf ("  not imported: %s:2: [Interface] PostUp: ", path);
  g_autoptr(JsonNode) node = NULL;
  guint before = fx.profiles_changed;
  JsonObject *profile;
  GStatBuf st;

  out = ctl_ok ("wireguard", "import", path);
  assert_contains (out, "Imported WireGuard profile de-fra-01; use it with "
                   "Outbound=wireguard:de-fra-01\n");
  /* The warning names the person's file, not the service's idea of it. */
  assert_contains (out, warning);

  /* Stored privately, in the format it came in. */
  g_assert_no_errno (g_stat (stored, &st));
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
  text = read_file (stored);
  assert_contains (text, "PrivateKey = " ALICE_PRIVATE "\n");
  g_assert_null (strstr (text, "PostUp"));

  /* Importing over it asks first. */
  ctl_fails (NULL, "A WireGuard profile named “de-fra-01” exists already; pass --replace",
             "wireguard", "import", path);
  g_clear_pointer (&out, g_free);
  out = ctl_ok ("wireguard", "import", "--replace", path);
  assert_contains (out, "Replaced WireGuard profile de-fra-01");

  json = ctl_ok ("--json", "wireguard", "list");
  node = json_from_string (json, NULL);
  g_assert_nonnull (node);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 1);
  profile = json_array_get_object_element (json_node_get_array (node), 0);
  g_assert_cmpstr (json_object_get_string_member (profile, "name"), ==, "de-fra-01");
  g_assert_cmpstr (json_object_get_string_member (profile, "outbound"), ==,
                   "wireguard:de-fra-01");
  g_assert_cmpstr (json_object_get_string_member (profile, "public-key"), ==, ALICE_PUBLIC);
  g_assert_cmpint (json_object_get_int_member (profile, "peer-count"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (profile, "mtu"), ==, 1420);
  g_assert_true (json_object_get_boolean_member (profile, "running"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (profile, "addresses")),
                    ==, 2);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (profile, "dns"),
                                                  0), ==, "10.64.0.1");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (profile, "inbounds")),
                    ==, 0);
  /* No secret anywhere in a listing. */
  g_assert_null (strstr (json, ALICE_PRIVATE));

  /* The signal arrives on the bus (once: the replacement was the same). */
  for (guint i = 0; i < 100 && fx.profiles_changed < before + 1; i++)
    spin (10);
  g_assert_cmpuint (fx.profiles_changed, ==, before + 1);

  g_clear_pointer (&out, g_free);
  out = ctl_ok ("wireguard");
  assert_contains (out, "de-fra-01");
  assert_contains (out, "10.64.0.2/32, fd00:64::2/128");
}

static const char wireproxy_ini[] =
  "[Interface]\n"
  "Address = 10.65.0.2/32\n"
  "PrivateKey = " ALICE_PRIVATE "\n"
  "CheckAlive = 10.65.0.1\n"
  "\n"
  "[Peer]\n"
  "PublicKey = " BOB_PUBLIC "\n"
  "Endpoint = 127.0.0.1:9\n"
  "\n"
  "[Socks5]\n"
  "BindAddress = 127.0.0.1:25344\n";

static void
test_import_wireproxy (void)
{
  g_autofree char *path = write_import_file ("wp.ini", wireproxy_ini);
  g_autofree char *out = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) properties = NULL;
  g_auto(GStrv) warnings = NULL;
  const char *imported;

  /* Recognised as wireproxy's by its [Socks5]; only the tunnel is kept. */
  out = ctl_ok ("wireguard", "import", path);
  assert_contains (out, "Imported WireGuard profile wp;");
  expected = g_strdup_printf ("  not imported: %s:10: [Socks5] (a proxy on 127.0.0.1:25344) is "
                              "not imported", path);
  assert_contains (out, expected);
  assert_contains (out, "CheckAlive is not imported");
  properties = find_profile ("wp");
  g_assert_nonnull (properties);

  /* Over D-Bus with no name: the service picks one. */
  reply = call_ok (WG_IFACE, "ImportProfile",
                   g_variant_new ("(sss)", "", wireproxy_ini, "auto"),
                   G_VARIANT_TYPE ("(sas)"));
  g_variant_get (reply, "(&s^as)", &imported, &warnings);
  g_assert_cmpstr (imported, ==, "wg0");
  g_assert_cmpuint (g_strv_length (warnings), ==, 2);
  g_assert_true (g_str_has_prefix (warnings[0], "wg0.ini:10: [Socks5]"));

  g_clear_pointer (&out, g_free);
  out = ctl_ok ("wireguard", "remove", "wg0");
  g_assert_cmpstr (out, ==, "Removed WireGuard profile wg0\n");
  g_clear_pointer (&out, g_free);
  out = ctl_ok ("wireguard", "remove", "wp");
}

static void
test_bad_import (void)
{
  g_autofree char *path = NULL;
  g_autofree char *where = NULL;
  g_autofree char *remote = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  path = write_import_file ("broken.conf",
                            "[Interface]\n"
                            "PrivateKey = " ALICE_PRIVATE "\n"
                            "Address = 10.66.0.2/32\n"
                            "\n"
                            "[Peer]\n"
                            "PublicKey = " BOB_PUBLIC "\n"
                            "AllowedIPs = 10.66.0.0/33\n");
  where = g_strdup_printf ("%s:7: [Peer] AllowedIPs: ", path);
  ctl_fails ("dev.switchyard.Error.Config", where, "wireguard", "import", path);
  g_assert_null (find_profile ("broken"));
  g_assert_false (profile_file_exists ("broken"));

  reply = call (WG_IFACE, "ImportProfile", g_variant_new ("(sss)", "x", "[Interface]\n", "toml"),
                NULL, &error);
  g_assert_null (reply);
  g_assert_true (g_dbus_error_is_remote_error (error));
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, "dev.switchyard.Error.InvalidArgument");
  g_clear_error (&error);

  reply = call (WG_IFACE, "ImportProfile",
                g_variant_new ("(sss)", "x", "WGConfig = /etc/wireguard/wg0.conf\n", "auto"),
                NULL, &error);
  g_assert_null (reply);
  g_assert_nonnull (strstr (error->message, "import that wg-quick file instead"));
}

/* Before any server answers, the state is honest about it. */
static void
test_peers_without_server (void)
{
  g_autoptr(GVariant) peers = NULL;
  g_autoptr(GVariant) peer = NULL;
  g_autofree char *out = NULL;
  g_autofree char *json = NULL;
  const char *state;
  gint64 last_handshake = -1;
  guint64 rx = 1;

  peers = get_peers ("de-fra-01");
  g_assert_cmpuint (g_variant_n_children (peers), ==, 1);
  peer = g_variant_get_child_value (peers, 0);
  g_assert_true (g_variant_lookup (peer, "state", "&s", &state));
  g_assert_true (g_str_equal (state, "handshaking") || g_str_equal (state, "failing"));
  g_assert_true (g_variant_lookup (peer, "last-handshake", "x", &last_handshake));
  g_assert_cmpint (last_handshake, ==, 0);
  g_assert_true (g_variant_lookup (peer, "rx-bytes", "t", &rx));
  g_assert_cmpuint (rx, ==, 0);

  out = ctl_ok ("wireguard", "peers", "de-fra-01");
  assert_contains (out, "PEER");
  assert_contains (out, BOB_PUBLIC);
  assert_contains (out, "127.0.0.1:9");
  assert_contains (out, "never");
  assert_contains (out, "0 B received, 0 B sent");

  json = ctl_ok ("--json", "wireguard", "peers", "de-fra-01");
  assert_contains (json, "\"persistent-keepalive\" : 25");
  assert_contains (json, "\"has-preshared-key\" : false");

  /* Stopped with the proxy; back with it. */
  g_free (ctl_ok ("stop"));
  g_clear_pointer (&peer, g_variant_unref);
  g_clear_pointer (&peers, g_variant_unref);
  peers = get_peers ("de-fra-01");
  peer = g_variant_get_child_value (peers, 0);
  g_assert_true (g_variant_lookup (peer, "state", "&s", &state));
  g_assert_cmpstr (state, ==, "stopped");
  g_free (ctl_ok ("start"));

  ctl_fails ("dev.switchyard.Error.NotFound", "There is no WireGuard profile named “nope”",
             "wireguard", "peers", "nope");
}

static void
test_export (void)
{
  g_autofree char *plain = ctl_ok ("wireguard", "export", "de-fra-01");
  g_autofree char *full = ctl_ok ("wireguard", "export", "de-fra-01", "--private");

  g_assert_null (strstr (plain, ALICE_PRIVATE));
  assert_contains (plain, "# PrivateKey = (not exported)\n");
  assert_contains (plain, "# This interface's public key: " ALICE_PUBLIC "\n");
  assert_contains (plain, "Endpoint = 127.0.0.1:9\n");

  assert_contains (full, "PrivateKey = " ALICE_PRIVATE "\n");
}

/* A reload picks up a file put there by hand; a broken one is refused with
 * its line and changes nothing. */
static void
test_reload (void)
{
  g_autofree char *hand = profile_path ("by-hand");
  g_autoptr(GVariant) properties = NULL;
  g_autoptr(GError) error = NULL;

  g_file_set_contents (hand, provider_conf, -1, &error);
  g_assert_no_error (error);
  g_free (ctl_ok ("reload"));
  properties = find_profile ("by-hand");
  g_assert_nonnull (properties);

  g_file_set_contents (hand, "[Interface]\nPrivateKey = " ALICE_PRIVATE "\nMTU = 1\n", -1,
                       &error);
  g_assert_no_error (error);
  ctl_fails ("dev.switchyard.Error.Config", "wireguard/by-hand.conf:3: [Interface] MTU: ",
             "reload");
  g_clear_pointer (&properties, g_variant_unref);
  properties = find_profile ("by-hand");
  g_assert_nonnull (properties);

  g_unlink (hand);
  g_free (ctl_ok ("reload"));
  g_clear_pointer (&properties, g_variant_unref);
  g_assert_null (find_profile ("by-hand"));
}

static gboolean
peer_is_up (const char *name,
            gint64     *last_handshake)
{
  g_autoptr(GVariant) peers = get_peers (name);
  g_autoptr(GVariant) peer = g_variant_get_child_value (peers, 0);
  const char *state = "";

  g_variant_lookup (peer, "state", "&s", &state);
  g_variant_lookup (peer, "last-handshake", "x", last_handshake);
  return g_str_equal (state, "up");
}

/* The whole way: a handshake with wireguard-go, an inbound and a pool
 * through the tunnel, the users protecting the profile from removal. */
static void
test_handshake (void)
{
  g_autoptr(SyTestWgServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *private_key = NULL;
  g_autofree char *public_key = NULL;
  g_autofree char *text = NULL;
  g_autofree char *out = NULL;
  g_autofree char *proxy = NULL;
  g_autofree char *url = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) properties = NULL;
  g_autoptr(GVariant) peers = NULL;
  g_autoptr(GVariant) peer = NULL;
  const char *peers_argv[] = { "wireguard", "peers", "lab", NULL };
  gint64 last_handshake = 0;
  gint64 imported_at;
  gint64 deadline;
  gint64 latency = -1;
  guint64 rx = 0, tx = 0;
  guint peers_up = 0;

  if (!sy_test_wg_require_isolation ())
    return;

  g_assert_true (sy_test_wg_genkey (&private_key, &public_key, &error));
  g_assert_no_error (error);
  server = sy_test_wg_server_new (0, public_key, NULL, &error);
  g_assert_no_error (error);

  text = g_strdup_printf ("[Interface]\n"
                          "PrivateKey = %s\n"
                          "Address = %s/32\n"
                          "\n"
                          "[Peer]\n"
                          "PublicKey = %s\n"
                          "Endpoint = %s\n"
                          "AllowedIPs = 10.77.0.0/24\n"
                          "PersistentKeepalive = 25\n",
                          private_key, sy_test_wg_server_get_client_address (server),
                          sy_test_wg_server_get_public_key (server),
                          sy_test_wg_server_get_endpoint (server));
  g_ptr_array_set_size (fx.peers_changed, 0);
  reply = call_ok (WG_IFACE, "ImportProfile", g_variant_new ("(sss)", "lab", text, "wg-quick"),
                   G_VARIANT_TYPE ("(sas)"));

  /* The keepalive starts the handshake; nothing else is needed. */
  imported_at = g_get_monotonic_time ();
  deadline = imported_at + HANDSHAKE_TIMEOUT_US;
  while (!peer_is_up ("lab", &last_handshake))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("no handshake with wireguard-go within %d s",
                 (int) (HANDSHAKE_TIMEOUT_US / G_USEC_PER_SEC));
      spin (50);
    }
  g_test_message ("handshake up %.1f ms after ImportProfile returned (polled every 50 ms)",
                  (g_get_monotonic_time () - imported_at) / 1000.0);
  g_assert_cmpint (last_handshake, >, g_get_real_time () / G_USEC_PER_SEC - 60);
  g_assert_cmpint (last_handshake, <=, g_get_real_time () / G_USEC_PER_SEC + 1);
  g_assert_cmpint (sy_test_wg_server_get_last_handshake (server), >, 0);

  /* PeersChanged said so, for this profile. */
  spin (400);
  g_assert_true (g_ptr_array_find_with_equal_func (fx.peers_changed, "lab", g_str_equal, NULL));

  out = ctl_ok (peers_argv[0], peers_argv[1], peers_argv[2]);
  assert_contains (out, sy_test_wg_server_get_public_key (server));
  assert_contains (out, sy_test_wg_server_get_endpoint (server));
  assert_contains (out, " s ago");
  assert_contains (out, " up");

  /* An inbound through the tunnel, to the server's HTTP service. */
  route_main ("wireguard:lab");
  proxy = g_strdup_printf ("socks5h://127.0.0.1:%u", fx.port);
  url = g_strdup_printf ("http://%s:%u/", sy_test_wg_server_get_tunnel_address (server),
                         sy_test_wg_server_get_http_port (server));
  {
    const char *curl[] = { "curl", "-sS", "--fail", "--max-time", "20", "-x", proxy, url, NULL };

    body = sy_test_wg_netns_run (NULL, curl, NULL, NULL, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpstr (body, ==, "hello from wg-server-0\n");

  peers = get_peers ("lab");
  peer = g_variant_get_child_value (peers, 0);
  g_variant_lookup (peer, "rx-bytes", "t", &rx);
  g_variant_lookup (peer, "tx-bytes", "t", &tx);
  g_assert_cmpuint (rx, >, strlen ("hello from wg-server-0\n"));
  g_assert_cmpuint (tx, >, 0);

  /* A pool with the tunnel as its member, health-checked through it. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = call_ok ("dev.switchyard.Pools1", "AddPool",
                   g_variant_new_parsed ("('tunnels', {'health-url': <%s>, "
                                         "'upstreams': <['wireguard:lab']>})", url),
                   NULL);
  g_clear_pointer (&reply, g_variant_unref);
  reply = call_ok ("dev.switchyard.Pools1", "TestUpstream",
                   g_variant_new ("(ss)", "tunnels", "lab"), G_VARIANT_TYPE ("(x)"));
  g_variant_get (reply, "(x)", &latency);
  g_assert_cmpint (latency, >=, 0);

  /* Through the pool: a refusal relayed by a live tunnel is the
   * destination's, and does not count against the member. */
  route_main ("tunnels");
  {
    g_autofree char *closed = g_strdup_printf ("http://%s:1/",
                                               sy_test_wg_server_get_tunnel_address (server));
    const char *curl_ok[] = { "curl", "-sS", "--fail", "--max-time", "20", "-x", proxy, url,
                              NULL };
    const char *curl_refused[] = { "curl", "-sS", "--max-time", "20", "-x", proxy, closed,
                                   NULL };
    g_autofree char *again = sy_test_wg_netns_run (NULL, curl_ok, NULL, NULL, &error);
    g_autofree char *nothing = NULL;

    g_assert_no_error (error);
    g_assert_cmpstr (again, ==, "hello from wg-server-0\n");
    nothing = sy_test_wg_netns_run (NULL, curl_refused, NULL, NULL, &error);
    g_assert_null (nothing);
    g_assert_nonnull (error);
    g_test_message ("%s", error->message);
    g_clear_error (&error);
  }
  {
    g_autoptr(GVariant) pools = call_ok ("dev.switchyard.Pools1", "ListPools", NULL,
                                         G_VARIANT_TYPE ("(aa{sv})"));
    g_autoptr(GVariant) pool = g_variant_get_child_value (g_variant_get_child_value (pools, 0), 0);
    g_autoptr(GVariant) members = g_variant_lookup_value (pool, "upstreams",
                                                          G_VARIANT_TYPE ("aa{sv}"));
    g_autoptr(GVariant) member = g_variant_get_child_value (members, 0);
    const char *health = NULL, *kind = NULL, *member_url = NULL;
    guint failures = 99;

    g_assert_true (g_variant_lookup (member, "kind", "&s", &kind));
    g_assert_cmpstr (kind, ==, "wireguard");
    g_assert_true (g_variant_lookup (member, "url", "&s", &member_url));
    g_assert_cmpstr (member_url, ==, "wireguard:lab");
    g_assert_true (g_variant_lookup (member, "health", "&s", &health));
    g_assert_cmpstr (health, ==, "up");
    g_assert_true (g_variant_lookup (member, "failures", "u", &failures));
    g_assert_cmpuint (failures, ==, 0);
  }
  route_main ("wireguard:lab");

  properties = find_profile ("lab");
  g_assert_true (g_variant_lookup (properties, "peers-up", "u", &peers_up));
  g_assert_cmpuint (peers_up, ==, 1);
  {
    g_autofree const char **inbounds = NULL;
    g_autofree const char **pools = NULL;

    g_assert_true (g_variant_lookup (properties, "inbounds", "^a&s", &inbounds));
    g_assert_true (g_variant_lookup (properties, "pools", "^a&s", &pools));
    g_assert_cmpstrv (inbounds, ((const char * const []) { "main", NULL }));
    g_assert_cmpstrv (pools, ((const char * const []) { "tunnels", NULL }));
  }

  /* In use: removal is refused and says by whom. */
  ctl_fails ("dev.switchyard.Error.InvalidArgument",
             "WireGuard profile “lab” is in use: route inbound “main” elsewhere and remove it "
             "from pool “tunnels” first", "wireguard", "remove", "lab");
  g_assert_true (profile_file_exists ("lab"));

  route_main ("direct");
  g_clear_pointer (&reply, g_variant_unref);
  reply = call_ok ("dev.switchyard.Pools1", "RemovePool", g_variant_new ("(s)", "tunnels"), NULL);
  g_free (ctl_ok ("wireguard", "remove", "lab"));
  g_assert_false (profile_file_exists ("lab"));
}

static void
test_remove (void)
{
  g_autofree char *out = ctl_ok ("wireguard", "remove", "de-fra-01");

  g_assert_cmpstr (out, ==, "Removed WireGuard profile de-fra-01\n");
  g_assert_false (profile_file_exists ("de-fra-01"));
  g_assert_null (find_profile ("de-fra-01"));

  ctl_fails ("dev.switchyard.Error.NotFound", "There is no WireGuard profile named “de-fra-01”",
             "wireguard", "remove", "de-fra-01");

  g_free (out);
  out = ctl_ok ("wireguard", "list");
  assert_contains (out, "No WireGuard profiles");
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *reason = NULL;
  int status;

  /* Before anything may start a thread: the whole test, its bus and the
   * service move into a network namespace of their own (root only). */
  if (!sy_test_wg_isolate (&reason))
    g_printerr ("# no network namespace: %s\n", reason);

  g_test_init (&argc, &argv, NULL);

  switchyardd_path = g_getenv ("SWITCHYARDD");
  switchyardctl_path = g_getenv ("SWITCHYARDCTL");
  if (switchyardd_path == NULL && argc > 1)
    switchyardd_path = argv[1];
  if (switchyardctl_path == NULL && argc > 2)
    switchyardctl_path = argv[2];
  if (switchyardd_path == NULL || switchyardctl_path == NULL)
    g_error ("usage: test-service-wireguard SWITCHYARDD SWITCHYARDCTL");

  g_test_add_func ("/service/wireguard/import-wg-quick", test_import_wg_quick);
  g_test_add_func ("/service/wireguard/import-wireproxy", test_import_wireproxy);
  g_test_add_func ("/service/wireguard/bad-import", test_bad_import);
  g_test_add_func ("/service/wireguard/peers-without-server", test_peers_without_server);
  g_test_add_func ("/service/wireguard/export", test_export);
  g_test_add_func ("/service/wireguard/reload", test_reload);
  g_test_add_func ("/service/wireguard/handshake", test_handshake);
  g_test_add_func ("/service/wireguard/remove", test_remove);

  fixture_up ();
  status = g_test_run ();
  fixture_down ();

  return status;
}
