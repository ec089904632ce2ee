/* sy-datagram-session.h — datagrams through an outbound: the minimal UDP path
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Just enough UDP for the UDP proxy tunnel: an SyDatagramDialer is an
 * outbound's way out for datagrams (resolve a name the way the outbound
 * does, open a datagram session), and an SyDatagramSession is one
 * unconnected datagram socket on that way out — a kernel UDP socket for
 * "direct", a SyNetstackUdp inside a WireGuard tunnel. The UDP issue folds
 * this into SyOutboundClass (open_datagram_async/finish); until then it
 * lives beside the tunnel that uses it.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _SyDatagramSession SyDatagramSession;

/* One datagram received. @data is valid during the call only (it is the
 * implementation's receive buffer, reused); @from is transfer none and may
 * be the same object from one call to the next. The callback may close
 * @session. */
typedef void (*SyDatagramRecvFunc) (SyDatagramSession  *session,
                                    const guint8       *data,
                                    gsize               length,
                                    GInetSocketAddress *from,
                                    gpointer            user_data);

typedef struct
{
  gboolean (*send)  (SyDatagramSession   *self,
                     const guint8        *data,
                     gsize                length,
                     GInetSocketAddress  *to,
                     GError             **error);
  void     (*close) (SyDatagramSession   *self);
} SyDatagramSessionFuncs;

/* Implementations embed this first. Main-loop only. */
struct _SyDatagramSession
{
  const SyDatagramSessionFuncs *funcs;
  SyDatagramRecvFunc            recv_func;
  gpointer                      recv_data;
};

/* Sends one datagram without blocking and without allocating. A full send
 * queue is G_IO_ERROR_WOULD_BLOCK: the datagram is dropped, as UDP may. */
gboolean sy_datagram_session_send  (SyDatagramSession   *self,
                                    const guint8        *data,
                                    gsize                length,
                                    GInetSocketAddress  *to,
                                    GError             **error);
/* Closes and frees; no callback runs afterwards (also when called from the
 * callback). */
void     sy_datagram_session_close (SyDatagramSession   *self);

#define SY_TYPE_DATAGRAM_DIALER (sy_datagram_dialer_get_type ())

G_DECLARE_DERIVABLE_TYPE (SyDatagramDialer, sy_datagram_dialer, SY, DATAGRAM_DIALER, GObject)

/**
 * SyDatagramDialerClass:
 * @resolve_async: resolve @host the way this outbound does (the default
 *   uses the system resolver). Only called for names, never IP literals.
 * @resolve_finish: a GList of GInetAddress, in the order to use them; free
 *   with g_resolver_free_addresses().
 * @open: open a datagram session able to reach addresses of @family,
 *   delivering what it receives to @func.
 */
struct _SyDatagramDialerClass
{
  GObjectClass parent_class;

  void               (*resolve_async)  (SyDatagramDialer     *self,
                                        const char           *host,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
  GList             *(*resolve_finish) (SyDatagramDialer     *self,
                                        GAsyncResult         *result,
                                        GError              **error);
  SyDatagramSession *(*open)           (SyDatagramDialer     *self,
                                        GSocketFamily         family,
                                        SyDatagramRecvFunc    func,
                                        gpointer              user_data,
                                        GError              **error);

  /*< private >*/
  gpointer padding[8];
};

/* The outbound's name, which sessions record ("direct", "wg:home"). */
const char        *sy_datagram_dialer_get_name       (SyDatagramDialer     *self);
void               sy_datagram_dialer_resolve_async  (SyDatagramDialer     *self,
                                                      const char           *host,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
GList             *sy_datagram_dialer_resolve_finish (SyDatagramDialer     *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);
SyDatagramSession *sy_datagram_dialer_open           (SyDatagramDialer     *self,
                                                      GSocketFamily         family,
                                                      SyDatagramRecvFunc    func,
                                                      gpointer              user_data,
                                                      GError              **error);

G_END_DECLS
