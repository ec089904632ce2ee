/* sy-config-wireguard.c — WireGuard profiles in the configuration directory
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each profile is a file wireguard/NAME.conf in the wg-quick(8) format VPN
 * providers hand out, so that a person can drop a provider's file in, or
 * take ours to wg-quick, unchanged. The profile NAME is the outbound
 * "wireguard:NAME": inbounds route to it with Outbound=wireguard:NAME and
 * pools take it as a member with URL=wireguard:NAME. The prefix keeps
 * profiles and pools in separate name spaces, so that a profile and a pool
 * may share a name and an Outbound= line always says which one it means.
 *
 * The files are parsed by sy-wg-profile.c (wg(8)'s own rules, errors with
 * FILE:LINE). Unlike the other files they are rewritten only when their
 * profile changed: a provider's file keeps its comments until it is edited
 * through Switchyard.
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-config"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "config/sy-config-private.h"
#include "util/sy-error.h"

#define FILE_MODE 0600

#define NAME_RULE "use 1–64 letters, digits, '.', '_' or '-', not starting with '.'"

/* ---------------------------------------------------------------------- */
/* names                                                                   */

const char *
sy_outbound_name_get_wireguard (const char *outbound)
{
  if (outbound == NULL || !g_str_has_prefix (outbound, SY_OUTBOUND_WIREGUARD_PREFIX))
    return NULL;

  return outbound + strlen (SY_OUTBOUND_WIREGUARD_PREFIX);
}

char *
sy_outbound_name_for_wireguard (const char *profile)
{
  g_return_val_if_fail (profile != NULL, NULL);

  return g_strconcat (SY_OUTBOUND_WIREGUARD_PREFIX, profile, NULL);
}

SyWgProfile *
sy_config_find_wireguard (const SyConfig *config,
                          const char     *name,
                          guint          *index)
{
  g_return_val_if_fail (config != NULL, NULL);

  if (name == NULL)
    return NULL;

  for (guint i = 0; config->wireguard != NULL && i < config->wireguard->len; i++)
    {
      SyWgProfile *profile = g_ptr_array_index (config->wireguard, i);

      if (g_strcmp0 (profile->name, name) == 0)
        {
          if (index != NULL)
            *index = i;
          return profile;
        }
    }

  return NULL;
}

GStrv
sy_config_dup_wireguard_inbounds (const SyConfig *config,
                                  const char     *name)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; config->inbounds != NULL && i < config->inbounds->len; i++)
    {
      const SyInboundConfig *inbound = g_ptr_array_index (config->inbounds, i);

      if (g_strcmp0 (sy_outbound_name_get_wireguard (inbound->outbound), name) == 0)
        g_strv_builder_add (builder, inbound->name);
    }

  return g_strv_builder_end (builder);
}

GStrv
sy_config_dup_wireguard_pools (const SyConfig *config,
                               const char     *name)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; config->pools != NULL && i < config->pools->len; i++)
    {
      const SyPoolConfig *pool = g_ptr_array_index (config->pools, i);

      for (guint j = 0; pool->upstreams != NULL && j < pool->upstreams->len; j++)
        {
          const SyUpstreamConfig *upstream = g_ptr_array_index (pool->upstreams, j);

          if (upstream->kind == SY_UPSTREAM_KIND_WIREGUARD &&
              g_strcmp0 (upstream->profile, name) == 0)
            {
              g_strv_builder_add (builder, pool->name);
              break;
            }
        }
    }

  return g_strv_builder_end (builder);
}

/* ---------------------------------------------------------------------- */
/* validation                                                              */

