/* switchyardctl.c — command-line client of switchyardd on the session bus
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "switchyardctl"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <glib-unix.h>
#include <gio/gio.h>

#include "syd-ctl-format.h"
#include "syd-dbus-generated.h"

/* TestUpstream() replies when the health check finishes, which a pool may
 * allow up to two minutes (health-timeout-ms); other calls answer at once. */
#define SLOW_CALL_TIMEOUT_MS (3 * 60 * 1000)

#define NOT_RUNNING_MESSAGE \
  "switchyardd is not running (nothing owns " SY_DBUS_NAME " on the session bus); " \
  "start it with “switchyardd” or “systemctl --user start switchyard”"

typedef struct
{
  gboolean         json;
  gboolean         autostart;
  SydDaemon1      *daemon;
  SydPools1       *pools;
  SydSessions1    *sessions;

  /* follow mode (log -f, traffic -f) */
  GMainLoop       *loop;
  int              exit_code;
  guint64          last_serial;
  int              max_level;
} Ctl;

typedef int (*CommandFunc) (Ctl   *ctl,
                            int    argc,
                            char **argv);

typedef struct
{
  const char  *name;
  const char  *parameters;
  const char  *summary;
  gboolean     autostart;    /* may D-Bus-activate switchyardd */
  CommandFunc  func;
} Command;

static gboolean json_output;

static const GOptionEntry json_entry[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &json_output, "Print the reply as JSON", NULL },
  { NULL }
};

/* Helpers ------------------------------------------------------------------ */

static int
report_error (GError *error)
{
  g_autofree char *remote = NULL;

  if (g_dbus_error_is_remote_error (error))
    {
      remote = g_dbus_error_get_remote_error (error);
      g_dbus_error_strip_remote_error (error);
    }

  if (remote != NULL &&
      (g_str_equal (remote, "org.freedesktop.DBus.Error.ServiceUnknown") ||
       g_str_equal (remote, "org.freedesktop.DBus.Error.NameHasNoOwner")))
    g_printerr ("switchyardctl: %s\n", NOT_RUNNING_MESSAGE);
  else if (remote != NULL)
    g_printerr ("switchyardctl: %s (%s)\n", error->message, remote);
  else
    g_printerr ("switchyardctl: %s\n", error->message);

  return 1;
}

static int
usage_error (const char *command,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static int
usage_error (const char *command,
             const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("switchyardctl %s: %s\nTry “switchyardctl %s --help”.\n", command, message, command);
  return 1;
}

/* @value: floating (consumed) or borrowed */
static void
print_json (GVariant *value,
            gboolean  pretty)
{
  g_autoptr(GVariant) sunk = g_variant_ref_sink (value);
  g_autofree char *text = syd_format_json (sunk, pretty);

  g_print ("%s\n", text);
  fflush (stdout);
}

static GDBusCallFlags
call_flags (Ctl *ctl)
{
  return ctl->autostart ? G_DBUS_CALL_FLAGS_NONE : G_DBUS_CALL_FLAGS_NO_AUTO_START;
}

static GDBusProxyFlags
proxy_flags (Ctl *ctl)
{
  return ctl->autostart ? G_DBUS_PROXY_FLAGS_NONE : G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START;
}

/* Creating a proxy only fails when the bus itself cannot be reached; a
 * proxy without an owner is only useful when calls may activate the name. */
static gpointer
check_proxy (Ctl       *ctl,
             gpointer   proxy,
             GError   **error)
{
  g_autofree char *owner = NULL;

  if (proxy == NULL)
    {
      g_prefix_error (error, "Cannot connect to the session bus "
                      "(is DBUS_SESSION_BUS_ADDRESS set?): ");
      return NULL;
    }

  owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (proxy));
  if (owner == NULL && !ctl->autostart)
    {
      g_object_unref (proxy);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, NOT_RUNNING_MESSAGE);
      return NULL;
    }

  return proxy;
}

static SydDaemon1 *
get_daemon (Ctl     *ctl,
            GError **error)
{
  if (ctl->daemon == NULL)
    ctl->daemon = check_proxy (ctl, syd_daemon1_proxy_new_for_bus_sync (G_BUS_TYPE_SESSION,
                                                                   proxy_flags (ctl),
                                                                   SY_DBUS_NAME, SY_DBUS_PATH,
                                                                   NULL, error),
                               error);
  return ctl->daemon;
}

/* Pools1 and Sessions1 have no properties to cache. */
#define METHODS_ONLY G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES

static SydPools1 *
get_pools (Ctl     *ctl,
           GError **error)
{
  if (ctl->pools == NULL)
    ctl->pools = check_proxy (ctl, syd_pools1_proxy_new_for_bus_sync (G_BUS_TYPE_SESSION,
                                                                 proxy_flags (ctl) | METHODS_ONLY,
                                                                 SY_DBUS_NAME, SY_DBUS_PATH,
                                                                 NULL, error),
                              error);
  return ctl->pools;
}

static SydSessions1 *
get_sessions (Ctl     *ctl,
              GError **error)
{
  if (ctl->sessions == NULL)
    ctl->sessions = check_proxy (ctl, syd_sessions1_proxy_new_for_bus_sync (G_BUS_TYPE_SESSION,
                                                                       proxy_flags (ctl) |
                                                                       METHODS_ONLY,
                                                                       SY_DBUS_NAME, SY_DBUS_PATH,
                                                                       NULL, error),
                                 error);
  return ctl->sessions;
}

/* The proxy's property cache lags behind a method reply (PropertiesChanged
 * comes after it), so read the property from the service directly. */
