/* test-udp-tunnel.c — the UDP proxy tunnel against a real UDP echo server
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * On loopback in this process: the tunnel on this thread's main loop, a
 * UDP echo server on a thread of its own (it records who sent what), and
 * clients as non-blocking sockets of the test thread.
 */

#include "config.h"

#include "engine/sy-dispatcher.h"
#include "inbound/sy-direct-datagram.h"
#include "inbound/sy-tunnel-conn.h"
#include "inbound/sy-udp-proxy-tunnel.h"
#include "util/sy-error.h"

#include "sy-test-peers.h"
#include "tunnel-test-util.h"

/* UDP echo server --------------------------------------------------------- */

typedef struct
{
  GSocket      *socket;
  guint16       port;
  GCancellable *cancellable;
  GThread      *thread;

  GMutex        lock;
  GHashTable   *peers;        /* "ip:port" → datagrams from it */
  GSocketAddress *last_peer;
  guint         datagrams;
} UdpEcho;

static char *
address_key (GSocketAddress *address)
{
  GInetSocketAddress *isa = G_INET_SOCKET_ADDRESS (address);
  g_autofree char *ip = g_inet_address_to_string (g_inet_socket_address_get_address (isa));

  return g_strdup_printf ("%s:%u", ip, g_inet_socket_address_get_port (isa));
}

static gpointer
udp_echo_thread (gpointer user_data)
{
  UdpEcho *echo = user_data;
  guint8 buffer[65536];

  for (;;)
    {
      g_autoptr(GSocketAddress) from = NULL;
      g_autofree char *key = NULL;
      guint count;
      gssize n;

      n = g_socket_receive_from (echo->socket, &from, (char *) buffer, sizeof buffer,
                                 echo->cancellable, NULL);
      if (n < 0)
        return NULL;

      key = address_key (from);
      g_mutex_lock (&echo->lock);
      count = GPOINTER_TO_UINT (g_hash_table_lookup (echo->peers, key));
      g_hash_table_insert (echo->peers, g_steal_pointer (&key), GUINT_TO_POINTER (count + 1));
      g_set_object (&echo->last_peer, from);
      echo->datagrams++;
      g_mutex_unlock (&echo->lock);

      g_socket_send_to (echo->socket, from, (const char *) buffer, n, NULL, NULL);
    }
}

static UdpEcho *
udp_echo_new (void)
{
  UdpEcho *echo = g_new0 (UdpEcho, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  echo->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                               G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_socket_bind (echo->socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (echo->socket, &error);
  g_assert_no_error (error);
  echo->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  echo->cancellable = g_cancellable_new ();
  echo->peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_init (&echo->lock);
  echo->thread = g_thread_new ("udp-echo", udp_echo_thread, echo);

  return echo;
}

static void
udp_echo_free (UdpEcho *echo)
{
  g_cancellable_cancel (echo->cancellable);
  g_thread_join (echo->thread);
  g_socket_close (echo->socket, NULL);
  g_clear_object (&echo->socket);
  g_clear_object (&echo->cancellable);
  g_hash_table_unref (echo->peers);
  g_clear_object (&echo->last_peer);
  g_mutex_clear (&echo->lock);
  g_free (echo);
}

static guint
udp_echo_count_peers (UdpEcho *echo)
{
  guint n;

  g_mutex_lock (&echo->lock);
  n = g_hash_table_size (echo->peers);
  g_mutex_unlock (&echo->lock);
  return n;
}

/* Clients ----------------------------------------------------------------- */

static GSocket *
udp_client_new (void)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                         &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (socket, FALSE);

  return socket;
}

static GInetSocketAddress *
udp_client_address (GSocket *socket)
{
  g_autoptr(GError) error = NULL;
  GSocketAddress *address = g_socket_get_local_address (socket, &error);

  g_assert_no_error (error);
  return G_INET_SOCKET_ADDRESS (address);
}

static void
udp_client_send (GSocket        *socket,
                 GSocketAddress *to,
                 const void     *data,
                 gsize           length)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_socket_send_to (socket, to, data, length, NULL, &error), ==, length);
  g_assert_no_error (error);
}

