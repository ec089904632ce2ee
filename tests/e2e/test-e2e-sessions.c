/* test-e2e-sessions.c — 1,000 concurrent SOCKS5 sessions through the real
 * switchyardd, and its descriptors back at their baseline afterwards
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sy-e2e.h"

#define N_SESSIONS 1000

typedef enum
{
  STATE_CONNECTING,
  STATE_METHOD,       /* greeting sent, waiting for VER METHOD */
  STATE_REPLY,        /* request sent, waiting for the RFC 1928 §6 reply */
  STATE_ECHO,         /* payload sent, waiting for it to come back */
  STATE_DONE,         /* open and idle */
  STATE_FAILED,
} State;

typedef struct
{
  int     fd;
  State   state;
  guint8  buf[300];
  gsize   have;
  char    payload[16];
  int     error;      /* errno or a SOCKS5 REP of a failure */
} Client;

static SyE2eService    *service;
static SyE2eEchoServer *echo_server;
static guint16          proxy_port;

static void
client_fail (Client *c,
             int     error)
{
  c->state = STATE_FAILED;
  c->error = error;
}

static void
client_send (Client     *c,
             const void *data,
             gsize       length,
             State       next)
{
  /* Each message is tiny and the socket fresh, so it goes out in one send. */
  if (send (c->fd, data, length, MSG_NOSIGNAL) != (gssize) length)
    client_fail (c, errno);
  else
    {
      c->state = next;
      c->have = 0;
    }
}

/* Length of the reply once its header says how long it is, else 0. */
static gsize
reply_length (const Client *c)
{
  if (c->have < 5)
    return 0;
  switch (c->buf[3])
    {
    case 0x01:
      return 4 + 4 + 2;
    case 0x04:
      return 4 + 16 + 2;
    case 0x03:
      return 4 + 1 + c->buf[4] + 2;
    default:
      return 4;
    }
}

static void
client_step (Client *c,
             guint16 echo_port)
{
  gssize n;

  if (c->state == STATE_CONNECTING)
    {
      int error = 0;
      socklen_t len = sizeof error;
      const guint8 greeting[] = { 0x05, 0x01, 0x00 };

      getsockopt (c->fd, SOL_SOCKET, SO_ERROR, &error, &len);
      if (error != 0)
        client_fail (c, error);
      else
        client_send (c, greeting, sizeof greeting, STATE_METHOD);
      return;
    }

  n = recv (c->fd, c->buf + c->have, sizeof c->buf - c->have, 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n <= 0)
    {
      client_fail (c, n == 0 ? ECONNRESET : errno);
      return;
    }
  c->have += (gsize) n;

  switch (c->state)
    {
    case STATE_METHOD:
      if (c->have < 2)
        return;
      if (c->buf[0] != 0x05 || c->buf[1] != 0x00)
        client_fail (c, EPROTO);
      else
        {
          const guint8 request[] = { 0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1,
                                     echo_port >> 8, echo_port & 0xff };

          client_send (c, request, sizeof request, STATE_REPLY);
        }
      break;

    case STATE_REPLY:
      if (reply_length (c) == 0 || c->have < reply_length (c))
        return;
      if (c->buf[0] != 0x05 || c->buf[1] != 0x00)
        client_fail (c, 1000 + c->buf[1]);
      else if (c->have > reply_length (c))
        client_fail (c, EPROTO);   /* nothing may follow the reply before our payload */
      else
        client_send (c, c->payload, strlen (c->payload), STATE_ECHO);
      break;

    case STATE_ECHO:
      if (c->have < strlen (c->payload))
        return;
      if (c->have != strlen (c->payload) || memcmp (c->buf, c->payload, c->have) != 0)
        client_fail (c, EPROTO);
      else
        c->state = STATE_DONE;
      break;

    case STATE_CONNECTING:
    case STATE_DONE:
    case STATE_FAILED:
    default:
      client_fail (c, EPROTO);
      break;
    }
}

/* The descriptor count once it has not moved for half a second. */
static guint
settled_fd_count (GPid pid)
{
  guint last = sy_e2e_count_fds (pid);
  guint stable = 0;

  while (stable < 5)
    {
      guint now;

      g_usleep (100000);
      now = sy_e2e_count_fds (pid);
      stable = now == last ? stable + 1 : 0;
      last = now;
    }

  return last;
}

static void
one_session (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GProxyResolver) resolver = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autofree char *proxy_uri = g_strdup_printf ("socks5://127.0.0.1:%u", proxy_port);
  GInputStream *in;
  GOutputStream *out;
  char echo[4];
  gsize done;

  /* GIO's own SOCKS5 client, as one more independent implementation. */
  resolver = g_simple_proxy_resolver_new (proxy_uri, NULL);
  g_socket_client_set_proxy_resolver (client, resolver);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                sy_e2e_echo_server_get_port (echo_server),
                                                NULL, &error);
  g_assert_no_error (error);

  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  g_output_stream_write_all (out, "ping", 4, &done, NULL, &error);
  g_assert_no_error (error);
  g_input_stream_read_all (in, echo, sizeof echo, &done, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (echo, done, "ping", 4);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
}

