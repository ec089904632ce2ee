/* sy-config.c — the configuration model: defaults, validation, copies
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-config"

#include <stdarg.h>
#include <string.h>

#include "config/sy-config-private.h"
#include "util/sy-error.h"

/* RFC 1929 §2: user name and password are each 1–255 octets. HTTP Basic
 * has no limit, but one upstream must be able to move between kinds. */
#define CREDENTIAL_MAX 255

/* Linux IFNAMSIZ is 16 including the terminating NUL. */
#define INTERFACE_NAME_MAX 15

#define NAME_MAX_LENGTH 64

#define NAME_RULE "use 1–64 letters, digits, '.', '_' or '-', not starting with '.'"

/* ---------------------------------------------------------------------- */
/* error reporting                                                         */

void
sy_config_report (GError              **error,
                  const SyConfigWhere  *where,
                  const char           *group,
                  const char           *key,
                  const char           *format,
                  ...)
{
  g_autoptr(GString) message = g_string_new (NULL);
  g_autofree char *text = NULL;
  va_list args;

  if (where->filename != NULL)
    {
      guint line = sy_key_file_find_line (where->key_file, group, key);

      if (line > 0)
        g_string_append_printf (message, "%s:%u: ", where->filename, line);
      else
        g_string_append_printf (message, "%s: ", where->filename);
    }
  else if (where->prefix != NULL)
    {
      g_string_append (message, where->prefix);
    }

  if (group != NULL && key != NULL)
    g_string_append_printf (message, "[%s] %s: ", group, key);
  else if (group != NULL)
    g_string_append_printf (message, "[%s]: ", group);
  else if (key != NULL)
    g_string_append_printf (message, "%s: ", key);

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_string_append (message, text);

  g_set_error_literal (error, SY_ERROR, where->code, message->str);
}

/* ---------------------------------------------------------------------- */
/* value checks                                                            */

static gboolean
is_empty (const char *s)
{
  return s == NULL || *s == '\0';
}

gboolean
sy_config_str_equal (const char *a,
                     const char *b)
{
  if (is_empty (a) || is_empty (b))
    return is_empty (a) == is_empty (b);

  return strcmp (a, b) == 0;
}

