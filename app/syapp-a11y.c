/* syapp-a11y.c — accessible names GTK 4.8 and libadwaita 1.2 get wrong
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GTK 4.8 names a button by its "label" property and then by the widgets
 * it is labelled by, so a mnemonic button "_Cancel" is read out as
 * "underscore Cancel Cancel", and a button given a better name still gets
 * its visible text appended. libadwaita 1.2 leaves the password row's
 * reveal button, the expander row's switch and the preferences window's
 * search entry without any name. These helpers repair that; tests/app
 * checks the result through AT-SPI, so a newer GTK that no longer needs
 * them changes nothing.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "syapp-a11y.h"

/**
 * syapp_a11y_fix_tree:
 * @root: a template's root, a dialog or a row
 *
 * Gives every mnemonic button below @root the clean text of its label as
 * its only name, and names buttons libadwaita left unnamed.
 */
void
syapp_a11y_fix_tree (GtkWidget *root)
{
  g_return_if_fail (GTK_IS_WIDGET (root));

  if (GTK_IS_BUTTON (root) && gtk_button_get_use_underline (GTK_BUTTON (root)) &&
      gtk_button_get_label (GTK_BUTTON (root)) != NULL)
    /* Keep only the "labelled by" label, whose text has no underscore. */
    gtk_accessible_reset_property (GTK_ACCESSIBLE (root), GTK_ACCESSIBLE_PROPERTY_LABEL);

  /* The reveal button of AdwPasswordEntryRow: an icon without a name. */
  if (GTK_IS_BUTTON (root) && gtk_button_get_label (GTK_BUTTON (root)) == NULL &&
      GTK_IS_IMAGE (gtk_widget_get_first_child (root)) &&
      gtk_widget_get_ancestor (root, ADW_TYPE_PASSWORD_ENTRY_ROW) != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (root),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, _("Show Password"), -1);

  /* The enable switch of AdwExpanderRow: named after its header row, whose
   * title is the expander's. */
  if (GTK_IS_SWITCH (root) && gtk_widget_get_ancestor (root, ADW_TYPE_EXPANDER_ROW) != NULL)
    {
      GtkWidget *row = gtk_widget_get_ancestor (root, ADW_TYPE_PREFERENCES_ROW);
      const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));

      if (title != NULL && title[0] != '\0')
        gtk_accessible_update_property (GTK_ACCESSIBLE (root), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                        title, -1);
    }

  /* AdwPreferencesWindow's search entry, kept even with search off. */
  if (GTK_IS_SEARCH_ENTRY (root) &&
      gtk_widget_get_ancestor (root, ADW_TYPE_PREFERENCES_WINDOW) != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (root), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    _("Search Preferences"), -1);

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    syapp_a11y_fix_tree (child);
}

/**
 * syapp_a11y_name_button:
 * @name: what a screen reader should say, e.g. "Test upstream office"
 *   where the button shows "Test"
 *
 * Names a button more precisely than its visible text, and only so.
 */
void
syapp_a11y_name_button (GtkWidget  *button,
                        const char *name)
{
  g_return_if_fail (GTK_IS_WIDGET (button));

  gtk_accessible_reset_relation (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
}

/* Toasts ----------------------------------------------------------------------*/

/* libadwaita 1.2's toast has an icon-only close button without a name; its
 * widget exists only once the toast is on screen, which for a queued toast
 * is after the one before it is dismissed. */
static void
name_toast_buttons (GtkWidget *root)
{
  if (GTK_IS_BUTTON (root) && gtk_button_get_label (GTK_BUTTON (root)) == NULL &&
      GTK_IS_IMAGE (gtk_widget_get_first_child (root)) &&
      gtk_widget_get_parent (root) != NULL &&
      g_strcmp0 (G_OBJECT_TYPE_NAME (gtk_widget_get_parent (root)), "AdwToastWidget") == 0)
    gtk_accessible_update_property (GTK_ACCESSIBLE (root), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    _("Dismiss"), -1);

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    name_toast_buttons (child);
}

static gboolean
name_toast_buttons_cb (gpointer user_data)
{
  name_toast_buttons (GTK_WIDGET (user_data));
  return G_SOURCE_REMOVE;
}

static void
schedule_naming (GtkWidget *where)
{
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, name_toast_buttons_cb, g_object_ref (where),
                   g_object_unref);
}

/**
 * syapp_a11y_add_toast:
 * @where: an #AdwToastOverlay or an #AdwPreferencesWindow
 * @toast: (transfer full): the toast
 *
 * Shows @toast, with a named close button.
 */
void
syapp_a11y_add_toast (GtkWidget *where,
                      AdwToast  *toast)
{
  g_return_if_fail (GTK_IS_WIDGET (where));
  g_return_if_fail (ADW_IS_TOAST (toast));

  g_signal_connect_object (toast, "dismissed", G_CALLBACK (schedule_naming), where,
                           G_CONNECT_SWAPPED);
  if (ADW_IS_PREFERENCES_WINDOW (where))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (where), toast);
  else
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (where), toast);
  schedule_naming (where);
}
