/* sy-wg-device-peer.c — one peer of a device: sessions, handshakes, timers, queue, endpoint
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-wireguard"

#include <string.h>

#include "util/sy-error.h"
#include "wireguard/sy-wg-crypto.h"

#include "sy-wg-device-private.h"

/*
 * The state machine follows the whitepaper's §6 as Linux implements it
 * (drivers/net/wireguard/timers.c, send.c, noise.c), event for event, so
 * that our peer behaves exactly like the ones we talk to:
 *
 *   event                           timers
 *   ------------------------------  -------------------------------------------
 *   we sent an initiation           arm retransmit (Rekey-Timeout + jitter)
 *   a handshake completed           disarm retransmit, attempts = 0
 *   a session was derived           arm zero-keys (3 × Reject-After-Time)
 *   we sent data (not a keepalive)  arm new-handshake unless armed
 *                                   (Keepalive-Timeout + Rekey-Timeout + jitter)
 *   we received data                arm send-keepalive unless armed (Keepalive-
 *                                   Timeout), else remember to send another
 *   we sent anything authenticated  disarm send-keepalive
 *   we received anything auth'd     disarm new-handshake
 *   anything auth'd either way      re-arm persistent keepalive, if configured
 *
 * and the timers, when they fire: retransmit sends the initiation again, up
 * to Rekey-Attempt-Time / Rekey-Timeout times, then gives up (drops the
 * queue); send-keepalive sends an empty transport message; new-handshake
 * initiates (the other side went quiet: our session may be gone on its
 * side); zero-keys forgets every key.
 *
 * Timers cost nothing while disarmed: each is a deadline in deadlines[], and
 * one GSource per peer has its ready time at the earliest. Arming a later
 * deadline leaves the ready time alone; the source, when it fires early,
 * finds nothing due and moves its ready time on. A busy peer therefore
 * does not touch its GSource per packet, and an idle peer without
 * PersistentKeepalive has no ready time at all.
 *
 * Sending. A packet goes out at once when the current session can send and
 * nothing is queued; otherwise it joins the queue (bounded, oldest dropped)
 * and a handshake is initiated — at most one per Rekey-Timeout, however
 * many packets ask. Each packet sent checks whether the session wants
 * renewing (Rekey-After-Time for the initiator, Rekey-After-Messages).
 *
 * Receiving. A transport message is decrypted in place; only once it
 * authenticated *and* passed the replay window may it change anything: the
 * endpoint (roaming), the timers, the session rotation (a responder's next
 * session becomes current on its first message).
 */

static gboolean send_initiation (SyWgDevicePeer *peer,
                                 gboolean        is_retry);
static void initiate         (SyWgDevicePeer *peer);
static void flush_queue      (SyWgDevicePeer *peer);
static void update_state     (SyWgDevicePeer *peer);

/* ---- sessions ------------------------------------------------------------ */

static SyWgSession *
session_new (SyWgDevicePeer *peer)
{
  SyWgSession *session = g_new0 (SyWgSession, 1);

  session->entry.peer = peer;
  session->entry.session = session;
  sy_wg_replay_init (&session->replay);
  return session;
}

static void
session_free (SyWgDevicePeer *peer,
              SyWgSession    *session)
{
  if (session == NULL)
    return;
  sy_wg_device_unregister_index (peer->device, &session->entry);
  sy_wg_memzero (session, sizeof *session);
  g_free (session);
}

static void
clear_sessions (SyWgDevicePeer *peer)
{
  session_free (peer, g_steal_pointer (&peer->current));
  session_free (peer, g_steal_pointer (&peer->previous));
  session_free (peer, g_steal_pointer (&peer->next));
}

static void
clear_handshake (SyWgDevicePeer *peer)
{
  sy_wg_device_unregister_index (peer->device, &peer->handshake_entry);
  sy_wg_handshake_clear (&peer->handshake);
}

static gboolean
session_can_send (SyWgDevicePeer *peer,
                  SyWgSession    *session)
{
  const SyWgTimings *t = &peer->device->timings;

  return session != NULL &&
         peer->device->now - session->created < sy_wg_ms (t->reject_after_time_ms) &&
         session->keypair.send_counter < t->reject_after_messages;
}

/* Our initiation was answered: the new session is current at once. A
 * session still waiting for confirmation (we were responder to a crossing
 * handshake) becomes previous, so late messages under it still open. */
static void
install_as_initiator (SyWgDevicePeer *peer,
                      SyWgSession    *session)
{
  if (peer->next != NULL)
    {
      session_free (peer, g_steal_pointer (&peer->previous));
      peer->previous = g_steal_pointer (&peer->next);
      session_free (peer, g_steal_pointer (&peer->current));
    }
  else
    {
      session_free (peer, g_steal_pointer (&peer->previous));
      peer->previous = g_steal_pointer (&peer->current);
    }
  peer->current = session;
}

