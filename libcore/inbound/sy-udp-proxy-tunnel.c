/* sy-udp-proxy-tunnel.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The per-datagram path allocates nothing: the tunnel reads into one
 * buffer it owns, finds the association by a key built on the stack from
 * the sender's sockaddr, and replies go out with sendto(2) to the sockaddr
 * the association keeps. Allocation happens when an association is created
 * (its session, its outbound socket) and, for a target given by name,
 * while its first datagrams wait for the name to resolve.
 *
 * Expiry. Associations sit in a queue ordered by their last datagram,
 * oldest first: a datagram moves its association to the tail (two pointer
 * swaps on an embedded link). One timer per tunnel — the ready time of its
 * own GSource — fires for the head; it ends what has expired and re-arms
 * for the new head. Traffic never touches the timer.
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-tunnel"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "sy-tunnel-bind.h"
#include "sy-tunnel-conn.h"
#include "sy-udp-proxy-tunnel.h"
#include "util/sy-error.h"

/* The largest UDP payload fits; MSG_TRUNC tells a longer one apart. */
#define RECV_BUFFER_SIZE 65536

/* Datagrams read per wakeup before the loop serves others. */
#define RECV_BUDGET 64

/* Datagrams kept per association while its target's name resolves: enough
 * for a DNS client's retries or a game's hello burst, not a flood. */
#define MAX_PENDING 8

/* Each association holds a descriptor (direct) or a netstack socket. A DNS
 * forwarder — the common use — sees a new source port per query, and with
 * wireproxy's default InactivityTimeout=0 nothing would ever end them: at
 * RLIMIT_NOFILE's usual soft limit of 1024 the process would run out of
 * descriptors. Past this many, the least recently active one makes room. */
#define DEFAULT_MAX_ASSOCIATIONS 512

typedef struct
{
  guint16 family;
  guint16 port;
  guint32 scope_id;
  guint8  address[16];
} ClientKey;

typedef enum
{
  ASSOCIATION_RESOLVING,
  ASSOCIATION_OPEN,
  ASSOCIATION_ENDED,
} AssociationState;

typedef struct _Association Association;

struct _Association
{
  guint                    ref_count;      /* main-loop only */
  SyUdpProxyTunnel        *tunnel;         /* not a reference; cleared when ended */
  AssociationState         state;

  ClientKey                key;
  struct sockaddr_storage  client_native;
  socklen_t                client_length;

  SySession               *session;
  gulong                   cancelled_handler;
  gboolean                 closing;        /* a close request is waiting for the timer */

  GCancellable            *resolve_cancellable;
  GQueue                   pending;        /* GBytes * while resolving */
  GInetSocketAddress      *target;
  SyDatagramSession       *datagram;

  GList                    link;           /* in tunnel->lru; data = this */
  gint64                   last_activity;

  guint64                  packets_up;
  guint64                  packets_down;
  guint64                  dropped;
  guint64                  stray;
};

struct _SyUdpProxyTunnel
{
  GObject             parent_instance;

  SyDispatcher       *dispatcher;
  char               *name;
  char               *bind_host;
  guint16             bind_port;
  char               *target_host;
  guint16             target_port;
  GInetSocketAddress *target_literal;      /* when target_host is an IP literal */
  SyDatagramDialer   *dialer;
  gint64              inactivity_us;       /* 0: never */
  guint               max_associations;    /* 0: no limit */

  GSocket            *socket;
  int                 fd;
  GSource            *socket_source;
  GSocketAddress     *local_address;
  guint8             *buffer;

  GHashTable         *associations;        /* ClientKey * → Association * (key inside) */
  GQueue              lru;                 /* Association.link, least recently active first */
  GSource            *expiry_source;
};

G_DEFINE_FINAL_TYPE (SyUdpProxyTunnel, sy_udp_proxy_tunnel, G_TYPE_OBJECT)

