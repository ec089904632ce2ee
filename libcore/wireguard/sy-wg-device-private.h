/* sy-wg-device-private.h — what the device's files share: the instance, peers, sessions
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * SyWgDevice is split in three files around this header:
 *   sy-wg-device.c       the GObject: construction, start/stop, status, signals;
 *   sy-wg-device-io.c    the UDP sockets, the receive batches and the
 *                        dispatch of the four message types, the send batch;
 *   sy-wg-device-peer.c  one peer's state machine: sessions (keypairs),
 *                        handshakes, the whitepaper's timers (§6), the queue
 *                        of packets waiting for a session, endpoints.
 *
 * Tests include this header to look inside (counters, forced load).
 */

#pragma once

#include <sys/socket.h>

#include "wireguard/sy-wg-allowedips.h"
#include "wireguard/sy-wg-cookie.h"
#include "wireguard/sy-wg-device.h"
#include "wireguard/sy-wg-endpoint.h"
#include "wireguard/sy-wg-noise.h"
#include "wireguard/sy-wg-ratelimit.h"
#include "wireguard/sy-wg-replay.h"

G_BEGIN_DECLS

typedef struct _SyWgDevicePeer SyWgDevicePeer;
typedef struct _SyWgSession    SyWgSession;

/* What a local index (the receiver index of messages sent to us) stands
 * for: a handshake we started (session NULL) or a session. Embedded in the
 * peer or the session, so registering an index allocates nothing. */
typedef struct
{
  SyWgDevicePeer *peer;
  SyWgSession    *session;
  guint32         index;      /* 0: not registered */
} SyWgIndexEntry;

/* One keypair in use, with what its receive side needs. */
struct _SyWgSession
{
  SyWgKeypair     keypair;
  SyWgReplay      replay;
  gint64          created;    /* monotonic µs */
  SyWgIndexEntry  entry;
};

/* The whitepaper's timers (§6.2–§6.5), as Linux names them. */
typedef enum
{
  SY_WG_TIMER_RETRANSMIT_HANDSHAKE,   /* no response to our initiation yet */
  SY_WG_TIMER_SEND_KEEPALIVE,         /* we received data and sent nothing back */
  SY_WG_TIMER_NEW_HANDSHAKE,          /* we sent data and heard nothing back */
  SY_WG_TIMER_ZERO_KEY_MATERIAL,      /* no new session for 3 × Reject-After-Time */
  SY_WG_TIMER_PERSISTENT_KEEPALIVE,
  SY_WG_N_TIMERS
} SyWgTimer;

/* Packets that wait for a session, oldest first. Linux stages up to 128. */
#define SY_WG_PEER_QUEUE_MAX 128

typedef struct
{
  guint8 *data;      /* NULL for a keepalive */
  gsize   length;
} SyWgQueuedPacket;

struct _SyWgDevicePeer
{
  SyWgDevice       *device;          /* not a reference: the device owns us */
  guint             position;        /* in the profile */
  const SyWgPeer   *config;          /* the profile's; it outlives us */

  SyWgPeerStatic    statics;
  SyWgHandshake     handshake;
  SyWgIndexEntry    handshake_entry;
  SyWgCookieSender  cookie;

  /* §5.4.5 and Linux's keypair rotation: we send with current; a
   * responder's new session waits in next until the initiator's first
   * message under it confirms it; previous still decrypts stragglers. */
  SyWgSession      *current;
  SyWgSession      *previous;
  SyWgSession      *next;

  SyWgEndpoint      endpoint;
  gboolean          endpoint_roamed;      /* learnt from a packet, not the config */
  gboolean          resolving;
  gboolean          resolve_failed;       /* the last lookup failed (logged once) */
  gint64            resolved_at;          /* monotonic µs of the last resolution started */
  gboolean          initiation_waits_for_endpoint;
  GCancellable     *resolve_cancellable;

  GSource          *timer_source;
  gint64            deadlines[SY_WG_N_TIMERS];   /* monotonic µs; 0: not armed */
  guint             handshake_attempts;
  gboolean          need_another_keepalive;
  gboolean          sent_lastminute_handshake;
  gint64            last_sent_handshake;         /* monotonic µs; 0: never */
  gint64            attempts_started;            /* first initiation not yet answered */
  gboolean          failed;                      /* Rekey-Attempt-Time without a handshake */

  SyWgQueuedPacket  queue[SY_WG_PEER_QUEUE_MAX];
  guint             queue_head;
  guint             queue_length;

