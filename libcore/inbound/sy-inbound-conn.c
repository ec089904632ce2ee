/* sy-inbound-conn.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-inbound"

#include <string.h>

#include "sy-inbound-conn.h"
#include "util/sy-error.h"

/* How long, and how much, we keep reading (and dropping) after an error
 * reply, so that the client gets to read the reply before the close. */
#define LINGER_TIMEOUT_MS  2000
#define LINGER_MAX_BYTES   (256 * 1024)

/* Buffer ------------------------------------------------------------------ */

void
sy_inbound_buffer_init (SyInboundBuffer *buffer,
                        gsize            initial,
                        gsize            limit)
{
  buffer->data = g_malloc (initial);
  buffer->start = 0;
  buffer->end = 0;
  buffer->size = initial;
  buffer->limit = MAX (limit, initial);
}

void
sy_inbound_buffer_clear (SyInboundBuffer *buffer)
{
  g_clear_pointer (&buffer->data, g_free);
  buffer->start = buffer->end = buffer->size = 0;
}

void
sy_inbound_buffer_consume (SyInboundBuffer *buffer,
                           gsize            n)
{
  g_assert (n <= sy_inbound_buffer_length (buffer));

  buffer->start += n;
  if (buffer->start == buffer->end)
    buffer->start = buffer->end = 0;
}

gboolean
sy_inbound_buffer_reserve (SyInboundBuffer  *buffer,
                           guint8          **space,
                           gsize            *space_length)
{
  if (buffer->end == buffer->size && buffer->start > 0)
    {
      memmove (buffer->data, buffer->data + buffer->start, buffer->end - buffer->start);
      buffer->end -= buffer->start;
      buffer->start = 0;
    }

  if (buffer->end == buffer->size && buffer->size < buffer->limit)
    {
      buffer->size = MIN (buffer->size * 2, buffer->limit);
      buffer->data = g_realloc (buffer->data, buffer->size);
    }

  if (buffer->end == buffer->size)
    return FALSE;

  *space = buffer->data + buffer->end;
  *space_length = buffer->size - buffer->end;
  return TRUE;
}

GBytes *
sy_inbound_buffer_steal (SyInboundBuffer *buffer)
{
  GBytes *bytes = NULL;

  if (sy_inbound_buffer_length (buffer) > 0)
    bytes = g_bytes_new (sy_inbound_buffer_peek (buffer), sy_inbound_buffer_length (buffer));
  buffer->start = buffer->end = 0;

  return bytes;
}

/* Connection -------------------------------------------------------------- */

static void
session_cancelled_cb (GCancellable *cancellable,
                      gpointer      user_data)
{
  SyInboundConn *conn = user_data;

  /* A close request (sy_dispatcher_close_session) for whatever the
   * connection is doing now: every pending operation fails with
   * G_IO_ERROR_CANCELLED and ends the session as "closed on request". */
  g_cancellable_cancel (conn->cancellable);
}

static void
detach_session (SyInboundConn *conn)
{
  if (conn->session_handler != 0)
    {
      g_cancellable_disconnect (conn->session->cancellable, conn->session_handler);
      conn->session_handler = 0;
    }
}

SyInboundConn *
sy_inbound_conn_new (SyMixedInbound    *inbound,
                     SyDispatcher      *dispatcher,
                     GSocketConnection *connection,
                     GIOStream         *stream,
                     guint              handshake_timeout_ms)
{
  SyInboundConn *conn = g_new0 (SyInboundConn, 1);

  g_ref_count_init (&conn->ref_count);
  conn->inbound = g_object_ref (inbound);
  conn->dispatcher = g_object_ref (dispatcher);
  conn->config = sy_mixed_inbound_get_config (inbound);
  conn->connection = g_object_ref (connection);
  conn->stream = g_object_ref (stream != NULL ? stream : G_IO_STREAM (connection));
  conn->input = g_io_stream_get_input_stream (conn->stream);
  conn->output = g_io_stream_get_output_stream (conn->stream);
  conn->client_address = g_socket_connection_get_remote_address (connection, NULL);
  conn->cancellable = g_cancellable_new ();
  conn->handshake_timeout_ms = handshake_timeout_ms;
  /* 4 KiB holds any SOCKS5 handshake and most HTTP heads; an HTTP head
   * may grow the buffer up to its limit, plus room to read a body behind it. */
  sy_inbound_buffer_init (&conn->buffer, 4096, 80 * 1024);

  return conn;
}

SyInboundConn *
sy_inbound_conn_ref (SyInboundConn *conn)
{
  g_ref_count_inc (&conn->ref_count);
  return conn;
}

