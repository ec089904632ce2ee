/* tunnel-test-util.h — helpers shared by the tunnel tests
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The tunnels run on this process's main loop; the clients that drive them
 * block on threads of their own, so the test thread just iterates the loop
 * until they are done.
 */

#pragma once

#include <string.h>

#include <gio/gio.h>

#include "engine/sy-dispatcher.h"

/* Deterministic bytes that do not repeat within a transfer (a relay that
 * dropped or duplicated a chunk cannot produce the same digest). */
static inline void
pattern_fill (guint8 *buffer,
              gsize   length,
              guint64 offset)
{
  for (gsize i = 0; i < length; i++)
    {
      guint64 x = (offset + i) * 0x9E3779B97F4A7C15ull;

      buffer[i] = (guint8) (x >> 56 ^ x >> 29);
    }
}

typedef struct
{
  GMutex   lock;
  gboolean done;
  gpointer result;
} LoopJob;

typedef struct
{
  GThreadFunc  func;
  gpointer     data;
  LoopJob     *job;
} LoopJobStart;

static inline gpointer
loop_job_thread (gpointer user_data)
{
  LoopJobStart *start = user_data;
  gpointer result = start->func (start->data);

  g_mutex_lock (&start->job->lock);
  start->job->result = result;
  start->job->done = TRUE;
  g_mutex_unlock (&start->job->lock);
  g_main_context_wakeup (NULL);

  g_free (start);
  return NULL;
}

/* Runs @func on a thread and iterates the default main context until it
 * returns; gives its result. */
static inline gpointer
run_on_thread (GThreadFunc func,
               gpointer    data)
{
  LoopJob job = { 0, };
  LoopJobStart *start = g_new0 (LoopJobStart, 1);
  GThread *thread;
  gboolean done = FALSE;

  g_mutex_init (&job.lock);
  start->func = func;
  start->data = data;
  start->job = &job;
  thread = g_thread_new ("test-client", loop_job_thread, start);

  while (!done)
    {
      g_main_context_iteration (NULL, TRUE);
      g_mutex_lock (&job.lock);
      done = job.done;
      g_mutex_unlock (&job.lock);
    }

  g_thread_join (thread);
  g_mutex_clear (&job.lock);
  return job.result;
}

static inline gboolean
loop_timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context for @ms milliseconds. */
static inline void
iterate_for (guint ms)
{
  gboolean elapsed = FALSE;

  g_timeout_add (ms, loop_timeout_cb, &elapsed);
  while (!elapsed)
    g_main_context_iteration (NULL, TRUE);
}

/* Iterates the main context until the dispatcher has no live session
 * (at most 10 s). */
static inline void
wait_sessions_gone (SyDispatcher *dispatcher)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (sy_dispatcher_get_active_count (dispatcher) > 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      iterate_for (5);
    }
}

/* The finished session @id from the connection log, or NULL. Transfer full. */
static inline SySession *
find_logged_session (SyDispatcher *dispatcher,
                     guint64       id)
{
  g_autoptr(GPtrArray) log = sy_dispatcher_get_connection_log (dispatcher);

  for (guint i = 0; i < log->len; i++)
    {
      SySession *session = g_ptr_array_index (log, i);

      if (session->id == id)
        return sy_session_ref (session);
    }

  return NULL;
}

/* The only live session, or NULL when there is not exactly one. Transfer full. */
static inline SySession *
the_live_session (SyDispatcher *dispatcher)
{
  g_autoptr(GPtrArray) sessions = sy_dispatcher_list_sessions (dispatcher);

  if (sessions->len != 1)
    return NULL;
  return sy_session_ref (g_ptr_array_index (sessions, 0));
}

/* A TCP client on its own thread: sends @size pattern bytes, shuts down
 * its write side and reads until EOF; both sides digested with SHA-256. */
typedef struct
{
  guint16         port;
  gsize           size;

  GSocketAddress *local_address;   /* of the client's socket */
  char           *sent_sha256;
  char           *received_sha256;
  gsize           received;
  GError         *error;
} TcpTransfer;

static inline void
tcp_transfer_clear (TcpTransfer *transfer)
{
  g_clear_object (&transfer->local_address);
  g_clear_pointer (&transfer->sent_sha256, g_free);
  g_clear_pointer (&transfer->received_sha256, g_free);
  g_clear_error (&transfer->error);
  memset (transfer, 0, sizeof *transfer);
}