static gboolean
has_control_chars (const char *s)
{
  for (const guchar *p = (const guchar *) s; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      return TRUE;

  return FALSE;
}

static gboolean
check_ip_address (const char  *value,
                  char       **problem)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (value);

  if (address == NULL)
    {
      *problem = g_strdup_printf ("'%s' is not an IP address; write one such as "
                                  "127.0.0.1, ::1 or 0.0.0.0 (all IPv4 addresses)", value);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_interface (const char  *value,
                 char       **problem)
{
  gboolean ok = strlen (value) <= INTERFACE_NAME_MAX &&
                !g_str_equal (value, ".") && !g_str_equal (value, "..");

  /* The rules of the kernel's dev_valid_name(). */
  for (const guchar *p = (const guchar *) value; ok && *p; p++)
    if (*p == '/' || *p == ':' || *p <= ' ' || *p == 0x7f)
      ok = FALSE;

  if (!ok)
    {
      *problem = g_strdup_printf ("'%s' is not a network interface name; write one such as "
                                  "eth0 or wlan0 (at most %u characters, no '/', ':' or spaces)",
                                  value, INTERFACE_NAME_MAX);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_health_url (const char  *value,
                  char       **problem)
{
  g_autoptr(GUri) uri = g_uri_parse (value, G_URI_FLAGS_NONE, NULL);
  const char *scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;

  if (uri == NULL ||
      (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0) ||
      is_empty (g_uri_get_host (uri)))
    {
      *problem = g_strdup_printf ("'%s' is not an http:// or https:// URL; write one such as "
                                  SY_HEALTH_CHECK_DEFAULT_URL, value);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_outbound (const char  *value,
                char       **problem)
{
  const char *profile = sy_outbound_name_get_wireguard (value);

  if (g_str_equal (value, SY_OUTBOUND_DIRECT) ||
      g_str_equal (value, SY_OUTBOUND_REJECT) ||
      sy_is_valid_name (value) ||
      (profile != NULL && sy_is_valid_name (profile)))
    return TRUE;

  *problem = g_strdup_printf ("'%s' is not direct, reject or a pool name, nor "
                              SY_OUTBOUND_WIREGUARD_PREFIX "PROFILE", value);
  return FALSE;
}

static gboolean
check_credential (const char  *value,
                  gboolean     secret,
                  gboolean     allow_colon,
                  char       **problem)
{
  const char *what = secret ? "the password" : "the user name";

  if (!g_utf8_validate (value, -1, NULL))
    {
      *problem = g_strdup_printf ("%s is not valid UTF-8; use UTF-8 text", what);
      return FALSE;
    }

  if (strlen (value) > CREDENTIAL_MAX)
    {
      *problem = g_strdup_printf ("%s is %zu bytes long; SOCKS5 allows at most %u (RFC 1929)",
                                  what, strlen (value), CREDENTIAL_MAX);
      return FALSE;
    }

  if (has_control_chars (value))
    {
      *problem = g_strdup_printf ("%s contains a control character (a tab or line break); "
                                  "remove it", what);
      return FALSE;
    }

  /* RFC 7617 §2: the user-id of HTTP Basic authentication cannot contain ':'. */
  if (!allow_colon && strchr (value, ':') != NULL)
    {
      *problem = g_strdup_printf ("%s contains ':', which HTTP proxy authentication cannot "
                                  "carry (RFC 7617); choose a user name without ':'", what);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_inbound_username (const char  *value,
                        char       **problem)
{
  /* Inbounds speak both SOCKS5 and HTTP on one port, so the HTTP rule holds. */
  return check_credential (value, FALSE, FALSE, problem);
}

static gboolean
check_password (const char  *value,
                char       **problem)
{
  return check_credential (value, TRUE, TRUE, problem);
}

gboolean
sy_check_host (const char  *host,
               char       **problem)
{
  gsize length;
  const char *label;
  gboolean ascii = TRUE;

  if (is_empty (host))
    {
      *problem = g_strdup ("the host is empty; write a host name or an IP address");
      return FALSE;
    }

  if (strchr (host, ':') != NULL)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);

      if (address == NULL || g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV6)
        {
          *problem = g_strdup_printf ("'%s' is not an IPv6 address (zone indexes such as "
                                      "%%eth0 are not supported)", host);
          return FALSE;
        }
      return TRUE;
    }

  if (g_hostname_is_ip_address (host))
    return TRUE;

  length = strlen (host);
  label = host;
  for (const char *p = host; ; p++)
    {
      guchar c = *p;

      if (c == '.' || c == '\0')
        {
          gsize label_length = p - label;

          /* RFC 1035 §2.3.4: labels of 1–63 octets; a final '.' (the root)
           * is allowed, an empty label elsewhere is not. */
          if ((label_length == 0 && !(c == '\0' && p > host)) || label_length > 63)
            goto bad;
          if (c == '\0')
            break;
          label = p + 1;
          continue;
        }

      if (c >= 0x80)
        ascii = FALSE;
      else if (!g_ascii_isalnum (c) && c != '-' && c != '_')
        goto bad;
    }

  if (length > 253)
    goto bad;

  if (!ascii)
    {
      g_autofree char *ace = g_hostname_to_ascii (host);

      if (ace == NULL)
        goto bad;
    }

  return TRUE;

bad:
  *problem = g_strdup_printf ("'%s' is not a valid host name; write a name such as "
                              "proxy.example.com or an IP address", host);
  return FALSE;
}

/* ---------------------------------------------------------------------- */
/* key tables                                                              */

#define UINT_KEY(n, st, field, lo, hi, d, c) \
  { n, SY_KEY_UINT, G_STRUCT_OFFSET (st, field), lo, hi, d, NULL, NULL, c }
#define BOOL_KEY(n, st, field, d, c) \
  { n, SY_KEY_BOOL, G_STRUCT_OFFSET (st, field), 0, 1, d, NULL, NULL, c }
#define STRING_KEY(n, st, field, d, check, c) \
  { n, SY_KEY_STRING, G_STRUCT_OFFSET (st, field), 0, 0, 0, d, check, c }
#define END_KEYS { NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL }

const SyKeySpec sy_service_keys[] = {
  BOOL_KEY ("Autostart", SyServiceConfig, autostart, TRUE,
            "Start the proxy listeners when the service starts (true or false)."),
  UINT_KEY ("ConnectTimeout", SyServiceConfig, connect_timeout_ms, 100, 600000, 10000,
            "Milliseconds to wait for an outgoing connection (100–600000)."),
  UINT_KEY ("HandshakeTimeout", SyServiceConfig, handshake_timeout_ms, 100, 600000, 10000,
            "Milliseconds a client has to send its SOCKS5 or HTTP request (100–600000)."),
  UINT_KEY ("IdleTimeout", SyServiceConfig, idle_timeout_s, 0, 604800, 300,
            "Seconds without traffic before a connection is closed (0: never)."),
  UINT_KEY ("ConnectionLogSize", SyServiceConfig, connection_log_size, 0, 100000, 1000,
            "Finished connections kept in the connection log (0–100000)."),
  UINT_KEY ("LogSize", SyServiceConfig, log_size, 0, 100000, 2000,
            "Log lines kept in memory (0–100000)."),
  END_KEYS
};

const SyKeySpec sy_direct_keys[] = {
  STRING_KEY ("BindAddress", SyServiceConfig, bind_address, NULL, check_ip_address,
              "Local IP address direct connections are made from (empty: any)."),
  STRING_KEY ("Interface", SyServiceConfig, interface, NULL, check_interface,
              "Network interface direct connections are bound to (SO_BINDTODEVICE; empty: any)."),
  { "FwMark", SY_KEY_UINT32, G_STRUCT_OFFSET (SyServiceConfig, fwmark), 0, G_MAXUINT32, 0,
    NULL, NULL, "Firewall mark of direct connections (SO_MARK; decimal or 0x hex; 0: none)." },
  END_KEYS
};

const SyKeySpec sy_inbound_keys[] = {
  STRING_KEY ("Listen", SyInboundConfig, listen_address, "127.0.0.1", check_ip_address, NULL),
  { "Port", SY_KEY_UINT16, G_STRUCT_OFFSET (SyInboundConfig, port), 1, 65535, 1080,
    NULL, NULL, NULL },
  STRING_KEY ("Username", SyInboundConfig, username, NULL, check_inbound_username, NULL),
  STRING_KEY ("Password", SyInboundConfig, password, NULL, check_password, NULL),
  BOOL_KEY ("AllowInsecure", SyInboundConfig, allow_insecure, FALSE, NULL),
  STRING_KEY ("Outbound", SyInboundConfig, outbound, SY_OUTBOUND_DIRECT, check_outbound, NULL),
  END_KEYS
};

const SyKeySpec sy_pool_keys[] = {
  { "Strategy", SY_KEY_STRATEGY, G_STRUCT_OFFSET (SyPoolConfig, strategy),
    SY_POOL_STRATEGY_ROUND_ROBIN, SY_POOL_STRATEGY_LOWEST_LATENCY, SY_POOL_STRATEGY_ROUND_ROBIN,
    NULL, NULL,
    "round-robin, weighted-random, failover, least-connections or lowest-latency." },
  UINT_KEY ("Tolerance", SyPoolConfig, tolerance_ms, 0, 10000, 50,
            "lowest-latency: milliseconds an upstream must be faster by to take over (0–10000)."),
  UINT_KEY ("MaxAttempts", SyPoolConfig, max_attempts, 1, 32, 3,
            "Upstreams tried for one connection before giving up (1–32)."),
  END_KEYS
};

const SyKeySpec sy_health_keys[] = {
  BOOL_KEY ("Enabled", SyHealthCheckConfig, enabled, TRUE,
            "Fetch URL through every upstream regularly (true or false)."),
  STRING_KEY ("URL", SyHealthCheckConfig, url, SY_HEALTH_CHECK_DEFAULT_URL, check_health_url,
              "http:// or https:// URL fetched through each upstream."),
  UINT_KEY ("Interval", SyHealthCheckConfig, interval_s, 1, 86400, 60,
            "Seconds between checks of a healthy upstream (1–86400)."),
  UINT_KEY ("Timeout", SyHealthCheckConfig, timeout_ms, 100, 120000, 5000,
            "Milliseconds one check may take, connecting included (100–120000)."),
  { "ExpectedStatus", SY_KEY_STATUS_RANGES, G_STRUCT_OFFSET (SyHealthCheckConfig, expected_status),
    0, 0, 0, "200-399", NULL,
    "HTTP statuses that count as healthy, e.g. 200-299,301." },
  UINT_KEY ("LatencySamples", SyHealthCheckConfig, latency_samples, 1, 100, 5,
            "The latency shown is the mean of this many last successes (1–100)."),
  UINT_KEY ("FailThreshold", SyHealthCheckConfig, fail_threshold, 1, 100, 3,
            "An upstream is marked down after this many failures (1–100) …"),
  UINT_KEY ("FailWindow", SyHealthCheckConfig, fail_window_s, 1, 86400, 60,
            "… within this many seconds (1–86400)."),
  UINT_KEY ("RecoverThreshold", SyHealthCheckConfig, recover_threshold, 1, 100, 2,
            "Successful checks in a row that bring a down upstream back (1–100)."),
  UINT_KEY ("BackoffInitial", SyHealthCheckConfig, backoff_initial_s, 1, 86400, 5,
            "Seconds before a down upstream is checked again, doubling each time (1–86400) …"),
  UINT_KEY ("BackoffMax", SyHealthCheckConfig, backoff_max_s, 1, 86400, 300,
            "… up to this many seconds (BackoffInitial–86400)."),
  END_KEYS
};

const SyKeySpec sy_upstream_keys[] = {
  UINT_KEY ("Weight", SyUpstreamConfig, weight, 1, 10000, 1, NULL),
  BOOL_KEY ("Enabled", SyUpstreamConfig, enabled, TRUE, NULL),
  END_KEYS
};

/* Through a void pointer: the offsets come from G_STRUCT_OFFSET, so the
 * fields are aligned, which -Wcast-align cannot know. */
#define FIELD(base, spec, type) ((type *) (gpointer) ((guint8 *) (base) + (spec)->offset))
#define CFIELD(base, spec, type) \
  ((type const *) (gconstpointer) ((const guint8 *) (base) + (spec)->offset))

static gboolean
is_secret_key (const SyKeySpec *spec)
{
  return spec->check == check_password;
}

/* An inbound's port 0 asks the kernel for a free port: useful to tests and
 * embedders, useless in a file that clients must point at. */
static gboolean
allows_zero_in_memory (const SyKeySpec *spec)
{
  return spec == &sy_inbound_keys[1];
}

const SyKeySpec *
sy_keys_lookup (const SyKeySpec *keys,
                const char      *name)
{
  for (const SyKeySpec *spec = keys; spec->name != NULL; spec++)
    if (g_str_equal (spec->name, name))
      return spec;

  return NULL;
}

GStrv
sy_keys_names (const SyKeySpec    *keys,
               const char * const *extra)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (const SyKeySpec *spec = keys; spec->name != NULL; spec++)
    g_strv_builder_add (builder, spec->name);

  if (extra != NULL)
    g_strv_builder_addv (builder, (const char **) extra);

  return g_strv_builder_end (builder);
}

static guint64
get_uint (const SyKeySpec *spec,
          gconstpointer    base)
{
  switch (spec->type)
    {
    case SY_KEY_UINT:
      return *CFIELD (base, spec, guint);
    case SY_KEY_UINT16:
      return *CFIELD (base, spec, guint16);
    case SY_KEY_UINT32:
      return *CFIELD (base, spec, guint32);
    case SY_KEY_BOOL:
      return *CFIELD (base, spec, gboolean) ? 1 : 0;
    case SY_KEY_STRATEGY:
      return *CFIELD (base, spec, SyPoolStrategy);
    case SY_KEY_STRING:
    case SY_KEY_STATUS_RANGES:
    default:
      g_assert_not_reached ();
    }
}

static void
set_uint (const SyKeySpec *spec,
          gpointer         base,
          guint64          value)
{
  switch (spec->type)
    {
    case SY_KEY_UINT:
      *FIELD (base, spec, guint) = (guint) value;
      break;
    case SY_KEY_UINT16:
      *FIELD (base, spec, guint16) = (guint16) value;
      break;
    case SY_KEY_UINT32:
      *FIELD (base, spec, guint32) = (guint32) value;
      break;
    case SY_KEY_BOOL:
      *FIELD (base, spec, gboolean) = value != 0;
      break;
    case SY_KEY_STRATEGY:
      *FIELD (base, spec, SyPoolStrategy) = (SyPoolStrategy) value;
      break;
    case SY_KEY_STRING:
    case SY_KEY_STATUS_RANGES:
    default:
      g_assert_not_reached ();
    }
}

static void
set_string (const SyKeySpec *spec,
            gpointer         base,
            char            *value)
{
  char **field = FIELD (base, spec, char *);

  if (is_secret_key (spec))
    sy_secret_free (*field);
  else
    g_free (*field);
  *field = value;
}

static GArray *
default_status_ranges (void)
{
  GArray *ranges = g_array_new (FALSE, FALSE, sizeof (SyStatusRange));
  SyStatusRange range = { 200, 399 };

  g_array_append_val (ranges, range);
  return ranges;
}

void
sy_keys_init (const SyKeySpec *keys,
              gpointer         base)
{
  for (const SyKeySpec *spec = keys; spec->name != NULL; spec++)
    {
      switch (spec->type)
        {
        case SY_KEY_STRING:
          set_string (spec, base, g_strdup (spec->def_string));
          break;
        case SY_KEY_STATUS_RANGES:
          {
            GArray **field = FIELD (base, spec, GArray *);

            g_clear_pointer (field, g_array_unref);
            *field = default_status_ranges ();
          }
          break;
        case SY_KEY_BOOL:
        case SY_KEY_UINT:
        case SY_KEY_UINT16:
        case SY_KEY_UINT32:
        case SY_KEY_STRATEGY:
        default:
          set_uint (spec, base, spec->def);
          break;
        }
    }
}

void
sy_keys_clear (const SyKeySpec *keys,
               gpointer         base)
{
  for (const SyKeySpec *spec = keys; spec->name != NULL; spec++)
    {
      if (spec->type == SY_KEY_STRING)
        set_string (spec, base, NULL);
      else if (spec->type == SY_KEY_STATUS_RANGES)
        g_clear_pointer (FIELD (base, spec, GArray *), g_array_unref);
    }
}

void
sy_keys_copy (const SyKeySpec *keys,
              gpointer         dest,
              gconstpointer    src)
{
  for (const SyKeySpec *spec = keys; spec->name != NULL; spec++)
    {
      switch (spec->type)
        {
        case SY_KEY_STRING:
          set_string (spec, dest, g_strdup (*CFIELD (src, spec, char *)));
          break;
        case SY_KEY_STATUS_RANGES:
          {
            GArray *from = *CFIELD (src, spec, GArray *);
            GArray **field = FIELD (dest, spec, GArray *);

            g_clear_pointer (field, g_array_unref);
            *field = from != NULL ? g_array_copy (from) : NULL;
          }
          break;
        case SY_KEY_BOOL:
        case SY_KEY_UINT:
        case SY_KEY_UINT16:
        case SY_KEY_UINT32:
        case SY_KEY_STRATEGY:
        default:
          set_uint (spec, dest, get_uint (spec, src));
          break;
        }
    }
}

static gboolean
status_ranges_equal (GArray *a,
                     GArray *b)
{
  g_autoptr(GArray) def = default_status_ranges ();

  /* NULL or empty means the default, see sy_health_check_status_ok(). */
  if (a == NULL || a->len == 0)
    a = def;
  if (b == NULL || b->len == 0)
    b = def;

  if (a->len != b->len)
    return FALSE;

  for (guint i = 0; i < a->len; i++)
    {
      SyStatusRange *ra = &g_array_index (a, SyStatusRange, i);
      SyStatusRange *rb = &g_array_index (b, SyStatusRange, i);

      if (ra->low != rb->low || ra->high != rb->high)
        return FALSE;
    }

  return TRUE;
}

gboolean
sy_keys_equal (const SyKeySpec *keys,
               gconstpointer    a,
               gconstpointer    b)
{
  for (const SyKeySpec *spec = keys; spec->name != NULL; spec++)
    {
      switch (spec->type)
        {
        case SY_KEY_STRING:
          if (!sy_config_str_equal (*CFIELD (a, spec, char *), *CFIELD (b, spec, char *)))
            return FALSE;
          break;
        case SY_KEY_STATUS_RANGES:
          if (!status_ranges_equal (*CFIELD (a, spec, GArray *), *CFIELD (b, spec, GArray *)))
            return FALSE;
          break;
        case SY_KEY_BOOL:
        case SY_KEY_UINT:
        case SY_KEY_UINT16:
        case SY_KEY_UINT32:
        case SY_KEY_STRATEGY:
        default:
          if (get_uint (spec, a) != get_uint (spec, b))
            return FALSE;
          break;
        }
    }

  return TRUE;
}

static gboolean
check_status_ranges (GArray  *ranges,
                     char   **problem)
{
  if (ranges == NULL)
    return TRUE;

  for (guint i = 0; i < ranges->len; i++)
    {
      SyStatusRange *range = &g_array_index (ranges, SyStatusRange, i);

      if (range->low < 100 || range->high > 599 || range->low > range->high)
        {
          *problem = g_strdup_printf ("%u-%u is not a range of HTTP statuses; write ranges "
                                      "between 100 and 599 such as 200-299,301",
                                      range->low, range->high);
          return FALSE;
        }
    }

  return TRUE;
}

gboolean
sy_keys_check (const SyKeySpec     *keys,
               gconstpointer        base,
               const SyConfigWhere *where,
               const char          *group,
               GError             **error)
{
  for (const SyKeySpec *spec = keys; spec->name != NULL; spec++)
    {
      g_autofree char *problem = NULL;

      switch (spec->type)
        {
        case SY_KEY_STRING:
          {
            const char *value = *CFIELD (base, spec, char *);

            if (is_empty (value))
              {
                if (spec->def_string != NULL)
                  {
                    sy_config_report (error, where, group, spec->name,
                                      "is empty; write a value such as '%s'", spec->def_string);
                    return FALSE;
                  }
              }
            else if (spec->check != NULL && !spec->check (value, &problem))
              {
                sy_config_report (error, where, group, spec->name, "%s", problem);
                return FALSE;
              }
          }
          break;

        case SY_KEY_STATUS_RANGES:
          if (!check_status_ranges (*CFIELD (base, spec, GArray *), &problem))
            {
              sy_config_report (error, where, group, spec->name, "%s", problem);
              return FALSE;
            }
          break;

        case SY_KEY_STRATEGY:
          if (get_uint (spec, base) > spec->max)
            {
              sy_config_report (error, where, group, spec->name,
                                "%" G_GUINT64_FORMAT " is not a strategy; write round-robin, "
                                "weighted-random, failover, least-connections or lowest-latency",
                                get_uint (spec, base));
              return FALSE;
            }
          break;

        case SY_KEY_UINT:
        case SY_KEY_UINT16:
        case SY_KEY_UINT32:
          {
            guint64 value = get_uint (spec, base);

            if (value == 0 && !where->strict && allows_zero_in_memory (spec))
              break;

            if (value < spec->min || value > spec->max)
              {
                sy_config_report (error, where, group, spec->name,
                                  "%" G_GUINT64_FORMAT " is out of range; write a number from %"
                                  G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
                                  value, spec->min, spec->max);
                return FALSE;
              }
          }
          break;

        case SY_KEY_BOOL:
        default:
          break;
        }
    }

  return TRUE;
}

static gboolean
parse_number (const char *text,
              gboolean    allow_hex,
              guint64    *value)
{
  guint base = 10;
  guint64 result = 0;
  const char *p = text;

  if (allow_hex && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
    {
      base = 16;
      p += 2;
    }

  if (*p == '\0')
    return FALSE;

  for (; *p; p++)
    {
      int digit = base == 16 ? g_ascii_xdigit_value (*p) : g_ascii_digit_value (*p);

      if (digit < 0)
        return FALSE;

      /* Saturate: any value this large is out of every range anyway. */
      if (result > (G_MAXUINT64 - digit) / base)
        result = G_MAXUINT64;
      else
        result = result * base + digit;
    }

  *value = result;
  return TRUE;
}

gboolean
sy_keys_parse (const SyKeySpec      *spec,
               const SyKeyFileEntry *entry,
               gpointer              base,
               const SyConfigWhere  *where,
               const char           *group,
               GError              **error)
{
  const char *raw = entry->value;

  switch (spec->type)
    {
    case SY_KEY_BOOL:
      /* The spellings GKeyFile accepts, so other readers agree. */
      if (g_str_equal (raw, "true") || g_str_equal (raw, "1"))
        set_uint (spec, base, TRUE);
      else if (g_str_equal (raw, "false") || g_str_equal (raw, "0"))
        set_uint (spec, base, FALSE);
      else
        {
          sy_config_report (error, where, group, spec->name,
                            "'%s' is not a boolean; write true or false", raw);
          return FALSE;
        }
      return TRUE;

    case SY_KEY_UINT:
    case SY_KEY_UINT16:
    case SY_KEY_UINT32:
      {
        guint64 value;

        if (!parse_number (raw, spec->type == SY_KEY_UINT32, &value))
          {
            if (*raw == '\0')
              sy_config_report (error, where, group, spec->name,
                                "is empty; write a number from %" G_GUINT64_FORMAT
                                " to %" G_GUINT64_FORMAT " or remove the line for the default %"
                                G_GUINT64_FORMAT, spec->min, spec->max, spec->def);
            else
              sy_config_report (error, where, group, spec->name,
                                "'%s' is not a whole number; write a number from %"
                                G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
                                raw, spec->min, spec->max);
            return FALSE;
          }

        if (value < spec->min || value > spec->max)
          {
            sy_config_report (error, where, group, spec->name,
                              "%s is out of range; write a number from %" G_GUINT64_FORMAT
                              " to %" G_GUINT64_FORMAT, raw, spec->min, spec->max);
            return FALSE;
          }

        set_uint (spec, base, value);
      }
      return TRUE;

    case SY_KEY_STRATEGY:
      {
        SyPoolStrategy strategy;

        if (!sy_pool_strategy_from_string (raw, &strategy))
          {
            static const char * const names[] = {
              "round-robin", "weighted-random", "failover", "least-connections",
              "lowest-latency", NULL
            };
            const char *suggestion = sy_key_file_suggest (raw, names);

            if (suggestion != NULL)
              sy_config_report (error, where, group, spec->name,
                                "'%s' is not a strategy; did you mean %s?", raw, suggestion);
            else
              sy_config_report (error, where, group, spec->name,
                                "'%s' is not a strategy; write round-robin, weighted-random, "
                                "failover, least-connections or lowest-latency", raw);
            return FALSE;
          }
        set_uint (spec, base, strategy);
      }
      return TRUE;

    case SY_KEY_STATUS_RANGES:
      {
        g_autoptr(GArray) ranges = NULL;
        g_autoptr(GError) local_error = NULL;
        GArray **field = FIELD (base, spec, GArray *);

        if (!sy_status_ranges_parse (raw, &ranges, &local_error))
          {
            sy_config_report (error, where, group, spec->name, "%s", local_error->message);
            return FALSE;
          }
        g_clear_pointer (field, g_array_unref);
        *field = g_steal_pointer (&ranges);
      }
      return TRUE;

    case SY_KEY_STRING:
      {
        g_autofree char *problem = NULL;
        char *value = sy_key_file_unescape (raw, &problem);

        if (value == NULL)
          {
            sy_config_report (error, where, group, spec->name, "%s", problem);
            return FALSE;
          }

        if (*value == '\0')
          {
            g_free (value);
            if (spec->def_string != NULL)
              {
                sy_config_report (error, where, group, spec->name,
                                  "is empty; write a value or remove the line for the "
                                  "default '%s'", spec->def_string);
                return FALSE;
              }
            set_string (spec, base, NULL);
            return TRUE;
          }

        if (spec->check != NULL && !spec->check (value, &problem))
          {
            if (is_secret_key (spec))
              sy_secret_free (value);
            else
              g_free (value);
            sy_config_report (error, where, group, spec->name, "%s", problem);
            return FALSE;
          }

        set_string (spec, base, value);
      }
      return TRUE;

    default:
      g_assert_not_reached ();
    }
}

void
sy_keys_write (const SyKeySpec *keys,
               gconstpointer    base,
               gboolean         comments,
               GString         *out)
{
  for (const SyKeySpec *spec = keys; spec->name != NULL; spec++)
    {
      if (comments && spec->comment != NULL)
        g_string_append_printf (out, "# %s\n", spec->comment);

      g_string_append_printf (out, "%s=", spec->name);

      switch (spec->type)
        {
        case SY_KEY_BOOL:
          g_string_append (out, get_uint (spec, base) ? "true" : "false");
          break;
        case SY_KEY_UINT:
        case SY_KEY_UINT16:
        case SY_KEY_UINT32:
          g_string_append_printf (out, "%" G_GUINT64_FORMAT, get_uint (spec, base));
          break;
        case SY_KEY_STRATEGY:
          g_string_append (out, sy_pool_strategy_to_string (get_uint (spec, base)));
          break;
        case SY_KEY_STATUS_RANGES:
          {
            GArray *ranges = *CFIELD (base, spec, GArray *);
            g_autoptr(GArray) def = default_status_ranges ();
            g_autofree char *text = NULL;

            text = sy_status_ranges_to_string (ranges != NULL && ranges->len > 0 ? ranges : def);
            g_string_append (out, text);
          }
          break;
        case SY_KEY_STRING:
          {
            const char *value = *CFIELD (base, spec, char *);

            if (value != NULL)
              sy_key_file_append_escaped (out, value);
          }
          break;
        default:
          g_assert_not_reached ();
        }

      g_string_append_c (out, '\n');
    }
}

/* ---------------------------------------------------------------------- */
/* names and enums                                                         */

gboolean
sy_is_valid_name (const char *name)
{
  gsize length;

  if (name == NULL || name[0] == '\0' || name[0] == '.')
    return FALSE;

  length = strlen (name);
  if (length > NAME_MAX_LENGTH)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (name[i]) && name[i] != '.' && name[i] != '_' && name[i] != '-')
      return FALSE;

  return TRUE;
}

static const char * const strategy_names[] = {
  [SY_POOL_STRATEGY_ROUND_ROBIN] = "round-robin",
  [SY_POOL_STRATEGY_WEIGHTED_RANDOM] = "weighted-random",
  [SY_POOL_STRATEGY_FAILOVER] = "failover",
  [SY_POOL_STRATEGY_LEAST_CONNECTIONS] = "least-connections",
  [SY_POOL_STRATEGY_LOWEST_LATENCY] = "lowest-latency",
};

const char *
sy_pool_strategy_to_string (SyPoolStrategy strategy)
{
  if ((guint) strategy < G_N_ELEMENTS (strategy_names))
    return strategy_names[strategy];

  return "unknown";
}

gboolean
sy_pool_strategy_from_string (const char     *text,
                              SyPoolStrategy *strategy)
{
  g_return_val_if_fail (strategy != NULL, FALSE);

  if (text == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (strategy_names); i++)
    if (g_str_equal (text, strategy_names[i]))
      {
        *strategy = i;
        return TRUE;
      }

  return FALSE;
}

const char *
sy_upstream_kind_to_string (SyUpstreamKind kind)
{
  switch (kind)
    {
    case SY_UPSTREAM_KIND_SOCKS5:
      return "socks5";
    case SY_UPSTREAM_KIND_HTTP:
      return "http";
    case SY_UPSTREAM_KIND_WIREGUARD:
      return "wireguard";
    default:
      return "unknown";
    }
}

gboolean
sy_upstream_kind_from_string (const char     *text,
                              SyUpstreamKind *kind)
{
  g_return_val_if_fail (kind != NULL, FALSE);

  if (text == NULL)
    return FALSE;

  /* socks5h is the curl spelling for "the proxy resolves names"; we always
   * hand names to the upstream, so it is the same kind. */
  if (g_ascii_strcasecmp (text, "socks5") == 0 || g_ascii_strcasecmp (text, "socks5h") == 0)
    *kind = SY_UPSTREAM_KIND_SOCKS5;
  else if (g_ascii_strcasecmp (text, "http") == 0)
    *kind = SY_UPSTREAM_KIND_HTTP;
  else if (g_ascii_strcasecmp (text, "wireguard") == 0)
    *kind = SY_UPSTREAM_KIND_WIREGUARD;
  else
    return FALSE;

  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* HTTP status ranges                                                      */

static gboolean
parse_status (const char *text,
              guint16    *status)
{
  guint64 value;

  if (!parse_number (text, FALSE, &value) || value < 100 || value > 599)
    return FALSE;

  *status = (guint16) value;
  return TRUE;
}

gboolean
sy_status_ranges_parse (const char  *text,
                        GArray     **ranges,
                        GError     **error)
{
  g_autoptr(GArray) result = NULL;
  g_auto(GStrv) items = NULL;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (ranges != NULL, FALSE);

  result = g_array_new (FALSE, FALSE, sizeof (SyStatusRange));
  items = g_strsplit (text, ",", -1);

  if (items[0] == NULL)
    {
      g_set_error_literal (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                           "is empty; write HTTP statuses such as 200-299,301");
      return FALSE;
    }

  for (guint i = 0; items[i] != NULL; i++)
    {
      char *item = g_strstrip (items[i]);
      char *dash = strchr (item, '-');
      SyStatusRange range;

      if (*item == '\0')
        {
          g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                       "'%s' has an empty item; write HTTP statuses such as 200-299,301", text);
          return FALSE;
        }

      if (dash != NULL)
        {
          *dash = '\0';
          if (!parse_status (g_strstrip (item), &range.low) ||
              !parse_status (g_strstrip (dash + 1), &range.high))
            {
              *dash = '-';
              g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                           "'%s' is not a range of HTTP statuses (100–599); write one "
                           "such as 200-299", item);
              return FALSE;
            }
          if (range.low > range.high)
            {
              g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                           "%u-%u is backwards; write %u-%u",
                           range.low, range.high, range.high, range.low);
              return FALSE;
            }
        }
      else
        {
          if (!parse_status (item, &range.low))
            {
              g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                           "'%s' is not an HTTP status (100–599); write statuses such as "
                           "200-299,301", item);
              return FALSE;
            }
          range.high = range.low;
        }

      g_array_append_val (result, range);
    }

  *ranges = g_steal_pointer (&result);
  return TRUE;
}

char *
sy_status_ranges_to_string (GArray *ranges)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; ranges != NULL && i < ranges->len; i++)
    {
      SyStatusRange *range = &g_array_index (ranges, SyStatusRange, i);

      if (i > 0)
        g_string_append_c (out, ',');
      if (range->low == range->high)
        g_string_append_printf (out, "%u", range->low);
      else
        g_string_append_printf (out, "%u-%u", range->low, range->high);
    }

  return g_string_free (out, FALSE);
}

