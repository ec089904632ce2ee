/* sy-netstack-tcp-stream.c — a GIOStream over an lwIP TCP connection
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-netstack"

#include <string.h>

#include "lwip/tcp.h"

#include "sy-lwip-core.h"
#include "sy-netstack-private.h"

/*
 * The connection state lives in SyTcpConn, a plain reference-counted struct
 * that the GIOStream and both of its halves point to (a half may outlive
 * the stream when someone holds it), and that lwIP's callbacks get as their
 * argument.
 *
 * lwIP's callbacks only record what happened: they never call code of
 * ours that could call back into lwIP. Readers and writers learn of changes
 * through pollable sources whose prepare/check look at the state (level
 * triggered, like poll(2) on a socket; nothing to wake, since every change
 * happens on the loop thread), and a connect completes from an idle source.
 *
 * Receive: lwIP hands over pbufs as segments arrive; they wait in a ring
 * and reads copy out of them into the caller's buffer. tcp_recved() opens
 * the window only for bytes a reader took, so a reader that stops reading
 * closes the window and the peer stops sending: the connection holds at
 * most TCP_WND bytes. Tiny segments are copied together, so that memory
 * stays near the window even when a peer sends a byte at a time.
 *
 * Send: tcp_write() copies (lwIP owns its bytes until they are ACKed),
 * then tcp_output() pushes what the window allows.
 *
 * The pcb pointer is given up (set to NULL) when lwIP frees the pcb (the
 * err callback), when we abort it, and when we no longer need it: after a
 * close, or once both FINs are out and in, where lwIP finishes the close
 * (LAST_ACK, TIME_WAIT) on its own and may free the pcb silently.
 */

/* Segments smaller than this are copied into a shared buffer... */
#define COALESCE_BELOW 512
/* ...of this size. */
#define COALESCE_SIZE  2048
/* The output is writable with this much send buffer free: one relay buffer,
 * so that a writer wakes for a useful amount of room, not per ACK. */
#define WRITE_LOW_WATER (64 * 1024)
#define RING_MIN_SIZE  16

typedef struct
{
  grefcount            ref_count;

  SyNetstack          *netstack;
  struct tcp_pcb      *pcb;
  GInetSocketAddress  *local;
  GInetSocketAddress  *remote;

  /* received, not yet read */
  struct pbuf        **ring;
  guint                ring_size;
  guint                ring_head;
  guint                ring_len;
  gsize                head_offset;
  gsize                queued;
  struct pbuf         *coalesce;     /* the ring's tail, when it takes small segments */

  GError              *error;        /* how the connection failed */

  /* connecting */
  GTask               *connect_task;
  GSource             *connect_source;
  GSource             *cancel_source;

  guint                established : 1;
  guint                rx_eof : 1;   /* the peer's FIN came in */
  guint                rx_closed : 1;  /* our input stream is closed */
  guint                tx_shut : 1;  /* our FIN is queued (or the output is closed) */
  guint                closing : 1;  /* the whole stream is closing */
} SyTcpConn;

static void conn_release (SyTcpConn *conn,
                          gboolean   graceful);

static SyTcpConn *
conn_ref (SyTcpConn *conn)
{
  g_ref_count_inc (&conn->ref_count);
  return conn;
}

static void
conn_drop_queue (SyTcpConn *conn)
{
  while (conn->ring_len > 0)
    {
      pbuf_free (conn->ring[conn->ring_head]);
      conn->ring_head = (conn->ring_head + 1) % conn->ring_size;
      conn->ring_len--;
    }
  conn->ring_head = 0;
  conn->head_offset = 0;
  conn->queued = 0;
  conn->coalesce = NULL;
}

static void
conn_unref (SyTcpConn *conn)
{
  if (!g_ref_count_dec (&conn->ref_count))
    return;

  g_assert (conn->pcb == NULL);
  g_assert (conn->connect_task == NULL);

  conn_drop_queue (conn);
  g_free (conn->ring);
  g_clear_error (&conn->error);
  g_clear_object (&conn->local);
  g_clear_object (&conn->remote);
  g_clear_object (&conn->netstack);
  g_free (conn);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyTcpConn, conn_unref)

static void
conn_fill_addresses (SyTcpConn *conn)
{
  g_clear_object (&conn->local);
  g_clear_object (&conn->remote);
  conn->local = sy_lwip_socket_address_new (&conn->pcb->local_ip, conn->pcb->local_port);
  conn->remote = sy_lwip_socket_address_new (&conn->pcb->remote_ip, conn->pcb->remote_port);
}

/* Receive queue ------------------------------------------------------------ */

