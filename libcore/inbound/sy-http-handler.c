/* sy-http-handler.c — HTTP proxy on a client connection: CONNECT tunnels and
 * forwarding of absolute-form requests
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Forwarding drives two pumps per exchange, because a server may answer
 * before it has read the whole request (a 100 Continue, an early 413):
 *
 *   upload:   client buffer → origin, exactly the request body (its framing
 *             tracked so the next pipelined request stays in the buffer);
 *   download: origin → client, response head(s) parsed and rewritten, then
 *             exactly the response body.
 *
 * When both are done the connection goes back to reading a request head;
 * the origin connection is kept for the next request to the same host:port
 * (a new session otherwise), as long as both ends allow it.
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-http"

#include <string.h>

#include "sy-credentials.h"
#include "sy-http-parser.h"
#include "sy-inbound-conn.h"
#include "util/sy-error.h"

#define PROXY_AUTHENTICATE "Proxy-Authenticate: Basic realm=\"Switchyard\"\r\n"
#define CONNECT_ESTABLISHED "HTTP/1.1 200 Connection established\r\n\r\n"

/* Response heads are bounded like request heads; bodies move through the
 * buffer in pieces of up to this much. */
#define ORIGIN_BUFFER_INITIAL  (16 * 1024)
#define ORIGIN_BUFFER_LIMIT    (SY_HTTP_MAX_HEAD_SIZE + 16 * 1024)

typedef struct
{
  SyHttpRequest      *request;
  gsize               scanned;            /* head search position in conn->buffer */
  GBytes             *request_head;       /* what goes to the origin */
  guint               exchanges;          /* completed on this client connection */

  GIOStream          *origin;
  char               *origin_key;         /* "host:port" the origin stream goes to */
  gboolean            origin_reusable;
  gboolean            origin_reused;      /* this exchange runs on a kept connection */
  SyInboundBuffer     origin_buffer;
  gsize               response_scanned;

  gboolean            upload_done;
  guint64             upload_remaining;
  SyHttpChunkDecoder  upload_chunks;

  SyHttpResponse     *response;           /* the final response once its head is in */
  gboolean            response_seen;      /* any byte of a response arrived */
  gboolean            response_started;   /* something went to the client */
  gboolean            download_done;
  guint64             download_remaining;
  SyHttpChunkDecoder  download_chunks;
  gboolean            decode_chunks;      /* an HTTP/1.0 client cannot take chunked */
  gboolean            close_after;        /* close the client after this exchange */

  guint               idle_source;
  gint64              last_activity;      /* monotonic, of the last byte moved */
} HttpData;

static void read_head (SyInboundConn *conn);
static void upload_step (SyInboundConn *conn);
static void download_step (SyInboundConn *conn);
static void forward_dial (SyInboundConn *conn);

static HttpData *
http_data (SyInboundConn *conn)
{
  return conn->protocol_data;
}

static void
close_origin (HttpData *data)
{
  if (data->origin != NULL)
    g_io_stream_close (data->origin, NULL, NULL);
  g_clear_object (&data->origin);
  g_clear_pointer (&data->origin_key, g_free);
  data->origin_reusable = FALSE;
  data->origin_buffer.start = data->origin_buffer.end = 0;
}

static void
http_data_free (gpointer user_data)
{
  HttpData *data = user_data;

  g_clear_handle_id (&data->idle_source, g_source_remove);
  close_origin (data);
  sy_inbound_buffer_clear (&data->origin_buffer);
  g_clear_pointer (&data->request, sy_http_request_free);
  g_clear_pointer (&data->request_head, g_bytes_unref);
  g_clear_pointer (&data->response, sy_http_response_free);
  g_free (data);
}

static char *
dup_origin_key (const SyHttpRequest *request)
{
  g_autofree char *host = g_ascii_strdown (request->host, -1);

  return g_strdup_printf ("%s:%u", host, request->port);
}

/* Errors -------------------------------------------------------------------- */

/* Answers with an error page and closes. @error is what the session log
 * keeps; @message what the person behind the client reads. */
static void
reply_error (SyInboundConn *conn,
             guint          status,
             const char    *extra_headers,
             const char    *message,
             const GError  *error)
{
  g_autoptr(GBytes) page = sy_http_error_response (status, extra_headers, message);

  /* Between two exchanges there may be no session: the failure still
   * belongs in the connection log. */
  if (conn->session == NULL)
    sy_inbound_conn_new_session (conn, "http");
  sy_inbound_conn_reject (conn, page, error);
}

