/* syapp-wg-import-dialog.c — import a WireGuard profile from pasted text
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The text goes to ImportProfile as it is: the service parses wg-quick and
 * wireproxy files and answers with the line that is wrong, which the dialog
 * shows above the text until it changes. What the profile does not keep
 * (PostUp, wireproxy's own proxies, …) comes back as warnings, shown after
 * the import so that nothing is dropped silently.
 */

#include "config.h"

#define G_LOG_DOMAIN "syapp-wireguard"

#include <string.h>

#include <glib/gi18n.h>

#include "syapp-a11y.h"
#include "syapp-banner.h"
#include "syapp-wg-import-dialog.h"
#include "syapp-window.h"

/* ImportProfile's formats, in the combo row's order. */
static const char *const formats[] = { "auto", "wg-quick", "wireproxy" };

struct _SyAppWgImportDialog
{
  AdwWindow    parent_instance;

  SyAppClient *client;

  SyAppBanner *banner;
  GtkButton   *import_button;
  AdwEntryRow *name_row;
  AdwComboRow *format_row;
  GtkTextView *text_view;
};

G_DEFINE_FINAL_TYPE (SyAppWgImportDialog, syapp_wg_import_dialog, ADW_TYPE_WINDOW)

/* "Mullvad SE-1.conf" → "Mullvad-SE-1": the service's name rules (letters,
 * digits, "-", "_", "."), or "" to let it pick one. */
char *
syapp_wg_name_from_file (const char *basename)
{
  g_autofree char *stem = NULL;
  GString *name;

  g_return_val_if_fail (basename != NULL, NULL);

  stem = g_strdup (basename);
  if (g_str_has_suffix (stem, ".conf") || g_str_has_suffix (stem, ".ini"))
    *strrchr (stem, '.') = '\0';

  name = g_string_new (NULL);
  for (const char *p = stem; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '-' || *p == '_' || (*p == '.' && name->len > 0))
        g_string_append_c (name, *p);
      else if (name->len > 0 && name->str[name->len - 1] != '-')
        g_string_append_c (name, '-');
    }
  while (name->len > 0 && name->str[name->len - 1] == '-')
    g_string_truncate (name, name->len - 1);
  return g_string_free (name, FALSE);
}

/* After an import: a toast, and the warnings in a dialog of their own. */
void
syapp_wg_report_import (GtkWidget         *from,
                        const char        *name,
                        const char *const *warnings)
{
  GtkRoot *root = gtk_widget_get_root (from);
  g_autofree char *message = g_strdup_printf (_("Imported WireGuard profile %s"), name);
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  if (SYAPP_IS_WINDOW (root))
    syapp_window_add_toast (SYAPP_WINDOW (root), message);

  if (warnings == NULL || warnings[0] == NULL)
    return;

  body = g_strjoinv ("\n\n", (char **) warnings);
  dialog = adw_message_dialog_new (GTK_WINDOW (root), _("Some Settings Were Not Imported"),
                                   body);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "ok", _("_OK"));
  syapp_a11y_fix_tree (dialog);
  syapp_present_dialog (GTK_WINDOW (dialog), from);
}

static char *
get_text (SyAppWgImportDialog *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
text_changed_cb (SyAppWgImportDialog *self)
{
  g_autofree char *text = get_text (self);

  gtk_widget_set_sensitive (GTK_WIDGET (self->import_button), g_strstrip (text)[0] != '\0');
  syapp_banner_hide (self->banner);
}

static void
imported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(SyAppWgImportDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_auto(GStrv) warnings = NULL;
  GtkWidget *parent;

  gtk_widget_set_sensitive (GTK_WIDGET (self->import_button), TRUE);
  if (!syd_wireguard1_call_import_profile_finish (SYD_WIREGUARD1 (source), &name, &warnings,
                                                  result, &error))
    {
      g_autofree char *message = NULL;

      if (syapp_error_is_cancelled (error))
        return;
      message = syapp_error_dup_message (error);
      g_message ("ImportProfile: %s", message);
      syapp_banner_show (self->banner, message);
      return;
    }

  parent = GTK_WIDGET (gtk_window_get_transient_for (GTK_WINDOW (self)));
  gtk_window_destroy (GTK_WINDOW (self));
  if (parent != NULL)
    syapp_wg_report_import (parent, name, (const char *const *) warnings);
}

static void
import_cb (SyAppWgImportDialog *self)
{
  SydWireguard1 *wireguard = syapp_client_get_wireguard (self->client);
  g_autofree char *text = get_text (self);
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (
                                                  GTK_EDITABLE (self->name_row))));
  guint format = MIN (adw_combo_row_get_selected (self->format_row), G_N_ELEMENTS (formats) - 1);

  if (wireguard == NULL || syapp_client_get_status (self->client) != SYAPP_SERVICE_READY)
    {
      syapp_banner_show (self->banner, _("The Switchyard service is not running."));
      return;
    }

  gtk_widget_set_sensitive (GTK_WIDGET (self->import_button), FALSE);
  syd_wireguard1_call_import_profile (wireguard, name, text, formats[format],
                                      G_DBUS_CALL_FLAGS_NONE, -1,
                                      syapp_client_get_cancellable (self->client),
                                      imported_cb, g_object_ref (self));
}

static void
syapp_wg_import_dialog_dispose (GObject *object)
{
  SyAppWgImportDialog *self = SYAPP_WG_IMPORT_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SYAPP_TYPE_WG_IMPORT_DIALOG);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (syapp_wg_import_dialog_parent_class)->dispose (object);
}

static void
syapp_wg_import_dialog_class_init (SyAppWgImportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = syapp_wg_import_dialog_dispose;

  g_type_ensure (SYAPP_TYPE_BANNER);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/switchyard/Switchyard/"
                                               "syapp-wg-import-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, SyAppWgImportDialog, banner);
  gtk_widget_class_bind_template_child (widget_class, SyAppWgImportDialog, import_button);
  gtk_widget_class_bind_template_child (widget_class, SyAppWgImportDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, SyAppWgImportDialog, format_row);
  gtk_widget_class_bind_template_child (widget_class, SyAppWgImportDialog, text_view);
  gtk_widget_class_bind_template_callback (widget_class, import_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
syapp_wg_import_dialog_init (SyAppWgImportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  syapp_a11y_fix_tree (GTK_WIDGET (self));

  g_signal_connect_object (gtk_text_view_get_buffer (self->text_view), "changed",
                           G_CALLBACK (text_changed_cb), self, G_CONNECT_SWAPPED);
}

SyAppWgImportDialog *
syapp_wg_import_dialog_new (SyAppClient *client)
{
  SyAppWgImportDialog *self;

  g_return_val_if_fail (SYAPP_IS_CLIENT (client), NULL);

  self = g_object_new (SYAPP_TYPE_WG_IMPORT_DIALOG, NULL);
  self->client = g_object_ref (client);
  return self;
}

/* Fills the dialog (NetworkManager's connections, a file to review). */
void
syapp_wg_import_dialog_set_text (SyAppWgImportDialog *self,
                                 const char          *name,
                                 const char          *text)
{
  g_return_if_fail (SYAPP_IS_WG_IMPORT_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name != NULL ? name : "");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), text, -1);
}
