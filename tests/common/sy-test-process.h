/* sy-test-process.h — a child process of a test, with its output captured
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The one way the tests run other programs: the real peers of
 * sy-test-peers.h, and switchyardd and curl in the end-to-end tests.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* stdout and stderr go into one buffer (read on a thread of its own) and
 * are echoed to the test's stderr with a "[name] " prefix, so that meson
 * shows them when a test fails. Proxy variables are always removed from the
 * child's environment. The child leads a process group of its own, and
 * signals go to the whole group. It gets SIGKILL when the thread that
 * spawned it exits (PR_SET_PDEATHSIG), so a test that aborts leaves nothing
 * behind: spawn from the test's main thread. */

typedef struct _SyTestProcess SyTestProcess;

/* @cwd: the child's working directory (%NULL: ours). @env: extra
 * "KEY=VALUE" entries (may be %NULL). */
SyTestProcess *sy_test_process_spawn             (const char         *name,
                                                  const char         *cwd,
                                                  const char * const *argv,
                                                  const char * const *env,
                                                  GError            **error);
GPid           sy_test_process_get_pid           (SyTestProcess      *process);
gboolean       sy_test_process_is_running        (SyTestProcess      *process);
/* Output so far. */
char          *sy_test_process_dup_output        (SyTestProcess      *process);
gsize          sy_test_process_get_output_length (SyTestProcess      *process);
/* Waits until @needle appears in the output at or after @from, the
 * process's output ends, or @timeout_ms passes. Returns the offset just past
 * the match, or -1. */
gssize         sy_test_process_wait_output       (SyTestProcess      *process,
                                                  gsize               from,
                                                  const char         *needle,
                                                  guint               timeout_ms);
/* Sends @signum to the whole process group, if the process still runs. */
void           sy_test_process_signal            (SyTestProcess      *process,
                                                  int                 signum);
/* The wait status (see g_spawn_check_wait_status()), or -1 when the process
 * is still running after @timeout_ms. Once it has a status it also waits,
 * within the same @timeout_ms, for the end of the output, so that
 * sy_test_process_dup_output() then returns all of it. */
int            sy_test_process_wait              (SyTestProcess      *process,
                                                  guint               timeout_ms);
/* Kills the group (SIGKILL) if the process still runs, waits and frees. */
void           sy_test_process_free              (SyTestProcess      *process);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyTestProcess, sy_test_process_free)

G_END_DECLS
