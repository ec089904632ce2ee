/* syapp-window.c — the main window
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A header bar with the view switcher over two states: the pages, while the
 * service is there, or a status page that says why it is not and offers to
 * start it. Errors from the service arrive through the client and show as
 * toasts carrying the service's own message.
 */

#include "config.h"

#define G_LOG_DOMAIN "syapp-window"

#include <glib/gi18n.h>

#include "syapp-a11y.h"
#include "syapp-connections-page.h"
#include "syapp-logs-page.h"
#include "syapp-overview-page.h"
#include "syapp-upstreams-page.h"
#include "syapp-window.h"
#include "syapp-wireguard-page.h"

/* Long enough to read a sentence from the service twice. */
#define ERROR_TOAST_SECONDS 10

struct _SyAppWindow
{
  AdwApplicationWindow   parent_instance;

  SyAppClient           *client;
  GSettings             *settings;

  AdwToastOverlay       *toast_overlay;
  AdwViewSwitcherTitle  *switcher_title;
  AdwViewSwitcherBar    *switcher_bar;
  AdwStatusPage         *service_page;
  GtkSpinner            *service_spinner;
  GtkButton             *service_button;
  AdwViewStack          *view_stack;
  SyAppOverviewPage     *overview_page;
  SyAppUpstreamsPage    *upstreams_page;
  SyAppWireguardPage    *wireguard_page;
  SyAppConnectionsPage  *connections_page;
  SyAppLogsPage         *logs_page;
};

enum {
  PROP_0,
  PROP_CLIENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SyAppWindow, syapp_window, ADW_TYPE_APPLICATION_WINDOW)

/* Service status ------------------------------------------------------------*/

static gboolean
showing_pages (SyAppWindow *self)
{
  return gtk_widget_get_visible (GTK_WIDGET (self->view_stack));
}

/* One or the other, hidden rather than stacked: a hidden widget is not
 * "visible" to assistive technologies either. */
static void
show_pages (SyAppWindow *self,
            gboolean     pages)
{
  gtk_widget_set_visible (GTK_WIDGET (self->view_stack), pages);
  gtk_widget_set_visible (GTK_WIDGET (self->service_page), !pages);
}

static void
update_switcher_bar (SyAppWindow *self)
{
  adw_view_switcher_bar_set_reveal (self->switcher_bar,
                                    showing_pages (self) &&
                                    adw_view_switcher_title_get_title_visible (self->switcher_title));
}

static void
update_service_status (SyAppWindow *self)
{
  SyAppServiceStatus status = syapp_client_get_status (self->client);
  const char *message = syapp_client_get_status_message (self->client);
  const char *title = NULL;
  const char *icon = "dev.switchyard.Switchyard-symbolic";
  const char *button = NULL;
  gboolean busy = FALSE;

  switch (status)
    {
    case SYAPP_SERVICE_READY:
      break;

    case SYAPP_SERVICE_CONNECTING:
      title = _("Starting the Service…");
      busy = TRUE;
      break;

    case SYAPP_SERVICE_STOPPED:
      title = _("The Service Is Not Running");
      icon = "network-offline-symbolic";
      button = _("_Start Service");
      break;

    case SYAPP_SERVICE_MISSING:
      title = _("The Service Is Not Installed");
      icon = "dialog-warning-symbolic";
      button = _("_Try Again");
      break;

    case SYAPP_SERVICE_FAILED:
      title = _("The Service Could Not Start");
      icon = "dialog-error-symbolic";
      button = _("_Try Again");
      break;

    default:
      g_assert_not_reached ();
    }

  if (status == SYAPP_SERVICE_READY)
    {
      show_pages (self, TRUE);
      adw_view_switcher_title_set_view_switcher_enabled (self->switcher_title, TRUE);
      gtk_spinner_stop (self->service_spinner);
      update_switcher_bar (self);
      return;
    }

  adw_status_page_set_title (self->service_page, title);
  adw_status_page_set_description (self->service_page, message);
  adw_status_page_set_icon_name (self->service_page, icon);
  gtk_widget_set_visible (GTK_WIDGET (self->service_spinner), busy);
  gtk_spinner_set_spinning (self->service_spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->service_button), button != NULL);
  if (button != NULL)
    {
      gtk_button_set_label (self->service_button, button);
      syapp_a11y_fix_tree (GTK_WIDGET (self->service_button));
    }

  adw_view_switcher_title_set_view_switcher_enabled (self->switcher_title, FALSE);
  show_pages (self, FALSE);
  update_switcher_bar (self);

  if (button != NULL && gtk_widget_get_mapped (GTK_WIDGET (self)))
    gtk_widget_grab_focus (GTK_WIDGET (self->service_button));
}

/* Toasts --------------------------------------------------------------------*/

