/* sy-wg-import.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-config"

#include <string.h>

#include "config/sy-config.h"
#include "config/sy-keyfile-util.h"
#include "config/sy-wg-import.h"
#include "util/sy-error.h"
#include "util/sy-secret.h"
#include "wireguard/sy-wg-crypto.h"
#include "wireguard/sy-wireproxy-config.h"

static const char * const format_names[] = {
  [SY_WG_IMPORT_AUTO] = "auto",
  [SY_WG_IMPORT_WG_QUICK] = "wg-quick",
  [SY_WG_IMPORT_WIREPROXY] = "wireproxy",
};

gboolean
sy_wg_import_format_from_string (const char       *text,
                                 SyWgImportFormat *format)
{
  g_return_val_if_fail (format != NULL, FALSE);

  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (format_names); i++)
    if (g_str_equal (text, format_names[i]))
      {
        *format = i;
        return TRUE;
      }

  return FALSE;
}

const char *
sy_wg_import_format_to_string (SyWgImportFormat format)
{
  if ((guint) format < G_N_ELEMENTS (format_names))
    return format_names[format];

  return "unknown";
}

/* ---------------------------------------------------------------------- */
/* telling the formats apart                                               */

/* Sections and keys wg-quick does not have. Both tools compare names
 * without regard to case. */
static const char * const wireproxy_sections[] = {
  "Socks5", "http", "TCPClientTunnel", "TCPServerTunnel", "STDIOTunnel", "SNI",
  "UDPProxyTunnel", "Resolve", NULL
};
static const char * const wireproxy_keys[] = {
  "WGConfig", "CheckAlive", "CheckAliveInterval", NULL
};

static gboolean
name_in (const char         *name,
         gsize               length,
         const char * const *names)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (strlen (names[i]) == length && g_ascii_strncasecmp (name, names[i], length) == 0)
      return TRUE;

  return FALSE;
}

typedef struct
{
  gboolean wireproxy;   /* a section or key only wireproxy has */
  gboolean wg_config;   /* a WGConfig key */
} Scan;

/* A line-level look, enough to pick a parser: the parsers themselves judge
 * everything else. */
static void
scan_text (const char *text,
           Scan       *scan)
{
  const char *line = text;

  memset (scan, 0, sizeof *scan);

  while (line != NULL && *line != '\0')
    {
      const char *end = strchr (line, '\n');
      gsize length = end != NULL ? (gsize) (end - line) : strlen (line);
      const char *p = line;
      const char *stop = line + length;

      while (p < stop && g_ascii_isspace (*p))
        p++;

      if (p < stop && *p == '[')
        {
          const char *close = memchr (p, ']', stop - p);

          if (close != NULL)
            {
              const char *start = p + 1;
              const char *finish = close;

              while (start < finish && g_ascii_isspace (*start))
                start++;
              while (finish > start && g_ascii_isspace (finish[-1]))
                finish--;
              if (name_in (start, finish - start, wireproxy_sections))
                scan->wireproxy = TRUE;
            }
        }
      else if (p < stop && *p != '#' && *p != ';')
        {
          const char *key_end = p;

          /* go-ini takes "key: value" as well as "key = value". */
          while (key_end < stop && *key_end != '=' && *key_end != ':')
            key_end++;
          if (key_end < stop)
            {
              const char *finish = key_end;

              while (finish > p && g_ascii_isspace (finish[-1]))
                finish--;
              if (name_in (p, finish - p, wireproxy_keys))
                scan->wireproxy = TRUE;
              if (name_in (p, finish - p, (const char * const []) { "WGConfig", NULL }))
                scan->wg_config = TRUE;
            }
        }

      line = end != NULL ? end + 1 : NULL;
    }
}

SyWgImportFormat
sy_wg_import_detect_format (const char *text)
{
  Scan scan;

  g_return_val_if_fail (text != NULL, SY_WG_IMPORT_WG_QUICK);

  scan_text (text, &scan);
  return scan.wireproxy ? SY_WG_IMPORT_WIREPROXY : SY_WG_IMPORT_WG_QUICK;
}

