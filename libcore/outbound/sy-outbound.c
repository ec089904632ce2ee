/* sy-outbound.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-outbound"

#include "sy-outbound.h"

typedef struct
{
  char *name;
  char *kind;
} SyOutboundPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (SyOutbound, sy_outbound, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_KIND,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
sy_outbound_finalize (GObject *object)
{
  SyOutbound *self = SY_OUTBOUND (object);
  SyOutboundPrivate *priv = sy_outbound_get_instance_private (self);

  g_clear_pointer (&priv->name, g_free);
  g_clear_pointer (&priv->kind, g_free);

  G_OBJECT_CLASS (sy_outbound_parent_class)->finalize (object);
}

static void
sy_outbound_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SyOutbound *self = SY_OUTBOUND (object);
  SyOutboundPrivate *priv = sy_outbound_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, priv->name);
      break;
    case PROP_KIND:
      g_value_set_string (value, priv->kind);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_outbound_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  SyOutbound *self = SY_OUTBOUND (object);
  SyOutboundPrivate *priv = sy_outbound_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_NAME:
      g_free (priv->name);
      priv->name = g_value_dup_string (value);
      break;
    case PROP_KIND:
      g_free (priv->kind);
      priv->kind = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_outbound_class_init (SyOutboundClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sy_outbound_finalize;
  object_class->get_property = sy_outbound_get_property;
  object_class->set_property = sy_outbound_set_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_KIND] =
    g_param_spec_string ("kind", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sy_outbound_init (SyOutbound *self)
{
}

const char *
sy_outbound_get_name (SyOutbound *self)
{
  SyOutboundPrivate *priv = sy_outbound_get_instance_private (self);

  g_return_val_if_fail (SY_IS_OUTBOUND (self), NULL);

  return priv->name;
}

const char *
sy_outbound_get_kind (SyOutbound *self)
{
  SyOutboundPrivate *priv = sy_outbound_get_instance_private (self);

  g_return_val_if_fail (SY_IS_OUTBOUND (self), NULL);

  return priv->kind;
}

void
sy_outbound_dial_async (SyOutbound          *self,
                        SySession           *session,
                        const char          *host,
                        guint16              port,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_return_if_fail (SY_IS_OUTBOUND (self));
  g_return_if_fail (host != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  SY_OUTBOUND_GET_CLASS (self)->dial_async (self, session, host, port,
                                            cancellable, callback, user_data);
}

GIOStream *
sy_outbound_dial_finish (SyOutbound    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (SY_IS_OUTBOUND (self), NULL);

  return SY_OUTBOUND_GET_CLASS (self)->dial_finish (self, result, error);
}
