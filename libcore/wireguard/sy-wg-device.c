/* sy-wg-device.c — one WireGuard interface: its UDP sockets, peers, sessions and timers
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-wireguard"

#include <string.h>

#include "util/sy-error.h"
#include "wireguard/sy-wg-crypto.h"

#include "sy-wg-device-private.h"

enum
{
  PEER_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SyWgDevice, sy_wg_device, G_TYPE_OBJECT)

void
sy_wg_timings_init_default (SyWgTimings *timings)
{
  g_return_if_fail (timings != NULL);

  /* The whitepaper's §6.1 table. */
  timings->rekey_after_time_ms = 120 * 1000;
  timings->reject_after_time_ms = 180 * 1000;
  timings->rekey_attempt_time_ms = 90 * 1000;
  timings->rekey_timeout_ms = 5 * 1000;
  timings->keepalive_timeout_ms = 10 * 1000;
  timings->rekey_after_messages = SY_WG_REKEY_AFTER_MESSAGES;
  timings->reject_after_messages = SY_WG_REJECT_AFTER_MESSAGES;
}

void
sy_wg_peer_status_free (SyWgPeerStatus *status)
{
  if (status == NULL)
    return;
  g_free (status->public_key);
  g_free (status->endpoint);
  g_free (status);
}

/* ---- indices -------------------------------------------------------------- */

guint32
sy_wg_device_register_index (SyWgDevice     *self,
                             SyWgIndexEntry *entry)
{
  guint32 index;

  g_assert (entry->index == 0);

  /* Random, so that indices say nothing about how many sessions we had;
   * never 0, which stands for "none" here. */
  do
    index = sy_wg_random_u32 ();
  while (index == 0 || g_hash_table_contains (self->indices, GUINT_TO_POINTER (index)));

  g_hash_table_insert (self->indices, GUINT_TO_POINTER (index), entry);
  entry->index = index;
  return index;
}

void
sy_wg_device_unregister_index (SyWgDevice     *self,
                               SyWgIndexEntry *entry)
{
  if (entry->index == 0)
    return;
  if (g_hash_table_lookup (self->indices, GUINT_TO_POINTER (entry->index)) == entry)
    g_hash_table_remove (self->indices, GUINT_TO_POINTER (entry->index));
  entry->index = 0;
}

void
sy_wg_device_move_index (SyWgDevice     *self,
                         SyWgIndexEntry *from,
                         SyWgIndexEntry *to)
{
  g_assert (from->index != 0 && to->index == 0);

  g_hash_table_replace (self->indices, GUINT_TO_POINTER (from->index), to);
  to->index = from->index;
  from->index = 0;
}

/* ---- deferred work: the send batch and signals ----------------------------- */

typedef struct
{
  GSource     source;
  SyWgDevice *device;
} DeferredSource;