/* We answered their initiation: we cannot know they got our response, so
 * the session waits in next until their first message under it arrives. */
static void
install_as_responder (SyWgDevicePeer *peer,
                      SyWgSession    *session)
{
  session_free (peer, g_steal_pointer (&peer->next));
  peer->next = session;
  session_free (peer, g_steal_pointer (&peer->previous));
}

/* ---- timers ------------------------------------------------------------- */

typedef struct
{
  GSource         source;
  SyWgDevicePeer *peer;
} TimerSource;

static gint64
jitter (SyWgDevice *device)
{
  /* Rekey-Timeout-Jitter-Max: 333 ms against 5 s, kept in proportion. */
  gint64 max = sy_wg_ms (device->timings.rekey_timeout_ms) / 15;

  return max > 0 ? (gint64) g_random_int_range (0, (gint32) MIN (max, G_MAXINT32 - 1) + 1) : 0;
}

static gboolean
timer_pending (SyWgDevicePeer *peer,
               SyWgTimer       timer)
{
  return peer->deadlines[timer] != 0;
}

static void
timer_set (SyWgDevicePeer *peer,
           SyWgTimer       timer,
           gint64          deadline)
{
  gint64 ready;

  if (peer->timer_source == NULL)
    return;
  peer->deadlines[timer] = MAX (deadline, 1);
  ready = g_source_get_ready_time (peer->timer_source);
  if (ready == -1 || deadline < ready)
    g_source_set_ready_time (peer->timer_source, deadline);
}

static void
timer_cancel (SyWgDevicePeer *peer,
              SyWgTimer       timer)
{
  peer->deadlines[timer] = 0;
}

static void
timers_reschedule (SyWgDevicePeer *peer)
{
  gint64 earliest = -1;

  for (guint i = 0; i < SY_WG_N_TIMERS; i++)
    if (peer->deadlines[i] != 0 && (earliest == -1 || peer->deadlines[i] < earliest))
      earliest = peer->deadlines[i];
  g_source_set_ready_time (peer->timer_source, earliest);
}

static void
on_data_sent (SyWgDevicePeer *peer)
{
  const SyWgTimings *t = &peer->device->timings;

  if (!timer_pending (peer, SY_WG_TIMER_NEW_HANDSHAKE))
    timer_set (peer, SY_WG_TIMER_NEW_HANDSHAKE,
               peer->device->now + sy_wg_ms (t->keepalive_timeout_ms) +
               sy_wg_ms (t->rekey_timeout_ms) + jitter (peer->device));
}

static void
on_data_received (SyWgDevicePeer *peer)
{
  if (!timer_pending (peer, SY_WG_TIMER_SEND_KEEPALIVE))
    timer_set (peer, SY_WG_TIMER_SEND_KEEPALIVE,
               peer->device->now + sy_wg_ms (peer->device->timings.keepalive_timeout_ms));
  else
    peer->need_another_keepalive = TRUE;
}

static void
on_authenticated_sent (SyWgDevicePeer *peer)
{
  timer_cancel (peer, SY_WG_TIMER_SEND_KEEPALIVE);
}

static void
on_authenticated_received (SyWgDevicePeer *peer)
{
  timer_cancel (peer, SY_WG_TIMER_NEW_HANDSHAKE);
}

static void
on_authenticated_traversal (SyWgDevicePeer *peer)
{
  if (peer->config->persistent_keepalive > 0)
    timer_set (peer, SY_WG_TIMER_PERSISTENT_KEEPALIVE,
               peer->device->now +
               (gint64) peer->config->persistent_keepalive * G_TIME_SPAN_SECOND);
}

static void
on_handshake_initiated (SyWgDevicePeer *peer)
{
  timer_set (peer, SY_WG_TIMER_RETRANSMIT_HANDSHAKE,
             peer->device->now + sy_wg_ms (peer->device->timings.rekey_timeout_ms) +
             jitter (peer->device));
}

static void
on_handshake_complete (SyWgDevicePeer *peer)
{
  timer_cancel (peer, SY_WG_TIMER_RETRANSMIT_HANDSHAKE);
  peer->handshake_attempts = 0;
  peer->sent_lastminute_handshake = FALSE;
  peer->attempts_started = 0;
  peer->failed = FALSE;
  peer->last_handshake = g_get_real_time ();
  peer->handshakes++;
  sy_wg_device_schedule_changed (peer->device, peer);
}

static void
on_session_derived (SyWgDevicePeer *peer)
{
  timer_set (peer, SY_WG_TIMER_ZERO_KEY_MATERIAL,
             peer->device->now + 3 * sy_wg_ms (peer->device->timings.reject_after_time_ms));
}

