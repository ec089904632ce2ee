/* sy-tunnel-bind.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-tunnel"

#include "sy-tunnel-bind.h"
#include "util/sy-error.h"

gboolean
sy_tunnel_resolve_bind_host (const char    *host,
                             GInetAddress **address,
                             GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  GResolver *resolver;
  GList *addresses;
  GInetAddress *chosen = NULL;

  g_return_val_if_fail (address != NULL, FALSE);

  *address = NULL;

  if (host == NULL || host[0] == '\0')
    return TRUE;

  /* Go resolves "localhost" to 127.0.0.1 first; so do we, without asking
   * a resolver that might say ::1 on some systems. */
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    host = "127.0.0.1";

  *address = g_inet_address_new_from_string (host);
  if (*address != NULL)
    return TRUE;

  resolver = g_resolver_get_default ();
  addresses = g_resolver_lookup_by_name (resolver, host, NULL, &local_error);
  g_object_unref (resolver);
  if (addresses == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code,
                   "Cannot listen on “%s”: %s. Use an IP address such as 127.0.0.1",
                   host, local_error->message);
      return FALSE;
    }

  for (GList *l = addresses; l != NULL && chosen == NULL; l = l->next)
    if (g_inet_address_get_family (l->data) == G_SOCKET_FAMILY_IPV4)
      chosen = l->data;
  if (chosen == NULL)
    chosen = addresses->data;

  *address = g_object_ref (chosen);
  g_resolver_free_addresses (addresses);

  return TRUE;
}

char *
sy_tunnel_describe_bind (GInetAddress *address,
                         guint16       port)
{
  g_autofree char *ip = NULL;

  if (address == NULL)
    return g_strdup_printf ("every address port %u", port);

  ip = g_inet_address_to_string (address);
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s] port %u", ip, port);
  return g_strdup_printf ("%s port %u", ip, port);
}