/* ---------------------------------------------------------------------- */
/* importing                                                               */

static void
add_warnings (GPtrArray          *warnings,
              const char * const *texts)
{
  for (guint i = 0; texts[i] != NULL; i++)
    g_ptr_array_add (warnings, g_strdup (texts[i]));
}

static char *
format_bind (const SyWireproxyRoutine *routine)
{
  const char *host = routine->bind_host != NULL && routine->bind_host[0] != '\0'
                     ? routine->bind_host : "*";

  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", host, routine->bind_port);
  return g_strdup_printf ("%s:%u", host, routine->bind_port);
}

/* wireproxy's routines are listeners and port forwards around the tunnel;
 * a profile is the tunnel alone, and says where each belongs instead. */
static void
add_wireproxy_warnings (GPtrArray               *warnings,
                        const SyWireproxyConfig *config,
                        const char              *shown,
                        const char              *name)
{
  for (guint i = 0; i < config->routines->len; i++)
    {
      const SyWireproxyRoutine *routine = g_ptr_array_index (config->routines, i);
      const char *kind = sy_wireproxy_routine_kind_name (routine->kind);

      switch (routine->kind)
        {
        case SY_WIREPROXY_ROUTINE_SOCKS5:
        case SY_WIREPROXY_ROUTINE_HTTP:
          {
            g_autofree char *bind = format_bind (routine);

            g_ptr_array_add (warnings,
                             g_strdup_printf ("%s:%u: [%s] (a proxy on %s) is not imported: a "
                                              "profile has no listeners; route an inbound to "
                                              "it with Outbound=" SY_OUTBOUND_WIREGUARD_PREFIX
                                              "%s", shown, routine->line, kind, bind, name));
          }
          break;

        case SY_WIREPROXY_ROUTINE_TCP_CLIENT_TUNNEL:
        case SY_WIREPROXY_ROUTINE_STDIO_TUNNEL:
        case SY_WIREPROXY_ROUTINE_TCP_SERVER_TUNNEL:
        case SY_WIREPROXY_ROUTINE_SNI:
        case SY_WIREPROXY_ROUTINE_UDP_PROXY_TUNNEL:
        default:
          g_ptr_array_add (warnings,
                           g_strdup_printf ("%s:%u: [%s] is not imported: a profile carries no "
                                            "port tunnels; run the wireproxy file itself with "
                                            "`switchyardd -c FILE` for them",
                                            shown, routine->line, kind));
          break;
        }
    }

  if (config->check_alive->len > 0)
    g_ptr_array_add (warnings,
                     g_strdup_printf ("%s: CheckAlive is not imported: put the profile in a pool "
                                      "(URL=" SY_OUTBOUND_WIREGUARD_PREFIX "%s), whose health "
                                      "check tests the tunnel", shown, name));

  if (config->resolve_strategy != SY_WIREPROXY_RESOLVE_AUTO)
    g_ptr_array_add (warnings,
                     g_strdup_printf ("%s: [Resolve] ResolveStrategy is not imported: "
                                      "connections try every address a name has, in the "
                                      "resolver's order", shown));
}

