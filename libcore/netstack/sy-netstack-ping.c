/* sy-netstack-ping.c — ICMP and ICMPv6 echo through the tunnel
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One echo request (RFC 792, RFC 4443 §4.1) from a raw socket of the
 * interface, with a random identifier; the reply must come from the
 * address asked and repeat the identifier, sequence number and payload.
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-netstack"

#include <string.h>

#include "lwip/inet_chksum.h"
#include "lwip/pbuf.h"
#include "lwip/raw.h"
#include "lwip/prot/icmp.h"
#include "lwip/prot/icmp6.h"
#include "lwip/prot/ip.h"

#include "sy-lwip-core.h"
#include "sy-netstack-private.h"

#define ECHO_HEADER_LEN  8
#define ECHO_PAYLOAD_LEN 56     /* as ping(8) */
#define ICMP6_PROTO      58

typedef struct
{
  SyNetstack     *netstack;
  GTask          *task;
  struct raw_pcb *pcb;
  ip_addr_t       target;
  guint16         id;
  guint16         seq;
  guint8          payload[ECHO_PAYLOAD_LEN];
  gint64          sent_at;
  gint64          rtt;
  GSource        *timeout;
  GSource        *finish;
  GSource        *cancel;
} Ping;

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
ping_complete (Ping   *ping,
               GError *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&ping->task);

  if (ping->pcb != NULL)
    raw_remove (ping->pcb);
  destroy_source (&ping->timeout);
  destroy_source (&ping->finish);
  destroy_source (&ping->cancel);
  g_clear_object (&ping->netstack);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, ping->rtt);

  g_free (ping);
}

static gboolean
ping_finish_cb (gpointer user_data)
{
  Ping *ping = user_data;

  g_clear_pointer (&ping->finish, g_source_unref);
  ping_complete (ping, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
ping_timeout_cb (gpointer user_data)
{
  Ping *ping = user_data;
  g_autoptr(GInetAddress) address = sy_lwip_addr_to_inet (&ping->target);
  g_autofree char *target = g_inet_address_to_string (address);

  g_clear_pointer (&ping->timeout, g_source_unref);
  ping_complete (ping, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                    "No echo reply from %s through the tunnel", target));
  return G_SOURCE_REMOVE;
}

static gboolean
ping_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  Ping *ping = user_data;
  GError *error = NULL;

  g_clear_pointer (&ping->cancel, g_source_unref);
  g_cancellable_set_error_if_cancelled (cancellable, &error);
  ping_complete (ping, error);
  return G_SOURCE_REMOVE;
}

/* Whether @p (an IP packet from @from) is the reply to @ping. */
static gboolean
ping_is_reply (Ping            *ping,
               struct pbuf     *p,
               const ip_addr_t *from)
{
  guint8 packet[60 + ECHO_HEADER_LEN + ECHO_PAYLOAD_LEN];
  gsize length = MIN (p->tot_len, sizeof packet);
  gsize header_len;
  guint8 reply_type;
  const guint8 *echo;

  if (!ip_addr_eq (from, &ping->target))
    return FALSE;

  pbuf_copy_partial (p, packet, length, 0);

  if (IP_IS_V6 (&ping->target))
    {
      header_len = 40;
      reply_type = ICMP6_TYPE_EREP;
    }
  else
    {
      header_len = (packet[0] & 0x0f) * 4;
      reply_type = ICMP_ER;
    }

  if (length != header_len + ECHO_HEADER_LEN + ECHO_PAYLOAD_LEN)
    return FALSE;

  echo = packet + header_len;
  return echo[0] == reply_type && echo[1] == 0 &&
         (echo[4] << 8 | echo[5]) == ping->id &&
         (echo[6] << 8 | echo[7]) == ping->seq &&
         memcmp (echo + ECHO_HEADER_LEN, ping->payload, ECHO_PAYLOAD_LEN) == 0;
}

/* In lwIP's input path: record and finish from the loop. Returning 1
 * means the packet was ours (and freed). */
static u8_t
ping_recv_cb (void            *arg,
              struct raw_pcb  *pcb,
              struct pbuf     *p,
              const ip_addr_t *from)
{
  Ping *ping = arg;

  if (ping->task == NULL || ping->finish != NULL || !ping_is_reply (ping, p, from))
    return 0;

  ping->rtt = g_get_monotonic_time () - ping->sent_at;
  pbuf_free (p);

  ping->finish = g_idle_source_new ();
  g_source_set_priority (ping->finish, G_PRIORITY_DEFAULT);
  g_source_set_static_name (ping->finish, "[switchyard] netstack echo reply");
  g_source_set_callback (ping->finish, ping_finish_cb, ping, NULL);
  g_source_attach (ping->finish, sy_lwip_core_get_context ());
  return 1;
}