static void
ring_push (SyTcpConn   *conn,
           struct pbuf *p)
{
  if (conn->ring_len == conn->ring_size)
    {
      guint size = MAX (RING_MIN_SIZE, conn->ring_size * 2);
      struct pbuf **ring = g_new (struct pbuf *, size);

      for (guint i = 0; i < conn->ring_len; i++)
        ring[i] = conn->ring[(conn->ring_head + i) % conn->ring_size];
      g_free (conn->ring);
      conn->ring = ring;
      conn->ring_size = size;
      conn->ring_head = 0;
    }

  conn->ring[(conn->ring_head + conn->ring_len) % conn->ring_size] = p;
  conn->ring_len++;
}

/* Takes @p. */
static void
conn_enqueue (SyTcpConn   *conn,
              struct pbuf *p)
{
  u16_t length = p->tot_len;

  conn->queued += length;

  if (conn->coalesce != NULL && conn->coalesce->len + length <= COALESCE_SIZE)
    {
      struct pbuf *tail = conn->coalesce;

      pbuf_copy_partial (p, (guint8 *) tail->payload + tail->len, length, 0);
      tail->len += length;
      tail->tot_len += length;
      pbuf_free (p);
      return;
    }

  if (length < COALESCE_BELOW)
    {
      struct pbuf *tail = pbuf_alloc (PBUF_RAW, COALESCE_SIZE, PBUF_RAM);

      if (tail != NULL)
        {
          pbuf_copy_partial (p, tail->payload, length, 0);
          tail->len = tail->tot_len = length;
          pbuf_free (p);
          ring_push (conn, tail);
          conn->coalesce = tail;
          return;
        }
    }

  ring_push (conn, p);
  conn->coalesce = NULL;
}

static gsize
conn_copy_out (SyTcpConn *conn,
               guint8    *buffer,
               gsize      count)
{
  gsize copied = 0;

  while (copied < count && conn->ring_len > 0)
    {
      struct pbuf *p = conn->ring[conn->ring_head];
      gsize available = p->tot_len - conn->head_offset;
      gsize n = MIN (available, count - copied);

      pbuf_copy_partial (p, buffer + copied, n, conn->head_offset);
      copied += n;
      conn->head_offset += n;

      if (conn->head_offset == p->tot_len)
        {
          if (p == conn->coalesce)
            conn->coalesce = NULL;
          pbuf_free (p);
          conn->ring_head = (conn->ring_head + 1) % conn->ring_size;
          conn->ring_len--;
          conn->head_offset = 0;
        }
    }

  conn->queued -= copied;

  /* A burst may have grown the ring; give the memory back once drained. */
  if (conn->ring_len == 0 && conn->ring_size > 4 * RING_MIN_SIZE)
    {
      g_clear_pointer (&conn->ring, g_free);
      conn->ring_size = 0;
      conn->ring_head = 0;
    }

  return copied;
}

/* Opens the window for bytes the reader took. */
static void
conn_recved (SyTcpConn *conn,
             gsize      n)
{
  if (conn->pcb == NULL)
    return;

  while (n > 0)
    {
      u16_t chunk = (u16_t) MIN (n, G_MAXUINT16);

      tcp_recved (conn->pcb, chunk);
      n -= chunk;
    }
  sy_lwip_core_kick ();
}

/* lwIP callbacks ----------------------------------------------------------- */

static void
conn_detach (SyTcpConn *conn)
{
  tcp_arg (conn->pcb, NULL);
  tcp_recv (conn->pcb, NULL);
  tcp_sent (conn->pcb, NULL);
  tcp_err (conn->pcb, NULL);
}

static void
conn_set_error (SyTcpConn  *conn,
                GError     *error)
{
  if (conn->error == NULL)
    conn->error = error;
  else
    g_error_free (error);
}

static err_t
conn_recv_cb (void           *arg,
              struct tcp_pcb *pcb,
              struct pbuf    *p,
              err_t           err)
{
  SyTcpConn *conn = arg;

  g_assert (conn->pcb == pcb);

  if (p == NULL)
    {
      conn->rx_eof = TRUE;
      /* Both FINs exchanged: lwIP completes the close by itself. */
      if (conn->tx_shut)
        conn_release (conn, TRUE);
      return ERR_OK;
    }

  if (conn->rx_closed)
    {
      /* Only the reading half is closed: discard, keep the window open. */
      tcp_recved (pcb, p->tot_len);
      pbuf_free (p);
      return ERR_OK;
    }

  conn_enqueue (conn, p);
  return ERR_OK;
}

