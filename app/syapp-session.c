/* syapp-session.c — one proxied connection, as the service reports it
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GObject so the column views can bind to its properties and sort by
 * them. Updates come as the service's a{sv} dictionaries (ListSessions,
 * SessionsChanged, GetConnectionLog) and notify only the properties that
 * really changed, so a batch of a thousand sessions where ten moved bytes
 * redraws ten rows.
 */

#include "config.h"

#include <string.h>

#include "syapp-format.h"
#include "syapp-session.h"

struct _SyAppSession
{
  GObject  parent_instance;

  guint64  id;
  char    *target;
  char    *client;
  char    *sniffed;
  char    *protocol;
  char    *inbound;
  char    *outbound;
  char    *upstream;
  char    *rule;
  char    *route;
  char    *state;
  char    *error;
  gint64   created;
  gint64   finished;
  gint64   duration;
  guint64  bytes_up;
  guint64  bytes_down;
};

enum {
  PROP_0,
  PROP_ID,
  PROP_TARGET,
  PROP_CLIENT,
  PROP_PROTOCOL,
  PROP_ROUTE,
  PROP_STATE,
  PROP_ERROR,
  PROP_CREATED,
  PROP_FINISHED,
  PROP_DURATION,
  PROP_BYTES_UP,
  PROP_BYTES_DOWN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SyAppSession, syapp_session, G_TYPE_OBJECT)

