/* sy-wireguard-outbound.c — dial through a userspace WireGuard tunnel
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The device and the netstack are joined back to back: what lwIP sends
 * goes to sy_wg_device_send_packet(), what the device decrypts goes to
 * sy_netstack_input(). Dialing a name resolves it (through the tunnel when
 * the profile has DNS servers) and races the addresses the way RFC 8305
 * does: a new attempt every 250 ms, or at once when one fails; the first
 * connection wins and the others are cancelled.
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-wireguard-outbound"

#include "outbound/sy-happy-eyeballs.h"
#include "outbound/sy-outbound-util.h"
#include "outbound/sy-wireguard-outbound.h"
#include "netstack/sy-netstack-tcp-stream.h"
#include "util/sy-error.h"

struct _SyWireguardOutbound
{
  SyOutbound   parent_instance;

  SyWgProfile *profile;
  SyWgDevice  *device;
  SyNetstack  *netstack;
};

G_DEFINE_FINAL_TYPE (SyWireguardOutbound, sy_wireguard_outbound, SY_TYPE_OUTBOUND)

/* The two halves ----------------------------------------------------------- */

static gboolean
netstack_output_cb (const guint8 *packet,
                    gsize         length,
                    gpointer      user_data)
{
  SyWgDevice *device = user_data;

  return sy_wg_device_send_packet (device, packet, length);
}

static void
device_packet_cb (const guint8 *packet,
                  gsize         length,
                  gpointer      user_data)
{
  SyNetstack *netstack = user_data;

  sy_netstack_input (netstack, packet, length);
}

static gboolean
sy_wireguard_outbound_ensure_started (SyWireguardOutbound  *self,
                                      GError              **error)
{
  if (sy_wg_device_is_running (self->device))
    return TRUE;

  return sy_wireguard_outbound_start (self, error);
}

/* Resolving ---------------------------------------------------------------- */

static void
resolved_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyWireguardOutbound *self = g_task_get_source_object (task);
  GError *error = NULL;
  GList *addresses;

  if (SY_IS_NETSTACK (object))
    addresses = sy_netstack_resolve_finish (SY_NETSTACK (object), result, &error);
  else
    addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (object), result, &error);

  if (addresses == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&error, "outbound %s: ", sy_outbound_get_name (SY_OUTBOUND (self)));
      g_task_return_error (task, error);
      return;
    }

  g_task_return_pointer (task, addresses, (GDestroyNotify) g_resolver_free_addresses);
}

