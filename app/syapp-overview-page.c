/* syapp-overview-page.c — the proxy's state, switch, addresses and traffic
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything here follows the service: the Daemon1 properties (State,
 * StateReason, ListenAddresses), which GDBusProxy keeps current, and the
 * Traffic signal. The switch uses GtkSwitch's delayed state: flipping it
 * asks the service, and the switch settles only when State says so.
 */

#include "config.h"

#define G_LOG_DOMAIN "syapp-overview"

#include <glib/gi18n.h>

#include "syapp-a11y.h"
#include "syapp-format.h"
#include "syapp-overview-page.h"
#include "syapp-traffic-graph.h"
#include "syapp-traffic-history.h"

struct _SyAppOverviewPage
{
  AdwBin               parent_instance;

  SyAppClient         *client;
  SyAppTrafficHistory *history;
  GSettings           *settings;
  gboolean             traffic_pending;
  gboolean             switch_pending;

  GtkImage            *state_icon;
  GtkLabel            *state_label;
  GtkLabel            *reason_label;
  GtkSwitch           *proxy_switch;
  GtkListBox          *listen_list;
  SyAppTrafficGraph   *graph;
  GtkLabel            *rate_down_label;
  GtkLabel            *rate_up_label;
  GtkLabel            *active_label;
  GtkLabel            *total_down_label;
  GtkLabel            *total_up_label;
  GtkLabel            *sessions_total_label;
};

G_DEFINE_FINAL_TYPE (SyAppOverviewPage, syapp_overview_page, ADW_TYPE_BIN)

/* State ---------------------------------------------------------------------*/

static void
set_switch (SyAppOverviewPage *self,
            gboolean           on)
{
  g_signal_handlers_block_matched (self->proxy_switch, G_SIGNAL_MATCH_DATA,
                                   0, 0, NULL, NULL, self);
  gtk_switch_set_active (self->proxy_switch, on);
  gtk_switch_set_state (self->proxy_switch, on);
  g_signal_handlers_unblock_matched (self->proxy_switch, G_SIGNAL_MATCH_DATA,
                                     0, 0, NULL, NULL, self);
}

static void
update_state (SyAppOverviewPage *self)
{
  SydDaemon1 *daemon = syapp_client_get_daemon (self->client);
  const char *state = daemon != NULL ? syd_daemon1_get_state (daemon) : NULL;
  const char *reason = daemon != NULL ? syd_daemon1_get_state_reason (daemon) : NULL;
  const char *title;
  const char *icon;
  gboolean running = FALSE;

  if (g_strcmp0 (state, "running") == 0)
    {
      title = _("Proxy Running");
      icon = "network-transmit-receive-symbolic";
      running = TRUE;
    }
  else if (g_strcmp0 (state, "starting") == 0)
    {
      title = _("Proxy Starting…");
      icon = "network-idle-symbolic";
      running = TRUE;
    }
  else if (g_strcmp0 (state, "failed") == 0)
    {
      title = _("Proxy Failed");
      icon = "network-error-symbolic";
    }
  else if (state == NULL)
    {
      /* No service: the window shows why instead of this page. */
      title = _("Waiting for the Service…");
      icon = "network-offline-symbolic";
    }
  else
    {
      title = _("Proxy Stopped");
      icon = "network-offline-symbolic";
    }

  gtk_label_set_label (self->state_label, title);
  gtk_image_set_from_icon_name (self->state_icon, icon);
  gtk_label_set_label (self->reason_label, reason != NULL ? reason : "");
  gtk_widget_set_visible (GTK_WIDGET (self->reason_label), reason != NULL && reason[0] != '\0');

  if (g_strcmp0 (state, "failed") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->state_icon), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->state_icon), "error");
  if (running)
    gtk_widget_add_css_class (GTK_WIDGET (self->state_icon), "accent");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->state_icon), "accent");

  if (!self->switch_pending)
    set_switch (self, running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->proxy_switch), state != NULL);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->proxy_switch),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, title,
                                  -1);
}

