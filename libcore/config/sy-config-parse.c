/* sy-config-parse.c — reading service.conf, inbounds.conf and pools/NAME.conf
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-config"

#include <string.h>

#include "config/sy-config-private.h"
#include "util/sy-error.h"

/* The keys of the split form of an upstream, the alternative to URL=. */
static const char * const upstream_split_keys[] = {
  "Type", "Host", "Port", "Username", "Password", NULL
};
static const char * const upstream_extra_keys[] = {
  "URL", "Type", "Host", "Port", "Username", "Password", NULL
};

static gboolean
strv_has (const char * const *strv,
          const char         *s)
{
  return strv != NULL && g_strv_contains (strv, s);
}

/* Reports a key no table knows, with the closest known key when it looks
 * like a typo, otherwise with the list of keys the group takes. */
static void
report_unknown_key (GError              **error,
                    const SyConfigWhere  *where,
                    const char           *group,
                    const char           *key,
                    const char * const   *names)
{
  const char *suggestion = sy_key_file_suggest (key, names);

  if (suggestion != NULL)
    {
      sy_config_report (error, where, group, key, "is not a key of this group; did you mean %s?",
                        suggestion);
    }
  else
    {
      g_autofree char *list = g_strjoinv (", ", (char **) names);

      sy_config_report (error, where, group, key,
                        "is not a key of this group; the keys are %s", list);
    }
}

/* Reports a group no file rule knows. @kinds are the group names the file
 * takes ("Service", "Inbound", …); for a named group like "Inbond main" the
 * suggestion keeps the name: "did you mean [Inbound main]?". */
static void
report_unknown_group (GError              **error,
                      const SyConfigWhere  *where,
                      const char           *group,
                      const char * const   *kinds,
                      const char           *expected)
{
  const char *space = strchr (group, ' ');
  gsize word_length = space != NULL ? (gsize) (space - group) : strlen (group);
  g_autofree char *word = g_strndup (group, word_length);
  const char *suggestion = sy_key_file_suggest (word, kinds);

  if (suggestion != NULL)
    sy_config_report (error, where, group, NULL, "is not a known group; did you mean [%s%s]?",
                      suggestion, space != NULL ? space : "");
  else
    sy_config_report (error, where, group, NULL, "is not a known group; this file takes %s",
                      expected);
}

/* Parses every entry of @group through @keys; keys in @extra are left to
 * the caller. */
static gboolean
parse_group_keys (const SyKeySpec      *keys,
                  const char * const   *extra,
                  const SyKeyFileGroup *group,
                  gpointer              base,
                  const SyConfigWhere  *where,
                  GError              **error)
{
  for (guint i = 0; i < group->entries->len; i++)
    {
      const SyKeyFileEntry *entry = g_ptr_array_index (group->entries, i);
      const SyKeySpec *spec = sy_keys_lookup (keys, entry->key);

      if (spec != NULL)
        {
          if (!sy_keys_parse (spec, entry, base, where, group->name, error))
            return FALSE;
        }
      else if (!strv_has (extra, entry->key))
        {
          g_auto(GStrv) names = sy_keys_names (keys, extra);

          report_unknown_key (error, where, group->name, entry->key,
                              (const char * const *) names);
          return FALSE;
        }
    }

  return TRUE;
}

/* The name after "KIND " in a group header, or NULL when @group is not of
 * that kind. */
static const char *
group_instance (const char *group,
                const char *kind)
{
  gsize length = strlen (kind);

  if (strncmp (group, kind, length) == 0 && group[length] == ' ')
    return group + length + 1;

  return NULL;
}

static void
where_init (SyConfigWhere   *where,
            const char      *filename,
            const SyKeyFile *key_file)
{
  memset (where, 0, sizeof *where);
  where->filename = filename;
  where->key_file = key_file;
  where->code = SY_ERROR_CONFIG;
  where->strict = TRUE;
}

/* ---------------------------------------------------------------------- */
/* service.conf                                                            */

