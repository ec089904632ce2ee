/* sy-mixed-inbound.h — SOCKS5 and HTTP proxy on one listening port
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "config/sy-config.h"
#include "engine/sy-dispatcher.h"

G_BEGIN_DECLS

#define SY_TYPE_MIXED_INBOUND (sy_mixed_inbound_get_type ())

G_DECLARE_FINAL_TYPE (SyMixedInbound, sy_mixed_inbound, SY, MIXED_INBOUND, GObject)

SyMixedInbound  *sy_mixed_inbound_new                   (const SyInboundConfig *config,
                                                         SyDispatcher          *dispatcher);
const SyInboundConfig *sy_mixed_inbound_get_config      (SyMixedInbound        *self);
/* Binds and starts accepting. Fails with SY_ERROR_INSECURE for a
 * non-loopback address without credentials (unless allow_insecure), and
 * SY_ERROR_ADDRESS_IN_USE / the G_IO_ERROR of bind(2) otherwise. */
gboolean         sy_mixed_inbound_start                 (SyMixedInbound        *self,
                                                         GError               **error);
/* Stops accepting; sessions already accepted are left to the dispatcher. */
void             sy_mixed_inbound_stop                  (SyMixedInbound        *self);
/* The address actually bound (port filled in when the config said 0);
 * %NULL while stopped. Transfer none. */
GSocketAddress  *sy_mixed_inbound_get_local_address     (SyMixedInbound        *self);
void             sy_mixed_inbound_set_handshake_timeout (SyMixedInbound        *self,
                                                         guint                  timeout_ms);
/* With a certificate (and its private key) clients must speak TLS first:
 * an HTTPS proxy (and SOCKS5 over TLS). Takes effect for connections
 * accepted afterwards; NULL turns it off. The TLS handshake counts against
 * the handshake timeout. */
void             sy_mixed_inbound_set_tls_certificate   (SyMixedInbound        *self,
                                                         GTlsCertificate       *certificate);

G_END_DECLS
