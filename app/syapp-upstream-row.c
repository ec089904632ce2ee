/* syapp-upstream-row.c — one upstream proxy of a pool
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shows an upstream's health, latency and traffic, and acts on it through
 * its own actions (upstream.test, .edit, .move-up, …), so the same actions
 * serve the menu, the keyboard (Alt+Up/Down) and assistive technologies.
 */

#include "config.h"

#define G_LOG_DOMAIN "syapp-upstreams"

#include <glib/gi18n.h>

#include "syapp-a11y.h"
#include "syapp-format.h"
#include "syapp-upstream-dialog.h"
#include "syapp-upstream-row.h"
#include "syapp-window.h"

/* TestUpstream replies within the pool's health-timeout-ms, at most 120 s. */
#define TEST_TIMEOUT_MS 130000

struct _SyAppUpstreamRow
{
  AdwActionRow  parent_instance;

  SyAppClient  *client;
  char         *pool;
  char         *name;
  GVariant     *upstream;
  guint         position;
  guint         n_upstreams;
  gboolean      testing;

  GtkImage     *health_icon;
  GtkLabel     *latency_label;
  GtkStack     *test_stack;
  GtkSpinner   *test_spinner;
  GtkButton    *test_button;
  GtkSwitch    *enabled_switch;
  GtkMenuButton *menu_button;
};

G_DEFINE_FINAL_TYPE (SyAppUpstreamRow, syapp_upstream_row, ADW_TYPE_ACTION_ROW)

static void
toast (SyAppUpstreamRow *self,
       const char       *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  g_autofree char *escaped = g_markup_escape_text (message, -1);

  if (overlay != NULL)
    syapp_a11y_add_toast (overlay, adw_toast_new (escaped));
}

/* Showing -----------------------------------------------------------------------*/

static const char *
health_text (const char *health)
{
  if (g_strcmp0 (health, "up") == 0)
    return C_("upstream health", "Up");
  if (g_strcmp0 (health, "down") == 0)
    return C_("upstream health", "Down");
  if (g_strcmp0 (health, "disabled") == 0)
    return C_("upstream health", "Disabled");
  return C_("upstream health", "Not checked yet");
}

static void
show_health (SyAppUpstreamRow *self,
             const char       *health)
{
  static const char *const classes[] = { "health-up", "health-down", "health-disabled",
                                         "health-unknown" };
  const char *class = "health-unknown";
  g_autofree char *label = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->health_icon), classes[i]);
      if (g_strcmp0 (classes[i] + strlen ("health-"), health) == 0)
        class = classes[i];
    }
  gtk_widget_add_css_class (GTK_WIDGET (self->health_icon), class);

  gtk_image_set_from_icon_name (self->health_icon,
                                g_strcmp0 (health, "down") == 0 ? "dialog-error-symbolic"
                                                                : "media-record-symbolic");
  /* Translators: the accessible name of an upstream's health icon */
  label = g_strdup_printf (_("Health: %s"), health_text (health));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->health_icon), label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->health_icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
}

