/* sy-config-write.c — writing the configuration directory
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-config"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "config/sy-config-private.h"
#include "util/sy-error.h"

/* Every file is private: a password typed into any of them later by hand
 * must not become readable by other users because of the mode we chose. */
#define FILE_MODE 0600
#define DIR_MODE  0700

static void
append_header (GString    *out,
               const char *description)
{
  g_string_append (out, SY_CONFIG_FILE_HEADER "\n");
  g_string_append_printf (out, "# %s\n", description);
}

char *
sy_config_serialize_service (const SyConfig *config)
{
  GString *out;

  g_return_val_if_fail (config != NULL, NULL);

  out = g_string_new (NULL);
  append_header (out, "Settings of the service and of the direct outbound.");

  g_string_append (out, "\n[" SY_GROUP_SERVICE "]\n");
  sy_keys_write (sy_service_keys, &config->service, TRUE, out);
  g_string_append (out, "\n[" SY_GROUP_DIRECT "]\n");
  sy_keys_write (sy_direct_keys, &config->service, TRUE, out);

  return g_string_free (out, FALSE);
}

char *
sy_config_serialize_inbounds (const SyConfig *config)
{
  GString *out;

  g_return_val_if_fail (config != NULL, NULL);

  out = g_string_new (NULL);
  append_header (out, "Local proxies: one [Inbound NAME] group each, SOCKS5 and HTTP on one port.");
  g_string_append (out, "# Outbound is direct, reject, the name of a pool (pools/NAME.conf) or\n"
                   "# " SY_OUTBOUND_WIREGUARD_PREFIX "PROFILE (" SY_CONFIG_WIREGUARD_DIR
                   "/PROFILE.conf).\n");

  for (guint i = 0; config->inbounds != NULL && i < config->inbounds->len; i++)
    {
      const SyInboundConfig *inbound = g_ptr_array_index (config->inbounds, i);

      g_string_append_printf (out, "\n[" SY_GROUP_INBOUND " %s]\n", inbound->name);
      sy_keys_write (sy_inbound_keys, inbound, FALSE, out);
    }

  return g_string_free (out, FALSE);
}

char *
sy_config_serialize_pool (const SyPoolConfig *pool)
{
  g_autofree char *description = NULL;
  GString *out;

  g_return_val_if_fail (pool != NULL, NULL);

  out = g_string_new (NULL);
  description = g_strdup_printf ("Upstream pool '%s'. The [Upstream NAME] groups are in "
                                 "priority order.", pool->name);
  append_header (out, description);

  g_string_append (out, "\n[" SY_GROUP_POOL "]\n");
  sy_keys_write (sy_pool_keys, pool, TRUE, out);
  g_string_append (out, "\n[" SY_GROUP_HEALTH "]\n");
  sy_keys_write (sy_health_keys, &pool->health, TRUE, out);

  for (guint i = 0; pool->upstreams != NULL && i < pool->upstreams->len; i++)
    {
      const SyUpstreamConfig *upstream = g_ptr_array_index (pool->upstreams, i);
      g_autoptr(SySecret) url = sy_upstream_config_to_url (upstream, TRUE);

      g_string_append_printf (out, "\n[" SY_GROUP_UPSTREAM " %s]\nURL=", upstream->name);
      sy_key_file_append_escaped (out, url);
      g_string_append_c (out, '\n');
      sy_keys_write (sy_upstream_keys, upstream, FALSE, out);
    }

  return g_string_free (out, FALSE);
}

/* g_file_set_contents_full() writes a temporary file in the same directory,
 * fsyncs it where the file system needs it and renames it over the old
 * file, so a reader sees the old or the new file, never a torn one. */
static gboolean
write_file (const char  *directory,
            const char  *relative,
            const char  *contents,
            GError     **error)
{
  g_autofree char *path = g_build_filename (directory, relative, NULL);
  g_autoptr(GError) local_error = NULL;

  if (!g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                 FILE_MODE, &local_error))
    {
      g_set_error (error, SY_ERROR, SY_ERROR_FAILED, "Cannot write the configuration: %s",
                   local_error->message);
      return FALSE;
    }

  return TRUE;
}

static gboolean
make_directory (const char  *path,
                GError     **error)
{
  if (g_mkdir_with_parents (path, DIR_MODE) != 0)
    {
      int saved_errno = errno;
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, SY_ERROR, SY_ERROR_FAILED,
                   "Cannot create the configuration directory %s: %s",
                   display, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

/* Removes pools/ files that sy_config_load_dir() would read but that name
 * no pool of @config, so that a removed pool stays removed. */
static gboolean
remove_stale_pools (const SyConfig  *config,
                    const char      *pools_dir,
                    GError         **error)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *entry;

  if ((dir = g_dir_open (pools_dir, 0, &local_error)) == NULL)
    {
      g_set_error (error, SY_ERROR, SY_ERROR_FAILED, "Cannot list the configuration: %s",
                   local_error->message);
      return FALSE;
    }

  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *name = NULL;
      g_autofree char *path = NULL;

      if (entry[0] == '.' || !g_str_has_suffix (entry, ".conf"))
        continue;

      name = g_strndup (entry, strlen (entry) - strlen (".conf"));
      if (sy_config_find_pool (config, name, NULL) != NULL)
        continue;

      path = g_build_filename (pools_dir, entry, NULL);
      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          int saved_errno = errno;
          g_autofree char *display = g_filename_display_name (path);

          g_set_error (error, SY_ERROR, SY_ERROR_FAILED,
                       "Cannot remove the configuration of a deleted pool, %s: %s",
                       display, g_strerror (saved_errno));
          return FALSE;
        }
      g_debug ("Removed %s", entry);
    }

  return TRUE;
}

gboolean
sy_config_save_dir (const SyConfig  *config,
                    const char      *directory,
                    GError         **error)
{
  g_autofree char *pools_dir = NULL;
  SyConfigWhere strict = { .code = SY_ERROR_CONFIG, .strict = TRUE };

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (directory != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Only what loads back is written: validation first, plus the rules that
   * hold for files alone (no ephemeral port 0). */
  if (!sy_config_validate (config, error) ||
      !sy_inbounds_check (config->inbounds, &strict, error))
    return FALSE;

  pools_dir = g_build_filename (directory, SY_CONFIG_POOLS_DIR, NULL);
  if (!make_directory (directory, error) || !make_directory (pools_dir, error))
    return FALSE;

  /* New profiles and pools first, stale ones last: should we stop half-way,
   * the old inbounds.conf and pools still find everything they name. */
  if (!sy_config_write_wireguard_dir (config, directory, error))
    return FALSE;

  for (guint i = 0; config->pools != NULL && i < config->pools->len; i++)
    {
      const SyPoolConfig *pool = g_ptr_array_index (config->pools, i);
      g_autoptr(SySecret) text = sy_config_serialize_pool (pool);
      g_autofree char *relative = g_strdup_printf (SY_CONFIG_POOLS_DIR "/%s.conf", pool->name);

      if (!write_file (directory, relative, text, error))
        return FALSE;
    }

  {
    g_autoptr(SySecret) inbounds = sy_config_serialize_inbounds (config);
    g_autofree char *service = sy_config_serialize_service (config);

    if (!write_file (directory, SY_CONFIG_INBOUNDS_FILE, inbounds, error) ||
        !write_file (directory, SY_CONFIG_SERVICE_FILE, service, error))
      return FALSE;
  }

  return remove_stale_pools (config, pools_dir, error) &&
         sy_config_remove_stale_wireguard (config, directory, error);
}