static void
reply_protocol_error (SyInboundConn *conn,
                      guint          status,
                      const char    *message)
{
  g_autoptr(GError) error = g_error_new (SY_ERROR, SY_ERROR_PROTOCOL,
                                         "Bad HTTP request (%u): %s", status, message);

  reply_error (conn, status, NULL, message, error);
}

/* An exchange failed half-way: if the client has not seen a byte of the
 * response yet it still gets a proper 502/504, otherwise all we can do is
 * close. */
static void
exchange_failed (SyInboundConn *conn,
                 const GError  *error)
{
  HttpData *data = http_data (conn);

  if (conn->closing)
    return;

  if (!data->response_started)
    {
      g_autofree char *message = g_strdup_printf ("Switchyard lost the connection to %s: %s",
                                                  data->origin_key, error->message);

      reply_error (conn, sy_error_is_timeout (error) ? 504 : 502, NULL, message, error);
    }
  else
    sy_inbound_conn_abort (conn, error);
}

/* Idle timer ---------------------------------------------------------------- */

/* The relay's idle timeout (the dispatcher's), for the exchanges the inbound
 * drives itself. Moving bytes only records the time; the timer, when it fires,
 * re-arms itself for what is left, so a busy exchange costs one wakeup per
 * timeout period and no timer calls per chunk. */
static void
touch (SyInboundConn *conn)
{
  http_data (conn)->last_activity = g_get_monotonic_time ();
}

static gboolean
idle_cb (gpointer user_data)
{
  SyInboundConn *conn = user_data;
  HttpData *data = http_data (conn);
  guint timeout_ms = sy_dispatcher_get_idle_timeout (conn->dispatcher);
  gint64 idle_ms = (g_get_monotonic_time () - data->last_activity) / 1000;
  g_autoptr(GError) error = NULL;

  data->idle_source = 0;
  if (timeout_ms == 0)
    return G_SOURCE_REMOVE;
  if (idle_ms < timeout_ms)
    {
      data->idle_source = g_timeout_add (timeout_ms - idle_ms + 1, idle_cb, conn);
      return G_SOURCE_REMOVE;
    }

  error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "nothing moved for %.1f s",
                       timeout_ms / 1000.0);
  exchange_failed (conn, error);
  return G_SOURCE_REMOVE;
}

static void
start_idle_timer (SyInboundConn *conn)
{
  HttpData *data = http_data (conn);
  guint timeout_ms = sy_dispatcher_get_idle_timeout (conn->dispatcher);

  touch (conn);
  if (timeout_ms > 0 && data->idle_source == 0)
    data->idle_source = g_timeout_add (timeout_ms, idle_cb, conn);
}

/* Sessions ------------------------------------------------------------------ */

/* One session per destination: the first request takes the session opened
 * when the client connected, later ones to another destination open a new
 * one after ending the previous. */
static void
prepare_session (SyInboundConn *conn,
                 const char    *protocol,
                 const char    *host,
                 guint16        port)
{
  if (conn->session != NULL && conn->session->host != NULL)
    sy_inbound_conn_end_session (conn, NULL);
  if (conn->session == NULL)
    sy_inbound_conn_new_session (conn, protocol);

  sy_session_set_protocol (conn->session, protocol);
  sy_session_set_destination (conn->session, host, port);
}

/* Exchange end -------------------------------------------------------------- */

static void
finish_exchange (SyInboundConn *conn)
{
  HttpData *data = http_data (conn);

  if (!data->download_done)
    return;

  g_clear_handle_id (&data->idle_source, g_source_remove);

  if (!data->upload_done)
    {
      /* The server answered without taking the whole body. Where the rest
       * of the body ends and a next request begins is now anyone's guess:
       * done with this client. */
      sy_inbound_conn_abort (conn, NULL);
      return;
    }

  if (!data->origin_reusable)
    {
      close_origin (data);
      sy_inbound_conn_end_session (conn, NULL);
    }

  if (data->close_after)
    {
      sy_inbound_conn_abort (conn, NULL);
      return;
    }

  data->exchanges++;
  g_clear_pointer (&data->request, sy_http_request_free);
  g_clear_pointer (&data->request_head, g_bytes_unref);
  g_clear_pointer (&data->response, sy_http_response_free);
  read_head (conn);
}

