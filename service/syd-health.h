/* syd-health.h — the health and metrics HTTP server (switchyardd -i ADDR)
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A small libsoup server for load balancers, supervisors and Prometheus:
 *
 *   /readyz   wireproxy's readiness check, same status and body: a JSON
 *             object mapping each CheckAlive address to the time of its
 *             last reply (s since the epoch, 0: none yet); 503 when one is
 *             older than CheckAliveInterval + 2 s, else 200
 *   /metrics  Prometheus text exposition (version 0.0.4): WireGuard peers,
 *             sessions, bytes, CheckAlive
 *   /uapi     what wireproxy served as /metrics: the WireGuard state in the
 *             UAPI "get" format of wg(8) and wireguard-go, keys redacted
 *
 * Paths are cleaned as Go's path.Clean does ("/readyz/" is "/readyz");
 * every method is answered; anything else is 404 with an empty body.
 * docs/wireproxy.md describes each document.
 */

#pragma once

#include <gio/gio.h>

#include "engine/sy-dispatcher.h"
#include "wireguard/sy-wg-device.h"
#include "syd-check-alive.h"

G_BEGIN_DECLS

#define SYD_TYPE_HEALTH (syd_health_get_type ())

G_DECLARE_FINAL_TYPE (SydHealth, syd_health, SYD, HEALTH, GObject)

SydHealth  *syd_health_new             (SyDispatcher   *dispatcher);
/* A WireGuard interface to report, labelled profile="@profile". */
void        syd_health_add_device      (SydHealth      *self,
                                        const char     *profile,
                                        SyWgDevice     *device);
/* NULL: no CheckAlive; /readyz is then always 200 with "{}". */
void        syd_health_set_check_alive (SydHealth      *self,
                                        SydCheckAlive  *check_alive);

/* @address as wireproxy's -i takes it: "HOST:PORT", "[V6]:PORT" or
 * ":PORT" (every address). HOST may be a name ("localhost"); PORT is
 * decimal, 0 for any free port. */
gboolean    syd_health_listen          (SydHealth      *self,
                                        const char     *address,
                                        GError        **error);
/* Whether @address has that form (nothing is resolved or bound). */
gboolean    syd_health_check_address   (const char     *address,
                                        GError        **error);
/* "http://127.0.0.1:9080/" for each listening socket; NULL-terminated. */
GStrv       syd_health_dup_uris        (SydHealth      *self);
void        syd_health_stop            (SydHealth      *self);

/* The documents themselves, from plain data. */

/* @status: 200 or 503. @now_us: g_get_real_time (). */
char       *syd_health_format_readyz   (const char * const *addresses,
                                        const gint64       *last_pongs,
                                        guint               n_addresses,
                                        guint               interval_s,
                                        gint64              now_us,
                                        guint              *status);
/* @peers: SyWgPeerStatus, in @profile's peer order. */
void        syd_health_append_uapi     (GString            *out,
                                        const SyWgProfile  *profile,
                                        guint16             listen_port,
                                        GPtrArray          *peers);
char       *syd_health_format_metrics  (SydHealth          *self);

G_END_DECLS