static void association_end (Association  *assoc,
                             const GError *error);

/* Client keys ------------------------------------------------------------ */

static guint
client_key_hash (gconstpointer data)
{
  const ClientKey *key = data;
  guint hash = 2166136261u;

  /* FNV-1a over what identifies the client */
  for (guint i = 0; i < sizeof key->address; i++)
    hash = (hash ^ key->address[i]) * 16777619u;
  hash = (hash ^ key->port) * 16777619u;
  hash = (hash ^ key->family) * 16777619u;

  return hash ^ key->scope_id;
}

static gboolean
client_key_equal (gconstpointer a,
                  gconstpointer b)
{
  return memcmp (a, b, sizeof (ClientKey)) == 0;
}

static gboolean
client_key_from_native (const struct sockaddr_storage *native,
                        ClientKey                     *key)
{
  memset (key, 0, sizeof *key);

  if (native->ss_family == AF_INET)
    {
      const struct sockaddr_in *sin = (const struct sockaddr_in *) native;

      key->family = AF_INET;
      key->port = sin->sin_port;
      memcpy (key->address, &sin->sin_addr, sizeof sin->sin_addr);
      return TRUE;
    }

  if (native->ss_family == AF_INET6)
    {
      const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) native;

      key->family = AF_INET6;
      key->port = sin6->sin6_port;
      key->scope_id = sin6->sin6_scope_id;
      memcpy (key->address, &sin6->sin6_addr, sizeof sin6->sin6_addr);
      return TRUE;
    }

  return FALSE;
}

static gboolean
same_inet_socket_address (GInetSocketAddress *a,
                          GInetSocketAddress *b)
{
  return a == b ||
         (g_inet_socket_address_get_port (a) == g_inet_socket_address_get_port (b) &&
          g_inet_address_equal (g_inet_socket_address_get_address (a),
                                g_inet_socket_address_get_address (b)));
}

/* Associations ----------------------------------------------------------- */

static Association *
association_ref (Association *assoc)
{
  assoc->ref_count++;
  return assoc;
}

static void
association_unref (Association *assoc)
{
  g_assert (assoc->ref_count > 0);

  if (--assoc->ref_count > 0)
    return;

  g_assert (assoc->state == ASSOCIATION_ENDED);
  g_clear_object (&assoc->resolve_cancellable);
  g_clear_object (&assoc->target);
  g_clear_pointer (&assoc->session, sy_session_unref);
  g_free (assoc);
}

static void
association_touch (Association *assoc)
{
  SyUdpProxyTunnel *self = assoc->tunnel;

  assoc->last_activity = g_get_monotonic_time ();
  if (self->lru.tail != &assoc->link)
    {
      g_queue_unlink (&self->lru, &assoc->link);
      g_queue_push_tail_link (&self->lru, &assoc->link);
    }
}

static void
association_send_up (Association  *assoc,
                     const guint8 *data,
                     gsize         length)
{
  if (!sy_datagram_session_send (assoc->datagram, data, length, assoc->target, NULL))
    {
      /* A full queue or an unreachable target: UDP drops, and so do we. */
      assoc->dropped++;
      return;
    }

  assoc->packets_up++;
  sy_session_add_bytes (assoc->session, length, 0);
}

static void
association_recv_cb (SyDatagramSession  *datagram,
                     const guint8       *data,
                     gsize               length,
                     GInetSocketAddress *from,
                     gpointer            user_data)
{
  Association *assoc = user_data;
  SyUdpProxyTunnel *self = assoc->tunnel;
  gssize n;

  if (assoc->state != ASSOCIATION_OPEN || assoc->closing)
    return;

  /* Like wireproxy's connected socket: only the target may answer. Anyone
   * else who finds the outbound port must not reach the client. */
  if (!same_inet_socket_address (from, assoc->target))
    {
      assoc->stray++;
      return;
    }

  do
    n = sendto (self->fd, data, length, MSG_DONTWAIT | MSG_NOSIGNAL,
                (struct sockaddr *) &assoc->client_native, assoc->client_length);
  while (n < 0 && errno == EINTR);

  if (n < 0)
    {
      assoc->dropped++;
      return;
    }

  assoc->packets_down++;
  sy_session_add_bytes (assoc->session, 0, length);
  association_touch (assoc);
}

