/* sy-outbound-util.h — small helpers shared by the outbounds (private)
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "outbound/sy-outbound.h"
#include "util/sy-secret.h"

G_BEGIN_DECLS

/* "[::1]" → "::1"; anything else is copied unchanged. */
char     *sy_host_strip_brackets   (const char *host);
/* "host:port", with IPv6 literals bracketed (RFC 3986 §3.2.2). */
char     *sy_host_format_authority (const char *host,
                                    guint16     port);

/* Where an upstream proxy client connects, and as whom: what the SOCKS5 and
 * HTTP CONNECT clients share. Credentials are wiped when cleared. */
typedef struct
{
  SyOutbound *transport; /* reaches the server (normally the direct outbound) */
  char       *host;
  guint16     port;
  char       *username;  /* NULL: no authentication */
  char       *password;  /* "" when a username has none */
} SyProxyServer;

void      sy_proxy_server_init     (SyProxyServer *server,
                                    SyOutbound    *transport,
                                    const char    *host,
                                    guint16        port,
                                    const char    *username,
                                    const char    *password);
void      sy_proxy_server_clear    (SyProxyServer *server);

G_END_DECLS
