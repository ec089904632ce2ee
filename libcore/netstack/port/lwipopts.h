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
/* libcore includes lwIP's headers next to the C library's: lwIP must not
 * define htons() and friends as macros of its own. */
#define LWIP_DONT_PROVIDE_BYTEORDER_FUNCTIONS 1

/* Timers: lwIP's own timeout list (timeouts.c) registers the IP reassembly
 * and ND6 timers as cyclic 1 s timers that would wake the process forever.
 * libcore/netstack/sy-lwip-core.c drives tcp_tmr() and the reassembly
 * timers from GLib instead, and only while they have something to do. */
#define LWIP_TIMERS                     0

/* memory: everything from the C heap, nothing from fixed pools. The
 * allocator is counted (sy-lwip-sys.c), which is how the tests see that a
 * reader that stops reading holds lwIP to its receive window. */
#define MEM_LIBC_MALLOC                 0
#define MEM_CUSTOM_ALLOCATOR            1
#define MEM_CUSTOM_MALLOC               sy_lwip_malloc
#define MEM_CUSTOM_CALLOC               sy_lwip_calloc
#define MEM_CUSTOM_FREE                 sy_lwip_free
#define MEMP_MEM_MALLOC                 1
#define MEM_ALIGNMENT                   8

/* protocols */
#define LWIP_IPV4                       1
#define LWIP_IPV6                       1
#define LWIP_TCP                        1
#define LWIP_UDP                        1
#define LWIP_RAW                        1
#define LWIP_ICMP                       1
#define LWIP_ICMP6                      1
#define LWIP_ARP                        0
#define LWIP_ETHERNET                   0
#define LWIP_DHCP                       0
#define LWIP_AUTOIP                     0
#define LWIP_ACD                        0
#define LWIP_IGMP                       0
#define LWIP_DNS                        0
#define LWIP_IPV6_MLD                   0
#define LWIP_IPV6_AUTOCONFIG            0
#define LWIP_IPV6_DHCP6                 0
#define LWIP_IPV6_SEND_ROUTER_SOLICIT   0
#define LWIP_ND6_ALLOW_RA_UPDATES       0
#define LWIP_IPV6_DUP_DETECT_ATTEMPTS   0
/* wg-quick profiles rarely give more than one IPv6 address */
#define LWIP_IPV6_NUM_ADDRESSES         4
#define LWIP_SINGLE_NETIF               0
#define LWIP_NETIF_API                  0
#define LWIP_HAVE_LOOPIF                0
#define LWIP_NETIF_LOOPBACK             0
#define LWIP_BROADCAST_PING             0
#define LWIP_MULTICAST_PING             0
#define IP_FORWARD                      0

/* Fragments. The reassembly timers run only for IP_REASS_MAXAGE seconds
 * after the last fragment came in (sy-lwip-core.c). Inside a tunnel the
 * fragments of one datagram arrive back to back, so RFC 8200's 60 s for
 * IPv6 buys nothing but a minute of wakeups; 15 s is lwIP's IPv4 default.
 * 64 pbufs hold one 64 KiB datagram at the smallest MTU WireGuard allows. */
#define IP_REASSEMBLY                   1
#define IP_FRAG                         1
#define IP_REASS_MAXAGE                 15
#define IP_REASS_MAX_PBUFS              64
#define LWIP_IPV6_REASS                 1
#define LWIP_IPV6_FRAG                  1
/* 64-bit pointers do not fit in a fragment header: lwIP keeps a copy */
#define IPV6_FRAG_COPYHEADER            1
#define IPV6_REASS_MAXAGE               15

/* TCP. TCP_MSS is only the ceiling: lwIP advertises and sends the MSS the
 * netif's MTU allows (TCP_CALCULATE_EFF_SEND_MSS), 1380 for IPv4 and 1360
 * for IPv6 at WireGuard's default MTU of 1420. */
#define TCP_MSS                         1460
#define TCP_CALCULATE_EFF_SEND_MSS      1

/* A single download over a 100 ms path needs window = rate × RTT: 4 MiB
 * allows about 40 MB/s. Debian's lwIP (64 KiB) would cap it near 0.6 MB/s.
 * The receive window opens only as fast as the reader consumes data
 * (tcp_recved() in sy-netstack-tcp-stream.c), so a slow client holds at
 * most this much per connection. Scale 7 allows windows up to 8 MiB. */
