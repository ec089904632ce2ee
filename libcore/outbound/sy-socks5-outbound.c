/* sy-socks5-outbound.c — SOCKS5 client for upstream proxies (RFC 1928, RFC 1929)
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-socks5-outbound"

#include <string.h>

#include "outbound/sy-outbound-util.h"
#include "outbound/sy-upstream-outbound.h"
#include "util/sy-error.h"

#define SOCKS5_VERSION          0x05
#define SOCKS5_AUTH_VERSION     0x01   /* RFC 1929 §2 */
#define SOCKS5_METHOD_NONE      0x00
#define SOCKS5_METHOD_USERPASS  0x02
#define SOCKS5_METHOD_REFUSED   0xff
#define SOCKS5_CMD_CONNECT      0x01
#define SOCKS5_ATYP_IPV4        0x01
#define SOCKS5_ATYP_DOMAIN      0x03
#define SOCKS5_ATYP_IPV6        0x04

struct _SySocks5Outbound
{
  SyOutbound  parent_instance;

  SyProxyServer server;
};

G_DEFINE_FINAL_TYPE (SySocks5Outbound, sy_socks5_outbound, SY_TYPE_OUTBOUND)

typedef struct
{
  SySession *session;
  char      *host;
  guint16    port;
  GIOStream *stream;
  char      *who;        /* "upstream NAME", for messages */
  /* Largest message: the RFC 1929 request, 3 + 255 + 255 bytes. */
  guint8     buf[516];
  gsize      len;
} Socks5Dial;

static void
socks5_dial_free (Socks5Dial *dial)
{
  /* The buffer may still hold the RFC 1929 request. */
  sy_secret_wipe (dial->buf, sizeof dial->buf);
  g_clear_pointer (&dial->session, sy_session_unref);
  g_free (dial->host);
  if (dial->stream != NULL)
    g_io_stream_close (dial->stream, NULL, NULL);
  g_clear_object (&dial->stream);
  g_free (dial->who);
  g_free (dial);
}

/* Ends a failed dial, closing the stream at once: the caller never sees a
 * half-negotiated stream and the upstream sees the connection go now. */
static void
socks5_fail (GTask  *task,
             GError *error)
{
  Socks5Dial *dial = g_task_get_task_data (task);

  if (dial->stream != NULL)
    g_io_stream_close (dial->stream, NULL, NULL);
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
socks5_fail_protocol (GTask      *task,
                      const char *what)
{
  Socks5Dial *dial = g_task_get_task_data (task);

  socks5_fail (task, g_error_new (SY_ERROR, SY_ERROR_PROTOCOL,
                                  "%s: %s", dial->who, what));
}

static void
socks5_write (GTask               *task,
              GAsyncReadyCallback  callback)
{
  Socks5Dial *dial = g_task_get_task_data (task);

  g_output_stream_write_all_async (g_io_stream_get_output_stream (dial->stream),
                                   dial->buf, dial->len, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), callback, task);
}

/* Reads exactly @len bytes to @offset in the buffer: never more, so that
 * the first bytes of the tunnelled stream stay in the socket for the relay. */
static void
socks5_read (GTask               *task,
             gsize                offset,
             gsize                len,
             GAsyncReadyCallback  callback)
{
  Socks5Dial *dial = g_task_get_task_data (task);

  g_assert (offset + len <= sizeof dial->buf);
  dial->len = len;
  g_input_stream_read_all_async (g_io_stream_get_input_stream (dial->stream),
                                 dial->buf + offset, len, G_PRIORITY_DEFAULT,
                                 g_task_get_cancellable (task), callback, task);
}

static gboolean
socks5_write_finish (GTask        *task,
                     GAsyncResult *result)
{
  Socks5Dial *dial = g_task_get_task_data (task);
  GOutputStream *output = g_io_stream_get_output_stream (dial->stream);
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (output, result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&error, "%s: ", dial->who);
      socks5_fail (task, error);
      return FALSE;
    }

  return TRUE;
}

static gboolean
socks5_read_finish (GTask        *task,
                    GAsyncResult *result)
{
  Socks5Dial *dial = g_task_get_task_data (task);
  GInputStream *input = g_io_stream_get_input_stream (dial->stream);
  GError *error = NULL;
  gsize got = 0;

  if (!g_input_stream_read_all_finish (input, result, &got, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&error, "%s: ", dial->who);
      socks5_fail (task, error);
      return FALSE;
    }

  if (got < dial->len)
    {
      socks5_fail_protocol (task, "closed the connection in the middle of the SOCKS5 handshake");
      return FALSE;
    }

  return TRUE;
}

