/* syd-ordered-outbound.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "syd-wireproxy"

#include "syd-ordered-outbound.h"

struct _SydOrderedOutbound
{
  SyOutbound                  parent_instance;

  SyWireguardOutbound        *wireguard;
  SyWireproxyResolveStrategy  strategy;
};

G_DEFINE_FINAL_TYPE (SydOrderedOutbound, syd_ordered_outbound, SY_TYPE_OUTBOUND)

typedef struct
{
  SySession *session;
  GList     *addresses;    /* GInetAddress, in dial order */
  GList     *next;
  guint16    port;
  GError    *first_error;
} Dial;

static void
dial_free (gpointer data)
{
  Dial *dial = data;

  g_clear_pointer (&dial->session, sy_session_unref);
  g_resolver_free_addresses (dial->addresses);
  g_clear_error (&dial->first_error);
  g_free (dial);
}

void
syd_ordered_outbound_sort (GList                      **addresses,
                           SyWireproxyResolveStrategy   strategy)
{
  GSocketFamily first = strategy == SY_WIREPROXY_RESOLVE_IPV4 ? G_SOCKET_FAMILY_IPV4
                                                               : G_SOCKET_FAMILY_IPV6;
  GList *preferred = NULL;
  GList *others = NULL;

  g_return_if_fail (addresses != NULL);

  /* A stable partition: within a family the resolver's order stands. */
  for (GList *l = *addresses; l != NULL; l = l->next)
    {
      if (g_inet_address_get_family (l->data) == first)
        preferred = g_list_prepend (preferred, l->data);
      else
        others = g_list_prepend (others, l->data);
    }
  g_list_free (*addresses);
  *addresses = g_list_concat (g_list_reverse (preferred), g_list_reverse (others));
}

static void dial_next (GTask *task);

static void
dialed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Dial *dial = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GIOStream *stream;

  stream = sy_outbound_dial_finish (SY_OUTBOUND (object), result, &error);
  if (stream != NULL)
    {
      g_task_return_pointer (task, stream, g_object_unref);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (dial->next == NULL)
    {
      /* The first address's failure says most about the destination;
       * later ones are often just "no route" for the other family. */
      g_task_return_error (task, dial->first_error != NULL ? g_steal_pointer (&dial->first_error)
                                                           : g_steal_pointer (&error));
      return;
    }

  g_debug ("dial through the tunnel failed, trying the next address: %s", error->message);
  if (dial->first_error == NULL)
    dial->first_error = g_steal_pointer (&error);
  dial_next (g_steal_pointer (&task));
}

static void
dial_next (GTask *task)
{
  SydOrderedOutbound *self = g_task_get_source_object (task);
  Dial *dial = g_task_get_task_data (task);
  g_autofree char *ip = g_inet_address_to_string (dial->next->data);

  dial->next = dial->next->next;
  sy_outbound_dial_async (SY_OUTBOUND (self->wireguard), dial->session, ip, dial->port,
                          g_task_get_cancellable (task), dialed_cb, task);
}

static void
resolved_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SydOrderedOutbound *self = g_task_get_source_object (task);
  Dial *dial = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  dial->addresses = sy_wireguard_outbound_resolve_finish (SY_WIREGUARD_OUTBOUND (object),
                                                          result, &error);
  if (dial->addresses == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  syd_ordered_outbound_sort (&dial->addresses, self->strategy);
  dial->next = dial->addresses;
  dial_next (g_steal_pointer (&task));
}

static void
direct_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GIOStream *stream;

  stream = sy_outbound_dial_finish (SY_OUTBOUND (object), result, &error);
  if (stream == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, stream, g_object_unref);
}

static void
syd_ordered_outbound_dial_async (SyOutbound          *outbound,
                                 SySession           *session,
                                 const char          *host,
                                 guint16              port,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  SydOrderedOutbound *self = SYD_ORDERED_OUTBOUND (outbound);
  g_autoptr(GTask) task = NULL;
  Dial *dial;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, syd_ordered_outbound_dial_async);

  if (g_hostname_is_ip_address (host))
    {
      sy_outbound_dial_async (SY_OUTBOUND (self->wireguard), session, host, port, cancellable,
                              direct_cb, g_steal_pointer (&task));
      return;
    }

  dial = g_new0 (Dial, 1);
  dial->session = session != NULL ? sy_session_ref (session) : NULL;
  dial->port = port;
  g_task_set_task_data (task, dial, dial_free);

  sy_wireguard_outbound_resolve_async (self->wireguard, host, cancellable, resolved_cb,
                                       g_steal_pointer (&task));
}

static GIOStream *
syd_ordered_outbound_dial_finish (SyOutbound    *outbound,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, outbound), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        syd_ordered_outbound_dial_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
syd_ordered_outbound_dispose (GObject *object)
{
  SydOrderedOutbound *self = SYD_ORDERED_OUTBOUND (object);

  g_clear_object (&self->wireguard);

  G_OBJECT_CLASS (syd_ordered_outbound_parent_class)->dispose (object);
}

