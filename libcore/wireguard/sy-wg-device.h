/* sy-wg-device.h — one WireGuard interface: its UDP sockets, peers, sessions and timers
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A userspace WireGuard interface that runs in the GLib main loop. It owns
 * the outside UDP sockets (IPv4 and IPv6, on ListenPort or an ephemeral
 * port), one state machine per peer (handshake, keypairs, the whitepaper's
 * timers, endpoint roaming and re-resolution) and the AllowedIPs table.
 *
 * Inside, it speaks IP packets: sy_wg_device_send_packet() takes a plain IP
 * packet, picks the peer by its destination (longest-prefix match on
 * AllowedIPs), encrypts and sends it, queueing a few packets while a
 * handshake is under way. Received transport data is decrypted in place and
 * handed to the packet handler only when the inner *source* address is
 * allowed for the peer it came from.
 *
 * The hot path does not allocate: datagrams are received in batches
 * (recvmmsg) into buffers owned by the device and encrypted into a scratch
 * batch sent with sendmmsg. No timer is armed while no peer has anything
 * to do. (Packets queued while a peer handshakes are copied: at most 128
 * per peer, the oldest dropped first.)
 *
 * Endpoint names are resolved at start, again when a handshake is
 * initiated and the last lookup is more than 5 minutes old (so an active
 * tunnel follows a moved name within minutes and an idle one costs no
 * lookups and no timer), every 30 s while initiations go unanswered, and
 * when Rekey-Attempt-Time passes without a handshake. A resolved address
 * does not replace an endpoint learnt by roaming while that session works.
 * Endpoints follow the source of every authenticated message that passed
 * the replay check (roaming); a peer without an endpoint waits to be
 * reached first.
 *
 * Under load (more than 64 handshake messages a second, or forced by a
 * test) handshakes need a cookie (mac2) and each source address (/64 for
 * IPv6) gets 20 handshake messages a second, burst 5.
 */

#pragma once

#include <gio/gio.h>

#include "wireguard/sy-wg-profile.h"

G_BEGIN_DECLS

#define SY_TYPE_WG_DEVICE (sy_wg_device_get_type ())

G_DECLARE_FINAL_TYPE (SyWgDevice, sy_wg_device, SY, WG_DEVICE, GObject)

typedef enum
{
  SY_WG_PEER_STATE_IDLE,         /* no session and nothing to send */
  SY_WG_PEER_STATE_HANDSHAKING,  /* an initiation is out, no reply yet */
  SY_WG_PEER_STATE_UP,           /* a current session exists */
  SY_WG_PEER_STATE_FAILING,      /* REKEY_ATTEMPT_TIME passed without a handshake */
} SyWgPeerState;

/* A snapshot for status displays (D-Bus, switchyardctl, /metrics). */
typedef struct
{
  char          *public_key;        /* base64 */
  char          *endpoint;          /* "host:port" as last used, or NULL */
  gint64         last_handshake;    /* g_get_real_time() µs of the last completed handshake, 0: never */
  guint64        rx_bytes;          /* transport payload bytes received (after decryption) */
  guint64        tx_bytes;          /* transport payload bytes sent */
  guint          handshakes;        /* completed handshakes since start */
  SyWgPeerState  state;
} SyWgPeerStatus;

void sy_wg_peer_status_free (SyWgPeerStatus *status);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyWgPeerStatus, sy_wg_peer_status_free)

/* Called from the main loop with one decrypted inner IP packet, padding cut
 * off, whose source address the sending peer's AllowedIPs cover. The
 * buffer belongs to the device and is valid only during the call. */
typedef void (*SyWgPacketFunc) (const guint8 *packet,
                                gsize         length,
                                gpointer      user_data);

/* The whitepaper's constants. Tests may shrink them (see
 * sy_wg_device_set_timings()) to see several rekeys in one run. */
typedef struct
{
  guint rekey_after_time_ms;       /* 120 s */
  guint reject_after_time_ms;      /* 180 s */
  guint rekey_attempt_time_ms;     /* 90 s */
  guint rekey_timeout_ms;          /* 5 s (+ up to 333 ms jitter) */
  guint keepalive_timeout_ms;      /* 10 s */
  guint64 rekey_after_messages;    /* 2^60 */
  guint64 reject_after_messages;   /* 2^64 - 2^13 - 1 */
} SyWgTimings;

void            sy_wg_timings_init_default     (SyWgTimings        *timings);

/* Computes keys and validates the profile; no socket is opened yet. */
SyWgDevice     *sy_wg_device_new               (SyWgProfile        *profile,
                                                GError            **error);
SyWgProfile    *sy_wg_device_get_profile       (SyWgDevice         *self);
/* Opens the UDP sockets (ListenPort, or an ephemeral port) and resolves
 * endpoint host names (asynchronously; peers whose endpoint is not resolved
 * yet queue their packets). Peers with PersistentKeepalive start
 * handshaking at once. */
gboolean        sy_wg_device_start             (SyWgDevice         *self,
                                                GError            **error);
/* Closes the sockets, cancels timers and zeroes all session keys. */
void            sy_wg_device_stop              (SyWgDevice         *self);
gboolean        sy_wg_device_is_running        (SyWgDevice         *self);
/* The local UDP port actually bound (after start). */
guint16         sy_wg_device_get_listen_port   (SyWgDevice         *self);

void            sy_wg_device_set_packet_handler (SyWgDevice        *self,
                                                 SyWgPacketFunc     func,
                                                 gpointer           user_data);
/* Routes @packet (a complete IPv4 or IPv6 packet) to a peer by its
 * destination address, encrypts and sends it, or queues it while that
 * peer handshakes. Returns FALSE if no peer's AllowedIPs cover the
 * destination (the caller may then answer with ICMP unreachable), if
 * @packet is not IPv4/IPv6, or if the device is not running. May be called
 * from the packet handler. */
gboolean        sy_wg_device_send_packet       (SyWgDevice         *self,
                                                const guint8       *packet,
                                                gsize               length);
/* Whether some peer's AllowedIPs cover @address. */
gboolean        sy_wg_device_has_route         (SyWgDevice         *self,
                                                GInetAddress       *address);

/* One SyWgPeerStatus per peer, in profile order. */
GPtrArray      *sy_wg_device_dup_peer_status   (SyWgDevice         *self);

/* Forgets sessions and endpoints learnt by roaming, re-resolves endpoint
 * names and handshakes again (at once with peers that had a session or
 * have PersistentKeepalive, otherwise on their next packet): for "the
 * network changed". */
void            sy_wg_device_reset_peers       (SyWgDevice         *self);

/* Takes effect for timers armed from now on. Keep the whitepaper's
 * relations: Rekey-After-Time < Reject-After-Time, Reject-After-Time >
 * Keepalive-Timeout + Rekey-Timeout. */
void            sy_wg_device_set_timings       (SyWgDevice         *self,
                                                const SyWgTimings  *timings);

/* Signals:
 *   "peer-changed" (guint peer_index): a handshake completed or failed, the
 *     endpoint changed, or the state changed. At most once per event, never
 *     per packet. */

G_END_DECLS