static void
socks5_succeed (GTask *task)
{
  Socks5Dial *dial = g_task_get_task_data (task);

  g_task_return_pointer (task, g_steal_pointer (&dial->stream), g_object_unref);
  g_object_unref (task);
}

/* RFC 1928 §6: BND.ADDR and BND.PORT are the address the server connected
 * from, i.e. the real local address of the outbound side of the stream. */
static void
socks5_record_bound (Socks5Dial   *dial,
                     guint8        atyp,
                     const guint8 *addr)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  gsize addr_len;
  guint16 port;

  if (dial->session == NULL)
    return;

  if (atyp == SOCKS5_ATYP_IPV4)
    {
      address = g_inet_address_new_from_bytes (addr, G_SOCKET_FAMILY_IPV4);
      addr_len = 4;
    }
  else if (atyp == SOCKS5_ATYP_IPV6)
    {
      address = g_inet_address_new_from_bytes (addr, G_SOCKET_FAMILY_IPV6);
      addr_len = 16;
    }
  else
    return;   /* a name says nothing about the socket */

  /* Some servers answer 0.0.0.0:0 instead of the real address. */
  if (g_inet_address_get_is_any (address))
    return;

  port = (guint16) ((addr[addr_len] << 8) | addr[addr_len + 1]);
  bound = g_inet_socket_address_new (address, port);
  sy_session_set_bound_address (dial->session, bound);
}

static void
socks5_reply_address_cb (GObject      *source_object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  GTask *task = user_data;
  Socks5Dial *dial = g_task_get_task_data (task);

  if (!socks5_read_finish (task, result))
    return;

  /* The buffer holds the whole reply: header, then BND.ADDR, BND.PORT. */
  socks5_record_bound (dial, dial->buf[3], dial->buf + 4);
  socks5_succeed (task);
}

static void
socks5_reply_domain_len_cb (GObject      *source_object,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  GTask *task = user_data;
  Socks5Dial *dial = g_task_get_task_data (task);
  guint8 name_len;

  if (!socks5_read_finish (task, result))
    return;

  /* The name behind its length byte, then the port. */
  name_len = dial->buf[4];
  socks5_read (task, 5, (gsize) name_len + 2, socks5_reply_address_cb);
}

static void
socks5_reply_head_cb (GObject      *source_object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GTask *task = user_data;
  Socks5Dial *d = g_task_get_task_data (task);
  gsize addr_len;

  if (!socks5_read_finish (task, result))
    return;

  /* RFC 1928 §6: VER REP RSV ATYP, then BND.ADDR and BND.PORT. */
  if (d->buf[0] != SOCKS5_VERSION)
    {
      socks5_fail_protocol (task, "answered CONNECT with a reply that is not SOCKS5");
      return;
    }

  if (d->buf[1] != SY_SOCKS5_REP_SUCCEEDED)
    {
      GError *error = NULL;

      sy_error_set_from_socks5_reply (&error, d->buf[1], d->who);
      socks5_fail (task, error);
      return;
    }

  switch (d->buf[3])
    {
    case SOCKS5_ATYP_IPV4:
      addr_len = 4;
      break;
    case SOCKS5_ATYP_IPV6:
      addr_len = 16;
      break;
    case SOCKS5_ATYP_DOMAIN:
      socks5_read (task, 4, 1, socks5_reply_domain_len_cb);
      return;
    default:
      socks5_fail_protocol (task, "answered CONNECT with an unknown address type");
      return;
    }

  /* Exactly the address and port behind the 4 header bytes. */
  socks5_read (task, 4, addr_len + 2, socks5_reply_address_cb);
}

static void
socks5_request_written_cb (GObject      *source_object,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  GTask *task = user_data;

  if (!socks5_write_finish (task, result))
    return;

  socks5_read (task, 0, 4, socks5_reply_head_cb);
}

/* RFC 1928 §4: VER CMD RSV ATYP DST.ADDR DST.PORT. Names go on unresolved,
 * so that the upstream resolves them (and DNS does not leak locally). */