  /* status */
  gint64            last_handshake;       /* real time µs; 0: never */
  guint64           rx_bytes;
  guint64           tx_bytes;
  guint             handshakes;
  guint             initiations_sent;
  SyWgPeerState     reported_state;
  gboolean          change_pending;       /* "peer-changed" owed */
};

/* Device-wide drop and event counters (also for tests). */
typedef struct
{
  guint64 rx_datagrams;
  guint64 rx_invalid;           /* not WireGuard, bad mac1, unknown index, forged */
  guint64 rx_replayed;          /* transport counter seen before or too old */
  guint64 rx_bad_source;        /* inner source address not in the peer's AllowedIPs */
  guint64 rx_bad_packet;        /* inner packet not IPv4/IPv6 or shorter than it says */
  guint64 rx_truncated;         /* datagram larger than our receive buffers */
  guint64 tx_datagrams;
  guint64 tx_errors;            /* sendmsg() failed (no route, buffer full) */
  guint64 tx_queue_dropped;     /* oldest waiting packet dropped for a new one */
  guint64 cookie_replies_sent;
  guint64 cookie_replies_received;
  guint64 handshakes_under_load;  /* handshake messages we answered with a cookie */
  guint64 rx_ratelimited;       /* handshake messages over a source's rate under load */
} SyWgDeviceCounters;

#define SY_WG_RX_BATCH 32
#define SY_WG_TX_BATCH 32

struct _SyWgDevice
{
  GObject             parent_instance;

  SyWgProfile        *profile;
  SyWgIdentity        identity;
  SyWgCookieChecker   cookie_checker;
  SyWgTimings         timings;
  guint               max_handshake_attempts;   /* Rekey-Attempt-Time / Rekey-Timeout */

  GPtrArray          *peers;             /* SyWgDevicePeer *, profile order */
  GHashTable         *peers_by_key;      /* public key bytes → SyWgDevicePeer * */
  GHashTable         *indices;           /* GUINT_TO_POINTER (index) → SyWgIndexEntry * */
  SyWgAllowedips     *allowedips;

  gboolean            running;
  GCancellable       *cancellable;       /* for resolutions; renewed at each start */
  GSocket            *socket4;
  GSocket            *socket6;
  int                 fd4;               /* -1 without */
  int                 fd6;
  guint16             port;
  GSource            *rx_source;
  gpointer            rx_tag4;
  gpointer            rx_tag6;

  /* Receive batch: SY_WG_RX_BATCH datagrams of slot_size bytes. */
  gsize               slot_size;
  guint8             *rx_buffers;
  struct mmsghdr      rx_msgs[SY_WG_RX_BATCH];
  struct iovec        rx_iov[SY_WG_RX_BATCH];
  struct sockaddr_storage rx_names[SY_WG_RX_BATCH];

  /* Send batch: encrypted datagrams waiting for one sendmmsg() per
   * family, flushed when full and at the next main-loop iteration. */
  guint8             *tx_buffers;
  struct mmsghdr      tx_msgs[SY_WG_TX_BATCH];
  struct iovec        tx_iov[SY_WG_TX_BATCH];
  SyWgEndpoint        tx_endpoints[SY_WG_TX_BATCH];
  guint               tx_count;
  guint8             *tx_large;          /* for a datagram larger than a slot */
  gsize               tx_large_size;
  GSource            *deferred_source;   /* flushes the batch, emits signals */

  SyWgPacketFunc      packet_func;
  gpointer            packet_data;

  /* "Under load" (§5.3): more than SY_WG_UNDER_LOAD_PER_SECOND handshake
   * messages in a second make us demand mac2 for the next second. */
  gint64              load_window_start;
  guint               load_window_count;
  gint64              under_load_until;
  gboolean            force_under_load;
  SyWgRatelimit      *ratelimit;

  gint64              now;               /* monotonic µs, refreshed per batch / call */
  SyWgDeviceCounters  counters;
};

/* Handshake messages per second past which we ask for cookies. One
 * initiation costs us four X25519 operations (~0.2 ms here); at this rate
 * that is a few percent of one core, while a busy server with a hundred
 * peers rekeying every two minutes sees about one a second. */
#define SY_WG_UNDER_LOAD_PER_SECOND 64

/* Names ------------------------------------------------------------------ */

/* Below, "now" is self->now: the caller refreshes it (sy_wg_device_update_now)
 * once per batch or entry point. */
static inline gint64
sy_wg_device_update_now (SyWgDevice *self)
{
  self->now = g_get_monotonic_time ();
  return self->now;
}

static inline gint64
sy_wg_ms (guint ms)
{
  return (gint64) ms * G_TIME_SPAN_MILLISECOND;
}

