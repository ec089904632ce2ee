/* sy-engine-wireguard.c — the engine's WireGuard profiles and their tunnels
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-engine"

#include "engine/sy-engine-private.h"
#include "util/sy-error.h"

/* Peer changes come per event (a handshake, an endpoint moving); a page
 * showing peers wants them, but not several per second for one profile. */
#define WIREGUARD_BATCH_MS 250

struct _SyEngineWireguardChange
{
  GPtrArray *next;       /* SyWireguardOutbound*, one per profile of the new configuration */
  GPtrArray *added;      /* built for it: new or changed profiles */
  GPtrArray *removed;    /* the previous ones it has no place for */
  GPtrArray *previous;   /* self->wireguard before apply() */
};

void
sy_engine_wireguard_change_free (SyEngineWireguardChange *change)
{
  g_clear_pointer (&change->next, g_ptr_array_unref);
  g_clear_pointer (&change->added, g_ptr_array_unref);
  g_clear_pointer (&change->removed, g_ptr_array_unref);
  g_clear_pointer (&change->previous, g_ptr_array_unref);
  g_free (change);
}

static const char *
profile_name_of (SyWireguardOutbound *outbound)
{
  return sy_wireguard_outbound_get_profile (outbound)->name;
}

/* Peer changes, batched ----------------------------------------------------- */

static gboolean
wireguard_batch_cb (gpointer user_data)
{
  SyEngine *self = user_data;
  g_autoptr(GHashTable) dirty = g_steal_pointer (&self->wireguard_dirty);
  g_autofree const char **names = NULL;
  guint n;

  self->wireguard_dirty = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_clear_pointer (&self->wireguard_batch, g_source_unref);

  names = (const char **) g_hash_table_get_keys_as_array (dirty, &n);
  for (guint i = 0; i < n; i++)
    sy_engine_emit_wireguard_changed (self, names[i]);

  return G_SOURCE_REMOVE;
}

static void
peer_changed_cb (SyWgDevice *device,
                 guint       position,
                 gpointer    user_data)
{
  SyEngine *self = user_data;
  SyWgProfile *profile = sy_wg_device_get_profile (device);

  g_hash_table_add (self->wireguard_dirty, g_strdup (profile->name));
  if (self->wireguard_batch != NULL)
    return;

  self->wireguard_batch = g_timeout_source_new (WIREGUARD_BATCH_MS);
  g_source_set_callback (self->wireguard_batch, wireguard_batch_cb, self, NULL);
  g_source_set_static_name (self->wireguard_batch, "[sy-engine] wireguard-changed");
  g_source_attach (self->wireguard_batch, NULL);
}

static void
watch (SyEngine            *self,
       SyWireguardOutbound *outbound)
{
  g_signal_connect (sy_wireguard_outbound_get_device (outbound), "peer-changed",
                    G_CALLBACK (peer_changed_cb), self);
}

static void
unwatch (SyEngine            *self,
         SyWireguardOutbound *outbound)
{
  g_signal_handlers_disconnect_by_func (sy_wireguard_outbound_get_device (outbound),
                                        peer_changed_cb, self);
}

/* Lifetime ------------------------------------------------------------------ */