static void
conn_err_cb (void  *arg,
             err_t  err)
{
  SyTcpConn *conn = arg;

  /* lwIP has freed the pcb already. */
  conn->pcb = NULL;

  if (!conn->established)
    {
      if (err == ERR_RST)
        conn_set_error (conn, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                                                   "Connection refused"));
      else if (err == ERR_ABRT && sy_lwip_core_in_tcp_timer ())
        conn_set_error (conn, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                                   "Connection timed out"));
      else
        conn_set_error (conn, g_error_new (G_IO_ERROR, sy_lwip_err_to_io_error (err),
                                           "Connection failed: %s", lwip_strerr (err)));
      return;
    }

  switch (err)
    {
    case ERR_CLSD:
      /* both sides closed while only our sending side was shut down */
      conn->rx_eof = TRUE;
      break;
    case ERR_RST:
      conn_set_error (conn, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                                 "Connection reset by peer"));
      break;
    case ERR_ABRT:
      if (sy_lwip_core_in_tcp_timer ())
        conn_set_error (conn, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                                   "Connection timed out"));
      else
        conn_set_error (conn, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                                   "Connection aborted"));
      break;
    default:
      conn_set_error (conn, g_error_new (G_IO_ERROR, sy_lwip_err_to_io_error (err),
                                         "Connection failed: %s", lwip_strerr (err)));
      break;
    }
}

static void
conn_attach (SyTcpConn      *conn,
             struct tcp_pcb *pcb)
{
  conn->pcb = pcb;
  tcp_arg (pcb, conn);
  tcp_recv (pcb, conn_recv_cb);
  tcp_err (pcb, conn_err_cb);
  /* The relay writes what it read as soon as it has it; Nagle would hold
   * back the tail of every interactive exchange for an RTT. */
  tcp_nagle_disable (pcb);
}

/* Lets go of the pcb. @graceful: close it (FIN, or RST when unread data is
 * left, as close(2) does), else abort it (RST). */
static void
conn_release (SyTcpConn *conn,
              gboolean   graceful)
{
  struct tcp_pcb *pcb = conn->pcb;

  if (pcb == NULL)
    return;

  conn_detach (conn);
  conn->pcb = NULL;

  if (!graceful || tcp_close (pcb) != ERR_OK)
    tcp_abort (pcb);

  sy_lwip_core_kick ();
}

static gboolean
conn_is_readable (SyTcpConn *conn)
{
  return conn->queued > 0 || conn->rx_eof || conn->rx_closed ||
         conn->error != NULL || conn->pcb == NULL;
}

static gboolean
conn_is_writable (SyTcpConn *conn)
{
  if (conn->pcb == NULL || conn->error != NULL || conn->tx_shut)
    return TRUE;

  return conn->pcb->snd_buf >= WRITE_LOW_WATER &&
         conn->pcb->snd_queuelen + WRITE_LOW_WATER / 536 + 2 < TCP_SND_QUEUELEN;
}

/* Reading and writing ----------------------------------------------------- */

static gssize
conn_read (SyTcpConn  *conn,
           void       *buffer,
           gsize       count,
           GError    **error)
{
  if (conn->rx_closed)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "Stream is already closed");
      return -1;
    }

  /* Data that came in before a reset is still delivered, as by a socket. */
  if (conn->queued > 0)
    {
      gsize n = conn_copy_out (conn, buffer, count);

      conn_recved (conn, n);
      return n;
    }

  if (conn->rx_eof)
    return 0;

  if (conn->error != NULL)
    {
      g_propagate_error (error, g_error_copy (conn->error));
      return -1;
    }

  if (conn->pcb == NULL)
    return 0;

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK,
                       "No data received yet");
  return -1;
}

static gssize
conn_write (SyTcpConn   *conn,
            const void  *buffer,
            gsize        count,
            GError     **error)
{
  struct tcp_pcb *pcb = conn->pcb;
  gsize written = 0;
  gsize allowed;

  if (conn->tx_shut)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "Stream is already closed");
      return -1;
    }

  if (conn->error != NULL)
    {
      g_propagate_error (error, g_error_copy (conn->error));
      return -1;
    }

  if (pcb == NULL || (pcb->state != ESTABLISHED && pcb->state != CLOSE_WAIT))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "Connection closed");
      return -1;
    }

  allowed = MIN (count, pcb->snd_buf);
  while (written < allowed)
    {
      u16_t chunk = (u16_t) MIN (allowed - written, G_MAXUINT16);
      u8_t flags = TCP_WRITE_FLAG_COPY;
      err_t err;

      if (written + chunk < allowed)
        flags |= TCP_WRITE_FLAG_MORE;

      err = tcp_write (pcb, (const guint8 *) buffer + written, chunk, flags);
      if (err == ERR_MEM)
        break;
      if (err != ERR_OK)
        {
          if (written > 0)
            break;
          g_set_error (error, G_IO_ERROR, sy_lwip_err_to_io_error (err),
                       "Could not send: %s", lwip_strerr (err));
          return -1;
        }
      written += chunk;
    }

  if (written > 0)
    {
      tcp_output (pcb);
      sy_lwip_core_kick ();
      return written;
    }

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "The send buffer is full");
  return -1;
}

