/* sy-happy-eyeballs.c — RFC 8305 connection racing over kernel sockets
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-happy-eyeballs"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "outbound/sy-happy-eyeballs.h"

SySocketOptions *
sy_socket_options_new (void)
{
  return g_new0 (SySocketOptions, 1);
}

SySocketOptions *
sy_socket_options_copy (const SySocketOptions *options)
{
  SySocketOptions *copy = g_new0 (SySocketOptions, 1);

  g_return_val_if_fail (options != NULL, copy);

  g_set_object (&copy->bind_address, options->bind_address);
  copy->interface = g_strdup (options->interface);
  copy->fwmark = options->fwmark;
  copy->connect_timeout_ms = options->connect_timeout_ms;

  return copy;
}

void
sy_socket_options_free (SySocketOptions *options)
{
  if (options == NULL)
    return;

  g_clear_object (&options->bind_address);
  g_free (options->interface);
  g_free (options);
}

static gboolean
set_int_option (GSocket     *socket,
                int          level,
                int          name,
                int          value,
                const char  *what,
                GError     **error)
{
  int saved_errno;

  if (setsockopt (g_socket_get_fd (socket), level, name, &value, sizeof value) == 0)
    return TRUE;

  saved_errno = errno;
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               "cannot set %s: %s", what, g_strerror (saved_errno));
  return FALSE;
}

GSocket *
sy_socket_new_outgoing (GSocketFamily          family,
                        const SySocketOptions *options,
                        GError               **error)
{
  g_autoptr(GSocket) socket = NULL;
  int fd;

  g_return_val_if_fail (options != NULL, NULL);

  socket = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;

  g_socket_set_blocking (socket, FALSE);
  fd = g_socket_get_fd (socket);

  /* Proxied streams are mostly interactive (TLS handshakes, requests):
   * Nagle's delay only adds latency on top of the client's own. */
  if (!set_int_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY", error))
    return NULL;

  if (options->interface != NULL)
    {
      if (setsockopt (fd, SOL_SOCKET, SO_BINDTODEVICE,
                      options->interface, strlen (options->interface) + 1) != 0)
        {
          int saved_errno = errno;

          if (saved_errno == EPERM || saved_errno == EACCES)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                         "binding to interface “%s” needs CAP_NET_RAW "
                         "(run with that capability or remove the interface option)",
                         options->interface);
          else if (saved_errno == ENODEV)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                         "there is no network interface named “%s”", options->interface);
          else
            g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                         "cannot bind to interface “%s”: %s",
                         options->interface, g_strerror (saved_errno));
          return NULL;
        }
    }

  if (options->fwmark != 0)
    {
      int mark = (int) options->fwmark;

      if (setsockopt (fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0)
        {
          int saved_errno = errno;

          if (saved_errno == EPERM || saved_errno == EACCES)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                         "setting fwmark 0x%x needs CAP_NET_ADMIN "
                         "(run with that capability or remove the fwmark option)",
                         options->fwmark);
          else
            g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                         "cannot set fwmark 0x%x: %s", options->fwmark,
                         g_strerror (saved_errno));
          return NULL;
        }
    }

  if (options->bind_address != NULL)
    {
      g_autoptr(GSocketAddress) local = NULL;
      g_autofree char *text = g_inet_address_to_string (options->bind_address);
      struct sockaddr_storage native;
      int one = 1;

      /* Leave the port choice to connect(): with a fixed source address the
       * kernel then picks among all four-tuples instead of reserving a port
       * per socket at bind time, which runs out under load. Older kernels
       * lack the option; binding still works without it. */
      (void) setsockopt (fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);

      local = g_inet_socket_address_new (options->bind_address, 0);
      if (!g_socket_address_to_native (local, &native, sizeof native, error))
        return NULL;
      /* bind(2) itself rather than g_socket_bind(): the errno must survive
       * to tell "not an address of this machine" apart. */
      if (bind (fd, (struct sockaddr *) &native,
                g_socket_address_get_native_size (local)) != 0)
        {
          int saved_errno = errno;

          if (saved_errno == EADDRNOTAVAIL)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                         "cannot bind to %s: it is not an address of this machine", text);
          else
            g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                         "cannot bind to %s: %s", text, g_strerror (saved_errno));
          return NULL;
        }
    }

  return g_steal_pointer (&socket);
}

GList *
sy_happy_eyeballs_sort (GList *addresses)
{
  g_autoptr(GQueue) v6 = g_queue_new ();
  g_autoptr(GQueue) v4 = g_queue_new ();
  GList *sorted = NULL;

  for (const GList *l = addresses; l != NULL; l = l->next)
    {
      GInetAddress *address = l->data;

      if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
        g_queue_push_tail (v6, address);
      else
        g_queue_push_tail (v4, address);
    }

  /* RFC 8305 §4: alternate the families so that a broken family costs at
   * most one Connection Attempt Delay before the other one is tried. */
  while (!g_queue_is_empty (v6) || !g_queue_is_empty (v4))
    {
      if (!g_queue_is_empty (v6))
        sorted = g_list_prepend (sorted, g_object_ref (g_queue_pop_head (v6)));
      if (!g_queue_is_empty (v4))
        sorted = g_list_prepend (sorted, g_object_ref (g_queue_pop_head (v4)));
    }

  return g_list_reverse (sorted);
}

