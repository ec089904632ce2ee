/* syapp-wg-profile-group.c — one WireGuard profile with its peers, live
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The profile's addresses and users in the description, one row per peer:
 * its endpoint, the age of the last handshake (which the group re-renders
 * while it is on screen, since the service only says when a handshake
 * happens), and the bytes each way.
 */

#include "config.h"

#define G_LOG_DOMAIN "syapp-wireguard"

#include <string.h>

#include <glib/gi18n.h>

#include "syapp-a11y.h"
#include "syapp-format.h"
#include "syapp-wg-profile-group.h"
#include "syapp-window.h"

struct _SyAppWgProfileGroup
{
  AdwPreferencesGroup  parent_instance;

  SyAppClient         *client;
  char                *name;
  GVariant            *profile;
  GVariant            *peers;
  GPtrArray           *rows;          /* AdwActionRow*, one per peer */
  GtkWidget           *empty_row;
  gboolean             fetching;
};

G_DEFINE_FINAL_TYPE (SyAppWgProfileGroup, syapp_wg_profile_group, ADW_TYPE_PREFERENCES_GROUP)

static void
toast (SyAppWgProfileGroup *self,
       const char          *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  g_autofree char *escaped = g_markup_escape_text (message, -1);

  if (overlay != NULL)
    syapp_a11y_add_toast (overlay, adw_toast_new (escaped));
}

/* Peers ------------------------------------------------------------------------*/

static const char *
state_text (const char *state)
{
  if (g_strcmp0 (state, "up") == 0)
    return C_("wireguard peer", "Connected");
  if (g_strcmp0 (state, "handshaking") == 0)
    return C_("wireguard peer", "Handshaking");
  if (g_strcmp0 (state, "failing") == 0)
    return C_("wireguard peer", "Not answering");
  if (g_strcmp0 (state, "stopped") == 0)
    return C_("wireguard peer", "Stopped with the proxy");
  return C_("wireguard peer", "Idle");
}

static const char *
state_class (const char *state)
{
  if (g_strcmp0 (state, "up") == 0)
    return "health-up";
  if (g_strcmp0 (state, "failing") == 0)
    return "health-down";
  return "health-unknown";
}

/* "AbCd…WxYz=": enough of a base64 key to tell peers apart. */
static char *
short_key (const char *key)
{
  gsize length = strlen (key);

  if (length <= 12)
    return g_strdup (key);
  return g_strdup_printf ("%.6s…%s", key, key + length - 5);
}

static void
show_peer (SyAppWgProfileGroup *self,
           AdwActionRow        *row,
           GVariant            *peer)
{
  const char *state = syapp_variant_get_str (peer, "state");
  const char *endpoint = syapp_variant_get_str (peer, "endpoint");
  gint64 handshake = syapp_variant_get_int (peer, "last-handshake", 0);
  GtkWidget *icon = g_object_get_data (G_OBJECT (row), "state-icon");
  g_autofree char *key = short_key (syapp_variant_get_str (peer, "public-key"));
  g_autofree char *rx = syapp_format_bytes (syapp_variant_get_uint (peer, "rx-bytes"));
  g_autofree char *tx = syapp_format_bytes (syapp_variant_get_uint (peer, "tx-bytes"));
  g_autofree char *ago = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *label = NULL;
  const char *classes[] = { "health-up", "health-down", "health-unknown" };

  /* last-handshake is in seconds, as wg(8) shows it. */
  ago = handshake > 0 ? syapp_format_ago (handshake * G_USEC_PER_SEC, g_get_real_time ())
                      : g_strdup (_("never"));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 endpoint[0] != '\0' ? endpoint : _("No endpoint yet"));
  /* Translators: a WireGuard peer: its state, key, last handshake and
   * traffic, e.g. "Connected · key AbCdEf…WxYz= · handshake 12 seconds ago
   * · ↓ 1.2 MB ↑ 30 kB" */
  subtitle = g_strdup_printf (_("%s · key %s · handshake %s · ↓ %s ↑ %s"),
                              state_text (state), key, ago, rx, tx);
  escaped = g_markup_escape_text (subtitle, -1);
  adw_action_row_set_subtitle (row, escaped);

  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (icon, classes[i]);
  gtk_widget_add_css_class (icon, state_class (state));
  /* Translators: the accessible name of a WireGuard peer's state icon */
  label = g_strdup_printf (_("Peer state: %s"), state_text (state));
  gtk_widget_set_tooltip_text (icon, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
}

static GtkWidget *
new_peer_row (void)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name ("media-record-symbolic");

  gtk_widget_set_valign (icon, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (icon, "health-unknown");
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
  gtk_widget_add_css_class (row, "monospace-title");
  g_object_set_data (G_OBJECT (row), "state-icon", icon);
  return row;
}

