/* syapp-wireguard-page.c — WireGuard profiles and their peers
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ListProfiles when the service appears and on ProfilesChanged; GetPeers
 * per profile on PeersChanged (batched by the service) and, while the page
 * is on screen, every few seconds for the byte counters, which change
 * without a signal. Profiles come in from a file, from pasted text or from
 * NetworkManager's WireGuard connections.
 */

#include "config.h"

#define G_LOG_DOMAIN "syapp-wireguard"

#include <glib/gi18n.h>

#include "syapp-a11y.h"
#include "syapp-format.h"
#include "syapp-nm-wireguard.h"
#include "syapp-wg-import-dialog.h"
#include "syapp-wg-profile-group.h"
#include "syapp-window.h"
#include "syapp-wireguard-page.h"

#define POLL_SECONDS 2

struct _SyAppWireguardPage
{
  AdwBin       parent_instance;

  SyAppClient *client;
  GHashTable  *groups;        /* name → SyAppWgProfileGroup* (children of profiles_box) */
  GPtrArray   *pending_files;  /* GFile*, to import once the service is there */
  guint        poll_id;
  gboolean     fetching;
  gboolean     fetch_again;

  GtkStack    *stack;
  GtkBox      *profiles_box;
};

G_DEFINE_FINAL_TYPE (SyAppWireguardPage, syapp_wireguard_page, ADW_TYPE_BIN)

static void fetch (SyAppWireguardPage *self);

static void
show_profiles (SyAppWireguardPage *self,
               GVariant           *profiles)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer key, value;
  GtkWidget *previous = NULL;
  GVariantIter items;
  const char *name;
  GVariant *props;

  g_variant_iter_init (&items, profiles);
  while (g_variant_iter_next (&items, "(&s@a{sv})", &name, &props))
    {
      SyAppWgProfileGroup *group = g_hash_table_lookup (self->groups, name);

      if (group == NULL)
        {
          group = syapp_wg_profile_group_new (self->client, name);
          g_hash_table_insert (self->groups, g_strdup (name), group);
          gtk_box_insert_child_after (self->profiles_box, GTK_WIDGET (group), previous);
          syapp_wg_profile_group_refresh (group);
        }
      else
        gtk_box_reorder_child_after (self->profiles_box, GTK_WIDGET (group), previous);

      syapp_wg_profile_group_update (group, props);
      g_hash_table_add (seen, (gpointer) syapp_wg_profile_group_get_name (group));
      previous = GTK_WIDGET (group);
      g_variant_unref (props);
    }

  g_hash_table_iter_init (&iter, self->groups);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (seen, key))
      {
        gtk_box_remove (self->profiles_box, value);
        g_hash_table_iter_remove (&iter);
      }

  gtk_stack_set_visible_child_name (self->stack,
                                    g_hash_table_size (self->groups) > 0 ? "profiles" : "empty");
}

static void
list_profiles_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SyAppWireguardPage) self = user_data;
  g_autoptr(GVariant) profiles = NULL;
  g_autoptr(GError) error = NULL;

  self->fetching = FALSE;
  if (!syd_wireguard1_call_list_profiles_finish (SYD_WIREGUARD1 (source), &profiles, result,
                                                 &error))
    {
      if (!syapp_error_is_cancelled (error))
        g_debug ("ListProfiles: %s", error->message);
      return;
    }

  show_profiles (self, profiles);
  if (self->fetch_again)
    fetch (self);
}

static void
fetch (SyAppWireguardPage *self)
{
  SydWireguard1 *wireguard = syapp_client_get_wireguard (self->client);

  if (wireguard == NULL || syapp_client_get_status (self->client) != SYAPP_SERVICE_READY)
    return;
  if (self->fetching)
    {
      self->fetch_again = TRUE;
      return;
    }

  self->fetching = TRUE;
  self->fetch_again = FALSE;
  syd_wireguard1_call_list_profiles (wireguard, G_DBUS_CALL_FLAGS_NONE, -1,
                                     syapp_client_get_cancellable (self->client),
                                     list_profiles_cb, g_object_ref (self));
}

static void
peers_changed_cb (SyAppWireguardPage *self,
                  const char         *name)
{
  SyAppWgProfileGroup *group = g_hash_table_lookup (self->groups, name);

  if (group != NULL)
    syapp_wg_profile_group_refresh (group);
}

static gboolean
poll_cb (gpointer user_data)
{
  SyAppWireguardPage *self = user_data;
  GHashTableIter iter;
  gpointer group;

  g_hash_table_iter_init (&iter, self->groups);
  while (g_hash_table_iter_next (&iter, NULL, &group))
    {
      syapp_wg_profile_group_tick (group);
      syapp_wg_profile_group_refresh (group);
    }
  return G_SOURCE_CONTINUE;
}

