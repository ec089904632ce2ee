/* syd-ctl-pools.c — switchyardctl pools and upstreams
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "switchyardctl"

#include "syd-ctl.h"
#include "syd-ctl-format.h"

/* TestUpstream() replies when the health check finishes, which a pool may
 * allow up to two minutes (health-timeout-ms); other calls answer at once. */
#define SLOW_CALL_TIMEOUT_MS (3 * 60 * 1000)

/* Listing ------------------------------------------------------------------ */

static void
print_pool (GVariant *pool)
{
  g_autoptr(GVariant) upstreams = NULL;
  g_autoptr(SydTable) table = NULL;
  const char *name, *strategy, *url;
  GVariantIter iter;
  GVariant *upstream;
  guint index = 0;

  syd_ctl_lookup_string (pool, "name", &name);
  syd_ctl_lookup_string (pool, "strategy", &strategy);
  syd_ctl_lookup_string (pool, "health-url", &url);
  upstreams = g_variant_lookup_value (pool, "upstreams", G_VARIANT_TYPE ("aa{sv}"));

  g_print ("Pool %s — %s, ", name, strategy);
  if (syd_ctl_lookup_bool (pool, "health-check", TRUE))
    g_print ("health check %s every %" G_GUINT64_FORMAT " s\n", url,
             syd_ctl_lookup_uint (pool, "health-interval-s"));
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
      g_autofree char *weight = syd_ctl_lookup_uint_text (upstream, "weight");
      g_autofree char *active = syd_ctl_lookup_uint_text (upstream, "active");
      g_autofree char *total = syd_ctl_lookup_uint_text (upstream, "total");
      g_autofree char *up = syd_ctl_lookup_size_text (upstream, "bytes-up");
      g_autofree char *down = syd_ctl_lookup_size_text (upstream, "bytes-down");
      g_autofree char *latency = NULL;
      const char *upstream_name, *upstream_url, *health, *last_error;
      gint64 latency_ms = syd_ctl_lookup_int (upstream, "latency-ms", -1);

      syd_ctl_lookup_string (upstream, "name", &upstream_name);
      syd_ctl_lookup_string (upstream, "url", &upstream_url);
      syd_ctl_lookup_string (upstream, "health", &health);
      syd_ctl_lookup_string (upstream, "last-error", &last_error);
      latency = latency_ms >= 0 ? g_strdup_printf ("%" G_GINT64_FORMAT " ms", latency_ms)
                                : g_strdup ("–");

      syd_table_add_row (table, position, upstream_name, upstream_url, weight, health, latency,
                         active, total, up, down, last_error, NULL);
    }

  syd_table_print (table, 2);
}

