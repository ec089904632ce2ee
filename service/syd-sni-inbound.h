/* syd-sni-inbound.h — TLS passed through to the server its ClientHello names
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * wireproxy's [SNI]: each TLS connection accepted on BindAddress is read
 * up to the end of its ClientHello, the server_name extension (RFC 6066
 * §3) gives the destination, and the connection — ClientHello included,
 * untouched — goes to port 443 of that name through the outbound. Nothing
 * is decrypted. A client that sends no complete ClientHello within 5 s, or
 * none naming a host, is disconnected.
 */

#pragma once

#include <gio/gio.h>

#include "engine/sy-dispatcher.h"

G_BEGIN_DECLS

#define SYD_TYPE_SNI_INBOUND (syd_sni_inbound_get_type ())

G_DECLARE_FINAL_TYPE (SydSniInbound, syd_sni_inbound, SYD, SNI_INBOUND, GObject)

/* @bind_host: see sy_tunnel_resolve_bind_host(). @outbound: registered
 * with @dispatcher, looked up at each dial. */
SydSniInbound  *syd_sni_inbound_new               (SyDispatcher   *dispatcher,
                                                   const char     *name,
                                                   const char     *bind_host,
                                                   guint16         bind_port,
                                                   const char     *outbound);
gboolean        syd_sni_inbound_start             (SydSniInbound  *self,
                                                   GError        **error);
void            syd_sni_inbound_stop              (SydSniInbound  *self);
/* The address bound; %NULL while stopped. Transfer none. */
GSocketAddress *syd_sni_inbound_get_local_address (SydSniInbound  *self);

typedef enum
{
  SYD_SNI_FOUND,        /* @server_name is set */
  SYD_SNI_INCOMPLETE,   /* a valid start; read more */
  SYD_SNI_NONE,         /* a complete ClientHello without a host name */
  SYD_SNI_INVALID,      /* not a TLS ClientHello */
} SydSniResult;

/* Parses the first bytes a TLS client sent: TLS records of type handshake
 * (the ClientHello may span several, RFC 8446 §5.1) holding a ClientHello.
 * The name is returned as sent, without a trailing dot. */
SydSniResult    syd_sni_parse                     (const guint8   *data,
                                                   gsize           length,
                                                   char          **server_name);

G_END_DECLS