static GVariant *
get_property_sync (Ctl         *ctl,
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

static gboolean
lookup_string (GVariant    *dict,
               const char  *key,
               const char **out)
{
  if (!g_variant_lookup (dict, key, "&s", out))
    {
      *out = "";
      return FALSE;
    }
  return TRUE;
}

static guint64
lookup_uint (GVariant   *dict,
             const char *key)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (dict, key, NULL);

  if (value == NULL)
    return 0;
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64))
    return g_variant_get_uint64 (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    return g_variant_get_uint32 (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT16))
    return g_variant_get_uint16 (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    return (guint64) MAX (g_variant_get_int64 (value), 0);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
    return (guint64) MAX (g_variant_get_int32 (value), 0);
  return 0;
}

static gint64
lookup_int (GVariant   *dict,
            const char *key,
            gint64      fallback)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (dict, key, NULL);

  if (value == NULL)
    return fallback;
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    return g_variant_get_int64 (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
    return g_variant_get_int32 (value);
  return (gint64) lookup_uint (dict, key);
}

static gboolean
lookup_bool (GVariant   *dict,
             const char *key,
             gboolean    fallback)
{
  gboolean value;

  if (!g_variant_lookup (dict, key, "b", &value))
    return fallback;
  return value;
}

static char *
uint_string (GVariant   *dict,
             const char *key)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, lookup_uint (dict, key));
}

static char *
size_string (GVariant   *dict,
             const char *key)
{
  return syd_format_size (lookup_uint (dict, key));
}

/* Parses the options of one command; @n_min..@n_max positional arguments
 * are left in (*argc, *argv) after the command name. */
static gboolean
parse_command (const Command      *command,
               const GOptionEntry *entries,
               int                *argc,
               char             ***argv,
               int                 n_min,
               int                 n_max,
               int                *exit_code)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *prgname = g_strdup_printf ("switchyardctl %s", command->name);

  context = g_option_context_new (command->parameters);
  g_option_context_set_summary (context, command->summary);
  g_option_context_add_main_entries (context, json_entry, NULL);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);

  g_set_prgname (prgname);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *exit_code = usage_error (command->name, "%s", error->message);
      return FALSE;
    }

  if (*argc - 1 < n_min)
    {
      *exit_code = usage_error (command->name, "missing argument (%s)", command->parameters);
      return FALSE;
    }
  if (n_max >= 0 && *argc - 1 > n_max)
    {
      *exit_code = usage_error (command->name, "unexpected argument “%s”", (*argv)[n_max + 1]);
      return FALSE;
    }

  return TRUE;
}

#define PARSE(entries, n_min, n_max)                                                    \
  G_STMT_START {                                                                         \
    int parse_exit_code = 0;                                                             \
    if (!parse_command (current_command, (entries), &argc, &argv, (n_min), (n_max),      \
                        &parse_exit_code))                                               \
      return parse_exit_code;                                                            \
    ctl->json = json_output;                                                             \
  } G_STMT_END

static const Command *current_command;

/* status, start, stop, reload ---------------------------------------------- */

static int
cmd_status (Ctl   *ctl,
            int    argc,
            char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) traffic = NULL;
  const char *const *addresses;
  const char *reason;
  SydDaemon1 *daemon;

  PARSE (NULL, 0, 0);

  if ((daemon = get_daemon (ctl, &error)) == NULL ||
      !syd_daemon1_call_get_traffic_sync (daemon, call_flags (ctl), -1, &traffic, NULL, &error))
    return report_error (error);

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
      print_json (g_variant_dict_end (&dict), TRUE);
      return 0;
    }

  {
    g_autofree char *addresses_text = addresses != NULL && addresses[0] != NULL
                                      ? g_strjoinv (", ", (char **) addresses)
                                      : g_strdup ("–");
    g_autofree char *up = size_string (traffic, "total-up");
    g_autofree char *down = size_string (traffic, "total-down");
    g_autofree char *rate_up = syd_format_rate (lookup_uint (traffic, "rate-up"));
    g_autofree char *rate_down = syd_format_rate (lookup_uint (traffic, "rate-down"));

    g_print ("State:      %s\n", syd_daemon1_get_state (daemon) ?: "unknown");
    if (reason != NULL && reason[0] != '\0')
      g_print ("Reason:     %s\n", reason);
    g_print ("Listening:  %s\n", addresses_text);
    g_print ("Sessions:   %" G_GUINT64_FORMAT " active, %" G_GUINT64_FORMAT " total, %"
             G_GUINT64_FORMAT " failed\n",
             lookup_uint (traffic, "active"), lookup_uint (traffic, "sessions-total"),
             lookup_uint (traffic, "sessions-failed"));
    g_print ("Traffic:    ↑ %s  ↓ %s  (now ↑ %s  ↓ %s)\n", up, down, rate_up, rate_down);
    g_print ("Version:    %s\n", syd_daemon1_get_version (daemon) ?: "unknown");
  }

  return 0;
}

static int
cmd_start (Ctl   *ctl,
           int    argc,
           char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) addresses = NULL;
  g_autofree const char **strv = NULL;
  SydDaemon1 *daemon;

  PARSE (NULL, 0, 0);

  if ((daemon = get_daemon (ctl, &error)) == NULL ||
      !syd_daemon1_call_start_sync (daemon, call_flags (ctl), -1, NULL, &error) ||
      (addresses = get_property_sync (ctl, "ListenAddresses", &error)) == NULL)
    return report_error (error);

  if (ctl->json)
    {
      print_json (addresses, TRUE);
      return 0;
    }

  strv = g_variant_get_strv (addresses, NULL);
  for (guint i = 0; strv[i] != NULL; i++)
    g_print ("Listening on %s (SOCKS5 + HTTP)\n", strv[i]);
  if (strv[0] == NULL)
    g_print ("Running (no inbound is configured)\n");

  return 0;
}