/* The next datagram for @socket (serving the loop while waiting). */
static gsize
udp_client_receive (GSocket *socket,
                    guint8  *buffer,
                    gsize    size)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n;

      wait_socket (socket, G_IO_IN);
      n = g_socket_receive (socket, (char *) buffer, size, NULL, &error);
      if (n >= 0)
        return n;
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
    }
}

/* Nothing arrives for @socket within @ms. */
static void
udp_client_assert_quiet (GSocket *socket,
                         guint    ms)
{
  guint8 buffer[256];
  g_autoptr(GError) error = NULL;

  iterate_for (ms);
  g_assert_cmpint (g_socket_receive (socket, (char *) buffer, sizeof buffer, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
}

/* Fixture ----------------------------------------------------------------- */

typedef struct
{
  SyDispatcher     *dispatcher;
  SyDatagramDialer *direct;
  UdpEcho          *echo;
  SyUdpProxyTunnel *tunnel;
  GSocketAddress   *tunnel_address;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  user_data)
{
  f->dispatcher = sy_dispatcher_new ();
  f->direct = sy_direct_datagram_dialer_new ("direct");
  f->echo = udp_echo_new ();
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  user_data)
{
  g_clear_object (&f->tunnel);
  g_assert_cmpuint (sy_dispatcher_get_active_count (f->dispatcher), ==, 0);
  g_clear_object (&f->dispatcher);
  g_clear_object (&f->direct);
  g_clear_pointer (&f->echo, udp_echo_free);
}

static void
start_tunnel (Fixture          *f,
              SyDatagramDialer *dialer,
              const char       *target_host,
              guint             inactivity_timeout_ms)
{
  g_autoptr(GError) error = NULL;

  f->tunnel = sy_udp_proxy_tunnel_new (f->dispatcher, "udp", "127.0.0.1", 0,
                                       target_host, f->echo->port,
                                       dialer != NULL ? dialer : f->direct,
                                       inactivity_timeout_ms);
  g_assert_true (sy_udp_proxy_tunnel_start (f->tunnel, &error));
  g_assert_no_error (error);
  f->tunnel_address = sy_udp_proxy_tunnel_get_local_address (f->tunnel);
  g_assert_nonnull (f->tunnel_address);
  g_assert_cmpuint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (f->tunnel_address)),
                    !=, 0);
}

static SyUdpAssociationStats
association_of (Fixture *f,
                GSocket *client)
{
  g_autoptr(GInetSocketAddress) address = udp_client_address (client);
  SyUdpAssociationStats stats = { 0, };

  g_assert_true (sy_udp_proxy_tunnel_get_association (f->tunnel, address, &stats));
  return stats;
}

static void
wait_associations (Fixture *f,
                   guint    n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (sy_udp_proxy_tunnel_get_n_associations (f->tunnel) != n)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      iterate_for (5);
    }
}

/* Tests ------------------------------------------------------------------- */

#define ROUNDS 50

static gsize
datagram_length (char   client,
                 guint  i)
{
  return 16 + (client == 'A' ? 7 : 13) * i;
}

static void
fill_datagram (guint8 *buffer,
               char    client,
               guint   i)
{
  gsize length = datagram_length (client, i);

  memset (buffer, client, length);
  memcpy (buffer, &i, sizeof i);
}

