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
 * Each start function writes whatever config the peer needs into a private
 * temporary directory, runs the peer as a SyTestProcess (its own process
 * group, its output captured and echoed to stderr, killed when the thread
 * that started it exits: start peers from the test's main thread) and blocks
 * (with a 10 s limit) until it accepts TCP connections. On failure the
 * error carries the peer's own output.
 *
 * With @port 0 the peer gets a free port, and a peer that lost the race for
 * it is restarted on another one. Failover tests kill a peer the way it
 * crashes (sy_test_peer_signal() with SIGKILL, sy_test_peer_wait()) and
 * bring it back on the same port (sy_test_peer_restart()).
 *
 * sy_test_peer_stop() stops the whole process group (SIGTERM, then SIGKILL),
 * waits for it and removes the temporary directory. */

typedef struct _SyTestPeer SyTestPeer;

/* microsocks (RFC 1928; RFC 1929 when @username is not NULL). */
SyTestPeer *sy_test_peer_start_microsocks      (const char  *username,
                                                const char  *password,
                                                GError     **error);
/* The same on @port (0: any free port), with @preload (may be NULL) in its
 * LD_PRELOAD. */
SyTestPeer *sy_test_peer_start_microsocks_full (guint16      port,
                                                const char  *username,
                                                const char  *password,
                                                const char  *preload,
                                                GError     **error);
/* dante-server (/usr/sbin/danted), no authentication, connecting out to
 * IPv4 and IPv6 destinations. */
SyTestPeer *sy_test_peer_start_danted          (GError     **error);
/* The same on @port (0: any free port). With @username, danted requires
 * RFC 1929 username/password authentication, which it checks against the
 * system's password database: the account exists only in a private copy of
 * /etc/passwd and /etc/shadow bind-mounted for danted alone in a mount
 * namespace of its own, so this needs root (see
 * sy_test_can_isolate_accounts()). */
SyTestPeer *sy_test_peer_start_danted_full     (guint16      port,
                                                const char  *username,
                                                const char  *password,
                                                GError     **error);
/* tinyproxy as an HTTP CONNECT proxy (BasicAuth when @username is not
 * NULL); CONNECT is allowed to every port. */
SyTestPeer *sy_test_peer_start_tinyproxy       (const char  *username,
                                                const char  *password,
                                                GError     **error);
/* Whether sy_test_peer_start_danted_full() can require authentication. */
gboolean    sy_test_can_isolate_accounts       (void);

const char *sy_test_peer_get_host              (SyTestPeer  *peer);   /* "127.0.0.1" */
guint16     sy_test_peer_get_port              (SyTestPeer  *peer);
gboolean    sy_test_peer_is_running            (SyTestPeer  *peer);
/* Sends @signum to the peer's process group (SIGKILL: the way a peer
 * crashes), if it still runs. */
void        sy_test_peer_signal                (SyTestPeer  *peer,
                                                int          signum);
/* The wait status, or -1 when the peer is still running after @timeout_ms. */
int         sy_test_peer_wait                  (SyTestPeer  *peer,
                                                guint        timeout_ms);
/* Starts a peer that exited again, on the same port with the same
 * configuration, and blocks until it accepts connections. */
gboolean    sy_test_peer_restart               (SyTestPeer  *peer,
                                                GError     **error);
void        sy_test_peer_stop                  (SyTestPeer  *peer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyTestPeer, sy_test_peer_stop)

/* A port that was free on @address a moment ago (binds port 0, closes). */
guint16     sy_test_find_free_port             (const char  *address);
/* Removes @path and, for a directory, everything in it; symbolic links are
 * removed, never followed. */
void        sy_test_rm_rf                      (const char  *path);

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
