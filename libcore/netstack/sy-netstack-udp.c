/* sy-netstack-udp.c — UDP sockets inside the tunnel
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-netstack"

#include <string.h>

#include "lwip/pbuf.h"
#include "lwip/udp.h"

#include "sy-lwip-core.h"
#include "sy-netstack-private.h"

struct _SyNetstackUdp
{
  SyNetstack            *netstack;
  struct udp_pcb        *pcb;
  SyNetstackUdpRecvFunc  callback;
  gpointer               user_data;

  /* A datagram that arrived in several pbufs is gathered here. */
  guint8                *gather;
  gsize                  gather_size;

  /* Replies mostly come from the one peer: keep its address object
   * rather than make one per datagram. */
  GInetSocketAddress    *last_from;
  ip_addr_t              last_from_ip;
  u16_t                  last_from_port;
};

static GInetSocketAddress *
udp_from_address (SyNetstackUdp   *self,
                  const ip_addr_t *address,
                  u16_t            port)
{
  if (self->last_from == NULL || port != self->last_from_port ||
      !ip_addr_eq (address, &self->last_from_ip))
    {
      g_clear_object (&self->last_from);
      self->last_from = sy_lwip_socket_address_new (address, port);
      ip_addr_copy (self->last_from_ip, *address);
      self->last_from_port = port;
    }

  return self->last_from;
}

static void
udp_recv_cb (void            *arg,
             struct udp_pcb  *pcb,
             struct pbuf     *p,
             const ip_addr_t *address,
             u16_t            port)
{
  SyNetstackUdp *self = arg;
  g_autoptr(GInetSocketAddress) from = NULL;
  const guint8 *data;

  if (p->next == NULL)
    {
      data = p->payload;
    }
  else
    {
      if (self->gather_size < p->tot_len)
        {
          g_free (self->gather);
          self->gather_size = MAX (p->tot_len, 2048);
          self->gather = g_malloc (self->gather_size);
        }
      pbuf_copy_partial (p, self->gather, p->tot_len, 0);
      data = self->gather;
    }

  /* the callback may free the socket, and its address with it */
  from = g_object_ref (udp_from_address (self, address, port));
  self->callback (self, data, p->tot_len, from, self->user_data);
  pbuf_free (p);
}

SyNetstackUdp *
sy_netstack_udp_new (SyNetstack            *netstack,
                     guint16                local_port,
                     SyNetstackUdpRecvFunc  callback,
                     gpointer               user_data,
                     GError               **error)
{
  SyNetstackUdp *self;
  struct udp_pcb *pcb;
  err_t err;

  g_return_val_if_fail (SY_IS_NETSTACK (netstack), NULL);
  g_return_val_if_fail (callback != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  pcb = udp_new_ip_type (IPADDR_TYPE_ANY);
  if (pcb == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                           "Out of memory for a UDP socket");
      return NULL;
    }

  udp_bind_netif (pcb, sy_netstack_get_netif (netstack));
  err = udp_bind (pcb, IP_ANY_TYPE, local_port);
  if (err != ERR_OK)
    {
      udp_remove (pcb);
      g_set_error (error, G_IO_ERROR, sy_lwip_err_to_io_error (err),
                   "Could not bind UDP port %u in the tunnel: %s", local_port,
                   err == ERR_USE ? "the port is in use" : lwip_strerr (err));
      return NULL;
    }

  self = g_new0 (SyNetstackUdp, 1);
  self->netstack = g_object_ref (netstack);
  self->pcb = pcb;
  self->callback = callback;
  self->user_data = user_data;
  udp_recv (pcb, udp_recv_cb, self);
  return self;
}

gboolean
sy_netstack_udp_send (SyNetstackUdp       *self,
                      const guint8        *data,
                      gsize                length,
                      GInetSocketAddress  *to,
                      GError             **error)
{
  ip_addr_t destination;
  struct pbuf *p;
  err_t err;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (to), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* 65535 - 8 (UDP header) - 20 (smallest IP header) */
  if (length > 65507)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                   "A datagram of %" G_GSIZE_FORMAT " bytes is too large for UDP", length);
      return FALSE;
    }

  sy_lwip_addr_from_inet (&destination, g_inet_socket_address_get_address (to));
  if (!sy_netstack_has_family (self->netstack, IP_IS_V6 (&destination)
                               ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE,
                   "The tunnel has no %s address", IP_IS_V6 (&destination) ? "IPv6" : "IPv4");
      return FALSE;
    }
  if (IP_IS_V6 (&destination) && ip6_addr_lacks_zone (ip_2_ip6 (&destination), IP6_UNICAST))
    ip6_addr_assign_zone (ip_2_ip6 (&destination), IP6_UNICAST,
                          sy_netstack_get_netif (self->netstack));

  p = pbuf_alloc (PBUF_TRANSPORT, (u16_t) length, PBUF_RAM);
  if (p == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                           "Out of memory for a datagram");
      return FALSE;
    }
  if (length > 0)
    memcpy (p->payload, data, length);

  sy_netstack_reset_output_failed (self->netstack);
  err = udp_sendto (self->pcb, p, &destination, g_inet_socket_address_get_port (to));
  pbuf_free (p);

  if (err == ERR_OK && sy_netstack_get_output_failed (self->netstack))
    err = ERR_RTE;
  if (err != ERR_OK)
    {
      g_set_error (error, G_IO_ERROR, sy_lwip_err_to_io_error (err),
                   "Could not send the datagram through the tunnel: %s",
                   err == ERR_RTE ? "no route to the host" : lwip_strerr (err));
      return FALSE;
    }

  return TRUE;
}

void
sy_netstack_udp_free (SyNetstackUdp *self)
{
  if (self == NULL)
    return;

  udp_remove (self->pcb);
  g_clear_object (&self->last_from);
  g_free (self->gather);
  g_object_unref (self->netstack);
  g_free (self);
}