gboolean
sy_health_check_status_ok (const SyHealthCheckConfig *config,
                           guint                      status)
{
  GArray *ranges;

  g_return_val_if_fail (config != NULL, FALSE);

  ranges = config->expected_status;
  if (ranges == NULL || ranges->len == 0)
    return status >= 200 && status <= 399;

  for (guint i = 0; i < ranges->len; i++)
    {
      SyStatusRange *range = &g_array_index (ranges, SyStatusRange, i);

      if (status >= range->low && status <= range->high)
        return TRUE;
    }

  return FALSE;
}

/* ---------------------------------------------------------------------- */
/* upstream URLs                                                           */

/* The URL as it may appear in a message: the password replaced. */
static char *
redact_url (const char *url)
{
  const char *scheme_end = strstr (url, "://");
  const char *at;
  const char *colon;

  if (scheme_end == NULL || (at = strrchr (scheme_end + 3, '@')) == NULL)
    return g_strdup (url);

  colon = memchr (scheme_end + 3, ':', at - (scheme_end + 3));
  if (colon == NULL)
    return g_strdup (url);

  return g_strdup_printf ("%.*s***%s", (int) (colon + 1 - url), url, at);
}

static char *
percent_decode (const char *text,
                gsize       length)
{
  GString *out = g_string_sized_new (length);

  for (gsize i = 0; i < length; i++)
    {
      if (text[i] != '%')
        {
          g_string_append_c (out, text[i]);
          continue;
        }

      if (i + 2 >= length)
        goto bad;
      {
        int hi = g_ascii_xdigit_value (text[i + 1]);
        int lo = hi >= 0 ? g_ascii_xdigit_value (text[i + 2]) : -1;

        /* %00 would cut the string short: refuse it rather than truncate. */
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
          goto bad;
        g_string_append_c (out, (char) (hi << 4 | lo));
        i += 2;
      }
    }

  return g_string_free (out, FALSE);

bad:
  g_string_free (out, TRUE);
  return NULL;
}