void
sy_wireguard_outbound_resolve_async (SyWireguardOutbound *self,
                                     const char          *hostname,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (SY_IS_WIREGUARD_OUTBOUND (self));
  g_return_if_fail (hostname != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_wireguard_outbound_resolve_async);

  if (self->profile->dns->len == 0)
    {
      g_resolver_lookup_by_name_async (g_resolver_get_default (), hostname, cancellable,
                                       resolved_cb, g_steal_pointer (&task));
      return;
    }

  if (!sy_wireguard_outbound_ensure_started (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  sy_netstack_resolve_async (self->netstack, hostname,
                             (GInetAddress **) self->profile->dns->pdata,
                             self->profile->dns->len, cancellable,
                             resolved_cb, g_steal_pointer (&task));
}

GList *
sy_wireguard_outbound_resolve_finish (SyWireguardOutbound  *self,
                                      GAsyncResult         *result,
                                      GError              **error)
{
  g_return_val_if_fail (SY_IS_WIREGUARD_OUTBOUND (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        sy_wireguard_outbound_resolve_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Dialing ------------------------------------------------------------------- */

typedef struct
{
  SySession    *session;
  char         *host;
  guint16       port;
  GList        *addresses;     /* GInetAddress, in the order to try */
  GList        *next;
  GPtrArray    *attempts;      /* GCancellable of each attempt under way */
  GCancellable *cancellable;   /* the dial's */
  gulong        cancelled_id;
  GSource      *delay;
  GError       *first_error;
  gboolean      done;
} Dial;

typedef struct
{
  GTask        *task;
  GCancellable *cancellable;
} Attempt;

static void
dial_stop_delay (Dial *dial)
{
  if (dial->delay != NULL)
    {
      g_source_destroy (dial->delay);
      g_clear_pointer (&dial->delay, g_source_unref);
    }
}

static void
dial_free (Dial *dial)
{
  dial_stop_delay (dial);
  if (dial->cancelled_id != 0)
    g_cancellable_disconnect (dial->cancellable, dial->cancelled_id);
  g_clear_object (&dial->cancellable);
  g_clear_pointer (&dial->session, sy_session_unref);
  g_clear_pointer (&dial->attempts, g_ptr_array_unref);
  g_clear_error (&dial->first_error);
  g_list_free_full (dial->addresses, g_object_unref);
  g_free (dial->host);
  g_free (dial);
}

static void
dial_cancel_attempts (Dial *dial)
{
  for (guint i = 0; i < dial->attempts->len; i++)
    g_cancellable_cancel (g_ptr_array_index (dial->attempts, i));
}

/* The dial's cancellable may fire from any thread; the attempts' own
 * cancellables complete their connects from the main loop. */
static void
dial_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  GPtrArray *attempts = user_data;

  for (guint i = 0; i < attempts->len; i++)
    g_cancellable_cancel (g_ptr_array_index (attempts, i));
}

static void dial_start_attempt (GTask *task);

static void
attempt_connected_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Attempt *attempt = user_data;
  g_autoptr(GTask) task = attempt->task;
  g_autoptr(GCancellable) attempt_cancellable = attempt->cancellable;
  SyWireguardOutbound *self = g_task_get_source_object (task);
  Dial *dial = g_task_get_task_data (task);
  g_autoptr(GIOStream) stream = NULL;
  GError *error = NULL;

  g_free (attempt);
  g_ptr_array_remove (dial->attempts, attempt_cancellable);

  stream = sy_netstack_connect_finish (SY_NETSTACK (object), result, &error);

  /* another attempt won, or the dial was cancelled: this one is surplus */
  if (dial->done)
    {
      g_clear_error (&error);
      return;
    }

  if (stream != NULL)
    {
      dial->done = TRUE;
      dial_stop_delay (dial);
      dial_cancel_attempts (dial);

      if (dial->session != NULL)
        sy_session_set_bound_address (dial->session, G_SOCKET_ADDRESS (
          sy_netstack_tcp_stream_get_local_address (SY_NETSTACK_TCP_STREAM (stream))));

      g_task_return_pointer (task, g_steal_pointer (&stream), g_object_unref);
      return;
    }

  if (g_cancellable_is_cancelled (dial->cancellable))
    {
      dial->done = TRUE;
      dial_stop_delay (dial);
      g_clear_error (&error);
      g_task_return_error_if_cancelled (task);
      return;
    }

  g_debug ("outbound %s: %s port %u: %s", sy_outbound_get_name (SY_OUTBOUND (self)),
           dial->host, dial->port, error->message);
  if (dial->first_error == NULL)
    dial->first_error = error;
  else
    g_error_free (error);

  if (dial->next != NULL)
    {
      /* a failure starts the next attempt at once (RFC 8305 §5) */
      dial_stop_delay (dial);
      dial_start_attempt (g_object_ref (task));
      return;
    }

  if (dial->attempts->len == 0)
    {
      dial->done = TRUE;
      error = g_steal_pointer (&dial->first_error);
      g_prefix_error (&error, "outbound %s: %s port %u: ",
                      sy_outbound_get_name (SY_OUTBOUND (self)), dial->host, dial->port);
      g_task_return_error (task, error);
    }
}

static gboolean
dial_delay_cb (gpointer user_data)
{
  GTask *task = user_data;
  Dial *dial = g_task_get_task_data (task);

  g_clear_pointer (&dial->delay, g_source_unref);
  dial_start_attempt (g_object_ref (task));
  return G_SOURCE_REMOVE;
}

/* Takes @task. */
static void
dial_start_attempt (GTask *task)
{
  SyWireguardOutbound *self = g_task_get_source_object (task);
  Dial *dial = g_task_get_task_data (task);
  g_autoptr(GSocketAddress) address = NULL;
  Attempt *attempt;

  g_assert (dial->next != NULL);

  address = g_inet_socket_address_new (dial->next->data, dial->port);
  dial->next = dial->next->next;

  attempt = g_new0 (Attempt, 1);
  attempt->task = task;
  attempt->cancellable = g_cancellable_new ();
  g_ptr_array_add (dial->attempts, g_object_ref (attempt->cancellable));
  /* cancelled before this attempt existed */
  if (dial->cancellable != NULL && g_cancellable_is_cancelled (dial->cancellable))
    g_cancellable_cancel (attempt->cancellable);

  if (dial->next != NULL)
    {
      dial->delay = g_timeout_source_new (SY_HAPPY_EYEBALLS_ATTEMPT_DELAY_MS);
      g_source_set_static_name (dial->delay, "[switchyard] wireguard connection attempt delay");
      g_source_set_callback (dial->delay, dial_delay_cb, task, NULL);
      g_source_attach (dial->delay, g_main_context_get_thread_default ());
    }

  sy_netstack_connect_async (self->netstack, G_INET_SOCKET_ADDRESS (address),
                             attempt->cancellable, attempt_connected_cb, attempt);
}

static void
dial_addresses (GTask *task,
                GList *addresses)
{
  Dial *dial = g_task_get_task_data (task);

  dial->addresses = sy_happy_eyeballs_sort (addresses);
  dial->next = dial->addresses;
  dial_start_attempt (task);
}

static void
dial_resolved_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  g_autolist(GInetAddress) addresses = NULL;
  GError *error = NULL;

  addresses = sy_wireguard_outbound_resolve_finish (SY_WIREGUARD_OUTBOUND (object), result,
                                                    &error);
  if (addresses == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  dial_addresses (task, addresses);
}

static void
sy_wireguard_outbound_dial_async (SyOutbound          *outbound,
                                  SySession           *session,
                                  const char          *host,
                                  guint16              port,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  SyWireguardOutbound *self = SY_WIREGUARD_OUTBOUND (outbound);
  g_autoptr(GInetAddress) literal = NULL;
  GError *error = NULL;
  GTask *task;
  Dial *dial;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_wireguard_outbound_dial_async);

  dial = g_new0 (Dial, 1);
  dial->session = session != NULL ? sy_session_ref (session) : NULL;
  dial->host = sy_host_strip_brackets (host);
  dial->port = port;
  dial->attempts = g_ptr_array_new_with_free_func (g_object_unref);
  g_task_set_task_data (task, dial, (GDestroyNotify) dial_free);

  if (port == 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "outbound %s: port 0 is not a destination",
                               sy_outbound_get_name (outbound));
      g_object_unref (task);
      return;
    }

  if (!sy_wireguard_outbound_ensure_started (self, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  if (cancellable != NULL)
    {
      dial->cancellable = g_object_ref (cancellable);
      dial->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (dial_cancelled_cb),
                                                  g_ptr_array_ref (dial->attempts),
                                                  (GDestroyNotify) g_ptr_array_unref);
    }

  literal = g_inet_address_new_from_string (dial->host);
  if (literal != NULL)
    {
      GList single = { literal, NULL, NULL };

      dial_addresses (task, &single);
      return;
    }

  sy_wireguard_outbound_resolve_async (self, dial->host, cancellable, dial_resolved_cb, task);
}

static GIOStream *
sy_wireguard_outbound_dial_finish (SyOutbound    *outbound,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, outbound), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        sy_wireguard_outbound_dial_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Life cycle --------------------------------------------------------------- */

static void
sy_wireguard_outbound_dispose (GObject *object)
{
  SyWireguardOutbound *self = SY_WIREGUARD_OUTBOUND (object);

  if (self->device != NULL)
    {
      /* Streams may keep the netstack (and through it the device) alive;
       * none of them may carry traffic of a tunnel that is gone. */
      sy_wg_device_set_packet_handler (self->device, NULL, NULL);
      if (self->netstack != NULL)
        sy_netstack_abort_connections (self->netstack);
      sy_wg_device_stop (self->device);
    }

  g_clear_object (&self->netstack);
  g_clear_object (&self->device);

  G_OBJECT_CLASS (sy_wireguard_outbound_parent_class)->dispose (object);
}

static void
sy_wireguard_outbound_finalize (GObject *object)
{
  SyWireguardOutbound *self = SY_WIREGUARD_OUTBOUND (object);

  g_clear_pointer (&self->profile, sy_wg_profile_unref);

  G_OBJECT_CLASS (sy_wireguard_outbound_parent_class)->finalize (object);
}

static void
sy_wireguard_outbound_class_init (SyWireguardOutboundClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SyOutboundClass *outbound_class = SY_OUTBOUND_CLASS (klass);

  object_class->dispose = sy_wireguard_outbound_dispose;
  object_class->finalize = sy_wireguard_outbound_finalize;

  outbound_class->dial_async = sy_wireguard_outbound_dial_async;
  outbound_class->dial_finish = sy_wireguard_outbound_dial_finish;
}

static void
sy_wireguard_outbound_init (SyWireguardOutbound *self)
{
}

SyWireguardOutbound *
sy_wireguard_outbound_new (const char   *name,
                           SyWgProfile  *profile,
                           GError      **error)
{
  g_autoptr(SyWireguardOutbound) self = NULL;
  g_autoptr(SyWgDevice) device = NULL;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (profile != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!sy_wg_profile_validate (profile, error))
    {
      g_prefix_error (error, "outbound %s: ", name);
      return NULL;
    }

  if (profile->addresses->len == 0)
    {
      g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                   "outbound %s: the WireGuard profile has no Address", name);
      return NULL;
    }

  device = sy_wg_device_new (profile, error);
  if (device == NULL)
    {
      g_prefix_error (error, "outbound %s: ", name);
      return NULL;
    }

  self = g_object_new (SY_TYPE_WIREGUARD_OUTBOUND,
                       "name", name,
                       "kind", "wireguard",
                       NULL);
  self->profile = sy_wg_profile_ref (profile);
  self->netstack = sy_netstack_new ((const SyWgPrefix *) profile->addresses->data,
                                    profile->addresses->len, profile->mtu,
                                    netstack_output_cb, g_object_ref (device), g_object_unref,
                                    error);
  if (self->netstack == NULL)
    {
      g_object_unref (device);
      g_prefix_error (error, "outbound %s: ", name);
      return NULL;
    }

  self->device = g_steal_pointer (&device);
  sy_wg_device_set_packet_handler (self->device, device_packet_cb, self->netstack);

  return g_steal_pointer (&self);
}

gboolean
sy_wireguard_outbound_start (SyWireguardOutbound  *self,
                             GError              **error)
{
  g_return_val_if_fail (SY_IS_WIREGUARD_OUTBOUND (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (sy_wg_device_is_running (self->device))
    return TRUE;

  if (!sy_wg_device_start (self->device, error))
    {
      g_prefix_error (error, "outbound %s: ", sy_outbound_get_name (SY_OUTBOUND (self)));
      return FALSE;
    }

  return TRUE;
}

void
sy_wireguard_outbound_stop (SyWireguardOutbound *self)
{
  g_return_if_fail (SY_IS_WIREGUARD_OUTBOUND (self));

  /* the resets still go out through the device */
  sy_netstack_abort_connections (self->netstack);
  sy_wg_device_stop (self->device);
}

SyWgDevice *
sy_wireguard_outbound_get_device (SyWireguardOutbound *self)
{
  g_return_val_if_fail (SY_IS_WIREGUARD_OUTBOUND (self), NULL);

  return self->device;
}

SyNetstack *
sy_wireguard_outbound_get_netstack (SyWireguardOutbound *self)
{
  g_return_val_if_fail (SY_IS_WIREGUARD_OUTBOUND (self), NULL);

  return self->netstack;
}

SyWgProfile *
sy_wireguard_outbound_get_profile (SyWireguardOutbound *self)
{
  g_return_val_if_fail (SY_IS_WIREGUARD_OUTBOUND (self), NULL);

  return self->profile;
}