static void queue_clear (SyWgDevicePeer *peer);
static void resolve_endpoint (SyWgDevicePeer *peer);

static void
fire_retransmit_handshake (SyWgDevicePeer *peer)
{
  if (peer->handshake_attempts > peer->device->max_handshake_attempts)
    {
      /* Rekey-Attempt-Time without an answer: stop trying until there is
       * something to send again, and drop what waited. */
      if (!peer->failed)
        g_message ("WireGuard peer %u: no handshake after %u attempts; giving up until there "
                   "is traffic for it", peer->position, peer->handshake_attempts + 1);
      peer->failed = TRUE;
      peer->attempts_started = 0;
      peer->initiation_waits_for_endpoint = FALSE;
      timer_cancel (peer, SY_WG_TIMER_SEND_KEEPALIVE);
      queue_clear (peer);
      if (!timer_pending (peer, SY_WG_TIMER_ZERO_KEY_MATERIAL))
        timer_set (peer, SY_WG_TIMER_ZERO_KEY_MATERIAL,
                   peer->device->now + 3 * sy_wg_ms (peer->device->timings.reject_after_time_ms));
      /* The name may point elsewhere by now. */
      resolve_endpoint (peer);
      update_state (peer);
      return;
    }

  peer->handshake_attempts++;
  /* A response we sent meanwhile (their initiation crossed ours) counts
   * for the rate limit; retry once it allows, rather than stall with
   * packets waiting and no timer armed. */
  if (!send_initiation (peer, TRUE))
    timer_set (peer, SY_WG_TIMER_RETRANSMIT_HANDSHAKE,
               peer->last_sent_handshake + sy_wg_ms (peer->device->timings.rekey_timeout_ms) +
               jitter (peer->device));
}

static void
fire_send_keepalive (SyWgDevicePeer *peer)
{
  sy_wg_device_peer_send_keepalive (peer);
  if (peer->need_another_keepalive)
    {
      peer->need_another_keepalive = FALSE;
      timer_set (peer, SY_WG_TIMER_SEND_KEEPALIVE,
                 peer->device->now + sy_wg_ms (peer->device->timings.keepalive_timeout_ms));
    }
}

static void
fire_zero_key_material (SyWgDevicePeer *peer)
{
  g_debug ("WireGuard peer %u: no new session for 3 x Reject-After-Time, zeroing keys",
           peer->position);
  clear_sessions (peer);
  clear_handshake (peer);
  update_state (peer);
}

static gboolean
timer_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  SyWgDevicePeer *peer = ((TimerSource *) source)->peer;
  g_autoptr(SyWgDevice) device = g_object_ref (peer->device);
  gint64 now = sy_wg_device_update_now (device);

  g_source_set_ready_time (source, -1);

  for (guint i = 0; i < SY_WG_N_TIMERS && device->running; i++)
    {
      if (peer->deadlines[i] == 0 || peer->deadlines[i] > now)
        continue;
      peer->deadlines[i] = 0;
      switch ((SyWgTimer) i)
        {
        case SY_WG_TIMER_RETRANSMIT_HANDSHAKE:
          fire_retransmit_handshake (peer);
          break;
        case SY_WG_TIMER_SEND_KEEPALIVE:
          fire_send_keepalive (peer);
          break;
        case SY_WG_TIMER_NEW_HANDSHAKE:
          /* We sent data and heard nothing for Keepalive-Timeout +
           * Rekey-Timeout: the session may be gone on their side. */
          send_initiation (peer, FALSE);
          break;
        case SY_WG_TIMER_ZERO_KEY_MATERIAL:
          fire_zero_key_material (peer);
          break;
        case SY_WG_TIMER_PERSISTENT_KEEPALIVE:
          if (peer->config->persistent_keepalive > 0)
            sy_wg_device_peer_send_keepalive (peer);
          break;
        case SY_WG_N_TIMERS:
        default:
          g_assert_not_reached ();
        }
    }

  if (device->running && peer->timer_source == source)
    timers_reschedule (peer);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_source_funcs = {
  .dispatch = timer_source_dispatch,
};

/* ---- endpoint ------------------------------------------------------------ */

/* A resolved name older than this is looked up again at the next
 * initiation: handshakes happen every two minutes while traffic flows, so
 * an active peer follows a moved name within about seven minutes, and an
 * idle one costs no lookups at all (no timer is armed for this). */
#define RESOLVE_STALE_US        (5 * G_TIME_SPAN_MINUTE)
/* While initiations go unanswered, the name is looked up again this often:
 * the server may have moved, and DNS TTLs are rarely shorter. */
#define RESOLVE_RETRY_STALE_US  (30 * G_TIME_SPAN_SECOND)

static gboolean
endpoint_is_name (SyWgDevicePeer *peer)
{
  const char *host = peer->config->endpoint_host;

  return host != NULL && !g_hostname_is_ip_address (host);
}

