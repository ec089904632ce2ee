/* test-app-units.c — the app's models and helpers, without a display
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the views are built on: how service dictionaries become list items,
 * how SessionsChanged batches keep the live list and the finished log,
 * the traffic ring, URL parsing for the upstream form, the log's levels
 * and the formats people read. The dictionaries are shaped like the
 * service's replies (docs/dbus-api.md).
 */

#include "config.h"

#include <arpa/inet.h>
#include <locale.h>
#include <string.h>

#include <gio/gio.h>

#include "syapp-autostart.h"
#include "syapp-format.h"
#include "syapp-log-entry.h"
#include "syapp-nm-wireguard.h"
#include "syapp-session-model.h"
#include "syapp-traffic-history.h"
#include "syapp-upstream-url.h"

/* A session as ListSessions or SessionsChanged sends it. */
static GVariant *
session_dict (guint64     id,
              const char *target,
              const char *state,
              guint64     up,
              guint64     down)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  g_variant_dict_insert (&dict, "id", "t", id);
  g_variant_dict_insert (&dict, "network", "s", "tcp");
  g_variant_dict_insert (&dict, "protocol", "s", "socks5");
  g_variant_dict_insert (&dict, "inbound", "s", "main");
  g_variant_dict_insert (&dict, "client", "s", "127.0.0.1:50000");
  g_variant_dict_insert (&dict, "target", "s", target);
  g_variant_dict_insert (&dict, "sniffed", "s", "");
  g_variant_dict_insert (&dict, "outbound", "s", "work");
  g_variant_dict_insert (&dict, "rule", "s", "");
  g_variant_dict_insert (&dict, "upstream", "s", "office");
  g_variant_dict_insert (&dict, "state", "s", state);
  g_variant_dict_insert (&dict, "error", "s", "");
  g_variant_dict_insert (&dict, "created", "x", (gint64) 1000000 * id);
  g_variant_dict_insert (&dict, "established", "x", (gint64) 0);
  g_variant_dict_insert (&dict, "finished", "x", (gint64) 0);
  g_variant_dict_insert (&dict, "duration-ms", "x", (gint64) 0);
  g_variant_dict_insert (&dict, "bytes-up", "t", up);
  g_variant_dict_insert (&dict, "bytes-down", "t", down);
  return g_variant_dict_end (&dict);
}

static GVariant *
sessions_of (GVariant **items,
             gsize      n)
{
  return g_variant_new_array (G_VARIANT_TYPE_VARDICT, items, n);
}

static GVariant *
ids_of (const guint64 *ids,
        gsize          n)
{
  return g_variant_new_fixed_array (G_VARIANT_TYPE_UINT64, ids, n, sizeof (guint64));
}

static SyAppSession *
item (GListModel *model,
      guint       position)
{
  /* The store keeps its own reference; the test only looks. */
  g_autoptr(SyAppSession) session = g_list_model_get_item (model, position);

  return session;
}

typedef struct
{
  guint notified;
} Counter;

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              Counter    *counter)
{
  counter->notified++;
}

