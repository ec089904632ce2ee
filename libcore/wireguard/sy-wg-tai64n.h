/* sy-wg-tai64n.h — TAI64N timestamps for handshake initiations (§5.1, §5.4.2)
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A responder accepts an initiation only if its timestamp is greater than
 * every earlier one from the same peer; that stops replayed initiations.
 * The stamp is 12 bytes: big-endian 2^62 + 10 + seconds since the epoch,
 * then big-endian nanoseconds, so comparing stamps is memcmp().
 *
 * The wall clock is used so that stamps keep increasing across restarts of
 * the process (a responder remembers the last one it saw from us). The
 * nanoseconds are rounded down to 2^24 ns (about 17 ms) so that a stamp does
 * not reveal our clock's fine timing. Within the process stamps never go
 * backwards and never repeat: when the rounded clock is not past the last
 * stamp handed out (two initiations in the same 17 ms, or the clock stepped
 * back), the last stamp plus one nanosecond is used instead.
 */

#pragma once

#include <glib.h>

#include "wireguard/sy-wg-messages.h"

G_BEGIN_DECLS

/* The next stamp: strictly greater than any earlier one this process made. */
void  sy_wg_tai64n_now        (guint8        out[SY_WG_TAI64N_LEN]);
/* The stamp of a given instant (no rounding, no monotonic adjustment). */
void  sy_wg_tai64n_from_unix  (guint8        out[SY_WG_TAI64N_LEN],
                               gint64        seconds,
                               guint32       nanoseconds);
/* <0, 0, >0 as @a is before, equal to or after @b. */
int   sy_wg_tai64n_compare    (const guint8  a[SY_WG_TAI64N_LEN],
                               const guint8  b[SY_WG_TAI64N_LEN]);

G_END_DECLS