static void
association_open (Association        *assoc,
                  GInetSocketAddress *target)
{
  SyUdpProxyTunnel *self = assoc->tunnel;
  GInetAddress *address = g_inet_socket_address_get_address (target);
  g_autoptr(GError) error = NULL;

  assoc->datagram = sy_datagram_dialer_open (self->dialer, g_inet_address_get_family (address),
                                             association_recv_cb, assoc, &error);
  if (assoc->datagram == NULL)
    {
      g_prefix_error (&error, "Cannot open a UDP socket through %s: ",
                      sy_datagram_dialer_get_name (self->dialer));
      association_end (assoc, error);
      return;
    }

  g_set_object (&assoc->target, target);
  assoc->state = ASSOCIATION_OPEN;
  sy_session_set_state (assoc->session, SY_SESSION_STATE_ESTABLISHED);

  while (!g_queue_is_empty (&assoc->pending))
    {
      g_autoptr(GBytes) bytes = g_queue_pop_head (&assoc->pending);

      association_send_up (assoc, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    }
}

static void
association_resolved_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  Association *assoc = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) target = NULL;
  GList *addresses;

  addresses = sy_datagram_dialer_resolve_finish (SY_DATAGRAM_DIALER (object), result, &error);

  if (assoc->state == ASSOCIATION_ENDED)
    {
      g_resolver_free_addresses (addresses);
      association_unref (assoc);
      return;
    }

  if (addresses == NULL)
    {
      g_prefix_error (&error, "Cannot resolve %s: ", assoc->tunnel->target_host);
      association_end (assoc, error);
      association_unref (assoc);
      return;
    }

  /* The dialer's order is the outbound's preference (wireproxy's
   * ResolveStrategy for a WireGuard outbound). */
  target = g_inet_socket_address_new (addresses->data, assoc->tunnel->target_port);
  g_resolver_free_addresses (addresses);

  association_open (assoc, G_INET_SOCKET_ADDRESS (target));
  association_unref (assoc);
}

static void
association_cancelled_cb (GCancellable *cancellable,
                          gpointer      user_data)
{
  Association *assoc = user_data;
  SyUdpProxyTunnel *self = assoc->tunnel;

  /* A close request. Inside this handler the session's cancellable cannot
   * be disconnected (g_cancellable_disconnect() would deadlock), so the
   * association goes to the head of the queue and the timer ends it. */
  assoc->closing = TRUE;
  g_queue_unlink (&self->lru, &assoc->link);
  g_queue_push_head_link (&self->lru, &assoc->link);
  g_source_set_ready_time (self->expiry_source, 0);
}

static void
arm_expiry (SyUdpProxyTunnel *self)
{
  Association *head;

  if (self->lru.head == NULL)
    {
      g_source_set_ready_time (self->expiry_source, -1);
      return;
    }

  head = self->lru.head->data;
  if (head->closing)
    g_source_set_ready_time (self->expiry_source, 0);
  else if (self->inactivity_us > 0)
    g_source_set_ready_time (self->expiry_source, head->last_activity + self->inactivity_us);
  else
    g_source_set_ready_time (self->expiry_source, -1);
}

/* Ends the least recently active association to make room for a new one. */
static void
association_evict_oldest (SyUdpProxyTunnel *self)
{
  Association *oldest = self->lru.head->data;
  g_autoptr(GError) error = NULL;

  if (oldest->closing)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "The session was closed");
  else
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                         "Least recently active of %u associations, ended to make room for "
                         "a new client", self->max_associations);
  association_end (oldest, error);
}

