/* sy-wg-device-io.c — the device's UDP sockets: receive batches, dispatch, send batches
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-wireguard"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "util/sy-error.h"
#include "wireguard/sy-wg-crypto.h"

#include "sy-wg-device-private.h"

/*
 * Two sockets, IPv4 and IPv6-only, on the same port — as wireguard-go and
 * the kernel bind: a dual-stack socket would report IPv4 sources as mapped
 * IPv6 and fail where IPv6 is disabled. Either may be missing (a host
 * without IPv6); at least one must bind.
 *
 * Receiving, one GSource polls both descriptors. Each wakeup drains a
 * socket with recvmmsg() into SY_WG_RX_BATCH buffers the device owns, up
 * to RX_ROUNDS batches, then lets the loop serve others. Transport data is
 * decrypted in place and handed on from there: nothing is allocated or
 * copied per datagram.
 *
 * Sending, every datagram (transport data, handshakes, cookie replies) is
 * written into a slot of the send batch and goes out with one sendmmsg()
 * per run of same-family datagrams, when the batch is full or at the next
 * main-loop iteration (the deferred source, sy-wg-device.c): a burst of
 * packets from the netstack costs one system call per 32.
 */

/* Batches drained per wakeup: 256 datagrams, ~370 KB of traffic at the
 * default MTU, before other sources get their turn. */
#define RX_ROUNDS 8

/* Socket buffers asked for: a burst of a few thousand datagrams. The kernel
 * caps them at net.core.rmem_max / wmem_max unless we may force more. */
#define SOCKET_BUFFER_SIZE (4 * 1024 * 1024)