void
sy_engine_wireguard_init (SyEngine *self)
{
  self->wireguard = g_ptr_array_new_with_free_func (g_object_unref);
  self->wireguard_dirty = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

void
sy_engine_wireguard_dispose (SyEngine *self)
{
  if (self->pools != NULL)
    for (guint i = 0; i < self->pools->len; i++)
      sy_pool_set_directory (g_ptr_array_index (self->pools, i), NULL, NULL);

  if (self->wireguard != NULL)
    for (guint i = 0; i < self->wireguard->len; i++)
      {
        SyWireguardOutbound *outbound = g_ptr_array_index (self->wireguard, i);

        unwatch (self, outbound);
        sy_wireguard_outbound_stop (outbound);
      }

  if (self->wireguard_batch != NULL)
    {
      g_source_destroy (self->wireguard_batch);
      g_clear_pointer (&self->wireguard_batch, g_source_unref);
    }
  g_clear_pointer (&self->wireguard_dirty, g_hash_table_unref);
  g_clear_pointer (&self->wireguard, g_ptr_array_unref);
}

static gboolean
is_running (SyEngine *self)
{
  return self->state == SY_ENGINE_STATE_RUNNING || self->state == SY_ENGINE_STATE_STARTING;
}

gboolean
sy_engine_wireguard_start (SyEngine  *self,
                           GError   **error)
{
  for (guint i = 0; i < self->wireguard->len; i++)
    {
      SyWireguardOutbound *outbound = g_ptr_array_index (self->wireguard, i);

      if (!sy_wireguard_outbound_start (outbound, error))
        {
          for (guint j = 0; j < i; j++)
            sy_wireguard_outbound_stop (g_ptr_array_index (self->wireguard, j));
          return FALSE;
        }
    }

  return TRUE;
}

void
sy_engine_wireguard_stop (SyEngine *self)
{
  for (guint i = 0; i < self->wireguard->len; i++)
    sy_wireguard_outbound_stop (g_ptr_array_index (self->wireguard, i));
}

/* Pool members ------------------------------------------------------------ */

static SyOutbound *
directory_lookup (const char *name,
                  gpointer    user_data)
{
  SyEngine *self = user_data;

  return sy_dispatcher_lookup_outbound (self->dispatcher, name);
}

/* A tunnel works while one of its peers has a current session: a failure
 * through it then happened beyond it. */
static gboolean
directory_is_up (SyOutbound *outbound,
                 gpointer    user_data)
{
  g_autoptr(GPtrArray) status = NULL;
  SyWgDevice *device;

  if (!SY_IS_WIREGUARD_OUTBOUND (outbound))
    return FALSE;

  device = sy_wireguard_outbound_get_device (SY_WIREGUARD_OUTBOUND (outbound));
  if (!sy_wg_device_is_running (device))
    return FALSE;

  status = sy_wg_device_dup_peer_status (device);
  for (guint i = 0; i < status->len; i++)
    if (((SyWgPeerStatus *) g_ptr_array_index (status, i))->state == SY_WG_PEER_STATE_UP)
      return TRUE;

  return FALSE;
}

const SyOutboundDirectory sy_engine_directory = {
  .lookup = directory_lookup,
  .is_up = directory_is_up,
};

/* Applying configurations ------------------------------------------------- */

static SyWireguardOutbound *
find_outbound (GPtrArray  *outbounds,
               const char *name)
{
  for (guint i = 0; i < outbounds->len; i++)
    {
      SyWireguardOutbound *outbound = g_ptr_array_index (outbounds, i);

      if (g_strcmp0 (profile_name_of (outbound), name) == 0)
        return outbound;
    }

  return NULL;
}

SyEngineWireguardChange *
sy_engine_wireguard_prepare (SyEngine        *self,
                             const SyConfig  *config,
                             GError         **error)
{
  g_autoptr(SyEngineWireguardChange) change = g_new0 (SyEngineWireguardChange, 1);

  change->next = g_ptr_array_new_with_free_func (g_object_unref);
  change->added = g_ptr_array_new_with_free_func (g_object_unref);
  change->removed = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; config->wireguard != NULL && i < config->wireguard->len; i++)
    {
      SyWgProfile *profile = g_ptr_array_index (config->wireguard, i);
      SyWireguardOutbound *outbound = find_outbound (self->wireguard, profile->name);

      /* An unchanged profile keeps its tunnel: sessions, handshake and
       * counters carry on. */
      if (outbound != NULL)
        {
          SyWgProfile *current = sy_wireguard_outbound_get_profile (outbound);

          if (current == profile || sy_wg_profile_equal (current, profile))
            {
              g_ptr_array_add (change->next, g_object_ref (outbound));
              continue;
            }
        }

      {
        g_autofree char *name = sy_outbound_name_for_wireguard (profile->name);

        outbound = sy_wireguard_outbound_new (name, profile, error);
        if (outbound == NULL)
          {
            g_prefix_error (error, SY_CONFIG_WIREGUARD_DIR "/%s.conf: ", profile->name);
            return NULL;
          }
      }
      g_ptr_array_add (change->next, outbound);
      g_ptr_array_add (change->added, g_object_ref (outbound));
    }

  for (guint i = 0; i < self->wireguard->len; i++)
    {
      SyWireguardOutbound *outbound = g_ptr_array_index (self->wireguard, i);

      if (!g_ptr_array_find (change->next, outbound, NULL))
        g_ptr_array_add (change->removed, g_object_ref (outbound));
    }

  return g_steal_pointer (&change);
}

