/* sy-pool-health.c — active health checks of a pool's upstreams
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-pool"

#include <string.h>

#include <libsoup/soup.h>

#include "pool/sy-pool-private.h"
#include "util/sy-error.h"

/* Enough for any sane status line ("HTTP/1.1 204 No Content\r\n"). */
#define STATUS_LINE_MAX 1024

/*
 * A check fetches the health URL through the upstream, as a real client
 * would: dial the URL's host:port through the upstream's dialer, TLS for
 * https://, one HTTP/1.1 request, and read only as far as the status line —
 * the body is of no interest and may be large. The whole check, dial
 * included, is bounded by timeout_ms. Latency is dial start → status line.
 */
typedef struct
{
  SyUpstream   *upstream;
  GCancellable *caller_cancellable;
  gulong        caller_handler;
  GCancellable *cancellable;     /* ours: the caller's, or the timeout */
  GSource      *timeout;
  gboolean      timed_out;
  guint         timeout_ms;
  gint64        started;         /* monotonic µs */
  GIOStream    *stream;          /* through the upstream, or its TLS client */
  char         *request;
  char          buffer[STATUS_LINE_MAX + 1];
  gsize         length;
} SyCheck;

static void
sy_check_free (SyCheck *check)
{
  if (check->caller_handler != 0)
    g_cancellable_disconnect (check->caller_cancellable, check->caller_handler);
  g_clear_object (&check->caller_cancellable);
  if (check->timeout != NULL)
    {
      g_source_destroy (check->timeout);
      g_clear_pointer (&check->timeout, g_source_unref);
    }
  g_clear_object (&check->cancellable);
  g_clear_object (&check->stream);
  g_clear_object (&check->upstream);
  g_free (check->request);
  g_free (check);
}

static gboolean
sy_check_timeout_cb (gpointer user_data)
{
  SyCheck *check = user_data;

  check->timed_out = TRUE;
  g_cancellable_cancel (check->cancellable);
  g_clear_pointer (&check->timeout, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
sy_check_caller_cancelled_cb (GCancellable *caller,
                              gpointer      user_data)
{
  GCancellable *ours = user_data;

  g_cancellable_cancel (ours);
}

/* Every failure ends here: a cancellation by the caller is no verdict on the
 * upstream; anything else, timeouts included, is a failed check. */
static void
sy_check_fail (GTask  *task,
               GError *error)
{
  SyPool *self = g_task_get_source_object (task);
  SyCheck *check = g_task_get_task_data (task);

  if (check->timed_out)
    {
      g_clear_error (&error);
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "health check did not finish within %u ms", check->timeout_ms);
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  g_debug ("pool %s: health check of %s failed: %s", sy_outbound_get_name (SY_OUTBOUND (self)),
           sy_upstream_get_name (check->upstream), error->message);
  sy_pool_record_error (self, check->upstream, error);
  sy_upstream_report_result (check->upstream, TRUE, -1, error);
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
sy_check_succeed (GTask  *task,
                  gint64  latency_ms)
{
  SyCheck *check = g_task_get_task_data (task);

  sy_upstream_report_result (check->upstream, TRUE, latency_ms, NULL);
  g_task_return_int (task, latency_ms);
  g_object_unref (task);
}

static void sy_check_read (GTask *task);

static void
sy_check_read_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  SyPool *self = g_task_get_source_object (task);
  SyCheck *check = g_task_get_task_data (task);
  GError *error = NULL;
  g_autofree char *reason = NULL;
  SoupHTTPVersion version;
  guint status = 0;
  gssize n;
  char *eol;
  gint64 latency_ms;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (n < 0)
    {
      sy_check_fail (task, error);
      return;
    }
  if (n == 0)
    {
      sy_check_fail (task, g_error_new (SY_ERROR, SY_ERROR_PROTOCOL,
                                        "the server closed the connection before answering"));
      return;
    }

  check->length += n;
  check->buffer[check->length] = '\0';

  eol = memchr (check->buffer, '\n', check->length);
  if (eol == NULL)
    {
      if (check->length >= STATUS_LINE_MAX)
        sy_check_fail (task, g_error_new (SY_ERROR, SY_ERROR_PROTOCOL,
                                          "the answer does not start with an HTTP status line"));
      else
        sy_check_read (task);
      return;
    }

  latency_ms = (g_get_monotonic_time () - check->started) / 1000;

  *eol = '\0';
  if (eol > check->buffer && eol[-1] == '\r')
    eol[-1] = '\0';

  if (!soup_headers_parse_status_line (check->buffer, &version, &status, &reason))
    {
      sy_check_fail (task, g_error_new (SY_ERROR, SY_ERROR_PROTOCOL,
                                        "the answer does not start with an HTTP status line"));
      return;
    }

  if (!sy_health_check_status_ok (&self->config->health, status))
    {
      g_autofree char *expected = sy_status_ranges_to_string (self->config->health.expected_status);

      sy_check_fail (task, g_error_new (SY_ERROR, SY_ERROR_FAILED,
                                        "health check got HTTP %u %s, expected %s",
                                        status, reason != NULL ? reason : "",
                                        expected != NULL ? expected : "200-399"));
      return;
    }

  sy_check_succeed (task, latency_ms);
}

static void
sy_check_read (GTask *task)
{
  SyCheck *check = g_task_get_task_data (task);

  g_input_stream_read_async (g_io_stream_get_input_stream (check->stream),
                             check->buffer + check->length,
                             STATUS_LINE_MAX - check->length,
                             G_PRIORITY_DEFAULT, check->cancellable,
                             sy_check_read_cb, task);
}

static void
sy_check_written_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      sy_check_fail (task, error);
      return;
    }

  sy_check_read (task);
}