static int
cmd_stop (Ctl   *ctl,
          int    argc,
          char **argv)
{
  g_autoptr(GError) error = NULL;
  SydDaemon1 *daemon;

  PARSE (NULL, 0, 0);

  if ((daemon = get_daemon (ctl, &error)) == NULL ||
      !syd_daemon1_call_stop_sync (daemon, call_flags (ctl), -1, NULL, &error))
    return report_error (error);

  if (!ctl->json)
    g_print ("Stopped\n");
  return 0;
}

static int
cmd_reload (Ctl   *ctl,
            int    argc,
            char **argv)
{
  g_autoptr(GError) error = NULL;
  SydDaemon1 *daemon;

  PARSE (NULL, 0, 0);

  if ((daemon = get_daemon (ctl, &error)) == NULL ||
      !syd_daemon1_call_reload_sync (daemon, call_flags (ctl), -1, NULL, &error))
    return report_error (error);

  if (!ctl->json)
    g_print ("Reloaded the configuration\n");
  return 0;
}

/* pools, upstreams --------------------------------------------------------- */

static void
print_pool (GVariant *pool)
{
  g_autoptr(GVariant) upstreams = NULL;
  g_autoptr(SydTable) table = NULL;
  const char *name, *strategy, *url;
  GVariantIter iter;
  GVariant *upstream;
  guint index = 0;

  lookup_string (pool, "name", &name);
  lookup_string (pool, "strategy", &strategy);
  lookup_string (pool, "health-url", &url);
  upstreams = g_variant_lookup_value (pool, "upstreams", G_VARIANT_TYPE ("aa{sv}"));

  g_print ("Pool %s — %s, ", name, strategy);
  if (lookup_bool (pool, "health-check", TRUE))
    g_print ("health check %s every %" G_GUINT64_FORMAT " s\n", url,
             lookup_uint (pool, "health-interval-s"));
  else
    g_print ("no health check\n");

  if (upstreams == NULL || g_variant_n_children (upstreams) == 0)
    {
      g_print ("  no upstreams; add one with: "
               "switchyardctl upstreams add %s socks5://HOST:PORT\n", name);
      return;
    }

  table = syd_table_new ("#>", "NAME", "URL", "WEIGHT>", "HEALTH", "LATENCY>", "ACTIVE>",
                         "TOTAL>", "UP>", "DOWN>", "LAST ERROR", NULL);

  g_variant_iter_init (&iter, upstreams);
  while ((upstream = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned G_GNUC_UNUSED = upstream;
      g_autofree char *position = g_strdup_printf ("%u", index++);
      g_autofree char *weight = uint_string (upstream, "weight");
      g_autofree char *active = uint_string (upstream, "active");
      g_autofree char *total = uint_string (upstream, "total");
      g_autofree char *up = size_string (upstream, "bytes-up");
      g_autofree char *down = size_string (upstream, "bytes-down");
      g_autofree char *latency = NULL;
      const char *upstream_name, *upstream_url, *health, *last_error;
      gint64 latency_ms = lookup_int (upstream, "latency-ms", -1);

      lookup_string (upstream, "name", &upstream_name);
      lookup_string (upstream, "url", &upstream_url);
      lookup_string (upstream, "health", &health);
      lookup_string (upstream, "last-error", &last_error);
      latency = latency_ms >= 0 ? g_strdup_printf ("%" G_GINT64_FORMAT " ms", latency_ms)
                                : g_strdup ("–");

      syd_table_add_row (table, position, upstream_name, upstream_url, weight, health, latency,
                         active, total, up, down, last_error, NULL);
    }

  syd_table_print (table, 2);
}

static int
list_pools (Ctl        *ctl,
            const char *only)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) pools = NULL;
  SydPools1 *proxy;
  gboolean found = FALSE;
  GVariantIter iter;
  GVariant *pool;

  if ((proxy = get_pools (ctl, &error)) == NULL ||
      !syd_pools1_call_list_pools_sync (proxy, call_flags (ctl), -1, &pools, NULL, &error))
    return report_error (error);

  if (ctl->json && only == NULL)
    {
      print_json (pools, TRUE);
      return 0;
    }

  if (only == NULL && g_variant_n_children (pools) == 0)
    {
      g_print ("No pools; add one with: switchyardctl pools add NAME\n");
      return 0;
    }

  g_variant_iter_init (&iter, pools);
  while ((pool = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned G_GNUC_UNUSED = pool;
      const char *name;

      lookup_string (pool, "name", &name);
      if (only != NULL && !g_str_equal (only, name))
        continue;

      if (ctl->json)
        {
          g_autoptr(GVariant) upstreams = g_variant_lookup_value (pool, "upstreams", NULL);

          print_json (upstreams, TRUE);
        }
      else
        {
          if (found)
            g_print ("\n");
          print_pool (pool);
        }
      found = TRUE;
    }

  if (only != NULL && !found)
    {
      g_printerr ("switchyardctl: There is no pool named “%s”\n", only);
      return 1;
    }

  return 0;
}

static int
cmd_pools_list (Ctl   *ctl,
                int    argc,
                char **argv)
{
  PARSE (NULL, 0, 0);
  return list_pools (ctl, NULL);
}

static int
cmd_upstreams_list (Ctl   *ctl,
                    int    argc,
                    char **argv)
{
  PARSE (NULL, 0, 1);
  return list_pools (ctl, argc > 1 ? argv[1] : NULL);
}

