/* sy-direct-outbound.c — kernel sockets to the destination, Happy Eyeballs
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-direct-outbound"

#include <net/if.h>
#include <string.h>

#include "outbound/sy-direct-outbound.h"
#include "outbound/sy-happy-eyeballs.h"
#include "outbound/sy-outbound-util.h"
#include "util/sy-error.h"

/* Long enough for a slow intercontinental SYN retry, short enough that a
 * dead address does not hold the race when it is the last one left. */
#define DEFAULT_CONNECT_TIMEOUT_MS 10000

struct _SyDirectOutbound
{
  SyOutbound       parent_instance;

  SySocketOptions *options;
};

G_DEFINE_FINAL_TYPE (SyDirectOutbound, sy_direct_outbound, SY_TYPE_OUTBOUND)

typedef struct
{
  SySession       *session;
  char            *host;
  guint16          port;
  SySocketOptions *options;
} DialData;

static void
dial_data_free (DialData *data)
{
  g_clear_pointer (&data->session, sy_session_unref);
  g_free (data->host);
  sy_socket_options_free (data->options);
  g_free (data);
}

static void
direct_connected_cb (GObject      *source_object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyOutbound *self = g_task_get_source_object (task);
  DialData *data = g_task_get_task_data (task);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  socket = sy_happy_eyeballs_connect_finish (result, &error);
  if (socket == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&error, "outbound %s: ", sy_outbound_get_name (self));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* A GSocketConnection (not a wrapper stream) so that the relay can find
   * the file descriptor and splice. */
  connection = g_socket_connection_factory_create_connection (socket);

  if (data->session != NULL)
    {
      g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, NULL);

      if (local != NULL)
        sy_session_set_bound_address (data->session, local);
    }

  g_task_return_pointer (task, g_steal_pointer (&connection), g_object_unref);
}

static void
direct_connect (GTask *task,
                GList *addresses)
{
  DialData *data = g_task_get_task_data (task);
  g_autolist(GInetAddress) sorted = NULL;
  GList *usable = NULL;

  sorted = sy_happy_eyeballs_sort (addresses);

  /* A socket bound to an IPv4 address cannot reach an IPv6 peer and vice
   * versa, so only the bind address's family takes part in the race. */
  for (GList *l = sorted; l != NULL; l = l->next)
    {
      if (data->options->bind_address == NULL ||
          g_inet_address_get_family (l->data) ==
          g_inet_address_get_family (data->options->bind_address))
        usable = g_list_prepend (usable, l->data);
    }
  usable = g_list_reverse (usable);

  if (usable == NULL)
    {
      SyOutbound *self = g_task_get_source_object (task);
      g_autofree char *bind_text = g_inet_address_to_string (data->options->bind_address);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE,
                               "outbound %s: %s has no %s address to reach from bind address %s",
                               sy_outbound_get_name (self), data->host,
                               g_inet_address_get_family (data->options->bind_address) ==
                               G_SOCKET_FAMILY_IPV6 ? "IPv6" : "IPv4",
                               bind_text);
      g_object_unref (task);
      return;
    }

  sy_happy_eyeballs_connect_async (usable, data->port, data->options,
                                   g_task_get_cancellable (task),
                                   direct_connected_cb, task);
  g_list_free (usable);
}

static void
direct_resolved_cb (GObject      *source_object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  g_autolist(GInetAddress) addresses = NULL;
  g_autoptr(GError) error = NULL;

  addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source_object), result, &error);
  if (addresses == NULL)
    {
      SyOutbound *self = g_task_get_source_object (task);

      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&error, "outbound %s: ", sy_outbound_get_name (self));
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  direct_connect (task, addresses);
}

