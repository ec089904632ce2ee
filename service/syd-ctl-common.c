/* syd-ctl-common.c — switchyardctl's bus proxies, error reports and reply lookups
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "switchyardctl"

#include <stdio.h>

#include "syd-ctl.h"
#include "syd-ctl-format.h"

#define NOT_RUNNING_MESSAGE \
  "switchyardd is not running (nothing owns " SY_DBUS_NAME " on the session bus); " \
  "start it with “switchyardd” or “systemctl --user start switchyard”"

/* Pools1 and Sessions1 have no properties to cache. */
#define METHODS_ONLY G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES

GDBusCallFlags
syd_ctl_call_flags (SydCtl *ctl)
{
  return ctl->command->autostart ? G_DBUS_CALL_FLAGS_NONE : G_DBUS_CALL_FLAGS_NO_AUTO_START;
}

static GDBusProxyFlags
proxy_flags (SydCtl *ctl)
{
  return ctl->command->autostart ? G_DBUS_PROXY_FLAGS_NONE
                                 : G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START;
}

/* Creating a proxy only fails when the bus itself cannot be reached; a
 * proxy without an owner is only useful when calls may activate the name. */
static gpointer
check_proxy (SydCtl    *ctl,
             gpointer   proxy,
             GError   **error)
{
  g_autofree char *owner = NULL;

  if (proxy == NULL)
    {
      g_prefix_error (error, "Cannot connect to the session bus "
                      "(is DBUS_SESSION_BUS_ADDRESS set?): ");
      return NULL;
    }

  owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (proxy));
  if (owner == NULL && !ctl->command->autostart)
    {
      g_object_unref (proxy);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, NOT_RUNNING_MESSAGE);
      return NULL;
    }

  return proxy;
}

SydDaemon1 *
syd_ctl_get_daemon (SydCtl  *ctl,
                    GError **error)
{
  if (ctl->daemon == NULL)
    ctl->daemon = check_proxy (ctl, syd_daemon1_proxy_new_for_bus_sync (G_BUS_TYPE_SESSION,
                                                                   proxy_flags (ctl),
                                                                   SY_DBUS_NAME, SY_DBUS_PATH,
                                                                   NULL, error),
                               error);
  return ctl->daemon;
}

SydPools1 *
syd_ctl_get_pools (SydCtl  *ctl,
                   GError **error)
{
  if (ctl->pools == NULL)
    ctl->pools = check_proxy (ctl, syd_pools1_proxy_new_for_bus_sync (G_BUS_TYPE_SESSION,
                                                                 proxy_flags (ctl) | METHODS_ONLY,
                                                                 SY_DBUS_NAME, SY_DBUS_PATH,
                                                                 NULL, error),
                              error);
  return ctl->pools;
}

SydSessions1 *
syd_ctl_get_sessions (SydCtl  *ctl,
                      GError **error)
{
  if (ctl->sessions == NULL)
    ctl->sessions = check_proxy (ctl, syd_sessions1_proxy_new_for_bus_sync (G_BUS_TYPE_SESSION,
                                                                       proxy_flags (ctl) |
                                                                       METHODS_ONLY,
                                                                       SY_DBUS_NAME, SY_DBUS_PATH,
                                                                       NULL, error),
                                 error);
  return ctl->sessions;
}

void
syd_ctl_clear (SydCtl *ctl)
{
  g_clear_object (&ctl->daemon);
  g_clear_object (&ctl->pools);
  g_clear_object (&ctl->sessions);
}

/* Returns the exit status of a failed command. */
int
syd_ctl_report_error (GError *error)
{
  g_autofree char *remote = NULL;

  if (g_dbus_error_is_remote_error (error))
    {
      remote = g_dbus_error_get_remote_error (error);
      g_dbus_error_strip_remote_error (error);
    }

  if (remote != NULL &&
      (g_str_equal (remote, "org.freedesktop.DBus.Error.ServiceUnknown") ||
       g_str_equal (remote, "org.freedesktop.DBus.Error.NameHasNoOwner")))
    g_printerr ("switchyardctl: %s\n", NOT_RUNNING_MESSAGE);
  else if (remote != NULL)
    g_printerr ("switchyardctl: %s (%s)\n", error->message, remote);
  else
    g_printerr ("switchyardctl: %s\n", error->message);

  return 1;
}

/* The success of a call without a reply: a line for people, nothing for
 * --json (an empty reply is no JSON document). Returns the exit status. */
int
syd_ctl_confirm (SydCtl     *ctl,
                 const char *format,
                 ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (ctl->json)
    return 0;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_print ("%s", message);
  return 0;
}

/* @value: floating (consumed) or borrowed */
void
syd_ctl_print_json (GVariant *value,
                    gboolean  pretty)
{
  g_autoptr(GVariant) sunk = g_variant_ref_sink (value);
  g_autofree char *text = syd_format_json (sunk, pretty);

  g_print ("%s\n", text);
  fflush (stdout);
}

gboolean
syd_ctl_lookup_string (GVariant    *dict,
                       const char  *key,
                       const char **out)
{
  if (!g_variant_lookup (dict, key, "&s", out))
    {
      *out = "";
      return FALSE;
    }
  return TRUE;
}

guint64
syd_ctl_lookup_uint (GVariant   *dict,
                     const char *key)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (dict, key, NULL);

  if (value == NULL)
    return 0;
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64))
    return g_variant_get_uint64 (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    return g_variant_get_uint32 (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT16))
    return g_variant_get_uint16 (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    return (guint64) MAX (g_variant_get_int64 (value), 0);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
    return (guint64) MAX (g_variant_get_int32 (value), 0);
  return 0;
}

gint64
syd_ctl_lookup_int (GVariant   *dict,
                    const char *key,
                    gint64      fallback)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (dict, key, NULL);

  if (value == NULL)
    return fallback;
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    return g_variant_get_int64 (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
    return g_variant_get_int32 (value);
  return (gint64) syd_ctl_lookup_uint (dict, key);
}

gboolean
syd_ctl_lookup_bool (GVariant   *dict,
                     const char *key,
                     gboolean    fallback)
{
  gboolean value;

  if (!g_variant_lookup (dict, key, "b", &value))
    return fallback;
  return value;
}

char *
syd_ctl_lookup_uint_text (GVariant   *dict,
                          const char *key)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, syd_ctl_lookup_uint (dict, key));
}

char *
syd_ctl_lookup_size_text (GVariant   *dict,
                          const char *key)
{
  return syd_format_size (syd_ctl_lookup_uint (dict, key));
}
