/* sy-relay.c — copies both ways between a client stream and an outbound stream
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-relay"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gfiledescriptorbased.h>

#include "sy-relay.h"
#include "util/sy-error.h"

/*
 * A relay is two independent directions, "up" (client → destination) and
 * "down" (destination → client), each a small state machine:
 *
 *   reading → (bytes in flight) → writing → reading … → EOF → shut down the
 *   destination's write side (a FIN, RFC 9293 §3.6) → done.
 *
 * A direction never reads while it holds bytes the destination has not taken:
 * that is the backpressure, and it bounds a session to one buffer (or one
 * pipe) per direction. The relay ends when both directions are done, on the
 * first error, when the session's cancellable fires, or after the idle
 * timeout.
 *
 * Two engines move the bytes:
 *
 * - splice(2), when both ends are kernel stream sockets (GSocketConnection,
 *   not TLS, not a GTcpWrapperConnection whose bytes pass through another
 *   stream): socket → pipe → socket, the payload never enters user space. One
 *   GSource per relay polls both fds; which events each fd is polled for is
 *   recomputed after every step, so an fd is only watched for what a
 *   direction is waiting on.
 *
 * - a buffered copy through any GIOStream whose halves are pollable (TLS,
 *   in-process tunnels, wrapped streams), non-blocking reads and writes
 *   driven by g_pollable_*_create_source().
 *
 * Memory of idle sessions. The bench keeps 1000 idle sessions open, and
 * real desktops hold hundreds of mostly idle keep-alive connections: a buffer
 * pinned per direction would cost 128 KiB a session, and a pipe pinned per
 * direction four extra fds a session. So a direction takes a buffer or a pipe
 * only when it reads, and gives it back as soon as the destination has taken
 * every byte. Given-back buffers and (empty) pipes go to a small per-thread
 * cache, so a busy relay does not call malloc() or pipe2() per chunk; the
 * cache is capped, so idle times do not pin more than a few of them.
 *
 * Wakeups. Nothing is allocated, and no GSource is added or removed, per
 * chunk. The splice engine's fds are plain GPollFDs of the relay's own
 * source whose event masks are edited in place: g_main_context_query() reads
 * them at every iteration, whereas g_source_modify_unix_fd() writes to the
 * context's eventfd on every call in GLib 2.74. The relay's sources may
 * recurse, because GLib otherwise takes a non-recursive source's fds out of
 * the poll set and puts them back around every dispatch (a GPollRec
 * allocation and two eventfd writes per fd, per dispatch); the relay never
 * iterates the main loop from its callbacks, so it never recurses. The
 * pollable sources of the buffered engine still pay that for their child fd
 * source, which GIO does not expose. The idle timer is the relay source's
 * ready time: moving bytes only records the time, and the timer, when it
 * fires, re-arms itself at last-activity + timeout, so a busy session costs
 * one timer wake per timeout period and a session without a timeout none.
 *
 * SIGPIPE: creating any GSocket makes GIO ignore it process-wide, which
 * splice(2) into a reset socket relies on (it takes no MSG_NOSIGNAL).
 */

#define SY_RELAY_DEFAULT_BUFFER_SIZE (64 * 1024)

/* How much one direction moves per dispatch before it lets the main loop
 * serve the other sessions: a bulk transfer costs at most one poll(2) per
 * 256 KiB, and one busy session delays the others by no more than that. */
#define SY_RELAY_DISPATCH_BUDGET (256 * 1024)

/* Capacity asked of each splice pipe (F_SETPIPE_SZ). A 2 GiB loopback
 * transfer on a 2-core machine, relay thread CPU per GiB (median of 6):
 * 64 KiB (the default) 0.37 s, 256 KiB 0.33 s, 1 MiB 0.24 s, and 0.60 s for
 * the buffered engine; throughput was bound by the peers sharing the cores.
 * 1 MiB would save more, but pipe capacity counts against the user's
 * pipe-user-pages-soft (64 MiB by default, shared with every program of the
 * user; past it, new pipes get 8 KiB), and a direction keeps its pipe for as
 * long as it has bytes in flight, that is for the whole of a bulk transfer:
 * 256 KiB leaves room for 256 of them. When the kernel refuses, the pipe
 * keeps its default size. Re-measure with bench/. */
#define SY_RELAY_PIPE_SIZE (256 * 1024)

/* Spare pipes and buffers kept per thread: enough for the directions that
 * hit backpressure at the same moment on a busy desktop, at most
 * 16 × 64 KiB of idle memory and 32 idle fds. */
#define SY_RELAY_CACHE_PIPES   16
#define SY_RELAY_CACHE_BUFFERS 16

/* Per-thread cache ------------------------------------------------------- */

typedef struct
{
  int   rd;
  int   wr;
  gsize size;
} SyRelayPipe;

