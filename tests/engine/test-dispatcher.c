/* test-dispatcher.c — routing, connect timeout, batching, closing, traffic
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "engine/sy-dispatcher.h"
#include "util/sy-error.h"

/* An outbound whose behaviour the test chooses. */
typedef enum
{
  FAKE_HANG,      /* never completes until cancelled */
  FAKE_REFUSE,    /* fails at once with "connection refused" */
} FakeMode;

#define TEST_TYPE_FAKE_OUTBOUND (test_fake_outbound_get_type ())
G_DECLARE_FINAL_TYPE (TestFakeOutbound, test_fake_outbound, TEST, FAKE_OUTBOUND, SyOutbound)

struct _TestFakeOutbound
{
  SyOutbound parent_instance;
  FakeMode   mode;
  guint      dials;
};

G_DEFINE_FINAL_TYPE (TestFakeOutbound, test_fake_outbound, SY_TYPE_OUTBOUND)

static gboolean
fake_return_cancelled (gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GCancellable *cancellable = g_task_get_cancellable (task);
  gulong handler = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (task), "handler"));

  g_cancellable_disconnect (cancellable, handler);
  g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

static void
fake_cancelled_cb (GCancellable *cancellable,
                   GTask        *task)
{
  /* Completing from an idle keeps us out of the cancellable's signal emission. */
  g_idle_add (fake_return_cancelled, g_object_ref (task));
}

static void
fake_dial_async (SyOutbound          *outbound,
                 SySession           *session,
                 const char          *host,
                 guint16              port,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  TestFakeOutbound *self = TEST_FAKE_OUTBOUND (outbound);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  self->dials++;

  switch (self->mode)
    {
    case FAKE_REFUSE:
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                               "refused by %s:%u", host, port);
      break;
    case FAKE_HANG:
    default:
      g_assert_nonnull (cancellable);
      g_task_set_return_on_cancel (task, FALSE);
      g_object_set_data (G_OBJECT (task), "handler",
                         GSIZE_TO_POINTER (g_cancellable_connect (cancellable,
                                                                  G_CALLBACK (fake_cancelled_cb),
                                                                  g_object_ref (task),
                                                                  g_object_unref)));
      break;
    }
}

static GIOStream *
fake_dial_finish (SyOutbound    *outbound,
                  GAsyncResult  *result,
                  GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_fake_outbound_class_init (TestFakeOutboundClass *klass)
{
  SyOutboundClass *outbound_class = SY_OUTBOUND_CLASS (klass);

  outbound_class->dial_async = fake_dial_async;
  outbound_class->dial_finish = fake_dial_finish;
}

static void
test_fake_outbound_init (TestFakeOutbound *self)
{
}

static TestFakeOutbound *
fake_outbound_new (const char *name,
                   FakeMode    mode)
{
  TestFakeOutbound *self = g_object_new (TEST_TYPE_FAKE_OUTBOUND, "name", name, "kind", "fake", NULL);

  self->mode = mode;
  return self;
}

typedef struct
{
  GError   *error;
  gboolean  done;
} DialResult;

static void
dial_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  DialResult *dial = user_data;
  g_autoptr(GIOStream) stream = NULL;

  stream = sy_dispatcher_dial_finish (SY_DISPATCHER (object), result, &dial->error);
  dial->done = TRUE;
}

static void
run_until (gboolean *flag)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!*flag)
    {
      g_main_context_iteration (NULL, TRUE);
      if (g_get_monotonic_time () > deadline)
        g_error ("the main loop did not reach the expected state within 10 s");
    }
}

static SySession *
new_session (SyDispatcher *dispatcher,
             const char   *host)
{
  SySession *session = sy_session_new (SY_NETWORK_TCP, "main", NULL);

  sy_session_set_destination (session, host, 443);
  sy_dispatcher_add_session (dispatcher, session);
  return session;
}

static void
test_unknown_route (void)
{
  g_autoptr(SyDispatcher) dispatcher = sy_dispatcher_new ();
  g_autoptr(SySession) session = new_session (dispatcher, "example.org");
  DialResult dial = { 0 };

  sy_dispatcher_dial_async (dispatcher, session, "nowhere", NULL, dial_done_cb, &dial);
  run_until (&dial.done);
  g_assert_error (dial.error, SY_ERROR, SY_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (dial.error->message, "nowhere"));

  sy_dispatcher_end_session (dispatcher, session, dial.error);
  g_assert_cmpint (session->state, ==, SY_SESSION_STATE_FAILED);
  g_assert_cmpuint (sy_dispatcher_get_active_count (dispatcher), ==, 0);
  g_clear_error (&dial.error);
}

