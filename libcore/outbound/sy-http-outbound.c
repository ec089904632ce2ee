/* sy-http-outbound.c — HTTP CONNECT client for upstream proxies (RFC 9110 §9.3.6)
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-http-outbound"

#include <string.h>
#include <libsoup/soup.h>

#include "outbound/sy-outbound-util.h"
#include "outbound/sy-upstream-outbound.h"
#include "util/sy-error.h"

/* A CONNECT answer is a status line and a few headers; anything this big is
 * not a proxy talking to us. */
#define MAX_RESPONSE_HEAD 16384

struct _SyHttpOutbound
{
  SyOutbound  parent_instance;

  SyProxyServer server;
};

G_DEFINE_FINAL_TYPE (SyHttpOutbound, sy_http_outbound, SY_TYPE_OUTBOUND)

typedef struct
{
  char       *authority;   /* "host:port" of the destination */
  GIOStream  *stream;
  char       *who;         /* "upstream NAME", for messages */
  char       *request;     /* may hold credentials: wiped */
  GByteArray *head;        /* the response head read so far */
} HttpDial;

static void
http_dial_free (HttpDial *dial)
{
  g_free (dial->authority);
  if (dial->stream != NULL)
    g_io_stream_close (dial->stream, NULL, NULL);
  g_clear_object (&dial->stream);
  g_free (dial->who);
  g_clear_pointer (&dial->request, sy_secret_free);
  g_clear_pointer (&dial->head, g_byte_array_unref);
  g_free (dial);
}

static void
http_fail (GTask  *task,
           GError *error)
{
  HttpDial *dial = g_task_get_task_data (task);

  /* Close at once: the upstream must see the connection go now, and the
   * caller never sees a stream whose CONNECT did not succeed. */
  if (dial->stream != NULL)
    g_io_stream_close (dial->stream, NULL, NULL);
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
http_fail_protocol (GTask      *task,
                    const char *what)
{
  HttpDial *dial = g_task_get_task_data (task);

  http_fail (task, g_error_new (SY_ERROR, SY_ERROR_PROTOCOL, "%s: %s", dial->who, what));
}

/* Maps the proxy's refusal to the code a local dial would have given, so
 * that our inbounds answer their clients the same way (sy-error.h). */
static void
http_fail_status (GTask      *task,
                  guint       status,
                  const char *reason)
{
  SyHttpOutbound *self = g_task_get_source_object (task);
  HttpDial *dial = g_task_get_task_data (task);
  GError *error;

  switch (status)
    {
    /* RFC 9110 §15.5.8 says 407, but some proxies (tinyproxy 1.11 among
     * them) answer a refused CONNECT with 401; for a CONNECT both can only
     * mean the proxy's credentials. */
    case SOUP_STATUS_UNAUTHORIZED:
    case SOUP_STATUS_PROXY_AUTHENTICATION_REQUIRED:
      if (self->server.username != NULL)
        error = g_error_new (SY_ERROR, SY_ERROR_AUTH_FAILED,
                             "%s refused the username/password", dial->who);
      else
        error = g_error_new (SY_ERROR, SY_ERROR_AUTH_FAILED,
                             "%s requires a username/password", dial->who);
      break;
    case SOUP_STATUS_FORBIDDEN:
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           "%s: CONNECT %s not allowed (%u %s)",
                           dial->who, dial->authority, status, reason);
      break;
    case SOUP_STATUS_BAD_GATEWAY:
      /* What proxies answer when their connect() fails outright. */
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                           "%s: cannot connect to %s (%u %s)",
                           dial->who, dial->authority, status, reason);
      break;
    case SOUP_STATUS_SERVICE_UNAVAILABLE:
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE,
                           "%s: cannot reach %s (%u %s)",
                           dial->who, dial->authority, status, reason);
      break;
    case SOUP_STATUS_GATEWAY_TIMEOUT:
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                           "%s: connection to %s timed out (%u %s)",
                           dial->who, dial->authority, status, reason);
      break;
    default:
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                           "%s: CONNECT %s failed (%u %s)",
                           dial->who, dial->authority, status, reason);
      break;
    }

  http_fail (task, error);
}