static char   *opt_strategy;
static char   *opt_health_url;
static int     opt_health_interval = G_MININT;
static int     opt_health_timeout = G_MININT;
static int     opt_tolerance = G_MININT;
static gboolean opt_no_health_check;
static char  **opt_upstream_urls;

static const GOptionEntry pool_entries[] = {
  { "strategy", 's', 0, G_OPTION_ARG_STRING, &opt_strategy,
    "round-robin, weighted-random, failover, least-connections or lowest-latency", "S" },
  { "health-url", 0, 0, G_OPTION_ARG_STRING, &opt_health_url,
    "URL fetched through each upstream to check it", "URL" },
  { "health-interval", 0, 0, G_OPTION_ARG_INT, &opt_health_interval,
    "Seconds between checks of a healthy upstream", "SECONDS" },
  { "health-timeout", 0, 0, G_OPTION_ARG_INT, &opt_health_timeout,
    "Milliseconds a check may take", "MS" },
  { "no-health-check", 0, 0, G_OPTION_ARG_NONE, &opt_no_health_check,
    "Do not check the upstreams actively", NULL },
  { "tolerance", 0, 0, G_OPTION_ARG_INT, &opt_tolerance,
    "lowest-latency: switch only when another upstream is faster by MS", "MS" },
  { "upstream", 'u', 0, G_OPTION_ARG_STRING_ARRAY, &opt_upstream_urls,
    "Add an upstream (repeatable), e.g. socks5://user:pass@host:1080", "URL" },
  { NULL }
};

static GVariant *
pool_options (void)
{
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  if (opt_strategy != NULL)
    g_variant_dict_insert (&dict, "strategy", "s", opt_strategy);
  if (opt_health_url != NULL)
    g_variant_dict_insert (&dict, "health-url", "s", opt_health_url);
  if (opt_health_interval != G_MININT)
    g_variant_dict_insert (&dict, "health-interval-s", "i", opt_health_interval);
  if (opt_health_timeout != G_MININT)
    g_variant_dict_insert (&dict, "health-timeout-ms", "i", opt_health_timeout);
  if (opt_tolerance != G_MININT)
    g_variant_dict_insert (&dict, "tolerance-ms", "i", opt_tolerance);
  if (opt_no_health_check)
    g_variant_dict_insert (&dict, "health-check", "b", FALSE);
  if (opt_upstream_urls != NULL)
    g_variant_dict_insert_value (&dict, "upstreams",
                                 g_variant_new_strv ((const char *const *) opt_upstream_urls, -1));

  return g_variant_dict_end (&dict);
}

static int
cmd_pools_add (Ctl   *ctl,
               int    argc,
               char **argv)
{
  g_autoptr(GError) error = NULL;
  SydPools1 *proxy;

  PARSE (pool_entries, 1, 1);

  if ((proxy = get_pools (ctl, &error)) == NULL ||
      !syd_pools1_call_add_pool_sync (proxy, argv[1], pool_options (),
                                      call_flags (ctl), -1, NULL, &error))
    return report_error (error);

  if (!ctl->json)
    g_print ("Added pool %s\n", argv[1]);
  return 0;
}

static int
cmd_pools_update (Ctl   *ctl,
                  int    argc,
                  char **argv)
{
  g_autoptr(GError) error = NULL;
  SydPools1 *proxy;

  PARSE (pool_entries, 1, 1);

  if ((proxy = get_pools (ctl, &error)) == NULL ||
      !syd_pools1_call_update_pool_sync (proxy, argv[1], pool_options (),
                                         call_flags (ctl), -1, NULL, &error))
    return report_error (error);

  if (!ctl->json)
    g_print ("Updated pool %s\n", argv[1]);
  return 0;
}

static int
cmd_pools_remove (Ctl   *ctl,
                  int    argc,
                  char **argv)
{
  g_autoptr(GError) error = NULL;
  SydPools1 *proxy;

  PARSE (NULL, 1, 1);

  if ((proxy = get_pools (ctl, &error)) == NULL ||
      !syd_pools1_call_remove_pool_sync (proxy, argv[1], call_flags (ctl), -1, NULL, &error))
    return report_error (error);

  if (!ctl->json)
    g_print ("Removed pool %s\n", argv[1]);
  return 0;
}

static char     *opt_name;
static int       opt_weight = G_MININT;
static int       opt_position = -1;
static gboolean  opt_disabled;

static const GOptionEntry upstream_add_entries[] = {
  { "name", 'n', 0, G_OPTION_ARG_STRING, &opt_name,
    "Name of the upstream (default: from host and port)", "NAME" },
  { "weight", 'w', 0, G_OPTION_ARG_INT, &opt_weight,
    "Share of new sessions for weighted-random (default 1)", "W" },
  { "position", 'p', 0, G_OPTION_ARG_INT, &opt_position,
    "Insert at this index, 0 first (default: append)", "P" },
  { "disabled", 0, 0, G_OPTION_ARG_NONE, &opt_disabled,
    "Add it switched off", NULL },
  { NULL }
};