/* Upload: client → origin --------------------------------------------------- */

static void
upload_read_cb (SyInboundConn *conn,
                gsize          n_read,
                const GError  *error)
{
  if (conn->closing)
    return;

  if (error != NULL)
    {
      sy_inbound_conn_abort (conn, error);
      return;
    }
  if (n_read == 0)
    {
      g_autoptr(GError) eof = g_error_new (SY_ERROR, SY_ERROR_PROTOCOL,
                                           "The client closed the connection in the middle "
                                           "of its request body");

      sy_inbound_conn_abort (conn, eof);
      return;
    }

  touch (conn);
  upload_step (conn);
}

/* One write in flight: what to consume from the source buffer once it is
 * done, and whether it carried the last byte of a body. "Done" flags are
 * only raised when the last write has completed, so that the other pump
 * never moves on to the next exchange while bytes of this one are queued. */
typedef struct
{
  SyInboundConn *conn;
  gsize          consume;
  gboolean       last;
  GBytes        *hold;            /* keeps written bytes alive, or NULL */
} Pending;

static Pending *
pending_new (SyInboundConn *conn,
             gsize          consume,
             gboolean       last,
             GBytes        *hold)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->conn = sy_inbound_conn_ref (conn);
  pending->consume = consume;
  pending->last = last;
  pending->hold = hold != NULL ? g_bytes_ref (hold) : NULL;
  return pending;
}

static void
pending_free (Pending *pending)
{
  g_clear_pointer (&pending->hold, g_bytes_unref);
  sy_inbound_conn_unref (pending->conn);
  g_free (pending);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pending, pending_free)

static void
upload_written_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  SyInboundConn *conn = pending->conn;
  HttpData *data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      if (!conn->closing)
        exchange_failed (conn, error);
      return;
    }
  if (conn->closing)
    return;

  data = http_data (conn);
  touch (conn);
  sy_inbound_buffer_consume (&conn->buffer, pending->consume);
  sy_session_add_bytes (conn->session, pending->consume, 0);
  data->upload_done = pending->last;
  upload_step (conn);
}

static void
upload_step (SyInboundConn *conn)
{
  HttpData *data = http_data (conn);
  const guint8 *bytes = sy_inbound_buffer_peek (&conn->buffer);
  gsize available = sy_inbound_buffer_length (&conn->buffer);
  gboolean last = FALSE;
  gsize n = 0;

  if (data->upload_done)
    {
      finish_exchange (conn);
      return;
    }

  if (available == 0)
    {
      sy_inbound_conn_read (conn, upload_read_cb);
      return;
    }

  switch (data->request->framing)
    {
    case SY_HTTP_BODY_LENGTH:
      n = (gsize) MIN ((guint64) available, data->upload_remaining);
      data->upload_remaining -= n;
      last = data->upload_remaining == 0;
      break;

    case SY_HTTP_BODY_CHUNKED:
      {
        const char *reason = NULL;
        gssize used = sy_http_chunk_decoder_feed (&data->upload_chunks, bytes, available,
                                                  NULL, NULL, &last, &reason);

        if (used < 0)
          {
            g_autoptr(GError) error = g_error_new (SY_ERROR, SY_ERROR_PROTOCOL,
                                                   "Malformed chunked request body: %s", reason);

            sy_inbound_conn_abort (conn, error);
            return;
          }
        n = used;
      }
      break;

    case SY_HTTP_BODY_NONE:
    case SY_HTTP_BODY_UNTIL_CLOSE:
    default:
      g_assert_not_reached ();
    }

  /* The bytes stay in the buffer until the origin took them: nothing else
   * touches the client buffer while the upload owns it. */
  g_output_stream_write_all_async (g_io_stream_get_output_stream (data->origin), bytes, n,
                                   G_PRIORITY_DEFAULT, conn->cancellable,
                                   upload_written_cb, pending_new (conn, n, last, NULL));
}

/* Download: origin → client ------------------------------------------------- */

