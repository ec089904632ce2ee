/* syapp-application.c — the Switchyard application
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Owns the one SyAppClient and the app actions. The actions are exported on
 * the session bus with the application (org.gtk.Actions), which is how
 * GNOME's Background Apps list quits it (app.quit) and how the UI tests and
 * the screenshot script drive it where AT-SPI cannot reach.
 */

#include "config.h"

#define G_LOG_DOMAIN "syapp"

#include <glib/gi18n.h>

#include "syapp-application.h"
#include "syapp-bench.h"
#include "syapp-preferences-window.h"
#include "syapp-screenshot.h"
#include "syapp-window.h"

/* How long `switchyard --background` waits for the service. */
#define BACKGROUND_TIMEOUT_S 30

struct _SyAppApplication
{
  AdwApplication  parent_instance;

  SyAppClient    *client;
  gboolean        background;
  guint           background_timeout_id;
};

G_DEFINE_FINAL_TYPE (SyAppApplication, syapp_application, ADW_TYPE_APPLICATION)

static SyAppWindow *
get_window (SyAppApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    {
      GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

      for (GList *l = windows; l != NULL; l = l->next)
        if (SYAPP_IS_WINDOW (l->data))
          return l->data;
      return NULL;
    }

  return SYAPP_IS_WINDOW (window) ? SYAPP_WINDOW (window) : NULL;
}

static void
toast (SyAppApplication *self,
       const char       *message)
{
  SyAppWindow *window = get_window (self);

  if (window != NULL)
    syapp_window_add_toast (window, message);
}

/* Calls with the user's name on them -----------------------------------------*/

typedef struct
{
  SyAppApplication *app;
  char             *failure;    /* what failed, for the error toast */
  char             *success;    /* a toast on success, or NULL */
} Call;

static Call *
call_new (SyAppApplication *app,
          const char       *failure,
          const char       *success)
{
  Call *call = g_new0 (Call, 1);

  call->app = g_object_ref (app);
  call->failure = g_strdup (failure);
  call->success = g_strdup (success);
  return call;
}

static void
call_free (Call *call)
{
  g_object_unref (call->app);
  g_free (call->failure);
  g_free (call->success);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_free)

/* Every call below ends in the same two ways, so they share a callback that
 * finishes through GDBusProxy itself: the generated _finish functions only
 * unpack the reply, which none of these need. */
static void
call_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Call) call = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  if (reply == NULL)
    {
      syapp_client_report_error (call->app->client, call->failure, error);
      return;
    }

  if (call->success != NULL)
    toast (call->app, call->success);
}

static gboolean
service_ready (SyAppApplication *self)
{
  if (syapp_client_get_status (self->client) == SYAPP_SERVICE_READY)
    return TRUE;

  g_message ("ignoring an action: the service is not there");
  return FALSE;
}

static void
start_proxy_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  SyAppApplication *self = user_data;

  if (!service_ready (self))
    return;
  syd_daemon1_call_start (syapp_client_get_daemon (self->client),
                          G_DBUS_CALL_FLAGS_NONE, -1, syapp_client_get_cancellable (self->client), call_done_cb,
                          call_new (self, _("Could not start the proxy"), NULL));
}

static void
stop_proxy_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  SyAppApplication *self = user_data;

  if (!service_ready (self))
    return;
  syd_daemon1_call_stop (syapp_client_get_daemon (self->client),
                         G_DBUS_CALL_FLAGS_NONE, -1, syapp_client_get_cancellable (self->client), call_done_cb,
                         call_new (self, _("Could not stop the proxy"), NULL));
}

static void
reload_action (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  SyAppApplication *self = user_data;

  if (!service_ready (self))
    return;
  syd_daemon1_call_reload (syapp_client_get_daemon (self->client),
                           G_DBUS_CALL_FLAGS_NONE, -1, syapp_client_get_cancellable (self->client), call_done_cb,
                           call_new (self, _("Could not reload the configuration"),
                                     _("Configuration reloaded")));
}

static void
add_upstream_action (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  SyAppApplication *self = user_data;
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  const char *pool, *url;

  if (!service_ready (self))
    return;

  g_variant_get (parameter, "(&s&s)", &pool, &url);
  g_variant_dict_insert (&dict, "url", "s", url);
  syd_pools1_call_add_upstream (syapp_client_get_pools (self->client), pool,
                                g_variant_dict_end (&dict), -1,
                                G_DBUS_CALL_FLAGS_NONE, -1, syapp_client_get_cancellable (self->client), call_done_cb,
                                call_new (self, _("Could not add the upstream"),
                                          _("Upstream added")));
}

