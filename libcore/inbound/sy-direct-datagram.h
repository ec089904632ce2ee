/* sy-direct-datagram.h — datagrams through kernel UDP sockets
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "inbound/sy-datagram-session.h"

G_BEGIN_DECLS

#define SY_TYPE_DIRECT_DATAGRAM_DIALER (sy_direct_datagram_dialer_get_type ())

G_DECLARE_FINAL_TYPE (SyDirectDatagramDialer, sy_direct_datagram_dialer, SY, DIRECT_DATAGRAM_DIALER, SyDatagramDialer)

/* The direct outbound's UDP path: names resolved by the system resolver,
 * one unconnected kernel UDP socket per session. */
SyDatagramDialer  *sy_direct_datagram_dialer_new  (const char          *name);

/* An unconnected UDP socket of @family (ephemeral port, bound at the first
 * send). Datagrams are read into one receive buffer shared by every session
 * of the thread, so a session costs one descriptor and no buffer. */
SyDatagramSession *sy_direct_datagram_session_new (GSocketFamily        family,
                                                   SyDatagramRecvFunc   func,
                                                   gpointer             user_data,
                                                   GError             **error);

G_END_DECLS