static struct pbuf *
ping_build_request (Ping *ping)
{
  struct pbuf *p = pbuf_alloc (PBUF_IP, ECHO_HEADER_LEN + ECHO_PAYLOAD_LEN, PBUF_RAM);
  guint8 *echo;

  if (p == NULL)
    return NULL;

  echo = p->payload;
  echo[0] = IP_IS_V6 (&ping->target) ? ICMP6_TYPE_EREQ : ICMP_ECHO;
  echo[1] = 0;
  echo[2] = echo[3] = 0;
  echo[4] = ping->id >> 8;
  echo[5] = ping->id & 0xff;
  echo[6] = ping->seq >> 8;
  echo[7] = ping->seq & 0xff;
  memcpy (echo + ECHO_HEADER_LEN, ping->payload, ECHO_PAYLOAD_LEN);

  /* ICMPv6 sums a pseudo-header: lwIP fills that in (chksum_reqd) */
  if (!IP_IS_V6 (&ping->target))
    {
      u16_t sum = inet_chksum (echo, ECHO_HEADER_LEN + ECHO_PAYLOAD_LEN);

      memcpy (echo + 2, &sum, 2);
    }

  return p;
}

void
sy_netstack_ping_async (SyNetstack          *self,
                        GInetAddress        *address,
                        guint                timeout_ms,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  struct pbuf *p;
  gboolean v6;
  Ping *ping;
  err_t err;

  g_return_if_fail (SY_IS_NETSTACK (self));
  g_return_if_fail (G_IS_INET_ADDRESS (address));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_netstack_ping_async);

  ping = g_new0 (Ping, 1);
  ping->netstack = g_object_ref (self);
  ping->task = g_steal_pointer (&task);
  sy_lwip_addr_from_inet (&ping->target, address);
  v6 = IP_IS_V6 (&ping->target);
  ping->id = (guint16) g_random_int ();
  ping->seq = 1;
  for (guint i = 0; i < ECHO_PAYLOAD_LEN; i++)
    ping->payload[i] = (guint8) g_random_int ();

  if (!sy_netstack_has_family (self, v6 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4))
    {
      ping_complete (ping, g_error_new (G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE,
                                        "The tunnel has no %s address", v6 ? "IPv6" : "IPv4"));
      return;
    }

  ping->pcb = raw_new_ip_type (v6 ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4,
                               v6 ? ICMP6_PROTO : IP_PROTO_ICMP);
  if (ping->pcb == NULL)
    {
      ping_complete (ping, g_error_new (G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                                        "No raw socket for an echo request"));
      return;
    }
  raw_bind_netif (ping->pcb, sy_netstack_get_netif (self));
  if (v6)
    {
      ping->pcb->chksum_reqd = 1;
      ping->pcb->chksum_offset = 2;
      if (ip6_addr_lacks_zone (ip_2_ip6 (&ping->target), IP6_UNICAST))
        ip6_addr_assign_zone (ip_2_ip6 (&ping->target), IP6_UNICAST,
                              sy_netstack_get_netif (self));
    }
  raw_recv (ping->pcb, ping_recv_cb, ping);

  p = ping_build_request (ping);
  if (p == NULL)
    {
      ping_complete (ping, g_error_new (G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                                        "No memory for an echo request"));
      return;
    }

  sy_netstack_reset_output_failed (self);
  ping->sent_at = g_get_monotonic_time ();
  err = raw_sendto (ping->pcb, p, &ping->target);
  pbuf_free (p);

  if (err != ERR_OK || sy_netstack_get_output_failed (self))
    {
      ping_complete (ping, g_error_new (G_IO_ERROR, err == ERR_OK || err == ERR_RTE
                                        ? G_IO_ERROR_HOST_UNREACHABLE
                                        : sy_lwip_err_to_io_error (err),
                                        "Could not send an echo request: %s",
                                        err == ERR_OK ? "no route" : lwip_strerr (err)));
      return;
    }

  ping->timeout = g_timeout_source_new (timeout_ms);
  g_source_set_static_name (ping->timeout, "[switchyard] netstack echo timeout");
  g_source_set_callback (ping->timeout, ping_timeout_cb, ping, NULL);
  g_source_attach (ping->timeout, sy_lwip_core_get_context ());

  if (cancellable != NULL)
    {
      ping->cancel = g_cancellable_source_new (cancellable);
      g_source_set_static_name (ping->cancel, "[switchyard] netstack echo cancelled");
      g_source_set_callback (ping->cancel, G_SOURCE_FUNC (ping_cancelled_cb), ping, NULL);
      g_source_attach (ping->cancel, sy_lwip_core_get_context ());
    }
}

gint64
sy_netstack_ping_finish (SyNetstack    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (SY_IS_NETSTACK (self), -1);
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_netstack_ping_async, -1);

  return g_task_propagate_int (G_TASK (result), error);
}