static void
show (SyAppUpstreamRow *self)
{
  GVariant *u = self->upstream;
  const char *health = syapp_variant_get_str (u, "health");
  const char *last_error = syapp_variant_get_str (u, "last-error");
  g_autofree char *latency = syapp_format_latency (syapp_variant_get_int (u, "latency-ms", -1));
  g_autofree char *up = syapp_format_bytes (syapp_variant_get_uint (u, "bytes-up"));
  g_autofree char *down = syapp_format_bytes (syapp_variant_get_uint (u, "bytes-down"));
  g_autofree char *checked = syapp_format_ago (syapp_variant_get_int (u, "last-check", 0),
                                               g_get_real_time ());
  g_autofree char *total = NULL;
  g_autofree char *stats = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *tooltip = NULL;
  g_autofree char *a11y = NULL;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), self->name);

  /* Translators: an upstream's live numbers: active connections, total,
   * and bytes up and down, e.g. "2 active · 41 total · ↑ 1.2 MB ↓ 88 MB" */
  total = syapp_format_count (syapp_variant_get_uint (u, "total"));
  stats = g_strdup_printf (_("%u active · %s total · ↑ %s ↓ %s"),
                           (guint) syapp_variant_get_uint (u, "active"), total, up, down);
  if (g_strcmp0 (health, "down") == 0 && last_error[0] != '\0')
    subtitle = g_strdup_printf ("%s\n%s", syapp_variant_get_str (u, "url"), last_error);
  else
    subtitle = g_strdup_printf ("%s\n%s", syapp_variant_get_str (u, "url"), stats);
  escaped = g_markup_escape_text (subtitle, -1);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), escaped);

  show_health (self, health);
  gtk_label_set_label (self->latency_label, latency);
  /* Translators: tooltip of an upstream's latency, e.g. "Checked 5 seconds ago" */
  tooltip = g_strdup_printf (_("Latency of the last health checks. Checked %s."), checked);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->latency_label), tooltip);

  g_signal_handlers_block_matched (self->enabled_switch, G_SIGNAL_MATCH_DATA, 0, 0,
                                   NULL, NULL, self);
  gtk_switch_set_active (self->enabled_switch, syapp_variant_get_bool (u, "enabled", TRUE));
  g_signal_handlers_unblock_matched (self->enabled_switch, G_SIGNAL_MATCH_DATA, 0, 0,
                                     NULL, NULL, self);

  a11y = g_strdup_printf (_("Use upstream %s"), self->name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->enabled_switch),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  g_free (a11y);
  a11y = g_strdup_printf (_("Test upstream %s"), self->name);
  syapp_a11y_name_button (GTK_WIDGET (self->test_button), a11y);
  g_free (a11y);
  a11y = g_strdup_printf (_("More actions for upstream %s"), self->name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->menu_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "upstream.move-up", self->position > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "upstream.move-down",
                                 self->position + 1 < self->n_upstreams);
}

/* Calls --------------------------------------------------------------------------*/

typedef struct
{
  SyAppUpstreamRow *row;
  char             *what;
} RowCall;

static void
row_call_free (RowCall *call)
{
  g_object_unref (call->row);
  g_free (call->what);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RowCall, row_call_free)

/* @what: says what failed, for the error toast */
static RowCall *
row_call_new (SyAppUpstreamRow *self,
              const char       *what)
{
  RowCall *call = g_new0 (RowCall, 1);

  call->row = g_object_ref (self);
  call->what = g_strdup (what);
  return call;
}

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(RowCall) call = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  if (reply == NULL)
    {
      syapp_client_report_error (call->row->client, call->what, error);
      /* Put the switch back to what the service says. */
      show (call->row);
    }
}

static void
enabled_switch_cb (SyAppUpstreamRow *self)
{
  gboolean enabled = gtk_switch_get_active (self->enabled_switch);
  SydPools1 *pools = syapp_client_get_pools (self->client);
  const char *what = enabled ? _("Could not enable the upstream")
                             : _("Could not disable the upstream");

  syd_pools1_call_set_upstream_enabled (pools, self->pool, self->name, enabled,
                                        G_DBUS_CALL_FLAGS_NONE, -1,
                                        syapp_client_get_cancellable (self->client),
                                        done_cb, row_call_new (self, what));
}

static void
move (SyAppUpstreamRow *self,
      guint             position)
{
  syd_pools1_call_move_upstream (syapp_client_get_pools (self->client), self->pool, self->name,
                                 position, G_DBUS_CALL_FLAGS_NONE, -1,
                                 syapp_client_get_cancellable (self->client),
                                 done_cb,
                                 row_call_new (self, _("Could not move the upstream")));
}