/* The name the service gave an upstream added without --name. */
static char *
find_upstream_name_at (Ctl        *ctl,
                       const char *pool_name,
                       int         position)
{
  g_autoptr(GVariant) pools = NULL;
  GVariantIter iter;
  GVariant *pool;

  if (!syd_pools1_call_list_pools_sync (ctl->pools, call_flags (ctl), -1, &pools, NULL, NULL))
    return NULL;

  g_variant_iter_init (&iter, pools);
  while ((pool = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned G_GNUC_UNUSED = pool;
      g_autoptr(GVariant) upstreams = NULL;
      g_autoptr(GVariant) upstream = NULL;
      const char *name;
      gsize n;

      lookup_string (pool, "name", &name);
      if (!g_str_equal (name, pool_name))
        continue;

      upstreams = g_variant_lookup_value (pool, "upstreams", G_VARIANT_TYPE ("aa{sv}"));
      n = upstreams != NULL ? g_variant_n_children (upstreams) : 0;
      if (n == 0)
        return NULL;

      upstream = g_variant_get_child_value (upstreams, position >= 0 && (gsize) position < n
                                                       ? (gsize) position : n - 1);
      lookup_string (upstream, "name", &name);
      return g_strdup (name);
    }

  return NULL;
}

static int
cmd_upstreams_add (Ctl   *ctl,
                   int    argc,
                   char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *added = NULL;
  GVariantDict dict;
  SydPools1 *proxy;

  PARSE (upstream_add_entries, 2, 2);

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "url", "s", argv[2]);
  if (opt_name != NULL)
    g_variant_dict_insert (&dict, "name", "s", opt_name);
  if (opt_weight != G_MININT)
    g_variant_dict_insert (&dict, "weight", "i", opt_weight);
  if (opt_disabled)
    g_variant_dict_insert (&dict, "enabled", "b", FALSE);

  if ((proxy = get_pools (ctl, &error)) == NULL ||
      !syd_pools1_call_add_upstream_sync (proxy, argv[1], g_variant_dict_end (&dict), opt_position,
                                          call_flags (ctl), -1, NULL, &error))
    return report_error (error);

  added = opt_name != NULL ? g_strdup (opt_name)
                           : find_upstream_name_at (ctl, argv[1], opt_position);
  if (ctl->json)
    {
      GVariantDict reply;

      g_variant_dict_init (&reply, NULL);
      g_variant_dict_insert (&reply, "pool", "s", argv[1]);
      g_variant_dict_insert (&reply, "name", "s", added != NULL ? added : "");
      print_json (g_variant_dict_end (&reply), TRUE);
    }
  else
    g_print ("Added upstream %s to pool %s\n", added != NULL ? added : argv[2], argv[1]);

  return 0;
}

static int
cmd_upstreams_remove (Ctl   *ctl,
                      int    argc,
                      char **argv)
{
  g_autoptr(GError) error = NULL;
  SydPools1 *proxy;

  PARSE (NULL, 2, 2);

  if ((proxy = get_pools (ctl, &error)) == NULL ||
      !syd_pools1_call_remove_upstream_sync (proxy, argv[1], argv[2],
                                             call_flags (ctl), -1, NULL, &error))
    return report_error (error);

  if (!ctl->json)
    g_print ("Removed upstream %s from pool %s\n", argv[2], argv[1]);
  return 0;
}

static int
set_upstream_enabled (Ctl   *ctl,
                      int    argc,
                      char **argv,
                      gboolean enabled)
{
  g_autoptr(GError) error = NULL;
  SydPools1 *proxy;

  PARSE (NULL, 2, 2);

  if ((proxy = get_pools (ctl, &error)) == NULL ||
      !syd_pools1_call_set_upstream_enabled_sync (proxy, argv[1], argv[2], enabled,
                                                  call_flags (ctl), -1, NULL, &error))
    return report_error (error);

  if (!ctl->json)
    g_print ("%s upstream %s of pool %s\n", enabled ? "Enabled" : "Disabled", argv[2], argv[1]);
  return 0;
}

static int
cmd_upstreams_enable (Ctl   *ctl,
                      int    argc,
                      char **argv)
{
  return set_upstream_enabled (ctl, argc, argv, TRUE);
}

static int
cmd_upstreams_disable (Ctl   *ctl,
                       int    argc,
                       char **argv)
{
  return set_upstream_enabled (ctl, argc, argv, FALSE);
}

static int
cmd_upstreams_move (Ctl   *ctl,
                    int    argc,
                    char **argv)
{
  g_autoptr(GError) error = NULL;
  guint64 position;
  SydPools1 *proxy;

  PARSE (NULL, 3, 3);

  if (!g_ascii_string_to_unsigned (argv[3], 10, 0, G_MAXUINT32, &position, NULL))
    return usage_error (current_command->name,
                        "POSITION must be a number, 0 for the first place, not “%s”", argv[3]);

  if ((proxy = get_pools (ctl, &error)) == NULL ||
      !syd_pools1_call_move_upstream_sync (proxy, argv[1], argv[2], (guint) position,
                                           call_flags (ctl), -1, NULL, &error))
    return report_error (error);

  if (!ctl->json)
    g_print ("Moved upstream %s of pool %s to position %u\n", argv[2], argv[1], (guint) position);
  return 0;
}

static int
cmd_upstreams_test (Ctl   *ctl,
                    int    argc,
                    char **argv)
{
  g_autoptr(GError) error = NULL;
  gint64 latency = -1;
  SydPools1 *proxy;

  PARSE (NULL, 2, 2);

  if ((proxy = get_pools (ctl, &error)) == NULL ||
      !syd_pools1_call_test_upstream_sync (proxy, argv[1], argv[2],
                                           call_flags (ctl), SLOW_CALL_TIMEOUT_MS,
                                           &latency, NULL, &error))
    return report_error (error);

  if (ctl->json)
    {
      GVariantDict reply;

      g_variant_dict_init (&reply, NULL);
      g_variant_dict_insert (&reply, "latency-ms", "x", latency);
      print_json (g_variant_dict_end (&reply), TRUE);
    }
  else
    g_print ("%s: OK, %" G_GINT64_FORMAT " ms\n", argv[2], latency);

  return 0;
}

/* sessions, connections ---------------------------------------------------- */

