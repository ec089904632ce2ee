/* syapp-autostart.c — start the service at login
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Outside a sandbox this is an XDG autostart entry (the Desktop Application
 * Autostart Specification): $XDG_CONFIG_HOME/autostart/APP_ID.desktop
 * running `switchyard --background`, which starts the service and leaves
 * without a window. The file is the truth; the user may delete it.
 *
 * Inside Flatpak (/.flatpak-info exists) the app cannot write that file for
 * the host, so it asks the Background portal
 * (org.freedesktop.portal.Background.RequestBackground) to autostart the
 * same command line. The portal answers on a Request object whose path is
 * known in advance from our unique name and a token, so the client
 * subscribes to its Response signal before calling, as the portal
 * documentation asks, and no answer can be missed.
 */

#include "config.h"

#define G_LOG_DOMAIN "syapp-autostart"

#include <errno.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "syapp-autostart.h"

#define PORTAL_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"
#define PORTAL_BACKGROUND "org.freedesktop.portal.Background"
#define PORTAL_REQUEST "org.freedesktop.portal.Request"

gboolean
syapp_autostart_is_sandboxed (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

char *
syapp_autostart_dup_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "autostart", APP_ID ".desktop", NULL);
}

gboolean
syapp_autostart_is_enabled (GSettings *settings)
{
  g_autoptr(GKeyFile) file = NULL;
  g_autofree char *path = NULL;

  if (syapp_autostart_is_sandboxed ())
    return g_settings_get_boolean (settings, "start-at-login");

  path = syapp_autostart_dup_path ();
  file = g_key_file_new ();
  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, NULL))
    return FALSE;

  /* An entry the user turned off in another tool stays off. */
  if (g_key_file_get_boolean (file, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_HIDDEN, NULL))
    return FALSE;
  if (g_key_file_has_key (file, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", NULL) &&
      !g_key_file_get_boolean (file, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", NULL))
    return FALSE;
  return TRUE;
}

/* The XDG autostart entry ----------------------------------------------------*/

static char *
program_path (void)
{
  g_autofree char *installed = g_build_filename (BINDIR, "switchyard", NULL);
  g_autofree char *self = NULL;

  if (g_file_test (installed, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&installed);

  /* Not installed (a development build): start what is running now. */
  self = g_file_read_link ("/proc/self/exe", NULL);
  return self != NULL ? g_steal_pointer (&self) : g_strdup ("switchyard");
}

static gboolean
write_entry (gboolean   enabled,
             GError   **error)
{
  g_autofree char *path = syapp_autostart_dup_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GKeyFile) file = NULL;
  g_autofree char *program = NULL;
  g_autofree char *quoted = NULL;
  g_autofree char *exec = NULL;
  g_autofree char *data = NULL;

  if (!enabled)
    {
      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("Could not remove %s: %s"), path, g_strerror (saved));
          return FALSE;
        }
      return TRUE;
    }

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not create %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }

  program = program_path ();
  quoted = g_shell_quote (program);
  exec = g_strdup_printf ("%s --background", quoted);

  file = g_key_file_new ();
  g_key_file_set_string (file, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_TYPE,
                         G_KEY_FILE_DESKTOP_TYPE_APPLICATION);
  g_key_file_set_string (file, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_NAME,
                         "Switchyard");
  g_key_file_set_string (file, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_COMMENT,
                         "Start the Switchyard proxy service");
  g_key_file_set_string (file, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC, exec);
  g_key_file_set_string (file, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_ICON, APP_ID);
  g_key_file_set_boolean (file, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_NO_DISPLAY,
                          TRUE);
  g_key_file_set_boolean (file, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", TRUE);

  data = g_key_file_to_data (file, NULL, NULL);
  return g_file_set_contents_full (path, data, -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT |
                                   G_FILE_SET_CONTENTS_ONLY_EXISTING,
                                   0644, error);
}

/* The Background portal -------------------------------------------------------*/

typedef struct
{
  GDBusConnection *connection;
  GSettings       *settings;
  guint            response_id;
  gulong           cancelled_id;
  gboolean         enabled;
  gboolean         done;
} PortalCall;

static void
portal_call_free (PortalCall *call)
{
  g_clear_object (&call->connection);
  g_clear_object (&call->settings);
  g_free (call);
}

/* Ends the request once, whichever of the response, a failed call or
 * cancellation comes first. Takes @error. The task's reference that was
 * held while waiting is dropped here. */
static void
portal_done (GTask    *task,
             GError   *error,
             gboolean  from_cancellable)
{
  PortalCall *call = g_task_get_task_data (task);

  if (call->done)
    {
      g_clear_error (&error);
      return;
    }
  call->done = TRUE;

  if (call->response_id != 0)
    g_dbus_connection_signal_unsubscribe (call->connection, call->response_id);
  call->response_id = 0;
  /* A cancellable's handler must not disconnect itself. */
  if (!from_cancellable && call->cancelled_id != 0)
    g_cancellable_disconnect (g_task_get_cancellable (task), call->cancelled_id);
  call->cancelled_id = 0;

  if (error != NULL)
    g_task_return_error (task, error);
  else
    {
      g_settings_set_boolean (call->settings, "start-at-login", call->enabled);
      g_task_return_boolean (task, TRUE);
    }
  g_object_unref (task);
}