static void
set_buffer_sizes (GSocket *socket)
{
  int fd = g_socket_get_fd (socket);
  int size = SOCKET_BUFFER_SIZE;

  if (setsockopt (fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
    (void) setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (setsockopt (fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
    (void) setsockopt (fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
}

static GSocket *
open_socket (GSocketFamily   family,
             guint16         port,
             GError        **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) any = NULL;
  g_autoptr(GSocketAddress) address = NULL;

  socket = g_socket_new (family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (socket == NULL)
    return NULL;
  if (family == G_SOCKET_FAMILY_IPV6 &&
      !g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, 1, error))
    return NULL;
  g_socket_set_blocking (socket, FALSE);
  set_buffer_sizes (socket);

  any = g_inet_address_new_any (family);
  address = g_inet_socket_address_new (any, port);
  if (!g_socket_bind (socket, address, FALSE, error))
    return NULL;
  return g_steal_pointer (&socket);
}

static guint16
socket_port (GSocket *socket)
{
  g_autoptr(GSocketAddress) address = g_socket_get_local_address (socket, NULL);

  return address != NULL ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)) : 0;
}

/* ---- receiving ----------------------------------------------------------- */

static gpointer
lookup_peer_cb (const guint8           public_key[SY_WG_KEY_LEN],
                SyWgHandshake        **handshake,
                const SyWgPeerStatic **peer_static,
                gpointer               user_data)
{
  SyWgDevice *self = user_data;
  SyWgDevicePeer *peer = g_hash_table_lookup (self->peers_by_key, public_key);

  if (peer == NULL)
    return NULL;
  *handshake = &peer->handshake;
  *peer_static = &peer->statics;
  return peer;
}

/* mac1, load accounting and mac2 for a handshake message (§5.3, §5.4.4).
 * Returns whether to go on with it; under load without a valid mac2 we
 * answer with a cookie reply instead. */
static gboolean
check_handshake_macs (SyWgDevice         *self,
                      const guint8       *data,
                      gsize               length,
                      const SyWgEndpoint *source)
{
  const guint8 *address;
  guint16 port;
  gsize address_len;
  guint8 *reply;

  if (!sy_wg_cookie_checker_check_mac1 (&self->cookie_checker, data, length))
    {
      self->counters.rx_invalid++;
      return FALSE;
    }

  if (self->now - self->load_window_start >= G_TIME_SPAN_SECOND)
    {
      self->load_window_start = self->now;
      self->load_window_count = 0;
    }
  if (++self->load_window_count > SY_WG_UNDER_LOAD_PER_SECOND)
    self->under_load_until = self->now + G_TIME_SPAN_SECOND;

  if (!self->force_under_load && self->now >= self->under_load_until)
    return TRUE;

  address_len = sy_wg_endpoint_get_address (source, &address, &port);
  if (sy_wg_cookie_checker_check_mac2 (&self->cookie_checker, data, length,
                                       address, address_len, port, self->now))
    {
      /* The sender owns its address; it may still not flood us. */
      if (sy_wg_ratelimit_allow (self->ratelimit, address, address_len, self->now))
        return TRUE;
      self->counters.rx_ratelimited++;
      return FALSE;
    }

  reply = sy_wg_device_reserve_datagram (self, SY_WG_COOKIE_REPLY_LEN);
  sy_wg_cookie_checker_create_reply (&self->cookie_checker, data, length, address, address_len,
                                     port, self->now, (SyWgMessageCookieReply *) (gpointer) reply);
  sy_wg_device_commit_datagram (self, source, SY_WG_COOKIE_REPLY_LEN);
  self->counters.cookie_replies_sent++;
  self->counters.handshakes_under_load++;
  return FALSE;
}

static SyWgIndexEntry *
lookup_index (SyWgDevice   *self,
              const guint8 *data,
              gsize         length)
{
  return g_hash_table_lookup (self->indices,
                              GUINT_TO_POINTER (sy_wg_message_receiver_index (data, length)));
}

static void
handle_datagram (SyWgDevice         *self,
                 guint8             *data,
                 gsize               length,
                 const SyWgEndpoint *source)
{
  SyWgIndexEntry *entry;
  SyWgDevicePeer *peer;
  SyWgMessageType type = sy_wg_message_classify (data, length);

  switch (type)
    {
    case SY_WG_MESSAGE_INITIATION:
      if (!check_handshake_macs (self, data, length, source))
        return;
      peer = sy_wg_handshake_consume_initiation (&self->identity,
                                                 (const SyWgMessageInitiation *) (gpointer) data,
                                                 self->now, lookup_peer_cb, self);
      if (peer == NULL)
        {
          self->counters.rx_invalid++;
          return;
        }
      sy_wg_device_peer_answer_initiation (peer, source);
      return;

    case SY_WG_MESSAGE_RESPONSE:
      if (!check_handshake_macs (self, data, length, source))
        return;
      entry = lookup_index (self, data, length);
      if (entry == NULL || entry->session != NULL)
        {
          self->counters.rx_invalid++;
          return;
        }
      sy_wg_device_peer_receive_response (entry->peer,
                                          (const SyWgMessageResponse *) (gpointer) data, source);
      return;

    case SY_WG_MESSAGE_COOKIE:
      /* It answers our initiation (a handshake index) or our response (a
       * session's index). */
      entry = lookup_index (self, data, length);
      if (entry == NULL)
        {
          self->counters.rx_invalid++;
          return;
        }
      sy_wg_device_peer_receive_cookie (entry->peer,
                                        (const SyWgMessageCookieReply *) (gpointer) data);
      return;

    case SY_WG_MESSAGE_TRANSPORT:
      entry = lookup_index (self, data, length);
      if (entry == NULL || entry->session == NULL)
        {
          self->counters.rx_invalid++;
          return;
        }
      sy_wg_device_peer_receive_transport (entry->peer, entry->session, data, length, source);
      return;

    case SY_WG_MESSAGE_INVALID:
    default:
      self->counters.rx_invalid++;
      return;
    }
}

static void
receive_from (SyWgDevice *self,
              int         fd)
{
  for (guint round = 0; round < RX_ROUNDS && self->running; round++)
    {
      int n;

      for (guint i = 0; i < SY_WG_RX_BATCH; i++)
        {
          self->rx_msgs[i].msg_hdr.msg_namelen = sizeof self->rx_names[i];
          self->rx_msgs[i].msg_hdr.msg_flags = 0;
          self->rx_msgs[i].msg_len = 0;
        }

      n = recvmmsg (fd, self->rx_msgs, SY_WG_RX_BATCH, MSG_DONTWAIT, NULL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;

      sy_wg_device_update_now (self);
      for (int i = 0; i < n && self->running; i++)
        {
          struct msghdr *hdr = &self->rx_msgs[i].msg_hdr;
          SyWgEndpoint source;

          self->counters.rx_datagrams++;
          if (hdr->msg_flags & MSG_TRUNC)
            {
              self->counters.rx_truncated++;
              continue;
            }
          if (!sy_wg_endpoint_set_sockaddr (&source, hdr->msg_name, hdr->msg_namelen))
            continue;
          handle_datagram (self, self->rx_buffers + (gsize) i * self->slot_size,
                           self->rx_msgs[i].msg_len, &source);
        }

      if (n < SY_WG_RX_BATCH)
        break;
    }

  /* Handshake answers and keepalives go out now rather than after the
   * next poll. */
  if (self->running)
    sy_wg_device_flush (self);
}

typedef struct
{
  GSource     source;
  SyWgDevice *device;
} RxSource;

static gboolean
rx_source_dispatch (GSource     *source,
                    GSourceFunc  callback,
                    gpointer     user_data)
{
  SyWgDevice *self = ((RxSource *) source)->device;
  g_autoptr(SyWgDevice) hold = g_object_ref (self);
  int fd4 = self->fd4;
  int fd6 = self->fd6;
  gpointer tag4 = self->rx_tag4;
  gpointer tag6 = self->rx_tag6;

  if (tag4 != NULL && (g_source_query_unix_fd (source, tag4) & (G_IO_IN | G_IO_ERR)))
    receive_from (self, fd4);
  if (tag6 != NULL && self->running && self->rx_source == source &&
      (g_source_query_unix_fd (source, tag6) & (G_IO_IN | G_IO_ERR)))
    receive_from (self, fd6);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs rx_source_funcs = {
  .dispatch = rx_source_dispatch,
};

/* ---- sockets ------------------------------------------------------------- */

static void
allocate_buffers (SyWgDevice *self)
{
  guint mtu;

  if (self->rx_buffers != NULL)
    return;

  /* Room for the largest packet a peer with a 1500-byte MTU (or ours, if
   * larger) sends, padded, with WireGuard's 32 bytes around it. Larger
   * datagrams are truncated by the kernel and dropped (rx_truncated). */
  mtu = MAX (self->profile->mtu, 1500);
  self->slot_size = (mtu + SY_WG_TRANSPORT_PADDING + SY_WG_TRANSPORT_OVERHEAD + 63) & ~(gsize) 63;

  self->rx_buffers = g_malloc (SY_WG_RX_BATCH * self->slot_size);
  self->tx_buffers = g_malloc (SY_WG_TX_BATCH * self->slot_size);
  for (guint i = 0; i < SY_WG_RX_BATCH; i++)
    {
      self->rx_iov[i].iov_base = self->rx_buffers + (gsize) i * self->slot_size;
      self->rx_iov[i].iov_len = self->slot_size;
      self->rx_msgs[i].msg_hdr.msg_iov = &self->rx_iov[i];
      self->rx_msgs[i].msg_hdr.msg_iovlen = 1;
      self->rx_msgs[i].msg_hdr.msg_name = &self->rx_names[i];
      self->rx_msgs[i].msg_hdr.msg_namelen = sizeof self->rx_names[i];
    }
  for (guint i = 0; i < SY_WG_TX_BATCH; i++)
    {
      self->tx_iov[i].iov_base = self->tx_buffers + (gsize) i * self->slot_size;
      self->tx_msgs[i].msg_hdr.msg_iov = &self->tx_iov[i];
      self->tx_msgs[i].msg_hdr.msg_iovlen = 1;
      self->tx_msgs[i].msg_hdr.msg_name = &self->tx_endpoints[i].addr;
    }
}

gboolean
sy_wg_device_open_sockets (SyWgDevice  *self,
                           guint16      port,
                           GError     **error)
{
  g_autoptr(GSocket) socket4 = NULL;
  g_autoptr(GSocket) socket6 = NULL;
  g_autoptr(GError) error4 = NULL;
  g_autoptr(GError) error6 = NULL;
  guint16 bound = 0;

  g_assert (self->socket4 == NULL && self->socket6 == NULL);

  /* With an ephemeral port, the port the IPv4 socket got may be taken for
   * IPv6: try a few others. */
  for (guint attempt = 0; attempt < 16; attempt++)
    {
      g_clear_object (&socket4);
      g_clear_object (&socket6);
      g_clear_error (&error4);
      g_clear_error (&error6);

      socket4 = open_socket (G_SOCKET_FAMILY_IPV4, port, &error4);
      bound = socket4 != NULL ? socket_port (socket4) : port;
      socket6 = open_socket (G_SOCKET_FAMILY_IPV6, bound, &error6);
      if (socket6 == NULL && socket4 != NULL && port == 0 &&
          g_error_matches (error6, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        continue;
      break;
    }

  if (socket4 == NULL && socket6 == NULL)
    {
      int code = error4 != NULL && error4->domain == G_IO_ERROR ? error4->code : G_IO_ERROR_FAILED;

      g_set_error (error, G_IO_ERROR, code,
                   "Cannot open the WireGuard UDP socket on port %u: %s", port,
                   error4 != NULL ? error4->message : "unknown error");
      return FALSE;
    }
  /* A ListenPort someone else holds on either family is an error the user
   * must see, not a silent half-working interface. */
  if (port != 0 &&
      (g_error_matches (error4, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE) ||
       g_error_matches (error6, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                   "WireGuard ListenPort %u is already in use; choose another port or stop "
                   "the program that holds it", port);
      return FALSE;
    }
  if (socket6 == NULL)
    g_debug ("WireGuard: no IPv6 socket (%s); IPv4 only", error6->message);
  if (socket4 == NULL)
    g_debug ("WireGuard: no IPv4 socket (%s); IPv6 only", error4->message);

  allocate_buffers (self);

  self->socket4 = g_steal_pointer (&socket4);
  self->socket6 = g_steal_pointer (&socket6);
  self->fd4 = self->socket4 != NULL ? g_socket_get_fd (self->socket4) : -1;
  self->fd6 = self->socket6 != NULL ? g_socket_get_fd (self->socket6) : -1;
  self->port = socket_port (self->socket4 != NULL ? self->socket4 : self->socket6);

  self->rx_source = g_source_new (&rx_source_funcs, sizeof (RxSource));
  ((RxSource *) self->rx_source)->device = self;
  g_source_set_static_name (self->rx_source, "[switchyard] WireGuard UDP");
  if (self->fd4 >= 0)
    self->rx_tag4 = g_source_add_unix_fd (self->rx_source, self->fd4, G_IO_IN | G_IO_ERR);
  if (self->fd6 >= 0)
    self->rx_tag6 = g_source_add_unix_fd (self->rx_source, self->fd6, G_IO_IN | G_IO_ERR);
  g_source_attach (self->rx_source, g_main_context_get_thread_default ());
  return TRUE;
}

void
sy_wg_device_close_sockets (SyWgDevice *self)
{
  self->tx_count = 0;
  if (self->rx_source != NULL)
    {
      g_source_destroy (self->rx_source);
      g_clear_pointer (&self->rx_source, g_source_unref);
    }
  self->rx_tag4 = NULL;
  self->rx_tag6 = NULL;
  if (self->socket4 != NULL)
    g_socket_close (self->socket4, NULL);
  if (self->socket6 != NULL)
    g_socket_close (self->socket6, NULL);
  g_clear_object (&self->socket4);
  g_clear_object (&self->socket6);
  self->fd4 = -1;
  self->fd6 = -1;
  self->port = 0;
}

guint
sy_wg_device_get_families (SyWgDevice *self)
{
  return (self->fd4 >= 0 ? SY_WG_ENDPOINT_FAMILY_IPV4 : 0) |
         (self->fd6 >= 0 ? SY_WG_ENDPOINT_FAMILY_IPV6 : 0);
}

static int
fd_for (SyWgDevice         *self,
        const SyWgEndpoint *endpoint)
{
  switch (sy_wg_endpoint_get_family (endpoint))
    {
    case AF_INET:
      return self->fd4;
    case AF_INET6:
      return self->fd6;
    default:
      return -1;
    }
}

gboolean
sy_wg_device_can_send_to (SyWgDevice         *self,
                          const SyWgEndpoint *endpoint)
{
  return fd_for (self, endpoint) >= 0;
}

/* ---- sending ------------------------------------------------------------- */

guint8 *
sy_wg_device_reserve_datagram (SyWgDevice *self,
                               gsize       length)
{
  g_assert (self->tx_buffers != NULL);

  if (length > self->slot_size)
    {
      /* Rare (a packet over the MTU): send what is batched first, to keep
       * the order, then this one on its own. */
      sy_wg_device_flush (self);
      if (self->tx_large_size < length)
        {
          g_free (self->tx_large);
          self->tx_large = g_malloc (length);
          self->tx_large_size = length;
        }
      return self->tx_large;
    }
  if (self->tx_count == SY_WG_TX_BATCH)
    sy_wg_device_flush (self);
  return self->tx_buffers + (gsize) self->tx_count * self->slot_size;
}

void
sy_wg_device_commit_datagram (SyWgDevice         *self,
                              const SyWgEndpoint *endpoint,
                              gsize               length)
{
  guint i;

  if (length > self->slot_size)
    {
      int fd = fd_for (self, endpoint);

      if (fd < 0 ||
          sendto (fd, self->tx_large, length, MSG_DONTWAIT, &endpoint->addr.sa, endpoint->len) < 0)
        self->counters.tx_errors++;
      else
        self->counters.tx_datagrams++;
      return;
    }

  i = self->tx_count++;
  self->tx_endpoints[i] = *endpoint;
  self->tx_iov[i].iov_len = length;
  self->tx_msgs[i].msg_hdr.msg_namelen = endpoint->len;
  if (self->deferred_source != NULL && i == 0)
    g_source_set_ready_time (self->deferred_source, 0);
  if (self->tx_count == SY_WG_TX_BATCH)
    sy_wg_device_flush (self);
}

void
sy_wg_device_flush (SyWgDevice *self)
{
  guint start = 0;

  while (start < self->tx_count)
    {
      int family = sy_wg_endpoint_get_family (&self->tx_endpoints[start]);
      int fd = fd_for (self, &self->tx_endpoints[start]);
      guint end = start + 1;
      int sent;

      while (end < self->tx_count &&
             sy_wg_endpoint_get_family (&self->tx_endpoints[end]) == family)
        end++;

      if (fd < 0)
        {
          self->counters.tx_errors += end - start;
          start = end;
          continue;
        }

      sent = sendmmsg (fd, self->tx_msgs + start, end - start, MSG_DONTWAIT);
      if (sent < 0 && errno == EINTR)
        continue;
      if (sent <= 0)
        {
          /* The first one failed (no route, buffer full: UDP may drop);
           * skip it and go on with the rest. */
          self->counters.tx_errors++;
          start++;
          continue;
        }
      self->counters.tx_datagrams += (guint) sent;
      start += (guint) sent;
    }
  self->tx_count = 0;
}

gboolean
sy_wg_device_rebind (SyWgDevice  *self,
                     GError     **error)
{
  guint16 old_port;

  g_return_val_if_fail (SY_IS_WG_DEVICE (self), FALSE);
  g_return_val_if_fail (self->running, FALSE);

  old_port = self->port;
  sy_wg_device_flush (self);
  sy_wg_device_close_sockets (self);
  for (guint attempt = 0; attempt < 8; attempt++)
    {
      if (!sy_wg_device_open_sockets (self, 0, error))
        return FALSE;
      if (self->port != old_port)
        return TRUE;
      sy_wg_device_close_sockets (self);
    }
  return sy_wg_device_open_sockets (self, 0, error);
}