typedef struct
{
  SyRelayPipe  pipes[SY_RELAY_CACHE_PIPES];
  guint        n_pipes;
  guint8      *buffers[SY_RELAY_CACHE_BUFFERS];
  gsize        buffer_sizes[SY_RELAY_CACHE_BUFFERS];
  guint        n_buffers;
} SyRelayCache;

static void
sy_relay_cache_clear (SyRelayCache *cache)
{
  while (cache->n_pipes > 0)
    {
      SyRelayPipe *pipe = &cache->pipes[--cache->n_pipes];

      close (pipe->rd);
      close (pipe->wr);
    }

  while (cache->n_buffers > 0)
    g_free (cache->buffers[--cache->n_buffers]);
}

static void
sy_relay_cache_free (gpointer data)
{
  sy_relay_cache_clear (data);
  g_free (data);
}

static GPrivate cache_key = G_PRIVATE_INIT (sy_relay_cache_free);

static SyRelayCache *
sy_relay_cache_get (void)
{
  SyRelayCache *cache = g_private_get (&cache_key);

  if (G_UNLIKELY (cache == NULL))
    {
      cache = g_new0 (SyRelayCache, 1);
      g_private_set (&cache_key, cache);
    }

  return cache;
}

void
sy_relay_release_cache (void)
{
  SyRelayCache *cache = g_private_get (&cache_key);

  if (cache != NULL)
    sy_relay_cache_clear (cache);
}

static guint8 *
sy_relay_buffer_acquire (gsize size)
{
  SyRelayCache *cache = sy_relay_cache_get ();

  for (guint i = cache->n_buffers; i > 0; i--)
    {
      if (cache->buffer_sizes[i - 1] == size)
        {
          guint8 *buffer = cache->buffers[i - 1];

          cache->n_buffers--;
          cache->buffers[i - 1] = cache->buffers[cache->n_buffers];
          cache->buffer_sizes[i - 1] = cache->buffer_sizes[cache->n_buffers];
          return buffer;
        }
    }

  return g_malloc (size);
}

static void
sy_relay_buffer_release (guint8 *buffer,
                         gsize   size)
{
  SyRelayCache *cache = sy_relay_cache_get ();

  if (cache->n_buffers == SY_RELAY_CACHE_BUFFERS)
    {
      g_free (buffer);
      return;
    }

  cache->buffers[cache->n_buffers] = buffer;
  cache->buffer_sizes[cache->n_buffers] = size;
  cache->n_buffers++;
}

static gboolean
sy_relay_pipe_acquire (SyRelayPipe  *pipe,
                       GError      **error)
{
  SyRelayCache *cache = sy_relay_cache_get ();
  int fds[2];
  int size;

  if (cache->n_pipes > 0)
    {
      *pipe = cache->pipes[--cache->n_pipes];
      return TRUE;
    }

  if (pipe2 (fds, O_NONBLOCK | O_CLOEXEC) < 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Could not create a pipe to relay the connection: %s", g_strerror (errsv));
      return FALSE;
    }

  size = fcntl (fds[1], F_SETPIPE_SZ, SY_RELAY_PIPE_SIZE);
  if (size < 0)
    size = fcntl (fds[1], F_GETPIPE_SZ);

  pipe->rd = fds[0];
  pipe->wr = fds[1];
  pipe->size = size > 0 ? (gsize) size : 4096;

  return TRUE;
}

/* Only an empty pipe may be reused: a relay that ends with bytes still in
 * its pipe closes it instead. */
static void
sy_relay_pipe_release (SyRelayPipe *pipe,
                       gboolean     empty)
{
  SyRelayCache *cache = sy_relay_cache_get ();

  if (empty && cache->n_pipes < SY_RELAY_CACHE_PIPES)
    {
      cache->pipes[cache->n_pipes++] = *pipe;
    }
  else
    {
      close (pipe->rd);
      close (pipe->wr);
    }

  pipe->rd = pipe->wr = -1;
  pipe->size = 0;
}

/* Types ------------------------------------------------------------------ */

typedef struct _SyRelayDirection SyRelayDirection;

struct _SyRelayDirection
{
  SyRelay               *relay;
  const char            *src_name;     /* "client" / "destination", for messages */
  const char            *dst_name;
  GIOStream             *dst_stream;

  /* Bytes read but not yet taken by the destination: the inbound's
   * client_pending bytes first, then what the buffered path read. */
  GBytes                *pending;
  const guint8          *data;
  gsize                  len;

  /* splice(2) engine */
  GPollFD               *src_pfd;
  GPollFD               *dst_pfd;
  SyRelayPipe            pipe;         /* rd == -1 while the direction holds none */
  gsize                  in_pipe;