static void
print_sessions (GVariant *sessions,
                gboolean  finished)
{
  g_autoptr(SydTable) table = NULL;
  GVariantIter iter;
  GVariant *session;

  if (finished)
    table = syd_table_new ("TIME", "ID>", "CLIENT", "TARGET", "ROUTE", "STATE", "UP>", "DOWN>",
                           "DURATION>", "ERROR", NULL);
  else
    table = syd_table_new ("ID>", "STATE", "PROTOCOL", "CLIENT", "TARGET", "ROUTE", "UP>", "DOWN>",
                           "AGE>", NULL);

  g_variant_iter_init (&iter, sessions);
  while ((session = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned G_GNUC_UNUSED = session;
      g_autofree char *id = g_strdup_printf ("%" G_GUINT64_FORMAT, lookup_uint (session, "id"));
      g_autofree char *up = size_string (session, "bytes-up");
      g_autofree char *down = size_string (session, "bytes-down");
      g_autofree char *duration = syd_format_duration_ms (lookup_int (session, "duration-ms", -1));
      g_autofree char *route = NULL;
      const char *state, *protocol, *client, *target, *outbound, *upstream, *error;

      lookup_string (session, "state", &state);
      lookup_string (session, "protocol", &protocol);
      lookup_string (session, "client", &client);
      lookup_string (session, "target", &target);
      lookup_string (session, "outbound", &outbound);
      lookup_string (session, "upstream", &upstream);
      lookup_string (session, "error", &error);

      if (outbound[0] == '\0')
        route = g_strdup ("–");
      else if (upstream[0] != '\0')
        route = g_strdup_printf ("%s/%s", outbound, upstream);
      else
        route = g_strdup (outbound);

      if (finished)
        {
          g_autofree char *time = syd_format_time (lookup_int (session, "created", 0));

          syd_table_add_row (table, time, id, client, target, route, state, up, down,
                             duration, error, NULL);
        }
      else
        syd_table_add_row (table, id, state, protocol, client, target, route, up, down,
                           duration, NULL);
    }

  syd_table_print (table, 0);
}

static int
cmd_sessions_list (Ctl   *ctl,
                   int    argc,
                   char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) sessions = NULL;
  SydSessions1 *proxy;

  PARSE (NULL, 0, 0);

  if ((proxy = get_sessions (ctl, &error)) == NULL ||
      !syd_sessions1_call_list_sessions_sync (proxy, call_flags (ctl), -1, &sessions, NULL, &error))
    return report_error (error);

  if (ctl->json)
    print_json (sessions, TRUE);
  else if (g_variant_n_children (sessions) == 0)
    g_print ("No live sessions\n");
  else
    print_sessions (sessions, FALSE);

  return 0;
}

static char     *opt_filter;
static gboolean  opt_all;

static const GOptionEntry close_entries[] = {
  { "filter", 'f', 0, G_OPTION_ARG_STRING, &opt_filter,
    "Close every session whose target, client, route or inbound contains TEXT", "TEXT" },
  { "all", 'a', 0, G_OPTION_ARG_NONE, &opt_all, "Close every live session", NULL },
  { NULL }
};

static int
cmd_sessions_close (Ctl   *ctl,
                    int    argc,
                    char **argv)
{
  g_autoptr(GError) error = NULL;
  SydSessions1 *proxy;
  guint count = 0;
  guint64 id = 0;
  int given;

  PARSE (close_entries, 0, 1);

  given = (argc > 1) + (opt_filter != NULL) + (opt_all ? 1 : 0);
  if (given != 1)
    return usage_error (current_command->name, "give exactly one of ID, --filter TEXT or --all");

  if (argc > 1 && !g_ascii_string_to_unsigned (argv[1], 10, 1, G_MAXUINT64, &id, NULL))
    return usage_error (current_command->name,
                        "ID must be a session id as shown by “switchyardctl sessions”, not “%s”",
                        argv[1]);

  if ((proxy = get_sessions (ctl, &error)) == NULL)
    return report_error (error);

  if (id != 0)
    {
      if (!syd_sessions1_call_close_session_sync (proxy, id, call_flags (ctl), -1, NULL, &error))
        return report_error (error);
      count = 1;
    }
  else if (!syd_sessions1_call_close_sessions_sync (proxy, opt_all ? "" : opt_filter,
                                                    call_flags (ctl), -1, &count, NULL, &error))
    return report_error (error);

  if (ctl->json)
    {
      GVariantDict reply;

      g_variant_dict_init (&reply, NULL);
      g_variant_dict_insert (&reply, "closed", "u", count);
      print_json (g_variant_dict_end (&reply), TRUE);
    }
  else if (id != 0)
    g_print ("Closed session %" G_GUINT64_FORMAT "\n", id);
  else
    g_print ("Closed %u session%s\n", count, count == 1 ? "" : "s");

  return 0;
}

static int opt_limit = 50;

static const GOptionEntry connections_entries[] = {
  { "lines", 'n', 0, G_OPTION_ARG_INT, &opt_limit,
    "Show the newest N finished sessions (0: all kept; default 50)", "N" },
  { NULL }
};

static int
cmd_connections (Ctl   *ctl,
                 int    argc,
                 char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) sessions = NULL;
  SydSessions1 *proxy;

  PARSE (connections_entries, 0, 0);

  if (opt_limit < 0)
    return usage_error (current_command->name, "--lines must be 0 or more");

  if ((proxy = get_sessions (ctl, &error)) == NULL ||
      !syd_sessions1_call_get_connection_log_sync (proxy, (guint) opt_limit,
                                                   call_flags (ctl), -1, &sessions, NULL, &error))
    return report_error (error);

  if (ctl->json)
    print_json (sessions, TRUE);
  else if (g_variant_n_children (sessions) == 0)
    g_print ("No finished sessions yet\n");
  else
    print_sessions (sessions, TRUE);

  return 0;
}

