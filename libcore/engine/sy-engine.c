/* sy-engine.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-engine"

#include "engine/sy-engine-private.h"
#include "inbound/sy-mixed-inbound.h"
#include "outbound/sy-direct-outbound.h"
#include "outbound/sy-upstream-outbound.h"
#include "util/sy-error.h"

G_DEFINE_FINAL_TYPE (SyEngine, sy_engine, G_TYPE_OBJECT)

enum {
  STATE_CHANGED,
  CONFIG_CHANGED,
  UPSTREAM_CHANGED,
  POOLS_CHANGED,
  WIREGUARD_CHANGED,
  WIREGUARD_PROFILES_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
sy_engine_set_state (SyEngine      *self,
                     SyEngineState  state,
                     const char    *reason)
{
  if (self->state == state && g_strcmp0 (self->state_reason, reason) == 0)
    return;

  self->state = state;
  g_free (self->state_reason);
  self->state_reason = g_strdup (reason != NULL ? reason : "");
  g_signal_emit (self, signals[STATE_CHANGED], 0);
}

static void
sy_engine_dispose (GObject *object)
{
  SyEngine *self = SY_ENGINE (object);

  sy_engine_stop (self);

  sy_engine_wireguard_dispose (self);
  g_clear_pointer (&self->pools, g_ptr_array_unref);
  g_clear_pointer (&self->inbounds, g_ptr_array_unref);
  g_clear_object (&self->dispatcher);
  g_clear_object (&self->direct);
  g_clear_object (&self->reject);

  G_OBJECT_CLASS (sy_engine_parent_class)->dispose (object);
}

static void
sy_engine_finalize (GObject *object)
{
  SyEngine *self = SY_ENGINE (object);

  g_clear_pointer (&self->config, sy_config_free);
  g_clear_pointer (&self->state_reason, g_free);

  G_OBJECT_CLASS (sy_engine_parent_class)->finalize (object);
}

static void
sy_engine_class_init (SyEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_engine_dispose;
  object_class->finalize = sy_engine_finalize;

  signals[STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[CONFIG_CHANGED] =
    g_signal_new ("config-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[UPSTREAM_CHANGED] =
    g_signal_new ("upstream-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, SY_TYPE_UPSTREAM);
  signals[POOLS_CHANGED] =
    g_signal_new ("pools-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[WIREGUARD_CHANGED] =
    g_signal_new ("wireguard-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[WIREGUARD_PROFILES_CHANGED] =
    g_signal_new ("wireguard-profiles-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

void
sy_engine_emit_wireguard_changed (SyEngine   *self,
                                  const char *profile)
{
  g_signal_emit (self, signals[WIREGUARD_CHANGED], 0, profile);
}

static void
sy_engine_init (SyEngine *self)
{
  self->config = sy_config_new_default ();
  self->dispatcher = sy_dispatcher_new ();
  self->direct = sy_direct_outbound_new ("direct");
  self->reject = sy_reject_outbound_new ("reject");
  self->pools = g_ptr_array_new_with_free_func (g_object_unref);
  self->inbounds = g_ptr_array_new_with_free_func (g_object_unref);
  sy_engine_wireguard_init (self);
  self->state = SY_ENGINE_STATE_STOPPED;
  self->state_reason = g_strdup ("");

  sy_dispatcher_set_outbound (self->dispatcher, self->direct);
  sy_dispatcher_set_outbound (self->dispatcher, self->reject);
}

SyEngine *
sy_engine_new (void)
{
  return g_object_new (SY_TYPE_ENGINE, NULL);
}

const SyConfig *
sy_engine_get_config (SyEngine *self)
{
  g_return_val_if_fail (SY_IS_ENGINE (self), NULL);

  return self->config;
}

SyEngineState
sy_engine_get_state (SyEngine *self)
{
  g_return_val_if_fail (SY_IS_ENGINE (self), SY_ENGINE_STATE_STOPPED);

  return self->state;
}

const char *
sy_engine_get_state_reason (SyEngine *self)
{
  g_return_val_if_fail (SY_IS_ENGINE (self), NULL);

  return self->state_reason;
}

const char *
sy_engine_state_to_string (SyEngineState state)
{
  switch (state)
    {
    case SY_ENGINE_STATE_STOPPED:  return "stopped";
    case SY_ENGINE_STATE_STARTING: return "starting";
    case SY_ENGINE_STATE_RUNNING:  return "running";
    case SY_ENGINE_STATE_FAILED:   return "failed";
    default:                       return "unknown";
    }
}

SyDispatcher *
sy_engine_get_dispatcher (SyEngine *self)
{
  g_return_val_if_fail (SY_IS_ENGINE (self), NULL);

  return self->dispatcher;
}

static char *
format_socket_address (GSocketAddress *address)
{
  GInetSocketAddress *isa;
  g_autofree char *ip = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("?");

  isa = G_INET_SOCKET_ADDRESS (address);
  ip = g_inet_address_to_string (g_inet_socket_address_get_address (isa));
  if (strchr (ip, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", ip, g_inet_socket_address_get_port (isa));
  return g_strdup_printf ("%s:%u", ip, g_inet_socket_address_get_port (isa));
}

GStrv
sy_engine_dup_listen_addresses (SyEngine *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (SY_IS_ENGINE (self), NULL);

  for (guint i = 0; i < self->inbounds->len; i++)
    {
      GSocketAddress *address = sy_mixed_inbound_get_local_address (g_ptr_array_index (self->inbounds, i));

      if (address != NULL)
        {
          g_autofree char *text = format_socket_address (address);

          g_strv_builder_add (builder, text);
        }
    }

  return g_strv_builder_end (builder);
}

/* Pools ------------------------------------------------------------------ */

