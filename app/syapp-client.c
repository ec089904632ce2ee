/* syapp-client.c — the app's connection to switchyardd on the session bus
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One object holds the three generated proxies for the lifetime of the app.
 * They are made for the well-known name without auto-starting it, so a call
 * never starts the service behind the user's back; the client starts it
 * explicitly (StartServiceByName) when the app opens and when the user asks.
 * GDBusProxy follows the name's owner by itself: when switchyardd restarts,
 * the same proxies reload the properties and receive the new instance's
 * signals, and the client only has to tell the views that a new instance
 * (a new "generation") is there, so they fetch their lists again.
 */

#include "config.h"

#define G_LOG_DOMAIN "syapp-client"

#include <glib/gi18n.h>

#include "syapp-client.h"

/* How long a successful activation may take to show up as a name owner
 * before the client stops waiting and says so. */
#define OWNER_WAIT_MS 10000

struct _SyAppClient
{
  GObject             parent_instance;

  GCancellable       *cancellable;
  GDBusConnection    *connection;
  SydDaemon1         *daemon;
  SydPools1          *pools;
  SydSessions1       *sessions;
  SydWireguard1      *wireguard;
  guint               pending_proxies;

  SyAppServiceStatus  status;
  char               *status_message;
  char               *owner;
  guint               generation;
  guint               owner_wait_id;
  gboolean            activating;
};

enum {
  PROP_0,
  PROP_STATUS,
  PROP_STATUS_MESSAGE,
  PROP_GENERATION,
  N_PROPS
};

enum {
  ERROR,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SyAppClient, syapp_client, G_TYPE_OBJECT)

GType
syapp_service_status_get_type (void)
{
  static gsize type_id;

  if (g_once_init_enter (&type_id))
    {
      static const GEnumValue values[] = {
        { SYAPP_SERVICE_CONNECTING, "SYAPP_SERVICE_CONNECTING", "connecting" },
        { SYAPP_SERVICE_READY, "SYAPP_SERVICE_READY", "ready" },
        { SYAPP_SERVICE_STOPPED, "SYAPP_SERVICE_STOPPED", "stopped" },
        { SYAPP_SERVICE_MISSING, "SYAPP_SERVICE_MISSING", "missing" },
        { SYAPP_SERVICE_FAILED, "SYAPP_SERVICE_FAILED", "failed" },
        { 0, NULL, NULL },
      };
      GType type = g_enum_register_static (g_intern_static_string ("SyAppServiceStatus"),
                                           values);

      g_once_init_leave (&type_id, type);
    }

  return type_id;
}

/* Errors ------------------------------------------------------------------- */

