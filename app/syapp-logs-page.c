/* syapp-logs-page.c — the service's live log
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Follows the Log signal and fills gaps with GetLog, as the API suggests:
 * serials grow by one per message, so a jump means messages were missed
 * (the app started late, or the bus dropped nothing but we were busy) and
 * the gap is fetched in one call; until its reply comes, signals are
 * skipped, because the reply holds them. A new service instance starts at
 * serial 1 again; the app marks the boundary with a line of its own.
 *
 * The list keeps the last log-lines entries. It follows the end while the
 * view is scrolled to the bottom, and stays put while the user reads.
 */

#include "config.h"

#define G_LOG_DOMAIN "syapp-logs"

#include <glib/gi18n.h>

#include "syapp-a11y.h"
#include "syapp-log-entry.h"
#include "syapp-logs-page.h"

/* The app's own lines (service started/stopped) use this domain. */
#define APP_DOMAIN "switchyard"

/* GSettings log-level values, and the least SyAppLogEntry rank each shows:
 * "error" also shows critical, which is as severe as an error for people. */
static const struct
{
  const char *name;
  guint       rank;
} levels[] = {
  { "debug", 0 },
  { "info", 1 },
  { "message", 2 },
  { "warning", 3 },
  { "error", 4 },
};

enum {
  PROP_0,
  PROP_LEVEL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

struct _SyAppLogsPage
{
  AdwBin              parent_instance;

  SyAppClient        *client;
  GSettings          *settings;
  GListStore         *entries;
  GtkCustomFilter    *filter;
  GtkFilterListModel *filtered;
  GtkMultiSelection  *selection;
  char               *needle;
  guint               min_rank;
  guint64             last_serial;
  gboolean            fetching;
  gboolean            needs_fetch;
  gboolean            was_ready;
  gboolean            following;
  char               *announce;     /* said once the first fetch is in */
  guint               generation;   /* of the service instance fetched from */

  char               *level;
  GtkMenuButton      *level_button;
  GtkSearchEntry     *search_entry;
  GtkStack           *log_stack;
  GtkScrolledWindow  *scrolled;
  GtkListView        *list_view;
};

G_DEFINE_FINAL_TYPE (SyAppLogsPage, syapp_logs_page, ADW_TYPE_BIN)

static GStrv
level_classes_cb (gpointer    unused,
                  const char *level)
{
  g_auto(GStrv) classes = g_new0 (char *, 2);

  classes[0] = g_strdup_printf ("log-level-%s", level != NULL ? level : "message");
  return g_steal_pointer (&classes);
}

/* Entries -----------------------------------------------------------------------*/

static void
update_empty (SyAppLogsPage *self)
{
  gtk_stack_set_visible_child_name (self->log_stack,
                                    g_list_model_get_n_items (G_LIST_MODEL (self->entries)) > 0
                                    ? "list" : "empty");
}

static void
trim (SyAppLogsPage *self)
{
  guint limit = g_settings_get_uint (self->settings, "log-lines");
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->entries));

  if (n > limit)
    g_list_store_splice (self->entries, 0, n - limit, NULL, 0);
}

static void
append_entries (SyAppLogsPage  *self,
                SyAppLogEntry **entries,
                guint           n)
{
  guint position = g_list_model_get_n_items (G_LIST_MODEL (self->entries));

  if (n == 0)
    return;
  g_list_store_splice (self->entries, position, 0, (gpointer *) entries, n);
  trim (self);
  update_empty (self);
}

static void
append_app_line (SyAppLogsPage *self,
                 const char    *level,
                 const char    *message)
{
  g_autoptr(SyAppLogEntry) entry = syapp_log_entry_new (0, g_get_real_time (), level,
                                                        APP_DOMAIN, message);

  append_entries (self, &entry, 1);
}

/* Following the end -------------------------------------------------------------*/

static void
scrolled_value_cb (SyAppLogsPage *self,
                   GtkAdjustment *adjustment)
{
  double bottom = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);

  self->following = gtk_adjustment_get_value (adjustment) >= bottom - 4;
}