/* Registers a new association (the tunnel's reference) and starts
 * resolving its target when that is a name; the caller opens it when the
 * target is an IP literal. */
static Association *
association_new (SyUdpProxyTunnel              *self,
                 const ClientKey               *key,
                 const struct sockaddr_storage *native,
                 socklen_t                      length)
{
  g_autoptr(GSocketAddress) client = NULL;
  Association *assoc;

  while (self->max_associations > 0 &&
         g_hash_table_size (self->associations) >= self->max_associations)
    association_evict_oldest (self);

  assoc = g_new0 (Association, 1);
  assoc->ref_count = 1;
  assoc->tunnel = self;
  assoc->key = *key;
  memcpy (&assoc->client_native, native, length);
  assoc->client_length = length;
  assoc->link.data = assoc;
  assoc->last_activity = g_get_monotonic_time ();
  g_queue_init (&assoc->pending);

  client = g_socket_address_new_from_native ((gpointer) native, length);
  assoc->session = sy_tunnel_session_new (self->dispatcher, SY_NETWORK_UDP, self->name,
                                          SY_TUNNEL_PROTOCOL_UDP, client,
                                          self->target_host, self->target_port);
  sy_session_set_outbound (assoc->session, sy_datagram_dialer_get_name (self->dialer), NULL);
  assoc->cancelled_handler = g_cancellable_connect (assoc->session->cancellable,
                                                    G_CALLBACK (association_cancelled_cb),
                                                    assoc, NULL);

  g_hash_table_insert (self->associations, &assoc->key, assoc);
  g_queue_push_tail_link (&self->lru, &assoc->link);
  if (g_source_get_ready_time (self->expiry_source) < 0)
    arm_expiry (self);

  if (self->target_literal != NULL)
    return assoc;

  assoc->state = ASSOCIATION_RESOLVING;
  sy_session_set_state (assoc->session, SY_SESSION_STATE_CONNECTING);
  assoc->resolve_cancellable = g_cancellable_new ();
  sy_datagram_dialer_resolve_async (self->dialer, self->target_host, assoc->resolve_cancellable,
                                    association_resolved_cb, association_ref (assoc));

  return assoc;
}

/* Ends the association and its session (@error NULL: a clean end) and
 * drops the tunnel's reference. */
static void
association_end (Association  *assoc,
                 const GError *error)
{
  SyUdpProxyTunnel *self = assoc->tunnel;

  if (assoc->state == ASSOCIATION_ENDED)
    return;
  assoc->state = ASSOCIATION_ENDED;

  /* Ending the session cancels its cancellable: not a close request. */
  g_cancellable_disconnect (assoc->session->cancellable, assoc->cancelled_handler);
  assoc->cancelled_handler = 0;

  if (assoc->resolve_cancellable != NULL)
    g_cancellable_cancel (assoc->resolve_cancellable);
  g_clear_pointer (&assoc->datagram, sy_datagram_session_close);
  g_queue_clear_full (&assoc->pending, (GDestroyNotify) g_bytes_unref);

  g_hash_table_remove (self->associations, &assoc->key);
  g_queue_unlink (&self->lru, &assoc->link);
  assoc->tunnel = NULL;

  sy_dispatcher_end_session (self->dispatcher, assoc->session, error);

  association_unref (assoc);
}

/* The timer --------------------------------------------------------------- */

typedef struct
{
  GSource           parent;
  SyUdpProxyTunnel *tunnel;
} ExpirySource;

