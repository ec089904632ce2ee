/* sy-outbound.h — the one dial interface every way out implements
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "session/sy-session.h"

G_BEGIN_DECLS

#define SY_TYPE_OUTBOUND (sy_outbound_get_type ())

G_DECLARE_DERIVABLE_TYPE (SyOutbound, sy_outbound, SY, OUTBOUND, GObject)

/**
 * SyOutboundClass:
 * @dial_async: open a byte stream to @host:@port. @host is a domain name or an
 *   IP literal; outbounds that can pass names on (upstream proxies, tunnels
 *   with their own DNS) must not resolve it locally. @session may be %NULL
 *   (health checks, probes); when it is not, the outbound records what it
 *   learned on it: sy_session_set_bound_address() with the real local address
 *   of the stream it opened, sy_session_set_upstream() when it picked a pool
 *   member. The stream it yields is any #GIOStream whose input and output are
 *   #GPollableInputStream / #GPollableOutputStream — a #GSocketConnection for
 *   kernel sockets (which lets the relay splice), or an in-process stream for
 *   userspace tunnels. No byte the peer sent may be left buffered elsewhere.
 * @dial_finish: the stream, or %NULL with an error whose code the inbound maps
 *   to a SOCKS5 reply / HTTP status (#G_IO_ERROR codes for network failures,
 *   #SY_ERROR codes otherwise; see sy-error.h).
 *
 * UDP (a later issue) adds a sibling pair, open_datagram_async/finish,
 * yielding an #SyDatagramSession; outbounds that leave it %NULL do not carry UDP.
 */
struct _SyOutboundClass
{
  GObjectClass parent_class;

  void        (*dial_async)  (SyOutbound          *self,
                              SySession           *session,
                              const char          *host,
                              guint16              port,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data);
  GIOStream  *(*dial_finish) (SyOutbound          *self,
                              GAsyncResult        *result,
                              GError             **error);

  /*< private >*/
  gpointer padding[12];
};

const char *sy_outbound_get_name    (SyOutbound          *self);
const char *sy_outbound_get_kind    (SyOutbound          *self);
void        sy_outbound_dial_async  (SyOutbound          *self,
                                     SySession           *session,
                                     const char          *host,
                                     guint16              port,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
GIOStream  *sy_outbound_dial_finish (SyOutbound          *self,
                                     GAsyncResult        *result,
                                     GError             **error);

G_END_DECLS