/* Every pool, or with @only the upstreams of that one. */
static int
list_pools (SydCtl     *ctl,
            const char *only)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) pools = NULL;
  SydPools1 *proxy;
  gboolean found = FALSE;
  GVariantIter iter;
  GVariant *pool;

  if ((proxy = syd_ctl_get_pools (ctl, &error)) == NULL ||
      !syd_pools1_call_list_pools_sync (proxy, syd_ctl_call_flags (ctl), -1, &pools, NULL,
                                        &error))
    return syd_ctl_report_error (error);

  if (ctl->json && only == NULL)
    {
      syd_ctl_print_json (pools, TRUE);
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

      syd_ctl_lookup_string (pool, "name", &name);
      if (only != NULL && !g_str_equal (only, name))
        continue;

      if (ctl->json)
        {
          g_autoptr(GVariant) upstreams = g_variant_lookup_value (pool, "upstreams", NULL);

          syd_ctl_print_json (upstreams, TRUE);
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

int
syd_ctl_cmd_pools_list (SydCtl  *ctl,
                        int      argc,
                        char   **argv)
{
  if (!syd_ctl_parse_options (ctl, NULL, &argc, &argv, 0, 0))
    return 1;

  return list_pools (ctl, NULL);
}

int
syd_ctl_cmd_upstreams_list (SydCtl  *ctl,
                            int      argc,
                            char   **argv)
{
  if (!syd_ctl_parse_options (ctl, NULL, &argc, &argv, 0, 1))
    return 1;

  return list_pools (ctl, argc > 1 ? argv[1] : NULL);
}

/* pools add, update, remove ------------------------------------------------ */

static char      *opt_strategy;
static char      *opt_health_url;
static int        opt_health_interval = G_MININT;
static int        opt_health_timeout = G_MININT;
static int        opt_tolerance = G_MININT;
static gboolean   opt_no_health_check;
static char     **opt_upstream_urls;

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

/* Only what the options set, so that "pools update" leaves the rest. */
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

int
syd_ctl_cmd_pools_add (SydCtl  *ctl,
                       int      argc,
                       char   **argv)
{
  g_autoptr(GError) error = NULL;
  SydPools1 *proxy;

  if (!syd_ctl_parse_options (ctl, pool_entries, &argc, &argv, 1, 1))
    return 1;

  if ((proxy = syd_ctl_get_pools (ctl, &error)) == NULL ||
      !syd_pools1_call_add_pool_sync (proxy, argv[1], pool_options (),
                                      syd_ctl_call_flags (ctl), -1, NULL, &error))
    return syd_ctl_report_error (error);

  return syd_ctl_confirm (ctl, "Added pool %s\n", argv[1]);
}

int
syd_ctl_cmd_pools_update (SydCtl  *ctl,
                          int      argc,
                          char   **argv)
{
  g_autoptr(GError) error = NULL;
  SydPools1 *proxy;

  if (!syd_ctl_parse_options (ctl, pool_entries, &argc, &argv, 1, 1))
    return 1;

  if ((proxy = syd_ctl_get_pools (ctl, &error)) == NULL ||
      !syd_pools1_call_update_pool_sync (proxy, argv[1], pool_options (),
                                         syd_ctl_call_flags (ctl), -1, NULL, &error))
    return syd_ctl_report_error (error);

  return syd_ctl_confirm (ctl, "Updated pool %s\n", argv[1]);
}

int
syd_ctl_cmd_pools_remove (SydCtl  *ctl,
                          int      argc,
                          char   **argv)
{
  g_autoptr(GError) error = NULL;
  SydPools1 *proxy;

  if (!syd_ctl_parse_options (ctl, NULL, &argc, &argv, 1, 1))
    return 1;

  if ((proxy = syd_ctl_get_pools (ctl, &error)) == NULL ||
      !syd_pools1_call_remove_pool_sync (proxy, argv[1], syd_ctl_call_flags (ctl), -1, NULL,
                                         &error))
    return syd_ctl_report_error (error);

  return syd_ctl_confirm (ctl, "Removed pool %s\n", argv[1]);
}

/* upstreams add, remove, enable, disable, move, test ----------------------- */

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
find_upstream_name_at (SydCtl     *ctl,
                       const char *pool_name,
                       int         position)
{
  g_autoptr(GVariant) pools = NULL;
  GVariantIter iter;
  GVariant *pool;

  if (!syd_pools1_call_list_pools_sync (ctl->pools, syd_ctl_call_flags (ctl), -1, &pools, NULL,
                                        NULL))
    return NULL;

  g_variant_iter_init (&iter, pools);
  while ((pool = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned G_GNUC_UNUSED = pool;
      g_autoptr(GVariant) upstreams = NULL;
      g_autoptr(GVariant) upstream = NULL;
      const char *name;
      gsize n;

      syd_ctl_lookup_string (pool, "name", &name);
      if (!g_str_equal (name, pool_name))
        continue;

      upstreams = g_variant_lookup_value (pool, "upstreams", G_VARIANT_TYPE ("aa{sv}"));
      n = upstreams != NULL ? g_variant_n_children (upstreams) : 0;
      if (n == 0)
        return NULL;

      upstream = g_variant_get_child_value (upstreams, position >= 0 && (gsize) position < n
                                                       ? (gsize) position : n - 1);
      syd_ctl_lookup_string (upstream, "name", &name);
      return g_strdup (name);
    }

  return NULL;
}

int
syd_ctl_cmd_upstreams_add (SydCtl  *ctl,
                           int      argc,
                           char   **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *added = NULL;
  GVariantDict dict;
  SydPools1 *proxy;

  if (!syd_ctl_parse_options (ctl, upstream_add_entries, &argc, &argv, 2, 2))
    return 1;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "url", "s", argv[2]);
  if (opt_name != NULL)
    g_variant_dict_insert (&dict, "name", "s", opt_name);
  if (opt_weight != G_MININT)
    g_variant_dict_insert (&dict, "weight", "i", opt_weight);
  if (opt_disabled)
    g_variant_dict_insert (&dict, "enabled", "b", FALSE);

  if ((proxy = syd_ctl_get_pools (ctl, &error)) == NULL ||
      !syd_pools1_call_add_upstream_sync (proxy, argv[1], g_variant_dict_end (&dict), opt_position,
                                          syd_ctl_call_flags (ctl), -1, NULL, &error))
    return syd_ctl_report_error (error);

  added = opt_name != NULL ? g_strdup (opt_name)
                           : find_upstream_name_at (ctl, argv[1], opt_position);
  if (ctl->json)
    syd_ctl_print_json (g_variant_new_parsed ("{'pool': <%s>, 'name': <%s>}",
                                              argv[1], added != NULL ? added : ""),
                        TRUE);
  else
    g_print ("Added upstream %s to pool %s\n", added != NULL ? added : argv[2], argv[1]);

  return 0;
}

int
syd_ctl_cmd_upstreams_remove (SydCtl  *ctl,
                              int      argc,
                              char   **argv)
{
  g_autoptr(GError) error = NULL;
  SydPools1 *proxy;

  if (!syd_ctl_parse_options (ctl, NULL, &argc, &argv, 2, 2))
    return 1;

  if ((proxy = syd_ctl_get_pools (ctl, &error)) == NULL ||
      !syd_pools1_call_remove_upstream_sync (proxy, argv[1], argv[2],
                                             syd_ctl_call_flags (ctl), -1, NULL, &error))
    return syd_ctl_report_error (error);

  return syd_ctl_confirm (ctl, "Removed upstream %s from pool %s\n", argv[2], argv[1]);
}

static int
set_upstream_enabled (SydCtl    *ctl,
                      int        argc,
                      char     **argv,
                      gboolean   enabled)
{
  g_autoptr(GError) error = NULL;
  SydPools1 *proxy;

  if (!syd_ctl_parse_options (ctl, NULL, &argc, &argv, 2, 2))
    return 1;

  if ((proxy = syd_ctl_get_pools (ctl, &error)) == NULL ||
      !syd_pools1_call_set_upstream_enabled_sync (proxy, argv[1], argv[2], enabled,
                                                  syd_ctl_call_flags (ctl), -1, NULL, &error))
    return syd_ctl_report_error (error);

  return syd_ctl_confirm (ctl, "%s upstream %s of pool %s\n",
                          enabled ? "Enabled" : "Disabled", argv[2], argv[1]);
}

int
syd_ctl_cmd_upstreams_enable (SydCtl  *ctl,
                              int      argc,
                              char   **argv)
{
  return set_upstream_enabled (ctl, argc, argv, TRUE);
}

int
syd_ctl_cmd_upstreams_disable (SydCtl  *ctl,
                               int      argc,
                               char   **argv)
{
  return set_upstream_enabled (ctl, argc, argv, FALSE);
}

int
syd_ctl_cmd_upstreams_move (SydCtl  *ctl,
                            int      argc,
                            char   **argv)
{
  g_autoptr(GError) error = NULL;
  guint64 position;
  SydPools1 *proxy;

  if (!syd_ctl_parse_options (ctl, NULL, &argc, &argv, 3, 3))
    return 1;

  if (!g_ascii_string_to_unsigned (argv[3], 10, 0, G_MAXUINT32, &position, NULL))
    return syd_ctl_usage_error (ctl, "POSITION must be a number, 0 for the first place, "
                                "not “%s”", argv[3]);

  if ((proxy = syd_ctl_get_pools (ctl, &error)) == NULL ||
      !syd_pools1_call_move_upstream_sync (proxy, argv[1], argv[2], (guint) position,
                                           syd_ctl_call_flags (ctl), -1, NULL, &error))
    return syd_ctl_report_error (error);

  return syd_ctl_confirm (ctl, "Moved upstream %s of pool %s to position %u\n",
                          argv[2], argv[1], (guint) position);
}

int
syd_ctl_cmd_upstreams_test (SydCtl  *ctl,
                            int      argc,
                            char   **argv)
{
  g_autoptr(GError) error = NULL;
  gint64 latency = -1;
  SydPools1 *proxy;

  if (!syd_ctl_parse_options (ctl, NULL, &argc, &argv, 2, 2))
    return 1;

  if ((proxy = syd_ctl_get_pools (ctl, &error)) == NULL ||
      !syd_pools1_call_test_upstream_sync (proxy, argv[1], argv[2],
                                           syd_ctl_call_flags (ctl), SLOW_CALL_TIMEOUT_MS,
                                           &latency, NULL, &error))
    return syd_ctl_report_error (error);

  if (ctl->json)
    syd_ctl_print_json (g_variant_new_parsed ("{'latency-ms': <%x>}", latency), TRUE);
  else
    g_print ("%s: OK, %" G_GINT64_FORMAT " ms\n", argv[2], latency);

  return 0;
}
