/* sy-test-process.c — a child process of a test, with its output captured
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-test-process"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>

#include "sy-test-process.h"

/* Environment variables that would send a child's traffic elsewhere. */
static const char * const proxy_variables[] = {
  "http_proxy", "https_proxy", "all_proxy", "no_proxy", "ftp_proxy",
  "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "FTP_PROXY",
};

struct _SyTestProcess
{
  char        *name;
  GSubprocess *subprocess;
  GPid         pid;
  GThread     *reader;

  GMutex       mutex;
  GCond        cond;
  GString     *output;
  gboolean     eof;

  gboolean     exited;
  int          wait_status;
};

static void
child_setup (gpointer user_data)
{
  /* A group of its own: danted forks children, and a SIGKILL meant for
   * "the peer" must reach all of them. */
  setpgid (0, 0);
  /* A test that fails an assertion (or hits meson's timeout) aborts
   * without cleaning up; its children must not outlive it. The signal
   * comes when the thread that spawned the child exits. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static gpointer
reader_thread (gpointer data)
{
  SyTestProcess *self = data;
  GInputStream *stream = g_subprocess_get_stdout_pipe (self->subprocess);
  gboolean at_line_start = TRUE;
  char buf[4096];
  gssize n;

  while ((n = g_input_stream_read (stream, buf, sizeof buf, NULL, NULL)) > 0)
    {
      g_autoptr(GString) echo = g_string_new (NULL);

      for (gssize i = 0; i < n; i++)
        {
          if (at_line_start)
            g_string_append_printf (echo, "[%s] ", self->name);
          g_string_append_c (echo, buf[i]);
          at_line_start = buf[i] == '\n';
        }
      fputs (echo->str, stderr);

      g_mutex_lock (&self->mutex);
      g_string_append_len (self->output, buf, n);
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->mutex);
    }

  g_mutex_lock (&self->mutex);
  self->eof = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  return NULL;
}

SyTestProcess *
sy_test_process_spawn (const char         *name,
                       const char         *cwd,
                       const char * const *argv,
                       const char * const *env,
                       GError            **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) subprocess = NULL;
  SyTestProcess *self;
  const char *identifier;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_MERGE);
  for (gsize i = 0; i < G_N_ELEMENTS (proxy_variables); i++)
    g_subprocess_launcher_unsetenv (launcher, proxy_variables[i]);
  for (gsize i = 0; env != NULL && env[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (env[i], "=", 2);

      g_subprocess_launcher_setenv (launcher, kv[0], kv[1] != NULL ? kv[1] : "", TRUE);
    }
  if (cwd != NULL)
    g_subprocess_launcher_set_cwd (launcher, cwd);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);

  subprocess = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (subprocess == NULL)
    return NULL;

  self = g_new0 (SyTestProcess, 1);
  self->name = g_strdup (name);
  self->subprocess = g_steal_pointer (&subprocess);
  identifier = g_subprocess_get_identifier (self->subprocess);
  self->pid = identifier != NULL ? (GPid) g_ascii_strtoll (identifier, NULL, 10) : 0;
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->output = g_string_new (NULL);
  self->reader = g_thread_new (name, reader_thread, self);

  return self;
}

GPid
sy_test_process_get_pid (SyTestProcess *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->pid;
}

gboolean
sy_test_process_is_running (SyTestProcess *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  /* GSubprocess reaps on GLib's worker thread and then forgets the
   * identifier, so this needs no main loop. */
  return !self->exited && g_subprocess_get_identifier (self->subprocess) != NULL;
}

char *
sy_test_process_dup_output (SyTestProcess *self)
{
  char *copy;

  g_return_val_if_fail (self != NULL, NULL);

  g_mutex_lock (&self->mutex);
  copy = g_strndup (self->output->str, self->output->len);
  g_mutex_unlock (&self->mutex);

  return copy;
}

gsize
sy_test_process_get_output_length (SyTestProcess *self)
{
  gsize length;

  g_return_val_if_fail (self != NULL, 0);

  g_mutex_lock (&self->mutex);
  length = self->output->len;
  g_mutex_unlock (&self->mutex);

  return length;
}

gssize
sy_test_process_wait_output (SyTestProcess *self,
                             gsize          from,
                             const char    *needle,
                             guint          timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gssize found = -1;

  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (needle != NULL, -1);

  g_mutex_lock (&self->mutex);
  for (;;)
    {
      if (from < self->output->len)
        {
          const char *match = g_strstr_len (self->output->str + from,
                                            self->output->len - from, needle);

          if (match != NULL)
            {
              found = (match - self->output->str) + strlen (needle);
              break;
            }
        }
      if (self->eof || !g_cond_wait_until (&self->cond, &self->mutex, deadline))
        break;
    }
  g_mutex_unlock (&self->mutex);

  return found;
}

void
sy_test_process_signal (SyTestProcess *self,
                        int            signum)
{
  g_return_if_fail (self != NULL);

  if (sy_test_process_is_running (self))
    kill (-self->pid, signum);
}

static void
wait_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

int
sy_test_process_wait (SyTestProcess *self,
                      guint          timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(GSource) timeout = NULL;
  gboolean done = FALSE;

  g_return_val_if_fail (self != NULL, -1);

  if (self->exited)
    return self->wait_status;

  /* A private context: the caller's main loop, if any, is not ours to run. */
  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  cancellable = g_cancellable_new ();
  timeout = g_timeout_source_new (timeout_ms);
  g_source_set_callback (timeout, timeout_cb, cancellable, NULL);
  g_source_attach (timeout, context);
  g_subprocess_wait_async (self->subprocess, cancellable, wait_done_cb, &done);
  while (!done)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  g_main_context_pop_thread_default (context);

  if (g_subprocess_get_identifier (self->subprocess) != NULL)
    return -1;

  self->exited = TRUE;
  self->wait_status = g_subprocess_get_status (self->subprocess);

  /* The reader may still hold the last lines; a child the process left
   * behind in its group may hold the pipe open, so only until the deadline. */
  g_mutex_lock (&self->mutex);
  while (!self->eof && g_cond_wait_until (&self->cond, &self->mutex, deadline))
    ;
  g_mutex_unlock (&self->mutex);

  return self->wait_status;
}

void
sy_test_process_free (SyTestProcess *self)
{
  if (self == NULL)
    return;

  if (sy_test_process_is_running (self))
    {
      kill (-self->pid, SIGKILL);
      sy_test_process_wait (self, 10000);
    }
  else
    {
      /* The leader is gone; children it left behind in its group are not
       * ours to keep. */
      kill (-self->pid, SIGKILL);
    }
  g_thread_join (self->reader);

  g_clear_object (&self->subprocess);
  g_string_free (self->output, TRUE);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self->name);
  g_free (self);
}
