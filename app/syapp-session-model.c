/* syapp-session-model.c — live sessions and the finished-connection log
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Keeps two lists in step with the service: the live sessions, seeded by
 * ListSessions and then changed by SessionsChanged batches, and the
 * finished ones, seeded by GetConnectionLog and then fed by the sessions
 * that leave the live list (with the final state the batch brought), newest
 * first and bounded.
 *
 * D-Bus keeps a connection's messages in order, so a batch emitted before
 * the ListSessions reply is applied first and the reply then replaces the
 * whole live set; batches after it apply on top. Items are updated in
 * place, so a view bound to them redraws only what changed; "updated" tells
 * views that sort or filter by changing values to look again.
 */

#include "config.h"

#include "syapp-format.h"
#include "syapp-session-model.h"

#define DEFAULT_FINISHED_LIMIT 1000

struct _SyAppSessionModel
{
  GObject     parent_instance;

  GListStore *live;
  GListStore *finished;
  GHashTable *by_id;          /* guint64* → SyAppSession*, the live ones */
  guint       finished_limit;
};

enum {
  UPDATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SyAppSessionModel, syapp_session_model, G_TYPE_OBJECT)

static void
trim_finished (SyAppSessionModel *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->finished));

  if (n > self->finished_limit)
    g_list_store_splice (self->finished, self->finished_limit, n - self->finished_limit,
                         NULL, 0);
}

static void
add_live (SyAppSessionModel *self,
          GVariant          *dict)
{
  g_autoptr(SyAppSession) session = syapp_session_new (dict);
  guint64 *key = g_new (guint64, 1);

  *key = syapp_session_get_id (session);
  g_hash_table_replace (self->by_id, key, g_object_ref (session));
  g_list_store_append (self->live, session);
}

static gboolean
remove_live (SyAppSessionModel *self,
             guint64            id,
             gboolean           to_finished)
{
  SyAppSession *session = g_hash_table_lookup (self->by_id, &id);
  guint position;

  if (session == NULL)
    return FALSE;

  if (g_list_store_find (self->live, session, &position))
    g_list_store_remove (self->live, position);
  if (to_finished)
    g_list_store_insert (self->finished, 0, session);
  g_hash_table_remove (self->by_id, &id);
  return TRUE;
}

/**
 * syapp_session_model_reset_live:
 * @sessions: (type aa{sv}): the reply of ListSessions
 *
 * Makes the live list exactly @sessions: known ones are updated in place
 * (rows keep their selection), new ones appended, missing ones dropped
 * without entering the log (they ended while nobody listened; the log
 * reply has them).
 */
void
syapp_session_model_reset_live (SyAppSessionModel *self,
                                GVariant          *sessions)
{
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(GPtrArray) gone = NULL;
  GHashTableIter iter;
  gpointer key;
  GVariantIter items;
  GVariant *dict;

  g_return_if_fail (SYAPP_IS_SESSION_MODEL (self));
  g_return_if_fail (g_variant_is_of_type (sessions, G_VARIANT_TYPE ("aa{sv}")));

  seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_variant_iter_init (&items, sessions);
  while ((dict = g_variant_iter_next_value (&items)) != NULL)
    {
      guint64 id = syapp_variant_get_uint (dict, "id");
      SyAppSession *session = g_hash_table_lookup (self->by_id, &id);

      g_hash_table_add (seen, g_memdup2 (&id, sizeof id));
      if (session != NULL)
        syapp_session_update (session, dict);
      else
        add_live (self, dict);
      g_variant_unref (dict);
    }

  gone = g_ptr_array_new_with_free_func (g_free);
  g_hash_table_iter_init (&iter, self->by_id);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (seen, key))
      g_ptr_array_add (gone, g_memdup2 (key, sizeof (guint64)));
  for (guint i = 0; i < gone->len; i++)
    remove_live (self, *(guint64 *) g_ptr_array_index (gone, i), FALSE);

  g_signal_emit (self, signals[UPDATED], 0);
}

/**
 * syapp_session_model_reset_finished:
 * @sessions: (type aa{sv}): the reply of GetConnectionLog, oldest first
 */
void
syapp_session_model_reset_finished (SyAppSessionModel *self,
                                    GVariant          *sessions)
{
  g_autoptr(GPtrArray) items = NULL;
  gsize n;

  g_return_if_fail (SYAPP_IS_SESSION_MODEL (self));
  g_return_if_fail (g_variant_is_of_type (sessions, G_VARIANT_TYPE ("aa{sv}")));

  n = g_variant_n_children (sessions);
  items = g_ptr_array_new_full (MIN (n, self->finished_limit), g_object_unref);
  /* Newest first, and only as many as we keep. */
  for (gsize i = n; i > 0 && items->len < self->finished_limit; i--)
    {
      g_autoptr(GVariant) dict = g_variant_get_child_value (sessions, i - 1);

      g_ptr_array_add (items, syapp_session_new (dict));
    }

  g_list_store_splice (self->finished, 0, g_list_model_get_n_items (G_LIST_MODEL (self->finished)),
                       items->pdata, items->len);
  g_signal_emit (self, signals[UPDATED], 0);
}