SyWgProfile *
sy_wg_import (const char        *name,
              const char        *text,
              SyWgImportFormat   format,
              GPtrArray         *warnings,
              GError           **error)
{
  g_autoptr(SyWgProfile) profile = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autofree char *shown = NULL;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!sy_is_valid_name (name))
    {
      g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a valid profile name: use 1–64 letters, digits, “-”, “_” and "
                   "“.”, not starting with “.”", name);
      return NULL;
    }

  /* The bound the files have: a text this large is no configuration. */
  if (strlen (text) > SY_KEY_FILE_MAX_SIZE)
    {
      g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                   "The text is larger than 1 MiB; that is no WireGuard configuration");
      return NULL;
    }

  if (format == SY_WG_IMPORT_AUTO)
    format = sy_wg_import_detect_format (text);

  found = g_ptr_array_new_with_free_func (g_free);

  switch (format)
    {
    case SY_WG_IMPORT_WG_QUICK:
      shown = g_strdup_printf ("%s.conf", name);
      profile = sy_wg_profile_parse_wg_quick (text, shown, error);
      if (profile == NULL)
        return NULL;
      break;

    case SY_WG_IMPORT_WIREPROXY:
      {
        g_autoptr(SyWireproxyConfig) config = NULL;
        Scan scan;

        shown = g_strdup_printf ("%s.ini", name);

        /* The parser would read the file WGConfig names, relative to a
         * directory the text does not come from: the caller reads it. */
        scan_text (text, &scan);
        if (scan.wg_config)
          {
            g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                         "%s: WGConfig names another file, which an import does not read; "
                         "import that wg-quick file instead", shown);
            return NULL;
          }

        if ((config = sy_wireproxy_config_parse (text, shown, error)) == NULL)
          return NULL;

        profile = sy_wg_profile_ref (config->profile);
        add_warnings (found, sy_wireproxy_config_get_warnings (config));
        add_wireproxy_warnings (found, config, shown, name);
      }
      break;

    case SY_WG_IMPORT_AUTO:
    default:
      g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                   "Unknown format; use “auto”, “wg-quick” or “wireproxy”");
      return NULL;
    }

  if (format == SY_WG_IMPORT_WG_QUICK)
    add_warnings (found, sy_wg_profile_get_warnings (profile));

  /* Nobody else holds the profile yet: naming it in place is safe. */
  if (g_strcmp0 (profile->name, name) != 0)
    {
      g_free (profile->name);
      profile->name = g_strdup (name);
    }

  if (!sy_wg_profile_validate (profile, error))
    {
      g_prefix_error (error, "%s: ", shown);
      return NULL;
    }

  if (warnings != NULL)
    for (guint i = 0; i < found->len; i++)
      g_ptr_array_add (warnings, g_strdup (g_ptr_array_index (found, i)));

  return g_steal_pointer (&profile);
}

/* ---------------------------------------------------------------------- */
/* exporting                                                               */

char *
sy_wg_profile_dup_public_key (const SyWgProfile *profile)
{
  guint8 public_key[SY_WG_KEY_LEN];

  g_return_val_if_fail (profile != NULL, NULL);

  sy_wg_derive_public_key (public_key, profile->private_key);
  return sy_wg_key_to_base64 (public_key);
}

/* The writer puts one "Key = value" per line; a secret's line is known by
 * its key alone. */
static gboolean
is_secret_line (const char *line)
{
  return g_str_has_prefix (line, "PrivateKey =") || g_str_has_prefix (line, "PresharedKey =");
}

char *
sy_wg_export (const SyWgProfile *profile,
              gboolean           include_secrets)
{
  g_autoptr(SySecret) text = NULL;
  g_autofree char *public_key = NULL;
  GString *out;

  g_return_val_if_fail (profile != NULL, NULL);

  text = sy_wg_profile_to_wg_quick (profile);
  public_key = sy_wg_profile_dup_public_key (profile);

  /* Room for the header up front: a reallocation would leave a copy of
   * the private key behind in freed memory. */
  out = g_string_sized_new (strlen (text) + 512);
  g_string_append_printf (out, "# WireGuard profile '%s', exported by Switchyard.\n"
                          "# This interface's public key: %s\n",
                          profile->name != NULL ? profile->name : "", public_key);
  if (!include_secrets)
    g_string_append (out, "# The private and preshared keys are left out.\n");
  g_string_append_c (out, '\n');

  for (const char *line = text; *line != '\0'; )
    {
      const char *end = strchr (line, '\n');
      gsize length = end != NULL ? (gsize) (end - line + 1) : strlen (line);

      if (!include_secrets && is_secret_line (line))
        {
          gsize key_length = strcspn (line, " =");

          g_string_append (out, "# ");
          g_string_append_len (out, line, key_length);
          g_string_append (out, " = (not exported)\n");
        }
      else
        g_string_append_len (out, line, length);

      line += length;
    }

  return g_string_free (out, FALSE);
}
