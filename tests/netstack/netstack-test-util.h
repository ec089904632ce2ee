/* netstack-test-util.h — moving checked bytes through netstack streams in tests
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A deterministic byte stream (pattern_fill), a pump that writes and reads
 * a GIOStream through its pollable halves the way the relay's buffered
 * engine does, and helpers that iterate the default main context until a
 * condition holds or a safety timeout fails the case.
 */

#pragma once

#include <string.h>

#include <gio/gio.h>

/* Fails a case that stops making progress; not a speed assertion. */
#define SAFETY_TIMEOUT_S 60

/* The stream: byte i = T[i mod 64 KiB] XOR (i / 64 KiB), T random with a
 * fixed seed, so every 64 KiB block differs and both ends can make it. */
static guint8 pattern_table[65536];

static inline void
pattern_init (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (0x5157);

  for (gsize i = 0; i < sizeof pattern_table; i++)
    pattern_table[i] = (guint8) g_rand_int (rand);
}

static inline void
pattern_fill (guint8  *buffer,
              guint64  offset,
              gsize    length)
{
  while (length > 0)
    {
      gsize in_block = offset & 0xffff;
      gsize n = MIN (length, sizeof pattern_table - in_block);
      guint8 x = (guint8) (offset >> 16);

      for (gsize i = 0; i < n; i++)
        buffer[i] = pattern_table[in_block + i] ^ x;
      buffer += n;
      offset += n;
      length -= n;
    }
}

static inline char *
pattern_sha256 (guint64 length)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (1 << 20);
  guint64 done = 0;

  while (done < length)
    {
      gsize n = MIN (length - done, 1 << 20);

      pattern_fill (buffer, done, n);
      g_checksum_update (sum, buffer, n);
      done += n;
    }
  return g_strdup (g_checksum_get_string (sum));
}

static gboolean
safety_timeout_cb (gpointer user_data)
{
  g_error ("%s: no progress for %d s", (const char *) user_data, SAFETY_TIMEOUT_S);
  return G_SOURCE_REMOVE;
}

/* Iterates the default main context until *flag is set. */
static inline void
wait_for_flag (const gint *flag,
               const char *what)
{
  guint timeout = g_timeout_add_seconds (SAFETY_TIMEOUT_S, safety_timeout_cb, (gpointer) what);

  while (!g_atomic_int_get (flag))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);
}

static gboolean
set_flag_cb (gpointer user_data)
{
  g_atomic_int_set ((gint *) user_data, TRUE);
  return G_SOURCE_REMOVE;
}

/* Runs the default main context for @ms milliseconds. */
static inline void
run_for (guint ms)
{
  gint done = FALSE;

  g_timeout_add (ms, set_flag_cb, &done);
  while (!g_atomic_int_get (&done))
    g_main_context_iteration (NULL, TRUE);
}

/* A pump: writes @to_write bytes of the pattern (then closes the output
 * when @close_output), reads until EOF when @read, checksums both ways. */
typedef struct
{
  GIOStream             *stream;
  GPollableInputStream  *in;
  GPollableOutputStream *out;
  GSource               *in_source;
  GSource               *out_source;

  guint64                to_write;
  guint64                written;
  gboolean               close_output;
  GChecksum             *sent_sum;
  gint64                 write_started;
  gint64                 write_finished;

  gboolean               read;
  guint64                received;
  GChecksum             *received_sum;
  GByteArray            *received_bytes;   /* kept when small_read is set */
  gint64                 read_started;
  gint64                 read_finished;

  GError                *error;
  gint                   write_done;
  gint                   read_done;
  guint8                 buffer[64 * 1024];
} Pump;

static gboolean pump_out_cb (GObject *stream, gpointer user_data);
static gboolean pump_in_cb  (GObject *stream, gpointer user_data);

static inline void
pump_fail (Pump   *pump,
           GError *error)
{
  if (pump->error == NULL)
    pump->error = error;
  else
    g_error_free (error);
  g_atomic_int_set (&pump->write_done, TRUE);
  g_atomic_int_set (&pump->read_done, TRUE);
  if (pump->in_source != NULL)
    g_source_destroy (pump->in_source);
  if (pump->out_source != NULL)
    g_source_destroy (pump->out_source);
}