static void
set_endpoint (SyWgDevicePeer     *peer,
              const SyWgEndpoint *endpoint,
              gboolean            roamed)
{
  if (sy_wg_endpoint_equal (&peer->endpoint, endpoint))
    return;
  peer->endpoint = *endpoint;
  peer->endpoint_roamed = roamed;
  sy_wg_device_schedule_changed (peer->device, peer);
}

static void
resolve_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  SyWgDevicePeer *peer = user_data;
  g_autoptr(GError) error = NULL;
  SyWgEndpoint endpoint;

  if (!sy_wg_endpoint_resolve_finish (result, &endpoint, &error))
    {
      /* A stopped device cancels us; the peer may be gone by now. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      peer->resolving = FALSE;
      /* Said once per outage; the retries that follow only in debug. */
      if (!peer->resolve_failed)
        g_message ("WireGuard peer %u: cannot resolve %s: %s", peer->position,
                   peer->config->endpoint_host, error->message);
      else
        g_debug ("WireGuard peer %u: cannot resolve %s: %s", peer->position,
                 peer->config->endpoint_host, error->message);
      peer->resolve_failed = TRUE;
      return;
    }

  peer->resolving = FALSE;
  peer->resolve_failed = FALSE;
  sy_wg_device_update_now (peer->device);

  /* A roamed endpoint of a working session is fresher than DNS. */
  if (!sy_wg_endpoint_is_set (&peer->endpoint) || !peer->endpoint_roamed ||
      sy_wg_device_peer_get_state (peer) != SY_WG_PEER_STATE_UP)
    set_endpoint (peer, &endpoint, FALSE);

  if (peer->initiation_waits_for_endpoint)
    initiate (peer);
  update_state (peer);
}

static void
resolve_endpoint (SyWgDevicePeer *peer)
{
  SyWgDevice *device = peer->device;

  if (!endpoint_is_name (peer) || peer->resolving || !device->running)
    return;

  peer->resolving = TRUE;
  peer->resolved_at = device->now;
  sy_wg_endpoint_resolve_async (peer->config->endpoint_host, peer->config->endpoint_port,
                                sy_wg_device_get_families (device), device->cancellable,
                                resolve_cb, peer);
}

/* Called at each initiation: look the name up again when it is stale. */
static void
maybe_reresolve (SyWgDevicePeer *peer,
                 gboolean        is_retry)
{
  gint64 age = peer->device->now - peer->resolved_at;

  if (!endpoint_is_name (peer) || peer->resolving)
    return;
  if (!sy_wg_endpoint_is_set (&peer->endpoint))
    {
      if (age >= sy_wg_ms (peer->device->timings.rekey_timeout_ms))
        resolve_endpoint (peer);
    }
  else if (age >= RESOLVE_STALE_US || (is_retry && age >= RESOLVE_RETRY_STALE_US))
    resolve_endpoint (peer);
}

/* Roaming (§2.1): the source of an authenticated, fresh message is where
 * the peer is now. */
static void
roam (SyWgDevicePeer     *peer,
      const SyWgEndpoint *source)
{
  set_endpoint (peer, source, TRUE);
}

/* ---- state --------------------------------------------------------------- */

SyWgPeerState
sy_wg_device_peer_get_state (SyWgDevicePeer *peer)
{
  SyWgDevice *device = peer->device;

  if (peer->current != NULL &&
      device->now - peer->current->created < sy_wg_ms (device->timings.reject_after_time_ms))
    return SY_WG_PEER_STATE_UP;
  if (peer->failed)
    return SY_WG_PEER_STATE_FAILING;
  if (peer->next != NULL || timer_pending (peer, SY_WG_TIMER_RETRANSMIT_HANDSHAKE) ||
      peer->handshake.state == SY_WG_HANDSHAKE_CREATED_INITIATION)
    return SY_WG_PEER_STATE_HANDSHAKING;
  return SY_WG_PEER_STATE_IDLE;
}

static void
update_state (SyWgDevicePeer *peer)
{
  SyWgPeerState state = sy_wg_device_peer_get_state (peer);

  if (state == peer->reported_state)
    return;
  peer->reported_state = state;
  sy_wg_device_schedule_changed (peer->device, peer);
}

/* ---- handshakes ---------------------------------------------------------- */

