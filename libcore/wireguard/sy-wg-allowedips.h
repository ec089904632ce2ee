/* sy-wg-allowedips.h — the AllowedIPs table: longest-prefix match to a peer
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WireGuard's cryptokey routing (whitepaper §2): the table maps IP prefixes
 * to peers. Sending, the destination address picks the peer whose prefix
 * matches longest; receiving, a decrypted packet is accepted only when the
 * longest prefix matching its *source* address belongs to the peer whose
 * keys opened it. One table per device serves both directions.
 *
 * Each family is a binary trie with path compression: a node covers a
 * prefix and holds a peer (or none, when it only joins two subtrees that
 * part at its length). A lookup walks at most one node per distinct prefix
 * length on the way down, so a table of thousands of prefixes costs a few
 * comparisons of 16 bytes per packet. Peers are opaque pointers here.
 */

#pragma once

#include <glib.h>

#include "wireguard/sy-wg-prefix.h"

G_BEGIN_DECLS

typedef struct _SyWgAllowedips SyWgAllowedips;

SyWgAllowedips *sy_wg_allowedips_new          (void);
void            sy_wg_allowedips_free         (SyWgAllowedips    *self);

/* Maps @prefix to @peer (not NULL), replacing the peer an equal prefix had
 * (as wg(8) moves an allowed IP from one peer to another). Host bits are
 * cleared first: 10.1.2.3/8 is 10.0.0.0/8. FALSE for a bad family or length. */
gboolean        sy_wg_allowedips_insert       (SyWgAllowedips    *self,
                                               const SyWgPrefix  *prefix,
                                               gpointer           peer);
/* Removes exactly @prefix (host bits cleared first), whatever its peer.
 * Returns whether it was there. */
gboolean        sy_wg_allowedips_remove       (SyWgAllowedips    *self,
                                               const SyWgPrefix  *prefix);
/* Removes every prefix of @peer; returns how many. */
guint           sy_wg_allowedips_remove_peer  (SyWgAllowedips    *self,
                                               gpointer           peer);
void            sy_wg_allowedips_clear        (SyWgAllowedips    *self);

/* The peer of the longest prefix containing @address (4 or 16 bytes, network
 * order, by @family 4 or 6), or NULL. */
gpointer        sy_wg_allowedips_lookup       (SyWgAllowedips    *self,
                                               guint8             family,
                                               const guint8      *address);

/* Number of prefixes held. */
guint           sy_wg_allowedips_get_size     (SyWgAllowedips    *self);

typedef void (*SyWgAllowedipsFunc) (const SyWgPrefix *prefix,
                                    gpointer          peer,
                                    gpointer          user_data);
/* Calls @func for each prefix, IPv4 first, in address order (a prefix
 * before the longer ones inside it). The table must not change meanwhile. */
void            sy_wg_allowedips_foreach      (SyWgAllowedips    *self,
                                               SyWgAllowedipsFunc func,
                                               gpointer           user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyWgAllowedips, sy_wg_allowedips_free)

G_END_DECLS
