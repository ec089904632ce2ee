/* syapp-nm-wireguard.c — NetworkManager's WireGuard connections as wg-quick text
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reads NetworkManager's settings over its D-Bus API on the system bus
 * (org.freedesktop.NetworkManager.Settings: ListConnections, then
 * GetSettings and GetSecrets("wireguard") per connection of type
 * "wireguard") and writes each as the wg-quick text ImportProfile takes.
 * The D-Bus API is what libnm itself speaks; using it directly keeps libnm
 * out of the app for one read-only listing, and works inside Flatpak with
 * --system-talk-name=org.freedesktop.NetworkManager.
 *
 * The setting names are NetworkManager's (nm-settings-dbus(5)): in
 * "wireguard" private-key, listen-port, mtu and peers (public-key,
 * preshared-key, endpoint, allowed-ips, persistent-keepalive); addresses in
 * "ipv4"/"ipv6" address-data; DNS servers in ipv4 "dns" (network-order
 * uint32) and ipv6 "dns" (16-byte arrays), search domains in "dns-search".
 * Secrets come from GetSecrets; where NetworkManager returns them with the
 * settings instead (older versions, test doubles), those are used.
 */

#include "config.h"

#define G_LOG_DOMAIN "syapp-nm"

#include <arpa/inet.h>
#include <string.h>

#include <glib/gi18n.h>

#include "syapp-nm-wireguard.h"

#define NM_NAME "org.freedesktop.NetworkManager"
#define NM_SETTINGS_PATH "/org/freedesktop/NetworkManager/Settings"
#define NM_SETTINGS "org.freedesktop.NetworkManager.Settings"
#define NM_CONNECTION "org.freedesktop.NetworkManager.Settings.Connection"

void
syapp_nm_wireguard_free (SyAppNmWireguard *profile)
{
  if (profile == NULL)
    return;
  g_free (profile->id);
  if (profile->text != NULL)
    {
      /* It holds the private key. */
      explicit_bzero (profile->text, strlen (profile->text));
      g_free (profile->text);
    }
  g_free (profile);
}

/* Conversion --------------------------------------------------------------------*/

static GVariant *
setting (GVariant   *settings,
         const char *name)
{
  return settings != NULL ? g_variant_lookup_value (settings, name, G_VARIANT_TYPE_VARDICT)
                          : NULL;
}

static const char *
lookup_str (GVariant   *dict,
            const char *key)
{
  const char *value = NULL;

  if (dict == NULL || !g_variant_lookup (dict, key, "&s", &value) || value[0] == '\0')
    return NULL;
  return value;
}

static guint32
lookup_u (GVariant   *dict,
          const char *key)
{
  guint32 value = 0;

  if (dict != NULL)
    g_variant_lookup (dict, key, "u", &value);
  return value;
}

