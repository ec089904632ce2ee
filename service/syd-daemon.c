/* syd-daemon.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "syd-daemon"

#include "syd-daemon.h"
#include "syd-error.h"
#include "syd-log.h"
#include "syd-pools.h"
#include "syd-sessions.h"
#include "syd-variant.h"
#include "syd-wireguard.h"
#include "util/sy-error.h"

/* A rate older than this is stale: the dispatcher stops sampling when idle
 * and sends one last all-quiet sample, but a client asking later must not
 * see the last busy second forever. */
#define TRAFFIC_SAMPLE_MAX_AGE_USEC (2 * G_USEC_PER_SEC)

struct _SydDaemon
{
  SydDaemon1Skeleton  parent_instance;

  SyEngine           *engine;
  char               *config_dir;
  SydPools           *pools;
  SydSessions        *sessions;
  SydWireguard       *wireguard;

  GError             *save_error;

  SyTrafficSample     last_sample;
  gint64              last_sample_mono;
};

static void syd_daemon_iface_init (SydDaemon1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SydDaemon, syd_daemon, SYD_TYPE_DAEMON1_SKELETON,
                               G_IMPLEMENT_INTERFACE (SYD_TYPE_DAEMON1, syd_daemon_iface_init))

static void
syd_daemon_update_properties (SydDaemon *self)
{
  SydDaemon1 *iface = SYD_DAEMON1 (self);
  g_auto(GStrv) addresses = sy_engine_dup_listen_addresses (self->engine);

  /* The generated setters compare, so only real changes reach the bus as
   * PropertiesChanged (coalesced into one emission per main-loop turn). */
  syd_daemon1_set_state (iface, sy_engine_state_to_string (sy_engine_get_state (self->engine)));
  syd_daemon1_set_state_reason (iface, sy_engine_get_state_reason (self->engine));
  syd_daemon1_set_listen_addresses (iface, (const char *const *) addresses);
}

static void
syd_daemon_config_changed_cb (SydDaemon *self)
{
  g_autoptr(GError) error = NULL;

  g_clear_error (&self->save_error);

  /* Saved right away: sy_config_save_dir writes each file atomically, and a
   * change acknowledged on the bus must survive a crash a second later. */
  if (!sy_config_save_dir (sy_engine_get_config (self->engine), self->config_dir, &error))
    {
      g_warning ("Could not save the configuration to %s: %s", self->config_dir, error->message);
      self->save_error = g_steal_pointer (&error);
    }
}

static void
syd_daemon_traffic_cb (SydDaemon             *self,
                       const SyTrafficSample *sample)
{
  self->last_sample = *sample;
  self->last_sample_mono = g_get_monotonic_time ();

  syd_daemon1_emit_traffic (SYD_DAEMON1 (self), syd_variant_from_traffic_sample (sample));
}

static void
syd_daemon_emit_log (const SyLogEntry *entry,
                     gpointer          user_data)
{
  SydDaemon *self = user_data;

  syd_daemon1_emit_log (SYD_DAEMON1 (self),
                        entry->serial,
                        entry->timestamp,
                        sy_log_level_to_string (entry->level),
                        entry->domain != NULL ? entry->domain : "",
                        entry->message != NULL ? entry->message : "");
}

/* Daemon1 methods ------------------------------------------------------------ */