gboolean
sy_config_parse_service (SyConfig    *config,
                         const char  *filename,
                         const char  *data,
                         gsize        length,
                         GError     **error)
{
  static const char * const kinds[] = { SY_GROUP_SERVICE, SY_GROUP_DIRECT, NULL };
  g_autoptr(SyKeyFile) key_file = NULL;
  SyServiceConfig service = { 0 };
  SyConfigWhere where;
  gboolean ok = TRUE;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (filename != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((key_file = sy_key_file_scan (filename, data, length, error)) == NULL)
    return FALSE;

  where_init (&where, filename, key_file);
  sy_keys_init (sy_service_keys, &service);
  sy_keys_init (sy_direct_keys, &service);

  for (guint i = 0; ok && i < key_file->groups->len; i++)
    {
      const SyKeyFileGroup *group = g_ptr_array_index (key_file->groups, i);

      if (g_str_equal (group->name, SY_GROUP_SERVICE))
        ok = parse_group_keys (sy_service_keys, NULL, group, &service, &where, error);
      else if (g_str_equal (group->name, SY_GROUP_DIRECT))
        ok = parse_group_keys (sy_direct_keys, NULL, group, &service, &where, error);
      else
        {
          report_unknown_group (error, &where, group->name, kinds, "[Service] and [Direct]");
          ok = FALSE;
        }
    }

  if (ok)
    ok = sy_service_config_check (&service, &where, error);

  if (ok)
    {
      sy_keys_clear (sy_service_keys, &config->service);
      sy_keys_clear (sy_direct_keys, &config->service);
      config->service = service;
    }
  else
    {
      sy_keys_clear (sy_service_keys, &service);
      sy_keys_clear (sy_direct_keys, &service);
    }

  return ok;
}

/* ---------------------------------------------------------------------- */
/* inbounds.conf                                                           */

gboolean
sy_config_parse_inbounds (SyConfig    *config,
                          const char  *filename,
                          const char  *data,
                          gsize        length,
                          GError     **error)
{
  static const char * const kinds[] = { SY_GROUP_INBOUND, NULL };
  g_autoptr(SyKeyFile) key_file = NULL;
  g_autoptr(GPtrArray) inbounds = NULL;
  SyConfigWhere where;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (filename != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((key_file = sy_key_file_scan (filename, data, length, error)) == NULL)
    return FALSE;

  where_init (&where, filename, key_file);
  inbounds = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_inbound_config_free);

  for (guint i = 0; i < key_file->groups->len; i++)
    {
      const SyKeyFileGroup *group = g_ptr_array_index (key_file->groups, i);
      const char *name = group_instance (group->name, SY_GROUP_INBOUND);
      SyInboundConfig *inbound;

      if (name == NULL)
        {
          if (g_str_equal (group->name, SY_GROUP_INBOUND))
            sy_config_report (error, &where, group->name, NULL,
                              "has no name; write [Inbound NAME], as in [Inbound main]");
          else
            report_unknown_group (error, &where, group->name, kinds, "[Inbound NAME] groups");
          return FALSE;
        }

      if (!sy_is_valid_name (name))
        {
          sy_config_report (error, &where, group->name, NULL,
                            "'%s' is not a valid inbound name; use 1–64 letters, digits, '.', "
                            "'_' or '-', not starting with '.'", name);
          return FALSE;
        }

      inbound = sy_inbound_config_new ();
      inbound->name = g_strdup (name);
      g_ptr_array_add (inbounds, inbound);

      if (!parse_group_keys (sy_inbound_keys, NULL, group, inbound, &where, error))
        return FALSE;
    }

  if (!sy_inbounds_check (inbounds, &where, error))
    return FALSE;

  g_clear_pointer (&config->inbounds, g_ptr_array_unref);
  config->inbounds = g_steal_pointer (&inbounds);

  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* pools/NAME.conf                                                         */

static char *
unescape_entry (const SyKeyFileEntry *entry,
                const SyConfigWhere  *where,
                const char           *group,
                GError              **error)
{
  g_autofree char *problem = NULL;
  char *value = sy_key_file_unescape (entry->value, &problem);

  if (value == NULL)
    sy_config_report (error, where, group, entry->key, "%s", problem);

  return value;
}

static gboolean
parse_upstream_split (SyUpstreamConfig     *upstream,
                      const SyKeyFileGroup *group,
                      const SyConfigWhere  *where,
                      GError              **error)
{
  SyKeyFileEntry *type = sy_key_file_group_lookup (group, "Type");
  SyKeyFileEntry *host = sy_key_file_group_lookup (group, "Host");
  SyKeyFileEntry *port = sy_key_file_group_lookup (group, "Port");
  SyKeyFileEntry *username = sy_key_file_group_lookup (group, "Username");
  SyKeyFileEntry *password = sy_key_file_group_lookup (group, "Password");
  g_autofree char *problem = NULL;
  char *value;

  if (host == NULL && port == NULL)
    {
      sy_config_report (error, where, group->name, NULL,
                        "has no URL; write URL=socks5://HOST:PORT (or Host= and Port=)");
      return FALSE;
    }

  if (type != NULL)
    {
      g_autofree char *text = unescape_entry (type, where, group->name, error);

      if (text == NULL)
        return FALSE;
      if (!sy_upstream_kind_from_string (text, &upstream->kind))
        {
          sy_config_report (error, where, group->name, "Type",
                            "'%s' is not an upstream type; write socks5 or http", text);
          return FALSE;
        }
      if (upstream->kind == SY_UPSTREAM_KIND_WIREGUARD)
        {
          sy_config_report (error, where, group->name, "Type",
                            "a WireGuard member is given as URL=" SY_OUTBOUND_WIREGUARD_PREFIX
                            "PROFILE alone; remove Type, Host and Port");
          return FALSE;
        }
    }

  if (host == NULL)
    {
      sy_config_report (error, where, group->name, NULL,
                        "has Port= but no Host=; write Host=HOST");
      return FALSE;
    }
  if ((value = unescape_entry (host, where, group->name, error)) == NULL)
    return FALSE;
  /* "[::1]" as in URLs is accepted; the brackets are not part of the address. */
  if (value[0] == '[' && value[strlen (value) - 1] == ']')
    {
      char *inner = g_strndup (value + 1, strlen (value) - 2);

      g_free (value);
      value = inner;
    }
  g_free (upstream->host);
  upstream->host = value;
  if (!sy_check_host (upstream->host, &problem))
    {
      sy_config_report (error, where, group->name, "Host", "%s", problem);
      return FALSE;
    }

  if (port == NULL)
    {
      sy_config_report (error, where, group->name, NULL,
                        "has Host= but no Port=; write Port=%s",
                        upstream->kind == SY_UPSTREAM_KIND_SOCKS5 ? "1080" : "8080");
      return FALSE;
    }
  else
    {
      guint64 number = 0;
      gboolean digits = port->value[0] != '\0';

      for (const char *p = port->value; *p; p++)
        if (!g_ascii_isdigit (*p))
          digits = FALSE;
      if (digits && strlen (port->value) <= 5)
        number = g_ascii_strtoull (port->value, NULL, 10);
      if (!digits || number < 1 || number > 65535)
        {
          sy_config_report (error, where, group->name, "Port",
                            "'%s' is not a port; write a number from 1 to 65535", port->value);
          return FALSE;
        }
      upstream->port = (guint16) number;
    }

  if (username != NULL)
    {
      if ((value = unescape_entry (username, where, group->name, error)) == NULL)
        return FALSE;
      g_free (upstream->username);
      upstream->username = *value != '\0' ? value : (g_free (value), NULL);
    }

  if (password != NULL)
    {
      if ((value = unescape_entry (password, where, group->name, error)) == NULL)
        return FALSE;
      sy_secret_free (upstream->password);
      upstream->password = *value != '\0' ? value : (g_free (value), NULL);
    }

  return TRUE;
}

static SyUpstreamConfig *
parse_upstream (const char           *name,
                const SyKeyFileGroup *group,
                const SyConfigWhere  *where,
                GError              **error)
{
  g_autoptr(SyUpstreamConfig) upstream = NULL;
  SyKeyFileEntry *url;

  if (!sy_is_valid_name (name))
    {
      sy_config_report (error, where, group->name, NULL,
                        "'%s' is not a valid upstream name; use 1–64 letters, digits, '.', "
                        "'_' or '-', not starting with '.'", name);
      return NULL;
    }

  upstream = sy_upstream_config_new ();
  upstream->name = g_strdup (name);

  if (!parse_group_keys (sy_upstream_keys, upstream_extra_keys, group, upstream, where, error))
    return NULL;

  if ((url = sy_key_file_group_lookup (group, "URL")) != NULL)
    {
      g_autofree char *text = NULL;
      g_autofree char *problem = NULL;

      for (guint i = 0; upstream_split_keys[i] != NULL; i++)
        if (sy_key_file_group_lookup (group, upstream_split_keys[i]) != NULL)
          {
            sy_config_report (error, where, group->name, upstream_split_keys[i],
                              "cannot be combined with URL=; give either URL or "
                              "Type/Host/Port/Username/Password");
            return NULL;
          }

      if ((text = unescape_entry (url, where, group->name, error)) == NULL)
        return NULL;

      if (!sy_upstream_url_parse (text, upstream, &problem))
        {
          sy_config_report (error, where, group->name, "URL", "%s", problem);
          return NULL;
        }
    }
  else if (!parse_upstream_split (upstream, group, where, error))
    {
      return NULL;
    }

  return g_steal_pointer (&upstream);
}

/* "pools/work.conf" → "work" */
static char *
pool_name_from_filename (const char *filename)
{
  g_autofree char *base = g_path_get_basename (filename);

  if (g_str_has_suffix (base, ".conf"))
    base[strlen (base) - strlen (".conf")] = '\0';

  return g_steal_pointer (&base);
}

SyPoolConfig *
sy_config_parse_pool (const char  *filename,
                      const char  *data,
                      gsize        length,
                      GError     **error)
{
  static const char * const kinds[] = {
    SY_GROUP_POOL, SY_GROUP_HEALTH, SY_GROUP_UPSTREAM, NULL
  };
  g_autoptr(SyKeyFile) key_file = NULL;
  g_autoptr(SyPoolConfig) pool = NULL;
  g_autofree char *name = NULL;
  SyConfigWhere where;

  g_return_val_if_fail (filename != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if ((key_file = sy_key_file_scan (filename, data, length, error)) == NULL)
    return NULL;

  where_init (&where, filename, key_file);
  name = pool_name_from_filename (filename);

  if (!sy_is_valid_name (name))
    {
      sy_config_report (error, &where, NULL, NULL,
                        "'%s' is not a valid pool name; rename the file to NAME.conf where NAME "
                        "has 1–64 letters, digits, '.', '_' or '-', not starting with '.'", name);
      return NULL;
    }

  pool = sy_pool_config_new (name);

  for (guint i = 0; i < key_file->groups->len; i++)
    {
      const SyKeyFileGroup *group = g_ptr_array_index (key_file->groups, i);
      const char *upstream_name = group_instance (group->name, SY_GROUP_UPSTREAM);
      gboolean ok;

      if (g_str_equal (group->name, SY_GROUP_POOL))
        {
          ok = parse_group_keys (sy_pool_keys, NULL, group, pool, &where, error);
        }
      else if (g_str_equal (group->name, SY_GROUP_HEALTH))
        {
          ok = parse_group_keys (sy_health_keys, NULL, group, &pool->health, &where, error);
        }
      else if (upstream_name != NULL)
        {
          SyUpstreamConfig *upstream = parse_upstream (upstream_name, group, &where, error);

          if ((ok = upstream != NULL))
            g_ptr_array_add (pool->upstreams, upstream);
        }
      else if (g_str_equal (group->name, SY_GROUP_UPSTREAM))
        {
          sy_config_report (error, &where, group->name, NULL,
                            "has no name; write [Upstream NAME], as in [Upstream tokyo]");
          ok = FALSE;
        }
      else if (group_instance (group->name, SY_GROUP_POOL) != NULL)
        {
          sy_config_report (error, &where, group->name, NULL,
                            "takes no name: the pool is named after its file (%s); write [Pool]",
                            name);
          ok = FALSE;
        }
      else
        {
          report_unknown_group (error, &where, group->name, kinds,
                                "[Pool], [HealthCheck] and [Upstream NAME] groups");
          ok = FALSE;
        }

      if (!ok)
        return NULL;
    }

  if (!sy_pool_config_check (pool, &where, error))
    return NULL;

  return g_steal_pointer (&pool);
}

/* ---------------------------------------------------------------------- */
/* the directory                                                           */

/* Reads @path; a missing file is not an error (*@contents stays NULL). */
static gboolean
read_optional (const char  *path,
               const char  *shown,
               char       **contents,
               gsize       *length,
               GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  *contents = NULL;
  *length = 0;

  if (g_file_get_contents (path, contents, length, &local_error))
    return TRUE;

  if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    return TRUE;

  g_set_error (error, SY_ERROR, SY_ERROR_CONFIG, "%s: cannot be read: %s",
               shown, local_error->message);
  return FALSE;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* Names of pools/ files to read: "*.conf", skipping hidden files (editor
 * swap files, other tools' temporary files). Sorted, so that the order of
 * pools does not depend on the file system. */
static GPtrArray *
list_pool_files (const char  *pools_dir,
                 GError     **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *entry;

  if ((dir = g_dir_open (pools_dir, 0, &local_error)) == NULL)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&names);

      g_set_error (error, SY_ERROR, SY_ERROR_CONFIG, "%s/: cannot be read: %s",
                   SY_CONFIG_POOLS_DIR, local_error->message);
      return NULL;
    }

  while ((entry = g_dir_read_name (dir)) != NULL)
    if (entry[0] != '.' && g_str_has_suffix (entry, ".conf"))
      g_ptr_array_add (names, g_strdup (entry));

  g_ptr_array_sort (names, compare_strings);

  return g_steal_pointer (&names);
}

SyConfig *
sy_config_load_dir (const char  *directory,
                    GError     **error)
{
  g_autoptr(SyConfig) config = NULL;
  g_autofree char *service_path = NULL;
  g_autofree char *inbounds_path = NULL;
  g_autofree char *pools_dir = NULL;
  g_autoptr(GPtrArray) pool_files = NULL;
  char *inbounds_text = NULL;
  gsize inbounds_length = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (directory != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  config = sy_config_new_default ();
  service_path = g_build_filename (directory, SY_CONFIG_SERVICE_FILE, NULL);
  inbounds_path = g_build_filename (directory, SY_CONFIG_INBOUNDS_FILE, NULL);
  pools_dir = g_build_filename (directory, SY_CONFIG_POOLS_DIR, NULL);

  {
    g_autofree char *text = NULL;
    gsize length;

    if (!read_optional (service_path, SY_CONFIG_SERVICE_FILE, &text, &length, error))
      goto out;
    if (text != NULL &&
        !sy_config_parse_service (config, SY_CONFIG_SERVICE_FILE, text, length, error))
      goto out;
  }

  if (!read_optional (inbounds_path, SY_CONFIG_INBOUNDS_FILE, &inbounds_text, &inbounds_length,
                      error))
    goto out;
  if (inbounds_text != NULL &&
      !sy_config_parse_inbounds (config, SY_CONFIG_INBOUNDS_FILE, inbounds_text, inbounds_length,
                                 error))
    goto out;

  if (!sy_config_load_wireguard_dir (config, directory, error))
    goto out;

  if ((pool_files = list_pool_files (pools_dir, error)) == NULL)
    goto out;

  for (guint i = 0; i < pool_files->len; i++)
    {
      const char *file = g_ptr_array_index (pool_files, i);
      g_autofree char *path = g_build_filename (pools_dir, file, NULL);
      g_autofree char *display = g_filename_display_name (file);
      g_autofree char *shown = g_strdup_printf (SY_CONFIG_POOLS_DIR "/%s", display);
      char *text = NULL;
      gsize length;
      SyPoolConfig *pool;

      if (!read_optional (path, shown, &text, &length, error))
        goto out;
      if (text == NULL)
        continue;   /* removed while we were listing */

      pool = sy_config_parse_pool (shown, text, length, error);
      if (pool != NULL)
        {
          /* Profiles are loaded: a member naming a missing one is reported
           * at its URL= line. */
          g_autoptr(SyKeyFile) key_file = sy_key_file_scan (shown, text, length, NULL);
          SyConfigWhere where;

          where_init (&where, shown, key_file);
          if (!sy_config_check_pool_members (config, pool, &where, error))
            g_clear_pointer (&pool, sy_pool_config_free);
        }
      sy_secret_free (text);
      if (pool == NULL)
        goto out;

      g_ptr_array_add (config->pools, pool);
    }

  /* Cross references are checked once every pool is known; the error still
   * points at the Outbound= line. */
  {
    g_autoptr(SyKeyFile) key_file = NULL;
    SyConfigWhere where;

    if (inbounds_text != NULL)
      key_file = sy_key_file_scan (SY_CONFIG_INBOUNDS_FILE, inbounds_text, inbounds_length, NULL);
    where_init (&where, SY_CONFIG_INBOUNDS_FILE, key_file);

    if (!sy_config_check_outbounds (config, &where, error))
      goto out;
  }

  ok = sy_config_validate (config, error);

out:
  sy_secret_free (inbounds_text);

  return ok ? g_steal_pointer (&config) : NULL;
}