static void
client_status_cb (SyAppWireguardPage *self)
{
  SydWireguard1 *wireguard = syapp_client_get_wireguard (self->client);
  SydDaemon1 *daemon = syapp_client_get_daemon (self->client);

  if (wireguard != NULL && g_object_get_data (G_OBJECT (wireguard), "syapp-wireguard") != self)
    {
      g_object_set_data (G_OBJECT (wireguard), "syapp-wireguard", self);
      g_signal_connect_object (wireguard, "profiles-changed",
                               G_CALLBACK (fetch), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (wireguard, "peers-changed",
                               G_CALLBACK (peers_changed_cb), self, G_CONNECT_SWAPPED);
      /* Peers are "stopped" with the proxy: follow its state. */
      g_signal_connect_object (daemon, "g-properties-changed",
                               G_CALLBACK (fetch), self, G_CONNECT_SWAPPED);
    }

  if (syapp_client_get_status (self->client) == SYAPP_SERVICE_READY)
    {
      g_autoptr(GPtrArray) files = g_steal_pointer (&self->pending_files);

      self->pending_files = g_ptr_array_new_with_free_func (g_object_unref);
      fetch (self);
      for (guint i = 0; i < files->len; i++)
        syapp_wireguard_page_import_file (self, g_ptr_array_index (files, i));
    }
}

void
syapp_wireguard_page_set_client (SyAppWireguardPage *self,
                                 SyAppClient        *client)
{
  g_return_if_fail (SYAPP_IS_WIREGUARD_PAGE (self));
  g_return_if_fail (SYAPP_IS_CLIENT (client));
  g_return_if_fail (self->client == NULL);

  self->client = g_object_ref (client);
  g_signal_connect_object (client, "notify::status",
                           G_CALLBACK (client_status_cb), self, G_CONNECT_SWAPPED);
  client_status_cb (self);
}

/* Importing ------------------------------------------------------------------------*/

typedef struct
{
  SyAppWireguardPage *page;
  char               *name;
} FileImport;

static void
file_import_free (FileImport *import)
{
  g_object_unref (import->page);
  g_free (import->name);
  g_free (import);
}

static void
file_imported_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  FileImport *import = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_auto(GStrv) warnings = NULL;

  if (!syd_wireguard1_call_import_profile_finish (SYD_WIREGUARD1 (source), &name, &warnings,
                                                  result, &error))
    syapp_client_report_error (import->page->client, _("Could not import the profile"), error);
  else
    syapp_wg_report_import (GTK_WIDGET (import->page), name, (const char *const *) warnings);

  file_import_free (import);
}

static void
file_loaded_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  FileImport *import = user_data;
  SyAppWireguardPage *self = import->page;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_load_contents_finish (G_FILE (source), result, &contents, &length, NULL, &error))
    {
      syapp_client_report_error (self->client, _("Could not read the file"), error);
      file_import_free (import);
      return;
    }
  if (!g_utf8_validate (contents, length, NULL))
    {
      g_autoptr(GError) encoding = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                                        _("It is not a text file."));

      syapp_client_report_error (self->client, _("Could not import the profile"), encoding);
      file_import_free (import);
      return;
    }

  syd_wireguard1_call_import_profile (syapp_client_get_wireguard (self->client), import->name,
                                      contents, "auto", G_DBUS_CALL_FLAGS_NONE, -1,
                                      syapp_client_get_cancellable (self->client),
                                      file_imported_cb, import);
}

