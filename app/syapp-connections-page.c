/* syapp-connections-page.c — live connections and the finished-connection log
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two column views over a SyAppSessionModel, each through a search filter
 * and the view's own sorter. Cells bind to the items' properties, so a
 * batch redraws only the cells whose values moved; sorting and filtering by
 * values that change in place are refreshed at most once a second.
 */

#include "config.h"

#define G_LOG_DOMAIN "syapp-connections"

#include <glib/gi18n.h>

#include "syapp-a11y.h"
#include "syapp-connections-page.h"
#include "syapp-format.h"
#include "syapp-session-model.h"
#include "syapp-window.h"

/* How often sorting and filtering catch up with values changing in place,
 * and how often live durations grow. */
#define REFRESH_MS 1000

struct _SyAppConnectionsPage
{
  AdwBin              parent_instance;

  SyAppClient        *client;
  SyAppSessionModel  *model;
  GSettings          *settings;
  GtkCustomFilter    *filter;
  GtkFilterListModel *live_filtered;
  GtkFilterListModel *finished_filtered;
  GtkSingleSelection *live_selection;
  char               *needle;
  guint               tick_id;
  gboolean            dirty;
  gboolean            needs_fetch;

  GtkSearchEntry     *search_entry;
  GtkLabel           *count_label;
  GtkButton          *close_shown_button;
  GtkStack           *views;
  GtkStack           *live_stack;
  GtkColumnView      *live_view;
  GtkColumnView      *finished_view;
  GtkColumnViewColumn *live_target_column;
  GtkColumnViewColumn *finished_time_column;
};

G_DEFINE_FINAL_TYPE (SyAppConnectionsPage, syapp_connections_page, ADW_TYPE_BIN)

/* Cell closures (see the .ui) -------------------------------------------------*/

static char *
format_bytes_cb (gpointer unused,
                 guint64  bytes)
{
  return syapp_format_bytes (bytes);
}

static char *
format_duration_cb (gpointer unused,
                    gint64   milliseconds)
{
  return syapp_format_duration (milliseconds);
}

static char *
format_time_cb (gpointer unused,
                gint64   finished)
{
  return finished > 0 ? syapp_format_time (finished) : g_strdup ("");
}

static char *
format_result_cb (gpointer    unused,
                  const char *error)
{
  /* Translators: how a finished connection ended, when it ended normally */
  return g_strdup (error != NULL && error[0] != '\0' ? error : C_("connection", "Closed"));
}

/* Counting and filtering ------------------------------------------------------*/

static gboolean
showing_live (SyAppConnectionsPage *self)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->views), "live") == 0;
}

static void
update_counts (SyAppConnectionsPage *self)
{
  GListModel *all = showing_live (self) ? syapp_session_model_get_live (self->model)
                                        : syapp_session_model_get_finished (self->model);
  GListModel *shown = showing_live (self) ? G_LIST_MODEL (self->live_filtered)
                                          : G_LIST_MODEL (self->finished_filtered);
  guint n_all = g_list_model_get_n_items (all);
  guint n_shown = g_list_model_get_n_items (shown);
  g_autofree char *text = NULL;

  if (self->needle != NULL && self->needle[0] != '\0')
    /* Translators: connections matching the search, of all, e.g. "3 of 40" */
    text = g_strdup_printf (_("%u of %u"), n_shown, n_all);
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u connection", "%u connections",
                                         n_all), n_all);
  gtk_label_set_label (self->count_label, text);

  gtk_widget_set_sensitive (GTK_WIDGET (self->close_shown_button),
                            showing_live (self) && n_shown > 0);
  gtk_stack_set_visible_child_name (self->live_stack,
                                    g_list_model_get_n_items (syapp_session_model_get_live (
                                                                self->model)) > 0 ? "list"
                                                                                  : "empty");
}

