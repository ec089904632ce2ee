/* sy-tunnel-conn.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-tunnel"

#include "sy-tunnel-conn.h"
#include "relay/sy-relay.h"

typedef struct
{
  SyDispatcher     *dispatcher;
  SySession        *session;
  GIOStream        *client;
  guint             idle_timeout_ms;
  SyTunnelDoneFunc  done;
  gpointer          user_data;
} TunnelConn;

static void
tunnel_conn_free (TunnelConn *conn)
{
  g_clear_object (&conn->client);
  g_clear_pointer (&conn->session, sy_session_unref);
  g_clear_object (&conn->dispatcher);
  g_free (conn);
}

SySession *
sy_tunnel_session_new (SyDispatcher   *dispatcher,
                       SyNetwork       network,
                       const char     *inbound,
                       const char     *protocol,
                       GSocketAddress *client_address,
                       const char     *host,
                       guint16         port)
{
  SySession *session;

  g_return_val_if_fail (SY_IS_DISPATCHER (dispatcher), NULL);
  g_return_val_if_fail (host != NULL, NULL);

  session = sy_session_new (network, inbound, client_address);
  sy_session_set_protocol (session, protocol);
  sy_session_set_destination (session, host, port);
  sy_dispatcher_add_session (dispatcher, session);

  return session;
}

static void
relay_done_cb (SySession    *session,
               const GError *error,
               gpointer      user_data)
{
  TunnelConn *conn = user_data;

  sy_dispatcher_end_session (conn->dispatcher, session, error);
  conn->done (session, error, conn->user_data);
  tunnel_conn_free (conn);
}

typedef struct
{
  TunnelConn *conn;
  GError     *error;
} FailedDial;

static void
failed_client_closed_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  FailedDial *failed = user_data;
  TunnelConn *conn = failed->conn;

  g_io_stream_close_finish (G_IO_STREAM (object), result, NULL);
  conn->done (conn->session, failed->error, conn->user_data);

  g_error_free (failed->error);
  g_free (failed);
  tunnel_conn_free (conn);
}

static void
dialed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  TunnelConn *conn = user_data;
  g_autoptr(GIOStream) remote = NULL;
  g_autoptr(GError) error = NULL;
  SyRelayOptions options = SY_RELAY_OPTIONS_INIT;

  remote = sy_dispatcher_dial_finish (SY_DISPATCHER (object), result, &error);
  if (remote == NULL)
    {
      g_autofree char *target = sy_session_dup_target (conn->session);
      FailedDial *failed;

      g_debug ("session %" G_GUINT64_FORMAT ": %s: %s", conn->session->id, target,
               error->message);
      sy_dispatcher_end_session (conn->dispatcher, conn->session, error);

      /* The client learns of it the only way a tunnel can tell: a close. */
      if (conn->done == NULL)
        {
          g_io_stream_close_async (conn->client, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
          tunnel_conn_free (conn);
          return;
        }

      /* @done promises the client is released by the time it runs */
      failed = g_new0 (FailedDial, 1);
      failed->conn = conn;
      failed->error = g_steal_pointer (&error);
      g_io_stream_close_async (conn->client, G_PRIORITY_DEFAULT, NULL,
                               failed_client_closed_cb, failed);
      return;
    }

  if (conn->done == NULL)
    {
      sy_dispatcher_relay (conn->dispatcher, conn->session, conn->client, remote, NULL);
      tunnel_conn_free (conn);
      return;
    }

  options.idle_timeout_ms = conn->idle_timeout_ms;
  sy_session_set_state (conn->session, SY_SESSION_STATE_ESTABLISHED);
  sy_relay_start (conn->session, conn->client, remote, NULL, &options, relay_done_cb, conn);
}

void
sy_tunnel_conn_start (SyDispatcher     *dispatcher,
                      SySession        *session,
                      GIOStream        *client,
                      const char       *route,
                      guint             idle_timeout_ms,
                      SyTunnelDoneFunc  done,
                      gpointer          user_data)
{
  TunnelConn *conn;

  g_return_if_fail (SY_IS_DISPATCHER (dispatcher));
  g_return_if_fail (session != NULL);
  g_return_if_fail (G_IS_IO_STREAM (client));

  conn = g_new0 (TunnelConn, 1);
  conn->dispatcher = g_object_ref (dispatcher);
  conn->session = sy_session_ref (session);
  conn->client = g_object_ref (client);
  conn->idle_timeout_ms = idle_timeout_ms;
  conn->done = done;
  conn->user_data = user_data;

  /* The dispatcher ties the dial to session->cancellable itself, so a
   * close request during the dial ends it as "closed on request". */
  sy_dispatcher_dial_async (dispatcher, session, route, NULL, dialed_cb, conn);
}