static gboolean
deferred_dispatch (GSource     *source,
                   GSourceFunc  callback,
                   gpointer     user_data)
{
  SyWgDevice *self = ((DeferredSource *) source)->device;
  g_autoptr(SyWgDevice) hold = g_object_ref (self);

  g_source_set_ready_time (source, -1);
  if (self->running)
    sy_wg_device_flush (self);

  /* Signals last and from here, never from inside packet processing: a
   * handler may stop or drop the device. */
  for (guint i = 0; i < self->peers->len; i++)
    {
      SyWgDevicePeer *peer = g_ptr_array_index (self->peers, i);

      if (!peer->change_pending)
        continue;
      peer->change_pending = FALSE;
      g_signal_emit (self, signals[PEER_CHANGED], 0, peer->position);
    }
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs deferred_funcs = {
  .dispatch = deferred_dispatch,
};

void
sy_wg_device_schedule_changed (SyWgDevice     *self,
                               SyWgDevicePeer *peer)
{
  peer->change_pending = TRUE;
  if (self->deferred_source != NULL)
    g_source_set_ready_time (self->deferred_source, 0);
}

void
sy_wg_device_deliver (SyWgDevice   *self,
                      const guint8 *packet,
                      gsize         length)
{
  if (self->packet_func != NULL)
    self->packet_func (packet, length, self->packet_data);
}

/* ---- GObject ------------------------------------------------------------- */

static guint
key_hash (gconstpointer key)
{
  /* Public keys are uniformly random: any four bytes make a good hash. */
  return sy_wg_read_le32 (key);
}

static gboolean
key_equal (gconstpointer a,
           gconstpointer b)
{
  return memcmp (a, b, SY_WG_KEY_LEN) == 0;
}

static void
sy_wg_device_dispose (GObject *object)
{
  SyWgDevice *self = SY_WG_DEVICE (object);

  sy_wg_device_stop (self);

  G_OBJECT_CLASS (sy_wg_device_parent_class)->dispose (object);
}

static void
sy_wg_device_finalize (GObject *object)
{
  SyWgDevice *self = SY_WG_DEVICE (object);

  g_clear_pointer (&self->peers_by_key, g_hash_table_unref);
  g_clear_pointer (&self->peers, g_ptr_array_unref);
  g_clear_pointer (&self->indices, g_hash_table_unref);
  g_clear_pointer (&self->allowedips, sy_wg_allowedips_free);
  g_clear_pointer (&self->ratelimit, sy_wg_ratelimit_free);
  sy_wg_identity_clear (&self->identity);
  sy_wg_cookie_checker_clear (&self->cookie_checker);
  if (self->rx_buffers != NULL)
    sy_wg_memzero (self->rx_buffers, SY_WG_RX_BATCH * self->slot_size);
  g_free (self->rx_buffers);
  g_free (self->tx_buffers);
  g_free (self->tx_large);
  g_clear_pointer (&self->profile, sy_wg_profile_unref);

  G_OBJECT_CLASS (sy_wg_device_parent_class)->finalize (object);
}

static void
sy_wg_device_class_init (SyWgDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_wg_device_dispose;
  object_class->finalize = sy_wg_device_finalize;

  /**
   * SyWgDevice::peer-changed:
   * @position: the peer's position in the profile
   *
   * A handshake with the peer completed or failed, its endpoint changed
   * (roaming, resolution) or its state did. Emitted from the main loop
   * after the packets that caused it were processed, at most once per
   * iteration per peer; never per packet.
   */
  signals[PEER_CHANGED] =
    g_signal_new ("peer-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
sy_wg_device_init (SyWgDevice *self)
{
  self->fd4 = -1;
  self->fd6 = -1;
  self->peers = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_wg_device_peer_free);
  self->peers_by_key = g_hash_table_new (key_hash, key_equal);
  self->indices = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->allowedips = sy_wg_allowedips_new ();
  self->ratelimit = sy_wg_ratelimit_new ();
  sy_wg_timings_init_default (&self->timings);
  self->max_handshake_attempts =
    self->timings.rekey_attempt_time_ms / self->timings.rekey_timeout_ms;
}

SyWgDevice *
sy_wg_device_new (SyWgProfile  *profile,
                  GError      **error)
{
  g_autoptr(SyWgDevice) self = NULL;

  g_return_val_if_fail (profile != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!sy_wg_profile_validate (profile, error))
    return NULL;

  self = g_object_new (SY_TYPE_WG_DEVICE, NULL);
  self->profile = sy_wg_profile_ref (profile);

  if (!sy_wg_identity_init (&self->identity, profile->private_key, error))
    return NULL;
  sy_wg_cookie_checker_init (&self->cookie_checker, self->identity.public_key);

  for (guint i = 0; i < profile->peers->len; i++)
    {
      const SyWgPeer *config = g_ptr_array_index (profile->peers, i);
      SyWgDevicePeer *peer = sy_wg_device_peer_new (self, i, config, error);

      if (peer == NULL)
        return NULL;
      g_ptr_array_add (self->peers, peer);
      g_hash_table_insert (self->peers_by_key, peer->statics.public_key, peer);

      /* As wg(8): a prefix listed for two peers belongs to the later one. */
      for (guint j = 0; j < config->allowed_ips->len; j++)
        sy_wg_allowedips_insert (self->allowedips,
                                 &g_array_index (config->allowed_ips, SyWgPrefix, j), peer);
    }

  return g_steal_pointer (&self);
}

SyWgProfile *
sy_wg_device_get_profile (SyWgDevice *self)
{
  g_return_val_if_fail (SY_IS_WG_DEVICE (self), NULL);

  return self->profile;
}

gboolean
sy_wg_device_start (SyWgDevice  *self,
                    GError     **error)
{
  DeferredSource *deferred;

  g_return_val_if_fail (SY_IS_WG_DEVICE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->running)
    return TRUE;

  if (!sy_wg_device_open_sockets (self, self->profile->listen_port, error))
    return FALSE;

  deferred = (DeferredSource *) g_source_new (&deferred_funcs, sizeof (DeferredSource));
  deferred->device = self;
  g_source_set_static_name (&deferred->source, "[switchyard] WireGuard deferred");
  g_source_attach (&deferred->source, g_main_context_get_thread_default ());
  self->deferred_source = &deferred->source;

  self->cancellable = g_cancellable_new ();
  self->running = TRUE;
  sy_wg_device_update_now (self);

  g_debug ("WireGuard device %s listening on UDP port %u",
           self->profile->name != NULL ? self->profile->name : "(unnamed)", self->port);

  for (guint i = 0; i < self->peers->len; i++)
    sy_wg_device_peer_start (g_ptr_array_index (self->peers, i));
  return TRUE;
}

void
sy_wg_device_stop (SyWgDevice *self)
{
  g_return_if_fail (SY_IS_WG_DEVICE (self));

  if (!self->running)
    return;

  self->running = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  for (guint i = 0; i < self->peers->len; i++)
    sy_wg_device_peer_stop (g_ptr_array_index (self->peers, i));
  g_hash_table_remove_all (self->indices);

  sy_wg_device_close_sockets (self);
  if (self->deferred_source != NULL)
    {
      g_source_destroy (self->deferred_source);
      g_clear_pointer (&self->deferred_source, g_source_unref);
    }
  /* Decrypted packets linger in the receive buffers otherwise. */
  if (self->rx_buffers != NULL)
    sy_wg_memzero (self->rx_buffers, SY_WG_RX_BATCH * self->slot_size);
  if (self->tx_buffers != NULL)
    sy_wg_memzero (self->tx_buffers, SY_WG_TX_BATCH * self->slot_size);
}

gboolean
sy_wg_device_is_running (SyWgDevice *self)
{
  g_return_val_if_fail (SY_IS_WG_DEVICE (self), FALSE);

  return self->running;
}

guint16
sy_wg_device_get_listen_port (SyWgDevice *self)
{
  g_return_val_if_fail (SY_IS_WG_DEVICE (self), 0);

  return self->port;
}

void
sy_wg_device_set_packet_handler (SyWgDevice     *self,
                                 SyWgPacketFunc  func,
                                 gpointer        user_data)
{
  g_return_if_fail (SY_IS_WG_DEVICE (self));

  self->packet_func = func;
  self->packet_data = user_data;
}

gboolean
sy_wg_device_send_packet (SyWgDevice   *self,
                          const guint8 *packet,
                          gsize         length)
{
  SyWgDevicePeer *peer;
  guint8 family;
  const guint8 *destination;

  g_return_val_if_fail (SY_IS_WG_DEVICE (self), FALSE);
  g_return_val_if_fail (packet != NULL, FALSE);

  if (length >= 20 && (packet[0] >> 4) == 4)
    {
      family = 4;
      destination = packet + 16;
    }
  else if (length >= 40 && (packet[0] >> 4) == 6)
    {
      family = 6;
      destination = packet + 24;
    }
  else
    return FALSE;

  peer = sy_wg_allowedips_lookup (self->allowedips, family, destination);
  if (peer == NULL || !self->running)
    return FALSE;

  sy_wg_device_update_now (self);
  sy_wg_device_peer_send_packet (peer, packet, length);
  return TRUE;
}

gboolean
sy_wg_device_has_route (SyWgDevice   *self,
                        GInetAddress *address)
{
  guint8 family;

  g_return_val_if_fail (SY_IS_WG_DEVICE (self), FALSE);
  g_return_val_if_fail (G_IS_INET_ADDRESS (address), FALSE);

  family = g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4 ? 4 : 6;
  return sy_wg_allowedips_lookup (self->allowedips, family,
                                  g_inet_address_to_bytes (address)) != NULL;
}

GPtrArray *
sy_wg_device_dup_peer_status (SyWgDevice *self)
{
  GPtrArray *statuses;

  g_return_val_if_fail (SY_IS_WG_DEVICE (self), NULL);

  sy_wg_device_update_now (self);
  statuses = g_ptr_array_new_full (self->peers->len, (GDestroyNotify) sy_wg_peer_status_free);
  for (guint i = 0; i < self->peers->len; i++)
    g_ptr_array_add (statuses, sy_wg_device_peer_dup_status (g_ptr_array_index (self->peers, i)));
  return statuses;
}

void
sy_wg_device_reset_peers (SyWgDevice *self)
{
  g_return_if_fail (SY_IS_WG_DEVICE (self));

  if (!self->running)
    return;
  sy_wg_device_update_now (self);
  for (guint i = 0; i < self->peers->len; i++)
    sy_wg_device_peer_reset (g_ptr_array_index (self->peers, i));
}

void
sy_wg_device_set_timings (SyWgDevice        *self,
                          const SyWgTimings *timings)
{
  g_return_if_fail (SY_IS_WG_DEVICE (self));
  g_return_if_fail (timings != NULL);
  g_return_if_fail (timings->rekey_timeout_ms > 0);
  g_return_if_fail (timings->rekey_after_time_ms < timings->reject_after_time_ms);
  g_return_if_fail (timings->reject_after_time_ms >
                    timings->keepalive_timeout_ms + timings->rekey_timeout_ms);

  self->timings = *timings;
  self->max_handshake_attempts = timings->rekey_attempt_time_ms / timings->rekey_timeout_ms;
}

/* ---- test hooks ------------------------------------------------------------ */

void
sy_wg_device_set_under_load (SyWgDevice *self,
                             gboolean    under_load)
{
  g_return_if_fail (SY_IS_WG_DEVICE (self));

  self->force_under_load = under_load;
}

const SyWgDeviceCounters *
sy_wg_device_get_counters (SyWgDevice *self)
{
  g_return_val_if_fail (SY_IS_WG_DEVICE (self), NULL);

  return &self->counters;
}

SyWgDevicePeer *
sy_wg_device_get_peer (SyWgDevice *self,
                       guint       position)
{
  g_return_val_if_fail (SY_IS_WG_DEVICE (self), NULL);
  g_return_val_if_fail (position < self->peers->len, NULL);

  return g_ptr_array_index (self->peers, position);
}