static gboolean
parse_port (const char *text,
            gsize       length,
            guint16    *port)
{
  g_autofree char *copy = g_strndup (text, length);
  guint64 value;

  if (!parse_number (copy, FALSE, &value) || value < 1 || value > 65535)
    return FALSE;

  *port = (guint16) value;
  return TRUE;
}

/* "wireguard:PROFILE": the scheme in any case, like the others; nothing
 * but the profile's name after it. */
static gboolean
wireguard_url_parse (const char        *url,
                     SyUpstreamConfig  *upstream,
                     char             **problem)
{
  const char *profile = url + strlen (SY_OUTBOUND_WIREGUARD_PREFIX);

  if (*profile == '\0')
    {
      *problem = g_strdup_printf ("'%s' names no profile; write " SY_OUTBOUND_WIREGUARD_PREFIX
                                  "PROFILE for " SY_CONFIG_WIREGUARD_DIR "/PROFILE.conf", url);
      return FALSE;
    }

  if (!sy_is_valid_name (profile))
    {
      *problem = g_strdup_printf ("'%s': '%s' is not a WireGuard profile name; " NAME_RULE,
                                  url, profile);
      return FALSE;
    }

  upstream->kind = SY_UPSTREAM_KIND_WIREGUARD;
  upstream->port = 0;
  g_clear_pointer (&upstream->host, g_free);
  g_clear_pointer (&upstream->username, g_free);
  g_clear_pointer (&upstream->password, sy_secret_free);
  g_free (upstream->profile);
  upstream->profile = g_strdup (profile);

  return TRUE;
}

