/* sy-wg-ratelimit.c — handshake messages per source address, while under load
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sy-wg-ratelimit.h"

/* Tokens are kept in microseconds of "credit": one message costs
 * COST_US, the bucket holds at most BURST messages' worth, and time
 * refills it at one microsecond per microsecond. */
#define COST_US   (G_TIME_SPAN_SECOND / SY_WG_RATELIMIT_PER_SECOND)
#define CAPACITY  (COST_US * SY_WG_RATELIMIT_BURST)

typedef struct
{
  guint8  key[9];       /* family byte, then 4 bytes (IPv4) or 8 (an IPv6 /64) */
  gint64  last;         /* when tokens were last updated */
  gint64  tokens;       /* µs of credit */
} Entry;

struct _SyWgRatelimit
{
  GHashTable *entries;  /* Entry * (its key) → Entry * */
  gint64      last_sweep;
};

static guint
entry_hash (gconstpointer key)
{
  const guint8 *k = key;
  guint hash = 2166136261u;

  for (guint i = 0; i < 9; i++)
    hash = (hash ^ k[i]) * 16777619u;
  return hash;
}

static gboolean
entry_equal (gconstpointer a,
             gconstpointer b)
{
  return memcmp (a, b, 9) == 0;
}

SyWgRatelimit *
sy_wg_ratelimit_new (void)
{
  SyWgRatelimit *self = g_new0 (SyWgRatelimit, 1);

  self->entries = g_hash_table_new_full (entry_hash, entry_equal, NULL, g_free);
  return self;
}

void
sy_wg_ratelimit_free (SyWgRatelimit *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->entries);
  g_free (self);
}

guint
sy_wg_ratelimit_get_size (SyWgRatelimit *self)
{
  return g_hash_table_size (self->entries);
}

static gboolean
entry_is_idle (gpointer key,
               gpointer value,
               gpointer user_data)
{
  const Entry *entry = value;
  gint64 now = *(const gint64 *) user_data;

  /* Idle long enough to have refilled: forgetting it changes nothing. */
  return now - entry->last >= CAPACITY;
}

gboolean
sy_wg_ratelimit_allow (SyWgRatelimit *self,
                       const guint8  *address,
                       gsize          address_len,
                       gint64         now_us)
{
  guint8 key[9] = { 0 };
  Entry *entry;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (address_len == 4 || address_len == 16, FALSE);

  key[0] = (guint8) address_len;
  memcpy (key + 1, address, address_len == 4 ? 4 : 8);

  /* Sweeping is the one cost that grows with the table: at most once per
   * refill period, however hard a full table is hammered. */
  if (now_us - self->last_sweep >= CAPACITY)
    {
      g_hash_table_foreach_remove (self->entries, entry_is_idle, &now_us);
      self->last_sweep = now_us;
    }

  entry = g_hash_table_lookup (self->entries, key);
  if (entry == NULL)
    {
      if (g_hash_table_size (self->entries) >= SY_WG_RATELIMIT_MAX_ENTRIES)
        return FALSE;
      entry = g_new0 (Entry, 1);
      memcpy (entry->key, key, sizeof key);
      entry->last = now_us;
      entry->tokens = CAPACITY - COST_US;
      g_hash_table_insert (self->entries, entry->key, entry);
      return TRUE;
    }

  entry->tokens = MIN (CAPACITY, entry->tokens + MAX (now_us - entry->last, 0));
  entry->last = now_us;
  if (entry->tokens < COST_US)
    return FALSE;
  entry->tokens -= COST_US;
  return TRUE;
}