static void
syd_ordered_outbound_class_init (SydOrderedOutboundClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SyOutboundClass *outbound_class = SY_OUTBOUND_CLASS (klass);

  object_class->dispose = syd_ordered_outbound_dispose;
  outbound_class->dial_async = syd_ordered_outbound_dial_async;
  outbound_class->dial_finish = syd_ordered_outbound_dial_finish;
}

static void
syd_ordered_outbound_init (SydOrderedOutbound *self)
{
}

SyOutbound *
syd_ordered_outbound_new (const char                 *name,
                          SyWireguardOutbound        *wireguard,
                          SyWireproxyResolveStrategy  strategy)
{
  SydOrderedOutbound *self;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (SY_IS_WIREGUARD_OUTBOUND (wireguard), NULL);
  g_return_val_if_fail (strategy != SY_WIREPROXY_RESOLVE_AUTO, NULL);

  self = g_object_new (SYD_TYPE_ORDERED_OUTBOUND,
                       "name", name,
                       "kind", "wireguard",
                       NULL);
  self->wireguard = g_object_ref (wireguard);
  self->strategy = strategy;

  return SY_OUTBOUND (self);
}

/* Datagrams ------------------------------------------------------------------ */

struct _SydOrderedDatagramDialer
{
  SyDatagramDialer            parent_instance;

  SyDatagramDialer           *inner;
  SyWireproxyResolveStrategy  strategy;
};

G_DEFINE_FINAL_TYPE (SydOrderedDatagramDialer, syd_ordered_datagram_dialer,
                     SY_TYPE_DATAGRAM_DIALER)

static void
datagram_resolved_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SydOrderedDatagramDialer *self = g_task_get_source_object (task);
  GError *error = NULL;
  GList *addresses;

  addresses = sy_datagram_dialer_resolve_finish (SY_DATAGRAM_DIALER (object), result, &error);
  if (addresses == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  syd_ordered_outbound_sort (&addresses, self->strategy);
  g_task_return_pointer (task, addresses, (GDestroyNotify) g_resolver_free_addresses);
}

static void
syd_ordered_datagram_dialer_resolve_async (SyDatagramDialer    *dialer,
                                           const char          *host,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  SydOrderedDatagramDialer *self = SYD_ORDERED_DATAGRAM_DIALER (dialer);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, syd_ordered_datagram_dialer_resolve_async);
  sy_datagram_dialer_resolve_async (self->inner, host, cancellable, datagram_resolved_cb, task);
}

static GList *
syd_ordered_datagram_dialer_resolve_finish (SyDatagramDialer  *dialer,
                                            GAsyncResult      *result,
                                            GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, dialer), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static SyDatagramSession *
syd_ordered_datagram_dialer_open (SyDatagramDialer    *dialer,
                                  GSocketFamily        family,
                                  SyDatagramRecvFunc   func,
                                  gpointer             user_data,
                                  GError             **error)
{
  SydOrderedDatagramDialer *self = SYD_ORDERED_DATAGRAM_DIALER (dialer);

  return sy_datagram_dialer_open (self->inner, family, func, user_data, error);
}

static void
syd_ordered_datagram_dialer_dispose (GObject *object)
{
  SydOrderedDatagramDialer *self = SYD_ORDERED_DATAGRAM_DIALER (object);

  g_clear_object (&self->inner);

  G_OBJECT_CLASS (syd_ordered_datagram_dialer_parent_class)->dispose (object);
}

static void
syd_ordered_datagram_dialer_class_init (SydOrderedDatagramDialerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SyDatagramDialerClass *dialer_class = SY_DATAGRAM_DIALER_CLASS (klass);

  object_class->dispose = syd_ordered_datagram_dialer_dispose;
  dialer_class->resolve_async = syd_ordered_datagram_dialer_resolve_async;
  dialer_class->resolve_finish = syd_ordered_datagram_dialer_resolve_finish;
  dialer_class->open = syd_ordered_datagram_dialer_open;
}

static void
syd_ordered_datagram_dialer_init (SydOrderedDatagramDialer *self)
{
}

SyDatagramDialer *
syd_ordered_datagram_dialer_new (SyDatagramDialer           *inner,
                                 SyWireproxyResolveStrategy  strategy)
{
  SydOrderedDatagramDialer *self;

  g_return_val_if_fail (SY_IS_DATAGRAM_DIALER (inner), NULL);
  g_return_val_if_fail (strategy != SY_WIREPROXY_RESOLVE_AUTO, NULL);

  self = g_object_new (SYD_TYPE_ORDERED_DATAGRAM_DIALER,
                       "name", sy_datagram_dialer_get_name (inner),
                       NULL);
  self->inner = g_object_ref (inner);
  self->strategy = strategy;

  return SY_DATAGRAM_DIALER (self);
}