static void
initiate (SyWgDevicePeer *peer)
{
  SyWgDevice *device = peer->device;
  SyWgMessageInitiation *msg;

  peer->last_sent_handshake = device->now;

  /* Unanswered for Rekey-Attempt-Time while traffic keeps asking (so the
   * retransmit timer never gives up): report it. */
  if (peer->attempts_started == 0)
    peer->attempts_started = device->now;
  else if (!peer->failed &&
           device->now - peer->attempts_started >= sy_wg_ms (device->timings.rekey_attempt_time_ms))
    {
      peer->failed = TRUE;
      resolve_endpoint (peer);
    }
  else
    maybe_reresolve (peer, peer->handshake_attempts > 0);

  on_authenticated_traversal (peer);
  on_authenticated_sent (peer);

  if (!sy_wg_endpoint_is_set (&peer->endpoint) ||
      !sy_wg_device_can_send_to (device, &peer->endpoint))
    {
      /* Nowhere to send it yet: a name being resolved (then the
       * resolution sends it), or a peer that must reach us first. The
       * retransmit timer still runs, so waiting packets are dropped after
       * Rekey-Attempt-Time. */
      peer->initiation_waits_for_endpoint = TRUE;
      if (!timer_pending (peer, SY_WG_TIMER_RETRANSMIT_HANDSHAKE))
        on_handshake_initiated (peer);
      update_state (peer);
      return;
    }
  peer->initiation_waits_for_endpoint = FALSE;

  sy_wg_device_unregister_index (device, &peer->handshake_entry);
  sy_wg_device_register_index (device, &peer->handshake_entry);
  msg = (SyWgMessageInitiation *) (gpointer)
    sy_wg_device_reserve_datagram (device, SY_WG_INITIATION_LEN);
  if (!sy_wg_handshake_create_initiation (&peer->handshake, &device->identity, &peer->statics,
                                          peer->handshake_entry.index, msg))
    {
      clear_handshake (peer);
      return;
    }
  sy_wg_cookie_sender_add_macs (&peer->cookie, (guint8 *) msg, SY_WG_INITIATION_LEN, device->now);
  sy_wg_device_commit_datagram (device, &peer->endpoint, SY_WG_INITIATION_LEN);
  peer->initiations_sent++;

  on_handshake_initiated (peer);
  update_state (peer);
}

/* Returns FALSE when the rate limit held the initiation back. */
static gboolean
send_initiation (SyWgDevicePeer *peer,
                 gboolean        is_retry)
{
  SyWgDevice *device = peer->device;

  if (!device->running)
    return TRUE;
  if (!is_retry)
    peer->handshake_attempts = 0;
  /* §6.3 / Linux: no more than one initiation per Rekey-Timeout, however
   * many packets or timers ask for one. */
  if (peer->last_sent_handshake != 0 &&
      device->now - peer->last_sent_handshake < sy_wg_ms (device->timings.rekey_timeout_ms))
    return FALSE;
  initiate (peer);
  return TRUE;
}

void
sy_wg_device_peer_answer_initiation (SyWgDevicePeer     *peer,
                                     const SyWgEndpoint *source)
{
  SyWgDevice *device = peer->device;
  SyWgSession *session;
  guint8 *msg;

  /* Consuming their initiation replaced whatever handshake we had going:
   * a response to our own initiation can no longer complete. */
  sy_wg_device_unregister_index (device, &peer->handshake_entry);

  roam (peer, source);
  on_authenticated_received (peer);
  on_authenticated_traversal (peer);

  session = session_new (peer);
  sy_wg_device_register_index (device, &session->entry);
  msg = sy_wg_device_reserve_datagram (device, SY_WG_RESPONSE_LEN);
  if (!sy_wg_handshake_create_response (&peer->handshake, &device->identity, &peer->statics,
                                        session->entry.index,
                                        (SyWgMessageResponse *) (gpointer) msg) ||
      !sy_wg_handshake_derive_keypair (&peer->handshake, &session->keypair))
    {
      clear_handshake (peer);
      session_free (peer, session);
      return;
    }
  session->created = device->now;
  sy_wg_cookie_sender_add_macs (&peer->cookie, msg, SY_WG_RESPONSE_LEN, device->now);
  sy_wg_device_commit_datagram (device, source, SY_WG_RESPONSE_LEN);

  /* A response counts as our handshake for the rate limit: initiating on
   * top of it would only cross it. */
  peer->last_sent_handshake = device->now;
  on_authenticated_traversal (peer);
  on_authenticated_sent (peer);

  install_as_responder (peer, session);
  on_session_derived (peer);
  update_state (peer);
}

void
sy_wg_device_peer_receive_response (SyWgDevicePeer            *peer,
                                    const SyWgMessageResponse *msg,
                                    const SyWgEndpoint        *source)
{
  SyWgDevice *device = peer->device;
  SyWgSession *session;

  if (!sy_wg_handshake_consume_response (&peer->handshake, &device->identity, &peer->statics, msg))
    {
      device->counters.rx_invalid++;
      return;
    }

  session = session_new (peer);
  if (!sy_wg_handshake_derive_keypair (&peer->handshake, &session->keypair))
    {
      clear_handshake (peer);
      session_free (peer, session);
      return;
    }
  /* The index we gave in our initiation now names the session. */
  sy_wg_device_move_index (device, &peer->handshake_entry, &session->entry);
  session->created = device->now;

  on_authenticated_received (peer);
  on_authenticated_traversal (peer);
  roam (peer, source);

  install_as_initiator (peer, session);
  on_session_derived (peer);
  on_handshake_complete (peer);

  /* Send what waited; with nothing waiting, a keepalive confirms the
   * session to the responder at once. */
  sy_wg_device_peer_send_keepalive (peer);
  update_state (peer);
}

