/* syapp-upstream-dialog.c — add or edit an upstream proxy of a pool
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A pasted socks5:// or http:// URL fills the form; the form is what is
 * sent (AddUpstream's separate fields), so what the user sees is what the
 * service gets. A "wireguard:NAME" URL (a WireGuard profile as a pool
 * member) has no fields and is sent as it is. Editing sends only the keys that changed, which keeps the
 * upstream's counters and health (UpdateUpstream). Errors from the service
 * stay in the dialog, above the form, until the input changes.
 */

#include "config.h"

#define G_LOG_DOMAIN "syapp-upstreams"

#include <string.h>

#include <glib/gi18n.h>

#include "syapp-a11y.h"
#include "syapp-banner.h"
#include "syapp-format.h"
#include "syapp-upstream-dialog.h"
#include "syapp-upstream-url.h"
#include "syapp-window.h"

/* AddUpstream/UpdateUpstream kinds, in the combo row's order. */
static const char *const kinds[] = { "socks5", "http" };

struct _SyAppUpstreamDialog
{
  AdwWindow            parent_instance;

  SyAppClient         *client;
  char                *pool;
  GVariant            *original;     /* NULL when adding */
  gboolean             filling;

  SyAppBanner         *banner;
  GtkButton           *save_button;
  AdwEntryRow         *url_row;
  AdwComboRow         *kind_row;
  AdwEntryRow         *host_row;
  GtkSpinButton       *port_spin;
  AdwEntryRow         *username_row;
  AdwPasswordEntryRow *password_row;
  AdwEntryRow         *name_row;
  GtkSpinButton       *weight_spin;
  GtkSwitch           *enabled_switch;
};

G_DEFINE_FINAL_TYPE (SyAppUpstreamDialog, syapp_upstream_dialog, ADW_TYPE_WINDOW)

static guint
kind_index (const char *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_strcmp0 (kind, kinds[i]) == 0)
      return i;
  return 0;
}

static void
set_text (AdwEntryRow *row,
          const char  *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text != NULL ? text : "");
}

static const char *
get_text (gpointer row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static gboolean
is_wireguard (SyAppUpstreamDialog *self)
{
  return g_str_has_prefix (get_text (self->url_row), "wireguard:") &&
         get_text (self->url_row)[strlen ("wireguard:")] != '\0';
}

static void
update_save (SyAppUpstreamDialog *self)
{
  const char *host = get_text (self->host_row);

  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button),
                            host[0] != '\0' || is_wireguard (self));
}

static void
form_changed_cb (SyAppUpstreamDialog *self)
{
  update_save (self);
  syapp_banner_hide (self->banner);
}

static void
url_changed_cb (SyAppUpstreamDialog *self)
{
  g_auto(SyAppUpstreamUrl) url = { 0 };
  g_autoptr(GError) error = NULL;
  const char *text = get_text (self->url_row);

  update_save (self);
  if (text[0] == '\0' || is_wireguard (self))
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->url_row), "error");
      return;
    }

  if (!syapp_upstream_url_parse (text, &url, &error))
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->url_row), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->url_row), error->message);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->url_row),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, error->message, -1);
      return;
    }

  gtk_widget_remove_css_class (GTK_WIDGET (self->url_row), "error");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->url_row), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->url_row),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, "", -1);

  adw_combo_row_set_selected (self->kind_row, kind_index (url.kind));
  set_text (self->host_row, url.host);
  gtk_spin_button_set_value (self->port_spin, url.port);
  set_text (self->username_row, url.username);
  gtk_editable_set_text (GTK_EDITABLE (self->password_row),
                         url.password != NULL ? url.password : "");
}

/* Saving -----------------------------------------------------------------------*/

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(SyAppUpstreamDialog) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  GtkWindow *parent;

  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), TRUE);

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  if (reply == NULL)
    {
      if (syapp_error_is_cancelled (error))
        return;
      message = syapp_error_dup_message (error);
      syapp_banner_show (self->banner, message);
      return;
    }

  parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  if (SYAPP_IS_WINDOW (parent))
    syapp_window_add_toast (SYAPP_WINDOW (parent),
                            self->original == NULL ? _("Upstream added") : _("Upstream saved"));
  gtk_window_destroy (GTK_WINDOW (self));
}

