/* sy-relay.h — copies both ways between a client stream and an outbound stream
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "session/sy-session.h"

G_BEGIN_DECLS

typedef struct
{
  guint     idle_timeout_ms;   /* no byte either way for this long ends the relay; 0 = never */
  gsize     buffer_size;       /* per direction on the buffered path (default 64 KiB) */
  gboolean  allow_splice;      /* use splice(2) when both ends are kernel sockets (default TRUE) */
} SyRelayOptions;

#define SY_RELAY_OPTIONS_INIT { 300 * 1000, 64 * 1024, TRUE }

/* Called exactly once, when both directions are done, the session was
 * cancelled (sy_session's cancellable) or the idle timeout fired. @error is
 * %NULL for a clean finish. Both streams are closed before it runs. */
typedef void (*SyRelayDoneFunc) (SySession    *session,
                                 const GError *error,
                                 gpointer      user_data);

typedef struct _SyRelay SyRelay;

/* @client_pending: bytes the inbound already read past the request and that
 * must reach @remote first (may be %NULL). The relay takes references on
 * both streams and the session, and frees itself after @done. */
SyRelay  *sy_relay_start          (SySession            *session,
                                   GIOStream            *client,
                                   GIOStream            *remote,
                                   GBytes               *client_pending,
                                   const SyRelayOptions *options,
                                   SyRelayDoneFunc       done,
                                   gpointer              user_data);
gboolean  sy_relay_is_spliced     (SyRelay              *self);

/* Relays take buffers and splice pipes from a small per-thread cache only
 * while bytes are in flight. This closes the spare pipes and frees the spare
 * buffers of the calling thread (when the engine stops; tests counting fds). */
void      sy_relay_release_cache  (void);

G_END_DECLS