static void
sy_inbound_conn_free (SyInboundConn *conn)
{
  sy_inbound_conn_stop_timer (conn);

  /* Every path out ends the session; this is the safety net for one that
   * forgot, so the dispatcher never keeps a session nobody drives. */
  if (conn->session != NULL)
    {
      g_autoptr(GError) error = g_error_new (SY_ERROR, SY_ERROR_FAILED,
                                             "The client connection went away");

      sy_inbound_conn_end_session (conn, error);
    }

  if (conn->protocol_free != NULL)
    conn->protocol_free (conn->protocol_data);

  if (!conn->handed_off)
    g_io_stream_close (conn->stream, NULL, NULL);

  sy_inbound_buffer_clear (&conn->buffer);
  g_clear_object (&conn->cancellable);
  g_clear_object (&conn->client_address);
  g_clear_object (&conn->stream);
  g_clear_object (&conn->connection);
  g_clear_object (&conn->dispatcher);
  g_clear_object (&conn->inbound);
  g_free (conn);
}

void
sy_inbound_conn_unref (SyInboundConn *conn)
{
  if (g_ref_count_dec (&conn->ref_count))
    sy_inbound_conn_free (conn);
}

SySession *
sy_inbound_conn_new_session (SyInboundConn *conn,
                             const char    *protocol)
{
  g_assert (conn->session == NULL);

  conn->session = sy_session_new (SY_NETWORK_TCP, conn->config->name, conn->client_address);
  if (protocol != NULL)
    sy_session_set_protocol (conn->session, protocol);
  sy_dispatcher_add_session (conn->dispatcher, conn->session);
  conn->session_handler = g_cancellable_connect (conn->session->cancellable,
                                                 G_CALLBACK (session_cancelled_cb), conn, NULL);

  return conn->session;
}

void
sy_inbound_conn_end_session (SyInboundConn *conn,
                             const GError  *error)
{
  g_autoptr(SySession) session = NULL;

  if (conn->session == NULL)
    return;

  /* Ending the session cancels its cancellable: that must not come back
   * to cancel this connection, which may go on with another session. */
  detach_session (conn);
  session = g_steal_pointer (&conn->session);
  sy_dispatcher_end_session (conn->dispatcher, session, error);
}

static gboolean
handshake_timeout_cb (gpointer user_data)
{
  SyInboundConn *conn = user_data;

  conn->handshake_source = 0;
  conn->timed_out = TRUE;
  g_cancellable_cancel (conn->cancellable);

  return G_SOURCE_REMOVE;
}

void
sy_inbound_conn_start_timer (SyInboundConn *conn)
{
  if (conn->handshake_timeout_ms == 0 || conn->handshake_source != 0)
    return;

  conn->handshake_source = g_timeout_add (conn->handshake_timeout_ms, handshake_timeout_cb, conn);
}

void
sy_inbound_conn_stop_timer (SyInboundConn *conn)
{
  g_clear_handle_id (&conn->handshake_source, g_source_remove);
}

GError *
sy_inbound_conn_translate_error (SyInboundConn *conn,
                                 const GError  *error)
{
  if (conn->timed_out && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                        "The client did not finish its request within %.1f s",
                        conn->handshake_timeout_ms / 1000.0);

  return g_error_copy (error);
}

typedef struct
{
  SyInboundConn         *conn;
  SyInboundConnReadFunc  read_callback;
  SyInboundConnFunc      callback;
  GBytes                *bytes;
} ConnOp;

static ConnOp *
conn_op_new (SyInboundConn *conn)
{
  ConnOp *op = g_new0 (ConnOp, 1);

  op->conn = sy_inbound_conn_ref (conn);
  return op;
}

static void
conn_op_free (ConnOp *op)
{
  g_clear_pointer (&op->bytes, g_bytes_unref);
  sy_inbound_conn_unref (op->conn);
  g_free (op);
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  ConnOp *op = user_data;
  SyInboundConn *conn = op->conn;
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);
  if (n < 0)
    {
      g_autoptr(GError) translated = sy_inbound_conn_translate_error (conn, error);

      op->read_callback (conn, 0, translated);
    }
  else
    {
      conn->buffer.end += n;
      op->read_callback (conn, n, NULL);
    }

  conn_op_free (op);
}

void
sy_inbound_conn_read (SyInboundConn         *conn,
                      SyInboundConnReadFunc  callback)
{
  ConnOp *op;
  guint8 *space;
  gsize space_length;

  if (!sy_inbound_buffer_reserve (&conn->buffer, &space, &space_length))
    {
      g_autoptr(GError) error = g_error_new (SY_ERROR, SY_ERROR_PROTOCOL,
                                             "The client sent more than the proxy can buffer");

      callback (conn, 0, error);
      return;
    }

  op = conn_op_new (conn);
  op->read_callback = callback;
  g_input_stream_read_async (conn->input, space, space_length, G_PRIORITY_DEFAULT,
                             conn->cancellable, read_cb, op);
}

static void
write_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  ConnOp *op = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      g_autoptr(GError) translated = sy_inbound_conn_translate_error (op->conn, error);

      op->callback (op->conn, translated);
    }
  else
    op->callback (op->conn, NULL);

  conn_op_free (op);
}