static void
sy_check_send (GTask *task)
{
  SyCheck *check = g_task_get_task_data (task);

  g_output_stream_write_all_async (g_io_stream_get_output_stream (check->stream),
                                   check->request, strlen (check->request),
                                   G_PRIORITY_DEFAULT, check->cancellable,
                                   sy_check_written_cb, task);
}

static void
sy_check_handshake_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    {
      sy_check_fail (task, error);
      return;
    }

  sy_check_send (task);
}

static void
sy_check_dialed_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  SyPool *self = g_task_get_source_object (task);
  SyCheck *check = g_task_get_task_data (task);
  g_autoptr(GIOStream) stream = NULL;
  GError *error = NULL;

  stream = sy_upstream_dial_finish (SY_UPSTREAM (source), result, NULL, &error);
  if (stream == NULL)
    {
      sy_check_fail (task, error);
      return;
    }

  if (self->check_tls)
    {
      g_autoptr(GSocketConnectable) identity = NULL;
      GIOStream *tls;

      identity = g_network_address_new (self->check_host, self->check_port);
      tls = g_tls_client_connection_new (stream, identity, &error);
      if (tls == NULL)
        {
          sy_check_fail (task, error);
          return;
        }
      check->stream = tls;
      if (self->check_tls_database != NULL)
        g_tls_connection_set_database (G_TLS_CONNECTION (tls), self->check_tls_database);
      g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                        check->cancellable, sy_check_handshake_cb, task);
      return;
    }

  check->stream = g_steal_pointer (&stream);
  sy_check_send (task);
}

static char *
sy_pool_build_request (SyPool *self)
{
  gboolean v6 = strchr (self->check_host, ':') != NULL;
  gboolean default_port = self->check_port == (self->check_tls ? 443 : 80);
  g_autofree char *host = NULL;

  /* RFC 9112 §3.2: Host carries the port unless it is the scheme's default;
   * an IPv6 literal keeps its brackets (RFC 3986 §3.2.2). */
  if (default_port)
    host = g_strdup_printf (v6 ? "[%s]" : "%s", self->check_host);
  else
    host = g_strdup_printf (v6 ? "[%s]:%u" : "%s:%u", self->check_host, self->check_port);

  return g_strdup_printf ("GET %s HTTP/1.1\r\n"
                          "Host: %s\r\n"
                          "User-Agent: switchyard/" PACKAGE_VERSION "\r\n"
                          "Accept: */*\r\n"
                          "Connection: close\r\n"
                          "\r\n",
                          self->check_path, host);
}

/* One check of @upstream; reports its result to the upstream and yields the
 * latency in ms. */
static void
sy_pool_check_upstream_async (SyPool              *self,
                              SyUpstream          *upstream,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task;
  SyCheck *check;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_pool_check_upstream_async);

  if (self->check_url_error != NULL)
    {
      g_task_return_new_error (task, SY_ERROR, SY_ERROR_CONFIG,
                               "pool “%s”: %s", sy_outbound_get_name (SY_OUTBOUND (self)),
                               self->check_url_error);
      g_object_unref (task);
      return;
    }

  check = g_new0 (SyCheck, 1);
  check->upstream = g_object_ref (upstream);
  check->cancellable = g_cancellable_new ();
  check->timeout_ms = self->config->health.timeout_ms > 0 ? self->config->health.timeout_ms : 5000;
  check->request = sy_pool_build_request (self);
  g_task_set_task_data (task, check, (GDestroyNotify) sy_check_free);

  if (cancellable != NULL)
    {
      check->caller_cancellable = g_object_ref (cancellable);
      check->caller_handler = g_cancellable_connect (cancellable,
                                                     G_CALLBACK (sy_check_caller_cancelled_cb),
                                                     g_object_ref (check->cancellable),
                                                     g_object_unref);
    }

  check->timeout = g_timeout_source_new (check->timeout_ms);
  g_source_set_callback (check->timeout, sy_check_timeout_cb, check, NULL);
  g_source_attach (check->timeout, g_main_context_get_thread_default ());

  check->started = g_get_monotonic_time ();
  sy_upstream_dial_async (upstream, NULL, self->check_host, self->check_port,
                          check->cancellable, sy_check_dialed_cb, task);
}