static void
origin_read_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SyInboundConn) conn = user_data;
  HttpData *data;
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);
  if (conn->closing)
    return;

  data = http_data (conn);
  if (n < 0)
    {
      exchange_failed (conn, error);
      return;
    }

  if (n == 0)
    {
      if (data->response != NULL && data->response->framing == SY_HTTP_BODY_UNTIL_CLOSE)
        {
          /* RFC 9112 §6.3 (8): the close is the end of this body. */
          data->origin_reusable = FALSE;
          data->download_done = TRUE;
          finish_exchange (conn);
          return;
        }

      /* A kept connection the server closed while idle: RFC 9112 §9.3.1
       * lets us retry a request that has no body on a fresh one. */
      if (!data->response_seen && data->origin_reused &&
          data->request->framing == SY_HTTP_BODY_NONE)
        {
          g_debug ("kept connection to %s was closed by the server; reconnecting",
                   data->origin_key);
          close_origin (data);
          forward_dial (conn);
          return;
        }

      {
        g_autoptr(GError) eof = g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                             data->response_seen
                                             ? "The server closed the connection in the middle "
                                               "of its response"
                                             : "The server closed the connection without a "
                                               "response");

        exchange_failed (conn, eof);
      }
      return;
    }

  touch (conn);
  data->origin_buffer.end += n;
  data->response_seen = TRUE;
  download_step (conn);
}

static void
read_origin (SyInboundConn *conn)
{
  HttpData *data = http_data (conn);
  guint8 *space;
  gsize space_length;

  if (!sy_inbound_buffer_reserve (&data->origin_buffer, &space, &space_length))
    g_assert_not_reached ();  /* heads are bounded below the buffer limit */

  g_input_stream_read_async (g_io_stream_get_input_stream (data->origin), space, space_length,
                             G_PRIORITY_DEFAULT, conn->cancellable, origin_read_cb,
                             sy_inbound_conn_ref (conn));
}

static void
client_written_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  SyInboundConn *conn = pending->conn;
  HttpData *data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      if (!conn->closing)
        sy_inbound_conn_abort (conn, error);
      return;
    }
  if (conn->closing)
    return;

  data = http_data (conn);
  touch (conn);
  sy_inbound_buffer_consume (&data->origin_buffer, pending->consume);
  if (pending->last)
    data->download_done = TRUE;
  download_step (conn);
}

/* Sends @length bytes at @bytes to the client, then consumes @consume bytes
 * of the origin buffer (more than @length when chunked framing is
 * stripped). @hold keeps @bytes alive when they are not in that buffer. */
static void
write_to_client (SyInboundConn *conn,
                 const guint8  *bytes,
                 gsize          length,
                 gsize          consume,
                 gboolean       last,
                 GBytes        *hold)
{
  http_data (conn)->response_started = TRUE;
  sy_session_add_bytes (conn->session, 0, length);
  g_output_stream_write_all_async (conn->output, bytes, length, G_PRIORITY_DEFAULT,
                                   conn->cancellable, client_written_cb,
                                   pending_new (conn, consume, last, hold));
}

static void
send_head_to_client (SyInboundConn *conn,
                     GBytes        *head)
{
  gsize size;
  gconstpointer bytes = g_bytes_get_data (head, &size);

  write_to_client (conn, bytes, size, 0, FALSE, head);
}

/* A response head came in: decide how its body reaches the client. */
static gboolean
begin_response (SyInboundConn  *conn,
                SyHttpResponse *response)
{
  HttpData *data = http_data (conn);
  const SyHttpRequest *request = data->request;
  SyHttpSerializeFlags flags = SY_HTTP_SERIALIZE_NONE;
  g_autoptr(GBytes) head = NULL;

  data->response = response;
  data->download_remaining = response->content_length;
  sy_http_chunk_decoder_init (&data->download_chunks);

  if (!response->keep_alive)
    data->origin_reusable = FALSE;

  /* An HTTP/1.0 client knows no chunked coding (RFC 9112 §7): it gets the
   * payload alone, delimited by the close. */
  data->decode_chunks = response->framing == SY_HTTP_BODY_CHUNKED &&
                        request->version == SOUP_HTTP_1_0;
  if (data->decode_chunks || response->framing == SY_HTTP_BODY_UNTIL_CLOSE)
    data->close_after = TRUE;

  if (data->close_after)
    flags |= SY_HTTP_SERIALIZE_CLOSE;
  else if (request->version == SOUP_HTTP_1_0)
    flags |= SY_HTTP_SERIALIZE_KEEP_ALIVE;
  if (data->decode_chunks)
    flags |= SY_HTTP_SERIALIZE_DROP_FRAMING;

  head = sy_http_response_serialize (response, flags);
  send_head_to_client (conn, head);
  return TRUE;
}

