/* outbound-test-util.h — dial helpers shared by the outbound tests
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <string.h>

#include "outbound/sy-outbound.h"
#include "sy-test-peers.h"

typedef struct
{
  gboolean   done;
  GIOStream *stream;
  GError    *error;
} DialResult;

static inline void
dial_result_cb (GObject      *source_object,
                GAsyncResult *result,
                gpointer      user_data)
{
  DialResult *dial = user_data;

  dial->stream = sy_outbound_dial_finish (SY_OUTBOUND (source_object), result, &dial->error);
  dial->done = TRUE;
}

/* Dials and iterates the default main context until the dial ends. */
static inline GIOStream *
dial_sync (SyOutbound    *outbound,
           SySession     *session,
           const char    *host,
           guint16        port,
           GCancellable  *cancellable,
           GError       **error)
{
  DialResult dial = { FALSE, NULL, NULL };

  sy_outbound_dial_async (outbound, session, host, port, cancellable, dial_result_cb, &dial);
  /* The callback must never run from inside dial_async. */
  g_assert_false (dial.done);
  while (!dial.done)
    g_main_context_iteration (NULL, TRUE);

  g_assert_true ((dial.stream == NULL) != (dial.error == NULL));
  if (dial.error != NULL)
    g_propagate_error (error, dial.error);
  return dial.stream;
}

static inline gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

/* Dials with a cancellable that is cancelled once the dial is under way
 * (after @delay_ms of main loop), and checks it ends as cancelled. */
static inline void
assert_dial_cancelled (SyOutbound *outbound,
                       const char *host,
                       guint16     port,
                       guint       delay_ms)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  g_timeout_add (delay_ms, cancel_cb, cancellable);
  stream = dial_sync (outbound, NULL, host, port, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (stream);
}

/* Lets the sources a finished dial left behind run out. */
static inline void
drain_main_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Sends @text through the stream and expects it back from an echo server. */
static inline void
assert_echo (GIOStream  *stream,
             const char *text)
{
  GOutputStream *output = g_io_stream_get_output_stream (stream);
  GInputStream *input = g_io_stream_get_input_stream (stream);
  g_autoptr(GError) error = NULL;
  gsize len = strlen (text);
  g_autofree char *back = g_malloc0 (len + 1);
  gsize got = 0;

  g_output_stream_write_all (output, text, len, NULL, NULL, &error);
  g_assert_no_error (error);
  g_input_stream_read_all (input, back, len, &got, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (got, ==, len);
  g_assert_cmpstr (back, ==, text);
}

/* Reads exactly @len bytes (blocking) into a new string. */
static inline char *
read_exactly (GIOStream *stream,
              gsize      len)
{
  g_autoptr(GError) error = NULL;
  char *buf = g_malloc0 (len + 1);
  gsize got = 0;

  g_input_stream_read_all (g_io_stream_get_input_stream (stream), buf, len, &got, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (got, ==, len);
  return buf;
}

static inline char *
inet_socket_address_to_ip (GSocketAddress *address)
{
  GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (address);

  g_assert_true (G_IS_INET_SOCKET_ADDRESS (address));
  return g_inet_address_to_string (g_inet_socket_address_get_address (inet));
}
