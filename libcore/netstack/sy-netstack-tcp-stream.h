/* sy-netstack-tcp-stream.h — a GIOStream over an lwIP TCP connection
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What sy_netstack_connect_finish() and listeners hand out. Its input and
 * output streams are GPollableInputStream / GPollableOutputStream, which is
 * all the relay's buffered engine needs; their asynchronous operations and
 * closes complete on the main loop without threads (lwIP is not
 * thread-safe). The synchronous read and write would have to block the
 * very loop that drives lwIP, so they fail with G_IO_ERROR_WOULD_BLOCK
 * instead of waiting: use the pollable or asynchronous API.
 *
 * Semantics follow a kernel TCP socket: closing the output stream sends a
 * FIN (a half-close) and reading on goes on; reads return 0 after the
 * peer's FIN; closing the whole stream with unread data resets the
 * connection. Errors: G_IO_ERROR_CONNECTION_CLOSED when the peer resets,
 * G_IO_ERROR_TIMED_OUT when retransmissions give up.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SY_TYPE_NETSTACK_TCP_STREAM (sy_netstack_tcp_stream_get_type ())

G_DECLARE_FINAL_TYPE (SyNetstackTcpStream, sy_netstack_tcp_stream,
                      SY, NETSTACK_TCP_STREAM, GIOStream)

/* The tunnel-side addresses of the connection (transfer none). */
GInetSocketAddress *sy_netstack_tcp_stream_get_local_address  (SyNetstackTcpStream *self);
GInetSocketAddress *sy_netstack_tcp_stream_get_remote_address (SyNetstackTcpStream *self);
/* Bytes received and not read yet: at most the receive window. */
gsize               sy_netstack_tcp_stream_get_queued_bytes   (SyNetstackTcpStream *self);

G_END_DECLS