static void
download_step (SyInboundConn *conn)
{
  HttpData *data = http_data (conn);
  guint8 *bytes = data->origin_buffer.data + data->origin_buffer.start;
  gsize available = sy_inbound_buffer_length (&data->origin_buffer);

  if (data->response == NULL)
    {
      SyHttpResponse *response = NULL;
      SyHttpParseResult r;

      r = sy_http_parse_response (bytes, available, &data->response_scanned,
                                  data->request->method, &response);
      if (r.status == SY_HTTP_PARSE_NEED_MORE)
        {
          read_origin (conn);
          return;
        }
      if (r.status == SY_HTTP_PARSE_ERROR)
        {
          g_autoptr(GError) error = g_error_new (SY_ERROR, SY_ERROR_PROTOCOL, "%s", r.reason);

          exchange_failed (conn, error);
          return;
        }

      sy_inbound_buffer_consume (&data->origin_buffer, r.consumed);
      data->response_scanned = 0;

      if (response->status >= 100 && response->status < 200)
        {
          g_autoptr(SyHttpResponse) interim = response;

          /* We never forward Upgrade, so a 101 is a server gone wrong. */
          if (interim->status == 101)
            {
              g_autoptr(GError) error = g_error_new (SY_ERROR, SY_ERROR_PROTOCOL,
                                                     "The server switched protocols unasked");

              exchange_failed (conn, error);
              return;
            }

          /* RFC 9110 §15.2: 1xx go on to HTTP/1.1 clients (a 100 Continue
           * is what a client waiting on Expect needs), never to HTTP/1.0. */
          if (data->request->version == SOUP_HTTP_1_1)
            {
              g_autoptr(GBytes) head = sy_http_response_serialize (interim, SY_HTTP_SERIALIZE_NONE);

              send_head_to_client (conn, head);
              return;
            }

          download_step (conn);
          return;
        }

      begin_response (conn, response);
      return;
    }

  /* Only reached once the head went out: a body-less response is done. */
  if (data->response->framing == SY_HTTP_BODY_NONE)
    data->download_done = TRUE;

  if (data->download_done)
    {
      /* Anything past the response was not asked for: a server we cannot
       * trust with another request. */
      if (sy_inbound_buffer_length (&data->origin_buffer) > 0)
        data->origin_reusable = FALSE;
      finish_exchange (conn);
      return;
    }

  if (available == 0)
    {
      read_origin (conn);
      return;
    }

  switch (data->response->framing)
    {
    case SY_HTTP_BODY_LENGTH:
      {
        gsize n = (gsize) MIN ((guint64) available, data->download_remaining);

        data->download_remaining -= n;
        write_to_client (conn, bytes, n, n, data->download_remaining == 0, NULL);
      }
      break;

    case SY_HTTP_BODY_CHUNKED:
      {
        const char *reason = NULL;
        gsize payload = 0;
        gboolean last = FALSE;
        gssize used;

        used = sy_http_chunk_decoder_feed (&data->download_chunks, bytes, available,
                                           data->decode_chunks ? bytes : NULL, &payload,
                                           &last, &reason);
        if (used < 0)
          {
            g_autoptr(GError) error = g_error_new (SY_ERROR, SY_ERROR_PROTOCOL,
                                                   "Malformed chunked response: %s", reason);

            sy_inbound_conn_abort (conn, error);
            return;
          }

        if (data->decode_chunks && payload == 0)
          {
            /* Only framing in this piece: nothing to write. */
            sy_inbound_buffer_consume (&data->origin_buffer, used);
            data->download_done = last;
            download_step (conn);
          }
        else
          write_to_client (conn, bytes, data->decode_chunks ? payload : (gsize) used, used,
                           last, NULL);
      }
      break;

    case SY_HTTP_BODY_UNTIL_CLOSE:
      write_to_client (conn, bytes, available, available, FALSE, NULL);
      break;

    case SY_HTTP_BODY_NONE:
    default:
      g_assert_not_reached ();
    }
}

/* Forwarding ---------------------------------------------------------------- */

static void
request_head_written_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(SyInboundConn) conn = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      HttpData *data;

      if (conn->closing)
        return;
      data = http_data (conn);
      if (data->origin_reused && data->request->framing == SY_HTTP_BODY_NONE)
        {
          close_origin (data);
          forward_dial (conn);
          return;
        }
      exchange_failed (conn, error);
      return;
    }
  if (conn->closing)
    return;

  /* Both directions run from here on; see the top of the file. */
  download_step (conn);
  upload_step (conn);
}

