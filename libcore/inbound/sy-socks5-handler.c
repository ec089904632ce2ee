/* sy-socks5-handler.c — the server side of RFC 1928 / RFC 1929 on a client connection
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-socks5"

#include "sy-credentials.h"
#include "sy-inbound-conn.h"
#include "sy-socks5-parser.h"
#include "util/sy-error.h"

typedef enum
{
  STATE_GREETING,
  STATE_AUTH,
  STATE_REQUEST,
  STATE_DIALING,
} Socks5State;

typedef struct
{
  Socks5State state;
} Socks5Data;

static void socks5_step (SyInboundConn *conn);

static Socks5Data *
socks5_data (SyInboundConn *conn)
{
  return conn->protocol_data;
}

static GBytes *
bytes_from (const guint8 *data,
            gsize         length)
{
  return g_bytes_new (data, length);
}

static void
reject (SyInboundConn *conn,
        const guint8  *reply,
        gsize          reply_length,
        GQuark         domain,
        int            code,
        const char    *message)
{
  g_autoptr(GBytes) bytes = reply != NULL ? bytes_from (reply, reply_length) : NULL;
  g_autoptr(GError) error = g_error_new_literal (domain, code, message);

  sy_inbound_conn_reject (conn, bytes, error);
}

static void
read_more_cb (SyInboundConn *conn,
              gsize          n_read,
              const GError  *error)
{
  if (error != NULL)
    {
      sy_inbound_conn_abort (conn, error);
      return;
    }
  if (n_read == 0)
    {
      g_autoptr(GError) eof = g_error_new (SY_ERROR, SY_ERROR_PROTOCOL,
                                           "The client closed the connection during the "
                                           "SOCKS5 handshake");

      sy_inbound_conn_abort (conn, eof);
      return;
    }

  socks5_step (conn);
}

static void
written_cb (SyInboundConn *conn,
            const GError  *error)
{
  if (error != NULL)
    {
      sy_inbound_conn_abort (conn, error);
      return;
    }

  socks5_step (conn);
}

static void
send_and_continue (SyInboundConn *conn,
                   const guint8  *data,
                   gsize          length)
{
  g_autoptr(GBytes) bytes = bytes_from (data, length);

  sy_inbound_conn_write (conn, bytes, written_cb);
}

typedef struct
{
  SyInboundConn *conn;
  GIOStream     *remote;
  guint8         reply[SY_SOCKS5_REPLY_MAX];
} Established;

static void
reply_written_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Established *established = user_data;
  SyInboundConn *conn = established->conn;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      g_autoptr(GError) translated = sy_inbound_conn_translate_error (conn, error);

      g_io_stream_close (established->remote, NULL, NULL);
      sy_inbound_conn_abort (conn, translated);
    }
  else
    {
      sy_inbound_conn_hand_off (conn, established->remote);
    }

  g_object_unref (established->remote);
  sy_inbound_conn_unref (conn);
  g_free (established);
}

static void
dial_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(SyInboundConn) conn = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) remote = NULL;
  guint8 reply[SY_SOCKS5_REPLY_MAX];
  gsize reply_length;
  Established *established;

  g_assert (socks5_data (conn)->state == STATE_DIALING);

  remote = sy_dispatcher_dial_finish (SY_DISPATCHER (object), result, &error);
  if (remote == NULL)
    {
      g_autoptr(GBytes) bytes = NULL;

      /* RFC 1928 §6: the reply tells the client why; then we close. */
      reply_length = sy_socks5_encode_reply (sy_error_to_socks5_reply (error), NULL, reply);
      bytes = bytes_from (reply, reply_length);
      sy_inbound_conn_reject (conn, bytes, error);
      return;
    }

  established = g_new0 (Established, 1);
  established->conn = sy_inbound_conn_ref (conn);
  established->remote = g_steal_pointer (&remote);
  /* BND.ADDR/BND.PORT: the address the outbound connected from, as
   * RFC 1928 §6 asks; 0.0.0.0:0 when the outbound has no such thing. */
  reply_length = sy_socks5_encode_reply (SY_SOCKS5_REP_SUCCEEDED,
                                         conn->session != NULL ? conn->session->bound_address : NULL,
                                         established->reply);
  g_output_stream_write_all_async (conn->output, established->reply, reply_length,
                                   G_PRIORITY_DEFAULT, conn->cancellable,
                                   reply_written_cb, established);
}