static void
move_up_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SyAppUpstreamRow *self = SYAPP_UPSTREAM_ROW (widget);

  if (self->position > 0)
    move (self, self->position - 1);
}

static void
move_down_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SyAppUpstreamRow *self = SYAPP_UPSTREAM_ROW (widget);

  if (self->position + 1 < self->n_upstreams)
    move (self, self->position + 1);
}

static void
test_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(SyAppUpstreamRow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *what = NULL;
  gint64 latency = 0;

  self->testing = FALSE;
  gtk_spinner_stop (self->test_spinner);
  gtk_stack_set_visible_child_name (self->test_stack, "button");

  if (!syd_pools1_call_test_upstream_finish (SYD_POOLS1 (source), &latency, result, &error))
    {
      what = g_strdup_printf (_("Upstream %s failed its check"), self->name);
      syapp_client_report_error (self->client, what, error);
      return;
    }

  /* Translators: a successful upstream test, e.g. "office answered in 23 ms" */
  what = g_strdup_printf (_("%s answered in %d ms"), self->name, (int) latency);
  toast (self, what);
}

static void
test_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SyAppUpstreamRow *self = SYAPP_UPSTREAM_ROW (widget);

  if (self->testing)
    return;

  self->testing = TRUE;
  gtk_stack_set_visible_child_name (self->test_stack, "spinner");
  gtk_spinner_start (self->test_spinner);
  syd_pools1_call_test_upstream (syapp_client_get_pools (self->client), self->pool, self->name,
                                 G_DBUS_CALL_FLAGS_NONE, TEST_TIMEOUT_MS,
                                 syapp_client_get_cancellable (self->client),
                                 test_cb, g_object_ref (self));
}

static void
edit_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SyAppUpstreamRow *self = SYAPP_UPSTREAM_ROW (widget);
  SyAppUpstreamDialog *dialog;

  dialog = syapp_upstream_dialog_new (self->client, self->pool, self->upstream);
  syapp_present_dialog (GTK_WINDOW (dialog), GTK_WIDGET (self));
}

static void
copy_url_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  SyAppUpstreamRow *self = SYAPP_UPSTREAM_ROW (widget);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget),
                          syapp_variant_get_str (self->upstream, "url"));
  toast (self, _("URL copied (without the password)"));
}

static void
remove_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    SyAppUpstreamRow *self)
{
  if (g_strcmp0 (response, "remove") != 0)
    return;

  syd_pools1_call_remove_upstream (syapp_client_get_pools (self->client), self->pool, self->name,
                                   G_DBUS_CALL_FLAGS_NONE, -1,
                                   syapp_client_get_cancellable (self->client),
                                   done_cb,
                                   row_call_new (self, _("Could not remove the upstream")));
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SyAppUpstreamRow *self = SYAPP_UPSTREAM_ROW (widget);
  GtkWidget *dialog;
  g_autofree char *heading = g_strdup_printf (_("Remove Upstream %s?"), self->name);
  g_autofree char *body = g_strdup_printf (_("Pool %s will stop using it. Connections it "
                                             "carries now go on until they end."), self->pool);

  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)), heading, body);
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

/* GObject ------------------------------------------------------------------------*/

static void
syapp_upstream_row_dispose (GObject *object)
{
  SyAppUpstreamRow *self = SYAPP_UPSTREAM_ROW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SYAPP_TYPE_UPSTREAM_ROW);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (syapp_upstream_row_parent_class)->dispose (object);
}

static void
syapp_upstream_row_finalize (GObject *object)
{
  SyAppUpstreamRow *self = SYAPP_UPSTREAM_ROW (object);

  g_free (self->pool);
  g_free (self->name);
  g_clear_pointer (&self->upstream, g_variant_unref);

  G_OBJECT_CLASS (syapp_upstream_row_parent_class)->finalize (object);
}