/* log, traffic ---------------------------------------------------------------- */

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
print_log_entry (Ctl        *ctl,
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
      print_json (g_variant_new ("(txsss)", serial, time, level, domain, message), FALSE);
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
               Ctl        *ctl)
{
  print_log_entry (ctl, serial, time, level, domain, message);
}

static gboolean
follow_quit_cb (gpointer user_data)
{
  Ctl *ctl = user_data;

  g_main_loop_quit (ctl->loop);
  return G_SOURCE_CONTINUE;
}

static void
name_owner_cb (GDBusProxy *proxy,
               GParamSpec *pspec,
               Ctl        *ctl)
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
follow (Ctl *ctl)
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
static int       opt_log_lines = 0;

static const GOptionEntry log_entries[] = {
  { "follow", 'f', 0, G_OPTION_ARG_NONE, &opt_follow, "Keep printing new messages", NULL },
  { "level", 'l', 0, G_OPTION_ARG_STRING, &opt_level,
    "Only messages at least this severe: error, critical, warning, message, info, debug", "L" },
  { "lines", 'n', 0, G_OPTION_ARG_INT, &opt_log_lines,
    "Show the newest N kept messages first (0: all)", "N" },
  { NULL }
};

static int
cmd_log (Ctl   *ctl,
         int    argc,
         char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) entries = NULL;
  SydDaemon1 *daemon;
  GVariantIter iter;
  guint64 serial;
  gint64 time;
  const char *level, *domain, *message;

  PARSE (log_entries, 0, 0);

  ctl->max_level = log_level_rank ("debug");
  if (opt_level != NULL)
    {
      if (!g_strv_contains ((const char *const *) log_levels, opt_level))
        return usage_error (current_command->name,
                            "unknown level “%s”; use error, critical, warning, message, "
                            "info or debug", opt_level);
      ctl->max_level = log_level_rank (opt_level);
    }
  if (opt_log_lines < 0)
    return usage_error (current_command->name, "--lines must be 0 or more");

  if ((daemon = get_daemon (ctl, &error)) == NULL)
    return report_error (error);

  /* Subscribe before fetching the backlog so that nothing falls in between;
   * print_log_entry drops what the backlog already showed. */
  if (opt_follow)
    g_signal_connect (daemon, "log", G_CALLBACK (log_signal_cb), ctl);

  if (!syd_daemon1_call_get_log_sync (daemon, 0, (guint) opt_log_lines,
                                      call_flags (ctl), -1, &entries, NULL, &error))
    return report_error (error);

  if (ctl->json && !opt_follow)
    {
      print_json (entries, TRUE);
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
print_traffic (Ctl      *ctl,
               GVariant *sample)
{
  g_autofree char *rate_up = syd_format_rate (lookup_uint (sample, "rate-up"));
  g_autofree char *rate_down = syd_format_rate (lookup_uint (sample, "rate-down"));
  g_autofree char *total_up = size_string (sample, "total-up");
  g_autofree char *total_down = size_string (sample, "total-down");
  g_autofree char *time = syd_format_time (lookup_int (sample, "timestamp", 0));

  if (ctl->json)
    {
      print_json (sample, FALSE);
      return;
    }

  g_print ("%s  ↑ %10s  ↓ %10s   total ↑ %s  ↓ %s   %" G_GUINT64_FORMAT " active\n",
           time, rate_up, rate_down, total_up, total_down, lookup_uint (sample, "active"));
  fflush (stdout);
}

static void
traffic_signal_cb (SydDaemon1 *daemon,
                   GVariant   *sample,
                   Ctl        *ctl)
{
  print_traffic (ctl, sample);
}

static const GOptionEntry traffic_entries[] = {
  { "follow", 'f', 0, G_OPTION_ARG_NONE, &opt_follow,
    "Keep printing a sample each second while traffic moves", NULL },
  { NULL }
};

static int
cmd_traffic (Ctl   *ctl,
             int    argc,
             char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) traffic = NULL;
  SydDaemon1 *daemon;

  PARSE (traffic_entries, 0, 0);

  if ((daemon = get_daemon (ctl, &error)) == NULL ||
      !syd_daemon1_call_get_traffic_sync (daemon, call_flags (ctl), -1, &traffic, NULL, &error))
    return report_error (error);

  if (ctl->json && !opt_follow)
    {
      print_json (traffic, TRUE);
      return 0;
    }

  print_traffic (ctl, traffic);
  if (!opt_follow)
    return 0;

  g_signal_connect (daemon, "traffic", G_CALLBACK (traffic_signal_cb), ctl);
  return follow (ctl);
}

/* Command table ------------------------------------------------------------ */

static int cmd_help (Ctl *ctl, int argc, char **argv);