void
sy_wg_device_peer_receive_cookie (SyWgDevicePeer               *peer,
                                  const SyWgMessageCookieReply *msg)
{
  SyWgDevice *device = peer->device;

  /* The next initiation (our retransmit timer's, §5.3: not at once)
   * carries mac2. */
  if (sy_wg_cookie_sender_consume_reply (&peer->cookie, msg, device->now))
    device->counters.cookie_replies_received++;
  else
    device->counters.rx_invalid++;
}

/* ---- the queue ----------------------------------------------------------- */

static void
queue_push (SyWgDevicePeer *peer,
            const guint8   *packet,
            gsize           length)
{
  SyWgQueuedPacket *slot;

  if (peer->queue_length == SY_WG_PEER_QUEUE_MAX)
    {
      slot = &peer->queue[peer->queue_head];
      g_free (slot->data);
      slot->data = NULL;
      peer->queue_head = (peer->queue_head + 1) % SY_WG_PEER_QUEUE_MAX;
      peer->queue_length--;
      peer->device->counters.tx_queue_dropped++;
    }
  slot = &peer->queue[(peer->queue_head + peer->queue_length) % SY_WG_PEER_QUEUE_MAX];
  slot->data = length > 0 ? g_memdup2 (packet, length) : NULL;
  slot->length = length;
  peer->queue_length++;
}

static void
queue_clear (SyWgDevicePeer *peer)
{
  while (peer->queue_length > 0)
    {
      SyWgQueuedPacket *slot = &peer->queue[peer->queue_head];

      g_free (slot->data);
      slot->data = NULL;
      peer->queue_head = (peer->queue_head + 1) % SY_WG_PEER_QUEUE_MAX;
      peer->queue_length--;
    }
  peer->queue_head = 0;
}

/* ---- sending ------------------------------------------------------------- */

static void
encrypt_and_send (SyWgDevicePeer *peer,
                  const guint8   *packet,
                  gsize           length)
{
  SyWgDevice *device = peer->device;
  gsize padded = sy_wg_transport_padded_length (length, device->profile->mtu);
  gsize total = SY_WG_TRANSPORT_LEN (padded);
  guint8 *out;
  gsize written;

  if (!sy_wg_device_can_send_to (device, &peer->endpoint))
    {
      device->counters.tx_errors++;
      return;
    }

  out = sy_wg_device_reserve_datagram (device, total);
  written = sy_wg_transport_encrypt (&peer->current->keypair, packet, length,
                                     device->profile->mtu, out, total);
  if (written == 0)
    return;
  sy_wg_device_commit_datagram (device, &peer->endpoint, written);
  peer->tx_bytes += length;

  on_authenticated_traversal (peer);
  on_authenticated_sent (peer);
  if (length > 0)
    on_data_sent (peer);
}

/* §6.2: the initiator renews a session after Rekey-After-Time; either side
 * after Rekey-After-Messages. */
static void
keep_key_fresh_on_send (SyWgDevicePeer *peer)
{
  SyWgSession *session = peer->current;
  const SyWgTimings *t = &peer->device->timings;

  if (session == NULL)
    return;
  if (session->keypair.send_counter > t->rekey_after_messages ||
      (session->keypair.initiator &&
       peer->device->now - session->created >= sy_wg_ms (t->rekey_after_time_ms)))
    send_initiation (peer, FALSE);
}

/* §6.2: an initiator whose session nears Reject-After-Time while it only
 * receives renews it once, early enough to finish before the reject. */
static void
keep_key_fresh_on_receive (SyWgDevicePeer *peer)
{
  SyWgSession *session = peer->current;
  const SyWgTimings *t = &peer->device->timings;
  gint64 limit;

  if (session == NULL || !session->keypair.initiator || peer->sent_lastminute_handshake)
    return;
  limit = sy_wg_ms (t->reject_after_time_ms) - sy_wg_ms (t->keepalive_timeout_ms) -
          sy_wg_ms (t->rekey_timeout_ms);
  if (peer->device->now - session->created >= limit)
    {
      peer->sent_lastminute_handshake = TRUE;
      send_initiation (peer, FALSE);
    }
}

