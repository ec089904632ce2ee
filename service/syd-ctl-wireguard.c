/* syd-ctl-wireguard.c — switchyardctl wireguard
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "switchyardctl"

#include <string.h>

#include "syd-ctl.h"
#include "syd-ctl-format.h"

/* Profiles are small; anything larger is the wrong file. */
#define PROFILE_FILE_MAX_SIZE (1024 * 1024)

/* The daemon proxy checks that switchyardd runs (or may be activated);
 * WireGuard1 has no properties to load. */
static SydWireguard1 *
get_wireguard (SydCtl  *ctl,
               GError **error)
{
  GDBusProxyFlags flags = G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES;

  if (syd_ctl_get_daemon (ctl, error) == NULL)
    return NULL;

  if (!ctl->command->autostart)
    flags |= G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START;

  return syd_wireguard1_proxy_new_for_bus_sync (G_BUS_TYPE_SESSION, flags, SY_DBUS_NAME,
                                                SY_DBUS_PATH, NULL, error);
}

static char *
join_strv_value (GVariant   *dict,
                 const char *key)
{
  g_autofree const char **strv = NULL;

  if (!g_variant_lookup (dict, key, "^a&s", &strv) || strv[0] == NULL)
    return g_strdup ("–");

  return g_strjoinv (", ", (char **) strv);
}

/* list ------------------------------------------------------------------------ */

int
syd_ctl_cmd_wireguard_list (SydCtl  *ctl,
                            int      argc,
                            char   **argv)
{
  g_autoptr(SydWireguard1) proxy = NULL;
  g_autoptr(GVariant) profiles = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SydTable) table = NULL;
  GVariantIter iter;
  const char *name;
  GVariant *properties;

  if (!syd_ctl_parse_options (ctl, NULL, &argc, &argv, 0, 0))
    return 1;

  if ((proxy = get_wireguard (ctl, &error)) == NULL ||
      !syd_wireguard1_call_list_profiles_sync (proxy, syd_ctl_call_flags (ctl), -1, &profiles,
                                               NULL, &error))
    return syd_ctl_report_error (error);

  if (ctl->json)
    {
      GVariantBuilder builder;

      /* As a list of objects with their name inside, like the other lists. */
      g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
      g_variant_iter_init (&iter, profiles);
      while (g_variant_iter_next (&iter, "(&s@a{sv})", &name, &properties))
        {
          g_autoptr(GVariant) owned G_GNUC_UNUSED = properties;
          GVariantDict dict;

          g_variant_dict_init (&dict, properties);
          g_variant_dict_insert (&dict, "name", "s", name);
          g_variant_builder_add_value (&builder, g_variant_dict_end (&dict));
        }
      syd_ctl_print_json (g_variant_builder_end (&builder), TRUE);
      return 0;
    }

  if (g_variant_n_children (profiles) == 0)
    {
      g_print ("No WireGuard profiles; add one with: switchyardctl wireguard import FILE\n");
      return 0;
    }

  table = syd_table_new ("NAME", "ADDRESSES", "PEERS>", "UP>", "STATE", "USED BY", NULL);

  g_variant_iter_init (&iter, profiles);
  while (g_variant_iter_next (&iter, "(&s@a{sv})", &name, &properties))
    {
      g_autoptr(GVariant) owned G_GNUC_UNUSED = properties;
      g_autofree char *addresses = join_strv_value (properties, "addresses");
      g_autofree char *peers = syd_ctl_lookup_uint_text (properties, "peer-count");
      g_autofree char *up = syd_ctl_lookup_uint_text (properties, "peers-up");
      g_autofree const char **inbounds = NULL;
      g_autofree const char **pools = NULL;
      g_autoptr(GString) used = g_string_new (NULL);

      g_variant_lookup (properties, "inbounds", "^a&s", &inbounds);
      g_variant_lookup (properties, "pools", "^a&s", &pools);
      for (guint i = 0; inbounds != NULL && inbounds[i] != NULL; i++)
        g_string_append_printf (used, "%sinbound %s", used->len > 0 ? ", " : "", inbounds[i]);
      for (guint i = 0; pools != NULL && pools[i] != NULL; i++)
        g_string_append_printf (used, "%spool %s", used->len > 0 ? ", " : "", pools[i]);

      syd_table_add_row (table, name, addresses, peers, up,
                         syd_ctl_lookup_bool (properties, "running", FALSE) ? "running"
                                                                            : "stopped",
                         used->len > 0 ? used->str : "–", NULL);
    }

  syd_table_print (table, 0);
  g_print ("\nUse a profile with Outbound=wireguard:NAME, or in a pool with "
           "switchyardctl upstreams add POOL wireguard:NAME\n");

  return 0;
}