static void
show_peers (SyAppWgProfileGroup *self)
{
  gsize n = self->peers != NULL ? g_variant_n_children (self->peers) : 0;

  /* Peers only come and go with the profile's text: rebuild then. */
  if (n != self->rows->len)
    {
      for (guint i = 0; i < self->rows->len; i++)
        adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self),
                                      g_ptr_array_index (self->rows, i));
      g_ptr_array_set_size (self->rows, 0);
      for (gsize i = 0; i < n; i++)
        {
          GtkWidget *row = new_peer_row ();

          g_ptr_array_add (self->rows, row);
          adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), row);
        }
    }

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) peer = g_variant_get_child_value (self->peers, i);

      show_peer (self, g_ptr_array_index (self->rows, i), peer);
    }
  gtk_widget_set_visible (self->empty_row, n == 0);
}

static void
get_peers_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SyAppWgProfileGroup) self = user_data;
  g_autoptr(GVariant) peers = NULL;
  g_autoptr(GError) error = NULL;

  self->fetching = FALSE;
  if (!syd_wireguard1_call_get_peers_finish (SYD_WIREGUARD1 (source), &peers, result, &error))
    {
      if (!syapp_error_is_cancelled (error))
        g_debug ("GetPeers %s: %s", self->name, error->message);
      return;
    }

  g_clear_pointer (&self->peers, g_variant_unref);
  self->peers = g_steal_pointer (&peers);
  show_peers (self);
}

/* Fetches the peers' live state (PeersChanged, or the page's poll). */
void
syapp_wg_profile_group_refresh (SyAppWgProfileGroup *self)
{
  SydWireguard1 *wireguard;

  g_return_if_fail (SYAPP_IS_WG_PROFILE_GROUP (self));

  wireguard = syapp_client_get_wireguard (self->client);
  if (wireguard == NULL || self->fetching)
    return;

  self->fetching = TRUE;
  syd_wireguard1_call_get_peers (wireguard, self->name, G_DBUS_CALL_FLAGS_NONE, -1,
                                 syapp_client_get_cancellable (self->client),
                                 get_peers_cb, g_object_ref (self));
}

/* Re-renders the handshake ages without asking the service. */
void
syapp_wg_profile_group_tick (SyAppWgProfileGroup *self)
{
  g_return_if_fail (SYAPP_IS_WG_PROFILE_GROUP (self));

  if (self->peers != NULL)
    show_peers (self);
}

/* The profile ----------------------------------------------------------------------*/

static char *
join (GVariant   *profile,
      const char *key)
{
  g_autofree const char **strv = NULL;
  g_autoptr(GVariant) value = g_variant_lookup_value (profile, key, G_VARIANT_TYPE_STRING_ARRAY);

  if (value == NULL)
    return g_strdup ("");
  strv = g_variant_get_strv (value, NULL);
  return g_strjoinv (", ", (char **) strv);
}

void
syapp_wg_profile_group_update (SyAppWgProfileGroup *self,
                               GVariant            *profile)
{
  g_autofree char *addresses = NULL;
  g_autofree char *inbounds = NULL;
  g_autofree char *pools = NULL;
  g_autofree char *peers = NULL;
  g_autofree char *use = NULL;
  g_autofree char *description = NULL;
  guint n_peers, up;

  g_return_if_fail (SYAPP_IS_WG_PROFILE_GROUP (self));

  g_clear_pointer (&self->profile, g_variant_unref);
  self->profile = g_variant_ref_sink (profile);

  addresses = join (profile, "addresses");
  inbounds = join (profile, "inbounds");
  pools = join (profile, "pools");
  n_peers = syapp_variant_get_uint (profile, "peer-count");
  up = syapp_variant_get_uint (profile, "peers-up");

  if (!syapp_variant_get_bool (profile, "running", FALSE))
    peers = g_strdup (_("tunnel down while the proxy is stopped"));
  else
    /* Translators: e.g. "1 of 2 peers connected" */
    peers = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u peer connected",
                                          "%u of %u peers connected", n_peers),
                             up, n_peers);

  if (inbounds[0] != '\0' && pools[0] != '\0')
    /* Translators: which inbounds and pools use a WireGuard profile */
    use = g_strdup_printf (_("used by %s and pool %s"), inbounds, pools);
  else if (inbounds[0] != '\0')
    use = g_strdup_printf (_("used by %s"), inbounds);
  else if (pools[0] != '\0')
    use = g_strdup_printf (_("in pool %s"), pools);
  else
    use = g_strdup (_("not used yet (choose it in Preferences or add it to a pool)"));

  /* Translators: a WireGuard profile's summary: addresses, peers, users */
  description = g_strdup_printf (_("%s · %s · %s"),
                                 addresses[0] != '\0' ? addresses : _("no address"),
                                 peers, use);
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self), description);
}

/* Actions ---------------------------------------------------------------------------*/

static void
copy_public_key_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  SyAppWgProfileGroup *self = SYAPP_WG_PROFILE_GROUP (widget);

  if (self->profile == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget),
                          syapp_variant_get_str (self->profile, "public-key"));
  toast (self, _("Public key copied: give it to the server’s administrator"));
}

