/* lwipopts.h — Switchyard's lwIP configuration
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lwIP runs inside the GLib main loop (NO_SYS=1) as the TCP/IP stack behind
 * the userspace WireGuard outbounds: one netif per WireGuard profile, no
 * link layer (IP packets go straight to the tunnel). Memory comes from the
 * C heap so the number of connections is not capped by static pools, and
 * the TCP windows are large enough for a single stream over a long path.
 */

#pragma once

#define NO_SYS                          1
#define LWIP_SOCKET                     0
#define LWIP_NETCONN                    0
#define SYS_LIGHTWEIGHT_PROT            0

/* memory: everything from malloc(), nothing from fixed pools */
#define MEM_LIBC_MALLOC                 1
#define MEMP_MEM_MALLOC                 1
#define MEM_ALIGNMENT                   8

/* protocols */
#define LWIP_IPV4                       1
#define LWIP_IPV6                       1
#define LWIP_TCP                        1
#define LWIP_UDP                        1
#define LWIP_RAW                        1
#define LWIP_ICMP                       1
#define LWIP_ARP                        0
#define LWIP_ETHERNET                   0
#define LWIP_DHCP                       0
#define LWIP_AUTOIP                     0
#define LWIP_IGMP                       0
#define LWIP_DNS                        0
#define LWIP_IPV6_MLD                   0
#define LWIP_IPV6_AUTOCONFIG            0
#define LWIP_IPV6_DHCP6                 0
#define LWIP_IPV6_SEND_ROUTER_SOLICIT   0
#define LWIP_ND6_ALLOW_RA_UPDATES       0
#define LWIP_IPV6_DUP_DETECT_ATTEMPTS   0
#define LWIP_SINGLE_NETIF               0
#define LWIP_NETIF_API                  0
#define LWIP_HAVE_LOOPIF                0
#define LWIP_NETIF_LOOPBACK             0

/* TCP: MSS from the tunnel MTU (1420 - 40 for IPv4/TCP), window scaling,
 * a 4 MiB receive window and deep send queues */
#define TCP_MSS                         1380
#define LWIP_WND_SCALE                  1
#define TCP_RCV_SCALE                   7
#define TCP_WND                         (4 * 1024 * 1024)
#define TCP_SND_BUF                     (4 * 1024 * 1024)
#define TCP_SND_QUEUELEN                (4 * TCP_SND_BUF / TCP_MSS)
/* init.c's check that TCP_SNDLOWAT fits a u16_t predates window scaling:
 * with LWIP_WND_SCALE the send buffer counters are 32-bit. */
#define TCP_SNDLOWAT                    (TCP_SND_BUF / 2)
#define LWIP_DISABLE_TCP_SANITY_CHECKS  1
#define TCP_QUEUE_OOSEQ                 1
#define TCP_OOSEQ_MAX_BYTES             (4 * 1024 * 1024)
#define LWIP_TCP_SACK_OUT               1
#define LWIP_TCP_TIMESTAMPS             0
#define TCP_LISTEN_BACKLOG              1
#define LWIP_TCP_KEEPALIVE              1

#define PBUF_POOL_SIZE                  1024
#define PBUF_POOL_BUFSIZE               1536

#define LWIP_CHECKSUM_ON_COPY           1
#define CHECKSUM_CHECK_IP               0
#define CHECKSUM_CHECK_TCP              1
#define CHECKSUM_CHECK_UDP              1

#define LWIP_STATS                      0
#define LWIP_NETIF_STATUS_CALLBACK      0
#define LWIP_NETIF_LINK_CALLBACK        0
#define LWIP_CALLBACK_API               1