static void
socks5_send_request (GTask *task)
{
  Socks5Dial *dial = g_task_get_task_data (task);
  g_autoptr(GInetAddress) literal = g_inet_address_new_from_string (dial->host);
  guint8 *p = dial->buf;

  *p++ = SOCKS5_VERSION;
  *p++ = SOCKS5_CMD_CONNECT;
  *p++ = 0x00;

  if (literal != NULL)
    {
      gsize size = g_inet_address_get_native_size (literal);

      *p++ = size == 4 ? SOCKS5_ATYP_IPV4 : SOCKS5_ATYP_IPV6;
      memcpy (p, g_inet_address_to_bytes (literal), size);
      p += size;
    }
  else
    {
      gsize name_len = strlen (dial->host);

      *p++ = SOCKS5_ATYP_DOMAIN;
      *p++ = (guint8) name_len;
      memcpy (p, dial->host, name_len);
      p += name_len;
    }

  *p++ = (guint8) (dial->port >> 8);
  *p++ = (guint8) (dial->port & 0xff);
  dial->len = (gsize) (p - dial->buf);

  socks5_write (task, socks5_request_written_cb);
}

static void
socks5_auth_reply_cb (GObject      *source_object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GTask *task = user_data;
  Socks5Dial *dial = g_task_get_task_data (task);

  if (!socks5_read_finish (task, result))
    return;

  /* RFC 1929 §2: VER STATUS, 0x00 is success. The version byte is 0x01,
   * though some servers echo 0x05; only the status decides. */
  if (dial->buf[1] != 0x00)
    {
      socks5_fail (task, g_error_new (SY_ERROR, SY_ERROR_AUTH_FAILED,
                                      "%s refused the username/password", dial->who));
      return;
    }

  socks5_send_request (task);
}

static void
socks5_auth_written_cb (GObject      *source_object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GTask *task = user_data;
  Socks5Dial *dial = g_task_get_task_data (task);

  sy_secret_wipe (dial->buf, sizeof dial->buf);

  if (!socks5_write_finish (task, result))
    return;

  socks5_read (task, 0, 2, socks5_auth_reply_cb);
}

/* RFC 1929 §2: VER ULEN UNAME PLEN PASSWD. */
static void
socks5_send_auth (GTask *task)
{
  SySocks5Outbound *self = g_task_get_source_object (task);
  Socks5Dial *dial = g_task_get_task_data (task);
  gsize ulen = strlen (self->server.username);
  gsize plen = strlen (self->server.password);
  guint8 *p = dial->buf;

  *p++ = SOCKS5_AUTH_VERSION;
  *p++ = (guint8) ulen;
  memcpy (p, self->server.username, ulen);
  p += ulen;
  *p++ = (guint8) plen;
  memcpy (p, self->server.password, plen);
  p += plen;
  dial->len = (gsize) (p - dial->buf);

  socks5_write (task, socks5_auth_written_cb);
}

static void
socks5_method_cb (GObject      *source_object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  SySocks5Outbound *self = g_task_get_source_object (task);
  Socks5Dial *dial = g_task_get_task_data (task);

  if (!socks5_read_finish (task, result))
    return;

  /* RFC 1928 §3: VER METHOD. */
  if (dial->buf[0] != SOCKS5_VERSION)
    {
      socks5_fail_protocol (task, "is not a SOCKS5 server (bad version in its greeting)");
      return;
    }

  switch (dial->buf[1])
    {
    case SOCKS5_METHOD_NONE:
      socks5_send_request (task);
      break;

    case SOCKS5_METHOD_USERPASS:
      if (self->server.username == NULL)
        socks5_fail_protocol (task, "chose username/password authentication, "
                                    "which was not offered");
      else
        socks5_send_auth (task);
      break;

    case SOCKS5_METHOD_REFUSED:
      if (self->server.username == NULL)
        socks5_fail (task, g_error_new (SY_ERROR, SY_ERROR_AUTH_FAILED,
                                        "%s requires a username/password", dial->who));
      else
        socks5_fail (task, g_error_new (SY_ERROR, SY_ERROR_AUTH_FAILED,
                                        "%s accepts neither no authentication "
                                        "nor username/password", dial->who));
      break;

    default:
      socks5_fail_protocol (task, "chose an authentication method that was not offered");
      break;
    }
}

static void
socks5_greeting_written_cb (GObject      *source_object,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  GTask *task = user_data;

  if (!socks5_write_finish (task, result))
    return;

  socks5_read (task, 0, 2, socks5_method_cb);
}