static void
scrolled_upper_cb (SyAppLogsPage *self,
                   GParamSpec    *pspec,
                   GtkAdjustment *adjustment)
{
  if (self->following)
    gtk_adjustment_set_value (adjustment,
                              gtk_adjustment_get_upper (adjustment) -
                              gtk_adjustment_get_page_size (adjustment));
}

/* Filtering ---------------------------------------------------------------------*/

static gboolean
filter_func (gpointer item,
             gpointer user_data)
{
  SyAppLogsPage *self = user_data;
  SyAppLogEntry *entry = item;

  return syapp_log_entry_get_rank (entry) >= self->min_rank &&
         syapp_log_entry_matches (entry, self->needle);
}

static const char *
level_label (const char *level)
{
  if (g_strcmp0 (level, "debug") == 0)
    return C_("log level filter", "Debug and Above");
  if (g_strcmp0 (level, "message") == 0)
    return C_("log level filter", "Messages and Above");
  if (g_strcmp0 (level, "warning") == 0)
    return C_("log level filter", "Warnings and Errors");
  if (g_strcmp0 (level, "error") == 0)
    return C_("log level filter", "Errors Only");
  return C_("log level filter", "Info and Above");
}

static void
show_level (SyAppLogsPage *self)
{
  g_autofree char *a11y = NULL;

  gtk_menu_button_set_label (self->level_button, level_label (self->level));
  /* Translators: the accessible name of the log level filter */
  a11y = g_strdup_printf (_("Log level: %s"), level_label (self->level));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->level_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
}

/* The "level" property: bound to GSettings, and the logs.level action. */
static void
set_level (SyAppLogsPage *self,
           const char    *level)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (levels); i++)
    if (g_strcmp0 (level, levels[i].name) == 0)
      break;
  if (i == G_N_ELEMENTS (levels) || g_strcmp0 (level, self->level) == 0)
    return;

  g_free (self->level);
  self->level = g_strdup (level);
  self->min_rank = levels[i].rank;
  show_level (self);
  if (self->filter != NULL)
    gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEVEL]);
}

static void
search_changed_cb (SyAppLogsPage *self)
{
  g_free (self->needle);
  self->needle = g_utf8_casefold (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), -1);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static void
stop_search_cb (SyAppLogsPage *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

/* Copy and clear ----------------------------------------------------------------*/

static void
copy_cb (SyAppLogsPage *self)
{
  GListModel *shown = G_LIST_MODEL (self->filtered);
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (
                                    GTK_SELECTION_MODEL (self->selection));
  gboolean all = gtk_bitset_is_empty (selected);
  g_autoptr(GString) text = g_string_new (NULL);
  guint n = g_list_model_get_n_items (shown);
  guint copied = 0;
  GtkWidget *overlay;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyAppLogEntry) entry = NULL;
      g_autofree char *line = NULL;

      if (!all && !gtk_bitset_contains (selected, i))
        continue;
      entry = g_list_model_get_item (shown, i);
      line = syapp_log_entry_to_string (entry);
      g_string_append (text, line);
      g_string_append_c (text, '\n');
      copied++;
    }

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text->str);

  overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  if (overlay != NULL)
    {
      g_autofree char *message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                               "Copied %u line",
                                                               "Copied %u lines", copied),
                                                  copied);
      AdwToast *toast = adw_toast_new (message);

      adw_toast_set_timeout (toast, 2);
      syapp_a11y_add_toast (overlay, toast);
    }
}

static gboolean
copy_shortcut_cb (GtkWidget *widget,
                  GVariant  *args,
                  gpointer   user_data)
{
  copy_cb (SYAPP_LOGS_PAGE (user_data));
  return TRUE;
}

static void
clear_cb (SyAppLogsPage *self)
{
  g_list_store_remove_all (self->entries);
  update_empty (self);
}

/* The service -------------------------------------------------------------------*/

typedef struct
{
  SyAppLogsPage *page;
  guint          generation;
} Fetch;