static gboolean
check_profile (const SyWgProfile  *profile,
               const char         *prefix,
               gint                code,
               GError            **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!sy_is_valid_name (profile->name))
    {
      g_set_error (error, SY_ERROR, code, "%s'%s' is not a valid WireGuard profile name; "
                   NAME_RULE, prefix, profile->name != NULL ? profile->name : "");
      return FALSE;
    }

  if (!sy_wg_profile_validate (profile, &local_error))
    {
      g_set_error (error, SY_ERROR, code, "%s%s", prefix, local_error->message);
      return FALSE;
    }

  /* wg(8) needs no address, but our end of the tunnel is a TCP/IP stack
   * that needs one to speak from. */
  if (profile->addresses->len == 0)
    {
      g_set_error (error, SY_ERROR, code, "%s[Interface]: has no Address; add the tunnel "
                   "address the server gave this peer, e.g. Address = 10.8.0.2/32", prefix);
      return FALSE;
    }

  return TRUE;
}

gboolean
sy_config_wireguard_validate (const SyWgProfile  *profile,
                              GError            **error)
{
  g_autofree char *prefix = NULL;

  g_return_val_if_fail (profile != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  prefix = g_strdup_printf ("WireGuard profile %s: ", profile->name != NULL ? profile->name : "");
  return check_profile (profile, prefix, SY_ERROR_INVALID_ARGUMENT, error);
}

gboolean
sy_config_check_wireguard (const SyConfig  *config,
                           GError         **error)
{
  for (guint i = 0; config->wireguard != NULL && i < config->wireguard->len; i++)
    {
      const SyWgProfile *profile = g_ptr_array_index (config->wireguard, i);
      g_autofree char *prefix = g_strdup_printf (SY_CONFIG_WIREGUARD_DIR "/%s.conf: ",
                                                 profile->name != NULL ? profile->name : "");

      if (!check_profile (profile, prefix, SY_ERROR_CONFIG, error))
        return FALSE;

      for (guint j = 0; j < i; j++)
        {
          const SyWgProfile *other = g_ptr_array_index (config->wireguard, j);

          if (g_str_equal (other->name, profile->name))
            {
              g_set_error (error, SY_ERROR, SY_ERROR_CONFIG,
                           "%stwo WireGuard profiles have this name; rename one", prefix);
              return FALSE;
            }
        }
    }

  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* one file                                                                */

SyWgProfile *
sy_config_parse_wireguard (const char  *filename,
                           const char  *data,
                           gsize        length,
                           GError     **error)
{
  g_autoptr(SyWgProfile) profile = NULL;
  g_autoptr(SySecret) text = NULL;
  g_autofree char *base = NULL;

  g_return_val_if_fail (filename != NULL, NULL);
  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  base = g_path_get_basename (filename);
  if (g_str_has_suffix (base, ".conf"))
    base[strlen (base) - strlen (".conf")] = '\0';
  if (!sy_is_valid_name (base))
    {
      g_set_error (error, SY_ERROR, SY_ERROR_CONFIG,
                   "%s: '%s' is not a valid WireGuard profile name; rename the file to "
                   "NAME.conf where NAME has 1–64 letters, digits, '.', '_' or '-', not "
                   "starting with '.'", filename, base);
      return NULL;
    }

  /* The parser takes a NUL-terminated text; the copy holds the private key. */
  if (length == (gsize) -1)
    length = strlen (data);
  if (memchr (data, '\0', length) != NULL)
    {
      g_set_error (error, SY_ERROR, SY_ERROR_CONFIG,
                   "%s: contains a NUL byte; it is not a wg-quick text file", filename);
      return NULL;
    }
  text = g_strndup (data, length);

  if ((profile = sy_wg_profile_parse_wg_quick (text, filename, error)) == NULL)
    return NULL;

  /* The parser names the profile after the file already; say so anyway,
   * the file name is the one source of the name. */
  if (g_strcmp0 (profile->name, base) != 0)
    {
      g_free (profile->name);
      profile->name = g_strdup (base);
    }

  return g_steal_pointer (&profile);
}

char *
sy_config_serialize_wireguard (const SyWgProfile *profile)
{
  g_autoptr(SySecret) body = NULL;
  g_autofree char *header = NULL;

  g_return_val_if_fail (profile != NULL, NULL);

  header = g_strdup_printf (SY_CONFIG_FILE_HEADER "\n"
                            "# WireGuard profile '%s' in wg-quick format: the outbound "
                            SY_OUTBOUND_WIREGUARD_PREFIX "%s.\n"
                            "# It holds the private key: keep this file private.\n\n",
                            profile->name != NULL ? profile->name : "",
                            profile->name != NULL ? profile->name : "");
  body = sy_wg_profile_to_wg_quick (profile);

  return g_strconcat (header, body, NULL);
}

/* ---------------------------------------------------------------------- */
/* the directory                                                           */

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static int
compare_profiles (gconstpointer a,
                  gconstpointer b)
{
  const SyWgProfile *pa = *(SyWgProfile * const *) a;
  const SyWgProfile *pb = *(SyWgProfile * const *) b;

  return strcmp (pa->name, pb->name);
}

/* "*.conf" not starting with '.', sorted; a missing directory is empty. */
static GPtrArray *
list_conf_files (const char  *path,
                 GError     **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *entry;

  if ((dir = g_dir_open (path, 0, &local_error)) == NULL)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&names);

      g_set_error (error, SY_ERROR, SY_ERROR_CONFIG, SY_CONFIG_WIREGUARD_DIR "/: cannot be "
                   "read: %s", local_error->message);
      return NULL;
    }

  while ((entry = g_dir_read_name (dir)) != NULL)
    if (entry[0] != '.' && g_str_has_suffix (entry, ".conf"))
      g_ptr_array_add (names, g_strdup (entry));

  g_ptr_array_sort (names, compare_strings);

  return g_steal_pointer (&names);
}

