/* syd-variant.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "syd-variant"

#include <string.h>

#include "syd-variant.h"
#include "util/sy-error.h"

/* Engine → D-Bus ------------------------------------------------------------ */

static inline const char *
str_or_empty (const char *str)
{
  return str != NULL ? str : "";
}

static char *
dup_socket_address (GSocketAddress *address)
{
  if (address == NULL)
    return g_strdup ("");
  return g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (address));
}

#define ADD_STRING(b, key, value) \
  g_variant_builder_add ((b), "{sv}", (key), g_variant_new_string (str_or_empty (value)))
#define ADD(b, key, format, value) \
  g_variant_builder_add ((b), "{sv}", (key), g_variant_new ((format), (value)))

GVariant *
syd_variant_from_session (SySession *session)
{
  GVariantBuilder builder;
  g_autofree char *client = NULL;
  g_autofree char *target = NULL;
  g_autofree char *bound = NULL;

  g_return_val_if_fail (session != NULL, NULL);

  client = sy_session_dup_client (session);
  target = sy_session_dup_target (session);
  bound = dup_socket_address (session->bound_address);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  ADD (&builder, "id", "t", session->id);
  ADD_STRING (&builder, "network", sy_network_to_string (session->network));
  ADD_STRING (&builder, "protocol", session->protocol);
  ADD_STRING (&builder, "inbound", session->inbound);
  ADD_STRING (&builder, "client", client);
  ADD_STRING (&builder, "host", session->host);
  ADD (&builder, "port", "q", session->port);
  ADD_STRING (&builder, "target", target);
  ADD_STRING (&builder, "sniffed", session->sniffed_host);
  ADD_STRING (&builder, "outbound", session->outbound);
  ADD_STRING (&builder, "rule", session->rule);
  ADD_STRING (&builder, "upstream", session->upstream);
  ADD_STRING (&builder, "bound", bound);
  ADD_STRING (&builder, "state", sy_session_state_to_string (session->state));
  ADD_STRING (&builder, "error", session->error);
  ADD (&builder, "created", "x", session->created_at);
  ADD (&builder, "established", "x", session->established_at);
  ADD (&builder, "finished", "x", session->finished_at);
  ADD (&builder, "duration-ms", "x", sy_session_get_duration_ms (session));
  ADD (&builder, "bytes-up", "t", session->bytes_up);
  ADD (&builder, "bytes-down", "t", session->bytes_down);

  return g_variant_builder_end (&builder);
}

GVariant *
syd_variant_from_sessions (GPtrArray *sessions)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; sessions != NULL && i < sessions->len; i++)
    g_variant_builder_add_value (&builder,
                                 syd_variant_from_session (g_ptr_array_index (sessions, i)));

  return g_variant_builder_end (&builder);
}

GVariant *
syd_variant_from_upstream (SyUpstream *upstream)
{
  const SyUpstreamConfig *config;
  GVariantBuilder builder;
  g_autofree char *url = NULL;

  g_return_val_if_fail (SY_IS_UPSTREAM (upstream), NULL);

  config = sy_upstream_get_config (upstream);
  /* Passwords leave the service only as "has-password": any peer on the
   * session bus may call ListPools(). */
  url = sy_upstream_config_to_url (config, FALSE);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  ADD_STRING (&builder, "name", config->name);
  ADD_STRING (&builder, "url", url);
  ADD_STRING (&builder, "kind", sy_upstream_kind_to_string (config->kind));
  ADD_STRING (&builder, "host", config->host);
  ADD (&builder, "port", "q", config->port);
  ADD_STRING (&builder, "username", config->username);
  ADD (&builder, "has-password", "b", config->password != NULL && config->password[0] != '\0');
  ADD (&builder, "weight", "u", config->weight);
  ADD (&builder, "enabled", "b", config->enabled);
  ADD_STRING (&builder, "health", sy_health_state_to_string (sy_upstream_get_health (upstream)));
  ADD (&builder, "latency-ms", "x", sy_upstream_get_latency_ms (upstream));
  ADD (&builder, "active", "u", sy_upstream_get_active (upstream));
  ADD (&builder, "total", "t", sy_upstream_get_total (upstream));
  ADD (&builder, "bytes-up", "t", sy_upstream_get_bytes_up (upstream));
  ADD (&builder, "bytes-down", "t", sy_upstream_get_bytes_down (upstream));
  ADD (&builder, "failures", "u", sy_upstream_get_failures (upstream));
  ADD_STRING (&builder, "last-error", sy_upstream_get_last_error (upstream));
  ADD (&builder, "last-check", "x", sy_upstream_get_last_check (upstream));

  return g_variant_builder_end (&builder);
}

