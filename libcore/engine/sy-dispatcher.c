/* sy-dispatcher.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-dispatcher"

#include "sy-dispatcher.h"
#include "stats/sy-session-log.h"
#include "util/sy-error.h"

/* Change notifications are coalesced: a GUI cannot use more than ~10 list
 * updates a second, and a busy proxy would otherwise emit one per chunk. */
#define SESSIONS_FLUSH_INTERVAL_MS 100
#define TRAFFIC_INTERVAL_MS        1000

struct _SyDispatcher
{
  GObject          parent_instance;

  GHashTable      *outbounds;          /* name → SyOutbound */
  GHashTable      *sessions;           /* guint64* id → SySession (live) */
  SySessionLog    *log;

  GPtrArray       *changed;            /* SySession* dirty since the last flush */
  GArray          *removed;            /* guint64 ids finished since the last flush */
  guint            flush_source;

  SyTraffic        traffic;
  guint64          sampled_up;         /* totals at the last traffic sample */
  guint64          sampled_down;
  guint            sampled_active;
  gint64           sampled_at;
  guint            traffic_source;

  guint            connect_timeout_ms;
  SyRelayOptions   relay_options;
};

G_DEFINE_FINAL_TYPE (SyDispatcher, sy_dispatcher, G_TYPE_OBJECT)

enum {
  SESSIONS_CHANGED,
  TRAFFIC,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void sy_dispatcher_session_changed (SySession *session,
                                           gpointer   user_data);
static void sy_dispatcher_session_traffic (SySession *session,
                                           guint64    up,
                                           guint64    down,
                                           gpointer   user_data);

static const SySessionObserver session_observer = {
  sy_dispatcher_session_changed,
  sy_dispatcher_session_traffic,
};

static gboolean
sy_dispatcher_flush (gpointer user_data)
{
  SyDispatcher *self = user_data;
  g_autoptr(GPtrArray) changed = NULL;
  g_autoptr(GArray) removed = NULL;

  self->flush_source = 0;

  changed = g_steal_pointer (&self->changed);
  removed = g_steal_pointer (&self->removed);
  self->changed = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_session_unref);
  self->removed = g_array_new (FALSE, FALSE, sizeof (guint64));

  /* A session that ended within the interval is reported as removed only. */
  for (guint i = changed->len; i > 0; i--)
    {
      SySession *session = g_ptr_array_index (changed, i - 1);

      session->dirty = FALSE;
      if (sy_session_is_finished (session))
        g_ptr_array_remove_index_fast (changed, i - 1);
    }

  g_signal_emit (self, signals[SESSIONS_CHANGED], 0, changed, removed);

  return G_SOURCE_REMOVE;
}

static void
sy_dispatcher_schedule_flush (SyDispatcher *self)
{
  if (self->flush_source == 0)
    /* Default priority, like the sockets: at a lower one a busy proxy would
     * starve the flush and the batch would grow without bound. */
    self->flush_source = g_timeout_add_full (G_PRIORITY_DEFAULT, SESSIONS_FLUSH_INTERVAL_MS,
                                             sy_dispatcher_flush, self, NULL);
}

