/* syd-sessions.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "syd-sessions"

#include "syd-error.h"
#include "syd-sessions.h"
#include "syd-variant.h"
#include "util/sy-error.h"

struct _SydSessions
{
  SydSessions1Skeleton  parent_instance;

  SyEngine             *engine;
};

static void syd_sessions_iface_init (SydSessions1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SydSessions, syd_sessions, SYD_TYPE_SESSIONS1_SKELETON,
                               G_IMPLEMENT_INTERFACE (SYD_TYPE_SESSIONS1, syd_sessions_iface_init))

static SyDispatcher *
get_dispatcher (SydSessions *self)
{
  return sy_engine_get_dispatcher (self->engine);
}

static int
compare_by_id (gconstpointer a,
               gconstpointer b)
{
  const SySession *sa = *(SySession * const *) a;
  const SySession *sb = *(SySession * const *) b;

  return (sa->id > sb->id) - (sa->id < sb->id);
}

static gboolean
syd_sessions_handle_list_sessions (SydSessions1          *object,
                                   GDBusMethodInvocation *invocation)
{
  SydSessions *self = SYD_SESSIONS (object);
  g_autoptr(GPtrArray) sessions = sy_dispatcher_list_sessions (get_dispatcher (self));

  /* Ids grow with time, so this is oldest first, a stable order for lists. */
  g_ptr_array_sort (sessions, compare_by_id);
  syd_sessions1_complete_list_sessions (object, invocation, syd_variant_from_sessions (sessions));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
syd_sessions_handle_close_session (SydSessions1          *object,
                                   GDBusMethodInvocation *invocation,
                                   guint64                arg_id)
{
  SydSessions *self = SYD_SESSIONS (object);

  if (arg_id == 0)
    g_dbus_method_invocation_return_error (invocation, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                                           "Session ids start at 1; "
                                           "pass an “id” from ListSessions()");
  else if (!sy_dispatcher_close_session (get_dispatcher (self), arg_id))
    g_dbus_method_invocation_return_error (invocation, SY_ERROR, SY_ERROR_NOT_FOUND,
                                           "There is no live session %" G_GUINT64_FORMAT "; "
                                           "it may have finished already "
                                           "(see GetConnectionLog())", arg_id);
  else
    syd_sessions1_complete_close_session (object, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
syd_sessions_handle_close_sessions (SydSessions1          *object,
                                    GDBusMethodInvocation *invocation,
                                    const char            *arg_filter)
{
  SydSessions *self = SYD_SESSIONS (object);
  guint count;

  count = sy_dispatcher_close_matching (get_dispatcher (self), arg_filter);
  if (count > 0)
    g_message ("Closed %u session%s on request%s%s%s", count, count == 1 ? "" : "s",
               arg_filter[0] != '\0' ? " (matching “" : "",
               arg_filter, arg_filter[0] != '\0' ? "”)" : "");
  syd_sessions1_complete_close_sessions (object, invocation, count);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
syd_sessions_handle_get_connection_log (SydSessions1          *object,
                                        GDBusMethodInvocation *invocation,
                                        guint                  arg_limit)
{
  SydSessions *self = SYD_SESSIONS (object);
  g_autoptr(GPtrArray) log = sy_dispatcher_get_connection_log (get_dispatcher (self));

  if (arg_limit > 0 && log->len > arg_limit)
    g_ptr_array_remove_range (log, 0, log->len - arg_limit);

  syd_sessions1_complete_get_connection_log (object, invocation, syd_variant_from_sessions (log));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
syd_sessions_iface_init (SydSessions1Iface *iface)
{
  iface->handle_list_sessions = syd_sessions_handle_list_sessions;
  iface->handle_close_session = syd_sessions_handle_close_session;
  iface->handle_close_sessions = syd_sessions_handle_close_sessions;
  iface->handle_get_connection_log = syd_sessions_handle_get_connection_log;
}

static void
syd_sessions_changed_cb (SydSessions *self,
                         GPtrArray   *changed,
                         GArray      *removed)
{
  GVariant *removed_variant;
  GList *connections;

  /* Headless, or before the bus is up, nobody can receive it: do not build it. */
  connections = g_dbus_interface_skeleton_get_connections (G_DBUS_INTERFACE_SKELETON (self));
  if (connections == NULL)
    return;
  g_list_free_full (connections, g_object_unref);

  removed_variant = g_variant_new_fixed_array (G_VARIANT_TYPE_UINT64,
                                               removed->data, removed->len, sizeof (guint64));
  syd_sessions1_emit_sessions_changed (SYD_SESSIONS1 (self),
                                       syd_variant_from_sessions (changed),
                                       removed_variant);
}

static void
syd_sessions_dispose (GObject *object)
{
  SydSessions *self = SYD_SESSIONS (object);

  g_clear_object (&self->engine);

  G_OBJECT_CLASS (syd_sessions_parent_class)->dispose (object);
}

static void
syd_sessions_class_init (SydSessionsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = syd_sessions_dispose;
}

static void
syd_sessions_init (SydSessions *self)
{
}

SydSessions *
syd_sessions_new (SyEngine *engine)
{
  SydSessions *self;

  g_return_val_if_fail (SY_IS_ENGINE (engine), NULL);

  self = g_object_new (SYD_TYPE_SESSIONS, NULL);
  self->engine = g_object_ref (engine);

  g_signal_connect_object (sy_engine_get_dispatcher (engine), "sessions-changed",
                           G_CALLBACK (syd_sessions_changed_cb), self, G_CONNECT_SWAPPED);

  return self;
}