/* sy-wg-device.c */
guint32          sy_wg_device_register_index     (SyWgDevice      *self,
                                                  SyWgIndexEntry  *entry);
void             sy_wg_device_unregister_index   (SyWgDevice      *self,
                                                  SyWgIndexEntry  *entry);
/* Hands @from's index to @to (a handshake's index becomes its session's). */
void             sy_wg_device_move_index         (SyWgDevice      *self,
                                                  SyWgIndexEntry  *from,
                                                  SyWgIndexEntry  *to);
/* Emits "peer-changed" for @peer from the main loop, soon, once. */
void             sy_wg_device_schedule_changed   (SyWgDevice      *self,
                                                  SyWgDevicePeer  *peer);
void             sy_wg_device_deliver            (SyWgDevice      *self,
                                                  const guint8    *packet,
                                                  gsize            length);

/* sy-wg-device-io.c */
gboolean         sy_wg_device_open_sockets       (SyWgDevice      *self,
                                                  guint16          port,
                                                  GError         **error);
void             sy_wg_device_close_sockets      (SyWgDevice      *self);
/* Returns a buffer of at least @length bytes for one outgoing datagram to
 * @endpoint; fill it and call sy_wg_device_commit_datagram(). */
guint8          *sy_wg_device_reserve_datagram   (SyWgDevice      *self,
                                                  gsize            length);
void             sy_wg_device_commit_datagram    (SyWgDevice      *self,
                                                  const SyWgEndpoint *endpoint,
                                                  gsize            length);
/* Sends what the batch holds now. */
void             sy_wg_device_flush              (SyWgDevice      *self);
/* Whether we have a socket for @endpoint's family. */
gboolean         sy_wg_device_can_send_to        (SyWgDevice      *self,
                                                  const SyWgEndpoint *endpoint);
guint            sy_wg_device_get_families       (SyWgDevice      *self);

/* sy-wg-device-peer.c */
SyWgDevicePeer  *sy_wg_device_peer_new           (SyWgDevice      *device,
                                                  guint            position,
                                                  const SyWgPeer  *config,
                                                  GError         **error);
void             sy_wg_device_peer_free          (SyWgDevicePeer  *peer);
void             sy_wg_device_peer_start         (SyWgDevicePeer  *peer);
/* Zeroes sessions and handshake, empties the queue, disarms the timers. */
void             sy_wg_device_peer_stop          (SyWgDevicePeer  *peer);
/* reset_peers: like stop + start, but the configured endpoint comes back. */
void             sy_wg_device_peer_reset         (SyWgDevicePeer  *peer);
void             sy_wg_device_peer_send_packet   (SyWgDevicePeer  *peer,
                                                  const guint8    *packet,
                                                  gsize            length);
void             sy_wg_device_peer_send_keepalive (SyWgDevicePeer *peer);
/* A handshake message arrived for us from @source, authenticated. */
void             sy_wg_device_peer_answer_initiation (SyWgDevicePeer     *peer,
                                                      const SyWgEndpoint *source);
void             sy_wg_device_peer_receive_response  (SyWgDevicePeer            *peer,
                                                      const SyWgMessageResponse *msg,
                                                      const SyWgEndpoint        *source);
void             sy_wg_device_peer_receive_cookie    (SyWgDevicePeer               *peer,
                                                      const SyWgMessageCookieReply *msg);
/* A transport message for @session: decrypt in place, check, deliver. */
void             sy_wg_device_peer_receive_transport (SyWgDevicePeer     *peer,
                                                      SyWgSession        *session,
                                                      guint8             *msg,
                                                      gsize               length,
                                                      const SyWgEndpoint *source);
SyWgPeerState    sy_wg_device_peer_get_state     (SyWgDevicePeer  *peer);
SyWgPeerStatus  *sy_wg_device_peer_dup_status    (SyWgDevicePeer  *peer);

/* Test hooks ------------------------------------------------------------- */

/* Demand mac2 from everyone, as if flooded. */
void             sy_wg_device_set_under_load     (SyWgDevice      *self,
                                                  gboolean         under_load);
const SyWgDeviceCounters *sy_wg_device_get_counters (SyWgDevice   *self);
SyWgDevicePeer  *sy_wg_device_get_peer           (SyWgDevice      *self,
                                                  guint            position);
/* Closes the sockets and opens new ones on another ephemeral port, keeping
 * every session: what a NAT rebinding looks like to the peer. */
gboolean         sy_wg_device_rebind             (SyWgDevice      *self,
                                                  GError         **error);

G_END_DECLS