gboolean
sy_upstream_url_parse (const char        *url,
                       SyUpstreamConfig  *upstream,
                       char             **problem)
{
  g_autofree char *shown = NULL;
  g_autofree char *scheme = NULL;
  g_autofree char *username = NULL;
  g_autoptr(SySecret) password = NULL;
  g_autofree char *host = NULL;
  g_autofree char *credential_problem = NULL;
  const char *separator;
  const char *rest;
  const char *at;
  const char *hostport;
  const char *hostport_end;
  const char *port_start;
  SyUpstreamKind kind;
  guint16 port;

  g_assert (url != NULL);
  g_assert (upstream != NULL);

  if (*url == '\0')
    {
      *problem = g_strdup ("is empty; write a URL such as socks5://proxy.example.com:1080");
      return FALSE;
    }

  if (g_ascii_strncasecmp (url, SY_OUTBOUND_WIREGUARD_PREFIX,
                           strlen (SY_OUTBOUND_WIREGUARD_PREFIX)) == 0)
    return wireguard_url_parse (url, upstream, problem);

  shown = redact_url (url);

  if ((separator = strstr (url, "://")) == NULL)
    {
      *problem = g_strdup_printf ("'%s' has no scheme; write socks5://%s or http://%s",
                                  shown, shown, shown);
      return FALSE;
    }

  scheme = g_ascii_strdown (url, separator - url);
  if (g_str_equal (scheme, "https"))
    {
      *problem = g_strdup_printf ("'%s': TLS to the proxy (https://) is not supported; "
                                  "write an http:// or socks5:// URL", shown);
      return FALSE;
    }
  if (!sy_upstream_kind_from_string (scheme, &kind))
    {
      *problem = g_strdup_printf ("'%s' is not a socks5:// or http:// URL", shown);
      return FALSE;
    }

  rest = separator + 3;

  /* The last '@' ends the user information, so that an unescaped '@', '/'
   * or ':' in a password still works; proxy URLs have no path to confuse. */
  at = strrchr (rest, '@');
  hostport = at != NULL ? at + 1 : rest;
  hostport_end = hostport + strcspn (hostport, "/?#");

  if (*hostport_end != '\0' && !g_str_equal (hostport_end, "/"))
    {
      *problem = g_strdup_printf ("'%s' has a path, query or fragment; write only "
                                  "%s://HOST:PORT", shown, scheme);
      return FALSE;
    }

  if (at != NULL)
    {
      const char *colon = memchr (rest, ':', at - rest);
      const char *user_end = colon != NULL ? colon : at;

      username = percent_decode (rest, user_end - rest);
      if (username == NULL)
        {
          *problem = g_strdup_printf ("'%s': the user name has a broken %%-escape; write %%25 "
                                      "for a '%%'", shown);
          return FALSE;
        }
      if (colon != NULL)
        {
          password = percent_decode (colon + 1, at - colon - 1);
          if (password == NULL)
            {
              *problem = g_strdup_printf ("'%s': the password has a broken %%-escape; write "
                                          "%%25 for a '%%'", shown);
              return FALSE;
            }
        }

      if (*username == '\0' && !is_empty (password))
        {
          *problem = g_strdup_printf ("'%s' has a password but no user name; write "
                                      "%s://USER:PASSWORD@HOST:PORT", shown, scheme);
          return FALSE;
        }
      if (*username == '\0')
        g_clear_pointer (&username, g_free);
      if (password != NULL && *password == '\0')
        g_clear_pointer (&password, sy_secret_free);

      if ((username != NULL &&
           !check_credential (username, FALSE, kind != SY_UPSTREAM_KIND_HTTP,
                              &credential_problem)) ||
          (password != NULL && !check_credential (password, TRUE, TRUE, &credential_problem)))
        {
          *problem = g_strdup_printf ("'%s': %s", shown, credential_problem);
          return FALSE;
        }
    }

  if (hostport == hostport_end)
    {
      *problem = g_strdup_printf ("'%s' has no host; write %s://HOST:PORT", shown, scheme);
      return FALSE;
    }

  if (*hostport == '[')
    {
      /* RFC 3986 §3.2.2: an IPv6 literal is enclosed in brackets. */
      const char *close = memchr (hostport, ']', hostport_end - hostport);

      if (close == NULL)
        {
          *problem = g_strdup_printf ("'%s' has a '[' without ']'; write IPv6 addresses as "
                                      "[::1]:1080", shown);
          return FALSE;
        }
      host = g_strndup (hostport + 1, close - hostport - 1);
      if (close + 1 == hostport_end)
        port_start = NULL;
      else if (close[1] == ':')
        port_start = close + 2;
      else
        {
          *problem = g_strdup_printf ("'%s': write the port right after the ']', as in "
                                      "[::1]:1080", shown);
          return FALSE;
        }

      if (strchr (host, ':') == NULL || !sy_check_host (host, problem))
        {
          g_clear_pointer (problem, g_free);
          *problem = g_strdup_printf ("'%s': [%s] is not an IPv6 address", shown, host);
          return FALSE;
        }
    }
  else
    {
      const char *colon = NULL;

      for (const char *p = hostport; p < hostport_end; p++)
        if (*p == ':')
          colon = p;

      host = g_strndup (hostport, (colon != NULL ? colon : hostport_end) - hostport);
      port_start = colon != NULL ? colon + 1 : NULL;

      if (strchr (host, ':') != NULL)
        {
          *problem = g_strdup_printf ("'%s': write IPv6 addresses in brackets, as in "
                                      "%s://[::1]:1080", shown, scheme);
          return FALSE;
        }

      if (*host == '\0')
        {
          *problem = g_strdup_printf ("'%s' has no host; write %s://HOST:PORT", shown, scheme);
          return FALSE;
        }

      if (!sy_check_host (host, &credential_problem))
        {
          *problem = g_strdup_printf ("'%s': %s", shown, credential_problem);
          return FALSE;
        }
    }

  if (port_start == NULL || port_start == hostport_end)
    {
      *problem = g_strdup_printf ("'%s' has no port; add one, as in %s://%s%s%s:%s",
                                  shown, scheme,
                                  strchr (host, ':') != NULL ? "[" : "", host,
                                  strchr (host, ':') != NULL ? "]" : "",
                                  kind == SY_UPSTREAM_KIND_SOCKS5 ? "1080" : "8080");
      return FALSE;
    }

  if (!parse_port (port_start, hostport_end - port_start, &port))
    {
      *problem = g_strdup_printf ("'%s': '%.*s' is not a port; write a number from 1 to 65535",
                                  shown, (int) (hostport_end - port_start), port_start);
      return FALSE;
    }

  upstream->kind = kind;
  upstream->port = port;
  g_clear_pointer (&upstream->profile, g_free);
  g_free (upstream->host);
  upstream->host = g_steal_pointer (&host);
  g_free (upstream->username);
  upstream->username = g_steal_pointer (&username);
  sy_secret_free (upstream->password);
  upstream->password = g_steal_pointer (&password);

  return TRUE;
}

SyUpstreamConfig *
sy_upstream_config_new_from_url (const char  *url,
                                 GError     **error)
{
  g_autoptr(SyUpstreamConfig) upstream = NULL;
  g_autofree char *problem = NULL;

  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  upstream = sy_upstream_config_new ();
  if (!sy_upstream_url_parse (url, upstream, &problem))
    {
      g_set_error_literal (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT, problem);
      return NULL;
    }

  return g_steal_pointer (&upstream);
}