  /* buffered engine */
  GPollableInputStream  *in;
  GPollableOutputStream *out;
  GSource               *in_source;
  GSource               *out_source;
  guint8                *buffer;

  guint                  is_up : 1;
  guint                  eof : 1;      /* the source has ended */
  guint                  done : 1;     /* the destination's write side is shut down */
};

struct _SyRelay
{
  guint              ref_count;        /* main-loop only, so not atomic */

  SySession         *session;
  GIOStream         *client;
  GIOStream         *remote;
  SyRelayDoneFunc    done_func;
  gpointer           done_data;

  GMainContext      *context;
  GSource           *source;           /* fds (splice), idle timer, cancellation */
  GPollFD            client_pfd;
  GPollFD            remote_pfd;

  SyRelayDirection   up;
  SyRelayDirection   down;

  gsize              buffer_size;
  gint64             idle_timeout_us;
  gint64             last_activity;    /* monotonic µs of the last byte either way */

  GCancellable      *close_cancellable;  /* cut half-closes short when the relay fails */
  GError            *start_error;
  GError            *error;
  guint              pending_ops;      /* asynchronous closes under way */

  guint              spliced : 1;
  guint              client_polled : 1;
  guint              remote_polled : 1;
  guint              finishing : 1;
  guint              streams_closed : 1;
  guint              completed : 1;
};

typedef struct
{
  GSource  parent;
  SyRelay *relay;
} SyRelaySource;

static void direction_copy       (SyRelayDirection *dir);
static void relay_maybe_complete (SyRelay          *self);

static SyRelay *
sy_relay_ref (SyRelay *self)
{
  self->ref_count++;
  return self;
}

static void
sy_relay_free (SyRelay *self)
{
  g_assert (self->source == NULL);
  g_assert (self->pending_ops == 0);

  g_clear_pointer (&self->up.pending, g_bytes_unref);
  g_clear_pointer (&self->down.pending, g_bytes_unref);
  g_clear_object (&self->client);
  g_clear_object (&self->remote);
  g_clear_object (&self->close_cancellable);
  g_clear_error (&self->start_error);
  g_clear_error (&self->error);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->session, sy_session_unref);
  g_free (self);
}

static void
sy_relay_unref (SyRelay *self)
{
  g_assert (self->ref_count > 0);

  if (--self->ref_count == 0)
    sy_relay_free (self);
}

static void
source_destroy_and_unref (GSource *source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

/* Ending --------------------------------------------------------------- */

static void
direction_teardown (SyRelayDirection *dir)
{
  g_clear_pointer (&dir->in_source, source_destroy_and_unref);
  g_clear_pointer (&dir->out_source, source_destroy_and_unref);

  if (dir->buffer != NULL)
    sy_relay_buffer_release (g_steal_pointer (&dir->buffer), dir->relay->buffer_size);

  if (dir->pipe.rd >= 0)
    sy_relay_pipe_release (&dir->pipe, dir->in_pipe == 0);
  dir->in_pipe = 0;

  g_clear_pointer (&dir->pending, g_bytes_unref);
  dir->data = NULL;
  dir->len = 0;
}

/* Takes @error; %NULL for a clean end. Only the first end counts. */
static void
relay_finish (SyRelay *self,
              GError  *error)
{
  if (self->finishing)
    {
      g_clear_error (&error);
      return;
    }

  self->finishing = TRUE;
  self->error = error;

  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_clear_pointer (&self->source, g_source_unref);
    }

  direction_teardown (&self->up);
  direction_teardown (&self->down);

  /* A failed relay must not wait on a peer: an in-flight half-close (a TLS
   * close_notify, say) is cut short, and the final closes below skip their
   * graceful part. A cancelled close still closes the stream. */
  if (error != NULL)
    g_cancellable_cancel (self->close_cancellable);

  relay_maybe_complete (self);
}

static void
relay_stream_closed_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  SyRelay *self = user_data;

  /* The relay's end is already decided; a close error changes nothing. */
  g_io_stream_close_finish (G_IO_STREAM (object), result, NULL);

  self->pending_ops--;
  relay_maybe_complete (self);
  sy_relay_unref (self);
}

static void
relay_close_stream (SyRelay   *self,
                    GIOStream *stream)
{
  if (g_io_stream_is_closed (stream))
    return;

  /* close(2) of a kernel socket never blocks: the kernel keeps sending what
   * is queued. Anything else (TLS sends close_notify) may, so it closes
   * asynchronously and done waits for it. */
  if (G_IS_SOCKET_CONNECTION (stream) && !G_IS_TCP_WRAPPER_CONNECTION (stream))
    {
      g_io_stream_close (stream, NULL, NULL);
      return;
    }

  self->pending_ops++;
  g_io_stream_close_async (stream, G_PRIORITY_DEFAULT, self->close_cancellable,
                           relay_stream_closed_cb, sy_relay_ref (self));
}