static void
take_out (SyEngine   *self,
          GPtrArray  *outbounds,
          GPtrArray  *keep)
{
  for (guint i = 0; i < outbounds->len; i++)
    {
      SyWireguardOutbound *outbound = g_ptr_array_index (outbounds, i);
      const char *name = sy_outbound_get_name (SY_OUTBOUND (outbound));

      unwatch (self, outbound);
      sy_wireguard_outbound_stop (outbound);
      /* A replaced profile's name stays: its successor takes it over. */
      if (find_outbound (keep, profile_name_of (outbound)) == NULL)
        sy_dispatcher_remove_outbound (self->dispatcher, name);
    }
}

static void
put_in (SyEngine  *self,
        GPtrArray *outbounds)
{
  for (guint i = 0; i < outbounds->len; i++)
    {
      SyWireguardOutbound *outbound = g_ptr_array_index (outbounds, i);

      sy_dispatcher_set_outbound (self->dispatcher, SY_OUTBOUND (outbound));
      watch (self, outbound);
    }
}

gboolean
sy_engine_wireguard_apply (SyEngine                 *self,
                           SyEngineWireguardChange  *change,
                           GError                  **error)
{
  gboolean running = is_running (self);

  change->previous = g_ptr_array_ref (self->wireguard);

  /* The old tunnels stop first: a changed profile may keep its ListenPort. */
  take_out (self, change->removed, change->next);

  if (running)
    for (guint i = 0; i < change->added->len; i++)
      {
        SyWireguardOutbound *outbound = g_ptr_array_index (change->added, i);

        if (!sy_wireguard_outbound_start (outbound, error))
          {
              for (guint j = 0; j < i; j++)
              sy_wireguard_outbound_stop (g_ptr_array_index (change->added, j));
            for (guint j = 0; j < change->removed->len; j++)
              {
                g_autoptr(GError) local_error = NULL;

                if (!sy_wireguard_outbound_start (g_ptr_array_index (change->removed, j),
                                                  &local_error))
                  g_warning ("Could not restore a WireGuard tunnel after a failed change: %s",
                             local_error->message);
              }
            put_in (self, change->removed);
            g_clear_pointer (&change->previous, g_ptr_array_unref);
            return FALSE;
          }
      }

  put_in (self, change->added);
  g_ptr_array_unref (self->wireguard);
  self->wireguard = g_ptr_array_ref (change->next);

  return TRUE;
}

void
sy_engine_wireguard_revert (SyEngine                *self,
                            SyEngineWireguardChange *change)
{
  g_assert (change->previous != NULL);

  take_out (self, change->added, change->previous);

  if (is_running (self))
    for (guint i = 0; i < change->removed->len; i++)
      {
        g_autoptr(GError) local_error = NULL;

        if (!sy_wireguard_outbound_start (g_ptr_array_index (change->removed, i), &local_error))
          g_warning ("Could not restore a WireGuard tunnel after a failed change: %s",
                     local_error->message);
      }
  put_in (self, change->removed);

  g_ptr_array_unref (self->wireguard);
  self->wireguard = g_steal_pointer (&change->previous);
}

void
sy_engine_wireguard_commit (SyEngine                *self,
                            SyEngineWireguardChange *change)
{
  /* The tunnels left out are stopped already; whatever still holds them
   * (a session ending, a dial failing) lets go by itself. */
  for (guint i = 0; i < change->removed->len; i++)
    g_debug ("WireGuard tunnel %s closed",
             sy_outbound_get_name (g_ptr_array_index (change->removed, i)));
  g_clear_pointer (&change->previous, g_ptr_array_unref);
}
static gboolean
users_equal (const SyConfig *a,
             const SyConfig *b,
             const char     *name)
{
  g_auto(GStrv) inbounds_a = sy_config_dup_wireguard_inbounds (a, name);
  g_auto(GStrv) inbounds_b = sy_config_dup_wireguard_inbounds (b, name);
  g_auto(GStrv) pools_a = sy_config_dup_wireguard_pools (a, name);
  g_auto(GStrv) pools_b = sy_config_dup_wireguard_pools (b, name);

  return g_strv_equal ((const char * const *) inbounds_a, (const char * const *) inbounds_b) &&
         g_strv_equal ((const char * const *) pools_a, (const char * const *) pools_b);
}

gboolean
sy_engine_wireguard_profiles_differ (const SyConfig *a,
                                     const SyConfig *b)
{
  guint n = a->wireguard != NULL ? a->wireguard->len : 0;

  if (n != (b->wireguard != NULL ? b->wireguard->len : 0))
    return TRUE;

  for (guint i = 0; i < n; i++)
    {
      const SyWgProfile *pa = g_ptr_array_index (a->wireguard, i);
      const SyWgProfile *pb = g_ptr_array_index (b->wireguard, i);

      if (pa != pb && !sy_wg_profile_equal (pa, pb))
        return TRUE;
      if (!users_equal (a, b, pa->name))
        return TRUE;
    }

  return FALSE;
}