static void
copy_address_cb (GtkButton *button)
{
  const char *address = g_object_get_data (G_OBJECT (button), "address");
  GtkWidget *toast_overlay;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (button)), address);

  toast_overlay = gtk_widget_get_ancestor (GTK_WIDGET (button), ADW_TYPE_TOAST_OVERLAY);
  if (toast_overlay != NULL)
    {
      AdwToast *toast = adw_toast_new (_("Address copied"));

      adw_toast_set_timeout (toast, 2);
      syapp_a11y_add_toast (toast_overlay, toast);
    }
}

static void
update_addresses (SyAppOverviewPage *self)
{
  SydDaemon1 *daemon = syapp_client_get_daemon (self->client);
  const char *const *addresses = daemon != NULL ? syd_daemon1_get_listen_addresses (daemon) : NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->listen_list))) != NULL)
    gtk_list_box_remove (self->listen_list, child);

  if (addresses == NULL || addresses[0] == NULL)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Not listening"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   _("Start the proxy to open its listening addresses"));
      gtk_widget_add_css_class (row, "dim-label");
      gtk_list_box_append (self->listen_list, row);
      return;
    }

  for (guint i = 0; addresses[i] != NULL; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button = gtk_button_new_from_icon_name ("edit-copy-symbolic");
      g_autofree char *label = g_strdup_printf (_("Copy %s"), addresses[i]);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), addresses[i]);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("SOCKS5 and HTTP"));
      gtk_widget_add_css_class (row, "monospace-title");
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (button, _("Copy Address"));
      gtk_widget_add_css_class (button, "flat");
      g_object_set_data_full (G_OBJECT (button), "address", g_strdup (addresses[i]), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (copy_address_cb), NULL);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
      /* Not "Copy 127.0.0.1:1080 127.0.0.1:1080" (the row's title again). */
      syapp_a11y_name_button (button, label);
      gtk_list_box_append (self->listen_list, row);
    }
}

/* Traffic -------------------------------------------------------------------*/

static void
set_label_bytes (GtkLabel *label,
                 guint64   bytes)
{
  g_autofree char *text = syapp_format_bytes (bytes);

  gtk_label_set_label (label, text);
}

static void
show_rates (SyAppOverviewPage *self,
            guint64            up,
            guint64            down)
{
  g_autofree char *up_rate = syapp_format_rate (up);
  g_autofree char *down_rate = syapp_format_rate (down);
  /* Translators: the current download rate next to the graph */
  g_autofree char *down_text = g_strdup_printf (_("↓ %s"), down_rate);
  /* Translators: the current upload rate next to the graph */
  g_autofree char *up_text = g_strdup_printf (_("↑ %s"), up_rate);
  g_autofree char *down_a11y = g_strdup_printf (_("Download rate %s"), down_rate);
  g_autofree char *up_a11y = g_strdup_printf (_("Upload rate %s"), up_rate);

  gtk_label_set_label (self->rate_down_label, down_text);
  gtk_label_set_label (self->rate_up_label, up_text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->rate_down_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, down_a11y, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->rate_up_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, up_a11y, -1);
}

/* A Traffic sample or a GetTraffic reply: the keys overlap. */
static void
apply_traffic (SyAppOverviewPage *self,
               GVariant          *traffic,
               gboolean           is_sample)
{
  g_autoptr(GVariant) sessions_total = g_variant_lookup_value (traffic, "sessions-total", NULL);
  g_autofree char *active = NULL;
  guint64 up = syapp_variant_get_uint (traffic, "rate-up");
  guint64 down = syapp_variant_get_uint (traffic, "rate-down");

  if (is_sample)
    {
      syapp_traffic_history_add (self->history, syapp_variant_get_int (traffic, "timestamp", 0),
                                 up, down);
      syapp_traffic_graph_changed (self->graph);
    }

  show_rates (self, up, down);
  set_label_bytes (self->total_up_label, syapp_variant_get_uint (traffic, "total-up"));
  set_label_bytes (self->total_down_label, syapp_variant_get_uint (traffic, "total-down"));
  active = syapp_format_count (syapp_variant_get_uint (traffic, "active"));
  gtk_label_set_label (self->active_label, active);

  if (sessions_total != NULL)
    {
      g_autofree char *total = syapp_format_count (syapp_variant_get_uint (traffic,
                                                                          "sessions-total"));
      g_autofree char *failed = syapp_format_count (syapp_variant_get_uint (traffic,
                                                                           "sessions-failed"));
      /* Translators: connections since the service started, and how many
       * of them failed, e.g. "1,204 (3 failed)" */
      g_autofree char *text = g_strdup_printf (_("%s (%s failed)"), total, failed);

      gtk_label_set_label (self->sessions_total_label, text);
    }
}