static void
relay_maybe_complete (SyRelay *self)
{
  SyRelayDoneFunc done_func;

  if (!self->finishing || self->completed || self->pending_ops > 0)
    return;

  if (!self->streams_closed)
    {
      self->streams_closed = TRUE;
      relay_close_stream (self, self->client);
      relay_close_stream (self, self->remote);
      if (self->pending_ops > 0)
        return;
    }

  self->completed = TRUE;
  done_func = g_steal_pointer (&self->done_func);
  done_func (self->session, self->error, self->done_data);

  /* the reference the running relay held on itself */
  sy_relay_unref (self);
}

static void
relay_fail_errno (SyRelay    *self,
                  const char *side,
                  int         errsv)
{
  /* A reset is how many peers end a connection: it ends the session with a
   * message for the connection log, it is not worth a warning. */
  if (errsv == ECONNRESET || errsv == EPIPE)
    relay_finish (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                     "Connection reset by the %s", side));
  else
    relay_finish (self, g_error_new (G_IO_ERROR, g_io_error_from_errno (errsv),
                                     "Connection to the %s failed: %s",
                                     side, g_strerror (errsv)));
}

/* Takes @error. */
static void
relay_fail_io (SyRelay    *self,
               const char *side,
               GError     *error)
{
  if (self->finishing)
    {
      g_error_free (error);
      return;
    }

  /* G_IO_ERROR_CONNECTION_CLOSED is what GIO makes of ECONNRESET and EPIPE */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
    {
      g_error_free (error);
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                           "Connection reset by the %s", side);
    }
  else
    {
      g_prefix_error (&error, "Connection to the %s failed: ", side);
    }

  relay_finish (self, error);
}

static void
relay_touch (SyRelay *self)
{
  self->last_activity = g_source_get_time (self->source);
}

static void
direction_moved (SyRelayDirection *dir,
                 gsize             n)
{
  SyRelay *self = dir->relay;

  relay_touch (self);
  if (dir->is_up)
    sy_session_add_bytes (self->session, n, 0);
  else
    sy_session_add_bytes (self->session, 0, n);
}

static void
direction_set_done (SyRelayDirection *dir)
{
  SyRelay *self = dir->relay;

  dir->done = TRUE;
  if (self->up.done && self->down.done)
    relay_finish (self, NULL);
}

/* Half-close ------------------------------------------------------------- */

static int
fd_is_stream_socket (int fd)
{
  int type = 0;
  socklen_t len = sizeof type;

  return fd >= 0
         && getsockopt (fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0
         && type == SOCK_STREAM;
}

static void
direction_half_closed_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  SyRelayDirection *dir = user_data;
  SyRelay *self = dir->relay;
  GError *error = NULL;

  self->pending_ops--;

  if (!g_output_stream_close_finish (G_OUTPUT_STREAM (object), result, &error))
    relay_fail_io (self, dir->dst_name, error);
  else if (!self->finishing)
    direction_set_done (dir);

  relay_maybe_complete (self);
  sy_relay_unref (self);
}

/* The source ended: tell the destination with a FIN and let the other
 * direction carry on (RFC 9293 §3.6: a close only ends one direction; HTTP/1.0
 * clients and `nc -N` send their request, shut down, then read the answer). */
static void
direction_shutdown (SyRelayDirection *dir)
{
  SyRelay *self = dir->relay;
  GOutputStream *out = g_io_stream_get_output_stream (dir->dst_stream);
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&dir->in_source, source_destroy_and_unref);
  g_clear_pointer (&dir->out_source, source_destroy_and_unref);

  if (G_IS_SOCKET_CONNECTION (dir->dst_stream) && !G_IS_TCP_WRAPPER_CONNECTION (dir->dst_stream))
    {
      GSocket *socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (dir->dst_stream));

      /* ENOTCONN: the peer is already gone; the other direction reports it */
      if (!g_socket_shutdown (socket, FALSE, TRUE, &error))
        g_debug ("shutting down the %s's write side: %s", dir->dst_name, error->message);
      direction_set_done (dir);
      return;
    }

  /* Socket streams wrapped in another GIOStream: closing a GSocketOutputStream
   * does not touch the socket, so it would never send a FIN. */
  if (G_IS_FILE_DESCRIPTOR_BASED (out)
      && fd_is_stream_socket (g_file_descriptor_based_get_fd (G_FILE_DESCRIPTOR_BASED (out))))
    {
      if (shutdown (g_file_descriptor_based_get_fd (G_FILE_DESCRIPTOR_BASED (out)), SHUT_WR) < 0)
        g_debug ("shutting down the %s's write side: %s", dir->dst_name, g_strerror (errno));
      direction_set_done (dir);
      return;
    }

  /* A stream that cannot half-close (a tunnel stream, TLS where it is
   * close_notify) ends its output instead. */
  self->pending_ops++;
  sy_relay_ref (self);
  g_output_stream_close_async (out, G_PRIORITY_DEFAULT, self->close_cancellable,
                               direction_half_closed_cb, dir);
}