static void
response_cb (GDBusConnection *connection,
             const char      *sender,
             const char      *object_path,
             const char      *interface,
             const char      *signal,
             GVariant        *parameters,
             gpointer         user_data)
{
  GTask *task = user_data;
  PortalCall *call = g_task_get_task_data (task);
  g_autoptr(GVariant) results = NULL;
  gboolean autostart = FALSE;
  guint32 response;

  g_variant_get (parameters, "(u@a{sv})", &response, &results);
  g_variant_lookup (results, "autostart", "b", &autostart);

  if (response != 0)
    portal_done (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                                            _("Running in the background was not allowed. "
                                              "Allow it for Switchyard in Settings → Apps.")),
                 FALSE);
  else if (call->enabled && !autostart)
    portal_done (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                                            _("Starting at login was not allowed. "
                                              "Allow it for Switchyard in Settings → Apps.")),
                 FALSE);
  else
    portal_done (task, NULL, FALSE);
}

static void
request_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GVariant) reply = NULL;
  GError *error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      g_prefix_error (&error, "%s", _("The Background portal is not available: "));
      portal_done (task, error, FALSE);
    }
  /* Otherwise the Response signal ends the request. */
}

static void
portal_cancelled_cb (GCancellable *cancellable,
                     GTask        *task)
{
  /* The portal's dialog may stay open; we only stop waiting for it. */
  portal_done (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled"), TRUE);
}

static void
request_background (GTask      *task,
                    const char *parent_window)
{
  PortalCall *call = g_task_get_task_data (task);
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  const char *const commandline[] = { "switchyard", "--background", NULL };
  g_autofree char *sender = NULL;
  g_autofree char *token = NULL;
  g_autofree char *request_path = NULL;

  token = g_strdup_printf ("switchyard%u", g_random_int ());
  sender = g_strdup (g_dbus_connection_get_unique_name (call->connection) + 1);
  g_strdelimit (sender, ".", '_');
  request_path = g_strdup_printf ("/org/freedesktop/portal/desktop/request/%s/%s",
                                  sender, token);

  call->response_id = g_dbus_connection_signal_subscribe (call->connection, PORTAL_NAME,
                                                          PORTAL_REQUEST, "Response",
                                                          request_path, NULL,
                                                          G_DBUS_SIGNAL_FLAGS_NONE,
                                                          response_cb, g_object_ref (task),
                                                          g_object_unref);
  if (g_task_get_cancellable (task) != NULL)
    call->cancelled_id = g_cancellable_connect (g_task_get_cancellable (task),
                                                G_CALLBACK (portal_cancelled_cb), task, NULL);

  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  g_variant_builder_add (&options, "{sv}", "reason",
                         g_variant_new_string (_("Switchyard starts its proxy service when you "
                                                 "log in.")));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (call->enabled));
  g_variant_builder_add (&options, "{sv}", "commandline", g_variant_new_strv (commandline, -1));
  g_variant_builder_add (&options, "{sv}", "dbus-activatable", g_variant_new_boolean (FALSE));

  g_dbus_connection_call (call->connection, PORTAL_NAME, PORTAL_PATH, PORTAL_BACKGROUND,
                          "RequestBackground",
                          g_variant_new ("(sa{sv})", parent_window != NULL ? parent_window : "",
                                         &options),
                          G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          NULL, request_cb, g_object_ref (task));
}

/**
 * syapp_autostart_set_async:
 * @parent_window: (nullable): the portal's "parent_window" identifier
 *   ("x11:XID", "wayland:HANDLE") for its dialog, or %NULL
 *
 * Turns starting at login on or off: the autostart entry outside a
 * sandbox, the Background portal inside one.
 */
void
syapp_autostart_set_async (gboolean             enabled,
                           const char          *parent_window,
                           GSettings           *settings,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  PortalCall *call;

  g_return_if_fail (G_IS_SETTINGS (settings));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, syapp_autostart_set_async);

  if (!syapp_autostart_is_sandboxed ())
    {
      if (!write_entry (enabled, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      g_settings_set_boolean (settings, "start-at-login", enabled);
      g_task_return_boolean (task, TRUE);
      return;
    }

  call = g_new0 (PortalCall, 1);
  call->settings = g_object_ref (settings);
  call->enabled = enabled;
  /* The app's session bus connection already exists: this does not block. */
  call->connection = g_bus_get_sync (G_BUS_TYPE_SESSION, cancellable, &error);
  g_task_set_task_data (task, call, (GDestroyNotify) portal_call_free);
  if (call->connection == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Our reference is held until portal_done(). */
  request_background (g_steal_pointer (&task), parent_window);
}

gboolean
syapp_autostart_set_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
