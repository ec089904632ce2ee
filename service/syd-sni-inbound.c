/* syd-sni-inbound.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "syd-sni"

#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "inbound/sy-tunnel-bind.h"
#include "inbound/sy-tunnel-conn.h"
#include "util/sy-error.h"
#include "syd-sni-inbound.h"

#define LISTEN_BACKLOG 1024

/* wireproxy's read deadline for the ClientHello (sni.go). */
#define HELLO_TIMEOUT_S 5

/* RFC 8446 §5.1: a record carries at most 2^14 bytes. A ClientHello with
 * post-quantum key shares is a few KiB; 64 KiB is far beyond any real one
 * and bounds what a client can make us hold. */
#define TLS_MAX_RECORD      (16 * 1024)
#define TLS_MAX_HELLO       (64 * 1024)
#define READ_LIMIT          (TLS_MAX_HELLO + 8 * (5 + TLS_MAX_RECORD))

#define TLS_CONTENT_HANDSHAKE     22
#define TLS_HANDSHAKE_CLIENT_HELLO 1
#define TLS_EXT_SERVER_NAME       0
#define TLS_SNI_HOST_NAME         0

#define SNI_PROTOCOL "sni"

/* The parser ------------------------------------------------------------------ */

typedef struct
{
  const guint8 *p;
  const guint8 *end;
} Reader;

static gboolean
read_u8 (Reader *r,
         guint  *value)
{
  if (r->end - r->p < 1)
    return FALSE;
  *value = r->p[0];
  r->p += 1;
  return TRUE;
}

static gboolean
read_u16 (Reader *r,
          guint  *value)
{
  if (r->end - r->p < 2)
    return FALSE;
  *value = (r->p[0] << 8) | r->p[1];
  r->p += 2;
  return TRUE;
}

/* A length-prefixed vector as a reader of its own. */
static gboolean
read_vector (Reader *r,
             guint   length,
             Reader *vector)
{
  if ((gsize) (r->end - r->p) < length)
    return FALSE;
  vector->p = r->p;
  vector->end = r->p + length;
  r->p += length;
  return TRUE;
}

static gboolean
skip (Reader *r,
      gsize   length)
{
  if ((gsize) (r->end - r->p) < length)
    return FALSE;
  r->p += length;
  return TRUE;
}

static SydSniResult
parse_host_name (Reader  *list,
                 char   **server_name)
{
  while (list->p < list->end)
    {
      guint type, length;
      Reader name;
      gsize n;

      if (!read_u8 (list, &type) || !read_u16 (list, &length) ||
          !read_vector (list, length, &name))
        return SYD_SNI_INVALID;
      if (type != TLS_SNI_HOST_NAME)
        continue;

      /* RFC 6066 §3: the DNS name, ASCII, without a trailing dot. Be
       * lenient about the dot, strict about what could be no name. */
      n = name.end - name.p;
      if (n > 0 && name.p[n - 1] == '.')
        n--;
      if (n == 0 || n > 253)
        return SYD_SNI_INVALID;
      for (gsize i = 0; i < n; i++)
        if (!g_ascii_isalnum (name.p[i]) && name.p[i] != '-' && name.p[i] != '.' &&
            name.p[i] != '_')
          return SYD_SNI_INVALID;

      *server_name = g_strndup ((const char *) name.p, n);
      return SYD_SNI_FOUND;
    }

  return SYD_SNI_NONE;
}

