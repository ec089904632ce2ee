/* syd-pools.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "syd-pools"

#include "syd-error.h"
#include "syd-pools.h"
#include "syd-variant.h"
#include "util/sy-error.h"

struct _SydPools
{
  SydPools1Skeleton  parent_instance;

  SydDaemon         *daemon;       /* owns us */
  SyEngine          *engine;
  GCancellable      *cancellable;  /* pending TestUpstream() calls */
};

static void syd_pools_iface_init (SydPools1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SydPools, syd_pools, SYD_TYPE_POOLS1_SKELETON,
                               G_IMPLEMENT_INTERFACE (SYD_TYPE_POOLS1, syd_pools_iface_init))

static gboolean
require_name (const char  *what,
              const char  *name,
              GError     **error)
{
  if (name[0] == '\0')
    {
      g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                   "The %s name is empty; pass the name shown by ListPools()", what);
      return FALSE;
    }
  return TRUE;
}

static const SyPoolConfig *
find_pool_config (SydPools    *self,
                  const char  *name,
                  GError     **error)
{
  SyPool *pool;

  if (!require_name ("pool", name, error))
    return NULL;

  if ((pool = sy_engine_find_pool (self->engine, name)) == NULL)
    {
      g_set_error (error, SY_ERROR, SY_ERROR_NOT_FOUND,
                   "There is no pool named “%s”", name);
      return NULL;
    }

  return sy_pool_get_config (pool);
}

/* Every edit ends the same way: the engine validated and applied it, then
 * the daemon saved it; a failed save is reported even though it applied. */
