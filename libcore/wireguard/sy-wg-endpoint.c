/* sy-wg-endpoint.c — where a peer is reached: a UDP address, and finding it by name
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-wireguard"

#include <arpa/inet.h>
#include <string.h>

#include "sy-wg-endpoint.h"

void
sy_wg_endpoint_clear (SyWgEndpoint *endpoint)
{
  memset (endpoint, 0, sizeof *endpoint);
}

gboolean
sy_wg_endpoint_set_sockaddr (SyWgEndpoint          *endpoint,
                             const struct sockaddr *sa,
                             socklen_t              len)
{
  sy_wg_endpoint_clear (endpoint);

  if (sa->sa_family == AF_INET && len >= sizeof (struct sockaddr_in))
    {
      const struct sockaddr_in *in4 = (const struct sockaddr_in *) (gconstpointer) sa;

      endpoint->addr.in4.sin_family = AF_INET;
      endpoint->addr.in4.sin_port = in4->sin_port;
      endpoint->addr.in4.sin_addr = in4->sin_addr;
      endpoint->len = sizeof (struct sockaddr_in);
      return TRUE;
    }

  if (sa->sa_family == AF_INET6 && len >= sizeof (struct sockaddr_in6))
    {
      const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) (gconstpointer) sa;

      if (IN6_IS_ADDR_V4MAPPED (&in6->sin6_addr))
        {
          endpoint->addr.in4.sin_family = AF_INET;
          endpoint->addr.in4.sin_port = in6->sin6_port;
          memcpy (&endpoint->addr.in4.sin_addr, in6->sin6_addr.s6_addr + 12, 4);
          endpoint->len = sizeof (struct sockaddr_in);
          return TRUE;
        }
      endpoint->addr.in6.sin6_family = AF_INET6;
      endpoint->addr.in6.sin6_port = in6->sin6_port;
      endpoint->addr.in6.sin6_addr = in6->sin6_addr;
      /* A link-local peer is only reachable through its interface. */
      endpoint->addr.in6.sin6_scope_id = in6->sin6_scope_id;
      endpoint->len = sizeof (struct sockaddr_in6);
      return TRUE;
    }

  return FALSE;
}

void
sy_wg_endpoint_set_inet (SyWgEndpoint *endpoint,
                         GInetAddress *address,
                         guint16       port)
{
  g_autoptr(GSocketAddress) sa = g_inet_socket_address_new (address, port);
  struct sockaddr_storage storage;

  if (!g_socket_address_to_native (sa, &storage, sizeof storage, NULL))
    {
      sy_wg_endpoint_clear (endpoint);
      return;
    }
  sy_wg_endpoint_set_sockaddr (endpoint, (struct sockaddr *) &storage,
                               (socklen_t) g_socket_address_get_native_size (sa));
}

gboolean
sy_wg_endpoint_parse_literal (SyWgEndpoint *endpoint,
                              const char   *host,
                              guint16       port)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);

  if (address == NULL)
    {
      sy_wg_endpoint_clear (endpoint);
      return FALSE;
    }
  sy_wg_endpoint_set_inet (endpoint, address, port);
  return sy_wg_endpoint_is_set (endpoint);
}

gboolean
sy_wg_endpoint_equal (const SyWgEndpoint *a,
                      const SyWgEndpoint *b)
{
  if (a->len != b->len)
    return FALSE;
  if (a->len == 0)
    return TRUE;
  if (a->addr.sa.sa_family == AF_INET)
    return a->addr.in4.sin_port == b->addr.in4.sin_port &&
           a->addr.in4.sin_addr.s_addr == b->addr.in4.sin_addr.s_addr;
  return a->addr.in6.sin6_port == b->addr.in6.sin6_port &&
         a->addr.in6.sin6_scope_id == b->addr.in6.sin6_scope_id &&
         memcmp (&a->addr.in6.sin6_addr, &b->addr.in6.sin6_addr, 16) == 0;
}