GVariant *
syd_variant_from_pool (SyPool *pool)
{
  const SyPoolConfig *config;
  const SyHealthCheckConfig *health;
  GPtrArray *upstreams;
  GVariantBuilder builder;
  GVariantBuilder list;
  g_autofree char *expected = NULL;

  g_return_val_if_fail (SY_IS_POOL (pool), NULL);

  config = sy_pool_get_config (pool);
  health = &config->health;
  expected = sy_status_ranges_to_string (health->expected_status);

  g_variant_builder_init (&list, G_VARIANT_TYPE ("aa{sv}"));
  upstreams = sy_pool_get_upstreams (pool);
  for (guint i = 0; upstreams != NULL && i < upstreams->len; i++)
    g_variant_builder_add_value (&list,
                                 syd_variant_from_upstream (g_ptr_array_index (upstreams, i)));

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  ADD_STRING (&builder, "name", config->name);
  ADD_STRING (&builder, "strategy", sy_pool_strategy_to_string (config->strategy));
  ADD (&builder, "tolerance-ms", "u", config->tolerance_ms);
  ADD (&builder, "max-attempts", "u", config->max_attempts);
  ADD (&builder, "health-check", "b", health->enabled);
  ADD_STRING (&builder, "health-url", health->url);
  ADD (&builder, "health-interval-s", "u", health->interval_s);
  ADD (&builder, "health-timeout-ms", "u", health->timeout_ms);
  ADD_STRING (&builder, "health-expected-status", expected);
  ADD (&builder, "health-latency-samples", "u", health->latency_samples);
  ADD (&builder, "health-fail-threshold", "u", health->fail_threshold);
  ADD (&builder, "health-fail-window-s", "u", health->fail_window_s);
  ADD (&builder, "health-recover-threshold", "u", health->recover_threshold);
  ADD (&builder, "health-backoff-initial-s", "u", health->backoff_initial_s);
  ADD (&builder, "health-backoff-max-s", "u", health->backoff_max_s);
  g_variant_builder_add (&builder, "{sv}", "upstreams", g_variant_builder_end (&list));

  return g_variant_builder_end (&builder);
}

GVariant *
syd_variant_from_pools (GPtrArray *pools)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; pools != NULL && i < pools->len; i++)
    g_variant_builder_add_value (&builder, syd_variant_from_pool (g_ptr_array_index (pools, i)));

  return g_variant_builder_end (&builder);
}

GVariant *
syd_variant_from_inbound_config (const SyInboundConfig *inbound)
{
  GVariantBuilder builder;

  g_return_val_if_fail (inbound != NULL, NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  ADD_STRING (&builder, "name", inbound->name);
  ADD_STRING (&builder, "listen", inbound->listen_address);
  ADD (&builder, "port", "q", inbound->port);
  ADD_STRING (&builder, "username", inbound->username);
  ADD (&builder, "has-password", "b", inbound->password != NULL && inbound->password[0] != '\0');
  ADD (&builder, "allow-insecure", "b", inbound->allow_insecure);
  ADD_STRING (&builder, "outbound", inbound->outbound);

  return g_variant_builder_end (&builder);
}

GVariant *
syd_variant_from_inbound_configs (GPtrArray *inbounds)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; inbounds != NULL && i < inbounds->len; i++)
    g_variant_builder_add_value (&builder,
                                 syd_variant_from_inbound_config (g_ptr_array_index (inbounds, i)));

  return g_variant_builder_end (&builder);
}