static void
finish_edit (SydPools              *self,
             GDBusMethodInvocation *invocation,
             gboolean               applied,
             GError                *error)
{
  g_autoptr(GError) save_error = NULL;

  if (!applied)
    {
      syd_error_return (invocation, error);
      return;
    }

  if (!syd_daemon_check_saved (self->daemon, &save_error))
    {
      syd_error_return (invocation, save_error);
      return;
    }

  g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
syd_pools_handle_list_pools (SydPools1             *object,
                             GDBusMethodInvocation *invocation)
{
  SydPools *self = SYD_POOLS (object);

  syd_pools1_complete_list_pools (object, invocation,
                                  syd_variant_from_pools (sy_engine_get_pools (self->engine)));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
syd_pools_handle_add_pool (SydPools1             *object,
                           GDBusMethodInvocation *invocation,
                           const char            *arg_name,
                           GVariant              *arg_options)
{
  SydPools *self = SYD_POOLS (object);
  g_autoptr(SyPoolConfig) pool = NULL;
  g_autoptr(GError) error = NULL;
  gboolean applied = FALSE;

  if (!sy_is_valid_name (arg_name))
    g_set_error (&error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                 "“%s” is not a valid pool name: use letters, digits, “-”, “_” and “.”", arg_name);
  else
    {
      pool = sy_pool_config_new (arg_name);
      applied = syd_variant_apply_pool (arg_options, pool, &error) &&
                sy_engine_add_pool (self->engine, pool, &error);
    }

  finish_edit (self, invocation, applied, error);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
syd_pools_handle_update_pool (SydPools1             *object,
                              GDBusMethodInvocation *invocation,
                              const char            *arg_name,
                              GVariant              *arg_options)
{
  SydPools *self = SYD_POOLS (object);
  g_autoptr(SyPoolConfig) pool = NULL;
  g_autoptr(GError) error = NULL;
  const SyPoolConfig *current;
  gboolean applied = FALSE;

  if ((current = find_pool_config (self, arg_name, &error)) != NULL)
    {
      pool = sy_pool_config_copy (current);
      applied = syd_variant_apply_pool (arg_options, pool, &error) &&
                sy_engine_update_pool (self->engine, pool, &error);
    }

  finish_edit (self, invocation, applied, error);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
syd_pools_handle_remove_pool (SydPools1             *object,
                              GDBusMethodInvocation *invocation,
                              const char            *arg_name)
{
  SydPools *self = SYD_POOLS (object);
  g_autoptr(GError) error = NULL;
  gboolean applied;

  applied = require_name ("pool", arg_name, &error) &&
            sy_engine_remove_pool (self->engine, arg_name, &error);

  finish_edit (self, invocation, applied, error);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
syd_pools_handle_add_upstream (SydPools1             *object,
                               GDBusMethodInvocation *invocation,
                               const char            *arg_pool,
                               GVariant              *arg_upstream,
                               gint                   arg_position)
{
  SydPools *self = SYD_POOLS (object);
  g_autoptr(SyUpstreamConfig) upstream = NULL;
  g_autoptr(GError) error = NULL;
  const SyPoolConfig *pool;
  gboolean applied = FALSE;

  pool = find_pool_config (self, arg_pool, &error);
  if (pool != NULL && (arg_position < -1 || arg_position > (gint) pool->upstreams->len))
    g_set_error (&error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                 "Position %d is out of range: pool “%s” has %u upstreams; "
                 "use 0–%u, or -1 to append", arg_position, arg_pool,
                 pool->upstreams->len, pool->upstreams->len);
  else if (pool != NULL &&
           (upstream = syd_variant_to_upstream_config (arg_upstream, pool, &error)) != NULL)
    applied = sy_engine_add_upstream (self->engine, arg_pool, upstream, arg_position, &error);

  finish_edit (self, invocation, applied, error);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
syd_pools_handle_update_upstream (SydPools1             *object,
                                  GDBusMethodInvocation *invocation,
                                  const char            *arg_pool,
                                  const char            *arg_name,
                                  GVariant              *arg_upstream)
{
  SydPools *self = SYD_POOLS (object);
  g_autoptr(SyUpstreamConfig) upstream = NULL;
  g_autoptr(GError) error = NULL;
  const SyPoolConfig *pool;
  const SyUpstreamConfig *current = NULL;
  gboolean applied = FALSE;

  if ((pool = find_pool_config (self, arg_pool, &error)) != NULL &&
      require_name ("upstream", arg_name, &error) &&
      (current = sy_pool_config_find_upstream (pool, arg_name, NULL)) == NULL)
    g_set_error (&error, SY_ERROR, SY_ERROR_NOT_FOUND,
                 "Pool “%s” has no upstream named “%s”", arg_pool, arg_name);

  if (current != NULL)
    {
      upstream = sy_upstream_config_copy (current);
      applied = syd_variant_apply_upstream (arg_upstream, upstream, &error) &&
                sy_engine_update_upstream (self->engine, arg_pool, arg_name, upstream, &error);
    }

  finish_edit (self, invocation, applied, error);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
syd_pools_handle_remove_upstream (SydPools1             *object,
                                  GDBusMethodInvocation *invocation,
                                  const char            *arg_pool,
                                  const char            *arg_name)
{
  SydPools *self = SYD_POOLS (object);
  g_autoptr(GError) error = NULL;
  gboolean applied;

  applied = require_name ("pool", arg_pool, &error) &&
            require_name ("upstream", arg_name, &error) &&
            sy_engine_remove_upstream (self->engine, arg_pool, arg_name, &error);

  finish_edit (self, invocation, applied, error);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
syd_pools_handle_move_upstream (SydPools1             *object,
                                GDBusMethodInvocation *invocation,
                                const char            *arg_pool,
                                const char            *arg_name,
                                guint                  arg_position)
{
  SydPools *self = SYD_POOLS (object);
  g_autoptr(GError) error = NULL;
  gboolean applied;

  applied = require_name ("pool", arg_pool, &error) &&
            require_name ("upstream", arg_name, &error) &&
            sy_engine_move_upstream (self->engine, arg_pool, arg_name, arg_position, &error);

  finish_edit (self, invocation, applied, error);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
syd_pools_handle_set_upstream_enabled (SydPools1             *object,
                                       GDBusMethodInvocation *invocation,
                                       const char            *arg_pool,
                                       const char            *arg_name,
                                       gboolean               arg_enabled)
{
  SydPools *self = SYD_POOLS (object);
  g_autoptr(GError) error = NULL;
  gboolean applied;

  applied = require_name ("pool", arg_pool, &error) &&
            require_name ("upstream", arg_name, &error) &&
            sy_engine_set_upstream_enabled (self->engine, arg_pool, arg_name, arg_enabled, &error);

  finish_edit (self, invocation, applied, error);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
syd_pools_test_upstream_cb (GObject      *object,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;
  gint64 latency;

  latency = sy_engine_test_upstream_finish (SY_ENGINE (object), result, &error);
  if (error != NULL)
    syd_error_return (g_steal_pointer (&invocation), error);
  else
    g_dbus_method_invocation_return_value (g_steal_pointer (&invocation),
                                           g_variant_new ("(x)", latency));
}

static gboolean
syd_pools_handle_test_upstream (SydPools1             *object,
                                GDBusMethodInvocation *invocation,
                                const char            *arg_pool,
                                const char            *arg_name)
{
  SydPools *self = SYD_POOLS (object);
  g_autoptr(GError) error = NULL;

  if (!require_name ("pool", arg_pool, &error) ||
      !require_name ("upstream", arg_name, &error))
    {
      syd_error_return (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  /* The reply waits for the check (bounded by the pool's health timeout);
   * the main loop goes on serving everything else meanwhile. */
  sy_engine_test_upstream_async (self->engine, arg_pool, arg_name, self->cancellable,
                                 syd_pools_test_upstream_cb, g_object_ref (invocation));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
syd_pools_iface_init (SydPools1Iface *iface)
{
  iface->handle_list_pools = syd_pools_handle_list_pools;
  iface->handle_add_pool = syd_pools_handle_add_pool;
  iface->handle_update_pool = syd_pools_handle_update_pool;
  iface->handle_remove_pool = syd_pools_handle_remove_pool;
  iface->handle_add_upstream = syd_pools_handle_add_upstream;
  iface->handle_update_upstream = syd_pools_handle_update_upstream;
  iface->handle_remove_upstream = syd_pools_handle_remove_upstream;
  iface->handle_move_upstream = syd_pools_handle_move_upstream;
  iface->handle_set_upstream_enabled = syd_pools_handle_set_upstream_enabled;
  iface->handle_test_upstream = syd_pools_handle_test_upstream;
}

/* Engine signals ----------------------------------------------------------- */

static void
syd_pools_pools_changed_cb (SydPools *self)
{
  syd_pools1_emit_pools_changed (SYD_POOLS1 (self));
}

static void
syd_pools_upstream_changed_cb (SydPools   *self,
                               const char *pool,
                               SyUpstream *upstream)
{
  syd_pools1_emit_upstream_changed (SYD_POOLS1 (self), pool, syd_variant_from_upstream (upstream));
}

/* GObject ------------------------------------------------------------------ */

static void
syd_pools_dispose (GObject *object)
{
  SydPools *self = SYD_POOLS (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (syd_pools_parent_class)->dispose (object);
}

static void
syd_pools_finalize (GObject *object)
{
  SydPools *self = SYD_POOLS (object);

  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (syd_pools_parent_class)->finalize (object);
}

static void
syd_pools_class_init (SydPoolsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = syd_pools_dispose;
  object_class->finalize = syd_pools_finalize;
}

static void
syd_pools_init (SydPools *self)
{
  self->cancellable = g_cancellable_new ();
}

SydPools *
syd_pools_new (SydDaemon *daemon)
{
  SydPools *self;

  g_return_val_if_fail (SYD_IS_DAEMON (daemon), NULL);

  self = g_object_new (SYD_TYPE_POOLS, NULL);
  self->daemon = daemon;
  self->engine = g_object_ref (syd_daemon_get_engine (daemon));

  g_signal_connect_object (self->engine, "pools-changed",
                           G_CALLBACK (syd_pools_pools_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->engine, "upstream-changed",
                           G_CALLBACK (syd_pools_upstream_changed_cb), self, G_CONNECT_SWAPPED);

  return self;
}
