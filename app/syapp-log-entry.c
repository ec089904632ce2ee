/* syapp-log-entry.c — one message of the service's log
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Immutable once made: the service never changes a logged line.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "syapp-format.h"
#include "syapp-log-entry.h"

struct _SyAppLogEntry
{
  GObject  parent_instance;

  guint64  serial;
  gint64   time;
  char    *level;
  char    *domain;
  char    *message;
  char    *casefolded;   /* domain and message, for searching */
};

enum {
  PROP_0,
  PROP_TIME_TEXT,
  PROP_LEVEL,
  PROP_LEVEL_TEXT,
  PROP_DOMAIN,
  PROP_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SyAppLogEntry, syapp_log_entry, G_TYPE_OBJECT)

/* The service's level names (see GetLog), least severe first. */
static const char *const levels[] = { "debug", "info", "message", "warning", "critical", "error" };

guint
syapp_log_level_rank (const char *level)
{
  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    if (g_strcmp0 (level, levels[i]) == 0)
      return i;
  /* Unknown levels (a newer service) are shown rather than hidden. */
  return 2;
}

static const char *
level_text (const char *level)
{
  switch (syapp_log_level_rank (level))
    {
    case 0:
      return C_("log level", "Debug");
    case 1:
      return C_("log level", "Info");
    case 3:
      return C_("log level", "Warning");
    case 4:
      return C_("log level", "Critical");
    case 5:
      return C_("log level", "Error");
    case 2:
    default:
      return C_("log level", "Message");
    }
}

static void
syapp_log_entry_finalize (GObject *object)
{
  SyAppLogEntry *self = SYAPP_LOG_ENTRY (object);

  g_free (self->level);
  g_free (self->domain);
  g_free (self->message);
  g_free (self->casefolded);

  G_OBJECT_CLASS (syapp_log_entry_parent_class)->finalize (object);
}

static void
syapp_log_entry_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SyAppLogEntry *self = SYAPP_LOG_ENTRY (object);

  switch (prop_id)
    {
    case PROP_TIME_TEXT:
      g_value_take_string (value, syapp_format_time (self->time));
      break;

    case PROP_LEVEL:
      g_value_set_string (value, self->level);
      break;

    case PROP_LEVEL_TEXT:
      g_value_set_string (value, level_text (self->level));
      break;

    case PROP_DOMAIN:
      g_value_set_string (value, self->domain);
      break;

    case PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syapp_log_entry_class_init (SyAppLogEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = syapp_log_entry_finalize;
  object_class->get_property = syapp_log_entry_get_property;

  properties[PROP_TIME_TEXT] = g_param_spec_string ("time-text", NULL, NULL, NULL, flags);
  properties[PROP_LEVEL] = g_param_spec_string ("level", NULL, NULL, NULL, flags);
  properties[PROP_LEVEL_TEXT] = g_param_spec_string ("level-text", NULL, NULL, NULL, flags);
  properties[PROP_DOMAIN] = g_param_spec_string ("domain", NULL, NULL, NULL, flags);
  properties[PROP_MESSAGE] = g_param_spec_string ("message", NULL, NULL, NULL, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
syapp_log_entry_init (SyAppLogEntry *self)
{
}

SyAppLogEntry *
syapp_log_entry_new (guint64     serial,
                     gint64      time,
                     const char *level,
                     const char *domain,
                     const char *message)
{
  SyAppLogEntry *self = g_object_new (SYAPP_TYPE_LOG_ENTRY, NULL);
  g_autofree char *both = g_strconcat (domain, " ", message, NULL);

  self->serial = serial;
  self->time = time;
  self->level = g_strdup (level);
  self->domain = g_strdup (domain);
  self->message = g_strdup (message);
  self->casefolded = g_utf8_casefold (both, -1);
  return self;
}

guint64
syapp_log_entry_get_serial (SyAppLogEntry *self)
{
  g_return_val_if_fail (SYAPP_IS_LOG_ENTRY (self), 0);
  return self->serial;
}

gint64
syapp_log_entry_get_time (SyAppLogEntry *self)
{
  g_return_val_if_fail (SYAPP_IS_LOG_ENTRY (self), 0);
  return self->time;
}

const char *
syapp_log_entry_get_level (SyAppLogEntry *self)
{
  g_return_val_if_fail (SYAPP_IS_LOG_ENTRY (self), NULL);
  return self->level;
}

const char *
syapp_log_entry_get_domain (SyAppLogEntry *self)
{
  g_return_val_if_fail (SYAPP_IS_LOG_ENTRY (self), NULL);
  return self->domain;
}

const char *
syapp_log_entry_get_message (SyAppLogEntry *self)
{
  g_return_val_if_fail (SYAPP_IS_LOG_ENTRY (self), NULL);
  return self->message;
}

guint
syapp_log_entry_get_rank (SyAppLogEntry *self)
{
  g_return_val_if_fail (SYAPP_IS_LOG_ENTRY (self), 0);
  return syapp_log_level_rank (self->level);
}

/* One line as copied to the clipboard: untranslated level names, like the
 * service's own output, so that a pasted log reads the same everywhere. */
char *
syapp_log_entry_to_string (SyAppLogEntry *self)
{
  g_autofree char *time = NULL;

  g_return_val_if_fail (SYAPP_IS_LOG_ENTRY (self), NULL);

  time = syapp_format_time (self->time);
  return g_strdup_printf ("%s %-8s %s: %s", time, self->level, self->domain, self->message);
}

gboolean
syapp_log_entry_matches (SyAppLogEntry *self,
                         const char    *casefolded_needle)
{
  g_return_val_if_fail (SYAPP_IS_LOG_ENTRY (self), FALSE);

  return casefolded_needle == NULL || casefolded_needle[0] == '\0' ||
         strstr (self->casefolded, casefolded_needle) != NULL;
}
