/* syd-log.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "syd-log"

#include <string.h>

#include "syd-log.h"
#include "syd-variant.h"

/* The writer runs on whichever thread logged (GTask workers, the resolver),
 * so the ring is behind a lock; the Log signal is emitted later from the
 * main loop. Emitting from inside the writer could re-enter it (GDBus logs
 * its own failures) and deadlock on the lock or recurse without end. */
static GMutex          ring_lock;
static SyLogRing      *ring;
static guint64         last_emitted;     /* main thread only */
static gint            flush_scheduled;  /* atomic */
static gboolean        flushing;         /* main thread only */
static SydLogEmitFunc  emit_func;
static gpointer        emit_data;
static GPrivate        in_writer;

static gboolean
syd_log_flush (gpointer user_data)
{
  g_autoptr(GPtrArray) pending = NULL;
  GPtrArray *entries;

  g_atomic_int_set (&flush_scheduled, 0);

  pending = g_ptr_array_new_with_free_func (g_free);

  g_mutex_lock (&ring_lock);
  entries = sy_log_ring_get_since (ring, last_emitted, 0);
  for (guint i = 0; i < entries->len; i++)
    {
      const SyLogEntry *entry = g_ptr_array_index (entries, i);
      SyLogEntry *copy;
      char *strings;
      gsize domain_len = entry->domain != NULL ? strlen (entry->domain) + 1 : 0;
      gsize message_len = entry->message != NULL ? strlen (entry->message) + 1 : 0;

      /* One block per entry: the strings live right after the struct. */
      copy = g_malloc (sizeof *copy + domain_len + message_len);
      *copy = *entry;
      strings = (char *) (copy + 1);
      copy->domain = domain_len ? memcpy (strings, entry->domain, domain_len) : NULL;
      copy->message = message_len ? memcpy (strings + domain_len, entry->message, message_len)
                                  : NULL;
      g_ptr_array_add (pending, copy);
      last_emitted = entry->serial;
    }
  g_ptr_array_unref (entries);
  g_mutex_unlock (&ring_lock);

  flushing = TRUE;
  for (guint i = 0; i < pending->len && emit_func != NULL; i++)
    emit_func (g_ptr_array_index (pending, i), emit_data);
  flushing = FALSE;

  return G_SOURCE_REMOVE;
}

static GLogWriterOutput
syd_log_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  g_autofree char *owned_message = NULL;
  const char *domain = NULL;
  const char *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        {
          if (fields[i].length < 0)
            message = fields[i].value;
          else
            message = owned_message = g_strndup (fields[i].value, fields[i].length);
        }
    }

  /* Same filter for every sink: debug and info only with -v or
   * G_MESSAGES_DEBUG, so the ring is not flooded by tracing. */
  if (g_log_writer_default_would_drop (log_level, domain))
    return G_LOG_WRITER_HANDLED;

  g_log_writer_default (log_level, fields, n_fields, user_data);

  if (g_private_get (&in_writer) != NULL || ring == NULL)
    return G_LOG_WRITER_HANDLED;
  g_private_set (&in_writer, GINT_TO_POINTER (1));

  g_mutex_lock (&ring_lock);
  sy_log_ring_push (ring, log_level, domain, message != NULL ? message : "");
  g_mutex_unlock (&ring_lock);

  /* Messages logged while the Log signal is being emitted are kept for
   * GetLog() but not emitted, so that an emission that logs cannot feed
   * itself. */
  if (flushing && g_main_context_is_owner (g_main_context_default ()))
    {
      g_mutex_lock (&ring_lock);
      {
        g_autoptr(GPtrArray) newest = sy_log_ring_get_since (ring, last_emitted, 1);

        if (newest->len > 0)
          last_emitted = ((SyLogEntry *) g_ptr_array_index (newest, 0))->serial;
      }
      g_mutex_unlock (&ring_lock);
    }
  else if (g_atomic_int_compare_and_exchange (&flush_scheduled, 0, 1))
    g_idle_add_full (G_PRIORITY_DEFAULT, syd_log_flush, NULL, NULL);

  g_private_set (&in_writer, NULL);

  return G_LOG_WRITER_HANDLED;
}

void
syd_log_init (gboolean verbose,
              guint    capacity)
{
  g_return_if_fail (ring == NULL);

  ring = sy_log_ring_new (capacity);
  /* stdout is for what a person asked for (the "listening on" banner). */
  g_log_writer_default_set_use_stderr (TRUE);
  if (verbose)
    g_log_set_debug_enabled (TRUE);
  g_log_set_writer_func (syd_log_writer, NULL, NULL);
}

void
syd_log_set_capacity (guint capacity)
{
  g_return_if_fail (ring != NULL);

  g_mutex_lock (&ring_lock);
  sy_log_ring_set_capacity (ring, capacity);
  g_mutex_unlock (&ring_lock);
}

GVariant *
syd_log_get_entries (guint64 after,
                     guint   limit)
{
  g_autoptr(GPtrArray) entries = NULL;
  GVariant *result;

  g_return_val_if_fail (ring != NULL, NULL);

  g_mutex_lock (&ring_lock);
  entries = sy_log_ring_get_since (ring, after, limit);
  result = syd_variant_from_log_entries (entries);
  g_mutex_unlock (&ring_lock);

  return result;
}

void
syd_log_set_emitter (SydLogEmitFunc func,
                     gpointer       user_data)
{
  emit_func = func;
  emit_data = user_data;
}
