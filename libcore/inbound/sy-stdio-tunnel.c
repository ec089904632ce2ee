/* sy-stdio-tunnel.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-tunnel"

#include <unistd.h>

#include "sy-stdio-stream.h"
#include "sy-stdio-tunnel.h"
#include "sy-tunnel-conn.h"

struct _SyStdioTunnel
{
  GObject        parent_instance;

  SyDispatcher  *dispatcher;
  char          *name;
  char          *target_host;
  guint16        target_port;
  char          *outbound;
  guint          idle_timeout_ms;

  SySession     *session;
  GError        *error;
  gboolean       started;
  gboolean       finished;
};

G_DEFINE_FINAL_TYPE (SyStdioTunnel, sy_stdio_tunnel, G_TYPE_OBJECT)

enum {
  FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
sy_stdio_tunnel_finalize (GObject *object)
{
  SyStdioTunnel *self = SY_STDIO_TUNNEL (object);

  g_clear_object (&self->dispatcher);
  g_clear_pointer (&self->session, sy_session_unref);
  g_clear_error (&self->error);
  g_free (self->name);
  g_free (self->target_host);
  g_free (self->outbound);

  G_OBJECT_CLASS (sy_stdio_tunnel_parent_class)->finalize (object);
}

static void
sy_stdio_tunnel_class_init (SyStdioTunnelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sy_stdio_tunnel_finalize;

  signals[FINISHED] =
    g_signal_new ("finished",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
sy_stdio_tunnel_init (SyStdioTunnel *self)
{
}

SyStdioTunnel *
sy_stdio_tunnel_new (SyDispatcher *dispatcher,
                     const char   *name,
                     const char   *target_host,
                     guint16       target_port,
                     const char   *outbound)
{
  SyStdioTunnel *self;

  g_return_val_if_fail (SY_IS_DISPATCHER (dispatcher), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (target_host != NULL && target_host[0] != '\0', NULL);

  self = g_object_new (SY_TYPE_STDIO_TUNNEL, NULL);
  self->dispatcher = g_object_ref (dispatcher);
  self->name = g_strdup (name);
  self->target_host = g_strdup (target_host);
  self->target_port = target_port;
  self->outbound = g_strdup (outbound != NULL ? outbound : "direct");

  return self;
}

const char *
sy_stdio_tunnel_get_name (SyStdioTunnel *self)
{
  g_return_val_if_fail (SY_IS_STDIO_TUNNEL (self), NULL);

  return self->name;
}

void
sy_stdio_tunnel_set_idle_timeout (SyStdioTunnel *self,
                                  guint          timeout_ms)
{
  g_return_if_fail (SY_IS_STDIO_TUNNEL (self));

  self->idle_timeout_ms = timeout_ms;
}

static void
tunnel_done_cb (SySession    *session,
                const GError *error,
                gpointer      user_data)
{
  g_autoptr(SyStdioTunnel) self = user_data;

  self->finished = TRUE;
  if (error != NULL)
    self->error = g_error_copy (error);

  g_debug ("tunnel “%s” finished: %s", self->name, error != NULL ? error->message : "done");
  g_signal_emit (self, signals[FINISHED], 0, error);
}

gboolean
sy_stdio_tunnel_start_with_fds (SyStdioTunnel  *self,
                                int             input_fd,
                                int             output_fd,
                                GError        **error)
{
  g_autoptr(GIOStream) stream = NULL;

  g_return_val_if_fail (SY_IS_STDIO_TUNNEL (self), FALSE);
  g_return_val_if_fail (!self->started, FALSE);

  stream = sy_stdio_stream_new (input_fd, output_fd, error);
  if (stream == NULL)
    return FALSE;

  self->started = TRUE;
  self->session = sy_tunnel_session_new (self->dispatcher, SY_NETWORK_TCP, self->name,
                                         SY_TUNNEL_PROTOCOL_STDIO, NULL,
                                         self->target_host, self->target_port);
  /* the running tunnel keeps itself alive until "finished" */
  sy_tunnel_conn_start (self->dispatcher, self->session, stream, self->outbound,
                        self->idle_timeout_ms, tunnel_done_cb, g_object_ref (self));

  return TRUE;
}

gboolean
sy_stdio_tunnel_start (SyStdioTunnel  *self,
                       GError        **error)
{
  return sy_stdio_tunnel_start_with_fds (self, STDIN_FILENO, STDOUT_FILENO, error);
}

void
sy_stdio_tunnel_close (SyStdioTunnel *self)
{
  g_return_if_fail (SY_IS_STDIO_TUNNEL (self));

  if (self->session != NULL && !self->finished)
    sy_dispatcher_close_session (self->dispatcher, self->session->id);
}

SySession *
sy_stdio_tunnel_get_session (SyStdioTunnel *self)
{
  g_return_val_if_fail (SY_IS_STDIO_TUNNEL (self), NULL);

  return self->session;
}

gboolean
sy_stdio_tunnel_is_finished (SyStdioTunnel *self)
{
  g_return_val_if_fail (SY_IS_STDIO_TUNNEL (self), FALSE);

  return self->finished;
}

const GError *
sy_stdio_tunnel_get_error (SyStdioTunnel *self)
{
  g_return_val_if_fail (SY_IS_STDIO_TUNNEL (self), NULL);

  return self->error;
}