/* import ----------------------------------------------------------------------- */

static char     *opt_import_name;
static char     *opt_import_format;
static gboolean  opt_import_replace;

static const GOptionEntry import_entries[] = {
  { "name", 'n', 0, G_OPTION_ARG_STRING, &opt_import_name,
    "Name of the profile (default: the file's name without .conf or .ini)", "NAME" },
  { "format", 'f', 0, G_OPTION_ARG_STRING, &opt_import_format,
    "auto (the default), wg-quick or wireproxy", "FORMAT" },
  { "replace", 0, 0, G_OPTION_ARG_NONE, &opt_import_replace,
    "Replace a profile of the same name (its users keep it)", NULL },
  { NULL }
};

/* "/home/me/Downloads/de-fra-01.conf" → "de-fra-01"; characters a profile
 * name cannot have become '-'. NULL when nothing usable is left. */
static char *
name_from_path (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');

  if (dot != NULL && dot != base &&
      (g_ascii_strcasecmp (dot, ".conf") == 0 || g_ascii_strcasecmp (dot, ".ini") == 0))
    *dot = '\0';

  for (char *p = base; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      *p = '-';

  if (base[0] == '\0' || base[0] == '.' || strlen (base) > 64)
    return NULL;

  return g_steal_pointer (&base);
}

static gboolean
profile_exists (SydCtl        *ctl,
                SydWireguard1 *proxy,
                const char    *name,
                GError       **error,
                gboolean      *exists)
{
  g_autoptr(GVariant) profiles = NULL;
  GVariantIter iter;
  const char *existing;
  GVariant *properties;

  *exists = FALSE;
  if (!syd_wireguard1_call_list_profiles_sync (proxy, syd_ctl_call_flags (ctl), -1, &profiles,
                                               NULL, error))
    return FALSE;

  g_variant_iter_init (&iter, profiles);
  while (g_variant_iter_next (&iter, "(&s@a{sv})", &existing, &properties))
    {
      g_autoptr(GVariant) owned G_GNUC_UNUSED = properties;

      if (g_str_equal (existing, name))
        *exists = TRUE;
    }

  return TRUE;
}

/* The service names the text "NAME.conf" or "NAME.ini" in its messages;
 * the person knows it as @path. */
static void
point_at_file (GError     *error,
               const char *name,
               const char *path)
{
  static const char * const suffixes[] = { ".conf:", ".ini:" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *shown = g_strconcat (name, suffixes[i], NULL);
      char *found = strstr (error->message, shown);

      if (found != NULL)
        {
          g_autofree char *message = NULL;

          message = g_strdup_printf ("%.*s%s:%s", (int) (found - error->message), error->message,
                                     path, found + strlen (shown));
          g_free (error->message);
          error->message = g_steal_pointer (&message);
          return;
        }
    }
}

int
syd_ctl_cmd_wireguard_import (SydCtl  *ctl,
                              int      argc,
                              char   **argv)
{
  g_autoptr(SydWireguard1) proxy = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) warnings = NULL;
  g_autofree char *imported = NULL;
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;
  const char *path;
  gboolean exists;
  gsize length;

  if (!syd_ctl_parse_options (ctl, import_entries, &argc, &argv, 1, 1))
    return 1;
  path = argv[1];

  if (opt_import_format != NULL && !g_str_equal (opt_import_format, "auto") &&
      !g_str_equal (opt_import_format, "wg-quick") && !g_str_equal (opt_import_format, "wireproxy"))
    return syd_ctl_usage_error (ctl, "--format must be auto, wg-quick or wireproxy, not “%s”",
                                opt_import_format);

  if (!g_file_get_contents (path, &text, &length, &error))
    return syd_ctl_report_error (error);
  if (length > PROFILE_FILE_MAX_SIZE)
    return syd_ctl_usage_error (ctl, "%s is larger than 1 MiB; that is no WireGuard profile",
                                path);
  if (!g_utf8_validate (text, length, NULL))
    return syd_ctl_usage_error (ctl, "%s is not UTF-8 text; is it a WireGuard configuration?",
                                path);

  name = opt_import_name != NULL ? g_strdup (opt_import_name) : name_from_path (path);
  if (name == NULL)
    return syd_ctl_usage_error (ctl, "no profile name can be made from “%s”; give one with "
                                "--name NAME", path);

  if ((proxy = get_wireguard (ctl, &error)) == NULL ||
      !profile_exists (ctl, proxy, name, &error, &exists))
    return syd_ctl_report_error (error);

  if (exists && !opt_import_replace)
    {
      g_printerr ("switchyardctl: A WireGuard profile named “%s” exists already; pass --replace "
                  "to update it, or --name to import under another name\n", name);
      return 1;
    }

  if (!syd_wireguard1_call_import_profile_sync (proxy, name, text,
                                                opt_import_format != NULL ? opt_import_format
                                                                          : "auto",
                                                syd_ctl_call_flags (ctl), -1,
                                                &imported, &warnings, NULL, &error))
    {
      point_at_file (error, name, path);
      return syd_ctl_report_error (error);
    }

  if (ctl->json)
    {
      syd_ctl_print_json (g_variant_new_parsed ("{'name': <%s>, 'replaced': <%b>, "
                                                "'warnings': <%^as>}",
                                                imported, exists, warnings),
                          TRUE);
      return 0;
    }

  g_print ("%s WireGuard profile %s; use it with Outbound=wireguard:%s\n",
           exists ? "Replaced" : "Imported", imported, imported);
  for (guint i = 0; warnings[i] != NULL; i++)
    {
      g_autoptr(GError) shown = g_error_new_literal (G_IO_ERROR, 0, warnings[i]);

      point_at_file (shown, imported, path);
      g_print ("  not imported: %s\n", shown->message);
    }

  return 0;
}

