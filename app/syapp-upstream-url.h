/* syapp-upstream-url.h — socks5:// and http:// proxy URLs, for the form
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char    *kind;       /* "socks5" or "http" */
  char    *host;       /* name or address, IPv6 without brackets */
  guint16  port;
  char    *username;   /* NULL without */
  char    *password;   /* NULL without; wiped by _clear() */
} SyAppUpstreamUrl;

gboolean  syapp_upstream_url_parse  (const char             *text,
                                     SyAppUpstreamUrl       *url,
                                     GError                **error);
char     *syapp_upstream_url_format (const SyAppUpstreamUrl *url);
void      syapp_upstream_url_clear  (SyAppUpstreamUrl       *url);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SyAppUpstreamUrl, syapp_upstream_url_clear)

G_END_DECLS