static gboolean
pump_out_cb (GObject  *stream,
             gpointer  user_data)
{
  Pump *pump = user_data;
  guint8 chunk[64 * 1024];

  while (pump->written < pump->to_write)
    {
      gsize n = MIN (sizeof chunk, pump->to_write - pump->written);
      GError *error = NULL;
      gssize w;

      pattern_fill (chunk, pump->written, n);
      w = g_pollable_output_stream_write_nonblocking (pump->out, chunk, n, NULL, &error);
      if (w < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              g_error_free (error);
              return G_SOURCE_CONTINUE;
            }
          pump_fail (pump, error);
          return G_SOURCE_REMOVE;
        }
      g_checksum_update (pump->sent_sum, chunk, w);
      pump->written += w;
    }

  pump->write_finished = g_get_monotonic_time ();
  if (pump->close_output)
    g_output_stream_close (G_OUTPUT_STREAM (pump->out), NULL, NULL);
  g_clear_pointer (&pump->out_source, g_source_unref);
  g_atomic_int_set (&pump->write_done, TRUE);
  return G_SOURCE_REMOVE;
}

static gboolean
pump_in_cb (GObject  *stream,
            gpointer  user_data)
{
  Pump *pump = user_data;

  for (;;)
    {
      GError *error = NULL;
      gssize n = g_pollable_input_stream_read_nonblocking (pump->in, pump->buffer,
                                                          sizeof pump->buffer, NULL, &error);

      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              g_error_free (error);
              return G_SOURCE_CONTINUE;
            }
          pump_fail (pump, error);
          return G_SOURCE_REMOVE;
        }
      if (n == 0)
        break;
      if (pump->received == 0)
        pump->read_started = g_get_monotonic_time ();
      g_checksum_update (pump->received_sum, pump->buffer, n);
      if (pump->received_bytes != NULL)
        g_byte_array_append (pump->received_bytes, pump->buffer, n);
      pump->received += n;
    }

  pump->read_finished = g_get_monotonic_time ();
  g_clear_pointer (&pump->in_source, g_source_unref);
  g_atomic_int_set (&pump->read_done, TRUE);
  return G_SOURCE_REMOVE;
}

static inline Pump *
pump_new (GIOStream *stream)
{
  Pump *pump = g_new0 (Pump, 1);

  pump->stream = g_object_ref (stream);
  pump->in = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream));
  pump->out = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream));
  pump->sent_sum = g_checksum_new (G_CHECKSUM_SHA256);
  pump->received_sum = g_checksum_new (G_CHECKSUM_SHA256);
  pump->write_done = TRUE;
  pump->read_done = TRUE;
  return pump;
}

static inline void
pump_start_write (Pump     *pump,
                  guint64   to_write,
                  gboolean  close_output)
{
  pump->to_write = to_write;
  pump->close_output = close_output;
  pump->write_done = FALSE;
  pump->write_started = g_get_monotonic_time ();
  pump->out_source = g_pollable_output_stream_create_source (pump->out, NULL);
  g_source_set_callback (pump->out_source, G_SOURCE_FUNC (pump_out_cb), pump, NULL);
  g_source_attach (pump->out_source, NULL);
}

static inline void
pump_start_read (Pump     *pump,
                 gboolean  keep_bytes)
{
  pump->read = TRUE;
  pump->read_done = FALSE;
  if (keep_bytes)
    pump->received_bytes = g_byte_array_new ();
  pump->in_source = g_pollable_input_stream_create_source (pump->in, NULL);
  g_source_set_callback (pump->in_source, G_SOURCE_FUNC (pump_in_cb), pump, NULL);
  g_source_attach (pump->in_source, NULL);
}

static inline void
pump_free (Pump *pump)
{
  if (pump->in_source != NULL)
    {
      g_source_destroy (pump->in_source);
      g_source_unref (pump->in_source);
    }
  if (pump->out_source != NULL)
    {
      g_source_destroy (pump->out_source);
      g_source_unref (pump->out_source);
    }
  g_checksum_free (pump->sent_sum);
  g_checksum_free (pump->received_sum);
  if (pump->received_bytes != NULL)
    g_byte_array_unref (pump->received_bytes);
  g_clear_error (&pump->error);
  g_object_unref (pump->stream);
  g_free (pump);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pump, pump_free)

static inline double
megabytes_per_second (guint64 bytes,
                      gint64  start_us,
                      gint64  end_us)
{
  return end_us > start_us ? (double) bytes / (double) (end_us - start_us) : 0.0;
}