static gboolean
syd_daemon_handle_start (SydDaemon1            *object,
                         GDBusMethodInvocation *invocation)
{
  SydDaemon *self = SYD_DAEMON (object);
  g_autoptr(GError) error = NULL;

  if (!sy_engine_start (self->engine, &error))
    syd_error_return (invocation, error);
  else
    syd_daemon1_complete_start (object, invocation);

  syd_daemon_update_properties (self);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
syd_daemon_handle_stop (SydDaemon1            *object,
                        GDBusMethodInvocation *invocation)
{
  SydDaemon *self = SYD_DAEMON (object);

  sy_engine_stop (self->engine);
  syd_daemon_update_properties (self);
  syd_daemon1_complete_stop (object, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
syd_daemon_handle_reload (SydDaemon1            *object,
                          GDBusMethodInvocation *invocation)
{
  SydDaemon *self = SYD_DAEMON (object);
  g_autoptr(GError) error = NULL;

  if (!syd_daemon_reload (self, &error))
    syd_error_return (invocation, error);
  else
    syd_daemon1_complete_reload (object, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
syd_daemon_handle_get_inbounds (SydDaemon1            *object,
                                GDBusMethodInvocation *invocation)
{
  SydDaemon *self = SYD_DAEMON (object);
  const SyConfig *config = sy_engine_get_config (self->engine);

  syd_daemon1_complete_get_inbounds (object, invocation,
                                     syd_variant_from_inbound_configs (config->inbounds));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
syd_daemon_handle_set_inbound (SydDaemon1            *object,
                               GDBusMethodInvocation *invocation,
                               GVariant              *arg_inbound)
{
  SydDaemon *self = SYD_DAEMON (object);
  const SyConfig *config = sy_engine_get_config (self->engine);
  g_autoptr(SyInboundConfig) inbound = NULL;
  g_autoptr(GError) error = NULL;
  const char *name = "main";

  /* A wrong type for "name" is reported by syd_variant_apply_inbound(). */
  g_variant_lookup (arg_inbound, "name", "&s", &name);

  for (guint i = 0; i < config->inbounds->len; i++)
    {
      const SyInboundConfig *existing = g_ptr_array_index (config->inbounds, i);

      if (g_strcmp0 (existing->name, name) == 0)
        {
          inbound = sy_inbound_config_copy (existing);
          break;
        }
    }

  if (inbound == NULL)
    {
      inbound = sy_inbound_config_new ();
      g_free (inbound->name);
      inbound->name = g_strdup (name);
    }

  if (!syd_variant_apply_inbound (arg_inbound, inbound, &error) ||
      !sy_engine_set_inbound (self->engine, inbound, &error) ||
      !syd_daemon_check_saved (self, &error))
    syd_error_return (invocation, error);
  else
    syd_daemon1_complete_set_inbound (object, invocation);

  syd_daemon_update_properties (self);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
syd_daemon_handle_get_traffic (SydDaemon1            *object,
                               GDBusMethodInvocation *invocation)
{
  SydDaemon *self = SYD_DAEMON (object);
  SyDispatcher *dispatcher = sy_engine_get_dispatcher (self->engine);
  const SyTraffic *traffic = sy_dispatcher_get_traffic (dispatcher);
  gboolean fresh;
  GVariantDict dict;

  fresh = self->last_sample_mono != 0 &&
          g_get_monotonic_time () - self->last_sample_mono < TRAFFIC_SAMPLE_MAX_AGE_USEC;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "timestamp", "x", g_get_real_time ());
  g_variant_dict_insert (&dict, "rate-up", "t", fresh ? self->last_sample.rate_up : 0);
  g_variant_dict_insert (&dict, "rate-down", "t", fresh ? self->last_sample.rate_down : 0);
  g_variant_dict_insert (&dict, "total-up", "t", traffic->bytes_up);
  g_variant_dict_insert (&dict, "total-down", "t", traffic->bytes_down);
  g_variant_dict_insert (&dict, "active", "u", sy_dispatcher_get_active_count (dispatcher));
  g_variant_dict_insert (&dict, "sessions-total", "t", traffic->sessions_total);
  g_variant_dict_insert (&dict, "sessions-failed", "t", traffic->sessions_failed);

  syd_daemon1_complete_get_traffic (object, invocation, g_variant_dict_end (&dict));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
syd_daemon_handle_get_log (SydDaemon1            *object,
                           GDBusMethodInvocation *invocation,
                           guint64                arg_after,
                           guint                  arg_limit)
{
  syd_daemon1_complete_get_log (object, invocation, syd_log_get_entries (arg_after, arg_limit));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
syd_daemon_iface_init (SydDaemon1Iface *iface)
{
  iface->handle_start = syd_daemon_handle_start;
  iface->handle_stop = syd_daemon_handle_stop;
  iface->handle_reload = syd_daemon_handle_reload;
  iface->handle_get_inbounds = syd_daemon_handle_get_inbounds;
  iface->handle_set_inbound = syd_daemon_handle_set_inbound;
  iface->handle_get_traffic = syd_daemon_handle_get_traffic;
  iface->handle_get_log = syd_daemon_handle_get_log;
}

/* GObject ---------------------------------------------------------------------- */

static void
syd_daemon_dispose (GObject *object)
{
  SydDaemon *self = SYD_DAEMON (object);

  syd_daemon_unexport (self);

  g_clear_object (&self->pools);
  g_clear_object (&self->sessions);
  g_clear_object (&self->wireguard);
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (syd_daemon_parent_class)->dispose (object);
}

static void
syd_daemon_finalize (GObject *object)
{
  SydDaemon *self = SYD_DAEMON (object);

  g_clear_pointer (&self->config_dir, g_free);
  g_clear_error (&self->save_error);

  G_OBJECT_CLASS (syd_daemon_parent_class)->finalize (object);
}

static void
syd_daemon_class_init (SydDaemonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = syd_daemon_dispose;
  object_class->finalize = syd_daemon_finalize;
}

static void
syd_daemon_init (SydDaemon *self)
{
  syd_daemon1_set_version (SYD_DAEMON1 (self), PACKAGE_VERSION);
}

SydDaemon *
syd_daemon_new (SyEngine   *engine,
                const char *config_dir)
{
  SydDaemon *self;

  g_return_val_if_fail (SY_IS_ENGINE (engine), NULL);
  g_return_val_if_fail (config_dir != NULL, NULL);

  syd_error_register ();

  self = g_object_new (SYD_TYPE_DAEMON, NULL);
  self->engine = g_object_ref (engine);
  self->config_dir = g_strdup (config_dir);
  self->pools = syd_pools_new (self);
  self->sessions = syd_sessions_new (engine);
  self->wireguard = syd_wireguard_new (self);

  g_signal_connect_object (engine, "state-changed",
                           G_CALLBACK (syd_daemon_update_properties), self, G_CONNECT_SWAPPED);
  /* Reload and SetInbound rebind inbounds without a state change. */
  g_signal_connect_object (engine, "pools-changed",
                           G_CALLBACK (syd_daemon_update_properties), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (engine, "config-changed",
                           G_CALLBACK (syd_daemon_config_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (sy_engine_get_dispatcher (engine), "traffic",
                           G_CALLBACK (syd_daemon_traffic_cb), self, G_CONNECT_SWAPPED);

  syd_daemon_update_properties (self);

  return self;
}

SyEngine *
syd_daemon_get_engine (SydDaemon *self)
{
  g_return_val_if_fail (SYD_IS_DAEMON (self), NULL);

  return self->engine;
}

const char *
syd_daemon_get_config_dir (SydDaemon *self)
{
  g_return_val_if_fail (SYD_IS_DAEMON (self), NULL);

  return self->config_dir;
}

gboolean
syd_daemon_export (SydDaemon        *self,
                   GDBusConnection  *connection,
                   GError          **error)
{
  g_return_val_if_fail (SYD_IS_DAEMON (self), FALSE);
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), FALSE);

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self),
                                         connection, SY_DBUS_PATH, error) ||
      !g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->pools),
                                         connection, SY_DBUS_PATH, error) ||
      !g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->sessions),
                                         connection, SY_DBUS_PATH, error) ||
      !g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->wireguard),
                                         connection, SY_DBUS_PATH, error))
    {
      syd_daemon_unexport (self);
      return FALSE;
    }

  syd_log_set_emitter (syd_daemon_emit_log, self);

  return TRUE;
}

