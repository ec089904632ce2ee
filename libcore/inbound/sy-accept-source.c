/* sy-accept-source.c — the common part, and connections from a GSocketService
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-tunnel"

#include "sy-accept-source.h"

void
sy_accept_source_init (SyAcceptSource            *self,
                       const SyAcceptSourceFuncs *funcs,
                       const char                *description)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (funcs != NULL && funcs->start != NULL && funcs->stop != NULL);

  self->funcs = funcs;
  self->description = g_strdup (description);
}

void
sy_accept_source_emit (SyAcceptSource *self,
                       GIOStream      *connection,
                       GSocketAddress *remote)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (G_IS_IO_STREAM (connection));

  if (!self->started)
    return;

  self->func (connection, remote, self->func_data);
}

gboolean
sy_accept_source_start (SyAcceptSource  *self,
                        SyAcceptFunc     func,
                        gpointer         user_data,
                        GError         **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  if (self->started)
    return TRUE;

  self->func = func;
  self->func_data = user_data;
  self->started = TRUE;

  if (!self->funcs->start (self, error))
    {
      self->started = FALSE;
      self->func = NULL;
      self->func_data = NULL;
      return FALSE;
    }

  return TRUE;
}

void
sy_accept_source_stop (SyAcceptSource *self)
{
  g_return_if_fail (self != NULL);

  if (!self->started)
    return;

  self->funcs->stop (self);
  self->started = FALSE;
  self->func = NULL;
  self->func_data = NULL;
}

void
sy_accept_source_free (SyAcceptSource *self)
{
  char *description;

  if (self == NULL)
    return;

  sy_accept_source_stop (self);

  description = self->description;
  if (self->funcs->free != NULL)
    self->funcs->free (self);
  else
    g_free (self);
  g_free (description);
}

const char *
sy_accept_source_describe (SyAcceptSource *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->description;
}

/* GSocketService --------------------------------------------------------- */

typedef struct
{
  SyAcceptSource  parent;
  GSocketService *service;
  gulong          handler;
} ServiceSource;

static gboolean
service_incoming_cb (GSocketService    *service,
                     GSocketConnection *connection,
                     GObject           *source_object,
                     gpointer           user_data)
{
  ServiceSource *source = user_data;
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);

  sy_accept_source_emit (&source->parent, G_IO_STREAM (connection), remote);
  return TRUE;
}

static gboolean
service_start (SyAcceptSource  *self,
               GError         **error)
{
  ServiceSource *source = (ServiceSource *) self;

  source->handler = g_signal_connect (source->service, "incoming",
                                      G_CALLBACK (service_incoming_cb), source);
  g_socket_service_start (source->service);
  return TRUE;
}

static void
service_stop (SyAcceptSource *self)
{
  ServiceSource *source = (ServiceSource *) self;

  g_socket_service_stop (source->service);
  g_clear_signal_handler (&source->handler, source->service);
}

static void
service_free (SyAcceptSource *self)
{
  ServiceSource *source = (ServiceSource *) self;

  g_socket_listener_close (G_SOCKET_LISTENER (source->service));
  g_clear_object (&source->service);
  g_free (source);
}

static const SyAcceptSourceFuncs service_funcs = {
  service_start,
  service_stop,
  service_free,
};

SyAcceptSource *
sy_accept_source_new_service (GSocketService *service)
{
  ServiceSource *source;

  g_return_val_if_fail (G_IS_SOCKET_SERVICE (service), NULL);

  /* The service is left as it is: stopping it here and starting it again
   * at once would race with its cancelled accept, which takes a connection
   * that arrives in that window and then drops it. */
  source = g_new0 (ServiceSource, 1);
  sy_accept_source_init (&source->parent, &service_funcs, "a local socket service");
  source->service = g_object_ref (service);

  return &source->parent;
}