char *
sy_upstream_config_to_url (const SyUpstreamConfig *config,
                           gboolean                with_password)
{
  GString *out;

  g_return_val_if_fail (config != NULL, NULL);

  if (config->kind == SY_UPSTREAM_KIND_WIREGUARD)
    return sy_outbound_name_for_wireguard (config->profile != NULL ? config->profile : "");

  out = g_string_new (config->kind == SY_UPSTREAM_KIND_HTTP ? "http://" : "socks5://");

  if (!is_empty (config->username))
    {
      g_autofree char *user = g_uri_escape_string (config->username, NULL, FALSE);

      g_string_append (out, user);
      if (with_password && !is_empty (config->password))
        {
          g_autoptr(SySecret) password = g_uri_escape_string (config->password, NULL, FALSE);

          g_string_append_c (out, ':');
          g_string_append (out, password);
        }
      g_string_append_c (out, '@');
    }

  if (config->host != NULL && strchr (config->host, ':') != NULL)
    g_string_append_printf (out, "[%s]", config->host);
  else
    g_string_append (out, config->host != NULL ? config->host : "");

  g_string_append_printf (out, ":%u", config->port);

  return g_string_free (out, FALSE);
}

/* ---------------------------------------------------------------------- */
/* upstreams                                                               */

SyUpstreamConfig *
sy_upstream_config_new (void)
{
  SyUpstreamConfig *config = g_new0 (SyUpstreamConfig, 1);

  config->kind = SY_UPSTREAM_KIND_SOCKS5;
  sy_keys_init (sy_upstream_keys, config);

  return config;
}

SyUpstreamConfig *
sy_upstream_config_copy (const SyUpstreamConfig *config)
{
  SyUpstreamConfig *copy;

  g_return_val_if_fail (config != NULL, NULL);

  copy = g_new0 (SyUpstreamConfig, 1);
  copy->name = g_strdup (config->name);
  copy->kind = config->kind;
  copy->host = g_strdup (config->host);
  copy->port = config->port;
  copy->profile = g_strdup (config->profile);
  copy->username = g_strdup (config->username);
  copy->password = g_strdup (config->password);
  sy_keys_copy (sy_upstream_keys, copy, config);

  return copy;
}

void
sy_upstream_config_free (SyUpstreamConfig *config)
{
  if (config == NULL)
    return;

  g_free (config->name);
  g_free (config->host);
  g_free (config->profile);
  g_free (config->username);
  sy_secret_free (config->password);
  sy_keys_clear (sy_upstream_keys, config);
  g_free (config);
}

gboolean
sy_upstream_config_equal (const SyUpstreamConfig *a,
                          const SyUpstreamConfig *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  return g_strcmp0 (a->name, b->name) == 0 &&
         a->kind == b->kind &&
         g_strcmp0 (a->host, b->host) == 0 &&
         a->port == b->port &&
         g_strcmp0 (a->profile, b->profile) == 0 &&
         sy_config_str_equal (a->username, b->username) &&
         sy_config_str_equal (a->password, b->password) &&
         sy_keys_equal (sy_upstream_keys, a, b);
}

/* A WireGuard member reaches no proxy server: a host, port or credentials
 * next to its profile would be ignored, so they are refused. */
static gboolean
wireguard_upstream_check (const SyUpstreamConfig *upstream,
                          const SyConfigWhere    *where,
                          const char             *group,
                          GError                **error)
{
  if (!sy_is_valid_name (upstream->profile))
    {
      sy_config_report (error, where, group, "URL",
                        "'%s' is not a WireGuard profile name; " NAME_RULE,
                        upstream->profile != NULL ? upstream->profile : "");
      return FALSE;
    }

  if (!is_empty (upstream->host) || upstream->port != 0 ||
      !is_empty (upstream->username) || !is_empty (upstream->password))
    {
      sy_config_report (error, where, group, "URL",
                        "a WireGuard member has no host, port, user name or password; give "
                        "only URL=" SY_OUTBOUND_WIREGUARD_PREFIX "%s", upstream->profile);
      return FALSE;
    }

  return sy_keys_check (sy_upstream_keys, upstream, where, group, error);
}

gboolean
sy_upstream_config_check (const SyUpstreamConfig *upstream,
                          const SyConfigWhere    *where,
                          GError                **error)
{
  g_autofree char *group = NULL;
  g_autofree char *problem = NULL;

  if (!sy_is_valid_name (upstream->name))
    {
      sy_config_report (error, where, SY_GROUP_UPSTREAM, NULL,
                        "'%s' is not a valid upstream name; " NAME_RULE,
                        upstream->name != NULL ? upstream->name : "");
      return FALSE;
    }

  group = g_strdup_printf (SY_GROUP_UPSTREAM " %s", upstream->name);

  if (upstream->kind == SY_UPSTREAM_KIND_WIREGUARD)
    return wireguard_upstream_check (upstream, where, group, error);

  if (upstream->kind != SY_UPSTREAM_KIND_SOCKS5 && upstream->kind != SY_UPSTREAM_KIND_HTTP)
    {
      sy_config_report (error, where, group, "Type",
                        "is not a known kind; write socks5, http or use "
                        "URL=" SY_OUTBOUND_WIREGUARD_PREFIX "PROFILE");
      return FALSE;
    }

  if (!sy_check_host (upstream->host, &problem))
    {
      sy_config_report (error, where, group, "Host", "%s", problem);
      return FALSE;
    }

  if (upstream->port == 0)
    {
      sy_config_report (error, where, group, "Port",
                        "0 is not a port; write a number from 1 to 65535");
      return FALSE;
    }

  if (!is_empty (upstream->username) &&
      !check_credential (upstream->username, FALSE, upstream->kind != SY_UPSTREAM_KIND_HTTP,
                         &problem))
    {
      sy_config_report (error, where, group, "Username", "%s", problem);
      return FALSE;
    }

  if (!is_empty (upstream->password))
    {
      if (is_empty (upstream->username))
        {
          sy_config_report (error, where, group, "Password",
                            "is set without a user name; set Username too, or remove Password");
          return FALSE;
        }
      if (!check_password (upstream->password, &problem))
        {
          sy_config_report (error, where, group, "Password", "%s", problem);
          return FALSE;
        }
    }

  return sy_keys_check (sy_upstream_keys, upstream, where, group, error);
}

gboolean
sy_upstream_config_validate (const SyUpstreamConfig *config,
                             GError                **error)
{
  SyConfigWhere where = { .code = SY_ERROR_INVALID_ARGUMENT };

  g_return_val_if_fail (config != NULL, FALSE);

  return sy_upstream_config_check (config, &where, error);
}

/* ---------------------------------------------------------------------- */
/* pools                                                                   */

SyPoolConfig *
sy_pool_config_new (const char *name)
{
  SyPoolConfig *config = g_new0 (SyPoolConfig, 1);

  config->name = g_strdup (name);
  sy_keys_init (sy_pool_keys, config);
  sy_keys_init (sy_health_keys, &config->health);
  config->upstreams = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_upstream_config_free);

  return config;
}

SyPoolConfig *
sy_pool_config_copy (const SyPoolConfig *config)
{
  SyPoolConfig *copy;

  g_return_val_if_fail (config != NULL, NULL);

  copy = g_new0 (SyPoolConfig, 1);
  copy->name = g_strdup (config->name);
  sy_keys_copy (sy_pool_keys, copy, config);
  sy_keys_copy (sy_health_keys, &copy->health, &config->health);
  copy->upstreams = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_upstream_config_free);
  for (guint i = 0; config->upstreams != NULL && i < config->upstreams->len; i++)
    g_ptr_array_add (copy->upstreams,
                     sy_upstream_config_copy (g_ptr_array_index (config->upstreams, i)));

  return copy;
}

void
sy_pool_config_free (SyPoolConfig *config)
{
  if (config == NULL)
    return;

  g_free (config->name);
  sy_keys_clear (sy_pool_keys, config);
  sy_keys_clear (sy_health_keys, &config->health);
  g_clear_pointer (&config->upstreams, g_ptr_array_unref);
  g_free (config);
}

gboolean
sy_health_check_config_equal (const SyHealthCheckConfig *a,
                              const SyHealthCheckConfig *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  return sy_keys_equal (sy_health_keys, a, b);
}

/* Element-wise equality of two arrays that may be NULL (NULL is empty). */
static gboolean
ptr_arrays_equal (GPtrArray  *a,
                  GPtrArray  *b,
                  GEqualFunc  equal)
{
  guint na = a != NULL ? a->len : 0;
  guint nb = b != NULL ? b->len : 0;

  if (na != nb)
    return FALSE;

  for (guint i = 0; i < na; i++)
    if (!equal (g_ptr_array_index (a, i), g_ptr_array_index (b, i)))
      return FALSE;

  return TRUE;
}

gboolean
sy_pool_config_equal (const SyPoolConfig *a,
                      const SyPoolConfig *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  return g_strcmp0 (a->name, b->name) == 0 &&
         sy_keys_equal (sy_pool_keys, a, b) &&
         sy_keys_equal (sy_health_keys, &a->health, &b->health) &&
         ptr_arrays_equal (a->upstreams, b->upstreams, (GEqualFunc) sy_upstream_config_equal);
}

SyUpstreamConfig *
sy_pool_config_find_upstream (const SyPoolConfig *config,
                              const char         *name,
                              guint              *index)
{
  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; config->upstreams != NULL && i < config->upstreams->len; i++)
    {
      SyUpstreamConfig *upstream = g_ptr_array_index (config->upstreams, i);

      if (g_strcmp0 (upstream->name, name) == 0)
        {
          if (index != NULL)
            *index = i;
          return upstream;
        }
    }

  return NULL;
}

