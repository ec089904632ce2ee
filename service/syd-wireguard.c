/* syd-wireguard.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "syd-wireguard"

#include "config/sy-wg-import.h"
#include "syd-error.h"
#include "syd-wireguard.h"
#include "util/sy-error.h"
#include "util/sy-secret.h"
#include "wireguard/sy-wg-device.h"

struct _SydWireguard
{
  SydWireguard1Skeleton  parent_instance;

  SydDaemon             *daemon;       /* owns us */
  SyEngine              *engine;
};

static void syd_wireguard_iface_init (SydWireguard1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SydWireguard, syd_wireguard, SYD_TYPE_WIREGUARD1_SKELETON,
                               G_IMPLEMENT_INTERFACE (SYD_TYPE_WIREGUARD1,
                                                      syd_wireguard_iface_init))

/* Helpers ------------------------------------------------------------------ */

static const SyWgProfile *
find_profile (SydWireguard  *self,
              const char    *name,
              GError       **error)
{
  const SyWgProfile *profile;

  if (name[0] == '\0')
    {
      g_set_error_literal (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                           "The profile name is empty; pass a name shown by ListProfiles()");
      return NULL;
    }

  profile = sy_config_find_wireguard (sy_engine_get_config (self->engine), name, NULL);
  if (profile == NULL)
    g_set_error (error, SY_ERROR, SY_ERROR_NOT_FOUND,
                 "There is no WireGuard profile named “%s”", name);

  return profile;
}

/* The live state of @name's peers, NULL while its tunnel does not run. */
static GPtrArray *
dup_peer_status (SydWireguard *self,
                 const char   *name)
{
  return sy_engine_dup_wireguard_peers (self->engine, name, NULL);
}

static const char *
peer_state_to_string (SyWgPeerState state)
{
  switch (state)
    {
    case SY_WG_PEER_STATE_IDLE:        return "idle";
    case SY_WG_PEER_STATE_HANDSHAKING: return "handshaking";
    case SY_WG_PEER_STATE_UP:          return "up";
    case SY_WG_PEER_STATE_FAILING:     return "failing";
    default:                           return "unknown";
    }
}

static GVariant *
prefixes_to_variant (GArray *prefixes)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; prefixes != NULL && i < prefixes->len; i++)
    {
      char text[SY_WG_PREFIX_STRING_MAX];

      g_variant_builder_add (&builder, "s",
                             sy_wg_prefix_format (&g_array_index (prefixes, SyWgPrefix, i), text));
    }

  return g_variant_builder_end (&builder);
}

static GVariant *
peer_to_variant (const SyWgPeer       *peer,
                 const SyWgPeerStatus *status)
{
  GVariantBuilder builder;
  g_autofree char *public_key = sy_wg_key_to_base64 (peer->public_key);
  g_autofree char *configured = sy_wg_peer_format_endpoint (peer);
  const char *endpoint = status != NULL && status->endpoint != NULL ? status->endpoint : configured;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "public-key", g_variant_new_string (public_key));
  g_variant_builder_add (&builder, "{sv}", "endpoint",
                         g_variant_new_string (endpoint != NULL ? endpoint : ""));
  /* Seconds, as wg(8) shows "latest handshake"; the device keeps µs. */
  g_variant_builder_add (&builder, "{sv}", "last-handshake",
                         g_variant_new_int64 (status != NULL
                                              ? status->last_handshake / G_USEC_PER_SEC : 0));
  g_variant_builder_add (&builder, "{sv}", "rx-bytes",
                         g_variant_new_uint64 (status != NULL ? status->rx_bytes : 0));
  g_variant_builder_add (&builder, "{sv}", "tx-bytes",
                         g_variant_new_uint64 (status != NULL ? status->tx_bytes : 0));
  g_variant_builder_add (&builder, "{sv}", "handshakes",
                         g_variant_new_uint32 (status != NULL ? status->handshakes : 0));
  g_variant_builder_add (&builder, "{sv}", "state",
                         g_variant_new_string (status != NULL ? peer_state_to_string (status->state)
                                                              : "stopped"));
  g_variant_builder_add (&builder, "{sv}", "allowed-ips", prefixes_to_variant (peer->allowed_ips));
  g_variant_builder_add (&builder, "{sv}", "persistent-keepalive",
                         g_variant_new_uint16 (peer->persistent_keepalive));
  g_variant_builder_add (&builder, "{sv}", "has-preshared-key",
                         g_variant_new_boolean (peer->has_preshared_key));

  return g_variant_builder_end (&builder);
}