static void
append_addresses (GPtrArray *out,
                  GVariant  *ip)
{
  g_autoptr(GVariant) data = NULL;
  GVariantIter iter;
  GVariant *address;

  if (ip == NULL)
    return;
  data = g_variant_lookup_value (ip, "address-data", G_VARIANT_TYPE ("aa{sv}"));
  if (data == NULL)
    return;

  g_variant_iter_init (&iter, data);
  while ((address = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *addr = lookup_str (address, "address");

      if (addr != NULL)
        g_ptr_array_add (out, g_strdup_printf ("%s/%u", addr, lookup_u (address, "prefix")));
      g_variant_unref (address);
    }
}

static void
append_dns (GPtrArray *out,
            GVariant  *ipv4,
            GVariant  *ipv6)
{
  g_autoptr(GVariant) v4 = ipv4 != NULL ? g_variant_lookup_value (ipv4, "dns",
                                                                  G_VARIANT_TYPE ("au"))
                                        : NULL;
  g_autoptr(GVariant) v6 = ipv6 != NULL ? g_variant_lookup_value (ipv6, "dns",
                                                                  G_VARIANT_TYPE ("aay"))
                                        : NULL;
  char text[INET6_ADDRSTRLEN];

  if (v4 != NULL)
    for (gsize i = 0; i < g_variant_n_children (v4); i++)
      {
        guint32 server;

        g_variant_get_child (v4, i, "u", &server);
        /* Network byte order, as NetworkManager keeps it. */
        if (inet_ntop (AF_INET, &server, text, sizeof text) != NULL)
          g_ptr_array_add (out, g_strdup (text));
      }

  if (v6 != NULL)
    for (gsize i = 0; i < g_variant_n_children (v6); i++)
      {
        g_autoptr(GVariant) bytes = g_variant_get_child_value (v6, i);
        gsize n;
        const guint8 *server = g_variant_get_fixed_array (bytes, &n, 1);

        if (n == 16 && inet_ntop (AF_INET6, server, text, sizeof text) != NULL)
          g_ptr_array_add (out, g_strdup (text));
      }

  for (GVariant *ip = ipv4; ip != NULL; ip = ip == ipv4 ? ipv6 : NULL)
    {
      g_autofree const char **search = NULL;
      g_autoptr(GVariant) domains = g_variant_lookup_value (ip, "dns-search",
                                                            G_VARIANT_TYPE_STRING_ARRAY);

      if (domains == NULL)
        continue;
      search = g_variant_get_strv (domains, NULL);
      for (guint i = 0; search[i] != NULL; i++)
        g_ptr_array_add (out, g_strdup (search[i]));
    }
}

static void
append_joined (GString    *text,
               const char *key,
               GPtrArray  *values)
{
  if (values->len == 0)
    return;
  g_string_append_printf (text, "%s = ", key);
  for (guint i = 0; i < values->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? ", " : "",
                            (const char *) g_ptr_array_index (values, i));
  g_string_append_c (text, '\n');
}

/* The preshared key of @public_key, from the secrets or the settings. */
static char *
find_preshared_key (GVariant   *wireguard_secrets,
                    GVariant   *peer,
                    const char *public_key)
{
  g_autoptr(GVariant) peers = NULL;
  GVariantIter iter;
  GVariant *candidate;
  char *key = NULL;

  if (wireguard_secrets != NULL)
    peers = g_variant_lookup_value (wireguard_secrets, "peers", G_VARIANT_TYPE ("aa{sv}"));
  if (peers != NULL)
    {
      g_variant_iter_init (&iter, peers);
      while (key == NULL && (candidate = g_variant_iter_next_value (&iter)) != NULL)
        {
          if (g_strcmp0 (lookup_str (candidate, "public-key"), public_key) == 0)
            key = g_strdup (lookup_str (candidate, "preshared-key"));
          g_variant_unref (candidate);
        }
    }
  return key != NULL ? key : g_strdup (lookup_str (peer, "preshared-key"));
}

/**
 * syapp_nm_wireguard_to_text:
 * @settings: (type a{sa{sv}}): GetSettings of a "wireguard" connection
 * @secrets: (nullable) (type a{sa{sv}}): GetSecrets("wireguard")
 *
 * Returns: (transfer full): the connection as wg-quick text, or %NULL when
 *   it is not a WireGuard connection
 */
char *
syapp_nm_wireguard_to_text (GVariant  *settings,
                            GVariant  *secrets,
                            GError   **error)
{
  g_autoptr(GVariant) connection = setting (settings, "connection");
  g_autoptr(GVariant) wireguard = setting (settings, "wireguard");
  g_autoptr(GVariant) wireguard_secrets = setting (secrets, "wireguard");
  g_autoptr(GVariant) ipv4 = setting (settings, "ipv4");
  g_autoptr(GVariant) ipv6 = setting (settings, "ipv6");
  g_autoptr(GVariant) peers = NULL;
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) dns = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) text = g_string_new ("[Interface]\n");
  const char *private_key;
  GVariantIter iter;
  GVariant *peer;

  g_return_val_if_fail (g_variant_is_of_type (settings, G_VARIANT_TYPE ("a{sa{sv}}")), NULL);

  if (g_strcmp0 (lookup_str (connection, "type"), "wireguard") != 0 || wireguard == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("This NetworkManager connection is not a WireGuard connection."));
      return NULL;
    }

  private_key = lookup_str (wireguard_secrets, "private-key");
  if (private_key == NULL)
    private_key = lookup_str (wireguard, "private-key");
  if (private_key != NULL)
    g_string_append_printf (text, "PrivateKey = %s\n", private_key);
  else
    g_string_append (text, "# NetworkManager did not hand out the private key: add the line\n"
                           "# PrivateKey = …\n");

  append_addresses (addresses, ipv4);
  append_addresses (addresses, ipv6);
  append_joined (text, "Address", addresses);
  append_dns (dns, ipv4, ipv6);
  append_joined (text, "DNS", dns);
  if (lookup_u (wireguard, "listen-port") != 0)
    g_string_append_printf (text, "ListenPort = %u\n", lookup_u (wireguard, "listen-port"));
  if (lookup_u (wireguard, "mtu") != 0)
    g_string_append_printf (text, "MTU = %u\n", lookup_u (wireguard, "mtu"));

  peers = g_variant_lookup_value (wireguard, "peers", G_VARIANT_TYPE ("aa{sv}"));
  if (peers != NULL)
    {
      g_variant_iter_init (&iter, peers);
      while ((peer = g_variant_iter_next_value (&iter)) != NULL)
        {
          const char *public_key = lookup_str (peer, "public-key");
          g_autofree char *psk = find_preshared_key (wireguard_secrets, peer, public_key);
          const char *endpoint = lookup_str (peer, "endpoint");
          g_autoptr(GVariant) allowed = g_variant_lookup_value (peer, "allowed-ips",
                                                                G_VARIANT_TYPE_STRING_ARRAY);
          guint32 keepalive = lookup_u (peer, "persistent-keepalive");

          g_string_append (text, "\n[Peer]\n");
          if (public_key != NULL)
            g_string_append_printf (text, "PublicKey = %s\n", public_key);
          if (psk != NULL)
            {
              g_string_append_printf (text, "PresharedKey = %s\n", psk);
              explicit_bzero (psk, strlen (psk));
            }
          if (endpoint != NULL)
            g_string_append_printf (text, "Endpoint = %s\n", endpoint);
          if (allowed != NULL && g_variant_n_children (allowed) > 0)
            {
              g_autofree const char **ips = g_variant_get_strv (allowed, NULL);
              g_autofree char *joined = g_strjoinv (", ", (char **) ips);

              g_string_append_printf (text, "AllowedIPs = %s\n", joined);
            }
          if (keepalive != 0)
            g_string_append_printf (text, "PersistentKeepalive = %u\n", keepalive);
          g_variant_unref (peer);
        }
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Listing ------------------------------------------------------------------------*/

typedef struct
{
  GDBusConnection *bus;
  GPtrArray       *profiles;      /* SyAppNmWireguard* */
  guint            pending;
} Listing;

static void
listing_free (Listing *listing)
{
  g_clear_object (&listing->bus);
  g_clear_pointer (&listing->profiles, g_ptr_array_unref);
  g_free (listing);
}

typedef struct
{
  GTask    *task;
  char     *path;
  GVariant *settings;
} Connection;

static void
connection_done (Connection *connection)
{
  Listing *listing = g_task_get_task_data (connection->task);

  if (--listing->pending == 0)
    g_task_return_pointer (connection->task, g_steal_pointer (&listing->profiles),
                           (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (connection->task);
  g_free (connection->path);
  g_clear_pointer (&connection->settings, g_variant_unref);
  g_free (connection);
}

static void
secrets_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Connection *connection = user_data;
  Listing *listing = g_task_get_task_data (connection->task);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) secrets = NULL;
  g_autoptr(GVariant) settings_connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const char *id = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply != NULL)
    secrets = g_variant_get_child_value (reply, 0);
  else
    /* No secret agent, or not allowed: the text says what is missing. */
    g_message ("GetSecrets %s: %s", connection->path, error->message);

  text = syapp_nm_wireguard_to_text (connection->settings, secrets, NULL);
  settings_connection = setting (connection->settings, "connection");
  id = lookup_str (settings_connection, "id");
  if (text != NULL)
    {
      SyAppNmWireguard *profile = g_new0 (SyAppNmWireguard, 1);

      profile->id = g_strdup (id != NULL ? id : "wireguard");
      profile->text = g_steal_pointer (&text);
      g_ptr_array_add (listing->profiles, profile);
    }
  connection_done (connection);
}