static void
test_session_model_batches (void)
{
  g_autoptr(SyAppSessionModel) model = syapp_session_model_new ();
  GListModel *live = syapp_session_model_get_live (model);
  GListModel *finished = syapp_session_model_get_finished (model);
  g_autoptr(GVariant) seed = NULL;
  g_autoptr(GVariant) changed = NULL;
  g_autoptr(GVariant) removed = NULL;
  SyAppSession *first;
  Counter counter = { 0 };
  const guint64 gone[] = { 1, 99 };

  seed = g_variant_ref_sink (sessions_of ((GVariant *[]) {
    session_dict (1, "example.org:443", "established", 10, 20),
    session_dict (2, "example.com:80", "connecting", 0, 0),
  }, 2));
  syapp_session_model_reset_live (model, seed);
  g_assert_cmpuint (g_list_model_get_n_items (live), ==, 2);
  first = item (live, 0);
  g_assert_cmpuint (syapp_session_get_id (first), ==, 1);
  g_assert_cmpstr (syapp_session_get_route (first), ==, "work/office");

  /* A batch updates in place and notifies only what changed. */
  g_signal_connect (first, "notify", G_CALLBACK (count_notify), &counter);
  changed = g_variant_ref_sink (sessions_of ((GVariant *[]) {
    session_dict (1, "example.org:443", "established", 10, 5000),
    session_dict (3, "[2001:db8::1]:22", "handshake", 0, 0),
  }, 2));
  removed = g_variant_ref_sink (ids_of (NULL, 0));
  syapp_session_model_apply (model, changed, removed);
  g_assert_true (item (live, 0) == first);
  g_assert_cmpuint (syapp_session_get_bytes_down (first), ==, 5000);
  g_assert_cmpuint (counter.notified, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (live), ==, 3);
  g_assert_nonnull (syapp_session_model_lookup (model, 3));

  /* A finished session leaves the live list for the log, newest first, with
   * the final state its last batch brought; unknown ids are ignored. */
  g_clear_pointer (&changed, g_variant_unref);
  g_clear_pointer (&removed, g_variant_unref);
  changed = g_variant_ref_sink (sessions_of ((GVariant *[]) {
    session_dict (1, "example.org:443", "closed", 11, 6000),
  }, 1));
  removed = g_variant_ref_sink (ids_of (gone, G_N_ELEMENTS (gone)));
  syapp_session_model_apply (model, changed, removed);
  g_assert_cmpuint (g_list_model_get_n_items (live), ==, 2);
  g_assert_null (syapp_session_model_lookup (model, 1));
  g_assert_cmpuint (g_list_model_get_n_items (finished), ==, 1);
  g_assert_true (item (finished, 0) == first);
  g_assert_cmpstr (syapp_session_get_state (first), ==, "closed");
  g_assert_true (syapp_session_is_finished (first));
  g_signal_handlers_disconnect_by_data (first, &counter);

  /* ListSessions after a reconnection replaces the live set. */
  g_clear_pointer (&seed, g_variant_unref);
  seed = g_variant_ref_sink (sessions_of ((GVariant *[]) {
    session_dict (3, "[2001:db8::1]:22", "established", 1, 1),
  }, 1));
  syapp_session_model_reset_live (model, seed);
  g_assert_cmpuint (g_list_model_get_n_items (live), ==, 1);
  g_assert_cmpstr (syapp_session_get_state (item (live, 0)), ==, "established");
  g_assert_cmpuint (g_list_model_get_n_items (finished), ==, 1);

  syapp_session_model_clear_live (model);
  g_assert_cmpuint (g_list_model_get_n_items (live), ==, 0);
}

static void
test_session_model_finished_limit (void)
{
  g_autoptr(SyAppSessionModel) model = syapp_session_model_new ();
  GListModel *finished = syapp_session_model_get_finished (model);
  g_autoptr(GPtrArray) items = g_ptr_array_new ();
  g_autoptr(GVariant) log = NULL;

  /* GetConnectionLog is oldest first; the view keeps the newest. */
  for (guint64 id = 1; id <= 10; id++)
    g_ptr_array_add (items, session_dict (id, "example.org:443", "closed", id, id));
  log = g_variant_ref_sink (sessions_of ((GVariant **) items->pdata, items->len));

  syapp_session_model_set_finished_limit (model, 4);
  syapp_session_model_reset_finished (model, log);
  g_assert_cmpuint (g_list_model_get_n_items (finished), ==, 4);
  g_assert_cmpuint (syapp_session_get_id (item (finished, 0)), ==, 10);
  g_assert_cmpuint (syapp_session_get_id (item (finished, 3)), ==, 7);

  syapp_session_model_set_finished_limit (model, 2);
  g_assert_cmpuint (g_list_model_get_n_items (finished), ==, 2);
  g_assert_cmpuint (syapp_session_get_id (item (finished, 1)), ==, 9);
}

static void
test_session_matches (void)
{
  g_autoptr(GVariant) dict = g_variant_ref_sink (session_dict (7, "Example.ORG:443",
                                                               "established", 0, 0));
  g_autoptr(SyAppSession) session = syapp_session_new (dict);
  g_autofree char *needle = g_utf8_casefold ("example.org", -1);

  /* The same fields the service's CloseSessions(filter) looks at. */
  g_assert_true (syapp_session_matches (session, needle));
  g_assert_true (syapp_session_matches (session, "office"));   /* upstream */
  g_assert_true (syapp_session_matches (session, "socks5"));   /* protocol */
  g_assert_true (syapp_session_matches (session, "50000"));    /* client */
  g_assert_true (syapp_session_matches (session, ""));
  g_assert_false (syapp_session_matches (session, "example.com"));
}

static void
test_session_tick (void)
{
  g_autoptr(GVariant) dict = g_variant_ref_sink (session_dict (5, "a:1", "established", 0, 0));
  g_autoptr(SyAppSession) session = syapp_session_new (dict);

  /* created is 5 s after the epoch in session_dict(). */
  syapp_session_tick (session, 7500000);
  g_assert_cmpint (syapp_session_get_duration (session), ==, 2500);
}

