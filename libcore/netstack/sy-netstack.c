/* sy-netstack.c — one lwIP interface: addresses, packets in and out, listeners
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-netstack"

#include <string.h>

#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"

#include "sy-lwip-core.h"
#include "sy-netstack-private.h"
#include "util/sy-error.h"

typedef struct _Listener Listener;

struct _SyNetstack
{
  GObject               parent_instance;

  struct netif          netif;
  gboolean              netif_added;
  gboolean              has_ipv4;
  gboolean              has_ipv6;

  SyNetstackOutputFunc  output;
  gpointer              output_data;
  GDestroyNotify        output_destroy;
  gboolean              output_failed;
  /* Packets that lwIP built as a pbuf chain are gathered here: one buffer
   * per interface, grown to the largest packet, reused. */
  guint8               *gather;
  gsize                 gather_size;

  GHashTable           *listeners;       /* id → Listener */
  guint                 next_listener_id;
};

G_DEFINE_FINAL_TYPE (SyNetstack, sy_netstack, G_TYPE_OBJECT)

/* Listeners ---------------------------------------------------------------- */

struct _Listener
{
  grefcount             ref_count;
  SyNetstack           *netstack;        /* not a reference: the netstack owns us */
  guint                 id;
  struct tcp_pcb       *pcb;
  SyNetstackAcceptFunc  callback;
  gpointer              user_data;
  GDestroyNotify        destroy;
  GQueue                accepted;        /* SyNetstackTcpStream, not handed out yet */
  GSource              *dispatch;
};

static Listener *
listener_ref (Listener *listener)
{
  g_ref_count_inc (&listener->ref_count);
  return listener;
}

static void
listener_unref (Listener *listener)
{
  if (!g_ref_count_dec (&listener->ref_count))
    return;

  g_assert (listener->pcb == NULL);
  g_queue_clear_full (&listener->accepted, g_object_unref);
  g_free (listener);
}

/* Called when the netstack lets go of the listener. */
static void
listener_close (Listener *listener)
{
  if (listener->pcb != NULL)
    {
      tcp_arg (listener->pcb, NULL);
      tcp_accept (listener->pcb, NULL);
      tcp_close (listener->pcb);
      listener->pcb = NULL;
    }

  if (listener->dispatch != NULL)
    {
      g_source_destroy (listener->dispatch);
      g_clear_pointer (&listener->dispatch, g_source_unref);
    }

  /* connections nobody took: closed (reset if they sent something) */
  g_queue_clear_full (&listener->accepted, g_object_unref);

  if (listener->destroy != NULL)
    g_clear_pointer (&listener->user_data, listener->destroy);
  listener->callback = NULL;

  listener_unref (listener);
}

