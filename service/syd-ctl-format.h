/* syd-ctl-format.h — aligned tables, sizes, durations and JSON for switchyardctl
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SydTable SydTable;

/* Headers ending in '>' are right-aligned columns (the '>' is not shown). */
SydTable *syd_table_new          (const char *first_header,
                                  ...) G_GNUC_NULL_TERMINATED;
void      syd_table_add_row      (SydTable   *table,
                                  const char *first_cell,
                                  ...) G_GNUC_NULL_TERMINATED;
/* Prints to stdout, each line prefixed by @indent spaces, without trailing blanks. */
void      syd_table_print        (SydTable   *table,
                                  guint       indent);
void      syd_table_free         (SydTable   *table);

/* "512 B", "1.2 KiB", "3.4 MiB" */
char     *syd_format_size        (guint64     bytes);
char     *syd_format_rate        (guint64     bytes_per_second);
/* "850 ms", "12.3 s", "5 m 03 s", "2 h 05 m", "3 d 04 h" */
char     *syd_format_duration_ms (gint64      ms);
/* local "HH:MM:SS", with the date when not today */
char     *syd_format_time        (gint64      usec);
char     *syd_format_json        (GVariant   *value,
                                  gboolean    pretty);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SydTable, syd_table_free)

G_END_DECLS