static gboolean
expiry_dispatch (GSource     *source,
                 GSourceFunc  callback,
                 gpointer     user_data)
{
  SyUdpProxyTunnel *self = ((ExpirySource *) source)->tunnel;
  gint64 now = g_source_get_time (source);

  while (self->lru.head != NULL)
    {
      Association *head = self->lru.head->data;

      if (head->closing)
        {
          g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                         "The session was closed");

          association_end (head, error);
        }
      else if (self->inactivity_us > 0 && head->last_activity + self->inactivity_us <= now)
        {
          g_autoptr(GError) error = NULL;
          guint ms = self->inactivity_us / 1000;

          if (ms % 1000 == 0)
            error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                 "No datagram either way for %u s", ms / 1000);
          else
            error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                 "No datagram either way for %u ms", ms);
          association_end (head, error);
        }
      else
        break;
    }

  arm_expiry (self);

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs expiry_source_funcs = {
  .dispatch = expiry_dispatch,
};

/* The tunnel's socket ---------------------------------------------------- */

static gboolean
socket_readable_cb (GSocket      *socket,
                    GIOCondition  condition,
                    gpointer      user_data)
{
  SyUdpProxyTunnel *self = user_data;

  for (guint i = 0; i < RECV_BUDGET && self->socket_source != NULL; i++)
    {
      struct sockaddr_storage native;
      socklen_t length = sizeof native;
      ClientKey key;
      Association *assoc;
      gssize n;

      n = recvfrom (self->fd, self->buffer, RECV_BUFFER_SIZE, MSG_DONTWAIT | MSG_TRUNC,
                    (struct sockaddr *) &native, &length);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno != EAGAIN)
            g_debug ("tunnel “%s”: %s", self->name, g_strerror (errno));
          break;
        }

      if (n > RECV_BUFFER_SIZE || !client_key_from_native (&native, &key))
        continue;

      assoc = g_hash_table_lookup (self->associations, &key);
      if (assoc != NULL && assoc->closing)
        {
          /* Closed on request but not reaped yet: this datagram starts afresh. */
          g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                         "The session was closed");

          association_end (assoc, error);
          assoc = NULL;
        }
      if (assoc == NULL)
        {
          assoc = association_ref (association_new (self, &key, &native, length));
          if (self->target_literal != NULL)
            association_open (assoc, self->target_literal);
        }
      else
        {
          association_ref (assoc);
          association_touch (assoc);
        }

      /* an association that failed to open has ended: the datagram is lost */
      if (assoc->state == ASSOCIATION_OPEN)
        association_send_up (assoc, self->buffer, n);
      else if (assoc->state == ASSOCIATION_RESOLVING &&
               g_queue_get_length (&assoc->pending) < MAX_PENDING)
        g_queue_push_tail (&assoc->pending, g_bytes_new (self->buffer, n));
      else
        assoc->dropped++;

      association_unref (assoc);
    }

  return G_SOURCE_CONTINUE;
}

/* Object ----------------------------------------------------------------- */

static void
sy_udp_proxy_tunnel_dispose (GObject *object)
{
  SyUdpProxyTunnel *self = SY_UDP_PROXY_TUNNEL (object);

  sy_udp_proxy_tunnel_stop (self);

  G_OBJECT_CLASS (sy_udp_proxy_tunnel_parent_class)->dispose (object);
}

static void
sy_udp_proxy_tunnel_finalize (GObject *object)
{
  SyUdpProxyTunnel *self = SY_UDP_PROXY_TUNNEL (object);

  g_assert (g_hash_table_size (self->associations) == 0);

  g_clear_pointer (&self->associations, g_hash_table_unref);
  g_clear_object (&self->dispatcher);
  g_clear_object (&self->dialer);
  g_clear_object (&self->target_literal);
  g_free (self->name);
  g_free (self->bind_host);
  g_free (self->target_host);

  G_OBJECT_CLASS (sy_udp_proxy_tunnel_parent_class)->finalize (object);
}

static void
sy_udp_proxy_tunnel_class_init (SyUdpProxyTunnelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_udp_proxy_tunnel_dispose;
  object_class->finalize = sy_udp_proxy_tunnel_finalize;
}