GVariant *
syd_variant_from_traffic_sample (const SyTrafficSample *sample)
{
  GVariantBuilder builder;

  g_return_val_if_fail (sample != NULL, NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  ADD (&builder, "timestamp", "x", sample->timestamp);
  ADD (&builder, "rate-up", "t", sample->rate_up);
  ADD (&builder, "rate-down", "t", sample->rate_down);
  ADD (&builder, "total-up", "t", sample->total_up);
  ADD (&builder, "total-down", "t", sample->total_down);
  ADD (&builder, "active", "u", sample->active);

  return g_variant_builder_end (&builder);
}

GVariant *
syd_variant_from_log_entries (GPtrArray *entries)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(txsss)"));
  for (guint i = 0; entries != NULL && i < entries->len; i++)
    {
      const SyLogEntry *entry = g_ptr_array_index (entries, i);

      g_variant_builder_add (&builder, "(txsss)",
                             entry->serial,
                             entry->timestamp,
                             sy_log_level_to_string (entry->level),
                             str_or_empty (entry->domain),
                             str_or_empty (entry->message));
    }

  return g_variant_builder_end (&builder);
}

/* D-Bus → engine ------------------------------------------------------------ */

static gboolean
invalid (GError     **error,
         const char  *format,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError     **error,
         const char  *format,
         ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (error == NULL)
    return FALSE;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error_literal (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT, message);

  return FALSE;
}

static gboolean
get_string (const char  *key,
            GVariant    *value,
            const char **out,
            GError     **error)
{
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return invalid (error, "“%s” must be a string (D-Bus type s), not of type %s",
                    key, g_variant_get_type_string (value));

  *out = g_variant_get_string (value, NULL);
  return TRUE;
}

static gboolean
get_boolean (const char  *key,
             GVariant    *value,
             gboolean    *out,
             GError     **error)
{
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    return invalid (error, "“%s” must be a boolean (D-Bus type b), not of type %s",
                    key, g_variant_get_type_string (value));

  *out = g_variant_get_boolean (value);
  return TRUE;
}

/* `gdbus call` sends a literal 8 as int32 and `busctl` as whatever the
 * caller spelled, so any integer type is accepted and range-checked. */