static void
settings_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Connection *connection = user_data;
  Listing *listing = g_task_get_task_data (connection->task);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) settings_connection = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      g_message ("GetSettings %s: %s", connection->path, error->message);
      connection_done (connection);
      return;
    }

  connection->settings = g_variant_get_child_value (reply, 0);
  settings_connection = setting (connection->settings, "connection");
  if (g_strcmp0 (lookup_str (settings_connection, "type"), "wireguard") != 0)
    {
      connection_done (connection);
      return;
    }

  g_dbus_connection_call (listing->bus, NM_NAME, connection->path, NM_CONNECTION,
                          "GetSecrets", g_variant_new ("(s)", "wireguard"),
                          G_VARIANT_TYPE ("(a{sa{sv}})"), G_DBUS_CALL_FLAGS_NONE, -1,
                          g_task_get_cancellable (connection->task), secrets_cb, connection);
}

static void
list_connections_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Listing *listing = g_task_get_task_data (task);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree const char **paths = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      if (g_dbus_error_is_remote_error (error))
        {
          g_autofree char *remote = g_dbus_error_get_remote_error (error);

          if (g_str_equal (remote, "org.freedesktop.DBus.Error.ServiceUnknown") ||
              g_str_equal (remote, "org.freedesktop.DBus.Error.NameHasNoOwner"))
            {
              g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s",
                                       _("NetworkManager is not running on this computer."));
              return;
            }
          g_dbus_error_strip_remote_error (error);
        }
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_variant_get (reply, "(^a&o)", &paths);
  listing->pending = 1;     /* this callback's own, released below */
  for (guint i = 0; paths[i] != NULL; i++)
    {
      Connection *connection = g_new0 (Connection, 1);

      connection->task = g_object_ref (task);
      connection->path = g_strdup (paths[i]);
      listing->pending++;
      g_dbus_connection_call (listing->bus, NM_NAME, paths[i], NM_CONNECTION, "GetSettings",
                              NULL, G_VARIANT_TYPE ("(a{sa{sv}})"), G_DBUS_CALL_FLAGS_NONE, -1,
                              g_task_get_cancellable (task), settings_cb, connection);
    }

  if (--listing->pending == 0)
    g_task_return_pointer (task, g_steal_pointer (&listing->profiles),
                           (GDestroyNotify) g_ptr_array_unref);
}

