/* sy-pool.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-pool"

#include "pool/sy-pool-private.h"
#include "util/sy-error.h"

G_DEFINE_FINAL_TYPE (SyPool, sy_pool, SY_TYPE_OUTBOUND)

enum {
  UPSTREAM_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
on_upstream_changed (SyUpstream *upstream,
                     SyPool     *self)
{
  /* A fall to DOWN or a re-enable moves its next check earlier. */
  sy_pool_health_reschedule (self);
  g_signal_emit (self, signals[UPSTREAM_CHANGED], 0, upstream);
}

static SyUpstream *
sy_pool_adopt_upstream (SyPool                 *self,
                        const SyUpstreamConfig *config)
{
  SyUpstream *upstream;

  upstream = sy_upstream_new_full (config, &self->config->health, self->transport,
                                   self->time_unit_us);
  sy_upstream_set_directory (upstream, self->directory, self->directory_data);
  g_signal_connect (upstream, "changed", G_CALLBACK (on_upstream_changed), self);
  return upstream;
}

static void
sy_pool_release_upstream (SyPool     *self,
                          SyUpstream *upstream)
{
  g_signal_handlers_disconnect_by_func (upstream, on_upstream_changed, self);
  sy_pool_health_forget_upstream (self, upstream);
  g_object_unref (upstream);
}

static void
sy_pool_dispose (GObject *object)
{
  SyPool *self = SY_POOL (object);

  sy_pool_health_dispose (self);

  if (self->upstreams != NULL)
    {
      for (guint i = 0; i < self->upstreams->len; i++)
        sy_pool_release_upstream (self, g_ptr_array_index (self->upstreams, i));
      g_clear_pointer (&self->upstreams, g_ptr_array_unref);
    }

  G_OBJECT_CLASS (sy_pool_parent_class)->dispose (object);
}

static void
sy_pool_finalize (GObject *object)
{
  SyPool *self = SY_POOL (object);

  g_clear_pointer (&self->config, sy_pool_config_free);
  g_clear_object (&self->transport);
  g_clear_pointer (&self->last_error, g_free);

  G_OBJECT_CLASS (sy_pool_parent_class)->finalize (object);
}

/* One dial through the pool: the members tried so far and why the last failed. */
typedef struct
{
  SySession  *session;
  char       *host;
  guint16     port;
  GPtrArray  *tried;       /* SyUpstream*, in the order tried */
  SyUpstream *upstream;    /* the attempt under way */
  gboolean    trial;       /* it is DOWN and tried because no check runs */
  GError     *last_error;
} SyPoolDial;

static void
sy_pool_dial_free (SyPoolDial *dial)
{
  g_clear_pointer (&dial->session, sy_session_unref);
  g_free (dial->host);
  g_ptr_array_unref (dial->tried);
  g_clear_object (&dial->upstream);
  g_clear_error (&dial->last_error);
  g_free (dial);
}

/*
 * Without active checks nothing would ever bring a DOWN upstream back, so
 * once its back-off has run out a real dial may try it (a trial); its result
 * then counts like a check. With checks running only they decide.
 */
static gboolean
sy_pool_trial_eligible (SyPool     *self,
                        SyUpstream *upstream,
                        gint64      now)
{
  return !sy_pool_checks_active (self) &&
         sy_upstream_get_health (upstream) == SY_HEALTH_DOWN &&
         sy_upstream_is_check_due (upstream, now);
}

static SyUpstream *
sy_pool_pick (SyPool    *self,
              GPtrArray *tried,
              gboolean  *trial)
{
  g_autofree SyPoolCandidate *candidates = NULL;
  g_autofree guint *tried_indices = NULL;
  guint n_tried = 0;
  guint n = self->upstreams->len;
  gint64 now = g_get_monotonic_time ();
  gint64 index;
  SyUpstream *upstream;

  candidates = g_new0 (SyPoolCandidate, MAX (n, 1));
  tried_indices = g_new0 (guint, MAX (tried->len, 1));

  for (guint i = 0; i < n; i++)
    {
      SyUpstream *u = g_ptr_array_index (self->upstreams, i);

      candidates[i].index = i;
      candidates[i].eligible = sy_upstream_is_eligible (u) || sy_pool_trial_eligible (self, u, now);
      candidates[i].weight = sy_upstream_get_weight (u);
      candidates[i].active = sy_upstream_get_active (u);
      candidates[i].latency_ms = sy_upstream_get_latency_ms (u);

      /* Members replaced by a configuration change mid-dial are simply new. */
      for (guint j = 0; j < tried->len; j++)
        if (g_ptr_array_index (tried, j) == u)
          tried_indices[n_tried++] = i;
    }

  if (tried->len == 0)
    index = sy_pool_strategy_pick (&self->strategy, candidates, n);
  else
    index = sy_pool_strategy_pick_next (&self->strategy, candidates, n, tried_indices, n_tried);

  if (index < 0)
    return NULL;

  upstream = g_ptr_array_index (self->upstreams, index);
  *trial = !sy_upstream_is_eligible (upstream);
  return upstream;
}