static gboolean
get_integer (const char  *key,
             GVariant    *value,
             gint64       min,
             gint64       max,
             gint64      *out,
             GError     **error)
{
  gint64 v;

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTE))
    v = g_variant_get_byte (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT16))
    v = g_variant_get_int16 (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT16))
    v = g_variant_get_uint16 (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
    v = g_variant_get_int32 (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    v = g_variant_get_uint32 (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    v = g_variant_get_int64 (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64))
    {
      guint64 u = g_variant_get_uint64 (value);

      if (u > G_MAXINT64)
        return invalid (error, "“%s” must be between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT
                        ", not %" G_GUINT64_FORMAT, key, min, max, u);
      v = (gint64) u;
    }
  else
    return invalid (error, "“%s” must be an integer, not of type %s",
                    key, g_variant_get_type_string (value));

  if (v < min || v > max)
    return invalid (error, "“%s” must be between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT
                    ", not %" G_GINT64_FORMAT, key, min, max, v);

  *out = v;
  return TRUE;
}

static gboolean
get_uint (const char  *key,
          GVariant    *value,
          guint        min,
          guint        max,
          guint       *out,
          GError     **error)
{
  gint64 v;

  if (!get_integer (key, value, min, max, &v, error))
    return FALSE;

  *out = (guint) v;
  return TRUE;
}

static void
replace_string (char       **field,
                const char  *value)
{
  g_free (*field);
  *field = (value != NULL && value[0] != '\0') ? g_strdup (value) : NULL;
}

static void
replace_secret (char       **field,
                const char  *value)
{
  if (*field != NULL)
    explicit_bzero (*field, strlen (*field));
  replace_string (field, value);
}

static gboolean
unknown_key (const char  *key,
             const char  *what,
             const char  *known,
             GError     **error)
{
  return invalid (error, "Unknown key “%s” in %s; the known keys are: %s", key, what, known);
}

static gboolean
check_name (const char  *what,
            const char  *name,
            GError     **error)
{
  if (!sy_is_valid_name (name))
    return invalid (error, "“%s” is not a valid %s name: use letters, digits, “-”, “_” and “.”",
                    name, what);
  return TRUE;
}

#define INBOUND_KEYS "name, listen, port, username, password, allow-insecure, outbound"

gboolean
syd_variant_apply_inbound (GVariant         *dict,
                           SyInboundConfig  *config,
                           GError          **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_return_val_if_fail (g_variant_is_of_type (dict, G_VARIANT_TYPE_VARDICT), FALSE);
  g_return_val_if_fail (config != NULL, FALSE);

  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) owned G_GNUC_UNUSED = value;
      const char *s = NULL;
      gboolean b = FALSE;
      guint u = 0;

      if (g_str_equal (key, "name"))
        {
          if (!get_string (key, value, &s, error) || !check_name ("inbound", s, error))
            return FALSE;
          replace_string (&config->name, s);
        }
      else if (g_str_equal (key, "listen"))
        {
          g_autoptr(GInetAddress) address = NULL;

          if (!get_string (key, value, &s, error))
            return FALSE;
          if ((address = g_inet_address_new_from_string (s)) == NULL)
            return invalid (error, "“listen” must be an IP address such as 127.0.0.1 or ::1, "
                            "not “%s”", s);
          replace_string (&config->listen_address, s);
        }
      else if (g_str_equal (key, "port"))
        {
          /* Not 0: the change is saved, and a file saying Port=0 would tell
           * clients nothing about where to connect. */
          if (!get_uint (key, value, 1, G_MAXUINT16, &u, error))
            return FALSE;
          config->port = (guint16) u;
        }
      else if (g_str_equal (key, "username"))
        {
          if (!get_string (key, value, &s, error))
            return FALSE;
          replace_string (&config->username, s);
        }
      else if (g_str_equal (key, "password"))
        {
          if (!get_string (key, value, &s, error))
            return FALSE;
          replace_secret (&config->password, s);
        }
      else if (g_str_equal (key, "allow-insecure"))
        {
          if (!get_boolean (key, value, &b, error))
            return FALSE;
          config->allow_insecure = b;
        }
      else if (g_str_equal (key, "outbound"))
        {
          if (!get_string (key, value, &s, error))
            return FALSE;
          if (s[0] == '\0')
            return invalid (error, "“outbound” must be “direct”, “reject” or the name of a pool");
          replace_string (&config->outbound, s);
        }
      else
        return unknown_key (key, "an inbound", INBOUND_KEYS, error);
    }

  if (config->username != NULL && config->password == NULL)
    return invalid (error, "Inbound “%s” has a username but no password; set “password” too, "
                    "or set “username” to \"\" to turn authentication off",
                    str_or_empty (config->name));

  return TRUE;
}

#define UPSTREAM_KEYS "url, name, kind, host, port, username, password, weight, enabled"