static SyPool *
find_pool (SyEngine   *self,
           const char *name,
           guint      *index)
{
  for (guint i = 0; i < self->pools->len; i++)
    {
      SyPool *pool = g_ptr_array_index (self->pools, i);

      if (g_strcmp0 (sy_outbound_get_name (SY_OUTBOUND (pool)), name) == 0)
        {
          if (index != NULL)
            *index = i;
          return pool;
        }
    }

  return NULL;
}

SyPool *
sy_engine_find_pool (SyEngine   *self,
                     const char *name)
{
  g_return_val_if_fail (SY_IS_ENGINE (self), NULL);

  return find_pool (self, name, NULL);
}

GPtrArray *
sy_engine_get_pools (SyEngine *self)
{
  g_return_val_if_fail (SY_IS_ENGINE (self), NULL);

  return self->pools;
}

static void
pool_upstream_changed_cb (SyPool     *pool,
                          SyUpstream *upstream,
                          SyEngine   *self)
{
  g_signal_emit (self, signals[UPSTREAM_CHANGED], 0,
                 sy_outbound_get_name (SY_OUTBOUND (pool)), upstream);
}

/* Brings the live pools in line with @config: same-named pools are updated in
 * place (keeping counters and health), others created or dropped. */
static void
sy_engine_apply_pools (SyEngine       *self,
                       const SyConfig *config)
{
  g_autoptr(GPtrArray) pools = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean running = self->state == SY_ENGINE_STATE_RUNNING;

  for (guint i = 0; i < config->pools->len; i++)
    {
      const SyPoolConfig *pool_config = g_ptr_array_index (config->pools, i);
      SyPool *pool = find_pool (self, pool_config->name, NULL);

      if (pool != NULL)
        {
          sy_pool_update_config (pool, pool_config);
          g_ptr_array_add (pools, g_object_ref (pool));
        }
      else
        {
          pool = sy_pool_new (pool_config, self->direct);
          sy_pool_set_directory (pool, &sy_engine_directory, self);
          g_signal_connect_object (pool, "upstream-changed",
                                   G_CALLBACK (pool_upstream_changed_cb), self, 0);
          sy_dispatcher_set_outbound (self->dispatcher, SY_OUTBOUND (pool));
          if (running)
            sy_pool_start_health_checks (pool);
          g_ptr_array_add (pools, pool);
        }
    }

  for (guint i = 0; i < self->pools->len; i++)
    {
      SyPool *old = g_ptr_array_index (self->pools, i);

      if (!g_ptr_array_find (pools, old, NULL))
        {
          sy_pool_stop_health_checks (old);
          g_signal_handlers_disconnect_by_data (old, self);
          sy_dispatcher_remove_outbound (self->dispatcher, sy_outbound_get_name (SY_OUTBOUND (old)));
        }
    }

  g_ptr_array_unref (self->pools);
  self->pools = g_steal_pointer (&pools);
}