static void
test_two_clients (Fixture       *f,
                  gconstpointer  user_data)
{
  g_autoptr(GSocket) a = udp_client_new ();
  g_autoptr(GSocket) b = udp_client_new ();
  g_autoptr(GInetSocketAddress) a_address = udp_client_address (a);
  g_autoptr(GPtrArray) sessions = NULL;
  g_autoptr(SySession) logged = NULL;
  SyUdpAssociationStats a_stats, b_stats;
  guint8 sent[4096];
  guint8 got[4096];
  gsize a_bytes = 0, b_bytes = 0;

  start_tunnel (f, NULL, "127.0.0.1", 0);

  /* Interleaved: A0 B0 A1 B1 …, every reply read only after all were sent,
   * so replies of both clients are in flight at the same time. */
  for (guint i = 0; i < ROUNDS; i++)
    {
      fill_datagram (sent, 'A', i);
      udp_client_send (a, f->tunnel_address, sent, datagram_length ('A', i));
      a_bytes += datagram_length ('A', i);
      fill_datagram (sent, 'B', i);
      udp_client_send (b, f->tunnel_address, sent, datagram_length ('B', i));
      b_bytes += datagram_length ('B', i);
    }

  for (guint i = 0; i < ROUNDS; i++)
    {
      gsize n = udp_client_receive (a, got, sizeof got);

      fill_datagram (sent, 'A', i);
      g_assert_cmpmem (got, n, sent, datagram_length ('A', i));
    }
  for (guint i = 0; i < ROUNDS; i++)
    {
      gsize n = udp_client_receive (b, got, sizeof got);

      fill_datagram (sent, 'B', i);
      g_assert_cmpmem (got, n, sent, datagram_length ('B', i));
    }
  udp_client_assert_quiet (a, 50);
  udp_client_assert_quiet (b, 50);

  /* one association, one outbound socket and one session per client */
  g_assert_cmpuint (sy_udp_proxy_tunnel_get_n_associations (f->tunnel), ==, 2);
  g_assert_cmpuint (udp_echo_count_peers (f->echo), ==, 2);

  a_stats = association_of (f, a);
  b_stats = association_of (f, b);
  g_assert_cmpuint (a_stats.session_id, !=, b_stats.session_id);
  g_assert_cmpuint (a_stats.packets_up, ==, ROUNDS);
  g_assert_cmpuint (a_stats.packets_down, ==, ROUNDS);
  g_assert_cmpuint (a_stats.bytes_up, ==, a_bytes);
  g_assert_cmpuint (a_stats.bytes_down, ==, a_bytes);
  g_assert_cmpuint (b_stats.packets_up, ==, ROUNDS);
  g_assert_cmpuint (b_stats.packets_down, ==, ROUNDS);
  g_assert_cmpuint (b_stats.bytes_up, ==, b_bytes);
  g_assert_cmpuint (b_stats.bytes_down, ==, b_bytes);
  g_assert_cmpuint (a_stats.dropped + b_stats.dropped + a_stats.stray + b_stats.stray, ==, 0);

  /* the dispatcher lists them as UDP sessions with the same counts */
  sessions = sy_dispatcher_list_sessions (f->dispatcher);
  g_assert_cmpuint (sessions->len, ==, 2);
  for (guint i = 0; i < sessions->len; i++)
    {
      SySession *session = g_ptr_array_index (sessions, i);
      GInetSocketAddress *client = G_INET_SOCKET_ADDRESS (session->client_address);
      gboolean is_a = g_inet_socket_address_get_port (client) ==
                      g_inet_socket_address_get_port (a_address);

      g_assert_cmpint (session->network, ==, SY_NETWORK_UDP);
      g_assert_cmpstr (session->protocol, ==, SY_TUNNEL_PROTOCOL_UDP);
      g_assert_cmpstr (session->inbound, ==, "udp");
      g_assert_cmpstr (session->outbound, ==, "direct");
      g_assert_cmpint (session->state, ==, SY_SESSION_STATE_ESTABLISHED);
      g_assert_cmpuint (session->id, ==, is_a ? a_stats.session_id : b_stats.session_id);
      g_assert_cmpuint (session->bytes_up, ==, is_a ? a_bytes : b_bytes);
    }
  g_assert_cmpuint (sy_dispatcher_get_traffic (f->dispatcher)->bytes_up, ==, a_bytes + b_bytes);
  g_assert_cmpuint (sy_dispatcher_get_traffic (f->dispatcher)->bytes_down, ==, a_bytes + b_bytes);

  /* stopping ends them cleanly */
  sy_udp_proxy_tunnel_stop (f->tunnel);
  g_assert_null (sy_udp_proxy_tunnel_get_local_address (f->tunnel));
  g_assert_cmpuint (sy_udp_proxy_tunnel_get_n_associations (f->tunnel), ==, 0);
  g_assert_cmpuint (sy_dispatcher_get_active_count (f->dispatcher), ==, 0);
  logged = find_logged_session (f->dispatcher, a_stats.session_id);
  g_assert_nonnull (logged);
  g_assert_cmpint (logged->state, ==, SY_SESSION_STATE_CLOSED);
  g_assert_null (logged->error);
  g_assert_cmpuint (logged->bytes_down, ==, a_bytes);
}