gboolean
syd_variant_apply_upstream (GVariant          *dict,
                            SyUpstreamConfig  *config,
                            GError           **error)
{
  g_autoptr(GVariant) url_value = NULL;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_return_val_if_fail (g_variant_is_of_type (dict, G_VARIANT_TYPE_VARDICT), FALSE);
  g_return_val_if_fail (config != NULL, FALSE);

  /* The URL comes first whatever the order of the keys, so that explicit
   * fields next to it override what it says. */
  if ((url_value = g_variant_lookup_value (dict, "url", NULL)) != NULL)
    {
      g_autoptr(SyUpstreamConfig) parsed = NULL;
      const char *url = NULL;

      if (!get_string ("url", url_value, &url, error))
        return FALSE;
      if ((parsed = sy_upstream_config_new_from_url (url, error)) == NULL)
        return FALSE;

      config->kind = parsed->kind;
      replace_string (&config->host, parsed->host);
      config->port = parsed->port;
      replace_string (&config->profile, parsed->profile);
      replace_string (&config->username, parsed->username);
      replace_secret (&config->password, parsed->password);
      if (config->name == NULL && parsed->name != NULL)
        config->name = g_strdup (parsed->name);
    }

  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) owned G_GNUC_UNUSED = value;
      const char *s = NULL;
      gboolean b = FALSE;
      guint u = 0;

      if (g_str_equal (key, "url"))
        continue;
      else if (g_str_equal (key, "name"))
        {
          if (!get_string (key, value, &s, error) || !check_name ("upstream", s, error))
            return FALSE;
          replace_string (&config->name, s);
        }
      else if (g_str_equal (key, "kind"))
        {
          SyUpstreamKind kind;

          if (!get_string (key, value, &s, error))
            return FALSE;
          if (!sy_upstream_kind_from_string (s, &kind))
            return invalid (error, "“kind” must be “socks5” or “http”, not “%s”", s);
          config->kind = kind;
        }
      else if (g_str_equal (key, "host"))
        {
          if (!get_string (key, value, &s, error))
            return FALSE;
          if (s[0] == '\0' || strpbrk (s, " /@[]") != NULL)
            return invalid (error, "“host” must be a host name or an IP address, not “%s”", s);
          replace_string (&config->host, s);
        }
      else if (g_str_equal (key, "port"))
        {
          if (!get_uint (key, value, 1, G_MAXUINT16, &u, error))
            return FALSE;
          config->port = (guint16) u;
        }
      else if (g_str_equal (key, "username"))
        {
          if (!get_string (key, value, &s, error))
            return FALSE;
          replace_string (&config->username, s);
        }
      else if (g_str_equal (key, "password"))
        {
          if (!get_string (key, value, &s, error))
            return FALSE;
          replace_secret (&config->password, s);
        }
      else if (g_str_equal (key, "weight"))
        {
          if (!get_uint (key, value, 1, 10000, &u, error))
            return FALSE;
          config->weight = u;
        }
      else if (g_str_equal (key, "enabled"))
        {
          if (!get_boolean (key, value, &b, error))
            return FALSE;
          config->enabled = b;
        }
      else
        return unknown_key (key, "an upstream", UPSTREAM_KEYS, error);
    }

  /* A WireGuard member ("url" wireguard:PROFILE) reaches no host itself. */
  if (config->kind != SY_UPSTREAM_KIND_WIREGUARD && (config->host == NULL || config->port == 0))
    return invalid (error, "An upstream needs a “url” such as socks5://127.0.0.1:1080, "
                    "or “host” and “port”");

  return TRUE;
}

/* "127.0.0.1-1080" from 127.0.0.1:1080: readable, and valid as a name. */
static char *
derive_upstream_name (const SyUpstreamConfig *config,
                      const SyPoolConfig     *pool)
{
  g_autofree char *base = NULL;
  GString *name;

  if (config->kind == SY_UPSTREAM_KIND_WIREGUARD)
    base = g_strdup (str_or_empty (config->profile));
  else
    base = g_strdup_printf ("%s-%u", str_or_empty (config->host), config->port);
  for (char *p = base; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      *p = '-';
  if (!sy_is_valid_name (base))
    {
      g_free (base);
      base = g_strdup ("upstream");
    }

  name = g_string_new (base);
  for (guint n = 2;
       pool != NULL && sy_pool_config_find_upstream (pool, name->str, NULL) != NULL;
       n++)
    g_string_printf (name, "%s-%u", base, n);

  return g_string_free (name, FALSE);
}

static gboolean
has_key (GVariant   *dict,
         const char *key)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (dict, key, NULL);

  return value != NULL;
}

