/* test-log-ring.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "stats/sy-log-ring.h"
#include "stats/sy-session-log.h"

static void
test_log_ring_wraps (void)
{
  g_autoptr(SyLogRing) ring = sy_log_ring_new (3);
  g_autoptr(GPtrArray) entries = NULL;
  const SyLogEntry *entry;

  for (guint i = 1; i <= 5; i++)
    {
      g_autofree char *message = g_strdup_printf ("line %u", i);

      entry = sy_log_ring_push (ring, G_LOG_LEVEL_MESSAGE, "test", message);
      g_assert_cmpuint (entry->serial, ==, i);
    }

  entries = sy_log_ring_get_since (ring, 0, 0);
  g_assert_cmpuint (entries->len, ==, 3);
  g_assert_cmpstr (((SyLogEntry *) entries->pdata[0])->message, ==, "line 3");
  g_assert_cmpstr (((SyLogEntry *) entries->pdata[2])->message, ==, "line 5");
  g_clear_pointer (&entries, g_ptr_array_unref);

  entries = sy_log_ring_get_since (ring, 4, 0);
  g_assert_cmpuint (entries->len, ==, 1);
  g_assert_cmpuint (((SyLogEntry *) entries->pdata[0])->serial, ==, 5);
  g_clear_pointer (&entries, g_ptr_array_unref);

  entries = sy_log_ring_get_since (ring, 5, 0);
  g_assert_cmpuint (entries->len, ==, 0);
  g_clear_pointer (&entries, g_ptr_array_unref);

  entries = sy_log_ring_get_since (ring, 0, 2);
  g_assert_cmpuint (entries->len, ==, 2);
  g_assert_cmpuint (((SyLogEntry *) entries->pdata[0])->serial, ==, 4);
}

static void
test_log_ring_resize (void)
{
  g_autoptr(SyLogRing) ring = sy_log_ring_new (4);
  g_autoptr(GPtrArray) entries = NULL;

  for (guint i = 0; i < 6; i++)
    sy_log_ring_push (ring, G_LOG_LEVEL_WARNING, NULL, "x");

  sy_log_ring_set_capacity (ring, 2);
  entries = sy_log_ring_get_since (ring, 0, 0);
  g_assert_cmpuint (entries->len, ==, 2);
  g_assert_cmpuint (((SyLogEntry *) entries->pdata[0])->serial, ==, 5);
  g_assert_cmpuint (((SyLogEntry *) entries->pdata[1])->serial, ==, 6);
  g_assert_cmpstr (((SyLogEntry *) entries->pdata[1])->domain, ==, "");
  g_clear_pointer (&entries, g_ptr_array_unref);

  sy_log_ring_set_capacity (ring, 10);
  sy_log_ring_push (ring, G_LOG_LEVEL_WARNING, NULL, "y");
  entries = sy_log_ring_get_since (ring, 0, 0);
  g_assert_cmpuint (entries->len, ==, 3);
  g_assert_cmpstr (((SyLogEntry *) entries->pdata[2])->message, ==, "y");
}

static void
test_log_levels (void)
{
  GLogLevelFlags level = 0;

  g_assert_true (sy_log_level_from_string ("Warning", &level));
  g_assert_cmpint (level, ==, G_LOG_LEVEL_WARNING);
  g_assert_cmpstr (sy_log_level_to_string (level), ==, "warning");
  g_assert_false (sy_log_level_from_string ("loud", &level));
  g_assert_cmpstr (sy_log_level_to_string (G_LOG_LEVEL_DEBUG), ==, "debug");
}

static void
test_session_log_bounded (void)
{
  g_autoptr(SySessionLog) log = sy_session_log_new (3);
  g_autoptr(GPtrArray) sessions = NULL;
  guint64 first_id = 0;

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(SySession) session = sy_session_new (SY_NETWORK_TCP, "main", NULL);

      if (i == 0)
        first_id = session->id;
      sy_session_log_append (log, session);
    }

  g_assert_cmpuint (sy_session_log_get_length (log), ==, 3);
  sessions = sy_session_log_get (log, 0);
  g_assert_cmpuint (((SySession *) sessions->pdata[0])->id, ==, first_id + 2);
  g_clear_pointer (&sessions, g_ptr_array_unref);

  sessions = sy_session_log_get (log, 1);
  g_assert_cmpuint (sessions->len, ==, 1);
  g_assert_cmpuint (((SySession *) sessions->pdata[0])->id, ==, first_id + 4);

  sy_session_log_set_capacity (log, 1);
  g_assert_cmpuint (sy_session_log_get_length (log), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/log-ring/wraps", test_log_ring_wraps);
  g_test_add_func ("/core/log-ring/resize", test_log_ring_resize);
  g_test_add_func ("/core/log-ring/levels", test_log_levels);
  g_test_add_func ("/core/session-log/bounded", test_session_log_bounded);

  return g_test_run ();
}
