/* sy-netstack-datagram.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-datagram"

#include "sy-netstack-datagram.h"

typedef struct
{
  SyDatagramSession  parent;
  SyNetstackUdp     *udp;
  gboolean           dispatching;
  gboolean           closed;
} NetstackDatagram;

static gboolean
netstack_datagram_free_cb (gpointer user_data)
{
  NetstackDatagram *self = user_data;

  g_clear_pointer (&self->udp, sy_netstack_udp_free);
  g_free (self);

  return G_SOURCE_REMOVE;
}

static void
netstack_datagram_recv_cb (SyNetstackUdp      *udp,
                           const guint8       *data,
                           gsize               length,
                           GInetSocketAddress *from,
                           gpointer            user_data)
{
  NetstackDatagram *self = user_data;

  if (self->closed)
    return;

  self->dispatching = TRUE;
  self->parent.recv_func (&self->parent, data, length, from, self->parent.recv_data);
  self->dispatching = FALSE;

  /* Closed from the callback: the netstack is still inside its own
   * delivery of this datagram, so its socket goes once that returns. */
  if (self->closed)
    g_idle_add_full (G_PRIORITY_DEFAULT, netstack_datagram_free_cb, self, NULL);
}

static gboolean
netstack_datagram_send (SyDatagramSession   *session,
                        const guint8        *data,
                        gsize                length,
                        GInetSocketAddress  *to,
                        GError             **error)
{
  NetstackDatagram *self = (NetstackDatagram *) session;

  return sy_netstack_udp_send (self->udp, data, length, to, error);
}

static void
netstack_datagram_close (SyDatagramSession *session)
{
  NetstackDatagram *self = (NetstackDatagram *) session;

  self->closed = TRUE;
  if (!self->dispatching)
    netstack_datagram_free_cb (self);
}

static const SyDatagramSessionFuncs netstack_datagram_funcs = {
  netstack_datagram_send,
  netstack_datagram_close,
};

SyDatagramSession *
sy_netstack_datagram_session_new (SyNetstack          *netstack,
                                  SyDatagramRecvFunc   func,
                                  gpointer             user_data,
                                  GError             **error)
{
  NetstackDatagram *self;

  g_return_val_if_fail (SY_IS_NETSTACK (netstack), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  self = g_new0 (NetstackDatagram, 1);
  self->parent.funcs = &netstack_datagram_funcs;
  self->parent.recv_func = func;
  self->parent.recv_data = user_data;
  self->udp = sy_netstack_udp_new (netstack, 0, netstack_datagram_recv_cb, self, error);
  if (self->udp == NULL)
    {
      g_free (self);
      return NULL;
    }

  return &self->parent;
}

/* Dialer ----------------------------------------------------------------- */

struct _SyWireguardDatagramDialer
{
  SyDatagramDialer     parent_instance;

  SyWireguardOutbound *outbound;
};

G_DEFINE_FINAL_TYPE (SyWireguardDatagramDialer, sy_wireguard_datagram_dialer, SY_TYPE_DATAGRAM_DIALER)

static void
wireguard_resolved_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GList *addresses;

  addresses = sy_wireguard_outbound_resolve_finish (SY_WIREGUARD_OUTBOUND (object), result, &error);
  if (addresses == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, addresses, (GDestroyNotify) g_resolver_free_addresses);
}

static void
sy_wireguard_datagram_dialer_resolve_async (SyDatagramDialer    *dialer,
                                            const char          *host,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data)
{
  SyWireguardDatagramDialer *self = SY_WIREGUARD_DATAGRAM_DIALER (dialer);
  GTask *task;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_wireguard_datagram_dialer_resolve_async);
  sy_wireguard_outbound_resolve_async (self->outbound, host, cancellable,
                                       wireguard_resolved_cb, task);
}

static GList *
sy_wireguard_datagram_dialer_resolve_finish (SyDatagramDialer  *dialer,
                                             GAsyncResult      *result,
                                             GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, dialer), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static SyDatagramSession *
sy_wireguard_datagram_dialer_open (SyDatagramDialer    *dialer,
                                   GSocketFamily        family,
                                   SyDatagramRecvFunc   func,
                                   gpointer             user_data,
                                   GError             **error)
{
  SyWireguardDatagramDialer *self = SY_WIREGUARD_DATAGRAM_DIALER (dialer);

  if (!sy_wireguard_outbound_start (self->outbound, error))
    return NULL;

  return sy_netstack_datagram_session_new (sy_wireguard_outbound_get_netstack (self->outbound),
                                           func, user_data, error);
}

static void
sy_wireguard_datagram_dialer_finalize (GObject *object)
{
  SyWireguardDatagramDialer *self = SY_WIREGUARD_DATAGRAM_DIALER (object);

  g_clear_object (&self->outbound);

  G_OBJECT_CLASS (sy_wireguard_datagram_dialer_parent_class)->finalize (object);
}

static void
sy_wireguard_datagram_dialer_class_init (SyWireguardDatagramDialerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SyDatagramDialerClass *dialer_class = SY_DATAGRAM_DIALER_CLASS (klass);

  object_class->finalize = sy_wireguard_datagram_dialer_finalize;

  dialer_class->resolve_async = sy_wireguard_datagram_dialer_resolve_async;
  dialer_class->resolve_finish = sy_wireguard_datagram_dialer_resolve_finish;
  dialer_class->open = sy_wireguard_datagram_dialer_open;
}

static void
sy_wireguard_datagram_dialer_init (SyWireguardDatagramDialer *self)
{
}

SyDatagramDialer *
sy_wireguard_datagram_dialer_new (SyWireguardOutbound *outbound)
{
  SyWireguardDatagramDialer *self;

  g_return_val_if_fail (SY_IS_WIREGUARD_OUTBOUND (outbound), NULL);

  self = g_object_new (SY_TYPE_WIREGUARD_DATAGRAM_DIALER,
                       "name", sy_outbound_get_name (SY_OUTBOUND (outbound)),
                       NULL);
  self->outbound = g_object_ref (outbound);

  return SY_DATAGRAM_DIALER (self);
}