static gboolean
key_given (const SyConfigWhere *where,
           const char          *group,
           const char          *key)
{
  SyKeyFileGroup *g;

  if (where->key_file == NULL || (g = sy_key_file_find_group (where->key_file, group)) == NULL)
    return FALSE;

  return sy_key_file_group_lookup (g, key) != NULL;
}

static gboolean
is_reserved_name (const char *name)
{
  return g_strcmp0 (name, SY_OUTBOUND_DIRECT) == 0 || g_strcmp0 (name, SY_OUTBOUND_REJECT) == 0;
}

gboolean
sy_pool_config_check (const SyPoolConfig  *pool,
                      const SyConfigWhere *where,
                      GError             **error)
{
  const SyHealthCheckConfig *health = &pool->health;

  if (!sy_is_valid_name (pool->name))
    {
      sy_config_report (error, where, NULL, NULL, "'%s' is not a valid pool name; " NAME_RULE,
                        pool->name != NULL ? pool->name : "");
      return FALSE;
    }

  if (is_reserved_name (pool->name))
    {
      sy_config_report (error, where, NULL, NULL,
                        "a pool cannot be called '%s', which is the name of a built-in "
                        "outbound; choose another name", pool->name);
      return FALSE;
    }

  if (!sy_keys_check (sy_pool_keys, pool, where, SY_GROUP_POOL, error) ||
      !sy_keys_check (sy_health_keys, health, where, SY_GROUP_HEALTH, error))
    return FALSE;

  if (health->backoff_max_s < health->backoff_initial_s)
    {
      /* Point at the line that was written: raising BackoffInitial alone
       * above the default cap is a mistake on the BackoffInitial line. */
      sy_config_report (error, where, SY_GROUP_HEALTH,
                        key_given (where, SY_GROUP_HEALTH, "BackoffMax") ||
                        !key_given (where, SY_GROUP_HEALTH, "BackoffInitial")
                        ? "BackoffMax" : "BackoffInitial",
                        "the back-off cap (%u s) is below BackoffInitial (%u s); write a "
                        "BackoffMax of at least %u",
                        health->backoff_max_s, health->backoff_initial_s,
                        health->backoff_initial_s);
      return FALSE;
    }

  for (guint i = 0; pool->upstreams != NULL && i < pool->upstreams->len; i++)
    {
      SyUpstreamConfig *upstream = g_ptr_array_index (pool->upstreams, i);

      if (!sy_upstream_config_check (upstream, where, error))
        return FALSE;

      for (guint j = 0; j < i; j++)
        {
          SyUpstreamConfig *other = g_ptr_array_index (pool->upstreams, j);

          if (g_str_equal (other->name, upstream->name))
            {
              g_autofree char *group = g_strdup_printf (SY_GROUP_UPSTREAM " %s", upstream->name);

              sy_config_report (error, where, group, NULL,
                                "the name is used by two upstreams; rename one");
              return FALSE;
            }
        }
    }

  return TRUE;
}

gboolean
sy_pool_config_validate (const SyPoolConfig  *config,
                         GError             **error)
{
  g_autofree char *prefix = NULL;
  SyConfigWhere where = { .code = SY_ERROR_INVALID_ARGUMENT };

  g_return_val_if_fail (config != NULL, FALSE);

  prefix = g_strdup_printf ("pool %s: ", config->name != NULL ? config->name : "");
  where.prefix = prefix;

  return sy_pool_config_check (config, &where, error);
}

/* ---------------------------------------------------------------------- */
/* inbounds                                                                */

SyInboundConfig *
sy_inbound_config_new (void)
{
  SyInboundConfig *config = g_new0 (SyInboundConfig, 1);

  sy_keys_init (sy_inbound_keys, config);

  return config;
}

SyInboundConfig *
sy_inbound_config_copy (const SyInboundConfig *config)
{
  SyInboundConfig *copy;

  g_return_val_if_fail (config != NULL, NULL);

  copy = g_new0 (SyInboundConfig, 1);
  copy->name = g_strdup (config->name);
  sy_keys_copy (sy_inbound_keys, copy, config);

  return copy;
}

void
sy_inbound_config_free (SyInboundConfig *config)
{
  if (config == NULL)
    return;

  g_free (config->name);
  sy_keys_clear (sy_inbound_keys, config);
  g_free (config);
}

gboolean
sy_inbound_config_equal (const SyInboundConfig *a,
                         const SyInboundConfig *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  return g_strcmp0 (a->name, b->name) == 0 && sy_keys_equal (sy_inbound_keys, a, b);
}

gboolean
sy_inbound_config_check (const SyInboundConfig *inbound,
                         const SyConfigWhere   *where,
                         GError               **error)
{
  g_autofree char *group = NULL;

  if (!sy_is_valid_name (inbound->name))
    {
      sy_config_report (error, where, NULL, NULL, "'%s' is not a valid inbound name; " NAME_RULE,
                        inbound->name != NULL ? inbound->name : "");
      return FALSE;
    }

  group = g_strdup_printf (SY_GROUP_INBOUND " %s", inbound->name);

  if (!sy_keys_check (sy_inbound_keys, inbound, where, group, error))
    return FALSE;

  if (!is_empty (inbound->username) && is_empty (inbound->password))
    {
      sy_config_report (error, where, group, "Username",
                        "is set without a password; set Password too, or remove Username");
      return FALSE;
    }

  if (is_empty (inbound->username) && !is_empty (inbound->password))
    {
      sy_config_report (error, where, group, "Password",
                        "is set without a user name; set Username too, or remove Password");
      return FALSE;
    }

  return TRUE;
}

gboolean
sy_inbound_config_validate (const SyInboundConfig  *config,
                            GError                **error)
{
  SyConfigWhere where = { .code = SY_ERROR_INVALID_ARGUMENT };

  g_return_val_if_fail (config != NULL, FALSE);

  return sy_inbound_config_check (config, &where, error);
}

/* Two listeners on one port collide when their addresses are equal or one
 * is a wildcard covering the other. An IPv6 wildcard socket is dual-stack
 * (IPV6_V6ONLY off), so "::" covers IPv4 addresses too. */
static gboolean
listen_addresses_collide (const char *a,
                          const char *b)
{
  g_autoptr(GInetAddress) ia = g_inet_address_new_from_string (a);
  g_autoptr(GInetAddress) ib = g_inet_address_new_from_string (b);

  if (ia == NULL || ib == NULL)
    return FALSE;

  if (g_inet_address_equal (ia, ib))
    return TRUE;

  if (g_inet_address_get_is_any (ia) &&
      (g_inet_address_get_family (ia) == G_SOCKET_FAMILY_IPV6 ||
       g_inet_address_get_family (ia) == g_inet_address_get_family (ib)))
    return TRUE;

  if (g_inet_address_get_is_any (ib) &&
      (g_inet_address_get_family (ib) == G_SOCKET_FAMILY_IPV6 ||
       g_inet_address_get_family (ib) == g_inet_address_get_family (ia)))
    return TRUE;

  return FALSE;
}

gboolean
sy_inbounds_check (GPtrArray           *inbounds,
                   const SyConfigWhere *where,
                   GError             **error)
{
  for (guint i = 0; inbounds != NULL && i < inbounds->len; i++)
    {
      SyInboundConfig *inbound = g_ptr_array_index (inbounds, i);
      g_autofree char *group = NULL;

      if (!sy_inbound_config_check (inbound, where, error))
        return FALSE;

      group = g_strdup_printf (SY_GROUP_INBOUND " %s", inbound->name);

      for (guint j = 0; j < i; j++)
        {
          SyInboundConfig *other = g_ptr_array_index (inbounds, j);

          if (g_str_equal (other->name, inbound->name))
            {
              sy_config_report (error, where, group, NULL,
                                "the name is used by two inbounds; rename one");
              return FALSE;
            }

          if (inbound->port != 0 && inbound->port == other->port &&
              listen_addresses_collide (inbound->listen_address, other->listen_address))
            {
              sy_config_report (error, where, group, "Port",
                                "%u is already used by [Inbound %s] on %s; choose another port",
                                inbound->port, other->name, other->listen_address);
              return FALSE;
            }
        }
    }

  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* the whole configuration                                                 */

static void
service_init (SyServiceConfig *service)
{
  sy_keys_init (sy_service_keys, service);
  sy_keys_init (sy_direct_keys, service);
}

SyConfig *
sy_config_new_default (void)
{
  SyConfig *config = g_new0 (SyConfig, 1);
  SyInboundConfig *main_inbound;

  service_init (&config->service);
  config->inbounds = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_inbound_config_free);
  config->pools = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_pool_config_free);
  config->wireguard = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_wg_profile_unref);

  main_inbound = sy_inbound_config_new ();
  main_inbound->name = g_strdup ("main");
  g_ptr_array_add (config->inbounds, main_inbound);

  return config;
}