typedef struct
{
  GSocket  *socket;
  gsize     size;
  char     *sha256;
  gboolean  ok;
} TcpWriter;

static inline gpointer
tcp_writer_thread (gpointer user_data)
{
  TcpWriter *writer = user_data;
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 chunk[65536];
  gsize sent = 0;

  writer->ok = TRUE;
  while (sent < writer->size)
    {
      gsize length = MIN (sizeof chunk, writer->size - sent);
      gsize off = 0;

      pattern_fill (chunk, length, sent);
      g_checksum_update (sum, chunk, length);
      while (off < length)
        {
          gssize n = g_socket_send (writer->socket, (const char *) chunk + off, length - off,
                                    NULL, NULL);

          if (n <= 0)
            {
              writer->ok = FALSE;
              return NULL;
            }
          off += n;
        }
      sent += length;
    }

  g_socket_shutdown (writer->socket, FALSE, TRUE, NULL);
  writer->sha256 = g_strdup (g_checksum_get_string (sum));
  return NULL;
}

static inline gpointer
tcp_transfer_thread (gpointer user_data)
{
  TcpTransfer *transfer = user_data;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, transfer->port);
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  TcpWriter writer = { 0, };
  GThread *thread;
  guint8 buffer[65536];

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &transfer->error);
  if (socket == NULL)
    return NULL;
  g_socket_set_timeout (socket, 30);
  if (!g_socket_connect (socket, address, NULL, &transfer->error))
    return NULL;
  transfer->local_address = g_socket_get_local_address (socket, NULL);

  writer.socket = socket;
  writer.size = transfer->size;
  thread = g_thread_new ("test-writer", tcp_writer_thread, &writer);

  for (;;)
    {
      gssize n = g_socket_receive (socket, (char *) buffer, sizeof buffer, NULL,
                                   &transfer->error);

      if (n < 0)
        break;
      if (n == 0)
        break;
      g_checksum_update (sum, buffer, n);
      transfer->received += n;
    }

  g_thread_join (thread);
  transfer->sent_sha256 = writer.sha256;
  transfer->received_sha256 = g_strdup (g_checksum_get_string (sum));
  if (!writer.ok && transfer->error == NULL)
    transfer->error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "sending failed");

  return NULL;
}

/* Runs the transfer against 127.0.0.1:@port while the loop serves the tunnel. */
static inline void
tcp_transfer_run (TcpTransfer *transfer,
                  guint16      port,
                  gsize        size)
{
  transfer->port = port;
  transfer->size = size;
  run_on_thread (tcp_transfer_thread, transfer);
}

/* Main-thread clients ---------------------------------------------------- */

static inline gboolean
socket_ready_cb (GSocket      *socket,
                 GIOCondition  condition,
                 gpointer      user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until @socket is ready for @condition
 * (fails the test after 10 s). */
static inline void
wait_socket (GSocket      *socket,
             GIOCondition  condition)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  gboolean ready = FALSE;
  GSource *source = g_socket_create_source (socket, condition, NULL);

  g_source_set_callback (source, G_SOURCE_FUNC (socket_ready_cb), &ready, NULL);
  g_source_attach (source, NULL);
  while (!ready)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      iterate_for (5);
    }
  g_source_destroy (source);
  g_source_unref (source);
}

/* A non-blocking TCP client connected to 127.0.0.1:@port (a listening
 * socket completes the handshake in the kernel, so connecting from the
 * loop's own thread is fine). */
static inline GSocket *
tcp_client_connect (guint16 port)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_socket_connect (socket, address, NULL, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (socket, FALSE);

  return socket;
}

/* Reads until @length bytes arrived, EOF or an error, serving the loop
 * meanwhile; returns how many arrived (-1 on an error). */
static inline gssize
tcp_client_receive (GSocket *socket,
                    guint8  *buffer,
                    gsize    length)
{
  gsize got = 0;

  while (got < length)
    {
      g_autoptr(GError) error = NULL;
      gssize n;

      wait_socket (socket, G_IO_IN);
      n = g_socket_receive (socket, (char *) buffer + got, length - got, NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        continue;
      if (n < 0)
        return -1;
      if (n == 0)
        break;
      got += n;
    }

  return got;
}