/* Adds @key unless editing and unchanged. */
static void
put (SyAppUpstreamDialog *self,
     GVariantDict        *dict,
     const char          *key,
     GVariant            *value)
{
  g_autoptr(GVariant) sunk = g_variant_ref_sink (value);

  if (self->original != NULL)
    {
      g_autoptr(GVariant) old = g_variant_lookup_value (self->original, key, NULL);

      if (old != NULL && g_variant_equal (old, sunk))
        return;
      /* Integers come back as q/u; compare by value. */
      if (old != NULL && g_variant_is_of_type (sunk, G_VARIANT_TYPE_UINT32) &&
          syapp_variant_get_uint (self->original, key) == g_variant_get_uint32 (sunk))
        return;
    }
  g_variant_dict_insert_value (dict, key, sunk);
}

static void
save_cb (SyAppUpstreamDialog *self)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  SydPools1 *pools = syapp_client_get_pools (self->client);
  const char *password = get_text (self->password_row);
  const char *name = get_text (self->name_row);
  g_autofree char *host = g_strstrip (g_strdup (get_text (self->host_row)));
  guint kind = adw_combo_row_get_selected (self->kind_row);

  if (pools == NULL || syapp_client_get_status (self->client) != SYAPP_SERVICE_READY)
    {
      syapp_banner_show (self->banner, _("The Switchyard service is not running."));
      return;
    }

  put (self, &dict, "kind",
       g_variant_new_string (kinds[MIN (kind, G_N_ELEMENTS (kinds) - 1)]));
  put (self, &dict, "host", g_variant_new_string (host));
  put (self, &dict, "port",
       g_variant_new_uint32 (gtk_spin_button_get_value_as_int (self->port_spin)));
  put (self, &dict, "username", g_variant_new_string (get_text (self->username_row)));
  /* An empty password field keeps the password when editing. */
  if (password[0] != '\0')
    g_variant_dict_insert (&dict, "password", "s", password);
  if (name[0] != '\0')
    put (self, &dict, "name", g_variant_new_string (name));
  put (self, &dict, "weight",
       g_variant_new_uint32 (gtk_spin_button_get_value_as_int (self->weight_spin)));
  put (self, &dict, "enabled",
       g_variant_new_boolean (gtk_switch_get_active (self->enabled_switch)));

  if (self->original == NULL && is_wireguard (self))
    {
      /* The profile is the upstream: none of the proxy's fields apply. */
      g_variant_dict_clear (&dict);
      g_variant_dict_init (&dict, NULL);
      g_variant_dict_insert (&dict, "url", "s", get_text (self->url_row));
      if (name[0] != '\0')
        g_variant_dict_insert (&dict, "name", "s", name);
      g_variant_dict_insert (&dict, "weight", "u",
                             (guint32) gtk_spin_button_get_value_as_int (self->weight_spin));
      g_variant_dict_insert (&dict, "enabled", "b",
                             gtk_switch_get_active (self->enabled_switch));
    }

  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), FALSE);
  if (self->original == NULL)
    syd_pools1_call_add_upstream (pools, self->pool, g_variant_dict_end (&dict), -1,
                                  G_DBUS_CALL_FLAGS_NONE, -1,
                                  syapp_client_get_cancellable (self->client),
                                  saved_cb, g_object_ref (self));
  else
    syd_pools1_call_update_upstream (pools, self->pool,
                                     syapp_variant_get_str (self->original, "name"),
                                     g_variant_dict_end (&dict),
                                     G_DBUS_CALL_FLAGS_NONE, -1,
                                     syapp_client_get_cancellable (self->client),
                                     saved_cb, g_object_ref (self));
}

/* GObject ----------------------------------------------------------------------*/

static void
syapp_upstream_dialog_dispose (GObject *object)
{
  SyAppUpstreamDialog *self = SYAPP_UPSTREAM_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SYAPP_TYPE_UPSTREAM_DIALOG);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (syapp_upstream_dialog_parent_class)->dispose (object);
}