static void
socks5_step (SyInboundConn *conn)
{
  Socks5Data *data = socks5_data (conn);
  const guint8 *bytes = sy_inbound_buffer_peek (&conn->buffer);
  gsize length = sy_inbound_buffer_length (&conn->buffer);
  SySocks5ParseResult r;
  guint8 out[SY_SOCKS5_REPLY_MAX];
  gsize out_length;

  switch (data->state)
    {
    case STATE_GREETING:
      {
        SySocks5Greeting greeting;
        gboolean auth_required;
        guint8 method;

        r = sy_socks5_parse_greeting (bytes, length, &greeting);
        if (r.status == SY_SOCKS5_PARSE_NEED_MORE)
          break;
        if (r.status == SY_SOCKS5_PARSE_ERROR)
          {
            out_length = sy_socks5_encode_method (r.reply, out);
            reject (conn, out, out_length, SY_ERROR, SY_ERROR_PROTOCOL, r.reason);
            return;
          }

        auth_required = sy_credentials_required (conn->config->username, conn->config->password);
        method = sy_socks5_choose_method (&greeting, auth_required);
        sy_inbound_buffer_consume (&conn->buffer, r.consumed);
        out_length = sy_socks5_encode_method (method, out);

        if (method == SY_SOCKS5_METHOD_NO_ACCEPTABLE)
          {
            /* RFC 1928 §3: X'FF' and the client must close. */
            reject (conn, out, out_length, SY_ERROR, SY_ERROR_AUTH_FAILED,
                    auth_required
                    ? "The SOCKS5 client did not offer username/password authentication, "
                      "which this inbound requires"
                    : "The SOCKS5 client offered no authentication method we support");
            return;
          }

        data->state = method == SY_SOCKS5_METHOD_USERNAME ? STATE_AUTH : STATE_REQUEST;
        send_and_continue (conn, out, out_length);
        return;
      }

    case STATE_AUTH:
      {
        SySocks5Auth auth;
        gboolean accepted;

        r = sy_socks5_parse_auth (bytes, length, &auth);
        if (r.status == SY_SOCKS5_PARSE_NEED_MORE)
          break;
        if (r.status == SY_SOCKS5_PARSE_ERROR)
          {
            out_length = sy_socks5_encode_auth_status (SY_SOCKS5_AUTH_FAILURE, out);
            reject (conn, out, out_length, SY_ERROR, SY_ERROR_PROTOCOL, r.reason);
            return;
          }

        /* Without configured credentials the client chose this method
         * itself; any name and password let it in. */
        accepted = !sy_credentials_required (conn->config->username, conn->config->password) ||
                   sy_credentials_check (conn->config->username, conn->config->password,
                                         auth.username, auth.username_len,
                                         auth.password, auth.password_len);
        sy_credentials_wipe ((gpointer) auth.password, auth.password_len);
        sy_inbound_buffer_consume (&conn->buffer, r.consumed);

        /* RFC 1929 §2: a non-zero STATUS and the server closes. */
        out_length = sy_socks5_encode_auth_status (accepted ? SY_SOCKS5_AUTH_SUCCESS
                                                            : SY_SOCKS5_AUTH_FAILURE, out);
        if (!accepted)
          {
            reject (conn, out, out_length, SY_ERROR, SY_ERROR_AUTH_FAILED,
                    "Wrong SOCKS5 username or password");
            return;
          }

        data->state = STATE_REQUEST;
        send_and_continue (conn, out, out_length);
        return;
      }

    case STATE_REQUEST:
      {
        SySocks5Request request;

        r = sy_socks5_parse_request (bytes, length, &request);
        if (r.status == SY_SOCKS5_PARSE_NEED_MORE)
          break;
        if (r.status == SY_SOCKS5_PARSE_ERROR)
          {
            out_length = sy_socks5_encode_reply (r.reply, NULL, out);
            reject (conn, out, out_length, SY_ERROR,
                    r.reply == SY_SOCKS5_REP_GENERAL_FAILURE ? SY_ERROR_PROTOCOL
                                                             : SY_ERROR_UNSUPPORTED,
                    r.reason);
            return;
          }

        sy_inbound_buffer_consume (&conn->buffer, r.consumed);
        sy_session_set_destination (conn->session, request.host, request.port);

        if (request.command != SY_SOCKS5_CMD_CONNECT)
          {
            out_length = sy_socks5_encode_reply (SY_SOCKS5_REP_COMMAND_NOT_SUPPORTED, NULL, out);
            reject (conn, out, out_length, SY_ERROR, SY_ERROR_UNSUPPORTED,
                    request.command == SY_SOCKS5_CMD_BIND
                    ? "SOCKS5 BIND is not supported"
                    : "SOCKS5 UDP ASSOCIATE is not supported yet");
            return;
          }

        /* The request is complete: from here on the dispatcher's connect
         * timeout applies, not the handshake one. */
        sy_inbound_conn_stop_timer (conn);
        data->state = STATE_DIALING;
        sy_dispatcher_dial_async (conn->dispatcher, conn->session, conn->config->outbound,
                                  conn->cancellable, dial_cb, sy_inbound_conn_ref (conn));
        return;
      }

    case STATE_DIALING:
    default:
      g_assert_not_reached ();
    }

  sy_inbound_conn_read (conn, read_more_cb);
}

void
sy_socks5_handler_start (SyInboundConn *conn)
{
  Socks5Data *data = g_new0 (Socks5Data, 1);

  data->state = STATE_GREETING;
  conn->protocol_data = data;
  conn->protocol_free = g_free;
  sy_session_set_protocol (conn->session, "socks5");

  socks5_step (conn);
}
