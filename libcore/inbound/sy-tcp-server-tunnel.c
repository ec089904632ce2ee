/* sy-tcp-server-tunnel.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-tunnel"

#include "sy-tcp-server-tunnel.h"
#include "sy-tunnel-conn.h"

struct _SyTcpServerTunnel
{
  GObject          parent_instance;

  SyDispatcher    *dispatcher;
  char            *name;
  SyAcceptSource  *source;
  char            *target_host;
  guint16          target_port;
  char            *outbound;
};

G_DEFINE_FINAL_TYPE (SyTcpServerTunnel, sy_tcp_server_tunnel, G_TYPE_OBJECT)

static void
sy_tcp_server_tunnel_dispose (GObject *object)
{
  SyTcpServerTunnel *self = SY_TCP_SERVER_TUNNEL (object);

  g_clear_pointer (&self->source, sy_accept_source_free);

  G_OBJECT_CLASS (sy_tcp_server_tunnel_parent_class)->dispose (object);
}

static void
sy_tcp_server_tunnel_finalize (GObject *object)
{
  SyTcpServerTunnel *self = SY_TCP_SERVER_TUNNEL (object);

  g_clear_object (&self->dispatcher);
  g_free (self->name);
  g_free (self->target_host);
  g_free (self->outbound);

  G_OBJECT_CLASS (sy_tcp_server_tunnel_parent_class)->finalize (object);
}

static void
sy_tcp_server_tunnel_class_init (SyTcpServerTunnelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_tcp_server_tunnel_dispose;
  object_class->finalize = sy_tcp_server_tunnel_finalize;
}

static void
sy_tcp_server_tunnel_init (SyTcpServerTunnel *self)
{
}

SyTcpServerTunnel *
sy_tcp_server_tunnel_new (SyDispatcher   *dispatcher,
                          const char     *name,
                          SyAcceptSource *source,
                          const char     *target_host,
                          guint16         target_port,
                          const char     *outbound)
{
  SyTcpServerTunnel *self;

  g_return_val_if_fail (SY_IS_DISPATCHER (dispatcher), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (source != NULL, NULL);
  g_return_val_if_fail (target_host != NULL && target_host[0] != '\0', NULL);

  self = g_object_new (SY_TYPE_TCP_SERVER_TUNNEL, NULL);
  self->dispatcher = g_object_ref (dispatcher);
  self->name = g_strdup (name);
  self->source = source;
  self->target_host = g_strdup (target_host);
  self->target_port = target_port;
  self->outbound = g_strdup (outbound != NULL ? outbound : "direct");

  return self;
}

const char *
sy_tcp_server_tunnel_get_name (SyTcpServerTunnel *self)
{
  g_return_val_if_fail (SY_IS_TCP_SERVER_TUNNEL (self), NULL);

  return self->name;
}

static void
accepted_cb (GIOStream      *connection,
             GSocketAddress *remote,
             gpointer        user_data)
{
  SyTcpServerTunnel *self = user_data;
  g_autoptr(SySession) session = NULL;

  session = sy_tunnel_session_new (self->dispatcher, SY_NETWORK_TCP, self->name,
                                   SY_TUNNEL_PROTOCOL_TCP_SERVER, remote,
                                   self->target_host, self->target_port);
  sy_tunnel_conn_start (self->dispatcher, session, connection, self->outbound, 0, NULL, NULL);
}

gboolean
sy_tcp_server_tunnel_start (SyTcpServerTunnel  *self,
                            GError            **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (SY_IS_TCP_SERVER_TUNNEL (self), FALSE);
  g_return_val_if_fail (self->source != NULL, FALSE);

  if (!sy_accept_source_start (self->source, accepted_cb, self, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code,
                   "Tunnel “%s” cannot listen on %s: %s", self->name,
                   sy_accept_source_describe (self->source), local_error->message);
      return FALSE;
    }

  g_debug ("tunnel “%s”: %s → %s:%u through %s", self->name,
           sy_accept_source_describe (self->source), self->target_host, self->target_port,
           self->outbound);

  return TRUE;
}

void
sy_tcp_server_tunnel_stop (SyTcpServerTunnel *self)
{
  g_return_if_fail (SY_IS_TCP_SERVER_TUNNEL (self));

  if (self->source != NULL)
    sy_accept_source_stop (self->source);
}