static gboolean
sy_engine_check_direct_options (const SyServiceConfig  *service,
                                GError                **error)
{
  g_autoptr(SyOutbound) probe = sy_direct_outbound_new ("direct");

  if (!sy_direct_outbound_set_options (SY_DIRECT_OUTBOUND (probe), service->bind_address,
                                       service->interface, service->fwmark, error))
    {
      g_prefix_error (error, "%s: [Direct]: ", SY_CONFIG_SERVICE_FILE);
      return FALSE;
    }

  return TRUE;
}

static void
sy_engine_apply_service (SyEngine       *self,
                         const SyConfig *config)
{
  const SyServiceConfig *service = &config->service;

  sy_direct_outbound_set_options (SY_DIRECT_OUTBOUND (self->direct), service->bind_address,
                                  service->interface, service->fwmark, NULL);
  sy_direct_outbound_set_connect_timeout (SY_DIRECT_OUTBOUND (self->direct),
                                          service->connect_timeout_ms);
  sy_dispatcher_set_timeouts (self->dispatcher, service->connect_timeout_ms,
                              service->idle_timeout_s * 1000);
  sy_dispatcher_set_log_size (self->dispatcher, service->connection_log_size);

  for (guint i = 0; i < self->inbounds->len; i++)
    sy_mixed_inbound_set_handshake_timeout (g_ptr_array_index (self->inbounds, i),
                                            service->handshake_timeout_ms);
}

/* Inbounds --------------------------------------------------------------- */

static gboolean
inbound_config_equal (const SyInboundConfig *a,
                      const SyInboundConfig *b)
{
  return g_strcmp0 (a->name, b->name) == 0 &&
         g_strcmp0 (a->listen_address, b->listen_address) == 0 &&
         a->port == b->port &&
         g_strcmp0 (a->username, b->username) == 0 &&
         g_strcmp0 (a->password, b->password) == 0 &&
         a->allow_insecure == b->allow_insecure &&
         g_strcmp0 (a->outbound, b->outbound) == 0;
}

static SyMixedInbound *
find_running_inbound (GPtrArray             *inbounds,
                      const SyInboundConfig *config)
{
  for (guint i = 0; i < inbounds->len; i++)
    {
      SyMixedInbound *inbound = g_ptr_array_index (inbounds, i);

      if (inbound_config_equal (sy_mixed_inbound_get_config (inbound), config))
        return inbound;
    }

  return NULL;
}

/* Rebinds the inbounds for @config. All or nothing: when one cannot bind,
 * the ones bound so far are released and the previous set is restored. */
static gboolean
sy_engine_apply_inbounds (SyEngine        *self,
                          const SyConfig  *config,
                          GError         **error)
{
  g_autoptr(GPtrArray) next = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) released = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) started = g_ptr_array_new ();

  for (guint i = 0; i < self->inbounds->len; i++)
    {
      SyMixedInbound *inbound = g_ptr_array_index (self->inbounds, i);
      gboolean kept = FALSE;

      for (guint j = 0; j < config->inbounds->len && !kept; j++)
        kept = inbound_config_equal (sy_mixed_inbound_get_config (inbound),
                                     g_ptr_array_index (config->inbounds, j));
      if (!kept)
        {
          sy_mixed_inbound_stop (inbound);
          g_ptr_array_add (released, g_object_ref (inbound));
        }
    }

  for (guint i = 0; i < config->inbounds->len; i++)
    {
      const SyInboundConfig *inbound_config = g_ptr_array_index (config->inbounds, i);
      SyMixedInbound *inbound = find_running_inbound (self->inbounds, inbound_config);

      if (inbound != NULL)
        {
          g_ptr_array_add (next, g_object_ref (inbound));
          continue;
        }

      inbound = sy_mixed_inbound_new (inbound_config, self->dispatcher);
      sy_mixed_inbound_set_handshake_timeout (inbound, config->service.handshake_timeout_ms);
      if (!sy_mixed_inbound_start (inbound, error))
        {
          g_prefix_error (error, "Inbound “%s”: ", inbound_config->name);
          g_object_unref (inbound);

          for (guint j = 0; j < started->len; j++)
            sy_mixed_inbound_stop (g_ptr_array_index (started, j));
          for (guint j = 0; j < released->len; j++)
            {
              g_autoptr(GError) local_error = NULL;

              if (!sy_mixed_inbound_start (g_ptr_array_index (released, j), &local_error))
                g_warning ("Could not restore an inbound after a failed change: %s",
                           local_error->message);
            }
          return FALSE;
        }

      g_ptr_array_add (started, inbound);
      g_ptr_array_add (next, inbound);
    }

  g_ptr_array_unref (self->inbounds);
  self->inbounds = g_steal_pointer (&next);

  return TRUE;
}

