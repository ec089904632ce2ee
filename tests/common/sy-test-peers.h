/* sy-test-peers.h — real proxy servers and tiny in-process servers for tests
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* ---- Real peers, run as subprocesses on 127.0.0.1 ----------------------
 *
 * Each start function picks a free port, writes whatever config the peer
 * needs into a private temporary directory, spawns the peer in its own
 * process group and blocks (with a 10 s limit) until it accepts TCP
 * connections; a peer that lost the race for its port is restarted on
 * another one. On failure the error carries the peer's own log.
 * sy_test_peer_stop() kills the whole process group, waits for the peer and
 * removes the temporary directory. A peer also gets SIGTERM when the thread
 * that started it exits (PR_SET_PDEATHSIG), so an aborted test leaves no
 * peer behind: start peers from the test's main thread. */

typedef struct _SyTestPeer SyTestPeer;

/* microsocks (RFC 1928; RFC 1929 when @username is not NULL). */
SyTestPeer *sy_test_peer_start_microsocks (const char  *username,
                                           const char  *password,
                                           GError     **error);
/* dante-server (/usr/sbin/danted), no authentication, connecting out to
 * IPv4 and IPv6 destinations. */
SyTestPeer *sy_test_peer_start_danted     (GError     **error);
/* tinyproxy as an HTTP CONNECT proxy (BasicAuth when @username is not
 * NULL); CONNECT is allowed to every port. */
SyTestPeer *sy_test_peer_start_tinyproxy  (const char  *username,
                                           const char  *password,
                                           GError     **error);

const char *sy_test_peer_get_host         (SyTestPeer  *peer);   /* "127.0.0.1" */
guint16     sy_test_peer_get_port         (SyTestPeer  *peer);
/* The peer's stdout+stderr so far, for failure messages. */
char       *sy_test_peer_dup_log          (SyTestPeer  *peer);
void        sy_test_peer_stop             (SyTestPeer  *peer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyTestPeer, sy_test_peer_stop)

/* A port that was free on @address a moment ago (binds port 0, closes). */
guint16     sy_test_find_free_port        (const char  *address);

/* ---- In-process servers, each on its own threads -----------------------
 *
 * They accept and serve on threads of their own, so a test may block in
 * them or iterate its main context as it likes. Handlers run on a thread
 * per connection and may use blocking I/O with @cancellable, which is
 * cancelled when the server is freed; the connection is closed after the
 * handler returns. */

typedef struct _SyTestServer SyTestServer;

typedef void (*SyTestServerHandler) (GSocketConnection *connection,
                                     GCancellable      *cancellable,
                                     gpointer           user_data);

/* Listens on @address ("127.0.0.1", "::1") and @port (0: any free port). */
SyTestServer *sy_test_server_new          (const char          *address,
                                           guint16              port,
                                           SyTestServerHandler  handler,
                                           gpointer             user_data,
                                           GError             **error);
/* Echoes every byte back until the client closes. */
SyTestServer *sy_test_echo_server_new     (const char          *address,
                                           guint16              port,
                                           GError             **error);
guint16       sy_test_server_get_port     (SyTestServer        *server);
/* Connections accepted so far, and those whose handler returned and whose
 * socket is closed. */
guint         sy_test_server_get_accepted (SyTestServer        *server);
guint         sy_test_server_get_closed   (SyTestServer        *server);
/* Blocks (10 s at most) until every accepted connection is closed. */
void          sy_test_server_wait_idle    (SyTestServer        *server);
/* Cancels the handlers, closes everything and joins the threads. */
void          sy_test_server_free         (SyTestServer        *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyTestServer, sy_test_server_free)

/* A listening socket whose accept queue is full, so that a connect() to it
 * neither succeeds nor fails: SYNs are dropped and retransmitted, the way a
 * silent path behaves, but on loopback. */
typedef struct _SyTestBlackhole SyTestBlackhole;

SyTestBlackhole *sy_test_blackhole_new      (const char       *address,
                                             guint16           port,
                                             GError          **error);
guint16          sy_test_blackhole_get_port (SyTestBlackhole  *blackhole);
void             sy_test_blackhole_free     (SyTestBlackhole  *blackhole);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyTestBlackhole, sy_test_blackhole_free)

/* Open sockets of this process, to check that nothing leaked. (Sockets
 * only: GLib opens and closes eventfds of its own at any time.) */
guint         sy_test_count_open_sockets  (void);

G_END_DECLS