static gboolean
filter_func (gpointer item,
             gpointer user_data)
{
  SyAppConnectionsPage *self = user_data;

  return syapp_session_matches (SYAPP_SESSION (item), self->needle);
}

static void
search_changed_cb (SyAppConnectionsPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  g_free (self->needle);
  self->needle = g_utf8_casefold (text, -1);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_counts (self);
}

static void
stop_search_cb (SyAppConnectionsPage *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

static void
view_changed_cb (SyAppConnectionsPage *self)
{
  update_counts (self);
}

static void
refresh_order (SyAppConnectionsPage *self)
{
  GtkSorter *sorter;

  if (!self->dirty)
    return;
  self->dirty = FALSE;

  /* Sorters and filters do not watch item properties; bytes and durations
   * change in place, so ask them to look again. */
  sorter = gtk_column_view_get_sorter (showing_live (self) ? self->live_view
                                                           : self->finished_view);
  if (sorter != NULL)
    gtk_sorter_changed (sorter, GTK_SORTER_CHANGE_DIFFERENT);
  if (self->needle != NULL && self->needle[0] != '\0')
    gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static gboolean
tick_cb (gpointer user_data)
{
  SyAppConnectionsPage *self = user_data;

  syapp_session_model_tick (self->model, g_get_real_time ());
  refresh_order (self);
  return G_SOURCE_CONTINUE;
}

static void
model_updated_cb (SyAppConnectionsPage *self)
{
  self->dirty = TRUE;
  update_counts (self);
}

/* Closing ---------------------------------------------------------------------*/

static void
close_session (SyAppConnectionsPage *self,
               SyAppSession         *session)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "app.close-session", "t",
                              syapp_session_get_id (session));
}

static void
close_button_clicked_cb (GtkButton            *button,
                         SyAppConnectionsPage *self)
{
  GtkListItem *item = g_object_get_data (G_OBJECT (button), "list-item");
  SyAppSession *session = gtk_list_item_get_item (item);

  if (session != NULL)
    close_session (self, session);
}

static gboolean
close_selected_cb (GtkWidget *widget,
                   GVariant  *args,
                   gpointer   user_data)
{
  SyAppConnectionsPage *self = user_data;
  SyAppSession *session = gtk_single_selection_get_selected_item (self->live_selection);

  if (session == NULL)
    return FALSE;
  close_session (self, session);
  return TRUE;
}

static void
close_sessions_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SyAppConnectionsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  guint count = 0;
  GtkWidget *overlay;

  if (!syd_sessions1_call_close_sessions_finish (SYD_SESSIONS1 (source), &count, result, &error))
    {
      syapp_client_report_error (self->client, _("Could not close the connections"), error);
      return;
    }

  overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  if (overlay != NULL)
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "Closed %u connection",
                                                            "Closed %u connections", count),
                                               count);

      syapp_a11y_add_toast (overlay, adw_toast_new (text));
    }
}

static void
close_matching (SyAppConnectionsPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  SydSessions1 *sessions = syapp_client_get_sessions (self->client);

  if (sessions == NULL)
    return;

  /* The service matches the same fields in the same way (see
   * syapp_session_matches()), so this closes what is shown. */
  syd_sessions1_call_close_sessions (sessions, text, G_DBUS_CALL_FLAGS_NONE, -1, syapp_client_get_cancellable (self->client),
                                     close_sessions_cb, g_object_ref (self));
}

static void
confirm_close_all_cb (AdwMessageDialog     *dialog,
                      const char           *response,
                      SyAppConnectionsPage *self)
{
  if (g_strcmp0 (response, "close") == 0)
    close_matching (self);
}

