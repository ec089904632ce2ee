/* sy-outbound-util.h — small helpers shared by the outbounds (private)
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "util/sy-secret.h"

G_BEGIN_DECLS

/* "[::1]" → "::1"; anything else is copied unchanged. */
char     *sy_host_strip_brackets   (const char *host);
/* "host:port", with IPv6 literals bracketed (RFC 3986 §3.2.2). */
char     *sy_host_format_authority (const char *host,
                                    guint16     port);

G_END_DECLS
