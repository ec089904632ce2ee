/* sy-session.h — one proxied connection (or, later, one UDP association)
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  SY_NETWORK_TCP,
  SY_NETWORK_UDP,
} SyNetwork;

typedef enum
{
  SY_SESSION_STATE_HANDSHAKE,    /* the inbound is still reading the request */
  SY_SESSION_STATE_CONNECTING,   /* an outbound is dialing */
  SY_SESSION_STATE_ESTABLISHED,  /* bytes are being relayed */
  SY_SESSION_STATE_CLOSED,       /* finished without error */
  SY_SESSION_STATE_FAILED,       /* finished with an error; see error */
} SySessionState;

typedef struct _SySession  SySession;
typedef struct _SyUpstream SyUpstream;

/* Where a session's counters and state changes are reported (the engine). */
typedef struct
{
  void (*changed) (SySession *session, gpointer user_data);   /* state or bytes moved */
  void (*traffic) (SySession *session, guint64 up, guint64 down, gpointer user_data);
} SySessionObserver;

/**
 * SySession:
 *
 * Plain, reference-counted, main-loop-only. Inbounds fill the request half
 * (client, destination), the router and outbounds fill the dial half
 * (outbound, upstream, bound address), the relay moves the counters.
 *
 * @host is the destination exactly as the client gave it: a domain name stays
 * unresolved so that upstream proxies and tunnels resolve it themselves.
 */
struct _SySession
{
  grefcount            ref_count;

  guint64              id;
  SyNetwork            network;
  char                *inbound;          /* name of the inbound that accepted it */
  char                *protocol;         /* "socks5", "http-connect", "http" … */
  GSocketAddress      *client_address;

  char                *host;             /* domain name or IP literal, never NULL once parsed */
  guint16              port;
  gboolean             host_is_domain;
  char                *sniffed_host;     /* filled by sniffing (later issue) */

  char                *outbound;         /* name of the chosen outbound */
  char                *rule;             /* rule that chose it, NULL for the default */
  char                *upstream;         /* pool member that carried it, or NULL */
  SyUpstream          *upstream_object;  /* strong ref; its counters move with ours */
  GSocketAddress      *bound_address;    /* real local address of the outbound stream */

  gint64               created_at;       /* g_get_real_time () */
  gint64               established_at;   /* 0 until the relay starts */
  gint64               finished_at;      /* 0 while alive */
  gint64               created_mono;     /* g_get_monotonic_time (), for durations */

  guint64              bytes_up;         /* client → destination */
  guint64              bytes_down;       /* destination → client */

  SySessionState       state;
  char                *error;            /* why it failed, for people */

  GCancellable        *cancellable;      /* cancel to close the session */

  const SySessionObserver *observer;
  gpointer             observer_data;
  guint                dirty : 1;        /* changed since the observer last flushed */
};

SySession  *sy_session_new              (SyNetwork          network,
                                         const char        *inbound,
                                         GSocketAddress    *client_address);
SySession  *sy_session_ref              (SySession         *self);
void        sy_session_unref            (SySession         *self);

void        sy_session_set_destination  (SySession         *self,
                                         const char        *host,
                                         guint16            port);
void        sy_session_set_protocol     (SySession         *self,
                                         const char        *protocol);
void        sy_session_set_outbound     (SySession         *self,
                                         const char        *outbound,
                                         const char        *rule);
void        sy_session_set_upstream     (SySession         *self,
                                         SyUpstream        *upstream);
void        sy_session_set_bound_address (SySession        *self,
                                          GSocketAddress   *address);
void        sy_session_set_state        (SySession         *self,
                                         SySessionState     state);
void        sy_session_fail             (SySession         *self,
                                         const GError      *error);
void        sy_session_finish           (SySession         *self);
void        sy_session_add_bytes        (SySession         *self,
                                         guint64            up,
                                         guint64            down);
void        sy_session_set_observer     (SySession         *self,
                                         const SySessionObserver *observer,
                                         gpointer           user_data);
gboolean    sy_session_is_finished      (SySession         *self);
char       *sy_session_dup_target       (SySession         *self);
char       *sy_session_dup_client       (SySession         *self);
gint64      sy_session_get_duration_ms  (SySession         *self);
const char *sy_session_state_to_string  (SySessionState     state);
const char *sy_network_to_string        (SyNetwork          network);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SySession, sy_session_unref)

G_END_DECLS