static void
close_shown_cb (SyAppConnectionsPage *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->live_filtered));
  GtkWidget *dialog;
  g_autofree char *body = NULL;

  if (self->needle != NULL && self->needle[0] != '\0')
    {
      close_matching (self);
      return;
    }

  /* Everything, with nothing typed: worth a second thought. */
  body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "The %u open connection through the proxy will be cut.",
                                       "All %u open connections through the proxy will be cut.",
                                       n), n);
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                   _("Close All Connections?"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "close", _("C_lose All"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "close",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  syapp_a11y_fix_tree (dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirm_close_all_cb), self, 0);
  syapp_present_dialog (GTK_WINDOW (dialog), GTK_WIDGET (self));
}

/* The close column: a button per row, named for its connection. */

static void
close_cell_setup_cb (GtkSignalListItemFactory *factory,
                     GtkListItem              *item,
                     SyAppConnectionsPage     *self)
{
  GtkWidget *button = gtk_button_new_from_icon_name ("window-close-symbolic");

  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "circular");
  gtk_widget_set_halign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, _("Close Connection"));
  g_object_set_data (G_OBJECT (button), "list-item", item);
  g_signal_connect (button, "clicked", G_CALLBACK (close_button_clicked_cb), self);
  gtk_list_item_set_child (item, button);
}

static void
close_cell_bind_cb (GtkSignalListItemFactory *factory,
                    GtkListItem              *item,
                    SyAppConnectionsPage     *self)
{
  SyAppSession *session = gtk_list_item_get_item (item);
  /* Translators: the accessible name of a connection's close button */
  g_autofree char *label = g_strdup_printf (_("Close the connection to %s"),
                                            syapp_session_get_target (session));

  gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_list_item_get_child (item)),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
}

static void
add_close_column (SyAppConnectionsPage *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;

  g_signal_connect (factory, "setup", G_CALLBACK (close_cell_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (close_cell_bind_cb), self);
  column = gtk_column_view_column_new (NULL, factory);
  gtk_column_view_column_set_fixed_width (column, 48);
  gtk_column_view_append_column (self->live_view, column);
  g_object_unref (column);
}

/* The service -----------------------------------------------------------------*/

static void
list_sessions_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SyAppConnectionsPage) self = user_data;
  g_autoptr(GVariant) sessions = NULL;
  g_autoptr(GError) error = NULL;

  if (!syd_sessions1_call_list_sessions_finish (SYD_SESSIONS1 (source), &sessions, result,
                                                &error))
    {
      if (!syapp_error_is_cancelled (error))
        g_debug ("ListSessions: %s", error->message);
      return;
    }
  syapp_session_model_reset_live (self->model, sessions);
}

static void
connection_log_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SyAppConnectionsPage) self = user_data;
  g_autoptr(GVariant) sessions = NULL;
  g_autoptr(GError) error = NULL;

  if (!syd_sessions1_call_get_connection_log_finish (SYD_SESSIONS1 (source), &sessions, result,
                                                     &error))
    {
      if (!syapp_error_is_cancelled (error))
        g_debug ("GetConnectionLog: %s", error->message);
      return;
    }
  syapp_session_model_reset_finished (self->model, sessions);
}

static void
sessions_changed_cb (SyAppConnectionsPage *self,
                     GVariant             *changed,
                     GVariant             *removed)
{
  syapp_session_model_apply (self->model, changed, removed);
}

static void
refetch (SyAppConnectionsPage *self)
{
  SydSessions1 *sessions = syapp_client_get_sessions (self->client);
  GCancellable *cancellable = syapp_client_get_cancellable (self->client);

  if (sessions == NULL || syapp_client_get_status (self->client) != SYAPP_SERVICE_READY)
    return;

  syd_sessions1_call_list_sessions (sessions, G_DBUS_CALL_FLAGS_NONE, -1, cancellable, list_sessions_cb,
                                    g_object_ref (self));
  syd_sessions1_call_get_connection_log (sessions,
                                         g_settings_get_uint (self->settings,
                                                              "finished-connections"),
                                         G_DBUS_CALL_FLAGS_NONE, -1, cancellable, connection_log_cb, g_object_ref (self));
}