static gboolean
listener_dispatch_cb (gpointer user_data)
{
  Listener *listener = listener_ref (user_data);
  SyNetstack *self = g_object_ref (listener->netstack);
  SyNetstackTcpStream *stream;

  g_clear_pointer (&listener->dispatch, g_source_unref);

  /* The callback may unlisten; then the rest of the queue is gone. */
  while (listener->callback != NULL &&
         (stream = g_queue_pop_head (&listener->accepted)) != NULL)
    {
      GInetSocketAddress *remote = sy_netstack_tcp_stream_get_remote_address (stream);

      listener->callback (self, G_IO_STREAM (stream), remote, listener->user_data);
    }

  listener_unref (listener);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

/* In lwIP's input path: only record, hand out from the loop. */
static err_t
listener_accept_cb (void           *arg,
                    struct tcp_pcb *pcb,
                    err_t           err)
{
  Listener *listener = arg;

  if (listener == NULL || err != ERR_OK || pcb == NULL)
    return ERR_VAL;

  g_queue_push_tail (&listener->accepted,
                     sy_netstack_tcp_stream_new_accepted (listener->netstack, pcb));

  if (listener->dispatch == NULL)
    {
      listener->dispatch = g_idle_source_new ();
      g_source_set_priority (listener->dispatch, G_PRIORITY_DEFAULT);
      g_source_set_static_name (listener->dispatch, "[switchyard] netstack accept");
      g_source_set_callback (listener->dispatch, listener_dispatch_cb, listener, NULL);
      g_source_attach (listener->dispatch, sy_lwip_core_get_context ());
    }

  return ERR_OK;
}

guint
sy_netstack_listen (SyNetstack           *self,
                    guint16               port,
                    SyNetstackAcceptFunc  callback,
                    gpointer              user_data,
                    GDestroyNotify        destroy,
                    GError              **error)
{
  struct tcp_pcb *pcb;
  struct tcp_pcb *listen_pcb;
  Listener *listener;
  err_t err;

  g_return_val_if_fail (SY_IS_NETSTACK (self), 0);
  g_return_val_if_fail (callback != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  pcb = tcp_new_ip_type (IPADDR_TYPE_ANY);
  if (pcb == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                           "Out of memory for a TCP listener");
      return 0;
    }

  tcp_bind_netif (pcb, &self->netif);
  /* lwIP checks ports across all interfaces: a port taken in another
   * tunnel is taken here too. */
  err = tcp_bind (pcb, IP_ANY_TYPE, port);
  if (err != ERR_OK)
    {
      tcp_close (pcb);
      g_set_error (error, G_IO_ERROR, sy_lwip_err_to_io_error (err),
                   "Could not listen on port %u in the tunnel: %s", port,
                   err == ERR_USE ? "the port is in use" : lwip_strerr (err));
      return 0;
    }

  listen_pcb = tcp_listen_with_backlog_and_err (pcb, TCP_DEFAULT_LISTEN_BACKLOG, &err);
  if (listen_pcb == NULL)
    {
      tcp_close (pcb);
      g_set_error (error, G_IO_ERROR, sy_lwip_err_to_io_error (err),
                   "Could not listen on port %u in the tunnel: %s", port, lwip_strerr (err));
      return 0;
    }

  listener = g_new0 (Listener, 1);
  g_ref_count_init (&listener->ref_count);
  listener->netstack = self;
  listener->id = ++self->next_listener_id;
  listener->pcb = listen_pcb;
  listener->callback = callback;
  listener->user_data = user_data;
  listener->destroy = destroy;
  g_queue_init (&listener->accepted);

  tcp_arg (listen_pcb, listener);
  tcp_accept (listen_pcb, listener_accept_cb);

  g_hash_table_insert (self->listeners, GUINT_TO_POINTER (listener->id), listener);
  return listener->id;
}

void
sy_netstack_unlisten (SyNetstack *self,
                      guint       listener_id)
{
  g_return_if_fail (SY_IS_NETSTACK (self));

  /* the table's value destroy function closes it */
  if (!g_hash_table_remove (self->listeners, GUINT_TO_POINTER (listener_id)))
    g_warning ("sy_netstack_unlisten: no listener %u", listener_id);
}

/* Packets ------------------------------------------------------------------ */

static err_t
netstack_output (SyNetstack  *self,
                 struct pbuf *p)
{
  const guint8 *packet;

  if (self->output == NULL)
    return ERR_RTE;

  if (p->next == NULL)
    {
      packet = p->payload;
    }
  else
    {
      if (self->gather_size < p->tot_len)
        {
          g_free (self->gather);
          self->gather_size = MAX (p->tot_len, self->netif.mtu);
          self->gather = g_malloc (self->gather_size);
        }
      pbuf_copy_partial (p, self->gather, p->tot_len, 0);
      packet = self->gather;
    }

  if (!self->output (packet, p->tot_len, self->output_data))
    {
      self->output_failed = TRUE;
      return ERR_RTE;
    }

  return ERR_OK;
}

static err_t
netif_output_ip4_cb (struct netif     *netif,
                     struct pbuf      *p,
                     const ip4_addr_t *address)
{
  return netstack_output (netif->state, p);
}

static err_t
netif_output_ip6_cb (struct netif     *netif,
                     struct pbuf      *p,
                     const ip6_addr_t *address)
{
  return netstack_output (netif->state, p);
}

static err_t
netif_init_cb (struct netif *netif)
{
  netif->name[0] = 's';
  netif->name[1] = 'y';
  netif->output = netif_output_ip4_cb;
  netif->output_ip6 = netif_output_ip6_cb;
  /* no link layer: nothing to resolve, nothing to broadcast */
  netif->flags = 0;
  return ERR_OK;
}

/* Whether @packet is an IP fragment: then lwIP's reassembly holds state
 * that needs its timer. */
static gboolean
packet_is_fragment (const guint8 *packet,
                    gsize         length)
{
  guint8 next;
  gsize offset;

  if (length >= 20 && (packet[0] >> 4) == 4)
    return ((packet[6] << 8 | packet[7]) & 0x3fff) != 0;   /* MF or an offset */

  if (length < 40 || (packet[0] >> 4) != 6)
    return FALSE;

  /* RFC 8200 §4.1: the Fragment header follows Hop-by-Hop, Routing and
   * Destination Options headers, if any. */
  next = packet[6];
  offset = 40;
  for (guint i = 0; i < 8; i++)
    {
      if (next == 44)
        return TRUE;
      if ((next != 0 && next != 43 && next != 60) || offset + 2 > length)
        return FALSE;
      next = packet[offset];
      offset += (packet[offset + 1] + 1) * 8;
    }

  return FALSE;
}

void
sy_netstack_input (SyNetstack   *self,
                   const guint8 *packet,
                   gsize         length)
{
  struct pbuf *p;

  g_return_if_fail (SY_IS_NETSTACK (self));
  g_return_if_fail (packet != NULL || length == 0);

  /* a pbuf holds at most 64 KiB, as does an IP packet without jumbograms */
  if (length == 0 || length > G_MAXUINT16)
    return;

  p = pbuf_alloc (PBUF_RAW, (u16_t) length, PBUF_RAM);
  if (p == NULL)
    return;
  memcpy (p->payload, packet, length);

  if (packet_is_fragment (packet, length))
    sy_lwip_core_note_fragment ();

  /* A UDP callback may drop the last reference to this netstack while
   * lwIP still walks its interface. */
  g_object_ref (self);
  if (self->netif.input (p, &self->netif) != ERR_OK)
    pbuf_free (p);
  sy_lwip_core_kick ();
  g_object_unref (self);
}

/* Shared with the other files ----------------------------------------------- */

struct netif *
sy_netstack_get_netif (SyNetstack *self)
{
  return &self->netif;
}

gboolean
sy_netstack_has_family (SyNetstack    *self,
                        GSocketFamily  family)
{
  return family == G_SOCKET_FAMILY_IPV6 ? self->has_ipv6 : self->has_ipv4;
}

void
sy_netstack_reset_output_failed (SyNetstack *self)
{
  self->output_failed = FALSE;
}

gboolean
sy_netstack_get_output_failed (SyNetstack *self)
{
  return self->output_failed;
}

/* Tear-down --------------------------------------------------------------- */

static void
abort_pcbs (struct tcp_pcb **list,
            u8_t             netif_index)
{
  gboolean again = TRUE;

  /* tcp_abort() edits the list: start over after each */
  while (again)
    {
      again = FALSE;
      for (struct tcp_pcb *pcb = *list; pcb != NULL; pcb = pcb->next)
        {
          if (pcb->netif_idx == netif_index)
            {
              tcp_abort (pcb);
              again = TRUE;
              break;
            }
        }
    }
}

void
sy_netstack_abort_connections (SyNetstack *self)
{
  u8_t index;

  g_return_if_fail (SY_IS_NETSTACK (self));

  if (!self->netif_added)
    return;

  index = netif_get_index (&self->netif);
  abort_pcbs (&tcp_active_pcbs, index);
  abort_pcbs (&tcp_tw_pcbs, index);
  abort_pcbs (&tcp_bound_pcbs, index);
  sy_lwip_core_kick ();
}

static void
sy_netstack_dispose (GObject *object)
{
  SyNetstack *self = SY_NETSTACK (object);

  g_hash_table_remove_all (self->listeners);

  if (self->netif_added)
    {
      sy_netstack_abort_connections (self);

      /* netif_remove() tells TCP that the interface's addresses went away,
       * and TCP aborts every connection from such an address — on any
       * interface, including another tunnel with the same address. Ours
       * are gone already, so the addresses are cleared without telling. */
      ip_addr_set_zero_ip4 (&self->netif.ip_addr);
      for (guint i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++)
        self->netif.ip6_addr_state[i] = IP6_ADDR_INVALID;

      netif_remove (&self->netif);
      self->netif_added = FALSE;
    }

  if (self->output_destroy != NULL)
    g_clear_pointer (&self->output_data, self->output_destroy);
  self->output = NULL;

  G_OBJECT_CLASS (sy_netstack_parent_class)->dispose (object);
}

static void
sy_netstack_finalize (GObject *object)
{
  SyNetstack *self = SY_NETSTACK (object);

  g_clear_pointer (&self->listeners, g_hash_table_unref);
  g_clear_pointer (&self->gather, g_free);

  G_OBJECT_CLASS (sy_netstack_parent_class)->finalize (object);
}

static void
sy_netstack_class_init (SyNetstackClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_netstack_dispose;
  object_class->finalize = sy_netstack_finalize;
}

static void
sy_netstack_init (SyNetstack *self)
{
  self->listeners = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) listener_close);
}

