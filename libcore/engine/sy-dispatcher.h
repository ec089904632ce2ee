/* sy-dispatcher.h — owns live sessions: routes them to an outbound, dials with
 * a timeout, starts the relay, keeps the connection log and the counters
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "outbound/sy-outbound.h"
#include "relay/sy-relay.h"
#include "session/sy-session.h"
#include "stats/sy-traffic.h"

G_BEGIN_DECLS

#define SY_TYPE_DISPATCHER (sy_dispatcher_get_type ())

G_DECLARE_FINAL_TYPE (SyDispatcher, sy_dispatcher, SY, DISPATCHER, GObject)

/* Signals:
 *   "sessions-changed" (GPtrArray *changed SySession*, GArray *removed guint64)
 *       batched: at most one emission per 100 ms, none while nothing changes.
 *       Live sessions that changed are in @changed; sessions that ended are
 *       only in @removed (their final state is in the connection log).
 *   "traffic" (SyTrafficSample *) once a second while bytes move or sessions
 *       come and go, then one final all-quiet sample; no timer at all while idle.
 *
 * Closing a session (sy_dispatcher_close_session) cancels session->cancellable:
 * whoever holds the session at that moment (inbound handshake, dial, relay)
 * must stop and call sy_dispatcher_end_session() with the cancellation error.
 */

SyDispatcher     *sy_dispatcher_new                 (void);

void              sy_dispatcher_set_outbound        (SyDispatcher         *self,
                                                     SyOutbound           *outbound);
void              sy_dispatcher_remove_outbound     (SyDispatcher         *self,
                                                     const char           *name);
SyOutbound       *sy_dispatcher_lookup_outbound     (SyDispatcher         *self,
                                                     const char           *name);
void              sy_dispatcher_set_timeouts        (SyDispatcher         *self,
                                                     guint                 connect_timeout_ms,
                                                     guint                 idle_timeout_ms);
/* The relay's idle timeout, also applied by inbounds that move bytes
 * themselves (HTTP forwarding); 0 = none. */
guint             sy_dispatcher_get_idle_timeout    (SyDispatcher         *self);
void              sy_dispatcher_set_log_size        (SyDispatcher         *self,
                                                     guint                 size);

/* Inbound side. A session is registered as soon as a client is accepted. */
void              sy_dispatcher_add_session         (SyDispatcher         *self,
                                                     SySession            *session);
/* Picks the outbound (rules later; for now @route, the inbound's configured
 * outbound), marks the session CONNECTING and dials with the connect timeout.
 * Timeouts fail with G_IO_ERROR_TIMED_OUT; the session records the error. */
void              sy_dispatcher_dial_async          (SyDispatcher         *self,
                                                     SySession            *session,
                                                     const char           *route,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
GIOStream        *sy_dispatcher_dial_finish         (SyDispatcher         *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
/* Relays until done, then ends the session (closed, or failed with the error). */
void              sy_dispatcher_relay               (SyDispatcher         *self,
                                                     SySession            *session,
                                                     GIOStream            *client,
                                                     GIOStream            *remote,
                                                     GBytes               *client_pending);
/* Ends a session that never reached the relay, or that the inbound drove
 * itself (HTTP forwarding). @error NULL means a clean close. */
void              sy_dispatcher_end_session         (SyDispatcher         *self,
                                                     SySession            *session,
                                                     const GError         *error);

/* Control side. */
GPtrArray        *sy_dispatcher_list_sessions       (SyDispatcher         *self); /* SySession*, full */
SySession        *sy_dispatcher_find_session        (SyDispatcher         *self,
                                                     guint64               id);
gboolean          sy_dispatcher_close_session       (SyDispatcher         *self,
                                                     guint64               id);
/* Closes every live session whose target, client, outbound, upstream or
 * inbound contains @filter (case-insensitive); "" or NULL closes all. */
guint             sy_dispatcher_close_matching      (SyDispatcher         *self,
                                                     const char           *filter);
guint             sy_dispatcher_close_all           (SyDispatcher         *self);
GPtrArray        *sy_dispatcher_get_connection_log  (SyDispatcher         *self); /* finished, oldest first */
guint             sy_dispatcher_get_active_count    (SyDispatcher         *self);
const SyTraffic  *sy_dispatcher_get_traffic         (SyDispatcher         *self);
gboolean          sy_session_matches_filter         (SySession            *session,
                                                     const char           *filter);

G_END_DECLS