/* RFC 8446 §4.1.2 (and RFC 5246 §7.4.1.2, the same prefix). */
static SydSniResult
parse_client_hello (const guint8  *hello,
                    gsize          length,
                    char         **server_name)
{
  Reader r = { hello, hello + length };
  Reader vector, extensions;
  guint n;

  if (!skip (&r, 2 + 32) ||                                   /* legacy_version, random */
      !read_u8 (&r, &n) || n > 32 || !skip (&r, n) ||         /* legacy_session_id */
      !read_u16 (&r, &n) || n < 2 || n % 2 != 0 || !skip (&r, n) ||   /* cipher_suites */
      !read_u8 (&r, &n) || n < 1 || !skip (&r, n))            /* legacy_compression_methods */
    return SYD_SNI_INVALID;

  if (r.p == r.end)
    return SYD_SNI_NONE;                                      /* no extensions at all */

  if (!read_u16 (&r, &n) || !read_vector (&r, n, &extensions) || r.p != r.end)
    return SYD_SNI_INVALID;

  while (extensions.p < extensions.end)
    {
      guint type, ext_length;

      if (!read_u16 (&extensions, &type) || !read_u16 (&extensions, &ext_length) ||
          !read_vector (&extensions, ext_length, &vector))
        return SYD_SNI_INVALID;

      if (type == TLS_EXT_SERVER_NAME)
        {
          Reader list;

          if (!read_u16 (&vector, &n) || !read_vector (&vector, n, &list) ||
              vector.p != vector.end)
            return SYD_SNI_INVALID;
          return parse_host_name (&list, server_name);
        }
    }

  return SYD_SNI_NONE;
}

SydSniResult
syd_sni_parse (const guint8  *data,
               gsize          length,
               char         **server_name)
{
  g_autofree guint8 *handshake = NULL;
  gsize collected = 0;
  gsize offset = 0;

  g_return_val_if_fail (data != NULL || length == 0, SYD_SNI_INVALID);
  g_return_val_if_fail (server_name != NULL, SYD_SNI_INVALID);

  *server_name = NULL;

  /* Reassemble the handshake messages from the records (§5.1: a message
   * may be split across records of the same type). */
  while (offset < length)
    {
      gsize available = length - offset;
      gsize record_length;

      if (data[offset] != TLS_CONTENT_HANDSHAKE ||
          (available >= 2 && data[offset + 1] != 3))
        return SYD_SNI_INVALID;
      if (available < 5)
        return SYD_SNI_INCOMPLETE;

      record_length = (data[offset + 3] << 8) | data[offset + 4];
      if (record_length == 0 || record_length > TLS_MAX_RECORD)
        return SYD_SNI_INVALID;
      if (available < 5 + record_length)
        break;

      if (collected + record_length > TLS_MAX_HELLO + 4)
        return SYD_SNI_INVALID;
      handshake = g_realloc (handshake, collected + record_length);
      memcpy (handshake + collected, data + offset + 5, record_length);
      collected += record_length;
      offset += 5 + record_length;

      if (collected >= 4)
        {
          gsize hello_length = (handshake[1] << 16) | (handshake[2] << 8) | handshake[3];

          if (handshake[0] != TLS_HANDSHAKE_CLIENT_HELLO || hello_length > TLS_MAX_HELLO)
            return SYD_SNI_INVALID;
          if (collected >= 4 + hello_length)
            return parse_client_hello (handshake + 4, hello_length, server_name);
        }
    }

  /* Validate the start of a message we cannot finish yet. */
  if (collected >= 1 && handshake[0] != TLS_HANDSHAKE_CLIENT_HELLO)
    return SYD_SNI_INVALID;

  return SYD_SNI_INCOMPLETE;
}

/* The inbound ------------------------------------------------------------------ */

struct _SydSniInbound
{
  GObject          parent_instance;

  SyDispatcher    *dispatcher;
  char            *name;
  char            *bind_host;
  guint16          bind_port;
  char            *outbound;

  GSocketService  *service;
  GSocketAddress  *local_address;
  GCancellable    *cancellable;      /* connections still reading their ClientHello */
};

G_DEFINE_FINAL_TYPE (SydSniInbound, syd_sni_inbound, G_TYPE_OBJECT)

typedef struct
{
  SydSniInbound     *self;
  GSocketConnection *connection;
  GSocketAddress    *client_address;
  GCancellable      *cancellable;
  GCancellable      *stop_cancellable;  /* the inbound's, when this was accepted */
  gulong             cancelled_id;
  guint              timeout;
  gboolean           timed_out;
  SySession         *session;
  guint8            *buffer;
  gsize              length;
  gsize              size;
} SniConn;

static void
sni_conn_free (SniConn *conn)
{
  g_clear_handle_id (&conn->timeout, g_source_remove);
  g_cancellable_disconnect (conn->stop_cancellable, conn->cancelled_id);
  g_clear_object (&conn->stop_cancellable);
  g_clear_pointer (&conn->session, sy_session_unref);
  g_clear_object (&conn->cancellable);
  g_clear_object (&conn->client_address);
  g_clear_object (&conn->connection);
  g_clear_object (&conn->self);
  g_free (conn->buffer);
  g_free (conn);
}