static void
test_traffic_history (void)
{
  g_autoptr(SyAppTrafficHistory) history = syapp_traffic_history_new ();
  const gint64 t = G_GINT64_CONSTANT (1700000000);
  guint64 up, down;

  syapp_traffic_history_add (history, t * G_USEC_PER_SEC + 200000, 100, 1000);
  /* A second sample in the same second keeps the peak. */
  syapp_traffic_history_add (history, t * G_USEC_PER_SEC + 900000, 50, 3000);
  syapp_traffic_history_add (history, (t + 2) * G_USEC_PER_SEC, 7, 8);

  g_assert_true (syapp_traffic_history_get (history, t, &up, &down));
  g_assert_cmpuint (up, ==, 100);
  g_assert_cmpuint (down, ==, 3000);
  /* An idle second (the service sends nothing) reads as zero. */
  g_assert_false (syapp_traffic_history_get (history, t + 1, &up, &down));
  g_assert_cmpuint (up + down, ==, 0);
  g_assert_cmpuint (syapp_traffic_history_peak (history, t, t + 2), ==, 3000);
  g_assert_cmpuint (syapp_traffic_history_peak (history, t + 1, t + 2), ==, 8);

  /* A lap later the old slot no longer answers for its second. */
  syapp_traffic_history_add (history, (t + SYAPP_TRAFFIC_HISTORY_SECONDS) * G_USEC_PER_SEC,
                             1, 1);
  g_assert_false (syapp_traffic_history_get (history, t, &up, &down));
  g_assert_true (syapp_traffic_history_get (history, t + SYAPP_TRAFFIC_HISTORY_SECONDS,
                                            &up, &down));

  syapp_traffic_history_clear (history);
  g_assert_false (syapp_traffic_history_get (history, t + 2, &up, &down));
}

static void
test_upstream_url (void)
{
  g_auto(SyAppUpstreamUrl) url = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *shown = NULL;
  static const char *const bad[] = {
    "socks4://10.0.0.2:1080",     /* scheme */
    "socks5://10.0.0.2",          /* no port */
    "socks5://10.0.0.2:70000",    /* port range */
    "http://10.0.0.2:3128/path",  /* anything after the port */
    "10.0.0.2:1080",              /* not a URL */
    "socks5://:1080",             /* no host */
  };

  g_assert_true (syapp_upstream_url_parse ("  socks5://al%40ice:p%3Ass@10.0.0.2:1080", &url,
                                           &error));
  g_assert_no_error (error);
  g_assert_cmpstr (url.kind, ==, "socks5");
  g_assert_cmpstr (url.host, ==, "10.0.0.2");
  g_assert_cmpuint (url.port, ==, 1080);
  g_assert_cmpstr (url.username, ==, "al@ice");
  g_assert_cmpstr (url.password, ==, "p:ss");
  shown = syapp_upstream_url_format (&url);
  g_assert_cmpstr (shown, ==, "socks5://al%40ice@10.0.0.2:1080");
  syapp_upstream_url_clear (&url);

  g_assert_true (syapp_upstream_url_parse ("HTTP://[2001:db8::2]:3128", &url, &error));
  g_assert_cmpstr (url.kind, ==, "http");
  g_assert_cmpstr (url.host, ==, "2001:db8::2");
  g_assert_null (url.username);
  g_assert_null (url.password);
  g_clear_pointer (&shown, g_free);
  shown = syapp_upstream_url_format (&url);
  g_assert_cmpstr (shown, ==, "http://[2001:db8::2]:3128");
  syapp_upstream_url_clear (&url);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) local_error = NULL;

      g_test_message ("%s", bad[i]);
      g_assert_false (syapp_upstream_url_parse (bad[i], &url, &local_error));
      g_assert_error (local_error, G_URI_ERROR, local_error->code);
      g_assert_cmpstr (local_error->message, !=, "");
      g_assert_null (url.host);
    }
}

