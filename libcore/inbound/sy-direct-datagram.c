/* sy-direct-datagram.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The hot path is plain syscalls on the GSocket's descriptor: recvfrom(2)
 * into a per-thread buffer and sendto(2) from a sockaddr on the stack, so
 * that a datagram costs no allocation. The sender's GInetSocketAddress is
 * built only when it differs from the previous datagram's (a tunnel's
 * replies all come from its one target).
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-datagram"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "sy-direct-datagram.h"

/* The largest UDP payload (65,535 minus the 8-byte UDP header), rounded up:
 * with MSG_TRUNC a longer one is recognised and dropped. */
#define RECV_BUFFER_SIZE 65536

/* Datagrams read per wakeup before the loop serves others. */
#define RECV_BUDGET 64

static GPrivate recv_buffer_key = G_PRIVATE_INIT (g_free);

static guint8 *
recv_buffer_get (void)
{
  guint8 *buffer = g_private_get (&recv_buffer_key);

  if (G_UNLIKELY (buffer == NULL))
    {
      buffer = g_malloc (RECV_BUFFER_SIZE);
      g_private_set (&recv_buffer_key, buffer);
    }

  return buffer;
}

typedef struct
{
  SyDatagramSession        parent;

  GSocket                 *socket;
  int                      fd;
  GSource                 *source;

  GInetSocketAddress      *last_from;
  struct sockaddr_storage  last_from_native;
  socklen_t                last_from_length;

  gboolean                 dispatching;
  gboolean                 closed;
} DirectDatagram;

static void
direct_datagram_free (DirectDatagram *self)
{
  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_clear_pointer (&self->source, g_source_unref);
    }
  if (self->socket != NULL)
    g_socket_close (self->socket, NULL);
  g_clear_object (&self->socket);
  g_clear_object (&self->last_from);
  g_free (self);
}

static GInetSocketAddress *
direct_datagram_from (DirectDatagram          *self,
                      struct sockaddr_storage *native,
                      socklen_t                length)
{
  GSocketAddress *address;

  if (self->last_from != NULL && length == self->last_from_length &&
      memcmp (native, &self->last_from_native, length) == 0)
    return self->last_from;

  address = g_socket_address_new_from_native (native, length);
  if (address == NULL || !G_IS_INET_SOCKET_ADDRESS (address))
    {
      g_clear_object (&address);
      return NULL;
    }

  g_set_object (&self->last_from, G_INET_SOCKET_ADDRESS (address));
  g_object_unref (address);
  memcpy (&self->last_from_native, native, length);
  self->last_from_length = length;

  return self->last_from;
}

static gboolean
direct_datagram_readable_cb (GSocket      *socket,
                             GIOCondition  condition,
                             gpointer      user_data)
{
  DirectDatagram *self = user_data;
  guint8 *buffer = recv_buffer_get ();

  self->dispatching = TRUE;

  for (guint i = 0; i < RECV_BUDGET && !self->closed; i++)
    {
      struct sockaddr_storage native;
      socklen_t length = sizeof native;
      GInetSocketAddress *from;
      gssize n;

      n = recvfrom (self->fd, buffer, RECV_BUFFER_SIZE, MSG_DONTWAIT | MSG_TRUNC,
                    (struct sockaddr *) &native, &length);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          /* EAGAIN: drained. Anything else is an ICMP error queued on the
           * socket, which reading has now cleared: nothing to deliver. */
          if (errno != EAGAIN)
            g_debug ("datagram socket: %s", g_strerror (errno));
          break;
        }

      if (n > RECV_BUFFER_SIZE)
        continue;

      from = direct_datagram_from (self, &native, length);
      if (from == NULL)
        continue;

      self->parent.recv_func (&self->parent, buffer, n, from, self->parent.recv_data);
    }

  self->dispatching = FALSE;

  if (self->closed)
    {
      /* the source is being dispatched: destroying it here is fine, and
       * the G_SOURCE_REMOVE below is then moot */
      direct_datagram_free (self);
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static gboolean
direct_datagram_send (SyDatagramSession   *session,
                      const guint8        *data,
                      gsize                length,
                      GInetSocketAddress  *to,
                      GError             **error)
{
  DirectDatagram *self = (DirectDatagram *) session;
  struct sockaddr_storage native;
  gssize n;
  int errsv;

  if (!g_socket_address_to_native (G_SOCKET_ADDRESS (to), &native, sizeof native, error))
    return FALSE;

  do
    n = sendto (self->fd, data, length, MSG_DONTWAIT | MSG_NOSIGNAL,
                (struct sockaddr *) &native,
                g_socket_address_get_native_size (G_SOCKET_ADDRESS (to)));
  while (n < 0 && errno == EINTR);

  if (n >= 0)
    return TRUE;

  errsv = errno;
  if (errsv == EAGAIN || errsv == ENOBUFS)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK,
                         "The socket's send queue is full");
  else
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                 "Could not send a datagram: %s", g_strerror (errsv));
  return FALSE;
}

static void
direct_datagram_close (SyDatagramSession *session)
{
  DirectDatagram *self = (DirectDatagram *) session;

  if (self->dispatching)
    {
      self->closed = TRUE;
      return;
    }

  direct_datagram_free (self);
}

static const SyDatagramSessionFuncs direct_datagram_funcs = {
  direct_datagram_send,
  direct_datagram_close,
};

SyDatagramSession *
sy_direct_datagram_session_new (GSocketFamily        family,
                                SyDatagramRecvFunc   func,
                                gpointer             user_data,
                                GError             **error)
{
  DirectDatagram *self;
  GSocket *socket;

  g_return_val_if_fail (family == G_SOCKET_FAMILY_IPV4 || family == G_SOCKET_FAMILY_IPV6, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  socket = g_socket_new (family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (socket == NULL)
    return NULL;

  self = g_new0 (DirectDatagram, 1);
  self->parent.funcs = &direct_datagram_funcs;
  self->parent.recv_func = func;
  self->parent.recv_data = user_data;
  self->socket = socket;
  self->fd = g_socket_get_fd (socket);

  self->source = g_socket_create_source (socket, G_IO_IN, NULL);
  g_source_set_callback (self->source, G_SOURCE_FUNC (direct_datagram_readable_cb), self, NULL);
  g_source_set_static_name (self->source, "[switchyard] datagram");
  g_source_attach (self->source, NULL);

  return &self->parent;
}

/* Dialer ----------------------------------------------------------------- */

struct _SyDirectDatagramDialer
{
  SyDatagramDialer parent_instance;
};

G_DEFINE_FINAL_TYPE (SyDirectDatagramDialer, sy_direct_datagram_dialer, SY_TYPE_DATAGRAM_DIALER)

static SyDatagramSession *
sy_direct_datagram_dialer_open (SyDatagramDialer    *dialer,
                                GSocketFamily        family,
                                SyDatagramRecvFunc   func,
                                gpointer             user_data,
                                GError             **error)
{
  return sy_direct_datagram_session_new (family, func, user_data, error);
}

static void
sy_direct_datagram_dialer_class_init (SyDirectDatagramDialerClass *klass)
{
  SY_DATAGRAM_DIALER_CLASS (klass)->open = sy_direct_datagram_dialer_open;
}

static void
sy_direct_datagram_dialer_init (SyDirectDatagramDialer *self)
{
}

SyDatagramDialer *
sy_direct_datagram_dialer_new (const char *name)
{
  return g_object_new (SY_TYPE_DIRECT_DATAGRAM_DIALER, "name", name, NULL);
}