typedef struct _Race Race;

typedef struct
{
  Race               *race;
  GSocket            *socket;
  GInetSocketAddress *address;
  GSource            *ready_source;
  GSource            *timeout_source;
} Attempt;

struct _Race
{
  GTask           *task;          /* strong until the race returns */
  GPtrArray       *addresses;     /* GInetSocketAddress, in attempt order */
  guint            next;          /* index of the next address to try */
  GPtrArray       *attempts;      /* Attempt in flight */
  GSource         *delay_source;  /* Connection Attempt Delay timer */
  GSource         *cancel_source;
  SySocketOptions *options;
  GError          *best_error;
};

static char *
format_endpoint (GInetSocketAddress *address)
{
  g_autofree char *ip = g_inet_address_to_string (g_inet_socket_address_get_address (address));
  guint16 port = g_inet_socket_address_get_port (address);

  if (g_socket_address_get_family (G_SOCKET_ADDRESS (address)) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", ip, port);
  return g_strdup_printf ("%s:%u", ip, port);
}

static void
attempt_free (Attempt *attempt)
{
  if (attempt->ready_source != NULL)
    {
      g_source_destroy (attempt->ready_source);
      g_clear_pointer (&attempt->ready_source, g_source_unref);
    }
  if (attempt->timeout_source != NULL)
    {
      g_source_destroy (attempt->timeout_source);
      g_clear_pointer (&attempt->timeout_source, g_source_unref);
    }
  if (attempt->socket != NULL)
    {
      /* Close explicitly: losing attempts must release their half-open
       * connections now, not whenever the last reference goes. */
      g_socket_close (attempt->socket, NULL);
      g_clear_object (&attempt->socket);
    }
  g_clear_object (&attempt->address);
  g_free (attempt);
}

static void
race_free (Race *race)
{
  g_assert (race->task == NULL);
  g_assert (race->attempts->len == 0);
  g_assert (race->delay_source == NULL);
  g_assert (race->cancel_source == NULL);

  g_ptr_array_unref (race->addresses);
  g_ptr_array_unref (race->attempts);
  sy_socket_options_free (race->options);
  g_clear_error (&race->best_error);
  g_free (race);
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* The error a person learns most from when every attempt failed: a refusal
 * proves the host was reached, an ICMP host-unreachable names the host, a
 * timeout at least says the path is silent, while network-unreachable is the
 * usual noise of a family without a route. */
static int
error_rank (const GError *error)
{
  if (error->domain != G_IO_ERROR)
    return 1;

  switch (error->code)
    {
    case G_IO_ERROR_CONNECTION_REFUSED:
      return 6;
    case G_IO_ERROR_HOST_UNREACHABLE:
      return 5;
    case G_IO_ERROR_TIMED_OUT:
      return 4;
    case G_IO_ERROR_PERMISSION_DENIED:
      return 3;
    case G_IO_ERROR_NETWORK_UNREACHABLE:
      return 2;
    default:
      return 1;
    }
}

static void
race_record_error (Race   *race,
                   GError *error)
{
  g_debug ("%s", error->message);

  /* On a tie the earlier error wins: it belongs to the preferred address. */
  if (race->best_error == NULL || error_rank (error) > error_rank (race->best_error))
    {
      g_clear_error (&race->best_error);
      race->best_error = error;
    }
  else
    g_error_free (error);
}

static void
race_finish (Race    *race,
             GSocket *socket,
             GError  *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&race->task);

  g_assert (task != NULL);
  g_assert ((socket == NULL) != (error == NULL));

  clear_source (&race->delay_source);
  clear_source (&race->cancel_source);
  g_ptr_array_set_size (race->attempts, 0);

  if (socket != NULL)
    g_task_return_pointer (task, socket, g_object_unref);
  else
    g_task_return_error (task, error);
}

static void race_start_next (Race *race);

static void
attempt_failed (Attempt *attempt,
                GError  *error)
{
  Race *race = attempt->race;

  race_record_error (race, error);
  g_ptr_array_remove_fast (race->attempts, attempt);

  /* RFC 8305 §5: a failure starts the next attempt at once rather than
   * waiting for the rest of the Connection Attempt Delay. */
  clear_source (&race->delay_source);
  race_start_next (race);
}

static gboolean
attempt_ready_cb (GSocket      *socket,
                  GIOCondition  condition,
                  gpointer      user_data)
{
  Attempt *attempt = user_data;
  Race *race = attempt->race;
  GError *error = NULL;

  g_assert (socket == attempt->socket);

  if (!g_socket_check_connect_result (socket, &error))
    {
      g_autofree char *endpoint = format_endpoint (attempt->address);

      g_prefix_error (&error, "connect to %s: ", endpoint);
      attempt_failed (attempt, error);
      return G_SOURCE_REMOVE;
    }

  race_finish (race, g_steal_pointer (&attempt->socket), NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
attempt_timeout_cb (gpointer user_data)
{
  Attempt *attempt = user_data;
  g_autofree char *endpoint = format_endpoint (attempt->address);
  GError *error;

  error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "connect to %s: timed out after %u ms", endpoint,
                       attempt->race->options->connect_timeout_ms);
  attempt_failed (attempt, error);
  return G_SOURCE_REMOVE;
}

static gboolean
race_delay_cb (gpointer user_data)
{
  Race *race = user_data;

  g_clear_pointer (&race->delay_source, g_source_unref);
  race_start_next (race);
  return G_SOURCE_REMOVE;
}

static gboolean
race_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  Race *race = user_data;

  race_finish (race, NULL,
               g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled"));
  return G_SOURCE_REMOVE;
}

static GSource *
attach_source (Race        *race,
               GSource     *source,
               GSourceFunc  func,
               gpointer     data)
{
  g_source_set_callback (source, func, data, NULL);
  g_source_set_static_name (source, "[switchyard] happy eyeballs");
  g_source_attach (source, g_task_get_context (race->task));
  return source;
}

static gboolean
race_start_attempt (Race               *race,
                    GInetSocketAddress *address,
                    GError            **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) local_error = NULL;
  Attempt *attempt;

  socket = sy_socket_new_outgoing (g_socket_address_get_family (G_SOCKET_ADDRESS (address)),
                                   race->options, error);
  if (socket == NULL)
    return FALSE;

  if (!g_socket_connect (socket, G_SOCKET_ADDRESS (address), NULL, &local_error) &&
      !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PENDING))
    {
      g_autofree char *endpoint = format_endpoint (address);

      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "connect to %s: ", endpoint);
      return FALSE;
    }

  attempt = g_new0 (Attempt, 1);
  attempt->race = race;
  attempt->socket = g_steal_pointer (&socket);
  attempt->address = g_object_ref (address);

  /* A connect that completed at once reports writable on the first poll,
   * so both outcomes go through the same check. */
  attempt->ready_source =
    attach_source (race, g_socket_create_source (attempt->socket, G_IO_OUT, NULL),
                   G_SOURCE_FUNC (attempt_ready_cb), attempt);
  if (race->options->connect_timeout_ms > 0)
    attempt->timeout_source =
      attach_source (race, g_timeout_source_new (race->options->connect_timeout_ms),
                     attempt_timeout_cb, attempt);

  g_ptr_array_add (race->attempts, attempt);
  return TRUE;
}