static void
client_status_cb (SyAppConnectionsPage *self)
{
  SydSessions1 *sessions = syapp_client_get_sessions (self->client);

  if (sessions != NULL && g_object_get_data (G_OBJECT (sessions), "syapp-connections") != self)
    {
      g_object_set_data (G_OBJECT (sessions), "syapp-connections", self);
      g_signal_connect_object (sessions, "sessions-changed",
                               G_CALLBACK (sessions_changed_cb), self, G_CONNECT_SWAPPED);
    }

  if (syapp_client_get_status (self->client) != SYAPP_SERVICE_READY)
    syapp_session_model_clear_live (self->model);
}

static void
generation_cb (SyAppConnectionsPage *self)
{
  client_status_cb (self);
  /* The generation moves before the status becomes READY; fetch on READY. */
  self->needs_fetch = TRUE;
}

static void
ready_cb (SyAppConnectionsPage *self)
{
  client_status_cb (self);
  if (syapp_client_get_status (self->client) == SYAPP_SERVICE_READY && self->needs_fetch)
    {
      self->needs_fetch = FALSE;
      refetch (self);
    }
}

void
syapp_connections_page_set_client (SyAppConnectionsPage *self,
                                   SyAppClient          *client)
{
  g_return_if_fail (SYAPP_IS_CONNECTIONS_PAGE (self));
  g_return_if_fail (SYAPP_IS_CLIENT (client));
  g_return_if_fail (self->client == NULL);

  self->client = g_object_ref (client);
  g_signal_connect_object (client, "notify::generation",
                           G_CALLBACK (generation_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "notify::status",
                           G_CALLBACK (ready_cb), self, G_CONNECT_SWAPPED);
  if (syapp_client_get_generation (client) > 0)
    generation_cb (self);
  ready_cb (self);
}

void
syapp_connections_page_start_search (SyAppConnectionsPage *self)
{
  g_return_if_fail (SYAPP_IS_CONNECTIONS_PAGE (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* GObject ---------------------------------------------------------------------*/

static void
finished_limit_cb (SyAppConnectionsPage *self)
{
  syapp_session_model_set_finished_limit (self->model,
                                          g_settings_get_uint (self->settings,
                                                               "finished-connections"));
}

static void
syapp_connections_page_map (GtkWidget *widget)
{
  SyAppConnectionsPage *self = SYAPP_CONNECTIONS_PAGE (widget);

  GTK_WIDGET_CLASS (syapp_connections_page_parent_class)->map (widget);

  self->dirty = TRUE;
  tick_cb (self);
  self->tick_id = g_timeout_add (REFRESH_MS, tick_cb, self);
}

static void
syapp_connections_page_unmap (GtkWidget *widget)
{
  SyAppConnectionsPage *self = SYAPP_CONNECTIONS_PAGE (widget);

  g_clear_handle_id (&self->tick_id, g_source_remove);

  GTK_WIDGET_CLASS (syapp_connections_page_parent_class)->unmap (widget);
}

static void
syapp_connections_page_dispose (GObject *object)
{
  SyAppConnectionsPage *self = SYAPP_CONNECTIONS_PAGE (object);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), SYAPP_TYPE_CONNECTIONS_PAGE);
  g_clear_object (&self->client);
  g_clear_object (&self->settings);
  g_clear_object (&self->live_filtered);
  g_clear_object (&self->finished_filtered);
  g_clear_object (&self->live_selection);
  g_clear_object (&self->filter);
  g_clear_object (&self->model);

  G_OBJECT_CLASS (syapp_connections_page_parent_class)->dispose (object);
}

static void
syapp_connections_page_finalize (GObject *object)
{
  SyAppConnectionsPage *self = SYAPP_CONNECTIONS_PAGE (object);

  g_free (self->needle);

  G_OBJECT_CLASS (syapp_connections_page_parent_class)->finalize (object);
}

static void
syapp_connections_page_class_init (SyAppConnectionsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = syapp_connections_page_dispose;
  object_class->finalize = syapp_connections_page_finalize;
  widget_class->map = syapp_connections_page_map;
  widget_class->unmap = syapp_connections_page_unmap;

  g_type_ensure (SYAPP_TYPE_SESSION);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/switchyard/Switchyard/"
                                               "syapp-connections-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SyAppConnectionsPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SyAppConnectionsPage, count_label);
  gtk_widget_class_bind_template_child (widget_class, SyAppConnectionsPage, close_shown_button);
  gtk_widget_class_bind_template_child (widget_class, SyAppConnectionsPage, views);
  gtk_widget_class_bind_template_child (widget_class, SyAppConnectionsPage, live_stack);
  gtk_widget_class_bind_template_child (widget_class, SyAppConnectionsPage, live_view);
  gtk_widget_class_bind_template_child (widget_class, SyAppConnectionsPage, finished_view);
  gtk_widget_class_bind_template_child (widget_class, SyAppConnectionsPage, live_target_column);
  gtk_widget_class_bind_template_child (widget_class, SyAppConnectionsPage,
                                        finished_time_column);
  gtk_widget_class_bind_template_callback (widget_class, format_bytes_cb);
  gtk_widget_class_bind_template_callback (widget_class, format_duration_cb);
  gtk_widget_class_bind_template_callback (widget_class, format_time_cb);
  gtk_widget_class_bind_template_callback (widget_class, format_result_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, view_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, close_shown_cb);
}

static GtkSingleSelection *
build_view (SyAppConnectionsPage  *self,
            GtkColumnView         *view,
            GListModel            *items,
            GtkFilterListModel   **filtered_out)
{
  GtkFilterListModel *filtered;
  GtkSortListModel *sorted;
  GtkSingleSelection *selection;

  filtered = gtk_filter_list_model_new (g_object_ref (items),
                                        g_object_ref (GTK_FILTER (self->filter)));
  sorted = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (filtered)),
                                    g_object_ref (gtk_column_view_get_sorter (view)));
  selection = gtk_single_selection_new (G_LIST_MODEL (sorted));
  gtk_single_selection_set_autoselect (selection, FALSE);
  gtk_single_selection_set_can_unselect (selection, TRUE);
  gtk_column_view_set_model (view, GTK_SELECTION_MODEL (selection));

  *filtered_out = filtered;
  return selection;
}

