/* sy-e2e.h — processes, peers and servers for the end-to-end tests
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The end-to-end tests run the real switchyardd binary (from $SWITCHYARDD)
 * against real Debian peers: curl, microsocks and danted. Unlike
 * tests/common/sy-test-peers.h these helpers start a peer on a port the test
 * chooses, so that a peer can be killed with SIGKILL and restarted on the
 * same port, which is what failover and recovery are about.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* ---- Child processes ---------------------------------------------------
 *
 * stdout and stderr go into one buffer (read on a thread of its own) and
 * are echoed to the test's stderr with a "[name] " prefix, so that meson
 * shows them when a test fails. */

typedef struct _SyE2eProcess SyE2eProcess;

/* @env: extra "KEY=VALUE" entries (may be %NULL). Proxy variables are
 * always removed from the child's environment. The child leads a process
 * group of its own, and signals go to the whole group. */
SyE2eProcess *sy_e2e_process_spawn        (const char         *name,
                                           const char * const *argv,
                                           const char * const *env,
                                           GError            **error);
GPid          sy_e2e_process_get_pid      (SyE2eProcess       *process);
gboolean      sy_e2e_process_is_running   (SyE2eProcess       *process);
/* Output so far. */
char         *sy_e2e_process_dup_output   (SyE2eProcess       *process);
gsize         sy_e2e_process_get_output_length (SyE2eProcess  *process);
/* Waits until @needle appears in the output at or after @from, the
 * process's output ends, or @timeout_ms passes. Returns the offset just past
 * the match, or -1. */
gssize        sy_e2e_process_wait_output  (SyE2eProcess       *process,
                                           gsize               from,
                                           const char         *needle,
                                           guint               timeout_ms);
void          sy_e2e_process_signal       (SyE2eProcess       *process,
                                           int                 signum);
/* The wait status (see g_spawn_check_wait_status()), or -1 when the process
 * is still running after @timeout_ms. */
int           sy_e2e_process_wait         (SyE2eProcess       *process,
                                           guint               timeout_ms);
/* Kills it (SIGKILL) if it still runs, waits and frees. */
void          sy_e2e_process_free         (SyE2eProcess       *process);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyE2eProcess, sy_e2e_process_free)

/* ---- switchyardd ---------------------------------------------------------- */

typedef struct _SyE2eService SyE2eService;

/* A fresh temporary configuration directory; nothing runs yet. */
SyE2eService *sy_e2e_service_new          (void);
const char   *sy_e2e_service_get_config_dir (SyE2eService     *service);
/* Writes @text to @relative_path in the configuration directory. */
void          sy_e2e_service_write_file   (SyE2eService       *service,
                                           const char         *relative_path,
                                           const char         *text);
/* Runs `$SWITCHYARDD --no-dbus --config-dir DIR` and waits until it says it
 * listens (or exits: the error then carries its output). */
gboolean      sy_e2e_service_start        (SyE2eService       *service,
                                           GError            **error);
SyE2eProcess *sy_e2e_service_get_process  (SyE2eService       *service);
GPid          sy_e2e_service_get_pid      (SyE2eService       *service);
/* SIGTERM, then asserts that it exits with status 0 within 10 s. */
void          sy_e2e_service_stop         (SyE2eService       *service);
void          sy_e2e_service_free         (SyE2eService       *service);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyE2eService, sy_e2e_service_free)

/* ---- Real SOCKS5 peers on a given port -------------------------------------
 *
 * Both return once the peer accepts connections on 127.0.0.1:@port. */

SyE2eProcess *sy_e2e_start_microsocks     (guint16             port,
                                           const char         *username,
                                           const char         *password,
                                           GError            **error);
/* @log_dir receives danted.conf and danted.log. With @username, danted
 * requires RFC 1929 username/password authentication, which it checks
 * against the system's password database: the account exists only in a
 * private copy of /etc/passwd and /etc/shadow bind-mounted for danted alone
 * in a mount namespace of its own, so this needs root (see
 * sy_e2e_can_isolate_accounts()). */
SyE2eProcess *sy_e2e_start_danted         (guint16             port,
                                           const char         *log_dir,
                                           const char         *username,
                                           const char         *password,
                                           GError            **error);
gboolean      sy_e2e_can_isolate_accounts (void);

/* ---- In-process servers ----------------------------------------------------- */

/* A libsoup server on 127.0.0.1 and ::1 (same port), on a thread of its own:
 *   GET  /pattern/N   N bytes of sy_e2e_pattern()
 *   GET  /health      200 "ok"
 *   PUT or POST /sha256   200, body "HEX-SHA256 LENGTH\n" of the request body */
typedef struct _SyE2eHttpServer SyE2eHttpServer;

SyE2eHttpServer *sy_e2e_http_server_new      (GError         **error);
guint16          sy_e2e_http_server_get_port (SyE2eHttpServer *server);
void             sy_e2e_http_server_free     (SyE2eHttpServer *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyE2eHttpServer, sy_e2e_http_server_free)

/* An echo server on 127.0.0.1 built on one epoll thread, so that 1,000
 * connections do not mean 1,000 threads. */
typedef struct _SyE2eEchoServer SyE2eEchoServer;

SyE2eEchoServer *sy_e2e_echo_server_new      (GError         **error);
guint16          sy_e2e_echo_server_get_port (SyE2eEchoServer *server);
/* Connections open at the server right now. */
guint            sy_e2e_echo_server_get_open (SyE2eEchoServer *server);
void             sy_e2e_echo_server_free     (SyE2eEchoServer *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyE2eEchoServer, sy_e2e_echo_server_free)

/* ---- Odds and ends -------------------------------------------------------- */

/* A deterministic pseudo-random byte stream (xorshift), so that a dropped,
 * repeated or reordered chunk changes the checksum. Valid for @length up to
 * SY_E2E_PATTERN_MAX; the buffer lives until the process exits. */
#define SY_E2E_PATTERN_MAX (80 * 1024 * 1024)
const guint8 *sy_e2e_pattern              (gsize               length);
char         *sy_e2e_sha256_file          (const char         *path,
                                           gsize              *length);
/* A port that was free on 127.0.0.1 a moment ago. */
guint16       sy_e2e_free_port            (void);
gboolean      sy_e2e_wait_port            (guint16             port,
                                           guint               timeout_ms);
/* Entries in /proc/PID/fd. */
guint         sy_e2e_count_fds            (GPid                pid);
/* RLIMIT_NOFILE soft = hard, for tests that hold thousands of sockets. */
void          sy_e2e_raise_fd_limit       (void);
/* A temporary directory removed by sy_e2e_rm_rf(). */
char         *sy_e2e_make_temp_dir        (void);
void          sy_e2e_rm_rf                (const char         *path);

/* Runs curl with @args (plus -sS and a generous --max-time so that a hang
 * fails instead of blocking the suite) and no proxy variables from the
 * environment. Returns curl's exit code; @out and @err may be NULL. */
int           sy_e2e_run_curl             (const char * const *args,
                                           char              **out,
                                           char              **err);
/* Starts curl the same way without waiting for it. */
SyE2eProcess *sy_e2e_spawn_curl           (const char * const *args,
                                           GError            **error);
/* The exit code of a finished curl, or -1 if killed by a signal. */
int           sy_e2e_exit_code            (int                 wait_status);

G_END_DECLS
