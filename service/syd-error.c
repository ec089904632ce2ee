/* syd-error.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "syd-error"

#include "syd-error.h"
#include "util/sy-error.h"

/* One entry per SyError code, in enum order (see the nicks in sy-error.h). */
static const GDBusErrorEntry sy_error_entries[] = {
  { SY_ERROR_FAILED,           SYD_ERROR_PREFIX "Failed" },
  { SY_ERROR_INVALID_ARGUMENT, SYD_ERROR_PREFIX "InvalidArgument" },
  { SY_ERROR_NOT_FOUND,        SYD_ERROR_PREFIX "NotFound" },
  { SY_ERROR_EXISTS,           SYD_ERROR_PREFIX "Exists" },
  { SY_ERROR_CONFIG,           SYD_ERROR_PREFIX "Config" },
  { SY_ERROR_NOT_RUNNING,      SYD_ERROR_PREFIX "NotRunning" },
  { SY_ERROR_ALREADY_RUNNING,  SYD_ERROR_PREFIX "AlreadyRunning" },
  { SY_ERROR_ADDRESS_IN_USE,   SYD_ERROR_PREFIX "AddressInUse" },
  { SY_ERROR_INSECURE,         SYD_ERROR_PREFIX "Insecure" },
  { SY_ERROR_NO_UPSTREAM,      SYD_ERROR_PREFIX "NoUpstream" },
  { SY_ERROR_REJECTED,         SYD_ERROR_PREFIX "Rejected" },
  { SY_ERROR_PROTOCOL,         SYD_ERROR_PREFIX "Protocol" },
  { SY_ERROR_AUTH_FAILED,      SYD_ERROR_PREFIX "AuthFailed" },
  { SY_ERROR_UNSUPPORTED,      SYD_ERROR_PREFIX "Unsupported" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (sy_error_entries) == SY_ERROR_N_ERRORS);

/* Network failures (a health check through an upstream, a bind) keep their
 * G_IO_ERROR codes inside the engine; on the bus they need names of ours,
 * or GDBus would send "org.gtk.GDBus.UnmappedGError.Quark…" which no
 * client can act on. */
static const struct
{
  GIOErrorEnum  code;
  const char   *name;
} io_error_names[] = {
  { G_IO_ERROR_TIMED_OUT,           SYD_ERROR_PREFIX "TimedOut" },
  { G_IO_ERROR_CONNECTION_REFUSED,  SYD_ERROR_PREFIX "ConnectionRefused" },
  { G_IO_ERROR_HOST_UNREACHABLE,    SYD_ERROR_PREFIX "HostUnreachable" },
  { G_IO_ERROR_NETWORK_UNREACHABLE, SYD_ERROR_PREFIX "NetworkUnreachable" },
  { G_IO_ERROR_ADDRESS_IN_USE,      SYD_ERROR_PREFIX "AddressInUse" },
  { G_IO_ERROR_PERMISSION_DENIED,   SYD_ERROR_PREFIX "PermissionDenied" },
  { G_IO_ERROR_CANCELLED,           SYD_ERROR_PREFIX "Cancelled" },
};

void
syd_error_register (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      gsize quark = 0;

      g_dbus_error_register_error_domain ("sy-error-quark", &quark,
                                          sy_error_entries,
                                          G_N_ELEMENTS (sy_error_entries));
      g_assert ((GQuark) quark == SY_ERROR);
      g_once_init_leave (&registered, 1);
    }
}

/* Replies to @invocation with @error under a dev.switchyard.Error name. */
void
syd_error_return (GDBusMethodInvocation *invocation,
                  const GError          *error)
{
  g_assert (G_IS_DBUS_METHOD_INVOCATION (invocation));
  g_assert (error != NULL);

  if (error->domain == SY_ERROR || error->domain == G_DBUS_ERROR)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }

  if (error->domain == G_IO_ERROR)
    {
      for (guint i = 0; i < G_N_ELEMENTS (io_error_names); i++)
        if (error->code == (int) io_error_names[i].code)
          {
            g_dbus_method_invocation_return_dbus_error (invocation, io_error_names[i].name,
                                                        error->message);
            return;
          }

      g_dbus_method_invocation_return_dbus_error (invocation, SYD_ERROR_PREFIX "Network",
                                                  error->message);
      return;
    }

  if (error->domain == G_RESOLVER_ERROR)
    {
      g_dbus_method_invocation_return_dbus_error (invocation, SYD_ERROR_PREFIX "HostUnreachable",
                                                  error->message);
      return;
    }

  g_dbus_method_invocation_return_dbus_error (invocation, SYD_ERROR_PREFIX "Failed",
                                              error->message);
}
