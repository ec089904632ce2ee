/* sy-wg-ratelimit.h — handshake messages per source address, while under load
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A cookie (mac2) proves that a sender owns its source address, not that
 * it is friendly: one host holding a fresh cookie could still make us do a
 * Diffie-Hellman per datagram. So while the device is under load, each
 * source gets a token bucket of SY_WG_RATELIMIT_PER_SECOND handshake
 * messages a second with a burst of SY_WG_RATELIMIT_BURST, the numbers
 * Linux and wireguard-go use. IPv6 sources count per /64, which is what one
 * subscriber usually gets. The table is bounded: idle entries are dropped,
 * and when it is full of busy ones new sources are refused.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SY_WG_RATELIMIT_PER_SECOND  20
#define SY_WG_RATELIMIT_BURST       5
#define SY_WG_RATELIMIT_MAX_ENTRIES 8192

typedef struct _SyWgRatelimit SyWgRatelimit;

SyWgRatelimit *sy_wg_ratelimit_new    (void);
void           sy_wg_ratelimit_free   (SyWgRatelimit *self);
/* Whether one more message from @address (4 or 16 bytes) may go on at
 * @now_us (monotonic); takes a token if so. */
gboolean       sy_wg_ratelimit_allow  (SyWgRatelimit *self,
                                       const guint8  *address,
                                       gsize          address_len,
                                       gint64         now_us);
guint          sy_wg_ratelimit_get_size (SyWgRatelimit *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyWgRatelimit, sy_wg_ratelimit_free)

G_END_DECLS