static void
export_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(SyAppWgProfileGroup) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (!syd_wireguard1_call_export_profile_finish (SYD_WIREGUARD1 (source), &text, result,
                                                  &error))
    {
      syapp_client_report_error (self->client, _("Could not export the profile"), error);
      return;
    }
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
  toast (self, _("Configuration copied, without its private keys"));
}

static void
copy_config_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SyAppWgProfileGroup *self = SYAPP_WG_PROFILE_GROUP (widget);

  /* Never the private key: the clipboard is readable by every app. */
  syd_wireguard1_call_export_profile (syapp_client_get_wireguard (self->client), self->name,
                                      FALSE, G_DBUS_CALL_FLAGS_NONE, -1,
                                      syapp_client_get_cancellable (self->client),
                                      export_cb, g_object_ref (self));
}

static void
removed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SyAppWgProfileGroup) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!syd_wireguard1_call_remove_profile_finish (SYD_WIREGUARD1 (source), result, &error))
    syapp_client_report_error (self->client, _("Could not remove the profile"), error);
}

static void
remove_response_cb (AdwMessageDialog    *dialog,
                    const char          *response,
                    SyAppWgProfileGroup *self)
{
  if (g_strcmp0 (response, "remove") != 0)
    return;

  syd_wireguard1_call_remove_profile (syapp_client_get_wireguard (self->client), self->name,
                                      G_DBUS_CALL_FLAGS_NONE, -1,
                                      syapp_client_get_cancellable (self->client),
                                      removed_cb, g_object_ref (self));
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SyAppWgProfileGroup *self = SYAPP_WG_PROFILE_GROUP (widget);
  g_autofree char *heading = g_strdup_printf (_("Remove Profile %s?"), self->name);
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)), heading,
                                   _("Its tunnel stops and its file, with the private key, "
                                     "is deleted. Import the configuration again to get it "
                                     "back."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  syapp_a11y_fix_tree (dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_response_cb), self, 0);
  syapp_present_dialog (GTK_WINDOW (dialog), widget);
}

/* GObject ---------------------------------------------------------------------------*/

static void
syapp_wg_profile_group_dispose (GObject *object)
{
  SyAppWgProfileGroup *self = SYAPP_WG_PROFILE_GROUP (object);

  g_clear_object (&self->client);
  g_clear_pointer (&self->rows, g_ptr_array_unref);

  G_OBJECT_CLASS (syapp_wg_profile_group_parent_class)->dispose (object);
}

static void
syapp_wg_profile_group_finalize (GObject *object)
{
  SyAppWgProfileGroup *self = SYAPP_WG_PROFILE_GROUP (object);

  g_free (self->name);
  g_clear_pointer (&self->profile, g_variant_unref);
  g_clear_pointer (&self->peers, g_variant_unref);

  G_OBJECT_CLASS (syapp_wg_profile_group_parent_class)->finalize (object);
}

static void
syapp_wg_profile_group_class_init (SyAppWgProfileGroupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = syapp_wg_profile_group_dispose;
  object_class->finalize = syapp_wg_profile_group_finalize;

  gtk_widget_class_install_action (widget_class, "profile.copy-public-key", NULL,
                                   copy_public_key_action);
  gtk_widget_class_install_action (widget_class, "profile.copy-config", NULL,
                                   copy_config_action);
  gtk_widget_class_install_action (widget_class, "profile.remove", NULL, remove_action);
}

static void
syapp_wg_profile_group_init (SyAppWgProfileGroup *self)
{
  self->rows = g_ptr_array_new ();
}

SyAppWgProfileGroup *
syapp_wg_profile_group_new (SyAppClient *client,
                            const char  *name)
{
  SyAppWgProfileGroup *self;
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autofree char *label = NULL;
  GtkWidget *button;

  g_return_val_if_fail (SYAPP_IS_CLIENT (client), NULL);

  self = g_object_new (SYAPP_TYPE_WG_PROFILE_GROUP, "title", name, NULL);
  self->client = g_object_ref (client);
  self->name = g_strdup (name);

  g_menu_append (menu, _("Copy _Public Key"), "profile.copy-public-key");
  g_menu_append (menu, _("Copy _Configuration (Without Keys)"), "profile.copy-config");
  g_menu_append (menu, _("_Remove Profile"), "profile.remove");
  button = gtk_menu_button_new ();
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "view-more-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (button), G_MENU_MODEL (menu));
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_valign (button, GTK_ALIGN_END);
  gtk_widget_set_tooltip_text (button, _("Profile Actions"));
  label = g_strdup_printf (_("Actions for profile %s"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (self), button);

  self->empty_row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->empty_row), _("No peers"));
  gtk_widget_add_css_class (self->empty_row, "dim-label");
  gtk_widget_set_visible (self->empty_row, FALSE);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), self->empty_row);

  return self;
}

const char *
syapp_wg_profile_group_get_name (SyAppWgProfileGroup *self)
{
  g_return_val_if_fail (SYAPP_IS_WG_PROFILE_GROUP (self), NULL);

  return self->name;
}