/* The splice(2) engine -------------------------------------------------- */

static gboolean
direction_has_data (SyRelayDirection *dir)
{
  return dir->len > 0 || dir->in_pipe > 0;
}

static void
direction_splice_pump (SyRelayDirection *dir)
{
  SyRelay *self = dir->relay;
  gsize moved = 0;
  gboolean may_read = TRUE;

  for (;;)
    {
      gssize n;

      if (dir->len > 0)
        {
          n = send (dir->dst_pfd->fd, dir->data, dir->len, MSG_NOSIGNAL | MSG_DONTWAIT);
          if (n < 0)
            {
              if (errno == EINTR)
                continue;
              if (errno != EAGAIN)
                relay_fail_errno (self, dir->dst_name, errno);
              return;
            }

          direction_moved (dir, n);
          moved += n;
          dir->data += n;
          dir->len -= n;
          if (dir->len > 0)
            return;
          g_clear_pointer (&dir->pending, g_bytes_unref);
          dir->data = NULL;
        }

      if (dir->in_pipe > 0)
        {
          n = splice (dir->pipe.rd, NULL, dir->dst_pfd->fd, NULL, dir->in_pipe,
                      SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
          if (n < 0)
            {
              if (errno == EINTR)
                continue;
              if (errno != EAGAIN)
                relay_fail_errno (self, dir->dst_name, errno);
              return;
            }

          direction_moved (dir, n);
          moved += n;
          dir->in_pipe -= n;
          /* a short write means the socket's send buffer is full */
          if (dir->in_pipe > 0)
            return;
        }

      if (dir->eof)
        {
          direction_shutdown (dir);
          return;
        }

      if (!may_read || moved >= SY_RELAY_DISPATCH_BUDGET)
        return;

      if (dir->pipe.rd < 0)
        {
          GError *error = NULL;

          if (!sy_relay_pipe_acquire (&dir->pipe, &error))
            {
              relay_finish (self, error);
              return;
            }
        }

      /* The pipe is empty here, so EAGAIN can only mean the socket is. */
      n = splice (dir->src_pfd->fd, NULL, dir->pipe.wr, NULL, dir->pipe.size,
                  SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno != EAGAIN)
            relay_fail_errno (self, dir->src_name, errno);
          return;
        }

      if (n == 0)
        {
          dir->eof = TRUE;
          continue;
        }

      relay_touch (self);
      dir->in_pipe = n;
      /* A short read drained the socket: wait for POLLIN rather than spend
       * a splice that fails with EAGAIN. */
      may_read = ((gsize) n == dir->pipe.size);
    }
}

static void
direction_splice (SyRelayDirection *dir)
{
  direction_splice_pump (dir);

  /* nothing in flight: give the pipe back for another session */
  if (dir->pipe.rd >= 0 && dir->in_pipe == 0)
    sy_relay_pipe_release (&dir->pipe, TRUE);
}

static gboolean
direction_splice_ready (SyRelayDirection *dir,
                        gushort           src_revents,
                        gushort           dst_revents)
{
  if (dir->done)
    return FALSE;
  if (direction_has_data (dir))
    return (dst_revents & (G_IO_OUT | G_IO_ERR | G_IO_HUP)) != 0;
  return (src_revents & (G_IO_IN | G_IO_ERR | G_IO_HUP)) != 0;
}

static void
direction_splice_interest (SyRelayDirection *dir,
                           gushort          *src_events,
                           gushort          *dst_events)
{
  if (dir->done)
    return;
  if (direction_has_data (dir))
    *dst_events |= G_IO_OUT;
  else
    *src_events |= G_IO_IN;
}

