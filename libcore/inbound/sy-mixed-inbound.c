/* sy-mixed-inbound.c — SOCKS5 and HTTP proxy on one listening port
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The first byte decides the protocol: a SOCKS5 client always starts with
 * its version, 0x05 (RFC 1928 §3); an HTTP request starts with a method
 * name, which is letters. Anything else is neither and is dropped.
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-inbound"

#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "sy-mixed-inbound.h"
#include "sy-credentials.h"
#include "sy-inbound-conn.h"
#include "util/sy-error.h"

/* A desktop burst (a browser opening dozens of connections at once, the
 * bench's 1000 sessions) overflows GLib's default backlog of 10. */
#define LISTEN_BACKLOG 1024

#define DEFAULT_HANDSHAKE_TIMEOUT_MS 10000

struct _SyMixedInbound
{
  GObject           parent_instance;

  SyInboundConfig  *config;
  SyDispatcher     *dispatcher;
  GSocketService   *service;
  GSocketAddress   *local_address;
  GTlsCertificate  *tls_certificate;
  guint             handshake_timeout_ms;
};

G_DEFINE_FINAL_TYPE (SyMixedInbound, sy_mixed_inbound, G_TYPE_OBJECT)

static void
sy_mixed_inbound_dispose (GObject *object)
{
  SyMixedInbound *self = SY_MIXED_INBOUND (object);

  sy_mixed_inbound_stop (self);

  G_OBJECT_CLASS (sy_mixed_inbound_parent_class)->dispose (object);
}

static void
sy_mixed_inbound_finalize (GObject *object)
{
  SyMixedInbound *self = SY_MIXED_INBOUND (object);

  g_clear_object (&self->dispatcher);
  g_clear_object (&self->local_address);
  g_clear_object (&self->tls_certificate);
  g_clear_pointer (&self->config, sy_inbound_config_free);

  G_OBJECT_CLASS (sy_mixed_inbound_parent_class)->finalize (object);
}

static void
sy_mixed_inbound_class_init (SyMixedInboundClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_mixed_inbound_dispose;
  object_class->finalize = sy_mixed_inbound_finalize;
}

static void
sy_mixed_inbound_init (SyMixedInbound *self)
{
  self->handshake_timeout_ms = DEFAULT_HANDSHAKE_TIMEOUT_MS;
}

SyMixedInbound *
sy_mixed_inbound_new (const SyInboundConfig *config,
                      SyDispatcher          *dispatcher)
{
  SyMixedInbound *self;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (SY_IS_DISPATCHER (dispatcher), NULL);

  self = g_object_new (SY_TYPE_MIXED_INBOUND, NULL);
  self->config = sy_inbound_config_copy (config);
  self->dispatcher = g_object_ref (dispatcher);

  return self;
}

const SyInboundConfig *
sy_mixed_inbound_get_config (SyMixedInbound *self)
{
  g_return_val_if_fail (SY_IS_MIXED_INBOUND (self), NULL);

  return self->config;
}

void
sy_mixed_inbound_set_handshake_timeout (SyMixedInbound *self,
                                        guint           timeout_ms)
{
  g_return_if_fail (SY_IS_MIXED_INBOUND (self));

  self->handshake_timeout_ms = timeout_ms;
}

void
sy_mixed_inbound_set_tls_certificate (SyMixedInbound  *self,
                                      GTlsCertificate *certificate)
{
  g_return_if_fail (SY_IS_MIXED_INBOUND (self));
  g_return_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate));

  g_set_object (&self->tls_certificate, certificate);
}

GSocketAddress *
sy_mixed_inbound_get_local_address (SyMixedInbound *self)
{
  g_return_val_if_fail (SY_IS_MIXED_INBOUND (self), NULL);

  return self->local_address;
}

