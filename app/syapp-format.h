/* syapp-format.h — numbers, sizes, rates and durations for people
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char    *syapp_format_count     (guint64      count);
char    *syapp_format_bytes     (guint64      bytes);
char    *syapp_format_rate      (guint64      bytes_per_second);
char    *syapp_format_duration  (gint64       milliseconds);
char    *syapp_format_latency   (gint64       milliseconds);
char    *syapp_format_time      (gint64       unix_usec);
char    *syapp_format_ago       (gint64       unix_usec,
                                 gint64       now_usec);
guint64  syapp_variant_get_uint (GVariant    *dict,
                                 const char  *key);
gint64   syapp_variant_get_int  (GVariant    *dict,
                                 const char  *key,
                                 gint64       fallback);
const char *syapp_variant_get_str (GVariant  *dict,
                                   const char *key);
gboolean syapp_variant_get_bool (GVariant    *dict,
                                 const char  *key,
                                 gboolean     fallback);

G_END_DECLS
