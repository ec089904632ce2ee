/* sy-datagram-session.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-datagram"

#include "sy-datagram-session.h"

gboolean
sy_datagram_session_send (SyDatagramSession   *self,
                          const guint8        *data,
                          gsize                length,
                          GInetSocketAddress  *to,
                          GError             **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (to), FALSE);

  return self->funcs->send (self, data, length, to, error);
}

void
sy_datagram_session_close (SyDatagramSession *self)
{
  if (self == NULL)
    return;

  self->funcs->close (self);
}

/* Dialer ----------------------------------------------------------------- */

typedef struct
{
  char *name;
} SyDatagramDialerPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (SyDatagramDialer, sy_datagram_dialer, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
system_resolved_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GList *addresses;

  addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (object), result, &error);
  if (addresses == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, addresses, (GDestroyNotify) g_resolver_free_addresses);
}

static void
sy_datagram_dialer_real_resolve_async (SyDatagramDialer    *self,
                                       const char          *host,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GResolver) resolver = g_resolver_get_default ();
  GTask *task;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_datagram_dialer_real_resolve_async);
  g_resolver_lookup_by_name_async (resolver, host, cancellable, system_resolved_cb, task);
}

static GList *
sy_datagram_dialer_real_resolve_finish (SyDatagramDialer  *self,
                                        GAsyncResult      *result,
                                        GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
sy_datagram_dialer_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  SyDatagramDialer *self = SY_DATAGRAM_DIALER (object);
  SyDatagramDialerPrivate *priv = sy_datagram_dialer_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, priv->name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_datagram_dialer_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  SyDatagramDialer *self = SY_DATAGRAM_DIALER (object);
  SyDatagramDialerPrivate *priv = sy_datagram_dialer_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_NAME:
      g_free (priv->name);
      priv->name = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_datagram_dialer_finalize (GObject *object)
{
  SyDatagramDialer *self = SY_DATAGRAM_DIALER (object);
  SyDatagramDialerPrivate *priv = sy_datagram_dialer_get_instance_private (self);

  g_free (priv->name);

  G_OBJECT_CLASS (sy_datagram_dialer_parent_class)->finalize (object);
}

static void
sy_datagram_dialer_class_init (SyDatagramDialerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = sy_datagram_dialer_get_property;
  object_class->set_property = sy_datagram_dialer_set_property;
  object_class->finalize = sy_datagram_dialer_finalize;

  klass->resolve_async = sy_datagram_dialer_real_resolve_async;
  klass->resolve_finish = sy_datagram_dialer_real_resolve_finish;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sy_datagram_dialer_init (SyDatagramDialer *self)
{
}

const char *
sy_datagram_dialer_get_name (SyDatagramDialer *self)
{
  SyDatagramDialerPrivate *priv;

  g_return_val_if_fail (SY_IS_DATAGRAM_DIALER (self), NULL);

  priv = sy_datagram_dialer_get_instance_private (self);
  return priv->name;
}

void
sy_datagram_dialer_resolve_async (SyDatagramDialer    *self,
                                  const char          *host,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (SY_IS_DATAGRAM_DIALER (self));
  g_return_if_fail (host != NULL);

  SY_DATAGRAM_DIALER_GET_CLASS (self)->resolve_async (self, host, cancellable,
                                                      callback, user_data);
}

GList *
sy_datagram_dialer_resolve_finish (SyDatagramDialer  *self,
                                   GAsyncResult      *result,
                                   GError           **error)
{
  g_return_val_if_fail (SY_IS_DATAGRAM_DIALER (self), NULL);

  return SY_DATAGRAM_DIALER_GET_CLASS (self)->resolve_finish (self, result, error);
}

SyDatagramSession *
sy_datagram_dialer_open (SyDatagramDialer    *self,
                         GSocketFamily        family,
                         SyDatagramRecvFunc   func,
                         gpointer             user_data,
                         GError             **error)
{
  g_return_val_if_fail (SY_IS_DATAGRAM_DIALER (self), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  return SY_DATAGRAM_DIALER_GET_CLASS (self)->open (self, family, func, user_data, error);
}