static void
set_string (SyAppSession  *self,
            char         **field,
            const char    *value,
            int            prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  if (prop != PROP_0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_int (SyAppSession *self,
         gint64       *field,
         gint64        value,
         int           prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_uint (SyAppSession *self,
          guint64      *field,
          guint64       value,
          int           prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

/* "work/office" for a pool member, "direct", or "rule → work/office" when a
 * routing rule chose it. */
static char *
build_route (SyAppSession *self)
{
  g_autofree char *way = NULL;

  if (self->upstream != NULL && self->upstream[0] != '\0')
    way = g_strdup_printf ("%s/%s", self->outbound, self->upstream);
  else
    way = g_strdup (self->outbound);

  if (self->rule != NULL && self->rule[0] != '\0')
    return g_strdup_printf ("%s → %s", self->rule, way);
  return g_steal_pointer (&way);
}

/* The value of an integer key, whatever its D-Bus width. */
static gint64
as_int (GVariant *value)
{
  switch (g_variant_classify (value))
    {
    case G_VARIANT_CLASS_INT64:
      return g_variant_get_int64 (value);
    case G_VARIANT_CLASS_UINT64:
      return (gint64) MIN (g_variant_get_uint64 (value), (guint64) G_MAXINT64);
    case G_VARIANT_CLASS_INT32:
      return g_variant_get_int32 (value);
    case G_VARIANT_CLASS_UINT32:
      return g_variant_get_uint32 (value);
    case G_VARIANT_CLASS_INT16:
      return g_variant_get_int16 (value);
    case G_VARIANT_CLASS_UINT16:
      return g_variant_get_uint16 (value);
    case G_VARIANT_CLASS_BYTE:
      return g_variant_get_byte (value);
    case G_VARIANT_CLASS_BOOLEAN:
    case G_VARIANT_CLASS_HANDLE:
    case G_VARIANT_CLASS_DOUBLE:
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
    case G_VARIANT_CLASS_VARIANT:
    case G_VARIANT_CLASS_MAYBE:
    case G_VARIANT_CLASS_ARRAY:
    case G_VARIANT_CLASS_TUPLE:
    case G_VARIANT_CLASS_DICT_ENTRY:
    default:
      return 0;
    }
}

/* Keys left out keep their value: a dictionary from an older or newer
 * service may lack some. The dictionary is walked once: a batch can carry
 * a thousand sessions ten times a second, and a lookup per key would walk
 * it twenty times over. */
void
syapp_session_update (SyAppSession *self,
                      GVariant     *dict)
{
  static const struct
  {
    const char *key;
    gsize       offset;
    int         prop;
  } strings[] = {
    { "target", G_STRUCT_OFFSET (SyAppSession, target), PROP_TARGET },
    { "client", G_STRUCT_OFFSET (SyAppSession, client), PROP_CLIENT },
    { "protocol", G_STRUCT_OFFSET (SyAppSession, protocol), PROP_PROTOCOL },
    { "state", G_STRUCT_OFFSET (SyAppSession, state), PROP_STATE },
    { "error", G_STRUCT_OFFSET (SyAppSession, error), PROP_ERROR },
    { "sniffed", G_STRUCT_OFFSET (SyAppSession, sniffed), PROP_0 },
    { "inbound", G_STRUCT_OFFSET (SyAppSession, inbound), PROP_0 },
    { "outbound", G_STRUCT_OFFSET (SyAppSession, outbound), PROP_0 },
    { "upstream", G_STRUCT_OFFSET (SyAppSession, upstream), PROP_0 },
    { "rule", G_STRUCT_OFFSET (SyAppSession, rule), PROP_0 },
  };
  g_autofree char *route = NULL;
  GVariantIter iter;
  const char *key;
  GVariant *value;
  gboolean route_changed = FALSE;

  g_return_if_fail (SYAPP_IS_SESSION (self));
  g_return_if_fail (g_variant_is_of_type (dict, G_VARIANT_TYPE_VARDICT));

  g_object_freeze_notify (G_OBJECT (self));

  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        {
          for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
            if (strcmp (key, strings[i].key) == 0)
              {
                char **field = G_STRUCT_MEMBER_P (self, strings[i].offset);

                route_changed |= strings[i].prop == PROP_0 &&
                                 g_strcmp0 (*field, g_variant_get_string (value, NULL)) != 0;
                set_string (self, field, g_variant_get_string (value, NULL), strings[i].prop);
                break;
              }
        }
      else if (strcmp (key, "created") == 0)
        set_int (self, &self->created, as_int (value), PROP_CREATED);
      else if (strcmp (key, "finished") == 0)
        set_int (self, &self->finished, as_int (value), PROP_FINISHED);
      else if (strcmp (key, "duration-ms") == 0)
        set_int (self, &self->duration, as_int (value), PROP_DURATION);
      else if (strcmp (key, "bytes-up") == 0)
        set_uint (self, &self->bytes_up, MAX (as_int (value), 0), PROP_BYTES_UP);
      else if (strcmp (key, "bytes-down") == 0)
        set_uint (self, &self->bytes_down, MAX (as_int (value), 0), PROP_BYTES_DOWN);
      g_variant_unref (value);
    }

  if (route_changed || self->route == NULL)
    {
      route = build_route (self);
      set_string (self, &self->route, route, PROP_ROUTE);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

/* A live session's age grows without the service saying so. */
void
syapp_session_tick (SyAppSession *self,
                    gint64        now_usec)
{
  g_return_if_fail (SYAPP_IS_SESSION (self));

  if (self->finished == 0 && self->created > 0)
    set_int (self, &self->duration, MAX (now_usec - self->created, 0) / 1000, PROP_DURATION);
}

static gboolean
contains (const char *haystack,
          const char *casefolded_needle)
{
  g_autofree char *folded = NULL;

  if (haystack == NULL || haystack[0] == '\0')
    return FALSE;
  folded = g_utf8_casefold (haystack, -1);
  return strstr (folded, casefolded_needle) != NULL;
}

/* The fields and the matching of the service's CloseSessions(filter), so
 * that "close the shown connections" closes exactly those. */
gboolean
syapp_session_matches (SyAppSession *self,
                       const char   *casefolded_needle)
{
  g_return_val_if_fail (SYAPP_IS_SESSION (self), FALSE);

  if (casefolded_needle == NULL || casefolded_needle[0] == '\0')
    return TRUE;

  return contains (self->target, casefolded_needle) ||
         contains (self->client, casefolded_needle) ||
         contains (self->sniffed, casefolded_needle) ||
         contains (self->outbound, casefolded_needle) ||
         contains (self->upstream, casefolded_needle) ||
         contains (self->inbound, casefolded_needle) ||
         contains (self->protocol, casefolded_needle);
}

static void
syapp_session_finalize (GObject *object)
{
  SyAppSession *self = SYAPP_SESSION (object);

  g_free (self->target);
  g_free (self->client);
  g_free (self->sniffed);
  g_free (self->protocol);
  g_free (self->inbound);
  g_free (self->outbound);
  g_free (self->upstream);
  g_free (self->rule);
  g_free (self->route);
  g_free (self->state);
  g_free (self->error);

  G_OBJECT_CLASS (syapp_session_parent_class)->finalize (object);
}

static void
syapp_session_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  SyAppSession *self = SYAPP_SESSION (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_uint64 (value, self->id);
      break;

    case PROP_TARGET:
      g_value_set_string (value, self->target);
      break;

    case PROP_CLIENT:
      g_value_set_string (value, self->client);
      break;

    case PROP_PROTOCOL:
      g_value_set_string (value, self->protocol);
      break;

    case PROP_ROUTE:
      g_value_set_string (value, self->route);
      break;

    case PROP_STATE:
      g_value_set_string (value, self->state);
      break;

    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;

    case PROP_CREATED:
      g_value_set_int64 (value, self->created);
      break;

    case PROP_FINISHED:
      g_value_set_int64 (value, self->finished);
      break;

    case PROP_DURATION:
      g_value_set_int64 (value, self->duration);
      break;

    case PROP_BYTES_UP:
      g_value_set_uint64 (value, self->bytes_up);
      break;

    case PROP_BYTES_DOWN:
      g_value_set_uint64 (value, self->bytes_down);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syapp_session_class_init (SyAppSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = syapp_session_finalize;
  object_class->get_property = syapp_session_get_property;

  properties[PROP_ID] = g_param_spec_uint64 ("id", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_TARGET] = g_param_spec_string ("target", NULL, NULL, NULL, flags);
  properties[PROP_CLIENT] = g_param_spec_string ("client", NULL, NULL, NULL, flags);
  properties[PROP_PROTOCOL] = g_param_spec_string ("protocol", NULL, NULL, NULL, flags);
  properties[PROP_ROUTE] = g_param_spec_string ("route", NULL, NULL, NULL, flags);
  properties[PROP_STATE] = g_param_spec_string ("state", NULL, NULL, NULL, flags);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, flags);
  properties[PROP_CREATED] =
    g_param_spec_int64 ("created", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_FINISHED] =
    g_param_spec_int64 ("finished", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_DURATION] =
    g_param_spec_int64 ("duration-ms", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_BYTES_UP] =
    g_param_spec_uint64 ("bytes-up", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_BYTES_DOWN] =
    g_param_spec_uint64 ("bytes-down", NULL, NULL, 0, G_MAXUINT64, 0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
syapp_session_init (SyAppSession *self)
{
}

SyAppSession *
syapp_session_new (GVariant *dict)
{
  SyAppSession *self;

  g_return_val_if_fail (g_variant_is_of_type (dict, G_VARIANT_TYPE_VARDICT), NULL);

  self = g_object_new (SYAPP_TYPE_SESSION, NULL);
  self->id = syapp_variant_get_uint (dict, "id");
  syapp_session_update (self, dict);
  return self;
}

guint64
syapp_session_get_id (SyAppSession *self)
{
  g_return_val_if_fail (SYAPP_IS_SESSION (self), 0);
  return self->id;
}

const char *
syapp_session_get_target (SyAppSession *self)
{
  g_return_val_if_fail (SYAPP_IS_SESSION (self), NULL);
  return self->target;
}

const char *
syapp_session_get_route (SyAppSession *self)
{
  g_return_val_if_fail (SYAPP_IS_SESSION (self), NULL);
  return self->route;
}

const char *
syapp_session_get_state (SyAppSession *self)
{
  g_return_val_if_fail (SYAPP_IS_SESSION (self), NULL);
  return self->state;
}

const char *
syapp_session_get_error (SyAppSession *self)
{
  g_return_val_if_fail (SYAPP_IS_SESSION (self), NULL);
  return self->error;
}

guint64
syapp_session_get_bytes_up (SyAppSession *self)
{
  g_return_val_if_fail (SYAPP_IS_SESSION (self), 0);
  return self->bytes_up;
}

guint64
syapp_session_get_bytes_down (SyAppSession *self)
{
  g_return_val_if_fail (SYAPP_IS_SESSION (self), 0);
  return self->bytes_down;
}

gint64
syapp_session_get_duration (SyAppSession *self)
{
  g_return_val_if_fail (SYAPP_IS_SESSION (self), 0);
  return self->duration;
}

gboolean
syapp_session_is_finished (SyAppSession *self)
{
  g_return_val_if_fail (SYAPP_IS_SESSION (self), FALSE);
  return self->finished != 0 ||
         g_strcmp0 (self->state, "closed") == 0 || g_strcmp0 (self->state, "failed") == 0;
}