static void
test_log_entry (void)
{
  g_autoptr(SyAppLogEntry) entry = syapp_log_entry_new (4, G_GINT64_CONSTANT (0), "warning",
                                                        "sy-pool", "Upstream “Office” is down");
  g_autofree char *needle = g_utf8_casefold ("OFFICE", -1);
  g_autofree char *line = NULL;

  g_assert_cmpuint (syapp_log_level_rank ("debug"), <, syapp_log_level_rank ("info"));
  g_assert_cmpuint (syapp_log_level_rank ("info"), <, syapp_log_level_rank ("message"));
  g_assert_cmpuint (syapp_log_level_rank ("message"), <, syapp_log_level_rank ("warning"));
  g_assert_cmpuint (syapp_log_level_rank ("warning"), <, syapp_log_level_rank ("critical"));
  g_assert_cmpuint (syapp_log_level_rank ("critical"), <, syapp_log_level_rank ("error"));
  /* A level from a newer service is shown, not hidden. */
  g_assert_cmpuint (syapp_log_level_rank ("notice"), ==, syapp_log_level_rank ("message"));

  g_assert_true (syapp_log_entry_matches (entry, needle));
  g_assert_true (syapp_log_entry_matches (entry, "sy-pool"));
  g_assert_false (syapp_log_entry_matches (entry, "engine"));

  line = syapp_log_entry_to_string (entry);
  g_assert_true (g_str_has_suffix (line, " warning  sy-pool: Upstream “Office” is down"));
}

static void
test_format (void)
{
  struct { gint64 ms; const char *text; } durations[] = {
    { -5, "0.0 s" }, { 2400, "2.4 s" }, { 42000, "42 s" }, { 245000, "4 min 05 s" },
    { 11220000, "3 h 07 min" }, { 190800000, "2 d 05 h" },
  };
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GVariant) value = NULL;
  g_autofree char *rate = syapp_format_rate (1200000);
  g_autofree char *latency = syapp_format_latency (23);
  g_autofree char *ago = syapp_format_ago (G_USEC_PER_SEC * 100, G_USEC_PER_SEC * 190);

  for (guint i = 0; i < G_N_ELEMENTS (durations); i++)
    {
      g_autofree char *text = syapp_format_duration (durations[i].ms);

      g_assert_cmpstr (text, ==, durations[i].text);
    }
  /* GLib puts a no-break space between number and unit. */
  g_assert_cmpstr (rate, ==, "1.2\u00a0MB/s");
  g_assert_cmpstr (latency, ==, "23 ms");
  g_assert_cmpstr (ago, ==, "1 minute ago");

  /* The service's integers arrive in whatever width its API names. */
  g_variant_dict_insert (&dict, "port", "q", (guint16) 1080);
  g_variant_dict_insert (&dict, "latency-ms", "x", (gint64) -1);
  g_variant_dict_insert (&dict, "weight", "u", 5);
  g_variant_dict_insert (&dict, "name", "s", "office");
  value = g_variant_ref_sink (g_variant_dict_end (&dict));
  g_assert_cmpuint (syapp_variant_get_uint (value, "port"), ==, 1080);
  g_assert_cmpuint (syapp_variant_get_uint (value, "latency-ms"), ==, 0);
  g_assert_cmpint (syapp_variant_get_int (value, "latency-ms", 0), ==, -1);
  g_assert_cmpint (syapp_variant_get_int (value, "missing", 42), ==, 42);
  g_assert_cmpuint (syapp_variant_get_uint (value, "weight"), ==, 5);
  g_assert_cmpstr (syapp_variant_get_str (value, "name"), ==, "office");
  g_assert_cmpstr (syapp_variant_get_str (value, "port"), ==, "");
}

/* NetworkManager's settings of a WireGuard connection, shaped as its D-Bus
 * API returns them (nm-settings-dbus(5)). */
