/* syapp-banner.c — an error message across the top of a dialog
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libadwaita 1.2 has no AdwBanner, and a toast would hide the field the
 * message is about; a dialog's errors stay put, wrap, and can be selected
 * and copied until the user fixes the input or dismisses them.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "syapp-banner.h"

struct _SyAppBanner
{
  GtkWidget    parent_instance;

  GtkRevealer *revealer;
  GtkLabel    *label;
};

G_DEFINE_FINAL_TYPE (SyAppBanner, syapp_banner, GTK_TYPE_WIDGET)

static void
close_clicked_cb (SyAppBanner *self)
{
  syapp_banner_hide (self);
}

static void
syapp_banner_dispose (GObject *object)
{
  SyAppBanner *self = SYAPP_BANNER (object);

  g_clear_pointer ((GtkWidget **) &self->revealer, gtk_widget_unparent);

  G_OBJECT_CLASS (syapp_banner_parent_class)->dispose (object);
}

static void
syapp_banner_class_init (SyAppBannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = syapp_banner_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "syappbanner");
}

static void
syapp_banner_init (SyAppBanner *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-error-symbolic");
  GtkWidget *close = gtk_button_new_from_icon_name ("window-close-symbolic");

  self->revealer = GTK_REVEALER (gtk_revealer_new ());
  gtk_revealer_set_transition_type (self->revealer, GTK_REVEALER_TRANSITION_TYPE_SLIDE_DOWN);
  gtk_widget_set_parent (GTK_WIDGET (self->revealer), GTK_WIDGET (self));

  gtk_widget_add_css_class (box, "banner-box");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Error"), -1);

  self->label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->label, TRUE);
  gtk_label_set_wrap_mode (self->label, PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (self->label, 0);
  gtk_label_set_selectable (self->label, TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self->label), TRUE);

  gtk_widget_add_css_class (close, "flat");
  gtk_widget_add_css_class (close, "circular");
  gtk_widget_set_valign (close, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (close, _("Dismiss"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (close),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Dismiss the error"), -1);
  g_signal_connect_swapped (close, "clicked", G_CALLBACK (close_clicked_cb), self);

  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->label));
  gtk_box_append (GTK_BOX (box), close);
  gtk_revealer_set_child (self->revealer, box);
}

void
syapp_banner_show (SyAppBanner *self,
                   const char  *message)
{
  g_return_if_fail (SYAPP_IS_BANNER (self));

  gtk_label_set_label (self->label, message);
  gtk_revealer_set_reveal_child (self->revealer, TRUE);
  /* Screen readers announce the new text of a live region. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->label),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message, -1);
}

void
syapp_banner_hide (SyAppBanner *self)
{
  g_return_if_fail (SYAPP_IS_BANNER (self));

  gtk_revealer_set_reveal_child (self->revealer, FALSE);
}

const char *
syapp_banner_get_message (SyAppBanner *self)
{
  g_return_val_if_fail (SYAPP_IS_BANNER (self), NULL);

  return gtk_revealer_get_reveal_child (self->revealer) ? gtk_label_get_label (self->label) : NULL;
}