static void
sy_direct_outbound_dial_async (SyOutbound          *outbound,
                               SySession           *session,
                               const char          *host,
                               guint16              port,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  SyDirectOutbound *self = SY_DIRECT_OUTBOUND (outbound);
  g_autoptr(GInetAddress) literal = NULL;
  GTask *task;
  DialData *data;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_direct_outbound_dial_async);

  data = g_new0 (DialData, 1);
  data->session = session != NULL ? sy_session_ref (session) : NULL;
  data->host = sy_host_strip_brackets (host);
  data->port = port;
  /* A snapshot: changing the options affects later dials only. */
  data->options = sy_socket_options_copy (self->options);
  g_task_set_task_data (task, data, (GDestroyNotify) dial_data_free);

  if (port == 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "outbound %s: port 0 is not a destination",
                               sy_outbound_get_name (outbound));
      g_object_unref (task);
      return;
    }

  /* IP literals need no resolver round trip. */
  literal = g_inet_address_new_from_string (data->host);
  if (literal != NULL)
    {
      GList single = { literal, NULL, NULL };

      direct_connect (task, &single);
      return;
    }

  g_resolver_lookup_by_name_async (g_resolver_get_default (), data->host, cancellable,
                                   direct_resolved_cb, task);
}

static GIOStream *
sy_direct_outbound_dial_finish (SyOutbound    *outbound,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, outbound), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_direct_outbound_dial_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
sy_direct_outbound_finalize (GObject *object)
{
  SyDirectOutbound *self = SY_DIRECT_OUTBOUND (object);

  g_clear_pointer (&self->options, sy_socket_options_free);

  G_OBJECT_CLASS (sy_direct_outbound_parent_class)->finalize (object);
}

static void
sy_direct_outbound_class_init (SyDirectOutboundClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SyOutboundClass *outbound_class = SY_OUTBOUND_CLASS (klass);

  object_class->finalize = sy_direct_outbound_finalize;

  outbound_class->dial_async = sy_direct_outbound_dial_async;
  outbound_class->dial_finish = sy_direct_outbound_dial_finish;
}

static void
sy_direct_outbound_init (SyDirectOutbound *self)
{
  self->options = sy_socket_options_new ();
  self->options->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
}

SyOutbound *
sy_direct_outbound_new (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  return g_object_new (SY_TYPE_DIRECT_OUTBOUND,
                       "name", name,
                       "kind", "direct",
                       NULL);
}

gboolean
sy_direct_outbound_set_options (SyDirectOutbound  *self,
                                const char        *bind_address,
                                const char        *interface,
                                guint32            fwmark,
                                GError           **error)
{
  const char *name;
  g_autoptr(SySocketOptions) options = NULL;
  g_autoptr(GSocket) probe = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (SY_IS_DIRECT_OUTBOUND (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  name = sy_outbound_get_name (SY_OUTBOUND (self));
  options = sy_socket_options_new ();
  options->connect_timeout_ms = self->options->connect_timeout_ms;
  options->fwmark = fwmark;

  if (bind_address != NULL && *bind_address != '\0')
    {
      g_autofree char *bare = sy_host_strip_brackets (bind_address);

      options->bind_address = g_inet_address_new_from_string (bare);
      if (options->bind_address == NULL)
        {
          g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                       "outbound %s: bind address “%s” is not an IP address",
                       name, bind_address);
          return FALSE;
        }
    }

  if (interface != NULL && *interface != '\0')
    {
      if (strlen (interface) >= IF_NAMESIZE || if_nametoindex (interface) == 0)
        {
          g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                       "outbound %s: there is no network interface named “%s”",
                       name, interface);
          return FALSE;
        }
      options->interface = g_strdup (interface);
    }

  /* Set up a throwaway socket exactly as a dial would, so that a missing
   * capability or a foreign bind address is reported while the person is
   * still looking at the setting, not as a failure of some later session. */
  probe = sy_socket_new_outgoing (options->bind_address != NULL
                                  ? g_inet_address_get_family (options->bind_address)
                                  : G_SOCKET_FAMILY_IPV4,
                                  options, &local_error);
  if (probe == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                     "outbound %s: %s", name, local_error->message);
      else
        g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                     "outbound %s: %s", name, local_error->message);
      return FALSE;
    }
  g_socket_close (probe, NULL);

  sy_socket_options_free (self->options);
  self->options = g_steal_pointer (&options);
  return TRUE;
}

void
sy_direct_outbound_set_connect_timeout (SyDirectOutbound *self,
                                        guint             timeout_ms)
{
  g_return_if_fail (SY_IS_DIRECT_OUTBOUND (self));

  self->options->connect_timeout_ms = timeout_ms;
}