static void
syapp_connections_page_init (SyAppConnectionsPage *self)
{
  g_autoptr(GtkSingleSelection) finished_selection = NULL;
  GtkEventController *shortcuts;

  gtk_widget_init_template (GTK_WIDGET (self));
  syapp_a11y_fix_tree (GTK_WIDGET (self));

  self->model = syapp_session_model_new ();
  self->settings = g_settings_new (APP_ID);
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);

  add_close_column (self);
  self->live_selection = build_view (self, self->live_view,
                                     syapp_session_model_get_live (self->model),
                                     &self->live_filtered);
  finished_selection = build_view (self, self->finished_view,
                                   syapp_session_model_get_finished (self->model),
                                   &self->finished_filtered);

  /* Oldest first reads like a log; the newest finished on top is what one
   * looks for after closing something. */
  gtk_column_view_sort_by_column (self->finished_view, self->finished_time_column,
                                  GTK_SORT_DESCENDING);

  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Delete,
                                                                                  0),
                                                          gtk_callback_action_new (
                                                            close_selected_cb, self, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self->live_view), shortcuts);

  g_signal_connect_object (self->model, "updated",
                           G_CALLBACK (model_updated_cb), self, G_CONNECT_SWAPPED);

  g_settings_bind (self->settings, "connections-view", self->views, "visible-child-name",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed::finished-connections",
                           G_CALLBACK (finished_limit_cb), self, G_CONNECT_SWAPPED);
  finished_limit_cb (self);

  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self));
  update_counts (self);
}