static gint64
sy_pool_check_upstream_finish (SyPool        *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_assert (g_task_is_valid (result, self));

  return g_task_propagate_int (G_TASK (result), error);
}

gboolean
sy_pool_checks_active (SyPool *self)
{
  return self->checks_started &&
         self->config->health.enabled &&
         self->check_url_error == NULL;
}

/* The timer is a bare GSource driven only by its ready time: it wakes the
 * loop when the earliest check is due and at no other moment. */
static gboolean
sy_pool_timer_dispatch (GSource     *source,
                        GSourceFunc  callback,
                        gpointer     user_data)
{
  g_source_set_ready_time (source, -1);
  return callback (user_data);
}

static GSourceFuncs sy_pool_timer_funcs = {
  .dispatch = sy_pool_timer_dispatch,
};

void
sy_pool_health_reschedule (SyPool *self)
{
  gint64 next = SY_HEALTH_NEVER;

  if (self->check_timer == NULL)
    return;

  if (sy_pool_checks_active (self))
    {
      for (guint i = 0; i < self->upstreams->len; i++)
        {
          SyUpstream *upstream = g_ptr_array_index (self->upstreams, i);

          if (g_hash_table_contains (self->checks_in_flight, upstream))
            continue;
          next = MIN (next, sy_upstream_get_next_check_at (upstream));
        }
    }

  g_source_set_ready_time (self->check_timer, next == SY_HEALTH_NEVER ? -1 : next);
}

static void
sy_pool_scheduled_check_cb (GObject      *source,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  SyPool *self = SY_POOL (source);
  g_autoptr(GCancellable) cancellable = user_data;
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer key, value;

  sy_pool_check_upstream_finish (self, result, &error);

  if (self->checks_in_flight == NULL)
    return;

  /* Only forget the entry if it is still this check's (not a newer one). */
  g_hash_table_iter_init (&iter, self->checks_in_flight);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (value == cancellable)
      {
        g_hash_table_iter_remove (&iter);
        break;
      }

  sy_pool_health_reschedule (self);
}

static gboolean
sy_pool_timer_cb (gpointer user_data)
{
  SyPool *self = user_data;
  g_autoptr(GPtrArray) due = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 now = g_get_monotonic_time ();

  if (!sy_pool_checks_active (self))
    return G_SOURCE_CONTINUE;

  for (guint i = 0; i < self->upstreams->len; i++)
    {
      SyUpstream *upstream = g_ptr_array_index (self->upstreams, i);

      if (!g_hash_table_contains (self->checks_in_flight, upstream) &&
          sy_upstream_is_check_due (upstream, now))
        g_ptr_array_add (due, g_object_ref (upstream));
    }

  /* Concurrently: one slow upstream must not delay the verdict on the others. */
  for (guint i = 0; i < due->len; i++)
    {
      SyUpstream *upstream = g_ptr_array_index (due, i);
      GCancellable *cancellable = g_cancellable_new ();

      g_hash_table_insert (self->checks_in_flight, upstream, g_object_ref (cancellable));
      sy_pool_check_upstream_async (self, upstream, cancellable,
                                    sy_pool_scheduled_check_cb, cancellable);
    }

  sy_pool_health_reschedule (self);
  return G_SOURCE_CONTINUE;
}

static void
sy_pool_cancel_checks (SyPool *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->checks_in_flight);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_cancellable_cancel (value);
  g_hash_table_remove_all (self->checks_in_flight);
}