static void
system_bus_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Listing *listing = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  listing->bus = g_bus_get_finish (result, &error);
  if (listing->bus == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Never start NetworkManager for this. */
  g_dbus_connection_call (listing->bus, NM_NAME, NM_SETTINGS_PATH, NM_SETTINGS,
                          "ListConnections", NULL, G_VARIANT_TYPE ("(ao)"),
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                          g_task_get_cancellable (task), list_connections_cb,
                          g_object_ref (task));
}

/**
 * syapp_nm_wireguard_list_async:
 *
 * Lists NetworkManager's WireGuard connections as wg-quick text. Fails with
 * %G_IO_ERROR_NOT_FOUND when NetworkManager is not running.
 */
void
syapp_nm_wireguard_list_async (GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Listing *listing = g_new0 (Listing, 1);

  g_task_set_source_tag (task, syapp_nm_wireguard_list_async);
  listing->profiles = g_ptr_array_new_with_free_func ((GDestroyNotify) syapp_nm_wireguard_free);
  g_task_set_task_data (task, listing, (GDestroyNotify) listing_free);
  g_bus_get (G_BUS_TYPE_SYSTEM, cancellable, system_bus_cb, task);
}

/* Returns: (transfer full) (element-type SyAppNmWireguard): the profiles */
GPtrArray *
syapp_nm_wireguard_list_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
