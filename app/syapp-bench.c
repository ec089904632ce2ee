/* syapp-bench.c — timings for bench/app (test hooks only)
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * With SWITCHYARD_TEST_HOOKS=1 the app prints, on stdout, the monotonic
 * time of its first painted frame (bench/app compares it with the time it
 * started the process), and keeps two worst cases that app.bench-report
 * prints and resets: the longest frame (before-paint to after-paint of the
 * window's frame clock) and the longest stall of the main loop, measured by
 * how late a 5 ms timer fires. A stall is time spent in the loop's
 * callbacks, ours included (D-Bus signal handlers, list updates), so it
 * bounds what our code costs a frame.
 */

#include "config.h"

#define G_LOG_DOMAIN "syapp-bench"

#include <stdio.h>

#include "syapp-bench.h"

#define TICK_MS 5

static gint64 frame_start;
static gint64 max_frame;
static gint64 max_stall;
static guint  frames;
static gint64 last_tick;
static gboolean first_frame_seen;

static void
before_paint_cb (GdkFrameClock *clock)
{
  frame_start = g_get_monotonic_time ();
}

static void
after_paint_cb (GdkFrameClock *clock)
{
  gint64 now = g_get_monotonic_time ();

  if (!first_frame_seen)
    {
      first_frame_seen = TRUE;
      /* CLOCK_MONOTONIC, comparable across processes on Linux. */
      printf ("syapp-bench: first-frame %" G_GINT64_FORMAT "\n", now);
      fflush (stdout);
    }
  if (frame_start > 0)
    max_frame = MAX (max_frame, now - frame_start);
  frames++;
}

static gboolean
tick_cb (gpointer user_data)
{
  gint64 now = g_get_monotonic_time ();

  if (last_tick > 0)
    max_stall = MAX (max_stall, now - last_tick - TICK_MS * 1000);
  last_tick = now;
  return G_SOURCE_CONTINUE;
}

static void
realize_cb (GtkWidget *window)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);

  g_signal_connect (clock, "before-paint", G_CALLBACK (before_paint_cb), NULL);
  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), NULL);
}

void
syapp_bench_watch (GtkWindow *window)
{
  g_return_if_fail (GTK_IS_WINDOW (window));

  if (gtk_widget_get_realized (GTK_WIDGET (window)))
    realize_cb (GTK_WIDGET (window));
  else
    g_signal_connect (window, "realize", G_CALLBACK (realize_cb), NULL);

  /* Above the default priority, so it is not just waiting its turn. */
  g_timeout_add_full (G_PRIORITY_HIGH, TICK_MS, tick_cb, NULL, NULL);
}

void
syapp_bench_report (void)
{
  printf ("syapp-bench: max-frame-us %" G_GINT64_FORMAT " max-stall-us %" G_GINT64_FORMAT
          " frames %u\n", max_frame, max_stall, frames);
  fflush (stdout);
  max_frame = 0;
  max_stall = 0;
  frames = 0;
}