/* A file the user picked, or any path (the tests, a drop). */
void
syapp_wireguard_page_import_file (SyAppWireguardPage *self,
                                  GFile              *file)
{
  FileImport *import;
  g_autofree char *basename = NULL;

  g_return_if_fail (SYAPP_IS_WIREGUARD_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  if (syapp_client_get_wireguard (self->client) == NULL ||
      syapp_client_get_status (self->client) != SYAPP_SERVICE_READY)
    {
      /* `switchyard wg0.conf` starts the app and the service at once. */
      g_ptr_array_add (self->pending_files, g_object_ref (file));
      return;
    }

  basename = g_file_get_basename (file);
  import = g_new0 (FileImport, 1);
  import->page = g_object_ref (self);
  import->name = syapp_wg_name_from_file (basename);
  g_file_load_contents_async (file, syapp_client_get_cancellable (self->client),
                              file_loaded_cb, import);
}

static void
chooser_response_cb (GtkNativeDialog    *chooser,
                     int                 response,
                     SyAppWireguardPage *self)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      syapp_wireguard_page_import_file (self, file);
    }
  G_GNUC_END_IGNORE_DEPRECATIONS
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static void
import_file_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SyAppWireguardPage *self = SYAPP_WIREGUARD_PAGE (widget);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  GtkFileChooserNative *chooser;

  /* GtkFileDialog is GTK 4.10; the portal-aware chooser of 4.8 is this. */
  chooser = gtk_file_chooser_native_new (_("Import a WireGuard Configuration"),
                                         GTK_WINDOW (gtk_widget_get_root (widget)),
                                         GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Import"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("WireGuard and wireproxy files"));
  gtk_file_filter_add_pattern (filter, "*.conf");
  gtk_file_filter_add_pattern (filter, "*.ini");
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  G_GNUC_END_IGNORE_DEPRECATIONS
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_object (chooser, "response", G_CALLBACK (chooser_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
import_paste_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SyAppWireguardPage *self = SYAPP_WIREGUARD_PAGE (widget);
  SyAppWgImportDialog *dialog = syapp_wg_import_dialog_new (self->client);

  syapp_present_dialog (GTK_WINDOW (dialog), widget);
}

/* NetworkManager: one dialog per connection, filled in, so the user sees
 * what is imported under which name. */
static void
nm_listed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SyAppWireguardPage) self = user_data;
  g_autoptr(GPtrArray) profiles = NULL;
  g_autoptr(GError) error = NULL;

  profiles = syapp_nm_wireguard_list_finish (result, &error);
  if (profiles == NULL)
    {
      syapp_client_report_error (self->client,
                                 _("Could not read NetworkManager’s WireGuard connections"),
                                 error);
      return;
    }

  if (profiles->len == 0)
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

      if (SYAPP_IS_WINDOW (root))
        syapp_window_add_toast (SYAPP_WINDOW (root),
                                _("NetworkManager has no WireGuard connections"));
      return;
    }

  for (guint i = 0; i < profiles->len; i++)
    {
      SyAppNmWireguard *profile = g_ptr_array_index (profiles, i);
      SyAppWgImportDialog *dialog = syapp_wg_import_dialog_new (self->client);
      g_autofree char *name = syapp_wg_name_from_file (profile->id);

      syapp_wg_import_dialog_set_text (dialog, name, profile->text);
      syapp_present_dialog (GTK_WINDOW (dialog), GTK_WIDGET (self));
    }
}

static void
import_nm_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SyAppWireguardPage *self = SYAPP_WIREGUARD_PAGE (widget);

  syapp_nm_wireguard_list_async (syapp_client_get_cancellable (self->client),
                                 nm_listed_cb, g_object_ref (self));
}

/* GObject --------------------------------------------------------------------------*/

static void
syapp_wireguard_page_map (GtkWidget *widget)
{
  SyAppWireguardPage *self = SYAPP_WIREGUARD_PAGE (widget);

  GTK_WIDGET_CLASS (syapp_wireguard_page_parent_class)->map (widget);

  if (self->client != NULL)
    fetch (self);
  self->poll_id = g_timeout_add_seconds (POLL_SECONDS, poll_cb, self);
}

static void
syapp_wireguard_page_unmap (GtkWidget *widget)
{
  SyAppWireguardPage *self = SYAPP_WIREGUARD_PAGE (widget);

  g_clear_handle_id (&self->poll_id, g_source_remove);

  GTK_WIDGET_CLASS (syapp_wireguard_page_parent_class)->unmap (widget);
}

static void
syapp_wireguard_page_dispose (GObject *object)
{
  SyAppWireguardPage *self = SYAPP_WIREGUARD_PAGE (object);

  g_clear_handle_id (&self->poll_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), SYAPP_TYPE_WIREGUARD_PAGE);
  g_clear_object (&self->client);
  g_clear_pointer (&self->groups, g_hash_table_unref);
  g_clear_pointer (&self->pending_files, g_ptr_array_unref);

  G_OBJECT_CLASS (syapp_wireguard_page_parent_class)->dispose (object);
}

static void
syapp_wireguard_page_class_init (SyAppWireguardPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = syapp_wireguard_page_dispose;
  widget_class->map = syapp_wireguard_page_map;
  widget_class->unmap = syapp_wireguard_page_unmap;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/switchyard/Switchyard/"
                                               "syapp-wireguard-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SyAppWireguardPage, stack);
  gtk_widget_class_bind_template_child (widget_class, SyAppWireguardPage, profiles_box);

  gtk_widget_class_install_action (widget_class, "wireguard.import-file", NULL,
                                   import_file_action);
  gtk_widget_class_install_action (widget_class, "wireguard.import-paste", NULL,
                                   import_paste_action);
  gtk_widget_class_install_action (widget_class, "wireguard.import-nm", NULL,
                                   import_nm_action);
}

static void
syapp_wireguard_page_init (SyAppWireguardPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  syapp_a11y_fix_tree (GTK_WIDGET (self));

  self->groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->pending_files = g_ptr_array_new_with_free_func (g_object_unref);
}