static void
test_nm_wireguard (void)
{
  g_autoptr(GVariant) settings = NULL;
  g_autoptr(GVariant) secrets = NULL;
  g_autoptr(GVariant) ethernet = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *without_secrets = NULL;
  guint32 dns4;
  guint8 dns6[16];

  g_assert_cmpint (inet_pton (AF_INET, "10.8.0.1", &dns4), ==, 1);
  g_assert_cmpint (inet_pton (AF_INET6, "fd00::1", dns6), ==, 1);

  settings = g_variant_ref_sink (g_variant_new_parsed (
    "{'connection': {'id': <'Home VPN'>, 'type': <'wireguard'>, 'interface-name': <'wg0'>},"
    " 'wireguard': {'listen-port': <uint32 51820>, 'mtu': <uint32 1380>,"
    "   'peers': <[{'public-key': <'PEERKEY='>, 'endpoint': <'vpn.example.org:51820'>,"
    "               'allowed-ips': <['0.0.0.0/0', '::/0']>,"
    "               'persistent-keepalive': <uint32 25>}]>},"
    " 'ipv4': {'method': <'manual'>,"
    "   'address-data': <[{'address': <'10.8.0.2'>, 'prefix': <uint32 32>}]>,"
    "   'dns': <[%u]>, 'dns-search': <['example.org']>},"
    " 'ipv6': {'method': <'manual'>,"
    "   'address-data': <[{'address': <'fd00::2'>, 'prefix': <uint32 128>}]>,"
    "   'dns': <[%@ay]>}}",
    dns4, g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, dns6, 16, 1)));
  secrets = g_variant_ref_sink (g_variant_new_parsed (
    "{'wireguard': {'private-key': <'PRIVATEKEY='>,"
    "   'peers': <[{'public-key': <'PEERKEY='>, 'preshared-key': <'PSK='>}]>}}"));

  text = syapp_nm_wireguard_to_text (settings, secrets, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==,
                   "[Interface]\n"
                   "PrivateKey = PRIVATEKEY=\n"
                   "Address = 10.8.0.2/32, fd00::2/128\n"
                   "DNS = 10.8.0.1, fd00::1, example.org\n"
                   "ListenPort = 51820\n"
                   "MTU = 1380\n"
                   "\n"
                   "[Peer]\n"
                   "PublicKey = PEERKEY=\n"
                   "PresharedKey = PSK=\n"
                   "Endpoint = vpn.example.org:51820\n"
                   "AllowedIPs = 0.0.0.0/0, ::/0\n"
                   "PersistentKeepalive = 25\n");

  /* Without the secrets (no agent), the text says what is missing. */
  without_secrets = syapp_nm_wireguard_to_text (settings, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (without_secrets, "# PrivateKey = …"));
  g_assert_null (strstr (without_secrets, "PresharedKey"));

  ethernet = g_variant_ref_sink (g_variant_new_parsed (
    "{'connection': {'id': <'Wired'>, 'type': <'802-3-ethernet'>}}"));
  g_assert_null (syapp_nm_wireguard_to_text (ethernet, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

static void
autostart_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (syapp_autostart_set_finish (result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
set_autostart (GSettings *settings,
               gboolean   enabled)
{
  gboolean done = FALSE;

  syapp_autostart_set_async (enabled, NULL, settings, NULL, autostart_done_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* Outside a sandbox, start at login is an XDG autostart entry that runs
 * `switchyard --background`; turning it off removes the entry. */
static void
test_autostart (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GKeyFile) entry = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = syapp_autostart_dup_path ();
  g_autofree char *exec = NULL;
  g_autofree char *type = NULL;

  if (syapp_autostart_is_sandboxed ())
    {
      g_test_skip ("inside a Flatpak sandbox: the Background portal is used instead");
      return;
    }

  g_assert_true (g_str_has_prefix (path, g_get_user_config_dir ()));
  g_assert_false (syapp_autostart_is_enabled (settings));

  set_autostart (settings, TRUE);
  g_assert_true (syapp_autostart_is_enabled (settings));
  g_key_file_load_from_file (entry, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  exec = g_key_file_get_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC,
                                &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (exec, " --background"));
  type = g_key_file_get_string (entry, G_KEY_FILE_DESKTOP_GROUP, "Type", NULL);
  g_assert_cmpstr (type, ==, "Application");

  /* Turned off elsewhere (GNOME Tweaks writes Hidden=true): it is off. */
  g_key_file_set_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_HIDDEN, TRUE);
  g_key_file_save_to_file (entry, path, &error);
  g_assert_no_error (error);
  g_assert_false (syapp_autostart_is_enabled (settings));

  set_autostart (settings, FALSE);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (syapp_autostart_is_enabled (settings));
}

int
main (int   argc,
      char *argv[])
{
  /* Untranslated strings and no digit grouping: the expected texts are
   * the C locale's. */
  setlocale (LC_ALL, "C.UTF-8");
  g_setenv ("LANGUAGE", "C", TRUE);
  g_setenv ("TZ", "UTC", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/app/session-model/batches", test_session_model_batches);
  g_test_add_func ("/app/session-model/finished-limit", test_session_model_finished_limit);
  g_test_add_func ("/app/session/matches", test_session_matches);
  g_test_add_func ("/app/session/tick", test_session_tick);
  g_test_add_func ("/app/traffic-history", test_traffic_history);
  g_test_add_func ("/app/upstream-url", test_upstream_url);
  g_test_add_func ("/app/log-entry", test_log_entry);
  g_test_add_func ("/app/format", test_format);
  g_test_add_func ("/app/nm-wireguard", test_nm_wireguard);
  g_test_add_func ("/app/autostart", test_autostart);

  return g_test_run ();
}