static char *
shown_name (const char *file)
{
  g_autofree char *display = g_filename_display_name (file);

  return g_strdup_printf (SY_CONFIG_WIREGUARD_DIR "/%s", display);
}

/* Reads @path; a missing file gives *@contents NULL, not an error. */
static gboolean
read_secret_file (const char  *path,
                  const char  *shown,
                  char       **contents,
                  gsize       *length,
                  GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  GStatBuf st;

  *contents = NULL;
  *length = 0;

  /* Private keys only come from regular files of a sane size: a FIFO would
   * block the service, a huge file is no profile. */
  if (g_stat (path, &st) == 0 &&
      (!S_ISREG (st.st_mode) || st.st_size > SY_KEY_FILE_MAX_SIZE))
    {
      g_set_error (error, SY_ERROR, SY_ERROR_CONFIG, "%s: is not a regular file of at most "
                   "1 MiB; move it out of " SY_CONFIG_WIREGUARD_DIR "/", shown);
      return FALSE;
    }

  if (g_file_get_contents (path, contents, length, &local_error))
    return TRUE;

  if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    return TRUE;

  g_set_error (error, SY_ERROR, SY_ERROR_CONFIG, "%s: cannot be read: %s",
               shown, local_error->message);
  return FALSE;
}

gboolean
sy_config_load_wireguard_dir (SyConfig    *config,
                              const char  *directory,
                              GError     **error)
{
  g_autofree char *dir = g_build_filename (directory, SY_CONFIG_WIREGUARD_DIR, NULL);
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GPtrArray) profiles = NULL;

  if ((files = list_conf_files (dir, error)) == NULL)
    return FALSE;

  profiles = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_wg_profile_unref);

  for (guint i = 0; i < files->len; i++)
    {
      const char *file = g_ptr_array_index (files, i);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      g_autofree char *shown = shown_name (file);
      g_autoptr(SySecret) text = NULL;
      const char * const *warnings;
      SyWgProfile *profile;
      gsize length;

      if (!read_secret_file (path, shown, &text, &length, error))
        return FALSE;
      if (text == NULL)
        continue;   /* removed while we were listing */

      if ((profile = sy_config_parse_wireguard (shown, text, length, error)) == NULL)
        return FALSE;

      warnings = sy_wg_profile_get_warnings (profile);
      for (guint j = 0; warnings[j] != NULL; j++)
        g_message ("%s", warnings[j]);

      g_ptr_array_add (profiles, profile);
    }

  g_ptr_array_sort (profiles, compare_profiles);
  g_clear_pointer (&config->wireguard, g_ptr_array_unref);
  config->wireguard = g_steal_pointer (&profiles);

  return TRUE;
}