static void
flush_queue (SyWgDevicePeer *peer)
{
  if (!session_can_send (peer, peer->current))
    {
      /* Packets wait for a session. When the rate limit holds the
       * initiation back (one went out, or a response, moments ago), make
       * sure one follows when it allows, even if no further packet asks. */
      if (!send_initiation (peer, FALSE) &&
          !timer_pending (peer, SY_WG_TIMER_RETRANSMIT_HANDSHAKE))
        timer_set (peer, SY_WG_TIMER_RETRANSMIT_HANDSHAKE,
                   peer->last_sent_handshake + sy_wg_ms (peer->device->timings.rekey_timeout_ms) +
                   jitter (peer->device));
      return;
    }

  while (peer->queue_length > 0 && session_can_send (peer, peer->current))
    {
      SyWgQueuedPacket *slot = &peer->queue[peer->queue_head];

      encrypt_and_send (peer, slot->data, slot->length);
      g_free (slot->data);
      slot->data = NULL;
      peer->queue_head = (peer->queue_head + 1) % SY_WG_PEER_QUEUE_MAX;
      peer->queue_length--;
    }
  keep_key_fresh_on_send (peer);
}

void
sy_wg_device_peer_send_packet (SyWgDevicePeer *peer,
                               const guint8   *packet,
                               gsize           length)
{
  if (peer->queue_length == 0 && session_can_send (peer, peer->current))
    {
      encrypt_and_send (peer, packet, length);
      keep_key_fresh_on_send (peer);
      return;
    }

  queue_push (peer, packet, length);
  flush_queue (peer);
}

void
sy_wg_device_peer_send_keepalive (SyWgDevicePeer *peer)
{
  if (peer->queue_length == 0)
    sy_wg_device_peer_send_packet (peer, NULL, 0);
  else
    flush_queue (peer);
}

/* ---- receiving ----------------------------------------------------------- */

/* The length of the IP packet at the start of @plain (padding cut off),
 * or 0 when it is not a whole IPv4 or IPv6 packet. */
static gsize
inner_packet_length (const guint8 *plain,
                     gsize         plain_len,
                     guint8       *family,
                     const guint8 **source)
{
  gsize length;

  if (plain_len >= 20 && (plain[0] >> 4) == 4)
    {
      length = ((gsize) plain[2] << 8) | plain[3];
      if (length < (gsize) (plain[0] & 0x0f) * 4 || length < 20 || length > plain_len)
        return 0;
      *family = 4;
      *source = plain + 12;
      return length;
    }
  if (plain_len >= 40 && (plain[0] >> 4) == 6)
    {
      length = 40 + (((gsize) plain[4] << 8) | plain[5]);
      if (length > plain_len)
        return 0;
      *family = 6;
      *source = plain + 8;
      return length;
    }
  return 0;
}

void
sy_wg_device_peer_receive_transport (SyWgDevicePeer     *peer,
                                     SyWgSession        *session,
                                     guint8             *msg,
                                     gsize               length,
                                     const SyWgEndpoint *source)
{
  SyWgDevice *device = peer->device;
  const SyWgTimings *t = &device->timings;
  guint8 *plain;
  gsize plain_len;
  guint64 counter;
  gsize packet_len;
  guint8 family = 0;
  const guint8 *inner_source = NULL;

  if (device->now - session->created >= sy_wg_ms (t->reject_after_time_ms) ||
      !sy_wg_transport_decrypt (&session->keypair, msg, length, &plain, &plain_len, &counter) ||
      counter >= t->reject_after_messages)
    {
      device->counters.rx_invalid++;
      return;
    }
  if (!sy_wg_replay_check (&session->replay, counter))
    {
      device->counters.rx_replayed++;
      return;
    }

  /* Authentic and fresh: now it may change things. */
  if (session == peer->next)
    {
      session_free (peer, g_steal_pointer (&peer->previous));
      peer->previous = g_steal_pointer (&peer->current);
      peer->current = g_steal_pointer (&peer->next);
      on_handshake_complete (peer);
      if (peer->queue_length > 0)
        flush_queue (peer);
      update_state (peer);
    }
  roam (peer, source);
  keep_key_fresh_on_receive (peer);
  on_authenticated_received (peer);
  on_authenticated_traversal (peer);

  if (plain_len == 0)
    return;   /* a keepalive */
  on_data_received (peer);

  packet_len = inner_packet_length (plain, plain_len, &family, &inner_source);
  if (packet_len == 0)
    {
      device->counters.rx_bad_packet++;
      return;
    }
  /* Cryptokey routing (§2): a peer may only speak for its AllowedIPs. */
  if (sy_wg_allowedips_lookup (device->allowedips, family, inner_source) != peer)
    {
      device->counters.rx_bad_source++;
      return;
    }

  peer->rx_bytes += packet_len;
  sy_wg_device_deliver (device, plain, packet_len);
}

/* ---- life ---------------------------------------------------------------- */