/* Queries ----------------------------------------------------------------- */

GPtrArray *
sy_engine_get_wireguard (SyEngine *self)
{
  g_return_val_if_fail (SY_IS_ENGINE (self), NULL);

  return self->wireguard;
}

SyWireguardOutbound *
sy_engine_find_wireguard (SyEngine   *self,
                          const char *profile)
{
  g_return_val_if_fail (SY_IS_ENGINE (self), NULL);
  g_return_val_if_fail (profile != NULL, NULL);

  return find_outbound (self->wireguard, profile);
}

GPtrArray *
sy_engine_dup_wireguard_peers (SyEngine    *self,
                               const char  *profile,
                               GError     **error)
{
  SyWireguardOutbound *outbound;
  SyWgDevice *device;

  g_return_val_if_fail (SY_IS_ENGINE (self), NULL);
  g_return_val_if_fail (profile != NULL, NULL);

  if ((outbound = find_outbound (self->wireguard, profile)) == NULL)
    {
      g_set_error (error, SY_ERROR, SY_ERROR_NOT_FOUND,
                   "There is no WireGuard profile named “%s”", profile);
      return NULL;
    }

  device = sy_wireguard_outbound_get_device (outbound);
  if (!sy_wg_device_is_running (device))
    return NULL;

  return sy_wg_device_dup_peer_status (device);
}

/* Edits ------------------------------------------------------------------- */

gboolean
sy_engine_set_wireguard_profile (SyEngine     *self,
                                 SyWgProfile  *profile,
                                 GError      **error)
{
  g_autoptr(SyConfig) edited = NULL;
  guint index;
  guint position;

  g_return_val_if_fail (SY_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (profile != NULL, FALSE);

  if (!sy_config_wireguard_validate (profile, error))
    return FALSE;

  edited = sy_config_copy (self->config);
  if (sy_config_find_wireguard (edited, profile->name, &index) != NULL)
    {
      sy_wg_profile_unref (g_ptr_array_index (edited->wireguard, index));
      g_ptr_array_index (edited->wireguard, index) = sy_wg_profile_ref (profile);
    }
  else
    {
      /* In name order, as loading the directory gives them. */
      for (position = 0; position < edited->wireguard->len; position++)
        {
          const SyWgProfile *other = g_ptr_array_index (edited->wireguard, position);

          if (g_strcmp0 (other->name, profile->name) > 0)
            break;
        }
      g_ptr_array_insert (edited->wireguard, position, sy_wg_profile_ref (profile));
    }

  return sy_engine_commit (self, edited, error);
}

/* “a”, “b” */
static char *
quote_list (GStrv names)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; names[i] != NULL; i++)
    g_string_append_printf (out, "%s“%s”", i > 0 ? ", " : "", names[i]);

  return g_string_free (out, FALSE);
}

gboolean
sy_engine_remove_wireguard_profile (SyEngine    *self,
                                    const char  *name,
                                    GError     **error)
{
  g_autoptr(SyConfig) edited = NULL;
  g_auto(GStrv) inbounds = NULL;
  g_auto(GStrv) pools = NULL;
  guint index;

  g_return_val_if_fail (SY_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (sy_config_find_wireguard (self->config, name, &index) == NULL)
    {
      g_set_error (error, SY_ERROR, SY_ERROR_NOT_FOUND,
                   "There is no WireGuard profile named “%s”", name);
      return FALSE;
    }

  inbounds = sy_config_dup_wireguard_inbounds (self->config, name);
  pools = sy_config_dup_wireguard_pools (self->config, name);
  if (inbounds[0] != NULL || pools[0] != NULL)
    {
      g_autofree char *inbound_list = quote_list (inbounds);
      g_autofree char *pool_list = quote_list (pools);
      g_autoptr(GString) todo = g_string_new (NULL);

      if (inbounds[0] != NULL)
        g_string_append_printf (todo, "route inbound %s elsewhere", inbound_list);
      if (pools[0] != NULL)
        g_string_append_printf (todo, "%sremove it from pool %s", todo->len > 0 ? " and " : "",
                                pool_list);

      g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                   "WireGuard profile “%s” is in use: %s first", name, todo->str);
      return FALSE;
    }

  edited = sy_config_copy (self->config);
  g_ptr_array_remove_index (edited->wireguard, index);

  return sy_engine_commit (self, edited, error);
}
