/* sy-e2e.h — switchyardd, servers and curl for the end-to-end tests
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The end-to-end tests run the real switchyardd binary (from $SWITCHYARDD)
 * against real Debian peers: curl, and microsocks and danted from
 * tests/common/sy-test-peers.h, which also runs every child process
 * (sy-test-process.h).
 */

#pragma once

#include <gio/gio.h>

#include "sy-test-peers.h"
#include "sy-test-process.h"

G_BEGIN_DECLS

/* ---- switchyardd ---------------------------------------------------------- */

typedef struct _SyE2eService SyE2eService;

/* A fresh temporary configuration directory; nothing runs yet. */
SyE2eService  *sy_e2e_service_new            (void);
/* Writes @text to @relative_path in the configuration directory. */
void           sy_e2e_service_write_file     (SyE2eService       *service,
                                              const char         *relative_path,
                                              const char         *text);
/* Runs `$SWITCHYARDD --no-dbus --config-dir DIR` and waits until it says it
 * listens (or exits: the error then carries its output). */
gboolean       sy_e2e_service_start          (SyE2eService       *service,
                                              GError            **error);
SyTestProcess *sy_e2e_service_get_process    (SyE2eService       *service);
GPid           sy_e2e_service_get_pid        (SyE2eService       *service);
/* SIGTERM, then asserts that it exits with status 0 within 10 s. */
void           sy_e2e_service_stop           (SyE2eService       *service);
void           sy_e2e_service_free           (SyE2eService       *service);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyE2eService, sy_e2e_service_free)

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
const guint8  *sy_e2e_pattern        (gsize               length);
char          *sy_e2e_sha256_file    (const char         *path,
                                      gsize              *length);
/* Entries in /proc/PID/fd. */
guint          sy_e2e_count_fds      (GPid                pid);
/* RLIMIT_NOFILE soft = hard, for tests that hold thousands of sockets. */
void           sy_e2e_raise_fd_limit (void);
/* A temporary directory, to remove with sy_test_rm_rf(). */
char          *sy_e2e_make_temp_dir  (void);

/* Runs curl with @args (plus -sS and a generous --max-time so that a hang
 * fails instead of blocking the suite) and no proxy variables from the
 * environment. Returns curl's exit code; @out and @err may be NULL. */
int            sy_e2e_run_curl       (const char * const *args,
                                      char              **out,
                                      char              **err);
/* Starts curl the same way without waiting for it. */
SyTestProcess *sy_e2e_spawn_curl     (const char * const *args,
                                      GError            **error);
/* The exit code of a finished curl, or -1 if killed by a signal. */
int            sy_e2e_exit_code      (int                 wait_status);

G_END_DECLS