SyUpstreamConfig *
syd_variant_to_upstream_config (GVariant            *dict,
                                const SyPoolConfig  *pool,
                                GError             **error)
{
  g_autoptr(SyUpstreamConfig) config = NULL;

  g_return_val_if_fail (g_variant_is_of_type (dict, G_VARIANT_TYPE_VARDICT), NULL);

  if (!has_key (dict, "url") && !has_key (dict, "host"))
    {
      invalid (error, "An upstream needs a “url” such as socks5://user:password@127.0.0.1:1080, "
               "or “kind”, “host” and “port”");
      return NULL;
    }

  config = sy_upstream_config_new ();
  if (!syd_variant_apply_upstream (dict, config, error))
    return NULL;

  if (config->name == NULL)
    config->name = derive_upstream_name (config, pool);

  if (!sy_upstream_config_validate (config, error))
    return NULL;

  return g_steal_pointer (&config);
}

static gboolean
check_health_url (const char  *url,
                  GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL ||
      (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0) ||
      g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    return invalid (error, "“health-url” must be an http:// or https:// URL such as "
                    "http://www.gstatic.com/generate_204, not “%s”", url);

  return TRUE;
}

static gboolean
apply_upstream_list (GVariant      *value,
                     SyPoolConfig  *config,
                     GError       **error)
{
  g_autoptr(SyPoolConfig) scratch = NULL;
  GVariantIter iter;
  GVariant *child;
  guint index = 0;

  /* The new list is built on a scratch pool so that default names stay
   * unique among the upstreams being added, not the ones they replace. */
  scratch = sy_pool_config_new (config->name);
  g_ptr_array_set_size (scratch->upstreams, 0);

  if (!g_variant_is_of_type (value, G_VARIANT_TYPE ("aa{sv}")) &&
      !g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY))
    return invalid (error, "“upstreams” must be a list of upstream dictionaries (aa{sv}) "
                    "or of proxy URLs (as), not of type %s", g_variant_get_type_string (value));

  g_variant_iter_init (&iter, value);
  while ((child = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned G_GNUC_UNUSED = child;
      g_autoptr(GVariant) dict = NULL;
      g_autoptr(GError) local_error = NULL;
      SyUpstreamConfig *upstream;

      if (g_variant_is_of_type (child, G_VARIANT_TYPE_STRING))
        {
          GVariantDict d;

          g_variant_dict_init (&d, NULL);
          g_variant_dict_insert_value (&d, "url", child);
          dict = g_variant_ref_sink (g_variant_dict_end (&d));
        }
      else
        dict = g_variant_ref (child);

      upstream = syd_variant_to_upstream_config (dict, scratch, &local_error);
      if (upstream == NULL)
        return invalid (error, "upstreams[%u]: %s", index, local_error->message);

      if (sy_pool_config_find_upstream (scratch, upstream->name, NULL) != NULL)
        {
          invalid (error, "upstreams[%u]: the name “%s” is used twice; "
                   "give each upstream its own “name”", index, upstream->name);
          sy_upstream_config_free (upstream);
          return FALSE;
        }

      g_ptr_array_add (scratch->upstreams, upstream);
      index++;
    }

  g_ptr_array_set_size (config->upstreams, 0);
  for (guint i = 0; i < scratch->upstreams->len; i++)
    g_ptr_array_add (config->upstreams,
                     sy_upstream_config_copy (g_ptr_array_index (scratch->upstreams, i)));

  return TRUE;
}

#define POOL_KEYS "strategy, tolerance-ms, max-attempts, health-check, health-url, " \
                  "health-interval-s, health-timeout-ms, health-expected-status, " \
                  "health-latency-samples, health-fail-threshold, health-fail-window-s, " \
                  "health-recover-threshold, health-backoff-initial-s, health-backoff-max-s, " \
                  "upstreams"