static void
test_thousand_sessions (void)
{
  GPid pid = sy_e2e_service_get_pid (service);
  guint16 echo_port = sy_e2e_echo_server_get_port (echo_server);
  Client *clients = g_new0 (Client, N_SESSIONS);
  struct pollfd *fds = g_new0 (struct pollfd, N_SESSIONS);
  gint64 deadline;
  guint baseline;
  guint peak;
  guint done = 0;
  guint failed = 0;
  guint now;

  /* One session first: the service may create lazily whatever the first
   * dial needs (resolver, worker threads and their wake-up descriptors).
   * The baseline is taken after it, once the count is steady. */
  one_session ();
  baseline = settled_fd_count (pid);
  g_test_message ("switchyardd has %u descriptors open at rest", baseline);

  /* All connects go out at once: the listen backlog and the accept loop
   * are part of what is under test. */
  for (guint i = 0; i < N_SESSIONS; i++)
    {
      struct sockaddr_in sin = { .sin_family = AF_INET };
      Client *c = &clients[i];

      g_snprintf (c->payload, sizeof c->payload, "session %04u", i);
      c->fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      g_assert_cmpint (c->fd, >=, 0);
      sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
      sin.sin_port = htons (proxy_port);
      if (connect (c->fd, (struct sockaddr *) &sin, sizeof sin) < 0 && errno != EINPROGRESS)
        client_fail (c, errno);
    }

  /* A guard against a hang, not a speed requirement. */
  deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  while (done + failed < N_SESSIONS && g_get_monotonic_time () < deadline)
    {
      int n;

      for (guint i = 0; i < N_SESSIONS; i++)
        {
          fds[i].fd = clients[i].state == STATE_DONE || clients[i].state == STATE_FAILED
                      ? -1 : clients[i].fd;
          fds[i].events = clients[i].state == STATE_CONNECTING ? POLLOUT : POLLIN;
          fds[i].revents = 0;
        }
      n = poll (fds, N_SESSIONS, 1000);
      g_assert_cmpint (n, >=, 0);

      done = failed = 0;
      for (guint i = 0; i < N_SESSIONS; i++)
        {
          if (fds[i].revents != 0)
            client_step (&clients[i], echo_port);
          done += clients[i].state == STATE_DONE;
          failed += clients[i].state == STATE_FAILED;
        }
    }

  for (guint i = 0; i < N_SESSIONS; i++)
    if (clients[i].state != STATE_DONE)
      {
        if (clients[i].error >= 1000)
          g_test_message ("session %u: SOCKS5 reply 0x%02x", i, clients[i].error - 1000);
        else
          g_test_message ("session %u: state %d, %s", i, clients[i].state,
                          g_strerror (clients[i].error));
      }
  g_assert_cmpuint (failed, ==, 0);
  g_assert_cmpuint (done, ==, N_SESSIONS);

  /* All of them are open at the same time, end to end. */
  g_assert_cmpuint (sy_e2e_echo_server_get_open (echo_server), ==, N_SESSIONS);
  peak = sy_e2e_count_fds (pid);
  g_test_message ("switchyardd has %u descriptors open with %u sessions", peak, N_SESSIONS);
  g_assert_cmpuint (peak, >=, baseline + 2 * N_SESSIONS);

  for (guint i = 0; i < N_SESSIONS; i++)
    close (clients[i].fd);

  /* Every session must be torn down: poll for the count to come back, with
   * a generous limit, and fail if it never does. */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while ((now = sy_e2e_count_fds (pid)) != baseline && g_get_monotonic_time () < deadline)
    g_usleep (100000);
  g_test_message ("switchyardd has %u descriptors open after the sessions closed", now);
  g_assert_cmpuint (now, ==, baseline);

  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (sy_e2e_echo_server_get_open (echo_server) != 0 && g_get_monotonic_time () < deadline)
    g_usleep (100000);
  g_assert_cmpuint (sy_e2e_echo_server_get_open (echo_server), ==, 0);

  /* And the service still works afterwards. */
  one_session ();

  g_free (fds);
  g_free (clients);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *inbounds = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  /* Both ends of 1,000 sessions live in this process. */
  sy_e2e_raise_fd_limit ();

  echo_server = sy_e2e_echo_server_new (&error);
  g_assert_no_error (error);

  proxy_port = sy_test_find_free_port ("127.0.0.1");
  inbounds = g_strdup_printf ("[Inbound main]\n"
                              "Listen=127.0.0.1\n"
                              "Port=%u\n"
                              "Outbound=direct\n", proxy_port);
  service = sy_e2e_service_new ();
  sy_e2e_service_write_file (service, "inbounds.conf", inbounds);
  sy_e2e_service_start (service, &error);
  g_assert_no_error (error);

  g_test_add_func ("/interop/sessions/thousand-concurrent", test_thousand_sessions);

  status = g_test_run ();

  sy_e2e_service_stop (service);
  g_clear_pointer (&service, sy_e2e_service_free);
  g_clear_pointer (&echo_server, sy_e2e_echo_server_free);

  return status;
}