void
sy_inbound_conn_write (SyInboundConn     *conn,
                       GBytes            *bytes,
                       SyInboundConnFunc  callback)
{
  ConnOp *op = conn_op_new (conn);
  gsize size;
  gconstpointer data = g_bytes_get_data (bytes, &size);

  op->callback = callback;
  op->bytes = g_bytes_ref (bytes);
  g_output_stream_write_all_async (conn->output, data, size, G_PRIORITY_DEFAULT,
                                   conn->cancellable, write_cb, op);
}

/* Lingering close --------------------------------------------------------- */

typedef struct
{
  SyInboundConn *conn;
  GSource       *source;
  guint          timeout;
  gsize          drained;
} Linger;

static void
linger_finish (Linger *linger)
{
  g_source_destroy (linger->source);
  g_source_unref (linger->source);
  g_clear_handle_id (&linger->timeout, g_source_remove);
  g_io_stream_close (linger->conn->stream, NULL, NULL);
  sy_inbound_conn_unref (linger->conn);
  g_free (linger);
}

static gboolean
linger_timeout_cb (gpointer user_data)
{
  Linger *linger = user_data;

  linger->timeout = 0;
  linger_finish (linger);
  return G_SOURCE_REMOVE;
}

static gboolean
linger_readable_cb (GSocket      *socket,
                    GIOCondition  condition,
                    gpointer      user_data)
{
  Linger *linger = user_data;
  g_autoptr(GError) error = NULL;
  guint8 sink[4096];
  gssize n;

  n = g_socket_receive_with_blocking (socket, (gchar *) sink, sizeof sink, FALSE, NULL, &error);
  if (n > 0)
    {
      linger->drained += n;
      if (linger->drained <= LINGER_MAX_BYTES)
        return G_SOURCE_CONTINUE;
    }
  else if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;

  /* EOF, an error, or a client that keeps sending: close now. */
  linger_finish (linger);
  return G_SOURCE_REMOVE;
}

static void
linger_start (SyInboundConn *conn)
{
  GSocket *socket = g_socket_connection_get_socket (conn->connection);
  Linger *linger;

  /* Under TLS the reply must be followed by close_notify, which only
   * closing the TLS stream sends; that happens when the last reference
   * goes. */
  if (conn->stream != G_IO_STREAM (conn->connection))
    return;

  if (!g_socket_shutdown (socket, FALSE, TRUE, NULL))
    return;

  linger = g_new0 (Linger, 1);
  linger->conn = sy_inbound_conn_ref (conn);
  linger->source = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (linger->source, G_SOURCE_FUNC (linger_readable_cb), linger, NULL);
  g_source_attach (linger->source, NULL);
  linger->timeout = g_timeout_add (LINGER_TIMEOUT_MS, linger_timeout_cb, linger);
}

/* Endings ----------------------------------------------------------------- */

typedef struct
{
  SyInboundConn *conn;
  GBytes        *reply;
} Reject;

static void
reject_written_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Reject *reject = user_data;
  SyInboundConn *conn = reject->conn;

  if (g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, NULL))
    linger_start (conn);
  g_cancellable_cancel (conn->cancellable);

  g_bytes_unref (reject->reply);
  sy_inbound_conn_unref (conn);
  g_free (reject);
}

void
sy_inbound_conn_reject (SyInboundConn *conn,
                        GBytes        *reply,
                        const GError  *error)
{
  Reject *reject;

  if (reply == NULL || g_cancellable_is_cancelled (conn->cancellable))
    {
      sy_inbound_conn_abort (conn, error);
      return;
    }

  conn->closing = TRUE;
  sy_inbound_conn_stop_timer (conn);
  sy_inbound_conn_end_session (conn, error);

  reject = g_new0 (Reject, 1);
  reject->conn = sy_inbound_conn_ref (conn);
  reject->reply = g_bytes_ref (reply);
  g_output_stream_write_all_async (conn->output,
                                   g_bytes_get_data (reply, NULL), g_bytes_get_size (reply),
                                   G_PRIORITY_DEFAULT, conn->cancellable,
                                   reject_written_cb, reject);
}

void
sy_inbound_conn_abort (SyInboundConn *conn,
                       const GError  *error)
{
  conn->closing = TRUE;
  sy_inbound_conn_stop_timer (conn);
  sy_inbound_conn_end_session (conn, error);
  /* Pending operations finish with G_IO_ERROR_CANCELLED and drop their
   * references; the last one closes the client. */
  g_cancellable_cancel (conn->cancellable);
}

void
sy_inbound_conn_hand_off (SyInboundConn *conn,
                          GIOStream     *remote)
{
  g_autoptr(SySession) session = NULL;
  g_autoptr(GBytes) pending = NULL;

  sy_inbound_conn_stop_timer (conn);
  detach_session (conn);
  session = g_steal_pointer (&conn->session);
  pending = sy_inbound_buffer_steal (&conn->buffer);
  conn->handed_off = TRUE;
  conn->closing = TRUE;

  sy_dispatcher_relay (conn->dispatcher, session, conn->stream, remote, pending);
}