static void
test_large_datagram (Fixture       *f,
                     gconstpointer  user_data)
{
  g_autoptr(GSocket) client = udp_client_new ();
  g_autofree guint8 *sent = g_malloc (60000);
  g_autofree guint8 *got = g_malloc (65536);
  gsize n;

  start_tunnel (f, NULL, "127.0.0.1", 0);

  pattern_fill (sent, 60000, 7);
  udp_client_send (client, f->tunnel_address, sent, 60000);
  n = udp_client_receive (client, got, 65536);
  g_assert_cmpmem (got, n, sent, 60000);
  g_assert_cmpuint (association_of (f, client).bytes_down, ==, 60000);
}

static void
test_inactivity (Fixture       *f,
                 gconstpointer  user_data)
{
  g_autoptr(GSocket) client = udp_client_new ();
  g_autoptr(SySession) logged = NULL;
  SyUdpAssociationStats first, second;
  guint8 buffer[64];

  start_tunnel (f, NULL, "127.0.0.1", 400);

  udp_client_send (client, f->tunnel_address, "one", 3);
  g_assert_cmpuint (udp_client_receive (client, buffer, sizeof buffer), ==, 3);
  first = association_of (f, client);

  /* traffic every 100 ms keeps it alive well past the timeout */
  for (guint i = 0; i < 5; i++)
    {
      iterate_for (100);
      udp_client_send (client, f->tunnel_address, "tick", 4);
      g_assert_cmpuint (udp_client_receive (client, buffer, sizeof buffer), ==, 4);
    }
  second = association_of (f, client);
  g_assert_cmpuint (second.session_id, ==, first.session_id);
  g_assert_cmpuint (second.packets_up, ==, 6);

  /* then silence: it ends, and its session is logged as closed */
  wait_associations (f, 0);
  g_assert_cmpuint (sy_dispatcher_get_active_count (f->dispatcher), ==, 0);
  logged = find_logged_session (f->dispatcher, first.session_id);
  g_assert_nonnull (logged);
  g_assert_cmpint (logged->state, ==, SY_SESSION_STATE_CLOSED);
  g_assert_cmpstr (logged->error, ==, "No datagram either way for 400 ms");
  g_assert_cmpuint (logged->bytes_up, ==, 3 + 5 * 4);
  g_assert_cmpuint (logged->bytes_down, ==, 3 + 5 * 4);
  g_assert_cmpint (sy_session_get_duration_ms (logged), >=, 900);

  /* the client comes back: a new association */
  udp_client_send (client, f->tunnel_address, "back", 4);
  g_assert_cmpuint (udp_client_receive (client, buffer, sizeof buffer), ==, 4);
  second = association_of (f, client);
  g_assert_cmpuint (second.session_id, !=, first.session_id);
  g_assert_cmpuint (second.packets_up, ==, 1);
}

static void
test_close_session (Fixture       *f,
                    gconstpointer  user_data)
{
  g_autoptr(GSocket) client = udp_client_new ();
  g_autoptr(SySession) logged = NULL;
  SyUdpAssociationStats first, second;
  guint8 buffer[64];

  start_tunnel (f, NULL, "127.0.0.1", 0);

  udp_client_send (client, f->tunnel_address, "one", 3);
  g_assert_cmpuint (udp_client_receive (client, buffer, sizeof buffer), ==, 3);
  first = association_of (f, client);

  g_assert_true (sy_dispatcher_close_session (f->dispatcher, first.session_id));
  wait_associations (f, 0);
  logged = find_logged_session (f->dispatcher, first.session_id);
  g_assert_nonnull (logged);
  g_assert_cmpstr (logged->error, ==, "closed on request");

  udp_client_send (client, f->tunnel_address, "two", 3);
  g_assert_cmpuint (udp_client_receive (client, buffer, sizeof buffer), ==, 3);
  second = association_of (f, client);
  g_assert_cmpuint (second.session_id, !=, first.session_id);

  /* closed and, before the timer reaped it, a datagram again */
  g_assert_true (sy_dispatcher_close_session (f->dispatcher, second.session_id));
  udp_client_send (client, f->tunnel_address, "three", 5);
  g_assert_cmpuint (udp_client_receive (client, buffer, sizeof buffer), ==, 5);
  g_assert_cmpuint (association_of (f, client).session_id, >, second.session_id);
  g_assert_cmpuint (sy_udp_proxy_tunnel_get_n_associations (f->tunnel), ==, 1);

  sy_udp_proxy_tunnel_stop (f->tunnel);
}