static void
close_session_action (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  SyAppApplication *self = user_data;

  if (!service_ready (self))
    return;
  syd_sessions1_call_close_session (syapp_client_get_sessions (self->client),
                                    g_variant_get_uint64 (parameter),
                                    G_DBUS_CALL_FLAGS_NONE, -1, syapp_client_get_cancellable (self->client), call_done_cb,
                                    call_new (self, _("Could not close the connection"), NULL));
}

static void
close_sessions_action (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  SyAppApplication *self = user_data;

  if (!service_ready (self))
    return;
  syd_sessions1_call_close_sessions (syapp_client_get_sessions (self->client),
                                     g_variant_get_string (parameter, NULL),
                                     G_DBUS_CALL_FLAGS_NONE, -1, syapp_client_get_cancellable (self->client), call_done_cb,
                                     call_new (self, _("Could not close the connections"),
                                               NULL));
}

static void
start_service_action (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  SyAppApplication *self = user_data;

  syapp_client_start_service (self->client);
}

/* Windows --------------------------------------------------------------------*/

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  SyAppApplication *self = user_data;
  SyAppWindow *window = get_window (self);
  SyAppPreferencesWindow *preferences;

  preferences = syapp_preferences_window_new (self->client);
  if (window != NULL)
    syapp_present_dialog (GTK_WINDOW (preferences), GTK_WIDGET (window));
  else
    gtk_window_present (GTK_WINDOW (preferences));
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  SyAppApplication *self = user_data;
  static const char *developers[] = { "The Switchyard developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", get_window (self),
                        "application-name", _("Switchyard"),
                        "application-icon", APP_ID,
                        "developer-name", _("The Switchyard developers"),
                        "developers", developers,
                        "version", PACKAGE_VERSION,
                        "copyright", "© 2026 The Switchyard developers",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        /* Translators: your names, one per line */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_set_application (GTK_WINDOW (about), GTK_APPLICATION (self));
  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

/* Test hooks: only with SWITCHYARD_TEST_HOOKS=1 in the environment, since
 * everything of the user's on the session bus may activate the actions. */
static void
screenshot_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  SyAppApplication *self = user_data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  /* The most recently presented window: a dialog when one is open. */
  if (windows == NULL)
    {
      g_warning ("screenshot: there is no window");
      return;
    }
  syapp_screenshot_request (windows->data, g_variant_get_string (parameter, NULL));
}

static const GActionEntry app_actions[] = {
  { "start-service", start_service_action, NULL, NULL, NULL, { 0 } },
  { "start-proxy", start_proxy_action, NULL, NULL, NULL, { 0 } },
  { "stop-proxy", stop_proxy_action, NULL, NULL, NULL, { 0 } },
  { "reload", reload_action, NULL, NULL, NULL, { 0 } },
  { "add-upstream", add_upstream_action, "(ss)", NULL, NULL, { 0 } },
  { "close-session", close_session_action, "t", NULL, NULL, { 0 } },
  { "close-sessions", close_sessions_action, "s", NULL, NULL, { 0 } },
  { "preferences", preferences_action, NULL, NULL, NULL, { 0 } },
  { "about", about_action, NULL, NULL, NULL, { 0 } },
  { "quit", quit_action, NULL, NULL, NULL, { 0 } },
};

static void
bench_report_action (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  syapp_bench_report ();
}

static const GActionEntry test_actions[] = {
  { "screenshot", screenshot_action, "s", NULL, NULL, { 0 } },
  { "bench-report", bench_report_action, NULL, NULL, NULL, { 0 } },
};

static const struct
{
  const char *action;
  const char *accels[3];
} accels[] = {
  { "app.quit", { "<Primary>q", NULL } },
  { "app.preferences", { "<Primary>comma", NULL } },
  { "app.reload", { "<Primary>r", NULL } },
  { "win.show-help-overlay", { "<Primary>question", NULL } },
  { "win.toggle-proxy", { "<Primary><Shift>p", NULL } },
  { "win.search", { "<Primary>f", NULL } },
  { "win.add-upstream", { "<Primary>n", NULL } },
  { "win.show-page::overview", { "<Alt>1", NULL } },
  { "win.show-page::upstreams", { "<Alt>2", NULL } },
  { "win.show-page::wireguard", { "<Alt>3", NULL } },
  { "win.show-page::connections", { "<Alt>4", NULL } },
  { "win.show-page::logs", { "<Alt>5", NULL } },
  { "window.close", { "<Primary>w", NULL } },
};

/* --background (the login autostart entry) ----------------------------------*/