static void
sy_udp_proxy_tunnel_init (SyUdpProxyTunnel *self)
{
  self->fd = -1;
  self->max_associations = DEFAULT_MAX_ASSOCIATIONS;
  self->associations = g_hash_table_new (client_key_hash, client_key_equal);
  g_queue_init (&self->lru);
}

SyUdpProxyTunnel *
sy_udp_proxy_tunnel_new (SyDispatcher     *dispatcher,
                         const char       *name,
                         const char       *bind_host,
                         guint16           bind_port,
                         const char       *target_host,
                         guint16           target_port,
                         SyDatagramDialer *dialer,
                         guint             inactivity_timeout_ms)
{
  SyUdpProxyTunnel *self;
  g_autoptr(GInetAddress) literal = NULL;

  g_return_val_if_fail (SY_IS_DISPATCHER (dispatcher), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (target_host != NULL && target_host[0] != '\0', NULL);
  g_return_val_if_fail (SY_IS_DATAGRAM_DIALER (dialer), NULL);

  self = g_object_new (SY_TYPE_UDP_PROXY_TUNNEL, NULL);
  self->dispatcher = g_object_ref (dispatcher);
  self->name = g_strdup (name);
  self->bind_host = g_strdup (bind_host);
  self->bind_port = bind_port;
  self->target_host = g_strdup (target_host);
  self->target_port = target_port;
  self->dialer = g_object_ref (dialer);
  self->inactivity_us = (gint64) inactivity_timeout_ms * 1000;

  literal = g_inet_address_new_from_string (target_host);
  if (literal != NULL)
    self->target_literal = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (literal, target_port));

  return self;
}

const char *
sy_udp_proxy_tunnel_get_name (SyUdpProxyTunnel *self)
{
  g_return_val_if_fail (SY_IS_UDP_PROXY_TUNNEL (self), NULL);

  return self->name;
}

GSocketAddress *
sy_udp_proxy_tunnel_get_local_address (SyUdpProxyTunnel *self)
{
  g_return_val_if_fail (SY_IS_UDP_PROXY_TUNNEL (self), NULL);

  return self->local_address;
}

void
sy_udp_proxy_tunnel_set_max_associations (SyUdpProxyTunnel *self,
                                          guint             max_associations)
{
  g_return_if_fail (SY_IS_UDP_PROXY_TUNNEL (self));

  self->max_associations = max_associations;
}

guint
sy_udp_proxy_tunnel_get_n_associations (SyUdpProxyTunnel *self)
{
  g_return_val_if_fail (SY_IS_UDP_PROXY_TUNNEL (self), 0);

  return g_hash_table_size (self->associations);
}

gboolean
sy_udp_proxy_tunnel_get_association (SyUdpProxyTunnel      *self,
                                     GInetSocketAddress    *client,
                                     SyUdpAssociationStats *stats)
{
  struct sockaddr_storage native;
  ClientKey key;
  Association *assoc;

  g_return_val_if_fail (SY_IS_UDP_PROXY_TUNNEL (self), FALSE);
  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (client), FALSE);
  g_return_val_if_fail (stats != NULL, FALSE);

  if (!g_socket_address_to_native (G_SOCKET_ADDRESS (client), &native, sizeof native, NULL) ||
      !client_key_from_native (&native, &key))
    return FALSE;

  assoc = g_hash_table_lookup (self->associations, &key);
  if (assoc == NULL)
    return FALSE;

  stats->session_id = assoc->session->id;
  stats->packets_up = assoc->packets_up;
  stats->packets_down = assoc->packets_down;
  stats->bytes_up = assoc->session->bytes_up;
  stats->bytes_down = assoc->session->bytes_down;
  stats->dropped = assoc->dropped;
  stats->stray = assoc->stray;

  return TRUE;
}

