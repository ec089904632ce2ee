/* test-e2e-pool.c — a failover pool of a real microsocks and a real danted
 * behind the real switchyardd: kill the first upstream mid-transfer, watch
 * the pool fail over, mark it down, and take it back once it returns.
 * Run twice: danted without authentication, and danted requiring RFC 1929
 * username/password (microsocks always requires it)
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>

#include <glib/gstdio.h>

#include "sy-e2e.h"

#define LONG_DOWNLOAD (64 * 1024 * 1024)
#define SHORT_DOWNLOAD (1024 * 1024)

#define DANTE_USER     "sy-pool-test"
#define DANTE_PASSWORD "dante secret"
#define DANTE_AUTH     GINT_TO_POINTER (1)

typedef struct
{
  char            *work_dir;
  SyE2eHttpServer *http_server;
  SyTestPeer      *microsocks;   /* upstream "a", with RFC 1929 credentials */
  SyTestPeer      *danted;       /* upstream "b" */
  SyE2eService    *service;
  guint16          ms_port;
  guint16          dante_port;
  guint16          proxy_port;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *inbounds = NULL;
  g_autofree char *pool = NULL;

  f->work_dir = sy_e2e_make_temp_dir ();
  f->http_server = sy_e2e_http_server_new (&error);
  g_assert_no_error (error);

  f->ms_port = sy_test_find_free_port ("127.0.0.1");
  f->microsocks = sy_test_peer_start_microsocks_full (f->ms_port, "pooluser", "poolpass", NULL,
                                                      &error);
  g_assert_no_error (error);
  f->dante_port = sy_test_find_free_port ("127.0.0.1");
  if (data == DANTE_AUTH)
    f->danted = sy_test_peer_start_danted_full (f->dante_port, DANTE_USER, DANTE_PASSWORD, &error);
  else
    f->danted = sy_test_peer_start_danted_full (f->dante_port, NULL, NULL, &error);
  g_assert_no_error (error);

  f->proxy_port = sy_test_find_free_port ("127.0.0.1");
  inbounds = g_strdup_printf ("[Inbound main]\n"
                              "Listen=127.0.0.1\n"
                              "Port=%u\n"
                              "Outbound=relays\n", f->proxy_port);
  /* The quickest health checking the configuration allows (intervals are
   * whole seconds): one failure marks an upstream down, one success brings
   * it back, and a dead one is re-checked every second. */
  pool = g_strdup_printf ("[Pool]\n"
                          "Strategy=failover\n"
                          "\n"
                          "[HealthCheck]\n"
                          "URL=http://127.0.0.1:%u/health\n"
                          "Interval=1\n"
                          "Timeout=2000\n"
                          "FailThreshold=1\n"
                          "FailWindow=10\n"
                          "RecoverThreshold=1\n"
                          "BackoffInitial=1\n"
                          "BackoffMax=1\n"
                          "\n"
                          "[Upstream a]\n"
                          "URL=socks5://pooluser:poolpass@127.0.0.1:%u\n"
                          "\n"
                          "[Upstream b]\n"
                          "URL=socks5://%s127.0.0.1:%u\n",
                          sy_e2e_http_server_get_port (f->http_server), f->ms_port,
                          /* "sy-pool-test:dante%20secret@": the space percent-encoded */
                          data == DANTE_AUTH ? DANTE_USER ":dante%20secret@" : "",
                          f->dante_port);

  f->service = sy_e2e_service_new ();
  sy_e2e_service_write_file (f->service, "inbounds.conf", inbounds);
  sy_e2e_service_write_file (f->service, "pools/relays.conf", pool);
  sy_e2e_service_start (f->service, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  sy_e2e_service_stop (f->service);
  g_clear_pointer (&f->service, sy_e2e_service_free);
  g_clear_pointer (&f->microsocks, sy_test_peer_stop);
  g_clear_pointer (&f->danted, sy_test_peer_stop);
  g_clear_pointer (&f->http_server, sy_e2e_http_server_free);
  sy_test_rm_rf (f->work_dir);
  g_free (f->work_dir);
}

static char *
pattern_url (Fixture *f,
             gsize    length)
{
  return g_strdup_printf ("http://127.0.0.1:%u/pattern/%" G_GSIZE_FORMAT,
                          sy_e2e_http_server_get_port (f->http_server), length);
}

/* Waits for a line of switchyardd's log at or after @from; returns the
 * offset past it. The limit is a guard against a hang only. */
static gsize
wait_log (Fixture    *f,
          gsize       from,
          const char *needle)
{
  SyTestProcess *process = sy_e2e_service_get_process (f->service);
  gssize found = sy_test_process_wait_output (process, from, needle, 60000);

  if (found < 0)
    g_error ("switchyardd never logged “%s”", needle);
  return (gsize) found;
}