#define POOL_UINT(key, field, min, max) { key, G_STRUCT_OFFSET (SyPoolConfig, field), min, max }

gboolean
syd_variant_apply_pool (GVariant      *dict,
                        SyPoolConfig  *config,
                        GError       **error)
{
  static const struct
  {
    const char *key;
    gsize       offset;
    guint       min;
    guint       max;
  } uint_keys[] = {
    POOL_UINT ("tolerance-ms",             tolerance_ms,               0,    10000),
    POOL_UINT ("max-attempts",             max_attempts,               1,    32),
    POOL_UINT ("health-interval-s",        health.interval_s,          1,    86400),
    POOL_UINT ("health-timeout-ms",        health.timeout_ms,          100,  120000),
    POOL_UINT ("health-latency-samples",   health.latency_samples,     1,    100),
    POOL_UINT ("health-fail-threshold",    health.fail_threshold,      1,    100),
    POOL_UINT ("health-fail-window-s",     health.fail_window_s,       1,    86400),
    POOL_UINT ("health-recover-threshold", health.recover_threshold,   1,    100),
    POOL_UINT ("health-backoff-initial-s", health.backoff_initial_s,   1,    86400),
    POOL_UINT ("health-backoff-max-s",     health.backoff_max_s,       1,    86400),
  };
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_return_val_if_fail (g_variant_is_of_type (dict, G_VARIANT_TYPE_VARDICT), FALSE);
  g_return_val_if_fail (config != NULL, FALSE);

  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) owned G_GNUC_UNUSED = value;
      gboolean handled = FALSE;
      const char *s = NULL;
      gboolean b = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (uint_keys); i++)
        if (g_str_equal (key, uint_keys[i].key))
          {
            guint *field = G_STRUCT_MEMBER_P (config, uint_keys[i].offset);

            if (!get_uint (key, value, uint_keys[i].min, uint_keys[i].max, field, error))
              return FALSE;
            handled = TRUE;
            break;
          }
      if (handled)
        continue;

      if (g_str_equal (key, "strategy"))
        {
          SyPoolStrategy strategy;

          if (!get_string (key, value, &s, error))
            return FALSE;
          if (!sy_pool_strategy_from_string (s, &strategy))
            return invalid (error, "“strategy” must be one of round-robin, weighted-random, "
                            "failover, least-connections, lowest-latency; not “%s”", s);
          config->strategy = strategy;
        }
      else if (g_str_equal (key, "health-check"))
        {
          if (!get_boolean (key, value, &b, error))
            return FALSE;
          config->health.enabled = b;
        }
      else if (g_str_equal (key, "health-url"))
        {
          if (!get_string (key, value, &s, error) || !check_health_url (s, error))
            return FALSE;
          replace_string (&config->health.url, s);
        }
      else if (g_str_equal (key, "health-expected-status"))
        {
          g_autoptr(GError) local_error = NULL;
          GArray *ranges = NULL;

          if (!get_string (key, value, &s, error))
            return FALSE;
          if (!sy_status_ranges_parse (s, &ranges, &local_error))
            return invalid (error, "“health-expected-status”: %s", local_error->message);
          g_clear_pointer (&config->health.expected_status, g_array_unref);
          config->health.expected_status = ranges;
        }
      else if (g_str_equal (key, "upstreams"))
        {
          if (!apply_upstream_list (value, config, error))
            return FALSE;
        }
      else if (g_str_equal (key, "name"))
        return invalid (error, "A pool cannot be renamed; add a new pool and remove this one");
      else
        return unknown_key (key, "a pool", POOL_KEYS, error);
    }

  if (config->health.backoff_initial_s > config->health.backoff_max_s)
    return invalid (error, "“health-backoff-initial-s” (%u) must not exceed "
                    "“health-backoff-max-s” (%u)",
                    config->health.backoff_initial_s, config->health.backoff_max_s);

  return TRUE;
}