static void
send_request (SyInboundConn *conn)
{
  HttpData *data = http_data (conn);
  const SyHttpRequest *request = data->request;
  gsize size;
  gconstpointer head;

  data->upload_done = request->framing == SY_HTTP_BODY_NONE;
  data->upload_remaining = request->content_length;
  sy_http_chunk_decoder_init (&data->upload_chunks);
  g_clear_pointer (&data->response, sy_http_response_free);
  data->response_seen = FALSE;
  data->response_started = FALSE;
  data->download_done = FALSE;
  data->decode_chunks = FALSE;
  data->response_scanned = 0;
  data->close_after = !request->keep_alive;

  if (data->request_head == NULL)
    data->request_head = sy_http_request_serialize (request);
  head = g_bytes_get_data (data->request_head, &size);

  sy_session_set_state (conn->session, SY_SESSION_STATE_ESTABLISHED);
  sy_session_add_bytes (conn->session, size, 0);
  start_idle_timer (conn);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (data->origin), head, size,
                                   G_PRIORITY_DEFAULT, conn->cancellable,
                                   request_head_written_cb, sy_inbound_conn_ref (conn));
}

static void
forward_dial_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SyInboundConn) conn = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) remote = NULL;
  HttpData *data;

  remote = sy_dispatcher_dial_finish (SY_DISPATCHER (object), result, &error);
  if (conn->closing)
    {
      if (remote != NULL)
        g_io_stream_close (remote, NULL, NULL);
      return;
    }

  data = http_data (conn);
  if (remote == NULL)
    {
      g_autofree char *target = sy_session_dup_target (conn->session);
      g_autofree char *message = g_strdup_printf ("Switchyard could not connect to %s: %s",
                                                  target, error->message);

      reply_error (conn, sy_error_to_http_status (error), NULL, message, error);
      return;
    }

  data->origin = g_steal_pointer (&remote);
  data->origin_key = dup_origin_key (data->request);
  data->origin_reusable = TRUE;
  data->origin_reused = FALSE;
  send_request (conn);
}

static void
forward_dial (SyInboundConn *conn)
{
  sy_dispatcher_dial_async (conn->dispatcher, conn->session, conn->config->outbound,
                            conn->cancellable, forward_dial_cb, sy_inbound_conn_ref (conn));
}

static void
forward (SyInboundConn *conn)
{
  HttpData *data = http_data (conn);
  g_autofree char *key = dup_origin_key (data->request);

  if (data->origin != NULL && data->origin_reusable && conn->session != NULL &&
      g_strcmp0 (key, data->origin_key) == 0)
    {
      data->origin_reused = TRUE;
      send_request (conn);
      return;
    }

  if (data->origin != NULL)
    close_origin (data);
  prepare_session (conn, "http", data->request->host, data->request->port);
  forward_dial (conn);
}

/* CONNECT ------------------------------------------------------------------- */

static void
established_written_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(SyInboundConn) conn = user_data;
  g_autoptr(GError) error = NULL;
  HttpData *data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      if (!conn->closing)
        sy_inbound_conn_abort (conn, error);
      return;
    }
  if (conn->closing)
    return;

  /* The tunnel owns the origin stream from here; bytes the client sent
   * after its CONNECT head are still in conn->buffer and go first. */
  data = http_data (conn);
  sy_session_add_bytes (conn->session, 0, strlen (CONNECT_ESTABLISHED));
  sy_inbound_conn_hand_off (conn, data->origin);
  g_clear_object (&data->origin);
}

static void
connect_dial_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SyInboundConn) conn = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) remote = NULL;
  HttpData *data;

  remote = sy_dispatcher_dial_finish (SY_DISPATCHER (object), result, &error);
  if (conn->closing)
    {
      if (remote != NULL)
        g_io_stream_close (remote, NULL, NULL);
      return;
    }

  data = http_data (conn);
  if (remote == NULL)
    {
      g_autofree char *target = sy_session_dup_target (conn->session);
      g_autofree char *message = g_strdup_printf ("Switchyard could not connect to %s: %s",
                                                  target, error->message);

      reply_error (conn, sy_error_to_http_status (error), NULL, message, error);
      return;
    }

  data->origin = g_steal_pointer (&remote);
  g_output_stream_write_all_async (conn->output, CONNECT_ESTABLISHED, strlen (CONNECT_ESTABLISHED),
                                   G_PRIORITY_DEFAULT, conn->cancellable,
                                   established_written_cb, sy_inbound_conn_ref (conn));
}