static void
first_read_cb (SyInboundConn *conn,
               gsize          n_read,
               const GError  *error)
{
  guint8 first;

  if (error != NULL)
    {
      sy_inbound_conn_abort (conn, error);
      return;
    }

  if (n_read == 0)
    {
      g_autoptr(GError) eof = g_error_new (SY_ERROR, SY_ERROR_PROTOCOL,
                                           "The client closed the connection without a request");

      sy_inbound_conn_abort (conn, eof);
      return;
    }

  first = sy_inbound_buffer_peek (&conn->buffer)[0];
  if (first == 0x05)
    sy_socks5_handler_start (conn);
  else if (g_ascii_isalpha (first))
    sy_http_handler_start (conn);
  else
    {
      g_autoptr(GError) unknown = NULL;

      unknown = g_error_new (SY_ERROR, SY_ERROR_PROTOCOL,
                             "The client speaks neither SOCKS5 nor HTTP (first byte 0x%02x)",
                             first);
      sy_inbound_conn_abort (conn, unknown);
    }
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  SyMixedInbound *self = user_data;
  g_autoptr(SyInboundConn) conn = NULL;
  g_autoptr(GIOStream) tls = NULL;
  GSocket *socket = g_socket_connection_get_socket (connection);

  /* Replies are small and the client waits for each before it goes on:
   * Nagle's algorithm would only add a delayed-ACK round to each. */
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);

  if (self->tls_certificate != NULL)
    {
      g_autoptr(GError) error = NULL;

      /* The handshake runs on the first read, under the handshake timer. */
      tls = g_tls_server_connection_new (G_IO_STREAM (connection), self->tls_certificate, &error);
      if (tls == NULL)
        {
          g_warning ("inbound “%s”: cannot offer TLS: %s", self->config->name, error->message);
          return TRUE;
        }
    }

  conn = sy_inbound_conn_new (self, self->dispatcher, connection, tls,
                              self->handshake_timeout_ms);
  sy_inbound_conn_new_session (conn, NULL);
  sy_inbound_conn_start_timer (conn);
  sy_inbound_conn_read (conn, first_read_cb);

  return TRUE;
}

static GInetAddress *
parse_listen_address (const char  *text,
                      GError     **error)
{
  GInetAddress *address;

  if (text == NULL || text[0] == '\0')
    text = "127.0.0.1";
  if (g_ascii_strcasecmp (text, "localhost") == 0)
    text = "127.0.0.1";

  address = g_inet_address_new_from_string (text);
  if (address == NULL)
    g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                 "“%s” is not an IP address to listen on: use e.g. 127.0.0.1, ::1 or 0.0.0.0",
                 text);

  return address;
}

gboolean
sy_mixed_inbound_start (SyMixedInbound  *self,
                        GError         **error)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GSocketService) service = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *ip = NULL;

  g_return_val_if_fail (SY_IS_MIXED_INBOUND (self), FALSE);

  if (self->service != NULL)
    return TRUE;

  address = parse_listen_address (self->config->listen_address, error);
  if (address == NULL)
    return FALSE;
  ip = g_inet_address_to_string (address);

  /* An open proxy on a LAN or the Internet is abused within hours. */
  if (!g_inet_address_get_is_loopback (address) &&
      !sy_credentials_required (self->config->username, self->config->password) &&
      !self->config->allow_insecure)
    {
      g_set_error (error, SY_ERROR, SY_ERROR_INSECURE,
                   "refusing to listen on %s%s%s:%u without a username and password: anyone "
                   "on your network could use this proxy. Set username/password or "
                   "allow_insecure=true",
                   strchr (ip, ':') ? "[" : "", ip, strchr (ip, ':') ? "]" : "",
                   self->config->port);
      return FALSE;
    }

  service = g_socket_service_new ();
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (service), LISTEN_BACKLOG);
  socket_address = g_inet_socket_address_new (address, self->config->port);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), socket_address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                      NULL, &effective, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        g_set_error (error, SY_ERROR, SY_ERROR_ADDRESS_IN_USE,
                     "Cannot listen on %s port %u: the port is already in use. Pick another "
                     "port or stop the program using it",
                     ip, self->config->port);
      else
        g_set_error (error, local_error->domain, local_error->code,
                     "Cannot listen on %s port %u: %s", ip, self->config->port,
                     local_error->message);
      return FALSE;
    }

  g_signal_connect_object (service, "incoming", G_CALLBACK (incoming_cb), self, 0);
  g_socket_service_start (service);

  g_set_object (&self->local_address, effective);
  self->service = g_steal_pointer (&service);

  g_debug ("inbound “%s” listening on %s port %u", self->config->name, ip,
           g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective)));

  return TRUE;
}

void
sy_mixed_inbound_stop (SyMixedInbound *self)
{
  g_return_if_fail (SY_IS_MIXED_INBOUND (self));

  if (self->service == NULL)
    return;

  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_signal_handlers_disconnect_by_data (self->service, self);
  g_clear_object (&self->service);
  g_clear_object (&self->local_address);
}