/* Input closes alone (the reading half) or as part of the whole stream. */
static void
conn_close_input (SyTcpConn *conn)
{
  gsize unread = conn->queued;

  if (conn->rx_closed)
    return;

  conn->rx_closed = TRUE;
  conn_drop_queue (conn);

  /* Closing only the reading half discards what comes in; closing the
   * whole stream with unread data resets, which tcp_close() does when the
   * window was not given back. */
  if (!conn->closing)
    conn_recved (conn, unread);
}

static void
conn_close_output (SyTcpConn *conn)
{
  err_t err;

  if (conn->tx_shut)
    return;

  conn->tx_shut = TRUE;
  if (conn->closing || conn->pcb == NULL)
    return;

  err = tcp_shutdown (conn->pcb, 0, 1);
  if (err == ERR_OK)
    {
      sy_lwip_core_kick ();
      if (conn->rx_eof)
        conn_release (conn, TRUE);
    }
  else if (err != ERR_CONN)
    {
      conn_set_error (conn, g_error_new (G_IO_ERROR, sy_lwip_err_to_io_error (err),
                                         "Could not close the connection: %s",
                                         lwip_strerr (err)));
      conn_release (conn, FALSE);
    }
}

/* Pollable sources ----------------------------------------------------------- */

typedef struct
{
  GSource    source;
  SyTcpConn *conn;
  gboolean   for_write;
} ConnSource;

static gboolean
conn_source_ready (GSource *source)
{
  ConnSource *self = (ConnSource *) source;

  return self->for_write ? conn_is_writable (self->conn) : conn_is_readable (self->conn);
}

static gboolean
conn_source_prepare (GSource *source,
                     gint    *timeout)
{
  *timeout = -1;
  return conn_source_ready (source);
}

static gboolean
conn_source_dispatch (GSource     *source,
                      GSourceFunc  callback,
                      gpointer     user_data)
{
  return callback != NULL ? callback (user_data) : G_SOURCE_CONTINUE;
}

static void
conn_source_finalize (GSource *source)
{
  ConnSource *self = (ConnSource *) source;

  conn_unref (self->conn);
}

static GSourceFuncs conn_source_funcs = {
  .prepare = conn_source_prepare,
  .check = conn_source_ready,
  .dispatch = conn_source_dispatch,
  .finalize = conn_source_finalize,
};

static GSource *
conn_create_source (SyTcpConn    *conn,
                    GObject      *stream,
                    gboolean      for_write,
                    GCancellable *cancellable)
{
  ConnSource *child;
  GSource *source;

  child = (ConnSource *) g_source_new (&conn_source_funcs, sizeof (ConnSource));
  child->conn = conn_ref (conn);
  child->for_write = for_write;
  g_source_set_static_name (&child->source, for_write ? "[switchyard] netstack TCP writable"
                                                      : "[switchyard] netstack TCP readable");

  /* The child makes the pollable source ready; it needs no callback of its
   * own (g_pollable_source_new_full() would give it a closure, which a
   * source without closure support cannot take). */
  source = g_pollable_source_new (stream);
  g_source_add_child_source (source, &child->source);
  g_source_unref (&child->source);

  if (cancellable != NULL)
    {
      GSource *cancelled = g_cancellable_source_new (cancellable);

      g_source_set_dummy_callback (cancelled);
      g_source_add_child_source (source, cancelled);
      g_source_unref (cancelled);
    }

  return source;
}

/* Completes an async close at once: nothing here waits. */
static void
return_close_task (gpointer             source_object,
                   gpointer             source_tag,
                   gboolean             ok,
                   GError              *error,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (source_object, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  /* a cancelled close still closes (GIO's rule) */
  g_task_set_check_cancellable (task, FALSE);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* The input half ----------------------------------------------------------- */

#define SY_TYPE_NETSTACK_TCP_INPUT (sy_netstack_tcp_input_get_type ())
G_DECLARE_FINAL_TYPE (SyNetstackTcpInput, sy_netstack_tcp_input,
                      SY, NETSTACK_TCP_INPUT, GInputStream)

struct _SyNetstackTcpInput
{
  GInputStream  parent_instance;
  SyTcpConn    *conn;
};

static void sy_netstack_tcp_input_pollable_iface_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SyNetstackTcpInput, sy_netstack_tcp_input, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      sy_netstack_tcp_input_pollable_iface_init))