static const Command commands[] = {
  { "status", "", "Show whether the proxy runs, where it listens, and the traffic totals.",
    FALSE, cmd_status },
  { "start", "", "Start the proxy (bind the inbounds).", TRUE, cmd_start },
  { "stop", "", "Stop the proxy and close every session.", FALSE, cmd_stop },
  { "reload", "", "Re-read the configuration directory; on an error nothing changes.",
    TRUE, cmd_reload },
  { "pools", "", "List the pools and their upstreams.", FALSE, cmd_pools_list },
  { "pools list", "", "List the pools and their upstreams.", FALSE, cmd_pools_list },
  { "pools add", "NAME", "Create a pool of upstream proxies.", TRUE, cmd_pools_add },
  { "pools update", "NAME", "Change a pool's settings (--upstream replaces the list).",
    TRUE, cmd_pools_update },
  { "pools remove", "NAME", "Remove a pool.", TRUE, cmd_pools_remove },
  { "upstreams", "[POOL]", "List the upstreams of every pool, or of POOL.",
    FALSE, cmd_upstreams_list },
  { "upstreams list", "[POOL]", "List the upstreams of every pool, or of POOL.",
    FALSE, cmd_upstreams_list },
  { "upstreams add", "POOL URL",
    "Add an upstream proxy, e.g. socks5://user:pass@host:1080 or http://host:3128.",
    TRUE, cmd_upstreams_add },
  { "upstreams remove", "POOL NAME", "Remove an upstream.", TRUE, cmd_upstreams_remove },
  { "upstreams enable", "POOL NAME", "Put an upstream back into rotation.",
    TRUE, cmd_upstreams_enable },
  { "upstreams disable", "POOL NAME", "Take an upstream out of rotation.",
    TRUE, cmd_upstreams_disable },
  { "upstreams move", "POOL NAME POSITION", "Move an upstream to POSITION (0 first).",
    TRUE, cmd_upstreams_move },
  { "upstreams test", "POOL NAME", "Run the pool's health check through one upstream now.",
    TRUE, cmd_upstreams_test },
  { "sessions", "", "List the live sessions.", FALSE, cmd_sessions_list },
  { "sessions list", "", "List the live sessions.", FALSE, cmd_sessions_list },
  { "sessions close", "[ID]", "Close a session by ID, those matching --filter TEXT, or --all.",
    FALSE, cmd_sessions_close },
  { "connections", "", "Show the connection log (finished sessions).", FALSE, cmd_connections },
  { "log", "", "Show the service's log messages.", FALSE, cmd_log },
  { "traffic", "", "Show the traffic rates and totals.", FALSE, cmd_traffic },
  { "help", "", "Show this help.", FALSE, cmd_help },
};

static char *
commands_description (void)
{
  GString *text = g_string_new ("Commands:\n");

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *usage = g_strdup_printf ("%s %s", commands[i].name, commands[i].parameters);

      /* "pools" and "pools list" are the same; show the short form only. */
      if (g_str_has_suffix (commands[i].name, " list"))
        continue;
      g_string_append_printf (text, "  %-38s %s\n", usage, commands[i].summary);
    }
  g_string_append (text, "\nRun “switchyardctl COMMAND --help” for the options of a command.\n"
                   "Errors are reported with their D-Bus name, e.g.\n"
                   "dev.switchyard.Error.NotFound, and exit with status 1.");

  return g_string_free (text, FALSE);
}

static int
cmd_help (Ctl   *ctl,
          int    argc,
          char **argv)
{
  g_autofree char *description = commands_description ();

  g_print ("Usage:\n  switchyardctl [--json] COMMAND [ARGUMENTS…]\n\n%s\n", description);
  return 0;
}

static const Command *
find_command (int    argc,
              char **argv,
              int   *consumed)
{
  if (argc >= 3)
    {
      g_autofree char *two = g_strdup_printf ("%s %s", argv[1], argv[2]);

      for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
        if (g_str_equal (commands[i].name, two))
          {
            *consumed = 2;
            return &commands[i];
          }
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, argv[1]))
      {
        *consumed = 1;
        return &commands[i];
      }

  return NULL;
}

static gboolean
is_group_with_subcommands (const char *word)
{
  g_autofree char *prefix = g_strconcat (word, " ", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_has_prefix (commands[i].name, prefix))
      return TRUE;
  return FALSE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  g_autofree char *command_name = NULL;
  g_autoptr(GPtrArray) command_argv = NULL;
  const Command *command;
  Ctl ctl = { 0 };
  int consumed = 0;
  int command_argc;
  char **command_args;
  int status;

  setlocale (LC_ALL, "");

  description = commands_description ();
  context = g_option_context_new ("COMMAND [ARGUMENTS…]");
  g_option_context_set_summary (context, "Controls switchyardd, the Switchyard proxy service, "
                                "over the session bus.");
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, json_entry, NULL);
  /* Options after the command belong to the command. */
  g_option_context_set_strict_posix (context, TRUE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("switchyardctl: %s\nTry “switchyardctl --help”.\n", error->message);
      return 1;
    }

  if (argc < 2)
    {
      g_printerr ("switchyardctl: missing command\nTry “switchyardctl --help”.\n");
      return 1;
    }

  command = find_command (argc, argv, &consumed);
  if (command == NULL ||
      (consumed == 1 && argc >= 3 && argv[2][0] != '-' && is_group_with_subcommands (argv[1]) &&
       !g_str_equal (command->parameters, "[POOL]")))
    {
      g_printerr ("switchyardctl: unknown command “%s%s%s”\nTry “switchyardctl --help”.\n",
                  argv[1], command != NULL ? " " : "", command != NULL ? argv[2] : "");
      return 1;
    }

  /* The command sees itself as argv[0], then its own arguments. */
  command_argv = g_ptr_array_new ();
  command_name = g_strdup_printf ("switchyardctl %s", command->name);
  g_ptr_array_add (command_argv, command_name);
  for (int i = 1 + consumed; i < argc; i++)
    g_ptr_array_add (command_argv, argv[i]);
  g_ptr_array_add (command_argv, NULL);

  command_argc = command_argv->len - 1;
  command_args = (char **) command_argv->pdata;

  ctl.json = json_output;
  ctl.autostart = command->autostart;
  current_command = command;

  status = command->func (&ctl, command_argc, command_args);

  g_clear_object (&ctl.daemon);
  g_clear_object (&ctl.pools);
  g_clear_object (&ctl.sessions);

  return status;
}