/* peers -------------------------------------------------------------------------- */

/* "never", "12 s ago", "3 min 05 s ago", "2 h 05 min ago", "3 d 04 h ago" */
static char *
format_handshake (gint64 unix_seconds,
                  gint64 now)
{
  gint64 ago;

  if (unix_seconds <= 0)
    return g_strdup ("never");

  ago = MAX (now - unix_seconds, 0);
  if (ago < 60)
    return g_strdup_printf ("%" G_GINT64_FORMAT " s ago", ago);
  if (ago < 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT " min %02" G_GINT64_FORMAT " s ago",
                            ago / 60, ago % 60);
  if (ago < 86400)
    return g_strdup_printf ("%" G_GINT64_FORMAT " h %02" G_GINT64_FORMAT " min ago",
                            ago / 3600, ago % 3600 / 60);
  return g_strdup_printf ("%" G_GINT64_FORMAT " d %02" G_GINT64_FORMAT " h ago",
                          ago / 86400, ago % 86400 / 3600);
}

int
syd_ctl_cmd_wireguard_peers (SydCtl  *ctl,
                             int      argc,
                             char   **argv)
{
  g_autoptr(SydWireguard1) proxy = NULL;
  g_autoptr(GVariant) peers = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SydTable) table = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  GVariantIter iter;
  GVariant *peer;

  if (!syd_ctl_parse_options (ctl, NULL, &argc, &argv, 1, 1))
    return 1;

  if ((proxy = get_wireguard (ctl, &error)) == NULL ||
      !syd_wireguard1_call_get_peers_sync (proxy, argv[1], syd_ctl_call_flags (ctl), -1, &peers,
                                           NULL, &error))
    return syd_ctl_report_error (error);

  if (ctl->json)
    {
      syd_ctl_print_json (g_steal_pointer (&peers), TRUE);
      return 0;
    }

  if (g_variant_n_children (peers) == 0)
    {
      g_print ("Profile %s has no peers\n", argv[1]);
      return 0;
    }

  table = syd_table_new ("PEER", "ENDPOINT", "LATEST HANDSHAKE", "TRANSFER", "STATE", NULL);

  g_variant_iter_init (&iter, peers);
  while ((peer = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned G_GNUC_UNUSED = peer;
      g_autofree char *handshake = format_handshake (syd_ctl_lookup_int (peer, "last-handshake", 0),
                                                     now);
      g_autofree char *rx = syd_ctl_lookup_size_text (peer, "rx-bytes");
      g_autofree char *tx = syd_ctl_lookup_size_text (peer, "tx-bytes");
      g_autofree char *transfer = g_strdup_printf ("%s received, %s sent", rx, tx);
      const char *public_key, *endpoint, *state;

      syd_ctl_lookup_string (peer, "public-key", &public_key);
      syd_ctl_lookup_string (peer, "endpoint", &endpoint);
      syd_ctl_lookup_string (peer, "state", &state);

      syd_table_add_row (table, public_key, endpoint[0] != '\0' ? endpoint : "(none)",
                         handshake, transfer, state, NULL);
    }

  syd_table_print (table, 0);

  return 0;
}

