/* sy-lwip-core.h — the one lwIP core of the process, driven by the GLib main loop
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lwIP keeps its state in globals and is built with NO_SYS=1: it runs on
 * the thread whose thread-default main context was current at the first
 * sy_lwip_core_init(), from sources attached to that context. Nothing here
 * is thread-safe, like lwIP itself.
 *
 * Timers. tcp_tmr() runs every 250 ms only while some TCP connection has
 * something time-driven to do: a handshake or close in progress, bytes
 * unacknowledged or unsent, a delayed ACK, out-of-order data, TIME_WAIT.
 * Anything that may create such work (a packet in, a write, a close) calls
 * sy_lwip_core_kick(), which costs a pointer test while the timer runs. The
 * reassembly timers run only for a while after a fragment came in. An idle
 * netstack — even with idle established connections — arms no timer.
 */

#pragma once

#include <gio/gio.h>

#include "lwip/err.h"
#include "lwip/ip_addr.h"

G_BEGIN_DECLS

/* Initialises lwIP once per process. */
void                sy_lwip_core_init              (void);
GMainContext       *sy_lwip_core_get_context       (void);

/* Something may have given TCP work: arm its timer if it is off. */
void                sy_lwip_core_kick              (void);
/* An IP fragment went into lwIP's reassembly. */
void                sy_lwip_core_note_fragment     (void);
/* While lwIP's TCP timer runs tcp_tmr(): lets the stream tell a
 * retransmission timeout (ERR_ABRT from the timer) from other aborts. */
gboolean            sy_lwip_core_in_tcp_timer      (void);

/* For tests and status: is any timer armed, and how often have they run. */
gboolean            sy_lwip_core_timers_armed      (void);
guint64             sy_lwip_core_get_timer_runs    (void);

/* lwIP's heap in use (sy-lwip-sys.c). */
gsize               sy_lwip_heap_get_bytes         (void);
gsize               sy_lwip_heap_get_blocks        (void);

/* Conversions */
void                sy_lwip_addr_from_inet         (ip_addr_t           *out,
                                                    GInetAddress        *address);
GInetAddress       *sy_lwip_addr_to_inet           (const ip_addr_t     *address);
GInetSocketAddress *sy_lwip_socket_address_new     (const ip_addr_t     *address,
                                                    u16_t                port);
/* A GIOErrorEnum for lwIP's error codes outside TCP's callbacks. */
GIOErrorEnum        sy_lwip_err_to_io_error        (err_t                err);

G_END_DECLS