static gboolean
sy_dispatcher_traffic_tick (gpointer user_data)
{
  SyDispatcher *self = user_data;
  SyTrafficSample sample;
  gint64 now = g_get_monotonic_time ();
  gint64 elapsed = MAX (now - self->sampled_at, 1);
  gboolean quiet;

  sample.timestamp = g_get_real_time ();
  sample.rate_up = (self->traffic.bytes_up - self->sampled_up) * G_USEC_PER_SEC / elapsed;
  sample.rate_down = (self->traffic.bytes_down - self->sampled_down) * G_USEC_PER_SEC / elapsed;
  sample.total_up = self->traffic.bytes_up;
  sample.total_down = self->traffic.bytes_down;
  sample.active = self->traffic.sessions_active;

  quiet = self->traffic.bytes_up == self->sampled_up &&
          self->traffic.bytes_down == self->sampled_down &&
          self->traffic.sessions_active == self->sampled_active;

  self->sampled_up = self->traffic.bytes_up;
  self->sampled_down = self->traffic.bytes_down;
  self->sampled_active = self->traffic.sessions_active;
  self->sampled_at = now;

  g_signal_emit (self, signals[TRAFFIC], 0, &sample);

  /* After one all-quiet sample the timer stops: an idle proxy must not wake
   * up once a second. Traffic or a session coming or going re-arms it. */
  if (quiet)
    {
      self->traffic_source = 0;
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static void
sy_dispatcher_wake_traffic (SyDispatcher *self)
{
  if (self->traffic_source != 0)
    return;

  self->sampled_at = g_get_monotonic_time ();
  self->traffic_source = g_timeout_add_full (G_PRIORITY_DEFAULT, TRAFFIC_INTERVAL_MS,
                                             sy_dispatcher_traffic_tick, self, NULL);
}

static void
sy_dispatcher_session_changed (SySession *session,
                               gpointer   user_data)
{
  SyDispatcher *self = user_data;

  if (session->dirty)
    return;

  session->dirty = TRUE;
  g_ptr_array_add (self->changed, sy_session_ref (session));
  sy_dispatcher_schedule_flush (self);
}

static void
sy_dispatcher_session_traffic (SySession *session,
                               guint64    up,
                               guint64    down,
                               gpointer   user_data)
{
  SyDispatcher *self = user_data;

  self->traffic.bytes_up += up;
  self->traffic.bytes_down += down;
  sy_dispatcher_wake_traffic (self);
}

static void
sy_dispatcher_dispose (GObject *object)
{
  SyDispatcher *self = SY_DISPATCHER (object);

  sy_dispatcher_close_all (self);

  g_clear_handle_id (&self->flush_source, g_source_remove);
  g_clear_handle_id (&self->traffic_source, g_source_remove);

  G_OBJECT_CLASS (sy_dispatcher_parent_class)->dispose (object);
}

static void
sy_dispatcher_finalize (GObject *object)
{
  SyDispatcher *self = SY_DISPATCHER (object);
  GHashTableIter iter;
  gpointer value;

  /* Sessions still referenced by relays or inbounds must not call back into
   * a dispatcher that no longer exists. */
  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    sy_session_set_observer (value, NULL, NULL);

  for (guint i = 0; i < self->changed->len; i++)
    sy_session_set_observer (g_ptr_array_index (self->changed, i), NULL, NULL);

  g_clear_pointer (&self->outbounds, g_hash_table_unref);
  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_pointer (&self->log, sy_session_log_free);
  g_clear_pointer (&self->changed, g_ptr_array_unref);
  g_clear_pointer (&self->removed, g_array_unref);

  G_OBJECT_CLASS (sy_dispatcher_parent_class)->finalize (object);
}

static void
sy_dispatcher_class_init (SyDispatcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_dispatcher_dispose;
  object_class->finalize = sy_dispatcher_finalize;

  signals[SESSIONS_CHANGED] =
    g_signal_new ("sessions-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_PTR_ARRAY, G_TYPE_ARRAY);

  signals[TRAFFIC] =
    g_signal_new ("traffic",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
sy_dispatcher_init (SyDispatcher *self)
{
  SyRelayOptions defaults = SY_RELAY_OPTIONS_INIT;

  self->outbounds = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->sessions = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                          (GDestroyNotify) sy_session_unref);
  self->log = sy_session_log_new (1000);
  self->changed = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_session_unref);
  self->removed = g_array_new (FALSE, FALSE, sizeof (guint64));
  self->connect_timeout_ms = 10000;
  self->relay_options = defaults;
}

SyDispatcher *
sy_dispatcher_new (void)
{
  return g_object_new (SY_TYPE_DISPATCHER, NULL);
}

void
sy_dispatcher_set_outbound (SyDispatcher *self,
                            SyOutbound   *outbound)
{
  g_return_if_fail (SY_IS_DISPATCHER (self));
  g_return_if_fail (SY_IS_OUTBOUND (outbound));
  g_return_if_fail (sy_outbound_get_name (outbound) != NULL);

  g_hash_table_replace (self->outbounds,
                        g_strdup (sy_outbound_get_name (outbound)),
                        g_object_ref (outbound));
}

void
sy_dispatcher_remove_outbound (SyDispatcher *self,
                               const char   *name)
{
  g_return_if_fail (SY_IS_DISPATCHER (self));

  g_hash_table_remove (self->outbounds, name);
}

SyOutbound *
sy_dispatcher_lookup_outbound (SyDispatcher *self,
                               const char   *name)
{
  g_return_val_if_fail (SY_IS_DISPATCHER (self), NULL);

  return g_hash_table_lookup (self->outbounds, name != NULL ? name : "direct");
}

void
sy_dispatcher_set_timeouts (SyDispatcher *self,
                            guint         connect_timeout_ms,
                            guint         idle_timeout_ms)
{
  g_return_if_fail (SY_IS_DISPATCHER (self));

  self->connect_timeout_ms = connect_timeout_ms;
  self->relay_options.idle_timeout_ms = idle_timeout_ms;
}

guint
sy_dispatcher_get_idle_timeout (SyDispatcher *self)
{
  g_return_val_if_fail (SY_IS_DISPATCHER (self), 0);

  return self->relay_options.idle_timeout_ms;
}

void
sy_dispatcher_set_log_size (SyDispatcher *self,
                            guint         size)
{
  g_return_if_fail (SY_IS_DISPATCHER (self));

  sy_session_log_set_capacity (self->log, size);
}

void
sy_dispatcher_add_session (SyDispatcher *self,
                           SySession    *session)
{
  g_return_if_fail (SY_IS_DISPATCHER (self));
  g_return_if_fail (session != NULL);

  g_hash_table_replace (self->sessions, &session->id, sy_session_ref (session));
  sy_session_set_observer (session, &session_observer, self);
  self->traffic.sessions_total++;
  self->traffic.sessions_active++;
  sy_dispatcher_session_changed (session, self);
  sy_dispatcher_wake_traffic (self);
}

/* Dialing, bounded by the connect timeout ------------------------------- */

typedef struct
{
  SySession    *session;
  GCancellable *cancellable;     /* ours: cancelled by the timeout, the session or the caller */
  GCancellable *caller_cancellable;
  gulong        caller_handler;
  gulong        session_handler;
  guint         timeout_source;
  guint         timeout_ms;
  gboolean      timed_out;
} DialData;

static void
dial_data_free (DialData *data)
{
  if (data->caller_handler != 0)
    g_cancellable_disconnect (data->caller_cancellable, data->caller_handler);
  if (data->session_handler != 0)
    g_cancellable_disconnect (data->session->cancellable, data->session_handler);
  g_clear_handle_id (&data->timeout_source, g_source_remove);
  g_clear_object (&data->caller_cancellable);
  g_clear_object (&data->cancellable);
  g_clear_pointer (&data->session, sy_session_unref);
  g_free (data);
}

static void
forward_cancel (GCancellable *cancellable,
                gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static gboolean
dial_timeout_cb (gpointer user_data)
{
  DialData *data = user_data;

  data->timeout_source = 0;
  data->timed_out = TRUE;
  g_cancellable_cancel (data->cancellable);

  return G_SOURCE_REMOVE;
}

static void
dial_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DialData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = NULL;

  stream = sy_outbound_dial_finish (SY_OUTBOUND (object), result, &error);

  if (stream == NULL)
    {
      if (data->timed_out)
        {
          g_autofree char *target = sy_session_dup_target (data->session);

          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                   "Connecting to %s through %s timed out after %.1f s",
                                   target, sy_outbound_get_name (SY_OUTBOUND (object)),
                                   data->timeout_ms / 1000.0);
        }
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (data->timed_out)
    {
      /* The outbound won the race against the timer only in name. */
      g_io_stream_close (stream, NULL, NULL);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                               "Connecting timed out after %.1f s", data->timeout_ms / 1000.0);
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&stream), g_object_unref);
}

void
sy_dispatcher_dial_async (SyDispatcher        *self,
                          SySession           *session,
                          const char          *route,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SyOutbound *outbound;
  DialData *data;

  g_return_if_fail (SY_IS_DISPATCHER (self));
  g_return_if_fail (session != NULL);
  g_return_if_fail (session->host != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_dispatcher_dial_async);

  /* The rules engine (a later issue) slots in here; until then every
   * session takes its inbound's configured outbound. */
  if (route == NULL)
    route = "direct";
  outbound = sy_dispatcher_lookup_outbound (self, route);
  if (outbound == NULL)
    {
      g_task_return_new_error (task, SY_ERROR, SY_ERROR_NOT_FOUND,
                               "No outbound named “%s”: add the pool or change the inbound’s outbound",
                               route);
      return;
    }

  sy_session_set_outbound (session, route, NULL);
  sy_session_set_state (session, SY_SESSION_STATE_CONNECTING);

  data = g_new0 (DialData, 1);
  data->session = sy_session_ref (session);
  data->cancellable = g_cancellable_new ();
  data->timeout_ms = self->connect_timeout_ms;
  if (cancellable != NULL)
    {
      data->caller_cancellable = g_object_ref (cancellable);
      data->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (forward_cancel),
                                                    data->cancellable, NULL);
    }
  data->session_handler = g_cancellable_connect (session->cancellable, G_CALLBACK (forward_cancel),
                                                 data->cancellable, NULL);
  if (self->connect_timeout_ms > 0)
    data->timeout_source = g_timeout_add (self->connect_timeout_ms, dial_timeout_cb, data);
  g_task_set_task_data (task, data, (GDestroyNotify) dial_data_free);

  sy_outbound_dial_async (outbound, session, session->host, session->port,
                          data->cancellable, dial_cb, g_steal_pointer (&task));
}

