/* syapp-traffic-graph.c — a live graph of upload and download rates
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Draws the last minutes of a SyAppTrafficHistory with GtkSnapshot: grid
 * lines as color nodes, the two rate curves as one cairo node, the scale as
 * a text node. The x axis is wall-clock time, so the graph moves on by
 * itself once a second while it is on screen, even when no samples come
 * (an idle service sends none); once everything on screen is zero it stops
 * redrawing until something changes.
 */

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "syapp-format.h"
#include "syapp-traffic-graph.h"

#define DEFAULT_SPAN_MINUTES 5
#define MIN_SCALE 1000              /* 1 kB/s: an idle graph still has a scale */
#define CURVE_WIDTH 1.5

struct _SyAppTrafficGraph
{
  GtkWidget                  parent_instance;

  const SyAppTrafficHistory *history;
  guint                      span_minutes;
  guint                      tick_id;
  guint64                    drawn_peak;
  gboolean                   drawn_anything;
};

enum {
  PROP_0,
  PROP_SPAN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SyAppTrafficGraph, syapp_traffic_graph, GTK_TYPE_WIDGET)

/* The smallest 1, 2 or 5 × 10ⁿ at or above @value. */
static guint64
nice_ceiling (guint64 value)
{
  guint64 step = 1;

  value = MAX (value, MIN_SCALE);
  for (;;)
    {
      if (value <= step)
        return step;
      if (value <= step * 2)
        return step * 2;
      if (value <= step * 5)
        return step * 5;
      step *= 10;
    }
}

static void
lookup_color (GtkWidget  *widget,
              const char *name,
              const char *fallback,
              GdkRGBA    *color)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  /* GTK 4.8 has no other way to read a named color of the theme. */
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), name, color))
    gdk_rgba_parse (color, fallback);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
foreground_color (GtkWidget *widget,
                  GdkRGBA   *color)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), color);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
draw_curve (cairo_t                   *cr,
            const SyAppTrafficHistory *history,
            gint64                     first,
            guint                      seconds,
            gboolean                   upload,
            double                     width,
            double                     height,
            guint64                    scale,
            const GdkRGBA             *color)
{
  double step = seconds > 1 ? width / (seconds - 1) : width;

  cairo_move_to (cr, 0, height);
  for (guint i = 0; i < seconds; i++)
    {
      guint64 up, down, rate;

      syapp_traffic_history_get (history, first + i, &up, &down);
      rate = upload ? up : down;
      cairo_line_to (cr, i * step, height - height * ((double) MIN (rate, scale) / scale));
    }
  cairo_line_to (cr, width, height);
  cairo_close_path (cr);

  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha * 0.25);
  cairo_fill_preserve (cr);
  /* Stroke only the top edge: redraw the curve without the closing sides. */
  cairo_new_path (cr);
  for (guint i = 0; i < seconds; i++)
    {
      guint64 up, down, rate;

      syapp_traffic_history_get (history, first + i, &up, &down);
      rate = upload ? up : down;
      cairo_line_to (cr, i * step,
                     height - height * ((double) MIN (rate, scale) / scale) + CURVE_WIDTH / 2);
    }
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha);
  cairo_set_line_width (cr, CURVE_WIDTH);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke (cr);
}

static void
syapp_traffic_graph_snapshot (GtkWidget   *widget,
                              GtkSnapshot *snapshot)
{
  SyAppTrafficGraph *self = SYAPP_TRAFFIC_GRAPH (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  guint seconds = self->span_minutes * 60;
  gint64 last = g_get_real_time () / G_USEC_PER_SEC;
  gint64 first = last - seconds + 1;
  guint64 peak = 0;
  guint64 scale;
  GdkRGBA fg, grid, up_color, down_color;
  g_autofree char *scale_text = NULL;
  g_autoptr(PangoLayout) layout = NULL;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;

  if (self->history != NULL)
    peak = syapp_traffic_history_peak (self->history, first, last);
  scale = nice_ceiling (peak + peak / 10);
  self->drawn_peak = peak;
  self->drawn_anything = TRUE;

  foreground_color (widget, &fg);
  grid = fg;
  grid.alpha *= 0.12;
  lookup_color (widget, "accent_color", "#1c71d8", &down_color);
  lookup_color (widget, "success_color", "#26a269", &up_color);

  /* Quarter lines; the top one is the scale the label names. */
  for (guint i = 0; i < 4; i++)
    {
      double y = floor (height * i / 4.0);

      gtk_snapshot_append_color (snapshot, &grid, &GRAPHENE_RECT_INIT (0, y, width, 1));
    }
  gtk_snapshot_append_color (snapshot, &grid, &GRAPHENE_RECT_INIT (0, height - 1, width, 1));

  if (self->history != NULL)
    {
      cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
      draw_curve (cr, self->history, first, seconds, FALSE, width, height, scale, &down_color);
      draw_curve (cr, self->history, first, seconds, TRUE, width, height, scale, &up_color);
      cairo_destroy (cr);
    }

  scale_text = syapp_format_rate (scale);
  layout = gtk_widget_create_pango_layout (widget, scale_text);
  fg.alpha *= 0.6;
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (6, 4));
  gtk_snapshot_append_layout (snapshot, layout, &fg);
  gtk_snapshot_restore (snapshot);
}