static void
test_stray_sender (Fixture       *f,
                   gconstpointer  user_data)
{
  g_autoptr(GSocket) client = udp_client_new ();
  g_autoptr(GSocket) intruder = udp_client_new ();
  g_autoptr(GSocketAddress) outbound = NULL;
  guint8 buffer[64];

  start_tunnel (f, NULL, "127.0.0.1", 0);

  udp_client_send (client, f->tunnel_address, "one", 3);
  g_assert_cmpuint (udp_client_receive (client, buffer, sizeof buffer), ==, 3);

  /* the echo server saw the association's outbound socket */
  g_mutex_lock (&f->echo->lock);
  g_assert_cmpuint (g_hash_table_size (f->echo->peers), ==, 1);
  outbound = g_object_ref (f->echo->last_peer);
  g_mutex_unlock (&f->echo->lock);

  /* someone else writes to it: the client must not get it */
  udp_client_send (intruder, outbound, "spoof", 5);
  udp_client_assert_quiet (client, 100);
  g_assert_cmpuint (association_of (f, client).stray, ==, 1);
  g_assert_cmpuint (association_of (f, client).packets_down, ==, 1);
}

/* A dialer whose names resolve when the test says so, to 127.0.0.1,
 * except "nowhere.invalid" — standing in for a tunnel's DNS. */
typedef struct
{
  SyDatagramDialer parent_instance;
  GQueue           pending;       /* GTask *, their task data the name */
  guint            resolved;
} TestDialer;

typedef struct
{
  SyDatagramDialerClass parent_class;
} TestDialerClass;

static GType test_dialer_get_type (void);
G_DEFINE_TYPE (TestDialer, test_dialer, SY_TYPE_DATAGRAM_DIALER)

/* Answers every name asked so far. */
static void
test_dialer_answer (TestDialer *self)
{
  GTask *task;

  while ((task = g_queue_pop_head (&self->pending)) != NULL)
    {
      const char *host = g_task_get_task_data (task);

      self->resolved++;
      if (g_str_equal (host, "nowhere.invalid"))
        g_task_return_new_error (task, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                                 "no such name");
      else
        g_task_return_pointer (task,
                               g_list_prepend (NULL,
                                               g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4)),
                               (GDestroyNotify) g_resolver_free_addresses);
      g_object_unref (task);
    }
}

static void
test_dialer_resolve_async (SyDatagramDialer    *dialer,
                           const char          *host,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  TestDialer *self = (TestDialer *) dialer;
  GTask *task = g_task_new (dialer, cancellable, callback, user_data);

  g_task_set_task_data (task, g_strdup (host), g_free);
  g_queue_push_tail (&self->pending, task);
}