/* Request heads ------------------------------------------------------------- */

static gboolean
authorized (SyInboundConn       *conn,
            const SyHttpRequest *request)
{
  g_autofree char *username = NULL;
  g_autofree char *password = NULL;
  gboolean ok;

  if (!sy_credentials_required (conn->config->username, conn->config->password))
    return TRUE;

  if (!sy_credentials_parse_basic (request->proxy_authorization, &username, &password))
    return FALSE;

  ok = sy_credentials_check (conn->config->username, conn->config->password,
                             (const guint8 *) username, strlen (username),
                             (const guint8 *) password, strlen (password));
  sy_credentials_wipe_string (password);

  return ok;
}

static void
handle_request (SyInboundConn *conn)
{
  HttpData *data = http_data (conn);
  const SyHttpRequest *request = data->request;

  if (!authorized (conn, request))
    {
      g_autoptr(GError) error = NULL;

      error = g_error_new (SY_ERROR, SY_ERROR_AUTH_FAILED,
                           request->proxy_authorization != NULL
                           ? "Wrong proxy username or password"
                           : "The client sent no proxy credentials");
      reply_error (conn, 407, PROXY_AUTHENTICATE,
                   "Proxy authentication required: this proxy needs a username and password",
                   error);
      return;
    }

  if (request->is_connect)
    {
      close_origin (data);
      prepare_session (conn, "http-connect", request->host, request->port);
      sy_dispatcher_dial_async (conn->dispatcher, conn->session, conn->config->outbound,
                                conn->cancellable, connect_dial_cb, sy_inbound_conn_ref (conn));
      return;
    }

  forward (conn);
}

static void
head_read_cb (SyInboundConn *conn,
              gsize          n_read,
              const GError  *error)
{
  HttpData *data;
  gboolean idle;

  if (conn->closing)
    return;

  data = http_data (conn);
  /* Between two requests with nothing buffered, a close or the timer is
   * the normal end of a keep-alive connection. */
  idle = data->exchanges > 0 && sy_inbound_buffer_length (&conn->buffer) == 0;

  if (error != NULL)
    {
      if (idle && sy_error_is_timeout (error))
        sy_inbound_conn_abort (conn, NULL);
      else
        sy_inbound_conn_abort (conn, error);
      return;
    }

  if (n_read == 0)
    {
      if (idle)
        sy_inbound_conn_abort (conn, NULL);
      else
        {
          g_autoptr(GError) eof = g_error_new (SY_ERROR, SY_ERROR_PROTOCOL,
                                               "The client closed the connection in the middle "
                                               "of its request");

          sy_inbound_conn_abort (conn, eof);
        }
      return;
    }

  read_head (conn);
}

static void
read_head (SyInboundConn *conn)
{
  HttpData *data = http_data (conn);
  SyHttpRequest *request = NULL;
  SyHttpParseResult r;

  r = sy_http_parse_request (sy_inbound_buffer_peek (&conn->buffer),
                             sy_inbound_buffer_length (&conn->buffer),
                             &data->scanned, &request);
  switch (r.status)
    {
    case SY_HTTP_PARSE_NEED_MORE:
      /* The same bound applies to the first head and to the wait for the
       * next one on a kept connection. */
      sy_inbound_conn_start_timer (conn);
      sy_inbound_conn_read (conn, head_read_cb);
      return;

    case SY_HTTP_PARSE_ERROR:
      reply_protocol_error (conn, r.http_status, r.reason);
      return;

    case SY_HTTP_PARSE_OK:
    default:
      break;
    }

  sy_inbound_conn_stop_timer (conn);
  sy_inbound_buffer_consume (&conn->buffer, r.consumed);
  data->scanned = 0;
  data->request = request;
  g_clear_pointer (&data->request_head, g_bytes_unref);

  handle_request (conn);
}

void
sy_http_handler_start (SyInboundConn *conn)
{
  HttpData *data = g_new0 (HttpData, 1);

  sy_inbound_buffer_init (&data->origin_buffer, ORIGIN_BUFFER_INITIAL, ORIGIN_BUFFER_LIMIT);
  conn->protocol_data = data;
  conn->protocol_free = http_data_free;
  sy_session_set_protocol (conn->session, "http");

  read_head (conn);
}
