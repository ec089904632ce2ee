/* sy-tunnel-bind.h — where a tunnel listens on this host
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Turns the host half of a wireproxy BindAddress into the address to bind,
 * the way wireproxy resolves it: NULL or "" is every local address
 * (wireproxy's ":1080"; *@address is set to %NULL), an IP literal is itself,
 * "localhost" is 127.0.0.1, and any other name is looked up with the system
 * resolver — synchronously, so only when a tunnel starts — taking the first
 * IPv4 address, else the first IPv6 one. Fails with SY_ERROR_INVALID_ARGUMENT
 * or the resolver's error. */
gboolean  sy_tunnel_resolve_bind_host  (const char     *host,
                                        GInetAddress  **address,
                                        GError        **error);

/* "127.0.0.1 port 25565", "[::1] port 53", "every address port 80". */
char     *sy_tunnel_describe_bind      (GInetAddress   *address,
                                        guint16         port);

G_END_DECLS