static int
socket_error (int fd)
{
  int err = 0;
  socklen_t len = sizeof err;

  if (getsockopt (fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
    return errno;
  return err;
}

static void
relay_set_poll (SyRelay    *self,
                GPollFD    *pfd,
                gboolean    polled,
                gushort     events,
                gushort     revents,
                const char *side)
{
  pfd->events = events;

  if (events != 0 && !polled)
    {
      g_source_add_poll (self->source, pfd);
      if (pfd == &self->client_pfd)
        self->client_polled = TRUE;
      else
        self->remote_polled = TRUE;
    }
  else if (events == 0 && polled && (revents & (G_IO_ERR | G_IO_HUP)) != 0)
    {
      /* poll(2) reports ERR and HUP even on an fd polled for nothing, so a
       * peer that is gone while no direction waits on it would wake the loop
       * at once, forever. A pending error ends the relay now; otherwise the
       * fd leaves the poll set until a direction needs it again. */
      int err = socket_error (pfd->fd);

      if (err != 0)
        {
          relay_fail_errno (self, side, err);
          return;
        }

      g_source_remove_poll (self->source, pfd);
      pfd->revents = 0;
      if (pfd == &self->client_pfd)
        self->client_polled = FALSE;
      else
        self->remote_polled = FALSE;
    }
}

static void
relay_splice_watch (SyRelay *self,
                    gushort  client_revents,
                    gushort  remote_revents)
{
  gushort client_events = 0;
  gushort remote_events = 0;

  direction_splice_interest (&self->up, &client_events, &remote_events);
  direction_splice_interest (&self->down, &remote_events, &client_events);

  relay_set_poll (self, &self->client_pfd, self->client_polled,
                  client_events, client_revents, "client");
  if (!self->finishing)
    relay_set_poll (self, &self->remote_pfd, self->remote_polled,
                    remote_events, remote_revents, "destination");
}

static void
relay_splice_dispatch (SyRelay *self,
                       gushort  client_revents,
                       gushort  remote_revents)
{
  if (direction_splice_ready (&self->up, client_revents, remote_revents))
    direction_splice (&self->up);

  if (!self->finishing && direction_splice_ready (&self->down, remote_revents, client_revents))
    direction_splice (&self->down);

  if (!self->finishing)
    relay_splice_watch (self, client_revents, remote_revents);
}

/* The buffered engine ---------------------------------------------------- */

static gboolean
direction_ready_cb (GObject  *stream,
                    gpointer  user_data)
{
  SyRelayDirection *dir = user_data;
  SyRelay *self = sy_relay_ref (dir->relay);

  direction_copy (dir);
  sy_relay_unref (self);

  /* direction_copy() destroys this source itself when it waits for
   * something else */
  return G_SOURCE_CONTINUE;
}

/* A pollable source is created only when a direction switches between
 * waiting to read and waiting to write (backpressure); while it keeps
 * reading, its source stays attached across chunks. */
static void
direction_wait (SyRelayDirection *dir,
                gboolean          for_write)
{
  SyRelay *self = dir->relay;

  if (for_write)
    {
      g_clear_pointer (&dir->in_source, source_destroy_and_unref);
      if (dir->out_source == NULL)
        {
          dir->out_source = g_pollable_output_stream_create_source (dir->out, NULL);
          g_source_set_callback (dir->out_source, G_SOURCE_FUNC (direction_ready_cb), dir, NULL);
          g_source_set_static_name (dir->out_source, "[switchyard] relay output");
          g_source_set_can_recurse (dir->out_source, TRUE);
          g_source_attach (dir->out_source, self->context);
        }
    }
  else
    {
      g_clear_pointer (&dir->out_source, source_destroy_and_unref);
      if (dir->in_source == NULL)
        {
          dir->in_source = g_pollable_input_stream_create_source (dir->in, NULL);
          g_source_set_callback (dir->in_source, G_SOURCE_FUNC (direction_ready_cb), dir, NULL);
          g_source_set_static_name (dir->in_source, "[switchyard] relay input");
          g_source_set_can_recurse (dir->in_source, TRUE);
          g_source_attach (dir->in_source, self->context);
        }
    }
}

static void
direction_release_buffer (SyRelayDirection *dir)
{
  if (dir->buffer != NULL)
    sy_relay_buffer_release (g_steal_pointer (&dir->buffer), dir->relay->buffer_size);
}

static void
direction_copy (SyRelayDirection *dir)
{
  SyRelay *self = dir->relay;
  gsize moved = 0;
  gboolean may_read = TRUE;

  for (;;)
    {
      GError *error = NULL;
      gssize n;

      while (dir->len > 0)
        {
          n = g_pollable_output_stream_write_nonblocking (dir->out, dir->data, dir->len,
                                                          NULL, &error);
          if (n < 0)
            {
              if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
                {
                  g_error_free (error);
                  direction_wait (dir, TRUE);
                }
              else
                {
                  relay_fail_io (self, dir->dst_name, error);
                }
              return;
            }

          direction_moved (dir, n);
          moved += n;
          dir->data += n;
          dir->len -= n;
        }

      g_clear_pointer (&dir->pending, g_bytes_unref);
      dir->data = NULL;

      if (dir->eof)
        {
          direction_release_buffer (dir);
          direction_shutdown (dir);
          return;
        }

      if (!may_read || moved >= SY_RELAY_DISPATCH_BUDGET)
        {
          direction_release_buffer (dir);
          direction_wait (dir, FALSE);
          return;
        }

      if (dir->buffer == NULL)
        dir->buffer = sy_relay_buffer_acquire (self->buffer_size);

      n = g_pollable_input_stream_read_nonblocking (dir->in, dir->buffer, self->buffer_size,
                                                    NULL, &error);
      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              g_error_free (error);
              direction_release_buffer (dir);
              direction_wait (dir, FALSE);
            }
          else
            {
              relay_fail_io (self, dir->src_name, error);
            }
          return;
        }

      if (n == 0)
        {
          dir->eof = TRUE;
          continue;
        }

      relay_touch (self);
      dir->data = dir->buffer;
      dir->len = n;
      /* A short read drained the stream: let its source say when there is
       * more instead of a read that fails with WOULD_BLOCK (and allocates
       * the GError that says so). */
      may_read = ((gsize) n == self->buffer_size);
    }
}