static GVariant *
profile_to_variant (SydWireguard      *self,
                    const SyWgProfile *profile)
{
  const SyConfig *config = sy_engine_get_config (self->engine);
  g_autofree char *outbound = sy_outbound_name_for_wireguard (profile->name);
  g_autofree char *public_key = sy_wg_profile_dup_public_key (profile);
  g_auto(GStrv) inbounds = sy_config_dup_wireguard_inbounds (config, profile->name);
  g_auto(GStrv) pools = sy_config_dup_wireguard_pools (config, profile->name);
  g_autoptr(GPtrArray) status = dup_peer_status (self, profile->name);
  GVariantBuilder builder;
  GVariantBuilder dns;
  guint peers_up = 0;

  g_variant_builder_init (&dns, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; i < profile->dns->len; i++)
    {
      g_autofree char *address = g_inet_address_to_string (g_ptr_array_index (profile->dns, i));

      g_variant_builder_add (&dns, "s", address);
    }
  for (guint i = 0; i < profile->dns_search->len; i++)
    g_variant_builder_add (&dns, "s", (const char *) g_ptr_array_index (profile->dns_search, i));

  for (guint i = 0; status != NULL && i < status->len; i++)
    if (((SyWgPeerStatus *) g_ptr_array_index (status, i))->state == SY_WG_PEER_STATE_UP)
      peers_up++;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "outbound", g_variant_new_string (outbound));
  g_variant_builder_add (&builder, "{sv}", "public-key", g_variant_new_string (public_key));
  g_variant_builder_add (&builder, "{sv}", "addresses", prefixes_to_variant (profile->addresses));
  g_variant_builder_add (&builder, "{sv}", "dns", g_variant_builder_end (&dns));
  g_variant_builder_add (&builder, "{sv}", "mtu", g_variant_new_uint32 (profile->mtu));
  g_variant_builder_add (&builder, "{sv}", "listen-port",
                         g_variant_new_uint16 (profile->listen_port));
  g_variant_builder_add (&builder, "{sv}", "peer-count",
                         g_variant_new_uint32 (profile->peers->len));
  g_variant_builder_add (&builder, "{sv}", "peers-up", g_variant_new_uint32 (peers_up));
  g_variant_builder_add (&builder, "{sv}", "running", g_variant_new_boolean (status != NULL));
  g_variant_builder_add (&builder, "{sv}", "inbounds",
                         g_variant_new_strv ((const char * const *) inbounds, -1));
  g_variant_builder_add (&builder, "{sv}", "pools",
                         g_variant_new_strv ((const char * const *) pools, -1));

  return g_variant_new ("(s@a{sv})", profile->name, g_variant_builder_end (&builder));
}

/* "wg0", "wg1", … the first that is free. */
static char *
pick_name (SydWireguard *self)
{
  const SyConfig *config = sy_engine_get_config (self->engine);

  for (guint n = 0; ; n++)
    {
      g_autofree char *name = g_strdup_printf ("wg%u", n);

      if (sy_config_find_wireguard (config, name, NULL) == NULL)
        return g_steal_pointer (&name);
    }
}

/* WireGuard1 methods -------------------------------------------------------- */