static void
get_log_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fetch *call = user_data;
  g_autoptr(SyAppLogsPage) self = call->page;
  gboolean stale = call->generation != self->generation;
  g_autoptr(GVariant) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = NULL;
  GVariantIter iter;
  guint64 serial;
  gint64 time;
  const char *level, *domain, *message;

  g_free (call);
  if (!syd_daemon1_call_get_log_finish (SYD_DAEMON1 (source), &entries, result, &error))
    {
      if (!syapp_error_is_cancelled (error))
        g_debug ("GetLog: %s", error->message);
      if (!stale)
        self->fetching = FALSE;
      return;
    }

  /* Entries of an instance that has gone since. */
  if (stale)
    return;
  self->fetching = FALSE;

  items = g_ptr_array_new_with_free_func (g_object_unref);
  g_variant_iter_init (&iter, entries);
  while (g_variant_iter_next (&iter, "(tx&s&s&s)", &serial, &time, &level, &domain, &message))
    {
      if (serial <= self->last_serial)
        continue;
      g_ptr_array_add (items, syapp_log_entry_new (serial, time, level, domain, message));
      self->last_serial = serial;
    }
  append_entries (self, (SyAppLogEntry **) items->pdata, items->len);

  if (self->announce != NULL)
    {
      g_autofree char *text = g_steal_pointer (&self->announce);

      append_app_line (self, "message", text);
    }
}

static void
fetch (SyAppLogsPage *self,
       guint          limit)
{
  SydDaemon1 *daemon = syapp_client_get_daemon (self->client);
  Fetch *call;

  if (daemon == NULL || self->fetching)
    return;

  self->fetching = TRUE;
  call = g_new0 (Fetch, 1);
  call->page = g_object_ref (self);
  call->generation = self->generation;
  syd_daemon1_call_get_log (daemon, self->last_serial, limit, G_DBUS_CALL_FLAGS_NONE, -1,
                            syapp_client_get_cancellable (self->client),
                            get_log_cb, call);
}

static void
log_cb (SyAppLogsPage *self,
        guint64        serial,
        gint64         time,
        const char    *level,
        const char    *domain,
        const char    *message)
{
  g_autoptr(SyAppLogEntry) entry = NULL;

  if (self->fetching || serial <= self->last_serial)
    return;
  if (serial != self->last_serial + 1)
    {
      fetch (self, 0);
      return;
    }

  entry = syapp_log_entry_new (serial, time, level, domain, message);
  self->last_serial = serial;
  append_entries (self, &entry, 1);
}

static void
client_status_cb (SyAppLogsPage *self)
{
  SydDaemon1 *daemon = syapp_client_get_daemon (self->client);
  gboolean ready = syapp_client_get_status (self->client) == SYAPP_SERVICE_READY;

  if (daemon != NULL && g_object_get_data (G_OBJECT (daemon), "syapp-logs") != self)
    {
      g_object_set_data (G_OBJECT (daemon), "syapp-logs", self);
      g_signal_connect_object (daemon, "log", G_CALLBACK (log_cb), self, G_CONNECT_SWAPPED);
    }

  if (self->was_ready && !ready)
    append_app_line (self, "warning", _("The service stopped."));
  self->was_ready = ready;

  if (ready && self->needs_fetch)
    {
      const char *version = syd_daemon1_get_version (daemon);

      self->needs_fetch = FALSE;
      g_free (self->announce);
      self->announce = g_strdup_printf (_("Connected to switchyardd %s."),
                                        version != NULL ? version : "");
      fetch (self, g_settings_get_uint (self->settings, "log-lines"));
    }
}

static void
generation_cb (SyAppLogsPage *self)
{
  /* A new instance counts its serials from 1 again. */
  self->generation = syapp_client_get_generation (self->client);
  self->last_serial = 0;
  self->fetching = FALSE;
  self->needs_fetch = TRUE;
}

