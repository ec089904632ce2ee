/* syd-ctl-format.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "switchyardctl"

#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "syd-ctl-format.h"

struct _SydTable
{
  guint       n_columns;
  gboolean   *right;       /* per column */
  GPtrArray  *rows;        /* GStrv, the first one is the header */
};

static void
syd_table_add_row_va (SydTable   *table,
                      const char *first,
                      va_list     args)
{
  char **row = g_new0 (char *, table->n_columns + 1);
  const char *cell = first;

  for (guint i = 0; i < table->n_columns; i++)
    {
      row[i] = g_strdup (cell != NULL ? cell : "");
      if (cell != NULL)
        cell = va_arg (args, const char *);
    }

  g_ptr_array_add (table->rows, row);
}

SydTable *
syd_table_new (const char *first_header,
               ...)
{
  SydTable *table = g_new0 (SydTable, 1);
  g_autoptr(GPtrArray) headers = g_ptr_array_new ();
  char **row;
  va_list args;

  va_start (args, first_header);
  for (const char *h = first_header; h != NULL; h = va_arg (args, const char *))
    g_ptr_array_add (headers, (gpointer) h);
  va_end (args);

  table->n_columns = headers->len;
  table->right = g_new0 (gboolean, headers->len);
  table->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  row = g_new0 (char *, headers->len + 1);
  for (guint i = 0; i < headers->len; i++)
    {
      const char *h = g_ptr_array_index (headers, i);
      gsize len = strlen (h);

      table->right[i] = len > 0 && h[len - 1] == '>';
      row[i] = g_strndup (h, table->right[i] ? len - 1 : len);
    }
  g_ptr_array_add (table->rows, row);

  return table;
}

void
syd_table_add_row (SydTable   *table,
                   const char *first_cell,
                   ...)
{
  va_list args;

  g_return_if_fail (table != NULL);

  va_start (args, first_cell);
  syd_table_add_row_va (table, first_cell, args);
  va_end (args);
}

/* Display width: good enough for the Latin, CJK-free text of our tables;
 * wide characters count as two so that zh_CN host names still line up. */
static guint
display_width (const char *text)
{
  guint width = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      width += g_unichar_iswide (c) ? 2 : g_unichar_iszerowidth (c) ? 0 : 1;
    }

  return width;
}

void
syd_table_print (SydTable *table,
                 guint     indent)
{
  g_autofree guint *widths = NULL;
  GString *line = g_string_new (NULL);

  g_return_if_fail (table != NULL);

  widths = g_new0 (guint, table->n_columns);
  for (guint r = 0; r < table->rows->len; r++)
    {
      char **row = g_ptr_array_index (table->rows, r);

      for (guint c = 0; c < table->n_columns; c++)
        widths[c] = MAX (widths[c], display_width (row[c]));
    }

  for (guint r = 0; r < table->rows->len; r++)
    {
      char **row = g_ptr_array_index (table->rows, r);

      g_string_truncate (line, 0);
      for (guint i = 0; i < indent; i++)
        g_string_append_c (line, ' ');

      for (guint c = 0; c < table->n_columns; c++)
        {
          guint pad = widths[c] - display_width (row[c]);

          if (c > 0)
            g_string_append (line, "  ");
          if (table->right[c])
            for (guint i = 0; i < pad; i++)
              g_string_append_c (line, ' ');
          g_string_append (line, row[c]);
          if (!table->right[c])
            for (guint i = 0; i < pad; i++)
              g_string_append_c (line, ' ');
        }

      while (line->len > 0 && line->str[line->len - 1] == ' ')
        g_string_truncate (line, line->len - 1);
      g_print ("%s\n", line->str);
    }

  g_string_free (line, TRUE);
}

void
syd_table_free (SydTable *table)
{
  if (table == NULL)
    return;

  g_ptr_array_unref (table->rows);
  g_free (table->right);
  g_free (table);
}

char *
syd_format_size (guint64 bytes)
{
  if (bytes < 1024)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " B", bytes);

  return g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
}

char *
syd_format_rate (guint64 bytes_per_second)
{
  g_autofree char *size = syd_format_size (bytes_per_second);

  return g_strconcat (size, "/s", NULL);
}

char *
syd_format_duration_ms (gint64 ms)
{
  gint64 s;

  if (ms < 0)
    return g_strdup ("–");
  if (ms < 1000)
    return g_strdup_printf ("%" G_GINT64_FORMAT " ms", ms);
  if (ms < 60 * 1000)
    return g_strdup_printf ("%.1f s", ms / 1000.0);

  s = ms / 1000;
  if (s < 60 * 60)
    return g_strdup_printf ("%" G_GINT64_FORMAT " m %02" G_GINT64_FORMAT " s", s / 60, s % 60);
  if (s < 24 * 60 * 60)
    return g_strdup_printf ("%" G_GINT64_FORMAT " h %02" G_GINT64_FORMAT " m",
                            s / 3600, (s / 60) % 60);
  return g_strdup_printf ("%" G_GINT64_FORMAT " d %02" G_GINT64_FORMAT " h",
                          s / 86400, (s / 3600) % 24);
}

char *
syd_format_time (gint64 usec)
{
  g_autoptr(GDateTime) time = NULL;
  g_autoptr(GDateTime) now = NULL;

  if (usec <= 0)
    return g_strdup ("–");

  time = g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC);
  now = g_date_time_new_now_local ();
  if (time == NULL || now == NULL)
    return g_strdup ("?");

  if (g_date_time_get_year (time) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (time) == g_date_time_get_day_of_year (now))
    return g_date_time_format (time, "%H:%M:%S");

  return g_date_time_format (time, "%Y-%m-%d %H:%M:%S");
}

char *
syd_format_json (GVariant *value,
                 gboolean  pretty)
{
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (value != NULL, NULL);

  node = json_gvariant_serialize (value);
  generator = json_generator_new ();
  json_generator_set_pretty (generator, pretty);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, node);

  return json_generator_to_data (generator, NULL);
}
