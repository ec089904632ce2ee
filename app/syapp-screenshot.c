/* syapp-screenshot.c — a window as PNG, rendered by the app itself
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For the UI tests and screenshots/: the window is snapshotted like a frame
 * and rendered through its own GSK renderer, so the PNG shows exactly what
 * GTK draws, without a compositor or screen grabber (none exist under
 * Xvfb). Only reachable through the test-only app.screenshot action.
 */

#include "config.h"

#define G_LOG_DOMAIN "syapp-screenshot"

#include "syapp-screenshot.h"

/* How many frames a request waits for the window to draw something. */
#define MAX_TRIES 10

gboolean
syapp_screenshot_save (GtkWindow   *window,
                       const char  *path,
                       GError     **error)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer;
  int width, height;

  g_return_val_if_fail (GTK_IS_WINDOW (window), FALSE);

  renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  width = gtk_widget_get_width (GTK_WIDGET (window));
  height = gtk_widget_get_height (GTK_WIDGET (window));
  if (renderer == NULL || width <= 0 || height <= 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           "The window is not shown yet");
      return FALSE;
    }

  paintable = gtk_widget_paintable_new (GTK_WIDGET (window));
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "The window drew nothing");
      return FALSE;
    }

  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not write %s", path);
      return FALSE;
    }

  return TRUE;
}

typedef struct
{
  GtkWindow *window;
  char      *path;
  gulong     handler;
  guint      tries;
} Request;

static void
after_paint_cb (GdkFrameClock *clock,
                Request       *request)
{
  g_autoptr(GError) error = NULL;

  /* Right after a page change the window may still be laid out and render
   * nothing; one of the next frames has it. */
  if (!syapp_screenshot_save (request->window, request->path, &error) &&
      ++request->tries < MAX_TRIES)
    {
      gtk_widget_queue_draw (GTK_WIDGET (request->window));
      return;
    }

  if (error != NULL)
    g_warning ("screenshot: %s", error->message);
  else
    g_message ("screenshot written to %s", request->path);

  g_signal_handler_disconnect (clock, request->handler);
  g_object_unref (request->window);
  g_free (request->path);
  g_free (request);
}

/* Writes the screenshot once the next frame is painted. */
void
syapp_screenshot_request (GtkWindow  *window,
                          const char *path)
{
  GdkFrameClock *clock;
  Request *request;

  g_return_if_fail (GTK_IS_WINDOW (window));

  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  if (clock == NULL)
    {
      g_warning ("screenshot: the window is not shown");
      return;
    }

  request = g_new0 (Request, 1);
  request->window = g_object_ref (window);
  request->path = g_strdup (path);
  request->handler = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb),
                                       request);
  gtk_widget_queue_draw (GTK_WIDGET (window));
}
