/* sy-upstream.h — one upstream proxy of a pool: its dialer, counters and health
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "config/sy-config.h"
#include "outbound/sy-outbound.h"

G_BEGIN_DECLS

typedef enum
{
  SY_HEALTH_UNKNOWN,    /* never checked yet: eligible */
  SY_HEALTH_UP,
  SY_HEALTH_DOWN,       /* failed; re-checked with exponential back-off */
  SY_HEALTH_DISABLED,   /* switched off by the user */
} SyHealthState;

/* Where members that go through another outbound of the engine (kind
 * wireguard: "wireguard:PROFILE") find it. Looked up at every dial, so a
 * profile rebuilt by a configuration change is used at once. */
typedef struct
{
  /* The outbound called @name, or NULL when there is none (transfer none). */
  SyOutbound *(*lookup) (const char *name,
                         gpointer    user_data);
  /* Whether @outbound's own path works right now (a tunnel with a live
   * session). A dial through it that fails while it is up is the
   * destination's doing; while it is down, the member's. May be NULL:
   * then every failure counts against the member. */
  gboolean    (*is_up)  (SyOutbound *outbound,
                         gpointer    user_data);
} SyOutboundDirectory;

#define SY_TYPE_UPSTREAM (sy_upstream_get_type ())

G_DECLARE_FINAL_TYPE (SyUpstream, sy_upstream, SY, UPSTREAM, GObject)

/* @transport is how the upstream server itself is reached (normally direct).
 * A member of kind wireguard dials the outbound "wireguard:PROFILE" of the
 * directory set with sy_upstream_set_directory() instead. */
SyUpstream             *sy_upstream_new                (const SyUpstreamConfig *config,
                                                        const SyHealthCheckConfig *health,
                                                        SyOutbound             *transport);
const char             *sy_upstream_get_name           (SyUpstream             *self);
const SyUpstreamConfig *sy_upstream_get_config         (SyUpstream             *self);
SyOutbound             *sy_upstream_get_dialer         (SyUpstream             *self);
gboolean                sy_upstream_is_eligible        (SyUpstream             *self);
SyHealthState           sy_upstream_get_health         (SyUpstream             *self);
gint64                  sy_upstream_get_latency_ms     (SyUpstream             *self); /* -1: unknown */
guint                   sy_upstream_get_active         (SyUpstream             *self);
guint64                 sy_upstream_get_total          (SyUpstream             *self);
guint64                 sy_upstream_get_bytes_up       (SyUpstream             *self);
guint64                 sy_upstream_get_bytes_down     (SyUpstream             *self);
guint                   sy_upstream_get_failures       (SyUpstream             *self); /* in window */
const char             *sy_upstream_get_last_error     (SyUpstream             *self);
gint64                  sy_upstream_get_last_check     (SyUpstream             *self); /* real time µs, 0: never */

/* counters, moved by SySession */
void                    sy_upstream_session_opened     (SyUpstream             *self);
void                    sy_upstream_session_closed     (SyUpstream             *self);
void                    sy_upstream_add_bytes          (SyUpstream             *self,
                                                        guint64                 up,
                                                        guint64                 down);

/* Health results. A success with @latency_ms ≥ 0 is the result of an active
 * check (it feeds the latency mean and the check schedule); with -1 it is a
 * dial that went through (passive). sy_upstream_report_failure() is a dial
 * that failed through the upstream's fault (passive). Active check failures
 * go through sy_upstream_report_result() in sy-pool-private.h. */
void                    sy_upstream_report_success     (SyUpstream             *self,
                                                        gint64                  latency_ms);
void                    sy_upstream_report_failure     (SyUpstream             *self,
                                                        const GError           *error);

/* @directory must stay valid while set; NULL: none (members of kind
 * wireguard then fail to dial). */
void                    sy_upstream_set_directory      (SyUpstream             *self,
                                                        const SyOutboundDirectory *directory,
                                                        gpointer                user_data);

const char             *sy_health_state_to_string      (SyHealthState           state);

G_END_DECLS