static void
sy_pool_return_no_upstream (SyPool *self,
                            GTask  *task)
{
  SyPoolDial *dial = g_task_get_task_data (task);
  const char *name = sy_outbound_get_name (SY_OUTBOUND (self));
  guint n = self->upstreams->len;

  if (n == 0)
    {
      g_task_return_new_error (task, SY_ERROR, SY_ERROR_NO_UPSTREAM,
                               "pool “%s” has no upstreams: add one", name);
    }
  else if (dial->tried->len == 0)
    {
      g_task_return_new_error (task, SY_ERROR, SY_ERROR_NO_UPSTREAM,
                               "all %u upstreams of pool “%s” are down or disabled (last error: %s)",
                               n, name, self->last_error != NULL ? self->last_error : "none");
    }
  else
    {
      g_autoptr(GString) names = g_string_new (NULL);

      for (guint i = 0; i < dial->tried->len; i++)
        {
          if (i > 0)
            g_string_append (names, ", ");
          g_string_append (names, sy_upstream_get_name (g_ptr_array_index (dial->tried, i)));
        }

      /* Whatever code the last member failed with (often "refused" while
       * connecting to it) must not reach the client as if the destination
       * had refused. */
      g_task_return_new_error (task, SY_ERROR, SY_ERROR_NO_UPSTREAM,
                               "no upstream of pool “%s” could be reached (tried %s): %s",
                               name, names->str,
                               dial->last_error != NULL ? dial->last_error->message : "failed");
    }
}

static void sy_pool_dial_cb (GObject      *source,
                             GAsyncResult *result,
                             gpointer      user_data);

static void
sy_pool_dial_next (GTask *task)
{
  SyPool *self = g_task_get_source_object (task);
  SyPoolDial *dial = g_task_get_task_data (task);
  guint max_attempts = MAX (self->config->max_attempts, 1);
  SyUpstream *upstream = NULL;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  if (dial->tried->len < max_attempts)
    upstream = sy_pool_pick (self, dial->tried, &dial->trial);

  if (upstream == NULL)
    {
      sy_pool_return_no_upstream (self, task);
      g_object_unref (task);
      return;
    }

  g_set_object (&dial->upstream, upstream);
  g_ptr_array_add (dial->tried, g_object_ref (upstream));

  g_debug ("pool %s: dialing %s:%u through %s%s (attempt %u)",
           sy_outbound_get_name (SY_OUTBOUND (self)), dial->host, dial->port,
           sy_upstream_get_name (upstream), dial->trial ? " (trial)" : "",
           dial->tried->len);

  if (dial->session != NULL)
    sy_session_set_upstream (dial->session, upstream);

  sy_upstream_dial_async (upstream, dial->session, dial->host, dial->port,
                          g_task_get_cancellable (task), sy_pool_dial_cb, task);
}

static void
sy_pool_dial_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  SyPool *self = g_task_get_source_object (task);
  SyPoolDial *dial = g_task_get_task_data (task);
  SyUpstream *upstream = SY_UPSTREAM (source);
  g_autoptr(GError) error = NULL;
  SyDialFault fault = SY_DIAL_FAULT_NONE;
  GIOStream *stream;

  stream = sy_upstream_dial_finish (upstream, result, &fault, &error);

  switch (fault)
    {
    case SY_DIAL_FAULT_NONE:
      /* A dial proves the upstream works but measures the whole path to the
       * destination, so it is no latency sample. */
      sy_upstream_report_result (upstream, dial->trial, -1, NULL);
      g_task_return_pointer (task, stream, g_object_unref);
      g_object_unref (task);
      return;

    case SY_DIAL_FAULT_CANCELLED:
    case SY_DIAL_FAULT_DESTINATION:
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;

    case SY_DIAL_FAULT_UPSTREAM:
    default:
      g_debug ("pool %s: upstream %s failed: %s", sy_outbound_get_name (SY_OUTBOUND (self)),
               sy_upstream_get_name (upstream), error->message);
      sy_pool_record_error (self, upstream, error);
      sy_upstream_report_result (upstream, dial->trial, -1, error);
      g_clear_error (&dial->last_error);
      dial->last_error = g_steal_pointer (&error);
      sy_pool_dial_next (task);
      return;
    }
}

