/* sy-netstack.h — a userspace TCP/IP interface (lwIP) driven by the GLib main loop
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lwIP keeps its state in globals, so there is one lwIP core per process,
 * initialised on first use and run with NO_SYS=1 (sy-lwip-core.h). Each
 * SyNetstack is one lwIP netif with its own addresses and MTU
 * and no link layer: IP packets leave through the output function given at
 * creation (a WireGuard device, or a TUN device in tests) and come in
 * through sy_netstack_input(). Connections made through a SyNetstack are
 * bound to its netif, so several WireGuard profiles may even share the same
 * tunnel address.
 *
 * lwIP's timers are armed on the GLib loop only while some connection or
 * reassembly needs them: an idle netstack causes no wakeups.
 *
 * Everything here runs on the thread that created the first SyNetstack,
 * from its thread-default main context (lwIP is not thread-safe).
 */

#pragma once

#include <gio/gio.h>

#include "wireguard/sy-wg-prefix.h"

G_BEGIN_DECLS

#define SY_TYPE_NETSTACK (sy_netstack_get_type ())

G_DECLARE_FINAL_TYPE (SyNetstack, sy_netstack, SY, NETSTACK, GObject)

/* Sends one IP packet out of the netstack. @packet is gathered into one
 * contiguous buffer owned by the netstack, valid during the call. Return
 * FALSE when the packet cannot go anywhere (no route). It runs inside
 * lwIP, which is not re-entrant: it must not feed packets to any
 * SyNetstack before it returns. */
typedef gboolean (*SyNetstackOutputFunc) (const guint8 *packet,
                                          gsize         length,
                                          gpointer      user_data);

/* @addresses: the interface's own addresses (IPv4 and/or IPv6, prefix
 * lengths ignored beyond choosing the family), @mtu: the tunnel MTU. */
SyNetstack *sy_netstack_new          (const SyWgPrefix      *addresses,
                                      guint                  n_addresses,
                                      guint                  mtu,
                                      SyNetstackOutputFunc   output,
                                      gpointer               output_data,
                                      GDestroyNotify         output_destroy,
                                      GError               **error);
/* Feeds one received IP packet (copied into lwIP's buffers). */
void        sy_netstack_input        (SyNetstack            *self,
                                      const guint8          *packet,
                                      gsize                  length);
/* Resets every TCP connection of this interface (their streams fail with
 * G_IO_ERROR_CONNECTION_CLOSED): for a tunnel that goes away. Streams hold
 * a reference on their netstack, so without this they would only end by
 * timing out. */
void        sy_netstack_abort_connections (SyNetstack       *self);

/* TCP connect through the netstack. The result is a GIOStream whose input
 * and output streams are GPollableInputStream/GPollableOutputStream, so the
 * relay's buffered path copies it like any other stream. Backpressure:
 * lwIP's receive window opens only as the reader consumes data. Errors:
 * G_IO_ERROR_CONNECTION_REFUSED on RST, G_IO_ERROR_TIMED_OUT,
 * G_IO_ERROR_HOST_UNREACHABLE when no route (the output function refused
 * the SYN), G_IO_ERROR_NETWORK_UNREACHABLE when the interface has no
 * address of the destination's family, G_IO_ERROR_CANCELLED. The stream is
 * an SyNetstackTcpStream (sy-netstack-tcp-stream.h). */
void        sy_netstack_connect_async  (SyNetstack          *self,
                                        GInetSocketAddress  *address,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
GIOStream  *sy_netstack_connect_finish (SyNetstack          *self,
                                        GAsyncResult        *result,
                                        GError             **error);

/* TCP listener inside the tunnel (wireproxy's TCPServerTunnel). @callback
 * gets each accepted connection as a GIOStream (transfer full) and the
 * peer's address, from the main loop. Returns a listener id for
 * sy_netstack_unlisten(), or 0: lwIP checks ports across interfaces, so a
 * port another tunnel listens on is G_IO_ERROR_ADDRESS_IN_USE here too. */
typedef void (*SyNetstackAcceptFunc) (SyNetstack          *netstack,
                                      GIOStream           *connection,
                                      GInetSocketAddress  *remote,
                                      gpointer             user_data);
guint       sy_netstack_listen         (SyNetstack          *self,
                                        guint16              port,
                                        SyNetstackAcceptFunc callback,
                                        gpointer             user_data,
                                        GDestroyNotify       destroy,
                                        GError             **error);
void        sy_netstack_unlisten       (SyNetstack          *self,
                                        guint                listener_id);

/* DNS over UDP through the tunnel to @servers (tried in order, A and AAAA
 * queried in parallel, answers in the order IPv6/IPv4 interleaved as RFC
 * 8305 suggests; an IP literal is returned as it is). Returns a GList of
 * GInetAddress (free with g_resolver_free_addresses()).
 * G_RESOLVER_ERROR_NOT_FOUND on NXDOMAIN, no records or an invalid name;
 * G_RESOLVER_ERROR_TEMPORARY_FAILURE when the servers only fail (SERVFAIL,
 * REFUSED) or the answer did not fit in UDP; G_IO_ERROR_TIMED_OUT when no
 * server answers (about 1.5 s per attempt, each server twice, at least 3
 * attempts). */
void        sy_netstack_resolve_async  (SyNetstack          *self,
                                        const char          *hostname,
                                        GInetAddress       **servers,
                                        guint                n_servers,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
GList      *sy_netstack_resolve_finish (SyNetstack          *self,
                                        GAsyncResult        *result,
                                        GError             **error);

/* ICMP (or ICMPv6) echo through the tunnel; returns the round-trip time in
 * µs, or -1 with G_IO_ERROR_TIMED_OUT (no reply within @timeout_ms),
 * G_IO_ERROR_HOST_UNREACHABLE (no route) or G_IO_ERROR_CANCELLED. For
 * CheckAlive and liveness. */
void        sy_netstack_ping_async     (SyNetstack          *self,
                                        GInetAddress        *address,
                                        guint                timeout_ms,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
gint64      sy_netstack_ping_finish    (SyNetstack          *self,
                                        GAsyncResult        *result,
                                        GError             **error);

/* UDP through the tunnel: an unconnected datagram socket bound to an
 * ephemeral port of this interface (port 0) or a given one. For
 * UDPProxyTunnel now and the UDP issue's datagram sessions later.
 * @callback runs inside lwIP's input path with the datagram (valid during
 * the call) and may send or free the socket, but must not iterate the main
 * loop. A fixed port is unique across interfaces, as for listeners. */
typedef struct _SyNetstackUdp SyNetstackUdp;
typedef void (*SyNetstackUdpRecvFunc) (SyNetstackUdp       *socket,
                                       const guint8        *data,
                                       gsize                length,
                                       GInetSocketAddress  *from,
                                       gpointer             user_data);
SyNetstackUdp *sy_netstack_udp_new     (SyNetstack            *self,
                                        guint16                local_port,
                                        SyNetstackUdpRecvFunc  callback,
                                        gpointer               user_data,
                                        GError               **error);
gboolean    sy_netstack_udp_send       (SyNetstackUdp       *socket,
                                        const guint8        *data,
                                        gsize                length,
                                        GInetSocketAddress  *to,
                                        GError             **error);
void        sy_netstack_udp_free       (SyNetstackUdp       *socket);

G_END_DECLS
