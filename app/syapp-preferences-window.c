/* syapp-preferences-window.c — the proxy's listener and the app's settings
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Proxy page edits the first inbound (normally "main") through
 * GetInbounds/SetInbound: each field applies on its own, so a failed bind
 * (the port is taken) names exactly what to change and the old listener
 * stays up meanwhile. The General page is the app's GSettings and start at
 * login.
 */

#include "config.h"

#define G_LOG_DOMAIN "syapp-preferences"

#include <string.h>

#include <glib/gi18n.h>

#include "syapp-a11y.h"
#include "syapp-autostart.h"
#include "syapp-format.h"
#include "syapp-preferences-window.h"

#define DEFAULT_INBOUND "main"

struct _SyAppPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  SyAppClient          *client;
  GSettings            *settings;
  GCancellable         *cancellable;
  char                 *inbound;        /* name of the inbound edited */
  GStrv                 outbounds;      /* the combo row's values */
  char                 *outbound;       /* the inbound's current one */
  GVariant             *pools;          /* ListPools, while the profiles come */
  gboolean              filling;

  AdwPreferencesGroup  *listen_group;
  AdwEntryRow          *listen_row;
  AdwEntryRow          *port_row;
  AdwComboRow          *outbound_row;
  AdwExpanderRow       *auth_row;
  AdwEntryRow          *username_row;
  AdwPasswordEntryRow  *password_row;
  GtkSwitch            *insecure_switch;
  GtkSwitch            *autostart_switch;
  GtkSpinButton        *log_lines_spin;
  GtkSpinButton        *finished_spin;
  GtkSpinButton        *traffic_spin;
};

G_DEFINE_FINAL_TYPE (SyAppPreferencesWindow, syapp_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void refresh (SyAppPreferencesWindow *self);

static void
show_toast (SyAppPreferencesWindow *self,
            const char             *message,
            gboolean                is_error)
{
  AdwToast *toast = adw_toast_new ("");
  GtkWidget *label = gtk_label_new (message);

  /* The title wraps, so the service's whole message is readable. */
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 50);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  adw_toast_set_custom_title (toast, label);
  if (is_error)
    {
      adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
      adw_toast_set_timeout (toast, 10);
    }
  syapp_a11y_add_toast (GTK_WIDGET (self), toast);
}

/* Filling the form ----------------------------------------------------------------*/

static const char *
outbound_label (const char *outbound)
{
  if (g_strcmp0 (outbound, "direct") == 0)
    return _("Directly");
  if (g_strcmp0 (outbound, "reject") == 0)
    return _("Refuse Them");
  return NULL;
}

static void
fill_outbounds (SyAppPreferencesWindow *self,
                GVariant               *pools,
                GVariant               *profiles)
{
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  guint selected = 0;
  GVariantIter iter;
  GVariant *pool;

  g_ptr_array_add (values, g_strdup ("direct"));
  g_ptr_array_add (values, g_strdup ("reject"));
  if (pools != NULL)
    {
      g_variant_iter_init (&iter, pools);
      while ((pool = g_variant_iter_next_value (&iter)) != NULL)
        {
          g_ptr_array_add (values, g_strdup (syapp_variant_get_str (pool, "name")));
          g_variant_unref (pool);
        }
    }
  if (profiles != NULL)
    {
      const char *name;

      g_variant_iter_init (&iter, profiles);
      while (g_variant_iter_next (&iter, "(&s@a{sv})", &name, &pool))
        {
          g_ptr_array_add (values, g_strdup_printf ("wireguard:%s", name));
          g_variant_unref (pool);
        }
    }
  /* The current one, even when it is of a kind this list does not offer. */
  if (self->outbound != NULL && self->outbound[0] != '\0' &&
      !g_ptr_array_find_with_equal_func (values, self->outbound, g_str_equal, NULL))
    g_ptr_array_add (values, g_strdup (self->outbound));
  g_ptr_array_add (values, NULL);

  g_strfreev (self->outbounds);
  self->outbounds = (GStrv) g_ptr_array_free (g_steal_pointer (&values), FALSE);
  for (guint i = 0; self->outbounds[i] != NULL; i++)
    {
      const char *label = outbound_label (self->outbounds[i]);
      g_autofree char *text = NULL;

      if (label == NULL && g_str_has_prefix (self->outbounds[i], "wireguard:"))
        /* Translators: an outbound choice, e.g. "Through WireGuard home-vpn" */
        text = g_strdup_printf (_("Through WireGuard %s"),
                                self->outbounds[i] + strlen ("wireguard:"));
      else if (label == NULL)
        /* Translators: an outbound choice, e.g. "Through pool work" */
        text = g_strdup_printf (_("Through pool %s"), self->outbounds[i]);
      gtk_string_list_append (labels, label != NULL ? label : text);
      if (g_strcmp0 (self->outbounds[i], self->outbound) == 0)
        selected = i;
    }

  self->filling = TRUE;
  adw_combo_row_set_model (self->outbound_row, G_LIST_MODEL (labels));
  adw_combo_row_set_selected (self->outbound_row, selected);
  self->filling = FALSE;
}