static void
sy_pool_dial_async (SyOutbound          *outbound,
                    SySession           *session,
                    const char          *host,
                    guint16              port,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  SyPool *self = SY_POOL (outbound);
  GTask *task;
  SyPoolDial *dial;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_pool_dial_async);

  dial = g_new0 (SyPoolDial, 1);
  dial->session = session != NULL ? sy_session_ref (session) : NULL;
  dial->host = g_strdup (host);
  dial->port = port;
  dial->tried = g_ptr_array_new_with_free_func (g_object_unref);
  g_task_set_task_data (task, dial, (GDestroyNotify) sy_pool_dial_free);

  sy_pool_dial_next (task);
}

static GIOStream *
sy_pool_dial_finish (SyOutbound    *outbound,
                     GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, outbound), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
sy_pool_class_init (SyPoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SyOutboundClass *outbound_class = SY_OUTBOUND_CLASS (klass);

  object_class->dispose = sy_pool_dispose;
  object_class->finalize = sy_pool_finalize;
  outbound_class->dial_async = sy_pool_dial_async;
  outbound_class->dial_finish = sy_pool_dial_finish;

  /**
   * SyPool::upstream-changed:
   * @upstream: the #SyUpstream
   *
   * Forwards #SyUpstream::changed of every member.
   */
  signals[UPSTREAM_CHANGED] =
    g_signal_new ("upstream-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SY_TYPE_UPSTREAM);
}

static void
sy_pool_init (SyPool *self)
{
  self->upstreams = g_ptr_array_new ();
  self->time_unit_us = G_USEC_PER_SEC;
  self->checks_in_flight = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
}

SyPool *
sy_pool_new (const SyPoolConfig *config,
             SyOutbound         *transport)
{
  SyPool *self;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (config->name != NULL, NULL);
  g_return_val_if_fail (SY_IS_OUTBOUND (transport), NULL);

  self = g_object_new (SY_TYPE_POOL,
                       "name", config->name,
                       "kind", "pool",
                       NULL);
  self->transport = g_object_ref (transport);
  self->config = sy_pool_config_copy (config);
  sy_pool_strategy_init (&self->strategy, config->strategy, config->tolerance_ms);

  for (guint i = 0; config->upstreams != NULL && i < config->upstreams->len; i++)
    g_ptr_array_add (self->upstreams,
                     sy_pool_adopt_upstream (self, g_ptr_array_index (config->upstreams, i)));

  sy_pool_health_apply_config (self);

  return self;
}

const SyPoolConfig *
sy_pool_get_config (SyPool *self)
{
  g_return_val_if_fail (SY_IS_POOL (self), NULL);

  return self->config;
}

static gint64
index_of_name (GPtrArray  *upstreams,
               const char *name)
{
  if (name == NULL)
    return -1;

  for (guint i = 0; i < upstreams->len; i++)
    if (g_strcmp0 (sy_upstream_get_name (g_ptr_array_index (upstreams, i)), name) == 0)
      return i;

  return -1;
}

void
sy_pool_update_config (SyPool             *self,
                       const SyPoolConfig *config)
{
  g_autoptr(GHashTable) old_by_name = NULL;
  g_autoptr(GPtrArray) upstreams = NULL;
  g_autofree char *current_name = NULL;
  g_autofree char *cursor_name = NULL;
  SyPoolConfig *old_config;
  gint64 index;

  g_return_if_fail (SY_IS_POOL (self));
  g_return_if_fail (config != NULL);

  if (config == self->config)
    return;

  /* Strategy state is kept by position: remember which members it meant. */
  if (self->strategy.current >= 0 && self->strategy.current < self->upstreams->len)
    current_name = g_strdup (sy_upstream_get_name (g_ptr_array_index (self->upstreams,
                                                                      self->strategy.current)));
  if (self->strategy.cursor < self->upstreams->len)
    cursor_name = g_strdup (sy_upstream_get_name (g_ptr_array_index (self->upstreams,
                                                                     self->strategy.cursor)));

  old_config = self->config;
  self->config = sy_pool_config_copy (config);

  old_by_name = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < self->upstreams->len; i++)
    {
      SyUpstream *upstream = g_ptr_array_index (self->upstreams, i);

      g_hash_table_insert (old_by_name, (gpointer) sy_upstream_get_name (upstream), upstream);
    }

  upstreams = g_ptr_array_new ();
  for (guint i = 0; self->config->upstreams != NULL && i < self->config->upstreams->len; i++)
    {
      const SyUpstreamConfig *uc = g_ptr_array_index (self->config->upstreams, i);
      SyUpstream *upstream = g_hash_table_lookup (old_by_name, uc->name);

      if (upstream != NULL && sy_upstream_same_server (upstream, uc))
        {
          /* Same server: counters, health and latency stay meaningful. */
          g_hash_table_remove (old_by_name, uc->name);
          sy_upstream_set_config (upstream, uc);
          sy_upstream_set_health_config (upstream, &self->config->health, self->time_unit_us);
        }
      else
        {
          /* A new server (or new credentials) starts from UNKNOWN; the old
           * object is dropped below and lives on only in its sessions. */
          upstream = sy_pool_adopt_upstream (self, uc);
        }

      g_ptr_array_add (upstreams, upstream);
    }

  /* Whatever is left in the table is removed or replaced. */
  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, old_by_name);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      sy_pool_release_upstream (self, value);
  }

  g_ptr_array_unref (self->upstreams);
  self->upstreams = g_steal_pointer (&upstreams);
  /* old_by_name held borrowed names of the released objects only. */
  g_clear_pointer (&old_by_name, g_hash_table_unref);
  sy_pool_config_free (old_config);

  if (self->strategy.strategy != self->config->strategy)
    {
      self->strategy.strategy = self->config->strategy;
      sy_pool_strategy_reset (&self->strategy);
    }
  else
    {
      index = index_of_name (self->upstreams, current_name);
      self->strategy.current = index;
      index = index_of_name (self->upstreams, cursor_name);
      self->strategy.cursor = index >= 0 ? (guint) index : 0;
    }
  self->strategy.tolerance_ms = self->config->tolerance_ms;

  sy_pool_health_apply_config (self);
}