void
syd_daemon_unexport (SydDaemon *self)
{
  g_return_if_fail (SYD_IS_DAEMON (self));

  syd_log_set_emitter (NULL, NULL);

  if (g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self)) != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self));
  if (self->pools != NULL &&
      g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self->pools)) != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->pools));
  if (self->sessions != NULL &&
      g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self->sessions)) != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->sessions));
  if (self->wireguard != NULL &&
      g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self->wireguard)) != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->wireguard));
}

gboolean
syd_daemon_reload (SydDaemon  *self,
                   GError    **error)
{
  g_autoptr(SyConfig) config = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (SYD_IS_DAEMON (self), FALSE);

  /* Load everything, then apply it all or nothing: a broken file must not
   * leave half of a new configuration running. */
  if ((config = sy_config_load_dir (self->config_dir, &local_error)) == NULL ||
      !sy_engine_set_config (self->engine, config, &local_error))
    {
      g_warning ("Reload failed, keeping the running configuration: %s", local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      syd_daemon_update_properties (self);
      return FALSE;
    }

  syd_log_set_capacity (config->service.log_size);
  syd_daemon_update_properties (self);
  g_message ("Reloaded the configuration from %s", self->config_dir);

  return TRUE;
}

gboolean
syd_daemon_check_saved (SydDaemon  *self,
                        GError    **error)
{
  g_return_val_if_fail (SYD_IS_DAEMON (self), FALSE);

  if (self->save_error == NULL)
    return TRUE;

  g_set_error (error, SY_ERROR, SY_ERROR_FAILED,
               "The change is applied but could not be saved to %s: %s",
               self->config_dir, self->save_error->message);
  g_clear_error (&self->save_error);

  return FALSE;
}