static void
test_connect_timeout (void)
{
  g_autoptr(SyDispatcher) dispatcher = sy_dispatcher_new ();
  g_autoptr(TestFakeOutbound) hang = fake_outbound_new ("slow", FAKE_HANG);
  g_autoptr(SySession) session = NULL;
  g_autoptr(GPtrArray) log = NULL;
  DialResult dial = { 0 };

  sy_dispatcher_set_outbound (dispatcher, SY_OUTBOUND (hang));
  sy_dispatcher_set_timeouts (dispatcher, 50, 0);
  session = new_session (dispatcher, "example.org");

  sy_dispatcher_dial_async (dispatcher, session, "slow", NULL, dial_done_cb, &dial);
  g_assert_cmpint (session->state, ==, SY_SESSION_STATE_CONNECTING);
  g_assert_cmpstr (session->outbound, ==, "slow");
  run_until (&dial.done);

  g_assert_error (dial.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpint (sy_error_to_socks5_reply (dial.error), ==, SY_SOCKS5_REP_TTL_EXPIRED);
  g_assert_cmpuint (sy_error_to_http_status (dial.error), ==, 504);

  sy_dispatcher_end_session (dispatcher, session, dial.error);
  g_assert_cmpint (session->state, ==, SY_SESSION_STATE_FAILED);
  g_assert_nonnull (strstr (session->error, "timed out"));
  g_assert_cmpuint (sy_dispatcher_get_traffic (dispatcher)->sessions_failed, ==, 1);

  log = sy_dispatcher_get_connection_log (dispatcher);
  g_assert_cmpuint (log->len, ==, 1);
  g_assert_true (log->pdata[0] == session);
  g_clear_error (&dial.error);
}

static void
test_refused (void)
{
  g_autoptr(SyDispatcher) dispatcher = sy_dispatcher_new ();
  g_autoptr(TestFakeOutbound) refuse = fake_outbound_new ("direct", FAKE_REFUSE);
  g_autoptr(SySession) session = NULL;
  DialResult dial = { 0 };

  sy_dispatcher_set_outbound (dispatcher, SY_OUTBOUND (refuse));
  session = new_session (dispatcher, "192.0.2.1");
  g_assert_false (session->host_is_domain);

  /* NULL route means the default, "direct" */
  sy_dispatcher_dial_async (dispatcher, session, NULL, NULL, dial_done_cb, &dial);
  run_until (&dial.done);
  g_assert_error (dial.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_cmpint (sy_error_to_socks5_reply (dial.error), ==, SY_SOCKS5_REP_CONNECTION_REFUSED);
  g_assert_cmpuint (refuse->dials, ==, 1);
  sy_dispatcher_end_session (dispatcher, session, dial.error);
  g_clear_error (&dial.error);
}

static void
test_close_cancels_dial (void)
{
  g_autoptr(SyDispatcher) dispatcher = sy_dispatcher_new ();
  g_autoptr(TestFakeOutbound) hang = fake_outbound_new ("slow", FAKE_HANG);
  g_autoptr(SySession) session = NULL;
  DialResult dial = { 0 };

  sy_dispatcher_set_outbound (dispatcher, SY_OUTBOUND (hang));
  sy_dispatcher_set_timeouts (dispatcher, 0, 0);
  session = new_session (dispatcher, "example.org");

  sy_dispatcher_dial_async (dispatcher, session, "slow", NULL, dial_done_cb, &dial);
  g_assert_true (sy_dispatcher_close_session (dispatcher, session->id));
  run_until (&dial.done);
  g_assert_error (dial.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  sy_dispatcher_end_session (dispatcher, session, dial.error);
  g_assert_cmpint (session->state, ==, SY_SESSION_STATE_CLOSED);
  g_assert_cmpstr (session->error, ==, "closed on request");
  g_assert_false (sy_dispatcher_close_session (dispatcher, session->id));
  g_clear_error (&dial.error);
}

typedef struct
{
  guint    emissions;
  guint    changed;
  guint    removed;
  gboolean seen;
} BatchCount;

static void
sessions_changed_cb (SyDispatcher *dispatcher,
                     GPtrArray    *changed,
                     GArray       *removed,
                     BatchCount   *count)
{
  count->emissions++;
  count->changed += changed->len;
  count->removed += removed->len;
  count->seen = TRUE;

  for (guint i = 0; i < changed->len; i++)
    g_assert_false (((SySession *) changed->pdata[i])->dirty);
}

static void
test_batched_changes (void)
{
  g_autoptr(SyDispatcher) dispatcher = sy_dispatcher_new ();
  g_autoptr(GPtrArray) sessions = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_session_unref);
  BatchCount count = { 0 };

  g_signal_connect (dispatcher, "sessions-changed", G_CALLBACK (sessions_changed_cb), &count);

  for (guint i = 0; i < 200; i++)
    {
      SySession *session = new_session (dispatcher, "example.org");

      /* many changes to one session within the interval are one entry */
      sy_session_add_bytes (session, 10, 20);
      sy_session_add_bytes (session, 10, 20);
      sy_session_set_state (session, SY_SESSION_STATE_CONNECTING);
      g_ptr_array_add (sessions, session);
    }

  run_until (&count.seen);
  g_assert_cmpuint (count.emissions, ==, 1);
  g_assert_cmpuint (count.changed, ==, 200);
  g_assert_cmpuint (count.removed, ==, 0);
  g_assert_cmpuint (sy_dispatcher_get_traffic (dispatcher)->bytes_up, ==, 200 * 20);
  g_assert_cmpuint (sy_dispatcher_get_traffic (dispatcher)->bytes_down, ==, 200 * 40);

  for (guint i = 0; i < 50; i++)
    sy_dispatcher_end_session (dispatcher, sessions->pdata[i], NULL);

  count.seen = FALSE;
  run_until (&count.seen);
  g_assert_cmpuint (count.emissions, ==, 2);
  g_assert_cmpuint (count.removed, ==, 50);
  g_assert_cmpuint (sy_dispatcher_get_active_count (dispatcher), ==, 150);
  g_assert_cmpuint (sy_dispatcher_get_traffic (dispatcher)->sessions_active, ==, 150);
  g_assert_cmpuint (sy_dispatcher_get_traffic (dispatcher)->sessions_total, ==, 200);
}

static void
test_close_matching (void)
{
  g_autoptr(SyDispatcher) dispatcher = sy_dispatcher_new ();
  g_autoptr(SySession) a = new_session (dispatcher, "video.example.org");
  g_autoptr(SySession) b = new_session (dispatcher, "mail.example.net");
  g_autoptr(SySession) c = new_session (dispatcher, "2001:db8::1");

  g_assert_cmpuint (sy_dispatcher_close_matching (dispatcher, "EXAMPLE.ORG"), ==, 1);
  g_assert_true (g_cancellable_is_cancelled (a->cancellable));
  g_assert_false (g_cancellable_is_cancelled (b->cancellable));

  /* IPv6 targets are shown bracketed and match as such */
  g_assert_true (sy_session_matches_filter (c, "[2001:db8::1]:443"));
  g_assert_false (sy_session_matches_filter (c, "example"));
  g_assert_true (sy_session_matches_filter (b, "main"));

  g_assert_cmpuint (sy_dispatcher_close_all (dispatcher), ==, 3);
  g_assert_true (g_cancellable_is_cancelled (c->cancellable));
}

typedef struct
{
  GArray  *samples;
  gboolean quiet_seen;
} TrafficLog;

static void
traffic_cb (SyDispatcher    *dispatcher,
            SyTrafficSample *sample,
            TrafficLog      *log)
{
  g_array_append_val (log->samples, *sample);
  if (sample->rate_up == 0 && sample->rate_down == 0 && log->samples->len > 1)
    log->quiet_seen = TRUE;
}

static gboolean
quit_flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_traffic_samples (void)
{
  g_autoptr(SyDispatcher) dispatcher = sy_dispatcher_new ();
  g_autoptr(SySession) session = new_session (dispatcher, "example.org");
  TrafficLog log = { g_array_new (FALSE, FALSE, sizeof (SyTrafficSample)), FALSE };
  SyTrafficSample *first;
  gboolean waited = FALSE;
  guint after_quiet;

  g_signal_connect (dispatcher, "traffic", G_CALLBACK (traffic_cb), &log);
  sy_session_add_bytes (session, 1000, 3000);

  run_until (&log.quiet_seen);
  first = &g_array_index (log.samples, SyTrafficSample, 0);
  g_assert_cmpuint (first->total_up, ==, 1000);
  g_assert_cmpuint (first->total_down, ==, 3000);
  g_assert_cmpuint (first->rate_down, >, 0);
  g_assert_cmpuint (first->active, ==, 1);

  /* Once quiet, the timer is gone: nothing more arrives while idle. */
  after_quiet = log.samples->len;
  g_timeout_add (1500, quit_flag_cb, &waited);
  run_until (&waited);
  g_assert_cmpuint (log.samples->len, ==, after_quiet);

  g_array_unref (log.samples);
  sy_dispatcher_end_session (dispatcher, session, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/dispatcher/unknown-route", test_unknown_route);
  g_test_add_func ("/core/dispatcher/connect-timeout", test_connect_timeout);
  g_test_add_func ("/core/dispatcher/refused", test_refused);
  g_test_add_func ("/core/dispatcher/close-cancels-dial", test_close_cancels_dial);
  g_test_add_func ("/core/dispatcher/batched-changes", test_batched_changes);
  g_test_add_func ("/core/dispatcher/close-matching", test_close_matching);
  g_test_add_func ("/core/dispatcher/traffic-samples", test_traffic_samples);

  return g_test_run ();
}
