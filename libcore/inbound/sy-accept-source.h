/* sy-accept-source.h — where a server tunnel's connections come from
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A TCP server tunnel accepts inside a WireGuard tunnel (a SyNetstack
 * listener), but the tunnel itself only needs "give me each incoming
 * stream". SyAcceptSource is that: a small vtable with two implementations
 * here — a netstack port and a GSocketService — and room for more (tests
 * wrap streams with their own). Plain struct, main-loop only.
 */

#pragma once

#include <gio/gio.h>

#include "netstack/sy-netstack.h"

G_BEGIN_DECLS

typedef struct _SyAcceptSource SyAcceptSource;

/* One accepted connection, transfer none: take a reference to keep it.
 * Its input and output streams must be pollable. @remote may be %NULL. */
typedef void (*SyAcceptFunc) (GIOStream      *connection,
                              GSocketAddress *remote,
                              gpointer        user_data);

typedef struct
{
  /* Start delivering connections through sy_accept_source_emit(). */
  gboolean (*start) (SyAcceptSource  *self,
                     GError         **error);
  /* Stop delivering; may be started again. */
  void     (*stop)  (SyAcceptSource  *self);
  /* Release everything the implementation holds (after stop). */
  void     (*free)  (SyAcceptSource  *self);
} SyAcceptSourceFuncs;

struct _SyAcceptSource
{
  const SyAcceptSourceFuncs *funcs;
  char                      *description;   /* "tunnel port 3422", for messages */

  /*< private >*/
  SyAcceptFunc               func;
  gpointer                   func_data;
  gboolean                   started;
};

/* For implementations: fills in the common part of a zeroed struct. */
void            sy_accept_source_init          (SyAcceptSource             *self,
                                                const SyAcceptSourceFuncs  *funcs,
                                                const char                 *description);
/* For implementations: hands @connection to the consumer (while started). */
void            sy_accept_source_emit          (SyAcceptSource             *self,
                                                GIOStream                  *connection,
                                                GSocketAddress             *remote);

gboolean        sy_accept_source_start         (SyAcceptSource             *self,
                                                SyAcceptFunc                func,
                                                gpointer                    user_data,
                                                GError                    **error);
void            sy_accept_source_stop          (SyAcceptSource             *self);
/* Stops and frees. */
void            sy_accept_source_free          (SyAcceptSource             *self);
const char     *sy_accept_source_describe      (SyAcceptSource             *self);

/* Connections accepted by @service, which the caller has bound (takes a
 * reference; free closes its listening sockets). Until start, and after
 * stop, connections are closed as they are accepted. GSocketService itself
 * drops a connection that arrives while a stop is still being processed
 * (its cancelled accept takes it): do not stop and restart it under load. */
SyAcceptSource *sy_accept_source_new_service   (GSocketService             *service);

/* Connections to @port inside the tunnel (sy_netstack_listen()). Takes a
 * reference on @netstack; listening fails at start when the port is taken. */
SyAcceptSource *sy_accept_source_new_netstack  (SyNetstack                 *netstack,
                                                guint16                     port);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyAcceptSource, sy_accept_source_free)

G_END_DECLS
