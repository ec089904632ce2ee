/* sy-upstream-outbound.h — clients for upstream proxies: SOCKS5 and HTTP CONNECT
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "outbound/sy-outbound.h"

G_BEGIN_DECLS

/* Each dials @transport to reach the proxy server at @server_host:@server_port,
 * then asks it for the session's destination, passing domain names on
 * unresolved. Failure replies of the upstream map to the same G_IO_ERROR code
 * a local dial would give (see sy_error_set_from_socks5_reply()). */

#define SY_TYPE_SOCKS5_OUTBOUND (sy_socks5_outbound_get_type ())
G_DECLARE_FINAL_TYPE (SySocks5Outbound, sy_socks5_outbound, SY, SOCKS5_OUTBOUND, SyOutbound)

SyOutbound *sy_socks5_outbound_new (const char *name,
                                    SyOutbound *transport,
                                    const char *server_host,
                                    guint16     server_port,
                                    const char *username,
                                    const char *password);

#define SY_TYPE_HTTP_OUTBOUND (sy_http_outbound_get_type ())
G_DECLARE_FINAL_TYPE (SyHttpOutbound, sy_http_outbound, SY, HTTP_OUTBOUND, SyOutbound)

SyOutbound *sy_http_outbound_new   (const char *name,
                                    SyOutbound *transport,
                                    const char *server_host,
                                    guint16     server_port,
                                    const char *username,
                                    const char *password);

#define SY_TYPE_REJECT_OUTBOUND (sy_reject_outbound_get_type ())
G_DECLARE_FINAL_TYPE (SyRejectOutbound, sy_reject_outbound, SY, REJECT_OUTBOUND, SyOutbound)

/* Fails every dial at once with SY_ERROR_REJECTED. */
SyOutbound *sy_reject_outbound_new (const char *name);

G_END_DECLS