/**
 * syapp_session_model_apply:
 * @changed: (type aa{sv}): sessions added or changed
 * @removed: (type at): ids of sessions that finished
 *
 * Applies one SessionsChanged batch.
 */
void
syapp_session_model_apply (SyAppSessionModel *self,
                           GVariant          *changed,
                           GVariant          *removed)
{
  GVariantIter iter;
  GVariant *dict;
  guint64 id;
  gboolean finished_any = FALSE;

  g_return_if_fail (SYAPP_IS_SESSION_MODEL (self));
  g_return_if_fail (g_variant_is_of_type (changed, G_VARIANT_TYPE ("aa{sv}")));
  g_return_if_fail (g_variant_is_of_type (removed, G_VARIANT_TYPE ("at")));

  g_variant_iter_init (&iter, changed);
  while ((dict = g_variant_iter_next_value (&iter)) != NULL)
    {
      SyAppSession *session;

      id = syapp_variant_get_uint (dict, "id");
      session = g_hash_table_lookup (self->by_id, &id);
      if (session != NULL)
        syapp_session_update (session, dict);
      else
        add_live (self, dict);
      g_variant_unref (dict);
    }

  g_variant_iter_init (&iter, removed);
  while (g_variant_iter_next (&iter, "t", &id))
    finished_any |= remove_live (self, id, TRUE);

  if (finished_any)
    trim_finished (self);

  g_signal_emit (self, signals[UPDATED], 0);
}

/* The service went away, and its sessions with it. */
void
syapp_session_model_clear_live (SyAppSessionModel *self)
{
  g_return_if_fail (SYAPP_IS_SESSION_MODEL (self));

  g_hash_table_remove_all (self->by_id);
  g_list_store_remove_all (self->live);
  g_signal_emit (self, signals[UPDATED], 0);
}

void
syapp_session_model_tick (SyAppSessionModel *self,
                          gint64             now_usec)
{
  guint n;

  g_return_if_fail (SYAPP_IS_SESSION_MODEL (self));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->live));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyAppSession) session = g_list_model_get_item (G_LIST_MODEL (self->live), i);

      syapp_session_tick (session, now_usec);
    }
}

void
syapp_session_model_set_finished_limit (SyAppSessionModel *self,
                                        guint              limit)
{
  g_return_if_fail (SYAPP_IS_SESSION_MODEL (self));

  self->finished_limit = MAX (limit, 1);
  trim_finished (self);
}

GListModel *
syapp_session_model_get_live (SyAppSessionModel *self)
{
  g_return_val_if_fail (SYAPP_IS_SESSION_MODEL (self), NULL);

  return G_LIST_MODEL (self->live);
}

GListModel *
syapp_session_model_get_finished (SyAppSessionModel *self)
{
  g_return_val_if_fail (SYAPP_IS_SESSION_MODEL (self), NULL);

  return G_LIST_MODEL (self->finished);
}

SyAppSession *
syapp_session_model_lookup (SyAppSessionModel *self,
                            guint64            id)
{
  g_return_val_if_fail (SYAPP_IS_SESSION_MODEL (self), NULL);

  return g_hash_table_lookup (self->by_id, &id);
}

static void
syapp_session_model_finalize (GObject *object)
{
  SyAppSessionModel *self = SYAPP_SESSION_MODEL (object);

  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_object (&self->live);
  g_clear_object (&self->finished);

  G_OBJECT_CLASS (syapp_session_model_parent_class)->finalize (object);
}

static void
syapp_session_model_class_init (SyAppSessionModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = syapp_session_model_finalize;

  /**
   * SyAppSessionModel::updated:
   *
   * A batch was applied: values that views sort or filter by may have
   * changed in place.
   */
  signals[UPDATED] =
    g_signal_new ("updated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
syapp_session_model_init (SyAppSessionModel *self)
{
  self->live = g_list_store_new (SYAPP_TYPE_SESSION);
  self->finished = g_list_store_new (SYAPP_TYPE_SESSION);
  self->by_id = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  self->finished_limit = DEFAULT_FINISHED_LIMIT;
}

SyAppSessionModel *
syapp_session_model_new (void)
{
  return g_object_new (SYAPP_TYPE_SESSION_MODEL, NULL);
}