void
syapp_window_add_toast (SyAppWindow *self,
                        const char  *message)
{
  g_autofree char *escaped = NULL;
  AdwToast *toast;

  g_return_if_fail (SYAPP_IS_WINDOW (self));

  /* Toast titles are markup in libadwaita 1.2. */
  escaped = g_markup_escape_text (message, -1);
  toast = adw_toast_new (escaped);
  syapp_a11y_add_toast (GTK_WIDGET (self->toast_overlay), toast);
}

/* A service error: the whole message matters, so it wraps instead of
 * being cut off, and it stays longer. */
void
syapp_window_show_error (SyAppWindow *self,
                         const char  *message)
{
  GtkWidget *label;
  AdwToast *toast;

  g_return_if_fail (SYAPP_IS_WINDOW (self));

  label = gtk_label_new (message);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 60);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");

  toast = adw_toast_new (message);
  adw_toast_set_custom_title (toast, label);
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_set_timeout (toast, ERROR_TOAST_SECONDS);
  syapp_a11y_add_toast (GTK_WIDGET (self->toast_overlay), toast);
}

static void
client_error_cb (SyAppWindow *self,
                 const char  *message)
{
  syapp_window_show_error (self, message);
}

/* Pages ---------------------------------------------------------------------*/

void
syapp_window_show_page (SyAppWindow *self,
                        const char  *name)
{
  g_return_if_fail (SYAPP_IS_WINDOW (self));

  if (adw_view_stack_get_child_by_name (self->view_stack, name) == NULL)
    {
      g_debug ("no page named %s", name);
      return;
    }
  adw_view_stack_set_visible_child_name (self->view_stack, name);
}

static void
visible_page_cb (SyAppWindow *self)
{
  const char *name = adw_view_stack_get_visible_child_name (self->view_stack);

  if (name != NULL && self->settings != NULL)
    g_settings_set_string (self->settings, "page", name);
}

static void
show_page_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  syapp_window_show_page (SYAPP_WINDOW (user_data), g_variant_get_string (parameter, NULL));
}

static void
search_action (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  SyAppWindow *self = SYAPP_WINDOW (user_data);
  const char *page = adw_view_stack_get_visible_child_name (self->view_stack);

  if (!showing_pages (self))
    return;

  if (g_strcmp0 (page, "logs") == 0)
    syapp_logs_page_start_search (self->logs_page);
  else
    {
      syapp_window_show_page (self, "connections");
      syapp_connections_page_start_search (self->connections_page);
    }
}

static void
add_upstream_action (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  SyAppWindow *self = SYAPP_WINDOW (user_data);

  if (!showing_pages (self))
    return;

  syapp_window_show_page (self, "upstreams");
  syapp_upstreams_page_add_upstream (self->upstreams_page);
}

static void
toggle_proxy_action (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  SyAppWindow *self = SYAPP_WINDOW (user_data);
  SydDaemon1 *daemon = syapp_client_get_daemon (self->client);
  const char *state;

  if (daemon == NULL || syapp_client_get_status (self->client) != SYAPP_SERVICE_READY)
    return;

  state = syd_daemon1_get_state (daemon);
  g_action_group_activate_action (G_ACTION_GROUP (gtk_window_get_application (GTK_WINDOW (self))),
                                  g_strcmp0 (state, "running") == 0 ||
                                  g_strcmp0 (state, "starting") == 0 ? "stop-proxy"
                                                                     : "start-proxy",
                                  NULL);
}

/* Made on demand and destroyed on close (see syapp_present_dialog()), not
 * the hidden window GtkApplication would keep for gtk/help-overlay.ui. */
static void
show_help_overlay_action (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  SyAppWindow *self = SYAPP_WINDOW (user_data);
  g_autoptr(GtkBuilder) builder = NULL;
  GtkWindow *shortcuts;

  builder = gtk_builder_new_from_resource ("/dev/switchyard/Switchyard/"
                                           "syapp-shortcuts-window.ui");
  shortcuts = GTK_WINDOW (gtk_builder_get_object (builder, "shortcuts_window"));
  syapp_present_dialog (shortcuts, GTK_WIDGET (self));
}

static const GActionEntry win_actions[] = {
  { "show-page", show_page_action, "s", NULL, NULL, { 0 } },
  { "show-help-overlay", show_help_overlay_action, NULL, NULL, NULL, { 0 } },
  { "search", search_action, NULL, NULL, NULL, { 0 } },
  { "add-upstream", add_upstream_action, NULL, NULL, NULL, { 0 } },
  { "toggle-proxy", toggle_proxy_action, NULL, NULL, NULL, { 0 } },
};

/* Files given on the command line or by a file manager: WireGuard
 * configurations. */
void
syapp_window_import_files (SyAppWindow  *self,
                           GFile       **files,
                           int           n_files)
{
  g_return_if_fail (SYAPP_IS_WINDOW (self));

  syapp_window_show_page (self, "wireguard");
  for (int i = 0; i < n_files; i++)
    syapp_wireguard_page_import_file (self->wireguard_page, files[i]);
}