SyWgDevicePeer *
sy_wg_device_peer_new (SyWgDevice      *device,
                       guint            position,
                       const SyWgPeer  *config,
                       GError         **error)
{
  SyWgDevicePeer *peer = g_new0 (SyWgDevicePeer, 1);
  g_autoptr(GError) local_error = NULL;

  peer->device = device;
  peer->position = position;
  peer->config = config;
  peer->reported_state = SY_WG_PEER_STATE_IDLE;
  peer->handshake_entry.peer = peer;

  if (!sy_wg_peer_static_init (&peer->statics, &device->identity, config->public_key,
                               config->has_preshared_key ? config->preshared_key : NULL,
                               &local_error))
    {
      g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                   "WireGuard peer %u: %s", position + 1, local_error->message);
      g_free (peer);
      return NULL;
    }
  sy_wg_handshake_init (&peer->handshake);
  sy_wg_cookie_sender_init (&peer->cookie, config->public_key);
  return peer;
}

void
sy_wg_device_peer_free (SyWgDevicePeer *peer)
{
  if (peer == NULL)
    return;
  sy_wg_device_peer_stop (peer);
  sy_wg_peer_static_clear (&peer->statics);
  sy_wg_handshake_clear (&peer->handshake);
  sy_wg_cookie_sender_clear (&peer->cookie);
  sy_wg_memzero (peer, sizeof *peer);
  g_free (peer);
}

void
sy_wg_device_peer_start (SyWgDevicePeer *peer)
{
  TimerSource *source;

  g_assert (peer->timer_source == NULL);

  source = (TimerSource *) g_source_new (&timer_source_funcs, sizeof (TimerSource));
  source->peer = peer;
  g_source_set_static_name (&source->source, "[switchyard] WireGuard peer timers");
  g_source_attach (&source->source, g_main_context_get_thread_default ());
  peer->timer_source = &source->source;

  /* The configured endpoint; a peer without one waits to be reached. */
  if (peer->config->endpoint_host != NULL)
    {
      if (endpoint_is_name (peer))
        resolve_endpoint (peer);
      else
        {
          SyWgEndpoint endpoint;

          if (sy_wg_endpoint_parse_literal (&endpoint, peer->config->endpoint_host,
                                            peer->config->endpoint_port))
            set_endpoint (peer, &endpoint, FALSE);
        }
    }

  /* wg(8): setting PersistentKeepalive sends one at once, which brings
   * the tunnel up without waiting for traffic. */
  if (peer->config->persistent_keepalive > 0)
    sy_wg_device_peer_send_keepalive (peer);
}

void
sy_wg_device_peer_stop (SyWgDevicePeer *peer)
{
  if (peer->timer_source != NULL)
    {
      g_source_destroy (peer->timer_source);
      g_clear_pointer (&peer->timer_source, g_source_unref);
    }
  memset (peer->deadlines, 0, sizeof peer->deadlines);

  clear_sessions (peer);
  clear_handshake (peer);
  queue_clear (peer);

  peer->resolving = FALSE;
  peer->initiation_waits_for_endpoint = FALSE;
  peer->handshake_attempts = 0;
  peer->attempts_started = 0;
  peer->need_another_keepalive = FALSE;
  peer->sent_lastminute_handshake = FALSE;
  peer->last_sent_handshake = 0;
  peer->failed = FALSE;
  peer->reported_state = SY_WG_PEER_STATE_IDLE;
}

void
sy_wg_device_peer_reset (SyWgDevicePeer *peer)
{
  gboolean was_up = peer->current != NULL || peer->next != NULL;

  sy_wg_device_peer_stop (peer);
  if (peer->endpoint_roamed)
    sy_wg_endpoint_clear (&peer->endpoint);
  peer->endpoint_roamed = FALSE;
  peer->resolved_at = 0;
  sy_wg_device_peer_start (peer);
  if (was_up && peer->config->persistent_keepalive == 0)
    sy_wg_device_peer_send_keepalive (peer);
  sy_wg_device_schedule_changed (peer->device, peer);
}

SyWgPeerStatus *
sy_wg_device_peer_dup_status (SyWgDevicePeer *peer)
{
  SyWgPeerStatus *status = g_new0 (SyWgPeerStatus, 1);
  char text[SY_WG_ENDPOINT_STRING_MAX];

  status->public_key = sy_wg_key_to_base64 (peer->config->public_key);
  if (sy_wg_endpoint_is_set (&peer->endpoint))
    status->endpoint = g_strdup (sy_wg_endpoint_format (&peer->endpoint, text));
  status->last_handshake = peer->last_handshake;
  status->rx_bytes = peer->rx_bytes;
  status->tx_bytes = peer->tx_bytes;
  status->handshakes = peer->handshakes;
  status->state = sy_wg_device_peer_get_state (peer);
  return status;
}
