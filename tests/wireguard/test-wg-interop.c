/* test-wg-interop.c — SyWgDevice against wireguard-go, the reference implementation
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The test moves itself into a network namespace of its own at the start of
 * main() (so it needs root), brings lo up, and runs wireguard-go there with
 * a TUN interface holding 10.99.0.1/24. Our device is a peer of it on
 * 127.0.0.1 with tunnel address 10.99.0.2 (and 10.99.0.3 for the responder
 * case). The kernel answers pings to 10.99.0.1 on the TUN, so an ICMP echo
 * request we build by hand must come back as an echo reply through
 * wireguard-go and our device; and the kernel's own ping must reach us when
 * wireguard-go is the one to start the handshake.
 *
 * Without root the test skips, unless CI is set: there it fails.
 */

#include "config.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "sy-test-process.h"
#include "util/sy-secret.h"
#include "wireguard/sy-wg-crypto.h"
#include "wireguard/sy-wg-device-private.h"
#include "wireguard/sy-wg-device.h"

#include "wg-test-packets.h"

static char *skip_reason;
static char *interface_name;
static char *uapi_path;

/* ---- isolation and commands ---------------------------------------------- */

static gboolean
run_command (const char * const  *argv,
             char               **output,
             GError             **error)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                     &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, error))
    {
      g_prefix_error (error, "%s: %s", argv[0], err);
      return FALSE;
    }
  if (output != NULL)
    *output = g_steal_pointer (&out);
  return TRUE;
}

static char *
isolate (void)
{
  const char *programs[] = { "wireguard-go", "wg", "ip", "ping" };
  const char *lo_up[] = { "ip", "link", "set", "lo", "up", NULL };
  g_autoptr(GError) error = NULL;

  if (geteuid () != 0)
    return g_strdup ("needs root: a network namespace and a TUN device for wireguard-go");
  for (guint i = 0; i < G_N_ELEMENTS (programs); i++)
    {
      g_autofree char *path = g_find_program_in_path (programs[i]);

      if (path == NULL)
        return g_strdup_printf ("%s is not installed", programs[i]);
    }
  if (access ("/dev/net/tun", R_OK | W_OK) != 0)
    return g_strdup_printf ("no usable /dev/net/tun: %s", g_strerror (errno));
  if (unshare (CLONE_NEWNET) != 0)
    return g_strdup_printf ("cannot create a network namespace: %s", g_strerror (errno));
  if (!run_command (lo_up, NULL, &error))
    return g_strdup_printf ("cannot bring lo up: %s", error->message);
  return NULL;
}

static gboolean
require_isolation (void)
{
  if (skip_reason == NULL)
    return TRUE;
  if (g_getenv ("CI") != NULL)
    g_test_fail_printf ("%s (CI is set: failing instead of skipping)", skip_reason);
  else
    g_test_skip_printf ("%s", skip_reason);
  return FALSE;
}

/* ---- wireguard-go -------------------------------------------------------- */

typedef struct
{
  SyTestProcess *process;
  char          *public_b64;
  guint8         public_key[32];
  guint16        port;
} WgGo;

static void
wg_go_stop (WgGo *wg)
{
  if (wg->process != NULL && sy_test_process_is_running (wg->process))
    {
      sy_test_process_signal (wg->process, SIGTERM);
      sy_test_process_wait (wg->process, 5000);
    }
  g_clear_pointer (&wg->process, sy_test_process_free);
  g_clear_pointer (&wg->public_b64, g_free);
  g_unlink (uapi_path);
}