static gboolean
syd_wireguard_handle_import_profile (SydWireguard1         *object,
                                     GDBusMethodInvocation *invocation,
                                     const char            *arg_name,
                                     const char            *arg_text,
                                     const char            *arg_format)
{
  SydWireguard *self = SYD_WIREGUARD (object);
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SyWgProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  SyWgImportFormat format;

  if (!sy_wg_import_format_from_string (arg_format, &format))
    {
      g_set_error (&error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a format; use “auto”, “wg-quick” or “wireproxy”", arg_format);
      syd_error_return (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  name = arg_name[0] != '\0' ? g_strdup (arg_name) : pick_name (self);

  if ((profile = sy_wg_import (name, arg_text, format, warnings, &error)) == NULL ||
      !sy_engine_set_wireguard_profile (self->engine, profile, &error) ||
      !syd_daemon_check_saved (self->daemon, &error))
    {
      syd_error_return (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  for (guint i = 0; i < warnings->len; i++)
    g_message ("Importing WireGuard profile “%s”: %s", name,
               (const char *) g_ptr_array_index (warnings, i));
  g_message ("Imported WireGuard profile “%s” (%u peer%s)", name, profile->peers->len,
             profile->peers->len == 1 ? "" : "s");

  /* An empty null-terminated GPtrArray may have no pdata at all yet. */
  g_ptr_array_add (warnings, NULL);
  syd_wireguard1_complete_import_profile (object, invocation, name,
                                          (const char * const *) warnings->pdata);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
syd_wireguard_handle_list_profiles (SydWireguard1         *object,
                                    GDBusMethodInvocation *invocation)
{
  SydWireguard *self = SYD_WIREGUARD (object);
  const SyConfig *config = sy_engine_get_config (self->engine);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sa{sv})"));
  for (guint i = 0; config->wireguard != NULL && i < config->wireguard->len; i++)
    {
      const SyWgProfile *profile = g_ptr_array_index (config->wireguard, i);

      g_variant_builder_add_value (&builder, profile_to_variant (self, profile));
    }

  syd_wireguard1_complete_list_profiles (object, invocation, g_variant_builder_end (&builder));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
syd_wireguard_handle_get_peers (SydWireguard1         *object,
                                GDBusMethodInvocation *invocation,
                                const char            *arg_name)
{
  SydWireguard *self = SYD_WIREGUARD (object);
  g_autoptr(GPtrArray) status = NULL;
  g_autoptr(GError) error = NULL;
  const SyWgProfile *profile;
  GVariantBuilder builder;

  if ((profile = find_profile (self, arg_name, &error)) == NULL)
    {
      syd_error_return (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  status = dup_peer_status (self, arg_name);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < profile->peers->len; i++)
    g_variant_builder_add_value (&builder,
                                 peer_to_variant (g_ptr_array_index (profile->peers, i),
                                                  status != NULL && i < status->len
                                                  ? g_ptr_array_index (status, i) : NULL));

  syd_wireguard1_complete_get_peers (object, invocation, g_variant_builder_end (&builder));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
syd_wireguard_handle_remove_profile (SydWireguard1         *object,
                                     GDBusMethodInvocation *invocation,
                                     const char            *arg_name)
{
  SydWireguard *self = SYD_WIREGUARD (object);
  g_autoptr(GError) error = NULL;

  if (find_profile (self, arg_name, &error) == NULL ||
      !sy_engine_remove_wireguard_profile (self->engine, arg_name, &error) ||
      !syd_daemon_check_saved (self->daemon, &error))
    syd_error_return (invocation, error);
  else
    syd_wireguard1_complete_remove_profile (object, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
syd_wireguard_handle_export_profile (SydWireguard1         *object,
                                     GDBusMethodInvocation *invocation,
                                     const char            *arg_name,
                                     gboolean               arg_include_private_key)
{
  SydWireguard *self = SYD_WIREGUARD (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(SySecret) text = NULL;
  const SyWgProfile *profile;

  if ((profile = find_profile (self, arg_name, &error)) == NULL)
    {
      syd_error_return (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  if (arg_include_private_key)
    g_message ("Exporting WireGuard profile “%s” with its private key", arg_name);

  text = sy_wg_export (profile, arg_include_private_key);
  syd_wireguard1_complete_export_profile (object, invocation, text);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
syd_wireguard_iface_init (SydWireguard1Iface *iface)
{
  iface->handle_import_profile = syd_wireguard_handle_import_profile;
  iface->handle_list_profiles = syd_wireguard_handle_list_profiles;
  iface->handle_get_peers = syd_wireguard_handle_get_peers;
  iface->handle_remove_profile = syd_wireguard_handle_remove_profile;
  iface->handle_export_profile = syd_wireguard_handle_export_profile;
}

/* Engine signals ----------------------------------------------------------- */

static void
syd_wireguard_profiles_changed_cb (SydWireguard *self)
{
  syd_wireguard1_emit_profiles_changed (SYD_WIREGUARD1 (self));
}

static void
syd_wireguard_peers_changed_cb (SydWireguard *self,
                                const char   *profile)
{
  syd_wireguard1_emit_peers_changed (SYD_WIREGUARD1 (self), profile);
}

/* GObject ------------------------------------------------------------------ */

static void
syd_wireguard_dispose (GObject *object)
{
  SydWireguard *self = SYD_WIREGUARD (object);

  g_clear_object (&self->engine);

  G_OBJECT_CLASS (syd_wireguard_parent_class)->dispose (object);
}

static void
syd_wireguard_class_init (SydWireguardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = syd_wireguard_dispose;
}

static void
syd_wireguard_init (SydWireguard *self)
{
}

SydWireguard *
syd_wireguard_new (SydDaemon *daemon)
{
  SydWireguard *self;

  g_return_val_if_fail (SYD_IS_DAEMON (daemon), NULL);

  self = g_object_new (SYD_TYPE_WIREGUARD, NULL);
  self->daemon = daemon;
  self->engine = g_object_ref (syd_daemon_get_engine (daemon));

  g_signal_connect_object (self->engine, "wireguard-profiles-changed",
                           G_CALLBACK (syd_wireguard_profiles_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->engine, "wireguard-changed",
                           G_CALLBACK (syd_wireguard_peers_changed_cb), self, G_CONNECT_SWAPPED);

  return self;
}