static void
get_traffic_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SyAppOverviewPage) self = user_data;
  g_autoptr(GVariant) traffic = NULL;
  g_autoptr(GError) error = NULL;

  self->traffic_pending = FALSE;
  if (!syd_daemon1_call_get_traffic_finish (SYD_DAEMON1 (source), &traffic, result, &error))
    {
      /* Polled, not asked for by the user: a vanished service shows as
       * the status page, not as an error here. */
      if (!syapp_error_is_cancelled (error))
        g_debug ("GetTraffic: %s", error->message);
      return;
    }

  apply_traffic (self, traffic, FALSE);
}

static void
refresh_traffic (SyAppOverviewPage *self)
{
  SydDaemon1 *daemon = syapp_client_get_daemon (self->client);

  if (daemon == NULL || self->traffic_pending ||
      syapp_client_get_status (self->client) != SYAPP_SERVICE_READY)
    return;

  self->traffic_pending = TRUE;
  syd_daemon1_call_get_traffic (daemon, G_DBUS_CALL_FLAGS_NONE, -1, syapp_client_get_cancellable (self->client),
                                get_traffic_cb, g_object_ref (self));
}

static void
traffic_cb (SyAppOverviewPage *self,
            GVariant          *sample)
{
  apply_traffic (self, sample, TRUE);
  /* The sample lacks the session totals; fetch them while someone looks. */
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    refresh_traffic (self);
}

/* The switch -----------------------------------------------------------------*/

static void
start_stop_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SyAppOverviewPage) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean starting = gtk_switch_get_active (self->proxy_switch);
  gboolean ok;

  if (starting)
    ok = syd_daemon1_call_start_finish (SYD_DAEMON1 (source), result, &error);
  else
    ok = syd_daemon1_call_stop_finish (SYD_DAEMON1 (source), result, &error);

  self->switch_pending = FALSE;
  if (!ok)
    {
      syapp_client_report_error (self->client,
                                 starting ? _("Could not start the proxy")
                                          : _("Could not stop the proxy"),
                                 error);
      update_state (self);
      return;
    }

  /* The service did it; its State property follows on its own. */
  gtk_switch_set_state (self->proxy_switch, starting);
}

static gboolean
proxy_switch_state_set_cb (SyAppOverviewPage *self,
                           gboolean           state)
{
  SydDaemon1 *daemon = syapp_client_get_daemon (self->client);
  GCancellable *cancellable = syapp_client_get_cancellable (self->client);

  if (daemon == NULL || self->switch_pending)
    return TRUE;

  self->switch_pending = TRUE;
  if (state)
    syd_daemon1_call_start (daemon, G_DBUS_CALL_FLAGS_NONE, -1, cancellable, start_stop_cb, g_object_ref (self));
  else
    syd_daemon1_call_stop (daemon, G_DBUS_CALL_FLAGS_NONE, -1, cancellable, start_stop_cb, g_object_ref (self));

  /* The state follows the service's State property, not the click. */
  return TRUE;
}

/* The client -----------------------------------------------------------------*/

static void
generation_cb (SyAppOverviewPage *self)
{
  /* A new service instance counts from zero. */
  syapp_traffic_history_clear (self->history);
  syapp_traffic_graph_changed (self->graph);
  refresh_traffic (self);
}

static void
status_cb (SyAppOverviewPage *self)
{
  update_state (self);
  update_addresses (self);
  if (syapp_client_get_status (self->client) == SYAPP_SERVICE_READY)
    refresh_traffic (self);
}

static void
daemon_properties_cb (SyAppOverviewPage *self)
{
  update_state (self);
  update_addresses (self);
}