static void
background_done (SyAppApplication *self)
{
  g_clear_handle_id (&self->background_timeout_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (self->client, self);
  g_application_release (G_APPLICATION (self));
}

static void
background_status_cb (SyAppApplication *self)
{
  SyAppServiceStatus status = syapp_client_get_status (self->client);

  if (status == SYAPP_SERVICE_CONNECTING)
    return;
  if (status == SYAPP_SERVICE_READY)
    g_message ("the service is running");
  else
    g_warning ("%s", syapp_client_get_status_message (self->client));
  background_done (self);
}

static gboolean
background_timeout_cb (gpointer user_data)
{
  SyAppApplication *self = user_data;

  self->background_timeout_id = 0;
  g_warning ("gave up waiting for the service after %d s", BACKGROUND_TIMEOUT_S);
  background_done (self);
  return G_SOURCE_REMOVE;
}

/* GApplication ---------------------------------------------------------------*/

static int
syapp_application_handle_local_options (GApplication *application,
                                        GVariantDict *options)
{
  SyAppApplication *self = SYAPP_APPLICATION (application);
  g_autoptr(GError) error = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("switchyard %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (!g_variant_dict_contains (options, "background"))
    return -1;

  /* At login: start the service and leave. Never open a window, not even
   * in an instance that is already running. */
  if (!g_application_register (application, NULL, &error))
    {
      g_printerr ("switchyard: %s\n", error->message);
      return 1;
    }
  if (g_application_get_is_remote (application))
    return 0;

  self->background = TRUE;
  return -1;
}

static void
syapp_application_activate (GApplication *application)
{
  SyAppApplication *self = SYAPP_APPLICATION (application);
  SyAppWindow *window;

  if (self->background)
    {
      self->background = FALSE;
      g_application_hold (application);
      g_signal_connect_swapped (self->client, "notify::status",
                                G_CALLBACK (background_status_cb), self);
      self->background_timeout_id = g_timeout_add_seconds (BACKGROUND_TIMEOUT_S,
                                                           background_timeout_cb, self);
      background_status_cb (self);
      return;
    }

  window = get_window (self);
  if (window == NULL)
    {
      window = syapp_window_new (ADW_APPLICATION (self), self->client);
      if (g_strcmp0 (g_getenv ("SWITCHYARD_TEST_HOOKS"), "1") == 0)
        syapp_bench_watch (GTK_WINDOW (window));
    }

  gtk_window_present (GTK_WINDOW (window));
}

/* `switchyard wg0.conf`, or "Open With" in a file manager. */
static void
syapp_application_open (GApplication  *application,
                        GFile        **files,
                        int            n_files,
                        const char    *hint)
{
  SyAppApplication *self = SYAPP_APPLICATION (application);
  SyAppWindow *window;

  g_application_activate (application);
  window = get_window (self);
  if (window != NULL)
    syapp_window_import_files (window, files, n_files);
}

static void
syapp_application_startup (GApplication *application)
{
  SyAppApplication *self = SYAPP_APPLICATION (application);

  G_APPLICATION_CLASS (syapp_application_parent_class)->startup (application);

  self->client = syapp_client_new ();

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  if (g_strcmp0 (g_getenv ("SWITCHYARD_TEST_HOOKS"), "1") == 0)
    g_action_map_add_action_entries (G_ACTION_MAP (self), test_actions,
                                     G_N_ELEMENTS (test_actions), self);

  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), accels[i].action,
                                           accels[i].accels);
}

static void
syapp_application_dispose (GObject *object)
{
  SyAppApplication *self = SYAPP_APPLICATION (object);

  g_clear_handle_id (&self->background_timeout_id, g_source_remove);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (syapp_application_parent_class)->dispose (object);
}

static void
syapp_application_class_init (SyAppApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = syapp_application_dispose;
  application_class->handle_local_options = syapp_application_handle_local_options;
  application_class->activate = syapp_application_activate;
  application_class->open = syapp_application_open;
  application_class->startup = syapp_application_startup;
}

static void
syapp_application_init (SyAppApplication *self)
{
  static const GOptionEntry entries[] = {
    { "background", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Start the service without opening a window (used at login)"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Print the version and exit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}

SyAppApplication *
syapp_application_new (void)
{
  return g_object_new (SYAPP_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       /* The same resources for the .Devel ID. */
                       "resource-base-path", "/dev/switchyard/Switchyard",
                       NULL);
}

SyAppClient *
syapp_application_get_client (SyAppApplication *self)
{
  g_return_val_if_fail (SYAPP_IS_APPLICATION (self), NULL);

  return self->client;
}
