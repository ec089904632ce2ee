/* sy-wg-replay.h — the receive-side sliding window against replayed transport data
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Transport data may arrive reordered (UDP, multi-queue NICs on the way), so
 * a receiver cannot just demand increasing counters. It remembers which of
 * the last counters it has seen in a bitmap of SY_WG_REPLAY_BITS bits, the
 * scheme of RFC 6479 that Linux's WireGuard uses: a counter more than
 * SY_WG_REPLAY_WINDOW behind the greatest one accepted, or one seen before,
 * is a replay. The window is the bitmap less one word, because advancing
 * clears whole words and the word holding the greatest counter is only
 * partly behind it.
 *
 * Only call sy_wg_replay_check() after the packet authenticated: a forged
 * counter must not move the window.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SY_WG_REPLAY_BITS     8192
#define SY_WG_REPLAY_WORD     64
#define SY_WG_REPLAY_WINDOW   (SY_WG_REPLAY_BITS - SY_WG_REPLAY_WORD)   /* 8128 */

/* The whitepaper's Reject-After-Messages (§6.1): no counter at or past it is
 * ever valid, so a counter never wraps. */
#define SY_WG_REJECT_AFTER_MESSAGES  (G_MAXUINT64 - (G_GUINT64_CONSTANT (1) << 13))

typedef struct
{
  guint64 next;        /* one past the greatest counter accepted; 0: none yet */
  guint64 bitmap[SY_WG_REPLAY_BITS / SY_WG_REPLAY_WORD];
} SyWgReplay;

void      sy_wg_replay_init   (SyWgReplay  *replay);
/* Whether @counter is new (not seen, inside the window, below
 * SY_WG_REJECT_AFTER_MESSAGES); if so it is recorded as seen. */
gboolean  sy_wg_replay_check  (SyWgReplay  *replay,
                               guint64      counter);

G_END_DECLS