static void
connect_daemon (SyAppOverviewPage *self)
{
  SydDaemon1 *daemon = syapp_client_get_daemon (self->client);

  if (daemon == NULL || g_object_get_data (G_OBJECT (daemon), "syapp-overview") == self)
    return;

  g_object_set_data (G_OBJECT (daemon), "syapp-overview", self);
  g_signal_connect_object (daemon, "g-properties-changed",
                           G_CALLBACK (daemon_properties_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (daemon, "traffic",
                           G_CALLBACK (traffic_cb), self, G_CONNECT_SWAPPED);
}

static void
client_status_cb (SyAppOverviewPage *self)
{
  connect_daemon (self);
  status_cb (self);
}

void
syapp_overview_page_set_client (SyAppOverviewPage *self,
                                SyAppClient       *client)
{
  g_return_if_fail (SYAPP_IS_OVERVIEW_PAGE (self));
  g_return_if_fail (SYAPP_IS_CLIENT (client));
  g_return_if_fail (self->client == NULL);

  self->client = g_object_ref (client);
  g_signal_connect_object (client, "notify::status",
                           G_CALLBACK (client_status_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "notify::generation",
                           G_CALLBACK (generation_cb), self, G_CONNECT_SWAPPED);
  client_status_cb (self);
}

/* GObject --------------------------------------------------------------------*/

static void
syapp_overview_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (syapp_overview_page_parent_class)->map (widget);

  refresh_traffic (SYAPP_OVERVIEW_PAGE (widget));
}

static void
syapp_overview_page_dispose (GObject *object)
{
  SyAppOverviewPage *self = SYAPP_OVERVIEW_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SYAPP_TYPE_OVERVIEW_PAGE);
  g_clear_object (&self->client);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (syapp_overview_page_parent_class)->dispose (object);
}

static void
syapp_overview_page_finalize (GObject *object)
{
  SyAppOverviewPage *self = SYAPP_OVERVIEW_PAGE (object);

  g_clear_pointer (&self->history, syapp_traffic_history_free);

  G_OBJECT_CLASS (syapp_overview_page_parent_class)->finalize (object);
}

static void
syapp_overview_page_class_init (SyAppOverviewPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = syapp_overview_page_dispose;
  object_class->finalize = syapp_overview_page_finalize;
  widget_class->map = syapp_overview_page_map;

  g_type_ensure (SYAPP_TYPE_TRAFFIC_GRAPH);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/switchyard/Switchyard/syapp-overview-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SyAppOverviewPage, state_icon);
  gtk_widget_class_bind_template_child (widget_class, SyAppOverviewPage, state_label);
  gtk_widget_class_bind_template_child (widget_class, SyAppOverviewPage, reason_label);
  gtk_widget_class_bind_template_child (widget_class, SyAppOverviewPage, proxy_switch);
  gtk_widget_class_bind_template_child (widget_class, SyAppOverviewPage, listen_list);
  gtk_widget_class_bind_template_child (widget_class, SyAppOverviewPage, graph);
  gtk_widget_class_bind_template_child (widget_class, SyAppOverviewPage, rate_down_label);
  gtk_widget_class_bind_template_child (widget_class, SyAppOverviewPage, rate_up_label);
  gtk_widget_class_bind_template_child (widget_class, SyAppOverviewPage, active_label);
  gtk_widget_class_bind_template_child (widget_class, SyAppOverviewPage, total_down_label);
  gtk_widget_class_bind_template_child (widget_class, SyAppOverviewPage, total_up_label);
  gtk_widget_class_bind_template_child (widget_class, SyAppOverviewPage, sessions_total_label);
  gtk_widget_class_bind_template_callback (widget_class, proxy_switch_state_set_cb);
}

static void
syapp_overview_page_init (SyAppOverviewPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->history = syapp_traffic_history_new ();
  syapp_traffic_graph_set_history (self->graph, self->history);
  show_rates (self, 0, 0);

  self->settings = g_settings_new (APP_ID);
  g_settings_bind (self->settings, "traffic-minutes", self->graph, "span", G_SETTINGS_BIND_GET);
}
