/* sy-netstack-accept-source.c — connections to a port inside a userspace tunnel
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-tunnel"

#include "sy-accept-source.h"

typedef struct
{
  SyAcceptSource  parent;
  SyNetstack     *netstack;
  guint16         port;
  guint           listener_id;
} NetstackSource;

static void
netstack_accept_cb (SyNetstack         *netstack,
                    GIOStream          *connection,
                    GInetSocketAddress *remote,
                    gpointer            user_data)
{
  NetstackSource *source = user_data;

  /* the netstack hands over its reference; the consumer takes its own */
  sy_accept_source_emit (&source->parent, connection, G_SOCKET_ADDRESS (remote));
  g_object_unref (connection);
}

static gboolean
netstack_start (SyAcceptSource  *self,
                GError         **error)
{
  NetstackSource *source = (NetstackSource *) self;

  source->listener_id = sy_netstack_listen (source->netstack, source->port,
                                            netstack_accept_cb, source, NULL, error);
  return source->listener_id != 0;
}

static void
netstack_stop (SyAcceptSource *self)
{
  NetstackSource *source = (NetstackSource *) self;

  if (source->listener_id != 0)
    sy_netstack_unlisten (source->netstack, source->listener_id);
  source->listener_id = 0;
}

static void
netstack_free (SyAcceptSource *self)
{
  NetstackSource *source = (NetstackSource *) self;

  g_clear_object (&source->netstack);
  g_free (source);
}

static const SyAcceptSourceFuncs netstack_funcs = {
  netstack_start,
  netstack_stop,
  netstack_free,
};

SyAcceptSource *
sy_accept_source_new_netstack (SyNetstack *netstack,
                               guint16     port)
{
  NetstackSource *source;
  g_autofree char *description = NULL;

  g_return_val_if_fail (SY_IS_NETSTACK (netstack), NULL);
  g_return_val_if_fail (port != 0, NULL);

  description = g_strdup_printf ("tunnel port %u", port);
  source = g_new0 (NetstackSource, 1);
  sy_accept_source_init (&source->parent, &netstack_funcs, description);
  source->netstack = g_object_ref (netstack);
  source->port = port;

  return &source->parent;
}
