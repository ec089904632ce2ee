/* syapp-format.c — numbers, sizes, rates and durations for people
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The service speaks in bytes, microseconds and milliseconds (see
 * docs/dbus-api.md); these turn them into short, translated text. Sizes
 * use GLib's SI units, as the rest of GNOME does.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "syapp-format.h"

/* A count with the locale's digit grouping, e.g. "1,204". */
char *
syapp_format_count (guint64 count)
{
  return g_strdup_printf ("%'" G_GUINT64_FORMAT, count);
}

char *
syapp_format_bytes (guint64 bytes)
{
  return g_format_size (bytes);
}

char *
syapp_format_rate (guint64 bytes_per_second)
{
  g_autofree char *size = g_format_size (bytes_per_second);

  /* Translators: a transfer rate, e.g. "1.2 MB/s" */
  return g_strdup_printf (_("%s/s"), size);
}

char *
syapp_format_duration (gint64 milliseconds)
{
  gint64 seconds;

  if (milliseconds < 0)
    milliseconds = 0;

  if (milliseconds < 10000)
    /* Translators: a duration in seconds with one decimal, e.g. "2.4 s" */
    return g_strdup_printf (_("%.1f s"), milliseconds / 1000.0);

  seconds = milliseconds / 1000;
  if (seconds < 60)
    /* Translators: a duration in whole seconds, e.g. "42 s" */
    return g_strdup_printf (_("%d s"), (int) seconds);
  if (seconds < 3600)
    /* Translators: a duration in minutes and seconds, e.g. "4 min 05 s" */
    return g_strdup_printf (_("%d min %02d s"), (int) (seconds / 60), (int) (seconds % 60));
  if (seconds < 86400)
    /* Translators: a duration in hours and minutes, e.g. "3 h 07 min" */
    return g_strdup_printf (_("%d h %02d min"), (int) (seconds / 3600),
                            (int) (seconds % 3600 / 60));

  /* Translators: a duration in days and hours, e.g. "2 d 05 h" */
  return g_strdup_printf (_("%d d %02d h"), (int) (seconds / 86400),
                          (int) (seconds % 86400 / 3600));
}

char *
syapp_format_latency (gint64 milliseconds)
{
  if (milliseconds < 0)
    /* Translators: the latency of an upstream that was never measured */
    return g_strdup (C_("latency", "—"));

  /* Translators: a latency in milliseconds, e.g. "23 ms" */
  return g_strdup_printf (_("%d ms"), (int) MIN (milliseconds, G_MAXINT));
}

/* A time of day for the log, with milliseconds: the log is read to
 * correlate events, and a second is too coarse for that. */
char *
syapp_format_time (gint64 unix_usec)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (unix_usec / G_USEC_PER_SEC);

  if (time == NULL || unix_usec < 0)
    return g_strdup ("");

  return g_strdup_printf ("%02d:%02d:%02d.%03d",
                          g_date_time_get_hour (time),
                          g_date_time_get_minute (time),
                          g_date_time_get_second (time),
                          (int) (unix_usec % G_USEC_PER_SEC / 1000));
}

char *
syapp_format_ago (gint64 unix_usec,
                  gint64 now_usec)
{
  gint64 seconds;

  if (unix_usec <= 0)
    /* Translators: when something (e.g. a health check) never happened */
    return g_strdup (_("never"));

  seconds = MAX (now_usec - unix_usec, 0) / G_USEC_PER_SEC;
  if (seconds < 5)
    return g_strdup (_("just now"));
  if (seconds < 60)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d second ago", "%d seconds ago",
                                         seconds), (int) seconds);
  if (seconds < 3600)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d minute ago", "%d minutes ago",
                                         seconds / 60), (int) (seconds / 60));
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d hour ago", "%d hours ago",
                                       seconds / 3600), (int) (seconds / 3600));
}

/* Lookups in the service's a{sv} dictionaries. Integers are read whatever
 * their D-Bus width, so that a key widening in a later API version does not
 * turn into a zero here; unknown or mistyped keys give the fallback. */
guint64
syapp_variant_get_uint (GVariant   *dict,
                        const char *key)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (dict, key, NULL);

  if (value == NULL)
    return 0;
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64))
    return g_variant_get_uint64 (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    return g_variant_get_uint32 (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT16))
    return g_variant_get_uint16 (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTE))
    return g_variant_get_byte (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    return (guint64) MAX (g_variant_get_int64 (value), 0);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
    return (guint64) MAX (g_variant_get_int32 (value), 0);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT16))
    return (guint64) MAX (g_variant_get_int16 (value), 0);
  return 0;
}

gint64
syapp_variant_get_int (GVariant   *dict,
                       const char *key,
                       gint64      fallback)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (dict, key, NULL);

  if (value == NULL)
    return fallback;
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    return g_variant_get_int64 (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
    return g_variant_get_int32 (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT16))
    return g_variant_get_int16 (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64))
    return (gint64) MIN (g_variant_get_uint64 (value), (guint64) G_MAXINT64);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    return g_variant_get_uint32 (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT16))
    return g_variant_get_uint16 (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTE))
    return g_variant_get_byte (value);
  return fallback;
}

/* Borrowed from @dict; "" when missing. */
const char *
syapp_variant_get_str (GVariant   *dict,
                       const char *key)
{
  const char *str = NULL;

  if (!g_variant_lookup (dict, key, "&s", &str))
    return "";
  return str;
}

gboolean
syapp_variant_get_bool (GVariant   *dict,
                        const char *key,
                        gboolean    fallback)
{
  gboolean value;

  if (!g_variant_lookup (dict, key, "b", &value))
    return fallback;
  return value;
}