static void
syapp_upstream_dialog_finalize (GObject *object)
{
  SyAppUpstreamDialog *self = SYAPP_UPSTREAM_DIALOG (object);

  g_free (self->pool);
  g_clear_pointer (&self->original, g_variant_unref);

  G_OBJECT_CLASS (syapp_upstream_dialog_parent_class)->finalize (object);
}

static void
syapp_upstream_dialog_class_init (SyAppUpstreamDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = syapp_upstream_dialog_dispose;
  object_class->finalize = syapp_upstream_dialog_finalize;

  g_type_ensure (SYAPP_TYPE_BANNER);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/switchyard/Switchyard/"
                                               "syapp-upstream-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, SyAppUpstreamDialog, banner);
  gtk_widget_class_bind_template_child (widget_class, SyAppUpstreamDialog, save_button);
  gtk_widget_class_bind_template_child (widget_class, SyAppUpstreamDialog, url_row);
  gtk_widget_class_bind_template_child (widget_class, SyAppUpstreamDialog, kind_row);
  gtk_widget_class_bind_template_child (widget_class, SyAppUpstreamDialog, host_row);
  gtk_widget_class_bind_template_child (widget_class, SyAppUpstreamDialog, port_spin);
  gtk_widget_class_bind_template_child (widget_class, SyAppUpstreamDialog, username_row);
  gtk_widget_class_bind_template_child (widget_class, SyAppUpstreamDialog, password_row);
  gtk_widget_class_bind_template_child (widget_class, SyAppUpstreamDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, SyAppUpstreamDialog, weight_spin);
  gtk_widget_class_bind_template_child (widget_class, SyAppUpstreamDialog, enabled_switch);
  gtk_widget_class_bind_template_callback (widget_class, url_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, form_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, save_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
syapp_upstream_dialog_init (SyAppUpstreamDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  syapp_a11y_fix_tree (GTK_WIDGET (self));
}

/**
 * syapp_upstream_dialog_new:
 * @pool: the pool to add to, or of the upstream
 * @upstream: (nullable) (type a{sv}): the upstream to edit, as in
 *   ListPools; %NULL to add one
 */
SyAppUpstreamDialog *
syapp_upstream_dialog_new (SyAppClient *client,
                           const char  *pool,
                           GVariant    *upstream)
{
  SyAppUpstreamDialog *self;
  g_autofree char *title = NULL;

  g_return_val_if_fail (SYAPP_IS_CLIENT (client), NULL);
  g_return_val_if_fail (pool != NULL, NULL);

  self = g_object_new (SYAPP_TYPE_UPSTREAM_DIALOG, NULL);
  self->client = g_object_ref (client);
  self->pool = g_strdup (pool);

  if (upstream != NULL)
    {
      self->original = g_variant_ref_sink (upstream);
      title = g_strdup_printf (_("Edit Upstream %s"), syapp_variant_get_str (upstream, "name"));
      gtk_window_set_title (GTK_WINDOW (self), title);
      gtk_button_set_label (self->save_button, _("_Save"));
      syapp_a11y_fix_tree (GTK_WIDGET (self->save_button));
      adw_combo_row_set_selected (self->kind_row,
                                  kind_index (syapp_variant_get_str (upstream, "kind")));
      set_text (self->host_row, syapp_variant_get_str (upstream, "host"));
      gtk_spin_button_set_value (self->port_spin, syapp_variant_get_uint (upstream, "port"));
      set_text (self->username_row, syapp_variant_get_str (upstream, "username"));
      set_text (self->name_row, syapp_variant_get_str (upstream, "name"));
      gtk_spin_button_set_value (self->weight_spin,
                                 MAX (syapp_variant_get_uint (upstream, "weight"), 1));
      gtk_switch_set_active (self->enabled_switch,
                             syapp_variant_get_bool (upstream, "enabled", TRUE));
      if (syapp_variant_get_bool (upstream, "has-password", FALSE))
        adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->password_row),
                                       _("Password (empty: keep the current one)"));
    }
  else
    {
      /* Translators: the title of the add-upstream dialog, with the pool */
      title = g_strdup_printf (_("Add Upstream to %s"), pool);
      gtk_window_set_title (GTK_WINDOW (self), title);
    }

  update_save (self);
  return self;
}