/* remove, export ------------------------------------------------------------------- */

int
syd_ctl_cmd_wireguard_remove (SydCtl  *ctl,
                              int      argc,
                              char   **argv)
{
  g_autoptr(SydWireguard1) proxy = NULL;
  g_autoptr(GError) error = NULL;

  if (!syd_ctl_parse_options (ctl, NULL, &argc, &argv, 1, 1))
    return 1;

  if ((proxy = get_wireguard (ctl, &error)) == NULL ||
      !syd_wireguard1_call_remove_profile_sync (proxy, argv[1], syd_ctl_call_flags (ctl), -1,
                                                NULL, &error))
    return syd_ctl_report_error (error);

  return syd_ctl_confirm (ctl, "Removed WireGuard profile %s\n", argv[1]);
}

static gboolean opt_export_private;

static const GOptionEntry export_entries[] = {
  { "private", 0, 0, G_OPTION_ARG_NONE, &opt_export_private,
    "Include the private and preshared keys (the text can then be used as is)", NULL },
  { NULL }
};

int
syd_ctl_cmd_wireguard_export (SydCtl  *ctl,
                              int      argc,
                              char   **argv)
{
  g_autoptr(SydWireguard1) proxy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (!syd_ctl_parse_options (ctl, export_entries, &argc, &argv, 1, 1))
    return 1;

  if ((proxy = get_wireguard (ctl, &error)) == NULL ||
      !syd_wireguard1_call_export_profile_sync (proxy, argv[1], opt_export_private,
                                                syd_ctl_call_flags (ctl), -1, &text, NULL,
                                                &error))
    return syd_ctl_report_error (error);

  if (ctl->json)
    syd_ctl_print_json (g_variant_new_parsed ("{'name': <%s>, 'text': <%s>}", argv[1], text),
                        TRUE);
  else
    g_print ("%s", text);

  if (opt_export_private)
    explicit_bzero (text, strlen (text));

  return 0;
}