gboolean
syapp_error_is_cancelled (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* The service's own message, without GDBus's "GDBus.Error:name:" prefix: it
 * is written for people. Bus errors get a sentence of ours instead. */
char *
syapp_error_dup_message (const GError *error)
{
  g_autoptr(GError) copy = NULL;
  g_autofree char *remote = NULL;

  g_return_val_if_fail (error != NULL, NULL);

  copy = g_error_copy (error);
  if (g_dbus_error_is_remote_error (copy))
    {
      remote = g_dbus_error_get_remote_error (copy);
      g_dbus_error_strip_remote_error (copy);
    }

  if (remote != NULL &&
      (g_str_equal (remote, "org.freedesktop.DBus.Error.ServiceUnknown") ||
       g_str_equal (remote, "org.freedesktop.DBus.Error.NameHasNoOwner")))
    return g_strdup (_("The Switchyard service is not running."));
  if (remote != NULL && g_str_equal (remote, "org.freedesktop.DBus.Error.NoReply"))
    return g_strdup (_("The Switchyard service did not answer in time."));

  return g_strdup (copy->message);
}

void
syapp_client_report_error (SyAppClient  *self,
                           const char   *what,
                           const GError *error)
{
  g_autofree char *message = NULL;
  g_autofree char *text = NULL;

  g_return_if_fail (SYAPP_IS_CLIENT (self));
  g_return_if_fail (error != NULL);

  if (syapp_error_is_cancelled (error))
    return;

  message = syapp_error_dup_message (error);
  /* Translators: an error message; the first %s says what failed (e.g.
   * "Could not add the upstream"), the second is the service's reason. */
  text = what != NULL ? g_strdup_printf (_("%s: %s"), what, message) : g_steal_pointer (&message);
  g_message ("%s", text);
  g_signal_emit (self, signals[ERROR], 0, text);
}

/* Status ------------------------------------------------------------------- */

/* Like g_set_str(), which is newer than our GLib. */
static gboolean
replace_str (char       **str_pointer,
             const char  *new_str)
{
  if (g_strcmp0 (*str_pointer, new_str) == 0)
    return FALSE;
  g_free (*str_pointer);
  *str_pointer = g_strdup (new_str);
  return TRUE;
}

static void
set_status (SyAppClient        *self,
            SyAppServiceStatus  status,
            const char         *message)
{
  g_object_freeze_notify (G_OBJECT (self));

  if (replace_str (&self->status_message, message))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS_MESSAGE]);

  if (self->status != status)
    {
      self->status = status;
      g_debug ("service status: %d", status);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

/* Called whenever the daemon proxy's owner may have changed: on creation
 * and on every notify::g-name-owner. */
static void
update_owner (SyAppClient *self)
{
  g_autofree char *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (self->daemon));

  if (owner != NULL)
    {
      g_clear_handle_id (&self->owner_wait_id, g_source_remove);
      if (g_strcmp0 (owner, self->owner) != 0)
        {
          g_free (self->owner);
          self->owner = g_steal_pointer (&owner);
          self->generation++;
          g_debug ("service appeared as %s (generation %u)", self->owner, self->generation);
          /* Views refetch on the new generation before they see READY. */
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GENERATION]);
        }
      set_status (self, SYAPP_SERVICE_READY, NULL);
      return;
    }

  g_clear_pointer (&self->owner, g_free);
  if (self->activating)
    return;

  if (self->status == SYAPP_SERVICE_READY)
    set_status (self, SYAPP_SERVICE_STOPPED,
                _("The Switchyard service stopped. Connections through the proxy are closed."));
  else if (self->status == SYAPP_SERVICE_CONNECTING && self->owner_wait_id == 0)
    set_status (self, SYAPP_SERVICE_STOPPED, _("The Switchyard service is not running."));
}

static gboolean
owner_wait_expired_cb (gpointer user_data)
{
  SyAppClient *self = user_data;

  self->owner_wait_id = 0;
  if (self->status == SYAPP_SERVICE_CONNECTING)
    set_status (self, SYAPP_SERVICE_FAILED,
                _("The Switchyard service was started but did not appear on the session bus."));
  return G_SOURCE_REMOVE;
}

static void
start_service_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SyAppClient) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *remote = NULL;
  g_autofree char *message = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (syapp_error_is_cancelled (error))
    return;

  self->activating = FALSE;

  if (reply != NULL)
    {
      /* The bus answers once the service owns its name, but the proxy
       * learns of the new owner from a signal that may come later, and
       * loads the properties before it says so. Give it a moment. */
      if (g_dbus_proxy_get_name_owner (G_DBUS_PROXY (self->daemon)) == NULL)
        {
          g_clear_handle_id (&self->owner_wait_id, g_source_remove);
          self->owner_wait_id = g_timeout_add (OWNER_WAIT_MS, owner_wait_expired_cb, self);
        }
      update_owner (self);
      return;
    }

  if (g_dbus_error_is_remote_error (error))
    remote = g_dbus_error_get_remote_error (error);
  g_dbus_error_strip_remote_error (error);
  g_message ("could not start the service: %s (%s)", error->message, remote ? remote : "local");

  if (g_strcmp0 (remote, "org.freedesktop.DBus.Error.ServiceUnknown") == 0)
    {
      message = g_strdup_printf (_("Nothing on this computer can start the Switchyard service: "
                                   "D-Bus has no activation file for %s. Install switchyardd, "
                                   "or start it by hand."), SY_DBUS_NAME);
      set_status (self, SYAPP_SERVICE_MISSING, message);
      return;
    }

  /* The usual failure: switchyardd exited at once, e.g. on a broken
   * configuration file, whose message is in the service's journal. */
  message = g_strdup_printf (_("The Switchyard service could not start: %s"), error->message);
  set_status (self, SYAPP_SERVICE_FAILED, message);
}

