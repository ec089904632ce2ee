/* syapp-upstream-url.c — socks5:// and http:// proxy URLs, for the form
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The service parses the URL it is given itself; the app parses it only to
 * fill the upstream form as the user pastes, and to say early what is
 * wrong. It accepts exactly the service's form (docs/dbus-api.md,
 * AddUpstream): socks5:// or http://, optional percent-encoded user and
 * password, a host (IPv6 in brackets) and a port, nothing after it.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "syapp-upstream-url.h"

static void
wipe_free (char *secret)
{
  if (secret != NULL)
    {
      explicit_bzero (secret, strlen (secret));
      g_free (secret);
    }
}

void
syapp_upstream_url_clear (SyAppUpstreamUrl *url)
{
  g_clear_pointer (&url->kind, g_free);
  g_clear_pointer (&url->host, g_free);
  g_clear_pointer (&url->username, g_free);
  g_clear_pointer (&url->password, wipe_free);
  url->port = 0;
}

gboolean
syapp_upstream_url_parse (const char        *text,
                          SyAppUpstreamUrl  *url,
                          GError           **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *scheme;
  const char *path;
  int port;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (url != NULL, FALSE);

  memset (url, 0, sizeof *url);
  text += strspn (text, " \t\n");

  uri = g_uri_parse (text, G_URI_FLAGS_HAS_PASSWORD, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, G_URI_ERROR, G_URI_ERROR_FAILED,
                   _("This is not a proxy URL. Write socks5://host:port or http://host:port, "
                     "with user:password@ before the host if the proxy needs them."));
      return FALSE;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "socks5") != 0 && g_ascii_strcasecmp (scheme, "http") != 0)
    {
      g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_SCHEME,
                   _("“%s://” proxies are not supported: use socks5:// or http://."), scheme);
      return FALSE;
    }

  if (g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    {
      g_set_error_literal (error, G_URI_ERROR, G_URI_ERROR_BAD_HOST,
                           _("The URL has no host."));
      return FALSE;
    }

  port = g_uri_get_port (uri);
  if (port <= 0 || port > 65535)
    {
      g_set_error_literal (error, G_URI_ERROR, G_URI_ERROR_BAD_PORT,
                           _("The URL needs a port, e.g. socks5://10.0.0.2:1080."));
      return FALSE;
    }

  path = g_uri_get_path (uri);
  if ((path != NULL && path[0] != '\0' && g_strcmp0 (path, "/") != 0) ||
      g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      g_set_error_literal (error, G_URI_ERROR, G_URI_ERROR_BAD_PATH,
                           _("A proxy URL ends after the port."));
      return FALSE;
    }

  url->kind = g_ascii_strdown (scheme, -1);
  url->host = g_strdup (g_uri_get_host (uri));
  url->port = (guint16) port;
  /* GUri has decoded the percent-encoding of both already. */
  if (g_uri_get_user (uri) != NULL && g_uri_get_user (uri)[0] != '\0')
    url->username = g_strdup (g_uri_get_user (uri));
  if (g_uri_get_password (uri) != NULL)
    url->password = g_strdup (g_uri_get_password (uri));

  return TRUE;
}

/* Without the password: this is for showing. */
char *
syapp_upstream_url_format (const SyAppUpstreamUrl *url)
{
  g_autofree char *user = NULL;
  gboolean v6;

  g_return_val_if_fail (url != NULL, NULL);

  v6 = url->host != NULL && strchr (url->host, ':') != NULL;
  if (url->username != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (url->username, NULL, FALSE);

      user = g_strconcat (escaped, "@", NULL);
    }

  return g_strdup_printf ("%s://%s%s%s%s:%u", url->kind, user != NULL ? user : "",
                          v6 ? "[" : "", url->host, v6 ? "]" : "", url->port);
}
