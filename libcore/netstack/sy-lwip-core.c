/* sy-lwip-core.c — lwIP's initialisation and timers on the GLib main loop
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-netstack"

#include <string.h>

#include "lwip/init.h"
#include "lwip/ip4_frag.h"
#include "lwip/ip6_frag.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"

#include "sy-lwip-core.h"

static GMainContext *core_context;
static GThread      *core_thread;
static GSource      *tcp_timer;
static GSource      *reass_timer;
static guint         reass_ticks_left;
static guint64       timer_runs;
static gboolean      in_tcp_timer;

void
sy_lwip_core_init (void)
{
  if (core_context != NULL)
    {
      /* lwIP is not thread-safe: one thread drives it */
      g_assert (core_thread == g_thread_self ());
      return;
    }

  core_context = g_main_context_ref_thread_default ();
  core_thread = g_thread_self ();
  lwip_init ();
}

GMainContext *
sy_lwip_core_get_context (void)
{
  g_assert (core_context != NULL);
  return core_context;
}

/* TCP timer ---------------------------------------------------------------
 *
 * lwIP's TCP timer does two things every 250 ms: tcp_fasttmr() (delayed
 * ACKs, data a callback refused, a close that could not send its FIN) and,
 * every other time, tcp_slowtmr() (retransmission, persist and keepalive
 * timers, timeouts of handshakes and closing states, TIME_WAIT, aging of
 * out-of-order data). A connection that is established (or half-closed)
 * with nothing in flight and no keepalive needs neither: it only waits for
 * the peer or the application, both of which kick the timer again. Its tcp_ticks-based
 * timestamps stand still meanwhile, which affects only those idle
 * timeouts, and they are kept running for exactly the states that use them.
 */

static gboolean
tcp_pcb_needs_timer (const struct tcp_pcb *pcb)
{
  switch (pcb->state)
    {
    case ESTABLISHED:
    case CLOSE_WAIT:
      break;
    case FIN_WAIT_2:
      /* A half-closed connection (our FIN sent, theirs not yet) may stay
       * so for as long as the peer sends; only a closed one times out. */
      if ((pcb->flags & TF_RXCLOSED) != 0)
        return TRUE;
      break;
    case CLOSED:
    case LISTEN:
    case SYN_SENT:
    case SYN_RCVD:
    case FIN_WAIT_1:
    case CLOSING:
    case LAST_ACK:
    case TIME_WAIT:
    default:
      return TRUE;
    }

  if (pcb->unsent != NULL || pcb->unacked != NULL || pcb->refused_data != NULL)
    return TRUE;
#if TCP_QUEUE_OOSEQ
  if (pcb->ooseq != NULL)
    return TRUE;
#endif
  if ((pcb->flags & (TF_ACK_DELAY | TF_ACK_NOW | TF_CLOSEPEND | TF_NAGLEMEMERR | TF_RTO)) != 0)
    return TRUE;
  if (pcb->persist_backoff > 0)
    return TRUE;
  if (ip_get_option (pcb, SOF_KEEPALIVE))
    return TRUE;
  return FALSE;
}

static gboolean
tcp_needs_timer (void)
{
  if (tcp_tw_pcbs != NULL)
    return TRUE;

  for (const struct tcp_pcb *pcb = tcp_active_pcbs; pcb != NULL; pcb = pcb->next)
    if (tcp_pcb_needs_timer (pcb))
      return TRUE;

  return FALSE;
}

static gboolean
tcp_timer_cb (gpointer user_data)
{
  timer_runs++;

  in_tcp_timer = TRUE;
  tcp_tmr ();
  in_tcp_timer = FALSE;

  if (tcp_needs_timer ())
    return G_SOURCE_CONTINUE;

  g_clear_pointer (&tcp_timer, g_source_unref);
  return G_SOURCE_REMOVE;
}

/* lwIP calls this whenever it puts a PCB on the active or TIME_WAIT list
 * (TCP_REG in tcp_priv.h). */
void
tcp_timer_needed (void)
{
  if (tcp_timer != NULL || core_context == NULL)
    return;

  tcp_timer = g_timeout_source_new (TCP_TMR_INTERVAL);
  g_source_set_static_name (tcp_timer, "[switchyard] lwIP TCP timer");
  g_source_set_callback (tcp_timer, tcp_timer_cb, NULL, NULL);
  g_source_attach (tcp_timer, core_context);
}

void
sy_lwip_core_kick (void)
{
  if (tcp_timer == NULL && (tcp_active_pcbs != NULL || tcp_tw_pcbs != NULL))
    tcp_timer_needed ();
}