void
syapp_logs_page_set_client (SyAppLogsPage *self,
                            SyAppClient   *client)
{
  g_return_if_fail (SYAPP_IS_LOGS_PAGE (self));
  g_return_if_fail (SYAPP_IS_CLIENT (client));
  g_return_if_fail (self->client == NULL);

  self->client = g_object_ref (client);
  g_signal_connect_object (client, "notify::generation",
                           G_CALLBACK (generation_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "notify::status",
                           G_CALLBACK (client_status_cb), self, G_CONNECT_SWAPPED);
  if (syapp_client_get_generation (client) > 0)
    generation_cb (self);
  client_status_cb (self);
}

void
syapp_logs_page_start_search (SyAppLogsPage *self)
{
  g_return_if_fail (SYAPP_IS_LOGS_PAGE (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* GObject -----------------------------------------------------------------------*/

static void
syapp_logs_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SyAppLogsPage *self = SYAPP_LOGS_PAGE (object);

  switch (prop_id)
    {
    case PROP_LEVEL:
      g_value_set_string (value, self->level);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syapp_logs_page_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  SyAppLogsPage *self = SYAPP_LOGS_PAGE (object);

  switch (prop_id)
    {
    case PROP_LEVEL:
      set_level (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syapp_logs_page_dispose (GObject *object)
{
  SyAppLogsPage *self = SYAPP_LOGS_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SYAPP_TYPE_LOGS_PAGE);
  g_clear_object (&self->client);
  g_clear_object (&self->settings);
  g_clear_object (&self->selection);
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_object (&self->entries);

  G_OBJECT_CLASS (syapp_logs_page_parent_class)->dispose (object);
}

static void
syapp_logs_page_finalize (GObject *object)
{
  SyAppLogsPage *self = SYAPP_LOGS_PAGE (object);

  g_free (self->needle);
  g_free (self->announce);
  g_free (self->level);

  G_OBJECT_CLASS (syapp_logs_page_parent_class)->finalize (object);
}

static void
syapp_logs_page_class_init (SyAppLogsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = syapp_logs_page_dispose;
  object_class->finalize = syapp_logs_page_finalize;
  object_class->get_property = syapp_logs_page_get_property;
  object_class->set_property = syapp_logs_page_set_property;

  /**
   * SyAppLogsPage:level:
   *
   * The least severe level shown: "debug", "info", "message", "warning"
   * or "error" (which also shows critical messages).
   */
  properties[PROP_LEVEL] =
    g_param_spec_string ("level", NULL, NULL,
                         "info",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (SYAPP_TYPE_LOG_ENTRY);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/switchyard/Switchyard/syapp-logs-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SyAppLogsPage, level_button);
  gtk_widget_class_bind_template_child (widget_class, SyAppLogsPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SyAppLogsPage, log_stack);
  gtk_widget_class_bind_template_child (widget_class, SyAppLogsPage, scrolled);
  gtk_widget_class_bind_template_child (widget_class, SyAppLogsPage, list_view);
  gtk_widget_class_bind_template_callback (widget_class, level_classes_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, copy_cb);
  gtk_widget_class_bind_template_callback (widget_class, clear_cb);

  gtk_widget_class_install_property_action (widget_class, "logs.level", "level");
}

static void
syapp_logs_page_init (SyAppLogsPage *self)
{
  GtkAdjustment *adjustment;
  GtkEventController *shortcuts;

  /* The template's menu reads the logs.level state while it is built. */
  self->level = g_strdup ("info");
  self->min_rank = 1;
  gtk_widget_init_template (GTK_WIDGET (self));
  show_level (self);

  self->settings = g_settings_new (APP_ID);
  self->entries = g_list_store_new (SYAPP_TYPE_LOG_ENTRY);
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->entries)),
                                              g_object_ref (GTK_FILTER (self->filter)));
  self->selection = gtk_multi_selection_new (g_object_ref (G_LIST_MODEL (self->filtered)));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  self->following = TRUE;

  adjustment = gtk_scrolled_window_get_vadjustment (self->scrolled);
  g_signal_connect_object (adjustment, "value-changed",
                           G_CALLBACK (scrolled_value_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adjustment, "notify::upper",
                           G_CALLBACK (scrolled_upper_cb), self, G_CONNECT_SWAPPED);

  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_c,
                                                                                  GDK_CONTROL_MASK),
                                                          gtk_callback_action_new (
                                                            copy_shortcut_cb, self, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self->list_view), shortcuts);

  g_settings_bind (self->settings, "log-level", self, "level", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed::log-lines",
                           G_CALLBACK (trim), self, G_CONNECT_SWAPPED);

  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self));
  update_empty (self);
}