/**
 * syapp_client_start_service:
 *
 * Starts switchyardd by D-Bus activation, unless it is already there. The
 * status goes to %SYAPP_SERVICE_CONNECTING, then to READY, MISSING or
 * FAILED.
 */
void
syapp_client_start_service (SyAppClient *self)
{
  g_return_if_fail (SYAPP_IS_CLIENT (self));

  if (self->connection == NULL || self->daemon == NULL || self->activating)
    return;
  if (self->status == SYAPP_SERVICE_READY)
    return;

  self->activating = TRUE;
  set_status (self, SYAPP_SERVICE_CONNECTING, NULL);
  g_dbus_connection_call (self->connection,
                          "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "StartServiceByName",
                          g_variant_new ("(su)", SY_DBUS_NAME, 0),
                          G_VARIANT_TYPE ("(u)"),
                          G_DBUS_CALL_FLAGS_NONE,
                          /* Activation may wait for systemd; the bus's own
                           * activation timeout applies. */
                          G_MAXINT,
                          self->cancellable,
                          start_service_cb,
                          g_object_ref (self));
}

static void
name_owner_notify_cb (SyAppClient *self)
{
  update_owner (self);
}

static void
proxies_ready (SyAppClient *self)
{
  g_signal_connect_object (self->daemon, "notify::g-name-owner",
                           G_CALLBACK (name_owner_notify_cb), self, G_CONNECT_SWAPPED);

  if (g_dbus_proxy_get_name_owner (G_DBUS_PROXY (self->daemon)) != NULL)
    update_owner (self);
  else
    syapp_client_start_service (self);
}

static void
proxy_failed (SyAppClient  *self,
              const GError *error)
{
  g_autofree char *message = NULL;

  message = g_strdup_printf (_("Could not reach the session bus: %s"), error->message);
  set_status (self, SYAPP_SERVICE_FAILED, message);
}

#define DEFINE_PROXY_CB(func, Type, prefix, field)                                        \
  static void                                                                     \
  func (GObject      *source,                                                     \
        GAsyncResult *result,                                                     \
        gpointer      user_data)                                                  \
  {                                                                               \
    g_autoptr(SyAppClient) self = user_data;                                      \
    g_autoptr(GError) error = NULL;                                               \
    Type *proxy = syd_##prefix##_proxy_new_finish (result, &error);               \
                                                                                  \
    if (proxy == NULL)                                                            \
      {                                                                           \
        if (!syapp_error_is_cancelled (error))                                    \
          proxy_failed (self, error);                                             \
        return;                                                                   \
      }                                                                           \
    self->field = proxy;                                                          \
    if (--self->pending_proxies == 0)                                             \
      proxies_ready (self);                                                       \
  }

DEFINE_PROXY_CB (daemon_proxy_cb, SydDaemon1, daemon1, daemon)
DEFINE_PROXY_CB (pools_proxy_cb, SydPools1, pools1, pools)
DEFINE_PROXY_CB (sessions_proxy_cb, SydSessions1, sessions1, sessions)
DEFINE_PROXY_CB (wireguard_proxy_cb, SydWireguard1, wireguard1, wireguard)

static void
bus_get_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SyAppClient) self = user_data;
  g_autoptr(GError) error = NULL;
  /* Calls never start the service by themselves (see the file comment);
   * Pools1, Sessions1 and WireGuard1 have no properties to cache. */
  GDBusProxyFlags flags = G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START;
  GDBusProxyFlags methods_only = flags | G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES;

  self->connection = g_bus_get_finish (result, &error);
  if (self->connection == NULL)
    {
      if (!syapp_error_is_cancelled (error))
        proxy_failed (self, error);
      return;
    }

  self->pending_proxies = 4;
  syd_daemon1_proxy_new (self->connection, flags, SY_DBUS_NAME, SY_DBUS_PATH,
                         self->cancellable, daemon_proxy_cb, g_object_ref (self));
  syd_pools1_proxy_new (self->connection, methods_only, SY_DBUS_NAME, SY_DBUS_PATH,
                        self->cancellable, pools_proxy_cb, g_object_ref (self));
  syd_sessions1_proxy_new (self->connection, methods_only, SY_DBUS_NAME, SY_DBUS_PATH,
                           self->cancellable, sessions_proxy_cb, g_object_ref (self));
  syd_wireguard1_proxy_new (self->connection, methods_only, SY_DBUS_NAME, SY_DBUS_PATH,
                            self->cancellable, wireguard_proxy_cb, g_object_ref (self));
}