static void
syapp_traffic_graph_measure (GtkWidget      *widget,
                             GtkOrientation  orientation,
                             int             for_size,
                             int            *minimum,
                             int            *natural,
                             int            *minimum_baseline,
                             int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 160;
      *natural = 480;
    }
  else
    {
      *minimum = 100;
      *natural = 160;
    }
}

static void
update_description (SyAppTrafficGraph *self)
{
  g_autofree char *peak = syapp_format_rate (self->drawn_peak);
  g_autofree char *text = NULL;

  /* Translators: the accessible description of the traffic graph, e.g.
   * "Peak rate over the last 5 min: 1.2 MB/s" */
  text = g_strdup_printf (_("Peak rate over the last %u min: %s"), self->span_minutes, peak);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text,
                                  -1);
}

static gboolean
tick_cb (gpointer user_data)
{
  SyAppTrafficGraph *self = user_data;
  gint64 last = g_get_real_time () / G_USEC_PER_SEC;
  guint64 peak = 0;

  if (self->history != NULL)
    peak = syapp_traffic_history_peak (self->history, last - self->span_minutes * 60 + 1, last);

  /* All quiet on screen and already drawn that way: nothing moves. */
  if (peak == 0 && self->drawn_peak == 0 && self->drawn_anything)
    return G_SOURCE_CONTINUE;

  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (peak != self->drawn_peak)
    {
      self->drawn_peak = peak;
      update_description (self);
    }
  return G_SOURCE_CONTINUE;
}

static void
syapp_traffic_graph_map (GtkWidget *widget)
{
  SyAppTrafficGraph *self = SYAPP_TRAFFIC_GRAPH (widget);

  GTK_WIDGET_CLASS (syapp_traffic_graph_parent_class)->map (widget);

  self->tick_id = g_timeout_add_seconds (1, tick_cb, self);
  self->drawn_anything = FALSE;
  gtk_widget_queue_draw (widget);
}

static void
syapp_traffic_graph_unmap (GtkWidget *widget)
{
  SyAppTrafficGraph *self = SYAPP_TRAFFIC_GRAPH (widget);

  g_clear_handle_id (&self->tick_id, g_source_remove);

  GTK_WIDGET_CLASS (syapp_traffic_graph_parent_class)->unmap (widget);
}

static void
syapp_traffic_graph_dispose (GObject *object)
{
  SyAppTrafficGraph *self = SYAPP_TRAFFIC_GRAPH (object);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  self->history = NULL;

  G_OBJECT_CLASS (syapp_traffic_graph_parent_class)->dispose (object);
}

static void
syapp_traffic_graph_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  SyAppTrafficGraph *self = SYAPP_TRAFFIC_GRAPH (object);

  switch (prop_id)
    {
    case PROP_SPAN:
      g_value_set_uint (value, self->span_minutes);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syapp_traffic_graph_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  SyAppTrafficGraph *self = SYAPP_TRAFFIC_GRAPH (object);

  switch (prop_id)
    {
    case PROP_SPAN:
      syapp_traffic_graph_set_span (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syapp_traffic_graph_class_init (SyAppTrafficGraphClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = syapp_traffic_graph_dispose;
  object_class->get_property = syapp_traffic_graph_get_property;
  object_class->set_property = syapp_traffic_graph_set_property;

  widget_class->snapshot = syapp_traffic_graph_snapshot;
  widget_class->measure = syapp_traffic_graph_measure;
  widget_class->map = syapp_traffic_graph_map;
  widget_class->unmap = syapp_traffic_graph_unmap;

  properties[PROP_SPAN] =
    g_param_spec_uint ("span", NULL, NULL,
                       1, SYAPP_TRAFFIC_HISTORY_SECONDS / 60, DEFAULT_SPAN_MINUTES,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "trafficgraph");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
syapp_traffic_graph_init (SyAppTrafficGraph *self)
{
  self->span_minutes = DEFAULT_SPAN_MINUTES;
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Traffic graph"),
                                  -1);
  update_description (self);
}

/* @history is borrowed and must outlive the graph (or be unset first). */
void
syapp_traffic_graph_set_history (SyAppTrafficGraph         *self,
                                 const SyAppTrafficHistory *history)
{
  g_return_if_fail (SYAPP_IS_TRAFFIC_GRAPH (self));

  self->history = history;
  syapp_traffic_graph_changed (self);
}

/* A sample arrived. */
void
syapp_traffic_graph_changed (SyAppTrafficGraph *self)
{
  g_return_if_fail (SYAPP_IS_TRAFFIC_GRAPH (self));

  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->drawn_anything = FALSE;
      tick_cb (self);
    }
}

guint
syapp_traffic_graph_get_span (SyAppTrafficGraph *self)
{
  g_return_val_if_fail (SYAPP_IS_TRAFFIC_GRAPH (self), DEFAULT_SPAN_MINUTES);

  return self->span_minutes;
}

void
syapp_traffic_graph_set_span (SyAppTrafficGraph *self,
                              guint              minutes)
{
  g_return_if_fail (SYAPP_IS_TRAFFIC_GRAPH (self));

  minutes = CLAMP (minutes, 1, SYAPP_TRAFFIC_HISTORY_SECONDS / 60);
  if (self->span_minutes == minutes)
    return;

  self->span_minutes = minutes;
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPAN]);
}