GIOStream *
sy_dispatcher_dial_finish (SyDispatcher  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (SY_IS_DISPATCHER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Relaying and the end of a session ------------------------------------- */

static void
relay_done_cb (SySession    *session,
               const GError *error,
               gpointer      user_data)
{
  SyDispatcher *self = user_data;

  sy_dispatcher_end_session (self, session, error);
  g_object_unref (self);
}

void
sy_dispatcher_relay (SyDispatcher *self,
                     SySession    *session,
                     GIOStream    *client,
                     GIOStream    *remote,
                     GBytes       *client_pending)
{
  g_return_if_fail (SY_IS_DISPATCHER (self));
  g_return_if_fail (session != NULL);
  g_return_if_fail (G_IS_IO_STREAM (client));
  g_return_if_fail (G_IS_IO_STREAM (remote));

  sy_session_set_state (session, SY_SESSION_STATE_ESTABLISHED);
  sy_relay_start (session, client, remote, client_pending, &self->relay_options,
                  relay_done_cb, g_object_ref (self));
}

void
sy_dispatcher_end_session (SyDispatcher *self,
                           SySession    *session,
                           const GError *error)
{
  g_autoptr(SySession) owned = NULL;

  g_return_if_fail (SY_IS_DISPATCHER (self));
  g_return_if_fail (session != NULL);

  if (!g_hash_table_steal_extended (self->sessions, &session->id, NULL, (gpointer *) &owned))
    return;

  /* A close the user asked for, and an idle timeout, are normal ends. */
  if (error == NULL)
    sy_session_finish (session);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_free (session->error);
      session->error = g_strdup ("closed on request");
      sy_session_finish (session);
    }
  else if (session->state == SY_SESSION_STATE_ESTABLISHED &&
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      g_free (session->error);
      session->error = g_strdup (error->message);
      sy_session_finish (session);
    }
  else
    {
      sy_session_fail (session, error);
      self->traffic.sessions_failed++;
    }

  g_debug ("session %" G_GUINT64_FORMAT " ended: %s%s%s", session->id,
           sy_session_state_to_string (session->state),
           session->error ? ": " : "", session->error ? session->error : "");

  /* Make sure nothing it still holds keeps calling into us. */
  g_cancellable_cancel (session->cancellable);
  sy_session_set_observer (session, NULL, NULL);

  self->traffic.sessions_active--;
  g_array_append_val (self->removed, session->id);
  sy_session_log_append (self->log, session);
  sy_dispatcher_schedule_flush (self);
  sy_dispatcher_wake_traffic (self);
}

/* Control side ----------------------------------------------------------- */

GPtrArray *
sy_dispatcher_list_sessions (SyDispatcher *self)
{
  GPtrArray *result;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (SY_IS_DISPATCHER (self), NULL);

  result = g_ptr_array_new_full (g_hash_table_size (self->sessions),
                                 (GDestroyNotify) sy_session_unref);
  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (result, sy_session_ref (value));

  return result;
}

SySession *
sy_dispatcher_find_session (SyDispatcher *self,
                            guint64       id)
{
  g_return_val_if_fail (SY_IS_DISPATCHER (self), NULL);

  return g_hash_table_lookup (self->sessions, &id);
}

gboolean
sy_dispatcher_close_session (SyDispatcher *self,
                             guint64       id)
{
  SySession *session;

  g_return_val_if_fail (SY_IS_DISPATCHER (self), FALSE);

  session = g_hash_table_lookup (self->sessions, &id);
  if (session == NULL)
    return FALSE;

  /* The relay or the inbound notices and ends the session through us. */
  g_cancellable_cancel (session->cancellable);
  return TRUE;
}

static gboolean
contains_casefold (const char *haystack,
                   const char *needle_folded)
{
  g_autofree char *folded = NULL;

  if (haystack == NULL)
    return FALSE;

  folded = g_utf8_casefold (haystack, -1);
  return strstr (folded, needle_folded) != NULL;
}

gboolean
sy_session_matches_filter (SySession  *session,
                           const char *filter)
{
  g_autofree char *needle = NULL;
  g_autofree char *target = NULL;
  g_autofree char *client = NULL;

  if (filter == NULL || filter[0] == '\0')
    return TRUE;

  needle = g_utf8_casefold (filter, -1);
  target = sy_session_dup_target (session);
  client = sy_session_dup_client (session);

  return contains_casefold (target, needle) ||
         contains_casefold (client, needle) ||
         contains_casefold (session->sniffed_host, needle) ||
         contains_casefold (session->outbound, needle) ||
         contains_casefold (session->upstream, needle) ||
         contains_casefold (session->inbound, needle) ||
         contains_casefold (session->protocol, needle);
}

guint
sy_dispatcher_close_matching (SyDispatcher *self,
                              const char   *filter)
{
  g_autoptr(GPtrArray) sessions = NULL;
  guint closed = 0;

  g_return_val_if_fail (SY_IS_DISPATCHER (self), 0);

  sessions = sy_dispatcher_list_sessions (self);
  for (guint i = 0; i < sessions->len; i++)
    {
      SySession *session = g_ptr_array_index (sessions, i);

      if (sy_session_matches_filter (session, filter))
        {
          g_cancellable_cancel (session->cancellable);
          closed++;
        }
    }

  return closed;
}

guint
sy_dispatcher_close_all (SyDispatcher *self)
{
  return sy_dispatcher_close_matching (self, NULL);
}

GPtrArray *
sy_dispatcher_get_connection_log (SyDispatcher *self)
{
  g_return_val_if_fail (SY_IS_DISPATCHER (self), NULL);

  return sy_session_log_get (self->log, 0);
}

guint
sy_dispatcher_get_active_count (SyDispatcher *self)
{
  g_return_val_if_fail (SY_IS_DISPATCHER (self), 0);

  return g_hash_table_size (self->sessions);
}

const SyTraffic *
sy_dispatcher_get_traffic (SyDispatcher *self)
{
  g_return_val_if_fail (SY_IS_DISPATCHER (self), NULL);

  return &self->traffic;
}
