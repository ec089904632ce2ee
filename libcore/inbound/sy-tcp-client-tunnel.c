/* sy-tcp-client-tunnel.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-tunnel"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "sy-tcp-client-tunnel.h"
#include "sy-tunnel-bind.h"
#include "sy-tunnel-conn.h"
#include "util/sy-error.h"

/* Same reasoning as the mixed inbound: a burst of connections (a game
 * client, a browser behind the forward) overflows GLib's backlog of 10. */
#define LISTEN_BACKLOG 1024

struct _SyTcpClientTunnel
{
  GObject          parent_instance;

  SyDispatcher    *dispatcher;
  char            *name;
  char            *bind_host;
  guint16          bind_port;
  char            *target_host;
  guint16          target_port;
  char            *outbound;

  GSocketService  *service;
  GSocketAddress  *local_address;
};

G_DEFINE_FINAL_TYPE (SyTcpClientTunnel, sy_tcp_client_tunnel, G_TYPE_OBJECT)

static void
sy_tcp_client_tunnel_dispose (GObject *object)
{
  SyTcpClientTunnel *self = SY_TCP_CLIENT_TUNNEL (object);

  sy_tcp_client_tunnel_stop (self);

  G_OBJECT_CLASS (sy_tcp_client_tunnel_parent_class)->dispose (object);
}

static void
sy_tcp_client_tunnel_finalize (GObject *object)
{
  SyTcpClientTunnel *self = SY_TCP_CLIENT_TUNNEL (object);

  g_clear_object (&self->dispatcher);
  g_free (self->name);
  g_free (self->bind_host);
  g_free (self->target_host);
  g_free (self->outbound);

  G_OBJECT_CLASS (sy_tcp_client_tunnel_parent_class)->finalize (object);
}

static void
sy_tcp_client_tunnel_class_init (SyTcpClientTunnelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_tcp_client_tunnel_dispose;
  object_class->finalize = sy_tcp_client_tunnel_finalize;
}

static void
sy_tcp_client_tunnel_init (SyTcpClientTunnel *self)
{
}

SyTcpClientTunnel *
sy_tcp_client_tunnel_new (SyDispatcher *dispatcher,
                          const char   *name,
                          const char   *bind_host,
                          guint16       bind_port,
                          const char   *target_host,
                          guint16       target_port,
                          const char   *outbound)
{
  SyTcpClientTunnel *self;

  g_return_val_if_fail (SY_IS_DISPATCHER (dispatcher), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (target_host != NULL && target_host[0] != '\0', NULL);

  self = g_object_new (SY_TYPE_TCP_CLIENT_TUNNEL, NULL);
  self->dispatcher = g_object_ref (dispatcher);
  self->name = g_strdup (name);
  self->bind_host = g_strdup (bind_host);
  self->bind_port = bind_port;
  self->target_host = g_strdup (target_host);
  self->target_port = target_port;
  self->outbound = g_strdup (outbound != NULL ? outbound : "direct");

  return self;
}

const char *
sy_tcp_client_tunnel_get_name (SyTcpClientTunnel *self)
{
  g_return_val_if_fail (SY_IS_TCP_CLIENT_TUNNEL (self), NULL);

  return self->name;
}

GSocketAddress *
sy_tcp_client_tunnel_get_local_address (SyTcpClientTunnel *self)
{
  g_return_val_if_fail (SY_IS_TCP_CLIENT_TUNNEL (self), NULL);

  return self->local_address;
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  SyTcpClientTunnel *self = user_data;
  g_autoptr(GSocketAddress) client_address = NULL;
  g_autoptr(SySession) session = NULL;

  /* Port forwards carry interactive protocols (ssh, game clients): the
   * relay writes whatever it has at once, Nagle would only hold it back. */
  g_socket_set_option (g_socket_connection_get_socket (connection),
                       IPPROTO_TCP, TCP_NODELAY, 1, NULL);

  client_address = g_socket_connection_get_remote_address (connection, NULL);
  session = sy_tunnel_session_new (self->dispatcher, SY_NETWORK_TCP, self->name,
                                   SY_TUNNEL_PROTOCOL_TCP_CLIENT, client_address,
                                   self->target_host, self->target_port);
  sy_tunnel_conn_start (self->dispatcher, session, G_IO_STREAM (connection), self->outbound,
                        0, NULL, NULL);

  return TRUE;
}

static gboolean
listen_on (SyTcpClientTunnel  *self,
           GSocketListener    *listener,
           GInetAddress       *address,
           GSocketAddress    **effective,
           GError            **error)
{
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GInetAddress) any = NULL;
  guint16 port;

  if (address != NULL)
    {
      socket_address = g_inet_socket_address_new (address, self->bind_port);
      return g_socket_listener_add_address (listener, socket_address, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL, effective, error);
    }

  /* Every address: IPv6 and IPv4 on one port, as GLib does it. */
  if (self->bind_port == 0)
    {
      port = g_socket_listener_add_any_inet_port (listener, NULL, error);
      if (port == 0)
        return FALSE;
    }
  else
    {
      if (!g_socket_listener_add_inet_port (listener, self->bind_port, NULL, error))
        return FALSE;
      port = self->bind_port;
    }

  any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  *effective = g_inet_socket_address_new (any, port);
  return TRUE;
}

gboolean
sy_tcp_client_tunnel_start (SyTcpClientTunnel  *self,
                            GError            **error)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketService) service = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *where = NULL;
  g_autofree char *bound = NULL;

  g_return_val_if_fail (SY_IS_TCP_CLIENT_TUNNEL (self), FALSE);

  if (self->service != NULL)
    return TRUE;

  if (!sy_tunnel_resolve_bind_host (self->bind_host, &address, error))
    return FALSE;
  where = sy_tunnel_describe_bind (address, self->bind_port);

  service = g_socket_service_new ();
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (service), LISTEN_BACKLOG);
  if (!listen_on (self, G_SOCKET_LISTENER (service), address, &effective, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        g_set_error (error, SY_ERROR, SY_ERROR_ADDRESS_IN_USE,
                     "Tunnel “%s” cannot listen on %s: the port is already in use. Pick "
                     "another BindAddress or stop the program using it",
                     self->name, where);
      else
        g_set_error (error, local_error->domain, local_error->code,
                     "Tunnel “%s” cannot listen on %s: %s", self->name, where,
                     local_error->message);
      return FALSE;
    }

  g_signal_connect_object (service, "incoming", G_CALLBACK (incoming_cb), self, 0);
  g_socket_service_start (service);

  self->service = g_steal_pointer (&service);
  self->local_address = g_steal_pointer (&effective);

  bound = sy_tunnel_describe_bind (address,
                                   g_inet_socket_address_get_port (
                                     G_INET_SOCKET_ADDRESS (self->local_address)));
  g_debug ("tunnel “%s”: %s → %s:%u through %s", self->name, bound,
           self->target_host, self->target_port, self->outbound);

  return TRUE;
}

void
sy_tcp_client_tunnel_stop (SyTcpClientTunnel *self)
{
  g_return_if_fail (SY_IS_TCP_CLIENT_TUNNEL (self));

  if (self->service == NULL)
    return;

  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_signal_handlers_disconnect_by_data (self->service, self);
  g_clear_object (&self->service);
  g_clear_object (&self->local_address);
}
