/* sy-session-log.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sy-session-log.h"

struct _SySessionLog
{
  GQueue queue;     /* SySession*, oldest at head */
  guint  capacity;
};

SySessionLog *
sy_session_log_new (guint capacity)
{
  SySessionLog *self = g_new0 (SySessionLog, 1);

  g_queue_init (&self->queue);
  self->capacity = capacity;

  return self;
}

void
sy_session_log_free (SySessionLog *self)
{
  if (self == NULL)
    return;

  g_queue_clear_full (&self->queue, (GDestroyNotify) sy_session_unref);
  g_free (self);
}

static void
sy_session_log_trim (SySessionLog *self)
{
  while (self->queue.length > self->capacity)
    sy_session_unref (g_queue_pop_head (&self->queue));
}

void
sy_session_log_set_capacity (SySessionLog *self,
                             guint         capacity)
{
  g_return_if_fail (self != NULL);

  self->capacity = capacity;
  sy_session_log_trim (self);
}

void
sy_session_log_append (SySessionLog *self,
                       SySession    *session)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (session != NULL);

  if (self->capacity == 0)
    return;

  g_queue_push_tail (&self->queue, sy_session_ref (session));
  sy_session_log_trim (self);
}

GPtrArray *
sy_session_log_get (SySessionLog *self,
                    guint         limit)
{
  GPtrArray *result;
  guint skip = 0;
  guint i = 0;

  g_return_val_if_fail (self != NULL, NULL);

  result = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_session_unref);
  if (limit > 0 && self->queue.length > limit)
    skip = self->queue.length - limit;

  for (GList *l = self->queue.head; l != NULL; l = l->next, i++)
    {
      if (i >= skip)
        g_ptr_array_add (result, sy_session_ref (l->data));
    }

  return result;
}

guint
sy_session_log_get_length (SySessionLog *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->queue.length;
}