SyNetstack *
sy_netstack_new (const SyWgPrefix      *addresses,
                 guint                  n_addresses,
                 guint                  mtu,
                 SyNetstackOutputFunc   output,
                 gpointer               output_data,
                 GDestroyNotify         output_destroy,
                 GError               **error)
{
  g_autoptr(SyNetstack) self = NULL;
  ip4_addr_t ip4 = { 0 };
  ip4_addr_t netmask;
  ip4_addr_t gateway = { 0 };
  guint n_ipv6 = 0;

  g_return_val_if_fail (addresses != NULL || n_addresses == 0, NULL);
  g_return_val_if_fail (output != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (mtu < 576 || mtu > G_MAXUINT16)
    {
      g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                   "An MTU of %u is not possible (576 to 65535)", mtu);
      return NULL;
    }

  if (n_addresses == 0)
    {
      g_set_error_literal (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                           "The tunnel interface needs an address");
      return NULL;
    }

  sy_lwip_core_init ();

  self = g_object_new (SY_TYPE_NETSTACK, NULL);

  /* The netif takes one IPv4 address; a second one would need a second
   * interface, which no WireGuard provider hands out. */
  for (guint i = 0; i < n_addresses; i++)
    {
      if (addresses[i].family == 4 && !self->has_ipv4)
        {
          memcpy (&ip4.addr, addresses[i].bytes, 4);
          self->has_ipv4 = TRUE;
        }
      else if (addresses[i].family == 4)
        {
          g_autofree char *text = sy_wg_prefix_address_to_string (&addresses[i]);

          g_message ("netstack: ignoring the second IPv4 address %s", text);
        }
    }

  /* a point-to-point interface: nothing else is on its link */
  ip4_addr_set_u32 (&netmask, PP_HTONL (0xffffffffUL));
  if (netif_add (&self->netif, &ip4, &netmask, &gateway, self, netif_init_cb, ip_input) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                           "Too many tunnel interfaces (lwIP takes 254)");
      return NULL;
    }
  self->netif_added = TRUE;
  self->netif.mtu = mtu;

  for (guint i = 0; i < n_addresses; i++)
    {
      ip6_addr_t ip6;
      s8_t index;

      if (addresses[i].family != 6)
        continue;

      memcpy (ip6.addr, addresses[i].bytes, 16);
      ip6_addr_clear_zone (&ip6);
      ip6_addr_assign_zone (&ip6, IP6_UNICAST, &self->netif);
      if (netif_add_ip6_address (&self->netif, &ip6, &index) != ERR_OK)
        {
          g_autofree char *text = sy_wg_prefix_address_to_string (&addresses[i]);

          g_message ("netstack: ignoring the IPv6 address %s (at most %d)",
                     text, LWIP_IPV6_NUM_ADDRESSES);
          continue;
        }
      /* No duplicate address detection on a point-to-point tunnel. */
      netif_ip6_addr_set_state (&self->netif, index, IP6_ADDR_PREFERRED);
      n_ipv6++;
    }
  self->has_ipv6 = n_ipv6 > 0;

  if (!self->has_ipv4 && !self->has_ipv6)
    {
      g_set_error_literal (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                           "The tunnel interface has no usable address");
      return NULL;
    }

  netif_set_up (&self->netif);
  netif_set_link_up (&self->netif);

  /* Only now: a failed construction leaves @output_data to the caller. */
  self->output = output;
  self->output_data = output_data;
  self->output_destroy = output_destroy;

  return g_steal_pointer (&self);
}