/* A complete, checksum-verified download through the pool. */
static void
assert_session_works (Fixture *f)
{
  g_autofree char *url = pattern_url (f, SHORT_DOWNLOAD);
  g_autofree char *proxy = g_strdup_printf ("socks5h://127.0.0.1:%u", f->proxy_port);
  g_autofree char *output = g_build_filename (f->work_dir, "short", NULL);
  g_autofree char *expected = NULL;
  g_autofree char *got = NULL;
  const char *args[] = { "--fail", "-x", proxy, "-o", output, url, NULL };
  gsize length = 0;

  g_assert_cmpint (sy_e2e_run_curl (args, NULL, NULL), ==, 0);
  expected = g_compute_checksum_for_data (G_CHECKSUM_SHA256, sy_e2e_pattern (SHORT_DOWNLOAD),
                                          SHORT_DOWNLOAD);
  got = sy_e2e_sha256_file (output, &length);
  g_assert_cmpuint (length, ==, SHORT_DOWNLOAD);
  g_assert_cmpstr (got, ==, expected);
  g_unlink (output);
}

static goffset
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? st.st_size : 0;
}

static void
test_failover (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyTestProcess) curl = NULL;
  g_autofree char *url = pattern_url (f, LONG_DOWNLOAD);
  g_autofree char *proxy = g_strdup_printf ("socks5h://127.0.0.1:%u", f->proxy_port);
  g_autofree char *output = g_build_filename (f->work_dir, "long", NULL);
  /* 64 MiB at 2 MB/s: half a minute, far longer than the test needs it. */
  const char *args[] = { "--limit-rate", "2M", "-x", proxy, "-o", output, url, NULL };
  SyTestProcess *service_process = sy_e2e_service_get_process (f->service);
  gint64 deadline;
  gsize mark;
  int status;
  int code;

  assert_session_works (f);

  curl = sy_e2e_spawn_curl (args, &error);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (file_size (output) < 512 * 1024 && g_get_monotonic_time () < deadline)
    g_usleep (20000);
  g_assert_cmpint (file_size (output), >=, 512 * 1024);
  g_assert_true (sy_test_process_is_running (curl));

  /* Failover means "a" carries it; killing "a" must end the session. */
  mark = sy_test_process_get_output_length (service_process);
  sy_test_peer_signal (f->microsocks, SIGKILL);
  g_assert_cmpint (sy_test_peer_wait (f->microsocks, 10000), !=, -1);

  /* The running transfer fails promptly instead of hanging: curl exits on
   * its own with an error (18 partial file, 56 receive failure, …), long
   * before its --max-time (28) would end a stuck transfer. */
  status = sy_test_process_wait (curl, 100000);
  g_assert_cmpint (status, !=, -1);
  code = sy_e2e_exit_code (status);
  g_test_message ("the interrupted curl exited with %d after %" G_GOFFSET_FORMAT " bytes",
                  code, file_size (output));
  g_assert_cmpint (code, !=, 0);
  g_assert_cmpint (code, !=, 28);
  g_assert_cmpint (file_size (output), <, LONG_DOWNLOAD);

  /* The health check (or the failed dial) marks "a" down … */
  mark = wait_log (f, mark, "Upstream “a” is down");
  /* … and new sessions go to "b" and succeed. */
  for (int i = 0; i < 3; i++)
    assert_session_works (f);

  /* "a" comes back on the same port; the backed-off re-checks notice
   * ("Upstream “a” is up again"). */
  sy_test_peer_restart (f->microsocks, &error);
  g_assert_no_error (error);
  wait_log (f, mark, "Upstream “a” is up");
  assert_session_works (f);
}

static void
skip_without_root (void)
{
  g_test_skip ("danted authenticates RFC 1929 users against system accounts; the test account "
               "is bind-mounted into a private mount namespace, which needs root (CI runs as root)");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/interop/pool/failover-kill-recover", Fixture, NULL,
              fixture_set_up, test_failover, fixture_tear_down);

  /* danted checks RFC 1929 credentials against system accounts; the test
   * account lives only in a private mount namespace, which needs root. CI
   * runs as root, so there the case always runs (and fails if it cannot). */
  if (sy_test_can_isolate_accounts () || g_getenv ("CI") != NULL)
    g_test_add ("/interop/pool/failover-kill-recover-danted-auth", Fixture, DANTE_AUTH,
                fixture_set_up, test_failover, fixture_tear_down);
  else
    g_test_add_func ("/interop/pool/failover-kill-recover-danted-auth", skip_without_root);

  return g_test_run ();
}