int
sy_wg_endpoint_get_family (const SyWgEndpoint *endpoint)
{
  return endpoint->len == 0 ? 0 : endpoint->addr.sa.sa_family;
}

gsize
sy_wg_endpoint_get_address (const SyWgEndpoint  *endpoint,
                            const guint8       **bytes,
                            guint16             *port)
{
  switch (sy_wg_endpoint_get_family (endpoint))
    {
    case AF_INET:
      *bytes = (const guint8 *) &endpoint->addr.in4.sin_addr;
      *port = ntohs (endpoint->addr.in4.sin_port);
      return 4;
    case AF_INET6:
      *bytes = endpoint->addr.in6.sin6_addr.s6_addr;
      *port = ntohs (endpoint->addr.in6.sin6_port);
      return 16;
    default:
      *bytes = NULL;
      *port = 0;
      return 0;
    }
}

const char *
sy_wg_endpoint_format (const SyWgEndpoint *endpoint,
                       char               *buffer)
{
  char text[INET6_ADDRSTRLEN];

  switch (sy_wg_endpoint_get_family (endpoint))
    {
    case AF_INET:
      inet_ntop (AF_INET, &endpoint->addr.in4.sin_addr, text, sizeof text);
      g_snprintf (buffer, SY_WG_ENDPOINT_STRING_MAX, "%s:%u", text,
                  ntohs (endpoint->addr.in4.sin_port));
      break;
    case AF_INET6:
      inet_ntop (AF_INET6, &endpoint->addr.in6.sin6_addr, text, sizeof text);
      g_snprintf (buffer, SY_WG_ENDPOINT_STRING_MAX, "[%s]:%u", text,
                  ntohs (endpoint->addr.in6.sin6_port));
      break;
    default:
      buffer[0] = '\0';
      break;
    }
  return buffer;
}

/* Resolution ------------------------------------------------------------- */

typedef struct
{
  guint16 port;
  guint   families;
} ResolveData;

static void
resolve_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ResolveData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GList *addresses;

  addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  if (addresses == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  for (GList *l = addresses; l != NULL; l = l->next)
    {
      GSocketFamily family = g_inet_address_get_family (l->data);

      if ((family == G_SOCKET_FAMILY_IPV4 && (data->families & SY_WG_ENDPOINT_FAMILY_IPV4)) ||
          (family == G_SOCKET_FAMILY_IPV6 && (data->families & SY_WG_ENDPOINT_FAMILY_IPV6)))
        {
          SyWgEndpoint *endpoint = g_new0 (SyWgEndpoint, 1);

          sy_wg_endpoint_set_inet (endpoint, l->data, data->port);
          g_resolver_free_addresses (addresses);
          g_task_return_pointer (task, endpoint, g_free);
          return;
        }
    }

  g_resolver_free_addresses (addresses);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "The name has no address this device can send to "
                           "(it has no socket of that address family)");
}

void
sy_wg_endpoint_resolve_async (const char          *host,
                              guint16              port,
                              guint                families,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GResolver) resolver = NULL;
  ResolveData *data;

  g_return_if_fail (host != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_wg_endpoint_resolve_async);
  data = g_new0 (ResolveData, 1);
  data->port = port;
  data->families = families;
  g_task_set_task_data (task, data, g_free);

  resolver = g_resolver_get_default ();
  g_resolver_lookup_by_name_async (resolver, host, cancellable, resolve_cb,
                                   g_steal_pointer (&task));
}

gboolean
sy_wg_endpoint_resolve_finish (GAsyncResult  *result,
                               SyWgEndpoint  *endpoint,
                               GError       **error)
{
  g_autofree SyWgEndpoint *found = NULL;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  found = g_task_propagate_pointer (G_TASK (result), error);
  if (found == NULL)
    {
      sy_wg_endpoint_clear (endpoint);
      return FALSE;
    }
  *endpoint = *found;
  return TRUE;
}