static void
http_parse_head (GTask *task)
{
  HttpDial *dial = g_task_get_task_data (task);
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autofree char *reason = NULL;
  SoupHTTPVersion version;
  guint status = 0;

  headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  if (!soup_headers_parse_response ((const char *) dial->head->data, (int) dial->head->len,
                                    headers, &version, &status, &reason))
    {
      http_fail_protocol (task, "answered CONNECT with something that is not an HTTP response");
      return;
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      http_fail_status (task, status, reason != NULL ? reason : "");
      return;
    }

  /* RFC 9110 §9.3.6: after a 2xx the connection is the tunnel; the head
   * was read byte by byte, so nothing of the tunnel has been consumed. */
  g_task_return_pointer (task, g_steal_pointer (&dial->stream), g_object_unref);
  g_object_unref (task);
}

static gboolean
head_complete (GByteArray *head)
{
  const guint8 *d = head->data;
  gsize n = head->len;

  /* RFC 9112 §2.2 lets a recipient accept a bare LF as line terminator. */
  return (n >= 4 && memcmp (d + n - 4, "\r\n\r\n", 4) == 0) ||
         (n >= 2 && memcmp (d + n - 2, "\n\n", 2) == 0);
}

static gboolean http_readable_cb (GObject  *pollable,
                                  gpointer  user_data);

/* Reads the response head one byte at a time, for as long as bytes are
 * there without waiting. Byte by byte is the only way a generic stream can
 * stop exactly after the blank line: a proxy may send the tunnel's first
 * bytes (a server greeting, say) in the same segment as its 200. It costs a
 * few dozen reads once per connection. */
static void
http_read_head (GTask *task)
{
  HttpDial *dial = g_task_get_task_data (task);
  GPollableInputStream *input;

  input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (dial->stream));

  for (;;)
    {
      GError *error = NULL;
      guint8 byte;
      gssize n;

      n = g_pollable_input_stream_read_nonblocking (input, &byte, 1,
                                                    g_task_get_cancellable (task), &error);
      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              g_autoptr(GSource) source = NULL;

              g_error_free (error);
              source = g_pollable_input_stream_create_source (input,
                                                              g_task_get_cancellable (task));
              g_source_set_callback (source, G_SOURCE_FUNC (http_readable_cb), task, NULL);
              g_source_set_static_name (source, "[switchyard] http connect");
              g_source_attach (source, g_task_get_context (task));
              return;
            }

          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_prefix_error (&error, "%s: ", dial->who);
          http_fail (task, error);
          return;
        }

      if (n == 0)
        {
          http_fail_protocol (task, "closed the connection without answering CONNECT");
          return;
        }

      g_byte_array_append (dial->head, &byte, 1);

      if (head_complete (dial->head))
        {
          http_parse_head (task);
          return;
        }

      if (dial->head->len >= MAX_RESPONSE_HEAD)
        {
          http_fail_protocol (task, "answered CONNECT with an oversized response head");
          return;
        }
    }
}

static gboolean
http_readable_cb (GObject  *pollable,
                  gpointer  user_data)
{
  http_read_head (user_data);
  return G_SOURCE_REMOVE;
}

static void
http_request_written_cb (GObject      *source_object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  GTask *task = user_data;
  HttpDial *dial = g_task_get_task_data (task);
  GError *error = NULL;

  g_clear_pointer (&dial->request, sy_secret_free);

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source_object), result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&error, "%s: ", dial->who);
      http_fail (task, error);
      return;
    }

  http_read_head (task);
}