static void
list_profiles_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SyAppPreferencesWindow) self = user_data;
  g_autoptr(GVariant) profiles = NULL;
  g_autoptr(GError) error = NULL;

  if (!syd_wireguard1_call_list_profiles_finish (SYD_WIREGUARD1 (source), &profiles, result,
                                                 &error))
    {
      if (!syapp_error_is_cancelled (error))
        g_debug ("ListProfiles: %s", error->message);
      profiles = NULL;
    }
  fill_outbounds (self, self->pools, profiles);
}

static void
list_pools_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SyAppPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->pools, g_variant_unref);
  if (!syd_pools1_call_list_pools_finish (SYD_POOLS1 (source), &self->pools, result, &error))
    {
      if (syapp_error_is_cancelled (error))
        return;
      g_debug ("ListPools: %s", error->message);
    }

  syd_wireguard1_call_list_profiles (syapp_client_get_wireguard (self->client),
                                     G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable,
                                     list_profiles_cb, g_object_ref (self));
}

static void
fill_inbound (SyAppPreferencesWindow *self,
              GVariant               *inbound)
{
  g_autofree char *port = NULL;
  g_autofree char *description = NULL;
  const char *username;

  g_free (self->inbound);
  self->inbound = g_strdup (syapp_variant_get_str (inbound, "name"));
  g_free (self->outbound);
  self->outbound = g_strdup (syapp_variant_get_str (inbound, "outbound"));

  self->filling = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->listen_row), syapp_variant_get_str (inbound, "listen"));
  port = g_strdup_printf ("%u", (guint) syapp_variant_get_uint (inbound, "port"));
  gtk_editable_set_text (GTK_EDITABLE (self->port_row), port);

  username = syapp_variant_get_str (inbound, "username");
  gtk_editable_set_text (GTK_EDITABLE (self->username_row), username);
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  adw_expander_row_set_enable_expansion (self->auth_row, username[0] != '\0');
  if (username[0] != '\0')
    adw_expander_row_set_subtitle (self->auth_row,
                                   syapp_variant_get_bool (inbound, "has-password", FALSE)
                                   ? _("Set; the password is not shown")
                                   : _("No password yet"));
  else
    adw_expander_row_set_subtitle (self->auth_row, _("Anyone on this computer may connect"));
  gtk_switch_set_active (self->insecure_switch,
                         syapp_variant_get_bool (inbound, "allow-insecure", FALSE));
  self->filling = FALSE;

  /* Translators: which listener the settings belong to */
  description = g_strdup_printf (_("The inbound “%s”: where applications reach the proxy. "
                                   "Press Enter or the check mark to apply a change."),
                                 self->inbound);
  adw_preferences_group_set_description (self->listen_group, description);
}

static void
get_inbounds_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SyAppPreferencesWindow) self = user_data;
  g_autoptr(GVariant) inbounds = NULL;
  g_autoptr(GVariant) first = NULL;
  g_autoptr(GError) error = NULL;
  SydPools1 *pools = syapp_client_get_pools (self->client);

  if (!syd_daemon1_call_get_inbounds_finish (SYD_DAEMON1 (source), &inbounds, result, &error))
    {
      g_autofree char *message = NULL;

      if (syapp_error_is_cancelled (error))
        return;
      message = syapp_error_dup_message (error);
      show_toast (self, message, TRUE);
      return;
    }

  if (g_variant_n_children (inbounds) > 0)
    {
      first = g_variant_get_child_value (inbounds, 0);
      fill_inbound (self, first);
    }
  else
    {
      /* Nothing listens: the first change creates the default inbound. */
      g_free (self->inbound);
      self->inbound = g_strdup (DEFAULT_INBOUND);
    }

  syd_pools1_call_list_pools (pools, G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable,
                              list_pools_cb, g_object_ref (self));
}