#define LWIP_WND_SCALE                  1
#define TCP_RCV_SCALE                   7
#define TCP_WND                         (4 * 1024 * 1024)
#define TCP_SND_BUF                     (4 * 1024 * 1024)
/* Segments in the send queue: TCP_SND_BUF of full segments with room for
 * small writes; snd_queuelen is a u16_t. */
#define TCP_SND_QUEUELEN                (4 * TCP_SND_BUF / TCP_MSS)
/* init.c's check that TCP_SNDLOWAT fits a u16_t predates window scaling:
 * with LWIP_WND_SCALE the send buffer counters are 32-bit. */
#define TCP_SNDLOWAT                    (TCP_SND_BUF / 2)
#define TCP_SNDQUEUELOWAT               (TCP_SND_QUEUELEN / 2)
#define LWIP_DISABLE_TCP_SANITY_CHECKS  1
/* Out-of-order segments are kept (bounded by the window) so a loss costs
 * one retransmission, and SACK tells the sender which one. */
#define TCP_QUEUE_OOSEQ                 1
#define TCP_OOSEQ_MAX_BYTES             TCP_WND
#define TCP_OOSEQ_MAX_PBUFS             (2 * TCP_WND / 536)
#define LWIP_TCP_SACK_OUT               1
#define LWIP_TCP_MAX_SACK_NUM           4
#define LWIP_TCP_TIMESTAMPS             0
#define TCP_LISTEN_BACKLOG              1
#define LWIP_TCP_KEEPALIVE              1
/* RFC 6298 §2.1: an initial RTO of one second (lwIP's default is 3 s). */
#define LWIP_TCP_RTO_TIME               1000
/* lwIP counts retransmission timeouts in ticks of its slow timer, twice
 * this interval: 200 ms ticks give Linux's minimum RTO (lwIP's 500 ms
 * would idle a lossy upload for half a second per timeout) and delayed
 * ACKs of at most 100 ms. The timer runs only while a connection has
 * work (sy-lwip-core.c), so an idle process does not pay for it. */
#define TCP_TMR_INTERVAL                100
/* TIME_WAIT (2 × MSL) guards a new connection on the same four-tuple
 * against old duplicates and re-ACKs a retransmitted FIN. Inside a tunnel
 * no segment lives for a minute, lwIP picks local ports in sequence (the
 * same four-tuple comes back after 16384 connections), and a peer's FIN
 * retransmissions fit in a few seconds; 2 × 5 s keeps both purposes while
 * a closed connection stops costing timer wakeups after 10 s, not 2 min. */
#define TCP_MSL                         5000UL

#define PBUF_POOL_SIZE                  1024
#define PBUF_POOL_BUFSIZE               1536
#define PBUF_LINK_HLEN                  0
#define PBUF_LINK_ENCAPSULATION_HLEN    0

/* Checksums. Every packet a SyNetstack receives through WireGuard was
 * authenticated by ChaCha20-Poly1305 against its sender, which protects it
 * far better than a 16-bit sum; what the peer's stack sent is what arrives.
 * So incoming checksums are not verified (the TUN test feeds the kernel's
 * packets, which are correct as well). Outgoing ones are always computed:
 * the peer's kernel checks them. LWIP_CHECKSUM_ON_COPY sums TCP payload
 * while tcp_write() copies it. */
#define LWIP_CHECKSUM_ON_COPY           1
#define CHECKSUM_GEN_IP                 1
#define CHECKSUM_GEN_UDP                1
#define CHECKSUM_GEN_TCP                1
#define CHECKSUM_GEN_ICMP               1
#define CHECKSUM_GEN_ICMP6              1
#define CHECKSUM_CHECK_IP               0
#define CHECKSUM_CHECK_UDP              0
#define CHECKSUM_CHECK_TCP              0
#define CHECKSUM_CHECK_ICMP             0
#define CHECKSUM_CHECK_ICMP6            0

#define LWIP_STATS                      0
#define LWIP_NETIF_STATUS_CALLBACK      0
#define LWIP_NETIF_LINK_CALLBACK        0
#define LWIP_CALLBACK_API               1

/* Hooks: keyed initial sequence numbers (RFC 6528) instead of lwIP's
 * counter, and a random source for the ephemeral port ranges. */
#define LWIP_HOOK_FILENAME              "sy-lwip-hooks.h"
#define LWIP_HOOK_TCP_ISN               sy_lwip_tcp_isn
#define LWIP_RAND()                     sy_lwip_rand ()