void
sy_pool_health_apply_config (SyPool *self)
{
  const char *url = self->config->health.url;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) error = NULL;
  const char *scheme;
  const char *path;
  const char *query;
  gint port;

  g_clear_pointer (&self->check_host, g_free);
  g_clear_pointer (&self->check_path, g_free);
  g_clear_pointer (&self->check_url_error, g_free);

  if (url == NULL || *url == '\0')
    {
      self->check_url_error = g_strdup ("no health check URL is set");
      goto out;
    }

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, &error);
  if (uri == NULL)
    {
      self->check_url_error = g_strdup_printf ("health check URL “%s” is invalid: %s",
                                               url, error->message);
      goto out;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") == 0)
    self->check_tls = FALSE;
  else if (g_ascii_strcasecmp (scheme, "https") == 0)
    self->check_tls = TRUE;
  else
    {
      self->check_url_error = g_strdup_printf ("health check URL “%s” must start with http:// or https://",
                                               url);
      goto out;
    }

  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      self->check_url_error = g_strdup_printf ("health check URL “%s” has no host", url);
      goto out;
    }

  port = g_uri_get_port (uri);
  self->check_host = g_strdup (g_uri_get_host (uri));
  self->check_port = port > 0 ? port : (self->check_tls ? 443 : 80);

  path = g_uri_get_path (uri);
  query = g_uri_get_query (uri);
  self->check_path = g_strdup_printf ("%s%s%s",
                                      (path != NULL && *path != '\0') ? path : "/",
                                      query != NULL ? "?" : "",
                                      query != NULL ? query : "");

out:
  if (self->check_url_error != NULL && self->config->health.enabled)
    g_warning ("Pool “%s”: %s; active health checks are off",
               sy_outbound_get_name (SY_OUTBOUND (self)), self->check_url_error);

  sy_pool_health_reschedule (self);
}

void
sy_pool_health_forget_upstream (SyPool     *self,
                                SyUpstream *upstream)
{
  GCancellable *cancellable;

  if (self->checks_in_flight == NULL)
    return;

  cancellable = g_hash_table_lookup (self->checks_in_flight, upstream);
  if (cancellable != NULL)
    {
      g_cancellable_cancel (cancellable);
      g_hash_table_remove (self->checks_in_flight, upstream);
    }
}

void
sy_pool_health_dispose (SyPool *self)
{
  sy_pool_stop_health_checks (self);
  g_clear_pointer (&self->checks_in_flight, g_hash_table_unref);
  g_clear_pointer (&self->check_host, g_free);
  g_clear_pointer (&self->check_path, g_free);
  g_clear_pointer (&self->check_url_error, g_free);
  g_clear_object (&self->check_tls_database);
}

void
sy_pool_set_tls_database (SyPool       *self,
                          GTlsDatabase *database)
{
  g_return_if_fail (SY_IS_POOL (self));
  g_return_if_fail (!database || G_IS_TLS_DATABASE (database));

  g_set_object (&self->check_tls_database, database);
}

void
sy_pool_start_health_checks (SyPool *self)
{
  g_return_if_fail (SY_IS_POOL (self));

  if (self->checks_started)
    return;

  self->checks_started = TRUE;
  self->check_timer = g_source_new (&sy_pool_timer_funcs, sizeof (GSource));
  g_source_set_name (self->check_timer, "[switchyard] pool health checks");
  g_source_set_callback (self->check_timer, sy_pool_timer_cb, self, NULL);
  g_source_set_ready_time (self->check_timer, -1);
  g_source_attach (self->check_timer, g_main_context_get_thread_default ());

  sy_pool_health_reschedule (self);
}

void
sy_pool_stop_health_checks (SyPool *self)
{
  g_return_if_fail (SY_IS_POOL (self));

  if (!self->checks_started)
    return;

  self->checks_started = FALSE;
  if (self->check_timer != NULL)
    {
      g_source_destroy (self->check_timer);
      g_clear_pointer (&self->check_timer, g_source_unref);
    }
  sy_pool_cancel_checks (self);
}

static void
sy_pool_test_upstream_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  gint64 latency;

  latency = sy_pool_check_upstream_finish (SY_POOL (source), result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, latency);
}

void
sy_pool_test_upstream_async (SyPool              *self,
                             const char          *upstream,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SyUpstream *member;

  g_return_if_fail (SY_IS_POOL (self));
  g_return_if_fail (upstream != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_pool_test_upstream_async);

  member = sy_pool_find_upstream (self, upstream);
  if (member == NULL)
    {
      g_task_return_new_error (task, SY_ERROR, SY_ERROR_NOT_FOUND,
                               "pool “%s” has no upstream named “%s”",
                               sy_outbound_get_name (SY_OUTBOUND (self)), upstream);
      return;
    }

  /* Disabled members may be tested too: people try one before enabling it.
   * Its health stays DISABLED; latency and last error are still recorded. */
  sy_pool_check_upstream_async (self, member, cancellable,
                                sy_pool_test_upstream_cb, g_steal_pointer (&task));
}

gint64
sy_pool_test_upstream_finish (SyPool        *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (SY_IS_POOL (self), -1);
  g_return_val_if_fail (g_task_is_valid (result, self), -1);

  return g_task_propagate_int (G_TASK (result), error);
}