/* The relay's own source ------------------------------------------------- */

static void
relay_check_idle (SyRelay *self)
{
  gint64 now = g_source_get_time (self->source);
  gint64 deadline = self->last_activity + self->idle_timeout_us;
  guint ms = self->idle_timeout_us / 1000;

  if (now < deadline)
    {
      g_source_set_ready_time (self->source, deadline);
      return;
    }

  if (ms % 1000 == 0)
    relay_finish (self, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                     "Connection idle for %u s", ms / 1000));
  else
    relay_finish (self, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                     "Connection idle for %u ms", ms));
}

static gboolean
sy_relay_source_check (GSource *source)
{
  SyRelay *self = ((SyRelaySource *) source)->relay;

  return (self->client_pfd.revents | self->remote_pfd.revents) != 0;
}

static gboolean
sy_relay_source_dispatch (GSource     *source,
                          GSourceFunc  callback,
                          gpointer     user_data)
{
  SyRelay *self = sy_relay_ref (((SyRelaySource *) source)->relay);
  gushort client_revents = self->client_pfd.revents;
  gushort remote_revents = self->remote_pfd.revents;
  GCancellable *cancellable = self->session->cancellable;
  gint64 ready_time;

  self->client_pfd.revents = 0;
  self->remote_pfd.revents = 0;

  if (self->start_error != NULL)
    {
      relay_finish (self, g_steal_pointer (&self->start_error));
    }
  else if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
    {
      relay_finish (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                               "The session was closed"));
    }
  else
    {
      if (self->spliced && (client_revents | remote_revents) != 0)
        relay_splice_dispatch (self, client_revents, remote_revents);

      ready_time = g_source_get_ready_time (source);
      if (!self->finishing && ready_time >= 0 && g_source_get_time (source) >= ready_time)
        relay_check_idle (self);
    }

  sy_relay_unref (self);

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs sy_relay_source_funcs = {
  .check = sy_relay_source_check,
  .dispatch = sy_relay_source_dispatch,
};

/* the parent source checks the cancellable when it dispatches */
static gboolean
relay_cancelled_cb (GCancellable *cancellable,
                    gpointer      user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Starting --------------------------------------------------------------- */

static GSocket *
relay_splice_socket (GIOStream *stream)
{
  GSocket *socket;
  GSocketFamily family;
  int fd;
  int flags;

  if (!G_IS_SOCKET_CONNECTION (stream) || G_IS_TCP_WRAPPER_CONNECTION (stream))
    return NULL;

  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));
  family = g_socket_get_family (socket);
  if (g_socket_get_socket_type (socket) != G_SOCKET_TYPE_STREAM
      || (family != G_SOCKET_FAMILY_IPV4 && family != G_SOCKET_FAMILY_IPV6
          && family != G_SOCKET_FAMILY_UNIX))
    return NULL;

  /* GSocket keeps its fd non-blocking and emulates blocking calls; make
   * sure, since a blocking fd would stall the whole loop in splice(2). */
  fd = g_socket_get_fd (socket);
  flags = fcntl (fd, F_GETFL);
  if (flags < 0 || ((flags & O_NONBLOCK) == 0 && fcntl (fd, F_SETFL, flags | O_NONBLOCK) < 0))
    return NULL;

  return socket;
}

static void
direction_init (SyRelayDirection *dir,
                SyRelay          *self,
                gboolean          is_up)
{
  dir->relay = self;
  dir->is_up = is_up;
  dir->src_name = is_up ? "client" : "destination";
  dir->dst_name = is_up ? "destination" : "client";
  dir->dst_stream = is_up ? self->remote : self->client;
  dir->pipe.rd = dir->pipe.wr = -1;
}