static void
refresh (SyAppPreferencesWindow *self)
{
  SydDaemon1 *daemon = syapp_client_get_daemon (self->client);

  gtk_widget_set_sensitive (GTK_WIDGET (self->listen_group),
                            syapp_client_get_status (self->client) == SYAPP_SERVICE_READY);
  if (daemon == NULL || syapp_client_get_status (self->client) != SYAPP_SERVICE_READY)
    return;

  syd_daemon1_call_get_inbounds (daemon, G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable,
                                 get_inbounds_cb, g_object_ref (self));
}

/* Applying -------------------------------------------------------------------------*/

static void
set_inbound_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SyAppPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!syd_daemon1_call_set_inbound_finish (SYD_DAEMON1 (source), result, &error))
    {
      g_autofree char *message = NULL;

      if (syapp_error_is_cancelled (error))
        return;
      message = syapp_error_dup_message (error);
      show_toast (self, message, TRUE);
    }
  else
    show_toast (self, _("Saved"), FALSE);

  /* Either way, show what the service has now. */
  refresh (self);
}

/* @dict: floating; "name" is added */
static void
set_inbound (SyAppPreferencesWindow *self,
             GVariantDict           *dict)
{
  SydDaemon1 *daemon = syapp_client_get_daemon (self->client);

  if (self->filling || daemon == NULL)
    return;

  g_variant_dict_insert (dict, "name", "s", self->inbound != NULL ? self->inbound
                                                                  : DEFAULT_INBOUND);
  syd_daemon1_call_set_inbound (daemon, g_variant_dict_end (dict),
                                G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable,
                                set_inbound_cb, g_object_ref (self));
}

static void
listen_apply_cb (SyAppPreferencesWindow *self)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autofree char *listen = g_strstrip (g_strdup (gtk_editable_get_text (
                                                    GTK_EDITABLE (self->listen_row))));

  g_variant_dict_insert (&dict, "listen", "s", listen);
  set_inbound (self, &dict);
}

static void
port_apply_cb (SyAppPreferencesWindow *self)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->port_row));
  guint64 port = 0;

  if (!g_ascii_string_to_unsigned (text, 10, 1, 65535, &port, NULL))
    {
      show_toast (self, _("The port is a number from 1 to 65535."), TRUE);
      return;
    }

  g_variant_dict_insert (&dict, "port", "q", (guint16) port);
  set_inbound (self, &dict);
}

static void
outbound_selected_cb (SyAppPreferencesWindow *self)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  guint selected = adw_combo_row_get_selected (self->outbound_row);

  if (self->filling || self->outbounds == NULL || selected >= g_strv_length (self->outbounds))
    return;
  if (g_strcmp0 (self->outbounds[selected], self->outbound) == 0)
    return;

  g_variant_dict_insert (&dict, "outbound", "s", self->outbounds[selected]);
  set_inbound (self, &dict);
}

static void
auth_enabled_cb (SyAppPreferencesWindow *self)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  if (self->filling)
    return;

  /* Turning it on waits for a user name and password; off applies now. */
  if (adw_expander_row_get_enable_expansion (self->auth_row))
    {
      adw_expander_row_set_expanded (self->auth_row, TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->username_row));
      return;
    }

  g_variant_dict_insert (&dict, "username", "s", "");
  set_inbound (self, &dict);
}

static void
credentials_apply_cb (SyAppPreferencesWindow *self)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  const char *username = gtk_editable_get_text (GTK_EDITABLE (self->username_row));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));

  if (username[0] == '\0' || password[0] == '\0')
    {
      show_toast (self, _("Enter both a user name and a password."), TRUE);
      return;
    }

  g_variant_dict_insert (&dict, "username", "s", username);
  g_variant_dict_insert (&dict, "password", "s", password);
  set_inbound (self, &dict);
}

static void
insecure_cb (SyAppPreferencesWindow *self)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  g_variant_dict_insert (&dict, "allow-insecure", "b",
                         gtk_switch_get_active (self->insecure_switch));
  set_inbound (self, &dict);
}