/* GObject ------------------------------------------------------------------ */

static void
syapp_client_constructed (GObject *object)
{
  SyAppClient *self = SYAPP_CLIENT (object);

  G_OBJECT_CLASS (syapp_client_parent_class)->constructed (object);

  g_bus_get (G_BUS_TYPE_SESSION, self->cancellable, bus_get_cb, g_object_ref (self));
}

static void
syapp_client_dispose (GObject *object)
{
  SyAppClient *self = SYAPP_CLIENT (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->owner_wait_id, g_source_remove);
  g_clear_object (&self->daemon);
  g_clear_object (&self->pools);
  g_clear_object (&self->sessions);
  g_clear_object (&self->wireguard);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (syapp_client_parent_class)->dispose (object);
}

static void
syapp_client_finalize (GObject *object)
{
  SyAppClient *self = SYAPP_CLIENT (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->status_message, g_free);
  g_clear_pointer (&self->owner, g_free);

  G_OBJECT_CLASS (syapp_client_parent_class)->finalize (object);
}

static void
syapp_client_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  SyAppClient *self = SYAPP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;

    case PROP_STATUS_MESSAGE:
      g_value_set_string (value, self->status_message);
      break;

    case PROP_GENERATION:
      g_value_set_uint (value, self->generation);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syapp_client_class_init (SyAppClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = syapp_client_constructed;
  object_class->dispose = syapp_client_dispose;
  object_class->finalize = syapp_client_finalize;
  object_class->get_property = syapp_client_get_property;

  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL,
                       SYAPP_TYPE_SERVICE_STATUS, SYAPP_SERVICE_CONNECTING,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  properties[PROP_STATUS_MESSAGE] =
    g_param_spec_string ("status-message", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SyAppClient:generation:
   *
   * Counts the service instances seen: it grows each time switchyardd
   * (re)appears on the bus, before #SyAppClient:status becomes READY. Views
   * fetch their lists again when it changes.
   */
  properties[PROP_GENERATION] =
    g_param_spec_uint ("generation", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SyAppClient::error:
   * @message: what failed and the service's reason, for people
   *
   * A call made on the user's behalf failed.
   */
  signals[ERROR] =
    g_signal_new ("error",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
syapp_client_init (SyAppClient *self)
{
  self->cancellable = g_cancellable_new ();
  self->status = SYAPP_SERVICE_CONNECTING;
}

SyAppClient *
syapp_client_new (void)
{
  return g_object_new (SYAPP_TYPE_CLIENT, NULL);
}

SyAppServiceStatus
syapp_client_get_status (SyAppClient *self)
{
  g_return_val_if_fail (SYAPP_IS_CLIENT (self), SYAPP_SERVICE_FAILED);

  return self->status;
}

const char *
syapp_client_get_status_message (SyAppClient *self)
{
  g_return_val_if_fail (SYAPP_IS_CLIENT (self), NULL);

  return self->status_message;
}

guint
syapp_client_get_generation (SyAppClient *self)
{
  g_return_val_if_fail (SYAPP_IS_CLIENT (self), 0);

  return self->generation;
}

/* The proxies exist once the status left CONNECTING for the first time;
 * before that these return NULL. */
SydDaemon1 *
syapp_client_get_daemon (SyAppClient *self)
{
  g_return_val_if_fail (SYAPP_IS_CLIENT (self), NULL);

  return self->daemon;
}

SydPools1 *
syapp_client_get_pools (SyAppClient *self)
{
  g_return_val_if_fail (SYAPP_IS_CLIENT (self), NULL);

  return self->pools;
}

SydSessions1 *
syapp_client_get_sessions (SyAppClient *self)
{
  g_return_val_if_fail (SYAPP_IS_CLIENT (self), NULL);

  return self->sessions;
}

SydWireguard1 *
syapp_client_get_wireguard (SyAppClient *self)
{
  g_return_val_if_fail (SYAPP_IS_CLIENT (self), NULL);

  return self->wireguard;
}

GCancellable *
syapp_client_get_cancellable (SyAppClient *self)
{
  g_return_val_if_fail (SYAPP_IS_CLIENT (self), NULL);

  return self->cancellable;
}