static void
http_transport_cb (GObject      *source_object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  SyHttpOutbound *self = g_task_get_source_object (task);
  HttpDial *dial = g_task_get_task_data (task);
  g_autoptr(GString) request = NULL;
  GInputStream *input;
  GError *error = NULL;

  dial->stream = sy_outbound_dial_finish (SY_OUTBOUND (source_object), result, &error);
  if (dial->stream == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&error, "%s: cannot reach HTTP proxy: ", dial->who);
      http_fail (task, error);
      return;
    }

  input = g_io_stream_get_input_stream (dial->stream);
  if (!G_IS_POLLABLE_INPUT_STREAM (input) ||
      !g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (input)))
    {
      http_fail (task, g_error_new (SY_ERROR, SY_ERROR_UNSUPPORTED,
                                    "%s: the transport's stream cannot be polled", dial->who));
      return;
    }

  /* RFC 9110 §9.3.6: the request target is the authority form, and
   * RFC 9112 §3.2 wants a Host header with the same authority. */
  request = g_string_new (NULL);
  g_string_append_printf (request,
                          "CONNECT %s HTTP/1.1\r\n"
                          "Host: %s\r\n",
                          dial->authority, dial->authority);

  if (self->server.username != NULL)
    {
      g_autofree char *credentials = NULL;
      g_autofree char *encoded = NULL;

      credentials = g_strdup_printf ("%s:%s", self->server.username, self->server.password);
      encoded = g_base64_encode ((const guchar *) credentials, strlen (credentials));

      /* RFC 7617 Basic: base64 of "user:password". */
      g_string_append_printf (request, "Proxy-Authorization: Basic %s\r\n", encoded);
      sy_secret_wipe (credentials, strlen (credentials));
      sy_secret_wipe (encoded, strlen (encoded));
    }

  g_string_append (request, "\r\n");

  dial->request = g_string_free (g_steal_pointer (&request), FALSE);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (dial->stream),
                                   dial->request, strlen (dial->request), G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), http_request_written_cb, task);
}

static void
sy_http_outbound_dial_async (SyOutbound          *outbound,
                             SySession           *session,
                             const char          *host,
                             guint16              port,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  SyHttpOutbound *self = SY_HTTP_OUTBOUND (outbound);
  GTask *task;
  HttpDial *dial;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_http_outbound_dial_async);

  dial = g_new0 (HttpDial, 1);
  dial->authority = sy_host_format_authority (host, port);
  dial->who = g_strdup_printf ("upstream %s", sy_outbound_get_name (outbound));
  dial->head = g_byte_array_new ();
  g_task_set_task_data (task, dial, (GDestroyNotify) http_dial_free);

  /* A CR or LF in the name would let the destination inject headers. */
  if (strpbrk (host, "\r\n ") != NULL || *host == '\0')
    {
      http_fail (task, g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                    "%s: “%s” is not a host name", dial->who, host));
      return;
    }

  /* An HTTP proxy reports no bound address, so the session has nothing to
   * learn here and the transport gets none either. */
  sy_outbound_dial_async (self->server.transport, NULL,
                          self->server.host, self->server.port,
                          cancellable, http_transport_cb, task);
}

static GIOStream *
sy_http_outbound_dial_finish (SyOutbound    *outbound,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, outbound), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_http_outbound_dial_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
sy_http_outbound_finalize (GObject *object)
{
  SyHttpOutbound *self = SY_HTTP_OUTBOUND (object);

  sy_proxy_server_clear (&self->server);

  G_OBJECT_CLASS (sy_http_outbound_parent_class)->finalize (object);
}

static void
sy_http_outbound_class_init (SyHttpOutboundClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SyOutboundClass *outbound_class = SY_OUTBOUND_CLASS (klass);

  object_class->finalize = sy_http_outbound_finalize;

  outbound_class->dial_async = sy_http_outbound_dial_async;
  outbound_class->dial_finish = sy_http_outbound_dial_finish;
}

static void
sy_http_outbound_init (SyHttpOutbound *self)
{
}

/**
 * sy_http_outbound_new:
 * @username: (nullable): for Basic proxy authentication; %NULL (or empty)
 *   sends no Proxy-Authorization
 * @password: (nullable): used only with @username
 */
SyOutbound *
sy_http_outbound_new (const char *name,
                      SyOutbound *transport,
                      const char *server_host,
                      guint16     server_port,
                      const char *username,
                      const char *password)
{
  SyHttpOutbound *self;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (SY_IS_OUTBOUND (transport), NULL);
  g_return_val_if_fail (server_host != NULL, NULL);

  self = g_object_new (SY_TYPE_HTTP_OUTBOUND,
                       "name", name,
                       "kind", "http",
                       NULL);
  sy_proxy_server_init (&self->server, transport, server_host, server_port,
                        username, password);

  return SY_OUTBOUND (self);
}