static void
syapp_upstream_row_class_init (SyAppUpstreamRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = syapp_upstream_row_dispose;
  object_class->finalize = syapp_upstream_row_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/switchyard/Switchyard/"
                                               "syapp-upstream-row.ui");
  gtk_widget_class_bind_template_child (widget_class, SyAppUpstreamRow, health_icon);
  gtk_widget_class_bind_template_child (widget_class, SyAppUpstreamRow, latency_label);
  gtk_widget_class_bind_template_child (widget_class, SyAppUpstreamRow, test_stack);
  gtk_widget_class_bind_template_child (widget_class, SyAppUpstreamRow, test_spinner);
  gtk_widget_class_bind_template_child (widget_class, SyAppUpstreamRow, test_button);
  gtk_widget_class_bind_template_child (widget_class, SyAppUpstreamRow, enabled_switch);
  gtk_widget_class_bind_template_child (widget_class, SyAppUpstreamRow, menu_button);
  gtk_widget_class_bind_template_callback (widget_class, enabled_switch_cb);

  gtk_widget_class_install_action (widget_class, "upstream.test", NULL, test_action);
  gtk_widget_class_install_action (widget_class, "upstream.edit", NULL, edit_action);
  gtk_widget_class_install_action (widget_class, "upstream.copy-url", NULL, copy_url_action);
  gtk_widget_class_install_action (widget_class, "upstream.move-up", NULL, move_up_action);
  gtk_widget_class_install_action (widget_class, "upstream.move-down", NULL, move_down_action);
  gtk_widget_class_install_action (widget_class, "upstream.remove", NULL, remove_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Up, GDK_ALT_MASK,
                                       "upstream.move-up", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Down, GDK_ALT_MASK,
                                       "upstream.move-down", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0,
                                       "upstream.remove", NULL);
}

static void
syapp_upstream_row_init (SyAppUpstreamRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  syapp_a11y_fix_tree (GTK_WIDGET (self));
  gtk_widget_add_css_class (GTK_WIDGET (self), "upstream-row");
}

SyAppUpstreamRow *
syapp_upstream_row_new (SyAppClient *client,
                        const char  *pool)
{
  SyAppUpstreamRow *self;

  g_return_val_if_fail (SYAPP_IS_CLIENT (client), NULL);
  g_return_val_if_fail (pool != NULL, NULL);

  self = g_object_new (SYAPP_TYPE_UPSTREAM_ROW, NULL);
  self->client = g_object_ref (client);
  self->pool = g_strdup (pool);
  return self;
}

/**
 * syapp_upstream_row_update:
 * @upstream: (type a{sv}): the upstream as in ListPools or UpstreamChanged
 * @position: its index in the pool
 * @n_upstreams: how many the pool has
 */
void
syapp_upstream_row_update (SyAppUpstreamRow *self,
                           GVariant         *upstream,
                           guint             position,
                           guint             n_upstreams)
{
  g_return_if_fail (SYAPP_IS_UPSTREAM_ROW (self));
  g_return_if_fail (g_variant_is_of_type (upstream, G_VARIANT_TYPE_VARDICT));

  g_clear_pointer (&self->upstream, g_variant_unref);
  self->upstream = g_variant_ref_sink (upstream);
  g_free (self->name);
  self->name = g_strdup (syapp_variant_get_str (upstream, "name"));
  self->position = position;
  self->n_upstreams = n_upstreams;
  show (self);
}

/* Live fields only (UpstreamChanged): the position stays. */
void
syapp_upstream_row_update_live (SyAppUpstreamRow *self,
                                GVariant         *upstream)
{
  g_return_if_fail (SYAPP_IS_UPSTREAM_ROW (self));

  syapp_upstream_row_update (self, upstream, self->position, self->n_upstreams);
}

const char *
syapp_upstream_row_get_name (SyAppUpstreamRow *self)
{
  g_return_val_if_fail (SYAPP_IS_UPSTREAM_ROW (self), NULL);

  return self->name;
}
