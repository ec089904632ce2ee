/* sy-outbound-util.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "outbound/sy-outbound-util.h"

char *
sy_host_strip_brackets (const char *host)
{
  gsize len;

  g_return_val_if_fail (host != NULL, NULL);

  len = strlen (host);
  if (len >= 2 && host[0] == '[' && host[len - 1] == ']')
    return g_strndup (host + 1, len - 2);
  return g_strdup (host);
}

char *
sy_host_format_authority (const char *host,
                          guint16     port)
{
  g_autofree char *bare = NULL;

  g_return_val_if_fail (host != NULL, NULL);

  bare = sy_host_strip_brackets (host);
  if (strchr (bare, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", bare, port);
  return g_strdup_printf ("%s:%u", bare, port);
}

void
sy_proxy_server_init (SyProxyServer *server,
                      SyOutbound    *transport,
                      const char    *host,
                      guint16        port,
                      const char    *username,
                      const char    *password)
{
  server->transport = g_object_ref (transport);
  server->host = g_strdup (host);
  server->port = port;
  if (username != NULL && *username != '\0')
    {
      server->username = g_strdup (username);
      server->password = g_strdup (password != NULL ? password : "");
    }
}

void
sy_proxy_server_clear (SyProxyServer *server)
{
  g_clear_object (&server->transport);
  g_clear_pointer (&server->host, g_free);
  g_clear_pointer (&server->username, sy_secret_free);
  g_clear_pointer (&server->password, sy_secret_free);
}