/* Start at login --------------------------------------------------------------------*/

static void
autostart_set_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SyAppPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!syapp_autostart_set_finish (result, &error))
    {
      if (syapp_error_is_cancelled (error))
        return;
      show_toast (self, error->message, TRUE);
    }

  self->filling = TRUE;
  gtk_switch_set_active (self->autostart_switch, syapp_autostart_is_enabled (self->settings));
  self->filling = FALSE;
}

static void
autostart_cb (SyAppPreferencesWindow *self)
{
  if (self->filling)
    return;

  syapp_autostart_set_async (gtk_switch_get_active (self->autostart_switch), NULL,
                             self->settings, self->cancellable,
                             autostart_set_cb, g_object_ref (self));
}

/* GObject ----------------------------------------------------------------------------*/

static void
syapp_preferences_window_dispose (GObject *object)
{
  SyAppPreferencesWindow *self = SYAPP_PREFERENCES_WINDOW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), SYAPP_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (syapp_preferences_window_parent_class)->dispose (object);
}

static void
syapp_preferences_window_finalize (GObject *object)
{
  SyAppPreferencesWindow *self = SYAPP_PREFERENCES_WINDOW (object);

  g_free (self->inbound);
  g_free (self->outbound);
  g_strfreev (self->outbounds);
  g_clear_pointer (&self->pools, g_variant_unref);

  G_OBJECT_CLASS (syapp_preferences_window_parent_class)->finalize (object);
}

static void
syapp_preferences_window_class_init (SyAppPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = syapp_preferences_window_dispose;
  object_class->finalize = syapp_preferences_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/switchyard/Switchyard/"
                                               "syapp-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SyAppPreferencesWindow, listen_group);
  gtk_widget_class_bind_template_child (widget_class, SyAppPreferencesWindow, listen_row);
  gtk_widget_class_bind_template_child (widget_class, SyAppPreferencesWindow, port_row);
  gtk_widget_class_bind_template_child (widget_class, SyAppPreferencesWindow, outbound_row);
  gtk_widget_class_bind_template_child (widget_class, SyAppPreferencesWindow, auth_row);
  gtk_widget_class_bind_template_child (widget_class, SyAppPreferencesWindow, username_row);
  gtk_widget_class_bind_template_child (widget_class, SyAppPreferencesWindow, password_row);
  gtk_widget_class_bind_template_child (widget_class, SyAppPreferencesWindow, insecure_switch);
  gtk_widget_class_bind_template_child (widget_class, SyAppPreferencesWindow, autostart_switch);
  gtk_widget_class_bind_template_child (widget_class, SyAppPreferencesWindow, log_lines_spin);
  gtk_widget_class_bind_template_child (widget_class, SyAppPreferencesWindow, finished_spin);
  gtk_widget_class_bind_template_child (widget_class, SyAppPreferencesWindow, traffic_spin);
  gtk_widget_class_bind_template_callback (widget_class, listen_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, port_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, outbound_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, auth_enabled_cb);
  gtk_widget_class_bind_template_callback (widget_class, credentials_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, insecure_cb);
  gtk_widget_class_bind_template_callback (widget_class, autostart_cb);
}

static void
syapp_preferences_window_init (SyAppPreferencesWindow *self)
{
  self->filling = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  syapp_a11y_fix_tree (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->settings = g_settings_new (APP_ID);

  g_settings_bind (self->settings, "log-lines",
                   gtk_spin_button_get_adjustment (self->log_lines_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "finished-connections",
                   gtk_spin_button_get_adjustment (self->finished_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "traffic-minutes",
                   gtk_spin_button_get_adjustment (self->traffic_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);

  gtk_switch_set_active (self->autostart_switch, syapp_autostart_is_enabled (self->settings));
  self->filling = FALSE;
}

SyAppPreferencesWindow *
syapp_preferences_window_new (SyAppClient *client)
{
  SyAppPreferencesWindow *self;

  g_return_val_if_fail (SYAPP_IS_CLIENT (client), NULL);

  self = g_object_new (SYAPP_TYPE_PREFERENCES_WINDOW, NULL);
  self->client = g_object_ref (client);
  g_signal_connect_object (client, "notify::status", G_CALLBACK (refresh), self,
                           G_CONNECT_SWAPPED);
  refresh (self);
  return self;
}