static void
log_listening (SyEngine *self)
{
  g_auto(GStrv) addresses = sy_engine_dup_listen_addresses (self);

  for (guint i = 0; addresses[i] != NULL; i++)
    g_message ("Listening on %s (SOCKS5 and HTTP)", addresses[i]);
}

gboolean
sy_engine_set_config (SyEngine        *self,
                      const SyConfig  *config,
                      GError         **error)
{
  g_auto(GStrv) listening_before = NULL;
  g_auto(GStrv) listening_after = NULL;
  g_autoptr(SyEngineWireguardChange) wireguard = NULL;
  gboolean profiles_changed;

  g_return_val_if_fail (SY_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (config != NULL, FALSE);

  if (!sy_config_validate (config, error) ||
      !sy_engine_check_direct_options (&config->service, error))
    return FALSE;

  /* Tunnels first, then pools: both may be new in @config and named by
   * what comes after them. Building a tunnel can fail (a key, a port):
   * nothing has changed yet then. */
  if ((wireguard = sy_engine_wireguard_prepare (self, config, error)) == NULL)
    return FALSE;
  if (!sy_engine_wireguard_apply (self, wireguard, error))
    return FALSE;
  sy_engine_apply_pools (self, config);

  listening_before = sy_engine_dup_listen_addresses (self);
  if (self->state == SY_ENGINE_STATE_RUNNING &&
      !sy_engine_apply_inbounds (self, config, error))
    {
      sy_engine_apply_pools (self, self->config);
      sy_engine_wireguard_revert (self, wireguard);
      return FALSE;
    }

  profiles_changed = sy_engine_wireguard_profiles_differ (self->config, config);
  g_clear_pointer (&self->config, sy_config_free);
  self->config = sy_config_copy (config);
  sy_engine_apply_service (self, self->config);
  sy_engine_wireguard_commit (self, wireguard);

  listening_after = sy_engine_dup_listen_addresses (self);
  if (self->state == SY_ENGINE_STATE_RUNNING &&
      !g_strv_equal ((const char * const *) listening_before,
                     (const char * const *) listening_after))
    log_listening (self);

  g_signal_emit (self, signals[POOLS_CHANGED], 0);
  if (profiles_changed)
    g_signal_emit (self, signals[WIREGUARD_PROFILES_CHANGED], 0);

  return TRUE;
}

/* Applies an edit made by a D-Bus method: like Reload, then persisted. */
gboolean
sy_engine_commit (SyEngine  *self,
                  SyConfig  *edited,
                  GError   **error)
{
  if (!sy_engine_set_config (self, edited, error))
    return FALSE;

  g_signal_emit (self, signals[CONFIG_CHANGED], 0);
  return TRUE;
}

gboolean
sy_engine_start (SyEngine  *self,
                 GError   **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (SY_IS_ENGINE (self), FALSE);

  if (self->state == SY_ENGINE_STATE_RUNNING)
    return TRUE;

  sy_engine_set_state (self, SY_ENGINE_STATE_STARTING, NULL);

  /* Tunnels before listeners: the first client may go through one. */
  if (!sy_engine_wireguard_start (self, &local_error))
    {
      sy_engine_set_state (self, SY_ENGINE_STATE_FAILED, local_error->message);
      g_warning ("Could not start: %s", local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (!sy_engine_apply_inbounds (self, self->config, &local_error))
    {
      sy_engine_wireguard_stop (self);
      sy_engine_set_state (self, SY_ENGINE_STATE_FAILED, local_error->message);
      g_warning ("Could not start: %s", local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  for (guint i = 0; i < self->pools->len; i++)
    sy_pool_start_health_checks (g_ptr_array_index (self->pools, i));

  sy_engine_set_state (self, SY_ENGINE_STATE_RUNNING, NULL);
  log_listening (self);

  return TRUE;
}

void
sy_engine_stop (SyEngine *self)
{
  g_return_if_fail (SY_IS_ENGINE (self));

  if (self->state == SY_ENGINE_STATE_STOPPED)
    return;

  for (guint i = 0; i < self->inbounds->len; i++)
    sy_mixed_inbound_stop (g_ptr_array_index (self->inbounds, i));
  g_ptr_array_set_size (self->inbounds, 0);

  for (guint i = 0; i < self->pools->len; i++)
    sy_pool_stop_health_checks (g_ptr_array_index (self->pools, i));

  sy_dispatcher_close_all (self->dispatcher);
  sy_engine_wireguard_stop (self);

  if (self->state == SY_ENGINE_STATE_RUNNING)
    g_message ("Stopped");
  sy_engine_set_state (self, SY_ENGINE_STATE_STOPPED, NULL);
}

/* Configuration edits ---------------------------------------------------- */

gboolean
sy_engine_set_inbound (SyEngine               *self,
                       const SyInboundConfig  *inbound,
                       GError                **error)
{
  g_autoptr(SyConfig) edited = NULL;
  gboolean replaced = FALSE;

  g_return_val_if_fail (SY_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (inbound != NULL, FALSE);

  edited = sy_config_copy (self->config);
  for (guint i = 0; i < edited->inbounds->len; i++)
    {
      SyInboundConfig *existing = g_ptr_array_index (edited->inbounds, i);

      if (g_strcmp0 (existing->name, inbound->name) == 0)
        {
          sy_inbound_config_free (existing);
          g_ptr_array_index (edited->inbounds, i) = sy_inbound_config_copy (inbound);
          replaced = TRUE;
        }
    }
  if (!replaced)
    g_ptr_array_add (edited->inbounds, sy_inbound_config_copy (inbound));

  return sy_engine_commit (self, edited, error);
}

static SyPoolConfig *
find_pool_config (SyConfig   *config,
                  const char *name,
                  guint      *index,
                  GError    **error)
{
  for (guint i = 0; i < config->pools->len; i++)
    {
      SyPoolConfig *pool = g_ptr_array_index (config->pools, i);

      if (g_strcmp0 (pool->name, name) == 0)
        {
          if (index != NULL)
            *index = i;
          return pool;
        }
    }

  g_set_error (error, SY_ERROR, SY_ERROR_NOT_FOUND,
               "There is no pool named “%s”", name);
  return NULL;
}

static SyUpstreamConfig *
find_upstream_config (SyPoolConfig  *pool,
                      const char    *name,
                      guint         *index,
                      GError       **error)
{
  SyUpstreamConfig *upstream = sy_pool_config_find_upstream (pool, name, index);

  if (upstream == NULL)
    g_set_error (error, SY_ERROR, SY_ERROR_NOT_FOUND,
                 "Pool “%s” has no upstream named “%s”", pool->name, name);
  return upstream;
}

gboolean
sy_engine_add_pool (SyEngine            *self,
                    const SyPoolConfig  *pool,
                    GError             **error)
{
  g_autoptr(SyConfig) edited = NULL;

  g_return_val_if_fail (SY_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (pool != NULL, FALSE);

  if (g_strcmp0 (pool->name, "direct") == 0 || g_strcmp0 (pool->name, "reject") == 0)
    {
      g_set_error (error, SY_ERROR, SY_ERROR_EXISTS,
                   "“%s” is a built-in outbound; choose another pool name", pool->name);
      return FALSE;
    }

  edited = sy_config_copy (self->config);
  if (find_pool_config (edited, pool->name, NULL, NULL) != NULL)
    {
      g_set_error (error, SY_ERROR, SY_ERROR_EXISTS,
                   "A pool named “%s” already exists", pool->name);
      return FALSE;
    }

  g_ptr_array_add (edited->pools, sy_pool_config_copy (pool));
  return sy_engine_commit (self, edited, error);
}

gboolean
sy_engine_update_pool (SyEngine            *self,
                       const SyPoolConfig  *pool,
                       GError             **error)
{
  g_autoptr(SyConfig) edited = NULL;
  guint index;

  g_return_val_if_fail (SY_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (pool != NULL, FALSE);

  edited = sy_config_copy (self->config);
  if (find_pool_config (edited, pool->name, &index, error) == NULL)
    return FALSE;

  sy_pool_config_free (g_ptr_array_index (edited->pools, index));
  g_ptr_array_index (edited->pools, index) = sy_pool_config_copy (pool);
  return sy_engine_commit (self, edited, error);
}

gboolean
sy_engine_remove_pool (SyEngine    *self,
                       const char  *name,
                       GError     **error)
{
  g_autoptr(SyConfig) edited = NULL;
  guint index;

  g_return_val_if_fail (SY_IS_ENGINE (self), FALSE);

  edited = sy_config_copy (self->config);
  if (find_pool_config (edited, name, &index, error) == NULL)
    return FALSE;

  for (guint i = 0; i < edited->inbounds->len; i++)
    {
      const SyInboundConfig *inbound = g_ptr_array_index (edited->inbounds, i);

      if (g_strcmp0 (inbound->outbound, name) == 0)
        {
          g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                       "Pool “%s” is the outbound of inbound “%s”; route that inbound elsewhere first",
                       name, inbound->name);
          return FALSE;
        }
    }

  g_ptr_array_remove_index (edited->pools, index);
  return sy_engine_commit (self, edited, error);
}

gboolean
sy_engine_add_upstream (SyEngine                *self,
                        const char              *pool,
                        const SyUpstreamConfig  *upstream,
                        int                      position,
                        GError                 **error)
{
  g_autoptr(SyConfig) edited = NULL;
  SyPoolConfig *pool_config;

  g_return_val_if_fail (SY_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (upstream != NULL, FALSE);

  if (!sy_upstream_config_validate (upstream, error))
    return FALSE;

  edited = sy_config_copy (self->config);
  if ((pool_config = find_pool_config (edited, pool, NULL, error)) == NULL)
    return FALSE;

  if (sy_pool_config_find_upstream (pool_config, upstream->name, NULL) != NULL)
    {
      g_set_error (error, SY_ERROR, SY_ERROR_EXISTS,
                   "Pool “%s” already has an upstream named “%s”", pool, upstream->name);
      return FALSE;
    }

  if (position < 0 || (guint) position > pool_config->upstreams->len)
    position = pool_config->upstreams->len;
  g_ptr_array_insert (pool_config->upstreams, position, sy_upstream_config_copy (upstream));

  return sy_engine_commit (self, edited, error);
}

gboolean
sy_engine_update_upstream (SyEngine                *self,
                           const char              *pool,
                           const char              *name,
                           const SyUpstreamConfig  *upstream,
                           GError                 **error)
{
  g_autoptr(SyConfig) edited = NULL;
  SyPoolConfig *pool_config;
  guint index;

  g_return_val_if_fail (SY_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (upstream != NULL, FALSE);

  if (!sy_upstream_config_validate (upstream, error))
    return FALSE;

  edited = sy_config_copy (self->config);
  if ((pool_config = find_pool_config (edited, pool, NULL, error)) == NULL ||
      find_upstream_config (pool_config, name, &index, error) == NULL)
    return FALSE;

  if (g_strcmp0 (name, upstream->name) != 0 &&
      sy_pool_config_find_upstream (pool_config, upstream->name, NULL) != NULL)
    {
      g_set_error (error, SY_ERROR, SY_ERROR_EXISTS,
                   "Pool “%s” already has an upstream named “%s”", pool, upstream->name);
      return FALSE;
    }

  sy_upstream_config_free (g_ptr_array_index (pool_config->upstreams, index));
  g_ptr_array_index (pool_config->upstreams, index) = sy_upstream_config_copy (upstream);

  return sy_engine_commit (self, edited, error);
}

gboolean
sy_engine_remove_upstream (SyEngine    *self,
                           const char  *pool,
                           const char  *name,
                           GError     **error)
{
  g_autoptr(SyConfig) edited = NULL;
  SyPoolConfig *pool_config;
  guint index;

  g_return_val_if_fail (SY_IS_ENGINE (self), FALSE);

  edited = sy_config_copy (self->config);
  if ((pool_config = find_pool_config (edited, pool, NULL, error)) == NULL ||
      find_upstream_config (pool_config, name, &index, error) == NULL)
    return FALSE;

  g_ptr_array_remove_index (pool_config->upstreams, index);
  return sy_engine_commit (self, edited, error);
}

gboolean
sy_engine_move_upstream (SyEngine    *self,
                         const char  *pool,
                         const char  *name,
                         guint        position,
                         GError     **error)
{
  g_autoptr(SyConfig) edited = NULL;
  SyPoolConfig *pool_config;
  gpointer moved;
  guint index;

  g_return_val_if_fail (SY_IS_ENGINE (self), FALSE);

  edited = sy_config_copy (self->config);
  if ((pool_config = find_pool_config (edited, pool, NULL, error)) == NULL ||
      find_upstream_config (pool_config, name, &index, error) == NULL)
    return FALSE;

  if (position >= pool_config->upstreams->len)
    {
      g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                   "Position %u is out of range: pool “%s” has %u upstreams (positions 0–%u)",
                   position, pool, pool_config->upstreams->len, pool_config->upstreams->len - 1);
      return FALSE;
    }

  moved = g_ptr_array_steal_index (pool_config->upstreams, index);
  g_ptr_array_insert (pool_config->upstreams, position, moved);

  return sy_engine_commit (self, edited, error);
}

gboolean
sy_engine_set_upstream_enabled (SyEngine    *self,
                                const char  *pool,
                                const char  *name,
                                gboolean     enabled,
                                GError     **error)
{
  g_autoptr(SyConfig) edited = NULL;
  SyPoolConfig *pool_config;
  SyUpstreamConfig *upstream;

  g_return_val_if_fail (SY_IS_ENGINE (self), FALSE);

  edited = sy_config_copy (self->config);
  if ((pool_config = find_pool_config (edited, pool, NULL, error)) == NULL ||
      (upstream = find_upstream_config (pool_config, name, NULL, error)) == NULL)
    return FALSE;

  if (upstream->enabled == !!enabled)
    return TRUE;

  upstream->enabled = !!enabled;
  return sy_engine_commit (self, edited, error);
}

static void
test_upstream_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  gint64 latency;

  latency = sy_pool_test_upstream_finish (SY_POOL (object), result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, latency);
}

void
sy_engine_test_upstream_async (SyEngine            *self,
                               const char          *pool,
                               const char          *name,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  SyPool *live;

  g_return_if_fail (SY_IS_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_engine_test_upstream_async);

  live = find_pool (self, pool, NULL);
  if (live == NULL)
    {
      g_task_return_new_error (task, SY_ERROR, SY_ERROR_NOT_FOUND,
                               "There is no pool named “%s”", pool);
      return;
    }
  if (sy_pool_find_upstream (live, name) == NULL)
    {
      g_set_error (&error, SY_ERROR, SY_ERROR_NOT_FOUND,
                   "Pool “%s” has no upstream named “%s”", pool, name);
      g_task_return_error (task, error);
      return;
    }

  sy_pool_test_upstream_async (live, name, cancellable, test_upstream_cb, g_steal_pointer (&task));
}

gint64
sy_engine_test_upstream_finish (SyEngine      *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (SY_IS_ENGINE (self), -1);
  g_return_val_if_fail (g_task_is_valid (result, self), -1);

  return g_task_propagate_int (G_TASK (result), error);
}