SyConfig *
sy_config_copy (const SyConfig *config)
{
  SyConfig *copy;

  g_return_val_if_fail (config != NULL, NULL);

  copy = g_new0 (SyConfig, 1);
  sy_keys_copy (sy_service_keys, &copy->service, &config->service);
  sy_keys_copy (sy_direct_keys, &copy->service, &config->service);
  copy->inbounds = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_inbound_config_free);
  copy->pools = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_pool_config_free);
  copy->wireguard = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_wg_profile_unref);

  for (guint i = 0; config->inbounds != NULL && i < config->inbounds->len; i++)
    g_ptr_array_add (copy->inbounds,
                     sy_inbound_config_copy (g_ptr_array_index (config->inbounds, i)));
  for (guint i = 0; config->pools != NULL && i < config->pools->len; i++)
    g_ptr_array_add (copy->pools, sy_pool_config_copy (g_ptr_array_index (config->pools, i)));
  /* Profiles are immutable once shared: a reference is a copy. */
  for (guint i = 0; config->wireguard != NULL && i < config->wireguard->len; i++)
    g_ptr_array_add (copy->wireguard, sy_wg_profile_ref (g_ptr_array_index (config->wireguard, i)));

  return copy;
}

void
sy_config_free (SyConfig *config)
{
  if (config == NULL)
    return;

  sy_keys_clear (sy_service_keys, &config->service);
  sy_keys_clear (sy_direct_keys, &config->service);
  g_clear_pointer (&config->inbounds, g_ptr_array_unref);
  g_clear_pointer (&config->pools, g_ptr_array_unref);
  g_clear_pointer (&config->wireguard, g_ptr_array_unref);
  g_free (config);
}

gboolean
sy_config_equal (const SyConfig *a,
                 const SyConfig *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  return sy_keys_equal (sy_service_keys, &a->service, &b->service) &&
         sy_keys_equal (sy_direct_keys, &a->service, &b->service) &&
         ptr_arrays_equal (a->inbounds, b->inbounds, (GEqualFunc) sy_inbound_config_equal) &&
         ptr_arrays_equal (a->pools, b->pools, (GEqualFunc) sy_pool_config_equal) &&
         ptr_arrays_equal (a->wireguard, b->wireguard, (GEqualFunc) sy_wg_profile_equal);
}

SyInboundConfig *
sy_config_find_inbound (const SyConfig *config,
                        const char     *name,
                        guint          *index)
{
  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; config->inbounds != NULL && i < config->inbounds->len; i++)
    {
      SyInboundConfig *inbound = g_ptr_array_index (config->inbounds, i);

      if (g_strcmp0 (inbound->name, name) == 0)
        {
          if (index != NULL)
            *index = i;
          return inbound;
        }
    }

  return NULL;
}

SyPoolConfig *
sy_config_find_pool (const SyConfig *config,
                     const char     *name,
                     guint          *index)
{
  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; config->pools != NULL && i < config->pools->len; i++)
    {
      SyPoolConfig *pool = g_ptr_array_index (config->pools, i);

      if (g_strcmp0 (pool->name, name) == 0)
        {
          if (index != NULL)
            *index = i;
          return pool;
        }
    }

  return NULL;
}

gboolean
sy_service_config_check (const SyServiceConfig *service,
                         const SyConfigWhere   *where,
                         GError               **error)
{
  return sy_keys_check (sy_service_keys, service, where, SY_GROUP_SERVICE, error) &&
         sy_keys_check (sy_direct_keys, service, where, SY_GROUP_DIRECT, error);
}

/* Every name an Outbound= or a member may refer to, for "did you mean". */
static GStrv
outbound_candidates (const SyConfig *config)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_strv_builder_add (builder, SY_OUTBOUND_DIRECT);
  g_strv_builder_add (builder, SY_OUTBOUND_REJECT);
  for (guint j = 0; config->pools != NULL && j < config->pools->len; j++)
    g_strv_builder_add (builder, ((SyPoolConfig *) g_ptr_array_index (config->pools, j))->name);
  for (guint j = 0; config->wireguard != NULL && j < config->wireguard->len; j++)
    {
      const SyWgProfile *profile = g_ptr_array_index (config->wireguard, j);
      g_autofree char *outbound = sy_outbound_name_for_wireguard (profile->name);

      g_strv_builder_add (builder, outbound);
    }

  return g_strv_builder_end (builder);
}

static void
report_missing_profile (GError              **error,
                        const SyConfigWhere  *where,
                        const char           *group,
                        const char           *key,
                        const SyConfig       *config,
                        const char           *profile)
{
  g_autofree char *outbound = sy_outbound_name_for_wireguard (profile);
  g_auto(GStrv) candidates = outbound_candidates (config);
  const char *suggestion = sy_key_file_suggest (outbound, (const char * const *) candidates);

  if (suggestion != NULL && g_str_has_prefix (suggestion, SY_OUTBOUND_WIREGUARD_PREFIX))
    sy_config_report (error, where, group, key,
                      "there is no WireGuard profile '%s' (no " SY_CONFIG_WIREGUARD_DIR
                      "/%s.conf); did you mean %s?", profile, profile, suggestion);
  else
    sy_config_report (error, where, group, key,
                      "there is no WireGuard profile '%s' (no " SY_CONFIG_WIREGUARD_DIR
                      "/%s.conf); import one with `switchyardctl wireguard import FILE`",
                      profile, profile);
}

gboolean
sy_config_check_outbounds (const SyConfig      *config,
                           const SyConfigWhere *where,
                           GError             **error)
{
  for (guint i = 0; config->inbounds != NULL && i < config->inbounds->len; i++)
    {
      SyInboundConfig *inbound = g_ptr_array_index (config->inbounds, i);
      g_autofree char *group = NULL;
      g_auto(GStrv) candidates = NULL;
      const char *suggestion;
      const char *profile;

      if (is_empty (inbound->outbound) ||
          g_str_equal (inbound->outbound, SY_OUTBOUND_DIRECT) ||
          g_str_equal (inbound->outbound, SY_OUTBOUND_REJECT) ||
          sy_config_find_pool (config, inbound->outbound, NULL) != NULL)
        continue;

      group = g_strdup_printf (SY_GROUP_INBOUND " %s", inbound->name);

      if ((profile = sy_outbound_name_get_wireguard (inbound->outbound)) != NULL)
        {
          if (sy_config_find_wireguard (config, profile, NULL) != NULL)
            continue;

          report_missing_profile (error, where, group, "Outbound", config, profile);
          return FALSE;
        }

      candidates = outbound_candidates (config);
      suggestion = sy_key_file_suggest (inbound->outbound, (const char * const *) candidates);

      if (suggestion != NULL)
        sy_config_report (error, where, group, "Outbound",
                          "there is no pool '%s' (no " SY_CONFIG_POOLS_DIR "/%s.conf); "
                          "did you mean %s?", inbound->outbound, inbound->outbound, suggestion);
      else
        sy_config_report (error, where, group, "Outbound",
                          "there is no pool '%s' (no " SY_CONFIG_POOLS_DIR "/%s.conf); write "
                          "direct, reject or the name of an existing pool",
                          inbound->outbound, inbound->outbound);
      return FALSE;
    }

  for (guint i = 0; config->pools != NULL && i < config->pools->len; i++)
    {
      const SyPoolConfig *pool = g_ptr_array_index (config->pools, i);
      g_autofree char *prefix = g_strdup_printf ("pool %s: ", pool->name);
      SyConfigWhere pool_where = { .code = where->code, .prefix = prefix };

      if (!sy_config_check_pool_members (config, pool, &pool_where, error))
        return FALSE;
    }

  return TRUE;
}

gboolean
sy_config_check_pool_members (const SyConfig       *config,
                              const SyPoolConfig   *pool,
                              const SyConfigWhere  *where,
                              GError              **error)
{
  for (guint i = 0; pool->upstreams != NULL && i < pool->upstreams->len; i++)
    {
      const SyUpstreamConfig *upstream = g_ptr_array_index (pool->upstreams, i);
      g_autofree char *group = NULL;

      if (upstream->kind != SY_UPSTREAM_KIND_WIREGUARD ||
          sy_config_find_wireguard (config, upstream->profile, NULL) != NULL)
        continue;

      group = g_strdup_printf (SY_GROUP_UPSTREAM " %s", upstream->name);
      report_missing_profile (error, where, group, "URL", config, upstream->profile);
      return FALSE;
    }

  return TRUE;
}

gboolean
sy_config_validate (const SyConfig  *config,
                    GError         **error)
{
  SyConfigWhere where = { .code = SY_ERROR_CONFIG };

  g_return_val_if_fail (config != NULL, FALSE);

  if (!sy_service_config_check (&config->service, &where, error) ||
      !sy_inbounds_check (config->inbounds, &where, error))
    return FALSE;

  for (guint i = 0; config->pools != NULL && i < config->pools->len; i++)
    {
      SyPoolConfig *pool = g_ptr_array_index (config->pools, i);
      g_autofree char *prefix = g_strdup_printf ("pool %s: ", pool->name != NULL ? pool->name : "");
      SyConfigWhere pool_where = { .code = SY_ERROR_CONFIG, .prefix = prefix };

      if (!sy_pool_config_check (pool, &pool_where, error))
        return FALSE;

      for (guint j = 0; j < i; j++)
        if (g_str_equal (((SyPoolConfig *) g_ptr_array_index (config->pools, j))->name, pool->name))
          {
            sy_config_report (error, &pool_where, NULL, NULL,
                              "two pools have this name; rename one");
            return FALSE;
          }
    }

  if (!sy_config_check_wireguard (config, error))
    return FALSE;

  return sy_config_check_outbounds (config, &where, error);
}