static GList *
test_dialer_resolve_finish (SyDatagramDialer  *dialer,
                            GAsyncResult      *result,
                            GError           **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static SyDatagramSession *
test_dialer_open (SyDatagramDialer    *dialer,
                  GSocketFamily        family,
                  SyDatagramRecvFunc   func,
                  gpointer             user_data,
                  GError             **error)
{
  return sy_direct_datagram_session_new (family, func, user_data, error);
}

static void
test_dialer_finalize (GObject *object)
{
  TestDialer *self = (TestDialer *) object;

  g_assert_true (g_queue_is_empty (&self->pending));

  G_OBJECT_CLASS (test_dialer_parent_class)->finalize (object);
}

static void
test_dialer_class_init (TestDialerClass *klass)
{
  SyDatagramDialerClass *dialer_class = SY_DATAGRAM_DIALER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_dialer_finalize;

  dialer_class->resolve_async = test_dialer_resolve_async;
  dialer_class->resolve_finish = test_dialer_resolve_finish;
  dialer_class->open = test_dialer_open;
}

static void
test_dialer_init (TestDialer *self)
{
  g_queue_init (&self->pending);
}

static void
test_target_name (Fixture       *f,
                  gconstpointer  user_data)
{
  g_autoptr(SyDatagramDialer) dialer = g_object_new (test_dialer_get_type (),
                                                     "name", "wg:test", NULL);
  g_autoptr(GSocket) client = udp_client_new ();
  g_autoptr(GSocket) other = udp_client_new ();
  g_autoptr(SySession) live = NULL;
  guint8 buffer[64];

  start_tunnel (f, dialer, "echo.test", 0);

  /* three datagrams before the name resolves: kept, then all sent */
  udp_client_send (client, f->tunnel_address, "a", 1);
  udp_client_send (client, f->tunnel_address, "bb", 2);
  udp_client_send (client, f->tunnel_address, "ccc", 3);
  while (g_queue_get_length (&((TestDialer *) dialer)->pending) < 1)
    iterate_for (5);
  iterate_for (20);
  live = the_live_session (f->dispatcher);
  g_assert_nonnull (live);
  g_assert_cmpint (live->state, ==, SY_SESSION_STATE_CONNECTING);
  g_assert_cmpstr (live->outbound, ==, "wg:test");
  g_assert_cmpstr (live->host, ==, "echo.test");
  g_assert_cmpuint (association_of (f, client).packets_up, ==, 0);
  udp_client_assert_quiet (client, 20);

  test_dialer_answer ((TestDialer *) dialer);
  g_assert_cmpuint (udp_client_receive (client, buffer, sizeof buffer), ==, 1);
  g_assert_cmpuint (udp_client_receive (client, buffer, sizeof buffer), ==, 2);
  g_assert_cmpuint (udp_client_receive (client, buffer, sizeof buffer), ==, 3);
  g_assert_cmpint (live->state, ==, SY_SESSION_STATE_ESTABLISHED);
  g_assert_cmpuint (association_of (f, client).packets_up, ==, 3);

  /* each association resolves for itself, as wireproxy dials each time */
  udp_client_send (other, f->tunnel_address, "d", 1);
  while (g_queue_get_length (&((TestDialer *) dialer)->pending) < 1)
    iterate_for (5);
  test_dialer_answer ((TestDialer *) dialer);
  g_assert_cmpuint (udp_client_receive (other, buffer, sizeof buffer), ==, 1);
  g_assert_cmpuint (((TestDialer *) dialer)->resolved, ==, 2);

  sy_udp_proxy_tunnel_stop (f->tunnel);
}

static void
test_target_unresolvable (Fixture       *f,
                          gconstpointer  user_data)
{
  g_autoptr(SyDatagramDialer) dialer = g_object_new (test_dialer_get_type (),
                                                     "name", "wg:test", NULL);
  g_autoptr(GSocket) client = udp_client_new ();
  g_autoptr(GPtrArray) log = NULL;
  SySession *session;

  start_tunnel (f, dialer, "nowhere.invalid", 0);

  udp_client_send (client, f->tunnel_address, "a", 1);
  while (g_queue_get_length (&((TestDialer *) dialer)->pending) < 1)
    iterate_for (5);
  test_dialer_answer ((TestDialer *) dialer);
  wait_sessions_gone (f->dispatcher);
  g_assert_cmpuint (sy_udp_proxy_tunnel_get_n_associations (f->tunnel), ==, 0);
  udp_client_assert_quiet (client, 50);

  log = sy_dispatcher_get_connection_log (f->dispatcher);
  g_assert_cmpuint (log->len, ==, 1);
  session = g_ptr_array_index (log, 0);
  g_assert_cmpint (session->state, ==, SY_SESSION_STATE_FAILED);
  g_assert_nonnull (strstr (session->error, "nowhere.invalid"));
  g_assert_cmpuint (session->bytes_up, ==, 0);
}

static void
test_stop_while_resolving (Fixture       *f,
                           gconstpointer  user_data)
{
  g_autoptr(SyDatagramDialer) dialer = g_object_new (test_dialer_get_type (),
                                                     "name", "wg:test", NULL);
  g_autoptr(GSocket) client = udp_client_new ();
  g_autoptr(SySession) live = NULL;
  g_autoptr(SySession) logged = NULL;

  start_tunnel (f, dialer, "echo.test", 0);

  udp_client_send (client, f->tunnel_address, "a", 1);
  while (g_queue_get_length (&((TestDialer *) dialer)->pending) < 1)
    iterate_for (5);
  live = the_live_session (f->dispatcher);

  /* the tunnel goes while the name is being resolved; the answer that
   * comes later finds the association ended and changes nothing */
  sy_udp_proxy_tunnel_stop (f->tunnel);
  g_assert_cmpuint (sy_dispatcher_get_active_count (f->dispatcher), ==, 0);
  test_dialer_answer ((TestDialer *) dialer);
  iterate_for (20);
  udp_client_assert_quiet (client, 20);

  logged = find_logged_session (f->dispatcher, live->id);
  g_assert_nonnull (logged);
  g_assert_cmpint (logged->state, ==, SY_SESSION_STATE_CLOSED);
  g_assert_cmpuint (logged->bytes_up, ==, 0);
}

#define BATCH 200
#define BATCHES 5

static void
test_no_fd_growth (Fixture       *f,
                   gconstpointer  user_data)
{
  guint baseline;
  guint64 total_before;
  gint64 start;

  start_tunnel (f, NULL, "127.0.0.1", 100);
  baseline = sy_test_count_open_sockets ();
  total_before = sy_dispatcher_get_traffic (f->dispatcher)->sessions_total;

  start = g_get_monotonic_time ();
  for (guint batch = 0; batch < BATCHES; batch++)
    {
      GSocket *clients[BATCH];

      for (guint i = 0; i < BATCH; i++)
        {
          clients[i] = udp_client_new ();
          udp_client_send (clients[i], f->tunnel_address, "x", 1);
        }
      /* every one got its own association and its own outbound socket */
      wait_associations (f, BATCH);
      g_assert_cmpuint (sy_test_count_open_sockets (), >=, baseline + 2 * BATCH);

      for (guint i = 0; i < BATCH; i++)
        g_object_unref (clients[i]);
      wait_associations (f, 0);
    }
  g_test_message ("%u associations created and expired in %.0f ms",
                  BATCH * BATCHES, (g_get_monotonic_time () - start) / 1000.0);

  g_assert_cmpuint (sy_dispatcher_get_traffic (f->dispatcher)->sessions_total - total_before,
                    ==, BATCH * BATCHES);
  g_assert_cmpuint (sy_dispatcher_get_active_count (f->dispatcher), ==, 0);
  g_assert_cmpuint (sy_test_count_open_sockets (), ==, baseline);
}

static void
test_eviction (Fixture       *f,
               gconstpointer  user_data)
{
  GSocket *clients[5];
  guint64 ids[5];
  guint8 buffer[64];

  start_tunnel (f, NULL, "127.0.0.1", 0);
  sy_udp_proxy_tunnel_set_max_associations (f->tunnel, 3);

  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      clients[i] = udp_client_new ();
      udp_client_send (clients[i], f->tunnel_address, "hi", 2);
      g_assert_cmpuint (udp_client_receive (clients[i], buffer, sizeof buffer), ==, 2);
      ids[i] = association_of (f, clients[i]).session_id;
      /* client 0 stays the most recently active one */
      udp_client_send (clients[0], f->tunnel_address, "me", 2);
      g_assert_cmpuint (udp_client_receive (clients[0], buffer, sizeof buffer), ==, 2);
    }

  /* 3 at most: clients 1 and 2, the least recently active, made room */
  g_assert_cmpuint (sy_udp_proxy_tunnel_get_n_associations (f->tunnel), ==, 3);
  g_assert_cmpuint (sy_dispatcher_get_active_count (f->dispatcher), ==, 3);
  g_assert_cmpuint (association_of (f, clients[0]).session_id, ==, ids[0]);
  g_assert_cmpuint (association_of (f, clients[3]).session_id, ==, ids[3]);
  g_assert_cmpuint (association_of (f, clients[4]).session_id, ==, ids[4]);
  for (guint i = 1; i <= 2; i++)
    {
      g_autoptr(SySession) logged = find_logged_session (f->dispatcher, ids[i]);

      g_assert_nonnull (logged);
      g_assert_cmpint (logged->state, ==, SY_SESSION_STATE_CLOSED);
      g_assert_true (g_str_has_prefix (logged->error, "Least recently active of 3"));
    }

  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    g_object_unref (clients[i]);
  sy_udp_proxy_tunnel_stop (f->tunnel);
}