/* Dialogs -------------------------------------------------------------------*/

/* Shows @dialog over the window holding @from. The dialog joins the
 * application too, so it counts among its windows (app.screenshot, the
 * Background Apps list).
 *
 * Dialogs are made when needed and destroyed when closed, never kept
 * hidden: GTK 4.8's AT-SPI root answers a request for a window index past
 * the visible ones with the last toplevel it has, and when that is a
 * hidden, unrealized window it sends a null object path and crashes. Screen
 * readers ask with stale indices right after a dialog closes. */
void
syapp_present_dialog (GtkWindow *dialog,
                      GtkWidget *from)
{
  GtkRoot *root = gtk_widget_get_root (from);

  g_return_if_fail (GTK_IS_WINDOW (dialog));

  if (GTK_IS_WINDOW (root))
    {
      gtk_window_set_transient_for (dialog, GTK_WINDOW (root));
      if (gtk_window_get_application (GTK_WINDOW (root)) != NULL)
        gtk_window_set_application (dialog, gtk_window_get_application (GTK_WINDOW (root)));
    }
  gtk_window_present (dialog);
}

/* GObject -------------------------------------------------------------------*/

static void
syapp_window_constructed (GObject *object)
{
  SyAppWindow *self = SYAPP_WINDOW (object);
  g_autofree char *page = NULL;

  G_OBJECT_CLASS (syapp_window_parent_class)->constructed (object);

  g_assert (self->client != NULL);

  syapp_overview_page_set_client (self->overview_page, self->client);
  syapp_upstreams_page_set_client (self->upstreams_page, self->client);
  syapp_wireguard_page_set_client (self->wireguard_page, self->client);
  syapp_connections_page_set_client (self->connections_page, self->client);
  syapp_logs_page_set_client (self->logs_page, self->client);

  g_signal_connect_object (self->client, "notify::status",
                           G_CALLBACK (update_service_status), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->client, "error",
                           G_CALLBACK (client_error_cb), self, G_CONNECT_SWAPPED);
  update_service_status (self);

  page = g_settings_get_string (self->settings, "page");
  syapp_window_show_page (self, page);
}

static void
syapp_window_dispose (GObject *object)
{
  SyAppWindow *self = SYAPP_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SYAPP_TYPE_WINDOW);
  g_clear_object (&self->client);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (syapp_window_parent_class)->dispose (object);
}

static void
syapp_window_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  SyAppWindow *self = SYAPP_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syapp_window_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  SyAppWindow *self = SYAPP_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syapp_window_class_init (SyAppWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = syapp_window_constructed;
  object_class->dispose = syapp_window_dispose;
  object_class->get_property = syapp_window_get_property;
  object_class->set_property = syapp_window_set_property;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL,
                         SYAPP_TYPE_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (SYAPP_TYPE_OVERVIEW_PAGE);
  g_type_ensure (SYAPP_TYPE_UPSTREAMS_PAGE);
  g_type_ensure (SYAPP_TYPE_WIREGUARD_PAGE);
  g_type_ensure (SYAPP_TYPE_CONNECTIONS_PAGE);
  g_type_ensure (SYAPP_TYPE_LOGS_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/switchyard/Switchyard/syapp-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SyAppWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SyAppWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, SyAppWindow, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, SyAppWindow, service_page);
  gtk_widget_class_bind_template_child (widget_class, SyAppWindow, service_spinner);
  gtk_widget_class_bind_template_child (widget_class, SyAppWindow, service_button);
  gtk_widget_class_bind_template_child (widget_class, SyAppWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, SyAppWindow, overview_page);
  gtk_widget_class_bind_template_child (widget_class, SyAppWindow, upstreams_page);
  gtk_widget_class_bind_template_child (widget_class, SyAppWindow, wireguard_page);
  gtk_widget_class_bind_template_child (widget_class, SyAppWindow, connections_page);
  gtk_widget_class_bind_template_child (widget_class, SyAppWindow, logs_page);
  gtk_widget_class_bind_template_callback (widget_class, visible_page_cb);
  gtk_widget_class_bind_template_callback (widget_class, update_switcher_bar);
}

static void
syapp_window_init (SyAppWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  syapp_a11y_fix_tree (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  g_settings_bind (self->settings, "window-width", self, "default-width",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized",
                   G_SETTINGS_BIND_DEFAULT);

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions,
                                   G_N_ELEMENTS (win_actions), self);

  if (g_str_has_suffix (APP_ID, ".Devel"))
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

SyAppWindow *
syapp_window_new (AdwApplication *application,
                  SyAppClient    *client)
{
  g_return_val_if_fail (ADW_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (SYAPP_IS_CLIENT (client), NULL);

  return g_object_new (SYAPP_TYPE_WINDOW,
                       "application", application,
                       "client", client,
                       NULL);
}