/* Whether @path holds @profile already, so that the file (and a person's
 * comments in it) can stay. */
static gboolean
file_has_profile (const char        *path,
                  const SyWgProfile *profile)
{
  g_autoptr(SySecret) text = NULL;
  g_autoptr(SyWgProfile) on_disk = NULL;
  g_autofree char *shown = NULL;
  gsize length;

  if (!g_file_get_contents (path, &text, &length, NULL))
    return FALSE;

  shown = g_strdup_printf ("%s.conf", profile->name);
  on_disk = sy_config_parse_wireguard (shown, text, length, NULL);

  return on_disk != NULL && sy_wg_profile_equal (on_disk, profile);
}

gboolean
sy_config_write_wireguard_dir (const SyConfig  *config,
                               const char      *directory,
                               GError         **error)
{
  g_autofree char *dir = g_build_filename (directory, SY_CONFIG_WIREGUARD_DIR, NULL);

  if (config->wireguard == NULL || config->wireguard->len == 0)
    return TRUE;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_autofree char *display = g_filename_display_name (dir);

      g_set_error (error, SY_ERROR, SY_ERROR_FAILED,
                   "Cannot create the configuration directory %s: %s",
                   display, g_strerror (saved_errno));
      return FALSE;
    }

  for (guint i = 0; i < config->wireguard->len; i++)
    {
      const SyWgProfile *profile = g_ptr_array_index (config->wireguard, i);
      g_autofree char *file = g_strdup_printf ("%s.conf", profile->name);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      g_autoptr(SySecret) text = NULL;
      g_autoptr(GError) local_error = NULL;

      if (file_has_profile (path, profile))
        {
          /* Unchanged: keep the file, but never leave a private key
           * readable by others, whatever mode it was copied in with. */
          if (g_chmod (path, FILE_MODE) != 0)
            {
              int saved_errno = errno;

              g_set_error (error, SY_ERROR, SY_ERROR_FAILED,
                           "Cannot make " SY_CONFIG_WIREGUARD_DIR "/%s private: %s",
                           file, g_strerror (saved_errno));
              return FALSE;
            }
          continue;
        }

      /* Atomic: a reader sees the old or the new profile, never a torn one. */
      text = sy_config_serialize_wireguard (profile);
      if (!g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                     FILE_MODE, &local_error))
        {
          g_set_error (error, SY_ERROR, SY_ERROR_FAILED, "Cannot write the configuration: %s",
                       local_error->message);
          return FALSE;
        }
    }

  return TRUE;
}

gboolean
sy_config_remove_stale_wireguard (const SyConfig  *config,
                                  const char      *directory,
                                  GError         **error)
{
  g_autofree char *dir = g_build_filename (directory, SY_CONFIG_WIREGUARD_DIR, NULL);
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GError) local_error = NULL;

  if ((files = list_conf_files (dir, &local_error)) == NULL)
    {
      g_set_error (error, SY_ERROR, SY_ERROR_FAILED, "Cannot list the configuration: %s",
                   local_error->message);
      return FALSE;
    }

  for (guint i = 0; i < files->len; i++)
    {
      const char *file = g_ptr_array_index (files, i);
      g_autofree char *name = g_strndup (file, strlen (file) - strlen (".conf"));
      g_autofree char *path = NULL;

      if (sy_config_find_wireguard (config, name, NULL) != NULL)
        continue;

      path = g_build_filename (dir, file, NULL);
      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          int saved_errno = errno;
          g_autofree char *display = g_filename_display_name (path);

          g_set_error (error, SY_ERROR, SY_ERROR_FAILED,
                       "Cannot remove the file of a deleted WireGuard profile, %s: %s",
                       display, g_strerror (saved_errno));
          return FALSE;
        }
      g_debug ("Removed " SY_CONFIG_WIREGUARD_DIR "/%s", file);
    }

  return TRUE;
}
