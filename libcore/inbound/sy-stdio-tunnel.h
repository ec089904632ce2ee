/* sy-stdio-tunnel.h — standard input and output relayed to one target
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * wireproxy's [STDIOTunnel], made for ssh's ProxyCommand: one session whose
 * client side is this process's stdin/stdout, dialed through an outbound
 * at start. The tunnel ends once, with "finished"; what happens then (exit)
 * is the caller's business.
 */

#pragma once

#include <gio/gio.h>

#include "engine/sy-dispatcher.h"

G_BEGIN_DECLS

#define SY_TYPE_STDIO_TUNNEL (sy_stdio_tunnel_get_type ())

G_DECLARE_FINAL_TYPE (SyStdioTunnel, sy_stdio_tunnel, SY, STDIO_TUNNEL, GObject)

/* Signals:
 *   "finished" (const GError *error)
 *       once, after the session has ended (dial failure, both directions
 *       done, close request, idle timeout); @error is %NULL for a clean end.
 *       Standard input and output are released by then (see
 *       sy_stdio_stream_new()).
 */

/* @outbound: registered with @dispatcher (%NULL: "direct"). */
SyStdioTunnel *sy_stdio_tunnel_new              (SyDispatcher   *dispatcher,
                                                 const char     *name,
                                                 const char     *target_host,
                                                 guint16         target_port,
                                                 const char     *outbound);
const char    *sy_stdio_tunnel_get_name         (SyStdioTunnel  *self);
/* No byte either way for this long ends the tunnel. Default 0 (never), as
 * in wireproxy: an ssh session may sit idle for hours. Set before start. */
void           sy_stdio_tunnel_set_idle_timeout (SyStdioTunnel  *self,
                                                 guint           timeout_ms);
/* Relays descriptors 0 and 1. Fails (nothing started, descriptors
 * untouched) when they cannot be polled; see sy_stdio_stream_new(). Dial
 * failures come later, through "finished". Only once per tunnel. */
gboolean       sy_stdio_tunnel_start            (SyStdioTunnel  *self,
                                                 GError        **error);
/* The same with other descriptors (tests, an inherited socket); takes
 * ownership of them on success. */
gboolean       sy_stdio_tunnel_start_with_fds   (SyStdioTunnel  *self,
                                                 int             input_fd,
                                                 int             output_fd,
                                                 GError        **error);
/* Closes the session (as "close session" does). */
void           sy_stdio_tunnel_close            (SyStdioTunnel  *self);
/* The session (%NULL before start), transfer none. */
SySession     *sy_stdio_tunnel_get_session      (SyStdioTunnel  *self);
gboolean       sy_stdio_tunnel_is_finished      (SyStdioTunnel  *self);
/* Why it finished; %NULL while running or after a clean end. */
const GError  *sy_stdio_tunnel_get_error        (SyStdioTunnel  *self);

G_END_DECLS
