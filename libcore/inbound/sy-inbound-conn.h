/* sy-inbound-conn.h — one accepted client connection of the mixed inbound
 * (private to libcore/inbound)
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "engine/sy-dispatcher.h"
#include "inbound/sy-mixed-inbound.h"
#include "session/sy-session.h"

G_BEGIN_DECLS

/* A read buffer that grows on demand up to a limit: most connections never
 * need more than the first allocation, an HTTP head may need 64 KiB. */
typedef struct
{
  guint8 *data;
  gsize   start;      /* first byte not consumed yet */
  gsize   end;        /* one past the last byte read */
  gsize   size;       /* allocated */
  gsize   limit;      /* never grows beyond */
} SyInboundBuffer;

void          sy_inbound_buffer_init      (SyInboundBuffer *buffer,
                                           gsize            initial,
                                           gsize            limit);
void          sy_inbound_buffer_clear     (SyInboundBuffer *buffer);
static inline const guint8 *
sy_inbound_buffer_peek (const SyInboundBuffer *buffer)
{
  return buffer->data + buffer->start;
}
static inline gsize
sy_inbound_buffer_length (const SyInboundBuffer *buffer)
{
  return buffer->end - buffer->start;
}
void          sy_inbound_buffer_consume   (SyInboundBuffer *buffer,
                                           gsize            n);
/* Makes room at the end; FALSE when the buffer is full at its limit. */
gboolean      sy_inbound_buffer_reserve   (SyInboundBuffer *buffer,
                                           guint8         **space,
                                           gsize           *space_length);
GBytes       *sy_inbound_buffer_steal     (SyInboundBuffer *buffer);

typedef struct _SyInboundConn SyInboundConn;

typedef void (*SyInboundConnFunc)     (SyInboundConn *conn,
                                       const GError  *error);
typedef void (*SyInboundConnReadFunc) (SyInboundConn *conn,
                                       gsize          n_read,
                                       const GError  *error);

struct _SyInboundConn
{
  grefcount           ref_count;

  SyMixedInbound     *inbound;
  SyDispatcher       *dispatcher;
  const SyInboundConfig *config;     /* owned by @inbound */

  GSocketConnection  *connection;
  GIOStream          *stream;        /* what the client speaks over: @connection,
                                      * or a GTlsServerConnection around it */
  GInputStream       *input;
  GOutputStream      *output;
  GSocketAddress     *client_address;

  /* Every operation on the client (and, for HTTP forwarding, the origin)
   * uses this; the handshake timer and a close request cancel it. */
  GCancellable       *cancellable;
  guint               handshake_timeout_ms;
  guint               handshake_source;
  gboolean            timed_out;

  SySession          *session;       /* the current one; HTTP may go through several */
  gulong              session_handler;

  SyInboundBuffer     buffer;        /* bytes from the client not handled yet */

  gboolean            handed_off;    /* the relay owns the client stream now */
  gboolean            closing;

  gpointer            protocol_data;
  GDestroyNotify      protocol_free;
};

/* @stream: NULL, or a stream layered on @connection (TLS) to speak over. */
SyInboundConn *sy_inbound_conn_new            (SyMixedInbound     *inbound,
                                               SyDispatcher       *dispatcher,
                                               GSocketConnection  *connection,
                                               GIOStream          *stream,
                                               guint               handshake_timeout_ms);
SyInboundConn *sy_inbound_conn_ref            (SyInboundConn      *conn);
void           sy_inbound_conn_unref          (SyInboundConn      *conn);

/* Opens a session for this client and registers it with the dispatcher. */
SySession     *sy_inbound_conn_new_session    (SyInboundConn      *conn,
                                               const char         *protocol);
/* Ends the current session (NULL: a clean close) and forgets it. */
void           sy_inbound_conn_end_session    (SyInboundConn      *conn,
                                               const GError       *error);

void           sy_inbound_conn_start_timer    (SyInboundConn      *conn);
void           sy_inbound_conn_stop_timer     (SyInboundConn      *conn);

/* Reads more client bytes into @conn->buffer. 0 bytes means EOF. A read
 * cut short by the handshake timer reports G_IO_ERROR_TIMED_OUT. */
void           sy_inbound_conn_read           (SyInboundConn      *conn,
                                               SyInboundConnReadFunc callback);
/* Writes all of @bytes to the client. */
void           sy_inbound_conn_write          (SyInboundConn      *conn,
                                               GBytes             *bytes,
                                               SyInboundConnFunc   callback);

/* Sends @reply (may be NULL), ends the session with @error (NULL: clean)
 * and closes the client after letting it finish sending (RFC 9112 §9.6:
 * closing with unread input resets the connection, and the client may
 * then never see the reply). */
void           sy_inbound_conn_reject         (SyInboundConn      *conn,
                                               GBytes             *reply,
                                               const GError       *error);
/* Ends the session and closes the client at once. */
void           sy_inbound_conn_abort          (SyInboundConn      *conn,
                                               const GError       *error);
/* Gives the client stream and @remote to the dispatcher's relay, with
 * whatever the client sent past its request. */
void           sy_inbound_conn_hand_off       (SyInboundConn      *conn,
                                               GIOStream          *remote);

/* Maps an error of our own client I/O for the session log: a read cut by
 * the timer becomes a timeout. */
GError        *sy_inbound_conn_translate_error (SyInboundConn     *conn,
                                                const GError      *error);

/* Protocol handlers, started once the first byte is known. */
void           sy_socks5_handler_start        (SyInboundConn      *conn);
void           sy_http_handler_start          (SyInboundConn      *conn);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyInboundConn, sy_inbound_conn_unref)

G_END_DECLS
