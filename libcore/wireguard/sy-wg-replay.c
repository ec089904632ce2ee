/* sy-wg-replay.c — the receive-side sliding window against replayed transport data
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sy-wg-replay.h"

#define N_WORDS (SY_WG_REPLAY_BITS / SY_WG_REPLAY_WORD)

G_STATIC_ASSERT ((N_WORDS & (N_WORDS - 1)) == 0);

void
sy_wg_replay_init (SyWgReplay *replay)
{
  g_return_if_fail (replay != NULL);

  memset (replay, 0, sizeof *replay);
}

/*
 * Positions are counters plus one, so that "nothing seen yet" (next == 0)
 * needs no flag and counter 0 is an ordinary position. The bitmap is a ring
 * of words indexed by position / 64. Moving the window forward clears the
 * words between the old greatest position and the new one — at most the
 * whole ring, however far the counter jumps — and never touches the word
 * that holds the old greatest, whose lower bits are still inside the window.
 */
gboolean
sy_wg_replay_check (SyWgReplay *replay,
                    guint64     counter)
{
  guint64 position;
  guint64 word;
  guint64 bit;
  guint slot;

  g_assert (replay != NULL);

  if (counter >= SY_WG_REJECT_AFTER_MESSAGES)
    return FALSE;

  position = counter + 1;
  /* Too far behind: its bit may already be reused by a newer word. */
  if (position + SY_WG_REPLAY_WINDOW < replay->next)
    return FALSE;

  word = position / SY_WG_REPLAY_WORD;
  if (position > replay->next)
    {
      guint64 current = replay->next / SY_WG_REPLAY_WORD;
      guint64 gap = MIN (word - current, (guint64) N_WORDS);

      for (guint64 i = 1; i <= gap; i++)
        replay->bitmap[(current + i) & (N_WORDS - 1)] = 0;
      replay->next = position;
    }

  slot = (guint) (word & (N_WORDS - 1));
  bit = G_GUINT64_CONSTANT (1) << (position & (SY_WG_REPLAY_WORD - 1));
  if (replay->bitmap[slot] & bit)
    return FALSE;
  replay->bitmap[slot] |= bit;
  return TRUE;
}
