/* sy-log-ring.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sy-log-ring.h"

struct _SyLogRing
{
  SyLogEntry *entries;   /* circular, capacity slots */
  guint       capacity;
  guint       head;      /* index of the oldest entry */
  guint       length;
  guint64     next_serial;
};

static void
sy_log_entry_clear (SyLogEntry *entry)
{
  g_clear_pointer (&entry->domain, g_free);
  g_clear_pointer (&entry->message, g_free);
}

SyLogRing *
sy_log_ring_new (guint capacity)
{
  SyLogRing *self = g_new0 (SyLogRing, 1);

  self->capacity = MAX (capacity, 1);
  self->entries = g_new0 (SyLogEntry, self->capacity);
  self->next_serial = 1;

  return self;
}

void
sy_log_ring_free (SyLogRing *self)
{
  if (self == NULL)
    return;

  for (guint i = 0; i < self->capacity; i++)
    sy_log_entry_clear (&self->entries[i]);
  g_free (self->entries);
  g_free (self);
}

/* Keeps the newest min(length, capacity) entries in order. */
void
sy_log_ring_set_capacity (SyLogRing *self,
                          guint      capacity)
{
  SyLogEntry *entries;
  guint keep;

  g_return_if_fail (self != NULL);

  capacity = MAX (capacity, 1);
  if (capacity == self->capacity)
    return;

  entries = g_new0 (SyLogEntry, capacity);
  keep = MIN (self->length, capacity);

  for (guint i = 0; i < self->length; i++)
    {
      SyLogEntry *old = &self->entries[(self->head + i) % self->capacity];

      if (i < self->length - keep)
        sy_log_entry_clear (old);
      else
        entries[i - (self->length - keep)] = *old;
    }

  g_free (self->entries);
  self->entries = entries;
  self->capacity = capacity;
  self->head = 0;
  self->length = keep;
}

const SyLogEntry *
sy_log_ring_push (SyLogRing      *self,
                  GLogLevelFlags  level,
                  const char     *domain,
                  const char     *message)
{
  SyLogEntry *entry;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->length < self->capacity)
    {
      entry = &self->entries[(self->head + self->length) % self->capacity];
      self->length++;
    }
  else
    {
      entry = &self->entries[self->head];
      sy_log_entry_clear (entry);
      self->head = (self->head + 1) % self->capacity;
    }

  entry->serial = self->next_serial++;
  entry->timestamp = g_get_real_time ();
  entry->level = level & G_LOG_LEVEL_MASK;
  entry->domain = g_strdup (domain != NULL ? domain : "");
  entry->message = g_strdup (message != NULL ? message : "");

  return entry;
}

GPtrArray *
sy_log_ring_get_since (SyLogRing *self,
                       guint64    after,
                       guint      limit)
{
  GPtrArray *result;
  guint start = 0;

  g_return_val_if_fail (self != NULL, NULL);

  result = g_ptr_array_new ();

  /* serials are consecutive, so the first wanted entry is found arithmetically */
  if (self->length > 0)
    {
      guint64 oldest = self->entries[self->head].serial;

      if (after >= oldest)
        start = (guint) MIN ((guint64) self->length, after - oldest + 1);
    }

  if (limit > 0 && self->length - start > limit)
    start = self->length - limit;

  for (guint i = start; i < self->length; i++)
    g_ptr_array_add (result, &self->entries[(self->head + i) % self->capacity]);

  return result;
}

const char *
sy_log_level_to_string (GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "error";
  if (level & G_LOG_LEVEL_CRITICAL)
    return "critical";
  if (level & G_LOG_LEVEL_WARNING)
    return "warning";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "message";
  if (level & G_LOG_LEVEL_INFO)
    return "info";
  return "debug";
}

gboolean
sy_log_level_from_string (const char     *text,
                          GLogLevelFlags *level)
{
  static const struct { const char *name; GLogLevelFlags level; } levels[] = {
    { "error", G_LOG_LEVEL_ERROR },
    { "critical", G_LOG_LEVEL_CRITICAL },
    { "warning", G_LOG_LEVEL_WARNING },
    { "message", G_LOG_LEVEL_MESSAGE },
    { "info", G_LOG_LEVEL_INFO },
    { "debug", G_LOG_LEVEL_DEBUG },
  };

  g_return_val_if_fail (level != NULL, FALSE);

  if (text == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    {
      if (g_ascii_strcasecmp (text, levels[i].name) == 0)
        {
          *level = levels[i].level;
          return TRUE;
        }
    }

  return FALSE;
}