static gssize
sy_netstack_tcp_input_read (GInputStream  *stream,
                            void          *buffer,
                            gsize          count,
                            GCancellable  *cancellable,
                            GError       **error)
{
  SyNetstackTcpInput *self = SY_NETSTACK_TCP_INPUT (stream);

  return conn_read (self->conn, buffer, count, error);
}

static gboolean
sy_netstack_tcp_input_close (GInputStream  *stream,
                             GCancellable  *cancellable,
                             GError       **error)
{
  SyNetstackTcpInput *self = SY_NETSTACK_TCP_INPUT (stream);

  conn_close_input (self->conn);
  if (self->conn->tx_shut)
    conn_release (self->conn, TRUE);
  return TRUE;
}

static void
sy_netstack_tcp_input_close_async (GInputStream        *stream,
                                   int                  io_priority,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GError *error = NULL;
  gboolean ok = sy_netstack_tcp_input_close (stream, cancellable, &error);

  return_close_task (stream, sy_netstack_tcp_input_close_async, ok, error,
                     cancellable, callback, user_data);
}

static gboolean
sy_netstack_tcp_input_close_finish (GInputStream  *stream,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
sy_netstack_tcp_input_is_readable (GPollableInputStream *stream)
{
  return conn_is_readable (SY_NETSTACK_TCP_INPUT (stream)->conn);
}

static GSource *
sy_netstack_tcp_input_create_source (GPollableInputStream *stream,
                                     GCancellable         *cancellable)
{
  return conn_create_source (SY_NETSTACK_TCP_INPUT (stream)->conn, G_OBJECT (stream),
                             FALSE, cancellable);
}

static gssize
sy_netstack_tcp_input_read_nonblocking (GPollableInputStream  *stream,
                                        void                  *buffer,
                                        gsize                  count,
                                        GError               **error)
{
  return conn_read (SY_NETSTACK_TCP_INPUT (stream)->conn, buffer, count, error);
}

static void
sy_netstack_tcp_input_finalize (GObject *object)
{
  SyNetstackTcpInput *self = SY_NETSTACK_TCP_INPUT (object);

  g_clear_pointer (&self->conn, conn_unref);

  G_OBJECT_CLASS (sy_netstack_tcp_input_parent_class)->finalize (object);
}

static void
sy_netstack_tcp_input_class_init (SyNetstackTcpInputClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *input_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = sy_netstack_tcp_input_finalize;

  input_class->read_fn = sy_netstack_tcp_input_read;
  input_class->close_fn = sy_netstack_tcp_input_close;
  input_class->close_async = sy_netstack_tcp_input_close_async;
  input_class->close_finish = sy_netstack_tcp_input_close_finish;
}

static void
sy_netstack_tcp_input_pollable_iface_init (GPollableInputStreamInterface *iface)
{
  iface->is_readable = sy_netstack_tcp_input_is_readable;
  iface->create_source = sy_netstack_tcp_input_create_source;
  iface->read_nonblocking = sy_netstack_tcp_input_read_nonblocking;
}

static void
sy_netstack_tcp_input_init (SyNetstackTcpInput *self)
{
}

/* The output half ---------------------------------------------------------- */

#define SY_TYPE_NETSTACK_TCP_OUTPUT (sy_netstack_tcp_output_get_type ())
G_DECLARE_FINAL_TYPE (SyNetstackTcpOutput, sy_netstack_tcp_output,
                      SY, NETSTACK_TCP_OUTPUT, GOutputStream)

struct _SyNetstackTcpOutput
{
  GOutputStream  parent_instance;
  SyTcpConn     *conn;
};

static void sy_netstack_tcp_output_pollable_iface_init (GPollableOutputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SyNetstackTcpOutput, sy_netstack_tcp_output, G_TYPE_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM,
                                                      sy_netstack_tcp_output_pollable_iface_init))

static gssize
sy_netstack_tcp_output_write (GOutputStream  *stream,
                              const void     *buffer,
                              gsize           count,
                              GCancellable   *cancellable,
                              GError        **error)
{
  return conn_write (SY_NETSTACK_TCP_OUTPUT (stream)->conn, buffer, count, error);
}