static void
wg_go_start (WgGo *wg)
{
  const char *argv[] = { "wireguard-go", "-f", interface_name, NULL };
  const char *env[] = { "WG_PROCESS_FOREGROUND=1", "LOG_LEVEL=verbose", NULL };
  const char *genkey[] = { "wg", "genkey", NULL };
  const char *pubkey_argv[] = { "sh", "-c", "wg pubkey < \"$0\"", NULL, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *private_b64 = NULL;
  g_autofree char *key_path = NULL;
  g_autofree char *port_text = NULL;
  guint8 private_key[32];
  guint8 derived[32];
  gint64 deadline;
  int fd;

  memset (wg, 0, sizeof *wg);
  wg->process = sy_test_process_spawn ("wireguard-go", NULL, argv, env, &error);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  while (!g_file_test (uapi_path, G_FILE_TEST_EXISTS) && g_get_monotonic_time () < deadline)
    g_usleep (20 * 1000);
  g_assert_true (g_file_test (uapi_path, G_FILE_TEST_EXISTS));

  /* wg's keys, and our X25519 must agree with wg's. */
  g_assert_true (run_command (genkey, &private_b64, &error));
  g_assert_no_error (error);
  g_strstrip (private_b64);
  fd = g_file_open_tmp ("wg-interop-XXXXXX.key", &key_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (write (fd, private_b64, strlen (private_b64)), ==,
                   (gssize) strlen (private_b64));
  close (fd);
  pubkey_argv[3] = key_path;
  g_assert_true (run_command (pubkey_argv, &wg->public_b64, &error));
  g_assert_no_error (error);
  g_strstrip (wg->public_b64);
  g_assert_true (sy_wg_key_from_base64 (wg->public_b64, wg->public_key, &error));
  g_assert_true (sy_wg_key_from_base64 (private_b64, private_key, &error));
  sy_wg_derive_public_key (derived, private_key);
  g_assert_cmpmem (derived, 32, wg->public_key, 32);
  sy_wg_memzero (private_key, sizeof private_key);

  {
    const char *set[] = { "wg", "set", interface_name, "private-key", key_path, NULL };
    const char *address[] = { "ip", "address", "add", "10.99.0.1/24", "dev", interface_name, NULL };
    const char *up[] = { "ip", "link", "set", interface_name, "up", NULL };
    const char *port[] = { "wg", "show", interface_name, "listen-port", NULL };

    g_assert_true (run_command (set, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (run_command (address, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (run_command (up, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (run_command (port, &port_text, &error));
    g_assert_no_error (error);
  }
  g_unlink (key_path);
  sy_secret_wipe (private_b64, strlen (private_b64));
  wg->port = (guint16) g_ascii_strtoull (port_text, NULL, 10);
  g_assert_cmpuint (wg->port, >, 0);
}

static void
wg_go_add_peer (WgGo        *wg,
                const char  *public_b64,
                const char  *allowed_ips,
                const char  *endpoint)
{
  const char *argv[] = {
    "wg", "set", interface_name, "peer", public_b64, "allowed-ips", allowed_ips,
    endpoint != NULL ? "endpoint" : NULL, endpoint, NULL
  };
  g_autoptr(GError) error = NULL;

  g_assert_true (run_command (argv, NULL, &error));
  g_assert_no_error (error);
}

/* `wg show IF latest-handshakes` for @public_b64, in seconds since the epoch. */
static gint64
wg_go_latest_handshake (const char *public_b64)
{
  const char *argv[] = { "wg", "show", interface_name, "latest-handshakes", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_true (run_command (argv, &output, &error));
  g_assert_no_error (error);
  lines = g_strsplit (output, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], public_b64))
      return g_ascii_strtoll (lines[i] + strlen (public_b64), NULL, 10);
  return 0;
}

static char *
wg_go_endpoint (const char *public_b64)
{
  const char *argv[] = { "wg", "show", interface_name, "endpoints", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_true (run_command (argv, &output, &error));
  g_assert_no_error (error);
  lines = g_strsplit (output, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], public_b64))
      return g_strstrip (g_strdup (lines[i] + strlen (public_b64)));
  return NULL;
}

/* ---- our side ------------------------------------------------------------ */

typedef struct
{
  SyWgDevice *device;
  guint8      private_key[32];
  char       *public_b64;
  const char *address;         /* our tunnel address */
  guint       echo_replies;    /* from 10.99.0.1 to us */
  guint       echo_requests;   /* answered by us */
  guint       other;
  guint16     last_sequence;
} Ours;

static gboolean
valid_icmp (const guint8 *packet,
            gsize         length)
{
  return length >= 28 && (packet[0] >> 4) == 4 && packet[9] == 1 &&
         wg_test_checksum (packet, 20, 0) == 0 &&
         wg_test_checksum (packet + 20, length - 20, 0) == 0;
}

static void
ours_packet_cb (const guint8 *packet,
                gsize         length,
                gpointer      user_data)
{
  Ours *ours = user_data;
  guint8 reply[2048];
  guint8 source[4];
  guint16 checksum;

  if (!valid_icmp (packet, length))
    {
      ours->other++;
      return;
    }

  if (packet[20] == 0)
    {
      g_assert_cmpuint (packet[12], ==, 10);
      g_assert_cmpuint (packet[15], ==, 1);        /* from 10.99.0.1 */
      ours->echo_replies++;
      ours->last_sequence = (guint16) ((packet[26] << 8) | packet[27]);
      return;
    }
  if (packet[20] != 8 || length > sizeof reply)
    {
      ours->other++;
      return;
    }

  /* Answer an echo request as a host would: swap the addresses, type 0. */
  memcpy (reply, packet, length);
  memcpy (source, reply + 12, 4);
  memcpy (reply + 12, reply + 16, 4);
  memcpy (reply + 16, source, 4);
  reply[10] = reply[11] = 0;
  checksum = wg_test_checksum (reply, 20, 0);
  reply[10] = (guint8) (checksum >> 8);
  reply[11] = (guint8) checksum;
  reply[20] = 0;
  reply[22] = reply[23] = 0;
  checksum = wg_test_checksum (reply + 20, length - 20, 0);
  reply[22] = (guint8) (checksum >> 8);
  reply[23] = (guint8) checksum;
  ours->echo_requests++;
  g_assert_true (sy_wg_device_send_packet (ours->device, reply, length));
}

static void
ours_start (Ours              *ours,
            WgGo              *wg,
            const char        *address,
            gboolean           with_endpoint,
            const SyWgTimings *timings)
{
  g_autoptr(SyWgProfile) profile = sy_wg_profile_new ("interop");
  g_autoptr(GError) error = NULL;
  SyWgPeer *peer = sy_wg_peer_new ();
  guint8 public_key[32];
  SyWgPrefix prefix;

  memset (ours, 0, sizeof *ours);
  ours->address = address;
  sy_wg_generate_private_key (ours->private_key);
  sy_wg_derive_public_key (public_key, ours->private_key);
  ours->public_b64 = sy_wg_key_to_base64 (public_key);

  memcpy (profile->private_key, ours->private_key, 32);
  memcpy (peer->public_key, wg->public_key, 32);
  if (with_endpoint)
    {
      peer->endpoint_host = g_strdup ("127.0.0.1");
      peer->endpoint_port = wg->port;
    }
  g_assert_true (sy_wg_prefix_parse ("10.99.0.0/24", &prefix, NULL));
  g_array_append_val (peer->allowed_ips, prefix);
  g_ptr_array_add (profile->peers, peer);

  ours->device = sy_wg_device_new (profile, &error);
  g_assert_no_error (error);
  if (timings != NULL)
    sy_wg_device_set_timings (ours->device, timings);
  sy_wg_device_set_packet_handler (ours->device, ours_packet_cb, ours);
  g_assert_true (sy_wg_device_start (ours->device, &error));
  g_assert_no_error (error);
}

static void
ours_clear (Ours *ours)
{
  g_clear_object (&ours->device);
  g_clear_pointer (&ours->public_b64, g_free);
  sy_wg_memzero (ours->private_key, sizeof ours->private_key);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
wait_replies (Ours  *ours,
              guint  count,
              guint  timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, set_flag, &timed_out);

  while (ours->echo_replies < count && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return ours->echo_replies >= count;
}

static void
run_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_flag, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
send_ping (Ours    *ours,
           guint16  sequence)
{
  guint8 packet[128];
  gsize length = wg_test_build_icmp_echo (packet, ours->address, "10.99.0.1", 0x5359,
                                          sequence, 56);

  g_assert_true (sy_wg_device_send_packet (ours->device, packet, length));
}

static SyWgPeerStatus *
status_of (SyWgDevice *device)
{
  g_autoptr(GPtrArray) statuses = sy_wg_device_dup_peer_status (device);

  return g_ptr_array_steal_index (statuses, 0);
}

/* ---- tests --------------------------------------------------------------- */

static void
test_ping (void)
{
  WgGo wg;
  Ours ours;
  g_autoptr(SyWgPeerStatus) status = NULL;
  g_autofree char *endpoint = NULL;
  g_autofree char *expected = NULL;
  gint64 handshake;

  if (!require_isolation ())
    return;

  wg_go_start (&wg);
  ours_start (&ours, &wg, "10.99.0.2", TRUE, NULL);
  wg_go_add_peer (&wg, ours.public_b64, "10.99.0.2/32", NULL);

  /* We initiate; the kernel behind wireguard-go's TUN answers. */
  send_ping (&ours, 1);
  g_assert_true (wait_replies (&ours, 1, 10000));
  g_assert_cmpuint (ours.last_sequence, ==, 1);
  for (guint16 i = 2; i <= 10; i++)
    send_ping (&ours, i);
  g_assert_true (wait_replies (&ours, 10, 5000));
  g_assert_cmpuint (ours.other, ==, 0);

  status = status_of (ours.device);
  g_assert_cmpint (status->state, ==, SY_WG_PEER_STATE_UP);
  g_assert_cmpuint (status->handshakes, ==, 1);

  handshake = wg_go_latest_handshake (ours.public_b64);
  g_assert_cmpint (handshake, >, 0);
  g_assert_cmpint (ABS (handshake - g_get_real_time () / G_USEC_PER_SEC), <=, 5);
  endpoint = wg_go_endpoint (ours.public_b64);
  expected = g_strdup_printf ("127.0.0.1:%u", sy_wg_device_get_listen_port (ours.device));
  g_assert_cmpstr (endpoint, ==, expected);

  ours_clear (&ours);
  wg_go_stop (&wg);
}

typedef struct
{
  Ours    *ours;
  guint16  sent;
  gint64   end;
} Pinger;

static gboolean
pinger_tick (gpointer data)
{
  Pinger *pinger = data;

  send_ping (pinger->ours, ++pinger->sent);
  return g_get_monotonic_time () < pinger->end ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
test_rekey (void)
{
  WgGo wg;
  Ours ours;
  SyWgTimings timings;
  Pinger pinger = { &ours, 0, 0 };
  g_autoptr(SyWgPeerStatus) status = NULL;
  gint64 first;
  gint64 last;

  if (!require_isolation ())
    return;

  /* Rekey-After-Time 2 s: wireguard-go accepts a new initiation at any
   * time (20 ms after the last one). */
  sy_wg_timings_init_default (&timings);
  timings.rekey_after_time_ms = 2000;
  timings.reject_after_time_ms = 3000;
  timings.rekey_attempt_time_ms = 1500;
  timings.rekey_timeout_ms = 100;
  timings.keepalive_timeout_ms = 200;

  wg_go_start (&wg);
  ours_start (&ours, &wg, "10.99.0.2", TRUE, &timings);
  wg_go_add_peer (&wg, ours.public_b64, "10.99.0.2/32", NULL);

  send_ping (&ours, 0);
  g_assert_true (wait_replies (&ours, 1, 10000));
  first = wg_go_latest_handshake (ours.public_b64);
  g_assert_cmpint (first, >, 0);

  /* 7 s of pings every 20 ms across three or four rekeys. */
  ours.echo_replies = 0;
  pinger.end = g_get_monotonic_time () + 7 * G_TIME_SPAN_SECOND;
  g_timeout_add (20, pinger_tick, &pinger);
  run_for (7100);
  wait_replies (&ours, pinger.sent, 3000);

  status = status_of (ours.device);
  g_test_message ("%u handshakes; %u of %u pings answered", status->handshakes,
                  ours.echo_replies, pinger.sent);
  g_assert_cmpuint (status->handshakes, >=, 4);
  g_assert_cmpint (status->state, ==, SY_WG_PEER_STATE_UP);
  /* Old sessions keep working until the new one is confirmed: nothing is
   * lost to a rekey. */
  g_assert_cmpuint (ours.echo_replies, ==, pinger.sent);
  last = wg_go_latest_handshake (ours.public_b64);
  g_assert_cmpint (last, >=, first + 5);

  ours_clear (&ours);
  wg_go_stop (&wg);
}

static void
test_responder (void)
{
  WgGo wg;
  Ours ours;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyWgPeerStatus) status = NULL;
  g_autofree char *endpoint = NULL;
  g_autofree char *output = NULL;
  const char *ping[] = { "ping", "-n", "-c", "3", "-i", "0.2", "-W", "5", "10.99.0.3", NULL };
  SyTestProcess *child;
  gint64 deadline;
  int wait_status;

  if (!require_isolation ())
    return;

  /* Here wireguard-go knows where we are and starts the handshake, when
   * the kernel's ping needs the tunnel. */
  wg_go_start (&wg);
  ours_start (&ours, &wg, "10.99.0.3", FALSE, NULL);
  endpoint = g_strdup_printf ("127.0.0.1:%u", sy_wg_device_get_listen_port (ours.device));
  wg_go_add_peer (&wg, ours.public_b64, "10.99.0.3/32", endpoint);

  child = sy_test_process_spawn ("ping", NULL, ping, NULL, &error);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + 20 * G_TIME_SPAN_SECOND;
  while (sy_test_process_is_running (child) && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  wait_status = sy_test_process_wait (child, 1000);
  output = sy_test_process_dup_output (child);
  sy_test_process_free (child);

  g_test_message ("%s", output);
  g_assert_true (g_spawn_check_wait_status (wait_status, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (output, "3 received"));
  g_assert_cmpuint (ours.echo_requests, ==, 3);

  status = status_of (ours.device);
  g_assert_cmpuint (status->handshakes, ==, 1);
  /* We were the responder: wireguard-go confirmed the session with the
   * first ping. */
  g_assert_false (sy_wg_device_get_peer (ours.device, 0)->current->keypair.initiator);
  g_assert_cmpint (wg_go_latest_handshake (ours.public_b64), >, 0);

  ours_clear (&ours);
  wg_go_stop (&wg);
}

int
main (int    argc,
      char **argv)
{
  /* Before anything starts a thread: the namespace is per thread, and
   * threads made later inherit it. */
  skip_reason = isolate ();
  interface_name = g_strdup_printf ("sywgi%u", (guint) getpid () % 1000000);
  uapi_path = g_strdup_printf ("/var/run/wireguard/%s.sock", interface_name);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wireguard/interop/ping", test_ping);
  g_test_add_func ("/wireguard/interop/rekey", test_rekey);
  g_test_add_func ("/wireguard/interop/responder", test_responder);

  return g_test_run ();
}