static GSocket *
bind_socket (SyUdpProxyTunnel  *self,
             GInetAddress      *address,
             GError           **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GInetAddress) any = NULL;
  g_autoptr(GError) local_error = NULL;

  if (address == NULL)
    {
      /* Every address: one IPv6 socket also takes IPv4 (GLib clears
       * IPV6_V6ONLY), else IPv4 alone on a host without IPv6. */
      any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);
      socket = g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_DATAGRAM,
                             G_SOCKET_PROTOCOL_UDP, NULL);
      if (socket == NULL)
        {
          g_clear_object (&any);
          any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
        }
      address = any;
    }

  if (socket == NULL)
    socket = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_DATAGRAM,
                           G_SOCKET_PROTOCOL_UDP, error);
  if (socket == NULL)
    return NULL;

  /* No allow_reuse: for datagram sockets GLib would set SO_REUSEPORT, and
   * another program could then bind the port and take our clients' traffic. */
  socket_address = g_inet_socket_address_new (address, self->bind_port);
  if (!g_socket_bind (socket, socket_address, FALSE, &local_error))
    {
      g_autofree char *where = sy_tunnel_describe_bind (address, self->bind_port);

      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        g_set_error (error, SY_ERROR, SY_ERROR_ADDRESS_IN_USE,
                     "Tunnel “%s” cannot listen on UDP %s: the port is already in use. Pick "
                     "another BindAddress or stop the program using it",
                     self->name, where);
      else
        g_set_error (error, local_error->domain, local_error->code,
                     "Tunnel “%s” cannot listen on UDP %s: %s", self->name, where,
                     local_error->message);
      return NULL;
    }

  return g_steal_pointer (&socket);
}

gboolean
sy_udp_proxy_tunnel_start (SyUdpProxyTunnel  *self,
                           GError           **error)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocket) socket = NULL;

  g_return_val_if_fail (SY_IS_UDP_PROXY_TUNNEL (self), FALSE);

  if (self->socket != NULL)
    return TRUE;

  if (!sy_tunnel_resolve_bind_host (self->bind_host, &address, error))
    return FALSE;

  socket = bind_socket (self, address, error);
  if (socket == NULL)
    return FALSE;

  self->local_address = g_socket_get_local_address (socket, error);
  if (self->local_address == NULL)
    return FALSE;

  self->socket = g_steal_pointer (&socket);
  self->fd = g_socket_get_fd (self->socket);
  self->buffer = g_malloc (RECV_BUFFER_SIZE);

  self->expiry_source = g_source_new (&expiry_source_funcs, sizeof (ExpirySource));
  ((ExpirySource *) self->expiry_source)->tunnel = self;
  g_source_set_static_name (self->expiry_source, "[switchyard] udp tunnel expiry");
  g_source_attach (self->expiry_source, NULL);

  self->socket_source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_callback (self->socket_source, G_SOURCE_FUNC (socket_readable_cb), self, NULL);
  g_source_set_static_name (self->socket_source, "[switchyard] udp tunnel");
  g_source_attach (self->socket_source, NULL);

  g_debug ("tunnel “%s”: UDP port %u → %s:%u through %s", self->name,
           g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (self->local_address)),
           self->target_host, self->target_port, sy_datagram_dialer_get_name (self->dialer));

  return TRUE;
}

void
sy_udp_proxy_tunnel_stop (SyUdpProxyTunnel *self)
{
  g_return_if_fail (SY_IS_UDP_PROXY_TUNNEL (self));

  if (self->socket == NULL)
    return;

  g_source_destroy (self->socket_source);
  g_clear_pointer (&self->socket_source, g_source_unref);

  while (self->lru.head != NULL)
    association_end (self->lru.head->data, NULL);

  g_source_destroy (self->expiry_source);
  g_clear_pointer (&self->expiry_source, g_source_unref);

  g_socket_close (self->socket, NULL);
  g_clear_object (&self->socket);
  self->fd = -1;
  g_clear_object (&self->local_address);
  g_clear_pointer (&self->buffer, g_free);
}