static void
sni_conn_drop (SniConn    *conn,
               const char *why)
{
  g_autofree char *client = NULL;

  if (conn->client_address != NULL)
    client = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (conn->client_address));
  g_message ("[SNI] %s: %s", client != NULL ? client : "a client", why);

  g_io_stream_close (G_IO_STREAM (conn->connection), NULL, NULL);
  sni_conn_free (conn);
}

static void
dial_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  SniConn *conn = user_data;
  SyDispatcher *dispatcher = SY_DISPATCHER (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) remote = NULL;
  g_autoptr(GBytes) pending = NULL;

  remote = sy_dispatcher_dial_finish (dispatcher, result, &error);
  if (remote == NULL)
    {
      sy_dispatcher_end_session (dispatcher, conn->session, error);
      g_io_stream_close (G_IO_STREAM (conn->connection), NULL, NULL);
      sni_conn_free (conn);
      return;
    }

  /* The ClientHello goes first, exactly as the client sent it. */
  pending = g_bytes_new (conn->buffer, conn->length);
  sy_dispatcher_relay (dispatcher, conn->session, G_IO_STREAM (conn->connection), remote,
                       pending);
  sni_conn_free (conn);
}

static void sni_conn_read (SniConn *conn);

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  SniConn *conn = user_data;
  SydSniInbound *self = conn->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *server_name = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);
  if (n < 0)
    {
      sni_conn_drop (conn, conn->timed_out ? "no ClientHello within 5 s" : error->message);
      return;
    }
  if (n == 0)
    {
      sni_conn_drop (conn, "closed before its ClientHello was complete");
      return;
    }
  conn->length += n;

  switch (syd_sni_parse (conn->buffer, conn->length, &server_name))
    {
    case SYD_SNI_INCOMPLETE:
      sni_conn_read (conn);
      return;
    case SYD_SNI_NONE:
      sni_conn_drop (conn, "its ClientHello names no server (no SNI)");
      return;
    case SYD_SNI_INVALID:
      sni_conn_drop (conn, "did not start with a TLS ClientHello");
      return;
    case SYD_SNI_FOUND:
      break;
    default:
      g_assert_not_reached ();
    }

  g_clear_handle_id (&conn->timeout, g_source_remove);
  conn->session = sy_tunnel_session_new (self->dispatcher, SY_NETWORK_TCP, self->name,
                                         SNI_PROTOCOL, conn->client_address, server_name, 443);
  sy_dispatcher_dial_async (self->dispatcher, conn->session, self->outbound,
                            conn->session->cancellable, dial_cb, conn);
}

static void
sni_conn_read (SniConn *conn)
{
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (conn->connection));

  if (conn->length == conn->size)
    {
      if (conn->size >= READ_LIMIT)
        {
          sni_conn_drop (conn, "its ClientHello is too large");
          return;
        }
      conn->size = MIN (conn->size * 2, READ_LIMIT);
      conn->buffer = g_realloc (conn->buffer, conn->size);
    }

  g_input_stream_read_async (input, conn->buffer + conn->length, conn->size - conn->length,
                             G_PRIORITY_DEFAULT, conn->cancellable, read_cb, conn);
}

static gboolean
hello_timeout_cb (gpointer user_data)
{
  SniConn *conn = user_data;

  conn->timeout = 0;
  conn->timed_out = TRUE;
  g_cancellable_cancel (conn->cancellable);

  return G_SOURCE_REMOVE;
}

static void
inbound_stopped_cb (GCancellable *cancellable,
                    gpointer      user_data)
{
  SniConn *conn = user_data;

  g_cancellable_cancel (conn->cancellable);
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  SydSniInbound *self = user_data;
  SniConn *conn = g_new0 (SniConn, 1);

  g_socket_set_option (g_socket_connection_get_socket (connection),
                       IPPROTO_TCP, TCP_NODELAY, 1, NULL);

  conn->self = g_object_ref (self);
  conn->connection = g_object_ref (connection);
  conn->client_address = g_socket_connection_get_remote_address (connection, NULL);
  conn->cancellable = g_cancellable_new ();
  conn->stop_cancellable = g_object_ref (self->cancellable);
  conn->cancelled_id = g_cancellable_connect (conn->stop_cancellable,
                                              G_CALLBACK (inbound_stopped_cb), conn, NULL);
  conn->timeout = g_timeout_add_seconds (HELLO_TIMEOUT_S, hello_timeout_cb, conn);
  conn->size = 4096;
  conn->buffer = g_malloc (conn->size);
  sni_conn_read (conn);

  return TRUE;
}