static void
socks5_transport_cb (GObject      *source_object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GTask *task = user_data;
  SySocks5Outbound *self = g_task_get_source_object (task);
  Socks5Dial *dial = g_task_get_task_data (task);
  GError *error = NULL;
  guint8 *p = dial->buf;

  dial->stream = sy_outbound_dial_finish (SY_OUTBOUND (source_object), result, &error);
  if (dial->stream == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&error, "%s: cannot reach SOCKS5 server: ", dial->who);
      socks5_fail (task, error);
      return;
    }

  /* RFC 1928 §3: VER NMETHODS METHODS. Username/password only when we
   * have credentials, so a server that needs them answers 0xFF. */
  *p++ = SOCKS5_VERSION;
  *p++ = self->server.username != NULL ? 2 : 1;
  *p++ = SOCKS5_METHOD_NONE;
  if (self->server.username != NULL)
    *p++ = SOCKS5_METHOD_USERPASS;
  dial->len = (gsize) (p - dial->buf);

  socks5_write (task, socks5_greeting_written_cb);
}

static void
sy_socks5_outbound_dial_async (SyOutbound          *outbound,
                               SySession           *session,
                               const char          *host,
                               guint16              port,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  SySocks5Outbound *self = SY_SOCKS5_OUTBOUND (outbound);
  GTask *task;
  Socks5Dial *dial;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_socks5_outbound_dial_async);

  dial = g_new0 (Socks5Dial, 1);
  dial->session = session != NULL ? sy_session_ref (session) : NULL;
  dial->host = sy_host_strip_brackets (host);
  dial->port = port;
  dial->who = g_strdup_printf ("upstream %s", sy_outbound_get_name (outbound));
  g_task_set_task_data (task, dial, (GDestroyNotify) socks5_dial_free);

  if (strlen (dial->host) > 255 || dial->host[0] == '\0')
    {
      socks5_fail (task, g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                      "%s: “%.64s…” cannot be sent in SOCKS5 "
                                      "(names are 1 to 255 bytes)", dial->who, dial->host));
      return;
    }

  /* The transport gets no session: the bound address to record is the one
   * the upstream reports, not our socket to the upstream. */
  sy_outbound_dial_async (self->server.transport, NULL,
                          self->server.host, self->server.port,
                          cancellable, socks5_transport_cb, task);
}

static GIOStream *
sy_socks5_outbound_dial_finish (SyOutbound    *outbound,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, outbound), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_socks5_outbound_dial_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
sy_socks5_outbound_finalize (GObject *object)
{
  SySocks5Outbound *self = SY_SOCKS5_OUTBOUND (object);

  sy_proxy_server_clear (&self->server);

  G_OBJECT_CLASS (sy_socks5_outbound_parent_class)->finalize (object);
}

static void
sy_socks5_outbound_class_init (SySocks5OutboundClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SyOutboundClass *outbound_class = SY_OUTBOUND_CLASS (klass);

  object_class->finalize = sy_socks5_outbound_finalize;

  outbound_class->dial_async = sy_socks5_outbound_dial_async;
  outbound_class->dial_finish = sy_socks5_outbound_dial_finish;
}

static void
sy_socks5_outbound_init (SySocks5Outbound *self)
{
}

/**
 * sy_socks5_outbound_new:
 * @username: (nullable): RFC 1929 user name, 1 to 255 bytes; %NULL (or
 *   empty) offers no authentication
 * @password: (nullable): 0 to 255 bytes, used only with @username
 */
SyOutbound *
sy_socks5_outbound_new (const char *name,
                        SyOutbound *transport,
                        const char *server_host,
                        guint16     server_port,
                        const char *username,
                        const char *password)
{
  SySocks5Outbound *self;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (SY_IS_OUTBOUND (transport), NULL);
  g_return_val_if_fail (server_host != NULL, NULL);
  g_return_val_if_fail (username == NULL || strlen (username) <= 255, NULL);
  g_return_val_if_fail (password == NULL || strlen (password) <= 255, NULL);

  self = g_object_new (SY_TYPE_SOCKS5_OUTBOUND,
                       "name", name,
                       "kind", "socks5",
                       NULL);
  sy_proxy_server_init (&self->server, transport, server_host, server_port,
                        username, password);

  return SY_OUTBOUND (self);
}