static gboolean
sy_netstack_tcp_output_close (GOutputStream  *stream,
                              GCancellable   *cancellable,
                              GError        **error)
{
  SyNetstackTcpOutput *self = SY_NETSTACK_TCP_OUTPUT (stream);

  conn_close_output (self->conn);
  if (self->conn->rx_closed)
    conn_release (self->conn, TRUE);
  return TRUE;
}

static void
sy_netstack_tcp_output_close_async (GOutputStream       *stream,
                                    int                  io_priority,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GError *error = NULL;
  gboolean ok = sy_netstack_tcp_output_close (stream, cancellable, &error);

  return_close_task (stream, sy_netstack_tcp_output_close_async, ok, error,
                     cancellable, callback, user_data);
}

static gboolean
sy_netstack_tcp_output_close_finish (GOutputStream  *stream,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
sy_netstack_tcp_output_is_writable (GPollableOutputStream *stream)
{
  return conn_is_writable (SY_NETSTACK_TCP_OUTPUT (stream)->conn);
}

static GSource *
sy_netstack_tcp_output_create_source (GPollableOutputStream *stream,
                                      GCancellable          *cancellable)
{
  return conn_create_source (SY_NETSTACK_TCP_OUTPUT (stream)->conn, G_OBJECT (stream),
                             TRUE, cancellable);
}

static gssize
sy_netstack_tcp_output_write_nonblocking (GPollableOutputStream  *stream,
                                          const void             *buffer,
                                          gsize                   count,
                                          GError                **error)
{
  return conn_write (SY_NETSTACK_TCP_OUTPUT (stream)->conn, buffer, count, error);
}

static void
sy_netstack_tcp_output_finalize (GObject *object)
{
  SyNetstackTcpOutput *self = SY_NETSTACK_TCP_OUTPUT (object);

  g_clear_pointer (&self->conn, conn_unref);

  G_OBJECT_CLASS (sy_netstack_tcp_output_parent_class)->finalize (object);
}

static void
sy_netstack_tcp_output_class_init (SyNetstackTcpOutputClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GOutputStreamClass *output_class = G_OUTPUT_STREAM_CLASS (klass);

  object_class->finalize = sy_netstack_tcp_output_finalize;

  output_class->write_fn = sy_netstack_tcp_output_write;
  output_class->close_fn = sy_netstack_tcp_output_close;
  output_class->close_async = sy_netstack_tcp_output_close_async;
  output_class->close_finish = sy_netstack_tcp_output_close_finish;
  /* nothing to flush: tcp_output() runs on every write */
  output_class->flush_async = NULL;
}

static void
sy_netstack_tcp_output_pollable_iface_init (GPollableOutputStreamInterface *iface)
{
  iface->is_writable = sy_netstack_tcp_output_is_writable;
  iface->create_source = sy_netstack_tcp_output_create_source;
  iface->write_nonblocking = sy_netstack_tcp_output_write_nonblocking;
}

static void
sy_netstack_tcp_output_init (SyNetstackTcpOutput *self)
{
}

/* The stream --------------------------------------------------------------- */

struct _SyNetstackTcpStream
{
  GIOStream      parent_instance;

  SyTcpConn     *conn;
  GInputStream  *input;
  GOutputStream *output;
};

G_DEFINE_FINAL_TYPE (SyNetstackTcpStream, sy_netstack_tcp_stream, G_TYPE_IO_STREAM)

static GInputStream *
sy_netstack_tcp_stream_get_input_stream (GIOStream *stream)
{
  return SY_NETSTACK_TCP_STREAM (stream)->input;
}

static GOutputStream *
sy_netstack_tcp_stream_get_output_stream (GIOStream *stream)
{
  return SY_NETSTACK_TCP_STREAM (stream)->output;
}

/* A full close is one step, not a half-close followed by a close: close(2)
 * of a socket with unread data sends RST at once, and so does this. */
static gboolean
sy_netstack_tcp_stream_close (GIOStream     *stream,
                              GCancellable  *cancellable,
                              GError       **error)
{
  SyNetstackTcpStream *self = SY_NETSTACK_TCP_STREAM (stream);

  self->conn->closing = TRUE;
  g_input_stream_close (self->input, NULL, NULL);
  g_output_stream_close (self->output, NULL, NULL);
  conn_close_input (self->conn);
  conn_close_output (self->conn);
  conn_release (self->conn, TRUE);
  return TRUE;
}

static void
sy_netstack_tcp_stream_close_async (GIOStream           *stream,
                                    int                  io_priority,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GError *error = NULL;
  gboolean ok = sy_netstack_tcp_stream_close (stream, cancellable, &error);

  return_close_task (stream, sy_netstack_tcp_stream_close_async, ok, error,
                     cancellable, callback, user_data);
}

static gboolean
sy_netstack_tcp_stream_close_finish (GIOStream     *stream,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
sy_netstack_tcp_stream_finalize (GObject *object)
{
  SyNetstackTcpStream *self = SY_NETSTACK_TCP_STREAM (object);

  g_clear_object (&self->input);
  g_clear_object (&self->output);
  g_clear_pointer (&self->conn, conn_unref);

  G_OBJECT_CLASS (sy_netstack_tcp_stream_parent_class)->finalize (object);
}

static void
sy_netstack_tcp_stream_class_init (SyNetstackTcpStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);

  object_class->finalize = sy_netstack_tcp_stream_finalize;

  stream_class->get_input_stream = sy_netstack_tcp_stream_get_input_stream;
  stream_class->get_output_stream = sy_netstack_tcp_stream_get_output_stream;
  stream_class->close_fn = sy_netstack_tcp_stream_close;
  stream_class->close_async = sy_netstack_tcp_stream_close_async;
  stream_class->close_finish = sy_netstack_tcp_stream_close_finish;
}

static void
sy_netstack_tcp_stream_init (SyNetstackTcpStream *self)
{
}

static SyNetstackTcpStream *
sy_netstack_tcp_stream_new (SyTcpConn *conn)
{
  SyNetstackTcpStream *self = g_object_new (SY_TYPE_NETSTACK_TCP_STREAM, NULL);
  SyNetstackTcpInput *input = g_object_new (SY_TYPE_NETSTACK_TCP_INPUT, NULL);
  SyNetstackTcpOutput *output = g_object_new (SY_TYPE_NETSTACK_TCP_OUTPUT, NULL);

  input->conn = conn_ref (conn);
  output->conn = conn_ref (conn);
  self->conn = conn_ref (conn);
  self->input = G_INPUT_STREAM (input);
  self->output = G_OUTPUT_STREAM (output);
  return self;
}

static SyTcpConn *
conn_new (SyNetstack *netstack)
{
  SyTcpConn *conn = g_new0 (SyTcpConn, 1);

  g_ref_count_init (&conn->ref_count);
  conn->netstack = g_object_ref (netstack);
  return conn;
}

SyNetstackTcpStream *
sy_netstack_tcp_stream_new_accepted (SyNetstack     *netstack,
                                     struct tcp_pcb *pcb)
{
  g_autoptr(SyTcpConn) conn = conn_new (netstack);

  conn_attach (conn, pcb);
  conn->established = TRUE;
  conn_fill_addresses (conn);
  return sy_netstack_tcp_stream_new (conn);
}

GInetSocketAddress *
sy_netstack_tcp_stream_get_local_address (SyNetstackTcpStream *self)
{
  g_return_val_if_fail (SY_IS_NETSTACK_TCP_STREAM (self), NULL);

  return self->conn->local;
}

GInetSocketAddress *
sy_netstack_tcp_stream_get_remote_address (SyNetstackTcpStream *self)
{
  g_return_val_if_fail (SY_IS_NETSTACK_TCP_STREAM (self), NULL);

  return self->conn->remote;
}

gsize
sy_netstack_tcp_stream_get_queued_bytes (SyNetstackTcpStream *self)
{
  g_return_val_if_fail (SY_IS_NETSTACK_TCP_STREAM (self), 0);

  return self->conn->queued;
}

/* Connecting ---------------------------------------------------------------- */

static void
connect_finish_now (SyTcpConn *conn)
{
  g_autoptr(GTask) task = g_steal_pointer (&conn->connect_task);

  if (conn->connect_source != NULL)
    {
      g_source_destroy (conn->connect_source);
      g_clear_pointer (&conn->connect_source, g_source_unref);
    }
  if (conn->cancel_source != NULL)
    {
      g_source_destroy (conn->cancel_source);
      g_clear_pointer (&conn->cancel_source, g_source_unref);
    }

  if (conn->pcb != NULL && conn->established)
    {
      g_task_return_pointer (task, sy_netstack_tcp_stream_new (conn), g_object_unref);
      return;
    }

  conn_release (conn, FALSE);
  if (conn->error != NULL)
    g_task_return_error (task, g_error_copy (conn->error));
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "Connection failed");
}