static void
syd_sni_inbound_dispose (GObject *object)
{
  SydSniInbound *self = SYD_SNI_INBOUND (object);

  syd_sni_inbound_stop (self);

  G_OBJECT_CLASS (syd_sni_inbound_parent_class)->dispose (object);
}

static void
syd_sni_inbound_finalize (GObject *object)
{
  SydSniInbound *self = SYD_SNI_INBOUND (object);

  g_clear_object (&self->dispatcher);
  g_clear_object (&self->cancellable);
  g_free (self->name);
  g_free (self->bind_host);
  g_free (self->outbound);

  G_OBJECT_CLASS (syd_sni_inbound_parent_class)->finalize (object);
}

static void
syd_sni_inbound_class_init (SydSniInboundClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = syd_sni_inbound_dispose;
  object_class->finalize = syd_sni_inbound_finalize;
}

static void
syd_sni_inbound_init (SydSniInbound *self)
{
  self->cancellable = g_cancellable_new ();
}

SydSniInbound *
syd_sni_inbound_new (SyDispatcher *dispatcher,
                     const char   *name,
                     const char   *bind_host,
                     guint16       bind_port,
                     const char   *outbound)
{
  SydSniInbound *self;

  g_return_val_if_fail (SY_IS_DISPATCHER (dispatcher), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (outbound != NULL, NULL);

  self = g_object_new (SYD_TYPE_SNI_INBOUND, NULL);
  self->dispatcher = g_object_ref (dispatcher);
  self->name = g_strdup (name);
  self->bind_host = g_strdup (bind_host);
  self->bind_port = bind_port;
  self->outbound = g_strdup (outbound);

  return self;
}

gboolean
syd_sni_inbound_start (SydSniInbound  *self,
                       GError        **error)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GSocketService) service = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *where = NULL;

  g_return_val_if_fail (SYD_IS_SNI_INBOUND (self), FALSE);

  if (self->service != NULL)
    return TRUE;

  if (!sy_tunnel_resolve_bind_host (self->bind_host, &address, error))
    return FALSE;
  where = sy_tunnel_describe_bind (address, self->bind_port);
  /* Every address: one dual-stack socket. */
  if (address == NULL)
    address = g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);

  service = g_socket_service_new ();
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (service), LISTEN_BACKLOG);
  socket_address = g_inet_socket_address_new (address, self->bind_port);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), socket_address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                      NULL, &effective, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        g_set_error (error, SY_ERROR, SY_ERROR_ADDRESS_IN_USE,
                     "cannot listen on %s: the port is already in use. Pick another "
                     "BindAddress or stop the program using it", where);
      else
        g_set_error (error, local_error->domain, local_error->code,
                     "cannot listen on %s: %s", where, local_error->message);
      return FALSE;
    }

  g_signal_connect_object (service, "incoming", G_CALLBACK (incoming_cb), self, 0);
  g_socket_service_start (service);

  g_set_object (&self->local_address, effective);
  self->service = g_steal_pointer (&service);

  return TRUE;
}

void
syd_sni_inbound_stop (SydSniInbound *self)
{
  g_return_if_fail (SYD_IS_SNI_INBOUND (self));

  if (self->service == NULL)
    return;

  /* Connections still reading a ClientHello end; sessions stay with the
   * dispatcher. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_signal_handlers_disconnect_by_data (self->service, self);
  g_clear_object (&self->service);
  g_clear_object (&self->local_address);
}

GSocketAddress *
syd_sni_inbound_get_local_address (SydSniInbound *self)
{
  g_return_val_if_fail (SYD_IS_SNI_INBOUND (self), NULL);

  return self->local_address;
}