static void
race_start_next (Race *race)
{
  g_assert (race->delay_source == NULL);

  while (race->next < race->addresses->len)
    {
      GInetSocketAddress *address = g_ptr_array_index (race->addresses, race->next++);
      GError *error = NULL;

      if (race_start_attempt (race, address, &error))
        {
          if (race->next < race->addresses->len)
            race->delay_source =
              attach_source (race, g_timeout_source_new (SY_HAPPY_EYEBALLS_ATTEMPT_DELAY_MS),
                             race_delay_cb, race);
          return;
        }

      race_record_error (race, error);
    }

  if (race->attempts->len == 0)
    race_finish (race, NULL, g_steal_pointer (&race->best_error));
}

void
sy_happy_eyeballs_connect_async (GList                 *addresses,
                                 guint16                port,
                                 const SySocketOptions *options,
                                 GCancellable          *cancellable,
                                 GAsyncReadyCallback    callback,
                                 gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  Race *race;

  g_return_if_fail (addresses != NULL);
  g_return_if_fail (options != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_happy_eyeballs_connect_async);

  race = g_new0 (Race, 1);
  race->task = g_object_ref (task);
  race->addresses = g_ptr_array_new_with_free_func (g_object_unref);
  race->attempts = g_ptr_array_new_with_free_func ((GDestroyNotify) attempt_free);
  race->options = sy_socket_options_copy (options);
  g_task_set_task_data (task, race, (GDestroyNotify) race_free);

  for (const GList *l = addresses; l != NULL; l = l->next)
    g_ptr_array_add (race->addresses, g_inet_socket_address_new (l->data, port));

  if (g_task_return_error_if_cancelled (task))
    {
      g_clear_object (&race->task);
      return;
    }

  if (cancellable != NULL)
    race->cancel_source = attach_source (race, g_cancellable_source_new (cancellable),
                                         G_SOURCE_FUNC (race_cancelled_cb), race);

  race_start_next (race);
}

GSocket *
sy_happy_eyeballs_connect_finish (GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_happy_eyeballs_connect_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