static void
test_bind_every_address (Fixture       *f,
                         gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) client = udp_client_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) to = NULL;
  g_autoptr(GInetSocketAddress) seen = NULL;
  g_autoptr(GInetSocketAddress) local = NULL;
  g_autoptr(GInetAddress) mapped = NULL;
  SyUdpAssociationStats stats;
  GInetSocketAddress *bound;
  guint8 buffer[64];

  /* wireproxy's BindAddress = :PORT: one socket for IPv4 and IPv6 */
  f->tunnel = sy_udp_proxy_tunnel_new (f->dispatcher, "udp", "", 0, "127.0.0.1",
                                       f->echo->port, f->direct, 0);
  g_assert_true (sy_udp_proxy_tunnel_start (f->tunnel, &error));
  g_assert_no_error (error);
  bound = G_INET_SOCKET_ADDRESS (sy_udp_proxy_tunnel_get_local_address (f->tunnel));
  g_assert_true (g_inet_address_get_is_any (g_inet_socket_address_get_address (bound)));

  to = g_inet_socket_address_new (loopback, g_inet_socket_address_get_port (bound));
  udp_client_send (client, to, "v4", 2);
  g_assert_cmpuint (udp_client_receive (client, buffer, sizeof buffer), ==, 2);

  /* the dual-stack socket sees the IPv4 client as ::ffff:127.0.0.1 */
  local = udp_client_address (client);
  mapped = g_inet_address_new_from_string ("::ffff:127.0.0.1");
  seen = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (mapped,
                                                           g_inet_socket_address_get_port (local)));
  if (g_inet_address_get_family (g_inet_socket_address_get_address (bound)) == G_SOCKET_FAMILY_IPV6)
    g_assert_true (sy_udp_proxy_tunnel_get_association (f->tunnel, seen, &stats));
  else
    g_assert_true (sy_udp_proxy_tunnel_get_association (f->tunnel, local, &stats));
  g_assert_cmpuint (stats.packets_down, ==, 1);

  sy_udp_proxy_tunnel_stop (f->tunnel);
}

static void
test_address_in_use (Fixture       *f,
                     gconstpointer  user_data)
{
  g_autoptr(SyUdpProxyTunnel) second = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  start_tunnel (f, NULL, "127.0.0.1", 0);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (f->tunnel_address));

  second = sy_udp_proxy_tunnel_new (f->dispatcher, "udp2", "127.0.0.1", port,
                                    "127.0.0.1", f->echo->port, f->direct, 0);
  g_assert_false (sy_udp_proxy_tunnel_start (second, &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_ADDRESS_IN_USE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/core/tunnel/udp/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("two-clients", test_two_clients);
  ADD ("large-datagram", test_large_datagram);
  ADD ("inactivity", test_inactivity);
  ADD ("close-session", test_close_session);
  ADD ("stray-sender", test_stray_sender);
  ADD ("target-name", test_target_name);
  ADD ("target-unresolvable", test_target_unresolvable);
  ADD ("stop-while-resolving", test_stop_while_resolving);
  ADD ("no-fd-growth", test_no_fd_growth);
  ADD ("eviction", test_eviction);
  ADD ("bind-every-address", test_bind_every_address);
  ADD ("address-in-use", test_address_in_use);

#undef ADD

  return g_test_run ();
}