gboolean
sy_lwip_core_in_tcp_timer (void)
{
  return in_tcp_timer;
}

/* Reassembly timers ------------------------------------------------------
 *
 * ip_reass_tmr() and ip6_reass_tmr() age incomplete datagrams once a second
 * and drop them at IP_REASS_MAXAGE / IPV6_REASS_MAXAGE. lwIP does not say
 * whether anything is pending, but nothing can be once the oldest fragment
 * has outlived the longer age, so the timer runs that long after the last
 * fragment and stops. */

#define REASS_TICKS (MAX (IP_REASS_MAXAGE, IPV6_REASS_MAXAGE) + 2)

static gboolean
reass_timer_cb (gpointer user_data)
{
  timer_runs++;

  ip_reass_tmr ();
  ip6_reass_tmr ();

  if (--reass_ticks_left > 0)
    return G_SOURCE_CONTINUE;

  g_clear_pointer (&reass_timer, g_source_unref);
  return G_SOURCE_REMOVE;
}

void
sy_lwip_core_note_fragment (void)
{
  reass_ticks_left = REASS_TICKS;
  if (reass_timer != NULL)
    return;

  reass_timer = g_timeout_source_new (IP_TMR_INTERVAL);
  g_source_set_static_name (reass_timer, "[switchyard] lwIP reassembly timer");
  g_source_set_callback (reass_timer, reass_timer_cb, NULL, NULL);
  g_source_attach (reass_timer, core_context);
}

gboolean
sy_lwip_core_timers_armed (void)
{
  return tcp_timer != NULL || reass_timer != NULL;
}

guint64
sy_lwip_core_get_timer_runs (void)
{
  return timer_runs;
}

/* Conversions ------------------------------------------------------------ */

void
sy_lwip_addr_from_inet (ip_addr_t    *out,
                        GInetAddress *address)
{
  const guint8 *bytes = g_inet_address_to_bytes (address);

  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4)
    {
      u32_t v4;

      memcpy (&v4, bytes, 4);
      ip_addr_set_ip4_u32_val (*out, v4);
      return;
    }

  /* ::ffff:a.b.c.d is IPv4 on the wire */
  if (memcmp (bytes, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
    {
      u32_t v4;

      memcpy (&v4, bytes + 12, 4);
      ip_addr_set_ip4_u32_val (*out, v4);
      return;
    }

  IP_SET_TYPE (out, IPADDR_TYPE_V6);
  memcpy (ip_2_ip6 (out)->addr, bytes, 16);
  ip6_addr_clear_zone (ip_2_ip6 (out));
}

GInetAddress *
sy_lwip_addr_to_inet (const ip_addr_t *address)
{
  if (IP_IS_V6 (address))
    return g_inet_address_new_from_bytes ((const guint8 *) ip_2_ip6 (address)->addr,
                                          G_SOCKET_FAMILY_IPV6);

  return g_inet_address_new_from_bytes ((const guint8 *) &ip_2_ip4 (address)->addr,
                                        G_SOCKET_FAMILY_IPV4);
}

GInetSocketAddress *
sy_lwip_socket_address_new (const ip_addr_t *address,
                            u16_t            port)
{
  g_autoptr(GInetAddress) inet = sy_lwip_addr_to_inet (address);

  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (inet, port));
}

GIOErrorEnum
sy_lwip_err_to_io_error (err_t err)
{
  switch (err)
    {
    case ERR_MEM:
    case ERR_BUF:
      return G_IO_ERROR_NO_SPACE;
    case ERR_TIMEOUT:
      return G_IO_ERROR_TIMED_OUT;
    case ERR_RTE:
      return G_IO_ERROR_HOST_UNREACHABLE;
    case ERR_INPROGRESS:
    case ERR_WOULDBLOCK:
      return G_IO_ERROR_WOULD_BLOCK;
    case ERR_VAL:
    case ERR_ARG:
      return G_IO_ERROR_INVALID_ARGUMENT;
    case ERR_USE:
      return G_IO_ERROR_ADDRESS_IN_USE;
    case ERR_ALREADY:
    case ERR_ISCONN:
      return G_IO_ERROR_PENDING;
    case ERR_CONN:
      return G_IO_ERROR_NOT_CONNECTED;
    case ERR_IF:
      return G_IO_ERROR_NETWORK_UNREACHABLE;
    case ERR_ABRT:
    case ERR_RST:
    case ERR_CLSD:
      return G_IO_ERROR_CONNECTION_CLOSED;
    case ERR_OK:
    default:
      return G_IO_ERROR_FAILED;
    }
}