GPtrArray *
sy_pool_get_upstreams (SyPool *self)
{
  g_return_val_if_fail (SY_IS_POOL (self), NULL);

  return self->upstreams;
}

SyUpstream *
sy_pool_find_upstream (SyPool     *self,
                       const char *name)
{
  gint64 index;

  g_return_val_if_fail (SY_IS_POOL (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  index = index_of_name (self->upstreams, name);
  return index >= 0 ? g_ptr_array_index (self->upstreams, index) : NULL;
}

void
sy_pool_record_error (SyPool       *self,
                      SyUpstream   *upstream,
                      const GError *error)
{
  g_free (self->last_error);
  self->last_error = g_strdup_printf ("%s: %s", sy_upstream_get_name (upstream), error->message);
}

void
sy_pool_set_time_unit (SyPool *self,
                       gint64  unit_us)
{
  g_return_if_fail (SY_IS_POOL (self));
  g_return_if_fail (unit_us > 0);

  self->time_unit_us = unit_us;
  for (guint i = 0; i < self->upstreams->len; i++)
    sy_upstream_set_health_config (g_ptr_array_index (self->upstreams, i),
                                   &self->config->health, unit_us);
  sy_pool_health_reschedule (self);
}

void
sy_pool_set_directory (SyPool                    *self,
                       const SyOutboundDirectory *directory,
                       gpointer                   user_data)
{
  g_return_if_fail (SY_IS_POOL (self));

  self->directory = directory;
  self->directory_data = user_data;
  for (guint i = 0; i < self->upstreams->len; i++)
    sy_upstream_set_directory (g_ptr_array_index (self->upstreams, i), directory, user_data);
}

void
sy_pool_set_random (SyPool           *self,
                    SyPoolRandomFunc  random,
                    gpointer          user_data)
{
  g_return_if_fail (SY_IS_POOL (self));

  sy_pool_strategy_set_random (&self->strategy, random, user_data);
}
