/* sy-happy-eyeballs.h — RFC 8305 connection racing over kernel sockets (private)
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* RFC 8305 §8 recommends 250 ms between connection attempts. */
#define SY_HAPPY_EYEBALLS_ATTEMPT_DELAY_MS 250

/**
 * SySocketOptions:
 * @bind_address: local address to bind before connect, or %NULL
 * @interface: device for SO_BINDTODEVICE, or %NULL
 * @fwmark: SO_MARK value, 0 for none
 * @connect_timeout_ms: per-attempt connect timeout, 0 for none
 *
 * What every outgoing kernel socket of a direct outbound is set up with.
 */
typedef struct
{
  GInetAddress *bind_address;
  char         *interface;
  guint32       fwmark;
  guint         connect_timeout_ms;
} SySocketOptions;

SySocketOptions *sy_socket_options_new    (void);
SySocketOptions *sy_socket_options_copy   (const SySocketOptions *options);
void             sy_socket_options_free   (SySocketOptions       *options);

/* Creates a non-blocking TCP socket of @family with TCP_NODELAY and
 * @options applied and bound; the errors explain missing capabilities. */
GSocket         *sy_socket_new_outgoing   (GSocketFamily          family,
                                           const SySocketOptions *options,
                                           GError               **error);

/* RFC 8305 §4: interleaves the families, IPv6 first, keeping the resolver's
 * order within each family. Takes a list of #GInetAddress, returns a new list
 * holding new references. */
GList           *sy_happy_eyeballs_sort   (GList                 *addresses);

/* Races connections to @addresses (#GInetAddress, already sorted) on @port:
 * one attempt every SY_HAPPY_EYEBALLS_ATTEMPT_DELAY_MS or as soon as the
 * previous one fails; the first to connect wins and the others are closed. */
void             sy_happy_eyeballs_connect_async  (GList                 *addresses,
                                                   guint16                port,
                                                   const SySocketOptions *options,
                                                   GCancellable          *cancellable,
                                                   GAsyncReadyCallback    callback,
                                                   gpointer               user_data);
GSocket         *sy_happy_eyeballs_connect_finish (GAsyncResult          *result,
                                                   GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SySocketOptions, sy_socket_options_free)

G_END_DECLS