static gboolean
relay_setup_buffered (SyRelay *self)
{
  GInputStream *client_in = g_io_stream_get_input_stream (self->client);
  GOutputStream *client_out = g_io_stream_get_output_stream (self->client);
  GInputStream *remote_in = g_io_stream_get_input_stream (self->remote);
  GOutputStream *remote_out = g_io_stream_get_output_stream (self->remote);

  if (!G_IS_POLLABLE_INPUT_STREAM (client_in)
      || !g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (client_in))
      || !G_IS_POLLABLE_INPUT_STREAM (remote_in)
      || !g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (remote_in))
      || !G_IS_POLLABLE_OUTPUT_STREAM (client_out)
      || !g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (client_out))
      || !G_IS_POLLABLE_OUTPUT_STREAM (remote_out)
      || !g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (remote_out)))
    return FALSE;

  self->up.in = G_POLLABLE_INPUT_STREAM (client_in);
  self->up.out = G_POLLABLE_OUTPUT_STREAM (remote_out);
  self->down.in = G_POLLABLE_INPUT_STREAM (remote_in);
  self->down.out = G_POLLABLE_OUTPUT_STREAM (client_out);

  direction_wait (&self->up, self->up.len > 0);
  direction_wait (&self->down, FALSE);

  return TRUE;
}

SyRelay *
sy_relay_start (SySession            *session,
                GIOStream            *client,
                GIOStream            *remote,
                GBytes               *client_pending,
                const SyRelayOptions *options,
                SyRelayDoneFunc       done,
                gpointer              user_data)
{
  static const SyRelayOptions defaults = SY_RELAY_OPTIONS_INIT;
  SyRelay *self;
  GSocket *client_socket = NULL;
  GSocket *remote_socket = NULL;

  g_return_val_if_fail (session != NULL, NULL);
  g_return_val_if_fail (G_IS_IO_STREAM (client), NULL);
  g_return_val_if_fail (G_IS_IO_STREAM (remote), NULL);
  g_return_val_if_fail (done != NULL, NULL);

  if (options == NULL)
    options = &defaults;

  self = g_new0 (SyRelay, 1);
  self->ref_count = 1;
  self->session = sy_session_ref (session);
  self->client = g_object_ref (client);
  self->remote = g_object_ref (remote);
  self->done_func = done;
  self->done_data = user_data;
  self->context = g_main_context_ref_thread_default ();
  self->buffer_size = options->buffer_size > 0 ? options->buffer_size
                                               : SY_RELAY_DEFAULT_BUFFER_SIZE;
  self->idle_timeout_us = (gint64) options->idle_timeout_ms * 1000;
  self->close_cancellable = g_cancellable_new ();
  self->client_pfd.fd = -1;
  self->remote_pfd.fd = -1;

  direction_init (&self->up, self, TRUE);
  direction_init (&self->down, self, FALSE);

  if (client_pending != NULL && g_bytes_get_size (client_pending) > 0)
    {
      self->up.pending = g_bytes_ref (client_pending);
      self->up.data = g_bytes_get_data (client_pending, &self->up.len);
    }

  self->source = g_source_new (&sy_relay_source_funcs, sizeof (SyRelaySource));
  ((SyRelaySource *) self->source)->relay = self;
  g_source_set_static_name (self->source, "[switchyard] relay");
  g_source_set_can_recurse (self->source, TRUE);

  if (session->cancellable != NULL)
    {
      g_autoptr(GSource) cancelled = g_cancellable_source_new (session->cancellable);

      g_source_set_callback (cancelled, G_SOURCE_FUNC (relay_cancelled_cb), NULL, NULL);
      g_source_add_child_source (self->source, cancelled);
    }

  if (options->allow_splice)
    {
      client_socket = relay_splice_socket (client);
      remote_socket = client_socket != NULL ? relay_splice_socket (remote) : NULL;
    }

  if (client_socket != NULL && remote_socket != NULL)
    {
      self->spliced = TRUE;
      self->client_pfd.fd = g_socket_get_fd (client_socket);
      self->remote_pfd.fd = g_socket_get_fd (remote_socket);
      self->up.src_pfd = &self->client_pfd;
      self->up.dst_pfd = &self->remote_pfd;
      self->down.src_pfd = &self->remote_pfd;
      self->down.dst_pfd = &self->client_pfd;
      relay_splice_watch (self, 0, 0);
    }
  else if (!relay_setup_buffered (self))
    {
      /* reported from the loop: done never runs inside sy_relay_start() */
      self->start_error = g_error_new_literal (SY_ERROR, SY_ERROR_UNSUPPORTED,
                                               "The relay needs pollable streams");
      g_source_set_ready_time (self->source, 0);
    }

  self->last_activity = g_get_monotonic_time ();
  if (self->idle_timeout_us > 0 && self->start_error == NULL)
    g_source_set_ready_time (self->source, self->last_activity + self->idle_timeout_us);

  g_source_attach (self->source, self->context);

  g_debug ("session %" G_GUINT64_FORMAT ": relaying %s", session->id,
           self->spliced ? "with splice(2)" : "through buffers");

  return self;
}

gboolean
sy_relay_is_spliced (SyRelay *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->spliced;
}