static gboolean
connect_complete_cb (gpointer user_data)
{
  SyTcpConn *conn = user_data;

  if (conn->connect_task != NULL)
    connect_finish_now (conn);
  return G_SOURCE_REMOVE;
}

/* Callbacks only record; the task completes from the loop. */
static void
connect_schedule_completion (SyTcpConn *conn)
{
  if (conn->connect_source != NULL || conn->connect_task == NULL)
    return;

  conn->connect_source = g_idle_source_new ();
  g_source_set_priority (conn->connect_source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (conn->connect_source, "[switchyard] netstack connect");
  g_source_set_callback (conn->connect_source, connect_complete_cb,
                         conn_ref (conn), (GDestroyNotify) conn_unref);
  g_source_attach (conn->connect_source, sy_lwip_core_get_context ());
}

static err_t
connect_connected_cb (void           *arg,
                      struct tcp_pcb *pcb,
                      err_t           err)
{
  SyTcpConn *conn = arg;

  g_assert (conn->pcb == pcb);

  conn->established = TRUE;
  conn_fill_addresses (conn);
  connect_schedule_completion (conn);
  return ERR_OK;
}

static void
connect_err_cb (void  *arg,
                err_t  err)
{
  SyTcpConn *conn = arg;

  conn_err_cb (conn, err);
  connect_schedule_completion (conn);
}

static gboolean
connect_cancelled_cb (GCancellable *cancellable,
                      gpointer      user_data)
{
  SyTcpConn *conn = user_data;
  GError *error = NULL;

  if (conn->connect_task == NULL)
    return G_SOURCE_REMOVE;

  g_cancellable_set_error_if_cancelled (cancellable, &error);
  g_clear_error (&conn->error);
  conn->error = error;
  conn->established = FALSE;
  connect_finish_now (conn);
  return G_SOURCE_REMOVE;
}

void
sy_netstack_connect_async (SyNetstack          *self,
                           GInetSocketAddress  *address,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(SyTcpConn) conn = NULL;
  GInetAddress *inet;
  GSocketFamily family;
  struct tcp_pcb *pcb;
  ip_addr_t remote;
  err_t err;

  g_return_if_fail (SY_IS_NETSTACK (self));
  g_return_if_fail (G_IS_INET_SOCKET_ADDRESS (address));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_netstack_connect_async);

  if (g_task_return_error_if_cancelled (task))
    return;

  inet = g_inet_socket_address_get_address (address);
  sy_lwip_addr_from_inet (&remote, inet);
  family = IP_IS_V6 (&remote) ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4;

  if (g_inet_socket_address_get_port (address) == 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "Port 0 is not a destination");
      return;
    }

  if (!sy_netstack_has_family (self, family))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE,
                               "The tunnel has no %s address",
                               family == G_SOCKET_FAMILY_IPV6 ? "IPv6" : "IPv4");
      return;
    }

  pcb = tcp_new_ip_type (family == G_SOCKET_FAMILY_IPV6 ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4);
  if (pcb == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                               "Out of memory for a TCP connection");
      return;
    }

  conn = conn_new (self);
  conn_attach (conn, pcb);
  tcp_err (pcb, connect_err_cb);
  tcp_bind_netif (pcb, sy_netstack_get_netif (self));
  if (IP_IS_V6 (&remote) && ip6_addr_lacks_zone (ip_2_ip6 (&remote), IP6_UNICAST))
    ip6_addr_assign_zone (ip_2_ip6 (&remote), IP6_UNICAST, sy_netstack_get_netif (self));

  sy_netstack_reset_output_failed (self);
  err = tcp_connect (pcb, &remote, g_inet_socket_address_get_port (address),
                     connect_connected_cb);
  sy_lwip_core_kick ();

  if (err != ERR_OK || sy_netstack_get_output_failed (self))
    {
      conn_release (conn, FALSE);
      if (err != ERR_OK)
        g_task_return_new_error (task, G_IO_ERROR, sy_lwip_err_to_io_error (err),
                                 "Could not connect: %s", lwip_strerr (err));
      else
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE,
                                 "No route to the host through the tunnel");
      return;
    }

  conn->connect_task = g_steal_pointer (&task);

  if (cancellable != NULL)
    {
      conn->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_static_name (conn->cancel_source, "[switchyard] netstack connect cancelled");
      g_source_set_callback (conn->cancel_source, G_SOURCE_FUNC (connect_cancelled_cb),
                             conn_ref (conn), (GDestroyNotify) conn_unref);
      g_source_attach (conn->cancel_source, sy_lwip_core_get_context ());
    }

  /* The pcb's callbacks hold this reference until the task completes. */
  conn_ref (conn);
  g_task_set_task_data (conn->connect_task, conn, (GDestroyNotify) conn_unref);
}

GIOStream *
sy_netstack_connect_finish (SyNetstack    *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (SY_IS_NETSTACK (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_netstack_connect_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
